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
use posture_core::observe::Reason;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

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
            return Lookup::Failed(Reason::Deadline);
        };
        self.queries.fetch_add(1, Ordering::Relaxed);
        // A name DNS cannot represent (an empty label, a label over 63
        // octets, more than 255 octets) cannot exist: NXDOMAIN, not an
        // error. Labels may hold any other octets (RFC 2181 section 11).
        let Some(fqdn) = dns_name(name) else {
            return Lookup::NxDomain;
        };
        let res =
            tokio::time::timeout_at(self.deadline, self.resolver.lookup(fqdn.clone(), rtype)).await;
        match res {
            Err(_) => Lookup::Failed(Reason::Deadline),
            Ok(Ok(l)) => {
                let answers = l.answers();
                if cname_chain_broken(&fqdn, rtype, answers) {
                    return Lookup::Failed(Reason::CnameLoop);
                }
                let data: Vec<RData> = answers
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
                    // The resolver follows aliases itself and, when a chain
                    // runs past its depth, answers "no records" with no SOA
                    // (a real NODATA carries one): walk the chain to tell.
                    if rtype != RecordType::CNAME && !has_soa(&e) {
                        return self.walk_chain(&fqdn).await;
                    }
                    Lookup::NoData
                } else {
                    Lookup::Failed(classify(&e))
                }
            }
        }
    }

    /// Follows the alias chain of `start` one CNAME query at a time: a loop
    /// or more than [`MAX_CNAME_CHAIN`] links is `cname_loop`; a chain that
    /// ends is "no records of the type asked".
    async fn walk_chain<T>(&self, start: &hickory_proto::rr::Name) -> Lookup<T> {
        let mut seen = std::collections::HashSet::new();
        let mut at = start.clone();
        for _ in 0..=MAX_CNAME_CHAIN {
            if !seen.insert(name_text(&at).to_ascii_lowercase()) {
                return Lookup::Failed(Reason::CnameLoop);
            }
            let Some(_permit) = self.slot().await else {
                return Lookup::Failed(Reason::Deadline);
            };
            self.queries.fetch_add(1, Ordering::Relaxed);
            let res = tokio::time::timeout_at(
                self.deadline,
                self.resolver.lookup(at.clone(), RecordType::CNAME),
            )
            .await;
            let next = match res {
                Err(_) => return Lookup::Failed(Reason::Deadline),
                Ok(Ok(l)) => l.answers().iter().find_map(|r| match &r.data {
                    RData::CNAME(t) => Some(t.0.clone()),
                    _ => None,
                }),
                Ok(Err(e)) if e.is_nx_domain() || e.is_no_records_found() => None,
                Ok(Err(e)) => return Lookup::Failed(classify(&e)),
            };
            match next {
                Some(t) => at = t,
                None => return Lookup::NoData,
            }
        }
        Lookup::Failed(Reason::CnameLoop)
    }

    /// TXT records, each record's strings concatenated ([`decode_txt`]);
    /// more than the policy's byte cap is a `limit` failure.
    pub async fn txt(&self, name: &str) -> Lookup<Vec<String>> {
        match self.query(name, RecordType::TXT).await {
            Lookup::Records(rs) => {
                let mut out = Vec::new();
                let mut total = 0usize;
                for r in rs {
                    if let RData::TXT(t) = r {
                        total += t.txt_data.iter().map(|p| p.len()).sum::<usize>();
                        if total > self.max_txt_bytes {
                            return Lookup::Failed(Reason::Limit);
                        }
                        out.push(decode_txt(t.txt_data.iter().map(AsRef::as_ref)));
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

/// One TXT record's text: its character-strings concatenated (RFC 7208
/// section 3.3), bytes that are not UTF-8 replaced by U+FFFD. Any bytes are
/// valid input; a record is never lost for its encoding, and every parser
/// downstream sees well-formed text.
///
/// ```
/// use posture_signals::decode_txt;
/// assert_eq!(decode_txt([&b"v=spf1 "[..], b"-all"]), "v=spf1 -all");
/// assert_eq!(decode_txt([&b"v=spf\xff"[..]]), "v=spf\u{fffd}");
/// ```
pub fn decode_txt<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut s = Vec::new();
    for part in parts {
        s.extend_from_slice(part);
    }
    String::from_utf8_lossy(&s).into_owned()
}

/// The longest CNAME chain followed (RFC 1034 allows chains; resolvers
/// commonly stop at 8 to 16 links).
pub const MAX_CNAME_CHAIN: usize = 8;

/// Whether the CNAME records of an answer make a loop or a chain longer
/// than [`MAX_CNAME_CHAIN`] from `qname` (or a chain of exactly that length
/// that ends without an answer: it may go on): the answer says nothing
/// then, and the check is inconclusive rather than "no records".
fn cname_chain_broken(
    qname: &hickory_proto::rr::Name,
    rtype: RecordType,
    answers: &[hickory_proto::rr::Record],
) -> bool {
    if rtype == RecordType::CNAME {
        return false;
    }
    let key = |n: &hickory_proto::rr::Name| name_text(n).to_ascii_lowercase();
    let links: std::collections::HashMap<String, String> = answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::CNAME(t) => Some((key(&r.name), key(&t.0))),
            _ => None,
        })
        .collect();
    if links.is_empty() {
        return false;
    }
    let answered = answers.iter().any(|r| r.record_type() == rtype);
    let mut seen = std::collections::HashSet::new();
    let mut at = key(qname);
    let mut hops = 0usize;
    while let Some(next) = links.get(&at) {
        if !seen.insert(at.clone()) {
            return true;
        }
        hops += 1;
        if hops > MAX_CNAME_CHAIN {
            return true;
        }
        at = next.clone();
    }
    hops == MAX_CNAME_CHAIN && !answered
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

/// Whether a "no records" answer carried an SOA record.
fn has_soa(e: &NetError) -> bool {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(n)) => n.soa.is_some(),
        _ => true,
    }
}

fn classify(e: &NetError) -> Reason {
    match e {
        NetError::Timeout => Reason::Timeout,
        NetError::Truncated => Reason::Truncated,
        NetError::Dns(DnsError::ResponseCode(rc)) if *rc == ResponseCode::ServFail => {
            Reason::Servfail
        }
        NetError::Dns(DnsError::ResponseCode(rc)) if *rc == ResponseCode::Refused => {
            Reason::Refused
        }
        _ => Reason::Error,
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
