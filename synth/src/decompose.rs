//! Decomposition: the middle loop's move when no single tactic script of the
//! portfolio closes a lemma (DESIGN.md §4, "a proposer adds helper lemmas or
//! a decomposition").
//!
//! The goal Rocq printed for the stuck lemma is read for structural splits
//! ([`splits`]):
//! * a conjunction or an equivalence in the conclusion: `split`;
//! * a disjunction among the hypotheses: `destruct H as [H | H]`;
//! * a case split on the scrutinee of an `if` or a `match`, in the
//!   conclusion or a hypothesis: `destruct (e) eqn:Hcase`;
//! * induction on a `nat` or list the conclusion quantifies over.
//!
//! Each sub-goal the split leaves becomes a **helper lemma**
//! `<parent>_part<i>`. Its statement is not guessed: the engine runs the
//! split followed by [`REVERT_ALL`] in the parent's proof and takes each
//! sub-goal Rocq prints, every hypothesis generalized, as a closed statement
//! ([`parts`]). The helpers start `Admitted`; one oracle check grades their
//! statements and the parent's [`closing_script`] together (the parent must
//! be accepted with only the helpers left `Admitted`). Each helper is then
//! proved by the same portfolio, and a helper the portfolio cannot close is
//! decomposed in turn, down to [`MAX_DEPTH`] levels. When every helper is
//! proved the parent is closed by its closing script; when one stays stuck
//! the decomposition is reverted (its helpers removed) and the next split is
//! tried ([`MAX_SPLITS`] per lemma, [`MAX_SPLITS_PER_OBLIGATION`] in all). A shipped development lists every helper
//! lemma before its parent, so the audit (`Print Assumptions` of the main
//! theorem) covers them.

use crate::oracle::{Goal, Goals, MAX_DETAILED_GOALS};
use serde::{Deserialize, Serialize};

/// How deep helper lemmas are decomposed again (1: only the obligations).
pub const MAX_DEPTH: usize = 3;

/// At most this many splits are tried per stuck lemma.
pub const MAX_SPLITS: usize = 4;

/// At most this many splits are tried per obligation, over all its helper
/// lemmas (bounds the search on a candidate that cannot be closed).
pub const MAX_SPLITS_PER_OBLIGATION: usize = 12;

/// Reverts every hypothesis into the goal (last first, skipping those others
/// depend on until these are gone), so the printed goal is closed.
pub const REVERT_ALL: &str = "all: (repeat match goal with H : _ |- _ => revert H end).";

/// A structural split of a goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// The tactic (one sentence) that splits the goal.
    pub tactic: String,
    /// Which rule proposed it (`conjunction`, `iff`, `disjunction`, `case`,
    /// `induction`, or `replayed`).
    pub rule: String,
}

impl Split {
    fn new(rule: &str, tactic: String) -> Split {
        Split {
            tactic,
            rule: rule.to_string(),
        }
    }
}

/// The top-level connective of a printed proposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connective {
    /// `A /\ B` (operands: the first conjunct, the rest).
    And(String, String),
    /// `A <-> B`.
    Iff(String, String),
    /// `A \/ B` (the first disjunct, the rest).
    Or(String, String),
    /// `A -> B`, a binder (`forall`, `exists`, `fun`, `let`), an `if`, or an
    /// atom: nothing a structural split of the conclusion applies to.
    Other,
}

/// Is the byte at `i` of `s` the start of word `w` (not inside an identifier)?
fn word_at(s: &[u8], i: usize, w: &str) -> bool {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'\'' || c == b'.';
    s[i..].starts_with(w.as_bytes())
        && (i == 0 || !ident(s[i - 1]))
        && s.get(i + w.len()).is_none_or(|c| !ident(*c))
}

