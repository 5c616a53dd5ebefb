//! The observation vocabulary: what a check saw, as typed facts, or why it
//! could not see (a closed set of reasons). The collector (`posture-signals`)
//! produces [`Observation`]s and names no catalog issue; the classifier
//! (`posture-classify`) holds the rules from facts to issues.
//!
//! ```
//! use posture_core::observe::{Check, Fact, Observation, Reason, CaaFact};
//! let at = "2026-11-01T00:00:00Z".parse().unwrap();
//! let seen = Observation::seen("acme.example", Fact::Caa(CaaFact { found_at: None, records: vec![] }), at);
//! assert_eq!(seen.check(), Check::Caa);
//! let lost = Observation::inconclusive("acme.example", Check::Caa, Reason::Servfail, "the CAA look-up failed", at);
//! assert!(lost.fact().is_none());
//! // On the wire: the fact tagged by its check.
//! let json = serde_json::to_value(&seen).unwrap();
//! assert!(json["result"]["fact"]["caa"].is_object());
//! ```

use crate::enums::closed_enum;
use crate::time::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

closed_enum! {
    /// A check the collector can run. Each yields one kind of [`Fact`].
    Check, "check" {
        /// SPF: the `v=spf1` records and their RFC 7208 evaluation.
        Spf = "spf",
        /// DMARC: the policy record, own or the organisational domain's.
        Dmarc = "dmarc",
        /// DKIM: the keys at the probed selectors.
        Dkim = "dkim",
        /// MX: the mail exchangers and what their names are.
        Mx = "mx",
        /// NS: the name servers and their networks.
        Ns = "ns",
        /// CAA: the closest CAA record set.
        Caa = "caa",
        /// DNSSEC: DS and DNSKEY presence.
        Dnssec = "dnssec",
        /// MTA-STS: the `_mta-sts` policy record.
        MtaSts = "mta_sts",
        /// TLS-RPT: the `_smtp._tls` reporting record.
        TlsRpt = "tls_rpt",
        /// CNAME: whether a name is an alias and whether its target resolves.
        Cname = "cname",
        /// TCP ports: which of the probed ports accept connections.
        Ports = "ports",
        /// DNSBL: listings of an address in blocklist zones.
        Dnsbl = "dnsbl",
    }
}

closed_enum! {
    /// What a check runs on.
    TargetKind, "target kind" {
        /// A domain target (its own records and policies).
        Domain = "domain",
        /// Any host name the scan reports on (a target and its `www.` name).
        HostName = "host_name",
        /// An IP address (a target, or one inside a CIDR target).
        Address = "address",
        /// A mail exchanger of a domain target.
        MxHost = "mx_host",
    }
}

closed_enum! {
    /// Why a check could not observe: it is inconclusive, never a finding.
    Reason, "reason" {
        /// No answer within the per-query or per-connection timeout.
        Timeout = "timeout",
        /// The DNS server answered SERVFAIL.
        Servfail = "servfail",
        /// The DNS server refused.
        Refused = "refused",
        /// The answer was truncated and could not be had over TCP.
        Truncated = "truncated",
        /// The scan's deadline passed first.
        Deadline = "deadline",
        /// More data than the scan policy allows.
        Limit = "limit",
        /// A CNAME loop, or a chain longer than 8.
        CnameLoop = "cname_loop",
        /// The name does not exist: it has no posture to judge.
        Nxdomain = "nxdomain",
        /// Any other failure (a network error, a malformed answer).
        Error = "error",
        /// The check itself failed (a defect); reported, never dropped.
        Internal = "internal",
    }
}

closed_enum! {
    /// An SPF mechanism qualifier (RFC 7208 section 4.6.2).
    SpfQualifier, "SPF qualifier" {
        /// `+`.
        Pass = "pass",
        /// `-`.
        Fail = "fail",
        /// `~`.
        Softfail = "softfail",
        /// `?`.
        Neutral = "neutral",
    }
}

