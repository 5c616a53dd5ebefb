//! The whole report: overview, a section per document, drill-down.

use crate::charts::score_bars;
use crate::error::ReportError;
use crate::html::{Escaped, anchor, grade_badge, num};
use crate::input::{PortfolioReport, ReportInput};
use crate::sections::{
    EntityAnchors, action_plan_section, card_bar, csr_bar, domain_section, history_section,
    improvement_section, portfolio_section, scan_section, scorecard_section, vendor_section,
};
use crate::style::document;
use posture_core::{Catalog, Grade};
use std::fmt::Write as _;

/// Checks that the parts of an input agree with each other.
///
/// # Errors
/// [`ReportError::Empty`] without any document,
/// [`ReportError::HistoryMixed`] when the history holds more than one
/// organisation, [`ReportError::PortfolioMismatch`] when a portfolio
/// document is not the one its result came from (another organisation, or
/// other vendors).
pub fn validate(input: &ReportInput) -> Result<(), ReportError> {
    if input.is_empty() {
        return Err(ReportError::Empty);
    }
    if let Some(first) = input.history.first() {
        if let Some((index, c)) = input
            .history
            .iter()
            .enumerate()
            .find(|(_, c)| c.organization != first.organization)
        {
            return Err(ReportError::HistoryMixed {
                index,
                expected: first.organization.clone(),
                found: c.organization.clone(),
            });
        }
    }
    for (index, p) in input.portfolios.iter().enumerate() {
        portfolio_matches(index, p)?;
    }
    Ok(())
}

fn portfolio_matches(index: usize, p: &PortfolioReport) -> Result<(), ReportError> {
    let Some(doc) = &p.portfolio else {
        return Ok(());
    };
    let mismatch = |field: String, message: String| ReportError::PortfolioMismatch {
        index,
        field,
        message,
    };
    if doc.organization != p.result.organization {
        return Err(mismatch(
            "organization".into(),
            format!(
                "`{}` differs from the result's `{}` (give the portfolio the result came from)",
                posture_core::echo(&doc.organization),
                posture_core::echo(&p.result.organization)
            ),
        ));
    }
    for (i, v) in doc.vendors.iter().enumerate() {
        if !p.result.vendors.iter().any(|r| r.id == v.id) {
            return Err(mismatch(
                format!("vendors[{i}].id"),
                format!(
                    "vendor `{}` is not in the result (give the portfolio the result came from)",
                    posture_core::echo(&v.id)
                ),
            ));
        }
    }
    if let Some(r) = p
        .result
        .vendors
        .iter()
        .find(|r| !doc.vendors.iter().any(|v| v.id == r.id))
    {
        return Err(mismatch(
            "vendors".into(),
            format!(
                "the result's vendor `{}` is missing (give the portfolio the result came from)",
                posture_core::echo(&r.id)
            ),
        ));
    }
    Ok(())
}

