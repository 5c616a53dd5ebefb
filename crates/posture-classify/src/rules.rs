//! The rules: one per catalog issue type, from a check's facts to a
//! verdict. This table is where to look for "when is `dmarc_policy_none`
//! raised?".
//!
//! A rule sees one fact of its check and says [`Verdict::Detected`],
//! [`Verdict::Clean`] (the check ran and the issue is absent, which marks
//! the factor assessed), [`Verdict::Inconclusive`] (the fact itself says the
//! question could not be answered) or [`Verdict::Silent`] (the fact says
//! nothing about this issue). An inconclusive observation makes every rule
//! of its check inconclusive.

use posture_core::observe::{
    CertFact, CertTrust, Check, DkimKeyKind, DmarcParsed, DmarcPolicy, Fact, HttpAnswer, HttpFact,
    HttpProbe, LegacyState, MxForm, NsNetworks, PortState, Reason, SpfEvaluation, SpfQualifier,
    SpfVerdict, TlsFact, TlsHandshake, WebFetch, WebFilesFact,
};
use std::collections::BTreeMap;

/// What a rule concludes from one fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The issue is present.
    Detected,
    /// The check ran and the issue is absent.
    Clean,
    /// The fact leaves this question open.
    Inconclusive(Reason),
    /// The fact says nothing about this issue.
    Silent,
}

impl Verdict {
    fn of(detected: bool) -> Verdict {
        if detected {
            Verdict::Detected
        } else {
            Verdict::Clean
        }
    }
}

/// What a judgement may consult besides the fact.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The port map (for the port rules).
    pub ports: &'a PortMap,
    /// The rule's own issue.
    pub issue: &'a str,
    /// When the fact was observed (certificate validity is judged then).
    pub at: posture_core::Timestamp,
}

/// A rule's judgement of one fact.
pub type Judge = fn(&Fact, &Context<'_>) -> Verdict;

/// One rule: the issue it raises, the check whose facts it reads, when, and
/// the judgement itself.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The catalog issue type.
    pub issue: &'static str,
    /// The check whose facts it reads.
    pub check: Check,
    /// When the issue is raised, for people.
    pub when: &'static str,
    /// The judgement.
    pub judge: Judge,
}

/// The built-in port table: port → the issue type an open port means. It is
/// a rule parameter: `--ports PORT=ISSUE` adds to it.
pub const PORT_TABLE: &[(u16, &str)] = &[
    (21, "service_ftp"),
    (22, "service_ssh"),
    (23, "service_telnet"),
    (139, "service_smb"),
    (389, "service_ldap"),
    (445, "service_smb"),
    (1433, "service_mssql"),
    (2375, "service_docker_api"),
    (3306, "service_mysql"),
    (3389, "service_rdp"),
    (5432, "service_postgresql"),
    (5900, "service_vnc"),
    (6379, "service_redis"),
    (6443, "service_kubernetes_api"),
    (9200, "service_elasticsearch"),
    (11211, "service_memcached"),
    (27017, "service_mongodb"),
];

/// Which port means which exposed-service issue.
///
/// ```
/// use posture_classify::PortMap;
/// let mut m = PortMap::default();
/// assert_eq!(m.issue(6379), Some("service_redis"));
/// m.map(8081, "service_redis").unwrap();
/// assert_eq!(m.ports_for("service_redis"), vec![6379, 8081]);
/// assert!(m.map(8082, "spf_missing").is_err(), "not a port rule's issue");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMap {
    ports: BTreeMap<u16, &'static str>,
}

impl Default for PortMap {
    fn default() -> Self {
        PortMap {
            ports: PORT_TABLE.iter().copied().collect(),
        }
    }
}

impl PortMap {
    /// An empty map (no port means anything).
    pub fn empty() -> PortMap {
        PortMap {
            ports: BTreeMap::new(),
        }
    }

    /// Maps `port` to `issue`, which must be the issue of a port rule.
    ///
    /// # Errors
    /// An issue no port rule raises (named in the message).
    pub fn map(&mut self, port: u16, issue: &str) -> Result<(), String> {
        let Some(rule) = RULES
            .iter()
            .find(|r| r.check == Check::Ports && r.issue == issue)
        else {
            return Err(format!(
                "`{}` is not an exposed-service issue type (one of: {})",
                posture_core::echo(issue),
                port_issues().collect::<Vec<_>>().join(", ")
            ));
        };
        self.ports.insert(port, rule.issue);
        Ok(())
    }

