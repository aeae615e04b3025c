//! The prompt sent for one obligation.
//!
//! A system message fixes the task and the reply format; the user message
//! carries what the engine knows about the obligation, in this order:
//!
//! ```text
//! Obligation: base_put (the base simulation step for a put)
//! Policy switches: get_merge = false, put_guard = true
//!
//! Goal (as Rocq prints it after the obligation's prelude `intros K kcmp Hk n.`):
//! <hypotheses>
//! ============================
//! <conclusion>
//!
//! Library lemmas of this candidate's mechanism:
//! - sv_ob_put : forall ...
//!
//! Tactics that closed base_put for earlier candidates:
//! - eapply sv_ob_put; eauto; try reflexivity.
//!
//! Reply with a JSON array of at most 8 tactic scripts, best first.
//! ```
//!
//! With `--feedback binary` the goal section says that the goal is not
//! shown. The goal is cut after [`MAX_GOAL_CHARS`] characters.

use crate::development::ObKind;
use crate::proposer::Request;
use sha2::{Digest, Sha256};

/// Longest goal text sent (characters); longer goals are cut with a note.
pub const MAX_GOAL_CHARS: usize = 12_000;

/// The two messages of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Task and reply format.
    pub system: String,
    /// The obligation.
    pub user: String,
}

