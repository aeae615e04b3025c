(** * AVL-tree representation: a binary search tree on [kcmp] whose nodes
    store their height, kept balanced by single and double rotations
    (Adelson-Velsky and Landis, 1962).  [add] replaces the value in place
    when the key is present, and otherwise inserts a leaf and rebalances
    every node on the way back up ([bal]).  The invariant [ok] is the
    search-tree ordering ([bst]); balance is a performance property and is
    not proved.  Proves the [REP] laws through membership ([InT], [MapsTo]):
    [bal] keeps the bindings ([MapsTo_bal]) and the ordering ([bst_bal]), so
    [find] on [bal l x v r] is [find] on [Node l x v r h]
    ([find_bal_is_find_node]), and [find_add] follows by induction. *)
From KV Require Import Framework.KeyOrder Representations.Rep.

Module AvlTree <: REP.
  Inductive tree (K V : Type) : Type :=
  | Leaf : tree K V
  | Node : tree K V -> K -> V -> tree K V -> nat -> tree K V.
  Arguments Leaf {K V}.
  Arguments Node {K V} _ _ _ _ _.

  Definition t (K V : Type) := tree K V.
  Definition empty {K V : Type} : t K V := Leaf.

  Definition height {K V : Type} (s : tree K V) : nat :=
    match s with Leaf => 0 | Node _ _ _ _ h => h end.

  (** A node whose height is computed from its children's. *)
  Definition create {K V : Type} (l : tree K V) (k : K) (v : V) (r : tree K V) : tree K V :=
    Node l k v r (S (Nat.max (height l) (height r))).

  (** Rebalance a node whose children's heights differ by at most 2. *)
  Definition bal {K V : Type} (l : tree K V) (k : K) (v : V) (r : tree K V) : tree K V :=
    if Nat.ltb (S (height r)) (height l) then
      match l with
      | Leaf => create l k v r
      | Node ll lk lv lr _ =>
          if Nat.leb (height lr) (height ll) then create ll lk lv (create lr k v r)
          else match lr with
               | Leaf => create l k v r
               | Node lrl lrk lrv lrr _ =>
                   create (create ll lk lv lrl) lrk lrv (create lrr k v r)
               end
      end
    else if Nat.ltb (S (height l)) (height r) then
      match r with
      | Leaf => create l k v r
      | Node rl rk rv rr _ =>
          if Nat.leb (height rl) (height rr) then create (create l k v rl) rk rv rr
          else match rl with
               | Leaf => create l k v r
               | Node rll rlk rlv rlr _ =>
                   create (create l k v rll) rlk rlv (create rlr rk rv rr)
               end
      end
    else create l k v r.

  Fixpoint find {K V : Type} (kcmp : K -> K -> comparison) (k : K) (s : t K V) : option V :=
    match s with
    | Leaf => None
    | Node l x v r _ =>
        match kcmp k x with
        | Eq => Some v
        | Lt => find kcmp k l
        | Gt => find kcmp k r
        end
    end.

  Fixpoint add {K V : Type} (kcmp : K -> K -> comparison) (k : K) (v : V) (s : t K V) : t K V :=
    match s with
    | Leaf => Node Leaf k v Leaf 1
    | Node l x y r h =>
        match kcmp k x with
        | Eq => Node l x v r h
        | Lt => bal (add kcmp k v l) x y r
        | Gt => bal l x y (add kcmp k v r)
        end
    end.

  (** Membership, bindings and the search-tree ordering. *)
  Fixpoint InT {K V : Type} (k : K) (s : tree K V) : Prop :=
    match s with Leaf => False | Node l x _ r _ => InT k l \/ k = x \/ InT k r end.

  Fixpoint MapsTo {K V : Type} (k : K) (w : V) (s : tree K V) : Prop :=
    match s with
    | Leaf => False
    | Node l x v r _ => MapsTo k w l \/ (k = x /\ w = v) \/ MapsTo k w r
    end.

  Definition lt_tree {K V : Type} (kcmp : K -> K -> comparison) (k : K) (s : tree K V) : Prop :=
    forall y, InT y s -> kcmp y k = Lt.
  Definition gt_tree {K V : Type} (kcmp : K -> K -> comparison) (k : K) (s : tree K V) : Prop :=
    forall y, InT y s -> kcmp k y = Lt.

  Fixpoint bst {K V : Type} (kcmp : K -> K -> comparison) (s : tree K V) : Prop :=
    match s with
    | Leaf => True
    | Node l x _ r _ => bst kcmp l /\ bst kcmp r /\ lt_tree kcmp x l /\ gt_tree kcmp x r
    end.

  Definition ok {K V : Type} (kcmp : K -> K -> comparison) (s : t K V) : Prop := bst kcmp s.

  Ltac bal_cases :=
    unfold bal, create; repeat match goal with
    | |- context [if ?c then _ else _] => destruct c
    | |- context [match ?s with Leaf => _ | Node _ _ _ _ _ => _ end] => destruct s
    end.

  Section Proofs.
  Context {K V : Type} (kcmp : K -> K -> comparison) (Ho : key_order kcmp).

  Lemma InT_bal : forall (y : K) l x (v : V) r,
    InT y (bal l x v r) <-> InT y l \/ y = x \/ InT y r.
  Proof. intros; bal_cases; simpl; tauto. Qed.

  Lemma MapsTo_bal : forall (y : K) (w : V) l x (v : V) r,
    MapsTo y w (bal l x v r) <-> MapsTo y w l \/ (y = x /\ w = v) \/ MapsTo y w r.
  Proof. intros; bal_cases; simpl; tauto. Qed.

  Lemma MapsTo_InT : forall (y : K) (w : V) (s : tree K V), MapsTo y w s -> InT y s.
  Proof. intros y w s; induction s; simpl; tauto. Qed.

  Lemma bst_bal : forall l x (v : V) r, bst kcmp l -> bst kcmp r ->
    lt_tree kcmp x l -> gt_tree kcmp x r -> bst kcmp (bal l x v r).
  Proof.
    pose proof (cmp_lt_trans Ho) as T.
    intros l x v r; bal_cases; simpl; intros;
      repeat match goal with H : _ /\ _ |- _ => destruct H end;
      unfold lt_tree, gt_tree in *; simpl in *;
      repeat split; try assumption; intros y Hy; simpl in Hy;
      repeat match goal with H : _ \/ _ |- _ => destruct H as [H|H] end; subst;
      eauto 8.
  Qed.

  Lemma InT_add : forall (y k : K) (v : V) s,
    InT y (add kcmp k v s) <-> y = k \/ InT y s.
  Proof.
    intros y k v s; induction s as [|l IHl x w r IHr h]; simpl; [tauto|].
    destruct (kcmp k x) eqn:E.
    - apply (cmp_eq_iff Ho) in E; subst; simpl; tauto.
    - rewrite InT_bal, IHl; tauto.
    - rewrite InT_bal, IHr; tauto.
  Qed.

  Lemma bst_add : forall (k : K) (v : V) s, bst kcmp s -> bst kcmp (add kcmp k v s).
  Proof.
    intros k v s; induction s as [|l IHl x w r IHr h]; simpl.
    - unfold lt_tree, gt_tree; simpl; tauto.
    - intros (Hl & Hr & Hlt & Hgt); destruct (kcmp k x) eqn:E.
      + simpl; tauto.
      + apply bst_bal; auto.
        intros y Hy; apply InT_add in Hy; destruct Hy as [->|Hy]; auto.
      + apply bst_bal; auto.
        intros y Hy; apply InT_add in Hy; destruct Hy as [->|Hy]; auto.
        now apply (cmp_gt_lt kcmp Ho).
  Qed.

  Lemma find_iff_MapsTo : forall (k : K) (w : V) s, bst kcmp s ->
    find kcmp k s = Some w <-> MapsTo k w s.
  Proof.
    pose proof (cmp_refl kcmp Ho) as R.
    intros k w s; induction s as [|l IHl x v r IHr h]; simpl.
    - split; [discriminate|tauto].
    - intros (Hl & Hr & Hlt & Hgt); destruct (kcmp k x) eqn:E.
      + apply (cmp_eq_iff Ho) in E; subst; split.
        * injection 1 as ->; tauto.
        * intros [H|[[_ ->]|H]]; [|reflexivity|];
            apply MapsTo_InT in H; [apply Hlt in H | apply Hgt in H]; congruence.
      + rewrite IHl by assumption; split; [tauto|].
        intros [H|[[-> _]|H]]; [assumption|congruence|].
        apply MapsTo_InT, Hgt in H; pose proof (cmp_lt_trans Ho _ _ _ E H); congruence.
      + rewrite IHr by assumption; split; [tauto|].
        intros [H|[[-> _]|H]]; [|congruence|assumption].
        apply MapsTo_InT, Hlt in H; congruence.
  Qed.

  Lemma option_eq_of_Some_iff : forall o1 o2 : option V,
    (forall w, o1 = Some w <-> o2 = Some w) -> o1 = o2.
  Proof.
    intros [w1|] [w2|] H; try reflexivity.
    - apply H; reflexivity.
    - discriminate (proj1 (H w1) eq_refl).
    - discriminate (proj2 (H w2) eq_refl).
  Qed.

  Lemma find_bal_is_find_node : forall (k : K) l x (v : V) r h, bst kcmp (Node l x v r h) ->
    find kcmp k (bal l x v r) = find kcmp k (Node l x v r h).
  Proof.
    intros k l x v r h Hb; assert (Hb' : bst kcmp (bal l x v r))
      by (destruct Hb as (? & ? & ? & ?); apply bst_bal; assumption).
    apply option_eq_of_Some_iff; intros w.
    rewrite !find_iff_MapsTo, MapsTo_bal by assumption; reflexivity.
  Qed.
  End Proofs.

  Lemma ok_empty : forall K V (kcmp : K -> K -> comparison), @ok K V kcmp (@empty K V).
  Proof. intros; exact I. Qed.

  Lemma ok_add : forall K V (kcmp : K -> K -> comparison), key_order kcmp ->
    forall k (v : V) (s : t K V), ok kcmp s -> ok kcmp (add kcmp k v s).
  Proof. intros K V kcmp Ho k v s; apply bst_add, Ho. Qed.

  Lemma find_empty : forall K V (kcmp : K -> K -> comparison) k,
    @find K V kcmp k (@empty K V) = None.
  Proof. reflexivity. Qed.

  Lemma find_add : forall K V (kcmp : K -> K -> comparison), key_order kcmp ->
    forall k (v : V) (s : t K V) k', ok kcmp s ->
    find kcmp k' (add kcmp k v s) = if keq kcmp k k' then Some v else find kcmp k' s.
  Proof.
    intros K V kcmp Ho k v s k'; unfold ok, keq.
    rewrite (cmp_antisym Ho k' k).
    induction s as [|l IHl x w r IHr h]; simpl; intros Hs.
    - destruct (kcmp k' k); reflexivity.
    - destruct (kcmp k x) eqn:E.
      + apply (cmp_eq_iff Ho) in E; subst x; simpl.
        destruct (kcmp k' k); reflexivity.
      + destruct Hs as (Hl & Hr & Hlt & Hgt).
        rewrite (find_bal_is_find_node kcmp Ho k' _ _ _ _ h).
        2: { simpl; repeat split; try apply (bst_add kcmp Ho); try assumption.
             intros y Hy; apply (InT_add kcmp Ho) in Hy; destruct Hy as [->|Hy]; auto. }
        simpl; destruct (kcmp k' x) eqn:E'.
        * apply (cmp_eq_iff Ho) in E'; subst k'.
          rewrite <- (cmp_antisym Ho), E; reflexivity.
        * apply IHl, Hl.
        * apply (cmp_gt_lt kcmp Ho) in E'.
          rewrite <- (cmp_antisym Ho), (cmp_lt_trans Ho _ _ _ E E'); reflexivity.
      + destruct Hs as (Hl & Hr & Hlt & Hgt).
        rewrite (find_bal_is_find_node kcmp Ho k' _ _ _ _ h).
        2: { simpl; repeat split; try apply (bst_add kcmp Ho); try assumption.
             intros y Hy; apply (InT_add kcmp Ho) in Hy; destruct Hy as [->|Hy]; auto.
             now apply (cmp_gt_lt kcmp Ho). }
        apply (cmp_gt_lt kcmp Ho) in E.
        simpl; destruct (kcmp k' x) eqn:E'.
        * apply (cmp_eq_iff Ho) in E'; subst k'.
          rewrite E; reflexivity.
        * rewrite (cmp_lt_trans Ho _ _ _ E' E); reflexivity.
        * apply IHr, Hr.
  Qed.
End AvlTree.

Example avl_add_rotates : AvlTree.add Nat.compare 3 30 (AvlTree.add Nat.compare 2 20 (AvlTree.add Nat.compare 1 10 AvlTree.empty)) = AvlTree.Node (AvlTree.Node AvlTree.Leaf 1 10 AvlTree.Leaf 1) 2 20 (AvlTree.Node AvlTree.Leaf 3 30 AvlTree.Leaf 1) 2 := eq_refl.
