//! `posture demo`: scores a built-in sample portfolio, every grade present,
//! and shows the planner on the weakest organisation.

use crate::Format;
use crate::error::CliError;
use crate::score_cmd::render_json;
use crate::table;
use posture::{Catalog, FindingsDocument, Grade, PostureV1, Scorecard, Target};
use posture_core::input::{BatchShape, parse_batch, split_documents};
use serde::Serialize;
use std::fmt::Write;

/// The sample portfolio: findings documents of fictional organisations on
/// reserved names (RFC 2606) and documentation addresses (RFC 5737).
pub const SAMPLE: &str = include_str!("../data/demo-portfolio.json");

/// What the demo prints as JSON.
#[derive(Debug, Serialize)]
pub struct DemoOutput {
    /// Every organisation's scorecard, best first.
    pub scorecards: Vec<Scorecard>,
    /// The planner's answer for the weakest organisation, target B.
    pub improve: posture::Plan,
}

/// Scores the sample and builds the output.
pub fn build() -> Result<DemoOutput, CliError> {
    let catalog = Catalog::builtin();
    let (_, docs) =
        split_documents(SAMPLE).map_err(|e| CliError::Internal(format!("demo data: {e}")))?;
    let assessments = parse_batch(&docs, |d| {
        FindingsDocument::from_json(d.text)?.validate(catalog.clone())
    })
    .map_err(|e| CliError::Internal(format!("demo data: {e}")))?;
    let model = PostureV1::default();
    let mut scored: Vec<_> = posture::score_batch(&model, &assessments)
        .into_iter()
        .zip(&assessments)
        .collect();
    scored.sort_by(|(a, _), (b, _)| {
        b.fraction
            .cmp(&a.fraction)
            .then_with(|| a.organization.cmp(&b.organization))
    });
    let (_, weakest) = scored
        .last()
        .ok_or_else(|| CliError::Internal("demo data is empty".into()))?;
    let improve = posture::plan(&model, weakest, Target::Grade(Grade::B))
        .map_err(|e| CliError::Internal(format!("demo plan: {e}")))?;
    Ok(DemoOutput {
        scorecards: scored.into_iter().map(|(c, _)| c).collect(),
        improve,
    })
}

/// Runs the demo.
pub fn run(format: Format) -> Result<String, CliError> {
    let out = build()?;
    if format == Format::Json {
        return render_json(BatchShape::Single, std::slice::from_ref(&out));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Posture demo: scoring a sample portfolio of {} organisations with posture-v1",
        out.scorecards.len()
    );
    let catalog = Catalog::builtin();
    let digest: String = catalog.digest().chars().take(19).collect();
    let _ = writeln!(
        s,
        "(catalog {}, {} issue types, {digest}…)\n",
        catalog.id(),
        catalog.len()
    );
    let _ = writeln!(
        s,
        "{:<36} {:>7}  {:<5} {:>10}",
        "organization", "score", "grade", "likelihood"
    );
    for c in &out.scorecards {
        let f = c.fraction.unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<36} {:>7}  {:<5} {:>9}x  {}",
            c.organization,
            c.score.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
            c.grade,
            c.breach_likelihood
                .map(|x| x.to_string())
                .unwrap_or_else(|| "—".into()),
            table::bar(f)
        );
    }
    if let Some(worst) = out.scorecards.last() {
        let _ = writeln!(s, "\nThe weakest organisation in detail:\n");
        s.push_str(&table::scorecard(worst));
    }
    let _ = writeln!(s, "\nWhat it should fix first to reach a B:\n");
    s.push_str(&table::plan(&out.improve));
    let _ = writeln!(
        s,
        "\nScore your own findings with: posture score --input FILE (see README.md)"
    );
    Ok(s)
}
