//! A simulated writer module that writes the virtual permit through the real PC/SC stack: it
//! connects to the card in the permit reader, opens the card's endorsement area with the module
//! key and appends or replaces the record for the job's destination
//! (`dev::vcard::endorsement_area` gives the commands). The read-back is a fresh connection and
//! a fresh read of every record, separate from the write — what a vendor module's own read
//! command would be. It stands in for the vendor module in the tests through `pcscd` +
//! `vsmartcard-vpcd`; a real permit has no such area, so it is never built into a kiosk.

use crate::dev::vcard::endorsement_area::{AREA_AID, MODULE_KEY, RECORDS_MAX, decode, encode};
use crate::devices::card::emrtd::bac::{pad, retail_mac};
use crate::devices::card::error::CardError;
use crate::devices::card::permit::connect_permit;
use crate::devices::card::readers::monitor::Monitor;
use crate::devices::card::transport::apdu::{self, Command, Transceiver, expect_ok};
use crate::devices::card::transport::pcsc::PcscCard;
use crate::devices::writer::{ChipEndorsement, EndorsementWriter, IssuanceJob, WriterError};

/// `READ RECORD` past the last record (ISO/IEC 7816-4: record not found).
const NO_RECORD: u16 = 0x6A83;

/// The simulated module on the permit reader whose name contains `pattern`.
pub struct PcscSimWriter {
    pattern: Option<String>,
    monitor: Monitor,
}

impl PcscSimWriter {
    pub fn new(pattern: Option<String>) -> PcscSimWriter {
        PcscSimWriter {
            pattern,
            monitor: Monitor::new(),
        }
    }

    /// Connects to the permit, checks it is `document_number`'s and opens its area.
    fn open(&mut self, document_number: &str) -> Result<PcscCard, WriterError> {
        let mut card = connect_permit(&mut self.monitor, self.pattern.as_deref()).map_err(fault)?;
        let select = Command::new(0, 0xA4, 4, 0x0C).data(AREA_AID.to_vec());
        expect_ok(&mut card, "SELECT area", &select.encode()).map_err(fault)?;
        let number = Command::new(0, 0xCA, 0, 0x5A).le(256);
        let on_card = expect_ok(&mut card, "GET DATA", &number.encode()).map_err(fault)?;
        if on_card != document_number.as_bytes() {
            return Err(WriterError::Failed(
                "the permit in the module is not the job's".into(),
            ));
        }
        let challenge = expect_ok(
            &mut card,
            "GET CHALLENGE",
            &Command::new(0, 0x84, 0, 0).le(8).encode(),
        )
        .map_err(fault)?;
        let mac = retail_mac(&MODULE_KEY, &pad(&challenge));
        let auth = Command::new(0, 0x82, 0, 0).data(mac.to_vec());
        expect_ok(&mut card, "EXTERNAL AUTHENTICATE", &auth.encode()).map_err(fault)?;
        Ok(card)
    }
}

/// Every record of an open area, in order.
fn records(card: &mut PcscCard) -> Result<Vec<Vec<u8>>, WriterError> {
    let mut out = Vec::new();
    for n in 1..=RECORDS_MAX as u8 {
        let read = Command::new(0, 0xB2, n, 4).le(256).encode();
        let (data, sw) =
            apdu::split(&card.transmit(&read).map_err(fault)?, "READ RECORD").map_err(fault)?;
        match sw {
            0x9000 => out.push(data),
            NO_RECORD => break,
            sw => {
                return Err(fault(CardError::Status {
                    command: "READ RECORD",
                    sw,
                }));
            }
        }
    }
    Ok(out)
}

/// A card error in the writer's terms: no permit, or a card gone mid-job, is the permit
/// removed; anything else the module's failure.
fn fault(e: CardError) -> WriterError {
    match e {
        CardError::NoCard | CardError::Removed => WriterError::PermitRemoved,
        CardError::Reader(text) => WriterError::Unavailable(text),
        e => WriterError::Failed(e.to_string()),
    }
}

impl EndorsementWriter for PcscSimWriter {
    /// Replaces the record for the job's destination, else appends one: a permit carries one
    /// endorsement per destination.
    fn write(&mut self, job: &IssuanceJob) -> Result<(), WriterError> {
        let mut card = self.open(&job.document_number)?;
        let record = encode(&ChipEndorsement::from(job));
        let same = records(&mut card)?
            .iter()
            .position(|r| decode(r).is_some_and(|e| e.destination == job.destination));
        let command = match same {
            Some(i) => Command::new(0, 0xDC, i as u8 + 1, 4).data(record),
            None => Command::new(0, 0xE2, 0, 0).data(record),
        };
        expect_ok(&mut card, "write record", &command.encode()).map_err(fault)?;
        Ok(())
    }

    fn read_back(&mut self, document_number: &str) -> Result<Vec<ChipEndorsement>, WriterError> {
        let mut card = self.open(document_number)?;
        Ok(records(&mut card)?
            .iter()
            .filter_map(|r| decode(r))
            .collect())
    }

    fn can_reprint_back(&self) -> bool {
        false
    }

    fn reprint_back(&mut self, _document_number: &str) -> Result<(), WriterError> {
        Err(WriterError::NoReprint)
    }
}
