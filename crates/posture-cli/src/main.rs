//! The `posture` command: a thin reference host over Posture's libraries.

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod batch;
mod demo;
mod error;
mod explain;
mod io;
#[cfg(feature = "batch")]
mod lake;
mod progress;
mod report_cmd;
mod research_cmd;
mod scan_cmd;
mod schema;
mod score_cmd;
mod serve_cmd;
mod table;
mod workflow_cmd;

use error::CliError;

/// Open external security ratings: scan a footprint (DNS, mail, web, TLS,
/// exposed services), score findings, plan improvements, aggregate a
/// portfolio of own domains and vendors (CSR), run the vendor workflow, and
/// explain every issue type of the catalog.
#[derive(Debug, Parser)]
#[command(
    name = "posture",
    version,
    long_about = None,
    max_term_width = 100,
    after_help = "Exit codes: 0 success, 1 I/O or internal error, 2 usage error or bad input, \
                  3 a workflow query for something the actor may not see.\n\
                  JSON output (--format json) is one compact line per input document."
)]
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
    /// Score tables of organisations, assets and findings (Parquet, CSV or
    /// NDJSON) with DataFusion, here or on a Ballista cluster, into a
    /// Parquet file; `posture batch csr` aggregates portfolios the same way.
    Batch(BatchArgs),
    /// Scan domains, host names, IPs and CIDR blocks: signals, findings and
    /// the scorecard.
    Scan(ScanArgs),
    /// The vendor action-plan workflow on a durable event store: apply
    /// commands, answer rescans, query.
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
    /// SPF tools: evaluate a sender's SPF policy (RFC 7208).
    Spf {
        #[command(subcommand)]
        command: SpfCommand,
    },
    /// List the checks a scan can run and the issues each can raise.
    Checks {
        #[command(flatten)]
        format: FormatArg,
    },
    /// List the issue catalog, or explain one issue type
    /// (`posture catalog ID`).
    Catalog(CatalogArgs),
    /// Print the JSON Schema of a wire type, or write them all.
    Schema(SchemaArgs),
    /// The whole story offline: scan a sample world on an in-process DNS
    /// server, score, aggregate, plan, fix, rescan.
    Demo(DemoArgs),
    /// Turn scan, score, csr, improve and workflow outputs into one
    /// self-contained HTML report.
    Report(report_cmd::ReportArgs),
    /// Breach corpora: write a synthetic one (`posture corpus generate`),
    /// or check and summarise one you bring (`posture corpus FILE`).
    Corpus(CorpusArgs),
    /// Compare scoring models on a breach corpus: AUC with a bootstrap
    /// interval, breach likelihood by grade, Brier score, rank correlation.
    Eval(EvalArgs),
    /// Serve a workflow store: the authenticated HTTP API and the web app
    /// (Action Plans, Contact Manager, Insights), with rescans in the
    /// background.
    Serve(ServeArgs),
    /// Issue, list and revoke the tokens `posture serve` authenticates
    /// with (a token is printed once; the store keeps its SHA-256 digest).
    Token {
        /// The workflow store the tokens are kept in.
        #[arg(long, value_name = "FILE")]
        store: PathBuf,
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print a shell completion script to standard output.
    ///
    /// For example `posture completions bash >
    /// ~/.local/share/bash-completion/completions/posture`, `posture
    /// completions zsh > ~/.zfunc/_posture`, or `posture completions fish >
    /// ~/.config/fish/completions/posture.fish`.
    Completions {
        /// The shell.
        #[arg(value_enum, ignore_case = true)]
        shell: ShellArg,
    },
}

/// Shells `posture completions` writes for.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

/// `--format`, shared by every command that prints for people and for
/// programs.
#[derive(Debug, Args)]
struct FormatArg {
    /// Output format (default: `table` when standard output is a terminal,
    /// `json` otherwise).
    #[arg(short = 'f', long, value_enum, ignore_case = true)]
    format: Option<Format>,
}

/// The input document(s) of a reading command: `FILE`, or `--input FILE`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct InputArg {
    /// Input document(s): a file, or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    file: Option<String>,
    /// The same as FILE.
    #[arg(short = 'i', long = "input", value_name = "FILE|-")]
    input: Option<String>,
}

impl InputArg {
    fn path(&self) -> &str {
        self.file
            .as_deref()
            .or(self.input.as_deref())
            .unwrap_or("-")
    }
}

