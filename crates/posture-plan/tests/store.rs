//! The SQLite event store: durability across opens, replay, request ids,
//! schema versions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_plan::{Command, HOST, Request, Response, Store, StoreError};

fn req(actor: &str, json: &str) -> Request {
    Request {
        actor: actor.into(),
        at: "2026-11-01T00:00:00Z".parse().unwrap(),
        command: serde_json::from_str::<Command>(json).unwrap(),
    }
}

#[test]
fn events_survive_reopening_and_replay_to_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let state = {
        let mut s = Store::open(&path).unwrap();
        let r = s
            .run_batch(&[
                req(HOST, r#"{"type":"register_organization","org":"a","name":"A","domains":[]}"#),
                req(HOST, r#"{"type":"register_organization","org":"b","name":"B","domains":[]}"#),
                req(HOST, r#"{"type":"register_user","user":"u","org":"a","name":"U","email":"u@a.example"}"#),
                req(HOST, r#"{"type":"register_user","user":"v","org":"b","name":"V","email":"v@b.example"}"#),
                req("u", r#"{"type":"create_plan","plan":"p","vendor":"b","assignee":"v","title":"t","target":{"grade":"A"},"due":"2026-12-01T00:00:00Z","request_id":"r1"}"#),
                req("v", r#"{"type":"create_plan","plan":"q","vendor":"a","assignee":"nobody","title":"t","target":{"grade":"A"},"due":"2026-12-01T00:00:00Z"}"#),
            ])
            .unwrap();
        assert!(matches!(r[4], Response::Ok { .. }));
        assert!(matches!(&r[5], Response::Err { error, .. } if error.code == "invalid"));
        s.state().clone()
    };
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.state(), &state);
    assert_eq!(s.events().unwrap().len(), 5);
    // The retried request returns its first outcome and appends nothing.
    let again = s.run_batch(&[req("u", r#"{"type":"create_plan","plan":"p","vendor":"b","assignee":"v","title":"other","target":{"grade":"A"},"due":"2026-12-01T00:00:00Z","request_id":"r1"}"#)]).unwrap();
    assert!(matches!(again[0], Response::Ok { .. }), "{again:?}");
    assert_eq!(s.events().unwrap().len(), 5);
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
}
