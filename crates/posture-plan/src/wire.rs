//! The workflow's NDJSON wire form: one `{"actor", "at", "command"}` line
//! per request, one response line each (`posture workflow apply`, the C
//! ABI, the server).

use crate::error::WorkflowError;
use crate::model::Command;
use crate::store::{Request, Response};
use posture_core::Timestamp;
use serde::Deserialize;

/// One input line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    actor: String,
    at: Timestamp,
    command: Command,
}

/// Parses input line `line_no` (from 1): the request, `None` for a blank
/// line, or the in-band refusal naming the line (and the byte, for text
/// that is not UTF-8).
///
/// ```
/// use posture_plan::wire::parse_line;
/// let ok = parse_line(1, br#"{"actor": "host", "at": "2026-11-01T00:00:00Z",
///     "command": {"type": "record_login", "user": "alice"}}"#);
/// assert_eq!(ok.unwrap().unwrap().actor, "host");
/// assert!(parse_line(2, b"   ").is_none());
/// let bad = parse_line(3, b"{\"actor\": \xff}").unwrap().unwrap_err();
/// assert!(!bad.is_ok());
/// ```
pub fn parse_line(line_no: usize, raw: &[u8]) -> Option<Result<Request, Response>> {
    let refuse = |m: String| Some(Err(Response::error(WorkflowError::invalid(m))));
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            return refuse(format!(
                "line {line_no}: not UTF-8 (invalid byte at byte {} of the line)",
                e.valid_up_to() + 1
            ));
        }
    };
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match posture_core::from_json_str::<Line>(text) {
        Ok(l) => Ok(Request {
            actor: l.actor,
            at: l.at,
            command: l.command,
        }),
        Err(e) => return refuse(format!("line {line_no}: {e}")),
    })
}
