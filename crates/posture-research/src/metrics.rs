//! The evaluation's statistics, each computed so that the same input gives
//! the same digits on every platform and thread count:
//!
//! - counts, AUC and rates are exact rationals of integers, rounded half to
//!   even only when written;
//! - Spearman's rho is exact integer sums of (doubled) mid-ranks, combined
//!   in one `f64` division and square root (both correctly rounded);
//! - the logistic fit behind the Brier score is `f64` arithmetic in the
//!   corpus's canonical order, with this crate's `exp`;
//! - the bootstrap draws resample `b` from its own stream of the seed, so
//!   threads change nothing.
//!
//! Scores are "lower is riskier": the AUC is the probability that a
//! breached organisation scores below one that was not, ties counting
//! half.

use crate::detmath::{logistic, to_decimal};
use crate::rng::{Rng, Stream};
use posture_core::Grade;
use rayon::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use std::cmp::Ordering;

/// An exact non-negative ratio of integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    /// Numerator.
    pub num: u128,
    /// Denominator (positive).
    pub den: u128,
}

impl Ratio {
    /// The ratio rounded half to even at `dp` decimal places.
    ///
    /// ```
    /// use posture_research::metrics::Ratio;
    /// assert_eq!(Ratio { num: 1, den: 8 }.round(2).to_string(), "0.12");
    /// assert_eq!(Ratio { num: 3, den: 8 }.round(2).to_string(), "0.38");
    /// assert_eq!(Ratio { num: 2, den: 2 }.round(4).to_string(), "1.0000");
    /// ```
    /// A zero denominator reads as zero (it is never built here).
    pub fn round(self, dp: u32) -> Decimal {
        let d = |x: u128| {
            i128::try_from(x)
                .ok()
                .and_then(|x| Decimal::try_from_i128_with_scale(x, 0).ok())
                .unwrap_or(Decimal::MAX)
        };
        let mut r = d(self.num)
            .checked_div(d(self.den))
            .unwrap_or(Decimal::ZERO)
            .round_dp_with_strategy(dp, RoundingStrategy::MidpointNearestEven);
        r.rescale(dp);
        r
    }

    /// The ratio as a float (for drawing).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

/// The organisations a model scored, in ascending order of score, cut
/// into groups of equal scores. Indices refer to the corpus's canonical
/// order.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// How many scores were ranked, scored or not: the length labels
    /// and weights must have.
    n: usize,
    order: Vec<u32>,
    /// End (exclusive) of each group of equal scores in `order`.
    ends: Vec<u32>,
}

impl Ranked {
    /// Ranks scores (`None`: not scored, left out).
    pub fn new<T: Ord>(scores: &[Option<T>]) -> Ranked {
        let mut order: Vec<u32> = (0..scores.len() as u32)
            .filter(|i| scores[*i as usize].is_some())
            .collect();
        // Stable: equal scores keep the canonical order.
        order.sort_by(|a, b| scores[*a as usize].cmp(&scores[*b as usize]));
        let mut ends = Vec::new();
        for i in 1..=order.len() {
            if i == order.len() || scores[order[i] as usize] != scores[order[i - 1] as usize] {
                ends.push(i as u32);
            }
        }
        Ranked {
            n: scores.len(),
            order,
            ends,
        }
    }

