//! The issue catalog: the data-driven list of issue types that findings
//! name. A built-in catalog is embedded; hosts may load their own.

use crate::enums::{Factor, Severity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The longest `decay_days` a catalog may declare (ten years).
pub const MAX_DECAY_DAYS: u32 = 3650;

/// Errors found while loading or validating a catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The file is not valid JSON of the catalog's shape.
    #[error("catalog: {path}: {message}")]
    Parse {
        /// Where in the file (e.g. `issues[3].severity`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Two entries share an id.
    #[error("catalog: issues[{index}].id: duplicate issue id `{}`", crate::echo(.id))]
    DuplicateId {
        /// Index of the second occurrence.
        index: usize,
        /// The repeated id.
        id: String,
    },
    /// An id that is not snake_case.
    #[error(
        "catalog: issues[{index}].id: `{}` is not a snake_case id (a-z, 0-9, '_', starting with a letter, at most 64 characters)",
        crate::echo(.id)
    )]
    BadId {
        /// Index of the entry.
        index: usize,
        /// The rejected id.
        id: String,
    },
    /// A decay outside 1..=3650 days.
    #[error("catalog: issues[{index}].decay_days: {decay_days} is outside 1..=3650")]
    BadDecay {
        /// Index of the entry.
        index: usize,
        /// The rejected value.
        decay_days: u32,
    },
    /// A catalog with no entries.
    #[error("catalog: no issue types")]
    Empty,
}

impl CatalogError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CatalogError::Parse { .. } => "catalog_parse",
            CatalogError::DuplicateId { .. } => "catalog_duplicate_id",
            CatalogError::BadId { .. } => "catalog_bad_id",
            CatalogError::BadDecay { .. } => "catalog_bad_decay",
            CatalogError::Empty => "catalog_empty",
        }
    }
}

/// One issue type of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueType {
    /// Stable snake_case id that findings name.
    pub id: String,
    /// The risk factor it belongs to.
    pub factor: Factor,
    /// Its severity (sets the base penalty).
    pub severity: Severity,
    /// How many whole days a finding stays active after it was last seen.
    pub decay_days: u32,
    /// Provisional types are reported but never scored.
    pub provisional: bool,
    /// Short title for people.
    #[serde(default)]
    pub title: String,
    /// What was observed.
    #[serde(default)]
    pub description: String,
    /// Why it matters.
    #[serde(default)]
    pub risk: String,
    /// How to fix it.
    #[serde(default)]
    pub remediation: String,
    /// Further reading.
    #[serde(default)]
    pub references: Vec<String>,
}

/// A catalog file: an object with an id, or a bare array of issue types.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CatalogFile {
    /// `{"id", "version", "issues"}`.
    Named(NamedCatalogFile),
    /// `[issue, ...]`.
    Bare(Vec<IssueType>),
}

/// The object form of a catalog file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedCatalogFile {
    /// Catalog id reported with every result.
    pub id: String,
    /// Free-form version label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The issue types.
    pub issues: Vec<IssueType>,
}

/// Index of an issue type inside its catalog. Catalog entries are sorted by
/// id, so index order is byte order of ids (the canonical order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IssueIdx(pub u32);

/// What a result names as the catalog that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogRef {
    /// Catalog id.
    pub id: String,
    /// `sha256:` digest of the catalog's canonical content.
    pub digest: String,
}

/// A validated catalog.
///
/// ```
/// use posture_core::Catalog;
/// let c = Catalog::builtin();
/// let (_, spf) = c.get("spf_missing").unwrap();
/// assert_eq!(spf.factor.as_str(), "dns_health");
/// assert!(c.digest().starts_with("sha256:"));
///
/// let bad = Catalog::from_json(r#"[{"id":"x","factor":"nope","severity":"low","decay_days":1,"provisional":false}]"#, "mine");
/// assert!(bad.is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Catalog {
    id: String,
    version: Option<String>,
    digest: String,
    issues: Vec<IssueType>,
    index: HashMap<String, IssueIdx, foldhash::fast::RandomState>,
    /// Issue ids with a `'static` lifetime, for the built-in catalog only
    /// (it lives as long as the process): results borrow them instead of
    /// allocating a copy per scorecard.
    static_ids: Option<Vec<&'static str>>,
}

const BUILTIN: &str = include_str!("../data/catalog.json");

fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

impl Catalog {
    /// The built-in catalog (parsed and validated once).
    pub fn builtin() -> Arc<Catalog> {
        static CELL: OnceLock<Arc<Catalog>> = OnceLock::new();
        CELL.get_or_init(|| match Catalog::from_json(BUILTIN, "posture-builtin") {
            Ok(mut c) => {
                // Once per process, for a catalog that lives as long as the
                // process: a few kilobytes.
                let ids: Vec<&'static str> = c
                    .issues
                    .iter()
                    .map(|i| &*Box::leak(i.id.clone().into_boxed_str()))
                    .collect();
                c.static_ids = Some(ids);
                Arc::new(c)
            }
            // The embedded file is validated by this crate's tests; reaching
            // this is a build defect, not an input error.
            Err(e) => panic!("built-in catalog is invalid: {e}"),
        })
        .clone()
    }

