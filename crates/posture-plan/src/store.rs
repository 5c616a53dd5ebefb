//! The durable event store: SQLite (bundled), WAL, `synchronous=FULL`.
//!
//! Writers serialise on an immediate transaction, catch up on events other
//! processes appended, decide, append and commit: concurrent writers never
//! lose an event, and a process killed mid-write leaves the last committed
//! state (SQLite's atomic commit). Each stream (a plan, an organisation, a
//! user) also carries a version with a uniqueness constraint, so an append
//! decided on a stale view is refused rather than interleaved.
//!
//! Request ids are scoped to the actor and bound to the command: the table
//! `request_log` is keyed by (actor, request id) and keeps a digest of the
//! command beside its first response. The same actor repeating the id with
//! the identical command gets that response and nothing is applied again;
//! with another command, a `conflict`; another actor's identical id is
//! unrelated. (Stores written by 0.1 also hold a `requests` table keyed by
//! the bare id; it is left as it was and no longer consulted.)
//!
//! Queries open the store read-only ([`Store::open_read_only`]): they work
//! on a read-only file system, and never create a store.
//!
//! Opening starts from a snapshot of the state where one is usable: see
//! [`Store`], "Snapshots".

use crate::decide::decide;
use crate::error::WorkflowError;
use crate::model::{Command, EVENT_VERSION, Effect, Envelope, Event};
use crate::state::{State, apply, apply_owned};
use posture_core::{Catalog, Timestamp};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Errors of the store itself (not refusals of commands).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("event store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// There is no store at the path (queries never create one).
    #[error("{}: no such event store", .0.display())]
    Missing(PathBuf),
    /// A stored event could not be read.
    #[error("event store: event {seq} is unreadable: {message}")]
    Corrupt {
        /// Its sequence number.
        seq: i64,
        /// Why it could not be read.
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
    /// A write was attempted on a store opened read-only.
    #[error("event store: opened read-only")]
    ReadOnly,
    /// The state could not be encoded as a snapshot.
    #[error("event store: snapshot: {0}")]
    Snapshot(String),
}

impl StoreError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Sqlite(_) => "sqlite",
            StoreError::Missing(_) => "missing",
            StoreError::Corrupt { .. } => "corrupt",
            StoreError::NewerVersion { .. } => "newer_version",
            StoreError::ReadOnly => "read_only",
            StoreError::Snapshot(_) => "snapshot",
        }
    }
}

