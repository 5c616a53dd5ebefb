//! The harness end to end: a 10,000-organisation corpus, determinism
//! across thread counts and line orders, the same bytes on every platform
//! (pinned digests), and every figure recomputed from the score lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::{Catalog, Grade};
use posture_research::corpus::{Corpus, CorpusConfig, generate, parse_corpus};
use posture_research::{BootstrapOptions, EvalRun, evaluate, registry};
use posture_score::ScoringModel;
use rust_decimal::Decimal;
use std::time::Instant;

fn models() -> Vec<Box<dyn ScoringModel>> {
    let r = registry();
    r.ids()
        .iter()
        .map(|id| r.build(id, &serde_json::Value::Null).unwrap())
        .collect()
}

fn lines(orgs: u64, seed: u64) -> Vec<String> {
    generate(
        &CorpusConfig::default(),
        &Catalog::builtin(),
        seed,
        orgs,
        0..orgs,
    )
    .unwrap()
}

fn corpus(text: &str) -> Corpus {
    parse_corpus(text, &Catalog::builtin()).unwrap()
}

fn json(run: &EvalRun) -> String {
    serde_json::to_string(&run.evaluation).unwrap()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// FNV-1a, 64 bits: a digest with no dependency, to pin bytes.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn ten_thousand_organisations_in_seconds() {
    let t = Instant::now();
    let text = lines(10_000, 1).concat();
    let generated = t.elapsed();
    let c = corpus(&text);
    let parsed = t.elapsed();
    let run = evaluate(&c, &models(), BootstrapOptions::default());
    let total = t.elapsed();
    eprintln!(
        "10,000 organisations: generated in {:.2} s, parsed by {:.2} s, evaluated (4 models, 1000 resamples) by {:.2} s",
        generated.as_secs_f64(),
        parsed.as_secs_f64(),
        total.as_secs_f64()
    );
    let e = &run.evaluation;
    assert_eq!(e.corpus.organizations, 10_000);
    assert!(
        (300..800).contains(&e.corpus.breached),
        "{}",
        e.corpus.breached
    );
    assert_eq!(e.models.len(), 4);
    assert_eq!(e.spearman.len(), 6);
    let half = Decimal::new(5, 1);
    for m in &e.models {
        let auc = m.auc.unwrap();
        let [lo, hi] = m.auc_ci.unwrap();
        assert!(
            half < lo && lo <= auc && auc <= hi,
            "{}: {lo} {auc} {hi}",
            m.model
        );
        assert!(m.brier.unwrap() < Decimal::new(1, 1), "{}", m.model);
        // Worse grades are breached more often than A, under every model.
        assert!(m.f_to_a().unwrap() > Decimal::from(3), "{}", m.model);
        let counted: u64 = m.by_grade.iter().map(|r| r.organizations).sum();
        assert_eq!(counted, 10_000, "{}", m.model);
    }
    // posture-v1 on the default corpus: near the calibration (13.8x over
    // 500,000 organisations), within this corpus's sampling error.
    let v1 = &e.models[0];
    assert_eq!(v1.model, "posture-v1");
    let fa = v1.f_to_a().unwrap();
    assert!(
        Decimal::from(9) < fa && fa < Decimal::from(21),
        "posture-v1 F/A {fa}"
    );
    assert_eq!(run.score_lines().count(), 40_000);
}

#[test]
fn threads_change_nothing() {
    let text = lines(2_000, 5);
    let one = in_pool(1, || {
        let g = lines(2_000, 5);
        let run = evaluate(&corpus(&g.concat()), &models(), BootstrapOptions::default());
        (g, json(&run), run.score_lines().collect::<Vec<_>>())
    });
    let two = in_pool(2, || {
        let run = evaluate(
            &corpus(&text.concat()),
            &models(),
            BootstrapOptions::default(),
        );
        (json(&run), run.score_lines().collect::<Vec<_>>())
    });
    assert_eq!(one.0, text, "the corpus differs with one thread");
    assert_eq!(one.1, two.0, "the evaluation differs with one thread");
    assert_eq!(one.2, two.1, "the scores differ with one thread");
}

#[test]
fn the_order_of_the_lines_changes_nothing() {
    let l = lines(1_500, 9);
    let forward = evaluate(&corpus(&l.concat()), &models(), BootstrapOptions::default());
    let mut shuffled = l.clone();
    shuffled.reverse();
    shuffled.rotate_left(377);
    let backward = evaluate(
        &corpus(&shuffled.concat()),
        &models(),
        BootstrapOptions::default(),
    );
    assert_eq!(json(&forward), json(&backward));
    assert!(forward.score_lines().eq(backward.score_lines()));
}

