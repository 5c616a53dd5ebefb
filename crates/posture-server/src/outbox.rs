//! The e-mail outbox: every `Effect::Email` of an accepted command, written
//! in the command's own transaction (table `server_outbox`), for a mail
//! integration to read with a host token (`GET /api/v1/outbox`). The
//! server never sends mail itself.
//!
//! A command repeated with its `request_id` gets its first response again,
//! effects included; its e-mails are written once (keyed by actor, request
//! id and the effect's place).

use crate::wire::OutboxEntry;
use posture_core::Timestamp;
use posture_plan::{Effect, Request, Response};
use rusqlite::{Connection, params};

/// Writes the e-mails of `responses` (answers to `requests`, in order).
pub(crate) fn write(
    conn: &Connection,
    at: Timestamp,
    requests: &[Request],
    responses: &[Response],
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO server_outbox (at, email, request_key) VALUES (?1, ?2, ?3)",
    )?;
    for (req, resp) in requests.iter().zip(responses) {
        let Response::Ok { effects, .. } = resp else {
            continue;
        };
        for (n, e) in effects.iter().enumerate() {
            if !matches!(e, Effect::Email { .. }) {
                continue;
            }
            let key = req
                .command
                .request_id()
                .map(|rid| format!("{}\u{0}{rid}\u{0}{n}", req.actor));
            let text = serde_json::to_string(e)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            insert.execute(params![at.to_string(), text, key])?;
        }
    }
    Ok(())
}

/// Up to `limit` e-mails after `after`, oldest first.
pub(crate) fn read(
    conn: &Connection,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, email FROM server_outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |r| {
        let text: String = r.get(2)?;
        Ok(OutboxEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            email: serde_json::from_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    2,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
        })
    })?;
    rows.collect()
}
