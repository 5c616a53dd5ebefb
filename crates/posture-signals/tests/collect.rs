//! The collectors against a real authoritative DNS server on loopback
//! (posture-sandbox): every check in its risky and its clean case, every
//! failure inconclusive, the deadline kept. Nothing leaves loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_classify::{Rules, outcome_for};
use posture_core::Outcome;
use posture_core::observe::{Check, Observation, Reason};
use posture_sandbox::{DnsSandbox, Fault, RecordValue, World};
use posture_signals::{ScanConfig, ScanReport, scan};
use std::time::{Duration, Instant};

const RSA512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMMwiTuKRYKpYvBcoNa6ovGI0F1pYryIxQgQgQhU2daf25OQDq3B34UNNNaMjgYWEh3XsGESnT72+eNM28wynyUCAwEAAQ==";
const RSA1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDERuBfJzhohalvSx1bWjMFQzMwWsyEby0AQYbpBKrR4nbtmSEmVdz9uChV1uLyasESr8QhZ3EUyHieK/4CP/yt/doMGApPho5JE3gGFP2QPcpdlQethqMIE8goE+vfwgyP8Zy4cf3zRci8+53wpz6DTNRXWM+xluo5smJiyd2ewQIDAQAB";

fn a(ip: &str) -> RecordValue {
    RecordValue::A(ip.parse().unwrap())
}

fn world() -> World {
    let mut w = World::new();
    // A well-kept domain.
    w.txt("good.example", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt(
            "_dmarc.good.example",
            "v=DMARC1; p=reject; rua=mailto:dmarc@good.example",
        )
        .add(
            "good.example",
            RecordValue::Mx(10, "mail.good.example".into()),
        )
        .add("mail.good.example", a("192.0.2.25"))
        .add("good.example", RecordValue::Ns("ns1.good.example".into()))
        .add("good.example", RecordValue::Ns("ns2.other.example".into()))
        .add("ns1.good.example", a("192.0.2.53"))
        .add("ns2.other.example", a("198.51.100.53"))
        .add(
            "good.example",
            RecordValue::CaaIssue("letsencrypt.org".into()),
        )
        .add(
            "good.example",
            RecordValue::Ds(vec![0x12, 0x34, 13, 2, 0xAB]),
        )
        .add("good.example", RecordValue::Dnskey(vec![1, 1, 3, 13, 0xCD]))
        .txt("_mta-sts.good.example", "v=STSv1; id=20261101")
        .txt(
            "_smtp._tls.good.example",
            "v=TLSRPTv1; rua=mailto:tls@good.example",
        )
        .txt(
            "selector1._domainkey.good.example",
            &format!("v=DKIM1; k=rsa; p={RSA1024}"),
        )
        .add("www.good.example", a("192.0.2.80"));
    // A neglected one.
    w.txt("bad.example", "v=spf1 ptr +all")
        .txt("_dmarc.bad.example", "v=DMARC1; p=none; pct=50")
        .add("bad.example", RecordValue::Mx(10, "192.0.2.9".into()))
        .add("bad.example", RecordValue::Ns("ns1.bad.example".into()))
        .add("ns1.bad.example", a("192.0.2.53"))
        .txt(
            "selector1._domainkey.bad.example",
            &format!("v=DKIM1; k=rsa; p={RSA512}"),
        )
        .add(
            "www.bad.example",
            RecordValue::Cname("gone.cloud.example".into()),
        );
    // One issue each.
    w.txt("multi.example", "v=spf1 -all")
        .txt("multi.example", "v=spf1 mx -all");
    w.txt("perm.example", "v=spf1 foo:bar -all");
    w.txt("soft.example", "v=spf1 a ~all")
        .add("soft.example", a("192.0.2.7"));
    w.txt("loop.example", "v=spf1 include:l1.loop.example -all");
    for i in 1..=11 {
        w.txt(
            &format!("l{i}.loop.example"),
            &format!("v=spf1 include:l{}.loop.example -all", i + 1),
        );
    }
    w.txt("l12.loop.example", "v=spf1 -all");
    w.txt(
        "_dmarc.org.example",
        "v=DMARC1; p=reject; sp=none; rua=mailto:d@org.example",
    )
    .txt("sub.org.example", "v=spf1 -all");
    w.txt("inv.example", "v=spf1 -all")
        .txt("_dmarc.inv.example", "p=reject; v=DMARC1");
    w.txt("samenet.example", "v=spf1 -all")
        .add(
            "samenet.example",
            RecordValue::Ns("ns1.samenet.example".into()),
        )
        .add(
            "samenet.example",
            RecordValue::Ns("ns2.samenet.example".into()),
        )
        .add("ns1.samenet.example", a("203.0.113.1"))
        .add("ns2.samenet.example", a("203.0.113.2"));
    w.txt("nullmx.example", "v=spf1 -all")
        .add("nullmx.example", RecordValue::Mx(0, ".".into()));
    w.txt("cnamemx.example", "v=spf1 -all")
        .add(
            "cnamemx.example",
            RecordValue::Mx(10, "mx.cnamemx.example".into()),
        )
        .add(
            "mx.cnamemx.example",
            RecordValue::Cname("mail.good.example".into()),
        );
    // DNSBL zone: 127.0.0.1 listed.
    w.add("1.0.0.127.bl.example", a("127.0.0.2"));
    // Faults.
    w.fault("silent.example", Fault::Silent)
        .fault("servfail.example", Fault::ServFail)
        .fault("refused.example", Fault::Refused)
        .fault("trunc.example", Fault::Truncated);
    w
}

fn config(server: std::net::SocketAddr) -> ScanConfig {
    let mut c = ScanConfig::default();
    c.policy.nameserver = Some(server);
    // Nothing leaves loopback: the worlds' documentation addresses are
    // never connected to.
    c.policy.connect_within = Some(vec!["127.0.0.0/8".parse().unwrap()]);
    c.policy.timeout = Duration::from_millis(800);
    c.policy.deadline = Duration::from_secs(20);
    c.ports = Vec::new();
    c.dkim_selectors = vec!["selector1".into()];
    c
}

async fn run(targets: &[&str], c: &ScanConfig) -> ScanReport {
    let t: Vec<String> = targets.iter().map(|s| (*s).to_owned()).collect();
    scan(&t, c).await.unwrap()
}

/// The observations of `check` on `asset`.
fn observed<'a>(r: &'a ScanReport, asset: &str, check: Check) -> Vec<&'a Observation> {
    r.observations
        .iter()
        .filter(|o| o.asset == asset && o.check() == check)
        .collect()
}

