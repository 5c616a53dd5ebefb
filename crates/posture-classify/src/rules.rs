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
    Check, DkimKeyKind, DmarcParsed, DmarcPolicy, Fact, MxForm, NsNetworks, PortState, Reason,
    SpfEvaluation, SpfQualifier, SpfVerdict,
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

/// A rule's judgement: the fact, the port map (for the port rules) and the
/// rule's own issue.
pub type Judge = fn(&Fact, &PortMap, &str) -> Verdict;

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

fn port_open(f: &Fact, ports: &PortMap, issue: &str) -> Verdict {
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
        judge: |f, _, _| spf(f).map_or(Verdict::Silent, |s| Verdict::of(s.records.is_empty())),
    },
    Rule {
        issue: "spf_multiple_records",
        check: Check::Spf,
        when: "the domain publishes more than one v=spf1 record (a permerror, RFC 7208 section 4.5)",
        judge: |f, _, _| spf(f).map_or(Verdict::Silent, |s| Verdict::of(s.records.len() > 1)),
    },
    Rule {
        issue: "spf_permerror",
        check: Check::Spf,
        when: "the one record evaluates to permerror for a reason other than the lookup limits",
        judge: |f, _, _| {
            spf_evaluated(f, |e| {
                e.result == SpfVerdict::Permerror && !e.limit_exceeded
            })
        },
    },
    Rule {
        issue: "spf_too_many_lookups",
        check: Check::Spf,
        when: "evaluation exceeds 10 DNS-querying terms or 2 void lookups (only this, not also spf_permerror)",
        judge: |f, _, _| {
            spf_evaluated(f, |e| e.result == SpfVerdict::Permerror && e.limit_exceeded)
        },
    },
    Rule {
        issue: "spf_permissive_all",
        check: Check::Spf,
        when: "the record ends in +all or ?all",
        judge: |f, _, _| {
            spf_evaluated(f, |e| {
                matches!(e.all, Some(SpfQualifier::Pass | SpfQualifier::Neutral))
            })
        },
    },
    Rule {
        issue: "spf_softfail_all",
        check: Check::Spf,
        when: "the record ends in ~all",
        judge: |f, _, _| spf_evaluated(f, |e| e.all == Some(SpfQualifier::Softfail)),
    },
    Rule {
        issue: "spf_ptr_mechanism",
        check: Check::Spf,
        when: "the record uses the ptr mechanism (RFC 7208 section 5.5: do not use)",
        judge: |f, _, _| spf_evaluated(f, |e| e.uses_ptr),
    },
    // DMARC (RFC 7489).
    Rule {
        issue: "dmarc_missing",
        check: Check::Dmarc,
        when: "no DMARC record at _dmarc.DOMAIN nor at the organisational domain",
        judge: |f, _, _| dmarc(f).map_or(Verdict::Silent, |d| Verdict::of(d.records.is_empty())),
    },
    Rule {
        issue: "dmarc_invalid",
        check: Check::Dmarc,
        when: "more than one DMARC record, or the one record does not parse",
        judge: |f, _, _| {
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
        judge: |f, _, _| {
            dmarc(f).map_or(Verdict::Silent, |d| {
                Verdict::of(d.effective_policy() == Some(DmarcPolicy::None))
            })
        },
    },
    Rule {
        issue: "dmarc_partial_pct",
        check: Check::Dmarc,
        when: "the valid record applies to less than 100% of mail (pct < 100)",
        judge: |f, _, _| dmarc_valid(f, |_, r| r.pct < 100),
    },
    Rule {
        issue: "dmarc_no_reporting",
        check: Check::Dmarc,
        when: "the valid record has no rua= address",
        judge: |f, _, _| dmarc_valid(f, |_, r| r.rua.is_empty()),
    },
    Rule {
        issue: "dmarc_reject_policy",
        check: Check::Dmarc,
        when: "the effective policy is reject at pct=100 (a positive signal)",
        judge: |f, _, _| match dmarc(f) {
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
        judge: |f, _, _| match f {
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
        judge: |f, _, _| match f {
            Fact::Mx(m) => Verdict::of(!m.null_mx && m.exchanges.is_empty()),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "mx_cname",
        check: Check::Mx,
        when: "an MX exchange is an alias (a CNAME, RFC 2181 section 10.3)",
        judge: |f, _, _| mx_form(f, |x| matches!(x, MxForm::Cname { .. })),
    },
    Rule {
        issue: "mx_ip_literal",
        check: Check::Mx,
        when: "an MX exchange is an IP address written as a name (RFC 5321 section 5.1)",
        judge: |f, _, _| mx_form(f, |x| *x == MxForm::IpLiteral),
    },
    // NS.
    Rule {
        issue: "single_nameserver",
        check: Check::Ns,
        when: "the zone apex has fewer than 2 name servers",
        judge: |f, _, _| match f {
            Fact::Ns(n) => Verdict::of(n.apex && n.servers.len() < 2),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "nameservers_same_network",
        check: Check::Ns,
        when: "2 or more name servers, all in one /24 network",
        judge: |f, _, _| match f {
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
        judge: |f, _, _| match f {
            Fact::Caa(c) => Verdict::of(c.found_at.is_none()),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "dnssec_missing",
        check: Check::Dnssec,
        when: "neither a DS nor a DNSKEY record",
        judge: |f, _, _| match f {
            Fact::Dnssec(d) => Verdict::of(!d.ds && !d.dnskey),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "dnssec_detected",
        check: Check::Dnssec,
        when: "a DS or a DNSKEY record (a positive signal)",
        judge: |f, _, _| match f {
            Fact::Dnssec(d) => Verdict::of(d.ds || d.dnskey),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "mta_sts_missing",
        check: Check::MtaSts,
        when: "no v=STSv1 record at _mta-sts.DOMAIN",
        judge: |f, _, _| match f {
            Fact::MtaSts(p) => Verdict::of(p.records.is_empty()),
            _ => Verdict::Silent,
        },
    },
    Rule {
        issue: "tls_rpt_missing",
        check: Check::TlsRpt,
        when: "no v=TLSRPTv1 record at _smtp._tls.DOMAIN",
        judge: |f, _, _| match f {
            Fact::TlsRpt(p) => Verdict::of(p.records.is_empty()),
            _ => Verdict::Silent,
        },
    },
    // Names.
    Rule {
        issue: "dangling_cname",
        check: Check::Cname,
        when: "the name is an alias whose target does not exist (NXDOMAIN): a takeover risk",
        judge: |f, _, _| match f {
            Fact::Cname(c) => Verdict::of(!c.targets.is_empty() && !c.resolves),
            _ => Verdict::Silent,
        },
    },
    // Addresses.
    Rule {
        issue: "ip_blocklisted",
        check: Check::Dnsbl,
        when: "a DNSBL zone lists the address (an answer in 127.0.0.0/8)",
        judge: |f, _, _| match f {
            Fact::Dnsbl(d) => Verdict::of(!d.listed.is_empty()),
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
