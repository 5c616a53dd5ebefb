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
