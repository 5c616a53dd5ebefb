//! Properties of csr-v1 and the portfolio index (scoring-v1 section 4).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture::Catalog;
use posture_csr::{
    Aggregation, Criticality, CsrConfig, CsrV1, DomainEntry, Portfolio, PortfolioIndex, Sums, Term,
    Vendor,
};
use posture_score::{PostureV1, ScoreConfig};
use proptest::prelude::*;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::sync::Arc;

fn frac(n: u32) -> Decimal {
    // n in 0..=1_000_000 → a fraction with 6 decimals, never 0.
    Decimal::new(i64::from(n.max(1)), 6)
}

fn crit(i: usize) -> Criticality {
    Criticality::ALL[i % 4]
}

fn sums(entities: &[(bool, usize, u32)], lambda: Decimal) -> Sums {
    let c = CsrConfig::default();
    let mut s = Sums::default();
    for &(domain, k, f) in entities {
        let beta = if domain {
            c.domain_weight
        } else {
            c.vendor_weight(crit(k))
        };
        s.add(Term::new(beta, frac(f), lambda));
    }
    s
}

fn entities() -> impl Strategy<Value = Vec<(bool, usize, u32)>> {
    proptest::collection::vec((any::<bool>(), 0usize..4, 0u32..=1_000_000), 1..30)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn bounded(e in entities(), l in 0u32..=100) {
        let lambda = Decimal::new(i64::from(l), 2);
        let c = sums(&e, lambda).fraction().unwrap();
        prop_assert!(c > Decimal::ZERO && c <= Decimal::ONE, "{c}");
    }

    #[test]
    fn monotone_in_every_entity(e in entities(), pick in 0usize..30, up in 1u32..=1_000_000, l in 0u32..=100) {
        let lambda = Decimal::new(i64::from(l), 2);
        let i = pick % e.len();
        let before = sums(&e, lambda).fraction().unwrap();
        let mut raised = e.clone();
        raised[i].2 = (raised[i].2.max(1) + up).min(1_000_000);
        let after = sums(&raised, lambda).fraction().unwrap();
        prop_assert!(after >= before, "raising entity {i} lowered C: {before} -> {after}");
    }

    #[test]
    fn own_domain_outweighs_any_vendor_of_the_same_score(e in entities(), f in 0u32..1_000_000, k in 0usize..4) {
        let c = CsrConfig::default();
        let s = frac(f);
        let d = Term::new(c.domain_weight, s, c.lambda);
        let v = Term::new(c.vendor_weight(crit(k)), s, c.lambda);
        prop_assert!(d.weight > v.weight);
        // Added to the same portfolio, the domain moves C further towards s.
        let base = sums(&e, c.lambda);
        let mut with_d = base; with_d.add(d);
        let mut with_v = base; with_v.add(v);
        let (cd, cv, c0) = (with_d.fraction().unwrap(), with_v.fraction().unwrap(), base.fraction().unwrap());
        prop_assert!((cd - s).abs() <= (cv - s).abs(), "domain {cd}, vendor {cv}, s {s}, before {c0}");
        // And fixing it gains at least as much.
        let mut both = base; both.add(d); both.add(v);
        prop_assert!(both.gain(d, c.domain_weight) >= both.gain(v, c.vendor_weight(crit(k))));
    }

    #[test]
    fn incremental_index_equals_full_recomputation(
        vendors in proptest::collection::vec(0u32..=1_000_000, 1..20),
        portfolios in proptest::collection::vec((proptest::collection::vec(0u32..=1_000_000, 0..3), proptest::collection::vec((0usize..20, 0usize..4), 0..8)), 1..15),
        updates in proptest::collection::vec((0usize..20, 0u32..=1_000_000), 0..40),
    ) {
        let mut ix = PortfolioIndex::new(CsrConfig::default()).unwrap();
        for (i, f) in vendors.iter().enumerate() {
            ix.set_vendor(&format!("v{i}"), frac(*f)).unwrap();
        }
        for (p, (domains, vs)) in portfolios.iter().enumerate() {
            let ds: Vec<Decimal> = domains.iter().map(|f| frac(*f)).collect();
            let names: Vec<(String, Criticality)> = vs.iter().map(|(v, c)| (format!("v{}", v % vendors.len()), crit(*c))).collect();
            let refs: Vec<(&str, Criticality)> = names.iter().map(|(n, c)| (n.as_str(), *c)).collect();
            ix.add_portfolio(&format!("p{p}"), &ds, &refs).unwrap();
        }
        for (v, f) in updates {
            ix.set_vendor(&format!("v{}", v % vendors.len()), frac(f)).unwrap();
        }
        for p in 0..portfolios.len() {
            let id = format!("p{p}");
            prop_assert_eq!(ix.sums(&id), ix.recompute(&id), "portfolio {}", id);
        }
    }
}

