(** * Proofs for the causal-vector mechanism: base simulation, progress and
    the guard lemmas used to discharge the session-guarantee and causal
    constraints.

    The invariant is the shared replica and network part
    ([FifoReplicas.clocks_inv], [FifoReplicas.net_inv]), the store and
    token facts of [SessionVectorsProofs.sv_inv], and what each in-flight
    message's dependency vector covers ([msg_ok]): every write
    it covers is older (smaller identifier) than the message's write, which
    gives progress (causal delivery never deadlocks), and it covers the
    session writes, reads and causal past of the write's session, which
    makes delivery respect monotonic writes, writes-follow-reads and causal
    visibility. *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.Prelude Framework.KeyOrder Framework.Tactics Framework.Events
  Framework.Algorithm Framework.Concrete Framework.Abstract Framework.Refinement
  Representations.Rep Mechanisms.VectorClock Mechanisms.CausalVectors
  Mechanisms.WriteFacts Mechanisms.FifoReplicas.
Import ListNotations.

(** A vector not below another has an entry above it. *)
Lemma vle_false : forall a b, vle a b = false -> exists i, nth i b 0 < nth i a 0.
Proof.
  induction a as [|x a IH]; intros b H; simpl in H; [discriminate|].
  destruct b as [|y b]; apply andb_false_iff in H as [H|H].
  - exists 0; simpl; apply Nat.eqb_neq in H; lia.
  - destruct (IH [] H) as [i Hi]; exists (S i); simpl; rewrite nth_nil0 in Hi; exact Hi.
  - exists 0; simpl; apply Nat.leb_gt in H; exact H.
  - destruct (IH b H) as [i Hi]; exists (S i); exact Hi.
Qed.

Module CausalVectorsProofs (R : REP) (P : CV_POLICY).
  Module Alg := CausalVectors R P.
  Module Ref := Refinement Alg.
  Import Ref.

  Lemma put_spec : forall K V (kcmp : K -> K -> comparison) st tk k (v : V) st' t' m,
    Alg.put kcmp st tk k v = Some (st', t', m) ->
    (P.put_guard = true -> vle tk (Alg.clock st) = true) /\
    st' = Alg.mkSt (Alg.me st) (vset (Alg.clock st) (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)))
                   (R.add kcmp k v (Alg.store st)) /\
    t' = vset tk (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)) /\
    m = Alg.mkMsg (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)) (Alg.clock st) k v.
  Proof.
    unfold Alg.put; intros K V kcmp st tk k v st' t' m H.
    destruct P.put_guard; simpl in H.
    - destruct (vle tk (Alg.clock st)); simpl in H; inv_some; auto.
    - inv_some; split; auto; discriminate.
  Qed.

  Lemma get_spec : forall K V (kcmp : K -> K -> comparison) st tk k (res : option V) t',
    Alg.get kcmp st tk k = Some (res, t') ->
    vle tk (Alg.clock st) = true /\ res = R.find kcmp k (Alg.store st) /\
    t' = (if P.get_merge then vjoin tk (Alg.clock st) else tk).
  Proof.
    unfold Alg.get; intros K V kcmp st tk k res t' H.
    destruct (vle tk (Alg.clock st)); inv_some; auto.
  Qed.

  Lemma deliverable_spec : forall K V (st : Alg.state K V) m,
    Alg.deliverable st m = true <->
    S (nth (Alg.morig m) (Alg.clock st) 0) = Alg.mseq m /\
    forall i, i <> Alg.morig m -> nth i (Alg.mdeps m) 0 <= nth i (Alg.clock st) 0.
  Proof.
    intros; unfold Alg.deliverable; rewrite andb_true_iff, Nat.eqb_eq, vle_spec.
    split; intros [H1 H2]; split; auto.
    - intros i Hi; specialize (H2 i); rewrite nth_vset in H2.
      destruct (Nat.eqb_spec i (Alg.morig m)); [contradiction|auto].
    - intros i; rewrite nth_vset; destruct (Nat.eqb_spec i (Alg.morig m)); [lia|auto].
  Qed.

  Section Proofs.
    Variable K : Type.
    Variable kcmp : K -> K -> comparison.
    Hypothesis Hko : key_order kcmp.
    Local Notation keqb := (keq kcmp).
    Lemma keqb_spec : forall a b, keqb a b = true <-> a = b.
    Proof. exact (keq_spec kcmp Hko). Qed.
    Variable n : nat.

    Definition cv_stamp (X : sys K) (r : nat) : stamp := (S (nth r (Alg.clock (rst X r)) 0), r).
    Definition cv_msg_id (m : Alg.msg K nat) : nat := Alg.mval m.

    (** [covers aw v l]: every identifier of [l] is a write of [aw] whose
        stamp is at most [v] at its origin. *)
    Definition covers (aw : list (write K)) (v : list nat) (l : list nat) : Prop :=
      forall i, In i l -> exists w, In w aw /\ wid w = i /\ fst (wstamp w) <= nth (worig w) v 0.

    Lemma covers_mono : forall aw aw' v v' l, covers aw v l ->
      (forall x, In x aw -> In x aw') -> (forall o, nth o v 0 <= nth o v' 0) ->
      covers aw' v' l.
    Proof.
      intros aw aw' v v' l H Ha Hv i Hi; destruct (H i Hi) as [w (Hw & E & Hs)].
      exists w; split; [auto|split; [auto|]]. specialize (Hv (worig w)); lia.
    Qed.

    Lemma covers_sub : forall aw v l L,
      (forall w, In w aw -> fst (wstamp w) <= nth (worig w) v 0 -> In (wid w) L) ->
      covers aw v l -> sub l L.
    Proof.
      intros aw v l L H Hc i Hi; destruct (Hc i Hi) as [w (Hw & <- & Hs)]; auto.
    Qed.

    Lemma sub_cons : forall l (x : write K) l2, sub l (ids l2) -> sub l (ids (x :: l2)).
    Proof. intros l x l2 H i Hi; simpl; right; auto. Qed.

    (** What an in-flight message [m] of write [w] depends on. *)
    Record msg_ok (aw : list (write K)) (rs : nat -> Alg.state K nat) (m : Alg.msg K nat) (w : write K) : Prop := {
      d_orig : S (nth (Alg.morig m) (Alg.mdeps m) 0) = Alg.mseq m;
      d_le : forall o, nth o (Alg.mdeps m) 0 <= nth o (Alg.clock (rs o)) 0;
      d_lt : forall w', In w' aw -> fst (wstamp w') <= nth (worig w') (Alg.mdeps m) 0 ->
        wid w' < wid w;
      d_sessw : P.put_guard = true -> covers aw (Alg.mdeps m) (wsessw w);
      d_obs : P.put_guard = true -> P.get_merge = true -> covers aw (Alg.mdeps m) (wobs w);
      d_deps : P.put_guard = true -> P.get_merge = true -> covers aw (Alg.mdeps m) (wdeps w)
    }.

    Lemma msg_ok_mono : forall aw aw' rs rs' m w, msg_ok aw rs m w ->
      (forall x, In x aw -> In x aw') ->
      (forall o, nth o (Alg.clock (rs o)) 0 <= nth o (Alg.clock (rs' o)) 0) ->
      (forall x, In x aw' -> In x aw \/ nth (worig x) (Alg.mdeps m) 0 < fst (wstamp x)) ->
      msg_ok aw' rs' m w.
    Proof.
      intros aw aw' rs rs' m w [H1 H2 H3 H4 H5 H6] Ha Hd Hn; constructor; auto.
      - intros o; specialize (H2 o); specialize (Hd o); lia.
      - intros w' Hw' Hs; destruct (Hn w' Hw') as [Hi|Hi]; [auto|lia].
      - intros Hp; eapply covers_mono; eauto.
      - intros Hp Hg; eapply covers_mono; eauto.
      - intros Hp Hg; eapply covers_mono; eauto.
    Qed.

    (** The shared replica and network part ([FifoReplicas]), then what the
        store, tokens and in-flight messages hold. *)
    Record cv_inv (X : sys K) (Ab : astate K) : Prop := {
      i_clocks : clocks_inv n (fun j => Alg.clock (rst X j)) Ab;
      i_network : net_inv n Alg.mval (fun m => (Alg.mseq m, Alg.morig m)) Alg.mkey (net X) Ab;
      i_next : nextv X = anext Ab;
      i_me : forall j, j < n -> Alg.me (rst X j) = j;
      i_store : forall j k, j < n ->
        R.find kcmp k (Alg.store (rst X j)) = option_map wid (latest keqb k (applied Ab j));
      i_out : forall o, n <= o -> rst X o = Alg.init n o;
      i_tok : forall s o, nth o (tok X s) 0 <= nth o (Alg.clock (rst X o)) 0;
      i_tok_iss : forall s w, In w (issued Ab s) -> fst (wstamp w) <= nth (worig w) (tok X s) 0;
      i_tok_obs : P.get_merge = true -> forall s w, In w (observed Ab s) ->
        fst (wstamp w) <= nth (worig w) (tok X s) 0;
      i_tok_cp : P.put_guard = true -> P.get_merge = true -> forall s,
        covers (allw Ab) (tok X s) (cpast Ab s);
      i_app_deps : P.put_guard = true -> P.get_merge = true -> forall r w, r < n ->
        In w (applied Ab r) -> sub (wdeps w) (ids (applied Ab r));
      i_msgs : forall j m w, In (j, m) (net X) -> In w (allw Ab) -> wid w = Alg.mval m ->
        msg_ok (allw Ab) (rst X) m w;
      i_ok : forall j, R.ok kcmp (Alg.store (rst X j))
    }.

    (** Facts of the shared part, under the names the guard lemmas use. *)
    Lemma i_nodup : forall X Ab, cv_inv X Ab -> NoDup (ids (allw Ab)).
    Proof. intros X Ab H; exact (f_nodup _ _ _ _ (i_clocks _ _ H)). Qed.
    Lemma i_app_all : forall X Ab, cv_inv X Ab -> forall r w, In w (applied Ab r) -> In w (allw Ab).
    Proof. intros X Ab H; exact (f_app_all _ _ _ _ (i_clocks _ _ H)). Qed.
    Lemma i_iss_all : forall X Ab, cv_inv X Ab -> forall s w, In w (issued Ab s) -> In w (allw Ab).
    Proof. intros X Ab H; exact (f_iss_all _ _ _ _ (i_clocks _ _ H)). Qed.
    Lemma i_obs_all : forall X Ab, cv_inv X Ab -> forall s w, In w (observed Ab s) -> In w (allw Ab).
    Proof. intros X Ab H; exact (f_obs_all _ _ _ _ (i_clocks _ _ H)). Qed.
    Lemma i_fifo : forall X Ab, cv_inv X Ab -> forall j w, j < n -> In w (allw Ab) ->
      (In w (applied Ab j) <-> fst (wstamp w) <= nth (worig w) (Alg.clock (rst X j)) 0).
    Proof. intros X Ab H; exact (f_fifo _ _ _ _ (i_clocks _ _ H)). Qed.

    Definition cv_rel : sys K -> astate K -> Prop := cv_inv.

    Lemma res_write_latest : forall X Ab r k, cv_inv X Ab ->
      res_write K Ab (option_map wid (latest keqb k (applied Ab r))) = latest keqb k (applied Ab r).
    Proof.
      intros X Ab r k H; pose proof (i_clocks _ _ H) as HC.
      apply res_write_of; [exact (f_nodup _ _ _ _ HC)|].
      intros w E; apply latest_in in E as [Hi _]; exact (f_app_all _ _ _ _ HC r w Hi).
    Qed.

    Lemma covered_applied : forall X Ab r tk w, cv_inv X Ab -> r < n ->
      vle tk (Alg.clock (rst X r)) = true -> In w (allw Ab) ->
      fst (wstamp w) <= nth (worig w) tk 0 -> In (wid w) (ids (applied Ab r)).
    Proof.
      intros X Ab r tk w H; exact (covered_applied_of K n _ _ _ _ _ (i_clocks _ _ H)).
    Qed.

    Ltac inv_names H :=
      let H0 := fresh in pose proof H as H0;
      destruct H0 as [HC HN Hnext Hme Hstore Hout Htok Htiss Htobs Htcp Hadeps Hmsgs Hrep];
      let H1 := fresh in pose proof HC as H1;
      destruct H1 as [Hidlt Hnodup Hwf Hbound Huniq Hsmono Happ Hiss Hobs Hfifo Hahead Hdense];
      let H2 := fresh in pose proof HN as H2;
      destruct H2 as [Hnet Hnnd Hcomp].

    (** ** Gets *)
    Lemma cv_get_returns_latest : forall X Ab s r k res t', cv_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        res_write K Ab res = latest keqb k (applied Ab r).
    Proof.
      intros X Ab s r k res t' H Hr Hg.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (_ & -> & _).
      rewrite (i_store _ _ H r k Hr). now apply (res_write_latest X).
    Qed.

    Lemma cv_get_sees_issued : forall X Ab s r k res t', cv_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (ids (issued Ab s)) (ids (applied Ab r)).
    Proof.
      intros X Ab s r k res t' H Hr Hg i Hi.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_iss_all|eapply i_tok_iss]; eauto.
    Qed.

    Lemma cv_get_sees_observed : P.get_merge = true -> forall X Ab s r k res t', cv_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (ids (observed Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hgm X Ab s r k res t' H Hr Hg i Hi.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_obs_all|eapply i_tok_obs]; eauto.
    Qed.

    Lemma cv_get_sees_causal_past : P.put_guard = true -> P.get_merge = true ->
        forall X Ab s r k res t', cv_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (cpast Ab s) (ids (applied Ab r)).
    Proof.
      intros Hpg Hgm X Ab s r k res t' H Hr Hg.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      eapply covers_sub; [|apply (i_tok_cp _ _ H Hpg Hgm s)].
      intros w Hw Hs; eapply covered_applied; eauto.
    Qed.

    (** ** Puts *)
    Lemma cv_put_sees_issued : P.put_guard = true -> forall X Ab s r k st' t' m, cv_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (ids (issued Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hpg X Ab s r k st' t' m H Hr Hp i Hi.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_iss_all|eapply i_tok_iss]; eauto.
    Qed.

    Lemma cv_put_sees_observed : P.put_guard = true -> P.get_merge = true ->
        forall X Ab s r k st' t' m, cv_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (ids (observed Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hpg Hgm X Ab s r k st' t' m H Hr Hp i Hi.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_obs_all|eapply i_tok_obs]; eauto.
    Qed.

    Lemma cv_put_sees_causal_past : P.put_guard = true -> P.get_merge = true ->
        forall X Ab s r k st' t' m, cv_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (cpast Ab s) (ids (applied Ab r)).
    Proof.
      intros Hpg Hgm X Ab s r k st' t' m H Hr Hp.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      eapply covers_sub; [|apply (i_tok_cp _ _ H Hpg Hgm s)].
      intros w Hw Hs; eapply covered_applied; eauto.
    Qed.

    (** ** Applies *)
    Lemma msg_write : forall X Ab l1 l2 j m w, cv_inv X Ab -> net X = l1 ++ (j, m) :: l2 ->
      find_write K Ab (cv_msg_id m) = Some w ->
      j < n /\ In w (allw Ab) /\ msg_ok (allw Ab) (rst X) m w.
    Proof.
      intros X Ab l1 l2 j m w H Hnet' Hf.
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (find_write_in _ _ _ _ Hf) as [Hw Ew].
      destruct (net_msg_write _ _ _ _ _ _ _ _ _ _ _ _ (i_clocks _ _ H) (i_network _ _ H) Hinm Hw Ew)
        as (Hj & _).
      split; [exact Hj|split; [exact Hw|]]. eapply (i_msgs _ _ H); eauto.
    Qed.

    Lemma deliv_covered : forall X Ab j m w w', cv_inv X Ab -> j < n -> msg_ok (allw Ab) (rst X) m w ->
      Alg.deliverable (rst X j) m = true -> In w' (allw Ab) ->
      fst (wstamp w') <= nth (worig w') (Alg.mdeps m) 0 -> In (wid w') (ids (applied Ab j)).
    Proof.
      intros X Ab j m w w' H Hj Hok Hd Hw' Hs.
      apply deliverable_spec in Hd as [Hd1 Hd2].
      apply in_ids, (i_fifo _ _ H j w' Hj Hw').
      destruct (Nat.eq_dec (worig w') (Alg.morig m)) as [E|E].
      - pose proof (d_orig _ _ _ _ Hok) as Ho. rewrite E in *; lia.
      - specialize (Hd2 _ E); lia.
    Qed.

    Lemma cv_apply_after_session_writes : P.put_guard = true ->
      forall X Ab l1 l2 j m w, cv_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (cv_msg_id m) = Some w ->
        sub (wsessw w) (ids (applied Ab j)).
    Proof.
      intros Hpg X Ab l1 l2 j m w H Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      eapply covers_sub; [|apply (d_sessw _ _ _ _ Hok Hpg)].
      intros; eapply deliv_covered; eauto.
    Qed.

    Lemma cv_apply_after_observed : P.put_guard = true -> P.get_merge = true ->
      forall X Ab l1 l2 j m w, cv_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (cv_msg_id m) = Some w ->
        sub (wobs w) (ids (applied Ab j)).
    Proof.
      intros Hpg Hgm X Ab l1 l2 j m w H Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      eapply covers_sub; [|apply (d_obs _ _ _ _ Hok Hpg Hgm)].
      intros; eapply deliv_covered; eauto.
    Qed.

    Lemma cv_apply_after_causal_past : P.put_guard = true -> P.get_merge = true ->
      forall X Ab l1 l2 j m w, cv_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (cv_msg_id m) = Some w ->
        sub (wdeps w) (ids (applied Ab j)).
    Proof.
      intros Hpg Hgm X Ab l1 l2 j m w H Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      eapply covers_sub; [|apply (d_deps _ _ _ _ Hok Hpg Hgm)].
      intros; eapply deliv_covered; eauto.
    Qed.

    (** ** Base simulation *)
    Lemma cv_ob_init : ob_init K n cv_rel.
    Proof.
      unfold ob_init, cv_rel, sys0; constructor.
      1: apply clocks_inv_init; reflexivity.
      1: apply net_inv_init.
      all: simpl; intros; unfold Alg.init in *; simpl in *; try contradiction; auto.
      - exact (R.find_empty _ _ _ _).
      - intros i [].
      - apply R.ok_empty.
    Qed.

    Lemma cv_ob_get : ob_get K kcmp n cv_rel.
    Proof.
      intros X Ab s r k res t' H Hr Hg.
      pose proof (cv_get_returns_latest X Ab s r k res t' H Hr Hg) as Hl.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & Hres & Ht).
      assert (Hres' : res = option_map wid (latest keqb k (applied Ab r)))
        by (rewrite Hres; apply (i_store _ _ H r k Hr)).
      assert (Hmono : forall o, nth o (tok X s) 0 <= nth o t' 0).
      { intros o; subst t'; destruct P.get_merge; auto. rewrite nth_vjoin; lia. }
      inv_names H.
      rewrite Hl. split; [|split].
      - destruct (latest keqb k (applied Ab r)) as [w|] eqn:E; simpl; auto.
        apply latest_in in E as [Hi Hk]; split; auto; now apply keqb_spec.
      - now rewrite Hres'.
      - assert (HC' : clocks_inv n (fun j => Alg.clock (rst X j))
                        (after_get Ab s (latest keqb k (applied Ab r))))
          by (apply clocks_inv_get; [exact HC|intros w E; apply latest_in in E as [Hi _]; eauto]).
        assert (HN' := net_inv_get _ _ _ _ _ _ _ _ s (latest keqb k (applied Ab r)) HN).
        unfold after_get in *; constructor; simpl; try assumption.
        + intros s0 o; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|apply Htok].
          subst t'; destruct P.get_merge; [|apply Htok].
          rewrite nth_vjoin; specialize (Htok s o); specialize (Hahead r o Hr); lia.
        + intros s0 w Hw; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          specialize (Htiss s w Hw); specialize (Hmono (worig w)); lia.
        + intros Hgm s0 w Hw; unfold upd in *; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          rewrite Hgm in Ht; subst t'.
          destruct (latest keqb k (applied Ab r)) as [w'|] eqn:E; simpl in Hw;
            [destruct Hw as [<-|Hw]|].
          * apply latest_in in E as [Hi _].
            apply (Hfifo r w' Hr (Happ _ _ Hi)) in Hi. rewrite nth_vjoin; lia.
          * specialize (Htobs Hgm s w Hw); rewrite nth_vjoin; lia.
          * specialize (Htobs Hgm s w Hw); rewrite nth_vjoin; lia.
        + intros Hpg Hgm s0; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          rewrite Hgm in Ht; subst t'.
          assert (Hc : forall w, In w (applied Ab r) ->
            exists w0, In w0 (allw Ab) /\ wid w0 = wid w /\
              fst (wstamp w0) <= nth (worig w0) (vjoin (tok X s) (Alg.clock (rst X r))) 0).
          { intros w Hw; exists w; split; [eauto|split; [auto|]].
            apply (Hfifo r w Hr (Happ _ _ Hw)) in Hw. rewrite nth_vjoin; lia. }
          destruct (latest keqb k (applied Ab r)) as [w'|] eqn:E; simpl.
          * apply latest_in in E as [Hi _].
            intros i [<-|Hi']; [now apply Hc|].
            apply in_app_iff in Hi' as [Hi'|Hi'].
            -- apply (Hadeps Hpg Hgm r w' Hr Hi), ids_in in Hi' as [w2 [Hw2 <-]]; now apply Hc.
            -- eapply covers_mono; [apply (Htcp Hpg Hgm s)|auto| |exact Hi'].
               intros o; rewrite nth_vjoin; lia.
          * eapply covers_mono; [apply (Htcp Hpg Hgm s)|auto|].
            intros o; rewrite nth_vjoin; lia.
    Qed.

    Lemma cv_ob_put : ob_put K kcmp n cv_rel cv_stamp.
    Proof.
      intros X Ab s r k st' t' m H Hr Hp.
      pose proof (cv_put_sees_causal_past) as Hcp.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & Hst & Ht & Hm).
      inv_names H.
      rewrite (Hme r Hr) in Hst, Ht, Hm.
      set (sq := S (nth r (Alg.clock (rst X r)) 0)) in *.
      assert (Hsq : cv_stamp X r = (sq, r)) by reflexivity.
      split; [reflexivity|split; [exact Hnext|]].
      rewrite Hsq.
      assert (Hcl : forall j, Alg.clock (upd (rst X) r st' j) =
                if Nat.eqb j r then vset (Alg.clock (rst X r)) r sq else Alg.clock (rst X j))
        by (intros j; unfold upd; destruct (Nat.eqb j r); subst; reflexivity).
      assert (HC' := clocks_inv_put K n _ _ Ab s r k HC Hr Hcl).
      assert (HN' : net_inv n Alg.mval (fun m => (Alg.mseq m, Alg.morig m)) Alg.mkey (net X ++ broadcast K n r m)
                      (after_put Ab s r k (sq, r)))
        by (apply (net_inv_put _ _ _ _ _ _ _ _ _ _ _ _ _ HC HN Hr);
            rewrite Hm; simpl; first [reflexivity | congruence]).
      unfold after_put, new_write in *; simpl in *.
      set (w0 := mkW (anext Ab) k r s (sq, r) (ids (issued Ab s)) (ids (observed Ab s)) (cpast Ab s)) in *.
      assert (Hdiag : forall o, nth o (Alg.clock (rst X o)) 0 <= nth o (Alg.clock (upd (rst X) r st' o)) 0).
      { intros o; rewrite Hcl; destruct (Nat.eqb_spec o r); [subst; rewrite nth_vset, Nat.eqb_refl; lia|lia]. }
      assert (Hbr : forall o, nth o (tok X s) 0 <= nth o t' 0).
      { intros o; rewrite Ht, nth_vset; destruct (Nat.eqb_spec o r); [subst; specialize (Htok s r); lia|lia]. }
      assert (Hsub : forall x, In x (allw Ab) -> In x (w0 :: allw Ab)) by (simpl; auto).
      assert (Hnew : forall v x, nth r v 0 <= nth r (Alg.clock (rst X r)) 0 ->
                In x (w0 :: allw Ab) -> In x (allw Ab) \/ nth (worig x) v 0 < fst (wstamp x)).
      { intros v x Hle [<-|Hx]; [right; simpl; unfold sq; lia|auto]. }
      constructor; simpl; try assumption.
      - now rewrite Hnext.
      - intros j Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst; reflexivity|auto].
      - intros j k' Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto]. rewrite Hst; simpl.
        rewrite R.find_add by first [exact Hko | apply Hrep]. rewrite Hstore by exact Hr.
        destruct (keqb k k'); simpl; congruence.
      - intros o Ho; unfold upd; destruct (Nat.eqb_spec o r); [lia|auto].
      - intros s0 o; unfold upd at 1; destruct (Nat.eqb_spec s0 s).
        + subst s0; rewrite Ht, nth_vset; destruct (Nat.eqb_spec o r); [subst; rewrite Hcl, Nat.eqb_refl, nth_vset, Nat.eqb_refl; lia|].
          specialize (Htok s o); specialize (Hdiag o); lia.
        + specialize (Htok s0 o); specialize (Hdiag o); lia.
      - intros s0 w; destruct (Nat.eqb_spec s0 s) as [->|Hs]; [rewrite !upd_same|rewrite !upd_other by exact Hs; auto].
        intros [<-|Hw]; [simpl; rewrite Ht, nth_vset, Nat.eqb_refl; lia|].
        specialize (Htiss s w Hw); specialize (Hbr (worig w)); lia.
      - intros Hgm s0 w Hw; destruct (Nat.eqb_spec s0 s) as [->|Hs]; [rewrite !upd_same|rewrite !upd_other by exact Hs; auto].
        specialize (Htobs Hgm s w Hw); specialize (Hbr (worig w)); lia.
      - intros Hpg Hgm s0; destruct (Nat.eqb_spec s0 s) as [->|Hs]; [rewrite !upd_same|rewrite !upd_other by exact Hs].
        + intros i [<-|Hi].
          * exists w0; simpl; split; auto; split; auto. rewrite Ht, nth_vset, Nat.eqb_refl; lia.
          * eapply covers_mono; [apply (Htcp Hpg Hgm s)|exact Hsub|exact Hbr|exact Hi].
        + eapply covers_mono; [apply (Htcp Hpg Hgm s0)|exact Hsub|auto].
      - intros Hpg Hgm j w Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst j|eauto].
        intros [<-|Hw]; apply sub_cons; [|eauto].
        simpl; eapply Hcp; eauto.
      - intros j m0 w Hin Hw Ei; apply in_app_iff in Hin as [Hin|Hin].
        + destruct Hw as [<-|Hw].
          * destruct (Hnet j m0 Hin) as (_ & _ & w & Hw & E1 & _).
            apply Hidlt in Hw; simpl in Ei; lia.
          * pose proof (Hmsgs j m0 w Hin Hw Ei) as Hok.
            eapply msg_ok_mono; [exact Hok|exact Hsub|exact Hdiag|].
            intros x Hx; apply (Hnew (Alg.mdeps m0) x); [|exact Hx]. pose proof (d_le _ _ _ _ Hok r); lia.
        + unfold broadcast in Hin; apply in_map_iff in Hin as [j' [E _]].
          injection E as <- <-.
          destruct Hw as [<-|Hw]; [|apply Hidlt in Hw; rewrite Hm in Ei; simpl in Ei; lia].
          rewrite Hm; constructor; simpl.
          * reflexivity.
          * intros o; specialize (Hahead r o Hr); specialize (Hdiag o); lia.
          * intros w' [<-|Hw'] Hs; [simpl in Hs; unfold sq in Hs; lia|].
            apply Hidlt in Hw'; exact Hw'.
          * intros Hpg i Hi. apply ids_in in Hi as [w [Hw <-]].
            exists w; split; [right; eauto|split; [auto|]].
            specialize (Htiss s w Hw); apply vle_spec with (i := worig w) in Hv; auto; lia.
          * intros Hpg Hgm i Hi. apply ids_in in Hi as [w [Hw <-]].
            exists w; split; [right; eauto|split; [auto|]].
            specialize (Htobs Hgm s w Hw); apply vle_spec with (i := worig w) in Hv; auto; lia.
          * intros Hpg Hgm. eapply covers_mono; [apply (Htcp Hpg Hgm s)|exact Hsub|].
            apply vle_spec, Hv, Hpg.
      - intros x; unfold upd; destruct (Nat.eqb_spec x r); [subst x; rewrite Hst; simpl; apply R.ok_add; auto|auto].
    Qed.

    Lemma cv_ob_deliver : ob_deliver K kcmp n cv_rel cv_msg_id.
    Proof.
      intros X Ab l1 l2 j m H Hnet' Hdel.
      pose proof cv_apply_after_causal_past as Hcp.
      pose proof Hdel as Hdel0.
      inv_names H.
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (Hnet j m Hinm) as (Hj & Hjo & w & Hw & Ei & Ek & Es & Hna).
      destruct (Hwf w Hw) as (Eo & H1 & Hon).
      simpl in Es, Hjo. rewrite Es in Eo; simpl in Eo.
      apply deliverable_spec in Hdel as [Hdel _].
      assert (Hf : find_write K Ab (cv_msg_id m) = Some w)
        by (unfold cv_msg_id; rewrite <- Ei; now apply find_write_of).
      exists w; split; [exact Hf|].
      split; [exact Hj|split].
      { intros Hi; apply ids_in in Hi as [w' [Hw' E]]. apply Hna.
        replace w with w'; auto. eapply wid_inj; eauto. }
      set (st' := Alg.apply kcmp (rst X j) m).
      assert (Hcl : forall x, Alg.clock (upd (rst X) j st' x) =
                if Nat.eqb x j then vset (Alg.clock (rst X j)) (worig w) (fst (wstamp w))
                else Alg.clock (rst X x))
        by (intros x; unfold upd; rewrite Es, <- Eo; destruct (Nat.eqb x j); reflexivity).
      assert (Hdiag : forall o, nth o (Alg.clock (upd (rst X) j st' o)) 0 = nth o (Alg.clock (rst X o)) 0).
      { intros o; rewrite Hcl; destruct (Nat.eqb_spec o j); [subst; rewrite nth_vset;
          destruct (Nat.eqb_spec j (worig w)); [congruence|auto]|auto]. }
      assert (HC' := clocks_inv_apply _ _ _ _ _ _ _ HC Hj Hw Hna ltac:(congruence)
                       ltac:(rewrite Es, <- Eo; exact Hdel) Hcl).
      rewrite Hnet' in HN.
      assert (HN' := net_inv_deliver _ _ _ _ _ _ _ _ _ _ _ _ _ HC HN Hw Ei).
      unfold after_apply in *; constructor; simpl; try assumption.
      - intros x Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x; apply Hme; auto|auto].
      - intros x k' Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x|auto].
        unfold st', Alg.apply; simpl.
        rewrite R.find_add by first [exact Hko | apply Hrep]. rewrite Hstore by exact Hj.
        rewrite Ek; destruct (keqb (Alg.mkey m) k'); simpl; congruence.
      - intros o Ho; unfold upd; destruct (Nat.eqb_spec o j); [lia|auto].
      - intros s o; rewrite Hdiag; auto.
      - intros Hpg Hgm x w' Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x|eauto].
        intros [<-|Hi]; apply sub_cons; [|eauto].
        eapply Hcp; eauto.
      - intros j' m' w' Hin Hw' Ei'.
        eapply msg_ok_mono; [apply (Hmsgs j' m' w'); [|exact Hw'|exact Ei']|auto|intros o; rewrite Hdiag; auto|auto].
        rewrite Hnet'; apply in_app_iff in Hin as [?|?]; apply in_or_app; simpl; auto.
      - intros x; unfold upd; destruct (Nat.eqb_spec x j); [subst x; unfold st', Alg.apply; simpl; apply R.ok_add; auto|auto].
    Qed.

    Lemma cv_base_simulation : base_simulation K kcmp n cv_rel cv_stamp cv_msg_id.
    Proof.
      split; [exact cv_ob_init|split; [exact cv_ob_put|split; [exact cv_ob_get|exact cv_ob_deliver]]].
    Qed.

    (** ** Progress *)

    (** An in-flight message to [j] that is not deliverable depends on an
        older write not applied at [j] (which is then in flight to [j]). *)
    Lemma blocked_dep : forall X Ab j m w, cv_inv X Ab -> j < n -> In w (allw Ab) ->
      wstamp w = (Alg.mseq m, Alg.morig m) -> ~ In w (applied Ab j) -> msg_ok (allw Ab) (rst X) m w ->
      Alg.deliverable (rst X j) m = false ->
      exists w2, In w2 (allw Ab) /\ ~ In w2 (applied Ab j) /\ wid w2 < wid w.
    Proof.
      intros X Ab j m w H Hj Hw Es Hna Hok Hd.
      inv_names H.
      destruct (Hwf w Hw) as (Eo & H1 & Hon). rewrite Es in Eo, H1; simpl in Eo, H1.
      set (o := Alg.morig m) in *.
      (* a write of origin [i], the next one [j] has not applied, covered by [mdeps m] *)
      assert (G : forall i, i < n -> nth i (Alg.clock (rst X j)) 0 < nth i (Alg.mdeps m) 0 ->
        exists w2, In w2 (allw Ab) /\ ~ In w2 (applied Ab j) /\ wid w2 < wid w).
      { intros i Hi Hlt.
        pose proof (d_le _ _ _ _ Hok i) as Hle.
        destruct (Hdense i (S (nth i (Alg.clock (rst X j)) 0)) Hi) as [w2 [Hw2 Es2]]; [lia|].
        destruct (Hwf w2 Hw2) as (Eo2 & _). rewrite Es2 in Eo2; simpl in Eo2.
        exists w2; split; [exact Hw2|split].
        - intros Hi2; apply (Hfifo j w2 Hj Hw2) in Hi2. rewrite Es2, <- Eo2 in Hi2; simpl in Hi2; lia.
        - apply (d_lt _ _ _ _ Hok w2 Hw2). rewrite Es2, <- Eo2; simpl; lia. }
      unfold Alg.deliverable in Hd; apply andb_false_iff in Hd as [Hd|Hd].
      - apply Nat.eqb_neq in Hd. fold o in Hd. apply (G o); [rewrite Eo; exact Hon|].
        pose proof (d_orig _ _ _ _ Hok) as Ho.
        assert (nth o (Alg.clock (rst X j)) 0 < Alg.mseq m); [|fold o in Ho; lia].
        destruct (Nat.lt_ge_cases (nth o (Alg.clock (rst X j)) 0) (Alg.mseq m)) as [?|Hge]; auto.
        exfalso; apply Hna, (Hfifo j w Hj Hw). rewrite Es, <- Eo; simpl; lia.
      - apply vle_false in Hd as [i Hi]. rewrite nth_vset in Hi. fold o in Hi.
        destruct (Nat.eqb_spec i o); [lia|].
        destruct (Nat.lt_ge_cases i n) as [Hin|Hin]; [exact (G i Hin Hi)|].
        pose proof (d_le _ _ _ _ Hok i) as Hle.
        rewrite (Hout i Hin) in Hle; unfold Alg.init in Hle; simpl in Hle; rewrite ?nth_nil0 in Hle; destruct i; simpl in Hle; lia.
    Qed.

    Lemma cv_progress_deliver : progress_deliver K cv_rel.
    Proof.
      intros X Ab H Hne.
      apply (some_deliverable _ _ _ _ _ _ _ _ _ (fun j m => Alg.deliverable (rst X j) m)
               (i_clocks _ _ H) (i_network _ _ H) Hne).
      intros j m Hin Hd.
      destruct (n_msg _ _ _ _ _ _ _ _ (i_network _ _ H) j m Hin) as (Hj & _ & w & Hw & Ei & _ & Es & Hna).
      simpl in Es. rewrite <- Ei.
      eapply blocked_dep; eauto. eapply (i_msgs _ _ H); eauto.
    Qed.

    Lemma cv_progress_ops : progress_ops K kcmp n cv_rel.
    Proof.
      intros X Ab s r k v H Hnil Hr. inv_names H.
      assert (Hv : vle (tok X s) (Alg.clock (rst X r)) = true).
      { apply vle_spec; intros o. specialize (Htok s o).
        destruct (Nat.lt_ge_cases o n) as [Ho|Ho].
        - destruct (nth o (Alg.clock (rst X o)) 0) as [|c] eqn:Ec; [lia|].
          destruct (Hdense o (S c) Ho) as [w [Hw Es]]; [lia|].
          destruct (Hwf w Hw) as (Eo & _); rewrite Es in Eo; simpl in Eo.
          destruct (Nat.le_gt_cases (fst (wstamp w)) (nth (worig w) (Alg.clock (rst X r)) 0)) as [Hle|Hgt].
          + rewrite Es, <- Eo in Hle; simpl in Hle; lia.
          + exfalso. destruct (Hcomp w r Hw Hr) as [m [Hin _]].
            * intros Hi; apply (Hfifo r w Hr Hw) in Hi; lia.
            * rewrite Hnil in Hin; destruct Hin.
        - rewrite (Hout o Ho) in Htok. unfold Alg.init in Htok; simpl in Htok.
          rewrite ?nth_nil0 in Htok. destruct o; simpl in Htok; lia. }
      split.
      - unfold Alg.put; rewrite Hv; simpl. rewrite andb_false_r; simpl. eauto.
      - unfold Alg.get; rewrite Hv; eauto.
    Qed.
  End Proofs.
End CausalVectorsProofs.
