//! Executes every worked example of `docs/METHODOLOGY.md`, so the document
//! cannot drift from the code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture::{Catalog, FindingsDocument, PostureV1, ScoringModel, Target, improve};
use posture_core::IssueType;
use rust_decimal::Decimal;
use serde_json::Value;
use std::sync::Arc;

/// The fenced blocks of a given info string.
fn blocks<'a>(md: &'a str, info: &str) -> Vec<&'a str> {
    let fence = format!("```{info}\n");
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(i) = rest.find(&fence) {
        let body = &rest[i + fence.len()..];
        let end = body.find("\n```").unwrap();
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

fn setup() -> (String, Arc<Catalog>) {
    let md =
        std::fs::read_to_string(posture_tests::repo_root().join("docs/METHODOLOGY.md")).unwrap();
    let cat = blocks(&md, "json methodology-catalog");
    assert_eq!(cat.len(), 1);
    let issues: Vec<IssueType> = serde_json::from_str(cat[0]).unwrap();
    // The worked examples use built-in ids with their built-in severities.
    let builtin = Catalog::builtin();
    for it in &issues {
        let (_, b) = builtin
            .get(&it.id)
            .unwrap_or_else(|| panic!("{} is not a built-in id", it.id));
        assert_eq!(
            (b.factor, b.severity),
            (it.factor, it.severity),
            "{} differs from the built-in catalog",
            it.id
        );
    }
    (
        md.clone(),
        Arc::new(Catalog::from_issues("methodology".into(), None, issues).unwrap()),
    )
}

#[test]
fn worked_examples_hold() {
    let (md, catalog) = setup();
    let examples = blocks(&md, "json worked-example");
    assert!(
        examples.len() >= 5,
        "only {} worked examples",
        examples.len()
    );
    let model = PostureV1::default();
    for text in examples {
        let ex: Value = serde_json::from_str(text).unwrap();
        let name = ex["name"].as_str().unwrap();
        let doc: FindingsDocument = serde_json::from_value(ex["document"].clone()).unwrap();
        let card = model.score(&doc.validate(&catalog).unwrap());
        let exp = &ex["expected"];
        match exp["fraction"].as_str() {
            Some(f) => {
                let f: Decimal = f.parse().unwrap();
                let got = card.fraction.unwrap();
                assert!(
                    (got - f).abs() < Decimal::new(1, 11),
                    "{name}: fraction {got} vs documented {f}"
                );
            }
            None => assert!(card.fraction.is_none(), "{name}: expected no fraction"),
        }
        assert_eq!(
            card.score.map(|s| s.to_string()),
            exp["score"].as_str().map(str::to_owned),
            "{name}"
        );
        assert_eq!(
            card.grade.as_str(),
            exp["grade"].as_str().unwrap(),
            "{name}"
        );
        if let Some(l) = exp["breach_likelihood"].as_str() {
            assert_eq!(card.breach_likelihood.unwrap().to_string(), l, "{name}");
        }
    }
}

#[test]
fn worked_plans_hold() {
    let (md, catalog) = setup();
    let plans = blocks(&md, "json worked-plan");
    assert!(!plans.is_empty());
    let model = PostureV1::default();
    for text in plans {
        let ex: Value = serde_json::from_str(text).unwrap();
        let name = ex["name"].as_str().unwrap();
        let doc: FindingsDocument = serde_json::from_value(ex["document"].clone()).unwrap();
        let target: Target = serde_json::from_value(ex["target"].clone()).unwrap();
        let p = improve(&model, &doc.validate(&catalog).unwrap(), target).unwrap();
        let exp = &ex["expected"];
        assert_eq!(p.reachable, exp["reachable"].as_bool().unwrap(), "{name}");
        let steps: Vec<&str> = p.steps.iter().map(|s| s.issue.as_str()).collect();
        let want: Vec<&str> = exp["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(steps, want, "{name}");
        let scores: Vec<String> = p
            .steps
            .iter()
            .map(|s| s.projected_score.to_string())
            .collect();
        let want: Vec<String> = exp["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(scores, want, "{name}");
        assert_eq!(
            p.final_grade.as_str(),
            exp["final_grade"].as_str().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn worked_portfolios_hold() {
    use posture_csr::{Aggregation, CsrConfig, CsrV1, Portfolio};
    let (md, catalog) = setup();
    let examples = blocks(&md, "json worked-portfolio");
    assert!(!examples.is_empty());
    let csr = CsrV1::new(
        PostureV1::default(),
        &posture_score::ScoreConfig::default(),
        CsrConfig::default(),
    )
    .unwrap();
    for text in examples {
        let ex: Value = serde_json::from_str(text).unwrap();
        let name = ex["name"].as_str().unwrap();
        let p: Portfolio = serde_json::from_value(ex["portfolio"].clone()).unwrap();
        let r = csr.aggregate(&p.validate(&catalog).unwrap());
        let exp = &ex["expected"];
        let f: Decimal = exp["fraction"].as_str().unwrap().parse().unwrap();
        assert!(
            (r.fraction.unwrap() - f).abs() < Decimal::new(1, 6),
            "{name}: {:?} vs {f}",
            r.fraction
        );
        assert_eq!(
            r.csr.unwrap().to_string(),
            exp["csr"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(r.grade.as_str(), exp["grade"].as_str().unwrap(), "{name}");
        let got: Vec<(String, String)> = r
            .priorities
            .iter()
            .map(|p| {
                let mut g = p.gain.round_dp(2);
                g.rescale(2);
                (p.entity.clone(), g.to_string())
            })
            .collect();
        let want: Vec<(String, String)> =
            serde_json::from_value(exp["priorities"].clone()).unwrap();
        assert_eq!(got, want, "{name}");
        let vr: Vec<String> = serde_json::from_value(exp["vendors_with_risks"].clone()).unwrap();
        assert_eq!(r.vendors_with_risks, vr, "{name}");
    }
}
