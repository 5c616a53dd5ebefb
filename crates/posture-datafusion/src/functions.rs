//! The scalar functions: `posture_score`, `posture_csr` and
//! `posture_engine`.
//!
//! They take one organisation (or portfolio) per row, its findings (or
//! entities) as a list of structs — what `array_agg(named_struct(...))`
//! builds — and validate and score it with exactly the code `posture score`
//! and `posture csr` run: [`Assessment::from_views`] then
//! [`ScoringModel::score`], [`CsrV1::aggregate_scored`]. Decimals leave as
//! text, as in every JSON output.

use crate::columns::{ColumnError, Flags, Instants, Lists, Text, plain};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, GenericListArray, OffsetSizeTrait, StringBuilder, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{DataFusionError, Result as DfResult, exec_err, plan_err};
use datafusion::logical_expr::{
    AggregateUDF, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use posture::csr::{Criticality, CsrV1, ScoredEntity};
use posture::{Catalog, ModelConfig, PostureV1, ScoringModel};
use posture_core::{
    Assessment, Breach, DateOrTime, Error, Factor, FindingStatus, FindingView, HostName, Severity,
};
use rust_decimal::Decimal;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Posture's scoring as it runs inside DataFusion: a catalog and the model
/// parameters (`--catalog`, `--model-config`), shared by every function
/// registered from it.
///
/// ```
/// let s = posture_datafusion::Scoring::default();
/// assert!(s.fingerprint().starts_with("posture-builtin sha256:"));
/// ```
#[derive(Debug, Clone)]
pub struct Scoring {
    catalog: Arc<Catalog>,
    model: PostureV1,
    csr: CsrV1<PostureV1>,
    fingerprint: String,
}

/// Why [`Scoring::new`] refused its parameters.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoringError {
    /// A model parameter is out of range (its field named).
    #[error("model config: {0}")]
    Config(#[from] Error),
}

impl Default for Scoring {
    fn default() -> Self {
        // The spec's defaults are valid by construction; were they not, the
        // unit tests would say so (`defaults_are_valid`).
        Scoring::new(Catalog::builtin(), &ModelConfig::default())
            .unwrap_or_else(|e| unreachable!("the spec's default parameters are valid: {e}"))
    }
}

impl Scoring {
    /// Scoring with a catalog and model parameters.
    ///
    /// # Errors
    /// Parameters out of range.
    pub fn new(catalog: Arc<Catalog>, config: &ModelConfig) -> Result<Scoring, ScoringError> {
        let model = PostureV1::new(config.score.clone())?;
        let csr = CsrV1::new(model.clone(), &config.score, config.csr.clone())?;
        // The parameters' canonical JSON (serde writes struct fields in
        // declaration order), hashed: executors started with other
        // parameters are told apart from this client's.
        let params = serde_json::to_string(config).unwrap_or_default();
        let fingerprint = format!(
            "{} {} model {}",
            catalog.id(),
            catalog.digest(),
            sha256_hex(params.as_bytes())
        );
        Ok(Scoring {
            catalog,
            model,
            csr,
            fingerprint,
        })
    }

    /// Scoring from the texts of a catalog file (`None`: the built-in
    /// catalog) and a model configuration (`None`: the spec's defaults), as
    /// `--catalog` and `--model-config` give them.
    ///
    /// # Errors
    /// An invalid catalog or configuration, described.
    pub fn from_json(catalog: Option<&str>, model_config: Option<&str>) -> Result<Scoring, String> {
        let catalog = match catalog {
            Some(text) => {
                Arc::new(Catalog::from_json(text, "catalog").map_err(|e| format!("catalog: {e}"))?)
            }
            None => Catalog::builtin(),
        };
        let config = match model_config {
            Some(text) => ModelConfig::from_json(text).map_err(|e| format!("model config: {e}"))?,
            None => ModelConfig::default(),
        };
        Scoring::new(catalog, &config).map_err(|e| e.to_string())
    }

    /// The catalog.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The catalog's id and digest and a digest of the model parameters:
    /// equal fingerprints score equally. `posture_engine()` returns it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The three scalar functions, to register on a `SessionContext` (or a
    /// Ballista executor's function registry).
    ///
    /// ```
    /// use datafusion::execution::FunctionRegistry;
    /// use datafusion::prelude::SessionContext;
    /// let ctx = SessionContext::new();
    /// for f in posture_datafusion::Scoring::default().into_functions() {
    ///     ctx.register_udf(f);
    /// }
    /// assert!(ctx.udf("posture_score").is_ok());
    /// ```
    pub fn into_functions(self) -> Vec<ScalarUDF> {
        let s = Arc::new(self);
        vec![
            ScalarUDF::new_from_impl(ScoreFunction::new(s.clone())),
            ScalarUDF::new_from_impl(CsrFunction::new(s.clone())),
            ScalarUDF::new_from_impl(EngineFunction::new(s)),
        ]
    }

    /// The aggregate function `posture_score_agg`, to register beside
    /// [`Scoring::into_functions`].
    ///
    /// ```
    /// use datafusion::execution::FunctionRegistry;
    /// use datafusion::prelude::SessionContext;
    /// let ctx = SessionContext::new();
    /// for f in posture_datafusion::Scoring::default().into_aggregate_functions() {
    ///     ctx.register_udaf(f);
    /// }
    /// assert!(ctx.udaf("posture_score_agg").is_ok());
    /// ```
    pub fn into_aggregate_functions(self) -> Vec<AggregateUDF> {
        vec![AggregateUDF::new_from_impl(ScoreAggregate::new(Arc::new(
            self,
        )))]
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for b in sha2::Sha256::digest(bytes) {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// A function failing on one organisation's (or portfolio's) data: the
/// organisation and Posture's own located error.
#[derive(Debug, thiserror::Error)]
#[error("{function}: organization `{organization}`: {source}")]
pub struct FunctionError {
    /// `posture_score` or `posture_csr`.
    pub function: &'static str,
    /// The organisation (control characters escaped).
    pub organization: String,
    /// What is wrong, with its path in the function's arguments
    /// (`findings[3].asset` is the fourth item of the findings list).
    pub source: Error,
}

fn fail(function: &'static str, organization: &str, source: Error) -> DataFusionError {
    DataFusionError::External(Box::new(FunctionError {
        function,
        organization: posture_core::escape_controls(organization),
        source,
    }))
}

fn field_error(path: impl Into<String>, e: impl std::fmt::Display) -> Error {
    Error::Field {
        path: path.into(),
        message: e.to_string(),
    }
}

/// Factor names as factors, an error naming `assessed_factors[j]`.
fn parse_factors<S: AsRef<str>>(names: &[S]) -> Result<Vec<Factor>, Error> {
    names
        .iter()
        .enumerate()
        .map(|(j, f)| {
            f.as_ref()
                .parse::<Factor>()
                .map_err(|e| field_error(format!("assessed_factors[{j}]"), e))
        })
        .collect()
}

/// The status of `findings[k]`.
fn parse_status(status: Option<&str>, k: usize) -> Result<FindingStatus, Error> {
    let path = format!("findings[{k}].status");
    status
        .ok_or_else(|| null_error(path.clone()))?
        .parse::<FindingStatus>()
        .map_err(|e| field_error(path, e))
}

fn null_error(path: impl Into<String>) -> Error {
    field_error(path, "is null")
}

fn column(e: ColumnError, function: &str, argument: &str) -> DataFusionError {
    DataFusionError::Plan(format!("{function}: argument `{argument}`: {e}"))
}

/// The output struct: `score`/`csr`, `fraction` (null for `?`), `grade`.
fn result_fields(score: &str) -> Fields {
    Fields::from(vec![
        Field::new(score, DataType::Utf8, true),
        Field::new("fraction", DataType::Utf8, true),
        Field::new("grade", DataType::Utf8, false),
    ])
}

struct ResultBuilder {
    score: StringBuilder,
    fraction: StringBuilder,
    grade: StringBuilder,
    fields: Fields,
}

impl ResultBuilder {
    fn new(name: &str, n: usize) -> Self {
        ResultBuilder {
            score: StringBuilder::with_capacity(n, n * 6),
            fraction: StringBuilder::with_capacity(n, n * 30),
            grade: StringBuilder::with_capacity(n, n),
            fields: result_fields(name),
        }
    }

    fn push(&mut self, score: Option<Decimal>, fraction: Option<Decimal>, grade: &str) {
        self.score
            .append_option(score.as_ref().map(posture_core::decimal::to_text));
        self.fraction
            .append_option(fraction.as_ref().map(posture_core::decimal::to_text));
        self.grade.append_value(grade);
    }

    fn finish(mut self) -> DfResult<ColumnarValue> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.score.finish()),
            Arc::new(self.fraction.finish()),
            Arc::new(self.grade.finish()),
        ];
        Ok(ColumnarValue::Array(Arc::new(StructArray::try_new(
            self.fields,
            columns,
            None,
        )?)))
    }
}

/// Equality and hashing of a function: its name and the scoring's
/// fingerprint (two registrations with the same parameters are the same
/// function).
macro_rules! function_identity {
    ($t:ident) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.scoring.fingerprint == other.scoring.fingerprint
            }
        }
        impl Eq for $t {}
        impl Hash for $t {
            fn hash<H: Hasher>(&self, state: &mut H) {
                stringify!($t).hash(state);
                self.scoring.fingerprint.hash(state);
            }
        }
    };
}

