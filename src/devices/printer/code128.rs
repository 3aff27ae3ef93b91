//! CODE128 code sets for the application number: which runs go in set B (one character per
//! symbol) and which in set C (two digits per symbol). The printer's own barcode (`GS k`, in
//! `escpos`) and the kiosk's drawn symbol (`raster`) split the text the same way, so both print
//! the same bars. See docs/PRINTING.md, "CODE128".

/// A CODE128 segment in one code set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code128Part {
    B(String),
    /// An even number of digits, two per symbol.
    C(String),
}

/// Splits `text` into code-set B and C runs: digit runs of four or more go into set C (pairs of
/// digits per symbol), which keeps a 17-character number narrow enough for 58 mm paper.
pub fn code128_parts(text: &str) -> Vec<Code128Part> {
    let mut parts = Vec::new();
    let mut b = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run >= 4 {
            if run % 2 == 1 {
                b.push(chars[i]);
                i += 1;
            }
            let even = run - run % 2;
            if !b.is_empty() {
                parts.push(Code128Part::B(std::mem::take(&mut b)));
            }
            parts.push(Code128Part::C(chars[i..i + even].iter().collect()));
            i += even;
        } else {
            b.push(chars[i]);
            i += 1;
        }
    }
    if !b.is_empty() {
        parts.push(Code128Part::B(b));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_use_code_set_c() {
        assert_eq!(
            code128_parts("XMH0126112500042Z"),
            vec![
                Code128Part::B("XMH0".into()),
                Code128Part::C("126112500042".into()),
                Code128Part::B("Z".into())
            ]
        );
        assert_eq!(
            code128_parts("AB1234"),
            vec![Code128Part::B("AB".into()), Code128Part::C("1234".into())]
        );
        assert_eq!(code128_parts("AB123"), vec![Code128Part::B("AB123".into())]);
    }
}
