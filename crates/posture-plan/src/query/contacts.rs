//! The contact manager: contacts with filters, insights, a contact's
//! engagement history, a vendor's open questionnaire risks.

use crate::error::WorkflowError;
use crate::model::{Envelope, Event};
use crate::state::{ExpectationStatus, QuestionnaireRiskView, State};
use posture_core::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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
    /// Contact id (in the requester's namespace).
    pub contact: String,
    /// The requesting organisation that keeps the contact.
    pub requester: String,
    /// Vendor organisation id.
    pub vendor: String,
    /// Vendor name.
    pub vendor_name: String,
    /// Contact name.
    pub name: String,
    /// The contact's e-mail address.
    pub email: String,
    /// The contact's job title, if given.
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
    /// Where the requester's expectation for the vendor stands: `unset`,
    /// `pending`, `met` or `unmet`.
    pub expectation: ExpectationStatus,
    /// The vendor's latest recorded score.
    pub score: Option<rust_decimal::Decimal>,
}

/// The contact manager's expectation filter: `set` is any expectation
/// (pending, met or unmet), the others are the statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationFilter {
    /// Any expectation: pending, met or unmet.
    Set,
    /// No expectation.
    Unset,
    /// Set, not met, not yet due.
    Pending,
    /// Met by the vendor's recorded score.
    Met,
    /// Past due and not met.
    Unmet,
}

impl ExpectationFilter {
    /// Every filter value, in the order the CLI lists them.
    pub const ALL: &'static [ExpectationFilter] = &[
        ExpectationFilter::Set,
        ExpectationFilter::Unset,
        ExpectationFilter::Pending,
        ExpectationFilter::Met,
        ExpectationFilter::Unmet,
    ];

    /// Whether a status passes.
    ///
    /// ```
    /// use posture_plan::ExpectationStatus as S;
    /// use posture_plan::query::ExpectationFilter as F;
    /// assert!(F::Set.admits(S::Met) && F::Set.admits(S::Pending) && F::Set.admits(S::Unmet));
    /// assert!(!F::Set.admits(S::Unset));
    /// assert!(F::Pending.admits(S::Pending) && !F::Pending.admits(S::Met));
    /// ```
    pub fn admits(self, s: ExpectationStatus) -> bool {
        match self {
            ExpectationFilter::Set => s != ExpectationStatus::Unset,
            ExpectationFilter::Unset => s == ExpectationStatus::Unset,
            ExpectationFilter::Pending => s == ExpectationStatus::Pending,
            ExpectationFilter::Met => s == ExpectationStatus::Met,
            ExpectationFilter::Unmet => s == ExpectationStatus::Unmet,
        }
    }
}

impl std::str::FromStr for ExpectationFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "set" => Ok(ExpectationFilter::Set),
            "unset" => Ok(ExpectationFilter::Unset),
            "pending" => Ok(ExpectationFilter::Pending),
            "met" => Ok(ExpectationFilter::Met),
            "unmet" => Ok(ExpectationFilter::Unmet),
            other => Err(format!(
                "`{}` is not set, unset, pending, met or unmet",
                posture_core::echo(other)
            )),
        }
    }
}

