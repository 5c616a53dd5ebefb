//! The demo's HTML report, opened in headless Chromium: it renders, its
//! charts are laid out, nothing is written to the console, it loads
//! nothing from outside the file, and a screenshot lands under `target/`.
//!
//! Chromium comes from Debian's packages; `scripts/test` installs it when
//! missing. Without it this test fails and says so: it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The charts the report draws (`report::CHARTS` in the binary).
const CHARTS: usize = 5;

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

/// Console messages Chromium logged for the page (errors, warnings, logs,
/// failed loads: the report should cause none).
fn console_messages(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect()
}

fn artefacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("demo-report");
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
fn the_report_renders_in_chromium() {
    let dir = artefacts();
    let page = dir.join("demo-report.html");
    let o = Command::new(env!("CARGO_BIN_EXE_posture"))
        .args(["demo", "--format", "json", "--report"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&page).unwrap();

    // Self-contained: nothing to fetch.
    for needle in ["<link", " src=", "url(", "@import", "http://", "https://"] {
        assert!(!html.contains(needle), "the report refers to `{needle}`");
    }
    for section in ["overview", "grades", "factors", "priorities", "plan"] {
        assert!(
            html.contains(&format!(r#"<section id="{section}">"#)),
            "section {section} missing"
        );
    }
    assert_eq!(html.matches(r#"<svg class="chart""#).count(), CHARTS);
    let demo: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The figures shown are the run's figures.
    for key in ["csr_before", "csr_after", "score_before", "score_after"] {
        let v = demo["after"][key].as_str().unwrap();
        assert!(html.contains(v), "{key} {v} not in the report");
    }
    for p in demo["csr"]["priorities"].as_array().unwrap() {
        assert!(html.contains(p["entity"].as_str().unwrap()));
    }

    // Rendered: the page's own check counts the charts laid out with a
    // non-zero size.
    let out = headless(&page, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains(&format!(r#"data-charts-rendered="{CHARTS}""#)),
        "charts not laid out: {}",
        dom.chars().take(300).collect::<String>()
    );
    assert!(dom.contains("Portfolio overview") && dom.contains("Action plan"));
    let msgs = console_messages(&out.stderr);
    assert!(msgs.is_empty(), "console messages: {msgs:?}");

    // A screenshot for people, under target/.
    let shot = dir.join("demo-report.png");
    let _ = std::fs::remove_file(&shot);
    let out = headless(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,3200",
            "--hide-scrollbars",
        ],
    );
    assert!(console_messages(&out.stderr).is_empty());
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 20_000,
        "screenshot suspiciously small: {} bytes",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());
}
