//! The error type of document parsing and validation.

use crate::asset::AssetError;
use crate::catalog::CatalogError;
use crate::echo::{bound_quoted, echo};

/// Everything that can be wrong with an input document. Every variant names
/// where (a JSON path such as `findings[3].status`) and has a stable
/// [`code`](Error::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not JSON, or JSON cut short.
    #[error("{location}: invalid JSON: {message}")]
    Syntax {
        /// `line L column C`.
        location: String,
        /// Parser message.
        message: String,
    },
    /// Valid JSON with a field of the wrong shape, a missing or unknown
    /// field, an unknown enum value or a bad timestamp.
    #[error("{path}: {message}")]
    Field {
        /// JSON path of the offending field (`.` for the document itself).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A finding names an issue type that the catalog does not have.
    #[error("{path}: unknown issue type `{}` (not in catalog `{}`)", echo(.issue), echo(.catalog))]
    UnknownIssue {
        /// JSON path of the `issue` field.
        path: String,
        /// The unknown id.
        issue: String,
        /// The catalog consulted.
        catalog: String,
    },
    /// A string that is not a valid asset.
    #[error("{path}: `{}` is not a valid asset: {source}", echo(.value))]
    InvalidAsset {
        /// JSON path of the string.
        path: String,
        /// The string.
        value: String,
        /// Why it is not a valid asset.
        source: AssetError,
    },
    /// A finding's asset is not covered by the footprint.
    #[error("{path}: `{}` is outside the organisation's footprint (`assets`)", echo(.asset))]
    AssetOutsideFootprint {
        /// JSON path of the `asset` field.
        path: String,
        /// The asset.
        asset: String,
    },
    /// `assets` lists nothing (`N = 0`).
    #[error(
        "{path}: the footprint is empty; list at least one host name, IP address or CIDR block"
    )]
    EmptyFootprint {
        /// JSON path of the footprint.
        path: String,
    },
    /// `first_seen` later than `last_seen`.
    #[error("{path}: first_seen {first_seen} is after last_seen {last_seen}")]
    TimeOrder {
        /// JSON path of the finding.
        path: String,
        /// The first_seen value.
        first_seen: String,
        /// The last_seen value.
        last_seen: String,
    },
    /// A value outside its allowed range (a target above 100, say).
    #[error("{path}: {message}")]
    OutOfRange {
        /// JSON path or parameter name.
        path: String,
        /// What is allowed.
        message: String,
    },
    /// The input held no document.
    #[error("no document in input")]
    NoDocument,
    /// A document that is not UTF-8 text.
    #[error("not UTF-8 (invalid byte at byte {offset} of the document)")]
    NotUtf8 {
        /// Offset of the first invalid byte in the document, from 0.
        offset: usize,
    },
    /// A document larger than the reader accepts.
    #[error("the document is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A catalog problem.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl Error {
    /// Where in the document the problem is: the JSON path of the field
    /// (`findings[1].status`, `.` for the document itself), or the `line L
    /// column C` of a syntax error; `None` for errors about no place
    /// (no document, a catalog problem).
    ///
    /// ```
    /// use posture_core::FindingsDocument;
    /// let e = FindingsDocument::from_json(r#"{"organization": 1}"#).unwrap_err();
    /// assert_eq!(e.path(), Some("organization"));
    /// ```
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::Syntax { location, .. } => Some(location),
            Error::Field { path, .. }
            | Error::UnknownIssue { path, .. }
            | Error::InvalidAsset { path, .. }
            | Error::AssetOutsideFootprint { path, .. }
            | Error::EmptyFootprint { path }
            | Error::TimeOrder { path, .. }
            | Error::OutOfRange { path, .. } => Some(path),
            Error::NoDocument
            | Error::NotUtf8 { .. }
            | Error::TooLarge { .. }
            | Error::Catalog(_) => None,
        }
    }

    /// Stable machine-readable code that bindings can switch on.
    ///
    /// ```
    /// use posture_core::Error;
    /// assert_eq!(Error::NoDocument.code(), "no_document");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::Syntax { .. } => "invalid_json",
            Error::Field { .. } => "invalid_field",
            Error::UnknownIssue { .. } => "unknown_issue",
            Error::InvalidAsset { .. } => "invalid_asset",
            Error::AssetOutsideFootprint { .. } => "asset_outside_footprint",
            Error::EmptyFootprint { .. } => "empty_footprint",
            Error::TimeOrder { .. } => "first_seen_after_last_seen",
            Error::OutOfRange { .. } => "out_of_range",
            Error::NoDocument => "no_document",
            Error::NotUtf8 { .. } => "not_utf8",
            Error::TooLarge { .. } => "too_large",
            Error::Catalog(c) => c.code(),
        }
    }

    /// Builds the right variant from a `serde_path_to_error` failure.
    pub fn from_serde(e: serde_path_to_error::Error<serde_json::Error>) -> Error {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                Error::Syntax {
                    location: format!("line {} column {}", inner.line(), inner.column()),
                    message: bound_quoted(&strip_position(&inner.to_string())),
                }
            }
            _ => Error::Field {
                path: echo(&path).to_string(),
                message: bound_quoted(&strip_position(&inner.to_string())),
            },
        }
    }

    /// Prefixes the JSON path of this error (used when a document is nested
    /// inside a larger one, e.g. a domain inside a portfolio).
    pub fn within(self, prefix: &str) -> Error {
        self.map_path(|p| {
            if p == "." || p.is_empty() {
                prefix.to_owned()
            } else if p.starts_with('[') {
                format!("{prefix}{p}")
            } else {
                format!("{prefix}.{p}")
            }
        })
    }

    /// Rewrites the JSON path of this error, if it has one.
    pub fn map_path(self, f: impl FnOnce(String) -> String) -> Error {
        match self {
            Error::Field { path, message } => Error::Field {
                path: f(path),
                message,
            },
            Error::UnknownIssue {
                path,
                issue,
                catalog,
            } => Error::UnknownIssue {
                path: f(path),
                issue,
                catalog,
            },
            Error::InvalidAsset {
                path,
                value,
                source,
            } => Error::InvalidAsset {
                path: f(path),
                value,
                source,
            },
            Error::AssetOutsideFootprint { path, asset } => Error::AssetOutsideFootprint {
                path: f(path),
                asset,
            },
            Error::EmptyFootprint { path } => Error::EmptyFootprint { path: f(path) },
            Error::TimeOrder {
                path,
                first_seen,
                last_seen,
            } => Error::TimeOrder {
                path: f(path),
                first_seen,
                last_seen,
            },
            Error::OutOfRange { path, message } => Error::OutOfRange {
                path: f(path),
                message,
            },
            other => other,
        }
    }
}

/// serde_json appends " at line L column C"; the path already says where.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_owned(),
        _ => msg.to_owned(),
    }
}
