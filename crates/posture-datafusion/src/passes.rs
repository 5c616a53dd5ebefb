//! Cutting a batch into passes over ranges of organisations, and running
//! them: the views each pass reads through, the ranges, how many passes a
//! run starts with, and the writer that streams each pass's rows into the
//! output. See [`run`] for why.

use crate::batch::{BatchError, Failure, Options, Summary, engine_failure};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::DataFusionError;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One input's view: its columns, over `NAME_file`.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub(crate) name: String,
    pub(crate) select: String,
}

impl View {
    pub(crate) async fn register(
        &self,
        ctx: &SessionContext,
        slice: &Slice,
    ) -> Result<(), BatchError> {
        let e = |e: DataFusionError| BatchError::Engine(e.to_string());
        ctx.deregister_table(self.name.as_str()).map_err(e)?;
        let mut df = ctx
            .sql(&format!("SELECT {} FROM {}_file", self.select, self.name))
            .await
            .map_err(e)?;
        if let Some(filter) = slice.filter() {
            df = df.filter(filter).map_err(e)?;
        }
        ctx.register_table(self.name.as_str(), df.into_view())
            .map_err(e)?;
        Ok(())
    }
}

/// A range of organisations, `[lo, hi)` by byte order (`None`: unbounded);
/// the first range also holds rows whose organisation is null (so that
/// they fail the run as they would in one pass).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slice {
    lo: Option<String>,
    hi: Option<String>,
    /// The fine buckets it spans, `[first, end)`, for splitting it.
    buckets: (usize, usize),
}

impl Slice {
    pub(crate) const ALL: Slice = Slice {
        lo: None,
        hi: None,
        buckets: (0, 1),
    };

    /// The filter of this range. Built as an expression, never as SQL
    /// text: organisation names come from the input.
    fn filter(&self) -> Option<datafusion::prelude::Expr> {
        use datafusion::prelude::{col, lit};
        let org = || col("organization");
        match (&self.lo, &self.hi) {
            (None, None) => None,
            (None, Some(hi)) => Some(org().lt(lit(hi.clone())).or(org().is_null())),
            (Some(lo), None) => Some(org().gt_eq(lit(lo.clone()))),
            (Some(lo), Some(hi)) => {
                Some(org().gt_eq(lit(lo.clone())).and(org().lt(lit(hi.clone()))))
            }
        }
    }

    /// The slice of buckets `[first, end)` of `bounds` (bucket `k` ends
    /// before `bounds[k]`).
    fn of(bounds: &[String], first: usize, end: usize) -> Slice {
        Slice {
            lo: first.checked_sub(1).and_then(|k| bounds.get(k)).cloned(),
            hi: end.checked_sub(1).and_then(|k| bounds.get(k)).cloned(),
            buckets: (first, end),
        }
    }
}

