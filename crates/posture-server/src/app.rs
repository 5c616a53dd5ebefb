//! What every handler shares: the store, the writer, the token table and
//! the web sessions.

use crate::secret::{digest, random_secret, same};
use crate::tokens::{self, Principal};
use crate::writer::{Job, Msg};
use axum::http::HeaderMap;
use posture_core::Catalog;
use posture_plan::{Command, Response, Store};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc, oneshot};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "posture_session";

/// A web session ends after this long without a request.
pub(crate) const SESSION_IDLE: Duration = Duration::from_secs(12 * 3600);

/// A web session: who, through which token, and its CSRF value.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) actor: String,
    pub(crate) token_id: String,
    pub(crate) csrf: String,
    last_seen: Instant,
}

/// Why a command got no workflow response.
#[derive(Debug)]
pub(crate) enum SubmitError {
    /// The server is shutting down and took no new command.
    ShuttingDown,
    /// The store failed: nothing of the batch was committed.
    Store(String),
}

pub(crate) struct App {
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) writer: mpsc::Sender<Msg>,
    /// The server's tables (tokens, outbox), on a connection of their own.
    pub(crate) tables: std::sync::Mutex<Connection>,
    /// Sessions by the SHA-256 digest of their cookie.
    sessions: std::sync::Mutex<HashMap<[u8; 32], Session>>,
    pub(crate) secure_cookies: bool,
    pub(crate) csp: String,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) request_timeout: Duration,
}

impl App {
    pub(crate) fn new(
        store: Arc<Mutex<Store>>,
        writer: mpsc::Sender<Msg>,
        tables: Connection,
        secure_cookies: bool,
        catalog: Arc<Catalog>,
        request_timeout: Duration,
    ) -> App {
        App {
            store,
            writer,
            tables: std::sync::Mutex::new(tables),
            sessions: std::sync::Mutex::new(HashMap::new()),
            secure_cookies,
            csp: crate::web::layout::content_security_policy(),
            catalog,
            request_timeout,
        }
    }

    /// Runs `command` as `actor` through the writer; the response comes
    /// after the commit that made it durable.
    pub(crate) async fn submit(
        &self,
        actor: &str,
        command: Command,
    ) -> Result<Response, SubmitError> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(Msg::Run(Box::new(Job {
                actor: actor.to_owned(),
                command,
                reply,
            })))
            .await
            .map_err(|_| SubmitError::ShuttingDown)?;
        match rx.await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(m)) => Err(SubmitError::Store(m)),
            Err(_) => Err(SubmitError::ShuttingDown),
        }
    }

    /// The principal of a bearer token, if valid.
    pub(crate) fn bearer(&self, headers: &HeaderMap) -> Option<Principal> {
        let value = headers
            .get(axum::http::header::AUTHORIZATION)?
            .to_str()
            .ok()?;
        let (scheme, token) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        self.verify(token.trim())
    }

    /// The principal of a token, if valid.
    pub(crate) fn verify(&self, token: &str) -> Option<Principal> {
        let conn = self.tables.lock().ok()?;
        match tokens::verify(&conn, token) {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "posture: error: {}",
                    posture_core::escape_controls(&format!("reading tokens: {e}"))
                );
                None
            }
        }
    }

    /// Opens a web session for `p`; returns the cookie's value.
    pub(crate) fn open_session(&self, p: &Principal) -> Option<String> {
        let cookie = random_secret().ok()?;
        let csrf = random_secret().ok()?;
        let mut sessions = self.sessions.lock().ok()?;
        let now = Instant::now();
        sessions.retain(|_, s| now.duration_since(s.last_seen) < SESSION_IDLE);
        sessions.insert(
            digest(&cookie),
            Session {
                actor: p.actor.clone(),
                token_id: p.token_id.clone(),
                csrf,
                last_seen: now,
            },
        );
        Some(cookie)
    }

    /// The session of a request's cookie, if it is current and its token
    /// was not revoked.
    pub(crate) fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let cookie = session_cookie(headers)?;
        let key = digest(&cookie);
        let session = {
            let mut sessions = self.sessions.lock().ok()?;
            let s = sessions.get_mut(&key)?;
            if s.last_seen.elapsed() >= SESSION_IDLE {
                sessions.remove(&key);
                return None;
            }
            s.last_seen = Instant::now();
            s.clone()
        };
        let live = {
            let conn = self.tables.lock().ok()?;
            tokens::active(&conn, &session.token_id).unwrap_or(false)
        };
        if !live {
            if let Ok(mut sessions) = self.sessions.lock() {
                sessions.remove(&key);
            }
            return None;
        }
        Some(session)
    }

    /// Ends the request's session.
    pub(crate) fn end_session(&self, headers: &HeaderMap) {
        if let (Some(cookie), Ok(mut sessions)) = (session_cookie(headers), self.sessions.lock()) {
            sessions.remove(&digest(&cookie));
        }
    }

    /// The `Set-Cookie` value for a new session.
    pub(crate) fn set_cookie(&self, value: &str) -> String {
        format!(
            "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{}",
            if self.secure_cookies { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub(crate) fn clear_cookie(&self) -> String {
        format!(
            "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}",
            if self.secure_cookies { "; Secure" } else { "" }
        )
    }
}

/// Whether a form's CSRF value is the session's (constant time).
pub(crate) fn csrf_ok(session: &Session, presented: Option<&str>) -> bool {
    presented.is_some_and(|p| same(p.as_bytes(), session.csrf.as_bytes()))
}

/// The session cookie's value from a request's `Cookie` headers.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| crate::secret::well_formed(v))
}
