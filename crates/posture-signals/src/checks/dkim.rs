//! DKIM: the keys at the probed selectors.

use super::{Env, lost, seen};
use crate::dkim::{self, DkimKey};
use crate::spf::Lookup;
use posture_core::observe::{Check, DkimFact, DkimKeyFact, DkimKeyKind, Fact, Observation};

/// Observes the DKIM keys of `domain` at `selectors`.
pub(crate) async fn check(env: &Env, domain: &str, selectors: &[String]) -> Observation {
    let mut keys = Vec::new();
    let names: Vec<String> = selectors
        .iter()
        .map(|sel| format!("{sel}._domainkey.{domain}"))
        .collect();
    let answers = super::join_all(names.iter().map(|n| env.dns.txt(n)).collect()).await;
    for ((sel, name), answer) in selectors.iter().zip(&names).zip(answers) {
        match answer {
            Lookup::Records(rs) => {
                for r in rs {
                    let key = match dkim::parse(&r) {
                        Ok(DkimKey::Rsa(bits)) => DkimKeyKind::Rsa { bits },
                        Ok(DkimKey::Ed25519) => DkimKeyKind::Ed25519,
                        Ok(DkimKey::Revoked) => DkimKeyKind::Revoked,
                        Err(e) => DkimKeyKind::Unreadable {
                            error: e.to_string(),
                        },
                    };
                    keys.push(DkimKeyFact {
                        selector: sel.clone(),
                        key,
                    });
                }
            }
            Lookup::Failed(r) => {
                return lost(domain, Check::Dkim, r, format!("{name} look-up failed"));
            }
            Lookup::NxDomain | Lookup::NoData => {}
        }
    }
    let evidence: Vec<String> = keys
        .iter()
        .map(|k| format!("{}._domainkey.{domain}: {:?}", k.selector, k.key))
        .collect();
    let detail = format!(
        "{} DKIM key(s) at {} probed selector(s)",
        keys.len(),
        selectors.len()
    );
    seen(
        domain,
        Fact::Dkim(DkimFact {
            selectors: selectors.to_vec(),
            keys,
        }),
        detail,
    )
    .evidence(evidence)
}
