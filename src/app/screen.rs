//! What the screen shows besides the session itself, and the read-only [`View`] the front end
//! renders. Everything an applicant changes on screen (language, display mode, the photo
//! countdown and pictures, the last rejection) lives in one [`Visit`] that is replaced whole
//! when the session is wiped, so nothing of theirs can be left behind by a forgotten field.

use std::sync::Arc;

use image::RgbImage;

use super::kiosk::{DisplayMode, Settings};
use super::typing::Typing;
use crate::devices::card::idcard::portrait;
use crate::domain::catalogue::Labelled;
use crate::flow::Session;
use crate::flow::station::StationSession;
use crate::ime::port::InputMethod;
pub use crate::photo::{Advice, Hint};

/// The language of the screen: fixed strings come from the UI's translations, labels that come
/// from data (catalogue, card fields) are picked from their `zh`/`en` pairs here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `zh…` is Chinese; anything else English (the configuration checks the codes).
    pub fn from_code(code: &str) -> Lang {
        if code.starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh_CN",
            Lang::En => "en",
        }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A catalogue item's label in this language.
    pub fn label(self, item: &impl Labelled) -> &str {
        self.pick(item.zh(), item.en())
    }
}

/// Why a capture was not accepted: what the applicant is told, and the whole check report
/// (JSON) for staff.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub reason: RejectReason,
    pub report: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// A compliance check failed.
    Check(Advice),
    /// No frame had arrived from the camera yet.
    NoPicture,
    /// The camera's frames are smaller than the photo.
    CameraTooSmall,
    /// Every check passed but no photo came out (should not happen).
    NotMade,
}

/// One visitor's marks on the screen, replaced whole at every wipe.
#[derive(Debug)]
pub struct Visit {
    pub lang: Lang,
    pub display: DisplayMode,
    /// Seconds counted down before the photo is taken (0 = none running).
    pub countdown: u32,
    /// A photo is being taken or checked.
    pub capturing: bool,
    /// The newest camera frame, scaled for the preview.
    pub preview: Option<RgbImage>,
    /// The accepted photo, decoded for display.
    pub captured: Option<RgbImage>,
    /// Live guidance from the face detector.
    pub hint: Option<Hint>,
    /// Why the last capture was not accepted.
    pub rejection: Option<RejectReason>,
    /// The on-screen keyboard: its field, its language and the composition in progress.
    pub typing: Typing,
    /// Voice guidance is on: each page's prompt and each notice are spoken.
    pub voice: bool,
}

impl Visit {
    /// A fresh visit in the configured language and display mode, with a fresh keyboard on
    /// the input method `ime`.
    pub fn new(settings: &Settings, ime: Option<Arc<dyn InputMethod>>) -> Visit {
        Visit {
            lang: Lang::from_code(&settings.default_language),
            display: settings.display,
            countdown: 0,
            capturing: false,
            preview: None,
            captured: None,
            hint: None,
            rejection: None,
            typing: Typing::new(ime),
            voice: false,
        }
    }
}

/// Why the technician PIN was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinRefusal {
    Wrong { tries_left: u32 },
    Locked { seconds: u64 },
}

/// A device the kiosk reports on (technician screen and heartbeat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Device {
    CardReader,
    Camera,
    Printer,
    Storage,
}

impl Device {
    /// Its name in the heartbeat's `devices` map.
    pub fn code(self) -> &'static str {
        match self {
            Device::CardReader => "card reader",
            Device::Camera => "camera",
            Device::Printer => "printer",
            Device::Storage => "storage",
        }
    }
}

/// How a device did last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    Ok,
    /// The last card on the reader could not be read.
    CardUnreadable,
    /// The camera delivers no frames.
    Failed,
    /// The last form was not printed.
    NotPrinted,
    /// The store has no room: nothing can be saved.
    Full,
    /// The printer reports its paper near the end: change the roll soon.
    PaperLow,
    /// The printer is out of paper.
    NoPaper,
    /// The printer's cover is open.
    CoverOpen,
    /// The printer does not answer (switched off, unplugged, wrong address).
    Offline,
}

impl DeviceState {
    /// The printer's own state in the kiosk's terms.
    pub fn of_printer(state: crate::devices::printer::PrinterState) -> DeviceState {
        use crate::devices::printer::PrinterState as P;
        match state {
            P::Ready | P::Unknown => DeviceState::Ok,
            P::PaperNearEnd => DeviceState::PaperLow,
            P::PaperEnd => DeviceState::NoPaper,
            P::CoverOpen => DeviceState::CoverOpen,
            P::Error => DeviceState::Failed,
            P::Offline => DeviceState::Offline,
        }
    }

