//! The `posture` command: a thin reference host over Posture's libraries.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod batch;
mod demo;
mod error;
mod io;
mod report_cmd;
mod scan_cmd;
mod schema;
mod score_cmd;
mod table;
mod workflow_cmd;

use error::CliError;

/// Open external security ratings: score findings, plan improvements, read
/// the catalog and the wire schemas.
#[derive(Debug, Parser)]
#[command(name = "posture", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score findings documents (one, a JSON array, or NDJSON).
    Score(ScoreArgs),
    /// Plan the fewest issue types to fix to reach a grade or score.
    Improve(ImproveArgs),
    /// Aggregate portfolios (own domains and vendors) into a CSR score.
    Csr(CsrArgs),
    /// Scan domains, host names, IPs and CIDR blocks: signals, findings and
    /// the scorecard.
    Scan(ScanArgs),
    /// The action-plan workflow on a durable event store.
    Workflow {
        /// The SQLite event store (`apply` creates it when missing; queries
        /// open it read-only and never create it).
        #[arg(long, value_name = "FILE")]
        store: PathBuf,
        /// Issue catalog file (JSON) the workflow runs with instead of the
        /// built-in one: plan items must name its issue types.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
        #[command(subcommand)]
        command: WorkflowCommand,
    },
    /// SPF tools.
    Spf {
        #[command(subcommand)]
        command: SpfCommand,
    },
    /// List the checks a scan can run and the issues each can raise.
    Checks {
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// List the issue catalog.
    Catalog(CatalogArgs),
    /// Print the JSON Schema of a wire type, or write them all.
    Schema(SchemaArgs),
    /// The whole story offline: scan a sample world on an in-process DNS
    /// server, score, aggregate, plan, fix, rescan.
    Demo(DemoArgs),
    /// Turn scan, score, csr, improve and workflow outputs into one
    /// self-contained HTML report.
    Report(report_cmd::ReportArgs),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people (default on a terminal).
    Table,
    /// JSON for programs (default otherwise).
    Json,
}

