//! Runs the OpenSPF RFC 7208 test suite (tests/data/rfc7208-tests.yml,
//! release 2014.04, see tests/data/LICENSE) against `spf::check_host` over
//! an in-memory DNS built from each scenario's zone data.

// Test-data helpers outside #[test] functions: malformed data should panic.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use posture_signals::spf::{Lookup, SpfDns, SpfRequest, check_host};
use yaml_rust2::{Yaml, YamlLoader};

/// Cases allowed to fail, with the reason. Empty: every case passes.
const ALLOWED_FAILURES: &[(&str, &str)] = &[];

/// Minimum number of passing cases required.
const MIN_PASS: usize = 200;

#[derive(Debug, Clone)]
enum Rr {
    Txt(String),
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Mx(u16, String),
    Ptr(String),
    Cname(String),
    Timeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Txt,
    A,
    Aaaa,
    Mx,
    Ptr,
}

/// In-memory zone following the conventions of the suite's reference driver
/// (pyspf's testspf.py): SPF-type records are copied to TXT unless the name
/// has explicit TXT entries (`TXT: NONE` means "no TXT"); `TIMEOUT` makes a
/// query time out unless records of the asked type precede it; CNAMEs are
/// followed.
#[derive(Clone)]
struct MockDns {
    zone: HashMap<String, Vec<Rr>>,
}

fn norm(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

fn yaml_str(y: &Yaml) -> String {
    match y {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => panic!("unexpected YAML scalar {other:?}"),
    }
}

impl MockDns {
    fn from_yaml(zonedata: &Yaml) -> Self {
        let mut zone = HashMap::new();
        let Some(hash) = zonedata.as_hash() else {
            return Self { zone };
        };
        for (name, entries) in hash {
            let name = norm(&yaml_str(name));
            let mut rrs = Vec::new();
            let mut generated = Vec::new();
            let mut has_txt = false;
            for entry in entries.as_vec().expect("zone entries are a list") {
                if let Yaml::String(s) = entry {
                    assert_eq!(s, "TIMEOUT", "unknown bare zone entry");
                    rrs.push(Rr::Timeout);
                    continue;
                }
                let map = entry.as_hash().expect("zone entry is a map");
                for (ty, value) in map {
                    let ty = yaml_str(ty);
                    match ty.as_str() {
                        "SPF" | "TXT" => {
                            let text = match value {
                                Yaml::Array(parts) => parts.iter().map(yaml_str).collect(),
                                v => yaml_str(v),
                            };
                            if ty == "TXT" {
                                has_txt = true;
                                if text != "NONE" {
                                    rrs.push(Rr::Txt(text));
                                }
                            } else if text != "NONE" {
                                // The evaluator queries TXT only: SPF-type
                                // records are visible only as generated TXT.
                                generated.push(Rr::Txt(text));
                            }
                        }
                        "A" => rrs.push(Rr::A(yaml_str(value).parse().expect("A value"))),
                        "AAAA" => rrs.push(Rr::Aaaa(yaml_str(value).parse().expect("AAAA value"))),
                        "MX" => {
                            let v = value.as_vec().expect("MX value is [pref, host]");
                            let pref = v[0].as_i64().expect("MX preference");
                            rrs.push(Rr::Mx(
                                u16::try_from(pref).expect("MX preference range"),
                                yaml_str(&v[1]),
                            ));
                        }
                        "PTR" => rrs.push(Rr::Ptr(yaml_str(value))),
                        "CNAME" => rrs.push(Rr::Cname(yaml_str(value))),
                        other => panic!("unsupported record type {other} at {name}"),
                    }
                }
            }
            if !has_txt {
                rrs.extend(generated);
            }
            zone.insert(name, rrs);
        }
        Self { zone }
    }

    fn query(&self, name: &str, kind: Kind, depth: u32) -> Lookup<Vec<Rr>> {
        if depth > 8 {
            return Lookup::Failed(posture_signals::Reason::CnameLoop);
        }
        let Some(rrs) = self.zone.get(&norm(name)) else {
            return Lookup::NxDomain;
        };
        let mut found = Vec::new();
        for rr in rrs {
            let matches = matches!(
                (rr, kind),
                (Rr::Txt(_), Kind::Txt)
                    | (Rr::A(_), Kind::A)
                    | (Rr::Aaaa(_), Kind::Aaaa)
                    | (Rr::Mx(..), Kind::Mx)
                    | (Rr::Ptr(_), Kind::Ptr)
            );
            match rr {
                Rr::Timeout if found.is_empty() => {
                    return Lookup::Failed(posture_signals::Reason::Timeout);
                }
                Rr::Cname(target) => return self.query(target, kind, depth + 1),
                _ if matches => found.push(rr.clone()),
                _ => {}
            }
        }
        if found.is_empty() {
            Lookup::NoData
        } else {
            Lookup::Records(found)
        }
    }

    fn map<T>(&self, name: &str, kind: Kind, f: impl Fn(Rr) -> Option<T>) -> Lookup<Vec<T>> {
        match self.query(name, kind, 0) {
            Lookup::Records(r) => Lookup::Records(r.into_iter().filter_map(f).collect()),
            Lookup::NxDomain => Lookup::NxDomain,
            Lookup::NoData => Lookup::NoData,
            Lookup::Failed(e) => Lookup::Failed(e),
        }
    }
}

fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::new();
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0x0f, b >> 4));
            }
            s + "ip6.arpa"
        }
    }
}

