//! `posture demo` as a newcomer runs it: the JSON story is checked step by
//! step (grades, the worst vendor, the plan, the rescans, the improvement,
//! the expectation), its figures are reproduced by other commands, and it
//! runs in a network namespace that has nothing but loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rust_decimal::Decimal;
use serde_json::Value;
use std::process::Command;
use std::str::FromStr;
use std::sync::OnceLock;

mod common;
use common::{CSR_DOMAIN_FIELDS, CSR_VENDOR_FIELDS, posture};

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// One run of the demo, shared by the tests that only read its output.
fn demo() -> &'static Value {
    static OUT: OnceLock<Value> = OnceLock::new();
    OUT.get_or_init(|| {
        let o = posture(&["demo", "--format", "json"], None);
        assert!(o.status.success(), "demo failed: {}", text(&o.stderr));
        serde_json::from_str(&text(&o.stdout)).unwrap()
    })
}

/// A JSON decimal: always a string.
fn dec(v: &Value) -> Decimal {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("decimal {v} is not a string"));
    Decimal::from_str(s).unwrap()
}

#[test]
fn every_grade_and_at_least_six_vendors() {
    let v = demo();
    let cards = v["scorecards"].as_array().unwrap();
    let vendors: Vec<&Value> = cards.iter().filter(|c| c["role"] == "vendor").collect();
    assert!(vendors.len() >= 6, "{} vendors", vendors.len());
    assert_eq!(cards.iter().filter(|c| c["role"] == "requester").count(), 1);
    for g in ["A", "B", "C", "D", "F"] {
        assert!(
            cards.iter().any(|c| c["grade"] == g),
            "no organisation with grade {g}"
        );
    }
    for c in cards {
        assert!(c["organization"].is_string());
        let score = dec(&c["score"]);
        assert!(score > Decimal::ZERO && score <= Decimal::from(100));
        assert_eq!(c["model"], "posture-v1");
    }
    assert!(
        vendors.iter().any(|c| c["in_use"] == false),
        "a vendor not in use shows that it weighs nothing"
    );
}

