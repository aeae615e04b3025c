//! End-to-end tests of the engine with the real Rocq checker: a built-in
//! spec, a user spec the catalog never names, a broken spec, and a spec out
//! of the catalog's reach.

use std::path::{Path, PathBuf};
use std::time::Duration;
use synth::checkpoint::{Checkpoint, Interrupted};
use synth::oracle::Feedback;
use synth::run::{run, ProposerKind, RunOptions, RunResult};

mod common;
use common::{have_rocq, root};

fn options(
    spec: &str,
    out: &Path,
    proposer: ProposerKind,
    replay: Option<PathBuf>,
    budget: usize,
) -> RunOptions {
    RunOptions {
        spec: spec.to_string(),
        name: None,
        representation: None,
        mechanism: None,
        root: root(),
        out: Some(out.to_path_buf()),
        proposer,
        replay_log: replay,
        feedback: Feedback::Rich,
        max_candidates: budget,
        closed_wanted: 1,
        timeout: Duration::from_secs(120),
        record: false,
        measure: None,
        command: "test".into(),
        seed: 0,
        resume: false,
        interrupt: None,
        stop_after_rounds: None,
    }
}

fn synth(
    spec: &str,
    out: &Path,
    proposer: ProposerKind,
    replay: Option<PathBuf>,
    budget: usize,
) -> anyhow::Result<RunResult> {
    run(&options(spec, out, proposer, replay, budget), &|_| {})
}