/// Filters of the contact manager (all optional; all must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// Invitation state.
    pub invitation: Option<InvitationState>,
    /// Whole days since the latest (re-)invitation, inclusive range.
    pub days_since_invite: Option<(i64, i64)>,
    /// Expectation status.
    pub expectation: Option<ExpectationFilter>,
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
        if self.expectation.is_some_and(|e| !e.admits(r.expectation)) {
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

/// Every contact row of an organisation, unfiltered, ordered by vendor then
/// contact.
fn rows(state: &State, org: &str, now: Timestamp) -> Vec<ContactRow> {
    let mut rows: Vec<ContactRow> = state
        .contacts
        .in_org(org)
        .map(|(id, c)| {
            let vendor = &c.fields.vendor;
            let vorg = state.orgs.get(vendor);
            ContactRow {
                contact: id.to_owned(),
                requester: org.to_owned(),
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
                logged_in_30d: state.logged_in_within(vendor, now, 30),
                expectation: state.expectation_status(org, vendor, now),
                score: vorg.and_then(|o| o.score.map(|s| s.0)),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.vendor, &a.contact).cmp(&(&b.vendor, &b.contact)));
    rows
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
    Ok(rows(state, org, now)
        .into_iter()
        .filter(|r| filter.matches(r, now))
        .collect())
}

/// Counts over the vendors the actor's organisation has contacts at. Each
/// vendor count is exactly the number of distinct vendors in
/// [`contacts`] with the matching filter (`claimed` = `--claimed yes`,
/// `expectations_set` = `--expectation set`, ...); the plan counts are
/// over the plans the organisation sent, by the one definition of a
/// finished plan ([`State::plan_finished`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Insights {
    /// Vendors with at least one contact.
    pub vendors_contacted: u32,
    /// Of those, claimed.
    pub claimed: u32,
    /// Of those, active.
    pub active: u32,
    /// Of those, someone logged in within 30 days.
    pub logged_in_30d: u32,
    /// Of those, with an expectation (pending, met or unmet).
    pub expectations_set: u32,
    /// Expectations pending (set, not met, not yet due).
    pub expectations_pending: u32,
    /// Expectations met.
    pub expectations_met: u32,
    /// Expectations unmet (past due).
    pub expectations_unmet: u32,
    /// Plans sent and not finished.
    pub plans_open: u32,
    /// Plans finished (closed, cancelled or target met).
    pub plans_finished: u32,
    /// Plans overdue (sent, past due, not finished).
    pub plans_overdue: u32,
}

/// The insights counts.
///
/// # Errors
/// `not_found` for an unknown actor.
pub fn insights(state: &State, actor: &str, now: Timestamp) -> Result<Insights, WorkflowError> {
    use crate::state::ExpectationStatus as E;
    let org = requester_org(state, actor)?;
    let all = rows(state, org, now);
    let vendors = |f: &dyn Fn(&ContactRow) -> bool| {
        all.iter()
            .filter(|r| f(r))
            .map(|r| r.vendor.as_str())
            .collect::<BTreeSet<_>>()
            .len() as u32
    };
    let plans = || state.plans.in_org(org).map(|(_, p)| p);
    let count = |f: &dyn Fn(&crate::state::Plan) -> bool| plans().filter(|p| f(p)).count() as u32;
    Ok(Insights {
        vendors_contacted: vendors(&|_| true),
        claimed: vendors(&|r| r.claimed),
        active: vendors(&|r| r.active),
        logged_in_30d: vendors(&|r| r.logged_in_30d),
        expectations_set: vendors(&|r| r.expectation != E::Unset),
        expectations_pending: vendors(&|r| r.expectation == E::Pending),
        expectations_met: vendors(&|r| r.expectation == E::Met),
        expectations_unmet: vendors(&|r| r.expectation == E::Unmet),
        plans_open: count(&|p| {
            p.status == crate::model::PlanStatus::Sent && !state.plan_finished(p)
        }),
        plans_finished: count(&|p| state.plan_finished(p)),
        plans_overdue: count(&|p| state.plan_overdue(p, now)),
    })
}

/// One dated entry of a contact's engagement history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryEntry {
    /// When it happened (RFC 3339).
    pub at: Timestamp,
    /// Who acted.
    pub actor: String,
    /// What happened.
    pub event: Event,
}

/// Every event touching a contact of the actor's organisation, dated, from
/// the event log (a removed contact's history too).
///
/// # Errors
/// `not_found` when the actor's organisation does not keep the contact.
pub fn history(
    state: &State,
    events: &[Envelope],
    actor: &str,
    contact: &str,
) -> Result<Vec<HistoryEntry>, WorkflowError> {
    let org =
        requester_org(state, actor).map_err(|_| WorkflowError::not_found("contact", contact))?;
    let id = match crate::namespace::Key::parse(contact) {
        Some(k) if k.org == org => k.id,
        Some(_) => return Err(WorkflowError::not_found("contact", contact)),
        None => contact.to_owned(),
    };
    let mine = |requester: &str, c: &str| requester == org && c == id;
    let kept = state.contacts.get(org, &id).is_some()
        || events.iter().any(|e| match &e.event {
            Event::ContactSaved {
                contact: c,
                requester,
                ..
            } => mine(requester, c),
            _ => false,
        });
    if !kept {
        return Err(WorkflowError::not_found("contact", contact));
    }
    let questionnaires: BTreeSet<&str> = state
        .questionnaires
        .in_org(org)
        .filter(|(_, q)| q.contact == id)
        .map(|(qid, _)| qid)
        .collect();
    let documents: BTreeSet<&str> = state
        .documents
        .in_org(org)
        .filter(|(_, d)| d.contact == id)
        .map(|(rid, _)| rid)
        .collect();
    let touches = |e: &Event| match e {
        Event::ContactSaved {
            requester,
            contact: c,
            ..
        }
        | Event::ContactRemoved {
            requester,
            contact: c,
        }
        | Event::InvitationSent {
            requester,
            contact: c,
            ..
        }
        | Event::InvitationAccepted {
            requester,
            contact: c,
            ..
        }
        | Event::ReportShared {
            requester,
            contact: c,
            ..
        }
        | Event::QuestionnaireSent {
            requester,
            contact: c,
            ..
        }
        | Event::DocumentRequested {
            requester,
            contact: c,
            ..
        } => mine(requester, c),
        Event::ReminderSent {
            requester,
            contact: Some(c),
            ..
        } => mine(requester, c),
        Event::QuestionnaireAnswered {
            requester,
            questionnaire,
            ..
        } => requester == org && questionnaires.contains(questionnaire.as_str()),
        Event::DocumentFulfilled {
            requester, request, ..
        } => requester == org && documents.contains(request.as_str()),
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
) -> Result<Vec<QuestionnaireRiskView>, WorkflowError> {
    let org = requester_org(state, actor)?;
    Ok(state
        .questionnaire_risks(org, vendor)
        .into_iter()
        .filter(|r| r.status == "open")
        .collect())
}
