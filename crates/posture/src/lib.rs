//! Posture: open, reproducible external security ratings.
//!
//! This facade re-exports the paved path through Posture's layers. Link it
//! from a service and you get:
//!
//! - [`core`]: domain types, the issue [`Catalog`], the findings document and
//!   its validation into an [`Assessment`];
//! - [`score`]: the [`ScoringModel`] trait, the default [`PostureV1`] model,
//!   grades, breach likelihood, presentation [`Scale`]s, the planner ([`improve`]) and
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
//! use posture::{Catalog, FindingsDocument, PostureV1, ScoringModel, Target, Grade, improve};
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
//! let p = improve(&model, &assessment, Target::Grade(Grade::A))?;
//! assert!(p.reachable);
//! assert_eq!(p.steps[0].issue, "service_rdp");
//! # Ok::<(), posture::Error>(())
//! ```
//!
//! # The whole flow: signal → finding → score → portfolio → plan
//!
//! What `posture demo` does over the network, here with signals written by
//! hand so that the example runs anywhere. A host collects
//! [`signals::Observation`]s (with [`host::Scanner`] against its resolver),
//! and every later step is pure.
//!
//! ```
//! use posture::{Aggregation, Catalog, CsrConfig, CsrV1, PostureV1, ScoreConfig, ScoringModel,
//!     Timestamp, Target, Grade, improve};
//! use posture::core::observe::{Check, DmarcFact, DmarcParsed, DmarcPolicy, DmarcRecordFact,
//!     Fact, Observation, Reason, SpfEvaluation, SpfFact};
//! use posture::csr::{DomainEntry, Portfolio, Vendor};
//! use posture::plan_workflow::{decide, apply, Effect, State, HOST};
//! use posture::{Command, Outcome, PlanTarget};
//!
//! let now: Timestamp = "2026-11-01T00:00:00Z".parse()?;
//! let catalog = Catalog::builtin();
//!
//! // 1. Observations: typed facts the collector saw on the vendor's domain.
//! //    (An inconclusive one, e.g. a SERVFAIL, never becomes a finding.)
//! let seen = vec![
//!     Observation::seen("pay.example", Fact::Spf(SpfFact { records: vec![],
//!         evaluation: SpfEvaluation::NotEvaluated }), now),
//!     Observation::seen("pay.example", Fact::Dmarc(DmarcFact { at: "_dmarc.pay.example".into(),
//!         inherited: false, records: vec!["v=DMARC1; p=reject".into()],
//!         parsed: Some(DmarcParsed::Valid(DmarcRecordFact { policy: DmarcPolicy::Reject,
//!             subdomain_policy: None, pct: 100, rua: vec!["mailto:d@pay.example".into()] })) }), now),
//!     Observation::inconclusive("pay.example", Check::Caa, Reason::Servfail, "look-up failed", now),
//! ];
//!
//! // 2. Classify: the rules turn facts into a findings document (pure).
//! let assets = vec!["pay.example".to_string()];
//! let rules = posture::classify::Rules::default();
//! let c = posture::classify::classify("Payroll Co", now, &assets, &seen, &catalog, &rules)
//!     .expect("every rule is in the catalog");
//! let issues: Vec<&str> = c.document.findings.iter().map(|f| f.issue.as_str()).collect();
//! // A missing SPF record, and p=reject, a positive finding.
//! assert_eq!(issues, ["dmarc_reject_policy", "spf_missing"]);
//! assert_eq!(c.inconclusive[0].issue, "caa_missing");
//!
//! // 3. Score it, and ask the planner what to fix first.
//! let model = PostureV1::default();
//! let assessment = c.document.validate(catalog.clone())?;
//! let card = model.score(&assessment);
//! assert!(card.score.unwrap() < posture::Decimal::from(90));
//! let fix = improve(&model, &assessment, Target::Grade(Grade::A))?;
//! assert_eq!(fix.steps[0].issue, "spf_missing");
//!
//! // 4. The portfolio: an own domain and the vendor, in use.
//! let portfolio = Portfolio {
//!     organization: "Acme".into(),
//!     as_of: now,
//!     domains: vec![DomainEntry { domain: "acme.example".into(), assets: vec![], findings: vec![] }],
//!     vendors: vec![Vendor {
//!         id: "pay".into(), name: "Payroll Co".into(), in_use: true,
//!         criticality: Default::default(),
//!         domains: vec![DomainEntry {
//!             domain: "pay.example".into(), assets: vec![], findings: c.document.findings.clone(),
//!         }],
//!         questionnaire_risks: vec![],
//!     }],
//! };
//! let csr = CsrV1::new(PostureV1::default(), &ScoreConfig::default(), CsrConfig::default())?
//!     .aggregate(&portfolio.validate(&catalog)?);
//! assert_eq!(csr.priorities[0].entity, "pay");
//! assert_eq!(csr.vendors_with_risks, vec!["pay".to_string()]);
//!
//! // 5. The workflow: decide (pure) returns events and effects; apply folds.
//! //    Commands are typed (posture::Command's constructors).
//! let mut state = State::default();
//! let mut run = |state: &mut State, actor: &str, cmd: Command| {
//!     let d = decide(state, &catalog, &cmd, actor, now).expect("accepted");
//!     for e in &d.events { apply(state, e); }
//!     d.effects
//! };
//! let due: Timestamp = "2026-12-01T00:00:00Z".parse()?;
//! run(&mut state, HOST, Command::register_organization("acme", "Acme", ["acme.example"]));
//! run(&mut state, HOST, Command::register_organization("pay", "Payroll Co", ["pay.example"]));
//! run(&mut state, HOST, Command::register_user("alice", "acme", "Alice", "alice@acme.example"));
//! run(&mut state, HOST, Command::register_user("victor", "pay", "Victor", "victor@pay.example"));
//! run(&mut state, "alice", Command::create_plan("p1", "pay", "victor", "SPF",
//!     PlanTarget::grade(Grade::A), due));
//! run(&mut state, "alice", Command::add_plan_item("p1", "i1", fix.steps[0].issue.as_str(), "pay.example"));
//! run(&mut state, "alice", Command::send_plan("p1"));
//! let effects = run(&mut state, "victor", Command::mark_fixed("p1", "i1"));
//! // The core asks the host for a rescan; the host runs it and records it.
//! assert!(matches!(&effects[0], Effect::Rescan { issue, .. } if issue == "spf_missing"));
//! // Plans live in the requester's namespace: the host names it acme/p1.
//! run(&mut state, HOST, Command::record_rescan("acme/p1", "i1", Outcome::Clean));
//! let p1 = state.plans.get("acme", "p1").expect("acme's plan p1");
//! assert_eq!(p1.items[0].status, posture::plan_workflow::ItemStatus::Verified);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `posture demo` runs exactly this flow against a real DNS server on
//! loopback (`posture-sandbox`), with a SQLite store
//! ([`plan_workflow::Store`]) in place of the in-memory fold; its source,
//! `crates/posture-cli/src/demo.rs`, is the reference host.

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
    Improvement, ImprovementStep, PostureV1, Scale, ScoreConfig, Scorecard, ScoringModel, Target,
    improve, score_batch,
};
// The planner's 0.1 names, hidden: see `posture_score`'s note.

pub use posture_core::Outcome;
pub use posture_plan::{Command, PlanTarget, Request, Response, Store};
/// What hosts need beside Posture's own types, so that `posture` alone
/// suffices: decimals (every score and fraction), and JSON (every wire
/// document).
pub use rust_decimal::Decimal;
pub use serde_json as json;

mod config;
pub use config::{ModelConfig, catalog_from_file};

/// The README's Rust examples, compiled and run as doctests so that they
/// stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
pub mod batch;
pub mod host;
mod schemas;
pub use schemas::{clean_descriptions, wire_schemas};
