//! Posture's scoring on Apache DataFusion, and on Ballista clusters.
//!
//! A rating provider keeps findings in a data lake, not in NDJSON on one
//! disk. This crate meets that data where it is:
//!
//! - [`Scoring`] registers four SQL functions on a DataFusion
//!   `SessionContext`: `posture_score(...)` (posture-v1 over one
//!   organisation's lists), its aggregate form `posture_score_agg(...)`
//!   (over finding rows grouped by organisation), `posture_csr(...)`
//!   (csr-v1 over one portfolio of scored entities) and `posture_engine()`
//!   (the catalog and parameters they run with). They validate and score with the very code `posture
//!   score` and `posture csr` run, so their results are the same to the
//!   last digit. Decimals are text, as in every JSON output.
//! - [`batch`] is `posture batch`: three input files (Parquet, CSV or
//!   NDJSON) in, one Parquet file out, through [`batch::SCORE_SQL`] or
//!   [`batch::CSR_SQL`], on this machine or on a Ballista cluster, with
//!   memory bounded by a spilling pool and bad input located by file, row
//!   and column.
//! - [`cluster`] starts Ballista schedulers and executors that know the
//!   functions (the `posture-ballista` binary).
//!
//! The SQL a user writes (the tables are any files DataFusion reads):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> datafusion::error::Result<()> {
//! use datafusion::prelude::SessionContext;
//! let ctx = SessionContext::new();
//! posture_datafusion::Scoring::default().register(&ctx);
//! let df = ctx.sql(r#"
//!     SELECT (posture_score('acme', '2026-11-01T00:00:00Z', NULL, ['acme.example'],
//!         [named_struct('issue', 'spf_missing', 'asset', 'acme.example', 'status', 'open',
//!                       'first_seen', '2026-10-01T00:00:00Z', 'last_seen', '2026-10-30T00:00:00Z')]
//!     ))['grade'] AS grade"#).await?;
//! let batches = df.collect().await?;
//! let grade = datafusion::arrow::util::pretty::pretty_format_batches(&batches)?.to_string();
//! assert!(grade.contains("| B "), "{grade}");
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod batch;
pub mod cluster;
pub mod columns;
mod functions;
mod locate;
mod passes;

/// The DataFusion this crate is built on, so that a host registers the
/// functions on a `SessionContext` of the very same version.
pub use datafusion;
pub use functions::{
    CsrFunction, EngineFunction, FunctionError, ScoreAggregate, ScoreFunction, Scoring,
    ScoringError,
};

use datafusion::prelude::SessionContext;

impl Scoring {
    /// Registers `posture_score`, `posture_csr`, `posture_engine` and the
    /// aggregate `posture_score_agg` on a context.
    pub fn register(self, ctx: &SessionContext) {
        for f in self.clone().into_aggregate_functions() {
            ctx.register_udaf(f);
        }
        for f in self.into_functions() {
            ctx.register_udf(f);
        }
    }
}
