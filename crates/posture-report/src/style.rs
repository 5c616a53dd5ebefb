//! The page: stylesheet, self-check script, document shell.

use crate::html::Escaped;
use crate::palette::PROPERTIES;
use std::fmt::Write as _;

/// The stylesheet after the `:root` colour properties. It names no colour
/// of its own: every colour is `var(--…)` from [`crate::palette`].
const RULES: &str = r#"
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--page);overflow-wrap:break-word}
a{color:var(--link)}
a:focus-visible,summary:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-9999px}
.skip:focus{left:8px;top:8px;background:var(--surface);color:var(--link);padding:4px 8px;z-index:1}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.top{background:var(--header);color:var(--header-ink);padding:20px 16px}
header.top>div,main,footer.bottom{max-width:1100px;margin:0 auto}
header.top h1{margin:0 0 4px;font-size:1.5rem;line-height:1.25}
header.top p{margin:0;color:var(--header-muted)}
header.top a{color:var(--header-muted)}
nav.toc ul{list-style:none;margin:10px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px}
main{padding:8px 16px 40px}
section.card{background:var(--surface);border:1px solid var(--rule);border-radius:10px;padding:16px 20px;margin:16px 0;min-width:0}
h2{font-size:1.25rem;line-height:1.3;margin:0 0 8px}
h3{font-size:1.05rem;margin:20px 0 8px}
p{margin:8px 0}
.meta{color:var(--muted);font-size:.875rem}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;margin:12px 0}
.kpi{border:1px solid var(--rule);border-radius:8px;padding:8px 12px;min-width:0}
.kpi b{display:block;font-size:1.5rem;line-height:1.3}
.kpi span{color:var(--muted);font-size:.8125rem}
.table-wrap{overflow-x:auto;max-width:100%;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:.875rem}
caption{text-align:left;color:var(--muted);padding:4px 0}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--rule)}
th{color:var(--muted);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:nth-child(even){background:var(--subtle)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
td,.kpi,li{overflow-wrap:anywhere}
th{overflow-wrap:normal}
ul.plain{margin:4px 0;padding-left:18px}
.grade{display:inline-block;min-width:1.7em;padding:0 .3em;text-align:center;border-radius:4px;font-weight:700;border:1px solid var(--outline);-webkit-print-color-adjust:exact;print-color-adjust:exact}
.g-a{background:var(--grade-a);color:var(--ink)}
.g-b{background:var(--grade-b);color:var(--ink)}
.g-c{background:var(--grade-c);color:var(--ink)}
.g-d{background:var(--grade-d);color:var(--ink)}
.g-f{background:var(--grade-f);color:var(--surface)}
.g-none{background:var(--grade-none);color:var(--ink)}
.chip{display:inline-block;font-size:.75rem;line-height:1.5;padding:0 6px;border-radius:10px;background:var(--subtle);color:var(--ink);white-space:nowrap;border:1px solid var(--rule)}
.chip.open{background:var(--status-open)}
.chip.pending{background:var(--status-pending)}
.chip.done{background:var(--status-done)}
.meter{display:inline-block;width:160px;max-width:100%;height:12px;background:var(--surface);border:1px solid var(--outline);border-radius:6px;overflow:hidden;vertical-align:middle;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.meter>span{display:block;height:100%;border-right:1px solid var(--outline)}
.score-cell{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px}
.na{display:inline-block;white-space:nowrap;color:var(--muted);background:var(--subtle);font-style:italic;padding:0 6px;border-radius:4px}
.finding p{margin:0 0 6px}
.refs{font-size:.8125rem;margin:0;padding-left:18px}
figure.chart{margin:12px 0}
figure.chart svg{display:block;width:100%;height:auto;max-width:480px}
figcaption{color:var(--muted);font-size:.875rem;margin-bottom:4px}
details.data{margin:6px 0}
details.data summary{cursor:pointer;color:var(--link)}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:var(--ink)}
svg text.muted{fill:var(--muted)}
svg text.on-dark{fill:var(--surface)}
svg text.halo{paint-order:stroke;stroke:var(--surface);stroke-width:4px;stroke-linejoin:round}
svg .track{fill:var(--rule)}
svg .outline{stroke:var(--outline);stroke-width:1}
svg .grid{stroke:var(--rule);stroke-width:1}
svg .axis{stroke:var(--outline);stroke-width:1}
svg .line{fill:none;stroke:var(--ink);stroke-width:2}
svg .bar{fill:var(--grade-b)}
svg .bar.prev{fill:var(--subtle)}
svg .done{fill:var(--status-done)}
svg .pending{fill:var(--status-pending)}
svg .open{fill:var(--status-open)}
svg .g-a{fill:var(--grade-a)}
svg .g-b{fill:var(--grade-b)}
svg .g-c{fill:var(--grade-c)}
svg .g-d{fill:var(--grade-d)}
svg .g-f{fill:var(--grade-f)}
svg .g-none{fill:var(--grade-none)}
svg .series-1,svg .series-2,svg .series-3,svg .series-4{fill:none;stroke-width:2.5;stroke-linejoin:round}
svg .series-1{stroke:var(--ink)}
svg .series-2{stroke:var(--link);stroke-dasharray:9 4}
svg .series-3{stroke:var(--grade-f);stroke-dasharray:2 3}
svg .series-4{stroke:var(--muted);stroke-dasharray:12 3 3 3}
svg .chance{fill:none;stroke:var(--outline);stroke-width:1;stroke-dasharray:3 5}
svg .marker{fill:var(--surface);stroke:var(--outline);stroke-width:1.5}
svg *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
footer.bottom{color:var(--muted);font-size:.8125rem;padding:0 16px 24px}
nav.toc a[aria-current]{color:var(--header-ink);font-weight:700}
.tabs ul{list-style:none;display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 12px;padding:0;border-bottom:1px solid var(--rule)}
.tabs a{display:inline-block;padding:6px 12px;border:1px solid var(--rule);border-bottom:0;border-radius:8px 8px 0 0;text-decoration:none}
.tabs a[aria-current]{background:var(--subtle);color:var(--ink);font-weight:700}
form{margin:8px 0}
form.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
label{display:block;font-weight:600;margin:6px 0 2px}
fieldset{border:1px solid var(--rule);border-radius:6px;margin:6px 0;padding:4px 10px}
legend{font-weight:600;padding:0 4px}
fieldset label{display:inline-flex;gap:6px;align-items:center;font-weight:400;margin-right:16px}
input,select,textarea{font:inherit;color:var(--ink);background:var(--surface);border:1px solid var(--outline);border-radius:6px;padding:6px 8px;max-width:100%}
textarea{width:100%;min-height:4.5em}
input[type=radio]{padding:0}
button{font:inherit;font-weight:600;color:var(--surface);background:var(--link);border:1px solid var(--link);border-radius:6px;padding:6px 14px;cursor:pointer}
button.secondary{color:var(--link);background:var(--surface)}
button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--link);outline-offset:2px}
header.top button{color:var(--header-ink);background:var(--header);border-color:var(--header-muted);padding:2px 10px}
.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:8px 16px;align-items:end}
.filters label{margin:0 0 2px}
.filters select,.filters input{width:100%}
.notice{border-left:4px solid var(--link);background:var(--subtle);padding:8px 12px;margin:8px 0}
.notice.error{border-left:4px solid var(--grade-f)}
article.item{border-top:1px solid var(--rule);padding:12px 0}
article.item h3{margin:0 0 6px}
details.vendor{border:1px solid var(--rule);border-radius:8px;margin:8px 0;padding:6px 12px}
details.vendor summary{cursor:pointer}
@media (max-width:640px){
header.top{padding:16px 12px}
header.top h1{font-size:1.25rem}
main{padding:4px 8px 32px}
section.card{padding:12px;margin:12px 0}
.kpis{grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:8px}
table.stack caption{display:block}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
table.stack,table.stack tbody{display:block;width:100%}
table.stack tr{display:flex;flex-wrap:wrap;column-gap:16px;border-bottom:2px solid var(--rule);padding:6px 4px}
table.stack td{display:block;border:0;padding:2px 0;max-width:100%}
table.stack td:first-child{flex-basis:100%}
table.stack td.n{text-align:left;white-space:normal}
table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:var(--muted)}
}
@media print{
body{background:var(--surface);font-size:10.5pt}
header.top{background:var(--surface);color:var(--ink);border-bottom:2px solid var(--ink);padding:0 0 8px}
header.top p{color:var(--ink)}
nav.toc,.skip,details.data>summary{display:none}
main{padding:0}
section.card{border:0;border-top:1px solid var(--rule);border-radius:0;margin:0;padding:12px 0}
figure.chart,tr,.kpi{break-inside:avoid}
h2,h3{break-after:avoid}
.table-wrap{overflow:visible}
a{color:var(--ink);text-decoration:none}
figure.chart svg{max-width:440px}
}
"#;

