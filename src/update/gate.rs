//! The health gate: the verdict on a newly booted slot, and the thread that waits for it.
//!
//! A slot is new until the kiosk has given its verdict on this installation of it; the verdicts
//! given are kept in `<data_dir>/update-verdicts` (one line per bootname: bootname,
//! installation, `good` or `bad`), on the data partition both slots share. RAUC 1.8 reports a
//! fresh and a confirmed slot alike (`boot_status` good), so without this record the kiosk could
//! not tell a new update from an old slot — and must not mark an old, proven slot bad because
//! the central is unreachable today.
//!
//! A proven slot (one given `good`; a line from before verdicts were recorded is left alone) is
//! confirmed again at every start, once the kiosk is on screen with its store intact: in RAUC's GRUB scheme (deploy/rauc/grub.cfg) the bootloader counts every boot as a
//! try, and only `mark-good` clears it, so a slot never confirmed again would be passed over at
//! the next boot — and the kiosk would silently go back to the previous version.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::engine::{BootedSlot, UpdateEngine, UpdateError, Verdict};

/// How the kiosk stands, as the gate sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The first frame is drawn and READY sent.
    pub ready: bool,
    /// What the store's integrity check found wrong, if anything.
    pub store_problem: Option<String>,
    /// The central has acknowledged a heartbeat since this start.
    pub heartbeat_acknowledged: bool,
}

/// What the gate does now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Everything holds: mark the slot good.
    Good,
    /// The slot cannot serve, or did not prove it could in time: mark it bad (the reason).
    Bad(String),
    /// Not yet: what is still missing.
    Wait(Vec<&'static str>),
}

/// The verdict on a new slot that has run for `elapsed` of its `limit`.
pub fn decide(health: &Health, elapsed: Duration, limit: Duration) -> Decision {
    if let Some(problem) = &health.store_problem {
        return Decision::Bad(format!("store integrity check failed: {problem}"));
    }
    let mut missing = Vec::new();
    if !health.ready {
        missing.push("ready on screen");
    }
    if !health.heartbeat_acknowledged {
        missing.push("heartbeat acknowledged by the central");
    }
    if missing.is_empty() {
        Decision::Good
    } else if elapsed >= limit {
        Decision::Bad(format!(
            "not healthy within {} min; missing: {}",
            limit.as_secs() / 60,
            missing.join(", ")
        ))
    } else {
        Decision::Wait(missing)
    }
}

/// The gate for one boot.
pub struct Gate {
    pub engine: Box<dyn UpdateEngine>,
    /// `<data_dir>/update-verdicts`.
    pub verdicts: PathBuf,
    /// `update.confirm_minutes`.
    pub limit: Duration,
}

/// How often the gate looks at the kiosk's health while it waits.
const LOOK_EVERY: Duration = Duration::from_secs(5);

impl Gate {
    /// The booted slot, and whether the kiosk gave this installation of it a verdict at an
    /// earlier start: `None` it awaits one; `Some(None)` given, but which one is not recorded
    /// (a file from before verdicts were kept); `Some(Some(v))` the verdict. Logs a fallback
    /// from a failed update.
    pub fn booted(&self) -> Result<(BootedSlot, Option<Option<Verdict>>), UpdateError> {
        let slot = self.engine.booted()?;
        if slot.fell_back {
            tracing::warn!(
                slot = %slot.bootname,
                "update: the bootloader fell back to this slot; the update was rolled back"
            );
        }
        let given = self
            .given()
            .get(&slot.bootname)
            .filter(|(installation, _)| *installation == slot.installation)
            .map(|&(_, verdict)| verdict);
        Ok((slot, given))
    }

