//! `scorecard-weighted`: OpenSSF Scorecard's aggregate over Posture's
//! factors. Source: OpenSSF Scorecard, "Scoring"
//! (github.com/ossf/scorecard, README and docs/checks.md).

use super::{SeverityPoints, active_types, issue_score, letter_of_fraction, sort_issues, unscored};
use posture_core::{Assessment, Error, Factor, IssueIdx};
use posture_score::{Scale, Scorecard, ScoringModel};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Model id.
pub const SCORECARD_WEIGHTED: &str = "scorecard-weighted";

/// A check's risk level in OpenSSF Scorecard, which sets its weight.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Weight 10.
    Critical,
    /// Weight 7.5.
    High,
    /// Weight 5.
    Medium,
    /// Weight 2.5.
    Low,
}

/// The aggregate's weight of each risk level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskWeights {
    /// Critical (10).
    pub critical: Decimal,
    /// High (7.5).
    pub high: Decimal,
    /// Medium (5).
    pub medium: Decimal,
    /// Low (2.5).
    pub low: Decimal,
}

impl RiskWeights {
    fn get(&self, r: RiskLevel) -> Decimal {
        match r {
            RiskLevel::Critical => self.critical,
            RiskLevel::High => self.high,
            RiskLevel::Medium => self.medium,
            RiskLevel::Low => self.low,
        }
    }
}

/// Parameters of `scorecard-weighted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ScorecardWeightedConfig {
    /// Weight per risk level: OpenSSF Scorecard's 10, 7.5, 5 and 2.5.
    pub risk_weights: RiskWeights,
    /// Each factor's risk level (a factor not listed keeps its default:
    /// critical for network security, patching cadence and information
    /// leak; high for application security, IP reputation and endpoint
    /// security; medium for DNS health, cubit score and social
    /// engineering; low for hacker chatter).
    #[serde(deserialize_with = "posture_core::keyed::map")]
    pub factor_risks: BTreeMap<Factor, RiskLevel>,
    /// Points a factor's 0–10 score loses per active issue type, by
    /// severity: 10 (a critical issue fails the check), 5, 2, 1.
    pub deductions: SeverityPoints,
}

impl Default for ScorecardWeightedConfig {
    fn default() -> Self {
        ScorecardWeightedConfig {
            risk_weights: RiskWeights {
                critical: Decimal::from(10),
                high: Decimal::new(75, 1),
                medium: Decimal::from(5),
                low: Decimal::new(25, 1),
            },
            factor_risks: BTreeMap::new(),
            deductions: SeverityPoints {
                critical: Decimal::from(10),
                high: Decimal::from(5),
                medium: Decimal::from(2),
                low: Decimal::ONE,
            },
        }
    }
}

impl ScorecardWeightedConfig {
    /// A factor's risk level.
    pub fn risk(&self, f: Factor) -> RiskLevel {
        if let Some(r) = self.factor_risks.get(&f) {
            return *r;
        }
        match f {
            Factor::NetworkSecurity | Factor::PatchingCadence | Factor::InformationLeak => {
                RiskLevel::Critical
            }
            Factor::ApplicationSecurity | Factor::IpReputation | Factor::EndpointSecurity => {
                RiskLevel::High
            }
            Factor::DnsHealth | Factor::CubitScore | Factor::SocialEngineering => RiskLevel::Medium,
            Factor::HackerChatter => RiskLevel::Low,
        }
    }
}

/// Each assessed factor scored 0–10 (10 minus the deductions of its
/// active issue types, at least 0), then averaged with the weights of
/// their risk levels; factors not assessed are left out, as Scorecard
/// leaves out checks that could not run. The score has one decimal, like
/// Scorecard's; the letter is posture's band of the score (A from 9.0,
/// B 8.0, C 7.0, D 6.0).
///
/// ```
/// use posture_research::ScorecardWeighted;
/// use posture_score::ScoringModel;
/// use posture_core::{Assessment, Catalog};
/// // DNS health (medium, 5) loses 5 for a high issue; network security
/// // (critical, 10) is clean: (5 * 5 + 10 * 10) / 15 = 8.33, shown 8.3.
/// let a = Assessment::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
///   "assets": ["a.example"], "assessed_factors": ["network_security"], "findings": [
///   {"issue": "spf_missing", "asset": "a.example", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}]}"#,
///   &Catalog::builtin()).unwrap();
/// let card = ScorecardWeighted::default().score(&a);
/// assert_eq!(card.score.unwrap().to_string(), "8.3");
/// assert_eq!(card.grade.as_str(), "B");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ScorecardWeighted {
    config: ScorecardWeightedConfig,
}

impl ScorecardWeighted {
    /// The model with these parameters.
    ///
    /// # Errors
    /// A deduction outside 0..=1000, a weight that is not positive.
    pub fn new(config: ScorecardWeightedConfig) -> Result<Self, Error> {
        config.deductions.check("deductions")?;
        let w = &config.risk_weights;
        for (name, v) in [
            ("critical", w.critical),
            ("high", w.high),
            ("medium", w.medium),
            ("low", w.low),
        ] {
            if v <= Decimal::ZERO || v > Decimal::from(1000) {
                return Err(Error::OutOfRange {
                    path: format!("risk_weights.{name}"),
                    message: format!("{v} must be in (0, 1000]"),
                });
            }
        }
        Ok(ScorecardWeighted { config })
    }

    /// The parameters.
    pub fn config(&self) -> &ScorecardWeightedConfig {
        &self.config
    }
}

impl ScoringModel for ScorecardWeighted {
    fn id(&self) -> &str {
        SCORECARD_WEIGHTED
    }

    fn score_fixing(&self, a: &Assessment, fixed: &[IssueIdx]) -> Scorecard {
        let mut card = unscored(a, SCORECARD_WEIGHTED, Scale::Ten);
        let ten = Decimal::TEN;
        let mut lost = [Decimal::ZERO; 10];
        for (issue, n) in active_types(a, fixed) {
            let it = a.catalog().issue(issue);
            let points = self.config.deductions.get(it.severity);
            if points <= Decimal::ZERO {
                continue;
            }
            lost[it.factor.index()] += points;
            card.factors[it.factor.index()]
                .issues
                .push(issue_score(a, issue, n, points / ten));
        }
        let (mut sum, mut weights) = (Decimal::ZERO, Decimal::ZERO);
        for (f, lost) in card.factors.iter_mut().zip(lost) {
            let s = (ten - lost).max(Decimal::ZERO);
            f.fraction = s / ten;
            f.score = Scale::Ten.present(f.fraction).0;
            sort_issues(&mut f.issues);
            if f.assessed {
                let w = self.config.risk_weights.get(self.config.risk(f.factor));
                sum += w * s;
                weights += w;
            }
        }
        if !a.insufficient_data() && weights > Decimal::ZERO {
            let fraction = sum / weights / ten;
            let score = Scale::Ten.present(fraction).0;
            card.score = Some(score);
            card.fraction = Some(fraction);
            // The letter of the reported score (so it can be recomputed
            // from it): posture's bands, on a 0-10 scale.
            card.grade = letter_of_fraction(score / ten);
        }
        card
    }
}
