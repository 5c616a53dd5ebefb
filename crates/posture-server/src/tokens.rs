//! API tokens: issued once, kept as SHA-256 digests.
//!
//! The server's tables live in the workflow store's SQLite file, beside the
//! workflow's own (`events`, `request_log`, `snapshots`), and are named
//! `server_*` so they never meet: `server_tokens` (one row per token: an
//! id, the SHA-256 digest of the token, the actor, whether it is a host
//! token, a label, when it was issued and revoked) and `server_outbox`
//! (see [`crate::OutboxEntry`]). The token itself is printed once, when it is
//! issued, and stored nowhere.

use crate::ServerError;
use crate::secret::{digest, random_hex, random_secret, same, well_formed};
use posture_core::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

/// Creates the server's tables when missing.
pub(crate) fn ensure_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS server_tokens (
             id TEXT PRIMARY KEY,
             digest BLOB NOT NULL UNIQUE,
             actor TEXT NOT NULL,
             host INTEGER NOT NULL,
             label TEXT,
             created_at TEXT NOT NULL,
             revoked_at TEXT
         );
         CREATE TABLE IF NOT EXISTS server_outbox (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             at TEXT NOT NULL,
             email TEXT NOT NULL,
             request_key TEXT UNIQUE
         );",
    )
}

/// Opens the store's file for the server's tables (never creating it).
pub(crate) fn open(path: &Path) -> Result<Connection, ServerError> {
    if !path.is_file() {
        return Err(ServerError::MissingStore(path.display().to_string()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    ensure_schema(&conn)?;
    Ok(conn)
}

/// Who a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's id (for revocation and logs; not secret).
    pub token_id: String,
    /// The workflow actor: a user id, or `host`.
    pub actor: String,
}

impl Principal {
    /// Whether this is the host actor (a token issued with `--host`).
    pub fn is_host(&self) -> bool {
        self.actor == posture_plan::HOST
    }
}

/// A token just issued: the only time its text exists outside the caller.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    /// Its id, for `posture token revoke`.
    pub id: String,
    /// The actor it speaks for.
    pub actor: String,
    /// The token: 256 random bits, base64url. Printed once; the store keeps
    /// only its SHA-256 digest.
    pub token: String,
}

/// A token as `posture token list` shows it (never the token or its
/// digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Its id.
    pub id: String,
    /// The actor it speaks for.
    pub actor: String,
    /// Its label, if given.
    pub label: Option<String>,
    /// When it was issued (RFC 3339).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Issues a token for `user` (a registered user of the store), or for the
/// host actor when `user` is `None`. Returns the token, which is not
/// stored anywhere: only its SHA-256 digest is.
///
/// # Errors
/// No store at `path`; an unknown user; `host` named as a user; SQLite
/// errors.
pub fn issue(
    path: &Path,
    user: Option<&str>,
    label: Option<&str>,
) -> Result<IssuedToken, ServerError> {
    let actor = match user {
        None => posture_plan::HOST.to_owned(),
        Some(u) if u == posture_plan::HOST => return Err(ServerError::ReservedUser),
        Some(u) => {
            let store = posture_plan::Store::open_read_only(path).map_err(|e| match e {
                posture_plan::StoreError::Missing(_) => {
                    ServerError::MissingStore(path.display().to_string())
                }
                other => other.into(),
            })?;
            if !store.state().users.contains_key(u) {
                return Err(ServerError::UnknownUser(posture_core::echo(u).to_string()));
            }
            u.to_owned()
        }
    };
    let conn = open(path)?;
    let token = random_secret()?;
    let id = random_hex(6)?;
    conn.execute(
        "INSERT INTO server_tokens (id, digest, actor, host, label, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            &digest(&token)[..],
            actor,
            user.is_none(),
            label,
            Timestamp::now().to_string()
        ],
    )?;
    Ok(IssuedToken { id, actor, token })
}

