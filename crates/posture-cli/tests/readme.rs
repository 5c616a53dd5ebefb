//! Every command of the README's "Try it on the worked examples" block
//! runs, from the repository root, and succeeds: the README stays true.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn the_readme_try_it_block_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("## Try it on the worked examples")
        .nth(1)
        .expect("the README has a Try it section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the section has a sh block");
    let _ = std::fs::remove_file(root.join("target/readme.sqlite"));
    let bin = env!("CARGO_BIN_EXE_posture");
    let mut ran = 0;
    for line in block.lines() {
        let command = line.split(" # ").next().unwrap_or(line).trim();
        let Some(args) = command.strip_prefix("posture ") else {
            assert!(command.is_empty(), "not a posture command: {line}");
            continue;
        };
        let out = Command::new("sh")
            .current_dir(&root)
            .arg("-c")
            .arg(format!("'{bin}' {args}"))
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`{command}` failed ({:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.stdout.is_empty() || args.contains('>') || args.contains("--out"),
            "`{command}` printed nothing"
        );
        ran += 1;
    }
    assert!(ran >= 8, "only {ran} commands in the block");
    assert!(root.join("target/readme.html").is_file());
}
