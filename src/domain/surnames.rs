//! Surname readings: how a character (or pair) reads when it is a surname, which is often not
//! its first reading (单 SHAN, not DAN). The published Hundred Family Surnames list
//! (`assets/surnames/baijiaxing.txt`: 431 single and 61 compound surnames) is the base; the
//! table below adds surnames that list lacks (贠, 貟, 种, 秘 …) and the other readings families of
//! a surname use (单: also DAN, CHAN), so the applicant can pick theirs. Where the table and the
//! list overlap they must agree (tested), and both are checked against a second published list.
//! docs/DOMAIN.md, "Passport pinyin".

use std::collections::HashMap;
use std::sync::OnceLock;

const PUBLISHED: &str = include_str!("../../assets/surnames/baijiaxing.txt");

/// Single-character surnames: surname reading (toneless pinyin, ü kept) and the other readings
/// families of that surname use. Surnames missing from the published list, and published ones
/// with legitimate second readings.
const TABLE: &[(char, &str, &[&str])] = &[
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
    ('貟', "yun", &["yuan"]),
    ('卜', "bu", &["bo"]),
    ('召', "shao", &["zhao"]),
    ('宓', "mi", &["fu"]),
    ('郇', "huan", &["xun"]),
    ('隗', "wei", &["kui"]),
    ('谌', "chen", &["shen"]),
    ('牟', "mou", &["mu"]),
    ('重', "chong", &["zhong"]),
    ('折', "she", &["zhe"]),
    ('祭', "zhai", &["ji"]),
    ('洗', "xian", &["xi"]),
    ('句', "gou", &["ju"]),
    ('能', "nai", &["neng"]),
    ('薄', "bo", &["bao"]),
    ('柏', "bai", &["bo"]),
    ('蕃', "pi", &["fan"]),
    ('朝', "chao", &["zhao"]),
    ('长', "chang", &["zhang"]),
    ('贾', "jia", &["gu"]),
    ('藏', "zang", &["cang"]),
    ('宿', "su", &["xiu"]),
    ('黑', "he", &[]),
    ('万', "wan", &["mo"]),
    ('佴', "nai", &["er"]),
    ('粘', "nian", &["zhan"]),
    ('扎', "za", &["zha"]),
    ('不', "fou", &["bu"]),
    ('浣', "wan", &["huan"]),
];

/// Compound surnames the published list lacks.
const COMPOUNDS: &[(&str, &str)] = &[("单于", "chan yu"), ("独孤", "du gu")];

/// A surname's reading: one toneless syllable per character, and the other readings of a
/// single-character surname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurnameReading {
    pub syllables: Vec<String>,
    pub others: Vec<String>,
}

struct Surnames {
    single: HashMap<char, SurnameReading>,
    compound: HashMap<String, SurnameReading>,
}

/// Tone-marked pinyin to toneless (ü kept: the passport spelling is decided later).
pub fn toneless(syllable: &str) -> String {
    syllable
        .chars()
        .map(|c| match c {
            'ā' | 'á' | 'ǎ' | 'à' => 'a',
            'ē' | 'é' | 'ě' | 'è' => 'e',
            'ī' | 'í' | 'ǐ' | 'ì' => 'i',
            'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
            'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
            'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'ü',
            other => other,
        })
        .collect()
}

/// `surname: readings` lines (comments start with `#`) as (surname, toneless syllables).
pub fn parse_list(text: &str) -> Vec<(String, Vec<String>)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (name, readings) = l.split_once(':')?;
            let syllables = readings.split_whitespace().map(toneless).collect();
            Some((name.trim().to_string(), syllables))
        })
        .collect()
}

fn surnames() -> &'static Surnames {
    static DATA: OnceLock<Surnames> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut single = HashMap::new();
        let mut compound = HashMap::new();
        let published = parse_list(PUBLISHED);
        let extra = COMPOUNDS
            .iter()
            .map(|(n, r)| (n.to_string(), r.split(' ').map(String::from).collect()));
        for (name, syllables) in published.into_iter().chain(extra) {
            let reading = SurnameReading {
                syllables,
                others: Vec::new(),
            };
            let mut chars = name.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => {
                    single.insert(c, reading);
                }
                _ => {
                    compound.insert(name, reading);
                }
            }
        }
        for (c, reading, others) in TABLE {
            single.insert(
                *c,
                SurnameReading {
                    syllables: vec![reading.to_string()],
                    others: others.iter().map(|s| s.to_string()).collect(),
                },
            );
        }
        Surnames { single, compound }
    })
}

/// The surname reading of `c` when it is a known single-character surname.
pub fn single(c: char) -> Option<&'static SurnameReading> {
    surnames().single.get(&c)
}

/// The reading of the two-character compound surname `pair` (欧阳, 司马 …), if it is one.
pub fn compound(pair: &str) -> Option<&'static SurnameReading> {
    surnames().compound.get(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_loads_whole() {
        let s = surnames();
        assert_eq!(parse_list(PUBLISHED).len(), 492);
        assert!(s.single.len() >= 431 && s.compound.len() >= 63);
        assert_eq!(single('单').unwrap().syllables, ["shan"]);
        assert_eq!(single('吕').unwrap().syllables, ["lü"]);
        assert_eq!(compound("闾丘").unwrap().syllables, ["lü", "qiu"]);
        assert_eq!(toneless("zhǎng sūn"), "zhang sun");
        // One syllable per character in every entry of both published lists, so no compound
        // loses a character when its readings are paired with it.
        for list in [
            PUBLISHED,
            include_str!("../../assets/surnames/overtrue.txt"),
        ] {
            for (name, syllables) in parse_list(list) {
                assert_eq!(name.chars().count(), syllables.len(), "{name}");
            }
        }
    }

    #[test]
    fn the_table_agrees_with_the_published_list_where_both_have_a_surname() {
        let published: HashMap<String, Vec<String>> = parse_list(PUBLISHED).into_iter().collect();
        let disagreements: Vec<_> = TABLE
            .iter()
            .filter_map(|(c, reading, _)| {
                let listed = published.get(&c.to_string())?;
                (listed != &[reading.to_string()]).then(|| format!("{c}: {reading} vs {listed:?}"))
            })
            .collect();
        assert!(disagreements.is_empty(), "{disagreements:?}");
    }
}
