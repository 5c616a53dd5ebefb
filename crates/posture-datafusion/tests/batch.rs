//! `posture batch` against the embedded path: every conformance vector,
//! random batches as a property, every input format, local DataFusion
//! against Ballista standalone, and located input errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use posture::csr::{Aggregation, CsrConfig, CsrV1, Portfolio};
use posture::{Catalog, FindingsDocument, IssueType, ModelConfig, PostureV1, ScoreConfig};
use posture_datafusion::Scoring;
use posture_datafusion::batch::{self, BatchError, Cluster, CsrInputs, Options, ScoreInputs};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::Row;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn vectors(file: &str) -> Value {
    let text = posture_tests::conformance_file(file);
    serde_json::from_str(&text).unwrap()
}

fn catalog_of(v: &Value) -> Arc<Catalog> {
    let issues: Vec<IssueType> = serde_json::from_value(v["catalog"].clone()).unwrap();
    Arc::new(Catalog::from_issues("vectors".into(), None, issues).unwrap())
}

fn scoring(catalog: &Arc<Catalog>) -> Scoring {
    Scoring::new(catalog.clone(), &ModelConfig::default()).unwrap()
}

fn score(
    catalog: &Arc<Catalog>,
    inputs: &ScoreInputs,
    out: &Path,
    options: &Options,
) -> Result<Vec<Row>, BatchError> {
    let summary = runtime().block_on(batch::score(scoring(catalog), inputs, out, options))?;
    let rows = support::read(out);
    assert_eq!(summary.rows, rows.len() as u64);
    Ok(rows)
}

/// The posture-v1 vectors, each case an organisation `cNN`.
fn posture_cases() -> (Arc<Catalog>, Vec<FindingsDocument>, Vec<Value>) {
    let v = vectors("scoring/posture-v1.json");
    let catalog = catalog_of(&v);
    let mut docs = Vec::new();
    let mut expected = Vec::new();
    for (i, case) in v["cases"].as_array().unwrap().iter().enumerate() {
        let mut d: FindingsDocument = serde_json::from_value(case["document"].clone()).unwrap();
        d.organization = format!("c{i:02}");
        docs.push(d);
        expected.push(case["expected"].clone());
    }
    assert!(docs.len() >= 39);
    (catalog, docs, expected)
}

fn check_against_vectors(rows: &[Row], expected: &[Value]) {
    assert_eq!(rows.len(), expected.len());
    for (i, (row, exp)) in rows.iter().zip(expected).enumerate() {
        assert_eq!(row.0, format!("c{i:02}"));
        assert_eq!(row.1.as_deref(), exp["score"].as_str(), "case {i} score");
        assert_eq!(row.3.as_deref(), exp["grade"].as_str(), "case {i} grade");
        match (row.2.as_deref(), exp["fraction"].as_str()) {
            (None, None) => {}
            (Some(got), Some(want)) => {
                let d = got.parse::<Decimal>().unwrap() - want.parse::<Decimal>().unwrap();
                assert!(d.abs() <= Decimal::new(1, 9), "case {i}: {got} != {want}");
            }
            other => panic!("case {i}: fraction {other:?}"),
        }
    }
}

#[test]
fn every_posture_v1_vector_through_every_format() {
    let (catalog, docs, expected) = posture_cases();
    let embedded = support::embedded(&docs, &catalog);
    let dir = tempfile::tempdir().unwrap();
    for (name, inputs) in [
        ("parquet", support::parquet_tables(dir.path(), &docs)),
        ("ndjson", support::ndjson(dir.path(), &docs)),
        ("csv", support::csv_tables(dir.path(), &docs)),
    ] {
        assert!(inputs.breaches.is_some(), "the vectors have breaches");
        let out = dir.path().join(format!("{name}-out.parquet"));
        let rows = score(&catalog, &inputs, &out, &Options::with_threads(2)).unwrap();
        // Exactly `posture score`'s values, and the vectors' expectations.
        assert_eq!(rows, embedded, "{name}");
        check_against_vectors(&rows, &expected);
    }
    assert_eq!(
        support::columns(&dir.path().join("parquet-out.parquet")),
        ["organization", "score", "fraction", "grade"]
    );
}

