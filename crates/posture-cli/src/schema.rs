//! `posture schema`.

use crate::error::CliError;
use std::path::Path;

/// The schema names.
pub fn names() -> Vec<&'static str> {
    posture::wire_schemas()
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// Pretty JSON text of a schema, newline-terminated (the committed form).
pub fn render(schema: &schemars::Schema) -> Result<String, CliError> {
    Ok(serde_json::to_string_pretty(schema)? + "\n")
}

/// One schema by name.
pub fn one(name: &str) -> Result<String, CliError> {
    let all = posture::wire_schemas();
    match all.iter().find(|(n, _)| *n == name) {
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
    for (name, schema) in posture::wire_schemas() {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, render(&schema)?).map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(())
}
