//! What every parser of outside input must survive: any bytes. One function
//! per parser, shared by the cargo-fuzz targets (`fuzz/`) and by the
//! CI-sized bursts in `tests/tests/parser_bursts.rs`, so CI runs the very
//! checks the fuzzers run.
//!
//! Each function takes arbitrary bytes, must not panic, and asserts what
//! must hold of what the parser returns.

use posture::signals::{decode_txt, dkim, dmarc, spf};

/// Text from fuzz bytes the way the collector makes it from a TXT record.
fn text(data: &[u8]) -> String {
    decode_txt([data])
}

/// TXT decoding: any character-strings concatenate to well-formed text
/// (invalid UTF-8 replaced), and every reader of TXT text accepts it.
pub fn txt(data: &[u8]) {
    // Split at 0xFF into character-strings, as a record may carry several.
    let parts: Vec<&[u8]> = data.split(|b| *b == 0xff).collect();
    let t = decode_txt(parts.iter().copied());
    let joined: Vec<u8> = parts.concat();
    assert_eq!(t, String::from_utf8_lossy(&joined));
    // Everything that reads TXT text takes it without panicking.
    let _ = spf::is_spf1(&t);
    let _ = spf::parse_record(&t);
    let _ = dmarc::parse(&t);
    let _ = dkim::parse(&t);
}

/// SPF records: parsing never panics, and a parsed record's terms print
/// back to text that parses to the same record.
pub fn spf_record(data: &[u8]) {
    let t = text(data);
    let Ok(r) = spf::parse_record(&t) else { return };
    let printed = std::iter::once("v=spf1".to_owned())
        .chain(r.terms.iter().map(ToString::to_string))
        .collect::<Vec<_>>()
        .join(" ");
    let again = spf::parse_record(&printed)
        .unwrap_or_else(|e| panic!("{t:?} printed as {printed:?} does not reparse: {e}"));
    assert_eq!(again, r, "{t:?} → {printed:?}");
    let _ = (r.all_qualifier(), r.uses_ptr(), r.redirect(), r.exp());
}

/// SPF macro-strings: parsing and expansion never panic, as a domain spec
/// and as an explanation, for IPv4 and IPv6 clients.
pub fn spf_macro(data: &[u8]) {
    let t = text(data);
    for ip in ["192.0.2.3", "2001:db8::cb01"] {
        let req = spf::SpfRequest {
            ip: ip.parse().expect("a literal address"),
            sender: "strong-bad@email.example.com",
            helo: "mx.example.org",
            receiver: "posture",
        };
        for explanation in [false, true] {
            if let Ok(out) = spf::expand_macros(&t, &req, "email.example.com", explanation) {
                // Expansion only grows by what macros and escapes add.
                assert!(out.len() <= t.len() * 3 * 256 + 1024, "{t:?}");
            }
        }
    }
}

/// DMARC records: parsing never panics; a valid record's percentage is at
/// most 100 and it prints.
pub fn dmarc_record(data: &[u8]) {
    let t = text(data);
    if let Ok(r) = dmarc::parse(&t) {
        assert!(r.pct <= 100, "{t:?}");
        let _ = r.to_string();
    }
    let _ = dmarc::organizational_domain(&t);
}

/// DKIM key records: parsing never panics; an RSA key has a size.
pub fn dkim_record(data: &[u8]) {
    let t = text(data);
    if let Ok(dkim::DkimKey::Rsa(bits)) = dkim::parse(&t) {
        assert!(bits > 0 && bits as usize <= 8 * t.len(), "{t:?}: {bits}");
    }
}

/// HTTP response heads (what a web server sends before its body): parsing
/// never panics, a complete head has a three-digit status and lower-case
/// header names, and a head cut short is either incomplete or the same
/// error (never a different status).
pub fn http_response(data: &[u8]) {
    use posture::signals::fuzzing::http_head;
    let whole = http_head(data);
    if let Ok(Some((status, headers))) = &whole {
        assert!((100..=999).contains(status), "{status}");
        for (n, _) in headers {
            assert_eq!(*n, n.to_ascii_lowercase());
        }
        // Every prefix is incomplete or an error, or the same head.
        for cut in [data.len() / 2, data.len().saturating_sub(1)] {
            if let Ok(Some((s, _))) = http_head(data.get(..cut).unwrap_or_default()) {
                assert_eq!(s, *status, "{data:?}");
            }
        }
    }
}

/// A server's answer to a legacy ClientHello: reading it never panics for
/// any version, a chain has at most 10 certificates, and an answer that is
/// itself a ClientHello is never read as acceptance.
pub fn tls_answer(data: &[u8]) {
    use posture::signals::fuzzing::{client_hello, tls_answer};
    use posture_core::observe::TlsVersion;
    for v in TlsVersion::ALL {
        if let Some(Ok(chain)) = tls_answer(data, *v) {
            assert!(chain.len() <= 10);
        }
        let hello = client_hello(*v, Some("a.example"));
        assert!(!matches!(tls_answer(&hello, *v), Some(Ok(_))));
    }
}

/// Certificates (DER from a server): description, trust without anchors
/// and the name check never panic; with no anchors nothing is trusted; what
/// is described is bounded.
pub fn certificate(data: &[u8]) {
    use posture::signals::fuzzing::certificate;
    use posture_core::observe::CertTrust;
    let (fact, trust, _) = certificate(data, "a.example");
    assert_ne!(trust, CertTrust::Trusted);
    if let Some(c) = fact {
        assert!(c.names.len() <= 100);
        assert!(c.subject.chars().count() <= 512 && c.issuer.chars().count() <= 512);
    } else {
        assert_eq!(trust, CertTrust::Unknown);
    }
}

/// URLs and `Location` values: parsing and joining never panic, what they
/// print parses back to itself, and a join never leaves http(s).
pub fn url(data: &[u8]) {
    use posture::signals::fuzzing::{join_url, url};
    let t = String::from_utf8_lossy(data);
    let (base, loc) = t.split_once('\n').unwrap_or(("http://a.example/b/c", &t));
    for s in [base, loc] {
        if let Some(printed) = url(s) {
            assert_eq!(url(&printed).as_deref(), Some(printed.as_str()), "{s:?}");
        }
    }
    if let Some(joined) = join_url(base, loc) {
        assert!(joined.starts_with("http://") || joined.starts_with("https://"));
        assert_eq!(
            url(&joined).as_deref(),
            Some(joined.as_str()),
            "{base:?} + {loc:?}"
        );
    }
}