/// The scan policy's defaults, shown in `--help`.
fn policy() -> posture_signals::ScanPolicy {
    posture_signals::ScanPolicy::default()
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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
    #[command(flatten)]
    input: InputArg,
    #[command(flatten)]
    model: ModelArgs,
    /// Presentation scale of scores.
    #[arg(long, value_enum, ignore_case = true, default_value_t = ScaleArg::Hundred)]
    scale: ScaleArg,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Columns: organizations (organization, as_of, assessed_factors?), assets \
                  (organization, asset), findings (organization, issue, asset, status, \
                  first_seen, last_seen), breaches (organization, date). The output has organization, score (2 dp, null when \
                  nothing was assessed), fraction and grade, one row per organisation, sorted."
)]
struct BatchArgs {
    /// Organisations: organization, as_of (UTC), assessed_factors (a list,
    /// or null for all ten).
    #[arg(long, value_name = "FILE", required = true)]
    organizations: Option<PathBuf>,
    /// Footprints: organization, asset (host name, IP address or CIDR).
    #[arg(long, value_name = "FILE", required = true)]
    assets: Option<PathBuf>,
    /// Findings: organization, issue, asset, status, first_seen, last_seen.
    #[arg(long, value_name = "FILE", required = true)]
    findings: Option<PathBuf>,
    /// Publicly known breaches: organization, date (a date, a timestamp,
    /// or text YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "FILE")]
    breaches: Option<PathBuf>,
    /// The Parquet file to write.
    #[arg(long, value_name = "FILE", required = true)]
    out: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(subcommand)]
    command: Option<BatchCommand>,
}

#[derive(Debug, Subcommand)]
enum BatchCommand {
    /// Every portfolio's CSR: portfolios (organization, as_of), entities
    /// (organization, kind, entity, name?, in_use?, criticality?,
    /// open_risks?, fraction?) and the organisations' scores (the output of
    /// `posture batch`).
    Csr(BatchCsrArgs),
}

