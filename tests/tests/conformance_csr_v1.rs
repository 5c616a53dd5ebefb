//! Every case of the csr-v1 conformance vectors
//! (`shared/testdata/scoring/csr-v1.json`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture::Catalog;
use posture_core::IssueType;
use posture_csr::{Aggregation, CsrConfig, CsrV1, Portfolio};
use posture_score::{PostureV1, ScoreConfig};
use rust_decimal::Decimal;
use serde_json::Value;
use std::sync::Arc;

#[test]
fn every_csr_v1_case_passes() {
    let text = posture_tests::conformance_file("scoring/csr-v1.json");
    let data: Value = serde_json::from_str(&text).unwrap();
    let issues: Vec<IssueType> = serde_json::from_value(data["catalog"].clone()).unwrap();
    let catalog = Arc::new(Catalog::from_issues("csr-v1-vectors".into(), None, issues).unwrap());
    let csr = CsrV1::new(
        PostureV1::default(),
        &ScoreConfig::default(),
        CsrConfig::default(),
    )
    .unwrap();
    let mut failures = Vec::new();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let p: Portfolio = match serde_json::from_value(case["portfolio"].clone()) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: parse: {e}"));
                continue;
            }
        };
        let v = match p.validate(&catalog) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: validate: {e}"));
                continue;
            }
        };
        let r = csr.aggregate(&v);
        let exp = &case["expected"];
        match exp["fraction"].as_str() {
            None => {
                if r.fraction.is_some() || r.csr.is_some() {
                    failures.push(format!(
                        "{name}: expected insufficient data, got {:?}",
                        r.csr
                    ));
                }
            }
            Some(f) => {
                let f: Decimal = f.parse().unwrap();
                let got = r.fraction.unwrap_or_default();
                if (got - f).abs() > Decimal::new(1, 9) {
                    failures.push(format!("{name}: fraction {got} != {f}"));
                }
                let c: Decimal = exp["csr"].as_str().unwrap().parse().unwrap();
                if r.csr != Some(c) {
                    failures.push(format!("{name}: csr {:?} != {c}", r.csr));
                }
            }
        }
        if r.grade.as_str() != exp["grade"].as_str().unwrap() {
            failures.push(format!("{name}: grade {} != {}", r.grade, exp["grade"]));
        }
        let want = exp["priorities"].as_array().unwrap();
        if want.len() != r.priorities.len() {
            failures.push(format!(
                "{name}: {} priorities, expected {}",
                r.priorities.len(),
                want.len()
            ));
            continue;
        }
        for (got, want) in r.priorities.iter().zip(want) {
            let wg: Decimal = want["gain"].as_str().unwrap().parse().unwrap();
            if got.entity != want["entity"].as_str().unwrap()
                || serde_json::to_value(got.kind).unwrap() != want["kind"]
                || (got.gain - wg).abs() > Decimal::new(1, 7)
            {
                failures.push(format!("{name}: priority {:?} != {want}", got));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
