//! Splitting a batch input into documents: one JSON document, a JSON array
//! of documents, or NDJSON (contracts, "Batches").

use crate::error::Error;
use serde_json::value::RawValue;

/// One document of a batch, borrowed from the input text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDocument<'a> {
    /// Position in the batch, counting from 1.
    pub number: usize,
    /// Line of the input on which the document starts, counting from 1.
    pub line: usize,
    /// The document's JSON text.
    pub text: &'a str,
}

/// How the documents were laid out, which decides the output shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchShape {
    /// One JSON document: one JSON object out.
    Single,
    /// A JSON array or several NDJSON documents: NDJSON out.
    Many,
}

/// An error inside a batch: which document, on which line, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("document {number} (line {line}): {source}")]
pub struct BatchError {
    /// Document number, from 1 (0 when the batch itself is malformed).
    pub number: usize,
    /// Line where the document starts.
    pub line: usize,
    /// The document's error.
    #[source]
    pub source: Error,
}

impl BatchError {
    /// The inner error's stable code.
    pub fn code(&self) -> &'static str {
        self.source.code()
    }
}

/// Line numbers of increasing offsets into one input, counted
/// incrementally: locating every document of a batch reads the input once
/// (counting from the start for each document made a batch quadratic).
struct Lines<'a> {
    input: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(input: &'a str) -> Self {
        Lines {
            input: input.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line (from 1) of `offset`; offsets must not decrease.
    fn at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.input.len());
        if offset > self.offset {
            self.line += self.input[self.offset..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.offset = offset;
        }
        self.line
    }
}

fn offset_in(input: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(input.as_ptr() as usize)
}

/// Splits input text into its documents.
///
/// ```
/// use posture_core::input::{split_documents, BatchShape};
/// let (shape, docs) = split_documents("{\"a\":1}\n{\"a\":2}\n").unwrap();
/// assert_eq!(shape, BatchShape::Many);
/// assert_eq!(docs[1].line, 2);
/// let (shape, docs) = split_documents("[{\"a\":1}]").unwrap();
/// assert_eq!((shape, docs.len()), (BatchShape::Many, 1));
/// assert!(split_documents("  ").is_err());
/// ```
///
/// # Errors
/// Empty input, or text that is not a sequence of JSON values; the error
/// names the line.
pub fn split_documents(input: &str) -> Result<(BatchShape, Vec<RawDocument<'_>>), BatchError> {
    let trimmed = input.trim_start();
    if trimmed.is_empty() {
        return Err(BatchError {
            number: 0,
            line: 1,
            source: Error::NoDocument,
        });
    }
    if trimmed.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(input).map_err(|e| BatchError {
            number: 0,
            line: e.line(),
            source: Error::Syntax {
                location: format!("line {} column {}", e.line(), e.column()),
                message: format!("the input is not a JSON array of documents: {e}"),
            },
        })?;
        if items.is_empty() {
            return Err(BatchError {
                number: 0,
                line: 1,
                source: Error::NoDocument,
            });
        }
        let mut lines = Lines::new(input);
        let docs = items
            .into_iter()
            .enumerate()
            .map(|(i, raw)| RawDocument {
                number: i + 1,
                line: lines.at(offset_in(input, raw.get())),
                text: raw.get(),
            })
            .collect();
        return Ok((BatchShape::Many, docs));
    }
    let mut docs = Vec::new();
    let mut lines = Lines::new(input);
    let stream = serde_json::Deserializer::from_str(input).into_iter::<&RawValue>();
    for item in stream {
        let number = docs.len() + 1;
        match item {
            Ok(raw) => docs.push(RawDocument {
                number,
                line: lines.at(offset_in(input, raw.get())),
                text: raw.get(),
            }),
            Err(e) => {
                return Err(BatchError {
                    number,
                    line: e.line(),
                    source: Error::Syntax {
                        location: format!("line {} column {}", e.line(), e.column()),
                        message: e.to_string(),
                    },
                });
            }
        }
    }
    let shape = if docs.len() == 1 {
        BatchShape::Single
    } else {
        BatchShape::Many
    };
    Ok((shape, docs))
}

