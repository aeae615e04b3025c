(** * Observational refinement by simulation, and its decomposition.

    Correctness of a store against a spec is observational refinement: every
    finite observable trace of the concrete system ([Concrete.ctrace]) is a
    trace of the spec's machine ([Abstract.atrace]).

    Two theorems make specs pluggable and obligations local:
    - [simulation_implies_refinement]: a relation between concrete and
      abstract states that holds initially and is preserved by every concrete
      step (matched by one abstract step with the same observable event)
      implies refinement;
    - [constraints_decompose]: for a spec made of constraints [c1..cn], such a
      simulation follows from one simulation of the *base* machine
      ([base_simulation]: init, put, get and deliver obligations) plus, for
      each constraint and each action, one *local* lemma saying the guard
      holds ([local_put], [local_get], [local_apply]).

    Also [find_write_of]/[res_write_of]: with unique identifiers, the
    abstract write a read returns the identifier of is recovered.

    The simulation data are: the relation [R]; [stamp_of X r], the
    arbitration stamp the abstract put takes when replica [r] serves a put in
    [X]; and [msg_id m], the write identifier an update message carries (the
    value it writes, since values are write identifiers). *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude Framework.Algorithm Framework.Events
  Framework.Concrete Framework.Abstract.
Import ListNotations.

Module Refinement (A : ALGORITHM).
Module C := Concrete A.
Export C.

Section Refinement.
  Variable K : Type.
  Variable kcmp : K -> K -> comparison.
  Variable n : nat.

  (** The abstract write with identifier [i]. *)
  Definition find_write (Ab : astate K) (i : nat) : option (write K) :=
    find (fun w => Nat.eqb (wid w) i) (allw Ab).

  Definition res_write (Ab : astate K) (res : option nat) : option (write K) :=
    match res with Some i => find_write Ab i | None => None end.

  Lemma find_write_in : forall Ab i w, find_write Ab i = Some w -> In w (allw Ab) /\ wid w = i.
  Proof.
    unfold find_write; intros Ab i w H.
    destruct (find_some _ _ H) as [Hin Heq]; split; auto.
    now apply Nat.eqb_eq.
  Qed.

  (** Identifiers are unique: every write is found back by its identifier. *)
  Lemma find_write_of : forall Ab w, NoDup (ids (allw Ab)) -> In w (allw Ab) ->
    find_write Ab (wid w) = Some w.
  Proof.
    unfold find_write, ids; intros Ab w; induction (allw Ab) as [|a l IH]; simpl;
      intros Hn Hw; [destruct Hw|].
    inversion Hn as [|x y Hni Hn' E]; subst.
    destruct (Nat.eqb (wid a) (wid w)) eqn:E.
    - apply Nat.eqb_eq in E. destruct Hw as [<-|Hw]; auto.
      exfalso; apply Hni; rewrite E; now apply in_map.
    - destruct Hw as [<-|Hw]; [now rewrite Nat.eqb_refl in E|auto].
  Qed.

  (** A read that returns the identifier of an abstract write reads it. *)
  Lemma res_write_of : forall Ab (o : option (write K)), NoDup (ids (allw Ab)) ->
    (forall w, o = Some w -> In w (allw Ab)) -> res_write Ab (option_map wid o) = o.
  Proof.
    intros Ab [w|] Hn Hin; simpl; auto. apply find_write_of; auto.
  Qed.

  Section WithRelation.
    Variable R : sys K -> astate K -> Prop.
    Variable stamp_of : sys K -> nat -> stamp.
    Variable msg_id : A.msg K nat -> nat.

    Definition simulation (sp : spec K) : Prop :=
      R (sys0 K n) astate0 /\
      forall X Ab e X', R X Ab -> cstep K kcmp n X e X' ->
        exists Ab', astep K n sp Ab e Ab' /\ R X' Ab'.

    Theorem simulation_implies_refinement : forall sp, simulation sp ->
      forall tr, ctrace K kcmp n tr -> atrace K n sp tr.
    Proof.
      intros sp [Hinit Hstep] tr [X HX].
      assert (G : exists Ab, areachable K n sp tr Ab /\ R X Ab).
      { induction HX as [|tr X e X' HX IH Hs].
        - exists astate0; split; [constructor | exact Hinit].
        - destruct IH as [Ab [HA HR]].
          destruct (Hstep _ _ _ _ HR Hs) as [Ab' [Ha HR']].
          exists Ab'; split; [econstructor; eauto | exact HR']. }
      destruct G as [Ab [HA _]]; now exists Ab.
    Qed.

    (** ** Obligations of a base simulation *)
    Definition ob_init : Prop := R (sys0 K n) astate0.

    Definition ob_put : Prop :=
      forall X Ab s r k st' t' m, R X Ab -> r < n ->
        A.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        snd (stamp_of X r) = r /\ nextv X = anext Ab /\
        R (mkSys (upd (rst X) r st') (upd (tok X) s t')
                 (net X ++ broadcast K n r m) (S (nextv X)))
          (after_put Ab s r k (stamp_of X r)).

    Definition ob_get : Prop :=
      forall X Ab s r k res t', R X Ab -> r < n ->
        A.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        read_candidate (applied Ab r) k (res_write Ab res) /\
        option_map wid (res_write Ab res) = res /\
        R (mkSys (rst X) (upd (tok X) s t') (net X) (nextv X))
          (after_get Ab s (res_write Ab res)).

    Definition ob_deliver : Prop :=
      forall X Ab l1 l2 j m, R X Ab -> net X = l1 ++ (j, m) :: l2 ->
        A.deliverable (rst X j) m = true ->
        exists w, find_write Ab (msg_id m) = Some w /\ j < n /\
          ~ In (wid w) (ids (applied Ab j)) /\
          R (mkSys (upd (rst X) j (A.apply kcmp (rst X j) m)) (tok X)
                   (l1 ++ l2) (nextv X))
            (after_apply Ab j w).

    Definition base_simulation : Prop := ob_init /\ ob_put /\ ob_get /\ ob_deliver.

    (** ** Local obligations of one constraint *)
    Definition local_put (c : constraint K) : Prop :=
      forall X Ab s r k st' t' m, R X Ab -> r < n ->
        A.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        c_put c Ab s r k (stamp_of X r).

    Definition local_get (c : constraint K) : Prop :=
      forall X Ab s r k res t', R X Ab -> r < n ->
        A.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        c_get c Ab s r k (res_write Ab res).

    Definition local_apply (c : constraint K) : Prop :=
      forall X Ab l1 l2 j m w, R X Ab -> net X = l1 ++ (j, m) :: l2 ->
        A.deliverable (rst X j) m = true ->
        find_write Ab (msg_id m) = Some w ->
        c_apply c Ab j w.

    Definition discharges (sp : spec K) : Prop :=
      forall c, In c sp -> local_put c /\ local_get c /\ local_apply c.

    (** Local obligations indexed by position in the spec suffice. *)
    Lemma discharges_by_index : forall sp,
      (forall i, i < length sp ->
         local_put (nth_constraint sp i) /\ local_get (nth_constraint sp i) /\
         local_apply (nth_constraint sp i)) ->
      discharges sp.
    Proof.
      intros sp H c Hin.
      destruct (In_nth sp c no_constraint Hin) as [i [Hi <-]].
      exact (H i Hi).
    Qed.

    Theorem constraints_decompose : forall sp,
      base_simulation -> discharges sp -> simulation sp.
    Proof.
      intros sp [Hi [Hp [Hg Hd]]] Hc; split; [exact Hi|].
      intros X Ab e X' HR Hs; destruct Hs.
      - destruct (Hp _ _ _ _ _ _ _ _ HR H H0) as [Hst [Hn HR']].
        exists (after_put Ab s r k (stamp_of X r)); split; [|exact HR'].
        rewrite Hn; constructor; auto.
        intros c Hin; destruct (Hc c Hin) as [Hl _]; eapply Hl; eauto.
      - destruct (Hg _ _ _ _ _ _ _ HR H H0) as [Hrc [Hid HR']].
        exists (after_get Ab s (res_write Ab res)); split; [|exact HR'].
        assert (E : Some (EGet s r k res) = Some (EGet s r k (option_map wid (res_write Ab res))))
          by now rewrite Hid.
        rewrite E; constructor; auto.
        intros c Hin; destruct (Hc c Hin) as [_ [Hl _]]; eapply Hl; eauto.
      - destruct (Hd _ _ _ _ _ _ HR H H0) as [w [Hf [Hj [Hni HR']]]].
        exists (after_apply Ab j w); split; [|exact HR'].
        destruct (find_write_in _ _ _ Hf) as [Hin _].
        constructor; auto.
        intros c Hc'; destruct (Hc c Hc') as [_ [_ Hl]]; eapply Hl; eauto.
    Qed.

    Corollary base_and_local_refine : forall sp,
      base_simulation -> discharges sp ->
      forall tr, ctrace K kcmp n tr -> atrace K n sp tr.
    Proof.
      intros; eapply simulation_implies_refinement; eauto using constraints_decompose.
    Qed.

    (** ** Progress obligations (part of every spec)

        So that a store that does nothing cannot pass:
        - no deadlock: whenever messages are in flight, one of them is
          deliverable (each delivery removes one, so all are eventually
          delivered once puts stop);
        - once every message has been delivered, every replica serves every
          put and every get (no session waits forever at a replica that has
          caught up). *)
    Definition progress_deliver : Prop :=
      forall X Ab, R X Ab -> net X <> [] ->
        exists l1 j m l2, net X = l1 ++ (j, m) :: l2 /\
          A.deliverable (rst X j) m = true.

    Definition progress_ops : Prop :=
      forall X Ab s r k v, R X Ab -> net X = [] -> r < n ->
        (exists x, A.put kcmp (rst X r) (tok X s) k v = Some x) /\
        (exists x, A.get kcmp (rst X r) (tok X s) k = Some x).

    (** Everything a store must establish for spec [sp]. *)
    Definition correct_for (sp : spec K) : Prop :=
      base_simulation /\ discharges sp /\ progress_deliver /\ progress_ops.

    Theorem correct_for_refines : forall sp, correct_for sp ->
      forall tr, ctrace K kcmp n tr -> atrace K n sp tr.
    Proof. intros sp [Hb [Hd _]]; now apply base_and_local_refine. Qed.
  End WithRelation.
End Refinement.
End Refinement.
