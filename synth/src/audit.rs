//! The deterministic audit every shipped development passes.
//!
//! No `Admitted`, `admit`, `Axiom` or `Parameter` in the development text; the
//! main theorem closed under the global context (`Print Assumptions`); the
//! spec file's hash unchanged; the progress obligations part of the theorem.

use crate::oracle::{admitted_names, Rocq};
use crate::spec::file_sha256;
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

/// The declared trusted base of a development: nothing beyond Rocq itself.
pub const TRUSTED: &[&str] = &[];

/// The audit's findings.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Every check passed.
    pub passed: bool,
    /// What failed, one line each.
    pub problems: Vec<String>,
    /// Assumptions printed by Rocq for the main theorem.
    pub assumptions: Vec<String>,
}

/// Words that must not appear as sentences of a shipped development.
fn forbidden_sentences(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        for w in [
            "admit.",
            "Admitted.",
            "Axiom ",
            "Axioms ",
            "Parameter ",
            "Conjecture ",
        ] {
            if t.starts_with(w) || t.contains(&format!(" {w}")) {
                found.push(format!("line {}: `{}`", i + 1, line.trim()));
            }
        }
    }
    found
}

/// Audits a development file against its spec.
pub fn audit(
    rocq: &Rocq,
    development: &str,
    theorem: &str,
    spec_path: &Path,
    spec_sha256: &str,
) -> Result<AuditReport> {
    let mut problems = forbidden_sentences(development);
    for name in admitted_names(development) {
        problems.push(format!("`{name}` is Admitted"));
    }
    match file_sha256(spec_path) {
        Ok(h) if h == spec_sha256 => {}
        Ok(h) => problems.push(format!(
            "spec {} changed: sha256 {h}, pinned {spec_sha256}",
            spec_path.display()
        )),
        Err(e) => problems.push(format!("spec unreadable: {e}")),
    }
    if !development.contains("progress_no_deadlock") || !development.contains("progress_ops_served")
    {
        problems.push("progress obligations missing from the main theorem".into());
    }
    let mut assumptions = Vec::new();
    match rocq.print_assumptions(development, theorem) {
        Ok(a) => {
            for u in a.untrusted(TRUSTED) {
                problems.push(format!(
                    "assumption outside the trusted base: {} : {}",
                    u.name, u.ty
                ));
            }
            assumptions = a
                .items
                .iter()
                .map(|x| format!("{} : {}", x.name, x.ty))
                .collect();
        }
        Err(e) => problems.push(format!("Print Assumptions failed: {e}")),
    }
    Ok(AuditReport {
        passed: problems.is_empty(),
        problems,
        assumptions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_and_axioms_are_found() {
        let t = "Lemma a : True.\nProof. admit.\nAdmitted.\nAxiom x : False.\nLemma b : True. Proof. exact I. Qed.";
        let f = forbidden_sentences(t);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(forbidden_sentences("Lemma b : True. Proof. exact I. Qed.").is_empty());
    }
}
