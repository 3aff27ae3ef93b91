//! The free-text fields of the form, typed with the on-screen keyboard: what each may hold.

/// A field the on-screen keyboard types into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// Address page: street, number, building and room.
    Street,
    /// Address page: who receives the documents (empty: the applicant).
    Recipient,
    /// Address page: the recipient's mobile number (empty: the applicant's).
    RecipientMobile,
    /// Emergency contact page: the contact's name.
    ContactName,
    /// Emergency contact page: the contact's mobile number.
    ContactMobile,
}

impl TextField {
    /// The field is the emergency contact page's (the others are the address page's).
    pub fn on_contact_page(self) -> bool {
        matches!(self, TextField::ContactName | TextField::ContactMobile)
    }

    /// Mobile numbers: digits only, at most 11.
    pub fn digits_only(self) -> bool {
        matches!(self, TextField::RecipientMobile | TextField::ContactMobile)
    }

    /// Longest text, in characters: a street and number fit an EMS waybill's address line once
    /// the place names are in front of it (60); names fit long minority and foreign names (30).
    pub fn max_chars(self) -> usize {
        match self {
            TextField::Street => 60,
            TextField::Recipient | TextField::ContactName => 30,
            TextField::RecipientMobile | TextField::ContactMobile => 11,
        }
    }

    /// `text` as the field keeps it: digits only for a mobile number, cut to the longest length
    /// (the keyboard stops there too, so nothing typed is silently lost).
    pub fn keep(self, text: &str) -> String {
        text.chars()
            .filter(|c| !self.digits_only() || c.is_ascii_digit())
            .take(self.max_chars())
            .collect()
    }
}
