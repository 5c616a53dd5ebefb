//! The one writer: a thread that owns the store's writes. Handlers send it
//! commands; it takes every command already waiting (up to
//! [`MAX_BATCH`]) and runs them as one transaction (group commit) with
//! their e-mails written to the outbox, and answers each only after the
//! commit. Rescan requests go to the rescan worker after the commit.

use crate::outbox;
use posture_core::Timestamp;
use posture_plan::{Command, Effect, Request, Response, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, mpsc, oneshot};

/// Largest group commit.
pub(crate) const MAX_BATCH: usize = 512;

/// One command for the writer, and where to send its response.
pub(crate) struct Job {
    pub(crate) actor: String,
    pub(crate) command: Command,
    pub(crate) reply: oneshot::Sender<Result<Response, String>>,
}

pub(crate) enum Msg {
    Run(Box<Job>),
    /// Finish what was sent before, then stop.
    Stop,
}

/// Commits and commands, for the closing note of a run.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed.
    pub commits: AtomicU64,
    /// Commands answered.
    pub commands: AtomicU64,
    /// The largest group commit.
    pub largest: AtomicU64,
}

/// Runs the writer until [`Msg::Stop`] (or every sender is gone).
pub(crate) fn run(
    store: Arc<Mutex<Store>>,
    mut rx: mpsc::Receiver<Msg>,
    rescans: mpsc::UnboundedSender<Effect>,
    stats: Arc<WriterStats>,
) {
    let mut stop = false;
    while !stop {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut jobs = Vec::new();
        match first {
            Msg::Run(j) => jobs.push(*j),
            Msg::Stop => break,
        }
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Run(j)) => jobs.push(*j),
                Ok(Msg::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let at = Timestamp::now();
        let requests: Vec<Request> = jobs
            .iter()
            .map(|j| Request::new(j.actor.clone(), at, j.command.clone()))
            .collect();
        let mut guard = store.blocking_lock();
        let result = guard.run_batch_with(&requests, |conn, responses| {
            outbox::write(conn, at, &requests, responses)
        });
        match result {
            Ok(responses) => {
                stats.commits.fetch_add(1, Ordering::Relaxed);
                stats
                    .commands
                    .fetch_add(responses.len() as u64, Ordering::Relaxed);
                stats
                    .largest
                    .fetch_max(responses.len() as u64, Ordering::Relaxed);
                for (job, resp) in jobs.into_iter().zip(responses) {
                    if let Response::Ok { effects, .. } = &resp {
                        for e in effects {
                            if matches!(e, Effect::Rescan { .. }) {
                                let _ = rescans.send(e.clone());
                            }
                        }
                    }
                    let _ = job.reply.send(Ok(resp));
                }
                // The responses are out: a snapshot if one is due. It is
                // derived data; failing to write one loses nothing.
                if let Err(e) = guard.snapshot_if_due() {
                    eprintln!(
                        "posture: warning: {}",
                        posture_core::escape_controls(&format!("no snapshot written: {e}"))
                    );
                }
            }
            Err(e) => {
                let message = e.to_string();
                eprintln!(
                    "posture: error: {}",
                    posture_core::escape_controls(&format!("a group commit failed: {message}"))
                );
                for job in jobs {
                    let _ = job.reply.send(Err(message.clone()));
                }
            }
        }
    }
}
