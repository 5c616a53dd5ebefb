//! `posture batch`: score every organisation of three tables, or compute
//! every portfolio's CSR, with one DataFusion query, here or on a Ballista
//! cluster; write one Parquet file.
//!
//! Inputs are Parquet, CSV (with a header) or NDJSON, told apart by their
//! extension (`.parquet`/`.pq`, `.csv`, `.ndjson`/`.jsonl`/`.json`):
//!
//! | table | columns |
//! |---|---|
//! | organizations | `organization` text, `as_of` timestamp (UTC) or RFC 3339 text, `assessed_factors` list of text (optional, nullable) |
//! | assets | `organization`, `asset` (host name, IP address or CIDR block) |
//! | findings | `organization`, `issue`, `asset`, `status` text, `first_seen`, `last_seen` timestamps |
//! | portfolios | `organization` text, `as_of` |
//! | entities | `organization` (the portfolio), `kind` (`domain`/`vendor`), `entity` (domain name or vendor id); optional `name`, `in_use`, `criticality`, `open_risks` (list of severities) |
//! | scores | `organization`, `fraction` text (what `posture batch` writes) |
//!
//! In CSV a list is one cell: items separated by `;`, `,` or spaces, or a
//! JSON array. Extra columns are ignored.
//!
//! The output has one row per organisation (or portfolio), sorted by
//! `organization`: `organization`, `score` (2 decimals, null for `?`),
//! `fraction`, `grade` — or `csr`, `fraction`, `grade` for portfolios.
//! Every value is what `posture score` (or `posture csr`) prints for the
//! same data, digit for digit.
//!
//! Nothing is written unless every row is valid: the output goes to a
//! temporary file beside `--out` and is renamed into place at the end. A
//! bad row fails the run with the file, the row (1-based, header
//! excluded) and the column.

use crate::Scoring;
use crate::functions::FunctionError;
use crate::locate;
use crate::passes::{Slice, View, input_bytes, run_planned};
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::arrow::array::AsArray;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::DataFusionError;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{FunctionRegistry, SessionStateBuilder};
use datafusion::prelude::{
    CsvReadOptions, JsonReadOptions, ParquetReadOptions, SessionConfig, SessionContext,
};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The query of `posture batch`: one row per organisation, its assets and
/// findings gathered into lists, scored by `posture_score`. `FULL JOIN`s,
/// so that assets or findings of an organisation without a row of its own
/// fail the run instead of vanishing.
pub const SCORE_SQL: &str = "\
WITH a AS (
  SELECT organization, array_agg(asset) AS assets FROM assets GROUP BY organization
), f AS (
  SELECT organization,
         array_agg(named_struct('issue', issue, 'asset', asset, 'status', status,
                                'first_seen', first_seen, 'last_seen', last_seen)) AS findings
  FROM findings GROUP BY organization
), oa AS (
  SELECT coalesce(o.organization, a.organization) AS organization,
         o.as_of, o.assessed_factors, a.assets
  FROM organizations o FULL JOIN a ON a.organization = o.organization
), s AS (
  SELECT coalesce(oa.organization, f.organization) AS organization,
         posture_score(coalesce(oa.organization, f.organization), oa.as_of,
                       oa.assessed_factors, oa.assets, f.findings) AS r
  FROM oa FULL JOIN f ON f.organization = oa.organization
)
SELECT organization, r['score'] AS score, r['fraction'] AS fraction, r['grade'] AS grade
FROM s ORDER BY organization";

