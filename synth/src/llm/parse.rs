//! Reading a model's reply: the tactic scripts it proposes, and the safety
//! filter every script must pass before it reaches the oracle.
//!
//! # Reply format
//!
//! The model is asked for a JSON array of strings, best first:
//!
//! ```text
//! ["eapply sv_ob_put; eauto; try reflexivity.", "intros; lia."]
//! ```
//!
//! [`scripts_from_reply`] accepts, in this order of preference:
//! 1. the whole reply as that JSON array (or as an object with a `scripts`
//!    or `tactics` array);
//! 2. the same inside a fenced block (```` ```json ````, or any fence);
//! 3. the first `[` ... last `]` span of the reply, parsed as the array;
//! 4. failing any JSON, fenced ```` ```coq ```` / ```` ```rocq ```` blocks,
//!    each block one script.
//!
//! Anything else is an error naming what was expected.
//!
//! # Safety filter
//!
//! A script is pasted between the obligation's prelude and `Qed.`, so it
//! must not be able to leave the proof or weaken it. [`check_script`]
//! accepts a script only if it is one tactic expression:
//! * non-empty, at most [`MAX_SCRIPT_CHARS`] characters, no control
//!   characters (line breaks and tabs are folded to spaces first);
//! * it starts with a letter or `(` and ends with exactly one period, and
//!   every other `.` joins two parts of a qualified name (`KV.Lemma`), so
//!   the script is a single sentence;
//! * no comments (`(*`, `*)`), no strings (`"`), no focusing braces
//!   (`{`, `}`), no `..`;
//! * none of the words in [`FORBIDDEN`]: `admit`, `Admitted`, `give_up`,
//!   `Abort`, `Axiom` and other declarations, `Qed`/`Defined`, `Require`
//!   and every other vernacular command, and the `*_no_check` tactics;
//!   nor `Set` as its first word.
//!
//! Rocq still checks every accepted script, and the audit (no holes, no
//! axioms, `Print Assumptions` closed) runs on the result whatever the
//! proposer: the filter keeps hostile text from ever reaching the checker.

use serde_json::Value;
use thiserror::Error;

/// Longest script accepted (characters, after folding whitespace).
pub const MAX_SCRIPT_CHARS: usize = 1000;

/// Words a script may not contain (compared as whole identifiers, case
/// sensitive as Rocq is).
pub const FORBIDDEN: &[&str] = &[
    // Holes and abandoned proofs.
    "admit",
    "Admitted",
    "Admit",
    "give_up",
    "Abort",
    "Fail",
    // Declarations that add assumptions or leave the proof.
    "Axiom",
    "Axioms",
    "Parameter",
    "Parameters",
    "Conjecture",
    "Conjectures",
    "Hypothesis",
    "Hypotheses",
    "Variable",
    "Variables",
    "Context",
    "Definition",
    "Lemma",
    "Theorem",
    "Fact",
    "Remark",
    "Corollary",
    "Proposition",
    "Example",
    "Fixpoint",
    "CoFixpoint",
    "Inductive",
    "Instance",
    "Existing",
    "Program",
    "Obligation",
    "Next",
    "Goal",
    "Ltac",
    "Tactic",
    "Notation",
    "Infix",
    // Ending or restarting a proof.
    "Qed",
    "Defined",
    "Save",
    "Proof",
    "Restart",
    "Undo",
    "Back",
    "BackTo",
    "Reset",
    "Focus",
    "Unfocus",
    "Unshelve",
    // Other vernacular.
    "Require",
    "Import",
    "Export",
    "From",
    "Load",
    "Declare",
    "Module",
    "Section",
    "End",
    "Unset",
    "Local",
    "Global",
    "Hint",
    "Opaque",
    "Transparent",
    "Arguments",
    "Extraction",
    "Print",
    "Check",
    "Eval",
    "Compute",
    "Search",
    "Locate",
    "Time",
    "Timeout",
    "Redirect",
    "Drop",
    "Quit",
    // Tactics that skip the type checker's check of a step.
    "exact_no_check",
    "vm_cast_no_check",
    "native_cast_no_check",
    "change_no_check",
];

