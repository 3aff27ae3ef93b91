//! The police-station endorsement session as a pure state machine, beside the hall's
//! (`flow::Session`): `(state, event, now) -> effects`, time as an input.
//!
//! services → ID card → card permit (keys from the central's record, else typed on the keypad;
//! chip read, holder check by the cards) → the face at the camera against the chip's portrait,
//! where the station asks for it (`face`) → offers from the central → choose → review → pay → write and verify → receipt → services.
//! *Print an endorsement approved online* takes the same way, with the holder check, to the
//! approvals the central holds for the permit; the chosen one is written without a payment.
//! *Remaining trips* takes the same way to the permit, then shows the permit's valid
//! endorsements. The session decides what the applicant sees and asks the core for the outside
//! work (`Effect`); the core's station worker does it and reports back (`Event`). Money is never
//! the session's business: once the applicant pays, the worker runs the durable transaction
//! (`domain::endorsement`) to its end whatever happens on screen, and only reports.

use std::fmt;

use chrono::NaiveDate;
use zeroize::Zeroize;

use super::OutOfService;
use super::idle::{IdleClock, Limit, Timeouts};
use crate::domain::app_number::AppNumber;
use crate::domain::endorsement::{OfferLine, Offers, RefusalLine, TripsLeft};
use crate::domain::holder::{HolderPolicy, HolderPrompt, HolderVerdict, Portrait};
use crate::domain::identity::{Identity, mask};
use crate::domain::permit::{
    self, AccessKey, PermitFacts, ScanRefusal, ScannedPermit, WindowReason,
};

/// A service on the attract screen (which ones a station offers is configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Endorse now, paid and written on the spot.
    Endorse,
    /// Write an endorsement approved and paid online (the same way to the permit, then the
    /// approvals waiting for it; nothing is paid here).
    PrintApproved,
    /// Show the permit's valid endorsements and the trips left.
    RemainingTrips,
    /// Have the writer module reprint the permit's back (the printed endorsements fade); offered
    /// only where the module can.
    ReprintBack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The services, waiting for an applicant.
    Services,
    /// "Place your ID card".
    IdCard,
    /// "Place your permit": the keys are looked up, the reader watched, the chip read.
    Permit,
    /// No key on record opens the permit: its number and expiry typed on the keypad.
    Keys,
    /// The face at the camera is checked against the permit's portrait (liveness challenge,
    /// then comparison).
    Holder,
    /// The central is asked what may be offered.
    Checking,
    Choose,
    Review,
    /// The money is being asked for (terminal or QR).
    Paying,
    /// Paid: the endorsement is being written and read back.
    Issuing,
    Done,
    /// The permit's valid endorsements.
    Trips,
    /// The writer module reprints the permit's back.
    Reprinting,
}

impl Step {
    /// The page's name where it leaves the kiosk (a staff call: `/v1/staff-calls`).
    pub fn name(self) -> &'static str {
        match self {
            Step::Services => "services",
            Step::IdCard => "idcard",
            Step::Permit => "permit",
            Step::Keys => "keys",
            Step::Holder => "holder",
            Step::Checking => "checking",
            Step::Choose => "choose",
            Step::Review => "review",
            Step::Paying => "paying",
            Step::Issuing => "issuing",
            Step::Done => "done",
            Step::Trips => "trips",
            Step::Reprinting => "reprinting",
        }
    }

    /// The time limit the step runs under: nothing times out while the kiosk itself works or
    /// while money is at stake (the worker has its own payment time limit).
    pub fn limit(self) -> Limit {
        match self {
            Step::Services | Step::Checking | Step::Paying | Step::Issuing | Step::Reprinting => {
                Limit::Untimed
            }
            Step::Done => Limit::Done,
            _ => Limit::Form,
        }
    }
}

/// Where the permit step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermitProgress {
    /// Asking the central for the person's documents (the chip's keys).
    LookingUp,
    /// Waiting for the permit on the reader.
    Waiting,
    Reading,
}

/// Which field the keypad types into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyField {
    #[default]
    Number,
    Expiry,
}

/// A change to the typed key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEdit {
    /// The number's letter: `C` (Hong Kong/Macau) or `T` (Taiwan).
    Prefix(char),
    Digit(char),
    Backspace,
    Clear,
    Field(KeyField),
}

/// The permit's number and expiry as typed from the card (the birth date comes from the ID
/// card): the BAC key when the central has none that opens the chip.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    pub prefix: char,
    /// The eight digits after the letter.
    pub number: String,
    /// `YYYYMMDD`, as printed on the card.
    pub expiry: String,
    pub field: KeyField,
}

