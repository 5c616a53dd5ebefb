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
    /// Being prepared by the requester; the assignee cannot see it yet.
    Draft,
    /// Sent to the assignee.
    Sent,
    /// Closed by the requester once sent: finished.
    Closed,
    /// Cancelled by the requester, as a draft or once sent: finished.
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
        /// The organisation's id.
        org: String,
        /// Its display name.
        name: String,
        /// Its domains (host names): names at and under them are its
        /// footprint.
        domains: Vec<String>,
        /// IP addresses and CIDR blocks.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        assets: Vec<String>,
    },
    /// A user was registered.
    UserRegistered {
        /// The user's id, the `actor` of their commands.
        user: String,
        /// The id of the organisation the user belongs to.
        org: String,
        /// The user's display name.
        name: String,
        /// The user's e-mail address.
        email: String,
    },
    /// A user logged in.
    LoginRecorded {
        /// The id of the user who logged in, at the envelope's `at`.
        user: String,
    },
    /// A score was recorded.
    ScoreRecorded {
        /// The id of the organisation scored.
        org: String,
        /// The score, 0–100.
        score: Decimal,
        /// The grade recorded with the score.
        grade: Grade,
        /// Scores by factor, 0–100, replacing those recorded before (none when
        /// absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        factors: Option<std::collections::BTreeMap<Factor, Decimal>>,
    },
    /// A plan was created.
    PlanCreated {
        /// The plan's id in the requester's namespace.
        plan: String,
        /// The requesting organisation's id: the creator's organisation, whose
        /// namespace holds the plan.
        requester: String,
        /// The vendor organisation's id.
        vendor: String,
        /// The id of the vendor user the plan is assigned to.
        assignee: String,
        /// The plan's title.
        title: String,
        /// What the plan aims at.
        target: PlanTarget,
        /// When the plan is due (RFC 3339).
        due: Timestamp,
    },
    /// An item was added.
    ItemAdded {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The plan's id in the requester's namespace.
        plan: String,
        /// The new item's id within the plan.
        item: String,
        /// The issue type, a catalog id (with `asset`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issue: Option<String>,
        /// The host name or IP address the issue is on (with `issue`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<String>,
        /// Instead of `issue` and `asset`: the questionnaire risk
        /// (`QUESTIONNAIRE:QUESTION`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        questionnaire_risk: Option<String>,
    },
    /// The plan's status changed.
    PlanStatusChanged {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The plan's id in the requester's namespace.
        plan: String,
        /// New status.
        status: PlanStatus,
    },
    /// A message was posted.
    MessagePosted {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The plan's id in the requester's namespace.
        plan: String,
        /// The user id of the author.
        from: String,
        /// The message.
        text: String,
    },
    /// A contact was added or edited (the full new fields).
    ContactSaved {
        /// The contact's id in the requester's namespace.
        contact: String,
        /// The requesting organisation that keeps it.
        requester: String,
        /// All its fields, as they now are.
        fields: ContactFields,
    },
    /// A contact was removed.
    ContactRemoved {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The removed contact's id in the requester's namespace.
        contact: String,
    },
    /// An invitation was sent (or re-sent).
    InvitationSent {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The invited contact's id in the requester's namespace.
        contact: String,
        /// The personal message, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Whether it re-sent an earlier invitation.
        resend: bool,
    },
    /// An expectation was set (replacing any earlier one).
    ExpectationSet {
        /// The requesting organisation's id.
        requester: String,
        /// The vendor organisation's id.
        vendor: String,
        /// The grade or score to reach, optionally for one factor.
        target: PlanTarget,
        /// When the target should be met (RFC 3339).
        due: Timestamp,
        /// Issue types suggested for fixing (catalog ids).
        suggested_issues: Vec<String>,
    },
    /// An expectation not met (pending or unmet) was renewed.
    ExpectationRepeated {
        /// The requesting organisation's id.
        requester: String,
        /// The vendor organisation's id.
        vendor: String,
        /// The new due date (RFC 3339).
        due: Timestamp,
    },
    /// A reminder was sent.
    ReminderSent {
        /// The requesting organisation on whose behalf it was sent.
        requester: String,
        /// The recipient's e-mail address.
        to: String,
        /// The contact's id in the requester's namespace, when reminded about
        /// an expectation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact: Option<String>,
        /// The plan's id in the requester's namespace, when reminded about an
        /// overdue plan.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan: Option<String>,
    },
    /// A questionnaire was sent.
    QuestionnaireSent {
        /// The questionnaire's id in the requester's namespace.
        questionnaire: String,
        /// The requesting organisation's id.
        requester: String,
        /// The vendor organisation's id.
        vendor: String,
        /// The id of the contact who answers, in the requester's namespace.
        contact: String,
        /// The questions asked.
        questions: Vec<Question>,
        /// When the answers are due (RFC 3339).
        due: Timestamp,
    },
    /// A questionnaire was answered.
    QuestionnaireAnswered {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The questionnaire's id in the requester's namespace.
        questionnaire: String,
        /// One answer per question.
        answers: Vec<Answer>,
    },
    /// A document was requested.
    DocumentRequested {
        /// The request's id in the requester's namespace.
        request: String,
        /// The requesting organisation's id.
        requester: String,
        /// The vendor organisation's id.
        vendor: String,
        /// The id of the contact asked, in the requester's namespace.
        contact: String,
        /// Kind of document, such as `soc2` or `pentest`.
        kind: String,
        /// When the document is due (RFC 3339).
        due: Timestamp,
    },
    /// A document request was fulfilled.
    DocumentFulfilled {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The request's id in the requester's namespace.
        request: String,
        /// Where the document is.
        reference: String,
    },
    /// A report was shared with a contact.
    ReportShared {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The id of the contact it was shared with, in the requester's
        /// namespace.
        contact: String,
        /// The report's id in the requester's namespace.
        report: String,
    },
    /// An invitation was accepted by a new vendor user.
    InvitationAccepted {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The id of the contact who accepted, in the requester's namespace.
        contact: String,
        /// The id of the vendor user created for the contact.
        user: String,
    },
    /// An item's status changed.
    ItemStatusChanged {
        /// Requesting organisation (the namespace).
        requester: String,
        /// The plan's id in the requester's namespace.
        plan: String,
        /// The item's id within the plan.
        item: String,
        /// New status.
        status: ItemStatus,
        /// With `info_provided`: the information, as `dispute: TEXT` or
        /// `compensating_control: TEXT`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        info: Option<String>,
    },
}

