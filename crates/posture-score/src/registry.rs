//! The model registry: scoring models by id, each built from its
//! parameters, so that a host can offer its own models beside the built-in
//! ones (`posture eval --models`, for instance, names them).

use crate::config::ScoreConfig;
use crate::model::{POSTURE_V1, PostureV1, ScoringModel};
use posture_core::Error;
use serde::de::DeserializeOwned;

/// Builds a model from its parameters: the model's section of a model
/// configuration file, `null` when the file has none (then the model's
/// defaults apply).
pub type ModelFactory =
    dyn Fn(&serde_json::Value) -> Result<Box<dyn ScoringModel>, Error> + Send + Sync;

/// One registered model.
struct Entry {
    id: String,
    summary: String,
    factory: Box<ModelFactory>,
}

/// Scoring models by id, in registration order.
///
/// [`ModelRegistry::new`] holds `posture-v1`; a host registers its own
/// models with [`ModelRegistry::register`] (the research crate registers
/// its comparison baselines the same way).
///
/// ```
/// use posture_score::{ModelRegistry, PostureV1, ScoreConfig, ScoringModel, Scorecard};
/// use posture_core::{Assessment, IssueIdx};
///
/// /// posture-v1 without its breach penalty, under an id of its own.
/// struct Calm(PostureV1);
/// impl ScoringModel for Calm {
///     fn id(&self) -> &str { "calm" }
///     fn score_fixing(&self, a: &Assessment, fixed: &[IssueIdx]) -> Scorecard {
///         let mut card = self.0.score_fixing(a, fixed);
///         card.model = "calm".into();
///         card
///     }
/// }
///
/// let mut registry = ModelRegistry::new();
/// registry.register("calm", "posture-v1 without the breach penalty", |params| {
///     let mut config: ScoreConfig = posture_score::parameters(params)?;
///     config.breach_penalty = rust_decimal::Decimal::ZERO;
///     Ok(Box::new(Calm(PostureV1::new(config)?)))
/// })?;
/// assert_eq!(registry.ids(), ["posture-v1", "calm"]);
/// let model = registry.build("calm", &serde_json::Value::Null)?;
/// assert_eq!(model.id(), "calm");
///
/// // Ids are unique, and an unknown id names the known ones.
/// assert!(registry.register("calm", "again", |_| unreachable!()).is_err());
/// let e = registry.build("nope", &serde_json::Value::Null).err().unwrap();
/// assert_eq!(e.to_string(), "models: unknown model `nope`; known: posture-v1, calm");
/// # Ok::<(), posture_core::Error>(())
/// ```
pub struct ModelRegistry {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for ModelRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| &e.id))
            .finish()
    }
}

impl Default for ModelRegistry {
    fn default() -> Self {
        ModelRegistry::new()
    }
}

/// A model id: lower-case ASCII letters, digits and `-`, starting with a
/// letter, at most 64 characters.
fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

impl ModelRegistry {
    /// A registry holding `posture-v1`, whose parameters are a
    /// [`ScoreConfig`].
    pub fn new() -> Self {
        let mut r = ModelRegistry::empty();
        r.entries.push(Entry {
            id: POSTURE_V1.to_owned(),
            summary: "the default model of scoring-v1: multiplicative penalties by severity and log spread over the footprint".to_owned(),
            factory: Box::new(|params| {
                let config: ScoreConfig = parameters(params)?;
                Ok(Box::new(PostureV1::new(config)?))
            }),
        });
        r
    }

    /// A registry without any model.
    pub fn empty() -> Self {
        ModelRegistry {
            entries: Vec::new(),
        }
    }