/// Parses and validates every document of a batch with `f`, stopping at the
/// first error (every document is validated before any is used).
///
/// # Errors
/// The first failing document, located.
pub fn parse_batch<'a, T>(
    docs: &[RawDocument<'a>],
    mut f: impl FnMut(&RawDocument<'a>) -> Result<T, Error>,
) -> Result<Vec<T>, BatchError> {
    docs.iter()
        .map(|d| {
            f(d).map_err(|source| BatchError {
                number: d.number,
                line: d.line,
                source,
            })
        })
        .collect()
}

/// How a value ends, scanned incrementally: which kind of value, how deep
/// in brackets, whether inside a string. It only finds where a document
/// ends; the document's parser judges whether it is valid JSON.
#[derive(Debug, Clone, Copy, Default)]
struct ValueScan {
    /// Bytes of the value scanned so far.
    done: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// A bare token (number, literal, or garbage) rather than an object,
    /// array or string.
    bare: bool,
    started: bool,
}

/// Bytes that end a bare token.
fn ends_bare(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}' | b'"'
    )
}

impl ValueScan {
    /// Scans `value` (the value's bytes from its first, as far as read):
    /// `Some(len)` once the value is complete, `None` if it goes on.
    fn advance(&mut self, value: &[u8]) -> Option<usize> {
        let mut i = self.done;
        if !self.started {
            let first = *value.first()?;
            self.started = true;
            i = 1;
            match first {
                b'{' | b'[' => self.depth = 1,
                b'"' => self.in_string = true,
                _ => self.bare = true,
            }
        }
        while i < value.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &value[i..]) {
                    None => {
                        i = value.len();
                        break;
                    }
                    Some(k) => {
                        i += k;
                        if value[i] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                            if self.depth == 0 {
                                return Some(i + 1);
                            }
                        }
                        i += 1;
                    }
                }
                continue;
            }
            let b = value[i];
            if self.bare {
                if ends_bare(b) {
                    return Some(i);
                }
                i += 1;
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.done = i;
        None
    }
}

/// Where a [`BatchReader`] is in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Before the first value.
    Begin,
    /// Inside `[`, before an element.
    Element { first: bool },
    /// Inside `[`, after an element: `,` or `]` next.
    AfterElement,
    /// After `]`: only white space may follow.
    AfterArray,
    /// Between values of a stream (NDJSON).
    Stream,
    /// At the end.
    Done,
}

/// The documents of one [`Wave`]: where each is in the wave's bytes.
#[derive(Debug, Clone, Copy)]
struct Span {
    number: usize,
    line: usize,
    start: usize,
    end: usize,
}

/// Several documents read together, owning their bytes (see
/// [`BatchReader`]).
#[derive(Debug)]
pub struct Wave {
    bytes: Vec<u8>,
    spans: Vec<Span>,
}

impl Wave {
    /// How many documents the wave holds.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Bytes of input the wave holds.
    pub fn bytes(&self) -> usize {
        self.bytes.len()
    }

    /// The `i`th document, or why it is not text: a document that is not
    /// UTF-8 is an error located at its first invalid byte.
    ///
    /// # Errors
    /// [`Error::NotUtf8`], located by document number and line.
    pub fn document(&self, i: usize) -> Option<Result<RawDocument<'_>, BatchError>> {
        let s = self.spans.get(i)?;
        let bytes = self.bytes.get(s.start..s.end)?;
        Some(match std::str::from_utf8(bytes) {
            Ok(text) => Ok(RawDocument {
                number: s.number,
                line: s.line,
                text,
            }),
            Err(e) => Err(BatchError {
                number: s.number,
                line: s.line,
                source: Error::NotUtf8 {
                    offset: e.valid_up_to(),
                },
            }),
        })
    }
}

/// The default largest document a [`BatchReader`] accepts: 256 MiB.
pub const MAX_DOCUMENT: usize = 256 << 20;

/// Reads a batch (one document, a JSON array of documents, or NDJSON) from
/// a byte stream a [`Wave`] of documents at a time, so that memory follows
/// the wave, not the batch: reading never rescans what it has read, and
/// each document is located by number and line exactly as
/// [`split_documents`] locates it.
///
/// It finds where each document ends (brackets and strings, escapes
/// included) and leaves judging the document to its parser; a malformed
/// document is reported by that parser, located by the document's number
/// and line. Bytes that are not UTF-8 make only their document fail.
///
/// ```
/// use posture_core::input::BatchReader;
/// let input = "{\"a\":1}\n{\"a\":\n2}\n[\"x\"]";
/// let mut r = BatchReader::new(input.as_bytes());
/// let wave = r.next_wave(1 << 20).unwrap().unwrap();
/// assert_eq!(wave.len(), 3);
/// let d = wave.document(2).unwrap().unwrap();
/// assert_eq!((d.number, d.line, d.text), (3, 4, "[\"x\"]"));
/// assert!(r.next_wave(1 << 20).unwrap().is_none());
/// assert!(!r.is_array());
///
/// let mut r = BatchReader::new(&b"[{\"a\":1}, {\"a\":2}] x"[..]);
/// let e = r.next_wave(1 << 20).unwrap_err();
/// assert!(e.to_string().contains("after the array"), "{e}");
/// ```
#[derive(Debug)]
pub struct BatchReader<R> {
    src: R,
    buf: Vec<u8>,
    /// Scanning position in `buf`.
    pos: usize,
    /// Line of `buf[pos]`.
    line: usize,
    eof: bool,
    place: Place,
    array: bool,
    documents: usize,
    max_document: usize,
}