closed_enum! {
    /// The result of a conclusive SPF evaluation (a temporary error makes
    /// the evaluation inconclusive instead).
    SpfVerdict, "SPF result" {
        /// No SPF record.
        None = "none",
        /// Neutral.
        Neutral = "neutral",
        /// Pass.
        Pass = "pass",
        /// Fail.
        Fail = "fail",
        /// Softfail.
        Softfail = "softfail",
        /// The records could not be interpreted.
        Permerror = "permerror",
    }
}

closed_enum! {
    /// A DMARC policy (`p=` / `sp=`).
    DmarcPolicy, "DMARC policy" {
        /// Monitor only.
        None = "none",
        /// Treat failing mail as suspicious.
        Quarantine = "quarantine",
        /// Reject failing mail.
        Reject = "reject",
    }
}

/// SPF: the `v=spf1` TXT records of a domain and, with exactly one, its
/// evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpfFact {
    /// The `v=spf1` records found.
    pub records: Vec<String>,
    /// The evaluation of the one record.
    pub evaluation: SpfEvaluation,
}

/// Whether and how the SPF record was evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpfEvaluation {
    /// Not exactly one record: nothing to evaluate.
    NotEvaluated,
    /// `check_host` concluded.
    Evaluated(SpfEvaluated),
    /// `check_host` hit a DNS failure (a temporary error).
    Failed {
        /// Why.
        reason: Reason,
        /// What happened.
        detail: String,
    },
}

/// A conclusive SPF evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpfEvaluated {
    /// The result.
    pub result: SpfVerdict,
    /// DNS-querying terms evaluated.
    pub lookups: u32,
    /// Lookups that returned nothing.
    pub void_lookups: u32,
    /// Whether the 10-lookup or the 2-void-lookup limit was exceeded.
    pub limit_exceeded: bool,
    /// Why this result.
    pub reason: String,
    /// The qualifier of the record's `all`, if it has one.
    pub all: Option<SpfQualifier>,
    /// Whether the record uses the `ptr` mechanism.
    pub uses_ptr: bool,
    /// The record's mechanisms, as written.
    pub mechanisms: Vec<String>,
}

/// DMARC: the policy record that applies to a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DmarcFact {
    /// Where the records were found (`_dmarc.NAME`).
    pub at: String,
    /// Whether they are the organisational domain's (the domain has none).
    pub inherited: bool,
    /// The records meant as DMARC (naming `v=DMARC1`).
    pub records: Vec<String>,
    /// With exactly one record: its policy, or why it does not parse.
    pub parsed: Option<DmarcParsed>,
}

/// One DMARC record, parsed or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DmarcParsed {
    /// A valid record.
    Valid(DmarcRecordFact),
    /// The parse error.
    Invalid(String),
}

/// A valid DMARC record's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DmarcRecordFact {
    /// `p`.
    pub policy: DmarcPolicy,
    /// `sp`, when given.
    pub subdomain_policy: Option<DmarcPolicy>,
    /// `pct`, 0–100.
    pub pct: u8,
    /// `rua` URIs.
    pub rua: Vec<String>,
}

impl DmarcFact {
    /// The policy that applies to the domain: for an inherited record, its
    /// `sp` (or `p`), else `p`. `None` without one valid record.
    pub fn effective_policy(&self) -> Option<DmarcPolicy> {
        match &self.parsed {
            Some(DmarcParsed::Valid(r)) => Some(if self.inherited {
                r.subdomain_policy.unwrap_or(r.policy)
            } else {
                r.policy
            }),
            _ => None,
        }
    }

    /// The one valid record, if there is one.
    pub fn valid(&self) -> Option<&DmarcRecordFact> {
        match &self.parsed {
            Some(DmarcParsed::Valid(r)) => Some(r),
            _ => None,
        }
    }
}

/// DKIM: the keys found at the probed selectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DkimFact {
    /// The selectors probed.
    pub selectors: Vec<String>,
    /// The keys found.
    pub keys: Vec<DkimKeyFact>,
}

