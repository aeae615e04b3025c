//! End-to-end: Rocq definitions -> JSON extraction -> Rust -> compiled and
//! run, compared with Rocq's own `Compute`.

mod common;
use common::*;

#[test]
fn inductives_records_and_fixpoints() {
    if !have_coqc("inductives_records_and_fixpoints") {
        return;
    }
    let defs = r#"
Inductive tree (A:Type) := Leaf | Node (l: tree A) (x:A) (r: tree A).
Arguments Leaf {A}. Arguments Node {A}.
Fixpoint size {A} (t: tree A) : nat := match t with Leaf => 0 | Node l _ r => S (size l + size r) end.
Fixpoint insert (x: nat) (t: tree nat) : tree nat :=
  match t with
  | Leaf => Node Leaf x Leaf
  | Node l y r => if x <? y then Node (insert x l) y r else Node l y (insert x r)
  end.
Fixpoint elements {A} (t: tree A) : list A := match t with Leaf => [] | Node l x r => elements l ++ x :: elements r end.
Record pt := mkpt { px : nat; py : bool }.
Definition flip (p: pt) := {| px := px p + 1; py := negb (py p) |}.
Fixpoint even n := match n with 0 => true | S m => odd m end
with odd n := match n with 0 => false | S m => even m end.
Inductive rose := Rose : nat -> list rose -> rose.
Fixpoint rsum (r: rose) : nat :=
  match r with Rose n kids => n + (fix go (l: list rose) := match l with [] => 0 | k :: ks => rsum k + go ks end) kids end.
Inductive color := Red | Green | Blue.
Definition next c := match c with Red => Green | Green => Blue | Blue => Red end.
Definition is_red c := match c with Red => true | _ => false end.
Inductive expr := Num (n: nat) | Plus (a b: expr) | Times (a b: expr).
Fixpoint eval e := match e with Num n => n | Plus a b => eval a + eval b | Times a b => eval a * eval b end.
Definition t_1 := size (fold_right insert Leaf [5;3;8;1;4]).
Definition t_2 := elements (fold_right insert Leaf [5;3;8;1;4]).
Definition t_3 := px (flip (flip (mkpt 3 true))).
Definition t_4 := py (flip (mkpt 3 true)).
Definition t_5 := (even 10, odd 7, even 3).
Definition t_6 := rsum (Rose 1 [Rose 2 []; Rose 3 [Rose 4 []]]).
Definition t_7 := map is_red (map next [Red; Green; Blue]).
Definition t_8 := eval (Plus (Num 2) (Times (Num 3) (Plus (Num 1) (Num 4)))).
Definition t_9 := let t1 := fold_right insert Leaf [5;3;8;1;4] in
  let t2 := insert 7 (insert 2 t1) in (elements t1, elements t2, elements (insert 9 t2), size t1).
"#;
    // `insert` rebuilds the node it takes apart, so its box is reused in
    // place when uniquely owned; `t_9` updates shared trees, which must be
    // copied (old versions unchanged).
    let extra = r#"
// extract: insert
let t = insert(5, Tree::Leaf);
let u = insert(3, t.clone());
println!("{}", elements::<u64>(&t).coq());
println!("{}", elements::<u64>(&u).coq());
"#;
    let rest = check_against_coq("mm2r_inductives", defs, 9, extra);
    assert_eq!(rest, vec!["[5]".to_string(), "[3; 5]".to_string()]);
    let dir = tempfile::tempdir().unwrap();
    let (json, _) = coq(dir.path(), defs, "insert");
    let rust = miniml2rust::translate_json(&json, "t.json").unwrap();
    assert!(
        rust.contains("Rc::make_mut"),
        "insert reuses its node:\n{rust}"
    );
}