/// The page's own check, and print help. It counts the charts laid out
/// with a non-zero size and something drawn, and writes the count to
/// `data-charts-rendered` on the root element, so that a headless browser
/// can tell the charts rendered; before printing it opens every data
/// table.
const SELF_CHECK: &str = r#"
(function () {
  var n = 0;
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    var r = svg.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && svg.querySelector("rect,circle,path,polyline")) { n += 1; }
  });
  document.documentElement.setAttribute("data-charts-rendered", String(n));
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
"#;

/// The complete stylesheet: the palette as custom properties, then the
/// rules.
pub fn stylesheet() -> String {
    let mut s = String::with_capacity(RULES.len() + 1024);
    s.push_str(":root{color-scheme:light;");
    for (name, hex) in PROPERTIES {
        let _ = write!(s, "--{name}:{hex};");
    }
    s.push('}');
    s.push_str(RULES);
    s
}

/// How many charts a body holds (what the page's self-check expects).
pub fn chart_count(body: &str) -> usize {
    body.matches(r#"<svg class="chart""#).count()
}

/// The document around a body: head, header (title, subtitle, contents),
/// main, footer, and the self-check.
pub(crate) fn document(title: &str, subtitle: &str, nav: &str, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + RULES.len() + 4096);
    let _ = write!(
        s,
        r##"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="posture-report {version}"><title>{title}</title><style>{style}</style></head><body data-charts="{charts}"><a class="skip" href="#main">Skip to the report</a><header class="top"><div><h1>{title}</h1>{subtitle}{nav}</div></header><main id="main">{body}</main><footer class="bottom"><p>Generated by posture-report {version}. Every figure comes from the documents given; the page loads nothing from elsewhere.</p></footer><script>{check}</script></body></html>"##,
        version = Escaped(env!("CARGO_PKG_VERSION")),
        title = Escaped(title),
        style = stylesheet(),
        charts = chart_count(body),
        check = SELF_CHECK,
    );
    s.push('\n');
    s
}

