//! The page's promises as a check a host can run on any page it composes
//! from this crate's components (the crate's own tests run it on every
//! report): nothing loaded from elsewhere, a data table for every chart,
//! unique ids and links that land, and a palette whose text pairs reach
//! 4.5:1.

use crate::palette::{SERIES, SURFACE, TEXT_PAIRS, contrast_ratio};
use crate::style::chart_count;
use std::collections::BTreeSet;

/// Every `<…>` of a page: escaped input holds no `<`, so these are the
/// page's own tags (its style and script hold none).
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
        .collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let i = tag.find(&needle)?;
    let rest = &tag[i + needle.len()..];
    rest.split('"').next()
}

/// What breaks "the page loads nothing": no external resource, one
/// script (the self-check), no event handler, and links only within the
/// page or to the catalog's references (`<a class="ref" href="https://…">`).
pub fn self_contained(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lower = html.to_ascii_lowercase();
    for needle in [
        "url(", "@import", "<link", "<img", "<iframe", "<object", "<embed", "<video", "<audio",
        "<source", "<base",
    ] {
        if lower.contains(needle) {
            problems.push(format!("the page has `{needle}`"));
        }
    }
    let scripts = lower.matches("<script").count();
    if scripts != 1 {
        problems.push(format!("{scripts} scripts, not one (the self-check)"));
    }
    for t in tags(html) {
        let name = t.split_whitespace().next().unwrap_or("");
        for bad in [" src=", " srcset=", " formaction=", " style=\"background"] {
            if t.contains(bad) {
                problems.push(format!("`{bad}` in <{t}>"));
            }
        }
        if t.split_whitespace()
            .skip(1)
            .any(|a| a.starts_with("on") && a.contains('='))
        {
            problems.push(format!("an event handler in <{t}>"));
        }
        if let Some(h) = attr(t, "href") {
            let ok = h.starts_with('#')
                || (name == "a" && t.contains(r#"class="ref""#) && h.starts_with("https://"));
            if !ok {
                problems.push(format!("a link out of the page: <{t}>"));
            }
        }
    }
    let outside = html.matches("http://").count() + html.matches("https://").count();
    let refs = html.matches(r#"<a class="ref" href="http"#).count();
    if outside > refs * 2 {
        problems.push(format!(
            "{outside} outside addresses for {refs} reference links"
        ));
    }
    problems
}

/// What breaks "every chart has its table": each `<svg class="chart">`
/// names an existing table in `data-table`, scales (`viewBox`, width
/// 100%), has a title (`aria-labelledby`), and the page's
/// `data-charts` counts them.
pub fn charts_have_tables(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let all = tags(html);
    let tables: Vec<&str> = all
        .iter()
        .filter(|t| t.starts_with("table"))
        .filter_map(|t| attr(t, "id"))
        .collect();
    let charts: Vec<&&str> = all
        .iter()
        .filter(|t| t.starts_with("svg class=\"chart\""))
        .collect();
    for c in &charts {
        match attr(c, "data-table") {
            Some(table) if tables.contains(&table) => {}
            Some(table) => problems.push(format!("the table {table} of a chart is missing")),
            None => problems.push(format!("a chart without data-table: <{c}>")),
        }
        for needle in ["viewBox=\"0 0 ", "width=\"100%\""] {
            if !c.contains(needle) {
                problems.push(format!("a chart without {needle}: <{c}>"));
            }
        }
        if attr(c, "aria-labelledby").is_none() {
            problems.push(format!("a chart without a title: <{c}>"));
        }
    }
    if chart_count(html) != charts.len() {
        problems.push("chart_count disagrees with the charts found".to_owned());
    }
    if !html.contains(&format!(r#"data-charts="{}""#, charts.len())) {
        problems.push(format!("data-charts is not {}", charts.len()));
    }
    problems
}

/// What breaks "ids are unique and in-page links land".
pub fn ids_and_links(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for t in tags(html) {
        if let Some(id) = attr(t, "id") {
            if !seen.insert(id.to_owned()) {
                problems.push(format!("id {id} twice"));
            }
        }
    }
    for t in tags(html) {
        if let Some(h) = attr(t, "href").and_then(|h| h.strip_prefix('#')) {
            if !seen.contains(h) {
                problems.push(format!("the link to #{h} lands nowhere"));
            }
        }
    }
    problems
}

/// What breaks the palette's promises: a text pair below 4.5:1 (WCAG 2
/// AA for text), a chart series below 3:1 against the surface (WCAG 2
/// 1.4.11 for graphics).
pub fn palette() -> Vec<String> {
    let mut problems = Vec::new();
    for p in TEXT_PAIRS {
        let r = contrast_ratio(p.foreground, p.background).unwrap_or(0.0);
        if r < 4.5 {
            problems.push(format!("{}: {r:.2}:1", p.role));
        }
    }
    for (i, s) in SERIES.iter().enumerate() {
        let r = contrast_ratio(s, SURFACE).unwrap_or(0.0);
        if r < 3.0 {
            problems.push(format!("chart series {}: {r:.2}:1 on the surface", i + 1));
        }
    }
    problems
}

/// Every check above on one page: the problems found, none when the page
/// keeps the report's promises.
///
/// ```
/// let page = posture_report::page("Fine", "<p>hello</p>");
/// assert!(posture_report::audit::check(&page).is_empty());
/// let bad = page.replace("<p>hello</p>", r#"<img src="https://x.example/a.png"><a href="http://x.example">x</a>"#);
/// assert!(posture_report::audit::check(&bad).len() >= 2);
/// ```
pub fn check(html: &str) -> Vec<String> {
    let mut problems = self_contained(html);
    problems.extend(charts_have_tables(html));
    problems.extend(ids_and_links(html));
    problems.extend(palette());
    if !html.contains(r#"<html lang=""#) {
        problems.push("no language on <html>".to_owned());
    }
    if !html.contains(r#"<meta name="viewport""#) {
        problems.push("no viewport (the page would not fit a phone)".to_owned());
    }
    problems
}
