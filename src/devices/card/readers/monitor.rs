//! The PC/SC reader monitor, built on `SCardGetStatusChange` (PC/SC Part 5): which readers
//! exist and what is on them, as a stream of changes.
//!
//! The monitor compares snapshots of every reader (present, ATR, event counter) so a card pulled
//! and put back between two looks still shows as removed and inserted. When `pcscd` goes away
//! (restart, crash) every card on record is reported removed and the context is re-established
//! on the next call; readers plugged or unplugged are seen through the PnP notification reader.

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
    events: u32,
}

pub struct Monitor {
    ctx: Option<Context>,
    known: BTreeMap<String, ReaderSnapshot>,
    lost: bool,
}

impl Default for Monitor {
    fn default() -> Self {
        Self::new()
    }
}

fn is_service_gone(e: &pcsc::Error) -> bool {
    !matches!(
        e,
        pcsc::Error::Timeout | pcsc::Error::Cancelled | pcsc::Error::NoReadersAvailable
    )
}

impl Monitor {
    pub fn new() -> Self {
        Monitor {
            ctx: None,
            known: BTreeMap::new(),
            lost: false,
        }
    }

    pub fn context(&mut self) -> Result<&Context, CardError> {
        if self.ctx.is_none() {
            self.ctx = Some(Context::establish(Scope::User).map_err(reader_error)?);
        }
        Ok(self.ctx.as_ref().expect("just set"))
    }

    /// Every reader and what is on it now.
    pub fn snapshot(&mut self) -> Result<Vec<ReaderSnapshot>, CardError> {
        let ctx = self.context()?;
        let names = match ctx.list_readers_owned() {
            Ok(n) => n,
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(reader_error(e)),
        };
        let mut states: Vec<ReaderState> = names
            .into_iter()
            .map(|n| ReaderState::new(n, State::UNAWARE))
            .collect();
        if !states.is_empty() {
            ctx.get_status_change(Duration::ZERO, &mut states)
                .map_err(reader_error)?;
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

    /// Waits up to `timeout` for a change on any reader and reports what changed.
    pub fn next(&mut self, timeout: Duration) -> Vec<ReaderEvent> {
        match self.wait(timeout).and_then(|()| self.snapshot()) {
            Ok(now) => {
                let mut events = Vec::new();
                if std::mem::take(&mut self.lost) {
                    events.push(ReaderEvent::ServiceBack);
                }
                events.extend(self.diff(now));
                events
            }
            Err(e) => {
                self.ctx = None;
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

    fn wait(&mut self, timeout: Duration) -> Result<(), CardError> {
        let known: Vec<(String, bool, u32)> = self
            .known
            .values()
            .map(|s| (s.name.clone(), s.atr.is_some(), s.events))
            .collect();
        let ctx = self.context()?;
        let mut states = vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
        for (name, _, _) in &known {
            let name = CString::new(name.as_str())
                .map_err(|_| CardError::Reader("reader name has a NUL".into()))?;
            states.push(ReaderState::new(name, State::UNAWARE));
        }
        // Learn the current states; if they already differ from the last snapshot (a change
        // between two calls), report at once instead of waiting for the next one.
        if let Err(e) = ctx.get_status_change(Duration::ZERO, &mut states)
            && is_service_gone(&e)
        {
            return Err(reader_error(e));
        }
        let changed = states[1..]
            .iter()
            .zip(&known)
            .any(|(s, (_, present, events))| {
                let ev = s.event_state();
                ev.contains(State::PRESENT) != *present
                    || s.event_count() != *events
                    || ev.contains(State::UNKNOWN)
            });
        if changed {
            return Ok(());
        }
        for s in &mut states {
            s.sync_current_state();
        }
        match ctx.get_status_change(timeout, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => Ok(()),
            Err(e) if is_service_gone(&e) => Err(reader_error(e)),
            Err(_) => Ok(()),
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
