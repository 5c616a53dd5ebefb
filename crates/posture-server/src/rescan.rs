//! The rescan worker: answers every `Effect::Rescan` with the host API
//! ([`posture::host::Scanner::rescan`]: the item's asset checked against
//! its vendor's footprint, then only the check that raises its issue)
//! under the server's scan policy, a bounded number at a time, each within
//! the policy's deadline, and records the outcome with `record_rescan` as
//! the host actor. At start it also takes every item already pending.
//!
//! An item whose rescan fails or runs out of time is recorded as
//! inconclusive (which changes nothing: it stays pending) and is rescanned
//! again later: after the retry delay, then after twice that, and so on up
//! to 64 times the delay between attempts, until a rescan concludes. An
//! asset outside the footprint is reported and nothing is sent. Items
//! still being rescanned or waiting for a retry at shutdown stay pending,
//! and are taken again at the next start.

use crate::app::App;
use posture::host::{HostError, Scanner};
use posture_core::Outcome;
use posture_plan::{Command, Effect, HOST, ItemStatus, Org, Response};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

type ItemKey = (String, String, String);

fn key(e: &Effect) -> Option<ItemKey> {
    match e {
        Effect::Rescan {
            requester,
            plan,
            item,
            ..
        } => Some((requester.clone(), plan.clone(), item.clone())),
        _ => None,
    }
}

/// Every item pending a rescan in the store, as the effect that asks for
/// it.
pub(crate) fn pending(state: &posture_plan::State) -> Vec<Effect> {
    state
        .plans
        .iter()
        .flat_map(|(org, id, p)| {
            p.items
                .iter()
                .filter(|i| i.status == ItemStatus::PendingRescan)
                .filter_map(move |i| {
                    Some(Effect::Rescan {
                        requester: org.to_owned(),
                        plan: id.to_owned(),
                        item: i.item.to_string(),
                        vendor: p.vendor.clone(),
                        issue: i.issue.as_deref()?.to_owned(),
                        asset: i.asset.as_deref()?.to_owned(),
                    })
                })
        })
        .collect()
}

/// The item's vendor, if the item is still pending a rescan.
async fn still_pending(app: &App, e: &Effect) -> Option<Org> {
    let Effect::Rescan {
        requester,
        plan,
        item,
        vendor,
        ..
    } = e
    else {
        return None;
    };
    let store = app.store.lock().await;
    let state = store.state();
    let p = state.plans.get(requester, plan)?;
    let pending = p
        .items
        .iter()
        .any(|i| i.item.as_str() == item && i.status == ItemStatus::PendingRescan);
    pending.then(|| state.orgs.get(vendor).cloned()).flatten()
}

fn describe(e: &Effect) -> String {
    match e {
        Effect::Rescan {
            requester,
            plan,
            item,
            issue,
            asset,
            ..
        } => posture_core::escape_controls(&format!(
            "{requester}/{plan} item {item}: {issue} on {asset}"
        )),
        _ => String::new(),
    }
}

/// The longest wait between two attempts, in retry delays.
const MAX_BACKOFF: u32 = 64;

/// Rescans one item and records its outcome. Returns whether the item is
/// settled for the worker: it is no longer pending, its rescan concluded,
/// or it cannot be rescanned (outside the footprint); `false` when the
/// rescan was inconclusive and is worth another attempt.
async fn one(app: &App, scanner: &Scanner, effect: &Effect) -> bool {
    let Some(vendor) = still_pending(app, effect).await else {
        return true;
    };
    let deadline = scanner.config.policy.deadline;
    // The scan ends at its deadline; a second of grace covers the rest.
    let answer = tokio::time::timeout(
        deadline.saturating_add(Duration::from_secs(1)),
        scanner.rescan(effect, &vendor),
    )
    .await;
    let (outcome, command) = match answer {
        Ok(Ok(a)) => (a.outcome, a.command),
        Ok(Err(HostError::OutsideFootprint(m))) => {
            eprintln!(
                "posture: rescan: {}: not sent: {}",
                describe(effect),
                posture_core::escape_controls(&m)
            );
            return true;
        }
        Ok(Err(e)) => {
            eprintln!(
                "posture: rescan: {}: {}",
                describe(effect),
                posture_core::escape_controls(&e.to_string())
            );
            inconclusive(effect)
        }
        Err(_) => {
            eprintln!(
                "posture: rescan: {}: not finished within {} ms",
                describe(effect),
                deadline.as_millis()
            );
            inconclusive(effect)
        }
    };
    let (recorded, settled) = match app.submit(HOST, command).await {
        Ok(Response::Ok { .. }) => ("recorded".to_owned(), outcome != Outcome::Inconclusive),
        // Refused: the item changed meanwhile (no longer pending).
        Ok(Response::Err { error, .. }) => (format!("refused: {error}"), true),
        Err(e) => (format!("not recorded: {e:?}"), false),
    };
    eprintln!(
        "posture: rescan: {}: {} ({})",
        describe(effect),
        outcome_word(outcome),
        posture_core::escape_controls(&recorded)
    );
    settled
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Clean => "clean",
        Outcome::Detected => "detected",
        _ => "inconclusive",
    }
}

fn inconclusive(e: &Effect) -> (Outcome, Command) {
    let (requester, plan, item) = key(e).unwrap_or_default();
    (
        Outcome::Inconclusive,
        Command::record_rescan(format!("{requester}/{plan}"), item, Outcome::Inconclusive),
    )
}

/// Runs the worker until `stop` turns true: then the rescans in flight,
/// and those waiting for a retry, are abandoned (their items stay
/// pending). A rescan that was inconclusive is tried again after `retry`,
/// then after twice that, up to [`MAX_BACKOFF`] times `retry`.
pub(crate) async fn run(
    app: Arc<App>,
    scanner: Scanner,
    parallel: usize,
    retry: Duration,
    mut rx: mpsc::UnboundedReceiver<Effect>,
    mut stop: watch::Receiver<bool>,
) {
    let scanner = Arc::new(scanner);
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let in_flight: Arc<Mutex<HashSet<ItemKey>>> = Arc::default();
    let mut tasks = JoinSet::new();
    loop {
        let effect = tokio::select! {
            _ = stop.changed() => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            e = rx.recv() => match e {
                Some(e) => e,
                None => break,
            },
        };
        let Some(k) = key(&effect) else { continue };
        let fresh = in_flight
            .lock()
            .map(|mut s| s.insert(k.clone()))
            .unwrap_or(false);
        if !fresh {
            continue;
        }
        let (app, scanner, permits, in_flight) = (
            app.clone(),
            scanner.clone(),
            permits.clone(),
            in_flight.clone(),
        );
        tasks.spawn(async move {
            let mut wait = retry;
            loop {
                // The permit is held for the rescan only, not the wait.
                let settled = match permits.clone().acquire_owned().await {
                    Ok(_permit) => one(&app, &scanner, &effect).await,
                    Err(_) => true,
                };
                if settled {
                    break;
                }
                eprintln!(
                    "posture: rescan: {}: trying again in {} ms",
                    describe(&effect),
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
                wait = wait
                    .saturating_mul(2)
                    .min(retry.saturating_mul(MAX_BACKOFF));
            }
            if let Ok(mut s) = in_flight.lock() {
                s.remove(&k);
            }
        });
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}