/// Scans `text`, calling `f(i, depth)` at every byte (stopping when it
/// returns false), where depth counts the `(`, `[`, `{` and `match ... end`
/// open before byte `i`.
fn scan(text: &str, mut f: impl FnMut(usize, usize) -> bool) {
    let s = text.as_bytes();
    let mut depth = 0usize;
    for i in 0..s.len() {
        if !f(i, depth) {
            return;
        }
        match s[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ if word_at(s, i, "match") => depth += 1,
            _ if word_at(s, i, "end") => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
}

/// Strips one pair of parentheses enclosing the whole of `t`.
fn unparen(t: &str) -> &str {
    let t = t.trim();
    if !(t.starts_with('(') && t.ends_with(')')) {
        return t;
    }
    let mut closes_early = false;
    let mut depth = 0i32;
    for (i, c) in t.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 < t.len() {
                    closes_early = true;
                }
            }
            _ => {}
        }
    }
    if closes_early {
        t
    } else {
        unparen(&t[1..t.len() - 1])
    }
}

/// The top-level connective of `prop` (as Rocq prints it, layout collapsed):
/// the loosest depth-0 operator before any depth-0 binder or `if`, by
/// Rocq's precedences (`->` < `<->` < `\/` < `/\`).
pub fn connective(prop: &str) -> Connective {
    let prop = unparen(prop);
    let s = prop.as_bytes();
    let (mut arrow, mut iff, mut or, mut and) = (None, None, None, None);
    scan(prop, |i, depth| {
        if depth > 0 {
            return true;
        }
        if ["forall", "exists", "fun", "let", "if"]
            .iter()
            .any(|w| word_at(s, i, w))
        {
            // Everything to the right is inside the binder or the branches.
            if i == 0 {
                arrow = Some(0);
            }
            return false;
        }
        if s[i..].starts_with(b"<->") {
            iff.get_or_insert(i);
        } else if s[i..].starts_with(b"->") && (i == 0 || s[i - 1] != b'<') {
            arrow.get_or_insert(i);
        } else if s[i..].starts_with(b"\\/") {
            or.get_or_insert(i);
        } else if s[i..].starts_with(b"/\\") {
            and.get_or_insert(i);
        }
        true
    });
    let cut = |at: usize, len: usize| {
        (
            prop[..at].trim().to_string(),
            prop[at + len..].trim().to_string(),
        )
    };
    if arrow.is_some() {
        Connective::Other
    } else if let Some(i) = iff {
        let (a, b) = cut(i, 3);
        Connective::Iff(a, b)
    } else if let Some(i) = or {
        let (a, b) = cut(i, 2);
        Connective::Or(a, b)
    } else if let Some(i) = and {
        let (a, b) = cut(i, 2);
        Connective::And(a, b)
    } else {
        Connective::Other
    }
}

/// The scrutinees of the `if`s and `match`es of `text`, outermost first
/// (`if e then ...` and `match e with ...`; dependent matches with `as`,
/// `in` or `return` clauses are left out).
pub fn scrutinees(text: &str) -> Vec<String> {
    let s = text.as_bytes();
    let mut out: Vec<String> = Vec::new();
    for (kw, until) in [("if", "then"), ("match", "with")] {
        for i in 0..s.len() {
            if !word_at(s, i, kw) {
                continue;
            }
            let start = i + kw.len();
            let mut end = None;
            let mut depth = 0i32;
            for j in start..s.len() {
                match s[j] {
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' => depth -= 1,
                    _ => {}
                }
                if depth < 0 {
                    break;
                }
                if depth == 0 && (word_at(s, j, "if") || word_at(s, j, "match")) && j > start {
                    break;
                }
                if depth == 0 && word_at(s, j, until) {
                    end = Some(j);
                    break;
                }
            }
            let Some(end) = end else { continue };
            let e = text[start..end].trim();
            let dependent = [" as ", " in ", " return "]
                .iter()
                .any(|w| format!(" {e} ").contains(w));
            if !e.is_empty() && !dependent && !out.iter().any(|x| x == e) {
                out.push(e.to_string());
            }
        }
    }
    // Outermost first: by position of first occurrence.
    out.sort_by_key(|e| text.find(e.as_str()).unwrap_or(usize::MAX));
    out
}

