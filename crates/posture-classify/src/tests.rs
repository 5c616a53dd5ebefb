//! Every rule tested from facts alone, without DNS: one fact that raises
//! its issue and one that does not.

use super::*;
use posture_core::observe::*;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn spf(records: usize, eval: SpfEvaluation) -> Fact {
    Fact::Spf(SpfFact {
        records: (0..records).map(|i| format!("v=spf1 -all {i}")).collect(),
        evaluation: eval,
    })
}

fn evaluated(f: impl FnOnce(&mut SpfEvaluated)) -> Fact {
    let mut e = SpfEvaluated {
        result: SpfVerdict::Fail,
        lookups: 1,
        void_lookups: 0,
        limit_exceeded: false,
        reason: "matched -all".into(),
        all: Some(SpfQualifier::Fail),
        uses_ptr: false,
        mechanisms: vec!["-all".into()],
    };
    f(&mut e);
    spf(1, SpfEvaluation::Evaluated(e))
}

fn dmarc(records: usize, inherited: bool, parsed: Option<DmarcParsed>) -> Fact {
    Fact::Dmarc(DmarcFact {
        at: "_dmarc.a.example".into(),
        inherited,
        records: (0..records).map(|_| "v=DMARC1".into()).collect(),
        parsed,
    })
}

fn record(policy: DmarcPolicy, sp: Option<DmarcPolicy>, pct: u8, rua: bool) -> Option<DmarcParsed> {
    Some(DmarcParsed::Valid(DmarcRecordFact {
        policy,
        subdomain_policy: sp,
        pct,
        rua: if rua {
            vec!["mailto:d@a.example".into()]
        } else {
            vec![]
        },
    }))
}

fn mx(null_mx: bool, forms: &[MxForm]) -> Fact {
    Fact::Mx(MxFact {
        null_mx,
        exchanges: forms
            .iter()
            .map(|f| MxExchange {
                preference: 10,
                host: "mx.a.example".into(),
                form: f.clone(),
            })
            .collect(),
    })
}

fn ns(apex: bool, servers: usize, networks: NsNetworks) -> Fact {
    Fact::Ns(NsFact {
        apex,
        servers: (0..servers).map(|i| format!("ns{i}.a.example")).collect(),
        networks,
    })
}

fn ports(port: u16, state: PortState) -> Fact {
    Fact::Ports(PortsFact {
        probes: vec![PortProbe { port, state }],
    })
}

fn policy(records: usize) -> PolicyRecordFact {
    PolicyRecordFact {
        name: "_mta-sts.a.example".into(),
        records: (0..records).map(|_| "v=STSv1; id=1".into()).collect(),
    }
}

