//! The web, TLS and mail checks against servers on loopback that the test
//! starts: rustls sites with certificates from a test CA (valid, expired,
//! not yet valid, expiring, self-signed, untrusted, wrong name), sites with
//! and without each header, a catch-all app, an exposed `.git` and `.env`,
//! a directory listing, SMTP with and without STARTTLS, and `openssl
//! s_server` for what rustls cannot serve (a 1024-bit RSA key, a SHA-1
//! signature, TLS 1.0 only). Every issue in its risky case, nothing on the
//! clean, catch-all and down hosts. Nothing leaves 127.0.0.0/8.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_classify::{Rules, Verdict, outcome_for, rules_of};
use posture_core::Outcome;
use posture_core::observe::{Check, Fact, Observation, TlsHandshake};
use posture_sandbox::{
    CertSpec, ClosedPort, DnsSandbox, Identity, Page, RecordValue, Site, SmtpServer, TestCa,
    WebServer, World, same_port,
};
use posture_signals::{ScanConfig, ScanReport, scan};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const GOOD_HEADERS: &[(&str, &str)] = &[
    (
        "Strict-Transport-Security",
        "max-age=31536000; includeSubDomains",
    ),
    (
        "Content-Security-Policy",
        "default-src 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Server", "nginx"),
    (
        "Set-Cookie",
        "sid=1; Path=/; Secure; HttpOnly; SameSite=Lax",
    ),
    ("Content-Type", "text/html"),
];

const SECURITY_TXT: &str = "Contact: mailto:security@web.test\nExpires: 2030-01-01T00:00:00Z\n";

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 1, last])
}

/// A well-kept site: redirect on HTTP, good headers, security.txt.
fn good_site() -> Site {
    Site::new()
        .route(
            "/",
            Page::ok("<!doctype html><title>Welcome</title>").headers(GOOD_HEADERS),
        )
        .route(
            "/.well-known/security.txt",
            Page::ok(SECURITY_TXT).header("Content-Type", "text/plain"),
        )
}

fn redirect_site(host: &str) -> Site {
    // No port: the client maps a default port to the scan's HTTPS port.
    Site::new().fallback(Page::redirect(301, &format!("https://{host}/")))
}

/// An `openssl s_server` child, killed on drop.
struct Openssl(Child);

impl Drop for Openssl {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openssl(args: &[&str], dir: &std::path::Path) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed by this test (scripts/test installs it)");
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A leaf for `name` on a fresh RSA key of `bits`, signed by the CA with
/// `digest`, made by openssl (ring cannot make RSA keys or SHA-1
/// signatures).
fn openssl_leaf(dir: &std::path::Path, name: &str, bits: u32, digest: &str) -> (String, String) {
    let (key, csr, pem) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
    );
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            &format!("rsa:{bits}"),
            "-nodes",
            "-keyout",
            &key,
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            &format!("subjectAltName=DNS:{name}"),
            "-out",
            &csr,
        ],
        dir,
    );
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            &format!("-{digest}"),
            "-copy_extensions",
            "copy",
            "-out",
            &pem,
        ],
        dir,
    );
    (pem, key)
}

/// TLS 1.2 and 1.3 only (SECLEVEL=0, needed for the weak key and the SHA-1
/// signature, would enable TLS 1.0 and 1.1 too).
const MODERN: &[&str] = &["-no_ssl3", "-no_tls1", "-no_tls1_1"];

