//! `posture_tests::parsers::certificate` under libFuzzer: any bytes, no panic, and
//! the parser's invariants hold (the same check runs in CI as a burst:
//! `tests/tests/parser_bursts.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| posture_tests::parsers::certificate(data));
