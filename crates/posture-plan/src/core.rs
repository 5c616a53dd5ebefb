//! The pure core: `decide(state, command, actor, now) -> events + effects`
//! and `apply(state, event)`. No I/O, no clock: the caller passes `now`.

use crate::model::{
    Answer, Command, ContactFields, EVENT_VERSION, Effect, Envelope, Event, HOST, InfoKind,
    ItemStatus, PlanStatus, PlanTarget, Question,
};
use posture_core::{Factor, Grade, Outcome, Timestamp};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a command was refused. `code` is stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, thiserror::Error)]
#[error("{code}: {message}")]
pub struct WorkflowError {
    /// `not_found`, `forbidden`, `invalid`, `conflict`, `invalid_state`.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

impl WorkflowError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        WorkflowError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
    /// Also for everything the actor may not see: existence is not leaked.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new("not_found", format!("no {what} `{id}`"))
    }
    /// Visible, but not the actor's to do.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new("forbidden", message)
    }
    /// Malformed or inconsistent.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid", message)
    }
    /// Other content under an existing id.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new("conflict", message)
    }
    /// A transition the current state does not allow.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new("invalid_state", message)
    }
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Org {
    /// Name.
    pub name: String,
    /// Domains.
    pub domains: Vec<String>,
    /// Latest recorded score and grade.
    pub score: Option<(Decimal, Grade)>,
    /// Latest recorded factor scores.
    pub factors: BTreeMap<Factor, Decimal>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Organisation.
    pub org: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Latest login.
    pub last_login: Option<Timestamp>,
}

/// A plan item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
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
    /// How often it reopened.
    pub reopened: u32,
    /// Latest information provided.
    pub info: Option<String>,
}

/// A message on a plan's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Author user id.
    pub from: String,
    /// When.
    pub at: Timestamp,
    /// Text.
    pub text: String,
}

/// An action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Requesting organisation.
    pub requester: String,
    /// The user who created it.
    pub created_by: String,
    /// Vendor organisation.
    pub vendor: String,
    /// Assignee (a vendor user).
    pub assignee: String,
    /// Title.
    pub title: String,
    /// Target.
    pub target: PlanTarget,
    /// Due.
    pub due: Timestamp,
    /// Status.
    pub status: PlanStatus,
    /// Items in order of addition.
    pub items: Vec<Item>,
    /// Thread.
    pub messages: Vec<Message>,
}

/// A contact kept by a requesting organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The requesting organisation that keeps it.
    pub requester: String,
    /// Vendor, name, e-mail, title.
    pub fields: ContactFields,
    /// Latest (re-)invitation.
    pub invited_at: Option<Timestamp>,
    /// Invitations sent, re-sends included.
    pub invitations: u32,
    /// The vendor user created on acceptance.
    pub accepted_user: Option<String>,
}

/// Everything the events say, folded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct State {
    /// Organisations by id.
    pub orgs: BTreeMap<String, Org>,
    /// Users by id.
    pub users: BTreeMap<String, User>,
    /// Plans by id.
    pub plans: BTreeMap<String, Plan>,
    /// Contacts by id.
    pub contacts: BTreeMap<String, Contact>,
    /// Expectations by (requester, vendor).
    pub expectations: BTreeMap<(String, String), Expectation>,
    /// Latest reminder per recipient e-mail.
    pub reminded: BTreeMap<String, Timestamp>,
    /// Questionnaires by id.
    pub questionnaires: BTreeMap<String, Questionnaire>,
    /// Document requests by id.
    pub documents: BTreeMap<String, DocumentRequest>,
}

/// A questionnaire sent to a vendor contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Questionnaire {
    /// Requesting organisation.
    pub requester: String,
    /// Vendor.
    pub vendor: String,
    /// Contact.
    pub contact: String,
    /// Questions.
    pub questions: Vec<Question>,
    /// Due.
    pub due: Timestamp,
    /// Answers, once given.
    pub answers: Option<Vec<Answer>>,
}

/// A security-document request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    /// Requesting organisation.
    pub requester: String,
    /// Vendor.
    pub vendor: String,
    /// Contact.
    pub contact: String,
    /// Kind.
    pub kind: String,
    /// Due.
    pub due: Timestamp,
    /// Reference, once fulfilled.
    pub reference: Option<String>,
}

/// An open or closed questionnaire risk, in the portfolio format's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QuestionnaireRiskView {
    /// `QUESTIONNAIRE:QUESTION`.
    pub id: String,
    /// The question.
    pub title: String,
    /// Severity of the failing answer.
    pub severity: posture_core::Severity,
    /// `open`, or `closed` once an action-plan item naming it was accepted.
    pub status: String,
}

/// A score expectation of a requester for a vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Target (grade or score, optionally per factor).
    pub target: PlanTarget,
    /// Due.
    pub due: Timestamp,
    /// Suggested issue types.
    pub suggested_issues: Vec<String>,
    /// When set or last repeated.
    pub set_at: Timestamp,
    /// How often it was repeated.
    pub repeats: u32,
}

/// Where an expectation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationStatus {
    /// No expectation.
    Unset,
    /// Set, not met, not yet due.
    Set,
    /// Met by the vendor's recorded score.
    Met,
    /// Past due and not met.
    Unmet,
}

/// Whether an organisation's recorded scores meet a grade or score target.
/// `None` when nothing relevant has been recorded.
pub fn meets(org: &Org, t: &PlanTarget) -> Option<bool> {
    let score = match t.factor {
        Some(f) => *org.factors.get(&f)?,
        None => org.score?.0,
    };
    if let Some(g) = t.grade {
        return Some(Grade::from_score(score).meets(g));
    }
    t.score.map(|s| score >= s)
}