mod aggregate;
pub use aggregate::ScoreAggregate;

// ---------------------------------------------------------------------------
// posture_score

/// `posture_score(organization, as_of, assessed_factors, assets, findings
/// [, breaches])` → `struct{score, fraction, grade}`: posture-v1 on one
/// organisation.
///
/// - `organization`: text;
/// - `as_of`: a timestamp (UTC) or RFC 3339 text;
/// - `assessed_factors`: a list of factor names (or text `a;b`), or null;
/// - `assets`: a list of host names, IP addresses and CIDR blocks (the
///   footprint), or null (empty: an error, as in `posture score`);
/// - `findings`: a list of structs with fields `issue`, `asset`, `status`
///   (text) and `first_seen`, `last_seen` (timestamps or text), or null
///   (no findings);
/// - `breaches` (optional): a list of the dates of publicly known
///   breaches (timestamps, `Date32`, or text `YYYY-MM-DD` or RFC 3339), or
///   null.
///
/// `score` is text with 2 decimals, `fraction` full precision, both null
/// when the grade is `?`.
#[derive(Debug)]
pub struct ScoreFunction {
    scoring: Arc<Scoring>,
    signature: Signature,
}

function_identity!(ScoreFunction);

impl ScoreFunction {
    fn new(scoring: Arc<Scoring>) -> Self {
        ScoreFunction {
            scoring,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

const SCORE: &str = "posture_score";
const FINDING_FIELDS: [&str; 5] = ["issue", "asset", "status", "first_seen", "last_seen"];

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
    ) || matches!(t, DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View))
}

