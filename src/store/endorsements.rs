//! The station kiosk's endorsement transactions, durably: each move of the state machine in
//! `domain::endorsement` is one `BEGIN IMMEDIATE` transaction that checks the current state,
//! writes the next one and appends it to the journal. A move is committed before the outside
//! action it allows (the caller starts the writer only after `issuing` is stored), so after a
//! power cut the stored state says what may have happened, and `domain::endorsement::recovery`
//! what to do about it.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, take_number};
use crate::domain::app_number::AppNumber;
use crate::domain::endorsement::{Event, Origin, State, next};

/// How a state is stored (the store's own encoding: renaming a variant cannot change it).
/// The state's name as stored and as `kiosk endorsements` prints it (`payment_pending`).
pub fn state_name(state: State) -> &'static str {
    match state {
        State::Offered => "offered",
        State::Chosen => "chosen",
        State::PaymentPending => "payment_pending",
        State::Paid => "paid",
        State::Issuing => "issuing",
        State::Written => "written",
        State::Verified => "verified",
        State::Printed => "printed",
        State::Cancelled => "cancelled",
        State::PaymentFailed => "payment_failed",
        State::PaidNotIssued => "paid_not_issued",
        State::RefundRequested => "refund_requested",
        State::ApprovalKept => "approval_kept",
    }
}

