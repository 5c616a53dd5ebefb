//! The findings document (the wire format `posture score` reads) and its
//! validated form, [`Assessment`].

use crate::asset::{Asset, AssetKey, Footprint};
use crate::catalog::{Catalog, IssueIdx};
use crate::enums::{Factor, FindingStatus};
use crate::error::Error;
use crate::time::{DateOrTime, Timestamp};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// A findings document: what is known about one organisation at `as_of`.
///
/// ```
/// use posture_core::{FindingsDocument, Catalog};
/// let doc = FindingsDocument::from_json(r#"{
///   "organization": "acme", "as_of": "2026-11-01T00:00:00Z",
///   "assets": ["acme.example"],
///   "findings": [{"issue": "spf_missing", "asset": "acme.example",
///     "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z", "status": "open"}]
/// }"#).unwrap();
/// let a = doc.validate(Catalog::builtin()).unwrap();
/// assert_eq!(a.footprint().size(), 1);
///
/// let bad = FindingsDocument::from_json(r#"{"organization": "x", "as_of": "2026-11-01T00:00:00Z",
///   "assets": ["x.example"], "findings": [], "colour": "red"}"#);
/// assert!(bad.unwrap_err().to_string().contains("unknown field `colour`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingsDocument {
    /// Name of the organisation.
    pub organization: String,
    /// The instant the score is computed for.
    pub as_of: Timestamp,
    /// The footprint: host names, IP addresses, CIDR blocks.
    pub assets: Vec<String>,
    /// Factors declared as assessed even without findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessed_factors: Option<Vec<Factor>>,
    /// The findings.
    pub findings: Vec<Finding>,
    /// Publicly known breaches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaches: Vec<Breach>,
}

/// One observation of an issue type on an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Catalog id of the issue type.
    pub issue: String,
    /// One host name or IP address covered by the footprint.
    pub asset: String,
    /// When first observed.
    pub first_seen: Timestamp,
    /// When last observed.
    pub last_seen: Timestamp,
    /// Its status.
    pub status: FindingStatus,
}

/// A publicly known breach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Breach {
    /// RFC 3339 date-time or bare date (midnight UTC).
    pub date: DateOrTime,
}

/// Deserialises any wire type with a JSON path in its errors.
///
/// # Errors
/// [`Error::Syntax`] or [`Error::Field`] with the path of the problem.
pub fn from_json_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    // Tracking the path costs a third of the parse; valid documents do not
    // need it, so it runs only to describe an error.
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(Error::from_serde)?;
    de.end().map_err(|e| Error::Syntax {
        location: format!("line {} column {}", e.line(), e.column()),
        message: "trailing characters after the document".to_owned(),
    })?;
    Ok(value)
}

