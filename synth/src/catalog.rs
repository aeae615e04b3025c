//! The offline catalog: metadata mechanisms (with their library lemmas) and
//! data representations (with their laws), as building blocks.
//!
//! The catalog names Rocq modules written once and for all under
//! `specs/theories/Mechanisms` and `specs/theories/Representations`; it never
//! names a spec. The glue for a given spec (which variant, the obligations,
//! their proofs) is found by the engine's search and checked by Rocq.

use serde::Serialize;

/// A representation of the key-value map, with its laws proved in Rocq.
#[derive(Debug, Clone, Serialize)]
pub struct Representation {
    /// Catalog name, e.g. `assoc-list`.
    pub name: &'static str,
    /// Rocq file under `KV.Representations`.
    pub file: &'static str,
    /// Rocq module implementing `REP`.
    pub module: &'static str,
    /// Prior cost rank (lower is tried first) before any measurement.
    pub prior_cost: u32,
}

/// One variant of a mechanism: the values of its policy switches.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// Short name used in candidate names.
    pub name: &'static str,
    /// `Definition <switch> := <value>.` lines of the policy module.
    pub switches: Vec<(&'static str, &'static str)>,
    /// Metadata cost rank: cheaper variants are tried first.
    pub cost: u32,
}

/// A metadata mechanism: an algorithm functor over a representation and a
/// policy, plus the library lemmas proving its invariant and guard facts.
#[derive(Debug, Clone, Serialize)]
pub struct Mechanism {
    /// Catalog name, e.g. `session-vectors`.
    pub name: &'static str,
    /// Rocq files to import (under `KV.`).
    pub imports: Vec<&'static str>,
    /// Policy module type.
    pub policy_type: &'static str,
    /// Functor building the proofs module: `<proofs_functor> Rep Policy`; it
    /// contains the algorithm as `Alg` and the refinement instance as `Ref`.
    pub proofs_functor: &'static str,
    /// Simulation relation, as a term over `K kcmp n`.
    pub relation: &'static str,
    /// Stamp function, as a term over `K kcmp n`.
    pub stamp: &'static str,
    /// Message identifier function, as a term over `K kcmp n`.
    pub msg_id: &'static str,
    /// Library lemmas the prover may apply (names inside the proofs module).
    pub lemmas: Vec<&'static str>,
    /// Variants, in the order of their cost.
    pub variants: Vec<Variant>,
}

/// The representations the engine knows.
pub fn representations() -> Vec<Representation> {
    vec![
        Representation {
            name: "avl-tree",
            file: "Representations.AvlTree",
            module: "AvlTree",
            prior_cost: 1,
        },
        Representation {
            name: "assoc-list",
            file: "Representations.AssocList",
            module: "AssocList",
            prior_cost: 2,
        },
        Representation {
            name: "function-store",
            file: "Representations.FunctionStore",
            module: "FunctionStore",
            prior_cost: 3,
        },
        // One record per key (sorted by the key order), keeping every version
        // written to the key, newest first: a multi-version store whose memory
        // grows with the history. Tried last; the outer loop measures it.
        Representation {
            name: "per-key-records",
            file: "Representations.PerKeyRecords",
            module: "PerKeyRecords",
            prior_cost: 4,
        },
    ]
}

