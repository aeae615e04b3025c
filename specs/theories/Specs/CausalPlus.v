(** * Spec: Causal+ consistency (Lloyd et al., COPS, SOSP 2011, Sec. 3):
    causal consistency with a total arbitration order (Lamport stamps, last
    writer wins), so that replicas that applied the same writes return the
    same values (convergence).

    The spec is the base abstract machine ([Framework.Abstract]) with the
    constraints listed below; a store satisfies it when every observable
    trace of the store is a trace of this machine ([Framework.Refinement])
    and the progress obligations hold. *)
From KV Require Import Framework.Abstract Specs.ReadRules Specs.SessionGuarantees
  Specs.CausalConstraint.
From Coq Require Import List.
Import ListNotations.

Definition causal_plus {K : Type} (keqb : K -> K -> bool) : spec K :=
  [read_arbitrated keqb; c_causal].
