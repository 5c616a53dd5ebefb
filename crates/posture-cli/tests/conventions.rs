//! The command-line conventions, through the binary: positional input and
//! `-i`, `-f`, `-o`; one JSON line per input document; one error prefix;
//! grades in either case; defaults in `--help`; completions; empty results
//! said in words; `posture catalog ID`; progress only on a terminal; a
//! warning naming a resolver that answered nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::PathBuf;

mod common;
use common::{posture, posture_env, sandbox, stderr, stdout, wf_lines};

fn finding(issue: &str, asset: &str) -> String {
    format!(
        r#"{{"issue": "{issue}", "asset": "{asset}", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}}"#
    )
}

fn doc(org: &str) -> String {
    format!(
        r#"{{"organization": "{org}", "as_of": "2026-11-01T00:00:00Z", "assets": ["{org}.example", "192.0.2.0/30"], "findings": [{}, {}]}}"#,
        finding("spf_missing", &format!("{org}.example")),
        finding("service_rdp", "192.0.2.1")
    )
}

fn portfolio() -> String {
    format!(
        r#"{{"organization": "acme", "as_of": "2026-11-01T00:00:00Z",
  "domains": [{{"domain": "acme.example", "assets": [], "findings": [{}]}}],
  "vendors": [{{"id": "pay", "name": "Payroll Co", "in_use": true, "criticality": "critical",
    "domains": [{{"domain": "pay.example", "assets": [], "findings": []}}]}}]}}"#,
        finding("spf_missing", "acme.example")
    )
}

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Every line of standard error is one message with the single prefix, or
/// a continuation of one (clap's usage lines), never another prefix.
fn assert_one_prefix(o: &std::process::Output) {
    let e = stderr(o);
    assert!(e.starts_with("posture: error: "), "{e}");
    assert_eq!(e.matches("error:").count(), 1, "one error, one prefix: {e}");
}

#[test]
fn input_is_positional_or_an_option_and_dash_is_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let f = file(&dir, "findings.json", &doc("acme"));
    let f = f.to_str().unwrap();
    let want = stdout(&posture(&["score", "--input", f, "--format", "json"], None));
    assert!(!want.is_empty());
    for (args, stdin) in [
        (vec!["score", f, "--format", "json"], None),
        (vec!["score", "-i", f, "-f", "json"], None),
        (vec!["score", "-", "-f", "json"], Some(doc("acme"))),
        (vec!["score", "-i", "-", "-f", "json"], Some(doc("acme"))),
        (vec!["score", f, "-f", "JSON"], None),
    ] {
        let o = posture(&args, stdin.as_deref());
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), want, "{args:?}");
    }
    for cmd in [
        vec!["improve", f, "--target", "B", "-f", "json"],
        vec!["improve", "-i", f, "--target", "B", "-f", "json"],
    ] {
        let o = posture(&cmd, None);
        assert!(o.status.success(), "{cmd:?}: {}", stderr(&o));
    }
    let p = file(&dir, "portfolio.json", &portfolio());
    let p = p.to_str().unwrap();
    let a = posture(&["csr", p, "-f", "json"], None);
    let b = posture(&["csr", "-i", p, "-f", "json"], None);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    // Both at once, or neither: a usage error.
    for args in [vec!["score", f, "--input", f], vec!["score"]] {
        let o = posture(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_one_prefix(&o);
        assert!(o.stdout.is_empty());
    }
    // workflow apply takes its commands the same ways (standard input by
    // default).
    let lines = wf_lines(&[(
        "host",
        r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#,
    )]);
    let commands = file(&dir, "commands.ndjson", &lines);
    for (n, args) in [
        vec!["apply", commands.to_str().unwrap()],
        vec!["apply", "-i", commands.to_str().unwrap()],
        vec!["apply"],
    ]
    .into_iter()
    .enumerate()
    {
        let store = dir.path().join(format!("wf{n}.sqlite"));
        let mut a = vec!["workflow", "--store", store.to_str().unwrap()];
        a.extend_from_slice(&args);
        let o = posture(&a, Some(&lines));
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o).lines().count(), 1, "{args:?}");
    }
}