/// One DKIM key record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DkimKeyFact {
    /// Its selector.
    pub selector: String,
    /// The key.
    pub key: DkimKeyKind,
}

/// What a DKIM key record holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DkimKeyKind {
    /// RSA with this modulus size.
    Rsa {
        /// Bits.
        bits: u32,
    },
    /// Ed25519.
    Ed25519,
    /// Revoked (empty `p=`).
    Revoked,
    /// Not a readable key.
    Unreadable {
        /// Why.
        error: String,
    },
}

/// MX: a domain's mail exchangers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MxFact {
    /// A null MX (RFC 7505): the domain accepts no mail.
    pub null_mx: bool,
    /// The exchangers (empty: no MX record).
    pub exchanges: Vec<MxExchange>,
}

/// One mail exchanger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MxExchange {
    /// Preference.
    pub preference: u16,
    /// The exchange as published.
    pub host: String,
    /// What that name is.
    pub form: MxForm,
}

/// What an MX exchange name is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MxForm {
    /// A host name (not an alias).
    Name,
    /// An IP address written as a name (RFC 5321 forbids it).
    IpLiteral,
    /// An alias (RFC 2181 section 10.3 forbids it).
    Cname {
        /// The alias targets.
        targets: Vec<String>,
    },
}

/// NS: a zone's name servers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NsFact {
    /// Whether the name is a zone apex (has NS records).
    pub apex: bool,
    /// The name servers.
    pub servers: Vec<String>,
    /// Their addresses' /24 networks.
    pub networks: NsNetworks,
}

/// The networks of a zone's name servers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NsNetworks {
    /// The distinct /24 networks (as `a.b.c.0/24`).
    Resolved(Vec<String>),
    /// No server address resolved.
    NoneResolved,
    /// Resolving a server failed.
    Failed {
        /// Why.
        reason: Reason,
        /// The server.
        server: String,
    },
}

/// CAA: the closest CAA record set, climbing to the organisational domain
/// (RFC 8659).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaaFact {
    /// The name holding the set, if one was found.
    pub found_at: Option<String>,
    /// The records.
    pub records: Vec<String>,
}

/// DNSSEC: DS and DNSKEY presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnssecFact {
    /// A DS record at the parent.
    pub ds: bool,
    /// A DNSKEY record.
    pub dnskey: bool,
}

/// A mail policy record (`_mta-sts`, `_smtp._tls`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecordFact {
    /// The name asked.
    pub name: String,
    /// The records with the policy's version prefix.
    pub records: Vec<String>,
}

/// CNAME: whether a name is an alias, and whether its target resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CnameFact {
    /// The alias targets (empty: not an alias).
    pub targets: Vec<String>,
    /// For an alias: whether the target resolves (`false`: NXDOMAIN).
    pub resolves: bool,
}

/// TCP ports probed on one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortsFact {
    /// One entry per probed port.
    pub probes: Vec<PortProbe>,
}

/// One TCP port probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortProbe {
    /// The port.
    pub port: u16,
    /// What the probe saw.
    pub state: PortState,
}

/// What a TCP probe saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortState {
    /// The port accepted a connection.
    Open,
    /// The connection was refused: no service there.
    Closed,
    /// The probe said nothing (timeout, reset, the deadline).
    Unknown {
        /// Why.
        reason: Reason,
    },
}

/// DNSBL: an address looked up in one blocklist zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsblFact {
    /// The zone.
    pub zone: String,
    /// Listing codes (answers in 127.0.0.0/8); empty: not listed.
    pub listed: Vec<String>,
    /// Answers outside 127.0.0.0/8, which are not listings.
    pub ignored: Vec<String>,
}

