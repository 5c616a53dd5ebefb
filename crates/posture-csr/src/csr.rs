//! csr-v1: the portfolio score of scoring-v1 section 4.

use crate::portfolio::{Criticality, ValidPortfolio};
use posture_core::{Error, Grade, SPEC, Severity, Timestamp};
use posture_score::{ScoreConfig, ScoringModel};
use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Parameters of csr-v1. The defaults are the spec's.
///
/// ```
/// use posture_csr::CsrConfig;
/// let c = CsrConfig::default();
/// assert_eq!(c.lambda.to_string(), "1");
/// let bad: CsrConfig = serde_json::from_str(r#"{"lambda": "1.5"}"#).unwrap();
/// assert!(bad.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CsrConfig {
    /// Pessimism `lambda` in [0, 1] (1): how much more a weak entity weighs.
    pub lambda: Decimal,
    /// Base weight of an own domain (2.0).
    pub domain_weight: Decimal,
    /// Base weight of an in-use critical vendor (1.5).
    pub critical_weight: Decimal,
    /// Base weight of an in-use high-criticality vendor (1.0).
    pub high_weight: Decimal,
    /// Base weight of an in-use medium-criticality vendor (0.75).
    pub medium_weight: Decimal,
    /// Base weight of an in-use low-criticality vendor (0.5).
    pub low_weight: Decimal,
}

impl Default for CsrConfig {
    fn default() -> Self {
        CsrConfig {
            lambda: Decimal::ONE,
            domain_weight: Decimal::TWO,
            critical_weight: Decimal::new(15, 1),
            high_weight: Decimal::ONE,
            medium_weight: Decimal::new(75, 2),
            low_weight: Decimal::new(5, 1),
        }
    }
}

impl CsrConfig {
    /// Base weight of an in-use vendor of this criticality.
    pub fn vendor_weight(&self, c: Criticality) -> Decimal {
        match c {
            Criticality::Critical => self.critical_weight,
            Criticality::High => self.high_weight,
            Criticality::Medium => self.medium_weight,
            Criticality::Low => self.low_weight,
        }
    }

    /// Checks `lambda` is in [0, 1] (the aggregate stays monotone) and the
    /// weights are not negative.
    ///
    /// # Errors
    /// The offending field.
    pub fn validate(&self) -> Result<(), Error> {
        if self.lambda < Decimal::ZERO || self.lambda > Decimal::ONE {
            return Err(Error::OutOfRange {
                path: "lambda".into(),
                message: format!(
                    "{} must be in [0, 1] to keep the aggregate monotone",
                    self.lambda
                ),
            });
        }
        for (name, w) in [
            ("domain_weight", self.domain_weight),
            ("critical_weight", self.critical_weight),
            ("high_weight", self.high_weight),
            ("medium_weight", self.medium_weight),
            ("low_weight", self.low_weight),
        ] {
            if w < Decimal::ZERO || w > Decimal::from(1000) {
                return Err(Error::OutOfRange {
                    path: name.into(),
                    message: format!("{w} must be in [0, 1000]"),
                });
            }
        }
        Ok(())
    }
}

/// Weighted sums are accumulated on this fixed scale so that they are exact:
/// the sum of any number of terms, in any order, incrementally or in full,
/// is the same decimal (the basis of the incremental index).
pub const TERM_SCALE: u32 = 20;

/// Rounds a weighted term to [`TERM_SCALE`] decimals.
pub fn quantize(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(TERM_SCALE, RoundingStrategy::MidpointNearestEven)
}

/// One entity's contribution: `(omega, omega * s)`, quantized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Term {
    /// `omega_e`.
    pub weight: Decimal,
    /// `omega_e * s_e`.
    pub weighted: Decimal,
}

impl Term {
    /// The term of an entity with base weight `beta` and fraction `s`.
    pub fn new(beta: Decimal, s: Decimal, lambda: Decimal) -> Term {
        let omega = beta * (Decimal::ONE + lambda * (Decimal::ONE - s));
        Term {
            weight: quantize(omega),
            weighted: quantize(omega * s),
        }
    }
}

/// Running sums of a portfolio's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sums {
    /// `sum(omega)`.
    pub weight: Decimal,
    /// `sum(omega * s)`.
    pub weighted: Decimal,
}