/// [`SCORE_SQL`] with a table of breaches (`organization`, `date`), the
/// query of `posture batch --breaches`.
pub const SCORE_SQL_WITH_BREACHES: &str = "\
WITH a AS (
  SELECT organization, array_agg(asset) AS assets FROM assets GROUP BY organization
), f AS (
  SELECT organization,
         array_agg(named_struct('issue', issue, 'asset', asset, 'status', status,
                                'first_seen', first_seen, 'last_seen', last_seen)) AS findings
  FROM findings GROUP BY organization
), b AS (
  SELECT organization, array_agg(date) AS breaches FROM breaches GROUP BY organization
), oa AS (
  SELECT coalesce(o.organization, a.organization) AS organization,
         o.as_of, o.assessed_factors, a.assets
  FROM organizations o FULL JOIN a ON a.organization = o.organization
), oaf AS (
  SELECT coalesce(oa.organization, f.organization) AS organization,
         oa.as_of, oa.assessed_factors, oa.assets, f.findings
  FROM oa FULL JOIN f ON f.organization = oa.organization
), s AS (
  SELECT coalesce(x.organization, b.organization) AS organization,
         posture_score(coalesce(x.organization, b.organization), x.as_of,
                       x.assessed_factors, x.assets, x.findings, b.breaches) AS r
  FROM oaf x FULL JOIN b ON b.organization = x.organization
)
SELECT organization, r['score'] AS score, r['fraction'] AS fraction, r['grade'] AS grade
FROM s ORDER BY organization";

/// The query of `posture batch csr`: each portfolio's entities, with the
/// fraction of the organisation each is scored as (`scores.organization =
/// entities.entity`), ordered by kind (own domains first) then id, and
/// aggregated by `posture_csr`.
pub const CSR_SQL: &str = "\
WITH e AS (
  SELECT e.organization,
         array_agg(named_struct('kind', e.kind, 'entity', e.entity, 'name', e.name,
                                'in_use', e.in_use, 'criticality', e.criticality,
                                'open_risks', e.open_risks, 'fraction', s.fraction)
                   ORDER BY e.kind, e.entity) AS entities
  FROM entities e LEFT JOIN scores s ON s.organization = e.entity
  GROUP BY e.organization
), c AS (
  SELECT coalesce(p.organization, e.organization) AS organization,
         posture_csr(coalesce(p.organization, e.organization), p.as_of, e.entities) AS r
  FROM portfolios p FULL JOIN e ON e.organization = p.organization
)
SELECT organization, r['csr'] AS csr, r['fraction'] AS fraction, r['grade'] AS grade
FROM c ORDER BY organization";

/// Where the query runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Cluster {
    /// DataFusion in this process.
    #[default]
    Local,
    /// A Ballista scheduler and executor started in this process.
    Standalone,
    /// A running Ballista cluster: its scheduler's `df://HOST:PORT`.
    Remote(String),
}

impl std::str::FromStr for Cluster {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "standalone" {
            return Ok(Cluster::Standalone);
        }
        if let Some(rest) = s.strip_prefix("df://")
            && !rest.is_empty()
        {
            return Ok(Cluster::Remote(s.to_owned()));
        }
        Err(format!(
            "`{s}` is neither `standalone` nor a scheduler URL `df://HOST:PORT`"
        ))
    }
}

/// How a batch runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Partitions the query runs in (and, for `Standalone`, the
    /// executor's task slots).
    pub threads: usize,
    /// Bytes the query's operators may hold; beyond it sorts and
    /// aggregations spill to temporary files.
    pub memory_limit: usize,
    /// Where the query runs.
    pub cluster: Cluster,
    /// Passes over ranges of organisations (default: estimated from the
    /// inputs' sizes and `memory_limit`; a pass that runs out of memory is
    /// split). The result does not depend on it.
    pub passes: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            memory_limit: 1 << 30,
            cluster: Cluster::Local,
            passes: None,
        }
    }
}

impl Options {
    /// Options with `threads` partitions and the default memory limit (1
    /// GiB), local.
    pub fn with_threads(threads: usize) -> Options {
        Options {
            threads: threads.max(1),
            ..Options::default()
        }
    }
}