    /// The text of the built-in catalog file.
    pub fn builtin_json() -> &'static str {
        BUILTIN
    }

    /// Parses and validates a catalog file. `default_id` names a bare-array
    /// catalog.
    ///
    /// # Errors
    /// Bad JSON, unknown fields or enum values (with their path), duplicate
    /// or malformed ids, a `decay_days` outside 1..=3650, no entries.
    pub fn from_json(text: &str, default_id: &str) -> Result<Catalog, CatalogError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        // Try the object form first for precise paths, then the array form.
        let trimmed = text.trim_start();
        let file = if trimmed.starts_with('[') {
            serde_path_to_error::deserialize::<_, Vec<IssueType>>(de).map(CatalogFile::Bare)
        } else {
            serde_path_to_error::deserialize::<_, NamedCatalogFile>(de).map(CatalogFile::Named)
        }
        .map_err(|e| CatalogError::Parse {
            path: crate::echo(&e.path().to_string()).to_string(),
            message: crate::echo::bound_quoted(&e.into_inner().to_string()),
        })?;
        Catalog::from_file(file, default_id)
    }

    /// Validates an already parsed catalog file.
    ///
    /// # Errors
    /// As [`Catalog::from_json`], minus parsing.
    pub fn from_file(file: CatalogFile, default_id: &str) -> Result<Catalog, CatalogError> {
        let (id, version, issues) = match file {
            CatalogFile::Named(n) => (n.id, n.version, n.issues),
            CatalogFile::Bare(v) => (default_id.to_owned(), None, v),
        };
        Catalog::from_issues(id, version, issues)
    }

    /// Validates a list of issue types.
    ///
    /// # Errors
    /// As [`Catalog::from_json`], minus parsing.
    pub fn from_issues(
        id: String,
        version: Option<String>,
        mut issues: Vec<IssueType>,
    ) -> Result<Catalog, CatalogError> {
        if issues.is_empty() {
            return Err(CatalogError::Empty);
        }
        let mut seen = HashMap::with_capacity(issues.len());
        for (index, it) in issues.iter().enumerate() {
            if !valid_id(&it.id) {
                return Err(CatalogError::BadId {
                    index,
                    id: it.id.clone(),
                });
            }
            if it.decay_days == 0 || it.decay_days > MAX_DECAY_DAYS {
                return Err(CatalogError::BadDecay {
                    index,
                    decay_days: it.decay_days,
                });
            }
            if seen.insert(it.id.clone(), index).is_some() {
                return Err(CatalogError::DuplicateId {
                    index,
                    id: it.id.clone(),
                });
            }
        }
        issues.sort_by(|a, b| a.id.cmp(&b.id));
        let index = issues
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.clone(), IssueIdx(i as u32)))
            .collect();
        let canonical = serde_json::to_vec(&issues).map_err(|e| CatalogError::Parse {
            path: String::new(),
            message: e.to_string(),
        })?;
        let digest = Sha256::digest(&canonical);
        let mut hex = String::with_capacity(71);
        hex.push_str("sha256:");
        for b in digest {
            hex.push_str(&format!("{b:02x}"));
        }
        Ok(Catalog {
            id,
            version,
            digest: hex,
            issues,
            index,
            static_ids: None,
        })
    }

    /// Catalog id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Version label, if the file had one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// `sha256:` digest of the canonical content (entries sorted by id).
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Id and digest, as results report them.
    pub fn reference(&self) -> CatalogRef {
        CatalogRef {
            id: self.id.clone(),
            digest: self.digest.clone(),
        }
    }

    /// Looks an issue type up by id.
    pub fn get(&self, id: &str) -> Option<(IssueIdx, &IssueType)> {
        let idx = *self.index.get(id)?;
        Some((idx, &self.issues[idx.0 as usize]))
    }

    /// The issue type at an index obtained from this catalog.
    ///
    /// # Panics
    /// If the index came from another, larger catalog.
    pub fn issue(&self, idx: IssueIdx) -> &IssueType {
        &self.issues[idx.0 as usize]
    }

    /// The id of an issue type as a `'static` string, when the catalog has
    /// them (the built-in one).
    pub fn static_id(&self, idx: IssueIdx) -> Option<&'static str> {
        self.static_ids
            .as_ref()
            .and_then(|v| v.get(idx.0 as usize).copied())
    }

    /// All issue types, sorted by id.
    pub fn issues(&self) -> &[IssueType] {
        &self.issues
    }

    /// Number of issue types.
    pub fn len(&self) -> usize {
        self.issues.len()
    }

    /// Never true for a validated catalog.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }
}

