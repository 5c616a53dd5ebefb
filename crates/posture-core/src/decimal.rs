//! Decimals written as JSON strings, digit for digit what `rust_decimal`
//! writes, without its digit-at-a-time 96-bit division: scorecards carry
//! dozens of 28-digit decimals each, and writing them was a tenth of a
//! batch's time.
//!
//! Use it on a field with `#[serde(serialize_with = "posture_core::decimal::serialize")]`
//! (or `serialize_option` for `Option<Decimal>`).
//!
//! ```
//! use rust_decimal::Decimal;
//! let d = Decimal::new(-1234567, 4);
//! assert_eq!(posture_core::decimal::to_text(&d), d.to_string());
//! assert_eq!(posture_core::decimal::to_text(&Decimal::new(5, 3)), "0.005");
//! ```

use rust_decimal::Decimal;
use serde::Serializer;

/// The text `rust_decimal`'s serializer writes for `d`: an optional `-`,
/// the integer digits (`0` when there are none), and as many fractional
/// digits as the scale, trailing zeros kept.
pub fn to_text(d: &Decimal) -> String {
    let mut digits = d.mantissa().unsigned_abs().to_string();
    if digits == "0" {
        // rust_decimal writes no digit for a zero mantissa, then pads.
        digits.clear();
    }
    let scale = d.scale() as usize;
    let mut out = String::with_capacity(digits.len().max(scale) + 3);
    if d.is_sign_negative() {
        out.push('-');
    }
    if scale == 0 {
        out.push_str(if digits.is_empty() { "0" } else { &digits });
        return out;
    }
    let whole = digits.len().saturating_sub(scale);
    match digits.get(..whole) {
        Some(w) if !w.is_empty() => out.push_str(w),
        _ => out.push('0'),
    }
    out.push('.');
    for _ in digits.len()..scale {
        out.push('0');
    }
    out.push_str(digits.get(whole..).unwrap_or(""));
    out
}

/// Serializes a decimal as [`to_text`].
///
/// # Errors
/// The serializer's.
pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_text(d))
}

/// Serializes an optional decimal as [`to_text`] or null.
///
/// # Errors
/// The serializer's.
pub fn serialize_option<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&to_text(d)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Digit for digit what rust_decimal writes, over every scale and
        /// sign and the whole 96-bit mantissa range.
        #[test]
        fn the_same_text_as_rust_decimal(lo in proptest::num::u32::ANY, mid in proptest::num::u32::ANY,
            hi in proptest::num::u32::ANY, negative in proptest::bool::ANY, scale in 0u32..=28,
            small in 0u32..4) {
            // Small mantissas too, where the padding matters.
            let (mid, hi) = if small > 0 { (0, 0) } else { (mid, hi) };
            let lo = if small == 1 { lo % 1000 } else if small == 2 { 0 } else { lo };
            let d = Decimal::from_parts(lo, mid, hi, negative, scale);
            let want = serde_json::to_string(&d).unwrap();
            proptest::prop_assert_eq!(format!("\"{}\"", to_text(&d)), want);
        }
    }

    #[test]
    fn edges() {
        for d in [
            Decimal::ZERO,
            Decimal::new(0, 5),
            Decimal::from_parts(0, 0, 0, true, 3),
            Decimal::ONE_HUNDRED,
            Decimal::new(10_000, 2),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
        ] {
            assert_eq!(
                format!("\"{}\"", to_text(&d)),
                serde_json::to_string(&d).unwrap(),
                "{d:?}"
            );
        }
    }
}
