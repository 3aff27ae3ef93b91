//! The endorsement writer port: the vendor module in a station kiosk that writes an endorsement
//! onto a card permit's chip and reprints the card's back. Its protocol is the vendor's and not
//! public, and what it writes is authorised by the issuing authority, not by the kiosk: the
//! central hands the kiosk an issuance job for a paid endorsement, the kiosk hands it to the
//! writer unchanged, and then has the chip read back to see what is there. The endorsement area
//! of a permit's chip is not part of the ICAO LDS and opens only with the authority's keys,
//! which the module holds; so the re-read is the module's own read command — a fresh read of
//! the chip, separate from the write's answer. So the port is small, and nothing the write
//! answers is taken as proof: only the re-read is.

mod deadline;
mod sim;

use chrono::NaiveDate;

pub use deadline::{WRITER_LIMIT, bounded};
pub use sim::{SimWriter, WriterScript};

/// One endorsement to write, as the central issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuanceJob {
    /// The central's job id: a writer adapter passes it to the module so that a repeated job
    /// is recognised.
    pub job_id: String,
    /// The permit's document number (as in its MRZ).
    pub document_number: String,
    /// Catalogue codes: destination (`hk`, `macau`, `taiwan`, `kinmen`, `matsu`), kind (`G`,
    /// `L`, …), trip option (`3m1`, …).
    pub destination: String,
    pub kind: String,
    pub trips: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Days the holder may stay per trip.
    pub stay_days: u32,
    /// The issuing authority's data for the module (opaque to the kiosk).
    pub payload: Vec<u8>,
}

impl IssuanceJob {
    /// Whether an endorsement read back from the chip is this job's: its serial, and the
    /// destination, kind, trip option and validity the job asked for. An older endorsement
    /// for the same destination does not count — not even one that reads the same, as the
    /// same endorsement bought twice on one day does: only the serial tells them apart.
    pub fn is_on(&self, chip: &ChipEndorsement) -> bool {
        *chip == ChipEndorsement::from(self)
    }
}

/// One endorsement as the chip carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipEndorsement {
    pub destination: String,
    pub kind: String,
    pub trips: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// The issuance it was written by, as the chip records it (the central's job id, which
    /// the authority's payload carries to the chip).
    pub serial: String,
}

impl From<&IssuanceJob> for ChipEndorsement {
    /// What writing the job puts on the chip.
    fn from(job: &IssuanceJob) -> ChipEndorsement {
        ChipEndorsement {
            destination: job.destination.clone(),
            kind: job.kind.clone(),
            trips: job.trips.clone(),
            valid_from: job.valid_from,
            valid_until: job.valid_until,
            serial: job.job_id.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriterError {
    /// The permit left the writer during the job: it may or may not carry the endorsement.
    #[error("the permit was removed during writing")]
    PermitRemoved,
    /// The module reported a failure (its own code and words, for the log).
    #[error("the writer module failed: {0}")]
    Failed(String),
    /// The module does not answer.
    #[error("the writer module does not answer: {0}")]
    Unavailable(String),
    /// This module cannot reprint the card's back.
    #[error("this writer module cannot reprint the card's back")]
    NoReprint,
}

/// A writer module.
pub trait EndorsementWriter: Send {
    /// Writes one endorsement onto the permit in the module. Whatever it returns, the caller
    /// reads the chip back before deciding anything: an error does not prove nothing was
    /// written.
    ///
    /// Errors: [`WriterError::PermitRemoved`], [`WriterError::Failed`],
    /// [`WriterError::Unavailable`].
    fn write(&mut self, job: &IssuanceJob) -> Result<(), WriterError>;

    /// Reads the endorsements the permit's chip carries now (a fresh read, not a cache).
    ///
    /// Errors: [`WriterError::PermitRemoved`] when no permit is in the module,
    /// [`WriterError::Failed`], [`WriterError::Unavailable`].
    fn read_back(&mut self, document_number: &str) -> Result<Vec<ChipEndorsement>, WriterError>;

    /// Whether the module can reprint the card's back (the printed endorsement list fades).
    fn can_reprint_back(&self) -> bool;

    /// Reprints the back of the permit in the module.
    ///
    /// Errors: [`WriterError::NoReprint`] when [`Self::can_reprint_back`] is false, and as
    /// [`Self::write`].
    fn reprint_back(&mut self, document_number: &str) -> Result<(), WriterError>;

    /// Whether the module can take a job now: no money is taken for an endorsement it cannot
    /// write. An adapter that cannot tell says yes (the default); a [`bounded`] module says no
    /// while a call it gave up is still hung in it.
    fn answering(&self) -> bool {
        true
    }
}
