//! The synthetic corpus: a latent risk per organisation, findings drawn by
//! factor and severity from it, and a breach drawn from a logistic model
//! of the same risk. `docs/METHODOLOGY.md` ("The synthetic corpus") states
//! the process; every parameter is in [`CorpusConfig`].

use super::{BreachOutcome, CorpusRecord, window_end};
use crate::detmath::{ln, logistic};
use crate::rng::{Rng, Stream};
use chrono::{Datelike, TimeDelta};
use posture_core::{
    Breach, Catalog, DateOrTime, Error, Factor, Finding, FindingStatus, Severity, Timestamp,
};
use rayon::prelude::*;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// A decimal parameter as a float: the correctly rounded nearest double
/// (through its text, so the same on every platform).
fn f(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or(Decimal::ZERO)
}

/// A logistic model `logit P = intercept + slope * z` of the latent risk
/// `z` (a standard normal variate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeParams {
    /// The log-odds at `z = 0`.
    pub intercept: Decimal,
    /// The change in log-odds per standard deviation of risk.
    pub slope: Decimal,
}

/// One value per severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityParams {
    /// Critical.
    pub critical: Decimal,
    /// High.
    pub high: Decimal,
    /// Medium.
    pub medium: Decimal,
    /// Low.
    pub low: Decimal,
    /// Info.
    pub info: Decimal,
    /// Positive.
    pub positive: Decimal,
}

impl SeverityParams {
    fn get(&self, s: Severity) -> Decimal {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
            Severity::Positive => self.positive,
        }
    }
}

/// How large footprints are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FootprintParams {
    /// Host names: `1 + floor(e^(mean + sd * u))` for a standard normal
    /// `u`, at most `max_hosts`. Mean of the logarithm (1.0).
    pub hosts_log_mean: Decimal,
    /// Standard deviation of the logarithm (1.0).
    pub hosts_log_sd: Decimal,
    /// At most this many host names (500; at most 100,000).
    pub max_hosts: u32,
    /// Single IPv4 addresses: `floor(e^(mean + sd * u)) - 1`, at least 0.
    /// Mean of the logarithm (0.7).
    pub addresses_log_mean: Decimal,
    /// Standard deviation of the logarithm (1.0).
    pub addresses_log_sd: Decimal,
    /// At most this many single addresses (200).
    pub max_addresses: u32,
    /// Share of organisations that also hold an address block (0.3).
    pub block_share: Decimal,
    /// Longest block prefix (28, 16 addresses).
    pub block_prefix_max: u8,
    /// Shortest block prefix (24, 256 addresses).
    pub block_prefix_min: u8,
}

impl Default for FootprintParams {
    fn default() -> Self {
        FootprintParams {
            hosts_log_mean: dec("1.0"),
            hosts_log_sd: dec("1.0"),
            max_hosts: 500,
            addresses_log_mean: dec("0.7"),
            addresses_log_sd: dec("1.0"),
            max_addresses: 200,
            block_share: dec("0.3"),
            block_prefix_max: 28,
            block_prefix_min: 24,
        }
    }
}

/// How findings are drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FindingParams {
    /// Log-odds that an assessed organisation of average risk with eight
    /// assets has an issue type of this severity.
    pub prevalence: SeverityParams,
    /// Change of those log-odds per standard deviation of risk (negative
    /// for positive observations: the careful have more of them).
    pub risk_slope: SeverityParams,
    /// Change of those log-odds per unit of `ln(1 + N) - ln 9` (larger
    /// footprints show more issue types).
    pub size_slope: Decimal,
    /// Log-odds that an issue type present on `k` assets is on one more
    /// (a geometric count), at average risk.
    pub spread: Decimal,
    /// Change of the spread's log-odds per standard deviation of risk.
    pub spread_slope: Decimal,
}

impl Default for FindingParams {
    fn default() -> Self {
        FindingParams {
            prevalence: SeverityParams {
                critical: dec("-4.6"),
                high: dec("-3.7"),
                medium: dec("-2.9"),
                low: dec("-2.1"),
                info: dec("-1.6"),
                positive: dec("-0.8"),
            },
            risk_slope: SeverityParams {
                critical: dec("0.9"),
                high: dec("0.75"),
                medium: dec("0.55"),
                low: dec("0.3"),
                info: dec("0.1"),
                positive: dec("-0.5"),
            },
            size_slope: dec("0.35"),
            spread: dec("-1.1"),
            spread_slope: dec("0.4"),
        }
    }
}

