//! HTML reports of Posture: the documents a user already has, rendered as
//! one self-contained page.
//!
//! Pure: data in, HTML string out. No I/O, no clock, no network; the page
//! loads nothing from elsewhere (no scripts, styles, fonts or images from
//! outside the file; the catalog's references are plain links).
//!
//! - [`ReportInput`]: what a report shows — scan outputs
//!   ([`ScanDocument`], what `posture scan --format json` prints),
//!   scorecards ([`posture_score::Scorecard`]), portfolio results with
//!   their portfolios ([`PortfolioReport`]), one organisation's history of
//!   scorecards, improvement plans ([`posture_score::Plan`]) and workflow
//!   action plans ([`ActionPlan`]).
//! - [`render`]: the whole report; [`validate`] checks the parts agree;
//!   [`ReportError`] says why not, with a stable [`ReportError::code`].
//! - Components, for hosts that compose pages of their own (the server
//!   renders from them): [`page`], [`app_page`], [`scan_section`], [`scorecard_section`],
//!   [`scorecard_summary`], [`factor_table`], [`issues_table`],
//!   [`findings_table`], [`portfolio_section`], [`domain_section`],
//!   [`vendor_section`], [`history_section`], [`improvement_section`],
//!   [`action_plan_section`], and the charts [`score_bars`],
//!   [`trend_chart`], [`gain_chart`], [`progress_chart`].
//! - Charts of a model evaluation (`posture eval --report`):
//!   [`roc_chart`] and [`likelihood_chart`].
//! - [`palette`]: the colours, the text/background pairs the stylesheet
//!   uses and the WCAG contrast arithmetic that checks them.
//! - [`audit`]: the page's promises below as a check any composed page
//!   can run.
//!
//! What the page promises, and the tests check:
//!
//! - every text/background pair has a contrast of at least 4.5:1;
//! - a grade is readable without colour (its letter is on every swatch);
//!   the scale runs from pale blue (A) to dark rust (F), apart for
//!   red-green colour blindness and in luminance;
//! - an unassessed factor reads "not assessed" and an entity without data
//!   "not rated", never a score of 100;
//! - charts scale (`viewBox`, width 100%) and each has a data table
//!   (`data-table` on the chart names its id);
//! - no horizontal scrolling at 390 px (tables stack or scroll inside
//!   their own box); print styles;
//! - every value from input is escaped.
//!
//! # Example
//!
//! ```
//! use posture_core::{Catalog, FindingsDocument};
//! use posture_report::{ReportInput, render};
//!
//! let doc = FindingsDocument::from_json(r#"{"organization": "acme",
//!   "as_of": "2026-11-01T00:00:00Z", "assets": ["acme.example"],
//!   "assessed_factors": ["dns_health"],
//!   "findings": [{"issue": "dmarc_missing", "asset": "acme.example",
//!     "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z",
//!     "status": "open"}]}"#)?;
//! let catalog = Catalog::builtin();
//! let card = posture_score::score(&doc.validate(catalog.clone())?);
//! let html = render(&ReportInput::new().with_scorecard(card), &catalog)?;
//! assert!(html.contains("No DMARC record"));
//! assert!(html.contains("not assessed"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

pub mod audit;
mod charts;
mod error;
mod evaluation;
mod html;
mod input;
pub mod palette;
mod render;
mod sections;
mod style;

pub use charts::{ScoreBar, gain_chart, progress_chart, score_bars, trend_chart};
pub use error::{Part, ReportError};
pub use evaluation::{GradeLikelihood, RocCurve, likelihood_chart, roc_chart};
pub use html::{Escaped, anchor, escape, grade_badge};
pub use input::{
    ActionItem, ActionMessage, ActionPlan, ActionProgress, InconclusiveIssue, PortfolioReport,
    ReportInput, ScanDocument,
};
pub use render::{render, validate};
pub use sections::{
    EntityAnchors, action_plan_section, domain_section, factor_about, factor_table, factor_title,
    findings_table, history_section, improvement_section, issue_label, issues_table,
    portfolio_section, scan_section, scorecard_section, scorecard_summary, vendor_section,
};
pub use style::{app_page, chart_count, page, stylesheet};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod send_sync {
    fn assert<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert::<super::ReportInput>();
        assert::<super::ReportError>();
    }
}
