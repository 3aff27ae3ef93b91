//! Every application number written as an example — in the README, in `docs/` (the central's
//! contract included) and in doc comments — is a valid one: a reader who types it into
//! `kiosk print reprint` or a central that validates it must not meet a wrong check character.

use std::path::Path;

use kiosk::domain::app_number::AppNumber;

use crate::support::repo;

/// Tokens shaped like an application number: a device id (a letter, then 1–7 letters or digits),
/// eleven digits (date and sequence) and a check character.
fn candidates(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let bytes = token.as_bytes();
        if !(14..=20).contains(&bytes.len()) || !bytes[0].is_ascii_uppercase() {
            continue;
        }
        let digits = &bytes[bytes.len() - 12..bytes.len() - 1];
        let device = &bytes[..bytes.len() - 12];
        let shaped = digits.iter().all(u8::is_ascii_digit)
            && device
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && (bytes[bytes.len() - 1].is_ascii_uppercase()
                || bytes[bytes.len() - 1].is_ascii_digit());
        if shaped {
            out.push(token.to_string());
        }
    }
    out
}

fn doc_comment_lines(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with("//!") || l.starts_with("///")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_example_application_number_has_the_right_check_character() {
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut docs = vec![repo().join("README.md")];
    for entry in std::fs::read_dir(repo().join("docs"))
        .expect("docs")
        .flatten()
    {
        docs.push(entry.path());
    }
    for path in docs.iter().filter(|p| p.is_file()) {
        let text = std::fs::read_to_string(path).expect("doc");
        texts.push((path.display().to_string(), text));
    }
    for path in crate::support::rust_sources() {
        texts.push((path.display().to_string(), doc_comment_lines(&path)));
    }
    let mut seen = 0;
    let mut wrong = Vec::new();
    for (file, text) in &texts {
        for number in candidates(text) {
            seen += 1;
            if let Err(e) = AppNumber::parse(&number) {
                wrong.push(format!("{file}: {number}: {e}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The README, DOMAIN.md, PRINTING.md, the contract and app_number.rs hold examples.
    assert!(seen >= 8, "only {seen} examples found: the scan is broken");
}

#[test]
fn the_scan_finds_a_wrong_check_character() {
    let found = candidates("reprint DEMO0126112500001V now, or (XMH01261125000423).");
    assert_eq!(found, ["DEMO0126112500001V", "XMH01261125000423"]);
    assert!(AppNumber::parse(&found[0]).is_err());
    assert!(AppNumber::parse(&found[1]).is_ok());
}
