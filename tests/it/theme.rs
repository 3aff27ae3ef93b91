//! The theme's colours meet WCAG 2.2 contrast: text 4.5:1 (1.4.3; 7:1 in the high-contrast
//! variant, 1.4.6), outlines and other non-text parts 3:1 (1.4.11). The colours are read from
//! `ui/globals/theme.slint` itself, so a changed token is checked as it is. Bold text is drawn
//! with a bold face (the bundled "Kiosk Sans" family has both weights).

use crate::support::{demo_kiosk, repo};

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

pub(crate) fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
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
    need("ready guidance", "on-success", "success", 4.5, 7.0);
    need("notice text", "text", "notice-background", 4.5, 7.0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The ink of the label inside a button, in "fully inked pixels": each pixel counts by how far
/// its colour is from the button's background, relative to the farthest (the text colour), so a
/// change of text colour does not count as weight. The button's outline is left out.
fn label_ink(k: &crate::support::Kiosk, id: &str) -> f64 {
    let e = k.find(id).unwrap_or_else(|| panic!("{id} missing"));
    let shot = k.render();
    let (pos, size) = (e.absolute_position(), e.size());
    let (x0, y0) = ((pos.x + 8.0) as u32, (pos.y + 8.0) as u32);
    let (x1, y1) = (
        (pos.x + size.width - 8.0) as u32,
        (pos.y + size.height - 8.0) as u32,
    );
    let pixel = |x: u32, y: u32| {
        let p = shot.as_slice()[(y * shot.width() + x) as usize];
        [p.r, p.g, p.b]
    };
    let background = pixel(x0, y0);
    let distance = |p: [u8; 3]| {
        p.iter()
            .zip(background)
            .map(|(a, b)| f64::from(a.abs_diff(b)))
            .sum::<f64>()
    };
    let inside = (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y)));
    let far = inside
        .clone()
        .map(|(x, y)| distance(pixel(x, y)))
        .fold(0.0, f64::max);
    assert!(far > 0.0, "{id}: no text drawn");
    inside.map(|(x, y)| distance(pixel(x, y)) / far).sum()
}

/// WenQuanYi Micro Hei has no bold face; without the bundled bold, every font-weight 700 label
/// was drawn in the regular face. The same label, unselected (400) and selected (700), must come
/// out heavier when selected (measured: 1.41 times the ink of the regular face; 1.00 without the
/// bold face).
#[test]
fn bold_labels_are_drawn_with_the_bold_face() {
    let k = demo_kiosk();
    k.walk_to_details();
    k.tap("delivery-collect");
    let regular = label_ink(&k, "delivery-ems");
    k.tap("delivery-ems");
    let bold = label_ink(&k, "delivery-ems");
    assert!(
        bold > regular * 1.3,
        "selected (bold) label ink {bold:.0} px against {regular:.0} px unselected"
    );
}
