(** * Generic facts about lists of writes, used by every mechanism's proofs.

    [NoDup] of appended lists and of a broadcast, and the identifiers of
    abstract writes: [wid_inj] (identifiers are unique in a list without
    duplicate identifiers), [in_ids]/[ids_in], and [latest_in] (the latest
    write to a key is one of the list, to that key). *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.Prelude Framework.Abstract.
Import ListNotations.

Lemma NoDup_app' : forall A (l1 l2 : list A), NoDup l1 -> NoDup l2 ->
  (forall x, In x l1 -> ~ In x l2) -> NoDup (l1 ++ l2).
Proof.
  induction l1 as [|a l1 IH]; intros l2 H1 H2 Hd; simpl; auto.
  inversion H1; subst; constructor.
  - rewrite in_app_iff; intros [Hi|Hi]; [contradiction|]. apply (Hd a); simpl; auto.
  - apply IH; auto. intros x Hx; apply Hd; simpl; auto.
Qed.

Lemma NoDup_map_pair : forall (l : list nat) (c : nat), NoDup l -> NoDup (map (fun j => (j, c)) l).
Proof.
  induction l as [|a l IH]; intros c H; simpl; constructor.
  - inversion H; subst; rewrite in_map_iff; intros [x [Hx Hi]]; injection Hx as ->; contradiction.
  - inversion H; subst; auto.
Qed.

Section WriteLemmas.
  Variable K : Type.

  Lemma wid_inj : forall (l : list (write K)) w w', NoDup (ids l) -> In w l -> In w' l ->
    wid w = wid w' -> w = w'.
  Proof.
    induction l as [|a l IH]; intros w w' Hn Hw Hw' He; [destruct Hw|].
    inversion Hn as [|x y Hni Hn' E]; subst.
    destruct Hw as [<-|Hw], Hw' as [<-|Hw']; auto.
    - exfalso; apply Hni; rewrite He; unfold ids; now apply in_map.
    - exfalso; apply Hni; rewrite <- He; unfold ids; now apply in_map.
  Qed.

  Lemma in_ids : forall (l : list (write K)) w, In w l -> In (wid w) (ids l).
  Proof. intros; unfold ids; now apply in_map. Qed.

  Lemma ids_in : forall (l : list (write K)) i, In i (ids l) -> exists w, In w l /\ wid w = i.
  Proof. intros l i H; unfold ids in H; apply in_map_iff in H; firstorder. Qed.

  Lemma latest_in : forall keqb (k : K) l w, latest keqb k l = Some w -> In w l /\ keqb (wkey w) k = true.
  Proof.
    induction l as [|a l IH]; simpl; intros w H; [discriminate|].
    destruct (keqb (wkey a) k) eqn:E; [injection H as <-; auto|].
    destruct (IH _ H); auto.
  Qed.
End WriteLemmas.
