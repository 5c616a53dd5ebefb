//! Typed constructors for commands: a host builds a command in Rust with the
//! compiler checking its fields, instead of writing JSON by hand.
//!
//! Each constructor takes the command's required fields; optional ones
//! start empty and are set with the `with_*` methods.
//!
//! ```
//! use posture_plan::{Command, PlanTarget};
//! use posture_core::{Grade, Timestamp};
//! let due: Timestamp = "2026-12-31T00:00:00Z".parse().unwrap();
//! let c = Command::create_plan("p1", "pay", "victor", "Fix e-mail", PlanTarget::grade(Grade::B), due)
//!     .with_request_id("req-1");
//! assert_eq!(
//!     serde_json::to_value(&c).unwrap(),
//!     serde_json::json!({"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor",
//!         "title": "Fix e-mail", "target": {"grade": "B"}, "due": "2026-12-31T00:00:00Z",
//!         "request_id": "req-1"}),
//! );
//! ```

use super::command::{Answer, Command, InfoKind, PlanTarget, Question};
use posture_core::{Factor, Grade, Outcome, Timestamp};
use rust_decimal::Decimal;

impl PlanTarget {
    /// Reach a grade overall.
    pub fn grade(grade: Grade) -> PlanTarget {
        PlanTarget {
            factor: None,
            grade: Some(grade),
            score: None,
            issues: None,
        }
    }

    /// Reach a score (0–100) overall.
    pub fn score(score: Decimal) -> PlanTarget {
        PlanTarget {
            factor: None,
            grade: None,
            score: Some(score),
            issues: None,
        }
    }

    /// Reach a grade in one factor.
    pub fn factor_grade(factor: Factor, grade: Grade) -> PlanTarget {
        PlanTarget {
            factor: Some(factor),
            ..PlanTarget::grade(grade)
        }
    }

    /// Reach a score in one factor.
    pub fn factor_score(factor: Factor, score: Decimal) -> PlanTarget {
        PlanTarget {
            factor: Some(factor),
            ..PlanTarget::score(score)
        }
    }

    /// Fix these issue types.
    pub fn issues<S: Into<String>>(issues: impl IntoIterator<Item = S>) -> PlanTarget {
        PlanTarget {
            factor: None,
            grade: None,
            score: None,
            issues: Some(issues.into_iter().map(Into::into).collect()),
        }
    }
}

fn s(v: impl Into<String>) -> String {
    v.into()
}

fn strings<S: Into<String>>(v: impl IntoIterator<Item = S>) -> Vec<String> {
    v.into_iter().map(Into::into).collect()
}

impl Command {
    /// Register an organisation and its domains (host only).
    pub fn register_organization<S: Into<String>>(
        org: impl Into<String>,
        name: impl Into<String>,
        domains: impl IntoIterator<Item = S>,
    ) -> Command {
        Command::RegisterOrganization {
            org: s(org),
            name: s(name),
            domains: strings(domains),
            assets: Vec::new(),
            request_id: None,
        }
    }

    /// Register a user of an organisation (host only).
    pub fn register_user(
        user: impl Into<String>,
        org: impl Into<String>,
        name: impl Into<String>,
        email: impl Into<String>,
    ) -> Command {
        Command::RegisterUser {
            user: s(user),
            org: s(org),
            name: s(name),
            email: s(email),
            request_id: None,
        }
    }

    /// Record that a user logged in (host only).
    pub fn record_login(user: impl Into<String>) -> Command {
        Command::RecordLogin {
            user: s(user),
            request_id: None,
        }
    }

    /// Record an organisation's current score and grade (host only).
    pub fn record_score(org: impl Into<String>, score: Decimal, grade: Grade) -> Command {
        Command::RecordScore {
            org: s(org),
            score,
            grade,
            factors: None,
            request_id: None,
        }
    }

    /// Create a draft action plan for a vendor's user.
    pub fn create_plan(
        plan: impl Into<String>,
        vendor: impl Into<String>,
        assignee: impl Into<String>,
        title: impl Into<String>,
        target: PlanTarget,
        due: Timestamp,
    ) -> Command {
        Command::CreatePlan {
            plan: s(plan),
            vendor: s(vendor),
            assignee: s(assignee),
            title: s(title),
            target,
            due,
            request_id: None,
        }
    }