    /// The number of organisations ranked.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Each group of equal scores, lowest first: `(breached, not)`
    /// weighted by `weight` (all 1 when `None`).
    fn groups<'a>(
        &'a self,
        labels: &'a [bool],
        weight: Option<&'a [u32]>,
    ) -> impl Iterator<Item = (u128, u128)> + 'a {
        let mut start = 0usize;
        self.ends.iter().map(move |&end| {
            let (mut b, mut c) = (0u128, 0u128);
            for &i in &self.order[start..end as usize] {
                let w = weight.map_or(1, |w| u128::from(w[i as usize]));
                if labels[i as usize] {
                    b += w;
                } else {
                    c += w;
                }
            }
            start = end as usize;
            (b, c)
        })
    }

    /// The AUC (see the module docs), weighted by how many times each
    /// organisation is drawn; `None` without a breached or a clean one,
    /// or when `labels` (or `weight`) is not one per score ranked.
    pub fn auc(&self, labels: &[bool], weight: Option<&[u32]>) -> Option<Ratio> {
        if labels.len() != self.n || weight.is_some_and(|w| w.len() != self.n) {
            return None;
        }
        let (mut twice_u, mut below, mut n1, mut n0) = (0u128, 0u128, 0u128, 0u128);
        for (b, c) in self.groups(labels, weight) {
            // Clean organisations of this group outrank every breached one
            // below them, and tie with the breached of their own group.
            twice_u += 2 * c * below + b * c;
            below += b;
            n1 += b;
            n0 += c;
        }
        (n1 > 0 && n0 > 0).then_some(Ratio {
            num: twice_u,
            den: 2 * n1 * n0,
        })
    }

    /// The ROC curve: `(false positive rate, true positive rate)` after
    /// each group, flagging as risky every organisation at or below its
    /// score, from `(0, 0)` to `(1, 1)`; `None` as for [`Ranked::auc`].
    pub fn roc(&self, labels: &[bool]) -> Option<Vec<(f64, f64)>> {
        if labels.len() != self.n {
            return None;
        }
        let (n1, n0) = self
            .groups(labels, None)
            .fold((0u128, 0u128), |(x, y), (b, c)| (x + b, y + c));
        if n1 == 0 || n0 == 0 {
            return None;
        }
        let mut points = vec![(0.0, 0.0)];
        let (mut tp, mut fp) = (0u128, 0u128);
        for (b, c) in self.groups(labels, None) {
            tp += b;
            fp += c;
            points.push((fp as f64 / n0 as f64, tp as f64 / n1 as f64));
        }
        Some(points)
    }
}

/// The AUC of scores against outcomes (see the module docs); `None`
/// without a breached and a clean organisation among those scored, or
/// when the two slices differ in length.
///
/// ```
/// use posture_research::metrics::auc;
/// // Breached organisations score lowest: a perfect ranking.
/// let r = auc(&[Some(1), Some(2), Some(3), Some(4)], &[true, true, false, false]).unwrap();
/// assert_eq!(r.round(4).to_string(), "1.0000");
/// // A tie between a breached and a clean organisation counts half.
/// let r = auc(&[Some(1), Some(1)], &[true, false]).unwrap();
/// assert_eq!(r.round(4).to_string(), "0.5000");
/// ```
pub fn auc<T: Ord>(scores: &[Option<T>], breached: &[bool]) -> Option<Ratio> {
    Ranked::new(scores).auc(breached, None)
}

/// Doubled mid-ranks (ranks from 1; a group of ties shares the mean of
/// its ranks, so doubling keeps them integers).
fn doubled_midranks<T: Ord>(values: &[&T]) -> Vec<i128> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].cmp(values[*b]));
    let mut ranks = vec![0i128; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end: their mean, doubled, is start + 1 + end.
        for &i in &order[start..end] {
            ranks[i] = (start + 1 + end) as i128;
        }
        start = end;
    }
    ranks
}

