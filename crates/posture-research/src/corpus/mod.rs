//! Breach corpora: organisations, each a findings document with what
//! happened to it in the following twelve months.
//!
//! A corpus is NDJSON, one [`CorpusRecord`] per line: the fields of a
//! findings document plus `outcome: {"breached", "at"}`. [`generate`]
//! writes a synthetic one; [`parse_corpus`] reads any corpus of that shape
//! (generated or brought by a user) into a validated [`Corpus`].

mod generate;

pub use generate::{
    AgeParams, CorpusConfig, FindingParams, FootprintParams, OutcomeParams, SeverityParams,
    StatusShares, generate, generate_records,
};

use chrono::{DateTime, Months, Utc};
use posture_core::input::{BatchError, RawDocument, split_documents};
use posture_core::{
    Assessment, Breach, Catalog, CatalogRef, Error, Factor, Finding, FindingsDocument, Timestamp,
};
use rayon::prelude::*;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// What happened to an organisation in the twelve months after `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachOutcome {
    /// Whether it was breached within twelve months after `as_of`.
    pub breached: bool,
    /// When (`null` when not breached, or when the date is unknown).
    #[serde(default)]
    pub at: Option<Timestamp>,
}

/// One line of a corpus: a findings document (same fields, same rules)
/// and its outcome.
///
/// ```
/// use posture_research::corpus::CorpusRecord;
/// let r: CorpusRecord = serde_json::from_str(r#"{"organization": "a",
///   "as_of": "2026-01-01T00:00:00Z", "assets": ["a.example"], "findings": [],
///   "assessed_factors": ["dns_health"],
///   "outcome": {"breached": true, "at": "2026-04-01T00:00:00Z"}}"#)?;
/// assert!(r.check_outcome().is_ok());
/// let (doc, outcome) = r.into_parts();
/// assert_eq!((doc.organization.as_str(), outcome.breached), ("a", true));
/// // Unknown fields are errors, as in a findings document.
/// assert!(serde_json::from_str::<CorpusRecord>(r#"{"organization": "a",
///   "as_of": "2026-01-01T00:00:00Z", "assets": ["a.example"], "findings": [],
///   "outcome": {"breached": false}, "score": "90"}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorpusRecord {
    /// Name of the organisation, unique within the corpus.
    pub organization: String,
    /// The instant the findings describe; outcomes are counted from it.
    pub as_of: Timestamp,
    /// The footprint: host names, IP addresses, CIDR blocks.
    pub assets: Vec<String>,
    /// Factors declared as assessed even without findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessed_factors: Option<Vec<Factor>>,
    /// The findings.
    pub findings: Vec<Finding>,
    /// Publicly known breaches before `as_of`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaches: Vec<Breach>,
    /// What happened in the twelve months after `as_of`.
    pub outcome: BreachOutcome,
}

impl CorpusRecord {
    /// The findings document and the outcome, apart.
    pub fn into_parts(self) -> (FindingsDocument, BreachOutcome) {
        (
            FindingsDocument {
                organization: self.organization,
                as_of: self.as_of,
                assets: self.assets,
                assessed_factors: self.assessed_factors,
                findings: self.findings,
                breaches: self.breaches,
            },
            self.outcome,
        )
    }

    /// Checks the outcome against `as_of`: a date only with a breach, and
    /// within the twelve months after `as_of`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] located at `outcome.at`.
    pub fn check_outcome(&self) -> Result<(), Error> {
        let Some(at) = self.outcome.at else {
            return Ok(());
        };
        let bad = |message: String| Error::OutOfRange {
            path: "outcome.at".to_owned(),
            message,
        };
        if !self.outcome.breached {
            return Err(bad(format!(
                "{at} is given but `breached` is false (use null)"
            )));
        }
        let as_of = self.as_of.get();
        if at.get() <= as_of {
            return Err(bad(format!(
                "{at} is not after as_of {}; a breach before as_of belongs in `breaches`",
                self.as_of
            )));
        }
        if let Some(end) = window_end(as_of) {
            if at.get() > end {
                return Err(bad(format!(
                    "{at} is more than twelve months after as_of {}",
                    self.as_of
                )));
            }
        }
        Ok(())
    }
}

/// The end of the outcome window: twelve calendar months after `as_of`.
pub(crate) fn window_end(as_of: DateTime<Utc>) -> Option<DateTime<Utc>> {
    as_of.checked_add_months(Months::new(12))
}

/// One organisation of a validated corpus.
#[derive(Debug, Clone)]
pub struct CorpusEntry {
    /// Its findings, validated against the catalog.
    pub assessment: Assessment,
    /// Breached within twelve months after `as_of`.
    pub breached: bool,
    /// When, if known.
    pub breached_at: Option<Timestamp>,
}

/// A validated corpus, its organisations in byte order of their names
/// (the canonical order: every result is independent of the order of the
/// input lines).
#[derive(Debug, Clone)]
pub struct Corpus {
    entries: Vec<CorpusEntry>,
    catalog: Arc<Catalog>,
}

