//! Read models: plans as users see them.

use crate::core::{Plan, State, WorkflowError};
use crate::model::{HOST, ItemStatus, PlanStatus, PlanTarget};
use posture_core::{Catalog, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One item as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ItemView {
    /// Id.
    pub item: String,
    /// Issue type.
    pub issue: Option<String>,
    /// Asset.
    pub asset: Option<String>,
    /// Questionnaire risk.
    pub questionnaire_risk: Option<String>,
    /// Status.
    pub status: ItemStatus,
    /// Times reopened.
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
    /// Author.
    pub from: String,
    /// When.
    pub at: Timestamp,
    /// Text.
    pub text: String,
}

/// A plan as the wire protocol shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanView {
    /// Id.
    pub plan: String,
    /// Title.
    pub title: String,
    /// Requesting organisation.
    pub requester: String,
    /// Vendor.
    pub vendor: String,
    /// Assignee.
    pub assignee: String,
    /// Status.
    pub status: PlanStatus,
    /// Target.
    pub target: PlanTarget,
    /// Due.
    pub due: Timestamp,
    /// Past due and not finished.
    pub overdue: bool,
    /// Items.
    pub items: Vec<ItemView>,
    /// Progress.
    pub progress: Progress,
    /// Thread.
    pub messages: Vec<MessageView>,
}

fn target_met(state: &State, p: &Plan) -> Option<bool> {
    if let Some(issues) = &p.target.issues {
        let relevant: Vec<_> = p
            .items
            .iter()
            .filter(|i| i.issue.as_ref().is_some_and(|x| issues.contains(x)))
            .collect();
        return Some(
            !relevant.is_empty()
                && relevant
                    .iter()
                    .all(|i| matches!(i.status, ItemStatus::Verified | ItemStatus::Accepted)),
        );
    }
    crate::core::meets(state.orgs.get(&p.vendor)?, &p.target)
}

/// A plan as `actor` sees it at `now`.
///
/// # Errors
/// `not_found` when the plan does not exist or the actor may not see it.
pub fn plan_view(
    state: &State,
    catalog: &Catalog,
    actor: &str,
    id: &str,
    now: Timestamp,
) -> Result<PlanView, WorkflowError> {
    let p = match state.plans.get(id) {
        Some(p) if state.can_see(actor, p) => p,
        _ => return Err(WorkflowError::not_found("plan", id)),
    };
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
                item: i.item.clone(),
                issue: i.issue.clone(),
                asset: i.asset.clone(),
                questionnaire_risk: i.questionnaire_risk.clone(),
                status: i.status,
                reopened: i.reopened,
                risk: entry.map(|t| t.risk.clone()),
                remediation: entry.map(|t| t.remediation.clone()),
                info: i.info.clone(),
            }
        })
        .collect();
    let count = |s: ItemStatus| p.items.iter().filter(|i| i.status == s).count() as u32;
    let progress = Progress {
        verified: count(ItemStatus::Verified),
        accepted: count(ItemStatus::Accepted),
        total: p.items.len() as u32,
        target_met: target_met(state, p),
    };
    let finished = progress.target_met == Some(true)
        || (progress.total > 0 && progress.verified + progress.accepted == progress.total);
    Ok(PlanView {
        plan: id.to_owned(),
        title: p.title.clone(),
        requester: p.requester.clone(),
        vendor: p.vendor.clone(),
        assignee: p.assignee.clone(),
        status: p.status,
        target: p.target.clone(),
        due: p.due,
        overdue: p.status == PlanStatus::Sent && now > p.due && !finished,
        items,
        progress,
        messages: p
            .messages
            .iter()
            .map(|m| MessageView {
                from: m.from.clone(),
                at: m.at,
                text: m.text.clone(),
            })
            .collect(),
    })
}

/// Plans assigned to a vendor user ("assigned to us"): only theirs.
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
    state
        .plans
        .iter()
        .filter(|(_, p)| p.assignee == actor && p.status != PlanStatus::Draft)
        .map(|(id, _)| plan_view(state, catalog, actor, id, now))
        .collect()
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
    state
        .plans
        .iter()
        .filter(|(_, p)| p.requester == *org)
        .map(|(id, _)| plan_view(state, catalog, actor, id, now))
        .collect()
}

/// Invitation state of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Accepted: a vendor user exists.
    Accepted,
    /// Sent, not accepted.
    Pending,
    /// Never invited.
    None,
}

