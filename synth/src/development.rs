//! The development state: spec, candidate, obligations with their status,
//! the helper lemmas grown by decompositions ([`Decomposition`]), the history
//! of moves, and its rendering to Rocq sources (helper lemmas before the
//! lemma they serve, so the main theorem depends on all of them and
//! `Print Assumptions store_correct` covers them).

use crate::catalog::Candidate;
use crate::spec::SpecSource;
use serde::Serialize;

/// What an obligation states (see `Framework/Refinement.v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ObKind {
    /// The relation holds initially.
    BaseInit,
    /// A concrete put is matched by an abstract put.
    BasePut,
    /// A concrete get is matched by an abstract get.
    BaseGet,
    /// A delivery is matched by an abstract apply.
    BaseDeliver,
    /// No deadlock of in-flight messages.
    ProgressDeliver,
    /// Every operation is served once the network is quiet.
    ProgressOps,
    /// Constraint `i` holds at puts.
    LocalPut(usize),
    /// Constraint `i` holds at gets.
    LocalGet(usize),
    /// Constraint `i` holds at applies.
    LocalApply(usize),
}

impl ObKind {
    /// Lemma name in the development.
    pub fn lemma_name(&self) -> String {
        match self {
            ObKind::BaseInit => "base_init".into(),
            ObKind::BasePut => "base_put".into(),
            ObKind::BaseGet => "base_get".into(),
            ObKind::BaseDeliver => "base_deliver".into(),
            ObKind::ProgressDeliver => "progress_no_deadlock".into(),
            ObKind::ProgressOps => "progress_ops_served".into(),
            ObKind::LocalPut(i) => format!("c{i}_holds_at_put"),
            ObKind::LocalGet(i) => format!("c{i}_holds_at_get"),
            ObKind::LocalApply(i) => format!("c{i}_holds_at_apply"),
        }
    }

    /// Whether this is a progress obligation (checked by the audit).
    pub fn is_progress(&self) -> bool {
        matches!(self, ObKind::ProgressDeliver | ObKind::ProgressOps)
    }

    /// The obligations of a spec with `constraints` constraints.
    pub fn all(constraints: usize) -> Vec<ObKind> {
        let mut v = vec![
            ObKind::BaseInit,
            ObKind::BasePut,
            ObKind::BaseGet,
            ObKind::BaseDeliver,
            ObKind::ProgressDeliver,
            ObKind::ProgressOps,
        ];
        for i in 0..constraints {
            v.extend([
                ObKind::LocalPut(i),
                ObKind::LocalGet(i),
                ObKind::LocalApply(i),
            ]);
        }
        v
    }
}

/// Status of one obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Not proved yet: rendered as `Admitted`.
    Admitted,
    /// Closed by this tactic script.
    Proved {
        /// The script after the common prelude.
        tactic: String,
    },
    /// Every attempt failed; the feedback of the last one.
    Failed {
        /// Goal and error, as given to the proposer.
        feedback: String,
    },
}

/// One obligation.
#[derive(Debug, Clone, Serialize)]
pub struct Obligation {
    /// Kind (and constraint index).
    pub kind: ObKind,
    /// Status.
    pub status: Status,
}

/// A move of the inner loop, kept so any step can be reverted.
#[derive(Debug, Clone, Serialize)]
pub enum Move {
    /// Instantiate a candidate (representation + mechanism variant).
    Define {
        /// Candidate name.
        candidate: String,
    },
    /// Split a lemma into parts: the spec into its obligations (`lemma` is
    /// the main theorem, no tactic), or a stuck lemma into helper lemmas by a
    /// structural split (see [`crate::decompose`]).
    Decompose {
        /// The lemma split.
        lemma: String,
        /// The splitting tactic (empty for the spec's obligations).
        tactic: String,
        /// The new lemmas, in order.
        parts: Vec<String>,
    },
    /// An obligation closed by a tactic.
    Prove {
        /// Lemma.
        lemma: String,
        /// Tactic.
        tactic: String,
    },
    /// A failed obligation retried with another tactic.
    Repair {
        /// Lemma.
        lemma: String,
        /// Tactic.
        tactic: String,
    },
    /// An obligation put back to `Admitted`.
    Revert {
        /// Lemma.
        lemma: String,
    },
}

