//! A simulated writer module for demo mode and the tests. It keeps what it wrote on each permit
//! (shared between clones, as the chip would be), and can be scripted to fail the ways a real
//! module does — including the dangerous one: written, then an error.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::{ChipEndorsement, EndorsementWriter, IssuanceJob, WriterError};

/// How the next job goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriterScript {
    Succeed,
    /// Fails before writing anything.
    FailBefore,
    /// Writes, then reports a failure (a timeout after the chip was updated).
    FailAfterWriting,
    /// The permit is pulled out before anything is written.
    PermitRemoved,
    /// Fails before writing a job for this destination (`hk`, `macau`, …), writes the others:
    /// one line of an order written, the next not.
    FailFor(&'static str),
}

/// The simulated module; clones share the permits.
#[derive(Debug, Clone)]
pub struct SimWriter {
    script: WriterScript,
    reprint: bool,
    permits: Arc<Mutex<BTreeMap<String, Vec<IssuanceJob>>>>,
    /// The permits whose back was reprinted, in order.
    reprinted: Arc<Mutex<Vec<String>>>,
}

impl SimWriter {
    pub fn new(script: WriterScript, can_reprint_back: bool) -> SimWriter {
        SimWriter {
            script,
            reprint: can_reprint_back,
            permits: Arc::default(),
            reprinted: Arc::default(),
        }
    }

    /// The permits whose back was reprinted, in order.
    pub fn reprinted(&self) -> Vec<String> {
        self.reprinted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// What the permit's chip carries now, as a re-read would find it.
    pub fn endorsements(&self, document_number: &str) -> Vec<IssuanceJob> {
        self.permits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(document_number)
            .cloned()
            .unwrap_or_default()
    }

    fn put(&self, job: &IssuanceJob) {
        let mut permits = self.permits.lock().unwrap_or_else(|p| p.into_inner());
        let on_chip = permits.entry(job.document_number.clone()).or_default();
        // A new endorsement replaces the one for the same destination, as on a real permit.
        on_chip.retain(|e| e.destination != job.destination);
        on_chip.push(job.clone());
    }
}

impl EndorsementWriter for SimWriter {
    fn write(&mut self, job: &IssuanceJob) -> Result<(), WriterError> {
        match self.script {
            WriterScript::Succeed => {
                self.put(job);
                Ok(())
            }
            WriterScript::FailBefore => Err(WriterError::Failed("simulated failure".into())),
            WriterScript::FailAfterWriting => {
                self.put(job);
                Err(WriterError::Failed(
                    "simulated timeout after writing".into(),
                ))
            }
            WriterScript::PermitRemoved => Err(WriterError::PermitRemoved),
            WriterScript::FailFor(destination) if job.destination == destination => {
                Err(WriterError::Failed("simulated failure".into()))
            }
            WriterScript::FailFor(_) => {
                self.put(job);
                Ok(())
            }
        }
    }

    fn read_back(&mut self, document_number: &str) -> Result<Vec<ChipEndorsement>, WriterError> {
        if self.script == WriterScript::PermitRemoved {
            return Err(WriterError::PermitRemoved);
        }
        Ok(self
            .endorsements(document_number)
            .iter()
            .map(ChipEndorsement::from)
            .collect())
    }

    fn can_reprint_back(&self) -> bool {
        self.reprint
    }

    /// Fails as the script says for a write (a module that fails before writing fails
    /// before printing too).
    fn reprint_back(&mut self, document_number: &str) -> Result<(), WriterError> {
        if !self.reprint {
            return Err(WriterError::NoReprint);
        }
        match self.script {
            WriterScript::Succeed | WriterScript::FailAfterWriting | WriterScript::FailFor(_) => {
                self.reprinted
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(document_number.into());
                Ok(())
            }
            WriterScript::FailBefore => Err(WriterError::Failed("simulated failure".into())),
            WriterScript::PermitRemoved => Err(WriterError::PermitRemoved),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn job(destination: &str, trips: &str) -> IssuanceJob {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        IssuanceJob {
            job_id: format!("job-{destination}-{trips}"),
            document_number: "CS0000001".into(),
            destination: destination.into(),
            kind: "G".into(),
            trips: trips.into(),
            valid_from: day(1),
            valid_until: day(31),
            stay_days: 7,
            payload: Vec::new(),
        }
    }

    #[test]
    fn what_is_written_is_what_a_re_read_finds_and_replaces_the_same_destination() {
        let mut w = SimWriter::new(WriterScript::Succeed, true);
        w.write(&job("hk", "3m1")).expect("written");
        w.write(&job("macau", "1y1")).expect("written");
        w.write(&job("hk", "1y2")).expect("written");
        let chip = w.endorsements("CS0000001");
        assert_eq!(chip.len(), 2);
        assert!(
            chip.iter()
                .any(|e| e.destination == "hk" && e.trips == "1y2")
        );
        assert!(w.reprint_back("CS0000001").is_ok());
        assert_eq!(w.reprinted(), ["CS0000001"]);
        let read = w.read_back("CS0000001").expect("read back");
        assert!(read.iter().any(|e| job("hk", "1y2").is_on(e)));
        assert!(!read.iter().any(|e| job("hk", "3m1").is_on(e)), "replaced");
    }

    #[test]
    fn failures_say_nothing_certain_about_the_chip() {
        let mut after = SimWriter::new(WriterScript::FailAfterWriting, false);
        assert!(after.write(&job("hk", "3m1")).is_err());
        assert_eq!(
            after.endorsements("CS0000001").len(),
            1,
            "written all the same"
        );
        let mut before = SimWriter::new(WriterScript::FailBefore, false);
        assert!(before.write(&job("hk", "3m1")).is_err());
        assert!(before.endorsements("CS0000001").is_empty());
        let mut pulled = SimWriter::new(WriterScript::PermitRemoved, false);
        assert_eq!(
            pulled.write(&job("hk", "3m1")),
            Err(WriterError::PermitRemoved)
        );
        assert_eq!(
            pulled.read_back("CS0000001"),
            Err(WriterError::PermitRemoved)
        );
        assert_eq!(
            pulled.reprint_back("CS0000001"),
            Err(WriterError::NoReprint)
        );
    }
}