#[test]
fn nat_arithmetic_is_native_and_checked() {
    if !have_coqc("nat_arithmetic_is_native_and_checked") {
        return;
    }
    let defs = r#"
Fixpoint fact n := match n with 0 => 1 | S m => n * fact m end.
Definition square (n: nat) := n * n.
Definition t_1 := 7 - 10.
Definition t_2 := Nat.max 3 9 * Nat.min 4 2 + Nat.pred 0 + Nat.pred 5.
Definition t_3 := (Nat.eqb 3 3, Nat.leb 4 3, Nat.ltb 2 5, Nat.compare 2 7, Nat.compare 7 7).
Definition t_4 := Nat.pow 2 10.
Definition t_5 := if Nat.eq_dec 4 4 then (if Nat.eq_dec 4 5 then 2 else 1) else 0.
Definition t_6 := fact 6.
Definition t_7 := match Nat.compare 9 3 with Gt => 1 | _ => 0 end.
Definition t_8 := 1000 + 2000 * 3.
"#;
    let extra = r#"
// extract: square
assert_eq!(square(4_000_000_000), 16_000_000_000_000_000_000);
println!("{}", std::panic::catch_unwind(|| square(u64::MAX)).is_err());
println!("{}", add(u64::MAX - 1, 1));
"#;
    let rest = check_against_coq("mm2r_nat", defs, 8, extra);
    assert_eq!(rest, vec!["true".to_string(), u64::MAX.to_string()]);
    // Natives really are native: huge values are computed instantly.
}

#[test]
fn closures_partial_application_and_polymorphism() {
    if !have_coqc("closures_partial_application_and_polymorphism") {
        return;
    }
    let defs = r#"
Definition store (K V: Type) := K -> option V.
Definition empty {K V} : store K V := fun _ => None.
Definition upd {K V} (eqb: K -> K -> bool) (s: store K V) k0 v : store K V :=
  fun k => if eqb k k0 then Some v else s k.
Definition build (l: list (nat * nat)) := fold_left (fun s kv => upd Nat.eqb s (fst kv) (snd kv)) l (@empty nat nat).
Definition big (n: nat) := build (map (fun i => (i, i * 2)) (seq 0 n)).
Definition b1 := build [(1,10);(2,20);(1,30)].
Definition t_1 := (b1 1, b1 2, b1 3).
Definition add3 := Nat.add 3.
Definition t_2 := map add3 [1;2;3].
Definition compose {A B C} (g: B -> C) (f: A -> B) := fun x => g (f x).
Definition t_3 := map (compose S (Nat.mul 2)) [0;5].
Definition twice {A} (f: A -> A) x := f (f x).
Definition t_4 := twice (twice (Nat.add 5)) 1.
Definition curry3 (a b c: nat) := a * 100 + b * 10 + c.
Definition t_5 := let f := curry3 1 in let g := f 2 in (g 3, f 4 5, curry3 7 8 9).
Definition t_6 := map (fun p => match p with (a, b) => a + b end) (combine [1;2] [10;20]).
Definition t_7 := fold_right (fun x acc => x :: x :: acc) [] [true; false].
Definition apply_all (fs: list (nat -> nat)) (x: nat) := map (fun f => f x) fs.
Definition t_8 := apply_all [S; Nat.mul 3; fun y => y - 1; curry3 0 1] 7.
Definition pairs {A B} (a: A) (l: list B) := map (fun b => (a, b)) l.
Definition t_9 := (pairs true [1;2], pairs [3] [false]).
Definition t_10 := (big 50) 49.
"#;
    let extra = r#"
// extract: big
// A closure chain of 20000 stores answers lookups (deep but honest).
let s = std::thread::Builder::new().stack_size(1 << 28).spawn(|| {
    let s = big(20_000);
    ((s(&19_999), s(&0)), s(&20_000))
}).unwrap().join().unwrap();
println!("{}", s.coq());
"#;
    let rest = check_against_coq("mm2r_closures", defs, 10, extra);
    assert_eq!(rest, vec!["(Some 39998, Some 0, None)".to_string()]);
}