#[test]
fn ballista_standalone_writes_the_same_bytes_as_local_datafusion() {
    let (catalog, docs, _) = posture_cases();
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::parquet_tables(dir.path(), &docs);
    let local = dir.path().join("local.parquet");
    let cluster = dir.path().join("standalone.parquet");
    score(&catalog, &inputs, &local, &Options::with_threads(2)).unwrap();
    let mut options = Options::with_threads(2);
    options.cluster = Cluster::Standalone;
    score(&catalog, &inputs, &cluster, &options).unwrap();
    assert_eq!(
        std::fs::read(&local).unwrap(),
        std::fs::read(&cluster).unwrap()
    );
}

#[test]
fn one_and_two_partitions_agree_byte_for_byte() {
    let (catalog, docs, _) = posture_cases();
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::ndjson(dir.path(), &docs);
    let one = dir.path().join("one.parquet");
    let two = dir.path().join("two.parquet");
    score(&catalog, &inputs, &one, &Options::with_threads(1)).unwrap();
    score(&catalog, &inputs, &two, &Options::with_threads(2)).unwrap();
    assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
}

/// csr-v1 in two steps, as a provider runs it: the entities scored as
/// organisations by `posture batch`, then `posture batch csr` over the
/// portfolios with those scores.
#[test]
fn every_csr_v1_vector_through_both_batch_steps() {
    let v = vectors("scoring/csr-v1.json");
    let catalog = catalog_of(&v);
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    let embedded_csr = CsrV1::new(
        PostureV1::default(),
        &ScoreConfig::default(),
        CsrConfig::default(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in cases.iter().enumerate() {
        let d = dir.path().join(format!("case{i}"));
        std::fs::create_dir(&d).unwrap();
        let p = &case["portfolio"];
        let org = p["organization"].as_str().unwrap();
        let as_of = p["as_of"].as_str().unwrap();
        // Step 1: each own domain and each vendor with domains is an
        // organisation (csr-v1 4.1: a listed entity counts as assessed).
        let mut docs: Vec<FindingsDocument> = Vec::new();
        let mut entities: Vec<Value> = Vec::new();
        let entity_doc = |name: &str, domains: &[Value]| -> FindingsDocument {
            let mut assets = Vec::new();
            let mut findings = Vec::new();
            for dom in domains {
                assets.push(dom["domain"].clone());
                assets.extend(dom["assets"].as_array().unwrap().iter().cloned());
                findings.extend(dom["findings"].as_array().unwrap().iter().cloned());
            }
            serde_json::from_value(json!({
                "organization": name, "as_of": as_of, "assets": assets,
                "assessed_factors": ["dns_health"], "findings": findings,
            }))
            .unwrap()
        };
        for dom in p["domains"].as_array().unwrap() {
            let name = dom["domain"].as_str().unwrap();
            docs.push(entity_doc(name, std::slice::from_ref(dom)));
            entities.push(json!({"organization": org, "kind": "domain", "entity": name}));
        }
        for vendor in p["vendors"].as_array().unwrap() {
            let id = vendor["id"].as_str().unwrap();
            let domains = vendor["domains"].as_array().unwrap();
            if !domains.is_empty() {
                docs.push(entity_doc(id, domains));
            }
            let risks: Vec<Value> = vendor["questionnaire_risks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["status"] == "open")
                .map(|r| r["severity"].clone())
                .collect();
            entities.push(json!({
                "organization": org, "kind": "vendor", "entity": id,
                "name": vendor["name"], "in_use": vendor["in_use"],
                "criticality": vendor.get("criticality").cloned().unwrap_or(Value::Null),
                "open_risks": risks,
            }));
        }
        let scores = d.join("scores.parquet");
        let inputs = support::parquet_tables(&d, &docs);
        score(&catalog, &inputs, &scores, &Options::with_threads(2)).unwrap();
        // Step 2.
        let portfolios = d.join("portfolios.ndjson");
        std::fs::write(
            &portfolios,
            format!("{}\n", json!({"organization": org, "as_of": as_of})),
        )
        .unwrap();
        let entities_file = d.join("entities.ndjson");
        let text: String = entities.iter().map(|e| format!("{e}\n")).collect();
        std::fs::write(&entities_file, text).unwrap();
        let out = d.join("csr.parquet");
        let csr_inputs = CsrInputs {
            portfolios,
            entities: entities_file,
            scores,
        };
        runtime()
            .block_on(batch::csr(
                scoring(&catalog),
                &csr_inputs,
                &out,
                &Options::with_threads(2),
            ))
            .unwrap();
        assert_eq!(
            support::columns(&out),
            ["organization", "csr", "fraction", "grade"]
        );
        let rows = support::read(&out);
        let exp = &case["expected"];
        let name = case["name"].as_str().unwrap();
        assert_eq!(rows.len(), 1, "{name}");
        // Exactly what `posture csr` gives for the portfolio document...
        let portfolio: Portfolio = serde_json::from_value(p.clone()).unwrap();
        let r = embedded_csr.aggregate(&portfolio.validate(&catalog).unwrap());
        let text = |d: Option<Decimal>| d.map(|d| posture_core::decimal::to_text(&d));
        let want: Row = (
            org.to_owned(),
            text(r.csr),
            text(r.fraction),
            Some(r.grade.as_str().to_owned()),
        );
        assert_eq!(rows[0], want, "{name}");
        // ...and the vectors' expectations (fraction within 1e-9).
        let (_, csr, fraction, grade) = &rows[0];
        assert_eq!(csr.as_deref(), exp["csr"].as_str(), "{name}");
        assert_eq!(grade.as_deref(), exp["grade"].as_str(), "{name}");
        assert_eq!(
            fraction
                .as_ref()
                .map(|f| f.parse::<Decimal>().unwrap().round_dp(9)),
            exp["fraction"]
                .as_str()
                .map(|f| f.parse::<Decimal>().unwrap().round_dp(9)),
            "{name}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random batches from typed Parquet score exactly as `posture score`
    /// scores the same documents, whatever the order of the rows.
    #[test]
    fn random_batches_equal_the_embedded_path(
        orgs in proptest::collection::vec(
            (1usize..4,
             proptest::collection::vec((0usize..10, 0usize..40, -4i64..400, 0usize..4), 0..12),
             proptest::collection::vec(-48i64..2000, 0..3),
             any::<bool>()),
            1..6),
        parquet in any::<bool>(),
    ) {
        let catalog = posture_tests::generate::vector_catalog();
        let docs: Vec<FindingsDocument> = orgs
            .iter()
            .enumerate()
            .map(|(i, (hosts, findings, breaches, assessed))| {
                let mut d = posture_tests::generate::document(
                    &catalog, *hosts, findings, breaches, *assessed);
                d.organization = format!("org-{i}");
                d
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let inputs = if parquet {
            support::parquet_tables(dir.path(), &docs)
        } else {
            support::ndjson(dir.path(), &docs)
        };
        let out = dir.path().join("out.parquet");
        let rows = score(&catalog, &inputs, &out, &Options::with_threads(2)).unwrap();
        prop_assert_eq!(rows, support::embedded(&docs, &catalog));
    }
}

// ---------------------------------------------------------------------------
// Located errors

fn input_error(r: Result<Vec<Row>, BatchError>) -> batch::InputError {
    match r {
        Err(BatchError::Input(e)) => e,
        other => panic!("expected an input error, got {other:?}"),
    }
}

fn simple_docs() -> Vec<FindingsDocument> {
    let catalog = posture_tests::generate::vector_catalog();
    (0..3)
        .map(|i| {
            let mut d = posture_tests::generate::document(
                &catalog,
                2,
                &[(1, 0, 3, 0), (2, 1, 5, 0)],
                &[],
                false,
            );
            d.organization = format!("org-{i}");
            d
        })
        .collect()
}

fn run_with(inputs: &ScoreInputs, dir: &Path) -> Result<Vec<Row>, BatchError> {
    let catalog = posture_tests::generate::vector_catalog();
    score(
        &catalog,
        inputs,
        &dir.join("out.parquet"),
        &Options::with_threads(2),
    )
}

fn rewrite(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

#[test]
fn an_unknown_issue_in_a_csv_row_is_named_by_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::csv_tables(dir.path(), &simple_docs());
    // Row 4 of the findings (the header is not a row).
    rewrite(&inputs.findings, |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
        let cells: Vec<&str> = lines[4].split(',').collect();
        let mut cells: Vec<String> = cells.iter().map(|c| (*c).to_owned()).collect();
        cells[1] = "no_such_issue".into();
        lines[4] = cells.join(",");
        lines.join("\n") + "\n"
    });
    let e = input_error(run_with(&inputs, dir.path()));
    assert_eq!(e.file, inputs.findings);
    assert_eq!(e.row, Some(4));
    assert_eq!(e.column.as_deref(), Some("issue"));
    assert!(e.message.contains("no_such_issue"), "{e}");
    assert!(!dir.path().join("out.parquet").exists());
}

#[test]
fn a_bad_instant_in_ndjson_is_named_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::ndjson(dir.path(), &simple_docs());
    rewrite(&inputs.organizations, |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
        lines[2] = lines[2].replace("2026-11-01T00:00:00Z", "2026-13-01T00:00:00Z");
        lines.join("\n") + "\n"
    });
    let e = input_error(run_with(&inputs, dir.path()));
    assert_eq!(e.file, inputs.organizations);
    assert_eq!(e.row, Some(3));
    assert_eq!(e.column.as_deref(), Some("as_of"));
}

#[test]
fn an_ndjson_value_of_the_wrong_type_is_named_by_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::ndjson(dir.path(), &simple_docs());
    rewrite(&inputs.assets, |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
        lines[1] = r#"{"organization":"org-0","asset":7}"#.to_owned();
        lines.join("\n") + "\n"
    });
    let e = input_error(run_with(&inputs, dir.path()));
    assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("asset")));
}

