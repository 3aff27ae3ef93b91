//! The station kiosk's use cases, run on its worker thread: find and read the applicant's card
//! permit, ask the central what may be offered (or what was approved and paid online), and
//! carry an order of endorsements (one per destination) through their durable transactions —
//! pay once for all (unless paid online), then for each issue, write, read back, confirm; then
//! print — so that money and endorsements are never lost or doubled (`domain::endorsement`).
//!
//! Every move of the transaction is committed to the store before the outside action it allows:
//! `payment pending` before the money is asked for, `issuing` before the writer module starts.
//! The payment's reference everywhere (terminal, central) is the order's acceptance number,
//! so asking again after a lost answer never charges twice. Nothing the writer answers
//! is proof: the chip is read back, and only what it shows is confirmed to the central.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Local;
use serde::{Deserialize, Serialize};

use super::printing::{self, SharedPrinter};
use crate::devices::card::error::CardError;
use crate::devices::card::permit::PermitReader;
use crate::devices::payment::{PaymentError, PaymentStatus, PaymentTerminal};
use crate::devices::printer::receipt::{
    self, EndorsementLine, SlipKind, StationReceipt, TripsLine,
};
use crate::devices::printer::{PrinterProfile, escpos};
use crate::devices::writer::{EndorsementWriter, IssuanceJob, WriterError};
use crate::domain::catalogue::{Catalogue, Labelled};
use crate::domain::endorsement::{
    Event as Move, OfferLine, Offers, Origin, Recovery, State, one_order, recovery,
};
use crate::domain::holder::HolderVerdict;
use crate::domain::identity::{Identity, mask};
use crate::domain::permit::{AccessKey, WindowReason};
use crate::flow::station::{Event, Order, Outcome, PayMethod, PermitProgress, Progress, TripsSlip};
use crate::store::{NewLine, SharedStore, StoreError, lock};
use crate::sync::api::station::{
    self as wire, DocumentForm, EligibilityRequest, IssuanceConfirmation, IssuanceOutcome,
    IssuanceRequest, Payment, PaymentMethod, PaymentRequest, PaymentState,
};
use crate::sync::station::{StationClient, StationError};

/// Tries a call to the central up to three times while it gives no answer (a refusal is an
/// answer and is returned at once).
fn ask<T>(mut call: impl FnMut() -> Result<T, StationError>) -> Result<T, StationError> {
    let mut tries = 0;
    loop {
        match call() {
            Err(StationError::NoAnswer(e)) if tries < 2 => {
                tries += 1;
                tracing::warn!(error = %e, tries, "central: no answer, asking again");
                sleep(Duration::from_millis(500));
            }
            other => return other,
        }
    }
}

/// What a line's stored body holds: what the receipt, a recovery and the refund need (no name,
/// no ID number).
#[derive(Serialize, Deserialize)]
struct TxnBody {
    offer: OfferLine,
    permit_number: String,
    method: PayMethod,
    /// The holder check's verdict, where the station asks for one (docs/FACE.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    holder: Option<HolderVerdict>,
    /// The payment the order's lines share, so that a recovery asks for exactly the same one.
    /// Absent in bodies stored before orders had several lines: the line's own offer and fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    share: Option<Share>,
}

/// The payment an order's lines share: every line's offer, in order, and the sum of their fees
/// (fen) — the payment request's `offer_ids` and `amount_fen`.
#[derive(Clone, Serialize, Deserialize)]
struct Share {
    offer_ids: Vec<String>,
    amount_fen: u64,
}

impl Share {
    fn of(offers: &[OfferLine]) -> Share {
        Share {
            offer_ids: offers.iter().map(|o| o.offer_id.clone()).collect(),
            amount_fen: offers.iter().map(|o| o.fee_fen).sum(),
        }
    }
}

/// How one line of an order ended at the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineEnd {
    /// On the chip, read back; `confirmed`: the central was told (else start-up recovery
    /// tells it, and the line stays verified until then).
    Written { confirmed: bool },
    /// Not on the chip, and settled with the central: refund requested, or approval kept.
    NotWritten,
    /// Not finished here (no job, the writing's result unknown, the store or the central
    /// failing): in flight for staff and start-up recovery.
    Staff,
}

impl LineEnd {
    /// What the receipt says of the line.
    fn slip(self, origin: Origin) -> SlipKind {
        match self {
            LineEnd::Written { .. } => SlipKind::Issued,
            LineEnd::NotWritten => not_issued_slip(origin),
            LineEnd::Staff => SlipKind::AskStaff,
        }
    }
}

/// How an order ended, from its lines' ends: staff needed for any line wins; all written,
/// none written, or some of each.
fn order_outcome(ends: &[LineEnd], printed: bool) -> Outcome {
    let all = |f: fn(&LineEnd) -> bool| ends.iter().all(f);
    if ends.contains(&LineEnd::Staff) {
        Outcome::NeedsStaff { printed }
    } else if all(|e| matches!(e, LineEnd::Written { .. })) {
        Outcome::Issued { printed }
    } else if all(|e| *e == LineEnd::NotWritten) {
        Outcome::NotIssued { printed }
    } else {
        Outcome::PartlyIssued { printed }
    }
}

/// Reads of the chip before its state is left unknown.
const READ_BACK_TRIES: u32 = 3;

/// How a permit read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Read (or refused for a reason), and reported.
    Done,
    /// None of the keys opens the chip: not reported.
    NoKeyOpens,
    /// The visit ended.
    Stopped,
}

/// Rounds of cancelling a payment whose outcome stays unknown before staff take over.
const MAX_CANCEL_TRIES: u32 = 5;

/// How cancelling a payment ended.
enum GiveUp {
    /// It was paid after all (and the transaction is stored as paid).
    Paid(Payment),
    /// Declined, cancelled or expired: nothing was taken (stored as cancelled).
    NothingTaken,
    /// No conclusive answer: ask again.
    Unknown,
    /// Paid, and the store refused to record it: staff must finish it.
    Stuck,
}

