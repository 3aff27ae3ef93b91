//! The hall self-fill session as a pure state machine: `(state, event, now) -> effects`.
//!
//! attract → card read → (holder check) → (guardian, under 16) → documents → details → photo →
//! review → printing (saved) → (fee payment, where the kiosk takes it) → printing → done →
//! attract.
//! Every step validates through the domain before it lets the applicant on. Time is an input
//! (`now` in milliseconds of a monotonic clock), so idle timeouts are tested without waiting.
//! The application core (`app::Controller`) executes the effects: it owns the devices, the store
//! and the clock.

mod draft;
mod idle;
pub mod station;

pub use crate::domain::photo::Photo;
pub use draft::{BookingLookup, DeliveryChoice, Draft, Edit, Records, SpellingNote};
use idle::IdleClock;
pub use idle::{Limit, Timeouts};

use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime};

use crate::domain::app_number::AppNumber;
use crate::domain::application::{Delivery, Problem};
use crate::domain::appointment::{Appointment, Booking};
use crate::domain::catalogue::Catalogue;
use crate::domain::divisions::Divisions;
use crate::domain::fee_payment::{CardEnd, FeePayment};
use crate::domain::guardian::{self, GuardianRefusal};
use crate::domain::holder::{HolderPolicy, HolderPrompt, HolderVerdict, Portrait};
use crate::domain::identity::Identity;
use crate::domain::rating::Rating;
use crate::domain::records::{DocumentOnRecord, WhoseRecords};
use zeroize::Zeroizing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Attract,
    CardRead,
    /// The face at the camera against the ID card's photo, where `[hall.holder_check]` asks.
    Holder,
    /// An applicant under 16: the guardian's ID card and how they are related.
    Guardian,
    Documents,
    Details,
    /// EMS to an address the applicant chooses: place from the division table, street typed
    /// on the on-screen keyboard, recipient. Entered from the details page and back to it.
    Address,
    /// The emergency contact (optional): name and mobile typed on the on-screen keyboard.
    /// Entered from the details page and back to it.
    Contact,
    Photo,
    Review,
    Printing,
    /// The application is saved; its fee is being paid by card or phone (the form prints
    /// after).
    Payment,
    Done,
}

impl Step {
    /// The page's name where it leaves the kiosk (a staff call: `/v1/staff-calls`).
    pub fn name(self) -> &'static str {
        match self {
            Step::Attract => "attract",
            Step::CardRead => "cardread",
            Step::Holder => "holder",
            Step::Guardian => "guardian",
            Step::Documents => "documents",
            Step::Details => "details",
            Step::Address => "address",
            Step::Contact => "contact",
            Step::Photo => "photo",
            Step::Review => "review",
            Step::Printing => "printing",
            Step::Payment => "payment",
            Step::Done => "done",
        }
    }

    /// The time limit the step runs under.
    pub fn limit(self) -> Limit {
        match self {
            // The payment step is bounded by the fee thread's own wait.
            Step::Attract | Step::Printing | Step::Payment => Limit::Untimed,
            Step::Done => Limit::Done,
            _ => Limit::Form,
        }
    }
}

/// Why the session ended early or what went wrong, for a plain message on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    TimedOut,
    CardRemoved,
    Cancelled,
    CardUnreadable,
    /// The card belongs to someone this kiosk cannot serve (not a mainland resident).
    NotEligibleCardType,
    CardExpired,
    /// The name has a character without a pinyin reading: staff must enter it.
    NameNeedsStaff,
    SaveFailed,
    /// The store is full: nothing was saved and the kiosk takes no one until there is room.
    StorageFull,
    PrintFailed,
    CameraUnavailable,
    /// The photo failed its checks too often: it will be taken at the window.
    PhotoAtWindow,
    /// The holder check did not confirm the face this time: once more.
    HolderRetry,
    /// Advisory holder check not confirmed: the applicant goes on, the clerk compares.
    HolderForClerk,
    /// Required holder check not confirmed: the applicant is asked to go to the window.
    HolderAtWindow,
    /// A card that cannot be the guardian's, and why.
    GuardianRefused(GuardianRefusal),
    /// The fee was not paid at the kiosk: the form carries its QR, payable today.
    FeeToPay,
    /// The payment was declined: the fee is paid at the window.
    FeeDeclined,
    /// No payment could be issued: the fee is paid at the window.
    FeeAtWindow,
    /// The card terminal took the money and the central has not confirmed it: staff check it;
    /// the applicant must not pay again.
    FeeUnconfirmed,
}

