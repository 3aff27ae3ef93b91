//! The simulated permit reader of demo mode and the tests: a slot that holds one of the sample
//! permits (`domain::samples`), and opens only with that permit's own access key, as a chip does.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::PermitReader;
use crate::devices::card::DemoCards;
use crate::devices::card::error::CardError;
use crate::devices::card::icao::mrz;
use crate::domain::permit::{AccessKey, PermitFacts, PermitKind};
use crate::domain::samples::{SamplePermit, sample_permits};

/// Status word of a refused MUTUAL AUTHENTICATE (ISO/IEC 7816-4: security status not
/// satisfied), as chips answer wrong BAC keys.
const REFUSED: u16 = 0x6982;

/// What demo mode's permit buttons use; also the tests' hand on the reader.
#[derive(Clone)]
pub struct SimPermitSlot {
    permits: Arc<Vec<SamplePermit>>,
    on_reader: Arc<Mutex<Option<usize>>>,
    labels: Vec<String>,
}

impl SimPermitSlot {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<usize>> {
        self.on_reader.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SimPermitSlot {
    /// The one-line MRZ printed on the permit that lies on the reader (none when the slot is
    /// empty): what an MRZ scanner reads from it.
    pub fn placed_mrz(&self) -> Option<String> {
        let index = (*self.slot())?;
        let facts = &self.permits[index].facts;
        let prefix = match facts.kind {
            PermitKind::HkMacau => "CS",
            PermitKind::Taiwan => "CD",
            PermitKind::Other => return None,
        };
        Some(mrz::permit_line(
            prefix,
            &facts.document_number,
            &facts.expiry.format("%y%m%d").to_string(),
            &facts.birth_date.format("%y%m%d").to_string(),
        ))
    }
}

impl DemoCards for SimPermitSlot {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn insert(&self, index: usize) {
        if index < self.permits.len() {
            *self.slot() = Some(index);
        }
    }

    fn remove(&self) {
        *self.slot() = None;
    }
}

pub struct SimPermitReader {
    slot: SimPermitSlot,
}

/// A simulated permit reader and the slot that puts sample permits on it.
pub fn sim_permit_reader(today: NaiveDate) -> (SimPermitReader, SimPermitSlot) {
    let permits = sample_permits(today);
    let labels = permits
        .iter()
        .map(|p| {
            let kind = match p.facts.kind {
                PermitKind::HkMacau => "往来港澳通行证 HK/Macau permit",
                PermitKind::Taiwan => "往来台湾通行证 Taiwan permit",
                PermitKind::Other => "other document",
            };
            let name = p.facts.chinese_name.as_deref().unwrap_or_default();
            let expired = if p.facts.expiry < today {
                " · 已过期 expired"
            } else {
                ""
            };
            format!("DEMO · {name} · {kind}{expired}")
        })
        .collect();
    let slot = SimPermitSlot {
        permits: Arc::new(permits),
        on_reader: Arc::default(),
        labels,
    };
    (SimPermitReader { slot: slot.clone() }, slot)
}

impl PermitReader for SimPermitReader {
    fn present(&mut self) -> bool {
        self.slot.slot().is_some()
    }

    fn read(&mut self, key: &AccessKey, _today: NaiveDate) -> Result<PermitFacts, CardError> {
        let index = (*self.slot.slot()).ok_or(CardError::NoCard)?;
        let facts = &self.slot.permits[index].facts;
        let opens = key.document_number == facts.document_number
            && key.birth_date == facts.birth_date
            && key.expiry == facts.expiry;
        if !opens {
            return Err(CardError::AccessDenied(REFUSED));
        }
        Ok(facts.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_permit_opens_only_with_its_own_key() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let (mut reader, slot) = sim_permit_reader(today);
        let facts = sample_permits(today).remove(0).facts;
        let key = AccessKey {
            document_number: facts.document_number.clone(),
            birth_date: facts.birth_date,
            expiry: facts.expiry,
        };
        assert!(!reader.present());
        assert!(matches!(reader.read(&key, today), Err(CardError::NoCard)));
        slot.insert(0);
        assert!(reader.present());
        assert_eq!(reader.read(&key, today).unwrap(), facts);
        let mut wrong = key.clone();
        wrong.expiry = today;
        assert!(matches!(
            reader.read(&wrong, today),
            Err(CardError::AccessDenied(REFUSED))
        ));
        let scanned = crate::devices::mrz::read_permit(&slot.placed_mrz().unwrap()).unwrap();
        assert_eq!(
            scanned.key_for(facts.birth_date).unwrap(),
            key,
            "its printed MRZ gives the key that opens it"
        );
        slot.remove();
        assert!(!reader.present());
        assert_eq!(slot.placed_mrz(), None);
    }
}
