//! Models side by side on one corpus: [`evaluate`] and its wire types.

use crate::corpus::Corpus;
use crate::metrics::{
    GradeCount, Ranked, Ratio, bootstrap_auc, by_grade, logistic_brier, spearman,
};
use posture_core::{CatalogRef, Grade};
use posture_score::ScoringModel;
use rayon::prelude::*;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the evaluation resamples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct BootstrapOptions {
    /// Bootstrap resamples for the AUC intervals (1000).
    pub resamples: u32,
    /// Their seed (19).
    pub seed: u64,
}

impl BootstrapOptions {
    /// `resamples` bootstrap resamples drawn from `seed`.
    ///
    /// ```
    /// let b = posture_research::BootstrapOptions::new(200, 7);
    /// assert_eq!((b.resamples, b.seed), (200, 7));
    /// assert_eq!(posture_research::BootstrapOptions::default(), posture_research::BootstrapOptions::new(1000, 19));
    /// ```
    pub fn new(resamples: u32, seed: u64) -> BootstrapOptions {
        BootstrapOptions { resamples, seed }
    }
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions::new(1000, 19)
    }
}

/// The corpus's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct CorpusCounts {
    /// Organisations.
    pub organizations: u64,
    /// Of which breached within twelve months.
    pub breached: u64,
}

/// One grade's row of the calibration table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct GradeRow {
    /// The model's letter (`?`: not scored).
    pub grade: Grade,
    /// Organisations with it.
    pub organizations: u64,
    /// Of which breached.
    pub breached: u64,
    /// `breached / organizations`, four decimals; null without
    /// organisations.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub rate: Option<Decimal>,
    /// The rate over grade A's, two decimals (A is 1); null when either
    /// is missing or A's is zero, and for `?`.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub relative: Option<Decimal>,
}

/// One model's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ModelEvaluation {
    /// The model id.
    pub model: String,
    /// ROC AUC of the score against the outcome, lower scores riskier,
    /// ties counting half; four decimals. Null when the scored
    /// organisations are all breached or all not.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub auc: Option<Decimal>,
    /// Its 95 % bootstrap percentile interval `[low, high]`.
    #[serde(serialize_with = "serialize_pair")]
    pub auc_ci: Option<[Decimal; 2]>,
    /// Brier score of a logistic fit of the outcome on the score, four
    /// decimals.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub brier: Option<Decimal>,
    /// The calibration table: A, B, C, D, F, and `?` when any
    /// organisation is not scored.
    pub by_grade: Vec<GradeRow>,
}

fn serialize_pair<S: serde::Serializer>(v: &Option<[Decimal; 2]>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some([lo, hi]) => [
            posture_core::decimal::to_text(lo),
            posture_core::decimal::to_text(hi),
        ]
        .serialize(s),
        None => s.serialize_none(),
    }
}

impl ModelEvaluation {
    /// Grade F's relative likelihood against A (the published 13.8x is of
    /// this kind).
    pub fn f_to_a(&self) -> Option<Decimal> {
        self.by_grade
            .iter()
            .find(|r| r.grade == Grade::F)
            .and_then(|r| r.relative)
    }
}

/// Spearman's rank correlation between two models' scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RankCorrelation {
    /// One model.
    pub a: String,
    /// The other.
    pub b: String,
    /// Rho over the organisations both score, four decimals.
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub rho: Option<Decimal>,
}