/// The `(lemma, tactic)` of every `prove` move of a run log.
fn proofs(out: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(out.join("synthesis/run.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["move"] == "prove")
        .map(|v| {
            (
                v["lemma"].as_str().unwrap().to_string(),
                v["tactic"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn read_your_writes_is_closed_and_recreates_the_shipped_development() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let r = synth(
        "read-your-writes",
        tmp.path(),
        ProposerKind::Builtin,
        None,
        16,
    )
    .unwrap();
    assert!(r.closed, "{}", r.summary);
    assert_eq!(r.summary["assumptions"], serde_json::json!([]));
    let made = std::fs::read_to_string(tmp.path().join("rocq/Development.v")).unwrap();
    assert!(!made.contains("Admitted"));
    let shipped = root().join("extracted/stores/read-your-writes/rocq/Development.v");
    let shipped = std::fs::read_to_string(shipped).unwrap();
    assert_eq!(
        made, shipped,
        "synth run no longer re-creates the shipped development"
    );
    assert!(tmp.path().join("rocq/store.json").exists());
    // The run log replays: the replay proposer closes it again through the oracle.
    let log = tmp.path().join("synthesis/run.jsonl");
    let tmp2 = tempfile::tempdir().unwrap();
    let replayed = synth(
        "read-your-writes",
        tmp2.path(),
        ProposerKind::Replay,
        Some(log),
        16,
    )
    .unwrap();
    assert!(replayed.closed, "{}", replayed.summary);
}

#[test]
fn an_interrupted_run_resumes_to_the_same_shipped_development() {
    if !have_rocq() {
        return;
    }
    let spec = "read-your-writes";
    let opts = |out: &Path| options(spec, out, ProposerKind::Builtin, None, 16);
    let full = tempfile::tempdir().unwrap();
    let uninterrupted = run(&opts(full.path()), &|_| {}).unwrap();
    assert!(uninterrupted.closed, "{}", uninterrupted.summary);
    assert!(!full.path().join("synthesis/checkpoint.json").exists());

    // Stopped after 1 oracle round: the path Ctrl-C takes. (`none` is
    // refuted by a counterexample before any round; session vectors close
    // in 2 rounds.)
    let part = tempfile::tempdir().unwrap();
    let mut o = opts(part.path());
    o.stop_after_rounds = Some(1);
    let e = run(&o, &|_| {}).err().expect("the run must stop");
    let stop = e
        .downcast_ref::<Interrupted>()
        .unwrap_or_else(|| panic!("not an interruption: {e:#}"));
    assert!(e.to_string().contains("--resume"), "{e}");
    let ck = Checkpoint::load(&stop.checkpoint).unwrap();
    assert!(ck.interrupted && ck.rounds_done == 1, "{ck:?}");
    assert!(!part.path().join("rocq/Development.v").exists());

    // A resume with other options is refused, naming the difference.
    let mut other = opts(part.path());
    other.resume = true;
    other.seed = 5;
    let e = run(&other, &|_| {}).err().expect("mismatch").to_string();
    assert!(e.contains("seed: checkpoint 0, this run 5"), "{e}");

    // Resumed, interrupted again 1 round later, then resumed to the end.
    let mut again = opts(part.path());
    again.resume = true;
    again.stop_after_rounds = Some(1);
    let e = run(&again, &|_| {}).err().expect("the run must stop again");
    assert!(e.is::<Interrupted>(), "{e:#}");
    assert_eq!(Checkpoint::load(&stop.checkpoint).unwrap().rounds_done, 2);
    let mut last = opts(part.path());
    last.resume = true;
    let resumed = run(&last, &|_| {}).unwrap();
    assert!(resumed.closed, "{}", resumed.summary);
    assert_eq!(resumed.summary["resumed"], true);
    assert_eq!(
        resumed.summary["shipped_candidate"],
        uninterrupted.summary["shipped_candidate"]
    );
    assert_eq!(
        resumed.summary["rejected"],
        uninterrupted.summary["rejected"]
    );
    let dev = |d: &Path| std::fs::read_to_string(d.join("rocq/Development.v")).unwrap();
    assert_eq!(dev(part.path()), dev(full.path()));
    assert!(!part.path().join("synthesis/checkpoint.json").exists());
    // The appended log proves the same lemmas with the same tactics, once.
    assert_eq!(proofs(part.path()), proofs(full.path()));
}

#[test]
fn a_user_spec_unknown_to_the_catalog_is_closed_by_search() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let spec = root().join("synth/tests/specs/ReadsAndWritesSeen.v");
    let r = synth(
        spec.to_str().unwrap(),
        tmp.path(),
        ProposerKind::Builtin,
        None,
        16,
    )
    .unwrap();
    assert!(r.closed, "{}", r.summary);
    // Monotonic reads needs the token to absorb the replica's clock on reads:
    // the plain variant must have been tried and rejected first.
    let shipped = r.summary["shipped_candidate"].as_str().unwrap();
    assert!(shipped.contains("/merge"), "{shipped}");
    let rejected = r.summary["rejected"].as_array().unwrap();
    assert!(
        rejected
            .iter()
            .any(|x| x["candidate"].as_str().unwrap().contains("/plain/")),
        "{rejected:?}"
    );
}

#[test]
fn a_second_user_spec_needing_causal_delivery_is_closed_by_search() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let spec = root().join("synth/tests/specs/OrderedSessionWrites.v");
    let r = synth(
        spec.to_str().unwrap(),
        tmp.path(),
        ProposerKind::Builtin,
        None,
        32,
    )
    .unwrap();
    assert!(r.closed, "{}", r.summary);
    // FIFO delivery per origin cannot order a session's writes made at
    // different replicas: the search must move to causal delivery.
    let shipped = r.summary["shipped_candidate"].as_str().unwrap();
    assert!(shipped.starts_with("causal-vectors/"), "{shipped}");
    let rejected = r.summary["rejected"].as_array().unwrap();
    assert!(rejected.iter().any(|x| x["candidate"]
        .as_str()
        .unwrap()
        .starts_with("session-vectors/")));
}

#[test]
fn a_spec_that_does_not_compile_is_a_clear_error_quoting_rocq() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let spec = root().join("synth/tests/specs/Broken.v");
    let e = synth(
        spec.to_str().unwrap(),
        tmp.path(),
        ProposerKind::Builtin,
        None,
        4,
    )
    .err()
    .expect("a broken spec must not synthesize")
    .to_string();
    assert!(
        e.contains("does not compile") && e.contains("undefined_constraint"),
        "{e}"
    );
    assert!(!tmp.path().join("rocq/Development.v").exists());
}

#[test]
fn an_unsatisfiable_spec_gives_no_candidate_with_reasons() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let spec = root().join("synth/tests/specs/NoReads.v");
    let r = synth(
        spec.to_str().unwrap(),
        tmp.path(),
        ProposerKind::Builtin,
        None,
        3,
    )
    .unwrap();
    assert!(!r.closed);
    let rejected = r.summary["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    // Candidates actually grown are stuck on the read guard, with its goal;
    // the same variant over another representation is skipped, citing it.
    for x in rejected {
        let reason = x["reason"].as_str().unwrap();
        if x["obligation"] == "skipped" {
            assert!(reason.contains("c1_holds_at_get"), "{x}");
        } else {
            assert_eq!(x["obligation"], "c1_holds_at_get", "{x}");
            assert!(reason.contains("goal") && reason.contains("False"), "{x}");
        }
    }
    assert!(!tmp.path().join("rocq/Development.v").exists());
}

#[test]
fn a_spec_needing_no_metadata_is_closed_by_the_none_mechanism() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let spec = root().join("synth/tests/specs/LatestReads.v");
    let r = synth(
        spec.to_str().unwrap(),
        tmp.path(),
        ProposerKind::Builtin,
        None,
        1,
    )
    .unwrap();
    assert!(r.closed, "{}", r.summary);
    assert_eq!(r.summary["assumptions"], serde_json::json!([]));
    let shipped = r.summary["shipped_candidate"].as_str().unwrap();
    assert!(shipped.starts_with("none/"), "{shipped}");
    let made = std::fs::read_to_string(tmp.path().join("rocq/Development.v")).unwrap();
    assert!(!made.contains("Admitted"));
    assert!(made.contains("nm_get_returns_latest"), "{made}");
}

#[test]
fn read_your_writes_is_not_closed_by_the_none_mechanism() {
    if !have_rocq() {
        return;
    }
    // A budget of 3 keeps the `none` candidates only (one per representation).
    let tmp = tempfile::tempdir().unwrap();
    let r = synth(
        "read-your-writes",
        tmp.path(),
        ProposerKind::Builtin,
        None,
        3,
    )
    .unwrap();
    assert!(!r.closed, "{}", r.summary);
    let rejected = r.summary["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    // No metadata cannot make a replica wait for the session's writes:
    // refuted by a counterexample trace before any proof (counterexample
    // first), the other representations skipped.
    for x in rejected {
        assert!(x["candidate"].as_str().unwrap().starts_with("none/"), "{x}");
        let reason = x["reason"].as_str().unwrap();
        if x["obligation"] == "skipped" {
            assert!(reason.contains("counterexample"), "{x}");
        } else {
            assert_eq!(x["obligation"], "counterexample", "{x}");
            assert!(
                reason.starts_with("counterexample: s0 puts k0=0 at r0; s0 gets k0 at r1: None"),
                "{x}"
            );
        }
    }
    assert!(!tmp.path().join("rocq/Development.v").exists());
    // With room for more candidates, the reloader moves on to session vectors.
    let tmp2 = tempfile::tempdir().unwrap();
    let r = synth(
        "read-your-writes",
        tmp2.path(),
        ProposerKind::Builtin,
        None,
        16,
    )
    .unwrap();
    assert!(r.closed, "{}", r.summary);
    let shipped = r.summary["shipped_candidate"].as_str().unwrap();
    assert!(shipped.starts_with("session-vectors/"), "{shipped}");
}

/// A run restricted to the explicit-dependency mechanism (`--mechanism`).
fn synth_with_dependencies(spec: &str, out: &Path) -> RunResult {
    let mut o = options(spec, out, ProposerKind::Builtin, None, 8);
    o.mechanism = Some("dependencies".into());
    run(&o, &|_| {}).unwrap()
}

#[test]
fn causal_is_closed_by_explicit_dependencies_when_tracking_reads() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let r = synth_with_dependencies("causal", tmp.path());
    assert!(r.closed, "{}", r.summary);
    assert_eq!(r.summary["assumptions"], serde_json::json!([]));
    assert_eq!(
        r.summary["shipped_candidate"],
        "dependencies/reads-writes/avl-tree"
    );
    // Following the session's own writes only misses what it read: that
    // variant is rejected (and skipped over the other representations).
    let rejected = r.summary["rejected"].as_array().unwrap();
    assert!(!rejected.is_empty(), "{rejected:?}");
    assert!(rejected.iter().all(|x| x["candidate"]
        .as_str()
        .unwrap()
        .starts_with("dependencies/writes/")));
    let made = std::fs::read_to_string(tmp.path().join("rocq/Development.v")).unwrap();
    assert!(!made.contains("Admitted"));
    for lemma in [
        "dp_put_sees_causal_past",
        "dp_get_sees_causal_past",
        "dp_apply_after_causal_past",
        "dp_progress_deliver",
    ] {
        assert!(made.contains(lemma), "{lemma} unused:\n{made}");
    }
}

#[test]
fn monotonic_writes_is_closed_by_dependencies_on_session_writes() {
    if !have_rocq() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let r = synth_with_dependencies("monotonic-writes", tmp.path());
    assert!(r.closed, "{}", r.summary);
    assert_eq!(r.summary["assumptions"], serde_json::json!([]));
    assert_eq!(
        r.summary["shipped_candidate"],
        "dependencies/writes/avl-tree"
    );
    let made = std::fs::read_to_string(tmp.path().join("rocq/Development.v")).unwrap();
    assert!(made.contains("dp_apply_after_session_writes"), "{made}");
}

#[test]
fn an_unknown_mechanism_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut o = options("causal", tmp.path(), ProposerKind::Builtin, None, 4);
    o.mechanism = Some("vector-magic".into());
    let e = run(&o, &|_| {}).err().expect("must fail").to_string();
    assert!(e.contains("unknown mechanism \"vector-magic\""), "{e}");
}