impl FindingsDocument {
    /// Parses one document.
    ///
    /// # Errors
    /// Bad JSON, unknown fields, bad enum values or timestamps, with paths.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        from_json_str(text)
    }

    /// Validates the document against a catalog.
    ///
    /// # Errors
    /// Empty footprint, invalid assets, unknown issue ids, finding assets
    /// outside the footprint, `first_seen` after `last_seen`.
    pub fn validate(&self, catalog: Arc<Catalog>) -> Result<Assessment, Error> {
        let assets = self
            .assets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.parse::<Asset>().map_err(|source| Error::InvalidAsset {
                    path: format!("assets[{i}]"),
                    value: s.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let footprint = Footprint::new(assets);
        if footprint.is_empty() {
            return Err(Error::EmptyFootprint {
                path: "assets".to_owned(),
            });
        }
        let mut interned: HashMap<AssetKey, u32> = HashMap::new();
        let mut findings = Vec::with_capacity(self.findings.len());
        for (i, f) in self.findings.iter().enumerate() {
            let Some((issue, _)) = catalog.get(&f.issue) else {
                return Err(Error::UnknownIssue {
                    path: format!("findings[{i}].issue"),
                    issue: f.issue.clone(),
                    catalog: catalog.id().to_owned(),
                });
            };
            let key = AssetKey::parse_single(&f.asset).map_err(|source| Error::InvalidAsset {
                path: format!("findings[{i}].asset"),
                value: f.asset.clone(),
                source,
            })?;
            if !footprint.covers(&key) {
                return Err(Error::AssetOutsideFootprint {
                    path: format!("findings[{i}].asset"),
                    asset: f.asset.clone(),
                });
            }
            if f.first_seen > f.last_seen {
                return Err(Error::TimeOrder {
                    path: format!("findings[{i}]"),
                    first_seen: f.first_seen.to_string(),
                    last_seen: f.last_seen.to_string(),
                });
            }
            let next = interned.len() as u32;
            let asset = *interned.entry(key).or_insert(next);
            findings.push(ValidFinding {
                issue,
                asset,
                first_seen: f.first_seen.get(),
                last_seen: f.last_seen.get(),
                status: f.status,
            });
        }
        let mut assessed_factors: Vec<Factor> = self.assessed_factors.clone().unwrap_or_default();
        assessed_factors.sort_unstable();
        assessed_factors.dedup();
        let mut breaches: Vec<DateTime<Utc>> =
            self.breaches.iter().map(|b| b.date.0.get()).collect();
        breaches.sort_unstable();
        Ok(Assessment {
            organization: self.organization.clone(),
            as_of: self.as_of.get(),
            catalog,
            footprint,
            assessed_factors,
            findings,
            asset_count: interned.len() as u32,
            breaches,
        })
    }
}

/// A validated finding: its issue type resolved in the catalog and its asset
/// interned (equal assets share one number within an [`Assessment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidFinding {
    /// The issue type.
    pub issue: IssueIdx,
    /// Interned asset number (`0..asset_count`).
    pub asset: u32,
    /// When first observed.
    pub first_seen: DateTime<Utc>,
    /// When last observed.
    pub last_seen: DateTime<Utc>,
    /// Status.
    pub status: FindingStatus,
}

/// A validated findings document, bound to the catalog it was checked
/// against. Scoring models take this.
#[derive(Debug, Clone)]
pub struct Assessment {
    organization: String,
    as_of: DateTime<Utc>,
    catalog: Arc<Catalog>,
    footprint: Footprint,
    assessed_factors: Vec<Factor>,
    findings: Vec<ValidFinding>,
    asset_count: u32,
    breaches: Vec<DateTime<Utc>>,
}

