//! Read models: what each actor sees. Every query is scoped to the actor
//! (a plan they may see, their organisation's contacts); what they may not
//! see answers `not_found`.

mod contacts;
mod plans;

pub use contacts::{
    ContactFilter, ContactRow, ExpectationFilter, HistoryEntry, Insights, InvitationState,
    contacts, history, insights, questionnaire_risks,
};
pub use plans::{ItemView, MessageView, PlanView, Progress, assigned, plan_view, sent};
