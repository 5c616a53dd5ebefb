//! Properties of posture-v1 and the planner (scoring-v1 sections 2 and 3),
//! tested as properties.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture::{Catalog, Grade, PostureV1, ScoringModel, Target, improve};
use posture_core::{FindingStatus, IssueIdx, Severity};
use posture_score::{score_batch, score_sequential};
use posture_tests::generate::{RawFinding, document, vector_catalog};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::sync::Arc;

fn raw_findings() -> impl Strategy<Value = Vec<RawFinding>> {
    proptest::collection::vec((0usize..10, 0usize..40, -20i64..200, 0usize..5), 0..40)
}

fn breaches() -> impl Strategy<Value = Vec<i64>> {
    proptest::collection::vec(-48i64..800, 0..3)
}

fn fraction(catalog: &Arc<Catalog>, hosts: usize, f: &[RawFinding], b: &[i64]) -> Option<Decimal> {
    let a = document(catalog, hosts, f, b, true)
        .validate(catalog)
        .unwrap();
    PostureV1::default().score(&a).fraction
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn bounded(hosts in 1usize..6, f in raw_findings(), b in breaches()) {
        let c = vector_catalog();
        let s = fraction(&c, hosts, &f, &b).unwrap();
        prop_assert!(s > Decimal::ZERO && s <= Decimal::ONE, "{s}");
        let a = document(&c, hosts, &f, &b, true).validate(&c).unwrap();
        let card = PostureV1::default().score(&a);
        let score = card.score.unwrap();
        prop_assert!(score >= Decimal::ZERO && score <= Decimal::ONE_HUNDRED);
        for fac in &card.factors {
            prop_assert!(fac.fraction > Decimal::ZERO && fac.fraction <= Decimal::ONE);
        }
    }

    #[test]
    fn one_more_finding_never_raises(hosts in 1usize..6, f in raw_findings(), extra in (0usize..10, 0usize..40, -20i64..200, 0usize..5), b in breaches()) {
        let c = vector_catalog();
        let before = fraction(&c, hosts, &f, &b).unwrap();
        let mut g = f.clone();
        g.push(extra);
        let after = fraction(&c, hosts, &g, &b).unwrap();
        prop_assert!(after <= before, "{after} > {before}");
    }

    #[test]
    fn fixing_never_lowers(hosts in 1usize..6, f in raw_findings(), pick in 0usize..40, b in breaches()) {
        prop_assume!(!f.is_empty());
        let c = vector_catalog();
        let before = fraction(&c, hosts, &f, &b).unwrap();
        let mut g = f.clone();
        let i = pick % g.len();
        // Status index 4 is `fixed` in FindingStatus::ALL.
        prop_assert_eq!(FindingStatus::ALL[4], FindingStatus::Fixed);
        g[i].3 = 4;
        let after = fraction(&c, hosts, &g, &b).unwrap();
        prop_assert!(after >= before, "{after} < {before}");
    }

    #[test]
    fn newer_last_seen_never_raises(hosts in 1usize..6, f in raw_findings(), pick in 0usize..40, newer in 1i64..100, b in breaches()) {
        prop_assume!(!f.is_empty());
        let c = vector_catalog();
        let before = fraction(&c, hosts, &f, &b).unwrap();
        let mut g = f.clone();
        let i = pick % g.len();
        g[i].2 -= newer;
        let after = fraction(&c, hosts, &g, &b).unwrap();
        prop_assert!(after <= before, "{after} > {before}");
    }

    #[test]
    fn higher_severity_never_raises(hosts in 1usize..6, f in raw_findings(), pick in 0usize..10, b in breaches()) {
        let c = vector_catalog();
        let before = fraction(&c, hosts, &f, &b).unwrap();
        let mut issues = c.issues().to_vec();
        let i = pick % issues.len();
        let order = [Severity::Positive, Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];
        let pos = order.iter().position(|s| *s == issues[i].severity).unwrap();
        issues[i].severity = order[(pos + 1).min(order.len() - 1)];
        let raised = Arc::new(Catalog::from_issues("raised".into(), None, issues).unwrap());
        let a = document(&raised, hosts, &f, &b, true).validate(&raised).unwrap();
        let after = PostureV1::default().score(&a).fraction.unwrap();
        prop_assert!(after <= before, "{after} > {before}");
    }

    #[test]
    fn order_independent(hosts in 1usize..6, f in raw_findings(), b in breaches(), seed in any::<u64>()) {
        let c = vector_catalog();
        let doc = document(&c, hosts, &f, &b, true);
        let mut shuffled = doc.clone();
        // Deterministic Fisher–Yates from the seed.
        let mut x = seed | 1;
        let mut next = |n: usize| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; (x % n as u64) as usize };
        for i in (1..shuffled.findings.len()).rev() { let j = next(i + 1); shuffled.findings.swap(i, j); }
        for i in (1..shuffled.assets.len()).rev() { let j = next(i + 1); shuffled.assets.swap(i, j); }
        shuffled.breaches.reverse();
        let m = PostureV1::default();
        let a = m.score(&doc.validate(&c).unwrap());
        let b2 = m.score(&shuffled.validate(&c).unwrap());
        prop_assert_eq!(a, b2);
    }

    #[test]
    fn planner_is_optimal(hosts in 1usize..4, f in proptest::collection::vec((0usize..10, 0usize..20, -5i64..100, 0usize..2), 1..16), target in 50u32..100) {
        let c = vector_catalog();
        let a = document(&c, hosts, &f, &[], false).validate(&c).unwrap();
        let m = PostureV1::default();
        let t = Target::Score(Decimal::from(target));
        let p = improve(&m, &a, t).unwrap();
        // Brute force: every subset of the penalised issue types.
        let card = m.score(&a);
        let types: Vec<IssueIdx> = card.factors.iter().flat_map(|f| f.issues.iter()).map(|i| c.get(&i.issue).unwrap().0).collect();
        prop_assert!(types.len() <= 10);
        let mut best: Option<usize> = None;
        for mask in 0u32..(1 << types.len()) {
            let mut fixed: Vec<IssueIdx> = (0..types.len()).filter(|i| mask & (1 << i) != 0).map(|i| types[i]).collect();
            fixed.sort();
            let s = m.score_fixing(&a, &fixed).score.unwrap();
            if t.met_by(s) {
                let n = fixed.len();
                best = Some(best.map_or(n, |b: usize| b.min(n)));
            }
        }
        prop_assert_eq!(p.reachable, best.is_some());
        if let Some(b) = best {
            prop_assert_eq!(p.steps.len(), b, "planner used {} steps, brute force {}", p.steps.len(), b);
        }
        // Projected scores never fall along the plan.
        let mut prev = p.current_score;
        for s in &p.steps { prop_assert!(s.projected_score >= prev); prev = s.projected_score; }
    }
}

