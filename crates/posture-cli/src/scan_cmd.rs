//! `posture scan`, `posture checks` and `posture spf check`: the host API
//! (`posture::host`) driven from the command line.

use crate::Format;
use crate::error::CliError;
use crate::progress::Ticker;
use crate::table::{self, Table};
use posture::host::{HostError, Scanner};
use posture_classify::{Inconclusive, Rules};
use posture_core::echo;
use posture_core::observe::{Check, Observation};
use posture_signals::{CHECKS, Progress};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Scan settings from the command line.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Targets.
    pub targets: Vec<String>,
    /// `--nameserver`.
    pub nameserver: Option<SocketAddr>,
    /// `--checks`.
    pub checks: Option<String>,
    /// `--ports`.
    pub ports: Option<String>,
    /// `--dkim-selectors`.
    pub dkim_selectors: Option<String>,
    /// `--dnsbl`.
    pub dnsbl: Option<String>,
    /// `--concurrency`.
    pub concurrency: Option<usize>,
    /// `--threads` (default: the machine's cores).
    pub threads: Option<usize>,
    /// `--timeout` (ms).
    pub timeout_ms: Option<u64>,
    /// `--deadline` (ms).
    pub deadline_ms: Option<u64>,
    /// `--rate`.
    pub rate: Option<u32>,
    /// `--max-addresses`.
    pub max_addresses: Option<u64>,
    /// `--organization`.
    pub organization: Option<String>,
    /// Ports, trust and reach of the web, TLS and mail checks.
    pub web: WebOptions,
}

/// `--https-port`, `--http-port`, `--smtp-port`, `--ca-file`,
/// `--connect-within`.
#[derive(Debug, Clone)]
pub struct WebOptions {
    /// `--https-port`.
    pub https_port: u16,
    /// `--http-port`.
    pub http_port: u16,
    /// `--smtp-port`.
    pub smtp_port: u16,
    /// `--ca-file`.
    pub ca_file: Option<std::path::PathBuf>,
    /// `--connect-within`.
    pub connect_within: Option<String>,
}

impl Default for WebOptions {
    fn default() -> Self {
        WebOptions {
            https_port: 443,
            http_port: 80,
            smtp_port: 25,
            ca_file: None,
            connect_within: None,
        }
    }
}

