//! The web app's handlers.

use super::layout::{Section, Viewer, csrf_field, html, login_page, page, problem_page};
use crate::api::body_text;
use crate::app::{App, Session, csrf_ok};
use crate::http::{field, pairs, segment, status_of};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use posture_core::{Catalog, Timestamp};
use posture_plan::query::{self as q, ContactRow, ExpectationFilter, InvitationState, PlanView};
use posture_plan::{Command, ExpectationStatus, HOST, ItemStatus, PlanStatus, PlanTarget};
use posture_report::{Escaped, issue_label};
use std::fmt::Write as _;
use std::sync::Arc;

/// The session of a page request, or the login page (401).
fn signed_in(app: &App, headers: &HeaderMap) -> Result<Session, Response> {
    app.session(headers).ok_or_else(|| {
        html(
            StatusCode::UNAUTHORIZED,
            login_page(Some("Please log in: your session is missing or has ended.")),
            None,
        )
    })
}

async fn viewer<'a>(app: &App, s: &'a Session) -> Viewer<'a> {
    let store = app.store.lock().await;
    let state = store.state();
    let user = state.users.get(&s.actor);
    Viewer {
        session: s,
        name: user.map_or_else(|| s.actor.clone(), |u| u.name.clone()),
        org: user
            .and_then(|u| state.orgs.get(&u.org))
            .map_or_else(String::new, |o| o.name.clone()),
    }
}

fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `GET /`: to the Action Plans when signed in, else the login form.
pub(crate) async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match app.session(&headers) {
        Some(s) => crate::http::for_actor(see_other("/plans?view=assigned"), &s.actor),
        None => html(StatusCode::OK, login_page(None), None),
    }
}

/// `GET /login`.
pub(crate) async fn login_form() -> Response {
    html(StatusCode::OK, login_page(None), None)
}

/// Whether a request's `Origin`, when it sends one, is this server (a
/// login form posted from another site is refused).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

/// `POST /login` with the form field `token`: a session cookie and `303`
/// to "Assigned to us"; `401` with the form again for a missing or wrong
/// token. The login is recorded (`record_login`, as the host) before the
/// answer.
pub(crate) async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !same_origin(&headers) {
        return html(
            StatusCode::FORBIDDEN,
            login_page(Some("This login form was sent from another site.")),
            None,
        );
    }
    let text = match body_text(body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let form = pairs(text.as_bytes());
    let token = field(&form, "token").unwrap_or("").trim();
    let wrong = || {
        html(
            StatusCode::UNAUTHORIZED,
            login_page(Some("That token is not valid here.")),
            None,
        )
    };
    let Some(p) = app.verify(token) else {
        return wrong();
    };
    if p.is_host() {
        return html(
            StatusCode::UNAUTHORIZED,
            login_page(Some(
                "A host token is for integrations (the API); log in with a user's token.",
            )),
            None,
        );
    }
    let Some(cookie) = app.open_session(&p) else {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            login_page(Some("No session could be opened; try again.")),
            None,
        );
    };
    if let Err(e) = app.submit(HOST, Command::record_login(&p.actor)).await {
        eprintln!(
            "posture: warning: {}",
            posture_core::escape_controls(&format!(
                "the login of {} was not recorded: {e:?}",
                p.actor
            ))
        );
    }
    let mut r = see_other("/plans?view=assigned");
    if let Ok(v) = HeaderValue::from_str(&app.set_cookie(&cookie, &headers)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    crate::http::for_actor(r, &p.actor)
}

/// A form's fields, once the session and its CSRF value are checked.
async fn checked_form(
    app: &App,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Session, Vec<(String, String)>), Response> {
    let s = signed_in(app, headers)?;
    let text = body_text(body)?;
    let form = pairs(text.as_bytes());
    if !csrf_ok(&s, field(&form, "csrf")) {
        let v = viewer(app, &s).await;
        return Err(html(
            StatusCode::FORBIDDEN,
            problem_page(
                &v,
                "Not sent",
                "This form had no valid CSRF field: reload the page and try again.",
                "/",
            ),
            Some(&s.actor),
        ));
    }
    Ok((s, form))
}

