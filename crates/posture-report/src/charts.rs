//! Charts: inline SVG that scales (`viewBox`, width 100%), each in a
//! `<figure>` with its data as a table beside it (`data-table` on the SVG
//! names the table's id), so every chart reads without sight and without
//! colour.

use crate::html::{Escaped, date, f64_of, grade_of_fraction, num, percent, round};
use crate::input::ActionProgress;
use crate::palette::grade_class;
use posture_core::Grade;
use posture_csr::{EntityKind, Priority};
use posture_score::Scorecard;
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// The drawing width of every chart, in SVG units: close to a phone's
/// content width, so text stays readable when the chart shrinks.
pub(crate) const W: f64 = 400.0;

/// One row of a score bar chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreBar {
    /// What the bar is (an organisation, a domain, a vendor, a step).
    pub label: String,
    /// In-page link to its section (`#vendor-2-acme`), in the data table.
    pub href: Option<String>,
    /// The score as a fraction (0–1); `None` when not rated.
    pub fraction: Option<Decimal>,
    /// The score as shown (`87.50`, `812` on another scale).
    pub score: Option<Decimal>,
    /// The grade (`?` when not rated).
    pub grade: Grade,
    /// Why there is no score (`no domains`, `insufficient data`).
    pub note: Option<String>,
}

/// A text cut to `max` characters with an ellipsis (the full text is in
/// the data table).
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub(crate) fn svg_open(id: &str, h: f64, title: &str, table: &str) -> String {
    format!(
        r#"<svg class="chart" id="{id}" viewBox="0 0 {W} {h:.0}" width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="{id}-title" data-table="{table}"><title id="{id}-title">{title}</title>"#,
        id = Escaped(id),
        table = Escaped(table),
        title = Escaped(title),
    )
}

pub(crate) fn figure(caption: &str, svg: &str, table_id: &str, head: &str, rows: &str) -> String {
    format!(
        r#"<figure class="chart"><figcaption>{caption}</figcaption>{svg}<details class="data"><summary>Data table<span class="sr-only">: {caption}</span></summary><div class="table-wrap"><table id="{table_id}" class="stack"><caption class="sr-only">{caption}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></details></figure>"#,
        caption = Escaped(caption),
        table_id = Escaped(table_id),
    )
}

/// A grade's swatch with its letter, at `(x, y)`, 36 by 26.
pub(crate) fn swatch(s: &mut String, x: f64, y: f64, g: Grade) {
    let ink = if g == Grade::F {
        r#" class="on-dark""#
    } else {
        ""
    };
    let _ = write!(
        s,
        r#"<rect x="{x:.1}" y="{y:.1}" width="36" height="26" rx="4" class="{c} outline"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="15" font-weight="700"{ink}>{}</text>"#,
        x + 18.0,
        y + 18.5,
        Escaped(g.as_str()),
        c = grade_class(g),
    );
}

