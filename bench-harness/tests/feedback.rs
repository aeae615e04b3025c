//! The synthesizer's performance hook against real loopback clusters.

use bench_harness::feedback::{measure_store_with, short_fixed_workload, MeasureOptions};
use bench_harness::workload::{Length, Workload};
use std::process::Command;

fn kvstore_bin() -> std::path::PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let bin = cloud::default_kvstore_bin().unwrap();
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-q", "-p", "kvstore-runtime", "--bin", "kvstore"]);
    if bin.components().any(|c| c.as_os_str() == "release") {
        cmd.arg("--release");
    }
    assert!(cmd.status().unwrap().success(), "building kvstore failed");
    bin
}

#[test]
fn measure_store_returns_the_throughput_of_handwritten_vc() {
    let opts = MeasureOptions {
        kvstore_bin: Some(kvstore_bin()),
        ..MeasureOptions::default()
    };
    // The fixed workload is fixed: same parameters every time.
    assert_eq!(short_fixed_workload(), short_fixed_workload());
    assert_eq!(short_fixed_workload().length, Length::Ops(4000));
    let w = Workload {
        length: Length::Ops(400),
        ..short_fixed_workload()
    };
    let ops = measure_store_with("handwritten-vc", &w, &opts).unwrap();
    assert!(ops.is_finite() && ops > 0.0, "{ops}");
    // It also works from inside a Tokio runtime (the synthesizer may have one).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let inner = rt.block_on(async { measure_store_with("handwritten-vc", &w, &opts) });
    assert!(inner.unwrap() > 0.0);
    // An unregistered store is an error, not a number.
    let err = measure_store_with("no-such-store", &w, &opts).unwrap_err();
    assert!(format!("{err:#}").contains("no-such-store"), "{err:#}");
}