/// Every token of the store, oldest first.
///
/// # Errors
/// No store at `path`; SQLite errors.
pub fn list(path: &Path) -> Result<Vec<TokenInfo>, ServerError> {
    let conn = open(path)?;
    let mut stmt = conn.prepare(
        "SELECT id, actor, label, created_at, revoked_at FROM server_tokens ORDER BY rowid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(TokenInfo {
            id: r.get(0)?,
            actor: r.get(1)?,
            label: r.get(2)?,
            created_at: r.get(3)?,
            revoked_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes the token `id`: from now on it authenticates nothing, and the
/// web sessions it opened end. Revoking it again changes nothing.
///
/// # Errors
/// No such token; no store at `path`; SQLite errors.
pub fn revoke(path: &Path, id: &str) -> Result<TokenInfo, ServerError> {
    let conn = open(path)?;
    conn.execute(
        "UPDATE server_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, Timestamp::now().to_string()],
    )?;
    list(path)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ServerError::UnknownToken(posture_core::echo(id).to_string()))
}

/// The principal of a presented token, if it is one this store issued and
/// has not revoked. The lookup is by the SHA-256 digest of what was
/// presented (its timing says nothing about stored tokens: nobody can
/// choose a digest), then the stored digest is compared in constant time.
pub(crate) fn verify(conn: &Connection, presented: &str) -> rusqlite::Result<Option<Principal>> {
    if !well_formed(presented) {
        return Ok(None);
    }
    let d = digest(presented);
    let row: Option<(String, Vec<u8>, String)> = conn
        .prepare_cached(
            "SELECT id, digest, actor FROM server_tokens WHERE digest = ?1 AND revoked_at IS NULL",
        )?
        .query_row(params![&d[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.and_then(|(token_id, stored, actor)| {
        same(&stored, &d).then_some(Principal { token_id, actor })
    }))
}

/// Whether the token `id` is still valid (a web session checks its token
/// on every request, so revoking a token ends its sessions).
pub(crate) fn active(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM server_tokens WHERE id = ?1 AND revoked_at IS NULL")?
        .query_row(params![id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use posture_plan::{Command, HOST, Request, Store};

    fn store() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let mut s = Store::open(&path).unwrap();
        let at = Timestamp::now();
        let run = |c: &str| Request::new(HOST, at, serde_json::from_str::<Command>(c).unwrap());
        s.run_batch(&[
            run(r#"{"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}"#),
            run(r#"{"type": "register_user", "user": "alice", "org": "acme", "name": "Alice", "email": "alice@acme.example"}"#),
        ])
        .unwrap();
        (dir, path)
    }

    #[test]
    fn issue_verify_revoke() {
        let (_d, path) = store();
        let t = issue(&path, Some("alice"), Some("laptop")).unwrap();
        let conn = open(&path).unwrap();
        let p = verify(&conn, &t.token).unwrap().unwrap();
        assert_eq!(p.actor, "alice");
        assert!(!p.is_host());
        assert!(verify(&conn, "x").unwrap().is_none());
        let mut wrong = t.token.clone();
        wrong.replace_range(0..1, if wrong.starts_with('A') { "B" } else { "A" });
        assert!(verify(&conn, &wrong).unwrap().is_none());
        let h = issue(&path, None, None).unwrap();
        assert!(verify(&conn, &h.token).unwrap().unwrap().is_host());
        assert_eq!(list(&path).unwrap().len(), 2);
        let r = revoke(&path, &t.id).unwrap();
        assert!(r.revoked_at.is_some());
        assert!(verify(&conn, &t.token).unwrap().is_none());
        assert!(!active(&conn, &t.id).unwrap());
        assert!(matches!(
            revoke(&path, "nope"),
            Err(ServerError::UnknownToken(_))
        ));
        assert!(matches!(
            issue(&path, Some("bob"), None),
            Err(ServerError::UnknownUser(_))
        ));
        assert!(matches!(
            issue(&path, Some("host"), None),
            Err(ServerError::ReservedUser)
        ));
        // The token's text is in no byte of the store.
        drop(conn);
        let bytes = std::fs::read(&path).unwrap();
        let wal = std::fs::read(path.with_extension("sqlite-wal")).unwrap_or_default();
        for b in [&bytes, &wal] {
            assert!(!b.windows(t.token.len()).any(|w| w == t.token.as_bytes()));
        }
    }

    #[test]
    fn a_missing_store_is_never_created() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("none.sqlite");
        assert!(matches!(
            issue(&p, None, None),
            Err(ServerError::MissingStore(_))
        ));
        assert!(!p.exists());
    }
}
