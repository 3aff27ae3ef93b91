//! Administrative divisions (GB/T 2260): the province → prefecture → county codes an EMS
//! delivery address is chosen from, and the names an ID number's division code stands for.
//!
//! Codes are six digits: `PP0000` a province, `PPCC00` a prefecture-level division, `PPCCDD` a
//! county-level one. Some prefecture-level entries are only groupings ("市辖区" under a
//! municipality, "省直辖县级行政区划"); they are kept for their codes but left out of written
//! addresses. A few prefecture-level cities have no counties (东莞市, 中山市, 儋州市): the city
//! is the last level chosen there.
//!
//! The table ships as `assets/divisions/gbt2260.tsv` (source and date in its header and in
//! docs/DOMAIN.md, "Delivery addresses"); the central can send a newer one. ID numbers keep the
//! code of the time of registration, so a code missing from the table is shown raw, never
//! refused.

use std::collections::BTreeMap;

use thiserror::Error;

const BUILTIN: &str = include_str!("../../assets/divisions/gbt2260.tsv");

/// Prefecture-level names that group counties rather than name a place.
const GROUPINGS: [&str; 4] = [
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// One division of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    /// Six digits (GB/T 2260).
    pub code: String,
    pub name: String,
}

impl Division {
    /// Whether the division groups counties rather than names a place (left out of addresses).
    pub fn is_grouping(&self) -> bool {
        GROUPINGS.contains(&self.name.as_str())
    }
}

/// A place chosen down to its last level: the province, the prefecture-level division, and the
/// county (`None` where the prefecture has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub province: Division,
    pub prefecture: Division,
    pub county: Option<Division>,
}

impl Place {
    /// The place as written on an address: 福建省厦门市思明区, 北京市东城区 (groupings left out).
    pub fn written(&self) -> String {
        let mut out = self.province.name.clone();
        if !self.prefecture.is_grouping() {
            out.push_str(&self.prefecture.name);
        }
        if let Some(county) = &self.county {
            out.push_str(&county.name);
        }
        out
    }

    /// The code of the last level chosen.
    pub fn code(&self) -> &str {
        self.county
            .as_ref()
            .map_or(&self.prefecture.code, |c| &c.code)
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DivisionsError {
    #[error("line {line}: expected `code<TAB>name`")]
    Shape { line: usize },
    #[error("line {line}: {code:?} is not a six-digit code")]
    Code { line: usize, code: String },
    #[error("line {line}: {code} appears twice")]
    Duplicate { line: usize, code: String },
    #[error("{code} ({name}) has no {missing} in the table")]
    Orphan {
        code: String,
        name: String,
        missing: &'static str,
    },
    #[error("the table has no provinces")]
    Empty,
}

/// The division table, ordered by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divisions {
    names: BTreeMap<String, String>,
}

impl Divisions {
    /// The table shipped with the kiosk.
    pub fn builtin() -> Divisions {
        Divisions::from_tsv(BUILTIN).expect("the bundled table is checked by a unit test")
    }

    /// Reads a table in the form of `assets/divisions/gbt2260.tsv`: `code<TAB>name` lines,
    /// `#` comments; every county's prefecture and every prefecture's province must be there.
    pub fn from_tsv(text: &str) -> Result<Divisions, DivisionsError> {
        let mut names = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (code, name) = line
                .split_once('\t')
                .filter(|(_, n)| !n.trim().is_empty())
                .ok_or(DivisionsError::Shape { line: line_no })?;
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || &code[..2] == "00" {
                return Err(DivisionsError::Code {
                    line: line_no,
                    code: code.into(),
                });
            }
            if names
                .insert(code.to_string(), name.trim().to_string())
                .is_some()
            {
                return Err(DivisionsError::Duplicate {
                    line: line_no,
                    code: code.into(),
                });
            }
        }
        let table = Divisions { names };
        table.check_parents()?;
        Ok(table)
    }

    fn check_parents(&self) -> Result<(), DivisionsError> {
        if self.provinces().next().is_none() {
            return Err(DivisionsError::Empty);
        }
        for (code, name) in &self.names {
            let missing = match level(code) {
                Level::Province => continue,
                Level::Prefecture if !self.names.contains_key(&province_of(code)) => "province",
                Level::County if !self.names.contains_key(&prefecture_of(code)) => "prefecture",
                _ => continue,
            };
            return Err(DivisionsError::Orphan {
                code: code.clone(),
                name: name.clone(),
                missing,
            });
        }
        Ok(())
    }

    fn division(&self, code: &str) -> Option<Division> {
        self.names.get(code).map(|name| Division {
            code: code.to_string(),
            name: name.clone(),
        })
    }