impl WebOptions {
    /// Applies the options to a scan configuration.
    ///
    /// # Errors
    /// A CA file that cannot be read or holds no certificate (the I/O
    /// error names the file), or a network that does not parse.
    pub fn apply(&self, c: &mut posture_signals::ScanConfig) -> Result<(), CliError> {
        c.https_port = self.https_port;
        c.http_port = self.http_port;
        c.smtp_port = self.smtp_port;
        if let Some(path) = &self.ca_file {
            let bytes = std::fs::read(path).map_err(|source| CliError::Io {
                path: path.display().to_string(),
                source,
            })?;
            c.extra_roots = posture_signals::pem_certificates(&bytes).map_err(|e| {
                CliError::Usage(format!(
                    "--ca-file {}: {e}",
                    echo(&path.display().to_string())
                ))
            })?;
        }
        if let Some(list) = &self.connect_within {
            let mut nets = Vec::new();
            for n in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let net = n
                    .parse::<ipnetwork::IpNetwork>()
                    .or_else(|_| n.parse::<IpAddr>().map(ipnetwork::IpNetwork::from))
                    .map_err(|_| {
                        CliError::Usage(format!(
                            "--connect-within: `{}` is not an address or CIDR block",
                            echo(n)
                        ))
                    })?;
                nets.push(net);
            }
            if nets.is_empty() {
                return Err(CliError::Usage(
                    "--connect-within: name at least one network".into(),
                ));
            }
            c.policy.connect_within = Some(nets);
        }
        Ok(())
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

/// A host error as the CLI reports it: settings and targets are usage
/// errors (exit 2), a defect is internal.
pub fn host_error(e: HostError) -> CliError {
    match e {
        HostError::Scan(_) | HostError::Ports(_) | HostError::OutsideFootprint(_) => {
            CliError::Usage(e.to_string())
        }
        other => CliError::Internal(other.to_string()),
    }
}

/// Parses `--checks`: check names from the registry, comma separated.
pub fn parse_checks(s: &str) -> Result<Vec<Check>, CliError> {
    let mut out = Vec::new();
    for name in list(s) {
        let c: Check = name
            .parse()
            .map_err(|e| CliError::Usage(format!("--checks: {e}")))?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(CliError::Usage("--checks: name at least one check".into()));
    }
    Ok(out)
}

/// Builds the scanner, checking every option before any packet.
pub fn scanner(o: &ScanOptions) -> Result<Scanner, CliError> {
    let mut s = Scanner::default();
    if let Some(p) = &o.ports {
        let (ports, rules) = posture::host::parse_ports(p).map_err(host_error)?;
        s = s.with_ports(ports, rules);
    }
    let c = &mut s.config;
    c.policy.nameserver = o.nameserver;
    if let Some(list) = &o.checks {
        c.checks = parse_checks(list)?;
    }
    if let Some(v) = &o.dkim_selectors {
        c.dkim_selectors = list(v);
    }
    if let Some(z) = &o.dnsbl {
        c.dnsbl_zones = list(z);
    }
    if let Some(n) = o.concurrency {
        c.policy.concurrency = n;
    }
    c.policy.threads = o.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if let Some(ms) = o.timeout_ms {
        c.policy.timeout = Duration::from_millis(ms.max(1));
    }
    if let Some(ms) = o.deadline_ms {
        c.policy.deadline = Duration::from_millis(ms.max(1));
    }
    c.policy.rate = o.rate;
    if let Some(m) = o.max_addresses {
        c.policy.max_addresses = m;
    }
    o.web.apply(c)?;
    c.validate().map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(s)
}

/// The JSON result of `posture scan`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ScanOutput {
    /// Organisation name.
    pub organization: String,
    /// The targets as given.
    pub targets: Vec<String>,
    /// Every observation: a typed fact, or inconclusive with its reason.
    pub observations: Vec<Observation>,
    /// Issues that could not be judged, with the reasons.
    pub inconclusive: Vec<Inconclusive>,
    /// The findings document (what `--findings-out` writes).
    pub findings: posture::FindingsDocument,
    /// Its scorecard.
    pub scorecard: posture::Scorecard,
    /// DNS queries sent.
    pub queries: u64,
    /// DNS messages sent, answered and timed out, per resolver.
    pub resolvers: Vec<ResolverOut>,
}

/// What one resolver did with a scan's DNS messages.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ResolverOut {
    /// The resolver (`IP:PORT`).
    pub server: String,
    /// Messages sent to it (retries and TCP included).
    pub sent: u64,
    /// Messages it answered.
    pub answered: u64,
    /// Messages it left unanswered past the timeout or the deadline.
    pub timed_out: u64,
}

impl From<&posture_signals::ResolverCounts> for ResolverOut {
    fn from(r: &posture_signals::ResolverCounts) -> Self {
        ResolverOut {
            server: r.server.to_string(),
            sent: r.queries.sent,
            answered: r.queries.answered,
            timed_out: r.queries.timed_out,
        }
    }
}

/// The async runtime the network commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    posture::host::blocking::runtime().map_err(host_error)
}

/// Runs a scan on `rt` through the host API (the CLI's `scan` and the demo
/// share it). On a terminal, standard error shows the progress: targets
/// done, time against the deadline, DNS queries sent, answered and timed
/// out. A resolver that answered none of its queries is named in a warning
/// on standard error, terminal or not.
pub fn run_scan(
    rt: &tokio::runtime::Runtime,
    scanner: &Scanner,
    targets: &[String],
    organization: &str,
) -> Result<ScanOutput, CliError> {
    if targets.is_empty() {
        return Err(CliError::Usage("name at least one target".into()));
    }
    let progress = Arc::new(Progress::default());
    let deadline = scanner.config.policy.deadline;
    let ticker = {
        let progress = progress.clone();
        Ticker::start(move |elapsed| {
            crate::progress::line(
                "scanning",
                progress.done.load(Ordering::Relaxed),
                progress.total.load(Ordering::Relaxed),
                "targets",
                elapsed,
                deadline,
                progress.queries(),
            )
        })
    };
    let out = rt.block_on(scanner.scan_with_progress(targets, organization, progress.clone()));
    ticker.finish();
    let out = out.map_err(host_error)?;
    crate::progress::warn_silent_resolvers(&out.resolvers);
    Ok(ScanOutput {
        organization: organization.to_owned(),
        targets: targets.to_vec(),
        observations: out.observations,
        inconclusive: out.classification.inconclusive,
        findings: out.classification.document,
        scorecard: out.scorecard,
        queries: out.queries,
        resolvers: out.resolvers.iter().map(ResolverOut::from).collect(),
    })
}

