//! The PC/SC reader monitor, built on `SCardGetStatusChange` (PC/SC Part 5): which readers
//! exist and what is on them, as a stream of changes.
//!
//! The monitor compares snapshots of every reader (present, ATR, event counter) so a card pulled
//! and put back between two looks still shows as removed and inserted. When `pcscd` goes away
//! (restart, crash) every card on record is reported removed and the context is re-established
//! on the next call; readers plugged or unplugged are seen through the PnP notification reader.
//! An error about one reader (pcsc-lite answers `SCARD_E_UNKNOWN_READER` when a reader named in
//! the wait was unplugged) is not the service going away: the readers are listed again and only
//! the one that left is reported, so a card on another reader stays where it is. Any other
//! error is treated as the service gone.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::time::Duration;

use pcsc::{Context, ReaderState, Scope, State};

use crate::devices::card::error::CardError;
use crate::devices::card::transport::pcsc::reader_error;

/// Whether `reader` is the one `pattern` names: its full name or a part of it (any reader when
/// there is no pattern).
pub fn reader_matches(reader: &str, pattern: Option<&str>) -> bool {
    pattern.is_none_or(|p| reader.contains(p))
}

/// The reader `pattern` names: an exact name first, else the first whose name contains it.
pub fn find_reader<'a>(readers: &'a [String], pattern: Option<&str>) -> Option<&'a String> {
    readers
        .iter()
        .find(|r| Some(r.as_str()) == pattern)
        .or_else(|| readers.iter().find(|r| reader_matches(r, pattern)))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    Attached(String),
    Detached(String),
    CardInserted {
        reader: String,
        atr: Vec<u8>,
    },
    CardRemoved(String),
    /// The PC/SC service is unreachable; the reason is for the log.
    ServiceLost(String),
    ServiceBack,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReaderSnapshot {
    pub name: String,
    /// ATR of the card on the reader, if any.
    pub atr: Option<Vec<u8>>,
    pub in_use: bool,
    #[serde(skip)]
    pub events: u32,
}

/// What the monitor asks PC/SC (PC/SC Part 5: `SCardListReaders`, `SCardGetStatusChange`).
/// The real one is [`Pcsc`]; tests script the answers, including those of a reader unplugged
/// mid-wait, which vpcd cannot produce.
pub trait StatusSource {
    /// The readers the service knows; none is an empty list.
    fn readers(&mut self) -> Result<Vec<String>, pcsc::Error>;
    /// What is on each of `names` now.
    fn look(&mut self, names: &[String]) -> Result<Vec<ReaderSnapshot>, pcsc::Error>;
    /// Blocks up to `timeout` until a reader is plugged or unplugged or one of `known` changes
    /// (returns at once if one already has).
    fn wait(&mut self, known: &[ReaderSnapshot], timeout: Duration) -> Result<(), pcsc::Error>;
    /// Drops the connection to the service; the next call makes a new one.
    fn reset(&mut self);
}

/// Errors about one reader rather than the service: pcsc-lite refuses a status request naming a
/// reader that was just unplugged with `SCARD_E_UNKNOWN_READER` (or `READER_UNAVAILABLE`), and
/// lists no readers with `NO_READERS_AVAILABLE`. They mean "list the readers again"; every other
/// error means the service is gone (stopped, restarted, unreachable).
fn is_reader_change(e: &pcsc::Error) -> bool {
    matches!(
        e,
        pcsc::Error::UnknownReader
            | pcsc::Error::ReaderUnavailable
            | pcsc::Error::NoReadersAvailable
    )
}

/// PC/SC through pcsc-lite (or any PC/SC implementation the `pcsc` crate links to).
#[derive(Default)]
pub struct Pcsc {
    ctx: Option<Context>,
}

impl Pcsc {
    fn ctx(&mut self) -> Result<&Context, pcsc::Error> {
        if self.ctx.is_none() {
            self.ctx = Some(Context::establish(Scope::User)?);
        }
        Ok(self.ctx.as_ref().expect("just set"))
    }
}

fn unaware(names: &[String]) -> Result<Vec<ReaderState>, pcsc::Error> {
    names
        .iter()
        .map(|n| {
            CString::new(n.as_str())
                .map(|c| ReaderState::new(c, State::UNAWARE))
                .map_err(|_| pcsc::Error::InvalidValue)
        })
        .collect()
}