impl Sums {
    /// Adds a term.
    pub fn add(&mut self, t: Term) {
        self.weight += t.weight;
        self.weighted += t.weighted;
    }
    /// Removes a term added before.
    pub fn sub(&mut self, t: Term) {
        self.weight -= t.weight;
        self.weighted -= t.weighted;
    }
    /// `C`, or `None` when no entity has positive weight.
    pub fn fraction(&self) -> Option<Decimal> {
        (self.weight > Decimal::ZERO).then(|| self.weighted / self.weight)
    }
    /// The CSR gain, on the 0–100 scale, if the entity with term `t` and base
    /// weight `beta` had fraction 1.
    pub fn gain(&self, t: Term, beta: Decimal) -> Decimal {
        let (Some(c), true) = (self.fraction(), beta > Decimal::ZERO) else {
            return Decimal::ZERO;
        };
        let b = quantize(beta);
        let w = self.weight - t.weight + b;
        let ws = self.weighted - t.weighted + b;
        if w <= Decimal::ZERO {
            return Decimal::ZERO;
        }
        (ws / w - c) * Decimal::ONE_HUNDRED
    }
}

/// Kind of a portfolio entity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// An own domain.
    Domain,
    /// A vendor.
    Vendor,
}

/// An own domain in the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct DomainScore {
    /// Domain name.
    pub domain: String,
    /// Score, 2 dp.
    pub score: Decimal,
    /// Fraction `s_e`.
    pub fraction: Decimal,
    /// `beta`.
    pub base_weight: Decimal,
    /// `omega`.
    pub weight: Decimal,
    /// Whether the domain had data to score. An unrated domain counts as
    /// perfect (`score` 100, csr-v1), and tables show it "not rated".
    #[serde(default = "rated")]
    pub rated: bool,
}

/// Results written before `rated` existed were about rated entities, or
/// did not say: read them as rated.
fn rated() -> bool {
    true
}

/// A vendor in the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct VendorScore {
    /// Vendor id.
    pub id: String,
    /// The vendor's display name.
    pub name: String,
    /// In use.
    pub in_use: bool,
    /// How critical the vendor is: it sets the vendor's base weight when in
    /// use.
    pub criticality: Criticality,
    /// Score from its domains alone, 2 dp.
    pub raw_score: Decimal,
    /// Score after questionnaire risks, 2 dp.
    pub score: Decimal,
    /// Fraction after questionnaire risks.
    pub fraction: Decimal,
    /// `beta` (0 when not in use).
    pub base_weight: Decimal,
    /// `omega` (0 when not in use).
    pub weight: Decimal,
    /// Open questionnaire risks counted.
    pub open_questionnaire_risks: u32,
    /// Whether its domains had data to score. Without, `raw_score` counts
    /// as 100 (csr-v1) and tables show it "not rated".
    #[serde(default = "rated")]
    pub rated: bool,
}

/// One priority entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Priority {
    /// Domain name or vendor id.
    pub entity: String,
    /// Whether `entity` is an own domain or a vendor.
    pub kind: EntityKind,
    /// CSR increase on the 0–100 scale if its fraction became 1.
    pub gain: Decimal,
}

/// The result of aggregating one portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct CsrResult {
    /// The organisation whose portfolio was scored.
    pub organization: String,
    /// Scoring instant.
    pub as_of: Timestamp,
    /// Aggregation id (`csr-v1`).
    pub aggregation: String,
    /// Scoring model of the entities.
    pub model: String,
    /// The scoring specification followed (`scoring-v1`).
    pub spec: String,
    /// Catalog used.
    pub catalog: posture_core::CatalogRef,
    /// CSR on 0–100, 2 dp; null with insufficient data.
    pub csr: Option<Decimal>,
    /// `C`; null with insufficient data.
    pub fraction: Option<Decimal>,
    /// Grade from the rounded CSR, or `?`.
    pub grade: Grade,
    /// Own domains.
    pub domains: Vec<DomainScore>,
    /// Vendors, in input order.
    pub vendors: Vec<VendorScore>,
    /// Every entity by descending gain.
    pub priorities: Vec<Priority>,
    /// In-use vendors with fraction below 1, in priority order ("vendors
    /// have potential security risks").
    pub vendors_with_risks: Vec<String>,
}

