//! The collectors: DNS checks per domain, TCP probes and DNSBL look-ups per
//! address, all under one [`ScanPolicy`].

use crate::dkim::{self, DkimKey};
use crate::dmarc::{self, Policy};
use crate::dns::{Dns, DnsFailure, DnsSetupError};
use crate::policy::ScanPolicy;
use crate::signal::Signal;
use crate::spf::{self, Lookup, SpfRequest, SpfResult};
use posture_core::Asset;
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::task::JoinSet;

/// The built-in port table: port → the issue type an open port means.
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

/// The DKIM selectors probed by default.
pub const DEFAULT_DKIM_SELECTORS: &[&str] = &[
    "default",
    "selector1",
    "selector2",
    "google",
    "k1",
    "dkim",
    "mail",
    "s1",
    "s2",
];

/// One TCP port to probe and the issue type it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortCheck {
    /// TCP port.
    pub port: u16,
    /// Issue type when the port accepts connections.
    pub issue: String,
}

/// Errors in scan settings or targets (before anything is sent).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A target that is not a host name, IP address or CIDR block.
    #[error("target `{}`: {reason}", posture_core::echo(.target))]
    BadTarget {
        /// The target.
        target: String,
        /// Why.
        reason: String,
    },
    /// A CIDR block larger than the policy allows.
    #[error(
        "target `{}` expands to {addresses} addresses, more than --max-addresses {max}",
        posture_core::echo(.target)
    )]
    TooManyAddresses {
        /// The target.
        target: String,
        /// Its size.
        addresses: u128,
        /// The cap.
        max: u64,
    },
    /// A `--ports` entry that is neither `PORT` from the table nor
    /// `PORT=ISSUE`.
    #[error(
        "port `{}`: use PORT from the built-in table or PORT=ISSUE",
        posture_core::echo(.0)
    )]
    BadPort(String),
    /// The resolver could not be set up.
    #[error(transparent)]
    Dns(#[from] DnsSetupError),
}

impl ScanError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ScanError::BadTarget { .. } => "bad_target",
            ScanError::TooManyAddresses { .. } => "too_many_addresses",
            ScanError::BadPort(_) => "bad_port",
            ScanError::Dns(_) => "dns_setup",
        }
    }
}

/// Parses `--ports`: `PORT` (mapped by [`PORT_TABLE`]) or `PORT=ISSUE`,
/// comma separated.
///
/// ```
/// let p = posture_signals::parse_ports("6379,8081=service_redis").unwrap();
/// assert_eq!(p[0].issue, "service_redis");
/// assert_eq!(p[1].port, 8081);
/// assert!(posture_signals::parse_ports("12345").is_err());
/// ```
///
/// # Errors
/// An entry that is not a port number, or a bare port not in the table.
pub fn parse_ports(list: &str) -> Result<Vec<PortCheck>, ScanError> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = || ScanError::BadPort(item.to_owned());
        let (port, issue) = match item.split_once('=') {
            Some((p, i)) if !i.trim().is_empty() => (
                p.trim().parse::<u16>().map_err(|_| bad())?,
                i.trim().to_owned(),
            ),
            Some(_) => return Err(bad()),
            None => {
                let port = item.parse::<u16>().map_err(|_| bad())?;
                let issue = PORT_TABLE
                    .iter()
                    .find(|(p, _)| *p == port)
                    .ok_or_else(bad)?
                    .1;
                (port, issue.to_owned())
            }
        };
        out.push(PortCheck { port, issue });
    }
    Ok(out)
}

/// What to check besides the DNS records of domains.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanConfig {
    /// Limits.
    pub policy: ScanPolicy,
    /// TCP ports probed on listed addresses.
    pub ports: Vec<PortCheck>,
    /// DKIM selectors probed on domains.
    pub dkim_selectors: Vec<String>,
    /// DNSBL zones consulted for listed addresses.
    pub dnsbl_zones: Vec<String>,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            policy: ScanPolicy::default(),
            ports: PORT_TABLE
                .iter()
                .map(|(p, i)| PortCheck {
                    port: *p,
                    issue: (*i).to_owned(),
                })
                .collect(),
            dkim_selectors: DEFAULT_DKIM_SELECTORS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            dnsbl_zones: Vec::new(),
        }
    }
}

