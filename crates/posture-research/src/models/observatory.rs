//! `observatory-additive`: the MDN HTTP Observatory's scheme applied to an
//! organisation. Source: MDN, "HTTP Observatory scoring methodology"
//! (developer.mozilla.org/en-US/observatory/docs/tests_and_scoring).

use super::{SeverityPoints, active_types, issue_score, sort_issues, unscored};
use posture_core::{Assessment, Error, Grade, IssueIdx};
use posture_score::{Scale, Scorecard, ScoringModel};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Model id.
pub const OBSERVATORY_ADDITIVE: &str = "observatory-additive";

/// Parameters of `observatory-additive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ObservatoryConfig {
    /// Points subtracted once per active issue type, by severity: 50
    /// (the Observatory's largest single modifier), 25 (its penalty for a
    /// missing Content Security Policy), 10, 5 (its smallest).
    pub penalties: SeverityPoints,
}

impl Default for ObservatoryConfig {
    fn default() -> Self {
        ObservatoryConfig {
            penalties: SeverityPoints {
                critical: Decimal::from(50),
                high: Decimal::from(25),
                medium: Decimal::from(10),
                low: Decimal::from(5),
            },
        }
    }
}

/// Start at 100, subtract a penalty per active issue type by severity,
/// floor at 0; the grade is the Observatory's chart (A+ from 100, A from
/// 90, A- from 85, B+ 80, B 70, B- 65, C+ 60, C 50, C- 45, D+ 40, D 30,
/// D- 25, F below), its modifiers dropped for the letter (A+, A and A-
/// are A) and kept as `category`.
///
/// ```
/// use posture_research::ObservatoryAdditive;
/// use posture_score::ScoringModel;
/// use posture_core::{Assessment, Catalog};
/// // One high (25) and one low (5) issue type, the low one on two assets:
/// // 100 - 25 - 5 = 70, a B.
/// let a = Assessment::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
///   "assets": ["a.example", "www.a.example"], "findings": [
///   {"issue": "spf_missing", "asset": "a.example", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"},
///   {"issue": "hsts_missing", "asset": "a.example", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"},
///   {"issue": "hsts_missing", "asset": "www.a.example", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}]}"#,
///   &Catalog::builtin()).unwrap();
/// let card = ObservatoryAdditive::default().score(&a);
/// assert_eq!(card.score.unwrap().to_string(), "70");
/// assert_eq!((card.grade.as_str(), card.category.as_deref()), ("B", Some("B")));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ObservatoryAdditive {
    config: ObservatoryConfig,
}

impl ObservatoryAdditive {
    /// The model with these parameters.
    ///
    /// # Errors
    /// A penalty outside 0..=1000.
    pub fn new(config: ObservatoryConfig) -> Result<Self, Error> {
        config.penalties.check("penalties")?;
        Ok(ObservatoryAdditive { config })
    }

    /// The parameters.
    pub fn config(&self) -> &ObservatoryConfig {
        &self.config
    }
}

/// The Observatory's grading chart: `(lowest score, label)`, best first.
const CHART: [(i64, &str); 13] = [
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
];

/// The chart's label for a score, and its letter.
///
/// ```
/// use posture_research::models::observatory_grade;
/// use posture_core::Grade;
/// assert_eq!(observatory_grade("85".parse().unwrap()), ("A-", Grade::A));
/// assert_eq!(observatory_grade("84.9".parse().unwrap()), ("B+", Grade::B));
/// assert_eq!(observatory_grade("24".parse().unwrap()), ("F", Grade::F));
/// ```
pub fn observatory_grade(score: Decimal) -> (&'static str, Grade) {
    let label = CHART
        .iter()
        .find(|(min, _)| score >= Decimal::from(*min))
        .map_or("F", |(_, l)| l);
    let grade = match label.as_bytes().first() {
        Some(b'A') => Grade::A,
        Some(b'B') => Grade::B,
        Some(b'C') => Grade::C,
        Some(b'D') => Grade::D,
        _ => Grade::F,
    };
    (label, grade)
}

impl ScoringModel for ObservatoryAdditive {
    fn id(&self) -> &str {
        OBSERVATORY_ADDITIVE
    }

    fn score_fixing(&self, a: &Assessment, fixed: &[IssueIdx]) -> Scorecard {
        let mut card = unscored(a, OBSERVATORY_ADDITIVE, Scale::Hundred);
        let hundred = Decimal::ONE_HUNDRED;
        let mut lost = [Decimal::ZERO; 10];
        let mut total = Decimal::ZERO;
        for (issue, n) in active_types(a, fixed) {
            let it = a.catalog().issue(issue);
            let points = self.config.penalties.get(it.severity);
            if points <= Decimal::ZERO {
                continue;
            }
            let fi = it.factor.index();
            lost[fi] += points;
            total += points;
            card.factors[fi]
                .issues
                .push(issue_score(a, issue, n, points / hundred));
        }
        for (f, lost) in card.factors.iter_mut().zip(lost) {
            let score = (hundred - lost).max(Decimal::ZERO).normalize();
            f.score = score;
            f.fraction = score / hundred;
            sort_issues(&mut f.issues);
        }
        if !a.insufficient_data() {
            let score = (hundred - total).max(Decimal::ZERO).normalize();
            let (label, grade) = observatory_grade(score);
            card.score = Some(score);
            card.fraction = Some(score / hundred);
            card.grade = grade;
            card.category = Some(label.to_owned());
        }
        card
    }
}
