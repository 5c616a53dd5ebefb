//! Contacts and invitations (the first part of the contact manager).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::Timestamp;
use posture_plan::{Command, Effect, HOST, State, apply, decide};

struct W(State);

impl W {
    fn run(&mut self, actor: &str, json: &str, at: &str) -> Result<Vec<Effect>, String> {
        let cmd: Command = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let at: Timestamp = at.parse().unwrap();
        match decide(&self.0, &posture_core::Catalog::builtin(), &cmd, actor, at) {
            Ok(d) => {
                for e in &d.events {
                    apply(&mut self.0, e);
                }
                Ok(d.effects)
            }
            Err(e) => Err(e.code),
        }
    }
    fn ok(&mut self, actor: &str, json: &str) -> Vec<Effect> {
        self.run(actor, json, "2026-11-01T00:00:00Z")
            .unwrap_or_else(|e| panic!("{actor} {json}: {e}"))
    }
    fn err(&mut self, actor: &str, json: &str) -> String {
        let before = self.0.clone();
        let e = self
            .run(actor, json, "2026-11-01T00:00:00Z")
            .expect_err(json);
        assert_eq!(before, self.0);
        e
    }
}

fn world() -> W {
    let mut w = W(State::default());
    for c in [
        r#"{"type":"register_organization","org":"acme","name":"Acme","domains":["acme.example"]}"#,
        r#"{"type":"register_organization","org":"pay","name":"Payroll Co","domains":["pay.example","payroll.example"]}"#,
        r#"{"type":"register_organization","org":"other","name":"Other","domains":["other.example"]}"#,
        r#"{"type":"register_user","user":"alice","org":"acme","name":"Alice","email":"alice@acme.example"}"#,
        r#"{"type":"register_user","user":"oscar","org":"other","name":"Oscar","email":"oscar@other.example"}"#,
    ] {
        w.ok(HOST, c);
    }
    w
}

