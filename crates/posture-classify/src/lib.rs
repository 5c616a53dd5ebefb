//! Classification: observations in, a findings document out. This crate
//! holds the rules: one per catalog issue type ([`RULES`]), from a check's
//! typed facts ([`posture_core::observe`]) to a verdict. The collector names
//! no issue id; the port table that maps 6379 to `service_redis` is a rule
//! parameter here ([`PortMap`]).
//!
//! [`classify`] is pure and deterministic, and depends on `posture-core`
//! only:
//!
//! - every rule of an observation's check judges its fact;
//! - an inconclusive observation makes those rules inconclusive;
//! - per (asset, issue) the verdicts merge: any detection wins, clean needs
//!   a conclusive "absent", and inconclusive alone changes nothing;
//! - a detection is an `open` finding, and every rule that concluded marks
//!   its factor assessed (a clean scan scores 100, a scan of names that do
//!   not exist is not rated).
//!
//! ```
//! use posture_classify::{Rules, classify};
//! use posture_core::observe::{Check, DnssecFact, Fact, Observation, Reason};
//! use posture_core::{Catalog, Timestamp};
//! let at: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
//! let seen = vec![
//!     Observation::seen("acme.example", Fact::Dnssec(DnssecFact { ds: false, dnskey: false }), at),
//!     Observation::inconclusive("acme.example", Check::Dmarc, Reason::Timeout, "no answer", at),
//! ];
//! let c = classify("acme", at, &["acme.example".to_string()], &seen, &Catalog::builtin(), &Rules::default()).unwrap();
//! assert_eq!(c.document.findings[0].issue, "dnssec_missing");
//! assert!(c.inconclusive.iter().all(|i| i.check == Check::Dmarc));
//! ```

mod rules;

pub use rules::{Context, Judge, PORT_TABLE, PortMap, RULES, Rule, Verdict, rule_for, rules_of};

use posture_core::observe::{Check, Observation, Observed, Reason};
use posture_core::{Catalog, Factor, Finding, FindingStatus, FindingsDocument, Outcome, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// Why observations could not be classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifyError {
    /// A rule raises an issue that the catalog does not have.
    #[error("rule `{issue}` ({check}) is not an issue type of catalog `{catalog}`")]
    UnknownIssue {
        /// The rule's issue.
        issue: String,
        /// Its check.
        check: Check,
        /// The catalog.
        catalog: String,
    },
}

impl ClassifyError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClassifyError::UnknownIssue { .. } => "unknown_issue",
        }
    }
}

/// The rule parameters a host may set: which port means which issue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rules {
    /// Port → exposed-service issue.
    pub ports: PortMap,
}

impl Rules {
    /// Every (issue, verdict) the rules conclude from one observation.
    pub fn judge(&self, o: &Observation) -> Vec<(&'static str, Verdict)> {
        match &o.result {
            Observed::Fact(f) => rules_of(f.check())
                .map(|r| {
                    let cx = Context {
                        ports: &self.ports,
                        issue: r.issue,
                        at: o.at,
                    };
                    (r.issue, (r.judge)(f, &cx))
                })
                .collect(),
            Observed::Inconclusive { check, reason } => rules_of(*check)
                .map(|r| (r.issue, Verdict::Inconclusive(*reason)))
                .collect(),
        }
    }

    /// The issues a check's facts can raise (for the port check, those the
    /// port map names).
    pub fn issues_of(&self, check: Check) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = rules_of(check).map(|r| r.issue).collect();
        if check == Check::Ports {
            let mapped: BTreeSet<&str> = self.ports.iter().map(|(_, i)| i).collect();
            out.retain(|i| mapped.contains(i));
        }
        out
    }
}

/// One (asset, issue) that could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Inconclusive {
    /// The host name or address the check ran on.
    pub asset: String,
    /// The issue type that could not be judged.
    pub issue: String,
    /// The check that could not conclude.
    pub check: Check,
    /// Reasons seen.
    pub reasons: Vec<Reason>,
}

/// The findings document and what could not be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The findings document `posture score` reads.
    pub document: FindingsDocument,
    /// Issues that stayed inconclusive.
    pub inconclusive: Vec<Inconclusive>,
}

/// Merges verdicts: any detection wins; otherwise clean if any was;
/// otherwise inconclusive.
fn merge(verdicts: impl IntoIterator<Item = Verdict>) -> Outcome {
    let mut clean = false;
    for v in verdicts {
        match v {
            Verdict::Detected => return Outcome::Detected,
            Verdict::Clean => clean = true,
            Verdict::Inconclusive(_) | Verdict::Silent => {}
        }
    }
    if clean {
        Outcome::Clean
    } else {
        Outcome::Inconclusive
    }
}