/// Spearman's rank correlation over the organisations both score (ties
/// share mid-ranks: the Pearson correlation of the ranks); `None` with
/// fewer than two, when either side is constant, or when the slices
/// differ in length.
///
/// ```
/// use posture_research::metrics::spearman;
/// let rho = spearman(&[Some(1), Some(2), Some(3)], &[Some(30), Some(20), Some(10)]).unwrap();
/// assert_eq!(rho, -1.0);
/// assert!(spearman(&[Some(1), Some(1)], &[Some(1), Some(2)]).is_none());
/// ```
pub fn spearman<A: Ord, B: Ord>(a: &[Option<A>], b: &[Option<B>]) -> Option<f64> {
    if a.len() != b.len() {
        return None;
    }
    let pairs: Vec<(&A, &B)> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some((x.as_ref()?, y.as_ref()?)))
        .collect();
    if pairs.len() < 2 {
        return None;
    }
    let xs = doubled_midranks(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let ys = doubled_midranks(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    let n = pairs.len() as i128;
    let (mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0i128, 0i128, 0i128, 0i128, 0i128);
    for (x, y) in xs.iter().zip(&ys) {
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    let num = n * sxy - sx * sy;
    let dx = n * sxx - sx * sx;
    let dy = n * syy - sy * sy;
    if dx <= 0 || dy <= 0 {
        return None;
    }
    Some((num as f64 / ((dx as f64).sqrt() * (dy as f64).sqrt())).clamp(-1.0, 1.0))
}

/// One row of the calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradeCount {
    /// The grade.
    pub grade: Grade,
    /// Organisations with it.
    pub organizations: u64,
    /// Of which breached.
    pub breached: u64,
}

impl GradeCount {
    /// `breached / organizations`, or `None` without organisations.
    pub fn rate(&self) -> Option<Ratio> {
        (self.organizations > 0).then_some(Ratio {
            num: u128::from(self.breached),
            den: u128::from(self.organizations),
        })
    }

    /// This grade's rate over `base`'s (`None` when either rate is
    /// missing or `base`'s is zero).
    pub fn relative_to(&self, base: &GradeCount) -> Option<Ratio> {
        if self.organizations == 0 || base.breached == 0 {
            return None;
        }
        Some(Ratio {
            num: u128::from(self.breached) * u128::from(base.organizations),
            den: u128::from(self.organizations) * u128::from(base.breached),
        })
    }
}

/// Organisations and breaches by grade: A, B, C, D, F always, then `?`
/// when any organisation has it.
///
/// ```
/// use posture_research::metrics::by_grade;
/// use posture_core::Grade;
/// let rows = by_grade(&[Grade::A, Grade::A, Grade::F, Grade::F], &[false, true, true, true]);
/// assert_eq!(rows.len(), 5);
/// let (a, f) = (rows[0], rows[4]);
/// assert_eq!(f.relative_to(&a).unwrap().round(2).to_string(), "2.00");
/// ```
pub fn by_grade(grades: &[Grade], breached: &[bool]) -> Vec<GradeCount> {
    let mut rows: Vec<GradeCount> = Grade::LETTERS
        .iter()
        .chain(&[Grade::Insufficient])
        .map(|g| GradeCount {
            grade: *g,
            organizations: 0,
            breached: 0,
        })
        .collect();
    for (g, b) in grades.iter().zip(breached) {
        if let Some(row) = rows.iter_mut().find(|r| r.grade == *g) {
            row.organizations += 1;
            row.breached += u64::from(*b);
        }
    }
    if rows.last().is_some_and(|r| r.organizations == 0) {
        rows.pop();
    }
    rows
}

/// The Brier score of a logistic regression of the outcome on the score
/// (standardised), fitted by Newton's method to its maximum likelihood on
/// the same organisations: `mean((p - y)^2)`. `None` without any
/// organisation.
///
/// ```
/// use posture_research::metrics::logistic_brier;
/// // A constant score: the fit is the base rate, Brier = p(1 - p).
/// let b = logistic_brier(&[1.0, 1.0, 1.0, 1.0], &[true, false, false, false]).unwrap();
/// assert!((b - 0.1875).abs() < 1e-12);
/// ```
pub fn logistic_brier(x: &[f64], y: &[bool]) -> Option<f64> {
    let n = x.len();
    if n == 0 || n != y.len() {
        return None;
    }
    let nf = n as f64;
    let positives = y.iter().filter(|b| **b).count();
    let rate = positives as f64 / nf;
    if positives == 0 || positives == n {
        return Some(0.0);
    }
    let mean = x.iter().sum::<f64>() / nf;
    let sd = (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf).sqrt();
    let t: Vec<f64> = if sd > 0.0 {
        x.iter().map(|v| (v - mean) / sd).collect()
    } else {
        vec![0.0; n]
    };
    let (mut a, mut b) = (crate::detmath::ln(rate / (1.0 - rate)), 0.0_f64);
    for _ in 0..100 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (ti, yi) in t.iter().zip(y) {
            let p = logistic(a + b * ti);
            let r = f64::from(u8::from(*yi)) - p;
            let w = p * (1.0 - p);
            g0 += r;
            g1 += r * ti;
            h00 += w;
            h01 += w * ti;
            h11 += w * ti * ti;
        }
        let det = h00 * h11 - h01 * h01;
        if det.is_nan() || det <= 1e-300 {
            break;
        }
        let da = (h11 * g0 - h01 * g1) / det;
        let db = (h00 * g1 - h01 * g0) / det;
        a += da;
        b += db;
        if da.abs() + db.abs() < 1e-12 {
            break;
        }
    }
    let mut sum = 0.0;
    for (ti, yi) in t.iter().zip(y) {
        let d = logistic(a + b * ti) - f64::from(u8::from(*yi));
        sum += d * d;
    }
    Some(sum / nf)
}