#[derive(Debug, Args)]
struct BatchCsrArgs {
    /// Portfolios: organization, as_of (UTC).
    #[arg(long, value_name = "FILE")]
    portfolios: PathBuf,
    /// Entities: organization, kind (`domain` or `vendor`), entity, and the
    /// optional name, in_use, criticality, open_risks, fraction.
    #[arg(long, value_name = "FILE")]
    entities: PathBuf,
    /// Organisations' scores (organization, fraction), as `posture batch`
    /// writes them; an entity's row here gives its fraction.
    #[arg(long, value_name = "FILE")]
    scores: PathBuf,
    /// The Parquet file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Debug, Args)]
struct EngineArgs {
    /// Run on Ballista: `standalone` (a scheduler and executor in this
    /// process) or a running cluster's scheduler, `df://HOST:PORT`.
    #[arg(long, value_name = "standalone|df://HOST:PORT")]
    ballista: Option<String>,
    /// Partitions the query runs in (default: the cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Memory the query may hold before it spills to disk (e.g. 512M,
    /// 2G; default 1G).
    #[arg(long, value_name = "SIZE")]
    memory_limit: Option<String>,
    #[command(flatten)]
    model: ModelArgs,
}

#[cfg(feature = "batch")]
impl EngineArgs {
    fn engine(&self) -> lake::Engine<'_> {
        lake::Engine {
            ballista: self.ballista.as_deref(),
            threads: self.threads,
            memory_limit: self.memory_limit.as_deref(),
            catalog: self.model.catalog.as_deref(),
            model_config: self.model.model_config.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ScaleArg {
    Hundred,
    Upguard,
    Bitsight,
    Ten,
}

/// `posture corpus`: a subcommand, or a corpus to check.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct CorpusArgs {
    #[command(subcommand)]
    command: Option<CorpusCommand>,
    #[command(flatten)]
    input: InputArg,
    /// Issue catalog file (JSON) the findings name, instead of the
    /// built-in one.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Subcommand)]
enum CorpusCommand {
    /// Write a synthetic breach corpus (NDJSON, one organisation per line:
    /// a findings document over the built-in catalog and its outcome in
    /// the twelve months after as_of); the same seed gives the same bytes.
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Organisations (at least 1).
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    orgs: u64,
    /// Seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Generator parameters (JSON, see `posture schema corpus-config`;
    /// default: the calibrated defaults).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Write the corpus to FILE (default: standard output).
    #[arg(short = 'o', long = "out", value_name = "FILE.ndjson")]
    out: Option<PathBuf>,
    /// Threads that draw organisations (default: the machine's cores); the
    /// output is the same for any number.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

/// The corpus `posture eval` reads: `FILE`, or `--input`/`--corpus FILE`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct CorpusInputArg {
    /// The corpus: NDJSON records (what `posture corpus generate` writes,
    /// or a corpus of the same shape), or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    file: Option<String>,
    /// The same as FILE.
    #[arg(
        short = 'i',
        long = "input",
        visible_alias = "corpus",
        value_name = "FILE|-"
    )]
    input: Option<String>,
}

#[derive(Debug, Args)]
struct EvalArgs {
    #[command(flatten)]
    input: CorpusInputArg,
    /// Models to compare, comma separated (default: every registered
    /// model: posture-v1, observatory-additive, scorecard-weighted,
    /// bitsight-like).
    #[arg(long, value_name = "LIST")]
    models: Option<String>,
    #[command(flatten)]
    model: ModelArgs,
    /// Write one JSON line per (organisation, model): the score on the
    /// model's own scale and the grade, so every figure can be recomputed.
    #[arg(long, value_name = "FILE")]
    scores_out: Option<PathBuf>,
    /// Write the comparison as one self-contained HTML page (ROC curves,
    /// breach likelihood by grade, each with its data table).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Bootstrap resamples for the AUC intervals (0: no intervals).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    resamples: u32,
    /// Seed of the bootstrap.
    #[arg(long, value_name = "S", default_value_t = 19)]
    seed: u64,
    /// Threads (default: the machine's cores); the results are the same
    /// for any number.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct ImproveArgs {
    #[command(flatten)]
    input: InputArg,
    /// Target grade (A–F, either case) or hundred-scale score (0–100).
    #[arg(long, value_name = "GRADE|SCORE")]
    target: String,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Targets: domains, host names, IP addresses, CIDR blocks (one
    /// organisation's footprint).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    /// Resolver to query (default: the system resolver, from
    /// /etc/resolv.conf).
    #[arg(long, value_name = "IP:PORT")]
    nameserver: Option<std::net::SocketAddr>,
    /// Checks to run, comma separated (default: all; `posture checks`
    /// lists them).
    #[arg(long, value_name = "LIST")]
    checks: Option<String>,
    /// TCP ports to probe on listed addresses: PORT (built-in table) or
    /// PORT=ISSUE, comma separated (default: every port of the built-in
    /// table).
    #[arg(long, value_name = "LIST")]
    ports: Option<String>,
    /// DKIM selectors to probe, comma separated.
    #[arg(long, value_name = "LIST", default_value_t = posture_signals::DEFAULT_DKIM_SELECTORS.join(","))]
    dkim_selectors: String,
    /// DNSBL zones to consult for listed addresses, comma separated
    /// (default: none).
    #[arg(long, value_name = "ZONES")]
    dnsbl: Option<String>,
    /// Queries and probes in flight at once.
    #[arg(long, value_name = "N", default_value_t = policy().concurrency)]
    concurrency: usize,
    /// Threads the host names are split among (default: the machine's
    /// cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Per-query timeout in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = millis(policy().timeout))]
    timeout: u64,
    /// Overall deadline in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = millis(policy().deadline))]
    deadline: u64,
    /// Queries or probes per second (default: no limit).
    #[arg(long, value_name = "N")]
    rate: Option<u32>,
    /// Largest number of addresses the CIDR targets may expand to.
    #[arg(long, value_name = "N", default_value_t = policy().max_addresses)]
    max_addresses: u64,
    /// Organisation name for the findings document (default: the first
    /// target).
    #[arg(long, value_name = "NAME")]
    organization: Option<String>,
    #[command(flatten)]
    web: WebArgs,
    /// Write the findings document that `posture score` reads.
    #[arg(long, value_name = "FILE")]
    findings_out: Option<PathBuf>,
    #[command(flatten)]
    format: FormatArg,
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
        /// Commands: a file, or `-` for standard input.
        #[arg(value_name = "FILE|-", conflicts_with = "input")]
        file: Option<String>,
        /// The same as FILE.
        #[arg(short = 'i', long, value_name = "FILE|-", default_value = "-")]
        input: String,
        /// Exit 2 when any line was refused (the responses are still
        /// printed).
        #[arg(long)]
        strict: bool,
    },
    /// Run the pending rescans with the collector and record the results.
    Rescan {
        /// Resolver to query (default: the system resolver, from
        /// /etc/resolv.conf).
        #[arg(long, value_name = "IP:PORT")]
        nameserver: Option<std::net::SocketAddr>,
        /// Per-query timeout in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = millis(policy().timeout))]
        timeout: u64,
        /// Deadline of the whole run in milliseconds; an item not rescanned
        /// by then stays pending (inconclusive).
        #[arg(long, value_name = "MS", default_value_t = millis(policy().deadline))]
        deadline: u64,
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
        #[command(flatten)]
        format: FormatArg,
    },
}

/// `posture token` subcommands.
#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue a token for a registered user (or the host actor): printed
    /// once, 256 random bits in base64url.
    Issue {
        /// The user the token speaks for (registered in the store).
        #[arg(
            long,
            value_name = "USER",
            required_unless_present = "host",
            conflicts_with = "host"
        )]
        user: Option<String>,
        /// A token for the `host` actor, for integrations (record scores,
        /// logins and rescans; read the e-mail outbox).
        #[arg(long)]
        host: bool,
        /// A label to recognise it by in `posture token list`.
        #[arg(long, value_name = "TEXT")]
        label: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// List the tokens (never their text).
    List {
        #[command(flatten)]
        format: FormatArg,
    },
    /// Revoke a token: it authenticates nothing more, and its web sessions
    /// end.
    Revoke {
        /// The token's id (`posture token list`).
        #[arg(value_name = "ID")]
        id: String,
        #[command(flatten)]
        format: FormatArg,
    },
}