/// A portfolio aggregation. csr-v1 is the default; implement this to add
/// another without forking.
pub trait Aggregation: Send + Sync {
    /// Stable id reported in results.
    fn id(&self) -> &str;
    /// Aggregates a validated portfolio.
    fn aggregate(&self, portfolio: &ValidPortfolio) -> CsrResult;
}

/// Aggregation id of the default.
pub const CSR_V1: &str = "csr-v1";

/// The csr-v1 aggregation over a scoring model.
#[derive(Debug, Clone)]
pub struct CsrV1<M> {
    model: M,
    config: CsrConfig,
    severity_weights: posture_score::SeverityWeights,
}

fn round2(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    r.rescale(2);
    r
}

impl<M: ScoringModel> CsrV1<M> {
    /// csr-v1 with a model, its severity weights (for questionnaire risks)
    /// and parameters.
    ///
    /// # Errors
    /// Parameters out of range.
    pub fn new(model: M, score_config: &ScoreConfig, config: CsrConfig) -> Result<Self, Error> {
        config.validate()?;
        Ok(CsrV1 {
            model,
            config,
            severity_weights: score_config.severity_weights.clone(),
        })
    }

    /// The parameters.
    pub fn config(&self) -> &CsrConfig {
        &self.config
    }

    /// Questionnaire adjustment: `product of (1 - W[sev])` over open risks.
    pub fn questionnaire_factor(&self, open: &[Severity]) -> Decimal {
        let mut sorted = open.to_vec();
        sorted.sort_unstable();
        sorted.iter().fold(Decimal::ONE, |acc, s| {
            acc * (Decimal::ONE - self.severity_weights.get(*s))
        })
    }
}

impl<M: ScoringModel> Aggregation for CsrV1<M> {
    fn id(&self) -> &str {
        CSR_V1
    }

    fn aggregate(&self, p: &ValidPortfolio) -> CsrResult {
        let domains = p.domains.iter().map(|d| ScoredEntity {
            kind: EntityKind::Domain,
            id: d.domain.to_string(),
            name: d.domain.to_string(),
            in_use: true,
            criticality: Criticality::default(),
            fraction: self.model.score(&d.assessment).fraction,
            open_risks: Vec::new(),
        });
        let vendors = p.vendors.iter().map(|v| ScoredEntity {
            kind: EntityKind::Vendor,
            id: v.id.clone(),
            name: v.name.clone(),
            in_use: v.in_use,
            criticality: v.criticality,
            fraction: v
                .assessment
                .as_ref()
                .and_then(|a| self.model.score(a).fraction),
            open_risks: v.open_risks.clone(),
        });
        let entities: Vec<ScoredEntity> = domains.chain(vendors).collect();
        self.aggregate_scored(&p.organization, p.as_of, p.catalog.clone(), &entities)
    }
}

/// One entity of a portfolio with its score already computed: what csr-v1
/// aggregates. A host that keeps organisations' scores (a data lake, the
/// batch path) aggregates from these without the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScoredEntity {
    /// An own domain or a vendor.
    pub kind: EntityKind,
    /// The domain name, or the vendor's id.
    pub id: String,
    /// The vendor's display name (the domain name for a domain).
    pub name: String,
    /// Whether the vendor is in use (always true for a domain).
    pub in_use: bool,
    /// The vendor's criticality (ignored for a domain).
    pub criticality: Criticality,
    /// The organisation's fraction from its scorecard; `None` without data
    /// (counted as 1, and reported not rated).
    pub fraction: Option<Decimal>,
    /// Severities of the vendor's open questionnaire risks.
    pub open_risks: Vec<Severity>,
}

impl ScoredEntity {
    /// An own domain with its fraction.
    pub fn domain(domain: impl Into<String>, fraction: Option<Decimal>) -> ScoredEntity {
        let domain = domain.into();
        ScoredEntity {
            kind: EntityKind::Domain,
            name: domain.clone(),
            id: domain,
            in_use: true,
            criticality: Criticality::default(),
            fraction,
            open_risks: Vec::new(),
        }
    }