    /// Registers a model under `id`, with a one-line summary for people.
    ///
    /// # Errors
    /// An id that is not lower-case letters, digits and `-` (starting with
    /// a letter, at most 64 characters), or one already registered.
    pub fn register<F>(&mut self, id: &str, summary: &str, factory: F) -> Result<&mut Self, Error>
    where
        F: Fn(&serde_json::Value) -> Result<Box<dyn ScoringModel>, Error> + Send + Sync + 'static,
    {
        if !valid_id(id) {
            return Err(Error::OutOfRange {
                path: "id".to_owned(),
                message: format!(
                    "`{}` is not a model id (a-z, 0-9 and '-', starting with a letter, at most 64 characters)",
                    posture_core::echo(id)
                ),
            });
        }
        if self.contains(id) {
            return Err(Error::OutOfRange {
                path: "id".to_owned(),
                message: format!("model `{id}` is already registered"),
            });
        }
        self.entries.push(Entry {
            id: id.to_owned(),
            summary: summary.to_owned(),
            factory: Box::new(factory),
        });
        Ok(self)
    }

    /// The ids, in registration order.
    pub fn ids(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.id.as_str()).collect()
    }

    /// Whether `id` is registered.
    pub fn contains(&self, id: &str) -> bool {
        self.entries.iter().any(|e| e.id == id)
    }

    /// The one-line summary of a registered model.
    pub fn summary(&self, id: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.summary.as_str())
    }

    /// Builds the model registered as `id` from its parameters (`null`
    /// for its defaults).
    ///
    /// # Errors
    /// An unknown id (the message lists the known ones), or parameters the
    /// model refuses, located within them.
    pub fn build(
        &self,
        id: &str,
        params: &serde_json::Value,
    ) -> Result<Box<dyn ScoringModel>, Error> {
        match self.entries.iter().find(|e| e.id == id) {
            Some(e) => (e.factory)(params),
            None => Err(Error::OutOfRange {
                path: "models".to_owned(),
                message: format!(
                    "unknown model `{}`; known: {}",
                    posture_core::echo(id),
                    self.ids().join(", ")
                ),
            }),
        }
    }
}

/// Reads a model's parameters from their JSON value: `null` gives the
/// defaults; unknown fields and bad values are errors located by their
/// path (`severity_weights.high`).
///
/// ```
/// use posture_score::{ScoreConfig, parameters};
/// let c: ScoreConfig = parameters(&serde_json::json!({"max_penalty": "0.9"})).unwrap();
/// assert_eq!(c.max_penalty.to_string(), "0.9");
/// let d: ScoreConfig = parameters(&serde_json::Value::Null).unwrap();
/// assert_eq!(d, ScoreConfig::default());
/// let e = parameters::<ScoreConfig>(&serde_json::json!({"max_penality": "0.9"})).unwrap_err();
/// assert!(e.to_string().contains("max_penality"), "{e}");
/// ```
///
/// # Errors
/// As [`posture_core::from_json_str`].
pub fn parameters<T: DeserializeOwned + Default>(value: &serde_json::Value) -> Result<T, Error> {
    if value.is_null() {
        return Ok(T::default());
    }
    // Through text, so that errors carry their JSON path.
    posture_core::from_json_str(&value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posture_v1_takes_a_score_config_and_checks_it() {
        let r = ModelRegistry::new();
        assert_eq!(r.ids(), ["posture-v1"]);
        assert!(r.summary("posture-v1").is_some());
        let m = r.build("posture-v1", &serde_json::Value::Null).unwrap();
        assert_eq!(m.id(), "posture-v1");
        let e = r
            .build("posture-v1", &serde_json::json!({"max_penalty": "1.5"}))
            .err()
            .unwrap();
        assert_eq!(e.path(), Some("max_penalty"));
    }

    #[test]
    fn ids_are_checked() {
        let mut r = ModelRegistry::empty();
        for bad in ["", "Posture", "1x", "a_b", &"x".repeat(65)] {
            assert!(
                r.register(bad, "", |_| Ok(Box::new(PostureV1::default())))
                    .is_err(),
                "{bad}"
            );
        }
        assert!(
            r.register("x-1", "", |_| Ok(Box::new(PostureV1::default())))
                .is_ok()
        );
        assert_eq!(format!("{r:?}"), r#"["x-1"]"#);
    }
}