/// The mechanisms the engine knows.
pub fn mechanisms() -> Vec<Mechanism> {
    let variant = |name, merge, guard, cost| Variant {
        name,
        switches: vec![("get_merge", merge), ("put_guard", guard)],
        cost,
    };
    vec![
        // No metadata at all (plain eventual propagation): a unit token, every
        // message deliverable. Only the read rule `read_latest` holds; no
        // session guarantee (Terry et al. PDIS 1994). The cheapest entry, so
        // specs that need no metadata get none.
        Mechanism {
            name: "none",
            imports: vec!["Mechanisms.NoMetadata", "Mechanisms.NoMetadataProofs"],
            policy_type: "NM_POLICY",
            proofs_functor: "NoMetadataProofs",
            relation: "nm_rel K kcmp n",
            stamp: "nm_stamp K",
            msg_id: "nm_msg_id K",
            lemmas: vec![
                "nm_ob_init",
                "nm_ob_put",
                "nm_ob_get",
                "nm_ob_deliver",
                "nm_progress_deliver",
                "nm_progress_ops",
                "nm_get_returns_latest",
            ],
            variants: vec![Variant {
                name: "plain",
                switches: vec![],
                cost: 0,
            }],
        },
        // Per-origin vector clocks, FIFO delivery per origin (Terry et al.'s
        // version vectors used as session tokens).
        Mechanism {
            name: "session-vectors",
            imports: vec![
                "Mechanisms.SessionVectors",
                "Mechanisms.SessionVectorsProofs",
            ],
            policy_type: "SV_POLICY",
            proofs_functor: "SessionVectorsProofs",
            relation: "sv_rel K kcmp n",
            stamp: "sv_stamp K",
            msg_id: "sv_msg_id K",
            lemmas: vec![
                "sv_ob_init",
                "sv_ob_put",
                "sv_ob_get",
                "sv_ob_deliver",
                "sv_progress_deliver",
                "sv_progress_ops",
                "sv_get_returns_latest",
                "sv_get_sees_issued",
                "sv_get_sees_observed",
                "sv_put_sees_issued",
                "sv_put_sees_observed",
            ],
            variants: vec![
                variant("plain", "false", "false", 1),
                variant("merge", "true", "false", 2),
                variant("guard", "false", "true", 2),
                variant("merge-guard", "true", "true", 3),
            ],
        },
        // Per-origin vector clocks with causal delivery: each message carries
        // its origin's clock (Chapar's algorithm 1, Lesani et al. POPL 2016).
        Mechanism {
            name: "causal-vectors",
            imports: vec!["Mechanisms.CausalVectors", "Mechanisms.CausalVectorsProofs"],
            policy_type: "CV_POLICY",
            proofs_functor: "CausalVectorsProofs",
            relation: "cv_rel K kcmp n",
            stamp: "cv_stamp K",
            msg_id: "cv_msg_id K",
            lemmas: vec![
                "cv_ob_init",
                "cv_ob_put",
                "cv_ob_get",
                "cv_ob_deliver",
                "cv_progress_deliver",
                "cv_progress_ops",
                "cv_get_returns_latest",
                "cv_get_sees_issued",
                "cv_get_sees_observed",
                "cv_get_sees_causal_past",
                "cv_put_sees_issued",
                "cv_put_sees_observed",
                "cv_put_sees_causal_past",
                "cv_apply_after_session_writes",
                "cv_apply_after_observed",
                "cv_apply_after_causal_past",
            ],
            variants: vec![
                variant("plain", "false", "false", 4),
                variant("merge", "true", "false", 5),
                variant("guard", "false", "true", 5),
                variant("merge-guard", "true", "true", 6),
            ],
        },
        // Causal delivery plus Lamport stamps and last-writer-wins per key
        // (COPS's causal+, Lloyd et al. SOSP 2011): replicas converge.
        Mechanism {
            name: "causal-lww",
            imports: vec!["Mechanisms.CausalLww", "Mechanisms.CausalLwwProofs"],
            policy_type: "LWW_POLICY",
            proofs_functor: "CausalLwwProofs",
            relation: "lww_rel K kcmp n",
            stamp: "lww_stamp K",
            msg_id: "lww_msg_id K",
            lemmas: vec![
                "lww_ob_init",
                "lww_ob_put",
                "lww_ob_get",
                "lww_ob_deliver",
                "lww_progress_deliver",
                "lww_progress_ops",
                "lww_get_returns_arbitrated",
                "lww_put_stamp_is_newest",
                "lww_get_sees_issued",
                "lww_get_sees_observed",
                "lww_get_sees_causal_past",
                "lww_put_sees_issued",
                "lww_put_sees_observed",
                "lww_put_sees_causal_past",
                "lww_apply_after_session_writes",
                "lww_apply_after_observed",
                "lww_apply_after_causal_past",
            ],
            variants: vec![
                variant("plain", "false", "false", 7),
                variant("merge", "true", "false", 8),
                variant("guard", "false", "true", 8),
                variant("merge-guard", "true", "true", 9),
            ],
        },
        // Explicit dependencies (COPS's nearest dependencies, Lloyd et al.
        // SOSP 2011): a put carries the session's dependency list, a replica
        // applies a remote write once its dependencies are applied, the token
        // collapses to the new write after a put. Per-key versions (each
        // stored value keeps its write's name) and a dependency list per
        // message: the most metadata per write, so it is tried last.
        Mechanism {
            name: "dependencies",
            imports: vec!["Mechanisms.Dependencies", "Mechanisms.DependenciesProofs"],
            policy_type: "DP_POLICY",
            proofs_functor: "DependenciesProofs",
            relation: "dp_rel K kcmp n",
            stamp: "dp_stamp K",
            msg_id: "dp_msg_id K",
            lemmas: vec![
                "dp_ob_init",
                "dp_ob_put",
                "dp_ob_get",
                "dp_ob_deliver",
                "dp_progress_deliver",
                "dp_progress_ops",
                "dp_get_returns_latest",
                "dp_get_sees_issued",
                "dp_get_sees_observed",
                "dp_get_sees_causal_past",
                "dp_put_sees_issued",
                "dp_put_sees_observed",
                "dp_put_sees_causal_past",
                "dp_apply_after_session_writes",
                "dp_apply_after_observed",
                "dp_apply_after_causal_past",
            ],
            variants: vec![
                // The token follows the session's own writes only.
                Variant {
                    name: "writes",
                    switches: vec![("get_track", "false")],
                    cost: 10,
                },
                // Reads are dependencies too (COPS): causal consistency.
                Variant {
                    name: "reads-writes",
                    switches: vec![("get_track", "true")],
                    cost: 11,
                },
            ],
        },
    ]
}

