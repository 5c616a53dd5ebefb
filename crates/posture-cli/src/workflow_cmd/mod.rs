//! `posture workflow`: the wire protocol over the durable store.
//!
//! - `apply` ([`apply()`]): NDJSON commands in, one response line each, written
//!   once durable (group commit).
//! - `query` ([`query()`]): read-only views as an actor sees them.
//! - `rescan` ([`rescan()`]): the host's answer to pending rescans.

mod query;
mod rescan;

pub use query::{QueryArgs, query};
pub use rescan::{RescanLine, rescan, run_rescans};

use crate::error::CliError;
use posture_plan::wire::parse_line;
use posture_plan::{Request, Response, Store, StoreError, WorkflowError};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

fn store_error(path: &Path, e: &StoreError) -> CliError {
    CliError::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Opens the store for writing (creating it when missing), deciding with
/// `catalog`.
pub fn open_write(path: &Path, catalog: Arc<posture::Catalog>) -> Result<Store, CliError> {
    Store::open(path)
        .map(|s| s.with_catalog(catalog))
        .map_err(|e| store_error(path, &e))
}

/// Opens an existing store read-only (queries never write or create one).
pub fn open_read(path: &Path) -> Result<Store, CliError> {
    Store::open_read_only(path).map_err(|e| match e {
        StoreError::Missing(_) => CliError::Io {
            path: path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such event store"),
        },
        other => store_error(path, &other),
    })
}

/// Writes a snapshot of the state if one is due, after the commands'
/// responses were released. A snapshot is derived data: failing to write
/// one loses nothing (the commands were committed), so it is reported on
/// stderr and the command goes on.
fn snapshot_if_due(store: &mut Store, path: &Path) {
    if let Err(e) = store.snapshot_if_due() {
        eprintln!(
            "posture: warning: {}",
            posture_core::escape_controls(&format!("{}: no snapshot written: {e}", path.display()))
        );
    }
}

/// Largest group commit.
const MAX_BATCH: usize = 512;

/// Longest command line read; a longer one is refused in-band (and skipped
/// to its end) rather than held in memory.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// How one bounded line read ended.
enum Read1 {
    /// End of input, nothing read.
    Eof,
    /// A line (without its newline) is in the buffer.
    Line,
    /// The line was longer than the bound; its bytes were discarded up to
    /// and including its newline. Holds its length.
    TooLong(usize),
}

/// Reads one line of at most `max` bytes into `buf` (cleared first).
fn read_line_bounded(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Read1> {
    buf.clear();
    let mut total = 0usize;
    let mut any = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(match (any, total > max) {
                (false, _) => Read1::Eof,
                (true, true) => Read1::TooLong(total),
                (true, false) => Read1::Line,
            });
        }
        any = true;
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if total + take <= max {
            buf.extend_from_slice(&chunk[..take]);
        }
        total += take;
        r.consume(take + usize::from(done));
        if done {
            return Ok(if total > max {
                Read1::TooLong(total)
            } else {
                Read1::Line
            });
        }
    }
}

/// `posture workflow --store FILE apply`: answers every line on stdout (a
/// malformed line, text that is not UTF-8 or a line over
/// [`MAX_LINE_BYTES`] is refused in-band, naming the line), prints
/// `N applied, M refused` on stderr, and with `strict` fails (exit 2) when
/// any line was refused.
pub fn apply(
    store_path: &Path,
    catalog: Arc<posture::Catalog>,
    input: &str,
    strict: bool,
) -> Result<String, CliError> {
    let mut store = open_write(store_path, catalog)?;
    let reader: Box<dyn Read> = if input == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(input).map_err(|source| CliError::Io {
            path: input.to_owned(),
            source,
        })?)
    };
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut stdout = std::io::stdout().lock();
    let (mut line_no, mut applied, mut refused) = (0usize, 0usize, 0usize);
    let mut raw = Vec::new();
    let mut eof = false;
    while !eof {
        // Group commit: take every complete line already buffered, so a
        // pipe that writes one line and waits is answered at once, and a
        // file is committed in large batches.
        let mut slots: Vec<Result<Request, Response>> = Vec::new();
        loop {
            let read =
                read_line_bounded(&mut reader, &mut raw, MAX_LINE_BYTES).map_err(|source| {
                    CliError::Io {
                        path: input.to_owned(),
                        source,
                    }
                })?;
            match read {
                Read1::Eof => {
                    eof = true;
                    break;
                }
                Read1::TooLong(n) => {
                    line_no += 1;
                    slots.push(Err(Response::error(WorkflowError::invalid(format!(
                        "line {line_no}: {n} bytes, longer than the {MAX_LINE_BYTES} a command may have"
                    )))));
                }
                Read1::Line => {
                    line_no += 1;
                    slots.extend(parse_line(line_no, &raw));
                }
            }
            if slots.len() >= MAX_BATCH || !reader.buffer().contains(&b'\n') {
                break;
            }
        }
        let requests: Vec<Request> = slots
            .iter()
            .filter_map(|s| s.as_ref().ok().cloned())
            .collect();
        let mut responses = store
            .run_batch(&requests)
            .map_err(|e| store_error(store_path, &e))?
            .into_iter();
        let mut out = String::new();
        for slot in slots {
            let resp = match slot {
                Ok(_) => responses
                    .next()
                    .ok_or_else(|| CliError::Internal("a response went missing".into()))?,
                Err(r) => r,
            };
            if resp.is_ok() {
                applied += 1;
            } else {
                refused += 1;
            }
            out.push_str(&serde_json::to_string(&resp)?);
            out.push('\n');
        }
        stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|source| CliError::Io {
                path: "<stdout>".into(),
                source,
            })?;
        // The responses are out: now, if enough events accumulated, a
        // snapshot of the state for fast opening.
        snapshot_if_due(&mut store, store_path);
    }
    eprintln!("{applied} applied, {refused} refused");
    if strict && refused > 0 {
        return Err(CliError::Refused(refused));
    }
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines() {
        let input = b"short\nthis one is too long\n\nlast";
        let mut r = std::io::BufReader::with_capacity(4, &input[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            match read_line_bounded(&mut r, &mut buf, 8).unwrap() {
                Read1::Eof => break,
                Read1::Line => got.push(String::from_utf8(buf.clone()).unwrap()),
                Read1::TooLong(n) => got.push(format!("<{n}>")),
            }
        }
        assert_eq!(got, ["short", "<20>", "", "last"]);
    }

    #[test]
    fn bad_utf8_names_line_and_byte() {
        let Some(Err(Response::Err { error, .. })) = parse_line(7, b"{\"a\xff\"}") else {
            panic!("refused in-band");
        };
        assert_eq!(
            error.message,
            "line 7: not UTF-8 (invalid byte at byte 4 of the line)"
        );
        assert!(parse_line(1, b"   ").is_none());
    }
}