impl Corpus {
    /// Builds a corpus from validated entries, sorting them by name.
    ///
    /// # Errors
    /// Two entries with one name ([`Error::Field`] at `organization`).
    pub fn new(mut entries: Vec<CorpusEntry>, catalog: Arc<Catalog>) -> Result<Corpus, Error> {
        entries.sort_by(|a, b| {
            a.assessment
                .organization()
                .as_bytes()
                .cmp(b.assessment.organization().as_bytes())
        });
        if let Some(w) = entries
            .windows(2)
            .find(|w| w[0].assessment.organization() == w[1].assessment.organization())
        {
            return Err(Error::Field {
                path: "organization".to_owned(),
                message: format!(
                    "`{}` appears twice; organisations must be unique",
                    posture_core::echo(w[0].assessment.organization())
                ),
            });
        }
        Ok(Corpus { entries, catalog })
    }

    /// The organisations, by name.
    pub fn entries(&self) -> &[CorpusEntry] {
        &self.entries
    }

    /// The catalog the findings were validated against.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Number of organisations.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no organisation.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of organisations breached.
    pub fn breached(&self) -> usize {
        self.entries.iter().filter(|e| e.breached).count()
    }

    /// Counts for people: organisations, breaches, findings.
    pub fn summary(&self) -> CorpusSummary {
        let organizations = self.len() as u64;
        let breached = self.breached() as u64;
        let rate = (organizations > 0).then(|| {
            crate::metrics::Ratio {
                num: u128::from(breached),
                den: u128::from(organizations),
            }
            .round(4)
        });
        let times = || self.entries.iter().map(|e| Timestamp(e.assessment.as_of()));
        let (first, last) = (times().min(), times().max());
        CorpusSummary {
            organizations,
            breached,
            rate,
            not_rated: self
                .entries
                .iter()
                .filter(|e| e.assessment.insufficient_data())
                .count() as u64,
            findings: self
                .entries
                .iter()
                .map(|e| e.assessment.findings().len() as u64)
                .sum(),
            first_as_of: first,
            last_as_of: last,
            catalog: self.catalog.reference(),
        }
    }
}

/// What `posture corpus FILE` prints: the shape of a corpus at a glance.
///
/// ```
/// use posture_research::corpus::{CorpusConfig, generate, parse_corpus};
/// let catalog = posture_core::Catalog::builtin();
/// let text = generate(&CorpusConfig::default(), &catalog, 1, 50, 0..50)?.concat();
/// let s = parse_corpus(&text, &catalog)?.summary();
/// assert_eq!(s.organizations, 50);
/// let json = serde_json::to_value(&s)?;
/// assert!(json["rate"].is_string()); // a decimal, as a string
/// assert_eq!(json["first_as_of"], "2026-01-01T00:00:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct CorpusSummary {
    /// Organisations.
    pub organizations: u64,
    /// Organisations breached within twelve months.
    pub breached: u64,
    /// `breached / organizations`, four decimals (null without any).
    #[serde(serialize_with = "posture_core::decimal::serialize_option")]
    pub rate: Option<Decimal>,
    /// Organisations with insufficient data (no findings, no assessed
    /// factor): no model scores them.
    pub not_rated: u64,
    /// Findings, all statuses.
    pub findings: u64,
    /// The earliest `as_of`.
    pub first_as_of: Option<Timestamp>,
    /// The latest `as_of`.
    pub last_as_of: Option<Timestamp>,
    /// The catalog the findings were validated against.
    pub catalog: CatalogRef,
}

/// Reads and validates one corpus line.
///
/// # Errors
/// As [`FindingsDocument::validate`], plus the outcome's checks
/// ([`CorpusRecord::check_outcome`]); every error is located.
pub fn parse_record(text: &str, catalog: &Arc<Catalog>) -> Result<CorpusEntry, Error> {
    let record: CorpusRecord = posture_core::from_json_str(text)?;
    record.check_outcome()?;
    let (doc, outcome) = record.into_parts();
    Ok(CorpusEntry {
        assessment: doc.validate(catalog)?,
        breached: outcome.breached,
        breached_at: outcome.at,
    })
}

