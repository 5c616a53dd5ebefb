//! The durable event store: SQLite (bundled), WAL, `synchronous=FULL`.
//!
//! Writers serialise on an immediate transaction, catch up on events other
//! processes appended, decide, append and commit: concurrent writers never
//! lose an event, and a process killed mid-write leaves the last committed
//! state (SQLite's atomic commit). Each stream (a plan, an organisation, a
//! user) also carries a version with a uniqueness constraint, so an append
//! decided on a stale view is refused rather than interleaved.

use crate::core::{State, WorkflowError, apply, apply_owned, decide};
use crate::model::{Command, EVENT_VERSION, Effect, Envelope, Event};
use posture_core::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Errors of the store itself (not refusals of commands).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("event store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored event could not be read.
    #[error("event store: event {seq} is unreadable: {message}")]
    Corrupt {
        /// Its sequence number.
        seq: i64,
        /// Why.
        message: String,
    },
    /// The store holds events of a newer schema than this build knows.
    #[error(
        "event store: event {seq} has schema version {version}, newer than {known}; upgrade posture"
    )]
    NewerVersion {
        /// Sequence number.
        seq: i64,
        /// Its version.
        version: u32,
        /// The newest this build knows.
        known: u32,
    },
}

/// The outcome of one command, as the wire protocol reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Response {
    /// Accepted.
    Ok {
        /// Always true.
        ok: bool,
        /// Events appended.
        events: Vec<Envelope>,
        /// Effects for the host.
        effects: Vec<Effect>,
    },
    /// Refused.
    Err {
        /// Always false.
        ok: bool,
        /// Why.
        error: WorkflowError,
    },
}

impl Response {
    /// A refusal.
    pub fn error(e: WorkflowError) -> Response {
        Response::Err {
            ok: false,
            error: e,
        }
    }
}

/// One command to run: who, when, what.
#[derive(Debug, Clone)]
pub struct Request {
    /// The actor.
    pub actor: String,
    /// The instant the command is decided at.
    pub at: Timestamp,
    /// The command.
    pub command: Command,
}

/// An open store.
pub struct Store {
    conn: Connection,
    state: State,
    last_seq: i64,
    versions: HashMap<String, i64>,
}

fn stream_of(e: &Event) -> String {
    match e {
        Event::OrganizationRegistered { org, .. } | Event::ScoreRecorded { org, .. } => {
            format!("org:{org}")
        }
        Event::UserRegistered { user, .. } | Event::LoginRecorded { user } => {
            format!("user:{user}")
        }
        Event::PlanCreated { plan, .. }
        | Event::ItemAdded { plan, .. }
        | Event::PlanStatusChanged { plan, .. }
        | Event::MessagePosted { plan, .. }
        | Event::ItemStatusChanged { plan, .. } => format!("plan:{plan}"),
        Event::ContactSaved { contact, .. }
        | Event::ContactRemoved { contact }
        | Event::InvitationSent { contact, .. }
        | Event::InvitationAccepted { contact, .. } => format!("contact:{contact}"),
        Event::ExpectationSet {
            requester, vendor, ..
        }
        | Event::ExpectationRepeated {
            requester, vendor, ..
        } => {
            format!("expectation:{requester}:{vendor}")
        }
        Event::ReminderSent { to, .. } => format!("reminder:{to}"),
        Event::QuestionnaireSent { questionnaire, .. }
        | Event::QuestionnaireAnswered { questionnaire, .. } => {
            format!("questionnaire:{questionnaire}")
        }
        Event::DocumentRequested { request, .. } | Event::DocumentFulfilled { request, .. } => {
            format!("document:{request}")
        }
        Event::ReportShared { contact, .. } => format!("contact:{contact}"),
    }
}

