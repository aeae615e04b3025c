(** * Proofs for the session-vector mechanism: base simulation, progress and
    the guard lemmas used to discharge the session-guarantee constraints.

    The invariant is the shared replica and network part
    ([FifoReplicas.clocks_inv], [FifoReplicas.net_inv]), plus: the store
    holds the latest applied write to each key, and a session's token
    covers what it issued (and, with [P.get_merge], what it read) and is
    below every origin's own count.  The generic write and list lemmas
    ([Mechanisms.WriteFacts]) are re-exported for the other mechanisms. *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.Prelude Framework.KeyOrder Framework.Tactics Framework.Events
  Framework.Algorithm Framework.Concrete Framework.Abstract Framework.Refinement
  Representations.Rep Mechanisms.VectorClock Mechanisms.SessionVectors Mechanisms.FifoReplicas.
From KV Require Export Mechanisms.WriteFacts.
Import ListNotations.


Module SessionVectorsProofs (R : REP) (P : SV_POLICY).
  Module Alg := SessionVectors R P.
  Module Ref := Refinement Alg.
  Import Ref.

  Lemma put_spec : forall K V (kcmp : K -> K -> comparison) st tk k (v : V) st' t' m,
    Alg.put kcmp st tk k v = Some (st', t', m) ->
    (P.put_guard = true -> vle tk (Alg.clock st) = true) /\
    st' = Alg.mkSt (Alg.me st) (vset (Alg.clock st) (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)))
                   (R.add kcmp k v (Alg.store st)) /\
    t' = vset tk (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)) /\
    m = Alg.mkMsg (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)) k v.
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

  Section Proofs.
    Variable K : Type.
    Variable kcmp : K -> K -> comparison.
    Hypothesis Hko : key_order kcmp.
    Local Notation keqb := (keq kcmp).
    Lemma keqb_spec : forall a b, keqb a b = true <-> a = b.
    Proof. exact (keq_spec kcmp Hko). Qed.
    Variable n : nat.

    Definition sv_stamp (X : sys K) (r : nat) : stamp := (S (nth r (Alg.clock (rst X r)) 0), r).
    Definition sv_msg_id (m : Alg.msg K nat) : nat := Alg.mval m.

    (** The shared replica and network part ([FifoReplicas]), then what the
        store and the tokens hold. *)
    Record sv_inv (X : sys K) (Ab : astate K) : Prop := {
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
      i_ok : forall j, R.ok kcmp (Alg.store (rst X j))
    }.

    (** Facts of the shared part, under the names the guard lemmas use. *)
    Lemma i_nodup : forall X Ab, sv_inv X Ab -> NoDup (ids (allw Ab)).
    Proof. intros X Ab H; exact (f_nodup _ _ _ _ (i_clocks _ _ H)). Qed.
    Lemma i_app_all : forall X Ab, sv_inv X Ab -> forall r w, In w (applied Ab r) -> In w (allw Ab).
    Proof. intros X Ab H; exact (f_app_all _ _ _ _ (i_clocks _ _ H)). Qed.
    Lemma i_iss_all : forall X Ab, sv_inv X Ab -> forall s w, In w (issued Ab s) -> In w (allw Ab).
    Proof. intros X Ab H; exact (f_iss_all _ _ _ _ (i_clocks _ _ H)). Qed.
    Lemma i_obs_all : forall X Ab, sv_inv X Ab -> forall s w, In w (observed Ab s) -> In w (allw Ab).
    Proof. intros X Ab H; exact (f_obs_all _ _ _ _ (i_clocks _ _ H)). Qed.
    Lemma i_fifo : forall X Ab, sv_inv X Ab -> forall j w, j < n -> In w (allw Ab) ->
      (In w (applied Ab j) <-> fst (wstamp w) <= nth (worig w) (Alg.clock (rst X j)) 0).
    Proof. intros X Ab H; exact (f_fifo _ _ _ _ (i_clocks _ _ H)). Qed.

    Definition sv_rel : sys K -> astate K -> Prop := sv_inv.

    Lemma res_write_latest : forall X Ab r k, sv_inv X Ab ->
      res_write K Ab (option_map wid (latest keqb k (applied Ab r))) = latest keqb k (applied Ab r).
    Proof.
      intros X Ab r k H; pose proof (i_clocks _ _ H) as HC.
      apply res_write_of; [exact (f_nodup _ _ _ _ HC)|].
      intros w E; apply latest_in in E as [Hi _]; exact (f_app_all _ _ _ _ HC r w Hi).
    Qed.

    (** A write is applied at [r] as soon as the clock covers a token that
        covers it. *)
    Lemma covered_applied : forall X Ab r tk w, sv_inv X Ab -> r < n ->
      vle tk (Alg.clock (rst X r)) = true -> In w (allw Ab) ->
      fst (wstamp w) <= nth (worig w) tk 0 -> In (wid w) (ids (applied Ab r)).
    Proof.
      intros X Ab r tk w H; exact (covered_applied_of K n _ _ _ _ _ (i_clocks _ _ H)).
    Qed.

    Lemma sv_ob_init : ob_init K n sv_rel.
    Proof.
      unfold ob_init, sv_rel, sys0; constructor.
      1: apply clocks_inv_init; reflexivity.
      1: apply net_inv_init.
      all: simpl; intros; unfold Alg.init in *; simpl in *; try contradiction; auto.
      - exact (R.find_empty _ _ _ _).
      - apply R.ok_empty.
    Qed.

    Ltac inv_names H :=
      let H0 := fresh in pose proof H as H0;
      destruct H0 as [HC HN Hnext Hme Hstore Hout Htok Htiss Htobs Hrep];
      let H1 := fresh in pose proof HC as H1;
      destruct H1 as [Hidlt Hnodup Hwf Hbound Huniq Hsmono Happ Hiss Hobs Hfifo Hahead Hdense];
      let H2 := fresh in pose proof HN as H2;
      destruct H2 as [Hnet Hnnd Hcomp].

    Lemma sv_get_returns_latest : forall X Ab s r k res t', sv_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        res_write K Ab res = latest keqb k (applied Ab r).
    Proof.
      intros X Ab s r k res t' H Hr Hg.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (_ & -> & _).
      rewrite (i_store _ _ H r k Hr). now apply (res_write_latest X).
    Qed.

    Lemma sv_get_sees_issued : forall X Ab s r k res t', sv_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (ids (issued Ab s)) (ids (applied Ab r)).
    Proof.
      intros X Ab s r k res t' H Hr Hg i Hi.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_iss_all|eapply i_tok_iss]; eauto.
    Qed.

    Lemma sv_get_sees_observed : P.get_merge = true -> forall X Ab s r k res t', sv_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (ids (observed Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hgm X Ab s r k res t' H Hr Hg i Hi.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_obs_all|eapply i_tok_obs]; eauto.
    Qed.

    Lemma sv_put_sees_issued : P.put_guard = true -> forall X Ab s r k st' t' m, sv_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (ids (issued Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hpg X Ab s r k st' t' m H Hr Hp i Hi.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_iss_all|eapply i_tok_iss]; eauto.
    Qed.

    Lemma sv_put_sees_observed : P.put_guard = true -> P.get_merge = true ->
        forall X Ab s r k st' t' m, sv_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (ids (observed Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hpg Hgm X Ab s r k st' t' m H Hr Hp i Hi.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_obs_all|eapply i_tok_obs]; eauto.
    Qed.

    Lemma sv_ob_get : ob_get K kcmp n sv_rel.
    Proof.
      intros X Ab s r k res t' H Hr Hg.
      pose proof (sv_get_returns_latest X Ab s r k res t' H Hr Hg) as Hl.
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
    Qed.

    Lemma sv_ob_put : ob_put K kcmp n sv_rel sv_stamp.
    Proof.
      intros X Ab s r k st' t' m H Hr Hp.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (_ & Hst & Ht & Hm).
      inv_names H.
      rewrite (Hme r Hr) in Hst, Ht, Hm.
      set (sq := S (nth r (Alg.clock (rst X r)) 0)) in *.
      assert (Hsq : sv_stamp X r = (sq, r)) by reflexivity.
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
      - intros x; unfold upd; destruct (Nat.eqb_spec x r); [subst x; rewrite Hst; simpl; apply R.ok_add; auto|auto].
    Qed.

    Lemma sv_ob_deliver : ob_deliver K kcmp n sv_rel sv_msg_id.
    Proof.
      intros X Ab l1 l2 j m H Hnet' Hdel.
      inv_names H.
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (Hnet j m Hinm) as (Hj & Hjo & w & Hw & Ei & Ek & Es & Hna).
      destruct (Hwf w Hw) as (Eo & H1 & Hon).
      simpl in Es, Hjo. rewrite Es in Eo; simpl in Eo.
      unfold Alg.deliverable in Hdel; apply Nat.eqb_eq in Hdel.
      exists w; split; [unfold sv_msg_id; rewrite <- Ei; now apply find_write_of|].
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
      - intros x; unfold upd; destruct (Nat.eqb_spec x j); [subst x; unfold st', Alg.apply; simpl; apply R.ok_add; auto|auto].
    Qed.

    Lemma sv_base_simulation : base_simulation K kcmp n sv_rel sv_stamp sv_msg_id.
    Proof.
      split; [exact sv_ob_init|split; [exact sv_ob_put|split; [exact sv_ob_get|exact sv_ob_deliver]]].
    Qed.

    (** Only FIFO order can block a message: it waits for the previous
        write of its origin, which is older. *)
    Lemma sv_progress_deliver : progress_deliver K sv_rel.
    Proof.
      intros X Ab H Hne.
      apply (some_deliverable _ _ _ _ _ _ _ _ _ (fun j m => Alg.deliverable (rst X j) m)
               (i_clocks _ _ H) (i_network _ _ H) Hne).
      intros j m Hin Hd.
      destruct (n_msg _ _ _ _ _ _ _ _ (i_network _ _ H) j m Hin) as (Hj & _ & w & Hw & Ei & _ & Es & Hna).
      simpl in Es. rewrite <- Ei.
      destruct (f_wf _ _ _ _ (i_clocks _ _ H) w Hw) as (Eo & _). rewrite Es in Eo; simpl in Eo.
      apply (out_of_order_waits_for_older_write _ _ _ _ _ _ (i_clocks _ _ H) Hj Hw Hna).
      unfold Alg.deliverable in Hd; apply Nat.eqb_neq in Hd. rewrite Es, <- Eo; simpl; exact Hd.
    Qed.

    Lemma sv_progress_ops : progress_ops K kcmp n sv_rel.
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
End SessionVectorsProofs.
