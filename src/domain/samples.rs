//! Synthetic sample people as their ID cards describe them: made up, with valid-checksum
//! numbers, never real personal data. Demo mode's simulated reader, the virtual cards, the
//! sample form and the tests all use these.

use chrono::NaiveDate;
use zeroize::Zeroizing;

use crate::domain::holder::Portrait;
use crate::domain::id_number::with_check_char;
use crate::domain::identity::{CardType, Identity, Sex, ValidUntil};
use crate::domain::nation::Nation;
use crate::domain::permit::{ChipVerdict, PermitFacts, PermitKind};
use crate::domain::records::{DocumentOnRecord, RecordStatus};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("constant sample date")
}

#[allow(clippy::too_many_arguments)]
fn person(
    card_type: CardType,
    name: &str,
    sex: Sex,
    nation: &str,
    birth: NaiveDate,
    address: &str,
    number17: &str,
    valid_until: ValidUntil,
) -> Identity {
    Identity {
        card_type,
        name: name.into(),
        name_latin: String::new(),
        sex,
        nation: (!nation.is_empty()).then(|| Nation::from_code(nation)),
        birth_date: birth,
        address: address.into(),
        id_number: with_check_char(number17),
        issuer: "厦门市公安局思明分局".into(),
        valid_from: date(2016, 3, 1),
        valid_until,
        permit_number: String::new(),
        issue_count: None,
        nationality: String::new(),
        portrait: None,
    }
}

/// Synthetic sample cards: mainland (three people, one with a polyphonic surname, one elderly
/// with long-term validity), a J card, a Y card, a mainland card whose name is written in
/// parts (阿依古丽·买买提), and a child under 16 (曾小明). `today` is unused for now but keeps dates
/// plausible if samples are ever made relative to the current date.
pub fn sample_identities(_today: NaiveDate) -> Vec<Identity> {
    let mut hk = person(
        CardType::ResidencePermitHkMoTw,
        "陈大文",
        Sex::Male,
        "",
        date(1988, 8, 8),
        "福建省厦门市湖里区示例街88号",
        "81000019880808003",
        ValidUntil::Date(date(2031, 3, 1)),
    );
    hk.permit_number = "H12345678".into();
    hk.issue_count = Some(1);
    let mut foreigner = person(
        CardType::ForeignerPermanent2023,
        "史密斯",
        Sex::Male,
        "",
        date(1979, 5, 15),
        "",
        "93584019790515001",
        ValidUntil::Date(date(2033, 12, 1)),
    );
    foreigner.name_latin = "SMITH JOHN".into();
    foreigner.nationality = "USA".into();
    foreigner.issue_count = Some(0);
    foreigner.issuer = String::new();
    vec![
        person(
            CardType::Mainland,
            "曾小芳",
            Sex::Female,
            "01",
            date(1992, 4, 18),
            "福建省厦门市思明区示例路1号",
            "35020319920418002",
            ValidUntil::Date(date(2036, 3, 1)),
        ),
        person(
            CardType::Mainland,
            "单建国",
            Sex::Male,
            "01",
            date(1951, 10, 1),
            "福建省厦门市集美区示例村2号",
            "35021119511001001",
            ValidUntil::LongTerm,
        ),
        person(
            CardType::Mainland,
            "吕思远",
            Sex::Male,
            "22",
            date(2001, 7, 9),
            "福建省宁德市示例镇3号",
            "35090220010709003",
            ValidUntil::Date(date(2031, 7, 9)),
        ),
        hk,
        foreigner,
        // A name in parts (间隔号), as ID cards write the names of many minority citizens.
        person(
            CardType::Mainland,
            "阿依古丽·买买提",
            Sex::Female,
            "05",
            date(1990, 3, 5),
            "新疆维吾尔自治区乌鲁木齐市天山区示例路5号",
            "65010219900305002",
            ValidUntil::Date(date(2030, 3, 5)),
        ),
        // A child, who applies with a guardian (曾小芳, the first sample, is his mother); a card
        // for someone under 16 is valid for five years.
        child(person(
            CardType::Mainland,
            "曾小明",
            Sex::Male,
            "01",
            date(2015, 6, 1),
            "福建省厦门市思明区示例路1号",
            "35020320150601001",
            ValidUntil::Date(date(2030, 6, 1)),
        )),
    ]
}

/// A child's card: issued five years before it expires.
fn child(mut card: Identity) -> Identity {
    card.valid_from = date(2025, 6, 1);
    card
}

/// A synthetic card permit for the station kiosk's demo and tests, with the ID number of the
/// sample person it belongs to (the development central's documents on record).
#[derive(Debug, Clone)]
pub struct SamplePermit {
    pub holder_id_number: String,
    pub facts: PermitFacts,
    /// Whether the development central has it on record (a permit it does not know makes the
    /// kiosk ask for the number and expiry on the keypad).
    pub on_record: bool,
}

