//! Batches in memory, as `posture score`, `improve` and `csr` run them:
//! one document, a JSON array or NDJSON in; one compact JSON value per
//! document out, one per line, in input order; every document validated
//! before any result is returned, the first bad one located by document
//! and line. Documents are processed in parallel (rayon's pool).
//!
//! This is what bindings call (the C ABI, the Python module): the same
//! bytes as the command line, for the same input. An [`Engine`] holds the
//! catalog and the model parameters (`--catalog`, `--model-config`); the
//! free functions use the built-in catalog and the spec's defaults.
//!
//! ```
//! let out = posture::batch::score_text(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
//!   "assets": ["a.example"], "findings": []}"#).unwrap();
//! assert!(out.starts_with(r#"{"organization":"a""#) && out.ends_with("}\n"));
//! let e = posture::batch::score_text("{\"a\":1}\n{\"b\":2}").unwrap_err();
//! assert_eq!((e.number, e.line, e.code()), (1, 1, "invalid_field"));
//! ```

use crate::csr::{Aggregation, CsrV1, Portfolio};
use crate::{Assessment, Catalog, ModelConfig, PostureV1, ScoringModel, Target};
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

/// A catalog and model parameters: what `--catalog` and `--model-config`
/// set on the command line.
#[derive(Debug, Clone)]
pub struct Engine {
    catalog: Arc<Catalog>,
    model: PostureV1,
    config: ModelConfig,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            catalog: Catalog::builtin(),
            model: PostureV1::default(),
            config: ModelConfig::default(),
        }
    }
}

/// Why an [`Engine`] could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The catalog is not valid.
    #[error("catalog: {0}")]
    Catalog(#[from] posture_core::CatalogError),
    /// The model configuration is not valid (its field named).
    #[error("model config: {0}")]
    Config(#[from] posture_core::Error),
}

impl EngineError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Catalog(_) => "invalid_catalog",
            EngineError::Config(e) => e.code(),
        }
    }
}

impl Engine {
    /// An engine with a catalog (JSON: a catalog file, or a bare array of
    /// issue types; `None`: the built-in one) and a model configuration
    /// (JSON, `posture schema model-config`; `None`: the spec's defaults).
    ///
    /// ```
    /// let e = posture::batch::Engine::new(Some(r#"[{"id": "t1", "factor": "dns_health",
    ///   "severity": "high", "decay_days": 30, "provisional": false}]"#), None).unwrap();
    /// assert_eq!(e.catalog().len(), 1);
    /// assert!(posture::batch::Engine::new(Some("[]"), None).is_err());
    /// ```
    ///
    /// # Errors
    /// An invalid catalog or configuration, located.
    pub fn new(catalog: Option<&str>, model_config: Option<&str>) -> Result<Engine, EngineError> {
        let catalog = match catalog {
            Some(text) => Arc::new(Catalog::from_json(text, "catalog")?),
            None => Catalog::builtin(),
        };
        let config = match model_config {
            Some(text) => ModelConfig::from_json(text)?,
            None => ModelConfig::default(),
        };
        let model = PostureV1::new(config.score.clone())?;
        Ok(Engine {
            catalog,
            model,
            config,
        })
    }

    /// The catalog.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// `posture score --format json`.
    ///
    /// # Errors
    /// As [`run_text`].
    pub fn score_text(&self, text: &str) -> Result<String, BatchError> {
        run_text(text, |d| {
            Ok(self
                .model
                .score(&Assessment::from_json(d.text, self.catalog.clone())?))
        })
    }

    /// `posture improve --target TARGET --format json` (parse the target
    /// with `"B".parse::<posture::Target>()`).
    ///
    /// # Errors
    /// As [`run_text`].
    pub fn improve_text(&self, text: &str, target: Target) -> Result<String, BatchError> {
        run_text(text, |d| {
            crate::improve(
                &self.model,
                &Assessment::from_json(d.text, self.catalog.clone())?,
                target,
            )
        })
    }

    /// `posture csr --format json`.
    ///
    /// # Errors
    /// As [`run_text`]; a configuration the aggregation refuses is
    /// reported as document 0.
    pub fn csr_text(&self, text: &str) -> Result<String, BatchError> {
        let csr = CsrV1::new(
            self.model.clone(),
            &self.config.score,
            self.config.csr.clone(),
        )
        .map_err(|source| BatchError {
            number: 0,
            line: 1,
            source,
        })?;
        run_text(text, |d| {
            Ok(csr.aggregate(&Portfolio::from_json(d.text)?.validate(&self.catalog)?))
        })
    }
}

/// [`Engine::score_text`] with the built-in catalog and default model.
///
/// # Errors
/// As [`run_text`].
pub fn score_text(text: &str) -> Result<String, BatchError> {
    Engine::default().score_text(text)
}

/// [`Engine::improve_text`] with the built-in catalog and default model.
///
/// # Errors
/// As [`run_text`].
pub fn improve_text(text: &str, target: Target) -> Result<String, BatchError> {
    Engine::default().improve_text(text, target)
}

/// [`Engine::csr_text`] with the built-in catalog and default parameters.
///
/// # Errors
/// As [`run_text`].
pub fn csr_text(text: &str) -> Result<String, BatchError> {
    Engine::default().csr_text(text)
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
