//! Floating-point functions that give the same bits on every platform.
//!
//! IEEE 754 makes `+`, `-`, `*`, `/` and `sqrt` correctly rounded, so they
//! agree everywhere; `exp`, `ln` and friends come from each platform's
//! maths library and may differ in the last bit. The generator and the
//! logistic fit need them, so they are written here with the basic
//! operations only (range reduction, then a fixed polynomial in Horner
//! form). Rust does not fuse multiplications and additions on its own, so
//! the result is the same on every target. Accuracy is within a few units
//! in the last place, which the tests check against the platform's.

/// `ln 2` split in two: the high part has trailing zero bits, so `k *
/// LN2_HI` is exact for the exponents met here (fdlibm's constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const INV_LN2: f64 = std::f64::consts::LOG2_E;

/// `2^n` for `n` in `-1022..=1023`.
fn pow2(n: i64) -> f64 {
    f64::from_bits(((n + 1023) as u64) << 52)
}

/// `e^x`, the same bits on every platform.
///
/// ```
/// use posture_research::detmath::exp;
/// assert_eq!(exp(0.0), 1.0);
/// assert!((exp(1.0) - std::f64::consts::E).abs() < 1e-15);
/// assert_eq!(exp(-1000.0), 0.0);
/// assert_eq!(exp(1000.0), f64::INFINITY);
/// ```
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.78 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    let k = (x * INV_LN2).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r to degree 13: |r| <= 0.347, so the first term
    // left out is below 5e-18.
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let mut p = C[13];
    for c in C[..13].iter().rev() {
        p = p * r + c;
    }
    let k = k as i64;
    let a = k / 2;
    p * pow2(a) * pow2(k - a)
}

/// The natural logarithm, the same bits on every platform (`NaN` below
/// zero, `-inf` at zero).
///
/// ```
/// use posture_research::detmath::ln;
/// assert_eq!(ln(1.0), 0.0);
/// assert!((ln(10.0) - std::f64::consts::LN_10).abs() < 1e-15);
/// assert!(ln(-1.0).is_nan());
/// ```
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let (mut x, mut e) = (x, 0_i64);
    if x.to_bits() >> 52 == 0 {
        // Subnormal: scale into the normal range first (exact).
        x *= pow2(54);
        e = -54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2 atanh(f), f = (m - 1) / (m + 1), |f| <= 0.1716: the series
    // to f^21 leaves out less than 1e-18.
    let f = (m - 1.0) / (m + 1.0);
    let f2 = f * f;
    let mut s = 1.0 / 21.0;
    for d in [19.0, 17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0, 1.0] {
        s = s * f2 + 1.0 / d;
    }
    let e = e as f64;
    e * LN2_HI + (e * LN2_LO + 2.0 * f * s)
}

/// The logistic function `1 / (1 + e^-x)`, without overflow.
///
/// ```
/// use posture_research::detmath::logistic;
/// assert_eq!(logistic(0.0), 0.5);
/// assert!(logistic(40.0) > 0.999_999);
/// assert!(logistic(-800.0) == 0.0);
/// ```
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + exp(-x))
    } else {
        let e = exp(x);
        e / (1.0 + e)
    }
}

/// `x` as a decimal rounded half to even at `dp` places, from its exact
/// binary value (Rust's own formatting, the same on every platform); a
/// negative zero reads as zero.
pub(crate) fn to_decimal(x: f64, dp: usize) -> Option<rust_decimal::Decimal> {
    if !x.is_finite() {
        return None;
    }
    let mut d: rust_decimal::Decimal = format!("{x:.dp$}").parse().ok()?;
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn exp_is_within_a_few_ulps_of_the_platform() {
        let mut x = -700.0;
        while x < 700.0 {
            let (ours, theirs) = (exp(x), x.exp());
            assert!(ulps(ours, theirs) <= 2, "exp({x}): {ours} vs {theirs}");
            x += 0.137;
        }
        for x in [1e-300, -1e-300, 0.5, -0.5, 1e-10, 700.0, -744.0] {
            let (ours, theirs) = (exp(x), x.exp());
            assert!(
                ulps(ours, theirs) <= 2 || (ours - theirs).abs() < 1e-320,
                "exp({x}): {ours} vs {theirs}"
            );
        }
    }

    #[test]
    fn ln_is_within_a_few_ulps_of_the_platform() {
        let mut x = 1e-300;
        while x < 1e300 {
            let (ours, theirs) = (ln(x), x.ln());
            assert!(ulps(ours, theirs) <= 2, "ln({x}): {ours} vs {theirs}");
            x *= 1.37;
        }
        for x in [0.999_999, 1.000_001, 0.5, 2.0, 5e-324, f64::MAX] {
            let (ours, theirs) = (ln(x), x.ln());
            assert!(ulps(ours, theirs) <= 2, "ln({x}): {ours} vs {theirs}");
        }
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn decimals_round_half_to_even_and_lose_the_sign_of_zero() {
        assert_eq!(to_decimal(0.125, 2).unwrap().to_string(), "0.12");
        assert_eq!(to_decimal(0.375, 2).unwrap().to_string(), "0.38");
        assert_eq!(to_decimal(-0.00001, 4).unwrap().to_string(), "0.0000");
        assert!(to_decimal(f64::NAN, 4).is_none());
    }
}
