//! What a report is made of: the wire documents a user already has.

use posture_core::FindingsDocument;
use posture_core::Timestamp;
use posture_core::observe::{Check, Observation, Reason};
use posture_csr::{CsrResult, Portfolio};
use posture_score::{Improvement, Scorecard};
use serde::{Deserialize, Serialize};

/// The JSON `posture scan --format json` prints, as the report reads it
/// (unknown fields are ignored, so later additions to the scan output do
/// not break reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScanDocument {
    /// Organisation name.
    pub organization: String,
    /// The targets as given.
    pub targets: Vec<String>,
    /// Every observation: a typed fact, or inconclusive with its reason.
    #[serde(default)]
    pub observations: Vec<Observation>,
    /// Issues that could not be judged, with the reasons.
    #[serde(default)]
    pub inconclusive: Vec<InconclusiveIssue>,
    /// The findings document.
    pub findings: FindingsDocument,
    /// Its scorecard.
    pub scorecard: Scorecard,
    /// DNS queries sent.
    #[serde(default)]
    pub queries: u64,
}

impl ScanDocument {
    /// A scan document from its parts (the scan output's fields).
    pub fn new(
        organization: String,
        targets: Vec<String>,
        findings: FindingsDocument,
        scorecard: Scorecard,
    ) -> ScanDocument {
        ScanDocument {
            organization,
            targets,
            observations: Vec::new(),
            inconclusive: Vec::new(),
            findings,
            scorecard,
            queries: 0,
        }
    }
}

/// One (asset, issue) a scan could not judge: never a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InconclusiveIssue {
    /// Asset.
    pub asset: String,
    /// The issue type that could not be judged.
    pub issue: String,
    /// The check that could not conclude.
    pub check: Check,
    /// Reasons seen.
    #[serde(default)]
    pub reasons: Vec<Reason>,
}

/// A portfolio result (`posture csr` output), with the portfolio document
/// it came from for the drill-down into each vendor, and optionally an
/// earlier result of the same portfolio to compare against.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortfolioReport {
    /// The result.
    pub result: CsrResult,
    /// The portfolio document: each vendor's domains, findings and
    /// questionnaire risks. Without it the report cannot tell a vendor
    /// without domains (not rated) from a clean one, and says so.
    pub portfolio: Option<Portfolio>,
    /// An earlier result of the same portfolio ("before").
    pub previous: Option<CsrResult>,
}

impl PortfolioReport {
    /// A portfolio result alone.
    pub fn new(result: CsrResult) -> PortfolioReport {
        PortfolioReport {
            result,
            portfolio: None,
            previous: None,
        }
    }

    /// With the portfolio document it came from.
    #[must_use]
    pub fn with_portfolio(mut self, portfolio: Portfolio) -> PortfolioReport {
        self.portfolio = Some(portfolio);
        self
    }

    /// With an earlier result to compare against.
    #[must_use]
    pub fn with_previous(mut self, previous: CsrResult) -> PortfolioReport {
        self.previous = Some(previous);
        self
    }
}

/// An action plan as the workflow shows it (`posture workflow query plan
/// --format json`, the demo's `plan`). Statuses are kept as their wire
/// spellings; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionPlan {
    /// Plan id.
    pub plan: String,
    /// Title.
    pub title: String,
    /// Requesting organisation.
    pub requester: String,
    /// Vendor.
    pub vendor: String,
    /// Assignee.
    pub assignee: String,
    /// `draft`, `sent`, `closed`, `cancelled`.
    pub status: String,
    /// The target (`{"grade": "B"}`, `{"score": "85"}`, …).
    #[serde(default)]
    pub target: serde_json::Value,
    /// Due.
    pub due: Timestamp,
    /// Closed, cancelled or its target met.
    #[serde(default)]
    pub finished: bool,
    /// Sent, past due and not finished.
    #[serde(default)]
    pub overdue: bool,
    /// Items.
    #[serde(default)]
    pub items: Vec<ActionItem>,
    /// Progress.
    pub progress: ActionProgress,
    /// The message thread.
    #[serde(default)]
    pub messages: Vec<ActionMessage>,
}