/// Starts `openssl s_server` on `addr` and waits until it accepts.
fn s_server(
    dir: &std::path::Path,
    addr: std::net::SocketAddr,
    cert: &str,
    key: &str,
    extra: &[&str],
) -> Openssl {
    let accept = addr.to_string();
    let mut args = vec![
        "s_server",
        "-accept",
        &accept,
        "-cert",
        cert,
        "-key",
        key,
        "-cipher",
        "DEFAULT@SECLEVEL=0",
        "-www",
        "-quiet",
    ];
    args.extend_from_slice(extra);
    let child = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl is needed by this test (scripts/test installs it)");
    let server = Openssl(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("openssl s_server did not start on {addr}");
}

/// Everything the scan is pointed at, kept alive while it runs.
struct Lab {
    dns: DnsSandbox,
    ca_der: Vec<u8>,
    https: u16,
    http: u16,
    smtp: u16,
    _keep: Vec<Box<dyn std::any::Any + Send>>,
    _dir: tempfile::TempDir,
}

/// The hosts, their address and the web issues each must raise (exactly).
fn expected() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("good.web.test", vec![]),
        ("www.good.web.test", vec![]),
        ("expired.web.test", vec!["tls_certificate_expired"]),
        ("selfsigned.web.test", vec!["tls_self_signed_certificate"]),
        ("wrongname.web.test", vec!["tls_hostname_mismatch"]),
        ("untrusted.web.test", vec!["tls_untrusted_certificate"]),
        ("soon.web.test", vec!["tls_certificate_expiring_soon"]),
        ("future.web.test", vec!["tls_certificate_not_yet_valid"]),
        (
            "bare.web.test",
            vec![
                "https_missing",
                "http_no_redirect",
                "csp_missing",
                "x_frame_options_missing",
                "x_content_type_options_missing",
                "server_version_disclosed",
                "insecure_cookie",
                "directory_listing",
                "exposed_git_directory",
                "exposed_env_file",
                "security_txt_missing",
            ],
        ),
        ("catchall.web.test", vec![]),
        (
            "headers.web.test",
            vec![
                "hsts_short_max_age",
                "csp_missing",
                "x_frame_options_missing",
                "x_content_type_options_missing",
                "security_txt_missing",
            ],
        ),
        ("down.web.test", vec![]),
        ("nostarttls.web.test", vec!["smtp_starttls_missing"]),
        ("mailexp.web.test", vec!["tls_certificate_expired"]),
    ]
}

/// The openssl hosts, judged on their TLS only (`s_server -www` is no
/// web site).
fn expected_openssl() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("weakkey.web.test", vec!["tls_weak_key"]),
        // A SHA-1 signature no longer verifies, so the chain is untrusted too.
        (
            "sha1.web.test",
            vec!["tls_sha1_signature", "tls_untrusted_certificate"],
        ),
        ("legacy.web.test", vec!["tls_weak_protocol"]),
    ]
}

