//! `posture workflow --store FILE rescan`: the host answers pending
//! rescans. Each pending item is handled on its own: it is checked against
//! its vendor's footprint (nothing outside it is ever probed), scanned for
//! its issue only, and recorded with `record_rescan`; an item that cannot
//! be rescanned is reported in its line and the others proceed.

use super::{open_write, store_error};
use crate::error::CliError;
use crate::progress::Ticker;
use posture::host::{HostError, Scanner};
use posture_core::{Outcome, Timestamp};
use posture_plan::{Command, Effect, ItemStatus, Org, Request, Response, Store};
use posture_signals::Progress;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Why an item was not (fully) rescanned.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RescanProblem {
    /// `outside_footprint`, `unknown_vendor`, `deadline`, `internal`, or a
    /// scan error's code (`bad_target`, `dns_setup`, ...).
    pub code: String,
    /// What happened.
    pub message: String,
}

/// One pending rescan the host handled.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RescanLine {
    /// The plan's requesting organisation.
    pub requester: String,
    /// Plan (address it as `requester/plan`).
    pub plan: String,
    /// Item.
    pub item: String,
    /// Issue type rescanned.
    pub issue: String,
    /// Asset rescanned.
    pub asset: String,
    /// What the collector saw (absent when the item was not scanned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The store's answer to `record_rescan` (absent when nothing was
    /// recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
    /// Why the item was not scanned, or scanned only in part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RescanProblem>,
}

fn problem(code: &str, message: impl Into<String>) -> RescanProblem {
    RescanProblem {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Item rescans in flight at once.
const PARALLEL_ITEMS: usize = 8;

/// Runs every pending rescan in `store` through the host API
/// ([`posture::host::Scanner::rescan`]) on `rt` and records each outcome as
/// the host: clean verifies, detected reopens, inconclusive leaves the item
/// pending. Each item is checked against its vendor's footprint and scanned
/// alone, for its issue only. `deadline` bounds the whole run: an item not
/// done by then is inconclusive.
///
/// # Errors
/// Only store failures; an item's problem is reported in its line.
pub fn run_rescans(
    rt: &tokio::runtime::Runtime,
    store: &mut Store,
    store_path: &Path,
    scanner: &Scanner,
    deadline: Option<Duration>,
) -> Result<Vec<RescanLine>, CliError> {
    run_rescans_with(
        rt,
        store,
        store_path,
        scanner,
        deadline,
        &RescanProgress::default(),
    )
}

/// How far a run of rescans got: items done out of pending, and the DNS
/// counts of every item's scan (see [`Progress`]).
#[derive(Debug, Default)]
pub struct RescanProgress {
    /// Items handled (rescanned, or found unscannable).
    pub done: Arc<AtomicUsize>,
    /// Items pending when the run started.
    pub total: AtomicUsize,
    /// The items' scans.
    pub scans: Arc<Progress>,
}

/// [`run_rescans`], reporting to `progress`.
///
/// # Errors
/// As [`run_rescans`].
pub fn run_rescans_with(
    rt: &tokio::runtime::Runtime,
    store: &mut Store,
    store_path: &Path,
    scanner: &Scanner,
    deadline: Option<Duration>,
    progress: &RescanProgress,
) -> Result<Vec<RescanLine>, CliError> {
    let pending: Vec<(Effect, Option<Org>)> = store
        .state()
        .plans
        .iter()
        .flat_map(|(org, id, p)| {
            let vendor = store.state().orgs.get(&p.vendor).cloned();
            p.items
                .iter()
                .filter(|i| i.status == ItemStatus::PendingRescan)
                .filter_map(move |i| {
                    Some((
                        Effect::Rescan {
                            requester: org.to_owned(),
                            plan: id.to_owned(),
                            item: i.item.to_string(),
                            vendor: p.vendor.clone(),
                            issue: i.issue.as_deref()?.to_owned(),
                            asset: i.asset.as_deref()?.to_owned(),
                        },
                        vendor.clone(),
                    ))
                })
        })
        .collect();
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    progress.total.store(pending.len(), Ordering::Relaxed);
    let deadline = deadline.unwrap_or(scanner.config.policy.deadline);
    let stop_at = tokio::time::Instant::now() + deadline;
    let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL_ITEMS));
    let mut lines: Vec<RescanLine> = Vec::with_capacity(pending.len());
    let mut handles = Vec::with_capacity(pending.len());
    for (effect, vendor) in pending {
        let Effect::Rescan {
            requester,
            plan,
            item,
            issue,
            asset,
            vendor: vendor_id,
        } = &effect
        else {
            continue;
        };
        lines.push(RescanLine {
            requester: requester.clone(),
            plan: plan.clone(),
            item: item.clone(),
            issue: issue.clone(),
            asset: asset.clone(),
            outcome: None,
            response: None,
            error: None,
        });
        let Some(vendor) = vendor else {
            if let Some(l) = lines.last_mut() {
                l.error = Some(problem(
                    "unknown_vendor",
                    format!("no organisation `{}`", posture_core::echo(vendor_id)),
                ));
            }
            handles.push(None);
            progress.done.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let (mut s, limit) = (scanner.clone(), limit.clone());
        let (done, scans) = (progress.done.clone(), progress.scans.clone());
        handles.push(Some(rt.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let left = stop_at.saturating_duration_since(tokio::time::Instant::now());
            s.config.policy.deadline = s.config.policy.deadline.min(left);
            let answer = s.rescan_with_progress(&effect, &vendor, scans).await;
            done.fetch_add(1, Ordering::Relaxed);
            answer
        })));
    }
    // Wait for each item (the scan's own deadline ends it; a second of
    // grace covers its bookkeeping). A panic is that item's internal error.
    let grace = stop_at + Duration::from_secs(1);
    let mut requests = Vec::new();
    let mut recorded = Vec::new();
    let now = Timestamp(chrono::Utc::now());
    for (i, handle) in handles.into_iter().enumerate() {
        let Some(handle) = handle else { continue };
        let abort = handle.abort_handle();
        let joined = rt.block_on(async { tokio::time::timeout_at(grace, handle).await });
        let (outcome, command, error) = match joined {
            Ok(Ok(Ok(answer))) => (Some(answer.outcome), Some(answer.command), None),
            Ok(Ok(Err(HostError::OutsideFootprint(m)))) => {
                (None, None, Some(problem("outside_footprint", m)))
            }
            Ok(Ok(Err(e))) => (
                Some(Outcome::Inconclusive),
                None,
                Some(problem(e.code(), e.to_string())),
            ),
            Ok(Err(join)) => (
                Some(Outcome::Inconclusive),
                None,
                Some(problem(
                    "internal",
                    format!("the rescan task failed: {join}"),
                )),
            ),
            Err(_) => {
                abort.abort();
                (
                    Some(Outcome::Inconclusive),
                    None,
                    Some(problem(
                        "deadline",
                        format!("not finished within {} ms", deadline.as_millis()),
                    )),
                )
            }
        };
        let Some(line) = lines.get_mut(i) else {
            continue;
        };
        line.outcome = outcome;
        line.error = error;
        if let Some(outcome) = outcome {
            let command = command.unwrap_or_else(|| {
                Command::record_rescan(
                    format!("{}/{}", line.requester, line.plan),
                    &line.item,
                    outcome,
                )
            });
            requests.push(Request {
                actor: posture_plan::HOST.to_owned(),
                at: now,
                command,
            });
            recorded.push(i);
        }
    }
    let responses = store
        .run_batch(&requests)
        .map_err(|e| store_error(store_path, &e))?;
    for (i, r) in recorded.into_iter().zip(responses) {
        if let Some(l) = lines.get_mut(i) {
            l.response = Some(r);
        }
    }
    Ok(lines)
}

