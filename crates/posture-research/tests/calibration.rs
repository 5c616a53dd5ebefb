//! Reproduces the calibration of the corpus generator's outcome model
//! (docs/METHODOLOGY.md, "Calibration"). Ignored by default: run it with
//!
//! ```text
//! cargo test --release -p posture-research --test calibration -- --ignored --nocapture
//! ```
//!
//! Environment: `ORGS` (default 100000), `SEEDS` (comma separated, default
//! 1), `CONFIG` (a corpus configuration file; default the defaults),
//! `INTERCEPT` and `SLOPE` (the outcome's logistic parameters, over the
//! configuration's), `RESAMPLES` (default 200).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_research::corpus::{CorpusConfig, generate, parse_corpus};
use posture_research::{BootstrapOptions, evaluate, registry};

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
#[ignore = "minutes in debug builds; run with --release when changing the generator"]
fn f_to_a_under_posture_v1() {
    let orgs: u64 = env("ORGS").unwrap_or(100_000);
    let seeds: Vec<u64> = std::env::var("SEEDS")
        .unwrap_or_else(|_| "1".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let mut config = match std::env::var("CONFIG") {
        Ok(path) => CorpusConfig::from_json(&std::fs::read_to_string(path).unwrap()).unwrap(),
        Err(_) => CorpusConfig::default(),
    };
    if let Some(i) = env("INTERCEPT") {
        config.outcome.intercept = i;
    }
    if let Some(s) = env("SLOPE") {
        config.outcome.slope = s;
    }
    let catalog = posture_core::Catalog::builtin();
    let r = registry();
    let models: Vec<_> = r
        .ids()
        .iter()
        .map(|id| r.build(id, &serde_json::Value::Null).unwrap())
        .collect();
    for seed in seeds {
        let t = std::time::Instant::now();
        let text = generate(&config, &catalog, seed, orgs, 0..orgs)
            .unwrap()
            .concat();
        let corpus = parse_corpus(&text, &catalog).unwrap();
        let run = evaluate(
            &corpus,
            &models,
            BootstrapOptions::new(env("RESAMPLES").unwrap_or(200), 19),
        );
        let e = &run.evaluation;
        println!(
            "seed {seed}: {} organisations, {} breached ({:.2}%), {:.1} s, {} bytes",
            e.corpus.organizations,
            e.corpus.breached,
            100.0 * e.corpus.breached as f64 / e.corpus.organizations as f64,
            t.elapsed().as_secs_f64(),
            text.len()
        );
        for m in &e.models {
            let grades: Vec<String> = m
                .by_grade
                .iter()
                .map(|g| {
                    format!(
                        "{} {:>6} {:>5} {}",
                        g.grade,
                        g.organizations,
                        g.rate.map_or("-".into(), |r| r.to_string()),
                        g.relative.map_or("-".into(), |r| r.to_string())
                    )
                })
                .collect();
            println!(
                "  {:<21} auc {} {:?} brier {}  F/A {}",
                m.model,
                m.auc.map_or("-".into(), |x| x.to_string()),
                m.auc_ci.map(|[a, b]| format!("{a}-{b}")),
                m.brier.map_or("-".into(), |x| x.to_string()),
                m.f_to_a().map_or("-".into(), |x| x.to_string()),
            );
            println!("      {}", grades.join(" | "));
        }
        for m in &run.scores {
            let mut v: Vec<_> = m.scores.iter().filter_map(|(s, _)| *s).collect();
            v.sort();
            if !v.is_empty() {
                println!(
                    "  {:<21} quartiles {} {} {}",
                    m.model,
                    v[v.len() / 4],
                    v[v.len() / 2],
                    v[3 * v.len() / 4]
                );
            }
        }
        for s in &e.spearman {
            println!(
                "  rho {} / {}: {:?}",
                s.a,
                s.b,
                s.rho.map(|r| r.to_string())
            );
        }
    }
}