impl StatusSource for Pcsc {
    fn readers(&mut self) -> Result<Vec<String>, pcsc::Error> {
        match self.ctx()?.list_readers_owned() {
            Ok(names) => Ok(names
                .into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    fn look(&mut self, names: &[String]) -> Result<Vec<ReaderSnapshot>, pcsc::Error> {
        let mut states = unaware(names)?;
        if !states.is_empty() {
            self.ctx()?.get_status_change(Duration::ZERO, &mut states)?;
        }
        Ok(states
            .iter()
            .map(|s| {
                let ev = s.event_state();
                let present = ev.contains(State::PRESENT) && !ev.contains(State::MUTE);
                ReaderSnapshot {
                    name: s.name().to_string_lossy().into_owned(),
                    atr: present.then(|| s.atr().to_vec()),
                    in_use: ev.contains(State::INUSE),
                    events: s.event_count(),
                }
            })
            .collect())
    }

    fn wait(&mut self, known: &[ReaderSnapshot], timeout: Duration) -> Result<(), pcsc::Error> {
        let names: Vec<String> = known.iter().map(|k| k.name.clone()).collect();
        let mut states = vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
        states.extend(unaware(&names)?);
        let ctx = self.ctx()?;
        // Learn the current states; if they already differ from the last snapshot (a change
        // between two calls), report at once instead of waiting for the next one.
        match ctx.get_status_change(Duration::ZERO, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) | Err(pcsc::Error::Cancelled) => {}
            Err(e) => return Err(e),
        }
        let changed = states[1..].iter().zip(known).any(|(s, k)| {
            let ev = s.event_state();
            ev.contains(State::PRESENT) != k.atr.is_some()
                || s.event_count() != k.events
                || ev.contains(State::UNKNOWN)
        });
        if changed {
            return Ok(());
        }
        for s in &mut states {
            s.sync_current_state();
        }
        match ctx.get_status_change(timeout, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) | Err(pcsc::Error::Cancelled) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn reset(&mut self) {
        self.ctx = None;
    }
}

/// Readers and what is on them, as a stream of changes.
pub struct Monitor<S: StatusSource = Pcsc> {
    source: S,
    known: BTreeMap<String, ReaderSnapshot>,
    lost: bool,
}

impl Default for Monitor {
    fn default() -> Self {
        Self::new()
    }
}

impl Monitor {
    pub fn new() -> Self {
        Monitor::with_source(Pcsc::default())
    }

    /// The PC/SC context, to connect to a card the monitor reported.
    pub fn context(&mut self) -> Result<&Context, CardError> {
        self.source.ctx().map_err(reader_error)
    }
}

impl<S: StatusSource> Monitor<S> {
    pub fn with_source(source: S) -> Self {
        Monitor {
            source,
            known: BTreeMap::new(),
            lost: false,
        }
    }

    /// Every reader and what is on it now. A reader unplugged between listing and looking is
    /// listed again (three tries).
    pub fn snapshot(&mut self) -> Result<Vec<ReaderSnapshot>, CardError> {
        let mut last = pcsc::Error::UnknownReader;
        for _ in 0..3 {
            let names = self.source.readers().map_err(reader_error)?;
            match self.source.look(&names) {
                Ok(seen) => return Ok(seen),
                Err(e) if is_reader_change(&e) => last = e,
                Err(e) => return Err(reader_error(e)),
            }
        }
        Err(reader_error(last))
    }

    /// Waits up to `timeout` for a change on any reader and reports what changed.
    pub fn next(&mut self, timeout: Duration) -> Vec<ReaderEvent> {
        let known: Vec<ReaderSnapshot> = self.known.values().cloned().collect();
        let waited = match self.source.wait(&known, timeout) {
            // A reader that went away: look again (after a short pause, so a reader that keeps
            // answering so cannot spin this loop).
            Err(e) if is_reader_change(&e) => {
                tracing::debug!(error = %e, "card readers: a reader changed; listing them again");
                std::thread::sleep(timeout.min(Duration::from_millis(100)));
                Ok(())
            }
            other => other.map_err(reader_error),
        };
        match waited.and_then(|()| self.snapshot()) {
            Ok(now) => {
                let mut events = Vec::new();
                if std::mem::take(&mut self.lost) {
                    events.push(ReaderEvent::ServiceBack);
                }
                events.extend(self.diff(now));
                events
            }
            Err(e) => {
                self.source.reset();
                let mut events = self.diff(Vec::new());
                if !std::mem::replace(&mut self.lost, true) {
                    events.push(ReaderEvent::ServiceLost(e.to_string()));
                }
                // Nothing to wait on without a service: pace the reconnection attempts.
                std::thread::sleep(timeout.min(Duration::from_millis(500)));
                events
            }
        }
    }

    fn diff(&mut self, now: Vec<ReaderSnapshot>) -> Vec<ReaderEvent> {
        let mut events = Vec::new();
        let now: BTreeMap<String, ReaderSnapshot> =
            now.into_iter().map(|s| (s.name.clone(), s)).collect();
        for (name, old) in &self.known {
            if !now.contains_key(name) {
                if old.atr.is_some() {
                    events.push(ReaderEvent::CardRemoved(name.clone()));
                }
                events.push(ReaderEvent::Detached(name.clone()));
            }
        }
        for (name, new) in &now {
            let old = self.known.get(name);
            if old.is_none() {
                events.push(ReaderEvent::Attached(name.clone()));
            }
            let had = old.and_then(|o| o.atr.as_ref());
            // The event counter moves on every insertion or removal (pcsc-lite), so a card
            // swapped between two looks is a removal and an insertion.
            let swapped =
                old.is_some_and(|o| o.events != new.events && o.atr.is_some() && new.atr.is_some());
            if had.is_some() && (new.atr.is_none() || swapped) {
                events.push(ReaderEvent::CardRemoved(name.clone()));
            }
            if let Some(atr) = &new.atr
                && (had.is_none() || swapped)
            {
                events.push(ReaderEvent::CardInserted {
                    reader: name.clone(),
                    atr: atr.clone(),
                });
            }
        }
        self.known = now;
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A change to the readers made while a wait is under way.
    type Change = Box<dyn FnOnce(&mut Vec<ReaderSnapshot>)>;

    /// Scripted PC/SC: the readers and cards now, and what each wait answers.
    #[derive(Default)]
    struct Scripted {
        readers: Vec<ReaderSnapshot>,
        waits: VecDeque<Result<(), pcsc::Error>>,
        /// Changes to make when the next wait returns (a reader unplugged meanwhile).
        then: VecDeque<Change>,
        service: bool,
    }

    impl StatusSource for Scripted {
        fn readers(&mut self) -> Result<Vec<String>, pcsc::Error> {
            if !self.service {
                return Err(pcsc::Error::NoService);
            }
            Ok(self.readers.iter().map(|r| r.name.clone()).collect())
        }

        fn look(&mut self, names: &[String]) -> Result<Vec<ReaderSnapshot>, pcsc::Error> {
            names
                .iter()
                .map(|n| {
                    self.readers
                        .iter()
                        .find(|r| &r.name == n)
                        .cloned()
                        .ok_or(pcsc::Error::UnknownReader)
                })
                .collect()
        }

        fn wait(&mut self, _: &[ReaderSnapshot], _: Duration) -> Result<(), pcsc::Error> {
            if let Some(change) = self.then.pop_front() {
                change(&mut self.readers);
            }
            self.waits.pop_front().unwrap_or(Ok(()))
        }

        fn reset(&mut self) {}
    }

    fn reader(name: &str, atr: Option<&[u8]>, events: u32) -> ReaderSnapshot {
        ReaderSnapshot {
            name: name.into(),
            atr: atr.map(<[u8]>::to_vec),
            in_use: false,
            events,
        }
    }

    const ID: &str = "Kiosk ID reader 00 00";
    const PERMIT: &str = "Kiosk permit reader 01 00";

    fn two_readers_with_an_id_card() -> Monitor<Scripted> {
        let mut m = Monitor::with_source(Scripted {
            readers: vec![reader(ID, Some(&[0x3B, 0x8E]), 1), reader(PERMIT, None, 0)],
            service: true,
            ..Default::default()
        });
        let first = m.next(Duration::ZERO);
        assert!(first.contains(&ReaderEvent::CardInserted {
            reader: ID.into(),
            atr: vec![0x3B, 0x8E]
        }));
        m
    }

    #[test]
    fn unplugging_one_reader_detaches_it_and_leaves_the_card_on_the_other() {
        let mut m = two_readers_with_an_id_card();
        // The permit reader is unplugged during the wait: pcsc-lite refuses the wait, which
        // names it, with SCARD_E_UNKNOWN_READER.
        m.source
            .then
            .push_back(Box::new(|readers| readers.retain(|r| r.name != PERMIT)));
        m.source.waits.push_back(Err(pcsc::Error::UnknownReader));
        assert_eq!(
            m.next(Duration::ZERO),
            [ReaderEvent::Detached(PERMIT.into())]
        );
        // Plugged back in: attached, the ID card untouched all along.
        m.source
            .then
            .push_back(Box::new(|readers| readers.push(reader(PERMIT, None, 0))));
        assert_eq!(
            m.next(Duration::ZERO),
            [ReaderEvent::Attached(PERMIT.into())]
        );
    }

    #[test]
    fn every_error_about_one_reader_is_a_reader_change_not_a_lost_service() {
        for error in [
            pcsc::Error::UnknownReader,
            pcsc::Error::ReaderUnavailable,
            pcsc::Error::NoReadersAvailable,
        ] {
            let mut m = two_readers_with_an_id_card();
            m.source.waits.push_back(Err(error));
            let events = m.next(Duration::ZERO);
            assert!(events.is_empty(), "{error:?}: {events:?}");
        }
    }

    #[test]
    fn the_service_going_away_removes_every_card_once_and_comes_back() {
        let mut m = two_readers_with_an_id_card();
        m.source.service = false;
        m.source.waits.push_back(Err(pcsc::Error::NoService));
        let events = m.next(Duration::ZERO);
        assert!(
            events.contains(&ReaderEvent::CardRemoved(ID.into())),
            "{events:?}"
        );
        assert!(matches!(events.last(), Some(ReaderEvent::ServiceLost(_))));
        m.source.service = true;
        let events = m.next(Duration::ZERO);
        assert_eq!(events.first(), Some(&ReaderEvent::ServiceBack));
    }
}