fn is_instant(t: &DataType) -> bool {
    matches!(t, DataType::Timestamp(..)) || is_text(t)
}

fn is_date_list(t: &DataType) -> bool {
    match t {
        DataType::List(f) | DataType::LargeList(f) => {
            is_instant(f.data_type()) || matches!(f.data_type(), DataType::Date32)
        }
        other => matches!(other, DataType::Null),
    }
}

fn is_text_list(t: &DataType) -> bool {
    match t {
        DataType::List(f) | DataType::LargeList(f) => is_text(f.data_type()),
        other => is_text(other),
    }
}

/// The fields of a list-of-struct argument, or why it is not one.
fn struct_items(t: &DataType) -> Option<&Fields> {
    match t {
        DataType::List(f) | DataType::LargeList(f) => match f.data_type() {
            DataType::Struct(fields) => Some(fields),
            _ => None,
        },
        _ => None,
    }
}

fn check_struct_list(
    function: &str,
    argument: &str,
    t: &DataType,
    required: &[&str],
) -> DfResult<()> {
    if matches!(t, DataType::Null) {
        return Ok(());
    }
    let Some(fields) = struct_items(t) else {
        return plan_err!(
            "{function}: argument `{argument}` must be a list of structs (array_agg(named_struct(...))), found {t}"
        );
    };
    for name in required {
        if fields.find(name).is_none() {
            return plan_err!(
                "{function}: argument `{argument}`: the structs have no field `{name}` (fields: {})",
                fields
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(())
}

impl ScalarUDFImpl for ScoreFunction {
    fn name(&self) -> &str {
        SCORE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        let names = [
            "organization",
            "as_of",
            "assessed_factors",
            "assets",
            "findings",
            "breaches",
        ];
        if !(5..=6).contains(&arg_types.len()) {
            return plan_err!(
                "{SCORE} takes 5 or 6 arguments ({}), given {}",
                names.join(", "),
                arg_types.len()
            );
        }
        if let Some(t) = arg_types.get(5)
            && !is_date_list(t)
        {
            return plan_err!(
                "{SCORE}: argument `breaches` must be a list of dates (timestamps, Date32, or \
                 text YYYY-MM-DD or RFC 3339), found {t}"
            );
        }
        let checks: [(bool, &str); 4] = [
            (is_text(&arg_types[0]), "text"),
            (is_instant(&arg_types[1]), "a timestamp or RFC 3339 text"),
            (is_text_list(&arg_types[2]), "a list of factor names"),
            (is_text_list(&arg_types[3]), "a list of assets"),
        ];
        for (i, (ok, what)) in checks.iter().enumerate() {
            if !ok {
                return plan_err!(
                    "{SCORE}: argument `{}` must be {what}, found {}",
                    names[i],
                    arg_types[i]
                );
            }
        }
        check_struct_list(SCORE, "findings", &arg_types[4], &FINDING_FIELDS)?;
        Ok(arg_types.to_vec())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Struct(result_fields("score")))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let n = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let (org, as_of, factors, assets, findings, breaches) = match arrays.as_slice() {
            [o, a, f, s, x] => (o, a, f, s, x, None),
            [o, a, f, s, x, b] => (o, a, f, s, x, Some(b)),
            _ => return exec_err!("{SCORE} takes 5 or 6 arguments, given {}", arrays.len()),
        };
        let breaches = breaches.map(plain).transpose();
        let breaches = breaches.map_err(|e| column(e, SCORE, "breaches"))?;
        let breach_items = match breaches.as_ref().map(|b| (b, b.data_type())) {
            Some((b, DataType::List(_))) => Some(plain(b.as_list::<i32>().values())),
            Some((b, DataType::LargeList(_))) => Some(plain(b.as_list::<i64>().values())),
            _ => None,
        }
        .transpose()
        .map_err(|e| column(e, SCORE, "breaches"))?;
        let breaches = Breaches {
            offsets: breaches.as_ref().and_then(offsets),
            dates: breach_items
                .as_ref()
                .map(Instants::of)
                .transpose()
                .map_err(|e| column(e, SCORE, "breaches"))?,
        };
        let (org, as_of, factors, assets) = (
            plain(org).map_err(|e| column(e, SCORE, "organization"))?,
            plain(as_of).map_err(|e| column(e, SCORE, "as_of"))?,
            plain(factors).map_err(|e| column(e, SCORE, "assessed_factors"))?,
            plain(assets).map_err(|e| column(e, SCORE, "assets"))?,
        );
        let org = Text::of(&org).map_err(|e| column(e, SCORE, "organization"))?;
        let as_of = Instants::of(&as_of).map_err(|e| column(e, SCORE, "as_of"))?;
        let factors = Lists::of(&factors).map_err(|e| column(e, SCORE, "assessed_factors"))?;
        let assets = Lists::of(&assets).map_err(|e| column(e, SCORE, "assets"))?;
        let children = Children::of(SCORE, "findings", findings, &FINDING_FIELDS)?;
        let findings = Findings::of(findings, &children)?;
        let mut out = ResultBuilder::new("score", n);
        let mut views: Vec<FindingView<'_>> = Vec::new();
        for i in 0..n {
            let Some(name) = org.get(i) else {
                return Err(fail(SCORE, "", null_error("organization")));
            };
            let a = self
                .assess(
                    name, i, &as_of, &factors, &assets, &findings, &breaches, &mut views,
                )
                .map_err(|e| fail(SCORE, name, e))?;
            let card = self.scoring.model.score(&a);
            out.push(card.score, card.fraction, card.grade.as_str());
        }
        out.finish()
    }
}

impl ScoreFunction {
    #[allow(clippy::too_many_arguments)]
    fn assess<'a>(
        &self,
        organization: &str,
        i: usize,
        as_of: &Instants<'_>,
        factors: &Lists<'_>,
        assets: &Lists<'_>,
        findings: &Findings<'a>,
        breaches: &Breaches<'_>,
        views: &mut Vec<FindingView<'a>>,
    ) -> Result<Assessment, Error> {
        let as_of = as_of
            .get(i)
            .map_err(|e| field_error("as_of", e))?
            .ok_or_else(|| {
                field_error(
                    "as_of",
                    "is null (an organisation with assets or findings but no row of its own?)",
                )
            })?;
        let factors = factors
            .get(i)
            .map_err(|e| field_error("assessed_factors", e))?
            .map(|names| parse_factors(&names))
            .transpose()?;
        let assets = assets
            .get(i)
            .map_err(|e| field_error("assets", e))?
            .unwrap_or_default();
        views.clear();
        findings.collect(i, views)?;
        let breaches = breaches.get(i)?;
        Assessment::from_views(
            organization,
            as_of,
            &assets,
            factors.as_deref(),
            views.drain(..),
            &breaches,
            &self.scoring.catalog,
        )
    }
}

/// The `breaches` argument: a list of dates per row.
struct Breaches<'a> {
    offsets: Option<Offsets<'a>>,
    dates: Option<Instants<'a>>,
}

