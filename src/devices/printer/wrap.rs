//! Line breaking for receipts. A printer wraps its own text at the last column, in the middle of
//! a word ("Ma / cau"); the kiosk breaks every line itself before it reaches the column limit,
//! where the Unicode line breaking algorithm (UAX #14) allows: at spaces between Latin words,
//! between Chinese characters, never before a closing mark such as "，" or ")". Only a word wider
//! than the whole line is cut, between characters.

use unicode_linebreak::{BreakOpportunity, linebreaks};

/// `text` as lines no wider than `width`, where `advance(c)` is the width of `c` in the same
/// unit (dots). Spaces at a break are dropped; a line break in `text` is kept as one.
pub fn lines(text: &str, width: f32, advance: impl Fn(char) -> f32) -> Vec<String> {
    let measure = |s: &str| s.chars().map(&advance).sum::<f32>();
    let mut out = Vec::new();
    let mut line = String::new();
    // Where the line could break after a space: in mixed text a break there keeps a Chinese
    // word whole ("一年二次" rather than "一年二 / 次") if the line stays at least half full.
    let mut after_space: Option<usize> = None;
    let mut start = 0;
    for (end, opportunity) in linebreaks(text) {
        let segment = &text[start..end];
        start = end;
        let mandatory = opportunity == BreakOpportunity::Mandatory;
        let segment = if mandatory {
            segment.trim_end_matches(['\n', '\r'])
        } else {
            segment
        };
        if !line.is_empty() && measure(format!("{line}{segment}").trim_end()) > width {
            // Only when the word moved down still fits with the segment after it.
            let keep = match after_space {
                Some(at)
                    if !line.ends_with(' ')
                        && measure(&line[..at]) >= width / 2.0
                        && measure(&line[at..]) + measure(segment.trim_end()) <= width =>
                {
                    at
                }
                _ => line.len(),
            };
            out.push(line[..keep].trim_end().to_string());
            line.drain(..keep);
            after_space = None;
        }
        line.push_str(segment);
        if segment.ends_with(' ') {
            after_space = Some(line.len());
        }
        while measure(line.trim_end()) > width {
            let cut = longest_prefix(&line, width, &advance);
            out.push(line[..cut].to_string());
            line.drain(..cut);
            after_space = None;
        }
        if mandatory {
            out.push(line.trim_end().to_string());
            line.clear();
            after_space = None;
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line.trim_end().to_string());
    }
    out
}

/// The byte length of the longest prefix of `s` no wider than `width` (at least one character).
fn longest_prefix(s: &str, width: f32, advance: &impl Fn(char) -> f32) -> usize {
    let mut used = 0.0;
    for (i, c) in s.char_indices() {
        used += advance(c);
        if used > width && i > 0 {
            return i;
        }
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printer font A: 12 dots per ASCII character, 24 for anything else (GB two-byte codes
    /// print full width), as `escpos::text_dots`.
    fn dots(c: char) -> f32 {
        crate::devices::printer::escpos::text_dots(c.encode_utf8(&mut [0; 4])) as f32
    }

    #[test]
    fn latin_breaks_at_spaces_not_inside_words() {
        // 32 columns (58 mm): the printer itself would print "…Ma" and "cau" on two lines.
        let text = "Endorsement for Hong Kong and Macau, individual visit";
        let got = lines(text, 384.0, dots);
        assert_eq!(
            got,
            ["Endorsement for Hong Kong and", "Macau, individual visit"]
        );
        let text = "Take this form and your ID card to the acceptance window.";
        assert_eq!(
            lines(text, 384.0, dots),
            [
                "Take this form and your ID card",
                "to the acceptance window."
            ]
        );
    }

    #[test]
    fn chinese_breaks_between_characters_but_not_before_closing_marks() {
        // 16 Chinese characters fit 384 dots; the 17th is "，", which may not start a line, so
        // the 16th goes down with it.
        let text = "请携带本表和身份证到受理窗口办理，谢谢。";
        let got = lines(text, 384.0, dots);
        assert_eq!(got, ["请携带本表和身份证到受理窗口办", "理，谢谢。"]);
        assert_eq!(
            lines("请携带本表和身份证到受理窗口办理手续。", 384.0, dots),
            ["请携带本表和身份证到受理窗口办理", "手续。"]
        );
        assert!(
            got.iter()
                .all(|l| l.chars().map(dots).sum::<f32>() <= 384.0)
        );
    }

    #[test]
    fn mixed_lines_and_overlong_words() {
        assert_eq!(
            lines(
                "取证 Delivery: 邮政速递 EMS to the card address",
                384.0,
                dots
            ),
            ["取证 Delivery: 邮政速递 EMS to", "the card address"]
        );
        // A word wider than the line is cut between characters, nothing is lost.
        let long = "A".repeat(40);
        let got = lines(&long, 384.0, dots);
        assert_eq!(got, ["A".repeat(32), "A".repeat(8)]);
        assert_eq!(lines("", 384.0, dots), [""]);
        assert_eq!(lines("one\ntwo", 384.0, dots), ["one", "two"]);
    }

    #[test]
    fn in_mixed_text_a_chinese_word_moves_down_whole() {
        // 576 dots (80 mm): breaking at the last ideograph would leave "次" alone.
        let line = "  签注 香港: 个人旅游 Individual visit · 一年二次";
        assert_eq!(
            lines(line, 576.0, dots),
            ["  签注 香港: 个人旅游 Individual visit ·", "一年二次"]
        );
        // A word that would not fit on the next line either is not moved: the line breaks
        // between Chinese characters instead of cutting the word.
        let text = "abcdefghijklmnop 一二三四五六七Internationalization";
        assert_eq!(
            lines(text, 384.0, dots),
            ["abcdefghijklmnop 一二三四五六七", "Internationalization"]
        );
        // Without a space in the second half of the line, Chinese still breaks anywhere.
        assert_eq!(
            lines("注 请携带本表和身份证到受理窗口办理手续", 384.0, dots),
            ["注 请携带本表和身份证到受理窗口", "办理手续"]
        );
    }
}
