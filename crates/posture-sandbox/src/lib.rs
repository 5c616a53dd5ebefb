//! An in-process authoritative DNS server on loopback, for Posture's tests
//! and its offline demo.
//!
//! A [`World`] holds records by name and type and faults to inject
//! ([`Fault`]: silence, late answers, SERVFAIL, REFUSED, truncation with TCP
//! refused). [`DnsSandbox`] serves it over UDP and TCP on one OS-chosen port
//! of a loopback address; the world can change while it runs (the demo's
//! vendor "fixes" its records that way).
//!
//! It answers like an authoritative server: matching records, CNAME chains
//! within the world (a chain ending in a missing name is NXDOMAIN), NODATA
//! with an SOA for existing names (including empty non-terminals), NXDOMAIN
//! otherwise. It never sends a packet anywhere but to whoever asked.

mod server;
mod world;

pub use server::{DnsSandbox, SandboxError};
pub use world::{Fault, RecordKind, RecordValue, World, normalise};
