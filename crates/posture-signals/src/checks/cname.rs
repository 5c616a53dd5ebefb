//! CNAME: whether a name is an alias, and whether its target resolves.
//!
//! One A question says both: its answer carries the alias chain, and a
//! dangling alias answers NXDOMAIN with its CNAME.

use super::{Env, lost, seen};
use crate::spf::Lookup;
use hickory_proto::rr::RecordType;
use posture_core::observe::{Check, CnameFact, Fact, Observation};

pub(crate) async fn check(env: &Env, name: &str) -> Observation {
    check_apex(env, name, false).await
}

/// [`check`], for a name whose NS records are asked anyway (`ns_asked`,
/// the ns check runs): NS records of the name's own (no alias in the
/// answer) make it a zone apex, which cannot be an alias (RFC 1034 section
/// 3.6.2: a CNAME has no other data beside it), and spare a question.
pub(crate) async fn check_apex(env: &Env, name: &str, ns_asked: bool) -> Observation {
    if ns_asked {
        let ns = env.dns.resolve(name, RecordType::NS).await;
        if matches!(ns.lookup, Lookup::Records(_)) && ns.aliases.is_empty() {
            return not_an_alias(name);
        }
    }
    let answer = env.dns.resolve(name, RecordType::A).await;
    let Some(target) = answer.aliases.first().cloned() else {
        return match answer.lookup {
            Lookup::Failed(r) => lost(name, Check::Cname, r, "the CNAME look-up failed"),
            _ => not_an_alias(name),
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

fn not_an_alias(name: &str) -> Observation {
    seen(
        name,
        Fact::Cname(CnameFact {
            targets: Vec::new(),
            resolves: true,
        }),
        "not a CNAME",
    )
}
