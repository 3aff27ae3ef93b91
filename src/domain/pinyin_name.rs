//! Passport pinyin for a Chinese name (GB/T 28039-2011; docs/DOMAIN.md, "Passport pinyin"):
//! surname first and written as one word (compound surnames joined), the given name as one word,
//! upper case, ü written YU (吕 → LYU, 略 → LUE). Surnames and their readings (单 SHAN, 曾 ZENG,
//! 欧阳 OUYANG …) come from `surnames`; every other character's readings from the `pinyin`
//! crate's heteronym data. The machine never decides alone: each syllable carries its other
//! readings, the name its other divisions (欧阳明: OUYANG / MING or OU / YANGMING; a name in
//! parts 阿依古丽·买买提: which part is the surname), and the applicant confirms.

use pinyin::ToPinyinMulti;

use super::surnames;

/// The 间隔号 that separates the parts of a name (U+00B7, as ID cards write names of many
/// minority citizens: 阿依古丽·买买提), and the look-alikes other systems put in its place
/// (U+2022 bullet, U+30FB katakana middle dot, U+2027 hyphenation point, U+FF65 half-width
/// katakana middle dot, U+2219 bullet operator, U+22C5 dot operator, U+0387 Greek ano teleia).
pub const NAME_DOTS: &[char] = &[
    '\u{00B7}', '\u{2022}', '\u{30FB}', '\u{2027}', '\u{FF65}', '\u{2219}', '\u{22C5}', '\u{0387}',
];

/// One character of the name with the reading in use and the others it could have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syllable {
    pub hanzi: char,
    /// Passport spelling of the chosen reading, lower case (ü already written as yu/u).
    pub reading: String,
    /// Other passport spellings; empty when the character has one reading.
    pub alternatives: Vec<String>,
}

impl Syllable {
    pub fn is_polyphonic(&self) -> bool {
        !self.alternatives.is_empty()
    }

    /// Makes `reading` the chosen one, if it is among the alternatives.
    pub fn choose(&mut self, reading: &str) -> bool {
        let Some(i) = self.alternatives.iter().position(|a| a == reading) else {
            return false;
        };
        let old = std::mem::replace(&mut self.reading, self.alternatives.remove(i));
        self.alternatives.insert(i, old);
        true
    }
}

/// `name` is written in parts separated by the 间隔号 or a look-alike (阿依古丽·买买提).
pub fn is_in_parts(name: &str) -> bool {
    name_parts(name).len() > 1
}

