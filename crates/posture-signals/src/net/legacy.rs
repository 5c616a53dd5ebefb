//! Raw ClientHellos for the protocol versions rustls will not speak (SSL
//! 3.0, TLS 1.0, TLS 1.1), and for fetching a chain in the clear when the
//! modern handshake fails (TLS 1.2 sends its Certificate unencrypted). The
//! server's records are parsed with `tls-parser`; nothing past the
//! ServerHelloDone is read and no key exchange is made.

use super::{Lost, timed_out};
use crate::checks::Env;
use posture_core::observe::{Reason, TlsVersion};
use tls_parser::{TlsMessage, TlsMessageHandshake, TlsRecordType};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// The most bytes read from a server answering one ClientHello.
const MAX_READ: usize = 64 * 1024;

/// What a server did with a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// A ServerHello of the version offered; the chain it then sent (DER,
    /// leaf first), when it did before the ServerHelloDone.
    Accepted { chain: Vec<Vec<u8>> },
    /// An alert, a close, or a ServerHello of another version.
    Refused,
}

/// The wire version of a protocol.
fn wire(v: TlsVersion) -> u16 {
    match v {
        TlsVersion::Ssl3 => 0x0300,
        TlsVersion::Tls10 => 0x0301,
        TlsVersion::Tls11 => 0x0302,
        TlsVersion::Tls12 => 0x0303,
        TlsVersion::Tls13 => 0x0304,
    }
}

/// Cipher suites offered: the legacy ones servers of those versions speak
/// (RSA and ECDHE key exchange, AES-CBC, 3DES, RC4), the TLS 1.2 AEAD ones,
/// and the renegotiation SCSV.
const SUITES: &[u16] = &[
    0xc02b, 0xc02f, 0xc02c, 0xc030, 0x009e, 0x009f, 0x009c, 0x009d, 0xc023, 0xc027, 0xc024, 0xc028,
    0x003c, 0x003d, 0x0067, 0x006b, 0xc009, 0xc013, 0xc00a, 0xc014, 0x0033, 0x0039, 0x002f, 0x0035,
    0xc012, 0xc008, 0x0016, 0x000a, 0xc011, 0xc007, 0x0005, 0x0004, 0x00ff,
];

fn push_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends `body` prefixed by its length in `width` bytes (2 or 3).
fn push_vec(out: &mut Vec<u8>, width: usize, body: &[u8]) {
    let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
    out.extend_from_slice(len.get(4 - width..).unwrap_or(&len));
    out.extend_from_slice(body);
}

/// A ClientHello record offering exactly `version` (and below, as any
/// client does), with SNI for `host` when it is a name.
pub(crate) fn client_hello(version: TlsVersion, host: Option<&str>) -> Vec<u8> {
    let mut hello = Vec::with_capacity(256);
    push_u16(&mut hello, wire(version));
    // The random: any 32 bytes do for a probe that never completes; time
    // and the host vary it so servers do not see one fixed value.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut x = (seed as u64) ^ 0x9e37_79b9_7f4a_7c15;
    for _ in 0..4 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        hello.extend_from_slice(&x.to_be_bytes());
    }
    hello.push(0); // no session id
    let mut suites = Vec::with_capacity(SUITES.len() * 2);
    for s in SUITES {
        push_u16(&mut suites, *s);
    }
    push_vec(&mut hello, 2, &suites);
    hello.extend_from_slice(&[1, 0]); // compression: null only
    if version != TlsVersion::Ssl3 {
        let mut ext = Vec::new();
        if let Some(h) = host.filter(|h| h.parse::<std::net::IpAddr>().is_err()) {
            // server_name: list of one host_name.
            let mut name = vec![0u8];
            push_vec(&mut name, 2, h.as_bytes());
            let mut list = Vec::new();
            push_vec(&mut list, 2, &name);
            push_u16(&mut ext, 0);
            push_vec(&mut ext, 2, &list);
        }
        // supported_groups: x25519, P-256, P-384, P-521.
        push_u16(&mut ext, 10);
        push_vec(&mut ext, 2, &[0, 8, 0, 29, 0, 23, 0, 24, 0, 25]);
        // ec_point_formats: uncompressed.
        push_u16(&mut ext, 11);
        push_vec(&mut ext, 2, &[1, 0]);
        if version == TlsVersion::Tls12 {
            // signature_algorithms (RFC 5246 section 7.4.1.4.1).
            let algs: &[u16] = &[
                0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0203,
            ];
            let mut a = Vec::new();
            for x in algs {
                push_u16(&mut a, *x);
            }
            let mut body = Vec::new();
            push_vec(&mut body, 2, &a);
            push_u16(&mut ext, 13);
            push_vec(&mut ext, 2, &body);
        }
        push_vec(&mut hello, 2, &ext);
    }
    let mut handshake = vec![1u8]; // client_hello
    push_vec(&mut handshake, 3, &hello);
    let mut record = vec![0x16];
    // The record layer says TLS 1.0 (SSL 3.0 for an SSL 3.0 hello), as
    // clients do for compatibility.
    push_u16(
        &mut record,
        if version == TlsVersion::Ssl3 {
            0x0300
        } else {
            0x0301
        },
    );
    push_vec(&mut record, 2, &handshake);
    record
}

/// What the bytes a server sent so far say: a decided [`Answer`], or not
/// yet (with whether a ServerHello of the version was seen, and the chain
/// read so far).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Examined {
    pub answer: Option<Answer>,
    pub accepted: bool,
    pub chain: Vec<Vec<u8>>,
}