#[test]
fn each_organisation_scanned_on_its_own_loopback_address() {
    let v = demo();
    let ns = v["nameserver"].as_str().unwrap();
    assert!(ns.starts_with("127."), "{ns}");
    let mut addresses = std::collections::BTreeSet::new();
    for s in v["scans"].as_array().unwrap() {
        let ips: Vec<&str> = s["targets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| t.parse::<std::net::Ipv4Addr>().is_ok())
            .collect();
        assert_eq!(ips.len(), 1, "{}: {ips:?}", s["id"]);
        let ip: std::net::Ipv4Addr = ips[0].parse().unwrap();
        assert!(ip.is_loopback() && ip != std::net::Ipv4Addr::LOCALHOST);
        assert!(addresses.insert(ip), "{ip} shared");
        // Every port is unprivileged, chosen at run time, mapped PORT=ISSUE;
        // one list, one issue per port, probed on every address.
        let ports: Vec<&str> = s["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(
            ports,
            demo()["scans"][0]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect::<Vec<_>>()
        );
        let mut seen = std::collections::BTreeSet::new();
        for p in &ports {
            let (port, issue) = p.split_once('=').unwrap();
            assert!(port.parse::<u16>().unwrap() >= 1024, "{p}");
            assert!(seen.insert(port), "port {port} mapped twice");
            assert!(issue.starts_with("service_"), "{p}");
        }
        for l in s["services"].as_array().unwrap() {
            assert!(ports.contains(&l.as_str().unwrap()), "{l} not probed");
        }
        assert!(s["queries"].as_u64().unwrap() > 0);
    }
    assert!(
        v["scans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| !s["services"].as_array().unwrap().is_empty()),
        "some organisations expose services"
    );
    // Each service was found where it listens, and nowhere else: every
    // organisation's service findings are exactly its listening services.
    for (scan, card) in v["scans"]
        .as_array()
        .unwrap()
        .iter()
        .zip(v["scorecards"].as_array().unwrap())
    {
        assert_eq!(scan["id"], card["id"]);
        let ip = scan["targets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .find(|t| t.parse::<std::net::Ipv4Addr>().is_ok())
            .unwrap();
        let mut listening: Vec<String> = scan["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().split_once('=').unwrap().1.to_owned())
            .collect();
        let mut found: Vec<String> = card["factors"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["issues"].as_array().unwrap().iter())
            .filter(|i| i["issue"].as_str().unwrap().starts_with("service_"))
            .map(|i| i["issue"].as_str().unwrap().to_owned())
            .collect();
        listening.sort();
        found.sort();
        assert_eq!(found, listening, "{} on {ip}", scan["id"]);
    }
    // Every address was probed, so network security is assessed for all.
    for c in v["scorecards"].as_array().unwrap() {
        let net = c["factors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["factor"] == "network_security")
            .unwrap();
        assert_eq!(net["assessed"], true, "{}", c["id"]);
    }
}

#[test]
fn dns_failures_are_inconclusive_never_findings() {
    let v = demo();
    let scans = v["scans"].as_array().unwrap();
    let failing: Vec<&Value> = scans
        .iter()
        .filter(|s| !s["inconclusive"].as_array().unwrap().is_empty())
        .collect();
    assert!(!failing.is_empty(), "the sample has a failing name server");
    for s in failing {
        let id = s["id"].as_str().unwrap();
        let card = v["scorecards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap();
        for i in s["inconclusive"].as_array().unwrap() {
            let reasons = i["reasons"].as_array().unwrap();
            assert!(
                reasons
                    .iter()
                    .any(|r| ["servfail", "refused", "timeout"].contains(&r.as_str().unwrap())),
                "{i}"
            );
            let check = i["issue"].as_str().unwrap();
            let found = card["factors"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|f| f["issues"].as_array().unwrap().iter())
                .any(|x| x["issue"] == check);
            assert!(!found, "{id}: inconclusive {check} became a finding");
        }
    }
}

#[test]
fn the_plan_goes_to_the_worst_in_use_vendor_and_works() {
    let v = demo();
    let csr = &v["csr"];
    // The worst in-use vendor by the CSR's own figures.
    let worst = csr["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["in_use"] == true)
        .min_by_key(|x| dec(&x["fraction"]))
        .unwrap();
    let after = &v["after"];
    assert_eq!(after["vendor"], worst["id"]);
    // A worse vendor exists that is not in use: it was not picked.
    assert!(
        csr["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| { x["in_use"] == false && dec(&x["fraction"]) < dec(&worst["fraction"]) })
    );
    for k in ["score_before", "score_after", "csr_before", "csr_after"] {
        assert!(after[k].is_string(), "after.{k} is not a string");
    }
    let (before, after_score) = (dec(&after["score_before"]), dec(&after["score_after"]));
    assert!(after_score > before, "{before} -> {after_score}");
    assert!(dec(&after["csr_after"]) > dec(&after["csr_before"]));
    assert_eq!(after["expectation_met"], true);
    assert_eq!(after["grade_before"], "F");
    // The rescanned score is the planner's projection: the fixes were
    // exactly the plan's, and the collector saw them.
    let steps = v["improve"]["steps"].as_array().unwrap();
    assert_eq!(v["improve"]["reachable"], true);
    assert_eq!(
        dec(&steps.last().unwrap()["projected_score"]),
        after_score,
        "planner projection vs rescan"
    );
    assert_eq!(v["scorecard_after"]["score"], after["score_after"]);
    // The plan: every item verified by a rescan that came out clean.
    let plan = &v["plan"];
    assert_eq!(plan["vendor"], worst["id"]);
    assert_eq!(plan["status"], "closed");
    let items = plan["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["status"] == "verified"), "{items:?}");
    assert_eq!(plan["progress"]["verified"], items.len());
    assert_eq!(plan["progress"]["total"], items.len());
    assert_eq!(plan["progress"]["target_met"], true);
    let rescans = v["rescans"].as_array().unwrap();
    assert_eq!(rescans.len(), items.len());
    assert!(
        rescans
            .iter()
            .all(|r| r["outcome"] == "clean" && r["response"]["ok"] == true)
    );
    // The planner's issue types are the plan's.
    let planned: std::collections::BTreeSet<&str> =
        steps.iter().map(|s| s["issue"].as_str().unwrap()).collect();
    let itemised: std::collections::BTreeSet<&str> =
        items.iter().map(|i| i["issue"].as_str().unwrap()).collect();
    assert_eq!(planned, itemised);
    // The expectation went from pending to met.
    assert_eq!(v["expectation"]["status_before"], "pending");
    assert_eq!(v["expectation"]["status_after"], "met");
    // Every workflow command was accepted, and e-mails were asked for.
    assert!(
        v["workflow"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["result"] == "ok")
    );
    let templates: Vec<&str> = v["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["template"].as_str().unwrap())
        .collect();
    assert!(templates.contains(&"invitation") && templates.contains(&"plan_sent"));
    // The worst vendor leaves the risk list's head; the CSR grade improves.
    assert_ne!(
        v["csr_after"]["priorities"][0]["entity"], worst["id"],
        "the fixed vendor is no longer the top priority"
    );
}

#[test]
fn the_csr_object_is_what_posture_csr_prints() {
    let v = demo();
    for (doc, result) in [("portfolio", "csr"), ("portfolio_after", "csr_after")] {
        let input = serde_json::to_string(&v[doc]).unwrap();
        let o = posture(&["csr", "--input", "-", "--format", "json"], Some(&input));
        assert!(o.status.success(), "{}", text(&o.stderr));
        let printed: Value = serde_json::from_str(&text(&o.stdout)).unwrap();
        assert_eq!(printed, v[result], "{doc} -> {result}");
    }
    let csr = &v["csr"];
    for k in ["csr", "fraction"] {
        assert!(csr[k].is_string(), "csr.{k}");
    }
    for d in csr["domains"].as_array().unwrap() {
        for k in CSR_DOMAIN_FIELDS {
            assert!(!d[k].is_null(), "domain.{k}");
        }
    }
    for x in csr["vendors"].as_array().unwrap() {
        for k in CSR_VENDOR_FIELDS {
            assert!(!x[k].is_null(), "vendor.{k}");
        }
        if x["in_use"] == false {
            assert_eq!(dec(&x["weight"]), Decimal::ZERO);
        }
    }
    assert!(!csr["priorities"].as_array().unwrap().is_empty());
    assert!(!csr["vendors_with_risks"].as_array().unwrap().is_empty());
}

#[test]
fn the_store_can_be_kept_and_queried() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo.sqlite");
    let store_s = store.to_str().unwrap();
    let o = posture(&["demo", "--store", store_s, "--format", "table"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains(&format!("--store {store_s}")));
    // `posture workflow --store STORE query ARGS... --format json`.
    let query = |args: &[&str]| {
        let mut all = vec!["workflow", "--store", store_s, "query"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        posture(&all, None)
    };
    let q = query(&["plan", "--id", "plan-shipfast-1", "--actor", "alice"]);
    assert!(q.status.success(), "{}", text(&q.stderr));
    let plan: Value = serde_json::from_str(&text(&q.stdout)).unwrap();
    assert_eq!(plan["status"], "closed");
    // The vendor's contact sees it too; a stranger does not.
    let q = query(&["assigned", "--actor", "u-shipfast"]);
    assert!(q.status.success(), "{}", text(&q.stderr));
    let assigned: Value = serde_json::from_str(&text(&q.stdout)).unwrap();
    assert_eq!(assigned.as_array().unwrap().len(), 1);
    assert_eq!(assigned[0]["plan"], "plan-shipfast-1");
    let q = query(&["plan", "--id", "plan-shipfast-1", "--actor", "nobody"]);
    assert_eq!(q.status.code(), Some(3));
}

#[test]
fn an_existing_store_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo.sqlite");
    std::fs::write(&store, b"keep me").unwrap();
    let o = posture(
        &[
            "demo",
            "--store",
            store.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("exists"), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
    assert_eq!(std::fs::read(&store).unwrap(), b"keep me");
}

#[test]
fn demo_table_narrates_the_five_steps() {
    let o = posture(&["demo", "--format", "table"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for step in ["1. ", "2. ", "3. ", "4. ", "5. "] {
        assert!(
            out.lines().any(|l| l.starts_with(step)),
            "step {step} missing:\n{out}"
        );
    }
    assert!(out.contains("expectation grade B: met"), "{out}");
}

/// The demo must run where the only interface is loopback. `unshare -n`
/// gives it a fresh network namespace (lo is brought up first); the story
/// must come out the same: nothing it needs lies beyond loopback.
#[test]
fn demo_runs_in_a_namespace_with_only_loopback() {
    let probe = Command::new("unshare").args(["-n", "true"]).output();
    let usable = probe.as_ref().is_ok_and(|o| o.status.success());
    assert!(
        usable,
        "this test needs `unshare -n` (util-linux, as root or with user \
         namespaces) and `ip` (iproute2) to isolate the demo from every \
         network but loopback: {probe:?}"
    );
    let script = format!(
        "ip link set lo up || exit 96; \
         links=$(ip -o link show | cut -d: -f2 | tr -d ' '); \
         [ \"$links\" = lo ] || {{ echo \"interfaces: $links\" >&2; exit 97; }}; \
         exec '{}' demo --format json",
        env!("CARGO_BIN_EXE_posture")
    );
    let o = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        text(&o.stderr)
    );
    let v: Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    let grades = |v: &Value| -> Vec<(String, String)> {
        v["scorecards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_owned(),
                    c["grade"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(grades(&v), grades(demo()));
    assert_eq!(v["after"]["expectation_met"], true);
    assert_eq!(v["after"]["score_after"], demo()["after"]["score_after"]);
}
