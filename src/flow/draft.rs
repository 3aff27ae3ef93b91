//! The application being filled in: the card's identity, the applicant's choices and the photo.
//! Edits are small intents from the screen; the draft applies them and keeps the pinyin fields of
//! the choices in step with the syllables the applicant picked.

use zeroize::Zeroize;

use crate::domain::application::{Choices, Delivery, DocumentRequest, Endorsement};
use crate::domain::appointment::Booking;
use crate::domain::catalogue::Catalogue;
use crate::domain::contact::ContactEntry;
use crate::domain::delivery::{AddressEntry, EmsAddress, TextField};
use crate::domain::guardian::{Guardian, Relationship};
use crate::domain::holder::{HolderPrompt, HolderVerdict};
use crate::domain::identity::Identity;
use crate::domain::photo::Photo;
use crate::domain::pinyin_name::{PassportName, PinyinError, same_spelling};
use crate::domain::records::{self, DocumentOnRecord, Suggestion};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryChoice {
    Collect,
    /// EMS to the household address read from the card.
    EmsToCardAddress,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    ToggleDocument(String),
    SetCategory {
        document: String,
        category: String,
    },
    /// Chooses an endorsement kind for a destination; an empty kind removes the endorsement.
    SetEndorsementKind {
        document: String,
        destination: String,
        kind: String,
    },
    SetTrips {
        document: String,
        destination: String,
        trips: String,
    },
    PhoneDigit(char),
    PhoneBackspace,
    PhoneClear,
    /// Picks another reading for the `index`-th character of the name (surname first).
    ChooseReading {
        index: usize,
        reading: String,
    },
    /// Divides the name as the `index`-th of its divisions (where the surname ends, or which
    /// part of a name in parts is the surname); the readings are derived afresh.
    ChooseDivision(usize),
    ConfirmPinyin(bool),
    SetDelivery(DeliveryChoice),
    /// On the address page: the division chosen so far (any level; `None` starts again from
    /// the provinces).
    PickPlace(Option<String>),
    /// On the address or emergency contact page: a field's whole text after a key of the
    /// on-screen keyboard.
    SetText(TextField, String),
    /// Takes the emergency contact off the form.
    RemoveContact,
    /// How the guardian is related to an applicant under 16.
    SetRelationship(Relationship),
    SetGreenChannel(Option<String>),
}

#[derive(Debug, Clone)]
pub struct Draft {
    pub identity: Identity,
    pub choices: Choices,
    pub name: PassportName,
    pub photo: Option<Photo>,
    /// Captures rejected by the compliance checks so far.
    pub photo_attempts: u32,
    /// The last rejected capture's report (JSON), for staff.
    pub photo_report: Option<String>,
    /// Too many rejected captures: the photo is taken at the window instead.
    pub photo_at_window: bool,
    /// The holder check's verdict, where the hall runs one (printed on the form, sent with it).
    pub holder: Option<HolderVerdict>,
    /// Attempts of the holder check made so far.
    pub holder_attempts: u32,
    /// What the holder check asks the applicant to do now.
    pub holder_prompt: Option<HolderPrompt>,
    /// The applicant's documents on record, as far as the kiosk knows them.
    pub records: Records,
    /// The category suggested for each catalogue document from the records (document code,
    /// suggestion), filled when they arrive.
    pub suggestions: Vec<(String, Suggestion)>,
    /// The name as the latest passport on record spells it.
    pub last_passport: Option<String>,
    /// Today's booking, as far as the kiosk knows it.
    pub booking: BookingLookup,
    /// The fee is paid at the kiosk after saving (set when the applicant confirms).
    pub pays_fee: bool,
    /// The spelling the card's name gets by default (before any choice or record).
    card_spelling: String,
    /// The applicant changed a reading or the division, or ticked or unticked the
    /// confirmation: a late answer from the central no longer changes the pinyin.
    pinyin_touched: bool,
    /// An applicant under 16: the guardian's card, once read and accepted.
    pub guardian: Option<Identity>,
    /// How the guardian is related to the applicant, once chosen.
    pub relationship: Option<Relationship>,
    /// The address page as filled in so far (used once the applicant completes it).
    pub address: AddressEntry,
    /// The emergency contact page as filled in so far.
    pub contact: ContactEntry,
}

/// The documents on record: asked for at card read; the form works without them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Records {
    /// The kiosk has no central to ask.
    NotAsked,
    Asking,
    /// The central did not answer usably: nothing is suggested.
    Unavailable,
    Known(Vec<DocumentOnRecord>),
}

