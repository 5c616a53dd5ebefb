//! Parallel batch scoring.

use crate::model::ScoringModel;
use crate::scorecard::Scorecard;
use posture_core::Assessment;
use rayon::prelude::*;

/// Scores many assessments in parallel on the current rayon pool; results
/// come back in input order and are identical to scoring one by one.
///
/// ```
/// use posture_score::{score_batch, PostureV1, ScoringModel};
/// let docs: Vec<posture_core::Assessment> = Vec::new();
/// assert!(score_batch(&PostureV1::default(), &docs).is_empty());
/// ```
pub fn score_batch<M: ScoringModel + ?Sized>(
    model: &M,
    assessments: &[Assessment],
) -> Vec<Scorecard> {
    assessments.par_iter().map(|a| model.score(a)).collect()
}

/// Sequential reference for [`score_batch`].
pub fn score_sequential<M: ScoringModel + ?Sized>(
    model: &M,
    assessments: &[Assessment],
) -> Vec<Scorecard> {
    assessments.iter().map(|a| model.score(a)).collect()
}