/// What the terminal holds for a payment after it was asked to cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtTerminal {
    /// Cancelled, declined, or never started: nothing taken, nothing will be.
    Nothing,
    Paid,
    /// No answer, or still pending: it may yet take the money.
    Unsure,
}

/// What the start-up pass did with the transactions it found in flight.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Brought to a final state.
    pub settled: u32,
    /// Of those, paid and not written: the refund was requested.
    pub refunds: u32,
    /// Still in flight (no answer from the central, or the store refused): shown to the
    /// technician and tried again at the next start.
    pub left: u32,
}

/// Everything the station kiosk's use cases need.
pub struct EndorsementDesk {
    pub store: SharedStore,
    pub printer: SharedPrinter,
    pub profile: PrinterProfile,
    pub permit: Box<dyn PermitReader>,
    pub terminal: Box<dyn PaymentTerminal>,
    pub writer: Box<dyn EndorsementWriter>,
    /// None: no central configured, nothing can be offered.
    pub central: Option<StationClient>,
    pub catalogue: Arc<Catalogue>,
    pub device_id: String,
    pub site_code: String,
    pub site_name: String,
    /// How long the applicant has to pay.
    pub payment_timeout: Duration,
    /// How often the permit reader and the payment are asked.
    pub poll: Duration,
}

