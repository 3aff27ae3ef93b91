//! One endorsement at the police-station kiosk as a durable transaction: the states it moves
//! through, which moves are allowed, and what to do with one found in flight after a power cut.
//!
//! * offered → chosen → payment pending → paid → issuing → written → verified → printed;
//! * offered, chosen → cancelled; payment pending → payment failed → cancelled (another try is
//!   another transaction, with its own payment reference);
//! * paid → paid-not-issued when issuance is abandoned (the central refuses it for good, or the
//!   permit is gone before the writer started);
//! * issuing or written → verified when the chip, read back, carries the endorsement, else
//!   (not there, or no longer readable) paid-not-issued → refund requested. A refund request
//!   for a permit that could not be read back is judged by the central, which knows whether
//!   the job was confirmed.
//! * An endorsement approved and paid online ([`Origin::Online`], *print an endorsement
//!   approved online*) starts at paid: the kiosk only writes it. Not written, it ends in
//!   approval kept (the central keeps the approval open for another try) instead of a refund:
//!   the money was never the kiosk's.
//!
//! The rules that keep money and endorsements safe are properties of this graph, tested below:
//! the money is asked for once per transaction and `paid` is never entered twice; the writer
//! is started only from `paid`, and nothing leads back to `paid`, so an endorsement is never
//! written twice by one transaction; every state after `paid` can end in `printed` or `refund
//! requested` without the permit or the writer. Each state is committed before the outside
//! action it allows (`issuing` before the writer is started), so after a crash [`recovery`]
//! knows what may have happened.
//!
//! One transaction is one endorsement. Several endorsements bought together (Hong Kong and
//! Macau) are an order ([`one_order`]): one transaction per line under the order's acceptance
//! number, which is the one payment's reference. The lines move together up to paid (the store
//! commits those moves for all lines at once), then each is issued, verified, refunded or kept
//! on its own — a refund for a line not written is a partial refund of the order's payment.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An endorsement the central offers this applicant: codes, dates and fee as the central set
/// them (labels come from the local catalogue by code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferLine {
    pub offer_id: String,
    /// Catalogue codes: destination (`hk`, `macau`, …), kind (`G`, …), trip option (`3m1`, …).
    pub destination: String,
    pub kind: String,
    pub trips: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Days the holder may stay per trip.
    pub stay_days: u32,
    /// In fen (0.01 yuan).
    pub fee_fen: u64,
    /// Issuing it cancels the valid endorsement for the same destination.
    pub cancels_current: bool,
    /// The central's payment that already paid for it: an endorsement approved and paid online,
    /// which the kiosk only writes. None for an offer paid at the kiosk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_online: Option<String>,
}

impl OfferLine {
    /// Where the money for it comes from.
    pub fn origin(&self) -> Origin {
        if self.paid_online.is_some() {
            Origin::Online
        } else {
            Origin::Kiosk
        }
    }
}

/// Where a transaction's money comes from, which decides where it starts and how an
/// endorsement that could not be written ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Paid at the kiosk (terminal or payment QR): starts offered; not written, refunded.
    Kiosk,
    /// Approved and paid online before the visit: starts paid; not written, the approval is
    /// kept open.
    Online,
}

impl Origin {
    /// The state a new transaction is stored in.
    pub fn first_state(self) -> State {
        match self {
            Origin::Kiosk => State::Offered,
            Origin::Online => State::Paid,
        }
    }

    /// How a paid, unwritten transaction of this origin is closed once the central knows.
    pub fn not_issued(self) -> Event {
        match self {
            Origin::Kiosk => Event::RefundRequested,
            Origin::Online => Event::ApprovalKept,
        }
    }
}

/// Whether `lines` can be bought as one order: at least one line, all of one origin (paid
/// together at the kiosk, or each approved and paid online), and at most one per destination —
/// a permit carries one endorsement per destination, so a second would cancel the first.
pub fn one_order(lines: &[OfferLine]) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    lines.iter().all(|l| l.origin() == first.origin())
        && lines.iter().enumerate().all(|(i, l)| {
            lines[..i]
                .iter()
                .all(|earlier| earlier.destination != l.destination)
        })
}

/// Why the central offers nothing for a destination (or at all), in its own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalLine {
    /// None: for every destination.
    pub destination: Option<String>,
    pub zh: String,
    pub en: String,
}

