//! Tenant isolation and the workflow's integrity rules, each tested from
//! the actor who should be refused as well as the one who may act:
//! namespaced ids (rule 2), footprints (3), contact e-mail (4), accepted
//! contacts stay (5), one definition of a finished plan (6); and as
//! properties: two organisations running the same script never see each
//! other and receive the same responses; a store replayed from its events
//! equals the live state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::{Catalog, Timestamp};
use posture_plan::query::{self, ContactFilter, ExpectationFilter};
use posture_plan::{Command, Decision, Effect, HOST, Request, State, Store, apply, decide};
use proptest::prelude::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn cmd(json: &str) -> Command {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

struct W {
    state: State,
    catalog: std::sync::Arc<Catalog>,
    now: Timestamp,
}

impl W {
    fn new() -> W {
        W {
            state: State::default(),
            catalog: Catalog::builtin(),
            now: t("2026-11-01T10:00:00Z"),
        }
    }

    fn decide(&self, actor: &str, json: &str) -> Result<Decision, posture_plan::WorkflowError> {
        decide(&self.state, &self.catalog, &cmd(json), actor, self.now)
    }

    fn run(&mut self, actor: &str, json: &str) -> Result<Vec<Effect>, posture_plan::WorkflowError> {
        let d = self.decide(actor, json)?;
        for e in &d.events {
            apply(&mut self.state, e);
        }
        Ok(d.effects)
    }

    fn ok(&mut self, actor: &str, json: &str) -> Vec<Effect> {
        self.run(actor, json)
            .unwrap_or_else(|e| panic!("{actor} {json}: {e}"))
    }

    /// A refusal: its code, and the state is unchanged.
    fn err(&mut self, actor: &str, json: &str) -> posture_plan::WorkflowError {
        let before = self.state.clone();
        let e = self.run(actor, json).expect_err(&format!("{actor} {json}"));
        assert_eq!(before, self.state, "a refused command changed the state");
        e
    }

    /// Requesters acme (alice, amy) and globex (gina); vendor pay (victor,
    /// vera) with domains and an address block; bystander other (oscar).
    fn world() -> W {
        let mut w = W::new();
        for c in [
            r#"{"type":"register_organization","org":"acme","name":"Acme","domains":["acme.example"]}"#,
            r#"{"type":"register_organization","org":"globex","name":"Globex","domains":["globex.example"]}"#,
            r#"{"type":"register_organization","org":"pay","name":"Payroll Co","domains":["pay.example","payroll.example"],"assets":["192.0.2.0/24","2001:db8::/64"]}"#,
            r#"{"type":"register_organization","org":"ship","name":"ShipFast","domains":["ship.example"]}"#,
            r#"{"type":"register_organization","org":"other","name":"Other","domains":["other.example"]}"#,
            r#"{"type":"register_user","user":"alice","org":"acme","name":"Alice","email":"alice@acme.example"}"#,
            r#"{"type":"register_user","user":"amy","org":"acme","name":"Amy","email":"amy@acme.example"}"#,
            r#"{"type":"register_user","user":"gina","org":"globex","name":"Gina","email":"gina@globex.example"}"#,
            r#"{"type":"register_user","user":"victor","org":"pay","name":"Victor","email":"victor@pay.example"}"#,
            r#"{"type":"register_user","user":"vera","org":"pay","name":"Vera","email":"vera@pay.example"}"#,
            r#"{"type":"register_user","user":"sven","org":"ship","name":"Sven","email":"sven@ship.example"}"#,
            r#"{"type":"register_user","user":"oscar","org":"other","name":"Oscar","email":"oscar@other.example"}"#,
        ] {
            w.ok(HOST, c);
        }
        w
    }
}

fn plan_json(id: &str, assignee: &str) -> String {
    format!(
        r#"{{"type":"create_plan","plan":"{id}","vendor":"pay","assignee":"{assignee}","title":"Fix mail","target":{{"grade":"B"}},"due":"2026-12-01T00:00:00Z"}}"#
    )
}

/// Rule 2: two organisations may both have a plan `p1`; neither learns of
/// the other's; a vendor user names them `ORG/ID` or an unambiguous `ID`.
#[test]
fn plan_ids_live_in_the_creating_organisations_namespace() {
    let mut w = W::world();
    w.ok("alice", &plan_json("p1", "victor"));
    // Same id, another organisation: no conflict, another plan.
    w.ok("gina", &plan_json("p1", "victor"));
    assert_eq!(w.state.plans.len(), 2);
    // Other content under the own id is still a conflict, only there.
    let other = plan_json("p1", "vera").replace("Fix mail", "Other");
    assert_eq!(w.err("alice", &other).code, "conflict");
    for reference in ["p1", "acme/p1"] {
        let item = format!(
            r#"{{"type":"add_plan_item","plan":"{reference}","item":"i1","issue":"spf_missing","asset":"pay.example"}}"#
        );
        w.ok("alice", &item);
    }
    assert_eq!(w.state.plans.get("acme", "p1").unwrap().items.len(), 1);
    assert!(w.state.plans.get("globex", "p1").unwrap().items.is_empty());
    // gina cannot reach acme's plan by its full id: the same answer as for
    // a plan that does not exist.
    let add = |p: &str| {
        format!(
            r#"{{"type":"add_plan_item","plan":"{p}","item":"i9","issue":"spf_missing","asset":"pay.example"}}"#
        )
    };
    let hidden = w.err("gina", &add("acme/p1"));
    let missing = w.err("gina", &add("acme/p2"));
    assert_eq!(hidden.code, "not_found");
    assert_eq!(hidden.message.replace("p1", "p2"), missing.message);

    // Drafts are invisible to the vendor; once both are sent, `p1` is
    // ambiguous for victor and the error lists only what he may see.
    assert_eq!(
        w.err(
            "victor",
            r#"{"type":"post_message","plan":"p1","text":"hi"}"#
        )
        .code,
        "not_found"
    );
    w.ok("alice", r#"{"type":"send_plan","plan":"p1"}"#);
    w.ok(
        "victor",
        r#"{"type":"post_message","plan":"p1","text":"hi"}"#,
    );
    w.ok("gina", r#"{"type":"send_plan","plan":"p1"}"#);
    // A third plan p1, a draft of other's, must not show up in the listing.
    w.ok("oscar", &plan_json("p1", "victor"));
    let amb = w.err(
        "victor",
        r#"{"type":"post_message","plan":"p1","text":"hi"}"#,
    );
    assert_eq!(amb.code, "invalid");
    assert!(
        amb.message.contains("acme/p1") && amb.message.contains("globex/p1"),
        "{}",
        amb.message
    );
    assert!(!amb.message.contains("other/p1"), "{}", amb.message);
    w.ok(
        "victor",
        r#"{"type":"post_message","plan":"globex/p1","text":"hi globex"}"#,
    );
    assert_eq!(w.state.plans.get("globex", "p1").unwrap().messages.len(), 1);
    // Vera (same vendor, not the assignee) sees neither.
    assert_eq!(
        w.err(
            "vera",
            r#"{"type":"post_message","plan":"acme/p1","text":"x"}"#
        )
        .code,
        "not_found"
    );
    // Views carry the requester; each organisation lists only its own.
    let sent = query::sent(&w.state, &w.catalog, "gina", w.now).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].requester.as_str(), sent[0].plan.as_str()),
        ("globex", "p1")
    );
    let assigned = query::assigned(&w.state, &w.catalog, "victor", w.now).unwrap();
    let keys: Vec<(String, String)> = assigned
        .iter()
        .map(|v| (v.requester.clone(), v.plan.clone()))
        .collect();
    assert_eq!(
        keys,
        [("acme".into(), "p1".into()), ("globex".into(), "p1".into())]
    );
    assert_eq!(
        query::plan_view(&w.state, &w.catalog, "victor", "p1", w.now)
            .unwrap_err()
            .code,
        "invalid"
    );
    // The rescan effect names the requester, so the host can answer.
    w.ok("amy", r#"{"type":"add_plan_item","plan":"p1","item":"i2","issue":"dmarc_missing","asset":"pay.example"}"#);
    let fx = w.ok(
        "victor",
        r#"{"type":"mark_fixed","plan":"acme/p1","item":"i2"}"#,
    );
    assert!(
        matches!(&fx[0], Effect::Rescan { requester, plan, .. } if requester == "acme" && plan == "p1")
    );
    assert_eq!(
        w.err(
            HOST,
            r#"{"type":"record_rescan","plan":"p1","item":"i2","outcome":"clean"}"#
        )
        .code,
        "invalid",
        "the host sees three plans p1"
    );
    w.ok(
        HOST,
        r#"{"type":"record_rescan","plan":"acme/p1","item":"i2","outcome":"clean"}"#,
    );
}

/// Rule 2 for contacts, questionnaires, document requests and reports.
#[test]
fn contact_and_outreach_ids_are_namespaced_too() {
    let mut w = W::world();
    for who in ["alice", "gina"] {
        w.ok(who, r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example"}"#);
        w.ok(who, r#"{"type":"send_invitation","contact":"c1"}"#);
    }
    // The host must say whose contact accepted.
    assert_eq!(
        w.err(
            HOST,
            r#"{"type":"accept_invitation","contact":"c1","user":"pat"}"#
        )
        .code,
        "invalid"
    );
    w.ok(
        HOST,
        r#"{"type":"accept_invitation","contact":"acme/c1","user":"pat"}"#,
    );
    w.ok(
        HOST,
        r#"{"type":"accept_invitation","contact":"globex/c1","user":"pat2"}"#,
    );
    // Contacts are invisible across organisations, even by full id.
    assert_eq!(
        w.err("gina", r#"{"type":"remove_contact","contact":"acme/c1"}"#)
            .code,
        "not_found"
    );
    let q = r#"{"type":"send_questionnaire","questionnaire":"q1","vendor":"pay","contact":"c1","due":"2026-12-01T00:00:00Z","questions":[{"id":"mfa","text":"MFA?","severity":"high"}]}"#;
    w.ok("alice", q);
    w.ok("gina", q);
    // pat answers acme's q1 only; pat2 globex's.
    let answer = r#"{"type":"answer_questionnaire","questionnaire":"q1","answers":[{"id":"mfa","pass":false}]}"#;
    w.ok("pat", answer);
    assert!(
        w.state
            .questionnaires
            .get("globex", "q1")
            .unwrap()
            .answers
            .is_none()
    );
    assert_eq!(
        w.err(
            "pat",
            r#"{"type":"answer_questionnaire","questionnaire":"globex/q1","answers":[{"id":"mfa","pass":false}]}"#
        )
        .code,
        "not_found"
    );
    w.ok("pat2", answer);
    assert_eq!(w.state.questionnaire_risks("acme", "pay").len(), 1);
    // Document requests, reports.
    let d = r#"{"type":"request_document","request":"d1","vendor":"pay","contact":"c1","kind":"soc2","due":"2026-12-01T00:00:00Z"}"#;
    w.ok("alice", d);
    w.ok("gina", d);
    w.ok(
        "pat2",
        r#"{"type":"fulfil_document","request":"d1","reference":"vault://soc2"}"#,
    );
    assert!(
        w.state
            .documents
            .get("acme", "d1")
            .unwrap()
            .reference
            .is_none()
    );
    let share = r#"{"type":"share_report","contact":"c1","report":"r1"}"#;
    assert_eq!(w.ok("alice", share).len(), 1);
    assert!(
        w.ok("alice", share).is_empty(),
        "the same share again: no-op"
    );
    assert_eq!(w.ok("gina", share).len(), 1, "another organisation's r1");
    // History and contact rows stay within the organisation.
    let rows = query::contacts(&w.state, "alice", w.now, &ContactFilter::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].requester, "acme");
}

/// Rule 3: organisations declare their footprint; plan items stay inside.
#[test]
fn plan_items_stay_inside_the_vendors_footprint() {
    let mut w = W::world();
    for (c, why) in [
        (
            r#"{"type":"register_organization","org":"x","name":"X","domains":["x.example"],"assets":["x.example"]}"#,
            "assets[0]",
        ),
        (
            r#"{"type":"register_organization","org":"x","name":"X","domains":["x.example"],"assets":["10.0.0.0/33"]}"#,
            "assets[0]",
        ),
        (
            r#"{"type":"register_organization","org":"x","name":"X","domains":["192.0.2.1"]}"#,
            "domains[0]",
        ),
        (
            r#"{"type":"register_organization","org":"x","name":"X","domains":["bad..name"]}"#,
            "domains[0]",
        ),
        (
            r#"{"type":"register_organization","org":"x/y","name":"X","domains":[]}"#,
            "org",
        ),
    ] {
        let e = w.err(HOST, c);
        assert_eq!(e.code, "invalid", "{c}");
        assert!(e.message.starts_with(why), "{c}: {}", e.message);
    }
    w.ok("alice", &plan_json("p1", "victor"));
    let item = |issue: &str, asset: &str| {
        format!(
            r#"{{"type":"add_plan_item","plan":"p1","item":"i","issue":"{issue}","asset":"{asset}"}}"#
        )
    };
    for (issue, asset, field) in [
        ("spf_missing", "victim.example", "asset"),
        ("spf_missing", "evilpay.example", "asset"),
        ("spf_missing", "pay.example.evil.example", "asset"),
        ("service_rdp", "198.51.100.7", "asset"),
        ("service_rdp", "192.0.2.0/24", "asset"),
        ("service_rdp", "192.0.2.0/30", "asset"),
        ("service_rdp", "2001:db8:0:1::1", "asset"),
        ("service_rdp", "not an asset", "asset"),
        ("no_such_issue", "pay.example", "issue"),
    ] {
        let e = w.err("alice", &item(issue, asset));
        assert_eq!(e.code, "invalid", "{issue} on {asset}");
        assert!(e.message.starts_with(field), "{}", e.message);
    }
    for (i, (issue, asset)) in [
        ("spf_missing", "pay.example"),
        ("spf_missing", "MAIL.PAY.EXAMPLE"),
        ("spf_missing", "eu.payroll.example"),
        ("service_rdp", "192.0.2.7"),
        ("service_rdp", "2001:db8::7"),
    ]
    .iter()
    .enumerate()
    {
        w.ok(
            "alice",
            &item(issue, asset).replace("\"item\":\"i\"", &format!("\"item\":\"i{i}\"")),
        );
    }
    // The workflow's own catalog decides which issue ids exist.
    let small = Catalog::from_json(
        r#"[{"id": "only_this", "title": "Only", "description": "d", "factor": "dns_health", "severity": "low", "decay_days": 30, "provisional": false, "risk": "r", "remediation": "m", "references": []}]"#,
        "small",
    )
    .map(std::sync::Arc::new);
    if let Ok(small) = small {
        let c = cmd(&item("spf_missing", "pay.example").replace("\"i\"", "\"j\""));
        assert_eq!(
            decide(&w.state, &small, &c, "alice", w.now)
                .unwrap_err()
                .code,
            "invalid"
        );
        let c = cmd(&item("only_this", "pay.example").replace("\"i\"", "\"j\""));
        assert!(decide(&w.state, &small, &c, "alice", w.now).is_ok());
    } else {
        panic!("the small catalog must load: {small:?}");
    }
}

/// Rule 4: a contact's e-mail is one address at the vendor.
#[test]
fn contact_email_is_one_address_at_the_vendor() {
    let mut w = W::world();
    for email in [
        "a@evil.example,b@pay.example",
        "<a@evil.example>@pay.example",
        "a@evil.example;b@pay.example",
        "\"a@evil.example\"@pay.example",
        "a(x)@pay.example",
        "a b@pay.example",
        "a@pay.example\r\nBcc: x@evil.example",
        "a@pay.example ",
        "pat@gmail.com",
        "pat@mail.yahoo.com",
        "pat@evilpay.example",
        "pat@pay.example.evil.example",
    ] {
        let json = serde_json::json!({"type": "add_contact", "contact": "x", "vendor": "pay", "name": "X", "email": email}).to_string();
        assert_eq!(w.err("alice", &json).code, "invalid", "{email:?}");
    }
    w.ok("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat.lee+sec@eu.pay.example"}"#);
    assert_eq!(
        w.err(
            "alice",
            r#"{"type":"edit_contact","contact":"c1","email":"a@evil.example,b@pay.example"}"#
        )
        .code,
        "invalid"
    );
    // The invitation goes to exactly the one address.
    let fx = w.ok("alice", r#"{"type":"send_invitation","contact":"c1"}"#);
    assert!(matches!(&fx[0], Effect::Email { to, .. } if to == "pat.lee+sec@eu.pay.example"));
}

/// Rule 5: an accepted contact stays with its vendor.
#[test]
fn an_accepted_contact_stays_with_its_vendor() {
    let mut w = W::world();
    w.ok("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example"}"#);
    w.ok("alice", r#"{"type":"add_contact","contact":"c2","vendor":"pay","name":"Sam","email":"sam@pay.example"}"#);
    // Before acceptance a contact may move (with an address at the new vendor).
    w.ok(
        "alice",
        r#"{"type":"edit_contact","contact":"c2","vendor":"ship","email":"sam@ship.example"}"#,
    );
    w.ok("alice", r#"{"type":"send_invitation","contact":"c1"}"#);
    w.ok(
        HOST,
        r#"{"type":"accept_invitation","contact":"acme/c1","user":"pat"}"#,
    );
    let e = w.err(
        "alice",
        r#"{"type":"edit_contact","contact":"c1","vendor":"ship","email":"pat@ship.example"}"#,
    );
    assert_eq!(e.code, "invalid_state");
    // Other edits are fine; and pat cannot be made to answer for ship.
    w.ok(
        "alice",
        r#"{"type":"edit_contact","contact":"c1","title":"CISO"}"#,
    );
    assert_eq!(
        w.err("alice", r#"{"type":"send_questionnaire","questionnaire":"q1","vendor":"ship","contact":"c1","due":"2026-12-01T00:00:00Z","questions":[{"id":"a","text":"?","severity":"low"}]}"#).code,
        "invalid"
    );
    // Another organisation cannot try at all.
    assert_eq!(
        w.err(
            "gina",
            r#"{"type":"edit_contact","contact":"acme/c1","vendor":"ship"}"#
        )
        .code,
        "not_found"
    );
}

/// Rule 6: one definition of a finished plan for reminders, views and
/// insights.
#[test]
fn a_plan_whose_target_is_met_is_finished_everywhere() {
    let mut w = W::world();
    w.ok("alice", &plan_json("p1", "victor"));
    w.ok("alice", r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}"#);
    w.ok("alice", r#"{"type":"send_plan","plan":"p1"}"#);
    w.now = t("2026-12-05T00:00:00Z");
    let overdue = query::plan_view(&w.state, &w.catalog, "alice", "p1", w.now).unwrap();
    assert!(overdue.overdue && !overdue.finished);
    let i = query::insights(&w.state, "alice", w.now).unwrap();
    assert_eq!((i.plans_open, i.plans_finished, i.plans_overdue), (1, 0, 1));
    // The vendor's recorded score meets grade B: finished, though its item
    // is still open.
    w.ok(
        HOST,
        r#"{"type":"record_score","org":"pay","score":"88","grade":"B"}"#,
    );
    let v = query::plan_view(&w.state, &w.catalog, "victor", "p1", w.now).unwrap();
    assert!(v.finished && !v.overdue);
    assert_eq!(v.items[0].status, posture_plan::ItemStatus::Open);
    let i = query::insights(&w.state, "alice", w.now).unwrap();
    assert_eq!((i.plans_open, i.plans_finished, i.plans_overdue), (0, 1, 0));
    assert!(
        w.ok(HOST, r#"{"type":"remind_overdue"}"#).is_empty(),
        "no reminder for a plan whose target is met"
    );
    // The score drops: not finished again, and the assignee is reminded.
    w.ok(
        HOST,
        r#"{"type":"record_score","org":"pay","score":"60","grade":"D"}"#,
    );
    let fx = w.ok(HOST, r#"{"type":"remind_overdue"}"#);
    assert!(
        matches!(&fx[..], [Effect::Email { to, requester, plan: Some(p), .. }] if to == "victor@pay.example" && requester == "acme" && p == "p1")
    );
    // Cancelled is finished too.
    w.ok("alice", r#"{"type":"cancel_plan","plan":"p1"}"#);
    assert!(
        query::plan_view(&w.state, &w.catalog, "alice", "p1", w.now)
            .unwrap()
            .finished
    );
}

/// Reminders are throttled per (organisation, recipient): one
/// organisation's reminder never suppresses (and so never reveals) another's.
#[test]
fn reminders_are_per_organisation() {
    let mut w = W::world();
    for who in ["alice", "gina"] {
        w.ok(who, r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example"}"#);
        w.ok(who, r#"{"type":"set_expectation","vendor":"pay","target":{"grade":"A"},"due":"2026-11-02T00:00:00Z"}"#);
    }
    w.now = t("2026-11-03T00:00:00Z");
    let fx = w.ok(HOST, r#"{"type":"remind_overdue"}"#);
    let mut by: Vec<&str> = fx
        .iter()
        .map(|e| match e {
            Effect::Email { requester, .. } => requester.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    by.sort_unstable();
    assert_eq!(by, ["acme", "globex"]);
}

// ---------------------------------------------------------------------
// Properties.

/// The command script one organisation runs, with `{o}` for its own
/// suffix: requester users `ua-{o}` and `ub-{o}`, vendor `ven-{o}` with
/// users `va-{o}` (the assignee) and `vb-{o}`, the contact's user
/// `cu-{o}`.
const SCRIPT: &[(&str, &str)] = &[
    (
        "ua",
        r#"{"type":"create_plan","plan":"p1","vendor":"ven-{o}","assignee":"va-{o}","title":"Mail","target":{"grade":"B"},"due":"2026-11-20T00:00:00Z"}"#,
    ),
    (
        "ub",
        r#"{"type":"create_plan","plan":"p2","vendor":"ven-{o}","assignee":"va-{o}","title":"RDP","target":{"issues":["service_rdp"]},"due":"2026-12-20T00:00:00Z"}"#,
    ),
    (
        "ua",
        r#"{"type":"create_plan","plan":"p1","vendor":"ven-{o}","assignee":"vb-{o}","title":"Other","target":{"grade":"B"},"due":"2026-11-20T00:00:00Z"}"#,
    ),
    (
        "ua",
        r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"ven-{o}.example"}"#,
    ),
    (
        "ub",
        r#"{"type":"add_plan_item","plan":"p1","item":"i2","issue":"service_rdp","asset":"192.0.2.7"}"#,
    ),
    (
        "ua",
        r#"{"type":"add_plan_item","plan":"p2","item":"i1","issue":"service_rdp","asset":"192.0.2.9"}"#,
    ),
    (
        "ua",
        r#"{"type":"add_plan_item","plan":"p2","item":"i9","issue":"service_rdp","asset":"198.51.100.1"}"#,
    ),
    (
        "ua",
        r#"{"type":"send_plan","plan":"p1","request_id":"send"}"#,
    ),
    ("ub", r#"{"type":"send_plan","plan":"p2"}"#),
    ("va", r#"{"type":"mark_fixed","plan":"p1","item":"i1"}"#),
    (
        "va",
        r#"{"type":"mark_fixed","plan":"p2","item":"i1","request_id":"fix"}"#,
    ),
    ("vb", r#"{"type":"mark_fixed","plan":"p1","item":"i2"}"#),
    (
        "host",
        r#"{"type":"record_rescan","plan":"org-{o}/p1","item":"i1","outcome":"clean"}"#,
    ),
    (
        "host",
        r#"{"type":"record_rescan","plan":"org-{o}/p2","item":"i1","outcome":"detected"}"#,
    ),
    (
        "va",
        r#"{"type":"provide_info","plan":"p1","item":"i2","kind":"dispute","text":"not ours"}"#,
    ),
    ("ub", r#"{"type":"accept_info","plan":"p1","item":"i2"}"#),
    ("ua", r#"{"type":"reject_info","plan":"p1","item":"i2"}"#),
    (
        "va",
        r#"{"type":"post_message","plan":"p1","text":"on it"}"#,
    ),
    (
        "ua",
        r#"{"type":"post_message","plan":"p1","text":"thanks"}"#,
    ),
    ("ua", r#"{"type":"close_plan","plan":"p1"}"#),
    ("ub", r#"{"type":"cancel_plan","plan":"p2"}"#),
    (
        "ua",
        r#"{"type":"add_contact","contact":"c1","vendor":"ven-{o}","name":"Pat","email":"pat@ven-{o}.example"}"#,
    ),
    (
        "ub",
        r#"{"type":"add_contact","contact":"c2","vendor":"ven-{o}","name":"Sam","email":"sam@ven-{o}.example"}"#,
    ),
    (
        "ua",
        r#"{"type":"edit_contact","contact":"c1","title":"CISO"}"#,
    ),
    (
        "ua",
        r#"{"type":"send_invitation","contact":"c1","request_id":"inv"}"#,
    ),
    ("ub", r#"{"type":"resend_invitation","contact":"c1"}"#),
    (
        "host",
        r#"{"type":"accept_invitation","contact":"org-{o}/c1","user":"cu-{o}"}"#,
    ),
    ("host", r#"{"type":"record_login","user":"cu-{o}"}"#),
    (
        "ua",
        r#"{"type":"set_expectation","vendor":"ven-{o}","target":{"grade":"B"},"due":"2026-11-10T00:00:00Z","suggested_issues":["spf_missing"]}"#,
    ),
    (
        "ub",
        r#"{"type":"repeat_expectation","vendor":"ven-{o}","due":"2026-12-10T00:00:00Z"}"#,
    ),
    (
        "ua",
        r#"{"type":"send_questionnaire","questionnaire":"q1","vendor":"ven-{o}","contact":"c1","due":"2026-12-01T00:00:00Z","questions":[{"id":"mfa","text":"MFA?","severity":"high"}]}"#,
    ),
    (
        "cu",
        r#"{"type":"answer_questionnaire","questionnaire":"q1","answers":[{"id":"mfa","pass":false}]}"#,
    ),
    (
        "ua",
        r#"{"type":"add_plan_item","plan":"p1","item":"q","questionnaire_risk":"q1:mfa"}"#,
    ),
    (
        "ua",
        r#"{"type":"request_document","request":"d1","vendor":"ven-{o}","contact":"c1","kind":"soc2","due":"2026-12-01T00:00:00Z"}"#,
    ),
    (
        "cu",
        r#"{"type":"fulfil_document","request":"d1","reference":"vault://soc2"}"#,
    ),
    (
        "ua",
        r#"{"type":"share_report","contact":"c1","report":"r1"}"#,
    ),
    ("ub", r#"{"type":"remove_contact","contact":"c2"}"#),
    (
        "host",
        r#"{"type":"record_score","org":"ven-{o}","score":"85","grade":"B"}"#,
    ),
    (
        "vb",
        r#"{"type":"post_message","plan":"p1","text":"me too"}"#,
    ),
    (
        "ua",
        r#"{"type":"edit_contact","contact":"c1","vendor":"ven2-{o}","email":"pat@ven2-{o}.example"}"#,
    ),
];

/// Registers one organisation's world (suffix `o`) in `run`.
fn register(o: &str, run: &mut dyn FnMut(&str, String)) {
    run(
        HOST,
        format!(
            r#"{{"type":"register_organization","org":"org-{o}","name":"Org {o}","domains":["org-{o}.example"]}}"#
        ),
    );
    run(
        HOST,
        format!(
            r#"{{"type":"register_organization","org":"ven-{o}","name":"Vendor {o}","domains":["ven-{o}.example"],"assets":["192.0.2.0/24"]}}"#
        ),
    );
    run(
        HOST,
        format!(
            r#"{{"type":"register_organization","org":"ven2-{o}","name":"Second {o}","domains":["ven2-{o}.example"]}}"#
        ),
    );
    for (u, org) in [("ua", "org"), ("ub", "org"), ("va", "ven"), ("vb", "ven")] {
        run(
            HOST,
            format!(
                r#"{{"type":"register_user","user":"{u}-{o}","org":"{org}-{o}","name":"{u}","email":"{u}@{org}-{o}.example"}}"#
            ),
        );
    }
}

fn actor(role: &str, o: &str) -> String {
    if role == HOST {
        HOST.to_owned()
    } else {
        format!("{role}-{o}")
    }
}

/// What an organisation's users see, as JSON text.
fn views(state: &State, o: &str, now: Timestamp) -> String {
    let c = Catalog::builtin();
    let mut out = Vec::new();
    for u in ["ua", "ub"] {
        let a = format!("{u}-{o}");
        out.push(serde_json::to_value(query::sent(state, &c, &a, now).unwrap()).unwrap());
        out.push(
            serde_json::to_value(
                query::contacts(state, &a, now, &ContactFilter::default()).unwrap(),
            )
            .unwrap(),
        );
        out.push(serde_json::to_value(query::insights(state, &a, now).unwrap()).unwrap());
        out.push(
            serde_json::to_value(
                query::questionnaire_risks(state, &a, &format!("ven-{o}")).unwrap(),
            )
            .unwrap(),
        );
    }
    for u in ["va", "vb", "cu"] {
        let a = format!("{u}-{o}");
        out.push(
            serde_json::to_value(query::assigned(state, &c, &a, now).unwrap_or_default()).unwrap(),
        );
    }
    serde_json::Value::from(out).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Two organisations run the same random script with the same ids,
    /// interleaved: each receives exactly the responses it would with the
    /// names swapped, and neither's views mention the other.
    #[test]
    fn two_organisations_never_see_each_other(
        steps in proptest::collection::vec((0usize..SCRIPT.len(), any::<bool>()), 0..70)
    ) {
        let mut w = W::new();
        let catalog = Catalog::builtin();
        let mut answers: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        let orgs = ["zqa", "zqb"];
        let mut run = |w: &mut W, o: usize, role: &str, json: String| {
            let r = decide(&w.state, &catalog, &cmd(&json), &actor(role, orgs[o]), w.now);
            if let Ok(d) = &r {
                for e in &d.events { apply(&mut w.state, e); }
            }
            let text = match r {
                Ok(d) => serde_json::to_string(&(d.events, d.effects)).unwrap(),
                Err(e) => serde_json::to_string(&e).unwrap(),
            };
            answers[o].push(text);
        };
        for (o, name) in orgs.iter().enumerate() {
            register(name, &mut |a, j| run(&mut w, o, a, j));
        }
        for (k, (i, b_first)) in steps.iter().enumerate() {
            w.now = Timestamp(t("2026-11-01T00:00:00Z").0 + chrono::TimeDelta::hours(k as i64 * 13));
            let (role, json) = SCRIPT[*i];
            let order = if *b_first { [1, 0] } else { [0, 1] };
            for o in order {
                run(&mut w, o, role, json.replace("{o}", orgs[o]));
            }
        }
        let renamed: Vec<String> = answers[1].iter().map(|a| a.replace("zqb", "zqa")).collect();
        prop_assert_eq!(&answers[0], &renamed);
        let (va, vb) = (views(&w.state, "zqa", w.now), views(&w.state, "zqb", w.now));
        prop_assert!(!va.contains("zqb"), "{}", va);
        prop_assert!(!vb.contains("zqa"), "{}", vb);
        prop_assert_eq!(va, vb.replace("zqb", "zqa"));
    }

    /// A store's replayed state equals the live state, and its events are
    /// what the responses reported, in order.
    #[test]
    fn a_store_replayed_from_its_events_equals_the_live_state(
        steps in proptest::collection::vec((0usize..SCRIPT.len(), any::<bool>()), 0..50),
        batch in 1usize..8,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path).unwrap();
        let mut requests = Vec::new();
        for o in ["zqa", "zqb"] {
            register(o, &mut |a, j| requests.push((a.to_owned(), j)));
        }
        for (i, b) in &steps {
            let (role, json) = SCRIPT[*i];
            let o = if *b { "zqb" } else { "zqa" };
            requests.push((actor(role, o), json.replace("{o}", o)));
        }
        // The events the responses reported, each once: a repeated
        // (actor, request id) replays its first response and appends nothing.
        let mut reported = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for chunk in requests.chunks(batch) {
            let reqs: Vec<Request> = chunk
                .iter()
                .map(|(a, j)| Request { actor: a.clone(), at: t("2026-11-05T00:00:00Z"), command: cmd(j) })
                .collect();
            for (q, r) in reqs.iter().zip(store.run_batch(&reqs).unwrap()) {
                let first = q
                    .command
                    .request_id()
                    .is_none_or(|rid| seen.insert((q.actor.clone(), rid.to_owned())));
                if let (true, posture_plan::Response::Ok { events, .. }) = (first, r) {
                    reported.extend(events);
                }
            }
        }
        let live = store.state().clone();
        prop_assert_eq!(store.events().unwrap(), reported);
        drop(store);
        let reopened = Store::open(&path).unwrap();
        prop_assert_eq!(reopened.state(), &live);
        let mut folded = State::default();
        for e in reopened.events().unwrap() {
            apply(&mut folded, &e);
        }
        prop_assert_eq!(&folded, &live);
        let ro = Store::open_read_only(&path).unwrap();
        prop_assert_eq!(ro.state(), &live);
    }
}

/// Rule 12: every insight count is the number of distinct vendors that
/// the matching contact filter selects.
#[test]
fn insights_count_what_the_filters_select() {
    let mut w = W::world();
    for (i, (v, domain)) in [
        ("pay", "pay.example"),
        ("ship", "ship.example"),
        ("other", "other.example"),
    ]
    .iter()
    .enumerate()
    {
        w.ok("alice", &format!(r#"{{"type":"add_contact","contact":"c{i}","vendor":"{v}","name":"N{i}","email":"n{i}@{domain}"}}"#));
    }
    // pay: pending; ship: met; other: unmet.
    w.ok("alice", r#"{"type":"set_expectation","vendor":"pay","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#);
    w.ok("alice", r#"{"type":"set_expectation","vendor":"ship","target":{"grade":"C"},"due":"2026-10-01T00:00:00Z"}"#);
    w.ok("alice", r#"{"type":"set_expectation","vendor":"other","target":{"grade":"A"},"due":"2026-10-01T00:00:00Z"}"#);
    w.ok(
        HOST,
        r#"{"type":"record_score","org":"ship","score":"75","grade":"C"}"#,
    );
    // gina's expectations are not alice's to count.
    w.ok("gina", r#"{"type":"set_expectation","vendor":"pay","target":{"grade":"B"},"due":"2026-10-01T00:00:00Z"}"#);
    let vendors = |f: Option<ExpectationFilter>| {
        query::contacts(
            &w.state,
            "alice",
            w.now,
            &ContactFilter {
                expectation: f,
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|r| r.vendor)
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u32
    };
    let i = query::insights(&w.state, "alice", w.now).unwrap();
    assert_eq!(i.vendors_contacted, vendors(None));
    assert_eq!(i.expectations_set, vendors(Some(ExpectationFilter::Set)));
    assert_eq!(
        i.expectations_pending,
        vendors(Some(ExpectationFilter::Pending))
    );
    assert_eq!(i.expectations_met, vendors(Some(ExpectationFilter::Met)));
    assert_eq!(
        i.expectations_unmet,
        vendors(Some(ExpectationFilter::Unmet))
    );
    assert_eq!(
        (
            i.expectations_set,
            i.expectations_pending,
            i.expectations_met,
            i.expectations_unmet
        ),
        (3, 1, 1, 1)
    );
    let rows = query::contacts(&w.state, "alice", w.now, &ContactFilter::default()).unwrap();
    let labels: Vec<String> = rows
        .iter()
        .map(|r| {
            serde_json::to_value(r.expectation)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        labels,
        ["unmet", "pending", "met"],
        "rows ordered by vendor: other, pay, ship"
    );
}
