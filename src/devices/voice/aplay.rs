//! The ALSA adapter of the `AudioOut` port: each prompt is piped to `aplay` (alsa-utils) as raw
//! 16-bit mono PCM, on the configured device. A new prompt stops the one playing (the player is
//! killed), so prompts never queue up behind a page the applicant has left.
//!
//! A kiosk without a sound card (or without `aplay`) says so in one log line and goes on
//! silently: `check` plays a moment of silence at start-up and says why it could not; while
//! the kiosk runs, a player's complaint is read on a thread of its own, never waited for, and
//! logged (once, its first line) by the next call.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::{AudioOut, Pcm, VoiceError};

pub struct Aplay {
    /// ALSA device name (`default`, `plughw:1,0`).
    device: String,
    playing: Option<Child>,
    /// What the last player complained of (no device), for the next call to log.
    complaint: Arc<Mutex<Option<String>>>,
    /// The "no sound" line was logged already (here or by the start-up check).
    told: Arc<AtomicBool>,
}

impl Aplay {
    pub fn new(device: &str) -> Aplay {
        Aplay {
            device: device.to_string(),
            playing: None,
            complaint: Arc::new(Mutex::new(None)),
            told: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Plays 10 ms of silence and waits for the player: why there will be no sound, if there
    /// will be none (the player's first line: "audio open error: No such file or directory").
    /// Logs that once, as playing would. Takes as long as the player needs to open the device.
    pub fn check(&mut self) -> Result<(), VoiceError> {
        let silence = Pcm {
            rate: 22_050,
            samples: vec![0; 220],
        };
        let outcome = self
            .command(silence.rate)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start aplay (install alsa-utils): {e}"))
            .and_then(|mut child| {
                if let Some(mut stdin) = child.stdin.take() {
                    let bytes: Vec<u8> = silence
                        .samples
                        .iter()
                        .flat_map(|s| s.to_le_bytes())
                        .collect();
                    let _ = stdin.write_all(&bytes);
                }
                let output = child.wait_with_output().map_err(|e| e.to_string())?;
                match output.status.success() {
                    true => Ok(()),
                    false => Err(first_line(&String::from_utf8_lossy(&output.stderr))),
                }
            });
        match outcome {
            Ok(()) => Ok(()),
            Err(why) => {
                self.tell(Some(why.clone()));
                Err(VoiceError::Audio(why))
            }
        }
    }

    fn command(&self, rate: u32) -> Command {
        let mut command = Command::new("aplay");
        command
            .args([
                "-q",
                "-t",
                "raw",
                "-f",
                "S16_LE",
                "-c",
                "1",
                "-D",
                &self.device,
            ])
            .arg("-r")
            .arg(rate.to_string());
        command
    }

    /// Logs why the kiosk is silent, the first time there is a reason.
    fn tell(&mut self, why: Option<String>) {
        let why = why.or_else(|| {
            self.complaint
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
        });
        if let Some(why) = why
            && !self.told.swap(true, Ordering::SeqCst)
        {
            tracing::warn!("voice guidance is silent (no audio device?): {why}");
        }
    }
}

impl AudioOut for Aplay {
    fn play(&mut self, pcm: &Pcm) -> Result<(), VoiceError> {
        self.stop();
        self.tell(None);
        let spawned = self
            .command(pcm.rate)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                let why = format!("cannot start aplay (install alsa-utils): {e}");
                self.tell(Some(why.clone()));
                return Err(VoiceError::Audio(why));
            }
        };
        let bytes: Vec<u8> = pcm.samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let stdin = child.stdin.take();
        let stderr = child.stderr.take();
        let complaint = self.complaint.clone();
        // Writing blocks while the samples play; the player's complaint, if any, comes after.
        let writer = std::thread::Builder::new()
            .name("voice-out".into())
            .spawn(move || {
                if let Some(mut stdin) = stdin {
                    // A killed player (the next prompt) breaks the pipe: nothing to report.
                    let _ = stdin.write_all(&bytes);
                }
                let mut said = String::new();
                if let Some(mut stderr) = stderr {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut said);
                }
                if !said.trim().is_empty() {
                    *complaint.lock().unwrap_or_else(|p| p.into_inner()) = Some(first_line(&said));
                }
            });
        if let Err(e) = writer {
            let _ = child.kill();
            let _ = child.wait();
            return Err(VoiceError::Audio(e.to_string()));
        }
        self.playing = Some(child);
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.playing.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Aplay {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The player's complaint in one line (ALSA adds several lines of its own before it).
fn first_line(said: &str) -> String {
    let lines: Vec<&str> = said
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // aplay's own message names it ("aplay: main:831: audio open error: …"); ALSA's lines come
    // first.
    lines
        .iter()
        .find(|l| l.starts_with("aplay"))
        .or(lines.first())
        .map_or_else(String::new, |l| (*l).to_string())
}
