(** * Key orders: the only thing a store may know about its keys.

    A store is polymorphic in its keys and is handed one function on them, a
    three-way comparison [kcmp : K -> K -> comparison].  The proofs assume
    [key_order kcmp]: [kcmp] is a strict total order whose [Eq] is Leibniz
    equality.  Equality-only representations use [keq kcmp]; ordered ones
    (search trees) use the order itself.  Specs are written against a
    boolean key equality, instantiated with [keq kcmp].

    Proves [keq_spec] (the boolean equality decides [=]) and the order facts
    search trees need ([cmp_refl], [cmp_gt_lt], [cmp_lt_trans] ...). *)
From Coq Require Import Bool Setoid.

Record key_order {K : Type} (kcmp : K -> K -> comparison) : Prop := {
  cmp_eq_iff : forall a b, kcmp a b = Eq <-> a = b;
  cmp_antisym : forall a b, kcmp b a = CompOpp (kcmp a b);
  cmp_lt_trans : forall a b c, kcmp a b = Lt -> kcmp b c = Lt -> kcmp a c = Lt
}.
Arguments cmp_eq_iff {K kcmp} _ _ _.
Arguments cmp_antisym {K kcmp} _ _ _.
Arguments cmp_lt_trans {K kcmp} _ _ _ _.

(** Boolean key equality derived from a comparison. *)
Definition keq {K : Type} (kcmp : K -> K -> comparison) (a b : K) : bool :=
  match kcmp a b with Eq => true | _ => false end.

Section Facts.
  Context {K : Type} (kcmp : K -> K -> comparison) (Ho : key_order kcmp).

  Lemma keq_spec : forall a b, keq kcmp a b = true <-> a = b.
  Proof.
    intros a b; unfold keq; pose proof (cmp_eq_iff Ho a b) as E.
    destruct (kcmp a b); split; intros H.
    - now apply E.
    - reflexivity.
    - discriminate.
    - apply E in H; discriminate.
    - discriminate.
    - apply E in H; discriminate.
  Qed.

  Lemma cmp_refl : forall a, kcmp a a = Eq.
  Proof. intros a; now apply (cmp_eq_iff Ho). Qed.

  Lemma cmp_gt_lt : forall a b, kcmp a b = Gt <-> kcmp b a = Lt.
  Proof.
    intros a b; pose proof (cmp_antisym Ho a b) as E; rewrite E.
    destruct (kcmp a b); simpl; split; congruence.
  Qed.

  Lemma cmp_gt_trans : forall a b c, kcmp a b = Gt -> kcmp b c = Gt -> kcmp a c = Gt.
  Proof.
    intros a b c H1 H2; apply cmp_gt_lt in H1; apply cmp_gt_lt in H2.
    apply cmp_gt_lt; eapply (cmp_lt_trans Ho); eauto.
  Qed.

  Lemma cmp_lt_neq : forall a b, kcmp a b = Lt -> a <> b.
  Proof. intros a b H E; subst b; rewrite cmp_refl in H; discriminate. Qed.
End Facts.

(** A concrete instance, used by the sanity runs: [Nat.compare]. *)
From Coq Require Import Arith.
Lemma nat_key_order : key_order Nat.compare.
Proof.
  split.
  - intros; apply Nat.compare_eq_iff.
  - intros; apply Nat.compare_antisym.
  - intros a b c H1 H2; apply Nat.compare_lt_iff in H1; apply Nat.compare_lt_iff in H2.
    apply Nat.compare_lt_iff; eapply Nat.lt_trans; eauto.
Qed.
