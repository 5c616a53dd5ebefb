//! Signal collection of Posture: what can be observed from outside.
//!
//! - [`scan`] runs the collectors over targets (domains, host names, IPs,
//!   CIDR blocks) under a [`ScanPolicy`] and returns [`Signal`]s: for each
//!   asset and check (the catalog issue type it tests for) the outcome
//!   `detected`, `clean` or `inconclusive` with the reason, the evidence,
//!   the time and the source.
//! - DNS checks per domain: SPF (a full RFC 7208 evaluator, [`spf`]), DMARC
//!   with the organisational-domain fallback ([`dmarc`]), DKIM key sizes
//!   ([`dkim`]), MX, NS, CAA, DNSSEC, MTA-STS, TLS-RPT, dangling CNAMEs.
//! - Network checks on listed addresses only: TCP connect probes mapped by a
//!   port table ([`PORT_TABLE`], or `PORT=ISSUE`) and DNSBL look-ups.
//!
//! A DNS failure (timeout, SERVFAIL, REFUSED, truncation, the deadline) is
//! inconclusive, never a finding. This is the only crate of Posture that
//! does network I/O.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), posture_signals::ScanError> {
//! use posture_signals::{scan, ScanConfig};
//! let mut config = ScanConfig::default();
//! config.policy.nameserver = Some("127.0.0.1:5353".parse().unwrap());
//! let report = scan(&["acme.example".to_string()], &config).await?;
//! for s in &report.signals {
//!     println!("{} {} {:?}", s.asset, s.check, s.outcome);
//! }
//! # Ok(()) }
//! ```

mod collect;
pub mod dkim;
pub mod dmarc;
mod dns;
mod policy;
mod signal;
pub mod spf;

pub use collect::{
    DEFAULT_DKIM_SELECTORS, PORT_TABLE, PortCheck, Progress, ScanConfig, ScanError, ScanReport,
    parse_ports, scan, scan_with_progress,
};
pub use dns::{Dns, DnsFailure, DnsSetupError, reverse_name};
pub use policy::ScanPolicy;
pub use signal::Signal;