/// Reading a batch failed: the source could not be read, or the batch is
/// malformed between documents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The source failed.
    #[error("reading the input: {0}")]
    Io(#[from] std::io::Error),
    /// The batch is malformed (located).
    #[error(transparent)]
    Batch(#[from] BatchError),
}

const READ_CHUNK: usize = 1 << 20;

fn syntax(number: usize, line: usize, message: impl Into<String>) -> BatchError {
    BatchError {
        number,
        line,
        source: Error::Syntax {
            location: format!("line {line}"),
            message: message.into(),
        },
    }
}

impl<R: std::io::Read> BatchReader<R> {
    /// A reader of `src`, accepting documents up to [`MAX_DOCUMENT`] bytes.
    pub fn new(src: R) -> Self {
        BatchReader {
            src,
            buf: Vec::new(),
            pos: 0,
            line: 1,
            eof: false,
            place: Place::Begin,
            array: false,
            documents: 0,
            max_document: MAX_DOCUMENT,
        }
    }

    /// Accepts documents up to `limit` bytes.
    pub fn with_max_document(mut self, limit: usize) -> Self {
        self.max_document = limit;
        self
    }

    /// Whether the input is a JSON array (known once a wave was read).
    pub fn is_array(&self) -> bool {
        self.array
    }

    /// Whether every document has been read.
    pub fn is_done(&self) -> bool {
        self.place == Place::Done
    }

    /// Documents read so far.
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// Reads more of the source into the buffer; `false` at its end.
    fn fill(&mut self) -> Result<bool, std::io::Error> {
        if self.eof {
            return Ok(false);
        }
        let n = std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut self.src, READ_CHUNK as u64),
            &mut self.buf,
        )?;
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// Skips white space; the next byte, or `None` at the end of input.
    fn peek(&mut self) -> Result<Option<u8>, std::io::Error> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => return Ok(Some(b)),
                }
                self.pos += 1;
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Reads documents until the wave holds at least `target` bytes or the
    /// input ends; `None` once every document was read.
    ///
    /// # Errors
    /// The source failed, the input holds no document, or the batch is
    /// malformed between documents (an array element not followed by `,`
    /// or `]`, text after the array, a document over the size limit).
    pub fn next_wave(&mut self, target: usize) -> Result<Option<Wave>, ReadError> {
        let mut spans = Vec::new();
        let from = self.pos;
        // Room for the whole wave up front: growing by doubling would copy
        // it on the way.
        self.buf
            .reserve((target + READ_CHUNK).saturating_sub(self.buf.len() - from));
        while self.place != Place::Done && (spans.is_empty() || self.pos - from < target) {
            let Some(b) = self.peek()? else {
                match self.place {
                    Place::Begin => {
                        return Err(BatchError {
                            number: 0,
                            line: 1,
                            source: Error::NoDocument,
                        }
                        .into());
                    }
                    Place::Element { .. } | Place::AfterElement => {
                        return Err(syntax(
                            self.documents + 1,
                            self.line,
                            "the array is not closed: `]` expected",
                        )
                        .into());
                    }
                    _ => {}
                }
                self.place = Place::Done;
                break;
            };
            match self.place {
                Place::Begin if b == b'[' => {
                    self.array = true;
                    self.pos += 1;
                    self.place = Place::Element { first: true };
                }
                Place::Begin => self.place = Place::Stream,
                Place::Element { first: true } if b == b']' => {
                    return Err(BatchError {
                        number: 0,
                        line: self.line,
                        source: Error::NoDocument,
                    }
                    .into());
                }
                Place::Element { .. } | Place::Stream => {
                    spans.push(self.document()?);
                    if self.place != Place::Stream {
                        self.place = Place::AfterElement;
                    }
                }
                Place::AfterElement => {
                    self.pos += 1;
                    match b {
                        b',' => self.place = Place::Element { first: false },
                        b']' => self.place = Place::AfterArray,
                        _ => {
                            return Err(syntax(
                                self.documents,
                                self.line,
                                format!("`,` or `]` expected after document {}", self.documents),
                            )
                            .into());
                        }
                    }
                }
                Place::AfterArray => {
                    return Err(syntax(
                        self.documents,
                        self.line,
                        "text after the array of documents",
                    )
                    .into());
                }
                Place::Done => break,
            }
        }
        if spans.is_empty() {
            return Ok(None);
        }
        // The wave takes the buffer; what follows its documents starts the
        // next one.
        let rest = self
            .buf
            .get(self.pos..)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let bytes = std::mem::replace(&mut self.buf, rest);
        self.pos = 0;
        Ok(Some(Wave { bytes, spans }))
    }

    fn too_large(&self, number: usize, line: usize) -> ReadError {
        BatchError {
            number,
            line,
            source: Error::TooLarge {
                limit: self.max_document,
            },
        }
        .into()
    }

    /// The document starting at `pos`, read to its end.
    fn document(&mut self) -> Result<Span, ReadError> {
        let start = self.pos;
        let line = self.line;
        let number = self.documents + 1;
        let mut scan = ValueScan::default();
        let end = loop {
            if let Some(len) = self.buf.get(start..).and_then(|v| scan.advance(v)) {
                break start + len;
            }
            if self.buf.len() - start > self.max_document {
                return Err(self.too_large(number, line));
            }
            if !self.fill()? {
                // Cut short: the document's parser says how.
                break self.buf.len();
            }
        };
        if end - start > self.max_document {
            return Err(self.too_large(number, line));
        }
        self.documents = number;
        self.line += self
            .buf
            .get(start..end)
            .map_or(0, |d| memchr::memchr_iter(b'\n', d).count());
        self.pos = end;
        Ok(Span {
            number,
            line,
            start,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let (s, d) = split_documents("{\n \"a\": 1\n}\n").unwrap();
        assert_eq!((s, d.len(), d[0].line), (BatchShape::Single, 1, 1));
        let (s, d) = split_documents("[\n{\"a\":1},\n{\"a\":2}\n]").unwrap();
        assert_eq!(
            (s, d.len(), d[1].line, d[1].text),
            (BatchShape::Many, 2, 3, "{\"a\":2}")
        );
        let (s, d) = split_documents("{\"a\":1}\n\n{\"a\":2}").unwrap();
        assert_eq!((s, d.len(), d[1].line), (BatchShape::Many, 2, 3));
    }

    /// Found by the `batch` fuzz target: a number out of f64 range is a
    /// valid raw JSON value; the document parser must reject it cleanly.
    #[test]
    fn fuzz_regression_out_of_range_number() {
        let (_, docs) = split_documents(" \"sc9\"9999999E989").unwrap();
        assert_eq!(docs.len(), 2);
        let e = crate::FindingsDocument::from_json(docs[1].text).unwrap_err();
        assert_eq!(e.code(), "invalid_json");
    }

    /// Lines counted incrementally agree with counting from the start.
    #[test]
    fn lines_match_a_count_from_the_start() {
        let input = "{\"a\":1}\n\n  {\"a\":\n2}\n{\"a\":3}{\"a\":4}\n\n\n{\"a\":5}";
        let (_, docs) = split_documents(input).unwrap();
        for d in &docs {
            let offset = offset_in(input, d.text);
            let expected = input[..offset].matches('\n').count() + 1;
            assert_eq!(d.line, expected, "document {}", d.number);
        }
        assert_eq!(
            docs.iter().map(|d| d.line).collect::<Vec<_>>(),
            [1, 3, 5, 5, 8]
        );
    }

    /// What the streaming reader finds, waves joined.
    fn streamed(input: &[u8], target: usize) -> Result<Vec<(usize, usize, String)>, String> {
        let mut r = BatchReader::new(input);
        let mut out = Vec::new();
        while let Some(w) = r.next_wave(target).map_err(|e| e.to_string())? {
            for i in 0..w.len() {
                let d = w.document(i).unwrap().map_err(|e| e.to_string())?;
                out.push((d.number, d.line, d.text.to_owned()));
            }
        }
        Ok(out)
    }

    fn split(input: &str) -> Vec<(usize, usize, String)> {
        split_documents(input)
            .unwrap()
            .1
            .iter()
            .map(|d| (d.number, d.line, d.text.to_owned()))
            .collect()
    }

    #[test]
    fn the_reader_finds_what_the_splitter_finds() {
        for input in [
            "{\"a\":1}\n\n  {\"a\":\n2}\n{\"a\":3}{\"a\":4}\n\n\n{\"a\":5}",
            "[\n{\"a\":1},\n{\"a\":\"]}[{\\\"\"}\n ]",
            "{\"s\": \"a\\\\\"}\n{\"t\": \"\\u00e9 }]\"}",
            "  \"str\" 12 true {\"x\":[1,[2]]}",
            "{\"one\": 1}",
        ] {
            for target in [1, 3, 17, 1 << 20] {
                assert_eq!(
                    streamed(input.as_bytes(), target).unwrap(),
                    split(input),
                    "{input:?} {target}"
                );
            }
        }
    }

    #[test]
    fn the_reader_reports_what_is_wrong_between_documents() {
        let e = streamed(b"  \n ", 8).unwrap_err();
        assert!(e.contains("no document"), "{e}");
        let e = streamed(b"[]", 8).unwrap_err();
        assert!(e.contains("no document"), "{e}");
        let e = streamed(b"[{\"a\":1} {\"a\":2}]", 8).unwrap_err();
        assert!(e.contains("`,` or `]` expected after document 1"), "{e}");
        let e = streamed(b"[{\"a\":1},\n{\"a\":2}", 8).unwrap_err();
        assert!(e.contains("not closed"), "{e}");
        let e = streamed(b"[{\"a\":1}]\n]", 8).unwrap_err();
        assert!(e.contains("document 1 (line 2)"), "{e}");
        // A document cut short is handed to its parser, located.
        let out = streamed(b"{\"a\":1}\n{\"a\":", 8).unwrap();
        assert_eq!(out[1], (2, 2, "{\"a\":".to_owned()));
        // Bytes that are not UTF-8 fail their document only.
        let mut r = BatchReader::new(&b"{\"a\":1}\n{\"a\":\"\xff\"}\n{\"a\":3}"[..]);
        let w = r.next_wave(1 << 20).unwrap().unwrap();
        assert!(w.document(0).unwrap().is_ok());
        let e = w.document(1).unwrap().unwrap_err();
        assert_eq!((e.number, e.line, e.code()), (2, 2, "not_utf8"));
        assert!(e.to_string().contains("byte 6 of the document"), "{e}");
        assert!(w.document(2).unwrap().is_ok());
        // A document over the limit is refused before it is held.
        let mut r = BatchReader::new(&b"{\"a\": \"0123456789\"}"[..]).with_max_document(8);
        let e = r.next_wave(1 << 20).unwrap_err().to_string();
        assert!(e.contains("larger than 8 bytes"), "{e}");
    }

    proptest::proptest! {
        /// Any batch, cut into waves of any size, is read as the in-memory
        /// splitter reads it: the same documents, numbers and lines.
        #[test]
        fn waves_of_any_size_read_the_same_documents(
            docs in proptest::collection::vec(0usize..7, 1..12),
            gaps in proptest::collection::vec(0usize..4, 12),
            array in proptest::bool::ANY,
            target in 1usize..64,
        ) {
            const DOCS: [&str; 7] = [
                "{\"a\":\"x]}\"}",
                "{\"b\":[1,{\"c\":\"\\\"]\"}]}",
                "{\n\"multi\":\n[\"line\"]\n}",
                "[\"arr\", {\"in\": \"\\\\\"}]",
                "\"str\\\"ing\"",
                "{\"u\":\"\u{e9}\u{1F600}\"}",
                "{}",
            ];
            const GAPS: [&str; 4] = ["", "\n", " \r\n\t", "\n\n"];
            let mut input = String::new();
            if array {
                input.push_str("[ ");
            }
            for (i, d) in docs.iter().enumerate() {
                if i > 0 {
                    if array {
                        input.push(',');
                    } else if !DOCS[docs[i - 1]].ends_with(['}', ']', '"']) && docs[i - 1] != 3 {
                        input.push(' ');
                    }
                }
                input.push_str(GAPS[gaps[i] % 4]);
                // A stream that opens with an array is an array of
                // documents, to both readers: start it with another.
                let d = if i == 0 && !array && DOCS[*d].starts_with('[') { 0 } else { *d };
                input.push_str(DOCS[d]);
            }
            if array {
                input.push_str(" ]\n");
            }
            proptest::prop_assert_eq!(streamed(input.as_bytes(), target).unwrap(), split(&input));
        }
    }

    #[test]
    fn broken_ndjson_names_the_line() {
        let e = split_documents("{\"a\":1}\n{\"a\":\n").unwrap_err();
        assert_eq!(e.number, 2);
        assert_eq!(e.code(), "invalid_json");
        let e = split_documents("[]").unwrap_err();
        assert_eq!(e.code(), "no_document");
    }
}