/// What `posture eval --format json` prints: decimals as strings, counts
/// as integers, null where a figure is undefined.
///
/// ```
/// use posture_research::{BootstrapOptions, evaluate, registry};
/// use posture_research::corpus::parse_corpus;
/// // Two organisations: the breached one scores lower.
/// let text = concat!(
///     r#"{"organization": "a", "as_of": "2026-01-01T00:00:00Z", "assets": ["a.example"], "findings": [{"issue": "service_rdp", "asset": "a.example", "first_seen": "2025-12-01T00:00:00Z", "last_seen": "2025-12-30T00:00:00Z", "status": "open"}], "outcome": {"breached": true, "at": null}}"#, "\n",
///     r#"{"organization": "b", "as_of": "2026-01-01T00:00:00Z", "assets": ["b.example"], "findings": [], "assessed_factors": ["dns_health"], "outcome": {"breached": false}}"#, "\n");
/// let corpus = parse_corpus(text, &posture_core::Catalog::builtin())?;
/// let model = registry().build("posture-v1", &serde_json::Value::Null)?;
/// let run = evaluate(&corpus, &[model], BootstrapOptions::new(10, 1));
/// let json = serde_json::to_value(&run.evaluation)?;
/// assert_eq!(json["corpus"], serde_json::json!({"organizations": 2, "breached": 1}));
/// assert_eq!(json["models"][0]["auc"], "1.0000");
/// assert_eq!(json["models"][0]["by_grade"][0]["grade"], "A");
/// // One model: no pair to correlate.
/// assert_eq!(json["spearman"], serde_json::json!([]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Evaluation {
    /// The corpus's size.
    pub corpus: CorpusCounts,
    /// Each model, in the order asked for.
    pub models: Vec<ModelEvaluation>,
    /// Every pair of models, in that order.
    pub spearman: Vec<RankCorrelation>,
    /// The bootstrap behind `auc_ci`.
    pub bootstrap: BootstrapOptions,
    /// The catalog the corpus was validated against.
    pub catalog: CatalogRef,
}

/// One line of `--scores-out`: what a model made of an organisation.
///
/// ```
/// use posture_research::ScoreLine;
/// let line: ScoreLine = serde_json::from_str(
///     r#"{"organization": "a", "model": "bitsight-like", "score": "713", "grade": "C"}"#)?;
/// assert_eq!(line.score.unwrap().to_string(), "713");
/// // Not scored: null, with grade `?`.
/// let none: ScoreLine = serde_json::from_str(
///     r#"{"organization": "z", "model": "posture-v1", "score": null, "grade": "?"}"#)?;
/// assert_eq!(serde_json::to_string(&none)?,
///     r#"{"organization":"z","model":"posture-v1","score":null,"grade":"?"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ScoreLine {
    /// The organisation.
    pub organization: String,
    /// The model id.
    pub model: String,
    /// The score on the model's own scale, as the metrics use it; null
    /// with grade `?` when the model could not score (insufficient data).
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub score: Option<Decimal>,
    /// The model's letter.
    pub grade: Grade,
}

/// One model's scores, in the corpus's canonical order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ModelScores {
    /// The model id.
    pub model: String,
    /// Score and letter per organisation.
    pub scores: Vec<(Option<Decimal>, Grade)>,
    /// The ROC curve (see [`Ranked::roc`]).
    pub roc: Option<Vec<(f64, f64)>>,
}

/// An evaluation with the scores behind it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EvalRun {
    /// The figures.
    pub evaluation: Evaluation,
    /// Each model's scores, as `evaluation.models`.
    pub scores: Vec<ModelScores>,
    /// Organisation names, in the canonical order of `scores`.
    pub organizations: Vec<String>,
}

impl EvalRun {
    /// The `--scores-out` lines: for each organisation (by name), each
    /// model in order.
    pub fn score_lines(&self) -> impl Iterator<Item = ScoreLine> + '_ {
        self.organizations
            .iter()
            .enumerate()
            .flat_map(move |(i, org)| {
                self.scores.iter().map(move |m| ScoreLine {
                    organization: org.clone(),
                    model: m.model.clone(),
                    score: m.scores[i].0,
                    grade: m.scores[i].1,
                })
            })
    }
}

