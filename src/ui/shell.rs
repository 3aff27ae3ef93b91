//! The imperative shell of the hall self-fill session: feeds user intents and device results
//! into the pure `flow::Session`, executes its effects, and re-renders the window.
//!
//! Two UI timers drive it: a pump (every 100 ms) that drains the workers' channel and shows the
//! newest camera frame, and a one-second clock for the idle timeout. Driving time from Slint
//! timers means the headless tests control it with mock time.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use chrono::{Local, NaiveDate};
use slint::{ComponentHandle, Image, Rgb8Pixel, SharedPixelBuffer, Timer, TimerMode};

use super::technician::{self, Verdict};
use super::view::{self, Lang};
use super::workers::{self, CameraCommand, Inbound, PreviewSlot, SaveJob, ServiceContext};
use super::{
    AppWindow, Details, Documents, PhotoAdapter, Session as SessionGlobal, Technician, Theme,
    ThemeVariant,
};
use crate::devices::camera::CameraOpener;
use crate::devices::card::readers::sim::SimCardSlot;
use crate::devices::card::{CardEvent, CardReader, DemoCards};
use crate::devices::printer::{Printer, PrinterProfile};
use crate::domain::catalogue::Catalogue;
use crate::flow::{DeliveryChoice, Edit, Effect, Event, OutOfService, Session, Step, Timeouts};
use crate::photo::PhotoSpec;
use crate::store::SharedStore;
use crate::sync::fleet::Live;
use crate::sync::worker::SyncHandle;

const PUMP: Duration = Duration::from_millis(100);
const CLOCK: Duration = Duration::from_secs(1);
/// Seconds counted down on screen before a photo is taken.
const PHOTO_COUNTDOWN: u32 = 3;

/// The device adapters the composition root chose.
pub struct Devices {
    pub card: Box<dyn CardReader>,
    /// The simulated reader's slot when demo mode offers sample cards.
    pub demo_cards: Option<SimCardSlot>,
    /// Opens the camera (again, after the watchdog saw it stall).
    pub camera: CameraOpener,
    pub printer: Box<dyn Printer>,
    /// What the printer can do: decides the bytes each form is sent as.
    pub printer_profile: PrinterProfile,
    /// How long printed forms are kept for reprint.
    pub reprint_hours: u64,
}

/// What the UI needs from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub device_id: String,
    pub site_name: String,
    pub languages: Vec<String>,
    pub default_language: String,
    pub theme: ThemeVariant,
    pub timeouts: Timeouts,
    pub photo: PhotoSpec,
    /// Rejected captures before the photo is left to the window.
    pub max_photo_attempts: u32,
    /// Argon2 hash of the technician PIN.
    pub pin_hash: String,
}

pub struct Kiosk {
    pub settings: Settings,
    pub catalogue: Arc<Catalogue>,
    pub devices: Devices,
    /// The kiosk's one store connection, shared with the sync worker.
    pub store: SharedStore,
    pub sync: Option<SyncHandle>,
    /// Settings the central may change while the kiosk runs (none without a central).
    pub live: Option<Live>,
}

/// A started kiosk window; dropping it stops the timers.
pub struct Running {
    pub window: AppWindow,
    _timers: [Timer; 2],
}

struct Controller {
    session: Session,
    window: slint::Weak<AppWindow>,
    settings: Settings,
    lang: Lang,
    now: u64,
    inbox: Receiver<Inbound>,
    camera: Sender<CameraCommand>,
    preview: PreviewSlot,
    service: Sender<SaveJob>,
    sync: Option<SyncHandle>,
    demo: Option<SimCardSlot>,
    /// Seconds left before the photo is taken (0 = none running).
    countdown: u32,
    live: Option<Live>,
    /// The generation of the live settings the session runs with.
    applied: u64,
    /// The settings the central sent, once applied (their opening hours decide availability).
    central_settings: Option<Arc<crate::sync::fleet::Settings>>,
    /// The service thread found no room in the store.
    storage_full: bool,
    technician: technician::Gate,
    /// The technician screen is shown (and unlocked), and when it was last touched.
    tech_open: bool,
    tech_unlocked: bool,
    tech_touch: u64,
}

