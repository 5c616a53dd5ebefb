//! Writes a synthetic data lake for `posture batch` and the same data as
//! `posture score` documents, for the benchmark in BENCHMARKS.md:
//!
//! ```text
//! cargo run --release -p posture-datafusion --example lake -- DIR ORGS FINDINGS_PER_ORG
//! ```
//!
//! `DIR/organizations.parquet`, `DIR/assets.parquet`,
//! `DIR/findings.parquet` (timestamps in µs UTC, findings interleaved
//! across organisations as a scan would append them) and
//! `DIR/documents.ndjson`. Deterministic: the same arguments give the same
//! files. Findings are written a million rows at a time, so memory stays
//! flat whatever the size.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use posture::Catalog;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// SplitMix64: a tiny deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const AS_OF: i64 = 1_793_491_200; // 2026-11-01T00:00:00Z
const STATUSES: [&str; 4] = ["open", "open", "fixed", "under_review"];

struct Finding {
    org: usize,
    issue: usize,
    asset: String,
    status: &'static str,
    first: i64,
    last: i64,
}

fn org_name(i: usize) -> String {
    format!("org{i}.example")
}

fn cidr(i: usize) -> (String, String) {
    let (a, b) = ((i / 16) % 256, (i % 16) * 16);
    (
        format!("10.{}.{a}.{b}/28", i / 4096 % 256),
        format!("10.{}.{a}.", i / 4096 % 256),
    )
}

fn finding(rng: &mut Rng, org: usize, issues: usize) -> Finding {
    let asset = if rng.below(2) == 0 {
        org_name(org)
    } else {
        let (_, prefix) = cidr(org);
        format!("{prefix}{}", (org % 16) * 16 + rng.below(16) as usize)
    };
    let last = AS_OF - rng.below(200 * 86_400) as i64;
    Finding {
        org,
        issue: rng.below(issues as u64) as usize,
        asset,
        status: STATUSES[rng.below(4) as usize],
        first: last - rng.below(30 * 86_400) as i64,
        last,
    }
}

fn iso(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn writer(path: &Path, batch: &RecordBatch) -> ArrowWriter<std::fs::File> {
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap()
}

fn times(v: Vec<i64>) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from(v.into_iter().map(|s| s * 1_000_000).collect::<Vec<_>>())
            .with_timezone("UTC"),
    )
}

fn text(v: Vec<String>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, orgs, per_org] = args.as_slice() else {
        eprintln!("usage: lake DIR ORGS FINDINGS_PER_ORG");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir).unwrap();
    let orgs: usize = orgs.parse().unwrap();
    let per_org: usize = per_org.parse().unwrap();
    let catalog = Catalog::builtin();
    let ids: Vec<&str> = catalog.issues().iter().map(|i| i.id.as_str()).collect();

    // Organisations and assets: small, one batch each.
    let names: Vec<String> = (0..orgs).map(org_name).collect();
    let o = RecordBatch::try_from_iter([
        ("organization", text(names.clone())),
        ("as_of", times(vec![AS_OF; orgs])),
    ])
    .unwrap();
    let mut w = writer(&dir.join("organizations.parquet"), &o);
    w.write(&o).unwrap();
    w.close().unwrap();
    let mut asset_orgs = Vec::with_capacity(2 * orgs);
    let mut assets = Vec::with_capacity(2 * orgs);
    for (i, n) in names.iter().enumerate() {
        asset_orgs.extend([n.clone(), n.clone()]);
        assets.extend([n.clone(), cidr(i).0]);
    }
    let a =
        RecordBatch::try_from_iter([("organization", text(asset_orgs)), ("asset", text(assets))])
            .unwrap();
    let mut w = writer(&dir.join("assets.parquet"), &a);
    w.write(&a).unwrap();
    w.close().unwrap();

    // Findings: round k gives every organisation its k-th finding, so
    // the file interleaves organisations; the documents need them grouped,
    // so they are generated per organisation from a per-organisation seed.
    let per_org_findings = |org: usize| -> Vec<Finding> {
        let mut rng = Rng(org as u64 * 7919 + 1);
        (0..per_org)
            .map(|_| finding(&mut rng, org, ids.len()))
            .collect()
    };
    let mut docs =
        std::io::BufWriter::new(std::fs::File::create(dir.join("documents.ndjson")).unwrap());
    let chunk = (1_000_000 / per_org.max(1)).max(1);
    let mut fw: Option<ArrowWriter<std::fs::File>> = None;
    let mut start = 0;
    while start < orgs {
        let end = (start + chunk).min(orgs);
        let block: Vec<Vec<Finding>> = (start..end).map(per_org_findings).collect();
        for (k, fs) in block.iter().enumerate() {
            let org = start + k;
            let findings: Vec<serde_json::Value> = fs
                .iter()
                .map(|f| {
                    serde_json::json!({"issue": ids[f.issue], "asset": f.asset, "status": f.status,
                    "first_seen": iso(f.first), "last_seen": iso(f.last)})
                })
                .collect();
            let doc = serde_json::json!({"organization": org_name(org), "as_of": iso(AS_OF),
                "assets": [org_name(org), cidr(org).0], "findings": findings});
            writeln!(docs, "{doc}").unwrap();
        }
        let (mut c_org, mut c_issue, mut c_asset, mut c_status, mut c_first, mut c_last) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for round in 0..per_org {
            for fs in &block {
                let f = &fs[round];
                c_org.push(org_name(f.org));
                c_issue.push(ids[f.issue].to_owned());
                c_asset.push(f.asset.clone());
                c_status.push(f.status.to_owned());
                c_first.push(f.first);
                c_last.push(f.last);
            }
        }
        let b = RecordBatch::try_from_iter([
            ("organization", text(c_org)),
            ("issue", text(c_issue)),
            ("asset", text(c_asset)),
            ("status", text(c_status)),
            ("first_seen", times(c_first)),
            ("last_seen", times(c_last)),
        ])
        .unwrap();
        let w = fw.get_or_insert_with(|| writer(&dir.join("findings.parquet"), &b));
        w.write(&b).unwrap();
        start = end;
    }
    if let Some(w) = fw {
        w.close().unwrap();
    }
    docs.flush().unwrap();
    eprintln!(
        "{orgs} organisations, {} findings in {}",
        orgs * per_org,
        dir.display()
    );
}
