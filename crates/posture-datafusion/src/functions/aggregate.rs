//! `posture_score_agg`: posture-v1 as an aggregate over finding rows, for
//! queries that group rather than gather lists themselves.

use super::{
    ResultBuilder, Scoring, column, fail, field_error, is_instant, is_text, is_text_list,
    null_error, parse_factors, parse_status,
};
use crate::columns::{Instants, Lists, Text, plain};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result as DfResult, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, ColumnarValue, Signature, Volatility,
};
use posture_core::{Assessment, Error, FindingView, Timestamp};
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

pub(crate) const SCORE_AGG: &str = "posture_score_agg";
const ARGS: [&str; 9] = [
    "organization",
    "as_of",
    "assessed_factors",
    "assets",
    "issue",
    "asset",
    "status",
    "first_seen",
    "last_seen",
];

/// `posture_score_agg(organization, as_of, assessed_factors, assets, issue,
/// asset, status, first_seen, last_seen)` → `struct{score, fraction,
/// grade}`: posture-v1 over the finding rows of one group (one
/// organisation). `as_of`, `assessed_factors` and `assets` (a list) are the
/// organisation's, the same on each of its rows; a row whose `issue` is null
/// adds no finding (an organisation without findings, from a `LEFT JOIN`).
///
/// ```sql
/// SELECT o.organization,
///        posture_score_agg(o.organization, o.as_of, o.assessed_factors, a.assets,
///                          f.issue, f.asset, f.status, f.first_seen, f.last_seen) AS r
/// FROM organizations o
/// JOIN (SELECT organization, array_agg(asset) AS assets FROM assets GROUP BY organization) a
///   USING (organization)
/// LEFT JOIN findings f USING (organization)
/// GROUP BY o.organization
/// ```
#[derive(Debug)]
pub struct ScoreAggregate {
    scoring: Arc<Scoring>,
    signature: Signature,
}

function_identity!(ScoreAggregate);

impl ScoreAggregate {
    pub(crate) fn new(scoring: Arc<Scoring>) -> Self {
        ScoreAggregate {
            scoring,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for ScoreAggregate {
    fn name(&self) -> &str {
        SCORE_AGG
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        if arg_types.len() != ARGS.len() {
            return plan_err!(
                "{SCORE_AGG} takes {} arguments ({}), given {}",
                ARGS.len(),
                ARGS.join(", "),
                arg_types.len()
            );
        }
        for (i, t) in arg_types.iter().enumerate() {
            let (ok, what) = match i {
                1 | 7 | 8 => (is_instant(t), "a timestamp or RFC 3339 text"),
                2 | 3 => (is_text_list(t), "a list of text"),
                _ => (is_text(t), "text"),
            };
            if !ok {
                return plan_err!(
                    "{SCORE_AGG}: argument `{}` must be {what}, found {t}",
                    ARGS[i]
                );
            }
        }
        Ok(arg_types.to_vec())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Struct(super::result_fields("score")))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(ScoreAccumulator {
            scoring: self.scoring.clone(),
            partial: Partial::default(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[partial]", args.name),
            DataType::Utf8,
            true,
        ))])
    }
}

/// One group's rows so far; the state shipped between partitions (JSON).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Partial {
    organization: Option<String>,
    as_of: Option<Timestamp>,
    assessed_factors: Option<Vec<String>>,
    assets: Option<Vec<String>>,
    findings: Vec<RawFinding>,
}

#[derive(Debug, Serialize, Deserialize)]
struct RawFinding {
    issue: String,
    asset: String,
    status: Option<String>,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
}

impl Partial {
    fn merge(&mut self, other: Partial) {
        self.organization = self.organization.take().or(other.organization);
        self.as_of = self.as_of.or(other.as_of);
        self.assessed_factors = self.assessed_factors.take().or(other.assessed_factors);
        self.assets = self.assets.take().or(other.assets);
        self.findings.extend(other.findings);
    }
}

#[derive(Debug)]
struct ScoreAccumulator {
    scoring: Arc<Scoring>,
    partial: Partial,
}

fn text_of<'a>(a: &'a ArrayRef, k: usize) -> DfResult<Text<'a>> {
    Text::of(a).map_err(|e| column(e, SCORE_AGG, ARGS[k]))
}