impl Assessment {
    /// Organisation name.
    pub fn organization(&self) -> &str {
        &self.organization
    }
    /// The scoring instant.
    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }
    /// The catalog the findings were validated against.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }
    /// The footprint.
    pub fn footprint(&self) -> &Footprint {
        &self.footprint
    }
    /// Factors declared as assessed (sorted, distinct).
    pub fn assessed_factors(&self) -> &[Factor] {
        &self.assessed_factors
    }
    /// The findings, in input order.
    pub fn findings(&self) -> &[ValidFinding] {
        &self.findings
    }
    /// Number of distinct finding assets.
    pub fn asset_count(&self) -> u32 {
        self.asset_count
    }
    /// Breach instants, sorted.
    pub fn breaches(&self) -> &[DateTime<Utc>] {
        &self.breaches
    }
    /// Insufficient data (scoring-v1 section 7): no findings and no factor
    /// declared as assessed.
    pub fn insufficient_data(&self) -> bool {
        self.findings.is_empty() && self.assessed_factors.is_empty()
    }
    /// Replaces the findings (used by proptests and synthetic benchmarks to
    /// build variants without re-validating strings).
    ///
    /// # Errors
    /// An issue index outside the catalog or an asset number beyond
    /// `asset_count`.
    pub fn with_findings(
        mut self,
        findings: Vec<ValidFinding>,
        asset_count: u32,
    ) -> Result<Self, Error> {
        for (i, f) in findings.iter().enumerate() {
            if f.issue.0 as usize >= self.catalog.len() || f.asset >= asset_count {
                return Err(Error::OutOfRange {
                    path: format!("findings[{i}]"),
                    message: "issue or asset index out of range".to_owned(),
                });
            }
        }
        self.findings = findings;
        self.asset_count = asset_count;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(findings: &str, assets: &str) -> String {
        format!(
            r#"{{"organization":"o","as_of":"2026-11-01T00:00:00Z","assets":{assets},"findings":{findings}}}"#
        )
    }
    fn f(issue: &str, asset: &str, status: &str) -> String {
        format!(
            r#"{{"issue":"{issue}","asset":"{asset}","first_seen":"2026-10-01T00:00:00Z","last_seen":"2026-10-02T00:00:00Z","status":"{status}"}}"#
        )
    }
    fn check(text: &str) -> Result<Assessment, Error> {
        FindingsDocument::from_json(text)?.validate(Catalog::builtin())
    }

    #[test]
    fn every_bad_input_is_named() {
        let cases: Vec<(String, &str, &str)> = vec![
            ("{not json".into(), "invalid_json", "line 1"),
            (doc("[]", r#"[]"#), "empty_footprint", "assets"),
            (
                doc(
                    &format!("[{}]", f("nope", "a.example", "open")),
                    r#"["a.example"]"#,
                ),
                "unknown_issue",
                "findings[0].issue",
            ),
            (
                doc(
                    &format!("[{}]", f("spf_missing", "b.example", "open")),
                    r#"["a.example"]"#,
                ),
                "asset_outside_footprint",
                "findings[0].asset",
            ),
            (
                doc(
                    &format!("[{}]", f("spf_missing", "10.0.0.0/8", "open")),
                    r#"["10.0.0.0/8"]"#,
                ),
                "invalid_asset",
                "findings[0].asset",
            ),
            (
                doc(
                    &format!(
                        "[{},{}]",
                        f("spf_missing", "a.example", "open"),
                        f("spf_missing", "a.example", "gone")
                    ),
                    r#"["a.example"]"#,
                ),
                "invalid_field",
                "findings[1].status",
            ),
            (
                doc("[]", r#"["a.example", "300.1.1.1/8"]"#),
                "invalid_asset",
                "assets[1]",
            ),
            (
                doc("[]", r#"["a.example"]"#).replace("2026-11-01T00:00:00Z", "yesterday"),
                "invalid_field",
                "as_of",
            ),
            (
                doc("[]", r#"["a.example"]"#).replace(
                    "\"findings\":[]",
                    "\"findings\":[],\"assessed_factors\":[\"dns\"]",
                ),
                "invalid_field",
                "assessed_factors[0]",
            ),
            (
                doc("[]", r#"["a.example"]"#).replace(
                    "\"findings\":[]",
                    "\"findings\":[],\"breaches\":[{\"date\":\"2026-13-01\"}]",
                ),
                "invalid_field",
                "breaches[0].date",
            ),
        ];
        for (text, code, path) in cases {
            let e = check(&text).unwrap_err();
            assert_eq!(e.code(), code, "{text}: {e}");
            assert!(e.to_string().contains(path), "{e} should name {path}");
        }
        let swapped = doc(
            &format!("[{}]", f("spf_missing", "a.example", "open")),
            r#"["a.example"]"#,
        )
        .replace("2026-10-01T00:00:00Z", "2026-10-09T00:00:00Z");
        assert_eq!(
            check(&swapped).unwrap_err().code(),
            "first_seen_after_last_seen"
        );
    }

    #[test]
    fn missing_field_is_named() {
        let e = check(r#"{"organization":"o","as_of":"2026-11-01T00:00:00Z","findings":[]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("missing field `assets`"), "{e}");
    }

    #[test]
    fn findings_intern_equal_assets() {
        let text = doc(
            &format!(
                "[{},{},{}]",
                f("spf_missing", "A.example.", "open"),
                f("caa_missing", "a.example", "open"),
                f("caa_missing", "192.0.2.1", "open")
            ),
            r#"["a.example", "192.0.2.0/24"]"#,
        );
        let a = check(&text).unwrap();
        assert_eq!(a.asset_count(), 2);
        assert_eq!(a.findings()[0].asset, a.findings()[1].asset);
    }
}
