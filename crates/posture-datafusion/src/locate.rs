//! Naming the bad row. The query validates as it scores, but a function
//! sees an organisation's findings gathered into a list, not the file's
//! rows. When the query fails, the inputs are read again, in file order,
//! with the same rules, and the first bad row is reported by file, row and
//! column. This runs only on failure; valid batches pay nothing for it.

use crate::batch::{
    ASSETS, BREACHES, BatchError, Column, CsrInputs, ENTITIES, FINDINGS, Format, Kind,
    ORGANIZATIONS, PORTFOLIOS, SCORES, ScoreInputs, format_of, input,
};
use crate::columns::{Flags, Instants, Lists, Text, plain};
use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;
use posture::csr::Criticality;
use posture_core::{
    Asset, AssetKey, Catalog, Factor, FindingStatus, Footprint, HostName, Severity, Timestamp,
    escape_controls,
};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

type Found = Result<Option<BatchError>, BatchError>;

/// One row's columns, by table column position (`None`: the file lacks
/// the optional column).
struct Row<'a> {
    file: &'a Path,
    number: u64,
    arrays: &'a [Option<ArrayRef>],
    columns: &'a [Column],
    i: usize,
}

impl<'a> Row<'a> {
    fn err(&self, column: &str, message: impl Into<String>) -> BatchError {
        input(self.file, Some(self.number), Some(column), message)
    }

    fn array(&self, k: usize) -> Option<&'a ArrayRef> {
        self.arrays.get(k).and_then(Option::as_ref)
    }

    fn text(&self, k: usize) -> Result<Option<&'a str>, BatchError> {
        match self.array(k) {
            None => Ok(None),
            Some(a) => Text::of(a)
                .map(|t| t.get(self.i))
                .map_err(|e| self.err(self.columns[k].name, e.to_string())),
        }
    }

    fn required_text(&self, k: usize) -> Result<&'a str, BatchError> {
        self.text(k)?
            .ok_or_else(|| self.err(self.columns[k].name, "is null"))
    }

    fn instant(&self, k: usize) -> Result<Timestamp, BatchError> {
        let name = self.columns[k].name;
        let a = self.array(k).ok_or_else(|| self.err(name, "is missing"))?;
        Instants::of(a)
            .and_then(|t| t.get(self.i))
            .map_err(|e| self.err(name, e.to_string()))?
            .ok_or_else(|| self.err(name, "is null"))
    }

    fn date(&self, k: usize) -> Result<Timestamp, BatchError> {
        let name = self.columns[k].name;
        let a = self.array(k).ok_or_else(|| self.err(name, "is missing"))?;
        Instants::of(a)
            .and_then(|t| t.get_date_or_time(self.i))
            .map_err(|e| self.err(name, e.to_string()))?
            .ok_or_else(|| self.err(name, "is null"))
    }

    fn list(&self, k: usize) -> Result<Option<Vec<&'a str>>, BatchError> {
        let name = self.columns[k].name;
        match self.array(k) {
            None => Ok(None),
            Some(a) => Lists::of(a)
                .and_then(|l| l.get(self.i))
                .map_err(|e| self.err(name, e.to_string())),
        }
    }

    fn flag(&self, k: usize) -> Result<Option<bool>, BatchError> {
        let name = self.columns[k].name;
        match self.array(k) {
            None => Ok(None),
            Some(a) => Flags::of(a)
                .and_then(|f| f.get(self.i))
                .map_err(|e| self.err(name, e.to_string())),
        }
    }
}

