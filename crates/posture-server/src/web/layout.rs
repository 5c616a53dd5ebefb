//! The web app's page shell: the report's page with the app's navigation,
//! and the Content Security Policy that allows exactly its inline style
//! and script.

use crate::app::Session;
use crate::http::LoggedActor;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use posture_report::Escaped;
use std::fmt::Write as _;

/// The sections of the app, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Plans,
    Contacts,
    Insights,
    Expectations,
    None,
}

const SECTIONS: [(Section, &str, &str); 4] = [
    (Section::Plans, "/plans?view=assigned", "Action Plans"),
    (Section::Contacts, "/contacts", "Contact Manager"),
    (Section::Insights, "/insights", "Insights"),
    (Section::Expectations, "/expectations", "Score expectations"),
];

/// `default-src 'none'`: the page loads nothing; its one inline script is
/// allowed by its hash, styles inline; forms post to this server only.
pub(crate) fn content_security_policy() -> String {
    let sample = posture_report::page("", "");
    let script = sample
        .split_once("<script>")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map_or("", |(s, _)| s);
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'unsafe-inline'; \
         img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        crate::secret::csp_hash(script)
    )
}

/// The hidden CSRF field every form carries.
pub(crate) fn csrf_field(s: &Session) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        Escaped(&s.csrf)
    )
}

/// Who is signed in, as the header says it.
pub(crate) struct Viewer<'a> {
    pub(crate) session: &'a Session,
    pub(crate) name: String,
    pub(crate) org: String,
}

/// A page of the app for a signed-in viewer.
pub(crate) fn page(v: &Viewer<'_>, current: Section, title: &str, body: &str) -> String {
    let subtitle = format!(
        r#"<p>Signed in as <b>{}</b> ({}, {})</p><form method="post" action="/logout">{}<button type="submit">Log out</button></form>"#,
        Escaped(&v.name),
        Escaped(&v.session.actor),
        Escaped(&v.org),
        csrf_field(v.session)
    );
    let mut nav = String::from(r#"<nav class="toc" aria-label="Sections"><ul>"#);
    for (section, href, label) in SECTIONS {
        let _ = write!(
            nav,
            r#"<li><a href="{href}"{}>{label}</a></li>"#,
            if section == current {
                r#" aria-current="page""#
            } else {
                ""
            }
        );
    }
    nav.push_str("</ul></nav>");
    posture_report::app_page(title, &subtitle, &nav, body)
}

/// An HTML response, logged as made for `actor` when there is one.
pub(crate) fn html(status: StatusCode, page: String, actor: Option<&str>) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response();
    if let Some(a) = actor {
        r.extensions_mut().insert(LoggedActor(a.to_owned()));
    }
    r
}

/// The login page, with a message when a login failed.
pub(crate) fn login_page(message: Option<&str>) -> String {
    let notice = message
        .map(|m| format!(r#"<p class="notice error" role="alert">{}</p>"#, Escaped(m)))
        .unwrap_or_default();
    let body = format!(
        r#"<section class="card"><h2>Log in</h2>{notice}<p>Paste the token you were given (<code>posture token issue</code> prints it once).</p><form method="post" action="/login"><label for="token">Token</label><input id="token" name="token" type="password" autocomplete="current-password" required size="48"><p><button type="submit">Log in</button></p></form></section>"#
    );
    posture_report::app_page(
        "Posture",
        "<p>Action plans, contacts and insights.</p>",
        "",
        &body,
    )
}

/// A page saying what went wrong, with a way back.
pub(crate) fn problem_page(v: &Viewer<'_>, title: &str, message: &str, back: &str) -> String {
    let body = format!(
        r#"<section class="card"><h2>{}</h2><p class="notice error" role="alert">{}</p><p><a href="{}">Go back</a></p></section>"#,
        Escaped(title),
        Escaped(message),
        Escaped(back)
    );
    page(v, Section::None, title, &body)
}
