//! Proposers: who suggests the next tactic for an obligation.
//!
//! All proposers go through the same oracle and the same audit; they only
//! rank tactic scripts and, when none closes a lemma, structural splits
//! ([`Proposer::decompositions`], turned into helper lemmas by the engine). The built-in one is goal-directed: it reads the goal
//! (rich feedback) and ranks the mechanism's library lemmas by how much of
//! their statement the goal shares.

use crate::decompose::Split;
use crate::development::ObKind;
use crate::oracle::{Goal, Goals};
use crate::seed::{order_ties, tie_key};
use std::collections::{BTreeSet, HashMap};

/// A library lemma and its statement, as printed by Rocq (`Check`).
#[derive(Debug, Clone)]
pub struct LibraryLemma {
    /// Name.
    pub name: String,
    /// Statement text.
    pub statement: String,
}

/// What a proposer sees about one obligation.
pub struct Request<'a> {
    /// Lemma name in the development.
    pub lemma: &'a str,
    /// Its kind.
    pub kind: ObKind,
    /// Goal after the prelude (only with rich feedback).
    pub goal: Option<&'a Goals>,
    /// Library lemmas of the candidate's mechanism.
    pub library: &'a [LibraryLemma],
    /// Tactics that closed the same lemma in earlier candidates.
    pub remembered: &'a [String],
    /// The candidate's policy switches (`name`, `true|false`).
    pub switches: &'a [(&'a str, &'a str)],
}

/// Whether a lemma's premises ask for a policy switch this candidate turns
/// off (then the lemma cannot close anything here).
pub fn needs_switch_off(statement: &str, switches: &[(&str, &str)]) -> bool {
    switches
        .iter()
        .any(|(name, value)| *value == "false" && statement.contains(&format!("{name} = true")))
}

/// Suggests tactic scripts for an obligation, best first.
pub trait Proposer {
    /// Short name for logs.
    fn name(&self) -> &str;
    /// Ranked tactic scripts (each is run after the obligation's prelude).
    fn propose(&mut self, req: &Request) -> Vec<String>;
    /// Structural splits of a lemma none of the proposed tactics closed,
    /// best first: the middle loop turns each into helper lemmas (see
    /// [`crate::decompose`]). By default, the engine's splitting rules
    /// applied to the goal Rocq printed (none without a goal).
    fn decompositions(&mut self, req: &Request) -> Vec<Split> {
        req.goal
            .and_then(|g| g.goals.first())
            .map(crate::decompose::splits)
            .unwrap_or_default()
    }
}

/// Identifiers of a Rocq text (words of letters, digits, `_`, `.`).
fn idents(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '\''))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_alphabetic()))
        .map(|w| w.rsplit('.').next().unwrap_or(w).to_string())
        .collect()
}

/// The conclusion of a statement: what follows its last top-level arrow.
fn conclusion(statement: &str) -> &str {
    statement.rsplit("->").next().unwrap_or(statement)
}

/// Scores how well a lemma's conclusion matches a goal (shared identifiers,
/// ignoring the ubiquitous ones).
pub fn match_score(goal: &str, lemma_statement: &str) -> usize {
    const COMMON: &[&str] = &[
        "K", "kcmp", "keq", "keqb", "n", "nat", "Prop", "forall", "Type", "bool", "true", "false",
    ];
    let g = idents(goal);
    let l = idents(conclusion(lemma_statement));
    g.intersection(&l)
        .filter(|w| !COMMON.contains(&w.as_str()))
        .count()
}

/// The goal-directed tactic portfolio of the offline engine.
#[derive(Debug, Default)]
pub struct Builtin {
    hammer: bool,
    seed: u64,
}

impl Builtin {
    /// `hammer`: whether CoqHammer's `sauto` is available as a last resort.
    pub fn new(hammer: bool) -> Builtin {
        Builtin { hammer, seed: 0 }
    }

    /// `--seed`: permutes library lemmas of equal match score (all of them
    /// without a goal); seed 0 keeps the catalog order (see [`crate::seed`]).
    pub fn with_seed(mut self, seed: u64) -> Builtin {
        self.seed = seed;
        self
    }
}

