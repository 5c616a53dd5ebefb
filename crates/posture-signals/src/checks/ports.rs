//! TCP ports: connect probes of the configured ports on one address.

use super::{Env, seen};
use posture_core::observe::{Fact, Observation, PortProbe, PortState, PortsFact, Reason};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

async fn probe(env: Env, ip: IpAddr, port: u16, timeout: Duration) -> PortProbe {
    if !env.web.policy.may_connect(ip) {
        return PortProbe {
            port,
            state: PortState::Unknown {
                reason: Reason::Limit,
            },
        };
    }
    let Some(_slot) = env.dns.slot().await else {
        return PortProbe {
            port,
            state: PortState::Unknown {
                reason: Reason::Deadline,
            },
        };
    };
    let until = (tokio::time::Instant::now() + timeout).min(env.dns.deadline());
    let connect = tokio::net::TcpStream::connect(SocketAddr::new(ip, port));
    let state = match tokio::time::timeout_at(until, connect).await {
        Ok(Ok(_)) => PortState::Open,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => PortState::Closed,
        Ok(Err(_)) => PortState::Unknown {
            reason: Reason::Error,
        },
        Err(_) if tokio::time::Instant::now() >= env.dns.deadline() => PortState::Unknown {
            reason: Reason::Deadline,
        },
        Err(_) => PortState::Unknown {
            reason: Reason::Timeout,
        },
    };
    PortProbe { port, state }
}

/// Probes `ports` on `ip`, all at once under the scan's shared permits. A
/// probe task that fails (a defect) is that port's `internal` unknown.
pub(crate) async fn check(env: &Env, ip: IpAddr, ports: &[u16], timeout: Duration) -> Observation {
    let handles: Vec<(u16, tokio::task::JoinHandle<PortProbe>)> = ports
        .iter()
        .map(|p| (*p, tokio::spawn(probe(env.clone(), ip, *p, timeout))))
        .collect();
    let mut probes = Vec::with_capacity(handles.len());
    for (port, h) in handles {
        probes.push(h.await.unwrap_or(PortProbe {
            port,
            state: PortState::Unknown {
                reason: Reason::Internal,
            },
        }));
    }
    let open: Vec<String> = probes
        .iter()
        .filter(|p| p.state == PortState::Open)
        .map(|p| format!("TCP {} accepts connections", p.port))
        .collect();
    let detail = format!("{} of {} probed port(s) open", open.len(), probes.len());
    seen(&ip.to_string(), Fact::Ports(PortsFact { probes }), detail)
        .evidence(open)
        .from("tcp")
}