/// What the central offers one applicant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Offers {
    pub offers: Vec<OfferLine>,
    pub refusals: Vec<RefusalLine>,
}

/// A valid endorsement on a permit, for *Remaining trips*.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripsLeft {
    pub destination: String,
    pub kind: String,
    pub trips: String,
    /// None for multiple-trip endorsements.
    pub trips_left: Option<u32>,
    pub valid_until: NaiveDate,
}

/// Where one endorsement's transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// The central offered it; the applicant has not chosen it.
    Offered,
    Chosen,
    /// The payment terminal or the payment QR was asked for the money.
    PaymentPending,
    Paid,
    /// Committed before the writer module is started: it may have written.
    Issuing,
    /// The writer reported success; the chip has not been read back yet.
    Written,
    /// The chip, read back, carries the endorsement.
    Verified,
    /// The receipt is printed: done.
    Printed,
    /// Given up before any money was taken.
    Cancelled,
    /// The terminal or the central answered that the payment was declined, cancelled or
    /// expired: nothing was taken.
    PaymentFailed,
    /// Paid, and the chip does not carry the endorsement.
    PaidNotIssued,
    /// The central was asked to refund a paid, unissued endorsement: done.
    RefundRequested,
    /// Paid online and not written: the central was told and keeps the approval open for
    /// another try: done.
    ApprovalKept,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Choose,
    Cancel,
    /// The kiosk asks for the money (terminal started, or QR shown).
    PaymentStarted,
    PaymentConfirmed,
    /// The terminal or the central answered declined, cancelled or expired. A payment the
    /// kiosk gives up waiting for is first cancelled; only the answer to that may be committed
    /// as this (a QR payment can still complete after the kiosk's own timeout).
    PaymentRefused,
    /// Issuance will not happen for a paid transaction: the central refuses it for good, or the
    /// permit is gone before the writer was started.
    IssuanceAbandoned,
    /// The writer module is about to be started.
    IssueStarted,
    /// The writer module reported success.
    WriterDone,
    /// The chip was read back: does it carry the endorsement (matched on destination, kind,
    /// trip option and validity dates of the job, so an older endorsement for the same
    /// destination does not count)? `false` also when the permit can no longer be read.
    ChipShows(bool),
    ReceiptPrinted,
    RefundRequested,
    /// The central was told that an endorsement paid online was not written.
    ApprovalKept,
}

impl Event {
    /// Every event (the chip read back both ways).
    pub const ALL: [Event; 13] = [
        Event::Choose,
        Event::Cancel,
        Event::PaymentStarted,
        Event::PaymentConfirmed,
        Event::PaymentRefused,
        Event::IssuanceAbandoned,
        Event::IssueStarted,
        Event::WriterDone,
        Event::ChipShows(true),
        Event::ChipShows(false),
        Event::ReceiptPrinted,
        Event::RefundRequested,
        Event::ApprovalKept,
    ];
}

/// Whether some event moves `from` to `to`.
pub fn moves(from: State, to: State) -> bool {
    Event::ALL.into_iter().any(|e| next(from, e) == Ok(to))
}

/// A move the rules do not allow (a bug or a forged message; the record stays as it was).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{event:?} is not allowed in state {state:?}")]
pub struct IllegalTransition {
    pub state: State,
    pub event: Event,
}

/// The state after `event`.
///
/// Errors: [`IllegalTransition`] for a move the graph does not have.
pub fn next(state: State, event: Event) -> Result<State, IllegalTransition> {
    use Event as E;
    use State as S;
    let to = match (state, event) {
        (S::Offered, E::Choose) => S::Chosen,
        (S::Offered | S::Chosen | S::PaymentFailed, E::Cancel) => S::Cancelled,
        (S::Chosen, E::PaymentStarted) => S::PaymentPending,
        (S::PaymentPending, E::PaymentConfirmed) => S::Paid,
        (S::PaymentPending, E::PaymentRefused) => S::PaymentFailed,
        (S::Paid, E::IssueStarted) => S::Issuing,
        (S::Paid, E::IssuanceAbandoned) => S::PaidNotIssued,
        (S::Issuing, E::WriterDone) => S::Written,
        // A writer that failed, hung or was cut off may still have written: the chip decides.
        (S::Issuing | S::Written, E::ChipShows(true)) => S::Verified,
        (S::Issuing | S::Written, E::ChipShows(false)) => S::PaidNotIssued,
        (S::Verified, E::ReceiptPrinted) => S::Printed,
        (S::PaidNotIssued, E::RefundRequested) => S::RefundRequested,
        (S::PaidNotIssued, E::ApprovalKept) => S::ApprovalKept,
        _ => return Err(IllegalTransition { state, event }),
    };
    Ok(to)
}

