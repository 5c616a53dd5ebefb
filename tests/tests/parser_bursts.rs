//! CI-sized bursts of the fuzz targets: every parser of outside input gets
//! a few thousand random and structured inputs on every test run (the
//! cargo-fuzz targets in `fuzz/` run the same checks for as long as one
//! likes: `scripts/fuzz`).

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

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