/// One row of the contact manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContactRow {
    /// Contact id.
    pub contact: String,
    /// Vendor organisation id.
    pub vendor: String,
    /// Vendor name.
    pub vendor_name: String,
    /// Contact name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Title.
    pub title: Option<String>,
    /// Invitation state.
    pub invitation: InvitationState,
    /// Latest (re-)invitation.
    pub invited_at: Option<Timestamp>,
    /// Invitations sent.
    pub invitations: u32,
    /// The vendor has claimed its scorecard.
    pub claimed: bool,
    /// The vendor is active (a login within 90 days).
    pub active: bool,
    /// Someone at the vendor logged in within 30 days.
    pub logged_in_30d: bool,
    /// Where the requester's expectation for the vendor stands.
    pub expectation: crate::core::ExpectationStatus,
    /// The vendor's latest recorded score.
    pub score: Option<rust_decimal::Decimal>,
}

/// Filters of the contact manager (all optional; all must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// Invitation state.
    pub invitation: Option<InvitationState>,
    /// Whole days since the latest (re-)invitation, inclusive range.
    pub days_since_invite: Option<(i64, i64)>,
    /// Expectation status.
    pub expectation: Option<crate::core::ExpectationStatus>,
    /// Vendor claimed or not.
    pub claimed: Option<bool>,
    /// Someone at the vendor logged in within 30 days, or not.
    pub logged_in_30d: Option<bool>,
    /// Case-insensitive text in the contact's or the vendor's name.
    pub name: Option<String>,
}

impl ContactFilter {
    /// Whether a row passes, at `now`.
    pub fn matches(&self, r: &ContactRow, now: Timestamp) -> bool {
        if self.invitation.is_some_and(|i| i != r.invitation) {
            return false;
        }
        if let Some((lo, hi)) = self.days_since_invite {
            match r.invited_at {
                Some(t) => {
                    let days = now.0.signed_duration_since(t.0).num_days();
                    if days < lo || days > hi {
                        return false;
                    }
                }
                None => return false,
            }
        }
        if self.expectation.is_some_and(|e| e != r.expectation) {
            return false;
        }
        if self.claimed.is_some_and(|c| c != r.claimed) {
            return false;
        }
        if self.logged_in_30d.is_some_and(|l| l != r.logged_in_30d) {
            return false;
        }
        if let Some(text) = &self.name {
            let t = text.to_lowercase();
            if !r.name.to_lowercase().contains(&t) && !r.vendor_name.to_lowercase().contains(&t) {
                return false;
            }
        }
        true
    }
}

fn requester_org<'a>(state: &'a State, actor: &str) -> Result<&'a str, WorkflowError> {
    state
        .users
        .get(actor)
        .map(|u| u.org.as_str())
        .ok_or_else(|| WorkflowError::not_found("user", actor))
}

/// The contact manager: the actor's organisation's contacts, filtered,
/// ordered by vendor then contact.
///
/// # Errors
/// `not_found` for an unknown actor.
pub fn contacts(
    state: &State,
    actor: &str,
    now: Timestamp,
    filter: &ContactFilter,
) -> Result<Vec<ContactRow>, WorkflowError> {
    let org = requester_org(state, actor)?;
    let mut rows: Vec<ContactRow> = state
        .contacts
        .iter()
        .filter(|(_, c)| c.requester == org)
        .map(|(id, c)| {
            let vendor = &c.fields.vendor;
            let vorg = state.orgs.get(vendor);
            ContactRow {
                contact: id.clone(),
                vendor: vendor.clone(),
                vendor_name: vorg.map(|o| o.name.clone()).unwrap_or_default(),
                name: c.fields.name.clone(),
                email: c.fields.email.clone(),
                title: c.fields.title.clone(),
                invitation: if c.accepted_user.is_some() {
                    InvitationState::Accepted
                } else if c.invited_at.is_some() {
                    InvitationState::Pending
                } else {
                    InvitationState::None
                },
                invited_at: c.invited_at,
                invitations: c.invitations,
                claimed: state.claimed(vendor),
                active: state.active(vendor, now),
                logged_in_30d: state
                    .users
                    .values()
                    .filter(|u| u.org == *vendor)
                    .filter_map(|u| u.last_login)
                    .any(|t| now.0.signed_duration_since(t.0) <= chrono::TimeDelta::days(30)),
                expectation: state.expectation_status(org, vendor, now),
                score: vorg.and_then(|o| o.score.map(|s| s.0)),
            }
        })
        .filter(|r| filter.matches(r, now))
        .collect();
    rows.sort_by(|a, b| (&a.vendor, &a.contact).cmp(&(&b.vendor, &b.contact)));
    Ok(rows)
}

/// Counts over the vendors the actor's organisation has contacts at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Insights {
    /// Vendors with at least one contact.
    pub vendors_contacted: u32,
    /// Of those, claimed.
    pub claimed: u32,
    /// Of those, active.
    pub active: u32,
    /// Vendors with an expectation set (any status but unset).
    pub expectations_set: u32,
    /// Expectations met.
    pub expectations_met: u32,
    /// Expectations unmet (past due).
    pub expectations_unmet: u32,
}