/// The outcome of one command, as the wire protocol reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Response {
    /// Accepted: the events appended (none when nothing changed) and the
    /// effects for the host.
    Ok {
        /// Always true.
        ok: bool,
        /// Events appended.
        events: Vec<Envelope>,
        /// Effects for the host.
        effects: Vec<Effect>,
    },
    /// Refused: nothing was appended.
    Err {
        /// Always false.
        ok: bool,
        /// Why it was refused.
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

    /// Whether the command was accepted.
    pub fn is_ok(&self) -> bool {
        matches!(self, Response::Ok { .. })
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

impl Request {
    /// `actor` asks for `command` at `at`.
    ///
    /// ```
    /// use posture_plan::{Command, Request, HOST};
    /// use posture_core::Timestamp;
    /// let r = Request::new(HOST, Timestamp::now(), Command::record_login("alice"));
    /// assert_eq!(r.actor, "host");
    /// ```
    pub fn new(actor: impl Into<String>, at: Timestamp, command: Command) -> Request {
        Request {
            actor: actor.into(),
            at,
            command,
        }
    }
}

/// An open store.
///
/// # Snapshots
///
/// Opening a store folds its events into the [`State`]. So that a large
/// store opens fast, writers keep a snapshot of the state in the table
/// `snapshots`: opening loads the newest usable one and replays only the
/// events after it. A snapshot is derived data: deleting its rows changes
/// no answer. It is used only when all of these hold, and is otherwise
/// ignored (the events are replayed from the start; never an error):
///
/// - it was written with this build's snapshot format
///   ([`SNAPSHOT_FORMAT`](crate::SNAPSHOT_FORMAT)) and event schema
///   version ([`EVENT_VERSION`]);
/// - the event it covers is stored at the sequence number it names, with
///   the text it had (the snapshot records a SHA-256 digest of both): a
///   snapshot beyond the last event, or whose event was rewritten since,
///   is not used;
/// - its bytes have the recorded CRC-32 checksum, and decode whole (plan
///   items, which are decoded when first read, are checked to decode when
///   the snapshot is loaded).
///
/// Snapshots are written only by writers, and never as part of a batch:
/// [`Store::run_batch`] commits and returns its responses first; the host
/// then calls [`Store::snapshot_if_due`] (`posture workflow apply` does
/// after each group's responses are written), which writes one in its own
/// transaction when enough events were appended since the newest. A
/// failure there loses nothing: the commands were committed before. A
/// read-only open never writes one. A store written by 0.1 has no
/// `snapshots` table; opening it for writing creates one.
pub struct Store {
    conn: Connection,
    state: State,
    catalog: Arc<Catalog>,
    last_seq: i64,
    versions: HashMap<String, i64>,
    read_only: bool,
    /// The event covered by the snapshot the state was loaded from.
    loaded_snapshot: Option<i64>,
    /// The event covered by the newest snapshot this process knows of
    /// (loaded or written); 0 for none.
    snapshot_seq: i64,
    /// When a snapshot is due.
    snapshot_policy: SnapshotPolicy,
}

/// When [`Store::snapshot_if_due`] writes a snapshot: once the events
/// appended since the newest snapshot number at least `min_events` and at
/// least `fraction_per_mille`/1000 of the events it covers.
///
/// The fraction keeps the cost of writing snapshots proportional to the
/// events appended (the state, and so a snapshot, grows with the store),
/// and the minimum keeps small stores from writing one after every batch.
/// Opening replays at most the events since the newest snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// Fewest events since the newest snapshot.
    pub min_events: u64,
    /// Fewest events since the newest snapshot, in thousandths of the
    /// events it covers.
    pub fraction_per_mille: u64,
}

impl Default for SnapshotPolicy {
    /// 10,000 events, and 5% of the events covered (see BENCHMARKS.md,
    /// "Store opening with snapshots").
    fn default() -> Self {
        SnapshotPolicy {
            min_events: 10_000,
            fraction_per_mille: 50,
        }
    }
}

impl SnapshotPolicy {
    /// Whether a snapshot is due with the newest at `covered` and the last
    /// event at `last`.
    fn due(&self, covered: i64, last: i64) -> bool {
        let since = u64::try_from(last.saturating_sub(covered)).unwrap_or(0);
        let covered = u64::try_from(covered).unwrap_or(0);
        since > 0
            && since >= self.min_events
            && since >= covered.saturating_mul(self.fraction_per_mille) / 1000
    }
}

/// The newest usable snapshot: the state and the event it covers.
struct Loaded {
    seq: i64,
    state: State,
}

/// Hex SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a snapshot records of the event it covers: SHA-256 of its
/// sequence number and stored text, so that the snapshot is used only
/// where that event is, as it was.
fn event_digest(seq: i64, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(seq.to_be_bytes());
    h.update(body);
    hex(&h.finalize())
}

/// The stream an event belongs to, as unambiguous text: a JSON array of
/// its parts, so ids holding `:` or `/` can never make two streams one.
fn stream_of(e: &Event) -> String {
    let parts: Vec<&str> = match e {
        Event::OrganizationRegistered { org, .. } | Event::ScoreRecorded { org, .. } => {
            vec!["org", org]
        }
        Event::UserRegistered { user, .. } | Event::LoginRecorded { user } => vec!["user", user],
        Event::PlanCreated {
            requester, plan, ..
        }
        | Event::ItemAdded {
            requester, plan, ..
        }
        | Event::PlanStatusChanged {
            requester, plan, ..
        }
        | Event::MessagePosted {
            requester, plan, ..
        }
        | Event::ItemStatusChanged {
            requester, plan, ..
        } => vec!["plan", requester, plan],
        Event::ContactSaved {
            requester, contact, ..
        }
        | Event::ContactRemoved { requester, contact }
        | Event::InvitationSent {
            requester, contact, ..
        }
        | Event::InvitationAccepted {
            requester, contact, ..
        }
        | Event::ReportShared {
            requester, contact, ..
        } => vec!["contact", requester, contact],
        Event::ExpectationSet {
            requester, vendor, ..
        }
        | Event::ExpectationRepeated {
            requester, vendor, ..
        } => vec!["expectation", requester, vendor],
        Event::ReminderSent { requester, to, .. } => vec!["reminder", requester, to],
        Event::QuestionnaireSent {
            requester,
            questionnaire,
            ..
        }
        | Event::QuestionnaireAnswered {
            requester,
            questionnaire,
            ..
        } => vec!["questionnaire", requester, questionnaire],
        Event::DocumentRequested {
            requester, request, ..
        }
        | Event::DocumentFulfilled {
            requester, request, ..
        } => vec!["document", requester, request],
    };
    serde_json::Value::from(parts).to_string()
}

/// JSON text of what the store writes (events, responses, commands).
fn encode<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt {
        seq: -1,
        message: e.to_string(),
    })
}