impl fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyEntry")
            .field("digits", &(self.number.len() + self.expiry.len()))
            .finish_non_exhaustive()
    }
}

impl Drop for KeyEntry {
    fn drop(&mut self) {
        self.number.zeroize();
        self.expiry.zeroize();
    }
}

/// Digits of a card permit's number after its letter, and of a `YYYYMMDD` date.
const NUMBER_DIGITS: usize = 8;
const DATE_DIGITS: usize = 8;

impl KeyEntry {
    fn new() -> KeyEntry {
        KeyEntry {
            prefix: 'C',
            number: String::new(),
            expiry: String::new(),
            field: KeyField::Number,
        }
    }

    fn apply(&mut self, edit: KeyEdit) {
        match edit {
            KeyEdit::Prefix(c @ ('C' | 'T')) => self.prefix = c,
            KeyEdit::Prefix(_) => {}
            KeyEdit::Field(field) => self.field = field,
            KeyEdit::Digit(d) if d.is_ascii_digit() => {
                let (text, max) = match self.field {
                    KeyField::Number => (&mut self.number, NUMBER_DIGITS),
                    KeyField::Expiry => (&mut self.expiry, DATE_DIGITS),
                };
                if text.len() < max {
                    text.push(d);
                }
                // A full number moves on to the expiry, as a form would.
                if self.field == KeyField::Number && self.number.len() == NUMBER_DIGITS {
                    self.field = KeyField::Expiry;
                }
            }
            KeyEdit::Digit(_) => {}
            KeyEdit::Backspace => {
                match self.field {
                    KeyField::Number => self.number.pop(),
                    KeyField::Expiry => self.expiry.pop(),
                };
            }
            KeyEdit::Clear => {
                self.number.clear();
                self.expiry.clear();
                self.field = KeyField::Number;
            }
        }
    }

    /// Every digit typed.
    pub fn complete(&self) -> bool {
        self.number.len() == NUMBER_DIGITS && self.expiry.len() == DATE_DIGITS
    }

    /// The access key, once complete and the expiry a day.
    fn key(&self, birth_date: NaiveDate) -> Option<AccessKey> {
        if !self.complete() {
            return None;
        }
        let expiry = NaiveDate::parse_from_str(&self.expiry, "%Y%m%d").ok()?;
        Some(AccessKey {
            document_number: format!("{}{}", self.prefix, self.number),
            birth_date,
            expiry,
        })
    }
}

/// How a payment is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayMethod {
    /// The bank-card terminal in the kiosk.
    Terminal,
    /// A QR the central issues, paid by phone.
    Qr,
    /// Paid online before the visit (*print an endorsement approved online*): nothing is
    /// asked at the kiosk.
    Online,
}

/// How far the paid transaction has come (reported by the worker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The transaction is stored under its acceptance number.
    Opened(AppNumber),
    /// Waiting for the applicant to pay; the QR to show for a phone payment.
    AwaitingPayment {
        qr: Option<String>,
    },
    Paid,
    Writing,
    Verifying,
}

/// How the transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Written, read back and confirmed; whether the receipt came out of the printer.
    Issued { printed: bool },
    /// Of several endorsements paid together, some written and confirmed, the others not on
    /// the chip and settled (their refund requested, or their online approval kept); whether
    /// the receipt, which says which is which, was printed.
    PartlyIssued { printed: bool },
    /// Paid but not on the chip: the refund is requested; whether the slip was printed.
    NotIssued { printed: bool },
    /// The bank or the central declined: nothing was taken.
    Declined,
    /// Cancelled or timed out before it was paid: nothing was taken.
    Cancelled,
    /// The payment could not even be started (central or terminal unreachable): nothing taken.
    Unavailable,
    /// Paid, or perhaps paid, and not finished here (the outcome of the payment or of the
    /// writing is unknown, or the refund could not be requested yet): the transaction stays
    /// in flight for staff and start-up recovery; the slip and the screen give the number.
    NeedsStaff { printed: bool },
}

