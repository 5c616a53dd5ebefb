//! Presentation scales (scoring-v1 section 6). The fraction is canonical.

use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A presentation scale.
///
/// ```
/// use posture_score::Scale;
/// use rust_decimal::Decimal;
/// let f: Decimal = "0.86131".parse().unwrap();
/// assert_eq!(Scale::Hundred.present(f).0.to_string(), "86.13");
/// assert_eq!(Scale::Upguard.present(f).0.to_string(), "818");
/// assert_eq!(Scale::Bitsight.present(f), ("810".parse().unwrap(), Some("Advanced")));
/// assert_eq!(Scale::Ten.present(f).0.to_string(), "8.6");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// 0–100, two decimals.
    #[default]
    Hundred,
    /// 0–950 integers.
    Upguard,
    /// 250–900 integers with a category.
    Bitsight,
    /// 0–10 with one decimal, as OpenSSF Scorecard reports its aggregate.
    Ten,
}

impl Scale {
    /// Every scale.
    pub const ALL: [Scale; 4] = [Scale::Hundred, Scale::Upguard, Scale::Bitsight, Scale::Ten];

    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scale::Hundred => "hundred",
            Scale::Upguard => "upguard",
            Scale::Bitsight => "bitsight",
            Scale::Ten => "ten",
        }
    }

    /// The score on this scale for a canonical fraction, and the category
    /// where the scale has one.
    pub fn present(self, fraction: Decimal) -> (Decimal, Option<&'static str>) {
        let even = RoundingStrategy::MidpointNearestEven;
        match self {
            Scale::Hundred => {
                let mut s = (fraction * Decimal::ONE_HUNDRED).round_dp_with_strategy(2, even);
                s.rescale(2);
                (s, None)
            }
            Scale::Upguard => (
                (Decimal::from(950) * fraction).round_dp_with_strategy(0, even),
                None,
            ),
            Scale::Bitsight => {
                let s = (Decimal::from(250) + Decimal::from(650) * fraction)
                    .round_dp_with_strategy(0, even);
                let cat = if s >= Decimal::from(740) {
                    "Advanced"
                } else if s >= Decimal::from(640) {
                    "Intermediate"
                } else {
                    "Basic"
                };
                (s, Some(cat))
            }
            Scale::Ten => {
                let mut s = (Decimal::TEN * fraction).round_dp_with_strategy(1, even);
                s.rescale(1);
                (s, None)
            }
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scale {
    type Err = posture_core::UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scale::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| posture_core::UnknownVariant {
                kind: "scale",
                value: s.to_owned(),
                expected: "hundred, upguard, bitsight, ten".to_owned(),
            })
    }
}