#[test]
fn a_finding_outside_the_footprint_in_parquet_is_named_by_row() {
    let catalog = posture_tests::generate::vector_catalog();
    let mut docs = simple_docs();
    docs[1].findings[1].asset = "elsewhere.example".into();
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::parquet_tables(dir.path(), &docs);
    let e = input_error(score(
        &catalog,
        &inputs,
        &dir.path().join("out.parquet"),
        &Options::with_threads(2),
    ));
    // Findings are interleaved: org-0#0, org-1#0, org-2#0, org-0#1, org-1#1.
    assert_eq!(e.file, inputs.findings);
    assert_eq!((e.row, e.column.as_deref()), (Some(5), Some("asset")));
    assert!(e.message.contains("elsewhere.example"), "{e}");
}

#[test]
fn findings_of_an_organisation_without_a_row_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::csv_tables(dir.path(), &simple_docs());
    rewrite(&inputs.findings, |t| t.replacen("org-2,", "org-9,", 1));
    let e = input_error(run_with(&inputs, dir.path()));
    assert_eq!(e.file, inputs.findings);
    assert_eq!(e.column.as_deref(), Some("organization"));
    assert!(e.message.contains("org-9"), "{e}");
}

#[test]
fn a_repeated_organisation_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::csv_tables(dir.path(), &simple_docs());
    rewrite(&inputs.organizations, |t| t.replace("org-2,", "org-0,"));
    let e = input_error(run_with(&inputs, dir.path()));
    assert_eq!(e.file, inputs.organizations);
    assert_eq!(
        (e.row, e.column.as_deref()),
        (Some(3), Some("organization"))
    );
}

