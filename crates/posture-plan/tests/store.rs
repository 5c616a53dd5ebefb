//! The SQLite event store: durability across opens, replay, request ids
//! scoped to the actor and bound to the command, read-only opening, schema
//! versions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_plan::{Command, HOST, Request, Response, Store, StoreError};

fn req(actor: &str, json: &str) -> Request {
    Request {
        actor: actor.into(),
        at: "2026-11-01T00:00:00Z".parse().unwrap(),
        command: serde_json::from_str::<Command>(json).unwrap(),
    }
}

const SETUP: &[(&str, &str)] = &[
    (
        HOST,
        r#"{"type":"register_organization","org":"a","name":"A","domains":["a.example"]}"#,
    ),
    (
        HOST,
        r#"{"type":"register_organization","org":"b","name":"B","domains":["b.example"]}"#,
    ),
    (
        HOST,
        r#"{"type":"register_organization","org":"c","name":"C","domains":["c.example"]}"#,
    ),
    (
        HOST,
        r#"{"type":"register_user","user":"u","org":"a","name":"U","email":"u@a.example"}"#,
    ),
    (
        HOST,
        r#"{"type":"register_user","user":"v","org":"b","name":"V","email":"v@b.example"}"#,
    ),
    (
        HOST,
        r#"{"type":"register_user","user":"w","org":"c","name":"W","email":"w@c.example"}"#,
    ),
];

fn setup(s: &mut Store) {
    let batch: Vec<Request> = SETUP.iter().map(|(a, c)| req(a, c)).collect();
    assert!(s.run_batch(&batch).unwrap().iter().all(Response::is_ok));
}

fn plan(id: &str, title: &str, rid: &str) -> String {
    format!(
        r#"{{"type":"create_plan","plan":"{id}","vendor":"b","assignee":"v","title":"{title}","target":{{"grade":"A"}},"due":"2026-12-01T00:00:00Z","request_id":"{rid}"}}"#
    )
}

#[test]
fn events_survive_reopening_and_replay_to_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let state = {
        let mut s = Store::open(&path).unwrap();
        setup(&mut s);
        let r = s
            .run_batch(&[
                req("u", &plan("p", "t", "r1")),
                req("v", r#"{"type":"create_plan","plan":"q","vendor":"a","assignee":"nobody","title":"t","target":{"grade":"A"},"due":"2026-12-01T00:00:00Z"}"#),
            ])
            .unwrap();
        assert!(r[0].is_ok());
        assert!(matches!(&r[1], Response::Err { error, .. } if error.code == "invalid"));
        s.state().clone()
    };
    let s = Store::open(&path).unwrap();
    assert_eq!(s.state(), &state);
    assert_eq!(s.events().unwrap().len(), SETUP.len() + 1);
    let ro = Store::open_read_only(&path).unwrap();
    assert_eq!(ro.state(), &state);
}

/// Rule 1: request ids are scoped to the actor and bound to the command.
#[test]
fn request_ids_are_scoped_to_the_actor_and_bound_to_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let mut s = Store::open(&path).unwrap();
    setup(&mut s);
    let first = s.run_batch(&[req("u", &plan("p", "t", "req-1"))]).unwrap();
    assert!(first[0].is_ok());
    let events = s.events().unwrap().len();

    // The same actor, the identical command: the first outcome, nothing
    // applied again (also after reopening).
    drop(s);
    let mut s = Store::open(&path).unwrap();
    let again = s.run_batch(&[req("u", &plan("p", "t", "req-1"))]).unwrap();
    assert_eq!(again, first);
    assert_eq!(s.events().unwrap().len(), events);

    // The same actor, another command under the id: refused, not
    // acknowledged as if applied.
    let other = s.run_batch(&[req("u", &plan("p2", "t", "req-1"))]).unwrap();
    assert!(
        matches!(&other[0], Response::Err { error, .. } if error.code == "conflict"),
        "{other:?}"
    );
    assert!(s.state().plans.get("a", "p2").is_none());
    assert_eq!(s.events().unwrap().len(), events);

    // Another actor's identical id is unrelated: w (org c) creates its own
    // plan, and sees nothing of u's response.
    let theirs = s.run_batch(&[req("w", &plan("p", "t", "req-1"))]).unwrap();
    let Response::Ok { events: evs, .. } = &theirs[0] else {
        panic!("{theirs:?}")
    };
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].actor, "w");
    assert_ne!(theirs, first);
    assert!(s.state().plans.get("c", "p").is_some());
    assert!(s.state().plans.get("a", "p").is_some());

    // A refused first outcome is the outcome for the identical retry too.
    let refused = s.run_batch(&[req("v", &plan("x", "t", "req-9"))]).unwrap();
    assert!(!refused[0].is_ok(), "v is at the vendor itself");
    assert_eq!(
        s.run_batch(&[req("v", &plan("x", "t", "req-9"))]).unwrap(),
        refused
    );
}