/// The scan policy rescans run under (`posture serve`).
#[derive(Debug, Args)]
struct PolicyArgs {
    /// Resolver to query (default: the system resolver, from
    /// /etc/resolv.conf).
    #[arg(long, value_name = "IP:PORT")]
    nameserver: Option<std::net::SocketAddr>,
    /// Per-query timeout in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = millis(policy().timeout))]
    timeout: u64,
    /// Deadline of each rescan in milliseconds; a rescan not done by then
    /// is inconclusive and its item stays pending.
    #[arg(long, value_name = "MS", default_value_t = millis(policy().deadline))]
    deadline: u64,
    /// Queries and probes in flight at once, per rescan.
    #[arg(long, value_name = "N", default_value_t = policy().concurrency)]
    concurrency: usize,
    /// Queries or probes per second, per rescan (default: no limit).
    #[arg(long, value_name = "N")]
    rate: Option<u32>,
    /// TCP ports to probe: PORT or PORT=ISSUE (default: the built-in
    /// ports of each pending issue).
    #[arg(long, value_name = "LIST")]
    ports: Option<String>,
    #[command(flatten)]
    web: WebArgs,
}

/// How the server runs.
#[derive(Debug, Args)]
struct ServerArgs {
    /// Rescans in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    rescans: usize,
    /// Wait before rescanning again an item whose rescan was inconclusive,
    /// in milliseconds (doubling with each attempt, up to 64 times this).
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    rescan_retry: u64,
    /// Longest a request may take, in milliseconds (then `503`).
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    request_timeout: u64,
    /// Mark the session cookie `Secure`: set it when the server is reached
    /// over TLS (through a proxy in front of it).
    #[arg(long)]
    secure_cookies: bool,
}

impl ServerArgs {
    fn options(&self, listen: String) -> serve_cmd::ServeOptions {
        serve_cmd::ServeOptions {
            listen,
            rescans: self.rescans,
            rescan_retry_ms: self.rescan_retry,
            request_timeout_ms: self.request_timeout,
            secure_cookies: self.secure_cookies,
        }
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The workflow store (created when missing).
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// Address to listen on (`127.0.0.1:0` picks a free port); the address
    /// is printed on stdout once bound.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Issue catalog file (JSON) the workflow runs with instead of the
    /// built-in one.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    server: ServerArgs,
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
        /// HELO/EHLO name (default: the sender's domain).
        #[arg(long, value_name = "NAME")]
        helo: Option<String>,
        /// Resolver to query (default: the system resolver, from
        /// /etc/resolv.conf).
        #[arg(long, value_name = "IP:PORT")]
        nameserver: Option<std::net::SocketAddr>,
        /// Per-query timeout in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = millis(policy().timeout))]
        timeout: u64,
        #[command(flatten)]
        format: FormatArg,
    },
}

