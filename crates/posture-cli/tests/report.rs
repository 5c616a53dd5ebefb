//! HTML reports in headless Chromium: `posture report` on outputs the CLI
//! itself produced (a real scan against the sandbox DNS server, `score`,
//! `improve`, `csr`), the demo's `--report` and `posture eval --report`.
//! Each page renders at 1400 px and 390 px wide with no horizontal
//! overflow, its charts laid out, nothing written to the console and nothing loaded from outside
//! the file; screenshots land under `target/tmp/`.
//!
//! Chromium comes from Debian's packages; `scripts/test` installs it when
//! missing. Without it these tests fail and say so: they never skip.
//!
//! Chromium's headless window is at least 500 px wide, so each width is
//! measured on a harness page that holds the report in an iframe of
//! exactly that width (`--allow-file-access-from-files` lets the harness
//! read the frame's layout).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{posture, sandbox, stderr, stdout};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(p);
    }
    for c in [
        "/usr/bin/chromium",
        "/usr/bin/chromium-headless-shell",
        "/usr/lib/chromium/chromium-headless-shell",
        "/usr/bin/google-chrome",
    ] {
        if Path::new(c).exists() {
            return PathBuf::from(c);
        }
    }
    panic!(
        "headless Chromium is needed to check the HTML report: run scripts/test \
         (it installs Debian's `chromium` when run as root), or `apt-get install \
         chromium`, or point CHROMIUM at a binary"
    );
}

