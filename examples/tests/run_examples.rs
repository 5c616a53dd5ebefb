//! Runs the example programs (built by `cargo test` before tests run) and
//! checks what they print.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/NAME`, found from this test's own path
/// (`target/<profile>/deps/run_examples-…`).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|p| p.parent()).unwrap();
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} was not built; run `cargo test --workspace`",
        path.display()
    );
    path
}

#[test]
fn score_findings_scores_the_sample_and_plans() {
    let out = Command::new(example("score_findings")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("example-corp: "), "{text}");
    assert!(text.contains("network_security"), "{text}");
    assert!(text.contains("step 1: fix service_rdp"), "{text}");
}

#[test]
fn score_findings_reports_bad_input_with_its_code() {
    let dir = std::env::temp_dir().join(format!("posture-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"organization": "x", "as_of": "2026-11-01T00:00:00Z", "assets": [], "findings": []}"#,
    )
    .unwrap();
    let out = Command::new(example("score_findings"))
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty_footprint"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn scan_domain_scans_the_sandbox_and_scores() {
    let out = Command::new(example("scan_domain")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("finding: spf_softfail_all on example-corp.example"),
        "{text}"
    );
    assert!(
        text.contains("finding: dmarc_policy_none on example-corp.example"),
        "{text}"
    );
    assert!(text.contains("score "), "{text}");
}

#[test]
fn aggregate_portfolio_prints_csr_and_priorities() {
    let out = Command::new(example("aggregate_portfolio"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("CSR "), "{text}");
    assert!(text.contains("fix payroll"), "{text}");
    assert!(
        text.contains("vendors with potential security risks: payroll"),
        "{text}"
    );
}

#[test]
fn compare_models_ranks_a_hosts_own_model_beside_the_built_in_ones() {
    let run = || {
        let out = Command::new(example("compare_models"))
            .args(["2000", "3"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run();
    assert!(text.starts_with("2000 organisations, "), "{text}");
    for id in ["posture-v1", "worst-factor", "bitsight-like"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} missing: {text}"));
        assert!(line.contains(" AUC 0."), "{line}");
        assert!(line.contains("F to A "), "{line}");
    }
    assert!(text.contains("rho posture-v1 / worst-factor: 0."), "{text}");
    // The same arguments, the same figures.
    assert_eq!(text, run());
    let bad = Command::new(example("compare_models"))
        .arg("many")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn action_plan_runs_against_a_store() {
    let dir = std::env::temp_dir().join(format!("posture-plan-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("plans.sqlite");
    let out = Command::new(example("action_plan"))
        .arg(&store)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("host sends e-mail `plan_sent` to victor@pay.example"),
        "{text}"
    );
    assert!(
        text.contains("host rescans spf_missing on pay.example"),
        "{text}"
    );
    assert!(text.contains("plan p1: 1/1 verified"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tls_lab_serves_until_its_input_closes() {
    use std::io::BufRead;
    let mut child = Command::new(example("tls_lab"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let lab: serde_json::Value = serde_json::from_str(&line).unwrap();
    let hosts = lab["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 10);
    let port = lab["https_port"].as_u64().unwrap();
    for h in hosts {
        let addr = format!("{}:{port}", h["address"].as_str().unwrap());
        assert!(std::net::TcpStream::connect(&addr).is_ok(), "{addr}");
    }
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}