#[test]
fn json_is_one_compact_line_per_document_for_one_as_for_many() {
    let one = doc("acme");
    for (cmd, input) in [
        (vec!["score", "-", "-f", "json"], one.clone()),
        (
            vec!["improve", "-", "--target", "A", "-f", "json"],
            one.clone(),
        ),
        (vec!["csr", "-", "-f", "json"], portfolio()),
    ] {
        let single = posture(&cmd, Some(&input));
        assert!(single.status.success(), "{cmd:?}: {}", stderr(&single));
        let text = stdout(&single);
        assert_eq!(text.lines().count(), 1, "{cmd:?}: {text}");
        assert!(text.ends_with('\n') && !text.contains("\n "), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v.is_object());
        // The same document in an array, and twice as NDJSON.
        let array = posture(&cmd, Some(&format!("[{input}]")));
        assert_eq!(stdout(&array), text, "{cmd:?}");
        let flat = input.replace('\n', " ");
        let two = posture(&cmd, Some(&format!("{flat}\n{flat}\n")));
        assert_eq!(stdout(&two), format!("{text}{text}"), "{cmd:?}");
    }
    // Commands that read no document print one line too.
    for cmd in [
        vec!["catalog", "-f", "json"],
        vec!["catalog", "spf_missing", "-f", "json"],
        vec!["checks", "-f", "json"],
    ] {
        let o = posture(&cmd, None);
        assert!(o.status.success(), "{cmd:?}: {}", stderr(&o));
        assert_eq!(stdout(&o).lines().count(), 1, "{cmd:?}");
    }
}

