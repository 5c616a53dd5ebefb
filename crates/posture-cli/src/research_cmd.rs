//! `posture corpus generate`, `posture corpus` and `posture eval`: thin
//! wiring of `posture-research` (files in, files and text out).

use crate::Format;
use crate::error::CliError;
use crate::io::read_file;
use crate::score_cmd::{load_catalog, load_config};
use crate::table::{self, Table, left, right};
use posture_research::corpus::{Corpus, CorpusConfig, generate, parse_corpus};
use posture_research::{BootstrapOptions, EvalRun, Evaluation};
use std::io::{Read, Write};
use std::path::Path;

/// Organisations drawn and written per step of `corpus generate`.
const CHUNK: u64 = 8_192;

/// The input named `-` (standard input) or a file, as text.
fn read_input(input: &str) -> Result<String, CliError> {
    if input == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|source| CliError::Io {
                path: "<stdin>".to_owned(),
                source,
            })?;
        Ok(s)
    } else {
        read_file(Path::new(input))
    }
}

fn input_name(input: &str) -> &str {
    if input == "-" { "<stdin>" } else { input }
}

/// Reads and validates a corpus, every record before any is used.
fn load_corpus(input: &str, catalog: Option<&Path>) -> Result<Corpus, CliError> {
    let catalog = load_catalog(catalog)?;
    let text = read_input(input)?;
    parse_corpus(&text, &catalog)
        .map_err(|e| CliError::Input(format!("{}: {e}", input_name(input))))
}

/// A rayon pool of `threads` (the global one when `None`), running `f`.
fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, CliError> {
    match threads {
        None => Ok(f()),
        Some(0) => Err(CliError::Usage("--threads must be at least 1".into())),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| CliError::Internal(format!("thread pool: {e}"))),
    }
}

/// What `posture corpus generate` is asked.
pub struct GenerateOptions<'a> {
    /// Organisations.
    pub orgs: u64,
    /// The seed.
    pub seed: u64,
    /// A corpus configuration file.
    pub config: Option<&'a Path>,
    /// Where to write (standard output when `None`).
    pub out: Option<&'a Path>,
    /// Threads.
    pub threads: Option<usize>,
}

/// `posture corpus generate`: the NDJSON corpus, written as it is drawn.
pub fn corpus_generate(o: &GenerateOptions<'_>) -> Result<String, CliError> {
    let config = match o.config {
        None => CorpusConfig::default(),
        Some(p) => CorpusConfig::from_json(&read_file(p)?)
            .map_err(|e| CliError::Input(format!("{}: {e}", p.display())))?,
    };
    config
        .validate()
        .map_err(|e| CliError::Input(format!("corpus config: {e}")))?;
    let catalog = posture_core::Catalog::builtin();
    let (path, sink): (String, Box<dyn Write>) = match o.out {
        Some(p) => (
            p.display().to_string(),
            Box::new(std::fs::File::create(p).map_err(|source| CliError::Io {
                path: p.display().to_string(),
                source,
            })?),
        ),
        None => ("<stdout>".to_owned(), Box::new(std::io::stdout().lock())),
    };
    let mut sink = std::io::BufWriter::with_capacity(1 << 20, sink);
    let io = |source: std::io::Error| CliError::Io {
        path: path.clone(),
        source,
    };
    let mut start = 0;
    while start < o.orgs {
        let end = (start + CHUNK).min(o.orgs);
        let lines = with_threads(o.threads, || {
            generate(&config, &catalog, o.seed, o.orgs, start..end)
        })?
        .map_err(|e| CliError::Input(format!("corpus config: {e}")))?;
        for l in lines {
            match sink.write_all(l.as_bytes()) {
                Ok(()) => {}
                // `| head`: the reader has what it wanted.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe && o.out.is_none() => {
                    return Ok(String::new());
                }
                Err(e) => return Err(io(e)),
            }
        }
        start = end;
    }
    match sink.flush() {
        Err(e) if !(e.kind() == std::io::ErrorKind::BrokenPipe && o.out.is_none()) => Err(io(e)),
        _ => Ok(String::new()),
    }
}

