//! Host task 3: aggregate a portfolio (own domains and in-use vendors) into
//! a CSR score with priorities.
//!
//! ```sh
//! cargo run -p posture-examples --example aggregate_portfolio
//! ```

use posture::csr::{Aggregation, CsrConfig, CsrV1, Portfolio};
use posture::{Catalog, PostureV1, ScoreConfig};
use std::process::ExitCode;

const PORTFOLIO: &str = r#"{
  "organization": "example-corp", "as_of": "2026-11-01T00:00:00Z",
  "domains": [
    {"domain": "example-corp.example", "assets": ["192.0.2.0/29"], "findings": [
      {"issue": "dmarc_policy_none", "asset": "example-corp.example",
       "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z", "status": "open"}]}
  ],
  "vendors": [
    {"id": "payroll", "name": "Payroll Co", "in_use": true, "criticality": "critical",
     "domains": [{"domain": "payroll.example", "assets": ["198.51.100.7"], "findings": [
       {"issue": "service_rdp", "asset": "198.51.100.7",
        "first_seen": "2026-10-01T00:00:00Z", "last_seen": "2026-10-30T00:00:00Z", "status": "open"}]}],
     "questionnaire_risks": [{"id": "q1:mfa", "title": "MFA not enforced", "severity": "high", "status": "open"}]},
    {"id": "crm", "name": "CRM Inc", "in_use": true, "criticality": "medium",
     "domains": [{"domain": "crm.example", "assets": [], "findings": []}]},
    {"id": "legacy", "name": "Legacy Hosting", "in_use": false, "domains": []}
  ]
}"#;

fn main() -> ExitCode {
    // Parse and validate against the catalog; errors are located
    // (`vendors[0].domains[0].findings[0].asset`) and have stable codes.
    let portfolio =
        match Portfolio::from_json(PORTFOLIO).and_then(|p| p.validate(&Catalog::builtin())) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("bad portfolio ({}): {e}", e.code());
                return ExitCode::from(2);
            }
        };
    // csr-v1 over posture-v1 with the spec's default weights.
    let csr = match CsrV1::new(
        PostureV1::default(),
        &ScoreConfig::default(),
        CsrConfig::default(),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bad parameters: {e}");
            return ExitCode::from(2);
        }
    };
    let result = csr.aggregate(&portfolio);
    println!(
        "CSR {} ({})",
        result
            .csr
            .map(|c| c.to_string())
            .unwrap_or_else(|| "n/a".into()),
        result.grade
    );
    for p in &result.priorities {
        println!("  fix {:<22} +{} points", p.entity, p.gain.round_dp(2));
    }
    println!(
        "vendors with potential security risks: {}",
        result.vendors_with_risks.join(", ")
    );
    ExitCode::SUCCESS
}