impl Accumulator for ScoreAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        if values.len() != ARGS.len() {
            return exec_err!(
                "{SCORE_AGG} takes {} arguments, given {}",
                ARGS.len(),
                values.len()
            );
        }
        let plain_values = values
            .iter()
            .enumerate()
            .map(|(k, v)| plain(v).map_err(|e| column(e, SCORE_AGG, ARGS[k])))
            .collect::<DfResult<Vec<ArrayRef>>>()?;
        let v = &plain_values;
        let org = text_of(&v[0], 0)?;
        let as_of = Instants::of(&v[1]).map_err(|e| column(e, SCORE_AGG, ARGS[1]))?;
        let factors = Lists::of(&v[2]).map_err(|e| column(e, SCORE_AGG, ARGS[2]))?;
        let assets = Lists::of(&v[3]).map_err(|e| column(e, SCORE_AGG, ARGS[3]))?;
        let (issue, asset, status) = (text_of(&v[4], 4)?, text_of(&v[5], 5)?, text_of(&v[6], 6)?);
        let first = Instants::of(&v[7]).map_err(|e| column(e, SCORE_AGG, ARGS[7]))?;
        let last = Instants::of(&v[8]).map_err(|e| column(e, SCORE_AGG, ARGS[8]))?;
        let name = |i: usize| org.get(i).unwrap_or_default().to_owned();
        let p = &mut self.partial;
        for i in 0..v[0].len() {
            let bad = |field: &str, e: &dyn std::fmt::Display| {
                fail(SCORE_AGG, &name(i), field_error(field, e))
            };
            if p.organization.is_none() {
                p.organization = org.get(i).map(str::to_owned);
            }
            if p.as_of.is_none() {
                p.as_of = as_of.get(i).map_err(|e| bad("as_of", &e))?;
            }
            if p.assessed_factors.is_none() {
                p.assessed_factors = factors
                    .get(i)
                    .map_err(|e| bad("assessed_factors", &e))?
                    .map(|l| l.into_iter().map(str::to_owned).collect());
            }
            if p.assets.is_none() {
                p.assets = assets
                    .get(i)
                    .map_err(|e| bad("assets", &e))?
                    .map(|l| l.into_iter().map(str::to_owned).collect());
            }
            let Some(issue) = issue.get(i) else {
                continue;
            };
            p.findings.push(RawFinding {
                issue: issue.to_owned(),
                asset: asset.get(i).unwrap_or_default().to_owned(),
                status: status.get(i).map(str::to_owned),
                first_seen: first.get(i).map_err(|e| bad("first_seen", &e))?,
                last_seen: last.get(i).map_err(|e| bad("last_seen", &e))?,
            });
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let p = &self.partial;
        let org = p.organization.clone().unwrap_or_default();
        let assessed = score_partial(&self.scoring, p).map_err(|e| fail(SCORE_AGG, &org, e))?;
        let card = posture::ScoringModel::score(&self.scoring.model, &assessed);
        let mut out = ResultBuilder::new("score", 1);
        out.push(card.score, card.fraction, card.grade.as_str());
        match out.finish()? {
            ColumnarValue::Array(a) => ScalarValue::try_from_array(&a, 0),
            ColumnarValue::Scalar(s) => Ok(s),
        }
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .partial
                .findings
                .iter()
                .map(|f| std::mem::size_of::<RawFinding>() + f.issue.len() + f.asset.len() + 16)
                .sum::<usize>()
            + self
                .partial
                .assets
                .iter()
                .flatten()
                .map(|a| a.len() + 24)
                .sum::<usize>()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let json = serde_json::to_string(&self.partial)
            .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
        Ok(vec![ScalarValue::Utf8(Some(json))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let Some(state) = states.first() else {
            return Ok(());
        };
        let Some(texts) = state.as_string_opt::<i32>() else {
            return exec_err!("{SCORE_AGG}: a partial state is not text");
        };
        let texts: &StringArray = texts;
        for json in texts.iter().flatten() {
            let other: Partial = serde_json::from_str(json)
                .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
            self.partial.merge(other);
        }
        Ok(())
    }
}

/// Validates a group's rows as `posture score` validates a document.
fn score_partial(scoring: &Scoring, p: &Partial) -> Result<Assessment, Error> {
    let as_of = p.as_of.ok_or_else(|| null_error("as_of"))?;
    let factors = p
        .assessed_factors
        .as_deref()
        .map(parse_factors)
        .transpose()?;
    let assets = p.assets.as_deref().unwrap_or_default();
    let mut views = Vec::with_capacity(p.findings.len());
    for (k, f) in p.findings.iter().enumerate() {
        let path = |field: &str| format!("findings[{k}].{field}");
        let status = parse_status(f.status.as_deref(), k)?;
        views.push(FindingView {
            issue: &f.issue,
            asset: &f.asset,
            first_seen: f.first_seen.ok_or_else(|| null_error(path("first_seen")))?,
            last_seen: f.last_seen.ok_or_else(|| null_error(path("last_seen")))?,
            status,
        });
    }
    Assessment::from_views(
        p.organization.as_deref().unwrap_or_default(),
        as_of,
        assets,
        factors.as_deref(),
        views.into_iter(),
        &[],
        &scoring.catalog,
    )
}