impl Breaches<'_> {
    fn get(&self, i: usize) -> Result<Vec<Breach>, Error> {
        let (Some(offsets), Some(dates)) = (&self.offsets, &self.dates) else {
            return Ok(Vec::new());
        };
        let Some((start, end)) = offsets.range(i) else {
            return Ok(Vec::new());
        };
        (start..end)
            .enumerate()
            .map(|(k, j)| {
                let path = format!("breaches[{k}].date");
                dates
                    .get_date_or_time(j)
                    .map_err(|e| field_error(path.clone(), e))?
                    .map(|t| Breach {
                        date: DateOrTime(t),
                    })
                    .ok_or_else(|| null_error(path))
            })
            .collect()
    }
}

/// The `findings` argument: list offsets and the struct's columns.
struct Findings<'a> {
    offsets: Option<Offsets<'a>>,
    issue: Text<'a>,
    asset: Text<'a>,
    status: Text<'a>,
    first_seen: Instants<'a>,
    last_seen: Instants<'a>,
}

/// A list column's offsets and validity, whatever its offset width.
enum Offsets<'a> {
    Small(&'a GenericListArray<i32>),
    Large(&'a GenericListArray<i64>),
}

impl Offsets<'_> {
    fn range(&self, i: usize) -> Option<(usize, usize)> {
        fn r<O: OffsetSizeTrait>(l: &GenericListArray<O>, i: usize) -> Option<(usize, usize)> {
            if l.is_null(i) {
                return None;
            }
            let o = l.value_offsets();
            Some((o[i].as_usize(), o[i + 1].as_usize()))
        }
        match self {
            Offsets::Small(l) => r(l, i),
            Offsets::Large(l) => r(l, i),
        }
    }
}