#[derive(Debug, Args)]
struct CsrArgs {
    #[command(flatten)]
    input: InputArg,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct CatalogArgs {
    /// An issue type to explain: its title, factor, severity, risk,
    /// remediation, references and the check that observes it (default:
    /// list them all).
    #[arg(value_name = "ID")]
    id: Option<String>,
    /// Catalog file (JSON) to validate and list instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct SchemaArgs {
    /// Schema name (omit with --all; `posture schema --list` names them).
    name: Option<String>,
    /// Write every schema to --out.
    #[arg(long, requires = "out", conflicts_with = "name")]
    all: bool,
    /// Directory for --all.
    #[arg(short = 'o', long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// List the schema names.
    #[arg(long, conflicts_with_all = ["name", "all"])]
    list: bool,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Also write a self-contained HTML report (inline SVG charts).
    #[arg(short = 'o', long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Keep the workflow's SQLite store here (default: a temporary file),
    /// to explore it afterwards with `posture workflow`.
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
    /// Stop before the vendor marks its items fixed and serve the demo's
    /// store on ADDR (`posture serve`, with the demo's world still
    /// running), printing a token for each of the demo's users: log in as
    /// the vendor and work its plan in the browser.
    #[arg(long, value_name = "ADDR", conflicts_with = "report")]
    serve: Option<String>,
    #[command(flatten)]
    format: FormatArg,
}

impl FormatArg {
    /// The format asked for, or the default: a table for a terminal, JSON
    /// for programs.
    fn resolve(&self) -> Format {
        self.format.unwrap_or_else(|| {
            if std::io::stdout().is_terminal() {
                Format::Table
            } else {
                Format::Json
            }
        })
    }
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
                ScaleArg::Ten => posture::Scale::Ten,
            };
            score_cmd::score(
                a.input.path(),
                a.model.catalog.as_deref(),
                a.model.model_config.as_deref(),
                scale,
                a.format.resolve(),
            )
            .map(Output::from)
        }
        Command::Improve(a) => score_cmd::improve(
            a.input.path(),
            &a.target,
            a.model.catalog.as_deref(),
            a.model.model_config.as_deref(),
            a.format.resolve(),
        )
        .map(Output::from),
        Command::Csr(a) => score_cmd::csr(
            a.input.path(),
            a.model.catalog.as_deref(),
            a.model.model_config.as_deref(),
            a.format.resolve(),
        )
        .map(Output::from),
        Command::Batch(a) => batch_command(a).map(Output::from),
        other => run_text(other).map(Output::from),
    }
}

#[cfg(feature = "batch")]
fn batch_command(a: BatchArgs) -> Result<String, CliError> {
    use posture_datafusion::batch::{CsrInputs, ScoreInputs};
    match a.command {
        Some(BatchCommand::Csr(c)) => lake::csr(
            CsrInputs {
                portfolios: c.portfolios,
                entities: c.entities,
                scores: c.scores,
            },
            &c.out,
            &c.engine.engine(),
        ),
        None => {
            let (Some(organizations), Some(assets), Some(findings), Some(out)) =
                (a.organizations, a.assets, a.findings, a.out)
            else {
                return Err(CliError::Usage(
                    "posture batch needs --organizations, --assets, --findings and --out".into(),
                ));
            };
            lake::score(
                ScoreInputs {
                    organizations,
                    assets,
                    findings,
                    breaches: a.breaches,
                },
                &out,
                &a.engine.engine(),
            )
        }
    }
}

#[cfg(not(feature = "batch"))]
fn batch_command(_: BatchArgs) -> Result<String, CliError> {
    Err(CliError::Usage(
        "this posture was built without its batch engine: build posture-cli with \
         `--features batch` (the default)"
            .into(),
    ))
}