/// Horizontal score bars with each grade's letter on its swatch; rows
/// without a score read "not rated" and draw no bar. `marker` draws a
/// dashed line at a score (0–100), e.g. a plan's target.
///
/// ```
/// use posture_report::{ScoreBar, score_bars};
/// use posture_core::Grade;
/// let rows = [ScoreBar { label: "acme".into(), href: None, fraction: None,
///     score: None, grade: Grade::Insufficient, note: Some("no domains".into()) }];
/// let html = score_bars("c1", "Scores", &rows, None);
/// assert!(html.contains("not rated") && html.contains(r#"data-table="c1-data""#));
/// ```
pub fn score_bars(
    id: &str,
    caption: &str,
    rows: &[ScoreBar],
    marker: Option<(Decimal, &str)>,
) -> String {
    let row_h = 48.0;
    let top = if marker.is_some() { 22.0 } else { 6.0 };
    let h = top + row_h * rows.len().max(1) as f64 + 4.0;
    let track = W - 46.0;
    let table_id = format!("{id}-data");
    let mut s = svg_open(id, h, caption, &table_id);
    if let Some((score, label)) = marker {
        let x = track * f64_of(score).clamp(0.0, 100.0) / 100.0;
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" y1="14" x2="{x:.1}" y2="{:.1}" class="axis" stroke-dasharray="4 3"/><text x="{:.1}" y="11" font-size="13" text-anchor="{}" class="muted">{}</text>"#,
            h - 2.0,
            x,
            if x > W / 2.0 { "end" } else { "start" },
            Escaped(label)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            s,
            r#"<text x="0" y="{:.1}" font-size="15" class="halo">{}</text>"#,
            y + 14.0,
            Escaped(&cut(&r.label, 36))
        );
        let _ = write!(
            s,
            r#"<rect x="0" y="{:.1}" width="{track:.1}" height="16" rx="3" class="track"/>"#,
            y + 22.0
        );
        match r.fraction {
            Some(f) => {
                let bw = track * percent(f) / 100.0;
                let _ = write!(
                    s,
                    r#"<rect x="0" y="{:.1}" width="{bw:.1}" height="16" rx="3" class="{} outline"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="15" text-anchor="end" class="halo">{}</text>"#,
                    y + 22.0,
                    grade_class(r.grade),
                    Escaped(&r.label),
                    Escaped(&num(r.score)),
                    track,
                    y + 14.0,
                    Escaped(&num(r.score)),
                );
            }
            None => {
                let _ = write!(
                    s,
                    r#"<text x="6" y="{:.1}" font-size="14" class="muted">not rated{}</text>"#,
                    y + 34.5,
                    Escaped(
                        &r.note
                            .as_ref()
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default()
                    )
                );
            }
        }
        swatch(&mut s, W - 38.0, y + 17.0, r.grade);
    }
    s.push_str("</svg>");
    let head = "<th>name</th><th class=\"n\">score</th><th>grade</th>";
    let mut body = String::new();
    for r in rows {
        let name = match &r.href {
            Some(h) => format!(r#"<a href="{}">{}</a>"#, Escaped(h), Escaped(&r.label)),
            None => Escaped(&r.label).to_string(),
        };
        let score = match (r.score, &r.note) {
            (Some(v), _) => v.to_string(),
            (None, Some(n)) => format!("not rated ({n})"),
            (None, None) => "not rated".to_owned(),
        };
        let _ = write!(
            body,
            r#"<tr><td data-label="name">{name}</td><td class="n" data-label="score">{}</td><td data-label="grade">{}</td></tr>"#,
            Escaped(&score),
            crate::html::grade_badge(r.grade)
        );
    }
    figure(caption, &s, &table_id, head, &body)
}

