//! The imperative shell of the session: feeds the applicant's inputs and the workers' results
//! into the pure `flow::Session`, carries out its effects, and keeps the screen state the front
//! end renders. It owns no window: the front end calls [`Controller::handle`] for every intent,
//! [`Controller::pump`] and [`Controller::tick`] from its timers, and renders
//! [`Controller::view`] after each.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use chrono::Local;

use super::endorse::EndorsementDesk;
use super::kiosk::{DisplayMode, Kiosk, Settings};
use super::printing;
use super::screen::{
    Device, DeviceState, KioskStatus, Lang, PinRefusal, QueueBadge, Screen, TechnicianScreen, View,
    Visit,
};
use super::staff_call::{Place, StaffCalls};
use super::submit::{Desk, SaveJob};
use super::technician::{self, Verdict};
use super::typing::KeyboardKey;
use super::workers::{
    self, CameraCommand, HolderReference, HolderUpdate, Inbound, PreviewSlot, ServiceJob,
    StationCommand, StationHandle, VoiceCommand,
};
use crate::devices::card::{CardEvent, DemoCards};
use crate::devices::voice::VoiceLang;
use crate::domain::fee_payment::FeePayment;
use crate::domain::holder::{HolderOutcome, HolderVerdict};
use crate::domain::permit::ScanRefusal;
use crate::domain::text_field::TextField;
use crate::flow::station::{
    self, Effect as StationEffect, Event as StationEvent, KeyEdit, PayMethod, Service,
    StationSession,
};
use crate::flow::{Edit, Effect, Event, OutOfService, Session, SpellingNote, Step};
use crate::ime::port::InputMethod;
use crate::sync::api::fleet::{CommandKind, CommandResult, Counter, Outcome};
use crate::sync::api::staff::CloseReason;
use crate::sync::fleet::{Live, Order, Settings as CentralSettings};
use crate::sync::worker::SyncHandle;

/// The clock step of [`Controller::tick`], in milliseconds.
pub const TICK_MS: u64 = 1000;
/// Seconds counted down on screen before a photo is taken.
const PHOTO_COUNTDOWN: u32 = 3;

/// What a person does on screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Continue,
    /// The hall applicant pays the fee later, with the QR on the form.
    PayLater,
    /// The hall applicant pays by phone instead of at the card terminal.
    PayByPhone,
    /// The hall applicant's one tap on the done page.
    Rate(crate::domain::rating::Rating),
    Back,
    Cancel,
    /// The answer to "discard this application?" (hall kiosk).
    ConfirmCancel(bool),
    /// "More time" on the idle warning, or any touch that counts as activity.
    ExtendTime,
    /// One of the configured languages (others are ignored).
    Language(Lang),
    Display(DisplayMode),
    /// Demo mode: put sample card `n` on the simulated reader / take it off.
    InsertDemoCard(usize),
    RemoveDemoCard,
    Edit(Edit),
    /// Hall kiosk: "EMS to another address" opens the address page.
    EnterAddress,
    /// Hall kiosk: "Emergency contact" opens its page.
    EnterContact,
    /// A key of the on-screen keyboard (address page).
    Keyboard(KeyboardKey),
    /// The on-screen keyboard types into this field.
    FocusField(TextField),
    /// The header's voice button: spoken guidance on or off for this visit.
    Voice(bool),
    TakePhoto,
    RetakePhoto,
    /// A tap on the hidden spot that opens the technician screen.
    Knock,
    PinDigit(char),
    PinBackspace,
    PinClear,
    PinSubmit,
    CloseTechnician,
    SyncNow,
    /// The applicant's "call staff" in the header (any page).
    CallStaff,
    /// Technician screen: staff came, the call is answered.
    StaffAnswered,
    /// Station kiosk: a service on the attract screen.
    Service(Service),
    /// Station kiosk: (un)chooses the offer at this index.
    ChooseOffer(usize),
    Pay(PayMethod),
    PrintTrips,
    /// Station kiosk: the permit's number and expiry typed on the keypad.
    Key(KeyEdit),
    /// Demo mode: put sample permit `n` on the simulated permit reader / take it off.
    InsertDemoPermit(usize),
    RemoveDemoPermit,
    /// Demo mode: lay the permit on the reader on the simulated MRZ scanner.
    DemoScan,
}

/// What changed after [`Controller::pump`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    Nothing,
    /// Only a new camera frame.
    Preview,
    Everything,
}

/// The running kiosk behind the screen.
pub struct Controller {
    session: Session,
    screen: Screen,
    settings: Settings,
    /// Milliseconds of the core's clock, advanced by `tick`.
    now: u64,
    inbox: Receiver<Inbound>,
    camera: Sender<CameraCommand>,
    preview: PreviewSlot,
    service: Sender<ServiceJob>,
    sync: Option<SyncHandle>,
    demo: Option<Box<dyn DemoCards>>,
    live: Option<Live>,
    /// The generation of the live settings the session runs with.
    applied: u64,
    /// The settings the central sent, once applied (their opening hours decide availability).
    central: Option<Arc<CentralSettings>>,
    /// The service thread found no room in the store.
    storage_full: bool,
    /// The central asked for a restart and the kiosk is between applicants: the window closes
    /// and the service manager starts the program again.
    quit: bool,
    /// How each device did last.
    devices: BTreeMap<Device, DeviceState>,
    gate: technician::Gate,
    /// Present on a station kiosk: its session replaces the hall's, which stays on attract.
    station: Option<StationSide>,
    /// Counts the hall's visits: a holder check's or look-up's report for an earlier visit is
    /// dropped.
    hall_visit: u64,
    /// The hall's look-up of documents on record, where the kiosk has a central.
    records: Option<Sender<workers::RecordsQuery>>,
    /// The hall's fee payment by phone, where the kiosk takes it.
    fee: Option<Sender<workers::FeeCommand>>,
    /// The staff-call thread, where the kiosk offers the button.
    staff: Option<Sender<workers::StaffCommand>>,
    /// The on-screen keyboard's input method, handed to each visit's keyboard.
    ime: Option<Arc<dyn InputMethod>>,
    /// The voice thread, where voice guidance is configured.
    voice: Option<Sender<VoiceCommand>>,
    /// Large text turns voice on.
    voice_with_large_text: bool,
}

