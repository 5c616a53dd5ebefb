//! `posture batch` through the binary: the same scores as `posture score`
//! on the same data, the same bytes on Ballista standalone, `posture batch
//! csr`, and bad rows reported as `FILE: row N: column C: message` with
//! exit code 2.

#![cfg(feature = "batch")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{posture, stderr, stdout};
use posture_datafusion::datafusion::arrow::array::AsArray;
use posture_datafusion::datafusion::arrow::compute::cast;
use posture_datafusion::datafusion::arrow::datatypes::DataType;
use posture_datafusion::datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};
use std::path::Path;

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// Three organisations on the built-in catalog, as `posture score`
/// documents.
fn documents() -> Vec<Value> {
    let f = |issue: &str, asset: &str, status: &str, last: &str| {
        json!({"issue": issue, "asset": asset, "status": status,
               "first_seen": "2026-09-01T00:00:00Z", "last_seen": last})
    };
    vec![
        json!({"organization": "acme.example", "as_of": AS_OF,
               "assets": ["acme.example", "192.0.2.0/29"],
               "findings": [
                   f("spf_missing", "acme.example", "open", "2026-10-30T00:00:00Z"),
                   f("tls_weak_protocol", "192.0.2.3", "open", "2026-10-20T00:00:00Z"),
                   f("dmarc_policy_none", "acme.example", "fixed", "2026-10-01T00:00:00Z")]}),
        json!({"organization": "beta.example", "as_of": AS_OF,
               "assets": ["beta.example"],
               "assessed_factors": ["dns_health", "network_security"],
               "breaches": [{"date": "2026-10-25"}],
               "findings": [f("dnssec_missing", "beta.example", "open", "2026-10-31T00:00:00Z")]}),
        json!({"organization": "gamma.example", "as_of": AS_OF,
               "assets": ["gamma.example"], "findings": []}),
    ]
}

/// The documents as four CSV tables in `dir`.
fn tables(dir: &Path, docs: &[Value]) {
    let mut orgs = String::from("organization,as_of,assessed_factors\n");
    let mut assets = String::from("organization,asset\n");
    let mut findings = String::from("organization,issue,asset,status,first_seen,last_seen\n");
    let mut breaches = String::from("organization,date\n");
    for d in docs {
        let o = d["organization"].as_str().unwrap();
        let factors = d["assessed_factors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default();
        orgs.push_str(&format!("{o},{},{factors}\n", d["as_of"].as_str().unwrap()));
        for a in d["assets"].as_array().unwrap() {
            assets.push_str(&format!("{o},{}\n", a.as_str().unwrap()));
        }
        for f in d["findings"].as_array().unwrap() {
            let s = |k: &str| f[k].as_str().unwrap().to_owned();
            findings.push_str(&format!(
                "{o},{},{},{},{},{}\n",
                s("issue"),
                s("asset"),
                s("status"),
                s("first_seen"),
                s("last_seen")
            ));
        }
        for b in d["breaches"].as_array().into_iter().flatten() {
            breaches.push_str(&format!("{o},{}\n", b["date"].as_str().unwrap()));
        }
    }
    std::fs::write(dir.join("organizations.csv"), orgs).unwrap();
    std::fs::write(dir.join("assets.csv"), assets).unwrap();
    std::fs::write(dir.join("findings.csv"), findings).unwrap();
    std::fs::write(dir.join("breaches.csv"), breaches).unwrap();
}

/// An output file's rows as JSON objects (column name to text or null).
fn read(path: &Path) -> Vec<Value> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for b in reader {
        let b = b.unwrap();
        let schema = b.schema();
        for i in 0..b.num_rows() {
            let mut row = serde_json::Map::new();
            for (k, field) in schema.fields().iter().enumerate() {
                let a = cast(b.column(k), &DataType::Utf8).unwrap();
                let a = a.as_string::<i32>();
                let v = if a.is_valid(i) {
                    Value::from(a.value(i))
                } else {
                    Value::Null
                };
                row.insert(field.name().clone(), v);
            }
            rows.push(Value::Object(row));
        }
    }
    rows
}

use posture_datafusion::datafusion::arrow::array::Array;