/// A 95 % percentile interval of each model's AUC over `resamples`
/// stratified bootstrap resamples (breached and clean organisations each
/// drawn with replacement, their numbers kept), paired across models:
/// resample `b` is drawn from stream `b` of `seed`. With the `m` AUCs of
/// the resamples that define one, sorted, the interval is the
/// `ceil(0.025 m)`-th to the `ceil(0.975 m)`-th (from 1).
///
/// ```
/// use posture_research::metrics::{Ranked, bootstrap_auc};
/// let labels = [true, false, true, false, false, true];
/// let ranked = vec![Ranked::new(&[Some(1), Some(5), Some(2), Some(3), Some(6), Some(4)])];
/// let ci = bootstrap_auc(&ranked, &labels, 200, 7);
/// let (lo, hi) = ci[0].unwrap();
/// assert!(lo <= hi);
/// assert_eq!(ci, bootstrap_auc(&ranked, &labels, 200, 7));
/// ```
pub fn bootstrap_auc(
    ranked: &[Ranked],
    labels: &[bool],
    resamples: u32,
    seed: u64,
) -> Vec<Option<(Ratio, Ratio)>> {
    let positives: Vec<u32> = (0..labels.len() as u32)
        .filter(|i| labels[*i as usize])
        .collect();
    let negatives: Vec<u32> = (0..labels.len() as u32)
        .filter(|i| !labels[*i as usize])
        .collect();
    if positives.is_empty() || negatives.is_empty() || resamples == 0 {
        return vec![None; ranked.len()];
    }
    let per_resample: Vec<Vec<Option<Ratio>>> = (0..resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = Rng::stream(seed, Stream::Bootstrap, u64::from(b));
            let mut weight = vec![0u32; labels.len()];
            for group in [&positives, &negatives] {
                for _ in 0..group.len() {
                    let i = group[rng.below(group.len() as u64) as usize];
                    weight[i as usize] += 1;
                }
            }
            ranked
                .iter()
                .map(|r| r.auc(labels, Some(&weight)))
                .collect()
        })
        .collect();
    (0..ranked.len())
        .map(|m| {
            let mut aucs: Vec<Ratio> = per_resample.iter().filter_map(|r| r[m]).collect();
            if aucs.is_empty() {
                return None;
            }
            aucs.sort();
            let k = aucs.len() as u64;
            let at = |per_mille: u64| {
                let rank = (k * per_mille).div_ceil(1000).max(1);
                aucs[(rank - 1) as usize]
            };
            Some((at(25), at(975)))
        })
        .collect()
}

