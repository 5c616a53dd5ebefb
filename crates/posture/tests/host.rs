//! The host API against a DNS server and a service on loopback: scan to a
//! findings document and to a portfolio entry, and answer rescans.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture::core::Outcome;
use posture::host::{HostError, Scanner, blocking, parse_ports};
use posture::plan_workflow::{Command, Effect, Org};
use posture_sandbox::{DnsSandbox, RecordValue, World};

fn world() -> World {
    let mut w = World::new();
    w.txt("pay.example", "v=spf1 -all")
        .add(
            "pay.example",
            RecordValue::Mx(10, "mail.pay.example".into()),
        )
        .add(
            "mail.pay.example",
            RecordValue::A("192.0.2.25".parse().unwrap()),
        )
        .add(
            "www.pay.example",
            RecordValue::Cname("gone.cloud.example".into()),
        );
    w
}

fn vendor() -> Org {
    Org {
        name: "Pay".into(),
        domains: vec!["pay.example".into()],
        assets: vec!["127.0.0.1".into()],
        ..Org::default()
    }
}

fn rescan(issue: &str, asset: &str) -> Effect {
    Effect::Rescan {
        requester: "acme".into(),
        plan: "p1".into(),
        item: "i1".into(),
        vendor: "pay".into(),
        issue: issue.into(),
        asset: asset.into(),
    }
}

#[test]
fn scan_entity_and_rescans() {
    let rt = blocking::runtime().unwrap();
    let server = rt.block_on(DnsSandbox::start(world())).unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let (ports, rules) = parse_ports(&format!("{port}=service_redis")).unwrap();
    let mut s = Scanner::default().with_ports(ports, rules);
    s.config.policy.nameserver = Some(server.addr());
    s.config.policy.connect_within = Some(vec!["127.0.0.0/8".parse().unwrap()]);
    s.config.dkim_selectors = Vec::new();

    // A scan: facts, classified, scored.
    let targets = vec!["pay.example".to_string(), "127.0.0.1".to_string()];
    let out = rt.block_on(s.scan(&targets, "Pay")).unwrap();
    let issues: Vec<&str> = out
        .classification
        .document
        .findings
        .iter()
        .map(|f| f.issue.as_str())
        .collect();
    for want in ["dmarc_missing", "dangling_cname", "service_redis"] {
        assert!(issues.contains(&want), "{want} in {issues:?}");
    }
    assert!(out.scorecard.score.is_some());

    // The same as a portfolio entry: the www. name is an asset of it.
    let e = rt.block_on(s.entity("pay.example", &targets)).unwrap();
    assert_eq!(e.domain, "pay.example");
    assert!(
        e.assets.contains(&"www.pay.example".to_string()),
        "{:?}",
        e.assets
    );
    assert!(e.findings.iter().any(|f| f.issue == "dangling_cname"));

    // Rescans: only the check behind the issue, the command to record it.
    let a = rt
        .block_on(s.rescan(&rescan("service_redis", "127.0.0.1"), &vendor()))
        .unwrap();
    assert_eq!(a.outcome, Outcome::Detected);
    assert!(
        a.observations
            .iter()
            .all(|o| o.check() == posture::core::observe::Check::Ports)
    );
    assert_eq!(
        a.command,
        Command::record_rescan("acme/p1", "i1", Outcome::Detected)
    );
    let a = rt
        .block_on(s.rescan(&rescan("spf_missing", "pay.example"), &vendor()))
        .unwrap();
    assert_eq!(a.outcome, Outcome::Clean);
    let a = rt
        .block_on(s.rescan(&rescan("dangling_cname", "www.pay.example"), &vendor()))
        .unwrap();
    assert_eq!(a.outcome, Outcome::Detected);
    // An issue no check observes stays pending.
    let a = rt
        .block_on(s.rescan(&rescan("leaked_credentials", "pay.example"), &vendor()))
        .unwrap();
    assert_eq!(a.outcome, Outcome::Inconclusive);
    assert!(a.observations.is_empty());
    // Outside the footprint: refused, nothing sent.
    for asset in ["victim.example", "198.51.100.7", "127.0.0.0/24"] {
        let e = rt
            .block_on(s.rescan(&rescan("service_redis", asset), &vendor()))
            .unwrap_err();
        assert!(matches!(e, HostError::OutsideFootprint(_)), "{asset}: {e}");
    }
    let email = Effect::Email {
        template: "reminder".into(),
        to: "x@pay.example".into(),
        requester: "acme".into(),
        plan: None,
    };
    assert_eq!(
        rt.block_on(s.rescan(&email, &vendor())).unwrap_err().code(),
        "not_a_rescan"
    );
    drop(listener);
}

/// `Fixed` → rescan for web and TLS issues: the rescan reruns the check
/// that raised the finding, on that host, and sees the fix.
#[test]
fn rescans_verify_web_and_certificate_fixes() {
    use posture_sandbox::{CertSpec, Page, Site, TestCa, WebServer, same_port};
    let rt = blocking::runtime().unwrap();
    let ca = TestCa::new("Host Test Root").unwrap();
    let ip: std::net::IpAddr = "127.0.4.1".parse().unwrap();
    let (secure, plain) = rt.block_on(async {
        let s = same_port(&[ip]).await.unwrap();
        let p = same_port(&[ip]).await.unwrap();
        (s, p)
    });
    let https = secure[0].local_addr().unwrap().port();
    let http = plain[0].local_addr().unwrap().port();
    let page = Site::new().route("/", Page::ok("<h1>pay</h1>"));
    let expired = ca
        .issue(&CertSpec::new(&["pay.example"]).expired())
        .unwrap();
    let (web, site) = rt.block_on(async {
        let mut s = secure.into_iter();
        let mut p = plain.into_iter();
        (
            WebServer::serve(s.next().unwrap(), page.clone(), Some(&expired)).unwrap(),
            WebServer::serve(p.next().unwrap(), page.clone(), None).unwrap(),
        )
    });
    let mut w = World::new();
    w.add("pay.example", RecordValue::A("127.0.4.1".parse().unwrap()));
    let server = rt.block_on(DnsSandbox::start(w)).unwrap();
    let mut s = Scanner::default();
    s.config.policy.nameserver = Some(server.addr());
    s.config.policy.connect_within = Some(vec!["127.0.0.0/8".parse().unwrap()]);
    s.config.https_port = https;
    s.config.http_port = http;
    s.config.smtp_port = 1;
    s.config.extra_roots = vec![ca.der().to_vec()];
    s.config.platform_roots = false;
    let check = |issue: &str| {
        rt.block_on(s.rescan(&rescan(issue, "pay.example"), &vendor()))
            .unwrap()
            .outcome
    };
    assert_eq!(check("tls_certificate_expired"), Outcome::Detected);
    assert_eq!(check("http_no_redirect"), Outcome::Detected);
    // The vendor renews the certificate and redirects HTTP.
    let renewed = ca.issue(&CertSpec::new(&["pay.example"])).unwrap();
    web.set(page, Some(&renewed)).unwrap();
    site.set_site(Site::new().fallback(Page::redirect(301, "https://pay.example/")));
    assert_eq!(check("tls_certificate_expired"), Outcome::Clean);
    assert_eq!(check("http_no_redirect"), Outcome::Clean);
    // The server taken down: nothing listens, the issue is gone.
    rt.block_on(web.close());
    assert_eq!(check("hsts_missing"), Outcome::Clean);
}