impl SpfDns for MockDns {
    async fn txt(&self, name: &str) -> Lookup<Vec<String>> {
        self.map(name, Kind::Txt, |r| match r {
            Rr::Txt(t) => Some(t),
            _ => None,
        })
    }
    async fn a(&self, name: &str) -> Lookup<Vec<Ipv4Addr>> {
        self.map(name, Kind::A, |r| match r {
            Rr::A(a) => Some(a),
            _ => None,
        })
    }
    async fn aaaa(&self, name: &str) -> Lookup<Vec<Ipv6Addr>> {
        self.map(name, Kind::Aaaa, |r| match r {
            Rr::Aaaa(a) => Some(a),
            _ => None,
        })
    }
    async fn mx(&self, name: &str) -> Lookup<Vec<(u16, String)>> {
        self.map(name, Kind::Mx, |r| match r {
            Rr::Mx(p, h) => Some((p, h)),
            _ => None,
        })
    }
    async fn ptr(&self, ip: IpAddr) -> Lookup<Vec<String>> {
        self.map(&reverse_name(ip), Kind::Ptr, |r| match r {
            Rr::Ptr(p) => Some(p),
            _ => None,
        })
    }
}

/// Runs every case with the DNS that `make` builds for each scenario and
/// returns (total, passed, failures).
async fn run_suite<D: SpfDns, F: AsyncFnMut(&MockDns) -> D>(
    mut make: F,
) -> (usize, usize, Vec<(String, String)>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rfc7208-tests.yml");
    let text = std::fs::read_to_string(path).expect("test suite data is present");
    let docs = YamlLoader::load_from_str(&text).expect("test suite parses");
    assert!(!docs.is_empty(), "no scenarios loaded from {path}");

    let mut total = 0usize;
    let mut passed = 0usize;
    let mut failures: Vec<(String, String)> = Vec::new();
    for doc in &docs {
        let scenario = doc["description"].as_str().unwrap_or("?");
        let mock = MockDns::from_yaml(&doc["zonedata"]);
        let dns = make(&mock).await;
        let tests = doc["tests"].as_hash().expect("scenario has tests");
        for (name, case) in tests {
            total += 1;
            let name = yaml_str(name);
            let helo = yaml_str(&case["helo"]);
            let mailfrom = yaml_str(&case["mailfrom"]);
            let ip: IpAddr = yaml_str(&case["host"]).parse().expect("host is an IP");
            let expected: Vec<String> = match &case["result"] {
                Yaml::Array(a) => a.iter().map(yaml_str).collect(),
                y => vec![yaml_str(y)],
            };
            let domain = if mailfrom.is_empty() {
                helo.clone()
            } else {
                mailfrom
                    .rsplit_once('@')
                    .map_or(mailfrom.clone(), |(_, d)| d.to_owned())
            };
            let req = SpfRequest {
                ip,
                sender: &mailfrom,
                helo: &helo,
                receiver: "unknown",
            };
            let out = check_host(&dns, &req, &domain).await;
            let mut problem = None;
            if !expected.iter().any(|e| e == out.result.as_str()) {
                problem = Some(format!(
                    "result {} (expected {expected:?}; reason: {})",
                    out.result, out.reason
                ));
            } else if let Some(exp) = case["explanation"].as_str() {
                // "DEFAULT" means the implementation's default explanation,
                // i.e. no exp= explanation. DNS names in explanations are
                // compared case-insensitively.
                let ok = if exp == "DEFAULT" {
                    out.explanation.is_none()
                } else {
                    out.explanation
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(exp))
                };
                if !ok {
                    problem = Some(format!(
                        "explanation {:?} (expected {exp:?})",
                        out.explanation
                    ));
                }
            }
            match problem {
                None => passed += 1,
                Some(p) => failures.push((name, format!("[{scenario}] {p}"))),
            }
        }
    }
    (total, passed, failures)
}

