//! The permit reader on PC/SC: connects to the configured reader, reads the chip with BAC and
//! secure messaging (ICAO Doc 9303-11 §4.3, §9.8), parses DG1/DG2/DG11 and checks passive
//! authentication against the configured CSCA certificates (Doc 9303-11 §5.1).

use chrono::NaiveDate;
use x509_cert::Certificate;

use super::{PermitReader, dates, kind, verdict};
use crate::devices::card::emrtd::chip::ExtendedLength;
use crate::devices::card::emrtd::document;
use crate::devices::card::error::CardError;
use crate::devices::card::icao::mrz;
use crate::devices::card::readers::monitor::{Monitor, find_reader};
use crate::devices::card::transport::pcsc::PcscCard;
use crate::domain::holder::Portrait;
use crate::domain::permit::{AccessKey, PermitFacts, yymmdd};

pub struct PcscPermitReader {
    /// The reader's name or a part of it (`devices.card.permit_reader`).
    pattern: Option<String>,
    cscas: Vec<Certificate>,
    extended: ExtendedLength,
    monitor: Monitor,
    /// The last failure to ask the reader, logged once until it changes.
    last_error: Option<String>,
}

impl PcscPermitReader {
    pub fn new(
        pattern: Option<String>,
        cscas: Vec<Certificate>,
        extended: ExtendedLength,
    ) -> PcscPermitReader {
        PcscPermitReader {
            pattern,
            cscas,
            extended,
            monitor: Monitor::new(),
            last_error: None,
        }
    }

    fn connect(&mut self) -> Result<PcscCard, CardError> {
        connect(&mut self.monitor, self.pattern.as_deref())
    }
}

/// Connects to the card in the permit reader: the first reader whose name contains `pattern`
/// (none: the only reader). Shared with whatever else talks to the permit in that reader.
///
/// Errors: [`CardError::Reader`] when no such reader is attached or PC/SC fails,
/// [`CardError::NoCard`] when the reader is empty.
pub fn connect(monitor: &mut Monitor, pattern: Option<&str>) -> Result<PcscCard, CardError> {
    let names: Vec<String> = monitor.snapshot()?.into_iter().map(|r| r.name).collect();
    let name = find_reader(&names, pattern)
        .ok_or_else(|| CardError::Reader("no permit reader attached".into()))?
        .clone();
    PcscCard::connect(monitor.context()?, &name)
}

impl PermitReader for PcscPermitReader {
    fn present(&mut self) -> bool {
        let pattern = self.pattern.clone();
        let seen = self.monitor.snapshot().map(|readers| {
            let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
            find_reader(&names, pattern.as_deref())
                .and_then(|n| readers.iter().find(|r| &r.name == n))
                .is_some_and(|r| r.atr.is_some())
        });
        match seen {
            Ok(present) => {
                self.last_error = None;
                present
            }
            Err(e) => {
                let text = e.to_string();
                if self.last_error.as_ref() != Some(&text) {
                    tracing::warn!(error = %text, "permit reader: cannot be asked");
                    self.last_error = Some(text);
                }
                false
            }
        }
    }

    fn read(&mut self, key: &AccessKey, today: NaiveDate) -> Result<PermitFacts, CardError> {
        let bac = mrz::bac_input_from_fields(
            &key.document_number,
            &yymmdd(key.birth_date),
            &yymmdd(key.expiry),
        )
        .ok_or(CardError::AccessDenied(0))?;
        let mut card = self.connect()?;
        let doc = document::read(&mut card, &bac, &self.cscas, self.extended)?;
        let (birth_date, expiry) = dates(&doc.mrz.birth_date, &doc.mrz.expiry_date, today)?;
        Ok(PermitFacts {
            kind: kind(doc.mrz.kind),
            document_number: doc.mrz.document_number.clone(),
            birth_date,
            expiry,
            chinese_name: doc.chinese_name.clone(),
            verdict: verdict(&doc.passive_auth),
            portrait: doc.face.as_ref().map(|(_, bytes)| Portrait(bytes.clone())),
        })
    }
}
