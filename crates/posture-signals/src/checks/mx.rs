//! MX: the mail exchangers, and what each exchange name is.

use super::{Env, lost, seen};
use crate::spf::Lookup;
use posture_core::observe::{Check, Fact, MxExchange, MxFact, MxForm, Observation};
use std::net::IpAddr;

/// Observes the MX records of `domain`.
pub(crate) async fn check(env: &Env, domain: &str) -> Observation {
    let answer = env
        .dns
        .resolve(domain, hickory_proto::rr::RecordType::MX)
        .await;
    let mx = match answer.lookup.clone().map_records(|r| match r {
        hickory_proto::rr::RData::MX(m) => Some((m.preference, crate::dns::name_text(&m.exchange))),
        _ => None,
    }) {
        Lookup::Failed(r) => return lost(domain, Check::Mx, r, "the MX look-up failed"),
        Lookup::NxDomain | Lookup::NoData => {
            return seen(
                domain,
                Fact::Mx(MxFact {
                    null_mx: false,
                    exchanges: Vec::new(),
                }),
                "no MX record",
            );
        }
        Lookup::Records(mx) => mx,
    };
    let evidence: Vec<String> = mx.iter().map(|(p, h)| format!("MX {p} {h}")).collect();
    if mx.len() == 1 && mx.first().is_some_and(|(_, h)| h.is_empty() || h == ".") {
        return seen(
            domain,
            Fact::Mx(MxFact {
                null_mx: true,
                exchanges: Vec::new(),
            }),
            "null MX: the domain accepts no mail (RFC 7505)",
        )
        .evidence(evidence);
    }
    let mut exchanges = Vec::with_capacity(mx.len());
    for (preference, host) in mx {
        let form = if host.parse::<IpAddr>().is_ok() {
            MxForm::IpLiteral
        } else if crate::dns::in_bailiwick(&host, domain) && !answer.glue_for(&host).is_empty() {
            // The domain's own servers gave the exchange's addresses: a
            // name with an address record cannot be an alias (RFC 1034
            // section 3.6.2), so no question is needed.
            MxForm::Name
        } else {
            // The exchange's addresses, asked as the SPF `mx` mechanism and
            // mail delivery ask them: the answer shows an alias too.
            let answer = env
                .dns
                .resolve(&host, hickory_proto::rr::RecordType::A)
                .await;
            match (answer.aliases.first(), &answer.lookup) {
                (Some(target), _) => MxForm::Cname {
                    targets: vec![target.clone()],
                },
                (None, Lookup::Failed(r)) => {
                    return lost(domain, Check::Mx, *r, format!("checking MX {host} failed"));
                }
                (None, _) => MxForm::Name,
            }
        };
        exchanges.push(MxExchange {
            preference,
            host,
            form,
        });
    }
    let detail = format!("{} MX record(s)", exchanges.len());
    seen(
        domain,
        Fact::Mx(MxFact {
            null_mx: false,
            exchanges,
        }),
        detail,
    )
    .evidence(evidence)
}
