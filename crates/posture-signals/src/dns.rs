//! DNS queries on hickory-resolver under a [`ScanPolicy`]: concurrency,
//! rate and deadline enforced, and every answer classified as records,
//! NXDOMAIN, NODATA or a failure (never confused with one another).

use crate::policy::ScanPolicy;
use crate::spf::Lookup;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{RData, RecordType};
use hickory_resolver::Resolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

/// Why a query could not be answered: the check is inconclusive, never a
/// finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DnsFailure {
    /// No answer within the per-query timeout.
    Timeout,
    /// The server answered SERVFAIL.
    ServFail,
    /// The server refused.
    Refused,
    /// The answer was truncated and could not be had over TCP.
    Truncated,
    /// The scan's deadline passed.
    Deadline,
    /// More data than the policy allows.
    Limit,
    /// Any other failure (network error, malformed answer).
    Other,
}

impl DnsFailure {
    /// Stable spelling (`timeout`, `servfail`, `refused`, `truncated`,
    /// `deadline`, `limit`, `error`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DnsFailure::Timeout => "timeout",
            DnsFailure::ServFail => "servfail",
            DnsFailure::Refused => "refused",
            DnsFailure::Truncated => "truncated",
            DnsFailure::Deadline => "deadline",
            DnsFailure::Limit => "limit",
            DnsFailure::Other => "error",
        }
    }

    /// Parses [`DnsFailure::as_str`] back (anything else is `Other`).
    pub fn parse(s: &str) -> DnsFailure {
        match s {
            "timeout" => DnsFailure::Timeout,
            "servfail" => DnsFailure::ServFail,
            "refused" => DnsFailure::Refused,
            "truncated" => DnsFailure::Truncated,
            "deadline" => DnsFailure::Deadline,
            "limit" => DnsFailure::Limit,
            _ => DnsFailure::Other,
        }
    }
}

impl fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors building the DNS client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DnsSetupError {
    /// The system resolver configuration could not be read or the resolver
    /// could not be built.
    #[error("building the DNS resolver: {0}")]
    Resolver(String),
}

/// A rate limiter: one slot every `1/rate` seconds.
#[derive(Debug)]
struct Pace {
    interval: std::time::Duration,
    next: Mutex<Instant>,
}

