//! `posture workflow`: the wire protocol over the durable store.

use crate::error::CliError;
use crate::{Format, QueryKind};
use posture::Catalog;
use posture_core::Timestamp;
use posture_plan::{Command, Request, Response, Store, WorkflowError, query};
use serde::Deserialize;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

/// One input line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    actor: String,
    at: Timestamp,
    command: Command,
}

fn open(store: &Path) -> Result<Store, CliError> {
    Store::open(store).map_err(|e| CliError::Io {
        path: store.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })
}

/// Largest group commit.
const MAX_BATCH: usize = 512;

/// `posture workflow --store FILE apply`.
pub fn apply(store_path: &Path, input: &str) -> Result<String, CliError> {
    let mut store = open(store_path)?;
    let reader: Box<dyn Read> = if input == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(input).map_err(|source| CliError::Io {
            path: input.to_owned(),
            source,
        })?)
    };
    let mut reader = BufReader::new(reader);
    let mut stdout = std::io::stdout().lock();
    let mut line_no = 0usize;
    let mut eof = false;
    while !eof {
        // Group commit: take every complete line already buffered, so a
        // pipe that writes one line and waits is answered at once, and a
        // file is committed in large batches.
        let mut slots: Vec<Result<Request, Response>> = Vec::new();
        loop {
            let mut raw = String::new();
            let n = reader.read_line(&mut raw).map_err(|source| CliError::Io {
                path: input.to_owned(),
                source,
            })?;
            if n == 0 {
                eof = true;
                break;
            }
            line_no += 1;
            let text = raw.trim();
            if !text.is_empty() {
                slots.push(match posture_core::from_json_str::<Line>(text) {
                    Ok(l) => Ok(Request {
                        actor: l.actor,
                        at: l.at,
                        command: l.command,
                    }),
                    Err(e) => Err(Response::error(WorkflowError::invalid(format!(
                        "line {line_no}: {e}"
                    )))),
                });
            }
            if slots.len() >= MAX_BATCH || !reader.buffer().contains(&b'\n') {
                break;
            }
        }
        let requests: Vec<Request> = slots
            .iter()
            .filter_map(|s| s.as_ref().ok().cloned())
            .collect();
        let mut responses = store
            .run_batch(&requests)
            .map_err(|e| CliError::Io {
                path: store_path.display().to_string(),
                source: std::io::Error::other(e.to_string()),
            })?
            .into_iter();
        let mut out = String::new();
        for slot in slots {
            let resp = match slot {
                Ok(_) => responses
                    .next()
                    .ok_or_else(|| CliError::Internal("a response went missing".into()))?,
                Err(r) => r,
            };
            out.push_str(&serde_json::to_string(&resp)?);
            out.push('\n');
        }
        stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|source| CliError::Io {
                path: "<stdout>".into(),
                source,
            })?;
    }
    Ok(String::new())
}

fn not_visible(e: &WorkflowError) -> CliError {
    let json = serde_json::json!({"error": {"code": e.code, "message": e.message}});
    CliError::NotVisible(json.to_string())
}

/// Query options beyond the actor (flattened into `workflow query`).
#[derive(Debug, Default, clap::Args)]
pub struct QueryArgs {
    /// The plan, for `plan`.
    #[arg(long, value_name = "PLAN")]
    pub id: Option<String>,
    /// The contact, for `history`.
    #[arg(long, value_name = "ID")]
    pub contact: Option<String>,
    /// The vendor, for `questionnaire-risks`.
    #[arg(long, value_name = "ORG")]
    pub vendor: Option<String>,
    /// Contacts filter: accepted, pending or none.
    #[arg(long, value_name = "STATE")]
    pub invitation: Option<String>,
    /// Contacts filter: whole days since the latest invitation.
    #[arg(long, value_name = "MIN..MAX")]
    pub days_since_invite: Option<String>,
    /// Contacts filter: set, unset, met or unmet.
    #[arg(long, value_name = "STATUS")]
    pub expectation: Option<String>,
    /// Contacts filter: the vendor claimed its scorecard (yes or no).
    #[arg(long, value_name = "yes|no")]
    pub claimed: Option<String>,
    /// Contacts filter: someone at the vendor logged in within 30 days.
    #[arg(long = "logged-in-30d", value_name = "yes|no")]
    pub logged_in_30d: Option<String>,
    /// Contacts filter: text in the contact's or the vendor's name.
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,
}

