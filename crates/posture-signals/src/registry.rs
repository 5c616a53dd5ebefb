//! The check registry: every check the collector can run, what it runs on
//! and the fact it yields. Classification (`posture-classify`) says which
//! catalog issues each check's facts can raise; `posture checks` joins the
//! two.

use posture_core::observe::{Check, TargetKind};

/// One check the collector can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckSpec {
    /// The check.
    pub check: Check,
    /// What it runs on.
    pub target: TargetKind,
    /// The fact it yields (a `posture_core::observe` type).
    pub yields: &'static str,
    /// What it does, for people.
    pub description: &'static str,
}

/// Every check, in the order a scan runs them.
pub const CHECKS: &[CheckSpec] = &[
    CheckSpec {
        check: Check::Spf,
        target: TargetKind::Domain,
        yields: "SpfFact",
        description: "TXT v=spf1 records and their RFC 7208 check_host evaluation (lookups, void lookups, all, ptr)",
    },
    CheckSpec {
        check: Check::Dmarc,
        target: TargetKind::Domain,
        yields: "DmarcFact",
        description: "the DMARC record at _dmarc, or the organisational domain's (public suffix list), parsed",
    },
    CheckSpec {
        check: Check::Dkim,
        target: TargetKind::Domain,
        yields: "DkimFact",
        description: "DKIM key records at the probed selectors: key type and RSA size",
    },
    CheckSpec {
        check: Check::Mx,
        target: TargetKind::Domain,
        yields: "MxFact",
        description: "MX records, null MX, and whether each exchange is a name, an alias or an IP literal",
    },
    CheckSpec {
        check: Check::Ns,
        target: TargetKind::Domain,
        yields: "NsFact",
        description: "NS records of a zone apex and the /24 networks of the name servers",
    },
    CheckSpec {
        check: Check::Caa,
        target: TargetKind::Domain,
        yields: "CaaFact",
        description: "the closest CAA record set, climbing to the organisational domain (RFC 8659)",
    },
    CheckSpec {
        check: Check::Dnssec,
        target: TargetKind::Domain,
        yields: "DnssecFact",
        description: "DS and DNSKEY presence",
    },
    CheckSpec {
        check: Check::MtaSts,
        target: TargetKind::Domain,
        yields: "PolicyRecordFact",
        description: "the v=STSv1 record at _mta-sts",
    },
    CheckSpec {
        check: Check::TlsRpt,
        target: TargetKind::Domain,
        yields: "PolicyRecordFact",
        description: "the v=TLSRPTv1 record at _smtp._tls",
    },
    CheckSpec {
        check: Check::Cname,
        target: TargetKind::HostName,
        yields: "CnameFact",
        description: "whether a name (a target and its www. name) is an alias, and whether its target resolves",
    },
    CheckSpec {
        check: Check::Tls,
        target: TargetKind::HostName,
        yields: "TlsFact",
        description: "TLS on the HTTPS port of each host name and address (and after STARTTLS on each MX): protocol, legacy SSL 3.0/TLS 1.0/1.1 ClientHellos, the chain verified against the platform roots and --ca-file, name, dates, key, signature",
    },
    CheckSpec {
        check: Check::Http,
        target: TargetKind::HostName,
        yields: "HttpFact",
        description: "GET / over HTTP and HTTPS, redirects followed on the registrable domain (at most 5): the redirect to https, HSTS, CSP, X-Frame-Options, X-Content-Type-Options, cookies, Server",
    },
    CheckSpec {
        check: Check::WebFiles,
        target: TargetKind::HostName,
        yields: "WebFilesFact",
        description: "/, /.git/HEAD, /.git/config, /.env and /.well-known/security.txt, kept by content (a status code proves nothing)",
    },
    CheckSpec {
        check: Check::Smtp,
        target: TargetKind::MxHost,
        yields: "SmtpFact",
        description: "the greeting and EHLO of each MX on the SMTP port: whether STARTTLS is offered (its certificate is a tls fact)",
    },
    CheckSpec {
        check: Check::Ports,
        target: TargetKind::Address,
        yields: "PortsFact",
        description: "TCP connect probes of the configured ports: open, refused or unknown",
    },
    CheckSpec {
        check: Check::Dnsbl,
        target: TargetKind::Address,
        yields: "DnsblFact",
        description: "the address looked up in each configured DNSBL zone",
    },
];

/// The registry entry of a check.
///
/// ```
/// use posture_core::observe::{Check, TargetKind};
/// assert_eq!(posture_signals::spec(Check::Ports).target, TargetKind::Address);
/// ```
pub fn spec(check: Check) -> &'static CheckSpec {
    // Every Check has an entry (a test checks it); fall back to the first
    // rather than panic.
    CHECKS
        .iter()
        .find(|c| c.check == check)
        .unwrap_or(&CHECKS[0])
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_check_is_registered_once() {
        for c in posture_core::observe::Check::ALL {
            assert_eq!(
                super::CHECKS.iter().filter(|s| s.check == *c).count(),
                1,
                "{c}"
            );
        }
    }
}