/// The digest a request id is bound to: SHA-256 of the command's canonical
/// JSON (fields in declaration order, absent options left out).
fn command_digest(c: &Command) -> Result<String, StoreError> {
    Ok(sha256_hex(encode(c)?.as_bytes()))
}

/// `path` as an SQLite URI with `immutable=1` (for a store on a read-only
/// file system, where no `-shm` file can be made).
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'?' | b'#' | b'%' => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(char::from(b)),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

impl Store {
    /// Opens (creating if needed) a store file for reading and writing, and
    /// replays it: the newest usable snapshot, then the events after it
    /// (see [Snapshots](Store#snapshots)). Commands are decided with the
    /// built-in catalog (see [`Store::with_catalog`]).
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
             CREATE TABLE IF NOT EXISTS request_log (
                 actor TEXT NOT NULL,
                 request_id TEXT NOT NULL,
                 command TEXT NOT NULL,
                 response TEXT NOT NULL,
                 PRIMARY KEY (actor, request_id)
             );
             CREATE TABLE IF NOT EXISTS snapshots (
                 seq INTEGER PRIMARY KEY,
                 format INTEGER NOT NULL,
                 event_version INTEGER NOT NULL,
                 event_digest TEXT NOT NULL,
                 checksum INTEGER NOT NULL,
                 state BLOB NOT NULL
             );",
        )?;
        Self::replayed(conn, false)
    }

    /// Opens an existing store read-only and replays it (from the newest
    /// usable snapshot, as [`Store::open`]): for queries. It works on a
    /// read-only file system and on a file the process may not write, and
    /// writes nothing, not even a snapshot; a path with no file is
    /// [`StoreError::Missing`], never created.
    ///
    /// # Errors
    /// No file, SQLite errors, unreadable events, a newer schema version.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        Self::replayed(read_only_connection(path)?, true)
    }

    fn replayed(conn: Connection, read_only: bool) -> Result<Store, StoreError> {
        let mut store = Store {
            conn,
            state: State::default(),
            catalog: Catalog::builtin(),
            last_seq: 0,
            versions: HashMap::new(),
            read_only,
            loaded_snapshot: None,
            snapshot_seq: 0,
            snapshot_policy: SnapshotPolicy::default(),
        };
        store.reload()?;
        Ok(store)
    }

    /// Write snapshots by this policy (see [`Store::snapshot_if_due`]).
    #[must_use]
    pub fn with_snapshot_policy(mut self, policy: SnapshotPolicy) -> Store {
        self.snapshot_policy = policy;
        self
    }

    /// The event covered by the snapshot the state was last loaded from,
    /// or `None` when every event was replayed (no usable snapshot).
    pub fn loaded_snapshot(&self) -> Option<i64> {
        self.loaded_snapshot
    }

    /// The newest usable snapshot, if any. Everything that makes one
    /// unusable (none, another version, a covered event that is missing or
    /// differs, bytes that do not match their checksum or do not decode,
    /// no `snapshots` table, a table of another shape) yields `None`: the
    /// caller replays from the start. It is read in one read transaction:
    /// a writer replacing the snapshot meanwhile is not seen half-way.
    fn newest_snapshot(&self) -> Option<Loaded> {
        // A store written by 0.1 has none.
        self.conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'",
                [],
                |_| Ok(()),
            )
            .optional()
            .ok()??;
        // Ended (rolled back: it only read) when dropped.
        let _read = self.conn.unchecked_transaction().ok()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.seq, s.event_digest, s.checksum, e.body
                 FROM snapshots s JOIN events e ON e.seq = s.seq
                 WHERE s.format = ?1 AND s.event_version = ?2
                 ORDER BY s.seq DESC",
            )
            .ok()?;
        let mut rows = stmt
            .query(params![crate::snapshot::SNAPSHOT_FORMAT, EVENT_VERSION])
            .ok()?;
        while let Ok(Some(r)) = rows.next() {
            let usable = || -> Option<Loaded> {
                let seq: i64 = r.get(0).ok()?;
                let digest = r.get_ref(1).ok()?.as_str().ok()?;
                let body = r.get_ref(3).ok()?.as_bytes().ok()?;
                if event_digest(seq, body) != digest {
                    return None;
                }
                let checksum: i64 = r.get(2).ok()?;
                // The bytes are read straight into the buffer the state
                // keeps (plans' items are decoded from it when read): one
                // copy, where reading the column would make two.
                let mut blob = self
                    .conn
                    .blob_open(rusqlite::MAIN_DB, "snapshots", "state", seq, true)
                    .ok()?;
                let mut bytes = Vec::with_capacity(blob.len());
                std::io::Read::read_to_end(&mut blob, &mut bytes).ok()?;
                if i64::from(crc32fast::hash(&bytes)) != checksum {
                    return None;
                }
                let state = crate::snapshot::decode(bytes).ok()?;
                Some(Loaded { seq, state })
            };
            if let Some(loaded) = usable() {
                return Some(loaded);
            }
        }
        None
    }

    /// Decide commands with this catalog (plan items, targets and
    /// suggested issues must name its issue types).
    #[must_use]
    pub fn with_catalog(mut self, catalog: Arc<Catalog>) -> Store {
        self.catalog = catalog;
        self
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The state, closing the store.
    pub fn into_state(self) -> State {
        self.state
    }

    /// The catalog commands are decided with.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
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
            let e = crate::upgrade::parse(v, body, &self.state)
                .map_err(|message| StoreError::Corrupt { seq, message })?;
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
    /// Store failures (the whole batch is then not applied), or
    /// [`StoreError::ReadOnly`].
    pub fn run_batch(&mut self, batch: &[Request]) -> Result<Vec<Response>, StoreError> {
        self.run_batch_with(batch, |_, _| Ok(()))
    }

    /// [`Store::run_batch`], with `within` run in the same transaction once
    /// every command of the batch was decided, before the commit: a host
    /// writes rows of its own tables there (an outbox of the e-mails the
    /// responses ask for, say), which then commit with the events or not
    /// at all. `within` must keep to tables of its own.
    ///
    /// # Errors
    /// As [`Store::run_batch`]; an error from `within` rolls the whole
    /// batch back.
    ///
    /// ```
    /// use posture_plan::{Command, HOST, Request, Store};
    /// let dir = std::env::temp_dir().join(format!("posture-doc-with-{}", std::process::id()));
    /// let _ = std::fs::remove_file(&dir);
    /// let mut store = Store::open(&dir).unwrap();
    /// let r = Request::new(HOST, "2026-11-01T00:00:00Z".parse().unwrap(), Command::record_login("nobody"));
    /// let out = store.run_batch_with(&[r], |conn, responses| {
    ///     conn.execute_batch("CREATE TABLE IF NOT EXISTS host_log (n INTEGER)")?;
    ///     conn.execute("INSERT INTO host_log (n) VALUES (?1)", [responses.len() as i64])?;
    ///     Ok(())
    /// }).unwrap();
    /// assert_eq!(out.len(), 1);
    /// # drop(store); let _ = std::fs::remove_file(&dir);
    /// ```
    pub fn run_batch_with<F>(
        &mut self,
        batch: &[Request],
        within: F,
    ) -> Result<Vec<Response>, StoreError>
    where
        F: FnOnce(&Connection, &[Response]) -> Result<(), rusqlite::Error>,
    {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        // The write lock first, then catch up on other writers' events.
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = self
            .run_locked(batch)
            .and_then(|r| within(&self.conn, &r).map(|()| r).map_err(StoreError::from));
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

    /// Rebuilds the state from the store: the newest usable snapshot, then
    /// the events after it.
    fn reload(&mut self) -> Result<(), StoreError> {
        self.versions.clear();
        match self.newest_snapshot() {
            Some(Loaded { seq, state }) => {
                self.state = state;
                self.last_seq = seq;
                self.loaded_snapshot = Some(seq);
                self.snapshot_seq = seq;
            }
            None => {
                self.state = State::default();
                self.last_seq = 0;
                self.loaded_snapshot = None;
            }
        }
        self.catch_up()
    }

    /// Writes a snapshot of the state if one is due by the store's
    /// [`SnapshotPolicy`], in a transaction of its own. Call it after the
    /// responses of [`Store::run_batch`] were released: it never delays an
    /// acknowledgement, and a failure here loses no command (they were
    /// committed before). Returns the event the new snapshot covers.
    ///
    /// # Errors
    /// [`StoreError::ReadOnly`]; SQLite errors (nothing is written then).
    pub fn snapshot_if_due(&mut self) -> Result<Option<i64>, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        if !self.snapshot_policy.due(self.snapshot_seq, self.last_seq) {
            return Ok(None);
        }
        self.write_snapshot_when(true)
    }

    /// Writes a snapshot of the state now (after catching up on other
    /// writers' events), replacing the older ones. Returns the event it
    /// covers, or `None` for a store with no events.
    ///
    /// # Errors
    /// [`StoreError::ReadOnly`]; SQLite errors (nothing is written then).
    pub fn write_snapshot(&mut self) -> Result<Option<i64>, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        self.write_snapshot_when(false)
    }

    fn write_snapshot_when(&mut self, only_if_due: bool) -> Result<Option<i64>, StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match self.write_snapshot_locked(only_if_due) {
            Ok(Some(seq)) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => {
                    self.snapshot_seq = seq;
                    Ok(Some(seq))
                }
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(e.into())
                }
            },
            Ok(None) => {
                self.conn.execute_batch("ROLLBACK")?;
                Ok(None)
            }
            Err(e) => {
                // Nothing was appended: the state still folds the events
                // up to `last_seq` (catching up only applied committed
                // ones), so there is nothing to reload.
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn write_snapshot_locked(&mut self, only_if_due: bool) -> Result<Option<i64>, StoreError> {
        self.catch_up()?;
        // Another writer may have written one meanwhile.
        let newest: i64 = self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM snapshots WHERE format = ?1 AND event_version = ?2",
            params![crate::snapshot::SNAPSHOT_FORMAT, EVENT_VERSION],
            |r| r.get(0),
        )?;
        self.snapshot_seq = self.snapshot_seq.max(newest.min(self.last_seq));
        if self.last_seq == 0
            || newest >= self.last_seq
            || (only_if_due && !self.snapshot_policy.due(self.snapshot_seq, self.last_seq))
        {
            return Ok(None);
        }
        let body: String = self.conn.query_row(
            "SELECT body FROM events WHERE seq = ?1",
            params![self.last_seq],
            |r| r.get(0),
        )?;
        let bytes = crate::snapshot::encode(&self.state)
            .map_err(|e| StoreError::Snapshot(e.to_string()))?;
        // One snapshot is kept: the older ones (of any version) are
        // replaced by this one.
        self.conn.execute("DELETE FROM snapshots", [])?;
        self.conn.execute(
            "INSERT INTO snapshots (seq, format, event_version, event_digest, checksum, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                self.last_seq,
                crate::snapshot::SNAPSHOT_FORMAT,
                EVENT_VERSION,
                event_digest(self.last_seq, body.as_bytes()),
                i64::from(crc32fast::hash(&bytes)),
                bytes
            ],
        )?;
        Ok(Some(self.last_seq))
    }

    /// The first response to (actor, request id), if that pair was used:
    /// the stored response for the same command, a `conflict` for another.
    fn prior(&self, actor: &str, rid: &str, digest: &str) -> Result<Option<Response>, StoreError> {
        let prior: Option<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT command, response FROM request_log WHERE actor = ?1 AND request_id = ?2",
            )?
            .query_row(params![actor, rid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((command, text)) = prior else {
            return Ok(None);
        };
        if command != digest {
            return Ok(Some(Response::error(WorkflowError::conflict(format!(
                "request_id `{}` was already used for another command",
                posture_core::echo(rid)
            )))));
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                seq: -1,
                message: format!("request_log ({rid}): {e}"),
            })
    }

    fn run_locked(&mut self, batch: &[Request]) -> Result<Vec<Response>, StoreError> {
        self.catch_up()?;
        let mut out = Vec::with_capacity(batch.len());
        for req in batch {
            let bound = match req.command.request_id() {
                Some(rid) => {
                    let digest = command_digest(&req.command)?;
                    if let Some(resp) = self.prior(&req.actor, rid, &digest)? {
                        out.push(resp);
                        continue;
                    }
                    Some((rid, digest))
                }
                None => None,
            };
            let resp = match decide(&self.state, &self.catalog, &req.command, &req.actor, req.at) {
                Err(e) => Response::error(e),
                Ok(d) => {
                    for e in &d.events {
                        self.append(e)?;
                    }
                    Response::Ok {
                        ok: true,
                        events: d.events,
                        effects: d.effects,
                    }
                }
            };
            if let Some((rid, digest)) = bound {
                let text = encode(&resp)?;
                self.conn
                    .prepare_cached(
                        "INSERT INTO request_log (actor, request_id, command, response)
                         VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![req.actor, rid, digest, text])?;
            }
            out.push(resp);
        }
        Ok(out)
    }

    fn append(&mut self, e: &Envelope) -> Result<(), StoreError> {
        let stream = stream_of(&e.event);
        let version = match self.versions.get(&stream) {
            Some(v) => *v,
            None => self
                .conn
                .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")?
                .query_row(params![stream], |r| r.get::<_, i64>(0))?,
        } + 1;
        let body = encode(e)?;
        self.conn
            .prepare_cached(
                "INSERT INTO events (stream, version, v, body) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![stream, version, e.v, body])?;
        self.last_seq = self.conn.last_insert_rowid();
        self.versions.insert(stream, version);
        apply(&mut self.state, e);
        Ok(())
    }

    /// Every stored event, in order (version-1 events upgraded, as replay
    /// sees them).
    ///
    /// # Errors
    /// SQLite errors, unreadable events.
    pub fn events(&self) -> Result<Vec<Envelope>, StoreError> {
        events_on(&self.conn)
    }

    /// Every event of the store at `path`, in order, as [`Store::events`]
    /// reads them, on a read-only connection of its own: a host that keeps
    /// a `Store` open for writing reads the log this way without holding
    /// that store (SQLite's WAL lets readers and the writer run at once),
    /// and sees at least every event committed before the call.
    ///
    /// # Errors
    /// No file ([`StoreError::Missing`], never created), SQLite errors,
    /// unreadable events.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("plans.sqlite");
    /// assert!(posture_plan::Store::read_events(&path).is_err());
    /// posture_plan::Store::open(&path).unwrap();
    /// assert!(posture_plan::Store::read_events(&path).unwrap().is_empty());
    /// ```
    pub fn read_events(path: &Path) -> Result<Vec<Envelope>, StoreError> {
        events_on(&read_only_connection(path)?)
    }
}

