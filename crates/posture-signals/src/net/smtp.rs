//! The SMTP dialogue the mail checks need (RFC 5321): the greeting, EHLO,
//! and STARTTLS (RFC 3207). Replies are read line by line, each line at
//! most 1,000 bytes and a reply at most 64 lines.

use super::{Lost, step};
use crate::checks::Env;
use posture_core::observe::Reason;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

const MAX_LINE: usize = 1000;
const MAX_LINES: usize = 64;

/// One reply: its code and its lines' text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

/// A byte-at-a-time reader is slow but exact: nothing after the reply is
/// consumed, so a TLS handshake can follow STARTTLS on the same stream.
async fn read_line<S: AsyncRead + Unpin>(
    env: &Env,
    s: &mut S,
    until: Instant,
) -> Result<String, Lost> {
    let mut line = Vec::with_capacity(128);
    loop {
        let mut b = [0u8; 1];
        let n = step(env, until, "reading the SMTP reply", s.read(&mut b)).await?;
        if n == 0 {
            return Err(Lost::new(
                Reason::Error,
                "the server closed the connection mid-reply",
            ));
        }
        if b[0] == b'\n' {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(String::from_utf8_lossy(&line).into_owned());
        }
        if line.len() >= MAX_LINE {
            return Err(Lost::new(
                Reason::Limit,
                "an SMTP reply line exceeds 1,000 bytes",
            ));
        }
        line.push(b[0]);
    }
}

/// Reads one (possibly multi-line) reply.
pub(crate) async fn reply<S: AsyncRead + Unpin>(
    env: &Env,
    s: &mut S,
    until: Instant,
) -> Result<Reply, Lost> {
    let mut lines = Vec::new();
    loop {
        let line = read_line(env, s, until).await?;
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| {
                Lost::new(
                    Reason::Error,
                    format!("not an SMTP reply: {}", posture_core::echo(&line)),
                )
            })?;
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line.get(4..).unwrap_or("").to_owned());
        if !more {
            return Ok(Reply { code, lines });
        }
        if lines.len() >= MAX_LINES {
            return Err(Lost::new(Reason::Limit, "an SMTP reply exceeds 64 lines"));
        }
    }
}

/// Sends one command line.
pub(crate) async fn send<S: AsyncWrite + Unpin>(
    env: &Env,
    s: &mut S,
    line: &str,
    until: Instant,
) -> Result<(), Lost> {
    step(env, until, "sending an SMTP command", async {
        s.write_all(line.as_bytes()).await?;
        s.write_all(b"\r\n").await?;
        s.flush().await
    })
    .await
}

/// What the greeting and EHLO showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    pub banner: String,
    pub starttls: bool,
}

/// Reads the greeting and sends EHLO (the client named by its address
/// literal, RFC 5321 section 4.1.3). A greeting other than 220 is an error:
/// it says nothing about STARTTLS.
pub(crate) async fn hello<S: AsyncRead + AsyncWrite + Unpin>(
    env: &Env,
    s: &mut S,
    client: std::net::IpAddr,
    until: Instant,
) -> Result<Session, Lost> {
    let greeting = reply(env, s, until).await?;
    let banner = super::clip(&greeting.lines.join(" "), 512);
    if greeting.code != 220 {
        return Err(Lost::new(
            Reason::Error,
            format!(
                "the greeting is {} {}, not 220",
                greeting.code,
                posture_core::echo(&banner)
            ),
        ));
    }
    let literal = match client {
        std::net::IpAddr::V4(a) => format!("[{a}]"),
        std::net::IpAddr::V6(a) => format!("[IPv6:{a}]"),
    };
    send(env, s, &format!("EHLO {literal}"), until).await?;
    let ehlo = reply(env, s, until).await?;
    let starttls = ehlo.code == 250
        && ehlo.lines.iter().skip(1).any(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("STARTTLS"))
        });
    Ok(Session { banner, starttls })
}

/// Greeting, EHLO and STARTTLS: on success the stream is ready for the TLS
/// handshake.
pub(crate) async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    env: &Env,
    s: &mut S,
    client: std::net::IpAddr,
    until: Instant,
) -> Result<(), Lost> {
    let session = hello(env, s, client, until).await?;
    if !session.starttls {
        return Err(Lost::new(
            Reason::Error,
            "the server no longer offers STARTTLS",
        ));
    }
    send(env, s, "STARTTLS", until).await?;
    let r = reply(env, s, until).await?;
    if r.code != 220 {
        return Err(Lost::new(
            Reason::Error,
            format!("STARTTLS was answered {}", r.code),
        ));
    }
    Ok(())
}

/// Says QUIT and ignores the answer (politeness, not a check).
pub(crate) async fn quit<S: AsyncRead + AsyncWrite + Unpin>(env: &Env, s: &mut S, until: Instant) {
    if send(env, s, "QUIT", until).await.is_ok() {
        let _ = reply(env, s, until).await;
    }
}