/// Reads a corpus: NDJSON (or a JSON array) of [`CorpusRecord`]s, every
/// line validated (in parallel) before any is used.
///
/// ```
/// use posture_research::corpus::parse_corpus;
/// let text = concat!(
///     r#"{"organization": "b", "as_of": "2026-01-01T00:00:00Z", "assets": ["b.example"], "findings": [], "assessed_factors": ["dns_health"], "outcome": {"breached": true, "at": "2026-03-01T00:00:00Z"}}"#, "\n",
///     r#"{"organization": "a", "as_of": "2026-01-01T00:00:00Z", "assets": ["a.example"], "findings": [], "outcome": {"breached": false, "at": null}}"#, "\n");
/// let corpus = parse_corpus(text, &posture_core::Catalog::builtin()).unwrap();
/// assert_eq!(corpus.len(), 2);
/// assert_eq!(corpus.entries()[0].assessment.organization(), "a"); // by name
/// assert_eq!(corpus.breached(), 1);
///
/// let bad = text.replace(r#""at": null"#, r#""at": "2025-12-01T00:00:00Z""#);
/// let e = parse_corpus(&bad, &posture_core::Catalog::builtin()).unwrap_err();
/// assert!(e.to_string().starts_with("document 2 (line 2): outcome.at:"), "{e}");
/// ```
///
/// # Errors
/// The first bad record by position, located by document, line and field;
/// a name used twice (located at the second).
pub fn parse_corpus(text: &str, catalog: &Arc<Catalog>) -> Result<Corpus, BatchError> {
    let (_, docs) = split_documents(text)?;
    let parsed: Vec<Result<CorpusEntry, BatchError>> = docs
        .par_iter()
        .map(|d: &RawDocument<'_>| {
            parse_record(d.text, catalog).map_err(|source| BatchError {
                number: d.number,
                line: d.line,
                source,
            })
        })
        .collect();
    let mut entries = Vec::with_capacity(parsed.len());
    let mut names: HashMap<String, usize> = HashMap::with_capacity(parsed.len());
    for (i, r) in parsed.into_iter().enumerate() {
        let entry = r?;
        let name = entry.assessment.organization().to_owned();
        if let Some(first) = names.insert(name, i) {
            let d = &docs[i];
            return Err(BatchError {
                number: d.number,
                line: d.line,
                source: Error::Field {
                    path: "organization".to_owned(),
                    message: format!(
                        "`{}` is also the name of document {}; organisations must be unique",
                        posture_core::echo(entry.assessment.organization()),
                        docs[first].number
                    ),
                },
            });
        }
        entries.push(entry);
    }
    Corpus::new(entries, catalog.clone()).map_err(|source| BatchError {
        number: 0,
        line: 0,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(org: &str, outcome: &str) -> String {
        format!(
            r#"{{"organization": "{org}", "as_of": "2026-01-01T00:00:00Z", "assets": ["{org}.example"], "findings": [], "assessed_factors": ["dns_health"], "outcome": {outcome}}}"#
        )
    }

    #[test]
    fn outcomes_are_checked_against_as_of() {
        let c = Catalog::builtin();
        let ok = [
            r#"{"breached": false, "at": null}"#,
            r#"{"breached": false}"#,
            r#"{"breached": true, "at": null}"#,
            r#"{"breached": true, "at": "2027-01-01T00:00:00Z"}"#,
        ];
        for o in ok {
            assert!(parse_record(&line("a", o), &c).is_ok(), "{o}");
        }
        let bad = [
            (
                r#"{"breached": false, "at": "2026-02-01T00:00:00Z"}"#,
                "outcome.at",
            ),
            (
                r#"{"breached": true, "at": "2026-01-01T00:00:00Z"}"#,
                "outcome.at",
            ),
            (
                r#"{"breached": true, "at": "2027-01-01T00:00:01Z"}"#,
                "outcome.at",
            ),
            (r#"{"breached": "yes"}"#, "outcome.breached"),
            (r#"{"breached": true, "when": null}"#, "outcome.when"),
        ];
        for (o, path) in bad {
            let e = parse_record(&line("a", o), &c).unwrap_err();
            assert_eq!(e.path(), Some(path), "{o}: {e}");
        }
        let e = parse_record(
            r#"{"organization": "a", "as_of": "2026-01-01T00:00:00Z", "assets": ["a.example"], "findings": []}"#,
            &c,
        )
        .unwrap_err();
        assert!(e.to_string().contains("outcome"), "{e}");
    }

    #[test]
    fn names_are_unique() {
        let text = [
            line("a", r#"{"breached": false}"#),
            line("b", r#"{"breached": false}"#),
            line("a", r#"{"breached": true}"#),
        ]
        .join("\n");
        let e = parse_corpus(&text, &Catalog::builtin()).unwrap_err();
        assert_eq!(e.number, 3);
        assert!(e.to_string().contains("document 1"), "{e}");
    }

    #[test]
    fn a_record_round_trips() {
        let text = line("a", r#"{"breached": true, "at": "2026-05-01T00:00:00Z"}"#);
        let r: CorpusRecord = serde_json::from_str(&text).unwrap();
        let again: CorpusRecord =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(r, again);
        let s = Corpus::new(
            vec![parse_record(&text, &Catalog::builtin()).unwrap()],
            Catalog::builtin(),
        )
        .unwrap()
        .summary();
        assert_eq!((s.organizations, s.breached, s.not_rated), (1, 1, 0));
        assert_eq!(s.rate.unwrap().to_string(), "1.0000");
    }
}
