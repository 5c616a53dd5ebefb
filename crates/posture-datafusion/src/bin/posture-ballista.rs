//! `posture-ballista`: a Ballista scheduler or executor with Posture's
//! functions (`posture_score`, `posture_csr`, `posture_engine`), for
//! `posture batch --ballista df://HOST:PORT`.
//!
//! ```text
//! posture-ballista scheduler --bind 0.0.0.0:50050
//! posture-ballista executor --scheduler sched.example:50050 --bind 0.0.0.0:50051
//! ```
//!
//! Give every process the `--catalog` and `--model-config` the clients
//! use: `posture batch` refuses executors that score otherwise.

use clap::{Parser, Subcommand};
use posture_datafusion::Scoring;
use posture_datafusion::cluster::{self, ExecutorOptions};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// A Ballista scheduler or executor that knows Posture's functions.
#[derive(Debug, Parser)]
#[command(name = "posture-ballista", version, max_term_width = 100)]
struct Cli {
    /// Issue catalog file (JSON) to score with instead of the built-in one.
    #[arg(long, global = true, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Model parameters (JSON, `posture schema model-config`).
    #[arg(long, global = true, value_name = "FILE")]
    model_config: Option<PathBuf>,
    #[command(subcommand)]
    role: Role,
}

#[derive(Debug, Subcommand)]
enum Role {
    /// Run a scheduler.
    Scheduler {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:50050")]
        bind: SocketAddr,
        /// Host name executors and clients reach this scheduler by.
        #[arg(long, default_value = "localhost")]
        external_host: String,
    },
    /// Run an executor.
    Executor {
        /// The scheduler, HOST:PORT.
        #[arg(long, default_value = "localhost:50050")]
        scheduler: String,
        /// Address of the Flight (shuffle) service.
        #[arg(long, default_value = "127.0.0.1:50051")]
        bind: SocketAddr,
        /// Port of the task (gRPC) service.
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Host name the scheduler and other executors reach this one by.
        #[arg(long)]
        external_host: Option<String>,
        /// Concurrent tasks (default: the cores).
        #[arg(long)]
        task_slots: Option<usize>,
        /// Memory its queries may hold before they spill (e.g. 2G).
        #[arg(long, value_parser = posture_datafusion::batch::parse_size)]
        memory_limit: Option<usize>,
        /// Directory for shuffle files.
        #[arg(long)]
        work_dir: Option<PathBuf>,
    },
}

fn read(path: &Option<PathBuf>) -> Result<Option<String>, String> {
    path.as_ref()
        .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display())))
        .transpose()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("posture-ballista: error: {message}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> Result<(), (u8, String)> {
    // As `posture` loads them, so that both fingerprint the same catalog
    // (a catalog without an `id` is named after its file).
    let catalog = match &cli.catalog {
        None => posture::Catalog::builtin(),
        Some(p) => {
            let text = read(&cli.catalog).map_err(|e| (1, e))?.unwrap_or_default();
            std::sync::Arc::new(
                posture::catalog_from_file(&text, p)
                    .map_err(|e| (2, format!("{}: {e}", p.display())))?,
            )
        }
    };
    let config = match read(&cli.model_config).map_err(|e| (1, e))? {
        None => posture::ModelConfig::default(),
        Some(text) => {
            posture::ModelConfig::from_json(&text).map_err(|e| (2, format!("model config: {e}")))?
        }
    };
    let scoring = Scoring::new(catalog, &config).map_err(|e| (2, e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| (1, e.to_string()))?;
    let result = runtime.block_on(async move {
        match cli.role {
            Role::Scheduler {
                bind,
                external_host,
            } => cluster::scheduler(scoring, bind, &external_host).await,
            Role::Executor {
                scheduler,
                bind,
                grpc_port,
                external_host,
                task_slots,
                memory_limit,
                work_dir,
            } => {
                let (host, port) = scheduler
                    .rsplit_once(':')
                    .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
                    .ok_or_else(|| {
                        cluster::ClusterError(format!("--scheduler `{scheduler}` is not HOST:PORT"))
                    })?;
                let mut options = ExecutorOptions::default();
                options.scheduler_host = host;
                options.scheduler_port = port;
                options.bind_host = bind.ip().to_string();
                options.port = bind.port();
                options.grpc_port = grpc_port;
                options.external_host = external_host;
                options.memory_limit = memory_limit.map(|m| m as u64);
                options.work_dir = work_dir.map(|d| d.display().to_string());
                if let Some(n) = task_slots {
                    options.task_slots = n;
                }
                cluster::executor(scoring, options).await
            }
        }
    });
    result.map_err(|e| (1, e.to_string()))
}
