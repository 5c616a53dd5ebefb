//! The closed sets of the scoring specification: severities, risk factors and
//! finding statuses. An unknown value is an input error; there is no `Unknown`
//! variant (contracts, "Layout and layers").

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Error returned when a string is not a member of a closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{}`, expected one of: {expected}", crate::echo(.value))]
pub struct UnknownVariant {
    /// What was being parsed (`severity`, `factor`, `status`, `grade`).
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// The accepted spellings, comma separated.
    pub expected: String,
}

/// A closed set with a wire spelling per member: the enum, `ALL`,
/// `as_str`, `index`, `Display` and a `FromStr` whose error names the
/// accepted spellings. Used here and by [`crate::observe`].
macro_rules! closed_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every member, in the canonical order used for reporting and arithmetic.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }

            /// Position of this member in [`Self::ALL`].
            pub const fn index(self) -> usize {
                self as usize
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err($crate::UnknownVariant {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}
pub(crate) use closed_enum;

closed_enum! {
    /// How bad an issue type is. Info and positive types never change a score.
    ///
    /// ```
    /// use posture_core::Severity;
    /// let s: Severity = "high".parse().unwrap();
    /// assert_eq!(s, Severity::High);
    /// assert!("severe".parse::<Severity>().is_err());
    /// ```
    Severity, "severity" {
        /// Immediate, widely exploitable exposure.
        Critical = "critical",
        /// Serious weakness.
        High = "high",
        /// Meaningful weakness.
        Medium = "medium",
        /// Minor weakness.
        Low = "low",
        /// Worth knowing, never scored.
        Info = "info",
        /// Good practice observed, never scored.
        Positive = "positive",
    }
}

impl Severity {
    /// The default base penalty `W` of scoring-v1 section 1.
    ///
    /// ```
    /// use posture_core::Severity;
    /// assert_eq!(Severity::Critical.default_weight().to_string(), "0.40");
    /// ```
    pub fn default_weight(self) -> Decimal {
        match self {
            Severity::Critical => Decimal::new(40, 2),
            Severity::High => Decimal::new(20, 2),
            Severity::Medium => Decimal::new(6, 2),
            Severity::Low => Decimal::new(15, 3),
            Severity::Info | Severity::Positive => Decimal::ZERO,
        }
    }
}

closed_enum! {
    /// The ten risk factors of scoring-v1.
    ///
    /// ```
    /// use posture_core::Factor;
    /// assert_eq!(Factor::ALL.len(), 10);
    /// assert_eq!("dns_health".parse::<Factor>().unwrap(), Factor::DnsHealth);
    /// ```
    Factor, "factor" {
        /// Exposed services, TLS configuration.
        NetworkSecurity = "network_security",
        /// DNS and e-mail authentication hygiene.
        DnsHealth = "dns_health",
        /// How quickly known vulnerabilities are patched.
        PatchingCadence = "patching_cadence",
        /// Outdated client systems seen from outside.
        EndpointSecurity = "endpoint_security",
        /// Blocklisting, malware, spam and botnet activity.
        IpReputation = "ip_reputation",
        /// Web application weaknesses.
        ApplicationSecurity = "application_security",
        /// Proprietary-style exposure signals (admin panels, unsafe logins).
        CubitScore = "cubit_score",
        /// Mentions in hacker forums and markets.
        HackerChatter = "hacker_chatter",
        /// Exposed credentials, data and files.
        InformationLeak = "information_leak",
        /// Exposure of staff to phishing and impersonation.
        SocialEngineering = "social_engineering",
    }
}

closed_enum! {
    /// The status of a finding. Only `open` and `under_review` count.
    ///
    /// ```
    /// use posture_core::FindingStatus;
    /// assert!(FindingStatus::UnderReview.counts());
    /// assert!(!FindingStatus::Fixed.counts());
    /// ```
    FindingStatus, "status" {
        /// Observed and not dealt with.
        Open = "open",
        /// Disputed, still counted until decided.
        UnderReview = "under_review",
        /// Accepted risk, not counted.
        Waived = "waived",
        /// Shown to be a false positive, not counted.
        Refuted = "refuted",
        /// Remediated, not counted.
        Fixed = "fixed",
    }
}

closed_enum! {
    /// What one observation of a check saw (scoring-v1 section 5).
    ///
    /// ```
    /// use posture_core::Outcome;
    /// assert_eq!("inconclusive".parse::<Outcome>().unwrap(), Outcome::Inconclusive);
    /// ```
    Outcome, "outcome" {
        /// The risk was observed.
        Detected = "detected",
        /// The check ran and did not observe it.
        Clean = "clean",
        /// The check could not run (timeout, SERVFAIL, refused…): never a
        /// finding, never a fix.
        Inconclusive = "inconclusive",
    }
}

impl FindingStatus {
    /// Whether findings with this status count towards the score.
    pub const fn counts(self) -> bool {
        matches!(self, FindingStatus::Open | FindingStatus::UnderReview)
    }
}

/// A letter grade from the rounded hundred-scale score, or `?` when there is
/// insufficient data to score.
///
/// ```
/// use posture_core::Grade;
/// use rust_decimal::Decimal;
/// assert_eq!(Grade::from_score(Decimal::new(8999, 2)), Grade::B);
/// assert_eq!(Grade::from_score(Decimal::new(90, 0)), Grade::A);
/// assert_eq!("?".parse::<Grade>().unwrap(), Grade::Insufficient);
/// ```
///
/// Grades are read without regard to case and written upper-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub enum Grade {
    /// 90 and above.
    A,
    /// 80 to below 90.
    B,
    /// 70 to below 80.
    C,
    /// 60 to below 70.
    D,
    /// Below 60.
    F,
    /// Insufficient data: no score.
    #[serde(rename = "?")]
    Insufficient,
}

