//! The scoring-model trait and the default model, posture-v1.

use crate::config::ScoreConfig;
use crate::scale::Scale;
use crate::scorecard::{FactorScore, IssueScore, Scorecard};
use chrono::TimeDelta;
use posture_core::{Assessment, Error, Factor, Grade, IssueIdx, SPEC, Timestamp};
use rust_decimal::prelude::MathematicalOps;
use rust_decimal::{Decimal, RoundingStrategy};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// A scoring model: from a validated assessment to a scorecard.
///
/// Implement it to add a model without forking; the planner and batch
/// scoring work with any implementation. A model must be pure and
/// deterministic (same input, same output, on any thread).
///
/// ```
/// use posture_score::{ScoringModel, PostureV1, Scorecard};
/// use posture_core::{Assessment, IssueIdx};
///
/// /// A model that ignores breaches: posture-v1 with a zero breach penalty.
/// struct NoBreaches(PostureV1);
/// impl ScoringModel for NoBreaches {
///     fn id(&self) -> &str { "no-breaches" }
///     fn score_fixing(&self, a: &Assessment, fixed: &[IssueIdx]) -> Scorecard {
///         let mut card = self.0.score_fixing(a, fixed);
///         card.model = self.id().to_owned().into();
///         card
///     }
/// }
/// let mut config = posture_score::ScoreConfig::default();
/// config.breach_penalty = rust_decimal::Decimal::ZERO;
/// let model = NoBreaches(PostureV1::new(config).unwrap());
/// assert_eq!(model.id(), "no-breaches");
/// ```
pub trait ScoringModel: Send + Sync {
    /// Stable model id reported in results (e.g. `posture-v1`).
    fn id(&self) -> &str;

    /// Scores the assessment as if every finding of the issue types in
    /// `fixed` (sorted ascending) were fixed. The planner relies on this.
    fn score_fixing(&self, assessment: &Assessment, fixed: &[IssueIdx]) -> Scorecard;

    /// Scores the assessment.
    fn score(&self, assessment: &Assessment) -> Scorecard {
        self.score_fixing(assessment, &[])
    }
}

/// The default model of scoring-v1 section 2.
///
/// ```
/// use posture_score::{PostureV1, ScoringModel};
/// use posture_core::{Catalog, FindingsDocument};
/// let doc = FindingsDocument::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
///   "assets": ["a.example"], "findings": [{"issue": "service_telnet", "asset": "a.example",
///   "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}]}"#).unwrap();
/// let card = PostureV1::default().score(&doc.validate(&Catalog::builtin()).unwrap());
/// assert!(card.score.unwrap() < rust_decimal::Decimal::ONE_HUNDRED);
/// ```
#[derive(Debug, Clone)]
pub struct PostureV1 {
    /// This instance's number (clones share it: same parameters).
    id: u64,
    config: ScoreConfig,
    /// `W[sev] * m_f / 2` per (severity, factor).
    half_weights: [[Decimal; 10]; 6],
    /// `W[sev] > 0` per severity (only those findings can be active).
    weighted: [bool; 6],
    window: TimeDelta,
    window_days: Decimal,
}

impl Default for PostureV1 {
    fn default() -> Self {
        // The default configuration is valid by construction.
        Self::build(ScoreConfig::default())
    }
}

/// Model id of the default model.
pub const POSTURE_V1: &str = "posture-v1";

/// Fractions are clamped below at 1e-20 (scoring-v1 section 7).
fn min_fraction() -> Decimal {
    Decimal::new(1, 20)
}

const SECONDS_PER_DAY: i64 = 86_400;

/// `ln(1 + k)` for small `k` is looked up in a table; larger values are
/// memoised in a map (footprint sizes repeat across an organisation's types
/// and across organisations).
const SMALL_LN: usize = 4096;

thread_local! {
    static LN_SMALL: RefCell<Vec<Option<Decimal>>> = RefCell::new(vec![None; SMALL_LN]);
    static LN_CACHE: RefCell<HashMap<u128, Decimal>> = RefCell::new(HashMap::new());
}

fn ln1p_uncached(k: u128) -> Decimal {
    // N is at most 2^64 + 2^32 + the number of host names, far below
    // Decimal's 7.9e28, so the conversion cannot fail in practice; if it
    // ever did, saturate rather than panic.
    let x = Decimal::try_from_i128_with_scale(k as i128 + 1, 0).unwrap_or(Decimal::MAX);
    x.ln()
}

/// `ln(1 + k)`, memoised per thread: it is a pure function of `k`, so the
/// cache cannot change results, only their cost.
fn ln1p(k: u128) -> Decimal {
    if k == 0 {
        return Decimal::ZERO;
    }
    if (k as usize) < SMALL_LN && k < SMALL_LN as u128 {
        return LN_SMALL.with(|c| {
            let i = k as usize;
            if let Some(v) = c.borrow()[i] {
                return v;
            }
            let v = ln1p_uncached(k);
            c.borrow_mut()[i] = Some(v);
            v
        });
    }
    LN_CACHE.with(|c| {
        if let Some(v) = c.borrow().get(&k) {
            return *v;
        }
        let v = ln1p_uncached(k);
        let mut m = c.borrow_mut();
        if m.len() > 1 << 16 {
            m.clear();
        }
        m.insert(k, v);
        v
    })
}

