//! The local store: applications and their outbox rows in SQLite, written in one transaction so
//! that an application is either fully saved (and will be sent) or not saved at all.
//!
//! The file is SQLCipher (AES-256 per page with an HMAC, WAL included) keyed by a raw 256-bit
//! key ([`key`]). Settings (docs/SYNC.md, "The store on disk", after the SQLite documentation
//! of WAL, `PRAGMA synchronous` and transactions): WAL with
//! `synchronous=FULL` (a saved application survives a power cut), every write a `BEGIN
//! IMMEDIATE` transaction (a second connection waits on the busy timeout instead of failing),
//! `secure_delete` plus a `TRUNCATE` checkpoint after purges, `quick_check` and
//! `cipher_integrity_check` at every open, and `max_page_count` as a hard size cap: SQLite rolls
//! the whole transaction back when it hits it, so "full" always means "nothing saved".

mod endorsements;
pub mod key;
mod key_check;
mod ratings;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

pub use endorsements::{EndorsementTxn, NewLine, Transition, line_id, state_name};
pub use key::{KeyError, StoreKey};
pub use ratings::StoredRating;

use crate::domain::app_number::AppNumber;

/// SQLite's page size (the SQLCipher default, never changed): the unit of the size cap.
const PAGE_SIZE: u64 = 4096;
/// What one more application may need (a 45 KB photo in Base64, the form, its print job, the
/// indexes), with a wide margin: below this the kiosk stops taking applicants.
const ROOM_FOR_ONE: u64 = 2 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("database was written by a newer version (schema {0})")]
    TooNew(i64),
    #[error("could not create the data directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("the database is damaged ({0}); restore it or move it aside and start afresh")]
    Damaged(String),
    #[error(
        "the store {0} cannot be opened with this key: the key file is not this store's, or the \
         store was never encrypted. Restore the right key file; do not delete the store while \
         applications wait in it"
    )]
    WrongKey(PathBuf),
    #[error(
        "the store {0} cannot be opened: either the key file is not this store's or the file is \
         damaged, and no key check value (kiosk.db.kcv) is kept to tell which. Try this kiosk's \
         key file first; if it is the right one, restore the store from a backup"
    )]
    KeyOrDamage(PathBuf),
    #[error("no room to save: {0}")]
    Full(String),
    /// A move the endorsement transaction rules do not allow; nothing was written.
    #[error("endorsement transaction {id}: {error}")]
    Illegal {
        id: String,
        error: crate::domain::endorsement::IllegalTransition,
    },
    #[error("no endorsement transaction {0}")]
    NoTransaction(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Full(e.to_string()),
            _ => StoreError::Sqlite(e),
        }
    }
}

/// How big the store may grow and how much of the disk must stay free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_db_bytes: u64,
    pub min_free_disk_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_db_bytes: 2048 * 1024 * 1024,
            min_free_disk_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Versioned migrations: index + 1 is the schema version they produce.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE applications (
    number      TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    fee         INTEGER NOT NULL,
    acked_at    TEXT,
    receipt_no  TEXT
);
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE REFERENCES applications(number),
    idem_key    TEXT NOT NULL UNIQUE,
    body        TEXT,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'acked', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE TABLE day_sequence (
    day         TEXT PRIMARY KEY,
    next        INTEGER NOT NULL
);
"#,
    r#"