/// Why the session ended early or what went wrong, for a plain message on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    TimedOut,
    Cancelled,
    CardRemoved,
    CardUnreadable,
    /// Please go to the window, for this reason.
    Window(WindowReason),
    /// The central does not answer or refuses this kiosk: no endorsement here right now.
    NotAvailable,
    /// The typed expiry is not a date.
    KeyInvalid,
    /// The scanner could not read the document's MRZ: lay it again, or type.
    ScanUnreadable,
    /// The scanner read another document (a passport, an ID card): lay the card permit, or type.
    ScanNotPermit,
    /// The holder check did not confirm the face this time: once more.
    HolderRetry,
    /// The central offers nothing (its reasons are on screen).
    NothingOffered,
    /// No endorsement approved online waits for this permit.
    NothingApproved,
    PaymentDeclined,
    PaymentCancelled,
    /// Paid, not written: the money will be refunded.
    RefundRequested,
    /// Of several endorsements, some written and some not (the receipt says which): the
    /// money for those not written is refunded, or their online approval stays open.
    PartlyWritten,
    /// Approved online, not written: the approval stays open for another try.
    ApprovalKept,
    /// Not finished here; nothing is lost: ask staff with the number.
    NeedsStaff,
    PrintFailed,
    /// The writer module could not reprint the permit's back.
    ReprintFailed,
}

#[derive(Debug)]
pub enum Event {
    Service(Service),
    CardInserted(Identity),
    CardUnreadable,
    CardRemoved,
    Permit(PermitProgress),
    PermitRead(PermitFacts),
    /// The permit could not be used: the reason for the window.
    PermitRefused(WindowReason),
    /// No key the central has opens the permit (or it has none): ask for the printed data.
    KeysNeeded,
    KeyEdit(KeyEdit),
    /// The MRZ scanner read a document: its card-permit data, or why it gives no key.
    PermitScanned(Result<ScannedPermit, ScanRefusal>),
    /// The holder check asks the applicant to do this now.
    HolderPrompt(HolderPrompt),
    /// The holder check ended.
    HolderChecked(HolderVerdict),
    /// The central did not answer (documents, offers, records).
    CentralUnavailable,
    Offers(Offers),
    /// Chooses the offer at this index of the list (again: unchooses it; another offer for the
    /// same destination replaces it).
    Choose(usize),
    Continue,
    Back,
    Cancel,
    /// The answer to "discard and leave?": `true` discards.
    ConfirmCancel(bool),
    ExtendTime,
    Pay(PayMethod),
    Progress(Progress),
    Finished(Outcome),
    Records(Vec<TripsLeft>),
    /// Print the remaining-trips slip.
    PrintTrips,
    /// The writer module reprinted the permit's back (`true`) or could not.
    Reprinted(bool),
    Availability(Option<OutOfService>),
    Tick,
}

/// What the core must do.
#[derive(Debug)]
pub enum Effect {
    /// Forget every piece of personal data: memory and screen.
    Wipe,
    /// Look the person's permits up at the central and read the permit when it is placed.
    FindPermit(Box<Identity>),
    /// Read the permit on the reader with this typed key only.
    ReadPermit(Box<AccessKey>),
    /// Stop watching the permit reader (the session ended).
    StopPermit,
    /// Check the face at the camera against this portrait (the camera stops with the wipe).
    CheckHolder(Portrait),
    /// Ask the central what it offers; with `approved`, the endorsements approved and paid
    /// online that wait for this permit instead.
    AskOffers {
        id_number: String,
        permit_number: String,
        approved: bool,
    },
    AskRecords {
        permit_number: String,
    },
    /// Run the transaction for the chosen offers: pay once for all, then write, verify and
    /// print each.
    Endorse(Box<Order>),
    /// The applicant gave up paying: cancel the payment if it is not paid yet.
    CancelPayment,
    PrintTrips(Box<TripsSlip>),
    /// Have the writer module reprint the back of the permit in it.
    ReprintBack {
        permit_number: String,
    },
}

/// Everything the transaction needs. Personal data: `Debug` masked, wiped on drop.
#[derive(Clone)]
pub struct Order {
    /// The endorsements chosen, at most one per destination, paid together (or each approved
    /// and paid online); never empty.
    pub offers: Vec<OfferLine>,
    pub method: PayMethod,
    pub id_number: String,
    pub name: String,
    pub permit_number: String,
    /// The holder check's verdict, when the station asks for one.
    pub holder: Option<HolderVerdict>,
}

/// The remaining-trips slip. Personal data: `Debug` masked, wiped on drop.
#[derive(Clone)]
pub struct TripsSlip {
    pub name: String,
    pub permit_number: String,
    pub records: Vec<TripsLeft>,
}

impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Order")
            .field(
                "offers",
                &self.offers.iter().map(|o| &o.offer_id).collect::<Vec<_>>(),
            )
            .field("method", &self.method)
            .field("permit_number", &mask(&self.permit_number))
            .finish_non_exhaustive()
    }
}