/// `posture corpus FILE`: a corpus checked and summarised.
pub fn corpus_summary(
    input: &str,
    catalog: Option<&Path>,
    format: Format,
) -> Result<String, CliError> {
    let corpus = load_corpus(input, catalog)?;
    let s = corpus.summary();
    match format {
        Format::Json => Ok(serde_json::to_string(&s)? + "\n"),
        Format::Table => {
            let mut out = table::wrapped(
                "",
                &format!(
                    "corpus: {}, {} breached within twelve months ({})",
                    table::count(s.organizations, "organisation", "organisations"),
                    s.breached,
                    percent(s.breached, s.organizations)
                ),
                table::width(),
            );
            let mut t = Table::new(2, &[left(""), left("")]);
            t.row(vec![
                "not rated".into(),
                format!("{} (no findings, no assessed factor)", s.not_rated),
            ]);
            t.row(vec!["findings".into(), s.findings.to_string()]);
            let as_of = match (s.first_as_of, s.last_as_of) {
                (Some(a), Some(b)) if a == b => table::when(a),
                (Some(a), Some(b)) => format!("{} to {}", table::when(a), table::when(b)),
                _ => "—".to_owned(),
            };
            t.row(vec!["as of".into(), as_of]);
            t.row(vec!["catalog".into(), table::cell(&s.catalog.id)]);
            out.push_str(&t.render(table::width()));
            Ok(out)
        }
    }
}

fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        "—".to_owned()
    } else {
        format!("{:.2} %", 100.0 * n as f64 / of as f64)
    }
}

/// What `posture eval` is asked.
pub struct EvalOptions<'a> {
    /// The corpus (`-` for standard input).
    pub input: &'a str,
    /// Model ids, comma separated (default: every registered model).
    pub models: Option<&'a str>,
    /// A catalog file.
    pub catalog: Option<&'a Path>,
    /// A model configuration file.
    pub model_config: Option<&'a Path>,
    /// Where to write one line per (organisation, model).
    pub scores_out: Option<&'a Path>,
    /// Where to write the HTML report.
    pub report: Option<&'a Path>,
    /// The bootstrap.
    pub bootstrap: BootstrapOptions,
    /// Threads.
    pub threads: Option<usize>,
    /// Output format.
    pub format: Format,
}

/// The models asked for, each built from its section of the model
/// configuration (posture-v1 from `score`, the others from
/// `models.<id>`).
fn build_models(
    list: Option<&str>,
    config_path: Option<&Path>,
) -> Result<Vec<Box<dyn posture::ScoringModel>>, CliError> {
    let registry = posture_research::registry();
    let config = load_config(config_path)?;
    let name = config_path.map_or_else(|| "model config".to_owned(), |p| p.display().to_string());
    let bad = |e: posture_core::Error| CliError::Input(format!("{name}: {e}"));
    for id in config.models.keys() {
        if id == posture::score::POSTURE_V1 {
            return Err(CliError::Input(format!(
                "{name}: models.{id}: posture-v1 takes its parameters from `score`"
            )));
        }
        if !registry.contains(id) {
            return Err(CliError::Input(format!(
                "{name}: models.{}: unknown model; known: {}",
                posture_core::echo(id),
                registry.ids().join(", ")
            )));
        }
    }
    let ids: Vec<String> = match list {
        None => registry.ids().iter().map(|s| (*s).to_owned()).collect(),
        Some(l) => l
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    if ids.is_empty() {
        return Err(CliError::Usage("--models: name at least one model".into()));
    }
    let mut models: Vec<Box<dyn posture::ScoringModel>> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(CliError::Usage(format!(
                "--models: `{}` is named twice",
                posture_core::echo(id)
            )));
        }
        if !registry.contains(id) {
            return Err(CliError::Usage(format!(
                "--models: unknown model `{}`; known: {}",
                posture_core::echo(id),
                registry.ids().join(", ")
            )));
        }
        let model = if id == posture::score::POSTURE_V1 {
            let params = serde_json::to_value(&config.score)?;
            registry
                .build(id, &params)
                .map_err(|e| bad(e.within("score")))?
        } else {
            let params = config
                .models
                .get(id)
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            registry
                .build(id, &params)
                .map_err(|e| bad(e.within(&format!("models.{id}"))))?
        };
        models.push(model);
    }
    Ok(models)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// `posture eval`.
pub fn eval(o: &EvalOptions<'_>) -> Result<String, CliError> {
    let models = build_models(o.models, o.model_config)?;
    let corpus = load_corpus(o.input, o.catalog)?;
    let run = with_threads(o.threads, || {
        posture_research::evaluate(&corpus, &models, o.bootstrap)
    })?;
    if let Some(path) = o.scores_out {
        let mut text = Vec::with_capacity(64 * run.organizations.len() * models.len());
        for line in run.score_lines() {
            serde_json::to_writer(&mut text, &line)?;
            text.push(b'\n');
        }
        write_file(path, &text)?;
    }
    if let Some(path) = o.report {
        write_file(path, posture_research::report::render(&run).as_bytes())?;
    }
    match o.format {
        Format::Json => Ok(serde_json::to_string(&run.evaluation)? + "\n"),
        Format::Table => Ok(eval_table(&run, table::width())),
    }
}

