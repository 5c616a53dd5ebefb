//! Properties of classification over random observations: what broken or
//! hostile DNS can and cannot do to a score.
//!
//! - An inconclusive observation never changes the findings (nor what is
//!   assessed): a failure is never evidence.
//! - Checks are independent: removing one check's observations removes
//!   exactly the findings of that check's rules and touches nothing else,
//!   so a check that fails can hide only what it alone would have found
//!   (before, one failing check dropped every signal of its domain).
//! - Removing a check's observations that detected nothing never raises
//!   the score (losing clean evidence is no gain).
//! - Classification does not depend on the order of observations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_classify::{Rules, classify, rules_of};
use posture_core::observe::*;
use posture_core::{Catalog, Timestamp};
use posture_score::{PostureV1, ScoringModel};
use proptest::prelude::*;
use std::collections::BTreeSet;

const ASSETS: &[&str] = &["a.example", "www.a.example", "b.example", "192.0.2.7"];

fn at() -> Timestamp {
    "2026-11-01T00:00:00Z".parse().unwrap()
}

fn reason() -> impl Strategy<Value = Reason> {
    prop::sample::select(Reason::ALL.to_vec())
}

fn fact() -> impl Strategy<Value = Fact> {
    let q = prop::option::of(prop::sample::select(SpfQualifier::ALL.to_vec()));
    let spf = (
        0usize..3,
        0u8..3,
        prop::sample::select(SpfVerdict::ALL.to_vec()),
        any::<bool>(),
        q,
        any::<bool>(),
        reason(),
    )
        .prop_map(|(n, mode, result, limit, all, ptr, r)| {
            let evaluation = match (n, mode) {
                (1, 0) => SpfEvaluation::Failed {
                    reason: r,
                    detail: String::new(),
                },
                (1, _) => SpfEvaluation::Evaluated(SpfEvaluated {
                    result,
                    lookups: 3,
                    void_lookups: 0,
                    limit_exceeded: limit,
                    reason: String::new(),
                    all,
                    uses_ptr: ptr,
                    mechanisms: vec![],
                }),
                _ => SpfEvaluation::NotEvaluated,
            };
            Fact::Spf(SpfFact {
                records: vec!["v=spf1".into(); n],
                evaluation,
            })
        });
    let pol = prop::sample::select(DmarcPolicy::ALL.to_vec());
    let dmarc = (
        0usize..3,
        any::<bool>(),
        any::<bool>(),
        pol.clone(),
        prop::option::of(pol),
        0u8..=100,
        any::<bool>(),
    )
        .prop_map(|(n, inherited, valid, p, sp, pct, rua)| {
            let parsed = (n == 1).then(|| {
                if valid {
                    DmarcParsed::Valid(DmarcRecordFact {
                        policy: p,
                        subdomain_policy: sp,
                        pct,
                        rua: if rua {
                            vec!["mailto:x@a.example".into()]
                        } else {
                            vec![]
                        },
                    })
                } else {
                    DmarcParsed::Invalid("bad".into())
                }
            });
            Fact::Dmarc(DmarcFact {
                at: "_dmarc.a.example".into(),
                inherited,
                records: vec!["v=DMARC1".into(); n],
                parsed,
            })
        });
    let dkim = prop::collection::vec(256u32..4096, 0..3).prop_map(|bits| {
        Fact::Dkim(DkimFact {
            selectors: vec!["s1".into()],
            keys: bits
                .into_iter()
                .map(|b| DkimKeyFact {
                    selector: "s1".into(),
                    key: DkimKeyKind::Rsa { bits: b },
                })
                .collect(),
        })
    });
    let form = prop_oneof![
        Just(MxForm::Name),
        Just(MxForm::IpLiteral),
        Just(MxForm::Cname {
            targets: vec!["x.example".into()]
        })
    ];
    let mx = (any::<bool>(), prop::collection::vec(form, 0..3)).prop_map(|(null_mx, forms)| {
        Fact::Mx(MxFact {
            null_mx,
            exchanges: forms
                .into_iter()
                .map(|form| MxExchange {
                    preference: 10,
                    host: "mx.a.example".into(),
                    form,
                })
                .collect(),
        })
    });
    let ns = (any::<bool>(), 0usize..4, 0usize..3, reason()).prop_map(|(apex, n, nets, r)| {
        let networks = match nets {
            0 => NsNetworks::Failed {
                reason: r,
                server: "ns.a.example".into(),
            },
            1 => NsNetworks::NoneResolved,
            _ => NsNetworks::Resolved((0..n.max(1)).map(|i| format!("192.0.{i}.0/24")).collect()),
        };
        Fact::Ns(NsFact {
            apex,
            servers: (0..n).map(|i| format!("ns{i}.a.example")).collect(),
            networks,
        })
    });
    let state = prop_oneof![
        Just(PortState::Open),
        Just(PortState::Closed),
        reason().prop_map(|reason| PortState::Unknown { reason })
    ];
    let ports = prop::collection::vec(
        (prop::sample::select(vec![22u16, 6379, 3389, 8081]), state),
        0..4,
    )
    .prop_map(|p| {
        Fact::Ports(PortsFact {
            probes: p
                .into_iter()
                .map(|(port, state)| PortProbe { port, state })
                .collect(),
        })
    });
    prop_oneof![
        spf,
        dmarc,
        dkim,
        mx,
        ns,
        any::<bool>().prop_map(|f| Fact::Caa(CaaFact {
            found_at: f.then(|| "a.example".into()),
            records: vec![]
        })),
        (any::<bool>(), any::<bool>())
            .prop_map(|(ds, dnskey)| Fact::Dnssec(DnssecFact { ds, dnskey })),
        any::<bool>().prop_map(|f| Fact::MtaSts(PolicyRecordFact {
            name: "_mta-sts.a.example".into(),
            records: if f { vec!["v=STSv1".into()] } else { vec![] }
        })),
        any::<bool>().prop_map(|f| Fact::TlsRpt(PolicyRecordFact {
            name: "_smtp._tls.a.example".into(),
            records: if f { vec!["v=TLSRPTv1".into()] } else { vec![] }
        })),
        (any::<bool>(), any::<bool>()).prop_map(|(alias, resolves)| Fact::Cname(CnameFact {
            targets: if alias {
                vec!["t.example".into()]
            } else {
                vec![]
            },
            resolves
        })),
        ports,
        any::<bool>().prop_map(|l| Fact::Dnsbl(DnsblFact {
            zone: "bl.example".into(),
            listed: if l { vec!["127.0.0.2".into()] } else { vec![] },
            ignored: vec![]
        })),
    ]
}