#[test]
fn a_missing_column_and_a_wrong_type_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::csv_tables(dir.path(), &simple_docs());
    rewrite(&inputs.assets, |t| {
        t.replacen("organization,asset", "organization,host", 1)
    });
    let e = input_error(run_with(&inputs, dir.path()));
    assert_eq!((e.file.as_path(), e.row), (inputs.assets.as_path(), None));
    assert_eq!(e.column.as_deref(), Some("asset"));

    let inputs = support::parquet_tables(dir.path(), &simple_docs());
    support::parquet(
        &inputs.assets,
        vec![
            (
                "organization",
                Arc::new(datafusion::arrow::array::StringArray::from(vec!["org-0"])) as _,
            ),
            (
                "asset",
                Arc::new(datafusion::arrow::array::Int64Array::from(vec![1])) as _,
            ),
        ],
    );
    let e = input_error(run_with(&inputs, dir.path()));
    assert_eq!(e.column.as_deref(), Some("asset"));
    assert!(e.message.contains("Int64"), "{e}");
}

#[test]
fn a_bad_breach_date_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::csv_tables(dir.path(), &simple_docs());
    let breaches: PathBuf = dir.path().join("breaches.csv");
    std::fs::write(
        &breaches,
        "organization,date\norg-1,2026-10-01\norg-2,yesterday\n",
    )
    .unwrap();
    let inputs = ScoreInputs {
        breaches: Some(breaches.clone()),
        ..inputs
    };
    let e = input_error(run_with(&inputs, dir.path()));
    assert_eq!(e.file, breaches);
    assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("date")));
}

