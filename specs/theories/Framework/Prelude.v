(** * Prelude: finite maps as functions, and list facts used everywhere.

    Defines [upd] (point update of a function indexed by [nat], used for
    replica states and session tokens) and proves its two laws. *)
From Coq Require Import Arith List Lia.
Import ListNotations.

Definition upd {A} (f : nat -> A) (x : nat) (v : A) : nat -> A :=
  fun y => if Nat.eqb y x then v else f y.

Lemma upd_same : forall A (f : nat -> A) x v, upd f x v x = v.
Proof. intros; unfold upd; now rewrite Nat.eqb_refl. Qed.

Lemma upd_other : forall A (f : nat -> A) x v y, y <> x -> upd f x v y = f y.
Proof. intros; unfold upd; destruct (Nat.eqb_spec y x); congruence. Qed.

Lemma upd_eq_dec : forall A (f : nat -> A) x v y,
  upd f x v y = if Nat.eqb y x then v else f y.
Proof. reflexivity. Qed.

(** [ocons e l] prepends an observable event, if any. *)
Definition ocons {E} (e : option E) (l : list E) : list E :=
  match e with Some x => x :: l | None => l end.
