//! Voice guidance: every page's prompt and every notice, in Chinese and English, synthesised by
//! the real engine (eSpeak NG) to audio that is not silent and is as long as such a sentence
//! takes to say; a session with voice on speaks its pages in order; the elderly mode turns it
//! on; a kiosk without a sound card says so once and goes on.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk::app::VoiceSetup;
use kiosk::devices::voice::aplay::Aplay;
use kiosk::devices::voice::espeak::Espeak;
use kiosk::devices::voice::{AudioOut, Pcm, Style, Synthesizer, VoiceError, VoiceLang};
use kiosk::ui::{Messages, NoticeKind, Page};
use slint::ComponentHandle;

use crate::support::{Kiosk, Options, demo_kiosk_with_options, repo};

const STYLE: Style = Style {
    volume: 80,
    words_per_minute: 150,
};

/// Every page, and every notice, as the contract's enums list them (checked against
/// ui/globals/adapters.slint, so a page added there must be added here).
const PAGES: [Page; 25] = [
    Page::Attract,
    Page::CardRead,
    Page::Guardian,
    Page::Documents,
    Page::Details,
    Page::Address,
    Page::Contact,
    Page::Photo,
    Page::Review,
    Page::Printing,
    Page::Fee,
    Page::Done,
    Page::Services,
    Page::IdCard,
    Page::Permit,
    Page::Keys,
    Page::Holder,
    Page::Checking,
    Page::Choose,
    Page::StationReview,
    Page::Paying,
    Page::Issuing,
    Page::StationDone,
    Page::Trips,
    Page::Reprinting,
];

