//! Shared helpers of the integration tests: run `coqc` on a `.v` file,
//! translate its JSON extraction, build the Rust in a throw-away cargo
//! project (offline, with a target directory shared by all tests) and run it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Workspace root (two levels above this crate).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Is `coqc` installed? Prints a notice when it is not.
pub fn have_coqc(test: &str) -> bool {
    let ok = Command::new("coqc")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("NOTICE: coqc not found; skipping {test}");
    }
    ok
}

/// Run coqc on `body` (prefixed with the usual imports) in `dir`, extracting
/// `names` to `out.json`. Returns (JSON text, coqc's stdout).
pub fn coq(dir: &Path, body: &str, names: &str) -> (String, String) {
    let v = format!(
        "Require Extraction.\nRequire Import List Arith Bool.\nImport ListNotations.\n{body}\nExtraction Language JSON.\nExtraction \"out.json\" {names}.\n"
    );
    std::fs::write(dir.join("T.v"), v).unwrap();
    let o = Command::new("coqc")
        .arg("T.v")
        .current_dir(dir)
        .output()
        .expect("run coqc");
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "coqc failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        std::fs::read_to_string(dir.join("out.json")).unwrap(),
        stdout,
    )
}

/// The values printed by the `Compute` commands in coqc's output, with
/// whitespace normalised.
pub fn computed(stdout: &str) -> Vec<String> {
    let mut vals = Vec::new();
    let mut cur: Option<String> = None;
    for line in stdout.lines() {
        let t = line.trim_start();
        if line.starts_with("     = ") {
            if let Some(c) = cur.take() {
                vals.push(c);
            }
            cur = Some(t[2..].to_string());
        } else if line.starts_with("     : ") {
            if let Some(c) = cur.take() {
                vals.push(c);
            }
        } else if let Some(c) = cur.as_mut() {
            c.push(' ');
            c.push_str(t);
        }
    }
    if let Some(c) = cur {
        vals.push(c);
    }
    vals.into_iter().map(|v| normalise(&v)).collect()
}

/// Collapse whitespace runs.
pub fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn target_dir() -> PathBuf {
    workspace().join("target/miniml2rust-it")
}

/// Build the cargo project in `dir` (offline), returning the path of the
/// built binary `bin` (or panicking with the compiler's output).
pub fn cargo_build(dir: &Path, args: &[&str]) {
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let o = Command::new(cargo())
        .args(["build", "--offline", "-q"])
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(
        o.status.success(),
        "cargo build failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Run `cargo <args>` (offline) in the project `dir`, asserting success.
pub fn cargo_in(dir: &Path, args: &[&str]) -> String {
    let o = Command::new(cargo())
        .arg(args[0])
        .arg("--offline")
        .args(&args[1..])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success(),
        "cargo {args:?} failed in {}:\n{text}",
        dir.display()
    );
    text
}

/// Run a binary built into the shared target directory.
pub fn run_bin(path: &str) -> (bool, String, String) {
    let o = Command::new(target_dir().join("debug").join(path))
        .output()
        .expect("run binary");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// A binary crate `pkg` around an extracted module: `main_body` runs inside
/// `fn main` with `extracted::*` and `runtime::CoqShow` in scope.
pub fn build_program(dir: &Path, pkg: &str, extracted: &str, main_body: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{pkg}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nserde = {{ version = \"1\", features = [\"derive\", \"rc\"] }}\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/runtime.rs"), miniml2rust::runtime_source()).unwrap();
    std::fs::write(dir.join("src/extracted.rs"), extracted).unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        format!(
            "mod extracted;\nmod runtime;\n#[allow(unused_imports)]\nuse extracted::*;\n#[allow(unused_imports)]\nuse runtime::CoqShow;\n#[allow(unused_imports)]\nuse std::rc::Rc;\n\nfn main() {{\n{main_body}\n}}\n"
        ),
    )
    .unwrap();
    cargo_build(dir, &[]);
}

/// The whole check: Coq computes `t_1 .. t_n` (closed values of printable
/// types); the translated Rust prints the same definitions; both must agree.
/// `extra` is more Rust run after the comparison prints (its output lines
/// are returned).
pub fn check_against_coq(pkg: &str, defs: &str, n: usize, extra_rust: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let computes: String = (1..=n).map(|i| format!("Compute t_{i}.\n")).collect();
    let names: String = (1..=n).map(|i| format!(" t_{i}")).collect();
    let (json, out) = coq(
        dir.path(),
        &format!("{defs}\n{computes}"),
        &format!("{names} {}", extra_names(extra_rust)),
    );
    let expected = computed(&out);
    assert_eq!(expected.len(), n, "coq output:\n{out}");
    let rust = miniml2rust::with_big_stack(move || miniml2rust::translate_json(&json, "out.json"))
        .unwrap();
    let prints: String = (1..=n)
        .map(|i| format!("println!(\"{{}}\", t_{i}().coq());\n"))
        .collect();
    let proj = dir.path().join("proj");
    build_program(&proj, pkg, &rust, &format!("{prints}{extra_rust}"));
    let (ok, stdout, stderr) = run_bin(pkg);
    assert!(ok, "program failed: {stderr}");
    let lines: Vec<String> = stdout.lines().map(normalise).collect();
    assert_eq!(
        &lines[..n],
        &expected[..],
        "Rust vs Coq (left: Rust, right: Coq)"
    );
    lines[n..].to_vec()
}

/// Extra names to extract, listed in a `// extract: a b c` line of `extra_rust`.
fn extra_names(extra_rust: &str) -> String {
    extra_rust
        .lines()
        .filter_map(|l| l.trim().strip_prefix("// extract:"))
        .collect::<Vec<_>>()
        .join(" ")
}