/// A small catalog of its own, so that the pins below move only when the
/// generator or the figures do, not when the built-in catalog grows.
const PINNED_CATALOG: &str = r#"{"id": "pinned", "issues": [
  {"id": "service_rdp", "factor": "network_security", "severity": "critical", "decay_days": 30, "provisional": false},
  {"id": "tls_weak_protocol", "factor": "network_security", "severity": "medium", "decay_days": 30, "provisional": false},
  {"id": "spf_missing", "factor": "dns_health", "severity": "high", "decay_days": 30, "provisional": false},
  {"id": "caa_missing", "factor": "dns_health", "severity": "low", "decay_days": 30, "provisional": false},
  {"id": "dnssec_detected", "factor": "dns_health", "severity": "positive", "decay_days": 30, "provisional": false},
  {"id": "known_exploited_vulnerability", "factor": "patching_cadence", "severity": "critical", "decay_days": 60, "provisional": false},
  {"id": "patch_latency_slow", "factor": "patching_cadence", "severity": "low", "decay_days": 90, "provisional": true},
  {"id": "botnet_activity", "factor": "ip_reputation", "severity": "high", "decay_days": 30, "provisional": false},
  {"id": "csp_missing", "factor": "application_security", "severity": "medium", "decay_days": 30, "provisional": false},
  {"id": "server_version_disclosed", "factor": "application_security", "severity": "info", "decay_days": 30, "provisional": false},
  {"id": "leaked_credentials", "factor": "information_leak", "severity": "high", "decay_days": 365, "provisional": false},
  {"id": "chatter_mention", "factor": "hacker_chatter", "severity": "low", "decay_days": 90, "provisional": false}
]}"#;

#[test]
fn the_same_bytes_on_every_platform() {
    // Pinned: a change here is a change of every generated corpus or of
    // the figures; say so in CHANGELOG.md and docs/METHODOLOGY.md.
    let catalog = std::sync::Arc::new(Catalog::from_json(PINNED_CATALOG, "pinned").unwrap());
    let l = generate(&CorpusConfig::default(), &catalog, 1, 400, 0..400)
        .unwrap()
        .concat();
    assert_eq!(fnv(l.as_bytes()), 0xe3e0_76c8_ddc0_17df, "corpus digest");
    let run = evaluate(
        &parse_corpus(&l, &catalog).unwrap(),
        &models(),
        BootstrapOptions::new(200, 19),
    );
    assert_eq!(
        fnv(json(&run).as_bytes()),
        0x4bd9_e5b4_1399_4cc5,
        "evaluation digest: {}",
        json(&run)
    );
}

#[test]
fn every_figure_can_be_recomputed_from_the_score_lines() {
    let c = corpus(&lines(1_200, 3).concat());
    let breached: std::collections::HashMap<String, bool> = c
        .entries()
        .iter()
        .map(|e| (e.assessment.organization().to_owned(), e.breached))
        .collect();
    let run = evaluate(&c, &models(), BootstrapOptions::default());
    // As a reader of --scores-out would: one JSON line per (organisation,
    // model), the score as text.
    let text: String = run
        .score_lines()
        .map(|l| serde_json::to_string(&l).unwrap() + "\n")
        .collect();
    for m in &run.evaluation.models {
        let mut rows: Vec<(Option<Decimal>, Grade, bool)> = Vec::new();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["model"] != m.model.as_str() {
                continue;
            }
            let score = v["score"].as_str().map(|s| s.parse::<Decimal>().unwrap());
            let grade: Grade = serde_json::from_value(v["grade"].clone()).unwrap();
            assert_eq!(score.is_none(), grade == Grade::Insufficient);
            rows.push((score, grade, breached[v["organization"].as_str().unwrap()]));
        }
        // AUC by counting pairs.
        let (mut twice, mut pairs) = (0u64, 0u64);
        for (sb, _, b) in &rows {
            for (sc, _, c) in &rows {
                if let (Some(sb), Some(sc), true, false) = (sb, sc, b, c) {
                    pairs += 1;
                    twice += match sb.cmp(sc) {
                        std::cmp::Ordering::Less => 2,
                        std::cmp::Ordering::Equal => 1,
                        std::cmp::Ordering::Greater => 0,
                    };
                }
            }
        }
        let auc = (Decimal::from(twice) / Decimal::from(2 * pairs))
            .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointNearestEven);
        assert_eq!(m.auc.unwrap(), auc, "{}", m.model);
        // The calibration table by counting grades.
        for r in &m.by_grade {
            let (n, b) = rows
                .iter()
                .filter(|x| x.1 == r.grade)
                .fold((0, 0), |(n, b), x| (n + 1, b + u64::from(x.2)));
            assert_eq!(
                (r.organizations, r.breached),
                (n, b),
                "{} {}",
                m.model,
                r.grade
            );
        }
    }
}
