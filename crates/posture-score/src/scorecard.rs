//! The result of scoring one organisation.

use crate::scale::Scale;
use posture_core::{Assessment, CatalogRef, Factor, Grade, Severity, Timestamp};
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

impl IssueScore {
    /// An issue type's line in its factor, for models of a host's own.
    pub fn new(
        issue: impl Into<Cow<'static, str>>,
        severity: Severity,
        affected_assets: u64,
        penalty: Decimal,
    ) -> IssueScore {
        IssueScore {
            issue: issue.into(),
            severity,
            affected_assets,
            penalty,
        }
    }
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

impl FactorScore {
    /// A factor without issues: fraction 1, score `100.00`. A model of a
    /// host's own sets what it computes.
    pub fn new(factor: Factor, assessed: bool) -> FactorScore {
        FactorScore {
            factor,
            assessed,
            score: Decimal::new(10_000, 2),
            fraction: Decimal::ONE,
            issues: Vec::new(),
        }
    }
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
    /// `bitsight`, one decimal on `ten`); null when there is insufficient
    /// data. A model other than posture-v1 reports its score on its own
    /// scale, named by `scale`.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub score: Option<Decimal>,
    /// `sigma`, full precision; null when there is insufficient data.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub fraction: Option<Decimal>,
    /// Letter grade from the rounded hundred-scale score (another model's
    /// from its own bands), or `?`.
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
    /// The scorecard of an assessment before a model has scored it, for
    /// models of a host's own (`Scorecard` is `#[non_exhaustive]`): no
    /// score, grade `?`, the ten factors without issues (each assessed
    /// when declared or named by a finding), the hundred scale, no
    /// likelihood. The model then sets what it computes.
    ///
    /// ```
    /// use posture_core::{Assessment, Catalog, Grade};
    /// use posture_score::Scorecard;
    /// let a = Assessment::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
    ///   "assets": ["a.example"], "findings": [], "assessed_factors": ["dns_health"]}"#, &Catalog::builtin()).unwrap();
    /// let mut card = Scorecard::unscored(&a, "mine", "my-spec");
    /// assert_eq!((card.grade, card.factors.len()), (Grade::Insufficient, 10));
    /// assert!(card.factors.iter().any(|f| f.assessed));
    /// card.score = Some(rust_decimal::Decimal::from(42));
    /// card.grade = Grade::F;
    /// ```
    pub fn unscored(
        assessment: &Assessment,
        model: impl Into<Cow<'static, str>>,
        spec: impl Into<Cow<'static, str>>,
    ) -> Scorecard {
        let mut assessed = [false; 10];
        for f in assessment.assessed_factors() {
            assessed[f.index()] = true;
        }
        for f in assessment.findings() {
            assessed[assessment.catalog().issue(f.issue).factor.index()] = true;
        }
        Scorecard {
            organization: assessment.organization().to_owned(),
            as_of: Timestamp(assessment.as_of()),
            model: model.into(),
            spec: spec.into(),
            catalog: assessment.catalog().reference(),
            scale: Scale::Hundred,
            footprint_size: assessment.footprint().size(),
            score: None,
            fraction: None,
            grade: Grade::Insufficient,
            category: None,
            breach_likelihood: None,
            breaches_applied: 0,
            factors: Factor::ALL
                .iter()
                .map(|f| FactorScore::new(*f, assessed[f.index()]))
                .collect(),
        }
    }

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