/// A helper lemma grown by a decomposition: a closed statement printed by
/// Rocq, proved after [`HELPER_PRELUDE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Helper {
    /// Lemma name (`<parent>_part<i>`).
    pub name: String,
    /// Its statement (a closed proposition).
    pub statement: String,
    /// Its status.
    pub status: Status,
}

/// A live decomposition: `target` is closed by `closing` once every helper
/// is proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decomposition {
    /// The lemma decomposed (an obligation or a helper).
    pub target: String,
    /// The splitting tactic.
    pub split: String,
    /// The target's proof from its helpers (after its prelude).
    pub closing: String,
    /// The helper lemmas, in order.
    pub helpers: Vec<Helper>,
}

/// The proof of every helper lemma starts with this tactic.
pub const HELPER_PRELUDE: &str = "intros.";

/// A helper lemma's text with the given proof script (`Admitted` when `None`).
pub fn helper_lemma(name: &str, statement: &str, tactic: Option<&str>) -> String {
    let mut s = format!(
        "Lemma {name} : {}.\nProof.\n",
        crate::decompose::layout(statement)
    );
    match tactic {
        Some(t) => s.push_str(&format!("  {HELPER_PRELUDE}\n  {t}\nQed.\n")),
        None => s.push_str("Admitted.\n"),
    }
    s
}

/// A development: a candidate growing towards a closed proof of a spec.
#[derive(Debug, Clone, Serialize)]
pub struct Development {
    /// The spec (never modified).
    pub spec: SpecSource,
    /// The candidate being grown.
    pub candidate: Candidate,
    /// Number of constraints of the spec.
    pub constraints: usize,
    /// The obligations.
    pub obligations: Vec<Obligation>,
    /// Live decompositions into helper lemmas (rendered before their targets).
    pub decompositions: Vec<Decomposition>,
    /// The move history.
    pub history: Vec<Move>,
}

const BINDERS: &str =
    "forall (K : Type) (kcmp : K -> K -> comparison),\n  key_order kcmp -> forall n : nat,\n  ";

impl Development {
    /// A fresh development: every obligation `Admitted`.
    pub fn new(spec: SpecSource, candidate: Candidate, constraints: usize) -> Development {
        let obligations = ObKind::all(constraints)
            .into_iter()
            .map(|kind| Obligation {
                kind,
                status: Status::Admitted,
            })
            .collect();
        let history = vec![
            Move::Define {
                candidate: candidate.name(),
            },
            Move::Decompose {
                lemma: "store_correct".into(),
                tactic: String::new(),
                parts: ObKind::all(constraints)
                    .iter()
                    .map(ObKind::lemma_name)
                    .collect(),
            },
        ];
        Development {
            spec,
            candidate,
            constraints,
            obligations,
            decompositions: Vec::new(),
            history,
        }
    }

    /// The candidate's definitions: imports, policy, and the proofs functor
    /// applied to representation and policy (its `Alg` is the store).
    pub fn prefix(&self) -> String {
        let c = &self.candidate;
        let mut s = String::new();
        s.push_str("From Coq Require Import Arith List Lia.\n");
        s.push_str("From KV Require Import Framework.Prelude Framework.KeyOrder Framework.Tactics Framework.Abstract Framework.Refinement.\n");
        s.push_str(&format!(
            "From KV Require Import {}.\n",
            c.representation.file
        ));
        for i in &c.mechanism.imports {
            s.push_str(&format!("From KV Require Import {i}.\n"));
        }
        s.push_str(&format!("Require Import {}.\n", self.spec.module));
        s.push_str("Import ListNotations.\n\n");
        s.push_str(&format!("Module Policy <: {}.\n", c.mechanism.policy_type));
        for (k, v) in &c.variant().switches {
            s.push_str(&format!("  Definition {k} := {v}.\n"));
        }
        s.push_str("End Policy.\n\n");
        s.push_str(&format!(
            "Module Proofs := {} {} Policy.\n",
            c.mechanism.proofs_functor, c.representation.module
        ));
        s
    }