impl Drop for Order {
    fn drop(&mut self) {
        self.id_number.zeroize();
        self.name.zeroize();
        self.permit_number.zeroize();
    }
}

impl fmt::Debug for TripsSlip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TripsSlip")
            .field("permit_number", &mask(&self.permit_number))
            .field("records", &self.records.len())
            .finish_non_exhaustive()
    }
}

impl Drop for TripsSlip {
    fn drop(&mut self) {
        self.name.zeroize();
        self.permit_number.zeroize();
    }
}

/// The applicant's data for this visit; dropped (and wiped) at the end.
#[derive(Debug)]
pub struct Visitor {
    pub service: Service,
    pub identity: Option<Identity>,
    pub permit: Option<PermitFacts>,
    pub permit_progress: PermitProgress,
    /// The key typed on the keypad, while the keys step is shown.
    pub key_entry: Option<KeyEntry>,
    pub offers: Vec<OfferLine>,
    pub refusals: Vec<RefusalLine>,
    /// Indexes into `offers` of the endorsements chosen, at most one per destination, in the
    /// order they were chosen (`choices` gives them in the list's order).
    pub chosen: Vec<usize>,
    pub method: Option<PayMethod>,
    pub number: Option<AppNumber>,
    pub progress: Option<Progress>,
    pub qr: Option<String>,
    pub outcome: Option<Outcome>,
    /// The permit's valid endorsements, once the central answered.
    pub records: Option<Vec<TripsLeft>>,
    /// The back was reprinted (`Some(false)`: the module could not).
    pub reprinted: Option<bool>,
    /// What the holder check asks the applicant to do now.
    pub holder_prompt: Option<HolderPrompt>,
    /// Attempts of the holder check made so far.
    pub holder_attempts: u32,
    /// The confirming verdict, kept for the transaction.
    pub holder: Option<HolderVerdict>,
}

impl Visitor {
    fn new(service: Service) -> Visitor {
        Visitor {
            service,
            identity: None,
            permit: None,
            permit_progress: PermitProgress::LookingUp,
            key_entry: None,
            offers: Vec::new(),
            refusals: Vec::new(),
            chosen: Vec::new(),
            method: None,
            number: None,
            progress: None,
            qr: None,
            outcome: None,
            reprinted: None,
            records: None,
            holder_prompt: None,
            holder_attempts: 0,
            holder: None,
        }
    }

    /// The chosen offers, in the order of the list (as the review page shows them, and as they
    /// are paid, written and printed).
    pub fn choices(&self) -> Vec<&OfferLine> {
        self.offers
            .iter()
            .enumerate()
            .filter(|(i, _)| self.chosen.contains(i))
            .map(|(_, o)| o)
            .collect()
    }

    /// Chooses the offer at `index`, replacing one chosen for the same destination (a permit
    /// carries one endorsement per destination); chosen already, unchooses it.
    fn toggle(&mut self, index: usize) {
        let Some(offer) = self.offers.get(index) else {
            return;
        };
        if self.chosen.contains(&index) {
            self.chosen.retain(|&i| i != index);
            return;
        }
        let offers = &self.offers;
        self.chosen.retain(|&i| {
            offers
                .get(i)
                .is_none_or(|o| o.destination != offer.destination)
        });
        self.chosen.push(index);
    }
}

pub struct StationSession {
    step: Step,
    visitor: Option<Visitor>,
    notice: Option<Notice>,
    services: Vec<Service>,
    methods: Vec<PayMethod>,
    idle: IdleClock,
    today: NaiveDate,
    out_of_service: Option<OutOfService>,
    /// Cancel was tapped with something to lose: the question is on screen.
    confirming_cancel: bool,
    /// The holder check, where the station runs one.
    holder: Option<HolderPolicy>,
}

impl StationSession {
    /// A session offering `services` and taking payment by `methods` (both non-empty; the
    /// configuration checks it).
    pub fn new(
        services: Vec<Service>,
        methods: Vec<PayMethod>,
        timeouts: Timeouts,
        today: NaiveDate,
    ) -> StationSession {
        StationSession {
            step: Step::Services,
            visitor: None,
            notice: None,
            services,
            methods,
            idle: IdleClock::new(timeouts),
            today,
            out_of_service: None,
            confirming_cancel: false,
            holder: None,
        }
    }

