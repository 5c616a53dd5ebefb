#![allow(missing_docs)]
//! The workflow store: replaying 1,000,000 events; opening the same store
//! with a snapshot of its state and answering a query, with and without
//! freeing the store, on rayon's pool and on one thread, and reading every
//! item (the same-run baselines are a full replay, and reading the
//! snapshot's bytes alone);
//! writing a snapshot; and durable command throughput with and without
//! group commit (the same-run baseline is one transaction per command).
//!
//! `POSTURE_BENCH_KEEP_STORE=FILE` also keeps the store with its snapshot
//! in FILE, to time `posture workflow query` on it.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use posture_plan::{Command, HOST, Request, Store, query};
use std::hint::black_box;
use std::time::Duration;

fn req(actor: &str, json: &str) -> Request {
    #[allow(clippy::expect_used)]
    let command = serde_json::from_str::<Command>(json).expect("valid command");
    #[allow(clippy::expect_used)]
    let at = "2026-11-01T00:00:00Z".parse().expect("valid time");
    Request {
        actor: actor.into(),
        at,
        command,
    }
}

fn setup() -> Vec<Request> {
    vec![
        req(
            HOST,
            r#"{"type":"register_organization","org":"a","name":"A","domains":[]}"#,
        ),
        req(
            HOST,
            r#"{"type":"register_organization","org":"b","name":"B","domains":["b.example"]}"#,
        ),
        req(
            HOST,
            r#"{"type":"register_user","user":"u","org":"a","name":"U","email":"u@a.example"}"#,
        ),
        req(
            HOST,
            r#"{"type":"register_user","user":"v","org":"b","name":"V","email":"v@b.example"}"#,
        ),
    ]
}

