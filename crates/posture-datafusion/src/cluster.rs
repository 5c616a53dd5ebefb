//! Ballista processes that know Posture's functions.
//!
//! A Ballista client sends its plan to the scheduler, which decodes and
//! plans it, and the executors decode and run its stages. Functions travel
//! by name: the scheduler and every executor must have `posture_score`,
//! `posture_csr` and `posture_engine` registered, with the same catalog
//! and parameters as the client (`posture batch` checks the executors'
//! `posture_engine()` before it runs). The `posture-ballista` binary runs
//! these two functions:
//!
//! ```text
//! posture-ballista scheduler --bind 0.0.0.0:50050
//! posture-ballista executor --scheduler sched.example:50050 --bind 0.0.0.0:50051 --grpc-port 50052
//! posture batch --ballista df://sched.example:50050 --organizations ... --out scores.parquet
//! ```
//!
//! The input paths are opened by the executors: give paths they can read
//! (a shared file system).

use crate::Scoring;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use std::net::SocketAddr;
use std::sync::Arc;

/// Why a cluster process stopped.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ClusterError(pub String);

/// Runs a scheduler on `bind` until it is stopped; `external_host` is the
/// name executors and clients reach it by.
///
/// # Errors
/// The address cannot be bound, or the scheduler fails.
pub async fn scheduler(
    scoring: Scoring,
    bind: SocketAddr,
    external_host: &str,
) -> Result<(), ClusterError> {
    let aggregates: Vec<Arc<AggregateUDF>> = scoring
        .clone()
        .into_aggregate_functions()
        .into_iter()
        .map(Arc::new)
        .collect();
    let functions: Vec<Arc<ScalarUDF>> =
        scoring.into_functions().into_iter().map(Arc::new).collect();
    let config = SchedulerConfig::default()
        .with_hostname(external_host)
        .with_port(bind.port())
        .with_override_session_builder(Arc::new(move |config| {
            let mut state = ballista_core::utils::default_session_builder(config)?;
            for f in &functions {
                state.register_udf(f.clone())?;
            }
            for f in &aggregates {
                state.register_udaf(f.clone())?;
            }
            Ok(state)
        }));
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| ClusterError(format!("scheduler: {e}")))?;
    start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(|e| ClusterError(format!("scheduler: {e}")))
}

/// Where an executor listens and which scheduler it serves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExecutorOptions {
    /// The scheduler's host.
    pub scheduler_host: String,
    /// The scheduler's port.
    pub scheduler_port: u16,
    /// Address to bind the Flight (shuffle) service on.
    pub bind_host: String,
    /// The Flight service's port.
    pub port: u16,
    /// The gRPC (task) service's port.
    pub grpc_port: u16,
    /// The name the scheduler and other executors reach it by (default:
    /// `bind_host`).
    pub external_host: Option<String>,
    /// Concurrent tasks.
    pub task_slots: usize,
    /// Bytes its queries may hold before they spill.
    pub memory_limit: Option<u64>,
    /// Directory for shuffle files (default: a temporary directory).
    pub work_dir: Option<String>,
}

impl Default for ExecutorOptions {
    fn default() -> Self {
        ExecutorOptions {
            scheduler_host: "localhost".to_owned(),
            scheduler_port: 50050,
            bind_host: "127.0.0.1".to_owned(),
            port: 50051,
            grpc_port: 50052,
            external_host: None,
            task_slots: std::thread::available_parallelism().map_or(1, usize::from),
            memory_limit: None,
            work_dir: None,
        }
    }
}

/// Runs an executor until it is stopped.
///
/// # Errors
/// The scheduler cannot be reached, a port cannot be bound, or the
/// executor fails.
pub async fn executor(scoring: Scoring, options: ExecutorOptions) -> Result<(), ClusterError> {
    let mut registry = BallistaFunctionRegistry::default();
    for f in scoring.clone().into_aggregate_functions() {
        registry
            .aggregate_functions
            .insert(f.name().to_owned(), Arc::new(f));
    }
    for f in scoring.into_functions() {
        registry
            .scalar_functions
            .insert(f.name().to_owned(), Arc::new(f));
    }
    let config = ExecutorProcessConfig {
        scheduler_host: options.scheduler_host,
        scheduler_port: options.scheduler_port,
        bind_host: options.bind_host,
        port: options.port,
        grpc_port: options.grpc_port,
        external_host: options.external_host,
        vcores: options.task_slots.max(1),
        memory_pool_size: options.memory_limit,
        work_dir: options.work_dir,
        override_function_registry: Some(Arc::new(registry)),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| ClusterError(format!("executor: {e}")))
}
