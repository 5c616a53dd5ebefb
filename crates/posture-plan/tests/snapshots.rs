//! Store snapshots are derived data: a store opened from a snapshot and
//! the events after it has the state a full replay gives; deleting
//! snapshots changes nothing; a snapshot of another version, a corrupt or
//! an inconsistent one is ignored; a read-only open never writes one; and
//! concurrent writers stay correct.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::{Catalog, Timestamp};
use posture_plan::{
    Command, EVENT_VERSION, HOST, Request, Response, SNAPSHOT_FORMAT, SnapshotPolicy, State, Store,
    StoreError, apply, query,
};
use proptest::prelude::*;
use std::path::Path;

fn req(actor: &str, json: &str) -> Request {
    Request {
        actor: actor.into(),
        at: "2026-11-01T00:00:00Z".parse().unwrap(),
        command: serde_json::from_str::<Command>(json).unwrap_or_else(|e| panic!("{json}: {e}")),
    }
}

/// Two requesting organisations (acme, beta) and a vendor (pay).
const SETUP: &[(&str, &str)] = &[
    (
        HOST,
        r#"{"type":"register_organization","org":"acme","name":"Acme","domains":["acme.example"]}"#,
    ),
    (
        HOST,
        r#"{"type":"register_organization","org":"beta","name":"Beta","domains":["beta.example"]}"#,
    ),
    (
        HOST,
        r#"{"type":"register_organization","org":"pay","name":"Pay","domains":["pay.example"],"assets":["192.0.2.0/24"]}"#,
    ),
    (
        HOST,
        r#"{"type":"register_user","user":"alice","org":"acme","name":"Alice","email":"alice@acme.example"}"#,
    ),
    (
        HOST,
        r#"{"type":"register_user","user":"bob","org":"beta","name":"Bob","email":"bob@beta.example"}"#,
    ),
    (
        HOST,
        r#"{"type":"register_user","user":"victor","org":"pay","name":"Victor","email":"victor@pay.example"}"#,
    ),
];

