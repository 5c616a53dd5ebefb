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

use posture::host::{Scanner, blocking};
use posture_sandbox::{DnsSandbox, RecordValue, World};
use std::process::ExitCode;

fn main() -> ExitCode {
    // A host without a runtime of its own: the blocking twins run one.
    let rt = match blocking::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::from(1);
        }
    };
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
    // The sandbox DNS server runs on the runtime's threads.
    let server = match rt.block_on(DnsSandbox::start(world)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the sandbox DNS server: {e}");
            return ExitCode::from(1);
        }
    };

    // 2. Collect, classify, score through the host API: every check is a
    //    typed fact or inconclusive (never a guess), the rules turn facts
    //    into findings, the model scores them.
    let mut scanner = Scanner::default();
    scanner.config.policy.nameserver = Some(server.addr());
    scanner.config.ports = Vec::new(); // no addresses to probe in this example
    // Connections (web, TLS, mail checks) stay on loopback, where the
    // sandbox is.
    scanner.config.policy.connect_within = "127.0.0.0/8".parse().ok().map(|n| vec![n]);
    let targets = vec!["example-corp.example".to_string()];
    let out = match rt.block_on(scanner.scan(&targets, "Example Corp")) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("scan refused: {e} ({})", e.code());
            return ExitCode::from(2);
        }
    };
    let (classified, card, queries) = (out.classification, out.scorecard, out.queries);
    println!("scanned {} with {} DNS queries", targets[0], queries);
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
