//! The server: its settings, the router, and a run from bind to graceful
//! shutdown.

use crate::app::App;
use crate::writer::{Msg, WriterStats};
use crate::{ServerError, api, rescan, tokens, web, writer};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use posture::host::Scanner;
use posture_core::Catalog;
use posture_plan::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, watch};

/// Largest request body: a larger one is answered `413`.
pub const BODY_LIMIT: usize = 1 << 20;

/// What a server runs with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The workflow store (SQLite); created when missing.
    pub store: PathBuf,
    /// The scan policy and rules rescans run under (resolver, timeout,
    /// deadline, concurrency, `connect_within`, ports).
    pub scanner: Scanner,
    /// Rescans in flight at once.
    pub rescans: usize,
    /// How long an item whose rescan was inconclusive waits before it is
    /// rescanned again (the wait doubles with each attempt, up to 64 times
    /// this).
    pub rescan_retry: Duration,
    /// Longest a request may take before it is answered `503`.
    pub request_timeout: Duration,
    /// Always mark the session cookie `Secure` (the server is reached over
    /// TLS, through a proxy that terminates it). Without it, a login whose
    /// request says it came over HTTPS (`X-Forwarded-Proto: https`, or
    /// `Forwarded: proto=https`) gets a `Secure` cookie too.
    pub secure_cookies: bool,
    /// The catalog commands are decided with.
    pub catalog: Arc<Catalog>,
}

impl ServerConfig {
    /// The defaults for a store: the default scanner, 4 rescans at once,
    /// a minute before an inconclusive rescan is tried again, 30 s per
    /// request, cookies without `Secure` (unless a proxy says the request
    /// came over HTTPS), the built-in catalog.
    ///
    /// ```
    /// let c = posture_server::ServerConfig::new("plans.sqlite");
    /// assert_eq!(c.rescans, 4);
    /// ```
    pub fn new(store: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            store: store.into(),
            scanner: Scanner::default(),
            rescans: 4,
            rescan_retry: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            secure_cookies: false,
            catalog: Catalog::builtin(),
        }
    }
}

/// What a run did, for its closing note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Commands answered.
    pub commands: u64,
    /// Transactions committed (group commits).
    pub commits: u64,
    /// The largest group commit.
    pub largest_batch: u64,
}

/// A bound server, not yet serving.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    writer_rx: mpsc::Receiver<Msg>,
    rescan_tx: mpsc::UnboundedSender<posture_plan::Effect>,
    rescan_rx: mpsc::UnboundedReceiver<posture_plan::Effect>,
    scanner: Scanner,
    rescans: usize,
    rescan_retry: Duration,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listener", &self.listener.local_addr().ok())
            .finish_non_exhaustive()
    }
}

/// The router: the API, `/healthz` and the web app, with the body limit,
/// the request timeout, the security headers and the request log.
fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/v1/commands", post(api::command))
        .route("/api/v1/plans", get(api::plans))
        .route("/api/v1/plans/{*id}", get(api::plan))
        .route("/api/v1/contacts", get(api::contacts))
        .route("/api/v1/contacts/{id}/history", get(api::history))
        .route("/api/v1/insights", get(api::insights))
        .route(
            "/api/v1/vendors/{org}/questionnaire-risks",
            get(api::questionnaire_risks),
        )
        .route("/api/v1/outbox", get(api::outbox))
        .route("/", get(web::home))
        .route("/login", get(web::login_form).post(web::login))
        .route("/logout", post(web::logout))
        .route("/plans", get(web::plans))
        .route("/plans/{org}/{plan}", get(web::plan).post(web::plan_action))
        .route("/contacts", get(web::contacts).post(web::contact_action))
        .route("/contacts/{org}/{contact}/history", get(web::history))
        .route("/insights", get(web::insights))
        .route(
            "/expectations",
            get(web::expectations).post(web::expectation_action),
        )
        .fallback(web::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::http::around,
        ))
        .with_state(app)
}

impl Server {
    /// Opens the store (creating it when missing) and the server's tables,
    /// and binds `addr` (`127.0.0.1:0` picks a free port).
    ///
    /// # Errors
    /// The store cannot be opened; the address cannot be bound.
    pub async fn bind(config: ServerConfig, addr: &str) -> Result<Server, ServerError> {
        let store = Store::open(&config.store)?.with_catalog(config.catalog.clone());
        let tables = tokens::open(&config.store)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Listen {
                addr: addr.to_owned(),
                source,
            })?;
        let (rescan_tx, rescan_rx) = mpsc::unbounded_channel();
        for e in rescan::pending(store.state()) {
            let _ = rescan_tx.send(e);
        }
        let (writer_tx, writer_rx) = mpsc::channel(4096);
        let app = Arc::new(App::new(
            Arc::new(Mutex::new(store)),
            config.store.clone(),
            writer_tx,
            tables,
            config.secure_cookies,
            config.catalog.clone(),
            config.request_timeout,
        ));
        let mut scanner = config.scanner;
        scanner.catalog = config.catalog;
        Ok(Server {
            listener,
            app,
            writer_rx,
            rescan_tx,
            rescan_rx,
            scanner,
            rescans: config.rescans,
            rescan_retry: config.rescan_retry.max(Duration::from_millis(1)),
        })
    }

    /// The address it listens on.
    ///
    /// # Errors
    /// When the socket cannot say.
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` completes, then shuts down gracefully: no
    /// new connection is taken, the requests in flight are answered (their
    /// commands committed first), the rescans in flight are abandoned
    /// (their items stay pending, for the next start), and the writer
    /// commits what it was sent before it stops. Connections still open
    /// one request timeout (and a second) after the signal, such as a
    /// client that never finishes sending its request, are not waited for:
    /// a command they sent later is answered `503` and not run.
    ///
    /// # Errors
    /// Serving failed (the socket).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<Summary, ServerError> {
        let Server {
            listener,
            app,
            writer_rx,
            rescan_tx,
            rescan_rx,
            scanner,
            rescans,
            rescan_retry,
        } = self;
        let stats = Arc::new(WriterStats::default());
        let writer = {
            let (store, stats) = (app.store.clone(), stats.clone());
            std::thread::Builder::new()
                .name("posture-writer".into())
                .spawn(move || writer::run(store, writer_rx, rescan_tx, stats))?
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = tokio::spawn(rescan::run(
            app.clone(),
            scanner,
            rescans,
            rescan_retry,
            rescan_rx,
            stop_rx,
        ));
        let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            shutdown.await;
            let _ = signalled_tx.send(());
        };
        let grace = app.request_timeout.saturating_add(Duration::from_secs(1));
        let served = tokio::select! {
            r = axum::serve(listener, router(app.clone())).with_graceful_shutdown(shutdown) => r,
            () = async {
                if signalled_rx.await.is_err() {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(grace).await;
            } => {
                eprintln!(
                    "posture: warning: connections still open {} ms after the signal: not waiting for them",
                    grace.as_millis()
                );
                Ok(())
            }
        };
        let _ = stop_tx.send(true);
        let _ = worker.await;
        let _ = app.writer.send(Msg::Stop).await;
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        served?;
        Ok(Summary {
            commands: stats.commands.load(Ordering::Relaxed),
            commits: stats.commits.load(Ordering::Relaxed),
            largest_batch: stats.largest.load(Ordering::Relaxed),
        })
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl-C): the signal for
/// [`Server::run`]'s graceful shutdown.
///
/// # Errors
/// The signal handlers could not be installed.
pub async fn shutdown_signal() -> Result<(), ServerError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
