//! NS: a zone apex's name servers and their /24 networks.

use super::{Env, lost, seen};
use crate::spf::Lookup;
use posture_core::observe::{Check, Fact, NsFact, NsNetworks, Observation};
use std::collections::BTreeSet;

/// Observes the name servers of `domain`.
pub(crate) async fn check(env: &Env, domain: &str) -> Observation {
    let servers = match env.dns.ns(domain).await {
        Lookup::Failed(r) => return lost(domain, Check::Ns, r, "the NS look-up failed"),
        // Not a zone apex (or no delegation seen): nothing to judge.
        Lookup::NxDomain | Lookup::NoData => {
            return seen(
                domain,
                Fact::Ns(NsFact {
                    apex: false,
                    servers: Vec::new(),
                    networks: NsNetworks::Resolved(Vec::new()),
                }),
                "not a zone apex: no NS records",
            );
        }
        Lookup::Records(ns) => ns,
    };
    let evidence: Vec<String> = servers.iter().map(|n| format!("NS {n}")).collect();
    let mut nets = BTreeSet::new();
    let mut failed = None;
    for n in &servers {
        match env.dns.a(n).await {
            Lookup::Records(ips) => {
                for ip in ips {
                    let o = ip.octets();
                    nets.insert(format!("{}.{}.{}.0/24", o[0], o[1], o[2]));
                }
            }
            Lookup::Failed(reason) => {
                failed = Some(NsNetworks::Failed {
                    reason,
                    server: n.clone(),
                });
                break;
            }
            Lookup::NxDomain | Lookup::NoData => {}
        }
    }
    let networks = failed.unwrap_or_else(|| {
        if nets.is_empty() {
            NsNetworks::NoneResolved
        } else {
            NsNetworks::Resolved(nets.into_iter().collect())
        }
    });
    let detail = format!("{} name server(s)", servers.len());
    seen(
        domain,
        Fact::Ns(NsFact {
            apex: true,
            servers,
            networks,
        }),
        detail,
    )
    .evidence(evidence)
}
