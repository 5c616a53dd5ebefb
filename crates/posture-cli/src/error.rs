//! The command's errors and their exit codes (contracts: 1 I/O or internal,
//! 2 usage or bad input).

/// An error that ends the command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Bad input: a malformed document, catalog or configuration.
    #[error("{0}")]
    Input(String),
    /// A usage error the argument parser could not catch.
    #[error("{0}")]
    Usage(String),
    /// The query engine or a cluster failed (`posture batch`).
    #[cfg_attr(not(feature = "batch"), allow(dead_code))]
    #[error("{0}")]
    Engine(String),
    /// A defect.
    #[error("internal error: {0}")]
    Internal(String),
    /// `workflow apply --strict` refused this many lines (answered in-band).
    #[error("--strict: {0} command(s) refused")]
    Refused(usize),
    /// A workflow query for something the actor may not see: the JSON error
    /// object goes to stdout, the exit code is 3.
    #[error("{0}")]
    NotVisible(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Io { .. } | CliError::Engine(_) | CliError::Internal(_) => 1,
            CliError::Input(_) | CliError::Usage(_) | CliError::Refused(_) => 2,
            CliError::NotVisible(_) => 3,
        }
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::Internal(format!("serialising output: {e}"))
    }
}