/// Today's booking: asked for with the documents on record; the form prints without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingLookup {
    /// The kiosk has no central to ask.
    NotAsked,
    Asking,
    Answered(Booking),
}

impl BookingLookup {
    /// What the form says: nothing without a central; an answer still awaited at saving time
    /// is as unknown as no answer.
    pub fn on_form(&self) -> Option<Booking> {
        match self {
            BookingLookup::NotAsked => None,
            BookingLookup::Asking => Some(Booking::Unknown),
            BookingLookup::Answered(booking) => Some(booking.clone()),
        }
    }
}

/// The pinyin on screen against the last passport's spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpellingNote {
    /// The pinyin is the last passport's spelling, which differs from the usual reading of
    /// the card's name (`usual`).
    AsLastPassport { previous: String, usual: String },
    /// The pinyin differs from the last passport's spelling: the applicant is told it.
    DiffersFromLastPassport { previous: String },
}

const PHONE_DIGITS: usize = 11;

impl Draft {
    pub fn new(identity: Identity) -> Result<Draft, PinyinError> {
        let name = PassportName::from_chinese(&identity.name)?;
        let mut draft = Draft {
            identity,
            choices: Choices::default(),
            name,
            photo: None,
            photo_attempts: 0,
            photo_report: None,
            photo_at_window: false,
            holder: None,
            holder_attempts: 0,
            holder_prompt: None,
            records: Records::NotAsked,
            suggestions: Vec::new(),
            last_passport: None,
            booking: BookingLookup::NotAsked,
            pays_fee: false,
            card_spelling: String::new(),
            pinyin_touched: false,
            guardian: None,
            relationship: None,
            address: AddressEntry::default(),
            contact: ContactEntry::default(),
        };
        draft.card_spelling = draft.name.spelling();
        draft.sync_pinyin();
        Ok(draft)
    }

    /// A typed field's text, whichever page it is on.
    pub fn text(&self, field: TextField) -> &str {
        self.address
            .text(field)
            .or_else(|| self.contact.text(field))
            .unwrap_or_default()
    }

    /// The guardian for the form, once the card is read and the relationship chosen.
    pub fn guardian_on_form(&self) -> Option<Guardian> {
        Some(Guardian {
            identity: self.guardian.clone()?,
            relationship: self.relationship?,
        })
    }

    /// The category suggested for `document` from the records, if any.
    pub fn suggestion(&self, document: &str) -> Option<&Suggestion> {
        self.suggestions
            .iter()
            .find(|(code, _)| code == document)
            .map(|(_, s)| s)
    }

    /// Takes the documents on record: a suggested category for every catalogue document (and
    /// for those already chosen without one), and the last passport's spelling of the name as
    /// the default while the applicant has not confirmed the pinyin.
    pub fn take_records(
        &mut self,
        records: Vec<DocumentOnRecord>,
        catalogue: &Catalogue,
        today: chrono::NaiveDate,
    ) {
        self.suggestions = catalogue
            .documents
            .iter()
            .filter_map(|d| {
                records::suggest(catalogue, &d.code, &records, today).map(|s| (d.code.clone(), s))
            })
            .collect();
        for i in 0..self.choices.documents.len() {
            let code = self.choices.documents[i].document.clone();
            if self.choices.documents[i].category.is_empty()
                && let Some(s) = self.suggestion(&code)
            {
                self.choices.documents[i].category = s.category.clone();
            }
        }
        self.last_passport = records::last_passport_spelling(&records).map(str::to_string);
        if let (false, Some(previous)) = (self.pinyin_touched, &self.last_passport)
            && let Some(name) = self.name.spelled_as(previous)
        {
            self.name = name;
            self.sync_pinyin();
        }
        self.records = Records::Known(records);
    }

    /// How the pinyin on screen relates to the last passport's spelling, if one is on record.
    pub fn spelling_note(&self) -> Option<SpellingNote> {
        let previous = self.last_passport.clone()?;
        let spelling = self.name.spelling();
        if !same_spelling(&spelling, &previous) {
            Some(SpellingNote::DiffersFromLastPassport { previous })
        } else if spelling != self.card_spelling {
            Some(SpellingNote::AsLastPassport {
                previous,
                usual: self.card_spelling.clone(),
            })
        } else {
            None
        }
    }

    fn sync_pinyin(&mut self) {
        self.choices.pinyin_surname = self.name.surname_upper();
        self.choices.pinyin_given = self.name.given_upper();
    }

