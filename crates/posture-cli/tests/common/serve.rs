//! Running `posture serve` (or `posture demo --serve`) as a child for the
//! server's tests: the address it printed, its log lines, SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running server.
pub struct Served {
    pub child: Child,
    pub addr: SocketAddr,
    /// What it printed on stdout first (the address line, or the demo's
    /// JSON line).
    pub first_line: String,
    /// Its stderr, line by line.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Served {
    /// Starts `posture ARGS` and waits for its first stdout line, which
    /// names `http://ADDR/`.
    pub fn start(args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_posture"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let stderr = child.stderr.take().unwrap();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line);
                }
            });
        }
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first_line = String::new();
        stdout.read_line(&mut first_line).unwrap();
        // Keep draining stdout so the child never blocks on it.
        std::thread::spawn(move || for _ in stdout.lines() {});
        let start = first_line.find("http://").unwrap_or_else(|| {
            let _ = child.kill();
            panic!(
                "no address in {first_line:?}; stderr: {:?}",
                log.lock().unwrap()
            )
        }) + "http://".len();
        let rest = &first_line[start..];
        let addr: SocketAddr = rest[..rest.find('/').unwrap()].parse().unwrap();
        Served {
            child,
            addr,
            first_line,
            log,
        }
    }

    /// `posture serve --store STORE --listen 127.0.0.1:0 EXTRA`.
    pub fn serve(store: &std::path::Path, extra: &[&str]) -> Served {
        let mut args = vec![
            "serve",
            "--store",
            store.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        Served::start(&args)
    }

    /// Sends SIGTERM with `kill` and waits (at most 60 s) for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                // Let the stderr reader take the last lines.
                std::thread::sleep(Duration::from_millis(200));
                return s;
            }
            assert!(
                Instant::now() < until,
                "the server did not stop within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The log so far, as one text.
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
