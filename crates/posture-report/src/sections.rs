//! The report's components: each renders one part of a document as HTML,
//! so a host can compose pages of its own from them.

use crate::charts::{
    ScoreBar, bar_of_fraction, gain_chart, progress_chart, score_bars, trend_chart,
};
use crate::html::{
    Escaped, anchor, date, date_time, grade_badge, grade_of_fraction, num, percent, round,
};
use crate::input::{ActionPlan, PortfolioReport, ScanDocument};
use crate::palette::grade_class;
use posture_core::{Catalog, Factor, Finding, FindingStatus, Grade, IssueType, Severity};
use posture_csr::{Criticality, CsrResult, DomainEntry, RiskStatus, Vendor};
use posture_score::{Improvement, Scale, Scorecard, Target};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// A factor's name for people.
pub fn factor_title(f: Factor) -> &'static str {
    match f {
        Factor::NetworkSecurity => "Network security",
        Factor::DnsHealth => "DNS health",
        Factor::PatchingCadence => "Patching cadence",
        Factor::EndpointSecurity => "Endpoint security",
        Factor::IpReputation => "IP reputation",
        Factor::ApplicationSecurity => "Application security",
        Factor::CubitScore => "Cubit score",
        Factor::HackerChatter => "Hacker chatter",
        Factor::InformationLeak => "Information leak",
        Factor::SocialEngineering => "Social engineering",
    }
}

/// What a factor measures, in a sentence.
pub fn factor_about(f: Factor) -> &'static str {
    match f {
        Factor::NetworkSecurity => "Exposed services and TLS configuration.",
        Factor::DnsHealth => "DNS and e-mail authentication hygiene (SPF, DMARC, DNSSEC…).",
        Factor::PatchingCadence => "How quickly known vulnerabilities are patched.",
        Factor::EndpointSecurity => "Outdated client systems seen from outside.",
        Factor::IpReputation => "Blocklisting, malware, spam and botnet activity.",
        Factor::ApplicationSecurity => "Web application weaknesses (headers, cookies, files).",
        Factor::CubitScore => "Exposure signals such as admin panels and unsafe logins.",
        Factor::HackerChatter => "Mentions in hacker forums and markets.",
        Factor::InformationLeak => "Exposed credentials, data and files.",
        Factor::SocialEngineering => "Exposure of staff to phishing and impersonation.",
    }
}

