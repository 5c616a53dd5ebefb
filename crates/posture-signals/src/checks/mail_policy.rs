//! Mail transport policies: MTA-STS (`_mta-sts`, RFC 8461) and TLS-RPT
//! (`_smtp._tls`, RFC 8460).

use super::{Env, lost, seen};
use crate::spf::Lookup;
use posture_core::observe::{Check, Fact, Observation, PolicyRecordFact};

async fn policy(env: &Env, domain: &str, check: Check, label: &str, prefix: &str) -> Observation {
    let name = format!("{label}.{domain}");
    let records: Vec<String> = match env.dns.txt(&name).await {
        Lookup::Failed(r) => return lost(domain, check, r, format!("the {name} look-up failed")),
        Lookup::Records(rs) => rs
            .into_iter()
            .filter(|r| r.trim_start().starts_with(prefix))
            .collect(),
        Lookup::NxDomain | Lookup::NoData => Vec::new(),
    };
    let detail = format!("{} {prefix} record(s) at {name}", records.len());
    let fact = PolicyRecordFact {
        name,
        records: records.clone(),
    };
    let fact = match check {
        Check::TlsRpt => Fact::TlsRpt(fact),
        _ => Fact::MtaSts(fact),
    };
    seen(domain, fact, detail).evidence(records)
}

/// Observes the MTA-STS record of `domain`.
pub(crate) async fn mta_sts(env: &Env, domain: &str) -> Observation {
    policy(env, domain, Check::MtaSts, "_mta-sts", "v=STSv1").await
}

/// Observes the TLS-RPT record of `domain`.
pub(crate) async fn tls_rpt(env: &Env, domain: &str) -> Observation {
    policy(env, domain, Check::TlsRpt, "_smtp._tls", "v=TLSRPTv1").await
}
