//! The research harness through the binary: `posture corpus generate`,
//! `posture corpus` and `posture eval`. The same seed gives the same
//! bytes, the same corpus the same figures with one thread or two, every
//! figure can be recomputed from `--scores-out` and the corpus alone, and
//! bad input fails with exit 2 naming the file, document, line and field
//! (nothing on standard output, no file written).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{posture, stderr, stdout};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn run_ok(args: &[&str]) -> String {
    let o = posture(args, None);
    assert!(o.status.success(), "posture {args:?}: {}", stderr(&o));
    stdout(&o)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A corpus of `orgs` organisations from `seed`, written by the binary.
fn generated(dir: &Path, orgs: u64, seed: u64) -> PathBuf {
    let path = dir.join(format!("corpus-{orgs}-{seed}.ndjson"));
    let out = run_ok(&[
        "corpus",
        "generate",
        "--orgs",
        &orgs.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        s(&path),
    ]);
    assert!(out.is_empty(), "{out}");
    path
}

#[test]
fn the_same_seed_writes_the_same_bytes_with_any_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let path = dir.path().join(format!("t{threads}.ndjson"));
        run_ok(&[
            "corpus",
            "generate",
            "--orgs",
            "9000",
            "--seed",
            "4",
            "--threads",
            threads,
            "-o",
            s(&path),
        ]);
        files.push(std::fs::read(&path).unwrap());
    }
    assert_eq!(files[0], files[1], "one thread and two differ");
    // Standard output holds the same bytes (9000 organisations cross the
    // 8192 written per step).
    let o = posture(
        &["corpus", "generate", "--orgs", "9000", "--seed", "4"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, files[0]);
    assert_eq!(o.stdout.iter().filter(|b| **b == b'\n').count(), 9000);
    let other = posture(
        &["corpus", "generate", "--orgs", "9000", "--seed", "5"],
        None,
    );
    assert_ne!(other.stdout, files[0], "another seed, the same corpus");
}

#[test]
fn eval_gives_the_same_bytes_with_one_thread_or_two() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generated(dir.path(), 3000, 8);
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let scores = dir.path().join(format!("scores-{threads}.ndjson"));
        let report = dir.path().join(format!("report-{threads}.html"));
        let json = run_ok(&[
            "eval",
            s(&corpus),
            "--threads",
            threads,
            "-f",
            "json",
            "--scores-out",
            s(&scores),
            "--report",
            s(&report),
        ]);
        outputs.push((
            json,
            std::fs::read(&scores).unwrap(),
            std::fs::read(&report).unwrap(),
        ));
    }
    assert_eq!(outputs[0].0, outputs[1].0, "the evaluation differs");
    assert_eq!(outputs[0].1, outputs[1].1, "the scores differ");
    assert_eq!(outputs[0].2, outputs[1].2, "the report differs");
    // One compact JSON line.
    assert_eq!(outputs[0].0.lines().count(), 1);
}

/// Mid-ranks from 1 (ties share the mean of their ranks).
fn midranks(v: &[Decimal]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|a, b| v[*a].cmp(&v[*b]));
    let mut ranks = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        for k in i..=j {
            ranks[order[k]] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    ranks
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// The Brier score of a logistic regression of `y` on `x`, fitted by
/// Newton's method (written apart from the harness's, with `std`'s exp).
fn brier(x: &[f64], y: &[bool]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let t: Vec<f64> = x.iter().map(|v| (v - mean) / sd).collect();
    let p = |a: f64, b: f64, t: f64| 1.0 / (1.0 + (-(a + b * t)).exp());
    let (mut a, mut b) = (0.0, 0.0);
    for _ in 0..200 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (ti, yi) in t.iter().zip(y) {
            let pi = p(a, b, *ti);
            let r = if *yi { 1.0 } else { 0.0 } - pi;
            let w = pi * (1.0 - pi);
            g0 += r;
            g1 += r * ti;
            h00 += w;
            h01 += w * ti;
            h11 += w * ti * ti;
        }
        let det = h00 * h11 - h01 * h01;
        a += (h11 * g0 - h01 * g1) / det;
        b += (h00 * g1 - h01 * g0) / det;
    }
    t.iter()
        .zip(y)
        .map(|(ti, yi)| (p(a, b, *ti) - if *yi { 1.0 } else { 0.0 }).powi(2))
        .sum::<f64>()
        / n
}

fn close(got: &Value, want: f64, what: &str) {
    let got: f64 = got.as_str().unwrap().parse().unwrap();
    assert!(
        (got - want).abs() <= 0.000_051,
        "{what}: reported {got}, recomputed {want}"
    );
}