/// Tactics chosen from the shape of a goal, tried after the library lemmas:
/// `lia` when the goal is linear arithmetic over `nat` (a comparison or
/// sum in the conclusion, or `False` with one in a hypothesis); a case
/// split on every `if`/`match` scrutinee (decidable key equality `keq kcmp`
/// and boolean tests alike) followed by `eauto`/`lia`; and induction on the
/// first list or `nat` the goal quantifies over.
pub fn shape_tactics(goal: &Goal) -> Vec<String> {
    let c = goal.conclusion.as_str();
    let arith = |t: &str| {
        [" < ", " <= ", " > ", " >= ", " + ", " - ", "S ("]
            .iter()
            .any(|op| t.contains(op))
    };
    let mut out = Vec::new();
    let hyp_arith = goal.hypotheses.iter().any(|h| arith(&h.ty));
    if arith(c) || (c.trim() == "False" && hyp_arith) {
        out.push("intros; lia.".to_string());
    }
    if c.contains("if ") || c.contains("match ") {
        out.push(
            "intros; repeat match goal with |- context [if ?b then _ else _] => destruct b eqn:? end; eauto; try lia."
                .to_string(),
        );
    }
    if let Some(ty) = first_quantified_inductive(c) {
        out.push(format!(
            "match goal with |- forall x : {ty}, _ => intro x; induction x; simpl; intros; eauto; try lia end."
        ));
    }
    out
}

/// The type of the first variable the conclusion quantifies over, if it is
/// a list or `nat` (`forall x : list T, ...` or `forall n : nat, ...`).
fn first_quantified_inductive(conclusion: &str) -> Option<String> {
    let rest = conclusion.trim().strip_prefix("forall ")?;
    let (binder, _) = rest.split_once(',')?;
    let (_, ty) = binder.split_once(':')?;
    let ty = ty.trim().trim_end_matches(')').trim();
    (ty == "nat" || ty.starts_with("list ")).then(|| ty.to_string())
}

/// The script applying a library lemma and closing its side conditions.
pub fn apply_lemma(name: &str) -> String {
    format!("eapply {name}; eauto; try reflexivity.")
}

impl Proposer for Builtin {
    fn name(&self) -> &str {
        "builtin"
    }

    fn propose(&mut self, req: &Request) -> Vec<String> {
        let mut out: Vec<String> = req.remembered.to_vec();
        let goal_text = req
            .goal
            .and_then(|g| g.goals.first())
            .map(|g| g.conclusion.clone());
        let trivially_true = goal_text.as_deref().map(str::trim) == Some("True")
            || req.goal.is_some_and(|g| g.count == 0);
        if trivially_true {
            out.push("exact I.".into());
        }
        let mut lemmas: Vec<&LibraryLemma> = req
            .library
            .iter()
            .filter(|l| !needs_switch_off(&l.statement, req.switches))
            .collect();
        if let Some(g) = &goal_text {
            let mut scored: Vec<(usize, usize, &LibraryLemma)> = lemmas
                .iter()
                .enumerate()
                .map(|(i, l)| (match_score(g, &l.statement), i, *l))
                .filter(|(score, _, _)| *score > 0)
                .collect();
            // Highest score first; catalog order (permuted by the seed)
            // breaks ties. Lemmas sharing nothing with the goal's conclusion
            // are not tried.
            let seed = self.seed;
            scored.sort_by(|a, b| {
                b.0.cmp(&a.0)
                    .then(tie_key(seed, a.1).cmp(&tie_key(seed, b.1)))
                    .then(a.1.cmp(&b.1))
            });
            lemmas = scored.into_iter().map(|(_, _, l)| l).collect();
        } else if self.seed != 0 {
            // No goal (binary feedback): every lemma ranks the same.
            lemmas = order_ties(lemmas, self.seed, |_| ());
        }
        if !trivially_true {
            out.push("exact I.".into());
        }
        for l in lemmas {
            out.push(apply_lemma(&l.name));
        }
        if let Some(g) = req.goal.and_then(|g| g.goals.first()) {
            out.extend(shape_tactics(g));
        }
        out.push("eauto.".into());
        if self.hammer {
            out.push("sauto.".into());
        }
        let mut seen = BTreeSet::new();
        out.retain(|t| seen.insert(t.clone()));
        out
    }
}

/// Replays the tactics recorded in an earlier run log (JSON lines with
/// `"move": "prove"`, `"lemma"` and `"tactic"`) and the decompositions that
/// Rocq accepted (`"move": "decompose"` with `"lemma"`, `"split"` and
/// `"ok": true`; their helper lemmas' proofs are `prove` lines too), then
/// falls back to nothing: a replay that no longer checks fails honestly.
#[derive(Debug, Default)]
pub struct Replay {
    recorded: HashMap<String, Vec<String>>,
    splits: HashMap<String, Vec<String>>,
}

