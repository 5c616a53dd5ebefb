//! Batch commands (`score`, `improve`, `csr`) as a stream: the input is
//! read a wave of documents at a time, each document parsed, validated and
//! turned into its result in parallel, and the results written in input
//! order to a spool that reaches standard output only once every document
//! was valid (contracts: one bad document fails the run with nothing on
//! stdout).
//!
//! Memory follows two waves and the spool's in-memory part, not the batch:
//! the next wave is read while the current one is processed, and the spool
//! moves to an unnamed temporary file past [`SPOOL_IN_MEMORY`] bytes.

use crate::Format;
use crate::error::CliError;
use posture_core::input::{BatchError, BatchReader, RawDocument, ReadError, Wave};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{Read, Seek, Write};

/// Bytes of input read per wave.
const WAVE: usize = 8 << 20;

/// Results kept in memory before the spool moves to a temporary file.
const SPOOL_IN_MEMORY: usize = 64 << 20;

/// Sizes of the pipeline (the tests make them small).
#[derive(Debug, Clone, Copy)]
struct Tuning {
    wave: usize,
    spool_in_memory: usize,
}

const TUNING: Tuning = Tuning {
    wave: WAVE,
    spool_in_memory: SPOOL_IN_MEMORY,
};

/// The results of a command, held until they may be released.
#[derive(Debug)]
pub struct Spool {
    memory: Vec<u8>,
    file: Option<std::io::BufWriter<std::fs::File>>,
    in_memory: usize,
}

impl Default for Spool {
    fn default() -> Self {
        Spool::holding(SPOOL_IN_MEMORY)
    }
}