impl Grade {
    /// The letter grades, best first (without `?`).
    pub const LETTERS: [Grade; 5] = [Grade::A, Grade::B, Grade::C, Grade::D, Grade::F];

    /// Grade for a (rounded) hundred-scale score.
    pub fn from_score(score: Decimal) -> Grade {
        if score >= Decimal::from(90) {
            Grade::A
        } else if score >= Decimal::from(80) {
            Grade::B
        } else if score >= Decimal::from(70) {
            Grade::C
        } else if score >= Decimal::from(60) {
            Grade::D
        } else {
            Grade::F
        }
    }

    /// The lowest hundred-scale score that earns this grade (`None` for `?`).
    pub fn min_score(self) -> Option<Decimal> {
        match self {
            Grade::A => Some(Decimal::from(90)),
            Grade::B => Some(Decimal::from(80)),
            Grade::C => Some(Decimal::from(70)),
            Grade::D => Some(Decimal::from(60)),
            Grade::F => Some(Decimal::ZERO),
            Grade::Insufficient => None,
        }
    }

    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::F => "F",
            Grade::Insufficient => "?",
        }
    }

    /// Whether `self` is at least as good as `other` (`?` meets nothing).
    pub fn meets(self, other: Grade) -> bool {
        match (self.min_score(), other.min_score()) {
            (Some(a), Some(b)) => a >= b,
            _ => false,
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Grade {
    /// The grade spelled `s`, in either case.
    fn parse_any_case(s: &str) -> Option<Grade> {
        match s.as_bytes() {
            [b'A' | b'a'] => Some(Grade::A),
            [b'B' | b'b'] => Some(Grade::B),
            [b'C' | b'c'] => Some(Grade::C),
            [b'D' | b'd'] => Some(Grade::D),
            [b'F' | b'f'] => Some(Grade::F),
            [b'?'] => Some(Grade::Insufficient),
            _ => None,
        }
    }
}

/// Reads a grade without regard to case; JSON reads the same way (and
/// writes upper-case).
///
/// ```
/// use posture_core::Grade;
/// assert_eq!("b".parse::<Grade>().unwrap(), Grade::B);
/// let g: Grade = serde_json::from_str("\"c\"").unwrap();
/// assert_eq!(serde_json::to_string(&g).unwrap(), "\"C\"");
/// assert!("e".parse::<Grade>().is_err());
/// assert!("AA".parse::<Grade>().is_err());
/// ```
impl FromStr for Grade {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Grade::parse_any_case(s).ok_or_else(|| UnknownVariant {
            kind: "grade",
            value: s.to_owned(),
            expected: "A, B, C, D, F, ?".to_owned(),
        })
    }
}

/// The derived, exact representation of [`Grade`]: what formats that are
/// not human-readable (the workflow store's postcard snapshots) hold, so
/// their encoding is unchanged.
#[derive(Deserialize)]
#[serde(remote = "Grade")]
enum GradeExact {
    A,
    B,
    C,
    D,
    F,
    #[serde(rename = "?")]
    Insufficient,
}

impl<'de> Deserialize<'de> for Grade {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AnyCase;
        impl serde::de::Visitor<'_> for AnyCase {
            type Value = Grade;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a grade: A, B, C, D, F or ?")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Grade, E> {
                Grade::parse_any_case(v).ok_or_else(|| {
                    E::unknown_variant(&crate::echo(v).to_string(), &["A", "B", "C", "D", "F", "?"])
                })
            }
        }
        if d.is_human_readable() {
            d.deserialize_str(AnyCase)
        } else {
            GradeExact::deserialize(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_sets_round_trip() {
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), *s);
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        for f in Factor::ALL {
            assert_eq!(f.as_str().parse::<Factor>().unwrap(), *f);
            assert_eq!(Factor::ALL[f.index()], *f);
        }
        for s in FindingStatus::ALL {
            assert_eq!(s.as_str().parse::<FindingStatus>().unwrap(), *s);
        }
    }

    #[test]
    fn unknown_values_are_errors_naming_the_choices() {
        let e = "Critical".parse::<Severity>().unwrap_err();
        assert!(e.to_string().contains("critical, high"), "{e}");
        assert!(serde_json::from_str::<Factor>("\"dns\"").is_err());
    }

    #[test]
    fn grade_bands() {
        let g = |s: &str| Grade::from_score(s.parse().unwrap());
        assert_eq!(g("100"), Grade::A);
        assert_eq!(g("89.99"), Grade::B);
        assert_eq!(g("80.00"), Grade::B);
        assert_eq!(g("79.99"), Grade::C);
        assert_eq!(g("60"), Grade::D);
        assert_eq!(g("59.99"), Grade::F);
        assert!(Grade::B.meets(Grade::C));
        assert!(!Grade::C.meets(Grade::B));
        assert!(!Grade::Insufficient.meets(Grade::F));
        assert_eq!(
            serde_json::to_string(&Grade::Insufficient).unwrap(),
            "\"?\""
        );
    }
}