#[test]
fn every_error_has_one_prefix_usage_and_input_alike() {
    let dir = tempfile::tempdir().unwrap();
    let bad = file(&dir, "bad.json", "{\"organization\": ");
    for (args, code) in [
        // The argument parser's own errors.
        (vec!["frobnicate"], 2),
        (vec!["score"], 2),
        (vec!["score", "x.json", "--format", "xml"], 2),
        (vec!["scan", "a.example", "--timeout", "soon"], 2),
        (vec![], 2),
        (vec!["workflow", "--store", "x.sqlite"], 2),
        (vec!["completions", "tcsh"], 2),
        // Ours: usage, bad input, I/O.
        (vec!["improve", "-", "--target", "E"], 2),
        (vec!["catalog", "no_such_issue"], 2),
        (vec!["score", bad.to_str().unwrap()], 2),
        (vec!["score", "/nonexistent/findings.json"], 1),
    ] {
        let o = posture(&args, Some(&doc("acme")));
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert_one_prefix(&o);
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // Help and version are not errors.
    for args in [vec!["--help"], vec!["--version"], vec!["score", "-h"]] {
        let o = posture(&args, None);
        assert!(o.status.success(), "{args:?}");
        assert!(!o.stdout.is_empty() && o.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn grades_are_read_in_either_case_and_written_upper_case() {
    let o = posture(
        &["improve", "-", "--target", "a", "-f", "json"],
        Some(&doc("acme")),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["target"], serde_json::json!({"grade": "A"}));
    assert_eq!(v["final_grade"], "A");
    // In workflow targets too.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("wf.sqlite");
    let st = store.to_str().unwrap();
    let lines = wf_lines(&[
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
            "alice",
            r#"{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": "t", "target": {"grade": "b"}, "due": "2026-12-01T00:00:00Z"}"#,
        ),
    ]);
    let o = posture(&["workflow", "--store", st, "apply"], Some(&lines));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).lines().all(|l| l.contains("\"ok\":true")),
        "{}",
        stdout(&o)
    );
    let o = posture(
        &[
            "workflow", "--store", st, "query", "plan", "--id", "p1", "--actor", "alice", "-f",
            "json",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["target"]["grade"], "B", "{v}");
}

#[test]
fn help_lists_every_command_and_shows_defaults() {
    let o = posture(&["--help"], None);
    let help = stdout(&o);
    for cmd in [
        "score",
        "improve",
        "csr",
        "scan",
        "workflow",
        "spf",
        "checks",
        "catalog",
        "schema",
        "demo",
        "report",
        "corpus",
        "eval",
        "completions",
    ] {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{cmd} ")))
            .unwrap_or_else(|| panic!("{cmd} not listed: {help}"));
        assert!(
            line.split_whitespace().count() > 2,
            "{cmd} has no description: {line}"
        );
    }
    let scan = stdout(&posture(&["scan", "--help"], None));
    for needle in [
        "[default: 2000]",
        "[default: 60000]",
        "[default: 64]",
        "[default: 65536]",
        "[default: 443]",
        "the machine's cores",
        "`table` when standard output is a terminal",
    ] {
        assert!(scan.contains(needle), "{needle} not in scan --help");
    }
    let rescan = stdout(&posture(
        &["workflow", "--store", "x", "rescan", "--help"],
        None,
    ));
    assert!(rescan.contains("--deadline <MS>"), "{rescan}");
    assert!(rescan.contains("[default: 60000]"), "{rescan}");
    let score = stdout(&posture(&["score", "--help"], None));
    assert!(score.contains("-i, --input"), "{score}");
    assert!(score.contains("-f, --format"), "{score}");
    assert!(score.contains("[default: hundred]"), "{score}");
}

#[test]
fn completions_for_bash_zsh_and_fish_name_the_commands() {
    for shell in ["bash", "zsh", "fish"] {
        let o = posture(&["completions", shell], None);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.len() > 1000, "{shell}: {script}");
        for word in [
            "posture",
            "score",
            "scan",
            "workflow",
            "catalog",
            "completions",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
}

#[test]
fn short_output_flag_writes_the_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("schemas");
    let o = posture(&["schema", "--all", "-o", out.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("findings-document.json").is_file());
}

#[test]
fn empty_results_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("wf.sqlite");
    let st = store.to_str().unwrap();
    let lines = wf_lines(&[
        (
            "host",
            r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#,
        ),
        (
            "host",
            r#"{"type": "register_user", "user": "alice", "org": "acme", "name": "Alice", "email": "alice@acme.example"}"#,
        ),
    ]);
    let o = posture(&["workflow", "--store", st, "apply"], Some(&lines));
    assert!(o.status.success(), "{}", stderr(&o));
    for (args, want) in [
        (vec!["assigned"], "no plans assigned to alice\n"),
        (vec!["sent"], "no plans sent by alice's organisation\n"),
        (vec!["contacts"], "no contacts\n"),
        (
            vec!["contacts", "--invitation", "pending"],
            "no contacts match these filters\n",
        ),
        (
            vec!["questionnaire-risks", "--vendor", "pay"],
            "no open questionnaire risks for pay\n",
        ),
    ] {
        let mut a = vec!["workflow", "--store", st, "query"];
        a.extend_from_slice(&args);
        a.extend_from_slice(&["--actor", "alice", "-f", "table"]);
        let o = posture(&a, None);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), want, "{args:?}");
    }
    // Nothing pending to rescan: said on standard error, stdout stays
    // NDJSON (empty).
    let o = posture(
        &[
            "workflow",
            "--store",
            st,
            "rescan",
            "--nameserver",
            "127.0.0.1:9",
            "--connect-within",
            "127.0.0.0/8",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(stderr(&o), "posture: no rescans pending\n");
    // A clean document: no findings, said.
    let clean = r#"{"organization": "c", "as_of": "2026-11-01T00:00:00Z", "assets": ["c.example"], "findings": [], "assessed_factors": ["dns_health"]}"#;
    let o = posture(&["score", "-", "-f", "table"], Some(clean));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("\n  no findings\n"), "{}", stdout(&o));
    let o = posture(
        &["improve", "-", "--target", "A", "-f", "table"],
        Some(clean),
    );
    assert!(
        stdout(&o).contains("nothing to fix: the target is already met"),
        "{}",
        stdout(&o)
    );
    for (args, input) in [
        (vec!["score", "-", "-f", "table"], doc("acme")),
        (vec!["csr", "-", "-f", "table"], portfolio()),
        (vec!["catalog", "-f", "table"], String::new()),
        (vec!["checks", "-f", "table"], String::new()),
    ] {
        let o = posture(&args, Some(&input));
        let out = stdout(&o);
        assert!(
            !out.starts_with('\n') && !out.ends_with("\n\n"),
            "{args:?}: {out}"
        );
        assert!(!out.trim().is_empty(), "{args:?}");
    }
}

#[test]
fn unassessed_factors_and_unrated_entities_are_never_drawn_as_perfect() {
    let o = posture(&["score", "-", "-f", "table"], Some(&doc("acme")));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("cubit_score"))
        .unwrap();
    assert!(line.contains("not assessed"), "{line}");
    assert!(!line.contains("100.00") && !line.contains('█'), "{line}");
    let p = r#"{"organization": "acme", "as_of": "2026-11-01T00:00:00Z", "domains": [],
      "vendors": [{"id": "ghost", "name": "Ghost Ltd", "in_use": true, "criticality": "high", "domains": []}]}"#;
    let o = posture(&["csr", "-", "-f", "table"], Some(p));
    let out = stdout(&o);
    let line = out.lines().find(|l| l.contains("(ghost)")).unwrap();
    assert!(line.contains("not rated"), "{out}");
    assert!(!line.contains("100.00"), "{out}");
    assert!(out.contains("no own domains"), "{out}");
    // JSON keeps the contract's numbers and says which were rated.
    let o = posture(&["csr", "-", "-f", "json"], Some(p));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["vendors"][0]["raw_score"], "100.00");
    assert_eq!(v["vendors"][0]["rated"], false);
}

