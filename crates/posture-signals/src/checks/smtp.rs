//! SMTP on each mail exchanger of a domain: the greeting and whether EHLO
//! offers STARTTLS (RFC 3207); where it does, the TLS check runs after
//! STARTTLS on the same exchanger.

use super::{Env, lost, seen};
use crate::net::{self, Dial, smtp};
use crate::spf::Lookup;
use posture_core::observe::{Check, Fact, Observation, Reason, SmtpFact, TlsVia};
use std::net::{IpAddr, SocketAddr};

/// The most exchangers checked per domain (lowest preference first).
const MAX_EXCHANGERS: usize = 10;

/// Observes SMTP on every exchanger of `domain`: one `smtp` observation
/// each, plus a `tls` one (on the domain, naming the exchanger) where
/// STARTTLS is offered. None for a domain without MX (the MX check says so).
pub(crate) async fn check(env: &Env, domain: &str) -> Vec<Observation> {
    let mut mx = match env.dns.mx(domain).await {
        Lookup::Failed(r) => return vec![lost(domain, Check::Smtp, r, "the MX look-up failed")],
        Lookup::NxDomain | Lookup::NoData => return Vec::new(),
        Lookup::Records(mx) => mx,
    };
    mx.sort();
    let mut hosts: Vec<String> = Vec::new();
    for (_, h) in mx {
        let h = h.trim_end_matches('.').to_ascii_lowercase();
        if !h.is_empty() && !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    let mut out = Vec::new();
    for host in hosts.into_iter().take(MAX_EXCHANGERS) {
        out.extend(exchanger(env, domain, &host).await);
    }
    out
}

async fn exchanger(env: &Env, domain: &str, mx: &str) -> Vec<Observation> {
    let port = env.web.smtp_port;
    let ip = match net::resolve(env, mx).await {
        Ok(Some(ip)) => ip,
        Ok(None) => {
            return vec![lost(
                domain,
                Check::Smtp,
                Reason::Nxdomain,
                format!("MX {} has no address", posture_core::echo(mx)),
            )];
        }
        Err(l) => return vec![lost(domain, Check::Smtp, l.reason, l.detail)],
    };
    let addr = SocketAddr::new(ip, port);
    let fact = |listening: bool, banner: String, starttls: bool| SmtpFact {
        mx: mx.to_owned(),
        port,
        listening,
        banner,
        starttls,
    };
    let mut conn = match net::dial(env, addr).await {
        Dial::Open(c) => c,
        Dial::Refused => {
            return vec![
                seen(
                    domain,
                    Fact::Smtp(fact(false, String::new(), false)),
                    format!("nothing listens on {addr} (MX {})", posture_core::echo(mx)),
                )
                .from("smtp"),
            ];
        }
        Dial::Lost(l) => return vec![lost(domain, Check::Smtp, l.reason, l.detail)],
    };
    let local = conn
        .stream
        .local_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let until = conn.until;
    let session = smtp::hello(env, &mut conn.stream, local, until).await;
    let session = match session {
        Ok(s) => {
            smtp::quit(env, &mut conn.stream, until).await;
            s
        }
        Err(l) => return vec![lost(domain, Check::Smtp, l.reason, l.detail)],
    };
    drop(conn);
    let evidence = vec![
        format!(
            "MX {} at {addr}: {}",
            posture_core::echo(mx),
            posture_core::echo(&session.banner)
        ),
        format!(
            "EHLO {} STARTTLS",
            if session.starttls {
                "offers"
            } else {
                "does not offer"
            }
        ),
    ];
    let starttls = session.starttls;
    let mut out = vec![
        seen(
            domain,
            Fact::Smtp(fact(true, session.banner, starttls)),
            format!("SMTP on MX {}", posture_core::echo(mx)),
        )
        .evidence(evidence)
        .from("smtp"),
    ];
    if starttls && env.web.smtp_tls {
        out.push(super::tls::check(env, domain, Some(mx), ip, port, TlsVia::Starttls).await);
    }
    out
}