/// Relative frequencies of finding statuses (normalised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct StatusShares {
    /// Open (0.82).
    pub open: Decimal,
    /// Under review (0.05).
    pub under_review: Decimal,
    /// Fixed (0.07).
    pub fixed: Decimal,
    /// Waived (0.04).
    pub waived: Decimal,
    /// Refuted (0.02).
    pub refuted: Decimal,
}

impl Default for StatusShares {
    fn default() -> Self {
        StatusShares {
            open: dec("0.82"),
            under_review: dec("0.05"),
            fixed: dec("0.07"),
            waived: dec("0.04"),
            refuted: dec("0.02"),
        }
    }
}

/// How old findings are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AgeParams {
    /// Mean days between `last_seen` and `as_of` (exponential; 10).
    pub last_seen_mean_days: Decimal,
    /// Mean days between `first_seen` and `last_seen` at average risk
    /// (exponential; 60).
    pub open_mean_days: Decimal,
    /// Change of the log of that mean per standard deviation of risk
    /// (0.3: the risky leave issues open longer).
    pub open_risk_slope: Decimal,
}

impl Default for AgeParams {
    fn default() -> Self {
        AgeParams {
            last_seen_mean_days: dec("10"),
            open_mean_days: dec("60"),
            open_risk_slope: dec("0.3"),
        }
    }
}

/// Every parameter of the synthetic corpus. Missing fields take the
/// defaults; unknown fields are errors. Decimals are JSON strings.
///
/// ```
/// use posture_research::corpus::CorpusConfig;
/// let c = CorpusConfig::from_json(r#"{"outcome": {"intercept": "-3", "slope": "1"}}"#).unwrap();
/// assert_eq!(c.outcome.slope.to_string(), "1");
/// let e = CorpusConfig::from_json(r#"{"not_rated": "1.5"}"#).unwrap_err();
/// assert_eq!(e.path(), Some("not_rated"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CorpusConfig {
    /// The instant every organisation is described at
    /// (2026-01-01T00:00:00Z; from 1970 to 9998-12-31).
    pub as_of: Timestamp,
    /// Footprint sizes.
    pub footprint: FootprintParams,
    /// Probability that a factor is assessed for an organisation; its
    /// issue types are drawn only then. A factor not listed: 0.8.
    #[serde(deserialize_with = "posture_core::keyed::map")]
    pub assessed: BTreeMap<Factor, Decimal>,
    /// Findings.
    pub findings: FindingParams,
    /// Finding statuses.
    pub statuses: StatusShares,
    /// Finding ages.
    pub ages: AgeParams,
    /// Share of organisations nothing is known about (no findings, no
    /// assessed factor: not rated), 0.003.
    pub not_rated: Decimal,
    /// A publicly known breach in the 60 days before `as_of`, of the
    /// latent risk (logit -5.5 + 0.8 z).
    pub prior_breach: OutcomeParams,
    /// A breach in the twelve months after `as_of`, of the latent risk.
    /// The defaults make grade F about 13.8 times as likely to be breached
    /// as grade A under posture-v1 (`docs/METHODOLOGY.md` says how close).
    pub outcome: OutcomeParams,
}

impl Default for CorpusConfig {
    fn default() -> Self {
        let assessed = [
            (Factor::NetworkSecurity, "0.95"),
            (Factor::DnsHealth, "0.98"),
            (Factor::PatchingCadence, "0.75"),
            (Factor::EndpointSecurity, "0.35"),
            (Factor::IpReputation, "0.9"),
            (Factor::ApplicationSecurity, "0.9"),
            (Factor::CubitScore, "0.5"),
            (Factor::HackerChatter, "0.4"),
            (Factor::InformationLeak, "0.7"),
            (Factor::SocialEngineering, "0.55"),
        ]
        .into_iter()
        .map(|(f, p)| (f, dec(p)))
        .collect();
        CorpusConfig {
            as_of: Timestamp(
                chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default(),
            ),
            footprint: FootprintParams::default(),
            assessed,
            findings: FindingParams::default(),
            statuses: StatusShares::default(),
            ages: AgeParams::default(),
            not_rated: dec("0.003"),
            prior_breach: OutcomeParams {
                intercept: dec("-5.5"),
                slope: dec("0.8"),
            },
            outcome: OutcomeParams {
                intercept: dec("-4.6"),
                slope: dec("2.2"),
            },
        }
    }
}

