//! The scan: configuration, targets, and the orchestration that runs every
//! selected check on every target under one [`ScanPolicy`].
//!
//! Each check runs as its own task: a check that fails (a panic, a defect)
//! becomes an `internal` inconclusive observation of that check, never a
//! silent drop. The deadline ends everything, DNS, probes and the walk over
//! addresses, and a second of grace bounds what is still running then.

pub(crate) mod targets;

use crate::checks::{self, Env, lost};
use crate::dns::{Dns, DnsSetupError, QueryCounts, ResolverCounts, Tally};
use crate::policy::ScanPolicy;
use crate::spf::Lookup;
use posture_core::observe::{Check, Observation, Reason, TargetKind, TlsVia};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The ports probed by default: those of the built-in port table
/// (`posture_classify::PORT_TABLE` says what each means).
pub const DEFAULT_PORTS: &[u16] = &[
    21, 22, 23, 139, 389, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 6443, 9200, 11211, 27017,
];

/// The DKIM selectors probed by default.
pub const DEFAULT_DKIM_SELECTORS: &[&str] = &["google", "selector1", "default", "k1", "s1"];

/// How long tasks still running at the deadline may take to finish.
const GRACE: Duration = Duration::from_millis(800);

/// Errors in scan settings or targets (before anything is sent).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A target that is not a host name, IP address or CIDR block, or a name
    /// that can never be public.
    #[error("target `{}`: {reason}", posture_core::echo(.target))]
    BadTarget {
        /// The target.
        target: String,
        /// Why.
        reason: String,
    },
    /// Address targets larger together than the policy allows.
    #[error(
        "targets `{}` cover {addresses} distinct addresses, more than --max-addresses {max}",
        posture_core::echo(.target)
    )]
    TooManyAddresses {
        /// The address targets.
        target: String,
        /// Their distinct addresses.
        addresses: u128,
        /// The cap.
        max: u64,
    },
    /// A setting that cannot be used (a DKIM selector or DNSBL zone that is
    /// not a DNS name, no checks selected, a zero concurrency).
    #[error("{option}: `{}` {reason}", posture_core::echo(.value))]
    BadOption {
        /// The option (`--dkim-selectors`, `--dnsbl`, ...).
        option: &'static str,
        /// The value.
        value: String,
        /// What is wrong.
        reason: String,
    },
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
            ScanError::BadOption { .. } => "bad_option",
            ScanError::Dns(_) => "dns_setup",
        }
    }
}

/// What a scan checks, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanConfig {
    /// Limits.
    pub policy: ScanPolicy,
    /// The checks to run (default: all of [`crate::CHECKS`]).
    pub checks: Vec<Check>,
    /// TCP ports probed on addresses.
    pub ports: Vec<u16>,
    /// DKIM selectors probed on domains.
    pub dkim_selectors: Vec<String>,
    /// DNSBL zones consulted for addresses.
    pub dnsbl_zones: Vec<String>,
    /// The HTTP port of every host (80).
    pub http_port: u16,
    /// The HTTPS port of every host and address (443).
    pub https_port: u16,
    /// The SMTP port of every mail exchanger (25).
    pub smtp_port: u16,
    /// Extra trust anchors (DER certificates), beside the platform's roots
    /// when `platform_roots` (`--ca-file`).
    pub extra_roots: Vec<Vec<u8>>,
    /// Whether the platform's roots are trusted (true).
    pub platform_roots: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            policy: ScanPolicy::default(),
            checks: Check::ALL.to_vec(),
            ports: DEFAULT_PORTS.to_vec(),
            dkim_selectors: DEFAULT_DKIM_SELECTORS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            dnsbl_zones: Vec::new(),
            http_port: 80,
            https_port: 443,
            smtp_port: 25,
            extra_roots: Vec::new(),
            platform_roots: true,
        }
    }
}

