//! The reference server of Posture: an authenticated HTTP API and a
//! server-rendered web app over the vendor workflow
//! ([`posture_plan`]), for `posture serve`.
//!
//! - [`Server`]: binds, then [`Server::run`]s until a shutdown signal
//!   ([`shutdown_signal`]: SIGTERM or Ctrl-C), finishing the requests in
//!   flight. [`ServerConfig`] holds the store, the scan policy rescans run
//!   under, the rescans in flight at once, the request timeout and whether
//!   cookies are `Secure`.
//! - Authentication: API calls send `Authorization: Bearer TOKEN`; the web
//!   app logs in with a token (`POST /login`, form field `token`) and keeps
//!   a session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` when
//!   served over TLS) with a per-session CSRF field in every form. Tokens
//!   are 256 random bits, base64url, printed once by [`tokens::issue`];
//!   the store keeps only their SHA-256 digests (table `server_tokens`).
//!   Missing or wrong credentials: `401`; a form without the session's
//!   CSRF value: `403`. The `host` actor exists only for tokens issued for
//!   the host.
//! - Authorization is the workflow's own: what the caller may not see
//!   answers `404`, with the body of what does not exist.
//! - Writes go through one writer thread that group-commits the commands
//!   waiting; every response is sent after the commit it reports. E-mail
//!   effects are written to the outbox (`server_outbox`) in the same
//!   transaction, for a mail integration to read with a host token
//!   ([`OutboxPage`]); the server sends no mail. Rescan requests are
//!   answered by a background worker through
//!   [`posture::host::Scanner::rescan`], a few at a time, and recorded as
//!   the host; an inconclusive rescan is tried again later, with a growing
//!   wait.
//! - The API's own bodies ([`CommandRequest`], [`OutboxPage`],
//!   [`ApiError`]) have JSON Schemas ([`api_schemas`]); the rest are the
//!   workflow's types, as the CLI prints them.
//! - Every request is bounded by the request timeout and the 1 MiB body
//!   limit (`413`), and logged as one line on stderr (method, path,
//!   status, duration, user; never a token).
//!
//! # Routes
//!
//! | route | who |
//! | --- | --- |
//! | `GET /healthz` | anyone |
//! | `POST /api/v1/commands` | a token |
//! | `GET /api/v1/plans?view=assigned\|sent`, `GET /api/v1/plans/{id}` | a token |
//! | `GET /api/v1/contacts?…`, `GET /api/v1/contacts/{id}/history` | a token |
//! | `GET /api/v1/insights`, `GET /api/v1/vendors/{org}/questionnaire-risks` | a token |
//! | `GET /api/v1/outbox?after=SEQ` | a host token |
//! | `GET /`, `GET\|POST /login`, `POST /logout` | anyone |
//! | `GET /plans?view=…`, `GET\|POST /plans/{org}/{plan}` | a session |
//! | `GET\|POST /contacts`, `GET /contacts/{org}/{contact}/history` | a session |
//! | `GET /insights`, `GET\|POST /expectations` | a session |
//!
//! # Example
//!
//! ```no_run
//! # async fn run() -> Result<(), posture_server::ServerError> {
//! use posture_server::{Server, ServerConfig, shutdown_signal};
//! let issued = posture_server::tokens::issue("plans.sqlite".as_ref(), Some("alice"), None)?;
//! println!("alice's token: {}", issued.token);
//! let server = Server::bind(ServerConfig::new("plans.sqlite"), "127.0.0.1:8080").await?;
//! server.run(async { let _ = shutdown_signal().await; }).await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
// Handlers return their early answer (a 401, a 400) as the error of a
// `Result<_, Response>`: it is built once, moved once, and only on that
// path, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod api;
mod app;
mod error;
mod filters;
mod http;
mod outbox;
mod rescan;
mod secret;
mod server;
pub mod tokens;
mod web;
mod wire;
mod writer;

pub use error::ServerError;
pub use server::{BODY_LIMIT, Server, ServerConfig, Summary, shutdown_signal};
pub use wire::{ApiError, CommandRequest, OutboxEntry, OutboxPage, api_schemas};
pub use writer::WriterStats;

#[cfg(test)]
mod send_sync {
    fn assert<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert::<super::Server>();
        assert::<super::ServerConfig>();
        assert::<super::ServerError>();
    }
}
