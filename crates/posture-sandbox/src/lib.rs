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
//!
//! [`TcpService`] is a listener that accepts and drops connections: the
//! stand-in for an exposed service (Redis, FTP, …) that a TCP probe finds
//! open. [`WebServer`] and [`SmtpServer`] are sites and mail exchangers
//! with certificates from a [`TestCa`]. [`sample`] is the world `posture demo` scans: a requesting
//! organisation and its vendors, with the fixes each can make.

pub mod sample;
mod server;
mod tcp;
mod web;
mod world;

pub use server::{DnsSandbox, SandboxError};
pub use tcp::{ClosedPort, TcpService};
pub use web::{CertSpec, Identity, Page, Site, SmtpServer, TestCa, WebServer, same_port};
pub use world::{Fault, RecordKind, RecordValue, World, normalise};
