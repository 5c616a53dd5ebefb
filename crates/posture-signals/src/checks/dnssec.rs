//! DNSSEC: DS and DNSKEY presence.

use super::{Env, lost, seen};
use crate::spf::Lookup;
use hickory_proto::rr::RecordType;
use posture_core::observe::{Check, DnssecFact, Fact, Observation};

/// Observes DNSSEC signing of `domain`.
pub(crate) async fn check(env: &Env, domain: &str) -> Observation {
    let (ds, key) = tokio::join!(
        env.dns.query(domain, RecordType::DS),
        env.dns.query(domain, RecordType::DNSKEY)
    );
    for l in [&ds, &key] {
        if let Lookup::Failed(r) = l {
            return lost(domain, Check::Dnssec, *r, "the DS/DNSKEY look-up failed");
        }
    }
    let fact = DnssecFact {
        ds: matches!(ds, Lookup::Records(_)),
        dnskey: matches!(key, Lookup::Records(_)),
    };
    let word = |b: bool| if b { "present" } else { "absent" };
    seen(
        domain,
        Fact::Dnssec(fact),
        format!("DS {}, DNSKEY {}", word(fact.ds), word(fact.dnskey)),
    )
}