    fn under<'a>(&'a self, parent: &str, want: Level) -> impl Iterator<Item = Division> + 'a {
        let prefix = match level(parent) {
            Level::Province => parent[..2].to_string(),
            _ => parent[..4].to_string(),
        };
        self.names
            .range(prefix.clone()..)
            .take_while(move |(c, _)| c.starts_with(&prefix))
            .filter(move |(c, _)| level(c) == want)
            .map(|(c, n)| Division {
                code: c.clone(),
                name: n.clone(),
            })
    }

    /// Every province, by code.
    pub fn provinces(&self) -> impl Iterator<Item = Division> + '_ {
        self.names
            .iter()
            .filter(|(c, _)| level(c) == Level::Province)
            .map(|(c, n)| Division {
                code: c.clone(),
                name: n.clone(),
            })
    }

    /// The prefecture-level divisions of a province (`PP0000`), by code.
    pub fn prefectures<'a>(&'a self, province: &str) -> impl Iterator<Item = Division> + 'a {
        self.under(province, Level::Prefecture)
    }

    /// The counties of a prefecture-level division (`PPCC00`), by code; none for the few
    /// cities without counties.
    pub fn counties<'a>(&'a self, prefecture: &str) -> impl Iterator<Item = Division> + 'a {
        self.under(prefecture, Level::County)
    }

    /// The place a code stands for, with every level above it; `None` for a code the table
    /// does not have, or a province alone (an address needs its prefecture).
    pub fn place(&self, code: &str) -> Option<Place> {
        if code.len() != 6 {
            return None;
        }
        let (prefecture, county) = match level(code) {
            Level::Province => return None,
            Level::Prefecture => (self.division(code)?, None),
            Level::County => (
                self.division(&prefecture_of(code))?,
                Some(self.division(code)?),
            ),
        };
        Some(Place {
            province: self.division(&province_of(code))?,
            prefecture,
            county,
        })
    }

    /// A complete choice: a county, or a prefecture that has none.
    pub fn is_complete(&self, code: &str) -> bool {
        match self.place(code) {
            Some(Place {
                county: Some(_), ..
            }) => true,
            Some(p) => self.counties(&p.prefecture.code).next().is_none(),
            None => false,
        }
    }

    /// What an ID number's division code shows: the place's written name, or the code itself
    /// where the table does not know it (a retired code on an old card).
    pub fn describe(&self, code: &str) -> String {
        match self.place(code) {
            Some(place) => place.written(),
            None => match self.division(code) {
                Some(province) => province.name,
                None => code.to_string(),
            },
        }
    }

    /// How many entries the table has (for the log when the central replaces it).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Province,
    Prefecture,
    County,
}

fn level(code: &str) -> Level {
    if code.ends_with("0000") {
        Level::Province
    } else if code.ends_with("00") {
        Level::Prefecture
    } else {
        Level::County
    }
}

fn province_of(code: &str) -> String {
    format!("{}0000", &code[..2])
}

fn prefecture_of(code: &str) -> String {
    format!("{}00", &code[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_county_resolves_to_its_province_and_prefecture() {
        let table = Divisions::builtin();
        let provinces: Vec<_> = table.provinces().collect();
        assert_eq!(
            provinces.len(),
            31,
            "31 provincial divisions on the mainland"
        );
        let mut counties = 0;
        for province in &provinces {
            for prefecture in table.prefectures(&province.code) {
                assert_eq!(&prefecture.code[..2], &province.code[..2]);
                for county in table.counties(&prefecture.code) {
                    counties += 1;
                    let place = table.place(&county.code).expect("a county resolves");
                    assert_eq!(place.province, *province);
                    assert_eq!(place.prefecture, prefecture);
                    assert_eq!(place.county.as_ref(), Some(&county));
                    assert!(table.is_complete(&county.code));
                }
            }
        }
        assert!(counties > 2800, "{counties} county-level divisions");
    }

    #[test]
    fn addresses_are_written_without_groupings() {
        let table = Divisions::builtin();
        assert_eq!(table.describe("350203"), "福建省厦门市思明区");
        assert_eq!(table.describe("110101"), "北京市东城区");
        assert_eq!(table.describe("429004"), "湖北省仙桃市");
        // A city without counties is complete by itself; a city with counties is not.
        assert!(table.is_complete("441900"));
        assert_eq!(table.describe("441900"), "广东省东莞市");
        assert!(!table.is_complete("350200"));
        assert!(!table.is_complete("350000"));
    }

    #[test]
    fn unknown_and_retired_codes_are_shown_raw() {
        let table = Divisions::builtin();
        // 鼓浪屿区 was merged into 思明区 in 2003; cards issued before keep the code.
        assert_eq!(table.place("350202"), None);
        assert_eq!(table.describe("350202"), "350202");
        assert_eq!(table.describe("350000"), "福建省");
        assert_eq!(table.describe("99"), "99");
    }

    #[test]
    fn a_broken_table_is_refused_with_its_line() {
        assert_eq!(
            Divisions::from_tsv("350000\t福建省\n3502\t厦门市\n"),
            Err(DivisionsError::Code {
                line: 2,
                code: "3502".into()
            })
        );
        assert_eq!(
            Divisions::from_tsv("350000\t福建省\n350000\t福建\n"),
            Err(DivisionsError::Duplicate {
                line: 2,
                code: "350000".into()
            })
        );
        assert!(matches!(
            Divisions::from_tsv("350000\t福建省\n350203\t思明区\n"),
            Err(DivisionsError::Orphan {
                missing: "prefecture",
                ..
            })
        ));
        assert_eq!(
            Divisions::from_tsv("350000 福建省\n"),
            Err(DivisionsError::Shape { line: 1 })
        );
        assert_eq!(
            Divisions::from_tsv("# nothing\n"),
            Err(DivisionsError::Empty)
        );
    }
}
