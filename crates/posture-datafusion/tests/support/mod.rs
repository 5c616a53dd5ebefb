//! Writing `posture batch` tables from findings documents (NDJSON, CSV and
//! typed Parquet), reading its Parquet output, and the results the embedded
//! path (`posture score`) gives for the same documents.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, ListBuilder, RecordBatch, StringArray, StringBuilder,
    TimestampMicrosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use posture::{Catalog, FindingsDocument, PostureV1, ScoringModel};
use posture_datafusion::batch::ScoreInputs;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One output row: organisation, score (or csr), fraction, grade.
pub type Row = (String, Option<String>, Option<String>, Option<String>);

/// The results `posture score` gives: one row per document, sorted by
/// organisation, decimals as its JSON writes them.
pub fn embedded(docs: &[FindingsDocument], catalog: &Arc<Catalog>) -> Vec<Row> {
    let model = PostureV1::default();
    let mut rows: Vec<Row> = docs
        .iter()
        .map(|d| {
            let a = d.validate(catalog).unwrap();
            let card = model.score(&a);
            (
                d.organization.clone(),
                card.score.map(|s| posture_core::decimal::to_text(&s)),
                card.fraction.map(|f| posture_core::decimal::to_text(&f)),
                Some(card.grade.as_str().to_owned()),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn factor_names(d: &FindingsDocument) -> Option<Vec<String>> {
    d.assessed_factors.as_ref().map(|fs| {
        fs.iter()
            .map(|f| {
                serde_json::to_value(f)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    })
}

fn status(s: posture_core::FindingStatus) -> String {
    serde_json::to_value(s)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// The four tables as JSON rows, findings interleaved across
/// organisations (the batch path must not depend on row order).
pub struct Rows {
    pub organizations: Vec<serde_json::Value>,
    pub assets: Vec<serde_json::Value>,
    pub findings: Vec<serde_json::Value>,
    pub breaches: Vec<serde_json::Value>,
}

pub fn rows(docs: &[FindingsDocument]) -> Rows {
    let mut r = Rows {
        organizations: Vec::new(),
        assets: Vec::new(),
        findings: Vec::new(),
        breaches: Vec::new(),
    };
    for d in docs {
        r.organizations.push(json!({
            "organization": d.organization,
            "as_of": d.as_of.to_string(),
            "assessed_factors": factor_names(d),
        }));
        for a in &d.assets {
            r.assets
                .push(json!({"organization": d.organization, "asset": a}));
        }
        for b in &d.breaches {
            r.breaches
                .push(json!({"organization": d.organization, "date": b.date.0.to_string()}));
        }
    }
    let longest = docs.iter().map(|d| d.findings.len()).max().unwrap_or(0);
    for k in 0..longest {
        for d in docs {
            if let Some(f) = d.findings.get(k) {
                r.findings.push(json!({
                    "organization": d.organization,
                    "issue": f.issue,
                    "asset": f.asset,
                    "status": status(f.status),
                    "first_seen": f.first_seen.to_string(),
                    "last_seen": f.last_seen.to_string(),
                }));
            }
        }
    }
    r
}

/// Writes NDJSON files.
pub fn ndjson(dir: &Path, docs: &[FindingsDocument]) -> ScoreInputs {
    let r = rows(docs);
    let write = |name: &str, rows: &[serde_json::Value]| -> PathBuf {
        let p = dir.join(format!("{name}.ndjson"));
        let text: String = rows.iter().map(|v| format!("{v}\n")).collect();
        std::fs::write(&p, text).unwrap();
        p
    };
    ScoreInputs {
        organizations: write("organizations", &r.organizations),
        assets: write("assets", &r.assets),
        findings: write("findings", &r.findings),
        breaches: (!r.breaches.is_empty()).then(|| write("breaches", &r.breaches)),
    }
}

/// Writes a CSV file with `columns` from JSON rows (lists as `a;b`).
pub fn csv(path: &Path, columns: &[&str], rows: &[serde_json::Value]) {
    let mut text = columns.join(",");
    text.push('\n');
    for r in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match &r[*c] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                // An empty cell is null: the empty list is written `[]`.
                serde_json::Value::Array(a) if a.is_empty() => "[]".to_owned(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Writes CSV files.
pub fn csv_tables(dir: &Path, docs: &[FindingsDocument]) -> ScoreInputs {
    let r = rows(docs);
    let p = |n: &str| dir.join(format!("{n}.csv"));
    csv(
        &p("organizations"),
        &["organization", "as_of", "assessed_factors"],
        &r.organizations,
    );
    csv(&p("assets"), &["organization", "asset"], &r.assets);
    csv(
        &p("findings"),
        &[
            "organization",
            "issue",
            "asset",
            "status",
            "first_seen",
            "last_seen",
        ],
        &r.findings,
    );
    let breaches = (!r.breaches.is_empty()).then(|| {
        csv(&p("breaches"), &["organization", "date"], &r.breaches);
        p("breaches")
    });
    ScoreInputs {
        organizations: p("organizations"),
        assets: p("assets"),
        findings: p("findings"),
        breaches,
    }
}

fn text_column(rows: &[serde_json::Value], name: &str) -> ArrayRef {
    Arc::new(StringArray::from(
        rows.iter()
            .map(|r| r[name].as_str().map(str::to_owned))
            .collect::<Vec<_>>(),
    ))
}

fn micros(s: &str) -> i64 {
    posture_core::Timestamp::parse_date_or_datetime(s)
        .unwrap()
        .0
        .timestamp_micros()
}

fn time_column(rows: &[serde_json::Value], name: &str) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from(
            rows.iter()
                .map(|r| micros(r[name].as_str().unwrap()))
                .collect::<Vec<_>>(),
        )
        .with_timezone("UTC"),
    )
}

fn list_column(rows: &[serde_json::Value], name: &str) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for r in rows {
        match r[name].as_array() {
            None => b.append(false),
            Some(items) => {
                for i in items {
                    b.values().append_value(i.as_str().unwrap());
                }
                b.append(true);
            }
        }
    }
    Arc::new(b.finish())
}

/// Writes a Parquet file of `columns`.
pub fn parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Writes typed Parquet files: timestamps (µs, UTC), lists of strings.
pub fn parquet_tables(dir: &Path, docs: &[FindingsDocument]) -> ScoreInputs {
    let r = rows(docs);
    let p = |n: &str| dir.join(format!("{n}.parquet"));
    parquet(
        &p("organizations"),
        vec![
            (
                "organization",
                text_column(&r.organizations, "organization"),
            ),
            ("as_of", time_column(&r.organizations, "as_of")),
            (
                "assessed_factors",
                list_column(&r.organizations, "assessed_factors"),
            ),
        ],
    );
    parquet(
        &p("assets"),
        vec![
            ("organization", text_column(&r.assets, "organization")),
            ("asset", text_column(&r.assets, "asset")),
        ],
    );
    let f = &r.findings;
    parquet(
        &p("findings"),
        vec![
            ("organization", text_column(f, "organization")),
            ("issue", text_column(f, "issue")),
            ("asset", text_column(f, "asset")),
            ("status", text_column(f, "status")),
            ("first_seen", time_column(f, "first_seen")),
            ("last_seen", time_column(f, "last_seen")),
        ],
    );
    let breaches = (!r.breaches.is_empty()).then(|| {
        parquet(
            &p("breaches"),
            vec![
                ("organization", text_column(&r.breaches, "organization")),
                ("date", time_column(&r.breaches, "date")),
            ],
        );
        p("breaches")
    });
    ScoreInputs {
        organizations: p("organizations"),
        assets: p("assets"),
        findings: p("findings"),
        breaches,
    }
}

fn strings(a: &ArrayRef) -> Vec<Option<String>> {
    let a = cast(a, &DataType::Utf8).unwrap();
    a.as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

/// Reads an output file's four columns, in file order.
pub fn read(path: &Path) -> Vec<Row> {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut out = Vec::new();
    for b in reader {
        let b = b.unwrap();
        assert_eq!(b.num_columns(), 4, "{:?}", b.schema());
        let [o, s, f, g] = [0, 1, 2, 3].map(|k| strings(b.column(k)));
        for (((o, s), f), g) in o.into_iter().zip(s).zip(f).zip(g) {
            out.push((o.unwrap(), s, f, g));
        }
    }
    out
}

/// The output's column names.
pub fn columns(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let b = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    b.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// Whether `a` holds any null (for checks on the written schema).
pub fn has_nulls(a: &dyn Array) -> bool {
    a.null_count() > 0
}

/// The aggregate form, `posture_score_agg`, over finding rows grouped by
/// organisation.
pub const AGGREGATE_SQL: &str = "\
SELECT o.organization,
       posture_score_agg(o.organization, o.as_of, o.assessed_factors, a.assets,
                         f.issue, f.asset, f.status, f.first_seen, f.last_seen) AS r
FROM organizations o
JOIN (SELECT organization, array_agg(asset) AS assets FROM assets GROUP BY organization) a
  ON a.organization = o.organization
LEFT JOIN findings f ON f.organization = o.organization
GROUP BY o.organization
ORDER BY o.organization";

/// Registers the three Parquet tables of `inputs` on `ctx`.
pub async fn register_tables(ctx: &datafusion::prelude::SessionContext, inputs: &ScoreInputs) {
    for (name, path) in [
        ("organizations", &inputs.organizations),
        ("assets", &inputs.assets),
        ("findings", &inputs.findings),
    ] {
        ctx.register_parquet(
            name,
            path.to_str().unwrap(),
            datafusion::prelude::ParquetReadOptions::default(),
        )
        .await
        .unwrap();
    }
}

/// The rows of `SELECT organization, r` where `r` is a function's result
/// struct.
pub fn struct_rows(batches: &[RecordBatch]) -> Vec<Row> {
    let mut rows = Vec::new();
    for b in batches {
        let orgs = strings(b.column(0));
        let r = b.column(1).as_struct();
        let [s, f, g] = [0, 1, 2].map(|k| strings(r.column(k)));
        for (((o, s), f), g) in orgs.into_iter().zip(s).zip(f).zip(g) {
            rows.push((o.unwrap(), s, f, g));
        }
    }
    rows
}