fn seconds(d: TimeDelta) -> Decimal {
    let nanos = d.subsec_nanos();
    Decimal::from(d.num_seconds()) + Decimal::new(i64::from(nanos), 9)
}

/// (model, severity, factor, affected assets, footprint size).
type PenaltyKey = (u64, u8, u8, u64, u128);

/// Per-thread penalty cache: `p` and `1 - p` by [`PenaltyKey`].
type PenaltyCache = HashMap<PenaltyKey, (Decimal, Decimal), foldhash::fast::RandomState>;

thread_local! {
    /// Penalties already computed, by (model, severity, factor, affected
    /// assets, footprint size): `p` and `1 - p`. Organisations share
    /// footprint sizes and most issue types touch one or two assets, so
    /// most types of most organisations reuse a penalty instead of paying
    /// four 28-digit decimal operations for it. A pure function of its key,
    /// so the cache changes no result, only its cost.
    static PENALTIES: RefCell<PenaltyCache> =
        RefCell::new(HashMap::with_hasher(foldhash::fast::RandomState::default()));
}

/// Distinct model instances (a cache key: two models may differ in
/// parameters).
static MODELS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl PostureV1 {
    /// The penalty of an issue type of `severity` in `factor` on `n_t` of
    /// `n` footprint units, and `1 - p` (scoring-v1 section 2:
    /// `p = min(W * m / 2 * (1 + ln(1 + n_t) / ln(1 + N)), max)`).
    /// `ln_n` holds `ln(1 + N)` once computed.
    fn penalty(
        &self,
        severity: usize,
        factor: usize,
        n_t: u64,
        n: u128,
        ln_n: &mut Option<Decimal>,
    ) -> (Decimal, Decimal) {
        let key = (self.id, severity as u8, factor as u8, n_t, n);
        if let Some(hit) = PENALTIES.with(|c| c.borrow().get(&key).copied()) {
            return hit;
        }
        let ln_n = *ln_n.get_or_insert_with(|| ln1p(n));
        let d = ln1p(u128::from(n_t)) / ln_n;
        let p =
            (self.half_weights[severity][factor] * (Decimal::ONE + d)).min(self.config.max_penalty);
        let value = (p, Decimal::ONE - p);
        PENALTIES.with(|c| {
            let mut c = c.borrow_mut();
            if c.len() >= 1 << 16 {
                c.clear();
            }
            c.insert(key, value);
        });
        value
    }

    /// A model with the given parameters.
    ///
    /// # Errors
    /// Parameters that would break the model's properties (see
    /// [`ScoreConfig::validate`]).
    pub fn new(config: ScoreConfig) -> Result<Self, Error> {
        config.validate()?;
        Ok(Self::build(config))
    }

    fn build(config: ScoreConfig) -> Self {
        let mut half_weights = [[Decimal::ZERO; 10]; 6];
        for s in posture_core::Severity::ALL {
            for f in Factor::ALL {
                half_weights[s.index()][f.index()] =
                    config.severity_weights.get(*s) * config.multiplier(*f) / Decimal::TWO;
            }
        }
        let mut weighted = [false; 6];
        for s in posture_core::Severity::ALL {
            weighted[s.index()] = config.severity_weights.get(*s) > Decimal::ZERO;
        }
        let days = i64::from(config.breach_window_days);
        PostureV1 {
            id: MODELS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            half_weights,
            weighted,
            window: TimeDelta::seconds(days * SECONDS_PER_DAY),
            window_days: Decimal::from(days),
            config,
        }
    }

    /// The parameters.
    pub fn config(&self) -> &ScoreConfig {
        &self.config
    }

    /// Relative breach likelihood for a grade.
    pub fn likelihood(&self, grade: Grade) -> Option<Decimal> {
        self.config.likelihood.get(grade)
    }
}

/// Rounds to exactly two decimals (ties to even), keeping trailing zeros so
/// that 100 prints as `100.00`.
fn round2(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    r.rescale(2);
    r
}

impl ScoringModel for PostureV1 {
    fn id(&self) -> &str {
        POSTURE_V1
    }

