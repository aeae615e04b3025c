(** * Spec: PRAM (Lipton and Sandberg 1988), which Viotti and Vukolic (ACM CSUR 2016, Sec. 3.3) show equivalent to monotonic reads, monotonic writes and read your writes together.

    The spec is the base abstract machine ([Framework.Abstract]) with the
    constraints listed below; a store satisfies it when every observable
    trace of the store is a trace of this machine ([Framework.Refinement])
    and the progress obligations hold. *)
From KV Require Import Framework.Abstract Specs.ReadRules Specs.SessionGuarantees
  Specs.CausalConstraint.
From Coq Require Import List.
Import ListNotations.

Definition pram {K : Type} (keqb : K -> K -> bool) : spec K :=
  [read_latest keqb; c_read_your_writes; c_monotonic_reads; c_monotonic_writes].