fn severity_chip(s: Severity) -> String {
    let class = match s {
        Severity::Critical | Severity::High => "chip open",
        Severity::Medium => "chip pending",
        Severity::Positive => "chip done",
        Severity::Low | Severity::Info => "chip",
    };
    format!(r#"<span class="{class}">{}</span>"#, s.as_str())
}

fn finding_status_chip(s: FindingStatus) -> String {
    let class = match s {
        FindingStatus::Open => "chip open",
        FindingStatus::UnderReview => "chip pending",
        FindingStatus::Waived | FindingStatus::Refuted | FindingStatus::Fixed => "chip done",
    };
    format!(
        r#"<span class="{class}">{}</span>"#,
        s.as_str().replace('_', " ")
    )
}

/// An issue type's title beside its id (`<b>Telnet exposed…</b> <code>service_telnet</code>`),
/// or the id alone, marked, when the catalog does not have it.
pub fn issue_label(id: &str, catalog: &Catalog) -> String {
    match catalog.get(id) {
        Some((_, t)) if !t.title.is_empty() => {
            format!("<b>{}</b> <code>{}</code>", Escaped(&t.title), Escaped(id))
        }
        Some(_) => format!("<code>{}</code>", Escaped(id)),
        None => format!(
            r#"<code>{}</code> <span class="meta">(not in catalog {})</span>"#,
            Escaped(id),
            Escaped(catalog.id())
        ),
    }
}

/// The catalog's references as links. Only `http` and `https` addresses
/// become links (a click away, never loaded by the page); anything else is
/// shown as text.
fn references(t: &IssueType) -> String {
    if t.references.is_empty() {
        return String::new();
    }
    let mut s = String::from(r#"<ul class="refs">"#);
    for r in &t.references {
        let shown = r
            .strip_prefix("https://")
            .or_else(|| r.strip_prefix("http://"));
        match shown {
            Some(text) if !r.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                let _ = write!(
                    s,
                    r#"<li><a class="ref" href="{}" rel="noreferrer noopener">{}</a></li>"#,
                    Escaped(r),
                    Escaped(text)
                );
            }
            _ => {
                let _ = write!(s, "<li>{}</li>", Escaped(r));
            }
        }
    }
    s.push_str("</ul>");
    s
}

fn risk_text(t: Option<&IssueType>) -> String {
    match t {
        Some(t) if !t.risk.is_empty() => format!("<p>{}</p>", Escaped(&t.risk)),
        _ => r#"<p class="meta">The catalog says nothing about this issue type.</p>"#.to_owned(),
    }
}

fn fix_text(t: Option<&IssueType>) -> String {
    match t {
        Some(t) if !t.remediation.is_empty() => {
            format!("<p>{}</p>{}", Escaped(&t.remediation), references(t))
        }
        _ => r#"<p class="meta">No remediation in the catalog.</p>"#.to_owned(),
    }
}

/// A scorecard's headline figures: score and grade, footprint, breach
/// likelihood, issue types, and what produced it.
pub fn scorecard_summary(card: &Scorecard) -> String {
    let mut s = String::from(r#"<div class="kpis">"#);
    let scale = match card.scale {
        Scale::Hundred => String::new(),
        other => format!(" ({} scale)", other.as_str()),
    };
    match card.score {
        Some(v) => {
            let _ = write!(
                s,
                r#"<div class="kpi"><b>{} {}</b><span>score{}</span></div>"#,
                Escaped(&v.to_string()),
                grade_badge(card.grade),
                Escaped(&scale)
            );
        }
        None => {
            let _ = write!(
                s,
                r#"<div class="kpi"><b>— {}</b><span>not rated: insufficient data (no findings, no factor assessed)</span></div>"#,
                grade_badge(Grade::Insufficient)
            );
        }
    }
    let issues: usize = card.factors.iter().map(|f| f.issues.len()).sum();
    let assessed = card.factors.iter().filter(|f| f.assessed).count();
    let _ = write!(
        s,
        r#"<div class="kpi"><b>{assessed} of {}</b><span>factors assessed</span></div><div class="kpi"><b>{issues}</b><span>issue types found</span></div><div class="kpi"><b>{}</b><span>footprint (hosts, addresses, /64s)</span></div>"#,
        card.factors.len(),
        card.footprint_size
    );
    if let Some(b) = card.breach_likelihood {
        let _ = write!(
            s,
            r#"<div class="kpi"><b>{}×</b><span>breach likelihood against grade A</span></div>"#,
            round(b, 2)
        );
    }
    s.push_str("</div>");
    let _ = write!(
        s,
        r#"<p class="meta">Scored as of {} by {} ({}), catalog {} <code>{}</code>{}.</p>"#,
        Escaped(&date_time(card.as_of)),
        Escaped(&card.model),
        Escaped(&card.spec),
        Escaped(&card.catalog.id),
        Escaped(
            card.catalog
                .digest
                .get(..19)
                .unwrap_or(&card.catalog.digest)
        ),
        if card.breaches_applied > 0 {
            format!(", {} breach(es) applied", card.breaches_applied)
        } else {
            String::new()
        }
    );
    s
}

fn table_open(class: &str, caption: &str, head: &[(&str, bool)]) -> String {
    let mut s = format!(
        r#"<div class="table-wrap"><table class="{class}"><caption>{}</caption><thead><tr>"#,
        Escaped(caption)
    );
    for (h, numeric) in head {
        if *numeric {
            let _ = write!(s, r#"<th class="n">{h}</th>"#);
        } else {
            let _ = write!(s, "<th>{h}</th>");
        }
    }
    s.push_str("</tr></thead><tbody>");
    s
}

const TABLE_CLOSE: &str = "</tbody></table></div>";

/// The ten factors of a scorecard: each factor's title, its score as a
/// meter and a number, or "not assessed" (never a score, never a full
/// bar), and the issue types found in it with their titles.
pub fn factor_table(card: &Scorecard, catalog: &Catalog) -> String {
    let mut s = table_open(
        "stack factors",
        "Factor breakdown: a factor no check could assess reads “not assessed”.",
        &[("factor", false), ("score", false), ("issues found", false)],
    );
    for f in &card.factors {
        let score = if f.assessed {
            let g = grade_of_fraction(f.fraction);
            format!(
                r#"<span class="score-cell"><span class="meter" role="img" aria-label="{pct:.0} of 100"><span class="{}" style="width:{pct:.1}%"></span></span><span>{} {}</span></span>"#,
                grade_class(g),
                Escaped(&f.score.to_string()),
                grade_badge(g),
                pct = percent(f.fraction),
            )
        } else {
            r#"<span class="na">not assessed</span>"#.to_owned()
        };
        let issues = if f.issues.is_empty() {
            if f.assessed {
                r#"<span class="meta">none</span>"#.to_owned()
            } else {
                r#"<span class="meta">no check observed this factor</span>"#.to_owned()
            }
        } else {
            let mut l = String::from(r#"<ul class="plain">"#);
            for i in &f.issues {
                let _ = write!(
                    l,
                    "<li>{} {} · {} asset{}</li>",
                    issue_label(&i.issue, catalog),
                    severity_chip(i.severity),
                    i.affected_assets,
                    if i.affected_assets == 1 { "" } else { "s" }
                );
            }
            l.push_str("</ul>");
            l
        };
        let _ = write!(
            s,
            r#"<tr><td data-label="factor"><b>{}</b> <code>{}</code><br><span class="meta">{}</span></td><td data-label="score">{score}</td><td data-label="issues">{issues}</td></tr>"#,
            factor_title(f.factor),
            f.factor.as_str(),
            factor_about(f.factor)
        );
    }
    s.push_str(TABLE_CLOSE);
    s
}

/// The issue types a scorecard counts, largest penalty first: what to fix
/// first, with each type's risk and remediation.
pub fn issues_table(card: &Scorecard, catalog: &Catalog) -> String {
    let mut rows: Vec<(Factor, &posture_score::IssueScore)> = card
        .factors
        .iter()
        .flat_map(|f| f.issues.iter().map(move |i| (f.factor, i)))
        .collect();
    if rows.is_empty() {
        return r#"<p class="meta">No issue types found.</p>"#.to_owned();
    }
    rows.sort_by(|a, b| {
        b.1.penalty
            .cmp(&a.1.penalty)
            .then_with(|| a.1.issue.cmp(&b.1.issue))
    });
    let mut s = table_open(
        "stack issues",
        "Issue types found, largest penalty first",
        &[
            ("issue", false),
            ("assets", true),
            ("why it matters", false),
            ("how to fix it", false),
        ],
    );
    for (factor, i) in rows {
        let t = catalog.get(&i.issue).map(|(_, t)| t);
        let _ = write!(
            s,
            r#"<tr class="finding"><td data-label="issue">{}<br>{} <span class="meta">{} · penalty {}</span></td><td class="n" data-label="assets">{}</td><td data-label="why it matters">{}</td><td data-label="how to fix it">{}</td></tr>"#,
            issue_label(&i.issue, catalog),
            severity_chip(i.severity),
            factor_title(factor),
            round(i.penalty, 4),
            i.affected_assets,
            risk_text(t),
            fix_text(t)
        );
    }
    s.push_str(TABLE_CLOSE);
    s
}

/// Every finding, grouped by issue type (most severe first): the type's
/// title, severity and factor, each asset with its status and when it was
/// seen, and the catalog's risk and remediation.
pub fn findings_table(findings: &[Finding], catalog: &Catalog) -> String {
    if findings.is_empty() {
        return r#"<p class="meta">No findings.</p>"#.to_owned();
    }
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in findings {
        match groups.iter_mut().find(|(id, _)| *id == f.issue) {
            Some((_, v)) => v.push(f),
            None => groups.push((f.issue.as_str(), vec![f])),
        }
    }
    let rank = |id: &str| {
        catalog
            .get(id)
            .map_or(Severity::ALL.len(), |(_, t)| t.severity.index())
    };
    groups.sort_by(|a, b| {
        rank(a.0)
            .cmp(&rank(b.0))
            .then(b.1.len().cmp(&a.1.len()))
            .then(a.0.cmp(b.0))
    });
    let mut s = table_open(
        "stack findings",
        "Findings by issue type, most severe first",
        &[
            ("issue", false),
            ("assets", false),
            ("why it matters", false),
            ("how to fix it", false),
        ],
    );
    for (id, list) in groups {
        let t = catalog.get(id).map(|(_, t)| t);
        let about = match t {
            Some(t) => format!(
                "{} <span class=\"meta\">{}</span>",
                severity_chip(t.severity),
                factor_title(t.factor)
            ),
            None => String::new(),
        };
        let mut assets = String::from(r#"<ul class="plain">"#);
        for f in list {
            let (first, last) = (date(f.first_seen), date(f.last_seen));
            let seen = if first == last {
                first
            } else {
                format!("{first} – {last}")
            };
            let _ = write!(
                assets,
                r#"<li><code>{}</code> {} <span class="meta">seen {}</span></li>"#,
                Escaped(&f.asset),
                finding_status_chip(f.status),
                Escaped(&seen)
            );
        }
        assets.push_str("</ul>");
        let _ = write!(
            s,
            r#"<tr class="finding"><td data-label="issue">{}<br>{about}</td><td data-label="assets">{assets}</td><td data-label="why it matters">{}</td><td data-label="how to fix it">{}</td></tr>"#,
            issue_label(id, catalog),
            risk_text(t),
            fix_text(t)
        );
    }
    s.push_str(TABLE_CLOSE);
    s
}

/// A section for one scorecard: summary, factor breakdown, and the issue
/// types found with their risk and remediation.
pub fn scorecard_section(id: &str, card: &Scorecard, catalog: &Catalog) -> String {
    format!(
        r#"<section class="card" id="{}"><h2>{}</h2>{}<h3>Factors</h3>{}<h3>What to fix first</h3>{}</section>"#,
        Escaped(id),
        Escaped(&card.organization),
        scorecard_summary(card),
        factor_table(card, catalog),
        issues_table(card, catalog)
    )
}

/// A section for one scan: what was scanned, the scorecard's summary and
/// factors, every finding with its risk and remediation, and what could
/// not be judged.
pub fn scan_section(id: &str, scan: &ScanDocument, catalog: &Catalog) -> String {
    let facts = scan
        .observations
        .iter()
        .filter(|o| o.fact().is_some())
        .count();
    let mut s = format!(
        r#"<section class="card" id="{}"><h2>{}</h2><p class="meta">Scanned {}: {} observation{} ({} fact{}), {} DNS quer{}.</p>"#,
        Escaped(id),
        Escaped(&scan.organization),
        scan.targets
            .iter()
            .map(|t| format!("<code>{}</code>", Escaped(t)))
            .collect::<Vec<_>>()
            .join(", "),
        scan.observations.len(),
        if scan.observations.len() == 1 {
            ""
        } else {
            "s"
        },
        facts,
        if facts == 1 { "" } else { "s" },
        scan.queries,
        if scan.queries == 1 { "y" } else { "ies" },
    );
    s.push_str(&scorecard_summary(&scan.scorecard));
    s.push_str("<h3>Factors</h3>");
    s.push_str(&factor_table(&scan.scorecard, catalog));
    let _ = write!(
        s,
        "<h3>Findings ({})</h3>{}",
        scan.findings.findings.len(),
        findings_table(&scan.findings.findings, catalog)
    );
    if !scan.inconclusive.is_empty() {
        let _ = write!(
            s,
            r#"<details class="data"><summary>{} issue check{} could not conclude (never counted as findings)</summary>"#,
            scan.inconclusive.len(),
            if scan.inconclusive.len() == 1 {
                ""
            } else {
                "s"
            }
        );
        s.push_str(&table_open(
            "stack",
            "Inconclusive: the check could not run to a verdict",
            &[
                ("issue", false),
                ("asset", false),
                ("check", false),
                ("why", false),
            ],
        ));
        for i in &scan.inconclusive {
            let reasons: Vec<&str> = i.reasons.iter().map(|r| r.as_str()).collect();
            let _ = write!(
                s,
                r#"<tr><td data-label="issue">{}</td><td data-label="asset"><code>{}</code></td><td data-label="check">{}</td><td data-label="why">{}</td></tr>"#,
                issue_label(&i.issue, catalog),
                Escaped(&i.asset),
                i.check.as_str(),
                Escaped(&reasons.join(", "))
            );
        }
        s.push_str(TABLE_CLOSE);
        s.push_str("</details>");
    }
    s.push_str("</section>");
    s
}

/// Anchors of a portfolio's entity sections, by position in its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityAnchors {
    /// The portfolio section's id.
    pub portfolio: String,
    /// One per own domain of the result.
    pub domains: Vec<String>,
    /// One per vendor of the result.
    pub vendors: Vec<String>,
}

impl EntityAnchors {
    /// Anchors under a portfolio section id: `{id}-domain-{n}-{name}`,
    /// `{id}-vendor-{n}-{vendor id}`.
    pub fn new(id: &str, result: &CsrResult) -> EntityAnchors {
        EntityAnchors {
            portfolio: id.to_owned(),
            domains: result
                .domains
                .iter()
                .enumerate()
                .map(|(i, d)| anchor(&format!("{id}-domain"), i + 1, &d.domain))
                .collect(),
            vendors: result
                .vendors
                .iter()
                .enumerate()
                .map(|(i, v)| anchor(&format!("{id}-vendor"), i + 1, &v.id))
                .collect(),
        }
    }
}

fn same_domain(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

fn find_domain<'a>(p: Option<&'a posture_csr::Portfolio>, name: &str) -> Option<&'a DomainEntry> {
    p?.domains.iter().find(|d| same_domain(&d.domain, name))
}

fn find_vendor<'a>(p: Option<&'a posture_csr::Portfolio>, id: &str) -> Option<&'a Vendor> {
    p?.vendors.iter().find(|v| v.id == id)
}

/// Whether a vendor is rated from its domains: `Some(false)` when the
/// portfolio lists none, `None` without the portfolio (unknown).
fn vendor_rated(p: &PortfolioReport, id: &str) -> Option<bool> {
    p.portfolio.as_ref()?;
    Some(find_vendor(p.portfolio.as_ref(), id).is_some_and(|v| !v.domains.is_empty()))
}

fn criticality(c: Criticality) -> &'static str {
    c.as_str()
}