fn yes_no(flag: &str, v: Option<&str>) -> Result<Option<bool>, CliError> {
    match v {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(other) => Err(CliError::Usage(format!(
            "{flag}: `{other}` is neither yes nor no"
        ))),
    }
}

fn filter(a: &QueryArgs) -> Result<query::ContactFilter, CliError> {
    use posture_plan::ExpectationStatus as E;
    use query::InvitationState as I;
    let invitation = match a.invitation.as_deref() {
        None => None,
        Some("accepted") => Some(I::Accepted),
        Some("pending") => Some(I::Pending),
        Some("none") => Some(I::None),
        Some(o) => {
            return Err(CliError::Usage(format!(
                "--invitation: `{o}` is not accepted, pending or none"
            )));
        }
    };
    let expectation = match a.expectation.as_deref() {
        None => None,
        Some("set") => Some(E::Set),
        Some("unset") => Some(E::Unset),
        Some("met") => Some(E::Met),
        Some("unmet") => Some(E::Unmet),
        Some(o) => {
            return Err(CliError::Usage(format!(
                "--expectation: `{o}` is not set, unset, met or unmet"
            )));
        }
    };
    let days_since_invite = match a.days_since_invite.as_deref() {
        None => None,
        Some(r) => {
            let bad = || {
                CliError::Usage(format!(
                    "--days-since-invite: `{r}` is not MIN..MAX (whole days)"
                ))
            };
            let (lo, hi) = r.split_once("..").ok_or_else(bad)?;
            let (lo, hi) = (
                lo.trim().parse::<i64>().map_err(|_| bad())?,
                hi.trim().parse::<i64>().map_err(|_| bad())?,
            );
            if lo > hi {
                return Err(bad());
            }
            Some((lo, hi))
        }
    };
    Ok(query::ContactFilter {
        invitation,
        days_since_invite,
        expectation,
        claimed: yes_no("--claimed", a.claimed.as_deref())?,
        logged_in_30d: yes_no("--logged-in-30d", a.logged_in_30d.as_deref())?,
        name: a.name.clone(),
    })
}

fn label<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn contacts_table(rows: &[query::ContactRow]) -> String {
    let mut s = String::new();
    let mut vendor = "";
    for r in rows {
        if r.vendor != vendor {
            vendor = &r.vendor;
            let score = r.score.map(|x| x.to_string()).unwrap_or_else(|| "—".into());
            let standing = if r.active {
                "active"
            } else if r.claimed {
                "claimed"
            } else {
                "unclaimed"
            };
            let _ = writeln!(
                s,
                "{} ({}) · score {score} · {standing} · expectation {}",
                r.vendor_name,
                r.vendor,
                label(r.expectation)
            );
        }
        let _ = writeln!(
            s,
            "  {:<12} {:<22} {:<30} {}",
            r.contact,
            r.name,
            r.email,
            label(r.invitation)
        );
    }
    s
}

