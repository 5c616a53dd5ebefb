//! Charts of a model evaluation: ROC curves of several models on one
//! plot, and breach likelihood by grade. Plain data in (the research
//! crate fills it), each chart with its data table.

use crate::charts::{W, cut, figure, svg_open, swatch};
use crate::html::{Escaped, grade_badge};
use crate::palette::grade_class;
use posture_core::Grade;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::fmt::Write as _;

/// One model's ROC curve.
#[derive(Debug, Clone, PartialEq)]
pub struct RocCurve {
    /// The model.
    pub label: String,
    /// `(false positive rate, true positive rate)`, from `(0, 0)` to
    /// `(1, 1)`, in order.
    pub points: Vec<(f64, f64)>,
    /// Its AUC as reported (shown in the legend and the table).
    pub auc: Option<Decimal>,
}

/// The false positive rates at which the data table reads each curve.
const CHECKPOINTS: [f64; 6] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7];

/// The true positive rate of a curve at a false positive rate (linear
/// between its points).
fn tpr_at(points: &[(f64, f64)], fpr: f64) -> f64 {
    let mut best: f64 = 0.0;
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if x1 <= fpr {
            best = best.max(y1);
        } else if x0 <= fpr && x1 > x0 {
            best = best.max(y0 + (y1 - y0) * (fpr - x0) / (x1 - x0));
        }
    }
    best
}

/// At most about 160 points of a curve, for drawing: a point is kept when
/// it moves at least half a percent from the last kept one; the last is
/// always kept.
fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let keep = match out.last() {
            None => true,
            Some(l) => (p.0 - l.0).abs() + (p.1 - l.1).abs() >= 0.0125 || i + 1 == points.len(),
        };
        if keep {
            out.push(*p);
        }
    }
    out
}

fn auc_text(auc: Option<Decimal>) -> String {
    auc.map_or_else(|| "AUC —".to_owned(), |a| format!("AUC {a}"))
}

