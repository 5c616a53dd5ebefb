//! `posture scan` and `posture spf check`: the collection and
//! classification layers wired together, as a host would.

use crate::Format;
use crate::error::CliError;
use crate::table;
use posture::{Catalog, PostureV1, ScoringModel};
use posture_classify::{Classification, classify};
use posture_core::echo;
use posture_signals::{ScanConfig, Signal, parse_ports};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Scan settings from the command line.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Targets.
    pub targets: Vec<String>,
    /// `--nameserver`.
    pub nameserver: Option<SocketAddr>,
    /// `--ports`.
    pub ports: Option<String>,
    /// `--dkim-selectors`.
    pub dkim_selectors: Option<String>,
    /// `--dnsbl`.
    pub dnsbl: Option<String>,
    /// `--concurrency`.
    pub concurrency: Option<usize>,
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
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Builds the scan configuration.
pub fn config(o: &ScanOptions) -> Result<ScanConfig, CliError> {
    let mut c = ScanConfig::default();
    c.policy.nameserver = o.nameserver;
    if let Some(p) = &o.ports {
        c.ports = parse_ports(p).map_err(|e| CliError::Usage(format!("--ports: {e}")))?;
    }
    if let Some(s) = &o.dkim_selectors {
        c.dkim_selectors = list(s);
    }
    if let Some(z) = &o.dnsbl {
        c.dnsbl_zones = list(z);
    }
    if let Some(n) = o.concurrency {
        if n == 0 {
            return Err(CliError::Usage("--concurrency must be at least 1".into()));
        }
        c.policy.concurrency = n;
    }
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
    Ok(c)
}

/// The JSON result of `posture scan`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ScanOutput {
    /// Organisation name.
    pub organization: String,
    /// The targets as given.
    pub targets: Vec<String>,
    /// Every observation.
    pub signals: Vec<Signal>,
    /// Checks that could not be judged, with the reasons.
    pub inconclusive: Vec<InconclusiveOut>,
    /// The findings document (what `--findings-out` writes).
    pub findings: posture::FindingsDocument,
    /// Its scorecard.
    pub scorecard: posture::Scorecard,
    /// DNS queries sent.
    pub queries: u64,
}

/// One inconclusive check.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InconclusiveOut {
    /// Asset.
    pub asset: String,
    /// Check.
    pub check: String,
    /// Reasons.
    pub reasons: Vec<String>,
}

/// The async runtime the network commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("starting the async runtime: {e}")))
}

/// Runs a scan on `rt`, classifies what it saw and scores it (the CLI's
/// `scan` and the demo share it).
pub fn run_scan(
    rt: &tokio::runtime::Runtime,
    targets: &[String],
    organization: &str,
    config: &ScanConfig,
    catalog: &Arc<Catalog>,
) -> Result<ScanOutput, CliError> {
    if targets.is_empty() {
        return Err(CliError::Usage("name at least one target".into()));
    }
    let progress = Arc::new(posture_signals::Progress::default());
    let show = std::io::stderr().is_terminal();
    let report = rt.block_on(async {
        let ticker = show.then(|| {
            let progress = progress.clone();
            tokio::spawn(async move {
                // Quiet for quick scans: the bar appears after a second.
                tokio::time::sleep(Duration::from_secs(1)).await;
                loop {
                    let n = progress.done.load(Ordering::Relaxed);
                    let total = progress.total.load(Ordering::Relaxed).max(1);
                    let filled = (n * 30 / total).min(30);
                    eprint!(
                        "\r[{}{}] {n}/{total} scanned",
                        "#".repeat(filled),
                        " ".repeat(30 - filled)
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        });
        let r = posture_signals::scan_with_progress(targets, config, progress.clone()).await;
        if let Some(t) = ticker {
            t.abort();
            eprint!("\r{}\r", " ".repeat(60));
        }
        r
    });
    let report = report.map_err(|e| CliError::Usage(e.to_string()))?;
    let as_of = posture::Timestamp(chrono::Utc::now());
    let Classification {
        document,
        inconclusive,
    } = classify(
        organization,
        as_of,
        &report.assets,
        &report.signals,
        catalog,
    )
    .map_err(|e| CliError::Internal(e.to_string()))?;
    let assessment = document.validate(catalog.clone()).map_err(|e| {
        CliError::Internal(format!(
            "the scan produced an invalid findings document: {e}"
        ))
    })?;
    let scorecard = PostureV1::default().score(&assessment);
    Ok(ScanOutput {
        organization: organization.to_owned(),
        targets: targets.to_vec(),
        signals: report.signals,
        inconclusive: inconclusive
            .into_iter()
            .map(|i| InconclusiveOut {
                asset: i.asset,
                check: i.check,
                reasons: i.reasons,
            })
            .collect(),
        findings: document,
        scorecard,
        queries: report.queries,
    })
}

/// `posture scan`.
pub fn scan(
    o: &ScanOptions,
    findings_out: Option<&Path>,
    format: Format,
) -> Result<String, CliError> {
    let catalog = Catalog::builtin();
    let config = config(o)?;
    let organization = match &o.organization {
        Some(name) => name.clone(),
        None => o.targets.first().cloned().unwrap_or_default(),
    };
    let out = run_scan(&runtime()?, &o.targets, &organization, &config, &catalog)?;
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
            let detected = out
                .signals
                .iter()
                .filter(|x| x.outcome == posture::core::Outcome::Detected)
                .count();
            let _ = writeln!(
                s,
                "scanned {} target(s): {} signals, {} detected, {} inconclusive, {} DNS queries\n",
                out.targets.len(),
                out.signals.len(),
                detected,
                out.inconclusive.len(),
                out.queries
            );
            for f in &out.findings.findings {
                let _ = writeln!(s, "  finding  {:<34} {}", echo(&f.issue), echo(&f.asset));
            }
            for i in &out.inconclusive {
                let _ = writeln!(
                    s,
                    "  ?        {:<34} {} ({})",
                    echo(&i.check),
                    echo(&i.asset),
                    echo(&i.reasons.join(", "))
                );
            }
            s.push('\n');
            s.push_str(&table::scorecard(&out.scorecard));
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
        let dns = posture_signals::Dns::new(&policy).map_err(|e| CliError::Usage(e.to_string()))?;
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