/// What the observations say about one issue on one asset: the rescan's
/// question. Merged by the same rule as [`classify`].
///
/// ```
/// use posture_classify::{Rules, outcome_for};
/// use posture_core::Outcome;
/// use posture_core::observe::{Fact, Observation, PortProbe, PortState, PortsFact};
/// let at = "2026-11-01T00:00:00Z".parse().unwrap();
/// let probe = |state| Observation::seen("192.0.2.7", Fact::Ports(PortsFact { probes: vec![PortProbe { port: 6379, state }] }), at);
/// let rules = Rules::default();
/// assert_eq!(outcome_for(&rules, "service_redis", "192.0.2.7", &[probe(PortState::Closed)]), Outcome::Clean);
/// assert_eq!(outcome_for(&rules, "service_redis", "192.0.2.7", &[probe(PortState::Open)]), Outcome::Detected);
/// assert_eq!(outcome_for(&rules, "service_redis", "192.0.2.7", &[]), Outcome::Inconclusive);
/// ```
pub fn outcome_for(
    rules: &Rules,
    issue: &str,
    asset: &str,
    observations: &[Observation],
) -> Outcome {
    merge(
        observations
            .iter()
            .filter(|o| o.asset.eq_ignore_ascii_case(asset))
            .flat_map(|o| rules.judge(o))
            .filter(|(i, _)| *i == issue)
            .map(|(_, v)| v),
    )
}

/// Classifies observations into a findings document.
///
/// # Errors
/// A rule whose issue the catalog does not have.
pub fn classify(
    organization: &str,
    as_of: Timestamp,
    assets: &[String],
    observations: &[Observation],
    catalog: &Catalog,
    rules: &Rules,
) -> Result<Classification, ClassifyError> {
    type Group = (Factor, Check, Vec<(Verdict, Timestamp)>);
    let mut groups: BTreeMap<(String, &'static str), Group> = BTreeMap::new();
    for o in observations {
        let check = o.check();
        for (issue, verdict) in rules.judge(o) {
            if verdict == Verdict::Silent {
                continue;
            }
            let Some((_, t)) = catalog.get(issue) else {
                return Err(ClassifyError::UnknownIssue {
                    issue: issue.to_owned(),
                    check,
                    catalog: catalog.id().to_owned(),
                });
            };
            groups
                .entry((o.asset.to_ascii_lowercase(), issue))
                .or_insert_with(|| (t.factor, check, Vec::new()))
                .2
                .push((verdict, o.at));
        }
    }
    let mut assessed: BTreeSet<Factor> = BTreeSet::new();
    let mut findings = Vec::new();
    let mut inconclusive = Vec::new();
    for ((asset, issue), (factor, check, verdicts)) in groups {
        match merge(verdicts.iter().map(|(v, _)| *v)) {
            Outcome::Detected => {
                assessed.insert(factor);
                let times = verdicts
                    .iter()
                    .filter(|(v, _)| *v == Verdict::Detected)
                    .map(|(_, t)| *t);
                let first_seen = times.clone().min();
                let last_seen = times.max();
                if let (Some(first_seen), Some(last_seen)) = (first_seen, last_seen) {
                    findings.push(Finding {
                        issue: issue.to_owned(),
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
                let reasons: BTreeSet<Reason> = verdicts
                    .iter()
                    .filter_map(|(v, _)| match v {
                        Verdict::Inconclusive(r) => Some(*r),
                        _ => None,
                    })
                    .collect();
                inconclusive.push(Inconclusive {
                    asset,
                    issue: issue.to_owned(),
                    check,
                    reasons: reasons.into_iter().collect(),
                });
            }
        }
    }
    // The footprint: the targets, and every name or address that answered
    // with a fact (an inconclusive observation says nothing about its asset,
    // so it never enlarges the footprint).
    let mut all_assets: Vec<String> = assets.to_vec();
    let mut known: BTreeSet<String> = assets.iter().map(|a| a.to_ascii_lowercase()).collect();
    let footprint = posture_core::Footprint::from_strs(assets).ok();
    for o in observations.iter().filter(|o| o.fact().is_some()) {
        let covered = || {
            posture_core::AssetKey::parse_single(&o.asset)
                .ok()
                .zip(footprint.as_ref())
                .is_some_and(|(key, fp)| fp.covers(&key))
        };
        if !known.contains(&o.asset.to_ascii_lowercase()) && !covered() {
            known.insert(o.asset.to_ascii_lowercase());
            all_assets.push(o.asset.clone());
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

#[cfg(test)]
mod tests;