/// A size in bytes: a number with an optional unit `K`, `M`, `G` or `T`
/// (binary: 1K = 1024 bytes), e.g. `512M`.
///
/// ```
/// use posture_datafusion::batch::parse_size;
/// assert_eq!(parse_size("512M"), Ok(512 << 20));
/// assert_eq!(parse_size("1g"), Ok(1 << 30));
/// assert_eq!(parse_size("4096"), Ok(4096));
/// assert!(parse_size("lots").is_err());
/// ```
///
/// # Errors
/// Anything else, or a size that does not fit.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (number, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("`{s}`: the unit must be K, M, G or T")),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let n: usize = number
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 512M, 2G)"))?;
    n.checked_mul(1usize << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("`{s}` is not a size between 1 byte and the address space"))
}

/// The three tables of `posture batch`.
#[derive(Debug, Clone)]
pub struct ScoreInputs {
    /// One row per organisation.
    pub organizations: PathBuf,
    /// The footprints.
    pub assets: PathBuf,
    /// The findings.
    pub findings: PathBuf,
    /// Publicly known breaches (`organization`, `date`), if any.
    pub breaches: Option<PathBuf>,
}

/// The three tables of `posture batch csr`.
#[derive(Debug, Clone)]
pub struct CsrInputs {
    /// One row per portfolio.
    pub portfolios: PathBuf,
    /// Each portfolio's own domains and vendors.
    pub entities: PathBuf,
    /// Organisations' scores (the output of `posture batch`).
    pub scores: PathBuf,
}

/// What a finished batch wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Rows (organisations or portfolios) written.
    pub rows: u64,
}

/// Why a batch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// A bad input row or column (exit code 2).
    #[error("{0}")]
    Input(InputError),
    /// The command was given something it cannot use (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed (exit code 1).
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The engine failed (exit code 1).
    #[error("{0}")]
    Engine(String),
}

impl BatchError {
    /// The exit code `posture batch` ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            BatchError::Input(_) | BatchError::Usage(_) => 2,
            BatchError::Io { .. } | BatchError::Engine(_) => 1,
        }
    }
}

/// A bad input: the file, the row (1-based, without a CSV header) and the
/// column where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file.
    pub file: PathBuf,
    /// The row, when the problem is one row's.
    pub row: Option<u64>,
    /// The column, when the problem is one column's.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(r) = self.row {
            write!(f, ": row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ": column {c}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

pub(crate) fn input(
    file: &Path,
    row: Option<u64>,
    column: Option<&str>,
    message: impl Into<String>,
) -> BatchError {
    BatchError::Input(InputError {
        file: file.to_owned(),
        row,
        column: column.map(str::to_owned),
        message: message.into(),
    })
}

/// A file format, from the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Parquet,
    Csv,
    NdJson,
}

pub(crate) fn format_of(path: &Path) -> Result<(Format, String), BatchError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let format = match ext.as_str() {
        "parquet" | "pq" => Format::Parquet,
        "csv" => Format::Csv,
        "ndjson" | "jsonl" | "json" => Format::NdJson,
        _ => {
            return Err(BatchError::Usage(format!(
                "{}: cannot tell the format: name the file .parquet, .csv or .ndjson",
                path.display()
            )));
        }
    };
    let original = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    Ok((format, format!(".{original}")))
}

/// A column a table may have: its name, whether it is required, the
/// Arrow type NDJSON is read as, and the check of a file's own type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub required: bool,
    pub kind: Kind,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Instant,
    /// An instant, or a bare date (midnight UTC).
    Date,
    TextList,
    Flag,
    /// Text or an exact decimal.
    Decimal,
}

impl Kind {
    fn json_type(self) -> DataType {
        match self {
            Kind::Text | Kind::Instant | Kind::Date | Kind::Decimal => DataType::Utf8,
            Kind::TextList => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            Kind::Flag => DataType::Boolean,
        }
    }