    /// The same session checking the face at the camera against the permit's portrait before
    /// asking for offers. `required`: `tries` attempts (at least one), then the window;
    /// otherwise one attempt whose verdict is only recorded with the transaction.
    pub fn with_holder_check(mut self, policy: HolderPolicy) -> StationSession {
        self.holder = Some(policy);
        self
    }

    /// Whether the "discard and leave?" question is on screen.
    pub fn confirming_cancel(&self) -> bool {
        self.confirming_cancel
    }

    pub fn step(&self) -> Step {
        self.step
    }

    pub fn visitor(&self) -> Option<&Visitor> {
        self.visitor.as_ref()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    pub fn methods(&self) -> &[PayMethod] {
        &self.methods
    }

    pub fn out_of_service(&self) -> Option<&OutOfService> {
        self.out_of_service.as_ref()
    }

    pub fn today(&self) -> NaiveDate {
        self.today
    }

    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = today;
    }

    /// New time limits from the central, taken only between applicants.
    pub fn reconfigure(&mut self, timeouts: Timeouts) -> bool {
        if self.step != Step::Services {
            return false;
        }
        self.idle.timeouts = timeouts;
        true
    }

    /// Seconds left before the idle timeout, when the warning should be on screen.
    pub fn warning_seconds(&self, now: u64) -> Option<u64> {
        self.idle.warning_seconds(self.step.limit(), now)
    }

    pub fn handle(&mut self, event: Event, now: u64) -> Vec<Effect> {
        self.idle.touch(matches!(event, Event::Tick), now);
        let mut effects = Vec::new();
        // The question goes with the applicant's next tap; the workers' reports leave it.
        let asked = self.confirming_cancel;
        if matches!(
            event,
            Event::Service(_)
                | Event::KeyEdit(_)
                | Event::Choose(_)
                | Event::Continue
                | Event::Back
                | Event::Cancel
                | Event::ConfirmCancel(_)
                | Event::Pay(_)
                | Event::PrintTrips
        ) {
            self.confirming_cancel = false;
        }
        match event {
            Event::Tick => {
                if self.idle.expired(self.step.limit(), now) {
                    let notice = (self.step != Step::Done).then_some(Notice::TimedOut);
                    self.end(notice, &mut effects);
                }
            }
            Event::ExtendTime => {}
            Event::Availability(state) => self.out_of_service = state,
            Event::Service(service) => {
                if self.step == Step::Services
                    && self.out_of_service.is_none()
                    && self.services.contains(&service)
                {
                    self.notice = None;
                    self.visitor = Some(Visitor::new(service));
                    self.step = Step::IdCard;
                }
            }
            Event::CardInserted(identity) => self.card_inserted(identity, &mut effects),
            Event::CardUnreadable => {
                if self.step == Step::IdCard {
                    self.notice = Some(Notice::CardUnreadable);
                }
            }
            Event::CardRemoved => match self.step {
                Step::Permit
                | Step::Keys
                | Step::Holder
                | Step::Checking
                | Step::Choose
                | Step::Review
                | Step::Trips => self.end(Some(Notice::CardRemoved), &mut effects),
                // Paying, writing and reprinting go on: they end on their own and the done page
                // reminds the applicant to take both cards.
                _ => {}
            },
            Event::Permit(progress) => {
                if let (Step::Permit, Some(v)) = (self.step, &mut self.visitor) {
                    v.permit_progress = progress;
                }
            }
            Event::PermitRead(facts) => self.permit_read(facts, &mut effects),
            Event::HolderPrompt(prompt) => {
                if let (Step::Holder, Some(v)) = (self.step, &mut self.visitor) {
                    v.holder_prompt = Some(prompt);
                }
            }
            Event::HolderChecked(verdict) => self.holder_checked(verdict, &mut effects),
            Event::KeysNeeded => {
                if let (Step::Permit, Some(v)) = (self.step, &mut self.visitor) {
                    v.key_entry = Some(KeyEntry::new());
                    self.step = Step::Keys;
                }
            }
            Event::PermitScanned(scan) => self.scanned(scan, &mut effects),
            Event::KeyEdit(edit) => {
                if let (Step::Keys, Some(v)) = (self.step, &mut self.visitor)
                    && let Some(entry) = &mut v.key_entry
                {
                    entry.apply(edit);
                    if matches!(
                        self.notice,
                        Some(Notice::KeyInvalid | Notice::ScanUnreadable | Notice::ScanNotPermit)
                    ) {
                        self.notice = None;
                    }
                }
            }
            Event::PermitRefused(reason) => {
                if self.step == Step::Permit {
                    self.end(Some(Notice::Window(reason)), &mut effects);
                }
            }
            Event::CentralUnavailable => {
                if matches!(self.step, Step::Permit | Step::Checking | Step::Trips) {
                    self.end(Some(Notice::NotAvailable), &mut effects);
                }
            }
            Event::Offers(offers) => self.offers(offers),
            Event::Records(records) => {
                if let (Step::Trips, Some(v)) = (self.step, &mut self.visitor) {
                    v.records = Some(records);
                }
            }
            Event::Choose(index) => {
                if let (Step::Choose, Some(v)) = (self.step, &mut self.visitor) {
                    v.toggle(index);
                }
            }
            Event::Continue => self.advance(&mut effects),
            Event::Back => {
                if self.step == Step::Review {
                    self.step = Step::Choose;
                }
            }
            Event::Cancel => match self.step {
                Step::Services | Step::Issuing | Step::Reprinting => {}
                // Stopping the payment is what the tap asks for; the worker's answer decides.
                Step::Paying => effects.push(Effect::CancelPayment),
                Step::Done => self.end(None, &mut effects),
                // Cards read, perhaps a number typed and an endorsement chosen: ask first, as
                // the hall kiosk does.
                _ => self.confirming_cancel = true,
            },
            Event::ConfirmCancel(discard) => {
                // Only an answer to the question on screen: a late tap discards nothing.
                if discard && asked {
                    self.end(Some(Notice::Cancelled), &mut effects);
                }
            }
            Event::Pay(method) => self.pay(method, &mut effects),
            Event::Progress(progress) => self.progress(progress),
            Event::Finished(outcome) => self.finished(outcome, &mut effects),
            Event::Reprinted(done) => {
                if let (Step::Reprinting, Some(v)) = (self.step, &mut self.visitor) {
                    v.reprinted = Some(done);
                    self.notice = (!done).then_some(Notice::ReprintFailed);
                    self.step = Step::Done;
                }
            }
            Event::PrintTrips => {
                if let (Step::Trips, Some(v)) = (self.step, &self.visitor)
                    && let (Some(id), Some(p), Some(records)) = (&v.identity, &v.permit, &v.records)
                {
                    effects.push(Effect::PrintTrips(Box::new(TripsSlip {
                        name: id.name.clone(),
                        permit_number: p.document_number.clone(),
                        records: records.clone(),
                    })));
                }
            }
        }
        effects
    }

