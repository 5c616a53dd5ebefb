//! The loopback DNS server.

use crate::world::{Fault, RecordKind, RecordValue, World, normalise};
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, PTR, SOA, TXT, caa::CAA, null::NULL};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding the sockets failed.
    #[error("binding the sandbox DNS server on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A test certificate could not be made or used.
    #[error("sandbox certificate: {0}")]
    Certificate(String),
}

/// Tasks reading the UDP socket.
const UDP_READERS: usize = 4;

/// A running authoritative DNS server on a loopback address, answering from
/// a [`World`] that can be changed while it runs. UDP and TCP share one
/// port, chosen by the OS. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use posture_sandbox::{DnsSandbox, World};
/// let server = DnsSandbox::start(World::new()).await.unwrap();
/// assert!(server.addr().ip().is_loopback());
/// # }
/// ```
#[derive(Debug)]
pub struct DnsSandbox {
    addr: SocketAddr,
    world: Arc<RwLock<World>>,
    queries: Arc<AtomicU64>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for DnsSandbox {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl DnsSandbox {
    /// Starts a server on 127.0.0.1 (port chosen by the OS).
    ///
    /// # Errors
    /// When the sockets cannot be bound.
    pub async fn start(world: World) -> Result<Self, SandboxError> {
        Self::start_on(IpAddr::from([127, 0, 0, 1]), world).await
    }

    /// Starts a server on a given loopback address (port chosen by the OS).
    /// The OS picks a free UDP port; when that port is taken for TCP (by
    /// any listener or connection on the address), another is tried, up
    /// to 32 times.
    ///
    /// # Errors
    /// When the sockets cannot be bound.
    pub async fn start_on(ip: IpAddr, world: World) -> Result<Self, SandboxError> {
        let want = SocketAddr::new(ip, 0);
        let mut tries = 0;
        let (udp, tcp, addr) = loop {
            let udp = UdpSocket::bind(want)
                .await
                .map_err(|source| SandboxError::Bind { addr: want, source })?;
            let addr = udp
                .local_addr()
                .map_err(|source| SandboxError::Bind { addr: want, source })?;
            match TcpListener::bind(addr).await {
                Ok(tcp) => break (udp, tcp, addr),
                Err(source) if source.kind() == std::io::ErrorKind::AddrInUse && tries < 31 => {
                    tries += 1;
                }
                Err(source) => return Err(SandboxError::Bind { addr, source }),
            }
        };
        let world = Arc::new(RwLock::new(world));
        let queries = Arc::new(AtomicU64::new(0));
        let udp = Arc::new(udp);
        let mut tasks = Vec::new();
        // Several readers on the one socket, so that on a multi-threaded
        // runtime the server answers on every core and is never what a
        // benchmark measures.
        for _ in 0..UDP_READERS {
            let (world, queries, udp) = (world.clone(), queries.clone(), udp.clone());
            tasks.push(tokio::spawn(
                async move { serve_udp(udp, world, queries).await },
            ));
        }
        {
            let (world, queries) = (world.clone(), queries.clone());
            tasks.push(tokio::spawn(
                async move { serve_tcp(tcp, world, queries).await },
            ));
        }
        Ok(DnsSandbox {
            addr,
            world,
            queries,
            tasks,
        })
    }

    /// The address to point a resolver at.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Changes the world while the server runs.
    pub fn update(&self, f: impl FnOnce(&mut World)) {
        let mut w = match self.world.write() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut w);
    }

    /// Queries received so far (UDP and TCP).
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
}

/// What to do with one query.
enum Reply {
    Message(Vec<u8>),
    Silence,
    Late(std::time::Duration, Vec<u8>),
    CloseTcp,
}

async fn serve_udp(sock: Arc<UdpSocket>, world: Arc<RwLock<World>>, queries: Arc<AtomicU64>) {
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
            continue;
        };
        queries.fetch_add(1, Ordering::Relaxed);
        match answer(&buf[..n], &world, false) {
            Reply::Message(bytes) => {
                let _ = sock.send_to(&bytes, peer).await;
            }
            Reply::Late(delay, bytes) => {
                let sock = sock.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = sock.send_to(&bytes, peer).await;
                });
            }
            Reply::Silence | Reply::CloseTcp => {}
        }
    }
}