/// The result of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanReport {
    /// Every observation.
    pub signals: Vec<Signal>,
    /// Every target and every name the scan reached and reports on.
    pub assets: Vec<String>,
    /// DNS queries sent.
    pub queries: u64,
}

enum Target {
    Host(String),
    Ip(IpAddr),
}

fn expand(targets: &[String], max: u64) -> Result<(Vec<Target>, Vec<String>), ScanError> {
    let mut out = Vec::new();
    let mut assets = Vec::new();
    for t in targets {
        let asset = t.parse::<Asset>().map_err(|e| ScanError::BadTarget {
            target: t.clone(),
            reason: e.to_string(),
        })?;
        match asset {
            Asset::Host(h) => {
                assets.push(h.to_string());
                out.push(Target::Host(h.to_string()));
            }
            Asset::Ip(ip) => {
                assets.push(ip.to_string());
                out.push(Target::Ip(ip));
            }
            Asset::Network(net) => {
                let size: u128 = match net {
                    ipnetwork::IpNetwork::V4(n) => 1u128 << (32 - u32::from(n.prefix())),
                    ipnetwork::IpNetwork::V6(n) => 1u128
                        .checked_shl(128 - u32::from(n.prefix()))
                        .unwrap_or(u128::MAX),
                };
                if size > u128::from(max) {
                    return Err(ScanError::TooManyAddresses {
                        target: t.clone(),
                        addresses: size,
                        max,
                    });
                }
                assets.push(net.to_string());
                for ip in net.iter() {
                    out.push(Target::Ip(ip));
                }
            }
        }
    }
    Ok((out, assets))
}

/// Scans targets (host names, IPs, CIDR blocks) with the real collectors.
///
/// # Errors
/// Bad targets, a CIDR over the cap, or a resolver that cannot be set up;
/// nothing is sent in those cases. Once the scan runs it always returns a
/// report: failed checks are inconclusive signals.
pub async fn scan(targets: &[String], config: &ScanConfig) -> Result<ScanReport, ScanError> {
    scan_with_progress(targets, config, Arc::new(Progress::default())).await
}

/// Progress of a scan: items (domains and addresses) done out of total.
#[derive(Debug, Default)]
pub struct Progress {
    /// Items finished.
    pub done: AtomicUsize,
    /// Items in the scan (known once targets are expanded).
    pub total: AtomicUsize,
}

/// [`scan`], reporting [`Progress`] for a progress display.
///
/// # Errors
/// As [`scan`].
pub async fn scan_with_progress(
    targets: &[String],
    config: &ScanConfig,
    progress: Arc<Progress>,
) -> Result<ScanReport, ScanError> {
    let (list, mut assets) = expand(targets, config.policy.max_addresses)?;
    progress.total.store(list.len(), Ordering::Relaxed);
    let dns = Dns::new(&config.policy)?;
    let mut set: JoinSet<(Vec<Signal>, Vec<String>)> = JoinSet::new();
    for t in list {
        let dns = dns.clone();
        let config = config.clone();
        match t {
            Target::Host(h) => {
                set.spawn(async move { domain_checks(&dns, &h, &config).await });
            }
            Target::Ip(ip) => {
                set.spawn(async move { (address_checks(&dns, ip, &config).await, Vec::new()) });
            }
        }
    }
    let mut signals = Vec::new();
    while let Some(res) = set.join_next().await {
        if let Ok((s, a)) = res {
            signals.extend(s);
            assets.extend(a);
        }
        progress.done.fetch_add(1, Ordering::Relaxed);
    }
    signals.sort_by(|a, b| (&a.asset, &a.check).cmp(&(&b.asset, &b.check)));
    let mut seen = BTreeSet::new();
    assets.retain(|a| seen.insert(a.clone()));
    Ok(ScanReport {
        signals,
        assets,
        queries: dns.queries(),
    })
}