#[test]
fn corporate_emails_only() {
    let mut w = world();
    w.ok("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example","title":"CISO"}"#);
    w.ok("alice", r#"{"type":"add_contact","contact":"c2","vendor":"pay","name":"Sub","email":"sub@eu.payroll.example"}"#);
    for (email, why) in [
        ("pat@gmail.com", "free-mail"),
        ("pat@other.example", "not on one of the vendor's domains"),
        ("not-an-address", "not a valid address"),
        ("@pay.example", "not a valid address"),
        (
            "pat@pay.example.evil.example",
            "not on one of the vendor's domains",
        ),
    ] {
        let json = format!(
            r#"{{"type":"add_contact","contact":"x","vendor":"pay","name":"X","email":"{email}"}}"#
        );
        assert_eq!(w.err("alice", &json), "invalid", "{email} ({why})");
    }
    assert_eq!(w.err("alice", r#"{"type":"add_contact","contact":"c3","vendor":"acme","name":"Self","email":"a@acme.example"}"#), "invalid");
    assert_eq!(w.err("alice", r#"{"type":"add_contact","contact":"c3","vendor":"ghost","name":"G","email":"g@ghost.example"}"#), "not_found");
    // Same content again is a no-op; other content a conflict.
    assert!(w.ok("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example","title":"CISO"}"#).is_empty());
    assert_eq!(w.err("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Other","email":"pat@pay.example"}"#), "conflict");
}

#[test]
fn edit_remove_and_access() {
    let mut w = world();
    w.ok("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example"}"#);
    w.ok("alice", r#"{"type":"edit_contact","contact":"c1","title":"Head of IT","email":"pat.smith@pay.example"}"#);
    let c = &w.0.contacts.get("acme", "c1").unwrap();
    assert_eq!(
        (c.fields.title.as_deref(), c.fields.email.as_str()),
        (Some("Head of IT"), "pat.smith@pay.example")
    );
    assert_eq!(
        w.err(
            "alice",
            r#"{"type":"edit_contact","contact":"c1","email":"pat@yahoo.com"}"#
        ),
        "invalid"
    );
    // Another organisation cannot see the contact at all.
    for c in [
        r#"{"type":"edit_contact","contact":"c1","name":"Z"}"#,
        r#"{"type":"remove_contact","contact":"c1"}"#,
        r#"{"type":"send_invitation","contact":"c1"}"#,
    ] {
        assert_eq!(w.err("oscar", c), "not_found", "{c}");
        assert_eq!(w.err(HOST, c), "not_found", "{c}");
    }
    w.ok("alice", r#"{"type":"remove_contact","contact":"c1"}"#);
    assert!(w.0.contacts.is_empty());
    assert_eq!(
        w.err("alice", r#"{"type":"remove_contact","contact":"c1"}"#),
        "not_found"
    );
}

#[test]
fn invitations_until_claimed() {
    let mut w = world();
    w.ok("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example"}"#);
    assert_eq!(
        w.err("alice", r#"{"type":"resend_invitation","contact":"c1"}"#),
        "invalid_state"
    );
    let fx = w.ok(
        "alice",
        r#"{"type":"send_invitation","contact":"c1","message":"Please claim your scorecard"}"#,
    );
    assert_eq!(
        fx,
        vec![Effect::Email {
            template: "invitation".into(),
            to: "pat@pay.example".into(),
            requester: "acme".into(),
            plan: None
        }]
    );
    assert_eq!(
        w.err("alice", r#"{"type":"send_invitation","contact":"c1"}"#),
        "invalid_state"
    );
    let fx = w.ok("alice", r#"{"type":"resend_invitation","contact":"c1"}"#);
    assert!(matches!(&fx[0], Effect::Email { template, .. } if template == "invitation_resend"));
    assert_eq!(w.0.contacts.get("acme", "c1").unwrap().invitations, 2);
    assert_eq!(
        w.err(
            "alice",
            r#"{"type":"accept_invitation","contact":"c1","user":"pat"}"#
        ),
        "forbidden"
    );
    w.ok(
        HOST,
        r#"{"type":"accept_invitation","contact":"c1","user":"pat"}"#,
    );
    assert_eq!(w.0.users["pat"].org, "pay");
    assert!(!w.0.claimed("pay"), "accepting is not logging in");
    w.ok(HOST, r#"{"type":"record_login","user":"pat"}"#);
    assert!(w.0.claimed("pay"));
    assert!(w.0.active("pay", "2026-12-01T00:00:00Z".parse().unwrap()));
    assert!(
        !w.0.active("pay", "2027-03-01T00:00:00Z".parse().unwrap()),
        "no login within 90 days"
    );
    assert_eq!(
        w.err("alice", r#"{"type":"resend_invitation","contact":"c1"}"#),
        "invalid_state"
    );
    // A vendor that has claimed its scorecard is not invited again.
    w.ok("alice", r#"{"type":"add_contact","contact":"c2","vendor":"pay","name":"Quinn","email":"quinn@pay.example"}"#);
    assert_eq!(
        w.err("alice", r#"{"type":"send_invitation","contact":"c2"}"#),
        "invalid_state"
    );
}

#[test]
fn expectations_met_unmet_repeated_and_reminders_throttled() {
    use posture_plan::ExpectationStatus;
    let mut w = world();
    w.ok("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example"}"#);
    w.ok("alice", r#"{"type":"add_contact","contact":"c2","vendor":"pay","name":"Quinn","email":"quinn@pay.example"}"#);
    w.ok("alice", r#"{"type":"set_expectation","vendor":"pay","target":{"grade":"B"},"due":"2026-11-10T00:00:00Z","suggested_issues":["spf_missing"]}"#);
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    assert_eq!(
        w.0.expectation_status("acme", "pay", t("2026-11-05T00:00:00Z")),
        ExpectationStatus::Pending
    );
    assert_eq!(
        w.0.expectation_status("acme", "pay", t("2026-11-11T00:00:00Z")),
        ExpectationStatus::Unmet
    );
    assert_eq!(
        w.0.expectation_status("other", "pay", t("2026-11-11T00:00:00Z")),
        ExpectationStatus::Unset
    );
    // Reminders: both contacts, then nothing within 7 days, then again.
    let fx = w
        .run(HOST, r#"{"type":"remind_overdue"}"#, "2026-11-11T00:00:00Z")
        .unwrap();
    let mut to: Vec<String> = fx
        .iter()
        .map(|e| match e {
            Effect::Email { to, template, .. } => {
                assert_eq!(template, "reminder");
                to.clone()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    to.sort();
    assert_eq!(to, vec!["pat@pay.example", "quinn@pay.example"]);
    assert!(
        w.run(HOST, r#"{"type":"remind_overdue"}"#, "2026-11-17T23:00:00Z")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        w.run(HOST, r#"{"type":"remind_overdue"}"#, "2026-11-18T00:00:01Z")
            .unwrap()
            .len(),
        2
    );
    // Repeat renews the due date; a recorded B meets it.
    w.run(
        "alice",
        r#"{"type":"repeat_expectation","vendor":"pay","due":"2026-12-10T00:00:00Z"}"#,
        "2026-11-20T00:00:00Z",
    )
    .unwrap();
    assert_eq!(
        w.0.expectation_status("acme", "pay", t("2026-11-21T00:00:00Z")),
        ExpectationStatus::Pending
    );
    w.ok(
        HOST,
        r#"{"type":"record_score","org":"pay","score":"82.40","grade":"B"}"#,
    );
    assert_eq!(
        w.0.expectation_status("acme", "pay", t("2026-12-20T00:00:00Z")),
        ExpectationStatus::Met
    );
    assert_eq!(
        w.err(
            "alice",
            r#"{"type":"repeat_expectation","vendor":"pay","due":"2027-01-10T00:00:00Z"}"#
        ),
        "invalid_state"
    );
    assert!(
        w.run(HOST, r#"{"type":"remind_overdue"}"#, "2026-12-20T00:00:00Z")
            .unwrap()
            .is_empty(),
        "met: no reminder"
    );
    // Per factor, and refusals.
    w.ok("alice", r#"{"type":"set_expectation","vendor":"pay","target":{"factor":"dns_health","score":"90"},"due":"2026-12-01T00:00:00Z"}"#);
    assert_eq!(
        w.0.expectation_status("acme", "pay", t("2026-12-02T00:00:00Z")),
        ExpectationStatus::Unmet,
        "no factor score recorded"
    );
    assert_eq!(w.err("alice", r#"{"type":"set_expectation","vendor":"pay","target":{"issues":["spf_missing"]},"due":"2026-12-01T00:00:00Z"}"#), "invalid");
    assert_eq!(w.err("alice", r#"{"type":"set_expectation","vendor":"acme","target":{"grade":"A"},"due":"2026-12-01T00:00:00Z"}"#), "invalid");
    assert_eq!(
        w.err(
            "oscar",
            r#"{"type":"repeat_expectation","vendor":"pay","due":"2026-12-01T00:00:00Z"}"#
        ),
        "not_found"
    );
    assert_eq!(w.err("alice", r#"{"type":"remind_overdue"}"#), "forbidden");
}

#[test]
fn questionnaires_documents_and_reports() {
    let mut w = world();
    w.ok("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example"}"#);
    w.ok("alice", r#"{"type":"send_invitation","contact":"c1"}"#);
    w.ok(
        HOST,
        r#"{"type":"accept_invitation","contact":"c1","user":"pat"}"#,
    );
    w.ok(HOST, r#"{"type":"register_user","user":"quinn","org":"pay","name":"Quinn","email":"quinn@pay.example"}"#);
    let fx = w.ok(
        "alice",
        r#"{"type":"send_questionnaire","questionnaire":"q1","vendor":"pay","contact":"c1","due":"2026-12-01T00:00:00Z","questions":[
            {"id":"mfa","text":"Is MFA enforced for all staff?","severity":"high"},
            {"id":"backup","text":"Are backups tested quarterly?","severity":"medium"},
            {"id":"ir","text":"Is there an incident response plan?","severity":"low"}]}"#,
    );
    assert!(
        matches!(&fx[0], Effect::Email { template, to, .. } if template == "questionnaire" && to == "pat@pay.example")
    );
    // Only the contact's user answers, every question once.
    let answers = r#"{"type":"answer_questionnaire","questionnaire":"q1","answers":[{"id":"mfa","pass":false,"comment":"rolling out"},{"id":"backup","pass":true},{"id":"ir","pass":false}]}"#;
    assert_eq!(w.err("quinn", answers), "not_found");
    assert_eq!(w.err("alice", answers), "not_found");
    assert_eq!(w.err("pat", r#"{"type":"answer_questionnaire","questionnaire":"q1","answers":[{"id":"mfa","pass":true}]}"#), "invalid");
    w.ok("pat", answers);
    assert_eq!(w.err("pat", answers), "invalid_state");
    let risks = w.0.questionnaire_risks("acme", "pay");
    let ids: Vec<(&str, &str)> = risks
        .iter()
        .map(|r| (r.id.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(ids, vec![("q1:mfa", "open"), ("q1:ir", "open")]);
    assert!(w.0.questionnaire_risks("other", "pay").is_empty());
    // A plan item naming the risk, accepted, closes it.
    w.ok("alice", r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"pat","title":"MFA","target":{"grade":"A"},"due":"2026-12-01T00:00:00Z"}"#);
    w.ok(
        "alice",
        r#"{"type":"add_plan_item","plan":"p1","item":"i1","questionnaire_risk":"q1:mfa"}"#,
    );
    w.ok("alice", r#"{"type":"send_plan","plan":"p1"}"#);
    w.ok("pat", r#"{"type":"provide_info","plan":"p1","item":"i1","kind":"compensating_control","text":"MFA enforced since 2026-11-20"}"#);
    w.ok("alice", r#"{"type":"accept_info","plan":"p1","item":"i1"}"#);
    assert_eq!(w.0.questionnaire_risks("acme", "pay")[0].status, "closed");
    // Documents: only that contact's user fulfils.
    let fx = w.ok("alice", r#"{"type":"request_document","request":"d1","vendor":"pay","contact":"c1","kind":"soc2","due":"2026-12-15T00:00:00Z"}"#);
    assert!(matches!(&fx[0], Effect::Email { template, .. } if template == "document_request"));
    assert_eq!(
        w.err(
            "quinn",
            r#"{"type":"fulfil_document","request":"d1","reference":"https://x"}"#
        ),
        "not_found"
    );
    w.ok(
        "pat",
        r#"{"type":"fulfil_document","request":"d1","reference":"vault://pay/soc2-2026.pdf"}"#,
    );
    assert_eq!(
        w.0.documents
            .get("acme", "d1")
            .unwrap()
            .reference
            .as_deref(),
        Some("vault://pay/soc2-2026.pdf")
    );
    assert_eq!(
        w.err(
            "pat",
            r#"{"type":"fulfil_document","request":"d1","reference":"again"}"#
        ),
        "invalid_state"
    );
    // Reports.
    let fx = w.ok(
        "alice",
        r#"{"type":"share_report","contact":"c1","report":"scorecard-2026-11"}"#,
    );
    assert!(matches!(&fx[0], Effect::Email { template, .. } if template == "report_shared"));
    assert_eq!(
        w.err(
            "oscar",
            r#"{"type":"share_report","contact":"c1","report":"x"}"#
        ),
        "not_found"
    );
}

mod filters {
    use super::*;
    use posture_plan::ExpectationStatus;
    use posture_plan::query::{
        ContactFilter, ExpectationFilter, InvitationState, contacts, insights,
    };
    use proptest::prelude::*;

    const VENDORS: [&str; 3] = ["pay", "v2", "v3"];

    /// A store with contacts at three vendors in every state, built from
    /// random choices; returns the world and the query instant.
    fn build(choices: &[(usize, u8, u8, u8)], exp: &[u8], scores: &[u8]) -> (W, Timestamp) {
        let mut w = world();
        w.ok(HOST, r#"{"type":"register_organization","org":"v2","name":"Vendor Two","domains":["v2.example"]}"#);
        w.ok(HOST, r#"{"type":"register_organization","org":"v3","name":"Third Party Ltd","domains":["v3.example"]}"#);
        for (i, &(vendor, invite, accept, login)) in choices.iter().enumerate() {
            let v = VENDORS[vendor % 3];
            let domain = if v == "pay" {
                "pay.example"
            } else if v == "v2" {
                "v2.example"
            } else {
                "v3.example"
            };
            let name = ["Pat Lee", "Sam Rivera", "Alex Kim", "Jo Park"][i % 4];
            w.ok("alice", &format!(r#"{{"type":"add_contact","contact":"c{i}","vendor":"{v}","name":"{name}","email":"c{i}@{domain}"}}"#));
            if invite % 3 > 0 && !w.0.claimed(v) {
                let day = 1 + (invite as usize * 7 + i) % 28;
                w.run(
                    "alice",
                    &format!(r#"{{"type":"send_invitation","contact":"c{i}"}}"#),
                    &format!("2026-10-{day:02}T08:00:00Z"),
                )
                .unwrap();
                if accept % 2 == 1 {
                    w.ok(
                        HOST,
                        &format!(
                            r#"{{"type":"accept_invitation","contact":"c{i}","user":"u{i}"}}"#
                        ),
                    );
                    if login % 3 > 0 {
                        let d = if login % 3 == 1 {
                            "2026-08-01"
                        } else {
                            "2026-10-25"
                        };
                        w.run(
                            HOST,
                            &format!(r#"{{"type":"record_login","user":"u{i}"}}"#),
                            &format!("{d}T00:00:00Z"),
                        )
                        .unwrap();
                    }
                }
            }
        }
        for (k, &e) in exp.iter().enumerate().take(3) {
            if e % 3 > 0 {
                let due = if e % 3 == 1 {
                    "2026-10-20"
                } else {
                    "2026-12-20"
                };
                w.ok("alice", &format!(r#"{{"type":"set_expectation","vendor":"{}","target":{{"grade":"B"}},"due":"{due}T00:00:00Z"}}"#, VENDORS[k]));
            }
        }
        for (k, &s) in scores.iter().enumerate().take(3) {
            if s % 3 > 0 {
                let (score, grade) = if s % 3 == 1 {
                    ("85.00", "B")
                } else {
                    ("65.00", "D")
                };
                w.ok(HOST, &format!(r#"{{"type":"record_score","org":"{}","score":"{score}","grade":"{grade}"}}"#, VENDORS[k]));
            }
        }
        (w, "2026-11-01T12:00:00Z".parse().unwrap())
    }

    /// The brute-force reading of every filter, straight from the raw state.
    fn brute(w: &W, now: Timestamp, f: &ContactFilter) -> Vec<String> {
        let s = &w.0;
        let mut ids: Vec<String> = s
            .contacts
            .iter()
            .filter(|(org, _, c)| *org == "acme" && c.requester == "acme")
            .filter(|(_, _, c)| {
                let inv = match (&c.accepted_user, &c.invited_at) {
                    (Some(_), _) => InvitationState::Accepted,
                    (None, Some(_)) => InvitationState::Pending,
                    _ => InvitationState::None,
                };
                let vendor_users: Vec<_> = s
                    .users
                    .values()
                    .filter(|u| u.org == c.fields.vendor)
                    .collect();
                let claimed = vendor_users.iter().any(|u| u.last_login.is_some());
                let recent = vendor_users.iter().any(|u| {
                    u.last_login
                        .is_some_and(|t| (now.0 - t.0).num_seconds() <= 30 * 86_400)
                });
                let exp = match s
                    .expectations
                    .get(&("acme".to_string(), c.fields.vendor.clone()))
                {
                    None => ExpectationStatus::Unset,
                    Some(e) => {
                        let met = s.orgs[&c.fields.vendor]
                            .score
                            .is_some_and(|(sc, _)| sc >= rust_decimal::Decimal::from(80));
                        if met {
                            ExpectationStatus::Met
                        } else if now > e.due {
                            ExpectationStatus::Unmet
                        } else {
                            ExpectationStatus::Pending
                        }
                    }
                };
                let vendor_name = s.orgs[&c.fields.vendor].name.to_lowercase();
                f.invitation.is_none_or(|i| i == inv)
                    && f.days_since_invite.is_none_or(|(lo, hi)| {
                        c.invited_at.is_some_and(|t| {
                            let d = (now.0 - t.0).num_seconds().div_euclid(86_400);
                            lo <= d && d <= hi
                        })
                    })
                    && f.expectation.is_none_or(|e| match e {
                        ExpectationFilter::Set => exp != ExpectationStatus::Unset,
                        ExpectationFilter::Unset => exp == ExpectationStatus::Unset,
                        ExpectationFilter::Pending => exp == ExpectationStatus::Pending,
                        ExpectationFilter::Met => exp == ExpectationStatus::Met,
                        ExpectationFilter::Unmet => exp == ExpectationStatus::Unmet,
                    })
                    && f.claimed.is_none_or(|x| x == claimed)
                    && f.logged_in_30d.is_none_or(|x| x == recent)
                    && f.name.as_ref().is_none_or(|n| {
                        let n = n.to_lowercase();
                        c.fields.name.to_lowercase().contains(&n) || vendor_name.contains(&n)
                    })
            })
            .map(|(_, id, _)| id.to_owned())
            .collect();
        ids.sort();
        ids
    }

    fn filter_strategy() -> impl Strategy<Value = ContactFilter> {
        let inv = prop_oneof![
            Just(None),
            Just(Some(InvitationState::Accepted)),
            Just(Some(InvitationState::Pending)),
            Just(Some(InvitationState::None))
        ];
        let exp = prop_oneof![
            Just(None),
            Just(Some(ExpectationFilter::Unset)),
            Just(Some(ExpectationFilter::Set)),
            Just(Some(ExpectationFilter::Pending)),
            Just(Some(ExpectationFilter::Met)),
            Just(Some(ExpectationFilter::Unmet))
        ];
        let days = prop_oneof![
            Just(None),
            (0i64..40, 0i64..40).prop_map(|(a, b)| Some((a.min(b), a.max(b))))
        ];
        let yn = || prop_oneof![Just(None), Just(Some(true)), Just(Some(false))];
        let name = prop_oneof![
            Just(None),
            Just(Some("PAT".to_string())),
            Just(Some("third".to_string())),
            Just(Some("ri".to_string()))
        ];
        (inv, exp, days, yn(), yn(), name).prop_map(
            |(invitation, expectation, days_since_invite, claimed, logged_in_30d, name)| {
                ContactFilter {
                    invitation,
                    days_since_invite,
                    expectation,
                    claimed,
                    logged_in_30d,
                    name,
                }
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn filters_agree_with_brute_force(
            choices in proptest::collection::vec((0usize..3, 0u8..3, 0u8..2, 0u8..3), 1..24),
            exp in proptest::collection::vec(0u8..3, 3),
            scores in proptest::collection::vec(0u8..3, 3),
            f in filter_strategy(),
        ) {
            let (w, now) = build(&choices, &exp, &scores);
            let mut got: Vec<String> = contacts(&w.0, "alice", now, &f).unwrap().into_iter().map(|r| r.contact).collect();
            got.sort();
            prop_assert_eq!(got, brute(&w, now, &f));
        }
    }

    #[test]
    fn every_filter_tells_right_from_wrong() {
        let choices: Vec<(usize, u8, u8, u8)> = (0..24)
            .map(|i| (i % 3, (i % 3) as u8, (i / 3 % 2) as u8, (i / 6 % 3) as u8))
            .collect();
        let (mut w, now) = build(&choices, &[1, 2, 0], &[1, 2, 0]);
        // Someone at v3 logged in recently (the random part only makes
        // vendors claimed by old logins here).
        w.ok(HOST, r#"{"type":"register_user","user":"v3user","org":"v3","name":"V","email":"v@v3.example"}"#);
        w.run(
            HOST,
            r#"{"type":"record_login","user":"v3user"}"#,
            "2026-10-25T00:00:00Z",
        )
        .unwrap();
        let all = contacts(&w.0, "alice", now, &ContactFilter::default())
            .unwrap()
            .len();
        assert_eq!(all, 24);
        let count = |f: ContactFilter| contacts(&w.0, "alice", now, &f).unwrap().len();
        for f in [
            ContactFilter {
                invitation: Some(InvitationState::Accepted),
                ..Default::default()
            },
            ContactFilter {
                invitation: Some(InvitationState::Pending),
                ..Default::default()
            },
            ContactFilter {
                invitation: Some(InvitationState::None),
                ..Default::default()
            },
            ContactFilter {
                days_since_invite: Some((0, 14)),
                ..Default::default()
            },
            ContactFilter {
                expectation: Some(ExpectationFilter::Met),
                ..Default::default()
            },
            ContactFilter {
                expectation: Some(ExpectationFilter::Set),
                ..Default::default()
            },
            ContactFilter {
                expectation: Some(ExpectationFilter::Pending),
                ..Default::default()
            },
            ContactFilter {
                expectation: Some(ExpectationFilter::Unset),
                ..Default::default()
            },
            ContactFilter {
                claimed: Some(true),
                ..Default::default()
            },
            ContactFilter {
                logged_in_30d: Some(false),
                ..Default::default()
            },
            ContactFilter {
                name: Some("sam".into()),
                ..Default::default()
            },
        ] {
            let n = count(f.clone());
            assert!(
                n > 0 && n < all,
                "{f:?} selects {n} of {all}: it cannot tell right from wrong here"
            );
            assert_eq!(
                contacts(&w.0, "alice", now, &f)
                    .unwrap()
                    .into_iter()
                    .map(|r| r.contact)
                    .collect::<std::collections::BTreeSet<_>>(),
                brute(&w, now, &f).into_iter().collect()
            );
        }
        let i = insights(&w.0, "alice", now).unwrap();
        assert_eq!(i.vendors_contacted, 3);
        assert_eq!(i.expectations_set, 2);
        // pay: due 20 Oct, recorded B: met; v2: due 20 Dec, recorded D: pending.
        assert_eq!(
            (
                i.expectations_met,
                i.expectations_pending,
                i.expectations_unmet
            ),
            (1, 1, 0)
        );
        assert_eq!(
            i.claimed,
            contacts(&w.0, "alice", now, &ContactFilter::default())
                .unwrap()
                .iter()
                .filter(|r| r.claimed)
                .map(|r| r.vendor.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .len() as u32
        );
        assert_eq!(
            contacts(&w.0, "oscar", now, &ContactFilter::default())
                .unwrap()
                .len(),
            0
        );
    }
}