/// The variables the conclusion quantifies over in its leading `forall`,
/// with their types: `forall (a : T) (b c : U), ...` or `forall a b : T, ...`.
pub fn quantified(conclusion: &str) -> Vec<(String, String)> {
    let Some(rest) = conclusion.trim().strip_prefix("forall ") else {
        return vec![];
    };
    let mut comma = None;
    scan(rest, |i, depth| {
        if depth == 0 && rest.as_bytes()[i] == b',' {
            comma = Some(i);
            return false;
        }
        true
    });
    let Some(comma) = comma else { return vec![] };
    let binders = rest[..comma].trim();
    let mut groups: Vec<String> = Vec::new();
    if binders.starts_with('(') {
        let mut depth = 0;
        let mut cur = String::new();
        for c in binders.chars() {
            match c {
                '(' => {
                    if depth > 0 {
                        cur.push(c);
                    }
                    depth += 1;
                }
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        groups.push(std::mem::take(&mut cur));
                    } else {
                        cur.push(c);
                    }
                }
                _ if depth > 0 => cur.push(c),
                _ => {}
            }
        }
    } else {
        groups.push(binders.to_string());
    }
    let mut out = Vec::new();
    for g in groups {
        if let Some((names, ty)) = g.split_once(':') {
            for n in names.split_whitespace() {
                out.push((n.to_string(), ty.trim().to_string()));
            }
        }
    }
    out
}

/// A hypothesis name not used in the goal: `base`, `base0`, `base1`, ...
fn fresh(goal: &Goal, base: &str) -> String {
    let used = |n: &str| {
        goal.hypotheses
            .iter()
            .any(|h| h.names.iter().any(|x| x == n))
    };
    if !used(base) {
        return base.to_string();
    }
    (0..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !used(n))
        .unwrap_or_else(|| base.to_string())
}

/// The structural splits of a printed goal, best first (see the module
/// documentation), at most [`MAX_SPLITS`].
pub fn splits(goal: &Goal) -> Vec<Split> {
    let mut out = Vec::new();
    match connective(&goal.conclusion) {
        Connective::And(..) => out.push(Split::new("conjunction", "split.".into())),
        Connective::Iff(..) => out.push(Split::new("iff", "split.".into())),
        _ => {}
    }
    for h in &goal.hypotheses {
        if h.ty.starts_with(":=") {
            continue;
        }
        if let Connective::Or(..) = connective(&h.ty) {
            for n in &h.names {
                out.push(Split::new(
                    "disjunction",
                    format!("destruct {n} as [{n} | {n}]."),
                ));
            }
        }
    }
    let case = fresh(goal, "Hcase");
    let mut seen = Vec::new();
    let texts = std::iter::once(goal.conclusion.as_str()).chain(
        goal.hypotheses
            .iter()
            .filter(|h| !h.ty.starts_with(":="))
            .map(|h| h.ty.as_str()),
    );
    for t in texts {
        for e in scrutinees(t) {
            if !seen.contains(&e) {
                out.push(Split::new("case", format!("destruct ({e}) eqn:{case}.")));
                seen.push(e);
            }
        }
    }
    for (x, ty) in quantified(&goal.conclusion) {
        let clash = goal.hypotheses.iter().any(|h| h.names.contains(&x));
        if !clash && (ty == "nat" || ty.starts_with("list ")) {
            out.push(Split::new("induction", format!("induction {x}.")));
        }
    }
    out.truncate(MAX_SPLITS);
    out
}

/// A closed statement laid out one premise per line, as the framework's own
/// lemmas are: a line break after each top-level `->` and after the comma
/// of each top-level `forall` (whitespace only; Rocq reads the same term).
pub fn layout(statement: &str) -> String {
    let s = statement.as_bytes();
    let mut out = String::with_capacity(statement.len() + 64);
    let mut in_binders = false;
    let mut skip_space = false;
    let mut last = 0;
    let mut breaks = Vec::new();
    scan(statement, |i, depth| {
        if depth == 0 {
            if word_at(s, i, "forall") {
                in_binders = true;
            } else if in_binders && s[i] == b',' {
                in_binders = false;
                breaks.push(i + 1);
            } else if !in_binders && s[i..].starts_with(b"->") && (i == 0 || s[i - 1] != b'<') {
                breaks.push(i + 2);
            }
        }
        true
    });
    for b in breaks {
        out.push_str(statement[last..b].trim_start_matches(' '));
        out.push_str("\n  ");
        last = b;
        skip_space = true;
    }
    let rest = &statement[last..];
    out.push_str(if skip_space { rest.trim_start() } else { rest });
    out
}

/// The name of the `i`-th helper lemma (1-based) of `parent`.
pub fn part_name(parent: &str, i: usize) -> String {
    format!("{parent}_part{i}")
}

