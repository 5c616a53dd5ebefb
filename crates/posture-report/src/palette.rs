//! The report's colours, and the WCAG 2 contrast arithmetic that checks
//! them.
//!
//! Every colour of the page is one of these constants: the stylesheet
//! declares them as CSS custom properties and uses nothing else, and
//! [`TEXT_PAIRS`] lists every text colour on every background the
//! stylesheet puts it on, so a test can compute each pair's contrast
//! ratio.
//!
//! Grades are told apart without colour (the letter is on every swatch)
//! and the scale runs from pale blue (A) to dark rust (F): blue against
//! orange, which red-green colour blindness keeps apart, and A and F far
//! apart in luminance as well as hue.

use posture_core::Grade;

/// A colour as `#rrggbb`.
pub type Hex = &'static str;

/// Body text.
pub const INK: Hex = "#17202c";
/// Secondary text (captions, labels, table headings).
pub const MUTED: Hex = "#4f5b6d";
/// Links.
pub const LINK: Hex = "#1f5fae";
/// The page behind the sections.
pub const PAGE: Hex = "#f4f6f9";
/// Sections, cards, tables.
pub const SURFACE: Hex = "#ffffff";
/// The page header's background.
pub const HEADER: Hex = "#1c2430";
/// The page header's title text.
pub const HEADER_INK: Hex = "#ffffff";
/// The page header's secondary text.
pub const HEADER_MUTED: Hex = "#c9d3e0";
/// Rules, borders, the empty part of bars and meters.
pub const RULE: Hex = "#dfe4eb";
/// Outlines of bars and swatches (shapes need 3:1 against the surface).
pub const OUTLINE: Hex = "#4f5b6d";
/// Zebra rows and "not assessed" cells.
pub const SUBTLE: Hex = "#eef1f5";

/// Grade A: pale blue.
pub const GRADE_A: Hex = "#cfe5f6";
/// Grade B: sky blue.
pub const GRADE_B: Hex = "#5aaee3";
/// Grade C: light amber.
pub const GRADE_C: Hex = "#f3d36b";
/// Grade D: orange.
pub const GRADE_D: Hex = "#e8894a";
/// Grade F: dark rust.
pub const GRADE_F: Hex = "#8a3b12";
/// Grade `?` (insufficient data): light grey.
pub const GRADE_NONE: Hex = "#e3e7ec";

/// Status chips: open items and findings.
pub const STATUS_OPEN: Hex = "#fbe3d5";
/// Status chips: waiting for a rescan or a decision.
pub const STATUS_PENDING: Hex = "#fdf1c7";
/// Status chips: verified, accepted, fixed.
pub const STATUS_DONE: Hex = "#d8ecf8";

/// The lines of a chart with several series (ROC curves, one per model),
/// in order: ink, link blue, the F rust, secondary grey. Each also has its
/// own dash pattern and a numbered marker, so no series is told by colour
/// alone; each reaches 3:1 on the surface (WCAG 2 1.4.11).
pub const SERIES: [Hex; 4] = [INK, LINK, GRADE_F, MUTED];

/// The background of a grade's swatch.
pub const fn grade_fill(g: Grade) -> Hex {
    match g {
        Grade::A => GRADE_A,
        Grade::B => GRADE_B,
        Grade::C => GRADE_C,
        Grade::D => GRADE_D,
        Grade::F => GRADE_F,
        Grade::Insufficient => GRADE_NONE,
    }
}

/// The text colour on a grade's swatch (ink on light swatches, white on
/// F).
pub const fn grade_ink(g: Grade) -> Hex {
    match g {
        Grade::F => SURFACE,
        _ => INK,
    }
}

/// The CSS class of a grade (`g-a` … `g-f`, `g-none`): it sets the swatch
/// and the ink.
pub const fn grade_class(g: Grade) -> &'static str {
    match g {
        Grade::A => "g-a",
        Grade::B => "g-b",
        Grade::C => "g-c",
        Grade::D => "g-d",
        Grade::F => "g-f",
        Grade::Insufficient => "g-none",
    }
}

/// The custom properties the stylesheet declares: `(name, colour)`.
pub const PROPERTIES: &[(&str, Hex)] = &[
    ("ink", INK),
    ("muted", MUTED),
    ("link", LINK),
    ("page", PAGE),
    ("surface", SURFACE),
    ("header", HEADER),
    ("header-ink", HEADER_INK),
    ("header-muted", HEADER_MUTED),
    ("rule", RULE),
    ("outline", OUTLINE),
    ("subtle", SUBTLE),
    ("grade-a", GRADE_A),
    ("grade-b", GRADE_B),
    ("grade-c", GRADE_C),
    ("grade-d", GRADE_D),
    ("grade-f", GRADE_F),
    ("grade-none", GRADE_NONE),
    ("status-open", STATUS_OPEN),
    ("status-pending", STATUS_PENDING),
    ("status-done", STATUS_DONE),
];

/// One text colour on one background, where the stylesheet uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPair {
    /// Where: a short description of the element.
    pub role: &'static str,
    /// Text colour.
    pub foreground: Hex,
    /// Background colour.
    pub background: Hex,
}

const fn pair(role: &'static str, foreground: Hex, background: Hex) -> TextPair {
    TextPair {
        role,
        foreground,
        background,
    }
}

