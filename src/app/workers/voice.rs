//! Voice guidance on its own thread: turns each prompt into speech and plays it, the newest
//! prompt cutting off the one before (a page left is not talked about any more). Synthesis
//! takes a fraction of a second (docs/BENCHMARKS.md), which the UI thread never waits for.

use std::sync::mpsc::{self, Receiver, Sender};

use super::spawn;
use crate::devices::voice::{AudioOut, Style, Synthesizer, VoiceLang};

/// What the core asks of the voice thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceCommand {
    /// Say this now (a page's prompt, a notice); never personal data.
    Say { text: String, lang: VoiceLang },
    /// Be quiet (voice turned off, the visit is over).
    Stop,
}

/// The voice thread's engine, player and style.
pub struct VoiceThread {
    pub synthesizer: Box<dyn Synthesizer>,
    pub out: Box<dyn AudioOut>,
    pub style: Style,
}

/// Starts the thread.
pub fn voice(thread: VoiceThread) -> Sender<VoiceCommand> {
    let (tx, commands) = mpsc::channel::<VoiceCommand>();
    spawn("voice", move || run(thread, &commands));
    tx
}

fn run(mut t: VoiceThread, commands: &Receiver<VoiceCommand>) {
    while let Ok(first) = commands.recv() {
        // Only the newest command counts: prompts queued behind it are already out of date.
        let mut next = Some(commands.try_iter().last().unwrap_or(first));
        while let Some(command) = next.take() {
            match command {
                VoiceCommand::Stop => t.out.stop(),
                VoiceCommand::Say { text, lang } => {
                    let made = t.synthesizer.synthesize(&text, lang, t.style);
                    // Voice turned off, or another page, while this was being made: that counts
                    // instead, and this is never heard.
                    next = commands.try_iter().last();
                    match made {
                        Ok(_) if next.is_some() => {}
                        // The player logs a missing audio device itself, once.
                        Ok(pcm) => {
                            let _ = t.out.play(&pcm);
                        }
                        Err(e) => tracing::warn!("voice guidance: {e}"),
                    }
                }
            }
        }
    }
    t.out.stop();
}
