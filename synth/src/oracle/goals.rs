//! Proof goals: asking Rocq for the goals after some tactics, and parsing
//! what `Show` prints.

use super::error::{OracleError, Result};
use super::rocq::Rocq;
use super::run::{CheckOptions, Request};
use super::stats::CallKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How many goals get their hypotheses printed (`Show i.` for each).
pub const MAX_DETAILED_GOALS: usize = 8;

/// One hypothesis line of a goal, e.g. `n, m : nat` or `x := 3 : nat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hypothesis {
    /// The names sharing this type (`n, m : nat` gives two).
    pub names: Vec<String>,
    /// Everything after the names: the type, or `:= body : type` for a local
    /// definition. Line breaks of Rocq's layout are collapsed to spaces.
    pub ty: String,
}

/// One goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// Hypotheses, in context order (empty beyond [`MAX_DETAILED_GOALS`]).
    pub hypotheses: Vec<Hypothesis>,
    /// What remains to prove (layout collapsed to single spaces).
    pub conclusion: String,
}

/// The goals at a point of a proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goals {
    /// Number of focused goals (0 when the proof or subproof is complete).
    pub count: usize,
    /// The goals, first the focused one.
    pub goals: Vec<Goal>,
    /// Rocq's raw `Show` output, for display.
    pub raw: String,
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for h in &self.hypotheses {
            let sep = if h.ty.starts_with(":=") { " " } else { " : " };
            writeln!(f, "{}{}{}", h.names.join(", "), sep, h.ty)?;
        }
        writeln!(f, "============================")?;
        write!(f, "{}", self.conclusion)
    }
}

impl fmt::Display for Goals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count == 0 {
            return write!(f, "{}", self.raw.trim());
        }
        writeln!(
            f,
            "{} goal{}",
            self.count,
            if self.count == 1 { "" } else { "s" }
        )?;
        for (i, g) in self.goals.iter().enumerate() {
            writeln!(f, "\ngoal {}:\n{g}", i + 1)?;
        }
        Ok(())
    }
}

impl Rocq {
    /// The goals after `tactics_before` in the proof of `statement` (e.g.
    /// `"Lemma l : forall n, n + 0 = n."`), checked after `prefix`.
    ///
    /// Runs `prefix + statement + Proof. + tactics + Show. + Show 2. ... + Abort.`
    /// and parses the printed goals. Fails with [`OracleError::Rejected`] when
    /// the prefix, statement or tactics are themselves rejected.
    pub fn goal_at(
        &self,
        prefix: &str,
        statement: &str,
        tactics_before: &[String],
    ) -> Result<Goals> {
        let mut src = String::from(prefix);
        if !src.is_empty() && !src.ends_with('\n') {
            src.push('\n');
        }
        src.push_str(&terminated(statement));
        src.push_str("\nProof.\n");
        for t in tactics_before {
            src.push_str(&terminated(t));
            src.push('\n');
        }
        let first_show_line = src.lines().count() + 1;
        let mut redirects = vec!["synth_goals_1".to_string()];
        src.push_str("Redirect \"synth_goals_1\" Show.\n");
        for i in 2..=MAX_DETAILED_GOALS {
            redirects.push(format!("synth_goals_{i}"));
            src.push_str(&format!("Redirect \"synth_goals_{i}\" Show {i}.\n"));
        }
        src.push_str("Abort.\n");
        let opts = CheckOptions::default();
        let run = self.run_request(&Request {
            kind: CallKind::Goals,
            source: &src,
            options: &opts,
            redirects: &redirects,
        })?;
        if run.verdict.timed_out {
            return Err(OracleError::Timeout(self.default_timeout));
        }
        // `Show i.` past the last goal fails with "No such goal": expected.
        let unexpected: Vec<_> = run
            .verdict
            .errors
            .iter()
            .filter(|e| !(e.line > first_show_line && e.message.starts_with("No such goal")))
            .cloned()
            .collect();
        if !unexpected.is_empty() {
            return Err(OracleError::Rejected(unexpected));
        }
        let first = run
            .redirects
            .get("synth_goals_1")
            .ok_or_else(|| OracleError::Parse("Show produced no output".to_string()))?;
        let mut goals = parse_show(first)?;
        for i in 2..=goals.count.min(MAX_DETAILED_GOALS) {
            let Some(text) = run.redirects.get(&format!("synth_goals_{i}")) else {
                continue;
            };
            let detailed = parse_show(text)?;
            if let (Some(g), Some(slot)) = (
                detailed.goals.into_iter().next(),
                goals.goals.get_mut(i - 1),
            ) {
                *slot = g;
            }
        }
        Ok(goals)
    }
}

