//! `posture workflow` under the integrity rules: stores written by 0.1 still
//! answer; queries are read-only; apply refuses bad lines in-band; rescans
//! stay inside the vendor's footprint and handle each item alone; echoed
//! input is escaped; the expectation filter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{posture, posture_bytes, sandbox, stderr, stdout, wf_lines};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-0.1")
}

/// A copy of the store 0.1 wrote, in a fresh directory.
fn old_store() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v0.sqlite");
    std::fs::copy(fixture().join("v0.sqlite"), &path).unwrap();
    let s = path.to_str().unwrap().to_owned();
    (dir, s)
}

fn apply(store: &str, lines: &[(&str, &str)]) -> Vec<Value> {
    let o = posture(
        &["workflow", "--store", store, "apply"],
        Some(&wf_lines(lines)),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn query(store: &str, args: &[&str]) -> std::process::Output {
    let mut a = vec!["workflow", "--store", store, "query"];
    a.extend_from_slice(args);
    posture(&a, None)
}

/// Removes the keys this release adds, at any depth.
fn strip(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(m) => {
            for k in keys {
                m.remove(*k);
            }
            m.values_mut().for_each(|x| strip(x, keys));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| strip(x, keys)),
        _ => {}
    }
}

/// 0.1 called a pending expectation `set`.
fn renamed_statuses(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("expectation") == Some(&Value::from("set")) {
                m.insert("expectation".into(), "pending".into());
            }
            m.values_mut().for_each(renamed_statuses);
        }
        Value::Array(a) => a.iter_mut().for_each(renamed_statuses),
        _ => {}
    }
}