#[test]
fn parallel_equals_sequential_on_any_thread_count() {
    let c = vector_catalog();
    let docs: Vec<_> = (0..300)
        .map(|i| {
            let f: Vec<RawFinding> = (0..(i % 17))
                .map(|k| {
                    (
                        k * 7 + i,
                        k * 3 + i,
                        ((k * 13 + i) % 150) as i64 - 10,
                        (k + i) % 5,
                    )
                })
                .collect();
            document(&c, 1 + i % 5, &f, &[(i % 40) as i64 * 20], i % 3 == 0)
                .validate(&c)
                .unwrap()
        })
        .collect();
    let m = PostureV1::default();
    let seq = score_sequential(&m, &docs);
    for threads in [1, 2, 4, 7] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let par = pool.install(|| score_batch(&m, &docs));
        assert_eq!(par, seq, "{threads} threads differ from sequential");
    }
}

#[test]
fn planner_edge_cases() {
    let c = vector_catalog();
    let m = PostureV1::default();
    // Already met: zero steps.
    let a = document(&c, 2, &[], &[], true).validate(&c).unwrap();
    let p = improve(&m, &a, Target::Grade(Grade::A)).unwrap();
    assert!(p.reachable && p.steps.is_empty());
    // Insufficient data cannot be planned.
    let a = document(&c, 2, &[], &[], false).validate(&c).unwrap();
    assert_eq!(
        improve(&m, &a, Target::Grade(Grade::A)).unwrap_err().code(),
        "out_of_range"
    );
    // Out-of-range targets are input errors.
    assert!("100.01".parse::<Target>().is_err());
    assert!("-1".parse::<Target>().is_err());
    // A breach that keeps the score below the target: unreachable, every step listed.
    let a = document(&c, 1, &[(0, 0, 1, 0)], &[1, 2, 3, 4, 5], false)
        .validate(&c)
        .unwrap();
    let p = improve(&m, &a, Target::Score(Decimal::from(99))).unwrap();
    assert!(!p.reachable);
    assert_eq!(p.steps.len(), 1);
}
