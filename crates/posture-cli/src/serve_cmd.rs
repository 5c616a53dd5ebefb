//! `posture serve` and `posture token`: the reference server over a
//! workflow store, and the tokens it authenticates with. Both are thin:
//! the server, its tables and its sockets live in `posture-server`.

use crate::Format;
use crate::error::CliError;
use crate::table::{self, Table};
use posture::host::Scanner;
use posture_server::{Server, ServerConfig, ServerError};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn server_error(path: &Path, e: ServerError) -> CliError {
    match e {
        ServerError::UnknownUser(_) | ServerError::ReservedUser | ServerError::UnknownToken(_) => {
            CliError::Usage(e.to_string())
        }
        ServerError::Listen { .. } => CliError::Usage(e.to_string()),
        other => CliError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(other.to_string()),
        },
    }
}

/// The scan policy rescans run under.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `--nameserver`.
    pub nameserver: Option<std::net::SocketAddr>,
    /// `--timeout` (ms).
    pub timeout_ms: u64,
    /// `--deadline` (ms): each rescan's.
    pub deadline_ms: u64,
    /// `--concurrency`.
    pub concurrency: usize,
    /// `--rate`.
    pub rate: Option<u32>,
    /// `--ports`.
    pub ports: Option<String>,
    /// Web and TLS settings, `--connect-within`.
    pub web: crate::scan_cmd::WebOptions,
}

/// The scanner of a policy.
pub fn scanner(p: &Policy, catalog: Arc<posture::Catalog>) -> Result<Scanner, CliError> {
    let mut scanner = Scanner::default();
    p.web.apply(&mut scanner.config)?;
    if let Some(list) = &p.ports {
        let (ports, rules) = posture::host::parse_ports(list)
            .map_err(|e| CliError::Usage(format!("--ports: {e}")))?;
        scanner = scanner.with_ports(ports, rules);
    }
    scanner.catalog = catalog;
    scanner.config.policy.nameserver = p.nameserver;
    scanner.config.policy.timeout = Duration::from_millis(p.timeout_ms.max(1));
    scanner.config.policy.deadline = Duration::from_millis(p.deadline_ms.max(1));
    scanner.config.policy.concurrency = p.concurrency.max(1);
    scanner.config.policy.rate = p.rate;
    scanner
        .config
        .validate()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(scanner)
}

/// Options of `posture serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `--listen`.
    pub listen: String,
    /// `--rescans`.
    pub rescans: usize,
    /// `--rescan-retry` (ms).
    pub rescan_retry_ms: u64,
    /// `--request-timeout` (ms).
    pub request_timeout_ms: u64,
    /// `--secure-cookies`.
    pub secure_cookies: bool,
}

/// Serves `store` on `rt` until SIGTERM or Ctrl-C, printing the address
/// (one line on stdout, `listening on http://ADDR/`) once bound and
/// calling `ready` with it; the closing note goes to stderr.
pub fn serve_on(
    rt: &tokio::runtime::Runtime,
    store: &Path,
    catalog: Arc<posture::Catalog>,
    scanner: Scanner,
    o: &ServeOptions,
    ready: impl FnOnce(std::net::SocketAddr) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut config = ServerConfig::new(store);
    config.catalog = catalog;
    config.scanner = scanner;
    config.rescans = o.rescans.max(1);
    config.rescan_retry = Duration::from_millis(o.rescan_retry_ms.max(1));
    config.request_timeout = Duration::from_millis(o.request_timeout_ms.max(1));
    config.secure_cookies = o.secure_cookies;
    let summary = rt.block_on(async {
        let server = Server::bind(config, &o.listen)
            .await
            .map_err(|e| server_error(store, e))?;
        let addr = server.local_addr().map_err(|e| server_error(store, e))?;
        ready(addr)?;
        let signal = async {
            if let Err(e) = posture_server::shutdown_signal().await {
                eprintln!("posture: error: {e}");
            }
            eprintln!("posture: shutting down: finishing the requests in flight");
        };
        server.run(signal).await.map_err(|e| server_error(store, e))
    })?;
    eprintln!(
        "posture: stopped: {} commands in {} commits (largest {})",
        summary.commands, summary.commits, summary.largest_batch
    );
    Ok(())
}

/// `posture serve --store FILE --listen ADDR [policy]`.
pub fn serve(
    store: &Path,
    catalog: Arc<posture::Catalog>,
    policy: &Policy,
    o: &ServeOptions,
) -> Result<String, CliError> {
    let scanner = scanner(policy, catalog.clone())?;
    let rt = crate::scan_cmd::runtime()?;
    serve_on(&rt, store, catalog, scanner, o, |addr| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}/")
            .and_then(|()| out.flush())
            .map_err(|source| CliError::Io {
                path: "<stdout>".into(),
                source,
            })?;
        eprintln!(
            "posture: serving {} at http://{addr}/ (stop with Ctrl-C or SIGTERM)",
            store.display()
        );
        Ok(())
    })?;
    Ok(String::new())
}

/// `posture token issue`.
pub fn issue(
    store: &Path,
    user: Option<&str>,
    label: Option<&str>,
    format: Format,
) -> Result<String, CliError> {
    let t =
        posture_server::tokens::issue(store, user, label).map_err(|e| server_error(store, e))?;
    Ok(match format {
        Format::Json => serde_json::to_string(&t)? + "\n",
        Format::Table => {
            eprintln!(
                "posture: token {} for {}: shown once; the store keeps only its SHA-256 digest",
                t.id, t.actor
            );
            format!("{}\n", t.token)
        }
    })
}

/// `posture token list`.
pub fn list(store: &Path, format: Format) -> Result<String, CliError> {
    let tokens = posture_server::tokens::list(store).map_err(|e| server_error(store, e))?;
    match format {
        Format::Json => Ok(serde_json::to_string(&tokens)? + "\n"),
        Format::Table if tokens.is_empty() => Ok("no tokens\n".into()),
        Format::Table => {
            let mut t = Table::new(
                0,
                &[
                    table::left("id"),
                    table::left("actor"),
                    table::left("issued"),
                    table::left("revoked"),
                    table::prose("label"),
                ],
            );
            for x in &tokens {
                t.row(vec![
                    x.id.clone(),
                    posture_core::echo(&x.actor).to_string(),
                    x.created_at.clone(),
                    x.revoked_at.clone().unwrap_or_else(|| "—".into()),
                    posture_core::echo(x.label.as_deref().unwrap_or("")).to_string(),
                ]);
            }
            Ok(t.render(table::width()))
        }
    }
}

/// `posture token revoke ID`.
pub fn revoke(store: &Path, id: &str, format: Format) -> Result<String, CliError> {
    let t = posture_server::tokens::revoke(store, id).map_err(|e| server_error(store, e))?;
    Ok(match format {
        Format::Json => serde_json::to_string(&t)? + "\n",
        Format::Table => format!(
            "token {} ({}) revoked at {}\n",
            t.id,
            posture_core::echo(&t.actor),
            t.revoked_at.unwrap_or_default()
        ),
    })
}
