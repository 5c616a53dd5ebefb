//! The statistics' properties, beside the hand-computed cases of their
//! unit tests: a perfect ranking has AUC 1 and its reverse 0, permuting
//! organisations changes nothing, ranks ignore monotone transforms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::Grade;
use posture_research::metrics::{Ranked, auc, bootstrap_auc, by_grade, logistic_brier, spearman};
use proptest::prelude::*;

/// Scores (small range, so ties are common) and outcomes.
fn sample() -> impl Strategy<Value = Vec<(u8, bool)>> {
    proptest::collection::vec((0u8..12, any::<bool>()), 2..60)
}

fn permute<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    let mut s = seed | 1;
    for i in (1..idx.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        idx.swap(i, (s % (i as u64 + 1)) as usize);
    }
    idx.into_iter().map(|i| v[i].clone()).collect()
}

proptest! {
    #[test]
    fn a_perfect_ranking_has_auc_1_and_its_reverse_0(n1 in 1usize..30, n0 in 1usize..30) {
        // Breached organisations all score below the others.
        let scores: Vec<Option<usize>> = (0..n1 + n0).map(Some).collect();
        let labels: Vec<bool> = (0..n1 + n0).map(|i| i < n1).collect();
        prop_assert_eq!(auc(&scores, &labels).unwrap().round(4).to_string(), "1.0000");
        let reversed: Vec<Option<usize>> = (0..n1 + n0).map(|i| Some(n1 + n0 - i)).collect();
        prop_assert_eq!(auc(&reversed, &labels).unwrap().round(4).to_string(), "0.0000");
    }

    #[test]
    fn auc_and_its_mirror_add_to_one(v in sample()) {
        let labels: Vec<bool> = v.iter().map(|x| x.1).collect();
        let up: Vec<Option<i32>> = v.iter().map(|x| Some(i32::from(x.0))).collect();
        let down: Vec<Option<i32>> = v.iter().map(|x| Some(-i32::from(x.0))).collect();
        if let (Some(a), Some(b)) = (auc(&up, &labels), auc(&down, &labels)) {
            // Same denominator: the numerators add up to it.
            prop_assert_eq!(a.den, b.den);
            prop_assert_eq!(a.num + b.num, a.den);
        }
    }

    #[test]
    fn auc_counts_pairs_ties_half(v in sample()) {
        let labels: Vec<bool> = v.iter().map(|x| x.1).collect();
        let scores: Vec<Option<u8>> = v.iter().map(|x| Some(x.0)).collect();
        let (mut twice, mut pairs) = (0u128, 0u128);
        for (sb, b) in &v {
            for (sc, c) in &v {
                if *b && !*c {
                    pairs += 1;
                    twice += match sb.cmp(sc) {
                        std::cmp::Ordering::Less => 2,
                        std::cmp::Ordering::Equal => 1,
                        std::cmp::Ordering::Greater => 0,
                    };
                }
            }
        }
        match auc(&scores, &labels) {
            Some(r) => prop_assert_eq!(r.num * 2 * pairs, twice * r.den),
            None => prop_assert_eq!(pairs, 0),
        }
    }

    #[test]
    fn permuting_organisations_changes_nothing(v in sample(), seed in any::<u64>()) {
        let p = permute(&v, seed);
        let split = |v: &[(u8, bool)]| -> (Vec<Option<u8>>, Vec<bool>, Vec<Grade>, Vec<f64>) {
            (
                v.iter().map(|x| Some(x.0)).collect(),
                v.iter().map(|x| x.1).collect(),
                v.iter().map(|x| Grade::LETTERS[usize::from(x.0 % 5)]).collect(),
                v.iter().map(|x| f64::from(x.0)).collect(),
            )
        };
        let (s1, l1, g1, x1) = split(&v);
        let (s2, l2, g2, x2) = split(&p);
        prop_assert_eq!(auc(&s1, &l1), auc(&s2, &l2));
        prop_assert_eq!(by_grade(&g1, &l1), by_grade(&g2, &l2));
        let other1: Vec<Option<u32>> = v.iter().map(|x| Some(u32::from(x.0) * 7 % 5)).collect();
        let other2: Vec<Option<u32>> = p.iter().map(|x| Some(u32::from(x.0) * 7 % 5)).collect();
        prop_assert_eq!(spearman(&s1, &other1), spearman(&s2, &other2));
        // The logistic fit sums in a different order: equal to rounding.
        let (b1, b2) = (logistic_brier(&x1, &l1).unwrap(), logistic_brier(&x2, &l2).unwrap());
        prop_assert!((b1 - b2).abs() < 1e-9, "{} {}", b1, b2);
    }

    #[test]
    fn every_figure_stays_in_its_bounds(v in sample(), w in sample()) {
        let labels: Vec<bool> = v.iter().map(|x| x.1).collect();
        let scores: Vec<Option<u8>> = v.iter().map(|x| Some(x.0)).collect();
        // Some organisations unscored, as a model with insufficient data.
        let other: Vec<Option<u8>> = v
            .iter()
            .zip(w.iter().cycle())
            .map(|(_, y)| y.1.then_some(y.0))
            .collect();
        for s in [&scores, &other] {
            if let Some(a) = auc(s, &labels) {
                prop_assert!(a.num <= a.den && a.den > 0);
                let r = a.round(4);
                prop_assert!(r >= rust_decimal::Decimal::ZERO && r <= rust_decimal::Decimal::ONE, "{}", r);
            }
            let ranked = vec![Ranked::new(s)];
            if let Some((lo, hi)) = bootstrap_auc(&ranked, &labels, 30, 3)[0] {
                prop_assert!(lo <= hi && hi.num <= hi.den);
            }
            if let Some(pts) = ranked[0].roc(&labels) {
                // From (0, 0) to (1, 1), never going back.
                prop_assert_eq!(pts.first(), Some(&(0.0, 0.0)));
                prop_assert_eq!(pts.last(), Some(&(1.0, 1.0)));
                prop_assert!(pts.windows(2).all(|p| p[0].0 <= p[1].0 && p[0].1 <= p[1].1));
            }
        }
        if let Some(rho) = spearman(&scores, &other) {
            prop_assert!((-1.0..=1.0).contains(&rho), "{}", rho);
        }
        let x: Vec<f64> = scores.iter().map(|s| f64::from(s.unwrap_or(0))).collect();
        let b = logistic_brier(&x, &labels).unwrap();
        prop_assert!((0.0..=1.0).contains(&b), "{}", b);
        let rows = by_grade(
            &v.iter().map(|x| Grade::LETTERS[usize::from(x.0 % 5)]).collect::<Vec<_>>(),
            &labels,
        );
        prop_assert_eq!(rows.iter().map(|r| r.organizations).sum::<u64>(), v.len() as u64);
        for r in &rows {
            prop_assert!(r.breached <= r.organizations);
            if let Some(rate) = r.rate() {
                prop_assert!(rate.num <= rate.den);
            }
        }
    }

    #[test]
    fn mismatched_lengths_give_no_figure(v in sample()) {
        let labels: Vec<bool> = v.iter().map(|x| x.1).collect();
        let scores: Vec<Option<u8>> = v.iter().map(|x| Some(x.0)).collect();
        prop_assert!(auc(&scores[1..], &labels).is_none());
        prop_assert!(Ranked::new(&scores).roc(&labels[1..]).is_none());
        prop_assert!(spearman(&scores[1..], &scores).is_none());
        prop_assert!(logistic_brier(&[1.0], &labels).is_none() || labels.len() == 1);
    }

    #[test]
    fn spearman_is_symmetric_and_ignores_monotone_transforms(v in sample()) {
        let a: Vec<Option<i64>> = v.iter().map(|x| Some(i64::from(x.0))).collect();
        let b: Vec<Option<i64>> = v.iter().map(|x| Some(i64::from(x.0) * 3 % 11)).collect();
        let cubed: Vec<Option<i64>> = a.iter().map(|x| x.map(|x| x * x * x + 5)).collect();
        prop_assert_eq!(spearman(&a, &b), spearman(&b, &a));
        prop_assert_eq!(spearman(&a, &b), spearman(&cubed, &b));
        if let Some(r) = spearman(&a, &a) {
            prop_assert!((r - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn the_bootstrap_depends_on_the_seed_only(v in sample(), seed in 0u64..1000) {
        let labels: Vec<bool> = v.iter().map(|x| x.1).collect();
        let scores: Vec<Option<u8>> = v.iter().map(|x| Some(x.0)).collect();
        let ranked = vec![Ranked::new(&scores)];
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let a = one.install(|| bootstrap_auc(&ranked, &labels, 40, seed));
        let b = two.install(|| bootstrap_auc(&ranked, &labels, 40, seed));
        prop_assert_eq!(&a, &b);
        if let (Some((lo, hi)), Some(est)) = (a[0], ranked[0].auc(&labels, None)) {
            prop_assert!(lo <= hi);
            // The estimate is a possible resample; the interval is near it.
            prop_assert!(lo.to_f64() - 0.5 <= est.to_f64() && est.to_f64() <= hi.to_f64() + 0.5);
        }
    }
}

#[test]
fn rounding_is_exact_half_to_even() {
    use posture_research::metrics::Ratio;
    // 0.00005 exactly: a tie, to even (0.0000); 0.00015: to 0.0002.
    assert_eq!(
        Ratio {
            num: 1,
            den: 20_000
        }
        .round(4)
        .to_string(),
        "0.0000"
    );
    assert_eq!(
        Ratio {
            num: 3,
            den: 20_000
        }
        .round(4)
        .to_string(),
        "0.0002"
    );
    // Just above a tie rounds up.
    assert_eq!(
        Ratio {
            num: 100_001,
            den: 2_000_000_000
        }
        .round(4)
        .to_string(),
        "0.0001"
    );
}