/// ROC curves of several models on one plot, with the chance diagonal.
/// Each curve has its own line (solid, dashed, dotted, dash-dot, in the
/// palette's [`crate::palette::SERIES`] colours) and a numbered marker that
/// the legend repeats, so curves are told apart without colour. The data
/// table reads every curve's true positive rate at false positive rates
/// 5 % to 70 %, and its AUC.
///
/// ```
/// use posture_report::{RocCurve, roc_chart};
/// let curves = [RocCurve { label: "posture-v1".into(),
///     points: vec![(0.0, 0.0), (0.1, 0.5), (1.0, 1.0)], auc: Some("0.7250".parse().unwrap()) }];
/// let html = roc_chart("roc", "ROC curves", &curves);
/// assert!(html.contains(r#"data-table="roc-data""#) && html.contains("AUC 0.7250"));
/// assert!(html.contains("<td class=\"n\" data-label=\"posture-v1\">50.0 %</td>"));
/// ```
pub fn roc_chart(id: &str, caption: &str, curves: &[RocCurve]) -> String {
    let (left, right, top, bottom) = (56.0, W - 20.0, 12.0, 300.0);
    let legend_top = bottom + 44.0;
    let h = legend_top + 24.0 * curves.len().max(1) as f64;
    let x_of = |v: f64| left + v.clamp(0.0, 1.0) * (right - left);
    let y_of = |v: f64| bottom - v.clamp(0.0, 1.0) * (bottom - top);
    let table_id = format!("{id}-data");
    let mut s = svg_open(id, h, caption, &table_id);
    for v in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let (x, y) = (x_of(v), y_of(v));
        let pct = format!("{:.0}%", v * 100.0);
        let _ = write!(
            s,
            r#"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" class="grid"/><line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{bottom}" class="grid"/><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" class="muted">{pct}</text><text x="{x:.1}" y="{:.1}" font-size="12" text-anchor="middle" class="muted">{pct}</text>"#,
            left - 5.0,
            y + 4.0,
            bottom + 16.0
        );
    }
    let _ = write!(
        s,
        r#"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/><line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" class="axis"/><line x1="{left}" y1="{bottom}" x2="{right}" y2="{top}" class="chance"/><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" class="muted">chance</text><text x="{:.1}" y="{:.1}" font-size="13" text-anchor="middle" class="muted">breach-free organisations flagged</text><text x="11" y="{:.1}" font-size="13" text-anchor="middle" class="muted" transform="rotate(-90 11 {:.1})">breached organisations flagged</text>"#,
        right - 4.0,
        y_of(0.9) + 30.0,
        (left + right) / 2.0,
        bottom + 34.0,
        (top + bottom) / 2.0,
        (top + bottom) / 2.0,
    );
    for (k, c) in curves.iter().enumerate() {
        let series = k % 4 + 1;
        let pts: Vec<String> = thin(&c.points)
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", x_of(*x), y_of(*y)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{}" class="series-{series}"><title>{}: {}</title></polyline>"#,
            pts.join(" "),
            Escaped(&c.label),
            Escaped(&auc_text(c.auc))
        );
    }
    // Markers after every line, so none is hidden: each on its curve at
    // its own false positive rate, so they do not sit on one another.
    for (k, c) in curves.iter().enumerate() {
        let fpr = 0.06 + 0.1 * (k % 6) as f64;
        let (x, y) = (x_of(fpr), y_of(tpr_at(&c.points, fpr)));
        let _ = write!(
            s,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="9" class="marker"/><text x="{x:.1}" y="{:.1}" font-size="12" font-weight="700" text-anchor="middle">{}</text>"#,
            y + 4.0,
            k + 1
        );
    }
    for (k, c) in curves.iter().enumerate() {
        let y = legend_top + 24.0 * k as f64;
        let series = k % 4 + 1;
        let _ = write!(
            s,
            r#"<line x1="0" y1="{y:.1}" x2="34" y2="{y:.1}" class="series-{series}"/><circle cx="50" cy="{y:.1}" r="9" class="marker"/><text x="50" y="{:.1}" font-size="12" font-weight="700" text-anchor="middle">{}</text><text x="66" y="{:.1}" font-size="14">{} <tspan class="muted">{}</tspan></text>"#,
            y + 4.0,
            k + 1,
            y + 5.0,
            Escaped(&cut(&c.label, 26)),
            Escaped(&auc_text(c.auc)),
        );
    }
    s.push_str("</svg>");
    let mut head = String::from("<th>breach-free flagged</th>");
    for (k, c) in curves.iter().enumerate() {
        let _ = write!(
            head,
            r#"<th class="n">{} ({})</th>"#,
            Escaped(&c.label),
            k + 1
        );
    }
    let mut body = String::new();
    for fpr in CHECKPOINTS {
        let _ = write!(
            body,
            r#"<tr><td data-label="breach-free flagged">{:.0} %</td>"#,
            fpr * 100.0
        );
        for c in curves {
            let _ = write!(
                body,
                r#"<td class="n" data-label="{}">{:.1} %</td>"#,
                Escaped(&c.label),
                100.0 * tpr_at(&c.points, fpr)
            );
        }
        body.push_str("</tr>");
    }
    body.push_str(r#"<tr><td data-label="breach-free flagged">AUC</td>"#);
    for c in curves {
        let _ = write!(
            body,
            r#"<td class="n" data-label="{}">{}</td>"#,
            Escaped(&c.label),
            Escaped(&c.auc.map_or_else(|| "—".to_owned(), |a| a.to_string()))
        );
    }
    body.push_str("</tr>");
    figure(caption, &s, &table_id, &head, &body)
}

/// One grade's row of a calibration table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeLikelihood {
    /// The grade (`?`: not scored).
    pub grade: Grade,
    /// Organisations with it.
    pub organizations: u64,
    /// Of which breached.
    pub breached: u64,
    /// The breach rate.
    pub rate: Option<Decimal>,
    /// The rate relative to grade A's.
    pub relative: Option<Decimal>,
}