/// `posture workflow --store FILE rescan`: runs every pending rescan and
/// records the outcomes as the host. Prints one line per pending item.
pub fn rescan(
    store_path: &Path,
    catalog: Arc<posture::Catalog>,
    nameserver: Option<std::net::SocketAddr>,
    timeout_ms: Option<u64>,
    deadline_ms: Option<u64>,
    ports: Option<&str>,
    web: &crate::scan_cmd::WebOptions,
) -> Result<String, CliError> {
    let mut scanner = Scanner::default();
    web.apply(&mut scanner.config)?;
    scanner
        .config
        .validate()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(p) = ports {
        let (ports, rules) =
            posture::host::parse_ports(p).map_err(|e| CliError::Usage(format!("--ports: {e}")))?;
        scanner = scanner.with_ports(ports, rules);
    }
    if !store_path.is_file() {
        return Err(CliError::Io {
            path: store_path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such event store"),
        });
    }
    let mut store = open_write(store_path, catalog.clone())?;
    scanner.catalog = catalog;
    scanner.config.policy.nameserver = nameserver;
    if let Some(ms) = timeout_ms {
        scanner.config.policy.timeout = Duration::from_millis(ms.max(1));
    }
    let deadline = deadline_ms.map(|ms| Duration::from_millis(ms.max(1)));
    let rt = crate::scan_cmd::runtime()?;
    let progress = Arc::new(RescanProgress::default());
    let ticker = {
        let progress = progress.clone();
        let deadline = deadline.unwrap_or(scanner.config.policy.deadline);
        Ticker::start(move |elapsed| {
            crate::progress::line(
                "rescanning",
                progress.done.load(Ordering::Relaxed),
                progress.total.load(Ordering::Relaxed),
                "items",
                elapsed,
                deadline,
                progress.scans.queries(),
            )
        })
    };
    let lines = run_rescans_with(&rt, &mut store, store_path, &scanner, deadline, &progress);
    ticker.finish();
    let lines = lines?;
    crate::progress::warn_silent_resolvers(&progress.scans.resolvers());
    if lines.is_empty() {
        eprintln!("posture: no rescans pending");
    }
    let mut out = String::new();
    for l in &lines {
        out.push_str(&serde_json::to_string(l)?);
        out.push('\n');
    }
    Ok(out)
}
