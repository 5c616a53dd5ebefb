//! What every handler shares: the store, the writer, the token table and
//! the web sessions.

use crate::secret::{digest, random_secret, same};
use crate::tokens::{self, Principal};
use crate::writer::{Job, Msg};
use axum::http::HeaderMap;
use posture_core::Catalog;
use posture_plan::query::HistoryEntry;
use posture_plan::{Command, Response, Store, WorkflowError};
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore, mpsc, oneshot};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "posture_session";

/// A web session ends after this long without a request.
pub(crate) const SESSION_IDLE: Duration = Duration::from_secs(12 * 3600);

/// Web sessions one token may hold at once: a login beyond them ends the
/// token's least recently used session (so logging in again and again
/// never grows the server's memory).
pub(crate) const SESSIONS_PER_TOKEN: usize = 16;

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

/// Engagement histories read from the event log at once (each reads the
/// whole log, on a connection of its own).
const HISTORY_READS: usize = 2;

pub(crate) struct App {
    pub(crate) store: Arc<Mutex<Store>>,
    /// The store's file, for reads that do not hold the store.
    path: PathBuf,
    /// Permits for [`App::history`].
    history_reads: Arc<Semaphore>,
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
        path: PathBuf,
        writer: mpsc::Sender<Msg>,
        tables: Connection,
        secure_cookies: bool,
        catalog: Arc<Catalog>,
        request_timeout: Duration,
    ) -> App {
        App {
            store,
            path,
            history_reads: Arc::new(Semaphore::new(HISTORY_READS)),
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

    /// A contact's engagement history as `actor` may see it. The event log
    /// is read on a connection of its own, a few reads at a time, without
    /// holding the store: reading a long log never stalls the writer or
    /// other queries. The outer error is the store's.
    pub(crate) async fn history(
        &self,
        actor: &str,
        contact: &str,
    ) -> Result<Result<Vec<HistoryEntry>, WorkflowError>, String> {
        let permit = self
            .history_reads
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let path = self.path.clone();
        let events = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            Store::read_events(&path)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        // Every event read was committed before the read began, and so was
        // applied to the state the lock now shows.
        let store = self.store.lock().await;
        Ok(posture_plan::query::history(
            store.state(),
            &events,
            actor,
            contact,
        ))
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
        let mut mine: Vec<([u8; 32], Instant)> = sessions
            .iter()
            .filter(|(_, s)| s.token_id == p.token_id)
            .map(|(k, s)| (*k, s.last_seen))
            .collect();
        if mine.len() >= SESSIONS_PER_TOKEN {
            mine.sort_by_key(|(_, seen)| *seen);
            for (k, _) in &mine[..=mine.len() - SESSIONS_PER_TOKEN] {
                sessions.remove(k);
            }
        }
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

    /// Whether the session cookie of a response to this request is
    /// `Secure`: always with `secure_cookies`, else when the request came
    /// over HTTPS as a proxy in front says (`X-Forwarded-Proto: https`,
    /// `Forwarded: proto=https`). A client that claims HTTPS over plain
    /// HTTP only gets a cookie its browser will not send back.
    fn secure(&self, headers: &HeaderMap) -> bool {
        let https = |v: &str| v.trim().eq_ignore_ascii_case("https");
        self.secure_cookies
            || headers
                .get_all("x-forwarded-proto")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.split(',').next().is_some_and(https))
            || headers
                .get_all(axum::http::header::FORWARDED)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split([';', ',']))
                .filter_map(|pair| pair.trim().split_once('='))
                .any(|(k, v)| k.trim().eq_ignore_ascii_case("proto") && https(v.trim_matches('"')))
    }

    /// The `Set-Cookie` value for a new session, for a response to a
    /// request with `headers`.
    pub(crate) fn set_cookie(&self, value: &str, headers: &HeaderMap) -> String {
        format!(
            "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{}",
            if self.secure(headers) { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub(crate) fn clear_cookie(&self, headers: &HeaderMap) -> String {
        format!(
            "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}",
            if self.secure(headers) { "; Secure" } else { "" }
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use posture_core::Timestamp;
    use posture_plan::{HOST, Request};

    fn app() -> (tempfile::TempDir, App, Principal) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path).unwrap();
        let run = |c: &str| {
            Request::new(
                HOST,
                Timestamp::now(),
                serde_json::from_str::<Command>(c).unwrap(),
            )
        };
        store
            .run_batch(&[
                run(r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#),
                run(r#"{"type": "register_user", "user": "alice", "org": "acme", "name": "Alice", "email": "alice@acme.example"}"#),
            ])
            .unwrap();
        let issued = tokens::issue(&path, Some("alice"), None).unwrap();
        let (writer, _) = mpsc::channel(1);
        let app = App::new(
            Arc::new(Mutex::new(store)),
            path.clone(),
            writer,
            tokens::open(&path).unwrap(),
            false,
            Catalog::builtin(),
            Duration::from_secs(5),
        );
        let p = Principal {
            token_id: issued.id,
            actor: issued.actor,
        };
        (dir, app, p)
    }

    fn with_cookie(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {SESSION_COOKIE}={value}")).unwrap(),
        );
        h
    }

    #[test]
    fn a_token_keeps_its_most_recent_sessions_only() {
        let (_dir, app, p) = app();
        let cookies: Vec<String> = (0..SESSIONS_PER_TOKEN + 4)
            .map(|_| app.open_session(&p).unwrap())
            .collect();
        let live: Vec<bool> = cookies
            .iter()
            .map(|c| app.session(&with_cookie(c)).is_some())
            .collect();
        assert_eq!(live.iter().filter(|l| **l).count(), SESSIONS_PER_TOKEN);
        assert!(live[..4].iter().all(|l| !l), "the oldest ended: {live:?}");
        assert!(live[4..].iter().all(|l| *l), "{live:?}");
        // Another token's sessions are its own.
        let other = Principal {
            token_id: "another".into(),
            actor: "alice".into(),
        };
        let _ = app.open_session(&other).unwrap();
        assert!(app.session(&with_cookie(&cookies[4])).is_some());
        // A cookie that is no secret this server issued is no session.
        assert!(app.session(&with_cookie("x")).is_none());
        assert!(app.session(&HeaderMap::new()).is_none());
    }

    #[test]
    fn cookies_are_secure_when_a_proxy_says_https() {
        let (_dir, app, _) = app();
        let cookie = |pairs: &[(&str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.append(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                );
            }
            app.set_cookie("v", &h)
        };
        assert!(!cookie(&[]).contains("Secure"));
        assert!(!cookie(&[("x-forwarded-proto", "http")]).contains("Secure"));
        assert!(cookie(&[("x-forwarded-proto", "https")]).contains("; Secure"));
        assert!(cookie(&[("x-forwarded-proto", "HTTPS, http")]).contains("; Secure"));
        assert!(cookie(&[("forwarded", "for=1.2.3.4;proto=https")]).contains("; Secure"));
        assert!(cookie(&[("forwarded", r#"proto="https""#)]).contains("; Secure"));
        assert!(!cookie(&[("forwarded", "proto=http")]).contains("Secure"));
        let always = App {
            secure_cookies: true,
            ..app
        };
        assert!(
            always
                .set_cookie("v", &HeaderMap::new())
                .ends_with("; Secure")
        );
        assert!(always.clear_cookie(&HeaderMap::new()).contains("Max-Age=0"));
    }
}