/// Reads a server's answer to a ClientHello for `version` from the bytes
/// it sent (any bytes: records are reassembled, handshake messages may span
/// records, nothing is trusted). Pure, so the fuzzers can reach it.
pub(crate) fn examine(buf: &[u8], version: TlsVersion) -> Examined {
    let mut out = Examined {
        answer: None,
        accepted: false,
        chain: Vec::new(),
    };
    let mut rest = buf;
    let mut handshake: Vec<u8> = Vec::new();
    while let Ok((after, hdr)) = tls_parser::parse_tls_record_header(rest) {
        let len = usize::from(hdr.len);
        let Some(body) = after.get(..len) else { break };
        match hdr.record_type {
            TlsRecordType::Alert => {
                out.answer = Some(Answer::Refused);
                return out;
            }
            TlsRecordType::Handshake => handshake.extend_from_slice(body),
            // Anything else before the hello is done is not a server of
            // that version.
            _ => {
                out.answer = Some(Answer::Refused);
                return out;
            }
        }
        rest = after.get(len..).unwrap_or_default();
    }
    let mut h: &[u8] = &handshake;
    loop {
        match tls_parser::parse_tls_message_handshake(h) {
            Ok((next, msg)) => {
                match msg {
                    TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)) => {
                        if sh.version.0 != wire(version) {
                            out.answer = Some(Answer::Refused);
                            return out;
                        }
                        out.accepted = true;
                    }
                    TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)) => {
                        out.chain = c
                            .cert_chain
                            .iter()
                            .take(super::tls::MAX_CHAIN)
                            .map(|x| x.data.to_vec())
                            .collect();
                    }
                    TlsMessage::Handshake(TlsMessageHandshake::ServerDone(_)) => {
                        out.answer = Some(finish(out.accepted, out.chain.clone()));
                        return out;
                    }
                    _ if !out.accepted => {
                        out.answer = Some(Answer::Refused);
                        return out;
                    }
                    _ => {}
                }
                h = next;
            }
            Err(tls_parser::Err::Incomplete(_)) => return out,
            Err(_) => {
                // A message tls-parser does not know: skip it by its
                // length (type, u24 length, body).
                let Some(len) = handshake_len(h) else {
                    return out;
                };
                let Some(next) = h.get(4 + len..) else {
                    return out;
                };
                if !out.accepted {
                    out.answer = Some(Answer::Refused);
                    return out;
                }
                h = next;
            }
        }
    }
}

/// Sends a ClientHello for `version` on `stream` and reads the answer until
/// the ServerHelloDone, an alert, a close or `until`.
pub(crate) async fn probe<S>(
    env: &Env,
    stream: &mut S,
    version: TlsVersion,
    host: Option<&str>,
    until: Instant,
) -> Result<Answer, Lost>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let hello = client_hello(version, host);
    super::step(
        env,
        until,
        "sending a ClientHello",
        stream.write_all(&hello),
    )
    .await?;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        let seen = examine(&buf, version);
        if let Some(a) = seen.answer {
            return Ok(a);
        }
        if buf.len() > MAX_READ {
            return Ok(finish(seen.accepted, seen.chain));
        }
        let mut chunk = [0u8; 4096];
        let read = tokio::time::timeout_at(until, stream.read(&mut chunk)).await;
        match read {
            Ok(Ok(0)) => return Ok(finish(seen.accepted, seen.chain)),
            Ok(Ok(n)) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            // A reset after the hello: the server would not speak it.
            Ok(Err(_)) => return Ok(finish(seen.accepted, seen.chain)),
            Err(_) if seen.accepted => return Ok(finish(seen.accepted, seen.chain)),
            Err(_) => {
                let mut lost = timed_out(env, "waiting for a ServerHello");
                if lost.reason == Reason::Timeout {
                    lost.detail = format!("{} ({version} probe)", lost.detail);
                }
                return Err(lost);
            }
        }
    }
}

fn handshake_len(h: &[u8]) -> Option<usize> {
    let b = h.get(1..4)?;
    Some(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
}

fn finish(accepted: bool, chain: Vec<Vec<u8>>) -> Answer {
    if accepted {
        Answer::Accepted { chain }
    } else {
        Answer::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hellos parse as ClientHellos of the version offered, with SNI.
    #[test]
    fn hellos_are_well_formed() {
        for v in [
            TlsVersion::Ssl3,
            TlsVersion::Tls10,
            TlsVersion::Tls11,
            TlsVersion::Tls12,
        ] {
            let r = client_hello(v, Some("www.example.com"));
            let (rest, p) = tls_parser::parse_tls_plaintext(&r).unwrap();
            assert!(rest.is_empty());
            let Some(TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch))) = p.msg.first()
            else {
                panic!("{v}: not a ClientHello");
            };
            assert_eq!(ch.version.0, wire(v));
            assert_eq!(ch.ciphers.len(), SUITES.len());
            let ext = ch.ext.unwrap_or_default();
            if v == TlsVersion::Ssl3 {
                assert!(ext.is_empty());
            } else {
                let (_, exts) = tls_parser::parse_tls_client_hello_extensions(ext).unwrap();
                assert!(exts.iter().any(|e| matches!(
                    e,
                    tls_parser::TlsExtension::SNI(names)
                        if names.first().map(|n| n.1) == Some(&b"www.example.com"[..])
                )));
            }
        }
    }
}
