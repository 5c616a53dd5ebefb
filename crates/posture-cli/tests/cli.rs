//! The `posture` command as hosts and people use it: exit codes, output
//! shapes, field names and error messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{CSR_DOMAIN_FIELDS, CSR_VENDOR_FIELDS, posture, sandbox, stderr, stdout, wf_lines};

fn doc(org: &str, findings: &str) -> String {
    format!(
        r#"{{"organization": "{org}", "as_of": "2026-11-01T00:00:00Z", "assets": ["{org}.example", "192.0.2.0/30"], "findings": [{findings}]}}"#
    )
}

fn finding(issue: &str, asset: &str) -> String {
    format!(
        r#"{{"issue": "{issue}", "asset": "{asset}", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}}"#
    )
}

fn temp_file(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    (dir, p)
}

#[test]
fn score_one_document_prints_one_json_line() {
    let input = doc("acme", &finding("spf_missing", "acme.example"));
    let o = posture(&["score", "--input", "-", "--format", "json"], Some(&input));
    assert!(o.status.success(), "{}", stderr(&o));
    // One compact line, as each document of a batch is (contracts).
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for field in [
        "organization",
        "score",
        "fraction",
        "grade",
        "breach_likelihood",
        "factors",
        "model",
        "catalog",
        "spec",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
    assert_eq!(v["model"], "posture-v1");
    assert_eq!(v["spec"], "scoring-v1");
    assert!(
        v["catalog"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(v["score"].is_string(), "decimals are strings");
    assert!(v["fraction"].is_string());
    assert_eq!(v["factors"].as_array().unwrap().len(), 10);
    let dns = v["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["factor"] == "dns_health")
        .unwrap();
    assert_eq!(dns["assessed"], true);
    let issue = &dns["issues"][0];
    assert_eq!(issue["issue"], "spf_missing");
    assert_eq!(issue["affected_assets"], 1, "counts are integers");
    assert!(issue["penalty"].is_string());
    assert!(issue["severity"].is_string());
}

#[test]
fn batches_come_back_as_ndjson_in_input_order() {
    let docs: Vec<String> = (0..25)
        .map(|i| {
            doc(
                &format!("org{i}"),
                &if i % 2 == 0 {
                    finding("service_telnet", "192.0.2.1")
                } else {
                    String::new()
                },
            )
        })
        .collect();
    let ndjson = docs.join("\n") + "\n";
    let array = format!("[{}]", docs.join(",\n"));
    for input in [ndjson, array] {
        let o = posture(&["score", "--input", "-", "--format", "json"], Some(&input));
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 25);
        for (i, l) in lines.iter().enumerate() {
            let v: Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["organization"], format!("org{i}"));
        }
    }
}

#[test]
fn one_bad_document_fails_the_batch_with_a_located_message() {
    let good = doc("good", &finding("spf_missing", "good.example"));
    let bad = doc(
        "bad",
        &format!(
            "{},{}",
            finding("spf_missing", "bad.example"),
            finding("spf_missing", "bad.example").replace("\"open\"", "\"closed\"")
        ),
    );
    let input = format!("{good}\n{good}\n{bad}\n");
    let o = posture(&["score", "--input", "-", "--format", "json"], Some(&input));
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "nothing on stdout");
    let e = stderr(&o);
    assert!(e.contains("document 3"), "{e}");
    assert!(e.contains("line 3"), "{e}");
    assert!(e.contains("findings[1].status"), "{e}");
    assert!(e.contains("closed"), "{e}");
    assert_eq!(e.lines().count(), 1, "one message: {e}");
}

#[test]
fn every_kind_of_bad_input_exits_2_naming_the_field() {
    let cases = [
        ("{\"organization\": ", "invalid JSON"),
        (
            &doc("x", &finding("no_such_issue", "x.example")) as &str,
            "findings[0].issue",
        ),
        (
            &doc("x", &finding("spf_missing", "elsewhere.example")),
            "findings[0].asset",
        ),
        (
            &doc("x", &finding("spf_missing", "x.example"))
                .replace("2026-11-01T00:00:00Z", "Nov 1"),
            "as_of",
        ),
        (
            &doc("x", "").replace("[\"x.example\", \"192.0.2.0/30\"]", "[]"),
            "footprint is empty",
        ),
        (
            &doc("x", "").replace("\"findings\"", "\"extra\": 1, \"findings\""),
            "unknown field `extra`",
        ),
        (
            &doc(
                "x",
                &finding("spf_missing", "x.example").replace("2026-10-01", "2026-10-29"),
            ),
            "first_seen",
        ),
    ];
    for (input, needle) in cases {
        let o = posture(&["score", "--input", "-"], Some(input));
        assert_eq!(o.status.code(), Some(2), "{input}");
        assert!(
            stderr(&o).contains(needle),
            "{needle} not in {}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn a_missing_file_is_an_io_error() {
    let o = posture(&["score", "--input", "/nonexistent/findings.json"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/findings.json"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [&["score"][..], &["frobnicate"]] {
        let o = posture(args, None);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).starts_with("posture: error: "), "{}", stderr(&o));
    }
    let input = doc("x", "");
    let o = posture(
        &["improve", "--input", "-", "--target", "101"],
        Some(&input),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("outside 0..=100"), "{}", stderr(&o));
}

#[test]
fn scales_present_integers_and_categories() {
    let input = doc("acme", &finding("spf_missing", "acme.example"));
    let o = posture(
        &[
            "score", "--input", "-", "--format", "json", "--scale", "bitsight",
        ],
        Some(&input),
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["scale"], "bitsight");
    assert_eq!(v["score"], "810");
    assert_eq!(v["category"], "Advanced");
    assert_eq!(v["grade"], "B");
    let o = posture(
        &[
            "score", "--input", "-", "--format", "json", "--scale", "upguard",
        ],
        Some(&input),
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["score"], "818");
    assert!(v.get("category").is_none());
}

#[test]
fn improve_reports_steps_and_reachability() {
    let input = doc(
        "acme",
        &format!(
            "{},{}",
            finding("service_rdp", "192.0.2.1"),
            finding("spf_missing", "acme.example")
        ),
    );
    let o = posture(
        &[
            "improve", "--input", "-", "--target", "A", "--format", "json",
        ],
        Some(&input),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["reachable"], true);
    assert_eq!(v["target"], serde_json::json!({"grade": "A"}));
    let steps = v["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    for s in steps {
        for f in [
            "issue",
            "severity",
            "affected_assets",
            "projected_score",
            "projected_grade",
        ] {
            assert!(s.get(f).is_some(), "step lacks {f}");
        }
    }
    assert_eq!(v["final_grade"], "A");
    assert!(v["final_score"].is_string());
    let o = posture(
        &[
            "improve", "--input", "-", "--target", "99.5", "--format", "json",
        ],
        Some(&input),
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["target"], serde_json::json!({"score": "99.5"}));
}

#[test]
fn catalog_lists_the_builtin_and_validates_files() {
    let o = posture(&["catalog", "--format", "json"], None);
    assert!(o.status.success());
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["issues"].as_array().unwrap().len() >= 60);
    let (_d, bad) = temp_file(
        "mine.json",
        r#"[{"id": "a", "factor": "dns_health", "severity": "low", "decay_days": 0, "provisional": false}]"#,
    );
    let o = posture(&["catalog", "--catalog", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("issues[0].decay_days"),
        "{}",
        stderr(&o)
    );
    let (_d, good) = temp_file(
        "mine.json",
        r#"[{"id": "a", "factor": "dns_health", "severity": "low", "decay_days": 3, "provisional": false}]"#,
    );
    let input = doc("x", &finding("a", "x.example"));
    let o = posture(
        &[
            "score",
            "--input",
            "-",
            "--catalog",
            good.to_str().unwrap(),
            "--format",
            "json",
        ],
        Some(&input),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["catalog"]["id"], "mine");
}

#[test]
fn model_config_changes_parameters_and_is_validated() {
    let input = doc("acme", &finding("spf_missing", "acme.example"));
    let (_d, cfg) = temp_file(
        "cfg.json",
        r#"{"score": {"factor_multipliers": {"dns_health": "0"}}}"#,
    );
    let o = posture(
        &[
            "score",
            "--input",
            "-",
            "--model-config",
            cfg.to_str().unwrap(),
            "--format",
            "json",
        ],
        Some(&input),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["score"], "100.00");
    let (_d, cfg) = temp_file("cfg.json", r#"{"score": {"max_penalty": "2"}}"#);
    let o = posture(
        &[
            "score",
            "--input",
            "-",
            "--model-config",
            cfg.to_str().unwrap(),
        ],
        Some(&input),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("score.max_penalty"), "{}", stderr(&o));
}

#[test]
fn tables_fit_80_columns() {
    let input = doc(
        "a-rather-long-organisation-name-that-goes-on-and-on-and-on",
        &format!(
            "{},{}",
            finding("service_rdp", "192.0.2.1"),
            finding("known_exploited_vulnerability", "192.0.2.2")
        ),
    );
    for args in [
        vec!["score", "--input", "-", "--format", "table"],
        vec![
            "improve", "--input", "-", "--target", "A", "--format", "table",
        ],
        vec!["catalog", "--format", "table"],
        vec!["demo", "--format", "table"],
    ] {
        let o = posture(&args, Some(&input));
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        for line in stdout(&o).lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: line too wide ({}): {line}",
                line.chars().count()
            );
        }
    }
}

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

/// The committed schemas are what the code generates. When they are stale
/// this test rewrites them and fails, so that the change gets committed.
#[test]
fn committed_schemas_are_fresh() {
    let dir = schemas_dir();
    let tmp = tempfile::tempdir().unwrap();
    let o = posture(
        &["schema", "--all", "--out", tmp.path().to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let entry = entry.unwrap();
        let fresh = std::fs::read_to_string(entry.path()).unwrap();
        let committed = dir.join(entry.file_name());
        if std::fs::read_to_string(&committed).ok().as_deref() != Some(fresh.as_str()) {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&committed, &fresh).unwrap();
            stale.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    assert!(
        stale.is_empty(),
        "schemas were stale and have been regenerated; commit them: {stale:?}"
    );
    let o = posture(&["schema", "findings-document"], None);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["properties"]["findings"].is_object());
    assert_eq!(posture(&["schema", "nope"], None).status.code(), Some(2));
}

fn portfolio_doc(org: &str) -> String {
    format!(
        r#"{{"organization": "{org}", "as_of": "2026-11-01T00:00:00Z",
  "domains": [{{"domain": "{org}.example", "assets": ["192.0.2.0/30"], "findings": [{}]}}],
  "vendors": [
    {{"id": "pay", "name": "Payroll Co", "in_use": true, "criticality": "critical",
      "domains": [{{"domain": "pay.example", "assets": [], "findings": [{}]}}],
      "questionnaire_risks": [{{"id": "q1", "title": "No MFA", "severity": "high", "status": "open"}}]}},
    {{"id": "old", "name": "Old Vendor", "in_use": false, "domains": []}}
  ]}}"#,
        finding("spf_missing", &format!("{org}.example")),
        finding("service_rdp", "pay.example")
    )
}