#[test]
fn every_figure_is_recomputed_from_scores_out_and_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generated(dir.path(), 2500, 2);
    let scores = dir.path().join("scores.ndjson");
    let e: Value = serde_json::from_str(&run_ok(&[
        "eval",
        "--corpus",
        s(&corpus),
        "--scores-out",
        s(&scores),
        "-f",
        "json",
    ]))
    .unwrap();

    // Outcomes from the corpus, scores from --scores-out: nothing else.
    let mut breached: HashMap<String, bool> = HashMap::new();
    for line in std::fs::read_to_string(&corpus).unwrap().lines() {
        let r: Value = serde_json::from_str(line).unwrap();
        breached.insert(
            r["organization"].as_str().unwrap().to_owned(),
            r["outcome"]["breached"].as_bool().unwrap(),
        );
    }
    let mut by_model: HashMap<String, Vec<(String, Option<Decimal>, String)>> = HashMap::new();
    let text = std::fs::read_to_string(&scores).unwrap();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["grade", "model", "organization", "score"], "{line}");
        let score = v["score"].as_str().map(|x| x.parse::<Decimal>().unwrap());
        let grade = v["grade"].as_str().unwrap().to_owned();
        assert_eq!(score.is_none(), grade == "?", "{line}");
        by_model
            .entry(v["model"].as_str().unwrap().to_owned())
            .or_default()
            .push((v["organization"].as_str().unwrap().to_owned(), score, grade));
    }
    assert_eq!(text.lines().count(), 4 * 2500);
    assert_eq!(e["corpus"]["organizations"], 2500);
    let total_breached = breached.values().filter(|b| **b).count();
    assert_eq!(e["corpus"]["breached"], total_breached);

    let models = e["models"].as_array().unwrap();
    let ids: Vec<&str> = models
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "posture-v1",
            "observatory-additive",
            "scorecard-weighted",
            "bitsight-like"
        ]
    );
    for m in models {
        let id = m["model"].as_str().unwrap();
        let rows = &by_model[id];
        assert_eq!(rows.len(), 2500, "{id}");
        let scored: Vec<(Decimal, bool)> = rows
            .iter()
            .filter_map(|(org, s, _)| Some((s.as_ref().copied()?, breached[org])))
            .collect();
        // AUC: breached below clean, ties as halves, over every pair.
        let (bad, good): (Vec<&(Decimal, bool)>, Vec<_>) = scored.iter().partition(|x| x.1);
        let mut twice = 0u64;
        for b in &bad {
            for g in &good {
                twice += match b.0.cmp(&g.0) {
                    std::cmp::Ordering::Less => 2,
                    std::cmp::Ordering::Equal => 1,
                    std::cmp::Ordering::Greater => 0,
                };
            }
        }
        let auc = twice as f64 / (2 * bad.len() * good.len()) as f64;
        close(&m["auc"], auc, &format!("{id} auc"));
        let [lo, hi] = [&m["auc_ci"][0], &m["auc_ci"][1]].map(|v| v.as_str().unwrap());
        let reported = m["auc"].as_str().unwrap();
        assert!(
            lo <= reported && reported <= hi,
            "{id}: {lo} {reported} {hi}"
        );
        // Brier of a logistic fit.
        let x: Vec<f64> = scored
            .iter()
            .map(|s| s.0.to_string().parse().unwrap())
            .collect();
        let y: Vec<bool> = scored.iter().map(|s| s.1).collect();
        close(&m["brier"], brier(&x, &y), &format!("{id} brier"));
        // The calibration table.
        let count = |g: &str| {
            rows.iter()
                .filter(|r| r.2 == g)
                .fold((0u64, 0u64), |(n, b), r| {
                    (n + 1, b + u64::from(breached[&r.0]))
                })
        };
        let (na, ba) = count("A");
        for row in m["by_grade"].as_array().unwrap() {
            let g = row["grade"].as_str().unwrap();
            let (n, b) = count(g);
            assert_eq!(
                (row["organizations"].as_u64(), row["breached"].as_u64()),
                (Some(n), Some(b)),
                "{id} {g}"
            );
            if n > 0 {
                close(&row["rate"], b as f64 / n as f64, &format!("{id} {g} rate"));
            }
            if g != "?" && n > 0 && ba > 0 {
                let relative: f64 = row["relative"].as_str().unwrap().parse().unwrap();
                let want = (b as f64 / n as f64) / (ba as f64 / na as f64);
                assert!(
                    (relative - want).abs() <= 0.0051,
                    "{id} {g}: {relative} vs {want}"
                );
            }
        }
    }
    // Spearman between every pair, over the organisations both score.
    for pair in e["spearman"].as_array().unwrap() {
        let (a, b) = (pair["a"].as_str().unwrap(), pair["b"].as_str().unwrap());
        let sb: HashMap<&str, Decimal> = by_model[b]
            .iter()
            .filter_map(|(o, s, _)| Some((o.as_str(), (*s)?)))
            .collect();
        let (xa, xb): (Vec<Decimal>, Vec<Decimal>) = by_model[a]
            .iter()
            .filter_map(|(o, s, _)| Some(((*s)?, *sb.get(o.as_str())?)))
            .unzip();
        let rho = pearson(&midranks(&xa), &midranks(&xb));
        close(&pair["rho"], rho, &format!("rho {a} {b}"));
    }
    assert_eq!(e["spearman"].as_array().unwrap().len(), 6);
}

