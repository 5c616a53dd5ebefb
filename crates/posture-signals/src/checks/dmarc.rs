//! DMARC: the record at `_dmarc.DOMAIN`, or the organisational domain's.

use super::{Env, lost, seen};
use crate::dmarc::{self, Policy};
use crate::spf::Lookup;
use posture_core::observe::{
    Check, DmarcFact, DmarcParsed, DmarcPolicy, DmarcRecordFact, Fact, Observation,
};

fn policy(p: Policy) -> DmarcPolicy {
    match p {
        Policy::None => DmarcPolicy::None,
        Policy::Quarantine => DmarcPolicy::Quarantine,
        Policy::Reject => DmarcPolicy::Reject,
    }
}

/// TXT records meant as DMARC: those naming `v=DMARC1` anywhere (one that
/// does not start with it is judged invalid rather than absent, since it was
/// clearly meant as a policy).
fn records(l: &Lookup<Vec<String>>) -> Vec<String> {
    match l {
        Lookup::Records(rs) => rs
            .iter()
            .filter(|r| r.to_ascii_lowercase().replace(' ', "").contains("v=dmarc1"))
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

/// Observes DMARC for `domain`.
pub(crate) async fn check(env: &Env, domain: &str) -> Observation {
    let mut at = format!("_dmarc.{domain}");
    let own = env.dns.txt(&at).await;
    if let Lookup::Failed(r) = own {
        return lost(domain, Check::Dmarc, r, "the _dmarc look-up failed");
    }
    let mut found = records(&own);
    let mut inherited = false;
    if found.is_empty() {
        if let Some(org) = dmarc::organizational_domain(domain).filter(|o| o != domain) {
            let parent_at = format!("_dmarc.{org}");
            let parent = env.dns.txt(&parent_at).await;
            if let Lookup::Failed(r) = parent {
                return lost(
                    domain,
                    Check::Dmarc,
                    r,
                    "the organisational _dmarc look-up failed",
                );
            }
            let theirs = records(&parent);
            if !theirs.is_empty() {
                found = theirs;
                inherited = true;
                at = parent_at;
            }
        }
    }
    let parsed = (found.len() == 1).then(|| match dmarc::parse(&found[0]) {
        Ok(r) => DmarcParsed::Valid(DmarcRecordFact {
            policy: policy(r.policy),
            subdomain_policy: r.subdomain_policy.map(policy),
            pct: r.pct,
            rua: r.rua,
        }),
        Err(e) => DmarcParsed::Invalid(e.to_string()),
    });
    let detail = match &parsed {
        None if found.is_empty() => {
            "no DMARC record for the domain or its organisational domain".to_owned()
        }
        None => format!("{} DMARC records at {at}", found.len()),
        Some(DmarcParsed::Valid(r)) => format!("{at}: p={} pct={}", r.policy, r.pct),
        Some(DmarcParsed::Invalid(e)) => format!("{at}: {e}"),
    };
    seen(
        domain,
        Fact::Dmarc(DmarcFact {
            at,
            inherited,
            records: found.clone(),
            parsed,
        }),
        detail,
    )
    .evidence(found)
}