    fn score_fixing(&self, a: &Assessment, fixed: &[IssueIdx]) -> Scorecard {
        let catalog = a.catalog();
        let as_of = a.as_of();
        let mut assessed = [false; 10];
        for f in a.assessed_factors() {
            assessed[f.index()] = true;
        }
        // Active (issue, asset) pairs, packed so that sorting orders them by
        // issue id (catalog index order is id byte order).
        let mut pairs: Vec<u64> = Vec::with_capacity(a.findings().len());
        // A finding has decayed when `as_of - last_seen > decay`, that is
        // when it was last seen before `as_of - decay`: one cutoff per
        // decay period (a catalog has a handful), not a date difference per
        // finding.
        let mut cutoffs: Vec<(u32, chrono::DateTime<chrono::Utc>)> = Vec::with_capacity(8);
        for f in a.findings() {
            let it = catalog.issue(f.issue);
            assessed[it.factor.index()] = true;
            if !f.status.counts() || it.provisional {
                continue;
            }
            if !self.weighted[it.severity.index()] {
                continue;
            }
            let cutoff = match cutoffs.iter().find(|(d, _)| *d == it.decay_days) {
                Some((_, c)) => *c,
                None => {
                    let decay = TimeDelta::seconds(i64::from(it.decay_days) * SECONDS_PER_DAY);
                    // Out of chrono's range (no real date is): the
                    // difference, as before.
                    let Some(c) = as_of.checked_sub_signed(decay) else {
                        if as_of.signed_duration_since(f.last_seen) > decay {
                            continue;
                        }
                        pairs.push((u64::from(f.issue.0) << 32) | u64::from(f.asset));
                        continue;
                    };
                    cutoffs.push((it.decay_days, c));
                    c
                }
            };
            if f.last_seen < cutoff {
                continue;
            }
            if fixed.binary_search(&f.issue).is_ok() {
                continue;
            }
            pairs.push((u64::from(f.issue.0) << 32) | u64::from(f.asset));
        }
        pairs.sort_unstable();
        pairs.dedup();

        let n = a.footprint().size();
        let mut ln_n = None;
        let mut phi = [Decimal::ONE; 10];
        let mut issues: [Vec<IssueScore>; 10] = Default::default();
        let mut i = 0;
        while i < pairs.len() {
            let issue = (pairs[i] >> 32) as u32;
            let mut j = i;
            while j < pairs.len() && (pairs[j] >> 32) as u32 == issue {
                j += 1;
            }
            let n_t = (j - i) as u64;
            i = j;
            let it = catalog.issue(IssueIdx(issue));
            let fi = it.factor.index();
            let (p, keep) = self.penalty(it.severity.index(), fi, n_t, n, &mut ln_n);
            if p <= Decimal::ZERO {
                // A zero multiplier makes the type harmless: it is not listed.
                continue;
            }
            phi[fi] *= keep;
            issues[fi].push(IssueScore {
                issue: match catalog.static_id(IssueIdx(issue)) {
                    Some(id) => Cow::Borrowed(id),
                    None => Cow::Owned(it.id.clone()),
                },
                severity: it.severity,
                affected_assets: n_t,
                penalty: p,
            });
        }

        let floor = min_fraction();
        let mut sigma = Decimal::ONE;
        for p in &mut phi {
            // A factor without penalties keeps the constant 1 (scale 0):
            // multiplying by it changes neither value nor scale. (A 1 of
            // another scale, from a vanishing penalty, is multiplied.)
            if *p == Decimal::ONE && p.scale() == 0 {
                continue;
            }
            *p = (*p).max(floor);
            sigma *= *p;
        }
        let mut breaches_applied = 0;
        for b in a.breaches() {
            let age = as_of.signed_duration_since(*b);
            if age >= TimeDelta::zero() && age < self.window {
                let age_days = seconds(age) / Decimal::from(SECONDS_PER_DAY);
                sigma *= Decimal::ONE
                    - self.config.breach_penalty * (Decimal::ONE - age_days / self.window_days);
                breaches_applied += 1;
            }
        }
        let sigma = sigma.max(floor);

        let factors = Factor::ALL
            .iter()
            .map(|f| {
                let mut list = std::mem::take(&mut issues[f.index()]);
                list.sort_by(|x, y| {
                    y.penalty
                        .cmp(&x.penalty)
                        .then_with(|| x.issue.cmp(&y.issue))
                });
                let fraction = phi[f.index()];
                FactorScore {
                    factor: *f,
                    assessed: assessed[f.index()],
                    score: if fraction == Decimal::ONE {
                        Decimal::new(10_000, 2)
                    } else {
                        round2(fraction * Decimal::ONE_HUNDRED)
                    },
                    fraction: phi[f.index()],
                    issues: list,
                }
            })
            .collect();

        let insufficient = a.insufficient_data();
        let (score, fraction, grade) = if insufficient {
            (None, None, Grade::Insufficient)
        } else {
            let s = round2(sigma * Decimal::ONE_HUNDRED);
            (Some(s), Some(sigma), Grade::from_score(s))
        };
        Scorecard {
            organization: a.organization().to_owned(),
            as_of: Timestamp(as_of),
            model: Cow::Borrowed(POSTURE_V1),
            spec: Cow::Borrowed(SPEC),
            catalog: catalog.reference(),
            scale: Scale::Hundred,
            footprint_size: a.footprint().size(),
            score,
            fraction,
            grade,
            category: None,
            breach_likelihood: self.likelihood(grade),
            breaches_applied,
            factors,
        }
    }
}
