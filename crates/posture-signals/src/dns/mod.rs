//! DNS queries under a [`ScanPolicy`]: concurrency, rate and deadline
//! enforced, every answer classified as records, NXDOMAIN, NODATA or a
//! failure (never confused with one another), and one answer per question
//! per scan.
//!
//! The wire work is [`client`]'s: a few UDP sockets per name server with
//! queries multiplexed over them, TCP when an answer is truncated. Above it,
//! a scan's [`Dns`] keeps each answer it received (and shares a question
//! that is already in flight), so a name that many domains share (an SPF
//! include, an organisational domain's DMARC or CAA record, a mail
//! exchanger) is asked once per scan, and a check that asks what another
//! already asked costs no query.

mod client;

use crate::policy::ScanPolicy;
use crate::spf::Lookup;
use client::{Client, Question};
pub use client::{QueryCounts, ResolverCounts};
pub(crate) use client::{Tally, merge};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use posture_core::observe::Reason;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::sync::{OnceCell, Semaphore};
use tokio::time::Instant;

/// Errors building the DNS client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DnsSetupError {
    /// The system resolver configuration could not be read, or the
    /// client's sockets could not be opened.
    #[error("setting up the DNS client: {0}")]
    Resolver(String),
}

/// A rate limiter: one slot every `1/rate` seconds.
#[derive(Debug)]
pub(crate) struct Pace {
    interval: std::time::Duration,
    next: tokio::sync::Mutex<Instant>,
}

impl Pace {
    /// The policy's rate limit, if it sets one.
    pub(crate) fn for_policy(policy: &ScanPolicy) -> Option<Arc<Pace>> {
        policy.rate.filter(|r| *r > 0).map(|r| {
            Arc::new(Pace {
                interval: std::time::Duration::from_secs_f64(1.0 / f64::from(r)),
                next: tokio::sync::Mutex::new(Instant::now()),
            })
        })
    }

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

/// What one question resolved to: the records (or why there are none) and
/// the aliases followed to them, in order (a dangling alias has aliases
/// and `NxDomain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The records of the type asked, at the name or the end of its chain.
    pub lookup: Lookup<Vec<RData>>,
    /// The CNAME targets followed from the name, in order.
    pub aliases: Vec<String>,
    /// IPv4 addresses the additional section gave, by owner name
    /// (lower case), for NS and MX questions only: the servers' and
    /// exchanges' glue.
    pub glue: Vec<(String, Ipv4Addr)>,
}

impl Resolved {
    fn failed(reason: Reason, aliases: Vec<String>) -> Resolved {
        Resolved {
            lookup: Lookup::Failed(reason),
            aliases,
            glue: Vec::new(),
        }
    }

    /// The glue addresses of `name`, if the answer carried any.
    pub fn glue_for(&self, name: &str) -> Vec<Ipv4Addr> {
        self.glue
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, ip)| *ip)
            .collect()
    }
}

/// Answers kept per scan: at most this many questions (a scan of a million
/// addresses' DNSBL names must not hold them all; names that domains share
/// are asked early and stay).
const CACHE_ENTRIES: usize = 1 << 16;

type Slot = Arc<OnceCell<Arc<Resolved>>>;

/// The DNS client of a scan.
#[derive(Debug, Clone)]
pub struct Dns {
    client: Arc<Client>,
    answers: Arc<Mutex<HashMap<(String, u16), Slot>>>,
    permits: Arc<Semaphore>,
    pace: Option<Arc<Pace>>,
    deadline: Instant,
    max_txt_bytes: usize,
}

impl Dns {
    /// A client for a policy; the deadline starts now. Needs a Tokio
    /// runtime (it opens its sockets).
    ///
    /// # Errors
    /// When no name server is given and `/etc/resolv.conf` names none, or
    /// the sockets cannot be opened.
    pub async fn new(policy: &ScanPolicy) -> Result<Self, DnsSetupError> {
        Dns::with_share(
            policy,
            Instant::now() + policy.deadline,
            policy.concurrency,
            Pace::for_policy(policy),
        )
        .await
    }