/// `s` with a final `.` unless it already ends a sentence (`.`, `{`, `}`).
pub(crate) fn terminated(s: &str) -> String {
    let t = s.trim_end();
    if t.ends_with(['.', '{', '}']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// Parses the output of `Show.` or `Show i.`.
pub fn parse_show(text: &str) -> Result<Goals> {
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.iter().position(|l| !l.trim().is_empty());
    let Some(h) = header else {
        return Err(OracleError::Parse("empty Show output".to_string()));
    };
    let head = lines[h].trim();
    let count = if let Some(n) = head
        .strip_suffix(" goals")
        .or_else(|| head.strip_suffix(" goal"))
    {
        n.parse::<usize>()
            .map_err(|_| OracleError::Parse(format!("bad goal count line {head:?}")))?
    } else if head.starts_with("goal ") && head.ends_with(" is:") {
        1
    } else {
        // "No more goals.", "This subproof is complete, ..." and the like.
        return Ok(Goals {
            count: 0,
            goals: Vec::new(),
            raw: text.to_string(),
        });
    };
    let mut goals = Vec::new();
    let mut i = h + 1;
    // The first goal, with its hypotheses.
    let bar = lines[i..]
        .iter()
        .position(|l| l.trim_start().starts_with("===="))
        .map(|p| p + i)
        .ok_or_else(|| OracleError::Parse("no ==== line in Show output".to_string()))?;
    let hypotheses = parse_hypotheses(&lines[i..bar]);
    i = bar + 1;
    let concl_end = lines[i..]
        .iter()
        .position(|l| is_goal_header(l))
        .map_or(lines.len(), |p| p + i);
    goals.push(Goal {
        hypotheses,
        conclusion: collapse(&lines[i..concl_end]),
    });
    i = concl_end;
    // The other goals, conclusion only.
    while i < lines.len() {
        let end = lines[i + 1..]
            .iter()
            .position(|l| is_goal_header(l))
            .map_or(lines.len(), |p| p + i + 1);
        goals.push(Goal {
            hypotheses: Vec::new(),
            conclusion: collapse(&lines[i + 1..end]),
        });
        i = end;
    }
    Ok(Goals {
        count: count.max(goals.len()),
        goals,
        raw: text.to_string(),
    })
}

fn is_goal_header(line: &str) -> bool {
    line.starts_with("goal ") && line.trim_end().ends_with(" is:")
}

/// Joins lines, collapsing runs of whitespace to one space.
fn collapse(lines: &[&str]) -> String {
    lines
        .iter()
        .flat_map(|l| l.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Hypothesis lines start at column 2; deeper-indented lines continue them.
fn parse_hypotheses(lines: &[&str]) -> Vec<Hypothesis> {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for l in lines {
        if l.trim().is_empty() {
            continue;
        }
        let indent = l.len() - l.trim_start().len();
        match blocks.last_mut() {
            Some(b) if indent > 2 => b.push(l),
            _ => blocks.push(vec![l]),
        }
    }
    blocks
        .into_iter()
        .map(|b| {
            let text = collapse(&b);
            let cut = text.find([':']).unwrap_or(text.len());
            let (names, rest) = text.split_at(cut);
            let ty = match rest.strip_prefix(':') {
                Some(r) if r.starts_with('=') => rest.to_string(),
                Some(r) => r.trim().to_string(),
                None => String::new(),
            };
            Hypothesis {
                names: names
                    .split(',')
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .collect(),
                ty,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOW: &str = "2 goals\n  \n  n, m : nat\n  H : n = m\n  x := 3 : nat\n  f : nat ->\n      nat -> nat\n  ============================\n  m = n\n\ngoal 2 is:\n forall k : nat,\n k = n -> True\n";

    #[test]
    fn parses_two_goals_with_hypotheses() {
        let g = parse_show(SHOW).unwrap();
        assert_eq!(g.count, 2);
        assert_eq!(g.goals.len(), 2);
        let h = &g.goals[0].hypotheses;
        assert_eq!(h.len(), 4);
        assert_eq!(h[0].names, vec!["n", "m"]);
        assert_eq!(h[0].ty, "nat");
        assert_eq!(h[2].names, vec!["x"]);
        assert_eq!(h[2].ty, ":= 3 : nat");
        assert_eq!(h[3].ty, "nat -> nat -> nat");
        assert_eq!(g.goals[0].conclusion, "m = n");
        assert_eq!(g.goals[1].conclusion, "forall k : nat, k = n -> True");
        assert!(g.to_string().contains("n, m : nat\n"));
    }

    #[test]
    fn parses_detailed_and_finished_outputs() {
        let g = parse_show("goal 2 is:\n  \n  H : True\n  ============================\n  True\n")
            .unwrap();
        assert_eq!(g.goals[0].hypotheses[0].names, vec!["H"]);
        assert_eq!(parse_show("No more goals.\n").unwrap().count, 0);
        assert!(parse_show("").is_err());
    }
}