    /// The issue an open `port` means.
    pub fn issue(&self, port: u16) -> Option<&'static str> {
        self.ports.get(&port).copied()
    }

    /// The ports that mean `issue`, ascending.
    pub fn ports_for(&self, issue: &str) -> Vec<u16> {
        self.ports
            .iter()
            .filter(|(_, i)| **i == issue)
            .map(|(p, _)| *p)
            .collect()
    }

    /// Every (port, issue), by port.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &'static str)> + '_ {
        self.ports.iter().map(|(p, i)| (*p, *i))
    }
}

/// The issues the port rules raise, in table order, each once.
fn port_issues() -> impl Iterator<Item = &'static str> {
    RULES
        .iter()
        .filter(|r| r.check == Check::Ports)
        .map(|r| r.issue)
}

// --- the judgements -----------------------------------------------------

fn spf(f: &Fact) -> Option<&posture_core::observe::SpfFact> {
    match f {
        Fact::Spf(s) => Some(s),
        _ => None,
    }
}

/// An SPF rule that needs the evaluation: clean when there was nothing to
/// evaluate (no single record), inconclusive when evaluation failed.
fn spf_evaluated(f: &Fact, test: impl Fn(&posture_core::observe::SpfEvaluated) -> bool) -> Verdict {
    match spf(f).map(|s| &s.evaluation) {
        Some(SpfEvaluation::Evaluated(e)) => Verdict::of(test(e)),
        Some(SpfEvaluation::NotEvaluated) => Verdict::Clean,
        Some(SpfEvaluation::Failed { reason, .. }) => Verdict::Inconclusive(*reason),
        None => Verdict::Silent,
    }
}

fn dmarc(f: &Fact) -> Option<&posture_core::observe::DmarcFact> {
    match f {
        Fact::Dmarc(d) => Some(d),
        _ => None,
    }
}

/// A DMARC rule on the one valid record (clean without one).
fn dmarc_valid(
    f: &Fact,
    test: impl Fn(&posture_core::observe::DmarcFact, &posture_core::observe::DmarcRecordFact) -> bool,
) -> Verdict {
    match dmarc(f) {
        Some(d) => Verdict::of(d.valid().is_some_and(|r| test(d, r))),
        None => Verdict::Silent,
    }
}

fn mx_form(f: &Fact, test: impl Fn(&MxForm) -> bool) -> Verdict {
    match f {
        Fact::Mx(m) => Verdict::of(m.exchanges.iter().any(|e| test(&e.form))),
        _ => Verdict::Silent,
    }
}

fn port_open(f: &Fact, cx: &Context<'_>) -> Verdict {
    let (ports, issue) = (cx.ports, cx.issue);
    let Fact::Ports(p) = f else {
        return Verdict::Silent;
    };
    // Open anywhere wins; else closed; else the first unknown's reason.
    let mut verdict = Verdict::Silent;
    for probe in p
        .probes
        .iter()
        .filter(|x| ports.issue(x.port) == Some(issue))
    {
        match probe.state {
            PortState::Open => return Verdict::Detected,
            PortState::Closed => verdict = Verdict::Clean,
            PortState::Unknown { reason } => {
                if verdict == Verdict::Silent {
                    verdict = Verdict::Inconclusive(reason);
                }
            }
        }
    }
    verdict
}

fn tls(f: &Fact) -> Option<&TlsFact> {
    match f {
        Fact::Tls(t) => Some(t),
        _ => None,
    }
}

/// A rule on a TLS fact's certificates: clean where nothing listens,
/// inconclusive where something answered but no certificate could be read
/// (a handshake failure says nothing about the certificate), else `test`.
fn certs(f: &Fact, test: impl Fn(&TlsFact, &CertFact) -> bool) -> Verdict {
    match tls(f) {
        None => Verdict::Silent,
        Some(t) if t.handshake == TlsHandshake::NoService => Verdict::Clean,
        Some(t) => t
            .chain
            .first()
            .map_or(Verdict::Inconclusive(Reason::Error), |c| {
                Verdict::of(test(t, c))
            }),
    }
}