fn plan_commands(from: usize, n: usize) -> Vec<Request> {
    (from..from + n)
        .map(|i| req("u", &format!(r#"{{"type":"add_plan_item","plan":"p{}","item":"i{i}","issue":"spf_missing","asset":"b.example"}}"#, i / 50)))
        .collect()
}

/// Sends every 1000th plan, so that "assigned to `v`" has plans to show.
fn sends(n_plans: usize) -> Vec<Request> {
    (0..n_plans)
        .step_by(1000)
        .map(|p| req("u", &format!(r#"{{"type":"send_plan","plan":"p{p}"}}"#)))
        .collect()
}

fn plans(from: usize, n: usize) -> Vec<Request> {
    (from..from + n)
        .map(|p| req("u", &format!(r#"{{"type":"create_plan","plan":"p{p}","vendor":"b","assignee":"v","title":"t","target":{{"grade":"B"}},"due":"2026-12-01T00:00:00Z"}}"#)))
        .collect()
}

#[allow(clippy::expect_used)]
fn bench(c: &mut Criterion) {
    let events: usize = std::env::var("POSTURE_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");

    // A store of about `events` events: plans of one creation and 50 items.
    let big = dir.path().join("big.sqlite");
    {
        let mut s = Store::open(&big).expect("store");
        s.run_batch(&setup()).expect("setup");
        let n_plans = events / 50;
        for chunk in 0..n_plans.div_ceil(1000) {
            let from = chunk * 1000;
            let k = 1000.min(n_plans - from);
            s.run_batch(&plans(from, k)).expect("plans");
            s.run_batch(&plan_commands(from * 50, k * 50))
                .expect("items");
        }
        s.run_batch(&sends(n_plans)).expect("sends");
    }
    let stored = Store::open(&big)
        .expect("reopen")
        .events()
        .expect("events")
        .len() as u64;
    // Every command above is accepted: the store holds what it claims.
    assert!(
        stored as usize >= events,
        "only {stored} of {events} events were stored: commands were refused"
    );

    let mut g = c.benchmark_group("workflow_replay");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(stored));
    g.bench_function("baseline_read_and_parse_json_values", |b| {
        b.iter(|| {
            let conn = rusqlite_open(&big);
            let mut stmt = conn
                .prepare("SELECT body FROM events ORDER BY seq")
                .expect("prepare");
            let mut n = 0usize;
            let mut rows = stmt.query([]).expect("query");
            while let Some(r) = rows.next().expect("row") {
                let body: String = r.get(0).expect("body");
                let v: serde_json::Value = serde_json::from_str(&body).expect("json");
                n += usize::from(v.is_object());
            }
            black_box(n)
        })
    });
    g.bench_function("open_and_replay_store", |b| {
        b.iter(|| black_box(Store::open(&big).expect("open").state().plans.len()))
    });
    g.finish();

    // The same store with a snapshot covering every event.
    let snap = dir.path().join("snap.sqlite");
    std::fs::copy(&big, &snap).expect("copy");
    let covered = Store::open(&snap)
        .expect("open")
        .write_snapshot()
        .expect("snapshot");
    assert_eq!(
        covered,
        Some(stored as i64),
        "the snapshot covers every event"
    );
    // For timing `posture workflow query` end to end on the same store.
    if let Some(out) = std::env::var_os("POSTURE_BENCH_KEEP_STORE") {
        std::fs::copy(&snap, out).expect("keep the store");
    }
    let at = "2026-11-15T00:00:00Z".parse().expect("valid time");
    let open_and_query = |path: &std::path::Path| {
        let s = Store::open_read_only(path).expect("open");
        let views = query::assigned(s.state(), s.catalog(), "v", at).expect("query");
        assert_eq!(views.len(), sends(events / 50).len(), "the sent plans");
        black_box((s.loaded_snapshot(), views.len()))
    };
    assert!(
        open_and_query(&snap).0.is_some(),
        "opened from the snapshot"
    );
    assert!(open_and_query(&big).0.is_none(), "a full replay");

    let mut g = c.benchmark_group("workflow_open");
    g.sample_size(10);
    // Short: the benchmarks that leave the drop out keep every store of a
    // sample until its end.
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("baseline_open_read_only_replay_and_query", |b| {
        b.iter(|| open_and_query(&big))
    });
    g.bench_function("baseline_read_snapshot_bytes", |b| {
        b.iter(|| {
            let conn = rusqlite_open(&snap);
            let n: usize = conn
                .query_row("SELECT state FROM snapshots", [], |r| {
                    Ok(r.get_ref(0)?.as_blob()?.len())
                })
                .expect("snapshot");
            black_box(n)
        })
    });
    g.bench_function("open_read_only_with_snapshot", |b| {
        b.iter(|| {
            let s = Store::open_read_only(&snap).expect("open");
            black_box((s.loaded_snapshot(), s.state().plans.len()))
        })
    });
    g.bench_function("open_read_only_with_snapshot_and_query", |b| {
        b.iter(|| open_and_query(&snap))
    });
    // What `posture workflow query` does: it exits after answering, so it
    // leaves the state unfreed.
    g.bench_function("open_read_only_with_snapshot_and_query_without_drop", |b| {
        b.iter_with_large_drop(|| {
            let s = Store::open_read_only(&snap).expect("open");
            let views = query::assigned(s.state(), s.catalog(), "v", at).expect("query");
            (s, views)
        })
    });
    // A query that reads every plan's items (here, counting them by
    // status) decodes them all: what the snapshot's lazy items save the
    // others.
    g.bench_function("open_read_only_with_snapshot_and_read_every_item", |b| {
        b.iter(|| {
            let s = Store::open_read_only(&snap).expect("open");
            let verified = s
                .state()
                .plans
                .iter()
                .flat_map(|(_, _, p)| p.items.iter())
                .filter(|i| i.status == posture_plan::ItemStatus::Verified)
                .count();
            black_box(verified)
        })
    });
    // Snapshots decode on rayon's pool; on one thread, for comparison.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    g.bench_function("open_read_only_with_snapshot_and_query_one_thread", |b| {
        b.iter(|| one.install(|| open_and_query(&snap)))
    });
    let mut writer = Store::open(&snap).expect("open");
    g.bench_function("write_snapshot", |b| {
        b.iter(|| {
            // Only a newer snapshot is written: drop the one there first.
            rusqlite_open(&snap)
                .execute("DELETE FROM snapshots", [])
                .expect("delete");
            black_box(writer.write_snapshot().expect("snapshot"))
        })
    });
    g.finish();
    drop(writer);

    let mut g = c.benchmark_group("workflow_durable_commands");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    let mut round = 0usize;
    let small = dir.path().join("small.sqlite");
    let mut s = Store::open(&small).expect("store");
    s.run_batch(&setup()).expect("setup");
    g.bench_function("group_commit_1000_per_transaction", |b| {
        b.iter(|| {
            round += 1;
            black_box(s.run_batch(&plans(round * 1000, 1000)).expect("batch"))
        })
    });
    g.bench_function("baseline_one_transaction_per_command", |b| {
        b.iter(|| {
            round += 1;
            for r in plans(round * 1000, 1000) {
                black_box(s.run_batch(std::slice::from_ref(&r)).expect("one"));
            }
        })
    });
    g.finish();
}

fn rusqlite_open(p: &std::path::Path) -> rusqlite::Connection {
    #[allow(clippy::expect_used)]
    rusqlite::Connection::open(p).expect("open")
}

criterion_group!(benches, bench);
criterion_main!(benches);
