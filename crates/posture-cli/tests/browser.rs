//! The web app in headless Chromium, driven over WebDriver (Debian's
//! `chromium-driver`), on `posture demo --serve 127.0.0.1:0`: the demo's
//! sandbox DNS server and services stay up on loopback, so a rescan only
//! ever reaches 127.0.0.0/8.
//!
//! - A vendor logs in with its printed token, opens "Assigned to us",
//!   marks an item Fixed and sees it verified after the rescan.
//! - A requester filters the Contact Manager.
//!
//! Screenshots land under `target/tmp/server/`. Without chromedriver or
//! Chromium these tests fail and say how to get them: they never skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::serve::Served;
use common::webdriver::{Driver, Session};
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("server");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The page ran its own script (so the Content Security Policy allows
/// it) and laid out every chart.
fn charts_rendered(s: &Session) {
    let v = s.execute(
        "return [document.body.getAttribute('data-charts'), \
         document.documentElement.getAttribute('data-charts-rendered')]",
    );
    assert_eq!(v[0], v[1], "charts laid out: {v}");
}

/// What a screen reader or a keyboard user would miss on the page: a
/// language, one `h1`, a label for every field, a name for every button
/// and link, a caption for every table, and nothing loaded from outside
/// (no `src`, no `<link>`). Fails naming each problem.
fn accessible(s: &Session) {
    let problems = s.execute(
        r#"const p = [];
        if (!document.documentElement.lang) p.push('no lang');
        if (document.querySelectorAll('h1').length !== 1) p.push('not one h1');
        const named = e => (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
            || e.textContent.trim() || e.value || '').length > 0;
        for (const f of document.querySelectorAll('input, select, textarea')) {
            if (f.type === 'hidden') continue;
            if (f.labels.length === 0 && !f.getAttribute('aria-label')) p.push('unlabelled ' + f.outerHTML);
        }
        for (const b of document.querySelectorAll('button, a')) {
            if (!named(b)) p.push('unnamed ' + b.outerHTML);
        }
        for (const t of document.querySelectorAll('table')) {
            if (!t.querySelector('caption')) p.push('table without caption');
        }
        for (const e of document.querySelectorAll('[src], link, iframe, object, embed')) {
            p.push('loads ' + e.outerHTML);
        }
        const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
        if (new Set(ids).size !== ids.length) p.push('duplicate ids');
        return p;"#,
    );
    assert_eq!(problems, Value::Array(vec![]), "on {}", s.url());
}

fn log_in(s: &Session, url: &str, token: &str) {
    s.goto(url);
    accessible(s);
    let field = s.find("#token");
    s.type_into(&field, token);
    let button = s.find("form[action='/login'] button[type=submit]");
    s.click_to_navigate(&button);
}

#[test]
fn a_vendor_fixes_an_item_and_a_requester_filters_contacts_in_the_browser() {
    let driver = Driver::start();
    let mut demo = Served::start(&["demo", "--serve", "127.0.0.1:0", "--format", "json"]);
    let printed: Value = serde_json::from_str(&demo.first_line).unwrap();
    let url = printed["url"].as_str().unwrap().to_owned();
    let token = |role: &str| {
        printed["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["role"] == role)
            .unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let dir = shots();

    // The vendor.
    let profile = tempfile::tempdir().unwrap();
    let s = driver.session(profile.path());
    log_in(&s, &url, &token("vendor"));
    assert!(
        s.url().ends_with("/plans?view=assigned"),
        "{}: {}\n{}",
        s.url(),
        s.source(),
        demo.log_text()
    );
    let page = s.source();
    assert!(page.contains("Assigned to us (1)"), "{page}");
    let tab = s.find(".tabs a[aria-current='page']");
    assert!(s.text(&tab).starts_with("Assigned to us"));
    accessible(&s);
    s.screenshot(&dir.join("vendor-assigned.png"));
    let link = s.find("table a[href^='/plans/']");
    s.click_to_navigate(&link);
    let page = s.source();
    assert!(
        page.contains("Why it matters:") && page.contains("How to fix it:"),
        "{page}"
    );
    charts_rendered(&s);
    accessible(&s);
    s.screenshot(&dir.join("vendor-plan.png"));
    let plan_url = s.url();
    let chip = "return document.querySelector('#item-0 .chip').textContent";
    assert_eq!(s.execute(chip), "open");
    let fixed = s.find("#item-0 button[value='fixed']");
    s.click_to_navigate(&fixed);
    // The rescan runs in the background against the demo's DNS server.
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        s.goto(&plan_url);
        let status = s.execute(chip);
        if status == "verified" {
            break;
        }
        assert!(
            status == "pending rescan" && Instant::now() < until,
            "item 0 is {status}; server log: {}",
            demo.log_text()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    charts_rendered(&s);
    assert!(
        s.source().contains("1 verified"),
        "the progress chart counts it"
    );
    accessible(&s);
    s.screenshot(&dir.join("vendor-verified.png"));
    drop(s);

    // The requester.
    let profile = tempfile::tempdir().unwrap();
    let s = driver.session(profile.path());
    log_in(&s, &url, &token("requester"));
    let nav = s.find("nav.toc a[href='/contacts']");
    s.click_to_navigate(&nav);
    assert!(
        s.source().contains("1 contact at 1 vendor"),
        "{}",
        s.source()
    );
    let vendor_row = s.find("details.vendor summary");
    s.click(&vendor_row);
    assert!(
        s.source().contains("Resend the invitation") || s.source().contains("Engagement history")
    );
    accessible(&s);
    s.screenshot(&dir.join("requester-contacts.png"));
    let accepted = s.find("#invitation option[value='accepted']");
    s.click(&accepted);
    let apply = s.find("form[action='/contacts'] button[type=submit]");
    s.click_to_navigate(&apply);
    assert!(s.url().contains("invitation=accepted"), "{}", s.url());
    assert!(
        s.source().contains("1 contact at 1 vendor"),
        "{}",
        s.source()
    );
    let none = s.find("#invitation option[value='none']");
    s.click(&none);
    let apply = s.find("form[action='/contacts'] button[type=submit]");
    s.click_to_navigate(&apply);
    assert!(s.url().contains("invitation=none"), "{}", s.url());
    let page = s.source();
    assert!(
        page.contains("0 contacts at 0 vendors")
            && page.contains("No contacts match these filters"),
        "{page}"
    );
    assert!(
        page.contains(r#"<option value="none" selected="">"#)
            || page.contains(r#"value="none" selected"#),
        "the filter stays chosen"
    );
    accessible(&s);
    s.screenshot(&dir.join("requester-filtered.png"));
    let insights = s.find("nav.toc a[href='/insights']");
    s.click_to_navigate(&insights);
    assert!(s.source().contains("vendors contacted"));
    accessible(&s);
    s.screenshot(&dir.join("requester-insights.png"));
    let expectations = s.find("nav.toc a[href='/expectations']");
    s.click_to_navigate(&expectations);
    assert!(s.source().contains("Set an expectation"));
    accessible(&s);
    let contacts = s.find("nav.toc a[href='/contacts']");
    s.click_to_navigate(&contacts);
    let vendor_row = s.find("details.vendor summary");
    s.click(&vendor_row);
    let history = s.find("a[href$='/history']");
    s.click_to_navigate(&history);
    assert!(
        s.source().contains("Engagement history of"),
        "{}",
        s.source()
    );
    accessible(&s);
    s.screenshot(&dir.join("requester-history.png"));
    drop(s);

    let status = demo.terminate();
    assert!(status.success(), "{status:?}: {}", demo.log_text());
    let log = demo.log_text();
    assert!(
        log.contains("posture: rescan: ") && log.contains("clean"),
        "{log}"
    );
    for u in printed["users"].as_array().unwrap() {
        assert!(
            !log.contains(u["token"].as_str().unwrap()),
            "a token in the log"
        );
    }
}
