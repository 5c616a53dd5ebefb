//! Why a command was refused.

use posture_core::echo;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a command was refused. `code` is stable: `not_found` (also for
/// everything the actor may not see: existence is never leaked),
/// `forbidden`, `invalid`, `conflict`, `invalid_state`.
///
/// Messages echo input values escaped and cut to 120 characters
/// ([`posture_core::echo()`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, thiserror::Error)]
#[error("{code}: {message}")]
pub struct WorkflowError {
    /// `not_found`, `forbidden`, `invalid`, `conflict`, `invalid_state`.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

impl WorkflowError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        WorkflowError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
    /// Also for everything the actor may not see: existence is not leaked.
    ///
    /// ```
    /// let e = posture_plan::WorkflowError::not_found("plan", "acme/p1");
    /// assert_eq!(e.to_string(), "not_found: no plan `acme/p1`");
    /// ```
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new("not_found", format!("no {what} `{}`", echo(id)))
    }
    /// Visible, but not the actor's to do.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new("forbidden", message)
    }
    /// Malformed or inconsistent.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid", message)
    }
    /// Other content under an existing id, or a request id reused for
    /// another command.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new("conflict", message)
    }
    /// A transition the current state does not allow.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new("invalid_state", message)
    }
}