impl Prompt {
    /// sha256 (hex) of the model name and both messages: the cache key of
    /// a reply (the same prompt to the same model is asked once per run).
    pub fn digest(&self, model: &str) -> String {
        let mut h = Sha256::new();
        for part in [model, &self.system, &self.user] {
            h.update(part.len().to_le_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What an obligation kind means, in words.
pub fn kind_text(kind: ObKind) -> String {
    match kind {
        ObKind::BaseInit => "the simulation relation holds initially".into(),
        ObKind::BasePut => "the base simulation step for a put".into(),
        ObKind::BaseGet => "the base simulation step for a get".into(),
        ObKind::BaseDeliver => "the base simulation step for a delivery (apply)".into(),
        ObKind::ProgressDeliver => {
            "progress: every in-flight message becomes deliverable (no deadlock)".into()
        }
        ObKind::ProgressOps => {
            "progress: every put and get is served once the network is quiet".into()
        }
        ObKind::LocalPut(i) => format!("constraint {i} of the spec holds at a put"),
        ObKind::LocalGet(i) => format!("constraint {i} of the spec holds at a get"),
        ObKind::LocalApply(i) => format!("constraint {i} of the spec holds at an apply"),
    }
}

/// The system message: the task and the strict reply format.
pub fn system_message(max_scripts: usize) -> String {
    format!(
        "You help a synthesis engine prove obligations of a verified replicated key-value store in Rocq (Coq 8.16). \
For one obligation you propose tactic scripts; each is pasted after the obligation's prelude and followed by `Qed.`, \
and Rocq checks it. A wrong script costs one check, so rank the likeliest first.\n\
\n\
Reply format (strict): only a JSON array of at most {max_scripts} strings, best first, for example\n\
[\"eapply some_library_lemma; eauto; try reflexivity.\", \"intros; lia.\"]\n\
Each string is ONE Rocq tactic expression that ends with exactly one period. Combine steps inside it with `;`, \
`try`, `repeat`, `first [ t1 | t2 ]`, `match goal with ... end`.\n\
Scripts are discarded when they contain: a second sentence (a period other than the final one, outside qualified names), \
bullets or braces, comments, strings, `admit`, `Admitted`, `give_up`, `Abort`, `Qed`, `Defined`, `Axiom` or any other \
vernacular command. Prefer the library lemmas listed in the request; they were written for this mechanism."
    )
}

/// Builds the prompt for one obligation.
pub fn build(req: &Request, max_scripts: usize) -> Prompt {
    let mut u = String::new();
    u.push_str(&format!(
        "Obligation: {} ({})\n",
        req.lemma,
        kind_text(req.kind)
    ));
    if req.switches.is_empty() {
        u.push_str("Policy switches: none\n");
    } else {
        let sw: Vec<String> = req
            .switches
            .iter()
            .map(|(n, v)| format!("{n} = {v}"))
            .collect();
        u.push_str(&format!("Policy switches: {}\n", sw.join(", ")));
    }
    u.push('\n');
    match req.goal {
        Some(g) => {
            u.push_str("Goal (as Rocq prints it after the obligation's prelude `intros K kcmp Hk n.`):\n");
            let text = g.to_string();
            let n = text.chars().count();
            if n > MAX_GOAL_CHARS {
                u.extend(text.chars().take(MAX_GOAL_CHARS));
                u.push_str(&format!(
                    "\n[goal cut: {} more characters]\n",
                    n - MAX_GOAL_CHARS
                ));
            } else {
                u.push_str(text.trim_end());
                u.push('\n');
            }
        }
        None => u.push_str(
            "Goal: not shown (binary feedback); propose scripts from the obligation's name and the library.\n",
        ),
    }
    u.push('\n');
    if req.library.is_empty() {
        u.push_str("Library lemmas of this candidate's mechanism: none\n");
    } else {
        u.push_str("Library lemmas of this candidate's mechanism:\n");
        for l in req.library {
            if l.statement.starts_with(&l.name) {
                u.push_str(&format!("- {}\n", l.statement));
            } else {
                u.push_str(&format!("- {} : {}\n", l.name, l.statement));
            }
        }
    }
    u.push('\n');
    if req.remembered.is_empty() {
        u.push_str(&format!(
            "Tactics that closed {} for earlier candidates: none\n",
            req.lemma
        ));
    } else {
        u.push_str(&format!(
            "Tactics that closed {} for earlier candidates:\n",
            req.lemma
        ));
        for t in req.remembered {
            u.push_str(&format!("- {t}\n"));
        }
    }
    u.push_str(&format!(
        "\nReply with a JSON array of at most {max_scripts} tactic scripts, best first.\n"
    ));
    Prompt {
        system: system_message(max_scripts),
        user: u,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposer::LibraryLemma;

    fn library() -> Vec<LibraryLemma> {
        vec![
            LibraryLemma {
                name: "sv_ob_put".into(),
                statement: "sv_ob_put : forall K (kcmp : K -> K -> comparison), ob_put K".into(),
            },
            LibraryLemma {
                name: "bare".into(),
                statement: "forall x, x = x".into(),
            },
        ]
    }

    #[test]
    fn the_prompt_carries_every_part_of_the_request_in_order() {
        let goals = crate::oracle::parse_show(
            "1 goal\n  \n  H : rel X\n  ============================\n  sub (ids (issued Ab s)) (ids (applied Ab r))\n",
        )
        .unwrap();
        let lib = library();
        let remembered = vec!["eapply sv_get_sees_issued; eauto; try reflexivity.".to_string()];
        let switches = [("get_merge", "false"), ("put_guard", "true")];
        let req = Request {
            lemma: "c1_holds_at_get",
            kind: ObKind::LocalGet(1),
            goal: Some(&goals),
            library: &lib,
            remembered: &remembered,
            switches: &switches,
        };
        let p = build(&req, 5);
        let u = &p.user;
        let at = |s: &str| {
            u.find(s)
                .unwrap_or_else(|| panic!("{s:?} missing from\n{u}"))
        };
        let order = [
            at("Obligation: c1_holds_at_get (constraint 1 of the spec holds at a get)"),
            at("Policy switches: get_merge = false, put_guard = true"),
            at("H : rel X"),
            at("sub (ids (issued Ab s)) (ids (applied Ab r))"),
            at("- sv_ob_put : forall K"),
            at("- bare : forall x, x = x"),
            at("- eapply sv_get_sees_issued; eauto; try reflexivity."),
            at("at most 5 tactic scripts"),
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{u}");
        assert!(p.system.contains("JSON array of at most 5 strings"));
        assert!(p.system.contains("Admitted"));
    }

    #[test]
    fn binary_feedback_sends_no_goal() {
        let lib = library();
        let req = Request {
            lemma: "base_put",
            kind: ObKind::BasePut,
            goal: None,
            library: &lib,
            remembered: &[],
            switches: &[],
        };
        let p = build(&req, 8);
        assert!(
            p.user.contains("Goal: not shown (binary feedback)"),
            "{}",
            p.user
        );
        assert!(!p.user.contains("===="), "{}", p.user);
        assert!(p.user.contains("Policy switches: none"));
        assert!(p
            .user
            .contains("Tactics that closed base_put for earlier candidates: none"));
    }

    #[test]
    fn long_goals_are_cut_and_digests_tell_prompts_apart() {
        let big = format!(
            "1 goal\n  \n  ============================\n  {}\n",
            "x = x /\\ ".repeat(3000) + "True"
        );
        let goals = crate::oracle::parse_show(&big).unwrap();
        let req = Request {
            lemma: "base_init",
            kind: ObKind::BaseInit,
            goal: Some(&goals),
            library: &[],
            remembered: &[],
            switches: &[],
        };
        let p = build(&req, 8);
        assert!(p.user.contains("[goal cut: "), "{}", &p.user[..200]);
        assert!(p.user.len() < MAX_GOAL_CHARS + 2_000);
        let q = build(&Request { goal: None, ..req }, 8);
        assert_ne!(p.digest("m"), q.digest("m"));
        assert_ne!(p.digest("m"), p.digest("n"));
        assert_eq!(p.digest("m"), build(&req, 8).digest("m"));
        assert_eq!(p.digest("m").len(), 64);
    }
}