/// The statements of the helper lemmas: the sub-goals Rocq printed after the
/// split and [`REVERT_ALL`], each closed. Refused (with the reason) when the
/// split left no sub-goal or more than [`MAX_DETAILED_GOALS`], or a sub-goal
/// still has a hypothesis or an existential variable (`?x`).
pub fn parts(goals: &Goals) -> Result<Vec<String>, String> {
    if goals.count == 0 {
        return Err("the split closed the goal: nothing to decompose".into());
    }
    if goals.count > MAX_DETAILED_GOALS || goals.goals.len() != goals.count {
        return Err(format!(
            "the split leaves {} sub-goals (at most {MAX_DETAILED_GOALS})",
            goals.count
        ));
    }
    let mut out = Vec::new();
    for (i, g) in goals.goals.iter().enumerate() {
        if !g.hypotheses.is_empty() {
            return Err(format!(
                "sub-goal {} kept hypotheses after reverting",
                i + 1
            ));
        }
        let s = g.conclusion.trim();
        let evar = s
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'?' && w[1].is_ascii_alphabetic());
        if s.is_empty() || evar {
            return Err(format!(
                "sub-goal {} cannot be stated as a lemma: {s:?}",
                i + 1
            ));
        }
        out.push(s.to_string());
    }
    Ok(out)
}

