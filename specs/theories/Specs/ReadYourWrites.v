(** * Spec: Read your writes (Terry et al., PDIS 1994, Sec. 3.1).

    The spec is the base abstract machine ([Framework.Abstract]) with the
    constraints listed below; a store satisfies it when every observable
    trace of the store is a trace of this machine ([Framework.Refinement])
    and the progress obligations hold. *)
From KV Require Import Framework.Abstract Specs.ReadRules Specs.SessionGuarantees
  Specs.CausalConstraint.
From Coq Require Import List.
Import ListNotations.

Definition read_your_writes {K : Type} (keqb : K -> K -> bool) : spec K :=
  [read_latest keqb; c_read_your_writes].
