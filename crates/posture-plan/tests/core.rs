//! The pure workflow core: user stories, access from every wrong actor,
//! idempotency, and replay as a property.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::Timestamp;
use posture_plan::{Command, Effect, Envelope, HOST, ItemStatus, PlanStatus, State, apply, decide};
use proptest::prelude::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn cmd(json: &str) -> Command {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// A world with a requester (acme: alice, amy), a vendor (pay: victor the
/// assignee, vera a colleague) and a bystander org (other: oscar).
struct World {
    state: State,
    log: Vec<Envelope>,
}

impl World {
    fn new() -> Self {
        let mut w = World {
            state: State::default(),
            log: Vec::new(),
        };
        for c in [
            r#"{"type":"register_organization","org":"acme","name":"Acme","domains":["acme.example"]}"#,
            r#"{"type":"register_organization","org":"pay","name":"Payroll Co","domains":["pay.example"],"assets":["192.0.2.0/24"]}"#,
            r#"{"type":"register_organization","org":"other","name":"Other","domains":["other.example"]}"#,
            r#"{"type":"register_user","user":"alice","org":"acme","name":"Alice","email":"alice@acme.example"}"#,
            r#"{"type":"register_user","user":"amy","org":"acme","name":"Amy","email":"amy@acme.example"}"#,
            r#"{"type":"register_user","user":"victor","org":"pay","name":"Victor","email":"victor@pay.example"}"#,
            r#"{"type":"register_user","user":"vera","org":"pay","name":"Vera","email":"vera@pay.example"}"#,
            r#"{"type":"register_user","user":"oscar","org":"other","name":"Oscar","email":"oscar@other.example"}"#,
        ] {
            w.ok(HOST, c);
        }
        w
    }

    fn run(&mut self, actor: &str, json: &str) -> Result<Vec<Effect>, String> {
        match decide(
            &self.state,
            &posture_core::Catalog::builtin(),
            &cmd(json),
            actor,
            t("2026-11-01T10:00:00Z"),
        ) {
            Ok(d) => {
                for e in &d.events {
                    apply(&mut self.state, e);
                    self.log.push(e.clone());
                }
                Ok(d.effects)
            }
            Err(e) => Err(e.code),
        }
    }

    fn ok(&mut self, actor: &str, json: &str) -> Vec<Effect> {
        self.run(actor, json)
            .unwrap_or_else(|e| panic!("{actor} {json}: {e}"))
    }

    fn err(&mut self, actor: &str, json: &str) -> String {
        let before = self.state.clone();
        let e = self.run(actor, json).expect_err(json);
        assert_eq!(before, self.state, "a refused command changed the state");
        e
    }

    fn item(&self, plan: &str, item: &str) -> ItemStatus {
        self.plan(plan)
            .items
            .iter()
            .find(|i| i.item == item)
            .unwrap()
            .status
    }

    /// A plan of acme's.
    fn plan(&self, id: &str) -> &posture_plan::Plan {
        self.state.plans.get("acme", id).unwrap()
    }

    fn with_sent_plan() -> Self {
        let mut w = World::new();
        // A questionnaire risk to put in the plan: an invited contact at
        // the vendor fails one question.
        w.ok("alice", r#"{"type":"add_contact","contact":"c0","vendor":"pay","name":"Pia","email":"pia@pay.example"}"#);
        w.ok("alice", r#"{"type":"send_invitation","contact":"c0"}"#);
        w.ok(
            HOST,
            r#"{"type":"accept_invitation","contact":"c0","user":"pia"}"#,
        );
        w.ok("alice", r#"{"type":"send_questionnaire","questionnaire":"qz","vendor":"pay","contact":"c0","due":"2026-12-01T00:00:00Z","questions":[{"id":"mfa","text":"Is MFA enforced?","severity":"high"}]}"#);
        w.ok("pia", r#"{"type":"answer_questionnaire","questionnaire":"qz","answers":[{"id":"mfa","pass":false}]}"#);
        w.ok("alice", r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"Fix mail","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#);
        w.ok("alice", r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}"#);
        w.ok("amy", r#"{"type":"add_plan_item","plan":"p1","item":"i2","issue":"service_rdp","asset":"192.0.2.7"}"#);
        w.ok(
            "alice",
            r#"{"type":"add_plan_item","plan":"p1","item":"q1","questionnaire_risk":"qz:mfa"}"#,
        );
        assert_eq!(
            w.err(
                "alice",
                r#"{"type":"add_plan_item","plan":"p1","item":"q2","questionnaire_risk":"qz:nope"}"#
            ),
            "invalid",
            "a questionnaire risk that does not exist"
        );
        let fx = w.ok("alice", r#"{"type":"send_plan","plan":"p1"}"#);
        assert!(fx.iter().any(|e| matches!(e, Effect::Email { template, to, .. } if template == "plan_sent" && to == "victor@pay.example")));
        w
    }
}

#[test]
fn fixed_then_verified_by_a_clean_rescan() {
    let mut w = World::with_sent_plan();
    let fx = w.ok("victor", r#"{"type":"mark_fixed","plan":"p1","item":"i1"}"#);
    assert_eq!(
        fx,
        vec![Effect::Rescan {
            requester: "acme".into(),
            plan: "p1".into(),
            item: "i1".into(),
            vendor: "pay".into(),
            issue: "spf_missing".into(),
            asset: "pay.example".into()
        }]
    );
    assert_eq!(w.item("p1", "i1"), ItemStatus::PendingRescan);
    // Inconclusive: nothing changes.
    assert!(
        w.ok(
            HOST,
            r#"{"type":"record_rescan","plan":"p1","item":"i1","outcome":"inconclusive"}"#
        )
        .is_empty()
    );
    assert_eq!(w.item("p1", "i1"), ItemStatus::PendingRescan);
    w.ok(
        HOST,
        r#"{"type":"record_rescan","plan":"p1","item":"i1","outcome":"clean"}"#,
    );
    assert_eq!(w.item("p1", "i1"), ItemStatus::Verified);
}

#[test]
fn a_detected_rescan_reopens() {
    let mut w = World::with_sent_plan();
    w.ok("victor", r#"{"type":"mark_fixed","plan":"p1","item":"i2"}"#);
    w.ok(
        HOST,
        r#"{"type":"record_rescan","plan":"p1","item":"i2","outcome":"detected"}"#,
    );
    assert_eq!(w.item("p1", "i2"), ItemStatus::Open);
    assert_eq!(w.plan("p1").items[1].reopened, 1);
    assert_eq!(
        w.err(
            HOST,
            r#"{"type":"record_rescan","plan":"p1","item":"i2","outcome":"clean"}"#
        ),
        "invalid_state"
    );
}

#[test]
fn information_accepted_or_rejected() {
    let mut w = World::with_sent_plan();
    w.ok("victor", r#"{"type":"provide_info","plan":"p1","item":"q1","kind":"compensating_control","text":"MFA via SSO since October"}"#);
    assert_eq!(w.item("p1", "q1"), ItemStatus::InfoProvided);
    w.ok("amy", r#"{"type":"accept_info","plan":"p1","item":"q1"}"#);
    assert_eq!(w.item("p1", "q1"), ItemStatus::Accepted);
    w.ok(
        "victor",
        r#"{"type":"provide_info","plan":"p1","item":"i2","kind":"dispute","text":"not our host"}"#,
    );
    w.ok("alice", r#"{"type":"reject_info","plan":"p1","item":"i2"}"#);
    assert_eq!(w.item("p1", "i2"), ItemStatus::Open);
    // A questionnaire item cannot be rescanned.
    assert_eq!(
        w.err("victor", r#"{"type":"mark_fixed","plan":"p1","item":"q1"}"#),
        "invalid"
    );
}

#[test]
fn messages_both_ways_and_closing() {
    let mut w = World::with_sent_plan();
    let fx = w.ok(
        "alice",
        r#"{"type":"post_message","plan":"p1","text":"Any update?"}"#,
    );
    assert!(matches!(&fx[0], Effect::Email { to, .. } if to == "victor@pay.example"));
    let fx = w.ok(
        "victor",
        r#"{"type":"post_message","plan":"p1","text":"This week."}"#,
    );
    assert!(matches!(&fx[0], Effect::Email { to, .. } if to == "alice@acme.example"));
    assert_eq!(w.plan("p1").messages.len(), 2);
    w.ok("alice", r#"{"type":"close_plan","plan":"p1"}"#);
    assert_eq!(w.plan("p1").status, PlanStatus::Closed);
    assert_eq!(
        w.err(
            "alice",
            r#"{"type":"post_message","plan":"p1","text":"late"}"#
        ),
        "invalid_state"
    );
    assert_eq!(
        w.err("alice", r#"{"type":"cancel_plan","plan":"p1"}"#),
        "invalid_state"
    );
}

#[test]
fn access_from_every_wrong_actor() {
    let mut w = World::with_sent_plan();
    // Vera works at the vendor but is not the assignee: she cannot see it.
    for c in [
        r#"{"type":"mark_fixed","plan":"p1","item":"i1"}"#,
        r#"{"type":"post_message","plan":"p1","text":"hi"}"#,
        r#"{"type":"provide_info","plan":"p1","item":"i1","kind":"dispute","text":"x"}"#,
        r#"{"type":"accept_info","plan":"p1","item":"i1"}"#,
        r#"{"type":"add_plan_item","plan":"p1","item":"i9","issue":"caa_missing","asset":"pay.example"}"#,
        r#"{"type":"close_plan","plan":"p1"}"#,
    ] {
        assert_eq!(w.err("vera", c), "not_found", "vera: {c}");
        assert_eq!(w.err("oscar", c), "not_found", "oscar: {c}");
        assert_eq!(w.err("nobody", c), "not_found", "nobody: {c}");
    }
    // The assignee sees the plan but cannot act for the requester.
    for c in [
        r#"{"type":"add_plan_item","plan":"p1","item":"i9","issue":"caa_missing","asset":"pay.example"}"#,
        r#"{"type":"accept_info","plan":"p1","item":"i1"}"#,
        r#"{"type":"reject_info","plan":"p1","item":"i1"}"#,
        r#"{"type":"close_plan","plan":"p1"}"#,
        r#"{"type":"cancel_plan","plan":"p1"}"#,
        r#"{"type":"send_plan","plan":"p1"}"#,
    ] {
        assert_eq!(w.err("victor", c), "forbidden", "victor: {c}");
    }
    // The requester cannot act for the assignee.
    assert_eq!(
        w.err("alice", r#"{"type":"mark_fixed","plan":"p1","item":"i1"}"#),
        "forbidden"
    );
    assert_eq!(
        w.err(
            "amy",
            r#"{"type":"provide_info","plan":"p1","item":"i1","kind":"dispute","text":"x"}"#
        ),
        "forbidden"
    );
    // Host-only commands from users, and user commands from the host.
    assert_eq!(
        w.err(
            "alice",
            r#"{"type":"record_rescan","plan":"p1","item":"i1","outcome":"clean"}"#
        ),
        "forbidden"
    );
    assert_eq!(
        w.err(
            "alice",
            r#"{"type":"register_organization","org":"x","name":"X","domains":[]}"#
        ),
        "forbidden"
    );
    assert_eq!(w.err(HOST, r#"{"type":"create_plan","plan":"p2","vendor":"pay","assignee":"victor","title":"t","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#), "forbidden");
    assert_eq!(
        w.err(HOST, r#"{"type":"post_message","plan":"p1","text":"hi"}"#),
        "forbidden"
    );
}

#[test]
fn drafts_are_invisible_to_the_vendor() {
    let mut w = World::new();
    w.ok("alice", r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"t","target":{"score":"85"},"due":"2026-12-01T00:00:00Z"}"#);
    assert_eq!(
        w.err(
            "victor",
            r#"{"type":"post_message","plan":"p1","text":"?"}"#
        ),
        "not_found"
    );
    // Another organisation's plan with the same id is no conflict: ids live
    // in the creating organisation's namespace.
    w.ok("oscar", r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"t","target":{"score":"85"},"due":"2026-12-01T00:00:00Z"}"#);
    assert_eq!(w.state.plans.len(), 2);
    assert_eq!(w.state.plans.get("other", "p1").unwrap().requester, "other");
}

#[test]
fn creation_is_idempotent_on_ids() {
    let mut w = World::new();
    let p = r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"t","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#;
    w.ok("alice", p);
    let n = w.log.len();
    w.ok("amy", p);
    assert_eq!(w.log.len(), n, "same content again: no events");
    assert_eq!(w.err("alice", &p.replace("\"t\"", "\"other\"")), "conflict");
    w.ok(HOST, r#"{"type":"register_user","user":"alice","org":"acme","name":"Alice","email":"alice@acme.example"}"#);
    assert_eq!(w.err(HOST, r#"{"type":"register_user","user":"alice","org":"pay","name":"Alice","email":"alice@acme.example"}"#), "conflict");
    w.ok("alice", r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}"#);
    w.ok("alice", r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}"#);
    assert_eq!(w.plan("p1").items.len(), 1);
    assert_eq!(w.err("alice", r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"caa_missing","asset":"pay.example"}"#), "conflict");
}

#[test]
fn invalid_commands_are_refused() {
    let mut w = World::new();
    for (c, code) in [
        (
            r#"{"type":"create_plan","plan":"p","vendor":"pay","assignee":"alice","title":"t","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#,
            "invalid",
        ),
        (
            r#"{"type":"create_plan","plan":"p","vendor":"nope","assignee":"victor","title":"t","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#,
            "not_found",
        ),
        (
            r#"{"type":"create_plan","plan":"p","vendor":"acme","assignee":"amy","title":"t","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#,
            "invalid",
        ),
        (
            r#"{"type":"create_plan","plan":"p","vendor":"pay","assignee":"victor","title":"t","target":{"grade":"B","score":"80"},"due":"2026-12-01T00:00:00Z"}"#,
            "invalid",
        ),
        (
            r#"{"type":"create_plan","plan":"p","vendor":"pay","assignee":"victor","title":"t","target":{"score":"120"},"due":"2026-12-01T00:00:00Z"}"#,
            "invalid",
        ),
        (
            r#"{"type":"create_plan","plan":"p","vendor":"pay","assignee":"victor","title":" ","target":{"issues":["spf_missing"]},"due":"2026-12-01T00:00:00Z"}"#,
            "invalid",
        ),
    ] {
        assert_eq!(w.err("alice", c), code, "{c}");
    }
    assert!(
        serde_json::from_str::<Command>(r#"{"type":"create_plan","plan":"p","extra":1}"#).is_err()
    );
    assert_eq!(w.err(HOST, r#"{"type":"register_user","user":"host","org":"acme","name":"H","email":"h@acme.example"}"#), "invalid");
}

const SCRIPT: &[(&str, &str)] = &[
    (
        "alice",
        r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"t","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#,
    ),
    (
        "alice",
        r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}"#,
    ),
    (
        "amy",
        r#"{"type":"add_plan_item","plan":"p1","item":"q1","questionnaire_risk":"no-mfa"}"#,
    ),
    ("alice", r#"{"type":"send_plan","plan":"p1"}"#),
    ("victor", r#"{"type":"mark_fixed","plan":"p1","item":"i1"}"#),
    (
        "host",
        r#"{"type":"record_rescan","plan":"p1","item":"i1","outcome":"detected"}"#,
    ),
    (
        "host",
        r#"{"type":"record_rescan","plan":"p1","item":"i1","outcome":"clean"}"#,
    ),
    (
        "host",
        r#"{"type":"record_rescan","plan":"p1","item":"i1","outcome":"inconclusive"}"#,
    ),
    (
        "victor",
        r#"{"type":"provide_info","plan":"p1","item":"q1","kind":"dispute","text":"x"}"#,
    ),
    (
        "victor",
        r#"{"type":"provide_info","plan":"p1","item":"i1","kind":"dispute","text":"x"}"#,
    ),
    ("alice", r#"{"type":"accept_info","plan":"p1","item":"q1"}"#),
    ("alice", r#"{"type":"reject_info","plan":"p1","item":"i1"}"#),
    ("vera", r#"{"type":"post_message","plan":"p1","text":"hi"}"#),
    (
        "victor",
        r#"{"type":"post_message","plan":"p1","text":"hi"}"#,
    ),
    ("alice", r#"{"type":"close_plan","plan":"p1"}"#),
    ("alice", r#"{"type":"cancel_plan","plan":"p1"}"#),
    ("oscar", r#"{"type":"mark_fixed","plan":"p1","item":"i1"}"#),
    ("host", r#"{"type":"record_login","user":"victor"}"#),
    (
        "host",
        r#"{"type":"record_score","org":"pay","score":"81.5","grade":"B"}"#,
    ),
];

proptest! {
    /// Any sequence of commands: replaying the stored events rebuilds the
    /// same state, and no sequence reaches an illegal state.
    #[test]
    fn replay_rebuilds_the_state(steps in proptest::collection::vec(0usize..SCRIPT.len(), 0..60)) {
        let mut w = World::new();
        for s in steps {
            let (actor, c) = SCRIPT[s];
            let _ = w.run(actor, c);
        }
        let mut replayed = State::default();
        for e in &w.log {
            apply(&mut replayed, e);
        }
        prop_assert_eq!(&replayed, &w.state);
        for (_, _, p) in w.state.plans.iter() {
            prop_assert_eq!(&w.state.users[&p.assignee].org, &p.vendor);
            prop_assert!(p.requester != p.vendor);
            for i in &p.items {
                let questionnaire = i.questionnaire_risk.is_some();
                prop_assert!(!(questionnaire && matches!(i.status, ItemStatus::PendingRescan | ItemStatus::Verified)));
                if p.status == PlanStatus::Draft {
                    prop_assert_eq!(i.status, ItemStatus::Open);
                }
            }
        }
        // Events survive a JSON round trip (what the store writes).
        for e in &w.log {
            let back: Envelope = serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap();
            prop_assert_eq!(&back, e);
        }
    }
}

#[test]
fn progress_target_and_overdue_are_derived() {
    use posture_plan::query::{assigned, plan_view, sent};
    let mut w = World::with_sent_plan();
    let catalog = posture_core::Catalog::builtin();
    let before_due = t("2026-11-15T00:00:00Z");
    let after_due = t("2026-12-02T00:00:00Z");
    let v = plan_view(&w.state, &catalog, "alice", "p1", after_due).unwrap();
    assert!(v.overdue, "past due with open items");
    assert_eq!(v.progress.target_met, None, "no score recorded yet");
    assert!(
        !plan_view(&w.state, &catalog, "alice", "p1", before_due)
            .unwrap()
            .overdue
    );
    // The vendor's score reaches the target grade B: target met, no longer overdue.
    w.ok(
        HOST,
        r#"{"type":"record_score","org":"pay","score":"84.20","grade":"B"}"#,
    );
    let v = plan_view(&w.state, &catalog, "victor", "p1", after_due).unwrap();
    assert_eq!(v.progress.target_met, Some(true));
    assert!(!v.overdue);
    assert_eq!(
        v.items[0].remediation.as_deref().map(|r| !r.is_empty()),
        Some(true)
    );
    w.ok(
        HOST,
        r#"{"type":"record_score","org":"pay","score":"71.00","grade":"C"}"#,
    );
    assert_eq!(
        plan_view(&w.state, &catalog, "alice", "p1", after_due)
            .unwrap()
            .progress
            .target_met,
        Some(false)
    );
    // Progress counts verified and accepted items.
    w.ok("victor", r#"{"type":"mark_fixed","plan":"p1","item":"i1"}"#);
    w.ok(
        HOST,
        r#"{"type":"record_rescan","plan":"p1","item":"i1","outcome":"clean"}"#,
    );
    w.ok(
        "victor",
        r#"{"type":"provide_info","plan":"p1","item":"q1","kind":"dispute","text":"n/a"}"#,
    );
    w.ok("alice", r#"{"type":"accept_info","plan":"p1","item":"q1"}"#);
    let v = plan_view(&w.state, &catalog, "alice", "p1", after_due).unwrap();
    assert_eq!(
        (v.progress.verified, v.progress.accepted, v.progress.total),
        (1, 1, 3)
    );
    // Lists: only the assignee's plans, only the requester's plans.
    assert_eq!(
        assigned(&w.state, &catalog, "victor", after_due)
            .unwrap()
            .len(),
        1
    );
    assert!(
        assigned(&w.state, &catalog, "vera", after_due)
            .unwrap()
            .is_empty()
    );
    assert_eq!(sent(&w.state, &catalog, "amy", after_due).unwrap().len(), 1);
    assert!(
        sent(&w.state, &catalog, "victor", after_due)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        plan_view(&w.state, &catalog, "oscar", "p1", after_due)
            .unwrap_err()
            .code,
        "not_found"
    );
    assert_eq!(
        assigned(&w.state, &catalog, "ghost", after_due)
            .unwrap_err()
            .code,
        "not_found"
    );
}

#[test]
fn host_commands_from_users_and_unknown_subjects() {
    let mut w = World::new();
    for c in [
        r#"{"type":"register_user","user":"x","org":"acme","name":"X","email":"x@acme.example"}"#,
        r#"{"type":"record_login","user":"alice"}"#,
        r#"{"type":"record_score","org":"pay","score":"80","grade":"B"}"#,
    ] {
        assert_eq!(w.err("alice", c), "forbidden", "{c}");
        assert_eq!(w.err("victor", c), "forbidden", "{c}");
    }
    assert_eq!(
        w.err(HOST, r#"{"type":"record_login","user":"ghost"}"#),
        "not_found"
    );
    assert_eq!(
        w.err(
            HOST,
            r#"{"type":"record_score","org":"ghost","score":"80","grade":"B"}"#
        ),
        "not_found"
    );
    assert_eq!(
        w.err(
            HOST,
            r#"{"type":"record_score","org":"pay","score":"101","grade":"A"}"#
        ),
        "invalid"
    );
    assert_eq!(
        w.err(
            HOST,
            r#"{"type":"register_user","user":"y","org":"ghost","name":"Y","email":"y@x.example"}"#
        ),
        "not_found"
    );
}