#[test]
fn csr_reports_the_contract_fields() {
    let o = posture(
        &["csr", "--input", "-", "--format", "json"],
        Some(&portfolio_doc("acme")),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for f in [
        "csr",
        "fraction",
        "grade",
        "domains",
        "vendors",
        "priorities",
        "vendors_with_risks",
    ] {
        assert!(v.get(f).is_some(), "missing {f}");
    }
    assert!(v["csr"].is_string());
    let d = &v["domains"][0];
    for f in CSR_DOMAIN_FIELDS {
        assert!(d.get(f).is_some(), "domain lacks {f}");
    }
    assert_eq!(
        d["base_weight"].as_str().unwrap().parse::<f64>().unwrap(),
        2.0
    );
    let pay = &v["vendors"][0];
    for f in CSR_VENDOR_FIELDS {
        assert!(pay.get(f).is_some(), "vendor lacks {f}");
    }
    assert!(
        pay["score"].as_str().unwrap() < pay["raw_score"].as_str().unwrap(),
        "questionnaire lowers the score"
    );
    assert_eq!(
        v["vendors"][1]["weight"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        0.0
    );
    assert_eq!(v["priorities"][0]["entity"], "pay");
    assert_eq!(v["priorities"][0]["kind"], "vendor");
    assert!(v["priorities"][0]["gain"].is_string());
    assert_eq!(v["vendors_with_risks"], serde_json::json!(["pay"]));
}

#[test]
fn csr_batches_and_bad_input() {
    let input = format!(
        "{}\n{}\n",
        portfolio_doc("a").replace('\n', " "),
        portfolio_doc("b").replace('\n', " ")
    );
    let o = posture(&["csr", "--input", "-", "--format", "json"], Some(&input));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2);
    let bad = portfolio_doc("a").replace(
        "\"service_rdp\", \"asset\": \"pay.example\"",
        "\"service_rdp\", \"asset\": \"a.example\"",
    );
    let bad = bad.replace(
        &finding("service_rdp", "pay.example"),
        &finding("service_rdp", "a.example"),
    );
    let o = posture(&["csr", "--input", "-"], Some(&bad));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("vendors[0].domains[0].findings[0].asset"),
        "{}",
        stderr(&o)
    );
    let o = posture(
        &["csr", "--input", "-"],
        Some(&portfolio_doc("a").replace("\"in_use\": true,", "")),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("in_use"), "{}", stderr(&o));
    let o = posture(
        &["csr", "--input", "-", "--format", "table"],
        Some(&portfolio_doc("acme")),
    );
    assert!(o.status.success());
    for line in stdout(&o).lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
}