/// Owned, decoded children of a list-of-struct argument (a missing field,
/// or a null argument, reads as all nulls).
struct Children {
    columns: Vec<Option<ArrayRef>>,
    null: ArrayRef,
}

impl Children {
    fn of(function: &str, argument: &str, list: &ArrayRef, names: &[&str]) -> DfResult<Children> {
        let null: ArrayRef = Arc::new(datafusion::arrow::array::NullArray::new(0));
        let values = match list.data_type() {
            DataType::Null => {
                return Ok(Children {
                    columns: vec![None; names.len()],
                    null,
                });
            }
            DataType::List(_) => list.as_list::<i32>().values(),
            DataType::LargeList(_) => list.as_list::<i64>().values(),
            other => {
                return exec_err!("{function}: argument `{argument}` is not a list ({other})");
            }
        };
        let Some(s) = values.as_struct_opt() else {
            return exec_err!("{function}: argument `{argument}` is not a list of structs");
        };
        let columns = names
            .iter()
            .map(|name| {
                s.column_by_name(name)
                    .map(|c| {
                        plain(c).map_err(|e| column(e, function, &format!("{argument}.{name}")))
                    })
                    .transpose()
            })
            .collect::<DfResult<Vec<_>>>()?;
        Ok(Children { columns, null })
    }