impl fmt::Display for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} issue types, {})",
            self.id,
            self.len(),
            self.digest
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: &[&str] = &[
        "spf_missing",
        "spf_multiple_records",
        "spf_permerror",
        "spf_too_many_lookups",
        "spf_permissive_all",
        "spf_softfail_all",
        "spf_ptr_mechanism",
        "dmarc_missing",
        "dmarc_policy_none",
        "dmarc_partial_pct",
        "dmarc_no_reporting",
        "dmarc_invalid",
        "dkim_weak_key",
        "mx_missing",
        "dnssec_missing",
        "caa_missing",
        "mta_sts_missing",
        "tls_rpt_missing",
        "single_nameserver",
        "nameservers_same_network",
        "dangling_cname",
        "service_telnet",
        "service_ftp",
        "service_smb",
        "service_rdp",
        "service_vnc",
        "service_mysql",
        "service_postgresql",
        "service_mssql",
        "service_redis",
        "service_mongodb",
        "service_elasticsearch",
        "service_memcached",
        "ip_blocklisted",
        "tls_certificate_expired",
        "tls_weak_protocol",
        "hsts_missing",
        "csp_missing",
        "outdated_software",
        "known_exploited_vulnerability",
        "leaked_credentials",
        "open_resolver",
        "dnssec_detected",
    ];

    #[test]
    fn builtin_catalog_is_complete() {
        let c = Catalog::builtin();
        assert!(c.len() >= 60, "only {} issue types", c.len());
        for id in REQUIRED {
            assert!(c.get(id).is_some(), "missing required issue type {id}");
        }
        assert_eq!(
            c.get("dnssec_detected").unwrap().1.severity,
            Severity::Positive
        );
        for f in Factor::ALL {
            assert!(
                c.issues().iter().any(|i| i.factor == *f),
                "no issue type for {f}"
            );
        }
        assert!(c.issues().iter().any(|i| i.severity == Severity::Info));
        for it in c.issues() {
            for (field, text) in [
                ("title", &it.title),
                ("description", &it.description),
                ("risk", &it.risk),
                ("remediation", &it.remediation),
            ] {
                assert!(!text.trim().is_empty(), "{}: empty {field}", it.id);
            }
            assert!(!it.references.is_empty(), "{}: no references", it.id);
        }
    }

    #[test]
    fn digest_is_content_based() {
        let a = Catalog::from_json(r#"[{"id":"b","factor":"dns_health","severity":"low","decay_days":3,"provisional":false},{"id":"a","factor":"dns_health","severity":"low","decay_days":3,"provisional":false}]"#, "x").unwrap();
        let b = Catalog::from_json(r#"{"id":"y","issues":[{"id":"a","factor":"dns_health","severity":"low","decay_days":3,"provisional":false},
            {"id":"b","factor":"dns_health","severity":"low","decay_days":3,"provisional":false}]}"#, "x").unwrap();
        assert_eq!(a.digest(), b.digest());
        assert_eq!(a.issue(IssueIdx(0)).id, "a");
        assert_eq!(b.id(), "y");
    }

    #[test]
    fn validation_errors_are_located() {
        let e = Catalog::from_json(r#"[{"id":"a","factor":"dns_health","severity":"low","decay_days":3,"provisional":false},{"id":"a","factor":"dns_health","severity":"low","decay_days":3,"provisional":false}]"#, "x").unwrap_err();
        assert_eq!(
            e,
            CatalogError::DuplicateId {
                index: 1,
                id: "a".into()
            }
        );
        let e = Catalog::from_json(r#"[{"id":"a","factor":"dns_health","severity":"low","decay_days":0,"provisional":false}]"#, "x").unwrap_err();
        assert_eq!(e.code(), "catalog_bad_decay");
        let e = Catalog::from_json(r#"[{"id":"A-b","factor":"dns_health","severity":"low","decay_days":3,"provisional":false}]"#, "x").unwrap_err();
        assert_eq!(e.code(), "catalog_bad_id");
        let e = Catalog::from_json(r#"{"id":"x","issues":[{"id":"a","factor":"dns","severity":"low","decay_days":3,"provisional":false}]}"#, "x").unwrap_err();
        assert!(e.to_string().contains("issues[0].factor"), "{e}");
        let e = Catalog::from_json(r#"{"id":"x","issues":[]}"#, "x").unwrap_err();
        assert_eq!(e, CatalogError::Empty);
        let e = Catalog::from_json(r#"{"id":"x","issues":[{"id":"a","factor":"dns_health","severity":"low","decay_days":3,"provisional":false,"colour":1}]}"#, "x").unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
    }
}
