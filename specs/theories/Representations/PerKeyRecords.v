(** * Per-key-records representation: one record per key, in a list sorted
    by [kcmp], each record keeping every version written to its key, newest
    first (a multi-version store: the per-key version chains of COPS, Lloyd
    et al. SOSP 2011, without garbage collection).  [find] returns the
    newest version of the key's record, stopping at the first record whose
    key is greater (so a miss does not scan the whole list); [add] pushes
    the value onto the key's record or inserts a new record in order.

    Its invariant [ok] is the strict ordering of the records' keys
    ([sorted]) and that no record is empty.  Proves the [REP] laws: [add]
    keeps [ok] ([add_keeps_sorted]), and [find_add] by induction
    ([find_add_same], [find_add_other]). *)
From Coq Require Import List.
From KV Require Import Framework.KeyOrder Representations.Rep.
Import ListNotations.

Module PerKeyRecords <: REP.
  (** A record: its key and its versions, newest first. *)
  Definition t (K V : Type) := list (K * list V).
  Definition empty {K V : Type} : t K V := [].

  (** The newest version of a record. *)
  Definition newest {V : Type} (vs : list V) : option V :=
    match vs with [] => None | v :: _ => Some v end.

  Fixpoint find {K V : Type} (kcmp : K -> K -> comparison) (k : K) (s : t K V) : option V :=
    match s with
    | [] => None
    | (k', vs) :: s' =>
        match kcmp k k' with
        | Eq => newest vs
        | Lt => None
        | Gt => find kcmp k s'
        end
    end.

  Fixpoint add {K V : Type} (kcmp : K -> K -> comparison) (k : K) (v : V) (s : t K V) : t K V :=
    match s with
    | [] => [(k, [v])]
    | (k', vs) :: s' =>
        match kcmp k k' with
        | Eq => (k', v :: vs) :: s'
        | Lt => (k, [v]) :: s
        | Gt => (k', vs) :: add kcmp k v s'
        end
    end.

  (** Keys strictly increasing along the list (each below all that follow). *)
  Fixpoint sorted {K V : Type} (kcmp : K -> K -> comparison) (s : t K V) : Prop :=
    match s with
    | [] => True
    | (k, vs) :: s' => vs <> [] /\ Forall (fun r => kcmp k (fst r) = Lt) s' /\ sorted kcmp s'
    end.

  Definition ok {K V : Type} (kcmp : K -> K -> comparison) (s : t K V) : Prop := sorted kcmp s.

  Section Laws.
    Context {K V : Type} (kcmp : K -> K -> comparison) (Ho : key_order kcmp).

    (** Every key of [add k v s] is [k] or a key of [s]. *)
    Lemma add_keys_are_old_or_new : forall k (v : V) (s : t K V) (P : K -> Prop),
      P k -> Forall (fun r => P (fst r)) s -> Forall (fun r => P (fst r)) (add kcmp k v s).
    Proof.
      intros k v s P Hk; induction s as [|[k' vs] s IH]; intros Hs; simpl.
      - constructor; [exact Hk | constructor].
      - inversion Hs as [|? ? Hk' Hs']; subst.
        destruct (kcmp k k'); constructor; auto.
    Qed.

    Lemma add_keeps_sorted : forall k (v : V) (s : t K V), sorted kcmp s -> sorted kcmp (add kcmp k v s).
    Proof.
      intros k v s; induction s as [|[k' vs] s IH]; simpl; intros Hs.
      - repeat split; [discriminate | constructor].
      - destruct Hs as (Hne & Hlt & Hs').
        destruct (kcmp k k') eqn:C; simpl.
        + repeat split; [discriminate | exact Hlt | exact Hs'].
        + repeat split; [discriminate | | exact Hne | exact Hlt | exact Hs'].
          constructor; [exact C |].
          eapply Forall_impl; [| exact Hlt]; intros r Hr; simpl in *.
          eapply (cmp_lt_trans Ho); eauto.
        + repeat split; [exact Hne | | apply IH, Hs'].
          apply (add_keys_are_old_or_new k v s (fun x => kcmp k' x = Lt)); [| exact Hlt].
          apply (cmp_gt_lt kcmp Ho); exact C.
    Qed.

    Lemma find_add_same : forall k (v : V) (s : t K V), sorted kcmp s ->
      find kcmp k (add kcmp k v s) = Some v.
    Proof.
      intros k v s; induction s as [|[k' vs] s IH]; simpl; intros Hs.
      - rewrite (cmp_refl kcmp Ho); reflexivity.
      - destruct Hs as (_ & _ & Hs').
        destruct (kcmp k k') eqn:C; simpl; rewrite ?C; try rewrite (cmp_refl kcmp Ho); auto.
    Qed.

    Lemma find_add_other : forall k (v : V) (s : t K V) k', sorted kcmp s -> k <> k' ->
      find kcmp k' (add kcmp k v s) = find kcmp k' s.
    Proof.
      intros k v s k' Hs Hne; induction s as [|[k0 vs] s IH]; simpl.
      - destruct (kcmp k' k) eqn:C; try reflexivity.
        apply (cmp_eq_iff Ho) in C; congruence.
      - destruct Hs as (_ & Hlt & Hs').
        destruct (kcmp k k0) eqn:C; simpl.
        + apply (cmp_eq_iff Ho) in C; subst k0.
          destruct (kcmp k' k) eqn:C'; try reflexivity.
          apply (cmp_eq_iff Ho) in C'; congruence.
        + (* k < k0: the new record comes first *)
          destruct (kcmp k' k) eqn:C'; try reflexivity.
          * apply (cmp_eq_iff Ho) in C'; congruence.
          * (* k' < k < k0 *)
            assert (kcmp k' k0 = Lt) as L by (eapply (cmp_lt_trans Ho); eauto).
            rewrite L; reflexivity.
        + destruct (kcmp k' k0); [reflexivity | reflexivity | exact (IH Hs')].
    Qed.
  End Laws.

  Lemma ok_empty : forall K V (kcmp : K -> K -> comparison), @ok K V kcmp (@empty K V).
  Proof. intros; exact I. Qed.

  Lemma ok_add : forall K V (kcmp : K -> K -> comparison), key_order kcmp ->
    forall k (v : V) (s : t K V), ok kcmp s -> ok kcmp (add kcmp k v s).
  Proof. intros K V kcmp Ho k v s; apply add_keeps_sorted; exact Ho. Qed.

  Lemma find_empty : forall K V (kcmp : K -> K -> comparison) k,
    @find K V kcmp k (@empty K V) = None.
  Proof. reflexivity. Qed.

  Lemma find_add : forall K V (kcmp : K -> K -> comparison), key_order kcmp ->
    forall k (v : V) (s : t K V) k', ok kcmp s ->
    find kcmp k' (add kcmp k v s) = if keq kcmp k k' then Some v else find kcmp k' s.
  Proof.
    intros K V kcmp Ho k v s k' Hs.
    destruct (keq kcmp k k') eqn:E.
    - apply (keq_spec kcmp Ho) in E; subst k'; apply find_add_same; assumption.
    - apply find_add_other; [exact Ho | exact Hs |].
      intros Eq; subst k'; rewrite (proj2 (keq_spec kcmp Ho k k) eq_refl) in E; discriminate.
  Qed.
End PerKeyRecords.
