//! Corpora: what the generator draws (its shape, its seed, its
//! configuration's checks) and what a corpus brought by a user must be
//! (every error located by document, line and field).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::{Catalog, FindingStatus};
use posture_research::corpus::{CorpusConfig, CorpusRecord, generate, parse_corpus};
use std::collections::HashMap;

fn lines(config: &CorpusConfig, seed: u64, orgs: u64) -> Vec<String> {
    generate(config, &Catalog::builtin(), seed, orgs, 0..orgs).unwrap()
}

#[test]
fn the_seed_decides_every_byte() {
    let c = CorpusConfig::default();
    let a = lines(&c, 11, 300);
    assert_eq!(a, lines(&c, 11, 300));
    assert_ne!(a, lines(&c, 12, 300));
    // Organisation i depends on the seed and i only: a longer corpus
    // starts with the same organisations (names widen past 99,999).
    let longer = lines(&c, 11, 600);
    assert_eq!(a[..], longer[..300]);
}

#[test]
fn generated_organisations_look_like_scans() {
    let c = CorpusConfig::default();
    let text = lines(&c, 2, 4_000).concat();
    let corpus = parse_corpus(&text, &Catalog::builtin()).unwrap();
    let records: Vec<CorpusRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let s = corpus.summary();
    assert_eq!(s.organizations, 4_000);
    // About 5 % breached in the year (the default outcome model), about
    // 0.3 % not rated.
    assert!((120..320).contains(&s.breached), "{}", s.breached);
    assert!(s.not_rated < 40, "{}", s.not_rated);
    let mut statuses: HashMap<FindingStatus, u64> = HashMap::new();
    let mut sizes: Vec<usize> = Vec::new();
    for r in &records {
        sizes.push(r.assets.len());
        for f in &r.findings {
            *statuses.entry(f.status).or_default() += 1;
            assert!(f.first_seen <= f.last_seen, "{}", r.organization);
            assert!(f.last_seen <= r.as_of, "{}", r.organization);
        }
        match r.outcome.at {
            Some(at) => {
                assert!(r.outcome.breached);
                assert!(at > r.as_of);
            }
            None => assert!(!r.outcome.breached),
        }
    }
    let total: u64 = statuses.values().sum();
    assert!(total > 5 * 4_000, "{total} findings");
    // Most findings open, every status present.
    let open = statuses[&FindingStatus::Open] as f64 / total as f64;
    assert!((0.78..0.86).contains(&open), "{open}");
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    // Footprints from one asset to hundreds, most of them small.
    sizes.sort_unstable();
    assert!(sizes[0] >= 1);
    assert!(
        sizes[sizes.len() / 2] < 20,
        "median {}",
        sizes[sizes.len() / 2]
    );
    assert!(
        sizes[sizes.len() - 1] > 30,
        "largest {}",
        sizes[sizes.len() - 1]
    );
}

#[test]
fn the_outcome_model_is_the_configurations() {
    // A steeper outcome model concentrates breaches on the risky.
    let mut never = CorpusConfig::default();
    never.outcome.intercept = "-50".parse().unwrap();
    never.outcome.slope = "0".parse().unwrap();
    let text = lines(&never, 3, 500).concat();
    assert_eq!(
        parse_corpus(&text, &Catalog::builtin()).unwrap().breached(),
        0
    );
    let mut always = never.clone();
    always.outcome.intercept = "50".parse().unwrap();
    let text = lines(&always, 3, 500).concat();
    assert_eq!(
        parse_corpus(&text, &Catalog::builtin()).unwrap().breached(),
        500
    );
}