#[test]
fn the_table_compares_the_models() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generated(dir.path(), 1500, 3);
    let table = run_ok(&["eval", s(&corpus), "--resamples", "100", "-f", "table"]);
    for needle in [
        "1500 organisations",
        "posture-v1",
        "observatory-additive",
        "scorecard-weighted",
        "bitsight-like",
        "95% interval",
        "F to A",
        "Spearman",
        "100 bootstrap resamples, seed 19",
    ] {
        assert!(table.contains(needle), "{needle}: {table}");
    }
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    // `posture corpus` summarises what it reads, from a file or stdin.
    let summary: Value =
        serde_json::from_str(&run_ok(&["corpus", s(&corpus), "-f", "json"])).unwrap();
    assert_eq!(summary["organizations"], 1500);
    let text = std::fs::read_to_string(&corpus).unwrap();
    let o = posture(&["corpus", "-", "-f", "table"], Some(&text));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("corpus: 1500 organisations, "),
        "{}",
        stdout(&o)
    );
}

#[test]
fn models_and_their_parameters_are_chosen_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generated(dir.path(), 800, 6);
    let e: Value = serde_json::from_str(&run_ok(&[
        "eval",
        s(&corpus),
        "--models",
        "bitsight-like, posture-v1",
        "--resamples",
        "20",
        "-f",
        "json",
    ]))
    .unwrap();
    let ids: Vec<&str> = e["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bitsight-like", "posture-v1"]);
    assert_eq!(e["spearman"].as_array().unwrap().len(), 1);
    assert_eq!(e["bootstrap"]["resamples"], 20);

    // An Observatory without penalties scores everyone 100: no ranking.
    let config = dir.path().join("models.json");
    std::fs::write(
        &config,
        r#"{"models": {"observatory-additive": {"penalties": {"critical": "0", "high": "0", "medium": "0", "low": "0"}}},
            "score": {"severity_weights": {"critical": "0", "high": "0", "medium": "0", "low": "0", "info": "0", "positive": "0"}, "breach_penalty": "0"}}"#,
    )
    .unwrap();
    let e: Value = serde_json::from_str(&run_ok(&[
        "eval",
        s(&corpus),
        "--models",
        "observatory-additive,posture-v1",
        "--model-config",
        s(&config),
        "--resamples",
        "20",
        "-f",
        "json",
    ]))
    .unwrap();
    for m in e["models"].as_array().unwrap() {
        assert_eq!(m["auc"], "0.5000", "{m}");
    }
    assert!(e["spearman"][0]["rho"].is_null(), "{e}");
}

/// Runs a failing command: exit 2, one `posture: error:` line holding
/// every needle, nothing on stdout.
fn fails(args: &[&str], stdin: Option<&str>, needles: &[&str]) {
    let o = posture(args, stdin);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    assert!(o.stdout.is_empty(), "{args:?} printed {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.starts_with("posture: error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n} not in {err}");
    }
}

