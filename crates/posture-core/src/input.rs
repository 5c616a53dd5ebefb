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

    #[test]
    fn broken_ndjson_names_the_line() {
        let e = split_documents("{\"a\":1}\n{\"a\":\n").unwrap_err();
        assert_eq!(e.number, 2);
        assert_eq!(e.code(), "invalid_json");
        let e = split_documents("[]").unwrap_err();
        assert_eq!(e.code(), "no_document");
    }
}