/// A portfolio result: the CSR and its grade, every own domain and vendor
/// (each linked to its own section), the entities' scores as a chart, the
/// priorities and the vendors with potential risks. Vendors without
/// domains read "not rated" (that needs the portfolio document).
pub fn portfolio_section(anchors: &EntityAnchors, p: &PortfolioReport) -> String {
    let r = &p.result;
    let prev = p.previous.as_ref();
    let in_use = r.vendors.iter().filter(|v| v.in_use).count();
    let mut s = format!(
        r#"<section class="card" id="{}"><h2>Portfolio of {}</h2><p class="meta">{} over {} own domain{} and {} vendor{} ({in_use} in use), as of {}, model {}, catalog {}.</p><div class="kpis">"#,
        Escaped(&anchors.portfolio),
        Escaped(&r.organization),
        Escaped(&r.aggregation),
        r.domains.len(),
        if r.domains.len() == 1 { "" } else { "s" },
        r.vendors.len(),
        if r.vendors.len() == 1 { "" } else { "s" },
        Escaped(&date_time(r.as_of)),
        Escaped(&r.model),
        Escaped(&r.catalog.id),
    );
    let _ = write!(
        s,
        r#"<div class="kpi"><b>{} {}</b><span>CSR{}</span></div>"#,
        Escaped(&num(r.csr)),
        grade_badge(r.grade),
        if r.csr.is_none() { ": not rated" } else { "" }
    );
    if let Some(b) = prev {
        let _ = write!(
            s,
            r#"<div class="kpi"><b>{} {}</b><span>CSR before ({})</span></div>"#,
            Escaped(&num(b.csr)),
            grade_badge(b.grade),
            Escaped(&date(b.as_of))
        );
    }
    let _ = write!(
        s,
        r#"<div class="kpi"><b>{}</b><span>vendors with potential risks</span></div><div class="kpi"><b>{in_use} of {}</b><span>vendors in use</span></div></div>"#,
        r.vendors_with_risks.len(),
        r.vendors.len()
    );
    if p.portfolio.is_none() && !r.vendors.is_empty() {
        s.push_str(r#"<p class="meta">Without the portfolio document the report cannot tell a vendor without domains (not rated) from a clean one, nor show findings: give it too (<code>posture report --portfolio</code>).</p>"#);
    }

    // The chart: own domains and vendors in use.
    let mut bars: Vec<ScoreBar> = Vec::new();
    for (d, a) in r.domains.iter().zip(&anchors.domains) {
        bars.push(bar_of_fraction(
            format!("{} (own domain)", d.domain),
            Some(format!("#{a}")),
            Some(d.fraction),
            Some(d.score),
            Grade::from_score(d.score),
            None,
        ));
    }
    for (v, a) in r
        .vendors
        .iter()
        .zip(&anchors.vendors)
        .filter(|(v, _)| v.in_use)
    {
        let unrated = vendor_rated(p, &v.id) == Some(false) && v.open_questionnaire_risks == 0;
        bars.push(if unrated {
            bar_of_fraction(
                v.name.clone(),
                Some(format!("#{a}")),
                None,
                None,
                Grade::Insufficient,
                Some("no domains".into()),
            )
        } else {
            bar_of_fraction(
                v.name.clone(),
                Some(format!("#{a}")),
                Some(v.fraction),
                Some(v.score),
                Grade::from_score(v.score),
                None,
            )
        });
    }
    if !bars.is_empty() {
        s.push_str(&score_bars(
            &format!("{}-scores", anchors.portfolio),
            "Own domains and vendors in use",
            &bars,
            None,
        ));
    }

    // The table: every entity, linked to its section.
    let mut head = vec![
        ("entity", false),
        ("kind", false),
        ("criticality", false),
        ("from domains", true),
        ("score", true),
        ("grade", false),
        ("weight ω", true),
        ("open questionnaire risks", true),
    ];
    if prev.is_some() {
        head.push(("score before", true));
    }
    s.push_str("<h3>Entities</h3>");
    s.push_str(&table_open(
        "stack entities",
        "Every own domain and vendor; follow a name for its findings",
        &head,
    ));
    for (d, a) in r.domains.iter().zip(&anchors.domains) {
        let _ = write!(
            s,
            r##"<tr><td data-label="entity"><a href="#{a}">{}</a></td><td data-label="kind">own domain</td><td data-label="criticality">—</td><td class="n" data-label="from domains">{}</td><td class="n" data-label="score">{}</td><td data-label="grade">{}</td><td class="n" data-label="weight ω">{}</td><td class="n" data-label="open questionnaire risks">—</td>"##,
            Escaped(&d.domain),
            d.score,
            d.score,
            grade_badge(Grade::from_score(d.score)),
            round(d.weight, 4)
        );
        if let Some(b) = prev {
            let before = b.domains.iter().find(|x| same_domain(&x.domain, &d.domain));
            let _ = write!(
                s,
                r#"<td class="n" data-label="score before">{}</td>"#,
                Escaped(&num(before.map(|x| x.score)))
            );
        }
        s.push_str("</tr>");
    }
    for (v, a) in r.vendors.iter().zip(&anchors.vendors) {
        let rated = vendor_rated(p, &v.id);
        let (raw, score, grade) = match rated {
            Some(false) if v.open_questionnaire_risks == 0 => (
                "— not rated (no domains)".to_owned(),
                "—".to_owned(),
                Grade::Insufficient,
            ),
            Some(false) => (
                "— not rated (no domains)".to_owned(),
                format!("{} (questionnaire only)", v.score),
                Grade::from_score(v.score),
            ),
            _ => (
                v.raw_score.to_string(),
                v.score.to_string(),
                Grade::from_score(v.score),
            ),
        };
        let kind = if v.in_use {
            "vendor"
        } else {
            "vendor (not in use)"
        };
        let _ = write!(
            s,
            r##"<tr><td data-label="entity"><a href="#{a}">{}</a> <code>{}</code></td><td data-label="kind">{kind}</td><td data-label="criticality">{}</td><td class="n" data-label="from domains">{}</td><td class="n" data-label="score">{}</td><td data-label="grade">{}</td><td class="n" data-label="weight ω">{}</td><td class="n" data-label="open questionnaire risks">{}</td>"##,
            Escaped(&v.name),
            Escaped(&v.id),
            criticality(v.criticality),
            Escaped(&raw),
            Escaped(&score),
            grade_badge(grade),
            round(v.weight, 4),
            v.open_questionnaire_risks
        );
        if let Some(b) = prev {
            let before = b.vendors.iter().find(|x| x.id == v.id);
            let _ = write!(
                s,
                r#"<td class="n" data-label="score before">{}</td>"#,
                Escaped(&num(before.map(|x| x.score)))
            );
        }
        s.push_str("</tr>");
    }
    s.push_str(TABLE_CLOSE);

    // Priorities.
    s.push_str("<h3>Priorities</h3><p>What fixing each entity would add to the CSR, in CSR points: the first is where work pays most.</p>");
    if r.priorities.is_empty() {
        s.push_str(r#"<p class="meta">No entities.</p>"#);
    } else {
        s.push_str(&gain_chart(
            &format!("{}-priorities", anchors.portfolio),
            &r.priorities,
            prev.map(|b| b.priorities.as_slice()),
            12,
        ));
        if r.priorities.len() > 12 {
            let _ = write!(
                s,
                r#"<details class="data"><summary>All {} priorities</summary>"#,
                r.priorities.len()
            );
            s.push_str(&table_open(
                "stack",
                "Every entity by descending gain",
                &[
                    ("#", true),
                    ("entity", false),
                    ("kind", false),
                    ("gain", true),
                ],
            ));
            for (i, q) in r.priorities.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<tr><td class="n" data-label="rank">{}</td><td data-label="entity">{}</td><td data-label="kind">{}</td><td class="n" data-label="gain">+{}</td></tr>"#,
                    i + 1,
                    Escaped(&q.entity),
                    match q.kind {
                        posture_csr::EntityKind::Domain => "domain",
                        posture_csr::EntityKind::Vendor => "vendor",
                    },
                    round(q.gain, 2)
                );
            }
            s.push_str(TABLE_CLOSE);
            s.push_str("</details>");
        }
    }
    if !r.vendors_with_risks.is_empty() {
        s.push_str("<h3>Vendors with potential security risks</h3><ol>");
        for id in &r.vendors_with_risks {
            let pos = r.vendors.iter().position(|v| &v.id == id);
            match pos.and_then(|i| Some((r.vendors.get(i)?, anchors.vendors.get(i)?))) {
                Some((v, a)) => {
                    let _ = write!(
                        s,
                        r##"<li><a href="#{a}">{}</a>: {} {}</li>"##,
                        Escaped(&v.name),
                        v.score,
                        grade_badge(Grade::from_score(v.score))
                    );
                }
                None => {
                    let _ = write!(s, "<li>{}</li>", Escaped(id));
                }
            }
        }
        s.push_str("</ol>");
    }
    s.push_str("</section>");
    s
}

