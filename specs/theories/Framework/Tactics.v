(** * Tactic library shared by the framework, the mechanism catalog and the
    synthesized glue.  Proof scripts call these instead of repeating them. *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude.
Import ListNotations.

(** Rewrite every [upd] application whose index comparison is decidable. *)
Ltac simpl_upd :=
  repeat match goal with
  | |- context [upd ?f ?x ?v ?x] => rewrite upd_same
  | H : context [upd ?f ?x ?v ?x] |- _ => rewrite upd_same in H
  | |- context [upd ?f ?x ?v ?y] =>
      rewrite (upd_eq_dec _ f x v y); destruct (Nat.eqb_spec y x); subst
  end.

(** Split conjunctions and existentials in hypotheses. *)
Ltac destruct_all :=
  repeat match goal with
  | H : _ /\ _ |- _ => destruct H
  | H : exists _, _ |- _ => destruct H
  end.

(** Invert an equality between [Some] values / pairs produced by handlers. *)
Ltac inv_some :=
  repeat match goal with
  | H : Some _ = Some _ |- _ => injection H as; subst
  | H : (_, _) = (_, _) |- _ => injection H as; subst
  | H : None = Some _ |- _ => discriminate H
  | H : Some _ = None |- _ => discriminate H
  end.