/// What the default rules conclude about `issue` on `asset` (the scan's
/// facts judged by classification, the way a host sees them).
fn expect_with(rules: &Rules, r: &ScanReport, asset: &str, issue: &str, want: Outcome) {
    let rule = posture_classify::rule_for(issue).unwrap_or_else(|| panic!("no rule {issue}"));
    let seen = observed(r, asset, rule.check);
    assert!(!seen.is_empty(), "no {} observation of {asset}", rule.check);
    let got = outcome_for(rules, issue, asset, &r.observations);
    assert_eq!(
        got,
        want,
        "{asset} {issue}: {:?}",
        seen.iter()
            .map(|o| (&o.result, &o.detail))
            .collect::<Vec<_>>()
    );
}

fn expect(r: &ScanReport, asset: &str, issue: &str, want: Outcome) {
    expect_with(&Rules::default(), r, asset, issue, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dns_check_in_its_clean_and_risky_case() {
    let server = DnsSandbox::start(world()).await.unwrap();
    let c = config(server.addr());
    let r = run(&["good.example", "bad.example"], &c).await;
    use Outcome::{Clean, Detected};
    for check in [
        "spf_missing",
        "spf_multiple_records",
        "spf_permerror",
        "spf_too_many_lookups",
        "spf_permissive_all",
        "spf_softfail_all",
        "spf_ptr_mechanism",
        "dmarc_missing",
        "dmarc_invalid",
        "dmarc_policy_none",
        "dmarc_partial_pct",
        "dmarc_no_reporting",
        "dkim_weak_key",
        "mx_missing",
        "mx_cname",
        "mx_ip_literal",
        "single_nameserver",
        "nameservers_same_network",
        "caa_missing",
        "dnssec_missing",
        "mta_sts_missing",
        "tls_rpt_missing",
    ] {
        expect(&r, "good.example", check, Clean);
    }
    expect(&r, "good.example", "dnssec_detected", Detected);
    expect(&r, "good.example", "dmarc_reject_policy", Detected);
    expect(&r, "good.example", "dangling_cname", Clean);
    expect(&r, "www.good.example", "dangling_cname", Clean);
    for check in [
        "spf_permissive_all",
        "spf_ptr_mechanism",
        "dmarc_policy_none",
        "dmarc_partial_pct",
        "dmarc_no_reporting",
        "dkim_weak_key",
        "mx_ip_literal",
        "single_nameserver",
        "caa_missing",
        "dnssec_missing",
        "mta_sts_missing",
        "tls_rpt_missing",
    ] {
        expect(&r, "bad.example", check, Detected);
    }
    // An IP-literal MX is its own issue, not "no MX".
    expect(&r, "bad.example", "mx_missing", Clean);
    expect(&r, "bad.example", "mx_cname", Clean);
    expect(&r, "bad.example", "spf_missing", Clean);
    expect(&r, "bad.example", "dnssec_detected", Clean);
    expect(&r, "www.bad.example", "dangling_cname", Detected);
    assert!(r.assets.contains(&"www.bad.example".to_string()));
    assert!(r.assets.contains(&"www.good.example".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_issue_domains() {
    let server = DnsSandbox::start(world()).await.unwrap();
    let c = config(server.addr());
    let r = run(
        &[
            "multi.example",
            "perm.example",
            "soft.example",
            "loop.example",
            "sub.org.example",
            "inv.example",
            "samenet.example",
            "nullmx.example",
            "cnamemx.example",
            "nothing.example",
        ],
        &c,
    )
    .await;
    use Outcome::{Clean, Detected, Inconclusive};
    expect(&r, "multi.example", "spf_multiple_records", Detected);
    expect(&r, "perm.example", "spf_permerror", Detected);
    expect(&r, "perm.example", "spf_too_many_lookups", Clean);
    expect(&r, "soft.example", "spf_softfail_all", Detected);
    expect(&r, "soft.example", "spf_permissive_all", Clean);
    expect(&r, "loop.example", "spf_too_many_lookups", Detected);
    expect(&r, "loop.example", "spf_permerror", Clean);
    // Covered by the organisational domain's record, with its sp=none.
    expect(&r, "sub.org.example", "dmarc_missing", Clean);
    expect(&r, "sub.org.example", "dmarc_policy_none", Detected);
    expect(&r, "inv.example", "dmarc_invalid", Detected);
    expect(&r, "samenet.example", "nameservers_same_network", Detected);
    expect(&r, "samenet.example", "single_nameserver", Clean);
    expect(&r, "nullmx.example", "mx_missing", Clean);
    expect(&r, "cnamemx.example", "mx_cname", Detected);
    expect(&r, "cnamemx.example", "mx_missing", Clean);
    // A name that does not exist is not judged.
    expect(&r, "nothing.example", "spf_missing", Inconclusive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dns_failure_is_inconclusive_never_a_finding() {
    let server = DnsSandbox::start(world()).await.unwrap();
    let mut c = config(server.addr());
    c.policy.timeout = Duration::from_millis(300);
    let r = run(
        &[
            "silent.example",
            "servfail.example",
            "refused.example",
            "trunc.example",
        ],
        &c,
    )
    .await;
    for domain in [
        "silent.example",
        "servfail.example",
        "refused.example",
        "trunc.example",
    ] {
        let seen: Vec<&Observation> = r
            .observations
            .iter()
            .filter(|o| o.asset == domain)
            .collect();
        assert!(!seen.is_empty(), "{domain}");
        let c = posture_classify::classify(
            domain,
            "2026-11-01T00:00:00Z".parse().unwrap(),
            &[domain.to_owned()],
            &r.observations,
            &posture_core::Catalog::builtin(),
            &Rules::default(),
        )
        .unwrap();
        assert!(
            c.document.findings.is_empty(),
            "{domain}: {:?}",
            c.document.findings
        );
        expect(&r, domain, "spf_missing", Outcome::Inconclusive);
        expect(&r, domain, "dmarc_missing", Outcome::Inconclusive);
    }
    let reason = |d: &str| observed(&r, d, Check::Spf)[0].reason().unwrap();
    assert_eq!(reason("silent.example"), Reason::Timeout);
    assert_eq!(reason("servfail.example"), Reason::Servfail);
    assert_eq!(reason("refused.example"), Reason::Refused);
    assert_eq!(reason("trunc.example"), Reason::Truncated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_ends_the_scan() {
    let server = DnsSandbox::start(world()).await.unwrap();
    let mut c = config(server.addr());
    c.policy.timeout = Duration::from_secs(30);
    c.policy.deadline = Duration::from_secs(2);
    let targets: Vec<String> = (0..50).map(|i| format!("d{i}.silent.example")).collect();
    let t0 = Instant::now();
    let r = scan(&targets, &c).await.unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t0.elapsed()
    );
    assert!(r.observations.iter().all(|o| o.fact().is_none()));
    assert!(
        r.observations
            .iter()
            .any(|o| o.reason() == Some(Reason::Deadline))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_probes_and_dnsbl_on_loopback_only() {
    let server = DnsSandbox::start(world()).await.unwrap();
    let open = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open_port = open.local_addr().unwrap().port();
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = config(server.addr());
    c.ports = vec![open_port, closed_port];
    c.dnsbl_zones = vec!["bl.example".into()];
    let r = run(&["127.0.0.1"], &c).await;
    // What the ports mean is a rule parameter, not the collector's.
    let mut rules = Rules::default();
    rules.ports.map(open_port, "service_redis").unwrap();
    rules.ports.map(closed_port, "service_mongodb").unwrap();
    expect_with(&rules, &r, "127.0.0.1", "service_redis", Outcome::Detected);
    expect_with(&rules, &r, "127.0.0.1", "service_mongodb", Outcome::Clean);
    expect(&r, "127.0.0.1", "ip_blocklisted", Outcome::Detected);
    drop(open);
}

#[tokio::test]
async fn cidr_caps_are_errors_not_truncated_scans() {
    let mut c = ScanConfig::default();
    c.policy.nameserver = Some("127.0.0.1:9".parse().unwrap());
    c.policy.max_addresses = 256;
    let err = scan(&["10.0.0.0/16".to_string()], &c).await.unwrap_err();
    assert_eq!(err.code(), "too_many_addresses");
    assert!(err.to_string().contains("65536"), "{err}");
    assert_eq!(
        scan(&["not a target".to_string()], &c)
            .await
            .unwrap_err()
            .code(),
        "bad_target"
    );
}

/// A world of `n` domains that all include one shared SPF record and
/// inherit one organisational DMARC record.
fn shared_world(n: usize) -> World {
    let mut w = World::new();
    w.txt("_spf.shared.example", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt("_dmarc.shared.example", "v=DMARC1; p=reject");
    for i in 0..n {
        let d = format!("d{i}.shared.example");
        w.txt(&d, "v=spf1 include:_spf.shared.example -all")
            .add(&d, RecordValue::Mx(10, format!("mx.{d}")))
            .add(&format!("mx.{d}"), a("192.0.2.25"));
    }
    w
}

/// The scan's observations without their timestamps (what threads and
/// timing cannot change).
fn facts(r: &ScanReport) -> Vec<String> {
    r.observations
        .iter()
        .map(|o| format!("{} {:?} {}", o.asset, o.result, o.detail))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_change_nothing_but_the_speed() {
    let server = DnsSandbox::start(world()).await.unwrap();
    let targets = [
        "good.example",
        "bad.example",
        "nx.example",
        "loop1.example",
        "servfail.example",
    ];
    let mut c = config(server.addr());
    c.policy.threads = 1;
    let one = run(&targets, &c).await;
    for threads in [2, 3, 8] {
        c.policy.threads = threads;
        let many = run(&targets, &c).await;
        assert_eq!(facts(&one), facts(&many), "{threads} threads");
        assert_eq!(one.assets, many.assets, "{threads} threads");
    }
    // Shared out, the concurrency is never exceeded: one permit, one
    // thread, whatever was asked for.
    c.policy.concurrency = 1;
    c.policy.threads = 4;
    assert_eq!(facts(&run(&targets, &c).await), facts(&one));
    c.policy.threads = 0;
    assert_eq!(
        scan(&["good.example".to_owned()], &c)
            .await
            .unwrap_err()
            .code(),
        "bad_option"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_asked_once_per_scan() {
    let server = DnsSandbox::start(shared_world(20)).await.unwrap();
    let mut c = config(server.addr());
    c.policy.threads = 1;
    c.checks = vec![Check::Spf, Check::Dmarc, Check::Mx];
    let before = server.queries();
    let one = run(&["d0.shared.example"], &c).await;
    let alone = server.queries() - before;
    assert_eq!(one.queries, alone, "the scan counts what it sends");
    let targets: Vec<String> = (0..20).map(|i| format!("d{i}.shared.example")).collect();
    let before = server.queries();
    let all = scan(&targets, &c).await.unwrap();
    let together = server.queries() - before;
    // Per domain: its TXT, _dmarc, MX and the exchange's A. Once per scan:
    // the shared include and the organisational DMARC record.
    let shared = 2;
    assert_eq!(
        together,
        20 * (alone - shared) + shared,
        "{together} queries"
    );
    assert!(
        all.observations.iter().all(|o| o.fact().is_some()),
        "every check concluded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_not_reached_by_the_deadline_are_reported() {
    let server = DnsSandbox::start(world()).await.unwrap();
    let mut c = config(server.addr());
    c.policy.timeout = Duration::from_secs(30);
    c.policy.deadline = Duration::from_secs(1);
    c.policy.concurrency = 1;
    c.policy.threads = 1;
    c.checks = vec![Check::Spf, Check::Dmarc];
    // One permit, silent names: far more names than are started before
    // the deadline, and each still has an observation per check.
    let targets: Vec<String> = (0..300).map(|i| format!("d{i}.silent.example")).collect();
    let r = scan(&targets, &c).await.unwrap();
    for t in &targets {
        for check in [Check::Spf, Check::Dmarc] {
            let o = observed(&r, t, check);
            assert_eq!(o.len(), 1, "{t} {check}");
            assert_eq!(o[0].reason(), Some(Reason::Deadline), "{t} {check}");
        }
    }
    assert!(
        r.observations
            .iter()
            .any(|o| o.detail.contains("not reached before the deadline"))
    );
}

/// DNS messages are counted per server, sent, answered and timed out, in
/// the report and live in a shared `Progress`; threads add up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_are_counted_per_server_answered_and_timed_out() {
    let server = DnsSandbox::start(world()).await.unwrap();
    let mut c = config(server.addr());
    c.policy.timeout = Duration::from_millis(300);
    c.checks = vec![Check::Spf, Check::Dmarc, Check::Mx];
    for threads in [1, 2] {
        c.policy.threads = threads;
        let progress = std::sync::Arc::new(posture_signals::Progress::default());
        let targets = ["good.example", "bad.example", "silent.example"].map(String::from);
        let r = posture_signals::scan_with_progress(&targets, &c, progress.clone())
            .await
            .unwrap();
        assert_eq!(r.resolvers.len(), 1, "{threads}: {:?}", r.resolvers);
        let q = r.resolvers[0].queries;
        assert_eq!(r.resolvers[0].server, server.addr());
        assert_eq!(r.queries, q.sent);
        assert!(q.answered > 0, "{threads}: {q:?}");
        // silent.example never answers: each try of each of its questions
        // times out (one retry each).
        assert!(q.timed_out >= 2, "{threads}: {q:?}");
        assert_eq!(q.sent, q.answered + q.timed_out, "{threads}: {q:?}");
        assert_eq!(progress.queries(), q, "{threads}");
        assert_eq!(progress.resolvers(), r.resolvers, "{threads}");
        assert_eq!(progress.total.load(std::sync::atomic::Ordering::Relaxed), 3);
    }
}

/// A resolver that answers nothing: every message sent to it is counted,
/// none answered, so a host can name it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolver_that_answers_nothing_shows_in_the_counts() {
    // A bound UDP socket that never reads: a resolver that is down.
    let mute = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut c = config(mute.local_addr().unwrap());
    c.policy.timeout = Duration::from_millis(200);
    c.policy.deadline = Duration::from_secs(3);
    c.checks = vec![Check::Spf];
    let started = Instant::now();
    let r = run(&["a.example"], &c).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let q = r.resolvers[0].queries;
    assert!(q.sent >= 2, "{q:?}");
    assert_eq!(q.answered, 0, "{q:?}");
    assert_eq!(q.timed_out, q.sent, "{q:?}");
}