    fn accepts(self, t: &DataType) -> bool {
        let text = |t: &DataType| {
            matches!(
                t,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
            ) || matches!(t, DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View))
        };
        match self {
            Kind::Text => text(t),
            Kind::Instant => text(t) || matches!(t, DataType::Timestamp(..)),
            Kind::Date => text(t) || matches!(t, DataType::Timestamp(..) | DataType::Date32),
            Kind::TextList => {
                text(t)
                    || matches!(t, DataType::List(f) | DataType::LargeList(f) if text(f.data_type()))
            }
            Kind::Flag => text(t) || matches!(t, DataType::Boolean),
            Kind::Decimal => {
                text(t) || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..))
            }
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Instant => "a timestamp or RFC 3339 text",
            Kind::Date => "a date (Date32, a timestamp, or text YYYY-MM-DD or RFC 3339)",
            Kind::TextList => "a list of text (or text)",
            Kind::Flag => "a boolean",
            Kind::Decimal => "text or a decimal",
        }
    }
}

const fn col(name: &'static str, required: bool, kind: Kind) -> Column {
    Column {
        name,
        required,
        kind,
    }
}

pub(crate) const ORGANIZATIONS: &[Column] = &[
    col("organization", true, Kind::Text),
    col("as_of", true, Kind::Instant),
    col("assessed_factors", false, Kind::TextList),
];
pub(crate) const ASSETS: &[Column] = &[
    col("organization", true, Kind::Text),
    col("asset", true, Kind::Text),
];
pub(crate) const FINDINGS: &[Column] = &[
    col("organization", true, Kind::Text),
    col("issue", true, Kind::Text),
    col("asset", true, Kind::Text),
    col("status", true, Kind::Text),
    col("first_seen", true, Kind::Instant),
    col("last_seen", true, Kind::Instant),
];
pub(crate) const BREACHES: &[Column] = &[
    col("organization", true, Kind::Text),
    col("date", true, Kind::Date),
];
pub(crate) const PORTFOLIOS: &[Column] = &[
    col("organization", true, Kind::Text),
    col("as_of", true, Kind::Instant),
];
pub(crate) const ENTITIES: &[Column] = &[
    col("organization", true, Kind::Text),
    col("kind", true, Kind::Text),
    col("entity", true, Kind::Text),
    col("name", false, Kind::Text),
    col("in_use", false, Kind::Flag),
    col("criticality", false, Kind::Text),
    col("open_risks", false, Kind::TextList),
];
pub(crate) const SCORES: &[Column] = &[
    col("organization", true, Kind::Text),
    col("fraction", true, Kind::Decimal),
];

/// The schema NDJSON files are read with.
pub(crate) fn json_schema_of(columns: &[Column]) -> Schema {
    Schema::new(
        columns
            .iter()
            .map(|c| Field::new(c.name, c.kind.json_type(), true))
            .collect::<Vec<_>>(),
    )
}

/// A CSV file's header as a schema of text columns.
pub(crate) fn csv_schema_of(path: &Path) -> Result<Schema, BatchError> {
    let file = std::fs::File::open(path).map_err(|source| BatchError::Io {
        path: path.to_owned(),
        source,
    })?;
    let (schema, _) = datafusion::arrow::csv::reader::Format::default()
        .with_header(true)
        .infer_schema(std::io::BufReader::new(file), Some(0))
        .map_err(|e| {
            input(
                path,
                None,
                None,
                format!("not a CSV file with a header: {e}"),
            )
        })?;
    Ok(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ))
}

