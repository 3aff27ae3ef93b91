//! The emergency contact (紧急联系人) the application form asks for: someone the exit-entry
//! administration can reach if the applicant cannot be, named and with a mobile number. Optional
//! on the kiosk (the window asks for one where it is needed), typed on the on-screen keyboard.

use thiserror::Error;
use zeroize::Zeroize;

use super::mobile::valid_mobile;
use super::text_field::TextField;

/// The emergency contact on the form and at the central.
#[derive(Debug, Clone, PartialEq, Eq, Zeroize)]
pub struct EmergencyContact {
    pub name: String,
    /// A mainland mobile number.
    pub mobile: String,
}

/// What keeps the emergency contact page from being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ContactProblem {
    #[error("type the contact's name")]
    Name,
    #[error("the contact's mobile number is not a mainland mobile number")]
    Mobile,
}

/// The emergency contact page as filled in so far (kept for the visit, wiped with it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Zeroize)]
pub struct ContactEntry {
    pub name: String,
    pub mobile: String,
}

impl ContactEntry {
    /// A field's text (`None`: not a field of this page).
    pub fn text(&self, field: TextField) -> Option<&str> {
        match field {
            TextField::ContactName => Some(&self.name),
            TextField::ContactMobile => Some(&self.mobile),
            _ => None,
        }
    }

    /// Replaces a field's text, held to the field; other pages' fields are ignored.
    pub fn set_text(&mut self, field: TextField, text: &str) {
        let kept = field.keep(text);
        match field {
            TextField::ContactName => self.name = kept,
            TextField::ContactMobile => self.mobile = kept,
            _ => {}
        }
    }

    /// Every problem at once; empty when the contact may go on the form.
    pub fn problems(&self) -> Vec<ContactProblem> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(ContactProblem::Name);
        }
        if !valid_mobile(&self.mobile) {
            problems.push(ContactProblem::Mobile);
        }
        problems
    }

    /// The contact, once `problems` is empty.
    pub fn contact(&self) -> Option<EmergencyContact> {
        self.problems().is_empty().then(|| EmergencyContact {
            name: self.name.trim().to_string(),
            mobile: self.mobile.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_needs_a_name_and_a_mobile_number() {
        let mut entry = ContactEntry::default();
        assert_eq!(
            entry.problems(),
            [ContactProblem::Name, ContactProblem::Mobile]
        );
        entry.set_text(TextField::ContactName, " 王芳 ");
        entry.set_text(TextField::ContactMobile, "138 1234 5678");
        assert_eq!(entry.mobile, "13812345678");
        assert_eq!(
            entry.contact(),
            Some(EmergencyContact {
                name: "王芳".into(),
                mobile: "13812345678".into()
            })
        );
        entry.set_text(TextField::Street, "中山路");
        assert_eq!(entry.text(TextField::Street), None);
    }
}
