//! Host task 2: scan a domain, classify what was seen, score it.
//!
//! ```sh
//! cargo run -p posture-examples --example scan_domain
//! ```
//!
//! A real host points `ScanPolicy::nameserver` at its resolver (or leaves
//! it `None` for the system resolver). To run offline, this example starts
//! Posture's sandbox DNS server on 127.0.0.1 with a small zone and scans
//! that: nothing leaves loopback.

use posture::signals::{ScanConfig, scan};
use posture::{Catalog, PostureV1, ScoringModel};
use posture_sandbox::{DnsSandbox, RecordValue, World};
use std::process::ExitCode;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    // 1. A zone to scan: SPF soft-fails, DMARC only monitors, no CAA.
    let mut world = World::new();
    world
        .txt("example-corp.example", "v=spf1 ip4:192.0.2.0/24 ~all")
        .txt(
            "_dmarc.example-corp.example",
            "v=DMARC1; p=none; rua=mailto:dmarc@example-corp.example",
        )
        .add(
            "example-corp.example",
            RecordValue::Mx(10, "mail.example-corp.example".into()),
        )
        .add(
            "mail.example-corp.example",
            RecordValue::A(
                "192.0.2.25"
                    .parse()
                    .unwrap_or(std::net::Ipv4Addr::LOCALHOST),
            ),
        );
    let server = match DnsSandbox::start(world).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the sandbox DNS server: {e}");
            return ExitCode::from(1);
        }
    };

    // 2. Collect: every check becomes a signal (detected, clean or
    //    inconclusive, never a guess).
    let mut config = ScanConfig::default();
    config.policy.nameserver = Some(server.addr());
    config.ports = Vec::new(); // no addresses to probe in this example
    let targets = vec!["example-corp.example".to_string()];
    let report = match scan(&targets, &config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("scan refused: {e} ({})", e.code());
            return ExitCode::from(2);
        }
    };

    // 3. Classify: signals to a findings document (pure), then score.
    let now = posture::Timestamp(chrono::Utc::now());
    let catalog = Catalog::builtin();
    let classified = match posture::classify::classify(
        "Example Corp",
        now,
        &report.assets,
        &report.signals,
        &catalog,
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("classification failed: {e}");
            return ExitCode::from(1);
        }
    };
    let card = match classified.document.validate(catalog) {
        Ok(a) => PostureV1::default().score(&a),
        Err(e) => {
            eprintln!("invalid findings: {e}");
            return ExitCode::from(1);
        }
    };
    println!("scanned {} with {} DNS queries", targets[0], report.queries);
    for f in &classified.document.findings {
        println!("  finding: {} on {}", f.issue, f.asset);
    }
    println!(
        "score {} grade {}",
        card.score.map(|s| s.to_string()).unwrap_or_default(),
        card.grade
    );
    ExitCode::SUCCESS
}