/// Runs Chromium offline on a local file with a fresh profile; returns its
/// output (stderr carries the console, with `--enable-logging=stderr`).
fn headless(page: &Path, extra: &[&str]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Console messages Chromium logged (errors, warnings, logs, failed
/// loads: the report should cause none).
fn console_messages(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect()
}

/// Writes a harness page beside `page` that shows it in an iframe
/// `width` px wide and `height` px tall, shifted up by `offset`, and
/// writes what it measures in the frame to `data-m` on its root.
fn harness(page: &Path, width: u32, height: u32) -> PathBuf {
    let name = page.file_name().unwrap().to_string_lossy();
    let path = page.with_file_name(format!(".harness-{width}-{name}"));
    std::fs::write(
        &path,
        format!(
            r#"<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{{margin:0;padding:0;overflow:hidden}}iframe{{border:0;display:block;width:{width}px;height:{height}px}}</style></head><body><iframe id="f" src="{name}"></iframe><script>
var f = document.getElementById("f");
f.addEventListener("load", function () {{
  var d = f.contentDocument, w = f.contentWindow, root = d.documentElement;
  var outside = 0;
  d.querySelectorAll("[src],[srcset],link,iframe,object,embed,img").forEach(function () {{ outside += 1; }});
  var m = {{
    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, innerWidth: w.innerWidth,
    height: root.scrollHeight,
    charts: Number(d.body.getAttribute("data-charts")),
    rendered: Number(root.getAttribute("data-charts-rendered")),
    resources: w.performance.getEntriesByType("resource").length,
    loaders: outside,
    narrow: w.matchMedia("(max-width:640px)").matches
  }};
  document.documentElement.setAttribute("data-m", JSON.stringify(m));
}});
</script></body></html>"#
        ),
    )
    .unwrap();
    path
}

/// What the harness measured at `width`, and the console messages.
fn measure(page: &Path, width: u32) -> (Value, Vec<String>) {
    let h = harness(page, width, 900);
    let out = headless(
        &h,
        &[
            "--allow-file-access-from-files",
            "--window-size=1400,900",
            "--dump-dom",
        ],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("data-m=\"").unwrap_or_else(|| {
        panic!(
            "the harness measured nothing: {}",
            &dom[..dom.len().min(600)]
        )
    }) + "data-m=\"".len();
    let raw = &dom[start..];
    let raw = &raw[..raw.find('"').unwrap()];
    let m: Value = serde_json::from_str(&raw.replace("&quot;", "\"")).unwrap();
    (m, console_messages(&out.stderr))
}

/// A screenshot of the whole page at `width` (up to 30000 px tall).
fn screenshot(page: &Path, width: u32, height: u64, shot: &Path) {
    let height = u32::try_from(height.clamp(600, 30_000)).unwrap();
    let h = harness(page, width, height);
    let _ = std::fs::remove_file(shot);
    let out = headless(
        &h,
        &[
            "--allow-file-access-from-files",
            "--hide-scrollbars",
            &format!("--window-size={width},{height}"),
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(
        console_messages(&out.stderr).is_empty(),
        "{:?}",
        console_messages(&out.stderr)
    );
    let png = std::fs::read(shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // The IHDR width is the page's width: the screenshot is the report at
    // that width, not a wider window cut.
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(w, width, "screenshot width");
    assert!(
        png.len() > 20_000,
        "screenshot suspiciously small: {} bytes",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());
}

/// The page in Chromium at 1400 and 390 px: no horizontal overflow, every
/// chart laid out, nothing loaded, no console message; screenshots as
/// `{stem}-1400.png` and `{stem}-390.png` beside the page.
fn check_in_chromium(page: &Path, stem: &str) {
    for width in [1400, 390] {
        let (m, console) = measure(page, width);
        eprintln!("{stem} at {width} px: {m}");
        assert!(
            console.is_empty(),
            "console messages at {width}: {console:?}"
        );
        let sw = m["scrollWidth"].as_u64().unwrap();
        let cw = m["clientWidth"].as_u64().unwrap();
        let iw = m["innerWidth"].as_u64().unwrap();
        assert_eq!(iw, u64::from(width), "{m}");
        assert!(
            sw <= cw && sw <= iw,
            "horizontal overflow at {width} px: {m}"
        );
        assert_eq!(m["narrow"], width < 640, "{m}");
        let charts = m["charts"].as_u64().unwrap();
        assert!(charts > 0, "{m}");
        assert_eq!(m["rendered"], charts, "charts not laid out at {width}: {m}");
        assert_eq!(m["resources"], 0, "resources loaded: {m}");
        assert_eq!(m["loaders"], 0, "elements that load: {m}");
        let shot = page.with_file_name(format!("{stem}-{width}.png"));
        screenshot(page, width, m["height"].as_u64().unwrap(), &shot);
    }
}

/// The page's text, checked without a browser: self-contained, one script
/// (the self-check), links only in-page or to the catalog's references.
fn check_source(html: &str) {
    for needle in [
        "<link", "url(", "@import", "<img", "<iframe", "<object", "<embed",
    ] {
        assert!(!html.contains(needle), "the report has `{needle}`");
    }
    // Input is escaped, so every `<` opens one of the page's own tags:
    // none loads anything.
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| &t[..t.find('>').unwrap_or(t.len())])
    {
        for attr in [" src=", " srcset=", " poster=", " data=\"http"] {
            assert!(!tag.contains(attr), "`{attr}` in <{tag}>");
        }
    }
    assert_eq!(html.matches("<script").count(), 1);
    for (i, _) in html.match_indices("href=\"") {
        let target = &html[i + 6..];
        let ok = target.starts_with('#') || {
            let before = &html[..i];
            target.starts_with("https://") && before.ends_with("<a class=\"ref\" ")
        };
        assert!(ok, "a link out of the page: {}", &html[i..i + 80]);
    }
    // Every in-page link lands.
    for (i, _) in html.match_indices("href=\"#") {
        let id = &html[i + 7..];
        let id = &id[..id.find('"').unwrap()];
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "#{id} lands nowhere"
        );
    }
}

fn artefacts(dir: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_console_check_catches_a_broken_page() {
    // The check below must be able to fail: a page that logs and throws.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><script>console.error('boom'); missing();</script></body></html>",
    )
    .unwrap();
    let out = headless(&page, &["--dump-dom"]);
    let msgs = console_messages(&out.stderr);
    assert!(msgs.iter().any(|m| m.contains("boom")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("missing")), "{msgs:?}");
}

#[test]
fn the_overflow_check_catches_a_wide_page() {
    // And the width check must be able to fail: a page wider than a phone.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("wide.html");
    std::fs::write(
        &page,
        r#"<!DOCTYPE html><html><body data-charts="0"><div style="width:600px">wide</div></body></html>"#,
    )
    .unwrap();
    let (m, _) = measure(&page, 390);
    assert_eq!(m["innerWidth"], 390, "{m}");
    assert!(m["scrollWidth"].as_u64().unwrap() > 390, "{m}");
}

const HOSTILE_ORG: &str = "<script>alert(1)</script> Acme & Co";

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn run_ok(args: &[&str], stdin: Option<&str>) -> String {
    let o = posture(args, stdin);
    assert!(o.status.success(), "posture {args:?}: {}", stderr(&o));
    stdout(&o)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `posture report` on what the CLI itself produced: a scan of a sandbox
/// domain (hostile organisation name included), `score`, `improve`, `csr`
/// of a portfolio with a vendor that has no domains, and a history.
#[test]
fn posture_report_renders_real_outputs_at_both_widths() {
    use posture_sandbox::RecordValue;
    let dir = artefacts("report");
    let mut w = posture_sandbox::World::new();
    w.txt("acme.example", "v=spf1 +all")
        .add(
            "acme.example",
            RecordValue::Mx(10, "mail.acme.example".into()),
        )
        .add(
            "mail.acme.example",
            RecordValue::A("127.0.0.1".parse().unwrap()),
        );
    let (ns, _stop) = sandbox(w);
    let ns = ns.to_string();

    // 1. Scan, with the findings document.
    let findings = dir.join("findings.json");
    let scan_text = run_ok(
        &[
            "scan",
            "--connect-within",
            "127.0.0.0/8",
            "--nameserver",
            &ns,
            "--timeout",
            "800",
            "--checks",
            "spf,dmarc,mx,caa,mta_sts,tls_rpt",
            "--organization",
            HOSTILE_ORG,
            "--findings-out",
            path(&findings),
            "--format",
            "json",
            "acme.example",
        ],
        None,
    );
    let scan_file = dir.join("scan.json");
    write(&scan_file, &scan_text);
    let scan: Value = serde_json::from_str(&scan_text).unwrap();
    let issues: Vec<&str> = scan["findings"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["issue"].as_str().unwrap())
        .collect();
    assert!(issues.contains(&"spf_permissive_all"), "{issues:?}");
    assert!(issues.contains(&"dmarc_missing"), "{issues:?}");

    // 2. Score and improve the findings.
    let card_file = dir.join("scorecard.json");
    write(
        &card_file,
        &run_ok(
            &["score", "--input", path(&findings), "--format", "json"],
            None,
        ),
    );
    let plan_file = dir.join("improve.json");
    write(
        &plan_file,
        &run_ok(
            &[
                "improve",
                "--input",
                path(&findings),
                "--target",
                "A",
                "--format",
                "json",
            ],
            None,
        ),
    );

    // 3. A history: the same organisation a month and two months earlier,
    //    scored by the CLI (NDJSON in, NDJSON out).
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&findings).unwrap()).unwrap();
    let mut older = doc.clone();
    older["as_of"] = json!("2026-09-01T00:00:00Z");
    for f in older["findings"].as_array_mut().unwrap() {
        f["first_seen"] = json!("2026-08-01T00:00:00Z");
        f["last_seen"] = json!("2026-08-30T00:00:00Z");
    }
    older["findings"].as_array_mut().unwrap().push(json!({
        "issue": "service_telnet", "asset": "acme.example", "status": "open",
        "first_seen": "2026-08-01T00:00:00Z", "last_seen": "2026-08-30T00:00:00Z"}));
    let mut old = older.clone();
    old["as_of"] = json!("2026-10-01T00:00:00Z");
    old["findings"].as_array_mut().unwrap().pop();
    for f in old["findings"].as_array_mut().unwrap() {
        f["last_seen"] = json!("2026-09-30T00:00:00Z");
    }
    let ndjson = format!("{older}\n{old}\n{doc}\n");
    let history_file = dir.join("history.ndjson");
    write(
        &history_file,
        &run_ok(
            &["score", "--input", "-", "--format", "json"],
            Some(&ndjson),
        ),
    );

    // 4. A portfolio: the scanned domain, a vendor with findings, one with
    //    no domains, one with a hostile name.
    let as_of = doc["as_of"].clone();
    let (first_seen, last_seen) = (
        doc["findings"][0]["first_seen"].clone(),
        doc["findings"][0]["last_seen"].clone(),
    );
    let portfolio = json!({
        "organization": HOSTILE_ORG, "as_of": as_of,
        "domains": [{"domain": "acme.example", "findings": doc["findings"]}],
        "vendors": [
            {"id": "pay", "name": "Payroll Co", "in_use": true, "criticality": "critical",
             "domains": [{"domain": "pay.example", "findings": [
                {"issue": "service_rdp", "asset": "pay.example", "status": "open",
                 "first_seen": first_seen, "last_seen": last_seen}]}]},
            {"id": "ghost", "name": "Ghost Ltd", "in_use": true, "criticality": "high", "domains": []},
            {"id": "evil", "name": "<img src=x onerror=alert(2)>", "in_use": true, "criticality": "low",
             "domains": [{"domain": "evil.example", "findings": []}]}
        ]
    });
    let portfolio_file = dir.join("portfolio.json");
    write(&portfolio_file, &portfolio.to_string());
    let csr_file = dir.join("csr.json");
    write(
        &csr_file,
        &run_ok(
            &["csr", "--input", path(&portfolio_file), "--format", "json"],
            None,
        ),
    );
    let csr: Value = serde_json::from_str(&std::fs::read_to_string(&csr_file).unwrap()).unwrap();
    let ghost = csr["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "ghost")
        .unwrap();
    // The wire says 100.00 for a vendor without domains; the report must
    // not.
    assert_eq!(ghost["raw_score"], "100.00");

    // 5. The report.
    let page = dir.join("report.html");
    let _ = std::fs::remove_file(&page);
    let out = run_ok(
        &[
            "report",
            "--scan",
            path(&scan_file),
            "--scorecards",
            path(&card_file),
            "--csr",
            path(&csr_file),
            "--portfolio",
            path(&portfolio_file),
            "--history",
            path(&history_file),
            "--plan",
            path(&plan_file),
            "-o",
            path(&page),
        ],
        None,
    );
    assert!(out.contains("report.html"), "{out}");
    let html = std::fs::read_to_string(&page).unwrap();
    check_source(&html);

    // Titles beside ids, risk and remediation, for every finding.
    let catalog: Value =
        serde_json::from_str(&run_ok(&["catalog", "--format", "json"], None)).unwrap();
    let entry = |id: &str| {
        catalog["issues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    };
    for id in issues.iter().chain(&["service_rdp"]) {
        let e = entry(id);
        for field in ["title", "risk", "remediation"] {
            let text = esc(e[field].as_str().unwrap());
            assert!(html.contains(&text), "{id}: {field} `{text}` missing");
        }
        assert!(html.contains(&format!("<code>{id}</code>")), "{id}");
    }
    // Unassessed factors and the vendor without domains.
    assert!(html.contains(r#"<span class="na">not assessed</span>"#));
    assert!(html.contains("not rated (no domains)"));
    let ghost_section = html
        .split("<section")
        .find(|s| s.contains("Vendor Ghost Ltd"))
        .unwrap();
    assert!(!ghost_section.contains("100"), "{ghost_section}");
    // Hostile names escaped.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Acme &amp; Co"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // Sections: overview, scan, scorecard, portfolio and a section per
    // vendor reachable from the portfolio's table, trend, plan.
    for needle in [
        r#"id="overview""#,
        "Findings (",
        "Portfolio of ",
        "Vendor Payroll Co",
        "Trend: ",
        "Improvement plan: ",
        "Priorities",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
    for v in csr["vendors"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let anchor = html
            .split("href=\"#")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .find(|a| a.contains("-vendor-") && a.ends_with(&format!("-{id}")))
            .unwrap_or_else(|| panic!("no link to vendor {id}"));
        assert!(html.contains(&format!(r#"<section class="card" id="{anchor}">"#)));
    }

    check_in_chromium(&page, "report");
}

#[test]
fn the_demo_report_renders_in_chromium() {
    let dir = artefacts("demo-report");
    let page = dir.join("demo-report.html");
    let o = Command::new(env!("CARGO_BIN_EXE_posture"))
        .args(["demo", "--format", "json", "--report"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    check_source(&html);
    let demo: Value = serde_json::from_slice(&o.stdout).unwrap();
    // The figures shown are the run's figures.
    for key in ["csr_before", "csr_after", "score_before", "score_after"] {
        let v = demo["after"][key].as_str().unwrap();
        assert!(html.contains(v), "{key} {v} not in the report");
    }
    for p in demo["csr"]["priorities"].as_array().unwrap() {
        assert!(html.contains(p["entity"].as_str().unwrap()));
    }
    for v in demo["csr"]["vendors"].as_array().unwrap() {
        assert!(html.contains(&format!("Vendor {}", v["name"].as_str().unwrap())));
    }
    assert!(html.contains(&format!(
        "Action plan: {}",
        demo["plan"]["title"].as_str().unwrap()
    )));
    assert!(html.contains("Trend: ") && html.contains("Improvement plan: "));
    check_in_chromium(&page, "demo-report");
}

#[test]
fn the_model_comparison_renders_in_chromium() {
    let dir = artefacts("eval-report");
    let corpus = dir.join("corpus.ndjson");
    let page = dir.join("eval-report.html");
    run_ok(
        &[
            "corpus",
            "generate",
            "--orgs",
            "3000",
            "--seed",
            "1",
            "-o",
            path(&corpus),
        ],
        None,
    );
    let json = run_ok(
        &[
            "eval",
            path(&corpus),
            "--resamples",
            "200",
            "-f",
            "json",
            "--report",
            path(&page),
        ],
        None,
    );
    let e: Value = serde_json::from_str(&json).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    check_source(&html);
    // The figures shown are the run's figures: every model's AUC, its
    // interval and its F-to-A ratio, and every rank correlation.
    for m in e["models"].as_array().unwrap() {
        let id = m["model"].as_str().unwrap();
        for key in ["auc", "brier"] {
            let v = m[key].as_str().unwrap();
            assert!(html.contains(v), "{id} {key} {v} not in the report");
        }
        let ci = format!(
            "{} – {}",
            m["auc_ci"][0].as_str().unwrap(),
            m["auc_ci"][1].as_str().unwrap()
        );
        assert!(html.contains(&ci), "{id} interval {ci}");
        let f = m["by_grade"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["grade"] == "F")
            .unwrap();
        let fa = format!("{}×", f["relative"].as_str().unwrap());
        assert!(html.contains(&fa), "{id} F to A {fa}");
    }
    for r in e["spearman"].as_array().unwrap() {
        assert!(html.contains(r["rho"].as_str().unwrap()), "{r}");
    }
    // One ROC chart and one calibration chart per model, each laid out.
    assert!(html.contains(r#"data-charts="5""#), "chart count");
    check_in_chromium(&page, "eval-report");
}

fn one_line_error(o: &Output) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.starts_with("posture: error: ") || e.starts_with("error: "),
        "{e}"
    );
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    assert!(o.stdout.is_empty());
    e
}

/// Usage and input errors: exit 2, one line naming the file, the document
/// and the field; nothing written.
#[test]
fn report_errors_name_the_file_document_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let o = path(&out);
    let f = |name: &str, text: &str| {
        let p = dir.path().join(name);
        write(&p, text);
        p.to_str().unwrap().to_owned()
    };

    // No input at all.
    let e = one_line_error(&posture(&["report", "-o", o], None));
    assert!(e.contains("at least one input"), "{e}");
    // --portfolio needs --csr (the parser says so).
    let p = f("p.json", "{}");
    let r = posture(&["report", "--portfolio", &p, "-o", o], None);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));

    // A scorecard to build on.
    let doc = r#"{"organization": "acme", "as_of": "2026-11-01T00:00:00Z", "assets": ["acme.example"],
        "assessed_factors": ["dns_health"], "findings": []}"#;
    let card = run_ok(&["score", "--input", "-", "--format", "json"], Some(doc));
    let card: Value = serde_json::from_str(&card).unwrap();

    // A scan output with a field of the wrong type.
    let bad = f("scan.json", r#"{"organization": 1}"#);
    let e = one_line_error(&posture(&["report", "--scan", &bad, "-o", o], None));
    assert!(
        e.contains("scan.json: document 1 (line 1): organization"),
        "{e}"
    );
    // The second scorecard of NDJSON is broken.
    let mut broken = card.clone();
    broken["grade"] = json!("Z");
    let nd = f("cards.ndjson", &format!("{card}\n{broken}\n"));
    let e = one_line_error(&posture(&["report", "--scorecards", &nd, "-o", o], None));
    assert!(
        e.contains("cards.ndjson: document 2 (line 2): grade"),
        "{e}"
    );
    // A history of two organisations.
    let mut other = card.clone();
    other["organization"] = json!("other");
    let h = f("history.ndjson", &format!("{card}\n{card}\n{other}\n"));
    let e = one_line_error(&posture(&["report", "--history", &h, "-o", o], None));
    assert!(
        e.contains(
            "history.ndjson: document 3 (line 3): organization: `other` differs from `acme`"
        ),
        "{e}"
    );
    // A plan that is neither kind.
    let pl = f("plan.json", r#"{"title": "x"}"#);
    let e = one_line_error(&posture(&["report", "--plan", &pl, "-o", o], None));
    assert!(
        e.contains("plan.json: document 1 (line 1)") && e.contains("neither"),
        "{e}"
    );
    // A portfolio that is not the result's.
    let portfolio = json!({"organization": "acme", "as_of": "2026-11-01T00:00:00Z",
        "domains": [], "vendors": [{"id": "a", "name": "A", "in_use": true, "domains": []}]});
    let pf = f("portfolio.json", &portfolio.to_string());
    let csr = run_ok(&["csr", "--input", &pf, "--format", "json"], None);
    let cf = f("csr.json", &csr);
    let mut wrong = portfolio.clone();
    wrong["vendors"][0]["id"] = json!("b");
    let wf = f("wrong.json", &wrong.to_string());
    let e = one_line_error(&posture(
        &["report", "--csr", &cf, "--portfolio", &wf, "-o", o],
        None,
    ));
    assert!(
        e.contains("wrong.json: document 1 (line 1): vendors[0].id"),
        "{e}"
    );
    let mut elsewhere = portfolio.clone();
    elsewhere["organization"] = json!("globex");
    let ef = f("elsewhere.json", &elsewhere.to_string());
    let e = one_line_error(&posture(
        &["report", "--csr", &cf, "--portfolio", &ef, "-o", o],
        None,
    ));
    assert!(
        e.contains("elsewhere.json: document 1 (line 1): organization"),
        "{e}"
    );
    assert!(!out.exists(), "a report was written despite errors");

    // A missing file is an I/O error (exit 1), named.
    let r = posture(
        &["report", "--scan", "/nonexistent/scan.json", "-o", o],
        None,
    );
    assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
    assert!(stderr(&r).contains("/nonexistent/scan.json"));

    // And the good inputs make a report; `-o -` writes it to stdout.
    let cards = f("card.json", &card.to_string());
    let r = posture(
        &[
            "report",
            "--scorecards",
            &cards,
            "--csr",
            &cf,
            "--portfolio",
            &pf,
            "-o",
            "-",
        ],
        None,
    );
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stdout(&r).starts_with("<!DOCTYPE html>"));
}