    fn card_inserted(&mut self, identity: Identity, effects: &mut Vec<Effect>) {
        // A card placed on the services screen starts *Endorse now*, the common service, as
        // the screen invites; out of service, or without that service, it is not read.
        if self.step == Step::Services
            && self.out_of_service.is_none()
            && self.services.contains(&Service::Endorse)
        {
            self.notice = None;
            self.visitor = Some(Visitor::new(Service::Endorse));
            self.step = Step::IdCard;
        }
        let (Step::IdCard, Some(v)) = (self.step, &mut self.visitor) else {
            return;
        };
        if let Err(reason) = permit::can_serve(&identity, self.today) {
            self.end(Some(Notice::Window(reason)), effects);
            return;
        }
        self.notice = None;
        effects.push(Effect::FindPermit(Box::new(identity.clone())));
        v.identity = Some(identity);
        v.permit_progress = PermitProgress::LookingUp;
        self.step = Step::Permit;
    }

    fn permit_read(&mut self, facts: PermitFacts, effects: &mut Vec<Effect>) {
        let (Step::Permit, Some(v)) = (self.step, &mut self.visitor) else {
            return;
        };
        let Some(identity) = &v.identity else { return };
        if let Err(reason) = permit::holder_check(identity, &facts, self.today) {
            // Nothing of the permit is kept: `facts` is dropped (and wiped) here.
            self.end(Some(Notice::Window(reason)), effects);
            return;
        }
        let (id_number, permit_number) =
            (identity.id_number.clone(), facts.document_number.clone());
        let portrait = facts.portrait.clone();
        v.permit = Some(facts);
        let service = v.service;
        match service {
            Service::Endorse | Service::PrintApproved if self.holder.is_some() => {
                // Without a portrait from the chip there is nothing to compare the face with:
                // staff compare person and document where the check is required; where it is
                // only recorded, there is nothing to record.
                let Some(portrait) = portrait else {
                    if self.holder.is_some_and(|h| h.required) {
                        self.end(
                            Some(Notice::Window(WindowReason::HolderNotConfirmed)),
                            effects,
                        );
                    } else {
                        effects.push(ask_central(service, id_number, permit_number));
                        self.step = Step::Checking;
                    }
                    return;
                };
                v.holder_attempts = 1;
                v.holder_prompt = Some(HolderPrompt::LookAtCamera);
                effects.push(Effect::CheckHolder(portrait));
                self.step = Step::Holder;
            }
            Service::Endorse | Service::PrintApproved => {
                effects.push(ask_central(service, id_number, permit_number));
                self.step = Step::Checking;
            }
            Service::RemainingTrips => {
                effects.push(Effect::AskRecords { permit_number });
                self.step = Step::Trips;
            }
            Service::ReprintBack => {
                effects.push(Effect::ReprintBack { permit_number });
                self.step = Step::Reprinting;
            }
        }
    }