#[derive(Debug, Args)]
struct ModelArgs {
    /// Issue catalog file (JSON) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Model parameters (JSON, see `posture schema model-config`).
    #[arg(long, value_name = "FILE")]
    model_config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ScoreArgs {
    /// Findings document(s): a file, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    input: String,
    #[command(flatten)]
    model: ModelArgs,
    /// Presentation scale of scores.
    #[arg(long, value_enum, default_value_t = ScaleArg::Hundred)]
    scale: ScaleArg,
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ScaleArg {
    Hundred,
    Upguard,
    Bitsight,
}

#[derive(Debug, Args)]
struct ImproveArgs {
    /// Findings document(s): a file, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    input: String,
    /// Target grade (A–F) or hundred-scale score (0–100).
    #[arg(long, value_name = "GRADE|SCORE")]
    target: String,
    #[command(flatten)]
    model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Targets: domains, host names, IP addresses, CIDR blocks (one
    /// organisation's footprint).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    /// Resolver to query (default: the system resolver).
    #[arg(long, value_name = "IP:PORT")]
    nameserver: Option<std::net::SocketAddr>,
    /// Checks to run, comma separated (default: all; `posture checks`
    /// lists them).
    #[arg(long, value_name = "LIST")]
    checks: Option<String>,
    /// TCP ports to probe on listed addresses: PORT (built-in table) or
    /// PORT=ISSUE, comma separated.
    #[arg(long, value_name = "LIST")]
    ports: Option<String>,
    /// DKIM selectors to probe, comma separated.
    #[arg(long, value_name = "LIST")]
    dkim_selectors: Option<String>,
    /// DNSBL zones to consult for listed addresses, comma separated.
    #[arg(long, value_name = "ZONES")]
    dnsbl: Option<String>,
    /// Queries and probes in flight at once.
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Threads the host names are split among (default: the machine's
    /// cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Per-query timeout in milliseconds.
    #[arg(long, value_name = "MS")]
    timeout: Option<u64>,
    /// Overall deadline in milliseconds.
    #[arg(long, value_name = "MS")]
    deadline: Option<u64>,
    /// Queries or probes per second.
    #[arg(long, value_name = "N")]
    rate: Option<u32>,
    /// Largest number of addresses a CIDR target may expand to.
    #[arg(long, value_name = "N")]
    max_addresses: Option<u64>,
    /// Organisation name for the findings document (default: the first
    /// target).
    #[arg(long, value_name = "NAME")]
    organization: Option<String>,
    #[command(flatten)]
    web: WebArgs,
    /// Write the findings document that `posture score` reads.
    #[arg(long, value_name = "FILE")]
    findings_out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// Where the web, TLS and mail checks connect, and what they trust.
#[derive(Debug, Args, Clone, Default)]
struct WebArgs {
    /// HTTPS port of every host and address.
    #[arg(long, value_name = "N", default_value_t = 443)]
    https_port: u16,
    /// HTTP port of every host.
    #[arg(long, value_name = "N", default_value_t = 80)]
    http_port: u16,
    /// SMTP port of every mail exchanger.
    #[arg(long, value_name = "N", default_value_t = 25)]
    smtp_port: u16,
    /// Extra trust anchors for certificate verification (PEM), beside the
    /// platform's roots.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Networks connections may go to, comma separated CIDR blocks
    /// (default: anywhere); a check that would connect elsewhere is
    /// inconclusive.
    #[arg(long, value_name = "CIDRS")]
    connect_within: Option<String>,
}

impl WebArgs {
    fn options(self) -> scan_cmd::WebOptions {
        scan_cmd::WebOptions {
            https_port: self.https_port,
            http_port: self.http_port,
            smtp_port: self.smtp_port,
            ca_file: self.ca_file,
            connect_within: self.connect_within,
        }
    }
}

#[derive(Debug, Subcommand)]
enum WorkflowCommand {
    /// Apply NDJSON commands `{"actor", "at", "command"}`, one response line
    /// each, written once durable.
    Apply {
        /// Commands: a file, or `-` for standard input (the default).
        #[arg(long, value_name = "FILE|-", default_value = "-")]
        input: String,
        /// Exit 2 when any line was refused (the responses are still
        /// printed).
        #[arg(long)]
        strict: bool,
    },
    /// Run the pending rescans with the collector and record the results.
    Rescan {
        /// Resolver to query (default: the system resolver).
        #[arg(long, value_name = "IP:PORT")]
        nameserver: Option<std::net::SocketAddr>,
        /// Per-query timeout in milliseconds.
        #[arg(long, value_name = "MS")]
        timeout: Option<u64>,
        /// Deadline of the whole run in milliseconds; an item not rescanned
        /// by then stays pending (inconclusive).
        #[arg(long, value_name = "MS")]
        deadline: Option<u64>,
        /// TCP ports to probe: PORT or PORT=ISSUE (default: the built-in
        /// ports of each pending issue).
        #[arg(long, value_name = "LIST")]
        ports: Option<String>,
        #[command(flatten)]
        web: WebArgs,
    },
    /// Read plans, contacts and outreach as an actor sees them.
    Query {
        /// What to read.
        #[arg(value_enum)]
        what: QueryKind,
        /// Who asks.
        #[arg(long, value_name = "USER")]
        actor: String,
        #[command(flatten)]
        args: workflow_cmd::QueryArgs,
        /// The instant to evaluate at (default: now).
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
}

/// Workflow query kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryKind {
    /// Plans assigned to the actor.
    Assigned,
    /// Plans the actor's organisation sent.
    Sent,
    /// One plan (`--id`).
    Plan,
    /// The contact manager list (with filters).
    Contacts,
    /// Counts of vendors contacted, claimed, active, expectations.
    Insights,
    /// Every event touching a contact (`--contact`).
    History,
    /// A vendor's open questionnaire risks (`--vendor`), in the portfolio
    /// format's shape.
    QuestionnaireRisks,
}

#[derive(Debug, Subcommand)]
enum SpfCommand {
    /// Evaluate SPF (RFC 7208 check_host) for a client IP and sender.
    Check {
        /// The connecting client's IP address.
        #[arg(long)]
        ip: std::net::IpAddr,
        /// MAIL FROM address (or a bare domain).
        #[arg(long, value_name = "ADDR")]
        sender: String,
        /// HELO/EHLO name.
        #[arg(long, value_name = "NAME")]
        helo: Option<String>,
        /// Resolver to query (default: the system resolver).
        #[arg(long, value_name = "IP:PORT")]
        nameserver: Option<std::net::SocketAddr>,
        /// Per-query timeout in milliseconds.
        #[arg(long, value_name = "MS")]
        timeout: Option<u64>,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
}

#[derive(Debug, Args)]
struct CsrArgs {
    /// Portfolio document(s): a file, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    input: String,
    #[command(flatten)]
    model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Debug, Args)]
struct CatalogArgs {
    /// Catalog file (JSON) to validate and list instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Debug, Args)]
struct SchemaArgs {
    /// Schema name (omit with --all; `posture schema --list` names them).
    name: Option<String>,
    /// Write every schema to --out.
    #[arg(long, requires = "out", conflicts_with = "name")]
    all: bool,
    /// Directory for --all.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// List the schema names.
    #[arg(long, conflicts_with_all = ["name", "all"])]
    list: bool,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Also write a self-contained HTML report (inline SVG charts).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Keep the workflow's SQLite store here (default: a temporary file),
    /// to explore it afterwards with `posture workflow`.
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

fn resolve(format: Option<Format>) -> Format {
    format.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        }
    })
}

/// What a command prints: text, or a batch's spooled results.
enum Output {
    Text(String),
    Spool(batch::Spool),
}

impl From<String> for Output {
    fn from(s: String) -> Output {
        Output::Text(s)
    }
}

impl From<batch::Spool> for Output {
    fn from(s: batch::Spool) -> Output {
        Output::Spool(s)
    }
}

fn run(cli: Cli) -> Result<Output, CliError> {
    match cli.command {
        Command::Score(a) => {
            let scale = match a.scale {
                ScaleArg::Hundred => posture::Scale::Hundred,
                ScaleArg::Upguard => posture::Scale::Upguard,
                ScaleArg::Bitsight => posture::Scale::Bitsight,
            };
            score_cmd::score(
                &a.input,
                a.model.catalog.as_deref(),
                a.model.model_config.as_deref(),
                scale,
                resolve(a.format),
            )
            .map(Output::from)
        }
        Command::Improve(a) => score_cmd::improve(
            &a.input,
            &a.target,
            a.model.catalog.as_deref(),
            a.model.model_config.as_deref(),
            resolve(a.format),
        )
        .map(Output::from),
        Command::Csr(a) => score_cmd::csr(
            &a.input,
            a.model.catalog.as_deref(),
            a.model.model_config.as_deref(),
            resolve(a.format),
        )
        .map(Output::from),
        other => run_text(other).map(Output::from),
    }
}

fn run_text(command: Command) -> Result<String, CliError> {
    match command {
        Command::Score(_) | Command::Improve(_) | Command::Csr(_) => {
            Err(CliError::Internal("batch commands are run by `run`".into()))
        }
        Command::Scan(a) => {
            let o = scan_cmd::ScanOptions {
                targets: a.targets,
                nameserver: a.nameserver,
                checks: a.checks,
                ports: a.ports,
                dkim_selectors: a.dkim_selectors,
                dnsbl: a.dnsbl,
                concurrency: a.concurrency,
                threads: a.threads,
                timeout_ms: a.timeout,
                deadline_ms: a.deadline,
                rate: a.rate,
                max_addresses: a.max_addresses,
                organization: a.organization,
                web: a.web.options(),
            };
            scan_cmd::scan(&o, a.findings_out.as_deref(), resolve(a.format))
        }
        Command::Workflow {
            store,
            catalog,
            command,
        } => {
            let catalog = score_cmd::load_catalog(catalog.as_deref())?;
            match command {
                WorkflowCommand::Apply { input, strict } => {
                    workflow_cmd::apply(&store, catalog, &input, strict)
                }
                WorkflowCommand::Rescan {
                    nameserver,
                    timeout,
                    deadline,
                    ports,
                    web,
                } => workflow_cmd::rescan(
                    &store,
                    catalog,
                    nameserver,
                    timeout,
                    deadline,
                    ports.as_deref(),
                    &web.options(),
                ),
                WorkflowCommand::Query {
                    what,
                    actor,
                    args,
                    at,
                    format,
                } => workflow_cmd::query(
                    &store,
                    &catalog,
                    what,
                    &actor,
                    &args,
                    at.as_deref(),
                    resolve(format),
                ),
            }
        }
        Command::Spf {
            command:
                SpfCommand::Check {
                    ip,
                    sender,
                    helo,
                    nameserver,
                    timeout,
                    format,
                },
        } => scan_cmd::spf_check(
            ip,
            &sender,
            helo.as_deref(),
            nameserver,
            timeout,
            resolve(format),
        ),
        Command::Checks { format } => scan_cmd::checks(resolve(format)),
        Command::Catalog(a) => score_cmd::catalog(a.catalog.as_deref(), resolve(a.format)),
        Command::Schema(a) => {
            if a.list {
                Ok(schema::names().join("\n") + "\n")
            } else if a.all {
                let dir = a
                    .out
                    .ok_or_else(|| CliError::Usage("--all needs --out DIR".into()))?;
                schema::write_all(&dir)?;
                Ok(String::new())
            } else {
                let name = a.name.ok_or_else(|| {
                    CliError::Usage(format!(
                        "name a schema ({}) or use --all --out DIR",
                        schema::names().join(", ")
                    ))
                })?;
                schema::one(&name)
            }
        }
        Command::Demo(a) => demo::run(&demo::DemoOptions {
            format: resolve(a.format),
            report: a.report,
            store: a.store,
        }),
        Command::Report(a) => report_cmd::report(&a),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            let written = match out {
                Output::Text(text) => stdout.write_all(text.as_bytes()),
                Output::Spool(spool) => spool.release(&mut stdout),
            };
            match written.and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                // A closed pipe (e.g. `| head`) is not worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("posture: error: writing output: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Err(CliError::NotVisible(json)) => {
            println!("{json}");
            ExitCode::from(3)
        }
        Err(e) => {
            // Values echoed from input are already bounded; escaping the
            // whole line keeps any control character off the terminal.
            eprintln!(
                "posture: error: {}",
                posture_core::escape_controls(&e.to_string())
            );
            ExitCode::from(e.exit_code())
        }
    }
}
