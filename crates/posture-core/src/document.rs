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
use std::borrow::{Borrow, Cow};
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
/// let a = doc.validate(&Catalog::builtin()).unwrap();
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
    /// The catalog is borrowed (`&Arc<Catalog>`), as `Portfolio::validate`
    /// borrows it; the assessment keeps its own reference. An owned
    /// `Arc<Catalog>` is accepted too, so code written for 0.1 (which
    /// passed `catalog.clone()`) still builds.
    ///
    /// ```
    /// use posture_core::{Catalog, FindingsDocument};
    /// let catalog = Catalog::builtin();
    /// let doc = FindingsDocument::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
    ///   "assets": ["a.example"], "findings": [{"issue": "spf_missing", "asset": "b.example",
    ///   "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z", "status": "open"}]}"#).unwrap();
    /// let e = doc.validate(&catalog).unwrap_err();
    /// assert!(e.to_string().contains("findings[0].asset"), "{e}");
    /// ```
    ///
    /// # Errors
    /// Empty footprint, invalid assets, unknown issue ids, finding assets
    /// outside the footprint, `first_seen` after `last_seen`.
    pub fn validate(&self, catalog: impl Borrow<Arc<Catalog>>) -> Result<Assessment, Error> {
        assess(
            &self.organization,
            self.as_of,
            &self.assets,
            self.assessed_factors.as_deref(),
            self.findings.iter().map(|f| FindingView {
                issue: &f.issue,
                asset: &f.asset,
                first_seen: f.first_seen,
                last_seen: f.last_seen,
                status: f.status,
            }),
            &self.breaches,
            catalog.borrow().clone(),
        )
    }
}

/// A finding as validation reads it, borrowed from wherever the host keeps
/// it (an owned document, the input text, a column of a record batch):
/// what [`Assessment::from_views`] validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingView<'a> {
    /// Catalog id of the issue type.
    pub issue: &'a str,
    /// One host name or IP address covered by the footprint.
    pub asset: &'a str,
    /// When first observed.
    pub first_seen: Timestamp,
    /// When last observed.
    pub last_seen: Timestamp,
    /// Its status.
    pub status: FindingStatus,
}