impl EndorsementDesk {
    /// Finds the applicant's card permits at the central, waits for one on the reader and reads
    /// it with their keys (birth date from the ID card), reporting progress. Returns when the
    /// permit is read, refused, or `stop` is set.
    pub fn find_permit(
        &mut self,
        identity: &Identity,
        stop: &AtomicBool,
        report: &mut dyn FnMut(Event),
    ) {
        let Some(central) = &self.central else {
            report(Event::CentralUnavailable);
            return;
        };
        let documents = match ask(|| central.documents(&identity.id_number)) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "central: documents on record not available");
                report(Event::CentralUnavailable);
                return;
            }
        };
        let permits = || {
            documents
                .documents
                .iter()
                .filter(|d| matches!(d.kind.as_str(), "hk_macau_permit" | "taiwan_permit"))
        };
        let keys: Vec<AccessKey> = permits()
            .filter(|d| d.form == DocumentForm::Card)
            .filter_map(|d| {
                Some(AccessKey {
                    document_number: d.number.clone(),
                    birth_date: identity.birth_date,
                    expiry: wire::day(&d.expires_on)?,
                })
            })
            .collect();
        if keys.is_empty() {
            // A new permit the records do not show yet, or only a booklet on record: the
            // applicant types the card's number and expiry.
            tracing::info!("permit: no card permit on record, asking for the printed data");
            report(Event::KeysNeeded);
            return;
        }
        if self.read_permit(&keys, stop, report) == Read::NoKeyOpens {
            tracing::info!(keys = keys.len(), "permit: no key on record opens the chip");
            report(Event::KeysNeeded);
        }
    }

    /// Waits for the permit and reads it with the key the applicant typed. A typed key that
    /// does not open it, with the ID card's birth date, is not this person's permit.
    pub fn read_typed(
        &mut self,
        key: &AccessKey,
        stop: &AtomicBool,
        report: &mut dyn FnMut(Event),
    ) {
        if self.read_permit(std::slice::from_ref(key), stop, report) == Read::NoKeyOpens {
            tracing::info!("permit: the typed key does not open the chip");
            report(Event::PermitRefused(WindowReason::NotTheHolder));
        }
    }

    /// Waits for a permit on the reader and reads it with the first of `keys` that opens it,
    /// reporting progress and the outcome (except when no key opens it: the caller decides).
    fn read_permit(
        &mut self,
        keys: &[AccessKey],
        stop: &AtomicBool,
        report: &mut dyn FnMut(Event),
    ) -> Read {
        let today = Local::now().date_naive();
        loop {
            report(Event::Permit(PermitProgress::Waiting));
            while !self.permit.present() {
                if stop.load(Ordering::Relaxed) {
                    return Read::Stopped;
                }
                sleep(self.poll);
            }
            report(Event::Permit(PermitProgress::Reading));
            let mut removed = false;
            for key in keys {
                match self.permit.read(key, today) {
                    Ok(facts) => {
                        tracing::info!(kind = ?facts.kind, verdict = ?facts.verdict, "permit: read");
                        report(Event::PermitRead(facts));
                        return Read::Done;
                    }
                    Err(CardError::AccessDenied(_)) => continue,
                    Err(CardError::Removed | CardError::NoCard) => {
                        removed = true;
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "permit: unreadable");
                        report(Event::PermitRefused(WindowReason::PermitUnreadable));
                        return Read::Done;
                    }
                }
            }
            // BAC keys are the document's own data: a chip none of them opens is another
            // document than the keys describe.
            if !removed {
                return Read::NoKeyOpens;
            }
            if stop.load(Ordering::Relaxed) {
                return Read::Stopped;
            }
        }
    }

    /// Who asks, for whom, about which permit: the question behind offers and approvals.
    fn eligibility_request(&self, id_number: &str, permit_number: &str) -> EligibilityRequest {
        EligibilityRequest {
            device_id: self.device_id.clone(),
            site_code: self.site_code.clone(),
            id_number: id_number.into(),
            permit_number: permit_number.into(),
        }
    }

    /// The central to ask for something to endorse: none without one, or while the writer
    /// module is hung (nothing would be written, so nothing is offered).
    fn endorsing_central(&self) -> Option<&StationClient> {
        if !self.writer.answering() {
            tracing::error!("writer: the module is not answering; endorsement not offered");
            return None;
        }
        self.central.as_ref()
    }

    /// What the central offers this applicant for this permit; none without a central or a
    /// writer module that answers.
    pub fn offers(&self, id_number: &str, permit_number: &str) -> Option<Offers> {
        let central = self.endorsing_central()?;
        let request = self.eligibility_request(id_number, permit_number);
        match ask(|| central.eligibility(&request)) {
            Ok(answer) => Some(answer.to_offers()),
            Err(e) => {
                tracing::warn!(error = %e, "central: eligibility not available");
                None
            }
        }
    }

    /// The endorsements approved and paid online that wait to be written on this permit, as
    /// lines carrying their payment (no refusals: the central's reasons belong to the online
    /// application).
    pub fn approved(&self, id_number: &str, permit_number: &str) -> Option<Offers> {
        let central = self.endorsing_central()?;
        let request = self.eligibility_request(id_number, permit_number);
        match ask(|| central.approved(&request)) {
            Ok(answer) => Some(Offers {
                offers: answer.to_lines(),
                refusals: Vec::new(),
            }),
            Err(e) => {
                tracing::warn!(error = %e, "central: approvals not available");
                None
            }
        }
    }

    /// The permit's valid endorsements, for *Remaining trips*.
    pub fn records(
        &self,
        permit_number: &str,
    ) -> Option<Vec<crate::domain::endorsement::TripsLeft>> {
        let central = self.central.as_ref()?;
        match ask(|| central.records(permit_number)) {
            Ok(answer) => Some(answer.to_trips()),
            Err(e) => {
                tracing::warn!(error = %e, "central: endorsement records not available");
                None
            }
        }
    }

    /// Has the writer module reprint the back of the permit in it; whether it did. Nothing is
    /// written to the chip, so nothing is paid or journalled: a failure is logged and the
    /// applicant is sent to a window.
    pub fn reprint_back(&mut self, permit_number: &str) -> bool {
        match self.writer.reprint_back(permit_number) {
            Ok(()) => {
                tracing::info!("writer: permit back reprinted");
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "writer: permit back not reprinted");
                false
            }
        }
    }

    /// Prints the remaining-trips slip (a failure is logged: the list stays on screen).
    pub fn print_trips(&self, slip: &TripsSlip) {
        let lines: Vec<TripsLine> = slip
            .records
            .iter()
            .map(|r| TripsLine {
                endorsement: self.label(&r.destination, &r.kind, &r.trips),
                trips_left: match r.trips_left {
                    Some(n) => format!("剩余 {n} 次 {n} trip(s) left"),
                    None => "多次有效 Multiple trips".into(),
                },
                valid_until: r.valid_until,
            })
            .collect();
        let now = Local::now().naive_local();
        let r = receipt::trips_slip(
            &self.site_name,
            &self.device_id,
            &mask(&slip.permit_number),
            &lines,
            now,
        );
        let job = format!("{}-trips-{}", self.device_id, now.format("%H%M%S"));
        let _ = printing::print(&self.printer, &job, &escpos::encode(&r, &self.profile));
    }

    /// "香港 Hong Kong · 个人旅游 Individual visit (G) · 三个月一次 3 months, once".
    fn label(&self, destination: &str, kind: &str, trips: &str) -> String {
        let cat = &self.catalogue;
        let both = |l: Option<&dyn Labelled>, code: &str| {
            l.map_or_else(|| code.to_string(), |l| format!("{} {}", l.zh(), l.en()))
        };
        format!(
            "{} · {} · {}",
            both(
                cat.destination(destination).map(|d| d as &dyn Labelled),
                destination
            ),
            both(
                cat.endorsement(destination, kind)
                    .map(|k| k as &dyn Labelled),
                kind
            ),
            both(cat.trip(trips).map(|t| t as &dyn Labelled), trips),
        )
    }

    /// Moves the stored transaction. A move the store refuses leaves the transaction where it
    /// was, for start-up recovery; the caller stops before the outside action it would allow.
    fn go(&self, txn: &str, event: Move) -> Result<(), StoreError> {
        self.go_all(&[txn], event)
    }

    /// Moves an order's lines together (chosen, paying, paid): all or none.
    fn go_all(&self, lines: &[&str], event: Move) -> Result<(), StoreError> {
        let at = Local::now().naive_local();
        match lock(&self.store).advance_endorsements(lines, event, at) {
            Ok(state) => {
                for txn in lines {
                    tracing::info!(txn, ?state, "endorsement: state stored");
                }
                Ok(())
            }
            Err(e) => {
                tracing::error!(txn = %lines.join(" "), ?event, error = %e, "endorsement: state not stored");
                Err(e)
            }
        }
    }

    /// Runs an order's transactions from the applicant's "pay" (or "write", for approvals paid
    /// online) to their end, reporting progress: one payment for every line, then each line
    /// written, read back and confirmed in turn, then one receipt saying how each ended.
    /// `cancel` is the applicant giving up paying: honoured only while the payment is not
    /// confirmed, and only as the terminal's or central's answer to a cancellation says.
    pub fn endorse(
        &mut self,
        order: &Order,
        cancel: &AtomicBool,
        report: &mut dyn FnMut(Event),
    ) -> Outcome {
        let Some(central) = self.central.take() else {
            return Outcome::Unavailable;
        };
        let outcome = self.transaction(&central, order, cancel, report);
        self.central = Some(central);
        outcome
    }

    fn transaction(
        &mut self,
        central: &StationClient,
        order: &Order,
        cancel: &AtomicBool,
        report: &mut dyn FnMut(Event),
    ) -> Outcome {
        if !self.writer.answering() {
            tracing::error!("writer: the module is not answering; nothing asked, nothing stored");
            return Outcome::Unavailable;
        }
        if order.method == PayMethod::Terminal && !self.terminal.answering() {
            tracing::error!("payment terminal: not answering; nothing asked, nothing stored");
            return Outcome::Unavailable;
        }
        // The session only makes orders of one origin, one line per destination, paid the way
        // their origin is; anything else is refused before anything is stored.
        let Some(origin) = order_origin(&order.offers) else {
            tracing::error!(order = ?order, "endorsement: not one order; nothing stored");
            return Outcome::Unavailable;
        };
        if (origin == Origin::Online) != kiosk_method(order.method).is_none() {
            tracing::error!(order = ?order, "endorsement: paid the wrong way for its origin");
            return Outcome::Unavailable;
        }
        // Approvals paid online: the central must hold each one's payment as paid before
        // anything is stored or written (nothing is asked of the applicant here).
        let mut paid_online = Vec::new();
        for payment_id in order.offers.iter().filter_map(|o| o.paid_online.as_ref()) {
            match ask(|| central.payment(payment_id)) {
                Ok(p) if p.state == PaymentState::Paid => paid_online.push(p),
                Ok(p) => {
                    tracing::error!(payment = %payment_id, state = ?p.state, "central: an online approval's payment is not paid");
                    return Outcome::Unavailable;
                }
                Err(e) => {
                    tracing::error!(error = %e, "central: an online approval's payment not known");
                    return Outcome::Unavailable;
                }
            }
        }
        let share = Share::of(&order.offers);
        let bodies: Vec<String> = order
            .offers
            .iter()
            .map(|offer| {
                serde_json::to_string(&TxnBody {
                    offer: offer.clone(),
                    permit_number: order.permit_number.clone(),
                    method: order.method,
                    holder: order.holder.clone(),
                    share: Some(share.clone()),
                })
                .expect("the transaction body serialises")
            })
            .collect();
        let lines: Vec<NewLine<'_>> = order
            .offers
            .iter()
            .zip(&bodies)
            .map(|(offer, body)| NewLine {
                amount_fen: offer.fee_fen,
                body,
            })
            .collect();
        let now = Local::now().naive_local();
        let opened = lock(&self.store).open_numbered_order(&self.device_id, origin, &lines, now);
        let (number, ids) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                tracing::error!(error = %e, "endorsement: transaction not stored, nothing asked");
                return Outcome::Unavailable;
            }
        };
        for txn in &ids {
            tracing::info!(txn, state = ?origin.first_state(), "endorsement: state stored");
        }
        let shown = number.clone();
        let number = number.as_str().to_string();
        report(Event::Progress(Progress::Opened(shown)));
        let payments = match kiosk_method(order.method) {
            None => paid_online,
            Some(method) => {
                let lines: Vec<&str> = ids.iter().map(String::as_str).collect();
                match self.pay(central, &number, &lines, &share, method, cancel, report) {
                    Ok(Some(payment)) => vec![payment; ids.len()],
                    Ok(None) => return Outcome::Cancelled,
                    Err(outcome) => return outcome,
                }
            }
        };
        report(Event::Progress(Progress::Paid));
        let mut ends = Vec::with_capacity(ids.len());
        for ((txn, offer), payment) in ids.iter().zip(&order.offers).zip(&payments) {
            // After a line whose outcome is not known here (the permit left the module, the
            // read-back failed, the store or the central failed), the writer is not started
            // again: the lines after it stay paid, never started, which recovery settles
            // without guessing (abandoned, refunded or kept) once the applicant has gone.
            if ends.contains(&LineEnd::Staff) {
                tracing::warn!(txn, "endorsement: not started after an unfinished line");
                ends.push(LineEnd::Staff);
                continue;
            }
            ends.push(self.issue(central, &number, txn, offer, order, payment, report));
        }
        let slips: Vec<(&OfferLine, SlipKind)> = order
            .offers
            .iter()
            .zip(&ends)
            .map(|(offer, end)| (offer, end.slip(origin)))
            .collect();
        let printed = self.print_receipt(&number, &number, order, &slips, &payments);
        // Final only once printed and the central knows: otherwise a written line stays
        // verified, and start-up recovery confirms it (printing a copy for the records).
        if printed {
            for (txn, end) in ids.iter().zip(&ends) {
                if *end == (LineEnd::Written { confirmed: true }) {
                    let _ = self.go(txn, Move::ReceiptPrinted);
                }
            }
        }
        order_outcome(&ends, printed)
    }

    /// The payment request of an order paid at the kiosk by `method`: the same every time it
    /// is asked, so the central answers a repeat with the payment it made the first time.
    fn payment_request(
        &self,
        number: &str,
        share: &Share,
        method: PaymentMethod,
    ) -> PaymentRequest {
        PaymentRequest {
            txn_id: number.into(),
            device_id: self.device_id.clone(),
            method,
            amount_fen: share.amount_fen,
            offer_ids: share.offer_ids.clone(),
        }
    }

    /// Asks for the money and waits for the answer. `Ok(Some)` paid; `Ok(None)` cancelled
    /// (nothing taken); `Err` the outcome to end with.
    ///
    /// The central is the authority on the money; the terminal's own answers only ever make
    /// the kiosk more careful: a terminal that says "paid" is never concluded as "nothing
    /// taken", whatever the central says, and leaves the transaction to staff instead.
    #[allow(clippy::too_many_arguments)]
    fn pay(
        &mut self,
        central: &StationClient,
        txn: &str,
        lines: &[&str],
        share: &Share,
        method: PaymentMethod,
        cancel: &AtomicBool,
        report: &mut dyn FnMut(Event),
    ) -> Result<Option<Payment>, Outcome> {
        let store_failed = |_| Outcome::Unavailable;
        self.go_all(lines, Move::Choose).map_err(store_failed)?;
        self.go_all(lines, Move::PaymentStarted)
            .map_err(store_failed)?;
        let request = self.payment_request(txn, share, method);
        let payment = match ask(|| central.create_payment(&request)) {
            Ok(p) => p,
            Err(e) => {
                // Whether the central made the payment is unknown: the transaction stays
                // `payment pending` for start-up recovery to ask, by the same reference.
                tracing::error!(txn, error = %e, "central: payment not created");
                return Err(Outcome::Unavailable);
            }
        };
        let at_terminal = method == PaymentMethod::Terminal;
        let mut terminal_paid = false;
        if at_terminal && let Err(e) = self.terminal.start(txn, share.amount_fen) {
            tracing::error!(txn, error = %e, "payment terminal: payment not started");
            // Not delivered: the terminal holds nothing to cancel. Otherwise it may have begun.
            let delivered = !matches!(e, PaymentError::NotConnected(_));
            return match self.give_up(central, txn, lines, &payment, delivered, &mut terminal_paid)
            {
                GiveUp::Paid(p) => Ok(Some(p)),
                GiveUp::NothingTaken => Err(Outcome::Unavailable),
                GiveUp::Unknown | GiveUp::Stuck => Err(Outcome::NeedsStaff { printed: false }),
            };
        }
        report(Event::Progress(Progress::AwaitingPayment {
            qr: payment.qr_content.clone(),
        }));
        let deadline = Instant::now() + self.payment_timeout;
        let mut cancel_tries = 0;
        loop {
            sleep(self.poll);
            if cancel.load(Ordering::Relaxed) || Instant::now() >= deadline {
                cancel_tries += 1;
                match self.give_up(
                    central,
                    txn,
                    lines,
                    &payment,
                    at_terminal,
                    &mut terminal_paid,
                ) {
                    GiveUp::Paid(p) => return Ok(Some(p)),
                    GiveUp::NothingTaken => return Ok(None),
                    GiveUp::Stuck => return Err(Outcome::NeedsStaff { printed: false }),
                    // Not settled by the cancellation: the state is asked below as usual, and
                    // after a few rounds staff take over (the transaction stays in flight).
                    GiveUp::Unknown if cancel_tries >= MAX_CANCEL_TRIES => {
                        tracing::error!(
                            txn,
                            "payment: outcome unknown after cancelling, left to staff"
                        );
                        return Err(Outcome::NeedsStaff { printed: false });
                    }
                    GiveUp::Unknown => {}
                }
            }
            if at_terminal {
                match self.terminal.status(txn) {
                    Ok(PaymentStatus::Declined { reason }) if !terminal_paid => {
                        tracing::info!(txn, %reason, "payment terminal: declined");
                        return match self.give_up(
                            central,
                            txn,
                            lines,
                            &payment,
                            false,
                            &mut terminal_paid,
                        ) {
                            GiveUp::Paid(p) => Ok(Some(p)),
                            GiveUp::Stuck => Err(Outcome::NeedsStaff { printed: false }),
                            // Nothing was taken at the terminal; the central's pending payment
                            // is cancelled by start-up recovery if it did not answer now.
                            GiveUp::NothingTaken | GiveUp::Unknown => Err(Outcome::Declined),
                        };
                    }
                    Ok(PaymentStatus::Paid { .. }) => terminal_paid = true,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(txn, error = %e, "payment terminal: no status"),
                }
            }
            match central.payment(&payment.payment_id) {
                Ok(p) if p.state == PaymentState::Paid => {
                    return match self.go_all(lines, Move::PaymentConfirmed) {
                        Ok(()) => Ok(Some(p)),
                        Err(_) => Err(Outcome::NeedsStaff { printed: false }),
                    };
                }
                Ok(p)
                    if matches!(
                        p.state,
                        PaymentState::Declined | PaymentState::Cancelled | PaymentState::Expired
                    ) =>
                {
                    if terminal_paid
                        || (at_terminal && self.cancel_at_terminal(txn) != AtTerminal::Nothing)
                    {
                        tracing::error!(txn, state = ?p.state, "payment: the terminal took it or may take it, the central did not: left to staff");
                        return Err(Outcome::NeedsStaff { printed: false });
                    }
                    tracing::info!(txn, state = ?p.state, "central: payment not made");
                    self.refused(lines);
                    return Err(if p.state == PaymentState::Declined {
                        Outcome::Declined
                    } else {
                        Outcome::Cancelled
                    });
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(txn, error = %e, "central: payment state not known"),
            }
        }
    }

    /// Cancels the payment at the terminal (when it was started there) and at the central, and
    /// settles the transaction as the answers say. A terminal that answers "paid" is not
    /// cancelled at the central: the kiosk waits for the central to see the money.
    fn give_up(
        &mut self,
        central: &StationClient,
        txn: &str,
        lines: &[&str],
        payment: &Payment,
        at_terminal: bool,
        terminal_paid: &mut bool,
    ) -> GiveUp {
        if at_terminal {
            match self.cancel_at_terminal(txn) {
                AtTerminal::Nothing => {}
                AtTerminal::Paid => *terminal_paid = true,
                // The terminal may still take the money: the central's payment is not cancelled.
                AtTerminal::Unsure => return GiveUp::Unknown,
            }
        }
        if *terminal_paid {
            return GiveUp::Unknown;
        }
        match ask(|| central.cancel_payment(&payment.payment_id)) {
            Ok(p) if p.state == PaymentState::Paid => {
                match self.go_all(lines, Move::PaymentConfirmed) {
                    Ok(()) => GiveUp::Paid(p),
                    Err(_) => GiveUp::Stuck,
                }
            }
            Ok(p) if p.state != PaymentState::Pending && p.state != PaymentState::Unknown => {
                self.refused(lines);
                GiveUp::NothingTaken
            }
            Ok(_) => GiveUp::Unknown,
            Err(e) => {
                tracing::warn!(txn, error = %e, "central: cancellation not answered");
                GiveUp::Unknown
            }
        }
    }

    /// Settles an unpaid order's lines: payment failed, then cancelled.
    fn refused(&self, lines: &[&str]) {
        if self.go_all(lines, Move::PaymentRefused).is_ok() {
            let _ = self.go_all(lines, Move::Cancel);
        }
    }

    /// One paid line from paid to written, verified and confirmed — or, not on the chip, to
    /// the refund request (the approval kept, for one paid online); the receipt comes after
    /// every line of the order. `number` is the order's acceptance number, `txn` the line's
    /// transaction.
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &mut self,
        central: &StationClient,
        number: &str,
        txn: &str,
        offer: &OfferLine,
        order: &Order,
        payment: &Payment,
        report: &mut dyn FnMut(Event),
    ) -> LineEnd {
        if !self.writer.answering() {
            // A module that hung on an earlier line: this one is not started. Recovery asks
            // for its job and reports it not issued.
            tracing::error!(txn, "writer: the module is not answering; line not written");
            let _ = self.go(txn, Move::IssuanceAbandoned);
            return LineEnd::Staff;
        }
        let job = match self.job(central, number, offer, order, payment) {
            Ok(job) => job,
            Err(e) if never_held(offer, &e) => {
                tracing::warn!(txn, error = %e, "central: the approval is not open for this transaction");
                let kept = self.go(txn, Move::IssuanceAbandoned).is_ok()
                    && self.go(txn, Move::ApprovalKept).is_ok();
                return if kept {
                    LineEnd::NotWritten
                } else {
                    LineEnd::Staff
                };
            }
            Err(e) => {
                // Paid and nothing written; without a job the refund cannot be asked for now:
                // the line waits as paid-not-issued for start-up recovery and staff.
                tracing::error!(txn, error = %e, "central: no issuance job for a paid endorsement");
                let _ = self.go(txn, Move::IssuanceAbandoned);
                return LineEnd::Staff;
            }
        };
        if self.go(txn, Move::IssueStarted).is_err() {
            // Not stored as issuing: the writer must not start (start-up recovery settles it).
            return LineEnd::Staff;
        }
        report(Event::Progress(Progress::Writing));
        match self.writer.write(&job) {
            Ok(()) => {
                let _ = self.go(txn, Move::WriterDone);
            }
            Err(e) => {
                tracing::warn!(txn, error = %e, "writer: write reported a failure; reading back")
            }
        }
        report(Event::Progress(Progress::Verifying));
        let Ok(shows) = self.read_back(txn, &job) else {
            // Whether it was written is unknown (the permit left the module): nothing is
            // concluded; staff and start-up recovery read it back when the permit is there.
            return LineEnd::Staff;
        };
        let _ = self.go(txn, Move::ChipShows(shows));
        let confirmed = self.confirm(central, &job, shows);
        if let Err(e) = &confirmed {
            tracing::error!(txn, error = %e, "central: re-read not confirmed");
        }
        if shows {
            return LineEnd::Written {
                confirmed: confirmed.is_ok(),
            };
        }
        if confirmed.is_err() || self.go(txn, offer.origin().not_issued()).is_err() {
            // Not written, and the central not told yet: recovery tells it.
            return LineEnd::Staff;
        }
        LineEnd::NotWritten
    }

    /// Whether the chip carries the job's endorsement (asked a few times: a module can be slow
    /// to see the permit again).
    ///
    /// Errors: the last try's, when the chip could not be read back.
    fn read_back(&mut self, txn: &str, job: &IssuanceJob) -> Result<bool, WriterError> {
        let mut attempt = 1;
        loop {
            match self.writer.read_back(&job.document_number) {
                Ok(on_chip) => return Ok(on_chip.iter().any(|e| job.is_on(e))),
                Err(e) => {
                    tracing::warn!(txn, attempt, error = %e, "writer: chip not read back");
                    if attempt == READ_BACK_TRIES {
                        return Err(e);
                    }
                }
            }
            attempt += 1;
            sleep(self.poll);
        }
    }

    /// The central's issuance job for one paid offer of the order `number` (the same job for a
    /// repeated request).
    ///
    /// Errors: what went wrong, for the log.
    fn job(
        &self,
        central: &StationClient,
        number: &str,
        offer: &OfferLine,
        order: &Order,
        payment: &Payment,
    ) -> Result<IssuanceJob, StationError> {
        let request = IssuanceRequest {
            txn_id: number.into(),
            offer_id: offer.offer_id.clone(),
            payment_id: payment.payment_id.clone(),
            permit_number: order.permit_number.clone(),
            holder_check: order.holder.as_ref().map(Into::into),
        };
        ask(|| central.issue(&request)).and_then(|j| job(&j).map_err(StationError::NoAnswer))
    }

    /// Tells the central what the re-read chip showed.
    ///
    /// Errors: no usable answer.
    fn confirm(
        &self,
        central: &StationClient,
        job: &IssuanceJob,
        shows: bool,
    ) -> Result<(), StationError> {
        let confirmation = IssuanceConfirmation {
            job_id: job.job_id.clone(),
            outcome: if shows {
                IssuanceOutcome::Verified
            } else {
                IssuanceOutcome::NotWritten
            },
            read_at: Local::now()
                .naive_local()
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
        };
        ask(|| central.confirm(&confirmation)).map(|_| ())
    }

    /// Whether any transaction is in flight (a store that cannot say counts as yes: recovery
    /// then logs why).
    pub fn has_in_flight(&self) -> bool {
        lock(&self.store)
            .endorsements_in_flight()
            .map_or(true, |list| !list.is_empty())
    }

    /// Settles, at start-up and when idle, every transaction a power cut, a crash or an absent
    /// permit left in flight, as
    /// `domain::endorsement::recovery` says: unpaid ones are cancelled (a pending payment is
    /// cancelled at the terminal and the central first, and one the central says was paid goes
    /// on); a paid one whose writer never started is abandoned (the applicant has left with the
    /// permit) and refunded; one the writer may have written is decided by reading the chip
    /// back, if the permit is still in the module; a verified one gets its receipt printed (a
    /// slip for staff to hand over: the applicant left). What cannot be settled now — no
    /// answer from the central, no permit to read back — stays in flight for the technician
    /// (`kiosk endorsements`) and the next round.
    pub fn recover(&mut self) -> Recovered {
        let mut done = Recovered::default();
        let in_flight = match lock(&self.store).endorsements_in_flight() {
            Ok(list) => list,
            Err(e) => {
                tracing::error!(error = %e, "endorsement: transactions in flight not listed");
                return done;
            }
        };
        let Some(central) = self.central.take() else {
            done.left = in_flight.len() as u32;
            return done;
        };
        for txn in in_flight {
            match serde_json::from_str::<TxnBody>(&txn.body) {
                Ok(body) => {
                    let share = body
                        .share
                        .unwrap_or_else(|| Share::of(std::slice::from_ref(&body.offer)));
                    let order = Order {
                        offers: vec![body.offer],
                        method: body.method,
                        id_number: String::new(),
                        name: String::new(),
                        permit_number: body.permit_number,
                        holder: body.holder,
                    };
                    let line = Settling {
                        txn: &txn.id,
                        number: &txn.order_id,
                        share: &share,
                        order: &order,
                    };
                    match self.settle(&central, &line) {
                        Some(State::RefundRequested) => {
                            done.settled += 1;
                            done.refunds += 1;
                        }
                        Some(_) => done.settled += 1,
                        None => done.left += 1,
                    }
                }
                Err(e) => {
                    tracing::error!(txn = %txn.id, error = %e, "endorsement: stored body unreadable");
                    done.left += 1;
                }
            }
        }
        self.central = Some(central);
        tracing::info!(?done, "endorsement: recovery");
        done
    }

    /// Moves one line's transaction to a final state; none when it cannot now. Each line of an
    /// order is settled on its own: the payment they share is asked for again by the same
    /// request, so the central's answer is the same for every line.
    fn settle(&mut self, central: &StationClient, line: &Settling<'_>) -> Option<State> {
        let Settling {
            txn,
            number,
            share,
            order,
        } = *line;
        let offer = order.offers.first()?;
        // A payment and a job, asked for again by the same keys: the central's own.
        let mut payment: Option<Payment> = None;
        let mut job_made: Option<IssuanceJob> = None;
        loop {
            let state = lock(&self.store).endorsement(txn).ok()??.state;
            tracing::info!(txn, ?state, "endorsement: recovering");
            let step = match recovery(state) {
                Recovery::Nothing => return Some(state),
                Recovery::Cancel => self.go(txn, Move::Cancel).is_ok(),
                Recovery::AskPayment => {
                    // Only a kiosk payment is ever pending (an online approval starts paid).
                    let request = self.payment_request(number, share, kiosk_method(order.method)?);
                    let p = ask(|| central.create_payment(&request)).ok()?;
                    // A terminal that took the money before the stop — or cannot say it did
                    // not — must not have its payment cancelled at the central: the central is
                    // only asked, and only its "paid" moves the transaction on.
                    let terminal_clear = order.method != PayMethod::Terminal
                        || self.cancel_at_terminal(number) == AtTerminal::Nothing;
                    let answer = if terminal_clear {
                        ask(|| central.cancel_payment(&p.payment_id)).ok()?
                    } else {
                        ask(|| central.payment(&p.payment_id)).ok()?
                    };
                    payment = Some(answer.clone());
                    match answer.state {
                        PaymentState::Paid => self.go(txn, Move::PaymentConfirmed).is_ok(),
                        PaymentState::Pending | PaymentState::Unknown => false,
                        _ if !terminal_clear => {
                            tracing::error!(txn, state = ?answer.state, "payment: the terminal may have taken it, the central did not: left to staff");
                            false
                        }
                        _ => self.go(txn, Move::PaymentRefused).is_ok(),
                    }
                }
                // The writer never started and the applicant has left with the permit.
                Recovery::Issue => self.go(txn, Move::IssuanceAbandoned).is_ok(),
                Recovery::ReadChip => {
                    // A hung module cannot read anything back: that says nothing of the chip.
                    if !self.writer.answering() {
                        return None;
                    }
                    let p = self.paid(central, line, &mut payment)?;
                    let job = self.job(central, number, offer, order, &p).ok()?;
                    // The applicant has left: a permit no longer in the module cannot carry
                    // what was not read back; one still there decides. Not for an approval paid
                    // online: "not written" reopens it at the central, so it must not be
                    // guessed — staff read the permit (`kiosk endorsements settle`). A module
                    // that fails or does not answer says nothing of the chip either way.
                    let shows = match self.read_back(txn, &job) {
                        Ok(shows) => shows,
                        Err(WriterError::PermitRemoved) if offer.origin() == Origin::Kiosk => false,
                        Err(e) => {
                            tracing::warn!(txn, error = %e, "endorsement: chip not read back, left in flight");
                            return None;
                        }
                    };
                    job_made = Some(job);
                    self.go(txn, Move::ChipShows(shows)).is_ok()
                }
                Recovery::PrintReceipt => {
                    let p = self.paid(central, line, &mut payment)?;
                    let job = match job_made.take() {
                        Some(j) => j,
                        None => self.job(central, number, offer, order, &p).ok()?,
                    };
                    self.confirm(central, &job, true).ok()?;
                    self.print_line(line, &p, SlipKind::Issued)
                        && self.go(txn, Move::ReceiptPrinted).is_ok()
                }
                Recovery::ReportNotIssued => {
                    let p = self.paid(central, line, &mut payment)?;
                    let origin = offer.origin();
                    let job = match job_made.take() {
                        Some(j) => j,
                        None => match self.job(central, number, offer, order, &p) {
                            Ok(j) => j,
                            // No job was ever this transaction's: nothing to tell the central.
                            Err(e) if never_held(offer, &e) => {
                                let _ = self.print_line(line, &p, SlipKind::ApprovalKept);
                                if self.go(txn, Move::ApprovalKept).is_err() {
                                    return None;
                                }
                                continue;
                            }
                            Err(_) => return None,
                        },
                    };
                    self.confirm(central, &job, false).ok()?;
                    let _ = self.print_line(line, &p, not_issued_slip(origin));
                    self.go(txn, origin.not_issued()).is_ok()
                }
            };
            if !step {
                return None;
            }
        }
    }

    /// Cancels the payment at the terminal and says what the terminal holds: nothing only when
    /// it answers cancelled or declined, or knows no payment under this reference (the port
    /// requires an adapter's books to outlive a restart).
    fn cancel_at_terminal(&mut self, txn: &str) -> AtTerminal {
        match self.terminal.cancel(txn) {
            Ok(PaymentStatus::Cancelled | PaymentStatus::Declined { .. })
            | Err(PaymentError::Unknown(_)) => AtTerminal::Nothing,
            Ok(PaymentStatus::Paid { .. }) => {
                tracing::warn!(txn, "payment terminal: paid, not cancelled");
                AtTerminal::Paid
            }
            Ok(PaymentStatus::Pending) => {
                tracing::warn!(
                    txn,
                    "payment terminal: still pending after the cancellation"
                );
                AtTerminal::Unsure
            }
            Err(e) => {
                tracing::warn!(txn, error = %e, "payment terminal: cancel not answered");
                AtTerminal::Unsure
            }
        }
    }

    /// A line's payment as the central has it: asked again by the order's same request, or
    /// by its id for an approval paid online.
    fn paid(
        &self,
        central: &StationClient,
        line: &Settling<'_>,
        known: &mut Option<Payment>,
    ) -> Option<Payment> {
        if known.is_none() {
            let offer = line.order.offers.first()?;
            *known = match (&offer.paid_online, kiosk_method(line.order.method)) {
                (Some(payment_id), _) => ask(|| central.payment(payment_id)).ok(),
                (None, Some(method)) => {
                    let request = self.payment_request(line.number, line.share, method);
                    ask(|| central.create_payment(&request)).ok()
                }
                (None, None) => None,
            };
        }
        known.clone()
    }

    /// The slip for one line a recovery settled (the applicant has left: staff hand it over),
    /// printed as job `<transaction>-recovered`, so it never replaces the order's receipt.
    fn print_line(&self, line: &Settling<'_>, payment: &Payment, kind: SlipKind) -> bool {
        let lines: Vec<(&OfferLine, SlipKind)> =
            line.order.offers.iter().map(|o| (o, kind)).collect();
        self.print_receipt(
            &format!("{}-recovered", line.txn),
            line.number,
            line.order,
            &lines,
            std::slice::from_ref(payment),
        )
    }

    /// The order's receipt (print job `job`, acceptance number `number`): each line with how
    /// it ended, the total, the payment's masked reference(s).
    fn print_receipt(
        &self,
        job: &str,
        number: &str,
        order: &Order,
        lines: &[(&OfferLine, SlipKind)],
        payments: &[Payment],
    ) -> bool {
        let cat = &self.catalogue;
        let both = |zh: &str, en: &str| format!("{zh} {en}");
        let lines = lines
            .iter()
            .map(|&(o, outcome)| EndorsementLine {
                destination: cat
                    .destination(&o.destination)
                    .map_or_else(|| o.destination.clone(), |d| both(&d.zh, &d.en)),
                kind: cat
                    .endorsement(&o.destination, &o.kind)
                    .map_or_else(|| o.kind.clone(), |k| both(&k.zh, &k.en)),
                trips: cat
                    .trip(&o.trips)
                    .map_or_else(|| o.trips.clone(), |t| both(&t.zh, &t.en)),
                valid_from: o.valid_from,
                valid_until: o.valid_until,
                stay_days: o.stay_days,
                fee_fen: o.fee_fen,
                cancelled_previous: o.cancels_current,
                outcome,
            })
            .collect();
        let mut references: Vec<String> = Vec::new();
        for p in payments {
            let masked = mask(p.transaction_ref.as_deref().unwrap_or_default());
            if !references.contains(&masked) {
                references.push(masked);
            }
        }
        let slip = StationReceipt {
            site: self.site_name.clone(),
            device_id: self.device_id.clone(),
            time: Local::now().naive_local(),
            number: number.into(),
            name: order.name.clone(),
            masked_id: mask(&order.id_number),
            masked_permit: mask(&order.permit_number),
            lines,
            method: match order.method {
                PayMethod::Terminal => "银行卡 Bank card".into(),
                PayMethod::Qr => "扫码支付 QR payment".into(),
                PayMethod::Online => "网上已支付 Paid online".into(),
            },
            masked_reference: references.join(", "),
        };
        let bytes = escpos::encode(&receipt::station_receipt(&slip), &self.profile);
        printing::print(&self.printer, job, &bytes).is_ok()
    }
}

