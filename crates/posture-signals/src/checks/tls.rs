//! TLS: one modern handshake per address and port (rustls, TLS 1.2/1.3),
//! raw ClientHellos for SSL 3.0, TLS 1.0 and TLS 1.1, and the chain the
//! server sent, described and verified apart from the handshake.

use super::{Env, lost, seen};
use crate::net::legacy::{self, Answer};
use crate::net::{self, Conn, Dial, Lost, tls};
use posture_core::observe::{
    CertTrust, Check, Fact, LegacyProbe, LegacyState, Observation, Reason, TlsFact, TlsHandshake,
    TlsVersion, TlsVia,
};
use std::net::{IpAddr, SocketAddr};

/// The legacy versions probed, oldest first.
const LEGACY: [TlsVersion; 3] = [TlsVersion::Ssl3, TlsVersion::Tls10, TlsVersion::Tls11];

/// Opens a connection ready for a ClientHello: a plain dial, or a dial and
/// the SMTP STARTTLS dialogue. `Ok(None)` when nothing listens.
async fn open(env: &Env, addr: SocketAddr, via: TlsVia) -> Result<Option<Conn>, Lost> {
    let mut conn = match net::dial(env, addr).await {
        Dial::Open(c) => c,
        Dial::Refused => return Ok(None),
        Dial::Lost(l) => return Err(l),
    };
    if via == TlsVia::Starttls {
        let local = conn
            .stream
            .local_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        net::smtp::starttls(env, &mut conn.stream, local, conn.until).await?;
    }
    Ok(Some(conn))
}

/// One raw probe on a fresh connection.
async fn raw(
    env: &Env,
    addr: SocketAddr,
    via: TlsVia,
    version: TlsVersion,
    host: Option<&str>,
) -> Result<Answer, Lost> {
    match open(env, addr, via).await? {
        Some(mut c) => legacy::probe(env, &mut c.stream, version, host, c.until).await,
        // It listened a moment ago: a server that now refuses says nothing.
        None => Err(Lost::new(
            Reason::Error,
            format!("{addr} refused the {version} probe after accepting the handshake"),
        )),
    }
}

/// Observes TLS on `ip:port` (`host` is the name asked for, sent as SNI).
/// The observation is on `asset` (the host, the address, or for STARTTLS
/// the domain whose mail exchanger this is).
pub(crate) async fn check(
    env: &Env,
    asset: &str,
    host: Option<&str>,
    ip: IpAddr,
    port: u16,
    via: TlsVia,
) -> Observation {
    let addr = SocketAddr::new(ip, port);
    let mut fact = TlsFact {
        host: host.map(str::to_owned),
        address: ip.to_string(),
        port,
        via,
        handshake: TlsHandshake::NoService,
        chain: Vec::new(),
        trust: CertTrust::Unknown,
        name_matches: None,
        legacy: Vec::new(),
    };
    let conn = match open(env, addr, via).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return seen(asset, Fact::Tls(fact), format!("nothing listens on {addr}")).from("tls");
        }
        Err(l) => return lost(asset, Check::Tls, l.reason, l.detail),
    };
    let name = tls::server_name(host, ip);
    let hs = tls::handshake(env, conn.stream, name.clone(), &[], conn.until).await;
    let mut der = hs.chain;
    let mut evidence = Vec::new();
    fact.handshake = match &hs.session {
        Ok(s) => {
            let (version, cipher) = tls::negotiated(s);
            evidence.push(format!("{version} with {cipher}"));
            TlsHandshake::Negotiated { version, cipher }
        }
        Err(l) if der.is_empty() && l.reason != Reason::Error => {
            // A timeout or the deadline before any certificate: nothing is
            // known about this server's TLS.
            return lost(asset, Check::Tls, l.reason, l.detail.clone());
        }
        Err(l) => {
            evidence.push(format!("TLS 1.2/1.3 handshake failed: {}", l.detail));
            TlsHandshake::Failed {
                error: l.detail.clone(),
            }
        }
    };
    drop(hs.session);
    if der.is_empty() {
        // No chain from the modern handshake: TLS 1.2 sends it in the
        // clear, whatever suites the server insists on.
        if let Ok(Answer::Accepted { chain }) = raw(env, addr, via, TlsVersion::Tls12, host).await {
            der = chain;
        }
    }
    for version in LEGACY {
        let state = match raw(env, addr, via, version, host).await {
            Ok(Answer::Accepted { chain }) => {
                evidence.push(format!("accepts a {version} ClientHello"));
                if der.is_empty() {
                    der = chain;
                }
                LegacyState::Accepted
            }
            Ok(Answer::Refused) => LegacyState::Refused,
            Err(l) => LegacyState::Unknown { reason: l.reason },
        };
        fact.legacy.push(LegacyProbe { version, state });
    }
    fact.chain = der.iter().filter_map(|d| tls::describe(d)).collect();
    fact.trust = env.web.trust.judge(&der, fact.chain.first());
    // A bare address has no name clients ask for: whether the certificate
    // names the address says nothing about a mismatch (almost no site's
    // does), so the question is not asked of address targets.
    fact.name_matches = host.and_then(|_| tls::name_matches(&der, &name));
    if let Some(leaf) = fact.chain.first() {
        evidence.push(format!(
            "certificate {} issued by {}, valid {} to {}, {} {} bits, {}",
            posture_core::echo(&leaf.subject),
            posture_core::echo(&leaf.issuer),
            leaf.not_before.0.format("%Y-%m-%d"),
            leaf.not_after.0.format("%Y-%m-%d"),
            leaf.key.algorithm,
            leaf.key.bits,
            leaf.signature
        ));
    }
    if let CertTrust::Untrusted { reason } = &fact.trust {
        evidence.push(format!("chain does not verify: {reason}"));
    }
    if fact.name_matches == Some(false) {
        evidence.push(format!(
            "certificate is not valid for {}",
            host.map_or_else(|| ip.to_string(), |h| posture_core::echo(h).to_string())
        ));
    }
    let detail = format!(
        "TLS on {addr}{}: {} certificate(s), {}",
        host.map(|h| format!(" ({})", posture_core::echo(h)))
            .unwrap_or_default(),
        fact.chain.len(),
        match &fact.handshake {
            TlsHandshake::Negotiated { version, .. } => format!("negotiated {version}"),
            TlsHandshake::Failed { .. } => "modern handshake failed".to_owned(),
            TlsHandshake::NoService => "no service".to_owned(),
        }
    );
    seen(asset, Fact::Tls(fact), detail)
        .evidence(evidence)
        .from(match via {
            TlsVia::Direct => "tls",
            TlsVia::Starttls => "smtp-starttls",
        })
}

/// Observes TLS on a host name's HTTPS port (its first address).
pub(crate) async fn host(env: &Env, host: &str) -> Observation {
    match net::resolve(env, host).await {
        Ok(Some(ip)) => {
            check(
                env,
                host,
                Some(host),
                ip,
                env.web.ports.https,
                TlsVia::Direct,
            )
            .await
        }
        Ok(None) => seen(
            host,
            Fact::Tls(TlsFact {
                host: Some(host.to_owned()),
                address: String::new(),
                port: env.web.ports.https,
                via: TlsVia::Direct,
                handshake: TlsHandshake::NoService,
                chain: Vec::new(),
                trust: CertTrust::Unknown,
                name_matches: None,
                legacy: Vec::new(),
            }),
            "the name has no address: no TLS service",
        )
        .from("tls"),
        Err(l) => lost(host, Check::Tls, l.reason, l.detail),
    }
}
