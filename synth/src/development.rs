//! The development state: spec, candidate, obligations with their status,
//! the history of moves, and its rendering to Rocq sources.

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
    /// Split the spec into obligations.
    Decompose {
        /// Number of obligations.
        obligations: usize,
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
                obligations: ObKind::all(constraints).len(),
            },
        ];
        Development {
            spec,
            candidate,
            constraints,
            obligations,
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
        let uses_hammer = self
            .obligations
            .iter()
            .any(|o| matches!(&o.status, Status::Proved { tactic } if tactic.contains("sauto")));
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
            s.push_str(&self.lemma(ob.kind, tactic));
            s.push('\n');
        }
        s.push_str(&self.main_theorem());
        s
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
