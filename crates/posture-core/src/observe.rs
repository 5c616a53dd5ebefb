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
        /// TLS on the HTTPS port: protocols offered, the certificate chain.
        Tls = "tls",
        /// HTTP and HTTPS: redirects and security headers of the site.
        Http = "http",
        /// Files a site must not (or must) serve: `.git`, `.env`,
        /// directory listings, `security.txt`.
        WebFiles = "web_files",
        /// SMTP on each mail exchanger: STARTTLS after EHLO (and the TLS
        /// certificate, as a `tls` fact).
        Smtp = "smtp",
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
    /// the evaluation inconclusive instead). The collector evaluates the
    /// record for an outside address, 192.0.2.1.
    SpfVerdict, "SPF result" {
        /// No SPF record.
        None = "none",
        /// The record makes no assertion about the outside address.
        Neutral = "neutral",
        /// The outside address is authorised.
        Pass = "pass",
        /// The outside address is explicitly not authorised.
        Fail = "fail",
        /// The outside address is probably not authorised.
        Softfail = "softfail",
        /// The records could not be interpreted.
        Permerror = "permerror",
    }
}

closed_enum! {
    /// A TLS or SSL protocol version.
    TlsVersion, "TLS version" {
        /// SSL 3.0.
        Ssl3 = "ssl3",
        /// TLS 1.0.
        Tls10 = "tls1.0",
        /// TLS 1.1.
        Tls11 = "tls1.1",
        /// TLS 1.2.
        Tls12 = "tls1.2",
        /// TLS 1.3.
        Tls13 = "tls1.3",
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
        /// The DNS failure that stopped the evaluation.
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
        /// The modulus size in bits.
        bits: u32,
    },
    /// Ed25519.
    Ed25519,
    /// Revoked (empty `p=`).
    Revoked,
    /// Not a readable key.
    Unreadable {
        /// Why the record is not a readable key (the parser's message).
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
    /// The MX preference: lower values are tried first.
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
        /// Why resolving the server failed.
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
        /// Why the probe said nothing.
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

/// TLS on one address and port: what the handshake negotiated, the chain
/// the server sent (recorded even when it does not verify), how it
/// verifies, and which legacy protocols the server still accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsFact {
    /// The name asked for (SNI), when the target is a name.
    pub host: Option<String>,
    /// The address connected to.
    pub address: String,
    /// The port.
    pub port: u16,
    /// How TLS was reached: `direct`, or `starttls` (SMTP).
    pub via: TlsVia,
    /// The modern (TLS 1.2/1.3) handshake.
    pub handshake: TlsHandshake,
    /// The certificates the server sent, leaf first.
    pub chain: Vec<CertFact>,
    /// Whether the chain leads to a trusted root (judged within the leaf's
    /// validity, so expiry is a separate question).
    pub trust: CertTrust,
    /// Whether the leaf is valid for the host name asked for; `None`
    /// without a certificate, and for an address target (no name is asked
    /// for there).
    pub name_matches: Option<bool>,
    /// Legacy protocols probed with raw ClientHellos.
    pub legacy: Vec<LegacyProbe>,
}

/// How a TLS session was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TlsVia {
    /// TLS from the first byte (HTTPS).
    Direct,
    /// Upgraded with STARTTLS (SMTP).
    Starttls,
}

/// The modern handshake's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TlsHandshake {
    /// Nothing listens on the port (connection refused): no service.
    NoService,
    /// A TLS 1.2/1.3 session was established.
    Negotiated {
        /// The version.
        version: TlsVersion,
        /// The cipher suite.
        cipher: String,
    },
    /// The handshake failed after the server answered.
    Failed {
        /// What the TLS library said.
        error: String,
    },
}

/// Whether a certificate chain leads to a trusted root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertTrust {
    /// No certificate was seen.
    Unknown,
    /// It verifies against the platform roots (and any extra anchors).
    Trusted,
    /// It does not.
    Untrusted {
        /// Why (the verifier's words: unknown issuer, bad signature...).
        reason: String,
    },
}

