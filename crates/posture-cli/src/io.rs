//! File and standard-input reading, with errors that name the source.

use crate::error::CliError;
use std::path::Path;

/// Reads a file given by an option.
pub fn read_file(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::Input(format!("{}: not UTF-8 text", path.display())))
}