CREATE TABLE print_jobs (
    number      TEXT PRIMARY KEY REFERENCES applications(number),
    bytes       BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
"#,
    // `state` is stored after the body: without an index every count walks each body's
    // overflow pages (decrypting them), 100 ms and more with a thousand photos waiting.
    r#"
CREATE INDEX outbox_state ON outbox(state, id);
"#,
    // The station kiosk's endorsement transactions (`endorsements.rs`): the current state and
    // the journal of every state it passed through, written in one transaction.
    r#"
CREATE TABLE endorsement_txns (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE endorsement_journal (
    txn_id      TEXT NOT NULL REFERENCES endorsement_txns(id),
    seq         INTEGER NOT NULL,
    state       TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (txn_id, seq)
);
CREATE INDEX endorsement_txns_state ON endorsement_txns(state);
"#,
    // Every journalled move of an endorsement transaction goes to the central through the
    // outbox (`sync/transitions.rs`): `sent` once the central has acknowledged it.
    r#"
ALTER TABLE endorsement_journal ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX endorsement_journal_unsent ON endorsement_journal(sent);
"#,
    // A hall application whose fee is being paid at the kiosk waits (`held`) until the payment
    // step ends, so the central receives it with the fee's state (`release_held`).
    r#"
ALTER TABLE outbox ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
"#,
    // The done page's anonymous ratings until the central counts them (`ratings.rs`); without a
    // rowid, so not even the order of the taps is kept.
    r#"
CREATE TABLE ratings (
    uid         TEXT PRIMARY KEY,
    day         TEXT NOT NULL,
    rating      TEXT NOT NULL CHECK (rating IN ('satisfied', 'fairly', 'not_satisfied'))
) WITHOUT ROWID;
"#,
    // A held application whose fee the card terminal was asked to collect: the central's
    // payment id, so a kiosk that stops mid-payment asks the terminal and the central at its
    // next start what became of the money (`held_at_terminal`).
    r#"
ALTER TABLE outbox ADD COLUMN fee_terminal TEXT;
"#,
    // Several endorsements paid together (`open_numbered_order`): each its own transaction,
    // all under their order's acceptance number, which is the payment's reference. NULL: the
    // transaction is its own order (every transaction stored before orders had lines).
    r#"
ALTER TABLE endorsement_txns ADD COLUMN order_id TEXT;
"#,
];

/// The next number of `day` on this device, from the day's sequence, inside the caller's
/// transaction (so a rolled-back save uses no number).
pub(crate) fn take_number(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    day: NaiveDate,
) -> Result<AppNumber, StoreError> {
    let day_key = day.format("%Y-%m-%d").to_string();
    let seq: i64 = tx
        .query_row(
            "SELECT next FROM day_sequence WHERE day = ?1",
            [&day_key],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(1);
    tx.execute(
        "INSERT INTO day_sequence(day, next) VALUES (?1, ?2)
         ON CONFLICT(day) DO UPDATE SET next = excluded.next",
        params![day_key, seq + 1],
    )?;
    Ok(AppNumber::compose(device_id, day, seq as u32))
}

/// A queued submission as the sync worker sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub number: String,
    pub idem_key: String,
    pub body: String,
    pub attempts: u32,
}

/// A held application whose fee the card terminal was asked for (the body is the submission
/// as saved, without the fee's state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldAtTerminal {
    pub number: String,
    pub payment_id: String,
    pub body: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub pending: u64,
    pub acked: u64,
    pub dead: u64,
}

/// One outbox row as technicians see it: no personal data, only where it stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueueRow {
    pub number: String,
    pub state: String,
    pub attempts: u32,
    pub created_at: String,
    pub last_error: Option<String>,
}

pub struct Store {
    conn: Connection,
    dir: PathBuf,
    limits: Limits,
}

/// The kiosk's one connection to its store, shared by the thread that saves applications and
/// the sync worker: one writer at a time by construction, never `SQLITE_BUSY` between them.
/// Hold the lock for one store call, never across network I/O.
pub type SharedStore = std::sync::Arc<std::sync::Mutex<Store>>;

/// Locks the shared store; a thread that panicked while holding it left no half transaction
/// (SQLite rolled it back), so the connection is used on.
pub fn lock(store: &std::sync::Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The database file in a data directory.
pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("kiosk.db")
}

impl Store {
    /// Opens (creating if needed) the encrypted store in `dir` with the default limits.
    pub fn open(dir: &Path, key: &StoreKey) -> Result<Store, StoreError> {
        Store::open_with(dir, key, Limits::default())
    }