/// `posture scan`.
pub fn scan(
    o: &ScanOptions,
    findings_out: Option<&Path>,
    format: Format,
) -> Result<String, CliError> {
    let scanner = scanner(o)?;
    let organization = match &o.organization {
        Some(name) => name.clone(),
        None => o.targets.first().cloned().unwrap_or_default(),
    };
    let out = run_scan(&runtime()?, &scanner, &o.targets, &organization)?;
    if let Some(p) = findings_out {
        let text = serde_json::to_string_pretty(&out.findings)? + "\n";
        std::fs::write(p, text).map_err(|source| CliError::Io {
            path: p.display().to_string(),
            source,
        })?;
    }
    match format {
        Format::Json => Ok(serde_json::to_string(&out)? + "\n"),
        Format::Table => Ok(scan_table(
            &out,
            &posture::Catalog::builtin(),
            table::width(),
        )),
    }
}

/// `posture scan`'s table: what was seen, every finding and inconclusive
/// issue with its catalog title, then the scorecard.
pub fn scan_table(out: &ScanOutput, catalog: &posture::Catalog, width: usize) -> String {
    let mut s = String::new();
    let facts = out
        .observations
        .iter()
        .filter(|x| x.fact().is_some())
        .count();
    let answered: u64 = out.resolvers.iter().map(|r| r.answered).sum();
    let timed_out: u64 = out.resolvers.iter().map(|r| r.timed_out).sum();
    s.push_str(&table::wrapped(
        "",
        &format!(
            "scanned {}: {} ({} facts), {}, {} inconclusive; {} DNS queries, {} answered, {} timed out",
            table::count(out.targets.len() as u64, "target", "targets"),
            table::count(out.observations.len() as u64, "observation", "observations"),
            facts,
            table::count(out.findings.findings.len() as u64, "finding", "findings"),
            out.inconclusive.len(),
            out.queries,
            answered,
            timed_out
        ),
        width,
    ));
    s.push('\n');
    let title = |issue: &str| {
        catalog
            .get(issue)
            .map(|(_, t)| table::cell(&t.title))
            .unwrap_or_default()
    };
    if out.observations.is_empty() {
        s.push_str("  no observations: none of the selected checks runs on these targets\n");
    } else if out.findings.findings.is_empty() {
        s.push_str("  no findings\n");
    } else {
        let mut t = Table::new(
            2,
            &[
                table::left("finding"),
                table::left("on"),
                table::prose("title"),
            ],
        );
        for f in &out.findings.findings {
            t.row(vec![
                table::cell(&f.issue),
                table::cell(&f.asset),
                title(&f.issue),
            ]);
        }
        s.push_str(&t.render(width));
    }
    if !out.inconclusive.is_empty() {
        s.push('\n');
        let mut t = Table::new(
            2,
            &[
                table::left("inconclusive"),
                table::left("on"),
                table::left("why"),
                table::prose("title"),
            ],
        );
        for i in &out.inconclusive {
            let reasons: Vec<&str> = i.reasons.iter().map(|r| r.as_str()).collect();
            t.row(vec![
                table::cell(&i.issue),
                table::cell(&i.asset),
                reasons.join(", "),
                title(&i.issue),
            ]);
        }
        s.push_str(&t.render(width));
    }
    s.push('\n');
    s.push_str(&table::scorecard_for(&out.scorecard, Some(catalog), width));
    s
}

/// One check of `posture checks`: the registry joined with the rules.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CheckOut {
    /// The check's name (what `--checks` takes).
    pub check: Check,
    /// What it runs on.
    pub target: posture_core::observe::TargetKind,
    /// The catalog issues its facts can raise.
    pub issues: Vec<String>,
    /// What it does.
    pub description: String,
}

/// The registry joined with the rules (default port map).
pub fn checks_list() -> Vec<CheckOut> {
    let rules = Rules::default();
    CHECKS
        .iter()
        .map(|c| CheckOut {
            check: c.check,
            target: c.target,
            issues: rules
                .issues_of(c.check)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            description: c.description.to_owned(),
        })
        .collect()
}