/// The final states' stored names as an SQL list (`'printed', 'cancelled', …`), from the
/// domain's own `is_final`, so a new final state cannot be missed here.
fn final_states_sql() -> String {
    State::ALL
        .into_iter()
        .filter(|s| s.is_final())
        .map(|s| format!("'{}'", state_name(s)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn decode(text: &str) -> Result<State, StoreError> {
    State::ALL
        .into_iter()
        .find(|s| state_name(*s) == text)
        .ok_or_else(|| StoreError::Damaged(format!("unknown endorsement state {text:?}")))
}

fn timestamp(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// The transaction id of an order's line `index` (from 0): the first line carries the order's
/// acceptance number itself, each further one the number with `-2`, `-3`, … (acceptance numbers
/// have no hyphen, so no line id is another order's number).
pub fn line_id(order: &str, index: usize) -> String {
    match index {
        0 => order.to_string(),
        i => format!("{order}-{}", i + 1),
    }
}

/// Stores a new transaction of `order` (None: its own) in its origin's first state, journalled
/// as move 0.
fn insert_first(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    order: Option<&str>,
    origin: Origin,
    amount_fen: u64,
    body: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let at = timestamp(at);
    let state = state_name(origin.first_state());
    tx.execute(
        "INSERT INTO endorsement_txns(id, state, amount_fen, body, created_at, updated_at, order_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        params![id, state, amount_fen as i64, body, at, order],
    )?;
    tx.execute(
        "INSERT INTO endorsement_journal(txn_id, seq, state, at) VALUES (?1, 0, ?2, ?3)",
        params![id, state, at],
    )?;
    Ok(())
}

/// One move of [`Store::advance_endorsements`], inside its transaction.
fn advance_in(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    event: Event,
    at: NaiveDateTime,
) -> Result<State, StoreError> {
    let (stored, seq): (String, i64) = tx
        .query_row(
            "SELECT t.state, (SELECT max(seq) FROM endorsement_journal WHERE txn_id = t.id)
                 FROM endorsement_txns t WHERE t.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| StoreError::NoTransaction(id.to_string()))?;
    let to = next(decode(&stored)?, event).map_err(|error| StoreError::Illegal {
        id: id.to_string(),
        error,
    })?;
    let at = timestamp(at);
    tx.execute(
        "UPDATE endorsement_txns SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, state_name(to), at],
    )?;
    tx.execute(
        "INSERT INTO endorsement_journal(txn_id, seq, state, at) VALUES (?1, ?2, ?3, ?4)",
        params![id, seq + 1, state_name(to), at],
    )?;
    if to.is_final() {
        // A final transaction is settled with the central (printed and confirmed, cancelled,
        // or its refund requested): nothing needs the permit number any more, the body's one
        // personal datum (the body holds no name and no ID number). The offer, the method
        // and the amount stay for the records. (A body that is not JSON is left as it is:
        // it must never stop a transaction from concluding.)
        tx.execute(
            "UPDATE endorsement_txns SET body = json_remove(body, '$.permit_number')
                 WHERE id = ?1 AND json_valid(body)",
            [id],
        )?;
    }
    Ok(to)
}

/// One journalled move, as it goes to the central.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub txn_id: String,
    /// 0 for the first state (*offered*, or *paid* for an online approval), then one more per
    /// move.
    pub seq: u32,
    pub state: State,
    /// When the move was committed (`YYYY-MM-DDTHH:MM:SS.mmm`, local).
    pub at: String,
}

/// One line of an order to store: its amount (fen) and its body (JSON).
#[derive(Debug, Clone, Copy)]
pub struct NewLine<'a> {
    pub amount_fen: u64,
    pub body: &'a str,
}

/// One stored transaction: one endorsement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndorsementTxn {
    /// The transaction's id (its journal's key at the central): the order's acceptance number
    /// for its first line, `line_id` for the others.
    pub id: String,
    /// The acceptance number of the order it belongs to: the receipt's number and the
    /// payment's reference at the terminal and the central (the id itself for a one-line
    /// order).
    pub order_id: String,
    pub state: State,
    pub amount_fen: u64,
    /// What was offered and chosen (JSON), for the receipt, the refund request and the central.
    pub body: String,
}

impl Store {
    /// Records a transaction the central offered, in state `offered`.
    ///
    /// Errors: a store error; an existing `id` is a constraint error (nothing is overwritten).
    pub fn open_endorsement(
        &mut self,
        id: &str,
        amount_fen: u64,
        body: &str,
        at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        insert_first(&tx, id, None, Origin::Kiosk, amount_fen, body, at)?;
        tx.commit()?;
        Ok(())
    }

    /// Records an order — one transaction per line, each in its origin's first state
    /// (`offered`, or `paid` for an endorsement paid online) — under the next acceptance number
    /// of the day (the same sequence as the hall's application numbers), all or nothing.
    /// Returns the number (the order's payment reference and what the receipt prints) and the
    /// lines' transaction ids, in the order given ([`line_id`]).
    ///
    /// Errors: a store error (nothing stored, no number used).
    pub fn open_numbered_order(
        &mut self,
        device_id: &str,
        origin: Origin,
        lines: &[NewLine<'_>],
        at: NaiveDateTime,
    ) -> Result<(AppNumber, Vec<String>), StoreError> {
        let tx = self.write()?;
        let number = take_number(&tx, device_id, at.date())?;
        let mut ids = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            let id = line_id(number.as_str(), i);
            let order = (i > 0).then_some(number.as_str());
            insert_first(&tx, &id, order, origin, line.amount_fen, line.body, at)?;
            ids.push(id);
        }
        tx.commit()?;
        Ok((number, ids))
    }

    /// Moves a transaction by `event`, if the rules allow it from its stored state, and journals
    /// the new state — all in one transaction. Returns the new state.
    ///
    /// Errors: [`StoreError::NoTransaction`]; [`StoreError::Illegal`] (nothing written); a store
    /// error (nothing written).
    pub fn advance_endorsement(
        &mut self,
        id: &str,
        event: Event,
        at: NaiveDateTime,
    ) -> Result<State, StoreError> {
        self.advance_endorsements(&[id], event, at)
    }

    /// Moves several transactions by the same `event` — the lines of an order, which are chosen,
    /// asked to pay and paid together — all or none, in one transaction, so a power cut never
    /// leaves one line of a payment paid and another pending. Returns the last one's new state.
    ///
    /// Errors: as [`Store::advance_endorsement`], for the first line that cannot move (nothing
    /// written for any).
    pub fn advance_endorsements(
        &mut self,
        ids: &[&str],
        event: Event,
        at: NaiveDateTime,
    ) -> Result<State, StoreError> {
        let tx = self.write()?;
        let mut last = None;
        for id in ids {
            last = Some(advance_in(&tx, id, event, at)?);
        }
        tx.commit()?;
        last.ok_or_else(|| StoreError::NoTransaction(String::new()))
    }

    /// Deletes the transactions that became final before `cutoff`, with their journals;
    /// returns how many. Transactions still in flight are never deleted, however old.
    pub fn purge_endorsements_before(
        &mut self,
        cutoff: NaiveDateTime,
    ) -> Result<usize, StoreError> {
        let cutoff = timestamp(cutoff);
        let tx = self.write()?;
        // Only once the central has every move: a transaction it has not fully heard of stays.
        let old = format!(
            "SELECT id FROM endorsement_txns t
             WHERE state IN ({}) AND updated_at < ?1
             AND NOT EXISTS (SELECT 1 FROM endorsement_journal j
                             WHERE j.txn_id = t.id AND j.sent = 0)",
            final_states_sql()
        );
        tx.execute(
            &format!("DELETE FROM endorsement_journal WHERE txn_id IN ({old})"),
            [&cutoff],
        )?;
        let n = tx.execute(
            &format!("DELETE FROM endorsement_txns WHERE id IN ({old})"),
            [&cutoff],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// One transaction.
    pub fn endorsement(&self, id: &str) -> Result<Option<EndorsementTxn>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, coalesce(order_id, id), state, amount_fen, body
                 FROM endorsement_txns WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(id, order_id, state, amount, body)| {
            Ok(EndorsementTxn {
                id,
                order_id,
                state: decode(&state)?,
                amount_fen: amount as u64,
                body,
            })
        })
        .transpose()
    }

    /// Every transaction not yet in a final state, oldest first: what start-up must finish or
    /// report (`domain::endorsement::recovery`).
    pub fn endorsements_in_flight(&self) -> Result<Vec<EndorsementTxn>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id FROM endorsement_txns WHERE state NOT IN ({}) ORDER BY created_at, id",
            final_states_sql()
        ))?;
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter()
            .filter_map(|id| self.endorsement(id).transpose())
            .collect()
    }

    /// How many transactions the store holds (final ones go after `store.tombstone_days`).
    pub fn endorsements_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM endorsement_txns", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// The states a transaction passed through, in order.
    pub fn endorsement_journal(&self, id: &str) -> Result<Vec<State>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT state FROM endorsement_journal WHERE txn_id = ?1 ORDER BY seq")?;
        let states: Vec<String> = stmt
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        states.iter().map(|s| decode(s)).collect()
    }

    /// Up to `limit` journalled moves the central has not acknowledged yet, in the order they
    /// were committed: by rowid, which the one writer hands out in commit order (the `at`
    /// timestamps follow the wall clock, which can step back).
    pub fn unsent_transitions(&self, limit: usize) -> Result<Vec<Transition>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT txn_id, seq, state, at FROM endorsement_journal WHERE sent = 0
             ORDER BY rowid LIMIT ?1",
        )?;
        let rows: Vec<(String, i64, String, String)> = stmt
            .query_map([limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(txn_id, seq, state, at)| {
                Ok(Transition {
                    txn_id,
                    seq: seq as u32,
                    state: decode(&state)?,
                    at,
                })
            })
            .collect()
    }

    /// How many journalled moves the central has not acknowledged yet (the station kiosk's
    /// second queue, beside the applications: `kiosk queue status`, the heartbeat).
    pub fn unsent_transition_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM endorsement_journal WHERE sent = 0",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Marks every move of `txn_id` unsent again, so they all go once more from the first (the
    /// central answered that it lacks an earlier one; repeats of what it has are harmless).
    pub fn resend_transitions(&mut self, txn_id: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE endorsement_journal SET sent = 0 WHERE txn_id = ?1",
            [txn_id],
        )?;
        Ok(())
    }

    /// Records that the central acknowledged this move.
    pub fn transition_sent(&mut self, txn_id: &str, seq: u32) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE endorsement_journal SET sent = 1 WHERE txn_id = ?1 AND seq = ?2",
            params![txn_id, seq],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::endorsement::{Recovery, recovery};
    use crate::store::StoreKey;

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_opt(10, minute, 0))
            .expect("time")
    }

    fn store(dir: &std::path::Path) -> Store {
        Store::open(dir, &StoreKey::from_bytes([7; 32])).expect("store")
    }

    #[test]
    fn a_final_transaction_forgets_the_permit_number_and_goes_after_its_days() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = store(dir.path());
        let body = r#"{"offer":{"destination":"hk"},"permit_number":"C12345678","method":"qr"}"#;
        s.open_endorsement("done", 1500, body, at(0)).expect("open");
        s.open_endorsement("paid", 1500, body, at(0)).expect("open");
        for e in [
            Event::Choose,
            Event::PaymentStarted,
            Event::PaymentConfirmed,
        ] {
            s.advance_endorsement("paid", e, at(1)).expect("allowed");
        }
        s.advance_endorsement("done", Event::Cancel, at(2))
            .expect("allowed");
        let done = s.endorsement("done").expect("query").expect("there");
        assert_eq!(done.state, State::Cancelled);
        assert!(!done.body.contains("C12345678"), "{}", done.body);
        assert!(done.body.contains(r#""destination":"hk""#), "{}", done.body);
        let paid = s.endorsement("paid").expect("query").expect("there");
        assert!(
            paid.body.contains("C12345678"),
            "in flight: recovery needs it"
        );

        assert_eq!(s.purge_endorsements_before(at(2)).expect("purge"), 0);
        assert_eq!(
            s.purge_endorsements_before(at(30)).expect("purge"),
            0,
            "the central has not heard of it yet"
        );
        let unsent = s.unsent_transitions(100).expect("unsent");
        assert_eq!(
            unsent.len(),
            6,
            "two offered, three moves, one cancel: {unsent:?}"
        );
        for t in unsent.iter().filter(|t| t.txn_id == "done") {
            s.transition_sent(&t.txn_id, t.seq).expect("sent");
        }
        assert_eq!(s.purge_endorsements_before(at(30)).expect("purge"), 1);
        assert!(s.endorsement("done").expect("query").is_none());
        assert!(s.endorsement_journal("done").expect("journal").is_empty());
        assert!(
            s.endorsement("paid").expect("query").is_some(),
            "in flight, however old"
        );
    }

    #[test]
    fn moves_wait_for_the_central_in_the_order_they_were_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = store(dir.path());
        s.open_endorsement("a", 1500, "{}", at(0)).expect("open");
        s.open_endorsement("b", 1500, "{}", at(1)).expect("open");
        // The clock stepped back (NTP) before the next move: commit order still decides.
        s.advance_endorsement("a", Event::Choose, at(0) - chrono::Duration::minutes(5))
            .expect("allowed");
        let order = |s: &Store| {
            s.unsent_transitions(10)
                .expect("unsent")
                .into_iter()
                .map(|t| (t.txn_id, t.seq, t.state))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            order(&s),
            [
                ("a".to_string(), 0, State::Offered),
                ("b".to_string(), 0, State::Offered),
                ("a".to_string(), 1, State::Chosen)
            ]
        );
        assert_eq!(s.unsent_transition_count().expect("count"), 3);
        s.transition_sent("a", 0).expect("sent");
        assert_eq!(s.unsent_transition_count().expect("count"), 2);
        drop(s);
        let s = store(dir.path());
        assert_eq!(
            order(&s).len(),
            2,
            "what was acknowledged stays acknowledged"
        );
        assert_eq!(s.unsent_transitions(1).expect("unsent").len(), 1);
        let mut s = s;
        s.resend_transitions("a").expect("resend");
        assert_eq!(
            order(&s)[0],
            ("a".to_string(), 0, State::Offered),
            "all of a again"
        );
    }

    #[test]
    fn moves_are_checked_committed_and_journalled() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = store(dir.path());
        s.open_endorsement("t1", 1500, "{}", at(0)).expect("open");
        for (i, e) in [
            Event::Choose,
            Event::PaymentStarted,
            Event::PaymentConfirmed,
        ]
        .into_iter()
        .enumerate()
        {
            s.advance_endorsement("t1", e, at(i as u32 + 1))
                .expect("allowed");
        }
        let refused = s.advance_endorsement("t1", Event::Cancel, at(5));
        assert!(
            matches!(refused, Err(StoreError::Illegal { .. })),
            "paid cannot be cancelled: {refused:?}"
        );
        drop(s);
        let s = store(dir.path());
        let t = s.endorsement("t1").expect("query").expect("there");
        assert_eq!((t.state, t.amount_fen), (State::Paid, 1500));
        assert_eq!(
            s.endorsement_journal("t1").expect("journal"),
            [
                State::Offered,
                State::Chosen,
                State::PaymentPending,
                State::Paid
            ]
        );
        assert_eq!(recovery(t.state), Recovery::Issue);
        assert!(matches!(
            store(dir.path()).advance_endorsement("nope", Event::Choose, at(9)),
            Err(StoreError::NoTransaction(_))
        ));
    }

    #[test]
    fn a_store_from_before_the_endorsement_tables_is_upgraded_and_keeps_its_data() {
        let dir = tempfile::tempdir().expect("dir");
        let at_v3 = |s: &Store| {
            s.conn
                .execute_batch(
                    "DROP TABLE endorsement_journal; DROP TABLE endorsement_txns;
                     ALTER TABLE outbox DROP COLUMN held; DROP TABLE ratings;
                     ALTER TABLE outbox DROP COLUMN fee_terminal;
                     PRAGMA user_version = 3;",
                )
                .expect("back to schema v3");
        };
        let s = store(dir.path());
        at_v3(&s);
        // Saved as the v3 kiosk saved it.
        let number = "HALL0126113000001X";
        s.conn
            .execute_batch(&format!(
                "INSERT INTO applications(number, created_at, fee) VALUES ('{number}', '2026-11-30T10:00:00', 120);
                 INSERT INTO outbox(number, idem_key, body, state) VALUES ('{number}', 'key-1', '{{}}', 'pending');"
            ))
            .expect("an application saved at v3");
        drop(s);
        let mut s = store(dir.path());
        let version: i64 = s
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(
            version, 9,
            "the endorsement tables, the journal's sent flag, the outbox's held flag, the ratings, the card payment's record, the endorsement's order"
        );
        assert!(
            s.application(number).expect("query").is_some(),
            "the application saved before the upgrade is there"
        );
        assert_eq!(
            s.pending(10).expect("pending").len(),
            1,
            "and goes to the central (not held)"
        );
        s.open_endorsement("t", 1500, "{}", at(1))
            .expect("new table works");
    }

    #[test]
    fn an_online_approval_opens_paid_and_ends_kept_once_the_central_knows() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = store(dir.path());
        let (_, ids) = s
            .open_numbered_order(
                "STN01",
                Origin::Online,
                &[NewLine {
                    amount_fen: 1500,
                    body: "{}",
                }],
                at(0),
            )
            .expect("open");
        let id = ids[0].as_str();
        assert_eq!(s.endorsement_journal(id).expect("journal"), [State::Paid]);
        assert!(
            s.advance_endorsement(id, Event::PaymentStarted, at(1))
                .is_err(),
            "no money is asked for an approval paid online"
        );
        s.advance_endorsement(id, Event::IssuanceAbandoned, at(1))
            .expect("abandoned");
        assert_eq!(s.endorsements_in_flight().expect("in flight").len(), 1);
        s.advance_endorsement(id, Event::ApprovalKept, at(2))
            .expect("kept");
        assert!(s.endorsements_in_flight().expect("in flight").is_empty());
        // Final, but kept until the central has every move.
        assert_eq!(s.purge_endorsements_before(at(59)).expect("purge"), 0);
        for seq in 0..3 {
            s.transition_sent(id, seq).expect("sent");
        }
        assert_eq!(s.purge_endorsements_before(at(59)).expect("purge"), 1);
    }

    #[test]
    fn an_order_stores_its_lines_under_one_number_and_moves_them_together() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = store(dir.path());
        let lines = [
            NewLine {
                amount_fen: 1500,
                body: r#"{"offer":{"destination":"hk"}}"#,
            },
            NewLine {
                amount_fen: 1500,
                body: r#"{"offer":{"destination":"macau"}}"#,
            },
        ];
        let (number, ids) = s
            .open_numbered_order("STN01", Origin::Kiosk, &lines, at(0))
            .expect("open");
        let n = number.as_str();
        assert_eq!(ids, [n.to_string(), format!("{n}-2")]);
        let both: Vec<&str> = ids.iter().map(String::as_str).collect();
        for e in [Event::Choose, Event::PaymentStarted] {
            s.advance_endorsements(&both, e, at(1)).expect("together");
        }
        // One line cannot move: neither does the other.
        s.advance_endorsement(&ids[1], Event::PaymentConfirmed, at(2))
            .expect("one line alone");
        let refused = s.advance_endorsements(&both, Event::PaymentConfirmed, at(3));
        assert!(
            matches!(refused, Err(StoreError::Illegal { .. })),
            "{refused:?}"
        );
        let first = s.endorsement(&ids[0]).expect("query").expect("there");
        assert_eq!(
            first.state,
            State::PaymentPending,
            "rolled back with the other"
        );
        let second = s.endorsement(&ids[1]).expect("query").expect("there");
        assert_eq!(
            (first.order_id.as_str(), second.order_id.as_str()),
            (n, n),
            "both lines know their order's number"
        );
        assert_eq!(second.amount_fen, 1500);
        assert_eq!(
            s.endorsement_journal(&ids[0]).expect("journal").len(),
            3,
            "offered, chosen, payment pending: nothing of the refused move"
        );
        // A transaction stored before orders had lines is its own order.
        s.open_endorsement("old", 1500, "{}", at(4)).expect("open");
        let old = s.endorsement("old").expect("query").expect("there");
        assert_eq!(old.order_id, "old");
    }

    #[test]
    fn in_flight_lists_what_start_up_must_settle() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = store(dir.path());
        for id in ["a", "b", "c"] {
            s.open_endorsement(id, 1500, "{}", at(0)).expect("open");
        }
        s.advance_endorsement("a", Event::Cancel, at(1))
            .expect("cancel");
        for e in [
            Event::Choose,
            Event::PaymentStarted,
            Event::PaymentConfirmed,
            Event::IssueStarted,
        ] {
            s.advance_endorsement("b", e, at(2)).expect("allowed");
        }
        let flying: Vec<(String, State)> = s
            .endorsements_in_flight()
            .expect("query")
            .into_iter()
            .map(|t| (t.id, t.state))
            .collect();
        assert_eq!(
            flying,
            [
                ("b".to_string(), State::Issuing),
                ("c".to_string(), State::Offered)
            ]
        );
    }
}
