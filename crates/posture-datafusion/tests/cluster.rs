//! A Ballista cluster of `posture-ballista` processes on loopback: a
//! scheduler and an executor started by the test, `posture batch` run on it
//! through `df://`, the result compared byte for byte with local
//! DataFusion; and a client whose catalog differs from the executors' is
//! refused before anything is scored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use posture::{Catalog, ModelConfig};
use posture_datafusion::Scoring;
use posture_datafusion::batch::{self, BatchError, Cluster, Options};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the processes when the test ends, however it ends.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "port {port} never opened");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn cluster() -> (Processes, String) {
    let bin = env!("CARGO_BIN_EXE_posture-ballista");
    let (sched, flight, grpc) = (free_port(), free_port(), free_port());
    let work = tempfile::tempdir().unwrap().keep();
    let scheduler = Command::new(bin)
        .args(["scheduler", "--bind", &format!("127.0.0.1:{sched}")])
        .args(["--external-host", "127.0.0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut p = Processes(vec![scheduler]);
    wait_for(sched);
    let executor = Command::new(bin)
        .args(["executor", "--scheduler", &format!("127.0.0.1:{sched}")])
        .args(["--bind", &format!("127.0.0.1:{flight}")])
        .args(["--grpc-port", &grpc.to_string()])
        .args(["--external-host", "127.0.0.1", "--task-slots", "2"])
        .arg("--work-dir")
        .arg(&work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    p.0.push(executor);
    wait_for(flight);
    (p, format!("df://127.0.0.1:{sched}"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_remote_cluster_gives_the_bytes_local_datafusion_gives() {
    let catalog = Catalog::builtin();
    let docs: Vec<_> = (0..20)
        .map(|i| {
            let findings: Vec<_> = (0..(i % 7))
                .map(|k| (k * 3 + i, k + i, (k as i64) * 20 - 2, k % 4))
                .collect();
            let mut d =
                posture_tests::generate::document(&catalog, 1 + i % 3, &findings, &[], i % 2 == 0);
            d.organization = format!("org-{i:02}");
            d
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let inputs = support::parquet_tables(dir.path(), &docs);
    let local = dir.path().join("local.parquet");
    runtime()
        .block_on(batch::score(
            Scoring::default(),
            &inputs,
            &local,
            &Options::with_threads(2),
        ))
        .unwrap();
    assert_eq!(support::read(&local), support::embedded(&docs, &catalog));

    let (_processes, url) = cluster();
    let mut options = Options::with_threads(2);
    options.cluster = url.parse::<Cluster>().unwrap();
    let remote = dir.path().join("remote.parquet");
    // The executor registers with the scheduler shortly after it listens.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match runtime().block_on(batch::score(Scoring::default(), &inputs, &remote, &options)) {
            Ok(_) => break,
            Err(e) if Instant::now() < deadline => {
                eprintln!("retrying: {e}");
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(
        std::fs::read(&local).unwrap(),
        std::fs::read(&remote).unwrap()
    );

    // The aggregate form on the cluster: its partial states travel between
    // the executor's tasks.
    let rows = runtime().block_on(async {
        let ctx = batch::session(Scoring::default(), &options).await.unwrap();
        support::register_tables(&ctx, &inputs).await;
        let batches = ctx
            .sql(support::AGGREGATE_SQL)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        support::struct_rows(&batches)
    });
    assert_eq!(rows, support::embedded(&docs, &catalog));

    // A client scoring with another catalog is refused: the executors
    // would score with theirs.
    let other = std::sync::Arc::new(
        Catalog::from_issues("other".into(), None, catalog.issues().to_vec()).unwrap(),
    );
    let scoring = Scoring::new(other, &ModelConfig::default()).unwrap();
    let refused = dir.path().join("refused.parquet");
    match runtime().block_on(batch::score(scoring, &inputs, &refused, &options)) {
        Err(e @ BatchError::Usage(_)) => {
            assert!(e.to_string().contains("--catalog"), "{e}");
            assert_eq!(e.exit_code(), 2);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!refused.exists());
}