fn run_text(command: Command) -> Result<String, CliError> {
    match command {
        Command::Score(_) | Command::Improve(_) | Command::Csr(_) | Command::Batch(_) => {
            Err(CliError::Internal("batch commands are run by `run`".into()))
        }
        Command::Scan(a) => {
            let o = scan_cmd::ScanOptions {
                targets: a.targets,
                nameserver: a.nameserver,
                checks: a.checks,
                ports: a.ports,
                dkim_selectors: Some(a.dkim_selectors),
                dnsbl: a.dnsbl,
                concurrency: Some(a.concurrency),
                threads: a.threads,
                timeout_ms: Some(a.timeout),
                deadline_ms: Some(a.deadline),
                rate: a.rate,
                max_addresses: Some(a.max_addresses),
                organization: a.organization,
                web: a.web.options(),
            };
            scan_cmd::scan(&o, a.findings_out.as_deref(), a.format.resolve())
        }
        Command::Workflow {
            store,
            catalog,
            command,
        } => {
            let catalog = score_cmd::load_catalog(catalog.as_deref())?;
            match command {
                WorkflowCommand::Apply {
                    file,
                    input,
                    strict,
                } => {
                    workflow_cmd::apply(&store, catalog, file.as_deref().unwrap_or(&input), strict)
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
                    Some(timeout),
                    Some(deadline),
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
                    format.resolve(),
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
            Some(timeout),
            format.resolve(),
        ),
        Command::Checks { format } => scan_cmd::checks(format.resolve()),
        Command::Catalog(a) => {
            score_cmd::catalog(a.catalog.as_deref(), a.id.as_deref(), a.format.resolve())
        }
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
            format: a.format.resolve(),
            report: a.report,
            store: a.store,
            serve: a.serve,
        }),
        Command::Serve(a) => {
            let catalog = score_cmd::load_catalog(a.catalog.as_deref())?;
            let p = a.policy;
            let policy = serve_cmd::Policy {
                nameserver: p.nameserver,
                timeout_ms: p.timeout,
                deadline_ms: p.deadline,
                concurrency: p.concurrency,
                rate: p.rate,
                ports: p.ports,
                web: p.web.options(),
            };
            serve_cmd::serve(
                &a.store,
                catalog,
                &policy,
                &a.server.options(a.listen.clone()),
            )
        }
        Command::Token { store, command } => match command {
            TokenCommand::Issue {
                user,
                host,
                label,
                format,
            } => serve_cmd::issue(
                &store,
                if host { None } else { user.as_deref() },
                label.as_deref(),
                format.resolve(),
            ),
            TokenCommand::List { format } => serve_cmd::list(&store, format.resolve()),
            TokenCommand::Revoke { id, format } => serve_cmd::revoke(&store, &id, format.resolve()),
        },
        Command::Report(a) => report_cmd::report(&a),
        Command::Corpus(a) => match a.command {
            Some(CorpusCommand::Generate(g)) => {
                research_cmd::corpus_generate(&research_cmd::GenerateOptions {
                    orgs: g.orgs,
                    seed: g.seed,
                    config: g.config.as_deref(),
                    out: g.out.as_deref(),
                    threads: g.threads,
                })
            }
            None => research_cmd::corpus_summary(
                a.input.path(),
                a.catalog.as_deref(),
                a.format.resolve(),
            ),
        },
        Command::Eval(a) => {
            let input = a
                .input
                .file
                .as_deref()
                .or(a.input.input.as_deref())
                .unwrap_or("-");
            research_cmd::eval(&research_cmd::EvalOptions {
                input,
                models: a.models.as_deref(),
                catalog: a.model.catalog.as_deref(),
                model_config: a.model.model_config.as_deref(),
                scores_out: a.scores_out.as_deref(),
                report: a.report.as_deref(),
                bootstrap: posture_research::BootstrapOptions::new(a.resamples, a.seed),
                threads: a.threads,
                format: a.format.resolve(),
            })
        }
        Command::Completions { shell } => {
            let shell = match shell {
                ShellArg::Bash => clap_complete::Shell::Bash,
                ShellArg::Zsh => clap_complete::Shell::Zsh,
                ShellArg::Fish => clap_complete::Shell::Fish,
            };
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "posture", &mut script);
            String::from_utf8(script)
                .map_err(|_| CliError::Internal("a completion script is not UTF-8".into()))
        }
    }
}

/// A line of a message for the terminal: escaped, and bounded when it is
/// long (clap quotes the arguments it rejects, which may be anything).
fn bounded_line(line: &str) -> String {
    if line.chars().count() > 240 {
        posture_core::echo(line).to_string()
    } else {
        posture_core::escape_controls(line)
    }
}

/// Reports what the argument parser refused with the one error prefix every
/// error has (`posture: error:`), exit 2; help and version go to stdout and
/// succeed.
fn usage_failure(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        kind => {
            let text = e.render().to_string();
            let text = if kind == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                // `posture` or `posture workflow` alone: what to name, then
                // the help that lists it.
                format!("name a command\n\n{text}")
            } else {
                text.strip_prefix("error: ").unwrap_or(&text).to_owned()
            };
            let lines: Vec<String> = text.trim_end().lines().map(bounded_line).collect();
            eprintln!("posture: error: {}", lines.join("\n"));
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_failure(&e),
    };
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
