//! Parameters of the posture-v1 model. The defaults are the spec's.

use posture_core::{Error, Factor, Grade, Severity};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Base penalty `W` per severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityWeights {
    /// Default 0.40.
    pub critical: Decimal,
    /// Default 0.20.
    pub high: Decimal,
    /// Default 0.06.
    pub medium: Decimal,
    /// Default 0.015.
    pub low: Decimal,
    /// Default 0.
    pub info: Decimal,
    /// Default 0.
    pub positive: Decimal,
}

impl Default for SeverityWeights {
    fn default() -> Self {
        SeverityWeights {
            critical: Severity::Critical.default_weight(),
            high: Severity::High.default_weight(),
            medium: Severity::Medium.default_weight(),
            low: Severity::Low.default_weight(),
            info: Severity::Info.default_weight(),
            positive: Severity::Positive.default_weight(),
        }
    }
}

impl SeverityWeights {
    /// The weight of one severity.
    pub fn get(&self, s: Severity) -> Decimal {
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

/// Relative breach likelihood per grade, against A.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LikelihoodTable {
    /// Default 1.
    #[serde(rename = "A")]
    pub a: Decimal,
    /// Default 2.9.
    #[serde(rename = "B")]
    pub b: Decimal,
    /// Default 5.4.
    #[serde(rename = "C")]
    pub c: Decimal,
    /// Default 9.2.
    #[serde(rename = "D")]
    pub d: Decimal,
    /// Default 13.8.
    #[serde(rename = "F")]
    pub f: Decimal,
}

impl Default for LikelihoodTable {
    fn default() -> Self {
        LikelihoodTable {
            a: Decimal::ONE,
            b: Decimal::new(29, 1),
            c: Decimal::new(54, 1),
            d: Decimal::new(92, 1),
            f: Decimal::new(138, 1),
        }
    }
}

impl LikelihoodTable {
    /// The older published table (2.6 / 4.3 / 6 / 7.7).
    pub fn legacy() -> Self {
        LikelihoodTable {
            a: Decimal::ONE,
            b: Decimal::new(26, 1),
            c: Decimal::new(43, 1),
            d: Decimal::new(6, 0),
            f: Decimal::new(77, 1),
        }
    }

    /// Checks that every likelihood is positive and that they do not
    /// decrease from A to F (a worse grade is never less likely to be
    /// breached).
    ///
    /// ```
    /// use posture_score::LikelihoodTable;
    /// assert!(LikelihoodTable::default().validate().is_ok());
    /// let mut t = LikelihoodTable::default();
    /// t.c = t.b - rust_decimal::Decimal::ONE;
    /// assert_eq!(t.validate().unwrap_err().to_string(), "C: 1.9 is below B's 2.9; likelihoods must not decrease from A to F");
    /// ```
    ///
    /// # Errors
    /// The first grade whose likelihood is not positive or is below the
    /// previous grade's.
    pub fn validate(&self) -> Result<(), Error> {
        let grades = [
            ("A", self.a),
            ("B", self.b),
            ("C", self.c),
            ("D", self.d),
            ("F", self.f),
        ];
        for (i, (g, v)) in grades.iter().enumerate() {
            if *v <= Decimal::ZERO {
                return Err(Error::OutOfRange {
                    path: (*g).to_owned(),
                    message: format!("{v} must be positive"),
                });
            }
            if let Some((pg, pv)) = i.checked_sub(1).map(|p| grades[p]) {
                if *v < pv {
                    return Err(Error::OutOfRange {
                        path: (*g).to_owned(),
                        message: format!(
                            "{v} is below {pg}'s {pv}; likelihoods must not decrease from A to F"
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The likelihood for a grade (`None` for `?`).
    pub fn get(&self, g: Grade) -> Option<Decimal> {
        match g {
            Grade::A => Some(self.a),
            Grade::B => Some(self.b),
            Grade::C => Some(self.c),
            Grade::D => Some(self.d),
            Grade::F => Some(self.f),
            Grade::Insufficient => None,
        }
    }
}

/// Parameters of posture-v1 (scoring-v1 sections 1 and 2).
///
/// ```
/// use posture_score::ScoreConfig;
/// let c: ScoreConfig = serde_json::from_str(r#"{"factor_multipliers": {"dns_health": "1.5"}}"#).unwrap();
/// c.validate().unwrap();
/// assert_eq!(c.multiplier(posture_core::Factor::DnsHealth).to_string(), "1.5");
/// assert_eq!(c.max_penalty.to_string(), "0.95");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreConfig {
    /// Base penalty per severity.
    pub severity_weights: SeverityWeights,
    /// Importance multiplier `m_f` per factor; a factor not listed has 1.
    #[serde(deserialize_with = "posture_core::keyed::map")]
    pub factor_multipliers: BTreeMap<Factor, Decimal>,
    /// Cap on one issue type's penalty (0.95).
    pub max_penalty: Decimal,
    /// Fraction of the score a fresh breach removes (0.10).
    pub breach_penalty: Decimal,
    /// Days over which a breach penalty fades (30).
    pub breach_window_days: u32,
    /// Relative breach likelihood per grade.
    pub likelihood: LikelihoodTable,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            severity_weights: SeverityWeights::default(),
            factor_multipliers: BTreeMap::new(),
            max_penalty: Decimal::new(95, 2),
            breach_penalty: Decimal::new(10, 2),
            breach_window_days: 30,
            likelihood: LikelihoodTable::default(),
        }
    }
}

impl ScoreConfig {
    /// `m_f` for a factor.
    pub fn multiplier(&self, f: Factor) -> Decimal {
        self.factor_multipliers
            .get(&f)
            .copied()
            .unwrap_or(Decimal::ONE)
    }

    /// Checks that the parameters keep the model's properties (bounded,
    /// monotone).
    ///
    /// # Errors
    /// A weight outside [0, 1), a negative multiplier, a cap outside (0, 1),
    /// a breach penalty outside [0, 1), a zero breach window, breach
    /// likelihoods that are not positive and non-decreasing from A to F.
    /// Every error names its field (`factor_multipliers.dns_health`).
    pub fn validate(&self) -> Result<(), Error> {
        let unit = |path: &str, v: Decimal, lo_open: bool| -> Result<(), Error> {
            let ok = v < Decimal::ONE
                && if lo_open {
                    v > Decimal::ZERO
                } else {
                    v >= Decimal::ZERO
                };
            if ok {
                Ok(())
            } else {
                Err(Error::OutOfRange {
                    path: path.to_owned(),
                    message: format!("{v} must be in {}0, 1)", if lo_open { "(" } else { "[" }),
                })
            }
        };
        for s in Severity::ALL {
            unit(
                &format!("severity_weights.{s}"),
                self.severity_weights.get(*s),
                false,
            )?;
        }
        for (f, m) in &self.factor_multipliers {
            if *m < Decimal::ZERO {
                return Err(Error::OutOfRange {
                    path: format!("factor_multipliers.{f}"),
                    message: format!("{m} must not be negative"),
                });
            }
        }
        self.likelihood
            .validate()
            .map_err(|e| e.within("likelihood"))?;
        unit("max_penalty", self.max_penalty, true)?;
        unit("breach_penalty", self.breach_penalty, false)?;
        if self.breach_window_days == 0 {
            return Err(Error::OutOfRange {
                path: "breach_window_days".to_owned(),
                message: "must be at least 1".to_owned(),
            });
        }
        Ok(())
    }
}