/// The station kiosk's session and its thread.
struct StationSide {
    session: StationSession,
    /// The kiosk's store, for the technician screen's count of unsettled payments.
    store: crate::store::SharedStore,
    handle: StationHandle,
    /// Counts visits: a report of the station thread for an earlier visit is dropped.
    visit: u64,
    /// The stop flag of the current visit's permit search.
    permit_stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    demo_permits: Option<Box<dyn DemoCards>>,
    demo_scan: Option<crate::devices::mrz::DemoScan>,
    /// The MRZ scanner's thread, stopped with the controller.
    _scanner: Option<workers::ScannerThread>,
    /// How the holder check runs, where the station asks for one.
    holder_check: Option<crate::face::check::CheckSettings>,
}

impl Controller {
    /// Starts the device and service threads and an empty session.
    pub fn start(kiosk: Kiosk) -> Controller {
        let Kiosk {
            settings,
            catalogue,
            devices,
            store,
            sync,
            live,
            station,
            records,
            fee,
            staff,
            ime,
            voice,
        } = kiosk;
        super::memory::limit_arenas();
        let (tx, inbox) = mpsc::channel();
        workers::card(devices.card, tx.clone());
        let (camera, preview) = workers::camera(devices.camera, settings.photo.clone(), tx.clone());
        let printer = printing::share(devices.printer, tx.clone());
        // Documents on record are the hall's: the station reads them for its permit itself.
        let records = records
            .filter(|_| station.is_none())
            .map(|client| workers::records(client, tx.clone()));
        let fee_wait = fee.as_ref().map(|f| f.wait_seconds);
        let fee = fee.filter(|_| station.is_none());
        let by_card = fee.as_ref().is_some_and(|f| f.terminal.is_some());
        let fee = fee.map(|f| {
            let thread = workers::FeeThread {
                client: f.client,
                device_id: settings.device_id.clone(),
                poll: f.poll,
                terminal: f.terminal,
                store: store.clone(),
            };
            workers::fee(thread, tx.clone())
        });
        let voice_with_large_text = voice.as_ref().is_some_and(|v| v.with_large_text);
        let voice = voice.map(|v| {
            workers::voice(workers::VoiceThread {
                synthesizer: v.synthesizer,
                out: v.out,
                style: v.style,
            })
        });
        let staff = staff.map(|client| workers::staff(client, tx.clone()));
        let today = Local::now().date_naive();
        let mut station = station;
        let scanner = station
            .as_mut()
            .and_then(|st| st.scanner.take())
            .map(|scanner| workers::mrz_scanner(scanner, tx.clone()));
        let mrz_scanner = scanner.is_some();
        let station = station.map(|st| StationSide {
            session: {
                let mut services = st.services;
                if services.contains(&Service::ReprintBack) && !st.writer.can_reprint_back() {
                    tracing::warn!(
                        "station: the writer module cannot reprint a permit's back: that service is not offered"
                    );
                    services.retain(|s| *s != Service::ReprintBack);
                }
                let s = StationSession::new(services, st.methods, settings.timeouts, today);
                match st.holder_check {
                    Some(h) => s.with_holder_check(h.policy),
                    None => s,
                }
            },
            holder_check: st.holder_check.map(|h| h.check),
            store: store.clone(),
            handle: workers::station(
                EndorsementDesk {
                    store: store.clone(),
                    printer: printer.clone(),
                    profile: devices.printer_profile.clone(),
                    permit: st.permit,
                    terminal: st.terminal,
                    writer: st.writer,
                    central: st.central,
                    catalogue: catalogue.clone(),
                    device_id: settings.device_id.clone(),
                    site_code: st.site_code,
                    site_name: settings.site_name.clone(),
                    payment_timeout: st.payment_timeout,
                    poll: std::time::Duration::from_millis(200),
                },
                tx.clone(),
            ),
            visit: 0,
            permit_stop: Default::default(),
            demo_permits: st.demo_permits,
            demo_scan: st.demo_scan,
            _scanner: scanner,
        });
        let service = workers::service(
            Desk {
                store,
                printer,
                profile: devices.printer_profile,
                reprint_hours: devices.reprint_hours,
                device_id: settings.device_id.clone(),
                site_name: settings.site_name.clone(),
                sync: sync.clone(),
            },
            by_card,
            tx,
        );
        let screen = Screen {
            site_name: settings.site_name.clone(),
            languages: settings.languages.clone(),
            demo_cards: devices
                .demo_cards
                .as_ref()
                .map(|d| d.labels().to_vec())
                .unwrap_or_default(),
            demo_permits: station
                .as_ref()
                .and_then(|st| st.demo_permits.as_ref())
                .map(|d| d.labels().to_vec())
                .unwrap_or_default(),
            mrz_scanner,
            demo_scan: station.as_ref().is_some_and(|st| st.demo_scan.is_some()),
            visit: Visit::new(&settings, ime.clone()),
            technician: TechnicianScreen::default(),
            queue: QueueBadge::default(),
            paper_low: false,
            card_on_reader: false,
            call_staff: staff.is_some(),
            voice_offered: voice.is_some(),
            staff: StaffCalls::default(),
        };
        let session = Session::new(catalogue, settings.timeouts, today)
            .with_max_photo_attempts(settings.max_photo_attempts);
        let session = match records {
            Some(_) => session.with_records(),
            None => session,
        };
        let session = match (&fee, fee_wait) {
            (Some(_), Some(wait)) => session.with_fee_payment(wait, by_card),
            _ => session,
        };

        let mut controller = Controller {
            session: match settings.holder_check {
                Some(h) => session.with_holder_check(h.policy),
                None => session,
            },
            screen,
            gate: technician::Gate::new(&settings.pin_hash),
            settings,
            now: 0,
            inbox,
            camera,
            preview,
            service,
            sync,
            demo: devices.demo_cards,
            live,
            applied: 0,
            central: None,
            storage_full: false,
            quit: false,
            devices: BTreeMap::new(),
            station,
            hall_visit: 0,
            records,
            fee,
            staff,
            ime,
            voice,
            voice_with_large_text,
        };
        controller.voice_default();
        controller
    }

