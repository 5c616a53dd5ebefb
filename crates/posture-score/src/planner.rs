//! The score planner (scoring-v1 section 3): which issue types to fix, and
//! in what order, to reach a target. Its answer is an [`Improvement`], not
//! to be confused with the workflow's action plans (`posture-plan`).

use crate::model::ScoringModel;
use crate::scorecard::Scorecard;
use posture_core::{Assessment, CatalogRef, Error, Grade, IssueIdx, SPEC, Severity};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An overall target: a grade or a hundred-scale score.
///
/// On the wire `{"grade": "B"}` or `{"score": "85"}`.
///
/// ```
/// use posture_score::Target;
/// assert_eq!("B".parse::<Target>().unwrap(), Target::Grade(posture_core::Grade::B));
/// assert_eq!("85.5".parse::<Target>().unwrap().to_string(), "85.5");
/// assert!("101".parse::<Target>().is_err());
/// assert!("?".parse::<Target>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// Reach at least this letter grade.
    Grade(Grade),
    /// Reach at least this rounded hundred-scale score.
    Score(Decimal),
}

impl Target {
    /// Checks the target is attainable in principle.
    ///
    /// # Errors
    /// A score above 100 or below 0, or the grade `?`.
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            Target::Score(s) if *s < Decimal::ZERO || *s > Decimal::ONE_HUNDRED => {
                Err(Error::OutOfRange {
                    path: "target.score".to_owned(),
                    message: format!("{s} is outside 0..=100"),
                })
            }
            Target::Grade(Grade::Insufficient) => Err(Error::OutOfRange {
                path: "target.grade".to_owned(),
                message: "`?` is not a target; use A, B, C, D or F".to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// Whether a rounded hundred-scale score meets the target.
    pub fn met_by(&self, rounded_score: Decimal) -> bool {
        match self {
            Target::Score(s) => rounded_score >= *s,
            Target::Grade(g) => Grade::from_score(rounded_score).meets(*g),
        }
    }
}

impl FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = match s.parse::<Grade>() {
            Ok(g) => Target::Grade(g),
            Err(_) => Target::Score(s.parse::<Decimal>().map_err(|_| Error::OutOfRange {
                path: "target".to_owned(),
                message: format!("`{s}` is neither a grade (A, B, C, D, F) nor a score (0 to 100)"),
            })?),
        };
        t.validate()?;
        Ok(t)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Grade(g) => g.fmt(f),
            Target::Score(s) => s.fmt(f),
        }
    }
}

/// One step of an [`Improvement`]: fix every finding of one issue type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ImprovementStep {
    /// Issue type to fix.
    pub issue: String,
    /// Its severity.
    pub severity: Severity,
    /// Distinct assets to fix.
    pub affected_assets: u64,
    /// Its penalty `p_t`.
    pub penalty: Decimal,
    /// Rounded score after this and every earlier step.
    pub projected_score: Decimal,
    /// Grade after this and every earlier step.
    pub projected_grade: Grade,
}

/// The planner's answer ([`improve`]): the steps to a target, and where they
/// lead. Its JSON is what `posture improve` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Improvement {
    /// Organisation name.
    pub organization: String,
    /// Model id.
    pub model: String,
    /// The catalog used.
    pub catalog: CatalogRef,
    /// The specification implemented (`scoring-v1`).
    pub spec: String,
    /// The target.
    pub target: Target,
    /// Whether the steps reach the target.
    pub reachable: bool,
    /// Current rounded score.
    pub current_score: Decimal,
    /// Current grade.
    pub current_grade: Grade,
    /// The fewest steps that reach the target; when it is unreachable, every
    /// step that raises the score, best first.
    pub steps: Vec<ImprovementStep>,
    /// Score after the last step.
    pub final_score: Decimal,
    /// Grade after the last step.
    pub final_grade: Grade,
}

/// The fewest issue types to fix to reach `target`, best first.
///
/// ```
/// use posture_score::{improve, PostureV1, Target};
/// use posture_core::{Catalog, FindingsDocument};
/// let doc = FindingsDocument::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
///   "assets": ["a.example"], "findings": [
///   {"issue": "service_telnet", "asset": "a.example", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"},
///   {"issue": "caa_missing", "asset": "a.example", "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-25T00:00:00Z", "status": "open"}]}"#).unwrap();
/// let a = doc.validate(&Catalog::builtin()).unwrap();
/// let p = improve(&PostureV1::default(), &a, Target::Grade(posture_core::Grade::A)).unwrap();
/// assert!(p.reachable);
/// assert_eq!(p.steps[0].issue, "service_telnet");
/// ```
///
/// # Errors
/// An invalid target, or a document with insufficient data.
pub fn improve(
    model: &dyn ScoringModel,
    a: &Assessment,
    target: Target,
) -> Result<Improvement, Error> {
    target.validate()?;
    if a.insufficient_data() {
        return Err(Error::OutOfRange {
            path: "findings".to_owned(),
            message: "insufficient data: no findings and no assessed factors, so there is no score to improve".to_owned(),
        });
    }
    let current = model.score(a);
    let current_score = hundred(&current);
    let mut candidates: Vec<(Decimal, u64, String, Severity)> = current
        .factors
        .iter()
        .flat_map(|f| f.issues.iter())
        .filter(|i| i.penalty > Decimal::ZERO)
        .map(|i| {
            (
                i.penalty,
                i.affected_assets,
                i.issue.to_string(),
                i.severity,
            )
        })
        .collect();
    candidates.sort_by(|x, y| {
        y.0.cmp(&x.0)
            .then(x.1.cmp(&y.1))
            .then_with(|| x.2.as_bytes().cmp(y.2.as_bytes()))
    });
    let catalog = a.catalog();
    let mut fixed: Vec<IssueIdx> = Vec::new();
    let mut steps = Vec::new();
    let mut score = current_score;
    for (penalty, affected, issue, severity) in candidates {
        if target.met_by(score) {
            break;
        }
        let Some((idx, _)) = catalog.get(&issue) else {
            continue;
        };
        let pos = fixed.binary_search(&idx).unwrap_or_else(|p| p);
        fixed.insert(pos, idx);
        score = hundred(&model.score_fixing(a, &fixed));
        steps.push(ImprovementStep {
            issue,
            severity,
            affected_assets: affected,
            penalty,
            projected_score: score,
            projected_grade: Grade::from_score(score),
        });
    }
    Ok(Improvement {
        organization: a.organization().to_owned(),
        model: model.id().to_owned(),
        catalog: catalog.reference(),
        spec: SPEC.to_owned(),
        target,
        reachable: target.met_by(score),
        current_score,
        current_grade: Grade::from_score(current_score),
        steps,
        final_score: score,
        final_grade: Grade::from_score(score),
    })
}

fn hundred(card: &Scorecard) -> Decimal {
    card.hundred_score().unwrap_or(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_grades_in_either_case_and_write_them_upper_case() {
        assert_eq!("a".parse::<Target>().ok(), Some(Target::Grade(Grade::A)));
        assert_eq!("F".parse::<Target>().ok(), Some(Target::Grade(Grade::F)));
        let t: Target =
            serde_json::from_str(r#"{"grade": "b"}"#).unwrap_or(Target::Score(Decimal::ZERO));
        assert_eq!(t, Target::Grade(Grade::B));
        assert_eq!(
            serde_json::to_string(&t).ok().as_deref(),
            Some(r#"{"grade":"B"}"#)
        );
        assert!("?".parse::<Target>().is_err());
        assert!("e".parse::<Target>().is_err());
    }
}
