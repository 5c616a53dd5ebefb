//! Plans as actors see them: one plan, "assigned to us", "sent by us".

use crate::error::WorkflowError;
use crate::model::{HOST, ItemStatus, PlanStatus, PlanTarget};
use crate::namespace::Key;
use crate::state::{Plan, State};
use posture_core::{Catalog, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One item as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ItemView {
    /// The item's id within the plan.
    pub item: String,
    /// The issue type (a catalog id), for an issue item.
    pub issue: Option<String>,
    /// The host name or IP address, for an issue item.
    pub asset: Option<String>,
    /// The questionnaire risk (`QUESTIONNAIRE:QUESTION`), for a questionnaire
    /// item.
    pub questionnaire_risk: Option<String>,
    /// Where the item stands.
    pub status: ItemStatus,
    /// How often it reopened (after a detected rescan or rejected information).
    pub reopened: u32,
    /// Why it matters (from the catalog).
    pub risk: Option<String>,
    /// How to fix it (from the catalog).
    pub remediation: Option<String>,
    /// Information the vendor provided.
    pub info: Option<String>,
}

/// Progress of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Progress {
    /// Items verified by a rescan.
    pub verified: u32,
    /// Items settled by accepted information.
    pub accepted: u32,
    /// All items.
    pub total: u32,
    /// Whether the target is met (null until a score is recorded, for
    /// score and grade targets).
    pub target_met: Option<bool>,
}

/// A message as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MessageView {
    /// The user id of the author.
    pub from: String,
    /// When it was posted (RFC 3339).
    pub at: Timestamp,
    /// The message.
    pub text: String,
}

/// A plan as the wire protocol shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanView {
    /// Id, in the requester's namespace (address it as `requester/plan`).
    pub plan: String,
    /// The plan's title.
    pub title: String,
    /// The requesting organisation's id.
    pub requester: String,
    /// The vendor organisation's id.
    pub vendor: String,
    /// The id of the vendor user the plan is assigned to.
    pub assignee: String,
    /// The plan's status.
    pub status: PlanStatus,
    /// What the plan aims at.
    pub target: PlanTarget,
    /// When the plan is due (RFC 3339).
    pub due: Timestamp,
    /// Finished: closed, cancelled, or its target met.
    pub finished: bool,
    /// Sent, past due and not finished.
    pub overdue: bool,
    /// Its items, in order of addition.
    pub items: Vec<ItemView>,
    /// Item counts (verified, accepted, total) and whether the target is met.
    pub progress: Progress,
    /// Its message thread, oldest first.
    pub messages: Vec<MessageView>,
}

fn view(state: &State, catalog: &Catalog, key: &Key, p: &Plan, now: Timestamp) -> PlanView {
    let items: Vec<ItemView> = p
        .items
        .iter()
        .map(|i| {
            let entry = i
                .issue
                .as_deref()
                .and_then(|x| catalog.get(x))
                .map(|(_, t)| t);
            ItemView {
                item: i.item.to_string(),
                issue: i.issue.as_deref().map(str::to_owned),
                asset: i.asset.as_deref().map(str::to_owned),
                questionnaire_risk: i.questionnaire_risk.as_deref().map(str::to_owned),
                status: i.status,
                reopened: i.reopened,
                risk: entry.map(|t| t.risk.clone()),
                remediation: entry.map(|t| t.remediation.clone()),
                info: i.info.as_deref().map(str::to_owned),
            }
        })
        .collect();
    let count = |s: ItemStatus| p.items.iter().filter(|i| i.status == s).count() as u32;
    PlanView {
        plan: key.id.clone(),
        title: p.title.clone(),
        requester: key.org.clone(),
        vendor: p.vendor.clone(),
        assignee: p.assignee.clone(),
        status: p.status,
        target: p.target.clone(),
        due: p.due,
        finished: state.plan_finished(p),
        overdue: state.plan_overdue(p, now),
        items,
        progress: Progress {
            verified: count(ItemStatus::Verified),
            accepted: count(ItemStatus::Accepted),
            total: p.items.len() as u32,
            target_met: state.target_met(p),
        },
        messages: p
            .messages
            .iter()
            .map(|m| MessageView {
                from: m.from.clone(),
                at: m.at,
                text: m.text.clone(),
            })
            .collect(),
    }
}

/// A plan as `actor` sees it at `now`, named `ID` (unambiguous among what
/// the actor may see) or `ORG/ID`.
///
/// # Errors
/// `not_found` when the plan does not exist or the actor may not see it;
/// `invalid` when a bare id names several plans the actor may see.
pub fn plan_view(
    state: &State,
    catalog: &Catalog,
    actor: &str,
    reference: &str,
    now: Timestamp,
) -> Result<PlanView, WorkflowError> {
    let (key, p) = state.visible_plan(actor, reference)?;
    Ok(view(state, catalog, &key, p, now))
}

/// Plans assigned to a vendor user ("assigned to us"): only theirs, once
/// sent, from every requesting organisation, ordered by plan id, then
/// requester.
///
/// # Errors
/// `not_found` for an unknown actor.
pub fn assigned(
    state: &State,
    catalog: &Catalog,
    actor: &str,
    now: Timestamp,
) -> Result<Vec<PlanView>, WorkflowError> {
    if actor != HOST && !state.users.contains_key(actor) {
        return Err(WorkflowError::not_found("user", actor));
    }
    let mut mine: Vec<(&str, &str, &Plan)> = state
        .plans
        .iter()
        .filter(|(_, _, p)| p.assignee == actor && p.status != PlanStatus::Draft)
        .collect();
    mine.sort_by_key(|(org, id, _)| (*id, *org));
    Ok(mine
        .into_iter()
        .map(|(org, id, p)| view(state, catalog, &Key::new(org, id), p, now))
        .collect())
}

/// Plans sent by the actor's organisation ("sent by us").
///
/// # Errors
/// `not_found` for an unknown actor.
pub fn sent(
    state: &State,
    catalog: &Catalog,
    actor: &str,
    now: Timestamp,
) -> Result<Vec<PlanView>, WorkflowError> {
    let org = &state
        .users
        .get(actor)
        .ok_or_else(|| WorkflowError::not_found("user", actor))?
        .org;
    Ok(state
        .plans
        .in_org(org)
        .map(|(id, p)| view(state, catalog, &Key::new(org, id), p, now))
        .collect())
}
