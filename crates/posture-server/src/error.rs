//! Why the server, or a token operation, failed.

/// Errors of the server and of token management (not refusals of
/// commands: those are workflow responses).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The workflow store failed.
    #[error(transparent)]
    Store(#[from] posture_plan::StoreError),
    /// The server's own tables (tokens, outbox) failed.
    #[error("server tables: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// There is no store at the path (the server never creates one).
    #[error("{0}: no such event store")]
    MissingStore(String),
    /// A token was asked for a user the store does not know.
    #[error("no user `{0}` in the store; register it first (`register_user`)")]
    UnknownUser(String),
    /// `host` is the reserved actor: its tokens are issued with `--host`.
    #[error("`host` is the reserved actor: issue its token with --host")]
    ReservedUser,
    /// No token has this id.
    #[error("no token `{0}`")]
    UnknownToken(String),
    /// The listening socket could not be opened.
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: String,
        /// Why not.
        source: std::io::Error,
    },
    /// Other I/O (the runtime, signals).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The operating system gave no randomness.
    #[error("randomness: {0}")]
    Random(String),
}

impl ServerError {
    /// Stable machine-readable code.
    ///
    /// ```
    /// let e = posture_server::ServerError::UnknownToken("t1".into());
    /// assert_eq!(e.code(), "unknown_token");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            ServerError::Store(e) => e.code(),
            ServerError::Sqlite(_) => "sqlite",
            ServerError::MissingStore(_) => "missing",
            ServerError::UnknownUser(_) => "unknown_user",
            ServerError::ReservedUser => "reserved_user",
            ServerError::UnknownToken(_) => "unknown_token",
            ServerError::Listen { .. } => "listen",
            ServerError::Io(_) => "io",
            ServerError::Random(_) => "random",
        }
    }
}
