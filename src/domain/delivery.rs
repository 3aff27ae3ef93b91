//! Where the documents go when the applicant chooses EMS (邮政速递), and the address page's
//! rules: a place chosen from the division table down to its county, the street and number
//! typed, and a recipient (the applicant unless another name is given) with a mobile number.

use thiserror::Error;
use zeroize::Zeroize;

use super::divisions::Divisions;
use super::mobile::valid_mobile;
pub use super::text_field::TextField;

/// The EMS delivery on the form and at the central.
#[derive(Debug, Clone, PartialEq, Eq, Zeroize)]
pub struct EmsAddress {
    /// GB/T 2260 code of the county (or city without counties) chosen; `None` for the
    /// household address read from the ID card, which is taken as it is.
    pub division: Option<String>,
    /// The whole address as written on the waybill: 福建省厦门市思明区中山路100号.
    pub address: String,
    /// Who receives it, where not the applicant.
    pub recipient: Option<String>,
    /// The recipient's mobile number, where not the applicant's.
    pub mobile: Option<String>,
}

impl EmsAddress {
    /// The household address read from the ID card, to the applicant.
    pub fn card_address(address: &str) -> EmsAddress {
        EmsAddress {
            division: None,
            address: address.to_string(),
            recipient: None,
            mobile: None,
        }
    }
}

/// What keeps the address page from being done.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AddressProblem {
    #[error("choose the province, city and district")]
    Place,
    #[error("type the street and number")]
    Street,
    #[error("the recipient's mobile number is not a mainland mobile number")]
    Mobile,
}

/// The address page as filled in so far (kept for the visit, wiped with it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Zeroize)]
pub struct AddressEntry {
    /// The division chosen so far, at any level (`None`: nothing chosen yet).
    pub place: Option<String>,
    pub street: String,
    pub recipient: String,
    pub mobile: String,
}

impl AddressEntry {
    /// A field's text (`None`: not a field of this page).
    pub fn text(&self, field: TextField) -> Option<&str> {
        match field {
            TextField::Street => Some(&self.street),
            TextField::Recipient => Some(&self.recipient),
            TextField::RecipientMobile => Some(&self.mobile),
            _ => None,
        }
    }

    /// Replaces a field's text, held to the field (`TextField::keep`); other pages' fields are
    /// ignored.
    pub fn set_text(&mut self, field: TextField, text: &str) {
        let kept = field.keep(text);
        match field {
            TextField::Street => self.street = kept,
            TextField::Recipient => self.recipient = kept,
            TextField::RecipientMobile => self.mobile = kept,
            _ => {}
        }
    }

    /// Every problem at once; empty when the address may be used.
    pub fn problems(&self, divisions: &Divisions) -> Vec<AddressProblem> {
        let mut problems = Vec::new();
        if !self
            .place
            .as_deref()
            .is_some_and(|c| divisions.is_complete(c))
        {
            problems.push(AddressProblem::Place);
        }
        if self.street.trim().chars().count() < 2 {
            problems.push(AddressProblem::Street);
        }
        if !self.mobile.is_empty() && !valid_mobile(&self.mobile) {
            problems.push(AddressProblem::Mobile);
        }
        problems
    }

    /// The address to deliver to, once `problems` is empty.
    pub fn ems(&self, divisions: &Divisions) -> Option<EmsAddress> {
        if !self.problems(divisions).is_empty() {
            return None;
        }
        let code = self.place.clone()?;
        let place = divisions.place(&code)?;
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Some(EmsAddress {
            division: Some(code),
            address: format!("{}{}", place.written(), self.street.trim()),
            recipient: given(&self.recipient),
            mobile: given(&self.mobile),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> AddressEntry {
        AddressEntry {
            place: Some("350203".into()),
            street: "中山路100号".into(),
            recipient: String::new(),
            mobile: String::new(),
        }
    }

    #[test]
    fn a_complete_address_is_written_from_the_table_and_the_street() {
        let divisions = Divisions::builtin();
        let ems = filled().ems(&divisions).expect("complete");
        assert_eq!(ems.address, "福建省厦门市思明区中山路100号");
        assert_eq!(ems.division.as_deref(), Some("350203"));
        assert_eq!((ems.recipient, ems.mobile), (None, None));

        let mut other = filled();
        other.recipient = " 林小梅 ".into();
        other.mobile = "13912345678".into();
        let ems = other.ems(&divisions).unwrap();
        assert_eq!(ems.recipient.as_deref(), Some("林小梅"));
        assert_eq!(ems.mobile.as_deref(), Some("13912345678"));
    }

    #[test]
    fn every_missing_part_is_reported_at_once() {
        let divisions = Divisions::builtin();
        let mut entry = AddressEntry {
            place: Some("350200".into()),
            street: " 1".into(),
            recipient: String::new(),
            mobile: "1234".into(),
        };
        assert_eq!(
            entry.problems(&divisions),
            vec![
                AddressProblem::Place,
                AddressProblem::Street,
                AddressProblem::Mobile
            ]
        );
        assert_eq!(entry.ems(&divisions), None);
        entry.place = None;
        assert!(entry.problems(&divisions).contains(&AddressProblem::Place));
    }

    #[test]
    fn typed_text_is_held_to_its_field() {
        let mut entry = AddressEntry::default();
        entry.set_text(TextField::RecipientMobile, "139-1234 5678 9");
        assert_eq!(entry.mobile, "13912345678");
        entry.set_text(TextField::Street, &"路".repeat(80));
        assert_eq!(entry.street.chars().count(), 60);
        entry.set_text(TextField::Recipient, "欧阳娜娜");
        assert_eq!(entry.text(TextField::Recipient), Some("欧阳娜娜"));
        entry.set_text(TextField::ContactName, "王芳");
        assert_eq!(entry.text(TextField::ContactName), None);
    }
}