/// The insights counts.
///
/// # Errors
/// `not_found` for an unknown actor.
pub fn insights(state: &State, actor: &str, now: Timestamp) -> Result<Insights, WorkflowError> {
    use crate::core::ExpectationStatus as E;
    let org = requester_org(state, actor)?;
    let mut vendors: Vec<&str> = state
        .contacts
        .values()
        .filter(|c| c.requester == org)
        .map(|c| c.fields.vendor.as_str())
        .collect();
    vendors.sort_unstable();
    vendors.dedup();
    let count = |f: &dyn Fn(&str) -> bool| vendors.iter().filter(|v| f(v)).count() as u32;
    let expectation_vendors: Vec<&str> = state
        .expectations
        .keys()
        .filter(|(r, _)| r == org)
        .map(|(_, v)| v.as_str())
        .collect();
    let status = |v: &str| state.expectation_status(org, v, now);
    Ok(Insights {
        vendors_contacted: vendors.len() as u32,
        claimed: count(&|v| state.claimed(v)),
        active: count(&|v| state.active(v, now)),
        expectations_set: expectation_vendors.len() as u32,
        expectations_met: expectation_vendors
            .iter()
            .filter(|v| status(v) == E::Met)
            .count() as u32,
        expectations_unmet: expectation_vendors
            .iter()
            .filter(|v| status(v) == E::Unmet)
            .count() as u32,
    })
}

/// One dated entry of a contact's engagement history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryEntry {
    /// When.
    pub at: Timestamp,
    /// Who acted.
    pub actor: String,
    /// What happened.
    pub event: crate::model::Event,
}

/// Every event touching a contact, dated, from the event log.
///
/// # Errors
/// `not_found` when the actor's organisation does not keep the contact.
pub fn history(
    state: &State,
    events: &[crate::model::Envelope],
    actor: &str,
    contact: &str,
) -> Result<Vec<HistoryEntry>, WorkflowError> {
    use crate::model::Event as Ev;
    let org =
        requester_org(state, actor).map_err(|_| WorkflowError::not_found("contact", contact))?;
    // The contact may have been removed: find it in the log too.
    let owner = state
        .contacts
        .get(contact)
        .map(|c| c.requester.clone())
        .or_else(|| {
            events.iter().find_map(|e| match &e.event {
                Ev::ContactSaved {
                    contact: c,
                    requester,
                    ..
                } if c == contact => Some(requester.clone()),
                _ => None,
            })
        });
    if owner.as_deref() != Some(org) {
        return Err(WorkflowError::not_found("contact", contact));
    }
    let questionnaires: Vec<&str> = state
        .questionnaires
        .iter()
        .filter(|(_, q)| q.contact == contact)
        .map(|(id, _)| id.as_str())
        .collect();
    let documents: Vec<&str> = state
        .documents
        .iter()
        .filter(|(_, d)| d.contact == contact)
        .map(|(id, _)| id.as_str())
        .collect();
    let touches = |e: &Ev| match e {
        Ev::ContactSaved { contact: c, .. }
        | Ev::ContactRemoved { contact: c }
        | Ev::InvitationSent { contact: c, .. }
        | Ev::InvitationAccepted { contact: c, .. }
        | Ev::ReportShared { contact: c, .. }
        | Ev::QuestionnaireSent { contact: c, .. }
        | Ev::DocumentRequested { contact: c, .. } => c == contact,
        Ev::ReminderSent {
            contact: Some(c), ..
        } => c == contact,
        Ev::QuestionnaireAnswered { questionnaire, .. } => {
            questionnaires.contains(&questionnaire.as_str())
        }
        Ev::DocumentFulfilled { request, .. } => documents.contains(&request.as_str()),
        _ => false,
    };
    Ok(events
        .iter()
        .filter(|e| touches(&e.event))
        .map(|e| HistoryEntry {
            at: e.at,
            actor: e.actor.clone(),
            event: e.event.clone(),
        })
        .collect())
}

/// A vendor's open questionnaire risks raised by the actor's organisation,
/// in the portfolio format's `questionnaire_risks` shape.
///
/// # Errors
/// `not_found` for an unknown actor.
pub fn questionnaire_risks(
    state: &State,
    actor: &str,
    vendor: &str,
) -> Result<Vec<crate::core::QuestionnaireRiskView>, WorkflowError> {
    let org = requester_org(state, actor)?;
    Ok(state
        .questionnaire_risks(org, vendor)
        .into_iter()
        .filter(|r| r.status == "open")
        .collect())
}