async fn lab() -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Posture Web Test Root").unwrap();
    let rogue = TestCa::new("Somebody Else's Root").unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.path().join("ca.key"), ca.key_pem()).unwrap();
    let issue = |names: &[&str]| ca.issue(&CertSpec::new(names)).unwrap();

    // Host name, address, HTTPS identity, HTTPS site, HTTP site.
    type Host = (&'static str, u8, Option<Identity>, Site, Option<Site>);
    let hosts: Vec<Host> = vec![
        (
            "good.web.test",
            1,
            Some(issue(&["good.web.test", "www.good.web.test"])),
            good_site(),
            Some(redirect_site("good.web.test")),
        ),
        (
            "expired.web.test",
            2,
            Some(ca.issue(&CertSpec::new(&["expired.web.test"]).expired()).unwrap()),
            good_site(),
            Some(redirect_site("expired.web.test")),
        ),
        (
            "selfsigned.web.test",
            3,
            Some(Identity::self_signed(&CertSpec::new(&["selfsigned.web.test"])).unwrap()),
            good_site(),
            Some(redirect_site("selfsigned.web.test")),
        ),
        (
            "wrongname.web.test",
            4,
            Some(issue(&["other.web.test"])),
            good_site(),
            Some(redirect_site("wrongname.web.test")),
        ),
        (
            "untrusted.web.test",
            5,
            Some(rogue.issue(&CertSpec::new(&["untrusted.web.test"])).unwrap()),
            good_site(),
            Some(redirect_site("untrusted.web.test")),
        ),
        (
            "soon.web.test",
            6,
            Some(ca.issue(&CertSpec::new(&["soon.web.test"]).expiring_in(5)).unwrap()),
            good_site(),
            Some(redirect_site("soon.web.test")),
        ),
        (
            "future.web.test",
            7,
            Some(ca.issue(&CertSpec::new(&["future.web.test"]).not_yet_valid()).unwrap()),
            good_site(),
            Some(redirect_site("future.web.test")),
        ),
        (
            "bare.web.test",
            8,
            None,
            Site::new(),
            Some(
                Site::new()
                    .route(
                        "/",
                        Page::ok(
                            "<html><head><title>Index of /</title></head><body><h1>Index of /</h1><a href=\"backup.zip\">backup.zip</a>",
                        )
                        .headers(&[
                            ("Server", "Apache/2.4.41 (Ubuntu)"),
                            ("X-Powered-By", "PHP/7.4.3"),
                            ("Set-Cookie", "PHPSESSID=abc; path=/"),
                            ("Content-Type", "text/html"),
                        ]),
                    )
                    .route("/.git/HEAD", Page::ok("ref: refs/heads/main\n"))
                    .route(
                        "/.git/config",
                        Page::ok("[core]\n\trepositoryformatversion = 0\n\tbare = false\n"),
                    )
                    .route(
                        "/.env",
                        Page::ok("APP_ENV=production\nDB_PASSWORD=hunter2\n"),
                    ),
            ),
        ),
        (
            "catchall.web.test",
            9,
            Some(issue(&["catchall.web.test"])),
            Site::new()
                .route(
                    "/.well-known/security.txt",
                    Page::ok(SECURITY_TXT).header("Content-Type", "text/plain"),
                )
                .fallback(
                    Page::ok("<!doctype html><html><body><div id=\"app\"></div><script src=\"/app.js\"></script></body></html>")
                        .headers(GOOD_HEADERS),
                ),
            Some(redirect_site("catchall.web.test")),
        ),
        (
            "headers.web.test",
            10,
            Some(issue(&["headers.web.test"])),
            Site::new().route(
                "/",
                Page::ok("<p>".repeat(5000))
                    .headers(&[
                        ("Strict-Transport-Security", "max-age=86400"),
                        ("Content-Type", "text/html"),
                    ])
                    .chunked(),
            ),
            Some(redirect_site("headers.web.test")),
        ),
    ];
    let web_ips: Vec<IpAddr> = (1..=16).map(ip).collect();
    let https_listeners = same_port(&web_ips).await.unwrap();
    let http_listeners = same_port(&web_ips).await.unwrap();
    let https = https_listeners[0].local_addr().unwrap().port();
    let http = http_listeners[0].local_addr().unwrap().port();
    let mut keep: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
    let mut https_by_ip: BTreeMap<IpAddr, tokio::net::TcpListener> = https_listeners
        .into_iter()
        .map(|l| (l.local_addr().unwrap().ip(), l))
        .collect();
    let mut http_by_ip: BTreeMap<IpAddr, tokio::net::TcpListener> = http_listeners
        .into_iter()
        .map(|l| (l.local_addr().unwrap().ip(), l))
        .collect();
    let mut w = World::new();
    for (name, last, id, site, plain) in hosts {
        w.add(
            name,
            RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, last)),
        );
        let a = ip(last);
        let l = https_by_ip.remove(&a).unwrap();
        match id {
            Some(id) => keep.push(Box::new(WebServer::serve(l, site, Some(&id)).unwrap())),
            None => {
                drop(l);
                keep.push(Box::new(ClosedPort::reserve(a, https).unwrap()));
            }
        }
        let l = http_by_ip.remove(&a).unwrap();
        match plain {
            Some(s) => keep.push(Box::new(WebServer::serve(l, s, None).unwrap())),
            None => {
                drop(l);
                keep.push(Box::new(ClosedPort::reserve(a, http).unwrap()));
            }
        }
    }
    w.add(
        "www.good.web.test",
        RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, 1)),
    );
    // Down: the name resolves, nothing listens.
    w.add(
        "down.web.test",
        RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, 11)),
    );
    for port in [https, http] {
        let l = https_by_ip
            .remove(&ip(11))
            .or_else(|| http_by_ip.remove(&ip(11)));
        drop(l);
        keep.push(Box::new(ClosedPort::reserve(ip(11), port).unwrap()));
    }
    // Mail: STARTTLS with a good certificate, none, an expired one.
    let mail_ips = [ip(1), ip(12), ip(13)];
    let smtp_listeners = same_port(&mail_ips).await.unwrap();
    let smtp = smtp_listeners[0].local_addr().unwrap().port();
    let mut smtp_l = smtp_listeners.into_iter();
    let mx_good = issue(&["mx.good.web.test"]);
    let mx_expired = ca
        .issue(&CertSpec::new(&["mx.mailexp.web.test"]).expired())
        .unwrap();
    keep.push(Box::new(
        SmtpServer::serve(smtp_l.next().unwrap(), Some(&mx_good)).unwrap(),
    ));
    keep.push(Box::new(
        SmtpServer::serve(smtp_l.next().unwrap(), None).unwrap(),
    ));
    keep.push(Box::new(
        SmtpServer::serve(smtp_l.next().unwrap(), Some(&mx_expired)).unwrap(),
    ));
    w.add(
        "good.web.test",
        RecordValue::Mx(10, "mx.good.web.test".into()),
    )
    .add(
        "mx.good.web.test",
        RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, 1)),
    )
    .add(
        "nostarttls.web.test",
        RecordValue::Mx(10, "mx.nostarttls.web.test".into()),
    )
    .add(
        "mx.nostarttls.web.test",
        RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, 12)),
    )
    .add(
        "mailexp.web.test",
        RecordValue::Mx(10, "mx.mailexp.web.test".into()),
    )
    .add(
        "mx.mailexp.web.test",
        RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, 13)),
    );
    // openssl: a 1024-bit key, a SHA-1 signature, TLS 1.0 only.
    let (weak_pem, weak_key) = openssl_leaf(dir.path(), "weakkey.web.test", 1024, "sha256");
    let (sha1_pem, sha1_key) = openssl_leaf(dir.path(), "sha1.web.test", 2048, "sha1");
    let (legacy_pem, legacy_key) = openssl_leaf(dir.path(), "legacy.web.test", 2048, "sha256");
    for (name, last, pem, key, extra) in [
        ("weakkey.web.test", 14u8, &weak_pem, &weak_key, MODERN),
        ("sha1.web.test", 15, &sha1_pem, &sha1_key, MODERN),
        (
            "legacy.web.test",
            16,
            &legacy_pem,
            &legacy_key,
            &["-tls1"][..],
        ),
    ] {
        w.add(
            name,
            RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, last)),
        );
        drop(https_by_ip.remove(&ip(last)));
        let addr = std::net::SocketAddr::new(ip(last), https);
        keep.push(Box::new(s_server(dir.path(), addr, pem, key, extra)));
        drop(http_by_ip.remove(&ip(last)));
        keep.push(Box::new(ClosedPort::reserve(ip(last), http).unwrap()));
    }
    let dns = DnsSandbox::start(w).await.unwrap();
    Lab {
        dns,
        ca_der: ca.der().to_vec(),
        https,
        http,
        smtp,
        _keep: keep,
        _dir: dir,
    }
}