    fn get(&self, k: usize) -> &ArrayRef {
        self.columns
            .get(k)
            .and_then(Option::as_ref)
            .unwrap_or(&self.null)
    }
}

fn offsets(list: &ArrayRef) -> Option<Offsets<'_>> {
    match list.data_type() {
        DataType::List(_) => Some(Offsets::Small(list.as_list::<i32>())),
        DataType::LargeList(_) => Some(Offsets::Large(list.as_list::<i64>())),
        _ => None,
    }
}

impl<'a> Findings<'a> {
    fn of(list: &'a ArrayRef, children: &'a Children) -> DfResult<Findings<'a>> {
        let name = |k: usize| format!("findings.{}", FINDING_FIELDS[k]);
        let text = |k: usize| Text::of(children.get(k)).map_err(|e| column(e, SCORE, &name(k)));
        let instant =
            |k: usize| Instants::of(children.get(k)).map_err(|e| column(e, SCORE, &name(k)));
        Ok(Findings {
            offsets: offsets(list),
            issue: text(0)?,
            asset: text(1)?,
            status: text(2)?,
            first_seen: instant(3)?,
            last_seen: instant(4)?,
        })
    }

    fn collect(&self, i: usize, out: &mut Vec<FindingView<'a>>) -> Result<(), Error> {
        let Some((start, end)) = self.offsets.as_ref().and_then(|o| o.range(i)) else {
            return Ok(());
        };
        for (k, j) in (start..end).enumerate() {
            let path = |field: &str| format!("findings[{k}].{field}");
            let issue = self.issue.get(j).ok_or_else(|| null_error(path("issue")))?;
            let asset = self.asset.get(j).ok_or_else(|| null_error(path("asset")))?;
            let status = parse_status(self.status.get(j), k)?;
            let first_seen = self
                .first_seen
                .get(j)
                .map_err(|e| field_error(path("first_seen"), e))?
                .ok_or_else(|| null_error(path("first_seen")))?;
            let last_seen = self
                .last_seen
                .get(j)
                .map_err(|e| field_error(path("last_seen"), e))?
                .ok_or_else(|| null_error(path("last_seen")))?;
            out.push(FindingView {
                issue,
                asset,
                first_seen,
                last_seen,
                status,
            });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// posture_csr

const CSR: &str = "posture_csr";
const ENTITY_FIELDS: [&str; 7] = [
    "kind",
    "entity",
    "name",
    "in_use",
    "criticality",
    "open_risks",
    "fraction",
];

/// `posture_csr(organization, as_of, entities)` → `struct{csr, fraction,
/// grade}`: csr-v1 over one portfolio whose entities are already scored.
///
/// `entities` is a list of structs with fields `kind` (`domain` or
/// `vendor`), `entity` (the domain name or the vendor's id) and
/// optionally `name` (text; default the id), `in_use` (boolean or text;
/// default true), `criticality` (text; default `high`), `open_risks`
/// (a list of severities of open questionnaire risks, or text), and
/// `fraction` (text or decimal: the entity's posture-v1 fraction; null
/// when it has no score, counted as 1 and not rated). Entities aggregate
/// in list order, own domains before vendors: order the list (`array_agg(...
/// ORDER BY kind, entity)`) for a result that does not depend on how the
/// rows arrive.
#[derive(Debug)]
pub struct CsrFunction {
    scoring: Arc<Scoring>,
    signature: Signature,
}

function_identity!(CsrFunction);

impl CsrFunction {
    fn new(scoring: Arc<Scoring>) -> Self {
        CsrFunction {
            scoring,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for CsrFunction {
    fn name(&self) -> &str {
        CSR
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        if arg_types.len() != 3 {
            return plan_err!(
                "{CSR} takes 3 arguments (organization, as_of, entities), given {}",
                arg_types.len()
            );
        }
        if !is_text(&arg_types[0]) {
            return plan_err!(
                "{CSR}: argument `organization` must be text, found {}",
                arg_types[0]
            );
        }
        if !is_instant(&arg_types[1]) {
            return plan_err!(
                "{CSR}: argument `as_of` must be a timestamp or RFC 3339 text, found {}",
                arg_types[1]
            );
        }
        check_struct_list(CSR, "entities", &arg_types[2], &ENTITY_FIELDS[..2])?;
        Ok(arg_types.to_vec())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Struct(result_fields("csr")))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let n = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [org, as_of, entities] = arrays.as_slice() else {
            return exec_err!("{CSR} takes 3 arguments, given {}", arrays.len());
        };
        let org = plain(org).map_err(|e| column(e, CSR, "organization"))?;
        let as_of = plain(as_of).map_err(|e| column(e, CSR, "as_of"))?;
        let org = Text::of(&org).map_err(|e| column(e, CSR, "organization"))?;
        let as_of = Instants::of(&as_of).map_err(|e| column(e, CSR, "as_of"))?;
        let children = Children::of(CSR, "entities", entities, &ENTITY_FIELDS)?;
        let fraction = decimal_text(children.get(6))?;
        let entities = Entities::of(entities, &children, &fraction)?;
        let catalog = self.scoring.catalog.reference();
        let mut out = ResultBuilder::new("csr", n);
        for i in 0..n {
            let Some(name) = org.get(i) else {
                return Err(fail(CSR, "", null_error("organization")));
            };
            let as_of = as_of
                .get(i)
                .map_err(|e| field_error("as_of", e))
                .and_then(|t| {
                    t.ok_or_else(|| {
                        field_error(
                            "as_of",
                            "is null (a portfolio with entities but no row of its own?)",
                        )
                    })
                })
                .map_err(|e| fail(CSR, name, e))?;
            let list = entities.collect(i).map_err(|e| fail(CSR, name, e))?;
            let r = self
                .scoring
                .csr
                .aggregate_scored(name, as_of, catalog.clone(), &list);
            out.push(r.csr, r.fraction, r.grade.as_str());
        }
        out.finish()
    }
}

/// A decimal column as text: text as it is, `Decimal128`/`Decimal256` as
/// Arrow writes them (exact). Floating point is refused: a fraction that
/// went through a float is no longer the scorecard's.
pub(crate) fn decimal_text(a: &ArrayRef) -> DfResult<ArrayRef> {
    match a.data_type() {
        DataType::Decimal128(..) | DataType::Decimal256(..) => {
            Ok(datafusion::arrow::compute::cast(a, &DataType::Utf8)?)
        }
        t if is_text(t) => Ok(a.clone()),
        other => exec_err!(
            "{CSR}: argument `entities.fraction` must be text or a decimal (exact), found {other}"
        ),
    }
}

/// The `entities` argument's columns.
struct Entities<'a> {
    offsets: Option<Offsets<'a>>,
    kind: Text<'a>,
    entity: Text<'a>,
    name: Text<'a>,
    in_use: Flags<'a>,
    criticality: Text<'a>,
    open_risks: Lists<'a>,
    fraction: Text<'a>,
}

fn parse_criticality(s: &str) -> Option<Criticality> {
    Criticality::ALL.iter().copied().find(|c| c.as_str() == s)
}

impl<'a> Entities<'a> {
    fn of(list: &'a ArrayRef, c: &'a Children, fraction: &'a ArrayRef) -> DfResult<Self> {
        let name = |k: usize| format!("entities.{}", ENTITY_FIELDS[k]);
        let text = |k: usize| Text::of(c.get(k)).map_err(|e| column(e, CSR, &name(k)));
        Ok(Entities {
            offsets: offsets(list),
            kind: text(0)?,
            entity: text(1)?,
            name: text(2)?,
            in_use: Flags::of(c.get(3)).map_err(|e| column(e, CSR, &name(3)))?,
            criticality: text(4)?,
            open_risks: Lists::of(c.get(5)).map_err(|e| column(e, CSR, &name(5)))?,
            fraction: Text::of(fraction).map_err(|e| column(e, CSR, &name(6)))?,
        })
    }

    fn collect(&self, i: usize) -> Result<Vec<ScoredEntity>, Error> {
        let Some((start, end)) = self.offsets.as_ref().and_then(|o| o.range(i)) else {
            return Ok(Vec::new());
        };
        let mut domains = Vec::new();
        let mut vendors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (k, j) in (start..end).enumerate() {
            let path = |field: &str| format!("entities[{k}].{field}");
            let kind = self.kind.get(j).ok_or_else(|| null_error(path("kind")))?;
            let id = self
                .entity
                .get(j)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| field_error(path("entity"), "is null or empty"))?;
            let fraction = match self.fraction.get(j) {
                None => None,
                Some(t) => {
                    let d = t.parse::<Decimal>().map_err(|e| {
                        field_error(
                            path("fraction"),
                            format!(
                                "`{}` is not a decimal: {e}",
                                posture_core::escape_controls(t)
                            ),
                        )
                    })?;
                    if d < Decimal::ZERO || d > Decimal::ONE {
                        return Err(field_error(
                            path("fraction"),
                            format!("{d} is not a fraction between 0 and 1"),
                        ));
                    }
                    Some(d)
                }
            };
            match kind {
                "domain" => {
                    let host = id
                        .parse::<HostName>()
                        .map_err(|source| Error::InvalidAsset {
                            path: path("entity"),
                            value: id.to_owned(),
                            source,
                        })?;
                    if !seen.insert(("domain", host.to_string())) {
                        return Err(field_error(
                            path("entity"),
                            format!("duplicate domain `{host}`"),
                        ));
                    }
                    domains.push(ScoredEntity::domain(host.to_string(), fraction));
                }
                "vendor" => {
                    if !seen.insert(("vendor", id.to_owned())) {
                        return Err(field_error(
                            path("entity"),
                            format!(
                                "vendor id `{}` is repeated",
                                posture_core::escape_controls(id)
                            ),
                        ));
                    }
                    let in_use = self
                        .in_use
                        .get(j)
                        .map_err(|e| field_error(path("in_use"), e))?
                        .unwrap_or(true);
                    let criticality = match self.criticality.get(j) {
                        None | Some("") => Criticality::default(),
                        Some(c) => parse_criticality(c).ok_or_else(|| {
                            field_error(
                                path("criticality"),
                                format!(
                                    "unknown criticality `{}` (expected one of critical, high, medium, low)",
                                    posture_core::escape_controls(c)
                                ),
                            )
                        })?,
                    };
                    let risks = self
                        .open_risks
                        .get(j)
                        .map_err(|e| field_error(path("open_risks"), e))?
                        .unwrap_or_default()
                        .iter()
                        .enumerate()
                        .map(|(r, s)| {
                            s.parse::<Severity>()
                                .map_err(|e| field_error(format!("{}[{r}]", path("open_risks")), e))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let name = self.name.get(j).unwrap_or(id);
                    vendors.push(ScoredEntity::vendor(
                        id,
                        name,
                        in_use,
                        criticality,
                        fraction,
                        risks,
                    ));
                }
                other => {
                    return Err(field_error(
                        path("kind"),
                        format!(
                            "unknown kind `{}` (expected domain or vendor)",
                            posture_core::escape_controls(other)
                        ),
                    ));
                }
            }
        }
        // Own domains first, then vendors, as `posture csr` passes them.
        domains.extend(vendors);
        Ok(domains)
    }
}

// ---------------------------------------------------------------------------
// posture_engine

/// `posture_engine()` → text: the fingerprint of the scoring the functions
/// run with ([`Scoring::fingerprint`]). Volatile, so that it runs where the
/// query runs: on a cluster, each executor reports its own, and `posture
/// batch --ballista` refuses executors whose fingerprint differs from its
/// own.
#[derive(Debug)]
pub struct EngineFunction {
    scoring: Arc<Scoring>,
    signature: Signature,
}

function_identity!(EngineFunction);

impl EngineFunction {
    fn new(scoring: Arc<Scoring>) -> Self {
        EngineFunction {
            scoring,
            signature: Signature::nullary(Volatility::Volatile),
        }
    }
}

impl ScalarUDFImpl for EngineFunction {
    fn name(&self) -> &str {
        "posture_engine"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let mut b = StringBuilder::with_capacity(args.number_rows, 0);
        for _ in 0..args.number_rows {
            b.append_value(&self.scoring.fingerprint);
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Scoring::new(Catalog::builtin(), &ModelConfig::default()).is_ok());
    }
}
