//! `posture workflow --store FILE rescan`: the host answers pending
//! rescans. Each pending item is handled on its own: it is checked against
//! its vendor's footprint (nothing outside it is ever probed), scanned for
//! its issue only, and recorded with `record_rescan`; an item that cannot
//! be rescanned is reported in its line and the others proceed.

use super::{open_write, store_error};
use crate::error::CliError;
use posture_core::{Outcome, Timestamp};
use posture_plan::{Command, ItemStatus, Key, Request, Response, Store, in_footprint};
use posture_signals::{PORT_TABLE, PortCheck, ScanConfig};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
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

struct Pending {
    key: Key,
    item: String,
    issue: String,
    asset: String,
    vendor: String,
}

fn problem(code: &str, message: impl Into<String>) -> RescanProblem {
    RescanProblem {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// The ports that test for `issue`: from `ports` when given (`--ports`),
/// else the built-in table.
fn ports_for(issue: &str, ports: Option<&[PortCheck]>) -> Vec<PortCheck> {
    match ports {
        Some(list) => list.iter().filter(|p| p.issue == issue).cloned().collect(),
        None => PORT_TABLE
            .iter()
            .filter(|(_, i)| *i == issue)
            .map(|(port, issue)| PortCheck {
                port: *port,
                issue: (*issue).to_owned(),
            })
            .collect(),
    }
}

/// Item scans in flight at once.
const PARALLEL_ITEMS: usize = 8;

/// Runs every pending rescan in `store` with the collector on `rt` and
/// records each outcome as the host: clean verifies, detected reopens,
/// inconclusive leaves the item pending. Each item is checked against its
/// vendor's footprint and scanned alone, for its issue only (`ports`
/// replaces the built-in port table when given). `deadline` bounds the
/// whole run: an item not done by then is inconclusive.
///
/// # Errors
/// Only store failures; an item's problem is reported in its line.
pub fn run_rescans(
    rt: &tokio::runtime::Runtime,
    store: &mut Store,
    store_path: &Path,
    config: ScanConfig,
    ports: Option<Vec<PortCheck>>,
    deadline: Option<Duration>,
) -> Result<Vec<RescanLine>, CliError> {
    let pending: Vec<Pending> = store
        .state()
        .plans
        .iter()
        .flat_map(|(org, id, p)| {
            p.items
                .iter()
                .filter(|i| i.status == ItemStatus::PendingRescan)
                .filter_map(move |i| {
                    Some(Pending {
                        key: Key::new(org, id),
                        item: i.item.clone(),
                        issue: i.issue.clone()?,
                        asset: i.asset.clone()?,
                        vendor: p.vendor.clone(),
                    })
                })
        })
        .collect();
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let started = tokio::time::Instant::now();
    let deadline = deadline.unwrap_or(config.policy.deadline);
    let stop_at = started + deadline;
    let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL_ITEMS));
    let mut lines: Vec<RescanLine> = Vec::with_capacity(pending.len());
    let mut handles = Vec::with_capacity(pending.len());
    for p in &pending {
        let mut line = RescanLine {
            requester: p.key.org.clone(),
            plan: p.key.id.clone(),
            item: p.item.clone(),
            issue: p.issue.clone(),
            asset: p.asset.clone(),
            outcome: None,
            response: None,
            error: None,
        };
        let footprint = match store.state().orgs.get(&p.vendor) {
            None => Err(problem(
                "unknown_vendor",
                format!("no organisation `{}`", posture_core::echo(&p.vendor)),
            )),
            Some(org) => in_footprint(org, &p.asset).map_err(|m| problem("outside_footprint", m)),
        };
        if let Err(e) = footprint {
            line.error = Some(e);
            lines.push(line);
            handles.push(None);
            continue;
        }
        let mut cfg = config.clone();
        cfg.ports = ports_for(&p.issue, ports.as_deref());
        let (asset, issue, limit) = (p.asset.clone(), p.issue.clone(), limit.clone());
        handles.push(Some(rt.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let left = stop_at.saturating_duration_since(tokio::time::Instant::now());
            cfg.policy.deadline = cfg.policy.deadline.min(left);
            let report = posture_signals::scan(std::slice::from_ref(&asset), &cfg).await?;
            Ok::<_, posture_signals::ScanError>(posture_classify::merged_outcome(
                report
                    .signals
                    .iter()
                    .filter(|s| s.check == issue && s.asset.eq_ignore_ascii_case(&asset)),
            ))
        })));
        lines.push(line);
    }
    // Wait for each item (the scan's own deadline ends it; a second of
    // grace covers its bookkeeping). A panic is that item's internal error.
    let grace = stop_at + Duration::from_secs(1);
    for (line, handle) in lines.iter_mut().zip(handles) {
        let Some(handle) = handle else { continue };
        let abort = handle.abort_handle();
        let joined = rt.block_on(async { tokio::time::timeout_at(grace, handle).await });
        let (outcome, error) = match joined {
            Ok(Ok(Ok(outcome))) => (outcome, None),
            Ok(Ok(Err(scan))) => (
                Outcome::Inconclusive,
                Some(problem(scan.code(), scan.to_string())),
            ),
            Ok(Err(join)) => (
                Outcome::Inconclusive,
                Some(problem(
                    "internal",
                    format!("the rescan task failed: {join}"),
                )),
            ),
            Err(_) => {
                abort.abort();
                (
                    Outcome::Inconclusive,
                    Some(problem(
                        "deadline",
                        format!("not finished within {} ms", deadline.as_millis()),
                    )),
                )
            }
        };
        line.outcome = Some(outcome);
        line.error = error;
    }
    let now = Timestamp(chrono::Utc::now());
    let mut requests = Vec::new();
    let mut recorded = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(outcome) = line.outcome else {
            continue;
        };
        requests.push(Request {
            actor: posture_plan::HOST.to_owned(),
            at: now,
            command: Command::record_rescan(
                &format!("{}/{}", line.requester, line.plan),
                &line.item,
                outcome,
            ),
        });
        recorded.push(i);
    }
    let responses = store
        .run_batch(&requests)
        .map_err(|e| store_error(store_path, &e))?;
    for (i, r) in recorded.into_iter().zip(responses) {
        lines[i].response = Some(r);
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
) -> Result<String, CliError> {
    let ports = ports
        .map(posture_signals::parse_ports)
        .transpose()
        .map_err(|e| CliError::Usage(format!("--ports: {e}")))?;
    if !store_path.is_file() {
        return Err(CliError::Io {
            path: store_path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such event store"),
        });
    }
    let mut store = open_write(store_path, catalog)?;
    let mut config = ScanConfig::default();
    config.policy.nameserver = nameserver;
    if let Some(ms) = timeout_ms {
        config.policy.timeout = Duration::from_millis(ms.max(1));
    }
    let deadline = deadline_ms.map(|ms| Duration::from_millis(ms.max(1)));
    let rt = crate::scan_cmd::runtime()?;
    let lines = run_rescans(&rt, &mut store, store_path, config, ports, deadline)?;
    let mut out = String::new();
    for l in &lines {
        out.push_str(&serde_json::to_string(l)?);
        out.push('\n');
    }
    Ok(out)
}