fn config(lab: &Lab) -> ScanConfig {
    let mut c = ScanConfig::default();
    c.policy.nameserver = Some(lab.dns.addr());
    c.policy.connect_within = Some(vec!["127.0.0.0/8".parse().unwrap()]);
    c.policy.timeout = Duration::from_secs(2);
    c.policy.deadline = Duration::from_secs(40);
    c.checks = vec![Check::Tls, Check::Http, Check::WebFiles, Check::Smtp];
    c.https_port = lab.https;
    c.http_port = lab.http;
    c.smtp_port = lab.smtp;
    c.extra_roots = vec![lab.ca_der.clone()];
    c.platform_roots = false;
    c
}

/// The web issues detected on `asset`, with the facts that raised them.
fn detected(rules: &Rules, r: &ScanReport, asset: &str, checks: &[Check]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for check in checks {
        for rule in rules_of(*check) {
            if outcome_for(rules, rule.issue, asset, &r.observations) == Outcome::Detected {
                out.insert(rule.issue.to_owned());
            }
        }
    }
    out
}

fn dump(r: &ScanReport, asset: &str) -> String {
    r.observations
        .iter()
        .filter(|o| o.asset == asset)
        .map(|o| format!("{} {}: {:?}\n", o.check(), o.detail, o.evidence))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_web_tls_and_mail_issue_and_nothing_on_clean_hosts() {
    let lab = lab().await;
    let c = config(&lab);
    let mut targets: Vec<String> = expected()
        .iter()
        .chain(expected_openssl().iter())
        .map(|(h, _)| (*h).to_owned())
        .filter(|h| !h.starts_with("www."))
        .collect();
    targets.sort();
    let r = scan(&targets, &c).await.unwrap();
    let rules = Rules::default();
    let all = [Check::Tls, Check::Http, Check::WebFiles, Check::Smtp];
    for (host, want) in expected() {
        let got = detected(&rules, &r, host, &all);
        let want: BTreeSet<String> = want.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(got, want, "{host}:\n{}", dump(&r, host));
    }
    for (host, want) in expected_openssl() {
        let got = detected(&rules, &r, host, &[Check::Tls]);
        let want: BTreeSet<String> = want.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(got, want, "{host}:\n{}", dump(&r, host));
    }
    // The www. name was reached and checked.
    assert!(r.assets.contains(&"www.good.web.test".to_string()));
    assert!(
        r.observations
            .iter()
            .any(|o| o.asset == "www.good.web.test" && o.check() == Check::Tls)
    );
    // The legacy-only server's chain was recorded from its TLS 1.0 answer,
    // though the modern handshake failed.
    let legacy = r
        .observations
        .iter()
        .find(|o| o.asset == "legacy.web.test" && o.check() == Check::Tls)
        .unwrap();
    let Some(Fact::Tls(t)) = legacy.fact() else {
        panic!("{legacy:?}")
    };
    assert!(matches!(t.handshake, TlsHandshake::Failed { .. }), "{t:?}");
    assert_eq!(
        t.chain.first().map(|c| c.subject.as_str()),
        Some("CN=legacy.web.test")
    );
    // A down host: every rule of every web check is clean, none open.
    for check in all {
        for rule in rules_of(check) {
            if check == Check::Smtp {
                continue;
            }
            assert_eq!(
                outcome_for(&rules, rule.issue, "down.web.test", &r.observations),
                Outcome::Clean,
                "{}:\n{}",
                rule.issue,
                dump(&r, "down.web.test")
            );
        }
    }
    // Nothing in this lab is inconclusive: every server answered. (The
    // TLS 1.0-only server's site cannot be fetched over TLS 1.2: its web
    // checks are open, as they should be.)
    let open: Vec<&Observation> = r
        .observations
        .iter()
        .filter(|o| o.reason().is_some())
        .filter(|o| !(o.asset == "legacy.web.test" && o.check() != Check::Tls))
        .collect();
    assert!(open.is_empty(), "{open:#?}");
    let unknown: Vec<(String, &str)> = r
        .observations
        .iter()
        .flat_map(|o| {
            rules
                .judge(o)
                .into_iter()
                .filter(|(_, v)| matches!(v, Verdict::Inconclusive(_)))
                .map(|(i, _)| (o.asset.clone(), i))
                .filter(|(a, _)| a != "legacy.web.test")
        })
        .collect();
    assert!(unknown.is_empty(), "{unknown:?}");
}

/// Without the test root, the test CA's certificates are untrusted; with
/// the platform roots only, likewise: trust comes from the anchors given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_comes_from_the_anchors_given() {
    let lab = lab().await;
    let mut c = config(&lab);
    c.extra_roots.clear();
    c.platform_roots = true;
    c.checks = vec![Check::Tls];
    let r = scan(&["good.web.test".to_string()], &c).await.unwrap();
    let rules = Rules::default();
    assert_eq!(
        detected(&rules, &r, "good.web.test", &[Check::Tls]),
        BTreeSet::from(["tls_untrusted_certificate".to_string()])
    );
    // A bad anchor is refused before anything is sent.
    c.extra_roots = vec![b"not a certificate".to_vec()];
    assert_eq!(
        scan(&["good.web.test".to_string()], &c)
            .await
            .unwrap_err()
            .code(),
        "bad_option"
    );
}

