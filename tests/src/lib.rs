//! Test support shared by the workspace tests: locating conformance data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

pub mod parsers;

/// Directory of this crate.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    crate_dir()
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(crate_dir)
}

/// The shared conformance data beside the repository (`../shared/testdata`),
/// when present.
pub fn shared_testdata() -> Option<PathBuf> {
    let p = repo_root().parent()?.join("shared").join("testdata");
    p.is_dir().then_some(p)
}

/// Reads a conformance file: the shared copy when it exists (so upstream
/// updates are tested), else the copy vendored under `tests/data`.
pub fn conformance_file(rel: &str) -> String {
    if let Some(dir) = shared_testdata() {
        let p = dir.join(rel);
        if p.is_file() {
            return std::fs::read_to_string(&p).unwrap();
        }
    }
    std::fs::read_to_string(crate_dir().join("data").join(rel)).unwrap()
}

/// Generators shared by the property tests.
pub mod generate {
    use chrono::{Duration, TimeZone, Utc};
    use posture::{Catalog, FindingsDocument};
    use posture_core::{Breach, DateOrTime, Finding, FindingStatus, IssueType, Timestamp};
    use std::sync::Arc;

    /// The small catalog of the conformance vectors (ten types, every
    /// severity, a provisional one).
    pub fn vector_catalog() -> Arc<Catalog> {
        let text = crate::conformance_file("scoring/posture-v1.json");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let issues: Vec<IssueType> = serde_json::from_value(v["catalog"].clone()).unwrap();
        Arc::new(Catalog::from_issues("vectors".into(), None, issues).unwrap())
    }

    /// One finding as raw numbers: (issue index, asset index, days before
    /// as_of it was last seen (negative: after), status index).
    pub type RawFinding = (usize, usize, i64, usize);

    /// The scoring instant of generated documents.
    pub fn as_of() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
    }

    /// Builds a document over `hosts` host names and a /28, from raw
    /// findings and breach ages (hours before as_of).
    pub fn document(
        catalog: &Catalog,
        hosts: usize,
        findings: &[RawFinding],
        breaches: &[i64],
        assessed: bool,
    ) -> FindingsDocument {
        let mut assets: Vec<String> = (0..hosts.max(1))
            .map(|i| format!("h{i}.org.example"))
            .collect();
        assets.push("198.51.100.16/28".into());
        let pick_asset = |i: usize| -> String {
            let n = hosts.max(1) + 16;
            let i = i % n;
            if i < hosts.max(1) {
                format!("h{i}.org.example")
            } else {
                format!("198.51.100.{}", 16 + i - hosts.max(1))
            }
        };
        let ids: Vec<&str> = catalog.issues().iter().map(|i| i.id.as_str()).collect();
        let t0 = as_of();
        let findings = findings
            .iter()
            .map(|&(issue, asset, days, status)| {
                let last = t0 - Duration::hours(days * 6);
                Finding {
                    issue: ids[issue % ids.len()].to_owned(),
                    asset: pick_asset(asset),
                    first_seen: Timestamp(last - Duration::days(3)),
                    last_seen: Timestamp(last),
                    status: FindingStatus::ALL[status % FindingStatus::ALL.len()],
                }
            })
            .collect();
        FindingsDocument {
            organization: "org".into(),
            as_of: Timestamp(t0),
            assets,
            assessed_factors: assessed.then(|| vec![posture::Factor::DnsHealth]),
            findings,
            breaches: breaches
                .iter()
                .map(|h| Breach {
                    date: DateOrTime(Timestamp(t0 - Duration::hours(*h))),
                })
                .collect(),
        }
    }
}