/// Renders the report: one self-contained HTML page (no external assets,
/// no network), charts as inline SVG with a data table each.
///
/// Sections, in order: an overview of every organisation and portfolio;
/// a section per scan (factors, every finding with its risk and
/// remediation, what could not be judged) and per scorecard; per
/// portfolio its CSR, entities, priorities, then a section per own domain
/// and per vendor (drill-down from the portfolio's table); the trend;
/// improvement plans; action plans.
///
/// # Errors
/// As [`validate`].
///
/// # Example
///
/// ```
/// use posture_core::{Catalog, FindingsDocument};
/// use posture_report::{ReportInput, ReportError, render};
///
/// let doc = FindingsDocument::from_json(r#"{"organization": "Acme <Ltd>",
///   "as_of": "2026-11-01T00:00:00Z", "assets": ["acme.example"],
///   "findings": [{"issue": "spf_missing", "asset": "acme.example",
///     "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z",
///     "status": "open"}]}"#)?;
/// let card = posture_score::score(&doc.validate(Catalog::builtin())?);
/// let html = render(&ReportInput::new().with_scorecard(card), &Catalog::builtin())?;
/// assert!(html.contains("Acme &lt;Ltd&gt;"));
/// assert!(html.contains("No SPF record")); // the catalog's title
///
/// assert_eq!(render(&ReportInput::new(), &Catalog::builtin()), Err(ReportError::Empty));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(input: &ReportInput, catalog: &Catalog) -> Result<String, ReportError> {
    validate(input)?;
    let mut nav: Vec<(String, String)> = vec![("overview".into(), "Overview".into())];
    let mut body = String::with_capacity(64 * 1024);
    let mut overview_bars = Vec::new();
    let mut kpis = String::new();

    let mut sections = String::new();
    for (i, scan) in input.scans.iter().enumerate() {
        let id = anchor("scan", i + 1, &scan.organization);
        overview_bars.push(card_bar(&scan.scorecard, format!("#{id}")));
        kpi(
            &mut kpis,
            &id,
            &scan.organization,
            "scan",
            scan.scorecard.score,
            scan.scorecard.grade,
        );
        nav.push((id.clone(), scan.organization.clone()));
        sections.push_str(&scan_section(&id, scan, catalog));
    }
    for (i, card) in input.scorecards.iter().enumerate() {
        let id = anchor("scorecard", i + 1, &card.organization);
        overview_bars.push(card_bar(card, format!("#{id}")));
        kpi(
            &mut kpis,
            &id,
            &card.organization,
            "scorecard",
            card.score,
            card.grade,
        );
        nav.push((id.clone(), card.organization.clone()));
        sections.push_str(&scorecard_section(&id, card, catalog));
    }
    for (i, p) in input.portfolios.iter().enumerate() {
        let id = anchor("portfolio", i + 1, &p.result.organization);
        let anchors = EntityAnchors::new(&id, &p.result);
        overview_bars.push(csr_bar(&p.result, format!("#{id}")));
        kpi(
            &mut kpis,
            &id,
            &p.result.organization,
            "portfolio CSR",
            p.result.csr,
            p.result.grade,
        );
        nav.push((
            id.clone(),
            format!("Portfolio of {}", p.result.organization),
        ));
        sections.push_str(&portfolio_section(&anchors, p));
        for d in 0..p.result.domains.len() {
            sections.push_str(&domain_section(&anchors, d, p, catalog));
        }
        for v in 0..p.result.vendors.len() {
            sections.push_str(&vendor_section(&anchors, v, p, catalog));
        }
    }
    if !input.history.is_empty() {
        let org = input
            .history
            .first()
            .map_or("", |c| c.organization.as_str());
        let id = anchor("trend", 1, org);
        nav.push((id.clone(), "Trend".into()));
        sections.push_str(&history_section(&id, &input.history));
    }
    for (i, plan) in input.improvements.iter().enumerate() {
        let id = anchor("improve", i + 1, &plan.organization);
        nav.push((id.clone(), format!("Plan for {}", plan.organization)));
        sections.push_str(&improvement_section(&id, plan, catalog));
    }
    for (i, plan) in input.action_plans.iter().enumerate() {
        let id = anchor("action-plan", i + 1, &plan.plan);
        nav.push((id.clone(), format!("Action plan {}", plan.plan)));
        sections.push_str(&action_plan_section(&id, plan, catalog));
    }

    // The overview.
    let _ = write!(
        body,
        r#"<section class="card" id="overview"><h2>Overview</h2>{}"#,
        overview_text(input)
    );
    if !kpis.is_empty() {
        let _ = write!(body, r#"<div class="kpis">{kpis}</div>"#);
    }
    if !overview_bars.is_empty() {
        body.push_str(&score_bars(
            "overview-scores",
            "Scores at a glance (follow a name for its section)",
            &overview_bars,
            None,
        ));
    }
    body.push_str("</section>");
    body.push_str(&sections);

    let title = input.title.clone().unwrap_or_else(|| default_title(input));
    let subtitle = format!(
        r#"<p>Catalog {} · {} issue types · read the grades by their letters: A (best) to F, ? not rated.</p>"#,
        Escaped(catalog.id()),
        catalog.len()
    );
    let mut nav_html = String::from(r#"<nav class="toc" aria-label="Contents"><ul>"#);
    // A long report lists its first sections; the overview links the rest.
    for (id, label) in nav.iter().take(24) {
        let _ = write!(
            nav_html,
            r##"<li><a href="#{}">{}</a></li>"##,
            Escaped(id),
            Escaped(label)
        );
    }
    nav_html.push_str("</ul></nav>");
    Ok(document(&title, &subtitle, &nav_html, &body))
}

fn kpi(
    s: &mut String,
    id: &str,
    name: &str,
    what: &str,
    score: Option<rust_decimal::Decimal>,
    grade: Grade,
) {
    let _ = write!(
        s,
        r##"<div class="kpi"><b>{} {}</b><span><a href="#{}">{}</a> · {}</span></div>"##,
        Escaped(&num(score)),
        grade_badge(grade),
        Escaped(id),
        Escaped(name),
        what
    );
}

fn overview_text(input: &ReportInput) -> String {
    let mut parts = Vec::new();
    let count = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    if !input.scans.is_empty() {
        let findings: usize = input.scans.iter().map(|s| s.findings.findings.len()).sum();
        parts.push(format!(
            "{} ({})",
            count(input.scans.len(), "scan", "scans"),
            count(findings, "finding", "findings")
        ));
    }
    if !input.scorecards.is_empty() {
        parts.push(count(input.scorecards.len(), "scorecard", "scorecards"));
    }
    if !input.portfolios.is_empty() {
        parts.push(count(input.portfolios.len(), "portfolio", "portfolios"));
    }
    if !input.history.is_empty() {
        parts.push(format!(
            "a history of {}",
            count(input.history.len(), "scorecard", "scorecards")
        ));
    }
    let plans = input.improvements.len() + input.action_plans.len();
    if plans > 0 {
        parts.push(count(plans, "plan", "plans"));
    }
    format!(
        "<p>This report shows {}. Unassessed factors read “not assessed” and entities without data “not rated”: neither is ever shown as a score of 100.</p>",
        Escaped(&parts.join(", "))
    )
}

fn default_title(input: &ReportInput) -> String {
    let all = input
        .scans
        .iter()
        .map(|s| s.organization.as_str())
        .chain(input.scorecards.iter().map(|c| c.organization.as_str()))
        .chain(
            input
                .portfolios
                .iter()
                .map(|p| p.result.organization.as_str()),
        )
        .chain(input.history.iter().map(|c| c.organization.as_str()))
        .chain(input.improvements.iter().map(|p| p.organization.as_str()))
        .chain(input.action_plans.iter().map(|p| p.vendor.as_str()));
    let mut names: Vec<&str> = Vec::new();
    for n in all {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    match names.as_slice() {
        [] => "Posture report".to_owned(),
        [one] => format!("Posture report: {one}"),
        [one, rest @ ..] => format!("Posture report: {one} and {} more", rest.len()),
    }
}