/// One organisation's scores over time (hundred scale, from each
/// scorecard's fraction): a line through the rated points, a point per
/// scorecard in its grade's colour, the grade bands as gridlines.
/// Scorecards without a score are marked `?` on the axis. Sorted by
/// `as_of`.
///
/// ```
/// let html = posture_report::trend_chart("t", &[]);
/// assert!(html.contains("<table"));
/// ```
pub fn trend_chart(id: &str, history: &[Scorecard]) -> String {
    let mut cards: Vec<&Scorecard> = history.iter().collect();
    cards.sort_by_key(|c| c.as_of);
    let (h, left, right, top, bottom) = (236.0, 44.0, W - 12.0, 14.0, 190.0);
    let y_of = |v: f64| bottom - (v.clamp(0.0, 100.0) / 100.0) * (bottom - top);
    let (t0, t1) = match (cards.first(), cards.last()) {
        (Some(a), Some(b)) => (a.as_of.0.timestamp(), b.as_of.0.timestamp()),
        _ => (0, 0),
    };
    let n = cards.len();
    // Scorecards within two days of each other are told apart by the time.
    let label = |t: posture_core::Timestamp| {
        if t1 - t0 < 2 * 86_400 {
            t.0.format("%m-%d %H:%M").to_string()
        } else {
            date(t)
        }
    };
    let x_of = |i: usize, t: i64| -> f64 {
        if t1 > t0 {
            left + (right - left) * (t - t0) as f64 / (t1 - t0) as f64
        } else if n > 1 {
            left + (right - left) * i as f64 / (n - 1) as f64
        } else {
            (left + right) / 2.0
        }
    };
    let table_id = format!("{id}-data");
    let org = cards.first().map_or("", |c| c.organization.as_str());
    let caption = format!("Score of {org} over time (hundred scale)");
    let mut s = svg_open(id, h, &caption, &table_id);
    for (v, label) in [
        (100.0, "100"),
        (90.0, "A 90"),
        (80.0, "B 80"),
        (70.0, "C 70"),
        (60.0, "D 60"),
        (0.0, "F 0"),
    ] {
        let y = y_of(v);
        let _ = write!(
            s,
            r#"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" font-size="13" text-anchor="end" class="muted">{label}</text>"#,
            left - 6.0,
            y + 4.0
        );
    }
    let _ = write!(
        s,
        r#"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>"#
    );
    // The line, broken where a scorecard has no score.
    let mut segment: Vec<String> = Vec::new();
    let mut lines = String::new();
    let flush = |segment: &mut Vec<String>, lines: &mut String| {
        if segment.len() > 1 {
            let _ = write!(
                lines,
                r#"<polyline points="{}" class="line"/>"#,
                segment.join(" ")
            );
        }
        segment.clear();
    };
    let mut points = String::new();
    for (i, c) in cards.iter().enumerate() {
        let x = x_of(i, c.as_of.0.timestamp());
        match c.fraction {
            Some(f) => {
                let v = percent(f);
                let y = y_of(v);
                segment.push(format!("{x:.1},{y:.1}"));
                let _ = write!(
                    points,
                    r#"<circle cx="{x:.1}" cy="{y:.1}" r="6" class="{} outline"><title>{}: {} ({})</title></circle>"#,
                    grade_class(c.grade),
                    Escaped(&date(c.as_of)),
                    round(f * Decimal::ONE_HUNDRED, 2),
                    Escaped(c.grade.as_str())
                );
                // The letter beside each point while there is room for it,
                // so the grade reads without colour.
                if n <= 12 {
                    let _ = write!(
                        points,
                        r#"<text x="{x:.1}" y="{:.1}" font-size="13" font-weight="700" text-anchor="middle" class="halo">{}</text>"#,
                        if y < top + 18.0 { y + 22.0 } else { y - 10.0 },
                        Escaped(c.grade.as_str())
                    );
                }
            }
            None => {
                flush(&mut segment, &mut lines);
                let _ = write!(
                    points,
                    r#"<rect x="{:.1}" y="{:.1}" width="12" height="12" class="g-none outline"><title>{}: not rated</title></rect><text x="{x:.1}" y="{:.1}" font-size="12" text-anchor="middle">?</text>"#,
                    x - 6.0,
                    bottom - 6.0,
                    Escaped(&date(c.as_of)),
                    bottom + 4.0
                );
            }
        }
    }
    flush(&mut segment, &mut lines);
    s.push_str(&lines);
    s.push_str(&points);
    // Dates: the first and the last, then as many others as fit without
    // overlapping (about 80 units a label), from the middle out.
    let mut order: Vec<usize> = vec![0];
    if n > 1 {
        order.push(n - 1);
    }
    let mut rest: Vec<usize> = (1..n.saturating_sub(1)).collect();
    rest.sort_by_key(|i| i.abs_diff(n / 2));
    order.extend(rest);
    let mut placed: Vec<(f64, f64)> = Vec::new();
    for i in order {
        let Some(c) = cards.get(i) else { continue };
        let x = x_of(i, c.as_of.0.timestamp());
        let text = label(c.as_of);
        let width = 8.0 * text.chars().count() as f64;
        let (anchor, from) = if i == 0 && n > 1 {
            ("start", x)
        } else if i + 1 == n && n > 1 {
            ("end", x - width)
        } else {
            ("middle", x - width / 2.0)
        };
        let extent = (from - 6.0, from + width + 6.0);
        if placed.iter().any(|(a, b)| extent.0 < *b && *a < extent.1) {
            continue;
        }
        placed.push(extent);
        let _ = write!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" font-size="13" text-anchor="{anchor}" class="muted">{}</text>"#,
            bottom + 22.0,
            Escaped(&text)
        );
    }
    if n == 0 {
        let _ = write!(
            s,
            r#"<rect x="{left}" y="{top}" width="1" height="1" class="track"/><text x="{:.1}" y="{:.1}" font-size="14" text-anchor="middle" class="muted">no scorecards</text>"#,
            (left + right) / 2.0,
            (top + bottom) / 2.0
        );
    }
    s.push_str("</svg>");
    let head = "<th>date</th><th class=\"n\">score (hundred scale)</th><th>grade</th><th class=\"n\">change</th>";
    let mut body = String::new();
    let mut prev: Option<Decimal> = None;
    for c in &cards {
        let v = c.fraction.map(|f| (f * Decimal::ONE_HUNDRED).round_dp(2));
        let change = match (prev, v) {
            (Some(p), Some(v)) => {
                let d = v - p;
                if d > Decimal::ZERO {
                    format!("+{d}")
                } else {
                    d.to_string()
                }
            }
            _ => "—".to_owned(),
        };
        let _ = write!(
            body,
            r#"<tr><td data-label="date">{}</td><td class="n" data-label="score">{}</td><td data-label="grade">{}</td><td class="n" data-label="change">{}</td></tr>"#,
            Escaped(&crate::html::date_time(c.as_of)),
            Escaped(&v.map_or_else(|| "not rated".to_owned(), |x| x.to_string())),
            crate::html::grade_badge(c.grade),
            Escaped(&change)
        );
        if v.is_some() {
            prev = v;
        }
    }
    figure(&caption, &s, &table_id, head, &body)
}

