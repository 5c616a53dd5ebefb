//! SPF: the `v=spf1` records of a domain and their RFC 7208 evaluation.

use super::{Env, lost, seen};
use crate::spf::{self, Lookup, Qualifier, SpfRequest, SpfResult};
use posture_core::observe::{
    Check, Fact, Observation, Reason, SpfEvaluated, SpfEvaluation, SpfFact, SpfQualifier,
    SpfVerdict,
};
use std::net::IpAddr;

fn qualifier(q: Qualifier) -> SpfQualifier {
    match q {
        Qualifier::Pass => SpfQualifier::Pass,
        Qualifier::Fail => SpfQualifier::Fail,
        Qualifier::Softfail => SpfQualifier::Softfail,
        Qualifier::Neutral => SpfQualifier::Neutral,
    }
}

/// Observes SPF on `domain`, given the TXT answer the scan already has.
pub(crate) async fn check(env: &Env, domain: &str, txt: &Lookup<Vec<String>>) -> Observation {
    let records: Vec<String> = match txt {
        Lookup::Failed(r) => return lost(domain, Check::Spf, *r, "the TXT look-up failed"),
        Lookup::Records(rs) => rs.iter().filter(|r| spf::is_spf1(r)).cloned().collect(),
        Lookup::NxDomain | Lookup::NoData => Vec::new(),
    };
    let evaluation = if records.len() == 1 {
        evaluate(env, domain, &records[0]).await
    } else {
        SpfEvaluation::NotEvaluated
    };
    let detail = match &evaluation {
        SpfEvaluation::NotEvaluated => format!("{} v=spf1 record(s)", records.len()),
        SpfEvaluation::Evaluated(e) => format!(
            "one record: {} ({} lookups, {} void)",
            e.result, e.lookups, e.void_lookups
        ),
        SpfEvaluation::Failed { detail, .. } => detail.clone(),
    };
    seen(
        domain,
        Fact::Spf(SpfFact {
            records: records.clone(),
            evaluation,
        }),
        detail,
    )
    .evidence(records)
}

async fn evaluate(env: &Env, domain: &str, record: &str) -> SpfEvaluation {
    let req = SpfRequest {
        ip: IpAddr::from([192, 0, 2, 1]),
        sender: "",
        helo: domain,
        receiver: "posture.scan",
    };
    let outcome = spf::check_host(&env.dns, &req, domain).await;
    let result = match outcome.result {
        SpfResult::Temperror => {
            return SpfEvaluation::Failed {
                reason: outcome.failure.unwrap_or(Reason::Error),
                detail: format!("SPF evaluation hit a DNS failure: {}", outcome.reason),
            };
        }
        SpfResult::None => SpfVerdict::None,
        SpfResult::Neutral => SpfVerdict::Neutral,
        SpfResult::Pass => SpfVerdict::Pass,
        SpfResult::Fail => SpfVerdict::Fail,
        SpfResult::Softfail => SpfVerdict::Softfail,
        SpfResult::Permerror => SpfVerdict::Permerror,
    };
    let parsed = spf::parse_record(record).ok();
    SpfEvaluation::Evaluated(SpfEvaluated {
        result,
        lookups: outcome.lookups,
        void_lookups: outcome.void_lookups,
        limit_exceeded: outcome.limit_exceeded,
        reason: outcome.reason,
        all: parsed
            .as_ref()
            .and_then(|r| r.all_qualifier())
            .map(qualifier),
        uses_ptr: parsed.as_ref().is_some_and(|r| r.uses_ptr()),
        mechanisms: parsed
            .as_ref()
            .map(|r| {
                r.mechanisms()
                    .map(|(q, m)| format!("{}{m}", q.as_char()))
                    .collect()
            })
            .unwrap_or_default(),
    })
}
