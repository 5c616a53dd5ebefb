//! The parsers of the web, TLS and mail checks, reachable from outside the
//! crate for the fuzzers and the parser bursts (`posture_tests::parsers`).
//! Not a stable API: each function takes any bytes and returns what a test
//! can check.

use posture_core::observe::{CertFact, CertTrust, TlsVersion};

/// A status and its headers (names lower-case).
pub type Head = (u16, Vec<(String, String)>);

/// An HTTP/1.x response head: `Ok(Some((status, headers)))` when complete,
/// `Ok(None)` when more bytes are needed, `Err(reason)` otherwise.
pub fn http_head(data: &[u8]) -> Result<Option<Head>, String> {
    crate::net::http::parse_head_for_tests(data)
}

/// A server's answer to a ClientHello for `version`: `Some(Ok(chain))` when
/// it accepted (with the DER chain it sent), `Some(Err(()))` when it
/// refused, `None` when the bytes decide nothing yet.
pub fn tls_answer(data: &[u8], version: TlsVersion) -> Option<Result<Vec<Vec<u8>>, ()>> {
    match crate::net::legacy::examine(data, version).answer? {
        crate::net::legacy::Answer::Accepted { chain } => Some(Ok(chain)),
        crate::net::legacy::Answer::Refused => Some(Err(())),
    }
}

/// The ClientHello record for `version` (SNI for `host`).
pub fn client_hello(version: TlsVersion, host: Option<&str>) -> Vec<u8> {
    crate::net::legacy::client_hello(version, host)
}

/// A DER certificate described, judged for trust with no anchors, and
/// checked against a name.
pub fn certificate(der: &[u8], name: &str) -> (Option<CertFact>, CertTrust, Option<bool>) {
    let fact = crate::net::tls::describe(der);
    let chain = vec![der.to_vec()];
    let trust = crate::net::tls::Trust::empty().judge(&chain, fact.as_ref());
    let server = crate::net::tls::server_name(Some(name), std::net::Ipv4Addr::LOCALHOST.into());
    (fact, trust, crate::net::tls::name_matches(&chain, &server))
}

/// A `Location` value resolved against `base`: `None` when either is not
/// an http(s) reference the client would follow. The result prints as an
/// absolute URL.
pub fn join_url(base: &str, location: &str) -> Option<String> {
    let b = crate::net::url::Url::parse(base)?;
    b.join(location).map(|u| u.to_string())
}

/// Parses an absolute URL and prints it back.
pub fn url(text: &str) -> Option<String> {
    crate::net::url::Url::parse(text).map(|u| u.to_string())
}
