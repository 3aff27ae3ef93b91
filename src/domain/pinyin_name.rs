//! Passport pinyin for a Chinese name (GB/T 28039-2011; docs/DOMAIN.md, "Passport pinyin"):
//! surname first and written as one word (compound surnames joined), the given name as one word,
//! upper case, ü written YU (吕 → LYU, 略 → LUE). Surnames with a reading of their own (单 SHAN,
//! 曾 ZENG, 仇 QIU …) come from a table; every other character's readings come from the `pinyin`
//! crate's heteronym data. The machine never decides a polyphonic character alone: each syllable
//! carries its alternatives and the applicant confirms.

use pinyin::ToPinyinMulti;

/// Two-character surnames, matched before single characters. Readings are the surname readings.
const COMPOUND_SURNAMES: &[(&str, &[&str])] = &[
    ("欧阳", &["ou", "yang"]),
    ("司马", &["si", "ma"]),
    ("上官", &["shang", "guan"]),
    ("诸葛", &["zhu", "ge"]),
    ("东方", &["dong", "fang"]),
    ("皇甫", &["huang", "fu"]),
    ("尉迟", &["yu", "chi"]),
    ("公孙", &["gong", "sun"]),
    ("慕容", &["mu", "rong"]),
    ("长孙", &["zhang", "sun"]),
    ("宇文", &["yu", "wen"]),
    ("司徒", &["si", "tu"]),
    ("司空", &["si", "kong"]),
    ("夏侯", &["xia", "hou"]),
    ("令狐", &["ling", "hu"]),
    ("端木", &["duan", "mu"]),
    ("万俟", &["mo", "qi"]),
    ("单于", &["chan", "yu"]),
    ("澹台", &["tan", "tai"]),
    ("公冶", &["gong", "ye"]),
    ("宗政", &["zong", "zheng"]),
    ("濮阳", &["pu", "yang"]),
    ("淳于", &["chun", "yu"]),
    ("太叔", &["tai", "shu"]),
    ("申屠", &["shen", "tu"]),
    ("轩辕", &["xuan", "yuan"]),
    ("钟离", &["zhong", "li"]),
    ("闻人", &["wen", "ren"]),
    ("赫连", &["he", "lian"]),
    ("南宫", &["nan", "gong"]),
    ("西门", &["xi", "men"]),
    ("独孤", &["du", "gu"]),
    ("呼延", &["hu", "yan"]),
    ("拓跋", &["tuo", "ba"]),
    ("百里", &["bai", "li"]),
    ("第五", &["di", "wu"]),
    ("左丘", &["zuo", "qiu"]),
    ("乐正", &["yue", "zheng"]),
];

/// Single-character surnames whose surname reading differs from the character's first reading,
/// with the other readings a person of that surname may legitimately use.
const SURNAME_READINGS: &[(char, &str, &[&str])] = &[
    ('单', "shan", &["dan", "chan"]),
    ('曾', "zeng", &["ceng"]),
    ('仇', "qiu", &["chou"]),
    ('解', "xie", &["jie"]),
    ('区', "ou", &["qu"]),
    ('查', "zha", &["cha"]),
    ('朴', "piao", &["pu", "po"]),
    ('覃', "qin", &["tan"]),
    ('缪', "miao", &["mou", "miu"]),
    ('翟', "zhai", &["di"]),
    ('阚', "kan", &["han"]),
    ('盖', "ge", &["gai"]),
    ('种', "chong", &["zhong"]),
    ('秘', "bi", &["mi"]),
    ('繁', "po", &["fan"]),
    ('乐', "yue", &["le"]),
    ('员', "yun", &["yuan"]),
    ('贠', "yun", &["yuan"]),
    ('卜', "bu", &["bo"]),
    ('召', "shao", &["zhao"]),
    ('尉', "yu", &["wei"]),
    ('宓', "fu", &["mi"]),
    ('郇', "huan", &["xun"]),
    ('隗', "kui", &["wei"]),
    ('谌', "chen", &["shen"]),
    ('牟', "mou", &["mu"]),
    ('重', "chong", &["zhong"]),
    ('燕', "yan", &[]),
    ('折', "she", &["zhe"]),
    ('祭', "zhai", &["ji"]),
    ('洗', "xian", &["xi"]),
    ('句', "gou", &["ju"]),
    ('能', "nai", &["neng"]),
    ('华', "hua", &[]),
    ('任', "ren", &[]),
    ('纪', "ji", &[]),
    ('过', "guo", &[]),
    ('薄', "bo", &["bao"]),
    ('柏', "bai", &["bo"]),
    ('蕃', "pi", &["fan"]),
    ('冼', "xian", &[]),
    ('朝', "chao", &["zhao"]),
    ('长', "chang", &["zhang"]),
    ('沈', "shen", &[]),
    ('贾', "jia", &["gu"]),
    ('藏', "zang", &["cang"]),
    ('相', "xiang", &[]),
    ('宿', "su", &["xiu"]),
    ('黑', "he", &[]),
    ('万', "wan", &["mo"]),
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassportName {
    pub surname: Vec<Syllable>,
    pub given: Vec<Syllable>,
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

fn surname_syllable(c: char, reading: &str, extra: &[&str]) -> Result<Syllable, PinyinError> {
    let mut alternatives: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    if let Ok(all) = char_readings(c) {
        for r in all {
            if r != reading && !alternatives.contains(&r) {
                alternatives.push(r);
            }
        }
    }
    Ok(Syllable {
        hanzi: c,
        reading: reading.to_string(),
        alternatives,
    })
}

impl PassportName {
    /// Splits and romanises a Chinese name as written on the ID card (surname first).
    pub fn from_chinese(name: &str) -> Result<PassportName, PinyinError> {
        let chars: Vec<char> = name
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '·')
            .collect();
        if chars.is_empty() {
            return Err(PinyinError::Empty);
        }
        let two: String = chars.iter().take(2).collect();
        let (surname, rest) = match COMPOUND_SURNAMES.iter().find(|(s, _)| *s == two) {
            Some((_, readings)) if chars.len() > 2 => {
                let syllables = chars[..2]
                    .iter()
                    .zip(readings.iter())
                    .map(|(&c, r)| surname_syllable(c, r, &[]))
                    .collect::<Result<Vec<_>, _>>()?;
                (syllables, &chars[2..])
            }
            _ => {
                let c = chars[0];
                let s = match SURNAME_READINGS.iter().find(|(h, _, _)| *h == c) {
                    Some((_, reading, extra)) => surname_syllable(c, reading, extra)?,
                    None => general_syllable(c)?,
                };
                (vec![s], &chars[1..])
            }
        };
        let given = rest
            .iter()
            .map(|&c| general_syllable(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PassportName { surname, given })
    }

    pub fn surname_upper(&self) -> String {
        join_upper(&self.surname)
    }

    pub fn given_upper(&self) -> String {
        join_upper(&self.given)
    }

    /// Every syllable in name order (surname first), for pickers.
    pub fn syllables_mut(&mut self) -> impl Iterator<Item = &mut Syllable> {
        self.surname.iter_mut().chain(self.given.iter_mut())
    }

    pub fn syllables(&self) -> impl Iterator<Item = &Syllable> {
        self.surname.iter().chain(self.given.iter())
    }
}

fn join_upper(syllables: &[Syllable]) -> String {
    syllables.iter().map(|s| s.reading.to_uppercase()).collect()
}

#[cfg(test)]
mod tests {
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
