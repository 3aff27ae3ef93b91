//! The theme's colours meet WCAG 2.2 contrast: text 4.5:1 (1.4.3; 7:1 in the high-contrast
//! variant, 1.4.6), outlines and other non-text parts 3:1 (1.4.11). The colours are read from
//! `ui/globals/theme.slint` itself, so a changed token is checked as it is.

use crate::support::repo;

/// (normal, high contrast) value of a colour token `name`.
fn token(theme: &str, name: &str) -> ([u8; 3], [u8; 3]) {
    let line = theme
        .lines()
        .find(|l| l.contains(&format!("<color> {name}:")))
        .unwrap_or_else(|| panic!("no colour token {name}"));
    let hex: Vec<[u8; 3]> = line
        .split('#')
        .skip(1)
        .map(|h| {
            let h = &h[..6];
            let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).expect("hex");
            [byte(0), byte(2), byte(4)]
        })
        .collect();
    // `high-contrast ? #hc : #normal`
    (hex[1], hex[0])
}

/// WCAG 2.2 relative luminance.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn theme_colours_meet_wcag_contrast() {
    let theme = std::fs::read_to_string(repo().join("ui/globals/theme.slint")).expect("theme");
    // The formula itself: black on white is 21:1.
    assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    let mut failures = Vec::new();
    let mut need = |what: &str, fg: &str, bg: &str, normal: f64, high: f64| {
        let (f, b) = (token(&theme, fg), token(&theme, bg));
        for (variant, f, b, min) in [
            ("normal", f.0, b.0, normal),
            ("high contrast", f.1, b.1, high),
        ] {
            let c = contrast(f, b);
            if c < min {
                failures.push(format!(
                    "{what} ({variant}): {fg} on {bg} is {c:.2}:1, needs {min}:1"
                ));
            }
        }
    };
    for bg in ["background", "surface"] {
        need("text", "text", bg, 4.5, 7.0);
        need("secondary text", "muted", bg, 4.5, 7.0);
        need("button outline", "border", bg, 3.0, 3.0);
        need("primary outline", "primary", bg, 3.0, 3.0);
        need("error text", "danger", bg, 4.5, 7.0);
    }
    need("primary button text", "on-primary", "primary", 4.5, 7.0);
    need("selected text", "on-selected", "selected", 4.5, 7.0);
    need("header text", "on-header", "header", 4.5, 7.0);
    need("notice text", "text", "notice-background", 4.5, 7.0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
