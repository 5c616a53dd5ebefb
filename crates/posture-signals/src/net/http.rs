//! A small, bounded HTTP/1.1 client: one request per connection
//! (`Connection: close`), a fixed `User-Agent`, no cookie jar, at most
//! 64 KiB read from any body and 64 KiB of headers, identity encoding
//! only. Redirects are followed by the caller ([`fetch`] returns one
//! response), at most [`MAX_REDIRECTS`], never off the target's registrable
//! domain.

use super::url::Url;
use super::{Dial, Lost, resolve};
use crate::checks::Env;
use posture_core::observe::Reason;
use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// The most bytes read from any body.
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// The most bytes of a response's status line and headers.
const MAX_HEAD: usize = 64 * 1024;
/// The most headers kept from one response.
const MAX_HEADERS: usize = 128;
/// The most redirects followed from one URL.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// The `User-Agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("posture/", env!("CARGO_PKG_VERSION"));

/// One response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    pub status: u16,
    /// Header names lower-case, values as text (invalid UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    /// At most [`MAX_BODY`] bytes of the body.
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub(crate) fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308) && self.header("location").is_some()
    }
}

/// The outcome of one request.
pub(crate) enum Fetched {
    Answered(Response),
    /// Nothing listens on the port.
    NoService,
    /// The exchange failed after connecting, or the name does not resolve.
    Lost(Lost),
}

/// Ports the web checks use for each scheme.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ports {
    pub http: u16,
    pub https: u16,
}

/// `GET url` once (no redirect followed).
pub(crate) async fn fetch(env: &Env, url: &Url, ports: Ports) -> Fetched {
    let ip = match resolve(env, &url.host).await {
        Ok(Some(ip)) => ip,
        Ok(None) => {
            return Fetched::Lost(Lost::new(
                Reason::Nxdomain,
                format!("{} has no address", url.host),
            ));
        }
        Err(l) => return Fetched::Lost(l),
    };
    let port = url.port_or(ports.http, ports.https);
    let conn = match super::dial(env, SocketAddr::new(ip, port)).await {
        Dial::Open(c) => c,
        Dial::Refused => return Fetched::NoService,
        Dial::Lost(l) => return Fetched::Lost(l),
    };
    let until = conn.until;
    let host_header = match url.port {
        Some(p) if p != if url.https { 443 } else { 80 } => format!("{}:{p}", bracket(&url.host)),
        _ if port != if url.https { 443 } else { 80 } => format!("{}:{port}", bracket(&url.host)),
        _ => bracket(&url.host),
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n",
        url.path
    );
    let result = if url.https {
        let name = super::tls::server_name(Some(&url.host), ip);
        let hs = super::tls::handshake(env, conn.stream, name, &[b"http/1.1"], until).await;
        match hs.session {
            Ok(mut s) => exchange(env, &mut s, &request, until).await,
            Err(l) => Err(l),
        }
    } else {
        let mut s = conn.stream;
        exchange(env, &mut s, &request, until).await
    };
    match result {
        Ok(r) => Fetched::Answered(r),
        Err(l) => Fetched::Lost(l),
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// Writes the request and reads one response.
async fn exchange<S>(env: &Env, s: &mut S, request: &str, until: Instant) -> Result<Response, Lost>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    super::step(
        env,
        until,
        "sending the request",
        s.write_all(request.as_bytes()),
    )
    .await?;
    super::step(env, until, "sending the request", s.flush()).await?;
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    loop {
        let (status, headers, body_start) = loop {
            if let Some(parsed) = parse_head(&buf)? {
                break parsed;
            }
            if buf.len() > MAX_HEAD {
                return Err(Lost::new(
                    Reason::Limit,
                    "the response's headers exceed 64 KiB",
                ));
            }
            if read_more(env, s, &mut buf, until).await? == 0 {
                return Err(Lost::new(
                    Reason::Error,
                    "the connection closed before a complete response",
                ));
            }
        };
        buf.drain(..body_start);
        // 1xx responses precede the real one.
        if (100..200).contains(&status) {
            continue;
        }
        let body = read_body(env, s, buf, &headers, status, until).await?;
        return Ok(Response {
            status,
            headers,
            body,
        });
    }
}

type Head = (u16, Vec<(String, String)>, usize);

/// [`parse_head`] without the offset, for the fuzzers.
pub(crate) fn parse_head_for_tests(buf: &[u8]) -> Result<Option<crate::fuzzing::Head>, String> {
    parse_head(buf)
        .map(|h| h.map(|(s, hs, _)| (s, hs)))
        .map_err(|l| l.detail)
}

/// The status, headers and body offset of a complete head in `buf`.
fn parse_head(buf: &[u8]) -> Result<Option<Head>, Lost> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut slots);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => {
            let status = resp.code.unwrap_or(0);
            if status < 100 {
                return Err(Lost::new(
                    Reason::Error,
                    format!("status {status:03} is not an HTTP status (100 to 999)"),
                ));
            }
            let headers = resp
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_ascii_lowercase(),
                        super::clip(&String::from_utf8_lossy(h.value), 8192),
                    )
                })
                .collect();
            Ok(Some((status, headers, n)))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(Lost::new(
            Reason::Limit,
            format!("the response has more than {MAX_HEADERS} headers"),
        )),
        Err(e) => Err(Lost::new(
            Reason::Error,
            format!("the response is not HTTP/1.x: {e}"),
        )),
    }
}

