//! CI-sized bursts of the fuzz targets: every parser of outside input gets
//! a few thousand random and structured inputs on every test run (the
//! cargo-fuzz targets in `fuzz/` run the same checks for as long as one
//! likes: `scripts/fuzz`).

#![allow(clippy::expect_used)]

use posture_tests::parsers;
use proptest::prelude::*;

/// Bytes biased towards what the parsers look for.
fn tokens(alphabet: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(alphabet).prop_map(|s| s.as_bytes().to_vec()),
            1 => prop::collection::vec(any::<u8>(), 0..4),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

const SPF: &[&str] = &[
    "v=spf1",
    " ",
    "-all",
    "~all",
    "+all",
    "?all",
    "all",
    "ip4:",
    "ip6:",
    "192.0.2.0",
    "/24",
    "/33",
    "::1",
    "2001:db8::",
    "/129",
    "a",
    "mx",
    "ptr",
    "exists:",
    "include:",
    "redirect=",
    "exp=",
    ":",
    "=",
    "example.com",
    "%{d}",
    "%{i}",
    "%{ir}",
    "%{l1r-}",
    "%%",
    "%_",
    "%-",
    "%{",
    "}",
    ".",
    "..",
    "a:",
    "mx:",
    "/",
    "//",
    "-",
    "+",
    "~",
    "?",
    "unknown=",
    "x",
    "\u{e9}",
];

const MACRO: &[&str] = &[
    "%{s}",
    "%{l}",
    "%{o}",
    "%{d}",
    "%{i}",
    "%{p}",
    "%{v}",
    "%{h}",
    "%{c}",
    "%{r}",
    "%{t}",
    "%{S}",
    "%{d2}",
    "%{ir}",
    "%{l-}",
    "%{d0}",
    "%{d999999999}",
    "%{i.-+,/_=}",
    "%%",
    "%_",
    "%-",
    "%",
    "%{",
    "}",
    "%{x}",
    ".",
    "_spf",
    "example",
    "\u{2603}",
];

const DMARC: &[&str] = &[
    "v=DMARC1",
    ";",
    " ",
    "p=",
    "none",
    "quarantine",
    "reject",
    "sp=",
    "pct=",
    "100",
    "0",
    "-1",
    "101",
    "99999999999999999999",
    "rua=",
    "ruf=",
    "mailto:d@example.com",
    ",",
    "=",
    "adkim=",
    "r",
    "s",
    "fo=",
    "1",
    "x=y",
    "v=DMARC2",
];

const DKIM: &[&str] = &[
    "v=DKIM1",
    ";",
    " ",
    "k=",
    "rsa",
    "ed25519",
    "p=",
    "t=y",
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GN",
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMMwiTu",
    "==",
    "=",
    "+",
    "/",
    "A",
    "AAAA",
    "////",
    "h=sha256",
];

const HTTP: &[&str] = &[
    "HTTP/1.1 ",
    "HTTP/1.0 ",
    "HTTP/2 ",
    "200",
    "301",
    "999",
    "1000",
    " OK",
    "\r\n",
    "\n",
    "\r\n\r\n",
    "Location: ",
    "Set-Cookie: a=b; Secure",
    "Content-Length: ",
    "Transfer-Encoding: chunked",
    ":",
    " ",
    "\t",
    "X-\u{fffd}: \u{e9}",
];

const URL: &[&str] = &[
    "http://",
    "https://",
    "HTTPS://",
    "//",
    "/",
    "..",
    ".",
    "?",
    "#",
    "@",
    ":",
    ":65536",
    ":443",
    "[",
    "]",
    "::1",
    "a.example",
    "\n",
    "%2e",
    "javascript:",
    " ",
    "\u{e4}",
];

/// TLS records as a server frames them, with handshake messages inside:
/// well-formed lengths around random contents, so the reader gets past the
/// framing to the messages.
fn tls_records() -> impl Strategy<Value = Vec<u8>> {
    let message = (
        prop::sample::select(vec![1u8, 2, 11, 12, 13, 14, 20, 99]),
        prop::collection::vec(any::<u8>(), 0..120),
    )
        .prop_map(|(t, body)| {
            let mut m = vec![t];
            let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
            m.extend_from_slice(&len[1..]);
            m.extend_from_slice(&body);
            m
        });
    let record = (
        prop::sample::select(vec![0x14u8, 0x15, 0x16, 0x16, 0x16, 0x17, 0x42]),
        prop::sample::select(vec![0x00u8, 0x01, 0x02, 0x03, 0x04]),
        prop::collection::vec(message, 0..4),
    )
        .prop_map(|(t, minor, msgs)| {
            let body = msgs.concat();
            let mut r = vec![t, 3, minor];
            r.extend_from_slice(&u16::try_from(body.len()).unwrap_or(0).to_be_bytes());
            r.extend_from_slice(&body);
            r
        });
    prop::collection::vec(record, 0..5).prop_map(|r| r.concat())
}

/// A real certificate, mutated: bytes flipped, cut short, or grown.
fn certificates() -> impl Strategy<Value = Vec<u8>> {
    let ca = posture_sandbox::TestCa::new("Burst Root").expect("a test CA");
    let leaf = ca
        .issue(&posture_sandbox::CertSpec::new(&["a.example", "b.example"]))
        .expect("a leaf");
    let ders = vec![ca.der().to_vec(), leaf.chain[0].clone()];
    (
        prop::sample::select(ders),
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        any::<Option<usize>>(),
    )
        .prop_map(|(mut der, flips, cut)| {
            for (at, b) in flips {
                let i = at % der.len().max(1);
                if let Some(x) = der.get_mut(i) {
                    *x ^= b;
                }
            }
            if let Some(c) = cut {
                der.truncate(c % (der.len() + 1));
            }
            der
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn http_response_heads(data in prop_oneof![tokens(HTTP), prop::collection::vec(any::<u8>(), 0..300)]) {
        parsers::http_response(&data);
    }

    #[test]
    fn tls_server_answers(data in prop_oneof![tls_records(), prop::collection::vec(any::<u8>(), 0..300)]) {
        parsers::tls_answer(&data);
    }

    #[test]
    fn urls_and_locations(data in prop_oneof![tokens(URL), prop::collection::vec(any::<u8>(), 0..120)]) {
        parsers::url(&data);
    }

    #[test]
    fn txt_decoding(data in prop::collection::vec(any::<u8>(), 0..300)) {
        parsers::txt(&data);
    }

    #[test]
    fn spf_records(data in prop_oneof![tokens(SPF), prop::collection::vec(any::<u8>(), 0..200)]) {
        parsers::spf_record(&data);
    }

    #[test]
    fn spf_macros(data in prop_oneof![tokens(MACRO), prop::collection::vec(any::<u8>(), 0..200)]) {
        parsers::spf_macro(&data);
    }

    #[test]
    fn dmarc_records(data in prop_oneof![tokens(DMARC), prop::collection::vec(any::<u8>(), 0..200)]) {
        parsers::dmarc_record(&data);
    }

    #[test]
    fn dkim_records(data in prop_oneof![tokens(DKIM), prop::collection::vec(any::<u8>(), 0..300)]) {
        parsers::dkim_record(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn certificates_from_servers(der in certificates()) {
        parsers::certificate(&der);
    }
}

/// Web and TLS inputs that once broke something (found by `scripts/fuzz`).
#[test]
fn known_hostile_web_inputs() {
    for raw in [
        &b"HTTP/1.1 031 Moved\r\nLocati: a=b; e\r\n\r\n"[..],
        b"HTTPS://::443#https://",
        b"http://a.example/\n//[::1]:99999/",
        b"\x16\x03\x01\x00\x04\x02\x00\x00\x00",
        b"",
    ] {
        parsers::http_response(raw);
        parsers::url(raw);
        parsers::tls_answer(raw);
        parsers::certificate(raw);
    }
    // A certificate whose notBefore is after its notAfter: trust was judged
    // at a time clamped between the two, which panicked.
    parsers::certificate(include_bytes!(
        "../data/fuzz/certificate-validity-inverted.der"
    ));
}

/// The inputs that once broke something, and close relatives.
#[test]
fn known_hostile_inputs() {
    for raw in [
        &b"v=spf\xff1 -all"[..],
        b"v=spf1 \xc3\x28",
        b"v=spf1 %{d999999999r}",
        b"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}",
        b"v=spf1 ip4:256.0.0.0/8",
        b"v=spf1 redirect=",
        b"v=DMARC1; p=reject; pct=99999999999999999999",
        b"v=DKIM1; p=////////////////////////////////",
        b"",
        b"\xff\xff\xff",
    ] {
        parsers::txt(raw);
        parsers::spf_record(raw);
        parsers::spf_macro(raw);
        parsers::dmarc_record(raw);
        parsers::dkim_record(raw);
    }
}