/// Why a script was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// Nothing left after trimming.
    #[error("empty script")]
    Empty,
    /// Longer than [`MAX_SCRIPT_CHARS`].
    #[error("script of {0} characters (at most {MAX_SCRIPT_CHARS})")]
    TooLong(usize),
    /// A control character other than a line break or tab.
    #[error("control character U+{0:04X}")]
    Control(u32),
    /// Not starting with a letter or `(`.
    #[error("a script starts with a letter or '(' (found {0:?})")]
    BadStart(char),
    /// Not ending with a period.
    #[error("a script ends with a period")]
    NoPeriod,
    /// A second sentence.
    #[error(
        "more than one sentence: a period at character {0} that is not part of a qualified name"
    )]
    TwoSentences(usize),
    /// A comment, string, brace or `..`.
    #[error("forbidden token {0:?}")]
    Token(&'static str),
    /// A forbidden word.
    #[error("forbidden word {0:?}")]
    Word(String),
}

/// Folds line breaks and runs of whitespace into single spaces and trims.
pub fn normalize(script: &str) -> String {
    script.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '\''
}

/// Checks one script against the safety filter (see the module docs);
/// returns it normalized.
pub fn check_script(raw: &str) -> Result<String, Refusal> {
    if let Some(c) = raw
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Refusal::Control(c as u32));
    }
    let s = normalize(raw);
    let n = s.chars().count();
    if n == 0 {
        return Err(Refusal::Empty);
    }
    if n > MAX_SCRIPT_CHARS {
        return Err(Refusal::TooLong(n));
    }
    for tok in ["(*", "*)", "\"", "{", "}", ".."] {
        if s.contains(tok) {
            return Err(Refusal::Token(tok));
        }
    }
    let first = s.chars().next().unwrap_or(' ');
    if !(first.is_alphabetic() || first == '(') {
        return Err(Refusal::BadStart(first));
    }
    if !s.ends_with('.') {
        return Err(Refusal::NoPeriod);
    }
    let chars: Vec<char> = s.chars().collect();
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate().take(last) {
        if c == '.' {
            let before = i > 0 && ident_char(chars[i - 1]);
            let after = chars
                .get(i + 1)
                .is_some_and(|&c| c.is_alphabetic() || c == '_');
            if !(before && after) {
                return Err(Refusal::TwoSentences(i));
            }
        }
    }
    for (i, word) in s.split(|c: char| !ident_char(c)).enumerate() {
        // `Set` is also a sort, so it is refused only as a command.
        if FORBIDDEN.contains(&word) || (i == 0 && word == "Set") {
            return Err(Refusal::Word(word.to_string()));
        }
    }
    Ok(s)
}

/// A reply that holds no list of scripts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReplyError {
    /// No JSON array (or object with `scripts`/`tactics`) and no fenced
    /// Rocq block.
    #[error("expected a JSON array of tactic strings (or ```coq blocks) in the reply, found {0}")]
    NoScripts(String),
    /// A JSON array with a non-string element.
    #[error("expected a JSON array of strings, element {index} is {found}")]
    NotAString {
        /// Position of the element.
        index: usize,
        /// What it was (JSON type).
        found: &'static str,
    },
}

/// The scripts of a reply, filtered: accepted ones (normalized, in the
/// model's order, duplicates dropped) and refused ones with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Scripts that passed [`check_script`].
    pub accepted: Vec<String>,
    /// Scripts that did not, with why.
    pub refused: Vec<(String, Refusal)>,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The list of strings a JSON value holds: an array of strings, or an
/// object whose `scripts` or `tactics` field is one. `None`: not that shape.
fn strings_of(v: &Value) -> Option<Result<Vec<String>, ReplyError>> {
    let arr = match v {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("scripts").or_else(|| o.get("tactics")) {
            Some(Value::Array(a)) => a,
            _ => return None,
        },
        _ => return None,
    };
    Some(
        arr.iter()
            .enumerate()
            .map(|(index, x)| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(ReplyError::NotAString {
                    index,
                    found: json_kind(other),
                }),
            })
            .collect(),
    )
}

/// Bodies of fenced blocks (```` ```lang ... ``` ````), with their language tag.
fn fenced_blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let (tag, body_start) = match after.find('\n') {
            Some(nl) => (after[..nl].trim().to_lowercase(), nl + 1),
            None => break,
        };
        let body = &after[body_start..];
        match body.find("```") {
            Some(close) => {
                out.push((tag, body[..close].to_string()));
                rest = &body[close + 3..];
            }
            None => break,
        }
    }
    out
}