fn failed<T>(l: &Lookup<T>) -> Option<&str> {
    match l {
        Lookup::Failed(r) => Some(r.as_str()),
        _ => None,
    }
}

/// Signals for a set of checks that could not run.
fn inconclusive_all(asset: &str, checks: &[&str], reason: &str, detail: &str) -> Vec<Signal> {
    checks
        .iter()
        .map(|c| Signal::inconclusive(asset, c, "dns", reason, detail))
        .collect()
}

/// Clean or detected, by a condition.
fn judge(asset: &str, check: &str, detected: bool, detail: impl Into<String>) -> Signal {
    if detected {
        Signal::detected(asset, check, "dns", detail)
    } else {
        Signal::clean(asset, check, "dns", detail)
    }
}

const SPF_CHECKS: &[&str] = &[
    "spf_missing",
    "spf_multiple_records",
    "spf_permerror",
    "spf_too_many_lookups",
    "spf_permissive_all",
    "spf_softfail_all",
    "spf_ptr_mechanism",
];
const DMARC_CHECKS: &[&str] = &[
    "dmarc_missing",
    "dmarc_invalid",
    "dmarc_policy_none",
    "dmarc_partial_pct",
    "dmarc_no_reporting",
];

async fn domain_checks(dns: &Dns, domain: &str, config: &ScanConfig) -> (Vec<Signal>, Vec<String>) {
    let mut out = Vec::new();
    let mut reached = Vec::new();
    let txt = dns.txt(domain).await;
    if matches!(txt, Lookup::NxDomain) {
        // A name that does not exist has no posture to judge: say so rather
        // than report every record as missing.
        let all: Vec<&str> = SPF_CHECKS
            .iter()
            .chain(DMARC_CHECKS)
            .chain(
                [
                    "mx_missing",
                    "caa_missing",
                    "dnssec_missing",
                    "mta_sts_missing",
                    "tls_rpt_missing",
                ]
                .iter(),
            )
            .copied()
            .collect();
        out.extend(inconclusive_all(
            domain,
            &all,
            "nxdomain",
            "the name does not exist (NXDOMAIN)",
        ));
        out.extend(dangling(dns, domain).await);
        return (out, reached);
    }
    out.extend(spf_checks(dns, domain, &txt).await);
    let (dmarc, mx, caa, dnssec, mail, cname) = tokio::join!(
        dmarc_checks(dns, domain),
        mx_check(dns, domain),
        caa_check(dns, domain),
        dnssec_check(dns, domain),
        mail_policy_checks(dns, domain),
        async {
            let mut s = dangling(dns, domain).await;
            let www = format!("www.{domain}");
            let www_exists = match dns.a(&www).await {
                Lookup::Records(_) => true,
                Lookup::NxDomain | Lookup::NoData | Lookup::Failed(_) => {
                    matches!(dns.cname(&www).await, Lookup::Records(_))
                }
            };
            if www_exists {
                s.extend(dangling(dns, &www).await);
            }
            (s, www_exists.then_some(www))
        }
    );
    out.extend(dmarc);
    out.extend(mx);
    out.extend(caa);
    out.extend(dnssec);
    out.extend(mail);
    out.extend(ns_checks(dns, domain).await);
    out.extend(dkim_checks(dns, domain, &config.dkim_selectors).await);
    let (cname_signals, www) = cname;
    out.extend(cname_signals);
    if let Some(w) = www {
        reached.push(w);
    }
    (out, reached)
}