fn observation() -> impl Strategy<Value = Observation> {
    let asset = prop::sample::select(ASSETS.to_vec());
    prop_oneof![
        4 => (asset.clone(), fact()).prop_map(|(a, f)| Observation::seen(a, f, at())),
        1 => (asset, prop::sample::select(Check::ALL.to_vec()), reason())
            .prop_map(|(a, c, r)| Observation::inconclusive(a, c, r, "", at())),
    ]
}

fn inconclusive() -> impl Strategy<Value = Observation> {
    (
        prop::sample::select(ASSETS.to_vec()),
        prop::sample::select(Check::ALL.to_vec()),
        reason(),
    )
        .prop_map(|(a, c, r)| Observation::inconclusive(a, c, r, "", at()))
}

struct Judged {
    findings: BTreeSet<(String, String)>,
    assessed: Vec<posture_core::Factor>,
    score: Option<rust_decimal::Decimal>,
}

fn judge(obs: &[Observation]) -> Judged {
    let mut rules = Rules::default();
    rules.ports.map(8081, "service_redis").unwrap();
    let assets: Vec<String> = vec![
        "a.example".into(),
        "b.example".into(),
        "192.0.2.0/24".into(),
    ];
    let c = classify("o", at(), &assets, obs, &Catalog::builtin(), &rules).unwrap();
    let card = PostureV1::default().score(&c.document.validate(Catalog::builtin()).unwrap());
    Judged {
        findings: c
            .document
            .findings
            .iter()
            .map(|f| (f.asset.clone(), f.issue.clone()))
            .collect(),
        assessed: c.document.assessed_factors.unwrap_or_default(),
        score: card.score,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_inconclusive_observation_never_changes_the_findings(
        obs in prop::collection::vec(observation(), 0..24),
        extra in inconclusive(),
        at_index in any::<prop::sample::Index>(),
    ) {
        let before = judge(&obs);
        let mut more = obs.clone();
        more.insert(at_index.index(obs.len() + 1), extra);
        let after = judge(&more);
        prop_assert_eq!(&before.findings, &after.findings);
        prop_assert_eq!(&before.assessed, &after.assessed);
        prop_assert_eq!(before.score, after.score);
    }

    #[test]
    fn removing_a_check_removes_exactly_its_own_findings(
        obs in prop::collection::vec(observation(), 0..24),
        check in prop::sample::select(Check::ALL.to_vec()),
    ) {
        let all = judge(&obs);
        let rest: Vec<Observation> = obs.iter().filter(|o| o.check() != check).cloned().collect();
        let without = judge(&rest);
        let its: BTreeSet<&str> = rules_of(check).map(|r| r.issue).collect();
        let expected: BTreeSet<(String, String)> = all
            .findings
            .iter()
            .filter(|(_, i)| !its.contains(i.as_str()))
            .cloned()
            .collect();
        prop_assert_eq!(&without.findings, &expected);
        // Nothing becomes assessed by losing evidence.
        prop_assert!(without.assessed.iter().all(|f| all.assessed.contains(f)));
        // If the check detected nothing, losing it is no gain.
        if all.findings == expected {
            match (all.score, without.score) {
                (Some(a), Some(b)) => prop_assert!(b <= a, "{} > {}", b, a),
                (None, Some(_)) => prop_assert!(false, "losing evidence made a score appear"),
                _ => {}
            }
        }
    }

    #[test]
    fn the_order_of_observations_does_not_matter(
        obs in prop::collection::vec(observation(), 0..24),
        seed in any::<u64>(),
    ) {
        let mut shuffled = obs.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let (a, b) = (judge(&obs), judge(&shuffled));
        prop_assert_eq!(a.findings, b.findings);
        prop_assert_eq!(a.assessed, b.assessed);
        prop_assert_eq!(a.score, b.score);
    }
}