/// The one validation of a findings document, whichever way it was read.
#[allow(clippy::too_many_arguments)]
fn assess<'a, S: AsRef<str>>(
    organization: &str,
    as_of: Timestamp,
    assets: &[S],
    assessed_factors: Option<&[Factor]>,
    findings: impl ExactSizeIterator<Item = FindingView<'a>>,
    breaches: &[Breach],
    catalog: Arc<Catalog>,
) -> Result<Assessment, Error> {
    let assets = assets
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s.as_ref();
            s.parse::<Asset>().map_err(|source| Error::InvalidAsset {
                path: format!("assets[{i}]"),
                value: s.to_owned(),
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
    // Seeded, so input cannot choose colliding keys; far cheaper than
    // SipHash on a document's many assets. A finding's asset text is
    // parsed and checked the first time it is seen; the same text again
    // takes its number (different texts of one asset, `A.example` and
    // `a.example`, share one).
    let hasher = foldhash::fast::RandomState::default;
    let mut interned: HashMap<AssetKey, u32, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(16, hasher());
    let mut seen: HashMap<&str, u32, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(16, hasher());
    let mut out = Vec::with_capacity(findings.len());
    for (i, f) in findings.enumerate() {
        let Some((issue, _)) = catalog.get(f.issue) else {
            return Err(Error::UnknownIssue {
                path: format!("findings[{i}].issue"),
                issue: f.issue.to_owned(),
                catalog: catalog.id().to_owned(),
            });
        };
        let asset = match seen.get(f.asset) {
            Some(n) => *n,
            None => {
                let key =
                    AssetKey::parse_single(f.asset).map_err(|source| Error::InvalidAsset {
                        path: format!("findings[{i}].asset"),
                        value: f.asset.to_owned(),
                        source,
                    })?;
                if !footprint.covers(&key) {
                    return Err(Error::AssetOutsideFootprint {
                        path: format!("findings[{i}].asset"),
                        asset: f.asset.to_owned(),
                    });
                }
                let next = interned.len() as u32;
                let n = *interned.entry(key).or_insert(next);
                seen.insert(f.asset, n);
                n
            }
        };
        if f.first_seen > f.last_seen {
            return Err(Error::TimeOrder {
                path: format!("findings[{i}]"),
                first_seen: f.first_seen.to_string(),
                last_seen: f.last_seen.to_string(),
            });
        }
        out.push(ValidFinding {
            issue,
            asset,
            first_seen: f.first_seen.get(),
            last_seen: f.last_seen.get(),
            status: f.status,
        });
    }
    let mut assessed_factors: Vec<Factor> = assessed_factors.map(<[_]>::to_vec).unwrap_or_default();
    assessed_factors.sort_unstable();
    assessed_factors.dedup();
    let mut breaches: Vec<DateTime<Utc>> = breaches.iter().map(|b| b.date.0.get()).collect();
    breaches.sort_unstable();
    Ok(Assessment {
        organization: organization.to_owned(),
        as_of: as_of.get(),
        catalog,
        footprint,
        assessed_factors,
        findings: out,
        asset_count: interned.len() as u32,
        breaches,
    })
}

/// [`FindingsDocument`] read in place: its strings borrowed from the input
/// where they have no escapes. The same fields, rules and defaults.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentRef<'a> {
    #[serde(borrow)]
    organization: Cow<'a, str>,
    as_of: Timestamp,
    #[serde(borrow)]
    assets: Vec<Cow<'a, str>>,
    #[serde(default)]
    assessed_factors: Option<Vec<Factor>>,
    #[serde(borrow)]
    findings: Vec<FindingRef<'a>>,
    #[serde(default)]
    breaches: Vec<Breach>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingRef<'a> {
    #[serde(borrow)]
    issue: Cow<'a, str>,
    #[serde(borrow)]
    asset: Cow<'a, str>,
    first_seen: Timestamp,
    last_seen: Timestamp,
    status: FindingStatus,
}

impl Assessment {
    /// Reads and validates a findings document in one step, borrowing its
    /// strings from `text` instead of copying them: what
    /// [`FindingsDocument::from_json`] then [`FindingsDocument::validate`]
    /// give, with the same located errors, for less work.
    ///
    /// ```
    /// use posture_core::{Assessment, Catalog};
    /// let a = Assessment::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
    ///   "assets": ["a.example"], "findings": []}"#, &Catalog::builtin()).unwrap();
    /// assert_eq!(a.organization(), "a");
    /// let e = Assessment::from_json(r#"{"organization": "a"}"#, &Catalog::builtin()).unwrap_err();
    /// assert_eq!(e.code(), "invalid_field");
    /// ```
    ///
    /// The catalog is borrowed, as by [`FindingsDocument::validate`] (an
    /// owned `Arc<Catalog>` is accepted too).
    ///
    /// # Errors
    /// As [`FindingsDocument::from_json`] and [`FindingsDocument::validate`].
    pub fn from_json(text: &str, catalog: impl Borrow<Arc<Catalog>>) -> Result<Assessment, Error> {
        let catalog = catalog.borrow();
        let Ok(doc) = serde_json::from_str::<DocumentRef<'_>>(text) else {
            // The owned reader names the place of every error.
            return FindingsDocument::from_json(text)?.validate(catalog);
        };
        assess(
            &doc.organization,
            doc.as_of,
            &doc.assets,
            doc.assessed_factors.as_deref(),
            doc.findings.iter().map(|f| FindingView {
                issue: &f.issue,
                asset: &f.asset,
                first_seen: f.first_seen,
                last_seen: f.last_seen,
                status: f.status,
            }),
            &doc.breaches,
            catalog.clone(),
        )
    }
}

