//! The layering rules ARCHITECTURE.md states, checked on the source tree:
//! signals name no catalog issue, classify links neither tokio nor
//! hickory, and the research harness reaches neither files, network,
//! clock nor environment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use posture_core::Catalog;
use posture_tests::repo_root;
use std::path::{Path, PathBuf};
use std::process::Command;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every quoted catalog id found in `text`, outside `#[cfg(test)]` modules
/// (which start a file's test-only tail in this code base).
fn quoted_ids<'a>(text: &str, ids: &'a [String]) -> Vec<&'a str> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    ids.iter()
        .filter(|id| code.contains(&format!("\"{id}\"")))
        .map(String::as_str)
        .collect()
}

#[test]
fn signals_name_no_catalog_issue() {
    let ids: Vec<String> = Catalog::builtin()
        .issues()
        .iter()
        .map(|i| i.id.to_string())
        .collect();
    assert!(ids.len() > 80, "the built-in catalog has {} ids", ids.len());
    let mut files = Vec::new();
    rust_files(&repo_root().join("crates/posture-signals/src"), &mut files);
    assert!(files.len() > 10, "found only {} files", files.len());
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            quoted_ids(&text, &ids)
                .into_iter()
                .map(|id| format!("{}: {id}", f.display()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        found.is_empty(),
        "catalog ids in posture-signals: {found:?}"
    );
}

#[test]
fn the_check_shows_what_it_looks_for() {
    let ids = vec!["spf_missing".to_owned()];
    assert_eq!(
        quoted_ids("let x = \"spf_missing\";", &ids),
        ["spf_missing"]
    );
    assert!(quoted_ids("#[cfg(test)]\nmod t { \"spf_missing\" }", &ids).is_empty());
    assert!(quoted_ids("spf_missing_total", &ids).is_empty());
}

#[test]
fn classify_links_neither_tokio_nor_hickory() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .current_dir(repo_root())
        .args([
            "tree",
            "--offline",
            "-p",
            "posture-classify",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .expect("cargo tree runs (it ships with cargo)");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tree.contains("posture-core"), "{tree}");
    let bad: Vec<&str> = tree
        .lines()
        .filter(|l| l.starts_with("tokio") || l.starts_with("hickory"))
        .collect();
    assert!(bad.is_empty(), "posture-classify links {bad:?}");
}

/// Code outside `#[cfg(test)]` tails that reaches the world: files, the
/// network, the clock, the environment, unseeded randomness.
fn impure_calls(text: &str) -> Vec<&'static str> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    [
        "std::fs",
        "File::",
        "TcpStream",
        "UdpSocket",
        "Utc::now",
        "SystemTime",
        "Instant::now",
        "std::env",
        "thread_rng",
        "stdin()",
        "stdout()",
    ]
    .into_iter()
    .filter(|needle| code.contains(needle))
    .collect()
}

#[test]
fn the_research_harness_is_pure() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("crates/posture-research/src"), &mut files);
    assert!(files.len() > 8, "found only {} files", files.len());
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            impure_calls(&text)
                .into_iter()
                .map(|n| format!("{}: {n}", f.display()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(found.is_empty(), "posture-research reaches out: {found:?}");
    assert_eq!(
        impure_calls("let t = chrono::Utc::now();\n#[cfg(test)]\nstd::fs::read(x)"),
        ["Utc::now"]
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .current_dir(repo_root())
        .args([
            "tree",
            "--offline",
            "-p",
            "posture-research",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .expect("cargo tree runs (it ships with cargo)");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad: Vec<&str> = tree
        .lines()
        .filter(|l| {
            [
                "tokio",
                "hickory",
                "rusqlite",
                "posture-signals",
                "posture-plan",
                "rand ",
            ]
            .iter()
            .any(|b| l.starts_with(b))
        })
        .collect();
    assert!(bad.is_empty(), "posture-research links {bad:?}");
}