impl Replay {
    /// Reads a run log.
    pub fn from_log(text: &str) -> anyhow::Result<Replay> {
        let mut recorded: HashMap<String, Vec<String>> = HashMap::new();
        let mut splits: HashMap<String, Vec<String>> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| anyhow::anyhow!("run log line {}: {e}", i + 1))?;
            if v["move"] == "prove" {
                if let (Some(l), Some(t)) = (v["lemma"].as_str(), v["tactic"].as_str()) {
                    recorded
                        .entry(l.to_string())
                        .or_default()
                        .push(t.to_string());
                }
            }
            if v["move"] == "decompose" && v["ok"] == true {
                if let (Some(l), Some(t)) = (v["lemma"].as_str(), v["split"].as_str()) {
                    let e = splits.entry(l.to_string()).or_default();
                    if !e.iter().any(|x| x == t) {
                        e.push(t.to_string());
                    }
                }
            }
        }
        Ok(Replay { recorded, splits })
    }
}

impl Proposer for Replay {
    fn name(&self) -> &str {
        "replay"
    }

    fn propose(&mut self, req: &Request) -> Vec<String> {
        self.recorded.get(req.lemma).cloned().unwrap_or_default()
    }

    fn decompositions(&mut self, req: &Request) -> Vec<Split> {
        self.splits
            .get(req.lemma)
            .map(|v| {
                v.iter()
                    .map(|t| Split {
                        tactic: t.clone(),
                        rule: "replayed".into(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib() -> Vec<LibraryLemma> {
        vec![
            LibraryLemma {
                name: "get_latest".into(),
                statement:
                    "forall X, rel X -> res_write K Ab res = latest (keq kcmp) k (applied Ab r)"
                        .into(),
            },
            LibraryLemma {
                name: "get_issued".into(),
                statement: "forall X, rel X -> sub (ids (issued Ab s)) (ids (applied Ab r))".into(),
            },
        ]
    }

    #[test]
    fn goal_directed_ranking_puts_the_matching_lemma_first() {
        let goals = crate::oracle::parse_show(
            "1 goal\n  \n  X : nat\n  ============================\n  sub (ids (issued Ab s)) (ids (applied Ab r))\n",
        )
        .unwrap();
        let library = lib();
        let req = Request {
            lemma: "c1_holds_at_get",
            kind: ObKind::LocalGet(1),
            goal: Some(&goals),
            library: &library,
            remembered: &[],
            switches: &[],
        };
        let p = Builtin::new(false).propose(&req);
        assert_eq!(p[1], apply_lemma("get_issued"), "{p:?}");
    }

    #[test]
    fn the_seed_permutes_equally_scored_lemmas_only() {
        let library: Vec<LibraryLemma> = (0..6)
            .map(|i| LibraryLemma {
                name: format!("l{i}"),
                statement: if i == 5 {
                    "forall X, rel X -> special (issued Ab s) \\/ shared".into()
                } else {
                    format!("forall X, rel X -> tie{i} (issued Ab s) \\/ shared")
                },
            })
            .collect();
        let goals = crate::oracle::parse_show(
            "1 goal\n  \n  ============================\n  special (issued Ab s) \\/ shared\n",
        )
        .unwrap();
        let req = Request {
            lemma: "c1_holds_at_get",
            kind: ObKind::LocalGet(1),
            goal: Some(&goals),
            library: &library,
            remembered: &[],
            switches: &[],
        };
        let base = Builtin::new(false).propose(&req);
        assert_eq!(Builtin::new(false).with_seed(0).propose(&req), base);
        // The best match stays first whatever the seed; the ties move.
        assert_eq!(base[1], apply_lemma("l5"), "{base:?}");
        assert_eq!(base[2], apply_lemma("l0"), "{base:?}");
        let mut moved = false;
        for seed in 1..20 {
            let p = Builtin::new(false).with_seed(seed).propose(&req);
            assert_eq!(p, Builtin::new(false).with_seed(seed).propose(&req));
            assert_eq!(p[1], apply_lemma("l5"), "seed {seed}: {p:?}");
            let mut a = p.clone();
            let mut b = base.clone();
            a.sort();
            b.sort();
            assert_eq!(a, b, "a permutation of the same tactics");
            moved |= p != base;
        }
        assert!(moved, "some seed reorders the tied lemmas");
    }

    #[test]
    fn true_goals_are_closed_first() {
        let goals =
            crate::oracle::parse_show("1 goal\n  \n  ============================\n  True\n")
                .unwrap();
        let library = lib();
        let req = Request {
            lemma: "c0_holds_at_put",
            kind: ObKind::LocalPut(0),
            goal: Some(&goals),
            library: &library,
            remembered: &[],
            switches: &[],
        };
        assert_eq!(Builtin::new(false).propose(&req)[0], "exact I.");
    }

    #[test]
    fn lemmas_needing_a_switch_that_is_off_are_not_proposed() {
        let sw = [("get_merge", "false"), ("put_guard", "true")];
        assert!(needs_switch_off(
            "forall K, Policy.get_merge = true -> x",
            &sw
        ));
        assert!(!needs_switch_off(
            "forall K, Policy.put_guard = true -> x",
            &sw
        ));
        assert!(!needs_switch_off("forall K, x", &sw));
    }

    fn goal(hyps: &[&str], conclusion: &str) -> Goal {
        Goal {
            hypotheses: hyps
                .iter()
                .map(|t| crate::oracle::Hypothesis {
                    names: vec!["H".into()],
                    ty: t.to_string(),
                })
                .collect(),
            conclusion: conclusion.into(),
        }
    }

    #[test]
    fn arithmetic_goals_get_lia_and_others_do_not() {
        let lia = "intros; lia.".to_string();
        assert!(shape_tactics(&goal(&[], "fst (wstamp w) < nextv X")).contains(&lia));
        assert!(shape_tactics(&goal(&["a <= b", "b < a"], "False")).contains(&lia));
        assert!(!shape_tactics(&goal(&[], "In w (applied Ab r)")).contains(&lia));
        assert!(!shape_tactics(&goal(&["In w l"], "False")).contains(&lia));
    }

    #[test]
    fn conditionals_get_a_case_split_and_quantified_lists_an_induction() {
        let t = shape_tactics(&goal(
            &[],
            "(if keq kcmp k k' then Some v else None) = None",
        ));
        assert!(t.iter().any(|x| x.contains("destruct b eqn:?")), "{t:?}");
        let t = shape_tactics(&goal(&[], "forall l : list nat, length (rev l) = length l"));
        assert!(
            t.iter()
                .any(|x| x.contains("forall x : list nat") && x.contains("induction x")),
            "{t:?}"
        );
        let t = shape_tactics(&goal(&[], "forall w : write K, In w l -> P w"));
        assert!(!t.iter().any(|x| x.contains("induction")), "{t:?}");
    }

    #[test]
    fn shape_tactics_come_after_library_lemmas() {
        let lib = lib();
        let g = Goals {
            count: 1,
            goals: vec![goal(&[], "fst (wstamp w) < nextv X")],
            raw: String::new(),
        };
        let req = Request {
            lemma: "x",
            kind: ObKind::BasePut,
            goal: Some(&g),
            library: &lib,
            remembered: &[],
            switches: &[],
        };
        let out = Builtin::new(false).propose(&req);
        let lia = out
            .iter()
            .position(|t| t == "intros; lia.")
            .expect("lia proposed");
        let last_lemma = out
            .iter()
            .rposition(|t| t.starts_with("eapply "))
            .unwrap_or(0);
        assert!(lia > last_lemma, "{out:?}");
    }

    #[test]
    fn replay_proposes_recorded_tactics_only() {
        let log = r#"{"move":"prove","lemma":"base_init","tactic":"eapply x; eauto."}"#;
        let mut r = Replay::from_log(log).unwrap();
        let library = lib();
        let mk = |lemma| Request {
            lemma,
            kind: ObKind::BaseInit,
            goal: None,
            library: &library,
            remembered: &[],
            switches: &[],
        };
        assert_eq!(
            r.propose(&mk("base_init")),
            vec!["eapply x; eauto.".to_string()]
        );
        assert!(r.propose(&mk("base_put")).is_empty());
        assert!(r.decompositions(&mk("base_init")).is_empty());
    }

    #[test]
    fn replay_proposes_the_recorded_decompositions_that_checked() {
        let log = [
            r#"{"move":"decompose","candidate":"c","ok":true,"admitted":[]}"#,
            r#"{"move":"decompose","lemma":"c1_holds_at_get","split":"destruct (f x) eqn:Hcase.","ok":false}"#,
            r#"{"move":"decompose","lemma":"c1_holds_at_get","split":"split.","ok":true}"#,
            r#"{"move":"prove","lemma":"c1_holds_at_get_part1","tactic":"eapply l; eauto."}"#,
        ]
        .join("\n");
        let mut r = Replay::from_log(&log).unwrap();
        let library = lib();
        let mk = |lemma| Request {
            lemma,
            kind: ObKind::LocalGet(1),
            goal: None,
            library: &library,
            remembered: &[],
            switches: &[],
        };
        let s = r.decompositions(&mk("c1_holds_at_get"));
        assert_eq!(
            s.iter().map(|s| s.tactic.as_str()).collect::<Vec<_>>(),
            vec!["split."]
        );
        assert_eq!(
            r.propose(&mk("c1_holds_at_get_part1")),
            vec!["eapply l; eauto.".to_string()]
        );
        // The built-in proposer reads the goal instead.
        let goals = crate::oracle::parse_show(
            "1 goal\n  \n  ============================\n  a = b /\\ c = d\n",
        )
        .unwrap();
        let req = Request {
            goal: Some(&goals),
            ..mk("x")
        };
        assert_eq!(Builtin::new(false).decompositions(&req)[0].tactic, "split.");
    }
}
