//! Classification: signals in, a findings document out.
//!
//! A pure, deterministic function ([`classify`]) with no I/O. Rules, one per
//! catalog issue type: a signal's `check` names the issue type it tests
//! for; per (asset, check) the observations merge (any detection wins;
//! clean only when some observation was conclusive; inconclusive alone
//! changes nothing). A detection becomes an `open` finding; every check that
//! ran conclusively marks its factor as assessed, so a clean scan scores 100
//! rather than "insufficient data".
//!
//! ```
//! use posture_classify::classify;
//! use posture_core::{Catalog, Timestamp};
//! use posture_signals::Signal;
//! let at: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
//! let signals = vec![
//!     Signal::detected("acme.example", "spf_missing", "dns", "no SPF").at(at),
//!     Signal::inconclusive("acme.example", "dmarc_missing", "dns", "timeout", "no answer").at(at),
//! ];
//! let c = classify("acme", at, &["acme.example".to_string()], &signals, &Catalog::builtin()).unwrap();
//! assert_eq!(c.document.findings.len(), 1);
//! assert_eq!(c.inconclusive.len(), 1);
//! ```

use posture_core::{Catalog, Factor, Finding, FindingStatus, FindingsDocument, Outcome, Timestamp};
use posture_signals::Signal;
use std::collections::{BTreeMap, BTreeSet};

/// Why signals could not be classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifyError {
    /// A signal names a check that is not an issue type of the catalog.
    #[error("signals[{index}].check: `{check}` is not an issue type of catalog `{catalog}`")]
    UnknownCheck {
        /// Index of the signal.
        index: usize,
        /// The check.
        check: String,
        /// The catalog.
        catalog: String,
    },
}

impl ClassifyError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClassifyError::UnknownCheck { .. } => "unknown_check",
        }
    }
}

/// One (asset, check) that could not be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconclusive {
    /// Asset.
    pub asset: String,
    /// Check (issue type).
    pub check: String,
    /// Reasons seen (`timeout`, `servfail`…).
    pub reasons: Vec<String>,
}

/// The findings document and what could not be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The findings document `posture score` reads.
    pub document: FindingsDocument,
    /// Checks that were only inconclusive.
    pub inconclusive: Vec<Inconclusive>,
}

/// The outcome of several observations of one (asset, check): any
/// detection wins; otherwise clean if any observation was; otherwise
/// inconclusive. [`classify`] and the workflow's rescans both judge by it.
///
/// ```
/// use posture_classify::merged_outcome;
/// use posture_core::Outcome;
/// use posture_signals::Signal;
/// let s = [Signal::clean("a.example", "caa_missing", "dns", ""), Signal::inconclusive("a.example", "caa_missing", "dns", "timeout", "")];
/// assert_eq!(merged_outcome(s.iter()), Outcome::Clean);
/// assert_eq!(merged_outcome(std::iter::empty()), Outcome::Inconclusive);
/// ```
pub fn merged_outcome<'a>(signals: impl IntoIterator<Item = &'a Signal>) -> Outcome {
    let mut clean = false;
    for s in signals {
        match s.outcome {
            Outcome::Detected => return Outcome::Detected,
            Outcome::Clean => clean = true,
            Outcome::Inconclusive => {}
        }
    }
    if clean {
        Outcome::Clean
    } else {
        Outcome::Inconclusive
    }
}

/// Classifies signals into a findings document.
///
/// # Errors
/// A signal whose check is not in the catalog.
pub fn classify(
    organization: &str,
    as_of: Timestamp,
    assets: &[String],
    signals: &[Signal],
    catalog: &Catalog,
) -> Result<Classification, ClassifyError> {
    // Group the observations of each (asset, check), then judge each group
    // by the one rule, merged_outcome.
    let mut groups: BTreeMap<(String, String), (Factor, Vec<&Signal>)> = BTreeMap::new();
    for (index, s) in signals.iter().enumerate() {
        let Some((_, issue)) = catalog.get(&s.check) else {
            return Err(ClassifyError::UnknownCheck {
                index,
                check: s.check.clone(),
                catalog: catalog.id().to_owned(),
            });
        };
        groups
            .entry((s.asset.to_ascii_lowercase(), s.check.clone()))
            .or_insert_with(|| (issue.factor, Vec::new()))
            .1
            .push(s);
    }
    let mut assessed: BTreeSet<Factor> = BTreeSet::new();
    let mut findings = Vec::new();
    let mut inconclusive = Vec::new();
    for ((asset, check), (factor, group)) in groups {
        match merged_outcome(group.iter().copied()) {
            Outcome::Detected => {
                assessed.insert(factor);
                let times = group
                    .iter()
                    .filter(|s| s.outcome == Outcome::Detected)
                    .map(|s| s.at);
                let (first, last) =
                    times.fold((None::<Timestamp>, None::<Timestamp>), |(lo, hi), t| {
                        (
                            Some(lo.map_or(t, |x| x.min(t))),
                            Some(hi.map_or(t, |x| x.max(t))),
                        )
                    });
                if let (Some(first_seen), Some(last_seen)) = (first, last) {
                    findings.push(Finding {
                        issue: check,
                        asset,
                        first_seen,
                        last_seen,
                        status: FindingStatus::Open,
                    });
                }
            }
            Outcome::Clean => {
                assessed.insert(factor);
            }
            Outcome::Inconclusive => {
                let reasons: BTreeSet<String> =
                    group.iter().filter_map(|s| s.reason.clone()).collect();
                inconclusive.push(Inconclusive {
                    asset,
                    check,
                    reasons: reasons.into_iter().collect(),
                });
            }
        }
    }
    let mut all_assets: Vec<String> = assets.to_vec();
    for s in signals {
        if !all_assets.iter().any(|a| a.eq_ignore_ascii_case(&s.asset))
            && !covered(assets, &s.asset)
        {
            all_assets.push(s.asset.clone());
        }
    }
    Ok(Classification {
        document: FindingsDocument {
            organization: organization.to_owned(),
            as_of,
            assets: all_assets,
            assessed_factors: Some(assessed.into_iter().collect()),
            findings,
            breaches: Vec::new(),
        },
        inconclusive,
    })
}

