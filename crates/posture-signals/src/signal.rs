//! Signals: every observation a scan makes.

use posture_core::{Outcome, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One observation: on `asset`, the check for issue type `check` came out
/// `detected`, `clean` or `inconclusive` (with the `reason`).
///
/// ```
/// use posture_signals::Signal;
/// use posture_core::Outcome;
/// let s = Signal::clean("acme.example", "spf_missing", "dns", "v=spf1 -all found");
/// assert_eq!(s.outcome, Outcome::Clean);
/// assert!(s.reason.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// The scanned name or IP address.
    pub asset: String,
    /// The catalog issue type the check tests for (e.g. `spf_missing`,
    /// `service_redis`).
    pub check: String,
    /// What was seen.
    pub outcome: Outcome,
    /// Why an inconclusive check could not run: `timeout`, `servfail`,
    /// `refused`, `truncated`, `limit`, `deadline`, `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// One sentence for people.
    pub detail: String,
    /// The records or responses seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// When.
    pub at: Timestamp,
    /// Where it came from (`dns`, `tcp`, `dnsbl:ZONE`).
    pub source: String,
}

impl Signal {
    fn new(asset: &str, check: &str, outcome: Outcome, source: &str, detail: String) -> Signal {
        Signal {
            asset: asset.to_owned(),
            check: check.to_owned(),
            outcome,
            reason: None,
            detail,
            evidence: Vec::new(),
            at: Timestamp(chrono::Utc::now()),
            source: source.to_owned(),
        }
    }

    /// A detection.
    pub fn detected(asset: &str, check: &str, source: &str, detail: impl Into<String>) -> Signal {
        Signal::new(asset, check, Outcome::Detected, source, detail.into())
    }

    /// A clean observation.
    pub fn clean(asset: &str, check: &str, source: &str, detail: impl Into<String>) -> Signal {
        Signal::new(asset, check, Outcome::Clean, source, detail.into())
    }

    /// A check that could not run.
    pub fn inconclusive(
        asset: &str,
        check: &str,
        source: &str,
        reason: &str,
        detail: impl Into<String>,
    ) -> Signal {
        let mut s = Signal::new(asset, check, Outcome::Inconclusive, source, detail.into());
        s.reason = Some(reason.to_owned());
        s
    }

    /// Attaches evidence.
    pub fn with_evidence(mut self, evidence: Vec<String>) -> Signal {
        self.evidence = evidence;
        self
    }

    /// Sets the observation time (tests and replays).
    pub fn at(mut self, at: Timestamp) -> Signal {
        self.at = at;
        self
    }
}
