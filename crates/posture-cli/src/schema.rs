//! `posture schema`.

use crate::error::CliError;
use std::path::Path;

/// Every schema: the libraries' wire types, then what this command
/// prints (`scan`, `workflow rescan`, `demo`), then the bodies of `posture
/// serve`'s API that are its own.
pub fn all() -> Vec<(&'static str, schemars::Schema)> {
    let mut v = posture::wire_schemas();
    v.push((
        "scan-output",
        schemars::schema_for!(crate::scan_cmd::ScanOutput),
    ));
    v.push((
        "rescan-line",
        schemars::schema_for!(crate::workflow_cmd::RescanLine),
    ));
    v.push((
        "demo-output",
        schemars::schema_for!(crate::demo::DemoOutput),
    ));
    // The research harness (`posture corpus`, `posture eval`).
    v.push((
        "corpus-record",
        schemars::schema_for!(posture_research::corpus::CorpusRecord),
    ));
    v.push((
        "corpus-config",
        schemars::schema_for!(posture_research::corpus::CorpusConfig),
    ));
    v.push((
        "corpus-summary",
        schemars::schema_for!(posture_research::corpus::CorpusSummary),
    ));
    v.push((
        "evaluation",
        schemars::schema_for!(posture_research::Evaluation),
    ));
    v.push((
        "score-line",
        schemars::schema_for!(posture_research::ScoreLine),
    ));
    // Each comparison model's section of `--model-config` (`models.<id>`).
    v.push((
        "observatory-additive-config",
        schemars::schema_for!(posture_research::ObservatoryConfig),
    ));
    v.push((
        "scorecard-weighted-config",
        schemars::schema_for!(posture_research::ScorecardWeightedConfig),
    ));
    v.push((
        "bitsight-like-config",
        schemars::schema_for!(posture_research::BitsightLikeConfig),
    ));
    v.extend(posture_server::api_schemas());
    for (_, s) in &mut v {
        posture::clean_descriptions(s);
    }
    v
}

/// The schema names.
pub fn names() -> Vec<&'static str> {
    all().into_iter().map(|(n, _)| n).collect()
}

/// Pretty JSON text of a schema, newline-terminated (the committed form).
pub fn render(schema: &schemars::Schema) -> Result<String, CliError> {
    Ok(serde_json::to_string_pretty(schema)? + "\n")
}

/// One schema by name.
pub fn one(name: &str) -> Result<String, CliError> {
    match all().iter().find(|(n, _)| *n == name) {
        Some((_, s)) => render(s),
        None => Err(CliError::Usage(format!(
            "unknown schema `{name}`; known: {}",
            names().join(", ")
        ))),
    }
}

/// Writes every schema to `dir/NAME.json`.
pub fn write_all(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|source| CliError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    for (name, schema) in all() {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, render(&schema)?).map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(())
}