    /// A vendor with its fraction.
    pub fn vendor(
        id: impl Into<String>,
        name: impl Into<String>,
        in_use: bool,
        criticality: Criticality,
        fraction: Option<Decimal>,
        open_risks: Vec<Severity>,
    ) -> ScoredEntity {
        ScoredEntity {
            kind: EntityKind::Vendor,
            id: id.into(),
            name: name.into(),
            in_use,
            criticality,
            fraction,
            open_risks,
        }
    }
}

impl<M: ScoringModel> CsrV1<M> {
    /// csr-v1 over entities already scored (own domains first, then
    /// vendors, each in input order, as `aggregate` passes them): the same
    /// result as [`Aggregation::aggregate`] when the fractions are the
    /// entities' scorecard fractions.
    pub fn aggregate_scored(
        &self,
        organization: &str,
        as_of: Timestamp,
        catalog: posture_core::CatalogRef,
        entities: &[ScoredEntity],
    ) -> CsrResult {
        let lambda = self.config.lambda;
        let mut sums = Sums::default();
        // (entity, kind, term, beta) for priorities.
        let mut entries: Vec<(String, EntityKind, Term, Decimal)> = Vec::new();
        let mut domains: Vec<DomainScore> = Vec::new();
        let mut vendors: Vec<VendorScore> = Vec::new();
        for e in entities {
            match e.kind {
                EntityKind::Domain => {
                    let s = e.fraction.unwrap_or(Decimal::ONE);
                    let beta = self.config.domain_weight;
                    let t = Term::new(beta, s, lambda);
                    sums.add(t);
                    entries.push((e.id.clone(), EntityKind::Domain, t, beta));
                    domains.push(DomainScore {
                        domain: e.id.clone(),
                        score: round2(s * Decimal::ONE_HUNDRED),
                        fraction: s,
                        base_weight: beta,
                        weight: t.weight,
                        rated: e.fraction.is_some(),
                    });
                }
                EntityKind::Vendor => {
                    let raw = e.fraction.unwrap_or(Decimal::ONE);
                    let s = raw * self.questionnaire_factor(&e.open_risks);
                    let beta = if e.in_use {
                        self.config.vendor_weight(e.criticality)
                    } else {
                        Decimal::ZERO
                    };
                    let t = Term::new(beta, s, lambda);
                    sums.add(t);
                    entries.push((e.id.clone(), EntityKind::Vendor, t, beta));
                    vendors.push(VendorScore {
                        id: e.id.clone(),
                        name: e.name.clone(),
                        in_use: e.in_use,
                        criticality: e.criticality,
                        raw_score: round2(raw * Decimal::ONE_HUNDRED),
                        score: round2(s * Decimal::ONE_HUNDRED),
                        fraction: s,
                        base_weight: beta,
                        weight: t.weight,
                        open_questionnaire_risks: e.open_risks.len() as u32,
                        rated: e.fraction.is_some(),
                    });
                }
            }
        }
        let fraction = sums.fraction();
        let csr = fraction.map(|c| round2(c * Decimal::ONE_HUNDRED));
        let grade = csr.map_or(Grade::Insufficient, Grade::from_score);
        let mut priorities: Vec<Priority> = entries
            .iter()
            .map(|(entity, kind, t, beta)| Priority {
                entity: entity.clone(),
                kind: *kind,
                gain: sums.gain(*t, *beta),
            })
            .collect();
        sort_priorities(&mut priorities);
        let vendors_with_risks = priorities
            .iter()
            .filter(|pr| pr.kind == EntityKind::Vendor)
            .filter(|pr| {
                vendors
                    .iter()
                    .any(|v| v.id == pr.entity && v.in_use && v.fraction < Decimal::ONE)
            })
            .map(|pr| pr.entity.clone())
            .collect();
        CsrResult {
            organization: organization.to_owned(),
            as_of,
            aggregation: CSR_V1.to_owned(),
            model: self.model.id().to_owned(),
            spec: SPEC.to_owned(),
            catalog,
            csr,
            fraction,
            grade,
            domains,
            vendors,
            priorities,
            vendors_with_risks,
        }
    }
}

/// Orders priorities: descending gain; equal gains put domains before
/// vendors, then ids in byte order.
pub fn sort_priorities(p: &mut [Priority]) {
    p.sort_by(|a, b| {
        b.gain
            .cmp(&a.gain)
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.entity.as_bytes().cmp(b.entity.as_bytes()))
    });
}