/// A server that accepts and then says nothing: inconclusive, never a
/// finding; and the deadline ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_is_inconclusive_not_a_finding() {
    let silent = posture_sandbox::TcpService::start(ip(40)).await.unwrap();
    let port = silent.addr().port();
    let mut w = World::new();
    w.add(
        "silent.web.test",
        RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, 40)),
    );
    let dns = DnsSandbox::start(w).await.unwrap();
    let mut c = ScanConfig::default();
    c.policy.nameserver = Some(dns.addr());
    c.policy.connect_within = Some(vec!["127.0.0.0/8".parse().unwrap()]);
    c.policy.timeout = Duration::from_millis(300);
    c.policy.deadline = Duration::from_secs(10);
    c.checks = vec![Check::Tls, Check::Http, Check::WebFiles];
    c.https_port = port;
    c.http_port = port;
    let started = std::time::Instant::now();
    let r = scan(&["silent.web.test".to_string()], &c).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    let rules = Rules::default();
    for check in [Check::Tls, Check::Http, Check::WebFiles] {
        for rule in rules_of(check) {
            let o = outcome_for(&rules, rule.issue, "silent.web.test", &r.observations);
            assert_ne!(
                o,
                Outcome::Detected,
                "{}:\n{}",
                rule.issue,
                dump(&r, "silent.web.test")
            );
        }
    }
    assert!(
        r.observations.iter().any(|o| o.reason().is_some()),
        "{}",
        dump(&r, "silent.web.test")
    );
    // Outside --connect-within: not dialled, inconclusive (limit).
    c.policy.connect_within = Some(vec!["10.0.0.0/8".parse().unwrap()]);
    let r = scan(&["silent.web.test".to_string()], &c).await.unwrap();
    assert!(
        r.observations
            .iter()
            .all(|o| o.reason() == Some(posture_core::observe::Reason::Limit)),
        "{}",
        dump(&r, "silent.web.test")
    );
}