/// Registers `path` as table `name` and checks its columns; returns the
/// names of optional columns it lacks (the query reads them as nulls).
pub(crate) async fn register(
    ctx: &SessionContext,
    name: &str,
    path: &Path,
    columns: &[Column],
) -> Result<Vec<&'static str>, BatchError> {
    let (format, ext) = format_of(path)?;
    if !path.is_file() {
        return Err(BatchError::Io {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let url = absolute(path)?;
    let engine = |e: DataFusionError| input(path, None, None, e.to_string());
    match format {
        Format::Parquet => ctx
            .register_parquet(
                name,
                &url,
                ParquetReadOptions::default().file_extension(&ext),
            )
            .await
            .map_err(engine)?,
        Format::Csv => {
            let schema = csv_schema_of(path)?;
            ctx.register_csv(
                name,
                &url,
                CsvReadOptions::new()
                    .has_header(true)
                    .schema(&schema)
                    .file_extension(&ext),
            )
            .await
            .map_err(engine)?
        }
        Format::NdJson => {
            let schema = json_schema_of(columns);
            ctx.register_json(
                name,
                &url,
                JsonReadOptions::default()
                    .schema(&schema)
                    .file_extension(&ext),
            )
            .await
            .map_err(engine)?
        }
    }
    let table = ctx
        .table_provider(name)
        .await
        .map_err(|e| BatchError::Engine(e.to_string()))?;
    check_columns(path, &table.schema(), columns)
}

fn check_columns(
    path: &Path,
    schema: &SchemaRef,
    columns: &[Column],
) -> Result<Vec<&'static str>, BatchError> {
    let mut missing = Vec::new();
    for c in columns {
        match schema.field_with_name(c.name) {
            Ok(f) => {
                if !c.kind.accepts(f.data_type()) {
                    return Err(input(
                        path,
                        None,
                        Some(c.name),
                        format!(
                            "must be {}, found Arrow type {}",
                            c.kind.describe(),
                            f.data_type()
                        ),
                    ));
                }
            }
            Err(_) if c.required => {
                return Err(input(
                    path,
                    None,
                    Some(c.name),
                    format!(
                        "missing (the file has {})",
                        schema
                            .fields()
                            .iter()
                            .map(|f| f.name().as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            Err(_) => missing.push(c.name),
        }
    }
    Ok(missing)
}

fn absolute(path: &Path) -> Result<String, BatchError> {
    let p = std::path::absolute(path).map_err(|source| BatchError::Io {
        path: path.to_owned(),
        source,
    })?;
    p.to_str()
        .map(str::to_owned)
        .ok_or_else(|| BatchError::Usage(format!("{}: the path is not UTF-8", path.display())))
}

/// Every input is read through a view over its file (`NAME_file`): the
/// view supplies missing optional columns as nulls, so the query text stays
/// the same, and in a run of several passes it keeps only one range of
/// organisations.
async fn fill_missing(
    ctx: &SessionContext,
    name: &str,
    columns: &[Column],
    missing: &[&str],
) -> Result<View, BatchError> {
    let raw = format!("{name}_file");
    let table = ctx
        .deregister_table(name)
        .map_err(|e| BatchError::Engine(e.to_string()))?
        .ok_or_else(|| BatchError::Engine(format!("table {name} vanished")))?;
    ctx.register_table(raw.as_str(), table)
        .map_err(|e| BatchError::Engine(e.to_string()))?;
    let view = View {
        name: name.to_owned(),
        select: columns
            .iter()
            .map(|c| {
                if missing.contains(&c.name) {
                    format!("CAST(NULL AS VARCHAR) AS {}", c.name)
                } else {
                    c.name.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    view.register(ctx, &Slice::ALL).await?;
    Ok(view)
}

/// The least `Options::memory_limit` accepted: DataFusion reserves 10 MiB
/// for each sort's merge.
pub const MIN_MEMORY_LIMIT: usize = 64 << 20;

/// A session with the functions registered, for `options`.
///
/// # Errors
/// A memory limit under [`MIN_MEMORY_LIMIT`], or a cluster that cannot be
/// reached.
pub async fn session(scoring: Scoring, options: &Options) -> Result<SessionContext, BatchError> {
    if options.memory_limit < MIN_MEMORY_LIMIT {
        return Err(BatchError::Usage(format!(
            "--memory-limit {} is under the least a query can sort in ({} MiB)",
            options.memory_limit,
            MIN_MEMORY_LIMIT >> 20
        )));
    }
    let threads = options.threads.max(1);
    let mut config = SessionConfig::new_with_ballista()
        .with_target_partitions(threads)
        .with_ballista_standalone_parallelism(threads)
        .with_information_schema(false);
    // Sort-merge joins stream both sides in key order and spill under the
    // memory pool; hash joins would hold a whole side.
    config.options_mut().optimizer.prefer_hash_join = false;
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(options.memory_limit)))
        .build_arc()
        .map_err(|e| BatchError::Engine(e.to_string()))?;
    let mut state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .build();
    let aggregates = scoring.clone().into_aggregate_functions();
    for f in &aggregates {
        state
            .register_udaf(Arc::new(f.clone()))
            .map_err(|e| BatchError::Engine(e.to_string()))?;
    }
    let functions = scoring.into_functions();
    for f in &functions {
        state
            .register_udf(Arc::new(f.clone()))
            .map_err(|e| BatchError::Engine(e.to_string()))?;
    }
    let engine = |e: DataFusionError| BatchError::Engine(format!("ballista: {e}"));
    let ctx = match &options.cluster {
        Cluster::Local => return Ok(SessionContext::new_with_state(state)),
        // The in-process scheduler and executor take `state` with the
        // functions in it.
        Cluster::Standalone => SessionContext::standalone_with_state(state)
            .await
            .map_err(engine)?,
        Cluster::Remote(url) => SessionContext::remote_with_state(url, state)
            .await
            .map_err(engine)?,
    };
    // Ballista's client state replaces the functions with its own
    // set; the client plans the SQL, so it needs ours back.
    for f in functions {
        ctx.register_udf(f);
    }
    for f in aggregates {
        ctx.register_udaf(f);
    }
    Ok(ctx)
}

/// `posture batch`: scores every organisation of `inputs` into the Parquet
/// file `out`.
///
/// # Errors
/// A bad input (located), a file that cannot be read or written, an engine
/// or cluster failure.
pub async fn score(
    scoring: Scoring,
    inputs: &ScoreInputs,
    out: &Path,
    options: &Options,
) -> Result<Summary, BatchError> {
    let catalog = scoring.catalog().clone();
    let fingerprint = scoring.fingerprint().to_owned();
    let ctx = session(scoring, options).await?;
    let mut tables = vec![
        (
            "organizations",
            inputs.organizations.as_path(),
            ORGANIZATIONS,
        ),
        ("assets", inputs.assets.as_path(), ASSETS),
        ("findings", inputs.findings.as_path(), FINDINGS),
    ];
    if let Some(b) = &inputs.breaches {
        tables.push(("breaches", b.as_path(), BREACHES));
    }
    let views = register_all(&ctx, &tables).await?;
    let sql = match inputs.breaches {
        Some(_) => SCORE_SQL_WITH_BREACHES,
        None => SCORE_SQL,
    };
    check_engine(&ctx, &options.cluster, &fingerprint, "organizations").await?;
    let bytes = input_bytes(&tables.iter().map(|t| t.1).collect::<Vec<_>>());
    match run_planned(
        &ctx,
        views,
        "organizations",
        bytes,
        options,
        sql,
        "score",
        out,
    )
    .await
    {
        Ok(s) => Ok(s),
        Err(Failure::Engine(e @ BatchError::Io { .. })) => Err(e),
        Err(failure) => Err(locate::score(inputs, &catalog)
            .await?
            .unwrap_or_else(|| failure.into_error(&inputs.organizations))),
    }
}

/// `posture batch csr`: every portfolio's CSR into the Parquet file `out`.
///
/// # Errors
/// As [`score`].
pub async fn csr(
    scoring: Scoring,
    inputs: &CsrInputs,
    out: &Path,
    options: &Options,
) -> Result<Summary, BatchError> {
    let fingerprint = scoring.fingerprint().to_owned();
    let ctx = session(scoring, options).await?;
    let mut views = register_all(
        &ctx,
        &[
            ("portfolios", inputs.portfolios.as_path(), PORTFOLIOS),
            ("entities", inputs.entities.as_path(), ENTITIES),
            ("scores", inputs.scores.as_path(), SCORES),
        ],
    )
    .await?;
    // The scores are looked up by entity, not by portfolio: only the
    // portfolios and their entities are cut by organisation.
    views.retain(|v| v.name != "scores");
    check_engine(&ctx, &options.cluster, &fingerprint, "portfolios").await?;
    let bytes = input_bytes(&[inputs.entities.as_path()]);
    match run_planned(
        &ctx,
        views,
        "portfolios",
        bytes,
        options,
        CSR_SQL,
        "csr",
        out,
    )
    .await
    {
        Ok(s) => Ok(s),
        Err(Failure::Engine(e @ BatchError::Io { .. })) => Err(e),
        Err(failure) => Err(locate::csr(inputs)
            .await?
            .unwrap_or_else(|| failure.into_error(&inputs.portfolios))),
    }
}

/// Registers each `(table, file, columns)` and its view; the views, in
/// order.
async fn register_all(
    ctx: &SessionContext,
    tables: &[(&str, &Path, &[Column])],
) -> Result<Vec<View>, BatchError> {
    let mut views = Vec::with_capacity(tables.len());
    for &(name, path, columns) in tables {
        let missing = register(ctx, name, path, columns).await?;
        views.push(fill_missing(ctx, name, columns, &missing).await?);
    }
    Ok(views)
}

/// On a cluster, every executor that runs a task must score with this
/// client's catalog and parameters: the functions are looked up by name
/// there, and a name says nothing of the parameters behind it.
async fn check_engine(
    ctx: &SessionContext,
    cluster: &Cluster,
    fingerprint: &str,
    table: &str,
) -> Result<(), BatchError> {
    if *cluster == Cluster::Local {
        return Ok(());
    }
    let df = ctx
        .sql(&format!(
            "SELECT DISTINCT posture_engine() AS engine FROM {table}"
        ))
        .await
        .map_err(|e| BatchError::Engine(e.to_string()))?;
    let batches = df
        .collect()
        .await
        .map_err(|e| BatchError::Engine(format!("ballista: {e}")))?;
    for b in &batches {
        let a =
            cast(b.column(0), &DataType::Utf8).map_err(|e| BatchError::Engine(e.to_string()))?;
        for v in a.as_string::<i32>().iter().flatten() {
            if v != fingerprint {
                return Err(BatchError::Usage(format!(
                    "the cluster's executors score with `{v}`, this command with `{fingerprint}`: \
                     start them with the same --catalog and --model-config"
                )));
            }
        }
    }
    Ok(())
}

/// Why the query failed, before the inputs are searched for the row.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Two rows for one organisation.
    Duplicate(String),
    /// One pass over everything ran out of memory: plan passes.
    OutOfMemory(String),
    /// Anything else (the engine's message).
    Engine(BatchError),
}

impl Failure {
    fn into_error(self, organizations: &Path) -> BatchError {
        match self {
            Failure::Duplicate(org) => input(
                organizations,
                None,
                Some("organization"),
                format!(
                    "organization `{}` has more than one row",
                    posture_core::escape_controls(&org)
                ),
            ),
            Failure::OutOfMemory(e) => BatchError::Engine(format!(
                "the query ran out of memory: raise --memory-limit ({e})"
            )),
            Failure::Engine(e) => e,
        }
    }
}

pub(crate) fn engine_failure(e: DataFusionError) -> Failure {
    // A function's error is an input problem even where no row can be
    // named (a cluster returns errors as text).
    let function = e.find_root();
    if let DataFusionError::External(inner) = function
        && inner.downcast_ref::<FunctionError>().is_some()
    {
        return Failure::Engine(BatchError::Usage(function.to_string()));
    }
    let text = e.to_string();
    if text.contains("posture_score: organization") || text.contains("posture_csr: organization") {
        return Failure::Engine(BatchError::Usage(text));
    }
    Failure::Engine(BatchError::Engine(text))
}