/// Rule 7: a query opens the store read-only; a missing store is an error
/// and is never created.
#[test]
fn read_only_opening_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    assert!(matches!(
        Store::open_read_only(&path),
        Err(StoreError::Missing(p)) if p == path
    ));
    assert!(!path.exists(), "a query created the store");
    {
        let mut s = Store::open(&path).unwrap();
        setup(&mut s);
    }
    let before = std::fs::read(&path).unwrap();
    let mut ro = Store::open_read_only(&path).unwrap();
    assert_eq!(ro.state().orgs.len(), 3);
    assert!(matches!(
        ro.run_batch(&[req(HOST, r#"{"type":"record_login","user":"u"}"#)]),
        Err(StoreError::ReadOnly)
    ));
    drop(ro);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // A directory is not a store either.
    assert!(matches!(
        Store::open_read_only(dir.path()),
        Err(StoreError::Missing(_))
    ));
}

#[test]
fn a_newer_event_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    {
        let mut s = Store::open(&path).unwrap();
        s.run_batch(&[req(
            HOST,
            r#"{"type":"register_organization","org":"a","name":"A","domains":[]}"#,
        )])
        .unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE events SET v = 99", []).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::NewerVersion { version: 99, .. })
    ));
    assert!(matches!(
        Store::open_read_only(&path),
        Err(StoreError::NewerVersion { version: 99, .. })
    ));
}

/// Streams are named unambiguously: `x:y` expecting `v` and `x` expecting
/// `y:v` would both be `expectation:x:y:v` if names were joined with `:`,
/// and the second append would break the (stream, version) constraint.
#[test]
fn stream_names_never_collide_across_organisations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let mut s = Store::open(&path).unwrap();
    let mut batch: Vec<Request> = ["x:y", "x", "v", "y:v"]
        .iter()
        .map(|o| {
            req(
                HOST,
                &format!(
                    r#"{{"type":"register_organization","org":"{o}","name":"{o}","domains":[]}}"#
                ),
            )
        })
        .collect();
    batch.extend([
        req(
            HOST,
            r#"{"type":"register_user","user":"a","org":"x:y","name":"A","email":"a@a.example"}"#,
        ),
        req(
            HOST,
            r#"{"type":"register_user","user":"b","org":"x","name":"B","email":"b@b.example"}"#,
        ),
        req(
            "a",
            r#"{"type":"set_expectation","vendor":"v","target":{"grade":"A"},"due":"2026-12-01T00:00:00Z"}"#,
        ),
        req(
            "b",
            r#"{"type":"set_expectation","vendor":"y:v","target":{"grade":"A"},"due":"2026-12-01T00:00:00Z"}"#,
        ),
    ]);
    let r = s.run_batch(&batch).unwrap();
    assert!(r.iter().all(Response::is_ok), "{r:?}");
    assert_eq!(s.state().expectations.len(), 2);
}
