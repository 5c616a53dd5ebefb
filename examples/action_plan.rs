//! Host task 4: run an action plan against a durable store.
//!
//! ```sh
//! cargo run -p posture-examples --example action_plan [STORE.sqlite]
//! ```
//!
//! The host registers organisations and users, a requester creates and
//! sends a plan, the vendor marks an item fixed, the host performs the
//! rescan the core asked for (an effect) and records the outcome.

use posture::plan_workflow::{Command, Effect, HOST, Request, Response, Store, query};
use posture::{Catalog, Timestamp};
use std::process::ExitCode;

fn req(actor: &str, json: &str) -> Option<Request> {
    let command: Command = serde_json::from_str(json).ok()?;
    Some(Request {
        actor: actor.to_owned(),
        at: Timestamp(chrono::Utc::now()),
        command,
    })
}

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
    let script = [
        (
            HOST,
            r#"{"type":"register_organization","org":"acme","name":"Acme","domains":["acme.example"]}"#,
        ),
        (
            HOST,
            r#"{"type":"register_organization","org":"pay","name":"Payroll Co","domains":["pay.example"]}"#,
        ),
        (
            HOST,
            r#"{"type":"register_user","user":"alice","org":"acme","name":"Alice","email":"alice@acme.example"}"#,
        ),
        (
            HOST,
            r#"{"type":"register_user","user":"victor","org":"pay","name":"Victor","email":"victor@pay.example"}"#,
        ),
        (
            "alice",
            r#"{"type":"create_plan","plan":"p1","vendor":"pay","assignee":"victor","title":"Fix e-mail authentication","target":{"grade":"B"},"due":"2026-12-31T00:00:00Z"}"#,
        ),
        (
            "alice",
            r#"{"type":"add_plan_item","plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}"#,
        ),
        ("alice", r#"{"type":"send_plan","plan":"p1"}"#),
        ("victor", r#"{"type":"mark_fixed","plan":"p1","item":"i1"}"#),
    ];
    let Some(batch) = script
        .iter()
        .map(|(a, j)| req(a, j))
        .collect::<Option<Vec<_>>>()
    else {
        eprintln!("a scripted command does not parse");
        return ExitCode::from(1);
    };
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
        let json = format!(
            r#"{{"type":"record_rescan","plan":"{plan}","item":"{item}","outcome":"clean"}}"#
        );
        let Some(r) = req(HOST, &json) else {
            return ExitCode::from(1);
        };
        if let Err(e) = store.run_batch(&[r]) {
            eprintln!("store: {e}");
            return ExitCode::from(1);
        }
    }
    match query::plan_view(
        store.state(),
        &Catalog::builtin(),
        "alice",
        "p1",
        Timestamp(chrono::Utc::now()),
    ) {
        Ok(v) => println!(
            "plan p1: {}/{} verified",
            v.progress.verified, v.progress.total
        ),
        Err(e) => println!("{e}"),
    }
    ExitCode::SUCCESS
}