/// A fact: what one check saw, tagged by its check on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fact {
    /// See [`SpfFact`].
    Spf(SpfFact),
    /// See [`DmarcFact`].
    Dmarc(DmarcFact),
    /// See [`DkimFact`].
    Dkim(DkimFact),
    /// See [`MxFact`].
    Mx(MxFact),
    /// See [`NsFact`].
    Ns(NsFact),
    /// See [`CaaFact`].
    Caa(CaaFact),
    /// See [`DnssecFact`].
    Dnssec(DnssecFact),
    /// See [`PolicyRecordFact`].
    MtaSts(PolicyRecordFact),
    /// See [`PolicyRecordFact`].
    TlsRpt(PolicyRecordFact),
    /// See [`CnameFact`].
    Cname(CnameFact),
    /// See [`PortsFact`].
    Ports(PortsFact),
    /// See [`DnsblFact`].
    Dnsbl(DnsblFact),
}

impl Fact {
    /// The check that yields this kind of fact.
    pub fn check(&self) -> Check {
        match self {
            Fact::Spf(_) => Check::Spf,
            Fact::Dmarc(_) => Check::Dmarc,
            Fact::Dkim(_) => Check::Dkim,
            Fact::Mx(_) => Check::Mx,
            Fact::Ns(_) => Check::Ns,
            Fact::Caa(_) => Check::Caa,
            Fact::Dnssec(_) => Check::Dnssec,
            Fact::MtaSts(_) => Check::MtaSts,
            Fact::TlsRpt(_) => Check::TlsRpt,
            Fact::Cname(_) => Check::Cname,
            Fact::Ports(_) => Check::Ports,
            Fact::Dnsbl(_) => Check::Dnsbl,
        }
    }
}

/// What a check came to: a fact, or why it could not see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// A fact.
    Fact(Fact),
    /// The check could not observe.
    Inconclusive {
        /// Which check.
        check: Check,
        /// Why.
        reason: Reason,
    },
}

/// One observation: on `asset`, at `at`, one check's fact or why there is
/// none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// The observed name or address (or, for addresses never reached before
    /// the deadline, the block they belong to).
    pub asset: String,
    /// The fact, or the reason there is none.
    pub result: Observed,
    /// One sentence for people.
    pub detail: String,
    /// The records or responses seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Where it came from (`dns`, `tcp`, `dnsbl:ZONE`).
    pub source: String,
    /// When.
    pub at: Timestamp,
}

impl Observation {
    /// A fact observed on `asset` (source `dns`; see [`Observation::from`]).
    pub fn seen(asset: &str, fact: Fact, at: Timestamp) -> Observation {
        Observation {
            asset: asset.to_owned(),
            result: Observed::Fact(fact),
            detail: String::new(),
            evidence: Vec::new(),
            source: "dns".to_owned(),
            at,
        }
    }

    /// A check that could not observe `asset`.
    pub fn inconclusive(
        asset: &str,
        check: Check,
        reason: Reason,
        detail: impl Into<String>,
        at: Timestamp,
    ) -> Observation {
        Observation {
            asset: asset.to_owned(),
            result: Observed::Inconclusive { check, reason },
            detail: detail.into(),
            evidence: Vec::new(),
            source: "dns".to_owned(),
            at,
        }
    }

    /// Sets the sentence for people.
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Observation {
        self.detail = detail.into();
        self
    }

    /// Sets the evidence.
    #[must_use]
    pub fn evidence(mut self, evidence: Vec<String>) -> Observation {
        self.evidence = evidence;
        self
    }

    /// Sets the source.
    #[must_use]
    pub fn from(mut self, source: impl Into<String>) -> Observation {
        self.source = source.into();
        self
    }

    /// The check that made it.
    pub fn check(&self) -> Check {
        match &self.result {
            Observed::Fact(f) => f.check(),
            Observed::Inconclusive { check, .. } => *check,
        }
    }

    /// The fact, if conclusive.
    pub fn fact(&self) -> Option<&Fact> {
        match &self.result {
            Observed::Fact(f) => Some(f),
            Observed::Inconclusive { .. } => None,
        }
    }

    /// The reason, if inconclusive.
    pub fn reason(&self) -> Option<Reason> {
        match &self.result {
            Observed::Fact(_) => None,
            Observed::Inconclusive { reason, .. } => Some(*reason),
        }
    }
}