#[test]
fn catalog_id_explains_one_issue_type() {
    let o = posture(&["catalog", "dmarc_policy_none", "-f", "table"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "dmarc_policy_none: DMARC policy",
        "  factor ",
        "  severity ",
        "  observed by  the `dmarc` check",
        "  risk ",
        "  remediation ",
        "  references   https://",
    ] {
        assert!(out.contains(needle), "{needle} not in {out}");
    }
    let o = posture(&["catalog", "service_redis", "-f", "json"], None);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for f in [
        "id",
        "title",
        "factor",
        "severity",
        "risk",
        "remediation",
        "references",
    ] {
        assert!(v.get(f).is_some(), "lacks {f}: {v}");
    }
    assert_eq!(v["observed_by"]["check"], "ports");
    assert!(
        v["observed_by"]["when"].as_str().unwrap().contains("6379"),
        "{v}"
    );
    assert_eq!(v["catalog"]["id"], "posture-builtin");
    // An issue no built-in check raises says so.
    let o = posture(&["catalog", "botnet_activity", "-f", "json"], None);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["observed_by"].is_null(), "{v}");
    // An unknown id: exit 2, named, with the close match.
    let o = posture(&["catalog", "dmarc_polcy_none"], None);
    assert_eq!(o.status.code(), Some(2));
    assert_one_prefix(&o);
    let e = stderr(&o);
    assert!(e.contains("`dmarc_polcy_none`"), "{e}");
    assert!(e.contains("did you mean `dmarc_policy_none`?"), "{e}");
    // Echoed input is escaped and bounded.
    let o = posture(
        &["catalog", &format!("x\u{1b}[31m{}", "y".repeat(500))],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(!e.contains('\u{1b}') && e.len() < 400, "{e}");
}

/// A world whose every name is silent: the resolver answers nothing.
fn silent_world() -> posture_sandbox::World {
    let mut w = posture_sandbox::World::new();
    w.fault("example", posture_sandbox::Fault::Silent);
    w
}

#[test]
fn a_resolver_that_answers_nothing_is_named_and_progress_stays_off_a_pipe() {
    let (ns, _stop) = sandbox(silent_world());
    let started = std::time::Instant::now();
    let o = posture_env(
        &[
            "scan",
            "acme.example",
            "--connect-within",
            "127.0.0.0/8",
            "--nameserver",
            &ns.to_string(),
            "--checks",
            "spf,dmarc",
            "--timeout",
            "200",
            "--deadline",
            "2000",
            "-f",
            "json",
        ],
        b"",
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let e = stderr(&o);
    // Standard error is a pipe here: no progress line, only the warning.
    assert!(!e.contains('\r') && !e.contains("scanning"), "{e:?}");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sent = v["resolvers"][0]["sent"].as_u64().unwrap();
    assert!(sent > 0);
    assert_eq!(v["resolvers"][0]["answered"], 0);
    assert_eq!(
        e,
        format!("posture: warning: 0 of {sent} queries answered by {ns}\n")
    );
    // A resolver that answers: no warning, and still no progress.
    let mut w = posture_sandbox::World::new();
    w.txt("acme.example", "v=spf1 -all");
    let (ns, _stop2) = sandbox(w);
    let o = posture(
        &[
            "scan",
            "acme.example",
            "--connect-within",
            "127.0.0.0/8",
            "--nameserver",
            &ns.to_string(),
            "--checks",
            "spf,dmarc",
            "-f",
            "table",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("dmarc_missing  acme.example  No DMARC record"),
        "{out}"
    );
}
