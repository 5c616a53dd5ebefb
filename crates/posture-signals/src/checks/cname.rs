//! CNAME: whether a name is an alias, and whether its target resolves.

use super::{Env, lost, seen};
use crate::spf::Lookup;
use posture_core::observe::{Check, CnameFact, Fact, Observation};

/// Observes the alias of `name`.
pub(crate) async fn check(env: &Env, name: &str) -> Observation {
    let targets = match env.dns.cname(name).await {
        Lookup::Failed(r) => return lost(name, Check::Cname, r, "the CNAME look-up failed"),
        Lookup::NxDomain | Lookup::NoData => {
            return seen(
                name,
                Fact::Cname(CnameFact {
                    targets: Vec::new(),
                    resolves: true,
                }),
                "not a CNAME",
            );
        }
        Lookup::Records(t) => t,
    };
    let target = targets.first().cloned().unwrap_or_default();
    let resolves = match env.dns.a(name).await {
        Lookup::NxDomain => false,
        Lookup::Failed(r) => {
            return lost(
                name,
                Check::Cname,
                r,
                format!("resolving the CNAME target {target} failed"),
            );
        }
        Lookup::Records(_) | Lookup::NoData => true,
    };
    let detail = if resolves {
        format!("CNAME {target} resolves")
    } else {
        format!("CNAME {target} ends in NXDOMAIN")
    };
    seen(
        name,
        Fact::Cname(CnameFact {
            targets: targets.clone(),
            resolves,
        }),
        detail,
    )
    .evidence(targets)
}