/// One certificate of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertFact {
    /// The subject's distinguished name as text, such as
    /// `C=US, O=Example, CN=www.acme.example` (cut to 512 characters).
    pub subject: String,
    /// The issuer's distinguished name as text (cut to 512 characters).
    pub issuer: String,
    /// Not valid before.
    pub not_before: Timestamp,
    /// Not valid after.
    pub not_after: Timestamp,
    /// Its public key.
    pub key: KeyFact,
    /// Its signature algorithm (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, ...).
    pub signature: String,
    /// Whether that signature uses SHA-1.
    pub sha1: bool,
    /// Whether subject and issuer are the same (a root, or self-signed).
    pub self_issued: bool,
    /// Its DNS and IP subject alternative names.
    pub names: Vec<String>,
}

/// A public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyFact {
    /// `rsa`, `ec`, `ed25519`, `dsa` or another name.
    pub algorithm: String,
    /// Its size in bits (the modulus for RSA and DSA, the curve for EC).
    pub bits: u32,
}

/// One legacy-protocol probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LegacyProbe {
    /// The version offered in the ClientHello.
    pub version: TlsVersion,
    /// What the server did.
    pub state: LegacyState,
}

/// What a server did with a legacy ClientHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegacyState {
    /// It answered with a ServerHello of that version.
    Accepted,
    /// It refused (an alert, a close, or another version).
    Refused,
    /// The probe said nothing (timeout, the deadline).
    Unknown {
        /// Why the probe said nothing.
        reason: Reason,
    },
}

/// HTTP and HTTPS on a host name: each scheme's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpFact {
    /// The host.
    pub host: String,
    /// The HTTP port's answer to `GET /`.
    pub http: HttpProbe,
    /// The HTTPS port's answer to `GET /`, redirects followed.
    pub https: HttpProbe,
}

/// One scheme's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HttpProbe {
    /// Nothing listens (connection refused).
    NoService,
    /// The exchange failed after connecting (a timeout, a reset, a
    /// handshake that failed).
    Failed {
        /// Why the exchange failed.
        reason: Reason,
        /// What happened.
        detail: String,
    },
    /// The server answered.
    Answered(HttpAnswer),
}

/// What a server answered, redirects followed (at most 5, never off the
/// target's registrable domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpAnswer {
    /// Each response in order: the URL asked, its status, its `Location`.
    pub hops: Vec<HttpHop>,
    /// The last response's headers (names lower-case), when it is not a
    /// redirect.
    pub page: Option<Vec<(String, String)>>,
}

/// One request and its response status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpHop {
    /// The URL asked.
    pub url: String,
    /// The status.
    pub status: u16,
    /// The `Location` header, for a redirect.
    pub location: Option<String>,
    /// The `Set-Cookie` headers.
    pub cookies: Vec<String>,
}

/// Files fetched from a site's origin, to be judged by their content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebFilesFact {
    /// The origin asked (`https://host:port` when HTTPS answers, else
    /// `http://host:port`); `None` when nothing listens on either port.
    pub origin: Option<String>,
    /// One entry per path, in the order asked.
    pub files: Vec<WebFile>,
}

/// One fetched path (redirects are not followed: a redirect is not the
/// file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebFile {
    /// The path.
    pub path: String,
    /// What the server answered.
    pub fetch: WebFetch,
}

/// A server's answer for one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebFetch {
    /// A response.
    Answered {
        /// The status.
        status: u16,
        /// The `Content-Type`, if any.
        content_type: Option<String>,
        /// The start of the body (at most 2 KiB, decoded as UTF-8 with
        /// invalid bytes replaced).
        head: String,
    },
    /// No response (a timeout, a reset, the deadline).
    Failed {
        /// Why there was no response.
        reason: Reason,
    },
}

/// SMTP on one mail exchanger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpFact {
    /// The exchanger.
    pub mx: String,
    /// The port.
    pub port: u16,
    /// Whether anything listened.
    pub listening: bool,
    /// The greeting.
    pub banner: String,
    /// Whether EHLO offered STARTTLS.
    pub starttls: bool,
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
    /// See [`TlsFact`].
    Tls(TlsFact),
    /// See [`HttpFact`].
    Http(HttpFact),
    /// See [`WebFilesFact`].
    WebFiles(WebFilesFact),
    /// See [`SmtpFact`].
    Smtp(SmtpFact),
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
            Fact::Tls(_) => Check::Tls,
            Fact::Http(_) => Check::Http,
            Fact::WebFiles(_) => Check::WebFiles,
            Fact::Smtp(_) => Check::Smtp,
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
        /// Why the check could not observe.
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
    /// When the observation was made (RFC 3339).
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
