//! The demo's JSON document: what `--format json` prints and the report
//! renders.

use crate::workflow_cmd::RescanLine;
use posture::plan_workflow::{Command, Effect, ExpectationStatus, query};
use posture::{CsrResult, Grade, Portfolio, Scorecard, Timestamp};
use rust_decimal::Decimal;
use serde::Serialize;
use std::net::SocketAddr;

/// One organisation's scorecard, with who it is in the portfolio.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DemoCard {
    /// Organisation id.
    pub id: String,
    /// `requester` or `vendor`.
    pub role: &'static str,
    /// For vendors: whether the requester uses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_use: Option<bool>,
    /// The scorecard.
    #[serde(flatten)]
    pub card: Scorecard,
}

/// What one scan saw, in brief.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScanSummary {
    /// Organisation id.
    pub id: String,
    /// The targets scanned.
    pub targets: Vec<String>,
    /// The ports probed on the organisation's address, `PORT=ISSUE` (one
    /// list for every organisation).
    pub ports: Vec<String>,
    /// The services listening on the organisation's address, `PORT=ISSUE`.
    pub services: Vec<String>,
    /// The web sites on its address (HTTPS and HTTP), if it runs one.
    pub sites: Vec<String>,
    /// Observations made.
    pub observations: usize,
    /// Of which facts (the others are inconclusive).
    pub facts: usize,
    /// Issues that could not be judged (never findings).
    pub inconclusive: Vec<posture_classify::Inconclusive>,
    /// Findings the classifier made.
    pub findings: usize,
    /// DNS queries sent.
    pub queries: u64,
}

/// One workflow command the demo ran and the store's answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WorkflowStep {
    /// The demo step (1–5).
    pub step: u8,
    /// Who acted.
    pub actor: String,
    /// The command.
    pub command: Command,
    /// `ok` or the error code.
    pub result: String,
}

/// The score expectation set on the worst vendor.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ExpectationOut {
    /// Vendor.
    pub vendor: String,
    /// Target.
    pub target: Grade,
    /// Due.
    pub due: Timestamp,
    /// Status before the vendor's fixes (`pending`).
    pub status_before: ExpectationStatus,
    /// Status after the rescan and the recorded score (`met`).
    pub status_after: ExpectationStatus,
}

/// The before/after figures of the worst vendor and the portfolio.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct After {
    /// The vendor the plan went to.
    pub vendor: String,
    /// Its score before.
    pub score_before: Option<Decimal>,
    /// Its score after the fixes and the rescan.
    pub score_after: Option<Decimal>,
    /// Its grade before.
    pub grade_before: Grade,
    /// Its grade after.
    pub grade_after: Grade,
    /// The CSR before.
    pub csr_before: Option<Decimal>,
    /// The CSR after.
    pub csr_after: Option<Decimal>,
    /// The CSR grade before.
    pub csr_grade_before: Grade,
    /// The CSR grade after.
    pub csr_grade_after: Grade,
    /// Whether the expectation is met.
    pub expectation_met: bool,
}

/// Everything the demo did, as `--format json` prints it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DemoOutput {
    /// The sandbox DNS server the scans used (`IP:PORT`).
    #[schemars(with = "String")]
    pub nameserver: SocketAddr,
    /// The requesting organisation.
    pub requester: String,
    /// The requester first, then the vendors, in portfolio order.
    pub scorecards: Vec<DemoCard>,
    /// What each scan saw.
    pub scans: Vec<ScanSummary>,
    /// The portfolio document built from the scans (`posture csr --input`
    /// reproduces `csr` from it).
    pub portfolio: Portfolio,
    /// The portfolio result, as `posture csr` prints it.
    pub csr: CsrResult,
    /// The worst in-use vendor's improvement plan (the planner's answer).
    pub improve: posture::Improvement,
    /// The expectation set on it.
    pub expectation: ExpectationOut,
    /// Every workflow command, in order.
    pub workflow: Vec<WorkflowStep>,
    /// E-mails the workflow asked the host to send.
    pub emails: Vec<Effect>,
    /// The rescans run after the vendor marked its items fixed.
    pub rescans: Vec<RescanLine>,
    /// The plan as the requester sees it at the end.
    pub plan: query::PlanView,
    /// The vendor's scorecard after the fixes.
    pub scorecard_after: Scorecard,
    /// The portfolio document after the fixes.
    pub portfolio_after: Portfolio,
    /// The portfolio result after the fixes.
    pub csr_after: CsrResult,
    /// Before and after, in brief.
    pub after: After,
}