    /// The holder check's verdict: confirmed goes on to the offers; otherwise another attempt
    /// while the station allows one, then the window. Nothing of the face is kept, only a
    /// confirming verdict (distance, threshold, model) for the transaction.
    fn holder_checked(&mut self, verdict: HolderVerdict, effects: &mut Vec<Effect>) {
        let (Step::Holder, Some(v)) = (self.step, &mut self.visitor) else {
            return;
        };
        let (Some(identity), Some(permit)) = (&v.identity, &v.permit) else {
            return;
        };
        let required = self.holder.is_some_and(|h| h.required);
        if verdict.confirmed() || !required {
            effects.push(ask_central(
                v.service,
                identity.id_number.clone(),
                permit.document_number.clone(),
            ));
            v.holder = Some(verdict);
            v.holder_prompt = None;
            self.notice = None;
            self.step = Step::Checking;
            return;
        }
        let retry = self
            .holder
            .is_some_and(|h| h.retry(&verdict, v.holder_attempts));
        match permit.portrait.clone() {
            Some(portrait) if retry => {
                v.holder_attempts += 1;
                v.holder_prompt = Some(HolderPrompt::LookAtCamera);
                self.notice = Some(Notice::HolderRetry);
                effects.push(Effect::CheckHolder(portrait));
            }
            _ => self.end(
                Some(Notice::Window(WindowReason::HolderNotConfirmed)),
                effects,
            ),
        }
    }

    fn offers(&mut self, offers: Offers) {
        let (Step::Checking, Some(v)) = (self.step, &mut self.visitor) else {
            return;
        };
        v.refusals = offers.refusals;
        v.offers = offers.offers;
        if v.offers.is_empty() {
            // The reasons stay on screen until the applicant leaves.
            self.notice = Some(match v.service {
                Service::PrintApproved => Notice::NothingApproved,
                _ => Notice::NothingOffered,
            });
        }
        self.step = Step::Choose;
    }

    fn advance(&mut self, effects: &mut Vec<Effect>) {
        match self.step {
            Step::Choose if self.visitor.as_ref().is_some_and(|v| !v.chosen.is_empty()) => {
                self.notice = None;
                self.step = Step::Review;
            }
            Step::Keys => self.typed_key(effects),
            Step::Done | Step::Trips => self.end(None, effects),
            _ => {}
        }
    }

    /// A document laid on the MRZ scanner while the keys are asked for: a card permit of this
    /// holder is read with its key, as if typed; another holder's permit ends the visit at the
    /// window, as a typed key that does not open the chip does. A misread, or another document
    /// laid by mistake, only says so: the permit on the reader may still be opened. Ignored while
    /// the applicant is being asked whether to leave.
    fn scanned(&mut self, scan: Result<ScannedPermit, ScanRefusal>, effects: &mut Vec<Effect>) {
        let Some(v) = &mut self.visitor else { return };
        let (Step::Keys, Some(id), false) = (self.step, &v.identity, self.confirming_cancel) else {
            return;
        };
        let key = match scan {
            Ok(permit) => permit.key_for(id.birth_date),
            Err(refusal) => {
                self.notice = Some(match refusal {
                    ScanRefusal::Unreadable => Notice::ScanUnreadable,
                    ScanRefusal::NotCardPermit => Notice::ScanNotPermit,
                });
                return;
            }
        };
        match key {
            Ok(key) => self.read_with(key, effects),
            Err(reason) => self.end(Some(Notice::Window(reason)), effects),
        }
    }

    /// Back to the permit step, to read the chip with `key` (typed or scanned).
    fn read_with(&mut self, key: AccessKey, effects: &mut Vec<Effect>) {
        if let Some(v) = &mut self.visitor {
            v.key_entry = None;
            v.permit_progress = PermitProgress::Waiting;
        }
        self.notice = None;
        self.step = Step::Permit;
        effects.push(Effect::ReadPermit(Box::new(key)));
    }

