//! A complete toy store following the `ALGORITHM` convention: generated as
//! a crate, built, its own smoke test run, and a scenario through the
//! `kv_store_api::Store` trait compared with Rocq's `Compute`.

mod common;
use common::*;
use miniml2rust::gen::{generate_store_crate, Deps};

/// Causal store: a record state (my id, vector of applied counts, an
/// association list), a vector-of-nat token, an inductive message.
const TOY: &str = r#"
Record state (K V : Type) := mkst { me : nat; vc : list nat; kvs : list (K * V) }.
Arguments mkst {K V}. Arguments me {K V}. Arguments vc {K V}. Arguments kvs {K V}.
Definition token := list nat.
Inductive msg (K V : Type) := Upd (origin : nat) (seqno : nat) (k : K) (v : V).
Arguments Upd {K V}.
Fixpoint upd_nth (i x : nat) (l : list nat) : list nat :=
  match l, i with
  | [], _ => []
  | _ :: t, 0 => x :: t
  | h :: t, S j => h :: upd_nth j x t
  end.
Fixpoint vmax (a b : list nat) : list nat :=
  match a, b with
  | x :: a', y :: b' => Nat.max x y :: vmax a' b'
  | [], _ => b
  | _, [] => a
  end.
Fixpoint dominates (a b : list nat) : bool :=
  match a, b with
  | x :: a', y :: b' => (y <=? x) && dominates a' b'
  | _, [] => true
  | [], _ :: _ => false
  end.