/// `POST /logout`.
pub(crate) async fn logout(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (s, _) = match checked_form(&app, &headers, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    app.end_session(&headers);
    let mut r = see_other("/login");
    if let Ok(v) = HeaderValue::from_str(&app.clear_cookie(&headers)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    crate::http::for_actor(r, &s.actor)
}

/// Runs a command from a form as the session's actor: `303` to `back`
/// when accepted, else a page saying why (status by the refusal).
async fn run_form_command(
    app: &App,
    s: &Session,
    command: Result<Command, String>,
    back: &str,
) -> Response {
    let v = viewer(app, s).await;
    let command = match command {
        Ok(c) => c,
        Err(m) => {
            return html(
                StatusCode::BAD_REQUEST,
                problem_page(&v, "Not sent", &m, back),
                Some(&s.actor),
            );
        }
    };
    match app.submit(&s.actor, command).await {
        Ok(posture_plan::Response::Ok { .. }) => crate::http::for_actor(see_other(back), &s.actor),
        Ok(posture_plan::Response::Err { error, .. }) => html(
            status_of(&error.code),
            problem_page(&v, "Refused", &error.message, back),
            Some(&s.actor),
        ),
        Err(e) => html(
            StatusCode::SERVICE_UNAVAILABLE,
            problem_page(&v, "Not applied", &format!("{e:?}"), back),
            Some(&s.actor),
        ),
    }
}

fn command_of(v: serde_json::Value) -> Result<Command, String> {
    posture_core::from_json_str(&v.to_string()).map_err(|e| e.to_string())
}

fn chip(status: &str) -> String {
    let class = match status {
        "verified" | "accepted" | "closed" | "met" => "chip done",
        "pending_rescan" | "info_provided" | "draft" | "pending" => "chip pending",
        "open" | "sent" | "unmet" => "chip open",
        _ => "chip",
    };
    format!(
        r#"<span class="{class}">{}</span>"#,
        Escaped(&status.replace('_', " "))
    )
}

fn wire<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn date(t: Timestamp) -> String {
    t.0.format("%Y-%m-%d").to_string()
}

fn target_text(t: &PlanTarget) -> String {
    if let Some(issues) = &t.issues {
        return format!("fix {}", issues.join(", "));
    }
    let factor = t
        .factor
        .map(|f| format!("{} ", f.as_str()))
        .unwrap_or_default();
    match (&t.grade, &t.score) {
        (Some(g), _) => format!("{factor}grade {g}"),
        (None, Some(s)) => format!("{factor}score {s}"),
        _ => "none".to_owned(),
    }
}

fn plan_href(v: &PlanView) -> String {
    format!("/plans/{}/{}", segment(&v.requester), segment(&v.plan))
}

/// `GET /plans?view=assigned|sent`: Action Plans.
pub(crate) async fn plans(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let s = match signed_in(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let query = raw.map(|r| pairs(r.as_bytes())).unwrap_or_default();
    let sent = field(&query, "view") == Some("sent");
    let now = Timestamp::now();
    let (assigned, sent_views) = {
        let store = app.store.lock().await;
        (
            q::assigned(store.state(), &app.catalog, &s.actor, now).unwrap_or_default(),
            q::sent(store.state(), &app.catalog, &s.actor, now).unwrap_or_default(),
        )
    };
    let v = viewer(&app, &s).await;
    let tab = |on: bool, href: &str, label: &str, n: usize| {
        format!(
            r#"<li><a href="{href}"{}>{label} ({n})</a></li>"#,
            if on { r#" aria-current="page""# } else { "" }
        )
    };
    let mut body = format!(
        r#"<section class="card"><h2>Action Plans</h2><nav class="tabs" aria-label="Plan views"><ul>{}{}</ul></nav>"#,
        tab(
            !sent,
            "/plans?view=assigned",
            "Assigned to us",
            assigned.len()
        ),
        tab(sent, "/plans?view=sent", "Sent", sent_views.len()),
    );
    let views = if sent { &sent_views } else { &assigned };
    if views.is_empty() {
        body.push_str(if sent {
            "<p>Your organisation has sent no plans.</p>"
        } else {
            "<p>No plans are assigned to you.</p>"
        });
    } else {
        body.push_str(r#"<div class="table-wrap"><table class="stack"><caption>"#);
        body.push_str(if sent {
            "Plans your organisation sent"
        } else {
            "Plans assigned to you"
        });
        body.push_str(r#"</caption><thead><tr><th>plan</th><th>from → to</th><th>status</th><th>due</th><th>progress</th></tr></thead><tbody>"#);
        for p in views {
            let settled = p.progress.verified + p.progress.accepted;
            let _ = write!(
                body,
                r#"<tr><td data-label="plan"><a href="{}">{}</a> <code>{}</code></td><td data-label="from → to">{} → {}</td><td data-label="status">{}{}</td><td data-label="due">{}</td><td data-label="progress">{settled} of {} items settled</td></tr>"#,
                Escaped(&plan_href(p)),
                Escaped(&p.title),
                Escaped(&p.plan),
                Escaped(&p.requester),
                Escaped(&p.vendor),
                chip(&wire(p.status)),
                if p.overdue { " <b>overdue</b>" } else { "" },
                Escaped(&date(p.due)),
                p.progress.total,
            );
        }
        body.push_str("</tbody></table></div>");
    }
    body.push_str("</section>");
    let title = if sent {
        "Action Plans: Sent"
    } else {
        "Action Plans: Assigned to us"
    };
    html(
        StatusCode::OK,
        page(&v, Section::Plans, title, &body),
        Some(&s.actor),
    )
}

fn progress_chart(id: &str, v: &PlanView) -> String {
    let waiting = v
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.status,
                ItemStatus::PendingRescan | ItemStatus::InfoProvided
            )
        })
        .count() as u32;
    serde_json::to_value(&v.progress)
        .ok()
        .and_then(|p| serde_json::from_value::<posture_report::ActionProgress>(p).ok())
        .map(|p| posture_report::progress_chart(id, &p, waiting))
        .unwrap_or_default()
}

fn plan_body(v: &PlanView, s: &Session, org: Option<&str>, catalog: &Catalog) -> String {
    let href = plan_href(v);
    let csrf = csrf_field(s);
    let assignee = v.assignee == s.actor;
    let requester = org == Some(v.requester.as_str());
    let open = v.status == PlanStatus::Sent;
    let mut b = format!(
        r#"<section class="card"><h2>{}</h2><p class="meta"><code>{}/{}</code> · {} → {} · assigned to {} · due {}{}</p><p>Status {} · target {}{}</p>{}"#,
        Escaped(&v.title),
        Escaped(&v.requester),
        Escaped(&v.plan),
        Escaped(&v.requester),
        Escaped(&v.vendor),
        Escaped(&v.assignee),
        Escaped(&date(v.due)),
        if v.overdue { " · <b>overdue</b>" } else { "" },
        chip(&wire(v.status)),
        Escaped(&target_text(&v.target)),
        match v.progress.target_met {
            Some(true) => " (met)",
            Some(false) => " (not met yet)",
            None => "",
        },
        progress_chart("plan-progress", v),
    );
    if requester {
        let mut buttons = String::new();
        if v.status == PlanStatus::Draft {
            buttons.push_str(r#"<button name="action" value="send">Send the plan</button>"#);
        }
        if open {
            buttons.push_str(r#"<button name="action" value="close">Close the plan</button>"#);
        }
        if matches!(v.status, PlanStatus::Draft | PlanStatus::Sent) {
            buttons.push_str(
                r#"<button class="secondary" name="action" value="cancel">Cancel the plan</button>"#,
            );
        }
        if !buttons.is_empty() {
            let _ = write!(
                b,
                r#"<form method="post" action="{}" class="actions">{csrf}{buttons}</form>"#,
                Escaped(&href)
            );
        }
    }
    b.push_str("</section>");
    let _ = write!(
        b,
        r#"<section class="card" aria-labelledby="items-h"><h2 id="items-h">Items ({})</h2>"#,
        v.items.len()
    );
    if v.items.is_empty() {
        b.push_str("<p>This plan has no items yet.</p>");
    }
    for (n, i) in v.items.iter().enumerate() {
        let what = match (&i.issue, &i.questionnaire_risk) {
            (Some(issue), _) => issue_label(issue, catalog),
            (None, Some(r)) => format!("Questionnaire risk <code>{}</code>", Escaped(r)),
            _ => "—".to_owned(),
        };
        let asset = i
            .asset
            .as_ref()
            .map(|a| format!(" on <code>{}</code>", Escaped(a)))
            .unwrap_or_default();
        let _ = write!(
            b,
            r#"<article class="item" id="item-{n}" aria-labelledby="item-{n}-h"><h3 id="item-{n}-h">{what}{asset}</h3><p>Item <code>{}</code> · {}{}</p>"#,
            Escaped(&i.item),
            chip(&wire(i.status)),
            if i.reopened > 0 {
                format!(" · reopened {}×", i.reopened)
            } else {
                String::new()
            }
        );
        if let Some(r) = &i.risk {
            let _ = write!(b, "<p><b>Why it matters:</b> {}</p>", Escaped(r));
        }
        if let Some(r) = &i.remediation {
            let _ = write!(b, "<p><b>How to fix it:</b> {}</p>", Escaped(r));
        }
        if let Some(info) = &i.info {
            let _ = write!(
                b,
                r#"<p class="notice"><b>Information from the vendor:</b> {}</p>"#,
                Escaped(info)
            );
        }
        let item_field = format!(
            r#"<input type="hidden" name="item" value="{}">"#,
            Escaped(&i.item)
        );
        if i.status == ItemStatus::PendingRescan {
            let _ = write!(
                b,
                r##"<p class="notice" role="status">Marked fixed: a rescan is checking it. <a href="{}#item-{n}">Reload</a> to see its outcome.</p>"##,
                Escaped(&href)
            );
        }
        if assignee && open && i.status == ItemStatus::Open && i.asset.is_some() {
            let _ = write!(
                b,
                r#"<form method="post" action="{}" class="actions">{csrf}{item_field}<button name="action" value="fixed" aria-describedby="item-{n}-h">Fixed</button></form>"#,
                Escaped(&href)
            );
        }
        if assignee && open && matches!(i.status, ItemStatus::Open | ItemStatus::PendingRescan) {
            let _ = write!(
                b,
                r#"<details><summary>Provide information</summary><form method="post" action="{}">{csrf}{item_field}<fieldset><legend>What it is</legend><label><input type="radio" name="kind" value="dispute" checked> A dispute: the finding is wrong</label><label><input type="radio" name="kind" value="compensating_control"> A compensating control</label></fieldset><label for="info-{n}">Information for the requester</label><textarea id="info-{n}" name="text" required></textarea><p><button name="action" value="info">Send the information</button></p></form></details>"#,
                Escaped(&href)
            );
        }
        if requester && i.status == ItemStatus::InfoProvided {
            let _ = write!(
                b,
                r#"<form method="post" action="{}" class="actions">{csrf}{item_field}<button name="action" value="accept">Accept the information</button><button class="secondary" name="action" value="reject">Reject it (reopen the item)</button></form>"#,
                Escaped(&href)
            );
        }
        b.push_str("</article>");
    }
    b.push_str("</section>");
    b.push_str(
        r#"<section class="card" aria-labelledby="messages-h"><h2 id="messages-h">Messages</h2>"#,
    );
    if v.messages.is_empty() {
        b.push_str("<p>No messages yet.</p>");
    } else {
        b.push_str(r#"<ul class="plain">"#);
        for m in &v.messages {
            let _ = write!(
                b,
                r#"<li><b>{}</b> <span class="meta">{}</span>: {}</li>"#,
                Escaped(&m.from),
                Escaped(&m.at.0.format("%Y-%m-%d %H:%M UTC").to_string()),
                Escaped(&m.text)
            );
        }
        b.push_str("</ul>");
    }
    if assignee || requester {
        let _ = write!(
            b,
            r#"<form method="post" action="{}">{csrf}<label for="message">Your message</label><textarea id="message" name="text" required></textarea><p><button name="action" value="message">Post the message</button></p></form>"#,
            Escaped(&href)
        );
    }
    b.push_str("</section>");
    b
}

/// `GET /plans/{org}/{plan}`: one plan, as the workflow lets the viewer
/// see it (`404` exactly as for a plan that does not exist).
pub(crate) async fn plan(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
) -> Response {
    let s = match signed_in(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let reference = format!("{org}/{id}");
    let (view, my_org) = {
        let store = app.store.lock().await;
        (
            q::plan_view(
                store.state(),
                &app.catalog,
                &s.actor,
                &reference,
                Timestamp::now(),
            ),
            store.state().users.get(&s.actor).map(|u| u.org.clone()),
        )
    };
    let v = viewer(&app, &s).await;
    match view {
        Ok(pv) => {
            let body = plan_body(&pv, &s, my_org.as_deref(), &app.catalog);
            html(
                StatusCode::OK,
                page(&v, Section::Plans, &format!("Plan: {}", pv.title), &body),
                Some(&s.actor),
            )
        }
        Err(e) => html(
            status_of(&e.code),
            problem_page(&v, "No such plan", &e.message, "/plans?view=assigned"),
            Some(&s.actor),
        ),
    }
}

/// `POST /plans/{org}/{plan}` with `action`: `fixed`, `info` (`kind`,
/// `text`), `accept`, `reject` (each with `item`), `message` (`text`),
/// `send`, `close`, `cancel`.
pub(crate) async fn plan_action(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (s, form) = match checked_form(&app, &headers, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let plan = format!("{org}/{id}");
    let item = field(&form, "item").unwrap_or("");
    let text = field(&form, "text").unwrap_or("");
    let mut back = format!("/plans/{}/{}", segment(&org), segment(&id));
    let command = match field(&form, "action").unwrap_or("") {
        "fixed" => {
            command_of(serde_json::json!({"type": "mark_fixed", "plan": plan, "item": item}))
        }
        "info" => command_of(
            serde_json::json!({"type": "provide_info", "plan": plan, "item": item,
            "kind": field(&form, "kind").unwrap_or("dispute"), "text": text}),
        ),
        "accept" => {
            command_of(serde_json::json!({"type": "accept_info", "plan": plan, "item": item}))
        }
        "reject" => {
            command_of(serde_json::json!({"type": "reject_info", "plan": plan, "item": item}))
        }
        "message" => {
            command_of(serde_json::json!({"type": "post_message", "plan": plan, "text": text}))
        }
        "send" => command_of(serde_json::json!({"type": "send_plan", "plan": plan})),
        "close" => command_of(serde_json::json!({"type": "close_plan", "plan": plan})),
        "cancel" => command_of(serde_json::json!({"type": "cancel_plan", "plan": plan})),
        other => Err(format!("unknown action `{}`", posture_core::echo(other))),
    };
    if field(&form, "action") == Some("message") {
        back.push_str("#messages-h");
    }
    run_form_command(&app, &s, command, &back).await
}

const INVITATION: [(&str, &str); 4] = [
    ("", "any"),
    ("accepted", "accepted"),
    ("pending", "pending"),
    ("none", "never invited"),
];
const YES_NO: [(&str, &str); 3] = [("", "any"), ("yes", "yes"), ("no", "no")];

fn select(id: &str, label: &str, options: &[(&str, &str)], chosen: Option<&str>) -> String {
    let mut s = format!(r#"<div><label for="{id}">{label}</label><select id="{id}" name="{id}">"#);
    for (value, text) in options {
        let _ = write!(
            s,
            r#"<option value="{value}"{}>{text}</option>"#,
            if chosen.unwrap_or("") == *value {
                " selected"
            } else {
                ""
            }
        );
    }
    s.push_str("</select></div>");
    s
}

fn contacts_body(
    rows: &[ContactRow],
    query: &[(String, String)],
    error: Option<&str>,
    s: &Session,
) -> String {
    let get = |n: &str| field(query, n);
    let mut expectation: Vec<(&str, &str)> = vec![("", "any")];
    for f in ExpectationFilter::ALL {
        let w = match f {
            ExpectationFilter::Set => "set",
            ExpectationFilter::Unset => "unset",
            ExpectationFilter::Pending => "pending",
            ExpectationFilter::Met => "met",
            ExpectationFilter::Unmet => "unmet",
        };
        expectation.push((w, w));
    }
    let mut b = String::from(
        r#"<section class="card"><h2>Contact Manager</h2><form method="get" action="/contacts" aria-label="Filters"><div class="filters">"#,
    );
    b.push_str(&select(
        "invitation",
        "Invitation",
        &INVITATION,
        get("invitation"),
    ));
    let _ = write!(
        b,
        r#"<div><label for="days_since_invite">Days since invited (MIN..MAX)</label><input id="days_since_invite" name="days_since_invite" value="{}" placeholder="0..30" inputmode="numeric"></div>"#,
        Escaped(get("days_since_invite").unwrap_or(""))
    );
    b.push_str(&select(
        "expectation",
        "Expectation",
        &expectation,
        get("expectation"),
    ));
    b.push_str(&select(
        "claimed",
        "Scorecard claimed",
        &YES_NO,
        get("claimed"),
    ));
    b.push_str(&select(
        "logged_in_30d",
        "Logged in within 30 days",
        &YES_NO,
        get("logged_in_30d"),
    ));
    let _ = write!(
        b,
        r#"<div><label for="name">Name contains</label><input id="name" name="name" value="{}"></div></div><p class="actions"><button type="submit">Apply the filters</button> <a href="/contacts">Clear</a></p></form>"#,
        Escaped(get("name").unwrap_or(""))
    );
    if let Some(e) = error {
        let _ = write!(
            b,
            r#"<p class="notice error" role="alert">{}</p>"#,
            Escaped(e)
        );
    }
    let mut vendors: Vec<&str> = rows.iter().map(|r| r.vendor.as_str()).collect();
    vendors.dedup();
    let _ = write!(
        b,
        r#"<p role="status">{} contact{} at {} vendor{}.</p>"#,
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        vendors.len(),
        if vendors.len() == 1 { "" } else { "s" }
    );
    if rows.is_empty() && error.is_none() {
        b.push_str("<p>No contacts match these filters.</p>");
    }
    let csrf = csrf_field(s);
    for vendor in vendors {
        let group: Vec<&ContactRow> = rows.iter().filter(|r| r.vendor == vendor).collect();
        let Some(first) = group.first() else { continue };
        let standing = if first.active {
            "active"
        } else if first.claimed {
            "claimed"
        } else {
            "unclaimed"
        };
        let _ = write!(
            b,
            r#"<details class="vendor"><summary><b>{}</b> <code>{}</code> · score {} · {standing} · expectation {} · {} contact{}</summary><div class="table-wrap"><table class="stack"><caption>Contacts at {}</caption><thead><tr><th>name</th><th>e-mail</th><th>title</th><th>invitation</th><th>actions</th></tr></thead><tbody>"#,
            Escaped(&first.vendor_name),
            Escaped(&first.vendor),
            first
                .score
                .map_or_else(|| "—".to_owned(), |s| s.to_string()),
            chip(&wire(first.expectation)),
            group.len(),
            if group.len() == 1 { "" } else { "s" },
            Escaped(&first.vendor_name),
        );
        for r in group {
            let reference = format!("{}/{}", r.requester, r.contact);
            let invited = match (r.invitation, r.invited_at) {
                (InvitationState::None, _) => "never invited".to_owned(),
                (state, Some(at)) => {
                    format!("{} (invited {}, {}×)", wire(state), date(at), r.invitations)
                }
                (state, None) => wire(state),
            };
            let action = match r.invitation {
                InvitationState::Pending => Some(("resend", "Resend the invitation")),
                InvitationState::None => Some(("invite", "Send an invitation")),
                InvitationState::Accepted => None,
            };
            let form = action.map_or_else(String::new, |(a, label)| {
                format!(
                    r#"<form method="post" action="/contacts" class="inline">{csrf}<input type="hidden" name="contact" value="{}"><button name="action" value="{a}" aria-label="{label} to {}">{label}</button></form> "#,
                    Escaped(&reference),
                    Escaped(&r.name)
                )
            });
            let _ = write!(
                b,
                r#"<tr><td data-label="name">{}</td><td data-label="e-mail">{}</td><td data-label="title">{}</td><td data-label="invitation">{}</td><td data-label="actions">{form}<a href="/contacts/{}/{}/history">Engagement history<span class="sr-only"> of {}</span></a></td></tr>"#,
                Escaped(&r.name),
                Escaped(&r.email),
                Escaped(r.title.as_deref().unwrap_or("—")),
                Escaped(&invited),
                segment(&r.requester),
                segment(&r.contact),
                Escaped(&r.name),
            );
        }
        b.push_str("</tbody></table></div></details>");
    }
    b.push_str("</section>");
    b
}

/// `GET /contacts?...`: the Contact Manager with its filters.
pub(crate) async fn contacts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let s = match signed_in(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let query = raw.map(|r| pairs(r.as_bytes())).unwrap_or_default();
    let (rows, error, status) = match crate::filters::contact_filter(&query) {
        Ok(f) => {
            let store = app.store.lock().await;
            match q::contacts(store.state(), &s.actor, Timestamp::now(), &f) {
                Ok(rows) => (rows, None, StatusCode::OK),
                Err(e) => (Vec::new(), Some(e.message), status_of(&e.code)),
            }
        }
        Err(m) => (Vec::new(), Some(m), StatusCode::BAD_REQUEST),
    };
    let v = viewer(&app, &s).await;
    let body = contacts_body(&rows, &query, error.as_deref(), &s);
    html(
        status,
        page(&v, Section::Contacts, "Contact Manager", &body),
        Some(&s.actor),
    )
}

/// `POST /contacts` with `action` `resend` or `invite` and `contact`.
pub(crate) async fn contact_action(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (s, form) = match checked_form(&app, &headers, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let contact = field(&form, "contact").unwrap_or("");
    let command = match field(&form, "action").unwrap_or("") {
        "resend" => {
            command_of(serde_json::json!({"type": "resend_invitation", "contact": contact}))
        }
        "invite" => command_of(serde_json::json!({"type": "send_invitation", "contact": contact})),
        other => Err(format!("unknown action `{}`", posture_core::echo(other))),
    };
    run_form_command(&app, &s, command, "/contacts").await
}

/// `GET /contacts/{org}/{contact}/history`: a contact's engagement history.
pub(crate) async fn history(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
) -> Response {
    let s = match signed_in(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let reference = format!("{org}/{id}");
    let h = match app.history(&s.actor, &reference).await {
        Ok(h) => h,
        Err(m) => {
            let v = viewer(&app, &s).await;
            return html(
                StatusCode::INTERNAL_SERVER_ERROR,
                problem_page(
                    &v,
                    "Not read",
                    &format!("the store failed: {m}"),
                    "/contacts",
                ),
                Some(&s.actor),
            );
        }
    };
    let v = viewer(&app, &s).await;
    match h {
        Ok(entries) => {
            let mut b = format!(
                r#"<section class="card"><h2>Engagement history of <code>{}</code></h2><p><a href="/contacts">Back to the Contact Manager</a></p>"#,
                Escaped(&reference)
            );
            if entries.is_empty() {
                b.push_str("<p>Nothing has happened yet.</p>");
            } else {
                b.push_str(r#"<div class="table-wrap"><table class="stack"><caption>Every event touching this contact, oldest first</caption><thead><tr><th>when</th><th>who</th><th>what</th><th>details</th></tr></thead><tbody>"#);
                for e in &entries {
                    let value = serde_json::to_value(&e.event).unwrap_or_default();
                    let (kind, fields) = value
                        .as_object()
                        .and_then(|o| o.iter().next())
                        .map(|(k, v)| (k.replace('_', " "), v.clone()))
                        .unwrap_or_default();
                    let details: Vec<String> = fields
                        .as_object()
                        .map(|o| {
                            o.iter()
                                .filter(|(k, _)| *k != "requester" && *k != "contact")
                                // A nested object (a contact's fields) reads
                                // as its own `key: value` pairs.
                                .flat_map(|(k, v)| match v {
                                    serde_json::Value::Object(inner) => inner
                                        .iter()
                                        .map(|(k, v)| (k.clone(), v.clone()))
                                        .collect::<Vec<_>>(),
                                    other => vec![(k.clone(), other.clone())],
                                })
                                .map(|(k, v)| {
                                    let v = match v {
                                        serde_json::Value::String(s) => s,
                                        other => other.to_string(),
                                    };
                                    format!("{k}: {}", posture_core::echo(&v))
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let _ = write!(
                        b,
                        r#"<tr><td data-label="when">{}</td><td data-label="who">{}</td><td data-label="what">{}</td><td data-label="details">{}</td></tr>"#,
                        Escaped(&e.at.0.format("%Y-%m-%d %H:%M UTC").to_string()),
                        Escaped(&e.actor),
                        Escaped(&kind),
                        Escaped(&details.join(" · "))
                    );
                }
                b.push_str("</tbody></table></div>");
            }
            b.push_str("</section>");
            html(
                StatusCode::OK,
                page(&v, Section::Contacts, "Engagement history", &b),
                Some(&s.actor),
            )
        }
        Err(e) => html(
            status_of(&e.code),
            problem_page(&v, "No such contact", &e.message, "/contacts"),
            Some(&s.actor),
        ),
    }
}

/// `GET /insights`.
pub(crate) async fn insights(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match signed_in(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let i = {
        let store = app.store.lock().await;
        q::insights(store.state(), &s.actor, Timestamp::now())
    };
    let v = viewer(&app, &s).await;
    let body = match i {
        Ok(i) => {
            let kpis = [
                (i.vendors_contacted, "vendors contacted", "/contacts"),
                (
                    i.claimed,
                    "claimed their scorecard",
                    "/contacts?claimed=yes",
                ),
                (
                    i.logged_in_30d,
                    "logged in within 30 days",
                    "/contacts?logged_in_30d=yes",
                ),
                (i.active, "active (a login within 90 days)", "/contacts"),
                (
                    i.expectations_set,
                    "with an expectation",
                    "/contacts?expectation=set",
                ),
                (
                    i.expectations_pending,
                    "expectations pending",
                    "/contacts?expectation=pending",
                ),
                (
                    i.expectations_met,
                    "expectations met",
                    "/contacts?expectation=met",
                ),
                (
                    i.expectations_unmet,
                    "expectations unmet",
                    "/contacts?expectation=unmet",
                ),
                (i.plans_open, "plans open", "/plans?view=sent"),
                (i.plans_finished, "plans finished", "/plans?view=sent"),
                (i.plans_overdue, "plans overdue", "/plans?view=sent"),
            ];
            let mut b = String::from(
                r#"<section class="card"><h2>Insights</h2><p>Counts over the vendors your organisation has contacts at, and the plans it sent. Follow a count to the contacts or plans behind it.</p><div class="kpis">"#,
            );
            for (n, label, href) in kpis {
                let _ = write!(
                    b,
                    r#"<div class="kpi"><b>{n}</b><span><a href="{href}">{label}</a></span></div>"#
                );
            }
            b.push_str("</div></section>");
            b
        }
        Err(e) => format!(
            r#"<section class="card"><h2>Insights</h2><p class="notice error">{}</p></section>"#,
            Escaped(&e.message)
        ),
    };
    html(
        StatusCode::OK,
        page(&v, Section::Insights, "Insights", &body),
        Some(&s.actor),
    )
}

/// `GET /expectations`: the organisation's score expectations, and forms
/// to set and renew them.
pub(crate) async fn expectations(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match signed_in(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = Timestamp::now();
    let (rows, vendors) = {
        let store = app.store.lock().await;
        let state = store.state();
        let org = state
            .users
            .get(&s.actor)
            .map(|u| u.org.clone())
            .unwrap_or_default();
        let rows: Vec<(String, String, posture_plan::Expectation, ExpectationStatus)> = state
            .expectations
            .iter()
            .filter(|((r, _), _)| *r == org)
            .map(|((_, vendor), e)| {
                let name = state
                    .orgs
                    .get(vendor)
                    .map_or_else(String::new, |o| o.name.clone());
                (
                    vendor.clone(),
                    name,
                    e.clone(),
                    state.expectation_status(&org, vendor, now),
                )
            })
            .collect();
        let mut vendors: Vec<(String, String)> = state
            .contacts
            .in_org(&org)
            .map(|(_, c)| {
                let v = c.fields.vendor.clone();
                let name = state
                    .orgs
                    .get(&v)
                    .map_or_else(String::new, |o| o.name.clone());
                (v, name)
            })
            .collect();
        vendors.sort();
        vendors.dedup();
        (rows, vendors)
    };
    let v = viewer(&app, &s).await;
    let csrf = csrf_field(&s);
    let mut b = String::from(r#"<section class="card"><h2>Score expectations</h2>"#);
    if rows.is_empty() {
        b.push_str("<p>Your organisation has set no expectations.</p>");
    } else {
        b.push_str(r#"<div class="table-wrap"><table class="stack"><caption>One expectation per vendor</caption><thead><tr><th>vendor</th><th>target</th><th>due</th><th>status</th><th>suggested issues</th><th>renew</th></tr></thead><tbody>"#);
        for (vendor, name, e, status) in &rows {
            let renew = if matches!(
                status,
                ExpectationStatus::Pending | ExpectationStatus::Unmet
            ) {
                format!(
                    r#"<form method="post" action="/expectations" class="actions">{csrf}<input type="hidden" name="vendor" value="{}"><label class="sr-only" for="due-{}">New due date for {}</label><input type="date" id="due-{}" name="due" required><button name="action" value="repeat">Renew</button></form>"#,
                    Escaped(vendor),
                    Escaped(&posture_report::anchor("v", 0, vendor)),
                    Escaped(name),
                    Escaped(&posture_report::anchor("v", 0, vendor)),
                )
            } else {
                "—".to_owned()
            };
            let _ = write!(
                b,
                r#"<tr><td data-label="vendor">{} <code>{}</code></td><td data-label="target">{}</td><td data-label="due">{}</td><td data-label="status">{}</td><td data-label="suggested issues">{}</td><td data-label="renew">{renew}</td></tr>"#,
                Escaped(name),
                Escaped(vendor),
                Escaped(&target_text(&e.target)),
                Escaped(&date(e.due)),
                chip(&wire(*status)),
                Escaped(&if e.suggested_issues.is_empty() {
                    "—".to_owned()
                } else {
                    e.suggested_issues.join(", ")
                }),
            );
        }
        b.push_str("</tbody></table></div>");
    }
    b.push_str("</section>");
    b.push_str(r#"<section class="card"><h2>Set an expectation</h2>"#);
    if vendors.is_empty() {
        b.push_str("<p>Add a contact at a vendor first.</p>");
    } else {
        let _ = write!(
            b,
            r#"<form method="post" action="/expectations">{csrf}<div class="filters"><div><label for="vendor">Vendor</label><select id="vendor" name="vendor">"#
        );
        for (id, name) in &vendors {
            let _ = write!(
                b,
                r#"<option value="{}">{} ({})</option>"#,
                Escaped(id),
                Escaped(name),
                Escaped(id)
            );
        }
        b.push_str(r#"</select></div><div><label for="grade">Grade to reach</label><select id="grade" name="grade"><option>A</option><option selected>B</option><option>C</option><option>D</option></select></div><div><label for="due">Due</label><input type="date" id="due" name="due" required></div><div><label for="suggested">Suggested issues (catalog ids, comma separated)</label><input id="suggested" name="suggested"></div></div><p><button name="action" value="set">Set the expectation</button></p></form>"#);
    }
    b.push_str("</section>");
    html(
        StatusCode::OK,
        page(&v, Section::Expectations, "Score expectations", &b),
        Some(&s.actor),
    )
}

/// A date field (`YYYY-MM-DD`) as midnight UTC.
fn due_of(text: &str) -> Result<String, String> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(|d| format!("{d}T00:00:00Z"))
        .map_err(|_| {
            format!(
                "due: `{}` is not a date (YYYY-MM-DD)",
                posture_core::echo(text)
            )
        })
}

/// `POST /expectations` with `action` `set` (`vendor`, `grade`, `due`,
/// `suggested`) or `repeat` (`vendor`, `due`).
pub(crate) async fn expectation_action(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (s, form) = match checked_form(&app, &headers, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let vendor = field(&form, "vendor").unwrap_or("");
    let command = due_of(field(&form, "due").unwrap_or("")).and_then(|due| {
        match field(&form, "action").unwrap_or("") {
            "set" => {
                let suggested: Vec<&str> = field(&form, "suggested")
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .collect();
                command_of(
                    serde_json::json!({"type": "set_expectation", "vendor": vendor,
                    "target": {"grade": field(&form, "grade").unwrap_or("B")}, "due": due,
                    "suggested_issues": suggested}),
                )
            }
            "repeat" => command_of(
                serde_json::json!({"type": "repeat_expectation", "vendor": vendor, "due": due}),
            ),
            other => Err(format!("unknown action `{}`", posture_core::echo(other))),
        }
    });
    run_form_command(&app, &s, command, "/expectations").await
}

/// Any other path: JSON under `/api/`, a page elsewhere; the same answer
/// whoever asks.
pub(crate) async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::http::no_such_resource();
    }
    html(
        StatusCode::NOT_FOUND,
        posture_report::app_page(
            "Not found",
            "",
            "",
            r#"<section class="card"><h2>Not found</h2><p>There is nothing here. <a href="/">Go to the start</a>.</p></section>"#,
        ),
        None,
    )
}
