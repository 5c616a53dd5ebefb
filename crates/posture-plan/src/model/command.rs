//! Commands: what users and the host ask of the workflow.

use posture_core::{Factor, Grade, Outcome, Timestamp};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a plan or expectation aims at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanTarget {
    /// A factor, for factor targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<Factor>,
    /// A grade to reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// A score to reach (0–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Decimal>,
    /// Issue types to fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<String>>,
}

/// A command, as the wire protocol's `command` object.
///
/// Ids a command creates (a plan, contact, questionnaire, document request,
/// shared report) live in the actor's organisation's namespace. A command
/// that refers to one names it `ID` (resolved among what the actor may
/// see; refused with `invalid` when that is ambiguous) or `ORG/ID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Command {
    /// Register an organisation (host only).
    RegisterOrganization {
        /// Id (no `/`: it prefixes the organisation's object ids).
        org: String,
        /// Name.
        name: String,
        /// Its domains: host names at and under them are its footprint.
        domains: Vec<String>,
        /// Its IP addresses and CIDR blocks.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        assets: Vec<String>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Register a user of an organisation (host only).
    RegisterUser {
        /// Id.
        user: String,
        /// Organisation.
        org: String,
        /// Name.
        name: String,
        /// E-mail.
        email: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Record that a user logged in (host only).
    RecordLogin {
        /// User.
        user: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Record an organisation's current score (host only).
    RecordScore {
        /// Organisation.
        org: String,
        /// Score, 0–100.
        score: Decimal,
        /// Grade.
        grade: Grade,
        /// Factor scores.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "posture_core::keyed::option_map"
        )]
        factors: Option<std::collections::BTreeMap<Factor, Decimal>>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Create a draft action plan for a vendor contact.
    CreatePlan {
        /// Plan id (caller-chosen).
        plan: String,
        /// Vendor organisation.
        vendor: String,
        /// A registered user of the vendor.
        assignee: String,
        /// Title.
        title: String,
        /// What the plan aims at.
        target: PlanTarget,
        /// Due date.
        due: Timestamp,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Add an item: an issue on an asset, or a questionnaire risk.
    AddPlanItem {
        /// Plan (`ID` or `ORG/ID`).
        plan: String,
        /// Item id (caller-chosen).
        item: String,
        /// Issue type: an id of the workflow's catalog.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issue: Option<String>,
        /// Asset: one host name at or under one of the vendor's domains, or
        /// one IP address inside its registered blocks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<String>,
        /// Questionnaire risk id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        questionnaire_risk: Option<String>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Send a draft plan to its assignee.
    SendPlan {
        /// Plan.
        plan: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Close a plan.
    ClosePlan {
        /// Plan.
        plan: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Cancel a plan.
    CancelPlan {
        /// Plan.
        plan: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Post a message on a plan's thread.
    PostMessage {
        /// Plan.
        plan: String,
        /// Text.
        text: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The assignee marks an item fixed (a rescan is requested).
    MarkFixed {
        /// Plan.
        plan: String,
        /// Item.
        item: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The host records a rescan's result (host only).
    RecordRescan {
        /// Plan.
        plan: String,
        /// Item.
        item: String,
        /// What the rescan saw.
        outcome: Outcome,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The assignee disputes an item or describes a compensating control.
    ProvideInfo {
        /// Plan.
        plan: String,
        /// Item.
        item: String,
        /// Kind.
        kind: InfoKind,
        /// Text.
        text: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The requester accepts the information: the item is settled.
    AcceptInfo {
        /// Plan.
        plan: String,
        /// Item.
        item: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The requester rejects the information: the item reopens.
    RejectInfo {
        /// Plan.
        plan: String,
        /// Item.
        item: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Add a contact at a vendor (corporate e-mail on one of its domains).
    AddContact {
        /// Contact id (caller-chosen).
        contact: String,
        /// Vendor organisation.
        vendor: String,
        /// Name.
        name: String,
        /// Corporate e-mail.
        email: String,
        /// Job title.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Edit a contact (any of its fields).
    EditContact {
        /// Contact.
        contact: String,
        /// New vendor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vendor: Option<String>,
        /// New name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// New e-mail.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        /// New title.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Remove a contact.
    RemoveContact {
        /// Contact.
        contact: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Invite a contact to claim the vendor's scorecard.
    SendInvitation {
        /// Contact.
        contact: String,
        /// A short personal message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Send a pending invitation again.
    ResendInvitation {
        /// Contact.
        contact: String,
        /// A short personal message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Set (or replace) the score expectation for a vendor.
    SetExpectation {
        /// Vendor organisation.
        vendor: String,
        /// `{"grade"}` or `{"score"}`, optionally with `factor`.
        target: PlanTarget,
        /// Due date.
        due: Timestamp,
        /// Issue types suggested for fixing.
        #[serde(default)]
        suggested_issues: Vec<String>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Renew an unmet expectation with a new due date.
    RepeatExpectation {
        /// Vendor organisation.
        vendor: String,
        /// New due date.
        due: Timestamp,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Remind vendors who missed an expectation and assignees of overdue
    /// plans, at most once per recipient per 7 days (host only).
    RemindOverdue {
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Send a vendor contact an assessment questionnaire.
    SendQuestionnaire {
        /// Questionnaire id (caller-chosen).
        questionnaire: String,
        /// Vendor organisation.
        vendor: String,
        /// The contact who answers.
        contact: String,
        /// The questions.
        questions: Vec<Question>,
        /// Due date.
        due: Timestamp,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The contact's user answers a questionnaire.
    AnswerQuestionnaire {
        /// Questionnaire.
        questionnaire: String,
        /// One answer per question.
        answers: Vec<Answer>,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Ask a vendor contact for a security document.
    RequestDocument {
        /// Request id (caller-chosen).
        request: String,
        /// Vendor organisation.
        vendor: String,
        /// The contact asked.
        contact: String,
        /// Kind of document (e.g. `soc2`, `pentest`).
        kind: String,
        /// Due date.
        due: Timestamp,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The contact's user fulfils a document request by reference.
    FulfilDocument {
        /// Request.
        request: String,
        /// Where the document is.
        reference: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Share a report (a scorecard snapshot) with a contact; sharing the
    /// same report with the same contact again is a no-op.
    ShareReport {
        /// Contact.
        contact: String,
        /// Report id (caller-chosen, in the organisation's namespace).
        report: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The contact accepted: the host creates their vendor user (host only).
    AcceptInvitation {
        /// Contact.
        contact: String,
        /// The user id to create.
        user: String,
        /// Idempotency key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
}

impl Command {
    /// The command's `request_id`, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Command::RegisterOrganization { request_id, .. }
            | Command::RegisterUser { request_id, .. }
            | Command::RecordLogin { request_id, .. }
            | Command::RecordScore { request_id, .. }
            | Command::CreatePlan { request_id, .. }
            | Command::AddPlanItem { request_id, .. }
            | Command::SendPlan { request_id, .. }
            | Command::ClosePlan { request_id, .. }
            | Command::CancelPlan { request_id, .. }
            | Command::PostMessage { request_id, .. }
            | Command::MarkFixed { request_id, .. }
            | Command::RecordRescan { request_id, .. }
            | Command::ProvideInfo { request_id, .. }
            | Command::AcceptInfo { request_id, .. }
            | Command::RejectInfo { request_id, .. }
            | Command::AddContact { request_id, .. }
            | Command::EditContact { request_id, .. }
            | Command::RemoveContact { request_id, .. }
            | Command::SendInvitation { request_id, .. }
            | Command::ResendInvitation { request_id, .. }
            | Command::AcceptInvitation { request_id, .. }
            | Command::SetExpectation { request_id, .. }
            | Command::RepeatExpectation { request_id, .. }
            | Command::RemindOverdue { request_id }
            | Command::SendQuestionnaire { request_id, .. }
            | Command::AnswerQuestionnaire { request_id, .. }
            | Command::RequestDocument { request_id, .. }
            | Command::FulfilDocument { request_id, .. }
            | Command::ShareReport { request_id, .. } => request_id.as_deref(),
        }
    }

    /// The command's `request_id` field.
    pub(crate) fn request_id_mut(&mut self) -> &mut Option<String> {
        match self {
            Command::RegisterOrganization { request_id, .. }
            | Command::RegisterUser { request_id, .. }
            | Command::RecordLogin { request_id, .. }
            | Command::RecordScore { request_id, .. }
            | Command::CreatePlan { request_id, .. }
            | Command::AddPlanItem { request_id, .. }
            | Command::SendPlan { request_id, .. }
            | Command::ClosePlan { request_id, .. }
            | Command::CancelPlan { request_id, .. }
            | Command::PostMessage { request_id, .. }
            | Command::MarkFixed { request_id, .. }
            | Command::RecordRescan { request_id, .. }
            | Command::ProvideInfo { request_id, .. }
            | Command::AcceptInfo { request_id, .. }
            | Command::RejectInfo { request_id, .. }
            | Command::AddContact { request_id, .. }
            | Command::EditContact { request_id, .. }
            | Command::RemoveContact { request_id, .. }
            | Command::SendInvitation { request_id, .. }
            | Command::ResendInvitation { request_id, .. }
            | Command::AcceptInvitation { request_id, .. }
            | Command::SetExpectation { request_id, .. }
            | Command::RepeatExpectation { request_id, .. }
            | Command::RemindOverdue { request_id }
            | Command::SendQuestionnaire { request_id, .. }
            | Command::AnswerQuestionnaire { request_id, .. }
            | Command::RequestDocument { request_id, .. }
            | Command::FulfilDocument { request_id, .. }
            | Command::ShareReport { request_id, .. } => request_id,
        }
    }
}

/// A questionnaire question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Id within the questionnaire.
    pub id: String,
    /// The question.
    pub text: String,
    /// Severity of a failing answer.
    pub severity: posture_core::Severity,
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The question's id.
    pub id: String,
    /// Whether the answer passes.
    pub pass: bool,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Kind of information a vendor provides about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InfoKind {
    /// The finding is wrong.
    Dispute,
    /// The risk is mitigated another way.
    CompensatingControl,
}
