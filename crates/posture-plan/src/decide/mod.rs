//! `decide(state, catalog, command, actor, now) -> events + effects`: one
//! module per area (organisations, plans, contacts, expectations,
//! outreach). Pure: no I/O, no clock (the caller passes `now`).

mod contact;
mod expectation;
mod org;
mod outreach;
mod plan;

use crate::error::WorkflowError;
use crate::model::{Command, EVENT_VERSION, Effect, Envelope, Event, HOST};
use crate::state::State;
use posture_core::{Catalog, Timestamp};

/// The outcome of an accepted command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    /// Events to store (empty for an idempotent repeat).
    pub events: Vec<Envelope>,
    /// Work for the host.
    pub effects: Vec<Effect>,
}

/// What every decision sees.
pub(crate) struct Ctx<'a> {
    pub state: &'a State,
    pub catalog: &'a Catalog,
    pub actor: &'a str,
    pub now: Timestamp,
}

impl Ctx<'_> {
    fn envelope(&self, event: Event) -> Envelope {
        Envelope {
            v: EVENT_VERSION,
            at: self.now,
            actor: self.actor.to_owned(),
            event,
        }
    }

    /// A decision of one event.
    fn one(&self, event: Event) -> Decision {
        Decision {
            events: vec![self.envelope(event)],
            effects: Vec::new(),
        }
    }

    fn host_only(&self) -> Result<(), WorkflowError> {
        if self.actor == HOST {
            Ok(())
        } else {
            Err(WorkflowError::forbidden("only the host may do this"))
        }
    }
}

/// A create command under an existing id: the same content again is an
/// `ok` with no events, other content a `conflict` with `message`.
fn repeat(same: bool, message: String) -> Result<Decision, WorkflowError> {
    if same {
        Ok(Decision::default())
    } else {
        Err(WorkflowError::conflict(message))
    }
}

/// Decides a command: the events it causes and the effects for the host,
/// or why it is refused. Pure: the same inputs give the same outputs.
/// `catalog` is the one the workflow runs with: plan items, targets and
/// suggested issues must name its issue types.
///
/// ```
/// use posture_plan::{Command, HOST, State, apply, decide};
/// let catalog = posture_core::Catalog::builtin();
/// let mut state = State::default();
/// let now = "2026-11-01T00:00:00Z".parse().unwrap();
/// let cmd: Command = serde_json::from_str(
///     r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#,
/// ).unwrap();
/// let d = decide(&state, &catalog, &cmd, HOST, now).unwrap();
/// d.events.iter().for_each(|e| apply(&mut state, e));
/// assert!(state.orgs.contains_key("acme"));
/// // Only the host registers organisations.
/// assert_eq!(decide(&state, &catalog, &cmd, "alice", now).unwrap_err().code, "forbidden");
/// ```
///
/// # Errors
/// [`WorkflowError`] with a stable code: `not_found` (also for what the
/// actor may not see), `forbidden`, `invalid`, `conflict`, `invalid_state`.
pub fn decide(
    state: &State,
    catalog: &Catalog,
    command: &Command,
    actor: &str,
    now: Timestamp,
) -> Result<Decision, WorkflowError> {
    let cx = Ctx {
        state,
        catalog,
        actor,
        now,
    };
    match command {
        Command::RegisterOrganization {
            org,
            name,
            domains,
            assets,
            ..
        } => org::register(&cx, org, name, domains, assets),
        Command::RegisterUser {
            user,
            org,
            name,
            email,
            ..
        } => org::register_user(&cx, user, org, name, email),
        Command::RecordLogin { user, .. } => org::record_login(&cx, user),
        Command::RecordScore {
            org,
            score,
            grade,
            factors,
            ..
        } => org::record_score(&cx, org, *score, *grade, factors.as_ref()),
        Command::CreatePlan {
            plan,
            vendor,
            assignee,
            title,
            target,
            due,
            ..
        } => plan::create(&cx, plan, vendor, assignee, title, target, *due),
        Command::AddPlanItem {
            plan,
            item,
            issue,
            asset,
            questionnaire_risk,
            ..
        } => plan::add_item(
            &cx,
            plan,
            item,
            issue.as_deref(),
            asset.as_deref(),
            questionnaire_risk.as_deref(),
        ),
        Command::SendPlan { plan, .. } => plan::send(&cx, plan),
        Command::ClosePlan { plan, .. } => plan::finish(&cx, plan, true),
        Command::CancelPlan { plan, .. } => plan::finish(&cx, plan, false),
        Command::PostMessage { plan, text, .. } => plan::post_message(&cx, plan, text),
        Command::MarkFixed { plan, item, .. } => plan::mark_fixed(&cx, plan, item),
        Command::RecordRescan {
            plan,
            item,
            outcome,
            ..
        } => plan::record_rescan(&cx, plan, item, *outcome),
        Command::ProvideInfo {
            plan,
            item,
            kind,
            text,
            ..
        } => plan::provide_info(&cx, plan, item, *kind, text),
        Command::AcceptInfo { plan, item, .. } => plan::decide_info(&cx, plan, item, true),
        Command::RejectInfo { plan, item, .. } => plan::decide_info(&cx, plan, item, false),
        Command::AddContact {
            contact,
            vendor,
            name,
            email,
            title,
            ..
        } => contact::add(&cx, contact, vendor, name, email, title.as_deref()),
        Command::EditContact {
            contact,
            vendor,
            name,
            email,
            title,
            ..
        } => contact::edit(
            &cx,
            contact,
            vendor.as_deref(),
            name.as_deref(),
            email.as_deref(),
            title.as_deref(),
        ),
        Command::RemoveContact { contact, .. } => contact::remove(&cx, contact),
        Command::SendInvitation {
            contact, message, ..
        } => contact::invite(&cx, contact, message.as_deref(), false),
        Command::ResendInvitation {
            contact, message, ..
        } => contact::invite(&cx, contact, message.as_deref(), true),
        Command::AcceptInvitation { contact, user, .. } => contact::accept(&cx, contact, user),
        Command::SetExpectation {
            vendor,
            target,
            due,
            suggested_issues,
            ..
        } => expectation::set(&cx, vendor, target, *due, suggested_issues),
        Command::RepeatExpectation { vendor, due, .. } => expectation::repeat(&cx, vendor, *due),
        Command::RemindOverdue { .. } => expectation::remind_overdue(&cx),
        Command::SendQuestionnaire {
            questionnaire,
            vendor,
            contact,
            questions,
            due,
            ..
        } => outreach::send_questionnaire(&cx, questionnaire, vendor, contact, questions, *due),
        Command::AnswerQuestionnaire {
            questionnaire,
            answers,
            ..
        } => outreach::answer_questionnaire(&cx, questionnaire, answers),
        Command::RequestDocument {
            request,
            vendor,
            contact,
            kind,
            due,
            ..
        } => outreach::request_document(&cx, request, vendor, contact, kind, *due),
        Command::FulfilDocument {
            request, reference, ..
        } => outreach::fulfil_document(&cx, request, reference),
        Command::ShareReport {
            contact, report, ..
        } => outreach::share_report(&cx, contact, report),
    }
}