/// The CSR gain of fixing each entity (the first `max` priorities), with
/// an earlier result's gains beside them when given.
pub fn gain_chart(
    id: &str,
    priorities: &[Priority],
    previous: Option<&[Priority]>,
    max: usize,
) -> String {
    let rows: Vec<&Priority> = priorities.iter().take(max).collect();
    let before = |entity: &str| -> Option<Decimal> {
        previous.and_then(|p| p.iter().find(|q| q.entity == entity).map(|q| q.gain))
    };
    let largest = rows
        .iter()
        .flat_map(|p| [Some(p.gain), before(&p.entity)])
        .flatten()
        .map(f64_of)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let row_h = if previous.is_some() { 52.0 } else { 42.0 };
    let top = if previous.is_some() { 24.0 } else { 6.0 };
    let h = top + row_h * rows.len().max(1) as f64 + 2.0;
    let track = W - 70.0;
    let table_id = format!("{id}-data");
    let caption = "CSR points gained if each entity were fixed (largest first)";
    let mut s = svg_open(id, h, caption, &table_id);
    if previous.is_some() {
        s.push_str(r#"<rect x="0" y="4" width="12" height="12" class="bar outline"/><text x="18" y="14" font-size="13">now</text><rect x="70" y="4" width="12" height="12" class="bar prev outline"/><text x="88" y="14" font-size="13">before</text>"#);
    }
    for (i, p) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let kind = match p.kind {
            EntityKind::Domain => "domain",
            EntityKind::Vendor => "vendor",
        };
        let _ = write!(
            s,
            r#"<text x="0" y="{:.1}" font-size="15">{} <tspan class="muted" font-size="13">{kind}</tspan></text>"#,
            y + 14.0,
            Escaped(&cut(&p.entity, 30))
        );
        let bw = (track * f64_of(p.gain) / largest).max(1.0);
        let _ = write!(
            s,
            r#"<rect x="0" y="{:.1}" width="{bw:.1}" height="14" rx="2" class="bar outline"/><text x="{:.1}" y="{:.1}" font-size="14">+{}</text>"#,
            y + 20.0,
            bw + 6.0,
            y + 32.0,
            round(p.gain, 2)
        );
        if previous.is_some() {
            let g = before(&p.entity).unwrap_or(Decimal::ZERO);
            let bw = (track * f64_of(g) / largest).max(1.0);
            let _ = write!(
                s,
                r#"<rect x="0" y="{:.1}" width="{bw:.1}" height="10" rx="2" class="bar prev outline"/><text x="{:.1}" y="{:.1}" font-size="12" class="muted">+{}</text>"#,
                y + 37.0,
                bw + 6.0,
                y + 46.0,
                round(g, 2)
            );
        }
    }
    s.push_str("</svg>");
    let mut head = "<th>#</th><th>entity</th><th>kind</th><th class=\"n\">gain</th>".to_owned();
    if previous.is_some() {
        head.push_str("<th class=\"n\">gain before</th>");
    }
    let mut body = String::new();
    for (i, p) in rows.iter().enumerate() {
        let _ = write!(
            body,
            r#"<tr><td data-label="rank">{}</td><td data-label="entity">{}</td><td data-label="kind">{}</td><td class="n" data-label="gain">+{}</td>"#,
            i + 1,
            Escaped(&p.entity),
            match p.kind {
                EntityKind::Domain => "domain",
                EntityKind::Vendor => "vendor",
            },
            round(p.gain, 2)
        );
        if previous.is_some() {
            let _ = write!(
                body,
                r#"<td class="n" data-label="gain before">{}</td>"#,
                before(&p.entity).map_or_else(|| "—".to_owned(), |g| format!("+{}", round(g, 2)))
            );
        }
        body.push_str("</tr>");
    }
    figure(caption, &s, &table_id, &head, &body)
}