async fn serve_tcp(listener: TcpListener, world: Arc<RwLock<World>>, queries: Arc<AtomicU64>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let (world, queries) = (world.clone(), queries.clone());
        tokio::spawn(async move {
            loop {
                let mut len = [0u8; 2];
                if stream.read_exact(&mut len).await.is_err() {
                    return;
                }
                let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
                if stream.read_exact(&mut msg).await.is_err() {
                    return;
                }
                queries.fetch_add(1, Ordering::Relaxed);
                let bytes = match answer(&msg, &world, true) {
                    Reply::Message(b) => b,
                    Reply::Late(d, b) => {
                        tokio::time::sleep(d).await;
                        b
                    }
                    Reply::Silence => continue,
                    Reply::CloseTcp => return,
                };
                let Ok(n) = u16::try_from(bytes.len()) else {
                    return;
                };
                if stream.write_all(&n.to_be_bytes()).await.is_err()
                    || stream.write_all(&bytes).await.is_err()
                {
                    return;
                }
            }
        });
    }
}

fn kind_of(t: RecordType) -> Option<RecordKind> {
    Some(match t {
        RecordType::A => RecordKind::A,
        RecordType::AAAA => RecordKind::Aaaa,
        RecordType::TXT => RecordKind::Txt,
        RecordType::MX => RecordKind::Mx,
        RecordType::CNAME => RecordKind::Cname,
        RecordType::NS => RecordKind::Ns,
        RecordType::PTR => RecordKind::Ptr,
        RecordType::CAA => RecordKind::Caa,
        RecordType::DS => RecordKind::Ds,
        RecordType::DNSKEY => RecordKind::Dnskey,
        _ => return None,
    })
}

/// A DNS name from text; labels may hold any octets (RFC 2181 section 11).
fn name(s: &str) -> Option<Name> {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() {
        return Some(Name::root());
    }
    if s.split('.').any(str::is_empty) {
        return None;
    }
    Name::from_labels(s.split('.').map(str::as_bytes)).ok()
}

fn rdata(v: &RecordValue) -> Option<RData> {
    Some(match v {
        RecordValue::A(ip) => RData::A(A(*ip)),
        RecordValue::Aaaa(ip) => RData::AAAA(AAAA(*ip)),
        RecordValue::Txt(parts) => RData::TXT(TXT::new(parts.clone())),
        RecordValue::TxtBytes(parts) => {
            RData::TXT(TXT::from_bytes(parts.iter().map(Vec::as_slice).collect()))
        }
        RecordValue::Mx(p, host) => RData::MX(MX::new(*p, name(&normalise(host))?)),
        RecordValue::Cname(t) => RData::CNAME(CNAME(name(&normalise(t))?)),
        RecordValue::Ns(t) => RData::NS(NS(name(&normalise(t))?)),
        RecordValue::Ptr(t) => RData::PTR(PTR(name(&normalise(t))?)),
        RecordValue::CaaIssue(ca) => {
            let ca_name = if ca.is_empty() {
                None
            } else {
                Some(name(&normalise(ca))?)
            };
            RData::CAA(CAA::new_issue(false, ca_name, Vec::new()))
        }
        RecordValue::Ds(b) => RData::Unknown {
            code: RecordType::DS,
            rdata: NULL::with(b.clone()),
        },
        RecordValue::Dnskey(b) => RData::Unknown {
            code: RecordType::DNSKEY,
            rdata: NULL::with(b.clone()),
        },
    })
}

