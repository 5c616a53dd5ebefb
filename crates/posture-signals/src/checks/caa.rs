//! CAA: the closest CAA record set (RFC 8659), climbing to the
//! organisational domain.

use super::{Env, lost, seen};
use crate::spf::Lookup;
use posture_core::observe::{CaaFact, Check, Fact, Observation};

/// Observes the CAA records that apply to `domain`.
pub(crate) async fn check(env: &Env, domain: &str) -> Observation {
    let stop = crate::dmarc::organizational_domain(domain).unwrap_or_else(|| domain.to_owned());
    let mut name = domain.to_owned();
    loop {
        match env
            .dns
            .query(&name, hickory_proto::rr::RecordType::CAA)
            .await
        {
            Lookup::Records(r) => {
                let records: Vec<String> = r.iter().map(ToString::to_string).collect();
                let detail = format!("{} CAA record(s) at {name}", records.len());
                return seen(
                    domain,
                    Fact::Caa(CaaFact {
                        found_at: Some(name),
                        records: records.clone(),
                    }),
                    detail,
                )
                .evidence(records);
            }
            Lookup::Failed(r) => return lost(domain, Check::Caa, r, "the CAA look-up failed"),
            Lookup::NxDomain | Lookup::NoData => {}
        }
        let parent = name.split_once('.').map(|(_, p)| p.to_owned());
        match parent {
            Some(p) if name != stop => name = p,
            _ => {
                return seen(
                    domain,
                    Fact::Caa(CaaFact {
                        found_at: None,
                        records: Vec::new(),
                    }),
                    "no CAA record",
                );
            }
        }
    }
}
