//! What the `posture` command's test binaries share: running the binary,
//! and the field names the contracts fix.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod http;
pub mod serve;
pub mod webdriver;

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `posture ARGS`, feeding `stdin` when given.
pub fn posture(args: &[&str], stdin: Option<&str>) -> Output {
    posture_bytes(args, stdin.map_or(&[][..], str::as_bytes))
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The fields of each own domain in a `posture csr` result (contracts).
pub const CSR_DOMAIN_FIELDS: [&str; 5] = ["domain", "score", "fraction", "base_weight", "weight"];

/// The fields of each vendor in a `posture csr` result (contracts).
pub const CSR_VENDOR_FIELDS: [&str; 9] = [
    "id",
    "name",
    "in_use",
    "criticality",
    "raw_score",
    "score",
    "fraction",
    "base_weight",
    "weight",
];

/// Starts a sandbox DNS server on its own runtime thread for CLI tests.
pub fn sandbox(
    world: posture_sandbox::World,
) -> (std::net::SocketAddr, std::sync::mpsc::Sender<()>) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let s = posture_sandbox::DnsSandbox::start(world).await.unwrap();
            addr_tx.send(s.addr()).unwrap();
            tokio::task::spawn_blocking(move || {
                let _ = stop_rx.recv();
            })
            .await
            .unwrap();
            drop(s);
        });
    });
    (addr_rx.recv().unwrap(), stop_tx)
}

/// A change to a running sandbox's world.
pub type WorldChange = Box<dyn FnOnce(&mut posture_sandbox::World) + Send>;

/// Starts a sandbox DNS server on its own runtime thread, whose world the
/// test changes while it runs by sending changes; it stops when the
/// sender is dropped. It listens on 127.0.0.20, away from 127.0.0.1,
/// whose ports the server tests' many client connections take, and from
/// the demo's addresses (127.0.0.2 and up).
pub fn live_sandbox(
    world: posture_sandbox::World,
) -> (std::net::SocketAddr, std::sync::mpsc::Sender<WorldChange>) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (change_tx, change_rx) = std::sync::mpsc::channel::<WorldChange>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let ip = std::net::IpAddr::from([127, 0, 0, 20]);
            let s = std::sync::Arc::new(
                posture_sandbox::DnsSandbox::start_on(ip, world)
                    .await
                    .unwrap(),
            );
            addr_tx.send(s.addr()).unwrap();
            let server = s.clone();
            tokio::task::spawn_blocking(move || {
                while let Ok(change) = change_rx.recv() {
                    server.update(change);
                }
            })
            .await
            .unwrap();
            drop(s);
        });
    });
    (addr_rx.recv().unwrap(), change_tx)
}

/// Runs `posture ARGS` with raw bytes on standard input.
pub fn posture_bytes(args: &[&str], stdin: &[u8]) -> Output {
    posture_env(args, stdin, &[])
}

/// Runs `posture ARGS` with raw bytes on standard input and `env` set.
/// `COLUMNS` is unset unless `env` sets it, so tables are drawn for 80
/// columns (standard output is a pipe) whatever the shell running the tests
/// exports.
pub fn posture_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_posture"))
        .args(args)
        .env_remove("COLUMNS")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut sin = child.stdin.take().unwrap();
        // The command may exit before reading its input (a usage error): a
        // closed pipe is then expected, not a failure.
        if let Err(e) = sin.write_all(stdin) {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe,
                "writing stdin: {e}"
            );
        }
    }
    child.wait_with_output().unwrap()
}

/// NDJSON workflow lines `{"actor", "at", "command"}` at one instant.
pub fn wf_lines(lines: &[(&str, &str)]) -> String {
    lines
        .iter()
        .map(|(actor, cmd)| {
            format!(r#"{{"actor": "{actor}", "at": "2026-11-01T10:00:00Z", "command": {cmd}}}"#)
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
