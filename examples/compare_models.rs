//! Research task: put a model of your own beside the built-in ones and
//! compare them on the same organisations and the same outcomes.
//!
//! ```sh
//! cargo run -p posture-examples --example compare_models -- [ORGS] [SEED]
//! ```
//!
//! Draws a synthetic breach corpus (what `posture corpus generate` writes),
//! registers `worst-factor` (an organisation is as good as its weakest
//! factor) on the model registry beside `posture-v1` and the comparison
//! baselines, evaluates them all, and prints each model's AUC with its
//! bootstrap interval and its F-to-A breach ratio. The same arguments
//! print the same figures on any machine.

use posture::{Assessment, Grade, PostureV1, Scale, Scorecard, ScoringModel};
use posture_research::corpus::{CorpusConfig, generate, parse_corpus};
use posture_research::{BootstrapOptions, evaluate, registry};
use std::process::ExitCode;

/// A host's own model: posture-v1's factors, but the overall score is the
/// weakest factor's.
struct WorstFactor(PostureV1);

impl ScoringModel for WorstFactor {
    fn id(&self) -> &str {
        "worst-factor"
    }

    fn score_fixing(&self, a: &Assessment, fixed: &[posture::core::IssueIdx]) -> Scorecard {
        let mut card = self.0.score_fixing(a, fixed);
        card.model = "worst-factor".into();
        // It claims no breach likelihood: `posture eval` measures one.
        card.breach_likelihood = None;
        if card.fraction.is_some() {
            let worst = card
                .factors
                .iter()
                .map(|f| f.fraction)
                .min()
                .unwrap_or(posture::Decimal::ONE);
            let score = Scale::Hundred.present(worst).0;
            card.fraction = Some(worst);
            card.score = Some(score);
            card.grade = Grade::from_score(score);
        }
        card
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (orgs, seed) = match (
        args.next().map(|a| a.parse()),
        args.next().map(|a| a.parse()),
    ) {
        (None, _) => (5_000, 7),
        (Some(Ok(o)), None) => (o, 7),
        (Some(Ok(o)), Some(Ok(s))) => (o, s),
        _ => {
            eprintln!("usage: compare_models [ORGS] [SEED]");
            return ExitCode::from(2);
        }
    };
    match run(orgs, seed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn run(orgs: u64, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    // 1. A corpus: here synthetic; a host could read its own instead
    //    (one findings document and its outcome per line).
    let catalog = posture::Catalog::builtin();
    let text = generate(&CorpusConfig::default(), &catalog, seed, orgs, 0..orgs)?.concat();
    let corpus = parse_corpus(&text, &catalog)?;

    // 2. The models: the built-in ones, and ours, registered by id with a
    //    factory that reads its parameters (posture-v1's, here).
    let mut models = registry();
    models.register("worst-factor", "the weakest posture-v1 factor", |params| {
        let config: posture::ScoreConfig = posture::score::parameters(params)?;
        Ok(Box::new(WorstFactor(PostureV1::new(config)?)))
    })?;
    let chosen: Vec<Box<dyn ScoringModel>> = ["posture-v1", "worst-factor", "bitsight-like"]
        .iter()
        .map(|id| models.build(id, &serde_json::Value::Null))
        .collect::<Result<_, _>>()?;

    // 3. Side by side.
    let run = evaluate(&corpus, &chosen, BootstrapOptions::new(200, 19));
    let e = &run.evaluation;
    println!(
        "{} organisations, {} breached",
        e.corpus.organizations, e.corpus.breached
    );
    for m in &e.models {
        let show = |d: Option<posture::Decimal>| d.map_or("-".to_owned(), |d| d.to_string());
        let ci = m
            .auc_ci
            .map_or("-".to_owned(), |[lo, hi]| format!("{lo}-{hi}"));
        println!(
            "{:<14} AUC {} ({ci})  F to A {}x",
            m.model,
            show(m.auc),
            show(m.f_to_a())
        );
    }
    for r in &e.spearman {
        println!(
            "rho {} / {}: {}",
            r.a,
            r.b,
            r.rho.map_or("-".to_owned(), |x| x.to_string())
        );
    }
    Ok(())
}