#[test]
fn a_configuration_file_is_checked_field_by_field() {
    for (text, path) in [
        (r#"{"not_rated": "1.5"}"#, "not_rated"),
        (
            r#"{"assessed": {"dns_health": "2"}}"#,
            "assessed.dns_health",
        ),
        (r#"{"assessed": {"dns_heath": "0.5"}}"#, "assessed"),
        (r#"{"footprint": {"max_hosts": 0}}"#, "footprint.max_hosts"),
        (
            r#"{"footprint": {"max_hosts": 1000000}}"#,
            "footprint.max_hosts",
        ),
        (
            r#"{"footprint": {"max_addresses": 255}}"#,
            "footprint.max_addresses",
        ),
        (
            r#"{"footprint": {"block_prefix_min": 20}}"#,
            "footprint.block_prefix_min",
        ),
        (
            r#"{"findings": {"prevalence": {"critical": "-60", "high": "0", "medium": "0", "low": "0", "info": "0", "positive": "0"}}}"#,
            "findings.prevalence.critical",
        ),
        (
            r#"{"statuses": {"open": "0", "under_review": "0", "fixed": "0", "waived": "0", "refuted": "0"}}"#,
            "statuses",
        ),
        (
            r#"{"ages": {"open_mean_days": "0"}}"#,
            "ages.open_mean_days",
        ),
        (r#"{"outcome": {"intercept": "-3"}}"#, "outcome"),
        (
            r#"{"outcome": {"intercept": "-3", "slope": 2}}"#,
            "outcome.slope",
        ),
        (r#"{"seed": 1}"#, "seed"),
        (r#"{"as_of": "9999-06-01T00:00:00Z"}"#, "as_of"),
        (r#"{"as_of": "1969-12-31T23:59:59Z"}"#, "as_of"),
    ] {
        let e = CorpusConfig::from_json(text).unwrap_err();
        assert!(
            e.path().is_some_and(|p| p.starts_with(path)),
            "{text}: {e} ({:?})",
            e.path()
        );
    }
    // And what it accepts, it applies.
    let c = CorpusConfig::from_json(r#"{"not_rated": "1"}"#).unwrap();
    let text = lines(&c, 1, 50).concat();
    assert_eq!(
        parse_corpus(&text, &Catalog::builtin())
            .unwrap()
            .summary()
            .not_rated,
        50
    );
}

fn record(org: &str, extra: &str) -> String {
    format!(
        r#"{{"organization": "{org}", "as_of": "2026-01-01T00:00:00Z", "assets": ["{org}.example"], "findings": [{{"issue": "spf_missing", "asset": "{org}.example", "first_seen": "2025-12-01T00:00:00Z", "last_seen": "2025-12-20T00:00:00Z", "status": "open"}}]{extra}}}"#
    )
}

#[test]
fn a_corpus_brought_by_a_user_is_checked_before_use() {
    let ok = r#", "outcome": {"breached": false, "at": null}"#;
    let good = [record("a", ok), record("b", ok)].join("\n");
    assert_eq!(parse_corpus(&good, &Catalog::builtin()).unwrap().len(), 2);
    // A JSON array of records reads as well.
    let array = format!("[{}, {}]", record("a", ok), record("b", ok));
    assert_eq!(parse_corpus(&array, &Catalog::builtin()).unwrap().len(), 2);

    for (second, document, field) in [
        // A missing field is named in the message, at the record's root.
        (record("b", ""), 2, ".: missing field `outcome`"),
        (
            record(
                "b",
                r#", "outcome": {"breached": true, "at": "2025-06-01T00:00:00Z"}"#,
            ),
            2,
            "outcome.at",
        ),
        (
            record("b", r#", "outcome": {"breached": "no"}"#),
            2,
            "outcome.breached",
        ),
        (
            record("b", ok).replace("spf_missing", "spf_mising"),
            2,
            "findings[0].issue",
        ),
        (
            record("b", ok).replace(r#""asset": "b.example""#, r#""asset": "c.example""#),
            2,
            "findings[0].asset",
        ),
        (record("b", &format!("{ok}, \"score\": 3")), 2, "score"),
        (record("a", ok), 2, "organization"),
    ] {
        let text = [record("a", ok), second.clone()].join("\n");
        let e = parse_corpus(&text, &Catalog::builtin()).unwrap_err();
        assert_eq!(e.number, document, "{second}: {e}");
        assert_eq!(e.line, document, "{second}: {e}");
        let message = e.to_string();
        assert!(
            message.starts_with(&format!("document {document} (line {document}): {field}")),
            "{second}: {message}"
        );
    }
    let e = parse_corpus("{not json", &Catalog::builtin()).unwrap_err();
    assert_eq!(e.number, 1, "{e}");
}