impl Controller {
    fn dispatch(&mut self, event: Event) {
        let effects = self.session.handle(event, self.now);
        for effect in effects {
            self.execute(effect);
        }
        self.render();
    }

    fn execute(&mut self, effect: Effect) {
        match effect {
            Effect::Wipe => self.wipe(),
            Effect::StartCamera => {
                let _ = self.camera.send(CameraCommand::Start);
            }
            Effect::StopCamera => {
                let _ = self.camera.send(CameraCommand::Stop);
            }
            Effect::SaveAndPrint(draft) => {
                let job = SaveJob {
                    identity: draft.identity.clone(),
                    choices: draft.choices.clone(),
                    photo: draft.photo.clone(),
                    photo_report: draft.photo_report.clone(),
                    fee: draft.choices.fee(self.session.catalogue()),
                    created_at: Local::now().naive_local(),
                    catalogue: self.session.catalogue_handle(),
                };
                if self.service.send(job).is_err() {
                    tracing::error!("service thread gone: application not saved");
                    self.session.handle(Event::SaveFailed, self.now);
                }
            }
        }
    }

    /// Forgets the applicant on screen too: their language and display choices go with them.
    fn wipe(&mut self) {
        let _ = self.camera.send(CameraCommand::Stop);
        self.countdown = 0;
        self.lang = Lang::from_code(&self.settings.default_language);
        let _ = slint::select_bundled_translation(translation(self.lang));
        if let Some(ui) = self.window.upgrade() {
            ui.global::<Theme>().set_variant(self.settings.theme);
            let photo = ui.global::<PhotoAdapter>();
            photo.set_preview(Image::default());
            photo.set_captured(Image::default());
            photo.set_busy(false);
            photo.set_rejection_zh("".into());
            photo.set_rejection_en("".into());
            photo.set_countdown(0);
        }
        tracing::info!("session wiped");
    }

    fn render(&self) {
        if let Some(ui) = self.window.upgrade() {
            view::render(&ui, &self.session, self.lang, self.now);
        }
    }

    fn receive(&mut self, message: Inbound) {
        let event = match message {
            Inbound::Card(CardEvent::Inserted(identity)) => {
                // An applicant comes first: the technician screen gives way.
                self.close_technician();
                self.report_device("card reader", "ok");
                Event::CardInserted(*identity)
            }
            Inbound::Card(CardEvent::Unreadable(_)) => {
                self.report_device("card reader", "the last card could not be read");
                Event::CardUnreadable
            }
            Inbound::Card(CardEvent::Removed) => Event::CardRemoved,
            Inbound::Photo(Ok(photo)) => {
                if let Some(ui) = self.window.upgrade() {
                    let photo_ui = ui.global::<PhotoAdapter>();
                    photo_ui.set_busy(false);
                    photo_ui.set_rejection_zh("".into());
                    photo_ui.set_rejection_en("".into());
                    if let Ok(img) = image::load_from_memory(&photo.jpeg) {
                        photo_ui.set_captured(to_slint(&img.to_rgb8()));
                    }
                }
                Event::PhotoCaptured(photo)
            }
            Inbound::Photo(Err(rejection)) => {
                tracing::info!(reason = %rejection.en, "photo rejected by the checks");
                if let Some(ui) = self.window.upgrade() {
                    let photo_ui = ui.global::<PhotoAdapter>();
                    photo_ui.set_busy(false);
                    photo_ui.set_rejection_zh(rejection.zh.as_str().into());
                    photo_ui.set_rejection_en(rejection.en.as_str().into());
                }
                Event::PhotoRejected {
                    report: rejection.report,
                }
            }
            Inbound::CameraFailed(reason) => {
                tracing::warn!(%reason, "camera failed");
                self.report_device("camera", &format!("failed: {reason}"));
                Event::CameraFailed
            }
            Inbound::CameraRecovered => {
                self.report_device("camera", "ok");
                Event::CameraRecovered
            }
            Inbound::Hint(hint) => {
                if let Some(ui) = self.window.upgrade() {
                    ui.global::<PhotoAdapter>().set_hint(view::photo_hint(hint));
                }
                return;
            }
            Inbound::Saved(number) => Event::Saved(number),
            Inbound::SaveFailed => Event::SaveFailed,
            Inbound::StorageFull => {
                self.storage_full = true;
                self.report_device("storage", "full: nothing can be saved");
                Event::StorageFull
            }
            Inbound::Room(room) => {
                self.storage_full = !room;
                self.report_device(
                    "storage",
                    if room {
                        "ok"
                    } else {
                        "full: nothing can be saved"
                    },
                );
                self.check_availability();
                return;
            }
            Inbound::Printed => {
                self.report_device("printer", "ok");
                Event::Printed
            }
            Inbound::PrintFailed => {
                self.report_device("printer", "failed: the last form was not printed");
                Event::PrintFailed
            }
        };
        self.dispatch(event);
    }

