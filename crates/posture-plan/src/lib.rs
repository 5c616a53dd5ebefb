//! The vendor action-plan workflow of Posture: a pure decide/apply core
//! over versioned commands and events, a durable SQLite event store, and
//! the read models the contact manager and plan views show.
//!
//! - [`Command`]s come from users and the host; [`decide`] checks the actor
//!   and the state and returns [`Event`]s and [`Effect`]s (rescans and
//!   e-mails the host performs), or a [`WorkflowError`] with a stable code.
//! - [`apply`] folds events into the [`State`]; replaying the stored events
//!   always rebuilds the same state.
//! - [`Store`] keeps the events (group commit, request ids scoped to the
//!   actor and bound to the command) and opens read-only for queries. It
//!   also keeps a snapshot of the state, derived data that lets a large
//!   store open without replaying every event.
//! - [`query`] builds what actors see.
//!
//! Tenancy: what a requesting organisation creates (plans, contacts,
//! questionnaires, document requests, shared reports) lives in its own
//! namespace, keyed by (organisation, id) ([`Key`]). Nothing an actor
//! receives, be it a view, an error, a conflict or a count, reveals
//! another organisation's objects.
//!
//! Trust: the library trusts `actor` as given; authenticating people is
//! the host's job.
//!
//! # Example
//!
//! ```
//! use posture_plan::{Command, HOST, State, apply, decide};
//! let catalog = posture_core::Catalog::builtin();
//! let now = "2026-11-01T00:00:00Z".parse().unwrap();
//! let mut state = State::default();
//! let mut run = |actor: &str, json: &str| {
//!     let cmd: Command = serde_json::from_str(json).unwrap();
//!     let d = decide(&state, &catalog, &cmd, actor, now)?;
//!     d.events.iter().for_each(|e| apply(&mut state, e));
//!     Ok::<_, posture_plan::WorkflowError>(d.effects)
//! };
//! run(HOST, r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#).unwrap();
//! run(HOST, r#"{"type": "register_organization", "org": "pay", "name": "Pay", "domains": ["pay.example"]}"#).unwrap();
//! run(HOST, r#"{"type": "register_user", "user": "alice", "org": "acme", "name": "Alice", "email": "alice@acme.example"}"#).unwrap();
//! run(HOST, r#"{"type": "register_user", "user": "victor", "org": "pay", "name": "Victor", "email": "victor@pay.example"}"#).unwrap();
//! run("alice", r#"{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor",
//!     "title": "Fix mail", "target": {"grade": "B"}, "due": "2026-12-01T00:00:00Z"}"#).unwrap();
//! // An item must stay inside the vendor's footprint.
//! let e = run("alice", r#"{"type": "add_plan_item", "plan": "p1", "item": "i1",
//!     "issue": "spf_missing", "asset": "victim.example"}"#).unwrap_err();
//! assert_eq!(e.code, "invalid");
//! run("alice", r#"{"type": "add_plan_item", "plan": "p1", "item": "i1",
//!     "issue": "spf_missing", "asset": "pay.example"}"#).unwrap();
//! assert_eq!(state.plans.get("acme", "p1").unwrap().items.len(), 1);
//! ```

mod access;
mod decide;
mod error;
mod model;
mod namespace;
pub mod query;
mod snapshot;
mod state;
mod store;
mod text;
mod upgrade;
mod validate;
pub mod wire;

pub use crate::decide::{Decision, decide};
pub use crate::error::WorkflowError;
pub use crate::model::{
    Answer, Command, ContactFields, EVENT_VERSION, Effect, Envelope, Event, HOST, InfoKind,
    ItemStatus, PlanStatus, PlanTarget, Question,
};
pub use crate::namespace::{Key, Namespaced};
pub use crate::snapshot::SNAPSHOT_FORMAT;
pub use crate::state::{
    Contact, DocumentRequest, Expectation, ExpectationStatus, Item, Items, Message, Org, Plan,
    Questionnaire, QuestionnaireRiskView, SharedReport, State, User, apply, apply_owned, meets,
};
pub use crate::store::{Request, Response, SnapshotPolicy, Store, StoreError};
pub use crate::text::{InlineStr, SharedStr};
pub use crate::validate::{MAX_ID_BYTES, in_footprint};

#[cfg(test)]
mod send_sync {
    fn assert<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert::<super::State>();
        assert::<super::Command>();
        assert::<super::Envelope>();
        assert::<super::WorkflowError>();
        assert::<super::Response>();
    }
}
