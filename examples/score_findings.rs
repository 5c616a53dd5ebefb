//! Host task 1: score a findings document.
//!
//! ```sh
//! cargo run -p posture-examples --example score_findings -- [FILE]
//! ```
//!
//! Reads a findings document (or uses a small embedded one), validates it
//! against the built-in catalog, scores it with the default model, prints
//! the score, the grade and what to fix first, and exits non-zero on bad
//! input with the error's stable code, as a host service would.

use posture::{Catalog, FindingsDocument, Grade, PostureV1, ScoringModel, Target, improve};
use std::process::ExitCode;

const SAMPLE: &str = r#"{
  "organization": "example-corp",
  "as_of": "2026-11-01T00:00:00Z",
  "assets": ["example-corp.example", "www.example-corp.example", "192.0.2.0/29"],
  "findings": [
    {"issue": "service_rdp", "asset": "192.0.2.3",
     "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z", "status": "open"},
    {"issue": "dmarc_policy_none", "asset": "example-corp.example",
     "first_seen": "2026-09-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z", "status": "open"},
    {"issue": "hsts_missing", "asset": "www.example-corp.example",
     "first_seen": "2026-09-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z", "status": "open"}
  ]
}"#;

fn main() -> ExitCode {
    // 1. Get the document text: the host's job (file, queue, database...).
    let text = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(1);
            }
        },
        None => SAMPLE.to_owned(),
    };

    // 2. Parse, then validate against a catalog. Both steps return typed
    //    errors with a stable code and a located message.
    let assessment =
        match FindingsDocument::from_json(&text).and_then(|d| d.validate(Catalog::builtin())) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("bad input ({}): {e}", e.code());
                return ExitCode::from(2);
            }
        };

    // 3. Score with the default model. Scoring is pure and cannot fail.
    let model = PostureV1::default();
    let card = model.score(&assessment);
    match card.score {
        Some(score) => println!("{}: {score} ({})", card.organization, card.grade),
        None => println!("{}: insufficient data", card.organization),
    }
    for factor in card.factors.iter().filter(|f| !f.issues.is_empty()) {
        println!("  {:<22} {}", factor.factor.as_str(), factor.score);
    }

    // 4. Ask the planner what to fix first to reach an A.
    if card.score.is_some() {
        match improve(&model, &assessment, Target::Grade(Grade::A)) {
            Ok(p) => {
                for (i, step) in p.steps.iter().enumerate() {
                    println!(
                        "  step {}: fix {} -> {} ({})",
                        i + 1,
                        step.issue,
                        step.projected_score,
                        step.projected_grade
                    );
                }
            }
            Err(e) => eprintln!("cannot plan: {e}"),
        }
    }
    ExitCode::SUCCESS
}