    fn pump(&mut self) {
        while let Ok(message) = self.inbox.try_recv() {
            self.receive(message);
        }
        if self.session.step() == Step::Photo
            && let Some(frame) = self.preview.lock().ok().and_then(|mut p| p.take())
            && let Some(ui) = self.window.upgrade()
        {
            ui.global::<PhotoAdapter>().set_preview(to_slint(&frame));
        }
    }

    /// Counts the photo countdown down; at zero the camera takes the picture.
    fn count_down(&mut self) {
        if self.countdown == 0 {
            return;
        }
        self.countdown -= 1;
        if self.countdown == 0 && self.session.step() == Step::Photo {
            let _ = self.camera.send(CameraCommand::Capture);
        }
        if let Some(ui) = self.window.upgrade() {
            ui.global::<PhotoAdapter>()
                .set_countdown(self.countdown as i32);
        }
    }

    /// Tells the fleet (heartbeat) how a device is doing.
    fn report_device(&self, device: &str, state: &str) {
        if let Some(live) = &self.live {
            live.set_device(device, state);
        }
    }

    /// Takes settings the central changed, once the kiosk is back on the attract screen.
    fn apply_live_settings(&mut self) {
        let Some(live) = &self.live else { return };
        let (generation, settings) = live.current();
        if generation == self.applied
            || !self
                .session
                .reconfigure(settings.catalogue.clone(), settings.timeouts)
        {
            return;
        }
        self.applied = generation;
        self.settings.timeouts = settings.timeouts;
        self.settings.languages = settings.languages.clone();
        self.settings.default_language = settings.default_language.clone();
        self.lang = Lang::from_code(&self.settings.default_language);
        let _ = slint::select_bundled_translation(translation(self.lang));
        if let Some(ui) = self.window.upgrade() {
            set_languages(&ui, &self.settings.languages);
        }
        tracing::info!(version = ?settings.version, "settings from the central applied");
        self.central_settings = Some(settings);
    }

    /// Out of service while the store is full or outside the opening hours.
    fn check_availability(&mut self) {
        let closed = self
            .central_settings
            .as_ref()
            .filter(|s| !s.open_at(Local::now().time()))
            .and_then(|s| s.hours)
            .map(|(open, close)| format!("{}–{}", open.format("%H:%M"), close.format("%H:%M")));
        let state = if self.storage_full {
            Some(OutOfService::StorageFull)
        } else {
            closed.map(OutOfService::Closed)
        };
        if self.session.out_of_service() != state.as_ref() {
            self.dispatch(Event::Availability(state));
        }
    }

