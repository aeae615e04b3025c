//! The catalog's representations through the real engine: a run restricted
//! to one representation (`--representation`) still finds the glue.

use std::path::{Path, PathBuf};
use std::time::Duration;
use synth::oracle::Feedback;
use synth::run::{run, ProposerKind, RunOptions};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn have_rocq() -> bool {
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
}

#[test]
fn read_your_writes_is_closed_over_per_key_records() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = RunOptions {
        spec: "read-your-writes".into(),
        name: None,
        representation: Some("per-key-records".into()),
        mechanism: None,
        root: root(),
        out: Some(tmp.path().to_path_buf()),
        proposer: ProposerKind::Builtin,
        replay_log: None,
        feedback: Feedback::Rich,
        max_candidates: 8,
        closed_wanted: 1,
        timeout: Duration::from_secs(120),
        record: false,
        measure: None,
        command: "test".into(),
        seed: 0,
        resume: false,
        interrupt: None,
        stop_after_rounds: None,
    };
    let r = run(&o, &|_| {}).unwrap();
    assert!(r.closed, "{}", r.summary);
    assert_eq!(r.summary["assumptions"], serde_json::json!([]));
    assert_eq!(
        r.summary["shipped_candidate"],
        "session-vectors/plain/per-key-records"
    );
    let made = std::fs::read_to_string(tmp.path().join("rocq/Development.v")).unwrap();
    assert!(made.contains("PerKeyRecords"), "{made}");
    assert!(!made.contains("Admitted"));
    // Its extraction exists for the outer loop to measure.
    assert!(tmp.path().join("rocq/store.json").exists());
}
