//! A lean DNS client: many queries multiplexed over a few UDP sockets, TCP
//! when an answer is truncated.
//!
//! Queries are encoded by hand (a header, one question, an EDNS(0) OPT
//! record advertising 1232 octets); answers are decoded with hickory-proto.
//! Each socket is connected to its name server, so the kernel drops
//! datagrams from any other address, and a reader task hands each answer to
//! the query whose id *and* question it carries: a datagram that matches
//! no outstanding query (a late answer, a forgery) is dropped. The ids are
//! random, and the sockets' ports are the kernel's random ephemeral ports.
//!
//! hickory-resolver opened, registered and closed a socket per query; on
//! this workload that was most of the scanner's CPU (BENCHMARKS.md,
//! "Scanning against NSD").

use hickory_proto::op::Message;
use posture_core::observe::Reason;
use rand::RngExt;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// UDP sockets per name server.
const SOCKETS: usize = 4;

/// The UDP payload size advertised in EDNS(0): the DNS flag day 2020
/// default, which avoids IP fragmentation.
const EDNS_PAYLOAD: u16 = 1232;

/// Largest DNS message (TCP length prefix).
const MAX_MESSAGE: usize = 65_535;

/// `IN`.
const CLASS_IN: u16 = 1;

/// A query's question in wire form: the name's labels, type and class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Question {
    wire: Vec<u8>,
}

impl Question {
    /// The question for `labels` (each 1 to 63 octets, 255 octets in all,
    /// checked by the caller's name) and `rtype`.
    pub(crate) fn new<'a>(labels: impl IntoIterator<Item = &'a [u8]>, rtype: u16) -> Question {
        let mut wire = Vec::with_capacity(64);
        for l in labels {
            // Labels are at most 63 octets (the caller's name was built
            // under that rule), so the length fits in the byte.
            wire.push(l.len().min(63) as u8);
            wire.extend_from_slice(l);
        }
        wire.push(0);
        wire.extend_from_slice(&rtype.to_be_bytes());
        wire.extend_from_slice(&CLASS_IN.to_be_bytes());
        Question { wire }
    }

    /// The query message with `id`.
    fn message(&self, id: u16) -> Vec<u8> {
        let mut m = Vec::with_capacity(12 + self.wire.len() + 11);
        m.extend_from_slice(&id.to_be_bytes());
        // RD (the resolver should recurse); QDCOUNT 1, ARCOUNT 1 (OPT).
        m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
        m.extend_from_slice(&self.wire);
        // OPT: root name, type 41, class = payload size, TTL 0, no data.
        m.push(0);
        m.extend_from_slice(&41u16.to_be_bytes());
        m.extend_from_slice(&EDNS_PAYLOAD.to_be_bytes());
        m.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        m
    }

    /// Whether `message` is an answer to this question: a response with
    /// one question equal to ours (names compared without regard to ASCII
    /// case, as DNS does).
    fn answered_by(&self, message: &[u8]) -> bool {
        let Some(header) = message.get(..12) else {
            return false;
        };
        let is_response = header[2] & 0x80 != 0;
        let one_question = header[4] == 0 && header[5] == 1;
        let Some(q) = message.get(12..12 + self.wire.len()) else {
            return false;
        };
        let split = self.wire.len().saturating_sub(4);
        is_response
            && one_question
            && q[..split].eq_ignore_ascii_case(&self.wire[..split])
            && q[split..] == self.wire[split..]
    }
}

/// Why an exchange produced no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No answer within the timeout, on every attempt.
    Timeout,
    /// The answer was truncated and could not be had over TCP.
    Truncated,
    /// The deadline passed.
    Deadline,
    /// An answer that could not be decoded.
    Malformed,
}

impl From<Failure> for Reason {
    fn from(f: Failure) -> Reason {
        match f {
            Failure::Timeout => Reason::Timeout,
            Failure::Truncated => Reason::Truncated,
            Failure::Deadline => Reason::Deadline,
            Failure::Malformed => Reason::Error,
        }
    }
}

/// A query waiting for its answer.
struct Waiter {
    question: Question,
    tx: oneshot::Sender<Vec<u8>>,
}

