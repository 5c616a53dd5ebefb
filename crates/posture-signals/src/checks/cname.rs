//! CNAME: whether a name is an alias, and whether its target resolves.
//!
//! One A question says both: its answer carries the alias chain, and a
//! dangling alias answers NXDOMAIN with its CNAME.

use super::{Env, lost, seen};
use crate::spf::Lookup;
use hickory_proto::rr::RecordType;
use posture_core::observe::{Check, CnameFact, Fact, Observation};

pub(crate) async fn check(env: &Env, name: &str) -> Observation {
    let answer = env.dns.resolve(name, RecordType::A).await;
    let Some(target) = answer.aliases.first().cloned() else {
        return match answer.lookup {
            Lookup::Failed(r) => lost(name, Check::Cname, r, "the CNAME look-up failed"),
            _ => seen(
                name,
                Fact::Cname(CnameFact {
                    targets: Vec::new(),
                    resolves: true,
                }),
                "not a CNAME",
            ),
        };
    };
    let resolves = match answer.lookup {
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
    let targets = vec![target];
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
