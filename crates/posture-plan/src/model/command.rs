//! Commands: what users and the host ask of the workflow.

use posture_core::{Factor, Grade, Outcome, Timestamp};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a plan or expectation aims at: exactly one of `grade`, `score` or
/// `issues`, and `factor` only with a grade or a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanTarget {
    /// With `grade` or `score`: judge that factor's recorded score instead of
    /// the overall score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<Factor>,
    /// A grade to reach (not `?`), judged from the vendor's recorded score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// A score to reach (0–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Decimal>,
    /// Issue types to fix, for a plan only (ids of the workflow's catalog, at
    /// least one): met when the plan has items on them, all verified or
    /// accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<String>>,
}

/// A command, as the wire protocol's `command` object.
///
/// Ids a command creates (a plan, contact, questionnaire, document request,
/// shared report) live in the actor's organisation's namespace. A command
/// that refers to one names it `ID` (resolved among what the actor may
/// see; refused with `invalid` when that is ambiguous) or `ORG/ID`. Every
/// id a command creates (organisations and users too) is 1 to 128 bytes,
/// with no `/`, no control or bidi characters and no surrounding spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Command {
    /// Register an organisation (host only).
    RegisterOrganization {
        /// The new organisation's id: the `ORG` of `ORG/ID` references.
        org: String,
        /// The organisation's display name (not blank).
        name: String,
        /// Its domains: host names at and under them are its footprint.
        domains: Vec<String>,
        /// Its IP addresses and CIDR blocks.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        assets: Vec<String>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Register a user of an organisation (host only).
    RegisterUser {
        /// The new user's id, which is the `actor` of their commands (not
        /// `host`).
        user: String,
        /// The id of the registered organisation the user belongs to.
        org: String,
        /// The user's display name.
        name: String,
        /// The user's e-mail address: one mailbox, ASCII, with a dot-atom local
        /// part.
        email: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Record that a user logged in (host only).
    RecordLogin {
        /// The id of the registered user who logged in (a login claims the
        /// organisation's scorecard).
        user: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Record an organisation's current score (host only).
    RecordScore {
        /// The id of the registered organisation scored.
        org: String,
        /// Score, 0–100.
        score: Decimal,
        /// The grade that goes with the score, stored as given (targets are
        /// judged from the scores, not from it).
        grade: Grade,
        /// Scores by factor, each 0–100; they replace those recorded before
        /// (none when absent).
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "posture_core::keyed::option_map"
        )]
        factors: Option<std::collections::BTreeMap<Factor, Decimal>>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Create a draft action plan for a vendor, assigned to one of its users.
    CreatePlan {
        /// The new plan's id, chosen by the caller, in the actor's
        /// organisation's namespace.
        plan: String,
        /// The vendor organisation's id (registered, and not the actor's own).
        vendor: String,
        /// A registered user of the vendor.
        assignee: String,
        /// The plan's title (not blank).
        title: String,
        /// What the plan aims at.
        target: PlanTarget,
        /// When the plan is due (RFC 3339); a sent plan not finished by then is
        /// overdue.
        due: Timestamp,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Add an item: an issue on an asset, or a questionnaire risk.
    AddPlanItem {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// The new item's id, chosen by the caller, unique within the plan.
        item: String,
        /// The issue type, an id of the workflow's catalog (with `asset`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issue: Option<String>,
        /// Asset: one host name at or under one of the vendor's domains, or
        /// one IP address inside its registered blocks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<String>,
        /// Instead of `issue` and `asset`: a risk (`QUESTIONNAIRE:QUESTION`)
        /// from a failing answer to one of the requester's questionnaires to
        /// the vendor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        questionnaire_risk: Option<String>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Send a draft plan to its assignee.
    SendPlan {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Close a plan.
    ClosePlan {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Cancel a plan.
    CancelPlan {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Post a message on a plan's thread.
    PostMessage {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// The message (not blank).
        text: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The assignee marks an item fixed (a rescan is requested).
    MarkFixed {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// The item's id within the plan: an open item on an issue and an
        /// asset.
        item: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The host records a rescan's result (host only).
    RecordRescan {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// The item's id within the plan: an item with a rescan pending.
        item: String,
        /// What the rescan saw.
        outcome: Outcome,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The assignee disputes an item or describes a compensating control.
    ProvideInfo {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// The item's id within the plan.
        item: String,
        /// Whether the vendor disputes the finding or describes a compensating
        /// control.
        kind: InfoKind,
        /// The dispute or the control, for the requester (not blank).
        text: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The requester accepts the information: the item is settled.
    AcceptInfo {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// The item's id within the plan.
        item: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The requester rejects the information: the item reopens.
    RejectInfo {
        /// The plan: its id in the requester's namespace (`ID`), or `ORG/ID`.
        plan: String,
        /// The item's id within the plan.
        item: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Add a contact at a vendor (corporate e-mail on one of its domains).
    AddContact {
        /// The new contact's id, chosen by the caller, in the actor's
        /// organisation's namespace.
        contact: String,
        /// The vendor organisation's id (registered, and not the actor's own).
        vendor: String,
        /// The contact's name (not blank).
        name: String,
        /// The contact's corporate e-mail: one mailbox (ASCII, dot-atom local
        /// part) at or under one of the vendor's domains, not at a free-mail
        /// provider.
        email: String,
        /// Job title.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Edit a contact (any of its fields).
    EditContact {
        /// The contact: its id in the actor's organisation's namespace (`ID`),
        /// or `ORG/ID`.
        contact: String,
        /// A new vendor organisation id (a contact that accepted an invitation
        /// stays with its vendor).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vendor: Option<String>,
        /// A new name (not blank).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// A new corporate e-mail, checked as in `add_contact` against the
        /// contact's (possibly new) vendor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        /// New title.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Remove a contact.
    RemoveContact {
        /// The contact: its id in the actor's organisation's namespace (`ID`),
        /// or `ORG/ID`.
        contact: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Invite a contact to claim the vendor's scorecard.
    SendInvitation {
        /// The contact: its id in the actor's organisation's namespace (`ID`),
        /// or `ORG/ID`.
        contact: String,
        /// A short personal message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Send a pending invitation again.
    ResendInvitation {
        /// The contact: its id in the actor's organisation's namespace (`ID`),
        /// or `ORG/ID`.
        contact: String,
        /// A short personal message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Set (or replace) the score expectation for a vendor.
    SetExpectation {
        /// The vendor organisation's id (registered, and not the actor's own).
        vendor: String,
        /// `{"grade"}` or `{"score"}`, optionally with `factor`.
        target: PlanTarget,
        /// When the target should be met (RFC 3339); an expectation not met by
        /// then is unmet.
        due: Timestamp,
        /// Issue types suggested for fixing (ids of the workflow's catalog).
        #[serde(default)]
        suggested_issues: Vec<String>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Renew an expectation that is not met (pending or unmet) with a new due
    /// date.
    RepeatExpectation {
        /// The vendor organisation's id: one the actor's organisation has an
        /// expectation for.
        vendor: String,
        /// The new due date (RFC 3339).
        due: Timestamp,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Remind the contacts of vendors who missed an expectation and the
    /// assignees of overdue plans, on behalf of each requesting
    /// organisation, at most once per (organisation, recipient) per 7 days
    /// (host only).
    RemindOverdue {
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Send a vendor contact an assessment questionnaire.
    SendQuestionnaire {
        /// The new questionnaire's id, chosen by the caller, in the actor's
        /// organisation's namespace (no `:` either: risk ids are
        /// `QUESTIONNAIRE:QUESTION`).
        questionnaire: String,
        /// The vendor organisation's id; the contact must be at it.
        vendor: String,
        /// The contact who answers, kept by the actor's organisation at
        /// `vendor`: its id (`ID`), or `ORG/ID`.
        contact: String,
        /// The questions: at least one, with distinct ids.
        questions: Vec<Question>,
        /// When the answers are due (RFC 3339).
        due: Timestamp,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The contact's user answers a questionnaire.
    AnswerQuestionnaire {
        /// The questionnaire: its id in the requester's namespace (`ID`), or
        /// `ORG/ID`.
        questionnaire: String,
        /// Exactly one answer per question of the questionnaire.
        answers: Vec<Answer>,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Ask a vendor contact for a security document.
    RequestDocument {
        /// The new request's id, chosen by the caller, in the actor's
        /// organisation's namespace.
        request: String,
        /// The vendor organisation's id; the contact must be at it.
        vendor: String,
        /// The contact asked, kept by the actor's organisation at `vendor`: its
        /// id (`ID`), or `ORG/ID`.
        contact: String,
        /// Kind of document, such as `soc2` or `pentest` (not blank).
        kind: String,
        /// When the document is due (RFC 3339).
        due: Timestamp,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The contact's user fulfils a document request by reference.
    FulfilDocument {
        /// The document request: its id in the requester's namespace (`ID`), or
        /// `ORG/ID`.
        request: String,
        /// Where the document is (not blank).
        reference: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Share a report (a scorecard snapshot) with a contact; sharing the
    /// same report with the same contact again is a no-op.
    ShareReport {
        /// The contact: its id in the actor's organisation's namespace (`ID`),
        /// or `ORG/ID`.
        contact: String,
        /// The report's id, chosen by the caller, in the actor's organisation's
        /// namespace.
        report: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The contact accepted: the host creates their vendor user (host only).
    AcceptInvitation {
        /// The invited contact: its id in the requester's namespace (`ID`), or
        /// `ORG/ID`.
        contact: String,
        /// The id of the vendor user to create (not taken, and not `host`).
        user: String,
        /// Idempotency key, scoped to the actor: a repeat with the identical
        /// command gets the first response again; with another command, a
        /// `conflict`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
}

/// Matches every command on its `request_id` field (one list for the
/// shared and the mutable accessor).
macro_rules! on_request_id {
    ($command:expr, $id:ident => $body:expr) => {
        match $command {
            Command::RegisterOrganization {
                request_id: $id, ..
            }
            | Command::RegisterUser {
                request_id: $id, ..
            }
            | Command::RecordLogin {
                request_id: $id, ..
            }
            | Command::RecordScore {
                request_id: $id, ..
            }
            | Command::CreatePlan {
                request_id: $id, ..
            }
            | Command::AddPlanItem {
                request_id: $id, ..
            }
            | Command::SendPlan {
                request_id: $id, ..
            }
            | Command::ClosePlan {
                request_id: $id, ..
            }
            | Command::CancelPlan {
                request_id: $id, ..
            }
            | Command::PostMessage {
                request_id: $id, ..
            }
            | Command::MarkFixed {
                request_id: $id, ..
            }
            | Command::RecordRescan {
                request_id: $id, ..
            }
            | Command::ProvideInfo {
                request_id: $id, ..
            }
            | Command::AcceptInfo {
                request_id: $id, ..
            }
            | Command::RejectInfo {
                request_id: $id, ..
            }
            | Command::AddContact {
                request_id: $id, ..
            }
            | Command::EditContact {
                request_id: $id, ..
            }
            | Command::RemoveContact {
                request_id: $id, ..
            }
            | Command::SendInvitation {
                request_id: $id, ..
            }
            | Command::ResendInvitation {
                request_id: $id, ..
            }
            | Command::AcceptInvitation {
                request_id: $id, ..
            }
            | Command::SetExpectation {
                request_id: $id, ..
            }
            | Command::RepeatExpectation {
                request_id: $id, ..
            }
            | Command::RemindOverdue {
                request_id: $id, ..
            }
            | Command::SendQuestionnaire {
                request_id: $id, ..
            }
            | Command::AnswerQuestionnaire {
                request_id: $id, ..
            }
            | Command::RequestDocument {
                request_id: $id, ..
            }
            | Command::FulfilDocument {
                request_id: $id, ..
            }
            | Command::ShareReport {
                request_id: $id, ..
            } => $body,
        }
    };
}

impl Command {
    /// The command's `request_id`, if any.
    pub fn request_id(&self) -> Option<&str> {
        on_request_id!(self, id => id.as_deref())
    }

    /// The command's `request_id` field.
    pub(crate) fn request_id_mut(&mut self) -> &mut Option<String> {
        on_request_id!(self, id => id)
    }
}

/// A questionnaire question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The question's id, distinct within the questionnaire (1 to 128 bytes, no
    /// `/`, control or bidi characters or surrounding spaces); its risk id is
    /// `QUESTIONNAIRE:ID`.
    pub id: String,
    /// The question.
    pub text: String,
    /// Severity of a failing answer.
    pub severity: posture_core::Severity,
}

/// An answer to one question of a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The question's id.
    pub id: String,
    /// Whether the answer passes; a failing one raises a questionnaire risk.
    pub pass: bool,
    /// An optional comment on the answer.
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