impl ScanConfig {
    /// Whether a check is selected.
    pub fn wants(&self, c: Check) -> bool {
        self.checks.contains(&c)
    }

    /// Checks every setting before anything is sent.
    ///
    /// ```
    /// let mut c = posture_signals::ScanConfig::default();
    /// assert!(c.validate().is_ok());
    /// c.dkim_selectors = vec!["a..b".into()];
    /// assert_eq!(c.validate().unwrap_err().code(), "bad_option");
    /// ```
    ///
    /// # Errors
    /// A DKIM selector or DNSBL zone that is not a DNS name, no check
    /// selected, a zero concurrency or timeout.
    pub fn validate(&self) -> Result<(), ScanError> {
        let name = |option: &'static str, v: &str| -> Result<(), ScanError> {
            v.parse::<posture_core::HostName>()
                .map(|_| ())
                .map_err(|e| ScanError::BadOption {
                    option,
                    value: v.to_owned(),
                    reason: format!("is not a DNS name: {e}"),
                })
        };
        for s in &self.dkim_selectors {
            name("--dkim-selectors", s)?;
        }
        for z in &self.dnsbl_zones {
            name("--dnsbl", z)?;
            if !z.contains('.') {
                return Err(ScanError::BadOption {
                    option: "--dnsbl",
                    value: z.clone(),
                    reason: "is not a zone (it has a single label)".into(),
                });
            }
        }
        if self.checks.is_empty() {
            return Err(ScanError::BadOption {
                option: "--checks",
                value: String::new(),
                reason: "selects no check".into(),
            });
        }
        for (option, port) in [
            ("--http-port", self.http_port),
            ("--https-port", self.https_port),
            ("--smtp-port", self.smtp_port),
        ] {
            if port == 0 {
                return Err(ScanError::BadOption {
                    option,
                    value: "0".into(),
                    reason: "is not a port (1 to 65535)".into(),
                });
            }
        }
        for (i, der) in self.extra_roots.iter().enumerate() {
            let d = rustls_pki_types::CertificateDer::from(der.as_slice());
            if webpki::anchor_from_trusted_cert(&d).is_err() {
                return Err(ScanError::BadOption {
                    option: "--ca-file",
                    value: format!("certificate {}", i + 1),
                    reason: "is not an X.509 certificate that can be a trust anchor".into(),
                });
            }
        }
        if !(1..=256).contains(&self.policy.threads) {
            return Err(ScanError::BadOption {
                option: "--threads",
                value: self.policy.threads.to_string(),
                reason: "must be 1 to 256".into(),
            });
        }
        if self.policy.concurrency == 0 {
            return Err(ScanError::BadOption {
                option: "--concurrency",
                value: "0".into(),
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// The result of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanReport {
    /// Every observation, by asset then check.
    pub observations: Vec<Observation>,
    /// Every target and every name the scan reached and reports on.
    pub assets: Vec<String>,
    /// DNS queries sent.
    pub queries: u64,
    /// DNS messages sent, answered and timed out, per name server (in the
    /// order configured). A server that answered none of the messages sent
    /// to it is worth a warning: it may be down or filtered.
    pub resolvers: Vec<ResolverCounts>,
}

/// Progress of a scan, for a display: items (host names and addresses) done
/// out of total, and the DNS messages sent, answered and timed out so far.
///
/// Scans that share one `Progress` add up: each adds its items to `total`
/// and its DNS clients to the counts (a host answering many rescans shows
/// them as one).
///
/// ```
/// use posture_signals::Progress;
/// let p = Progress::default();
/// assert_eq!(p.queries().sent, 0);
/// assert!(p.resolvers().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct Progress {
    /// Items finished.
    pub done: AtomicUsize,
    /// Items in the scan (known once targets are checked).
    pub total: AtomicUsize,
    /// The message counts of every DNS client of the scans reporting here.
    dns: Mutex<Vec<Arc<Tally>>>,
}

impl Progress {
    /// DNS messages sent, answered and timed out so far, over every server.
    pub fn queries(&self) -> QueryCounts {
        self.resolvers()
            .iter()
            .fold(QueryCounts::default(), |a, r| a.plus(r.queries))
    }

    /// DNS messages sent, answered and timed out so far, per name server
    /// (in the order first used).
    pub fn resolvers(&self) -> Vec<ResolverCounts> {
        let tallies = self.tallies();
        crate::dns::merge(tallies.iter().map(|t| &**t))
    }

    fn tallies(&self) -> Vec<Arc<Tally>> {
        // Pushing an `Arc` cannot leave the list inconsistent: a poisoned
        // lock is usable.
        self.dns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Counts `dns`'s messages from now on.
    fn watch(&self, dns: &Dns) {
        self.dns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(dns.tally());
    }
}

/// Scans targets (host names, IPs, CIDR blocks) with the selected checks.
///
/// # Errors
/// Bad settings or targets, addresses over the budget, or a resolver that
/// cannot be set up; nothing is sent in those cases. Once the scan runs it
/// always returns a report: what could not be observed is inconclusive.
pub async fn scan(targets: &[String], config: &ScanConfig) -> Result<ScanReport, ScanError> {
    scan_with_progress(targets, config, Arc::new(Progress::default())).await
}

/// Awaits a check's task until `stop`: its observation, or an inconclusive
/// one saying why there is none (`internal` for a failed task, `deadline`
/// for one still running).
async fn settle(
    handle: JoinHandle<Observation>,
    stop: Instant,
    asset: &str,
    check: Check,
) -> Observation {
    settle_with(handle, stop, asset, check, |o| o).await
}

/// [`settle`] for a check that yields several observations (one per mail
/// exchanger).
async fn settle_many(
    handle: JoinHandle<Vec<Observation>>,
    stop: Instant,
    asset: &str,
    check: Check,
) -> Vec<Observation> {
    settle_with(handle, stop, asset, check, |o| vec![o]).await
}

async fn settle_with<T>(
    handle: JoinHandle<T>,
    stop: Instant,
    asset: &str,
    check: Check,
    wrap: impl Fn(Observation) -> T,
) -> T {
    let abort = handle.abort_handle();
    match tokio::time::timeout_at(stop, handle).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => wrap(lost(
            asset,
            check,
            Reason::Internal,
            format!("the {check} check failed: {}", panic_text(e)),
        )),
        Err(_) => {
            abort.abort();
            wrap(lost(
                asset,
                check,
                Reason::Deadline,
                format!("the {check} check did not finish by the deadline"),
            ))
        }
    }
}

fn panic_text(e: tokio::task::JoinError) -> String {
    if !e.is_panic() {
        return e.to_string();
    }
    let p = e.into_panic();
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// The domain checks selected, in registry order.
fn domain_checks(config: &ScanConfig) -> Vec<Check> {
    crate::CHECKS
        .iter()
        .filter(|s| {
            matches!(
                s.target,
                TargetKind::Domain | TargetKind::HostName | TargetKind::MxHost
            )
        })
        .map(|s| s.check)
        .filter(|c| config.wants(*c))
        .collect()
}

/// What a host's checks saw, and the names they reached.
type HostSeen = (Vec<Observation>, Vec<String>);

/// Every selected check of a host name, each in its own task.
async fn host(env: Env, config: Arc<ScanConfig>, name: String, stop: Instant) -> HostSeen {
    let txt = env.dns.txt(&name).await;
    // A name that does not exist has no posture to judge, and one whose
    // alias chain loops says nothing about any record: say so for every
    // check rather than report records as missing.
    let unratable = match &txt {
        Lookup::NxDomain => Some((Reason::Nxdomain, "the name does not exist (NXDOMAIN)")),
        Lookup::Failed(Reason::CnameLoop) => Some((
            Reason::CnameLoop,
            "the name's CNAME chain loops or is longer than 8",
        )),
        _ => None,
    };
    if let Some((reason, why)) = unratable {
        let mut out: Vec<Observation> = domain_checks(&config)
            .into_iter()
            .filter(|c| *c != Check::Cname)
            .map(|c| lost(&name, c, reason, why))
            .collect();
        if config.wants(Check::Cname) {
            // An alias whose target is gone answers NXDOMAIN too: that is
            // the dangling CNAME, the one thing such a name can show.
            let alias = if reason == Reason::Nxdomain {
                let task = tokio::spawn({
                    let (e, n) = (env.clone(), name.clone());
                    async move { checks::cname::check(&e, &n).await }
                });
                Some(settle(task, stop, &name, Check::Cname).await)
                    .filter(|o| matches!(o.fact(), Some(posture_core::observe::Fact::Cname(c)) if !c.targets.is_empty()))
            } else {
                None
            };
            out.push(alias.unwrap_or_else(|| lost(&name, Check::Cname, reason, why)));
        }
        return (out, Vec::new());
    }
    let mut tasks: Vec<(String, Check, JoinHandle<Observation>)> = Vec::new();
    let mut spawn = |asset: &str, check: Check, task: JoinHandle<Observation>| {
        tasks.push((asset.to_owned(), check, task));
    };
    macro_rules! run {
        ($check:expr, |$env:ident, $name:ident| $body:expr) => {
            if config.wants($check) {
                let ($env, $name) = (env.clone(), name.clone());
                spawn(&name, $check, tokio::spawn(async move { $body }));
            }
        };
    }
    run!(Check::Spf, |e, n| checks::spf::check(&e, &n, &txt).await);
    run!(Check::Dmarc, |e, n| checks::dmarc::check(&e, &n).await);
    run!(Check::Mx, |e, n| checks::mx::check(&e, &n).await);
    run!(Check::Caa, |e, n| checks::caa::check(&e, &n).await);
    run!(Check::Dnssec, |e, n| checks::dnssec::check(&e, &n).await);
    run!(Check::MtaSts, |e, n| checks::mail_policy::mta_sts(&e, &n)
        .await);
    run!(Check::TlsRpt, |e, n| checks::mail_policy::tls_rpt(&e, &n)
        .await);
    run!(Check::Ns, |e, n| checks::ns::check(&e, &n).await);
    if config.wants(Check::Dkim) {
        let (e, n, selectors) = (env.clone(), name.clone(), config.dkim_selectors.clone());
        spawn(
            &name,
            Check::Dkim,
            tokio::spawn(async move { checks::dkim::check(&e, &n, &selectors).await }),
        );
    }
    // The NS question is asked anyway when the ns check runs: a name with
    // NS records of its own is a zone apex, never an alias.
    let apex_known = config.wants(Check::Ns);
    run!(Check::Cname, |e, n| checks::cname::check_apex(
        &e, &n, apex_known
    )
    .await);
    // The www. name, when it exists, is reached and reported on: its alias
    // and its site.
    let web = [Check::Tls, Check::Http, Check::WebFiles]
        .iter()
        .any(|c| config.wants(*c));
    let mut reached = Vec::new();
    let mut names = vec![name.clone()];
    if config.wants(Check::Cname) || web {
        let www = format!("www.{name}");
        // One question says both: addresses, or an alias (a dangling one
        // answers NXDOMAIN with its CNAME). The cname check reuses it.
        let www_a = env
            .dns
            .resolve(&www, hickory_proto::rr::RecordType::A)
            .await;
        let exists = matches!(www_a.lookup, Lookup::Records(_)) || !www_a.aliases.is_empty();
        if exists {
            if config.wants(Check::Cname) {
                let (e, w) = (env.clone(), www.clone());
                spawn(
                    &www,
                    Check::Cname,
                    tokio::spawn(async move { checks::cname::check(&e, &w).await }),
                );
            }
            reached.push(www.clone());
            names.push(www);
        }
    }
    for n in &names {
        for (check, wanted) in [
            (Check::Tls, config.wants(Check::Tls)),
            (Check::Http, config.wants(Check::Http)),
            (Check::WebFiles, config.wants(Check::WebFiles)),
        ] {
            if !wanted {
                continue;
            }
            let (e, h) = (env.clone(), n.clone());
            let task = tokio::spawn(async move {
                match check {
                    Check::Tls => checks::tls::host(&e, &h).await,
                    Check::Http => checks::http::check(&e, &h).await,
                    _ => checks::web_files::check(&e, &h).await,
                }
            });
            spawn(n, check, task);
        }
    }
    let mail = if config.wants(Check::Smtp) {
        let (e, n) = (env.clone(), name.clone());
        Some(tokio::spawn(
            async move { checks::smtp::check(&e, &n).await },
        ))
    } else {
        None
    };
    let mut out = Vec::with_capacity(tasks.len());
    for (asset, check, task) in tasks {
        out.push(settle(task, stop, &asset, check).await);
    }
    if let Some(task) = mail {
        out.extend(settle_many(task, stop, &name, Check::Smtp).await);
    }
    (out, reached)
}

/// Every selected check of an address.
async fn address(env: Env, config: Arc<ScanConfig>, ip: IpAddr, stop: Instant) -> Vec<Observation> {
    let asset = ip.to_string();
    let mut tasks: Vec<(Check, JoinHandle<Observation>)> = Vec::new();
    if config.wants(Check::Ports) && !config.ports.is_empty() {
        let (e, c) = (env.clone(), config.clone());
        tasks.push((
            Check::Ports,
            tokio::spawn(
                async move { checks::ports::check(&e, ip, &c.ports, c.policy.timeout).await },
            ),
        ));
    }
    if config.wants(Check::Tls) {
        let (e, a, port) = (env.clone(), asset.clone(), config.https_port);
        tasks.push((
            Check::Tls,
            tokio::spawn(async move {
                checks::tls::check(&e, &a, None, ip, port, TlsVia::Direct).await
            }),
        ));
    }
    if config.wants(Check::Dnsbl) {
        for zone in &config.dnsbl_zones {
            let (e, z) = (env.clone(), zone.clone());
            tasks.push((
                Check::Dnsbl,
                tokio::spawn(async move { checks::dnsbl::check(&e, ip, &z).await }),
            ));
        }
    }
    let mut out = Vec::with_capacity(tasks.len());
    for (check, task) in tasks {
        out.push(settle(task, stop, &asset, check).await);
    }
    out
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
    config.validate()?;
    let plan = targets::plan(targets, config.policy.max_addresses)?;
    let deadline = Instant::now() + config.policy.deadline;
    let stop = deadline + GRACE;
    let cfg = Arc::new(config.clone());
    let address_checks = (cfg.wants(Check::Ports) && !cfg.ports.is_empty())
        || (cfg.wants(Check::Dnsbl) && !cfg.dnsbl_zones.is_empty())
        || cfg.wants(Check::Tls);
    let addresses = if address_checks { plan.addresses() } else { 0 };
    // Host names run on this runtime, or split among threads; the
    // concurrency is shared out among the parts (the address walk is one).
    // Every part gets at least one permit and together no more than the
    // concurrency: fewer threads than that many parts.
    let walker = usize::from(addresses > 0);
    let threads = cfg
        .policy
        .threads
        .min(plan.hosts.len())
        .min(cfg.policy.concurrency.saturating_sub(walker))
        .max(1);
    let parts = if threads > 1 { threads + walker } else { 1 };
    let share = (cfg.policy.concurrency / parts).max(1);
    let pace = crate::dns::Pace::for_policy(&cfg.policy);
    let dns = Dns::with_share(&cfg.policy, deadline, share, pace.clone()).await?;
    progress.watch(&dns);
    let tls = config.wants(Check::Tls);
    // The roots are read only when a certificate will be verified (reading
    // the platform's store is file I/O: off the runtime's threads).
    let trust = if tls {
        let (platform, extra) = (config.platform_roots, config.extra_roots.clone());
        tokio::task::spawn_blocking(move || crate::net::tls::Trust::load(platform, &extra))
            .await
            .unwrap_or_else(|_| crate::net::tls::Trust::empty())
    } else {
        crate::net::tls::Trust::empty()
    };
    let web = Arc::new(checks::Web {
        timeout: config.policy.timeout,
        ports: crate::net::http::Ports {
            http: config.http_port,
            https: config.https_port,
        },
        smtp_port: config.smtp_port,
        trust,
        smtp_tls: tls,
        policy: config.policy.clone(),
    });
    let env = Env {
        dns: dns.clone(),
        web: web.clone(),
    };
    let env_for_hosts = env.clone();
    progress.total.fetch_add(
        plan.hosts
            .len()
            .saturating_add(usize::try_from(addresses).unwrap_or(usize::MAX)),
        Ordering::Relaxed,
    );
    let shard = Shard {
        cfg: cfg.clone(),
        web,
        pace,
        deadline,
        stop,
        share,
        progress: progress.clone(),
    };
    let hosts = if threads > 1 {
        HostRuns::threads(shard, &plan.hosts, threads)
    } else {
        let names = plan.hosts.clone();
        HostRuns::Here(tokio::spawn(async move {
            run_hosts(&shard, &env_for_hosts, names).await
        }))
    };
    let mut observations = Vec::new();
    let mut assets = plan.assets.clone();
    if address_checks {
        // Walk the addresses lazily, a bounded number in flight, until the
        // deadline: memory follows what was probed, not the address space.
        let limit = share;
        let mut inflight = tokio::task::JoinSet::new();
        let mut walk = plan.walk();
        while !dns.past_deadline() {
            if inflight.len() >= limit {
                match tokio::time::timeout_at(stop, inflight.join_next()).await {
                    Ok(Some(r)) => {
                        observations.extend(r.unwrap_or_default());
                        progress.done.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(None) | Err(_) => break,
                }
                continue;
            }
            let Some(ip) = walk.next() else { break };
            inflight.spawn(address(env.clone(), cfg.clone(), ip, stop));
        }
        // Addresses never reached: one observation per target and check.
        for (target, n) in targets::unreached(&plan, &walk.rest()) {
            for check in [Check::Ports, Check::Tls, Check::Dnsbl] {
                let used = match check {
                    Check::Ports => cfg.wants(check) && !cfg.ports.is_empty(),
                    Check::Tls => cfg.wants(check),
                    _ => cfg.wants(check) && !cfg.dnsbl_zones.is_empty(),
                };
                if used {
                    observations.push(lost(
                        &target,
                        check,
                        Reason::Deadline,
                        format!("{n} address(es) not reached before the deadline"),
                    ));
                }
            }
        }
        while let Ok(Some(r)) = tokio::time::timeout_at(stop, inflight.join_next()).await {
            // An address task never panics itself (its checks are settled),
            // so a join error can only be a cancellation.
            observations.extend(r.unwrap_or_default());
            progress.done.fetch_add(1, Ordering::Relaxed);
        }
        inflight.abort_all();
    }
    let (seen, mut tallies) = hosts.finish(plan.hosts.len(), stop).await;
    for (name, result) in plan.hosts.iter().zip(seen) {
        match result {
            Some((o, reached)) => {
                observations.extend(o);
                for r in reached {
                    if !assets.contains(&r) {
                        assets.push(r);
                    }
                }
            }
            None => {
                for c in domain_checks(&cfg) {
                    observations.push(lost(
                        name,
                        c,
                        Reason::Internal,
                        "the host's checks did not complete",
                    ));
                }
            }
        }
    }
    observations.sort_by(|a, b| (&a.asset, a.check()).cmp(&(&b.asset, b.check())));
    tallies.push(dns.tally());
    let resolvers = crate::dns::merge(tallies.iter().map(|t| &**t));
    Ok(ScanReport {
        observations,
        assets,
        queries: resolvers.iter().map(|r| r.queries.sent).sum(),
        resolvers,
    })
}

/// What a thread of host names runs with.
struct Shard {
    cfg: Arc<ScanConfig>,
    web: Arc<checks::Web>,
    pace: Option<Arc<crate::dns::Pace>>,
    deadline: Instant,
    stop: Instant,
    share: usize,
    progress: Arc<Progress>,
}

/// What one thread saw: each of its hosts' observations (`None`: they did
/// not complete), and its DNS client's counts.
type ShardSeen = (Vec<Option<HostSeen>>, Option<Arc<Tally>>);

/// What the threads saw, in the order of the hosts, and their DNS clients'
/// counts.
type HostsSeen = (Vec<Option<HostSeen>>, Vec<Arc<Tally>>);

/// Host names' checks, started: on this runtime, or on threads of their
/// own, each with the indices of its hosts.
enum HostRuns {
    Here(JoinHandle<Vec<Option<HostSeen>>>),
    Threads(Vec<(Vec<usize>, tokio::sync::oneshot::Receiver<ShardSeen>)>),
}

impl HostRuns {
    /// Splits `hosts` round-robin among `threads` threads, each running a
    /// single-threaded runtime with its own DNS client. A thread that
    /// cannot start, or that fails, leaves its hosts' checks incomplete
    /// (`internal`), never silently missing.
    fn threads(shard: Shard, hosts: &[String], threads: usize) -> HostRuns {
        let shard = Arc::new(shard);
        let mut runs = Vec::with_capacity(threads);
        for t in 0..threads {
            let indices: Vec<usize> = (t..hosts.len()).step_by(threads).collect();
            let names: Vec<String> = indices
                .iter()
                .filter_map(|i| hosts.get(*i).cloned())
                .collect();
            let (tx, rx) = tokio::sync::oneshot::channel();
            let shard = shard.clone();
            // A thread that does not start drops `tx`: its hosts are
            // reported as incomplete, and the scan goes on.
            let _ = std::thread::Builder::new()
                .name(format!("posture-scan-{t}"))
                .spawn(move || {
                    let _ = tx.send(run_shard(&shard, names));
                });
            runs.push((indices, rx));
        }
        HostRuns::Threads(runs)
    }

    /// Each host's observations (`None`: its checks did not complete), in
    /// the order given, and the counts of the threads' DNS clients.
    async fn finish(self, n: usize, stop: Instant) -> HostsSeen {
        // The hosts' runner settles every host by `stop` + GRACE.
        let until = stop + GRACE * 2;
        let mut out: Vec<Option<HostSeen>> = Vec::with_capacity(n);
        out.resize_with(n, || None);
        match self {
            HostRuns::Here(task) => {
                let abort = task.abort_handle();
                match tokio::time::timeout_at(until, task).await {
                    Ok(Ok(seen)) => out = seen,
                    Ok(Err(_)) | Err(_) => abort.abort(),
                }
                (out, Vec::new())
            }
            HostRuns::Threads(runs) => {
                let mut tallies = Vec::new();
                for (indices, rx) in runs {
                    let Ok(Ok((seen, tally))) = tokio::time::timeout_at(until, rx).await else {
                        continue;
                    };
                    tallies.extend(tally);
                    for (i, s) in indices.into_iter().zip(seen) {
                        if let Some(slot) = out.get_mut(i) {
                            *slot = s;
                        }
                    }
                }
                (out, tallies)
            }
        }
    }
}

/// Runs the checks of `names`, a bounded number of hosts at a time (eight
/// times the permits, at least 64: a host asks its questions a few at a
/// time, in chains of up to five, so it takes that many to keep every
/// permit busy; memory follows the hosts in flight, not the targets),
/// until the deadline. A
/// host whose checks failed or did not finish by `stop` + GRACE is `None`;
/// a host not started by the deadline is inconclusive (`deadline`) for
/// every check.
async fn run_hosts(shard: &Shard, env: &Env, names: Vec<String>) -> Vec<Option<HostSeen>> {
    let window = shard.share.saturating_mul(8).max(64);
    let mut out: Vec<Option<HostSeen>> = Vec::with_capacity(names.len());
    out.resize_with(names.len(), || None);
    let mut running: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0usize;
    loop {
        while set.len() < window && !env.dns.past_deadline() {
            let Some(name) = names.get(next) else { break };
            let task = set.spawn(host(
                env.clone(),
                shard.cfg.clone(),
                name.clone(),
                shard.stop,
            ));
            running.insert(task.id(), next);
            next += 1;
        }
        let done = match tokio::time::timeout_at(shard.stop + GRACE, set.join_next_with_id()).await
        {
            Ok(Some(done)) => done,
            Ok(None) => break,
            Err(_) => {
                // Past the grace: what still runs is incomplete.
                set.abort_all();
                break;
            }
        };
        match done {
            Ok((id, seen)) => {
                if let Some(slot) = running.remove(&id).and_then(|i| out.get_mut(i)) {
                    *slot = Some(seen);
                }
            }
            Err(e) => {
                running.remove(&e.id());
            }
        }
        shard.progress.done.fetch_add(1, Ordering::Relaxed);
    }
    for (slot, name) in out.iter_mut().zip(&names).skip(next) {
        let lost_all = domain_checks(&shard.cfg)
            .into_iter()
            .map(|c| {
                lost(
                    name,
                    c,
                    Reason::Deadline,
                    "the name was not reached before the deadline",
                )
            })
            .collect();
        *slot = Some((lost_all, Vec::new()));
    }
    out
}

/// One thread's share of the host names, on a runtime of its own.
fn run_shard(shard: &Shard, names: Vec<String>) -> ShardSeen {
    let n = names.len();
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return (vec![None; n], None);
    };
    rt.block_on(async {
        let Ok(dns) = Dns::with_share(
            &shard.cfg.policy,
            shard.deadline,
            shard.share,
            shard.pace.clone(),
        )
        .await
        else {
            return (vec![None; n], None);
        };
        shard.progress.watch(&dns);
        let env = Env {
            dns: dns.clone(),
            web: shard.web.clone(),
        };
        let seen = run_hosts(shard, &env, names).await;
        (seen, Some(dns.tally()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check whose task panics is reported as `internal`, with the panic's
    /// message, and one that outlives the deadline as `deadline`: never a
    /// silent drop.
    #[tokio::test]
    async fn a_failing_check_is_an_internal_observation() {
        let stop = Instant::now() + Duration::from_secs(5);
        let boom = tokio::spawn(async {
            let text = String::from_utf8_lossy(b"v=spf\xff").into_owned();
            // The slice that once panicked on a record like this.
            #[allow(clippy::string_slice)]
            let _ = &text[..6];
            lost("a.example", Check::Spf, Reason::Error, "unreachable")
        });
        let o = settle(boom, stop, "a.example", Check::Spf).await;
        assert_eq!(
            (o.check(), o.reason()),
            (Check::Spf, Some(Reason::Internal))
        );
        assert!(o.detail.contains("char boundary"), "{}", o.detail);
        let slow = tokio::spawn(async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            lost("a.example", Check::Mx, Reason::Error, "unreachable")
        });
        let o = settle(
            slow,
            Instant::now() + Duration::from_millis(50),
            "a.example",
            Check::Mx,
        )
        .await;
        assert_eq!(o.reason(), Some(Reason::Deadline));
    }
}