/// One UDP socket, connected to one server, with the queries sent on it.
struct Channel {
    server: SocketAddr,
    socket: Arc<UdpSocket>,
    pending: Arc<Mutex<HashMap<u16, Waiter>>>,
    reader: JoinHandle<()>,
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while the map is held cannot leave it inconsistent (every
    // operation is one insert or remove), so a poisoned lock is usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Channel {
    async fn open(server: SocketAddr) -> std::io::Result<Channel> {
        let any: SocketAddr = if server.is_ipv4() {
            SocketAddr::from(([0, 0, 0, 0], 0))
        } else {
            SocketAddr::from(([0u16; 8], 0))
        };
        let socket = UdpSocket::bind(any).await?;
        socket.connect(server).await?;
        let socket = Arc::new(socket);
        let pending: Arc<Mutex<HashMap<u16, Waiter>>> = Arc::default();
        let reader = tokio::spawn(read_answers(socket.clone(), pending.clone()));
        Ok(Channel {
            server,
            socket,
            pending,
            reader,
        })
    }

    /// Registers `question` under a random id free on this socket.
    fn register(&self, question: &Question) -> (u16, oneshot::Receiver<Vec<u8>>) {
        let (tx, rx) = oneshot::channel();
        let mut pending = lock(&self.pending);
        let mut rng = rand::rng();
        let mut id: u16 = rng.random();
        // At most a few hundred queries are outstanding per socket, so a
        // free id is found in a try or two.
        while pending.contains_key(&id) {
            id = rng.random();
        }
        pending.insert(
            id,
            Waiter {
                question: question.clone(),
                tx,
            },
        );
        (id, rx)
    }

    fn forget(&self, id: u16) {
        lock(&self.pending).remove(&id);
    }
}

/// Hands each datagram to the query it answers; drops the rest.
async fn read_answers(socket: Arc<UdpSocket>, pending: Arc<Mutex<HashMap<u16, Waiter>>>) {
    let mut buf = vec![0u8; MAX_MESSAGE];
    loop {
        // An error here is an ICMP error reported on the connected socket
        // (the server's port closed, say): the queries time out.
        let Ok(n) = socket.recv(&mut buf).await else {
            continue;
        };
        let Some(message) = buf.get(..n) else {
            continue;
        };
        let Some(id) = message.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])) else {
            continue;
        };
        let waiter = {
            let mut pending = lock(&pending);
            match pending.get(&id) {
                Some(w) if w.question.answered_by(message) => pending.remove(&id),
                _ => None,
            }
        };
        if let Some(w) = waiter {
            let _ = w.tx.send(message.to_vec());
        }
    }
}

/// What one name server did with a client's messages. Relaxed atomics:
/// these are counts for people and reports, never used to synchronise.
#[derive(Debug, Default)]
struct ServerTally {
    sent: AtomicU64,
    answered: AtomicU64,
    timed_out: AtomicU64,
}

/// A client's message counts, per name server (in the order given). Kept
/// apart from the client so that a progress display or a report can read
/// them without holding the client's sockets.
#[derive(Debug)]
pub(crate) struct Tally {
    servers: Vec<SocketAddr>,
    counts: Box<[ServerTally]>,
}

impl Tally {
    fn new(servers: &[SocketAddr]) -> Tally {
        Tally {
            servers: servers.to_vec(),
            counts: servers.iter().map(|_| ServerTally::default()).collect(),
        }
    }

    /// Each server's counts so far, in the order the servers were given.
    pub(crate) fn read(&self) -> impl Iterator<Item = (SocketAddr, QueryCounts)> + '_ {
        self.servers.iter().zip(self.counts.iter()).map(|(s, c)| {
            (
                *s,
                QueryCounts {
                    sent: c.sent.load(Ordering::Relaxed),
                    answered: c.answered.load(Ordering::Relaxed),
                    timed_out: c.timed_out.load(Ordering::Relaxed),
                },
            )
        })
    }

    /// Messages sent to every server.
    pub(crate) fn sent(&self) -> u64 {
        self.counts
            .iter()
            .map(|c| c.sent.load(Ordering::Relaxed))
            .sum()
    }

    fn count(&self, server: usize, what: fn(&ServerTally) -> &AtomicU64) {
        if let Some(c) = self.counts.get(server) {
            what(c).fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Counts of DNS messages: sent (every message: retries and TCP included),
/// answered, and timed out (no answer before the timeout or the deadline).
/// Messages in flight are neither answered nor timed out yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueryCounts {
    /// Messages sent.
    pub sent: u64,
    /// Messages that got an answer (any answer: records, NXDOMAIN, an
    /// error code, a truncated reply).
    pub answered: u64,
    /// Messages that got no answer in time.
    pub timed_out: u64,
}

impl QueryCounts {
    /// `self` and `other` added up.
    #[must_use]
    pub fn plus(self, other: QueryCounts) -> QueryCounts {
        QueryCounts {
            sent: self.sent + other.sent,
            answered: self.answered + other.answered,
            timed_out: self.timed_out + other.timed_out,
        }
    }
}

/// The counts of one name server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolverCounts {
    /// The name server's address.
    pub server: SocketAddr,
    /// What it was sent and answered.
    pub queries: QueryCounts,
}