    /// A client for one part of a scan: its own sockets and `concurrency`
    /// permits, the scan's `deadline` and rate (`pace`, shared by every
    /// part).
    pub(crate) async fn with_share(
        policy: &ScanPolicy,
        deadline: Instant,
        concurrency: usize,
        pace: Option<Arc<Pace>>,
    ) -> Result<Self, DnsSetupError> {
        let servers: Vec<SocketAddr> = match policy.nameserver {
            Some(addr) => vec![addr],
            None => client::system_servers().map_err(DnsSetupError::Resolver)?,
        };
        // One retry: a single lost datagram must not make a check
        // inconclusive (the deadline still bounds the total).
        let client = Client::open(&servers, policy.timeout, 2)
            .await
            .map_err(|e| DnsSetupError::Resolver(format!("opening UDP sockets: {e}")))?;
        Ok(Dns {
            client: Arc::new(client),
            answers: Arc::default(),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            pace,
            deadline,
            max_txt_bytes: policy.max_txt_bytes,
        })
    }

    /// Queries sent so far (every message: retries and TCP included).
    pub fn queries(&self) -> u64 {
        self.client.tally().sent()
    }

    /// Messages sent, answered and timed out so far, over every server.
    pub fn counts(&self) -> QueryCounts {
        self.resolvers()
            .iter()
            .fold(QueryCounts::default(), |a, r| a.plus(r.queries))
    }

    /// Messages sent, answered and timed out so far, per name server.
    pub fn resolvers(&self) -> Vec<ResolverCounts> {
        client::merge([&**self.client.tally()])
    }

    /// The client's counts, shared (for a scan's progress and report).
    pub(crate) fn tally(&self) -> Arc<client::Tally> {
        self.client.tally().clone()
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
        self.resolve(name, rtype).await.lookup.clone()
    }

    /// One question, answered once per scan: the first asker sends it,
    /// later askers (and those asking while it is in flight) share its
    /// answer. Failures are kept too: within one scan a name answers the
    /// same for every check and domain that asks.
    pub(crate) async fn resolve(&self, name: &str, rtype: RecordType) -> Arc<Resolved> {
        let key = (
            name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase(),
            u16::from(rtype),
        );
        let slot = {
            let mut answers = self
                .answers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match answers.get(&key) {
                Some(s) => Some(s.clone()),
                None if answers.len() < CACHE_ENTRIES => {
                    let s = Slot::default();
                    answers.insert(key, s.clone());
                    Some(s)
                }
                None => None,
            }
        };
        match slot {
            Some(s) => s
                // Boxed: the question's future is large, and every caller's
                // future would otherwise carry (and move) it.
                .get_or_init(|| async {
                    Arc::new(Box::pin(self.resolve_uncached(name, rtype)).await)
                })
                .await
                .clone(),
            None => Arc::new(Box::pin(self.resolve_uncached(name, rtype)).await),
        }
    }

