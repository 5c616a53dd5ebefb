//! The model-configuration file (`--model-config FILE`) shared by every
//! layer's parameters.

use posture_core::Error;
use posture_csr::CsrConfig;
use posture_csr::timeline::TimelineConfig;
use posture_score::ScoreConfig;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every model parameter a host may set, by layer. Missing sections and
/// fields take the spec's defaults; unknown fields are rejected.
///
/// ```
/// let c = posture::ModelConfig::from_json(r#"{"score": {"max_penalty": "0.9"}}"#).unwrap();
/// assert_eq!(c.score.max_penalty.to_string(), "0.9");
/// assert!(posture::ModelConfig::from_json(r#"{"score": {"max_penalty": "1.5"}}"#).is_err());
/// assert!(posture::ModelConfig::from_json(r#"{"scoring": {}}"#).is_err());
/// let m = posture::ModelConfig::from_json(r#"{"models": {"bitsight-like": {"half_life_days": "30"}}}"#).unwrap();
/// assert!(m.models.contains_key("bitsight-like"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ModelConfig {
    /// posture-v1 parameters (scoring-v1 sections 1 and 2).
    pub score: ScoreConfig,
    /// csr-v1 parameters (section 4).
    pub csr: CsrConfig,
    /// Risk-timeline parameters (section 5).
    pub timeline: TimelineConfig,
    /// Parameters of other registered scoring models, by model id (read by
    /// `posture eval`; posture-v1 takes its parameters from `score`). Each
    /// model checks its own section when it is built.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, serde_json::Value>,
}

impl ModelConfig {
    /// Parses and validates a configuration file's text.
    ///
    /// # Errors
    /// Bad JSON, unknown fields, or parameters out of range, with the path.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let c: ModelConfig = posture_core::from_json_str(text)?;
        c.score.validate().map_err(|e| e.within("score"))?;
        c.csr.validate().map_err(|e| e.within("csr"))?;
        c.timeline.validate().map_err(|e| e.within("timeline"))?;
        Ok(c)
    }
}

/// The catalog in the text of the file `path` (`--catalog FILE`): a
/// catalog whose JSON names no `id` is named after the file's stem. Every
/// process that reads the same file (`posture`, `posture-ballista`) names
/// it, and so fingerprints it, alike.
///
/// ```
/// use std::path::Path;
/// let text = posture::Catalog::builtin_json();
/// let c = posture::catalog_from_file(text, Path::new("conf/mine.json")).unwrap();
/// assert_eq!(c.issues().len(), posture::Catalog::builtin().issues().len());
/// ```
///
/// # Errors
/// The text is not a valid catalog.
pub fn catalog_from_file(
    text: &str,
    path: &std::path::Path,
) -> Result<posture_core::Catalog, posture_core::CatalogError> {
    let stem = path.file_stem().map_or_else(
        || "catalog".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    posture_core::Catalog::from_json(text, &stem)
}