/// Adds up the counts of several clients by server, servers in the order
/// first seen.
pub(crate) fn merge<'a>(tallies: impl IntoIterator<Item = &'a Tally>) -> Vec<ResolverCounts> {
    let mut out: Vec<ResolverCounts> = Vec::new();
    for t in tallies {
        for (server, queries) in t.read() {
            match out.iter_mut().find(|r| r.server == server) {
                Some(r) => r.queries = r.queries.plus(queries),
                None => out.push(ResolverCounts { server, queries }),
            }
        }
    }
    out
}

/// The client of one scan: a few sockets per name server.
pub(crate) struct Client {
    /// `SOCKETS` channels per server, servers in the order given.
    channels: Vec<Channel>,
    servers: usize,
    next: AtomicUsize,
    timeout: Duration,
    attempts: usize,
    tally: Arc<Tally>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("servers", &self.servers)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens the sockets. Needs a Tokio runtime.
    pub(crate) async fn open(
        servers: &[SocketAddr],
        timeout: Duration,
        attempts: usize,
    ) -> std::io::Result<Client> {
        let mut channels = Vec::with_capacity(servers.len() * SOCKETS);
        for s in servers {
            for _ in 0..SOCKETS {
                channels.push(Channel::open(*s).await?);
            }
        }
        Ok(Client {
            channels,
            servers: servers.len(),
            next: AtomicUsize::new(0),
            timeout,
            attempts: attempts.max(1),
            tally: Arc::new(Tally::new(servers)),
        })
    }

    /// The client's message counts.
    pub(crate) fn tally(&self) -> &Arc<Tally> {
        &self.tally
    }

    /// One question, asked until answered: each attempt waits `timeout`
    /// (the next server's turn after a timeout); a truncated answer is asked
    /// again over TCP. Every message is counted in the client's [`Tally`]:
    /// sent, then answered or timed out.
    pub(crate) async fn exchange(
        &self,
        question: &Question,
        deadline: Instant,
    ) -> Result<Message, Failure> {
        let tally = &*self.tally;
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        for attempt in 0..self.attempts {
            if Instant::now() >= deadline {
                return Err(Failure::Deadline);
            }
            let server = (n / SOCKETS + attempt) % self.servers.max(1);
            let Some(channel) = self.channels.get(server * SOCKETS + n % SOCKETS) else {
                return Err(Failure::Malformed);
            };
            let (id, rx) = channel.register(question);
            tally.count(server, |c| &c.sent);
            if channel.socket.send(&question.message(id)).await.is_err() {
                channel.forget(id);
                continue;
            }
            let until = (Instant::now() + self.timeout).min(deadline);
            let bytes = match tokio::time::timeout_at(until, rx).await {
                Ok(Ok(b)) => b,
                Ok(Err(_)) => {
                    channel.forget(id);
                    continue;
                }
                Err(_) => {
                    tally.count(server, |c| &c.timed_out);
                    channel.forget(id);
                    continue;
                }
            };
            tally.count(server, |c| &c.answered);
            // The TC bit: the whole answer is only to be had over TCP.
            if bytes.get(2).is_some_and(|b| b & 0x02 != 0) {
                tally.count(server, |c| &c.sent);
                let until = (Instant::now() + self.timeout).min(deadline);
                let answer = tcp_exchange(channel.server, question, until).await;
                match &answer {
                    Ok(_) | Err(Failure::Malformed) => tally.count(server, |c| &c.answered),
                    Err(Failure::Timeout) => tally.count(server, |c| &c.timed_out),
                    Err(_) => {}
                }
                return answer;
            }
            return Message::from_vec(&bytes).map_err(|_| Failure::Malformed);
        }
        if Instant::now() >= deadline {
            Err(Failure::Deadline)
        } else {
            Err(Failure::Timeout)
        }
    }
}

