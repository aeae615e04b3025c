(** * Sanity: every spec is satisfiable by a non-trivial trace.

    One trace with two replicas, two writes, and reads that return them at a
    replica other than the writer's: session 0 writes key 0 at replica 0; the
    write is applied at replica 1, where session 1 and then session 0 read
    it; session 1 writes key 1 at replica 1; that write is applied at replica
    0, where session 0 reads it.  It is a trace of each of the seven specs
    (the abstract execution is given as a script of [AbstractRun], with the
    Lamport stamps causal+ needs), so no spec forbids everything.

    These traces are witnesses of non-vacuity only; the full satisfiability
    witnesses are the synthesized developments
    ([extracted/stores/*/rocq/Development.v], theorem [store_correct]):
    implementations proved to refine their spec and to make progress
    ([Refinement.correct_for]). *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Events Framework.Abstract Specs.ReadRules
  Specs.SessionGuarantees Specs.CausalConstraint Specs.ReadYourWrites
  Specs.MonotonicReads Specs.MonotonicWrites Specs.WritesFollowReads Specs.PRAM
  Specs.Causal Specs.CausalPlus Sanity.AbstractRun.
Import ListNotations.

(** The abstract execution. *)
Definition sat_script : list (aaction nat) :=
  [ADoPut 0 0 0 (1, 0); ADoApply 1 0; ADoGet 1 1 0 (Some 0); ADoGet 0 1 0 (Some 0);
   ADoPut 1 1 1 (2, 1); ADoApply 0 1; ADoGet 0 0 1 (Some 1)].

(** Its trace, newest event first. *)
Definition sat_trace : list (event nat) :=
  [EGet 0 0 1 (Some 1); EPut 1 1 1 1; EGet 0 1 0 (Some 0); EGet 1 1 0 (Some 0);
   EPut 0 0 0 0].

Ltac sat sp := apply (arun_atrace nat 2 (sp nat Nat.eqb) sat_script);
  [reflexivity | unfold sp; solve_aok].

Theorem read_your_writes_satisfiable : atrace nat 2 (read_your_writes Nat.eqb) sat_trace.
Proof. sat @read_your_writes. Qed.

Theorem monotonic_reads_satisfiable : atrace nat 2 (monotonic_reads Nat.eqb) sat_trace.
Proof. sat @monotonic_reads. Qed.

Theorem monotonic_writes_satisfiable : atrace nat 2 (monotonic_writes Nat.eqb) sat_trace.
Proof. sat @monotonic_writes. Qed.

Theorem writes_follow_reads_satisfiable :
  atrace nat 2 (writes_follow_reads Nat.eqb) sat_trace.
Proof. sat @writes_follow_reads. Qed.

Theorem pram_satisfiable : atrace nat 2 (pram Nat.eqb) sat_trace.
Proof. sat @pram. Qed.

Theorem causal_satisfiable : atrace nat 2 (causal Nat.eqb) sat_trace.
Proof. sat @causal. Qed.

Theorem causal_plus_satisfiable : atrace nat 2 (causal_plus Nat.eqb) sat_trace.
Proof. sat @causal_plus. Qed.
