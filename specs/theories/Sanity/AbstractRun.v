(** * Sanity: running the abstract machine of a spec on a script.

    [arun] executes a script of abstract steps (puts with their stamp, gets
    with the id of the write they return, applies of the write with a given
    id); [aok] states the guards of every step; [arun_atrace] turns a run
    whose guards hold into a proof that its trace is a trace of the spec
    ([Abstract.atrace]).  [solve_aok] discharges the guards of a literal
    script by computation. *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude Framework.Events Framework.Abstract.
Import ListNotations.

Section Run.
  Variable K : Type.
  Variable n : nat.
  Variable sp : spec K.

  Inductive aaction : Type :=
  | ADoPut (s r : nat) (k : K) (st : stamp)
  | ADoGet (s r : nat) (k : K) (res : option nat)   (** id of the write read *)
  | ADoApply (r i : nat).                           (** apply write [i] at [r] *)

  Definition find_id (l : list (write K)) (i : nat) : option (write K) :=
    find (fun w => Nat.eqb (wid w) i) l.

  Definition get_res (A : astate K) (r : nat) (res : option nat) : option (option (write K)) :=
    match res with
    | None => Some None
    | Some i => option_map Some (find_id (applied A r) i)
    end.

  Definition aexec (A : astate K) (a : aaction) : option (option (event K) * astate K) :=
    match a with
    | ADoPut s r k st => Some (Some (EPut s r k (anext A)), after_put A s r k st)
    | ADoGet s r k res =>
        match get_res A r res with
        | Some o => Some (Some (EGet s r k (option_map wid o)), after_get A s o)
        | None => None
        end
    | ADoApply r i =>
        match find_id (allw A) i with
        | Some w => Some (None, after_apply A r w)
        | None => None
        end
    end.

  Definition aguard (A : astate K) (a : aaction) : Prop :=
    match a with
    | ADoPut s r k st => r < n /\ snd st = r /\ (forall c, In c sp -> c_put c A s r k st)
    | ADoGet s r k res =>
        r < n /\
        match get_res A r res with
        | Some o => read_candidate (applied A r) k o /\ (forall c, In c sp -> c_get c A s r k o)
        | None => False
        end
    | ADoApply r i =>
        r < n /\
        match find_id (allw A) i with
        | Some w => ~ In (wid w) (ids (applied A r)) /\ (forall c, In c sp -> c_apply c A r w)
        | None => False
        end
    end.

  Lemma aexec_step : forall A a e A', aexec A a = Some (e, A') -> aguard A a ->
    astep K n sp A e A'.
  Proof.
    intros A [s r k st|s r k res|r i] e A' H G; simpl in H, G.
    - injection H as <- <-; destruct G as (Hr & Hs & Hc); now constructor.
    - destruct (get_res A r res) as [o|]; [|discriminate].
      injection H as <- <-; destruct G as (Hr & Hrc & Hc); now constructor.
    - destruct (find_id (allw A) i) as [w|] eqn:E; [|discriminate].
      injection H as <- <-; destruct G as (Hr & Hni & Hc).
      apply find_some in E as [Hw _]; now constructor.
  Qed.

  Fixpoint arun (tr : list (event K)) (A : astate K) (acts : list aaction)
    : option (list (event K) * astate K) :=
    match acts with
    | [] => Some (tr, A)
    | a :: acts' =>
        match aexec A a with
        | Some (e, A') => arun (ocons e tr) A' acts'
        | None => None
        end
    end.

  Fixpoint aok (A : astate K) (acts : list aaction) : Prop :=
    match acts with
    | [] => True
    | a :: acts' =>
        aguard A a /\
        match aexec A a with
        | Some (_, A') => aok A' acts'
        | None => False
        end
    end.

  Lemma arun_reachable : forall acts tr A tr' A', areachable K n sp tr A ->
    arun tr A acts = Some (tr', A') -> aok A acts -> areachable K n sp tr' A'.
  Proof.
    induction acts as [|a acts IH]; intros tr A tr' A' HA H G; simpl in H, G.
    - now injection H as <- <-.
    - destruct (aexec A a) as [[e A1]|] eqn:E; [|discriminate].
      destruct G as [Ga G]; eapply IH; [|exact H|exact G].
      econstructor; [exact HA|]; eapply aexec_step; eauto.
  Qed.

  (** A script whose guards hold and whose run yields [tr] proves [atrace tr]. *)
  Theorem arun_atrace : forall acts tr,
    option_map fst (arun [] astate0 acts) = Some tr -> aok astate0 acts ->
    atrace K n sp tr.
  Proof.
    intros acts tr H G.
    destruct (arun [] astate0 acts) as [[tr' A]|] eqn:E; [|discriminate].
    injection H as <-; exists A; eapply arun_reachable; eauto; constructor.
  Qed.

  Lemma guards_intro : forall (P : constraint K -> Prop) x l,
    P x -> (forall c, In c l -> P c) -> forall c, In c (x :: l) -> P c.
  Proof. intros P x l Hx Hl c [<-|Hc]; auto. Qed.
End Run.

Arguments ADoPut {K}.
Arguments ADoGet {K}.
Arguments ADoApply {K}.

(** Discharge the guards of a literal script against a literal spec (the
    states are first normalized by [vm_compute], which keeps kernel checking
    fast). *)
Ltac solve_aok :=
  vm_compute;
  repeat match goal with
  | |- _ /\ _ => split
  | |- True => exact I
  | |- forall c : constraint _, _ -> _ =>
      let c := fresh "c" in let Hc := fresh "Hc" in
      intros c Hc; repeat destruct Hc as [<-|Hc]; try (destruct Hc; fail)
  end;
  simpl; unfold sub, upd; simpl;
  repeat match goal with
  | |- forall _, _ => intros
  | |- ~ _ => intro
  | H : _ \/ _ |- _ => destruct H
  | H : False |- _ => destruct H
  | H : _ = _ |- _ => subst
  end;
  simpl in *; try tauto; try reflexivity; try lia; try discriminate.