    /// Sends the question (and, when an answer's alias chain leaves the
    /// answering server's data, asks for the chain's end): records, or why
    /// there are none. A loop, or more than [`MAX_CNAME_CHAIN`] aliases,
    /// is `cname_loop`: such an answer says nothing about any record.
    async fn resolve_uncached(&self, name: &str, rtype: RecordType) -> Resolved {
        // A name DNS cannot represent (an empty label, a label over 63
        // octets, more than 255 octets) cannot exist: NXDOMAIN, not an
        // error. Labels may hold any other octets (RFC 2181 section 11).
        if dns_name(name).is_none() {
            return Resolved {
                lookup: Lookup::NxDomain,
                aliases: Vec::new(),
                glue: Vec::new(),
            };
        }
        let mut at = name.strip_suffix('.').unwrap_or(name).to_owned();
        let mut visited = vec![at.to_ascii_lowercase()];
        let mut aliases: Vec<String> = Vec::new();
        loop {
            let Some(permit) = self.slot().await else {
                return Resolved::failed(Reason::Deadline, aliases);
            };
            let question = Question::new(at.split('.').map(str::as_bytes), u16::from(rtype));
            let answer = self.client.exchange(&question, self.deadline).await;
            drop(permit);
            let message = match answer {
                Ok(m) => m,
                Err(f) => return Resolved::failed(f.into(), aliases),
            };
            let rcode = message.metadata.response_code;
            match rcode {
                ResponseCode::NoError | ResponseCode::NXDomain => {}
                ResponseCode::ServFail => return Resolved::failed(Reason::Servfail, aliases),
                ResponseCode::Refused => return Resolved::failed(Reason::Refused, aliases),
                _ => return Resolved::failed(Reason::Error, aliases),
            }
            if rtype == RecordType::CNAME {
                let owner = at.to_ascii_lowercase();
                let data: Vec<RData> = message
                    .answers
                    .iter()
                    .filter(|r| {
                        r.record_type() == RecordType::CNAME
                            && name_text(&r.name).eq_ignore_ascii_case(&owner)
                    })
                    .map(|r| r.data.clone())
                    .collect();
                return Resolved {
                    lookup: classify(data, rcode),
                    aliases,
                    glue: Vec::new(),
                };
            }
            // Follow the answer's aliases from where this question was
            // asked.
            let links: HashMap<String, String> = message
                .answers
                .iter()
                .filter_map(|r| match &r.data {
                    RData::CNAME(t) => {
                        Some((name_text(&r.name).to_ascii_lowercase(), name_text(&t.0)))
                    }
                    _ => None,
                })
                .collect();
            let mut end = at.clone();
            while let Some(next) = links.get(&end.to_ascii_lowercase()) {
                let key = next.to_ascii_lowercase();
                if visited.contains(&key) || aliases.len() >= MAX_CNAME_CHAIN {
                    return Resolved::failed(Reason::CnameLoop, aliases);
                }
                visited.push(key);
                aliases.push(next.clone());
                end = next.clone();
            }
            // Records only at the names of the chain: a server cannot slip
            // in records of another name.
            let data: Vec<RData> = message
                .answers
                .iter()
                .filter(|r| {
                    r.record_type() == rtype
                        && visited.contains(&name_text(&r.name).to_ascii_lowercase())
                })
                .map(|r| r.data.clone())
                .collect();
            let chased = !end.eq_ignore_ascii_case(&at);
            if data.is_empty() && rcode == ResponseCode::NoError && chased && !has_soa(&message) {
                // The chain left the server's data without an answer (an
                // authoritative server answers only for its zones): ask
                // for the chain's end.
                at = end;
                continue;
            }
            let glue = if matches!(rtype, RecordType::NS | RecordType::MX) {
                message
                    .additionals
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::A(a) => Some((name_text(&r.name).to_ascii_lowercase(), a.0)),
                        _ => None,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            return Resolved {
                lookup: classify(data, rcode),
                aliases,
                glue,
            };
        }
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

/// Whether `name` is `domain` or a name under it.
pub(crate) fn in_bailiwick(name: &str, domain: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name).as_bytes();
    let d = domain.strip_suffix('.').unwrap_or(domain).as_bytes();
    n.eq_ignore_ascii_case(d)
        || (n.len() > d.len()
            && n[n.len() - d.len() - 1] == b'.'
            && n[n.len() - d.len()..].eq_ignore_ascii_case(d))
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

/// Whether a message's authority section carries an SOA record (a real
/// NODATA or NXDOMAIN does, RFC 2308).
fn has_soa(m: &Message) -> bool {
    m.authorities
        .iter()
        .any(|r| r.record_type() == RecordType::SOA)
}

/// Records, or which kind of "none" the response code says.
fn classify(data: Vec<RData>, rcode: ResponseCode) -> Lookup<Vec<RData>> {
    if !data.is_empty() {
        Lookup::Records(data)
    } else if rcode == ResponseCode::NXDomain {
        Lookup::NxDomain
    } else {
        Lookup::NoData
    }
}

impl<T> Lookup<Vec<T>> {
    pub(crate) fn map_records<U>(self, f: impl Fn(T) -> Option<U>) -> Lookup<Vec<U>> {
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

#[cfg(test)]
mod tests {
    use super::in_bailiwick;

    #[test]
    fn bailiwick() {
        assert!(in_bailiwick("ns1.Example.org", "example.org"));
        assert!(in_bailiwick("example.org.", "example.org"));
        assert!(!in_bailiwick("ns1.badexample.org", "example.org"));
        assert!(!in_bailiwick("example.org", "ns1.example.org"));
        assert!(!in_bailiwick("ns1.example.org.evil", "example.org"));
        assert!(!in_bailiwick("é.example.org", "ample.org"));
    }
}
