//! File and standard-input reading, with errors that name the source.

use crate::error::CliError;
use std::io::Read;
use std::path::Path;

/// Reads `--input FILE|-` as text. Returns the text and the name to use in
/// messages.
pub fn read_input(input: &str) -> Result<(String, String), CliError> {
    let (bytes, name) = if input == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|source| CliError::Io {
                path: "<stdin>".into(),
                source,
            })?;
        (buf, "<stdin>".to_owned())
    } else {
        let buf = std::fs::read(input).map_err(|source| CliError::Io {
            path: input.to_owned(),
            source,
        })?;
        (buf, input.to_owned())
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::Input(format!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok((text, name))
}

/// Reads a file given by an option.
pub fn read_file(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::Input(format!("{}: not UTF-8 text", path.display())))
}
