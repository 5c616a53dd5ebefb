//! Workflow command lines: any bytes, read as `workflow apply` reads a line
//! (`{"actor", "at", "command"}`), or as a command JSON for one of a small
//! world's actors (the first byte picks the actor), are decided and applied
//! against a small state without panicking; every read model answers for
//! every actor; and replaying the events rebuilds the same state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use posture_core::{Catalog, Timestamp};
use posture_plan::query::{self, ContactFilter};
use posture_plan::{Command, Envelope, HOST, State, apply, decide};
use std::sync::OnceLock;

const ACTORS: &[&str] = &[HOST, "alice", "gina", "victor", "vera", "pat", "nobody", ""];

const SETUP: &[(&str, &str)] = &[
    (HOST, r#"{"type":"register_organization","org":"acme","name":"Acme","domains":["acme.example"]}"#),
    (HOST, r#"{"type":"register_organization","org":"globex","name":"Globex","domains":["globex.example"]}"#),
    (HOST, r#"{"type":"register_organization","org":"pay","name":"Pay","domains":["pay.example"],"assets":["192.0.2.0/24"]}"#),
    (HOST, r#"{"type":"register_user","user":"alice","org":"acme","name":"A","email":"alice@acme.example"}"#),
    (HOST, r#"{"type":"register_user","user":"gina","org":"globex","name":"G","email":"gina@globex.example"}"#),
    (HOST, r#"{"type":"register_user","user":"victor","org":"pay","name":"V","email":"victor@pay.example"}"#),
    (HOST, r#"{"type":"register_user","user":"vera","org":"pay","name":"W","email":"vera@pay.example"}"#),
    ("alice", r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"t","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}"#),
    ("gina", r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"t","target":{"issues":["spf_missing"]},"due":"2026-12-01T00:00:00Z"}"#),
    ("alice", r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}"#),
    ("gina", r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"192.0.2.7"}"#),
    ("alice", r#"{"type":"send_plan","plan":"p1"}"#),
    ("gina", r#"{"type":"send_plan","plan":"p1"}"#),
    ("alice", r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"P","email":"pat@pay.example"}"#),
    ("alice", r#"{"type":"send_invitation","contact":"c1"}"#),
    (HOST, r#"{"type":"accept_invitation","contact":"acme/c1","user":"pat"}"#),
    ("alice", r#"{"type":"send_questionnaire","questionnaire":"q1","vendor":"pay","contact":"c1","due":"2026-12-01T00:00:00Z","questions":[{"id":"mfa","text":"?","severity":"high"}]}"#),
    ("alice", r#"{"type":"set_expectation","vendor":"pay","target":{"grade":"B"},"due":"2026-11-10T00:00:00Z"}"#),
];

#[derive(serde::Deserialize)]
struct Line {
    actor: String,
    at: Timestamp,
    command: Command,
}

fn now() -> Timestamp {
    "2026-11-05T00:00:00Z".parse().expect("a valid instant")
}

/// The small world, and the events that built it.
fn world() -> &'static (State, Vec<Envelope>) {
    static W: OnceLock<(State, Vec<Envelope>)> = OnceLock::new();
    W.get_or_init(|| {
        let catalog = Catalog::builtin();
        let mut state = State::default();
        let mut log = Vec::new();
        for (actor, json) in SETUP {
            let c: Command = serde_json::from_str(json).expect("setup command");
            let d = decide(&state, &catalog, &c, actor, now()).expect("setup accepted");
            for e in d.events {
                apply(&mut state, &e);
                log.push(e);
            }
        }
        (state, log)
    })
}

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::builtin();
    let (base, base_log) = world();
    let mut state = base.clone();
    let mut log = base_log.clone();
    let mut run = |actor: &str, at: Timestamp, c: &Command, state: &mut State| {
        if let Ok(d) = decide(state, &catalog, c, actor, at) {
            for e in d.events {
                apply(state, &e);
                log.push(e);
            }
        }
    };
    // Whole input as `apply` lines.
    if let Ok(text) = std::str::from_utf8(data) {
        for line in text.lines() {
            if let Ok(l) = posture_core::from_json_str::<Line>(line) {
                run(&l.actor, l.at, &l.command, &mut state);
            }
        }
    }
    // First byte an actor, the rest one command.
    if let Some((first, rest)) = data.split_first() {
        if let Ok(c) = serde_json::from_slice::<Command>(rest) {
            let actor = ACTORS[usize::from(*first) % ACTORS.len()];
            run(actor, now(), &c, &mut state);
        }
    }
    // Every read model answers, for every actor.
    for actor in ACTORS {
        let _ = query::assigned(&state, &catalog, actor, now());
        let _ = query::sent(&state, &catalog, actor, now());
        let _ = query::plan_view(&state, &catalog, actor, "p1", now());
        let _ = query::plan_view(&state, &catalog, actor, "acme/p1", now());
        let _ = query::contacts(&state, actor, now(), &ContactFilter::default());
        let _ = query::insights(&state, actor, now());
        let _ = query::history(&state, &log, actor, "c1");
        let _ = query::questionnaire_risks(&state, actor, "pay");
    }
    // Replay rebuilds the state.
    let mut replayed = State::default();
    for e in &log {
        apply(&mut replayed, e);
    }
    assert_eq!(replayed, state);
});
