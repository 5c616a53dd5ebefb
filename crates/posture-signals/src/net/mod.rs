//! Network I/O of the web, TLS and SMTP checks: every connection waits for
//! one of the scan's permits (its concurrency and rate), and every exchange
//! is bounded by the per-connection timeout and the scan's deadline.
//!
//! A refused connection is a fact (nothing listens); a timeout, a reset or
//! the deadline is a [`Reason`], never a fact.

pub(crate) mod http;
pub(crate) mod legacy;
pub(crate) mod smtp;
pub(crate) mod tls;
pub(crate) mod url;

use crate::checks::Env;
use crate::spf::Lookup;
use posture_core::observe::Reason;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// How many times the per-connection timeout one exchange (connect,
/// handshake, request and response) may take in all: a server trickling
/// bytes cannot hold a check longer.
const EXCHANGE_STEPS: u32 = 4;

/// Why an exchange ended without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lost {
    /// The reason, from the closed set.
    pub reason: Reason,
    /// What happened, for people.
    pub detail: String,
}

impl Lost {
    pub(crate) fn new(reason: Reason, detail: impl Into<String>) -> Lost {
        Lost {
            reason,
            detail: detail.into(),
        }
    }
}

/// The outcome of dialling a TCP port.
pub(crate) enum Dial {
    /// Connected; the permit is held for as long as the connection lives.
    Open(Conn),
    /// The connection was refused: nothing listens.
    Refused,
    /// No answer (a timeout, the deadline, a network error).
    Lost(Lost),
}

/// An open connection, the permit it holds and when its exchange must end.
pub(crate) struct Conn {
    pub stream: TcpStream,
    pub until: Instant,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// The end of an exchange that starts now.
pub(crate) fn exchange_end(env: &Env) -> Instant {
    (Instant::now() + env.web.timeout * EXCHANGE_STEPS).min(env.dns.deadline())
}

/// Runs one I/O step until `until`, naming a timeout as the deadline when
/// the scan's deadline is what ended it.
pub(crate) async fn step<T>(
    env: &Env,
    until: Instant,
    what: &str,
    f: impl Future<Output = std::io::Result<T>>,
) -> Result<T, Lost> {
    match tokio::time::timeout_at(until, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Lost::new(Reason::Error, format!("{what}: {e}"))),
        Err(_) => Err(timed_out(env, what)),
    }
}

/// The [`Lost`] of a step that ran out of time.
pub(crate) fn timed_out(env: &Env, what: &str) -> Lost {
    if env.dns.past_deadline() {
        Lost::new(
            Reason::Deadline,
            format!("{what}: the scan's deadline passed"),
        )
    } else {
        Lost::new(Reason::Timeout, format!("{what}: timed out"))
    }
}

/// Connects to `addr` under a permit, within the per-connection timeout.
pub(crate) async fn dial(env: &Env, addr: SocketAddr) -> Dial {
    if !env.web.policy.may_connect(addr.ip()) {
        return Dial::Lost(Lost::new(
            Reason::Limit,
            format!("{addr} is outside the networks connections may go to (--connect-within)"),
        ));
    }
    let Some(permit) = env.dns.slot().await else {
        return Dial::Lost(Lost::new(
            Reason::Deadline,
            format!("connecting to {addr}: the scan's deadline passed"),
        ));
    };
    let until = exchange_end(env);
    let connect_by = (Instant::now() + env.web.timeout).min(until);
    match tokio::time::timeout_at(connect_by, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Dial::Open(Conn {
            stream,
            until,
            _permit: permit,
        }),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Dial::Refused,
        Ok(Err(e)) => Dial::Lost(Lost::new(
            Reason::Error,
            format!("connecting to {addr}: {e}"),
        )),
        Err(_) => Dial::Lost(timed_out(env, &format!("connecting to {addr}"))),
    }
}

/// The address a host name's services are reached on: its first A record,
/// else its first AAAA record. `Ok(None)` when the name has neither.
pub(crate) async fn resolve(env: &Env, host: &str) -> Result<Option<IpAddr>, Lost> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Some(ip));
    }
    match env.dns.a(host).await {
        Lookup::Records(v4) => Ok(v4.first().map(|a| IpAddr::V4(*a))),
        Lookup::Failed(r) => Err(Lost::new(r, format!("resolving {host} failed"))),
        Lookup::NxDomain => Ok(None),
        Lookup::NoData => match env.dns.aaaa(host).await {
            Lookup::Records(v6) => Ok(v6.first().map(|a| IpAddr::V6(*a))),
            Lookup::Failed(r) => Err(Lost::new(r, format!("resolving {host} failed"))),
            Lookup::NxDomain | Lookup::NoData => Ok(None),
        },
    }
}

/// At most `max` characters of `text` (on a character boundary).
pub(crate) fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
