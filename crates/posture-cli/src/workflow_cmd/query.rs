//! `posture workflow --store FILE query ...`: read-only views.

use super::open_read;
use crate::error::CliError;
use crate::table::{self, Table};
use crate::{Format, QueryKind};
use posture_core::{Timestamp, echo};
use posture_plan::{Store, WorkflowError, query as q};
use std::path::Path;

fn not_visible(e: &WorkflowError) -> CliError {
    let json = serde_json::json!({"error": {"code": e.code, "message": e.message}});
    CliError::NotVisible(json.to_string())
}

/// Query options beyond the actor (flattened into `workflow query`).
#[derive(Debug, Default, clap::Args)]
pub struct QueryArgs {
    /// The plan, for `plan`: `ID` or `ORG/ID`.
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
    /// Contacts filter: set (any expectation), unset, pending, met or unmet.
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
            "{flag}: `{}` is neither yes nor no",
            echo(other)
        ))),
    }
}

fn filter(a: &QueryArgs) -> Result<q::ContactFilter, CliError> {
    use q::InvitationState as I;
    let invitation = match a.invitation.as_deref() {
        None => None,
        Some("accepted") => Some(I::Accepted),
        Some("pending") => Some(I::Pending),
        Some("none") => Some(I::None),
        Some(o) => {
            return Err(CliError::Usage(format!(
                "--invitation: `{}` is not accepted, pending or none",
                echo(o)
            )));
        }
    };
    let expectation = a
        .expectation
        .as_deref()
        .map(str::parse::<q::ExpectationFilter>)
        .transpose()
        .map_err(|e| CliError::Usage(format!("--expectation: {e}")))?;
    let days_since_invite = match a.days_since_invite.as_deref() {
        None => None,
        Some(r) => {
            let bad = || {
                CliError::Usage(format!(
                    "--days-since-invite: `{}` is not MIN..MAX (whole days)",
                    echo(r)
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
    Ok(q::ContactFilter {
        invitation,
        days_since_invite,
        expectation,
        claimed: yes_no("--claimed", a.claimed.as_deref())?,
        logged_in_30d: yes_no("--logged-in-30d", a.logged_in_30d.as_deref())?,
        name: a.name.clone(),
    })
}

/// A value as a table cell: escaped and cut (see [`posture_core::echo()`]).
fn cell(s: &str) -> String {
    echo(s).to_string()
}

/// A closed-set value's wire name (`pending`, `sent`, ...).
fn label<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn contacts_table(rows: &[q::ContactRow], filtered: bool, width: usize) -> String {
    if rows.is_empty() {
        return if filtered {
            "no contacts match these filters\n".into()
        } else {
            "no contacts\n".into()
        };
    }
    let mut s = String::new();
    let mut vendor = "";
    let mut contacts = Table::new(
        2,
        &[
            table::left(""),
            table::left(""),
            table::prose(""),
            table::left(""),
        ],
    );
    let row = |r: &q::ContactRow| {
        vec![
            cell(&r.contact),
            cell(&r.name),
            cell(&r.email),
            label(r.invitation),
        ]
    };
    for r in rows {
        contacts.row(row(r));
    }
    let layout = contacts.layout(width);
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
            s.push_str(&table::wrapped(
                "",
                &format!(
                    "{} ({}) · score {score} · {standing} · expectation {}",
                    cell(&r.vendor_name),
                    cell(&r.vendor),
                    label(r.expectation)
                ),
                width,
            ));
        }
        s.push_str(&layout.row(&row(r)));
    }
    s
}

fn plan_table(v: &q::PlanView, catalog: &posture::Catalog, width: usize) -> String {
    let mut s = String::new();
    s.push_str(&table::wrapped(
        "",
        &format!(
            "{}/{} → {} ({}) · {}{}",
            cell(&v.requester),
            cell(&v.plan),
            cell(&v.vendor),
            cell(&v.assignee),
            label(v.status),
            if v.overdue {
                " · OVERDUE"
            } else if v.finished {
                " · finished"
            } else {
                ""
            }
        ),
        width,
    ));
    s.push_str(&table::wrapped(
        "  ",
        &format!(
            "{} · due {} · {}/{} verified, {} accepted",
            cell(&v.title),
            v.due,
            v.progress.verified,
            v.progress.total,
            v.progress.accepted
        ),
        width,
    ));
    if v.items.is_empty() {
        s.push_str("    no items\n");
    } else {
        let mut t = Table::new(
            4,
            &[
                table::left(""),
                table::left(""),
                table::left(""),
                table::prose(""),
            ],
        );
        for i in &v.items {
            let (what, title) = match (&i.issue, &i.asset, &i.questionnaire_risk) {
                (Some(x), Some(a), _) => (
                    format!("{} on {}", cell(x), cell(a)),
                    catalog
                        .get(x)
                        .map(|(_, t)| cell(&t.title))
                        .unwrap_or_default(),
                ),
                (_, _, Some(r)) => (format!("questionnaire risk {}", cell(r)), String::new()),
                _ => (String::new(), String::new()),
            };
            t.row(vec![cell(&i.item), label(i.status), what, title]);
        }
        s.push_str(&t.render(width));
    }
    for m in &v.messages {
        s.push_str(&table::wrapped(
            "    ",
            &format!("[{}] {}: {}", m.at, cell(&m.from), cell(&m.text)),
            width,
        ));
    }
    s
}

/// One JSON value on one line (every `--format json` output is).
fn line<T: serde::Serialize>(v: &T) -> Result<String, CliError> {
    Ok(serde_json::to_string(v)? + "\n")
}

/// A store whose state is left unfreed when it goes out of scope (its
/// connection is closed).
///
/// `query` runs once per process (from `main`), which exits as soon as the
/// answer is printed; freeing a large state first would only delay that
/// (about 5 ms for a store of a million events opened from its snapshot,
/// more for the items a query decoded or a full replay built:
/// BENCHMARKS.md, "Workflow store"). The process's exit returns the
/// memory.
struct Unfreed(Option<Store>);

impl Unfreed {
    fn get(&self) -> &Store {
        // Always `Some` until dropped.
        self.0.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Unfreed {
    fn drop(&mut self) {
        if let Some(store) = self.0.take() {
            std::mem::forget(store.into_state());
        }
    }
}

/// `posture workflow --store FILE query ...`: opens the store read-only.
pub fn query(
    store_path: &Path,
    catalog: &posture::Catalog,
    what: QueryKind,
    actor: &str,
    args: &QueryArgs,
    at: Option<&str>,
    format: Format,
) -> Result<String, CliError> {
    let now = match at {
        Some(s) => s
            .parse::<Timestamp>()
            .map_err(|e| CliError::Usage(format!("--at: {e}")))?,
        None => Timestamp(chrono::Utc::now()),
    };
    // Usage errors before touching the store.
    let contact_filter = match what {
        QueryKind::Contacts => Some(filter(args)?),
        _ => None,
    };
    let store = Unfreed(Some(open_read(store_path)?));
    let store = store.get();
    let state = store.state();
    let width = table::width();
    match what {
        QueryKind::Contacts => {
            let f = contact_filter.unwrap_or_default();
            let rows = q::contacts(state, actor, now, &f).map_err(|e| not_visible(&e))?;
            match format {
                Format::Json => line(&rows),
                Format::Table => Ok(contacts_table(
                    &rows,
                    f != q::ContactFilter::default(),
                    width,
                )),
            }
        }
        QueryKind::Insights => {
            let i = q::insights(state, actor, now).map_err(|e| not_visible(&e))?;
            match format {
                Format::Json => line(&i),
                Format::Table => Ok(format!(
                    "vendors contacted {} · claimed {} · active {} · logged in 30d {}\n\
                     expectations set {} · pending {} · met {} · unmet {}\n\
                     plans open {} · finished {} · overdue {}\n",
                    i.vendors_contacted,
                    i.claimed,
                    i.active,
                    i.logged_in_30d,
                    i.expectations_set,
                    i.expectations_pending,
                    i.expectations_met,
                    i.expectations_unmet,
                    i.plans_open,
                    i.plans_finished,
                    i.plans_overdue
                )),
            }
        }
        QueryKind::History => {
            let contact = args
                .contact
                .as_deref()
                .ok_or_else(|| CliError::Usage("query history needs --contact ID".into()))?;
            let events = store
                .events()
                .map_err(|e| super::store_error(store_path, &e))?;
            let h = q::history(state, &events, actor, contact).map_err(|e| not_visible(&e))?;
            match format {
                Format::Json => line(&h),
                Format::Table if h.is_empty() => {
                    Ok(format!("no events for contact {}\n", cell(contact)))
                }
                Format::Table => Ok(h
                    .iter()
                    .map(|e| {
                        let kind = serde_json::to_value(&e.event)
                            .ok()
                            .and_then(|v| v.as_object().and_then(|o| o.keys().next().cloned()))
                            .unwrap_or_default();
                        format!("{}  {:<24} by {}\n", e.at, kind, cell(&e.actor))
                    })
                    .collect()),
            }
        }
        QueryKind::QuestionnaireRisks => {
            let vendor = args.vendor.as_deref().ok_or_else(|| {
                CliError::Usage("query questionnaire-risks needs --vendor ORG".into())
            })?;
            let risks =
                q::questionnaire_risks(state, actor, vendor).map_err(|e| not_visible(&e))?;
            match format {
                Format::Json => line(&risks),
                Format::Table if risks.is_empty() => Ok(format!(
                    "no open questionnaire risks for {}\n",
                    cell(vendor)
                )),
                Format::Table => {
                    let mut t = Table::new(
                        0,
                        &[
                            table::left("risk"),
                            table::left("severity"),
                            table::prose("question"),
                        ],
                    );
                    for r in &risks {
                        t.row(vec![
                            cell(&r.id),
                            r.severity.as_str().to_owned(),
                            cell(&r.title),
                        ]);
                    }
                    Ok(t.render(width))
                }
            }
        }
        QueryKind::Plan => {
            let id = args
                .id
                .as_deref()
                .ok_or_else(|| CliError::Usage("query plan needs --id PLAN".into()))?;
            let v = q::plan_view(state, catalog, actor, id, now).map_err(|e| not_visible(&e))?;
            match format {
                Format::Json => line(&v),
                Format::Table => Ok(plan_table(&v, catalog, width)),
            }
        }
        QueryKind::Assigned | QueryKind::Sent => {
            let views = if what == QueryKind::Assigned {
                q::assigned(state, catalog, actor, now)
            } else {
                q::sent(state, catalog, actor, now)
            }
            .map_err(|e| not_visible(&e))?;
            match format {
                Format::Json => line(&views),
                Format::Table if views.is_empty() => Ok(if what == QueryKind::Assigned {
                    format!("no plans assigned to {}\n", cell(actor))
                } else {
                    format!("no plans sent by {}'s organisation\n", cell(actor))
                }),
                Format::Table => Ok(views
                    .iter()
                    .map(|v| plan_table(v, catalog, width))
                    .collect::<Vec<_>>()
                    .join("\n")),
            }
        }
    }
}
