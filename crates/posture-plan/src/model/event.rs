//! Events (what happened, as stored) and effects (work for the host).

use super::command::{Answer, PlanTarget, Question};
use posture_core::{Factor, Grade, Timestamp};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Plan statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Being prepared.
    Draft,
    /// Sent to the assignee.
    Sent,
    /// Closed.
    Closed,
    /// Cancelled.
    Cancelled,
}

/// Item statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// To do (also after a detected rescan or rejected information).
    Open,
    /// Marked fixed; a rescan is due.
    PendingRescan,
    /// Confirmed by a clean rescan.
    Verified,
    /// Dispute or compensating control awaiting the requester.
    InfoProvided,
    /// Information accepted: settled.
    Accepted,
}

/// An event: what happened, as stored. On the wire an event is an object
/// with one key, its kind (`{"plan_created": {...}}`): externally tagged,
/// which parses without buffering (replay speed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Event {
    /// An organisation was registered.
    OrganizationRegistered {
        /// Id.
        org: String,
        /// Name.
        name: String,
        /// Domains.
        domains: Vec<String>,
        /// IP addresses and CIDR blocks.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        assets: Vec<String>,
    },
    /// A user was registered.
    UserRegistered {
        /// Id.
        user: String,
        /// Organisation.
        org: String,
        /// Name.
        name: String,
        /// E-mail.
        email: String,
    },
    /// A user logged in.
    LoginRecorded {
        /// User.
        user: String,
    },
    /// A score was recorded.
    ScoreRecorded {
        /// Organisation.
        org: String,
        /// Score.
        score: Decimal,
        /// Grade.
        grade: Grade,
        /// Factor scores.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        factors: Option<std::collections::BTreeMap<Factor, Decimal>>,
    },
    /// A plan was created.
    PlanCreated {
        /// Plan.
        plan: String,
        /// Requesting organisation.
        requester: String,
        /// Vendor.
        vendor: String,
        /// Assignee.
        assignee: String,
        /// Title.
        title: String,
        /// Target.
        target: PlanTarget,
        /// Due.
        due: Timestamp,
    },
    /// An item was added.
    ItemAdded {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Plan.
        plan: String,
        /// Item.
        item: String,
        /// Issue.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issue: Option<String>,
        /// Asset.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<String>,
        /// Questionnaire risk.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        questionnaire_risk: Option<String>,
    },
    /// The plan's status changed.
    PlanStatusChanged {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Plan.
        plan: String,
        /// New status.
        status: PlanStatus,
    },
    /// A message was posted.
    MessagePosted {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Plan.
        plan: String,
        /// Author.
        from: String,
        /// Text.
        text: String,
    },
    /// A contact was added or edited (the full new fields).
    ContactSaved {
        /// Contact.
        contact: String,
        /// The requesting organisation that keeps it.
        requester: String,
        /// Its fields.
        fields: ContactFields,
    },
    /// A contact was removed.
    ContactRemoved {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Contact.
        contact: String,
    },
    /// An invitation was sent (or re-sent).
    InvitationSent {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Contact.
        contact: String,
        /// Personal message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// A re-send.
        resend: bool,
    },
    /// An expectation was set (replacing any earlier one).
    ExpectationSet {
        /// Requesting organisation.
        requester: String,
        /// Vendor.
        vendor: String,
        /// Target.
        target: PlanTarget,
        /// Due.
        due: Timestamp,
        /// Suggested issue types.
        suggested_issues: Vec<String>,
    },
    /// An unmet expectation was renewed.
    ExpectationRepeated {
        /// Requesting organisation.
        requester: String,
        /// Vendor.
        vendor: String,
        /// New due date.
        due: Timestamp,
    },
    /// A reminder was sent.
    ReminderSent {
        /// The requesting organisation on whose behalf it was sent.
        requester: String,
        /// Recipient e-mail.
        to: String,
        /// The contact, when reminded about an expectation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact: Option<String>,
        /// The plan, when reminded about an overdue plan.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan: Option<String>,
    },
    /// A questionnaire was sent.
    QuestionnaireSent {
        /// Id.
        questionnaire: String,
        /// Requesting organisation.
        requester: String,
        /// Vendor.
        vendor: String,
        /// Contact.
        contact: String,
        /// Questions.
        questions: Vec<Question>,
        /// Due.
        due: Timestamp,
    },
    /// A questionnaire was answered.
    QuestionnaireAnswered {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Id.
        questionnaire: String,
        /// Answers.
        answers: Vec<Answer>,
    },
    /// A document was requested.
    DocumentRequested {
        /// Id.
        request: String,
        /// Requesting organisation.
        requester: String,
        /// Vendor.
        vendor: String,
        /// Contact.
        contact: String,
        /// Kind.
        kind: String,
        /// Due.
        due: Timestamp,
    },
    /// A document request was fulfilled.
    DocumentFulfilled {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Id.
        request: String,
        /// Reference.
        reference: String,
    },
    /// A report was shared with a contact.
    ReportShared {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Contact.
        contact: String,
        /// Report reference.
        report: String,
    },
    /// An invitation was accepted by a new vendor user.
    InvitationAccepted {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Contact.
        contact: String,
        /// The user created.
        user: String,
    },
    /// An item's status changed.
    ItemStatusChanged {
        /// Requesting organisation (the namespace).
        requester: String,
        /// Plan.
        plan: String,
        /// Item.
        item: String,
        /// New status.
        status: ItemStatus,
        /// Information text, with `info_provided`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        info: Option<String>,
    },
}

/// Contact events (part of [`Event`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactFields {
    /// Vendor organisation.
    pub vendor: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A stored event with its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Schema version.
    pub v: u32,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// What.
    pub event: Event,
}

/// Work the host must do; the core never performs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Effect {
    /// Rescan an issue on an asset and report with `record_rescan`
    /// (naming the plan `REQUESTER/PLAN`).
    Rescan {
        /// The plan's requesting organisation.
        requester: String,
        /// Plan.
        plan: String,
        /// Item.
        item: String,
        /// Vendor.
        vendor: String,
        /// Issue.
        issue: String,
        /// Asset.
        asset: String,
    },
    /// Send an e-mail.
    Email {
        /// Template (`plan_sent`, `plan_message`, …).
        template: String,
        /// Recipient address.
        to: String,
        /// The requesting organisation on whose behalf it is sent.
        requester: String,
        /// Plan, when about one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan: Option<String>,
    },
}
