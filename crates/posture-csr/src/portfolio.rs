//! The portfolio document (own domains and vendors) and its validation.

use posture_core::{
    Assessment, Catalog, Error, Finding, FindingsDocument, HostName, Severity, Timestamp,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A portfolio: an organisation's own domains and the vendors it relies on.
///
/// ```
/// use posture_csr::Portfolio;
/// let p = Portfolio::from_json(r#"{"organization": "acme", "as_of": "2026-11-01T00:00:00Z",
///   "domains": [{"domain": "acme.example", "assets": [], "findings": []}],
///   "vendors": [{"id": "v1", "name": "Payroll Co", "in_use": true, "domains": []}]}"#).unwrap();
/// assert_eq!(p.vendors[0].criticality.as_str(), "high");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Portfolio {
    /// The organisation whose portfolio this is.
    pub organization: String,
    /// The instant the portfolio is scored for.
    pub as_of: Timestamp,
    /// Its own domains.
    #[serde(default)]
    pub domains: Vec<DomainEntry>,
    /// Its vendors.
    #[serde(default)]
    pub vendors: Vec<Vendor>,
}

/// One domain with its assets and findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainEntry {
    /// The domain name (part of its own footprint).
    pub domain: String,
    /// Further assets: host names, IP addresses, CIDR blocks.
    #[serde(default)]
    pub assets: Vec<String>,
    /// Findings on those assets.
    #[serde(default)]
    pub findings: Vec<Finding>,
}

/// A vendor of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether the organisation currently uses the vendor (only in-use
    /// vendors count).
    pub in_use: bool,
    /// How critical the vendor is (default `high`).
    #[serde(default)]
    pub criticality: Criticality,
    /// The vendor's domains.
    #[serde(default)]
    pub domains: Vec<DomainEntry>,
    /// Risks from questionnaires; open ones lower the vendor's score.
    #[serde(default)]
    pub questionnaire_risks: Vec<QuestionnaireRisk>,
}

/// A risk raised by a failing questionnaire answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireRisk {
    /// Stable id.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Severity of the failing answer.
    pub severity: Severity,
    /// `open` counts, `closed` does not.
    pub status: RiskStatus,
}

/// Status of a questionnaire risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskStatus {
    /// Still open: lowers the vendor's score.
    Open,
    /// Closed: it no longer lowers the vendor's score.
    Closed,
}

/// How much the organisation depends on a vendor.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    /// Weight 1.5 by default.
    Critical,
    /// Weight 1.0 by default.
    #[default]
    High,
    /// Weight 0.75 by default.
    Medium,
    /// Weight 0.5 by default.
    Low,
}

impl Criticality {
    /// Every level.
    pub const ALL: [Criticality; 4] = [
        Criticality::Critical,
        Criticality::High,
        Criticality::Medium,
        Criticality::Low,
    ];

    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Criticality::Critical => "critical",
            Criticality::High => "high",
            Criticality::Medium => "medium",
            Criticality::Low => "low",
        }
    }

    /// Position in [`Criticality::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Criticality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated own domain.
#[derive(Debug, Clone)]
pub struct ValidDomain {
    /// Normalised domain name.
    pub domain: HostName,
    /// Its assessment (footprint includes the domain name).
    pub assessment: Assessment,
}

/// A validated vendor.
#[derive(Debug, Clone)]
pub struct ValidVendor {
    /// The vendor's id, unique in the portfolio.
    pub id: String,
    /// Display name.
    pub name: String,
    /// In use.
    pub in_use: bool,
    /// How critical the vendor is: it sets the vendor's base weight when in
    /// use.
    pub criticality: Criticality,
    /// All its domains as one organisation; `None` without domains.
    pub assessment: Option<Assessment>,
    /// Severities of its open questionnaire risks.
    pub open_risks: Vec<Severity>,
}

/// A validated portfolio.
#[derive(Debug, Clone)]
pub struct ValidPortfolio {
    /// The organisation whose portfolio it is.
    pub organization: String,
    /// Scoring instant.
    pub as_of: Timestamp,
    /// Own domains.
    pub domains: Vec<ValidDomain>,
    /// Its vendors, in input order.
    pub vendors: Vec<ValidVendor>,
    /// The catalog the findings were validated against.
    pub catalog: posture_core::CatalogRef,
}

fn domain_name(path: &str, d: &DomainEntry) -> Result<HostName, Error> {
    d.domain
        .parse::<HostName>()
        .map_err(|source| Error::InvalidAsset {
            path: format!("{path}.domain"),
            value: d.domain.clone(),
            source,
        })
}

