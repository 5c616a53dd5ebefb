//! `posture batch` and `posture batch csr`: scoring tables (Parquet, CSV or
//! NDJSON) with Apache DataFusion, in this process or on a Ballista cluster
//! (`posture-datafusion`). The results are Parquet files with the same
//! scores, fractions and grades `posture score` and `posture csr` print.

use crate::error::CliError;
use crate::score_cmd::{load_catalog, load_config};
use posture_datafusion::Scoring;
use posture_datafusion::batch::{self, BatchError, Cluster, CsrInputs, Options, ScoreInputs};
use std::path::Path;

/// How a batch command runs (`--ballista`, `--threads`, `--memory-limit`).
pub struct Engine<'a> {
    /// `standalone` or `df://HOST:PORT`, or local DataFusion when `None`.
    pub ballista: Option<&'a str>,
    /// Partitions (default: the cores).
    pub threads: Option<usize>,
    /// `--memory-limit` as given (e.g. `512M`).
    pub memory_limit: Option<&'a str>,
    /// `--catalog`.
    pub catalog: Option<&'a Path>,
    /// `--model-config`.
    pub model_config: Option<&'a Path>,
}

impl Engine<'_> {
    fn options(&self) -> Result<Options, CliError> {
        let mut options = match self.threads {
            Some(0) => return Err(CliError::Usage("--threads must be at least 1".into())),
            Some(n) => Options::with_threads(n),
            None => Options::default(),
        };
        if let Some(m) = self.memory_limit {
            options.memory_limit = batch::parse_size(m)
                .map_err(|e| CliError::Usage(format!("--memory-limit: {e}")))?;
        }
        if let Some(b) = self.ballista {
            options.cluster = b
                .parse::<Cluster>()
                .map_err(|e| CliError::Usage(format!("--ballista: {e}")))?;
        }
        Ok(options)
    }

    fn scoring(&self) -> Result<Scoring, CliError> {
        let catalog = load_catalog(self.catalog)?;
        let config = load_config(self.model_config)?;
        Scoring::new(catalog, &config).map_err(|e| CliError::Input(format!("model config: {e}")))
    }
}

/// `posture batch`: one row per organisation into `out`.
pub fn score(inputs: ScoreInputs, out: &Path, engine: &Engine<'_>) -> Result<String, CliError> {
    let options = engine.options()?;
    let scoring = engine.scoring()?;
    let summary = runtime(&options)?.block_on(batch::score(scoring, &inputs, out, &options));
    let summary = summary.map_err(cli_error)?;
    Ok(format!(
        "{} organisation(s) scored into {}\n",
        summary.rows,
        out.display()
    ))
}

/// `posture batch csr`: one row per portfolio into `out`.
pub fn csr(inputs: CsrInputs, out: &Path, engine: &Engine<'_>) -> Result<String, CliError> {
    let options = engine.options()?;
    let scoring = engine.scoring()?;
    let summary = runtime(&options)?.block_on(batch::csr(scoring, &inputs, out, &options));
    let summary = summary.map_err(cli_error)?;
    Ok(format!(
        "{} portfolio(s) aggregated into {}\n",
        summary.rows,
        out.display()
    ))
}

fn runtime(options: &Options) -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("starting the query runtime: {e}")))
}

fn cli_error(e: BatchError) -> CliError {
    match e {
        BatchError::Io { path, source } => CliError::Io {
            path: path.display().to_string(),
            source,
        },
        other if other.exit_code() == 2 => CliError::Input(other.to_string()),
        other => CliError::Engine(other.to_string()),
    }
}
