//! Constructs that cannot be translated faithfully are refused with an
//! error naming the declaration and the place inside it.

mod common;
use common::*;

fn translate(json: &str) -> Result<String, String> {
    miniml2rust::translate_json(json, "t.json").map_err(|e| e.to_string())
}

#[test]
fn axioms_and_rank2_polymorphism_are_refused() {
    if !have_coqc("axioms_and_rank2_polymorphism_are_refused") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (json, _) = coq(
        dir.path(),
        "Parameter magic : nat -> nat.\nDefinition useit n := magic (S n).",
        "useit",
    );
    let e = translate(&json).unwrap_err();
    assert!(e.contains("`magic`") && e.contains("axiom"), "{e}");

    let (json, _) = coq(
        dir.path(),
        "Definition both (f: forall A, A -> A) := (f nat 1, f bool true).\nDefinition use2 := both (fun _ x => x).",
        "use2",
    );
    let e = translate(&json).unwrap_err();
    assert!(e.contains("`both`") && e.contains("type:unknown"), "{e}");
}

const PRELUDE: &str = r#"{"what":"decl:ind","name":"nat","argnames":[],"constructors":[{"name":"O","argtypes":[]},{"name":"S","argtypes":[{"what":"type:glob","name":"nat","args":[]}]}]}"#;

fn module(decl: &str) -> String {
    format!(r#"{{"what":"module","name":"M","declarations":[{PRELUDE},{decl}]}}"#)
}

const NAT: &str = r#"{"what":"type:glob","name":"nat","args":[]}"#;

#[test]
fn nested_patterns_are_refused_with_their_path() {
    // pred2 n = match n with S (S m) => m | _ => O
    let d = format!(
        r#"{{"what":"decl:term","name":"pred2","type":{{"what":"type:arrow","left":{NAT},"right":{NAT}}},
        "value":{{"what":"expr:lambda","argnames":["n"],"body":{{"what":"expr:case","expr":{{"what":"expr:rel","name":"n"}},
        "cases":[{{"what":"case","pat":{{"what":"pat:constructor","name":"S","argnames":[{{"what":"pat:constructor","name":"S","argnames":["m"]}}]}},"body":{{"what":"expr:rel","name":"m"}}}},
                 {{"what":"case","pat":{{"what":"pat:wild"}},"body":{{"what":"expr:constructor","name":"O","args":[]}}}}]}}}}}}"#
    );
    let e = translate(&module(&d)).unwrap_err();
    assert!(
        e.contains("`pred2`") && e.contains("case:branch0") && e.contains("nested pattern"),
        "{e}"
    );
}

#[test]
fn unknown_globals_primitive_ints_and_ill_typed_terms_are_refused() {
    let d = format!(
        r#"{{"what":"decl:term","name":"f","type":{NAT},"value":{{"what":"expr:lambda","argnames":[],"body":{{"what":"expr:global","name":"nowhere"}}}}}}"#
    );
    let e = translate(&module(&d)).unwrap_err();
    assert!(e.contains("`f`") && e.contains("`nowhere`"), "{e}");

    let d = format!(
        r#"{{"what":"decl:term","name":"g","type":{NAT},"value":{{"what":"expr:lambda","argnames":[],"body":{{"what":"expr:int","int":"3"}}}}}}"#
    );
    let e = translate(&module(&d)).unwrap_err();
    assert!(e.contains("`g`") && e.contains("primitive integer"), "{e}");

    // Applying a nat: ill-typed.
    let d = format!(
        r#"{{"what":"decl:term","name":"h","type":{NAT},"value":{{"what":"expr:lambda","argnames":[],"body":{{"what":"expr:apply","func":{{"what":"expr:constructor","name":"O","args":[]}},"args":[{{"what":"expr:constructor","name":"O","args":[]}}]}}}}}}"#
    );
    let e = translate(&module(&d)).unwrap_err();
    assert!(e.contains("`h`") && e.contains("type mismatch"), "{e}");

    // Partially applied constructor.
    let d = format!(
        r#"{{"what":"decl:term","name":"k","type":{NAT},"value":{{"what":"expr:lambda","argnames":[],"body":{{"what":"expr:constructor","name":"S","args":[]}}}}}}"#
    );
    let e = translate(&module(&d)).unwrap_err();
    assert!(
        e.contains("`k`") && e.contains("constructor `S` applied to 0 arguments"),
        "{e}"
    );
}