fn batch_args<'a>(dir: &'a str, out: &'a str) -> Vec<String> {
    [
        "batch",
        "--organizations",
        &format!("{dir}/organizations.csv"),
        "--assets",
        &format!("{dir}/assets.csv"),
        "--findings",
        &format!("{dir}/findings.csv"),
        "--breaches",
        &format!("{dir}/breaches.csv"),
        "--out",
        out,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn run(args: &[String]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    posture(&args, None)
}

#[test]
fn batch_gives_the_scores_posture_score_gives() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let docs = documents();
    tables(dir.path(), &docs);
    let ndjson: String = docs.iter().map(|d| format!("{d}\n")).collect();
    let scored = posture(&["score", "--format", "json", "-"], Some(&ndjson));
    assert!(scored.status.success(), "{}", stderr(&scored));
    let want: Vec<Value> = stdout(&scored)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            json!({"organization": v["organization"], "score": v["score"],
                   "fraction": v["fraction"], "grade": v["grade"]})
        })
        .collect();

    let out = format!("{d}/scores.parquet");
    let o = run(&batch_args(d, &out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("3 organisation(s) scored into {out}\n"));
    assert_eq!(read(Path::new(&out)), want);
    // The breach and the assessed factors were read: beta differs from a
    // run without them.
    assert_ne!(want[1]["fraction"], want[2]["fraction"]);

    // Ballista standalone: the same bytes.
    let standalone = format!("{d}/standalone.parquet");
    let mut args = batch_args(d, &standalone);
    args.extend([
        "--ballista".into(),
        "standalone".into(),
        "--threads".into(),
        "2".into(),
    ]);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(&standalone).unwrap()
    );
}

#[test]
fn batch_csr_aggregates_portfolios_from_the_scores() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // Each entity scored as `posture csr` scores it: dns_health assessed
    // (csr-v1 4.1), no breaches.
    let mut docs = documents();
    for doc in &mut docs {
        doc["assessed_factors"] = json!(["dns_health"]);
        doc["breaches"] = json!([]);
    }
    tables(dir.path(), &docs);
    let scores = format!("{d}/scores.parquet");
    let o = run(&batch_args(d, &scores));
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(
        dir.path().join("portfolios.csv"),
        format!("organization,as_of\nacme.example,{AS_OF}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("entities.csv"),
        "organization,kind,entity,name,in_use,criticality,open_risks\n\
         acme.example,domain,acme.example,,,,\n\
         acme.example,vendor,beta.example,Beta,true,critical,high\n\
         acme.example,vendor,gamma.example,Gamma,false,low,\n",
    )
    .unwrap();
    let out = format!("{d}/csr.parquet");
    let o = posture(
        &[
            "batch",
            "csr",
            "--portfolios",
            &format!("{d}/portfolios.csv"),
            "--entities",
            &format!("{d}/entities.csv"),
            "--scores",
            &scores,
            "--out",
            &out,
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // `posture csr` on the same portfolio as a document.
    let domain = |d: &Value| json!({"domain": d["organization"], "assets": d["assets"], "findings": d["findings"]});
    let portfolio = json!({
        "organization": "acme.example", "as_of": AS_OF,
        "domains": [domain(&docs[0])],
        "vendors": [
            {"id": "beta.example", "name": "Beta", "in_use": true, "criticality": "critical",
             "domains": [domain(&docs[1])],
             "questionnaire_risks": [{"id": "r", "title": "t", "severity": "high", "status": "open"}]},
            {"id": "gamma.example", "name": "Gamma", "in_use": false, "criticality": "low",
             "domains": [domain(&docs[2])], "questionnaire_risks": []}
        ]
    });
    let o = posture(
        &["csr", "--format", "json", "-"],
        Some(&portfolio.to_string()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let rows = read(Path::new(&out));
    assert_eq!(
        rows,
        [json!({"organization": "acme.example", "csr": v["csr"],
                "fraction": v["fraction"], "grade": v["grade"]})]
    );
    assert!(rows[0]["csr"].is_string(), "{rows:?}");
}

#[test]
fn a_bad_row_is_named_with_exit_code_2_and_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    tables(dir.path(), &documents());
    let findings = dir.path().join("findings.csv");
    let text = std::fs::read_to_string(&findings).unwrap();
    std::fs::write(
        &findings,
        text.replacen("tls_weak_protocol", "tls_bogus", 1),
    )
    .unwrap();
    let out = format!("{d}/out.parquet");
    let o = run(&batch_args(d, &out));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "posture: error: {d}/findings.csv: row 2: column issue: unknown issue type \
             `tls_bogus` (not in catalog `posture-builtin`)\n"
        )
    );
    assert!(stdout(&o).is_empty());
    assert!(!Path::new(&out).exists());
}

#[test]
fn usage_errors_exit_2() {
    let o = posture(&["batch", "--organizations", "a.csv"], None);
    assert_eq!(o.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    tables(dir.path(), &documents());
    let mut args = batch_args(d, &format!("{d}/o.parquet"));
    args.extend(["--ballista".into(), "http://nowhere".into()]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--ballista"), "{}", stderr(&o));
    let mut args = batch_args(d, &format!("{d}/o.parquet"));
    args.extend(["--memory-limit".into(), "lots".into()]);
    assert_eq!(run(&args).status.code(), Some(2));
}