Fixpoint assoc {K V} (kcmp : K -> K -> comparison) (k : K) (l : list (K * V)) : option V :=
  match l with [] => None | (k', v) :: t => match kcmp k k' with Eq => Some v | _ => assoc kcmp k t end end.
Definition init {K V} (n me : nat) : state K V := mkst me (repeat 0 n) [].
Definition token0 (n : nat) : token := repeat 0 n.
Definition put {K V} (kcmp : K -> K -> comparison) (s : state K V) (t : token) (k : K) (v : V)
  : option (state K V * token * msg K V) :=
  let c := S (nth (me s) (vc s) 0) in
  let vc' := upd_nth (me s) c (vc s) in
  Some (mkst (me s) vc' ((k, v) :: kvs s), vmax t vc', Upd (me s) c k v).
Definition get {K V} (kcmp : K -> K -> comparison) (s : state K V) (t : token) (k : K)
  : option (option V * token) :=
  if dominates (vc s) t then Some (assoc kcmp k (kvs s), vmax t (vc s)) else None.
Definition deliverable {K V} (s : state K V) (m : msg K V) : bool :=
  match m with Upd o c _ _ => Nat.eqb c (S (nth o (vc s) 0)) end.
Definition apply {K V} (kcmp : K -> K -> comparison) (s : state K V) (m : msg K V) : state K V :=
  match m with Upd o c k v => mkst (me s) (upd_nth o c (vc s)) ((k, v) :: kvs s) end.
Definition scenario :=
  let s0 := @init nat nat 2 0 in let s1 := @init nat nat 2 1 in
  let t := token0 2 in
  match put Nat.compare s0 t 1 100 with
  | None => None
  | Some (s0', t1, m1) =>
    match put Nat.compare s0' t1 2 200 with
    | None => None
    | Some (s0'', t2, m2) =>
      let before := deliverable s1 m2 in
      let g1 := option_map fst (get Nat.compare s1 t2 1) in
      let s1' := apply Nat.compare s1 m1 in
      let after := deliverable s1' m2 in
      let s1'' := apply Nat.compare s1' m2 in
      Some (before, after, g1, option_map fst (get Nat.compare s1'' t2 1),
            option_map fst (get Nat.compare s1'' t2 2), option_map fst (get Nat.compare s0'' t 3), t2)
    end
  end.
Compute scenario.
"#;

const SCENARIO: &str = r#"
use kv_store_api::Store;
use store_toy::{runtime::CoqShow, Algorithm};

fn main() {
    let s = Algorithm;
    let mut r0 = <Algorithm as Store<u64, u64>>::init(&s, 2, 0);
    let mut r1 = <Algorithm as Store<u64, u64>>::init(&s, 2, 1);
    let t = <Algorithm as Store<u64, u64>>::initial_token(&s, 2);
    let res = (|| {
        let (t1, m1) = s.put(&mut r0, &t, 1, 100)?;
        let (t2, m2) = s.put(&mut r0, &t1, 2, 200)?;
        // Messages and tokens cross the wire encoded.
        let m1 = <Algorithm as Store<u64, u64>>::decode_msg(&s, &s.encode_msg(&m1)).unwrap();
        let m2 = <Algorithm as Store<u64, u64>>::decode_msg(&s, &s.encode_msg(&m2)).unwrap();
        let t2 = <Algorithm as Store<u64, u64>>::decode_token(&s, 2, &<Algorithm as Store<u64, u64>>::encode_token(&s, &t2)).unwrap();
        let before = s.deliverable(&r1, &m2);
        let g1 = s.get(&r1, &t2, &1).map(|x| x.0);
        s.apply(&mut r1, m1);
        let after = s.deliverable(&r1, &m2);
        s.apply(&mut r1, m2);
        let g2 = s.get(&r1, &t2, &1).map(|x| x.0);
        let g3 = s.get(&r1, &t2, &2).map(|x| x.0);
        let g4 = s.get(&r0, &t, &3).map(|x| x.0);
        Some(((((((before, after), g1), g2), g3), g4), t2))
    })();
    println!("{}", res.coq());
    // Many operations on one replica: in-place updates keep this fast.
    let mut t = t;
    for i in 0..20_000u64 {
        let (t2, _) = s.put(&mut r0, &t, i % 100, i).unwrap();
        t = t2;
    }
    println!("{}", s.get(&r0, &t, &42).map(|x| x.0).coq());
}
"#;

#[test]
fn toy_store_crate_builds_and_agrees_with_rocq() {
    if !have_coqc("toy_store_crate_builds_and_agrees_with_rocq") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (json, out) = coq(
        dir.path(),
        TOY,
        "state token msg init token0 put get deliverable apply",
    );
    let expected = computed(&out);
    assert_eq!(expected.len(), 1, "{out}");
    let crate_dir = dir.path().join("store-toy");
    let deps = Deps::Standalone {
        store_api: workspace().join("kvstore-runtime/store-api"),
    };
    let cd = crate_dir.clone();
    let report = miniml2rust::with_big_stack(move || {
        generate_store_crate(&json, "toy.json", "toy", &cd, &deps)
    })
    .unwrap();
    assert!(
        report.contains(&format!("\"{}\",", crate_dir.display())),
        "{report}"
    );
    let extracted = std::fs::read_to_string(crate_dir.join("src/extracted.rs")).unwrap();
    assert!(extracted.starts_with("// generated from toy.json by miniml2rust; do not edit"));
    let lib = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    assert!(lib.contains("impl<K, V> Store<K, V> for Algorithm"));
    assert!(std::fs::read_to_string(crate_dir.join("Cargo.toml"))
        .unwrap()
        .contains("name = \"store-toy\""));

    std::fs::create_dir_all(crate_dir.join("examples")).unwrap();
    std::fs::write(crate_dir.join("examples/scenario.rs"), SCENARIO).unwrap();
    cargo_build(&crate_dir, &["--examples"]);
    let (ok, stdout, stderr) = run_bin("examples/scenario");
    assert!(ok, "{stderr}");
    let lines: Vec<String> = stdout.lines().map(normalise).collect();
    assert_eq!(lines[0], expected[0], "Rust (left) vs Rocq (right)");
    assert_eq!(lines[1], "Some (Some 19942)");

    // The generated crate's own smoke tests (its state has no closure, so
    // it snapshots: a second test) pass and its wrapper is clippy-clean.
    assert!(lib.contains("fn encode_state"));
    let t = cargo_in(&crate_dir, &["test", "-q"]);
    assert!(t.contains("2 passed"), "{t}");
    cargo_in(
        &crate_dir,
        &["clippy", "-q", "--all-targets", "--", "-D", "warnings"],
    );
}

#[test]
fn store_convention_violations_are_reported() {
    if !have_coqc("store_convention_violations_are_reported") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // `get` has the wrong type (returns a bare option V).
    let src = TOY.replace(
        "Definition get {K V} (kcmp : K -> K -> comparison) (s : state K V) (t : token) (k : K)\n  : option (option V * token) :=\n  if dominates (vc s) t then Some (assoc kcmp k (kvs s), vmax t (vc s)) else None.",
        "Definition get {K V} (kcmp : K -> K -> comparison) (s : state K V) (t : token) (k : K) : option V := assoc kcmp k (kvs s).",
    );
    assert_ne!(src, TOY);
    let src = src
        .replace("Definition scenario", "Definition unused_scenario")
        .replace("Compute scenario.", "");
    let src: String = src
        .lines()
        .take_while(|l| !l.starts_with("Definition unused_scenario"))
        .collect::<Vec<_>>()
        .join("\n");
    let (json, _) = coq(
        dir.path(),
        &src,
        "state token msg init token0 put get deliverable apply",
    );
    let out = dir.path().join("x");
    let err = generate_store_crate(&json, "bad.json", "bad", &out, &Deps::Workspace).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("not a store module") && msg.contains("`get`"),
        "{msg}"
    );
    let (json, _) = coq(
        dir.path(),
        &src,
        "state token msg init token0 put deliverable apply",
    );
    let msg = generate_store_crate(&json, "bad.json", "bad", &out, &Deps::Workspace)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no definition `get`"), "{msg}");
}
