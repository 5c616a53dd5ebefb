//! The research harness of Posture: scoring models side by side on the
//! same organisations and the same outcomes, with the same numbers on any
//! machine.
//!
//! - [`models`]: comparison baselines behind [`posture_score::ScoringModel`]
//!   ([`ObservatoryAdditive`], [`ScorecardWeighted`], [`BitsightLike`]) and
//!   the [`registry`] that holds them beside `posture-v1`; a host
//!   registers its own models on it.
//! - [`corpus`]: breach corpora, one organisation per NDJSON line (a
//!   findings document and its outcome): [`corpus::generate`] draws a
//!   synthetic one from a seed, [`corpus::parse_corpus`] reads any.
//! - [`evaluate`]: AUC with a bootstrap interval, the calibration table by
//!   grade, the Brier score of a logistic fit, Spearman's rho between every
//!   pair of models ([`metrics`] has each statistic alone).
//! - [`report`]: the evaluation as one accessible HTML page, drawn with
//!   `posture-report`'s components.
//!
//! Pure: no I/O, no clock. Deterministic: the same input gives the same
//! bytes on every platform and thread count ([`detmath`] and [`rng`] say
//! how).
//!
//! # Example
//!
//! ```
//! use posture_research::corpus::{CorpusConfig, generate, parse_corpus};
//! use posture_research::{BootstrapOptions, evaluate, registry};
//!
//! let catalog = posture_core::Catalog::builtin();
//! // 400 synthetic organisations from seed 7, as `posture corpus generate` writes them.
//! let lines = generate(&CorpusConfig::default(), &catalog, 7, 400, 0..400)?;
//! let corpus = parse_corpus(&lines.concat(), &catalog)?;
//!
//! // Every built-in model with its default parameters.
//! let models = registry();
//! let models: Vec<_> = models.ids().iter()
//!     .map(|id| models.build(id, &serde_json::Value::Null))
//!     .collect::<Result<_, _>>()?;
//! let run = evaluate(&corpus, &models, BootstrapOptions::new(100, 19));
//! let v1 = &run.evaluation.models[0];
//! assert_eq!(v1.model, "posture-v1");
//! assert!(v1.auc.unwrap() > rust_decimal::Decimal::new(5, 1));
//! let html = posture_research::report::render(&run);
//! assert!(html.contains("ROC"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

pub mod corpus;
pub mod detmath;
mod eval;
pub mod metrics;
pub mod models;
pub mod report;
pub mod rng;

pub use eval::{
    BootstrapOptions, CorpusCounts, EvalRun, Evaluation, GradeRow, ModelEvaluation, ModelScores,
    RankCorrelation, ScoreLine, evaluate,
};
pub use models::{
    BITSIGHT_LIKE, BitsightLike, BitsightLikeConfig, OBSERVATORY_ADDITIVE, ObservatoryAdditive,
    ObservatoryConfig, SCORECARD_WEIGHTED, ScorecardWeighted, ScorecardWeightedConfig, registry,
};

#[cfg(test)]
mod send_sync {
    fn assert<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert::<super::corpus::Corpus>();
        assert::<super::EvalRun>();
        assert::<super::BitsightLike>();
        assert::<super::ObservatoryAdditive>();
        assert::<super::ScorecardWeighted>();
    }
}