/// A candidate: one mechanism variant over one representation.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Mechanism (cloned from the catalog).
    pub mechanism: Mechanism,
    /// Index of the chosen variant.
    pub variant: usize,
    /// Representation.
    pub representation: Representation,
}

impl Candidate {
    /// `mechanism/variant/representation`.
    pub fn name(&self) -> String {
        format!(
            "{}/{}/{}",
            self.mechanism.name,
            self.mechanism.variants[self.variant].name,
            self.representation.name
        )
    }

    /// The chosen variant.
    pub fn variant(&self) -> &Variant {
        &self.mechanism.variants[self.variant]
    }
}

/// Every candidate, cheapest metadata first, then by representation prior.
pub fn candidates() -> Vec<Candidate> {
    let mut out = Vec::new();
    for m in mechanisms() {
        for v in 0..m.variants.len() {
            for r in representations() {
                out.push(Candidate {
                    mechanism: m.clone(),
                    variant: v,
                    representation: r,
                });
            }
        }
    }
    out.sort_by_key(|c| (c.variant().cost, c.representation.prior_cost));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_ordered_by_metadata_cost() {
        let cs = candidates();
        assert!(cs.len() >= 8);
        let costs: Vec<u32> = cs.iter().map(|c| c.variant().cost).collect();
        let mut sorted = costs.clone();
        sorted.sort();
        assert_eq!(costs, sorted);
        assert_eq!(cs[0].name(), "none/plain/avl-tree");
        // No metadata is strictly cheaper than every other mechanism.
        let none_cost = cs[0].variant().cost;
        assert!(cs
            .iter()
            .filter(|c| c.mechanism.name != "none")
            .all(|c| c.variant().cost > none_cost));
        let first_sv = cs
            .iter()
            .find(|c| c.mechanism.name == "session-vectors")
            .unwrap();
        assert_eq!(first_sv.name(), "session-vectors/plain/avl-tree");
    }

    #[test]
    fn explicit_dependencies_come_after_every_other_mechanism() {
        let cs = candidates();
        let first_dp = cs
            .iter()
            .position(|c| c.mechanism.name == "dependencies")
            .unwrap();
        assert!(cs[..first_dp]
            .iter()
            .all(|c| c.mechanism.name != "dependencies"));
        assert!(cs[first_dp..]
            .iter()
            .all(|c| c.mechanism.name == "dependencies"));
        assert_eq!(cs[first_dp].name(), "dependencies/writes/avl-tree");
        assert_eq!(cs.len(), representations().len() * (1 + 4 + 4 + 4 + 2));
    }
}
