//! `posture scan`, `posture checks` and `posture spf check`: the host API
//! (`posture::host`) driven from the command line.

use crate::Format;
use crate::error::CliError;
use crate::table;
use posture::host::{HostError, Scanner};
use posture_classify::{Inconclusive, Rules};
use posture_core::echo;
use posture_core::observe::{Check, Observation};
use posture_signals::{CHECKS, Progress};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::IsTerminal;
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
}

/// The async runtime the network commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    posture::host::blocking::runtime().map_err(host_error)
}

/// Runs a scan on `rt` through the host API, with a progress bar on a
/// terminal (the CLI's `scan` and the demo share it).
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
    let show = std::io::stderr().is_terminal();
    let out = rt.block_on(async {
        let ticker = show.then(|| {
            let progress = progress.clone();
            tokio::spawn(async move {
                // Quiet for quick scans: the bar appears after a second.
                tokio::time::sleep(Duration::from_secs(1)).await;
                loop {
                    let n = progress.done.load(Ordering::Relaxed);
                    let total = progress.total.load(Ordering::Relaxed).max(1);
                    let filled = (n.min(total) * 30 / total).min(30);
                    eprint!(
                        "\r[{}{}] {n}/{total} scanned",
                        "#".repeat(filled),
                        " ".repeat(30 - filled)
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        });
        let r = scanner
            .scan_with_progress(targets, organization, progress.clone())
            .await;
        if let Some(t) = ticker {
            t.abort();
            eprint!("\r{}\r", " ".repeat(60));
        }
        r
    });
    let out = out.map_err(host_error)?;
    Ok(ScanOutput {
        organization: organization.to_owned(),
        targets: targets.to_vec(),
        observations: out.observations,
        inconclusive: out.classification.inconclusive,
        findings: out.classification.document,
        scorecard: out.scorecard,
        queries: out.queries,
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
        Format::Json => Ok(serde_json::to_string_pretty(&out)? + "\n"),
        Format::Table => {
            let mut s = String::new();
            let facts = out
                .observations
                .iter()
                .filter(|x| x.fact().is_some())
                .count();
            let _ = writeln!(
                s,
                "scanned {} target(s): {} observations ({} facts), {} findings, {} inconclusive, {} DNS queries\n",
                out.targets.len(),
                out.observations.len(),
                facts,
                out.findings.findings.len(),
                out.inconclusive.len(),
                out.queries
            );
            for f in &out.findings.findings {
                let _ = writeln!(s, "  finding  {:<34} {}", echo(&f.issue), echo(&f.asset));
            }
            for i in &out.inconclusive {
                let reasons: Vec<&str> = i.reasons.iter().map(|r| r.as_str()).collect();
                let _ = writeln!(
                    s,
                    "  ?        {:<34} {} ({})",
                    echo(&i.issue),
                    echo(&i.asset),
                    reasons.join(", ")
                );
            }
            s.push('\n');
            s.push_str(&table::scorecard(&out.scorecard));
            Ok(s)
        }
    }
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
        Format::Json => Ok(serde_json::to_string_pretty(&list)? + "\n"),
        Format::Table => {
            let mut s = String::new();
            for c in &list {
                let head = format!("{:<9} {:<10} ", c.check.as_str(), c.target.as_str());
                s.push_str(&table::wrapped(&head, &c.description, 80));
                s.push_str(&table::wrapped(
                    &" ".repeat(head.len()),
                    &c.issues.join(", "),
                    80,
                ));
            }
            Ok(s)
        }
    }
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
        Format::Json => Ok(serde_json::to_string_pretty(&out)? + "\n"),
        Format::Table => Ok(format!(
            "SPF {} for {} from {}\n  {}\n  {} DNS lookups ({} void)\n",
            out.result,
            echo(&out.domain),
            out.ip,
            // The explanation comes from the domain's own TXT record.
            echo(&out.explanation),
            out.lookups,
            out.void_lookups
        )),
    }
}