impl CorpusConfig {
    /// Parses and checks a configuration file's text.
    ///
    /// # Errors
    /// Bad JSON, unknown fields, values out of range, with their path.
    pub fn from_json(text: &str) -> Result<CorpusConfig, Error> {
        let c: CorpusConfig = posture_core::from_json_str(text)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks that every parameter is in range.
    ///
    /// # Errors
    /// The first parameter out of range, named by its path.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |path: &str, message: &str| {
            Err(Error::OutOfRange {
                path: path.to_owned(),
                message: message.to_owned(),
            })
        };
        let unit = |path: &str, v: Decimal| {
            if v < Decimal::ZERO || v > Decimal::ONE {
                bad(path, &format!("{v} must be in [0, 1]"))
            } else {
                Ok(())
            }
        };
        let positive = |path: &str, v: Decimal| {
            if v <= Decimal::ZERO {
                bad(path, &format!("{v} must be positive"))
            } else {
                Ok(())
            }
        };
        let bounded = |path: &str, v: Decimal| {
            if v.abs() > Decimal::from(50) {
                bad(path, &format!("{v} must be within [-50, 50]"))
            } else {
                Ok(())
            }
        };
        for (f, p) in &self.assessed {
            unit(&format!("assessed.{f}"), *p)?;
        }
        unit("not_rated", self.not_rated)?;
        unit("footprint.block_share", self.footprint.block_share)?;
        let fp = &self.footprint;
        if !(1..=100_000).contains(&fp.max_hosts) {
            return bad("footprint.max_hosts", "must be in 1..=100000");
        }
        if fp.max_addresses > 254 {
            return bad(
                "footprint.max_addresses",
                "must be at most 254 (one /24 per organisation)",
            );
        }
        if !(24..=32).contains(&fp.block_prefix_min)
            || !(fp.block_prefix_min..=32).contains(&fp.block_prefix_max)
        {
            return bad(
                "footprint.block_prefix_min",
                "prefixes must satisfy 24 <= block_prefix_min <= block_prefix_max <= 32",
            );
        }
        for (path, v) in [
            ("footprint.hosts_log_mean", fp.hosts_log_mean),
            ("footprint.hosts_log_sd", fp.hosts_log_sd),
            ("footprint.addresses_log_mean", fp.addresses_log_mean),
            ("footprint.addresses_log_sd", fp.addresses_log_sd),
        ] {
            if v < Decimal::ZERO || v > Decimal::from(10) {
                return bad(path, &format!("{v} must be in [0, 10]"));
            }
        }
        let fd = &self.findings;
        for s in Severity::ALL {
            bounded(&format!("findings.prevalence.{s}"), fd.prevalence.get(*s))?;
            bounded(&format!("findings.risk_slope.{s}"), fd.risk_slope.get(*s))?;
        }
        for (path, v) in [
            ("findings.size_slope", fd.size_slope),
            ("findings.spread", fd.spread),
            ("findings.spread_slope", fd.spread_slope),
            ("ages.open_risk_slope", self.ages.open_risk_slope),
            ("prior_breach.intercept", self.prior_breach.intercept),
            ("prior_breach.slope", self.prior_breach.slope),
            ("outcome.intercept", self.outcome.intercept),
            ("outcome.slope", self.outcome.slope),
        ] {
            bounded(path, v)?;
        }
        let st = &self.statuses;
        let shares = [
            ("statuses.open", st.open),
            ("statuses.under_review", st.under_review),
            ("statuses.fixed", st.fixed),
            ("statuses.waived", st.waived),
            ("statuses.refuted", st.refuted),
        ];
        for (path, v) in shares {
            if v < Decimal::ZERO {
                return bad(path, &format!("{v} must not be negative"));
            }
        }
        if shares.iter().all(|(_, v)| v.is_zero()) {
            return bad("statuses", "at least one share must be positive");
        }
        for (path, v) in [
            ("ages.last_seen_mean_days", self.ages.last_seen_mean_days),
            ("ages.open_mean_days", self.ages.open_mean_days),
        ] {
            positive(path, v)?;
            if v > Decimal::from(3650) {
                return bad(path, &format!("{v} must be at most 3650"));
            }
        }
        // Every instant written must read back as RFC 3339 (years 0000 to
        // 9999): outcomes up to twelve months after `as_of`, first
        // sightings up to about 317 years before it.
        let as_of = self.as_of.get();
        if as_of < chrono::DateTime::UNIX_EPOCH
            || window_end(as_of).is_none_or(|end| end.year() > 9999)
        {
            return bad(
                "as_of",
                "must be from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z (twelve months of outcomes after it)",
            );
        }
        Ok(())
    }
}

