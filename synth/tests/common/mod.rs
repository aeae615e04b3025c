//! Helpers shared by the integration tests that run the real Rocq checker.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root (the parent of `synth/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Whether Rocq is installed; builds `specs/` once per test binary (tests
/// of one binary run in parallel and must not run two `make`s at once).
/// Without `coqc` the caller skips (`make test` installs it).
pub fn have_rocq() -> bool {
    static READY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *READY.get_or_init(|| {
        if std::process::Command::new("coqc")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("coqc not installed: skipping (run `make test`, which installs it)");
            return false;
        }
        let ok = std::process::Command::new("make")
            .args(["-s", "-C"])
            .arg(root().join("specs"))
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "building specs/ failed");
        true
    })
}