/// Where the fee's payment step stands, for the payment page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeeStage {
    /// The central is asked for the payment.
    Preparing,
    /// The card terminal waits for the applicant's card.
    Card,
    /// The terminal took the card payment; the central's confirmation is awaited.
    CardTaken,
    /// The QR is on screen, to be paid by phone; `card` says why the card is no longer asked
    /// for, where it was.
    Phone { qr: String, card: Option<CardEnd> },
}

#[derive(Debug)]
pub enum Event {
    CardInserted(Identity),
    CardUnreadable,
    CardRemoved,
    Continue,
    /// "EMS to another address" on the details page: the address page opens.
    EnterAddress,
    /// "Emergency contact" on the details page: its page opens.
    EnterContact,
    Back,
    /// The applicant tapped Cancel: on a form step they are asked first, since it discards
    /// everything they entered.
    Cancel,
    /// The answer to "discard this application?": yes ends the session, no goes on.
    ConfirmCancel(bool),
    ExtendTime,
    Edit(Edit),
    PhotoCaptured(Photo),
    /// A capture failed a compliance check; `report` (JSON) is kept for staff.
    PhotoRejected {
        report: String,
    },
    /// The applicant wants another photo: the captured one is dropped.
    RetakePhoto,
    CameraFailed,
    /// The camera delivers frames again.
    CameraRecovered,
    Saved(AppNumber),
    SaveFailed,
    /// The save failed for want of room (nothing was saved).
    StorageFull,
    /// Whether the kiosk takes applicants, and if not why (checked between sessions).
    Availability(Option<OutOfService>),
    Printed,
    PrintFailed,
    /// The holder check asks the applicant to do this now.
    HolderPrompt(HolderPrompt),
    /// The holder check ended.
    HolderChecked(HolderVerdict),
    /// The central's answer about the applicant's documents on record (`None`: no usable
    /// answer).
    Records(Option<Vec<DocumentOnRecord>>),
    /// The central's answer about today's booking (`None`: no usable answer; `Some(None)`: no
    /// booking), and the local time of day it came at, which the arrival is judged by.
    Appointment {
        answer: Option<Option<Appointment>>,
        at: NaiveTime,
    },
    /// The applicant's one tap on the done page (once per visit).
    Rate(Rating),
    /// The fee's payment QR goes on screen; `card`: why the card is no longer asked for.
    FeeOffered {
        qr: String,
        card: Option<CardEnd>,
    },
    /// The card terminal waits for the applicant's card.
    FeeAtTerminal,
    /// The terminal took the card payment; the central's confirmation is awaited.
    FeeCardTaken,
    /// The applicant pays by phone instead of by card.
    PayByPhone,
    /// The applicant pays later, with the QR on the form.
    PayLater,
    /// The fee's payment step is over, with what the form says.
    FeeSettled(FeePayment),
    /// The clock moved on; checks the idle timeout.
    Tick,
}

/// Why the attract screen takes no applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutOfService {
    /// No room to save an application: the size cap or the disk.
    StorageFull,
    /// Outside the opening hours the central set ("08:30–17:30").
    Closed(String),
    /// Taken out of service by the central (a fleet command), until it says otherwise.
    Withdrawn,
}

