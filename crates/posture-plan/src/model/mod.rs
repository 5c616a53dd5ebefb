//! Commands, events and effects: the wire types of the workflow.

mod build;
mod command;
mod event;

pub use command::{Answer, Command, InfoKind, PlanTarget, Question};
pub use event::{ContactFields, Effect, Envelope, Event, ItemStatus, PlanStatus};

/// Schema version of the events this crate writes. Version 2 keys plans,
/// contacts, questionnaires, document requests and shared reports by
/// (requester organisation, id); version 1 events (global ids) are upgraded
/// when a store is read.
pub const EVENT_VERSION: u32 = 2;

/// The reserved actor of the embedding service.
pub const HOST: &str = "host";