impl State {
    /// Every state, in the order of the common case.
    pub const ALL: [State; 13] = [
        State::Offered,
        State::Chosen,
        State::PaymentPending,
        State::Paid,
        State::Issuing,
        State::Written,
        State::Verified,
        State::Printed,
        State::Cancelled,
        State::PaymentFailed,
        State::PaidNotIssued,
        State::RefundRequested,
        State::ApprovalKept,
    ];

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Printed | State::Cancelled | State::RefundRequested | State::ApprovalKept
        )
    }

    /// The applicant's money has been taken (or may have been, while the payment is pending).
    pub fn money_at_stake(self) -> bool {
        !matches!(
            self,
            State::Offered | State::Chosen | State::Cancelled | State::PaymentFailed
        )
    }
}

/// What the kiosk does on start-up with a transaction it finds in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Final: nothing to do.
    Nothing,
    /// No money was taken: cancel it.
    Cancel,
    /// Ask the terminal or the central whether the payment went through, by its reference.
    AskPayment,
    /// Paid, and the writer was never started: issue it now (or abandon issuance if the
    /// central refuses it or the permit is gone, and request the refund).
    Issue,
    /// The writer may have written: read the chip back before anything else.
    ReadChip,
    /// Issued and verified: print the receipt (or the slip for an applicant who left).
    PrintReceipt,
    /// Paid and not issued: tell the central (which refunds a kiosk payment, or keeps an online
    /// approval open) and show it on the technician screen.
    ReportNotIssued,
}

