//! `posture serve` and `posture token` through the binary, with a real
//! HTTP client on 127.0.0.1: every route with a good token, a missing
//! one, a wrong one and another organisation's; 50 concurrent clients ×
//! 100 commands, all acknowledged and durable; SIGTERM mid-load loses
//! nothing acknowledged; no token in the store file or the log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::http::{get, get_page, post_form, post_json, request};
use common::serve::Served;
use common::{posture, stderr, stdout, wf_lines};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A store with two requesting organisations (acme: alice; globex: gina)
/// and a vendor (pay: victor, and carol who accepted acme's invitation):
/// acme sent plan p1 to victor with an item, keeps contact c1 at pay, and
/// has an open questionnaire risk on pay.
fn store(dir: &Path) -> PathBuf {
    let path = dir.join("plans.sqlite");
    let lines = wf_lines(&[
        (
            "host",
            r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#,
        ),
        (
            "host",
            r#"{"type": "register_organization", "org": "globex", "name": "Globex", "domains": ["globex.example"]}"#,
        ),
        (
            "host",
            r#"{"type": "register_organization", "org": "pay", "name": "Payroll Co", "domains": ["pay.example"]}"#,
        ),
        (
            "host",
            r#"{"type": "register_user", "user": "alice", "org": "acme", "name": "Alice", "email": "alice@acme.example"}"#,
        ),
        (
            "host",
            r#"{"type": "register_user", "user": "gina", "org": "globex", "name": "Gina", "email": "gina@globex.example"}"#,
        ),
        (
            "host",
            r#"{"type": "register_user", "user": "victor", "org": "pay", "name": "Victor", "email": "victor@pay.example"}"#,
        ),
        (
            "alice",
            r#"{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": "Fix mail", "target": {"grade": "B"}, "due": "2030-12-01T00:00:00Z"}"#,
        ),
        (
            "alice",
            r#"{"type": "add_plan_item", "plan": "p1", "item": "i1", "issue": "spf_missing", "asset": "pay.example"}"#,
        ),
        ("alice", r#"{"type": "send_plan", "plan": "p1"}"#),
        (
            "alice",
            r#"{"type": "add_contact", "contact": "c1", "vendor": "pay", "name": "Carol", "email": "carol@pay.example"}"#,
        ),
        ("alice", r#"{"type": "send_invitation", "contact": "c1"}"#),
        (
            "host",
            r#"{"type": "accept_invitation", "contact": "acme/c1", "user": "carol"}"#,
        ),
        (
            "alice",
            r#"{"type": "send_questionnaire", "questionnaire": "q1", "vendor": "pay", "contact": "c1", "due": "2030-12-01T00:00:00Z", "questions": [{"id": "mfa", "text": "Is MFA enforced?", "severity": "high"}]}"#,
        ),
        (
            "carol",
            r#"{"type": "answer_questionnaire", "questionnaire": "acme/q1", "answers": [{"id": "mfa", "pass": false}]}"#,
        ),
    ]);
    let o = posture(
        &[
            "workflow",
            "--store",
            path.to_str().unwrap(),
            "apply",
            "--strict",
        ],
        Some(&lines),
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    path
}

/// `posture token issue`: the token, printed once.
fn issue(store: &Path, who: Option<&str>) -> String {
    let s = store.to_str().unwrap();
    let mut args = vec![
        "token", "--store", s, "issue", "--label", "test", "-f", "json",
    ];
    match who {
        Some(u) => args.extend(["--user", u]),
        None => args.push("--host"),
    }
    let o = posture(&args, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let t = v["token"].as_str().unwrap().to_owned();
    assert_eq!(t.len(), 43, "256 bits in base64url: {t}");
    t
}

/// A well-formed token this store never issued.
const WRONG: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

struct Tokens {
    alice: String,
    gina: String,
    victor: String,
    host: String,
}

/// The bytes of the store's files (the database and its WAL).
fn store_bytes(store: &Path) -> Vec<u8> {
    let mut b = std::fs::read(store).unwrap();
    let mut wal = store.as_os_str().to_owned();
    wal.push("-wal");
    b.extend(std::fs::read(PathBuf::from(wal)).unwrap_or_default());
    b
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A route's answers to no token, a wrong one and a malformed one: 401,
/// with the one body.
fn refuses_strangers(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) {
    let mut bodies = Vec::new();
    for token in [None, Some(WRONG), Some("not a token at all")] {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = auth.as_deref() {
            headers.push(("Authorization", a));
        }
        let r = request(addr, method, path, &headers, body.map(str::as_bytes)).unwrap();
        assert_eq!(
            r.status,
            401,
            "{method} {path} with {token:?}: {}",
            r.text()
        );
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        let e: posture_server::ApiError = typed(&r);
        assert_eq!(e.error.code, "unauthorized");
        bodies.push(r.text());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
}

/// Reads an API body as the schema'd type it is documented as.
fn typed<T: serde::de::DeserializeOwned>(r: &common::http::Reply) -> T {
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("not a {} ({e}): {}", std::any::type_name::<T>(), r.text()))
}

/// The one "not found" of a reference the caller may not see equals that
/// of one that does not exist, but for the id itself. A page's CSRF value
/// (the same session's in both, 43 random characters that may hold the id)
/// is set aside first.
fn same_as_missing(seen: &str, missing: &str, id: &str, other: &str) {
    let mask = |page: &str| match page.contains(CSRF_FIELD) {
        true => page.replace(&csrf(page), "CSRF"),
        false => page.to_owned(),
    };
    let (seen, missing) = (mask(seen), mask(missing));
    assert_eq!(seen.replace(id, other), missing, "{seen} vs {missing}");
}

fn command(addr: SocketAddr, token: &str, c: Value) -> common::http::Reply {
    post_json(
        addr,
        "/api/v1/commands",
        Some(token),
        &json!({"command": c}).to_string(),
    )
}

/// Every API route with a good token, a missing one, a wrong one and
/// another organisation's.
#[test]
fn every_api_route_with_good_missing_wrong_and_other_org_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let t = Tokens {
        alice: issue(&store, Some("alice")),
        gina: issue(&store, Some("gina")),
        victor: issue(&store, Some("victor")),
        host: issue(&store, None),
    };
    let mut s = Served::serve(
        &store,
        &[
            "--deadline",
            "2000",
            "--timeout",
            "300",
            "--nameserver",
            "127.0.0.1:9",
        ],
    );
    let a = s.addr;

    // GET /healthz: no authentication at all.
    let r = get(a, "/healthz", None);
    assert_eq!((r.status, r.json()), (200, json!({"status": "ok"})));

    // POST /api/v1/commands
    refuses_strangers(
        a,
        "POST",
        "/api/v1/commands",
        Some(r#"{"command": {"type": "post_message", "plan": "p1", "text": "hi"}}"#),
    );
    let r = command(
        a,
        &t.alice,
        json!({"type": "post_message", "plan": "p1", "text": "Hello"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["ok"], true);
    let _: posture_plan::Response = typed(&r);
    assert_eq!(
        r.json()["events"][0]["actor"],
        "alice",
        "the actor is the token's user"
    );
    let r = command(
        a,
        &t.victor,
        json!({"type": "post_message", "plan": "acme/p1", "text": "On it"}),
    );
    assert_eq!(r.status, 200, "the assignee may post: {}", r.text());
    let seen = command(
        a,
        &t.gina,
        json!({"type": "post_message", "plan": "acme/p1", "text": "x"}),
    );
    let missing = command(
        a,
        &t.gina,
        json!({"type": "post_message", "plan": "acme/p9", "text": "x"}),
    );
    assert_eq!((seen.status, missing.status), (404, 404), "{}", seen.text());
    same_as_missing(&seen.text(), &missing.text(), "p1", "p9");
    let _: posture_plan::Response = typed(&seen);
    // The actor is the token's, whatever the body says: an `actor` field
    // is refused, and `host` commands need a host token.
    let r = post_json(
        a,
        "/api/v1/commands",
        Some(&t.alice),
        r#"{"actor": "host", "command": {"type": "record_login", "user": "alice"}}"#,
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let r = command(
        a,
        &t.alice,
        json!({"type": "record_login", "user": "alice"}),
    );
    assert_eq!(r.json()["ok"], false, "{}", r.text());
    assert_eq!(r.status, 403, "{}", r.text());
    let r = command(a, &t.host, json!({"type": "record_login", "user": "alice"}));
    assert_eq!(
        (r.status, r.json()["ok"].clone()),
        (200, json!(true)),
        "{}",
        r.text()
    );
    // Malformed JSON: 400 with the workflow's located message.
    let r = post_json(
        a,
        "/api/v1/commands",
        Some(&t.alice),
        r#"{"command": {"type": "post_message", "plan": 5, "text": "x"}}"#,
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let m = r.json()["error"]["message"].as_str().unwrap().to_owned();
    // As `workflow apply` words it, without the line (there is one body).
    assert!(m.starts_with("command: invalid type: integer `5`"), "{m}");
    let r = post_json(a, "/api/v1/commands", Some(&t.alice), "{not json");
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1 column"),
        "{}",
        r.text()
    );
    // Over 1 MiB: 413.
    let big = format!(
        r#"{{"command": {{"type": "post_message", "plan": "p1", "text": "{}"}}}}"#,
        "x".repeat((1 << 20) + 10)
    );
    let r = post_json(a, "/api/v1/commands", Some(&t.alice), &big);
    assert_eq!(r.status, 413, "{}", r.text());
    // request_id: the same command again gets the first response; its
    // e-mail reaches the outbox once.
    let body = json!({"command": {"type": "post_message", "plan": "p1", "text": "Once"}, "request_id": "r-1"}).to_string();
    let first = post_json(a, "/api/v1/commands", Some(&t.alice), &body);
    let again = post_json(a, "/api/v1/commands", Some(&t.alice), &body);
    assert_eq!((first.status, first.json()), (again.status, again.json()));
    let other = post_json(a, "/api/v1/commands", Some(&t.alice),
        &json!({"command": {"type": "post_message", "plan": "p1", "text": "Other"}, "request_id": "r-1"}).to_string());
    assert_eq!(other.status, 409, "{}", other.text());

    // GET /api/v1/plans?view=assigned|sent
    for view in ["assigned", "sent"] {
        refuses_strangers(a, "GET", &format!("/api/v1/plans?view={view}"), None);
    }
    let r = get(a, "/api/v1/plans?view=assigned", Some(&t.victor));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()[0]["plan"], "p1");
    let _: Vec<posture_plan::query::PlanView> = typed(&r);
    let r = get(a, "/api/v1/plans?view=sent", Some(&t.alice));
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    for view in ["assigned", "sent"] {
        let r = get(a, &format!("/api/v1/plans?view={view}"), Some(&t.gina));
        assert_eq!(
            (r.status, r.json()),
            (200, json!([])),
            "gina sees nothing of acme's"
        );
    }
    assert_eq!(get(a, "/api/v1/plans?view=all", Some(&t.alice)).status, 400);

    // GET /api/v1/plans/{id}
    refuses_strangers(a, "GET", "/api/v1/plans/acme/p1", None);
    for (token, id) in [
        (&t.alice, "p1"),
        (&t.alice, "acme/p1"),
        (&t.victor, "acme%2Fp1"),
    ] {
        let r = get(a, &format!("/api/v1/plans/{id}"), Some(token));
        assert_eq!(r.status, 200, "{id}: {}", r.text());
        assert_eq!(r.json()["items"][0]["issue"], "spf_missing");
        let _: posture_plan::query::PlanView = typed(&r);
    }
    let seen = get(a, "/api/v1/plans/acme/p1", Some(&t.gina));
    let missing = get(a, "/api/v1/plans/acme/p9", Some(&t.gina));
    assert_eq!((seen.status, missing.status), (404, 404));
    let e: posture_server::ApiError = typed(&seen);
    assert_eq!(e.error.code, "not_found");
    same_as_missing(&seen.text(), &missing.text(), "p1", "p9");

    // GET /api/v1/contacts (with the contact manager's filters)
    refuses_strangers(a, "GET", "/api/v1/contacts", None);
    let r = get(a, "/api/v1/contacts", Some(&t.alice));
    assert_eq!(r.json()[0]["contact"], "c1", "{}", r.text());
    let _: Vec<posture_plan::query::ContactRow> = typed(&r);
    for (q, n) in [
        ("invitation=accepted", 1),
        ("invitation=pending", 0),
        ("claimed=yes", 0),
        ("claimed=no", 1),
        ("days_since_invite=30..100000", 1),
        ("days_since_invite=0..29", 0),
        ("expectation=unset", 1),
        ("logged_in_30d=yes", 0),
        ("name=payroll", 1),
        ("name=zzz", 0),
    ] {
        let r = get(a, &format!("/api/v1/contacts?{q}"), Some(&t.alice));
        assert_eq!(
            r.json().as_array().map(Vec::len),
            Some(n),
            "{q}: {}",
            r.text()
        );
    }
    let r = get(a, "/api/v1/contacts?invitation=maybe", Some(&t.alice));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("invitation"), "{}", r.text());
    assert_eq!(get(a, "/api/v1/contacts", Some(&t.gina)).json(), json!([]));

    // GET /api/v1/contacts/{id}/history
    refuses_strangers(a, "GET", "/api/v1/contacts/c1/history", None);
    let r = get(a, "/api/v1/contacts/c1/history", Some(&t.alice));
    assert_eq!(r.status, 200);
    let _: Vec<posture_plan::query::HistoryEntry> = typed(&r);
    assert!(r.json().as_array().unwrap().len() >= 3, "{}", r.text());
    let seen = get(a, "/api/v1/contacts/acme%2Fc1/history", Some(&t.gina));
    let missing = get(a, "/api/v1/contacts/acme%2Fc9/history", Some(&t.gina));
    assert_eq!((seen.status, missing.status), (404, 404), "{}", seen.text());
    same_as_missing(&seen.text(), &missing.text(), "c1", "c9");

    // GET /api/v1/insights
    refuses_strangers(a, "GET", "/api/v1/insights", None);
    let i: posture_plan::query::Insights = typed(&get(a, "/api/v1/insights", Some(&t.alice)));
    assert_eq!(i.vendors_contacted, 1);
    let g = get(a, "/api/v1/insights", Some(&t.gina)).json();
    assert_eq!(
        (g["vendors_contacted"].clone(), g["plans_open"].clone()),
        (json!(0), json!(0))
    );

    // GET /api/v1/vendors/{org}/questionnaire-risks
    refuses_strangers(a, "GET", "/api/v1/vendors/pay/questionnaire-risks", None);
    let r = get(a, "/api/v1/vendors/pay/questionnaire-risks", Some(&t.alice));
    assert_eq!(r.json()[0]["id"], "q1:mfa", "{}", r.text());
    let _: Vec<posture_plan::QuestionnaireRiskView> = typed(&r);
    assert_eq!(
        get(a, "/api/v1/vendors/pay/questionnaire-risks", Some(&t.gina)).json(),
        json!([])
    );

    // GET /api/v1/outbox: host tokens only; anyone else gets the answer of
    // a route that does not exist.
    refuses_strangers(a, "GET", "/api/v1/outbox", None);
    let r = get(a, "/api/v1/outbox", Some(&t.host));
    assert_eq!(r.status, 200);
    let page: posture_server::OutboxPage = typed(&r);
    assert!(page.next > 0 && !page.emails.is_empty());
    let emails = r.json()["emails"].as_array().unwrap().clone();
    let once = emails
        .iter()
        .filter(|e| e["email"]["template"] == "plan_message")
        .count();
    assert_eq!(once, 3, "Hello, On it and Once (not twice): {emails:?}");
    let nowhere = get(a, "/api/v1/nowhere", Some(&t.alice));
    for token in [&t.alice, &t.gina, &t.victor] {
        let r = get(a, "/api/v1/outbox", Some(token));
        assert_eq!((r.status, r.text()), (nowhere.status, nowhere.text()));
    }
    let r = get(
        a,
        &format!("/api/v1/outbox?after={}", r.json()["next"]),
        Some(&t.host),
    );
    assert_eq!(r.json()["emails"], json!([]));

    // The web app.
    web_routes(a, &t);

    // Revoked: 401 from then on.
    let list = posture(
        &[
            "token",
            "--store",
            store.to_str().unwrap(),
            "list",
            "-f",
            "json",
        ],
        None,
    );
    let ids: Vec<Value> = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(ids.len(), 4);
    assert!(
        !stdout(&list).contains(&t.alice),
        "list never shows a token"
    );
    let gina_id = ids.iter().find(|x| x["actor"] == "gina").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = posture(
        &[
            "token",
            "--store",
            store.to_str().unwrap(),
            "revoke",
            &gina_id,
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(get(a, "/api/v1/insights", Some(&t.gina)).status, 401);

    let status = s.terminate();
    assert!(status.success(), "{status:?}: {}", s.log_text());
    // One log line per request, naming the user, never a token.
    let log = s.log_text();
    assert!(log.contains("posture: GET /api/v1/insights 200 "), "{log}");
    assert!(log.contains("user=alice"), "{log}");
    let bytes = store_bytes(&store);
    for token in [&t.alice, &t.gina, &t.victor, &t.host] {
        assert!(!log.contains(token.as_str()), "a token in the log");
        assert!(!contains(&bytes, token), "a token in the store's bytes");
    }
}

/// A session cookie from `POST /login`.
fn login(a: SocketAddr, token: &str) -> String {
    let r = post_form(a, "/login", None, &[("token", token)]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/plans?view=assigned"));
    let c = r.header("set-cookie").unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(c.contains(flag), "{c}");
    }
    assert!(!c.contains("Secure"), "not over TLS: {c}");
    c["posture_session=".len()..c.find(';').unwrap()].to_owned()
}

/// What precedes the CSRF value in a page's forms.
const CSRF_FIELD: &str = r#"name="csrf" value=""#;

/// The CSRF value of a page's forms.
fn csrf(page: &str) -> String {
    let i = page.find(CSRF_FIELD).expect("a form with a CSRF field") + CSRF_FIELD.len();
    page[i..i + page[i..].find('"').unwrap()].to_owned()
}

fn web_routes(a: SocketAddr, t: &Tokens) {
    // Anyone: the login form.
    for path in ["/", "/login"] {
        let r = get_page(a, path, None);
        assert_eq!(r.status, 200);
        assert!(r.text().contains(r#"name="token""#));
    }
    // POST /login: missing or wrong token 401, host token 401, a form from
    // another site 403.
    for form in [
        vec![],
        vec![("token", WRONG)],
        vec![("token", t.host.as_str())],
    ] {
        let r = post_form(a, "/login", None, &form);
        assert_eq!(r.status, 401, "{form:?}");
        assert!(r.header("set-cookie").is_none());
    }
    let body = common::http::form(&[("token", &t.alice)]);
    let r = request(
        a,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", "http://evil.example"),
        ],
        Some(body.as_bytes()),
    )
    .unwrap();
    assert_eq!(r.status, 403);
    let alice = login(a, &t.alice);
    let victor = login(a, &t.victor);
    let gina = login(a, &t.gina);

    // Every page: a session 200; none, a wrong cookie: 401 (with the login
    // form).
    let pages = [
        "/plans?view=assigned",
        "/plans?view=sent",
        "/plans/acme/p1",
        "/contacts",
        "/contacts?invitation=accepted",
        "/contacts/acme/c1/history",
        "/insights",
        "/expectations",
    ];
    for p in pages {
        let r = get_page(a, p, Some(&alice));
        assert_eq!(r.status, 200, "{p}: {}", r.text());
        assert!(r.text().starts_with("<!DOCTYPE html>"));
        for cookie in [None, Some(WRONG)] {
            let r = get_page(a, p, cookie);
            assert_eq!(r.status, 401, "{p} with {cookie:?}");
            assert!(r.text().contains(r#"name="token""#));
        }
    }
    let assigned = get_page(a, "/plans?view=assigned", Some(&victor)).text();
    assert!(
        assigned.contains("Assigned to us (1)") && assigned.contains("/plans/acme/p1"),
        "{assigned}"
    );
    // Another organisation: its own (empty) lists, and 404 for acme's
    // objects, as for what does not exist.
    let sent = get_page(a, "/plans?view=sent", Some(&gina)).text();
    assert!(sent.contains("Sent (0)") && !sent.contains("Fix mail"));
    let contacts = get_page(a, "/contacts", Some(&gina)).text();
    assert!(!contacts.contains("Carol"));
    for (seen, missing, id, other) in [
        ("/plans/acme/p1", "/plans/acme/p9", "p1", "p9"),
        (
            "/contacts/acme/c1/history",
            "/contacts/acme/c9/history",
            "c1",
            "c9",
        ),
    ] {
        let s = get_page(a, seen, Some(&gina));
        let m = get_page(a, missing, Some(&gina));
        assert_eq!((s.status, m.status), (404, 404), "{seen}");
        same_as_missing(&s.text(), &m.text(), id, other);
    }

    // Forms: no CSRF field or a wrong one 403; no session 401; the right
    // one 303 (the command ran); another organisation with its own valid
    // CSRF: 404.
    let page = get_page(a, "/plans/acme/p1", Some(&victor)).text();
    assert!(
        page.contains("Fixed") && page.contains("Provide information"),
        "{page}"
    );
    let token = csrf(&page);
    for (path, fields) in [
        (
            "/plans/acme/p1",
            vec![("action", "message"), ("text", "via the web")],
        ),
        (
            "/contacts",
            vec![("action", "resend"), ("contact", "acme/c1")],
        ),
        (
            "/expectations",
            vec![
                ("action", "set"),
                ("vendor", "pay"),
                ("grade", "B"),
                ("due", "2030-01-31"),
            ],
        ),
        ("/logout", vec![]),
    ] {
        let r = post_form(a, path, Some(&alice), &fields);
        assert_eq!(r.status, 403, "{path} without csrf");
        let mut wrong = fields.clone();
        wrong.push(("csrf", token.as_str()));
        let r = post_form(a, path, Some(&alice), &wrong);
        assert_eq!(r.status, 403, "{path} with another session's csrf");
        let r = post_form(a, path, None, &wrong);
        assert_eq!(r.status, 401, "{path} without a session");
    }
    let alice_csrf = csrf(&get_page(a, "/plans/acme/p1", Some(&alice)).text());
    let r = post_form(
        a,
        "/plans/acme/p1",
        Some(&alice),
        &[
            ("action", "message"),
            ("text", "via the web"),
            ("csrf", &alice_csrf),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        get_page(a, "/plans/acme/p1", Some(&alice))
            .text()
            .contains("via the web")
    );
    let r = post_form(
        a,
        "/expectations",
        Some(&alice),
        &[
            ("action", "set"),
            ("vendor", "pay"),
            ("grade", "B"),
            ("due", "2030-01-31"),
            ("csrf", &alice_csrf),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        get_page(a, "/expectations", Some(&alice))
            .text()
            .contains("grade B")
    );
    // The invitation was accepted: resending is refused (409), in a page.
    let r = post_form(
        a,
        "/contacts",
        Some(&alice),
        &[
            ("action", "resend"),
            ("contact", "acme/c1"),
            ("csrf", &alice_csrf),
        ],
    );
    assert_eq!(r.status, 409, "{}", r.text());
    let gina_csrf = csrf(&get_page(a, "/contacts", Some(&gina)).text());
    let seen = post_form(
        a,
        "/plans/acme/p1",
        Some(&gina),
        &[("action", "message"), ("text", "x"), ("csrf", &gina_csrf)],
    );
    let missing = post_form(
        a,
        "/plans/acme/p9",
        Some(&gina),
        &[("action", "message"), ("text", "x"), ("csrf", &gina_csrf)],
    );
    assert_eq!((seen.status, missing.status), (404, 404));
    same_as_missing(&seen.text(), &missing.text(), "p1", "p9");
    let seen = post_form(
        a,
        "/contacts",
        Some(&gina),
        &[
            ("action", "resend"),
            ("contact", "acme/c1"),
            ("csrf", &gina_csrf),
        ],
    );
    let missing = post_form(
        a,
        "/contacts",
        Some(&gina),
        &[
            ("action", "resend"),
            ("contact", "acme/c9"),
            ("csrf", &gina_csrf),
        ],
    );
    assert_eq!((seen.status, missing.status), (404, 404), "{}", seen.text());
    same_as_missing(&seen.text(), &missing.text(), "c1", "c9");
    let insights = get_page(a, "/insights", Some(&gina)).text();
    assert!(
        insights.contains(r#"<b>0</b><span><a href="/contacts">vendors contacted"#),
        "{insights}"
    );
    let expectations = get_page(a, "/expectations", Some(&gina)).text();
    assert!(
        !expectations.contains("Payroll") && expectations.contains("no expectations"),
        "{expectations}"
    );
    // The vendor marks the item fixed through the form: a rescan is asked
    // for (its resolver answers nothing: it stays pending).
    let r = post_form(
        a,
        "/plans/acme/p1",
        Some(&victor),
        &[("action", "fixed"), ("item", "i1"), ("csrf", &token)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        get(a, "/api/v1/plans/acme/p1", Some(&t.victor)).json()["items"][0]["status"]
            == "pending_rescan"
    );
    // Log out: the session ends.
    let r = post_form(a, "/logout", Some(&alice), &[("csrf", &alice_csrf)]);
    assert_eq!(r.status, 303);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(get_page(a, "/insights", Some(&alice)).status, 401);
    // Every cookie was a secret of its own, in no log line.
    for c in [&alice, &victor, &gina] {
        assert_eq!(c.len(), 43);
    }
}

/// Adds contacts `c-{client}-{n}` through the API; returns the ids
/// acknowledged (200, ok) and the number of requests that got no answer
/// or another status.
fn add_contacts(
    a: SocketAddr,
    token: &str,
    client: usize,
    n: usize,
    stop: Option<&std::sync::atomic::AtomicBool>,
) -> (Vec<String>, usize) {
    let mut acked = Vec::new();
    let mut failed = 0;
    for i in 0..n {
        if stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed)) {
            break;
        }
        let id = format!("c-{client}-{i}");
        let body = json!({"command": {"type": "add_contact", "contact": id, "vendor": "pay",
            "name": format!("Contact {client} {i}"), "email": format!("c{client}.{i}@pay.example")},
            "request_id": format!("load-{client}-{i}")})
        .to_string();
        let auth = format!("Bearer {token}");
        match request(
            a,
            "POST",
            "/api/v1/commands",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            Some(body.as_bytes()),
        ) {
            Ok(r) if r.status == 200 && r.json()["ok"] == true => acked.push(id),
            Ok(r) => {
                assert!(
                    r.status == 503 || r.status >= 500,
                    "{}: {}",
                    r.status,
                    r.text()
                );
                failed += 1;
            }
            Err(_) => {
                failed += 1;
                if stop.is_some() {
                    break;
                }
            }
        }
    }
    (acked, failed)
}

/// The contacts of acme in the store, read from the file.
fn stored_contacts(store: &Path) -> std::collections::BTreeSet<String> {
    let s = posture_plan::Store::open_read_only(store).unwrap();
    s.state()
        .contacts
        .in_org("acme")
        .map(|(id, _)| id.to_owned())
        .collect()
}

#[test]
fn fifty_clients_times_a_hundred_commands_are_all_acknowledged_and_durable() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let token = issue(&store, Some("alice"));
    let mut s = Served::serve(&store, &[]);
    let a = s.addr;
    let start = Instant::now();
    let handles: Vec<_> = (0..50)
        .map(|c| {
            let token = token.clone();
            std::thread::spawn(move || add_contacts(a, &token, c, 100, None))
        })
        .collect();
    let mut acked = Vec::new();
    for h in handles {
        let (ids, failed) = h.join().unwrap();
        assert_eq!(failed, 0);
        acked.extend(ids);
    }
    let took = start.elapsed();
    assert_eq!(acked.len(), 5000);
    let status = s.terminate();
    assert!(status.success());
    let log = s.log_text();
    let closing = log
        .lines()
        .find(|l| l.starts_with("posture: stopped:"))
        .unwrap_or("")
        .to_owned();
    eprintln!(
        "load: 50 clients × 100 commands: 5000 acknowledged in {:.2} s ({:.0} commands/s); {closing}",
        took.as_secs_f64(),
        5000.0 / took.as_secs_f64()
    );
    // Durable: the store, reopened, holds every one.
    let stored = stored_contacts(&store);
    for id in &acked {
        assert!(stored.contains(id), "{id} acknowledged but not stored");
    }
    assert_eq!(stored.len(), 5001, "c1 and the 5000");
    assert!(!contains(&store_bytes(&store), &token));
    assert!(!log.contains(&token));
    // Group commit: fewer transactions than commands.
    let commits: u64 = closing
        .split(" in ")
        .nth(1)
        .and_then(|x| x.split(' ').next())
        .and_then(|x| x.parse().ok())
        .unwrap_or(u64::MAX);
    assert!(commits < 5000 + 10, "{closing}");
}

#[test]
fn sigterm_mid_load_loses_nothing_acknowledged() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let token = issue(&store, Some("alice"));
    let mut s = Served::serve(&store, &[]);
    let a = s.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..20)
        .map(|c| {
            let (token, stop, progress) = (token.clone(), stop.clone(), progress.clone());
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                let mut failed = 0;
                // Bounded: at most 50 rounds of 10 commands per client.
                for round in 0..50 {
                    let (ids, f) = add_contacts(a, &token, c * 1000 + round, 10, Some(&stop));
                    progress.fetch_add(ids.len(), Ordering::Relaxed);
                    acked.extend(ids);
                    failed += f;
                    if f > 0 || stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
                (acked, failed)
            })
        })
        .collect();
    let until = Instant::now() + Duration::from_secs(60);
    while progress.load(Ordering::Relaxed) < 400 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    let at_signal = progress.load(Ordering::Relaxed);
    let status = s.terminate();
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    let mut failed = 0;
    for h in handles {
        let (ids, f) = h.join().unwrap();
        acked.extend(ids);
        failed += f;
    }
    assert!(status.success(), "{status:?}: {}", s.log_text());
    let stored = stored_contacts(&store);
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    eprintln!(
        "sigterm: {} acknowledged ({at_signal} when the signal went), {failed} unanswered, {} stored, {} lost",
        acked.len(),
        stored.len() - 1,
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(acked.len() >= at_signal && at_signal >= 400, "{at_signal}");
    let log = s.log_text();
    assert!(!log.contains(&token) && !contains(&store_bytes(&store), &token));
    assert!(log.contains("posture: shutting down"), "{log}");
    assert!(log.contains("posture: stopped:"), "{log}");
}

#[test]
fn token_commands_refuse_what_they_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.sqlite");
    let m = missing.to_str().unwrap();
    let o = posture(&["token", "--store", m, "issue", "--host"], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("posture: error: ") && stderr(&o).contains("no such event store")
    );
    assert!(!missing.exists(), "never created");
    let store = store(dir.path());
    let s = store.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["token", "--store", s, "issue", "--user", "nobody"],
            "no user `nobody`",
        ),
        (
            vec!["token", "--store", s, "issue", "--user", "host"],
            "--host",
        ),
        (
            vec!["token", "--store", s, "revoke", "nope"],
            "no token `nope`",
        ),
        (vec!["token", "--store", s, "issue"], "--user"),
        (
            vec!["token", "--store", s, "issue", "--user", "alice", "--host"],
            "cannot be used with",
        ),
    ] {
        let o = posture(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("posture: error: "), "{}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
    // The table format prints the token alone on stdout, the note on stderr.
    let o = posture(
        &[
            "token", "--store", s, "issue", "--user", "alice", "-f", "table",
        ],
        None,
    );
    assert!(o.status.success());
    let issued = stdout(&o).trim().to_owned();
    assert_eq!(issued.len(), 43);
    assert!(stderr(&o).contains("shown once"));
    let o = posture(&["token", "--store", s, "list", "-f", "table"], None);
    assert!(
        stdout(&o).contains("alice") && !stdout(&o).contains(&issued),
        "{}",
        stdout(&o)
    );
    // A listening address that cannot be had: exit 2, one line.
    let o = posture(&["serve", "--store", s, "--listen", "not-an-address"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("posture: error: listening on not-an-address"),
        "{}",
        stderr(&o)
    );
}

/// Polls `f` every 100 ms until it is true; fails after `secs` seconds
/// saying `what`.
fn wait_until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < until, "not within {secs} s: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A rescan the resolver cannot answer stays pending and is tried again,
/// with a growing wait, until one concludes: the item is then verified.
#[test]
fn an_inconclusive_rescan_is_tried_again_until_it_concludes() {
    use posture_sandbox::{Fault, World};
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let victor = issue(&store, Some("victor"));
    let mut world = World::new();
    world.fault("pay.example", Fault::ServFail);
    let (ns, changes) = common::live_sandbox(world);
    let ns = ns.to_string();
    let mut s = Served::serve(
        &store,
        &[
            "--nameserver",
            &ns,
            "--timeout",
            "300",
            "--deadline",
            "3000",
            "--rescan-retry",
            "200",
        ],
    );
    let a = s.addr;
    let r = command(
        a,
        &victor,
        json!({"type": "mark_fixed", "plan": "acme/p1", "item": "i1"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let status = || {
        get(a, "/api/v1/plans/acme/p1", Some(&victor)).json()["items"][0]["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    wait_until(60, "two retries", || {
        s.log_text().matches("trying again in").count() >= 2
    });
    assert_eq!(status(), "pending_rescan");
    let log = s.log_text();
    assert!(
        log.contains("trying again in 200 ms") && log.contains("trying again in 400 ms"),
        "the wait doubles: {log}"
    );
    changes
        .send(Box::new(|w: &mut World| {
            w.clear_fault("pay.example");
            w.txt("pay.example", "v=spf1 -all");
        }))
        .unwrap();
    wait_until(60, "the item verified", || status() == "verified");
    assert!(s.terminate().success());
    assert!(
        s.log_text().contains("clean (recorded)"),
        "{}",
        s.log_text()
    );
}

/// A request whose body never comes is answered 503 at the request
/// timeout, and a client that never finishes its request does not hold
/// the shutdown: SIGTERM stops the server within the timeout and a bit.
#[test]
fn a_stalled_request_times_out_and_never_holds_the_shutdown() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let alice = issue(&store, Some("alice"));
    let mut s = Served::serve(&store, &["--request-timeout", "1000"]);
    let a = s.addr;
    let mut stalled = std::net::TcpStream::connect(a).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let start = Instant::now();
    write!(
        stalled,
        "POST /api/v1/commands HTTP/1.1\r\nHost: {a}\r\nAuthorization: Bearer {alice}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    )
    .unwrap();
    let mut answer = [0u8; 4096];
    let n = stalled.read(&mut answer).unwrap();
    let took = start.elapsed();
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("\"timeout\""), "{text}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Headers that never end, on a connection held open.
    let mut endless = std::net::TcpStream::connect(a).unwrap();
    endless
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    let status = s.terminate();
    let took = start.elapsed();
    assert!(status.success(), "{status:?}: {}", s.log_text());
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert!(
        s.log_text().contains("not waiting for them"),
        "{}",
        s.log_text()
    );
    drop(endless);
}

/// Text that would run as script or load something if a page did not
/// escape it, in every field a person types: an organisation's and a
/// user's name, a plan's title, messages, a vendor's information, a
/// contact's name and title, an expectation's suggested issues. Every page
/// shows it as text.
#[test]
fn hostile_text_is_shown_as_text_on_every_page() {
    const EVIL: &str = r#"</textarea>"><script>alert(1)</script><img src=x onerror=alert(2)>"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.sqlite");
    let cmds: Vec<(&str, Value)> = vec![
        (
            "host",
            json!({"type": "register_organization", "org": "acme", "name": EVIL, "domains": ["acme.example"]}),
        ),
        (
            "host",
            json!({"type": "register_organization", "org": "pay", "name": EVIL, "domains": ["pay.example"]}),
        ),
        (
            "host",
            json!({"type": "register_user", "user": "alice", "org": "acme", "name": EVIL, "email": "alice@acme.example"}),
        ),
        (
            "host",
            json!({"type": "register_user", "user": "victor", "org": "pay", "name": EVIL, "email": "victor@pay.example"}),
        ),
        (
            "alice",
            json!({"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": EVIL, "target": {"grade": "B"}, "due": "2030-12-01T00:00:00Z"}),
        ),
        (
            "alice",
            json!({"type": "add_plan_item", "plan": "p1", "item": "i1", "issue": "spf_missing", "asset": "pay.example"}),
        ),
        ("alice", json!({"type": "send_plan", "plan": "p1"})),
        (
            "alice",
            json!({"type": "post_message", "plan": "p1", "text": EVIL}),
        ),
        (
            "victor",
            json!({"type": "provide_info", "plan": "acme/p1", "item": "i1", "kind": "dispute", "text": EVIL}),
        ),
        (
            "alice",
            json!({"type": "add_contact", "contact": "c1", "vendor": "pay", "name": EVIL, "title": EVIL, "email": "carol@pay.example"}),
        ),
        (
            "alice",
            json!({"type": "send_invitation", "contact": "c1", "message": EVIL}),
        ),
        (
            "alice",
            json!({"type": "set_expectation", "vendor": "pay", "target": {"grade": "B"}, "due": "2030-01-01T00:00:00Z"}),
        ),
    ];
    let texts: Vec<(&str, String)> = cmds.iter().map(|(a, c)| (*a, c.to_string())).collect();
    let pairs: Vec<(&str, &str)> = texts.iter().map(|(a, c)| (*a, c.as_str())).collect();
    let o = posture(
        &[
            "workflow",
            "--store",
            path.to_str().unwrap(),
            "apply",
            "--strict",
        ],
        Some(&wf_lines(&pairs)),
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let alice = issue(&path, Some("alice"));
    let victor = issue(&path, Some("victor"));
    let mut s = Served::serve(&path, &[]);
    let a = s.addr;
    let mut shown = 0;
    for (token, pages) in [
        (
            &alice,
            &[
                "/plans?view=sent",
                "/plans/acme/p1",
                "/contacts",
                "/contacts/acme/c1/history",
                "/insights",
                "/expectations",
            ][..],
        ),
        (&victor, &["/plans?view=assigned", "/plans/acme/p1"][..]),
    ] {
        let cookie = login(a, token);
        for p in pages {
            let r = get_page(a, p, Some(&cookie));
            assert_eq!(r.status, 200, "{p}: {}", r.text());
            let page = r.text();
            for raw in ["<script>alert", "<img src=x", "</textarea>\">"] {
                assert!(!page.contains(raw), "{p} shows `{raw}` unescaped");
            }
            shown += page
                .matches("&lt;script&gt;alert(1)&lt;/script&gt;")
                .count();
        }
    }
    assert!(shown >= 10, "the text is there, escaped ({shown} times)");
    assert!(s.terminate().success());
}

/// Every response comes after the commit it reports: killed outright
/// (SIGKILL, no shutdown at all) in the middle of a load, the server has
/// lost no command it acknowledged.
#[test]
fn sigkill_mid_load_loses_nothing_acknowledged() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let token = issue(&store, Some("alice"));
    let mut s = Served::serve(&store, &[]);
    let a = s.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..20)
        .map(|c| {
            let (token, stop, progress) = (token.clone(), stop.clone(), progress.clone());
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                for round in 0..50 {
                    let (ids, f) = add_contacts(a, &token, c * 1000 + round, 10, Some(&stop));
                    progress.fetch_add(ids.len(), Ordering::Relaxed);
                    acked.extend(ids);
                    if f > 0 || stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
                acked
            })
        })
        .collect();
    wait_until(60, "400 acknowledgements", || {
        progress.load(Ordering::Relaxed) >= 400
    });
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    // Opening for writing recovers the write-ahead log the kill left.
    drop(posture_plan::Store::open(&store).unwrap());
    let stored = stored_contacts(&store);
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    eprintln!(
        "sigkill: {} acknowledged, {} stored, {} lost",
        acked.len(),
        stored.len() - 1,
        lost.len()
    );
    assert!(acked.len() >= 400);
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}