    fn tech_global(&self, f: impl FnOnce(Technician<'_>)) {
        if let Some(ui) = self.window.upgrade() {
            f(ui.global::<Technician>());
        }
    }

    /// A tap on the hidden spot; the fifth quick one opens the PIN pad (attract screen only).
    fn knock(&mut self) {
        if self.session.step() == Step::Attract && self.technician.knock(self.now) {
            self.tech_open = true;
            self.tech_unlocked = false;
            self.tech_touch = self.now;
            self.show_pin();
            self.tech_global(|t| {
                t.set_refusal("".into());
                t.set_open(true);
                t.set_unlocked(false);
            });
            tracing::info!("technician screen opened");
        }
    }

    fn show_pin(&self) {
        let dots = "●".repeat(self.technician.entered_len());
        self.tech_global(|t| t.set_pin_dots(dots.into()));
    }

    fn pin_key(&mut self, key: PinKey) {
        self.tech_touch = self.now;
        match key {
            PinKey::Digit(d) => self.technician.digit(d),
            PinKey::Back => self.technician.backspace(),
            PinKey::Clear => self.technician.reset(),
        }
        self.show_pin();
    }

    fn submit_pin(&mut self) {
        self.tech_touch = self.now;
        let verdict = self.technician.submit(self.now);
        self.show_pin();
        match verdict {
            Verdict::Open => {
                tracing::info!("technician screen unlocked");
                self.tech_unlocked = true;
                self.tech_global(|t| {
                    t.set_unlocked(true);
                    t.set_refusal("".into());
                });
                self.refresh_technician();
            }
            Verdict::Wrong { tries_left } => {
                tracing::warn!(tries_left, "technician PIN wrong");
                self.tech_global(|t| {
                    t.set_refusal("wrong".into());
                    t.set_tries_left(tries_left as i32);
                });
            }
            Verdict::Locked { seconds } => {
                tracing::warn!(seconds, "technician PIN locked after wrong PINs");
                self.tech_global(|t| {
                    t.set_refusal("locked".into());
                    t.set_locked_seconds(seconds as i32);
                });
            }
        }
    }

    fn close_technician(&mut self) {
        if !self.tech_open {
            return;
        }
        self.tech_open = false;
        self.tech_unlocked = false;
        self.technician.reset();
        self.tech_global(|t| {
            t.set_open(false);
            t.set_unlocked(false);
            t.set_pin_dots("".into());
        });
        tracing::info!("technician screen closed");
    }

    /// What the unlocked technician screen shows: the queue and the devices.
    fn refresh_technician(&self) {
        if !self.tech_unlocked {
            return;
        }
        let status = self.sync.as_ref().map(|s| s.status()).unwrap_or_default();
        let online = self.sync.is_some() && (status.online || status.pending == 0);
        let devices: Vec<slint::SharedString> = self
            .live
            .as_ref()
            .map(|l| l.devices())
            .unwrap_or_default()
            .into_iter()
            .map(|(name, state)| format!("{name}: {state}").into())
            .collect();
        let version = self
            .central_settings
            .as_ref()
            .and_then(|s| s.version.clone())
            .unwrap_or_default();
        let device_id = self.settings.device_id.clone();
        self.tech_global(|t| {
            t.set_device_id(device_id.into());
            t.set_app_version(env!("CARGO_PKG_VERSION").into());
            t.set_online(online);
            t.set_queue_pending(status.pending as i32);
            t.set_dead_letters(status.dead as i32);
            t.set_oldest_pending(status.oldest_pending.unwrap_or_default().into());
            t.set_paused(status.paused.unwrap_or_default().into());
            t.set_config_version(version.into());
            t.set_devices(slint::ModelRc::new(slint::VecModel::from(devices)));
        });
    }

    fn tick(&mut self) {
        self.now += CLOCK.as_millis() as u64;
        if self.tech_open {
            if self.now.saturating_sub(self.tech_touch) >= technician::IDLE_CLOSE_MS {
                self.close_technician();
            }
            self.refresh_technician();
        }
        self.count_down();
        self.apply_live_settings();
        self.check_availability();
        self.session.set_today(Local::now().date_naive());
        if let (Some(sync), Some(ui)) = (&self.sync, self.window.upgrade()) {
            let status = sync.status();
            let g = ui.global::<SessionGlobal>();
            g.set_queue_pending(status.pending as i32);
            g.set_online(status.online || status.pending == 0);
        }
        self.dispatch(Event::Tick);
    }

    fn set_language(&mut self, code: &str) {
        if !self.settings.languages.iter().any(|l| l == code) {
            return;
        }
        self.lang = Lang::from_code(code);
        if let Err(e) = slint::select_bundled_translation(translation(self.lang)) {
            tracing::warn!(error = %e, "translation not available");
        }
        // Switching language is activity, like any touch.
        self.dispatch(Event::ExtendTime);
    }
}

/// Bundled translation name: English is the source language.
fn translation(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh_CN",
        Lang::En => "",
    }
}