/// Calls `f` on every row of `path`, in file order, until it finds a
/// problem.
async fn each_row<F>(path: &Path, columns: &[Column], mut f: F) -> Found
where
    F: FnMut(&Row<'_>) -> Result<(), BatchError>,
{
    let (format, _) = format_of(path)?;
    if format == Format::NdJson
        && let Some(e) = json_lines(path, columns)?
    {
        return Ok(Some(e));
    }
    // One partition and no split files: batches arrive in file order.
    let mut config = SessionConfig::new().with_target_partitions(1);
    config.options_mut().optimizer.repartition_file_scans = false;
    let ctx = SessionContext::new_with_config(config);
    let engine = |e: datafusion::error::DataFusionError| input(path, None, None, e.to_string());
    // Read as the query reads it.
    crate::batch::register(&ctx, "rows", path, columns).await?;
    let df = ctx.table("rows").await.map_err(engine)?;
    let mut stream = df.execute_stream().await.map_err(engine)?;
    let mut number = 0u64;
    while let Some(batch) = stream.next().await {
        let batch: RecordBatch = match batch {
            Ok(b) => b,
            // A file the reader cannot parse (a CSV row with too many
            // fields): the reader's message names the line.
            Err(e) => return Ok(Some(engine(e))),
        };
        let arrays = columns
            .iter()
            .map(|c| {
                batch
                    .column_by_name(c.name)
                    .map(|a| plain(a).map_err(|e| input(path, None, Some(c.name), e.to_string())))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        for i in 0..batch.num_rows() {
            number += 1;
            let row = Row {
                file: path,
                number,
                arrays: &arrays,
                columns,
                i,
            };
            if let Err(e) = f(&row) {
                return Ok(Some(e));
            }
        }
    }
    Ok(None)
}

/// NDJSON lines whose values the Arrow reader would refuse with no line
/// number: not an object, or a known field of the wrong JSON type.
fn json_lines(path: &Path, columns: &[Column]) -> Result<Option<BatchError>, BatchError> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|source| BatchError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut number = 0u64;
    for line in std::io::BufReader::new(file).split(b'\n') {
        let line = line.map_err(|source| BatchError::Io {
            path: path.to_owned(),
            source,
        })?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        number += 1;
        let err = |column: Option<&str>, m: String| Some(input(path, Some(number), column, m));
        let value: serde_json::Value = match serde_json::from_slice(&line) {
            Ok(v) => v,
            Err(e) => return Ok(err(None, format!("not JSON: {e}"))),
        };
        let Some(object) = value.as_object() else {
            return Ok(err(None, "not a JSON object".to_owned()));
        };
        for c in columns {
            let Some(v) = object.get(c.name) else {
                continue;
            };
            let ok = match c.kind {
                _ if v.is_null() => true,
                Kind::Text | Kind::Instant | Kind::Date | Kind::Decimal => v.is_string(),
                Kind::Flag => v.is_boolean(),
                Kind::TextList => v
                    .as_array()
                    .is_some_and(|a| a.iter().all(serde_json::Value::is_string)),
            };
            if !ok {
                let want = match c.kind {
                    Kind::Text | Kind::Instant | Kind::Date | Kind::Decimal => "a string",
                    Kind::Flag => "true or false",
                    Kind::TextList => "an array of strings",
                };
                return Ok(err(Some(c.name), format!("must be {want}, found {v}")));
            }
        }
    }
    Ok(None)
}

/// The first bad row of a `posture batch` input, in the order organizations,
/// assets, findings.
pub(crate) async fn score(inputs: &ScoreInputs, catalog: &Arc<Catalog>) -> Found {
    // organisation -> (row in organizations, assets)
    let mut orgs: HashMap<String, (u64, Vec<Asset>)> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let found = each_row(&inputs.organizations, ORGANIZATIONS, |r| {
        let org = r.required_text(0)?;
        r.instant(1)?;
        if let Some(factors) = r.list(2)? {
            for f in factors {
                f.parse::<Factor>()
                    .map_err(|e| r.err("assessed_factors", e.to_string()))?;
            }
        }
        if let Some((first, _)) = orgs.get(org) {
            return Err(r.err(
                "organization",
                format!(
                    "organization `{}` repeats row {first}",
                    escape_controls(org)
                ),
            ));
        }
        orgs.insert(org.to_owned(), (r.number, Vec::new()));
        order.push(org.to_owned());
        Ok(())
    })
    .await?;
    if found.is_some() {
        return Ok(found);
    }
    let organizations = inputs.organizations.display().to_string();
    let found = each_row(&inputs.assets, ASSETS, |r| {
        let org = r.required_text(0)?;
        let Some((_, assets)) = orgs.get_mut(org) else {
            return Err(r.err(
                "organization",
                format!(
                    "organization `{}` has no row in {organizations}",
                    escape_controls(org)
                ),
            ));
        };
        let text = r.required_text(1)?;
        let asset = text.parse::<Asset>().map_err(|e| {
            r.err(
                "asset",
                format!("`{}` is not a valid asset: {e}", escape_controls(text)),
            )
        })?;
        assets.push(asset);
        Ok(())
    })
    .await?;
    if found.is_some() {
        return Ok(found);
    }
    let mut footprints: HashMap<String, Footprint> = HashMap::with_capacity(orgs.len());
    for org in &order {
        let Some((row, assets)) = orgs.remove(org) else {
            continue;
        };
        let footprint = Footprint::new(assets);
        if footprint.is_empty() {
            return Ok(Some(input(
                &inputs.organizations,
                Some(row),
                Some("organization"),
                format!(
                    "organization `{}` has no assets in {} (its footprint is empty)",
                    escape_controls(org),
                    inputs.assets.display()
                ),
            )));
        }
        footprints.insert(org.clone(), footprint);
    }
    let found = each_row(&inputs.findings, FINDINGS, |r| {
        let org = r.required_text(0)?;
        let Some(footprint) = footprints.get(org) else {
            return Err(r.err(
                "organization",
                format!(
                    "organization `{}` has no row in {organizations}",
                    escape_controls(org)
                ),
            ));
        };
        let issue = r.required_text(1)?;
        if catalog.get(issue).is_none() {
            return Err(r.err(
                "issue",
                format!(
                    "unknown issue type `{}` (not in catalog `{}`)",
                    escape_controls(issue),
                    catalog.id()
                ),
            ));
        }
        let asset = r.required_text(2)?;
        let key = AssetKey::parse_single(asset).map_err(|e| {
            r.err(
                "asset",
                format!(
                    "`{}` is not one host name or IP address: {e}",
                    escape_controls(asset)
                ),
            )
        })?;
        if !footprint.covers(&key) {
            return Err(r.err(
                "asset",
                format!(
                    "`{}` is outside organization `{}`'s footprint",
                    escape_controls(asset),
                    escape_controls(org)
                ),
            ));
        }
        let status = r.required_text(3)?;
        status
            .parse::<FindingStatus>()
            .map_err(|e| r.err("status", e.to_string()))?;
        let first = r.instant(4)?;
        let last = r.instant(5)?;
        if first > last {
            return Err(r.err(
                "first_seen",
                format!("first_seen {first} is after last_seen {last}"),
            ));
        }
        Ok(())
    })
    .await?;
    if found.is_some() {
        return Ok(found);
    }
    let Some(breaches) = &inputs.breaches else {
        return Ok(None);
    };
    each_row(breaches, BREACHES, |r| {
        let org = r.required_text(0)?;
        if !footprints.contains_key(org) {
            return Err(r.err(
                "organization",
                format!(
                    "organization `{}` has no row in {organizations}",
                    escape_controls(org)
                ),
            ));
        }
        r.date(1)?;
        Ok(())
    })
    .await
}

/// The first bad row of a `posture batch csr` input.
pub(crate) async fn csr(inputs: &CsrInputs) -> Found {
    let mut portfolios: HashMap<String, u64> = HashMap::new();
    let found = each_row(&inputs.portfolios, PORTFOLIOS, |r| {
        let org = r.required_text(0)?;
        r.instant(1)?;
        if let Some(first) = portfolios.get(org) {
            return Err(r.err(
                "organization",
                format!(
                    "organization `{}` repeats row {first}",
                    escape_controls(org)
                ),
            ));
        }
        portfolios.insert(org.to_owned(), r.number);
        Ok(())
    })
    .await?;
    if found.is_some() {
        return Ok(found);
    }
    let listed = inputs.portfolios.display().to_string();
    let mut seen: HashSet<(String, &'static str, String)> = HashSet::new();
    let found = each_row(&inputs.entities, ENTITIES, |r| {
        let org = r.required_text(0)?;
        if !portfolios.contains_key(org) {
            return Err(r.err(
                "organization",
                format!("portfolio `{}` has no row in {listed}", escape_controls(org)),
            ));
        }
        let kind = r.required_text(1)?;
        let entity = r.required_text(2)?;
        if entity.is_empty() {
            return Err(r.err("entity", "is empty"));
        }
        let (kind, id) = match kind {
            "domain" => {
                let host = entity.parse::<HostName>().map_err(|e| {
                    r.err(
                        "entity",
                        format!("`{}` is not a domain name: {e}", escape_controls(entity)),
                    )
                })?;
                ("domain", host.to_string())
            }
            "vendor" => {
                if let Some(c) = r.text(5)?.filter(|c| !c.is_empty())
                    && !Criticality::ALL.iter().any(|k| k.as_str() == c)
                {
                    return Err(r.err(
                        "criticality",
                        format!(
                            "unknown criticality `{}` (expected one of critical, high, medium, low)",
                            escape_controls(c)
                        ),
                    ));
                }
                r.flag(4)?;
                for s in r.list(6)?.unwrap_or_default() {
                    s.parse::<Severity>()
                        .map_err(|e| r.err("open_risks", e.to_string()))?;
                }
                ("vendor", entity.to_owned())
            }
            other => {
                return Err(r.err(
                    "kind",
                    format!(
                        "unknown kind `{}` (expected domain or vendor)",
                        escape_controls(other)
                    ),
                ));
            }
        };
        if !seen.insert((org.to_owned(), kind, id.clone())) {
            return Err(r.err(
                "entity",
                format!(
                    "{kind} `{}` appears twice in portfolio `{}`",
                    escape_controls(&id),
                    escape_controls(org)
                ),
            ));
        }
        Ok(())
    })
    .await?;
    if found.is_some() {
        return Ok(found);
    }
    let mut scored: HashMap<String, u64> = HashMap::new();
    each_row(&inputs.scores, SCORES, |r| {
        let org = r.required_text(0)?;
        if let Some(first) = scored.get(org) {
            return Err(r.err(
                "organization",
                format!(
                    "organization `{}` repeats row {first}",
                    escape_controls(org)
                ),
            ));
        }
        scored.insert(org.to_owned(), r.number);
        if let Some(a) = r.array(1) {
            let text =
                crate::functions::decimal_text(a).map_err(|e| r.err("fraction", e.to_string()))?;
            if let Some(t) = Text::of(&text)
                .map_err(|e| r.err("fraction", e.to_string()))?
                .get(r.i)
            {
                let d = t.parse::<Decimal>().map_err(|e| {
                    r.err(
                        "fraction",
                        format!("`{}` is not a decimal: {e}", escape_controls(t)),
                    )
                })?;
                if d < Decimal::ZERO || d > Decimal::ONE {
                    return Err(r.err("fraction", format!("{d} is not between 0 and 1")));
                }
            }
        }
        Ok(())
    })
    .await
}