/// Commands that, in some order, produce every kind of event (and so
/// fill every part of the state). `{u}` is alice or bob.
const SCRIPT: &[(&str, &str)] = &[
    (
        "{u}",
        r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"Mail","target":{"grade":"B"},"due":"2026-11-20T00:00:00Z"}"#,
    ),
    (
        "{u}",
        r#"{"type":"create_plan","plan":"p2","vendor":"pay","assignee":"victor","title":"RDP","target":{"issues":["service_rdp"]},"due":"2026-12-20T00:00:00Z"}"#,
    ),
    (
        "{u}",
        r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}"#,
    ),
    (
        "{u}",
        r#"{"type":"add_plan_item","plan":"p2","item":"i2","issue":"service_rdp","asset":"192.0.2.7"}"#,
    ),
    ("{u}", r#"{"type":"send_plan","plan":"p1"}"#),
    ("{u}", r#"{"type":"send_plan","plan":"p2"}"#),
    (
        "victor",
        r#"{"type":"mark_fixed","plan":"{o}/p1","item":"i1"}"#,
    ),
    (
        "victor",
        r#"{"type":"mark_fixed","plan":"{o}/p2","item":"i2"}"#,
    ),
    (
        HOST,
        r#"{"type":"record_rescan","plan":"{o}/p1","item":"i1","outcome":"clean"}"#,
    ),
    (
        HOST,
        r#"{"type":"record_rescan","plan":"{o}/p2","item":"i2","outcome":"detected"}"#,
    ),
    (
        "victor",
        r#"{"type":"provide_info","plan":"{o}/p2","item":"i2","kind":"dispute","text":"not ours"}"#,
    ),
    ("{u}", r#"{"type":"reject_info","plan":"p2","item":"i2"}"#),
    (
        "victor",
        r#"{"type":"provide_info","plan":"{o}/p2","item":"i2","kind":"compensating_control","text":"a firewall"}"#,
    ),
    ("{u}", r#"{"type":"accept_info","plan":"p2","item":"i2"}"#),
    (
        "victor",
        r#"{"type":"post_message","plan":"{o}/p1","text":"on it"}"#,
    ),
    ("{u}", r#"{"type":"close_plan","plan":"p1"}"#),
    ("{u}", r#"{"type":"cancel_plan","plan":"p2"}"#),
    (
        "{u}",
        r#"{"type":"add_contact","contact":"c1","vendor":"pay","name":"Pat","email":"pat@pay.example"}"#,
    ),
    (
        "{u}",
        r#"{"type":"edit_contact","contact":"c1","title":"CISO"}"#,
    ),
    ("{u}", r#"{"type":"send_invitation","contact":"c1"}"#),
    ("{u}", r#"{"type":"resend_invitation","contact":"c1"}"#),
    (
        HOST,
        r#"{"type":"accept_invitation","contact":"{o}/c1","user":"pat-{o}"}"#,
    ),
    (HOST, r#"{"type":"record_login","user":"pat-{o}"}"#),
    (HOST, r#"{"type":"record_login","user":"victor"}"#),
    (
        "{u}",
        r#"{"type":"set_expectation","vendor":"pay","target":{"grade":"A"},"due":"2026-10-10T00:00:00Z","suggested_issues":["spf_missing"]}"#,
    ),
    (
        "{u}",
        r#"{"type":"repeat_expectation","vendor":"pay","due":"2026-10-20T00:00:00Z"}"#,
    ),
    (HOST, r#"{"type":"remind_overdue"}"#),
    (
        "{u}",
        r#"{"type":"send_questionnaire","questionnaire":"q1","vendor":"pay","contact":"c1","due":"2026-12-01T00:00:00Z","questions":[{"id":"mfa","text":"MFA?","severity":"high"}]}"#,
    ),
    (
        "pat-{o}",
        r#"{"type":"answer_questionnaire","questionnaire":"q1","answers":[{"id":"mfa","pass":false,"comment":"soon"}]}"#,
    ),
    (
        "{u}",
        r#"{"type":"request_document","request":"d1","vendor":"pay","contact":"c1","kind":"soc2","due":"2026-12-01T00:00:00Z"}"#,
    ),
    (
        "pat-{o}",
        r#"{"type":"fulfil_document","request":"d1","reference":"vault://soc2"}"#,
    ),
    (
        "{u}",
        r#"{"type":"share_report","contact":"c1","report":"r1"}"#,
    ),
    (
        "{u}",
        r#"{"type":"add_contact","contact":"c2","vendor":"pay","name":"Sam","email":"sam@pay.example"}"#,
    ),
    ("{u}", r#"{"type":"remove_contact","contact":"c2"}"#),
    (
        HOST,
        r#"{"type":"record_score","org":"pay","score":"85.50","grade":"B","factors":{"dns_health":"70"}}"#,
    ),
];

/// Script step `i` for the organisation of user `u`.
fn step(i: usize, beta: bool) -> Request {
    let (u, o) = if beta {
        ("bob", "beta")
    } else {
        ("alice", "acme")
    };
    let (actor, json) = SCRIPT[i];
    let fill = |s: &str| s.replace("{u}", u).replace("{o}", o);
    req(&fill(actor), &fill(json))
}

fn setup(s: &mut Store) {
    let batch: Vec<Request> = SETUP.iter().map(|(a, c)| req(a, c)).collect();
    assert!(s.run_batch(&batch).unwrap().iter().all(Response::is_ok));
}

/// The state every stored event folds into, from the start.
fn full_replay(path: &Path) -> State {
    let mut state = State::default();
    for e in Store::open_read_only(path).unwrap().events().unwrap() {
        apply(&mut state, &e);
    }
    state
}

fn sql(path: &Path, statement: &str) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(statement)
        .unwrap();
}

fn snapshot_count(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT count(*) FROM snapshots", [], |r| r.get(0))
        .unwrap()
}

/// A store with the whole script run for both organisations, and a
/// snapshot of it. Returns its state.
fn scripted_store(path: &Path) -> State {
    let mut s = Store::open(path).unwrap();
    setup(&mut s);
    let batch: Vec<Request> = (0..SCRIPT.len())
        .flat_map(|i| [step(i, false), step(i, true)])
        .collect();
    let refused: Vec<Response> = s
        .run_batch(&batch)
        .unwrap()
        .into_iter()
        .filter(|r| !r.is_ok())
        .collect();
    assert_eq!(refused, []);
    assert!(s.write_snapshot().unwrap().is_some());
    s.state().clone()
}

/// What users see, as JSON: the views a snapshot must not change.
fn answers(state: &State) -> String {
    let c = Catalog::builtin();
    let now: Timestamp = "2026-11-15T00:00:00Z".parse().unwrap();
    let mut out = Vec::new();
    for u in ["alice", "bob"] {
        out.push(serde_json::to_value(query::sent(state, &c, u, now).unwrap()).unwrap());
        out.push(
            serde_json::to_value(query::contacts(state, u, now, &Default::default()).unwrap())
                .unwrap(),
        );
        out.push(serde_json::to_value(query::insights(state, u, now).unwrap()).unwrap());
    }
    out.push(serde_json::to_value(query::assigned(state, &c, "victor", now).unwrap()).unwrap());
    serde_json::Value::from(out).to_string()
}

#[test]
fn the_script_fills_every_part_of_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = scripted_store(&dir.path().join("s.sqlite"));
    assert_eq!(state.plans.len(), 4);
    assert_eq!(state.contacts.len(), 2);
    assert_eq!(state.expectations.len(), 2);
    assert_eq!(state.reminded.len(), 2);
    assert_eq!(state.questionnaires.len(), 2);
    assert_eq!(state.documents.len(), 2);
    assert_eq!(state.reports.len(), 2);
    assert!(state.orgs["pay"].score.is_some());
    assert!(!state.orgs["pay"].factors.is_empty());
    let p = state.plans.get("acme", "p1").unwrap();
    assert!(!p.messages.is_empty());
    let i2 = &state.plans.get("acme", "p2").unwrap().items[0];
    assert!(i2.info.is_some() && i2.reopened > 0);
}

#[test]
fn deleting_snapshots_changes_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let live = scripted_store(&path);
    let from_snapshot = Store::open_read_only(&path).unwrap();
    assert!(from_snapshot.loaded_snapshot().is_some());
    assert_eq!(from_snapshot.state(), &live);
    let before = answers(from_snapshot.state());
    drop(from_snapshot);
    sql(&path, "DELETE FROM snapshots");
    for s in [
        Store::open_read_only(&path).unwrap(),
        Store::open(&path).unwrap(),
    ] {
        assert_eq!(s.loaded_snapshot(), None, "a full replay");
        assert_eq!(s.state(), &live);
        assert_eq!(answers(s.state()), before);
    }
    assert_eq!(full_replay(&path), live);
}

/// A writer opened from a snapshot holds plans whose items it has not read
/// (kept encoded until then). Changing those items, and writing a snapshot
/// while some are still unread, gives what a full replay gives.
#[test]
fn a_writer_changes_and_snapshots_items_it_has_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let both = |steps: std::ops::Range<usize>| -> Vec<Request> {
        steps
            .flat_map(|i| [step(i, false), step(i, true)])
            .collect()
    };
    // A snapshot once every plan has its items, before any changes them.
    let half = 4;
    {
        let mut s = Store::open(&path).unwrap();
        setup(&mut s);
        assert!(
            s.run_batch(&both(0..half))
                .unwrap()
                .iter()
                .all(Response::is_ok)
        );
        assert!(s.write_snapshot().unwrap().is_some());
    }
    let mut s = Store::open(&path).unwrap();
    assert!(s.loaded_snapshot().is_some());
    let unread = |s: &Store| {
        s.state()
            .plans
            .iter()
            .filter(|(_, _, p)| !p.items.is_decoded())
            .count()
    };
    assert_eq!(unread(&s), 4);
    // The rest of the script fixes, rescans and settles those items.
    let responses = s.run_batch(&both(half..SCRIPT.len())).unwrap();
    assert!(responses.iter().all(Response::is_ok));
    assert_eq!(s.state(), &full_replay(&path));
    assert!(s.write_snapshot().unwrap().is_some());
    drop(s);
    // Reopened: every plan unread, then one more plan, decoded, beside them.
    let mut s = Store::open(&path).unwrap();
    assert_eq!(unread(&s), 4);
    let p3 = [
        req(
            "alice",
            r#"{"type":"create_plan","plan":"p3","vendor":"pay","assignee":"victor","title":"More","target":{"grade":"A"},"due":"2026-12-20T00:00:00Z"}"#,
        ),
        req(
            "alice",
            r#"{"type":"add_plan_item","plan":"p3","item":"i3","issue":"spf_missing","asset":"pay.example"}"#,
        ),
    ];
    assert!(s.run_batch(&p3).unwrap().iter().all(Response::is_ok));
    assert_eq!(unread(&s), 4);
    assert!(s.write_snapshot().unwrap().is_some());
    let live = s.state().clone();
    drop(s);
    let s = Store::open_read_only(&path).unwrap();
    assert!(s.loaded_snapshot().is_some());
    assert_eq!(s.state(), &live);
    assert_eq!(s.state(), &full_replay(&path));
    assert_eq!(answers(s.state()), answers(&live));
}

/// A snapshot is used only with this build's format and event version.
/// To show it is not merely harmless but unused, the snapshot is replaced
/// by one of another state (taken from another store at the same event)
/// before its version is changed.
#[test]
fn a_snapshot_of_another_version_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let live = scripted_store(&path);
    let seq = Store::open(&path).unwrap().loaded_snapshot().unwrap();
    // Another store, with as many events but another state.
    let other = dir.path().join("other.sqlite");
    {
        let mut s = Store::open(&other).unwrap();
        setup(&mut s);
        let n = usize::try_from(seq).unwrap() - SETUP.len();
        let batch: Vec<Request> = (0..n)
            .map(|i| {
                req(
                    HOST,
                    &format!(
                        r#"{{"type":"register_organization","org":"x{i}","name":"X","domains":[]}}"#
                    ),
                )
            })
            .collect();
        assert!(s.run_batch(&batch).unwrap().iter().all(Response::is_ok));
        assert_eq!(s.write_snapshot().unwrap(), Some(seq));
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("ATTACH DATABASE ?1 AS other", [other.to_str().unwrap()])
        .unwrap();
    // With this version, the substituted state is used: it passes every
    // check (its bytes match their checksum, and the covered event is
    // this store's). So what follows shows it unused, not merely harmless.
    conn.execute_batch(
        "UPDATE snapshots SET (state, checksum) =
             (SELECT state, checksum FROM other.snapshots)",
    )
    .unwrap();
    drop(conn);
    let poisoned = Store::open_read_only(&path).unwrap();
    assert_eq!(poisoned.loaded_snapshot(), Some(seq));
    assert_ne!(poisoned.state(), &live, "the substituted state is used");
    drop(poisoned);
    for change in [
        format!("UPDATE snapshots SET format = {}", SNAPSHOT_FORMAT + 1),
        format!(
            "UPDATE snapshots SET format = {SNAPSHOT_FORMAT}, event_version = {}",
            EVENT_VERSION + 1
        ),
        format!("UPDATE snapshots SET event_version = {}", EVENT_VERSION - 1),
    ] {
        sql(&path, &change);
        for s in [
            Store::open_read_only(&path).unwrap(),
            Store::open(&path).unwrap(),
        ] {
            assert_eq!(s.loaded_snapshot(), None, "{change}");
            assert_eq!(s.state(), &live, "{change}");
        }
    }
    // A writer replaces it with one of its own version.
    let mut w = Store::open(&path).unwrap();
    assert_eq!(w.write_snapshot().unwrap(), Some(seq));
    drop(w);
    assert_eq!(snapshot_count(&path), 1);
    let s = Store::open_read_only(&path).unwrap();
    assert_eq!((s.loaded_snapshot(), s.state()), (Some(seq), &live));
}

/// Every way a snapshot can be damaged or stale is ignored: a full
/// replay, the same state, never an error.
#[test]
fn a_corrupt_or_inconsistent_snapshot_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let live = scripted_store(&path);
    let good: (Vec<u8>, i64, i64, String) = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT state, checksum, seq, event_digest FROM snapshots",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let (bytes, _, seq, _) = good.clone();
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x20;
    let truncated = bytes[..bytes.len() - 1].to_vec();
    let garbage = vec![0xff; 64];
    let mut trailing = bytes.clone();
    trailing.push(0);
    let with_checksum = |b: &[u8]| (b.to_vec(), i64::from(crc32fast::hash(b)));
    let cases: Vec<(&str, Vec<u8>, i64, i64, String)> = vec![
        ("a flipped byte", flipped, good.1, seq, good.3.clone()),
        ("cut short", truncated.clone(), good.1, seq, good.3.clone()),
        // Bytes whose checksum matches but that do not decode.
        {
            let (b, c) = with_checksum(&truncated);
            ("cut short, checksum matching", b, c, seq, good.3.clone())
        },
        {
            let (b, c) = with_checksum(&garbage);
            ("garbage, checksum matching", b, c, seq, good.3.clone())
        },
        {
            let (b, c) = with_checksum(&trailing);
            ("trailing bytes", b, c, seq, good.3.clone())
        },
        {
            let (b, c) = with_checksum(&[]);
            ("empty", b, c, seq, good.3.clone())
        },
        (
            "beyond the last event",
            bytes.clone(),
            good.1,
            seq + 1,
            good.3.clone(),
        ),
        (
            "covering an event with other text",
            bytes.clone(),
            good.1,
            seq,
            "0".repeat(64),
        ),
        (
            "covering an earlier event",
            bytes.clone(),
            good.1,
            seq - 1,
            good.3.clone(),
        ),
    ];
    for (what, state, checksum, at, digest) in cases {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE snapshots SET state = ?1, checksum = ?2, seq = ?3, event_digest = ?4",
            rusqlite::params![state, checksum, at, digest],
        )
        .unwrap();
        drop(conn);
        for s in [
            Store::open_read_only(&path).unwrap(),
            Store::open(&path).unwrap(),
        ] {
            assert_eq!(s.loaded_snapshot(), None, "{what}");
            assert_eq!(s.state(), &live, "{what}");
        }
    }
    // A `snapshots` table of another shape is no snapshot either.
    sql(&path, "DROP TABLE snapshots; CREATE TABLE snapshots (x)");
    let s = Store::open_read_only(&path).unwrap();
    assert_eq!((s.loaded_snapshot(), s.state()), (None, &live));
}

/// Rule 7: a read-only open never writes, even when a snapshot is due or
/// the store has no snapshot table (as one written by 0.1).
#[test]
fn read_only_opening_never_writes_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let policy = SnapshotPolicy {
        min_events: 1,
        fraction_per_mille: 0,
    };
    {
        let mut s = Store::open(&path).unwrap();
        setup(&mut s);
    }
    // What was written besides the main file: SQLite's read-only WAL
    // reader leaves an empty `-wal` (and the `-shm` index) beside it.
    let wal_bytes =
        |p: &Path| std::fs::metadata(p.with_extension("sqlite-wal")).map_or(0, |m| m.len());
    for no_table in [false, true] {
        if no_table {
            sql(&path, "DROP TABLE snapshots");
        }
        let before = std::fs::read(&path).unwrap();
        assert_eq!(wal_bytes(&path), 0);
        let mut ro = Store::open_read_only(&path)
            .unwrap()
            .with_snapshot_policy(policy);
        assert_eq!(ro.loaded_snapshot(), None);
        assert_eq!(ro.state().orgs.len(), 3);
        assert!(matches!(ro.snapshot_if_due(), Err(StoreError::ReadOnly)));
        assert!(matches!(ro.write_snapshot(), Err(StoreError::ReadOnly)));
        drop(ro);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "no_table: {no_table}"
        );
        assert_eq!(wal_bytes(&path), 0, "no_table: {no_table}");
    }
    // A writer creates the table, and writes a snapshot when due.
    let mut w = Store::open(&path).unwrap().with_snapshot_policy(policy);
    assert_eq!(snapshot_count(&path), 0);
    assert_eq!(w.snapshot_if_due().unwrap(), Some(SETUP.len() as i64));
    assert_eq!(w.snapshot_if_due().unwrap(), None, "nothing new");
}

#[test]
fn snapshots_are_written_when_the_policy_says() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let mut s = Store::open(&path)
        .unwrap()
        .with_snapshot_policy(SnapshotPolicy {
            min_events: 4,
            fraction_per_mille: 500,
        });
    setup(&mut s); // 6 events
    assert_eq!(s.snapshot_if_due().unwrap(), Some(6));
    // Due again after max(4, 50% of 6) = 4 more events.
    let logins = |n: usize| -> Vec<Request> {
        (0..n)
            .map(|_| req(HOST, r#"{"type":"record_login","user":"alice"}"#))
            .collect()
    };
    s.run_batch(&logins(3)).unwrap();
    assert_eq!(s.snapshot_if_due().unwrap(), None);
    s.run_batch(&logins(1)).unwrap();
    assert_eq!(s.snapshot_if_due().unwrap(), Some(10));
    // Then after max(4, 50% of 10) = 5.
    s.run_batch(&logins(4)).unwrap();
    assert_eq!(s.snapshot_if_due().unwrap(), None);
    s.run_batch(&logins(1)).unwrap();
    assert_eq!(s.snapshot_if_due().unwrap(), Some(15));
    assert_eq!(snapshot_count(&path), 1, "older snapshots are replaced");
    // The default writes none for a small store.
    let mut d = Store::open(&path).unwrap();
    d.run_batch(&logins(100)).unwrap();
    assert_eq!(d.snapshot_if_due().unwrap(), None);
}

/// Two writers append and snapshot in turn, each from its own connection:
/// no event is lost, and every opening (from the newest snapshot and the
/// events after it) equals a full replay.
#[test]
fn concurrent_writers_stay_correct() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    {
        let mut s = Store::open(&path).unwrap();
        setup(&mut s);
    }
    let policy = SnapshotPolicy {
        min_events: 3,
        fraction_per_mille: 100,
    };
    let rounds = 40;
    std::thread::scope(|scope| {
        for (w, user) in [("a", "alice"), ("b", "bob")] {
            let path = &path;
            scope.spawn(move || {
                let mut s = Store::open(path).unwrap().with_snapshot_policy(policy);
                for r in 0..rounds {
                    let plan = format!("{w}{r}");
                    let batch = [
                        req(user, &format!(r#"{{"type":"create_plan","plan":"{plan}","vendor":"pay","assignee":"victor","title":"t","target":{{"grade":"B"}},"due":"2026-12-01T00:00:00Z"}}"#)),
                        req(user, &format!(r#"{{"type":"add_plan_item","plan":"{plan}","item":"i","issue":"spf_missing","asset":"pay.example"}}"#)),
                    ];
                    let resp = s.run_batch(&batch).unwrap();
                    assert!(resp.iter().all(Response::is_ok), "{resp:?}");
                    if r % 7 == 3 {
                        s.write_snapshot().unwrap();
                    } else {
                        s.snapshot_if_due().unwrap();
                    }
                    // A reader meanwhile sees a consistent state.
                    let ro = Store::open_read_only(path).unwrap();
                    assert_eq!(ro.state(), &full_replay_upto(path, ro.state()));
                }
            });
        }
    });
    let full = full_replay(&path);
    assert_eq!(full.plans.len(), 2 * rounds);
    assert!(full.plans.iter().all(|(_, _, p)| p.items.len() == 1));
    for s in [
        Store::open_read_only(&path).unwrap(),
        Store::open(&path).unwrap(),
    ] {
        assert!(s.loaded_snapshot().is_some());
        assert_eq!(s.state(), &full);
    }
}

/// The full replay of the events a state folds (the ones up to as many
/// plans as it has; the writers only add plans and their items).
fn full_replay_upto(path: &Path, seen: &State) -> State {
    let mut state = State::default();
    let mut events = Store::open_read_only(path)
        .unwrap()
        .events()
        .unwrap()
        .into_iter();
    while state != *seen {
        match events.next() {
            Some(e) => apply(&mut state, &e),
            None => break,
        }
    }
    state
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random scripts in random batches, with snapshots written at random
    /// points (forced, or by a random policy): reopening (from the newest
    /// snapshot and the events after it), read-only or for writing, equals
    /// the live state and a full replay; and so does a reopening with the
    /// snapshots deleted.
    #[test]
    fn a_store_opened_from_a_snapshot_equals_a_full_replay(
        steps in proptest::collection::vec((0usize..SCRIPT.len(), any::<bool>(), 0u8..3), 0..50),
        batch in 1usize..6,
        min_events in 1u64..8,
        fraction_per_mille in 0u64..600,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path)
            .unwrap()
            .with_snapshot_policy(SnapshotPolicy { min_events, fraction_per_mille });
        setup(&mut store);
        let mut newest = None;
        for chunk in steps.chunks(batch) {
            let requests: Vec<Request> = chunk.iter().map(|(i, b, _)| step(*i, *b)).collect();
            store.run_batch(&requests).unwrap();
            let written = match chunk.last().map(|c| c.2) {
                Some(1) => store.snapshot_if_due().unwrap(),
                Some(2) => store.write_snapshot().unwrap(),
                _ => None,
            };
            newest = written.or(newest);
        }
        let live = store.state().clone();
        drop(store);
        prop_assert_eq!(&full_replay(&path), &live);
        for s in [Store::open_read_only(&path).unwrap(), Store::open(&path).unwrap()] {
            prop_assert_eq!(s.loaded_snapshot(), newest);
            prop_assert_eq!(s.state(), &live);
        }
        sql(&path, "DELETE FROM snapshots");
        let s = Store::open_read_only(&path).unwrap();
        prop_assert_eq!(s.loaded_snapshot(), None);
        prop_assert_eq!(s.state(), &live);
    }
}