async fn read_more<S: AsyncRead + Unpin>(
    env: &Env,
    s: &mut S,
    buf: &mut Vec<u8>,
    until: Instant,
) -> Result<usize, Lost> {
    let mut chunk = [0u8; 8192];
    match tokio::time::timeout_at(until, s.read(&mut chunk)).await {
        Ok(Ok(n)) => {
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            Ok(n)
        }
        // A TLS peer closing without close_notify: what was read stands.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(0),
        Ok(Err(e)) => Err(Lost::new(
            Reason::Error,
            format!("reading the response: {e}"),
        )),
        Err(_) => Err(super::timed_out(env, "reading the response")),
    }
}

/// The body, by Content-Length, chunked coding or the close, at most
/// [`MAX_BODY`] bytes of it.
async fn read_body<S: AsyncRead + Unpin>(
    env: &Env,
    s: &mut S,
    mut buf: Vec<u8>,
    headers: &[(String, String)],
    status: u16,
    until: Instant,
) -> Result<Vec<u8>, Lost> {
    if status == 204 || status == 304 {
        return Ok(Vec::new());
    }
    let value = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let chunked = value("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    if chunked {
        return read_chunked(env, s, buf, until).await;
    }
    let length = value("content-length").and_then(|v| v.trim().parse::<usize>().ok());
    let want = length.unwrap_or(usize::MAX).min(MAX_BODY);
    while buf.len() < want {
        match read_more(env, s, &mut buf, until).await {
            Ok(0) => break,
            Ok(_) => {}
            // Enough of a body was read to judge it: a timeout after the
            // start of it is the server being slow, not a failure.
            Err(_) if !buf.is_empty() => break,
            Err(e) => {
                if length == Some(0) {
                    break;
                }
                return Err(e);
            }
        }
    }
    buf.truncate(want);
    Ok(buf)
}

/// Decodes a chunked body (RFC 9112 section 7.1) until its last chunk or
/// [`MAX_BODY`] bytes.
async fn read_chunked<S: AsyncRead + Unpin>(
    env: &Env,
    s: &mut S,
    mut raw: Vec<u8>,
    until: Instant,
) -> Result<Vec<u8>, Lost> {
    let mut body = Vec::new();
    let mut pos = 0usize;
    loop {
        // The chunk-size line.
        let line_end = loop {
            if let Some(i) = raw
                .get(pos..)
                .and_then(|r| r.windows(2).position(|w| w == b"\r\n"))
            {
                break pos + i;
            }
            if raw.len() - pos > 1024 {
                return Err(Lost::new(Reason::Error, "a chunk-size line is too long"));
            }
            if read_more(env, s, &mut raw, until).await? == 0 {
                return Ok(body);
            }
        };
        let line = String::from_utf8_lossy(raw.get(pos..line_end).unwrap_or_default()).into_owned();
        let hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| {
            Lost::new(
                Reason::Error,
                format!("a chunk size is not hex: {}", posture_core::echo(hex)),
            )
        })?;
        pos = line_end + 2;
        if size == 0 {
            return Ok(body);
        }
        let take = size.min(MAX_BODY - body.len());
        while raw.len() < pos + take {
            if read_more(env, s, &mut raw, until).await? == 0 {
                body.extend_from_slice(raw.get(pos..).unwrap_or_default());
                return Ok(body);
            }
        }
        body.extend_from_slice(raw.get(pos..pos + take).unwrap_or_default());
        if body.len() >= MAX_BODY {
            return Ok(body);
        }
        pos += size + 2;
        // Drop what was consumed so memory stays bounded.
        if pos > raw.len() {
            let skip = pos - raw.len();
            raw.clear();
            pos = 0;
            // The rest of a chunk larger than what was read: read past it.
            let mut left = skip;
            while left > 0 {
                let mut chunk = [0u8; 8192];
                let want = left.min(chunk.len());
                let n = match tokio::time::timeout_at(
                    until,
                    s.read(chunk.get_mut(..want).unwrap_or_default()),
                )
                .await
                {
                    Ok(Ok(n)) => n,
                    _ => return Ok(body),
                };
                if n == 0 {
                    return Ok(body);
                }
                left -= n;
            }
        } else {
            raw.drain(..pos);
            pos = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_or_say_why_not() {
        let (status, headers, n) = parse_head(
            b"HTTP/1.1 301 Moved\r\nLocation: https://a.example/\r\nX-Bin: \xff\xfe\r\n\r\nbody",
        )
        .unwrap()
        .unwrap();
        assert_eq!((status, n), (301, 63));
        assert_eq!(headers[0], ("location".into(), "https://a.example/".into()));
        assert_eq!(headers[1].1, "\u{fffd}\u{fffd}");
        assert!(
            parse_head(b"HTTP/1.1 200 OK\r\nA: b\r\n")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            parse_head(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
                .unwrap_err()
                .reason,
            Reason::Error
        );
        let many: String = (0..200).map(|i| format!("H{i}: v\r\n")).collect();
        let r = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
        assert_eq!(parse_head(r.as_bytes()).unwrap_err().reason, Reason::Limit);
    }
}
