//! The report against hostile input, unassessed factors, unrated vendors,
//! and the page's promises: nothing loaded from elsewhere, a table for
//! every chart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::*;
use posture_core::{Catalog, FindingsDocument};
use posture_csr::{Aggregation, CsrConfig, CsrResult, CsrV1, Portfolio};
use posture_score::{PostureV1, ScoreConfig, Scorecard, Target};
use serde_json::{Value, json};
use std::sync::Arc;

const HOSTILE: &str = r#"<script>alert('x')</script><img src=x onerror=alert(1)>&"'"#;

fn catalog() -> Arc<Catalog> {
    Catalog::builtin()
}

fn doc(org: &str, assessed: &[&str], findings: &[(&str, &str)]) -> FindingsDocument {
    let findings: Vec<Value> = findings
        .iter()
        .map(|(issue, asset)| {
            json!({"issue": issue, "asset": asset, "first_seen": "2026-10-01T00:00:00Z",
                "last_seen": "2026-10-30T00:00:00Z", "status": "open"})
        })
        .collect();
    serde_json::from_value(json!({
        "organization": org, "as_of": "2026-11-01T00:00:00Z",
        "assets": ["acme.example", "www.acme.example", "192.0.2.0/30"],
        "assessed_factors": assessed, "findings": findings,
    }))
    .unwrap()
}

fn card(d: &FindingsDocument) -> Scorecard {
    posture_score::score(&d.validate(catalog()).unwrap())
}

fn acme() -> FindingsDocument {
    doc(
        "acme",
        &["dns_health", "network_security"],
        &[
            ("spf_permissive_all", "acme.example"),
            ("dmarc_missing", "acme.example"),
            ("service_telnet", "192.0.2.1"),
            ("service_telnet", "192.0.2.2"),
        ],
    )
}

fn portfolio() -> Portfolio {
    Portfolio::from_json(
        &json!({
            "organization": "acme", "as_of": "2026-11-01T00:00:00Z",
            "domains": [{"domain": "acme.example", "findings": [
                {"issue": "dmarc_missing", "asset": "acme.example", "first_seen": "2026-10-01T00:00:00Z",
                 "last_seen": "2026-10-30T00:00:00Z", "status": "open"}]}],
            "vendors": [
                {"id": "pay", "name": "Payroll Co", "in_use": true, "criticality": "critical",
                 "domains": [{"domain": "pay.example", "findings": [
                    {"issue": "service_rdp", "asset": "pay.example", "first_seen": "2026-10-01T00:00:00Z",
                     "last_seen": "2026-10-30T00:00:00Z", "status": "open"}]}]},
                {"id": "ghost", "name": "Ghost Ltd", "in_use": true, "criticality": "high", "domains": []},
                {"id": "quiz", "name": "Quiz Inc", "in_use": true, "criticality": "low", "domains": [],
                 "questionnaire_risks": [{"id": "q1", "title": "No MFA", "severity": "high", "status": "open"}]}
            ]
        })
        .to_string(),
    )
    .unwrap()
}

fn csr(p: &Portfolio) -> CsrResult {
    let model = CsrV1::new(
        PostureV1::default(),
        &ScoreConfig::default(),
        CsrConfig::default(),
    )
    .unwrap();
    model.aggregate(&p.validate(&catalog()).unwrap())
}

fn improvement() -> posture_score::Improvement {
    posture_score::improve(
        &PostureV1::default(),
        &acme().validate(catalog()).unwrap(),
        Target::Grade(posture_core::Grade::A),
    )
    .unwrap()
}

fn action_plan() -> ActionPlan {
    serde_json::from_value(json!({
        "plan": "p1", "title": "Reach B", "requester": "acme", "vendor": "pay",
        "assignee": "bob", "status": "sent", "target": {"grade": "B"},
        "due": "2026-12-01T00:00:00Z", "finished": false, "overdue": false,
        "items": [
            {"item": "i1", "issue": "service_rdp", "asset": "pay.example", "questionnaire_risk": null,
             "status": "verified", "reopened": 0, "risk": null, "remediation": null, "info": null},
            {"item": "i2", "issue": null, "asset": null, "questionnaire_risk": "q1",
             "status": "open", "reopened": 1, "risk": null, "remediation": null, "info": null}
        ],
        "progress": {"verified": 1, "accepted": 0, "total": 2, "target_met": null},
        "messages": [{"from": "bob", "at": "2026-11-02T00:00:00Z", "text": "on it"}]
    }))
    .unwrap()
}