fn back_link(anchors: &EntityAnchors, org: &str) -> String {
    format!(
        r##"<p><a href="#{}">↑ Back to the portfolio of {}</a></p>"##,
        Escaped(&anchors.portfolio),
        Escaped(org)
    )
}

fn domain_findings(domains: &[DomainEntry]) -> Vec<Finding> {
    domains
        .iter()
        .flat_map(|d| d.findings.iter().cloned())
        .collect()
}

/// The section of one own domain of a portfolio: its score and every
/// finding (from the portfolio document).
pub fn domain_section(
    anchors: &EntityAnchors,
    index: usize,
    p: &PortfolioReport,
    catalog: &Catalog,
) -> String {
    let r = &p.result;
    let (Some(d), Some(id)) = (r.domains.get(index), anchors.domains.get(index)) else {
        return String::new();
    };
    let mut s = format!(
        r#"<section class="card" id="{}"><h2>Own domain {}</h2>{}<div class="kpis"><div class="kpi"><b>{} {}</b><span>score</span></div><div class="kpi"><b>{}</b><span>weight ω in the CSR</span></div>{}</div>"#,
        Escaped(id),
        Escaped(&d.domain),
        back_link(anchors, &r.organization),
        d.score,
        grade_badge(Grade::from_score(d.score)),
        round(d.weight, 4),
        priority_kpi(r, &d.domain),
    );
    match find_domain(p.portfolio.as_ref(), &d.domain) {
        Some(entry) => {
            if !entry.assets.is_empty() {
                let _ = write!(
                    s,
                    r#"<p class="meta">Assets: {}</p>"#,
                    entry
                        .assets
                        .iter()
                        .map(|a| format!("<code>{}</code>", Escaped(a)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let _ = write!(
                s,
                "<h3>Findings ({})</h3>{}",
                entry.findings.len(),
                findings_table(&entry.findings, catalog)
            );
        }
        None => s.push_str(no_portfolio_note()),
    }
    s.push_str("</section>");
    s
}

fn no_portfolio_note() -> &'static str {
    r#"<p class="meta">Findings are in the portfolio document, which was not given.</p>"#
}

fn priority_kpi(r: &CsrResult, entity: &str) -> String {
    match r.priorities.iter().position(|q| q.entity == entity) {
        Some(i) => format!(
            r#"<div class="kpi"><b>#{} · +{}</b><span>priority · CSR points if fixed</span></div>"#,
            i + 1,
            r.priorities
                .get(i)
                .map_or_else(String::new, |q| round(q.gain, 2))
        ),
        None => String::new(),
    }
}

/// The section of one vendor of a portfolio: its figures, domains, every
/// finding with its risk and remediation, and its questionnaire risks. A
/// vendor without domains reads "not rated", never a score of 100.
pub fn vendor_section(
    anchors: &EntityAnchors,
    index: usize,
    p: &PortfolioReport,
    catalog: &Catalog,
) -> String {
    let r = &p.result;
    let (Some(v), Some(id)) = (r.vendors.get(index), anchors.vendors.get(index)) else {
        return String::new();
    };
    let rated = vendor_rated(p, &v.id);
    let mut s = format!(
        r#"<section class="card" id="{}"><h2>Vendor {}</h2><p class="meta"><code>{}</code> · {} · criticality {}</p>{}<div class="kpis">"#,
        Escaped(id),
        Escaped(&v.name),
        Escaped(&v.id),
        if v.in_use {
            "in use"
        } else {
            "not in use (weight 0)"
        },
        criticality(v.criticality),
        back_link(anchors, &r.organization),
    );
    match rated {
        Some(false) => {
            let _ = write!(
                s,
                r#"<div class="kpi"><b>— {}</b><span>not rated: no domains to scan</span></div>"#,
                grade_badge(Grade::Insufficient)
            );
            if v.open_questionnaire_risks > 0 {
                let _ = write!(
                    s,
                    r#"<div class="kpi"><b>{} {}</b><span>score from questionnaire risks alone</span></div>"#,
                    v.score,
                    grade_badge(Grade::from_score(v.score))
                );
            }
        }
        _ => {
            let _ = write!(
                s,
                r#"<div class="kpi"><b>{} {}</b><span>score</span></div><div class="kpi"><b>{}</b><span>from its domains alone</span></div>"#,
                v.score,
                grade_badge(Grade::from_score(v.score)),
                v.raw_score
            );
        }
    }
    let _ = write!(
        s,
        r#"<div class="kpi"><b>{}</b><span>weight ω in the CSR</span></div><div class="kpi"><b>{}</b><span>open questionnaire risks</span></div>{}</div>"#,
        round(v.weight, 4),
        v.open_questionnaire_risks,
        priority_kpi(r, &v.id)
    );
    match find_vendor(p.portfolio.as_ref(), &v.id) {
        Some(entry) => {
            if entry.domains.is_empty() {
                s.push_str("<p>The portfolio lists no domains for this vendor, so nothing could be scanned: add its domains to rate it.</p>");
            } else {
                let _ = write!(
                    s,
                    r#"<p class="meta">Domains: {}</p>"#,
                    entry
                        .domains
                        .iter()
                        .map(|d| format!("<code>{}</code>", Escaped(&d.domain)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let findings = domain_findings(&entry.domains);
                let _ = write!(
                    s,
                    "<h3>Findings ({})</h3>{}",
                    findings.len(),
                    findings_table(&findings, catalog)
                );
            }
            if !entry.questionnaire_risks.is_empty() {
                s.push_str("<h3>Questionnaire risks</h3>");
                s.push_str(&table_open(
                    "stack",
                    "Risks from the vendor's questionnaire answers",
                    &[("risk", false), ("severity", false), ("status", false)],
                ));
                for q in &entry.questionnaire_risks {
                    let status = match q.status {
                        RiskStatus::Open => r#"<span class="chip open">open</span>"#,
                        _ => r#"<span class="chip done">settled</span>"#,
                    };
                    let _ = write!(
                        s,
                        r#"<tr><td data-label="risk">{} <code>{}</code></td><td data-label="severity">{}</td><td data-label="status">{status}</td></tr>"#,
                        Escaped(&q.title),
                        Escaped(&q.id),
                        severity_chip(q.severity)
                    );
                }
                s.push_str(TABLE_CLOSE);
            }
        }
        None => s.push_str(no_portfolio_note()),
    }
    s.push_str("</section>");
    s
}

/// One organisation's scores over time: the trend chart (with its data
/// table) and the change from the first to the latest scorecard.
pub fn history_section(id: &str, history: &[Scorecard]) -> String {
    let mut cards: Vec<&Scorecard> = history.iter().collect();
    cards.sort_by_key(|c| c.as_of);
    let org = cards.first().map_or("", |c| c.organization.as_str());
    let mut s = format!(
        r#"<section class="card" id="{}"><h2>Trend: {}</h2>"#,
        Escaped(id),
        Escaped(org)
    );
    let rated: Vec<&&Scorecard> = cards.iter().filter(|c| c.fraction.is_some()).collect();
    if let (Some(first), Some(last)) = (rated.first(), rated.last()) {
        let a = first.fraction.unwrap_or_default() * Decimal::ONE_HUNDRED;
        let b = last.fraction.unwrap_or_default() * Decimal::ONE_HUNDRED;
        let d = (b - a).round_dp(2);
        let _ = write!(
            s,
            "<p>{} scorecard{} from {} to {}: {} {} → {} {} ({}{}).</p>",
            cards.len(),
            if cards.len() == 1 { "" } else { "s" },
            Escaped(&date(first.as_of)),
            Escaped(&date(last.as_of)),
            round(a, 2),
            grade_badge(first.grade),
            round(b, 2),
            grade_badge(last.grade),
            if d > Decimal::ZERO { "+" } else { "" },
            d
        );
    } else {
        s.push_str("<p>No scorecard of this history has a score (insufficient data).</p>");
    }
    s.push_str(&trend_chart(&format!("{id}-chart"), history));
    s.push_str("</section>");
    s
}

fn target_text(t: &Target) -> String {
    match t {
        Target::Grade(g) => format!("grade {g}"),
        Target::Score(s) => format!("score {s}"),
    }
}

/// An improvement plan (`posture improve`): the projected score after each
/// step as a chart with the target marked, and the steps with their
/// titles and remediation.
pub fn improvement_section(id: &str, plan: &Improvement, catalog: &Catalog) -> String {
    let mut s = format!(
        r#"<section class="card" id="{}"><h2>Improvement plan: {}</h2><p>Now {} {}. Target: {}. {} {} {}.</p>"#,
        Escaped(id),
        Escaped(&plan.organization),
        plan.current_score,
        grade_badge(plan.current_grade),
        Escaped(&target_text(&plan.target)),
        if plan.steps.is_empty() {
            "Nothing to fix: the score stays".to_owned()
        } else {
            format!(
                "Fixing the {} issue type{} below {}",
                plan.steps.len(),
                if plan.steps.len() == 1 { "" } else { "s" },
                if plan.reachable {
                    "reaches it:"
                } else {
                    "does not reach it, but gets to"
                }
            )
        },
        plan.final_score,
        grade_badge(plan.final_grade)
    );
    if !plan.steps.is_empty() {
        let mut bars = vec![ScoreBar {
            label: "now".to_owned(),
            href: None,
            fraction: Some(plan.current_score / Decimal::ONE_HUNDRED),
            score: Some(plan.current_score),
            grade: plan.current_grade,
            note: None,
        }];
        for (i, st) in plan.steps.iter().enumerate() {
            let title = catalog
                .get(&st.issue)
                .map(|(_, t)| t.title.as_str())
                .filter(|t| !t.is_empty())
                .unwrap_or(&st.issue);
            bars.push(ScoreBar {
                label: format!("{}. after fixing {title}", i + 1),
                href: None,
                fraction: Some(st.projected_score / Decimal::ONE_HUNDRED),
                score: Some(st.projected_score),
                grade: st.projected_grade,
                note: None,
            });
        }
        let marker = match plan.target {
            Target::Grade(g) => g.min_score(),
            Target::Score(v) => Some(v),
        };
        let label = format!("target: {}", target_text(&plan.target));
        s.push_str(&score_bars(
            &format!("{id}-chart"),
            "Projected score after each step",
            &bars,
            marker.map(|m| (m, label.as_str())),
        ));
        s.push_str(&table_open(
            "stack steps",
            "Steps, in order",
            &[
                ("#", true),
                ("issue", false),
                ("assets", true),
                ("projected", false),
                ("how to fix it", false),
            ],
        ));
        for (i, st) in plan.steps.iter().enumerate() {
            let t = catalog.get(&st.issue).map(|(_, t)| t);
            let _ = write!(
                s,
                r#"<tr><td class="n" data-label="step">{}</td><td data-label="issue">{} {}</td><td class="n" data-label="assets">{}</td><td data-label="projected">{} {}</td><td data-label="how to fix it">{}</td></tr>"#,
                i + 1,
                issue_label(&st.issue, catalog),
                severity_chip(st.severity),
                st.affected_assets,
                st.projected_score,
                grade_badge(st.projected_grade),
                fix_text(t)
            );
        }
        s.push_str(TABLE_CLOSE);
    }
    s.push_str("</section>");
    s
}

fn plan_target_text(v: &serde_json::Value) -> String {
    let field = |k: &str| {
        v.get(k).map(|x| match x {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    if let Some(issues) = v.get("issues").and_then(|x| x.as_array()) {
        let ids: Vec<&str> = issues.iter().filter_map(|x| x.as_str()).collect();
        return format!("fix {}", ids.join(", "));
    }
    match (field("factor"), field("grade"), field("score")) {
        (Some(f), Some(g), _) => format!("{f} grade {g}"),
        (Some(f), None, Some(s)) => format!("{f} score {s}"),
        (None, Some(g), _) => format!("grade {g}"),
        (None, None, Some(s)) => format!("score {s}"),
        _ if v.is_null() => "none".to_owned(),
        _ => v.to_string(),
    }
}

fn item_status_chip(status: &str) -> String {
    let class = match status {
        "verified" | "accepted" => "chip done",
        "pending_rescan" | "info_provided" => "chip pending",
        "open" => "chip open",
        _ => "chip",
    };
    format!(
        r#"<span class="{class}">{}</span>"#,
        Escaped(&status.replace('_', " "))
    )
}

/// An action plan from the workflow: who asked whom, status, due date and
/// target, the items' progress as a chart, every item with its
/// remediation, and the message thread.
pub fn action_plan_section(id: &str, plan: &ActionPlan, catalog: &Catalog) -> String {
    let mut s = format!(
        r#"<section class="card" id="{}"><h2>Action plan: {}</h2><p class="meta"><code>{}</code> · {} → {} (assigned to {}) · due {}{}</p><p>Status {} · target {}{}.</p>"#,
        Escaped(id),
        Escaped(&plan.title),
        Escaped(&plan.plan),
        Escaped(&plan.requester),
        Escaped(&plan.vendor),
        Escaped(&plan.assignee),
        Escaped(&date(plan.due)),
        if plan.overdue { " · overdue" } else { "" },
        item_status_chip(&plan.status),
        Escaped(&plan_target_text(&plan.target)),
        match plan.progress.target_met {
            Some(true) => " (met)",
            Some(false) => " (not met yet)",
            None => "",
        }
    );
    let waiting = plan
        .items
        .iter()
        .filter(|i| matches!(i.status.as_str(), "pending_rescan" | "info_provided"))
        .count() as u32;
    s.push_str(&progress_chart(
        &format!("{id}-progress"),
        &plan.progress,
        waiting,
    ));
    if !plan.items.is_empty() {
        s.push_str(&table_open(
            "stack items",
            "Items",
            &[
                ("item", false),
                ("issue", false),
                ("asset", false),
                ("status", false),
                ("how to fix it", false),
            ],
        ));
        for i in &plan.items {
            let issue = match (&i.issue, &i.questionnaire_risk) {
                (Some(x), _) => issue_label(x, catalog),
                (None, Some(q)) => format!("questionnaire risk <code>{}</code>", Escaped(q)),
                (None, None) => "—".to_owned(),
            };
            let fix = match (&i.remediation, &i.issue) {
                (Some(r), _) => format!("<p>{}</p>", Escaped(r)),
                (None, Some(x)) => fix_text(catalog.get(x).map(|(_, t)| t)),
                (None, None) => String::new(),
            };
            let info = i
                .info
                .as_ref()
                .map(|x| {
                    format!(
                        r#"<p class="meta">Vendor's information: {}</p>"#,
                        Escaped(x)
                    )
                })
                .unwrap_or_default();
            let _ = write!(
                s,
                r#"<tr><td data-label="item"><code>{}</code></td><td data-label="issue">{issue}</td><td data-label="asset">{}</td><td data-label="status">{}{}</td><td data-label="how to fix it">{fix}{info}</td></tr>"#,
                Escaped(&i.item),
                i.asset
                    .as_ref()
                    .map(|a| format!("<code>{}</code>", Escaped(a)))
                    .unwrap_or_else(|| "—".to_owned()),
                item_status_chip(&i.status),
                if i.reopened > 0 {
                    format!(" <span class=\"meta\">reopened {}×</span>", i.reopened)
                } else {
                    String::new()
                }
            );
        }
        s.push_str(TABLE_CLOSE);
    }
    if !plan.messages.is_empty() {
        s.push_str(r#"<h3>Messages</h3><ul class="plain">"#);
        for m in &plan.messages {
            let _ = write!(
                s,
                r#"<li><b>{}</b> <span class="meta">{}</span>: {}</li>"#,
                Escaped(&m.from),
                Escaped(&date_time(m.at)),
                Escaped(&m.text)
            );
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
    s
}

/// A scorecard as a row of the overview's chart.
pub(crate) fn card_bar(card: &Scorecard, href: String) -> ScoreBar {
    bar_of_fraction(
        card.organization.clone(),
        Some(href),
        card.fraction,
        card.score,
        card.grade,
        card.fraction
            .is_none()
            .then(|| "insufficient data".to_owned()),
    )
}

/// A CSR result as a row of the overview's chart.
pub(crate) fn csr_bar(r: &CsrResult, href: String) -> ScoreBar {
    bar_of_fraction(
        format!("{} (portfolio CSR)", r.organization),
        Some(href),
        r.fraction,
        r.csr,
        r.grade,
        r.fraction.is_none().then(|| "insufficient data".to_owned()),
    )
}