    /// The typed key, to read the permit with.
    fn typed_key(&mut self, effects: &mut Vec<Effect>) {
        let Some(v) = &mut self.visitor else { return };
        let (Some(entry), Some(id)) = (&v.key_entry, &v.identity) else {
            return;
        };
        if !entry.complete() {
            return;
        }
        match entry.key(id.birth_date) {
            Some(key) => self.read_with(key, effects),
            None => self.notice = Some(Notice::KeyInvalid),
        }
    }

    /// Starts the transaction: paid by `method` for *Endorse now* (one the station takes), or
    /// `Online` for an approval, which goes straight to writing.
    fn pay(&mut self, method: PayMethod, effects: &mut Vec<Effect>) {
        let Some(v) = &mut self.visitor else { return };
        let allowed = match v.service {
            Service::PrintApproved => method == PayMethod::Online,
            _ => method != PayMethod::Online && self.methods.contains(&method),
        };
        if self.step != Step::Review || !allowed {
            return;
        }
        let offers: Vec<OfferLine> = v.choices().into_iter().cloned().collect();
        let (false, Some(id), Some(p)) = (offers.is_empty(), &v.identity, &v.permit) else {
            return;
        };
        let order = Order {
            offers,
            method,
            id_number: id.id_number.clone(),
            name: id.name.clone(),
            permit_number: p.document_number.clone(),
            holder: v.holder.clone(),
        };
        v.method = Some(method);
        v.progress = None;
        v.qr = None;
        v.number = None;
        self.notice = None;
        self.step = if method == PayMethod::Online {
            Step::Issuing
        } else {
            Step::Paying
        };
        effects.push(Effect::Endorse(Box::new(order)));
    }

    fn progress(&mut self, progress: Progress) {
        let Some(v) = &mut self.visitor else { return };
        if !matches!(self.step, Step::Paying | Step::Issuing) {
            return;
        }
        match &progress {
            Progress::Opened(number) => v.number = Some(number.clone()),
            Progress::AwaitingPayment { qr } => v.qr = qr.clone(),
            Progress::Paid | Progress::Writing | Progress::Verifying => {
                v.qr = None;
                self.step = Step::Issuing;
            }
        }
        v.progress = Some(progress);
    }

    fn finished(&mut self, outcome: Outcome, effects: &mut Vec<Effect>) {
        if !matches!(self.step, Step::Paying | Step::Issuing) {
            return;
        }
        let Some(v) = &mut self.visitor else { return };
        v.outcome = Some(outcome);
        v.qr = None;
        match outcome {
            Outcome::Issued { printed } => {
                self.notice = (!printed).then_some(Notice::PrintFailed);
                self.step = Step::Done;
            }
            Outcome::PartlyIssued { printed } => {
                // Without the receipt that says which was written, staff tell the applicant.
                self.notice = Some(if printed {
                    Notice::PartlyWritten
                } else {
                    Notice::NeedsStaff
                });
                self.step = Step::Done;
            }
            Outcome::NotIssued { .. } => {
                self.notice = Some(match v.service {
                    Service::PrintApproved => Notice::ApprovalKept,
                    _ => Notice::RefundRequested,
                });
                self.step = Step::Done;
            }
            Outcome::NeedsStaff { .. } => {
                self.notice = Some(Notice::NeedsStaff);
                self.step = Step::Done;
            }
            Outcome::Declined => {
                self.notice = Some(Notice::PaymentDeclined);
                self.step = Step::Review;
            }
            Outcome::Cancelled => {
                self.notice = Some(Notice::PaymentCancelled);
                self.step = Step::Review;
            }
            Outcome::Unavailable => self.end(Some(Notice::NotAvailable), effects),
        }
    }

    fn end(&mut self, notice: Option<Notice>, effects: &mut Vec<Effect>) {
        if matches!(self.step, Step::IdCard | Step::Permit | Step::Keys) {
            effects.push(Effect::StopPermit);
        }
        self.step = Step::Services;
        self.visitor = None;
        self.notice = notice;
        self.confirming_cancel = false;
        effects.push(Effect::Wipe);
    }
}

/// The question for the central once the permit is read and its holder confirmed: offers, or
/// the approvals paid online.
fn ask_central(service: Service, id_number: String, permit_number: String) -> Effect {
    Effect::AskOffers {
        id_number,
        permit_number,
        approved: service == Service::PrintApproved,
    }
}

#[cfg(test)]
mod tests;