/// A short, single-line excerpt of a reply for error messages.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = normalize(text);
    if flat.is_empty() {
        return "an empty reply".into();
    }
    let mut s: String = flat.chars().take(max).collect();
    if flat.chars().count() > max {
        s.push_str("...");
    }
    format!("{s:?}")
}

/// The raw (unfiltered) scripts of a reply, in the model's order.
pub fn raw_scripts(reply: &str) -> Result<Vec<String>, ReplyError> {
    let text = reply.trim();
    let try_json = |t: &str| {
        serde_json::from_str::<Value>(t.trim())
            .ok()
            .and_then(|v| strings_of(&v))
    };
    if let Some(r) = try_json(text) {
        return r;
    }
    let blocks = fenced_blocks(text);
    for (_, body) in &blocks {
        if let Some(r) = try_json(body) {
            return r;
        }
    }
    if let (Some(a), Some(b)) = (text.find('['), text.rfind(']')) {
        if a < b {
            if let Some(r) = try_json(&text[a..=b]) {
                return r;
            }
        }
    }
    let rocq: Vec<String> = blocks
        .into_iter()
        .filter(|(tag, _)| matches!(tag.as_str(), "coq" | "rocq" | "ltac"))
        .map(|(_, b)| b)
        .collect();
    if !rocq.is_empty() {
        return Ok(rocq);
    }
    Err(ReplyError::NoScripts(excerpt(text, 120)))
}