    /// Turns voice on for a visit in large text, where configured.
    fn voice_default(&mut self) {
        if self.voice.is_some()
            && self.voice_with_large_text
            && self.screen.visit.display == DisplayMode::LargeText
        {
            self.screen.visit.voice = true;
        }
    }

    /// Speaks `text` (a page's prompt or a notice, as the screen shows it; the screen decides
    /// what is said, `ui/speech.rs`) in the visit's language.
    pub fn say(&mut self, text: String) {
        let lang = match self.screen.visit.lang {
            Lang::Zh => VoiceLang::Chinese,
            Lang::En => VoiceLang::English,
        };
        if let Some(voice) = &self.voice {
            let _ = voice.send(VoiceCommand::Say { text, lang });
        }
    }

    fn quiet(&self) {
        if let Some(voice) = &self.voice {
            let _ = voice.send(VoiceCommand::Stop);
        }
    }

    /// Letters still being composed on the address page go into their field as the engine's
    /// best words before the page is left or another field is chosen: what was typed is
    /// never lost because a candidate was not tapped.
    fn settle_typing(&mut self) {
        if !typing_step(self.session.step()) {
            return;
        }
        let typing = &mut self.screen.visit.typing;
        let field = typing.field;
        let words = typing.finish();
        if words.is_empty() {
            return;
        }
        let text = self
            .session
            .draft()
            .map(|d| d.text(field).to_string())
            .unwrap_or_default();
        self.dispatch(Event::Edit(Edit::SetText(field, text + &words)));
    }

    /// A key of the on-screen keyboard on the address page: the typing state turns it into the
    /// field's new text, which the session keeps.
    fn keyboard(&mut self, key: KeyboardKey) {
        if !typing_step(self.session.step()) {
            return;
        }
        let typing = &mut self.screen.visit.typing;
        let field = typing.field;
        let text = self
            .session
            .draft()
            .map(|d| d.text(field).to_string())
            .unwrap_or_default();
        match typing.key(key, &text) {
            Some(new) => self.dispatch(Event::Edit(Edit::SetText(field, new))),
            None => self.dispatch(Event::ExtendTime),
        }
    }

    /// Passes the applicant's choice on to the fee thread; with the thread gone nobody follows
    /// the payment any more, so the form prints with the fee paid at the window.
    fn tell_fee(&mut self, command: workers::FeeCommand) {
        if self.fee.as_ref().is_none_or(|tx| tx.send(command).is_err()) {
            tracing::error!("fee thread gone: the fee is paid at the window");
            self.dispatch(Event::FeeSettled(FeePayment::NotIssued));
        }
    }

    /// Raises the applicant's call for staff from the page they are on.
    fn call_staff(&mut self) {
        let Some(tx) = &self.staff else { return };
        let (page, in_visit) = match &self.station {
            Some(st) => {
                let step = st.session.step();
                (step.name(), step != crate::flow::station::Step::Services)
            }
            None => {
                let step = self.session.step();
                (step.name(), step != Step::Attract)
            }
        };
        let place = Place {
            page,
            language: self.screen.visit.lang.code(),
            large_text: self.screen.visit.display != DisplayMode::Normal,
            in_visit,
        };
        let at = Local::now().naive_local();
        let Some(request) = self
            .screen
            .staff
            .raise(&self.settings.device_id, place, self.now, at)
        else {
            return;
        };
        let call_id = request.call_id.clone();
        if tx.send(workers::StaffCommand::Call(request)).is_err() {
            tracing::error!("staff thread gone: the applicant is told to ask in person");
            self.screen.staff.reached(&call_id, false);
        }
        self.report_staff_calls();
    }

    /// Closes a call at the central (through the staff thread).
    fn close_staff_call(&mut self, close: Option<(String, CloseReason)>) {
        if let (Some((call_id, reason)), Some(tx)) = (close, &self.staff)
            && tx
                .send(workers::StaffCommand::Close { call_id, reason })
                .is_err()
        {
            tracing::warn!("staff thread gone: call not closed at the central");
        }
        self.report_staff_calls();
    }

    /// The heartbeat's count of open calls.
    fn report_staff_calls(&self) {
        if let Some(live) = &self.live {
            live.set_staff_calls_open(self.screen.staff.open());
        }
    }