/// The parameters as floats, ready for drawing.
struct Plan {
    as_of: chrono::DateTime<chrono::Utc>,
    /// Seconds in the outcome window (twelve months).
    window: i64,
    assessed: [f64; 10],
    not_rated: f64,
    hosts: (f64, f64, u64),
    addresses: (f64, f64, u64),
    block: (f64, u8, u8),
    prevalence: [f64; 6],
    risk_slope: [f64; 6],
    size_slope: f64,
    spread: (f64, f64),
    /// Cumulative status shares, in [`STATUSES`] order.
    statuses: [f64; 5],
    last_seen_days: f64,
    open_days: (f64, f64),
    prior: (f64, f64),
    outcome: (f64, f64),
    /// The catalog's issue types: (factor, severity), in id order.
    issues: Vec<(String, Factor, Severity)>,
}

const STATUSES: [FindingStatus; 5] = [
    FindingStatus::Open,
    FindingStatus::UnderReview,
    FindingStatus::Fixed,
    FindingStatus::Waived,
    FindingStatus::Refuted,
];

/// Host-name-only factors: a finding of theirs names a host, most often
/// the organisation's own domain.
fn on_hosts(f: Factor) -> bool {
    !matches!(
        f,
        Factor::NetworkSecurity
            | Factor::IpReputation
            | Factor::PatchingCadence
            | Factor::EndpointSecurity
    )
}

impl Plan {
    fn new(c: &CorpusConfig, catalog: &Catalog) -> Plan {
        let as_of = c.as_of.get();
        let window = window_end(as_of).map_or(365 * 86_400, |end| (end - as_of).num_seconds());
        let mut assessed = [0.8; 10];
        for (fac, p) in &c.assessed {
            assessed[fac.index()] = f(*p);
        }
        let sev = |p: &SeverityParams| {
            let mut out = [0.0; 6];
            for s in Severity::ALL {
                out[s.index()] = f(p.get(*s));
            }
            out
        };
        let st = &c.statuses;
        let raw = [st.open, st.under_review, st.fixed, st.waived, st.refuted].map(f);
        let total: f64 = raw.iter().sum();
        let mut statuses = [0.0; 5];
        let mut acc = 0.0;
        for (i, r) in raw.iter().enumerate() {
            acc += r / total;
            statuses[i] = acc;
        }
        let fp = &c.footprint;
        Plan {
            as_of,
            window,
            assessed,
            not_rated: f(c.not_rated),
            hosts: (
                f(fp.hosts_log_mean),
                f(fp.hosts_log_sd),
                u64::from(fp.max_hosts),
            ),
            addresses: (
                f(fp.addresses_log_mean),
                f(fp.addresses_log_sd),
                u64::from(fp.max_addresses),
            ),
            block: (f(fp.block_share), fp.block_prefix_min, fp.block_prefix_max),
            prevalence: sev(&c.findings.prevalence),
            risk_slope: sev(&c.findings.risk_slope),
            size_slope: f(c.findings.size_slope),
            spread: (f(c.findings.spread), f(c.findings.spread_slope)),
            statuses,
            last_seen_days: f(c.ages.last_seen_mean_days),
            open_days: (f(c.ages.open_mean_days), f(c.ages.open_risk_slope)),
            prior: (f(c.prior_breach.intercept), f(c.prior_breach.slope)),
            outcome: (f(c.outcome.intercept), f(c.outcome.slope)),
            issues: catalog
                .issues()
                .iter()
                .map(|t| (t.id.clone(), t.factor, t.severity))
                .collect(),
        }
    }

