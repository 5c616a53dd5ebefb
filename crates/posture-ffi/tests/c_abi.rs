//! A C program, compiled here with the system C compiler against the
//! committed header and the built shared library, scores, plans,
//! aggregates, reads errors, runs a store and frees everything; under
//! valgrind (when installed) any leak or invalid access fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/<profile>`, from this test's own path (`target/<profile>/deps/…`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_c_host_scores_plans_aggregates_and_frees_everything() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `cargo test` leaves the cdylib in `deps/`; `cargo build` copies it
    // up a level.
    let lib_dir = [profile_dir().join("deps"), profile_dir()]
        .into_iter()
        .find(|d| d.join("libposture_ffi.so").is_file())
        .expect("libposture_ffi.so was not built (cargo builds the cdylib with the tests)");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    assert!(
        have(&cc),
        "a C compiler is needed (`{cc}`): install gcc (Debian package gcc)"
    );
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("score");
    let built = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg(crate_dir.join("tests/c/score.c"))
        .arg("-I")
        .arg(crate_dir.join("include"))
        .arg("-L")
        .arg(&lib_dir)
        .arg("-lposture_ffi")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "compiling the C host failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let store = dir.path().join("c.sqlite");
    let mut run = if have("valgrind") {
        let mut c = Command::new("valgrind");
        c.args([
            "--quiet",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
        ])
        .arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = run.arg(&store).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the C host failed ({:?}):\n{stdout}\n{stderr}",
        out.status.code()
    );
    assert!(stdout.ends_with("ok\n"), "{stdout}");
    assert!(
        stdout.contains("error: document 1 (line 1): findings[0].status"),
        "{stdout}"
    );
}