fn to_slint(img: &image::RgbImage) -> Image {
    Image::from_rgb8(SharedPixelBuffer::<Rgb8Pixel>::clone_from_slice(
        img.as_raw(),
        img.width(),
        img.height(),
    ))
}

fn set_languages(ui: &AppWindow, languages: &[String]) {
    ui.global::<SessionGlobal>()
        .set_languages(slint::ModelRc::new(slint::VecModel::from(
            languages
                .iter()
                .map(|l| l.as_str().into())
                .collect::<Vec<slint::SharedString>>(),
        )));
}

enum PinKey {
    Digit(char),
    Back,
    Clear,
}

/// Wires callbacks to the controller; each callback holds only a weak window handle.
fn connect(ui: &AppWindow, c: &Rc<RefCell<Controller>>) {
    let g = ui.global::<SessionGlobal>();
    let on = |c: &Rc<RefCell<Controller>>, f: fn(&mut Controller)| {
        let c = c.clone();
        move || f(&mut c.borrow_mut())
    };
    g.on_next(on(c, |c| c.dispatch(Event::Continue)));
    g.on_back(on(c, |c| c.dispatch(Event::Back)));
    g.on_cancel(on(c, |c| c.dispatch(Event::Cancel)));
    g.on_extend_time(on(c, |c| c.dispatch(Event::ExtendTime)));
    g.on_remove_demo_card(on(c, |c| {
        if let Some(demo) = &c.demo {
            demo.remove();
        }
    }));
    let cc = c.clone();
    g.on_insert_demo_card(move |i| {
        if let Some(demo) = &cc.borrow().demo {
            demo.insert(i.max(0) as usize);
        }
    });
    let cc = c.clone();
    g.on_set_language(move |code| cc.borrow_mut().set_language(&code));

    let t = ui.global::<Technician>();
    t.on_knock(on(c, |c| c.knock()));
    let cc = c.clone();
    t.on_digit(move |d| {
        if let Some(ch) = d.chars().next() {
            cc.borrow_mut().pin_key(PinKey::Digit(ch));
        }
    });
    t.on_backspace(on(c, |c| c.pin_key(PinKey::Back)));
    t.on_clear_pin(on(c, |c| c.pin_key(PinKey::Clear)));
    t.on_submit(on(c, |c| c.submit_pin()));
    t.on_close(on(c, |c| c.close_technician()));
    t.on_sync_now(on(c, |c| {
        c.tech_touch = c.now;
        if let Some(sync) = &c.sync {
            sync.wake();
        }
    }));

    let edit = |c: &Rc<RefCell<Controller>>| {
        let c = c.clone();
        move |e: Edit| c.borrow_mut().dispatch(Event::Edit(e))
    };
    let docs = ui.global::<Documents>();
    let e = edit(c);
    docs.on_toggle(move |d| e(Edit::ToggleDocument(d.into())));
    let e = edit(c);
    docs.on_category(move |d, cat| {
        e(Edit::SetCategory {
            document: d.into(),
            category: cat.into(),
        })
    });
    let e = edit(c);
    docs.on_kind(move |d, dest, k| {
        e(Edit::SetEndorsementKind {
            document: d.into(),
            destination: dest.into(),
            kind: k.into(),
        })
    });
    let e = edit(c);
    docs.on_trips(move |d, dest, t| {
        e(Edit::SetTrips {
            document: d.into(),
            destination: dest.into(),
            trips: t.into(),
        })
    });

    let det = ui.global::<Details>();
    let e = edit(c);
    det.on_digit(move |d| {
        if let Some(ch) = d.chars().next() {
            e(Edit::PhoneDigit(ch))
        }
    });
    let e = edit(c);
    det.on_backspace(move || e(Edit::PhoneBackspace));
    let e = edit(c);
    det.on_clear(move || e(Edit::PhoneClear));
    let e = edit(c);
    det.on_choose_reading(move |i, r| {
        e(Edit::ChooseReading {
            index: i.max(0) as usize,
            reading: r.to_lowercase(),
        })
    });
    let e = edit(c);
    det.on_confirm_pinyin(move |yes| e(Edit::ConfirmPinyin(yes)));
    let e = edit(c);
    det.on_delivery_chosen(move |how| {
        e(Edit::SetDelivery(if how == "ems" {
            DeliveryChoice::EmsToCardAddress
        } else {
            DeliveryChoice::Collect
        }))
    });
    let e = edit(c);
    det.on_green_chosen(move |code| {
        e(Edit::SetGreenChannel(
            (!code.is_empty()).then(|| code.into()),
        ))
    });

    let photo = ui.global::<PhotoAdapter>();
    let cc = c.clone();
    let weak = ui.as_weak();
    photo.on_take(move || {
        // A short countdown so the applicant can settle before the picture is taken.
        let mut c = cc.borrow_mut();
        c.countdown = PHOTO_COUNTDOWN;
        if let Some(ui) = weak.upgrade() {
            let photo = ui.global::<PhotoAdapter>();
            photo.set_busy(true);
            photo.set_countdown(PHOTO_COUNTDOWN as i32);
        }
        c.dispatch(Event::ExtendTime);
    });
    let cc = c.clone();
    let weak = ui.as_weak();
    photo.on_retake(move || {
        let mut c = cc.borrow_mut();
        if let Some(ui) = weak.upgrade() {
            ui.global::<PhotoAdapter>().set_captured(Image::default());
        }
        c.dispatch(Event::RetakePhoto);
    });
}

