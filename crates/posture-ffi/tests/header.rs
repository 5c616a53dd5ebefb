//! The committed header is what cbindgen makes of the crate today.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[test]
fn the_committed_header_is_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen reads the crate");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let path = dir.join("include/posture.h");
    if std::env::var_os("POSTURE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/posture.h is stale: run `POSTURE_BLESS=1 cargo test -p posture-ffi --test header`"
    );
    for name in [
        "posture_score",
        "posture_improve",
        "posture_csr",
        "posture_catalog",
        "posture_last_error",
        "posture_version",
        "posture_free",
        "POSTURE_PANIC = 4",
    ] {
        assert!(generated.contains(name), "{name} missing from the header");
    }
}