    fn request_mut(&mut self, document: &str) -> Option<&mut DocumentRequest> {
        self.choices
            .documents
            .iter_mut()
            .find(|r| r.document == document)
    }

    pub fn apply(&mut self, edit: Edit, catalogue: &Catalogue) {
        match edit {
            Edit::ToggleDocument(code) => {
                if let Some(i) = self
                    .choices
                    .documents
                    .iter()
                    .position(|r| r.document == code)
                {
                    self.choices.documents.remove(i);
                } else if catalogue.document(&code).is_some() {
                    let category = self
                        .suggestion(&code)
                        .map(|s| s.category.clone())
                        .unwrap_or_default();
                    self.choices.documents.push(DocumentRequest {
                        document: code,
                        category,
                        endorsements: Vec::new(),
                    });
                    // Keep the catalogue's order whatever order the applicant tapped in.
                    self.choices.documents.sort_by_key(|r| {
                        catalogue
                            .documents
                            .iter()
                            .position(|d| d.code == r.document)
                    });
                }
            }
            Edit::SetCategory { document, category } => {
                if let Some(req) = self.request_mut(&document) {
                    req.category = category;
                }
            }
            Edit::SetEndorsementKind {
                document,
                destination,
                kind,
            } => {
                let first_trip = catalogue
                    .endorsement(&destination, &kind)
                    .and_then(|k| k.trips.first().cloned());
                if let Some(req) = self.request_mut(&document) {
                    req.endorsements.retain(|e| e.destination != destination);
                    if let Some(trips) = first_trip {
                        req.endorsements.push(Endorsement {
                            destination,
                            kind,
                            trips,
                        });
                    }
                }
            }
            Edit::SetTrips {
                document,
                destination,
                trips,
            } => {
                if let Some(e) = self.request_mut(&document).and_then(|r| {
                    r.endorsements
                        .iter_mut()
                        .find(|e| e.destination == destination)
                }) {
                    e.trips = trips;
                }
            }
            Edit::PhoneDigit(d) => {
                if d.is_ascii_digit() && self.choices.phone.len() < PHONE_DIGITS {
                    self.choices.phone.push(d);
                }
            }
            Edit::PhoneBackspace => {
                self.choices.phone.pop();
            }
            Edit::PhoneClear => self.choices.phone.zeroize(),
            Edit::ChooseReading { index, reading } => {
                let chosen = self
                    .name
                    .syllables_mut()
                    .nth(index)
                    .is_some_and(|s| s.choose(&reading));
                if chosen {
                    self.choices.pinyin_confirmed = false;
                    self.pinyin_touched = true;
                    self.sync_pinyin();
                }
            }
            Edit::ChooseDivision(index) => {
                let divided = self
                    .name
                    .divisions()
                    .get(index)
                    .and_then(|&d| self.name.divided(d));
                if let Some(name) = divided.filter(|n| n.division() != self.name.division()) {
                    self.name = name;
                    self.choices.pinyin_confirmed = false;
                    self.pinyin_touched = true;
                    self.sync_pinyin();
                }
            }
            Edit::SetRelationship(r) => self.relationship = Some(r),
            Edit::ConfirmPinyin(yes) => {
                self.choices.pinyin_confirmed = yes;
                self.pinyin_touched = true;
            }
            Edit::SetDelivery(choice) => {
                self.choices.delivery = Some(match choice {
                    DeliveryChoice::Collect => Delivery::Collect,
                    DeliveryChoice::EmsToCardAddress => {
                        Delivery::Ems(EmsAddress::card_address(&self.identity.address))
                    }
                });
            }
            Edit::SetGreenChannel(reason) => self.choices.green_channel = reason,
            Edit::PickPlace(code) => self.address.place = code,
            Edit::SetText(field, text) => {
                self.address.set_text(field, &text);
                self.contact.set_text(field, &text);
            }
            Edit::RemoveContact => {
                self.choices.emergency_contact = None;
                self.contact = ContactEntry::default();
            }
        }
    }
}

impl Drop for Draft {
    fn drop(&mut self) {
        self.choices.phone.zeroize();
        self.choices.pinyin_surname.zeroize();
        self.choices.pinyin_given.zeroize();
        if let Some(Delivery::Ems(ems)) = &mut self.choices.delivery {
            ems.zeroize();
        }
        self.address.zeroize();
        self.contact.zeroize();
        if let Some(contact) = &mut self.choices.emergency_contact {
            contact.zeroize();
        }
        self.last_passport.zeroize();
        self.card_spelling.zeroize();
    }
}
