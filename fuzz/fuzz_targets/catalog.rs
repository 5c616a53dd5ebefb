//! The catalog loader never panics, and a catalog that loads round-trips
//! through its canonical form with the same digest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use posture_core::Catalog;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(c) = Catalog::from_json(text, "fuzz") else { return };
    let canonical = serde_json::to_string(c.issues()).expect("issues serialise");
    let again = Catalog::from_json(&canonical, "fuzz").expect("canonical form reloads");
    assert_eq!(c.digest(), again.digest());
    assert_eq!(c.len(), again.len());
});