    /// Add an item to a plan: an issue type on one asset.
    pub fn add_plan_item(
        plan: impl Into<String>,
        item: impl Into<String>,
        issue: impl Into<String>,
        asset: impl Into<String>,
    ) -> Command {
        Command::AddPlanItem {
            plan: s(plan),
            item: s(item),
            issue: Some(s(issue)),
            asset: Some(s(asset)),
            questionnaire_risk: None,
            request_id: None,
        }
    }

    /// Add an item to a plan: a questionnaire risk
    /// (`QUESTIONNAIRE:QUESTION`).
    pub fn add_risk_item(
        plan: impl Into<String>,
        item: impl Into<String>,
        questionnaire_risk: impl Into<String>,
    ) -> Command {
        Command::AddPlanItem {
            plan: s(plan),
            item: s(item),
            issue: None,
            asset: None,
            questionnaire_risk: Some(s(questionnaire_risk)),
            request_id: None,
        }
    }

    /// Send a draft plan to its assignee.
    pub fn send_plan(plan: impl Into<String>) -> Command {
        Command::SendPlan {
            plan: s(plan),
            request_id: None,
        }
    }

    /// Close a plan.
    pub fn close_plan(plan: impl Into<String>) -> Command {
        Command::ClosePlan {
            plan: s(plan),
            request_id: None,
        }
    }

    /// Cancel a plan.
    pub fn cancel_plan(plan: impl Into<String>) -> Command {
        Command::CancelPlan {
            plan: s(plan),
            request_id: None,
        }
    }

    /// Post a message on a plan's thread.
    pub fn post_message(plan: impl Into<String>, text: impl Into<String>) -> Command {
        Command::PostMessage {
            plan: s(plan),
            text: s(text),
            request_id: None,
        }
    }

    /// Mark an item fixed (the assignee): the host is asked to rescan.
    pub fn mark_fixed(plan: impl Into<String>, item: impl Into<String>) -> Command {
        Command::MarkFixed {
            plan: s(plan),
            item: s(item),
            request_id: None,
        }
    }

    /// Record a rescan's outcome (host only).
    pub fn record_rescan(
        plan: impl Into<String>,
        item: impl Into<String>,
        outcome: Outcome,
    ) -> Command {
        Command::RecordRescan {
            plan: s(plan),
            item: s(item),
            outcome,
            request_id: None,
        }
    }

    /// Provide information about an item: a dispute or a compensating
    /// control (the assignee).
    pub fn provide_info(
        plan: impl Into<String>,
        item: impl Into<String>,
        kind: InfoKind,
        text: impl Into<String>,
    ) -> Command {
        Command::ProvideInfo {
            plan: s(plan),
            item: s(item),
            kind,
            text: s(text),
            request_id: None,
        }
    }

    /// Accept the information provided about an item (the requester).
    pub fn accept_info(plan: impl Into<String>, item: impl Into<String>) -> Command {
        Command::AcceptInfo {
            plan: s(plan),
            item: s(item),
            request_id: None,
        }
    }

    /// Reject the information provided about an item (the requester).
    pub fn reject_info(plan: impl Into<String>, item: impl Into<String>) -> Command {
        Command::RejectInfo {
            plan: s(plan),
            item: s(item),
            request_id: None,
        }
    }

    /// Add a contact at a vendor.
    pub fn add_contact(
        contact: impl Into<String>,
        vendor: impl Into<String>,
        name: impl Into<String>,
        email: impl Into<String>,
    ) -> Command {
        Command::AddContact {
            contact: s(contact),
            vendor: s(vendor),
            name: s(name),
            email: s(email),
            title: None,
            request_id: None,
        }
    }

    /// Remove a contact.
    pub fn remove_contact(contact: impl Into<String>) -> Command {
        Command::RemoveContact {
            contact: s(contact),
            request_id: None,
        }
    }

    /// Invite a contact.
    pub fn send_invitation(contact: impl Into<String>) -> Command {
        Command::SendInvitation {
            contact: s(contact),
            message: None,
            request_id: None,
        }
    }

    /// Invite a contact again.
    pub fn resend_invitation(contact: impl Into<String>) -> Command {
        Command::ResendInvitation {
            contact: s(contact),
            message: None,
            request_id: None,
        }
    }

