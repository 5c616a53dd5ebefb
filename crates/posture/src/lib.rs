//! Posture: open, reproducible external security ratings.
//!
//! This facade re-exports the paved path through Posture's layers. Link it
//! from a service and you get:
//!
//! - [`core`]: domain types, the issue [`Catalog`], the findings document and
//!   its validation into an [`Assessment`];
//! - [`score`]: the [`ScoringModel`] trait, the default [`PostureV1`] model,
//!   grades, breach likelihood, presentation [`Scale`]s, the [`plan`]ner and
//!   parallel batch scoring;
//! - [`signals`]: DNS and network collection (SPF, DMARC, DKIM, MX, NS, CAA,
//!   DNSSEC, MTA-STS, TLS-RPT, dangling CNAMEs, TCP services, DNSBL);
//! - [`classify`]: signals to a findings document;
//! - [`csr`]: portfolio aggregation ([`CsrV1`] over a [`Portfolio`]), risk
//!   timelines and the incremental [`PortfolioIndex`].
//!
//! - [`plan_workflow`]: the action-plan workflow (pure core, SQLite event
//!   store, read models).
//!
//! See `ARCHITECTURE.md` for the map.
//!
//! # The flow: score a findings document, then plan an improvement
//!
//! ```
//! use posture::{Catalog, FindingsDocument, PostureV1, ScoringModel, Target, Grade, plan};
//!
//! // 1. Parse and validate a findings document against the built-in catalog.
//! let text = r#"{
//!   "organization": "acme", "as_of": "2026-11-01T00:00:00Z",
//!   "assets": ["acme.example", "www.acme.example", "192.0.2.0/29"],
//!   "findings": [
//!     {"issue": "service_rdp", "asset": "192.0.2.3", "first_seen": "2026-10-01T00:00:00Z",
//!      "last_seen": "2026-10-30T00:00:00Z", "status": "open"},
//!     {"issue": "dmarc_policy_none", "asset": "acme.example", "first_seen": "2026-09-01T00:00:00Z",
//!      "last_seen": "2026-10-30T00:00:00Z", "status": "open"}
//!   ]
//! }"#;
//! let assessment = FindingsDocument::from_json(text)?.validate(Catalog::builtin())?;
//!
//! // 2. Score it with the default model.
//! let model = PostureV1::default();
//! let card = model.score(&assessment);
//! println!("{}: {} ({})", card.organization, card.score.unwrap(), card.grade);
//!
//! // 3. Ask the planner what to fix first to reach an A.
//! let p = plan(&model, &assessment, Target::Grade(Grade::A))?;
//! assert!(p.reachable);
//! assert_eq!(p.steps[0].issue, "service_rdp");
//! # Ok::<(), posture::Error>(())
//! ```

pub use posture_classify as classify;
pub use posture_core as core;
pub use posture_csr as csr;
pub use posture_plan as plan_workflow;
pub use posture_score as score;
pub use posture_signals as signals;

pub use posture_core::{
    Assessment, Asset, AssetKey, Catalog, CatalogRef, Error, Factor, FindingStatus,
    FindingsDocument, Footprint, Grade, HostName, IssueType, Severity, Timestamp,
};
pub use posture_csr::{Aggregation, CsrConfig, CsrResult, CsrV1, Portfolio, PortfolioIndex};
pub use posture_score::{
    Plan, PlanStep, PostureV1, Scale, ScoreConfig, Scorecard, ScoringModel, Target, plan,
    score_batch,
};

mod config;
pub use config::ModelConfig;
mod schemas;
pub use schemas::wire_schemas;