fn name_parts(name: &str) -> Vec<Vec<char>> {
    name.split(NAME_DOTS)
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Where the surname is in a name. An ID card does not mark it, so the kiosk proposes one
/// division and offers the others; the applicant confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Division {
    /// The first `n` characters of a Han name are the surname: 1, or 2 for a compound surname
    /// (欧阳, written as one word) or two single surnames side by side (written with a hyphen).
    Leading(usize),
    /// A name in parts separated by the 间隔号: the last part is the surname (the family or
    /// father's name, as the name is written on the card), the other parts the given names.
    LastPart,
    /// A name in parts: the first part is the surname, the rest the given names.
    FirstPart,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassportName {
    pub surname: Vec<Syllable>,
    pub given: Vec<Syllable>,
    /// Syllables in each word of the given name: one word for a Han name, one per part for a
    /// name written in parts.
    given_words: Vec<usize>,
    /// Two single surnames side by side (双姓): GB/T 28039 joins them with a hyphen.
    double_surname: bool,
    /// The name as written, split at the 间隔号 (one part for a Han name).
    parts: Vec<Vec<char>>,
    division: Division,
    divisions: Vec<Division>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinyinError {
    #[error("the name is empty")]
    Empty,
    #[error("character {0} has no pinyin reading; staff must enter the name")]
    NoReading(char),
}

/// The passport form of a pinyin syllable: ü → yu for l/n (lü → lyu, lüe → lue), else u.
pub fn passport_spelling(plain: &str) -> String {
    match plain {
        "lü" => "lyu".to_string(),
        "nü" => "nyu".to_string(),
        _ => plain.replace('ü', "u"),
    }
}

fn char_readings(c: char) -> Result<Vec<String>, PinyinError> {
    let multi = c.to_pinyin_multi().ok_or(PinyinError::NoReading(c))?;
    let mut readings: Vec<String> = Vec::new();
    for p in multi {
        let s = passport_spelling(p.plain());
        if !readings.contains(&s) {
            readings.push(s);
        }
    }
    if readings.is_empty() {
        return Err(PinyinError::NoReading(c));
    }
    Ok(readings)
}

fn general_syllable(c: char) -> Result<Syllable, PinyinError> {
    let mut readings = char_readings(c)?;
    let reading = readings.remove(0);
    Ok(Syllable {
        hanzi: c,
        reading,
        alternatives: readings,
    })
}

/// `c` read as a surname: `reading` (toneless) first, then `extra` (the other readings families
/// use), then the character's other readings.
fn surname_syllable(c: char, reading: &str, extra: &[String]) -> Result<Syllable, PinyinError> {
    let reading = passport_spelling(reading);
    let mut alternatives: Vec<String> = extra.iter().map(|s| passport_spelling(s)).collect();
    if let Ok(all) = char_readings(c) {
        for r in all {
            if r != reading && !alternatives.contains(&r) {
                alternatives.push(r);
            }
        }
    }
    alternatives.retain(|a| *a != reading);
    Ok(Syllable {
        hanzi: c,
        reading,
        alternatives,
    })
}

impl PassportName {
    /// Romanises a Chinese name as written on the ID card (surname first) with the most likely
    /// division; `divisions()` lists the others.
    pub fn from_chinese(name: &str) -> Result<PassportName, PinyinError> {
        let parts = name_parts(name);
        let divisions = match parts.as_slice() {
            [] => return Err(PinyinError::Empty),
            [chars] => han_divisions(chars),
            _ => vec![Division::LastPart, Division::FirstPart],
        };
        build(parts, divisions[0], divisions)
    }

    /// The same name divided as `division` (one of `divisions()`), readings derived afresh;
    /// `None` for a division this name does not offer.
    pub fn divided(&self, division: Division) -> Option<PassportName> {
        if !self.divisions.contains(&division) {
            return None;
        }
        build(self.parts.clone(), division, self.divisions.clone()).ok()
    }

    pub fn division(&self) -> Division {
        self.division
    }

    /// Every division this name offers, the proposed one first.
    pub fn divisions(&self) -> &[Division] {
        &self.divisions
    }

    /// The name is written in parts (间隔号). Its spelling here comes from the Chinese
    /// characters, while GB/T 28039 spells minority names after the holder's own language, so
    /// the window checks it.
    pub fn in_parts(&self) -> bool {
        self.parts.len() > 1
    }

    pub fn surname_upper(&self) -> String {
        let separator = if self.double_surname { "-" } else { "" };
        self.surname
            .iter()
            .map(|s| s.reading.to_uppercase())
            .collect::<Vec<_>>()
            .join(separator)
    }

    pub fn given_upper(&self) -> String {
        let mut words = Vec::new();
        let mut rest = self.given.as_slice();
        for &n in &self.given_words {
            let (word, tail) = rest.split_at(n.min(rest.len()));
            words.push(join_upper(word));
            rest = tail;
        }
        words.join(" ")
    }

    /// The name as a passport prints it: surname, a space, the given name ("ZENG XIAOFANG").
    pub fn spelling(&self) -> String {
        format!("{} {}", self.surname_upper(), self.given_upper())
    }

    /// The same name with the division and readings that spell it `spelling` (as an earlier
    /// passport printed it; case, commas and spacing aside), where some do; `None` when no
    /// division and choice of readings gives that spelling (another romanisation, a typo).
    pub fn spelled_as(&self, spelling: &str) -> Option<PassportName> {
        let wanted = normalised(spelling);
        for &division in &self.divisions {
            let Some(mut name) = self.divided(division) else {
                continue;
            };
            let choices: Vec<Vec<String>> = name
                .syllables()
                .map(|s| {
                    std::iter::once(s.reading.clone())
                        .chain(s.alternatives.clone())
                        .collect()
                })
                .collect();
            // Names are short and few characters have more than two readings; the cap only
            // guards against a pathological card.
            let combinations: usize = choices.iter().map(Vec::len).product();
            if combinations > 4096 {
                continue;
            }
            for mut index in 0..combinations {
                for (syllable, options) in name.syllables_mut().zip(&choices) {
                    let pick = &options[index % options.len()];
                    index /= options.len();
                    if &syllable.reading != pick {
                        syllable.choose(pick);
                    }
                }
                if normalised(&name.spelling()) == wanted {
                    return Some(name);
                }
            }
        }
        None
    }

    /// Every syllable in name order (surname first), for pickers.
    pub fn syllables_mut(&mut self) -> impl Iterator<Item = &mut Syllable> {
        self.surname.iter_mut().chain(self.given.iter_mut())
    }

    pub fn syllables(&self) -> impl Iterator<Item = &Syllable> {
        self.surname.iter().chain(self.given.iter())
    }
}

/// Whether two spellings of a name are the same, case, commas and spacing aside.
pub fn same_spelling(a: &str, b: &str) -> bool {
    normalised(a) == normalised(b)
}

/// A spelling compared letter for letter: upper case, commas dropped, single spaces.
fn normalised(spelling: &str) -> String {
    spelling
        .replace(',', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// The divisions of a Han name, most likely first: a compound surname, else one character; then
/// the other reading of the boundary where it is plausible (a compound's first character alone;
/// two known single surnames side by side). The given name is never empty.
fn han_divisions(chars: &[char]) -> Vec<Division> {
    let pair: String = chars.iter().take(2).collect();
    if chars.len() > 2 && surnames::compound(&pair).is_some() {
        return vec![Division::Leading(2), Division::Leading(1)];
    }
    let mut divisions = vec![Division::Leading(1)];
    let both_surnames = chars.len() > 2
        && surnames::single(chars[0]).is_some()
        && surnames::single(chars[1]).is_some();
    if both_surnames {
        divisions.push(Division::Leading(2));
    }
    divisions
}

fn build(
    parts: Vec<Vec<char>>,
    division: Division,
    divisions: Vec<Division>,
) -> Result<PassportName, PinyinError> {
    let general = |chars: &[char]| {
        chars
            .iter()
            .map(|&c| general_syllable(c))
            .collect::<Result<Vec<_>, _>>()
    };
    let (surname, given, given_words, double_surname) = match division {
        Division::Leading(n) => {
            let chars = &parts[0];
            let n = n.clamp(1, chars.len().saturating_sub(1).max(1));
            let pair: String = chars[..n].iter().collect();
            let compound = if n == 2 {
                surnames::compound(&pair)
            } else {
                None
            };
            let surname = match compound {
                Some(reading) => chars[..n]
                    .iter()
                    .zip(&reading.syllables)
                    .map(|(&c, r)| surname_syllable(c, r, &[]))
                    .collect::<Result<Vec<_>, _>>()?,
                None => chars[..n]
                    .iter()
                    .map(|&c| match surnames::single(c) {
                        Some(r) => surname_syllable(c, &r.syllables[0], &r.others),
                        None => general_syllable(c),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            };
            let given = general(&chars[n..])?;
            let words = vec![given.len()];
            (surname, given, words, n == 2 && compound.is_none())
        }
        Division::LastPart | Division::FirstPart => {
            let (surname_part, given_parts) = match division {
                Division::LastPart => parts.split_last(),
                _ => parts.split_first(),
            }
            .ok_or(PinyinError::Empty)?;
            let mut given = Vec::new();
            let mut words = Vec::new();
            for part in given_parts {
                given.extend(general(part)?);
                words.push(part.len());
            }
            (general(surname_part)?, given, words, false)
        }
    };
    Ok(PassportName {
        surname,
        given,
        given_words,
        double_surname,
        parts,
        division,
        divisions,
    })
}

fn join_upper(syllables: &[Syllable]) -> String {
    syllables.iter().map(|s| s.reading.to_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_previous_passports_spelling_picks_the_readings_and_division_that_give_it() {
        let name = super::PassportName::from_chinese("单建国").unwrap();
        let shan = name.spelled_as("shan, jianguo").expect("单 read as Shan");
        assert_eq!(shan.spelling(), "SHAN JIANGUO");
        let other = name.spelling();
        let dan = name.spelled_as(&other).expect("the card's own reading");
        assert_eq!(dan.spelling(), other);
        assert!(
            name.spelled_as("SIN KIN KWOK").is_none(),
            "another romanisation"
        );
        let compound = super::PassportName::from_chinese("欧阳娜娜").unwrap();
        assert_eq!(
            compound.spelled_as("OU YANGNANA").map(|n| n.spelling()),
            Some("OU YANGNANA".to_string()),
            "the other division"
        );
    }

    use super::*;

    fn surname_of(name: &str) -> String {
        PassportName::from_chinese(name).unwrap().surname_upper()
    }

    #[test]
    fn special_surnames() {
        // docs/DOMAIN.md, "Passport pinyin": the readings the `pinyin` crate alone gets wrong.
        let cases = [
            ("单小明", "SHAN"),
            ("曾国藩", "ZENG"),
            ("仇英", "QIU"),
            ("解缙", "XIE"),
            ("区小华", "OU"),
            ("查良镛", "ZHA"),
            ("朴树", "PIAO"),
            ("尉迟恭", "YUCHI"),
            ("万俟卨", "MOQI"),
            ("覃小红", "QIN"),
            ("缪小兰", "MIAO"),
            ("翟小明", "ZHAI"),
            ("阚小东", "KAN"),
            ("盖小伟", "GE"),
            ("单于小明", "CHANYU"),
            ("长孙无忌", "ZHANGSUN"),
            ("吕小芳", "LYU"),
            ("欧阳修", "OUYANG"),
            ("诸葛亮", "ZHUGE"),
            ("司马光", "SIMA"),
            ("乐小云", "YUE"),
            ("贠小明", "YUN"),
            ("卜小明", "BU"),
            ("尉小明", "WEI"),
            ("尉迟小明", "YUCHI"),
            ("闾丘小明", "LYUQIU"),
        ];
        for (name, surname) in cases {
            assert_eq!(surname_of(name), surname, "{name}");
        }
    }

    #[test]
    fn given_name_is_one_word_upper_case() {
        let n = PassportName::from_chinese("张三丰").unwrap();
        assert_eq!(n.surname_upper(), "ZHANG");
        assert_eq!(n.given_upper(), "SANFENG");
    }

    #[test]
    fn u_umlaut_rules() {
        assert_eq!(passport_spelling("lü"), "lyu");
        assert_eq!(passport_spelling("nü"), "nyu");
        assert_eq!(passport_spelling("lüe"), "lue");
        assert_eq!(passport_spelling("nüe"), "nue");
        assert_eq!(passport_spelling("xu"), "xu");
        let n = PassportName::from_chinese("王女").unwrap();
        assert_eq!(n.given_upper(), "NYU");
    }

    #[test]
    fn polyphonic_characters_offer_alternatives_and_can_be_chosen() {
        let mut n = PassportName::from_chinese("曾乐").unwrap();
        assert!(n.surname[0].alternatives.contains(&"ceng".to_string()));
        assert!(n.given[0].is_polyphonic());
        let other = n.given[0].alternatives[0].clone();
        let before = n.given[0].reading.clone();
        assert!(n.given[0].choose(&other));
        assert_eq!(n.given[0].reading, other);
        assert!(n.given[0].alternatives.contains(&before));
        assert!(!n.given[0].choose("xyz"));
        assert!(n.surname[0].choose("ceng"));
        assert_eq!(n.surname_upper(), "CENG");
    }

    #[test]
    fn compound_surname_alone_is_not_split() {
        // A two-character name that happens to be a compound surname is surname + given name.
        let n = PassportName::from_chinese("欧阳").unwrap();
        assert_eq!(n.surname_upper(), "OU");
        assert_eq!(n.given_upper(), "YANG");
        assert_eq!(n.divisions(), [Division::Leading(1)]);
    }

    fn split(n: &PassportName) -> (String, String) {
        (n.surname_upper(), n.given_upper())
    }

    #[test]
    fn the_surname_boundary_is_offered_both_ways() {
        let n = PassportName::from_chinese("欧阳明").unwrap();
        assert_eq!(split(&n), ("OUYANG".into(), "MING".into()));
        assert_eq!(n.divisions(), [Division::Leading(2), Division::Leading(1)]);
        let other = n.divided(Division::Leading(1)).unwrap();
        assert_eq!(split(&other), ("OU".into(), "YANGMING".into()));
        assert_eq!(other.divisions(), n.divisions());
        assert_eq!(
            split(&other.divided(Division::Leading(2)).unwrap()),
            split(&n)
        );
        // 单于: the compound reads CHANYU; 单 alone is the surname SHAN.
        let n = PassportName::from_chinese("单于明").unwrap();
        assert_eq!(split(&n), ("CHANYU".into(), "MING".into()));
        let n = n.divided(Division::Leading(1)).unwrap();
        assert_eq!(split(&n), ("SHAN".into(), "YUMING".into()));
        // Two single surnames side by side (双姓) are offered, written with a hyphen.
        let n = PassportName::from_chinese("张李明").unwrap();
        assert_eq!(split(&n), ("ZHANG".into(), "LIMING".into()));
        let n = n.divided(Division::Leading(2)).unwrap();
        assert_eq!(split(&n), ("ZHANG-LI".into(), "MING".into()));
        // A given name that cannot be a surname is not offered as one.
        let n = PassportName::from_chinese("张三丰").unwrap();
        assert_eq!(n.divisions(), [Division::Leading(1)]);
        assert!(n.divided(Division::Leading(2)).is_none());
        assert!(n.divided(Division::LastPart).is_none());
    }

    #[test]
    fn names_in_parts_split_at_the_dot_and_keep_every_character() {
        let n = PassportName::from_chinese("阿依古丽·买买提").unwrap();
        assert!(n.in_parts());
        assert_eq!(split(&n), ("MAIMAITI".into(), "AYIGULI".into()));
        assert_eq!(n.divisions(), [Division::LastPart, Division::FirstPart]);
        let n = n.divided(Division::FirstPart).unwrap();
        assert_eq!(split(&n), ("AYIGULI".into(), "MAIMAITI".into()));
        // Three parts: the given names stay separate words.
        let n = PassportName::from_chinese("买买提·吐尔逊·阿力木").unwrap();
        assert_eq!(split(&n), ("ALIMU".into(), "MAIMAITI TUERXUN".into()));
        // No Han surname table inside a name in parts: 单 reads DAN, not the surname SHAN.
        let n = PassportName::from_chinese("单·买买提").unwrap();
        assert_eq!(n.given_upper(), "DAN");
        // Every look-alike dot divides the same way; spaces around it are ignored.
        for dot in NAME_DOTS {
            let n = PassportName::from_chinese(&format!("阿依古丽 {dot} 买买提")).unwrap();
            assert_eq!(split(&n), ("MAIMAITI".into(), "AYIGULI".into()), "{dot:?}");
        }
        // A stray dot at either end leaves a plain Han name.
        let n = PassportName::from_chinese("·张三").unwrap();
        assert!(!n.in_parts());
        assert_eq!(split(&n), ("ZHANG".into(), "SAN".into()));
    }

    /// Every surname in both published lists (assets/surnames) reads as the list says, and a
    /// given name after it does not change that.
    #[test]
    fn every_published_reading_is_the_default() {
        let lists = [
            include_str!("../../assets/surnames/baijiaxing.txt"),
            include_str!("../../assets/surnames/overtrue.txt"),
        ];
        let mut wrong = Vec::new();
        for (surname, syllables) in lists.iter().flat_map(|l| surnames::parse_list(l)) {
            let expected: String = syllables
                .iter()
                .map(|s| passport_spelling(s).to_uppercase())
                .collect();
            let name = PassportName::from_chinese(&format!("{surname}小明")).unwrap();
            if name.surname_upper() != expected {
                wrong.push(format!(
                    "{surname}: {} not {expected}",
                    name.surname_upper()
                ));
            }
        }
        assert!(wrong.is_empty(), "{} wrong: {wrong:?}", wrong.len());
    }

    #[test]
    fn errors() {
        assert_eq!(PassportName::from_chinese(" "), Err(PinyinError::Empty));
        assert_eq!(
            PassportName::from_chinese("张A"),
            Err(PinyinError::NoReading('A'))
        );
    }
}
