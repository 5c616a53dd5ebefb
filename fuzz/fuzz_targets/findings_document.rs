//! The findings-document parser and validator never panic; a document that
//! parses survives a serialise → reparse round trip unchanged, and a valid
//! one scores within bounds. Reading in place (`Assessment::from_json`)
//! gives exactly what reading then validating gives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use posture_core::{Catalog, FindingsDocument};
use posture_score::{PostureV1, ScoringModel};
use rust_decimal::Decimal;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let direct = posture_core::Assessment::from_json(text, &Catalog::builtin());
    let stepwise = FindingsDocument::from_json(text).and_then(|d| d.validate(&Catalog::builtin()));
    match (&direct, &stepwise) {
        (Ok(a), Ok(b)) => assert_eq!(
            (a.organization(), a.as_of(), a.findings(), a.asset_count(), a.assessed_factors(), a.breaches(), a.footprint().size()),
            (b.organization(), b.as_of(), b.findings(), b.asset_count(), b.assessed_factors(), b.breaches(), b.footprint().size()),
        ),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("in place {direct:?} but stepwise {stepwise:?}"),
    }
    let Ok(doc) = FindingsDocument::from_json(text) else { return };
    let again = serde_json::to_string(&doc).expect("a parsed document serialises");
    let reparsed = FindingsDocument::from_json(&again).expect("a serialised document reparses");
    assert_eq!(doc, reparsed);
    if let Ok(a) = doc.validate(&Catalog::builtin()) {
        let card = PostureV1::default().score(&a);
        if let Some(f) = card.fraction {
            assert!(f > Decimal::ZERO && f <= Decimal::ONE, "fraction {f} out of bounds");
        }
    }
});