/// Free-mail providers: addresses there are not corporate contacts.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "yandex.ru",
    "yandex.com",
    "mail.ru",
    "qq.com",
    "163.com",
    "126.com",
    "zoho.com",
    "fastmail.com",
    "tutanota.com",
    "hey.com",
];

/// Checks a contact's e-mail: well formed, not free mail, on one of the
/// vendor's domains (or a subdomain of one).
fn check_email(email: &str, vendor: &Org) -> Result<(), WorkflowError> {
    let bad = || WorkflowError::invalid(format!("email `{email}` is not a valid address"));
    let (local, domain) = email.rsplit_once('@').ok_or_else(bad)?;
    let domain = domain.to_ascii_lowercase();
    if local.is_empty()
        || local.contains(char::is_whitespace)
        || domain.parse::<posture_core::HostName>().is_err()
        || !domain.contains('.')
    {
        return Err(bad());
    }
    if FREE_MAIL.contains(&domain.as_str()) {
        return Err(WorkflowError::invalid(format!(
            "email `{email}` is a free-mail address; use the contact's corporate address"
        )));
    }
    let on_vendor = vendor.domains.iter().any(|d| {
        let d = d.trim_end_matches('.').to_ascii_lowercase();
        domain == d || domain.ends_with(&format!(".{d}"))
    });
    if on_vendor {
        Ok(())
    } else {
        Err(WorkflowError::invalid(format!(
            "email `{email}` is not on one of the vendor's domains ({})",
            vendor.domains.join(", ")
        )))
    }
}

impl State {
    /// Whether an organisation has claimed its scorecard (a member logged in).
    pub fn claimed(&self, org: &str) -> bool {
        self.users
            .values()
            .any(|u| u.org == org && u.last_login.is_some())
    }

    /// Whether an organisation is active: claimed, and a member logged in
    /// within the last 90 days.
    pub fn active(&self, org: &str, now: Timestamp) -> bool {
        self.users
            .values()
            .filter(|u| u.org == org)
            .filter_map(|u| u.last_login)
            .any(|t| now.0.signed_duration_since(t.0) <= chrono::TimeDelta::days(90))
    }

    /// Where the expectation of `requester` for `vendor` stands at `now`.
    pub fn expectation_status(
        &self,
        requester: &str,
        vendor: &str,
        now: Timestamp,
    ) -> ExpectationStatus {
        let Some(e) = self
            .expectations
            .get(&(requester.to_owned(), vendor.to_owned()))
        else {
            return ExpectationStatus::Unset;
        };
        let met = self
            .orgs
            .get(vendor)
            .and_then(|o| meets(o, &e.target))
            .unwrap_or(false);
        if met {
            ExpectationStatus::Met
        } else if now > e.due {
            ExpectationStatus::Unmet
        } else {
            ExpectationStatus::Set
        }
    }

    /// The questionnaire risks of `vendor` raised by `requester`'s
    /// questionnaires: one per failing answer.
    pub fn questionnaire_risks(&self, requester: &str, vendor: &str) -> Vec<QuestionnaireRiskView> {
        let settled = |id: &str| {
            self.plans.values().any(|p| {
                p.requester == requester
                    && p.items.iter().any(|i| {
                        i.questionnaire_risk.as_deref() == Some(id)
                            && i.status == ItemStatus::Accepted
                    })
            })
        };
        let mut out = Vec::new();
        for (qid, q) in &self.questionnaires {
            if q.requester != requester || q.vendor != vendor {
                continue;
            }
            for a in q.answers.iter().flatten().filter(|a| !a.pass) {
                if let Some(question) = q.questions.iter().find(|x| x.id == a.id) {
                    let id = format!("{qid}:{}", a.id);
                    let status = if settled(&id) { "closed" } else { "open" };
                    out.push(QuestionnaireRiskView {
                        id,
                        title: question.text.clone(),
                        severity: question.severity,
                        status: status.into(),
                    });
                }
            }
        }
        out
    }

    /// The contact whose user `actor` is.
    fn contact_of_user(&self, actor: &str, contact: &str) -> bool {
        self.contacts
            .get(contact)
            .is_some_and(|c| c.accepted_user.as_deref() == Some(actor))
    }

    /// A contact the actor's organisation keeps at `vendor`.
    fn own_contact_at(
        &self,
        actor: &str,
        id: &str,
        vendor: &str,
    ) -> Result<&Contact, WorkflowError> {
        let c = self.own_contact(actor, id)?;
        if c.fields.vendor == vendor {
            Ok(c)
        } else {
            Err(WorkflowError::invalid(format!(
                "contact `{id}` is not at `{vendor}`"
            )))
        }
    }

    /// A contact the actor's organisation keeps.
    fn own_contact(&self, actor: &str, id: &str) -> Result<&Contact, WorkflowError> {
        let u = self
            .user(actor)
            .map_err(|_| WorkflowError::not_found("contact", id))?;
        match self.contacts.get(id) {
            Some(c) if c.requester == u.org => Ok(c),
            _ => Err(WorkflowError::not_found("contact", id)),
        }
    }
}

/// The outcome of an accepted command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    /// Events to store (empty for an idempotent repeat).
    pub events: Vec<Envelope>,
    /// Work for the host.
    pub effects: Vec<Effect>,
}

fn envelope(actor: &str, now: Timestamp, event: Event) -> Envelope {
    Envelope {
        v: EVENT_VERSION,
        at: now,
        actor: actor.to_owned(),
        event,
    }
}

