//! `bitsight-like`: a 250–900 rating from severity-weighted findings per
//! footprint asset, each fading exponentially with its age. Source:
//! BitSight, "Security Ratings Methodology" (public overview: ratings
//! 250–900, risk vectors weighted by severity and by how recent the
//! evidence is, normalised by the organisation's size; Advanced from 740,
//! Intermediate from 640).

use super::{SeverityPoints, issue_score, letter_of_fraction, sort_issues, unscored};
use crate::detmath::{exp, to_decimal};
use posture_core::{Assessment, Error, IssueIdx};
use posture_score::{Scale, Scorecard, ScoringModel};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Model id.
pub const BITSIGHT_LIKE: &str = "bitsight-like";

/// Parameters of `bitsight-like`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct BitsightLikeConfig {
    /// Weight of one finding (one issue type on one asset) by severity:
    /// 8, 4, 2, 1 (each severity counts twice the one below).
    pub weights: SeverityPoints,
    /// Days after which a finding's weight is halved, counted from its
    /// `last_seen` (30).
    pub half_life_days: Decimal,
    /// Findings and breaches older than this many days count no more
    /// (365). The catalog's `decay_days` does not apply: age fades them
    /// instead.
    pub horizon_days: u32,
    /// Weight of a publicly known breach, fading like a finding (8, as a
    /// critical finding).
    pub breach_weight: Decimal,
    /// The density (weighted findings per footprint asset) at which the
    /// fraction is `1/e` (2).
    pub density_scale: Decimal,
}

impl Default for BitsightLikeConfig {
    fn default() -> Self {
        BitsightLikeConfig {
            weights: SeverityPoints {
                critical: Decimal::from(8),
                high: Decimal::from(4),
                medium: Decimal::from(2),
                low: Decimal::ONE,
            },
            half_life_days: Decimal::from(30),
            horizon_days: 365,
            breach_weight: Decimal::from(8),
            density_scale: Decimal::from(2),
        }
    }
}

/// `250 + 650 * e^(-D / s)`, where `D` is the organisation's exposure per
/// footprint asset: the sum over its findings that count (status open or
/// under review, type not provisional, severity weighted) of `weight * 2^(-age
/// / half_life)` with `age` the days since `last_seen` (0 when seen after
/// `as_of`), plus its breaches likewise, divided by the footprint size
/// `N`. An issue type on the same asset twice counts once (the most
/// recent). The rating is an integer (half to even); the letter is
/// posture's band of `(rating - 250) / 650` (A from 835, B 770, C 705, D
/// 640: F is BitSight's Basic), the category BitSight's.
///
/// The arithmetic is `f64` in a fixed order with this crate's
/// platform-independent `exp` ([`crate::detmath`]); the fraction is
/// reported to twelve decimals.
///
/// ```
/// use posture_research::BitsightLike;
/// use posture_score::ScoringModel;
/// use posture_core::{Assessment, Catalog};
/// // A high finding (4) last seen 30 days ago counts 2; on a footprint
/// // of 2: D = 1, fraction e^-0.5 = 0.6065, rating 250 + 394.2 = 644.
/// let a = Assessment::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
///   "assets": ["a.example", "www.a.example"], "findings": [
///   {"issue": "spf_missing", "asset": "a.example", "first_seen": "2026-09-01T00:00:00Z", "last_seen": "2026-10-02T00:00:00Z", "status": "open"}]}"#,
///   &Catalog::builtin()).unwrap();
/// let card = BitsightLike::default().score(&a);
/// assert_eq!(card.score.unwrap().to_string(), "644");
/// assert_eq!((card.grade.as_str(), card.category.as_deref()), ("D", Some("Intermediate")));
/// ```
#[derive(Debug, Clone)]
pub struct BitsightLike {
    config: BitsightLikeConfig,
    weights: [f64; 6],
    half_life_days: f64,
    breach_weight: f64,
    density_scale: f64,
}

impl Default for BitsightLike {
    fn default() -> Self {
        Self::build(BitsightLikeConfig::default())
    }
}

