//! The result of scoring one organisation.

use crate::scale::Scale;
use posture_core::{CatalogRef, Factor, Grade, Severity, Timestamp};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One scored issue type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct IssueScore {
    /// Catalog id.
    pub issue: Cow<'static, str>,
    /// Its severity.
    pub severity: Severity,
    /// `n_t`: distinct assets among its active findings.
    pub affected_assets: u64,
    /// `p_t`, full precision.
    #[serde(serialize_with = "posture_core::decimal::serialize")]
    pub penalty: Decimal,
}

/// One factor's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct FactorScore {
    /// The factor.
    pub factor: Factor,
    /// Declared in `assessed_factors`, or named by any finding.
    pub assessed: bool,
    /// `F_f`, rounded to 2 dp (or an integer string on another scale).
    #[serde(serialize_with = "posture_core::decimal::serialize")]
    pub score: Decimal,
    /// `phi_f`, full precision.
    #[serde(serialize_with = "posture_core::decimal::serialize")]
    pub fraction: Decimal,
    /// Issue types with active findings, largest penalty first.
    pub issues: Vec<IssueScore>,
}

/// The scorecard of one organisation.
///
/// Decimals serialise as JSON strings (lossless for bindings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Scorecard {
    /// Organisation name.
    pub organization: String,
    /// The scoring instant.
    pub as_of: Timestamp,
    /// The model that produced it (e.g. `posture-v1`).
    pub model: Cow<'static, str>,
    /// The specification it implements (`scoring-v1`).
    pub spec: Cow<'static, str>,
    /// The catalog used.
    pub catalog: CatalogRef,
    /// The presentation scale of `score` and factor scores.
    pub scale: Scale,
    /// Footprint size `N`.
    pub footprint_size: u128,
    /// `S` rounded to 2 dp on the hundred scale (an integer on `upguard` and
    /// `bitsight`); null when there is insufficient data.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub score: Option<Decimal>,
    /// `sigma`, full precision; null when there is insufficient data.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub fraction: Option<Decimal>,
    /// Letter grade from the rounded hundred-scale score, or `?`.
    pub grade: Grade,
    /// `bitsight` category (Advanced, Intermediate, Basic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Relative breach likelihood against grade A; null for `?`.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub breach_likelihood: Option<Decimal>,
    /// Breaches within the fading window that lowered the score.
    pub breaches_applied: u32,
    /// All ten factors, in canonical order.
    pub factors: Vec<FactorScore>,
}

impl Scorecard {
    /// The hundred-scale score, whatever the presentation scale.
    pub fn hundred_score(&self) -> Option<Decimal> {
        self.fraction.map(|f| Scale::Hundred.present(f).0)
    }

    /// Re-presents the score and factor scores on another scale. The grade
    /// and fractions do not change.
    ///
    /// ```
    /// use posture_score::{Scale, Scorecard};
    /// # fn card() -> Scorecard {
    /// #   let doc = posture_core::FindingsDocument::from_json(r#"{"organization":"o","as_of":"2026-11-01T00:00:00Z","assets":["o.example"],"findings":[],"assessed_factors":["dns_health"]}"#).unwrap();
    /// #   posture_score::score(&doc.validate(posture_core::Catalog::builtin()).unwrap())
    /// # }
    /// let c = card().with_scale(Scale::Bitsight);
    /// assert_eq!(c.score.unwrap().to_string(), "900");
    /// assert_eq!(c.category.as_deref(), Some("Advanced"));
    /// ```
    pub fn with_scale(mut self, scale: Scale) -> Scorecard {
        self.scale = scale;
        self.score = self.fraction.map(|f| scale.present(f).0);
        self.category = self
            .fraction
            .and_then(|f| scale.present(f).1)
            .map(str::to_owned);
        for f in &mut self.factors {
            f.score = scale.present(f.fraction).0;
        }
        self
    }
}
