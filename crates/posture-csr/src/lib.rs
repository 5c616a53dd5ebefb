//! Portfolio aggregation of Posture: an organisation's exposure is its own
//! domains plus the vendors it relies on.
//!
//! - [`Portfolio`]: the wire document (own domains, vendors, questionnaire
//!   risks) and its validation into a [`ValidPortfolio`].
//! - [`Aggregation`] and [`CsrV1`]: the csr-v1 score of scoring-v1 section 4
//!   with priorities and the "vendors have potential security risks" list.
//! - [`timeline`]: confirmation, resolution and lingering of risks over
//!   observation histories (section 5).
//! - [`PortfolioIndex`]: many portfolios sharing vendors, updated
//!   incrementally, identical to a full recomputation.
//!
//! # Example
//!
//! ```
//! use posture_csr::{Aggregation, CsrConfig, CsrV1, Portfolio};
//! use posture_core::Catalog;
//! use posture_score::{PostureV1, ScoreConfig};
//!
//! let p = Portfolio::from_json(r#"{"organization": "acme", "as_of": "2026-11-01T00:00:00Z",
//!   "domains": [{"domain": "acme.example", "assets": [], "findings": []}],
//!   "vendors": [{"id": "pay", "name": "Payroll Co", "in_use": true, "criticality": "critical",
//!     "domains": [], "questionnaire_risks": [{"id": "q1", "title": "No MFA", "severity": "high", "status": "open"}]}]}"#)?;
//! let csr = CsrV1::new(PostureV1::default(), &ScoreConfig::default(), CsrConfig::default())?;
//! let result = csr.aggregate(&p.validate(&Catalog::builtin())?);
//! assert_eq!(result.vendors_with_risks, vec!["pay".to_string()]);
//! assert_eq!(result.priorities[0].entity, "pay");
//! # Ok::<(), posture_core::Error>(())
//! ```

mod csr;
mod index;
mod portfolio;
pub mod timeline;

pub use csr::{
    Aggregation, CSR_V1, CsrConfig, CsrResult, CsrV1, DomainScore, EntityKind, Priority,
    ScoredEntity, Sums, TERM_SCALE, Term, VendorScore, quantize, sort_priorities,
};
pub use index::PortfolioIndex;
pub use portfolio::{
    Criticality, DomainEntry, Portfolio, QuestionnaireRisk, RiskStatus, ValidDomain,
    ValidPortfolio, ValidVendor, Vendor,
};

#[cfg(test)]
mod send_sync {
    fn assert<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert::<super::PortfolioIndex>();
        assert::<super::CsrV1<posture_score::PostureV1>>();
        assert::<super::CsrResult>();
    }
}