/// (issue, a fact that raises it, a fact that does not).
fn cases() -> Vec<(&'static str, Fact, Fact)> {
    use DmarcPolicy::{None as PNone, Quarantine, Reject};
    let mut v = vec![
        (
            "spf_missing",
            spf(0, SpfEvaluation::NotEvaluated),
            evaluated(|_| {}),
        ),
        (
            "spf_multiple_records",
            spf(2, SpfEvaluation::NotEvaluated),
            evaluated(|_| {}),
        ),
        (
            "spf_permerror",
            evaluated(|e| e.result = SpfVerdict::Permerror),
            evaluated(|e| {
                e.result = SpfVerdict::Permerror;
                e.limit_exceeded = true;
            }),
        ),
        (
            "spf_too_many_lookups",
            evaluated(|e| {
                e.result = SpfVerdict::Permerror;
                e.limit_exceeded = true;
            }),
            evaluated(|e| e.result = SpfVerdict::Permerror),
        ),
        (
            "spf_permissive_all",
            evaluated(|e| e.all = Some(SpfQualifier::Pass)),
            evaluated(|_| {}),
        ),
        (
            "spf_softfail_all",
            evaluated(|e| e.all = Some(SpfQualifier::Softfail)),
            evaluated(|_| {}),
        ),
        (
            "spf_ptr_mechanism",
            evaluated(|e| e.uses_ptr = true),
            evaluated(|_| {}),
        ),
        (
            "dmarc_missing",
            dmarc(0, false, None),
            dmarc(1, false, record(Reject, None, 100, true)),
        ),
        (
            "dmarc_invalid",
            dmarc(
                1,
                false,
                Some(DmarcParsed::Invalid(
                    "the record must start with v=DMARC1".into(),
                )),
            ),
            dmarc(1, false, record(Reject, None, 100, true)),
        ),
        (
            "dmarc_policy_none",
            dmarc(1, false, record(PNone, None, 100, true)),
            dmarc(1, false, record(Quarantine, None, 100, true)),
        ),
        (
            "dmarc_partial_pct",
            dmarc(1, false, record(Reject, None, 50, true)),
            dmarc(1, false, record(Reject, None, 100, true)),
        ),
        (
            "dmarc_no_reporting",
            dmarc(1, false, record(Reject, None, 100, false)),
            dmarc(1, false, record(Reject, None, 100, true)),
        ),
        (
            "dmarc_reject_policy",
            dmarc(1, false, record(Reject, None, 100, true)),
            dmarc(1, false, record(Reject, None, 99, true)),
        ),
        (
            "dkim_weak_key",
            Fact::Dkim(DkimFact {
                selectors: vec!["s1".into()],
                keys: vec![DkimKeyFact {
                    selector: "s1".into(),
                    key: DkimKeyKind::Rsa { bits: 512 },
                }],
            }),
            Fact::Dkim(DkimFact {
                selectors: vec!["s1".into()],
                keys: vec![DkimKeyFact {
                    selector: "s1".into(),
                    key: DkimKeyKind::Rsa { bits: 1024 },
                }],
            }),
        ),
        ("mx_missing", mx(false, &[]), mx(true, &[])),
        (
            "mx_cname",
            mx(
                false,
                &[
                    MxForm::Name,
                    MxForm::Cname {
                        targets: vec!["x.example".into()],
                    },
                ],
            ),
            mx(false, &[MxForm::Name]),
        ),
        (
            "mx_ip_literal",
            mx(false, &[MxForm::IpLiteral]),
            mx(false, &[MxForm::Name]),
        ),
        (
            "single_nameserver",
            ns(true, 1, NsNetworks::Resolved(vec!["192.0.2.0/24".into()])),
            ns(
                true,
                2,
                NsNetworks::Resolved(vec!["192.0.2.0/24".into(), "198.51.100.0/24".into()]),
            ),
        ),
        (
            "nameservers_same_network",
            ns(true, 2, NsNetworks::Resolved(vec!["192.0.2.0/24".into()])),
            ns(
                true,
                2,
                NsNetworks::Resolved(vec!["192.0.2.0/24".into(), "198.51.100.0/24".into()]),
            ),
        ),
        (
            "caa_missing",
            Fact::Caa(CaaFact {
                found_at: None,
                records: vec![],
            }),
            Fact::Caa(CaaFact {
                found_at: Some("a.example".into()),
                records: vec!["0 issue \"ca.example\"".into()],
            }),
        ),
        (
            "dnssec_missing",
            Fact::Dnssec(DnssecFact {
                ds: false,
                dnskey: false,
            }),
            Fact::Dnssec(DnssecFact {
                ds: true,
                dnskey: true,
            }),
        ),
        (
            "dnssec_detected",
            Fact::Dnssec(DnssecFact {
                ds: true,
                dnskey: false,
            }),
            Fact::Dnssec(DnssecFact {
                ds: false,
                dnskey: false,
            }),
        ),
        (
            "mta_sts_missing",
            Fact::MtaSts(policy(0)),
            Fact::MtaSts(policy(1)),
        ),
        (
            "tls_rpt_missing",
            Fact::TlsRpt(policy(0)),
            Fact::TlsRpt(policy(1)),
        ),
        (
            "dangling_cname",
            Fact::Cname(CnameFact {
                targets: vec!["gone.example".into()],
                resolves: false,
            }),
            Fact::Cname(CnameFact {
                targets: vec!["there.example".into()],
                resolves: true,
            }),
        ),
        (
            "ip_blocklisted",
            Fact::Dnsbl(DnsblFact {
                zone: "bl.example".into(),
                listed: vec!["127.0.0.2".into()],
                ignored: vec![],
            }),
            Fact::Dnsbl(DnsblFact {
                zone: "bl.example".into(),
                listed: vec![],
                ignored: vec!["192.0.2.1".into()],
            }),
        ),
    ];
    for (port, issue) in PORT_TABLE {
        v.push((
            issue,
            ports(*port, PortState::Open),
            ports(*port, PortState::Closed),
        ));
    }
    v
}