/// The parent's proof after its prelude: the split, then each sub-goal
/// closed by its helper lemma (hypotheses reverted, then `exact`).
pub fn closing_script(split: &str, helpers: &[String]) -> String {
    let split = split.trim().trim_end_matches('.');
    let revert = REVERT_ALL.trim_start_matches("all: ").trim_end_matches('.');
    let close = |h: &String| format!("{revert}; exact {h}");
    match helpers {
        [one] => format!("{split}; {}.", close(one)),
        _ => format!(
            "{split}; [{}].",
            helpers.iter().map(close).collect::<Vec<_>>().join(" | ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::{parse_show, Hypothesis};

    fn goal(hyps: &[(&str, &str)], conclusion: &str) -> Goal {
        Goal {
            hypotheses: hyps
                .iter()
                .map(|(n, t)| Hypothesis {
                    names: n.split(", ").map(str::to_string).collect(),
                    ty: t.to_string(),
                })
                .collect(),
            conclusion: conclusion.into(),
        }
    }

    #[test]
    fn the_top_level_connective_follows_rocq_precedences() {
        assert_eq!(
            connective("sub (ids (issued Ab s)) (ids (applied Ab r)) /\\ sub a b /\\ c"),
            Connective::And(
                "sub (ids (issued Ab s)) (ids (applied Ab r))".into(),
                "sub a b /\\ c".into()
            )
        );
        assert_eq!(
            connective("(a /\\ b)"),
            Connective::And("a".into(), "b".into())
        );
        assert_eq!(connective("a /\\ b -> c"), Connective::Other);
        assert_eq!(connective("(a /\\ b) = c"), Connective::Other);
        assert_eq!(connective("forall x : nat, a x /\\ b"), Connective::Other);
        assert_eq!(connective("exists w, In w l /\\ P w"), Connective::Other);
        assert_eq!(
            connective("a \\/ b /\\ c"),
            Connective::Or("a".into(), "b /\\ c".into())
        );
        assert_eq!(
            connective("x = y <-> In x l"),
            Connective::Iff("x = y".into(), "In x l".into())
        );
        assert_eq!(
            connective("a /\\ (forall x, b x -> c)"),
            Connective::And("a".into(), "(forall x, b x -> c)".into())
        );
        assert_eq!(
            connective("if keq kcmp k k' then a /\\ b else c"),
            Connective::Other
        );
        assert_eq!(
            connective("match o with | Some w => a /\\ b | None => c end"),
            Connective::Other
        );
        assert_eq!(
            connective("match o with | Some w => a | None => c end /\\ d"),
            Connective::And(
                "match o with | Some w => a | None => c end".into(),
                "d".into()
            )
        );
        assert_eq!(
            connective("(a) /\\ (b)"),
            Connective::And("(a)".into(), "(b)".into())
        );
    }

    #[test]
    fn scrutinees_are_found_outermost_first() {
        assert_eq!(
            scrutinees("(if keq kcmp k k' then Some v else find k m) = None"),
            vec!["keq kcmp k k'".to_string()]
        );
        assert_eq!(
            scrutinees("match latest keqb k (applied Ab r) with | Some w => if f w then a else b | None => c end"),
            vec!["latest keqb k (applied Ab r)".to_string(), "f w".to_string()]
        );
        assert_eq!(
            scrutinees("match x as y return P y with | _ => I end"),
            Vec::<String>::new()
        );
        assert!(scrutinees("sub (wsessw w) (ids (applied Ab j))").is_empty());
        // `iff` and `endpoint` are not keywords.
        assert!(scrutinees("iff a b /\\ endpoint x").is_empty());
    }

    #[test]
    fn quantified_variables_are_read_from_both_binder_forms() {
        assert_eq!(
            quantified("forall (l : list nat) (a b : nat), P l a b"),
            vec![
                ("l".into(), "list nat".into()),
                ("a".into(), "nat".into()),
                ("b".into(), "nat".into())
            ]
        );
        assert_eq!(
            quantified("forall n m : nat, n + m = m + n"),
            vec![("n".into(), "nat".into()), ("m".into(), "nat".into())]
        );
        assert!(quantified("n + 0 = n").is_empty());
    }

    #[test]
    fn splits_read_the_printed_goal() {
        // The printed goal of a stuck local obligation with a conjunction.
        let g = parse_show(
            "1 goal\n  \n  X : sys K\n  H : sv_rel K kcmp n X Ab\n  H0 : r < n\n  ============================\n  res_write K Ab res = latest (keq kcmp) k (applied Ab r) /\\\n  sub (ids (issued Ab s)) (ids (applied Ab r))\n",
        )
        .unwrap();
        let s = splits(&g.goals[0]);
        assert_eq!(s, vec![Split::new("conjunction", "split.".into())]);

        let g = goal(
            &[
                ("H", "a = b \\/ In x l"),
                ("Hcase", "True"),
                ("m", ":= 3 : nat"),
            ],
            "(if Nat.eqb a b then x else y) = z",
        );
        let t: Vec<String> = splits(&g).into_iter().map(|s| s.tactic).collect();
        assert_eq!(
            t,
            vec![
                "destruct H as [H | H].".to_string(),
                "destruct (Nat.eqb a b) eqn:Hcase0.".to_string()
            ]
        );

        let g = goal(&[], "forall l : list nat, length (rev l) = length l");
        assert_eq!(
            splits(&g),
            vec![Split::new("induction", "induction l.".into())]
        );
        let g = goal(&[("l", "list nat")], "forall l : list nat, P l");
        assert!(splits(&g).is_empty(), "a binder shadowing a hypothesis");
    }

    #[test]
    fn goals_the_portfolio_gets_stuck_on_for_a_wrong_mechanism_have_no_split() {
        // A stuck guard of a mechanism that lacks the metadata: nothing to
        // split, so the reloader moves on without any extra oracle call.
        let g = goal(
            &[
                ("l1, l2", "list (nat * Alg.msg K nat)"),
                ("H0", "net X = l1 ++ (j, m) :: l2"),
                ("H1", "Alg.deliverable (rst X j) m = true"),
                ("H2", "find_write K Ab (sv_msg_id K m) = Some w"),
            ],
            "sub (wsessw w) (ids (applied Ab j))",
        );
        assert!(splits(&g).is_empty());
    }

    #[test]
    fn parts_are_closed_statements_and_evars_are_refused() {
        let g = parse_show(
            "2 goals\n  \n  ============================\n  forall (K : Type) (n : nat),\n  n < n -> False\n\ngoal 2 is:\n forall n : nat, n = n\n",
        )
        .unwrap();
        assert_eq!(
            parts(&g).unwrap(),
            vec![
                "forall (K : Type) (n : nat), n < n -> False".to_string(),
                "forall n : nat, n = n".to_string()
            ]
        );
        let g = parse_show("1 goal\n  \n  ============================\n  ?x = 1\n").unwrap();
        assert!(parts(&g).unwrap_err().contains("cannot be stated"));
        let g =
            parse_show("1 goal\n  \n  H : True\n  ============================\n  True\n").unwrap();
        assert!(parts(&g).unwrap_err().contains("kept hypotheses"));
        assert!(parts(&parse_show("No more goals.\n").unwrap()).is_err());
    }

    /// Decomposes `statement` (after `intros.`) by its first split into
    /// helper lemmas printed by Rocq, proves each with `tactic`, and checks
    /// the parent closed by its closing script: what the engine does.
    fn decompose_with_rocq(
        rocq: &crate::oracle::Rocq,
        name: &str,
        statement: &str,
        tactic: &str,
    ) -> Vec<String> {
        use crate::development::helper_lemma;
        let prefix = "From Coq Require Import Arith Lia.";
        let intro = vec!["intros.".to_string()];
        let goal = rocq.goal_at(prefix, statement, &intro).unwrap();
        let split = splits(&goal.goals[0]).into_iter().next().expect("a split");
        let mut before = intro.clone();
        before.extend([split.tactic.clone(), REVERT_ALL.to_string()]);
        let statements = parts(&rocq.goal_at(prefix, statement, &before).unwrap()).unwrap();
        let names: Vec<String> = (1..=statements.len()).map(|i| part_name(name, i)).collect();
        let mut src = format!("{prefix}\n");
        for (n, st) in names.iter().zip(&statements) {
            src.push_str(&helper_lemma(n, st, Some(tactic)));
        }
        src.push_str(&format!(
            "{statement}\nProof.\n  intros.\n  {}\nQed.\n",
            closing_script(&split.tactic, &names)
        ));
        let v = rocq
            .check(&src, &crate::oracle::CheckOptions::named("Decomposed"))
            .unwrap();
        assert!(v.is_closed(), "{src}\n{:?}", v.errors);
        statements
    }

    #[test]
    fn rocq_states_the_helper_lemmas_and_accepts_the_closing_script() {
        let Ok(rocq) = crate::oracle::Rocq::detect() else {
            eprintln!("notice: no Rocq/Coq installed, skipping");
            return;
        };
        let st = decompose_with_rocq(
            &rocq,
            "conj",
            "Lemma conj : forall n m : nat, n <= m -> n + 0 <= m /\\ m * 1 = m.",
            "lia.",
        );
        assert_eq!(st.len(), 2);
        assert!(
            st[0].starts_with("forall n m : nat,") && st[0].ends_with("n + 0 <= m"),
            "{st:?}"
        );
        let st = decompose_with_rocq(
            &rocq,
            "cases",
            "Lemma cases : forall (b : bool) (n : nat), (if b then n + 0 else 0 + n) = n.",
            "subst; simpl; lia.",
        );
        assert_eq!(st.len(), 2);
        assert!(st[0].contains("b = true"), "{st:?}");
        let st = decompose_with_rocq(
            &rocq,
            "either",
            "Lemma either : forall n : nat, n = 0 \\/ n = 1 -> n <= 1.",
            "lia.",
        );
        assert_eq!(st.len(), 2);
    }

    #[test]
    fn statements_are_laid_out_one_premise_per_line() {
        let st = "forall (K : Type) (kcmp : K -> K -> comparison), key_order kcmp -> forall n : nat, (n <-> n) -> P (fun x => x) n";
        assert_eq!(
            layout(st),
            "forall (K : Type) (kcmp : K -> K -> comparison),\n  key_order kcmp ->\n  forall n : nat,\n  (n <-> n) ->\n  P (fun x => x) n"
        );
        assert_eq!(layout("a = b"), "a = b");
        let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(squash(&layout(st)), st);
    }

    #[test]
    fn the_closing_script_applies_each_helper_to_its_sub_goal() {
        let h = vec!["p_part1".to_string(), "p_part2".to_string()];
        let s = closing_script("split.", &h);
        assert_eq!(
            s,
            "split; [(repeat match goal with H : _ |- _ => revert H end); exact p_part1 | (repeat match goal with H : _ |- _ => revert H end); exact p_part2]."
        );
        let s = closing_script("destruct H as [H | H].", &h[..1]);
        assert!(s.starts_with("destruct H as [H | H]; (repeat"), "{s}");
        assert_eq!(part_name("c1_holds_at_get", 2), "c1_holds_at_get_part2");
    }
}
