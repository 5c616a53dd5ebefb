//! Tables at 80 and 120 columns, compared exactly with the committed text
//! under `tests/snapshots/` (widths forced with `COLUMNS`).
//!
//! After a deliberate change to a table, regenerate them with
//! `POSTURE_UPDATE_SNAPSHOTS=1 cargo test -p posture-cli --test snapshots`,
//! read the diff, and commit it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

mod common;
use common::{posture_env, stderr, stdout};

fn finding(issue: &str, asset: &str) -> String {
    format!(
        r#"{{"issue": "{issue}", "asset": "{asset}", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}}"#
    )
}

/// A document with a long name, ids short and long, and factors left
/// unassessed.
fn findings() -> String {
    format!(
        r#"{{"organization": "Acme Widgets International, a rather long organisation name", "as_of": "2026-11-01T00:00:00Z", "assets": ["acme.example", "www.acme.example", "192.0.2.0/30"], "findings": [{}]}}"#,
        [
            finding("spf_missing", "acme.example"),
            finding("dmarc_policy_none", "acme.example"),
            finding("service_rdp", "192.0.2.1"),
            finding("known_exploited_vulnerability", "192.0.2.2"),
            finding("x_content_type_options_missing", "www.acme.example"),
        ]
        .join(", ")
    )
}

fn portfolio() -> String {
    format!(
        r#"{{"organization": "acme", "as_of": "2026-11-01T00:00:00Z",
  "domains": [{{"domain": "acme.example", "assets": ["192.0.2.0/30"], "findings": [{}]}}],
  "vendors": [
    {{"id": "pay", "name": "Payroll Co", "in_use": true, "criticality": "critical",
      "domains": [{{"domain": "pay.example", "assets": [], "findings": [{}]}}],
      "questionnaire_risks": [{{"id": "q1", "title": "No MFA", "severity": "high", "status": "open"}}]}},
    {{"id": "ghost", "name": "Ghost Hosting and Cloud Services Limited", "in_use": true, "criticality": "high", "domains": []}},
    {{"id": "old", "name": "Old Vendor", "in_use": false, "domains": []}}
  ]}}"#,
        finding("spf_missing", "acme.example"),
        finding("service_rdp", "pay.example")
    )
}

/// A generated corpus of 600 organisations (seed 1).
fn corpus() -> String {
    let o = posture_env(
        &["corpus", "generate", "--orgs", "600", "--seed", "1"],
        b"",
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

fn snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// Runs `args` at `width` columns and compares its output with the
/// snapshot `name`-`width`.txt (or rewrites it when
/// `POSTURE_UPDATE_SNAPSHOTS` is set).
fn check(name: &str, args: &[&str], stdin: &str, width: usize) -> Option<String> {
    let w = width.to_string();
    let o = posture_env(args, stdin.as_bytes(), &[("COLUMNS", &w)]);
    assert!(o.status.success(), "{name}: {}", stderr(&o));
    let got = stdout(&o);
    for line in got.lines() {
        assert!(
            line.chars().count() <= width,
            "{name} at {width}: line too wide ({}): {line}",
            line.chars().count()
        );
    }
    let path = snapshots().join(format!("{name}-{width}.txt"));
    if std::env::var_os("POSTURE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshots()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return None;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    (got != want).then(|| {
        format!(
            "{}: differs from the snapshot\n--- expected\n{want}\n--- got\n{got}",
            path.display()
        )
    })
}

#[test]
fn tables_match_their_snapshots_at_80_and_120_columns() {
    let cases: Vec<(&str, Vec<&str>, String)> = vec![
        ("score", vec!["score", "-", "-f", "table"], findings()),
        (
            "improve",
            vec!["improve", "-", "--target", "A", "-f", "table"],
            findings(),
        ),
        ("csr", vec!["csr", "-", "-f", "table"], portfolio()),
        ("catalog", vec!["catalog", "-f", "table"], String::new()),
        (
            "catalog-explain",
            vec!["catalog", "dmarc_policy_none", "-f", "table"],
            String::new(),
        ),
        ("checks", vec!["checks", "-f", "table"], String::new()),
        ("corpus", vec!["corpus", "-", "-f", "table"], corpus()),
        (
            "eval",
            vec!["eval", "-", "--resamples", "200", "-f", "table"],
            corpus(),
        ),
    ];
    let mut failures = Vec::new();
    for (name, args, stdin) in &cases {
        for width in [80, 120] {
            failures.extend(check(name, args, stdin, width));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is meant, regenerate with \
         POSTURE_UPDATE_SNAPSHOTS=1 cargo test -p posture-cli --test snapshots",
        failures.join("\n\n")
    );
}