impl Spool {
    fn holding(in_memory: usize) -> Spool {
        Spool {
            memory: Vec::new(),
            file: None,
            in_memory,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        let io = |source| CliError::Io {
            path: "<temporary spool file>".into(),
            source,
        };
        if self.file.is_none() && self.memory.len() + bytes.len() > self.in_memory {
            let mut f =
                std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile().map_err(io)?);
            f.write_all(&self.memory).map_err(io)?;
            self.memory = Vec::new();
            self.file = Some(f);
        }
        match &mut self.file {
            Some(f) => f.write_all(bytes).map_err(io),
            None => {
                self.memory.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Writes everything held to `out`.
    ///
    /// # Errors
    /// The spool file or `out` failed.
    pub fn release(self, out: &mut impl Write) -> std::io::Result<()> {
        match self.file {
            None => out.write_all(&self.memory),
            Some(f) => {
                let mut f = f
                    .into_inner()
                    .map_err(std::io::IntoInnerError::into_error)?;
                f.rewind()?;
                std::io::copy(&mut f, out).map(|_| ())
            }
        }
    }
}

/// How each result is written: one compact JSON line, or a table (a table
/// after the first is preceded by a blank line, which the writer adds).
fn render<T: Serialize>(
    item: &T,
    format: Format,
    table: &(impl Fn(&T) -> String + Sync),
) -> Result<Vec<u8>, CliError> {
    Ok(match format {
        Format::Json => {
            let mut v = serde_json::to_vec(item)?;
            v.push(b'\n');
            v
        }
        Format::Table => table(item).into_bytes(),
    })
}

/// Reads `input` (`-` for standard input), turns every document into its
/// result with `process` (in parallel, in input order) and spools what
/// `format` makes of them. JSON is one compact line per document, the
/// same for one document as for many (a JSON array or NDJSON).
///
/// # Errors
/// The input cannot be read; the first bad document (by number), located
/// by document and line, with nothing spooled for release.
pub fn run<T, P, R>(input: &str, format: Format, process: P, table: R) -> Result<Spool, CliError>
where
    T: Serialize + Send,
    P: Fn(&RawDocument<'_>) -> Result<T, posture_core::Error> + Sync,
    R: Fn(&T) -> String + Sync,
{
    run_tuned(input, format, process, table, TUNING)
}

fn run_tuned<T, P, R>(
    input: &str,
    format: Format,
    process: P,
    table: R,
    tuning: Tuning,
) -> Result<Spool, CliError>
where
    T: Serialize + Send,
    P: Fn(&RawDocument<'_>) -> Result<T, posture_core::Error> + Sync,
    R: Fn(&T) -> String + Sync,
{
    let name = if input == "-" { "<stdin>" } else { input };
    let source: Box<dyn Read + Send> = if input == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(input).map_err(|source| CliError::Io {
            path: input.to_owned(),
            source,
        })?)
    };
    let read_error = |e: ReadError| match e {
        ReadError::Io(source) => CliError::Io {
            path: name.to_owned(),
            source,
        },
        ReadError::Batch(b) => CliError::Input(format!("{name}: {b}")),
        other => CliError::Input(format!("{name}: {other}")),
    };
    let mut reader = BatchReader::new(std::io::BufReader::with_capacity(1 << 16, source));
    let Some(mut wave) = reader.next_wave(tuning.wave).map_err(read_error)? else {
        // The reader refuses input without a document; nothing to write.
        return Ok(Spool::holding(tuning.spool_in_memory));
    };
    let mut written = Written {
        spool: Spool::holding(tuning.spool_in_memory),
        format,
        first: true,
        name,
    };
    // Three stages at once: the results of the wave before are written
    // and the next wave read while this one is processed.
    let mut pending: Option<Vec<Result<Vec<u8>, Failure>>> = None;
    loop {
        let (results, (wrote, next)) = rayon::join(
            || {
                process_wave(&wave, &|d| {
                    let item = process(d).map_err(|source| {
                        Failure::Document(BatchError {
                            number: d.number,
                            line: d.line,
                            source,
                        })
                    })?;
                    render(&item, format, &table).map_err(Failure::Output)
                })
            },
            || {
                let wrote = pending.take().map_or(Ok(()), |r| written.add(r));
                let next = if wrote.is_err() || reader.is_done() {
                    Ok(None)
                } else {
                    reader.next_wave(tuning.wave)
                };
                (wrote, next)
            },
        );
        wrote?;
        pending = Some(results);
        match next.map_err(read_error)? {
            Some(w) => wave = w,
            None => {
                written.add(pending.take().unwrap_or_default())?;
                return Ok(written.spool);
            }
        }
    }
}

/// The spool and how results go into it.
struct Written<'a> {
    spool: Spool,
    format: Format,
    first: bool,
    name: &'a str,
}

impl Written<'_> {
    /// Spools a wave's results in order; the first failure ends the run.
    fn add(&mut self, results: Vec<Result<Vec<u8>, Failure>>) -> Result<(), CliError> {
        for r in results {
            let bytes = r.map_err(|f| match f {
                Failure::Document(e) => CliError::Input(format!("{}: {e}", self.name)),
                Failure::Output(e) => e,
            })?;
            if self.format == Format::Table && !self.first {
                self.spool.write(b"\n")?;
            }
            self.spool.write(&bytes)?;
            self.first = false;
        }
        Ok(())
    }
}

/// Why a document has no result.
enum Failure {
    /// The document is bad (located).
    Document(BatchError),
    /// Its result could not be written.
    Output(CliError),
}

/// Every document of a wave through `process`, in parallel, in order.
fn process_wave<P>(wave: &Wave, process: &P) -> Vec<Result<Vec<u8>, Failure>>
where
    P: Fn(&RawDocument<'_>) -> Result<Vec<u8>, Failure> + Sync,
{
    (0..wave.len())
        .into_par_iter()
        .filter_map(|i| wave.document(i))
        .map(|d| process(&d.map_err(Failure::Document)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Echo {
        n: u64,
    }

    fn numbers(d: &RawDocument<'_>) -> Result<Echo, posture_core::Error> {
        let v: serde_json::Value =
            serde_json::from_str(d.text).map_err(|e| posture_core::Error::Syntax {
                location: format!("line {} column {}", e.line(), e.column()),
                message: e.to_string(),
            })?;
        v.get("n")
            .and_then(serde_json::Value::as_u64)
            .map(|n| Echo { n })
            .ok_or(posture_core::Error::OutOfRange {
                path: "n".into(),
                message: "a count".into(),
            })
    }

    fn table(e: &Echo) -> String {
        format!("n = {}\n", e.n)
    }

    fn file(text: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text).unwrap();
        f
    }

    fn out(spool: Spool) -> String {
        let mut v = Vec::new();
        spool.release(&mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    const TINY: Tuning = Tuning {
        wave: 40,
        spool_in_memory: 64,
    };

    #[test]
    fn many_small_waves_keep_the_input_order_and_spill_to_a_file() {
        let input: String = (0..500).map(|n| format!("{{\"n\": {n}}}\n")).collect();
        let f = file(input.as_bytes());
        let path = f.path().to_str().unwrap();
        let got = out(run_tuned(path, Format::Json, numbers, table, TINY).unwrap());
        let want: String = (0..500).map(|n| format!("{{\"n\":{n}}}\n")).collect();
        assert_eq!(got, want);
        let got = out(run_tuned(path, Format::Table, numbers, table, TINY).unwrap());
        let want: Vec<String> = (0..500).map(|n| format!("n = {n}\n")).collect();
        assert_eq!(got, want.join("\n"));
    }

    #[test]
    fn one_document_prints_one_line_as_an_array_or_ndjson_would() {
        for input in [&b"  {\"n\": 7}\n"[..], b"[{\"n\": 7}]", b"{\"n\": 7}"] {
            let f = file(input);
            let got = out(run_tuned(
                f.path().to_str().unwrap(),
                Format::Json,
                numbers,
                table,
                TINY,
            )
            .unwrap());
            assert_eq!(got, "{\"n\":7}\n");
        }
        // No document at all is bad input, not an empty result.
        let f = file(b" \n");
        let e = run_tuned(
            f.path().to_str().unwrap(),
            Format::Table,
            numbers,
            table,
            TINY,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no document in input"), "{e}");
    }

    #[test]
    fn the_first_bad_document_fails_the_run_however_late() {
        let mut input: String = (0..300).map(|n| format!("{{\"n\": {n}}}\n")).collect();
        input.push_str("{\"n\": -1}\n{\"n\": \"x\"}\n");
        input.extend((0..50).map(|n| format!("{{\"n\": {n}}}\n")));
        let f = file(input.as_bytes());
        let e = run_tuned(
            f.path().to_str().unwrap(),
            Format::Json,
            numbers,
            table,
            TINY,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("document 301 (line 301): n: a count"), "{e}");
        // Bytes that are not UTF-8 fail their document, located.
        let mut input: Vec<u8> = (0..20)
            .flat_map(|n| format!("{{\"n\": {n}}}\n").into_bytes())
            .collect();
        input.extend_from_slice(b"{\"n\": \"\xff\"}\n");
        let f = file(&input);
        let e = run_tuned(
            f.path().to_str().unwrap(),
            Format::Json,
            numbers,
            table,
            TINY,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("document 21 (line 21): not UTF-8"), "{e}");
        let e = run_tuned(
            "/nonexistent/batch.ndjson",
            Format::Json,
            numbers,
            table,
            TINY,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("/nonexistent/batch.ndjson"), "{e}");
    }
}