/// A contact's fields, as `contact_saved` records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactFields {
    /// The vendor organisation's id.
    pub vendor: String,
    /// The contact's name.
    pub name: String,
    /// The contact's corporate e-mail address.
    pub email: String,
    /// The contact's job title, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A stored event with its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The event schema version: 2 (events written by posture 0.1 have 1, and
    /// are upgraded to 2 when read).
    pub v: u32,
    /// When the command that caused the event was decided (RFC 3339).
    pub at: Timestamp,
    /// Who issued that command: a user id, or `host`.
    pub actor: String,
    /// What happened.
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
        /// The plan's id in the requester's namespace.
        plan: String,
        /// The item's id within the plan.
        item: String,
        /// The vendor organisation's id.
        vendor: String,
        /// The issue type to rescan for, a catalog id.
        issue: String,
        /// The host name or IP address to rescan.
        asset: String,
    },
    /// Send an e-mail.
    Email {
        /// Which e-mail: `plan_sent`, `plan_message`, `invitation`,
        /// `invitation_resend`, `reminder`, `questionnaire`, `document_request`
        /// or `report_shared`.
        template: String,
        /// The recipient's e-mail address.
        to: String,
        /// The requesting organisation on whose behalf it is sent.
        requester: String,
        /// The plan's id in the requester's namespace, when the e-mail is about
        /// one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan: Option<String>,
    },
}
