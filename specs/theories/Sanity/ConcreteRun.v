(** * Sanity: running a concrete system on a script of actions.

    [crun] executes a script (puts, gets, and deliveries of the [i]-th
    in-flight message) of any algorithm, and [crun_ctrace] turns a successful
    run into a proof that its trace is a concrete trace ([Concrete.ctrace]):
    explicit concrete executions are then proved by computation. *)
From Coq Require Import Arith List.
From KV Require Import Framework.Prelude Framework.Events Framework.Algorithm
  Framework.Concrete.
Import ListNotations.

Module ConcreteRun (A : ALGORITHM).
Module C := Concrete A.
Export C.

Section Run.
  Variable K : Type.
  Variable kcmp : K -> K -> comparison.
  Variable n : nat.

  Inductive caction : Type :=
  | CDoPut (s r : nat) (k : K)
  | CDoGet (s r : nat) (k : K)
  | CDoDeliver (i : nat).   (** the [i]-th message in flight *)

  Definition cexec (X : sys K) (a : caction) : option (option (event K) * sys K) :=
    match a with
    | CDoPut s r k =>
        if Nat.ltb r n then
          match A.put kcmp (rst X r) (tok X s) k (nextv X) with
          | Some (st', t', m) =>
              Some (Some (EPut s r k (nextv X)),
                    mkSys (upd (rst X) r st') (upd (tok X) s t')
                          (net X ++ broadcast K n r m) (S (nextv X)))
          | None => None
          end
        else None
    | CDoGet s r k =>
        if Nat.ltb r n then
          match A.get kcmp (rst X r) (tok X s) k with
          | Some (res, t') =>
              Some (Some (EGet s r k res), mkSys (rst X) (upd (tok X) s t') (net X) (nextv X))
          | None => None
          end
        else None
    | CDoDeliver i =>
        match nth_error (net X) i with
        | Some (j, m) =>
            if A.deliverable (rst X j) m then
              Some (None, mkSys (upd (rst X) j (A.apply kcmp (rst X j) m)) (tok X)
                                (firstn i (net X) ++ skipn (S i) (net X)) (nextv X))
            else None
        | None => None
        end
    end.

  Lemma nth_error_split_firstn : forall {T} (l : list T) i x,
    nth_error l i = Some x -> l = firstn i l ++ x :: skipn (S i) l.
  Proof.
    intros T l; induction l as [|y l IH]; intros [|i] x H; simpl in *;
      try discriminate.
    - now injection H as ->.
    - f_equal; now apply IH.
  Qed.

  Lemma cexec_step : forall X a e X', cexec X a = Some (e, X') -> cstep K kcmp n X e X'.
  Proof.
    intros X [s r k|s r k|i] e X' H; simpl in H.
    - destruct (Nat.ltb_spec r n); [|discriminate].
      destruct (A.put kcmp (rst X r) (tok X s) k (nextv X)) as [[[st' t'] m]|] eqn:E;
        [|discriminate].
      injection H as <- <-; now constructor.
    - destruct (Nat.ltb_spec r n); [|discriminate].
      destruct (A.get kcmp (rst X r) (tok X s) k) as [[res t']|] eqn:E; [|discriminate].
      injection H as <- <-; now constructor.
    - destruct (nth_error (net X) i) as [[j m]|] eqn:E; [|discriminate].
      destruct (A.deliverable (rst X j) m) eqn:D; [|discriminate].
      injection H as <- <-.
      econstructor; [|exact D].
      now apply nth_error_split_firstn.
  Qed.

  Fixpoint crun (tr : list (event K)) (X : sys K) (acts : list caction)
    : option (list (event K) * sys K) :=
    match acts with
    | [] => Some (tr, X)
    | a :: acts' =>
        match cexec X a with
        | Some (e, X') => crun (ocons e tr) X' acts'
        | None => None
        end
    end.

  Lemma crun_reachable : forall acts tr X tr' X',
    creachable K kcmp n tr X -> crun tr X acts = Some (tr', X') ->
    creachable K kcmp n tr' X'.
  Proof.
    induction acts as [|a acts IH]; intros tr X tr' X' HX H; simpl in H.
    - now injection H as <- <-.
    - destruct (cexec X a) as [[e X1]|] eqn:E; [|discriminate].
      eapply IH; [|exact H].
      econstructor; [exact HX|]; now apply cexec_step with a.
  Qed.

  (** A script whose run yields [tr] proves [ctrace tr]. *)
  Theorem crun_ctrace : forall acts tr,
    option_map fst (crun [] (sys0 K n) acts) = Some tr -> ctrace K kcmp n tr.
  Proof.
    intros acts tr H.
    destruct (crun [] (sys0 K n) acts) as [[tr' X]|] eqn:E; [|discriminate].
    injection H as <-.
    exists X; eapply crun_reachable; [constructor|exact E].
  Qed.
End Run.

Arguments CDoPut {K}.
Arguments CDoGet {K}.
Arguments CDoDeliver {K}.
End ConcreteRun.
