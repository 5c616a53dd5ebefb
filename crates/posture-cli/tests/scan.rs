//! `posture scan` and `posture checks` under hostile input: the registry,
//! check selection, every option checked before any packet, names that do
//! not exist or loop not rated, names that can never be public refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

mod common;
use common::{posture, sandbox, stderr, stdout};

#[test]
fn checks_lists_the_registry_joined_with_the_rules() {
    let o = posture(&["checks", "--format", "json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 16);
    let o = posture(&["catalog", "--format", "json"], None);
    let catalog: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = catalog["issues"]
        .as_array()
        .or(catalog.as_array())
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for c in list {
        for f in ["check", "target", "issues", "description"] {
            assert!(c.get(f).is_some(), "{c} lacks {f}");
        }
        for i in c["issues"].as_array().unwrap() {
            let i = i.as_str().unwrap();
            assert!(ids.contains(&i), "{i} is not in the catalog");
            assert!(seen.insert(i.to_owned()), "{i} listed twice");
        }
    }
    let mx = list.iter().find(|c| c["check"] == "mx").unwrap();
    assert_eq!(
        mx["issues"],
        serde_json::json!(["mx_missing", "mx_cname", "mx_ip_literal"])
    );
    for (check, issue) in [
        ("tls", "tls_weak_key"),
        ("http", "hsts_short_max_age"),
        ("web_files", "security_txt_missing"),
        ("smtp", "smtp_starttls_missing"),
    ] {
        let c = list.iter().find(|c| c["check"] == check).unwrap();
        assert!(
            c["issues"].as_array().unwrap().contains(&issue.into()),
            "{c}"
        );
    }
    let ports = list.iter().find(|c| c["check"] == "ports").unwrap();
    assert_eq!(ports["target"], "address");
    assert!(
        ports["issues"]
            .as_array()
            .unwrap()
            .contains(&"service_redis".into())
    );
    // The table fits 80 columns.
    let o = posture(&["checks", "--format", "table"], None);
    assert!(stdout(&o).lines().all(|l| l.chars().count() <= 80));
}

/// A UDP socket standing in for a resolver: anything sent to it shows.
struct Tripwire(std::net::UdpSocket);

impl Tripwire {
    fn new() -> Tripwire {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_nonblocking(true).unwrap();
        Tripwire(s)
    }
    fn addr(&self) -> String {
        self.0.local_addr().unwrap().to_string()
    }
    fn untouched(&self) -> bool {
        let mut buf = [0u8; 512];
        matches!(self.0.recv_from(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

#[test]
fn every_option_is_checked_before_any_packet() {
    for (args, needle) in [
        (vec!["--ports", "6379=no_such_issue"], "no_such_issue"),
        (
            vec!["--ports", "6379=spf_missing"],
            "not an exposed-service issue",
        ),
        (vec!["--ports", "12345"], "12345"),
        (vec!["--dkim-selectors", "a..b"], "a..b"),
        (vec!["--dnsbl", ".."], "--dnsbl"),
        (vec!["--dnsbl", "zone"], "single label"),
        (vec!["--checks", "spf,nope"], "unknown check `nope`"),
        (vec!["--concurrency", "0"], "--concurrency"),
    ] {
        let wire = Tripwire::new();
        let ns = wire.addr();
        let mut a = vec![
            "scan",
            "--connect-within",
            "127.0.0.0/8",
            "acme.example",
            "127.0.0.1",
            "--nameserver",
            &ns,
            "--timeout",
            "200",
        ];
        a.extend_from_slice(&args);
        let o = posture(&a, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(
            wire.untouched(),
            "{args:?}: a packet was sent before the refusal"
        );
    }
    // Targets too: names that can never be public, and one address budget
    // across all targets (sixteen /16s are a million addresses).
    let wire = Tripwire::new();
    let ns = wire.addr();
    for t in [
        vec!["localhost"],
        vec!["db.localhost"],
        vec!["acme.example", "x.invalid"],
    ] {
        let mut a = vec![
            "scan",
            "--connect-within",
            "127.0.0.0/8",
            "--nameserver",
            &ns,
        ];
        a.extend_from_slice(&t);
        let o = posture(&a, None);
        assert_eq!(o.status.code(), Some(2), "{t:?}");
    }
    let blocks: Vec<String> = (0..16).map(|i| format!("127.{i}.0.0/16")).collect();
    let mut a = vec![
        "scan",
        "--connect-within",
        "127.0.0.0/8",
        "--nameserver",
        &ns,
    ];
    a.extend(blocks.iter().map(String::as_str));
    let o = posture(&a, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1048576"), "{}", stderr(&o));
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(wire.untouched());
}

fn scan_json(ns: &str, targets: &[&str], extra: &[&str]) -> Value {
    let mut a = vec![
        "scan",
        "--connect-within",
        "127.0.0.0/8",
        "--nameserver",
        ns,
        "--timeout",
        "800",
        "--format",
        "json",
    ];
    a.extend_from_slice(targets);
    a.extend_from_slice(extra);
    let o = posture(&a, None);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn names_that_do_not_exist_or_loop_are_not_rated() {
    use posture_sandbox::RecordValue;
    let mut w = posture_sandbox::World::new();
    w.add("loop.example", RecordValue::Cname("loop2.example".into()))
        .add("loop2.example", RecordValue::Cname("loop.example".into()));
    let (ns, _stop) = sandbox(w);
    let ns = ns.to_string();
    for targets in [
        vec!["nothing.example"],
        vec!["nothing.example", "gone.example"],
        vec!["loop.example"],
    ] {
        let v = scan_json(&ns, &targets, &["--ports", "6379"]);
        assert_eq!(
            v["scorecard"]["grade"], "?",
            "{targets:?}: {}",
            v["scorecard"]
        );
        assert!(v["findings"]["findings"].as_array().unwrap().is_empty());
        assert_eq!(v["findings"]["assessed_factors"], serde_json::json!([]));
    }
}

#[test]
fn checks_select_what_a_scan_runs() {
    let mut w = posture_sandbox::World::new();
    w.txt("acme.example", "v=spf1 -all");
    let (ns, _stop) = sandbox(w);
    let v = scan_json(
        &ns.to_string(),
        &["acme.example"],
        &["--checks", "spf,dmarc"],
    );
    let checks: std::collections::BTreeSet<String> = v["observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let r = &o["result"];
            r["fact"]
                .as_object()
                .and_then(|f| f.keys().next().cloned())
                .or_else(|| r["inconclusive"]["check"].as_str().map(str::to_owned))
                .unwrap()
        })
        .collect();
    assert_eq!(
        checks,
        ["dmarc".to_owned(), "spf".to_owned()].into_iter().collect()
    );
    let findings: Vec<&str> = v["findings"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["issue"].as_str().unwrap())
        .collect();
    assert_eq!(findings, ["dmarc_missing"]);
}

/// `posture scan` with the web flags against sites on loopback: an expired
/// certificate from a root given with `--ca-file`, a bare HTTP site with an
/// exposed `.env`, a well-kept site; and a CA file that is not PEM refused
/// before anything is sent.
#[test]
fn scan_finds_web_and_tls_issues_with_the_web_flags() {
    use posture_sandbox::{CertSpec, Page, RecordValue, Site, TestCa, WebServer, same_port};
    let ca = TestCa::new("CLI Test Root").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("root.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let good = |body: &str| {
        Page::ok(body.to_owned()).headers(&[
            ("Strict-Transport-Security", "max-age=31536000"),
            (
                "Content-Security-Policy",
                "default-src 'self'; frame-ancestors 'none'",
            ),
            ("X-Content-Type-Options", "nosniff"),
        ])
    };
    let site = Site::new().route("/", good("<h1>ok</h1>")).route(
        "/.well-known/security.txt",
        Page::ok("Contact: mailto:s@kept.example\n"),
    );
    let redirect = |h: &str| Site::new().fallback(Page::redirect(301, &format!("https://{h}/")));
    let (ports_tx, ports_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let expired = ca
        .issue(&CertSpec::new(&["old.example"]).expired())
        .unwrap();
    let kept = ca.issue(&CertSpec::new(&["kept.example"])).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let ips: Vec<std::net::IpAddr> = (1..=3)
                .map(|i| std::net::IpAddr::from([127, 0, 3, i]))
                .collect();
            let mut secure = same_port(&ips).await.unwrap().into_iter();
            let mut plain = same_port(&ips).await.unwrap().into_iter();
            let https = secure.as_slice()[0].local_addr().unwrap().port();
            let http = plain.as_slice()[0].local_addr().unwrap().port();
            let _a =
                WebServer::serve(secure.next().unwrap(), site.clone(), Some(&expired)).unwrap();
            let _b =
                WebServer::serve(plain.next().unwrap(), redirect("old.example"), None).unwrap();
            drop(secure.next());
            let _c = WebServer::serve(
                plain.next().unwrap(),
                Site::new()
                    .route("/", Page::ok("<h1>hi</h1>"))
                    .route("/.env", Page::ok("SECRET_KEY=abc\n")),
                None,
            )
            .unwrap();
            let _d = WebServer::serve(secure.next().unwrap(), site, Some(&kept)).unwrap();
            let _e =
                WebServer::serve(plain.next().unwrap(), redirect("kept.example"), None).unwrap();
            ports_tx.send((https, http)).unwrap();
            tokio::task::spawn_blocking(move || {
                let _ = stop_rx.recv();
            })
            .await
            .unwrap();
        });
    });
    let (https, http) = ports_rx.recv().unwrap();
    let mut w = posture_sandbox::World::new();
    for (name, last) in [
        ("old.example", 1u8),
        ("bare.example", 2),
        ("kept.example", 3),
    ] {
        w.add(
            name,
            RecordValue::A(std::net::Ipv4Addr::new(127, 0, 3, last)),
        );
    }
    let (ns, _stop) = sandbox(w);
    let ns = ns.to_string();
    let (https_s, http_s) = (https.to_string(), http.to_string());
    let ca_s = ca_file.to_str().unwrap();
    let flags = [
        "--checks",
        "tls,http,web_files,smtp",
        "--https-port",
        https_s.as_str(),
        "--http-port",
        http_s.as_str(),
        "--smtp-port",
        "1",
        "--ca-file",
        ca_s,
    ];
    let issues = |v: &Value, asset: &str| -> Vec<String> {
        let mut i: Vec<String> = v["findings"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["asset"] == asset)
            .map(|f| f["issue"].as_str().unwrap().to_owned())
            .collect();
        i.sort();
        i
    };
    let v = scan_json(
        &ns,
        &["old.example", "bare.example", "kept.example"],
        &flags,
    );
    assert_eq!(
        issues(&v, "old.example"),
        ["tls_certificate_expired"],
        "{v}"
    );
    assert_eq!(
        issues(&v, "bare.example"),
        [
            "csp_missing",
            "exposed_env_file",
            "http_no_redirect",
            "https_missing",
            "security_txt_missing",
            "x_content_type_options_missing",
            "x_frame_options_missing"
        ],
        "{v}"
    );
    assert!(issues(&v, "kept.example").is_empty(), "{v}");
    // Without the root, the well-kept site's chain is untrusted.
    let without: Vec<&str> = flags[..8].to_vec();
    let v = scan_json(&ns, &["kept.example"], &without);
    assert_eq!(
        issues(&v, "kept.example"),
        ["tls_untrusted_certificate"],
        "{v}"
    );
    // A CA file that holds no certificate: a usage error, nothing sent.
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not pem").unwrap();
    let o = posture(
        &[
            "scan",
            "kept.example",
            "--nameserver",
            "127.0.0.1:9",
            "--ca-file",
            junk.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--ca-file"), "{}", stderr(&o));
    let o = posture(
        &[
            "scan",
            "kept.example",
            "--nameserver",
            "127.0.0.1:9",
            "--connect-within",
            "10.0.0.0/33",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    drop(stop_tx);
}