/// Builds one organisation's document from domains (their names join the
/// footprint) and validates it; errors point at the original domain.
fn entity_assessment(
    organization: &str,
    as_of: Timestamp,
    path: &str,
    domains: &[DomainEntry],
    catalog: &Arc<Catalog>,
) -> Result<Assessment, Error> {
    let mut assets = Vec::new();
    for (i, d) in domains.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let name = domain_name(&p, d)?;
        assets.push(name.to_string());
        for (j, a) in d.assets.iter().enumerate() {
            a.parse::<posture_core::Asset>()
                .map_err(|source| Error::InvalidAsset {
                    path: format!("{p}.assets[{j}]"),
                    value: a.clone(),
                    source,
                })?;
            assets.push(a.clone());
        }
    }
    // Validate each domain's findings against the whole entity's footprint
    // so that an error names the domain and finding it came from.
    for (i, d) in domains.iter().enumerate() {
        let doc = FindingsDocument {
            organization: organization.to_owned(),
            as_of,
            assets: assets.clone(),
            assessed_factors: None,
            findings: d.findings.clone(),
            breaches: Vec::new(),
        };
        doc.validate(catalog)
            .map_err(|e| e.within(&format!("{path}[{i}]")))?;
    }
    let doc = FindingsDocument {
        organization: organization.to_owned(),
        as_of,
        assets,
        // A listed domain or vendor counts as assessed (csr-v1 4.1).
        assessed_factors: Some(vec![posture_core::Factor::DnsHealth]),
        findings: domains
            .iter()
            .flat_map(|d| d.findings.iter().cloned())
            .collect(),
        breaches: Vec::new(),
    };
    doc.validate(catalog).map_err(|e| e.within(path))
}

impl Portfolio {
    /// Parses one portfolio document.
    ///
    /// # Errors
    /// Bad JSON, unknown fields, bad values, with their path.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        posture_core::from_json_str(text)
    }

    /// Validates the portfolio against a catalog.
    ///
    /// # Errors
    /// Invalid domain names or assets, unknown issues, findings outside the
    /// entity's own domains, duplicate domain or vendor ids.
    pub fn validate(&self, catalog: &Arc<Catalog>) -> Result<ValidPortfolio, Error> {
        let mut domains = Vec::with_capacity(self.domains.len());
        let mut seen = std::collections::HashSet::new();
        for (i, d) in self.domains.iter().enumerate() {
            let path = format!("domains[{i}]");
            let name = domain_name(&path, d)?;
            if !seen.insert(name.clone()) {
                return Err(Error::Field {
                    path: format!("{path}.domain"),
                    message: format!("duplicate domain `{name}`"),
                });
            }
            let assessment = entity_assessment(
                name.as_str(),
                self.as_of,
                "domains",
                std::slice::from_ref(d),
                catalog,
            )
            .map_err(|e| rebase(e, "domains[0]", &path))?;
            domains.push(ValidDomain {
                domain: name,
                assessment,
            });
        }
        let mut vendors = Vec::with_capacity(self.vendors.len());
        let mut ids = std::collections::HashSet::new();
        for (i, v) in self.vendors.iter().enumerate() {
            let path = format!("vendors[{i}]");
            if v.id.is_empty() || !ids.insert(v.id.as_str()) {
                return Err(Error::Field {
                    path: format!("{path}.id"),
                    message: format!("vendor id `{}` is empty or repeated", v.id),
                });
            }
            let assessment = if v.domains.is_empty() {
                None
            } else {
                Some(entity_assessment(
                    &v.name,
                    self.as_of,
                    &format!("{path}.domains"),
                    &v.domains,
                    catalog,
                )?)
            };
            vendors.push(ValidVendor {
                id: v.id.clone(),
                name: v.name.clone(),
                in_use: v.in_use,
                criticality: v.criticality,
                assessment,
                open_risks: v
                    .questionnaire_risks
                    .iter()
                    .filter(|r| r.status == RiskStatus::Open)
                    .map(|r| r.severity)
                    .collect(),
            });
        }
        Ok(ValidPortfolio {
            organization: self.organization.clone(),
            as_of: self.as_of,
            domains,
            vendors,
            catalog: catalog.reference(),
        })
    }
}

/// Replaces a path prefix in an error's path (own domains are validated
/// as a one-element list).
fn rebase(e: Error, from: &str, to: &str) -> Error {
    e.map_path(|p| match p.strip_prefix(from) {
        Some(rest) => format!("{to}{rest}"),
        None => p,
    })
}