/// What to do with a transaction found in `state` after a restart.
pub fn recovery(state: State) -> Recovery {
    match state {
        State::Printed | State::Cancelled | State::RefundRequested | State::ApprovalKept => {
            Recovery::Nothing
        }
        State::Offered | State::Chosen | State::PaymentFailed => Recovery::Cancel,
        State::PaymentPending => Recovery::AskPayment,
        State::Paid => Recovery::Issue,
        State::Issuing | State::Written => Recovery::ReadChip,
        State::Verified => Recovery::PrintReceipt,
        State::PaidNotIssued => Recovery::ReportNotIssued,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const STATES: [State; 13] = State::ALL;

    fn successors(s: State) -> BTreeSet<State> {
        Event::ALL.iter().filter_map(|&e| next(s, e).ok()).collect()
    }

    fn reachable(from: State) -> BTreeSet<State> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(s) = todo.pop() {
            for n in successors(s) {
                if seen.insert(n) {
                    todo.push(n);
                }
            }
        }
        seen
    }

    #[test]
    fn the_common_case_goes_from_offer_to_receipt() {
        let path = [
            Event::Choose,
            Event::PaymentStarted,
            Event::PaymentConfirmed,
            Event::IssueStarted,
            Event::WriterDone,
            Event::ChipShows(true),
            Event::ReceiptPrinted,
        ];
        let end = path
            .iter()
            .try_fold(State::Offered, |s, &e| next(s, e))
            .expect("every step is allowed");
        assert_eq!(end, State::Printed);
    }

    #[test]
    fn nothing_leads_back_to_paid_so_nothing_is_charged_or_written_twice() {
        for s in reachable(State::Paid) {
            assert!(
                !reachable(s).contains(&State::Paid) && s != State::Paid,
                "{s:?} leads back to Paid"
            );
            assert!(
                !reachable(s).contains(&State::PaymentPending),
                "{s:?} asks for money again"
            );
        }
        // The writer starts only from Paid.
        for s in STATES {
            let issues = next(s, Event::IssueStarted).is_ok();
            assert_eq!(issues, s == State::Paid, "{s:?}");
        }
    }

    #[test]
    fn money_taken_ends_in_an_endorsement_or_a_refund_request() {
        for s in reachable(State::Paid).into_iter().chain([State::Paid]) {
            let ends: BTreeSet<State> = reachable(s)
                .into_iter()
                .chain([s])
                .filter(|t| t.is_final())
                .collect();
            assert!(!ends.is_empty(), "{s:?} never ends");
            assert!(
                ends.iter().all(|t| matches!(
                    t,
                    State::Printed | State::RefundRequested | State::ApprovalKept
                )),
                "{s:?} ends in {ends:?}"
            );
        }
        // A pending payment either goes through (and the above holds) or takes nothing.
        assert_eq!(
            successors(State::PaymentPending),
            BTreeSet::from([State::Paid, State::PaymentFailed])
        );
        // No state but the final ones is a dead end.
        for s in STATES.into_iter().filter(|s| !s.is_final()) {
            assert!(!successors(s).is_empty(), "{s:?} is stuck");
        }
    }

    #[test]
    fn a_paid_transaction_reaches_a_refund_without_the_permit_or_the_writer() {
        let refund = |from: State, first: Event| {
            next(from, first).and_then(|s| next(s, Event::RefundRequested))
        };
        assert_eq!(
            refund(State::Paid, Event::IssuanceAbandoned),
            Ok(State::RefundRequested)
        );
        for s in [State::Issuing, State::Written] {
            assert_eq!(
                refund(s, Event::ChipShows(false)),
                Ok(State::RefundRequested)
            );
        }
        assert!(
            next(State::PaymentFailed, Event::PaymentStarted).is_err(),
            "another try is another transaction"
        );
    }

    #[test]
    fn an_online_approval_starts_paid_never_asks_for_money_and_is_kept_not_refunded() {
        let start = Origin::Online.first_state();
        assert_eq!(start, State::Paid);
        assert!(!reachable(start).contains(&State::PaymentPending));
        // Not written: the origin's own ending, and only that one.
        let unwritten = next(start, Event::IssuanceAbandoned).expect("paid may be abandoned");
        assert_eq!(
            next(unwritten, Origin::Online.not_issued()),
            Ok(State::ApprovalKept)
        );
        assert_eq!(
            next(unwritten, Origin::Kiosk.not_issued()),
            Ok(State::RefundRequested)
        );
        assert_eq!(Origin::Kiosk.first_state(), State::Offered);
        assert!(State::ApprovalKept.is_final());
        assert_eq!(recovery(State::ApprovalKept), Recovery::Nothing);
    }

    #[test]
    fn an_order_is_one_line_per_destination_all_paid_the_same_way() {
        let line = |destination: &str, paid_online: Option<&str>| OfferLine {
            offer_id: format!("O-{destination}"),
            destination: destination.into(),
            kind: "G".into(),
            trips: "3m1".into(),
            valid_from: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
            valid_until: NaiveDate::from_ymd_opt(2027, 2, 27).expect("date"),
            stay_days: 7,
            fee_fen: 1500,
            cancels_current: false,
            paid_online: paid_online.map(Into::into),
        };
        assert!(one_order(&[line("hk", None)]));
        assert!(one_order(&[line("hk", None), line("macau", None)]));
        assert!(one_order(&[
            line("hk", Some("W-1")),
            line("macau", Some("W-2"))
        ]));
        assert!(!one_order(&[]), "nothing to buy");
        assert!(
            !one_order(&[line("hk", None), line("macau", None), line("hk", None)]),
            "two for Hong Kong"
        );
        assert!(
            !one_order(&[line("hk", None), line("macau", Some("W-2"))]),
            "one paid here, one paid online"
        );
    }

    #[test]
    fn final_states_allow_nothing_and_illegal_moves_are_refused() {
        for s in STATES.into_iter().filter(|s| s.is_final()) {
            assert!(successors(s).is_empty(), "{s:?}");
        }
        assert_eq!(
            next(State::Chosen, Event::IssueStarted),
            Err(IllegalTransition {
                state: State::Chosen,
                event: Event::IssueStarted
            })
        );
    }

    #[test]
    fn recovery_never_repeats_an_outside_action_that_may_have_happened() {
        for s in STATES {
            let r = recovery(s);
            // Issuing again is only right when the writer was never started.
            assert_eq!(r == Recovery::Issue, s == State::Paid, "{s:?}");
            // A state whose writer may have run is always settled by reading the chip.
            if matches!(s, State::Issuing | State::Written) {
                assert_eq!(r, Recovery::ReadChip);
            }
            // Cancelling is only right when no money is at stake.
            assert_eq!(
                r == Recovery::Cancel,
                !s.money_at_stake() && !s.is_final(),
                "{s:?}"
            );
            assert_eq!(r == Recovery::Nothing, s.is_final(), "{s:?}");
        }
    }
}
