//! Every visible string has a Chinese translation, and every character the kiosk can show from
//! its own text (translations, catalogue) is in the bundled font: no untranslated English and
//! no tofu boxes on a kiosk.

use std::collections::BTreeSet;

use crate::support::repo;

fn tr_strings() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for path in crate::support::files_under(&repo().join("ui"), "slint") {
        let text = std::fs::read_to_string(&path).expect("slint file");
        for part in text.split("@tr(\"").skip(1) {
            let mut s = String::new();
            let mut chars = part.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => s.extend(chars.next()),
                    '"' => break,
                    c => s.push(c),
                }
            }
            out.insert(s);
        }
    }
    out
}

fn po_entries() -> Vec<(String, String)> {
    let po = std::fs::read_to_string(repo().join("ui/lang/zh_CN/LC_MESSAGES/kiosk.po"))
        .expect("po file");
    let unquote = |l: &str, key: &str| {
        l.strip_prefix(key)
            .map(|r| r.trim().trim_matches('"').replace("\\\"", "\""))
    };
    let mut entries = Vec::new();
    let mut id = None;
    for line in po.lines() {
        if let Some(m) = unquote(line, "msgid ") {
            id = Some(m);
        } else if let (Some(s), Some(m)) = (unquote(line, "msgstr "), id.take()) {
            entries.push((m, s));
        }
    }
    entries
}

#[test]
fn every_ui_string_is_translated_to_chinese() {
    let entries = po_entries();
    let missing: Vec<_> = tr_strings()
        .into_iter()
        .filter(|s| !entries.iter().any(|(id, tr)| id == s && !tr.is_empty()))
        .collect();
    assert!(missing.is_empty(), "untranslated: {missing:#?}");
    assert!(tr_strings().len() > 50, "the scan found the UI strings");
}

/// Both faces of the kiosk's family (regular, and bold for headings, buttons and names) have a
/// glyph for every character of the kiosk's own text, the place names of the division table
/// included.
#[test]
fn the_bundled_fonts_cover_all_kiosk_text() {
    use ab_glyph::Font as _;
    let catalogue =
        std::fs::read_to_string(repo().join("assets/catalogue.toml")).expect("catalogue");
    let divisions = std::fs::read_to_string(repo().join("assets/divisions/gbt2260.tsv"))
        .expect("division table");
    let mut text: String = po_entries().into_iter().map(|(_, s)| s).collect();
    text.push_str(&catalogue);
    // Place names on the address page (the central's newer tables are for the data's own tests).
    text.push_str(&divisions);
    text.extend(tr_strings());
    for face in ["KioskSans.ttf", "KioskSans-Bold.otf"] {
        let bytes = std::fs::read(repo().join("assets/fonts").join(face)).expect("font");
        let font = ab_glyph::FontRef::try_from_slice(&bytes).expect("font parses");
        let missing: BTreeSet<char> = text
            .chars()
            .filter(|c| {
                !c.is_control() && !c.is_whitespace() && font.glyph_id(*c) == ab_glyph::GlyphId(0)
            })
            .collect();
        assert!(
            missing.is_empty(),
            "{face}: characters without a glyph: {missing:?}"
        );
    }
}