/// Scores the corpus with every model (in parallel on the current rayon
/// pool) and computes the figures. The result depends on nothing but the
/// corpus (whatever the order of its lines), the models and the options:
/// not on the number of threads.
///
/// ```
/// use posture_research::{evaluate, registry, BootstrapOptions};
/// use posture_research::corpus::{CorpusConfig, generate, parse_corpus};
/// let catalog = posture_core::Catalog::builtin();
/// let text = generate(&CorpusConfig::default(), &catalog, 1, 300, 0..300).unwrap().concat();
/// let corpus = parse_corpus(&text, &catalog).unwrap();
/// let r = registry();
/// let models: Vec<_> = r.ids().iter().map(|id| r.build(id, &serde_json::Value::Null).unwrap()).collect();
/// let run = evaluate(&corpus, &models, BootstrapOptions::new(50, 1));
/// assert_eq!(run.evaluation.models.len(), 4);
/// assert_eq!(run.evaluation.spearman.len(), 6);
/// assert_eq!(run.score_lines().count(), 1200);
/// ```
pub fn evaluate(
    corpus: &Corpus,
    models: &[Box<dyn ScoringModel>],
    bootstrap: BootstrapOptions,
) -> EvalRun {
    let labels: Vec<bool> = corpus.entries().iter().map(|e| e.breached).collect();
    let scores: Vec<Vec<(Option<Decimal>, Grade)>> = models
        .iter()
        .map(|m| {
            corpus
                .entries()
                .par_iter()
                .map(|e| {
                    let card = m.score(&e.assessment);
                    match card.score {
                        Some(s) => (Some(s), card.grade),
                        None => (None, Grade::Insufficient),
                    }
                })
                .collect()
        })
        .collect();
    let just_scores: Vec<Vec<Option<Decimal>>> = scores
        .iter()
        .map(|s| s.iter().map(|(x, _)| *x).collect())
        .collect();
    let ranked: Vec<Ranked> = just_scores.iter().map(|s| Ranked::new(s)).collect();
    let intervals = bootstrap_auc(&ranked, &labels, bootstrap.resamples, bootstrap.seed);

    let mut evaluations = Vec::with_capacity(models.len());
    for (i, m) in models.iter().enumerate() {
        let grades: Vec<Grade> = scores[i].iter().map(|(_, g)| *g).collect();
        let rows = by_grade(&grades, &labels);
        let a = rows[0];
        let by_grade: Vec<GradeRow> = rows.iter().map(|r| grade_row(r, &a)).collect();
        let (x, y): (Vec<f64>, Vec<bool>) = just_scores[i]
            .iter()
            .zip(&labels)
            .filter_map(|(s, b)| Some((s.as_ref()?.to_string().parse::<f64>().ok()?, *b)))
            .unzip();
        evaluations.push(ModelEvaluation {
            model: m.id().to_owned(),
            auc: ranked[i].auc(&labels, None).map(|r| r.round(4)),
            auc_ci: intervals[i].map(|(lo, hi)| [lo.round(4), hi.round(4)]),
            brier: logistic_brier(&x, &y).and_then(|b| crate::metrics::round_f64(b, 4)),
            by_grade,
        });
    }
    let model_scores: Vec<ModelScores> = models
        .iter()
        .zip(scores)
        .zip(&ranked)
        .map(|((m, scores), r)| ModelScores {
            model: m.id().to_owned(),
            scores,
            roc: r.roc(&labels),
        })
        .collect();
    let mut pairs = Vec::new();
    for i in 0..models.len() {
        for j in i + 1..models.len() {
            pairs.push(RankCorrelation {
                a: models[i].id().to_owned(),
                b: models[j].id().to_owned(),
                rho: spearman(&just_scores[i], &just_scores[j])
                    .and_then(|r| crate::metrics::round_f64(r, 4)),
            });
        }
    }
    EvalRun {
        evaluation: Evaluation {
            corpus: CorpusCounts {
                organizations: corpus.len() as u64,
                breached: corpus.breached() as u64,
            },
            models: evaluations,
            spearman: pairs,
            bootstrap,
            catalog: corpus.catalog().reference(),
        },
        scores: model_scores,
        organizations: corpus
            .entries()
            .iter()
            .map(|e| e.assessment.organization().to_owned())
            .collect(),
    }
}

fn grade_row(r: &GradeCount, a: &GradeCount) -> GradeRow {
    GradeRow {
        grade: r.grade,
        organizations: r.organizations,
        breached: r.breached,
        rate: r.rate().map(|x| x.round(4)),
        relative: if r.grade == Grade::Insufficient {
            None
        } else {
            r.relative_to(a).map(|x: Ratio| x.round(2))
        },
    }
}