#[test]
fn every_rule_raises_its_issue_from_facts_and_only_then() {
    let rules = Rules::default();
    let t = at("2026-11-01T00:00:00Z");
    let cases = cases();
    for rule in RULES {
        let (_, risky, clean) = cases
            .iter()
            .find(|(i, _, _)| *i == rule.issue)
            .unwrap_or_else(|| panic!("no test case for rule {}", rule.issue));
        let judged = |f: &Fact| {
            rules
                .judge(&Observation::seen("a.example", f.clone(), t))
                .into_iter()
                .find(|(i, _)| *i == rule.issue)
                .map(|(_, v)| v)
        };
        assert_eq!(
            judged(risky),
            Some(Verdict::Detected),
            "{}: risky",
            rule.issue
        );
        assert!(
            matches!(judged(clean), Some(Verdict::Clean | Verdict::Silent)),
            "{}: clean gave {:?}",
            rule.issue,
            judged(clean)
        );
        assert_eq!(risky.check(), rule.check, "{}", rule.issue);
    }
}

#[test]
fn every_rule_names_a_catalog_issue_once() {
    let catalog = Catalog::builtin();
    let mut seen = BTreeSet::new();
    for r in RULES {
        assert!(
            catalog.get(r.issue).is_some(),
            "{} is not in the catalog",
            r.issue
        );
        assert!(seen.insert(r.issue), "two rules for {}", r.issue);
        assert!(!r.when.is_empty());
    }
    for (_, issue) in PORT_TABLE {
        assert!(
            rule_for(issue).is_some_and(|r| r.check == Check::Ports),
            "{issue}"
        );
    }
}

#[test]
fn an_inconclusive_observation_makes_its_checks_rules_inconclusive() {
    let t = at("2026-11-01T00:00:00Z");
    let o = Observation::inconclusive("a.example", Check::Dmarc, Reason::Servfail, "", t);
    let c = classify(
        "o",
        t,
        &["a.example".into()],
        &[o],
        &Catalog::builtin(),
        &Rules::default(),
    )
    .unwrap();
    assert!(c.document.findings.is_empty());
    assert_eq!(c.document.assessed_factors, Some(vec![]));
    let issues: BTreeSet<&str> = c.inconclusive.iter().map(|i| i.issue.as_str()).collect();
    let want: BTreeSet<&str> = rules_of(Check::Dmarc).map(|r| r.issue).collect();
    assert_eq!(issues, want);
    assert!(
        c.inconclusive
            .iter()
            .all(|i| i.reasons == [Reason::Servfail])
    );
}

