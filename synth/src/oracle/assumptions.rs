//! `Print Assumptions`: what a theorem depends on beyond its proof.

use super::error::{OracleError, Result};
use super::rocq::Rocq;
use super::run::{CheckOptions, Request};
use super::stats::CallKind;
use serde::{Deserialize, Serialize};

/// One assumption listed by `Print Assumptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assumption {
    /// Section header it was listed under, e.g. `Axioms` or `Section Variables`.
    pub kind: String,
    /// Name (as printed: short or qualified).
    pub name: String,
    /// Type, layout collapsed to single spaces.
    pub ty: String,
}

/// The result of `Print Assumptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assumptions {
    /// Rocq printed "Closed under the global context".
    pub closed: bool,
    /// Axioms, parameters, admitted lemmas... the theorem relies on.
    pub items: Vec<Assumption>,
}

impl Assumptions {
    /// True when every assumption is in `trusted`. A name matches when equal
    /// or when one is a dotted suffix of the other (`classic` matches
    /// `Coq.Logic.Classical_Prop.classic`).
    pub fn is_closed_modulo(&self, trusted: &[&str]) -> bool {
        self.untrusted(trusted).is_empty()
    }

    /// The assumptions not in `trusted` (same matching as [`Self::is_closed_modulo`]).
    pub fn untrusted(&self, trusted: &[&str]) -> Vec<&Assumption> {
        self.items
            .iter()
            .filter(|a| !trusted.iter().any(|t| same_name(&a.name, t)))
            .collect()
    }
}

fn same_name(a: &str, b: &str) -> bool {
    let suffix =
        |long: &str, short: &str| long.strip_suffix(short).is_some_and(|p| p.ends_with('.'));
    a == b || suffix(a, b) || suffix(b, a)
}

impl Rocq {
    /// Checks `source_prefix` followed by `Print Assumptions theorem.` and
    /// parses the answer. Fails with [`OracleError::Rejected`] when the prefix
    /// does not check or the theorem does not exist.
    pub fn print_assumptions(&self, source_prefix: &str, theorem: &str) -> Result<Assumptions> {
        let mut src = source_prefix.to_string();
        if !src.is_empty() && !src.ends_with('\n') {
            src.push('\n');
        }
        src.push_str(&format!(
            "Redirect \"synth_assumptions\" Print Assumptions {theorem}.\n"
        ));
        let redirects = vec!["synth_assumptions".to_string()];
        let opts = CheckOptions::default();
        let run = self.run_request(&Request {
            kind: CallKind::Assumptions,
            source: &src,
            options: &opts,
            redirects: &redirects,
        })?;
        if run.verdict.timed_out {
            return Err(OracleError::Timeout(self.default_timeout));
        }
        if !run.verdict.ok {
            return Err(OracleError::Rejected(run.verdict.errors));
        }
        let text = run.redirects.get("synth_assumptions").ok_or_else(|| {
            OracleError::Parse("Print Assumptions produced no output".to_string())
        })?;
        parse_assumptions(text)
    }
}

/// Parses the output of `Print Assumptions`.
pub fn parse_assumptions(text: &str) -> Result<Assumptions> {
    if text.contains("Closed under the global context") {
        return Ok(Assumptions {
            closed: true,
            items: Vec::new(),
        });
    }
    let mut items: Vec<Assumption> = Vec::new();
    let mut kind: Option<String> = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let indented = line.starts_with(char::is_whitespace);
        if indented {
            let Some(last) = items.last_mut() else {
                return Err(OracleError::Parse(format!(
                    "continuation without entry: {line:?}"
                )));
            };
            last.ty.push(' ');
            last.ty.push_str(line.trim());
            continue;
        }
        if let Some(header) = line
            .strip_suffix(':')
            .filter(|h| !h.ends_with(' ') && !h.contains(" : "))
        {
            kind = Some(header.trim().to_string());
            continue;
        }
        let (name, ty) = line
            .split_once(" : ")
            .or_else(|| line.split_once(" :"))
            .ok_or_else(|| OracleError::Parse(format!("unexpected line {line:?}")))?;
        items.push(Assumption {
            kind: kind.clone().unwrap_or_else(|| "Axioms".to_string()),
            name: name.trim().to_string(),
            ty: ty.trim().to_string(),
        });
    }
    for item in &mut items {
        item.ty = item.ty.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if items.is_empty() {
        return Err(OracleError::Parse(format!("no assumptions in {text:?}")));
    }
    Ok(Assumptions {
        closed: false,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_closed_and_axioms() {
        assert!(
            parse_assumptions("Closed under the global context\n")
                .unwrap()
                .closed
        );
        let a = parse_assumptions(
            "Section Variables:\nA : Type\nAxioms:\np : nat\nCoq.Logic.Classical_Prop.classic :\n  forall P : Prop,\n  P \\/ ~ P\n",
        )
        .unwrap();
        assert!(!a.closed);
        let names: Vec<&str> = a.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, vec!["A", "p", "Coq.Logic.Classical_Prop.classic"]);
        assert_eq!(a.items[0].kind, "Section Variables");
        assert_eq!(a.items[1].kind, "Axioms");
        assert!(a.is_closed_modulo(&["A", "p", "classic"]));
        assert!(!a.is_closed_modulo(&["A", "classic"]));
        assert_eq!(a.untrusted(&["A", "classic"])[0].name, "p");
        assert!(!a.is_closed_modulo(&["assic"]));
    }
}