#[test]
fn an_unreadable_or_unknown_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::csv_tables(dir.path(), &simple_docs());
    let missing = ScoreInputs {
        organizations: dir.path().join("nope.csv"),
        ..inputs.clone()
    };
    assert!(matches!(
        run_with(&missing, dir.path()),
        Err(BatchError::Io { .. })
    ));
    let odd = dir.path().join("organizations.xlsx");
    std::fs::write(&odd, "x").unwrap();
    let odd = ScoreInputs {
        organizations: odd,
        ..inputs
    };
    assert_eq!(run_with(&odd, dir.path()).unwrap_err().exit_code(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// Random portfolios of scored entities aggregate in `posture batch
    /// csr` exactly as csr-v1 aggregates them in the embedded path, with
    /// the entities in the order the portfolio document lists them. Each
    /// entity is (a vendor?, fraction numerator over 3e9 or no score, in
    /// use, criticality, open risk severities).
    #[test]
    fn random_portfolios_equal_the_embedded_path(
        portfolios in proptest::collection::vec(
            proptest::collection::vec(
                (any::<bool>(), proptest::option::of(0u64..=3_000_000_000), any::<bool>(), 0usize..4,
                 proptest::collection::vec(0usize..6, 0..3)),
                0..7),
            1..5),
    ) {
        use posture::csr::{Criticality, ScoredEntity};
        use posture_core::{Severity, Timestamp};
        let catalog = Catalog::builtin();
        let csr = CsrV1::new(PostureV1::default(), &ScoreConfig::default(), CsrConfig::default())
            .unwrap();
        let as_of: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (mut p_rows, mut e_rows, mut s_rows) = (Vec::new(), Vec::new(), Vec::new());
        let mut want: Vec<Row> = Vec::new();
        for (pi, entities) in portfolios.iter().enumerate() {
            let org = format!("p{pi}");
            p_rows.push(json!({"organization": org, "as_of": as_of.to_string()}));
            let mut domains = Vec::new();
            let mut vendors = Vec::new();
            for (ei, (vendor, num, in_use, crit, risks)) in entities.iter().enumerate() {
                let id = if *vendor { format!("v{pi}-{ei}") } else { format!("d{ei}.p{pi}.example") };
                // Fractions with up to 28 digits, as scorecards carry.
                let fraction = num.map(|n| Decimal::from(n) / Decimal::from(3_000_000_000u64));
                if let Some(f) = fraction {
                    s_rows.push(json!({"organization": id, "fraction": posture_core::decimal::to_text(&f)}));
                }
                let criticality = Criticality::ALL[*crit];
                let open: Vec<Severity> = risks.iter().map(|r| Severity::ALL[*r % Severity::ALL.len()]).collect();
                if *vendor {
                    e_rows.push(json!({"organization": org, "kind": "vendor", "entity": id,
                        "name": format!("Vendor {ei}"), "in_use": in_use,
                        "criticality": criticality.as_str(),
                        "open_risks": open.iter().map(|s| s.as_str()).collect::<Vec<_>>()}));
                    vendors.push(ScoredEntity::vendor(id, format!("Vendor {ei}"), *in_use, criticality, fraction, open));
                } else {
                    e_rows.push(json!({"organization": org, "kind": "domain", "entity": id}));
                    domains.push(ScoredEntity::domain(id, fraction));
                }
            }
            domains.extend(vendors);
            let r = csr.aggregate_scored(&org, as_of, catalog.reference(), &domains);
            let text = |d: Option<Decimal>| d.map(|d| posture_core::decimal::to_text(&d));
            want.push((org, text(r.csr), text(r.fraction), Some(r.grade.as_str().to_owned())));
        }
        let write = |name: &str, rows: &[Value]| -> PathBuf {
            let p = dir.path().join(format!("{name}.ndjson"));
            std::fs::write(&p, rows.iter().map(|v| format!("{v}\n")).collect::<String>()).unwrap();
            p
        };
        let inputs = CsrInputs {
            portfolios: write("portfolios", &p_rows),
            entities: write("entities", &e_rows),
            scores: write("scores", &s_rows),
        };
        let out = dir.path().join("csr.parquet");
        runtime()
            .block_on(batch::csr(Scoring::default(), &inputs, &out, &Options::with_threads(2)))
            .unwrap();
        want.sort();
        prop_assert_eq!(support::read(&out), want);
    }
}

/// A batch cut into passes over ranges of organisations (as a large one
/// is under its memory limit) writes the same bytes as one pass, errors
/// included.
#[test]
fn passes_over_ranges_of_organisations_write_the_same_bytes() {
    let (catalog, mut docs, _) = posture_cases();
    // Names that sort before, between and after the others, with quotes,
    // backslashes and non-ASCII (range bounds come from the data).
    for (i, name) in ["A'quote", "c05a", "c\\", "c1\\'x", "zz", "zé"]
        .iter()
        .enumerate()
    {
        let mut d = docs[i].clone();
        d.organization = (*name).to_owned();
        docs.push(d);
    }
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::parquet_tables(dir.path(), &docs);
    let one = dir.path().join("one.parquet");
    let rows = score(&catalog, &inputs, &one, &Options::with_threads(2)).unwrap();
    assert_eq!(rows, support::embedded(&docs, &catalog));
    for passes in [2, 3, 7, 100] {
        let mut options = Options::with_threads(2);
        options.passes = Some(passes);
        let out = dir.path().join(format!("passes-{passes}.parquet"));
        score(&catalog, &inputs, &out, &options).unwrap();
        assert_eq!(
            std::fs::read(&one).unwrap(),
            std::fs::read(&out).unwrap(),
            "{passes} passes"
        );
    }
    // A memory limit DataFusion cannot sort in is refused up front.
    let mut options = Options::with_threads(1);
    options.memory_limit = 64 << 10;
    let small = dir.path().join("small.parquet");
    let e = score(&catalog, &inputs, &small, &options).unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    assert!(e.to_string().contains("memory"), "{e}");
    // A bad row in a later pass is still located, and nothing is written.
    let mut bad = docs.clone();
    bad.last_mut()
        .unwrap()
        .findings
        .push(posture_core::Finding {
            issue: "no_such_issue".into(),
            ..docs[0].findings[0].clone()
        });
    let inputs = support::ndjson(dir.path(), &bad);
    let mut options = Options::with_threads(2);
    options.passes = Some(5);
    let out = dir.path().join("bad.parquet");
    let e = input_error(score(&catalog, &inputs, &out, &options));
    assert_eq!(e.column.as_deref(), Some("issue"));
    assert!(!out.exists());
}

/// Runs `sql` on a plain DataFusion context with the functions and the
/// three tables; rows as (organization, score, fraction, grade).
pub fn run_sql(inputs: &ScoreInputs, sql: &str, partitions: usize) -> Vec<Row> {
    use datafusion::prelude::{SessionConfig, SessionContext};
    runtime().block_on(async {
        let ctx = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        Scoring::default().register(&ctx);
        support::register_tables(&ctx, inputs).await;
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        support::struct_rows(&batches)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn the_aggregate_form_equals_the_embedded_path(
        orgs in proptest::collection::vec(
            (1usize..4,
             proptest::collection::vec((0usize..60, 0usize..40, -4i64..400, 0usize..5), 0..15),
             any::<bool>()),
            1..7),
        partitions in 1usize..3,
    ) {
        let catalog = Catalog::builtin();
        let docs: Vec<FindingsDocument> = orgs
            .iter()
            .enumerate()
            .map(|(i, (hosts, findings, assessed))| {
                let mut d = posture_tests::generate::document(&catalog, *hosts, findings, &[], *assessed);
                d.organization = format!("org-{i}");
                d
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let inputs = support::parquet_tables(dir.path(), &docs);
        prop_assert_eq!(run_sql(&inputs, support::AGGREGATE_SQL, partitions), support::embedded(&docs, &catalog));
    }
}

#[test]
fn the_aggregate_form_names_the_organisation_and_field_of_a_bad_value() {
    let catalog = Catalog::builtin();
    let mut docs: Vec<FindingsDocument> = (0..2)
        .map(|i| {
            let mut d = posture_tests::generate::document(&catalog, 2, &[(1, 0, 3, 0)], &[], false);
            d.organization = format!("org-{i}");
            d
        })
        .collect();
    docs[1].findings[0].asset = "elsewhere.example".into();
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::parquet_tables(dir.path(), &docs);
    let e = runtime()
        .block_on(async {
            let ctx = datafusion::prelude::SessionContext::new();
            Scoring::default().register(&ctx);
            support::register_tables(&ctx, &inputs).await;
            ctx.sql(support::AGGREGATE_SQL)
                .await
                .unwrap()
                .collect()
                .await
        })
        .unwrap_err()
        .to_string();
    assert!(e.contains("posture_score_agg: organization `org-1`"), "{e}");
    assert!(e.contains("elsewhere.example"), "{e}");
}