fn judge(
    label: &str,
    allowed: &[(&str, &str)],
    total: usize,
    passed: usize,
    failures: &[(String, String)],
) {
    println!("OpenSPF RFC 7208 suite ({label}): {passed}/{total} passed");
    let mut unexpected = Vec::new();
    for (name, why) in failures {
        match allowed.iter().find(|(n, _)| n == name) {
            Some((_, reason)) => println!("allowed failure {name}: {why} -- {reason}"),
            None => unexpected.push(format!("{name}: {why}")),
        }
    }
    for (name, _) in allowed {
        if !failures.iter().any(|(n, _)| n == name) {
            println!("note: allowed failure {name} now passes; remove it from the list");
        }
    }
    assert!(
        unexpected.is_empty(),
        "{label}: {} unexpected failure(s):\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert_eq!(total, 203, "the suite has 203 cases");
    assert!(
        passed >= MIN_PASS,
        "{label}: only {passed}/{total} cases passed"
    );
}

#[tokio::test]
async fn openspf_rfc7208_suite() {
    let (total, passed, failures) = run_suite(async |m: &MockDns| MockDns {
        zone: m.zone.clone(),
    })
    .await;
    judge(
        "in-memory zones",
        ALLOWED_FAILURES,
        total,
        passed,
        &failures,
    );
}

/// Cases that cannot pass over a real DNS server, with the reason.
const ALLOWED_LOOPBACK_FAILURES: &[(&str, &str)] = &[(
    "spftimeout",
    "the zone answers TXT but times out only type-SPF (99) queries; the sandbox injects faults per name, not per type, so its TXT query times out too and the result is temperror",
)];

/// The same suite through the real collector DNS client (hickory) and an
/// authoritative server on loopback serving each scenario's zone data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openspf_rfc7208_suite_over_loopback_dns() {
    use posture_sandbox::{DnsSandbox, Fault, RecordValue, World};
    let server = DnsSandbox::start(World::new())
        .await
        .expect("sandbox starts");
    let addr = server.addr();
    let server = &server;
    let (total, passed, failures) = run_suite(async |m: &MockDns| {
        let mut w = World::new();
        for (name, rrs) in &m.zone {
            for rr in rrs {
                match rr {
                    Rr::Txt(t) => {
                        w.txt(name, t);
                    }
                    Rr::A(a) => {
                        w.add(name, RecordValue::A(*a));
                    }
                    Rr::Aaaa(a) => {
                        w.add(name, RecordValue::Aaaa(*a));
                    }
                    Rr::Mx(p, h) => {
                        w.add(name, RecordValue::Mx(*p, h.clone()));
                    }
                    Rr::Ptr(p) => {
                        w.add(name, RecordValue::Ptr(p.clone()));
                    }
                    Rr::Cname(c) => {
                        w.add(name, RecordValue::Cname(c.clone()));
                    }
                    Rr::Timeout => {
                        w.fault_exact(name, Fault::Silent);
                    }
                }
            }
        }
        server.update(|old| *old = w);
        let mut policy = posture_signals::ScanPolicy::default();
        policy.nameserver = Some(addr);
        policy.timeout = std::time::Duration::from_millis(300);
        posture_signals::Dns::new(&policy)
            .await
            .expect("client builds")
    })
    .await;
    judge(
        "loopback DNS server",
        ALLOWED_LOOPBACK_FAILURES,
        total,
        passed,
        &failures,
    );
}
