//! Small HTML helpers: escaping, anchors, numbers.

use posture_core::{Grade, Timestamp};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::fmt;

/// Text escaped for HTML element content and attribute values (`&`, `<`,
/// `>`, `"` and `'`), as a `Display` wrapper that writes without
/// allocating.
///
/// ```
/// use posture_report::Escaped;
/// assert_eq!(
///     Escaped(r#"<script>alert("x") & 'y'</script>"#).to_string(),
///     "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
/// );
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            let entity = match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            };
            f.write_str(entity)?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// Escapes text for HTML element content and attribute values.
///
/// ```
/// assert_eq!(posture_report::escape("a<b"), "a&lt;b");
/// ```
pub fn escape(s: &str) -> String {
    Escaped(s).to_string()
}

/// An anchor id made of `prefix`, a number (which keeps ids unique) and
/// the ASCII letters and digits of `name` (at most 40), so any input makes
/// a valid, readable fragment: `vendor-2-acme-payroll`.
///
/// ```
/// use posture_report::anchor;
/// assert_eq!(anchor("vendor", 2, "Acme Payroll"), "vendor-2-acme-payroll");
/// assert_eq!(anchor("org", 0, "<script>"), "org-0-script");
/// ```
pub fn anchor(prefix: &str, n: usize, name: &str) -> String {
    let mut s = format!("{prefix}-{n}");
    let mut dash = true;
    let mut kept = 0;
    for c in name.chars() {
        if kept >= 40 {
            break;
        }
        if c.is_ascii_alphanumeric() {
            if dash {
                s.push('-');
            }
            s.push(c.to_ascii_lowercase());
            dash = false;
            kept += 1;
        } else {
            dash = true;
        }
    }
    s
}

/// A decimal as text, or `—` when absent.
pub(crate) fn num(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_owned(), |x| x.to_string())
}

/// A decimal rounded for display.
pub(crate) fn round(d: Decimal, dp: u32) -> String {
    d.round_dp(dp).to_string()
}

/// A decimal as a float for drawing (0 when it does not fit).
pub(crate) fn f64_of(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// A fraction (0–1) as a percentage for drawing, clamped to 0–100.
pub(crate) fn percent(fraction: Decimal) -> f64 {
    (f64_of(fraction) * 100.0).clamp(0.0, 100.0)
}

/// The grade of a fraction (0–1), by the hundred-scale bands.
pub(crate) fn grade_of_fraction(fraction: Decimal) -> Grade {
    Grade::from_score((fraction * Decimal::ONE_HUNDRED).round_dp(2))
}

/// A date for people: `2026-11-01`.
pub(crate) fn date(t: Timestamp) -> String {
    t.0.format("%Y-%m-%d").to_string()
}

/// A date and time for people: `2026-11-01 14:05 UTC`.
pub(crate) fn date_time(t: Timestamp) -> String {
    t.0.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A grade's letter on its swatch: the letter is always there, so the
/// grade reads without colour.
///
/// ```
/// use posture_core::Grade;
/// let b = posture_report::grade_badge(Grade::B);
/// assert!(b.contains(">B<") && b.contains("g-b"));
/// ```
pub fn grade_badge(g: Grade) -> String {
    let title = match g {
        Grade::Insufficient => "grade ?: not rated (insufficient data)".to_owned(),
        _ => format!("grade {g}"),
    };
    format!(
        r#"<span class="grade {}" title="{}">{}</span>"#,
        crate::palette::grade_class(g),
        Escaped(&title),
        Escaped(g.as_str())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("plain — text"), "plain — text");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn anchors_are_fragments_whatever_the_name() {
        assert_eq!(anchor("v", 1, ""), "v-1");
        assert_eq!(anchor("v", 1, "--a--b--"), "v-1-a-b");
        assert_eq!(anchor("v", 1, "Ünïcode"), "v-1-n-code");
        let long = "x".repeat(500);
        assert_eq!(anchor("v", 1, &long).len(), "v-1-".len() + 40);
    }
}