    /// Gives `verdict` on `slot` and records it.
    pub fn conclude(&self, slot: &BootedSlot, verdict: Verdict) -> Result<(), UpdateError> {
        self.engine.mark(verdict)?;
        let mut given = self.given();
        given.insert(
            slot.bootname.clone(),
            (slot.installation.clone(), Some(verdict)),
        );
        let text: String = given
            .iter()
            .map(|(boot, (installation, verdict))| {
                let verdict = match verdict {
                    Some(Verdict::Good) => "good",
                    Some(Verdict::Bad) => "bad",
                    None => "",
                };
                format!("{boot}\t{installation}\t{verdict}\n")
            })
            .collect();
        let tmp = self.verdicts.with_extension("tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.verdicts))
            .map_err(|e| {
                UpdateError::Refused(format!(
                    "marked, but {} not written: {e}",
                    self.verdicts.display()
                ))
            })
    }

    /// The verdicts given, by bootname: the installation and the verdict (`None` in a line
    /// written before verdicts were recorded: given, but which one is not known).
    fn given(&self) -> BTreeMap<String, (String, Option<Verdict>)> {
        std::fs::read_to_string(&self.verdicts)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut fields = l.split('\t');
                let (boot, installation) = (fields.next()?, fields.next()?);
                let verdict = match fields.next() {
                    Some("good") => Some(Verdict::Good),
                    Some("bad") => Some(Verdict::Bad),
                    _ => None,
                };
                Some((boot.to_string(), (installation.to_string(), verdict)))
            })
            .collect()
    }

    /// Confirms a proven slot for this boot: marks it good again once the kiosk is on screen
    /// with its store intact (within the limit), which clears the bootloader's try. Nothing
    /// when the store is damaged or the kiosk never gets on screen: the bootloader then counts
    /// this boot as a failed try.
    fn confirm(&self, slot: &BootedSlot, health: &impl Fn() -> Health, started: Instant) {
        loop {
            let now = health();
            if let Some(problem) = now.store_problem {
                tracing::error!(slot = %slot.bootname, %problem, "update: store damaged; this boot is not confirmed");
                return;
            }
            if now.ready {
                match self.engine.mark(Verdict::Good) {
                    Ok(()) => tracing::info!(slot = %slot.bootname, "update: boot confirmed"),
                    Err(e) => {
                        tracing::error!(error = %e, "update: this boot could not be confirmed")
                    }
                }
                return;
            }
            if started.elapsed() >= self.limit {
                tracing::error!(slot = %slot.bootname, "update: not on screen in time; this boot is not confirmed");
                return;
            }
            std::thread::sleep(LOOK_EVERY);
        }
    }

    /// Waits on its own thread for the verdict on a new slot (`health` is asked every 5 s) and
    /// gives it. A slot given `good` before is confirmed again for this boot ([`Gate::confirm`]);
    /// one given `bad` is left alone.
    pub fn spawn(self, health: impl Fn() -> Health + Send + 'static) {
        let started = Instant::now();
        let run = move || {
            // The engine's service may still be starting at boot: asked again until the limit,
            // since a boot left unconfirmed sends the next one back a version.
            let booted = loop {
                match self.booted() {
                    Ok(booted) => break booted,
                    Err(e) if started.elapsed() >= self.limit => {
                        tracing::error!(error = %e, "update: cannot ask the update engine; this slot is not marked good");
                        return;
                    }
                    Err(e) => {
                        tracing::info!(error = %e, "update: the update engine does not answer yet");
                        std::thread::sleep(LOOK_EVERY);
                    }
                }
            };
            let slot = match booted {
                (slot, None) => slot,
                (slot, Some(Some(Verdict::Good))) => {
                    self.confirm(&slot, &health, started);
                    return;
                }
                (_, Some(_)) => return,
            };
            tracing::info!(slot = %slot.bootname, installation = %slot.installation, "update: new slot, waiting for the kiosk to be healthy");
            let mut last_said = None;
            loop {
                let verdict = match decide(&health(), started.elapsed(), self.limit) {
                    Decision::Good => Verdict::Good,
                    Decision::Bad(why) => {
                        tracing::error!(slot = %slot.bootname, %why, "update: marking the slot bad; the next boot returns to the previous one");
                        Verdict::Bad
                    }
                    Decision::Wait(missing) => {
                        let minute = started.elapsed().as_secs() / 60;
                        if last_said != Some(minute) {
                            last_said = Some(minute);
                            tracing::info!(missing = %missing.join(", "), "update: slot not confirmed yet");
                        }
                        std::thread::sleep(LOOK_EVERY);
                        continue;
                    }
                };
                match self.conclude(&slot, verdict) {
                    Ok(()) => {
                        tracing::info!(slot = %slot.bootname, ?verdict, "update: slot marked")
                    }
                    Err(e) => tracing::error!(error = %e, "update: the verdict was not recorded"),
                }
                return;
            }
        };
        if let Err(e) = std::thread::Builder::new()
            .name("update-gate".into())
            .spawn(run)
        {
            tracing::error!(error = %e, "update: no gate thread; this slot is not marked good");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    const LIMIT: Duration = Duration::from_secs(15 * 60);

    /// An engine that does not answer the first `silent` questions (its service still
    /// starting), and records the marks it is given.
    struct Starting {
        silent: Mutex<u32>,
        marks: Arc<Mutex<Vec<Verdict>>>,
    }

    impl UpdateEngine for Starting {
        fn booted(&self) -> Result<BootedSlot, UpdateError> {
            let mut silent = self.silent.lock().unwrap();
            if *silent > 0 {
                *silent -= 1;
                return Err(UpdateError::Unavailable("not started yet".into()));
            }
            Ok(BootedSlot {
                bootname: "B".into(),
                installation: "2.1".into(),
                fell_back: false,
            })
        }

        fn mark(&self, verdict: Verdict) -> Result<(), UpdateError> {
            self.marks.lock().unwrap().push(verdict);
            Ok(())
        }
    }

    #[test]
    fn a_proven_slot_is_confirmed_at_start_once_the_engine_answers() {
        let dir = tempfile::tempdir().unwrap();
        let verdicts = dir.path().join("update-verdicts");
        // B's installation 2.1 was given good at an earlier start; A's verdict is unknown.
        std::fs::write(&verdicts, "A\t1.0\nB\t2.1\tgood\n").unwrap();
        let marks = Arc::new(Mutex::new(Vec::new()));
        let gate = Gate {
            engine: Box::new(Starting {
                silent: Mutex::new(1),
                marks: marks.clone(),
            }),
            verdicts,
            limit: LIMIT,
        };
        // The first question goes unanswered; the gate asks again 5 s later. The central has
        // not acknowledged anything, which a proven slot does not wait for.
        gate.spawn(|| Health {
            ready: true,
            store_problem: None,
            heartbeat_acknowledged: false,
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        while marks.lock().unwrap().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(*marks.lock().unwrap(), vec![Verdict::Good]);
    }

    fn health(ready: bool, store: Option<&str>, ack: bool) -> Health {
        Health {
            ready,
            store_problem: store.map(String::from),
            heartbeat_acknowledged: ack,
        }
    }

    #[test]
    fn good_only_when_ready_intact_and_acknowledged() {
        let early = Duration::from_secs(30);
        assert_eq!(
            decide(&health(true, None, true), early, LIMIT),
            Decision::Good
        );
        assert_eq!(
            decide(&health(false, None, true), early, LIMIT),
            Decision::Wait(vec!["ready on screen"])
        );
        assert_eq!(
            decide(&health(true, None, false), early, LIMIT),
            Decision::Wait(vec!["heartbeat acknowledged by the central"])
        );
    }

    #[test]
    fn a_damaged_store_is_bad_at_once_and_missing_health_is_bad_at_the_limit() {
        assert!(matches!(
            decide(&health(true, Some("page 3"), true), Duration::ZERO, LIMIT),
            Decision::Bad(why) if why.contains("page 3")
        ));
        match decide(&health(true, None, false), LIMIT, LIMIT) {
            Decision::Bad(why) => assert_eq!(
                why,
                "not healthy within 15 min; missing: heartbeat acknowledged by the central"
            ),
            other => panic!("{other:?}"),
        }
    }
}
