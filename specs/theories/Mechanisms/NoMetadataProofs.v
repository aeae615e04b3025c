(** * Proofs for the no-metadata mechanism: base simulation, progress, and
    the one guard lemma it has, [nm_get_returns_latest] (the read rule
    [read_latest]).  No session-guarantee lemma: the mechanism has none.
    Generic list and write lemmas come from [Mechanisms.WriteFacts]. *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.Prelude Framework.KeyOrder Framework.Tactics Framework.Events
  Framework.Algorithm Framework.Concrete Framework.Abstract Framework.Refinement
  Representations.Rep Mechanisms.NoMetadata Mechanisms.WriteFacts.
Import ListNotations.

Module NoMetadataProofs (R : REP) (P : NM_POLICY).
  Module Alg := NoMetadata R P.
  Module Ref := Refinement Alg.
  Import Ref.

  Section Proofs.
    Variable K : Type.
    Variable kcmp : K -> K -> comparison.
    Hypothesis Hko : key_order kcmp.
    Local Notation keqb := (keq kcmp).
    Variable n : nat.

    (** The stamp is a ghost here (no rule reads it): the write's id. *)
    Definition nm_stamp (X : sys K) (r : nat) : stamp := (nextv X, r).
    Definition nm_msg_id (m : Alg.msg K nat) : nat := Alg.mval m.

    Record nm_inv (X : sys K) (Ab : astate K) : Prop := {
      i_next : nextv X = anext Ab;
      i_idlt : forall w, In w (allw Ab) -> wid w < anext Ab;
      i_nodup : NoDup (ids (allw Ab));
      i_app_all : forall r w, In w (applied Ab r) -> In w (allw Ab);
      i_store : forall j k,
        R.find kcmp k (Alg.store (rst X j)) = option_map wid (latest keqb k (applied Ab j));
      i_ok : forall j, R.ok kcmp (Alg.store (rst X j));
      i_net : forall j m, In (j, m) (net X) -> j < n /\
        exists w, In w (allw Ab) /\ wid w = Alg.mval m /\ wkey w = Alg.mkey m /\
          ~ In w (applied Ab j);
      i_net_nodup : NoDup (map (fun p => (fst p, Alg.mval (snd p))) (net X))
    }.

    Definition nm_rel : sys K -> astate K -> Prop := nm_inv.

    Lemma nm_ob_init : ob_init K n nm_rel.
    Proof.
      unfold ob_init, nm_rel, sys0; constructor; simpl; intros;
        try contradiction; try constructor; try apply R.ok_empty.
      unfold Alg.init; simpl; now rewrite R.find_empty.
    Qed.

    Lemma nm_get_returns_latest : forall X Ab s r k res t', nm_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        res_write K Ab res = latest keqb k (applied Ab r).
    Proof.
      intros X Ab s r k res t' H Hr Hg; unfold Alg.get in Hg; inv_some.
      rewrite (i_store _ _ H r k).
      destruct (latest keqb k (applied Ab r)) as [w|] eqn:E; simpl; auto.
      apply latest_in in E as [Hi _].
      apply find_write_of; [apply (i_nodup _ _ H)|]. eapply i_app_all; eauto.
    Qed.

    Lemma nm_ob_get : ob_get K kcmp n nm_rel.
    Proof.
      intros X Ab s r k res t' H Hr Hg.
      pose proof (nm_get_returns_latest X Ab s r k res t' H Hr Hg) as Hl.
      unfold Alg.get in Hg; inv_some.
      rewrite Hl. split; [|split].
      - destruct (latest keqb k (applied Ab r)) as [w|] eqn:E; simpl; auto.
        apply latest_in in E as [Hi Hk]; split; auto; now apply (keq_spec kcmp Hko).
      - now rewrite (i_store _ _ H r k).
      - destruct H; constructor; auto.
    Qed.

    Lemma nm_ob_put : ob_put K kcmp n nm_rel nm_stamp.
    Proof.
      intros X Ab s r k st' t' m H Hr Hp; unfold Alg.put in Hp; inv_some.
      destruct H as [Hnext Hidlt Hnodup Happ Hstore Hrep Hnet Hnnd].
      set (w0 := new_write Ab s r k (nextv X, r)).
      assert (Hfresh : forall w, In w (allw Ab) -> w <> w0).
      { intros w Hw E; apply Hidlt in Hw; subst w; unfold w0 in Hw; simpl in Hw; lia. }
      split; [reflexivity|split; [exact Hnext|]].
      unfold after_put, nm_stamp; fold w0; constructor; simpl.
      - now rewrite Hnext.
      - intros w [<-|Hw]; [unfold w0; simpl; lia|apply Hidlt in Hw; lia].
      - constructor; auto. intros Hi; apply ids_in in Hi as [w [Hw E]].
        apply Hidlt in Hw; unfold w0 in E; simpl in E; lia.
      - intros j w; unfold upd; destruct (Nat.eqb_spec j r); [intros [<-|Hw]; eauto|eauto].
      - intros j k'; unfold upd; destruct (Nat.eqb_spec j r); [subst j|apply Hstore].
        simpl; rewrite R.find_add by first [exact Hko | apply Hrep].
        rewrite Hstore; unfold w0; simpl.
        destruct (keqb k k'); simpl; congruence.
      - intros j; unfold upd; destruct (Nat.eqb_spec j r); [simpl; apply R.ok_add; auto|auto].
      - intros j m0 Hin; apply in_app_iff in Hin as [Hin|Hin].
        + destruct (Hnet j m0 Hin) as (Hj & w & Hw & E1 & E2 & Hna).
          split; [auto|exists w; repeat split; auto].
          unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto].
          intros [E|Hi]; [eapply Hfresh; eauto|contradiction].
        + unfold broadcast in Hin; apply in_map_iff in Hin as [j' [E Hj']].
          injection E as <- <-. apply filter_In in Hj' as [Hj' Hjr].
          apply in_seq in Hj'. apply negb_true_iff, Nat.eqb_neq in Hjr.
          split; [lia|exists w0; simpl; repeat split; auto].
          unfold upd; destruct (Nat.eqb_spec j' r); [contradiction|].
          intros Hi; apply Happ in Hi; eapply Hfresh; eauto.
      - unfold broadcast; rewrite map_app, map_map; simpl.
        apply NoDup_app'; auto.
        + apply NoDup_map_pair, NoDup_filter, seq_NoDup.
        + intros x Hx Hx'. apply in_map_iff in Hx as [[j1 m1] [<- Hin]].
          apply in_map_iff in Hx' as [j2 [E _]]. simpl in E. injection E as _ E.
          destruct (Hnet j1 m1 Hin) as (_ & w & Hw & E1 & _).
          apply Hidlt in Hw. lia.
    Qed.

    Lemma nm_ob_deliver : ob_deliver K kcmp n nm_rel nm_msg_id.
    Proof.
      intros X Ab l1 l2 j m H Hnet' _.
      destruct H as [Hnext Hidlt Hnodup Happ Hstore Hrep Hnet Hnnd].
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (Hnet j m Hinm) as (Hj & w & Hw & Ei & Ek & Hna).
      exists w; split; [unfold nm_msg_id; rewrite <- Ei; now apply find_write_of|].
      split; [exact Hj|split].
      { intros Hi; apply ids_in in Hi as [w' [Hw' E]]. apply Hna.
        replace w with w'; auto. eapply wid_inj; eauto. }
      unfold after_apply; constructor; simpl; auto.
      - intros r w'; unfold upd; destruct (Nat.eqb_spec r j); [subst r|eauto]. intros [<-|Hi]; eauto.
      - intros x k'; unfold upd; destruct (Nat.eqb_spec x j); [subst x|auto].
        unfold Alg.apply; simpl.
        rewrite R.find_add by first [exact Hko | apply Hrep]. rewrite Hstore.
        rewrite Ek; destruct (keqb (Alg.mkey m) k'); simpl; congruence.
      - intros x; unfold upd; destruct (Nat.eqb_spec x j); [subst x; unfold Alg.apply; simpl; apply R.ok_add; auto|auto].
      - intros j' m' Hin.
        assert (Hin' : In (j', m') (net X))
          by (rewrite Hnet'; apply in_app_iff in Hin as [?|?]; apply in_or_app; simpl; auto).
        destruct (Hnet j' m' Hin') as (Hj' & w' & Hw' & Ei' & Ek' & Hna').
        split; [auto|exists w'; repeat split; auto].
        unfold upd; destruct (Nat.eqb_spec j' j); [subst j'|auto].
        intros [E|Hi]; [|contradiction].
        subst w'.
        pose proof Hnnd as Hnd. rewrite Hnet', map_app in Hnd. simpl in Hnd.
        apply NoDup_remove_2 in Hnd. apply Hnd. rewrite <- map_app. apply in_map_iff.
        exists (j, m'); split; auto. simpl. congruence.
      - rewrite Hnet', !map_app in Hnnd; rewrite map_app; simpl in Hnnd.
        eapply NoDup_remove_1; exact Hnnd.
    Qed.

    Lemma nm_base_simulation : base_simulation K kcmp n nm_rel nm_stamp nm_msg_id.
    Proof.
      split; [exact nm_ob_init|split; [exact nm_ob_put|split; [exact nm_ob_get|exact nm_ob_deliver]]].
    Qed.

    (** Every message is deliverable: the first one in flight will do. *)
    Lemma nm_progress_deliver : progress_deliver K nm_rel.
    Proof.
      intros X Ab _ Hne.
      destruct (net X) as [|[j m] l] eqn:E; [congruence|].
      exists [], j, m, l; split; reflexivity.
    Qed.

    (** Puts and gets never wait. *)
    Lemma nm_progress_ops : progress_ops K kcmp n nm_rel.
    Proof. intros X Ab s r k v _ _ _; split; eexists; reflexivity. Qed.
  End Proofs.
End NoMetadataProofs.