/// What the shell must do.
#[derive(Debug)]
pub enum Effect {
    /// Forget every piece of personal data: memory, screen, camera frames.
    Wipe,
    StartCamera,
    StopCamera,
    /// Store the application (and its outbox row) in one transaction, then print the form.
    SaveAndPrint(Box<Draft>),
    /// Open the camera and check the face at it against the ID card's photo: 102×126 RGB pixels
    /// as the card's photo decoder gives them (empty when the photo could not be read).
    CheckHolder(Portrait),
    /// Ask the central for a payment of the saved application's fee and follow it, for at most
    /// `wait_seconds`.
    RequestFee {
        number: AppNumber,
        amount_fen: u64,
        wait_seconds: u32,
    },
    /// Keep the applicant's rating of the visit (anonymous: the answer and the day).
    RecordRating(Rating),
    /// Stop following the fee's payment (the applicant pays later).
    StopFee,
    /// Give up the card: the applicant pays by phone.
    FeeByPhone,
    /// Release the saved application with the fee's state and print its form.
    PrintWithFee(FeePayment),
    /// Ask the central for the documents on record and today's booking of the holder of this ID
    /// number.
    LookUpRecords(WhoseRecords),
}

pub struct Session {
    step: Step,
    draft: Option<Draft>,
    notice: Option<Notice>,
    problems: Vec<Problem>,
    number: Option<AppNumber>,
    catalogue: Arc<Catalogue>,
    /// The division table the address page chooses from.
    divisions: Arc<Divisions>,
    idle: IdleClock,
    today: NaiveDate,
    max_photo_attempts: u32,
    out_of_service: Option<OutOfService>,
    /// "Discard this application?" is on screen.
    confirming_cancel: bool,
    /// The holder check, where the hall runs one.
    holder: Option<HolderPolicy>,
    /// Whether the central is asked for the applicant's documents on record.
    ask_records: bool,
    /// How long the kiosk waits for the fee to be paid, where it takes payments.
    fee_wait_seconds: Option<u32>,
    /// The kiosk asks for the card at its terminal first.
    fee_by_card: bool,
    /// The payment step's progress.
    fee_stage: FeeStage,
    /// The applicant chose to pay later: the last status request is on its way.
    fee_stopping: bool,
    /// The applicant rated this visit on the done page.
    rated: Option<Rating>,
}

impl Session {
    pub fn new(catalogue: Arc<Catalogue>, timeouts: Timeouts, today: NaiveDate) -> Session {
        Session {
            step: Step::Attract,
            draft: None,
            notice: None,
            problems: Vec::new(),
            number: None,
            catalogue,
            divisions: Arc::new(Divisions::builtin()),
            idle: IdleClock::new(timeouts),
            today,
            max_photo_attempts: 5,
            out_of_service: None,
            confirming_cancel: false,
            holder: None,
            ask_records: false,
            fee_wait_seconds: None,
            fee_by_card: false,
            fee_stage: FeeStage::Preparing,
            fee_stopping: false,
            rated: None,
        }
    }

    /// The rating this visit was given on the done page, if any.
    pub fn rated(&self) -> Option<Rating> {
        self.rated
    }

    /// The same session taking the fee after saving: the central issues a payment for the
    /// application, collected at the card terminal (`by_card`) or by phone with its QR for at
    /// most `wait_seconds`, and the form prints with the fee's state.
    pub fn with_fee_payment(mut self, wait_seconds: u32, by_card: bool) -> Session {
        self.fee_wait_seconds = Some(wait_seconds);
        self.fee_by_card = by_card;
        self
    }

    /// Whether the kiosk takes the fee after saving.
    pub fn takes_fee(&self) -> bool {
        self.fee_wait_seconds.is_some()
    }

    /// Whether the kiosk takes the fee by card as well as by phone.
    pub fn fee_by_card(&self) -> bool {
        self.fee_by_card
    }

    /// Where the payment step stands (on the payment step).
    pub fn fee_stage(&self) -> &FeeStage {
        &self.fee_stage
    }

    /// Whether the applicant chose to pay later and the kiosk is finishing the payment step.
    pub fn fee_stopping(&self) -> bool {
        self.fee_stopping
    }

    /// The same session asking the central for the applicant's documents on record at card
    /// read, to suggest categories and the last passport's spelling.
    pub fn with_records(mut self) -> Session {
        self.ask_records = true;
        self
    }