/// `posture checks`.
pub fn checks(format: Format) -> Result<String, CliError> {
    let list = checks_list();
    match format {
        Format::Json => Ok(serde_json::to_string(&list)? + "\n"),
        Format::Table => Ok(checks_table(&list, table::width())),
    }
}

/// `posture checks`' table for `width` columns.
pub fn checks_table(list: &[CheckOut], width: usize) -> String {
    if list.is_empty() {
        return "no checks selected\n".into();
    }
    let mut s = String::new();
    let name = list
        .iter()
        .map(|c| c.check.as_str().len())
        .max()
        .unwrap_or(0);
    let target = list
        .iter()
        .map(|c| c.target.as_str().len())
        .max()
        .unwrap_or(0);
    for c in list {
        let head = format!(
            "{:<name$}  {:<target$}  ",
            c.check.as_str(),
            c.target.as_str()
        );
        let pad = " ".repeat(head.len());
        s.push_str(&table::wrapped(&head, &c.description, width));
        let issues = if c.issues.is_empty() {
            "raises no issue with these settings".to_owned()
        } else {
            format!("raises {}", c.issues.join(", "))
        };
        s.push_str(&table::wrapped(&pad, &issues, width));
    }
    s
}

/// The JSON result of `posture spf check`.
#[derive(Debug, Serialize)]
pub struct SpfOut {
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `permerror`, `temperror`.
    pub result: String,
    /// The `exp=` explanation on fail, else the reason.
    pub explanation: String,
    /// DNS-querying terms evaluated.
    pub lookups: u32,
    /// Void lookups.
    pub void_lookups: u32,
    /// Why.
    pub reason: String,
    /// The matching mechanism.
    pub matched: Option<String>,
    /// Domain checked.
    pub domain: String,
    /// Client IP.
    pub ip: IpAddr,
    /// MAIL FROM.
    pub sender: String,
}

/// `posture spf check`.
pub fn spf_check(
    ip: IpAddr,
    sender: &str,
    helo: Option<&str>,
    nameserver: Option<SocketAddr>,
    timeout_ms: Option<u64>,
    format: Format,
) -> Result<String, CliError> {
    let domain = match sender.rsplit_once('@') {
        Some((_, d)) if !d.is_empty() => d.to_owned(),
        _ if !sender.is_empty() && !sender.contains('@') => sender.to_owned(),
        _ => helo
            .map(str::to_owned)
            .ok_or_else(|| CliError::Usage("--sender needs a domain (or give --helo)".into()))?,
    };
    let mut policy = posture_signals::ScanPolicy::default();
    policy.nameserver = nameserver;
    if let Some(ms) = timeout_ms {
        policy.timeout = Duration::from_millis(ms.max(1));
    }
    let rt = runtime()?;
    let helo = helo.unwrap_or(&domain).to_owned();
    let outcome = rt.block_on(async {
        let dns = posture_signals::Dns::new(&policy)
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let req = posture_signals::spf::SpfRequest {
            ip,
            sender,
            helo: &helo,
            receiver: "posture",
        };
        Ok::<_, CliError>(posture_signals::spf::check_host(&dns, &req, &domain).await)
    })?;
    let out = SpfOut {
        result: outcome.result.as_str().to_owned(),
        explanation: outcome
            .explanation
            .clone()
            .unwrap_or_else(|| outcome.reason.clone()),
        lookups: outcome.lookups,
        void_lookups: outcome.void_lookups,
        reason: outcome.reason.clone(),
        matched: outcome.matched.clone(),
        domain,
        ip,
        sender: sender.to_owned(),
    };
    match format {
        Format::Json => Ok(serde_json::to_string(&out)? + "\n"),
        Format::Table => {
            let width = table::width();
            let mut s = table::wrapped(
                "",
                &format!(
                    "SPF {} for {} from {}",
                    out.result,
                    echo(&out.domain),
                    out.ip
                ),
                width,
            );
            // The explanation comes from the domain's own TXT record.
            s.push_str(&table::wrapped(
                "  ",
                &echo(&out.explanation).to_string(),
                width,
            ));
            s.push_str(&format!(
                "  {} DNS lookups ({} void)\n",
                out.lookups, out.void_lookups
            ));
            Ok(s)
        }
    }
}
