//! Every case of the posture-v1 conformance vectors
//! (`shared/testdata/scoring/posture-v1.json`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture::{Catalog, FindingsDocument, PostureV1, ScoringModel};
use posture_core::IssueType;
use rust_decimal::Decimal;
use serde_json::Value;
use std::sync::Arc;

fn tolerance() -> Decimal {
    Decimal::new(1, 9)
}

#[test]
fn every_posture_v1_case_passes() {
    let text = posture_tests::conformance_file("scoring/posture-v1.json");
    let data: Value = serde_json::from_str(&text).unwrap();
    let issues: Vec<IssueType> = serde_json::from_value(data["catalog"].clone()).unwrap();
    let catalog =
        Arc::new(Catalog::from_issues("posture-v1-vectors".into(), None, issues).unwrap());
    let model = PostureV1::default();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 39);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let doc: FindingsDocument = match serde_json::from_value(case["document"].clone()) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{name}: parse: {e}"));
                continue;
            }
        };
        let a = match doc.validate(&catalog) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: validate: {e}"));
                continue;
            }
        };
        let card = model.score(&a);
        let exp = &case["expected"];
        match exp["fraction"].as_str() {
            None => {
                if card.fraction.is_some() || card.score.is_some() {
                    failures.push(format!("{name}: expected no score, got {:?}", card.score));
                }
            }
            Some(f) => {
                let f: Decimal = f.parse().unwrap();
                let got = card.fraction.unwrap_or_default();
                if (got - f).abs() > tolerance() {
                    failures.push(format!("{name}: fraction {got} != {f}"));
                }
                let s: Decimal = exp["score"].as_str().unwrap().parse().unwrap();
                if card.score != Some(s) {
                    failures.push(format!("{name}: score {:?} != {s}", card.score));
                }
            }
        }
        if card.grade.as_str() != exp["grade"].as_str().unwrap() {
            failures.push(format!("{name}: grade {} != {}", card.grade, exp["grade"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn vendored_copy_matches_shared() {
    if let Some(dir) = posture_tests::shared_testdata() {
        for f in ["scoring/posture-v1.json", "scoring/csr-v1.json"] {
            let shared = std::fs::read_to_string(dir.join(f)).unwrap();
            let vendored =
                std::fs::read_to_string(posture_tests::crate_dir().join("data").join(f)).unwrap();
            assert_eq!(
                shared, vendored,
                "tests/data/{f} is stale: copy ../shared/testdata/{f} over it"
            );
        }
    }
}