/// One stored line a recovery settles: its transaction, its order's acceptance number and
/// shared payment, and what it endorses (`order.offers` holds this line's offer alone; no name
/// or ID number: the applicant has left).
#[derive(Clone, Copy)]
struct Settling<'a> {
    txn: &'a str,
    number: &'a str,
    share: &'a Share,
    order: &'a Order,
}

/// The origin every line of an order shares, if the lines are one order: at least one, all of
/// one origin, and at most one per destination (`domain::endorsement::one_order`).
fn order_origin(offers: &[OfferLine]) -> Option<Origin> {
    if one_order(offers) {
        offers.first().map(OfferLine::origin)
    } else {
        None
    }
}

/// How the kiosk asks for the money: none for an approval paid online.
fn kiosk_method(method: PayMethod) -> Option<PaymentMethod> {
    match method {
        PayMethod::Terminal => Some(PaymentMethod::Terminal),
        PayMethod::Qr => Some(PaymentMethod::Qr),
        PayMethod::Online => None,
    }
}

/// Whether the central's refusal of an issuance job means that an approval paid online was never
/// this transaction's — 409 (not open, or held by another transaction), 402 (its payment is no
/// longer paid), 404 or 410 (no such approval): nothing was reserved, so it ends as kept
/// without a confirmation, and the central's own list says what is still open.
fn never_held(offer: &OfferLine, error: &StationError) -> bool {
    offer.origin() == Origin::Online
        && matches!(
            error,
            StationError::Conflict(_)
                | StationError::NotPaid(_)
                | StationError::Refused {
                    status: 404 | 410,
                    ..
                }
        )
}

/// The slip for a paid endorsement that is not on the chip.
fn not_issued_slip(origin: Origin) -> SlipKind {
    match origin {
        Origin::Kiosk => SlipKind::Refund,
        Origin::Online => SlipKind::ApprovalKept,
    }
}

/// The central's job as the writer module takes it.
///
/// Errors: which field of the central's job does not read.
fn job(j: &wire::IssuanceJob) -> Result<IssuanceJob, String> {
    let bad = |what: &str| format!("issuance job: {what} does not read");
    Ok(IssuanceJob {
        job_id: j.job_id.clone(),
        document_number: j.document_number.clone(),
        destination: j.destination.clone(),
        kind: j.kind.clone(),
        trips: j.trips.clone(),
        valid_from: wire::day(&j.valid_from).ok_or_else(|| bad("valid_from"))?,
        valid_until: wire::day(&j.valid_until).ok_or_else(|| bad("valid_until"))?,
        stay_days: j.stay_days,
        payload: base64::engine::general_purpose::STANDARD
            .decode(&j.payload_b64)
            .map_err(|_| bad("payload_b64"))?,
    })
}