/// `posture workflow --store FILE query ...`.
pub fn query(
    store_path: &Path,
    what: QueryKind,
    actor: &str,
    args: &QueryArgs,
    at: Option<&str>,
    format: Format,
) -> Result<String, CliError> {
    let id = args.id.as_deref();
    let store = open(store_path)?;
    let now = match at {
        Some(s) => s
            .parse::<Timestamp>()
            .map_err(|e| CliError::Usage(format!("--at: {e}")))?,
        None => Timestamp(chrono::Utc::now()),
    };
    let catalog = Catalog::builtin();
    let state = store.state();
    let json = |v: &dyn erased::Ser| -> Result<String, CliError> { Ok(v.pretty()? + "\n") };
    match what {
        QueryKind::Contacts => {
            let rows =
                query::contacts(state, actor, now, &filter(args)?).map_err(|e| not_visible(&e))?;
            return match format {
                Format::Json => json(&rows),
                Format::Table => Ok(contacts_table(&rows)),
            };
        }
        QueryKind::Insights => {
            let i = query::insights(state, actor, now).map_err(|e| not_visible(&e))?;
            return match format {
                Format::Json => json(&i),
                Format::Table => Ok(format!(
                    "vendors contacted {} · claimed {} · active {}\nexpectations set {} · met {} · unmet {}\n",
                    i.vendors_contacted,
                    i.claimed,
                    i.active,
                    i.expectations_set,
                    i.expectations_met,
                    i.expectations_unmet
                )),
            };
        }
        QueryKind::History => {
            let contact = args
                .contact
                .as_deref()
                .ok_or_else(|| CliError::Usage("query history needs --contact ID".into()))?;
            let events = store.events().map_err(|e| CliError::Io {
                path: store_path.display().to_string(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let h = query::history(state, &events, actor, contact).map_err(|e| not_visible(&e))?;
            return match format {
                Format::Json => json(&h),
                Format::Table => Ok(h
                    .iter()
                    .map(|e| {
                        let kind = serde_json::to_value(&e.event)
                            .ok()
                            .and_then(|v| v.as_object().and_then(|o| o.keys().next().cloned()))
                            .unwrap_or_default();
                        format!("{}  {:<24} by {}\n", e.at, kind, e.actor)
                    })
                    .collect()),
            };
        }
        QueryKind::QuestionnaireRisks => {
            let vendor = args.vendor.as_deref().ok_or_else(|| {
                CliError::Usage("query questionnaire-risks needs --vendor ORG".into())
            })?;
            let r =
                query::questionnaire_risks(state, actor, vendor).map_err(|e| not_visible(&e))?;
            return json(&r);
        }
        _ => {}
    }
    let views = match what {
        QueryKind::Assigned => {
            query::assigned(state, &catalog, actor, now).map_err(|e| not_visible(&e))?
        }
        QueryKind::Sent => query::sent(state, &catalog, actor, now).map_err(|e| not_visible(&e))?,
        QueryKind::Contacts
        | QueryKind::Insights
        | QueryKind::History
        | QueryKind::QuestionnaireRisks => Vec::new(),
        QueryKind::Plan => {
            let id = id.ok_or_else(|| CliError::Usage("query plan needs --id PLAN".into()))?;
            let v =
                query::plan_view(state, &catalog, actor, id, now).map_err(|e| not_visible(&e))?;
            return match format {
                Format::Json => Ok(serde_json::to_string_pretty(&v)? + "\n"),
                Format::Table => Ok(plan_table(&v)),
            };
        }
    };
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(&views)? + "\n"),
        Format::Table => Ok(views.iter().map(plan_table).collect::<Vec<_>>().join("\n")),
    }
}

fn plan_table(v: &query::PlanView) -> String {
    let mut s = String::new();
    let status = serde_json::to_value(v.status)
        .ok()
        .and_then(|x| x.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{} · {} → {} ({}) · {}{}",
        v.plan,
        v.requester,
        v.vendor,
        v.assignee,
        status,
        if v.overdue { " · OVERDUE" } else { "" }
    );
    let _ = writeln!(
        s,
        "  {} · due {} · {}/{} verified, {} accepted",
        v.title, v.due, v.progress.verified, v.progress.total, v.progress.accepted
    );
    for i in &v.items {
        let what = match (&i.issue, &i.asset, &i.questionnaire_risk) {
            (Some(x), Some(a), _) => format!("{x} on {a}"),
            (_, _, Some(q)) => format!("questionnaire risk {q}"),
            _ => String::new(),
        };
        let st = serde_json::to_value(i.status)
            .ok()
            .and_then(|x| x.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(s, "    {:<10} {:<15} {}", i.item, st, what);
    }
    for m in &v.messages {
        let _ = writeln!(s, "    [{}] {}: {}", m.at, m.from, m.text);
    }
    s
}

/// One rescan the host ran and recorded.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct RescanLine {
    /// Plan.
    pub plan: String,
    /// Item.
    pub item: String,
    /// Issue type rescanned.
    pub issue: String,
    /// Asset rescanned.
    pub asset: String,
    /// What the collector saw.
    pub outcome: posture_core::Outcome,
    /// The store's answer to `record_rescan`.
    pub response: Response,
}

/// Runs every pending rescan in `store` with the collector on `rt` and
/// records each outcome as the host: clean verifies, detected reopens,
/// inconclusive leaves the item pending. `ports` replaces `config.ports`;
/// without it, the ports probed are the built-in ones of the pending issue
/// types.
pub fn run_rescans(
    rt: &tokio::runtime::Runtime,
    store: &mut Store,
    store_path: &Path,
    mut config: posture_signals::ScanConfig,
    ports: Option<Vec<posture_signals::PortCheck>>,
) -> Result<Vec<RescanLine>, CliError> {
    use posture_plan::ItemStatus;
    use posture_signals::PORT_TABLE;
    let pending: Vec<(String, String, String, String)> = store
        .state()
        .plans
        .iter()
        .flat_map(|(pid, p)| {
            p.items
                .iter()
                .filter(|i| i.status == ItemStatus::PendingRescan)
                .filter_map(move |i| {
                    Some((
                        pid.clone(),
                        i.item.clone(),
                        i.issue.clone()?,
                        i.asset.clone()?,
                    ))
                })
        })
        .collect();
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    config.ports = match ports {
        Some(p) => p,
        None => PORT_TABLE
            .iter()
            .filter(|(_, issue)| pending.iter().any(|(_, _, i, _)| i == issue))
            .map(|(port, issue)| posture_signals::PortCheck {
                port: *port,
                issue: (*issue).to_owned(),
            })
            .collect(),
    };
    let mut targets: Vec<String> = pending.iter().map(|(_, _, _, a)| a.clone()).collect();
    targets.sort();
    targets.dedup();
    let report = rt
        .block_on(posture_signals::scan(&targets, &config))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let now = Timestamp(chrono::Utc::now());
    let mut outcomes = Vec::with_capacity(pending.len());
    let mut requests = Vec::with_capacity(pending.len());
    for (plan, item, issue, asset) in &pending {
        let outcome = posture_classify::merged_outcome(
            report
                .signals
                .iter()
                .filter(|s| s.check == *issue && s.asset.eq_ignore_ascii_case(asset)),
        );
        let json = serde_json::json!({"type": "record_rescan", "plan": plan, "item": item, "outcome": outcome});
        let command = serde_json::from_value::<Command>(json)
            .map_err(|e| CliError::Internal(e.to_string()))?;
        outcomes.push(outcome);
        requests.push(Request {
            actor: posture_plan::HOST.to_owned(),
            at: now,
            command,
        });
    }
    let responses = store.run_batch(&requests).map_err(|e| CliError::Io {
        path: store_path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(pending
        .into_iter()
        .zip(outcomes)
        .zip(responses)
        .map(
            |(((plan, item, issue, asset), outcome), response)| RescanLine {
                plan,
                item,
                issue,
                asset,
                outcome,
                response,
            },
        )
        .collect())
}

/// `posture workflow --store FILE rescan`: runs every pending rescan with
/// the collector and records the outcomes as the host. Prints one line per
/// rescan: the item, what was seen and the `record_rescan` response.
pub fn rescan(
    store_path: &Path,
    nameserver: Option<std::net::SocketAddr>,
    timeout_ms: Option<u64>,
    ports: Option<&str>,
) -> Result<String, CliError> {
    let mut store = open(store_path)?;
    let mut config = posture_signals::ScanConfig::default();
    config.policy.nameserver = nameserver;
    if let Some(ms) = timeout_ms {
        config.policy.timeout = std::time::Duration::from_millis(ms.max(1));
    }
    let ports = ports
        .map(posture_signals::parse_ports)
        .transpose()
        .map_err(|e| CliError::Usage(format!("--ports: {e}")))?;
    let rt = crate::scan_cmd::runtime()?;
    let lines = run_rescans(&rt, &mut store, store_path, config, ports)?;
    let mut out = String::new();
    for l in &lines {
        out.push_str(&serde_json::to_string(l)?);
        out.push('\n');
    }
    Ok(out)
}

/// Pretty JSON for any serialisable value behind a trait object.
mod erased {
    use crate::error::CliError;

    /// A value that can print itself as pretty JSON.
    pub trait Ser {
        /// Pretty JSON.
        fn pretty(&self) -> Result<String, CliError>;
    }

    impl<T: serde::Serialize> Ser for T {
        fn pretty(&self) -> Result<String, CliError> {
            Ok(serde_json::to_string_pretty(self)?)
        }
    }
}
