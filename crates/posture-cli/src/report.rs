//! The demo's HTML report: one self-contained file (no external assets,
//! no network), charts drawn as inline SVG.
//!
//! Sections: portfolio overview, grade distribution, per-factor breakdown,
//! the priority list and the plan's progress. A few lines of inline script
//! only check the page: they count the charts laid out with a non-zero
//! size and write the count to `data-charts-rendered` on the root element,
//! so that a headless browser can tell the charts rendered.

use crate::demo::DemoOutput;
use posture::{Factor, Grade};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::fmt::Write as _;

/// The number of charts the report draws (the page checks itself against
/// it).
pub const CHARTS: usize = 5;

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn grade_colour(g: Grade) -> &'static str {
    match g {
        Grade::A => "#2e7d32",
        Grade::B => "#7cb342",
        Grade::C => "#f9a825",
        Grade::D => "#ef6c00",
        Grade::F => "#c62828",
        _ => "#9e9e9e",
    }
}

/// The colour of a 0–100 score, by the grade bands.
fn score_colour(score: Decimal) -> &'static str {
    grade_colour(Grade::from_score(score))
}

fn num(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_owned(), |x| x.to_string())
}

fn f64_of(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 0; color: #1c2430; background: #f4f6f9; }
header { background: #1c2430; color: #fff; padding: 24px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; opacity: .8; }
main { max-width: 1040px; margin: 0 auto; padding: 16px 24px 48px; }
section { background: #fff; border-radius: 10px; padding: 18px 22px; margin: 18px 0;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { font-size: 18px; margin: 0 0 12px; }
.kpis { display: flex; flex-wrap: wrap; gap: 14px; }
.kpi { flex: 1 1 150px; border: 1px solid #e3e7ee; border-radius: 8px; padding: 10px 14px; }
.kpi b { display: block; font-size: 26px; }
.kpi span { color: #5b6677; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eceff4; }
th { color: #5b6677; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.grade { display: inline-block; min-width: 22px; text-align: center; color: #fff;
  border-radius: 4px; font-weight: 700; }
.status { font-size: 12px; padding: 1px 6px; border-radius: 10px; background: #eceff4; }
.status.verified { background: #c8e6c9; }
.status.open { background: #ffcdd2; }
.status.pending_rescan { background: #fff3c4; }
svg text { font-family: system-ui, sans-serif; }
footer { color: #5b6677; font-size: 12px; text-align: center; margin-top: 24px; }
"#;

const SELF_CHECK: &str = r#"
(function () {
  var n = 0;
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    var r = svg.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && svg.querySelector("rect,circle,path")) { n += 1; }
  });
  document.documentElement.setAttribute("data-charts-rendered", String(n));
})();
"#;

fn grade_badge(g: Grade) -> String {
    format!(
        r#"<span class="grade" style="background:{}">{}</span>"#,
        grade_colour(g),
        esc(g.as_str())
    )
}

/// The CSR before and after as two arcs.
fn overview_chart(out: &DemoOutput) -> String {
    let mut s = String::new();
    let (w, h) = (460.0, 190.0);
    let _ = write!(
        s,
        r#"<svg class="chart" id="chart-overview" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>Portfolio score before and after the plan</title>"#
    );
    let gauges = [
        ("before", out.csr.csr, out.csr.grade, 115.0),
        ("after", out.csr_after.csr, out.csr_after.grade, 345.0),
    ];
    for (label, score, grade, cx) in gauges {
        let r = 70.0;
        let cy = 110.0;
        let frac = score.map_or(0.0, |x| f64_of(x) / 100.0).clamp(0.0, 1.0);
        // A half circle from the left (0) to the right (100).
        let angle = std::f64::consts::PI * (1.0 - frac);
        let (x1, y1) = (cx - r, cy);
        let (x2, y2) = (cx + r * angle.cos(), cy - r * angle.sin());
        let _ = write!(
            s,
            r##"<path d="M {x1:.1} {y1:.1} A {r} {r} 0 0 1 {:.1} {y1:.1}" fill="none" stroke="#e3e7ee" stroke-width="18"/>"##,
            cx + r
        );
        if frac > 0.0 {
            let _ = write!(
                s,
                r#"<path d="M {x1:.1} {y1:.1} A {r} {r} 0 0 1 {x2:.1} {y2:.1}" fill="none" stroke="{}" stroke-width="18"/>"#,
                grade_colour(grade)
            );
        }
        let _ = write!(
            s,
            r##"<text x="{cx}" y="{:.1}" text-anchor="middle" font-size="28" font-weight="700">{}</text><text x="{cx}" y="{:.1}" text-anchor="middle" font-size="14" fill="{}">grade {}</text><text x="{cx}" y="{:.1}" text-anchor="middle" font-size="13" fill="#5b6677">CSR {label}</text>"##,
            cy - 14.0,
            esc(&num(score)),
            cy + 6.0,
            grade_colour(grade),
            esc(grade.as_str()),
            cy + 40.0
        );
    }
    s.push_str("</svg>");
    s
}

/// How many organisations hold each grade, before and after.
fn grade_chart(out: &DemoOutput) -> String {
    let grades = Grade::LETTERS;
    let count = |after: bool, g: Grade| -> usize {
        out.scorecards
            .iter()
            .filter(|c| {
                let grade = if after && c.id == out.after.vendor {
                    out.scorecard_after.grade
                } else {
                    c.card.grade
                };
                grade == g
            })
            .count()
    };
    let max = grades
        .iter()
        .flat_map(|g| [count(false, *g), count(true, *g)])
        .max()
        .unwrap_or(1)
        .max(1);
    let (w, h, base, top) = (460.0, 220.0, 180.0, 20.0);
    let mut s = format!(
        r#"<svg class="chart" id="chart-grades" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>Grade distribution of the organisations, before and after</title>"#
    );
    let _ = write!(
        s,
        r##"<line x1="30" y1="{base}" x2="{}" y2="{base}" stroke="#9aa5b5"/>"##,
        w - 10.0
    );
    for (i, g) in grades.iter().enumerate() {
        let x0 = 45.0 + 80.0 * i as f64;
        for (j, after) in [false, true].into_iter().enumerate() {
            let n = count(after, *g);
            let bh = (base - top) * n as f64 / max as f64;
            let x = x0 + 26.0 * j as f64;
            let opacity = if after { "1" } else { "0.45" };
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="24" height="{bh:.1}" fill="{}" fill-opacity="{opacity}"><title>{}: {n} {}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">{n}</text>"#,
                base - bh,
                grade_colour(*g),
                esc(g.as_str()),
                if after { "after" } else { "before" },
                x + 12.0,
                base - bh - 4.0
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="14" font-weight="700">{}</text>"#,
            x0 + 25.0,
            base + 18.0,
            esc(g.as_str())
        );
    }
    let _ = write!(
        s,
        r##"<rect x="300" y="6" width="10" height="10" fill="#5b6677" fill-opacity="0.45"/><text x="314" y="15" font-size="11">before</text><rect x="364" y="6" width="10" height="10" fill="#5b6677"/><text x="378" y="15" font-size="11">after</text>"##
    );
    s.push_str("</svg>");
    s
}

/// A heat map: organisations by the factors any of them had assessed.
fn factor_chart(out: &DemoOutput) -> String {
    let factors: Vec<Factor> = Factor::ALL
        .iter()
        .copied()
        .filter(|f| {
            out.scorecards
                .iter()
                .any(|c| c.card.factors.iter().any(|x| x.factor == *f && x.assessed))
        })
        .collect();
    // Every organisation before the plan, then the planned vendor after.
    let after_label = format!("{} (after)", out.scorecard_after.organization);
    let rows: Vec<(&str, &posture::Scorecard)> = out
        .scorecards
        .iter()
        .map(|c| (c.card.organization.as_str(), &c.card))
        .chain(std::iter::once((
            after_label.as_str(),
            &out.scorecard_after,
        )))
        .collect();
    let (label_w, cell_w, cell_h, head) = (230.0, 120.0, 26.0, 44.0);
    let w = label_w + cell_w * (factors.len() as f64 + 1.0) + 10.0;
    let h = head + cell_h * rows.len() as f64 + 10.0;
    let mut s = format!(
        r#"<svg class="chart" id="chart-factors" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>Factor scores of every organisation</title>"#
    );
    let columns: Vec<String> = std::iter::once("overall".to_owned())
        .chain(factors.iter().map(|f| f.as_str().replace('_', " ")))
        .collect();
    for (i, c) in columns.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#5b6677">{}</text>"##,
            label_w + cell_w * i as f64 + cell_w / 2.0,
            head - 12.0,
            esc(c)
        );
    }
    for (r, (name, card)) in rows.iter().enumerate() {
        let y = head + cell_h * r as f64;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="13">{}</text>"#,
            8.0,
            y + 17.0,
            esc(name)
        );
        let mut cells = vec![(card.score, true)];
        for f in &factors {
            let fs = card.factors.iter().find(|x| x.factor == *f);
            cells.push((fs.map(|x| x.score), fs.is_some_and(|x| x.assessed)));
        }
        for (i, (score, assessed)) in cells.into_iter().enumerate() {
            let x = label_w + cell_w * i as f64;
            let (fill, text) = match (score, assessed) {
                (Some(v), true) => (score_colour(v), v.round_dp(1).to_string()),
                _ => ("#eceff4", "not assessed".to_owned()),
            };
            let ink = if assessed { "#fff" } else { "#5b6677" };
            let _ = write!(
                s,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="3" fill="{fill}"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="{ink}">{}</text>"#,
                x + 2.0,
                y + 2.0,
                cell_w - 4.0,
                cell_h - 4.0,
                x + cell_w / 2.0,
                y + 17.0,
                esc(&text)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The gain after the plan of the entity named in a before-plan priority.
fn gain_after(out: &DemoOutput, entity: &str) -> Decimal {
    out.csr_after
        .priorities
        .iter()
        .find(|q| q.entity == entity)
        .map_or(Decimal::ZERO, |q| q.gain)
}

/// The CSR gain of fixing each entity, before the plan (pale) and after
/// (solid), in the before-plan order.
fn priority_chart(out: &DemoOutput) -> String {
    let rows: Vec<_> = out.csr.priorities.iter().take(12).collect();
    let max = rows
        .iter()
        .flat_map(|p| [f64_of(p.gain), f64_of(gain_after(out, &p.entity))])
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let (label_w, bar_w, row_h, top) = (200.0, 300.0, 34.0, 22.0);
    let w = label_w + bar_w + 90.0;
    let h = top + row_h * rows.len().max(1) as f64 + 6.0;
    let mut s = format!(
        r##"<svg class="chart" id="chart-priorities" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>CSR gain if each entity were fixed, before and after the plan</title><rect x="{label_w}" y="4" width="10" height="10" fill="#5b6677" fill-opacity="0.4"/><text x="{:.1}" y="13" font-size="11">before the plan</text><rect x="{:.1}" y="4" width="10" height="10" fill="#5b6677"/><text x="{:.1}" y="13" font-size="11">after</text>"##,
        label_w + 14.0,
        label_w + 120.0,
        label_w + 134.0
    );
    for (i, p) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let colour = match p.kind {
            posture::csr::EntityKind::Domain => "#3f6ad8",
            _ => "#8e44ad",
        };
        let _ = write!(
            s,
            r#"<text x="4" y="{:.1}" font-size="13">{}</text>"#,
            y + 18.0,
            esc(&p.entity)
        );
        for (j, (gain, opacity)) in [(p.gain, "0.4"), (gain_after(out, &p.entity), "1")]
            .into_iter()
            .enumerate()
        {
            let by = y + 14.0 * j as f64;
            let bw = (bar_w * f64_of(gain) / max).max(1.0);
            let _ = write!(
                s,
                r##"<rect x="{label_w}" y="{by:.1}" width="{bw:.1}" height="12" rx="2" fill="{colour}" fill-opacity="{opacity}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#5b6677">+{}</text>"##,
                label_w + bw + 6.0,
                by + 10.0,
                esc(&gain.round_dp(2).to_string())
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The plan's items as a stacked progress bar, and the vendor's score
/// before and after.
fn plan_chart(out: &DemoOutput) -> String {
    let p = &out.plan.progress;
    let total = f64::from(p.total.max(1));
    let (w, h) = (560.0, 150.0);
    let mut s = format!(
        r#"<svg class="chart" id="chart-plan" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>Plan progress and the vendor's score</title>"#
    );
    let bar = 520.0;
    let verified = bar * f64::from(p.verified) / total;
    let accepted = bar * f64::from(p.accepted) / total;
    let _ = write!(
        s,
        r##"<rect x="20" y="18" width="{bar}" height="22" rx="4" fill="#eceff4"/><rect x="20" y="18" width="{verified:.1}" height="22" rx="4" fill="#2e7d32"/><rect x="{:.1}" y="18" width="{accepted:.1}" height="22" fill="#7cb342"/><text x="20" y="58" font-size="13">{} of {} items verified by rescan, {} accepted</text>"##,
        20.0 + verified,
        p.verified,
        p.total,
        p.accepted
    );
    let a = &out.after;
    for (i, (label, score, grade)) in [
        ("before", a.score_before, a.grade_before),
        ("after", a.score_after, a.grade_after),
    ]
    .into_iter()
    .enumerate()
    {
        let y = 78.0 + 30.0 * i as f64;
        let bw = 400.0 * score.map_or(0.0, |x| f64_of(x) / 100.0).clamp(0.0, 1.0);
        let _ = write!(
            s,
            r#"<text x="20" y="{:.1}" font-size="13">{label}</text><rect x="80" y="{y:.1}" width="{bw:.1}" height="20" rx="3" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="13">{} ({})</text>"#,
            y + 15.0,
            grade_colour(grade),
            86.0 + bw,
            y + 15.0,
            esc(&num(score)),
            esc(grade.as_str())
        );
    }
    s.push_str("</svg>");
    s
}

fn label<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The report as one HTML document.
pub fn html(out: &DemoOutput) -> String {
    let mut s = String::with_capacity(32 * 1024);
    let title = format!("Posture report: {}", out.csr.organization);
    let vendor = &out.scorecard_after.organization;
    let _ = write!(
        s,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title><style>{STYLE}</style></head><body data-charts="{CHARTS}">"#,
        esc(&title)
    );
    let _ = write!(
        s,
        r#"<header><h1>{}</h1><p>{} · {} over {} organisations · catalog {} · scanned {}, {} rescanned after its plan</p></header><main>"#,
        esc(&title),
        esc(&out.csr.aggregation),
        esc(&out.csr.model),
        out.scorecards.len(),
        esc(&out.csr.catalog.id),
        esc(&out.csr.as_of.0.format("%Y-%m-%d %H:%M UTC").to_string()),
        esc(vendor)
    );

    // Overview.
    let in_use = out.csr.vendors.iter().filter(|v| v.in_use).count();
    let _ = write!(
        s,
        r#"<section id="overview"><h2>Portfolio overview</h2><div class="kpis"><div class="kpi"><b>{}</b><span>CSR now ({})</span></div><div class="kpi"><b>{}</b><span>CSR before the plan ({})</span></div><div class="kpi"><b>{in_use}</b><span>vendors in use of {}</span></div><div class="kpi"><b>{}</b><span>vendors with potential risks now</span></div><div class="kpi"><b>{}</b><span>own domains</span></div></div>{}</section>"#,
        esc(&num(out.csr_after.csr)),
        esc(out.csr_after.grade.as_str()),
        esc(&num(out.csr.csr)),
        esc(out.csr.grade.as_str()),
        out.csr.vendors.len(),
        out.csr_after.vendors_with_risks.len(),
        out.csr.domains.len(),
        overview_chart(out)
    );

    // Grade distribution, with the scorecards.
    let _ = write!(
        s,
        r#"<section id="grades"><h2>Grade distribution</h2>{}<table><thead><tr><th>organisation</th><th>role</th><th class="n">score before</th><th>grade</th><th class="n">score after</th><th>grade</th><th class="n">findings before</th><th class="n">inconclusive</th></tr></thead><tbody>"#,
        grade_chart(out)
    );
    for (c, scan) in out.scorecards.iter().zip(&out.scans) {
        let role = match (c.role, c.in_use) {
            ("vendor", Some(false)) => "vendor (not in use)",
            (r, _) => r,
        };
        let now = if c.id == out.after.vendor {
            &out.scorecard_after
        } else {
            &c.card
        };
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td><td>{}</td><td class="n">{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&c.card.organization),
            esc(role),
            esc(&num(c.card.score)),
            grade_badge(c.card.grade),
            esc(&num(now.score)),
            grade_badge(now.grade),
            scan.findings,
            scan.inconclusive.len()
        );
    }
    s.push_str("</tbody></table></section>");

    // Factors.
    let _ = write!(
        s,
        r#"<section id="factors"><h2>Per-factor breakdown</h2><p>Factor scores on 0–100 as first scanned, and the planned vendor after its rescan (last row). A factor no check could assess is shown as such, never as 100.</p>{}</section>"#,
        factor_chart(out)
    );

    // Priorities.
    let _ = write!(
        s,
        r#"<section id="priorities"><h2>Priorities</h2><p>The CSR gain if an entity's fraction became 1, in CSR points, in the order the first scan ranked them (why {} got the plan), with the gain left after the plan.</p>{}<table><thead><tr><th>#</th><th>entity</th><th>kind</th><th class="n">gain before</th><th class="n">gain after</th></tr></thead><tbody>"#,
        esc(&out.after.vendor),
        priority_chart(out)
    );
    for (i, p) in out.csr.priorities.iter().enumerate() {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            i + 1,
            esc(&p.entity),
            esc(&label(p.kind)),
            esc(&p.gain.round_dp(2).to_string()),
            esc(&gain_after(out, &p.entity).round_dp(2).to_string())
        );
    }
    s.push_str("</tbody></table></section>");

    // Plan.
    let v = &out.plan;
    let _ = write!(
        s,
        r#"<section id="plan"><h2>Action plan: {}</h2><p>{} → {} ({}) · status <b>{}</b> · due {} · expectation grade {}: <b>{}</b></p>{}<table><thead><tr><th>item</th><th>issue</th><th>asset</th><th>status</th><th>remediation</th></tr></thead><tbody>"#,
        esc(&v.title),
        esc(&v.requester),
        esc(&v.vendor),
        esc(&v.assignee),
        esc(&label(v.status)),
        esc(&v.due.0.format("%Y-%m-%d").to_string()),
        esc(out.expectation.target.as_str()),
        esc(&label(out.expectation.status_after)),
        plan_chart(out)
    );
    for i in &v.items {
        let st = label(i.status);
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td><span class="status {}">{}</span></td><td>{}</td></tr>"#,
            esc(&i.item),
            esc(i.issue.as_deref().unwrap_or("")),
            esc(i.asset.as_deref().unwrap_or("")),
            esc(&st),
            esc(&st),
            esc(i.remediation.as_deref().unwrap_or(""))
        );
    }
    s.push_str("</tbody></table>");
    if !v.messages.is_empty() {
        s.push_str("<h3>Messages</h3><ul>");
        for m in &v.messages {
            let _ = write!(s, "<li><b>{}</b>: {}</li>", esc(&m.from), esc(&m.text));
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
    let _ = write!(
        s,
        r#"<footer>Generated by posture {} · spec {} · every figure reproducible with <code>posture demo --format json</code></footer></main><script>{SELF_CHECK}</script></body></html>"#,
        esc(env!("CARGO_PKG_VERSION")),
        esc(&out.csr.spec)
    );
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn score_colours_follow_the_grade_bands() {
        assert_eq!(score_colour(Decimal::from(90)), grade_colour(Grade::A));
        assert_eq!(score_colour(Decimal::new(8999, 2)), grade_colour(Grade::B));
        assert_eq!(score_colour(Decimal::ZERO), grade_colour(Grade::F));
    }
}
