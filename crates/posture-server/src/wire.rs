//! The API's own bodies, beside the workflow's types it carries: what
//! `POST /api/v1/commands` takes, what `GET /api/v1/outbox` answers, and
//! the body of every API error that is not a refused command. Each has a
//! JSON Schema (`posture schema api-command-request`, `api-outbox-page`,
//! `api-error`).

use posture_plan::{Command, Effect, WorkflowError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The body of `POST /api/v1/commands`: a workflow command, run as the
/// token's actor at the server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    /// The command (`posture schema workflow-command`).
    pub command: Command,
    /// Makes the command idempotent for its actor: the same actor sending
    /// the same command with this id again gets the first response
    /// without acting again (the command's own `request_id`, when it has
    /// one, must be the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One e-mail the workflow asked for, waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutboxEntry {
    /// Its place in the outbox (increasing): read on with `?after=SEQ`.
    pub seq: i64,
    /// When the command that asked for it was decided (RFC 3339).
    pub at: String,
    /// The e-mail effect (`{"type": "email", "template", "to",
    /// "requester", "plan"?}`).
    pub email: Effect,
}

/// The answer to `GET /api/v1/outbox?after=SEQ&limit=N`: e-mails oldest
/// first, and where to read on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutboxPage {
    /// Up to `limit` e-mails after `after`.
    pub emails: Vec<OutboxEntry>,
    /// The `after` of the next read: the last e-mail's `seq`, or the
    /// `after` asked for when there was none.
    pub next: i64,
}

/// The body of every API error but a refused command (which is a
/// workflow response, `{"ok": false, "error"}`): a missing or wrong
/// token (`401`), what the caller may not see or what does not exist
/// (`404`), a bad query parameter (`400`), a body over 1 MiB (`413`), a
/// timeout or a shutdown (`503`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiError {
    /// Its stable `code` and its `message`.
    pub error: WorkflowError,
}

/// `(name, schema)` of the API's own bodies, for `posture schema`.
///
/// ```
/// let names: Vec<_> = posture_server::api_schemas().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["api-command-request", "api-outbox-page", "api-error"]);
/// ```
pub fn api_schemas() -> Vec<(&'static str, schemars::Schema)> {
    vec![
        ("api-command-request", schemars::schema_for!(CommandRequest)),
        ("api-outbox-page", schemars::schema_for!(OutboxPage)),
        ("api-error", schemars::schema_for!(ApiError)),
    ]
}
