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
fn cert(f: impl FnOnce(&mut CertFact)) -> CertFact {
    let mut c = CertFact {
        subject: "CN=a.example".into(),
        issuer: "CN=Test CA".into(),
        not_before: at("2026-01-01T00:00:00Z"),
        not_after: at("2027-01-01T00:00:00Z"),
        key: KeyFact {
            algorithm: "rsa".into(),
            bits: 2048,
        },
        signature: "sha256WithRSAEncryption".into(),
        sha1: false,
        self_issued: false,
        names: vec!["a.example".into()],
    };
    f(&mut c);
    c
}

fn tls(f: impl FnOnce(&mut TlsFact)) -> Fact {
    let mut t = TlsFact {
        host: Some("a.example".into()),
        address: "192.0.2.1".into(),
        port: 443,
        via: TlsVia::Direct,
        handshake: TlsHandshake::Negotiated {
            version: TlsVersion::Tls13,
            cipher: "TLS13_AES_128_GCM_SHA256".into(),
        },
        chain: vec![cert(|_| {})],
        trust: CertTrust::Trusted,
        name_matches: Some(true),
        legacy: [TlsVersion::Ssl3, TlsVersion::Tls10, TlsVersion::Tls11]
            .into_iter()
            .map(|version| LegacyProbe {
                version,
                state: LegacyState::Refused,
            })
            .collect(),
    };
    f(&mut t);
    Fact::Tls(t)
}

fn leaf(f: impl FnOnce(&mut CertFact)) -> Fact {
    tls(|t| t.chain = vec![cert(f)])
}