/// Whether an address asset lies in one of the listed blocks.
fn covered(assets: &[String], asset: &str) -> bool {
    let Ok(key) = posture_core::AssetKey::parse_single(asset) else {
        return false;
    };
    posture_core::Footprint::from_strs(assets)
        .map(|fp| fp.covers(&key))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    struct Case {
        name: &'static str,
        signals: Vec<Signal>,
        findings: Vec<(&'static str, &'static str)>,
        inconclusive: usize,
        assessed: Vec<Factor>,
    }

    #[test]
    fn table() {
        let t1 = at("2026-11-01T00:00:00Z");
        let t2 = at("2026-11-01T00:05:00Z");
        let cases = vec![
            Case {
                name: "a detection is a finding",
                signals: vec![Signal::detected("a.example", "spf_missing", "dns", "").at(t1)],
                findings: vec![("a.example", "spf_missing")],
                inconclusive: 0,
                assessed: vec![Factor::DnsHealth],
            },
            Case {
                name: "clean is no finding but assesses the factor",
                signals: vec![Signal::clean("a.example", "caa_missing", "dns", "").at(t1)],
                findings: vec![],
                inconclusive: 0,
                assessed: vec![Factor::DnsHealth],
            },
            Case {
                name: "inconclusive alone is neither",
                signals: vec![
                    Signal::inconclusive("a.example", "dmarc_missing", "dns", "timeout", "").at(t1),
                ],
                findings: vec![],
                inconclusive: 1,
                assessed: vec![],
            },
            Case {
                name: "any detection wins over clean and inconclusive",
                signals: vec![
                    Signal::clean("192.0.2.1", "ip_blocklisted", "dnsbl:a", "").at(t1),
                    Signal::inconclusive("192.0.2.1", "ip_blocklisted", "dnsbl:b", "servfail", "")
                        .at(t1),
                    Signal::detected("192.0.2.1", "ip_blocklisted", "dnsbl:c", "").at(t2),
                ],
                findings: vec![("192.0.2.1", "ip_blocklisted")],
                inconclusive: 0,
                assessed: vec![Factor::IpReputation],
            },
            Case {
                name: "clean plus inconclusive is clean",
                signals: vec![
                    Signal::clean("192.0.2.1", "service_redis", "tcp", "").at(t1),
                    Signal::inconclusive("192.0.2.1", "service_redis", "tcp", "timeout", "").at(t2),
                ],
                findings: vec![],
                inconclusive: 0,
                assessed: vec![Factor::NetworkSecurity],
            },
        ];
        for c in cases {
            let out = classify(
                "o",
                t2,
                &["a.example".into(), "192.0.2.0/24".into()],
                &c.signals,
                &Catalog::builtin(),
            )
            .unwrap();
            let got: Vec<(&str, &str)> = out
                .document
                .findings
                .iter()
                .map(|f| (f.asset.as_str(), f.issue.as_str()))
                .collect();
            assert_eq!(got, c.findings, "{}", c.name);
            assert_eq!(out.inconclusive.len(), c.inconclusive, "{}", c.name);
            assert_eq!(
                out.document.assessed_factors.clone().unwrap(),
                c.assessed,
                "{}",
                c.name
            );
            // The document always validates against the catalog it was built from.
            out.document.validate(Catalog::builtin()).unwrap();
        }
    }

    #[test]
    fn reached_names_join_the_footprint_and_unknown_checks_fail() {
        let t = at("2026-11-01T00:00:00Z");
        let s = vec![Signal::detected("www.a.example", "dangling_cname", "dns", "").at(t)];
        let out = classify("o", t, &["a.example".into()], &s, &Catalog::builtin()).unwrap();
        assert!(out.document.assets.contains(&"www.a.example".to_string()));
        let bad = vec![Signal::detected("a.example", "no_such_check", "dns", "").at(t)];
        assert_eq!(
            classify("o", t, &["a.example".into()], &bad, &Catalog::builtin())
                .unwrap_err()
                .code(),
            "unknown_check"
        );
    }

    #[test]
    fn deterministic_whatever_the_signal_order() {
        let t = at("2026-11-01T00:00:00Z");
        let mut s = vec![
            Signal::detected("a.example", "spf_missing", "dns", "").at(t),
            Signal::detected("a.example", "caa_missing", "dns", "").at(t),
            Signal::clean("a.example", "mx_missing", "dns", "").at(t),
        ];
        let a = classify("o", t, &["a.example".into()], &s, &Catalog::builtin()).unwrap();
        s.reverse();
        let b = classify("o", t, &["a.example".into()], &s, &Catalog::builtin()).unwrap();
        assert_eq!(a, b);
    }
}
