//! `posture report`: the documents a user already has (scan, score, csr,
//! improve and workflow outputs) as one self-contained HTML file, rendered
//! by `posture-report`.
//!
//! Every input file holds one JSON document, a JSON array of them, or
//! NDJSON. A bad document fails the run (exit 2) with one message naming
//! the file, the document and the field; nothing is written.

use crate::error::CliError;
use crate::io::read_file;
use clap::Args;
use posture_core::from_json_str;
use posture_core::input::split_documents;
use posture_csr::{CsrResult, Portfolio};
use posture_report::{ActionPlan, Part, PortfolioReport, ReportInput, ScanDocument};
use posture_score::{Improvement, Scorecard};
use std::path::{Path, PathBuf};

/// Options of `posture report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Scan output (`posture scan --format json`); repeat for more.
    #[arg(long, value_name = "FILE")]
    scan: Vec<PathBuf>,
    /// Scorecards (`posture score` output: one JSON object or NDJSON).
    #[arg(long, value_name = "FILE")]
    scorecards: Vec<PathBuf>,
    /// Portfolio results (`posture csr` output).
    #[arg(long, value_name = "FILE")]
    csr: Vec<PathBuf>,
    /// The portfolio documents the --csr results came from (matched by
    /// organisation): a section per vendor with its findings, and vendors
    /// without domains shown as not rated.
    #[arg(long, value_name = "FILE", requires = "csr")]
    portfolio: Vec<PathBuf>,
    /// Scorecards of one organisation over time (NDJSON or a JSON array):
    /// the trend chart.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// Plans: `posture improve` output, or action plans (`posture workflow
    /// query plan|sent|assigned --format json`); repeat for more.
    #[arg(long, value_name = "FILE")]
    plan: Vec<PathBuf>,
    /// Issue catalog file (JSON) for titles, risks and remediation instead
    /// of the built-in one.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Page title (default: from the organisations).
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// Where to write the HTML file (`-` for standard output).
    #[arg(short = 'o', long, value_name = "FILE.html|-")]
    out: PathBuf,
}

/// Where a document came from: for error messages.
#[derive(Debug, Clone)]
struct Origin {
    file: PathBuf,
    number: usize,
    line: usize,
}

impl Origin {
    fn error(&self, detail: impl std::fmt::Display) -> CliError {
        CliError::Input(format!(
            "{}: document {} (line {}): {detail}",
            self.file.display(),
            self.number,
            self.line
        ))
    }
}

/// Reads every document of a file as `T`, each with its origin.
fn documents<T: serde::de::DeserializeOwned>(file: &Path) -> Result<Vec<(T, Origin)>, CliError> {
    read_with(file, |text, _| {
        from_json_str::<T>(text).map_err(|e| e.to_string())
    })
}

fn read_with<T>(
    file: &Path,
    parse: impl Fn(&str, &Origin) -> Result<T, String>,
) -> Result<Vec<(T, Origin)>, CliError> {
    let text = read_file(file)?;
    let (_, docs) =
        split_documents(&text).map_err(|e| CliError::Input(format!("{}: {e}", file.display())))?;
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        let origin = Origin {
            file: file.to_path_buf(),
            number: d.number,
            line: d.line,
        };
        let value = parse(d.text, &origin).map_err(|e| origin.error(e))?;
        out.push((value, origin));
    }
    Ok(out)
}

/// A plan document: an improvement plan (`steps`) or an action plan
/// (`items`).
enum AnyPlan {
    Improvement(Box<Improvement>),
    Action(Box<ActionPlan>),
}

fn parse_plan(text: &str, _: &Origin) -> Result<AnyPlan, String> {
    let value: serde_json::Value = from_json_str(text).map_err(|e| e.to_string())?;
    if value.get("steps").is_some() {
        from_json_str::<Improvement>(text)
            .map(|p| AnyPlan::Improvement(Box::new(p)))
            .map_err(|e| e.to_string())
    } else if value.get("items").is_some() || value.get("progress").is_some() {
        from_json_str::<ActionPlan>(text)
            .map(|p| AnyPlan::Action(Box::new(p)))
            .map_err(|e| e.to_string())
    } else {
        Err(".: neither an improvement plan (`posture improve`: `steps`) nor an action plan (`posture workflow query plan`: `items`)".to_owned())
    }
}