/// A store written by the previous release opens, answers the same
/// queries (modulo the fields this release adds and the renamed status),
/// and takes new commands.
#[test]
fn a_store_written_by_0_1_answers_the_same_queries() {
    let (_dir, st) = old_store();
    // The fields this release adds, by query.
    let added = |name: &str| -> &'static [&'static str] {
        if name.starts_with("insights") {
            &[
                "logged_in_30d",
                "expectations_pending",
                "plans_open",
                "plans_finished",
                "plans_overdue",
            ]
        } else if name.starts_with("contacts") {
            &["requester"]
        } else {
            &["finished"]
        }
    };
    let cases: &[(&str, &[&str])] = &[
        ("sent-alice", &["sent", "--actor", "alice"]),
        ("sent-gina", &["sent", "--actor", "gina"]),
        ("assigned-victor", &["assigned", "--actor", "victor"]),
        ("assigned-sven", &["assigned", "--actor", "sven"]),
        ("plan-p1-alice", &["plan", "--id", "p1", "--actor", "alice"]),
        (
            "plan-p1-victor",
            &["plan", "--id", "p1", "--actor", "victor"],
        ),
        (
            "plan-g1-victor",
            &["plan", "--id", "g1", "--actor", "victor"],
        ),
        ("plan-p1-gina", &["plan", "--id", "p1", "--actor", "gina"]),
        ("contacts-alice", &["contacts", "--actor", "alice"]),
        ("contacts-gina", &["contacts", "--actor", "gina"]),
        (
            "contacts-alice-unmet",
            &["contacts", "--actor", "alice", "--expectation", "unmet"],
        ),
        (
            "contacts-alice-accepted",
            &["contacts", "--actor", "alice", "--invitation", "accepted"],
        ),
        ("insights-alice", &["insights", "--actor", "alice"]),
        ("insights-gina", &["insights", "--actor", "gina"]),
        (
            "history-c1-alice",
            &["history", "--actor", "alice", "--contact", "c1"],
        ),
        (
            "history-c4-alice",
            &["history", "--actor", "alice", "--contact", "c4"],
        ),
        (
            "history-c1-gina",
            &["history", "--actor", "gina", "--contact", "c1"],
        ),
        (
            "risks-pay-alice",
            &["questionnaire-risks", "--actor", "alice", "--vendor", "pay"],
        ),
    ];
    let before = std::fs::read(&st).unwrap();
    for (name, args) in cases {
        let mut a = args.to_vec();
        a.extend_from_slice(&["--at", "2026-11-05T00:00:00Z", "--format", "json"]);
        let o = query(&st, &a);
        let invisible =
            name.ends_with("-gina") && (name.starts_with("plan") || name.starts_with("history"));
        assert_eq!(
            o.status.code(),
            Some(if invisible { 3 } else { 0 }),
            "{name}: {}",
            stderr(&o)
        );
        let mut got: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let mut want: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture().join("q").join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        strip(&mut got, added(name));
        if name.starts_with("history") {
            // Version-2 events name their requester; 0.1's did not.
            strip(&mut got, &["requester"]);
            strip(&mut want, &["requester"]);
        }
        renamed_statuses(&mut want);
        assert_eq!(got, want, "{name}");
    }
    assert_eq!(
        std::fs::read(&st).unwrap(),
        before,
        "a query wrote to the store"
    );

    // New commands on the old store: ids are now per organisation, so gina
    // may have a plan p1 too; alice still addresses hers as p1.
    let r = apply(
        &st,
        &[
            (
                "gina",
                r#"{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": "Globex p1", "target": {"grade": "C"}, "due": "2026-12-01T00:00:00Z"}"#,
            ),
            ("gina", r#"{"type": "send_plan", "plan": "p1"}"#),
            (
                "alice",
                r#"{"type": "post_message", "plan": "p1", "text": "Still on it?"}"#,
            ),
            (
                "alice",
                r#"{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": "Fix e-mail auth", "target": {"grade": "B"}, "due": "2026-10-20T00:00:00Z", "request_id": "r-create-p1"}"#,
            ),
        ],
    );
    assert!(r.iter().all(|x| x["ok"] == true), "{r:?}");
    assert!(
        r[3]["events"].as_array().unwrap().is_empty(),
        "same content: no events"
    );
    let o = query(
        &st,
        &[
            "plan", "--id", "p1", "--actor", "victor", "--format", "json",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "p1 is now ambiguous for victor");
    let e: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(e["error"]["code"], "invalid");
    let o = query(
        &st,
        &[
            "plan",
            "--id",
            "globex/p1",
            "--actor",
            "victor",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Rule 7: queries open the store read-only and never create one.
#[test]
fn queries_are_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.sqlite");
    let o = query(missing.to_str().unwrap(), &["sent", "--actor", "alice"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nope.sqlite"), "{}", stderr(&o));
    assert!(!missing.exists(), "a query created the store");
    let o = posture(
        &["workflow", "--store", missing.to_str().unwrap(), "rescan"],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "rescan needs an existing store");
    assert!(!missing.exists());

    // A file this user may not write, in a directory it may not write.
    let (sdir, st) = old_store();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&st, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(sdir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let root = is_root();
    let args = [
        "workflow", "--store", &st, "query", "insights", "--actor", "alice", "--format", "json",
    ];
    let o = if root {
        // Root may write anything: drop to nobody for this check.
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_posture"))
            .args(args)
            .output()
            .expect("setpriv (util-linux) runs the query as nobody; scripts/test installs it")
    } else {
        posture(&args, None)
    };
    assert!(o.status.success(), "unwritable store: {}", stderr(&o));
    let listing: Vec<String> = std::fs::read_dir(sdir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        listing,
        ["v0.sqlite"],
        "nothing was created beside the store"
    );
    std::fs::set_permissions(sdir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();

    // A read-only file system: a private mount namespace with the store's
    // directory bound read-only.
    let (rdir, st) = old_store();
    let d = rdir.path().to_str().unwrap();
    let script = format!(
        "mount --bind {d} {d} && mount -o remount,bind,ro {d} && \
         ! touch {d}/probe 2>/dev/null && exec {} workflow --store {st} query sent --actor alice --at 2026-11-05T00:00:00Z --format json",
        env!("CARGO_BIN_EXE_posture")
    );
    let mut ns = Command::new("unshare");
    if root {
        ns.arg("-m");
    } else {
        ns.args(["-r", "-m"]);
    }
    let o = ns
        .args(["sh", "-c", &script])
        .output()
        .expect("unshare (util-linux) makes a private mount namespace; scripts/test installs it");
    assert!(o.status.success(), "read-only file system: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2, "alice's two plans");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
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
];

/// Rule 8: a line that is not UTF-8 (or not JSON, or too long) is refused
/// in-band with its line; the valid lines around it are applied; the
/// summary goes to stderr; --strict exits 2.
#[test]
fn apply_refuses_bad_lines_in_band() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("wf.sqlite");
    let st = st.to_str().unwrap();
    let mut input = wf_lines(&SETUP[..2]).into_bytes();
    input.extend_from_slice(b"{\"actor\": \"host\", \"at\": \"2026-11-01T10:00:00Z\", \"command\": {\"type\": \"register_organization\", \"org\": \"x\xff\xfe\", \"name\": \"X\", \"domains\": []}}\n");
    input.extend_from_slice(b"{not json\n");
    input.extend_from_slice(wf_lines(&SETUP[2..]).as_bytes());
    let o = posture_bytes(&["workflow", "--store", st, "apply"], &input);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6, "one answer per line");
    let oks: Vec<bool> = lines.iter().map(|l| l["ok"] == true).collect();
    assert_eq!(oks, [true, true, false, false, true, true]);
    let m = lines[2]["error"]["message"].as_str().unwrap();
    assert!(
        m.starts_with("line 3: not UTF-8") && m.contains("byte 103 of the line"),
        "{m}"
    );
    assert!(
        lines[3]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 4:")
    );
    assert_eq!(stderr(&o).trim(), "4 applied, 2 refused");
    // Everything acknowledged is there.
    let o = query(st, &["assigned", "--actor", "victor", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // --strict: the same answers, exit 2.
    let mut input = wf_lines(&[("alice", r#"{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": "t", "target": {"grade": "B"}, "due": "2026-12-01T00:00:00Z"}"#)]).into_bytes();
    input.extend_from_slice(b"\xc3\x28\n");
    let o = posture_bytes(&["workflow", "--store", st, "apply", "--strict"], &input);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o).lines().count(), 2);
    assert!(
        stderr(&o).contains("1 applied, 1 refused"),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("line 2: not UTF-8 (invalid byte at byte 1"),
        "{}",
        stdout(&o)
    );
    let o = posture_bytes(
        &["workflow", "--store", st, "apply", "--strict"],
        &wf_lines(SETUP).into_bytes(),
    );
    assert_eq!(o.status.code(), Some(0), "nothing refused: {}", stderr(&o));

    // A line over the bound is refused without being held whole.
    let mut input = vec![b'x'; 5 << 20];
    input.push(b'\n');
    input.extend_from_slice(wf_lines(&SETUP[..1]).as_bytes());
    let o = posture_bytes(&["workflow", "--store", st, "apply"], &input);
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 1: 5242880 bytes")
    );
    assert_eq!(lines[1]["ok"], true);
}

/// Rule 10: what an actor typed reaches tables and stderr escaped and cut.
#[test]
fn echoed_input_is_escaped_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("wf.sqlite");
    let st = st.to_str().unwrap();
    apply(st, SETUP);
    let evil = "Pat\u{1b}[31m\nforged line";
    let add = serde_json::json!({"actor": "alice", "at": "2026-11-01T10:00:00Z",
        "command": {"type": "add_contact", "contact": "c1", "vendor": "pay", "name": evil, "email": "pat@pay.example"}});
    let o = posture(
        &["workflow", "--store", st, "apply"],
        Some(&format!("{add}\n")),
    );
    assert!(stdout(&o).contains("\"ok\":true"), "{}", stdout(&o));
    let o = query(st, &["contacts", "--actor", "alice", "--format", "table"]);
    let table = stdout(&o);
    assert!(!table.contains('\u{1b}'), "{table:?}");
    assert!(table.contains("Pat\\u{1b}[31m\\u{a}forged"), "{table:?}");
    assert_eq!(table.lines().count(), 2, "{table:?}");

    // A workflow error echoing a long, hostile id: bounded, escaped (JSON
    // escapes control characters itself).
    let long = format!("p\u{1b}{}", "x".repeat(100_000));
    let cmd = serde_json::json!({"actor": "alice", "at": "2026-11-01T10:00:00Z",
        "command": {"type": "post_message", "plan": long, "text": "hi"}});
    let o = posture(
        &["workflow", "--store", st, "apply"],
        Some(&format!("{cmd}\n")),
    );
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let m = v["error"]["message"].as_str().unwrap();
    assert!(m.len() < 400, "{} bytes", m.len());
    assert!(
        m.contains("(100002 bytes in all)") && m.contains("\\u{1b}"),
        "{m}"
    );

    // posture score: an asset with ESC and a newline, and a 52 MB asset.
    let doc = |asset: &str| {
        serde_json::json!({"organization": "a", "as_of": "2026-11-01T00:00:00Z", "assets": [asset], "findings": []})
            .to_string()
    };
    let o = posture(
        &["score", "--input", "-"],
        Some(&doc("\u{1b}]0;pwned\u{7}\nposture: error: forged")),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("\\u{1b}]0;pwned\\u{7}\\u{a}posture"), "{err}");
    // Tables: an organisation name with ESC and a newline stays on its line.
    let named = serde_json::json!({"organization": "Evil\u{1b}[2J\nCorp", "as_of": "2026-11-01T00:00:00Z", "assets": ["a.example"], "findings": []});
    let o = posture(
        &["score", "--input", "-", "--format", "table"],
        Some(&named.to_string()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(!table.contains('\u{1b}'), "{table:?}");
    assert!(
        table
            .lines()
            .next()
            .unwrap()
            .starts_with("Evil\\u{1b}[2J\\u{a}Corp"),
        "{table:?}"
    );
    let o = posture(
        &["score", "--input", "-"],
        Some(&doc(&"a".repeat(52 << 20))),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.len() < 1000, "{} bytes on stderr", err.len());
    assert!(err.contains("(54525952 bytes in all)"), "{err}");
}

/// Rule 12: `--expectation set` is any expectation; rows show
/// `unset|pending|met|unmet`.
#[test]
fn the_expectation_filter() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("wf.sqlite");
    let st = st.to_str().unwrap();
    let mut lines = SETUP.to_vec();
    lines.extend_from_slice(&[
        ("host", r#"{"type": "register_organization", "org": "ship", "name": "ShipFast", "domains": ["ship.example"]}"#),
        ("host", r#"{"type": "register_organization", "org": "mail", "name": "MailCo", "domains": ["mail.example"]}"#),
        ("host", r#"{"type": "register_organization", "org": "zen", "name": "Zen", "domains": ["zen.example"]}"#),
        ("alice", r#"{"type": "add_contact", "contact": "c1", "vendor": "pay", "name": "P", "email": "p@pay.example"}"#),
        ("alice", r#"{"type": "add_contact", "contact": "c2", "vendor": "ship", "name": "S", "email": "s@ship.example"}"#),
        ("alice", r#"{"type": "add_contact", "contact": "c3", "vendor": "mail", "name": "M", "email": "m@mail.example"}"#),
        ("alice", r#"{"type": "add_contact", "contact": "c4", "vendor": "zen", "name": "Z", "email": "z@zen.example"}"#),
        ("alice", r#"{"type": "set_expectation", "vendor": "pay", "target": {"grade": "B"}, "due": "2026-12-01T00:00:00Z"}"#),
        ("alice", r#"{"type": "set_expectation", "vendor": "ship", "target": {"grade": "C"}, "due": "2026-10-01T00:00:00Z"}"#),
        ("alice", r#"{"type": "set_expectation", "vendor": "mail", "target": {"grade": "A"}, "due": "2026-10-01T00:00:00Z"}"#),
        ("host", r#"{"type": "record_score", "org": "ship", "score": "75", "grade": "C"}"#),
    ]);
    assert!(apply(st, &lines).iter().all(|r| r["ok"] == true));
    let contacts = |filter: &str| -> Vec<(String, String)> {
        let o = query(
            st,
            &[
                "contacts",
                "--actor",
                "alice",
                "--expectation",
                filter,
                "--at",
                "2026-11-01T10:00:00Z",
                "--format",
                "json",
            ],
        );
        assert!(o.status.success(), "{filter}: {}", stderr(&o));
        serde_json::from_str::<Value>(&stdout(&o))
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["contact"].as_str().unwrap().to_owned(),
                    r["expectation"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(
        contacts("set"),
        pairs(&[("c3", "unmet"), ("c1", "pending"), ("c2", "met")])
    );
    assert_eq!(contacts("pending"), pairs(&[("c1", "pending")]));
    assert_eq!(contacts("met"), pairs(&[("c2", "met")]));
    assert_eq!(contacts("unmet"), pairs(&[("c3", "unmet")]));
    assert_eq!(contacts("unset"), pairs(&[("c4", "unset")]));
    let o = query(
        st,
        &["contacts", "--actor", "alice", "--expectation", "sett"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not set, unset, pending, met or unmet"));
    let o = query(
        st,
        &[
            "insights",
            "--actor",
            "alice",
            "--at",
            "2026-11-01T10:00:00Z",
            "--format",
            "json",
        ],
    );
    let i: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (
            &i["expectations_set"],
            &i["expectations_pending"],
            &i["expectations_met"],
            &i["expectations_unmet"]
        ),
        (
            &Value::from(3),
            &Value::from(1),
            &Value::from(1),
            &Value::from(1)
        )
    );
}

/// Writes, as posture 0.1 would have, pending items whose assets are
/// outside the vendor's footprint (0.1 did not check): version-1 events
/// appended to the 0.1 fixture's plan p1 (acme → pay, no address blocks).
fn add_v1_pending_items(store: &str, items: &[(&str, &str, &str)]) {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut version: i64 = conn
        .query_row(
            "SELECT MAX(version) FROM events WHERE stream = 'plan:p1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for (item, issue, asset) in items {
        for event in [
            serde_json::json!({"item_added": {"plan": "p1", "item": item, "issue": issue, "asset": asset}}),
            serde_json::json!({"item_status_changed": {"plan": "p1", "item": item, "status": "pending_rescan"}}),
        ] {
            version += 1;
            let body = serde_json::json!({"v": 1, "at": "2026-10-21T00:00:00Z", "actor": "victor", "event": event});
            conn.execute(
                "INSERT INTO events (stream, version, v, body) VALUES ('plan:p1', ?1, 1, ?2)",
                rusqlite::params![version, body.to_string()],
            )
            .unwrap();
        }
    }
}

/// Accepts connections on `l` in the background and counts them.
fn counting(l: std::net::TcpListener) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = n.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(s);
        }
    });
    n
}

/// Rule 3: a rescan never probes outside the vendor's footprint; each
/// pending item is handled on its own.
#[test]
fn rescans_stay_inside_the_footprint_item_by_item() {
    let (_dir, st) = old_store();
    // The vendor `lab` declares 127.0.0.88; the 0.1 items name 127.0.0.89,
    // a CIDR block and a host outside pay's domains.
    let l = std::net::TcpListener::bind("127.0.0.88:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let inside = counting(l);
    let outside = counting(
        std::net::TcpListener::bind(("127.0.0.89", port))
            .unwrap_or_else(|e| panic!("127.0.0.89:{port} is busy ({e}); rerun")),
    );
    add_v1_pending_items(
        &st,
        &[
            ("x1", "service_redis", "127.0.0.89"),
            ("x2", "service_redis", "127.0.0.0/24"),
            ("x3", "spf_missing", "victim.example"),
        ],
    );
    let r = apply(
        &st,
        &[
            (
                "host",
                r#"{"type": "register_organization", "org": "lab", "name": "Lab", "domains": ["lab.example"], "assets": ["127.0.0.88"]}"#,
            ),
            (
                "host",
                r#"{"type": "register_user", "user": "lara", "org": "lab", "name": "Lara", "email": "lara@lab.example"}"#,
            ),
            (
                "alice",
                r#"{"type": "create_plan", "plan": "p9", "vendor": "lab", "assignee": "lara", "title": "Close Redis", "target": {"issues": ["service_redis"]}, "due": "2026-12-01T00:00:00Z"}"#,
            ),
            (
                "alice",
                r#"{"type": "add_plan_item", "plan": "p9", "item": "y1", "issue": "service_redis", "asset": "127.0.0.88"}"#,
            ),
            (
                "alice",
                r#"{"type": "add_plan_item", "plan": "p9", "item": "y2", "issue": "service_redis", "asset": "127.0.0.89"}"#,
            ),
            ("alice", r#"{"type": "send_plan", "plan": "p9"}"#),
            (
                "lara",
                r#"{"type": "mark_fixed", "plan": "p9", "item": "y1"}"#,
            ),
        ],
    );
    let oks: Vec<bool> = r.iter().map(|x| x["ok"] == true).collect();
    assert_eq!(oks, [true, true, true, true, false, true, true], "{r:?}");
    let (ns, _stop) = sandbox(posture_sandbox::World::new());
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
            "--deadline",
            "20000",
            "--ports",
            &format!("{port}=service_redis"),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_item = |i: &str| {
        lines
            .iter()
            .find(|l| l["item"] == i)
            .unwrap_or_else(|| panic!("{i}: {lines:?}"))
    };
    assert_eq!(lines.len(), 4, "{lines:?}");
    for (item, why) in [("x1", "outside"), ("x2", "CIDR"), ("x3", "outside")] {
        let l = by_item(item);
        assert_eq!(l["error"]["code"], "outside_footprint", "{l}");
        assert!(l["error"]["message"].as_str().unwrap().contains(why), "{l}");
        assert!(
            l.get("outcome").is_none() && l.get("response").is_none(),
            "{l}"
        );
        assert_eq!(l["requester"], "acme");
    }
    let y1 = by_item("y1");
    assert_eq!(y1["outcome"], "detected", "{y1}");
    assert_eq!(y1["response"]["ok"], true, "{y1}");
    assert_eq!(
        outside.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "probed outside the footprint"
    );
    assert!(inside.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let o = query(
        &st,
        &["plan", "--id", "p9", "--actor", "alice", "--format", "json"],
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["items"][0]["status"], "open", "still listening: reopened");
}

/// Rule 3: `--deadline` ends a rescan whose DNS never answers; the item
/// stays pending.
#[test]
fn a_rescan_ends_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("wf.sqlite");
    let st = st.to_str().unwrap();
    let mut lines = SETUP.to_vec();
    lines.extend_from_slice(&[
        ("alice", r#"{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": "t", "target": {"grade": "B"}, "due": "2026-12-01T00:00:00Z"}"#),
        ("alice", r#"{"type": "add_plan_item", "plan": "p1", "item": "i1", "issue": "spf_missing", "asset": "pay.example"}"#),
        ("alice", r#"{"type": "send_plan", "plan": "p1"}"#),
        ("victor", r#"{"type": "mark_fixed", "plan": "p1", "item": "i1"}"#),
    ]);
    assert!(apply(st, &lines).iter().all(|r| r["ok"] == true));
    let mut world = posture_sandbox::World::new();
    world.fault("pay.example", posture_sandbox::Fault::Silent);
    let (ns, _stop) = sandbox(world);
    let started = std::time::Instant::now();
    let o = posture(
        &[
            "workflow",
            "--store",
            st,
            "rescan",
            "--connect-within",
            "127.0.0.0/8",
            "--nameserver",
            &ns.to_string(),
            "--timeout",
            "3000",
            "--deadline",
            "1500",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let l: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(l["outcome"], "inconclusive", "{l}");
    // The resolver answered none of the rescan's queries: named on stderr
    // (a pipe here, so without a progress line).
    let e = stderr(&o);
    assert!(
        e.starts_with("posture: warning: 0 of ")
            && e.ends_with(&format!(" queries answered by {ns}\n")),
        "{e:?}"
    );
    let o = query(
        st,
        &["plan", "--id", "p1", "--actor", "alice", "--format", "json"],
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["items"][0]["status"], "pending_rescan");
}

/// Rule 9 through the CLI: every model-configuration error names its field.
#[test]
fn model_configuration_errors_name_their_field() {
    let dir = tempfile::tempdir().unwrap();
    let doc = r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z", "assets": ["a.example"], "findings": []}"#;
    for (config, field) in [
        (
            r#"{"score": {"factor_multipliers": {"dns_health": "abc"}}}"#,
            "score.factor_multipliers.dns_health:",
        ),
        (
            r#"{"score": {"factor_multipliers": {"dns_health": "-1"}}}"#,
            "score.factor_multipliers.dns_health:",
        ),
        (
            r#"{"score": {"factor_multipliers": {"dns_healt": "1"}}}"#,
            "score.factor_multipliers: unknown factor `dns_healt`",
        ),
        (
            r#"{"score": {"factor_multipliers": {"dns_health": "1", "dns_health": "2"}}}"#,
            "given twice",
        ),
        (
            r#"{"score": {"likelihood": {"A": "1", "B": "0.5", "C": "5.4", "D": "9.2", "F": "13.8"}}}"#,
            "score.likelihood.B:",
        ),
        (
            r#"{"score": {"likelihood": {"A": "0", "B": "2.9", "C": "5.4", "D": "9.2", "F": "13.8"}}}"#,
            "score.likelihood.A:",
        ),
        (
            r#"{"score": {"likelihood": {"A": "1", "B": "2.9", "C": "5.4", "D": "9.2", "F": "9"}}}"#,
            "score.likelihood.F:",
        ),
        (r#"{"csr": {"lambda": "2"}}"#, "csr.lambda:"),
    ] {
        let path = dir.path().join("c.json");
        std::fs::write(&path, config).unwrap();
        let o = posture(
            &[
                "score",
                "--input",
                "-",
                "--model-config",
                path.to_str().unwrap(),
            ],
            Some(doc),
        );
        assert_eq!(o.status.code(), Some(2), "{config}");
        assert!(stderr(&o).contains(field), "{config}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

/// Rules 1, 2, 4 and 5 through `posture workflow apply`, from the actor who
/// may act and the one who is refused.
#[test]
fn request_ids_namespaces_and_contacts_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("wf.sqlite");
    let st = st.to_str().unwrap();
    let mut lines = SETUP.to_vec();
    lines.extend_from_slice(&[
        ("host", r#"{"type": "register_organization", "org": "globex", "name": "Globex", "domains": ["globex.example"]}"#),
        ("host", r#"{"type": "register_user", "user": "gina", "org": "globex", "name": "Gina", "email": "gina@globex.example"}"#),
    ]);
    apply(st, &lines);
    let create = |title: &str| {
        format!(
            r#"{{"type": "create_plan", "plan": "p1", "vendor": "pay", "assignee": "victor", "title": "{title}", "target": {{"grade": "B"}}, "due": "2026-12-01T00:00:00Z", "request_id": "req-1"}}"#
        )
    };
    let (a, b, c) = (
        create("Confidential A"),
        create("Globex"),
        create("Changed"),
    );
    let r = apply(
        st,
        &[("alice", &a), ("gina", &b), ("alice", &a), ("alice", &c)],
    );
    assert_eq!(r[0]["ok"], true);
    assert_eq!(
        r[1]["ok"], true,
        "gina's req-1 and p1 are her own: {}",
        r[1]
    );
    assert!(!r[1].to_string().contains("Confidential"), "{}", r[1]);
    assert_eq!(
        r[1]["events"][0]["event"]["plan_created"]["requester"],
        "globex"
    );
    assert_eq!(r[2], r[0], "the identical retry gets the first outcome");
    assert_eq!(
        r[3]["error"]["code"], "conflict",
        "another command under req-1"
    );
    // Contacts: one address at the vendor; an accepted contact stays.
    let r = apply(
        st,
        &[
            (
                "alice",
                r#"{"type": "add_contact", "contact": "c1", "vendor": "pay", "name": "P", "email": "a@evil.example,b@pay.example"}"#,
            ),
            (
                "alice",
                r#"{"type": "add_contact", "contact": "c1", "vendor": "pay", "name": "P", "email": "<a@evil.example>@pay.example"}"#,
            ),
            (
                "alice",
                r#"{"type": "add_contact", "contact": "c1", "vendor": "pay", "name": "P", "email": "p@pay.example"}"#,
            ),
            (
                "gina",
                r#"{"type": "add_contact", "contact": "c1", "vendor": "pay", "name": "Q", "email": "q@pay.example"}"#,
            ),
            ("alice", r#"{"type": "send_invitation", "contact": "c1"}"#),
            (
                "host",
                r#"{"type": "accept_invitation", "contact": "acme/c1", "user": "pat"}"#,
            ),
            (
                "alice",
                r#"{"type": "edit_contact", "contact": "c1", "vendor": "globex", "email": "p@globex.example"}"#,
            ),
            (
                "gina",
                r#"{"type": "edit_contact", "contact": "acme/c1", "name": "Mine now"}"#,
            ),
        ],
    );
    let codes: Vec<&str> = r
        .iter()
        .map(|x| x["error"]["code"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        codes,
        [
            "invalid",
            "invalid",
            "ok",
            "ok",
            "ok",
            "ok",
            "invalid_state",
            "not_found"
        ]
    );
}

/// `apply` writes a snapshot of the state once enough events accumulated
/// (the default policy: 10,000), after the responses; queries open from it,
/// and deleting it changes no answer.
#[test]
fn apply_writes_a_snapshot_that_changes_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let store = store.to_str().unwrap();
    let mut lines: Vec<(String, String)> = vec![
        (
            "host".into(),
            r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#.into(),
        ),
        (
            "host".into(),
            r#"{"type": "register_organization", "org": "pay", "name": "Pay", "domains": ["pay.example"]}"#.into(),
        ),
        (
            "host".into(),
            r#"{"type": "register_user", "user": "alice", "org": "acme", "name": "Alice", "email": "alice@acme.example"}"#.into(),
        ),
        (
            "host".into(),
            r#"{"type": "register_user", "user": "victor", "org": "pay", "name": "Victor", "email": "victor@pay.example"}"#.into(),
        ),
    ];
    for p in 0..200 {
        lines.push(("alice".into(), format!(r#"{{"type": "create_plan", "plan": "p{p}", "vendor": "pay", "assignee": "victor", "title": "t", "target": {{"grade": "B"}}, "due": "2026-12-01T00:00:00Z"}}"#)));
        for i in 0..50 {
            lines.push(("alice".into(), format!(r#"{{"type": "add_plan_item", "plan": "p{p}", "item": "i{i}", "issue": "spf_missing", "asset": "pay.example"}}"#)));
        }
        if p % 50 == 0 {
            lines.push((
                "alice".into(),
                format!(r#"{{"type": "send_plan", "plan": "p{p}"}}"#),
            ));
        }
    }
    let borrowed: Vec<(&str, &str)> = lines
        .iter()
        .map(|(a, c)| (a.as_str(), c.as_str()))
        .collect();
    // From a file: the responses outgrow a pipe the test fills first.
    let input = dir.path().join("commands.ndjson");
    std::fs::write(&input, wf_lines(&borrowed)).unwrap();
    let o = posture(
        &[
            "workflow",
            "--store",
            store,
            "apply",
            "--input",
            input.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).lines().all(|l| l.starts_with(r#"{"ok":true"#)));
    assert_eq!(stderr(&o), format!("{} applied, 0 refused\n", lines.len()));
    let snapshots = || -> i64 {
        rusqlite::Connection::open(store)
            .unwrap()
            .query_row("SELECT count(*) FROM snapshots", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(snapshots(), 1, "10,208 events: a snapshot is due");
    let answers = || {
        [
            query(
                store,
                &[
                    "assigned",
                    "--actor",
                    "victor",
                    "--at",
                    "2026-11-15T00:00:00Z",
                ],
            ),
            query(
                store,
                &[
                    "plan",
                    "--id",
                    "p150",
                    "--actor",
                    "alice",
                    "--at",
                    "2026-11-15T00:00:00Z",
                ],
            ),
        ]
        .map(|o| {
            assert!(o.status.success(), "{}", stderr(&o));
            stdout(&o)
        })
    };
    let from_snapshot = answers();
    assert!(from_snapshot[0].contains("p150"));
    rusqlite::Connection::open(store)
        .unwrap()
        .execute("DELETE FROM snapshots", [])
        .unwrap();
    assert_eq!(answers(), from_snapshot);
}