fn history() -> Vec<Scorecard> {
    let mut a = doc(
        "acme",
        &["dns_health"],
        &[("spf_permissive_all", "acme.example")],
    );
    a.as_of = "2026-09-01T00:00:00Z".parse().unwrap();
    let b = acme();
    let mut c = doc("acme", &["dns_health"], &[]);
    c.as_of = "2026-12-01T00:00:00Z".parse().unwrap();
    vec![card(&b), card(&a), card(&c)]
}

fn full() -> ReportInput {
    let p = portfolio();
    let d = acme();
    let scan = ScanDocument::new(
        "acme".into(),
        vec!["acme.example".into()],
        d.clone(),
        card(&d),
    );
    ReportInput::new()
        .with_scan(scan)
        .with_scorecard(card(&d))
        .with_portfolio(PortfolioReport::new(csr(&p)).with_portfolio(p))
        .with_history(history())
        .with_improvement(improvement())
        .with_action_plan(action_plan())
}

/// Nothing loaded from elsewhere, no script but the page's own, links only
/// in-page or to the catalog's references.
fn assert_self_contained(html: &str) {
    let problems = audit::self_contained(html);
    assert!(problems.is_empty(), "{problems:#?}");
}

fn assert_charts_have_tables(html: &str) {
    assert!(html.contains(r#"<svg class="chart""#), "no chart");
    let problems = audit::charts_have_tables(html);
    assert!(problems.is_empty(), "{problems:#?}");
}

fn assert_unique_ids(html: &str) {
    let problems = audit::ids_and_links(html);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_audit_catches_what_it_looks_for() {
    let good = page("t", "<p>x</p>");
    assert!(audit::check(&good).is_empty(), "{:?}", audit::check(&good));
    for (bad, what) in [
        (r#"<img src="a.png">"#, "<img"),
        (r#"<a href="https://example.com/">x</a>"#, "link out"),
        (r#"<p onclick="x()">x</p>"#, "event handler"),
        (r##"<a href="#nowhere">x</a>"##, "lands nowhere"),
        (r#"<p id="a"></p><p id="a"></p>"#, "twice"),
        (
            r#"<svg class="chart" viewBox="0 0 1 1"></svg>"#,
            "data-table",
        ),
    ] {
        let problems = audit::check(&page("t", bad));
        assert!(
            problems.iter().any(|p| p.contains(what)),
            "{bad}: {problems:?}"
        );
    }
    assert!(audit::palette().is_empty());
}

#[test]
fn a_full_report_has_every_part() {
    let html = render(&full(), &catalog()).unwrap();
    for needle in [
        "Overview",
        "Portfolio of acme",
        "Vendor Payroll Co",
        "Own domain acme.example",
        "Trend: acme",
        "Improvement plan: acme",
        "Action plan: Reach B",
        // Titles beside ids, risk and remediation.
        "SPF authorises everyone (+all or ?all)",
        "<code>spf_permissive_all</code>",
        "Telnet exposed to the internet",
        "@media print",
        "@media (max-width:640px)",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    let c = catalog();
    for id in [
        "spf_permissive_all",
        "dmarc_missing",
        "service_telnet",
        "service_rdp",
    ] {
        let (_, t) = c.get(id).unwrap();
        assert!(html.contains(&escape(&t.risk)), "{id}: risk");
        assert!(html.contains(&escape(&t.remediation)), "{id}: remediation");
    }
    // Every finding's asset.
    for asset in ["192.0.2.1", "192.0.2.2", "pay.example"] {
        assert!(html.contains(&format!("<code>{asset}</code>")), "{asset}");
    }
    assert_self_contained(&html);
    assert_charts_have_tables(&html);
    assert_unique_ids(&html);
}

#[test]
fn the_portfolio_table_drills_down_to_every_vendor() {
    let p = portfolio();
    let result = csr(&p);
    let anchors = EntityAnchors::new("portfolio-1-acme", &result);
    let html = render(
        &ReportInput::new().with_portfolio(PortfolioReport::new(result).with_portfolio(p)),
        &catalog(),
    )
    .unwrap();
    for a in anchors.vendors.iter().chain(&anchors.domains) {
        assert!(
            html.contains(&format!(r##"<a href="#{a}">"##)),
            "no link to {a}"
        );
        assert!(
            html.contains(&format!(r#"<section class="card" id="{a}">"#)),
            "no section {a}"
        );
    }
    assert_unique_ids(&html);
}

#[test]
fn a_vendor_without_domains_is_not_rated_never_100() {
    let p = portfolio();
    let result = csr(&p);
    // The wire result says 100.00 for it: the report must not.
    let ghost = result.vendors.iter().find(|v| v.id == "ghost").unwrap();
    assert_eq!(ghost.raw_score.to_string(), "100.00");
    let anchors = EntityAnchors::new("p", &result);
    let report = PortfolioReport::new(result.clone()).with_portfolio(p);
    let i = result.vendors.iter().position(|v| v.id == "ghost").unwrap();
    let section = vendor_section(&anchors, i, &report, &catalog());
    assert!(section.contains("not rated"), "{section}");
    assert!(!section.contains("100"), "{section}");
    let table = portfolio_section(&anchors, &report);
    let row = table
        .split("<tr>")
        .find(|r| r.contains("<code>ghost</code>"))
        .unwrap();
    assert!(
        row.contains("not rated (no domains)") && !row.contains("100"),
        "{row}"
    );
    // Questionnaire risks alone give a score, said as such.
    let row = table
        .split("<tr>")
        .find(|r| r.contains("<code>quiz</code>"))
        .unwrap();
    assert!(
        row.contains("questionnaire only") && row.contains("not rated (no domains)"),
        "{row}"
    );
    // The chart draws no bar for it.
    let chart = table.split("<svg").nth(1).unwrap();
    assert!(chart.contains("not rated (no domains)"));

    // Without the portfolio the report says it cannot tell.
    let alone = portfolio_section(&anchors, &PortfolioReport::new(result));
    assert!(alone.contains("cannot tell a vendor without domains"));
}

#[test]
fn unassessed_factors_read_not_assessed_never_100() {
    let d = doc(
        "acme",
        &["dns_health"],
        &[("dmarc_missing", "acme.example")],
    );
    let c = card(&d);
    let unassessed = c.factors.iter().filter(|f| !f.assessed).count();
    assert_eq!(unassessed, 9);
    // On the wire an unassessed factor's score is 100.
    assert!(
        c.factors
            .iter()
            .any(|f| !f.assessed && f.score.to_string() == "100.00")
    );
    let t = factor_table(&c, &catalog());
    assert_eq!(
        t.matches(r#"<span class="na">not assessed</span>"#).count(),
        9
    );
    assert_eq!(t.matches(r#"class="meter""#).count(), 1);
    assert!(!t.contains("100.00"), "{t}");
    assert!(!t.contains("width:100.0%"));

    // A scorecard with no data at all is not rated.
    let none = card(&doc("nobody", &[], &[]));
    assert!(none.score.is_none());
    let s = scorecard_summary(&none);
    assert!(s.contains("not rated"));
    assert!(!s.contains("100"), "{s}");
    let html = render(&ReportInput::new().with_scorecard(none), &catalog()).unwrap();
    assert!(html.contains("not rated (insufficient data)"));
}

/// Replaces every string in a JSON value whose text is `from` with `to`.
fn replace(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) if s == from => *s = to.to_owned(),
        Value::Array(a) => a.iter_mut().for_each(|x| replace(x, from, to)),
        Value::Object(o) => o.values_mut().for_each(|x| replace(x, from, to)),
        _ => {}
    }
}

fn hostile<T: serde::Serialize + serde::de::DeserializeOwned>(t: &T, swaps: &[&str]) -> T {
    let mut v = serde_json::to_value(t).unwrap();
    for (i, from) in swaps.iter().enumerate() {
        replace(&mut v, from, &format!("{HOSTILE}{i}"));
    }
    serde_json::from_value(v).unwrap()
}

#[test]
fn hostile_input_is_escaped_in_every_field() {
    let d = acme();
    let c = card(&d);
    let swaps = [
        "acme",
        "acme.example",
        "192.0.2.1",
        "spf_permissive_all",
        "service_telnet",
        "posture-builtin",
        "posture-v1",
    ];
    let scan = ScanDocument {
        organization: HOSTILE.into(),
        targets: vec![HOSTILE.into()],
        observations: Vec::new(),
        inconclusive: vec![
            serde_json::from_value(
                json!({"asset": HOSTILE, "issue": HOSTILE, "check": "spf", "reasons": ["timeout"]}),
            )
            .unwrap(),
        ],
        findings: hostile(&d, &swaps),
        scorecard: hostile(&c, &swaps),
        queries: 3,
    };
    let p = portfolio();
    let result = csr(&p);
    let vendor_swaps = [
        "acme",
        "pay",
        "Payroll Co",
        "ghost",
        "pay.example",
        "acme.example",
        "service_rdp",
        "No MFA",
        "q1",
    ];
    let portfolio = PortfolioReport::new(hostile(&result, &vendor_swaps))
        .with_portfolio(hostile(&p, &vendor_swaps))
        .with_previous(hostile(&result, &vendor_swaps));
    let mut plan = action_plan();
    plan = hostile(
        &plan,
        &[
            "p1",
            "Reach B",
            "acme",
            "pay",
            "bob",
            "sent",
            "service_rdp",
            "pay.example",
            "verified",
            "open",
            "on it",
            "q1",
        ],
    );
    plan.target = json!({"issues": [HOSTILE]});
    plan.items[0].remediation = Some(HOSTILE.into());
    plan.items[0].info = Some(HOSTILE.into());
    let input = ReportInput::new()
        .with_title(HOSTILE)
        .with_scan(scan)
        .with_scorecard(hostile(&c, &swaps))
        .with_portfolio(portfolio)
        .with_history(history().iter().map(|h| hostile(h, &["acme"])).collect())
        .with_improvement(hostile(&improvement(), &swaps))
        .with_action_plan(plan);
    // A catalog whose text is hostile too: titles, risks, remediation,
    // references.
    let mut issues = catalog().issues().to_vec();
    for i in &mut issues {
        i.title = format!("{HOSTILE} title");
        i.risk = format!("{HOSTILE} risk");
        i.remediation = format!("{HOSTILE} fix");
        i.references = vec![
            "javascript:alert(1)".into(),
            format!("https://example.org/\"><script>{HOSTILE}"),
            "https://ok.example/ref".into(),
        ];
    }
    let evil = Catalog::from_issues(HOSTILE.into(), None, issues).unwrap();
    let html = render(&input, &evil).unwrap();
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(!html.contains(HOSTILE));
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains(r#"href="javascript"#));
    assert!(html.contains(r#"<a class="ref" href="https://ok.example/ref""#));
    assert_self_contained(&html);
    assert_charts_have_tables(&html);
    assert_unique_ids(&html);
}

#[test]
fn components_escape_on_their_own() {
    let c = hostile(
        &card(&acme()),
        &["acme", "spf_permissive_all", "acme.example"],
    );
    for html in [
        scorecard_section("x", &c, &catalog()),
        factor_table(&c, &catalog()),
        issues_table(&c, &catalog()),
        trend_chart("t", std::slice::from_ref(&c)),
        page(HOSTILE, ""),
    ] {
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.matches("<script").count() <= 1, "{html}");
        assert!(!html.contains("<img"), "{html}");
    }
    let f = hostile(
        &acme(),
        &["acme.example", "192.0.2.1", "spf_permissive_all"],
    );
    let t = findings_table(&f.findings, &catalog());
    assert!(
        !t.contains("<script>") && t.contains("not in catalog"),
        "{t}"
    );
}

#[test]
fn the_history_is_one_organisation() {
    let mut h = history();
    h[1].organization = "other".into();
    let e = render(&ReportInput::new().with_history(h), &catalog()).unwrap_err();
    assert_eq!(e.code(), "report_history_mixed");
    assert_eq!(e.location(), Some((Part::History, 1)));
    assert!(e.to_string().starts_with("history[1].organization"), "{e}");
}

#[test]
fn a_portfolio_must_be_the_results_own() {
    let p = portfolio();
    let result = csr(&p);
    let mut other = p.clone();
    other.organization = "someone else".into();
    let e = validate(
        &ReportInput::new()
            .with_portfolio(PortfolioReport::new(result.clone()).with_portfolio(other)),
    )
    .unwrap_err();
    assert_eq!(e.code(), "report_portfolio_mismatch");
    assert!(e.detail().starts_with("organization:"), "{e}");
    let mut fewer = p.clone();
    fewer.vendors.pop();
    let e = validate(
        &ReportInput::new()
            .with_portfolio(PortfolioReport::new(result.clone()).with_portfolio(fewer)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
    let mut more = p;
    more.vendors[0].id = "new".into();
    let e = validate(
        &ReportInput::new().with_portfolio(PortfolioReport::new(result).with_portfolio(more)),
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("portfolios[0].vendors[0].id"),
        "{e}"
    );
    assert_eq!(
        render(&ReportInput::new(), &catalog()).unwrap_err().code(),
        "report_empty"
    );
}

#[test]
fn the_trend_sorts_and_breaks_at_unrated_points() {
    let mut h = history();
    let mut unrated = card(&doc("acme", &[], &[]));
    unrated.as_of = "2026-10-15T00:00:00Z".parse().unwrap();
    h.push(unrated);
    let html = trend_chart("t", &h);
    // Sorted: September first.
    let sep = html.find("2026-09-01").unwrap();
    let dec = html.find("2026-12-01").unwrap();
    assert!(sep < dec);
    assert!(html.contains("not rated"));
    // Two segments of one point each side of the gap draw no line: the
    // line before the gap has two points, after it one (no polyline).
    assert_eq!(html.matches("<polyline").count(), 1);
    assert!(html.contains("<table"));
}

#[test]
fn other_scales_draw_from_the_fraction() {
    let c = card(&acme()).with_scale(posture_score::Scale::Upguard);
    let s = scorecard_summary(&c);
    assert!(s.contains("upguard scale"), "{s}");
    let t = factor_table(&c, &catalog());
    // Meter widths stay within 100%.
    for w in t.split("width:").skip(1) {
        let v: f64 = w.split('%').next().unwrap().parse().unwrap();
        assert!((0.0..=100.0).contains(&v), "{v}");
    }
}

#[test]
fn the_crate_is_pure_and_depends_on_the_lower_layers_only() {
    let manifest = include_str!("../Cargo.toml");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    let allowed = [
        "posture-core",
        "posture-score",
        "posture-csr",
        "serde",
        "serde_json",
        "thiserror",
        "rust_decimal",
    ];
    for line in deps.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name = line.split(['.', ' ', '=']).next().unwrap();
        assert!(allowed.contains(&name), "posture-report depends on {name}");
    }
    // No I/O, clock or network in the library's source.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for needle in [
            "std::fs",
            "std::net",
            "std::io",
            "SystemTime",
            "Utc::now",
            "Instant::now",
            "std::env",
        ] {
            assert!(!code.contains(needle), "{}: {needle}", path.display());
        }
    }
}

#[test]
fn trend_points_carry_their_letter() {
    let html = trend_chart("t", &history());
    let svg = html.split("</svg>").next().unwrap();
    for c in history() {
        let letter = format!(r#"class="halo">{}</text>"#, c.grade);
        assert!(svg.contains(&letter), "{letter}");
    }
}
