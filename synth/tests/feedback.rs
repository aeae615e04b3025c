//! The outer loop's harness measurement: a server binary for an already
//! generated store crate, under a new name, measured on a loopback cluster.

use std::path::Path;
use synth::measure::{build_server, measure_server, median, store_name_for};

#[test]
fn a_server_binary_for_a_store_crate_is_measured_through_the_harness() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let name = store_name_for("synth-test/read-your-writes");
    assert_eq!(name, "synth-test-read-your-writes");
    // Dev profile: the dependencies `cargo test` just built are reused.
    let bin = build_server(
        &root,
        &root.join("extracted/stores/read-your-writes"),
        &name,
        &dir.path().join("server"),
        false,
    )
    .unwrap();
    // Every other command line is the ordinary `kvstore` CLI.
    let out = std::process::Command::new(&bin)
        .arg("stores")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("read-your-writes"));
    let w = bench_harness::feedback::short_fixed_workload();
    let reps = measure_server(&bin, &name, &w, 1).unwrap();
    assert_eq!(reps.len(), 1);
    assert!(median(&reps).unwrap() > 0.0, "{reps:?}");
    // An unknown store name is refused by the ordinary CLI.
    let out = std::process::Command::new(&bin)
        .args([
            "serve",
            "--store",
            "nope",
            "--id",
            "0",
            "--listen",
            "127.0.0.1:0",
        ])
        .args(["--peers", "127.0.0.1:1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn store_names_are_lower_case_letters_digits_and_dashes() {
    assert_eq!(
        store_name_for("causal-vectors/merge-guard/avl-tree"),
        "causal-vectors-merge-guard-avl-tree"
    );
    assert_eq!(store_name_for("A__b/"), "a-b");
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0]), Some(2.5));
    assert_eq!(median(&[]), None);
}