/// A complete, self-contained HTML page: `title` in the header (escaped),
/// `body` (HTML, trusted: build it from this crate's components) in
/// `<main>`, the stylesheet and the charts' self-check.
///
/// ```
/// let html = posture_report::page("Acme <Ltd>", "<p>Hello</p>");
/// assert!(html.starts_with("<!DOCTYPE html>"));
/// assert!(html.contains("<title>Acme &lt;Ltd&gt;</title>"));
/// assert!(html.contains(r#"data-charts="0""#));
/// ```
pub fn page(title: &str, body: &str) -> String {
    document(title, "", "", body)
}

/// A page of an application composed from these components (the server's
/// web app): `title` in the header (escaped), `subtitle` and `nav` (HTML,
/// trusted: a `<p>` and a `<nav class="toc">`) under it, `body` in
/// `<main>`. The stylesheet has the rules for its forms, buttons, tabs
/// and notices, in the palette's colours.
///
/// ```
/// let html = posture_report::app_page("Plans", "<p>Signed in</p>", "", "<p>None</p>");
/// assert!(html.contains("<h1>Plans</h1><p>Signed in</p>"));
/// ```
pub fn app_page(title: &str, subtitle: &str, nav: &str, body: &str) -> String {
    document(title, subtitle, nav, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_name_no_colour_of_their_own() {
        // Every colour comes from the palette, so the contrast test covers
        // what the page shows.
        for needle in [
            "#", "rgb(", "rgba(", "hsl(", ":white", ":black", " white;", " black;",
        ] {
            assert!(!RULES.contains(needle), "the stylesheet names `{needle}`");
        }
        let used: Vec<&str> = RULES
            .split("var(--")
            .skip(1)
            .filter_map(|s| s.split(')').next())
            .collect();
        for u in used {
            assert!(
                PROPERTIES.iter().any(|(n, _)| *n == u),
                "var(--{u}) is not a palette property"
            );
        }
    }

    #[test]
    fn every_text_colour_of_the_stylesheet_is_in_a_checked_pair() {
        // `color:` and SVG text `fill:` name the text colours.
        let hex = |name: &str| {
            PROPERTIES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, h)| *h)
                .unwrap_or("?")
        };
        let mut names = Vec::new();
        for (i, _) in RULES.match_indices("color:var(--") {
            let rest = &RULES[i + "color:var(--".len()..];
            if let Some(n) = rest.split(')').next() {
                names.push(n);
            }
        }
        for line in RULES.lines().filter(|l| l.starts_with("svg text")) {
            if let Some(i) = line.find("fill:var(--") {
                if let Some(n) = line[i + "fill:var(--".len()..].split(')').next() {
                    names.push(n);
                }
            }
        }
        assert!(names.len() > 10, "{names:?}");
        for n in names {
            let fg = hex(n);
            assert!(
                crate::palette::TEXT_PAIRS
                    .iter()
                    .any(|p| p.foreground == fg),
                "text colour --{n} ({fg}) is in no checked pair"
            );
        }
    }
}
