//! Domain types of Posture, the open external security rating toolkit.
//!
//! This crate is the ground floor every other layer stands on:
//!
//! - the closed sets of the scoring specification: [`Severity`], [`Factor`],
//!   [`FindingStatus`], and the letter [`Grade`];
//! - assets and footprints: [`HostName`], [`Asset`], [`AssetKey`],
//!   [`Footprint`] (the `N` of the model, over `ipnetwork`);
//! - the issue [`Catalog`] of [`IssueType`]s, built in or loaded from a file;
//! - the findings document ([`FindingsDocument`]) and its validated form,
//!   [`Assessment`];
//! - batch input splitting ([`input`]) and the typed [`Error`] with a stable
//!   [`Error::code`].
//!
//! It does no I/O: callers hand it text.
//!
//! # Example
//!
//! ```
//! use posture_core::{Catalog, FindingsDocument};
//!
//! let text = r#"{"organization": "acme", "as_of": "2026-11-01T00:00:00Z",
//!   "assets": ["acme.example", "192.0.2.0/24"],
//!   "findings": [{"issue": "service_telnet", "asset": "192.0.2.7",
//!     "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z",
//!     "status": "open"}]}"#;
//! let assessment = FindingsDocument::from_json(text)?.validate(&Catalog::builtin())?;
//! assert_eq!(assessment.footprint().size(), 257);
//! # Ok::<(), posture_core::Error>(())
//! ```

mod asset;
mod catalog;
pub mod decimal;
mod document;
pub mod echo;
mod enums;
mod error;
pub mod input;
pub mod keyed;
pub mod observe;
mod time;

pub use asset::{Asset, AssetError, AssetKey, Footprint, HostName};
pub use catalog::{
    Catalog, CatalogError, CatalogFile, CatalogRef, IssueIdx, IssueType, MAX_DECAY_DAYS,
    NamedCatalogFile,
};
pub use document::{
    Assessment, Breach, Finding, FindingView, FindingsDocument, ValidFinding, from_json_str,
};
pub use echo::{echo, escape_controls};
pub use enums::{Factor, FindingStatus, Grade, Outcome, Severity, UnknownVariant};
pub use error::Error;
pub use time::{DateOrTime, Timestamp, TimestampError};

/// Identifier of the specification this crate implements.
pub const SPEC: &str = "scoring-v1";

#[cfg(test)]
mod send_sync {
    fn assert<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert::<super::Catalog>();
        assert::<super::Assessment>();
        assert::<super::Error>();
        assert::<super::FindingsDocument>();
    }
}