    /// What to draw.
    pub fn view(&self) -> View<'_> {
        View {
            session: &self.session,
            station: self.station.as_ref().map(|st| &st.session),
            screen: &self.screen,
            now: self.now,
        }
    }

    /// One thing a person did on screen.
    pub fn handle(&mut self, input: Input) {
        match input {
            Input::Continue => {
                self.settle_typing();
                self.both(Event::Continue, StationEvent::Continue)
            }
            Input::PayLater => self.dispatch(Event::PayLater),
            Input::PayByPhone => self.dispatch(Event::PayByPhone),
            Input::Rate(rating) => self.dispatch(Event::Rate(rating)),
            Input::Back => {
                self.settle_typing();
                self.both(Event::Back, StationEvent::Back)
            }
            Input::Cancel => self.both(Event::Cancel, StationEvent::Cancel),
            Input::ConfirmCancel(discard) => self.both(
                Event::ConfirmCancel(discard),
                StationEvent::ConfirmCancel(discard),
            ),
            Input::ExtendTime => self.both(Event::ExtendTime, StationEvent::ExtendTime),
            Input::Service(service) => self.station_event(StationEvent::Service(service)),
            Input::ChooseOffer(index) => self.station_event(StationEvent::Choose(index)),
            Input::Pay(method) => self.station_event(StationEvent::Pay(method)),
            Input::PrintTrips => self.station_event(StationEvent::PrintTrips),
            Input::Key(edit) => self.station_event(StationEvent::KeyEdit(edit)),
            Input::InsertDemoPermit(index) => {
                if let Some(demo) = self
                    .station
                    .as_ref()
                    .and_then(|st| st.demo_permits.as_ref())
                {
                    demo.insert(index);
                }
            }
            Input::DemoScan => {
                if let Some(demo) = self.station.as_ref().and_then(|st| st.demo_scan.as_ref()) {
                    demo.scan();
                }
            }
            Input::RemoveDemoPermit => {
                if let Some(demo) = self
                    .station
                    .as_ref()
                    .and_then(|st| st.demo_permits.as_ref())
                {
                    demo.remove();
                }
            }
            Input::Edit(edit) => self.dispatch(Event::Edit(edit)),
            Input::EnterAddress => {
                self.screen.visit.typing.focus(TextField::Street);
                self.dispatch(Event::EnterAddress)
            }
            Input::EnterContact => {
                self.screen.visit.typing.focus(TextField::ContactName);
                self.dispatch(Event::EnterContact)
            }
            Input::Keyboard(key) => self.keyboard(key),
            Input::Voice(on) => {
                self.screen.visit.voice = on && self.voice.is_some();
                if !on {
                    self.quiet();
                }
                self.both(Event::ExtendTime, StationEvent::ExtendTime);
            }
            Input::FocusField(field) => {
                self.settle_typing();
                self.screen.visit.typing.focus(field);
                self.dispatch(Event::ExtendTime);
            }
            Input::Language(lang) => {
                if self
                    .settings
                    .languages
                    .iter()
                    .any(|c| Lang::from_code(c) == lang)
                {
                    self.screen.visit.lang = lang;
                    // Switching language is activity, like any touch.
                    self.both(Event::ExtendTime, StationEvent::ExtendTime);
                }
            }
            Input::Display(mode) => {
                self.screen.visit.display = mode;
                self.voice_default();
                self.both(Event::ExtendTime, StationEvent::ExtendTime);
            }
            Input::InsertDemoCard(index) => {
                if let Some(demo) = &self.demo {
                    demo.insert(index);
                }
            }
            Input::RemoveDemoCard => {
                if let Some(demo) = &self.demo {
                    demo.remove();
                }
            }
            Input::TakePhoto => {
                // A short countdown so the applicant can settle before the picture is taken.
                self.screen.visit.countdown = PHOTO_COUNTDOWN;
                self.screen.visit.capturing = true;
                self.dispatch(Event::ExtendTime);
            }
            Input::RetakePhoto => {
                self.screen.visit.captured = None;
                self.dispatch(Event::RetakePhoto);
            }
            Input::Knock => self.knock(),
            Input::PinDigit(d) => self.pin_key(|g| g.digit(d)),
            Input::PinBackspace => self.pin_key(technician::Gate::backspace),
            Input::PinClear => self.pin_key(technician::Gate::reset),
            Input::PinSubmit => self.submit_pin(),
            Input::CloseTechnician => self.close_technician(),
            Input::CallStaff => self.call_staff(),
            Input::StaffAnswered => {
                self.screen.technician.touched = self.now;
                let close = self.screen.staff.answered();
                self.close_staff_call(close);
            }
            Input::SyncNow => {
                self.screen.technician.touched = self.now;
                if let Some(sync) = &self.sync {
                    sync.wake();
                }
            }
        }
    }

    /// Takes in what the workers reported and the newest camera frame.
    pub fn pump(&mut self) -> Refresh {
        let mut refresh = Refresh::Nothing;
        while let Ok(message) = self.inbox.try_recv() {
            self.receive(message);
            refresh = Refresh::Everything;
        }
        let station_holder = self
            .station
            .as_ref()
            .is_some_and(|st| st.session.step() == crate::flow::station::Step::Holder);
        if (matches!(self.session.step(), Step::Photo | Step::Holder) || station_holder)
            && let Some(frame) = self.preview.lock().ok().and_then(|mut p| p.take())
        {
            self.screen.visit.preview = Some(frame);
            if refresh == Refresh::Nothing {
                refresh = Refresh::Preview;
            }
        }
        refresh
    }

    /// One second of the core's clock: idle timeout, photo countdown, technician screen, live
    /// settings, opening hours and the queue badge.
    pub fn tick(&mut self) {
        self.now += TICK_MS;
        if self.screen.technician.open {
            if self.now.saturating_sub(self.screen.technician.touched) >= technician::IDLE_CLOSE_MS
            {
                self.close_technician();
            }
            self.refresh_technician();
        }
        self.count_down();
        let expired = self.screen.staff.tick(self.now);
        if expired.is_some() {
            self.close_staff_call(expired);
        }
        self.apply_live_settings();
        self.fleet_orders();
        self.check_availability();
        self.session.set_today(Local::now().date_naive());
        if let Some(st) = &mut self.station {
            st.session.set_today(Local::now().date_naive());
        }
        if let Some(sync) = &self.sync {
            let status = sync.status();
            self.screen.queue = QueueBadge {
                pending: status.pending,
                online: status.online || status.pending == 0,
            };
        }
        self.both(Event::Tick, StationEvent::Tick);
    }

    /// An input both kinds of session take: to the one this kiosk runs.
    fn both(&mut self, hall: Event, station: StationEvent) {
        if self.station.is_some() {
            self.station_event(station);
        } else {
            self.dispatch(hall);
        }
    }

    /// Whether the kiosk is between applicants (attract or services screen).
    fn idle(&self) -> bool {
        match &self.station {
            Some(st) => st.session.step() == station::Step::Services,
            None => self.session.step() == Step::Attract,
        }
    }

    fn station_event(&mut self, event: StationEvent) {
        let Some(st) = &mut self.station else { return };
        let effects = st.session.handle(event, self.now);
        for effect in effects {
            self.execute_station(effect);
        }
    }

    fn execute_station(&mut self, effect: StationEffect) {
        if let StationEffect::Wipe = effect {
            self.wipe();
            if let Some(st) = &mut self.station {
                st.visit += 1;
                st.permit_stop
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            return;
        }
        let Some(st) = &mut self.station else { return };
        let visit = st.visit;
        if let StationEffect::CheckHolder(portrait) = effect {
            if let Some(settings) = st.holder_check {
                let job = workers::HolderJob {
                    visit,
                    reference: HolderReference::Chip(portrait),
                    settings,
                };
                if let Some(verdict) = self.send_holder_job(job) {
                    self.station_event(StationEvent::HolderChecked(verdict));
                }
            }
            return;
        }
        let command = match effect {
            StationEffect::Wipe | StationEffect::CheckHolder(_) => return,
            StationEffect::StopPermit => {
                st.permit_stop
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                return;
            }
            StationEffect::CancelPayment => {
                st.handle
                    .cancel_payment
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                return;
            }
            StationEffect::FindPermit(identity) => {
                st.permit_stop = Default::default();
                StationCommand::FindPermit(visit, identity, st.permit_stop.clone())
            }
            StationEffect::ReadPermit(key) => {
                st.permit_stop = Default::default();
                StationCommand::ReadPermit(visit, key, st.permit_stop.clone())
            }
            StationEffect::AskOffers {
                id_number,
                permit_number,
                approved,
            } => StationCommand::Offers {
                visit,
                id_number,
                permit_number,
                approved,
            },
            StationEffect::AskRecords { permit_number } => StationCommand::Records {
                visit,
                permit_number,
            },
            StationEffect::Endorse(order) => {
                st.handle
                    .cancel_payment
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                StationCommand::Endorse(visit, order)
            }
            StationEffect::PrintTrips(slip) => StationCommand::PrintTrips(visit, slip),
            StationEffect::ReprintBack { permit_number } => StationCommand::ReprintBack {
                visit,
                permit_number,
            },
        };
        if st.handle.commands.send(command).is_err() {
            tracing::error!("station thread gone");
            self.station_event(StationEvent::CentralUnavailable);
        }
    }

    fn dispatch(&mut self, event: Event) {
        let effects = self.session.handle(event, self.now);
        for effect in effects {
            self.execute(effect);
        }
    }

    fn execute(&mut self, effect: Effect) {
        match effect {
            Effect::Wipe => {
                self.hall_visit += 1;
                self.wipe();
            }
            Effect::LookUpRecords(id_number) => {
                let query = (self.hall_visit, id_number.0, self.session.today());
                let sent = self
                    .records
                    .as_ref()
                    .is_some_and(|tx| tx.send(query).is_ok());
                if !sent {
                    tracing::error!("records thread gone: nothing suggested");
                    self.dispatch(Event::Records(None));
                    self.dispatch(Event::Appointment {
                        answer: None,
                        at: Local::now().time(),
                    });
                }
            }
            Effect::CheckHolder(photo) => {
                let Some(setup) = self.settings.holder_check else {
                    return;
                };
                let job = workers::HolderJob {
                    visit: self.hall_visit,
                    reference: HolderReference::CardPhoto(photo),
                    settings: setup.check,
                };
                if let Some(verdict) = self.send_holder_job(job) {
                    self.dispatch(Event::HolderChecked(verdict));
                }
            }
            Effect::StartCamera => {
                let _ = self.camera.send(CameraCommand::Start);
            }
            Effect::StopCamera => {
                let _ = self.camera.send(CameraCommand::Stop);
            }
            Effect::RequestFee {
                number,
                amount_fen,
                wait_seconds,
            } => {
                let start = workers::FeeCommand::Start {
                    visit: self.hall_visit,
                    number: number.to_string(),
                    amount_fen,
                    wait: std::time::Duration::from_secs(u64::from(wait_seconds)),
                };
                let sent = self.fee.as_ref().is_some_and(|tx| tx.send(start).is_ok());
                if !sent {
                    tracing::error!("fee thread gone: the fee is paid at the window");
                    self.dispatch(Event::FeeSettled(FeePayment::NotIssued));
                }
            }
            Effect::RecordRating(rating) => {
                if self.service.send(ServiceJob::Rate(rating)).is_err() {
                    tracing::warn!("service thread gone: rating not kept");
                }
            }
            Effect::FeeByPhone => self.tell_fee(workers::FeeCommand::UsePhone {
                visit: self.hall_visit,
            }),
            Effect::StopFee => self.tell_fee(workers::FeeCommand::Stop {
                visit: self.hall_visit,
            }),
            Effect::PrintWithFee(payment) => {
                if self.service.send(ServiceJob::Print(payment)).is_err() {
                    tracing::error!("service thread gone: form not printed");
                    self.dispatch(Event::PrintFailed);
                }
            }
            Effect::SaveAndPrint(draft) => {
                let catalogue = self.session.catalogue_handle();
                let job = SaveJob {
                    fee: draft.choices.fee(&catalogue),
                    identity: draft.identity.clone(),
                    choices: draft.choices.clone(),
                    photo: draft.photo.clone(),
                    photo_report: draft.photo_report.clone(),
                    holder: draft.holder.clone(),
                    guardian: draft.guardian_on_form(),
                    previous_spelling: match draft.spelling_note() {
                        Some(SpellingNote::DiffersFromLastPassport { previous }) => Some(previous),
                        _ => None,
                    },
                    booking: draft.booking.on_form(),
                    pays: draft.pays_fee,
                    created_at: Local::now().naive_local(),
                    catalogue,
                };
                if self.service.send(ServiceJob::Save(Box::new(job))).is_err() {
                    tracing::error!("service thread gone: application not saved");
                    self.dispatch(Event::SaveFailed);
                }
            }
        }
    }

    /// Hands a holder check to the camera thread; without that thread the check cannot run,
    /// and the verdict that says so (for the session to go on or send to the window) is returned.
    fn send_holder_job(&self, job: workers::HolderJob) -> Option<HolderVerdict> {
        let threshold = job.settings.threshold;
        if self.camera.send(CameraCommand::CheckHolder(job)).is_ok() {
            return None;
        }
        tracing::error!("camera thread gone: no holder check");
        Some(crate::face::check::verdict(
            HolderOutcome::CheckFailed,
            None,
            threshold,
        ))
    }

    /// Forgets the applicant on screen too: their pictures go with them, and so do their
    /// language and display mode — except while they are still reading the done page (the hall
    /// session forgets its data as soon as the form is printed), where those two stay until
    /// they leave.
    fn wipe(&mut self) {
        let _ = self.camera.send(CameraCommand::Stop);
        let reading = self.station.is_none() && self.session.step() == Step::Done;
        // The hall wipes as its form prints, while the applicant still reads the done page: a
        // call for staff stays open until they leave it.
        if !reading {
            let over = self.screen.staff.visit_over();
            if over.is_some() {
                self.close_staff_call(over);
            }
        }
        let (lang, display) = (self.screen.visit.lang, self.screen.visit.display);
        let voice = self.screen.visit.voice;
        self.screen.visit = Visit::new(&self.settings, self.ime.clone());
        if reading {
            self.screen.visit.lang = lang;
            self.screen.visit.display = display;
            self.screen.visit.voice = voice;
        } else {
            self.quiet();
        }
        self.voice_default();
        super::memory::release();
        tracing::info!("session wiped");
    }

    fn receive(&mut self, message: Inbound) {
        let late_photo = matches!(message, Inbound::Photo(_) | Inbound::Hint(_))
            && self.session.step() != Step::Photo;
        if late_photo {
            // A capture or hint that finished after the photo step ended (cancel, timeout, card
            // removed) belongs to a visit that is over: it must not reach the next one.
            tracing::debug!("camera result after the photo step ended: dropped");
            return;
        }
        let event = match message {
            Inbound::Card(CardEvent::Inserted(identity)) => {
                self.count(Counter::CardRead);
                self.screen.card_on_reader = true;
                self.screen.staff.visit_started();
                // An applicant comes first: the technician screen gives way.
                self.close_technician();
                self.report_device(Device::CardReader, DeviceState::Ok);
                if self.station.is_some() {
                    return self.station_event(StationEvent::CardInserted(*identity));
                }
                Event::CardInserted(*identity)
            }
            Inbound::Card(CardEvent::Unreadable(_)) => {
                self.count(Counter::CardReadFailure);
                self.screen.card_on_reader = true;
                self.report_device(Device::CardReader, DeviceState::CardUnreadable);
                if self.station.is_some() {
                    return self.station_event(StationEvent::CardUnreadable);
                }
                Event::CardUnreadable
            }
            Inbound::Card(CardEvent::Removed) => {
                self.screen.card_on_reader = false;
                if self.station.is_some() {
                    return self.station_event(StationEvent::CardRemoved);
                }
                Event::CardRemoved
            }
            Inbound::MrzScanner { available } => {
                // The keys page offers the scanner only while it answers.
                self.screen.mrz_scanner = available;
                return;
            }
            Inbound::MrzScan(text) => {
                if self.station.is_some() {
                    let scan = crate::devices::mrz::read_permit(&text);
                    tracing::info!(
                        outcome = match &scan {
                            Ok(_) => "card permit",
                            Err(ScanRefusal::Unreadable) => "unreadable",
                            Err(ScanRefusal::NotCardPermit) => "not a card permit",
                        },
                        "MRZ scanner: document read"
                    );
                    self.station_event(StationEvent::PermitScanned(scan));
                }
                return;
            }
            Inbound::Holder { visit, update } => {
                if let Some(st) = &self.station {
                    if st.visit != visit {
                        tracing::debug!("holder check for a visit that is over: dropped");
                        return;
                    }
                    return self.station_event(match update {
                        HolderUpdate::Prompt(p) => StationEvent::HolderPrompt(p),
                        HolderUpdate::Checked(v) => StationEvent::HolderChecked(v),
                    });
                }
                if visit != self.hall_visit {
                    tracing::debug!("holder check for a visit that is over: dropped");
                    return;
                }
                match update {
                    HolderUpdate::Prompt(p) => Event::HolderPrompt(p),
                    HolderUpdate::Checked(v) => Event::HolderChecked(v),
                }
            }
            Inbound::Records { visit, records } => {
                if visit != self.hall_visit {
                    tracing::debug!("documents on record for a visit that is over: dropped");
                    return;
                }
                Event::Records(records)
            }
            Inbound::Fee { visit, update } => {
                if visit != self.hall_visit {
                    tracing::debug!("fee report for a visit that is over: dropped");
                    return;
                }
                match update {
                    workers::FeeUpdate::Offered { qr, card } => Event::FeeOffered { qr, card },
                    workers::FeeUpdate::AtTerminal => Event::FeeAtTerminal,
                    workers::FeeUpdate::CardTaken => Event::FeeCardTaken,
                    workers::FeeUpdate::Settled(payment) => Event::FeeSettled(payment),
                }
            }
            Inbound::Appointment { visit, appointment } => {
                if visit != self.hall_visit {
                    tracing::debug!("appointment for a visit that is over: dropped");
                    return;
                }
                Event::Appointment {
                    answer: appointment,
                    at: Local::now().time(),
                }
            }
            Inbound::Station { visit, event } => {
                if let StationEvent::Finished(outcome) = &event {
                    self.count_transaction(outcome);
                }
                let current = self.station.as_ref().is_some_and(|st| st.visit == visit);
                if current {
                    self.station_event(event);
                } else {
                    tracing::debug!("station report for a visit that is over: dropped");
                }
                return;
            }
            Inbound::Photo(Ok(photo)) => {
                self.count(Counter::PhotoAttempt);
                tracing::info!("photo accepted by the checks");
                let visit = &mut self.screen.visit;
                visit.capturing = false;
                visit.rejection = None;
                visit.captured = image::load_from_memory(&photo.jpeg)
                    .ok()
                    .map(|img| img.to_rgb8());
                Event::PhotoCaptured(photo)
            }
            Inbound::Photo(Err(rejection)) => {
                self.count(Counter::PhotoAttempt);
                self.count(Counter::PhotoRejection);
                tracing::info!(reason = ?rejection.reason, "photo rejected by the checks");
                self.screen.visit.capturing = false;
                self.screen.visit.rejection = Some(rejection.reason);
                Event::PhotoRejected {
                    report: rejection.report,
                }
            }
            Inbound::CameraFailed(reason) => {
                tracing::warn!(%reason, "camera failed");
                self.report_device(Device::Camera, DeviceState::Failed);
                Event::CameraFailed
            }
            Inbound::CameraRecovered => {
                self.report_device(Device::Camera, DeviceState::Ok);
                Event::CameraRecovered
            }
            Inbound::Hint(hint) => {
                self.screen.visit.hint = Some(hint);
                return;
            }
            Inbound::Saved(number) => Event::Saved(number),
            Inbound::SaveFailed => Event::SaveFailed,
            Inbound::StorageFull => {
                self.storage_full = true;
                self.report_device(Device::Storage, DeviceState::Full);
                Event::StorageFull
            }
            Inbound::StaffCall { call_id, reached } => {
                self.screen.staff.reached(&call_id, reached);
                self.report_staff_calls();
                return;
            }
            Inbound::Room(room) => {
                self.storage_full = !room;
                let state = if room {
                    DeviceState::Ok
                } else {
                    DeviceState::Full
                };
                self.report_device(Device::Storage, state);
                self.check_availability();
                return;
            }
            Inbound::Printed { paper_low } => {
                self.count(Counter::FormPrinted);
                let state = if paper_low {
                    DeviceState::PaperLow
                } else {
                    DeviceState::Ok
                };
                self.report_device(Device::Printer, state);
                Event::Printed
            }
            Inbound::PrintFailed => {
                self.report_device(Device::Printer, DeviceState::NotPrinted);
                Event::PrintFailed
            }
            Inbound::PrinterStatus(state) => {
                self.report_device(Device::Printer, DeviceState::of_printer(state));
                return;
            }
            Inbound::Reprinted { command_id, result } => {
                let (outcome, detail) = match result {
                    Ok(()) => {
                        self.count(Counter::FormPrinted);
                        (Outcome::Done, "form printed again".to_string())
                    }
                    Err(why) => (Outcome::Failed, why),
                };
                if let Some(live) = &self.live {
                    live.finish(CommandResult {
                        command_id,
                        kind: CommandKind::Reprint,
                        outcome,
                        detail,
                        finished_at: Local::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                        diagnostics: None,
                    });
                }
                return;
            }
            Inbound::CameraChecked(checked) => {
                let state = match checked {
                    Ok(()) => DeviceState::Ok,
                    Err(_) => DeviceState::Failed,
                };
                self.report_device(Device::Camera, state);
                return;
            }
        };
        self.dispatch(event);
    }

    /// Counts the photo countdown down; at zero the camera takes the picture.
    fn count_down(&mut self) {
        let visit = &mut self.screen.visit;
        if visit.countdown == 0 {
            return;
        }
        visit.countdown -= 1;
        if visit.countdown == 0 && self.session.step() == Step::Photo {
            let _ = self.camera.send(CameraCommand::Capture);
        }
    }

    /// Records how a device is doing, for the technician screen and the fleet (heartbeat).
    fn report_device(&mut self, device: Device, state: DeviceState) {
        let before = self.devices.insert(device, state);
        if device == Device::Printer {
            self.screen.paper_low = state == DeviceState::PaperLow;
        }
        if let Some(live) = &self.live {
            live.set_device(device.code(), state.heartbeat());
            // The paper near its end is raised to staff at once: a heartbeat now, not in a
            // minute, and counted.
            if state == DeviceState::PaperLow && before != Some(DeviceState::PaperLow) {
                live.count(Counter::PaperNearEnd);
                live.beat_now();
            }
        }
    }

    /// Takes settings the central changed, once the kiosk is back on the attract screen.
    fn apply_live_settings(&mut self) {
        let Some(live) = &self.live else { return };
        let (generation, settings) = live.current();
        if generation == self.applied || !self.idle() {
            return;
        }
        if let Some(st) = &mut self.station {
            st.session.reconfigure(settings.timeouts);
        }
        if !self.session.reconfigure(
            settings.catalogue.clone(),
            settings.divisions.clone(),
            settings.timeouts,
        ) {
            return;
        }
        self.applied = generation;
        self.settings.timeouts = settings.timeouts;
        self.settings.languages = settings.languages.clone();
        self.settings.default_language = settings.default_language.clone();
        self.screen.languages = settings.languages.clone();
        self.screen.visit.lang = Lang::from_code(&self.settings.default_language);
        tracing::info!(version = ?settings.version, "settings from the central applied");
        self.central = Some(settings);
    }

    /// The central's commands that need the screens, carried out between applicants (with the
    /// technician screen closed): a reprint goes to the service thread, a restart closes the
    /// window.
    fn fleet_orders(&mut self) {
        let Some(live) = &self.live else { return };
        if !self.idle() || self.screen.technician.open {
            return;
        }
        for order in live.take_orders() {
            match order {
                Order::Reprint { command_id, number } => {
                    if self
                        .service
                        .send(ServiceJob::Reprint { command_id, number })
                        .is_err()
                    {
                        tracing::error!("service thread gone: reprint not done");
                    }
                }
            }
        }
        if live.restart_requested() && !self.quit {
            tracing::warn!("fleet: restarting as the central asked");
            self.quit = true;
        }
    }

    /// Whether the window should close so that the service manager restarts the program.
    pub fn wants_quit(&self) -> bool {
        self.quit
    }

    /// Counts a concluded endorsement transaction (one that took or may have taken money) and
    /// its receipt.
    fn count_transaction(&self, outcome: &station::Outcome) {
        let printed = match outcome {
            station::Outcome::Issued { printed }
            | station::Outcome::PartlyIssued { printed }
            | station::Outcome::NotIssued { printed }
            | station::Outcome::NeedsStaff { printed } => *printed,
            _ => return,
        };
        self.count(Counter::EndorsementTransaction);
        if printed {
            self.count(Counter::FormPrinted);
        }
    }

    /// Counts a device event for the heartbeat.
    fn count(&self, counter: Counter) {
        if let Some(live) = &self.live {
            live.count(counter);
        }
    }

    /// Out of service while the store is full, outside the opening hours, or while the central
    /// has taken the kiosk out of service.
    fn check_availability(&mut self) {
        let closed = self
            .central
            .as_ref()
            .filter(|s| !s.open_at(Local::now().time()))
            .and_then(|s| s.hours)
            .map(|(open, close)| format!("{}–{}", open.format("%H:%M"), close.format("%H:%M")));
        let withdrawn = self.live.as_ref().is_some_and(Live::withdrawn);
        let state = if self.storage_full {
            Some(OutOfService::StorageFull)
        } else if withdrawn {
            Some(OutOfService::Withdrawn)
        } else {
            closed.map(OutOfService::Closed)
        };
        if let Some(st) = &self.station
            && st.session.out_of_service() != state.as_ref()
        {
            self.station_event(StationEvent::Availability(state.clone()));
        }
        if self.session.out_of_service() != state.as_ref() {
            self.dispatch(Event::Availability(state));
        }
    }

    /// A tap on the hidden spot; the fifth quick one opens the PIN pad (attract screen only).
    fn knock(&mut self) {
        if self.idle() && self.gate.knock(self.now) {
            self.screen.technician = TechnicianScreen {
                open: true,
                touched: self.now,
                ..TechnicianScreen::default()
            };
            tracing::info!("technician screen opened");
        }
    }

    fn pin_key(&mut self, key: impl FnOnce(&mut technician::Gate)) {
        key(&mut self.gate);
        self.screen.technician.touched = self.now;
        self.screen.technician.pin_len = self.gate.entered_len();
    }

    fn submit_pin(&mut self) {
        let verdict = self.gate.submit(self.now);
        self.screen.technician.touched = self.now;
        self.screen.technician.pin_len = self.gate.entered_len();
        self.screen.technician.refusal = match verdict {
            Verdict::Open => {
                tracing::info!("technician screen unlocked");
                self.refresh_technician_now();
                None
            }
            Verdict::Wrong { tries_left } => {
                tracing::warn!(tries_left, "technician PIN wrong");
                Some(PinRefusal::Wrong { tries_left })
            }
            Verdict::Locked { seconds } => {
                tracing::warn!(seconds, "technician PIN locked after wrong PINs");
                Some(PinRefusal::Locked { seconds })
            }
        };
    }

    fn close_technician(&mut self) {
        if !self.screen.technician.open {
            return;
        }
        self.gate.reset();
        self.screen.technician = TechnicianScreen::default();
        tracing::info!("technician screen closed");
    }

    /// Keeps the unlocked technician screen current.
    fn refresh_technician(&mut self) {
        if self.screen.technician.status.is_some() {
            self.refresh_technician_now();
        }
    }

    /// What the unlocked technician screen shows: the queue and the devices.
    fn refresh_technician_now(&mut self) {
        let status = self.sync.as_ref().map(|s| s.status()).unwrap_or_default();
        self.screen.technician.status = Some(KioskStatus {
            device_id: self.settings.device_id.clone(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            online: self.sync.is_some() && (status.online || status.pending == 0),
            pending: status.pending,
            dead_letters: status.dead,
            oldest_pending: status
                .oldest_pending
                .as_deref()
                .map(readable_time)
                .unwrap_or_default(),
            paused: status.paused.unwrap_or_default(),
            config_version: self
                .central
                .as_ref()
                .and_then(|s| s.version.clone())
                .unwrap_or_default(),
            devices: self.devices.iter().map(|(d, s)| (*d, *s)).collect(),
            // Payments, not lines: an order's lines share one.
            unsettled_payments: self.station.as_ref().map_or(0, |st| {
                crate::store::lock(&st.store)
                    .endorsements_in_flight()
                    .map_or(0, |list| {
                        let orders: std::collections::BTreeSet<&str> = list
                            .iter()
                            .filter(|t| t.state.money_at_stake())
                            .map(|t| t.order_id.as_str())
                            .collect();
                        orders.len() as u64
                    })
            }),
        });
    }
}

/// A stored local time (`2026-11-30T09:05:00`) as staff read it: `2026-11-30 09:05`.
fn readable_time(stored: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(stored, "%Y-%m-%dT%H:%M:%S")
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| stored.to_string())
}

/// The pages with the on-screen keyboard.
fn typing_step(step: Step) -> bool {
    matches!(step, Step::Address | Step::Contact)
}
