//! JSON Schemas of every wire type, by name.

use schemars::Schema;

/// Keeps a description to its prose: the doc comments that become schema
/// descriptions also carry Rust examples and rustdoc sections (`# Errors`),
/// which mean nothing to a reader of the schema. Everything from the first
/// code fence or heading on is dropped, and so are rustdoc link brackets.
///
/// ```
/// let mut s = posture::json::json!({"description": "A grade.\n\n```\nlet g = 1;\n```", "x": {"description": "See [`Grade`]."}});
/// let mut schema = schemars::Schema::try_from(s).unwrap();
/// posture::clean_descriptions(&mut schema);
/// assert_eq!(schema.get("description").unwrap(), "A grade.");
/// assert_eq!(schema.get("x").unwrap()["description"], "See `Grade`.");
/// ```
pub fn clean_descriptions(schema: &mut Schema) {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(d)) = map.get_mut("description") {
                    *d = prose(d);
                }
                for (_, child) in map.iter_mut() {
                    walk(child);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    if let Some(map) = schema.as_object_mut() {
        if let Some(serde_json::Value::String(d)) = map.get_mut("description") {
            *d = prose(d);
        }
        for (_, child) in map.iter_mut() {
            walk(child);
        }
    }
}

fn prose(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("# ") {
            break;
        }
        kept.push(line);
    }
    kept.join("\n").trim().replace("[`", "`").replace("`]", "`")
}

/// `(name, schema)` for every type that crosses a process boundary, in a
/// stable order. `posture schema NAME` prints one; the repository commits
/// them all under `schemas/NAME.json`.
///
/// ```
/// let all = posture::wire_schemas();
/// assert!(all.iter().any(|(name, _)| *name == "findings-document"));
/// ```
pub fn wire_schemas() -> Vec<(&'static str, Schema)> {
    let mut all = vec![
        (
            "findings-document",
            schemars::schema_for!(posture_core::FindingsDocument),
        ),
        ("catalog", schemars::schema_for!(posture_core::CatalogFile)),
        ("scorecard", schemars::schema_for!(posture_score::Scorecard)),
        (
            "improve-plan",
            schemars::schema_for!(posture_score::Improvement),
        ),
        ("target", schemars::schema_for!(posture_score::Target)),
        ("model-config", schemars::schema_for!(crate::ModelConfig)),
        ("portfolio", schemars::schema_for!(posture_csr::Portfolio)),
        ("csr-result", schemars::schema_for!(posture_csr::CsrResult)),
        (
            "observation",
            schemars::schema_for!(posture_csr::timeline::Observation),
        ),
        (
            "scan-observation",
            schemars::schema_for!(posture_core::observe::Observation),
        ),
        (
            "workflow-command",
            schemars::schema_for!(posture_plan::Command),
        ),
        (
            "workflow-event",
            schemars::schema_for!(posture_plan::Envelope),
        ),
        (
            "workflow-effect",
            schemars::schema_for!(posture_plan::Effect),
        ),
        (
            "workflow-response",
            schemars::schema_for!(posture_plan::Response),
        ),
        (
            "workflow-error",
            schemars::schema_for!(posture_plan::WorkflowError),
        ),
        (
            "plan-view",
            schemars::schema_for!(posture_plan::query::PlanView),
        ),
        (
            "contact-row",
            schemars::schema_for!(posture_plan::query::ContactRow),
        ),
        (
            "insights",
            schemars::schema_for!(posture_plan::query::Insights),
        ),
        (
            "history-entry",
            schemars::schema_for!(posture_plan::query::HistoryEntry),
        ),
        (
            "questionnaire-risk-view",
            schemars::schema_for!(posture_plan::QuestionnaireRiskView),
        ),
    ];
    for (_, s) in &mut all {
        clean_descriptions(s);
    }
    all
}
