//! The middle loop's decomposition with the real Rocq checker, on two user
//! specs whose read guard no library lemma concludes: one conjunction
//! (closed through helper lemmas nested twice; the run replays and resumes)
//! and an `if` on the session (closed by a case split). In both, no single
//! tactic script of the portfolio closes the get obligation; every step is
//! checked by Rocq.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use synth::checkpoint::{Checkpoint, Interrupted};
use synth::oracle::Feedback;
use synth::run::{run, ProposerKind, RunOptions};

mod common;
use common::{have_rocq, root};

/// `SessionReads.v` over AVL trees only: `none`, then session vectors
/// without and with read merging (3 candidates).
fn options(out: &Path, proposer: ProposerKind, replay: Option<PathBuf>) -> RunOptions {
    spec_options("SessionReads.v", 3, out, proposer, replay)
}

fn spec_options(
    file: &str,
    budget: usize,
    out: &Path,
    proposer: ProposerKind,
    replay: Option<PathBuf>,
) -> RunOptions {
    RunOptions {
        spec: root()
            .join("synth/tests/specs")
            .join(file)
            .display()
            .to_string(),
        name: None,
        representation: Some("avl-tree".into()),
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

fn log(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("synthesis/run.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn development(out: &Path) -> String {
    std::fs::read_to_string(out.join("rocq/Development.v")).unwrap()
}

const GET: &str = "c0_holds_at_get";

#[test]
fn a_conjunctive_guard_is_closed_through_helper_lemmas_and_replays_and_resumes() {
    if !have_rocq() {
        return;
    }
    let full = tempfile::tempdir().unwrap();
    let r = run(&options(full.path(), ProposerKind::Builtin, None), &|_| {}).unwrap();
    assert!(r.closed, "{}", r.summary);
    assert_eq!(
        r.summary["shipped_candidate"], "session-vectors/merge/avl-tree",
        "{}",
        r.summary
    );
    // The audit passed: no assumption, nothing Admitted.
    assert_eq!(r.summary["assumptions"], serde_json::json!([]));
    let dev = development(full.path());
    assert!(!dev.contains("Admitted"), "{dev}");

    // Every single tactic script failed on the get obligation of the shipped
    // candidate: only the decomposition closed it.
    let lines = log(full.path());
    let shipped = |v: &&Value| v["candidate"] == "session-vectors/merge/avl-tree";
    let on_get: Vec<&Value> = lines
        .iter()
        .filter(shipped)
        .filter(|v| v["lemma"] == GET)
        .collect();
    assert!(on_get.iter().any(|v| v["move"] == "repair"), "{on_get:?}");
    assert!(!on_get.iter().any(|v| v["move"] == "prove"), "{on_get:?}");
    let decomposed: Vec<&str> = lines
        .iter()
        .filter(shipped)
        .filter(|v| v["move"] == "decompose" && v["ok"] == true && v["lemma"].is_string())
        .map(|v| v["lemma"].as_str().unwrap())
        .collect();
    assert_eq!(decomposed, vec![GET, "c0_holds_at_get_part2"]);
    // The wrong mechanisms were tried, decomposed, reverted, and reloaded.
    for cand in ["none/plain/avl-tree", "session-vectors/plain/avl-tree"] {
        assert!(lines
            .iter()
            .any(|v| v["move"] == "revert" && v["candidate"] == cand && v["lemma"] == GET));
        let rej = r.summary["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["candidate"] == cand)
            .unwrap_or_else(|| panic!("{cand} not rejected: {}", r.summary));
        assert_eq!(rej["obligation"], GET);
        assert!(
            rej["reason"]
                .as_str()
                .unwrap()
                .contains("decompositions tried"),
            "{rej}"
        );
    }

    // The helper lemmas, each closed by one library lemma, come before
    // their parents in the shipped development.
    let at = |s: &str| dev.find(s).unwrap_or_else(|| panic!("{s} missing:\n{dev}"));
    let part1 = at("Lemma c0_holds_at_get_part1 :");
    let part21 = at("Lemma c0_holds_at_get_part2_part1 :");
    let part22 = at("Lemma c0_holds_at_get_part2_part2 :");
    let part2 = at("Lemma c0_holds_at_get_part2 :");
    let parent = at("Lemma c0_holds_at_get :");
    assert!(part1 < part2 && part21 < part22 && part22 < part2 && part2 < parent);
    for lemma in [
        "sv_get_returns_latest",
        "sv_get_sees_issued",
        "sv_get_sees_observed",
    ] {
        assert!(dev.contains(&format!("eapply {lemma};")), "{lemma}");
    }
    assert!(dev.contains("exact c0_holds_at_get_part2_part2"));

    // The run log replays through the same oracle to the same development.
    let replayed = tempfile::tempdir().unwrap();
    let rp = run(
        &options(
            replayed.path(),
            ProposerKind::Replay,
            Some(full.path().join("synthesis/run.jsonl")),
        ),
        &|_| {},
    )
    .unwrap();
    assert!(rp.closed, "{}", rp.summary);
    assert_eq!(development(replayed.path()), dev);

    // Interrupted (as by Ctrl-C) every few rounds until the checkpoint holds
    // a decomposition of the candidate in progress, then resumed to the end:
    // the recorded decomposition rounds are replayed, not re-run, and the
    // same development is shipped.
    let part = tempfile::tempdir().unwrap();
    let mut o = options(part.path(), ProposerKind::Builtin, None);
    o.stop_after_rounds = Some(4);
    let mut saw_decomposition = false;
    for _ in 0..20 {
        match run(&o, &|_| {}) {
            Ok(_) => break,
            Err(e) => {
                let stop = e
                    .downcast_ref::<Interrupted>()
                    .unwrap_or_else(|| panic!("not an interruption: {e:#}"));
                let ck = Checkpoint::load(&stop.checkpoint).unwrap();
                let rounds = ck.current.as_ref().map(|c| c.rounds.clone());
                if rounds
                    .iter()
                    .flatten()
                    .flatten()
                    .any(|a| a.decompose.is_some())
                {
                    saw_decomposition = true;
                    break;
                }
            }
        }
        o.resume = true;
    }
    assert!(
        saw_decomposition,
        "never interrupted inside a decomposition"
    );
    let mut last = options(part.path(), ProposerKind::Builtin, None);
    last.resume = true;
    let done = run(&last, &|_| {}).unwrap();
    assert!(done.closed, "{}", done.summary);
    assert_eq!(done.summary["rejected"], r.summary["rejected"]);
    assert_eq!(development(part.path()), dev);
}

#[test]
fn a_per_session_guard_is_closed_by_a_case_split_into_helper_lemmas() {
    if !have_rocq() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let o = spec_options("AdminSession.v", 2, out.path(), ProposerKind::Builtin, None);
    let r = run(&o, &|_| {}).unwrap();
    assert!(r.closed, "{}", r.summary);
    let shipped = "session-vectors/plain/avl-tree";
    assert_eq!(r.summary["shipped_candidate"], shipped, "{}", r.summary);
    assert_eq!(r.summary["assumptions"], serde_json::json!([]));
    let get = "c1_holds_at_get";
    let lines = log(out.path());
    let mine: Vec<&Value> = lines.iter().filter(|v| v["candidate"] == shipped).collect();
    // The portfolio (its own case split with eauto included) failed.
    assert!(mine
        .iter()
        .any(|v| v["move"] == "repair" && v["lemma"] == get));
    assert!(!mine
        .iter()
        .any(|v| v["move"] == "prove" && v["lemma"] == get));
    let split = mine
        .iter()
        .find(|v| v["move"] == "decompose" && v["lemma"] == get && v["ok"] == true)
        .expect("a decomposition of the get obligation");
    let tactic = split["split"].as_str().unwrap();
    assert!(
        tactic.starts_with("destruct (") && tactic.ends_with(") eqn:Hcase."),
        "{tactic}"
    );
    let proved = |lemma: &str| {
        mine.iter()
            .find(|v| v["move"] == "prove" && v["lemma"] == lemma)
            .map(|v| v["tactic"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{lemma} not proved"))
    };
    assert!(proved("c1_holds_at_get_part1").contains("sv_get_sees_issued"));
    assert_eq!(proved("c1_holds_at_get_part2"), "exact I.");
    // `none` has no lemma for the session's writes: reverted, then reloaded.
    assert!(lines
        .iter()
        .any(|v| v["move"] == "revert" && v["candidate"] == "none/plain/avl-tree"));
    let dev = development(out.path());
    assert!(!dev.contains("Admitted"));
    let at = |s: &str| dev.find(s).unwrap_or_else(|| panic!("{s} missing:\n{dev}"));
    assert!(at("Lemma c1_holds_at_get_part1 :") < at("Lemma c1_holds_at_get_part2 :"));
    assert!(at("Lemma c1_holds_at_get_part2 :") < at("Lemma c1_holds_at_get :"));
}