impl Pace {
    async fn wait(&self) {
        let at = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// The DNS client of a scan.
#[derive(Debug, Clone)]
pub struct Dns {
    resolver: Arc<Resolver<TokioRuntimeProvider>>,
    permits: Arc<Semaphore>,
    pace: Option<Arc<Pace>>,
    deadline: Instant,
    max_txt_bytes: usize,
    queries: Arc<AtomicU64>,
}

impl Dns {
    /// A client for a policy; the deadline starts now.
    ///
    /// # Errors
    /// When the system resolver configuration cannot be read (only without
    /// an explicit nameserver).
    pub fn new(policy: &ScanPolicy) -> Result<Self, DnsSetupError> {
        let mut opts = ResolverOpts::default();
        opts.timeout = policy.timeout;
        // One retry: a single lost datagram must not make a check
        // inconclusive (the deadline still bounds the total).
        opts.attempts = 2;
        opts.cache_size = 0;
        let builder = match policy.nameserver {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                Resolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => {
                Resolver::builder_tokio().map_err(|e| DnsSetupError::Resolver(e.to_string()))?
            }
        };
        let resolver = builder
            .with_options(opts)
            .build()
            .map_err(|e| DnsSetupError::Resolver(e.to_string()))?;
        let pace = policy.rate.filter(|r| *r > 0).map(|r| {
            Arc::new(Pace {
                interval: std::time::Duration::from_secs_f64(1.0 / f64::from(r)),
                next: Mutex::new(Instant::now()),
            })
        });
        Ok(Dns {
            resolver: Arc::new(resolver),
            permits: Arc::new(Semaphore::new(policy.concurrency.max(1))),
            pace,
            deadline: Instant::now() + policy.deadline,
            max_txt_bytes: policy.max_txt_bytes,
            queries: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Queries sent so far.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Whether the scan's deadline has passed.
    pub fn past_deadline(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Waits for a concurrency permit and a rate slot, as every query does;
    /// network probes share the same budget. `None` when the deadline
    /// passed first.
    pub async fn slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if self.past_deadline() {
            return None;
        }
        let permit = tokio::time::timeout_at(self.deadline, self.permits.clone().acquire_owned())
            .await
            .ok()?
            .ok()?;
        if let Some(p) = &self.pace {
            tokio::time::timeout_at(self.deadline, p.wait())
                .await
                .ok()?;
        }
        Some(permit)
    }

    /// The scan's deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// One query, classified.
    pub async fn query(&self, name: &str, rtype: RecordType) -> Lookup<Vec<RData>> {
        let Some(_permit) = self.slot().await else {
            return Lookup::Failed(DnsFailure::Deadline.as_str().to_owned());
        };
        self.queries.fetch_add(1, Ordering::Relaxed);
        // A name DNS cannot represent (an empty label, a label over 63
        // octets, more than 255 octets) cannot exist: NXDOMAIN, not an
        // error. Labels may hold any other octets (RFC 2181 section 11).
        let Some(fqdn) = dns_name(name) else {
            return Lookup::NxDomain;
        };
        let res = tokio::time::timeout_at(self.deadline, self.resolver.lookup(fqdn, rtype)).await;
        match res {
            Err(_) => Lookup::Failed(DnsFailure::Deadline.as_str().to_owned()),
            Ok(Ok(l)) => {
                let data: Vec<RData> = l
                    .answers()
                    .iter()
                    .filter(|r| r.record_type() == rtype)
                    .map(|r| r.data.clone())
                    .collect();
                if data.is_empty() {
                    Lookup::NoData
                } else {
                    Lookup::Records(data)
                }
            }
            Ok(Err(e)) => {
                if e.is_nx_domain() {
                    Lookup::NxDomain
                } else if e.is_no_records_found() {
                    Lookup::NoData
                } else {
                    Lookup::Failed(classify(&e).as_str().to_owned())
                }
            }
        }
    }

    /// TXT records, each record's strings concatenated; more than the
    /// policy's byte cap is a `limit` failure.
    pub async fn txt(&self, name: &str) -> Lookup<Vec<String>> {
        match self.query(name, RecordType::TXT).await {
            Lookup::Records(rs) => {
                let mut out = Vec::new();
                let mut total = 0usize;
                for r in rs {
                    if let RData::TXT(t) = r {
                        let mut s = Vec::new();
                        for part in t.txt_data.iter() {
                            s.extend_from_slice(part);
                        }
                        total += s.len();
                        if total > self.max_txt_bytes {
                            return Lookup::Failed(DnsFailure::Limit.as_str().to_owned());
                        }
                        out.push(String::from_utf8_lossy(&s).into_owned());
                    }
                }
                Lookup::Records(out)
            }
            other => other.map_empty(),
        }
    }

    /// IPv4 addresses.
    pub async fn a(&self, name: &str) -> Lookup<Vec<Ipv4Addr>> {
        self.query(name, RecordType::A)
            .await
            .map_records(|r| match r {
                RData::A(a) => Some(a.0),
                _ => None,
            })
    }

    /// IPv6 addresses.
    pub async fn aaaa(&self, name: &str) -> Lookup<Vec<Ipv6Addr>> {
        self.query(name, RecordType::AAAA)
            .await
            .map_records(|r| match r {
                RData::AAAA(a) => Some(a.0),
                _ => None,
            })
    }

    /// Mail exchangers (preference, host without trailing dot).
    pub async fn mx(&self, name: &str) -> Lookup<Vec<(u16, String)>> {
        self.query(name, RecordType::MX)
            .await
            .map_records(|r| match r {
                RData::MX(m) => Some((m.preference, name_text(&m.exchange))),
                _ => None,
            })
    }

    /// Name servers (without trailing dot).
    pub async fn ns(&self, name: &str) -> Lookup<Vec<String>> {
        self.query(name, RecordType::NS)
            .await
            .map_records(|r| match r {
                RData::NS(n) => Some(name_text(&n.0)),
                _ => None,
            })
    }

    /// The CNAME target of a name (without trailing dot).
    pub async fn cname(&self, name: &str) -> Lookup<Vec<String>> {
        self.query(name, RecordType::CNAME)
            .await
            .map_records(|r| match r {
                RData::CNAME(n) => Some(name_text(&n.0)),
                _ => None,
            })
    }

    /// Reverse names of an address (without trailing dot).
    pub async fn ptr(&self, ip: IpAddr) -> Lookup<Vec<String>> {
        let name = reverse_name(ip);
        self.query(&name, RecordType::PTR)
            .await
            .map_records(|r| match r {
                RData::PTR(n) => Some(name_text(&n.0)),
                _ => None,
            })
    }
}

/// A fully qualified DNS name from text, any octets allowed in labels;
/// `None` when DNS cannot represent it.
pub fn dns_name(name: &str) -> Option<hickory_proto::rr::Name> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() || trimmed.split('.').any(str::is_empty) {
        return None;
    }
    hickory_proto::rr::Name::from_labels(trimmed.split('.').map(str::as_bytes)).ok()
}

/// A name from an answer as text: its labels' octets joined by dots, no
/// trailing dot (the inverse of [`dns_name`], so the name can be asked
/// about again exactly).
pub fn name_text(n: &hickory_proto::rr::Name) -> String {
    n.iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join(".")
}

/// `in-addr.arpa` / `ip6.arpa` name of an address.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(72);
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

fn classify(e: &NetError) -> DnsFailure {
    match e {
        NetError::Timeout => DnsFailure::Timeout,
        NetError::Truncated => DnsFailure::Truncated,
        NetError::Dns(DnsError::ResponseCode(rc)) if *rc == ResponseCode::ServFail => {
            DnsFailure::ServFail
        }
        NetError::Dns(DnsError::ResponseCode(rc)) if *rc == ResponseCode::Refused => {
            DnsFailure::Refused
        }
        _ => DnsFailure::Other,
    }
}

impl<T> Lookup<Vec<T>> {
    fn map_records<U>(self, f: impl Fn(T) -> Option<U>) -> Lookup<Vec<U>> {
        match self {
            Lookup::Records(v) => {
                let out: Vec<U> = v.into_iter().filter_map(f).collect();
                if out.is_empty() {
                    Lookup::NoData
                } else {
                    Lookup::Records(out)
                }
            }
            Lookup::NxDomain => Lookup::NxDomain,
            Lookup::NoData => Lookup::NoData,
            Lookup::Failed(r) => Lookup::Failed(r),
        }
    }

    fn map_empty<U>(self) -> Lookup<Vec<U>> {
        self.map_records(|_| None)
    }
}

impl crate::spf::SpfDns for Dns {
    fn txt(&self, name: &str) -> impl std::future::Future<Output = Lookup<Vec<String>>> + Send {
        Dns::txt(self, name)
    }
    fn a(&self, name: &str) -> impl std::future::Future<Output = Lookup<Vec<Ipv4Addr>>> + Send {
        Dns::a(self, name)
    }
    fn aaaa(&self, name: &str) -> impl std::future::Future<Output = Lookup<Vec<Ipv6Addr>>> + Send {
        Dns::aaaa(self, name)
    }
    fn mx(
        &self,
        name: &str,
    ) -> impl std::future::Future<Output = Lookup<Vec<(u16, String)>>> + Send {
        Dns::mx(self, name)
    }
    fn ptr(&self, ip: IpAddr) -> impl std::future::Future<Output = Lookup<Vec<String>>> + Send {
        Dns::ptr(self, ip)
    }
}