/// Hostile sites: a redirect loop (five hops, then no page), a redirect off
/// the registrable domain (not followed), a 1 MB page (64 KiB read), and a
/// server that answers with bytes that are not HTTP (inconclusive). None
/// raises a header finding on a page that was never seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sites_are_bounded_and_never_followed_away() {
    let ips = [ip(50), ip(51), ip(52), ip(53)];
    let ls = same_port(&ips).await.unwrap();
    let port = ls[0].local_addr().unwrap().port();
    let mut ls = ls.into_iter();
    let looping = Site::new()
        .route("/", Page::redirect(302, "/a"))
        .route("/a", Page::redirect(302, "/b"))
        .fallback(Page::redirect(302, "/"));
    let away = Site::new().fallback(Page::redirect(301, "http://evil.example/steal"));
    let huge = Site::new().fallback(Page::ok(vec![b'x'; 1 << 20]).headers(&[
        ("Content-Type", "text/plain"),
        ("X-Content-Type-Options", "nosniff"),
    ]));
    let _a = WebServer::serve(ls.next().unwrap(), looping, None).unwrap();
    let _b = WebServer::serve(ls.next().unwrap(), away, None).unwrap();
    let _c = WebServer::serve(ls.next().unwrap(), huge, None).unwrap();
    let garbage = ls.next().unwrap();
    let _d = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = garbage.accept().await {
            let _ = s
                .write_all(b"\x16\x03\x01\x00\x02\x02\x28SSH-2.0-nope\r\n\r\n")
                .await;
        }
    });
    let mut w = World::new();
    for (name, last) in [
        ("loop.web.test", 50u8),
        ("away.web.test", 51),
        ("huge.web.test", 52),
        ("garbage.web.test", 53),
    ] {
        w.add(
            name,
            RecordValue::A(std::net::Ipv4Addr::new(127, 0, 1, last)),
        );
    }
    let dns = DnsSandbox::start(w).await.unwrap();
    let mut c = ScanConfig::default();
    c.policy.nameserver = Some(dns.addr());
    c.policy.connect_within = Some(vec!["127.0.0.0/8".parse().unwrap()]);
    c.policy.timeout = Duration::from_millis(800);
    c.checks = vec![Check::Http, Check::WebFiles];
    c.http_port = port;
    // Nothing listens on HTTPS there (port 1 is refused on loopback).
    c.https_port = 1;
    let targets: Vec<String> = ["loop", "away", "huge", "garbage"]
        .iter()
        .map(|h| format!("{h}.web.test"))
        .collect();
    let r = scan(&targets, &c).await.unwrap();
    let http = |asset: &str| {
        r.observations
            .iter()
            .find(|o| o.asset == asset && o.check() == Check::Http)
            .unwrap()
    };
    let hops = |asset: &str| match http(asset).fact() {
        Some(Fact::Http(h)) => match &h.http {
            posture_core::observe::HttpProbe::Answered(a) => (a.hops.len(), a.page.is_some()),
            other => panic!("{asset}: {other:?}"),
        },
        other => panic!("{asset}: {other:?}"),
    };
    assert_eq!(hops("loop.web.test"), (6, false));
    assert_eq!(hops("away.web.test"), (1, false));
    assert_eq!(hops("huge.web.test"), (1, true));
    assert!(
        http("garbage.web.test").reason().is_some(),
        "{:?}",
        http("garbage.web.test")
    );
    let rules = Rules::default();
    for asset in ["loop.web.test", "away.web.test"] {
        for rule in rules_of(Check::Http) {
            let o = outcome_for(&rules, rule.issue, asset, &r.observations);
            match rule.issue {
                // An HTTP site with no HTTPS, redirecting in circles or
                // elsewhere: that much is true of it.
                "https_missing" | "http_no_redirect" => {}
                // The page was never seen: its headers are an open question.
                "csp_missing"
                | "x_frame_options_missing"
                | "x_content_type_options_missing"
                | "server_version_disclosed" => {
                    assert_eq!(o, Outcome::Inconclusive, "{asset} {}", rule.issue);
                }
                _ => assert_ne!(o, Outcome::Detected, "{asset} {}", rule.issue),
            }
        }
    }
    let files = r
        .observations
        .iter()
        .find(|o| o.asset == "huge.web.test" && o.check() == Check::WebFiles)
        .unwrap();
    let Some(Fact::WebFiles(f)) = files.fact() else {
        panic!("{files:?}")
    };
    for file in &f.files {
        if let posture_core::observe::WebFetch::Answered { head, .. } = &file.fetch {
            assert!(head.len() <= 2048);
        }
    }
}
