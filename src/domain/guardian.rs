//! Applicants under 16 apply with a guardian (监护人), who accompanies them and consents in
//! writing (《中华人民共和国普通护照和出入境通行证签发管理办法》 for passports; the permits to Hong
//! Kong, Macau and Taiwan are applied for the same way). The hall kiosk reads the guardian's ID
//! card after the child's and puts both on the form, with a line for the guardian's signed
//! consent; the window checks the proof of guardianship. A companion the guardian authorised in
//! writing (委托书) is served at the window.

use chrono::NaiveDate;

use super::identity::Identity;
use super::permit::{MIN_AGE, age};

/// The kiosk takes a guardian's card from 18 (Civil Code of the PRC, art. 17: adulthood at 18;
/// who may be a guardian is art. 27, which the window judges): a kiosk policy, not the law's
/// whole test.
pub const ADULT_AGE: u32 = 18;

/// How the guardian is related to the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    Father,
    Mother,
    /// Another legal guardian (a grandparent, a court-appointed guardian …): the window sees
    /// the proof.
    OtherGuardian,
}

impl Relationship {
    /// The contract's name (`Guardian.relationship` in docs/central-api.yaml).
    pub fn code(self) -> &'static str {
        match self {
            Relationship::Father => "father",
            Relationship::Mother => "mother",
            Relationship::OtherGuardian => "other_guardian",
        }
    }

    /// As the form prints it.
    pub fn label(self) -> &'static str {
        match self {
            Relationship::Father => "父亲 Father",
            Relationship::Mother => "母亲 Mother",
            Relationship::OtherGuardian => "其他监护人 Other guardian",
        }
    }
}

/// The guardian on the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardian {
    pub identity: Identity,
    pub relationship: Relationship,
}

/// Why a card is not taken as the guardian's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardianRefusal {
    /// The applicant's own card was put back.
    ApplicantsCard,
    /// The card's holder is under 18.
    NotAdult,
    /// Not a mainland resident's card, or an expired one: the window takes the guardian's
    /// documents.
    CardNotAccepted,
}

/// Whether the holder of `applicant` needs a guardian to apply on `today`.
pub fn needs_guardian(applicant: &Identity, today: NaiveDate) -> bool {
    age(applicant.birth_date, today) < MIN_AGE
}

/// Whether the card `guardian` may be the guardian's for `applicant` on `today`.
///
/// Errors: [`GuardianRefusal`], the reason to show.
pub fn check(
    applicant: &Identity,
    guardian: &Identity,
    today: NaiveDate,
) -> Result<(), GuardianRefusal> {
    if guardian.id_number == applicant.id_number {
        return Err(GuardianRefusal::ApplicantsCard);
    }
    if !guardian.card_type.is_mainland_citizen() || guardian.expired(today) {
        return Err(GuardianRefusal::CardNotAccepted);
    }
    if age(guardian.birth_date, today) < ADULT_AGE {
        return Err(GuardianRefusal::NotAdult);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity::{CardType, ValidUntil};
    use crate::domain::samples::sample_identities;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn a_child_needs_an_adult_mainland_guardian_with_a_valid_card() {
        let people = sample_identities(today());
        let mother = people[0].clone();
        let mut child = mother.clone();
        child.id_number = crate::domain::id_number::with_check_char("35020320150601001");
        child.birth_date = NaiveDate::from_ymd_opt(2015, 6, 1).unwrap();
        assert!(needs_guardian(&child, today()));
        assert!(!needs_guardian(&mother, today()));
        // Sixteen on the day: on their own.
        child.birth_date = NaiveDate::from_ymd_opt(2010, 12, 1).unwrap();
        assert!(!needs_guardian(&child, today()));
        child.birth_date = NaiveDate::from_ymd_opt(2015, 6, 1).unwrap();

        assert_eq!(check(&child, &mother, today()), Ok(()));
        assert_eq!(
            check(&child, &child, today()),
            Err(GuardianRefusal::ApplicantsCard)
        );
        let mut teen = mother.clone();
        teen.id_number = crate::domain::id_number::with_check_char("35020320090601001");
        teen.birth_date = NaiveDate::from_ymd_opt(2009, 6, 1).unwrap();
        assert_eq!(
            check(&child, &teen, today()),
            Err(GuardianRefusal::NotAdult)
        );
        let mut expired = mother.clone();
        expired.valid_until = ValidUntil::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_eq!(
            check(&child, &expired, today()),
            Err(GuardianRefusal::CardNotAccepted)
        );
        let mut resident = mother;
        resident.card_type = CardType::ForeignerPermanent2023;
        assert_eq!(
            check(&child, &resident, today()),
            Err(GuardianRefusal::CardNotAccepted)
        );
    }
}