/// A read-only connection to an existing store (never created): for
/// [`Store::open_read_only`] and [`Store::read_events`].
fn read_only_connection(path: &Path) -> Result<Connection, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Missing(path.to_owned()));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let normal = Connection::open_with_flags(path, flags).and_then(|c| {
        c.busy_timeout(std::time::Duration::from_secs(30))?;
        // Reading the schema proves the WAL index could be opened.
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(c)
    });
    Ok(match normal {
        Ok(c) => c,
        // A WAL store on a read-only file system: SQLite cannot make the
        // `-shm` index there. Nothing can write such a file either, so
        // reading it as immutable is exact.
        Err(_) => {
            Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)?
        }
    })
}

/// Every event on `conn`, in order (version-1 events upgraded).
fn events_on(conn: &Connection) -> Result<Vec<Envelope>, StoreError> {
    let mut stmt = conn.prepare("SELECT seq, v, body FROM events ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    // Upgrading a v1 event needs the state before it.
    let mut state = State::default();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let v: u32 = r.get(1)?;
        let body = r.get_ref(2)?.as_str().map_err(|e| StoreError::Corrupt {
            seq,
            message: e.to_string(),
        })?;
        let e = crate::upgrade::parse(v, body, &state)
            .map_err(|message| StoreError::Corrupt { seq, message })?;
        apply(&mut state, &e);
        out.push(e);
    }
    Ok(out)
}