    /// The same session checking the face at the camera against the ID card's photo after the
    /// card is read: `policy.required` sends an applicant not confirmed to the window;
    /// otherwise ("advisory") the verdict is printed on the form for the clerk.
    pub fn with_holder_check(mut self, policy: HolderPolicy) -> Session {
        self.holder = Some(policy);
        self
    }

    /// How many failed captures send the photo to the window (default 5).
    pub fn with_max_photo_attempts(mut self, attempts: u32) -> Session {
        self.max_photo_attempts = attempts.max(1);
        self
    }

    pub fn step(&self) -> Step {
        self.step
    }

    pub fn draft(&self) -> Option<&Draft> {
        self.draft.as_ref()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    pub fn number(&self) -> Option<&AppNumber> {
        self.number.as_ref()
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The catalogue this session's fees and labels come from (the form is printed with it).
    pub fn catalogue_handle(&self) -> Arc<Catalogue> {
        self.catalogue.clone()
    }

    /// The division table the address page offers.
    pub fn divisions(&self) -> &Divisions {
        &self.divisions
    }

    pub fn out_of_service(&self) -> Option<&OutOfService> {
        self.out_of_service.as_ref()
    }

    /// New settings from the central: taken only on the attract screen, so that no applicant
    /// sees fees or time limits change under them. Returns whether they were taken.
    pub fn reconfigure(
        &mut self,
        catalogue: Arc<Catalogue>,
        divisions: Arc<Divisions>,
        timeouts: Timeouts,
    ) -> bool {
        if self.step != Step::Attract {
            return false;
        }
        self.catalogue = catalogue;
        self.divisions = divisions;
        self.idle.timeouts = timeouts;
        true
    }

    /// The day the session judges dated rules and card expiry by.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = today;
    }

    /// Failed captures left before the photo goes to the window.
    pub fn photo_attempts_left(&self) -> u32 {
        self.draft.as_ref().map_or(self.max_photo_attempts, |d| {
            self.max_photo_attempts.saturating_sub(d.photo_attempts)
        })
    }

    /// How long the current screen may stay untouched. A done page whose form was not printed
    /// keeps the application number until the applicant or staff closes it: the number is all
    /// the applicant has to show at the window.
    fn limit(&self) -> Limit {
        if self.step == Step::Done && self.notice == Some(Notice::PrintFailed) {
            Limit::Untimed
        } else {
            self.step.limit()
        }
    }

    /// Whether the form of the finished application was printed (false only on a done page
    /// after a print failure).
    pub fn printed(&self) -> bool {
        !(self.step == Step::Done && self.notice == Some(Notice::PrintFailed))
    }

    /// Whether the applicant is being asked to confirm that Cancel discards the application.
    pub fn confirming_cancel(&self) -> bool {
        self.confirming_cancel
    }

    /// Seconds left before the idle timeout, when the warning should be on screen.
    pub fn warning_seconds(&self, now: u64) -> Option<u64> {
        self.idle.warning_seconds(self.limit(), now)
    }

    pub fn handle(&mut self, event: Event, now: u64) -> Vec<Effect> {
        // The central's answers about the applicant are not the applicant doing anything.
        self.idle.touch(
            matches!(
                event,
                Event::Tick | Event::Records(_) | Event::Appointment { .. }
            ),
            now,
        );
        let mut effects = Vec::new();
        // The question goes with the applicant's next tap; the workers' reports leave it.
        let asked = self.confirming_cancel;
        if matches!(
            event,
            Event::Continue
                | Event::Back
                | Event::Cancel
                | Event::ConfirmCancel(_)
                | Event::Edit(_)
                | Event::RetakePhoto
        ) {
            self.confirming_cancel = false;
        }
        match event {
            Event::Tick => {
                if self.idle.expired(self.limit(), now) {
                    let notice = (self.step != Step::Done).then_some(Notice::TimedOut);
                    self.end(notice, &mut effects);
                }
            }
            Event::ExtendTime => {}
            Event::CardInserted(identity) => self.card_inserted(identity, &mut effects),
            Event::CardUnreadable => {
                if matches!(self.step, Step::Attract | Step::Guardian) {
                    self.notice = Some(Notice::CardUnreadable);
                }
            }
            Event::CardRemoved => match self.step {
                // Saved already: the form still prints.
                Step::Attract | Step::Printing | Step::Payment => {}
                // The child's card makes room for the guardian's; a guardian's card lifted
                // before going on is forgotten, and so is the relationship chosen for them.
                Step::Guardian => {
                    if let Some(draft) = &mut self.draft {
                        draft.guardian = None;
                        draft.relationship = None;
                    }
                }
                // Nothing personal is left on the done page (the draft went when the form was
                // printed): lifting the card, as the page asks, leaves the number — and the
                // rating buttons — until Finish or the page's own time limit.
                Step::Done => {}
                _ => self.end(Some(Notice::CardRemoved), &mut effects),
            },
            Event::Cancel => match self.step {
                Step::Attract | Step::Printing => {}
                // Saved already: leaving the payment is paying later.
                Step::Payment => self.pay_later(&mut effects),
                // Saved and printed already: nothing is lost.
                Step::Done => self.end(None, &mut effects),
                _ => self.confirming_cancel = true,
            },
            Event::ConfirmCancel(discard) => {
                // Only an answer to the question on screen: a late tap discards nothing.
                if discard && asked {
                    self.end(Some(Notice::Cancelled), &mut effects);
                }
            }
            Event::Continue if self.step == Step::Address => self.leave_address(),
            Event::Continue if self.step == Step::Contact => self.leave_contact(),
            Event::Continue => self.advance(&mut effects),
            Event::EnterAddress | Event::EnterContact => {
                if self.step == Step::Details && self.draft.is_some() {
                    self.problems.clear();
                    self.step = match event {
                        Event::EnterAddress => Step::Address,
                        _ => Step::Contact,
                    };
                }
            }
            Event::Back => self.back(&mut effects),
            Event::Edit(edit) => {
                let allowed = match edit {
                    Edit::SetRelationship(_) => self.step == Step::Guardian,
                    Edit::PickPlace(_) => self.step == Step::Address,
                    Edit::SetText(field, _) => match self.step {
                        Step::Address => !field.on_contact_page(),
                        Step::Contact => field.on_contact_page(),
                        _ => false,
                    },
                    _ => matches!(self.step, Step::Documents | Step::Details),
                };
                if let (true, Some(draft)) = (allowed, &mut self.draft) {
                    draft.apply(edit, &self.catalogue);
                    self.problems.clear();
                }
            }
            Event::PhotoCaptured(photo) => {
                if let (Step::Photo, Some(draft)) = (self.step, &mut self.draft) {
                    draft.photo = Some(photo);
                    self.notice = None;
                }
            }
            Event::PhotoRejected { report } => {
                if let (Step::Photo, Some(draft)) = (self.step, &mut self.draft) {
                    draft.photo_attempts += 1;
                    draft.photo_report = Some(report);
                    if draft.photo_attempts >= self.max_photo_attempts {
                        draft.photo_at_window = true;
                        self.notice = Some(Notice::PhotoAtWindow);
                    }
                }
            }
            Event::RetakePhoto => {
                if let (Step::Photo, Some(draft)) = (self.step, &mut self.draft) {
                    draft.photo = None;
                }
            }
            Event::CameraFailed => {
                if self.step == Step::Photo {
                    self.notice = Some(Notice::CameraUnavailable);
                }
            }
            Event::CameraRecovered => {
                if self.notice == Some(Notice::CameraUnavailable) {
                    self.notice = None;
                }
            }
            Event::Saved(number) => {
                if self.step == Step::Printing {
                    if let (Some(draft), Some(wait_seconds)) = (&self.draft, self.fee_wait_seconds)
                        && self.pays_fee(draft)
                    {
                        effects.push(Effect::RequestFee {
                            number: number.clone(),
                            amount_fen: u64::from(draft.choices.fee(&self.catalogue)) * 100,
                            wait_seconds,
                        });
                        self.step = Step::Payment;
                        self.fee_stage = FeeStage::Preparing;
                        self.fee_stopping = false;
                    }
                    self.number = Some(number);
                }
            }
            Event::Rate(rating) => {
                if self.step == Step::Done && self.rated.is_none() {
                    self.rated = Some(rating);
                    effects.push(Effect::RecordRating(rating));
                }
            }
            Event::FeeOffered { qr, card } => {
                if self.step == Step::Payment {
                    self.fee_stage = FeeStage::Phone { qr, card };
                }
            }
            Event::FeeAtTerminal => {
                if self.step == Step::Payment {
                    self.fee_stage = FeeStage::Card;
                }
            }
            Event::FeeCardTaken => {
                if self.step == Step::Payment {
                    self.fee_stage = FeeStage::CardTaken;
                }
            }
            Event::PayByPhone => {
                if self.step == Step::Payment && self.fee_stage == FeeStage::Card {
                    // The card is being cancelled: the page says the payment is prepared
                    // until the QR (or what the terminal answered) comes.
                    self.fee_stage = FeeStage::Preparing;
                    effects.push(Effect::FeeByPhone);
                }
            }
            Event::PayLater => {
                if self.step == Step::Payment {
                    self.pay_later(&mut effects);
                }
            }
            Event::FeeSettled(payment) => {
                if self.step == Step::Payment {
                    self.notice = match payment {
                        FeePayment::Paid { .. } => None,
                        FeePayment::Pending { .. } => Some(Notice::FeeToPay),
                        FeePayment::Declined { .. } => Some(Notice::FeeDeclined),
                        FeePayment::NotIssued | FeePayment::Interrupted { .. } => {
                            Some(Notice::FeeAtWindow)
                        }
                        FeePayment::Unconfirmed { .. } => Some(Notice::FeeUnconfirmed),
                    };
                    self.fee_stage = FeeStage::Preparing;
                    self.fee_stopping = false;
                    self.step = Step::Printing;
                    effects.push(Effect::PrintWithFee(payment));
                }
            }
            Event::SaveFailed => {
                if self.step == Step::Printing {
                    self.step = Step::Review;
                    self.notice = Some(Notice::SaveFailed);
                }
            }
            Event::StorageFull => {
                self.out_of_service = Some(OutOfService::StorageFull);
                if self.step == Step::Printing {
                    self.step = Step::Review;
                    self.notice = Some(Notice::StorageFull);
                }
            }
            Event::Availability(state) => self.out_of_service = state,
            Event::Printed | Event::PrintFailed if self.step == Step::Printing => {
                if matches!(event, Event::PrintFailed) {
                    self.notice = Some(Notice::PrintFailed);
                }
                self.step = Step::Done;
                // The form is stored and on paper (or with staff): nothing personal is needed
                // any more, so it leaves memory now rather than when the screen times out.
                self.draft = None;
                effects.push(Effect::Wipe);
            }
            Event::Printed | Event::PrintFailed => {}
            Event::HolderPrompt(prompt) => {
                if let (Step::Holder, Some(draft)) = (self.step, &mut self.draft) {
                    draft.holder_prompt = Some(prompt);
                }
            }
            Event::HolderChecked(verdict) => self.holder_checked(verdict, &mut effects),
            Event::Appointment { answer, at } => {
                if let (true, Some(draft)) = (self.open(), &mut self.draft)
                    && draft.booking == BookingLookup::Asking
                {
                    draft.booking = BookingLookup::Answered(match answer {
                        None => Booking::Unknown,
                        Some(None) => Booking::WalkIn,
                        Some(Some(appointment)) => {
                            let arrival = appointment.arrival(at);
                            Booking::Booked(appointment, arrival)
                        }
                    });
                }
            }
            Event::Records(answer) => {
                if let (true, Some(draft)) = (self.open(), &mut self.draft)
                    && draft.records == Records::Asking
                {
                    match answer {
                        Some(records) => draft.take_records(records, &self.catalogue, self.today),
                        None => draft.records = Records::Unavailable,
                    }
                }
            }
        }
        effects
    }

    /// Whether this application's fee is paid at the kiosk after saving.
    fn pays_fee(&self, draft: &Draft) -> bool {
        self.fee_wait_seconds.is_some() && draft.choices.fee(&self.catalogue) > 0
    }

    /// The applicant pays later: the fee thread stops following the payment and reports what
    /// the form says.
    /// Once the terminal took the card payment, only the central's confirmation (or the fee
    /// thread giving up on it) ends the step.
    fn pay_later(&mut self, effects: &mut Vec<Effect>) {
        if !self.fee_stopping && self.fee_stage != FeeStage::CardTaken {
            self.fee_stopping = true;
            effects.push(Effect::StopFee);
        }
    }

    /// Whether a form is being filled in (answers about the applicant still count).
    fn open(&self) -> bool {
        !matches!(
            self.step,
            Step::Attract | Step::Printing | Step::Payment | Step::Done
        )
    }

    /// A card on the reader at the guardian step: taken as the guardian's, or refused with the
    /// reason (the applicant's own card again, a minor, a card the kiosk does not take).
    fn guardian_card(&mut self, card: Identity) {
        let Some(draft) = &mut self.draft else { return };
        // A new card: whatever was chosen for another one does not carry over.
        draft.relationship = None;
        match guardian::check(&draft.identity, &card, self.today) {
            Ok(()) => {
                let mut card = card;
                // The form needs the name and the number: the rest of the card is not kept.
                card.portrait = None;
                zeroize::Zeroize::zeroize(&mut card.address);
                draft.guardian = Some(card);
                self.notice = None;
            }
            Err(refusal) => {
                draft.guardian = None;
                self.notice = Some(Notice::GuardianRefused(refusal));
            }
        }
    }

    /// The step after the card page (and the holder check): the guardian's for an applicant
    /// under 16 until the guardian is read and the relationship chosen, else the documents.
    fn after_card(&self, draft: &Draft) -> Step {
        if guardian::needs_guardian(&draft.identity, self.today)
            && draft.guardian_on_form().is_none()
        {
            Step::Guardian
        } else {
            Step::Documents
        }
    }

    /// Starts the holder check (one more attempt) on the card's photo.
    fn check_holder(draft: &mut Draft, effects: &mut Vec<Effect>) {
        draft.holder_attempts += 1;
        draft.holder_prompt = Some(HolderPrompt::LookAtCamera);
        let photo = draft.identity.portrait.clone().unwrap_or_default();
        effects.push(Effect::CheckHolder(Portrait(Zeroizing::new(photo))));
    }

    /// The holder check's verdict: confirmed goes on to the documents; otherwise another
    /// attempt while the policy allows one, then the window (required) or on with the verdict
    /// for the clerk (advisory).
    fn holder_checked(&mut self, verdict: HolderVerdict, effects: &mut Vec<Effect>) {
        let (Step::Holder, Some(draft), Some(policy)) = (self.step, &mut self.draft, self.holder)
        else {
            return;
        };
        if !verdict.confirmed() && policy.retry(&verdict, draft.holder_attempts) {
            self.notice = Some(Notice::HolderRetry);
            Self::check_holder(draft, effects);
            return;
        }
        if !verdict.confirmed() && policy.required {
            self.end(Some(Notice::HolderAtWindow), effects);
            return;
        }
        self.notice = (!verdict.confirmed()).then_some(Notice::HolderForClerk);
        draft.holder = Some(verdict);
        draft.holder_prompt = None;
        let next = self
            .draft
            .as_ref()
            .map_or(Step::Documents, |d| self.after_card(d));
        self.step = next;
    }

    fn card_inserted(&mut self, identity: Identity, effects: &mut Vec<Effect>) {
        if self.step == Step::Guardian {
            return self.guardian_card(identity);
        }
        // The next applicant's card on a printed done page: that page is finished with.
        if self.step == Step::Done && self.printed() {
            self.end(None, effects);
        }
        // Out of service: the card is not read into a session (the attract screen says why).
        if self.step != Step::Attract || self.out_of_service.is_some() {
            return;
        }
        self.notice = None;
        if !identity.card_type.is_mainland_citizen() {
            self.notice = Some(Notice::NotEligibleCardType);
            return;
        }
        if identity.expired(self.today) {
            self.notice = Some(Notice::CardExpired);
            return;
        }
        match Draft::new(identity) {
            Ok(mut draft) => {
                if self.ask_records {
                    draft.records = Records::Asking;
                    draft.booking = BookingLookup::Asking;
                    let id = Zeroizing::new(draft.identity.id_number.clone());
                    effects.push(Effect::LookUpRecords(WhoseRecords(id)));
                }
                self.draft = Some(draft);
                self.number = None;
                self.step = Step::CardRead;
            }
            Err(_) => {
                self.notice = Some(Notice::NameNeedsStaff);
                effects.push(Effect::Wipe);
            }
        }
    }

    /// "Continue" on the address page: with a complete address, EMS goes there and the details
    /// page is back; otherwise every problem is shown.
    fn leave_address(&mut self) {
        let Some(draft) = &mut self.draft else {
            return;
        };
        self.problems = (draft.address.problems(&self.divisions).into_iter())
            .map(Problem::Address)
            .collect();
        if let Some(ems) = draft.address.ems(&self.divisions) {
            draft.choices.delivery = Some(Delivery::Ems(ems));
            self.step = Step::Details;
        }
    }

    /// "Continue" on the emergency contact page: with a name and a mobile number, the contact
    /// goes on the form and the details page is back; otherwise every problem is shown.
    fn leave_contact(&mut self) {
        let Some(draft) = &mut self.draft else {
            return;
        };
        self.problems = draft
            .contact
            .problems()
            .into_iter()
            .map(Problem::Contact)
            .collect();
        if let Some(contact) = draft.contact.contact() {
            draft.choices.emergency_contact = Some(contact);
            self.step = Step::Details;
        }
    }

    fn advance(&mut self, effects: &mut Vec<Effect>) {
        let Some(draft) = &self.draft else {
            if self.step == Step::Done {
                self.end(None, effects);
            }
            return;
        };
        let cat = &self.catalogue;
        self.problems = match self.step {
            Step::Documents => {
                draft
                    .choices
                    .document_problems(cat, &draft.identity.address, self.today)
            }
            Step::Details => draft.choices.detail_problems(cat),
            _ => Vec::new(),
        };
        if !self.problems.is_empty() {
            return;
        }
        self.notice = None;
        self.step = match self.step {
            // Once per visit: going back to the card page does not ask again.
            Step::CardRead if self.holder.is_some() && draft.holder.is_none() => {
                if let Some(draft) = &mut self.draft {
                    Self::check_holder(draft, effects);
                }
                Step::Holder
            }
            Step::CardRead => self.after_card(draft),
            Step::Guardian if draft.guardian_on_form().is_some() => Step::Documents,
            Step::Documents => Step::Details,
            Step::Details => {
                effects.push(Effect::StartCamera);
                Step::Photo
            }
            Step::Photo if draft.photo.is_some() || draft.photo_at_window => {
                effects.push(Effect::StopCamera);
                Step::Review
            }
            Step::Review => {
                let mut draft = draft.clone();
                draft.pays_fee = self.pays_fee(&draft);
                effects.push(Effect::SaveAndPrint(Box::new(draft)));
                Step::Printing
            }
            other => other,
        };
    }

    fn back(&mut self, effects: &mut Vec<Effect>) {
        self.problems.clear();
        self.step = match self.step {
            Step::Documents => Step::CardRead,
            Step::Details => Step::Documents,
            Step::Address | Step::Contact => Step::Details,
            Step::Photo => {
                effects.push(Effect::StopCamera);
                Step::Details
            }
            Step::Review => {
                effects.push(Effect::StartCamera);
                Step::Photo
            }
            other => other,
        };
    }

    fn end(&mut self, notice: Option<Notice>, effects: &mut Vec<Effect>) {
        if matches!(self.step, Step::Photo | Step::Holder) {
            effects.push(Effect::StopCamera);
        }
        self.step = Step::Attract;
        self.draft = None;
        self.problems.clear();
        self.number = None;
        self.rated = None;
        self.notice = notice;
        self.confirming_cancel = false;
        effects.push(Effect::Wipe);
    }
}

#[cfg(test)]
mod tests;