/// Runs `sql` and writes its rows to `out` (through a temporary file
/// renamed at the end), checking that organisations are unique.
///
/// Memory: collecting each organisation's findings into a list holds them
/// all until the aggregation ends, so a batch larger than the memory limit
/// runs in passes, each over one range of organisations (in every table
/// alike), in key order. The number of passes is estimated from the input
/// files' sizes; a pass that still runs out of memory is split in two and
/// run again. Each pass's rows (a few per organisation) are written only
/// once it succeeded.
async fn run(
    ctx: &SessionContext,
    sql: &str,
    score: &str,
    out: &Path,
    plan: &Passes,
) -> Result<Summary, Failure> {
    let io = |source: std::io::Error| {
        Failure::Engine(BatchError::Io {
            path: out.to_owned(),
            source,
        })
    };
    let other = |e: String| Failure::Engine(BatchError::Engine(e));
    let schema = Arc::new(Schema::new(vec![
        Field::new("organization", DataType::Utf8, false),
        Field::new(score, DataType::Utf8, true),
        Field::new("fraction", DataType::Utf8, true),
        Field::new("grade", DataType::Utf8, false),
    ]));
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".posture-batch-")
        .suffix(".parquet")
        .tempfile_in(&dir)
        .map_err(io)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("posture {}", env!("CARGO_PKG_VERSION")))
        .build();
    let file = tmp.reopen().map_err(io)?;
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
        .map_err(|e| other(e.to_string()))?;
    let mut rows = 0u64;
    let mut last: Option<String> = None;
    let mut todo: std::collections::VecDeque<Slice> = plan.slices().into();
    while let Some(slice) = todo.pop_front() {
        if plan.passes() > 1 {
            for view in &plan.views {
                view.register(ctx, &slice).await.map_err(Failure::Engine)?;
            }
        }
        let batches = match collect(ctx, sql).await {
            Ok(b) => b,
            Err(e) if is_out_of_memory(&e) && slice.buckets.1 - slice.buckets.0 > 1 => {
                let (first, end) = slice.buckets;
                let mid = first + (end - first) / 2;
                todo.push_front(Slice::of(&plan.bounds, mid, end));
                todo.push_front(Slice::of(&plan.bounds, first, mid));
                continue;
            }
            Err(e) if is_out_of_memory(&e) && plan.bounds.is_empty() => {
                return Err(Failure::OutOfMemory(e.to_string()));
            }
            Err(e) if is_out_of_memory(&e) => {
                return Err(Failure::Engine(BatchError::Engine(format!(
                    "the query needs more memory than --memory-limit ({} bytes) for organisations \
                     from {} to {}: raise the limit ({e})",
                    plan.memory_limit,
                    slice.lo.as_deref().unwrap_or("the first"),
                    slice.hi.as_deref().unwrap_or("the last"),
                ))));
            }
            Err(e) => return Err(engine_failure(e)),
        };
        for batch in batches {
            let columns = batch
                .columns()
                .iter()
                .map(|c| cast(c, &DataType::Utf8))
                .collect::<Result<Vec<ArrayRef>, _>>()
                .map_err(|e| other(e.to_string()))?;
            let orgs = columns[0].as_string::<i32>();
            for i in 0..orgs.len() {
                if orgs.is_null(i) {
                    return Err(other("an output row has no organization".to_owned()));
                }
                let org = orgs.value(i);
                if last.as_deref() == Some(org) {
                    return Err(Failure::Duplicate(org.to_owned()));
                }
                last = Some(org.to_owned());
            }
            rows += batch.num_rows() as u64;
            let batch =
                RecordBatch::try_new(schema.clone(), columns).map_err(|e| other(e.to_string()))?;
            writer.write(&batch).map_err(|e| other(e.to_string()))?;
        }
    }
    writer.close().map_err(|e| other(e.to_string()))?;
    tmp.persist(out).map_err(|e| io(e.error))?;
    Ok(Summary { rows })
}

/// Plans the passes and runs them; when a single pass over everything
/// runs out of memory (the estimate was low), plans four passes and runs
/// again.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_planned(
    ctx: &SessionContext,
    views: Vec<View>,
    key_table: &str,
    bytes: u64,
    options: &Options,
    sql: &str,
    score: &str,
    out: &Path,
) -> Result<Summary, Failure> {
    let passes = plan_passes(ctx, views.clone(), key_table, bytes, options)
        .await
        .map_err(Failure::Engine)?;
    match run(ctx, sql, score, out, &passes).await {
        Err(Failure::OutOfMemory(_)) if options.passes.is_none() => {
            let mut more = options.clone();
            more.passes = Some(4);
            let passes = plan_passes(ctx, views, key_table, bytes, &more)
                .await
                .map_err(Failure::Engine)?;
            run(ctx, sql, score, out, &passes).await
        }
        other => other,
    }
}

async fn collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, DataFusionError> {
    let df = ctx.sql(sql).await?;
    let mut stream = df.execute_stream().await?;
    let mut out = Vec::new();
    while let Some(batch) = stream.next().await {
        out.push(batch?);
    }
    Ok(out)
}