/// How long before expiry a certificate is flagged.
const EXPIRY_WARNING: chrono::TimeDelta = chrono::TimeDelta::days(14);

/// The shortest HSTS `max-age` not flagged: 180 days (the HTTP
/// Observatory's threshold).
const HSTS_MIN_AGE: u64 = 180 * 86_400;

fn http(f: &Fact) -> Option<&HttpFact> {
    match f {
        Fact::Http(h) => Some(h),
        _ => None,
    }
}

fn answered(p: &HttpProbe) -> Option<&HttpAnswer> {
    match p {
        HttpProbe::Answered(a) => Some(a),
        _ => None,
    }
}

/// The page whose headers are judged: the HTTPS one when the site has
/// HTTPS, else the HTTP one. `Err` carries the verdict when there is none:
/// clean where nothing listens, inconclusive where the exchange failed,
/// silent where the redirects leave the site (its page is not this
/// asset's).
fn page(h: &HttpFact) -> Result<&[(String, String)], Verdict> {
    match (&h.https, &h.http) {
        (HttpProbe::Answered(a), _) => a.page.as_deref().ok_or(Verdict::Silent),
        (HttpProbe::Failed { reason, .. }, _) => Err(Verdict::Inconclusive(*reason)),
        (HttpProbe::NoService, HttpProbe::Answered(a)) => a.page.as_deref().ok_or(Verdict::Silent),
        (HttpProbe::NoService, HttpProbe::Failed { reason, .. }) => {
            Err(Verdict::Inconclusive(*reason))
        }
        (HttpProbe::NoService, HttpProbe::NoService) => Err(Verdict::Clean),
    }
}

/// The HTTPS page (HSTS means nothing on HTTP).
fn https_page(h: &HttpFact) -> Result<&[(String, String)], Verdict> {
    match &h.https {
        HttpProbe::Answered(a) => a.page.as_deref().ok_or(Verdict::Silent),
        HttpProbe::Failed { reason, .. } => Err(Verdict::Inconclusive(*reason)),
        HttpProbe::NoService => Err(Verdict::Clean),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A rule on the judged page's headers.
fn on_page(f: &Fact, test: impl Fn(&[(String, String)]) -> bool) -> Verdict {
    match http(f).map(page) {
        Some(Ok(headers)) => Verdict::of(test(headers)),
        Some(Err(v)) => v,
        None => Verdict::Silent,
    }
}

/// HSTS's `max-age`, if the header has one that parses.
fn max_age(v: &str) -> Option<u64> {
    v.split(';').find_map(|d| {
        let (k, val) = d.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| val.trim().trim_matches('"').parse().ok())?
    })
}

/// Whether a header value names a version (`nginx/1.18.0`, `PHP/7.4.3`).
fn names_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())
        || b.windows(2).any(|w| w[0] == b'/' && w[1].is_ascii_digit())
}

/// Whether a `Set-Cookie` lacks `Secure` or `HttpOnly`.
fn insecure(cookie: &str) -> bool {
    let attrs: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    !attrs.iter().any(|a| a == "secure") || !attrs.iter().any(|a| a == "httponly")
}

fn files(f: &Fact) -> Option<&WebFilesFact> {
    match f {
        Fact::WebFiles(w) => Some(w),
        _ => None,
    }
}

/// A rule on fetched files: clean where no site answers, inconclusive when
/// a path it reads got no answer, else whether `exposed` holds for any of
/// `paths` answered 200.
fn exposed(f: &Fact, paths: &[&str], test: impl Fn(&str, &str) -> bool) -> Verdict {
    let Some(w) = files(f) else {
        return Verdict::Silent;
    };
    if w.origin.is_none() {
        return Verdict::Clean;
    }
    let mut open = None;
    for path in paths {
        match w.files.iter().find(|x| x.path == *path).map(|x| &x.fetch) {
            Some(WebFetch::Answered {
                status: 200, head, ..
            }) if test(path, head) => return Verdict::Detected,
            Some(WebFetch::Answered { .. }) => {}
            Some(WebFetch::Failed { reason }) => open = open.or(Some(*reason)),
            None => open = open.or(Some(Reason::Error)),
        }
    }
    open.map_or(Verdict::Clean, Verdict::Inconclusive)
}

