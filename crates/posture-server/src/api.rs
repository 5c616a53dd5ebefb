//! The JSON API (`/api/v1/...`), authenticated by bearer tokens. Request
//! and view types are the workflow's (the CLI's, with schemas).

use crate::app::App;
use crate::http::{
    error_json, for_actor, json, no_such_resource, pairs, status_of, submit_failed, unauthorized,
};
use crate::tokens::Principal;
use crate::wire::{CommandRequest, OutboxPage};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use posture_core::Timestamp;
use posture_plan::WorkflowError;
use posture_plan::query as q;
use std::sync::Arc;

fn authed(app: &App, headers: &HeaderMap) -> Result<Principal, Response> {
    app.bearer(headers).ok_or_else(unauthorized)
}

/// A workflow refusal of a query, as its status and `{"error"}` body.
fn refused(e: &WorkflowError) -> Response {
    error_json(status_of(&e.code), &e.code, &e.message)
}

/// A query's answer for `actor`: the view as JSON, or the refusal.
fn answer<T: serde::Serialize>(result: Result<T, WorkflowError>, actor: &str) -> Response {
    for_actor(
        match result {
            Ok(v) => json(StatusCode::OK, &v),
            Err(e) => refused(&e),
        },
        actor,
    )
}

fn bad_request(message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &posture_plan::Response::error(WorkflowError::invalid(message)),
    )
}

/// A request body within the limit, as UTF-8 text.
pub(crate) fn body_text(body: Result<Bytes, BytesRejection>) -> Result<String, Response> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            error_json(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the body is larger than the 1 MiB a request may have",
            )
        } else {
            error_json(rejection.status(), "bad_body", &rejection.body_text())
        }
    })?;
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        bad_request(&format!(
            "not UTF-8 (invalid byte at byte {})",
            e.utf8_error().valid_up_to() + 1
        ))
    })
}