    fn status(&self, rng: &mut Rng) -> FindingStatus {
        let u = rng.uniform();
        STATUSES
            .iter()
            .zip(self.statuses)
            .find(|(_, c)| u < *c)
            .map_or(FindingStatus::Open, |(s, _)| *s)
    }

    /// A log-normal count: `floor(e^(mean + sd * u))`, capped.
    fn count(rng: &mut Rng, (mean, sd, max): (f64, f64, u64)) -> u64 {
        let v = crate::detmath::exp(mean + sd * rng.normal());
        (v.floor() as u64).min(max)
    }

    fn instant(&self, seconds_before: f64) -> Timestamp {
        let s = seconds_before.clamp(0.0, 1e10).floor() as i64;
        Timestamp(self.as_of - TimeDelta::seconds(s))
    }

    /// Organisation `i` (from 0) of a corpus of `total` under `seed`.
    fn organization(&self, seed: u64, i: u64, total: u64) -> CorpusRecord {
        let mut rng = Rng::stream(seed, Stream::Organization, i);
        let width = total.max(1).to_string().len().max(5);
        let name = format!("org-{:0width$}", i + 1);
        let z = rng.normal();
        let apex = format!("{name}.example");

        // The footprint: host names, single addresses, perhaps a block,
        // all inside this organisation's own 10.x.y.0/24.
        let n_hosts = 1 + Self::count(&mut rng, self.hosts).min(self.hosts.2 - 1);
        let mut hosts = vec![apex.clone()];
        for k in 1..n_hosts {
            hosts.push(if k == 1 {
                format!("www.{apex}")
            } else {
                format!("h{k}.{apex}")
            });
        }
        let base = (10u32 << 24) | (((i % 65_536) as u32) << 8);
        let n_singles = Self::count(&mut rng, self.addresses).saturating_sub(1);
        let mut singles: Vec<u32> = rng
            .distinct(254, n_singles)
            .into_iter()
            .map(|o| base + 1 + o as u32)
            .collect();
        singles.sort_unstable();
        let block = if rng.chance(self.block.0) {
            let span = u64::from(self.block.2 - self.block.1) + 1;
            Some(self.block.1 + rng.below(span) as u8)
        } else {
            None
        };
        let mut addresses: Vec<u32> = singles.clone();
        if let Some(prefix) = block {
            addresses.extend(base..base + (1u32 << (32 - prefix)));
            addresses.sort_unstable();
            addresses.dedup();
        }
        let n = hosts.len() as f64 + addresses.len() as f64;
        let ip = |a: u32| std::net::Ipv4Addr::from(a).to_string();
        let mut assets: Vec<String> = hosts.clone();
        assets.extend(singles.iter().map(|a| ip(*a)));
        if let Some(prefix) = block {
            assets.push(format!("{}/{prefix}", ip(base)));
        }

        let not_rated = rng.chance(self.not_rated);
        let mut findings = Vec::new();
        let mut assessed_factors = Vec::new();
        if !not_rated {
            for fac in Factor::ALL {
                if rng.chance(self.assessed[fac.index()]) {
                    assessed_factors.push(*fac);
                }
            }
            if assessed_factors.is_empty() {
                assessed_factors.push(Factor::DnsHealth);
            }
            let size = ln(1.0 + n) - ln(9.0);
            let spread = logistic(self.spread.0 + self.spread.1 * z);
            let open_mean = self.open_days.0 * crate::detmath::exp(self.open_days.1 * z) * 86_400.0;
            for (id, fac, sev) in &self.issues {
                if !assessed_factors.contains(fac) {
                    continue;
                }
                let s = sev.index();
                let p =
                    logistic(self.prevalence[s] + self.risk_slope[s] * z + self.size_slope * size);
                if !rng.chance(p) {
                    continue;
                }
                // Which assets: host names (the domain itself first) for
                // the factors about names, any asset for the others.
                let hosts_only = on_hosts(*fac) || addresses.is_empty();
                let pool = if hosts_only {
                    hosts.len()
                } else {
                    hosts.len() + addresses.len()
                } as u64;
                let mut k = 1;
                while k < pool && rng.chance(spread) {
                    k += 1;
                }
                let picked: Vec<u64> = if hosts_only {
                    let mut v = vec![0];
                    v.extend(rng.distinct(pool - 1, k - 1).into_iter().map(|j| j + 1));
                    v
                } else {
                    rng.distinct(pool, k)
                };
                for j in picked {
                    let j = j as usize;
                    let asset = if j < hosts.len() {
                        hosts[j].clone()
                    } else {
                        ip(addresses[j - hosts.len()])
                    };
                    let last = rng.exponential(self.last_seen_days) * 86_400.0;
                    let open = rng.exponential(open_mean);
                    findings.push(Finding {
                        issue: id.clone(),
                        asset,
                        first_seen: self.instant(last + open),
                        last_seen: self.instant(last),
                        status: self.status(&mut rng),
                    });
                }
            }
        }
        let mut breaches = Vec::new();
        if !not_rated && rng.chance(logistic(self.prior.0 + self.prior.1 * z)) {
            let before = rng.uniform() * 60.0 * 86_400.0;
            breaches.push(Breach {
                date: DateOrTime(self.instant(before)),
            });
        }
        let breached = rng.chance(logistic(self.outcome.0 + self.outcome.1 * z));
        let at = breached.then(|| {
            let after = 1 + rng.below(self.window as u64) as i64;
            Timestamp(self.as_of + TimeDelta::seconds(after))
        });
        CorpusRecord {
            organization: name,
            as_of: Timestamp(self.as_of),
            assets,
            assessed_factors: (!not_rated).then_some(assessed_factors),
            findings,
            breaches,
            outcome: BreachOutcome { breached, at },
        }
    }
}

