//! The catalog's representations through the real engine: a run restricted
//! to one representation (`--representation`) still finds the glue.

use std::time::Duration;
use synth::oracle::Feedback;
use synth::run::{run, ProposerKind, RunOptions};

mod common;
use common::{have_rocq, root};

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