impl State {
    /// The user behind an actor (not the host).
    fn user(&self, actor: &str) -> Result<&User, WorkflowError> {
        if actor == HOST {
            return Err(WorkflowError::forbidden(
                "the host acts only through host commands",
            ));
        }
        self.users
            .get(actor)
            .ok_or_else(|| WorkflowError::not_found("user", actor))
    }

    /// Whether an actor may see a plan: users of the requesting
    /// organisation always, the assignee once it is sent, the host always.
    pub fn can_see(&self, actor: &str, plan: &Plan) -> bool {
        if actor == HOST {
            return true;
        }
        match self.users.get(actor) {
            Some(u) if u.org == plan.requester => true,
            Some(_) => actor == plan.assignee && plan.status != PlanStatus::Draft,
            None => false,
        }
    }

    fn visible_plan(&self, actor: &str, id: &str) -> Result<&Plan, WorkflowError> {
        match self.plans.get(id) {
            Some(p) if self.can_see(actor, p) => Ok(p),
            _ => Err(WorkflowError::not_found("plan", id)),
        }
    }

    fn requester_plan(&self, actor: &str, id: &str) -> Result<&Plan, WorkflowError> {
        let p = self.visible_plan(actor, id)?;
        match self.users.get(actor) {
            Some(u) if u.org == p.requester => Ok(p),
            _ => Err(WorkflowError::forbidden(format!(
                "only the requesting organisation can do this on plan `{id}`"
            ))),
        }
    }

    fn assignee_plan(&self, actor: &str, id: &str) -> Result<&Plan, WorkflowError> {
        let p = self.visible_plan(actor, id)?;
        if actor == p.assignee {
            Ok(p)
        } else {
            Err(WorkflowError::forbidden(format!(
                "only the assignee can do this on plan `{id}`"
            )))
        }
    }
}

fn item<'a>(p: &'a Plan, plan: &str, id: &str) -> Result<&'a Item, WorkflowError> {
    p.items
        .iter()
        .find(|i| i.item == id)
        .ok_or_else(|| WorkflowError::not_found("item", &format!("{plan}/{id}")))
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

fn host_only(actor: &str) -> Result<(), WorkflowError> {
    if actor == HOST {
        Ok(())
    } else {
        Err(WorkflowError::forbidden("only the host may do this"))
    }
}

fn nonempty(field: &str, v: &str) -> Result<(), WorkflowError> {
    if v.trim().is_empty() {
        Err(WorkflowError::invalid(format!("{field} must not be empty")))
    } else {
        Ok(())
    }
}

fn validate_target(t: &PlanTarget) -> Result<(), WorkflowError> {
    let kinds = usize::from(t.grade.is_some())
        + usize::from(t.score.is_some())
        + usize::from(t.issues.is_some());
    if kinds != 1 {
        return Err(WorkflowError::invalid(
            "target: give exactly one of grade, score or issues",
        ));
    }
    if t.factor.is_some() && t.issues.is_some() {
        return Err(WorkflowError::invalid(
            "target: a factor goes with a grade or a score",
        ));
    }
    if let Some(s) = t.score {
        if s < Decimal::ZERO || s > Decimal::ONE_HUNDRED {
            return Err(WorkflowError::invalid(format!(
                "target.score {s} is outside 0..=100"
            )));
        }
    }
    if t.grade == Some(Grade::Insufficient) {
        return Err(WorkflowError::invalid("target.grade `?` is not a target"));
    }
    if let Some(issues) = &t.issues {
        if issues.is_empty() {
            return Err(WorkflowError::invalid(
                "target.issues must name at least one issue type",
            ));
        }
    }
    Ok(())
}