fn is_out_of_memory(e: &DataFusionError) -> bool {
    matches!(e.find_root(), DataFusionError::ResourcesExhausted(_))
        || e.to_string().contains("Resources exhausted")
}

/// How a run is cut into passes: the views to restrict, the fine bucket
/// bounds, and the first cut.
#[derive(Debug, Default)]
struct Passes {
    views: Vec<View>,
    /// Sorted, distinct organisations: bucket `k` ends before `bounds[k]`.
    bounds: Vec<String>,
    /// Passes to start with (each spans whole buckets).
    first: usize,
    memory_limit: usize,
}

impl Passes {
    fn passes(&self) -> usize {
        self.first.max(1)
    }

    fn slices(&self) -> Vec<Slice> {
        let buckets = self.bounds.len() + 1;
        let n = self.passes().min(buckets);
        if n <= 1 {
            return vec![Slice::of(&self.bounds, 0, buckets)];
        }
        (0..n)
            .map(|k| Slice::of(&self.bounds, k * buckets / n, (k + 1) * buckets / n))
            .collect()
    }
}

/// Buckets per pass: a pass that runs out of memory can be split this
/// many times over.
const BUCKETS_PER_PASS: usize = 8;

/// Plans the passes for inputs of `bytes` (on disk) under `options`.
async fn plan_passes(
    ctx: &SessionContext,
    views: Vec<View>,
    key_table: &str,
    bytes: u64,
    options: &Options,
) -> Result<Passes, BatchError> {
    // Lists of findings take several times their compressed size on disk;
    // half the pool is left to joins and sorts.
    let want = match options.passes {
        Some(n) => n.max(1),
        None => {
            let need = bytes.saturating_mul(8);
            let budget = (options.memory_limit as u64 / 2).max(1);
            usize::try_from(need.div_ceil(budget))
                .unwrap_or(usize::MAX)
                .max(1)
        }
    };
    let mut plan = Passes {
        views,
        bounds: Vec::new(),
        first: 1,
        memory_limit: options.memory_limit,
    };
    if want <= 1 {
        return Ok(plan);
    }
    let e = |e: DataFusionError| BatchError::Engine(e.to_string());
    let count = collect(
        ctx,
        &format!("SELECT count(DISTINCT organization) FROM {key_table}_file"),
    )
    .await
    .map_err(e)?;
    let distinct = count
        .first()
        .and_then(|b| cast(b.column(0), &DataType::UInt64).ok())
        .and_then(|a| {
            a.as_primitive_opt::<datafusion::arrow::datatypes::UInt64Type>()
                .filter(|a| !a.is_empty() && a.is_valid(0))
                .map(|a| a.value(0))
        })
        .unwrap_or(0);
    let buckets = want.saturating_mul(BUCKETS_PER_PASS) as u64;
    let step = distinct.div_ceil(buckets.max(1)).max(1);
    let df = ctx
        .sql(&format!(
            "SELECT DISTINCT organization FROM {key_table}_file \
             WHERE organization IS NOT NULL ORDER BY organization"
        ))
        .await
        .map_err(e)?;
    let mut stream = df.execute_stream().await.map_err(e)?;
    let mut seen = 0u64;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(e)?;
        let a = cast(batch.column(0), &DataType::Utf8)
            .map_err(|x| BatchError::Engine(x.to_string()))?;
        for v in a.as_string::<i32>().iter().flatten() {
            if seen > 0 && seen % step == 0 {
                plan.bounds.push(v.to_owned());
            }
            seen += 1;
        }
    }
    plan.first = want.min(plan.bounds.len() + 1);
    Ok(plan)
}

/// The bytes of the files a run reads (the basis of its passes).
pub(crate) fn input_bytes(paths: &[&Path]) -> u64 {
    paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}