/// An action plan's items as one stacked bar: verified, accepted,
/// waiting (for a rescan or a decision), open.
pub fn progress_chart(id: &str, progress: &ActionProgress, waiting: u32) -> String {
    let total = progress.total;
    let open = total
        .saturating_sub(progress.verified)
        .saturating_sub(progress.accepted)
        .saturating_sub(waiting);
    let parts = [
        ("verified", progress.verified, "done"),
        ("accepted", progress.accepted, "g-a"),
        ("waiting", waiting, "pending"),
        ("open", open, "open"),
    ];
    let table_id = format!("{id}-data");
    let caption = "Items of the plan by status";
    let mut s = svg_open(id, 64.0, caption, &table_id);
    let bar = W - 2.0;
    let _ = write!(
        s,
        r#"<rect x="1" y="4" width="{bar}" height="28" rx="4" class="track outline"/>"#
    );
    let mut x = 1.0;
    let denominator = f64::from(total.max(1));
    for (label, count, class) in parts {
        if count == 0 {
            continue;
        }
        let w = bar * f64::from(count) / denominator;
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="4" width="{w:.1}" height="28" class="{class} outline"><title>{count} {label}</title></rect>"#
        );
        if w >= 24.0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="23" font-size="15" text-anchor="middle">{count}</text>"#,
                x + w / 2.0
            );
        }
        x += w;
    }
    let legend = parts
        .iter()
        .map(|(l, c, _)| format!("{c} {l}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let _ = write!(
        s,
        r#"<text x="0" y="54" font-size="14">{} of {total} items</text>"#,
        Escaped(&legend)
    );
    s.push_str("</svg>");
    let head = "<th>status</th><th class=\"n\">items</th>";
    let mut body = String::new();
    for (label, count, _) in parts {
        let _ = write!(
            body,
            r#"<tr><td data-label="status">{label}</td><td class="n" data-label="items">{count}</td></tr>"#
        );
    }
    let _ = write!(
        body,
        r#"<tr><td data-label="status">total</td><td class="n" data-label="items">{total}</td></tr>"#
    );
    figure(caption, &s, &table_id, head, &body)
}

/// The bars of a scorecard-like row: score from a fraction.
pub(crate) fn bar_of_fraction(
    label: String,
    href: Option<String>,
    fraction: Option<Decimal>,
    score: Option<Decimal>,
    grade: Grade,
    note: Option<String>,
) -> ScoreBar {
    let grade = match (fraction, grade) {
        (Some(f), Grade::Insufficient) => grade_of_fraction(f),
        _ => grade,
    };
    ScoreBar {
        label,
        href,
        fraction,
        score,
        grade,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, f: Option<i64>) -> ScoreBar {
        let fraction = f.map(|v| Decimal::new(v, 2));
        ScoreBar {
            label: label.into(),
            href: Some("#x".into()),
            fraction,
            score: fraction.map(|x| x * Decimal::ONE_HUNDRED),
            grade: fraction.map_or(Grade::Insufficient, grade_of_fraction),
            note: None,
        }
    }

    #[test]
    fn bars_scale_and_keep_letters() {
        let html = score_bars(
            "c",
            "caption",
            &[bar("a", Some(95)), bar("f", Some(20)), bar("none", None)],
            Some((Decimal::from(80), "target B")),
        );
        assert!(html.contains(r#"viewBox="0 0 400 "#));
        assert!(html.contains(r#"width="100%""#));
        for letter in [">A<", ">F<", ">?<"] {
            assert!(html.contains(letter), "{letter}");
        }
        assert!(html.contains("not rated"));
        assert!(html.contains("target B"));
        assert!(html.contains(r##"<a href="#x">a</a>"##));
    }

    #[test]
    fn long_labels_are_cut_in_the_chart_only() {
        let long = "x".repeat(100);
        let html = score_bars("c", "caption", &[bar(&long, Some(50))], None);
        assert!(html.contains(&format!("{}…", "x".repeat(35))));
        assert!(html.contains(&long));
    }
}