async fn spf_checks(dns: &Dns, domain: &str, txt: &Lookup<Vec<String>>) -> Vec<Signal> {
    let records: Vec<&String> = match txt {
        Lookup::Failed(r) => {
            return inconclusive_all(domain, SPF_CHECKS, r, "the TXT look-up failed");
        }
        Lookup::Records(rs) => rs.iter().filter(|r| is_spf(r)).collect(),
        Lookup::NxDomain | Lookup::NoData => Vec::new(),
    };
    let evidence: Vec<String> = records.iter().map(|r| (*r).clone()).collect();
    let mut out = vec![judge(
        domain,
        "spf_missing",
        records.is_empty(),
        if records.is_empty() {
            "no v=spf1 TXT record"
        } else {
            "SPF record present"
        },
    )];
    out.push(judge(
        domain,
        "spf_multiple_records",
        records.len() > 1,
        format!("{} v=spf1 records", records.len()),
    ));
    if records.len() != 1 {
        // Without exactly one record the rest cannot be judged.
        for c in &SPF_CHECKS[2..] {
            out.push(Signal::clean(
                domain,
                c,
                "dns",
                "no single SPF record to evaluate",
            ));
        }
        return out
            .into_iter()
            .map(|s| s.with_evidence(evidence.clone()))
            .collect();
    }
    let req = SpfRequest {
        ip: IpAddr::from([192, 0, 2, 1]),
        sender: "",
        helo: domain,
        receiver: "posture.scan",
    };
    let outcome = spf::check_host(dns, &req, domain).await;
    if outcome.result == SpfResult::Temperror {
        out.extend(inconclusive_all(
            domain,
            &SPF_CHECKS[2..],
            "error",
            &format!("SPF evaluation hit a DNS failure: {}", outcome.reason),
        ));
        return out
            .into_iter()
            .map(|s| s.with_evidence(evidence.clone()))
            .collect();
    }
    let permerror = outcome.result == SpfResult::Permerror;
    out.push(judge(
        domain,
        "spf_too_many_lookups",
        permerror && outcome.limit_exceeded,
        format!(
            "{} DNS lookups, {} void",
            outcome.lookups, outcome.void_lookups
        ),
    ));
    out.push(judge(
        domain,
        "spf_permerror",
        permerror && !outcome.limit_exceeded,
        if permerror {
            outcome.reason.clone()
        } else {
            "the record evaluates".to_owned()
        },
    ));
    let parsed = spf::parse_record(records[0]);
    let (all, ptr) = match &parsed {
        Ok(r) => (r.all_qualifier(), r.uses_ptr()),
        Err(_) => (None, false),
    };
    use spf::Qualifier;
    out.push(judge(
        domain,
        "spf_permissive_all",
        matches!(all, Some(Qualifier::Pass | Qualifier::Neutral)),
        format!("all qualifier: {all:?}"),
    ));
    out.push(judge(
        domain,
        "spf_softfail_all",
        matches!(all, Some(Qualifier::Softfail)),
        format!("all qualifier: {all:?}"),
    ));
    out.push(judge(
        domain,
        "spf_ptr_mechanism",
        ptr,
        if ptr { "uses ptr" } else { "no ptr mechanism" },
    ));
    out.into_iter()
        .map(|s| s.with_evidence(evidence.clone()))
        .collect()
}

fn is_spf(r: &str) -> bool {
    let t = r.trim_start();
    t.len() >= 6
        && t[..6].eq_ignore_ascii_case("v=spf1")
        && (t.len() == 6 || t.as_bytes()[6] == b' ')
}

