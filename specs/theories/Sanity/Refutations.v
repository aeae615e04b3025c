(** * Sanity: every spec rejects a trace of the known-bad algorithm.

    For each spec: an explicit trace of [Eventual] (2 replicas, keys and
    values [nat]) proved to be a concrete trace by running a script
    ([ConcreteRun]), and proved not to be a trace of the spec's machine,
    whatever silent applies the abstract execution interleaves
    ([AbstractFacts]).  Hence [Eventual] refines none of the seven specs: no
    spec is vacuous.

    Traces are written newest event first, as in the framework. *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Events Framework.Abstract Specs.ReadRules
  Specs.SessionGuarantees Specs.CausalConstraint Specs.ReadYourWrites
  Specs.MonotonicReads Specs.MonotonicWrites Specs.WritesFollowReads Specs.PRAM
  Specs.Causal Specs.CausalPlus Sanity.Eventual Sanity.ConcreteRun
  Sanity.AbstractFacts Sanity.AbstractRun.
Import ListNotations.

Module R := ConcreteRun Eventual.

(** The traces of [Eventual] with two replicas. *)
Definition bad_trace (tr : list (event nat)) : Prop := R.C.ctrace nat Nat.compare 2 tr.

(** A rejected trace of [Eventual] means [Eventual] does not refine the spec. *)
Lemma not_refines : forall sp tr, bad_trace tr -> ~ atrace nat 2 sp tr ->
  ~ (forall tr, bad_trace tr -> atrace nat 2 sp tr).
Proof. intros sp tr Hc Ha H; exact (Ha (H tr Hc)). Qed.

(** ** Read your writes: session 0 writes at replica 0, then reads nothing at
    replica 1 (the update is still in flight). *)
Definition ryw_trace : list (event nat) :=
  [EGet 0 1 0 None; EPut 0 0 0 0].

Theorem ryw_trace_concrete : bad_trace ryw_trace.
Proof. apply (R.crun_ctrace _ _ _ [R.CDoPut 0 0 0; R.CDoGet 0 1 0]); reflexivity. Qed.

Theorem ryw_trace_rejected : forall n, ~ atrace nat n (read_your_writes Nat.eqb) ryw_trace.
Proof.
  intros n [B H]; unfold read_your_writes, ryw_trace in H.
  at_get_none 0 H A HR HG.
  ghostify HR.                     (* session 0 issued [0] *)
  witness 0 A 1 w Hw Hid.
  absent.
Qed.

(** ** Monotonic reads: session 1 reads write 0 at replica 0, then reads
    nothing at replica 1. *)
Definition mr_trace : list (event nat) :=
  [EGet 1 1 0 None; EGet 1 0 0 (Some 0); EPut 0 0 0 0].

Theorem mr_trace_concrete : bad_trace mr_trace.
Proof.
  apply (R.crun_ctrace _ _ _ [R.CDoPut 0 0 0; R.CDoGet 1 0 0; R.CDoGet 1 1 0]);
    reflexivity.
Qed.

Theorem mr_trace_rejected : forall n, ~ atrace nat n (monotonic_reads Nat.eqb) mr_trace.
Proof.
  intros n [B H]; unfold monotonic_reads, mr_trace in H.
  at_get_none 0 H A HR HG.
  ghostify HR.                     (* session 1 read [0] *)
  witness 0 A 1 w Hw Hid.
  absent.
Qed.

(** ** Monotonic writes: session 0 writes key 0 at replica 0, then key 1 at
    replica 1; session 1 then reads the second write but not the first at
    replica 1. *)
Definition mw_trace : list (event nat) :=
  [EGet 1 1 0 None; EGet 1 1 1 (Some 1); EPut 0 1 1 1; EPut 0 0 0 0].

Theorem mw_trace_concrete : bad_trace mw_trace.
Proof.
  apply (R.crun_ctrace _ _ _
           [R.CDoPut 0 0 0; R.CDoPut 0 1 1; R.CDoGet 1 1 1; R.CDoGet 1 1 0]);
    reflexivity.
Qed.

(** The argument, for any spec with [read_latest] and [c_monotonic_writes]:
    write 1 is applied at replica 1 before the first get, so (closure) write 0
    is too, and stays applied; the second get must then return it. *)
Ltac mw_refute H :=
  let A4 := fresh "A4" in let HR4 := fresh "HR4" in let HG4 := fresh "HG4" in
  let A3 := fresh "A3" in let HR3 := fresh "HR3" in let HG3 := fresh "HG3" in
  let w1 := fresh "w1" in let Hid1 := fresh "Hid1" in let Hw1 := fresh "Hw1" in
  let w0 := fresh "w0" in let Hid0 := fresh "Hid0" in let Hw0 := fresh "Hw0" in
  at_get_none 0 H A4 HR4 HG4;
  at_get_some 0 HR4 A3 HR3 HG3 w1 Hid1 Hw1;
  closed mw_closed_ghost HR3 Hw1 Hid1;          (* write 0 applied at replica 1 *)
  witness 0 A3 1 w0 Hw0 Hid0;
  apply (proj1 HG3 1) in Hw0;
  absent.

Theorem mw_trace_rejected : forall n, ~ atrace nat n (monotonic_writes Nat.eqb) mw_trace.
Proof. intros n [B H]; unfold monotonic_writes, mw_trace in H; mw_refute H. Qed.

(** ** Writes follow reads: session 1 reads write 0 at replica 0, then writes
    key 1 at replica 1; session 2 reads that write but not write 0 at
    replica 1. *)
Definition wfr_trace : list (event nat) :=
  [EGet 2 1 0 None; EGet 2 1 1 (Some 1); EPut 1 1 1 1; EGet 1 0 0 (Some 0);
   EPut 0 0 0 0].

Theorem wfr_trace_concrete : bad_trace wfr_trace.
Proof.
  apply (R.crun_ctrace _ _ _
           [R.CDoPut 0 0 0; R.CDoGet 1 0 0; R.CDoPut 1 1 1; R.CDoGet 2 1 1;
            R.CDoGet 2 1 0]);
    reflexivity.
Qed.

(** The argument, for a spec whose closure lemma [lem] makes write 1 bring
    write 0 (its session had read it) wherever it is applied. *)
Ltac wfr_refute lem H :=
  let A5 := fresh "A5" in let HR5 := fresh "HR5" in let HG5 := fresh "HG5" in
  let A4 := fresh "A4" in let HR4 := fresh "HR4" in let HG4 := fresh "HG4" in
  let w1 := fresh "w1" in let Hid1 := fresh "Hid1" in let Hw1 := fresh "Hw1" in
  let w0 := fresh "w0" in let Hid0 := fresh "Hid0" in let Hw0 := fresh "Hw0" in
  at_get_none 0 H A5 HR5 HG5;
  at_get_some 0 HR5 A4 HR4 HG4 w1 Hid1 Hw1;
  closed lem HR4 Hw1 Hid1;                       (* write 0 applied at replica 1 *)
  witness 0 A4 1 w0 Hw0 Hid0;
  apply (proj1 HG4 1) in Hw0;
  absent.

Theorem wfr_trace_rejected :
  forall n, ~ atrace nat n (writes_follow_reads Nat.eqb) wfr_trace.
Proof.
  intros n [B H]; unfold writes_follow_reads, wfr_trace in H.
  wfr_refute @wfr_closed_ghost H.
Qed.

(** ** PRAM rejects the monotonic-writes trace: replica 1 shows session 0's
    second write without its first. *)
Theorem pram_rejects_mw_trace : forall n, ~ atrace nat n (pram Nat.eqb) mw_trace.
Proof. intros n [B H]; unfold pram, mw_trace in H; mw_refute H. Qed.

(** ** Causal consistency rejects the writes-follow-reads trace: write 1
    causally depends on write 0 (its session read it first), yet replica 1
    shows write 1 without write 0. *)
Theorem causal_rejects_wfr_trace : forall n, ~ atrace nat n (causal Nat.eqb) wfr_trace.
Proof.
  intros n [B H]; unfold causal, wfr_trace in H.
  wfr_refute @causal_closed_ghost H.
Qed.

(** ** Causal+ (convergence): sessions 0 and 1 write key 0 concurrently at
    replicas 0 and 1; the updates cross, each replica overwrites with the
    other's write, and fresh sessions then read different values at the two
    replicas although both applied both writes.  (This trace is causally
    consistent: causal+ is strictly stronger.) *)
Definition conv_trace : list (event nat) :=
  [EGet 3 1 0 (Some 0); EGet 2 0 0 (Some 1); EPut 1 1 0 1; EPut 0 0 0 0].

Theorem conv_trace_concrete : bad_trace conv_trace.
Proof.
  apply (R.crun_ctrace _ _ _
           [R.CDoPut 0 0 0; R.CDoPut 1 1 0; R.CDoDeliver 0; R.CDoDeliver 0;
            R.CDoGet 2 0 0; R.CDoGet 3 1 0]);
    reflexivity.
Qed.

(** Each get returned the write with the greatest stamp while the other write
    was applied (at its origin): the two stamps are equal, yet they name
    different origins. *)
Theorem causal_plus_rejects_conv_trace :
  forall n, ~ atrace nat n (causal_plus Nat.eqb) conv_trace.
Proof.
  intros n [B H]; unfold causal_plus, conv_trace in H.
  at_get_some 0 H A4 HR4 HG4 w0 Hid0 Hw0.
  at_get_some 0 HR4 A3 HR3 HG3 w1 Hid1 Hw1.
  (* write 0 at its origin (replica 0) before the first get; write 1 at its
     origin (replica 1) before the second *)
  destruct (origin_ghost (i := 0) HR3 eq_refl) as (v0 & Hv0 & Hin0 & Hs0 & Hk0).
  destruct (origin_ghost (i := 1) HR4 eq_refl) as (v1 & Hv1 & Hin1 & Hs1 & Hk1).
  simpl in *.
  match goal with
  | G : Some w1 = arb_max _ _ (applied A3 0) |- _ =>
      pose proof (arb_max_greatest _ _ _ _ _ G v0 Hin0 ltac:(now rewrite Hk0)) as L3
  end.
  match goal with
  | G : Some w0 = arb_max _ _ (applied A4 1) |- _ =>
      pose proof (arb_max_greatest _ _ _ _ _ G v1 Hin1 ltac:(now rewrite Hk1)) as L4
  end.
  (* the writes with the same id are the same write *)
  pose proof (areachable_inv HR4) as I4.
  assert (E0 : v0 = w0).
  { apply (inv_same I4); [apply (proj2 HG3), (inv_applied _ _ _ (areachable_inv HR3) 0);
      exact Hin0 | apply (inv_applied _ _ _ I4 1); exact Hw0 | congruence]. }
  assert (E1 : w1 = v1).
  { apply (inv_same I4); [apply (proj2 HG3), (inv_applied _ _ _ (areachable_inv HR3) 0);
      exact Hw1 | apply (inv_applied _ _ _ I4 1); exact Hin1 | congruence]. }
  subst v0 w1.
  apply stamp_ltb_false in L3; apply stamp_ltb_false in L4; lia.
Qed.

(** The convergence trace is causally consistent: what rejects it is the
    arbitration of causal+, not causality. *)
Theorem causal_accepts_conv_trace : atrace nat 2 (causal Nat.eqb) conv_trace.
Proof.
  apply (arun_atrace nat 2 (causal Nat.eqb)
           [ADoPut 0 0 0 (1, 0); ADoPut 1 1 0 (1, 1); ADoApply 1 0; ADoApply 0 1;
            ADoGet 2 0 0 (Some 1); ADoGet 3 1 0 (Some 0)]);
    [reflexivity | solve_aok].
Qed.

(** ** [Eventual] refines none of the seven specs *)
Corollary eventual_not_read_your_writes :
  ~ (forall tr, bad_trace tr -> atrace nat 2 (read_your_writes Nat.eqb) tr).
Proof. exact (not_refines _ _ ryw_trace_concrete (ryw_trace_rejected 2)). Qed.

Corollary eventual_not_monotonic_reads :
  ~ (forall tr, bad_trace tr -> atrace nat 2 (monotonic_reads Nat.eqb) tr).
Proof. exact (not_refines _ _ mr_trace_concrete (mr_trace_rejected 2)). Qed.

Corollary eventual_not_monotonic_writes :
  ~ (forall tr, bad_trace tr -> atrace nat 2 (monotonic_writes Nat.eqb) tr).
Proof. exact (not_refines _ _ mw_trace_concrete (mw_trace_rejected 2)). Qed.

Corollary eventual_not_writes_follow_reads :
  ~ (forall tr, bad_trace tr -> atrace nat 2 (writes_follow_reads Nat.eqb) tr).
Proof. exact (not_refines _ _ wfr_trace_concrete (wfr_trace_rejected 2)). Qed.

Corollary eventual_not_pram :
  ~ (forall tr, bad_trace tr -> atrace nat 2 (pram Nat.eqb) tr).
Proof. exact (not_refines _ _ mw_trace_concrete (pram_rejects_mw_trace 2)). Qed.

Corollary eventual_not_causal :
  ~ (forall tr, bad_trace tr -> atrace nat 2 (causal Nat.eqb) tr).
Proof. exact (not_refines _ _ wfr_trace_concrete (causal_rejects_wfr_trace 2)). Qed.

Corollary eventual_not_causal_plus :
  ~ (forall tr, bad_trace tr -> atrace nat 2 (causal_plus Nat.eqb) tr).
Proof.
  exact (not_refines _ _ conv_trace_concrete (causal_plus_rejects_conv_trace 2)).
Qed.
