//! The vendor action-plan workflow of Posture (work in progress: the pure
//! core; the SQLite event store, the wire protocol and the queries follow).
//!
//! - [`Command`]s come from users and the host; [`decide`] checks the actor
//!   and the state and returns [`Event`]s and [`Effect`]s (rescans and
//!   e-mails the host performs), or a [`WorkflowError`] with a stable code.
//! - [`apply`] folds events into the [`State`]; replaying the stored events
//!   always rebuilds the same state.
//!
//! The library trusts `actor` as given: authenticating people is the host's
//! job.

mod core;
mod model;
pub mod query;
mod store;

pub use crate::core::{
    Contact, Decision, DocumentRequest, Expectation, ExpectationStatus, Item, Message, Org, Plan,
    Questionnaire, QuestionnaireRiskView, State, User, WorkflowError, apply, apply_owned, decide,
    meets,
};
pub use crate::model::{
    Answer, Command, ContactFields, EVENT_VERSION, Effect, Envelope, Event, HOST, InfoKind,
    ItemStatus, PlanStatus, PlanTarget, Question,
};
pub use crate::store::{Request, Response, Store, StoreError};
