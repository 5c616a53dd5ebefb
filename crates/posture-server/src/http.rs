//! Responses, the request log and the request timeout.

use crate::app::{App, SubmitError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The actor a response was made for, for the request log.
#[derive(Debug, Clone)]
pub(crate) struct LoggedActor(pub(crate) String);

/// Marks `resp` as made for `actor` (the request log names them).
pub(crate) fn for_actor(mut resp: Response, actor: &str) -> Response {
    resp.extensions_mut().insert(LoggedActor(actor.to_owned()));
    resp
}

/// A JSON response.
pub(crate) fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from(body),
        )
            .into_response(),
        Err(e) => error_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            &e.to_string(),
        ),
    }
}

/// `{"error": {"code", "message"}}`, the body of every API error (as the
/// CLI prints a query it may not answer).
pub(crate) fn error_json(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        &crate::wire::ApiError {
            error: posture_plan::WorkflowError {
                code: code.to_owned(),
                message: message.to_owned(),
            },
        },
    )
}

/// The answer to a request without valid credentials: the same for a
/// missing token and a wrong one.
pub(crate) fn unauthorized() -> Response {
    let mut r = error_json(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing or wrong credentials: send `Authorization: Bearer TOKEN`",
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// The one body of "no such thing here": an unknown route, and a route the
/// caller may not use, answer it alike.
pub(crate) fn no_such_resource() -> Response {
    error_json(StatusCode::NOT_FOUND, "not_found", "no such resource")
}

/// The HTTP status of a workflow refusal: `not_found` 404 (also for what
/// the caller may not see), `forbidden` 403, `conflict` and
/// `invalid_state` 409, `invalid` (and anything else) 400.
pub(crate) fn status_of(code: &str) -> StatusCode {
    match code {
        "not_found" => StatusCode::NOT_FOUND,
        "forbidden" => StatusCode::FORBIDDEN,
        "conflict" | "invalid_state" => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A command that got no workflow response.
pub(crate) fn submit_failed(e: &SubmitError) -> Response {
    match e {
        SubmitError::ShuttingDown => error_json(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down; the command was not run",
        ),
        SubmitError::Store(m) => error_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store",
            &format!("the store failed; the command was not committed: {m}"),
        ),
    }
}

/// Every request: bounded by the request timeout, given the security
/// headers, and logged on stderr as one line (method, path, status,
/// duration, actor; never a token, a cookie or a query string).
pub(crate) async fn around(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = posture_core::echo(req.uri().path()).to_string();
    let limit = app.request_timeout;
    let mut resp = match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => error_json(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            &format!(
                "no answer within {} ms; a command may still have been applied: \
                 repeat it with the same request_id to learn its outcome",
                limit.as_millis()
            ),
        ),
    };
    let h = resp.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: with the latter, browsers send
    // `Origin: null` on a form post, and the login form checks its origin.
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(csp) = HeaderValue::from_str(&app.csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let actor = resp
        .extensions()
        .get::<LoggedActor>()
        .map_or_else(|| "-".to_owned(), |a| posture_core::echo(&a.0).to_string());
    eprintln!(
        "posture: {method} {} {} {:.1}ms user={actor}",
        posture_core::escape_controls(&path),
        resp.status().as_u16(),
        duration_ms(start.elapsed())
    );
    resp
}

fn duration_ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Parses `a=b&c=d` (a query string or a form body) into pairs.
pub(crate) fn pairs(text: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(text)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of `name` among `pairs`.
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A path segment percent-encoded (everything but unreserved characters).
pub(crate) fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_pairs() {
        assert_eq!(segment("a b/c?é"), "a%20b%2Fc%3F%C3%A9");
        let p = pairs(b"token=a%2Bb&csrf=x&empty=");
        assert_eq!(field(&p, "token"), Some("a+b"));
        assert_eq!(field(&p, "empty"), Some(""));
        assert_eq!(field(&p, "none"), None);
        assert_eq!(status_of("not_found"), StatusCode::NOT_FOUND);
        assert_eq!(status_of("invalid_state"), StatusCode::CONFLICT);
    }
}