/// What a cell of a by-grade table shows.
#[derive(Clone, Copy)]
enum Cell {
    Rate,
    Count,
}

fn dash(d: Option<rust_decimal::Decimal>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| d.to_string())
}

/// The evaluation for people: the comparison, breach likelihood and
/// organisations by grade, and the rank correlations.
pub fn eval_table(run: &EvalRun, width: usize) -> String {
    let e: &Evaluation = &run.evaluation;
    let mut s = table::wrapped(
        "",
        &format!(
            "{}, {} breached within twelve months ({}); lower scores should mean more breaches.",
            table::count(e.corpus.organizations, "organisation", "organisations"),
            e.corpus.breached,
            percent(e.corpus.breached, e.corpus.organizations)
        ),
        width,
    );
    s.push('\n');
    let mut t = Table::new(
        0,
        &[
            left("model"),
            right("AUC"),
            right("95% interval"),
            right("Brier"),
            right("F to A"),
        ],
    );
    for m in &e.models {
        t.row(vec![
            table::cell(&m.model),
            dash(m.auc),
            m.auc_ci
                .map_or_else(|| "—".to_owned(), |[lo, hi]| format!("{lo}–{hi}")),
            dash(m.brier),
            m.f_to_a()
                .map_or_else(|| "—".to_owned(), |x| format!("{x}x")),
        ]);
    }
    s.push_str(&t.render(width));
    s.push('\n');
    s.push_str(&table::wrapped(
        "",
        "Breach likelihood by grade, relative to A (published by SecurityScorecard: B 2.9, C 5.4, D 9.2, F 13.8):",
        width,
    ));
    let grades = ["A", "B", "C", "D", "F"];
    let mut t = Table::new(
        2,
        &[
            left("model"),
            right("A"),
            right("B"),
            right("C"),
            right("D"),
            right("F"),
        ],
    );
    for m in &e.models {
        let mut row = vec![table::cell(&m.model)];
        for g in grades {
            let r = m.by_grade.iter().find(|r| r.grade.as_str() == g);
            row.push(
                r.and_then(|r| r.relative)
                    .map_or_else(|| "—".to_owned(), |x| format!("{x}x")),
            );
        }
        t.row(row);
    }
    s.push_str(&t.render(width));
    for (heading, what) in [
        ("Breach rate by grade:", Cell::Rate),
        ("Organisations by grade (? = not scored):", Cell::Count),
    ] {
        s.push('\n');
        s.push_str(&table::wrapped("", heading, width));
        let mut t = Table::new(
            2,
            &[
                left("model"),
                right("A"),
                right("B"),
                right("C"),
                right("D"),
                right("F"),
                right("?"),
            ],
        );
        for m in &e.models {
            let mut row = vec![table::cell(&m.model)];
            for g in grades.iter().chain(&["?"]) {
                let r = m.by_grade.iter().find(|r| r.grade.as_str() == *g);
                row.push(match (what, r) {
                    (Cell::Rate, Some(r)) => r.rate.map_or_else(
                        || "—".to_owned(),
                        |x| format!("{:.2}%", x * rust_decimal::Decimal::ONE_HUNDRED),
                    ),
                    (Cell::Count, Some(r)) => r.organizations.to_string(),
                    (Cell::Rate, None) => "—".to_owned(),
                    (Cell::Count, None) => "0".to_owned(),
                });
            }
            t.row(row);
        }
        s.push_str(&t.render(width));
    }
    if !e.spearman.is_empty() {
        s.push('\n');
        s.push_str(&table::wrapped(
            "",
            "Spearman rank correlation between the models' scores:",
            width,
        ));
        let mut t = Table::new(2, &[left(""), left(""), right("")]);
        for r in &e.spearman {
            t.row(vec![table::cell(&r.a), table::cell(&r.b), dash(r.rho)]);
        }
        s.push_str(&t.render(width));
    }
    s.push('\n');
    s.push_str(&table::wrapped(
        "",
        &format!(
            "AUC intervals: {} bootstrap resamples, seed {}. Every score: --scores-out FILE; charts: --report FILE.html.",
            e.bootstrap.resamples, e.bootstrap.seed
        ),
        width,
    ));
    s
}
