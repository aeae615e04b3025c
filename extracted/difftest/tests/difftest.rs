//! Differential test: Rocq's OCaml extraction (the reference) and the
//! miniml2rust crate of every store must print identical results on the
//! same random scripts.
//!
//! `EXTRACTION_CHECK_SCRIPTS` overrides the number of scripts per store
//! (default 100,000). Skips with a notice only when `ocamlfind` is missing.

use extraction_check::diff::{self, check_batch, DiffConfig};
use extraction_check::gen::{GenConfig, Rng};
use extraction_check::ocaml::{self, OcamlDriver};
use extraction_check::registry::{self, Runner, Typed};
use extraction_check::script::{Op, Outcome, Script};
use extraction_check::sim::run_script;
use kv_store_api::{ReplicaId, Store};
use std::sync::OnceLock;

/// Every store with both extractions, its OCaml driver built once.
fn drivers() -> &'static Option<Vec<(String, OcamlDriver)>> {
    static D: OnceLock<Option<Vec<(String, OcamlDriver)>>> = OnceLock::new();
    D.get_or_init(|| {
        if !ocaml::ocamlfind_available() {
            eprintln!("NOTICE: ocamlfind not installed; differential tests skipped (run scripts/install-deps.sh)");
            return None;
        }
        let rust = registry::rust_stores();
        let mut v = Vec::new();
        for (name, dir) in ocaml::stores_with_ocaml(&extraction_check::stores_dir()).expect("listing stores") {
            if rust.iter().any(|r| r.name() == name) {
                let d = ocaml::build(&name, &dir, &extraction_check::ocaml_build_dir(&name))
                    .unwrap_or_else(|e| panic!("building the OCaml driver of {name}: {e:#}"));
                v.push((name, d));
            } else {
                eprintln!("NOTICE: {name} has an OCaml extraction but no Rust crate registered in extracted/difftest (src/registry.rs); not compared");
            }
        }
        Some(v)
    })
}

