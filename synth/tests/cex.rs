//! Counterexample first, with the real Rocq checker: the bounded exploration
//! of `Sanity/Explore.v` checked by the model of the abstract machine.
//!
//! * the known-bad algorithm `Eventual` is refuted by every built-in spec
//!   (as `Sanity/Refutations.v` proves), and the spec probe maps each
//!   built-in spec to its model constraints;
//! * the shipped candidate of every built-in spec has no counterexample
//!   (the stage never rejects a candidate Rocq proves correct);
//! * on read-your-writes, `none` (tried first) is rejected by a counterexample
//!   before any proof is attempted, and the run ships the same development.

use serde_json::Value;

use std::time::Duration;
use synth::catalog::candidates;
use synth::cex::{explore_source_for, prepare, Stage, SCOPES};
use synth::development::Development;
use synth::model::builtin_spec;
use synth::oracle::Rocq;
use synth::spec::{resolve, BUILTIN};

mod common;
use common::{have_rocq, root};

fn rocq() -> Option<Rocq> {
    if !have_rocq() {
        return None;
    }
    Some(
        Rocq::detect()
            .unwrap()
            .with_load_path("KV", &root().join("specs/theories")),
    )
}

const TIMEOUT: Duration = Duration::from_secs(120);

fn stage_for(rocq: &Rocq, name: &str) -> Stage {
    let spec = resolve(name, &root().join("specs")).unwrap();
    let expected = builtin_spec(name).unwrap();
    let stage = prepare(rocq, &spec, expected.len()).unwrap();
    assert_eq!(stage.spec, expected, "{name}");
    stage
}

#[test]
fn eventual_is_refuted_by_every_builtin_spec() {
    let Some(rocq) = rocq() else { return };
    let src = explore_source_for(
        "From KV Require Import Sanity.Eventual.",
        "Eventual",
        &SCOPES,
    );
    for (name, _) in BUILTIN {
        let report = stage_for(&rocq, name).run_source(&rocq, &src, TIMEOUT);
        assert!(report.skipped.is_none(), "{name}: {:?}", report.skipped);
        let reason = report.reason();
        assert!(reason.is_some(), "{name}: no counterexample for Eventual");
        eprintln!("{name}: {}", reason.unwrap());
    }
}

#[test]
fn a_spec_with_a_constraint_the_model_does_not_know_skips_the_stage() {
    let Some(rocq) = rocq() else { return };
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("Odd.v");
    std::fs::write(
        &spec_path,
        "From KV Require Import Framework.Abstract Specs.ReadRules.\nFrom Coq Require Import List.\nImport ListNotations.\n\
         Definition c_odd {K : Type} : constraint K := {| c_put := fun _ _ _ _ _ => True; c_get := fun A _ r _ _ => applied A r <> []; c_apply := fun _ _ _ => True |}.\n\
         Definition odd {K : Type} (keqb : K -> K -> bool) : spec K := [read_latest keqb; c_odd].\n",
    )
    .unwrap();
    let c = rocq
        .compile_to(&spec_path, &dir.path().join("out"), "User")
        .unwrap();
    assert!(c.verdict.ok, "{:?}", c.verdict.first_error());
    let r = rocq.clone().with_load_path("User", &c.dir);
    let spec = resolve(spec_path.to_str().unwrap(), &root().join("specs")).unwrap();
    let why = prepare(&r, &spec, 2).unwrap_err();
    assert!(why.contains("constraint 1"), "{why}");
}

#[test]
fn shipped_candidates_have_no_counterexample() {
    let Some(rocq) = rocq() else { return };
    let work = tempfile::tempdir().unwrap();
    for (i, (name, _)) in BUILTIN.iter().enumerate() {
        let summary = root().join(format!("extracted/stores/{name}/synthesis/summary.json"));
        let summary: Value =
            serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
        let shipped = summary["shipped_candidate"].as_str().unwrap();
        let cand = candidates()
            .into_iter()
            .find(|c| c.name() == shipped)
            .unwrap();
        let spec = resolve(name, &root().join("specs")).unwrap();
        let stage = stage_for(&rocq, name);
        let dev = Development::new(spec, cand, stage.spec.len());
        let compiled = rocq
            .compile_source_to(
                "Cand",
                &dev.prefix(),
                &work.path().join(format!("c{i}")),
                "Dev",
            )
            .unwrap();
        assert!(compiled.verdict.ok, "{name}: {shipped} does not compile");
        let dev_rocq = rocq.clone().with_load_path("Dev", &compiled.dir);
        let report = stage.run(&dev_rocq, TIMEOUT);
        assert!(report.skipped.is_none(), "{name}: {:?}", report.skipped);
        assert!(
            report.counterexample.is_none(),
            "{name}: the shipped {shipped} is refuted: {:?}",
            report.reason()
        );
        assert!(report.events > 1000, "{name}: {} events", report.events);
    }
}

#[test]
fn read_your_writes_rejects_none_by_a_counterexample_before_any_proof() {
    if rocq().is_none() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_synth"))
        .arg("--root")
        .arg(root())
        .args(["run", "--no-record", "--spec", "read-your-writes", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("synthesis/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        summary["shipped_candidate"],
        "session-vectors/plain/avl-tree"
    );
    let rejected = summary["rejected"].as_array().unwrap();
    let none = rejected
        .iter()
        .find(|r| r["candidate"] == "none/plain/avl-tree")
        .unwrap();
    assert_eq!(none["obligation"], "counterexample");
    let reason = none["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("counterexample: s0 puts k0=0 at r0; s0 gets k0 at r1: None"),
        "{reason}"
    );
    // No proof effort on `none`: no decompose, prove or repair move.
    let log = std::fs::read_to_string(out.path().join("synthesis/run.jsonl")).unwrap();
    let moves: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for m in &moves {
        if m["candidate"]
            .as_str()
            .is_some_and(|c| c.starts_with("none/"))
        {
            let mv = m["move"].as_str().unwrap();
            assert!(
                ["define", "counterexample", "reload", "skip"].contains(&mv),
                "proof effort on none: {m}"
            );
        }
    }
    assert!(moves
        .iter()
        .any(|m| m["move"] == "counterexample" && m["found"] == true));
    let made = std::fs::read_to_string(out.path().join("rocq/Development.v")).unwrap();
    let shipped = std::fs::read_to_string(
        root().join("extracted/stores/read-your-writes/rocq/Development.v"),
    )
    .unwrap();
    assert_eq!(made, shipped);
}