    /// Accept a contact's invitation for a new vendor user (host only).
    pub fn accept_invitation(contact: impl Into<String>, user: impl Into<String>) -> Command {
        Command::AcceptInvitation {
            contact: s(contact),
            user: s(user),
            request_id: None,
        }
    }

    /// Set (or replace) the score expectation of a vendor.
    pub fn set_expectation(
        vendor: impl Into<String>,
        target: PlanTarget,
        due: Timestamp,
    ) -> Command {
        Command::SetExpectation {
            vendor: s(vendor),
            target,
            due,
            suggested_issues: Vec::new(),
            request_id: None,
        }
    }

    /// Renew an unmet expectation with a new due date.
    pub fn repeat_expectation(vendor: impl Into<String>, due: Timestamp) -> Command {
        Command::RepeatExpectation {
            vendor: s(vendor),
            due,
            request_id: None,
        }
    }

    /// Remind about unmet expectations and overdue plans.
    pub fn remind_overdue() -> Command {
        Command::RemindOverdue { request_id: None }
    }

    /// Send a questionnaire to a vendor's contact.
    pub fn send_questionnaire(
        questionnaire: impl Into<String>,
        vendor: impl Into<String>,
        contact: impl Into<String>,
        questions: Vec<Question>,
        due: Timestamp,
    ) -> Command {
        Command::SendQuestionnaire {
            questionnaire: s(questionnaire),
            vendor: s(vendor),
            contact: s(contact),
            questions,
            due,
            request_id: None,
        }
    }

    /// Answer a questionnaire (the contact's user).
    pub fn answer_questionnaire(questionnaire: impl Into<String>, answers: Vec<Answer>) -> Command {
        Command::AnswerQuestionnaire {
            questionnaire: s(questionnaire),
            answers,
            request_id: None,
        }
    }

    /// Ask a vendor's contact for a document.
    pub fn request_document(
        request: impl Into<String>,
        vendor: impl Into<String>,
        contact: impl Into<String>,
        kind: impl Into<String>,
        due: Timestamp,
    ) -> Command {
        Command::RequestDocument {
            request: s(request),
            vendor: s(vendor),
            contact: s(contact),
            kind: s(kind),
            due,
            request_id: None,
        }
    }

    /// Fulfil a document request with a reference to the document.
    pub fn fulfil_document(request: impl Into<String>, reference: impl Into<String>) -> Command {
        Command::FulfilDocument {
            request: s(request),
            reference: s(reference),
            request_id: None,
        }
    }

    /// Share a report with a contact.
    pub fn share_report(contact: impl Into<String>, report: impl Into<String>) -> Command {
        Command::ShareReport {
            contact: s(contact),
            report: s(report),
            request_id: None,
        }
    }

    /// The same command with an idempotency key (scoped to the actor and
    /// bound to this command).
    pub fn with_request_id(mut self, id: impl Into<String>) -> Command {
        *self.request_id_mut() = Some(id.into());
        self
    }

    /// The organisation's IP addresses and CIDR blocks
    /// (`register_organization` only; other commands are unchanged).
    pub fn with_assets<S: Into<String>>(mut self, assets: impl IntoIterator<Item = S>) -> Command {
        if let Command::RegisterOrganization { assets: a, .. } = &mut self {
            *a = strings(assets);
        }
        self
    }

    /// A contact's job title (`add_contact` only).
    pub fn with_title(mut self, title: impl Into<String>) -> Command {
        if let Command::AddContact { title: t, .. } = &mut self {
            *t = Some(title.into());
        }
        self
    }

    /// An invitation's message (`send_invitation`, `resend_invitation`).
    pub fn with_message(mut self, message: impl Into<String>) -> Command {
        if let Command::SendInvitation { message: m, .. }
        | Command::ResendInvitation { message: m, .. } = &mut self
        {
            *m = Some(message.into());
        }
        self
    }

    /// Issue types suggested with an expectation (`set_expectation` only).
    pub fn with_suggested_issues<S: Into<String>>(
        mut self,
        issues: impl IntoIterator<Item = S>,
    ) -> Command {
        if let Command::SetExpectation {
            suggested_issues, ..
        } = &mut self
        {
            *suggested_issues = strings(issues);
        }
        self
    }
}