/// Whether a body looks like HTML (a catch-all's app page).
fn html(head: &str) -> bool {
    let t = head.trim_start().to_ascii_lowercase();
    t.starts_with('<') || t.contains("<html") || t.contains("<body")
}

/// `.git/HEAD`: a symbolic ref or an object id.
fn git_head(head: &str) -> bool {
    let t = head.trim();
    t.starts_with("ref: refs/")
        || (t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        || (t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A dotenv file: `KEY=value` lines, no markup.
fn dotenv(head: &str) -> bool {
    !html(head)
        && head.lines().any(|l| {
            let l = l
                .trim_start()
                .strip_prefix("export ")
                .unwrap_or(l.trim_start());
            match l.split_once('=') {
                Some((k, _)) => {
                    !k.is_empty()
                        && k.bytes()
                            .next()
                            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                }
                None => false,
            }
        })
}

/// An RFC 9116 file: text with a `Contact:` field.
fn security_txt(head: &str) -> bool {
    !html(head)
        && head
            .lines()
            .any(|l| l.trim_start().to_ascii_lowercase().starts_with("contact:"))
}

/// An autoindex page (Apache, nginx, Python's http.server, IIS).
fn listing(head: &str) -> bool {
    let t = head.to_ascii_lowercase();
    t.contains("<title>index of /")
        || t.contains("<h1>index of /")
        || t.contains("directory listing for /")
        || t.contains("- /</title>")
}

macro_rules! port_rule {
    ($issue:literal, $port:literal) => {
        Rule {
            issue: $issue,
            check: Check::Ports,
            when: concat!(
                "a port mapped to it (",
                $port,
                " by default) accepts TCP connections"
            ),
            judge: port_open,
        }
    };
}

/// Every rule, one per issue type.
pub const RULES: &[Rule] = &[
    // SPF (RFC 7208).
    Rule {
        issue: "spf_missing",
        check: Check::Spf,
        when: "the domain publishes no v=spf1 TXT record",
        judge: |f, _| spf(f).map_or(Verdict::Silent, |s| Verdict::of(s.records.is_empty())),
    },
    Rule {
        issue: "spf_multiple_records",
        check: Check::Spf,
        when: "the domain publishes more than one v=spf1 record (a permerror, RFC 7208 section 4.5)",
        judge: |f, _| spf(f).map_or(Verdict::Silent, |s| Verdict::of(s.records.len() > 1)),
    },
    Rule {
        issue: "spf_permerror",
        check: Check::Spf,
        when: "the one record evaluates to permerror for a reason other than the lookup limits",
        judge: |f, _| {
            spf_evaluated(f, |e| {
                e.result == SpfVerdict::Permerror && !e.limit_exceeded
            })
        },
    },
    Rule {
        issue: "spf_too_many_lookups",
        check: Check::Spf,
        when: "evaluation exceeds 10 DNS-querying terms or 2 void lookups (only this, not also spf_permerror)",
        judge: |f, _| spf_evaluated(f, |e| e.result == SpfVerdict::Permerror && e.limit_exceeded),
    },
    Rule {
        issue: "spf_permissive_all",
        check: Check::Spf,
        when: "the record ends in +all or ?all",
        judge: |f, _| {
            spf_evaluated(f, |e| {
                matches!(e.all, Some(SpfQualifier::Pass | SpfQualifier::Neutral))
            })
        },
    },
    Rule {
        issue: "spf_softfail_all",
        check: Check::Spf,
        when: "the record ends in ~all",
        judge: |f, _| spf_evaluated(f, |e| e.all == Some(SpfQualifier::Softfail)),
    },
    Rule {
        issue: "spf_ptr_mechanism",
        check: Check::Spf,
        when: "the record uses the ptr mechanism (RFC 7208 section 5.5: do not use)",
        judge: |f, _| spf_evaluated(f, |e| e.uses_ptr),
    },
    // DMARC (RFC 7489).
    Rule {
        issue: "dmarc_missing",
        check: Check::Dmarc,
        when: "no DMARC record at _dmarc.DOMAIN nor at the organisational domain",
        judge: |f, _| dmarc(f).map_or(Verdict::Silent, |d| Verdict::of(d.records.is_empty())),
    },
    Rule {
        issue: "dmarc_invalid",
        check: Check::Dmarc,
        when: "more than one DMARC record, or the one record does not parse",
        judge: |f, _| {
            dmarc(f).map_or(Verdict::Silent, |d| {
                Verdict::of(
                    d.records.len() > 1 || matches!(d.parsed, Some(DmarcParsed::Invalid(_))),
                )
            })
        },
    },
    Rule {
        issue: "dmarc_policy_none",
        check: Check::Dmarc,
        when: "the effective policy (sp= for a subdomain under an inherited record, else p=) is none",
        judge: |f, _| {
            dmarc(f).map_or(Verdict::Silent, |d| {
                Verdict::of(d.effective_policy() == Some(DmarcPolicy::None))
            })
        },
    },
    Rule {
        issue: "dmarc_partial_pct",
        check: Check::Dmarc,
        when: "the valid record applies to less than 100% of mail (pct < 100)",
        judge: |f, _| dmarc_valid(f, |_, r| r.pct < 100),
    },
    Rule {
        issue: "dmarc_no_reporting",
        check: Check::Dmarc,
        when: "the valid record has no rua= address",
        judge: |f, _| dmarc_valid(f, |_, r| r.rua.is_empty()),
    },
    Rule {
        issue: "dmarc_reject_policy",
        check: Check::Dmarc,
        when: "the effective policy is reject at pct=100 (a positive signal)",
        judge: |f, _| match dmarc(f) {
            Some(d)
                if d.effective_policy() == Some(DmarcPolicy::Reject)
                    && d.valid().is_some_and(|r| r.pct == 100) =>
            {
                Verdict::Detected
            }
            _ => Verdict::Silent,
        },
    },
    // DKIM.
    Rule {
        issue: "dkim_weak_key",
        check: Check::Dkim,
        when: "a key at a probed selector is RSA under 1024 bits",
        judge: |f, _| match f {
            Fact::Dkim(d) => Verdict::of(
                d.keys
                    .iter()
                    .any(|k| matches!(k.key, DkimKeyKind::Rsa { bits } if bits < 1024)),
            ),
            _ => Verdict::Silent,
        },
    },
    // MX.
    Rule {
        issue: "mx_missing",
        check: Check::Mx,
        when: "the domain has no MX record (a null MX, RFC 7505, is a deliberate no-mail domain)",
        judge: |f, _| match f {
            Fact::Mx(m) => Verdict::of(!m.null_mx && m.exchanges.is_empty()),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "mx_cname",
        check: Check::Mx,
        when: "an MX exchange is an alias (a CNAME, RFC 2181 section 10.3)",
        judge: |f, _| mx_form(f, |x| matches!(x, MxForm::Cname { .. })),
    },
    Rule {
        issue: "mx_ip_literal",
        check: Check::Mx,
        when: "an MX exchange is an IP address written as a name (RFC 5321 section 5.1)",
        judge: |f, _| mx_form(f, |x| *x == MxForm::IpLiteral),
    },
    // NS.
    Rule {
        issue: "single_nameserver",
        check: Check::Ns,
        when: "the zone apex has fewer than 2 name servers",
        judge: |f, _| match f {
            Fact::Ns(n) => Verdict::of(n.apex && n.servers.len() < 2),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "nameservers_same_network",
        check: Check::Ns,
        when: "2 or more name servers, all in one /24 network",
        judge: |f, _| match f {
            Fact::Ns(n) if !n.apex => Verdict::Clean,
            Fact::Ns(n) => match &n.networks {
                NsNetworks::Resolved(nets) => Verdict::of(n.servers.len() >= 2 && nets.len() == 1),
                NsNetworks::NoneResolved => Verdict::Inconclusive(Reason::Error),
                NsNetworks::Failed { reason, .. } => Verdict::Inconclusive(*reason),
            },
            _ => Verdict::Silent,
        },
    },
    // CAA, DNSSEC, mail transport policies.
    Rule {
        issue: "caa_missing",
        check: Check::Caa,
        when: "no CAA record at the name or above it up to the organisational domain (RFC 8659)",
        judge: |f, _| match f {
            Fact::Caa(c) => Verdict::of(c.found_at.is_none()),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "dnssec_missing",
        check: Check::Dnssec,
        when: "neither a DS nor a DNSKEY record",
        judge: |f, _| match f {
            Fact::Dnssec(d) => Verdict::of(!d.ds && !d.dnskey),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "dnssec_detected",
        check: Check::Dnssec,
        when: "a DS or a DNSKEY record (a positive signal)",
        judge: |f, _| match f {
            Fact::Dnssec(d) => Verdict::of(d.ds || d.dnskey),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "mta_sts_missing",
        check: Check::MtaSts,
        when: "no v=STSv1 record at _mta-sts.DOMAIN",
        judge: |f, _| match f {
            Fact::MtaSts(p) => Verdict::of(p.records.is_empty()),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "tls_rpt_missing",
        check: Check::TlsRpt,
        when: "no v=TLSRPTv1 record at _smtp._tls.DOMAIN",
        judge: |f, _| match f {
            Fact::TlsRpt(p) => Verdict::of(p.records.is_empty()),
            _ => Verdict::Silent,
        },
    },
    // Names.
    Rule {
        issue: "dangling_cname",
        check: Check::Cname,
        when: "the name is an alias whose target does not exist (NXDOMAIN): a takeover risk",
        judge: |f, _| match f {
            Fact::Cname(c) => Verdict::of(!c.targets.is_empty() && !c.resolves),
            _ => Verdict::Silent,
        },
    },
    // Addresses.
    Rule {
        issue: "ip_blocklisted",
        check: Check::Dnsbl,
        when: "a DNSBL zone lists the address (an answer in 127.0.0.0/8)",
        judge: |f, _| match f {
            Fact::Dnsbl(d) => Verdict::of(!d.listed.is_empty()),
            _ => Verdict::Silent,
        },
    },
    // TLS on the HTTPS port (and after STARTTLS).
    Rule {
        issue: "tls_weak_protocol",
        check: Check::Tls,
        when: "the server accepts an SSL 3.0, TLS 1.0 or TLS 1.1 ClientHello",
        judge: |f, _| {
            let Some(t) = tls(f) else {
                return Verdict::Silent;
            };
            if t.legacy.iter().any(|p| p.state == LegacyState::Accepted) {
                return Verdict::Detected;
            }
            let unknown = t.legacy.iter().find_map(|p| match p.state {
                LegacyState::Unknown { reason } => Some(reason),
                _ => None,
            });
            match unknown {
                Some(reason) => Verdict::Inconclusive(reason),
                None if t.legacy.is_empty() && t.handshake != TlsHandshake::NoService => {
                    Verdict::Inconclusive(Reason::Error)
                }
                None => Verdict::Clean,
            }
        },
    },
    Rule {
        issue: "tls_certificate_expired",
        check: Check::Tls,
        when: "the leaf certificate's notAfter is in the past",
        judge: |f, cx| certs(f, |_, c| c.not_after < cx.at),
    },
    Rule {
        issue: "tls_certificate_not_yet_valid",
        check: Check::Tls,
        when: "the leaf certificate's notBefore is in the future",
        judge: |f, cx| certs(f, |_, c| c.not_before > cx.at),
    },
    Rule {
        issue: "tls_certificate_expiring_soon",
        check: Check::Tls,
        when: "the leaf certificate expires within 14 days (and has not yet)",
        judge: |f, cx| {
            certs(f, |_, c| {
                c.not_after >= cx.at && c.not_after.0 < cx.at.0 + EXPIRY_WARNING
            })
        },
    },
    Rule {
        issue: "tls_self_signed_certificate",
        check: Check::Tls,
        when: "the leaf is self-issued and not itself a trusted anchor",
        judge: |f, _| certs(f, |t, c| c.self_issued && t.trust != CertTrust::Trusted),
    },
    Rule {
        issue: "tls_untrusted_certificate",
        check: Check::Tls,
        when: "the chain does not lead to a trusted root (a self-signed leaf is tls_self_signed_certificate instead)",
        judge: |f, _| {
            certs(f, |t, c| {
                !c.self_issued && matches!(t.trust, CertTrust::Untrusted { .. })
            })
        },
    },
    Rule {
        issue: "tls_hostname_mismatch",
        check: Check::Tls,
        when: "the leaf is not valid for the host name asked (SNI); not judged on an address target, which asks for no name",
        judge: |f, _| certs(f, |t, _| t.name_matches == Some(false)),
    },
    Rule {
        issue: "tls_weak_key",
        check: Check::Tls,
        when: "the leaf's key is RSA or DSA under 2048 bits, or EC under 256",
        judge: |f, _| {
            certs(f, |_, c| match c.key.algorithm.as_str() {
                "rsa" | "dsa" => c.key.bits < 2048,
                "ec" => c.key.bits < 256,
                _ => false,
            })
        },
    },
    Rule {
        issue: "tls_sha1_signature",
        check: Check::Tls,
        when: "the leaf or an intermediate is signed with SHA-1 (a root's self-signature does not count)",
        judge: |f, _| certs(f, |t, _| t.chain.iter().any(|c| c.sha1 && !c.self_issued)),
    },
    // HTTP and HTTPS.
    Rule {
        issue: "http_no_redirect",
        check: Check::Http,
        when: "the HTTP port answers without redirecting to https://",
        judge: |f, _| match http(f).map(|h| &h.http) {
            Some(HttpProbe::Answered(a)) => Verdict::of(!a.hops.iter().any(|h| {
                h.location
                    .as_deref()
                    .is_some_and(|l| l.trim().to_ascii_lowercase().starts_with("https://"))
            })),
            Some(HttpProbe::Failed { reason, .. }) => Verdict::Inconclusive(*reason),
            Some(HttpProbe::NoService) => Verdict::Clean,
            None => Verdict::Silent,
        },
    },
    Rule {
        issue: "https_missing",
        check: Check::Http,
        when: "the HTTP port answers but nothing listens on the HTTPS port",
        judge: |f, _| match http(f).map(|h| (&h.http, &h.https)) {
            None => Verdict::Silent,
            Some((_, HttpProbe::Answered(_))) => Verdict::Clean,
            Some((HttpProbe::Answered(_), HttpProbe::NoService)) => Verdict::Detected,
            Some((_, HttpProbe::Failed { reason, .. })) => Verdict::Inconclusive(*reason),
            Some((HttpProbe::Failed { reason, .. }, HttpProbe::NoService)) => {
                Verdict::Inconclusive(*reason)
            }
            Some((HttpProbe::NoService, HttpProbe::NoService)) => Verdict::Clean,
        },
    },
    Rule {
        issue: "hsts_missing",
        check: Check::Http,
        when: "the HTTPS page has no Strict-Transport-Security header",
        judge: |f, _| match http(f).map(https_page) {
            Some(Ok(h)) => Verdict::of(header(h, "strict-transport-security").is_none()),
            Some(Err(v)) => v,
            None => Verdict::Silent,
        },
    },
    Rule {
        issue: "hsts_short_max_age",
        check: Check::Http,
        when: "Strict-Transport-Security is sent with a max-age under 180 days (15,552,000 s), or none that parses",
        judge: |f, _| match http(f).map(https_page) {
            Some(Ok(h)) => match header(h, "strict-transport-security") {
                Some(v) => Verdict::of(max_age(v).is_none_or(|a| a < HSTS_MIN_AGE)),
                // No header at all is hsts_missing.
                None => Verdict::Clean,
            },
            Some(Err(v)) => v,
            None => Verdict::Silent,
        },
    },
    Rule {
        issue: "csp_missing",
        check: Check::Http,
        when: "the page has no Content-Security-Policy header",
        judge: |f, _| on_page(f, |h| header(h, "content-security-policy").is_none()),
    },
    Rule {
        issue: "x_frame_options_missing",
        check: Check::Http,
        when: "the page has neither X-Frame-Options nor a CSP frame-ancestors directive",
        judge: |f, _| {
            on_page(f, |h| {
                header(h, "x-frame-options").is_none()
                    && !header(h, "content-security-policy")
                        .is_some_and(|c| c.to_ascii_lowercase().contains("frame-ancestors"))
            })
        },
    },
    Rule {
        issue: "x_content_type_options_missing",
        check: Check::Http,
        when: "the page lacks X-Content-Type-Options: nosniff",
        judge: |f, _| {
            on_page(f, |h| {
                !header(h, "x-content-type-options")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("nosniff"))
            })
        },
    },
    Rule {
        issue: "insecure_cookie",
        check: Check::Http,
        when: "a cookie the site sets (on any response, redirects included) lacks Secure or HttpOnly",
        judge: |f, _| {
            let Some(h) = http(f) else {
                return Verdict::Silent;
            };
            let probes = [&h.https, &h.http];
            let insecure_seen = probes
                .iter()
                .filter_map(|p| answered(p))
                .flat_map(|a| a.hops.iter())
                .flat_map(|hop| hop.cookies.iter())
                .any(|c| insecure(c));
            if insecure_seen {
                return Verdict::Detected;
            }
            match probes.iter().find_map(|p| match p {
                HttpProbe::Failed { reason, .. } => Some(*reason),
                _ => None,
            }) {
                Some(reason) => Verdict::Inconclusive(reason),
                None => Verdict::Clean,
            }
        },
    },
    Rule {
        issue: "server_version_disclosed",
        check: Check::Http,
        when: "Server or X-Powered-By names a version",
        judge: |f, _| {
            on_page(f, |h| {
                ["server", "x-powered-by"]
                    .iter()
                    .filter_map(|n| header(h, n))
                    .any(names_version)
            })
        },
    },
    // Files a site serves, judged by their content, never by a status.
    Rule {
        issue: "exposed_git_directory",
        check: Check::WebFiles,
        when: "/.git/HEAD serves a ref or an object id, or /.git/config a [core] section (not markup)",
        judge: |f, _| {
            exposed(f, &["/.git/HEAD", "/.git/config"], |path, head| {
                if path == "/.git/HEAD" {
                    git_head(head)
                } else {
                    !html(head) && head.contains("[core]")
                }
            })
        },
    },
    Rule {
        issue: "exposed_env_file",
        check: Check::WebFiles,
        when: "/.env serves KEY=value lines (not markup)",
        judge: |f, _| exposed(f, &["/.env"], |_, head| dotenv(head)),
    },
    Rule {
        issue: "directory_listing",
        check: Check::WebFiles,
        when: "/ serves a generated directory index (\"Index of /\")",
        judge: |f, _| exposed(f, &["/"], |_, head| listing(head)),
    },
    Rule {
        issue: "security_txt_missing",
        check: Check::WebFiles,
        when: "/.well-known/security.txt does not serve a text file with a Contact: field (RFC 9116)",
        judge: |f, _| match exposed(f, &["/.well-known/security.txt"], |_, head| {
            security_txt(head)
        }) {
            // "Exposed" here is the good case: the file is there.
            Verdict::Detected => Verdict::Clean,
            Verdict::Clean if files(f).is_some_and(|w| w.origin.is_some()) => Verdict::Detected,
            v => v,
        },
    },
    // Mail.
    Rule {
        issue: "smtp_starttls_missing",
        check: Check::Smtp,
        when: "a mail exchanger's EHLO reply on port 25 does not offer STARTTLS",
        judge: |f, _| match f {
            Fact::Smtp(m) => Verdict::of(m.listening && !m.starttls),
            _ => Verdict::Silent,
        },
    },
    port_rule!("service_ftp", "21"),
    port_rule!("service_ssh", "22"),
    port_rule!("service_telnet", "23"),
    port_rule!("service_smb", "139, 445"),
    port_rule!("service_ldap", "389"),
    port_rule!("service_mssql", "1433"),
    port_rule!("service_docker_api", "2375"),
    port_rule!("service_mysql", "3306"),
    port_rule!("service_rdp", "3389"),
    port_rule!("service_postgresql", "5432"),
    port_rule!("service_vnc", "5900"),
    port_rule!("service_redis", "6379"),
    port_rule!("service_kubernetes_api", "6443"),
    port_rule!("service_elasticsearch", "9200"),
    port_rule!("service_memcached", "11211"),
    port_rule!("service_mongodb", "27017"),
];

/// The rules that read `check`'s facts.
pub fn rules_of(check: Check) -> impl Iterator<Item = &'static Rule> {
    RULES.iter().filter(move |r| r.check == check)
}

/// The rule that raises `issue`, if any.
pub fn rule_for(issue: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.issue == issue)
}
