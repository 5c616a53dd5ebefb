//! Comparison baselines behind [`posture_score::ScoringModel`], each after a published
//! scoring scheme, and the [`registry`] that holds them beside
//! `posture-v1`.
//!
//! Their scorecards follow posture-v1's shape, read on each model's own
//! terms: `score` is on the model's own scale (named by `scale`), `grade`
//! is the model's letter (its bands collapsed to A–F), `category` its own
//! label where it has one (`A-`, `Advanced`), `fraction` the score
//! normalised to 0–1, and `breach_likelihood` null: these models claim no
//! likelihood (`posture eval` measures it). `docs/METHODOLOGY.md` ("Models
//! to compare") documents each, with its source and the choices made where
//! the source is silent.

mod bitsight;
mod observatory;
mod openssf;

pub use bitsight::{BITSIGHT_LIKE, BitsightLike, BitsightLikeConfig};
pub use observatory::{
    OBSERVATORY_ADDITIVE, ObservatoryAdditive, ObservatoryConfig, observatory_grade,
};
pub use openssf::{
    RiskLevel, RiskWeights, SCORECARD_WEIGHTED, ScorecardWeighted, ScorecardWeightedConfig,
};

use chrono::{DateTime, TimeDelta, Utc};
use posture_core::{Assessment, Grade, IssueIdx, Severity};
use posture_score::{IssueScore, ModelRegistry, Scale, Scorecard};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What the baselines' scorecards name as their specification.
pub const RESEARCH_SPEC: &str = "posture-research-v1";

/// The built-in models, in this order: `posture-v1`,
/// `observatory-additive`, `scorecard-weighted`, `bitsight-like`. A host
/// registers its own on the registry returned.
///
/// ```
/// let r = posture_research::registry();
/// assert_eq!(r.ids(), ["posture-v1", "observatory-additive", "scorecard-weighted", "bitsight-like"]);
/// let m = r.build("bitsight-like", &serde_json::json!({"half_life_days": "60"})).unwrap();
/// assert_eq!(m.id(), "bitsight-like");
/// let e = r.build("bitsight-like", &serde_json::json!({"half_life": "60"})).err().unwrap();
/// assert!(e.to_string().contains("half_life"), "{e}");
/// ```
pub fn registry() -> ModelRegistry {
    let mut r = ModelRegistry::new();
    // The ids are valid and distinct by construction (a test holds it).
    let _ = r.register(
        OBSERVATORY_ADDITIVE,
        "MDN HTTP Observatory style: 100 minus a penalty per active issue type, floor 0, the Observatory's grade chart",
        |p| Ok(Box::new(ObservatoryAdditive::new(posture_score::parameters(p)?)?)),
    );
    let _ = r.register(
        SCORECARD_WEIGHTED,
        "OpenSSF Scorecard style: each assessed factor scored 0-10, averaged with risk weights 10 / 7.5 / 5 / 2.5",
        |p| Ok(Box::new(ScorecardWeighted::new(posture_score::parameters(p)?)?)),
    );
    let _ = r.register(
        BITSIGHT_LIKE,
        "BitSight style: 250-900 from severity-weighted findings per footprint asset, decaying by age",
        |p| Ok(Box::new(BitsightLike::new(posture_score::parameters(p)?)?)),
    );
    r
}

/// One value per scored severity (informational and positive
/// observations never count in any model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityPoints {
    /// Critical.
    pub critical: Decimal,
    /// High.
    pub high: Decimal,
    /// Medium.
    pub medium: Decimal,
    /// Low.
    pub low: Decimal,
}

impl SeverityPoints {
    /// The value for a severity (0 for info and positive).
    pub fn get(&self, s: Severity) -> Decimal {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info | Severity::Positive => Decimal::ZERO,
        }
    }

    fn check(&self, path: &str) -> Result<(), posture_core::Error> {
        for (name, v) in [
            ("critical", self.critical),
            ("high", self.high),
            ("medium", self.medium),
            ("low", self.low),
        ] {
            if v < Decimal::ZERO || v > Decimal::from(1000) {
                return Err(posture_core::Error::OutOfRange {
                    path: format!("{path}.{name}"),
                    message: format!("{v} must be in [0, 1000]"),
                });
            }
        }
        Ok(())
    }
}

const DAY: i64 = 86_400;

/// A finding that counts, as posture-v1 decides it (scoring-v1 section
/// 2, step 1, without the weight test, which is each model's own): its
/// status counts, its type is not provisional, and it was last seen no
/// more than `decay_days` before `as_of`.
pub(crate) fn counts(a: &Assessment, issue: IssueIdx, last_seen: DateTime<Utc>) -> bool {
    let it = a.catalog().issue(issue);
    !it.provisional
        && a.as_of().signed_duration_since(last_seen)
            <= TimeDelta::seconds(i64::from(it.decay_days) * DAY)
}

/// The active issue types of an assessment, with their number of distinct
/// affected assets, in canonical order (catalog id order), leaving out the
/// types in `fixed`.
pub(crate) fn active_types(a: &Assessment, fixed: &[IssueIdx]) -> Vec<(IssueIdx, u64)> {
    let mut pairs: Vec<(IssueIdx, u32)> = a
        .findings()
        .iter()
        .filter(|f| f.status.counts() && counts(a, f.issue, f.last_seen))
        .filter(|f| fixed.binary_search(&f.issue).is_err())
        .map(|f| (f.issue, f.asset))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut out: Vec<(IssueIdx, u64)> = Vec::new();
    for (issue, _) in pairs {
        match out.last_mut() {
            Some((i, n)) if *i == issue => *n += 1,
            _ => out.push((issue, 1)),
        }
    }
    out
}

/// An issue score for a type of the assessment's catalog.
pub(crate) fn issue_score(a: &Assessment, issue: IssueIdx, n: u64, penalty: Decimal) -> IssueScore {
    let catalog = a.catalog();
    let it = catalog.issue(issue);
    let id: Cow<'static, str> = match catalog.static_id(issue) {
        Some(id) => Cow::Borrowed(id),
        None => Cow::Owned(it.id.clone()),
    };
    IssueScore::new(id, it.severity, n, penalty)
}

/// Sorts a factor's issues as posture-v1 lists them: largest penalty
/// first, then by id.
pub(crate) fn sort_issues(issues: &mut [IssueScore]) {
    issues.sort_by(|x, y| {
        y.penalty
            .cmp(&x.penalty)
            .then_with(|| x.issue.cmp(&y.issue))
    });
}

/// A baseline's scorecard, before its model sets what it computes.
pub(crate) fn unscored(a: &Assessment, model: &'static str, scale: Scale) -> Scorecard {
    let mut card = Scorecard::unscored(a, model, RESEARCH_SPEC);
    card.scale = scale;
    card
}

/// The letter of a fraction by posture's bands (A from 0.9, B from 0.8,
/// C from 0.7, D from 0.6).
pub(crate) fn letter_of_fraction(fraction: Decimal) -> Grade {
    Grade::from_score(fraction * Decimal::ONE_HUNDRED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_builds_every_model_with_its_defaults() {
        let r = registry();
        for id in r.ids() {
            let m = r.build(id, &serde_json::Value::Null).unwrap();
            assert_eq!(m.id(), id);
            assert!(r.summary(id).is_some());
        }
    }
}