/// The variants of a `.slint` enum, by name.
fn slint_enum(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("ui/globals/adapters.slint")).expect("adapters");
    let start = text
        .find(&format!("export enum {name} {{"))
        .unwrap_or_else(|| panic!("enum {name}"));
    let body = &text[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    body.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

/// Records what the kiosk says (the words and their language) and plays nothing.
#[derive(Clone, Default)]
struct Heard(Arc<Mutex<Vec<(String, VoiceLang)>>>);

struct Listening {
    heard: Heard,
    engine: Espeak,
}

impl Synthesizer for Listening {
    fn synthesize(&mut self, text: &str, lang: VoiceLang, style: Style) -> Result<Pcm, VoiceError> {
        self.heard.0.lock().unwrap().push((text.to_string(), lang));
        self.engine.synthesize(text, lang, style)
    }
}

/// Counts what was played and how long it was.
#[derive(Clone, Default)]
struct Played(Arc<Mutex<Vec<f64>>>);

impl AudioOut for Played {
    fn play(&mut self, pcm: &Pcm) -> Result<(), VoiceError> {
        self.0.lock().unwrap().push(pcm.seconds());
        Ok(())
    }
    fn stop(&mut self) {}
}

fn listening_kiosk(with_large_text: bool) -> (Kiosk, Heard, Played) {
    let heard = Heard::default();
    let played = Played::default();
    let k = demo_kiosk_with_options(Options {
        voice: Some(VoiceSetup {
            synthesizer: Box::new(Listening {
                heard: heard.clone(),
                engine: Espeak::new(),
            }),
            out: Box::new(played.clone()),
            style: STYLE,
            with_large_text,
        }),
        ..Default::default()
    });
    (k, heard, played)
}

/// Waits until the voice thread has said `count` things (the UI's clock running meanwhile, so
/// that the workers' reports are taken in).
fn wait_heard(k: &Kiosk, heard: &Heard, count: usize) -> Vec<(String, VoiceLang)> {
    for _ in 0..200 {
        let said = heard.0.lock().unwrap().clone();
        if said.len() >= count {
            return said;
        }
        k.advance(100);
        std::thread::sleep(Duration::from_millis(25));
    }
    heard.0.lock().unwrap().clone()
}

/// Seconds per character a voice plausibly takes: Mandarin one syllable per character, English
/// letters at about 15 characters a second, at 150 words a minute; with room either way.
fn plausible(text: &str, lang: VoiceLang, pcm: &Pcm) -> Result<(), String> {
    let chars = text.chars().filter(|c| !c.is_whitespace()).count() as f64;
    let per_char = pcm.seconds() / chars;
    let (low, high) = match lang {
        VoiceLang::Chinese => (0.12, 0.8),
        VoiceLang::English => (0.025, 0.2),
    };
    if pcm.rms() < 500.0 {
        return Err(format!("silent (RMS {:.0}): {text}", pcm.rms()));
    }
    if !(low..=high).contains(&per_char) {
        return Err(format!(
            "{:.2} s for {chars} characters ({per_char:.3} s each, expected {low}–{high}): {text}",
            pcm.seconds()
        ));
    }
    Ok(())
}

#[test]
fn every_prompt_and_notice_is_spoken_audibly_in_both_languages() {
    let pages = slint_enum("Page");
    let distinct: std::collections::BTreeSet<_> = PAGES.iter().map(|p| format!("{p:?}")).collect();
    assert_eq!(
        distinct.len(),
        pages.len(),
        "the test lists every page: {pages:?}"
    );
    let notices = slint_enum("NoticeKind");

    let (k, _, _) = listening_kiosk(false);
    let messages = k.window().global::<Messages>();
    let mut engine = Espeak::new();
    let mut problems = Vec::new();
    let mut spoken = 0;
    for (translation, lang) in [("zh_CN", VoiceLang::Chinese), ("", VoiceLang::English)] {
        slint::select_bundled_translation(translation).expect("translation");
        let mut texts: Vec<String> = PAGES
            .iter()
            .map(|&p| messages.invoke_prompt(p).to_string())
            .collect();
        for (i, text) in texts.iter().enumerate() {
            if text.is_empty() {
                problems.push(format!("{lang:?}: page {:?} has no prompt", PAGES[i]));
            }
        }
        texts.extend(
            notice_kinds()
                .into_iter()
                .map(|n| messages.invoke_notice(n).to_string()),
        );
        for text in texts.iter().filter(|t| !t.is_empty()) {
            match engine.synthesize(text, lang, STYLE) {
                Ok(pcm) => {
                    spoken += 1;
                    if let Err(e) = plausible(text, lang, &pcm) {
                        problems.push(format!("{lang:?}: {e}"));
                    }
                }
                Err(e) => problems.push(format!("{lang:?}: {e}: {text}")),
            }
        }
    }
    assert_eq!(
        notice_kinds().len() + 1,
        notices.len(),
        "every notice but `none`: {notices:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(spoken > 2 * PAGES.len(), "{spoken} texts spoken");
}

/// Every notice but `none`.
fn notice_kinds() -> Vec<NoticeKind> {
    use NoticeKind::*;
    vec![
        TimedOut,
        CardRemoved,
        Cancelled,
        CardUnreadable,
        NotEligible,
        CardExpired,
        NameNeedsStaff,
        SaveFailed,
        StorageFull,
        PrintFailed,
        CameraUnavailable,
        PhotoAtWindow,
        HolderForClerk,
        HolderAtWindow,
        FeeToPay,
        FeeDeclined,
        FeeAtWindow,
        FeeUnconfirmed,
        GuardianApplicantsCard,
        GuardianNotAdult,
        GuardianCardNotAccepted,
        WindowCardType,
        WindowUnderAge,
        KeyInvalid,
        ScanUnreadable,
        ScanNotPermit,
        WindowNotCardPermit,
        WindowPermitExpired,
        WindowNotHolder,
        WindowChipNotVerified,
        WindowPermitUnreadable,
        WindowHolderNotConfirmed,
        HolderRetry,
        NotAvailable,
        NothingOffered,
        NothingApproved,
        ApprovalKept,
        PaymentDeclined,
        PaymentCancelled,
        RefundRequested,
        PartlyWritten,
        NeedsStaff,
        ReceiptNotPrinted,
        ReprintFailed,
    ]
}

#[test]
fn with_voice_on_each_page_is_announced_in_order_in_the_visits_language() {
    let (k, heard, played) = listening_kiosk(false);
    assert!(
        k.label("voice").contains("关"),
        "off by default: {}",
        k.label("voice")
    );
    // Each step, then what it made the kiosk say (a prompt still being made when the next page
    // opens is dropped on purpose, so the test waits for each).
    let steps: [(&str, &str, VoiceLang); 6] = [
        ("voice", "欢迎。填写申请表", VoiceLang::Chinese),
        ("demo-card-0", "身份证已读取", VoiceLang::Chinese),
        ("next", "请选择要申请的证件", VoiceLang::Chinese),
        ("", "请输入手机号码", VoiceLang::Chinese),
        ("language", "Type your mobile number", VoiceLang::English),
        (
            "delivery-elsewhere",
            "Choose the province, city and district",
            VoiceLang::English,
        ),
    ];
    for (n, (tap, start, lang)) in steps.into_iter().enumerate() {
        match tap {
            // The documents page: a passport renewal chosen, then on to the details page.
            "" => {
                k.tap("doc-passport");
                k.tap("cat-passport-renewal");
                k.tap("next");
            }
            "demo-card-0" => {
                k.tap(tap);
                k.wait_for_page(Page::CardRead);
            }
            _ => k.tap(tap),
        }
        let said = wait_heard(&k, &heard, n + 1);
        assert_eq!(said.len(), n + 1, "after {tap:?}: {said:#?}");
        assert!(
            said[n].0.starts_with(start),
            "after {tap:?}: {:?}",
            said[n].0
        );
        assert_eq!(said[n].1, lang);
    }
    std::thread::sleep(Duration::from_millis(200));
    let lengths = played.0.lock().unwrap().clone();
    assert!(
        !lengths.is_empty() && lengths.iter().all(|&s| s > 0.5),
        "{lengths:?}"
    );

    // The card taken away ends the visit: its notice is still said to the person leaving (in
    // the default language the screen is back in), and voice is off for the next person.
    k.tap("demo-remove-card");
    let said = wait_heard(&k, &heard, 7);
    assert!(said[6].0.contains("身份证已取走"), "{said:?}");
    assert!(k.label("voice").contains("关"), "{}", k.label("voice"));
    k.tap("demo-card-0");
    k.wait_for_page(Page::CardRead);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        heard.0.lock().unwrap().len(),
        7,
        "nothing said with voice off"
    );
}

#[test]
fn the_elderly_mode_turns_voice_on() {
    let (k, heard, _) = listening_kiosk(true);
    k.tap("theme-large");
    assert!(k.label("voice").contains("开"), "{}", k.label("voice"));
    assert!(wait_heard(&k, &heard, 1)[0].0.starts_with("欢迎"));
}

#[test]
fn without_a_sound_card_the_kiosk_says_so_once_and_goes_on() {
    let lines = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = {
        let lines = lines.clone();
        move || Capture(lines.clone())
    };
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(writer)
        .finish();
    let pcm = Espeak::new()
        .synthesize("你好", VoiceLang::Chinese, STYLE)
        .expect("speech");
    tracing::subscriber::with_default(subscriber, || {
        let mut out = Aplay::new("no-such-device");
        // At start: the reason, in aplay's own words, at once.
        match out.check() {
            Err(VoiceError::Audio(why)) => {
                assert!(why.contains("audio open error"), "{why}");
                assert!(!why.contains('\n'), "one line: {why}");
            }
            other => panic!("no sound expected, got {other:?}"),
        }
        for _ in 0..3 {
            let _ = out.play(&pcm);
            std::thread::sleep(Duration::from_millis(500));
        }
        out.stop();
    });
    let log = String::from_utf8_lossy(&lines.lock().unwrap()).into_owned();
    assert_eq!(
        log.matches("voice guidance is silent").count(),
        1,
        "one line, not one per prompt:\n{log}"
    );
    assert_eq!(
        log.lines().count(),
        1,
        "nothing else, no ALSA lines:\n{log}"
    );
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