/// Decides a command: the events it causes and the effects for the host,
/// or why it is refused. Pure: the same inputs give the same outputs.
///
/// # Errors
/// [`WorkflowError`] with a stable code: `not_found` (also for what the
/// actor may not see), `forbidden`, `invalid`, `conflict`, `invalid_state`.
pub fn decide(
    state: &State,
    command: &Command,
    actor: &str,
    now: Timestamp,
) -> Result<Decision, WorkflowError> {
    let one = |e: Event| Decision {
        events: vec![envelope(actor, now, e)],
        effects: Vec::new(),
    };
    match command {
        Command::RegisterOrganization {
            org, name, domains, ..
        } => {
            host_only(actor)?;
            nonempty("org", org)?;
            nonempty("name", name)?;
            if let Some(existing) = state.orgs.get(org) {
                return repeat(
                    existing.name == *name && existing.domains == *domains,
                    format!("organisation `{org}` exists with other content"),
                );
            }
            Ok(one(Event::OrganizationRegistered {
                org: org.clone(),
                name: name.clone(),
                domains: domains.clone(),
            }))
        }
        Command::RegisterUser {
            user,
            org,
            name,
            email,
            ..
        } => {
            host_only(actor)?;
            nonempty("user", user)?;
            if user == HOST {
                return Err(WorkflowError::invalid("`host` is a reserved actor"));
            }
            if !state.orgs.contains_key(org) {
                return Err(WorkflowError::not_found("organisation", org));
            }
            if !email.contains('@') {
                return Err(WorkflowError::invalid(format!(
                    "email `{email}` is not an address"
                )));
            }
            if let Some(u) = state.users.get(user) {
                return repeat(
                    u.org == *org && u.name == *name && u.email == *email,
                    format!("user `{user}` exists with other content"),
                );
            }
            Ok(one(Event::UserRegistered {
                user: user.clone(),
                org: org.clone(),
                name: name.clone(),
                email: email.clone(),
            }))
        }
        Command::RecordLogin { user, .. } => {
            host_only(actor)?;
            if !state.users.contains_key(user) {
                return Err(WorkflowError::not_found("user", user));
            }
            Ok(one(Event::LoginRecorded { user: user.clone() }))
        }
        Command::RecordScore {
            org,
            score,
            grade,
            factors,
            ..
        } => {
            host_only(actor)?;
            if !state.orgs.contains_key(org) {
                return Err(WorkflowError::not_found("organisation", org));
            }
            if *score < Decimal::ZERO || *score > Decimal::ONE_HUNDRED {
                return Err(WorkflowError::invalid(format!(
                    "score {score} is outside 0..=100"
                )));
            }
            Ok(one(Event::ScoreRecorded {
                org: org.clone(),
                score: *score,
                grade: *grade,
                factors: factors.clone(),
            }))
        }
        Command::CreatePlan {
            plan,
            vendor,
            assignee,
            title,
            target,
            due,
            ..
        } => {
            let u = state.user(actor)?;
            nonempty("plan", plan)?;
            nonempty("title", title)?;
            validate_target(target)?;
            if !state.orgs.contains_key(vendor) {
                return Err(WorkflowError::not_found("organisation", vendor));
            }
            if *vendor == u.org {
                return Err(WorkflowError::invalid(
                    "a plan is for another organisation (the vendor)",
                ));
            }
            match state.users.get(assignee) {
                Some(a) if a.org == *vendor => {}
                _ => {
                    return Err(WorkflowError::invalid(format!(
                        "assignee `{assignee}` is not a registered user of `{vendor}`"
                    )));
                }
            }
            if let Some(p) = state.plans.get(plan) {
                if !state.can_see(actor, p) {
                    return Err(WorkflowError::conflict(format!(
                        "plan id `{plan}` is taken"
                    )));
                }
                let same = p.vendor == *vendor
                    && p.assignee == *assignee
                    && p.title == *title
                    && p.target == *target
                    && p.due == *due
                    && p.requester == u.org;
                return repeat(same, format!("plan `{plan}` exists with other content"));
            }
            Ok(one(Event::PlanCreated {
                plan: plan.clone(),
                requester: u.org.clone(),
                vendor: vendor.clone(),
                assignee: assignee.clone(),
                title: title.clone(),
                target: target.clone(),
                due: *due,
            }))
        }
        Command::AddPlanItem {
            plan,
            item: id,
            issue,
            asset,
            questionnaire_risk,
            ..
        } => {
            let p = state.requester_plan(actor, plan)?;
            nonempty("item", id)?;
            let shape_ok = match (issue, asset, questionnaire_risk) {
                (Some(i), Some(a), None) => !i.trim().is_empty() && !a.trim().is_empty(),
                (None, None, Some(q)) => !q.trim().is_empty(),
                _ => false,
            };
            if !shape_ok {
                return Err(WorkflowError::invalid(
                    "an item names an issue and an asset, or a questionnaire risk",
                ));
            }
            if let Some(q) = questionnaire_risk {
                if !state
                    .questionnaire_risks(&p.requester, &p.vendor)
                    .iter()
                    .any(|r| r.id == *q)
                {
                    return Err(WorkflowError::invalid(format!(
                        "no questionnaire risk `{q}` of `{}` from this organisation's questionnaires",
                        p.vendor
                    )));
                }
            }
            if let Some(existing) = p.items.iter().find(|i| i.item == *id) {
                let same = existing.issue == *issue
                    && existing.asset == *asset
                    && existing.questionnaire_risk == *questionnaire_risk;
                return repeat(
                    same,
                    format!("item `{plan}/{id}` exists with other content"),
                );
            }
            if matches!(p.status, PlanStatus::Closed | PlanStatus::Cancelled) {
                return Err(WorkflowError::invalid_state(
                    format!("plan `{plan}` is {:?}", p.status).to_lowercase(),
                ));
            }
            Ok(one(Event::ItemAdded {
                plan: plan.clone(),
                item: id.clone(),
                issue: issue.clone(),
                asset: asset.clone(),
                questionnaire_risk: questionnaire_risk.clone(),
            }))
        }
        Command::SendPlan { plan, .. } => {
            let p = state.requester_plan(actor, plan)?;
            if p.status != PlanStatus::Draft {
                return Err(WorkflowError::invalid_state(format!(
                    "plan `{plan}` is not a draft"
                )));
            }
            let mut d = one(Event::PlanStatusChanged {
                plan: plan.clone(),
                status: PlanStatus::Sent,
            });
            if let Some(a) = state.users.get(&p.assignee) {
                d.effects.push(Effect::Email {
                    template: "plan_sent".into(),
                    to: a.email.clone(),
                    plan: Some(plan.clone()),
                });
            }
            Ok(d)
        }
        Command::ClosePlan { plan, .. } | Command::CancelPlan { plan, .. } => {
            let p = state.requester_plan(actor, plan)?;
            let closing = matches!(command, Command::ClosePlan { .. });
            let allowed = if closing {
                p.status == PlanStatus::Sent
            } else {
                matches!(p.status, PlanStatus::Draft | PlanStatus::Sent)
            };
            if !allowed {
                return Err(WorkflowError::invalid_state(format!(
                    "plan `{plan}` cannot be {} from its current status",
                    if closing { "closed" } else { "cancelled" }
                )));
            }
            let status = if closing {
                PlanStatus::Closed
            } else {
                PlanStatus::Cancelled
            };
            Ok(one(Event::PlanStatusChanged {
                plan: plan.clone(),
                status,
            }))
        }
        Command::PostMessage { plan, text, .. } => {
            let p = state.visible_plan(actor, plan)?;
            if actor == HOST {
                return Err(WorkflowError::forbidden("the host does not post messages"));
            }
            nonempty("text", text)?;
            if matches!(p.status, PlanStatus::Closed | PlanStatus::Cancelled) {
                return Err(WorkflowError::invalid_state(format!(
                    "plan `{plan}` is no longer open"
                )));
            }
            let mut d = one(Event::MessagePosted {
                plan: plan.clone(),
                from: actor.to_owned(),
                text: text.clone(),
            });
            let to = if actor == p.assignee {
                &p.created_by
            } else {
                &p.assignee
            };
            if p.status == PlanStatus::Sent {
                if let Some(u) = state.users.get(to) {
                    d.effects.push(Effect::Email {
                        template: "plan_message".into(),
                        to: u.email.clone(),
                        plan: Some(plan.clone()),
                    });
                }
            }
            Ok(d)
        }
        Command::MarkFixed { plan, item: id, .. } => {
            let p = state.assignee_plan(actor, plan)?;
            let it = item(p, plan, id)?;
            if p.status != PlanStatus::Sent {
                return Err(WorkflowError::invalid_state(format!(
                    "plan `{plan}` is not open"
                )));
            }
            let (Some(issue), Some(asset)) = (&it.issue, &it.asset) else {
                return Err(WorkflowError::invalid(
                    "a questionnaire item is settled by providing information, not by a rescan",
                ));
            };
            if it.status != ItemStatus::Open {
                return Err(WorkflowError::invalid_state(format!(
                    "item `{plan}/{id}` is not open"
                )));
            }
            let mut d = one(Event::ItemStatusChanged {
                plan: plan.clone(),
                item: id.clone(),
                status: ItemStatus::PendingRescan,
                info: None,
            });
            d.effects.push(Effect::Rescan {
                plan: plan.clone(),
                item: id.clone(),
                vendor: p.vendor.clone(),
                issue: issue.clone(),
                asset: asset.clone(),
            });
            Ok(d)
        }
        Command::RecordRescan {
            plan,
            item: id,
            outcome,
            ..
        } => {
            host_only(actor)?;
            let p = state
                .plans
                .get(plan)
                .ok_or_else(|| WorkflowError::not_found("plan", plan))?;
            let it = item(p, plan, id)?;
            if it.status != ItemStatus::PendingRescan {
                return Err(WorkflowError::invalid_state(format!(
                    "item `{plan}/{id}` has no rescan pending"
                )));
            }
            let status = match outcome {
                Outcome::Clean => ItemStatus::Verified,
                Outcome::Detected => ItemStatus::Open,
                // Inconclusive: nothing changes, the rescan stays pending.
                Outcome::Inconclusive => return Ok(Decision::default()),
            };
            Ok(one(Event::ItemStatusChanged {
                plan: plan.clone(),
                item: id.clone(),
                status,
                info: None,
            }))
        }
        Command::ProvideInfo {
            plan,
            item: id,
            kind,
            text,
            ..
        } => {
            let p = state.assignee_plan(actor, plan)?;
            let it = item(p, plan, id)?;
            nonempty("text", text)?;
            if p.status != PlanStatus::Sent
                || !matches!(it.status, ItemStatus::Open | ItemStatus::PendingRescan)
            {
                return Err(WorkflowError::invalid_state(format!(
                    "item `{plan}/{id}` is not awaiting work"
                )));
            }
            let label = match kind {
                InfoKind::Dispute => "dispute",
                InfoKind::CompensatingControl => "compensating_control",
            };
            Ok(one(Event::ItemStatusChanged {
                plan: plan.clone(),
                item: id.clone(),
                status: ItemStatus::InfoProvided,
                info: Some(format!("{label}: {text}")),
            }))
        }
        Command::AcceptInfo { plan, item: id, .. } | Command::RejectInfo { plan, item: id, .. } => {
            let p = state.requester_plan(actor, plan)?;
            let it = item(p, plan, id)?;
            if it.status != ItemStatus::InfoProvided {
                return Err(WorkflowError::invalid_state(format!(
                    "item `{plan}/{id}` has no information to decide on"
                )));
            }
            let status = if matches!(command, Command::AcceptInfo { .. }) {
                ItemStatus::Accepted
            } else {
                ItemStatus::Open
            };
            Ok(one(Event::ItemStatusChanged {
                plan: plan.clone(),
                item: id.clone(),
                status,
                info: None,
            }))
        }
        Command::AddContact {
            contact,
            vendor,
            name,
            email,
            title,
            ..
        } => {
            let u = state.user(actor)?;
            nonempty("contact", contact)?;
            nonempty("name", name)?;
            let v = state
                .orgs
                .get(vendor)
                .ok_or_else(|| WorkflowError::not_found("organisation", vendor))?;
            if *vendor == u.org {
                return Err(WorkflowError::invalid(
                    "a contact is at another organisation (a vendor)",
                ));
            }
            check_email(email, v)?;
            let fields = ContactFields {
                vendor: vendor.clone(),
                name: name.clone(),
                email: email.clone(),
                title: title.clone(),
            };
            if let Some(c) = state.contacts.get(contact) {
                return repeat(
                    c.requester == u.org && c.fields == fields,
                    format!("contact id `{contact}` is taken"),
                );
            }
            Ok(one(Event::ContactSaved {
                contact: contact.clone(),
                requester: u.org.clone(),
                fields,
            }))
        }
        Command::EditContact {
            contact,
            vendor,
            name,
            email,
            title,
            ..
        } => {
            let c = state.own_contact(actor, contact)?;
            let mut fields = c.fields.clone();
            if let Some(v) = vendor {
                fields.vendor = v.clone();
            }
            if let Some(n) = name {
                nonempty("name", n)?;
                fields.name = n.clone();
            }
            if let Some(e) = email {
                fields.email = e.clone();
            }
            if let Some(t) = title {
                fields.title = Some(t.clone());
            }
            let v = state
                .orgs
                .get(&fields.vendor)
                .ok_or_else(|| WorkflowError::not_found("organisation", &fields.vendor))?;
            if fields.vendor == c.requester {
                return Err(WorkflowError::invalid(
                    "a contact is at another organisation (a vendor)",
                ));
            }
            check_email(&fields.email, v)?;
            if fields == c.fields {
                return Ok(Decision::default());
            }
            Ok(one(Event::ContactSaved {
                contact: contact.clone(),
                requester: c.requester.clone(),
                fields,
            }))
        }
        Command::RemoveContact { contact, .. } => {
            state.own_contact(actor, contact)?;
            Ok(one(Event::ContactRemoved {
                contact: contact.clone(),
            }))
        }
        Command::SendInvitation {
            contact, message, ..
        }
        | Command::ResendInvitation {
            contact, message, ..
        } => {
            let c = state.own_contact(actor, contact)?;
            let resend = matches!(command, Command::ResendInvitation { .. });
            if c.accepted_user.is_some() {
                return Err(WorkflowError::invalid_state(format!(
                    "contact `{contact}` already accepted an invitation"
                )));
            }
            if resend && c.invited_at.is_none() {
                return Err(WorkflowError::invalid_state(format!(
                    "contact `{contact}` has no invitation to re-send"
                )));
            }
            if !resend {
                if c.invited_at.is_some() {
                    return Err(WorkflowError::invalid_state(format!(
                        "contact `{contact}` is already invited; re-send instead"
                    )));
                }
                if state.claimed(&c.fields.vendor) {
                    return Err(WorkflowError::invalid_state(format!(
                        "`{}` has already claimed its scorecard",
                        c.fields.vendor
                    )));
                }
            }
            let mut d = one(Event::InvitationSent {
                contact: contact.clone(),
                message: message.clone(),
                resend,
            });
            d.effects.push(Effect::Email {
                template: if resend {
                    "invitation_resend"
                } else {
                    "invitation"
                }
                .into(),
                to: c.fields.email.clone(),
                plan: None,
            });
            Ok(d)
        }
        Command::AcceptInvitation { contact, user, .. } => {
            host_only(actor)?;
            let c = state
                .contacts
                .get(contact)
                .ok_or_else(|| WorkflowError::not_found("contact", contact))?;
            if c.invited_at.is_none() {
                return Err(WorkflowError::invalid_state(format!(
                    "contact `{contact}` was not invited"
                )));
            }
            if let Some(existing) = &c.accepted_user {
                return repeat(
                    existing == user,
                    format!("contact `{contact}` accepted as `{existing}`"),
                );
            }
            nonempty("user", user)?;
            if user == HOST || state.users.contains_key(user) {
                return Err(WorkflowError::conflict(format!(
                    "user id `{user}` is taken"
                )));
            }
            Ok(Decision {
                events: vec![
                    envelope(
                        actor,
                        now,
                        Event::UserRegistered {
                            user: user.clone(),
                            org: c.fields.vendor.clone(),
                            name: c.fields.name.clone(),
                            email: c.fields.email.clone(),
                        },
                    ),
                    envelope(
                        actor,
                        now,
                        Event::InvitationAccepted {
                            contact: contact.clone(),
                            user: user.clone(),
                        },
                    ),
                ],
                effects: Vec::new(),
            })
        }
        Command::SetExpectation {
            vendor,
            target,
            due,
            suggested_issues,
            ..
        } => {
            let u = state.user(actor)?;
            if !state.orgs.contains_key(vendor) {
                return Err(WorkflowError::not_found("organisation", vendor));
            }
            if *vendor == u.org {
                return Err(WorkflowError::invalid(
                    "an expectation is for another organisation (a vendor)",
                ));
            }
            if target.issues.is_some() {
                return Err(WorkflowError::invalid(
                    "an expectation targets a grade or a score (optionally per factor)",
                ));
            }
            validate_target(target)?;
            Ok(one(Event::ExpectationSet {
                requester: u.org.clone(),
                vendor: vendor.clone(),
                target: target.clone(),
                due: *due,
                suggested_issues: suggested_issues.clone(),
            }))
        }
        Command::RepeatExpectation { vendor, due, .. } => {
            let u = state.user(actor)?;
            match state.expectation_status(&u.org, vendor, now) {
                ExpectationStatus::Unset => {
                    Err(WorkflowError::not_found("expectation for", vendor))
                }
                ExpectationStatus::Met => Err(WorkflowError::invalid_state(format!(
                    "the expectation for `{vendor}` is met"
                ))),
                ExpectationStatus::Set | ExpectationStatus::Unmet => {
                    Ok(one(Event::ExpectationRepeated {
                        requester: u.org.clone(),
                        vendor: vendor.clone(),
                        due: *due,
                    }))
                }
            }
        }
        Command::RemindOverdue { .. } => {
            host_only(actor)?;
            let week = chrono::TimeDelta::days(7);
            let mut d = Decision::default();
            let mut sent: Vec<String> = Vec::new();
            let mut remind =
                |to: &str, contact: Option<String>, plan: Option<String>, d: &mut Decision| {
                    let recent = state
                        .reminded
                        .get(to)
                        .is_some_and(|t| now.0.signed_duration_since(t.0) < week);
                    if recent || sent.iter().any(|s| s == to) {
                        return;
                    }
                    sent.push(to.to_owned());
                    d.events.push(envelope(
                        actor,
                        now,
                        Event::ReminderSent {
                            to: to.to_owned(),
                            contact,
                            plan: plan.clone(),
                        },
                    ));
                    d.effects.push(Effect::Email {
                        template: "reminder".into(),
                        to: to.to_owned(),
                        plan,
                    });
                };
            for (requester, vendor) in state.expectations.keys() {
                if state.expectation_status(requester, vendor, now) != ExpectationStatus::Unmet {
                    continue;
                }
                for (id, c) in &state.contacts {
                    if c.requester == *requester && c.fields.vendor == *vendor {
                        remind(&c.fields.email, Some(id.clone()), None, &mut d);
                    }
                }
            }
            for (id, p) in &state.plans {
                let finished = !p.items.is_empty()
                    && p.items
                        .iter()
                        .all(|i| matches!(i.status, ItemStatus::Verified | ItemStatus::Accepted));
                if p.status == PlanStatus::Sent && now > p.due && !finished {
                    if let Some(a) = state.users.get(&p.assignee) {
                        remind(&a.email, None, Some(id.clone()), &mut d);
                    }
                }
            }
            Ok(d)
        }
        Command::SendQuestionnaire {
            questionnaire,
            vendor,
            contact,
            questions,
            due,
            ..
        } => {
            let c = state.own_contact_at(actor, contact, vendor)?;
            nonempty("questionnaire", questionnaire)?;
            if questions.is_empty() {
                return Err(WorkflowError::invalid(
                    "a questionnaire has at least one question",
                ));
            }
            let mut ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
            ids.sort_unstable();
            if ids.windows(2).any(|w| w[0] == w[1]) || ids.iter().any(|i| i.is_empty()) {
                return Err(WorkflowError::invalid(
                    "question ids must be non-empty and distinct",
                ));
            }
            if let Some(q) = state.questionnaires.get(questionnaire) {
                let same = q.requester == c.requester
                    && q.vendor == *vendor
                    && q.contact == *contact
                    && q.questions == *questions
                    && q.due == *due;
                return repeat(same, format!("questionnaire id `{questionnaire}` is taken"));
            }
            let mut d = one(Event::QuestionnaireSent {
                questionnaire: questionnaire.clone(),
                requester: c.requester.clone(),
                vendor: vendor.clone(),
                contact: contact.clone(),
                questions: questions.clone(),
                due: *due,
            });
            d.effects.push(Effect::Email {
                template: "questionnaire".into(),
                to: c.fields.email.clone(),
                plan: None,
            });
            Ok(d)
        }
        Command::AnswerQuestionnaire {
            questionnaire,
            answers,
            ..
        } => {
            let q = match state.questionnaires.get(questionnaire) {
                Some(q) if state.contact_of_user(actor, &q.contact) => q,
                _ => return Err(WorkflowError::not_found("questionnaire", questionnaire)),
            };
            if q.answers.is_some() {
                return Err(WorkflowError::invalid_state(format!(
                    "questionnaire `{questionnaire}` is already answered"
                )));
            }
            let mut given: Vec<&str> = answers.iter().map(|a| a.id.as_str()).collect();
            given.sort_unstable();
            let mut asked: Vec<&str> = q.questions.iter().map(|x| x.id.as_str()).collect();
            asked.sort_unstable();
            if given != asked {
                return Err(WorkflowError::invalid("answer every question exactly once"));
            }
            Ok(one(Event::QuestionnaireAnswered {
                questionnaire: questionnaire.clone(),
                answers: answers.clone(),
            }))
        }
        Command::RequestDocument {
            request,
            vendor,
            contact,
            kind,
            due,
            ..
        } => {
            let c = state.own_contact_at(actor, contact, vendor)?;
            nonempty("request", request)?;
            nonempty("kind", kind)?;
            if let Some(r) = state.documents.get(request) {
                let same = r.requester == c.requester
                    && r.vendor == *vendor
                    && r.contact == *contact
                    && r.kind == *kind
                    && r.due == *due;
                return repeat(same, format!("request id `{request}` is taken"));
            }
            let mut d = one(Event::DocumentRequested {
                request: request.clone(),
                requester: c.requester.clone(),
                vendor: vendor.clone(),
                contact: contact.clone(),
                kind: kind.clone(),
                due: *due,
            });
            d.effects.push(Effect::Email {
                template: "document_request".into(),
                to: c.fields.email.clone(),
                plan: None,
            });
            Ok(d)
        }
        Command::FulfilDocument {
            request, reference, ..
        } => {
            let r = match state.documents.get(request) {
                Some(r) if state.contact_of_user(actor, &r.contact) => r,
                _ => return Err(WorkflowError::not_found("document request", request)),
            };
            nonempty("reference", reference)?;
            if r.reference.is_some() {
                return Err(WorkflowError::invalid_state(format!(
                    "document request `{request}` is already fulfilled"
                )));
            }
            Ok(one(Event::DocumentFulfilled {
                request: request.clone(),
                reference: reference.clone(),
            }))
        }
        Command::ShareReport {
            contact, report, ..
        } => {
            let c = state.own_contact(actor, contact)?;
            nonempty("report", report)?;
            let mut d = one(Event::ReportShared {
                contact: contact.clone(),
                report: report.clone(),
            });
            d.effects.push(Effect::Email {
                template: "report_shared".into(),
                to: c.fields.email.clone(),
                plan: None,
            });
            Ok(d)
        }
    }
}

