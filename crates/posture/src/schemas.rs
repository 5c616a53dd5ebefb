//! JSON Schemas of every wire type, by name.

use schemars::Schema;

/// `(name, schema)` for every type that crosses a process boundary, in a
/// stable order. `posture schema NAME` prints one; the repository commits
/// them all under `schemas/NAME.json`.
///
/// ```
/// let all = posture::wire_schemas();
/// assert!(all.iter().any(|(name, _)| *name == "findings-document"));
/// ```
pub fn wire_schemas() -> Vec<(&'static str, Schema)> {
    vec![
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
    ]
}