/// The question over TCP (RFC 7766), one connection for one answer.
async fn tcp_exchange(
    server: SocketAddr,
    question: &Question,
    until: Instant,
) -> Result<Message, Failure> {
    let id: u16 = rand::rng().random();
    let query = question.message(id);
    let exchange = async {
        let mut stream = TcpStream::connect(server)
            .await
            .map_err(|_| Failure::Truncated)?;
        let len = u16::try_from(query.len()).map_err(|_| Failure::Malformed)?;
        let mut out = Vec::with_capacity(query.len() + 2);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&query);
        stream
            .write_all(&out)
            .await
            .map_err(|_| Failure::Truncated)?;
        loop {
            let mut len = [0u8; 2];
            stream
                .read_exact(&mut len)
                .await
                .map_err(|_| Failure::Truncated)?;
            let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
            stream
                .read_exact(&mut answer)
                .await
                .map_err(|_| Failure::Truncated)?;
            // Anything but the answer to this query on this connection is
            // skipped (a server may not send it, but must not confuse us).
            if answer.get(..2) == Some(&id.to_be_bytes()[..]) && question.answered_by(&answer) {
                return Message::from_vec(&answer).map_err(|_| Failure::Malformed);
            }
        }
    };
    match tokio::time::timeout_at(until, exchange).await {
        Ok(r) => r,
        Err(_) => Err(Failure::Timeout),
    }
}

/// The name servers of `/etc/resolv.conf` (port 53), in order.
///
/// # Errors
/// When the file cannot be read or names no server.
pub(crate) fn system_servers() -> Result<Vec<SocketAddr>, String> {
    let text = std::fs::read_to_string("/etc/resolv.conf")
        .map_err(|e| format!("reading /etc/resolv.conf: {e}"))?;
    let servers = parse_resolv_conf(&text);
    if servers.is_empty() {
        return Err("/etc/resolv.conf names no nameserver (use --nameserver)".into());
    }
    Ok(servers)
}

/// `nameserver` lines of a resolv.conf (resolv.conf(5)); an IPv6 zone
/// suffix (`%eth0`) is dropped, unusable lines are skipped.
fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver")).then_some(())?;
            let addr = words.next()?;
            let addr = addr.split('%').next().unwrap_or(addr);
            addr.parse::<std::net::IpAddr>()
                .ok()
                .map(|ip| SocketAddr::new(ip, 53))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(name: &str, rtype: u16) -> Question {
        Question::new(name.split('.').map(str::as_bytes), rtype)
    }

    #[test]
    fn queries_are_well_formed_and_answers_are_matched_by_question() {
        let question = q("Mail.Example", 16);
        let m = question.message(0xbeef);
        let parsed = Message::from_vec(&m).unwrap();
        assert_eq!(parsed.metadata.id, 0xbeef);
        assert_eq!(parsed.queries.len(), 1);
        assert_eq!(parsed.queries[0].name().to_ascii(), "Mail.Example.");
        assert!(parsed.metadata.recursion_desired);
        assert!(parsed.edns.is_some());
        // An answer echoes the question; case may differ, type may not.
        let mut answer = m.clone();
        answer[2] |= 0x80;
        assert!(question.answered_by(&answer));
        let mut lower = answer.clone();
        lower[13] = b'm';
        assert!(question.answered_by(&lower));
        assert!(!question.answered_by(&m), "a query is not an answer");
        assert!(!q("mail.example", 1).answered_by(&answer));
        assert!(!q("mail.example.org", 16).answered_by(&answer));
        assert!(!question.answered_by(&answer[..20]));
        assert!(!question.answered_by(&[]));
        // Type 65 is the byte 'A': never compared without case.
        let https = q("a", 65);
        let mut a = https.message(1);
        a[2] |= 0x80;
        assert!(https.answered_by(&a));
        assert!(!q("a", 97).answered_by(&a));
    }

    #[test]
    fn resolv_conf() {
        let text = "# comment\nsearch example\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\n\
                    nameserver bogus\nnameserver\noptions ndots:2\n";
        assert_eq!(
            parse_resolv_conf(text),
            vec![
                "192.0.2.1:53".parse::<SocketAddr>().unwrap(),
                "[fe80::1]:53".parse().unwrap()
            ]
        );
        assert!(parse_resolv_conf("").is_empty());
    }
}