/// The headers of a well-kept page.
const GOOD: &[(&str, &str)] = &[
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
    (
        "content-security-policy",
        "default-src 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("server", "nginx"),
];

fn answer(
    url: &str,
    status: u16,
    location: Option<&str>,
    page: Option<&[(&str, &str)]>,
) -> HttpProbe {
    HttpProbe::Answered(HttpAnswer {
        hops: vec![HttpHop {
            url: url.into(),
            status,
            location: location.map(str::to_owned),
            cookies: vec![],
        }],
        page: page.map(|h| {
            h.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        }),
    })
}

/// A site that redirects HTTP to HTTPS and serves `headers` there.
fn site(headers: &[(&str, &str)]) -> Fact {
    Fact::Http(HttpFact {
        host: "a.example".into(),
        http: answer("http://a.example/", 301, Some("https://a.example/"), None),
        https: answer("https://a.example/", 200, None, Some(headers)),
    })
}

/// The good headers with one replaced or removed.
fn but(name: &str, value: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    let mut h: Vec<(&str, &str)> = GOOD.iter().copied().filter(|(n, _)| *n != name).collect();
    if let Some(v) = value {
        let n: &'static str = GOOD
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("x-unknown", |(n, _)| n);
        h.push((n, v));
    }
    h
}

fn cookie(c: &str) -> Fact {
    let mut h = site(GOOD);
    if let Fact::Http(f) = &mut h {
        if let HttpProbe::Answered(a) = &mut f.https {
            a.hops[0].cookies = vec![c.into()];
        }
    }
    h
}

fn served(files: &[(&str, u16, &str)]) -> Fact {
    Fact::WebFiles(WebFilesFact {
        origin: Some("https://a.example".into()),
        files: files
            .iter()
            .map(|(path, status, head)| WebFile {
                path: (*path).into(),
                fetch: WebFetch::Answered {
                    status: *status,
                    content_type: Some("text/plain".into()),
                    head: (*head).into(),
                },
            })
            .collect(),
    })
}

/// A catch-all site: every path answers 200 with the app page.
fn catch_all() -> Fact {
    let app = "<!doctype html><html><body><div id=app></div></body></html>";
    served(&[
        ("/", 200, app),
        ("/.git/HEAD", 200, app),
        ("/.git/config", 200, app),
        ("/.env", 200, app),
        (
            "/.well-known/security.txt",
            200,
            "Contact: mailto:security@a.example\n",
        ),
    ])
}

fn smtp(listening: bool, starttls: bool) -> Fact {
    Fact::Smtp(SmtpFact {
        mx: "mx.a.example".into(),
        port: 25,
        listening,
        banner: "mx.a.example ESMTP".into(),
        starttls,
    })
}

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
        (
            "tls_weak_protocol",
            tls(|t| t.legacy[1].state = LegacyState::Accepted),
            tls(|_| {}),
        ),
        (
            "tls_certificate_expired",
            leaf(|c| c.not_after = at("2026-10-31T23:59:59Z")),
            leaf(|c| c.not_after = at("2026-11-01T00:00:01Z")),
        ),
        (
            "tls_certificate_not_yet_valid",
            leaf(|c| c.not_before = at("2026-11-01T00:00:01Z")),
            tls(|_| {}),
        ),
        (
            "tls_certificate_expiring_soon",
            leaf(|c| c.not_after = at("2026-11-14T23:00:00Z")),
            leaf(|c| c.not_after = at("2026-11-15T00:00:01Z")),
        ),
        (
            "tls_self_signed_certificate",
            tls(|t| {
                t.chain = vec![cert(|c| {
                    c.self_issued = true;
                    c.issuer = c.subject.clone();
                })];
                t.trust = CertTrust::Untrusted {
                    reason: "unknown issuer".into(),
                };
            }),
            tls(|_| {}),
        ),
        (
            "tls_untrusted_certificate",
            tls(|t| {
                t.trust = CertTrust::Untrusted {
                    reason: "unknown issuer".into(),
                }
            }),
            tls(|_| {}),
        ),
        (
            "tls_hostname_mismatch",
            tls(|t| t.name_matches = Some(false)),
            tls(|_| {}),
        ),
        (
            "tls_weak_key",
            leaf(|c| c.key.bits = 1024),
            leaf(|c| {
                c.key = KeyFact {
                    algorithm: "ec".into(),
                    bits: 256,
                }
            }),
        ),
        (
            "tls_sha1_signature",
            leaf(|c| {
                c.signature = "sha1WithRSAEncryption".into();
                c.sha1 = true;
            }),
            // A root's own SHA-1 self-signature is not judged.
            tls(|t| {
                t.chain.push(cert(|c| {
                    c.self_issued = true;
                    c.sha1 = true;
                }))
            }),
        ),
        (
            "http_no_redirect",
            Fact::Http(HttpFact {
                host: "a.example".into(),
                http: answer("http://a.example/", 200, None, Some(GOOD)),
                https: answer("https://a.example/", 200, None, Some(GOOD)),
            }),
            site(GOOD),
        ),
        (
            "https_missing",
            Fact::Http(HttpFact {
                host: "a.example".into(),
                http: answer("http://a.example/", 200, None, Some(GOOD)),
                https: HttpProbe::NoService,
            }),
            site(GOOD),
        ),
        (
            "hsts_missing",
            site(&but("strict-transport-security", None)),
            site(GOOD),
        ),
        (
            "hsts_short_max_age",
            site(&but("strict-transport-security", Some("max-age=86400"))),
            site(&but("strict-transport-security", Some("max-age=15552000"))),
        ),
        (
            "csp_missing",
            site(&[
                ("strict-transport-security", "max-age=31536000"),
                ("x-frame-options", "DENY"),
                ("x-content-type-options", "nosniff"),
            ]),
            site(GOOD),
        ),
        (
            "x_frame_options_missing",
            site(&but("content-security-policy", Some("default-src 'self'"))),
            site(&[
                ("content-security-policy", "default-src 'self'"),
                ("x-frame-options", "SAMEORIGIN"),
            ]),
        ),
        (
            "x_content_type_options_missing",
            site(&but("x-content-type-options", Some("sniff-away"))),
            site(GOOD),
        ),
        (
            "insecure_cookie",
            cookie("sid=1; Secure; Path=/"),
            cookie("sid=1; Path=/; Secure; HttpOnly; SameSite=Lax"),
        ),
        (
            "server_version_disclosed",
            site(&but("server", Some("Apache/2.4.41 (Ubuntu)"))),
            site(GOOD),
        ),
        (
            "exposed_git_directory",
            served(&[("/.git/HEAD", 200, "ref: refs/heads/main\n")]),
            catch_all(),
        ),
        (
            "exposed_env_file",
            served(&[("/.env", 200, "APP_KEY=base64:abc\nDB_PASSWORD=hunter2\n")]),
            catch_all(),
        ),
        (
            "directory_listing",
            served(&[(
                "/",
                200,
                "<html><head><title>Index of /</title></head><body><h1>Index of /</h1>",
            )]),
            catch_all(),
        ),
        (
            "security_txt_missing",
            served(&[("/.well-known/security.txt", 404, "not found")]),
            catch_all(),
        ),
        ("smtp_starttls_missing", smtp(true, false), smtp(true, true)),
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

/// A catch-all site, a well-kept one and hosts where nothing listens raise
/// nothing; where nothing listens every web rule is clean (so a rescan
/// after a server is taken down verifies), and a handshake that failed
/// before any certificate leaves the certificate rules open.
#[test]
fn clean_and_down_hosts_raise_nothing_and_failures_stay_open() {
    let rules = Rules::default();
    let t = at("2026-11-01T00:00:00Z");
    let judged = |f: Fact| rules.judge(&Observation::seen("a.example", f, t));
    let down = [
        tls(|x| {
            x.handshake = TlsHandshake::NoService;
            x.chain.clear();
            x.trust = CertTrust::Unknown;
            x.name_matches = None;
            x.legacy.clear();
        }),
        Fact::Http(HttpFact {
            host: "a.example".into(),
            http: HttpProbe::NoService,
            https: HttpProbe::NoService,
        }),
        Fact::WebFiles(WebFilesFact {
            origin: None,
            files: vec![],
        }),
        smtp(false, false),
    ];
    for f in down {
        let check = f.check();
        let verdicts = judged(f);
        assert_eq!(verdicts.len(), rules_of(check).count());
        for (issue, v) in verdicts {
            assert_eq!(
                v,
                Verdict::Clean,
                "{issue} on a host with nothing listening"
            );
        }
    }
    let mut well_kept = catch_all();
    if let Fact::WebFiles(w) = &mut well_kept {
        w.files[0].fetch = WebFetch::Answered {
            status: 200,
            content_type: Some("text/html".into()),
            head: "<!doctype html><title>Welcome</title>".into(),
        };
    }
    for f in [
        catch_all(),
        well_kept,
        site(GOOD),
        cookie("sid=1; Secure; HttpOnly"),
        tls(|_| {}),
        smtp(true, true),
    ] {
        for (issue, v) in judged(f) {
            assert_ne!(v, Verdict::Detected, "{issue} on a well-kept host");
        }
    }
    let failed = tls(|x| {
        x.handshake = TlsHandshake::Failed {
            error: "received fatal alert: HandshakeFailure".into(),
        };
        x.chain.clear();
        x.trust = CertTrust::Unknown;
        x.name_matches = None;
    });
    for (issue, v) in judged(failed) {
        if issue == "tls_weak_protocol" {
            assert_eq!(v, Verdict::Clean);
        } else {
            assert_eq!(v, Verdict::Inconclusive(Reason::Error), "{issue}");
        }
    }
    // A file that got no answer is open, not missing.
    let mut timed_out = catch_all();
    if let Fact::WebFiles(w) = &mut timed_out {
        w.files[4].fetch = WebFetch::Failed {
            reason: Reason::Timeout,
        };
    }
    let v: BTreeMap<&str, Verdict> = judged(timed_out).into_iter().collect();
    assert_eq!(
        v.get("security_txt_missing"),
        Some(&Verdict::Inconclusive(Reason::Timeout))
    );
    assert_eq!(v.get("exposed_env_file"), Some(&Verdict::Clean));
}