fn soa_for(qname: &str) -> Option<Record> {
    let labels: Vec<&str> = qname.split('.').collect();
    let zone = if labels.len() >= 2 {
        labels[labels.len() - 2..].join(".")
    } else {
        qname.to_owned()
    };
    let origin = name(&zone)?;
    let soa = SOA::new(
        name(&format!("ns.{zone}"))?,
        name(&format!("hostmaster.{zone}"))?,
        1,
        3600,
        600,
        86400,
        60,
    );
    Some(Record::from_rdata(origin, 60, RData::SOA(soa)))
}

fn answer(bytes: &[u8], world: &RwLock<World>, tcp: bool) -> Reply {
    let Ok(query) = Message::from_vec(bytes) else {
        return Reply::Silence;
    };
    let mut resp = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
    resp.metadata.recursion_desired = query.metadata.recursion_desired;
    resp.metadata.authoritative = true;
    resp.add_queries(query.queries.iter().cloned());
    let Some(q) = query.queries.first() else {
        resp.metadata.response_code = ResponseCode::FormErr;
        return encode(&resp);
    };
    let qname = normalise(&wire_text(q.name()));
    let w = match world.read() {
        Ok(w) => w,
        Err(poisoned) => poisoned.into_inner(),
    };
    let mut delay = None;
    match w.fault_for(&qname) {
        Some(Fault::Silent) => return Reply::Silence,
        Some(Fault::ServFail) => {
            resp.metadata.response_code = ResponseCode::ServFail;
            return encode(&resp);
        }
        Some(Fault::Refused) => {
            resp.metadata.response_code = ResponseCode::Refused;
            return encode(&resp);
        }
        Some(Fault::Truncated) => {
            if tcp {
                return Reply::CloseTcp;
            }
            resp.metadata.truncation = true;
            return encode(&resp);
        }
        Some(Fault::Late(d)) => delay = Some(d),
        None => {}
    }
    let want = kind_of(q.query_type());
    let mut current = qname.clone();
    for _ in 0..8 {
        let records = w.records(&current);
        let owner = name(&current);
        let matching: Vec<&RecordValue> =
            records.iter().filter(|r| Some(r.kind()) == want).collect();
        if !matching.is_empty() {
            for r in matching {
                if let (Some(o), Some(d)) = (owner.clone(), rdata(r)) {
                    resp.add_answer(Record::from_rdata(o, 60, d));
                }
            }
            break;
        }
        let cname = records.iter().find_map(|r| match r {
            RecordValue::Cname(t) => Some(t.clone()),
            _ => None,
        });
        match cname {
            Some(target) if want != Some(RecordKind::Cname) => {
                if let (Some(o), Some(d)) = (owner, rdata(&RecordValue::Cname(target.clone()))) {
                    resp.add_answer(Record::from_rdata(o, 60, d));
                }
                current = normalise(&target);
            }
            _ => {
                // A missing name, or a CNAME chain that ends in one, is
                // NXDOMAIN; an existing name without the type is NODATA.
                if !w.exists(&current) {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                }
                if let Some(soa) = soa_for(&current) {
                    resp.add_authority(soa);
                }
                break;
            }
        }
    }
    drop(w);
    // Over UDP an answer larger than the client accepts (512 octets, or its
    // EDNS payload size) is truncated, so that the client retries over TCP.
    let limit = usize::from(query.max_payload());
    let reply = match encode(&resp) {
        Reply::Message(b) if !tcp && b.len() > limit => encode(&resp.truncate()),
        other => other,
    };
    match (reply, delay) {
        (Reply::Message(b), Some(d)) => Reply::Late(d, b),
        (r, _) => r,
    }
}

fn encode(m: &Message) -> Reply {
    match m.to_vec() {
        Ok(b) => Reply::Message(b),
        Err(_) => Reply::Silence,
    }
}

/// A name as text with its labels' raw octets (lossy for non-UTF-8), the
/// form the world is keyed by.
fn wire_text(n: &Name) -> String {
    n.iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join(".")
}
