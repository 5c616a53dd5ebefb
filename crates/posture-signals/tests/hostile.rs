//! Broken and hostile DNS never raises a score: bytes that are not UTF-8,
//! CNAME loops and long chains, names that do not exist, names that can
//! never be public, address budgets and the deadline over a huge block.
//! Everything runs against servers on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_classify::{Rules, classify};
use posture_core::observe::{Check, Reason};
use posture_core::{Catalog, Grade};
use posture_sandbox::{DnsSandbox, RecordValue, World};
use posture_score::{PostureV1, ScoringModel};
use posture_signals::{ScanConfig, ScanReport, scan};
use std::time::{Duration, Instant};

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

fn targets(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| (*s).to_owned()).collect()
}

/// The grade and the findings the default rules give a report.
fn judged(r: &ScanReport, target: &str) -> (Grade, Vec<String>, usize) {
    let c = classify(
        target,
        "2026-11-01T00:00:00Z".parse().unwrap(),
        &r.assets,
        &r.observations,
        &Catalog::builtin(),
        &Rules::default(),
    )
    .unwrap();
    let card = PostureV1::default().score(&c.document.validate(Catalog::builtin()).unwrap());
    (
        card.grade,
        c.document
            .findings
            .iter()
            .map(|f| f.issue.clone())
            .collect(),
        c.document.assessed_factors.unwrap_or_default().len(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_txt_record_that_is_not_utf8_is_read_not_dropped() {
    let mut w = World::new();
    // "v=spf" then a byte that is not UTF-8: the case that once panicked in
    // a string slice and silently dropped every signal of the domain.
    w.add(
        "bytes.example",
        RecordValue::TxtBytes(vec![b"v=spf\xff1 -all".to_vec()]),
    )
    .add(
        "bytes2.example",
        RecordValue::TxtBytes(vec![
            b"v=spf1 ".to_vec(),
            b"\xc3\x28 ip4:192.0.2.1 -all".to_vec(),
        ]),
    );
    let s = DnsSandbox::start(w).await.unwrap();
    let r = scan(
        &targets(&["bytes.example", "bytes2.example"]),
        &config(s.addr()),
    )
    .await
    .unwrap();
    for d in ["bytes.example", "bytes2.example"] {
        let spf: Vec<_> = r
            .observations
            .iter()
            .filter(|o| o.asset == d && o.check() == Check::Spf)
            .collect();
        assert_eq!(spf.len(), 1, "{d}: the SPF check reported");
        assert!(
            spf[0].fact().is_some(),
            "{d}: a fact, not a drop: {:?}",
            spf[0]
        );
        assert!(
            !r.observations
                .iter()
                .any(|o| o.reason() == Some(Reason::Internal)),
            "no check failed"
        );
    }
    // The not-quite-SPF record is no SPF record: spf_missing, and every
    // other DNS check still ran.
    let (_, findings, assessed) = judged(&r, "bytes.example");
    assert!(findings.contains(&"spf_missing".to_owned()), "{findings:?}");
    assert!(assessed > 0);
    // The record with a bad byte inside is one SPF record that does not
    // parse: a permerror, not a clean bill.
    let c = posture_classify::outcome_for(
        &Rules::default(),
        "spf_permerror",
        "bytes2.example",
        &r.observations,
    );
    assert_eq!(c, posture_core::Outcome::Detected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cname_loops_and_long_chains_are_inconclusive() {
    let mut w = World::new();
    w.add("loop.example", RecordValue::Cname("loop2.example".into()))
        .add("loop2.example", RecordValue::Cname("loop.example".into()));
    // A chain of 10 aliases ending in a name that has records.
    for i in 0..10 {
        w.add(
            &format!("c{i}.chain.example"),
            RecordValue::Cname(format!("c{}.chain.example", i + 1)),
        );
    }
    w.txt("c10.chain.example", "v=spf1 -all").add(
        "c10.chain.example",
        RecordValue::A("192.0.2.1".parse().unwrap()),
    );
    // A short chain is fine.
    w.add("short.example", RecordValue::Cname("target.example".into()))
        .txt("target.example", "v=spf1 -all");
    let s = DnsSandbox::start(w).await.unwrap();
    let r = scan(
        &targets(&["loop.example", "c0.chain.example", "short.example"]),
        &config(s.addr()),
    )
    .await
    .unwrap();
    for d in ["loop.example", "c0.chain.example"] {
        let mine: Vec<_> = r.observations.iter().filter(|o| o.asset == d).collect();
        assert!(!mine.is_empty(), "{d}");
        assert!(
            mine.iter().all(|o| o.reason() == Some(Reason::CnameLoop)),
            "{d}: {:?}",
            mine.iter()
                .map(|o| (o.check(), o.reason()))
                .collect::<Vec<_>>()
        );
    }
    let short: Vec<_> = r
        .observations
        .iter()
        .filter(|o| o.asset == "short.example")
        .collect();
    assert!(short.iter().all(|o| o.reason() != Some(Reason::CnameLoop)));
    // A scan of only the looping name is not rated at all.
    let r = scan(&targets(&["loop.example"]), &config(s.addr()))
        .await
        .unwrap();
    let (grade, findings, assessed) = judged(&r, "loop.example");
    assert_eq!(
        (grade, findings.len(), assessed),
        (Grade::Insufficient, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_do_not_exist_are_not_rated() {
    let s = DnsSandbox::start(World::new()).await.unwrap();
    let r = scan(
        &targets(&["nothing.example", "nobody.example"]),
        &config(s.addr()),
    )
    .await
    .unwrap();
    assert!(
        r.observations
            .iter()
            .all(|o| o.reason() == Some(Reason::Nxdomain))
    );
    let (grade, findings, assessed) = judged(&r, "nothing.example");
    assert_eq!(grade, Grade::Insufficient, "not 100 and A");
    assert!(findings.is_empty());
    assert_eq!(assessed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dangling_alias_as_a_target_is_found_not_skipped() {
    let mut w = World::new();
    w.add(
        "www.dang.example",
        RecordValue::Cname("gone.cloud.example".into()),
    );
    let s = DnsSandbox::start(w).await.unwrap();
    let r = scan(&targets(&["www.dang.example"]), &config(s.addr()))
        .await
        .unwrap();
    let (_, findings, _) = judged(&r, "www.dang.example");
    assert_eq!(
        findings,
        ["dangling_cname"],
        "the alias answers NXDOMAIN, and that is the finding"
    );
    assert!(
        r.observations
            .iter()
            .filter(|o| o.check() != Check::Cname)
            .all(|o| o.reason() == Some(Reason::Nxdomain))
    );
}

#[tokio::test]
async fn names_that_can_never_be_public_are_refused() {
    let mut c = ScanConfig::default();
    c.policy.nameserver = Some("127.0.0.1:9".parse().unwrap());
    for t in ["localhost", "db.localhost", "x.invalid"] {
        let e = scan(&targets(&[t]), &c).await.unwrap_err();
        assert_eq!(e.code(), "bad_target", "{t}");
    }
}

#[tokio::test]
async fn one_address_budget_across_all_targets() {
    let mut c = ScanConfig::default();
    c.policy.nameserver = Some("127.0.0.1:9".parse().unwrap());
    let blocks: Vec<String> = (0..16).map(|i| format!("127.{i}.0.0/16")).collect();
    let e = scan(&blocks, &c).await.unwrap_err();
    assert_eq!(e.code(), "too_many_addresses");
    assert!(e.to_string().contains("1048576"), "{e}");
    // Overlaps count once.
    c.policy.max_addresses = 256;
    c.ports = Vec::new();
    c.checks = vec![Check::Ports];
    assert!(
        scan(&targets(&["127.0.9.0/24", "127.0.9.0/25", "127.0.9.9"]), &c)
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_ends_a_scan_of_a_million_addresses() {
    // 127.0.0.0/12 is all loopback: every probe is answered (refused) here.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut c = ScanConfig::default();
    c.policy.nameserver = Some("127.0.0.1:9".parse().unwrap());
    c.policy.max_addresses = 1 << 20;
    c.policy.deadline = Duration::from_secs(2);
    c.policy.timeout = Duration::from_millis(500);
    c.checks = vec![Check::Ports];
    c.ports = vec![port];
    let t0 = Instant::now();
    let r = scan(&targets(&["127.0.0.0/12"]), &c).await.unwrap();
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let probed = r.observations.iter().filter(|o| o.fact().is_some()).count();
    assert!(probed > 0 && probed < 1 << 20, "{probed} addresses probed");
    let rest: Vec<_> = r
        .observations
        .iter()
        .filter(|o| o.asset == "127.0.0.0/12")
        .collect();
    assert_eq!(rest.len(), 1, "one report of what was not reached");
    assert_eq!(rest[0].reason(), Some(Reason::Deadline));
    eprintln!("{probed} addresses probed in {took:?}; {}", rest[0].detail);
}

#[tokio::test]
async fn options_are_checked_before_anything_is_sent() {
    let mut c = ScanConfig::default();
    // Port 9 on loopback: a scan that sent anything would be inconclusive,
    // not an error; these fail before.
    c.policy.nameserver = Some("127.0.0.1:9".parse().unwrap());
    c.dkim_selectors = vec!["a..b".into()];
    assert_eq!(
        scan(&targets(&["a.example"]), &c).await.unwrap_err().code(),
        "bad_option"
    );
    c.dkim_selectors = vec!["s1".into()];
    c.dnsbl_zones = vec!["..".into()];
    assert_eq!(
        scan(&targets(&["a.example"]), &c).await.unwrap_err().code(),
        "bad_option"
    );
    c.dnsbl_zones = Vec::new();
    c.checks = Vec::new();
    assert_eq!(
        scan(&targets(&["a.example"]), &c).await.unwrap_err().code(),
        "bad_option"
    );
}

/// A responder that first sends datagrams that must be dropped (another
/// question under the query's id, the right question under another id),
/// then an answer whose records belong to another name, plus one TXT
/// record at the name asked: only that record may be read.
async fn forging_responder() -> std::net::SocketAddr {
    use hickory_proto::op::{Message, MessageType, Query};
    use hickory_proto::rr::rdata::TXT;
    use hickory_proto::rr::{Name, RData, Record};
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                continue;
            };
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let Some(query) = q.queries.first().cloned() else {
                continue;
            };
            let txt = |owner: &Name, text: &str| {
                Record::from_rdata(
                    owner.clone(),
                    60,
                    RData::TXT(TXT::new(vec![text.to_owned()])),
                )
            };
            let reply = |id: u16, question: Query, answers: Vec<Record>| {
                let mut m = Message::response(id, q.metadata.op_code);
                m.metadata.message_type = MessageType::Response;
                m.queries.push(question);
                m.answers = answers;
                m.to_vec().unwrap()
            };
            let evil = Name::from_ascii("evil.example.").unwrap();
            let mut other = query.clone();
            other.set_name(evil.clone());
            let forged_question = reply(q.metadata.id, other, vec![txt(&evil, "v=spf1 +all")]);
            let forged_id = reply(
                q.metadata.id.wrapping_add(1),
                query.clone(),
                vec![txt(query.name(), "v=spf1 +all")],
            );
            let answer = reply(
                q.metadata.id,
                query.clone(),
                vec![txt(&evil, "v=spf1 +all"), txt(query.name(), "v=spf1 -all")],
            );
            for d in [forged_question, forged_id, answer] {
                let _ = sock.send_to(&d, peer).await;
            }
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_foreign_answers_are_not_read() {
    let mut c = config(forging_responder().await);
    c.checks = vec![Check::Spf];
    let r = scan(&targets(&["victim.example"]), &c).await.unwrap();
    let spf: Vec<_> = r
        .observations
        .iter()
        .filter(|o| o.check() == Check::Spf)
        .collect();
    assert_eq!(spf.len(), 1);
    assert_eq!(
        spf[0].evidence,
        vec!["v=spf1 -all".to_owned()],
        "{:?}",
        spf[0]
    );
    let (_, findings, _) = judged(&r, "victim.example");
    assert!(
        !findings.iter().any(|f| f == "spf_permissive_all"),
        "{findings:?}"
    );
}