    /// Its wording in the heartbeat (for the fleet's operators; the screen translates its own).
    pub fn heartbeat(self) -> &'static str {
        match self {
            DeviceState::Ok => "ok",
            DeviceState::CardUnreadable => "the last card could not be read",
            DeviceState::Failed => "failed",
            DeviceState::NotPrinted => "failed: the last form was not printed",
            DeviceState::Full => "full: nothing can be saved",
            DeviceState::PaperLow => "paper near end: change the roll soon",
            DeviceState::NoPaper => "paper end: load a new roll",
            DeviceState::CoverOpen => "cover open: close it",
            DeviceState::Offline => "offline: check power and cable",
        }
    }
}

/// What the unlocked technician screen shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KioskStatus {
    pub device_id: String,
    pub app_version: String,
    /// The central is reachable (or nothing waits for it).
    pub online: bool,
    pub pending: u64,
    pub dead_letters: u64,
    /// When the oldest waiting application was captured ("" when none).
    pub oldest_pending: String,
    /// Why the queue is paused ("" when it is not).
    pub paused: String,
    /// The configuration version the central sent ("" when none).
    pub config_version: String,
    /// How each device did last, for those that reported.
    pub devices: Vec<(Device, DeviceState)>,
    /// Station kiosk: endorsement transactions with money at stake that are not settled (paid
    /// and not written, or a payment whose outcome the central has not told yet).
    pub unsettled_payments: u64,
}

/// The hidden technician screen; the default is closed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TechnicianScreen {
    pub open: bool,
    /// Digits typed so far (the screen shows dots, never digits).
    pub pin_len: usize,
    pub refusal: Option<PinRefusal>,
    /// Present once the PIN was accepted.
    pub status: Option<KioskStatus>,
    /// When it was last touched (ms, the core's clock): it closes itself when left alone.
    pub touched: u64,
}

/// The attract screen's badge: applications waiting for the central.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueBadge {
    pub pending: u64,
    pub online: bool,
}

impl Default for QueueBadge {
    fn default() -> QueueBadge {
        QueueBadge {
            pending: 0,
            online: true,
        }
    }
}

/// Everything on screen that is not the session.
#[derive(Debug)]
pub struct Screen {
    pub site_name: String,
    pub languages: Vec<String>,
    /// Labels of the demo's sample cards (empty outside demo mode).
    pub demo_cards: Vec<String>,
    /// Labels of the station demo's sample permits (empty outside it).
    pub demo_permits: Vec<String>,
    /// The station has an MRZ scanner: the keys page offers it beside the keypad.
    pub mrz_scanner: bool,
    /// Demo mode's scanner button is offered (the scanner is the simulated one).
    pub demo_scan: bool,
    pub visit: Visit,
    /// The header offers the voice button (voice guidance is configured).
    pub voice_offered: bool,
    pub technician: TechnicianScreen,
    pub queue: QueueBadge,
    /// The printer's paper is near its end: the attract screen tells staff.
    pub paper_low: bool,
    /// A card lies on the ID reader (placed and not yet lifted): between sessions the attract
    /// screen asks to take it rather than to place one.
    pub card_on_reader: bool,
    /// The header offers "call staff" (`[ui] call_staff`, with a central to call).
    pub call_staff: bool,
    /// The applicant's call for staff.
    pub staff: super::staff_call::StaffCalls,
}

/// What the front end renders: the session and the screen state, at the core's clock.
pub struct View<'a> {
    pub session: &'a Session,
    /// The station kiosk's session; when present it is what the screen shows.
    pub station: Option<&'a StationSession>,
    pub screen: &'a Screen,
    /// Milliseconds of the core's clock (for the idle warning).
    pub now: u64,
}

impl View<'_> {
    /// The card photo as RGB pixels with its width and height, when a decoder read one.
    pub fn portrait(&self) -> Option<(&[u8], u32, u32)> {
        self.session
            .draft()
            .and_then(|d| d.identity.portrait.as_deref())
            .filter(|rgb| rgb.len() == (portrait::WIDTH * portrait::HEIGHT * 3) as usize)
            .map(|rgb| (rgb, portrait::WIDTH, portrait::HEIGHT))
    }

    /// The accepted photo, while the session still has it.
    pub fn captured(&self) -> Option<&RgbImage> {
        self.session
            .draft()
            .and_then(|d| d.photo.as_ref())
            .and(self.screen.visit.captured.as_ref())
    }
}