/// Synthetic card permits: 曾小芳's Hong Kong/Macau permit (valid; the virtual chip of
/// `dev::vcard` carries the same data), 单建国's expired one, 吕思远's Taiwan permit, and 单建国's
/// new permit, which the central has no record of yet.
/// The portrait every sample permit's chip holds: the demo booth's subject, so the simulated
/// camera shows the holder (assets/demo/README.md).
pub const SAMPLE_PORTRAIT: &[u8] = include_bytes!("../../assets/demo/portrait.png");

pub fn sample_permits(today: NaiveDate) -> Vec<SamplePermit> {
    let people = sample_identities(today);
    let permit = |who: usize, kind, number: &str, expiry, on_record| SamplePermit {
        holder_id_number: people[who].id_number.clone(),
        facts: PermitFacts {
            kind,
            document_number: number.into(),
            birth_date: people[who].birth_date,
            expiry,
            chinese_name: Some(people[who].name.clone()),
            verdict: ChipVerdict::Verified,
            portrait: Some(Portrait(Zeroizing::new(SAMPLE_PORTRAIT.to_vec()))),
        },
        on_record,
    };
    vec![
        permit(0, PermitKind::HkMacau, "C12345678", date(2031, 1, 1), true),
        permit(1, PermitKind::HkMacau, "C23456789", date(2025, 6, 30), true),
        permit(2, PermitKind::Taiwan, "T34567890", date(2030, 7, 1), true),
        permit(1, PermitKind::HkMacau, "C45678901", date(2035, 1, 1), false),
    ]
}

/// The sample people's passports on record (the development central's documents on record,
/// relative to `today`), with their holders' ID numbers: 曾小芳's expires in four months (due
/// for renewal), 单建国's was reported lost, 吕思远's expired and spells his name LV, as
/// passports did before the ü of 吕 was written YU; the others have none (a first passport).
pub fn sample_passports(today: NaiveDate) -> Vec<(String, DocumentOnRecord)> {
    let passport =
        |number: &str, issued: NaiveDate, expires, status, name: &str| DocumentOnRecord {
            kind: "passport".into(),
            number: number.into(),
            issued_on: issued,
            expires_on: expires,
            status,
            name_latin: Some(name.into()),
        };
    let months = |n: u32| {
        today
            .checked_add_months(chrono::Months::new(n))
            .unwrap_or(today)
    };
    let ago = |n: u32| {
        today
            .checked_sub_months(chrono::Months::new(n))
            .unwrap_or(today)
    };
    vec![
        (
            with_check_char("35020319920418002"),
            passport(
                "E10000001",
                ago(116),
                months(4),
                RecordStatus::Valid,
                "ZENG XIAOFANG",
            ),
        ),
        (
            with_check_char("35021119511001001"),
            passport(
                "E10000002",
                ago(30),
                months(90),
                RecordStatus::ReportedLost,
                "SHAN JIANGUO",
            ),
        ),
        (
            with_check_char("35090220010709003"),
            passport(
                "G10000003",
                ago(150),
                ago(30),
                RecordStatus::Expired,
                "LV SIYUAN",
            ),
        ),
    ]
}

/// The sample people's bookings for the day of `now` (the development central's appointments,
/// relative to the time of day): 曾小芳 is booked for the half hour she arrives in, 单建国 two
/// hours later (early), 吕思远 for a slot that ended an hour ago (late); the others have none (walk-ins).
/// A slot that would cross midnight is left out.
pub fn sample_appointments(
    now: chrono::NaiveDateTime,
) -> Vec<(String, crate::domain::appointment::Appointment)> {
    use chrono::{Duration, NaiveTime, Timelike};
    let people = sample_identities(now.date());
    let time = now.time();
    let half_hour = Duration::minutes(30);
    let slot = |who: usize, starts: Option<NaiveTime>, window: &str| {
        let starts = starts?;
        let (ends, wrapped) = starts.overflowing_add_signed(half_hour);
        (wrapped == 0).then(|| {
            (
                people[who].id_number.clone(),
                crate::domain::appointment::Appointment {
                    id: format!("APT-{who}-{}", starts.format("%H%M")),
                    starts,
                    ends,
                    service_zh: "普通护照".into(),
                    service_en: "Passport".into(),
                    window: Some(window.into()),
                },
            )
        })
    };
    let this_half_hour = time
        .with_minute(time.minute() / 30 * 30)
        .and_then(|t| t.with_second(0));
    let later = |d: Duration| {
        let (t, wrapped) = this_half_hour?.overflowing_add_signed(d);
        (wrapped == 0).then_some(t)
    };
    let earlier = |d: Duration| {
        let (t, wrapped) = this_half_hour?.overflowing_sub_signed(d);
        (wrapped == 0).then_some(t)
    };
    [
        slot(0, this_half_hour, "3"),
        slot(1, later(Duration::hours(2)), "5"),
        slot(2, earlier(Duration::minutes(90)), "3"),
    ]
    .into_iter()
    .flatten()
    .collect()
}