#[test]
fn bad_input_names_the_file_document_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generated(dir.path(), 40, 1);
    let text = std::fs::read_to_string(&corpus).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[6] = lines[6].replacen(r#""breached":"#, r#""breached":"maybe","was":"#, 1);
    let bad = dir.path().join("bad.ndjson");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let scores = dir.path().join("scores.ndjson");
    let report = dir.path().join("report.html");
    fails(
        &[
            "eval",
            s(&bad),
            "--scores-out",
            s(&scores),
            "--report",
            s(&report),
        ],
        None,
        &["bad.ndjson: document 7 (line 7): outcome.breached:"],
    );
    assert!(!scores.exists() && !report.exists(), "a file was written");
    fails(
        &["corpus", "-"],
        Some(&lines.join("\n")),
        &["<stdin>: document 7 (line 7): outcome.breached"],
    );
    // A finding outside the footprint, a name used twice.
    let outside = text.replacen(r#""asset":"org-000"#, r#""asset":"elsewhere-000"#, 1);
    assert_ne!(outside, text);
    fails(
        &["eval", "-"],
        Some(&outside),
        &["<stdin>: document ", ".asset"],
    );
    let twice = format!("{text}{}\n", text.lines().next().unwrap());
    fails(
        &["eval", "-"],
        Some(&twice),
        &["document 41 (line 41): organization:", "document 1"],
    );
    fails(&["eval", "-"], Some(""), &["no document"]);

    // Usage errors.
    fails(
        &["eval", s(&corpus), "--models", "posture-v2"],
        None,
        &["--models", "posture-v2", "known: posture-v1"],
    );
    fails(
        &["eval", s(&corpus), "--models", "posture-v1,posture-v1"],
        None,
        &["twice"],
    );
    fails(
        &["eval", s(&corpus), "--threads", "0"],
        None,
        &["--threads"],
    );
    fails(&["corpus", "generate", "--orgs", "0"], None, &["--orgs"]);

    // Configuration files, located within themselves.
    let config = dir.path().join("model-config.json");
    std::fs::write(
        &config,
        r#"{"models": {"bitsight-like": {"half_life_days": "-3"}}}"#,
    )
    .unwrap();
    fails(
        &["eval", s(&corpus), "--model-config", s(&config)],
        None,
        &["model-config.json: models.bitsight-like.half_life_days:"],
    );
    std::fs::write(&config, r#"{"models": {"bitsight-lite": {}}}"#).unwrap();
    fails(
        &["eval", s(&corpus), "--model-config", s(&config)],
        None,
        &["models.bitsight-lite: unknown model"],
    );
    let generator = dir.path().join("gen.json");
    std::fs::write(&generator, r#"{"footprint": {"block_share": "1.5"}}"#).unwrap();
    fails(
        &[
            "corpus",
            "generate",
            "--orgs",
            "5",
            "--config",
            s(&generator),
        ],
        None,
        &["gen.json: footprint.block_share:"],
    );
}

#[test]
fn a_corpus_a_user_brings_is_evaluated_the_same_way() {
    // Four organisations written by hand, as a JSON array, with a breach
    // date and an organisation nothing is known about.
    let doc = |org: &str, findings: &str, outcome: &str| {
        format!(
            r#"{{"organization": "{org}", "as_of": "2026-03-01T00:00:00Z", "assets": ["{org}.example"], "findings": [{findings}], "outcome": {outcome}}}"#
        )
    };
    let rdp = r#"{"issue": "service_rdp", "asset": "ORG.example", "first_seen": "2026-02-01T00:00:00Z", "last_seen": "2026-02-25T00:00:00Z", "status": "open"}"#;
    let caa = r#"{"issue": "caa_missing", "asset": "ORG.example", "first_seen": "2026-02-01T00:00:00Z", "last_seen": "2026-02-25T00:00:00Z", "status": "open"}"#;
    let text = format!(
        "[{}]",
        [
            doc(
                "w",
                &rdp.replace("ORG", "w"),
                r#"{"breached": true, "at": "2026-09-01T00:00:00Z"}"#
            ),
            doc(
                "x",
                &caa.replace("ORG", "x"),
                r#"{"breached": false, "at": null}"#
            ),
            doc(
                "y",
                &caa.replace("ORG", "y"),
                r#"{"breached": true, "at": null}"#
            ),
            doc("z", "", r#"{"breached": false}"#),
        ]
        .join(",\n")
    );
    let dir = tempfile::tempdir().unwrap();
    let scores = dir.path().join("s.ndjson");
    let o = posture(
        &["eval", "-", "-f", "json", "--scores-out", s(&scores)],
        Some(&text),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let e: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(e["corpus"]["organizations"], 4);
    assert_eq!(e["corpus"]["breached"], 2);
    // posture-v1: w scores lowest (breached), x and y tie (one breached):
    // pairs (w, x) 1 and (y, x) 1/2, so AUC = 1.5 / 2.
    let v1 = &e["models"][0];
    assert_eq!(v1["auc"], "0.7500", "{v1}");
    let unscored = v1["by_grade"].as_array().unwrap().last().unwrap();
    assert_eq!(unscored["grade"], "?");
    assert_eq!(unscored["organizations"], 1);
    let lines = std::fs::read_to_string(&scores).unwrap();
    assert!(
        lines.contains(r#"{"organization":"z","model":"posture-v1","score":null,"grade":"?"}"#),
        "{lines}"
    );
}