/// Parses a reply and filters its scripts; keeps at most `max` accepted ones.
pub fn scripts_from_reply(reply: &str, max: usize) -> Result<Parsed, ReplyError> {
    let mut parsed = Parsed::default();
    for raw in raw_scripts(reply)? {
        match check_script(&raw) {
            Ok(s) => {
                if !parsed.accepted.contains(&s) && parsed.accepted.len() < max {
                    parsed.accepted.push(s);
                }
            }
            Err(why) => parsed.refused.push((normalize(&raw), why)),
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_tactic_expressions_pass_and_are_normalized() {
        for s in [
            "eapply sv_ob_put; eauto; try reflexivity.",
            "intros; lia.",
            "exact I.",
            "(intros; eauto).",
            "match goal with |- forall x : list nat, _ => intro x; induction x; simpl; intros; eauto; try lia end.",
            "intros; repeat match goal with |- context [if ?b then _ else _] => destruct b eqn:? end; eauto; try lia.",
            "apply KV.Framework.Tactics.foo; eauto.",
            "first [eapply a | eapply b]; auto.",
        ] {
            assert_eq!(check_script(s), Ok(s.to_string()), "{s}");
        }
        assert_eq!(
            check_script("  intros;\n\t lia.\n").unwrap(),
            "intros; lia."
        );
    }

    #[test]
    fn holes_and_escapes_are_refused() {
        let cases: &[(&str, Refusal)] = &[
            ("admit.", Refusal::Word("admit".into())),
            ("intros; admit.", Refusal::Word("admit".into())),
            ("give_up.", Refusal::Word("give_up".into())),
            ("exact_no_check I.", Refusal::Word("exact_no_check".into())),
            ("exact I. Qed.", Refusal::TwoSentences(7)),
            ("exact I.\nQed.", Refusal::TwoSentences(7)),
            (
                "exact I. Qed. Axiom cheat : False. Lemma x : True. Proof. exact I.",
                Refusal::TwoSentences(7),
            ),
            ("Admitted.", Refusal::Word("Admitted".into())),
            ("Abort.", Refusal::Word("Abort".into())),
            ("Require Import Classical.", Refusal::Word("Require".into())),
            ("Axiom cheat : False.", Refusal::Word("Axiom".into())),
            ("Qed.", Refusal::Word("Qed".into())),
            ("Set Printing All.", Refusal::Word("Set".into())),
            ("exact I", Refusal::NoPeriod),
            ("", Refusal::Empty),
            ("   \n ", Refusal::Empty),
            ("- exact I.", Refusal::BadStart('-')),
            ("{ exact I. }", Refusal::Token("{")),
            ("exact I (* Qed. *).", Refusal::Token("(*")),
            ("idtac \"x\".", Refusal::Token("\"")),
            ("exact I..", Refusal::Token("..")),
            ("exact (I.).", Refusal::TwoSentences(8)),
            ("exact I.)", Refusal::NoPeriod),
            ("exact\u{0}I.", Refusal::Control(0)),
            ("exact\u{1b}[2J I.", Refusal::Control(0x1b)),
        ];
        for (s, why) in cases {
            assert_eq!(check_script(s).as_ref(), Err(why), "{s:?}");
        }
        let long = format!("{}exact I.", "idtac; ".repeat(200));
        assert!(matches!(check_script(&long), Err(Refusal::TooLong(_))));
    }

    #[test]
    fn words_are_matched_whole_so_lookalike_names_pass() {
        // `admit_lemma` or `QedX` are ordinary identifiers, not the forbidden words.
        assert!(check_script("eapply admit_lemma; eauto.").is_ok());
        assert!(check_script("eapply my_Qed_fact.").is_ok());
        assert!(check_script("eapply Lemma1.").is_ok());
        assert!(check_script("assert (H : forall A : Set, A -> A) by auto.").is_ok());
        assert!(check_script("eapply X.admit.").is_err());
    }

    #[test]
    fn replies_in_every_documented_shape_are_read() {
        let want = vec!["intros; lia.".to_string(), "exact I.".to_string()];
        let shapes = [
            r#"["intros; lia.", "exact I."]"#.to_string(),
            r#"{"scripts": ["intros; lia.", "exact I."]}"#.to_string(),
            r#"{"tactics": ["intros; lia.", "exact I."]}"#.to_string(),
            "Here you go:\n```json\n[\"intros; lia.\", \"exact I.\"]\n```\nGood luck.".to_string(),
            "I suggest [\"intros; lia.\", \"exact I.\"] in that order.".to_string(),
            "```coq\nintros; lia.\n```\nor\n```rocq\nexact I.\n```".to_string(),
        ];
        for s in shapes {
            assert_eq!(scripts_from_reply(&s, 8).unwrap().accepted, want, "{s}");
        }
    }

    #[test]
    fn malformed_replies_are_errors_naming_the_expected_shape() {
        let e = scripts_from_reply("I think you should use lia.", 8).unwrap_err();
        assert!(e.to_string().contains("expected a JSON array"), "{e}");
        assert!(e.to_string().contains("use lia"), "{e}");
        let e = scripts_from_reply("", 8).unwrap_err();
        assert!(e.to_string().contains("an empty reply"), "{e}");
        let e = scripts_from_reply(r#"["exact I.", 3]"#, 8).unwrap_err();
        assert_eq!(
            e,
            ReplyError::NotAString {
                index: 1,
                found: "a number"
            }
        );
        let e = scripts_from_reply(r#"{"answer": "exact I."}"#, 8).unwrap_err();
        assert!(matches!(e, ReplyError::NoScripts(_)), "{e}");
    }

    #[test]
    fn hostile_scripts_are_refused_and_the_rest_kept_in_order() {
        let reply = r#"["admit.", "exact I. Qed. Axiom cheat : False. Goal True.", "intros; lia.",
            "Require Import Classical.", "intros;   lia.", "eapply get_latest; eauto.", "exact I."]"#;
        let p = scripts_from_reply(reply, 8).unwrap();
        assert_eq!(
            p.accepted,
            vec!["intros; lia.", "eapply get_latest; eauto.", "exact I."]
        );
        assert_eq!(p.refused.len(), 3);
        assert_eq!(p.refused[0].1, Refusal::Word("admit".into()));
        // The cap keeps the model's best ones.
        let p = scripts_from_reply(reply, 2).unwrap();
        assert_eq!(
            p.accepted,
            vec!["intros; lia.", "eapply get_latest; eauto."]
        );
    }

    #[test]
    fn fenced_blocks_are_split_with_their_tags() {
        let b = fenced_blocks("a\n```coq\nx.\n```\n```\ny\n```\n```rocq\nunterminated");
        assert_eq!(
            b,
            vec![("coq".into(), "x.\n".into()), ("".into(), "y\n".into())]
        );
    }
}