fn scan_world() -> posture_sandbox::World {
    use posture_sandbox::RecordValue;
    let mut w = posture_sandbox::World::new();
    w.txt("acme.example", "v=spf1 ip4:192.0.2.0/24 ~all")
        .add(
            "acme.example",
            RecordValue::Mx(10, "mail.acme.example".into()),
        )
        .add(
            "mail.acme.example",
            RecordValue::A("192.0.2.25".parse().unwrap()),
        )
        .add(
            "www.acme.example",
            RecordValue::Cname("gone.cloud.example".into()),
        )
        .fault("_mta-sts.acme.example", posture_sandbox::Fault::ServFail);
    w
}

#[test]
fn scan_writes_findings_that_score_reads() {
    let (ns, _stop) = sandbox(scan_world());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("findings.json");
    let o = posture(
        &[
            "scan",
            "--connect-within",
            "127.0.0.0/8",
            "acme.example",
            "--nameserver",
            &ns.to_string(),
            "--timeout",
            "1000",
            "--format",
            "json",
            "--findings-out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings: Vec<&str> = v["findings"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["issue"].as_str().unwrap())
        .collect();
    for want in [
        "spf_softfail_all",
        "dmarc_missing",
        "dangling_cname",
        "caa_missing",
    ] {
        assert!(findings.contains(&want), "{want} missing from {findings:?}");
    }
    // The SERVFAIL is inconclusive, listed, and not a finding.
    assert!(!findings.contains(&"mta_sts_missing"));
    let inc = v["inconclusive"].as_array().unwrap();
    assert!(
        inc.iter().any(|i| i["issue"] == "mta_sts_missing"
            && i["check"] == "mta_sts"
            && i["reasons"][0] == "servfail"),
        "{inc:?}"
    );
    assert!(
        v["findings"]["assets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "www.acme.example")
    );
    // Observations are typed facts (tagged by check) or inconclusive.
    let seen = v["observations"].as_array().unwrap();
    for o in seen {
        for f in ["asset", "result", "detail", "at", "source"] {
            assert!(o.get(f).is_some(), "observation lacks {f}: {o}");
        }
    }
    let spf = seen
        .iter()
        .find(|o| o["asset"] == "acme.example" && o["result"]["fact"]["spf"].is_object())
        .unwrap();
    assert_eq!(
        spf["result"]["fact"]["spf"]["evaluation"]["evaluated"]["all"],
        "softfail"
    );
    assert!(
        seen.iter()
            .any(|o| o["result"]["inconclusive"]["check"] == "mta_sts"
                && o["result"]["inconclusive"]["reason"] == "servfail")
    );
    let o = posture(
        &[
            "score",
            "--input",
            out.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let card: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(card["score"], v["scorecard"]["score"]);
}

#[test]
fn a_clean_scan_scores_100() {
    use posture_sandbox::RecordValue;
    let mut w = posture_sandbox::World::new();
    w.txt("clean.example", "v=spf1 -all")
        .txt(
            "_dmarc.clean.example",
            "v=DMARC1; p=reject; rua=mailto:d@clean.example",
        )
        .add("clean.example", RecordValue::Mx(0, ".".into()))
        .add(
            "clean.example",
            RecordValue::CaaIssue("letsencrypt.org".into()),
        )
        .add("clean.example", RecordValue::Ds(vec![1, 2, 3]))
        .txt("_mta-sts.clean.example", "v=STSv1; id=1")
        .txt(
            "_smtp._tls.clean.example",
            "v=TLSRPTv1; rua=mailto:t@clean.example",
        );
    let (ns, _stop) = sandbox(w);
    let o = posture(
        &[
            "scan",
            "--connect-within",
            "127.0.0.0/8",
            "clean.example",
            "--nameserver",
            &ns.to_string(),
            "--format",
            "json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["scorecard"]["score"],
        "100.00",
        "{}",
        serde_json::to_string_pretty(&v["findings"]).unwrap()
    );
}

#[test]
fn spf_check_reports_the_rfc_result() {
    let mut w = posture_sandbox::World::new();
    w.txt(
        "mail.example",
        "v=spf1 ip4:192.0.2.0/24 include:other.example -all",
    )
    .txt("other.example", "v=spf1 ip4:198.51.100.7 -all");
    let (ns, _stop) = sandbox(w);
    let run = |ip: &str| {
        let o = posture(
            &[
                "spf",
                "check",
                "--ip",
                ip,
                "--sender",
                "alice@mail.example",
                "--nameserver",
                &ns.to_string(),
                "--format",
                "json",
            ],
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str::<Value>(&stdout(&o)).unwrap()
    };
    let v = run("192.0.2.10");
    assert_eq!(v["result"], "pass");
    let v = run("198.51.100.7");
    assert_eq!(v["result"], "pass");
    assert_eq!(v["lookups"], 1);
    let v = run("203.0.113.1");
    assert_eq!(v["result"], "fail");
    assert!(v["explanation"].is_string());
}

#[test]
fn scan_usage_errors() {
    let o = posture(
        &[
            "scan",
            "--connect-within",
            "127.0.0.0/8",
            "10.0.0.0/8",
            "--max-addresses",
            "1024",
            "--nameserver",
            "127.0.0.1:9",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1024"), "{}", stderr(&o));
    let o = posture(
        &[
            "scan",
            "--connect-within",
            "127.0.0.0/8",
            "a.example",
            "--ports",
            "12345",
            "--nameserver",
            "127.0.0.1:9",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
}

const SETUP: &[(&str, &str)] = &[
    (
        "host",
        r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#,
    ),
    (
        "host",
        r#"{"type": "register_organization", "org": "pay", "name": "Payroll Co", "domains": ["pay.example"]}"#,
    ),
    (
        "host",
        r#"{"type": "register_user", "user": "alice", "org": "acme", "name": "Alice", "email": "alice@acme.example"}"#,
    ),
    (
        "host",
        r#"{"type": "register_user", "user": "victor", "org": "pay", "name": "Victor", "email": "victor@pay.example"}"#,
    ),
    (
        "host",
        r#"{"type": "register_user", "user": "vera", "org": "pay", "name": "Vera", "email": "vera@pay.example"}"#,
    ),
    (
        "alice",
        r#"{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": "Fix e-mail auth", "target": {"grade": "B"}, "due": "2026-11-20T00:00:00Z"}"#,
    ),
    (
        "alice",
        r#"{"type": "add_plan_item", "plan": "p1", "item": "i1", "issue": "spf_missing", "asset": "pay.example"}"#,
    ),
    (
        "alice",
        r#"{"type": "send_plan", "plan": "p1", "request_id": "r-send"}"#,
    ),
];

#[test]
fn workflow_apply_is_durable_and_answers_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("wf.sqlite");
    let st = store.to_str().unwrap();
    let o = posture(
        &["workflow", "--store", st, "apply"],
        Some(&wf_lines(SETUP)),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), SETUP.len());
    assert!(lines.iter().all(|l| l["ok"] == true), "{out}");
    assert_eq!(lines[7]["effects"][0]["template"], "plan_sent");
    // A second process sees the first one's events; a bad line does not
    // stop the batch; a repeated request id returns the first outcome.
    let mut input = wf_lines(&[(
        "victor",
        r#"{"type": "mark_fixed", "plan": "p1", "item": "i1"}"#,
    )]);
    input.push_str("{not json\n");
    input.push_str(&wf_lines(&[
        (
            "alice",
            r#"{"type": "send_plan", "plan": "p1", "request_id": "r-send"}"#,
        ),
        (
            "vera",
            r#"{"type": "mark_fixed", "plan": "p1", "item": "i1"}"#,
        ),
        (
            "host",
            r#"{"type": "record_rescan", "plan": "p1", "item": "i1", "outcome": "clean"}"#,
        ),
    ]));
    let o = posture(&["workflow", "--store", st, "apply"], Some(&input));
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["effects"][0]["type"], "rescan");
    assert_eq!(lines[0]["effects"][0]["asset"], "pay.example");
    assert_eq!(lines[1]["ok"], false);
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2]["ok"], true,
        "the retried request returns its first outcome"
    );
    assert_eq!(lines[2]["effects"][0]["template"], "plan_sent");
    assert_eq!(
        lines[3]["error"]["code"], "not_found",
        "vera is not the assignee"
    );
    assert_eq!(lines[4]["ok"], true);
    // Queries.
    let o = posture(
        &[
            "workflow",
            "--store",
            st,
            "query",
            "plan",
            "--id",
            "p1",
            "--actor",
            "alice",
            "--at",
            "2026-11-25T00:00:00Z",
            "--format",
            "json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for f in [
        "plan", "vendor", "assignee", "status", "target", "due", "overdue", "items", "progress",
        "messages",
    ] {
        assert!(v.get(f).is_some(), "plan lacks {f}");
    }
    assert_eq!(v["status"], "sent");
    assert_eq!(v["items"][0]["status"], "verified");
    assert!(v["items"][0]["remediation"].as_str().unwrap().len() > 10);
    assert_eq!(v["progress"]["verified"], 1);
    assert_eq!(v["progress"]["total"], 1);
    assert_eq!(
        v["progress"]["target_met"],
        Value::Null,
        "no score recorded yet"
    );
    // All items verified, but no recorded score meets the grade-B target:
    // the plan is not finished, so past its due date it is overdue.
    assert_eq!(v["finished"], false);
    assert_eq!(
        v["overdue"], true,
        "verified items alone do not finish a plan"
    );
    let o = posture(
        &[
            "workflow", "--store", st, "query", "assigned", "--actor", "victor", "--format", "json",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let o = posture(
        &[
            "workflow", "--store", st, "query", "assigned", "--actor", "vera", "--format", "json",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v.as_array().unwrap().is_empty());
    let o = posture(
        &[
            "workflow", "--store", st, "query", "plan", "--id", "p1", "--actor", "vera",
            "--format", "json",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
}

#[test]
fn concurrent_writers_lose_no_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("wf.sqlite");
    let st = store.to_str().unwrap().to_owned();
    let o = posture(
        &["workflow", "--store", &st, "apply"],
        Some(&wf_lines(&SETUP[..5])),
    );
    assert!(o.status.success());
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let st = st.clone();
            std::thread::spawn(move || {
                let lines: Vec<String> = (0..50)
                    .map(|i| format!(r#"{{"type": "create_plan", "plan": "w{w}-{i}", "vendor": "pay", "assignee": "victor", "title": "t", "target": {{"score": "85"}}, "due": "2026-12-01T00:00:00Z"}}"#))
                    .collect();
                let pairs: Vec<(&str, &str)> = lines.iter().map(|l| ("alice", l.as_str())).collect();
                let o = posture(&["workflow", "--store", &st, "apply"], Some(&wf_lines(&pairs)));
                assert!(o.status.success(), "{}", stderr(&o));
                assert!(stdout(&o).lines().all(|l| l.contains("\"ok\":true")));
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let o = posture(
        &[
            "workflow", "--store", &st, "query", "sent", "--actor", "alice", "--format", "json",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 200);
}

#[test]
fn a_process_killed_mid_write_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("wf.sqlite");
    let st = store.to_str().unwrap().to_owned();
    let o = posture(
        &["workflow", "--store", &st, "apply"],
        Some(&wf_lines(&SETUP[..5])),
    );
    assert!(o.status.success());
    // A long stream of commands, killed with SIGKILL while writing.
    let lines: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"type": "create_plan", "plan": "k{i}", "vendor": "pay", "assignee": "victor", "title": "t", "target": {{"score": "85"}}, "due": "2026-12-01T00:00:00Z"}}"#))
        .collect();
    let pairs: Vec<(&str, &str)> = lines.iter().map(|l| ("alice", l.as_str())).collect();
    let input_path = dir.path().join("in.ndjson");
    std::fs::write(&input_path, wf_lines(&pairs)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_posture"))
        .args([
            "workflow",
            "--store",
            &st,
            "apply",
            "--input",
            input_path.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read some acknowledgements, then kill.
    let mut acked = 0usize;
    {
        use std::io::BufRead;
        let out = child.stdout.take().unwrap();
        let mut r = std::io::BufReader::new(out);
        let mut line = String::new();
        while acked < 700 && r.read_line(&mut line).unwrap() > 0 {
            assert!(line.contains("\"ok\":true"), "{line}");
            acked += 1;
            line.clear();
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // Every acknowledged plan is there; the store opens and replays; the
    // next writer carries on.
    let o = posture(
        &[
            "workflow", "--store", &st, "query", "sent", "--actor", "alice", "--format", "json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let n = serde_json::from_str::<Value>(&stdout(&o))
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    assert!(n >= acked, "{n} plans stored but {acked} acknowledged");
    assert!(n <= 20_000);
    eprintln!("killed after {acked} acknowledgements; {n} plans stored");
    let o = posture(
        &["workflow", "--store", &st, "apply"],
        Some(&wf_lines(&[(
            "alice",
            r#"{"type": "create_plan", "plan": "after", "vendor": "pay", "assignee": "victor", "title": "t", "target": {"score": "85"}, "due": "2026-12-01T00:00:00Z"}"#,
        )])),
    );
    assert!(stdout(&o).contains("\"ok\":true"), "{}", stdout(&o));
}

#[test]
fn workflow_rescan_verifies_a_fix_against_the_server() {
    use posture_sandbox::RecordValue;
    let mut w = posture_sandbox::World::new();
    // The vendor has fixed SPF but not its CAA record.
    w.txt("pay.example", "v=spf1 ip4:192.0.2.0/24 -all").add(
        "pay.example",
        RecordValue::Mx(10, "mail.pay.example".into()),
    );
    let (ns, _stop) = sandbox(w);
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("wf.sqlite").to_str().unwrap().to_owned();
    let mut lines = SETUP.to_vec();
    lines.push(("alice", r#"{"type": "add_plan_item", "plan": "p1", "item": "i2", "issue": "caa_missing", "asset": "pay.example"}"#));
    lines.push((
        "victor",
        r#"{"type": "mark_fixed", "plan": "p1", "item": "i1"}"#,
    ));
    lines.push((
        "victor",
        r#"{"type": "mark_fixed", "plan": "p1", "item": "i2"}"#,
    ));
    let o = posture(
        &["workflow", "--store", &st, "apply"],
        Some(&wf_lines(&lines)),
    );
    assert!(
        stdout(&o).lines().all(|l| l.contains("\"ok\":true")),
        "{}",
        stdout(&o)
    );
    let o = posture(
        &[
            "workflow",
            "--store",
            &st,
            "rescan",
            "--connect-within",
            "127.0.0.0/8",
            "--nameserver",
            &ns.to_string(),
            "--timeout",
            "1000",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 2);
    let o = posture(
        &[
            "workflow", "--store", &st, "query", "plan", "--id", "p1", "--actor", "alice",
            "--format", "json",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["items"][0]["status"], "verified",
        "SPF fixed: {}",
        v["items"][0]
    );
    assert_eq!(
        v["items"][1]["status"], "open",
        "CAA still missing: reopened"
    );
    assert_eq!(v["items"][1]["reopened"], 1);
}

#[test]
fn workflow_contact_manager_queries() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("wf.sqlite").to_str().unwrap().to_owned();
    let mut lines = SETUP[..5].to_vec();
    lines.extend_from_slice(&[
        ("alice", r#"{"type": "add_contact", "contact": "c1", "vendor": "pay", "name": "Pat Lee", "email": "pat@pay.example", "title": "CISO"}"#),
        ("alice", r#"{"type": "add_contact", "contact": "c2", "vendor": "pay", "name": "Sam Rivera", "email": "sam@pay.example"}"#),
        ("alice", r#"{"type": "send_invitation", "contact": "c1", "message": "Hello"}"#),
        ("alice", r#"{"type": "set_expectation", "vendor": "pay", "target": {"grade": "B"}, "due": "2026-10-20T00:00:00Z", "suggested_issues": ["spf_missing"]}"#),
        ("host", r#"{"type": "accept_invitation", "contact": "c1", "user": "pat"}"#),
        ("alice", r#"{"type": "send_questionnaire", "questionnaire": "q1", "vendor": "pay", "contact": "c1", "due": "2026-12-01T00:00:00Z", "questions": [{"id": "mfa", "text": "Is MFA enforced?", "severity": "high"}]}"#),
        ("pat", r#"{"type": "answer_questionnaire", "questionnaire": "q1", "answers": [{"id": "mfa", "pass": false}]}"#),
    ]);
    let o = posture(
        &["workflow", "--store", &st, "apply"],
        Some(&wf_lines(&lines)),
    );
    assert!(
        stdout(&o).lines().all(|l| l.contains("\"ok\":true")),
        "{}",
        stdout(&o)
    );
    let q = |args: &[&str]| {
        let mut a = vec!["workflow", "--store", st.as_str(), "query"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--at", "2026-11-01T10:00:00Z", "--format", "json"]);
        let o = posture(&a, None);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        serde_json::from_str::<Value>(&stdout(&o)).unwrap()
    };
    let rows = q(&["contacts", "--actor", "alice"]);
    assert_eq!(rows.as_array().unwrap().len(), 2);
    for f in [
        "contact",
        "vendor",
        "name",
        "email",
        "invitation",
        "invited_at",
        "claimed",
        "active",
        "expectation",
        "score",
    ] {
        assert!(rows[0].get(f).is_some(), "row lacks {f}");
    }
    assert_eq!(rows[0]["invitation"], "accepted");
    assert_eq!(rows[0]["expectation"], "unmet");
    assert_eq!(
        q(&["contacts", "--actor", "alice", "--invitation", "none"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        q(&["contacts", "--actor", "alice", "--name", "RIVERA"])[0]["contact"],
        "c2"
    );
    assert_eq!(
        q(&[
            "contacts",
            "--actor",
            "alice",
            "--days-since-invite",
            "0..1"
        ])
        .as_array()
        .unwrap()
        .len(),
        1
    );
    assert_eq!(
        q(&["contacts", "--actor", "alice", "--claimed", "yes"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let i = q(&["insights", "--actor", "alice"]);
    assert_eq!(i["vendors_contacted"], 1);
    assert_eq!(i["expectations_unmet"], 1);
    let h = q(&["history", "--actor", "alice", "--contact", "c1"]);
    let kinds: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["event"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .as_str()
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "contact_saved",
            "invitation_sent",
            "invitation_accepted",
            "questionnaire_sent",
            "questionnaire_answered"
        ]
    );
    let r = q(&["questionnaire-risks", "--vendor", "pay", "--actor", "alice"]);
    assert_eq!(
        r,
        serde_json::json!([{"id": "q1:mfa", "title": "Is MFA enforced?", "severity": "high", "status": "open"}])
    );
    let o = posture(
        &[
            "workflow",
            "--store",
            &st,
            "query",
            "history",
            "--actor",
            "victor",
            "--contact",
            "c1",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    let o = posture(
        &[
            "workflow",
            "--store",
            &st,
            "query",
            "contacts",
            "--actor",
            "alice",
            "--claimed",
            "maybe",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
}