/// Builds the window, starts the device and service threads and the timers.
pub fn start(kiosk: Kiosk) -> Result<Running, slint::PlatformError> {
    let ui = AppWindow::new()?;
    let Kiosk {
        settings,
        catalogue,
        devices,
        store,
        sync,
        live,
    } = kiosk;
    let (tx, inbox) = mpsc::channel();
    workers::card(devices.card, tx.clone());
    let (camera, preview) = workers::camera(devices.camera, settings.photo.clone(), tx.clone());
    let service = workers::service(
        ServiceContext {
            store,
            printer: devices.printer,
            profile: devices.printer_profile,
            reprint_hours: devices.reprint_hours,
            device_id: settings.device_id.clone(),
            site_name: settings.site_name.clone(),
            sync: sync.clone(),
        },
        tx,
    );
    let g = ui.global::<SessionGlobal>();
    g.set_site_name(settings.site_name.as_str().into());
    set_languages(&ui, &settings.languages);
    g.set_demo(devices.demo_cards.is_some());
    if let Some(demo) = &devices.demo_cards {
        g.set_demo_cards(slint::ModelRc::new(slint::VecModel::from(
            demo.labels()
                .iter()
                .map(|l| l.as_str().into())
                .collect::<Vec<slint::SharedString>>(),
        )));
    }
    let today: NaiveDate = Local::now().date_naive();
    let pin_hash = settings.pin_hash.clone();
    let controller = Rc::new(RefCell::new(Controller {
        session: Session::new(catalogue, settings.timeouts, today)
            .with_max_photo_attempts(settings.max_photo_attempts),
        window: ui.as_weak(),
        lang: Lang::from_code(&settings.default_language),
        settings,
        now: 0,
        inbox,
        camera,
        preview,
        service,
        sync,
        demo: devices.demo_cards,
        countdown: 0,
        live,
        applied: 0,
        central_settings: None,
        storage_full: false,
        technician: technician::Gate::new(&pin_hash),
        tech_open: false,
        tech_unlocked: false,
        tech_touch: 0,
    }));
    connect(&ui, &controller);
    controller.borrow_mut().wipe();
    controller.borrow().render();

    let pump = Timer::default();
    let c = controller.clone();
    pump.start(TimerMode::Repeated, PUMP, move || c.borrow_mut().pump());
    let clock = Timer::default();
    let c = controller;
    clock.start(TimerMode::Repeated, CLOCK, move || c.borrow_mut().tick());
    Ok(Running {
        window: ui,
        _timers: [pump, clock],
    })
}
