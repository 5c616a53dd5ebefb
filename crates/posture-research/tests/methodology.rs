//! Executes the worked examples of `docs/METHODOLOGY.md` section 12 (each
//! comparison model's examples and the figures computed by hand), so the
//! document cannot drift from the code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::{Catalog, FindingsDocument, Grade, IssueType};
use posture_research::metrics::{auc, by_grade, spearman};
use posture_research::registry;
use rust_decimal::Decimal;
use serde_json::Value;
use std::sync::Arc;

fn methodology() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/METHODOLOGY.md"
    ))
    .unwrap()
}

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

/// The page's example catalog (section 6), built-in ids and severities.
fn catalog(md: &str) -> Arc<Catalog> {
    let cat = blocks(md, "json methodology-catalog");
    assert_eq!(cat.len(), 1);
    let issues: Vec<IssueType> = serde_json::from_str(cat[0]).unwrap();
    Arc::new(Catalog::from_issues("methodology".into(), None, issues).unwrap())
}

#[test]
fn every_models_worked_examples_hold() {
    let md = methodology();
    let catalog = catalog(&md);
    let examples = blocks(&md, "json worked-model");
    assert!(examples.len() >= 7, "only {} examples", examples.len());
    let registry = registry();
    let mut models_seen = std::collections::BTreeSet::new();
    for text in examples {
        let ex: Value = serde_json::from_str(text).unwrap();
        let name = ex["name"].as_str().unwrap();
        let id = ex["model"].as_str().unwrap();
        let params = ex.get("params").cloned().unwrap_or(Value::Null);
        let model = registry.build(id, &params).unwrap();
        let doc: FindingsDocument = serde_json::from_value(ex["document"].clone()).unwrap();
        let card = model.score(&doc.validate(&catalog).unwrap());
        let exp = &ex["expected"];
        assert_eq!(
            card.score.map(|s| s.to_string()).as_deref(),
            exp["score"].as_str(),
            "{name}"
        );
        assert_eq!(
            card.grade.as_str(),
            exp["grade"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(card.category.as_deref(), exp["category"].as_str(), "{name}");
        models_seen.insert(id.to_owned());
    }
    // Every comparison baseline has documented examples.
    assert_eq!(
        models_seen.into_iter().collect::<Vec<_>>(),
        [
            "bitsight-like",
            "observatory-additive",
            "scorecard-weighted"
        ]
    );
}

#[test]
fn the_figures_computed_by_hand_hold() {
    let md = methodology();
    let examples = blocks(&md, "json worked-metrics");
    assert!(!examples.is_empty());
    for text in examples {
        let ex: Value = serde_json::from_str(text).unwrap();
        let name = ex["name"].as_str().unwrap();
        let dec = |key: &str| -> Vec<Option<Decimal>> {
            ex[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().map(|s| s.parse().unwrap()))
                .collect()
        };
        let (scores, other) = (dec("scores"), dec("other"));
        let breached: Vec<bool> = serde_json::from_value(ex["breached"].clone()).unwrap();
        let grades: Vec<Grade> = serde_json::from_value(ex["grades"].clone()).unwrap();
        let exp = &ex["expected"];
        assert_eq!(
            auc(&scores, &breached).unwrap().round(4).to_string(),
            exp["auc"].as_str().unwrap(),
            "{name}"
        );
        let rho = spearman(&scores, &other).unwrap();
        assert_eq!(format!("{rho:.4}"), exp["rho"].as_str().unwrap(), "{name}");
        let rows = by_grade(&grades, &breached);
        let a = rows[0];
        let got: Vec<Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!([
                    r.grade.as_str(),
                    r.organizations,
                    r.breached,
                    r.rate().map(|x| x.round(4).to_string()),
                    r.relative_to(&a).map(|x| x.round(2).to_string()),
                ])
            })
            .collect();
        assert_eq!(Value::Array(got), exp["by_grade"], "{name}");
    }
}