fn scripts_per_store() -> usize {
    std::env::var("EXTRACTION_CHECK_SCRIPTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

#[test]
fn rust_and_ocaml_extractions_agree_on_random_scripts() {
    let Some(drivers) = drivers() else { return };
    assert!(
        !drivers.is_empty(),
        "no store has both an OCaml extraction and a registered Rust crate"
    );
    let rust = registry::rust_stores();
    let pairs: Vec<(&dyn Runner, &OcamlDriver)> = drivers
        .iter()
        .map(|(n, d)| {
            (
                rust.iter()
                    .find(|r| r.name() == n)
                    .expect("registered")
                    .as_ref(),
                d,
            )
        })
        .collect();
    let cfg = DiffConfig {
        scripts_per_store: scripts_per_store(),
        ..DiffConfig::default()
    };
    let (reports, took) = diff::run(&pairs, &cfg).expect("running the differential test");
    let mut failures = Vec::new();
    for r in &reports {
        eprintln!(
            "{:<28} {:>7} scripts {:>9} ops, {} divergences",
            r.store,
            r.scripts,
            r.ops,
            r.divergences.len()
        );
        assert_eq!(
            r.scripts, cfg.scripts_per_store,
            "{}: not every batch ran",
            r.store
        );
        if let Some(d) = r.divergences.first() {
            failures.push(d.to_string());
        }
    }
    eprintln!("{} stores, {:.1} s", reports.len(), took.as_secs_f64());
    assert!(
        failures.is_empty(),
        "shortest diverging scripts:\n{}",
        failures.join("\n")
    );
}

#[test]
fn hand_written_scripts_give_the_same_lines_on_both_sides() {
    let Some(drivers) = drivers() else { return };
    let rust = registry::rust_stores();
    // Out-of-range replica, absent message, blocked and applied deliveries,
    // a session moving between replicas, final reads.
    let text = "reset 3\nget 0 0 1\nput 0 0 1 10\nput 3 0 1 11\nget 1 0 1\ndeliver 5\ndeliver 0\n\
                get 1 0 1\nput 1 0 1 12\ndeliver 1\ndeliver 1\ndeliver 0\ndeliver 0\nget 2 7 1\nget 0 8 1\n\
                reset 2\nput 1 4 0 1\ndeliver 0\nget 0 4 0\n";
    for (name, d) in drivers {
        let r = rust.iter().find(|r| r.name() == *name).expect("registered");
        let scripts = extraction_check::script::parse_batch(text).unwrap();
        let divs = check_batch(r.as_ref(), d, &scripts).unwrap();
        assert!(divs.is_empty(), "{}", divs[0]);
        let out = d.run(text).unwrap();
        assert_eq!(
            out.lines().count(),
            text.lines().count(),
            "{name}: one line per input line"
        );
        assert!(
            out.contains("invalid") && out.contains("deliver absent"),
            "{name}:\n{out}"
        );
    }
}

/// A deliberately wrong store: `inner`, except that `get` of key 1 answers
/// as if it were key 0.
#[derive(Clone)]
struct KeyMixUp<S>(S);

impl<S: Store<u64, u64>> Store<u64, u64> for KeyMixUp<S> {
    type State = S::State;
    type Token = S::Token;
    type Msg = S::Msg;
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn init(&self, n: u64, me: ReplicaId) -> S::State {
        self.0.init(n, me)
    }
    fn initial_token(&self, n: u64) -> S::Token {
        self.0.initial_token(n)
    }
    fn put(&self, st: &mut S::State, t: &S::Token, k: u64, v: u64) -> Option<(S::Token, S::Msg)> {
        self.0.put(st, t, k, v)
    }
    fn get(&self, st: &S::State, t: &S::Token, k: &u64) -> Option<(Option<u64>, S::Token)> {
        self.0.get(st, t, if *k == 1 { &0 } else { k })
    }
    fn deliverable(&self, st: &S::State, m: &S::Msg) -> bool {
        self.0.deliverable(st, m)
    }
    fn apply(&self, st: &mut S::State, m: S::Msg) {
        self.0.apply(st, m)
    }
}

#[test]
fn a_wrong_rust_store_is_caught_and_shrunk() {
    let Some(drivers) = drivers() else { return };
    let (_, d) = drivers
        .iter()
        .find(|(n, _)| n == "read-your-writes")
        .expect("read-your-writes has both extractions");
    let bad = Typed(KeyMixUp(store_read_your_writes::Algorithm));
    let cfg = DiffConfig {
        scripts_per_store: 200,
        batch: 100,
        threads: 1,
        ..DiffConfig::default()
    };
    let (reports, _) = diff::run(&[(&bad as &dyn Runner, d)], &cfg).unwrap();
    let div = reports[0]
        .divergences
        .first()
        .expect("the mix-up is detected");
    // Shrinking leaves a minimal script: a put at key 0 or 1, and a get of key 1.
    assert!(div.script.ops.len() <= 3, "not shrunk:\n{div}");
    assert!(
        div.script
            .ops
            .iter()
            .any(|o| matches!(o, Op::Get { key: 1, .. })),
        "{div}"
    );
    assert!(div.to_string().contains("<-- differs"));
}

#[test]
fn generated_scripts_exercise_every_outcome() {
    // The generator must reach blocked gets/puts or deliveries, absent
    // messages and reads of written values, else the comparison is weak.
    let r = registry::rust_stores();
    let cfg = GenConfig::default();
    for store in &r {
        let mut rng = Rng::new(42);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let (s, o) = store.generate(&cfg, &mut rng);
            assert_eq!(s.ops.len(), o.len());
            assert_eq!(
                store.run(&s),
                o,
                "{}: replay differs from generation",
                store.name()
            );
            for x in o {
                seen.insert(match x {
                    Outcome::Put(b) => format!("put {b}"),
                    Outcome::Get(None) => "get blocked".into(),
                    Outcome::Get(Some(None)) => "get none".into(),
                    Outcome::Get(Some(Some(_))) => "get value".into(),
                    Outcome::Deliver(d) => format!("deliver {d:?}"),
                    Outcome::Invalid => "invalid".into(),
                });
            }
        }
        for must in [
            "put true",
            "get none",
            "get value",
            "deliver Applied",
            "deliver Absent",
        ] {
            assert!(
                seen.contains(must),
                "{}: never saw {must}: {seen:?}",
                store.name()
            );
        }
        eprintln!("{}: outcomes seen {seen:?}", store.name());
    }
}

#[test]
fn read_your_writes_blocks_a_session_that_moves_ahead_of_a_replica() {
    // Store-specific sanity of the simulator on a real store: a session that
    // wrote at replica 0 cannot read at replica 1 before the write arrives.
    let s = Script {
        replicas: 3,
        ops: vec![
            Op::Put {
                replica: 0,
                session: 0,
                key: 1,
                value: 5,
            },
            Op::Get {
                replica: 1,
                session: 0,
                key: 1,
            },
            Op::Deliver { index: 0 },
            Op::Get {
                replica: 1,
                session: 0,
                key: 1,
            },
        ],
    };
    let o = run_script(store_read_your_writes::Algorithm, &s);
    assert_eq!(o[1], Outcome::Get(None), "{o:?}");
    assert_eq!(o[3], Outcome::Get(Some(Some(5))), "{o:?}");
}