/// Folds one event into the state. Events come from [`decide`] (or a
/// store written by it), so they are applied as facts.
pub fn apply(state: &mut State, e: &Envelope) {
    apply_owned(state, e.clone());
}

/// [`apply`], taking the event by value (no copies of its strings; the
/// store's replay path).
pub fn apply_owned(state: &mut State, e: Envelope) {
    let (at, actor) = (e.at, e.actor);
    match e.event {
        Event::OrganizationRegistered { org, name, domains } => {
            state.orgs.insert(
                org,
                Org {
                    name,
                    domains,
                    ..Org::default()
                },
            );
        }
        Event::UserRegistered {
            user,
            org,
            name,
            email,
        } => {
            state.users.insert(
                user,
                User {
                    org,
                    name,
                    email,
                    last_login: None,
                },
            );
        }
        Event::LoginRecorded { user } => {
            if let Some(u) = state.users.get_mut(&user) {
                u.last_login = Some(at);
            }
        }
        Event::ScoreRecorded {
            org,
            score,
            grade,
            factors,
        } => {
            if let Some(o) = state.orgs.get_mut(&org) {
                o.score = Some((score, grade));
                o.factors = factors.unwrap_or_default();
            }
        }
        Event::PlanCreated {
            plan,
            requester,
            vendor,
            assignee,
            title,
            target,
            due,
        } => {
            state.plans.insert(
                plan,
                Plan {
                    requester,
                    created_by: actor,
                    vendor,
                    assignee,
                    title,
                    target,
                    due,
                    status: PlanStatus::Draft,
                    items: Vec::new(),
                    messages: Vec::new(),
                },
            );
        }
        Event::ItemAdded {
            plan,
            item,
            issue,
            asset,
            questionnaire_risk,
        } => {
            if let Some(p) = state.plans.get_mut(&plan) {
                p.items.push(Item {
                    item,
                    issue,
                    asset,
                    questionnaire_risk,
                    status: ItemStatus::Open,
                    reopened: 0,
                    info: None,
                });
            }
        }
        Event::PlanStatusChanged { plan, status } => {
            if let Some(p) = state.plans.get_mut(&plan) {
                p.status = status;
            }
        }
        Event::MessagePosted { plan, from, text } => {
            if let Some(p) = state.plans.get_mut(&plan) {
                p.messages.push(Message { from, at, text });
            }
        }
        Event::ItemStatusChanged {
            plan,
            item,
            status,
            info,
        } => {
            if let Some(it) = state
                .plans
                .get_mut(&plan)
                .and_then(|p| p.items.iter_mut().find(|i| i.item == item))
            {
                if status == ItemStatus::Open && it.status != ItemStatus::Open {
                    it.reopened += 1;
                }
                it.status = status;
                if info.is_some() {
                    it.info = info;
                }
            }
        }
        Event::ContactSaved {
            contact,
            requester,
            fields,
        } => match state.contacts.get_mut(&contact) {
            Some(c) => c.fields = fields,
            None => {
                state.contacts.insert(
                    contact,
                    Contact {
                        requester,
                        fields,
                        invited_at: None,
                        invitations: 0,
                        accepted_user: None,
                    },
                );
            }
        },
        Event::ContactRemoved { contact } => {
            state.contacts.remove(&contact);
        }
        Event::InvitationSent { contact, .. } => {
            if let Some(c) = state.contacts.get_mut(&contact) {
                c.invited_at = Some(at);
                c.invitations += 1;
            }
        }
        Event::InvitationAccepted { contact, user } => {
            if let Some(c) = state.contacts.get_mut(&contact) {
                c.accepted_user = Some(user);
            }
        }
        Event::ExpectationSet {
            requester,
            vendor,
            target,
            due,
            suggested_issues,
        } => {
            state.expectations.insert(
                (requester, vendor),
                Expectation {
                    target,
                    due,
                    suggested_issues,
                    set_at: at,
                    repeats: 0,
                },
            );
        }
        Event::ExpectationRepeated {
            requester,
            vendor,
            due,
        } => {
            if let Some(e) = state.expectations.get_mut(&(requester, vendor)) {
                e.due = due;
                e.set_at = at;
                e.repeats += 1;
            }
        }
        Event::ReminderSent { to, .. } => {
            state.reminded.insert(to, at);
        }
        Event::QuestionnaireSent {
            questionnaire,
            requester,
            vendor,
            contact,
            questions,
            due,
        } => {
            state.questionnaires.insert(
                questionnaire,
                Questionnaire {
                    requester,
                    vendor,
                    contact,
                    questions,
                    due,
                    answers: None,
                },
            );
        }
        Event::QuestionnaireAnswered {
            questionnaire,
            answers,
        } => {
            if let Some(q) = state.questionnaires.get_mut(&questionnaire) {
                q.answers = Some(answers);
            }
        }
        Event::DocumentRequested {
            request,
            requester,
            vendor,
            contact,
            kind,
            due,
        } => {
            state.documents.insert(
                request,
                DocumentRequest {
                    requester,
                    vendor,
                    contact,
                    kind,
                    due,
                    reference: None,
                },
            );
        }
        Event::DocumentFulfilled { request, reference } => {
            if let Some(r) = state.documents.get_mut(&request) {
                r.reference = Some(reference);
            }
        }
        Event::ReportShared { .. } => {}
    }
}