async fn dmarc_checks(dns: &Dns, domain: &str) -> Vec<Signal> {
    let own = dns.txt(&format!("_dmarc.{domain}")).await;
    if let Some(r) = failed(&own) {
        return inconclusive_all(domain, DMARC_CHECKS, r, "the _dmarc look-up failed");
    }
    let mut records = dmarc_records(&own);
    let mut subdomain = false;
    let mut at = format!("_dmarc.{domain}");
    if records.is_empty() {
        if let Some(org) = dmarc::organizational_domain(domain).filter(|o| o != domain) {
            let parent = dns.txt(&format!("_dmarc.{org}")).await;
            if let Some(r) = failed(&parent) {
                return inconclusive_all(
                    domain,
                    DMARC_CHECKS,
                    r,
                    "the organisational _dmarc look-up failed",
                );
            }
            records = dmarc_records(&parent);
            subdomain = true;
            at = format!("_dmarc.{org}");
        }
    }
    let evidence: Vec<String> = records.clone();
    let with = |s: Signal| s.with_evidence(evidence.clone());
    if records.is_empty() {
        let mut out = vec![with(Signal::detected(
            domain,
            "dmarc_missing",
            "dns",
            "no DMARC record for the domain or its organisational domain",
        ))];
        for c in &DMARC_CHECKS[1..] {
            out.push(Signal::clean(domain, c, "dns", "no DMARC record to judge"));
        }
        return out;
    }
    let mut out = vec![with(Signal::clean(
        domain,
        "dmarc_missing",
        "dns",
        format!("DMARC record at {at}"),
    ))];
    if records.len() > 1 {
        out.push(with(Signal::detected(
            domain,
            "dmarc_invalid",
            "dns",
            format!("{} DMARC records at {at}", records.len()),
        )));
        for c in &DMARC_CHECKS[2..] {
            out.push(Signal::clean(
                domain,
                c,
                "dns",
                "no single DMARC record to judge",
            ));
        }
        return out;
    }
    match dmarc::parse(&records[0]) {
        Err(e) => {
            out.push(with(Signal::detected(
                domain,
                "dmarc_invalid",
                "dns",
                format!("{at}: {e}"),
            )));
            for c in &DMARC_CHECKS[2..] {
                out.push(Signal::clean(
                    domain,
                    c,
                    "dns",
                    "the DMARC record is invalid",
                ));
            }
        }
        Ok(r) => {
            let policy = if subdomain {
                r.subdomain_policy.unwrap_or(r.policy)
            } else {
                r.policy
            };
            out.push(with(Signal::clean(
                domain,
                "dmarc_invalid",
                "dns",
                format!("{at}: {r}"),
            )));
            out.push(with(judge(
                domain,
                "dmarc_policy_none",
                policy == Policy::None,
                format!("effective policy p={}", policy.as_str()),
            )));
            out.push(with(judge(
                domain,
                "dmarc_partial_pct",
                r.pct < 100,
                format!("pct={}", r.pct),
            )));
            out.push(with(judge(
                domain,
                "dmarc_no_reporting",
                r.rua.is_empty(),
                format!("{} rua address(es)", r.rua.len()),
            )));
            if policy == Policy::Reject && r.pct == 100 {
                out.push(with(Signal::detected(
                    domain,
                    "dmarc_reject_policy",
                    "dns",
                    "p=reject enforced",
                )));
            }
        }
    }
    out
}

