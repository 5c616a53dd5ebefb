//! The portfolio parser, validator and csr-v1 aggregation never panic, and a
//! valid portfolio aggregates within bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use posture_core::Catalog;
use posture_csr::{Aggregation, CsrConfig, CsrV1, Portfolio};
use posture_score::{PostureV1, ScoreConfig};
use rust_decimal::Decimal;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(p) = Portfolio::from_json(text) else { return };
    let Ok(v) = p.validate(&Catalog::builtin()) else { return };
    let csr = CsrV1::new(PostureV1::default(), &ScoreConfig::default(), CsrConfig::default()).expect("defaults are valid");
    let r = csr.aggregate(&v);
    if let Some(f) = r.fraction {
        assert!(f > Decimal::ZERO && f <= Decimal::ONE, "C = {f}");
    }
    assert_eq!(r.priorities.len(), v.domains.len() + v.vendors.len());
});