/// A float rounded half to even at `dp` places (see
/// [`crate::detmath`]).
pub fn round_f64(x: f64, dp: usize) -> Option<Decimal> {
    to_decimal(x, dp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some<T: Copy>(v: &[T]) -> Vec<Option<T>> {
        v.iter().map(|x| Some(*x)).collect()
    }

    #[test]
    fn auc_by_hand() {
        // Scores 1 2 2 3 4 ; breached at 1, 2 and 4; clean at 2 and 3.
        // Pairs (breached, clean): (1,2) 1, (1,3) 1, (2,2) 1/2, (2,3) 1,
        // (4,2) 0, (4,3) 0: 3.5 of 6.
        let r = auc(&some(&[1, 2, 2, 3, 4]), &[true, true, false, false, true]).unwrap();
        assert_eq!((r.num, r.den), (7, 12));
        assert_eq!(r.round(4).to_string(), "0.5833");
        // Reversed scores: 1 - AUC.
        let r = auc(&some(&[4, 3, 3, 2, 1]), &[true, true, false, false, true]).unwrap();
        assert_eq!(r.round(4).to_string(), "0.4167");
        // Unscored organisations are left out.
        let r = auc(&[Some(1), None, Some(2)], &[true, true, false]).unwrap();
        assert_eq!(r.round(4).to_string(), "1.0000");
        assert!(auc(&some(&[1, 2]), &[true, true]).is_none());
    }

    #[test]
    fn weights_count_repeats() {
        let scores = some(&[1, 2, 3]);
        let labels = [true, false, true];
        let ranked = Ranked::new(&scores);
        // Drawing the breached at 1 twice and the one at 3 not at all.
        let r = ranked.auc(&labels, Some(&[2, 1, 0])).unwrap();
        assert_eq!(r.round(4).to_string(), "1.0000");
        let r = ranked.auc(&labels, Some(&[1, 1, 1])).unwrap();
        assert_eq!(r.round(4).to_string(), "0.5000");
    }

    #[test]
    fn roc_ends_at_the_corners_and_its_area_is_the_auc() {
        let scores = some(&[1, 2, 2, 3, 4]);
        let labels = [true, true, false, false, true];
        let pts = Ranked::new(&scores).roc(&labels).unwrap();
        assert_eq!(pts.first(), Some(&(0.0, 0.0)));
        assert_eq!(pts.last(), Some(&(1.0, 1.0)));
        let area: f64 = pts
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
            .sum();
        assert!((area - 7.0 / 12.0).abs() < 1e-12, "{area}");
    }

    #[test]
    fn spearman_by_hand_with_ties() {
        // x = 1 2 2 3 -> ranks 1 2.5 2.5 4 ; y = 1 3 2 4 -> ranks 1 3 2 4.
        // Centred: x -1.5 0 0 1.5, y -1.5 .5 -.5 1.5; cov 4.5,
        // var x 4.5, var y 5: rho = 4.5 / sqrt(22.5) = 0.948683.
        let rho = spearman(&some(&[1, 2, 2, 3]), &some(&[1, 3, 2, 4])).unwrap();
        assert!((rho - 4.5 / 22.5_f64.sqrt()).abs() < 1e-15, "{rho}");
        assert_eq!(round_f64(rho, 4).unwrap().to_string(), "0.9487");
        // Only pairs scored by both count.
        let rho = spearman(&[Some(1), None, Some(2), Some(3)], &some(&[1, 9, 2, 3])).unwrap();
        assert_eq!(rho, 1.0);
    }

    #[test]
    fn calibration_by_hand() {
        use Grade::*;
        let grades = [A, A, A, A, B, B, F, F, Insufficient];
        let breached = [true, false, false, false, true, false, true, true, false];
        let rows = by_grade(&grades, &breached);
        assert_eq!(rows.len(), 6);
        let a = rows[0];
        let got: Vec<(u64, u64, Option<String>, Option<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r.organizations,
                    r.breached,
                    r.rate().map(|x| x.round(4).to_string()),
                    r.relative_to(&a).map(|x| x.round(2).to_string()),
                )
            })
            .collect();
        let s = |x: &str| Some(x.to_owned());
        assert_eq!(
            got,
            [
                (4, 1, s("0.2500"), s("1.00")),
                (2, 1, s("0.5000"), s("2.00")),
                (0, 0, None, None),
                (0, 0, None, None),
                (2, 2, s("1.0000"), s("4.00")),
                (1, 0, s("0.0000"), s("0.00")),
            ]
        );
    }

    #[test]
    fn brier_by_hand() {
        // Perfectly separated: the fit drives p to the outcomes.
        let b = logistic_brier(&[1.0, 2.0, 3.0, 4.0], &[true, true, false, false]).unwrap();
        assert!(b < 1e-6, "{b}");
        // Two groups: the fit reproduces each group's rate (1/4 and 3/4),
        // so Brier = (4 * 3/16 + 4 * 3/16) / 8 = 3/16.
        let x = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let y = [true, false, false, false, true, true, true, false];
        let b = logistic_brier(&x, &y).unwrap();
        assert!((b - 0.1875).abs() < 1e-12, "{b}");
    }

    #[test]
    fn the_bootstrap_interval_holds_the_estimate_and_needs_both_outcomes() {
        let n = 400;
        let scores: Vec<Option<u32>> = (0..n).map(|i| Some((i * 7919) % 1000)).collect();
        let labels: Vec<bool> = (0..n)
            .map(|i| (i * 7919) % 1000 < 300 && i % 3 != 0)
            .collect();
        let ranked = vec![Ranked::new(&scores)];
        let est = ranked[0].auc(&labels, None).unwrap();
        let (lo, hi) = bootstrap_auc(&ranked, &labels, 300, 1)[0].unwrap();
        assert!(lo <= est && est <= hi, "{lo:?} {est:?} {hi:?}");
        assert!(bootstrap_auc(&ranked, &[false; 400], 10, 1)[0].is_none());
    }
}