fn float(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

impl BitsightLike {
    /// The model with these parameters.
    ///
    /// # Errors
    /// A weight outside 0..=1000, a half-life, breach weight or density
    /// scale that is not positive, a horizon of 0 days.
    pub fn new(config: BitsightLikeConfig) -> Result<Self, Error> {
        config.weights.check("weights")?;
        for (path, v) in [
            ("half_life_days", config.half_life_days),
            ("density_scale", config.density_scale),
        ] {
            if v <= Decimal::ZERO || v > Decimal::from(100_000) {
                return Err(Error::OutOfRange {
                    path: path.to_owned(),
                    message: format!("{v} must be in (0, 100000]"),
                });
            }
        }
        if config.breach_weight < Decimal::ZERO || config.breach_weight > Decimal::from(1000) {
            return Err(Error::OutOfRange {
                path: "breach_weight".to_owned(),
                message: format!("{} must be in [0, 1000]", config.breach_weight),
            });
        }
        if config.horizon_days == 0 || config.horizon_days > 36_500 {
            return Err(Error::OutOfRange {
                path: "horizon_days".to_owned(),
                message: "must be in 1..=36500".to_owned(),
            });
        }
        Ok(Self::build(config))
    }

    fn build(config: BitsightLikeConfig) -> Self {
        let mut weights = [0.0; 6];
        for s in posture_core::Severity::ALL {
            weights[s.index()] = float(config.weights.get(*s));
        }
        BitsightLike {
            weights,
            half_life_days: float(config.half_life_days),
            breach_weight: float(config.breach_weight),
            density_scale: float(config.density_scale),
            config,
        }
    }

    /// The parameters.
    pub fn config(&self) -> &BitsightLikeConfig {
        &self.config
    }

    /// `2^(-age / half_life)` for an age in seconds (0 below zero), or
    /// `None` beyond the horizon.
    fn fade(&self, age_seconds: i64) -> Option<f64> {
        let age = age_seconds.max(0);
        if age > i64::from(self.config.horizon_days) * 86_400 {
            return None;
        }
        let days = age as f64 / 86_400.0;
        Some(exp(-std::f64::consts::LN_2 * days / self.half_life_days))
    }
}

/// The rating of a fraction: `250 + 650 * fraction`, half to even.
fn rating(fraction: f64) -> i64 {
    (250.0 + 650.0 * fraction).round_ties_even() as i64
}

impl ScoringModel for BitsightLike {
    fn id(&self) -> &str {
        BITSIGHT_LIKE
    }

    fn score_fixing(&self, a: &Assessment, fixed: &[IssueIdx]) -> Scorecard {
        let mut card = unscored(a, BITSIGHT_LIKE, Scale::Bitsight);
        let as_of = a.as_of();
        // (issue, asset, age in seconds): the most recent sighting of each
        // pair, in canonical order.
        let mut seen: Vec<(IssueIdx, u32, i64)> = a
            .findings()
            .iter()
            .filter(|f| f.status.counts())
            .filter(|f| {
                let it = a.catalog().issue(f.issue);
                !it.provisional && self.weights[it.severity.index()] > 0.0
            })
            .filter(|f| fixed.binary_search(&f.issue).is_err())
            .map(|f| (f.issue, f.asset, (as_of - f.last_seen).num_seconds()))
            .collect();
        seen.sort_unstable();
        seen.dedup_by(|later, first| later.0 == first.0 && later.1 == first.1);
        let n = a.footprint().size() as f64;
        let per = 1.0 / (n * self.density_scale);
        let mut factor_exposure = [0.0_f64; 10];
        let mut i = 0;
        while i < seen.len() {
            let issue = seen[i].0;
            let it = a.catalog().issue(issue);
            let (mut sum, mut assets) = (0.0, 0);
            while i < seen.len() && seen[i].0 == issue {
                if let Some(fade) = self.fade(seen[i].2) {
                    sum += self.weights[it.severity.index()] * fade;
                    assets += 1;
                }
                i += 1;
            }
            if assets == 0 {
                continue;
            }
            factor_exposure[it.factor.index()] += sum;
            let removed = 1.0 - exp(-sum * per);
            card.factors[it.factor.index()].issues.push(issue_score(
                a,
                issue,
                assets,
                to_decimal(removed, 12).unwrap_or(Decimal::ZERO),
            ));
        }
        let mut exposure = 0.0;
        for (f, e) in card.factors.iter_mut().zip(factor_exposure) {
            exposure += e;
            let fraction = exp(-e * per);
            f.fraction = to_decimal(fraction, 12).unwrap_or(Decimal::ZERO);
            f.score = Decimal::from(rating(fraction));
            sort_issues(&mut f.issues);
        }
        let mut applied = 0;
        for b in a.breaches() {
            let age = (as_of - *b).num_seconds();
            if age < 0 {
                continue;
            }
            if let Some(fade) = self.fade(age) {
                exposure += self.breach_weight * fade;
                applied += 1;
            }
        }
        card.breaches_applied = applied;
        if !a.insufficient_data() {
            let fraction = exp(-exposure * per);
            let r = rating(fraction);
            let score = Decimal::from(r);
            card.score = Some(score);
            card.fraction = Some(to_decimal(fraction, 12).unwrap_or(Decimal::ZERO));
            card.grade = letter_of_fraction((score - Decimal::from(250)) / Decimal::from(650));
            card.category = Some(
                if r >= 740 {
                    "Advanced"
                } else if r >= 640 {
                    "Intermediate"
                } else {
                    "Basic"
                }
                .to_owned(),
            );
        }
        card
    }
}
