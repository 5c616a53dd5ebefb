//! Progress on a terminal: one status line on standard error, redrawn in
//! place, only when standard error is a terminal (never in a pipe or a
//! file, and never on standard output).

use posture_signals::QueryCounts;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a run stays quiet before the line appears (quick runs never
/// show one).
const QUIET: Duration = Duration::from_millis(300);

/// How often the line is redrawn.
const EVERY: Duration = Duration::from_millis(200);

/// A status line redrawn on standard error until finished.
#[derive(Debug)]
pub struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Redraws `line(elapsed)` every 200 ms once the run has taken 300 ms,
    /// when standard error is a terminal; otherwise does nothing.
    pub fn start(line: impl Fn(Duration) -> String + Send + 'static) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Ticker { stop, thread: None };
        }
        let started = Instant::now();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("posture-progress".into())
            .spawn(move || {
                let mut shown = false;
                let mut next = started + QUIET;
                loop {
                    let now = Instant::now();
                    if now < next {
                        std::thread::park_timeout(next - now);
                    }
                    if flag.load(Ordering::Relaxed) {
                        break;
                    }
                    if Instant::now() < next {
                        continue;
                    }
                    next += EVERY;
                    let width = terminal_size::terminal_size_of(std::io::stderr())
                        .map_or(80, |(w, _)| usize::from(w.0));
                    // One column short of the edge: a line that fills the
                    // width would wrap, and `\r` would no longer redraw it.
                    let text: String = line(started.elapsed())
                        .chars()
                        .take(width.saturating_sub(1))
                        .collect();
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r{text}\x1b[K");
                    let _ = err.flush();
                    shown = true;
                }
                if shown {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[K");
                    let _ = err.flush();
                }
            })
            .ok();
        Ticker { stop, thread }
    }

    /// Stops redrawing and clears the line.
    pub fn finish(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Seconds for people: `4.2 s`.
fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// The status line of a scan or a rescan: `done`/`total` `what`, the time
/// against the deadline, and the DNS counts.
pub fn line(
    verb: &str,
    done: usize,
    total: usize,
    what: &str,
    elapsed: Duration,
    deadline: Duration,
    dns: QueryCounts,
) -> String {
    format!(
        "{verb} {done}/{total} {what} · {} of {} deadline · DNS {} sent, {} answered, {} timed out",
        seconds(elapsed),
        seconds(deadline),
        dns.sent,
        dns.answered,
        dns.timed_out
    )
}

/// Warns on standard error, terminal or not, about every resolver that
/// answered none of the queries sent to it: it may be down, filtered or
/// the wrong address, and every DNS check it served is inconclusive.
pub fn warn_silent_resolvers(resolvers: &[posture_signals::ResolverCounts]) {
    for r in resolvers {
        if r.queries.sent > 0 && r.queries.answered == 0 {
            eprintln!(
                "posture: warning: 0 of {} queries answered by {}",
                r.queries.sent, r.server
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_what_is_done_the_time_and_the_dns_counts() {
        let l = line(
            "scanning",
            3,
            10,
            "targets",
            Duration::from_millis(4200),
            Duration::from_secs(60),
            QueryCounts::default(),
        );
        assert_eq!(
            l,
            "scanning 3/10 targets · 4.2 s of 60.0 s deadline · DNS 0 sent, 0 answered, 0 timed out"
        );
    }
}