/// Breach likelihood by grade, relative to A: a bar per grade with the
/// grade's letter on its swatch and the figure beside it; grades without
/// organisations read "no organisations". The data table has the counts,
/// the rate and the relative likelihood.
///
/// ```
/// use posture_report::{GradeLikelihood, likelihood_chart};
/// use posture_core::Grade;
/// let rows = [
///     GradeLikelihood { grade: Grade::A, organizations: 100, breached: 1, rate: Some("0.0100".parse().unwrap()), relative: Some("1.00".parse().unwrap()) },
///     GradeLikelihood { grade: Grade::F, organizations: 10, breached: 1, rate: Some("0.1000".parse().unwrap()), relative: Some("10.00".parse().unwrap()) },
///     GradeLikelihood { grade: Grade::D, organizations: 0, breached: 0, rate: None, relative: None },
/// ];
/// let html = likelihood_chart("cal", "Breach likelihood by grade", &rows);
/// assert!(html.contains("10.00×") && html.contains("no organisations"));
/// ```
pub fn likelihood_chart(id: &str, caption: &str, rows: &[GradeLikelihood]) -> String {
    let row_h = 34.0;
    let h = 6.0 + row_h * rows.len().max(1) as f64;
    let (bar_left, bar_right) = (46.0, W - 130.0);
    let largest = rows
        .iter()
        .filter_map(|r| r.relative.and_then(|x| x.to_f64()))
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let table_id = format!("{id}-data");
    let mut s = svg_open(id, h, caption, &table_id);
    for (i, r) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        swatch(&mut s, 0.0, y, r.grade);
        let _ = write!(
            s,
            r#"<rect x="{bar_left}" y="{:.1}" width="{:.1}" height="18" rx="3" class="track"/>"#,
            y + 4.0,
            bar_right - bar_left
        );
        match r.relative.and_then(|x| x.to_f64()) {
            Some(v) if r.organizations > 0 => {
                let bw = ((bar_right - bar_left) * v / largest).max(1.0);
                let _ = write!(
                    s,
                    r#"<rect x="{bar_left}" y="{:.1}" width="{bw:.1}" height="18" rx="3" class="{} outline"><title>grade {}: {}× grade A</title></rect><text x="{:.1}" y="{:.1}" font-size="14">{}× <tspan class="muted" font-size="12">of {}</tspan></text>"#,
                    y + 4.0,
                    grade_class(r.grade),
                    Escaped(r.grade.as_str()),
                    v,
                    bar_right + 6.0,
                    y + 18.0,
                    Escaped(&r.relative.map(|x| x.to_string()).unwrap_or_default()),
                    r.organizations,
                );
            }
            _ => {
                let text = if r.organizations == 0 {
                    "no organisations".to_owned()
                } else if r.grade == Grade::Insufficient {
                    format!("not scored ({})", r.organizations)
                } else {
                    "no breach in grade A to compare".to_owned()
                };
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" font-size="13" class="muted">{}</text>"#,
                    bar_left + 6.0,
                    y + 18.0,
                    Escaped(&text)
                );
            }
        }
    }
    s.push_str("</svg>");
    let head = r#"<th>grade</th><th class="n">organisations</th><th class="n">breached</th><th class="n">rate</th><th class="n">relative to A</th>"#;
    let mut body = String::new();
    let dash = |d: Option<Decimal>| d.map_or_else(|| "—".to_owned(), |x| x.to_string());
    for r in rows {
        let _ = write!(
            body,
            r#"<tr><td data-label="grade">{}</td><td class="n" data-label="organisations">{}</td><td class="n" data-label="breached">{}</td><td class="n" data-label="rate">{}</td><td class="n" data-label="relative to A">{}</td></tr>"#,
            grade_badge(r.grade),
            r.organizations,
            r.breached,
            Escaped(&dash(r.rate)),
            Escaped(
                &r.relative
                    .map_or_else(|| "—".to_owned(), |x| format!("{x}×"))
            ),
        );
    }
    figure(caption, &s, &table_id, head, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_curves_between_their_points() {
        let pts = [(0.0, 0.0), (0.2, 0.6), (1.0, 1.0)];
        assert!((tpr_at(&pts, 0.1) - 0.3).abs() < 1e-12);
        assert!((tpr_at(&pts, 0.2) - 0.6).abs() < 1e-12);
        assert!((tpr_at(&pts, 0.6) - 0.8).abs() < 1e-12);
        // A vertical step: the top of it.
        let step = [(0.0, 0.0), (0.0, 0.5), (1.0, 1.0)];
        assert!((tpr_at(&step, 0.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn long_curves_are_thinned_but_keep_their_ends() {
        let pts: Vec<(f64, f64)> = (0..=10_000)
            .map(|i| (f64::from(i) / 10_000.0, (f64::from(i) / 10_000.0).sqrt()))
            .collect();
        let t = thin(&pts);
        assert!(t.len() < 200, "{}", t.len());
        assert_eq!(t.first(), Some(&(0.0, 0.0)));
        assert_eq!(t.last(), Some(&(1.0, 1.0)));
    }

    #[test]
    fn every_curve_has_its_marker_and_legend() {
        let curves: Vec<RocCurve> = (0..5)
            .map(|k| RocCurve {
                label: format!("m<{k}>"),
                points: vec![(0.0, 0.0), (1.0, 1.0)],
                auc: None,
            })
            .collect();
        let html = roc_chart("r", "c", &curves);
        for k in 1..=5 {
            assert!(
                html.contains(&format!(r#"text-anchor="middle">{k}</text>"#)),
                "{k}"
            );
        }
        assert!(html.contains("m&lt;4&gt;"));
        assert!(!html.contains("m<4>"));
        assert!(crate::audit::charts_have_tables(&crate::page("t", &html)).is_empty());
    }
}