#[test]
fn lists_options_lets_and_local_fixpoints() {
    if !have_coqc("lists_options_lets_and_local_fixpoints") {
        return;
    }
    let defs = r#"
Fixpoint lookup (k: nat) (l: list (nat * nat)) : option nat :=
  match l with [] => None | (k', v) :: t => if Nat.eqb k k' then Some v else lookup k t end.
Definition t_1 := (lookup 2 [(1,5);(2,6)], lookup 3 [(1,5)]).
Definition sum_to n := let fix go m acc := match m with 0 => acc | S k => go k (acc + m) end in go n 0.
Definition t_2 := sum_to 100.
Definition t_3 := rev (seq 1 5).
Definition t_4 := (length [1;2;3], nth 1 [4;5;6] 0, hd 9 [], existsb (Nat.eqb 2) [1;2]).
Definition t_5 := let x := 5 in let y := x + x in y * x.
Definition t_6 := (option_map S (Some 4), option_map S None).
Definition t_7 := filter Nat.even (seq 0 10).
Definition evn (n: nat) :=
  (fix e n := match n with 0 => true | S m => o m end
   with o n := match n with 0 => false | S m => e m end for e) n.
Definition t_8 := (evn 10, evn 7).
Definition scale (k: nat) (l: list nat) :=
  let fix go l := match l with [] => [] | x :: t => k * x :: go t end in go l.
Definition t_9 := scale 3 [1;2;3].
Definition t_10 := (partition (fun n => n <? 3) [1;4;2;5], split [(1,true);(2,false)]).
"#;
    check_against_coq("mm2r_lists", defs, 10, "");
}

#[test]
fn uncurried_parameters_borrowed_arguments_and_adapters() {
    if !have_coqc("uncurried_parameters_borrowed_arguments_and_adapters") {
        return;
    }
    // `eqb`, `f`, `g` are only fully applied (or passed on to such
    // parameters): uncurried, by reference. `h` and `s` are partially applied
    // or captured: curried. Keys are lists (not `Copy`), so moves and borrows
    // of the same variable are exercised.
    let defs = r#"
Fixpoint assoc {K V} (eqb : K -> K -> bool) (k : K) (l : list (K * V)) : option V :=
  match l with [] => None | (k', v) :: t => if eqb k' k then Some v else assoc eqb k t end.
Fixpoint add {K V} (eqb : K -> K -> bool) (k : K) (v : V) (l : list (K * V)) : list (K * V) :=
  match l with
  | [] => [(k, v)]
  | (k', v') :: t => if eqb k k' then (k, v) :: t else (k', v') :: add eqb k v t
  end.
Definition leq (a b : list nat) := Nat.eqb (length a) (length b) && forallb (fun p => Nat.eqb (fst p) (snd p)) (combine a b).
Definition db := add leq [1] 10 (add leq [2;3] 20 (add leq [] 30 (add leq [1] 40 []))).
Definition t_1 := (assoc leq [1] db, assoc leq [2;3] db, assoc leq [] db, assoc leq [4] db, length db).
Definition both_after (eqb : list nat -> list nat -> bool) (k : list nat) (l : list (list nat)) := (k :: l, eqb k k).
Definition both_before (eqb : list nat -> list nat -> bool) (k : list nat) (l : list (list nat)) := (eqb k [], k :: l).
Definition t_2 := (both_after leq [1] [[2]], both_before leq [] [[3]], both_before leq [5] []).
Definition apply2 (f : nat -> nat -> nat) (a b : nat) := f a b.
Definition t_3 := (apply2 Nat.add 3 4, apply2 (fun x y => x * y) 3 4, map (apply2 Nat.mul 2) [1;2], let g := apply2 in g Nat.sub 10 3).
Definition twice_with (g : (nat -> nat) -> nat -> nat) (x : nat) := g (fun y => y + 1) (g S x).
Definition t_4 := twice_with (fun f n => f (f n)) 5.
Definition mixed (h : nat -> nat -> nat) := (h 1 2, map (h 3) [4; 5]).
Definition t_5 := mixed Nat.add.
Definition upd (eqb : nat -> nat -> bool) (s : nat -> option nat) k0 v := fun k => if eqb k k0 then Some v else s k.
Definition t_6 := let s := upd Nat.eqb (upd Nat.eqb (fun _ => None) 1 10) 2 20 in (s 1, s 2, s 3).
Definition pick (eqb : nat -> nat -> bool) (l : list (list nat * nat)) := map (fun p => assoc leq (fst p) [(fst p, snd p)]) l.
Definition t_7 := (pick Nat.eqb [([1], 2); ([], 3)], assoc (fun a b => leq a b) [7] [([7], 1)]).
Definition via_local (l : list nat) := let e := fun a b => Nat.eqb (a + 1) b in (assoc e 2 (map (fun x => (x, x * 10)) l), add e 2 0 [(3, 1)]).
Definition t_8 := via_local [1; 2; 3].
Definition capt (f : nat -> nat) (l : list nat) := map (fun x => f (x + 1)) l.
Definition t_9 := (capt S [1; 2], capt (apply2 Nat.mul 3) [4]).
"#;
    let extra = r#"
// extract: assoc add both_after mixed upd capt
// The rule applied: fully applied parameters are `&impl Fn(&A, ..) -> R`
// (or `&dyn Fn`), partially applied or captured ones stay curried
// (`Rc<dyn Fn(&A) -> ..>`), checked by the types. Ownership: `assoc` only
// inspects its key and list (by reference); `capt` only reads its list;
// `nat`s are passed by value.
let eq = |a: &u64, b: &u64| a == b;
let l: rt_list::L = runtime::List::from_vec(vec![(1, 10)]);
let _: Option<u64> = assoc::<u64, u64>(&eq, &1u64, &l);
let d: &dyn Fn(&u64, &u64) -> bool = &eq;
let _: Option<u64> = assoc::<u64, u64>(d, &1u64, &l);
let _: fn(Rc<dyn Fn(&u64) -> Rc<dyn Fn(&u64) -> u64>>) -> (u64, runtime::List<u64>) = mixed;
let _: Option<u64> = upd(&eq, &|k: &u64| Some(*k), 1u64, 2u64, 3u64);
let _: fn(Rc<dyn Fn(&u64) -> u64>, &runtime::List<u64>) -> runtime::List<u64> = capt;
println!("ok");
"#;
    let extra = extra.replace("rt_list::L", "runtime::List<(u64, u64)>");
    let rest = check_against_coq("mm2r_uncurry", defs, 9, &extra);
    assert_eq!(rest, vec!["ok".to_string()]);
}

#[test]
fn keep_variants_hand_the_parameter_back_on_none() {
    if !have_coqc("keep_variants_hand_the_parameter_back_on_none") {
        return;
    }
    // `pop` answers `None` before and after taking its list apart, and once
    // through a call; `bump` takes a record apart (split into fields) and
    // answers `None` with its fields moved nowhere.
    let defs = r#"
Definition pop (l : list nat) : option (nat * list nat) :=
  match l with
  | [] => None
  | x :: t => if Nat.eqb x 0 then None else if Nat.eqb x 7 then hd_error (map (fun y => (y, t)) t) else Some (x, t)
  end.
Record r := mk { a : nat; b : list nat }.
Definition bump (s : r) : option r := if Nat.eqb (a s) 0 then None else Some (mk (a s + 1) (0 :: b s)).
"#;
    let dir = tempfile::tempdir().unwrap();
    let (json, _) = coq(dir.path(), defs, "pop bump");
    let req = miniml2rust::codegen::Requests {
        keep: vec![("pop".into(), 0), ("bump".into(), 0)],
        ..Default::default()
    };
    let m = miniml2rust::ast::parse_module(&json).unwrap();
    let t = miniml2rust::codegen::translate_with(&m, &req).unwrap();
    let rust = miniml2rust::gen::module_text(&t, "t.json");
    assert!(rust.contains("pub fn pop__keep(") && rust.contains("pub fn bump__keep("));
    let main = r#"
let l = |v: Vec<u64>| runtime::List::from_vec(v);
for v in [vec![], vec![0, 5], vec![3, 4], vec![7], vec![7, 8, 9]] {
    let plain = pop(l(v.clone()));
    match pop__keep(l(v.clone())) {
        Ok(x) => assert_eq!(Some(x), plain),
        Err(back) => { assert_eq!(plain, None); assert_eq!(back.to_vec(), v); }
    }
}
for s in [R::Mk(0, l(vec![1])), R::Mk(2, l(vec![1]))] {
    match bump__keep(s.clone()) {
        Ok(x) => assert_eq!(Some(x), bump(s)),
        Err(back) => { assert_eq!(bump(s.clone()), None); assert_eq!(back, s); }
    }
}
println!("ok");
"#;
    let proj = dir.path().join("proj");
    build_program(&proj, "mm2r_keep", &rust, main);
    let (ok, stdout, stderr) = run_bin("mm2r_keep");
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "ok");
}