/// Organisations `range` (from 0) of a corpus of `total` under `seed`,
/// drawn in parallel; each depends only on the seed and its index, so any
/// split into ranges, on any number of threads, gives the same records.
///
/// # Errors
/// A configuration out of range ([`CorpusConfig::validate`]).
pub fn generate_records(
    config: &CorpusConfig,
    catalog: &Catalog,
    seed: u64,
    total: u64,
    range: Range<u64>,
) -> Result<Vec<CorpusRecord>, Error> {
    config.validate()?;
    let plan = Plan::new(config, catalog);
    Ok(range
        .into_par_iter()
        .map(|i| plan.organization(seed, i, total))
        .collect())
}

/// Lines `range` of the NDJSON corpus of `total` organisations under
/// `seed`: what `posture corpus generate` writes, byte for byte.
///
/// ```
/// use posture_research::corpus::{CorpusConfig, generate, parse_corpus};
/// let catalog = posture_core::Catalog::builtin();
/// let lines = generate(&CorpusConfig::default(), &catalog, 7, 20, 0..20).unwrap();
/// assert_eq!(lines.len(), 20);
/// // The same seed gives the same bytes, however the range is split.
/// let mut again = generate(&CorpusConfig::default(), &catalog, 7, 20, 0..5).unwrap();
/// again.extend(generate(&CorpusConfig::default(), &catalog, 7, 20, 5..20).unwrap());
/// assert_eq!(lines, again);
/// // And what it writes reads back as a corpus.
/// let corpus = parse_corpus(&lines.concat(), &catalog).unwrap();
/// assert_eq!(corpus.len(), 20);
/// ```
///
/// # Errors
/// As [`generate_records`].
pub fn generate(
    config: &CorpusConfig,
    catalog: &Catalog,
    seed: u64,
    total: u64,
    range: Range<u64>,
) -> Result<Vec<String>, Error> {
    config.validate()?;
    let plan = Plan::new(config, catalog);
    range
        .into_par_iter()
        .map(|i| {
            let mut line =
                serde_json::to_string(&plan.organization(seed, i, total)).map_err(|e| {
                    Error::OutOfRange {
                        path: "corpus".to_owned(),
                        message: format!("cannot write a record: {e}"),
                    }
                })?;
            line.push('\n');
            Ok(line)
        })
        .collect()
}