impl Store {
    /// Opens (creating if needed) a store file and replays it.
    ///
    /// # Errors
    /// SQLite errors, unreadable events, a newer schema version.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS events (
                 seq INTEGER PRIMARY KEY,
                 stream TEXT NOT NULL,
                 version INTEGER NOT NULL,
                 v INTEGER NOT NULL,
                 body TEXT NOT NULL,
                 UNIQUE (stream, version)
             );
             CREATE TABLE IF NOT EXISTS requests (
                 request_id TEXT PRIMARY KEY,
                 response TEXT NOT NULL
             );",
        )?;
        let mut store = Store {
            conn,
            state: State::default(),
            last_seq: 0,
            versions: HashMap::new(),
        };
        store.catch_up()?;
        Ok(store)
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Applies events appended since the last read (by any process).
    fn catch_up(&mut self) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, v, body FROM events WHERE seq > ?1 ORDER BY seq")?;
        let mut rows = stmt.query(params![self.last_seq])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let v: u32 = r.get(1)?;
            if v > EVENT_VERSION {
                return Err(StoreError::NewerVersion {
                    seq,
                    version: v,
                    known: EVENT_VERSION,
                });
            }
            // Borrow the text from SQLite's row buffer: no copy per event.
            let body = r.get_ref(2)?.as_str().map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            let e: Envelope = serde_json::from_str(body).map_err(|err| StoreError::Corrupt {
                seq,
                message: err.to_string(),
            })?;
            apply_owned(&mut self.state, e);
            self.last_seq = seq;
        }
        // Stream versions are looked up when appending; what this process
        // cached may be stale now.
        self.versions.clear();
        Ok(())
    }

    /// Runs a batch of commands in one transaction (group commit): each is
    /// decided on the state its predecessors left; the responses are
    /// returned only after the commit, so an `ok` is durable.
    ///
    /// # Errors
    /// Store failures (the whole batch is then not applied).
    pub fn run_batch(&mut self, batch: &[Request]) -> Result<Vec<Response>, StoreError> {
        // The write lock first, then catch up on other writers' events.
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = self.run_locked(batch);
        match result {
            Ok(responses) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(responses),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    self.reload()?;
                    Err(e.into())
                }
            },
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.reload()?;
                Err(e)
            }
        }
    }

    fn reload(&mut self) -> Result<(), StoreError> {
        self.state = State::default();
        self.last_seq = 0;
        self.versions.clear();
        self.catch_up()
    }

    fn run_locked(&mut self, batch: &[Request]) -> Result<Vec<Response>, StoreError> {
        self.catch_up()?;
        let mut out = Vec::with_capacity(batch.len());
        for req in batch {
            let rid = req.command.request_id().map(str::to_owned);
            if let Some(rid) = &rid {
                let prior: Option<String> = self
                    .conn
                    .query_row(
                        "SELECT response FROM requests WHERE request_id = ?1",
                        params![rid],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(text) = prior {
                    let resp: Response =
                        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                            seq: -1,
                            message: e.to_string(),
                        })?;
                    out.push(resp);
                    continue;
                }
            }
            let resp = match decide(&self.state, &req.command, &req.actor, req.at) {
                Err(e) => Response::error(e),
                Ok(d) => {
                    for e in &d.events {
                        let stream = stream_of(&e.event);
                        let version = match self.versions.get(&stream) {
                            Some(v) => *v,
                            None => self.conn.query_row(
                                "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1",
                                params![stream],
                                |r| r.get::<_, i64>(0),
                            )?,
                        } + 1;
                        let body = serde_json::to_string(e).map_err(|err| StoreError::Corrupt {
                            seq: -1,
                            message: err.to_string(),
                        })?;
                        self.conn.execute(
                            "INSERT INTO events (stream, version, v, body) VALUES (?1, ?2, ?3, ?4)",
                            params![stream, version, e.v, body],
                        )?;
                        self.last_seq = self.conn.last_insert_rowid();
                        self.versions.insert(stream, version);
                        apply(&mut self.state, e);
                    }
                    Response::Ok {
                        ok: true,
                        events: d.events,
                        effects: d.effects,
                    }
                }
            };
            if let Some(rid) = rid {
                let text = serde_json::to_string(&resp).map_err(|e| StoreError::Corrupt {
                    seq: -1,
                    message: e.to_string(),
                })?;
                self.conn.execute(
                    "INSERT INTO requests (request_id, response) VALUES (?1, ?2)",
                    params![rid, text],
                )?;
            }
            out.push(resp);
        }
        Ok(out)
    }

    /// Every stored event, in order.
    ///
    /// # Errors
    /// SQLite errors, unreadable events.
    pub fn events(&self) -> Result<Vec<Envelope>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, body FROM events ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            out.push(
                serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                    seq,
                    message: e.to_string(),
                })?,
            );
        }
        Ok(out)
    }
}