/// One item of an action plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionItem {
    /// Item id.
    pub item: String,
    /// Issue type, for a finding.
    #[serde(default)]
    pub issue: Option<String>,
    /// Asset, for a finding.
    #[serde(default)]
    pub asset: Option<String>,
    /// Questionnaire risk, for a risk.
    #[serde(default)]
    pub questionnaire_risk: Option<String>,
    /// `open`, `pending_rescan`, `verified`, `info_provided`, `accepted`.
    pub status: String,
    /// Times reopened.
    #[serde(default)]
    pub reopened: u32,
    /// Why it matters.
    #[serde(default)]
    pub risk: Option<String>,
    /// How to fix it.
    #[serde(default)]
    pub remediation: Option<String>,
    /// Information the vendor provided.
    #[serde(default)]
    pub info: Option<String>,
}

/// Progress of an action plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionProgress {
    /// Items verified by a rescan.
    pub verified: u32,
    /// Items settled by accepted information.
    pub accepted: u32,
    /// All items.
    pub total: u32,
    /// Whether the target is met (null until a score is recorded).
    #[serde(default)]
    pub target_met: Option<bool>,
}

/// One message of an action plan's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionMessage {
    /// Author.
    pub from: String,
    /// When.
    pub at: Timestamp,
    /// Text.
    pub text: String,
}

/// Everything one report shows. Any part may be empty; [`crate::render`]
/// needs at least one.
///
/// ```
/// use posture_report::ReportInput;
/// let input = ReportInput::new().with_title("Acme, November");
/// assert!(input.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportInput {
    /// The page title (default: built from the organisations).
    pub title: Option<String>,
    /// Scan outputs: a section per organisation with its findings.
    pub scans: Vec<ScanDocument>,
    /// Scorecards (`posture score` output): a section each.
    pub scorecards: Vec<Scorecard>,
    /// Portfolio results with their portfolios: a section each, and one
    /// per vendor.
    pub portfolios: Vec<PortfolioReport>,
    /// Scorecards of one organisation over time: the trend chart.
    pub history: Vec<Scorecard>,
    /// Improvement plans (`posture improve` output).
    pub improvements: Vec<Improvement>,
    /// Action plans from the workflow.
    pub action_plans: Vec<ActionPlan>,
}

impl ReportInput {
    /// An empty input.
    pub fn new() -> ReportInput {
        ReportInput::default()
    }

    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.scans.is_empty()
            && self.scorecards.is_empty()
            && self.portfolios.is_empty()
            && self.history.is_empty()
            && self.improvements.is_empty()
            && self.action_plans.is_empty()
    }

    /// Sets the page title.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> ReportInput {
        self.title = Some(title.into());
        self
    }

    /// Adds a scan output.
    #[must_use]
    pub fn with_scan(mut self, scan: ScanDocument) -> ReportInput {
        self.scans.push(scan);
        self
    }

    /// Adds a scorecard.
    #[must_use]
    pub fn with_scorecard(mut self, card: Scorecard) -> ReportInput {
        self.scorecards.push(card);
        self
    }

    /// Adds a portfolio result.
    #[must_use]
    pub fn with_portfolio(mut self, portfolio: PortfolioReport) -> ReportInput {
        self.portfolios.push(portfolio);
        self
    }

    /// Sets the history (scorecards of one organisation, any order: the
    /// report sorts them by `as_of`).
    #[must_use]
    pub fn with_history(mut self, history: Vec<Scorecard>) -> ReportInput {
        self.history = history;
        self
    }

    /// Adds an improvement plan.
    #[must_use]
    pub fn with_improvement(mut self, plan: Improvement) -> ReportInput {
        self.improvements.push(plan);
        self
    }

    /// Adds an action plan.
    #[must_use]
    pub fn with_action_plan(mut self, plan: ActionPlan) -> ReportInput {
        self.action_plans.push(plan);
        self
    }
}
