//! Why a report cannot be made from its input.

use posture_core::echo;

/// Which part of a [`crate::ReportInput`] an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// `scans[index]`.
    Scan,
    /// `scorecards[index]`.
    Scorecard,
    /// `portfolios[index]`.
    Portfolio,
    /// `history[index]`.
    History,
    /// `improvements[index]`.
    Improvement,
    /// `action_plans[index]`.
    ActionPlan,
}

impl Part {
    /// The field of [`crate::ReportInput`] it names.
    pub const fn as_str(self) -> &'static str {
        match self {
            Part::Scan => "scans",
            Part::Scorecard => "scorecards",
            Part::Portfolio => "portfolios",
            Part::History => "history",
            Part::Improvement => "improvements",
            Part::ActionPlan => "action_plans",
        }
    }
}

/// Why a report cannot be made. Rendering itself is total: these are
/// inputs that contradict each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Nothing to report.
    #[error("nothing to report: give at least one scan, scorecard, portfolio, history or plan")]
    Empty,
    /// The history mixes organisations.
    #[error(
        "history[{index}].organization: `{}` differs from `{}` (a history is one organisation's scorecards)",
        echo(.found),
        echo(.expected)
    )]
    HistoryMixed {
        /// The first scorecard that differs.
        index: usize,
        /// The organisation of the first scorecard.
        expected: String,
        /// The organisation found.
        found: String,
    },
    /// A portfolio document that is not the one the result came from.
    #[error("portfolios[{index}].{field}: {message}")]
    PortfolioMismatch {
        /// Which portfolio.
        index: usize,
        /// The field of the portfolio document that disagrees
        /// (`organization`, `vendors[2].id`).
        field: String,
        /// How.
        message: String,
    },
}

impl ReportError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::Empty => "report_empty",
            ReportError::HistoryMixed { .. } => "report_history_mixed",
            ReportError::PortfolioMismatch { .. } => "report_portfolio_mismatch",
        }
    }

    /// The part of the input and its index the error is about (`None` for
    /// [`ReportError::Empty`]).
    pub fn location(&self) -> Option<(Part, usize)> {
        match self {
            ReportError::Empty => None,
            ReportError::HistoryMixed { index, .. } => Some((Part::History, *index)),
            ReportError::PortfolioMismatch { index, .. } => Some((Part::Portfolio, *index)),
        }
    }

    /// The message without the input's path: what a host prints after its
    /// own location (`file: document 3: …`).
    pub fn detail(&self) -> String {
        match self {
            ReportError::Empty => self.to_string(),
            ReportError::HistoryMixed {
                expected, found, ..
            } => format!(
                "organization: `{}` differs from `{}` (a history is one organisation's scorecards)",
                echo(found),
                echo(expected)
            ),
            ReportError::PortfolioMismatch { field, message, .. } => {
                format!("{field}: {message}")
            }
        }
    }
}
