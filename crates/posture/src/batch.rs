//! Batches in memory, as `posture score`, `improve` and `csr` run them:
//! one document, a JSON array or NDJSON in; one compact JSON value per
//! document out, one per line, in input order; every document validated
//! before any result is returned, the first bad one located by document
//! and line. Documents are processed in parallel (rayon's pool).
//!
//! This is what bindings call (the C ABI, the Python module): the same
//! bytes as the command line, for the same input.
//!
//! ```
//! let out = posture::batch::score_text(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
//!   "assets": ["a.example"], "findings": []}"#).unwrap();
//! assert!(out.starts_with(r#"{"organization":"a""#) && out.ends_with("}\n"));
//! let e = posture::batch::score_text("{\"a\":1}\n{\"b\":2}").unwrap_err();
//! assert_eq!((e.number, e.line, e.code()), (1, 1, "invalid_field"));
//! ```

use crate::{Assessment, Catalog, PostureV1, ScoringModel};
use posture_core::input::{BatchError, RawDocument, split_documents};
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;

/// Every document of `text` through `f`, in parallel; each result as one
/// compact JSON line, in input order.
///
/// # Errors
/// The batch is not a sequence of JSON values, or the first document `f`
/// refuses (by number), located.
pub fn run_text<T, F>(text: &str, f: F) -> Result<String, BatchError>
where
    T: Serialize + Send,
    F: Fn(&RawDocument<'_>) -> Result<T, posture_core::Error> + Sync,
{
    let (_, docs) = split_documents(text)?;
    let results: Vec<Result<String, BatchError>> = docs
        .par_iter()
        .map(|d| {
            let located = |source| BatchError {
                number: d.number,
                line: d.line,
                source,
            };
            let item = f(d).map_err(located)?;
            serde_json::to_string(&item).map_err(|e| {
                located(posture_core::Error::Field {
                    path: ".".into(),
                    message: format!("the result could not be written: {e}"),
                })
            })
        })
        .collect();
    let mut out = String::new();
    for r in results {
        out.push_str(&r?);
        out.push('\n');
    }
    Ok(out)
}

/// `posture score --format json` with the built-in catalog and the default
/// model, on batch text.
///
/// # Errors
/// As [`run_text`].
pub fn score_text(text: &str) -> Result<String, BatchError> {
    let catalog = Catalog::builtin();
    let model = PostureV1::default();
    run_text(text, |d| {
        Ok(model.score(&Assessment::from_json(d.text, catalog.clone())?))
    })
}

/// `posture improve --target TARGET --format json` with the built-in
/// catalog and the default model, on batch text (parse the target with
/// `"B".parse::<posture::Target>()`).
///
/// # Errors
/// As [`run_text`].
pub fn improve_text(text: &str, target: crate::Target) -> Result<String, BatchError> {
    let catalog = Catalog::builtin();
    let model = PostureV1::default();
    run_text(text, |d| {
        crate::plan(
            &model,
            &Assessment::from_json(d.text, catalog.clone())?,
            target,
        )
    })
}

/// `posture csr --format json` with the built-in catalog and the default
/// parameters, on batch text.
///
/// # Errors
/// As [`run_text`].
pub fn csr_text(text: &str) -> Result<String, BatchError> {
    use crate::csr::{Aggregation, CsrConfig, CsrV1, Portfolio};
    let catalog = Catalog::builtin();
    let csr = CsrV1::new(
        PostureV1::default(),
        &crate::ScoreConfig::default(),
        CsrConfig::default(),
    )
    .map_err(|source| BatchError {
        number: 0,
        line: 1,
        source,
    })?;
    run_text(text, |d| {
        Ok(csr.aggregate(&Portfolio::from_json(d.text)?.validate(&catalog)?))
    })
}

/// The catalog as `posture catalog --format json` writes it: its id,
/// version, content digest and issue types.
pub fn catalog_document(catalog: &Arc<Catalog>) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    doc.insert("id".into(), catalog.id().into());
    if let Some(v) = catalog.version() {
        doc.insert("version".into(), v.into());
    }
    doc.insert("digest".into(), catalog.digest().into());
    doc.insert(
        "issues".into(),
        serde_json::to_value(catalog.issues()).unwrap_or_default(),
    );
    serde_json::Value::Object(doc)
}