#[test]
fn facts_that_leave_a_question_open_are_inconclusive_for_it_only() {
    let t = at("2026-11-01T00:00:00Z");
    let seen = vec![
        Observation::seen(
            "a.example",
            spf(
                1,
                SpfEvaluation::Failed {
                    reason: Reason::Timeout,
                    detail: "include timed out".into(),
                },
            ),
            t,
        ),
        Observation::seen(
            "a.example",
            ns(
                true,
                2,
                NsNetworks::Failed {
                    reason: Reason::Refused,
                    server: "ns1.a.example".into(),
                },
            ),
            t,
        ),
        Observation::seen(
            "192.0.2.7",
            ports(
                6379,
                PortState::Unknown {
                    reason: Reason::Timeout,
                },
            ),
            t,
        ),
    ];
    let c = classify(
        "o",
        t,
        &["a.example".into(), "192.0.2.7".into()],
        &seen,
        &Catalog::builtin(),
        &Rules::default(),
    )
    .unwrap();
    assert!(c.document.findings.is_empty());
    let open: Vec<(&str, Vec<Reason>)> = c
        .inconclusive
        .iter()
        .map(|i| (i.issue.as_str(), i.reasons.clone()))
        .collect();
    assert!(open.contains(&("spf_permerror", vec![Reason::Timeout])));
    assert!(open.contains(&("nameservers_same_network", vec![Reason::Refused])));
    assert!(open.contains(&("service_redis", vec![Reason::Timeout])));
    // What the facts did settle is settled: one record, no second one,
    // and two name servers.
    assert!(
        !open
            .iter()
            .any(|(i, _)| *i == "spf_missing" || *i == "single_nameserver")
    );
}

#[test]
fn custom_ports_map_to_exposed_service_issues() {
    let t = at("2026-11-01T00:00:00Z");
    let mut rules = Rules::default();
    rules.ports.map(8081, "service_redis").unwrap();
    let o = Observation::seen("192.0.2.7", ports(8081, PortState::Open), t);
    let c = classify(
        "o",
        t,
        &["192.0.2.7".into()],
        std::slice::from_ref(&o),
        &Catalog::builtin(),
        &rules,
    )
    .unwrap();
    assert_eq!(c.document.findings[0].issue, "service_redis");
    // Without the mapping, port 8081 means nothing.
    let c = classify(
        "o",
        t,
        &["192.0.2.7".into()],
        &[o],
        &Catalog::builtin(),
        &Rules::default(),
    )
    .unwrap();
    assert!(c.document.findings.is_empty() && c.inconclusive.is_empty());
}

#[test]
fn reached_names_join_the_footprint_and_the_order_does_not_matter() {
    let t = at("2026-11-01T00:00:00Z");
    let dangling = Fact::Cname(CnameFact {
        targets: vec!["gone.example".into()],
        resolves: false,
    });
    let mut seen = vec![
        Observation::seen("www.a.example", dangling, t),
        Observation::seen(
            "a.example",
            Fact::Caa(CaaFact {
                found_at: None,
                records: vec![],
            }),
            t,
        ),
        Observation::seen("a.example", mx(false, &[]), t),
    ];
    let a = classify(
        "o",
        t,
        &["a.example".into()],
        &seen,
        &Catalog::builtin(),
        &Rules::default(),
    )
    .unwrap();
    assert!(a.document.assets.contains(&"www.a.example".to_string()));
    seen.reverse();
    let b = classify(
        "o",
        t,
        &["a.example".into()],
        &seen,
        &Catalog::builtin(),
        &Rules::default(),
    )
    .unwrap();
    assert_eq!(a, b);
    a.document.validate(Catalog::builtin()).unwrap();
}

#[test]
fn a_rule_outside_the_catalog_is_an_error() {
    let t = at("2026-11-01T00:00:00Z");
    let small = Catalog::from_json(
        r#"[{"id": "caa_missing", "title": "t", "description": "d", "factor": "dns_health", "severity": "low", "decay_days": 30, "provisional": false, "risk": "r", "remediation": "m", "references": []}]"#,
        "small",
    )
    .unwrap();
    let o = Observation::seen("a.example", mx(false, &[]), t);
    let e = classify(
        "o",
        t,
        &["a.example".into()],
        &[o],
        &small,
        &Rules::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "unknown_issue");
}
