//! Nation (民族) codes of GB/T 3304-1991 as written on ID cards (docs/DOMAIN.md, "Nation codes").
//! Unknown codes (e.g. the Guizhou local 81, or tables using 57/58) are kept and shown raw.

const NAMES: [&str; 56] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// A nation code from a card, known or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nation {
    code: String,
}

impl Nation {
    pub fn from_code(code: &str) -> Self {
        Nation {
            code: code.trim().to_string(),
        }
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    /// The name without the 族 suffix, or `None` for a code outside GB/T 3304.
    pub fn name(&self) -> Option<&'static str> {
        let n: usize = self.code.parse().ok()?;
        if self.code.len() != 2 {
            return None;
        }
        match n {
            1..=56 => Some(NAMES[n - 1]),
            97 => Some("其他"),
            98 => Some("外国血统中国籍人士"),
            _ => None,
        }
    }

    /// What the form shows: "汉族", "外国血统中国籍人士", or the raw code in brackets.
    pub fn display(&self) -> String {
        match self.name() {
            Some(name) if self.code.parse::<u8>().is_ok_and(|n| n <= 56) => format!("{name}族"),
            Some(name) => name.to_string(),
            None => format!("[{}]", self.code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        assert_eq!(Nation::from_code("01").display(), "汉族");
        assert_eq!(Nation::from_code("05").display(), "维吾尔族");
        assert_eq!(Nation::from_code("29").display(), "柯尔克孜族");
        assert_eq!(Nation::from_code("56").display(), "基诺族");
        assert_eq!(Nation::from_code("97").display(), "其他");
        assert_eq!(Nation::from_code("98").display(), "外国血统中国籍人士");
    }

    #[test]
    fn unknown_codes_are_shown_raw() {
        for code in ["00", "57", "81", "1", "ab", ""] {
            let n = Nation::from_code(code);
            assert_eq!(n.name(), None, "{code}");
            assert_eq!(n.display(), format!("[{code}]"));
        }
    }
}