    /// Lines that open the namespaces obligations are stated in.
    pub fn opens(&self) -> &'static str {
        "Import Proofs Proofs.Ref.\n"
    }

    /// `Lemma <name> : <statement>.`
    pub fn statement(&self, kind: ObKind) -> String {
        let m = &self.candidate.mechanism;
        let (rel, stamp, mid) = (m.relation, m.stamp, m.msg_id);
        let c = |i: usize| format!("(nth_constraint ({} (keq kcmp)) {i})", self.spec.definition);
        let body = match kind {
            ObKind::BaseInit => format!("ob_init K n ({rel})"),
            ObKind::BasePut => format!("ob_put K kcmp n ({rel}) ({stamp})"),
            ObKind::BaseGet => format!("ob_get K kcmp n ({rel})"),
            ObKind::BaseDeliver => format!("ob_deliver K kcmp n ({rel}) ({mid})"),
            ObKind::ProgressDeliver => format!("progress_deliver K ({rel})"),
            ObKind::ProgressOps => format!("progress_ops K kcmp n ({rel})"),
            ObKind::LocalPut(i) => format!("local_put K kcmp n ({rel}) ({stamp}) {}", c(i)),
            ObKind::LocalGet(i) => format!("local_get K kcmp n ({rel}) {}", c(i)),
            ObKind::LocalApply(i) => format!("local_apply K ({rel}) ({mid}) {}", c(i)),
        };
        format!("Lemma {} : {BINDERS}{body}.", kind.lemma_name())
    }

    /// The tactics every proof of `kind` starts with (introductions and
    /// unfolding of the obligation and of the spec's constraint).
    pub fn prelude(&self, kind: ObKind) -> Vec<String> {
        let mut t = vec!["intros K kcmp Hk n.".to_string()];
        let local = match kind {
            ObKind::LocalPut(_) => Some("local_put"),
            ObKind::LocalGet(_) => Some("local_get"),
            ObKind::LocalApply(_) => Some("local_apply"),
            _ => None,
        };
        if let Some(l) = local {
            t.push(format!(
                "unfold {l}, nth_constraint, {}; intros; simpl.",
                self.spec.definition
            ));
        }
        t
    }

    /// A lemma with the given proof script (or `Admitted` when `None`).
    pub fn lemma(&self, kind: ObKind, tactic: Option<&str>) -> String {
        let mut s = self.statement(kind);
        s.push_str("\nProof.\n");
        match tactic {
            Some(t) => {
                for p in self.prelude(kind) {
                    s.push_str(&format!("  {p}\n"));
                }
                s.push_str(&format!("  {t}\nQed.\n"));
            }
            None => s.push_str("Admitted.\n"),
        }
        s
    }

    /// The main theorem, assembled from the obligation lemmas.
    pub fn main_theorem(&self) -> String {
        let m = &self.candidate.mechanism;
        let a = "K kcmp Hk n";
        let mut s = format!(
            "Theorem store_correct : {BINDERS}correct_for K kcmp n ({}) ({}) ({}) ({} (keq kcmp)).\nProof.\n  intros K kcmp Hk n.\n",
            m.relation, m.stamp, m.msg_id, self.spec.definition
        );
        s.push_str(&format!(
            "  split; [split; [exact (base_init {a}) | split; [exact (base_put {a}) | split; [exact (base_get {a}) | exact (base_deliver {a})]]] |].\n"
        ));
        s.push_str(&format!(
            "  split; [| split; [exact (progress_no_deadlock {a}) | exact (progress_ops_served {a})]].\n"
        ));
        s.push_str(&format!(
            "  apply discharges_by_index; intros i Hi; unfold {} in Hi; simpl in Hi.\n",
            self.spec.definition
        ));
        for i in 0..self.constraints {
            s.push_str(&format!(
                "  destruct i as [|i]; [exact (conj (c{i}_holds_at_put {a}) (conj (c{i}_holds_at_get {a}) (c{i}_holds_at_apply {a}))) |].\n"
            ));
        }
        s.push_str("  exfalso; lia.\nQed.\n");
        s
    }

    /// The whole development as one Rocq file.
    pub fn render(&self) -> String {
        let mut s = format!(
            "(** Synthesized development for spec [{}] ({}), sha256 {}.\n    Candidate: {}.\n    Generated by `synth run`; every proof below was found by the engine's search and checked by Rocq. *)\n",
            self.spec.definition,
            self.spec.path.file_name().and_then(|f| f.to_str()).unwrap_or("?"),
            self.spec.sha256,
            self.candidate.name()
        );
        let sauto =
            |st: &Status| matches!(st, Status::Proved { tactic } if tactic.contains("sauto"));
        let uses_hammer = self.obligations.iter().any(|o| sauto(&o.status))
            || self
                .decompositions
                .iter()
                .flat_map(|d| &d.helpers)
                .any(|h| sauto(&h.status));
        if uses_hammer {
            s.push_str(crate::run::HAMMER_IMPORT);
        }
        s.push_str(&self.prefix());
        s.push('\n');
        s.push_str(self.opens());
        s.push('\n');
        for ob in &self.obligations {
            let tactic = match &ob.status {
                Status::Proved { tactic } => Some(tactic.as_str()),
                _ => None,
            };
            self.render_helpers(&ob.kind.lemma_name(), &mut s);
            s.push_str(&self.lemma(ob.kind, tactic));
            s.push('\n');
        }
        s.push_str(&self.main_theorem());
        s
    }

    /// Appends the helper lemmas of `target` (theirs first, recursively).
    fn render_helpers(&self, target: &str, s: &mut String) {
        let Some(d) = self.decomposition(target) else {
            return;
        };
        for h in &d.helpers {
            self.render_helpers(&h.name, s);
            let tactic = match &h.status {
                Status::Proved { tactic } => Some(tactic.as_str()),
                _ => None,
            };
            s.push_str(&helper_lemma(&h.name, &h.statement, tactic));
            s.push('\n');
        }
    }

    /// The live decomposition of `target`, if any.
    pub fn decomposition(&self, target: &str) -> Option<&Decomposition> {
        self.decompositions.iter().find(|d| d.target == target)
    }

    /// The helper lemma `name`, if it is live.
    pub fn helper(&self, name: &str) -> Option<&Helper> {
        self.decompositions
            .iter()
            .flat_map(|d| &d.helpers)
            .find(|h| h.name == name)
    }

    /// The obligation whose lemma is `name`.
    pub fn kind_of(&self, name: &str) -> Option<ObKind> {
        self.obligations
            .iter()
            .map(|o| o.kind)
            .find(|k| k.lemma_name() == name)
    }

    /// The status of lemma `name` (obligation or live helper).
    pub fn status(&self, name: &str) -> Option<&Status> {
        match self.kind_of(name) {
            Some(k) => self
                .obligations
                .iter()
                .find(|o| o.kind == k)
                .map(|o| &o.status),
            None => self.helper(name).map(|h| &h.status),
        }
    }

    /// Whether lemma `name` (obligation or live helper) is not proved yet.
    pub fn is_open(&self, name: &str) -> bool {
        !matches!(self.status(name), Some(Status::Proved { .. }))
    }

    /// Sets the status of lemma `name` (obligation or live helper).
    pub fn set_status(&mut self, name: &str, status: Status) {
        match self.kind_of(name) {
            Some(k) => self.set(k, status),
            None => {
                if let Some(h) = self
                    .decompositions
                    .iter_mut()
                    .flat_map(|d| &mut d.helpers)
                    .find(|h| h.name == name)
                {
                    h.status = status;
                }
            }
        }
    }

    /// Records that `tactic` closed lemma `name`; when that was the last open
    /// helper of a decomposition, its target is closed by its closing script,
    /// and so on up. Returns the lemmas closed that way, innermost first.
    pub fn prove(&mut self, name: &str, tactic: &str) -> Vec<String> {
        self.history.push(Move::Prove {
            lemma: name.to_string(),
            tactic: tactic.to_string(),
        });
        self.set_status(
            name,
            Status::Proved {
                tactic: tactic.to_string(),
            },
        );
        let mut closed = Vec::new();
        let mut current = name.to_string();
        while let Some(d) = self
            .decompositions
            .iter()
            .find(|d| d.helpers.iter().any(|h| h.name == current))
        {
            if d.helpers
                .iter()
                .any(|h| !matches!(h.status, Status::Proved { .. }))
            {
                break;
            }
            let (target, closing) = (d.target.clone(), d.closing.clone());
            self.history.push(Move::Prove {
                lemma: target.clone(),
                tactic: closing.clone(),
            });
            self.set_status(&target, Status::Proved { tactic: closing });
            closed.push(target.clone());
            current = target;
        }
        closed
    }

    /// Decomposes `target` by `split` into helper lemmas `(name, statement)`
    /// (all `Admitted`), closed by `closing` once they are proved. An earlier
    /// decomposition of `target` is replaced.
    pub fn decompose(
        &mut self,
        target: &str,
        split: &str,
        closing: &str,
        helpers: &[(String, String)],
    ) {
        self.drop_decomposition(target);
        self.history.push(Move::Decompose {
            lemma: target.to_string(),
            tactic: split.to_string(),
            parts: helpers.iter().map(|(n, _)| n.clone()).collect(),
        });
        self.decompositions.push(Decomposition {
            target: target.to_string(),
            split: split.to_string(),
            closing: closing.to_string(),
            helpers: helpers
                .iter()
                .map(|(name, statement)| Helper {
                    name: name.clone(),
                    statement: statement.clone(),
                    status: Status::Admitted,
                })
                .collect(),
        });
    }

    /// Reverts the decomposition of `target`: its helper lemmas (and theirs)
    /// are removed and `target` is open again.
    pub fn revert_decomposition(&mut self, target: &str) {
        self.drop_decomposition(target);
        self.history.push(Move::Revert {
            lemma: target.to_string(),
        });
        if !matches!(self.status(target), Some(Status::Failed { .. })) {
            self.set_status(target, Status::Admitted);
        }
    }

    fn drop_decomposition(&mut self, target: &str) {
        let Some(i) = self.decompositions.iter().position(|d| d.target == target) else {
            return;
        };
        let d = self.decompositions.remove(i);
        for h in &d.helpers {
            self.drop_decomposition(&h.name);
        }
    }

    /// Obligations still open.
    pub fn open(&self) -> Vec<ObKind> {
        self.obligations
            .iter()
            .filter(|o| !matches!(o.status, Status::Proved { .. }))
            .map(|o| o.kind)
            .collect()
    }

    /// Sets the status of an obligation.
    pub fn set(&mut self, kind: ObKind, status: Status) {
        if let Some(o) = self.obligations.iter_mut().find(|o| o.kind == kind) {
            o.status = status;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::admitted_names;

    fn dev() -> Development {
        let spec = SpecSource {
            name: "t".into(),
            path: "t.v".into(),
            module: "T".into(),
            definition: "t".into(),
            sha256: String::new(),
            external: true,
        };
        Development::new(spec, crate::catalog::candidates()[0].clone(), 1)
    }

    #[test]
    fn an_unproved_helper_lemma_is_admitted_in_the_rendering_and_a_proved_one_closes_its_parent() {
        let mut d = dev();
        let helpers = vec![
            ("c0_holds_at_get_part1".to_string(), "True".to_string()),
            ("c0_holds_at_get_part2".to_string(), "1 = 1".to_string()),
        ];
        d.decompose(
            "c0_holds_at_get",
            "split.",
            "split; [exact I | reflexivity].",
            &helpers,
        );
        d.prove("c0_holds_at_get_part1", "exact I.");
        let text = d.render();
        // The audit's hole check sees the open helper.
        let admitted = admitted_names(&text);
        assert!(
            admitted.contains(&"c0_holds_at_get_part2".to_string()),
            "{admitted:?}"
        );
        assert!(!admitted.contains(&"c0_holds_at_get_part1".to_string()));
        assert!(d.is_open("c0_holds_at_get"));
        // The last helper closes the parent by its closing script.
        assert_eq!(
            d.prove("c0_holds_at_get_part2", "reflexivity."),
            vec!["c0_holds_at_get".to_string()]
        );
        assert_eq!(
            d.status("c0_holds_at_get"),
            Some(&Status::Proved {
                tactic: "split; [exact I | reflexivity].".into()
            })
        );
        let text = d.render();
        let admitted = admitted_names(&text);
        assert!(
            !admitted.iter().any(|n| n.starts_with("c0_holds_at_get")),
            "{admitted:?}"
        );
        let at = |n: &str| text.find(n).unwrap_or_else(|| panic!("{n} missing"));
        assert!(at("Lemma c0_holds_at_get_part2 :") < at("Lemma c0_holds_at_get :"));
        // Reverting removes the helpers and opens the parent again.
        d.revert_decomposition("c0_holds_at_get");
        assert!(d.is_open("c0_holds_at_get") && d.helper("c0_holds_at_get_part1").is_none());
        assert!(!d.render().contains("_part1"));
    }
}