    pub fn open_with(dir: &Path, key: &StoreKey, limits: Limits) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        let path = db_path(dir);
        let conn = Connection::open(&path)?;
        // Must be the first statement on the connection.
        conn.execute_batch(&format!("PRAGMA key = \"{}\";", *key.pragma_value()))?;
        // The first read decrypts page 1: a wrong key fails here with "file is not a database".
        let readable: Result<i64, _> =
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0));
        if let Err(e) = readable {
            return Err(match e.sqlite_error_code() {
                // The key check value beside the store tells a damaged file from a wrong key.
                Some(ErrorCode::NotADatabase) => match key_check::matches(&path, key) {
                    Some(true) => StoreError::Damaged(format!(
                        "{}: its first page does not decrypt although the key is this store's \
                         (it matches {})",
                        path.display(),
                        key_check::path(&path).display()
                    )),
                    Some(false) => StoreError::WrongKey(path),
                    None => StoreError::KeyOrDamage(path),
                },
                _ => e.into(),
            });
        }
        if let Err(e) = key_check::keep(&path, key) {
            tracing::warn!(error = %e, "store: key check value not kept");
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        conn.pragma_update(
            None,
            "max_page_count",
            (limits.max_db_bytes / PAGE_SIZE).max(1) as i64,
        )?;
        let mut store = Store {
            conn,
            dir: dir.to_path_buf(),
            limits,
        };
        store.check_integrity()?;
        store.migrate()?;
        Ok(store)
    }

    /// `quick_check` (structure) and SQLCipher's `cipher_integrity_check` (every page's HMAC):
    /// run at every start, so a damaged or tampered file is a clear start-up error rather than a
    /// later surprise.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let rows = |sql: &str| -> Result<Vec<String>, StoreError> {
            let mut stmt = self.conn.prepare(sql)?;
            let out = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()?;
            Ok(out)
        };
        let quick = rows("PRAGMA quick_check")?;
        if quick != ["ok"] {
            return Err(StoreError::Damaged(quick.join("; ")));
        }
        let cipher = rows("PRAGMA cipher_integrity_check")?;
        if !cipher.is_empty() {
            return Err(StoreError::Damaged(cipher.join("; ")));
        }
        Ok(())
    }

    /// Whether one more application fits: under the size cap and above the free-disk
    /// watermark. The kiosk asks before taking an applicant and stops taking them while not.
    pub fn check_room(&self) -> Result<(), StoreError> {
        let pages = |pragma: &str| -> Result<u64, StoreError> {
            Ok(self
                .conn
                .pragma_query_value(None, pragma, |r| r.get::<_, i64>(0))? as u64)
        };
        let used = (pages("page_count")? - pages("freelist_count")?) * PAGE_SIZE;
        let cap = pages("max_page_count")? * PAGE_SIZE;
        if used + ROOM_FOR_ONE > cap {
            return Err(StoreError::Full(format!(
                "the store uses {} of its {} MB cap (store.max_db_mb)",
                used / (1024 * 1024),
                cap / (1024 * 1024)
            )));
        }
        let free = free_disk_bytes(&self.dir)?;
        if free < self.limits.min_free_disk_bytes + ROOM_FOR_ONE {
            return Err(StoreError::Full(format!(
                "{} MB free on the data disk, {} MB must stay free (store.min_free_mb)",
                free / (1024 * 1024),
                self.limits.min_free_disk_bytes / (1024 * 1024)
            )));
        }
        Ok(())
    }

    fn write(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew(version));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.write()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Saves a new application and its outbox row in one transaction. The number is allocated in
    /// the same transaction (device id + day + that day's next sequence), and `build` makes the
    /// submission body once the number is known (plus anything the caller wants back with it).
    pub fn save_application<T>(
        &mut self,
        device_id: &str,
        created_at: NaiveDateTime,
        fee: u32,
        idem_key: &str,
        build: impl FnOnce(&AppNumber) -> (String, T),
    ) -> Result<(AppNumber, T), StoreError> {
        self.save(device_id, created_at, fee, idem_key, false, build)
    }

    /// As [`Store::save_application`], but the outbox row waits until [`Store::release_held`]
    /// (or [`Store::release_all_held`] at the next start): the fee is being paid at the kiosk
    /// and the central is to receive the application with the payment's state.
    pub fn save_application_held<T>(
        &mut self,
        device_id: &str,
        created_at: NaiveDateTime,
        fee: u32,
        idem_key: &str,
        build: impl FnOnce(&AppNumber) -> (String, T),
    ) -> Result<(AppNumber, T), StoreError> {
        self.save(device_id, created_at, fee, idem_key, true, build)
    }

    fn save<T>(
        &mut self,
        device_id: &str,
        created_at: NaiveDateTime,
        fee: u32,
        idem_key: &str,
        held: bool,
        build: impl FnOnce(&AppNumber) -> (String, T),
    ) -> Result<(AppNumber, T), StoreError> {
        let tx = self.write()?;
        let number = take_number(&tx, device_id, created_at.date())?;
        tx.execute(
            "INSERT INTO applications(number, created_at, fee) VALUES (?1, ?2, ?3)",
            params![
                number.as_str(),
                created_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                fee
            ],
        )?;
        let (body, extra) = build(&number);
        tx.execute(
            "INSERT INTO outbox(number, idem_key, body, state, held) VALUES (?1, ?2, ?3, 'pending', ?4)",
            params![number.as_str(), idem_key, body, held],
        )?;
        tx.commit()?;
        Ok((number, extra))
    }

    /// Lets a held application go to the central, with `body` (the submission with the fee's
    /// state) in place of the one saved. A row that is not held is left alone (returns false).
    pub fn release_held(&mut self, number: &str, body: &str) -> Result<bool, StoreError> {
        let tx = self.write()?;
        let changed = tx.execute(
            "UPDATE outbox SET body = ?2, held = 0 WHERE number = ?1 AND held = 1",
            params![number, body],
        )?;
        tx.commit()?;
        Ok(changed == 1)
    }

    /// Lets every held application go as saved (the kiosk stopped mid-payment: the central
    /// knows the payment by the application number), except those whose fee the card terminal
    /// was asked for: they wait for [`Store::held_at_terminal`]'s settlement. Returns how many.
    pub fn release_all_held(&mut self) -> Result<usize, StoreError> {
        let tx = self.write()?;
        let changed = tx.execute(
            "UPDATE outbox SET held = 0 WHERE held = 1 AND fee_terminal IS NULL",
            [],
        )?;
        tx.commit()?;
        Ok(changed)
    }

    /// Records, before the card terminal is asked, that held application `number`'s fee is
    /// collected there as the central's payment `payment_id`. False when the row is not held.
    pub fn mark_at_terminal(&mut self, number: &str, payment_id: &str) -> Result<bool, StoreError> {
        let tx = self.write()?;
        let changed = tx.execute(
            "UPDATE outbox SET fee_terminal = ?2 WHERE number = ?1 AND held = 1",
            params![number, payment_id],
        )?;
        tx.commit()?;
        Ok(changed == 1)
    }

    /// Held applications whose fee the card terminal was asked for: what a kiosk that stopped
    /// mid-payment left. Oldest first.
    pub fn held_at_terminal(&self) -> Result<Vec<HeldAtTerminal>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT number, fee_terminal, body FROM outbox
             WHERE held = 1 AND fee_terminal IS NOT NULL AND body IS NOT NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(HeldAtTerminal {
                number: r.get(0)?,
                payment_id: r.get(1)?,
                body: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Pending submissions, oldest first.
    pub fn pending(&self, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT number, idem_key, body, attempts FROM outbox
             WHERE state = 'pending' AND held = 0 AND body IS NOT NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(OutboxItem {
                number: r.get(0)?,
                idem_key: r.get(1)?,
                body: r.get(2)?,
                attempts: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records the central's acknowledgement and purges the personal data of the submission:
    /// only the number, times and receipt number stay.
    pub fn mark_acked(
        &mut self,
        idem_key: &str,
        receipt_no: &str,
        at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        let number: Option<String> = tx
            .query_row(
                "SELECT number FROM outbox WHERE idem_key = ?1",
                [idem_key],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(number) = number {
            tx.execute(
                "UPDATE outbox SET state = 'acked', body = NULL, last_error = NULL WHERE idem_key = ?1",
                [idem_key],
            )?;
            tx.execute(
                "UPDATE applications SET acked_at = ?2, receipt_no = ?3 WHERE number = ?1",
                params![
                    number,
                    at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    receipt_no
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes the tombstones of applications acknowledged before `cutoff` (with any print job
    /// left); returns how many. Numbers are never reused: the day sequence stays.
    pub fn purge_tombstones_before(&mut self, cutoff: NaiveDateTime) -> Result<usize, StoreError> {
        let cutoff = cutoff.format("%Y-%m-%dT%H:%M:%S").to_string();
        let tx = self.write()?;
        let old = "SELECT number FROM applications WHERE acked_at IS NOT NULL AND acked_at < ?1";
        tx.execute(
            &format!("DELETE FROM print_jobs WHERE number IN ({old})"),
            [&cutoff],
        )?;
        tx.execute(
            &format!("DELETE FROM outbox WHERE state = 'acked' AND number IN ({old})"),
            [&cutoff],
        )?;
        let n = tx.execute(
            "DELETE FROM applications WHERE acked_at IS NOT NULL AND acked_at < ?1
             AND number NOT IN (SELECT number FROM outbox)",
            [&cutoff],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Copies the WAL into the database and empties it. With `secure_delete` on, the pages that
    /// held purged submissions are zeroed, so after this no personal data of acknowledged
    /// applications is left in any file.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Records a failed attempt; the submission stays queued.
    pub fn mark_failed(&mut self, idem_key: &str, error: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE idem_key = ?1",
            params![idem_key, error],
        )?;
        Ok(())
    }

    /// Keeps the printer bytes of an application's form so that staff can reprint it.
    pub fn save_print_job(
        &mut self,
        number: &str,
        bytes: &[u8],
        at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO print_jobs(number, bytes, created_at) VALUES (?1, ?2, ?3)",
            params![number, bytes, at.format("%Y-%m-%dT%H:%M:%S").to_string()],
        )?;
        Ok(())
    }

    /// The stored printer bytes of an application's form.
    pub fn print_job(&self, number: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT bytes FROM print_jobs WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Deletes print jobs made before `cutoff`: a form is reprinted the same day or not at all,
    /// and the bytes carry the applicant's name.
    pub fn purge_print_jobs_before(&mut self, cutoff: NaiveDateTime) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM print_jobs WHERE created_at < ?1",
            [cutoff.format("%Y-%m-%dT%H:%M:%S").to_string()],
        )?)
    }

    /// Moves a submission the central refused to the dead letters, keeping the reason.
    pub fn mark_dead(&mut self, idem_key: &str, reason: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?2 WHERE idem_key = ?1",
            params![idem_key, reason],
        )?;
        Ok(())
    }

    pub fn counts(&self) -> Result<QueueCounts, StoreError> {
        let count = |state: &str| -> Result<u64, StoreError> {
            Ok(self.conn.query_row(
                "SELECT count(*) FROM outbox WHERE state = ?1",
                [state],
                |r| r.get::<_, i64>(0),
            )? as u64)
        };
        Ok(QueueCounts {
            pending: count("pending")?,
            acked: count("acked")?,
            dead: count("dead")?,
        })
    }

    /// When the oldest waiting application was captured: the age the fleet alerts on.
    pub fn oldest_pending(&self) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT min(a.created_at) FROM outbox o JOIN applications a ON a.number = o.number
             WHERE o.state = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Outbox rows in the given states, oldest first.
    pub fn queue(&self, states: &[&str]) -> Result<Vec<QueueRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT o.number, o.state, o.attempts, a.created_at, o.last_error
             FROM outbox o JOIN applications a ON a.number = o.number
             ORDER BY a.created_at, o.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(QueueRow {
                number: r.get(0)?,
                state: r.get(1)?,
                attempts: r.get::<_, i64>(2)? as u32,
                created_at: r.get(3)?,
                last_error: r.get(4)?,
            })
        })?;
        let mut out = Vec::new();
        for row in rows {
            let row = row?;
            if states.contains(&row.state.as_str()) {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Puts dead letters back in the queue (one by number, or all); returns how many.
    pub fn retry_dead(&mut self, number: Option<&str>) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE outbox SET state = 'pending', attempts = 0
             WHERE state = 'dead' AND (?1 IS NULL OR number = ?1)",
            params![number],
        )?)
    }

    /// The submissions of dead letters (personal data: for handing over by other means).
    pub fn dead_bodies(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT number, body FROM outbox WHERE state = 'dead' AND body IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether an application with this number is stored, and its central receipt number once acknowledged.
    pub fn application(&self, number: &str) -> Result<Option<Option<String>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT receipt_no FROM applications WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .optional()?)
    }
}

/// Bytes an unprivileged process may still write on the file system holding `dir`.
fn free_disk_bytes(dir: &Path) -> Result<u64, StoreError> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a valid NUL-terminated path and `st` is written by statvfs on success.
    if unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) } != 0 {
        return Err(StoreError::Io(std::io::Error::last_os_error()));
    }
    // SAFETY: statvfs returned 0, so it filled `st`.
    let st = unsafe { st.assume_init() };
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> StoreKey {
        StoreKey::from_bytes([7; key::KEY_LEN])
    }

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn save_allocates_daily_sequence_and_queues() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        let a = s
            .save_application("XMH01", at(9), 120, "k1", |n| {
                (format!("{{\"n\":\"{n}\"}}"), ())
            })
            .unwrap()
            .0;
        let b = s
            .save_application("XMH01", at(10), 60, "k2", |_| ("{}".into(), ()))
            .unwrap()
            .0;
        assert!(a.as_str().starts_with("XMH0126112500001"));
        assert!(b.as_str().starts_with("XMH0126112500002"));
        let next_day = NaiveDate::from_ymd_opt(2026, 11, 26)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        let c = s
            .save_application("XMH01", next_day, 60, "k3", |_| ("{}".into(), ()))
            .unwrap()
            .0;
        assert!(c.as_str().starts_with("XMH0126112600001"));
        let pending = s.pending(10).unwrap();
        assert_eq!(pending.len(), 3);
        assert_eq!(pending[0].body, format!("{{\"n\":\"{a}\"}}"));
    }

    #[test]
    fn a_held_application_waits_until_released_with_its_new_body_or_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        let (a, ()) = s
            .save_application_held("XMH01", at(9), 120, "k1", |_| ("saved".into(), ()))
            .unwrap();
        let (b, ()) = s
            .save_application_held("XMH01", at(9), 120, "k2", |_| ("saved".into(), ()))
            .unwrap();
        assert!(
            s.pending(10).unwrap().is_empty(),
            "both wait for their payment"
        );
        assert!(s.release_held(a.as_str(), "paid").unwrap());
        assert!(
            !s.release_held(a.as_str(), "again").unwrap(),
            "released once"
        );
        let pending = s.pending(10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].body, "paid");
        drop(s);
        // The kiosk stopped during b's payment: the next start lets it go as saved.
        let mut s = Store::open(dir.path(), &key()).unwrap();
        assert_eq!(s.release_all_held().unwrap(), 1);
        let bodies: Vec<_> = s
            .pending(10)
            .unwrap()
            .into_iter()
            .map(|i| (i.number, i.body))
            .collect();
        assert_eq!(
            bodies,
            vec![
                (a.to_string(), "paid".into()),
                (b.to_string(), "saved".into())
            ]
        );
    }

    #[test]
    fn an_application_paid_at_the_terminal_stays_held_for_recovery_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        let (card, ()) = s
            .save_application_held("XMH01", at(9), 120, "k1", |_| ("card".into(), ()))
            .unwrap();
        let (phone, ()) = s
            .save_application_held("XMH01", at(9), 120, "k2", |_| ("phone".into(), ()))
            .unwrap();
        let (sent, ()) = s
            .save_application("XMH01", at(9), 120, "k3", |_| ("sent".into(), ()))
            .unwrap();
        assert!(s.mark_at_terminal(card.as_str(), "F-000007").unwrap());
        assert!(
            !s.mark_at_terminal(sent.as_str(), "F-000008").unwrap(),
            "only a held row is paid at the terminal"
        );
        drop(s);
        let mut s = Store::open(dir.path(), &key()).unwrap();
        assert_eq!(s.release_all_held().unwrap(), 1, "the phone payment goes");
        let held = s.held_at_terminal().unwrap();
        assert_eq!(
            held,
            vec![HeldAtTerminal {
                number: card.to_string(),
                payment_id: "F-000007".into(),
                body: "card".into(),
            }]
        );
        assert!(s.release_held(card.as_str(), "card, settled").unwrap());
        assert!(s.held_at_terminal().unwrap().is_empty());
        let numbers: Vec<_> = s
            .pending(10)
            .unwrap()
            .into_iter()
            .map(|i| i.number)
            .collect();
        assert_eq!(
            numbers,
            [card.to_string(), phone.to_string(), sent.to_string()]
        );
    }

    #[test]
    fn numbers_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(dir.path(), &key())
            .unwrap()
            .save_application("XMH01", at(9), 1, "k1", |_| ("{}".into(), ()))
            .unwrap()
            .0;
        let b = Store::open(dir.path(), &key())
            .unwrap()
            .save_application("XMH01", at(9), 1, "k2", |_| ("{}".into(), ()))
            .unwrap()
            .0;
        assert_ne!(a, b);
    }

    #[test]
    fn tombstones_go_after_their_days_and_numbers_are_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        let save = |s: &mut Store, key: &str| {
            s.save_application("XMH01", at(9), 1, key, |_| ("{}".into(), ()))
                .unwrap()
                .0
        };
        let acked = save(&mut s, "k1");
        let waiting = save(&mut s, "k2");
        s.save_print_job(acked.as_str(), b"form", at(9)).unwrap();
        s.mark_acked("k1", "R-1", at(10)).unwrap();
        assert_eq!(
            s.purge_tombstones_before(at(10)).unwrap(),
            0,
            "not old enough"
        );
        assert_eq!(s.purge_tombstones_before(at(11)).unwrap(), 1);
        assert_eq!(s.application(acked.as_str()).unwrap(), None);
        assert_eq!(s.print_job(acked.as_str()).unwrap(), None);
        assert_eq!(
            s.application(waiting.as_str()).unwrap(),
            Some(None),
            "waiting ones stay"
        );
        let next = save(&mut s, "k3");
        assert!(next != acked && next != waiting);
    }

    #[test]
    fn ack_purges_the_body() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        let n = s
            .save_application("XMH01", at(9), 1, "k1", |_| {
                ("{\"name\":\"曾小芳\"}".into(), ())
            })
            .unwrap()
            .0;
        s.mark_failed("k1", "connection refused").unwrap();
        assert_eq!(s.pending(10).unwrap()[0].attempts, 1);
        s.mark_acked("k1", "R-1", at(10)).unwrap();
        assert!(s.pending(10).unwrap().is_empty());
        assert_eq!(
            s.counts().unwrap(),
            QueueCounts {
                pending: 0,
                acked: 1,
                dead: 0
            }
        );
        assert_eq!(s.application(n.as_str()).unwrap(), Some(Some("R-1".into())));
        let body: Option<String> = s
            .conn
            .query_row("SELECT body FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(body, None);
    }

    #[test]
    fn print_jobs_are_kept_for_reprint_then_purged() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        let (n, ()) = s
            .save_application("XMH01", at(9), 1, "k1", |_| ("{}".into(), ()))
            .unwrap();
        s.save_print_job(n.as_str(), &[0x1B, 0x40], at(9)).unwrap();
        assert_eq!(s.print_job(n.as_str()).unwrap(), Some(vec![0x1B, 0x40]));
        assert_eq!(s.purge_print_jobs_before(at(8)).unwrap(), 0);
        assert_eq!(s.purge_print_jobs_before(at(10)).unwrap(), 1);
        assert_eq!(s.print_job(n.as_str()).unwrap(), None);
    }

    #[test]
    fn duplicate_key_rolls_back_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        s.save_application("XMH01", at(9), 1, "k1", |_| ("{}".into(), ()))
            .unwrap();
        assert!(
            s.save_application("XMH01", at(9), 1, "k1", |_| ("{}".into(), ()))
                .is_err()
        );
        // The failed transaction allocated no number and left no application behind.
        let c = s
            .save_application("XMH01", at(9), 1, "k2", |_| ("{}".into(), ()))
            .unwrap()
            .0;
        assert!(c.as_str().starts_with("XMH0126112500002"));
        let apps: i64 = s
            .conn
            .query_row("SELECT count(*) FROM applications", [], |r| r.get(0))
            .unwrap();
        assert_eq!(apps, 2);
    }

    #[test]
    fn the_file_is_encrypted_and_only_its_key_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        let version: String = s
            .conn
            .query_row("PRAGMA cipher_version", [], |r| r.get(0))
            .unwrap();
        assert!(version.starts_with('4'), "SQLCipher 4 linked: {version}");
        s.save_application("XMH01", at(9), 1, "k1", |_| {
            ("{\"name\":\"曾小芳\"}".into(), ())
        })
        .unwrap();
        s.checkpoint().unwrap();
        drop(s);
        let raw = std::fs::read(db_path(dir.path())).unwrap();
        assert!(!raw.starts_with(b"SQLite format 3"));
        assert!(
            !raw.windows("曾小芳".len())
                .any(|w| w == "曾小芳".as_bytes())
        );
        let other = StoreKey::from_bytes([8; key::KEY_LEN]);
        let e = Store::open(dir.path(), &other)
            .err()
            .expect("wrong key refused");
        assert!(matches!(e, StoreError::WrongKey(_)), "{e}");
        assert!(e.to_string().contains("cannot be opened with this key"));
        assert_eq!(
            Store::open(dir.path(), &key())
                .unwrap()
                .counts()
                .unwrap()
                .pending,
            1
        );
    }

    #[test]
    fn a_damaged_first_page_is_told_apart_from_a_wrong_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        s.save_application("XMH01", at(9), 1, "k", |_| ("x".into(), ()))
            .unwrap();
        s.checkpoint().unwrap();
        drop(s);
        let path = db_path(dir.path());
        let mut raw = std::fs::read(&path).unwrap();
        raw[200] ^= 0xFF;
        std::fs::write(&path, &raw).unwrap();
        // The right key: the check value beside the store says so, so it is damage.
        let e = Store::open(dir.path(), &key()).err().expect("damaged");
        assert!(matches!(e, StoreError::Damaged(_)), "{e}");
        assert!(e.to_string().contains("restore it"), "{e}");
        // Another key: the check value does not match.
        let other = StoreKey::from_bytes([8; key::KEY_LEN]);
        let e = Store::open(dir.path(), &other).err().expect("wrong key");
        assert!(matches!(e, StoreError::WrongKey(_)), "{e}");
        // Without the check value the kiosk cannot know and says both.
        std::fs::remove_file(key_check::path(&path)).unwrap();
        let e = Store::open(dir.path(), &key()).err().expect("unknown");
        assert!(matches!(e, StoreError::KeyOrDamage(_)), "{e}");
    }

    #[test]
    fn the_check_value_is_written_for_a_store_that_had_none() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path(), &key()).unwrap());
        let kcv = key_check::path(&db_path(dir.path()));
        std::fs::remove_file(&kcv).unwrap();
        drop(Store::open(dir.path(), &key()).unwrap());
        assert_eq!(
            std::fs::read_to_string(&kcv).unwrap().trim(),
            key_check::value(&key())
        );
    }

    #[test]
    fn a_tampered_page_fails_the_start_up_check() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), &key()).unwrap();
        for i in 0..20 {
            s.save_application("XMH01", at(9), 1, &format!("k{i}"), |_| {
                ("x".repeat(3000), ())
            })
            .unwrap();
        }
        s.checkpoint().unwrap();
        drop(s);
        let path = db_path(dir.path());
        let mut raw = std::fs::read(&path).unwrap();
        let last_page = raw.len() - 4096;
        raw[last_page + 100] ^= 0x01;
        std::fs::write(&path, raw).unwrap();
        let e = Store::open(dir.path(), &key())
            .err()
            .expect("tampering found");
        assert!(
            matches!(e, StoreError::Damaged(_) | StoreError::Sqlite(_)),
            "{e}"
        );
    }

    #[test]
    fn the_size_cap_saves_nothing_half_and_room_returns_after_acknowledgements() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            max_db_bytes: 4 * 1024 * 1024,
            min_free_disk_bytes: 0,
        };
        let mut s = Store::open_with(dir.path(), &key(), limits).unwrap();
        let body = "p".repeat(60_000);
        let mut saved = Vec::new();
        let full = loop {
            match s.save_application("XMH01", at(9), 1, &format!("k{}", saved.len()), |n| {
                (body.clone(), n.clone())
            }) {
                Ok((n, _)) => saved.push(n),
                Err(e) => break e,
            }
            assert!(saved.len() < 200, "the cap never bit");
        };
        assert!(matches!(full, StoreError::Full(_)), "{full}");
        assert!(
            s.conn.is_autocommit(),
            "the transaction was rolled back whole"
        );
        // Nothing half-saved: no application without its outbox row, no sequence number used.
        let (apps, outbox): (i64, i64) = s
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM applications), (SELECT count(*) FROM outbox)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((apps, outbox), (saved.len() as i64, saved.len() as i64));
        assert!(matches!(s.check_room(), Err(StoreError::Full(_))));
        for i in 0..saved.len() {
            s.mark_acked(&format!("k{i}"), "R", at(10)).unwrap();
        }
        s.check_room().expect("room once the bodies are purged");
        let (next, _) = s
            .save_application("XMH01", at(11), 1, "again", |n| (body.clone(), n.clone()))
            .unwrap();
        let last = saved.last().unwrap().as_str();
        assert!(
            next.as_str() > last,
            "the next number follows the last saved one"
        );
        let disk = Limits {
            max_db_bytes: 4 * 1024 * 1024,
            min_free_disk_bytes: u64::MAX / 4,
        };
        let s = Store::open_with(dir.path(), &key(), disk).unwrap();
        let e = s.check_room().unwrap_err().to_string();
        assert!(e.contains("store.min_free_mb"), "{e}");
    }
}