/// Every text colour on every background the report uses. Print styles
/// use ink on white, which is listed.
pub const TEXT_PAIRS: &[TextPair] = &[
    pair("body text on a section", INK, SURFACE),
    pair("body text on the page", INK, PAGE),
    pair("body text on a zebra row", INK, SUBTLE),
    pair("secondary text on a section", MUTED, SURFACE),
    pair("secondary text on the page", MUTED, PAGE),
    pair("secondary text on a zebra row", MUTED, SUBTLE),
    pair("a link on a section", LINK, SURFACE),
    pair("a link on the page", LINK, PAGE),
    pair("a link on a zebra row", LINK, SUBTLE),
    pair("a button's label", SURFACE, LINK),
    pair("a form field's text", INK, SURFACE),
    pair("the selected tab", INK, SUBTLE),
    pair("the header's title", HEADER_INK, HEADER),
    pair(
        "the header's secondary text and links",
        HEADER_MUTED,
        HEADER,
    ),
    pair("grade A swatch", INK, GRADE_A),
    pair("grade B swatch", INK, GRADE_B),
    pair("grade C swatch", INK, GRADE_C),
    pair("grade D swatch", INK, GRADE_D),
    pair("grade F swatch", SURFACE, GRADE_F),
    pair("grade ? swatch", INK, GRADE_NONE),
    pair("open status chip", INK, STATUS_OPEN),
    pair("pending status chip", INK, STATUS_PENDING),
    pair("done status chip", INK, STATUS_DONE),
    pair("a neutral chip, \"not assessed\"", INK, SUBTLE),
    pair("\"not assessed\" label", MUTED, SUBTLE),
    pair("\"not rated\" on an empty bar (charts)", MUTED, RULE),
];

/// WCAG 2 relative luminance of a `#rrggbb` colour (0 black to 1 white);
/// `None` for text that is not `#rrggbb`.
///
/// ```
/// use posture_report::palette::relative_luminance;
/// assert_eq!(relative_luminance("#ffffff"), Some(1.0));
/// assert_eq!(relative_luminance("#000000"), Some(0.0));
/// assert_eq!(relative_luminance("white"), None);
/// ```
pub fn relative_luminance(hex: &str) -> Option<f64> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| -> Option<f64> {
        let v = u8::from_str_radix(h.get(i..i + 2)?, 16).ok()?;
        let c = f64::from(v) / 255.0;
        Some(if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

/// WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21); `None` when
/// either is not `#rrggbb`.
///
/// ```
/// use posture_report::palette::contrast_ratio;
/// let r = contrast_ratio("#000000", "#ffffff").unwrap();
/// assert!((r - 21.0).abs() < 1e-9);
/// assert!(contrast_ratio("#000", "#fff").is_none());
/// ```
pub fn contrast_ratio(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (relative_luminance(a)?, relative_luminance(b)?);
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2.1 AA for normal text.
    const AA: f64 = 4.5;

    #[test]
    fn every_text_pair_meets_aa() {
        let mut failures = Vec::new();
        for p in TEXT_PAIRS {
            let r = contrast_ratio(p.foreground, p.background).unwrap_or(0.0);
            eprintln!(
                "{:<42} {} on {}: {r:.2}:1",
                p.role, p.foreground, p.background
            );
            if r < AA {
                failures.push(format!("{}: {r:.2}", p.role));
            }
        }
        assert!(failures.is_empty(), "below 4.5:1: {failures:?}");
    }

    #[test]
    fn every_grade_swatch_is_a_listed_pair() {
        for g in Grade::LETTERS.into_iter().chain([Grade::Insufficient]) {
            let (fg, bg) = (grade_ink(g), grade_fill(g));
            assert!(
                TEXT_PAIRS
                    .iter()
                    .any(|p| p.foreground == fg && p.background == bg),
                "{g}: {fg} on {bg} not listed"
            );
        }
    }

    #[test]
    fn a_and_f_differ_in_luminance_and_the_scale_darkens() {
        let l = |g| relative_luminance(grade_fill(g)).unwrap_or(f64::NAN);
        // A pale, F dark: told apart without hue (4:1 and more between
        // the swatches themselves).
        let r = contrast_ratio(grade_fill(Grade::A), grade_fill(Grade::F)).unwrap_or(0.0);
        assert!(r > 4.0, "A/F swatch contrast {r:.2}");
        assert!(l(Grade::A) > l(Grade::B) && l(Grade::D) > l(Grade::F));
        assert!(l(Grade::C) > l(Grade::D));
    }

    #[test]
    fn luminance_matches_known_values() {
        let l = relative_luminance("#808080").unwrap_or(0.0);
        assert!((l - 0.2158605).abs() < 1e-6, "{l}");
        assert!(relative_luminance("#12345g").is_none());
        assert!(relative_luminance("#1234567").is_none());
    }

    #[test]
    fn chart_series_reach_3_to_1_on_the_surface() {
        for (i, s) in SERIES.iter().enumerate() {
            let r = contrast_ratio(s, SURFACE).unwrap_or(0.0);
            assert!(r >= 3.0, "series {}: {r:.2}", i + 1);
            assert!(
                PROPERTIES.iter().any(|(_, h)| h == s),
                "series {} is not a palette property",
                i + 1
            );
        }
    }

    #[test]
    fn every_property_is_a_colour() {
        for (name, hex) in PROPERTIES {
            assert!(relative_luminance(hex).is_some(), "{name}: {hex}");
        }
    }
}