/// Pairs each result with the first unused portfolio of its organisation.
fn pair_portfolios(
    results: Vec<(CsrResult, Origin)>,
    portfolios: Vec<(Portfolio, Origin)>,
) -> Result<(Vec<PortfolioReport>, Vec<Option<Origin>>), CliError> {
    let mut unused: Vec<Option<(Portfolio, Origin)>> = portfolios.into_iter().map(Some).collect();
    let mut reports = Vec::with_capacity(results.len());
    let mut origins = Vec::with_capacity(results.len());
    for (result, _) in results {
        let found = unused.iter_mut().find(|p| {
            p.as_ref()
                .is_some_and(|(doc, _)| doc.organization == result.organization)
        });
        match found.and_then(Option::take) {
            Some((doc, origin)) => {
                reports.push(PortfolioReport::new(result).with_portfolio(doc));
                origins.push(Some(origin));
            }
            None => {
                reports.push(PortfolioReport::new(result));
                origins.push(None);
            }
        }
    }
    if let Some((doc, origin)) = unused.into_iter().flatten().next() {
        return Err(origin.error(format!(
            "organization: `{}` matches no --csr result (give the portfolio each result came from)",
            posture_core::echo(&doc.organization)
        )));
    }
    Ok((reports, origins))
}

/// `posture report`.
pub fn report(a: &ReportArgs) -> Result<String, CliError> {
    if a.scan.is_empty()
        && a.scorecards.is_empty()
        && a.csr.is_empty()
        && a.history.is_none()
        && a.plan.is_empty()
    {
        return Err(CliError::Usage(
            "name at least one input: --scan, --scorecards, --csr, --history or --plan".into(),
        ));
    }
    let catalog = crate::score_cmd::load_catalog(a.catalog.as_deref())?;
    let mut input = ReportInput::new();
    input.title = a.title.clone();

    for f in &a.scan {
        input
            .scans
            .extend(documents::<ScanDocument>(f)?.into_iter().map(|(d, _)| d));
    }
    for f in &a.scorecards {
        input
            .scorecards
            .extend(documents::<Scorecard>(f)?.into_iter().map(|(d, _)| d));
    }
    let mut results = Vec::new();
    for f in &a.csr {
        results.extend(documents::<CsrResult>(f)?);
    }
    let mut portfolios = Vec::new();
    for f in &a.portfolio {
        portfolios.extend(documents::<Portfolio>(f)?);
    }
    let (reports, portfolio_origins) = pair_portfolios(results, portfolios)?;
    input.portfolios = reports;
    let mut history_origins = Vec::new();
    if let Some(f) = &a.history {
        for (card, origin) in documents::<Scorecard>(f)? {
            input.history.push(card);
            history_origins.push(origin);
        }
    }
    for f in &a.plan {
        for (p, _) in read_with(f, parse_plan)? {
            match p {
                AnyPlan::Improvement(p) => input.improvements.push(*p),
                AnyPlan::Action(p) => input.action_plans.push(*p),
            }
        }
    }

    let html = posture_report::render(&input, &catalog).map_err(|e| {
        let origin = match e.location() {
            Some((Part::History, i)) => history_origins.get(i).cloned(),
            Some((Part::Portfolio, i)) => portfolio_origins.get(i).cloned().flatten(),
            _ => None,
        };
        match origin {
            Some(o) => o.error(e.detail()),
            None => CliError::Input(e.to_string()),
        }
    })?;
    if a.out.as_os_str() == "-" {
        return Ok(html);
    }
    std::fs::write(&a.out, &html).map_err(|source| CliError::Io {
        path: a.out.display().to_string(),
        source,
    })?;
    let documents = input.scans.len()
        + input.scorecards.len()
        + input.portfolios.len()
        + input.history.len()
        + input.improvements.len()
        + input.action_plans.len();
    Ok(format!(
        "wrote {} ({} KiB, {} document{}): open it in a browser\n",
        a.out.display(),
        html.len().div_ceil(1024),
        documents,
        if documents == 1 { "" } else { "s" }
    ))
}
