//! `posture score`, `posture improve`, `posture csr` and `posture catalog`.

use crate::Format;
use crate::batch::{self, Spool};
use crate::error::CliError;
use crate::io::read_file;
use crate::table;
use posture::{Assessment, Catalog, ModelConfig, PostureV1, Scale, Target};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// Loads `--catalog` (or the built-in one).
pub fn load_catalog(path: Option<&Path>) -> Result<Arc<Catalog>, CliError> {
    match path {
        None => Ok(Catalog::builtin()),
        Some(p) => posture::catalog_from_file(&read_file(p)?, p)
            .map(Arc::new)
            .map_err(|e| CliError::Input(format!("{}: {e}", p.display()))),
    }
}

/// Loads `--model-config` (or the defaults).
pub fn load_config(path: Option<&Path>) -> Result<ModelConfig, CliError> {
    match path {
        None => Ok(ModelConfig::default()),
        Some(p) => ModelConfig::from_json(&read_file(p)?)
            .map_err(|e| CliError::Input(format!("{}: {e}", p.display()))),
    }
}

/// Loads `--model-config` (or the defaults) and builds the model.
pub fn load_model(path: Option<&Path>) -> Result<PostureV1, CliError> {
    let config = load_config(path)?;
    PostureV1::new(config.score).map_err(|e| CliError::Input(format!("model config: {e}")))
}

/// `posture score`: each document validated and scored as it streams in
/// (see [`crate::batch`]).
pub fn score(
    input: &str,
    catalog: Option<&Path>,
    model_config: Option<&Path>,
    scale: Scale,
    format: Format,
) -> Result<Spool, CliError> {
    let catalog = load_catalog(catalog)?;
    let model = load_model(model_config)?;
    let width = table::width();
    batch::run(
        input,
        format,
        |d| {
            let a = Assessment::from_json(d.text, &catalog)?;
            Ok(posture::ScoringModel::score(&model, &a).with_scale(scale))
        },
        |card| table::scorecard_for(card, Some(&catalog), width),
    )
}

/// `posture improve`.
pub fn improve(
    input: &str,
    target: &str,
    catalog: Option<&Path>,
    model_config: Option<&Path>,
    format: Format,
) -> Result<Spool, CliError> {
    let target: Target = target
        .parse()
        .map_err(|e| CliError::Usage(format!("--target: {e}")))?;
    let catalog = load_catalog(catalog)?;
    let model = load_model(model_config)?;
    let width = table::width();
    batch::run(
        input,
        format,
        |d| {
            let a = Assessment::from_json(d.text, &catalog)?;
            posture::improve(&model, &a, target)
        },
        |p| table::improvement_for(p, Some(&catalog), width),
    )
}

/// `posture catalog [ID]`: the list, or one issue type explained.
pub fn catalog(path: Option<&Path>, id: Option<&str>, format: Format) -> Result<String, CliError> {
    let catalog = load_catalog(path)?;
    if let Some(id) = id {
        return crate::explain::explain(&catalog, id, format);
    }
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                id: &'a str,
                #[serde(skip_serializing_if = "Option::is_none")]
                version: Option<&'a str>,
                digest: &'a str,
                issues: &'a [posture::IssueType],
            }
            let out = Out {
                id: catalog.id(),
                version: catalog.version(),
                digest: catalog.digest(),
                issues: catalog.issues(),
            };
            Ok(serde_json::to_string(&out)? + "\n")
        }
        Format::Table => Ok(table::catalog(&catalog, table::width())),
    }
}

/// `posture csr`.
pub fn csr(
    input: &str,
    catalog: Option<&Path>,
    model_config: Option<&Path>,
    format: Format,
) -> Result<Spool, CliError> {
    use posture::csr::{Aggregation, CsrV1, Portfolio};
    let catalog = load_catalog(catalog)?;
    let config = load_config(model_config)?;
    let model = PostureV1::new(config.score.clone())
        .map_err(|e| CliError::Input(format!("model config: {e}")))?;
    let csr = CsrV1::new(model, &config.score, config.csr.clone())
        .map_err(|e| CliError::Input(format!("model config: {e}")))?;
    let width = table::width();
    batch::run(
        input,
        format,
        |d| Ok(csr.aggregate(&Portfolio::from_json(d.text)?.validate(&catalog)?)),
        |r| table::csr_for(r, width),
    )
}
