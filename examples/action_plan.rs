//! Host task 4: run an action plan against a durable store.
//!
//! ```sh
//! cargo run -p posture-examples --example action_plan [STORE.sqlite]
//! ```
//!
//! The host registers organisations and users, a requester creates and
//! sends a plan, the vendor marks an item fixed, the host performs the
//! rescan the core asked for (an effect) and records the outcome.

use posture::plan_workflow::{Effect, HOST, query};
use posture::{Catalog, Command, Grade, Outcome, PlanTarget, Request, Response, Store, Timestamp};
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("posture-example-{}.sqlite", std::process::id()))
        });
    let mut store = match Store::open(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return ExitCode::from(1);
        }
    };
    let Ok(due) = "2026-12-31T00:00:00Z".parse::<Timestamp>() else {
        return ExitCode::from(1);
    };
    // Commands are typed: the compiler checks every field.
    let script = [
        (
            HOST,
            Command::register_organization("acme", "Acme", ["acme.example"]),
        ),
        (
            HOST,
            Command::register_organization("pay", "Payroll Co", ["pay.example"]),
        ),
        (
            HOST,
            Command::register_user("alice", "acme", "Alice", "alice@acme.example"),
        ),
        (
            HOST,
            Command::register_user("victor", "pay", "Victor", "victor@pay.example"),
        ),
        (
            "alice",
            Command::create_plan(
                "p1",
                "pay",
                "victor",
                "Fix e-mail authentication",
                PlanTarget::grade(Grade::B),
                due,
            ),
        ),
        (
            "alice",
            Command::add_plan_item("p1", "i1", "spf_missing", "pay.example"),
        ),
        ("alice", Command::send_plan("p1")),
        ("victor", Command::mark_fixed("p1", "i1")),
    ];
    let now = Timestamp::now();
    let batch: Vec<Request> = script
        .into_iter()
        .map(|(actor, command)| Request::new(actor, now, command))
        .collect();
    // One durable group commit; each response is an acknowledgement.
    let responses = match store.run_batch(&batch) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("store: {e}");
            return ExitCode::from(1);
        }
    };
    let mut rescans = Vec::new();
    for r in &responses {
        match r {
            Response::Ok { effects, .. } => {
                for e in effects {
                    match e {
                        Effect::Rescan {
                            plan,
                            item,
                            issue,
                            asset,
                            ..
                        } => {
                            rescans.push((plan.clone(), item.clone(), issue.clone(), asset.clone()))
                        }
                        Effect::Email { template, to, .. } => {
                            println!("host sends e-mail `{template}` to {to}")
                        }
                        _ => {}
                    }
                }
            }
            Response::Err { error, .. } => println!("refused: {error}"),
        }
    }
    // The host performs each rescan (here: pretend the check came out clean)
    // and records the outcome.
    for (plan, item, issue, asset) in rescans {
        println!("host rescans {issue} on {asset}");
        let record = Command::record_rescan(plan, item, Outcome::Clean);
        if let Err(e) = store.run_batch(&[Request::new(HOST, Timestamp::now(), record)]) {
            eprintln!("store: {e}");
            return ExitCode::from(1);
        }
    }
    match query::plan_view(
        store.state(),
        &Catalog::builtin(),
        "alice",
        "p1",
        Timestamp::now(),
    ) {
        Ok(v) => println!(
            "plan p1: {}/{} verified",
            v.progress.verified, v.progress.total
        ),
        Err(e) => println!("{e}"),
    }
    ExitCode::SUCCESS
}