/// TXT records meant as DMARC: those naming `v=DMARC1` anywhere (one that
/// does not start with it is judged invalid rather than absent, since it
/// was clearly meant as a policy).
fn dmarc_records(l: &Lookup<Vec<String>>) -> Vec<String> {
    match l {
        Lookup::Records(rs) => rs
            .iter()
            .filter(|r| r.to_ascii_lowercase().replace(' ', "").contains("v=dmarc1"))
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

async fn mx_check(dns: &Dns, domain: &str) -> Vec<Signal> {
    match dns.mx(domain).await {
        Lookup::Failed(r) => vec![Signal::inconclusive(
            domain,
            "mx_missing",
            "dns",
            &r,
            "the MX look-up failed",
        )],
        Lookup::NxDomain | Lookup::NoData => vec![Signal::detected(
            domain,
            "mx_missing",
            "dns",
            "no MX record",
        )],
        Lookup::Records(mx) => {
            let evidence: Vec<String> = mx.iter().map(|(p, h)| format!("MX {p} {h}")).collect();
            if mx.len() == 1 && (mx[0].1.is_empty() || mx[0].1 == ".") {
                return vec![
                    Signal::clean(
                        domain,
                        "mx_missing",
                        "dns",
                        "null MX: the domain accepts no mail (RFC 7505)",
                    )
                    .with_evidence(evidence),
                ];
            }
            for (_, host) in &mx {
                if host.parse::<IpAddr>().is_ok() {
                    return vec![
                        Signal::detected(
                            domain,
                            "mx_missing",
                            "dns",
                            format!("MX names an IP literal {host}"),
                        )
                        .with_evidence(evidence),
                    ];
                }
                match dns.cname(host).await {
                    Lookup::Records(t) => {
                        return vec![
                            Signal::detected(
                                domain,
                                "mx_missing",
                                "dns",
                                format!("MX {host} is a CNAME to {}", t.join(", ")),
                            )
                            .with_evidence(evidence),
                        ];
                    }
                    Lookup::Failed(r) => {
                        return vec![Signal::inconclusive(
                            domain,
                            "mx_missing",
                            "dns",
                            &r,
                            format!("checking MX {host} failed"),
                        )];
                    }
                    Lookup::NxDomain | Lookup::NoData => {}
                }
            }
            vec![
                Signal::clean(
                    domain,
                    "mx_missing",
                    "dns",
                    format!("{} MX record(s)", mx.len()),
                )
                .with_evidence(evidence),
            ]
        }
    }
}

async fn ns_checks(dns: &Dns, domain: &str) -> Vec<Signal> {
    let checks = ["single_nameserver", "nameservers_same_network"];
    let ns = match dns.ns(domain).await {
        Lookup::Failed(r) => return inconclusive_all(domain, &checks, &r, "the NS look-up failed"),
        // Not a zone apex (or no delegation seen): nothing to judge.
        Lookup::NxDomain | Lookup::NoData => {
            return checks
                .iter()
                .map(|c| Signal::clean(domain, c, "dns", "not a zone apex: no NS records"))
                .collect();
        }
        Lookup::Records(ns) => ns,
    };
    let evidence: Vec<String> = ns.iter().map(|n| format!("NS {n}")).collect();
    let mut out = vec![
        judge(
            domain,
            "single_nameserver",
            ns.len() < 2,
            format!("{} name server(s)", ns.len()),
        )
        .with_evidence(evidence.clone()),
    ];
    let mut nets = BTreeSet::new();
    for n in &ns {
        match dns.a(n).await {
            Lookup::Records(ips) => {
                for ip in ips {
                    let o = ip.octets();
                    nets.insert([o[0], o[1], o[2]]);
                }
            }
            Lookup::Failed(r) => {
                out.push(Signal::inconclusive(
                    domain,
                    "nameservers_same_network",
                    "dns",
                    &r,
                    format!("resolving {n} failed"),
                ));
                return out;
            }
            Lookup::NxDomain | Lookup::NoData => {}
        }
    }
    if nets.is_empty() {
        out.push(Signal::inconclusive(
            domain,
            "nameservers_same_network",
            "dns",
            "error",
            "no name server address resolved",
        ));
    } else {
        out.push(
            judge(
                domain,
                "nameservers_same_network",
                ns.len() >= 2 && nets.len() == 1,
                format!("{} distinct /24 network(s)", nets.len()),
            )
            .with_evidence(evidence),
        );
    }
    out
}

async fn caa_check(dns: &Dns, domain: &str) -> Vec<Signal> {
    // RFC 8659: the relevant CAA set is the closest one climbing the tree,
    // up to the organisational domain.
    let stop = dmarc::organizational_domain(domain).unwrap_or_else(|| domain.to_owned());
    let mut name = domain.to_owned();
    loop {
        match dns.query(&name, hickory_proto::rr::RecordType::CAA).await {
            Lookup::Records(r) => {
                return vec![
                    Signal::clean(
                        domain,
                        "caa_missing",
                        "dns",
                        format!("{} CAA record(s) at {name}", r.len()),
                    )
                    .with_evidence(r.iter().map(|x| x.to_string()).collect()),
                ];
            }
            Lookup::Failed(r) => {
                return vec![Signal::inconclusive(
                    domain,
                    "caa_missing",
                    "dns",
                    &r,
                    "the CAA look-up failed",
                )];
            }
            Lookup::NxDomain | Lookup::NoData => {}
        }
        if name == stop {
            return vec![Signal::detected(
                domain,
                "caa_missing",
                "dns",
                "no CAA record",
            )];
        }
        match name.split_once('.') {
            Some((_, parent)) => name = parent.to_owned(),
            None => {
                return vec![Signal::detected(
                    domain,
                    "caa_missing",
                    "dns",
                    "no CAA record",
                )];
            }
        }
    }
}

async fn dnssec_check(dns: &Dns, domain: &str) -> Vec<Signal> {
    use hickory_proto::rr::RecordType;
    let (ds, key) = tokio::join!(
        dns.query(domain, RecordType::DS),
        dns.query(domain, RecordType::DNSKEY)
    );
    if let Some(r) = failed(&ds).or(failed(&key)) {
        return inconclusive_all(
            domain,
            &["dnssec_missing", "dnssec_detected"],
            r,
            "the DS/DNSKEY look-up failed",
        );
    }
    let signed = matches!(ds, Lookup::Records(_)) || matches!(key, Lookup::Records(_));
    let detail = format!(
        "DS {}, DNSKEY {}",
        if matches!(ds, Lookup::Records(_)) {
            "present"
        } else {
            "absent"
        },
        if matches!(key, Lookup::Records(_)) {
            "present"
        } else {
            "absent"
        }
    );
    vec![
        judge(domain, "dnssec_missing", !signed, detail.clone()),
        judge(domain, "dnssec_detected", signed, detail),
    ]
}

async fn mail_policy_checks(dns: &Dns, domain: &str) -> Vec<Signal> {
    let (sts_name, rpt_name) = (format!("_mta-sts.{domain}"), format!("_smtp._tls.{domain}"));
    let (sts, rpt) = tokio::join!(dns.txt(&sts_name), dns.txt(&rpt_name));
    let one = |l: Lookup<Vec<String>>, check: &str, prefix: &str| -> Signal {
        match l {
            Lookup::Failed(r) => {
                Signal::inconclusive(domain, check, "dns", &r, "the look-up failed")
            }
            Lookup::Records(rs) => {
                let found: Vec<String> = rs
                    .into_iter()
                    .filter(|r| r.trim_start().starts_with(prefix))
                    .collect();
                judge(
                    domain,
                    check,
                    found.is_empty(),
                    format!("{} {prefix} record(s)", found.len()),
                )
                .with_evidence(found)
            }
            Lookup::NxDomain | Lookup::NoData => {
                Signal::detected(domain, check, "dns", format!("no {prefix} record"))
            }
        }
    };
    vec![
        one(sts, "mta_sts_missing", "v=STSv1"),
        one(rpt, "tls_rpt_missing", "v=TLSRPTv1"),
    ]
}

async fn dkim_checks(dns: &Dns, domain: &str, selectors: &[String]) -> Vec<Signal> {
    let mut found = Vec::new();
    let mut weak = Vec::new();
    for sel in selectors {
        let name = format!("{sel}._domainkey.{domain}");
        match dns.txt(&name).await {
            Lookup::Records(rs) => {
                for r in rs {
                    match dkim::parse(&r) {
                        Ok(DkimKey::Rsa(bits)) if bits < 1024 => {
                            weak.push(format!("{name}: RSA {bits} bits"))
                        }
                        Ok(k) => found.push(format!("{name}: {k:?}")),
                        Err(e) => found.push(format!("{name}: unreadable key ({e})")),
                    }
                }
            }
            Lookup::Failed(r) => {
                return vec![Signal::inconclusive(
                    domain,
                    "dkim_weak_key",
                    "dns",
                    &r,
                    format!("{name} look-up failed"),
                )];
            }
            Lookup::NxDomain | Lookup::NoData => {}
        }
    }
    if weak.is_empty() {
        let detail = if found.is_empty() {
            "no DKIM key at the probed selectors".to_owned()
        } else {
            format!("{} DKIM key(s), none weak", found.len())
        };
        vec![Signal::clean(domain, "dkim_weak_key", "dns", detail).with_evidence(found)]
    } else {
        vec![
            Signal::detected(
                domain,
                "dkim_weak_key",
                "dns",
                format!("{} weak key(s)", weak.len()),
            )
            .with_evidence(weak),
        ]
    }
}

async fn dangling(dns: &Dns, name: &str) -> Vec<Signal> {
    match dns.cname(name).await {
        Lookup::Failed(r) => vec![Signal::inconclusive(
            name,
            "dangling_cname",
            "dns",
            &r,
            "the CNAME look-up failed",
        )],
        Lookup::NxDomain | Lookup::NoData => {
            vec![Signal::clean(name, "dangling_cname", "dns", "not a CNAME")]
        }
        Lookup::Records(targets) => {
            let target = targets.first().cloned().unwrap_or_default();
            match dns.a(name).await {
                Lookup::NxDomain => vec![
                    Signal::detected(
                        name,
                        "dangling_cname",
                        "dns",
                        format!("CNAME {target} ends in NXDOMAIN"),
                    )
                    .with_evidence(targets),
                ],
                Lookup::Failed(r) => vec![Signal::inconclusive(
                    name,
                    "dangling_cname",
                    "dns",
                    &r,
                    format!("resolving the CNAME target {target} failed"),
                )],
                Lookup::Records(_) | Lookup::NoData => vec![
                    Signal::clean(
                        name,
                        "dangling_cname",
                        "dns",
                        format!("CNAME {target} resolves"),
                    )
                    .with_evidence(targets),
                ],
            }
        }
    }
}

async fn address_checks(dns: &Dns, ip: IpAddr, config: &ScanConfig) -> Vec<Signal> {
    let asset = ip.to_string();
    let mut out = Vec::new();
    let mut probes = JoinSet::new();
    for p in &config.ports {
        let dns = dns.clone();
        let p = p.clone();
        let timeout = config.policy.timeout;
        let asset = asset.clone();
        probes.spawn(async move {
            let Some(_slot) = dns.slot().await else {
                return Signal::inconclusive(
                    &asset,
                    &p.issue,
                    "tcp",
                    DnsFailure::Deadline.as_str(),
                    format!("port {} not probed before the deadline", p.port),
                );
            };
            let addr = SocketAddr::new(ip, p.port);
            let limit = tokio::time::Instant::now() + timeout;
            let until = limit.min(dns.deadline());
            match tokio::time::timeout_at(until, tokio::net::TcpStream::connect(addr)).await {
                Ok(Ok(_)) => Signal::detected(
                    &asset,
                    &p.issue,
                    "tcp",
                    format!("TCP {} accepts connections", p.port),
                ),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    Signal::clean(&asset, &p.issue, "tcp", format!("TCP {} refused", p.port))
                }
                Ok(Err(e)) => Signal::inconclusive(
                    &asset,
                    &p.issue,
                    "tcp",
                    "error",
                    format!("TCP {}: {e}", p.port),
                ),
                Err(_) => Signal::inconclusive(
                    &asset,
                    &p.issue,
                    "tcp",
                    "timeout",
                    format!("TCP {}: no answer", p.port),
                ),
            }
        });
    }
    while let Some(r) = probes.join_next().await {
        if let Ok(s) = r {
            out.push(s);
        }
    }
    for zone in &config.dnsbl_zones {
        let name = match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                format!("{}.{}.{}.{}.{zone}", o[3], o[2], o[1], o[0])
            }
            IpAddr::V6(_) => {
                let rev = crate::dns::reverse_name(ip);
                format!("{}.{zone}", rev.trim_end_matches(".ip6.arpa"))
            }
        };
        let source = format!("dnsbl:{zone}");
        let s = match dns.a(&name).await {
            Lookup::Records(a) => {
                let listed: Vec<String> = a
                    .iter()
                    .filter(|x| x.octets()[0] == 127)
                    .map(|x| x.to_string())
                    .collect();
                if listed.is_empty() {
                    Signal::clean(
                        &asset,
                        "ip_blocklisted",
                        &source,
                        "answer outside 127.0.0.0/8 ignored",
                    )
                } else {
                    Signal::detected(
                        &asset,
                        "ip_blocklisted",
                        &source,
                        format!("listed in {zone}"),
                    )
                    .with_evidence(listed)
                }
            }
            Lookup::NxDomain | Lookup::NoData => Signal::clean(
                &asset,
                "ip_blocklisted",
                &source,
                format!("not listed in {zone}"),
            ),
            Lookup::Failed(r) => Signal::inconclusive(
                &asset,
                "ip_blocklisted",
                &source,
                &r,
                format!("{zone} look-up failed"),
            ),
        };
        out.push(s);
    }
    out
}
