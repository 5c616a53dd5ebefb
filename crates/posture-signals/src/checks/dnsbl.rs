//! DNSBL: an address looked up in blocklist zones (RFC 5782).

use super::{Env, lost, seen};
use crate::spf::Lookup;
use posture_core::observe::{Check, DnsblFact, Fact, Observation};
use std::net::IpAddr;

/// The query name of `ip` in `zone`.
fn query_name(ip: IpAddr, zone: &str) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.{zone}", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(_) => {
            let rev = crate::dns::reverse_name(ip);
            format!("{}.{zone}", rev.trim_end_matches(".ip6.arpa"))
        }
    }
}

/// Observes whether `zone` lists `ip`.
pub(crate) async fn check(env: &Env, ip: IpAddr, zone: &str) -> Observation {
    let asset = ip.to_string();
    let source = format!("dnsbl:{zone}");
    let (listed, ignored): (Vec<String>, Vec<String>) = match env.dns.a(&query_name(ip, zone)).await
    {
        Lookup::Records(a) => {
            let (l, i): (Vec<std::net::Ipv4Addr>, Vec<std::net::Ipv4Addr>) =
                a.into_iter().partition(|x| x.octets()[0] == 127);
            (
                l.iter().map(ToString::to_string).collect(),
                i.iter().map(ToString::to_string).collect(),
            )
        }
        Lookup::NxDomain | Lookup::NoData => (Vec::new(), Vec::new()),
        Lookup::Failed(r) => {
            return lost(&asset, Check::Dnsbl, r, format!("{zone} look-up failed")).from(source);
        }
    };
    let detail = if listed.is_empty() {
        format!("not listed in {zone}")
    } else {
        format!("listed in {zone}")
    };
    seen(
        &asset,
        Fact::Dnsbl(DnsblFact {
            zone: zone.to_owned(),
            listed: listed.clone(),
            ignored,
        }),
        detail,
    )
    .evidence(listed)
    .from(source)
}
