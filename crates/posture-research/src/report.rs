//! The evaluation as one self-contained, accessible HTML page, drawn with
//! `posture-report`'s components (its palette, stylesheet, charts and
//! checks): the comparison table, the ROC curves, the calibration table of
//! each model, the rank correlations, and how each figure is computed.

use crate::EvalRun;
use posture_report::{
    Escaped, GradeLikelihood, RocCurve, anchor, grade_badge, likelihood_chart, page, roc_chart,
};
use rust_decimal::Decimal;
use std::fmt::Write as _;

fn dash(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_owned(), |x| x.to_string())
}

/// Renders the evaluation as one HTML page. Every chart has its data
/// table; the page loads nothing from elsewhere
/// ([`posture_report::audit::check`] finds nothing to report).
pub fn render(run: &EvalRun) -> String {
    let e = &run.evaluation;
    let mut body = String::with_capacity(64 * 1024);
    let rate = if e.corpus.organizations > 0 {
        format!(
            "{:.2} %",
            100.0 * e.corpus.breached as f64 / e.corpus.organizations as f64
        )
    } else {
        "—".to_owned()
    };
    let _ = write!(
        body,
        r##"<section class="card" id="overview"><h2>Overview</h2><p>{} organisations, {} of them breached within twelve months ({rate}). Each model scores every organisation; a good model gives the breached ones lower scores. Catalog <code>{}</code>.</p><nav aria-label="Sections"><ul class="plain"><li><a href="#comparison">Comparison</a></li><li><a href="#roc">ROC curves</a></li><li><a href="#calibration">Breach likelihood by grade</a></li><li><a href="#spearman">Rank correlation</a></li><li><a href="#method">How the figures are computed</a></li></ul></nav><div class="kpis">"##,
        e.corpus.organizations,
        e.corpus.breached,
        Escaped(&e.catalog.id),
    );
    for m in &e.models {
        let _ = write!(
            body,
            r#"<div class="kpi"><b>{}</b><span>AUC · {}</span></div>"#,
            Escaped(&dash(m.auc)),
            Escaped(&m.model)
        );
    }
    body.push_str("</div></section>");

    // The comparison table.
    body.push_str(r#"<section class="card" id="comparison"><h2>Comparison</h2><div class="table-wrap"><table class="stack"><caption>AUC with its 95 % bootstrap interval, Brier score of a logistic fit, and the breach rate of grade F relative to A (SecurityScorecard publishes 13.8×)</caption><thead><tr><th>model</th><th class="n">AUC</th><th class="n">95 % interval</th><th class="n">Brier</th><th class="n">F to A</th></tr></thead><tbody>"#);
    for m in &e.models {
        let ci = m
            .auc_ci
            .map_or_else(|| "—".to_owned(), |[lo, hi]| format!("{lo} – {hi}"));
        let _ = write!(
            body,
            r#"<tr><td data-label="model"><code>{}</code></td><td class="n" data-label="AUC">{}</td><td class="n" data-label="95 % interval">{}</td><td class="n" data-label="Brier">{}</td><td class="n" data-label="F to A">{}</td></tr>"#,
            Escaped(&m.model),
            Escaped(&dash(m.auc)),
            Escaped(&ci),
            Escaped(&dash(m.brier)),
            Escaped(
                &m.f_to_a()
                    .map_or_else(|| "—".to_owned(), |x| format!("{x}×"))
            ),
        );
    }
    body.push_str("</tbody></table></div></section>");

    // ROC curves.
    let curves: Vec<RocCurve> = e
        .models
        .iter()
        .zip(&run.scores)
        .map(|(m, s)| RocCurve {
            label: m.model.clone(),
            points: s.roc.clone().unwrap_or_default(),
            auc: m.auc,
        })
        .collect();
    body.push_str(r#"<section class="card" id="roc"><h2>ROC curves</h2><p>Flag as risky every organisation scoring at or below a threshold: each curve shows, as the threshold rises, the share of breached organisations flagged against the share of breach-free ones. The diagonal is chance; the area under a curve is its AUC.</p>"#);
    body.push_str(&roc_chart(
        "roc-chart",
        "ROC curves: breached organisations flagged against breach-free ones",
        &curves,
    ));
    body.push_str("</section>");

    // Calibration, one chart per model.
    body.push_str(r#"<section class="card" id="calibration"><h2>Breach likelihood by grade</h2><p>The breach rate of each grade divided by grade A's. SecurityScorecard publishes B 2.9×, C 5.4×, D 9.2×, F 13.8× for its own grades. Each model's grades are its own letters (see the methodology).</p>"#);
    for (i, m) in e.models.iter().enumerate() {
        let id = anchor("calibration", i + 1, &m.model);
        let rows: Vec<GradeLikelihood> = m
            .by_grade
            .iter()
            .map(|r| GradeLikelihood {
                grade: r.grade,
                organizations: r.organizations,
                breached: r.breached,
                rate: r.rate,
                relative: r.relative,
            })
            .collect();
        let _ = write!(body, "<h3>{}</h3>", Escaped(&m.model));
        body.push_str(&likelihood_chart(
            &id,
            &format!("Breach likelihood by grade, relative to A: {}", m.model),
            &rows,
        ));
    }
    body.push_str("</section>");

    // Spearman matrix.
    body.push_str(r#"<section class="card" id="spearman"><h2>Rank correlation</h2><div class="table-wrap"><table class="stack"><caption>Spearman's rho between the models' scores, over the organisations both score (1: the same order)</caption><thead><tr><th>model</th>"#);
    for m in &e.models {
        let _ = write!(body, r#"<th class="n">{}</th>"#, Escaped(&m.model));
    }
    body.push_str("</tr></thead><tbody>");
    for a in &e.models {
        let _ = write!(
            body,
            r#"<tr><td data-label="model"><code>{}</code></td>"#,
            Escaped(&a.model)
        );
        for b in &e.models {
            let rho = if a.model == b.model {
                "1".to_owned()
            } else {
                e.spearman
                    .iter()
                    .find(|s| {
                        (s.a == a.model && s.b == b.model) || (s.a == b.model && s.b == a.model)
                    })
                    .map_or_else(|| "—".to_owned(), |s| dash(s.rho))
            };
            let _ = write!(
                body,
                r#"<td class="n" data-label="{}">{}</td>"#,
                Escaped(&b.model),
                Escaped(&rho)
            );
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table></div></section>");

    // Method.
    let _ = write!(
        body,
        r#"<section class="card" id="method"><h2>How the figures are computed</h2><ul class="plain"><li><b>AUC</b>: the probability that a breached organisation scores below one that was not, ties counting half; an exact fraction, rounded half to even to four decimals.</li><li><b>95 % interval</b>: percentiles 2.5 and 97.5 of the AUC over {} stratified bootstrap resamples (seed {}), the same resamples for every model.</li><li><b>Brier</b>: the mean squared error of a logistic regression of the outcome on the score, fitted on the same organisations.</li><li><b>By grade</b>: organisations and breaches per letter {}, the rate, and the rate over grade A's. Organisations a model cannot score (no data) are counted under ? and left out of every other figure.</li><li><b>Rank correlation</b>: Spearman's rho with mid-ranks for ties.</li></ul><p>The same corpus gives the same figures, to the last digit, on every machine and with any number of threads. <code>posture eval --scores-out</code> writes every score, so each figure can be recomputed.</p></section>"#,
        e.bootstrap.resamples,
        e.bootstrap.seed,
        grade_badge(posture_core::Grade::A),
    );
    page(
        &format!(
            "Model comparison on {} organisations",
            e.corpus.organizations
        ),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{CorpusConfig, generate, parse_corpus};
    use crate::{BootstrapOptions, evaluate, registry};

    #[test]
    fn the_page_keeps_the_report_crates_promises() {
        let catalog = posture_core::Catalog::builtin();
        let text = generate(&CorpusConfig::default(), &catalog, 3, 300, 0..300)
            .unwrap_or_default()
            .concat();
        let corpus = parse_corpus(&text, &catalog).unwrap_or_else(|e| panic!("{e}"));
        let r = registry();
        let models: Vec<_> = r
            .ids()
            .iter()
            .filter_map(|id| r.build(id, &serde_json::Value::Null).ok())
            .collect();
        let run = evaluate(&corpus, &models, BootstrapOptions::new(20, 1));
        let html = render(&run);
        let problems = posture_report::audit::check(&html);
        assert!(problems.is_empty(), "{problems:#?}");
        // One ROC chart and one calibration chart per model.
        assert_eq!(posture_report::chart_count(&html), 1 + models.len());
        for id in r.ids() {
            assert!(html.contains(id), "{id}");
        }
    }
}
