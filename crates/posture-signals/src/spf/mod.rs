//! RFC 7208 SPF evaluation.
//!
//! [`check_host`] implements the `check_host()` function of RFC 7208
//! section 4 over any DNS backend implementing [`SpfDns`]; [`parse_record`]
//! parses a `v=spf1` record on its own.

pub use posture_core::observe::Reason;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod eval;
mod macros;
mod record;

pub use eval::{check_host, expand_macros};
pub use record::{
    DomainSpec, Mechanism, Qualifier, SpfRecord, SpfSyntaxError, Term, is_spf1, parse_record,
};

/// The result of an SPF evaluation (RFC 7208 section 2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpfResult {
    /// No SPF record, or the domain could not be checked.
    None,
    /// The domain owner makes no assertion about the IP.
    Neutral,
    /// The IP is authorized.
    Pass,
    /// The IP is explicitly not authorized.
    Fail,
    /// The IP is probably not authorized.
    Softfail,
    /// A transient (DNS) error occurred.
    Temperror,
    /// The published records could not be interpreted.
    Permerror,
}

impl SpfResult {
    /// The lowercase RFC name of the result.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Neutral => "neutral",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Softfail => "softfail",
            Self::Temperror => "temperror",
            Self::Permerror => "permerror",
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Qualifier> for SpfResult {
    fn from(q: Qualifier) -> Self {
        match q {
            Qualifier::Pass => Self::Pass,
            Qualifier::Fail => Self::Fail,
            Qualifier::Softfail => Self::Softfail,
            Qualifier::Neutral => Self::Neutral,
        }
    }
}

/// Outcome of one DNS query, as the resolver layer reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// The answer records.
    Records(T),
    /// The name does not exist (RCODE 3).
    NxDomain,
    /// The name exists but has no records of the asked type.
    NoData,
    /// The query failed: timeout, SERVFAIL, refused, truncated, a CNAME
    /// loop... (a closed set: [`Reason`]).
    Failed(Reason),
}

/// The DNS the evaluator needs. Implemented by the hickory-backed collector
/// and by in-memory mocks in tests.
pub trait SpfDns: Send + Sync {
    /// TXT records of `name`, each record's strings already concatenated.
    fn txt(&self, name: &str) -> impl Future<Output = Lookup<Vec<String>>> + Send;
    /// A records of `name`.
    fn a(&self, name: &str) -> impl Future<Output = Lookup<Vec<Ipv4Addr>>> + Send;
    /// AAAA records of `name`.
    fn aaaa(&self, name: &str) -> impl Future<Output = Lookup<Vec<Ipv6Addr>>> + Send;
    /// MX records of `name` as `(preference, exchange)`.
    fn mx(&self, name: &str) -> impl Future<Output = Lookup<Vec<(u16, String)>>> + Send;
    /// PTR records of the reverse name of `ip`.
    fn ptr(&self, ip: IpAddr) -> impl Future<Output = Lookup<Vec<String>>> + Send;
}

/// The inputs of an SPF check besides the domain.
#[derive(Debug, Clone, Copy)]
pub struct SpfRequest<'a> {
    /// The SMTP client IP.
    pub ip: IpAddr,
    /// The MAIL FROM address; empty means `postmaster@<helo>`.
    pub sender: &'a str,
    /// The HELO/EHLO name.
    pub helo: &'a str,
    /// The receiving host name, for `%{r}` (conventionally `"unknown"`).
    pub receiver: &'a str,
}

/// What [`check_host`] concluded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfOutcome {
    /// The SPF result.
    pub result: SpfResult,
    /// The expanded `exp=` explanation, on `fail` when one was published.
    pub explanation: Option<String>,
    /// Human-readable reason for the result.
    pub reason: String,
    /// DNS-querying terms evaluated (include, a, mx, ptr, exists, redirect).
    pub lookups: u32,
    /// DNS lookups that returned no answer (NXDOMAIN or no data).
    pub void_lookups: u32,
    /// The mechanism that matched, if any (top-level term, as written).
    pub matched: Option<String>,
    /// Whether the 10-lookup or the 2-void-lookup limit was exceeded.
    pub limit_exceeded: bool,
    /// On `temperror`: the first DNS failure met.
    pub failure: Option<Reason>,
}
