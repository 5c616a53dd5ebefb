//! Signal collection of Posture: what can be observed from outside, as
//! typed facts.
//!
//! - [`scan`] runs the selected checks of the registry ([`CHECKS`]) over
//!   targets (domains, host names, IPs, CIDR blocks) under a [`ScanPolicy`],
//!   and returns [`Observation`]s: per asset and check, a typed fact
//!   ([`posture_core::observe::Fact`]) or inconclusive with a reason from a
//!   closed set ([`Reason`]). No observation names a catalog issue: the
//!   rules that turn facts into findings live in `posture-classify`.
//! - DNS checks per domain: SPF (a full RFC 7208 evaluator, [`spf`]), DMARC
//!   with the organisational-domain fallback ([`dmarc`]), DKIM key sizes
//!   ([`dkim`]), MX, NS, CAA, DNSSEC, MTA-STS, TLS-RPT, CNAMEs of the name
//!   and its `www.` name.
//! - Network checks on listed addresses only: TCP connect probes of the
//!   configured ports and DNSBL look-ups.
//!
//! A DNS failure (timeout, SERVFAIL, REFUSED, truncation, a CNAME loop, the
//! deadline) is inconclusive, never a fact; so is a check that fails (a
//! panic is an `internal` observation, never a silent drop). This is the only
//! crate of Posture that does network I/O.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), posture_signals::ScanError> {
//! use posture_signals::{scan, ScanConfig};
//! let mut config = ScanConfig::default();
//! config.policy.nameserver = Some("127.0.0.1:5353".parse().unwrap());
//! let report = scan(&["acme.example".to_string()], &config).await?;
//! for o in &report.observations {
//!     println!("{} {} {}", o.asset, o.check(), o.detail);
//! }
//! # Ok(()) }
//! ```

mod checks;
pub mod dkim;
pub mod dmarc;
mod dns;
#[doc(hidden)]
pub mod fuzzing;
mod net;
mod policy;
mod registry;
mod scan;
pub mod spf;

pub use dns::{
    Dns, DnsSetupError, MAX_CNAME_CHAIN, QueryCounts, ResolverCounts, decode_txt, reverse_name,
};
pub use net::tls::pem_certificates;
pub use policy::ScanPolicy;
pub use posture_core::observe::{Check, Observation, Reason, TargetKind};
pub use registry::{CHECKS, CheckSpec, spec};
pub use scan::{
    DEFAULT_DKIM_SELECTORS, DEFAULT_PORTS, Progress, ScanConfig, ScanError, ScanReport, scan,
    scan_with_progress,
};
