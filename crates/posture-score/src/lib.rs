//! Scoring models of Posture.
//!
//! - [`ScoringModel`]: the trait every model implements; [`PostureV1`] is
//!   the default model of `scoring-v1` (configurable via [`ScoreConfig`]).
//! - [`Scorecard`]: score, fraction, grade, breach likelihood and the ten
//!   factor scores with their issues; [`Scale`] re-presents it.
//! - [`improve`]: the fewest issue types to fix to reach a [`Target`], as an
//!   [`Improvement`] (named apart from the workflow's action plans).
//! - [`score_batch`]: parallel scoring with rayon, in input order.
//! - [`ModelRegistry`]: models by id, built from their parameters; a host
//!   registers its own beside `posture-v1`.
//!
//! All arithmetic is `rust_decimal`; results are identical on every run,
//! thread count and input order.
//!
//! # Example
//!
//! ```
//! use posture_core::{Catalog, FindingsDocument};
//! use posture_score::{score, Scale};
//!
//! let doc = FindingsDocument::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
//!   "assets": ["a.example", "192.0.2.0/30"],
//!   "findings": [{"issue": "spf_missing", "asset": "a.example",
//!     "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}]}"#)?;
//! let card = score(&doc.validate(&Catalog::builtin())?);
//! assert_eq!(card.grade.as_str(), "B");
//! let upguard = card.with_scale(Scale::Upguard);
//! assert!(upguard.score.is_some());
//! # Ok::<(), posture_core::Error>(())
//! ```

mod batch;
mod config;
mod model;
mod planner;
mod registry;
mod scale;
mod scorecard;

pub use batch::{score_batch, score_sequential};
pub use config::{LikelihoodTable, ScoreConfig, SeverityWeights};
pub use model::{POSTURE_V1, PostureV1, ScoringModel};
pub use planner::{Improvement, ImprovementStep, Target, improve};
pub use registry::{ModelFactory, ModelRegistry, parameters};

pub use scale::Scale;
pub use scorecard::{FactorScore, IssueScore, Scorecard};

/// Scores one assessment with the default model.
pub fn score(assessment: &posture_core::Assessment) -> Scorecard {
    use std::sync::OnceLock;
    static MODEL: OnceLock<PostureV1> = OnceLock::new();
    MODEL.get_or_init(PostureV1::default).score(assessment)
}

#[cfg(test)]
mod send_sync {
    fn assert<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert::<super::PostureV1>();
        assert::<super::Scorecard>();
        assert::<super::Improvement>();
        assert::<Box<dyn super::ScoringModel>>();
        assert::<super::ModelRegistry>();
    }
}
