//! Deterministic synthetic data for Posture's benchmarks.

use chrono::{Duration, TimeZone, Utc};
use posture_core::{
    Assessment, Catalog, FindingStatus, FindingsDocument, IssueIdx, Timestamp, ValidFinding,
};
use std::sync::Arc;

/// A small deterministic generator (xorshift64*), so that every run and
/// machine benchmarks the same portfolio.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// `orgs` organisations with `findings` findings each over the built-in
/// catalog: footprints of 2–9 host names plus a /24–/28 block, findings
/// spread over 1–40 assets, mixed statuses and ages (most active).
///
/// # Panics
/// Never for the built-in catalog (the synthetic documents are valid by
/// construction); a panic here is a bug in the generator.
pub fn portfolio(orgs: usize, findings: usize, seed: u64) -> Vec<Assessment> {
    let catalog: Arc<Catalog> = Catalog::builtin();
    let n_issues = catalog.len() as u64;
    let as_of = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut rng = Rng::new(seed);
    (0..orgs)
        .map(|o| {
            let hosts = 2 + rng.below(8) as usize;
            let prefix = 24 + rng.below(5);
            let mut assets: Vec<String> =
                (0..hosts).map(|h| format!("h{h}.org{o}.example")).collect();
            assets.push(format!("10.{}.{}.0/{prefix}", (o >> 8) & 255, o & 255));
            let doc = FindingsDocument {
                organization: format!("org{o}"),
                as_of: Timestamp(as_of),
                assets,
                assessed_factors: None,
                findings: Vec::new(),
                breaches: Vec::new(),
            };
            #[allow(clippy::expect_used)]
            let base = doc
                .validate(catalog.clone())
                .expect("synthetic document is valid");
            let asset_count = (hosts as u64 + 1).max(1 + rng.below(40)) as u32;
            let fs = (0..findings)
                .map(|_| {
                    let last = as_of - Duration::hours(rng.below(24 * 60) as i64);
                    let status = match rng.below(10) {
                        0 => FindingStatus::Fixed,
                        1 => FindingStatus::UnderReview,
                        _ => FindingStatus::Open,
                    };
                    ValidFinding {
                        issue: IssueIdx(
                            rng.below(n_issues.min(24)) as u32 * (n_issues as u32 / 24).max(1),
                        ),
                        asset: rng.below(u64::from(asset_count)) as u32,
                        first_seen: last - Duration::days(7),
                        last_seen: last,
                        status,
                    }
                })
                .collect();
            #[allow(clippy::expect_used)]
            base.with_findings(fs, asset_count)
                .expect("synthetic indices are in range")
        })
        .collect()
}

/// Total number of findings in a portfolio.
pub fn finding_count(p: &[Assessment]) -> u64 {
    p.iter().map(|a| a.findings().len() as u64).sum()
}

/// A portfolio index over `vendors` vendors and `portfolios` portfolios of
/// 1–3 own domains and `per_portfolio` in-use vendors each; vendor `hot`
/// (id `"hot"`) is added to the first `hot_customers` portfolios.
///
/// # Panics
/// Never for in-range generated fractions; a panic is a generator bug.
pub fn portfolio_index(
    vendors: usize,
    portfolios: usize,
    per_portfolio: usize,
    hot_customers: usize,
    seed: u64,
) -> posture_csr::PortfolioIndex {
    use posture_csr::{Criticality, CsrConfig, PortfolioIndex};
    use rust_decimal::Decimal;
    let mut rng = Rng::new(seed);
    #[allow(clippy::expect_used)]
    let mut ix = PortfolioIndex::new(CsrConfig::default()).expect("default config is valid");
    let ids: Vec<String> = (0..vendors).map(|v| format!("v{v}")).collect();
    let frac = |rng: &mut Rng| Decimal::new(400_000 + rng.below(600_001) as i64, 6);
    for id in &ids {
        #[allow(clippy::expect_used)]
        ix.set_vendor(id, frac(&mut rng))
            .expect("fraction in range");
    }
    #[allow(clippy::expect_used)]
    ix.set_vendor("hot", frac(&mut rng))
        .expect("fraction in range");
    for p in 0..portfolios {
        let domains: Vec<Decimal> = (0..1 + rng.below(3)).map(|_| frac(&mut rng)).collect();
        let mut members: Vec<(&str, Criticality)> = (0..per_portfolio)
            .map(|_| {
                let v = rng.below(vendors as u64) as usize;
                (ids[v].as_str(), Criticality::ALL[rng.below(4) as usize])
            })
            .collect();
        if p < hot_customers {
            members.push(("hot", Criticality::Critical));
        }
        #[allow(clippy::expect_used)]
        ix.add_portfolio(&format!("p{p}"), &domains, &members)
            .expect("vendors exist");
    }
    ix
}
