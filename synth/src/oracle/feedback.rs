//! What a proposer is told about an attempt: binary or rich feedback.

use super::error::Result;
use super::goals::{terminated, Goals};
use super::rocq::Rocq;
use super::run::CheckOptions;
use super::verdict::Verdict;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// How much of the oracle's answer is passed on to a proposer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// Accepted or not, nothing else.
    Binary,
    /// The error with its location and failing text, the goals before the
    /// failing step, and the `Admitted` obligations.
    #[default]
    Rich,
}

/// The outcome of [`Rocq::attempt_proof`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofAttempt {
    /// Verdict on `prefix + statement + Proof. tactics Qed.`.
    pub verdict: Verdict,
    /// Index in the tactic list of the step Rocq rejected (`None` when the
    /// proof was accepted, or failed elsewhere, e.g. at `Qed` with goals left).
    pub failing_step: Option<usize>,
    /// In [`Feedback::Rich`] mode after a failure: the goals just before the
    /// failing step (or before `Qed`), when Rocq could print them.
    pub goals: Option<Goals>,
}

impl ProofAttempt {
    /// The text to hand to a proposer in `mode`.
    pub fn render(&self, mode: Feedback) -> String {
        mode.render(&self.verdict, self.failing_step, self.goals.as_ref())
    }
}

impl Feedback {
    /// Renders a verdict for a proposer: one word in `Binary` mode; in `Rich`
    /// mode also the errors (location, failing text, message), the failing
    /// step, the goals and the `Admitted` names.
    pub fn render(
        self,
        verdict: &Verdict,
        failing_step: Option<usize>,
        goals: Option<&Goals>,
    ) -> String {
        let status = if verdict.timed_out {
            "timeout"
        } else if verdict.ok {
            "accepted"
        } else {
            "rejected"
        };
        if self == Feedback::Binary {
            return status.to_string();
        }
        let mut out = String::from(status);
        out.push('\n');
        if let Some(step) = failing_step {
            let _ = writeln!(out, "failing step: {}", step + 1);
        }
        for e in &verdict.errors {
            let _ = writeln!(
                out,
                "error at line {}, characters {}-{} `{}`:\n{}",
                e.line, e.char_start, e.char_end, e.snippet, e.message
            );
        }
        if let Some(g) = goals {
            let _ = writeln!(out, "goals before the failing step:\n{g}");
        }
        if !verdict.admitted.is_empty() {
            let _ = writeln!(out, "admitted: {}", verdict.admitted.join(", "));
        }
        out
    }
}

impl Rocq {
    /// Checks `prefix + statement + Proof. + tactics (one per line) + Qed.`.
    /// On failure in [`Feedback::Rich`] mode, also asks for the goals before
    /// the failing tactic (or before `Qed` when goals remain).
    pub fn attempt_proof(
        &self,
        mode: Feedback,
        prefix: &str,
        statement: &str,
        tactics: &[String],
    ) -> Result<ProofAttempt> {
        let mut src = String::from(prefix);
        if !src.is_empty() && !src.ends_with('\n') {
            src.push('\n');
        }
        src.push_str(&terminated(statement));
        src.push_str("\nProof.\n");
        // spans[k] = (first line, last line) of tactic k, 1-based.
        let mut spans = Vec::with_capacity(tactics.len());
        for t in tactics {
            let first = src.lines().count() + 1;
            src.push_str(&terminated(t));
            src.push('\n');
            spans.push((first, src.lines().count()));
        }
        src.push_str("Qed.\n");
        let verdict = self.check(&src, &CheckOptions::default())?;
        if verdict.ok || verdict.timed_out {
            return Ok(ProofAttempt {
                verdict,
                failing_step: None,
                goals: None,
            });
        }
        let line = verdict.first_error().map_or(0, |e| e.line);
        let failing_step = spans.iter().position(|&(a, b)| (a..=b).contains(&line));
        let statement_line = prefix.lines().count() + 1;
        let goals = match (mode, failing_step) {
            (Feedback::Binary, _) => None,
            (Feedback::Rich, Some(k)) => self.goals_or_none(prefix, statement, &tactics[..k]),
            (Feedback::Rich, None) if line > statement_line => {
                self.goals_or_none(prefix, statement, tactics)
            }
            (Feedback::Rich, None) => None,
        };
        Ok(ProofAttempt {
            verdict,
            failing_step,
            goals,
        })
    }

    fn goals_or_none(&self, prefix: &str, statement: &str, tactics: &[String]) -> Option<Goals> {
        match self.goal_at(prefix, statement, tactics) {
            Ok(g) => Some(g),
            Err(e) => {
                tracing::warn!(error = %e, "could not print the goals for feedback");
                None
            }
        }
    }
}
