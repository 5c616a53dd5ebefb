//! `posture score`, `posture improve` and `posture catalog`.

use crate::Format;
use crate::error::CliError;
use crate::io::{read_file, read_input};
use crate::table;
use posture::{Assessment, Catalog, FindingsDocument, ModelConfig, PostureV1, Scale, Target};
use posture_core::input::{BatchShape, parse_batch, split_documents};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// Loads `--catalog` (or the built-in one).
pub fn load_catalog(path: Option<&Path>) -> Result<Arc<Catalog>, CliError> {
    match path {
        None => Ok(Catalog::builtin()),
        Some(p) => {
            let text = read_file(p)?;
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "catalog".to_owned());
            Catalog::from_json(&text, &stem)
                .map(Arc::new)
                .map_err(|e| CliError::Input(format!("{}: {e}", p.display())))
        }
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

/// Reads, splits and validates every document before any is scored.
pub fn load_assessments(
    input: &str,
    catalog: &Arc<Catalog>,
) -> Result<(BatchShape, Vec<Assessment>), CliError> {
    let (text, name) = read_input(input)?;
    let (shape, docs) =
        split_documents(&text).map_err(|e| CliError::Input(format!("{name}: {e}")))?;
    let assessments = parse_batch(&docs, |d| {
        FindingsDocument::from_json(d.text)?.validate(catalog.clone())
    })
    .map_err(|e| CliError::Input(format!("{name}: {e}")))?;
    Ok((shape, assessments))
}

/// Renders results as one pretty JSON object (single) or NDJSON (batch).
pub fn render_json<T: Serialize>(shape: BatchShape, items: &[T]) -> Result<String, CliError> {
    let mut out = String::new();
    match (shape, items) {
        (BatchShape::Single, [one]) => {
            out.push_str(&serde_json::to_string_pretty(one)?);
            out.push('\n');
        }
        _ => {
            for item in items {
                out.push_str(&serde_json::to_string(item)?);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// `posture score`.
pub fn score(
    input: &str,
    catalog: Option<&Path>,
    model_config: Option<&Path>,
    scale: Scale,
    format: Format,
) -> Result<String, CliError> {
    let catalog = load_catalog(catalog)?;
    let model = load_model(model_config)?;
    let (shape, assessments) = load_assessments(input, &catalog)?;
    let cards: Vec<_> = assessments
        .par_iter()
        .map(|a| posture::ScoringModel::score(&model, a).with_scale(scale))
        .collect();
    match format {
        Format::Json => render_json(shape, &cards),
        Format::Table => Ok(cards
            .iter()
            .map(table::scorecard)
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

/// `posture improve`.
pub fn improve(
    input: &str,
    target: &str,
    catalog: Option<&Path>,
    model_config: Option<&Path>,
    format: Format,
) -> Result<String, CliError> {
    let target: Target = target
        .parse()
        .map_err(|e| CliError::Usage(format!("--target: {e}")))?;
    let catalog = load_catalog(catalog)?;
    let model = load_model(model_config)?;
    let (shape, assessments) = load_assessments(input, &catalog)?;
    let plans = assessments
        .par_iter()
        .enumerate()
        .map(|(i, a)| {
            posture::plan(&model, a, target).map_err(|e| {
                let prefix = if shape == BatchShape::Single {
                    String::new()
                } else {
                    format!("document {}: ", i + 1)
                };
                CliError::Input(format!("{input}: {prefix}{e}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    match format {
        Format::Json => render_json(shape, &plans),
        Format::Table => Ok(plans.iter().map(table::plan).collect::<Vec<_>>().join("\n")),
    }
}

/// `posture catalog`.
pub fn catalog(path: Option<&Path>, format: Format) -> Result<String, CliError> {
    let catalog = load_catalog(path)?;
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
            Ok(serde_json::to_string_pretty(&out)? + "\n")
        }
        Format::Table => Ok(table::catalog(&catalog)),
    }
}

/// `posture csr`.
pub fn csr(
    input: &str,
    catalog: Option<&Path>,
    model_config: Option<&Path>,
    format: Format,
) -> Result<String, CliError> {
    use posture::csr::{Aggregation, CsrV1, Portfolio};
    let catalog = load_catalog(catalog)?;
    let config = load_config(model_config)?;
    let model = PostureV1::new(config.score.clone())
        .map_err(|e| CliError::Input(format!("model config: {e}")))?;
    let csr = CsrV1::new(model, &config.score, config.csr.clone())
        .map_err(|e| CliError::Input(format!("model config: {e}")))?;
    let (text, name) = read_input(input)?;
    let (shape, docs) =
        split_documents(&text).map_err(|e| CliError::Input(format!("{name}: {e}")))?;
    let portfolios = parse_batch(&docs, |d| Portfolio::from_json(d.text)?.validate(&catalog))
        .map_err(|e| CliError::Input(format!("{name}: {e}")))?;
    let results: Vec<_> = portfolios.par_iter().map(|p| csr.aggregate(p)).collect();
    match format {
        Format::Json => render_json(shape, &results),
        Format::Table => Ok(results
            .iter()
            .map(table::csr)
            .collect::<Vec<_>>()
            .join("\n")),
    }
}