impl Assessment {
    /// Validates a findings document given as its parts, the findings
    /// borrowed: the same rules, defaults and errors as
    /// [`FindingsDocument::validate`] (error paths name `assets[i]`,
    /// `findings[i]` and `breaches[i]` by position in what is given). For
    /// hosts that hold findings in their own form (the DataFusion functions
    /// read them from Arrow arrays).
    ///
    /// ```
    /// use posture_core::{Assessment, Catalog, FindingStatus, FindingView, Timestamp};
    /// let t = |s: &str| s.parse::<Timestamp>().unwrap();
    /// let findings = [FindingView { issue: "spf_missing", asset: "a.example",
    ///     first_seen: t("2026-10-01T00:00:00Z"), last_seen: t("2026-10-30T00:00:00Z"),
    ///     status: FindingStatus::Open }];
    /// let a = Assessment::from_views("a", t("2026-11-01T00:00:00Z"), &["a.example"], None,
    ///     findings.iter().copied(), &[], &Catalog::builtin()).unwrap();
    /// assert_eq!(a.findings().len(), 1);
    /// let e = Assessment::from_views("a", t("2026-11-01T00:00:00Z"), &["b.example"], None,
    ///     findings.iter().copied(), &[], &Catalog::builtin()).unwrap_err();
    /// assert_eq!(e.path(), Some("findings[0].asset"));
    /// ```
    ///
    /// # Errors
    /// As [`FindingsDocument::validate`].
    pub fn from_views<'a, S: AsRef<str>>(
        organization: &str,
        as_of: Timestamp,
        assets: &[S],
        assessed_factors: Option<&[Factor]>,
        findings: impl ExactSizeIterator<Item = FindingView<'a>>,
        breaches: &[Breach],
        catalog: impl Borrow<Arc<Catalog>>,
    ) -> Result<Assessment, Error> {
        assess(
            organization,
            as_of,
            assets,
            assessed_factors,
            findings,
            breaches,
            catalog.borrow().clone(),
        )
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

    /// What the two ways of reading a document give, comparable.
    fn both(text: &str) -> (Result<String, String>, Result<String, String>) {
        let show = |r: Result<Assessment, Error>| {
            r.map(|a| {
                format!(
                    "{} {} {:?} {} {:?} {:?} {}",
                    a.organization(),
                    a.as_of(),
                    a.findings(),
                    a.asset_count(),
                    a.assessed_factors(),
                    a.breaches(),
                    a.footprint().size()
                )
            })
            .map_err(|e| e.to_string())
        };
        (
            show(Assessment::from_json(text, Catalog::builtin())),
            show(FindingsDocument::from_json(text).and_then(|d| d.validate(Catalog::builtin()))),
        )
    }

    proptest::proptest! {
        /// Reading in place gives what reading then validating gives, for
        /// valid and invalid documents alike.
        #[test]
        fn reading_in_place_agrees(
            picks in proptest::collection::vec((0usize..6, 0usize..6, 0usize..3), 0..8),
            extra in 0usize..6,
        ) {
            const ISSUES: [&str; 6] = ["spf_missing", "dmarc_missing", "nope", "spf_missing", "caa_missing", "\\u0073pf_missing"];
            const ASSETS: [&str; 6] = ["a.example", "A.EXAMPLE", "b.a.example", "c.example", "10.0.0.7", "10.0.0.0/8"];
            const STATUS: [&str; 3] = ["open", "fixed", "closed"];
            let findings: Vec<String> = picks
                .iter()
                .map(|(i, a, s)| f(ISSUES[*i], ASSETS[*a], STATUS[*s]))
                .collect();
            let tail = ["", ",\"breaches\":[{\"date\":\"2026-10-01\"}]", ",\"assessed_factors\":[\"dns_health\"]", ",\"x\":1", ",\"assets\":[]", ""][extra];
            let text = format!(
                r#"{{"organization":"o\u00e9","as_of":"2026-11-01T00:00:00Z","assets":["a.example","10.0.0.0/24"],"findings":[{}]{tail}}}"#,
                findings.join(",")
            );
            let (direct, stepwise) = both(&text);
            proptest::prop_assert_eq!(direct, stepwise, "{}", text);
        }
    }

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