/// `POST /api/v1/commands`: `{"command": {...}, "request_id"?}` run as the
/// token's actor at the server's clock; the workflow's response, after the
/// commit that made it durable. Status: 200 when accepted, else by the
/// refusal's code (see [`status_of`]).
pub(crate) async fn command(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let p = match authed(&app, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let text = match body_text(body) {
        Ok(t) => t,
        Err(r) => return for_actor(r, &p.actor),
    };
    let parsed: CommandRequest = match posture_core::from_json_str(&text) {
        Ok(b) => b,
        Err(e) => return for_actor(bad_request(&e.to_string()), &p.actor),
    };
    let command = match (parsed.request_id, parsed.command.request_id()) {
        (Some(outer), Some(inner)) if outer != inner => {
            return for_actor(
                bad_request("request_id: differs from command.request_id"),
                &p.actor,
            );
        }
        (Some(outer), None) => parsed.command.with_request_id(outer),
        _ => parsed.command,
    };
    let resp = match app.submit(&p.actor, command).await {
        Ok(r) => {
            let status = match &r {
                posture_plan::Response::Ok { .. } => StatusCode::OK,
                posture_plan::Response::Err { error, .. } => status_of(&error.code),
            };
            json(status, &r)
        }
        Err(e) => submit_failed(&e),
    };
    for_actor(resp, &p.actor)
}

fn query_pairs(raw: Option<String>) -> Vec<(String, String)> {
    raw.map(|q| pairs(q.as_bytes())).unwrap_or_default()
}

/// `GET /api/v1/plans?view=assigned|sent` (default `assigned`).
pub(crate) async fn plans(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = match authed(&app, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let pairs = query_pairs(raw);
    let now = Timestamp::now();
    let store = app.store.lock().await;
    let views = match crate::http::field(&pairs, "view").unwrap_or("assigned") {
        "assigned" => q::assigned(store.state(), &app.catalog, &p.actor, now),
        "sent" => q::sent(store.state(), &app.catalog, &p.actor, now),
        other => {
            return for_actor(
                error_json(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    &format!(
                        "view: `{}` is neither assigned nor sent",
                        posture_core::echo(other)
                    ),
                ),
                &p.actor,
            );
        }
    };
    drop(store);
    answer(views, &p.actor)
}

/// `GET /api/v1/plans/{id}`: `ID` or `ORG/ID`.
pub(crate) async fn plan(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = match authed(&app, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let store = app.store.lock().await;
    let v = q::plan_view(store.state(), &app.catalog, &p.actor, &id, Timestamp::now());
    drop(store);
    answer(v, &p.actor)
}

/// `GET /api/v1/contacts?invitation=&days_since_invite=MIN..MAX&expectation=&claimed=&logged_in_30d=&name=`.
pub(crate) async fn contacts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = match authed(&app, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filter = match crate::filters::contact_filter(&query_pairs(raw)) {
        Ok(f) => f,
        Err(m) => {
            return for_actor(error_json(StatusCode::BAD_REQUEST, "invalid", &m), &p.actor);
        }
    };
    let store = app.store.lock().await;
    let rows = q::contacts(store.state(), &p.actor, Timestamp::now(), &filter);
    drop(store);
    answer(rows, &p.actor)
}

/// `GET /api/v1/contacts/{id}/history` (`ID`, or `ORG/ID` with the `/`
/// percent-encoded).
pub(crate) async fn history(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = match authed(&app, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let h = match app.history(&p.actor, &id).await {
        Ok(h) => h,
        Err(m) => {
            return for_actor(
                error_json(StatusCode::INTERNAL_SERVER_ERROR, "store", &m),
                &p.actor,
            );
        }
    };
    answer(h, &p.actor)
}

/// `GET /api/v1/insights`.
pub(crate) async fn insights(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let p = match authed(&app, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let store = app.store.lock().await;
    let i = q::insights(store.state(), &p.actor, Timestamp::now());
    drop(store);
    answer(i, &p.actor)
}

/// `GET /api/v1/vendors/{org}/questionnaire-risks`: the vendor's open
/// risks raised by the caller's organisation.
pub(crate) async fn questionnaire_risks(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(org): Path<String>,
) -> Response {
    let p = match authed(&app, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let store = app.store.lock().await;
    let r = q::questionnaire_risks(store.state(), &p.actor, &org);
    drop(store);
    answer(r, &p.actor)
}

/// `GET /api/v1/outbox?after=SEQ&limit=N` (host tokens only; any other
/// caller gets the answer of a route that does not exist): the e-mails the
/// workflow asked for, oldest first, `{"emails": [...], "next": SEQ}`.
pub(crate) async fn outbox(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = match authed(&app, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !p.is_host() {
        return for_actor(no_such_resource(), &p.actor);
    }
    let pairs = query_pairs(raw);
    let number = |name: &str, default: i64| -> Result<i64, Response> {
        match crate::http::field(&pairs, name) {
            None => Ok(default),
            Some(v) => v.parse::<i64>().map_err(|_| {
                error_json(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    &format!("{name}: `{}` is not a whole number", posture_core::echo(v)),
                )
            }),
        }
    };
    let (after, limit) = match (number("after", 0), number("limit", 1000)) {
        (Ok(a), Ok(l)) => (a, l.clamp(1, 10_000)),
        (Err(r), _) | (_, Err(r)) => return for_actor(r, &p.actor),
    };
    let rows = match app.tables.lock() {
        Ok(conn) => crate::outbox::read(&conn, after, limit).map_err(|e| e.to_string()),
        Err(_) => Err("the tables' lock is poisoned".to_owned()),
    };
    for_actor(
        match rows {
            Ok(emails) => {
                let next = emails.last().map_or(after, |e| e.seq);
                json(StatusCode::OK, &OutboxPage { emails, next })
            }
            Err(m) => error_json(StatusCode::INTERNAL_SERVER_ERROR, "store", &m),
        },
        &p.actor,
    )
}

/// `GET /healthz`: no authentication; `ok` while the server runs.
pub(crate) async fn healthz() -> Response {
    json(StatusCode::OK, &serde_json::json!({"status": "ok"}))
}