fn domain(name: &str, findings: &str) -> DomainEntry {
    serde_json::from_str(&format!(
        r#"{{"domain": "{name}", "assets": [], "findings": [{findings}]}}"#
    ))
    .unwrap()
}

fn finding(issue: &str, asset: &str) -> String {
    format!(
        r#"{{"issue": "{issue}", "asset": "{asset}", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}}"#
    )
}

fn portfolio(i: usize) -> Portfolio {
    let issues = ["t_critical", "t_high", "t_medium", "t_low"];
    let mut p: Portfolio = serde_json::from_str(
        r#"{"organization": "o", "as_of": "2026-11-01T00:00:00Z", "domains": [], "vendors": []}"#,
    )
    .unwrap();
    p.organization = format!("org{i}");
    for d in 0..(1 + i % 3) {
        let name = format!("d{d}.org{i}.example");
        let f = if (i + d) % 2 == 0 {
            finding(issues[(i + d) % 4], &name)
        } else {
            String::new()
        };
        p.domains.push(domain(&name, &f));
    }
    for v in 0..(i % 5) {
        let name = format!("v{v}.example");
        p.vendors.push(Vendor {
            id: format!("v{v}"),
            name: format!("Vendor {v}"),
            in_use: (i + v) % 4 != 0,
            criticality: crit(i + v),
            domains: vec![domain(&name, &finding(issues[(i * v) % 4], &name))],
            questionnaire_risks: Vec::new(),
        });
    }
    p
}

fn vector_catalog() -> Arc<Catalog> {
    posture_tests::generate::vector_catalog()
}

#[test]
fn vendors_not_in_use_change_nothing() {
    let catalog = vector_catalog();
    let csr = CsrV1::new(
        PostureV1::default(),
        &ScoreConfig::default(),
        CsrConfig::default(),
    )
    .unwrap();
    for i in 0..40 {
        let p = portfolio(i);
        let base = csr.aggregate(&p.validate(&catalog).unwrap());
        let mut q = p.clone();
        q.vendors.push(Vendor {
            id: "unused".into(),
            name: "Unused".into(),
            in_use: false,
            criticality: Criticality::Critical,
            domains: vec![domain(
                "unused.example",
                &finding("t_critical", "unused.example"),
            )],
            questionnaire_risks: Vec::new(),
        });
        let with = csr.aggregate(&q.validate(&catalog).unwrap());
        assert_eq!(
            (base.fraction, base.csr, base.grade),
            (with.fraction, with.csr, with.grade),
            "portfolio {i}"
        );
        let unused = with
            .priorities
            .iter()
            .find(|p| p.entity == "unused")
            .unwrap();
        assert_eq!(unused.gain, Decimal::ZERO);
        assert!(!with.vendors_with_risks.contains(&"unused".to_string()));
    }
}

#[test]
fn parallel_equals_sequential() {
    let catalog = vector_catalog();
    let csr = CsrV1::new(
        PostureV1::default(),
        &ScoreConfig::default(),
        CsrConfig::default(),
    )
    .unwrap();
    let valid: Vec<_> = (0..200)
        .map(|i| portfolio(i).validate(&catalog).unwrap())
        .collect();
    let seq: Vec<_> = valid.iter().map(|p| csr.aggregate(p)).collect();
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let par: Vec<_> = pool.install(|| valid.par_iter().map(|p| csr.aggregate(p)).collect());
        assert_eq!(par, seq);
    }
}

#[test]
fn index_agrees_with_the_aggregation() {
    let catalog = vector_catalog();
    let csr = CsrV1::new(
        PostureV1::default(),
        &ScoreConfig::default(),
        CsrConfig::default(),
    )
    .unwrap();
    let mut ix = PortfolioIndex::new(CsrConfig::default()).unwrap();
    for i in 0..30 {
        let v = portfolio(i).validate(&catalog).unwrap();
        let r = csr.aggregate(&v);
        for vs in &r.vendors {
            ix.set_vendor(&vs.id, vs.fraction).unwrap();
        }
        let ds: Vec<Decimal> = r.domains.iter().map(|d| d.fraction).collect();
        let used: Vec<(&str, Criticality)> = r
            .vendors
            .iter()
            .filter(|v| v.in_use)
            .map(|v| (v.id.as_str(), v.criticality))
            .collect();
        ix.add_portfolio(&r.organization, &ds, &used).unwrap();
        assert_eq!(ix.fraction(&r.organization), r.fraction, "portfolio {i}");
    }
}
