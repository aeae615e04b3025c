(** * Proofs for the session-vector mechanism: base simulation, progress and
    the guard lemmas used to discharge the session-guarantee constraints. *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.Prelude Framework.KeyOrder Framework.Tactics Framework.Events
  Framework.Algorithm Framework.Concrete Framework.Abstract Framework.Refinement
  Representations.Rep Mechanisms.VectorClock Mechanisms.SessionVectors.
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
    t' = (if P.get_merge then vmax tk (Alg.clock st) else tk).
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

    Record sv_inv (X : sys K) (Ab : astate K) : Prop := {
      i_next : nextv X = anext Ab;
      i_idlt : forall w, In w (allw Ab) -> wid w < anext Ab;
      i_nodup : NoDup (ids (allw Ab));
      i_wf : forall w, In w (allw Ab) -> snd (wstamp w) = worig w /\ 1 <= fst (wstamp w) /\ worig w < n;
      i_bound : forall w, In w (allw Ab) ->
        fst (wstamp w) <= nth (worig w) (Alg.clock (rst X (worig w))) 0;
      i_stamp_uniq : forall w w', In w (allw Ab) -> In w' (allw Ab) -> wstamp w = wstamp w' -> w = w';
      i_app_all : forall r w, In w (applied Ab r) -> In w (allw Ab);
      i_iss_all : forall s w, In w (issued Ab s) -> In w (allw Ab);
      i_obs_all : forall s w, In w (observed Ab s) -> In w (allw Ab);
      i_me : forall j, j < n -> Alg.me (rst X j) = j;
      i_store : forall j k, j < n ->
        R.find kcmp k (Alg.store (rst X j)) = option_map wid (latest keqb k (applied Ab j));
      i_fifo : forall j w, j < n -> In w (allw Ab) ->
        (In w (applied Ab j) <-> fst (wstamp w) <= nth (worig w) (Alg.clock (rst X j)) 0);
      i_ahead : forall j o, j < n ->
        nth o (Alg.clock (rst X j)) 0 <= nth o (Alg.clock (rst X o)) 0;
      i_out : forall o, n <= o -> rst X o = Alg.init n o;
      i_dense : forall o x, o < n -> 1 <= x <= nth o (Alg.clock (rst X o)) 0 ->
        exists w, In w (allw Ab) /\ wstamp w = (x, o);
      i_tok : forall s o, nth o (tok X s) 0 <= nth o (Alg.clock (rst X o)) 0;
      i_tok_iss : forall s w, In w (issued Ab s) -> fst (wstamp w) <= nth (worig w) (tok X s) 0;
      i_tok_obs : P.get_merge = true -> forall s w, In w (observed Ab s) ->
        fst (wstamp w) <= nth (worig w) (tok X s) 0;
      i_net : forall j m, In (j, m) (net X) -> j < n /\ j <> Alg.morig m /\
        exists w, In w (allw Ab) /\ wid w = Alg.mval m /\ wkey w = Alg.mkey m /\
          wstamp w = (Alg.mseq m, Alg.morig m) /\ ~ In w (applied Ab j);
      i_net_nodup : NoDup (map (fun p => (fst p, Alg.mval (snd p))) (net X));
      i_complete : forall w j, In w (allw Ab) -> j < n -> ~ In w (applied Ab j) ->
        exists m, In (j, m) (net X) /\ Alg.mval m = wid w;
      i_ok : forall j, R.ok kcmp (Alg.store (rst X j))
    }.

    Definition sv_rel : sys K -> astate K -> Prop := sv_inv.

    Lemma find_write_of : forall Ab w, NoDup (ids (allw Ab)) -> In w (allw Ab) ->
      find_write K Ab (wid w) = Some w.
    Proof.
      intros Ab w Hn Hw; unfold find_write.
      destruct (find (fun w' => Nat.eqb (wid w') (wid w)) (allw Ab)) eqn:E.
      - apply find_some in E as [Hi He]; apply Nat.eqb_eq in He.
        f_equal; eapply wid_inj; eauto.
      - exfalso; eapply find_none in E; eauto. now rewrite Nat.eqb_refl in E.
    Qed.

    Lemma res_write_latest : forall X Ab r k, sv_inv X Ab ->
      res_write K Ab (option_map wid (latest keqb k (applied Ab r))) = latest keqb k (applied Ab r).
    Proof.
      intros X Ab r k H.
      destruct (latest keqb k (applied Ab r)) as [w|] eqn:E; simpl; auto.
      apply latest_in in E as [Hi _].
      apply find_write_of; [apply (i_nodup _ _ H)|]. eapply i_app_all; eauto.
    Qed.

    (** A write is applied at [r] as soon as the clock covers a token that
        covers it. *)
    Lemma covered_applied : forall X Ab r tk w, sv_inv X Ab -> r < n ->
      vle tk (Alg.clock (rst X r)) = true -> In w (allw Ab) ->
      fst (wstamp w) <= nth (worig w) tk 0 -> In (wid w) (ids (applied Ab r)).
    Proof.
      intros X Ab r tk w H Hr Hv Hw Hs.
      apply in_ids. apply (i_fifo _ _ H r w Hr Hw).
      apply vle_spec with (i := worig w) in Hv; lia.
    Qed.

    Lemma sv_ob_init : ob_init K n sv_rel.
    Proof.
      unfold ob_init, sv_rel, sys0; constructor; simpl; intros;
        try apply R.ok_empty;
        unfold Alg.init in *; simpl in *; try contradiction; auto;
        try constructor; try (rewrite ?nth_nil0 in *; lia).
      now rewrite R.find_empty.
      exfalso; destruct o; simpl in *; lia.
    Qed.

    Ltac inv_names H :=
      let H0 := fresh in pose proof H as H0;
      destruct H0 as [Hnext Hidlt Hnodup Hwf Hbound Huniq Happ Hiss Hobs Hme Hstore
                      Hfifo Hahead Hout Hdense Htok Htiss Htobs Hnet Hnnd Hcomp Hrep].

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
      { intros o; subst t'; destruct P.get_merge; auto. rewrite nth_vmax; lia. }
      inv_names H.
      rewrite Hl. split; [|split].
      - destruct (latest keqb k (applied Ab r)) as [w|] eqn:E; simpl; auto.
        apply latest_in in E as [Hi Hk]; split; auto; now apply keqb_spec.
      - now rewrite Hres'.
      - unfold after_get; constructor; simpl; try assumption.
        + intros s0 w; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|apply Hobs].
          destruct (latest keqb k (applied Ab r)) as [w'|] eqn:E; simpl; [|apply Hobs].
          intros [<-|Hi]; [|eapply Hobs; eauto].
          apply latest_in in E as [Hi _]; eauto.
        + intros s0 o; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|apply Htok].
          subst t'; destruct P.get_merge; [|apply Htok].
          rewrite nth_vmax; specialize (Htok s o); specialize (Hahead r o Hr); lia.
        + intros s0 w Hw; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          specialize (Htiss s w Hw); specialize (Hmono (worig w)); lia.
        + intros Hgm s0 w Hw; unfold upd in *; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          rewrite Hgm in Ht; subst t'.
          destruct (latest keqb k (applied Ab r)) as [w'|] eqn:E; simpl in Hw;
            [destruct Hw as [<-|Hw]|].
          * apply latest_in in E as [Hi _].
            apply (Hfifo r w' Hr (Happ _ _ Hi)) in Hi. rewrite nth_vmax; lia.
          * specialize (Htobs Hgm s w Hw); rewrite nth_vmax; lia.
          * specialize (Htobs Hgm s w Hw); rewrite nth_vmax; lia.
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
      rewrite Hsq; unfold after_put, new_write; simpl.
      set (w0 := mkW (anext Ab) k r s (sq, r) (ids (issued Ab s)) (ids (observed Ab s)) (cpast Ab s)).
      assert (Hw0 : ~ In w0 (allw Ab)) by (intros Hi; apply Hidlt in Hi; simpl in Hi; lia).
      assert (Hne : forall w, In w (allw Ab) -> w <> w0) by (intros w Hw E; subst; contradiction).
      assert (Hcl : forall j, Alg.clock (upd (rst X) r st' j) =
                if Nat.eqb j r then vset (Alg.clock (rst X r)) r sq else Alg.clock (rst X j))
        by (intros j; unfold upd; destruct (Nat.eqb j r); subst; reflexivity).
      assert (Hdiag : forall o, nth o (Alg.clock (rst X o)) 0 <= nth o (Alg.clock (upd (rst X) r st' o)) 0).
      { intros o; rewrite Hcl; destruct (Nat.eqb_spec o r); [subst; rewrite nth_vset, Nat.eqb_refl; lia|lia]. }
      assert (Hrr : nth r (Alg.clock (upd (rst X) r st' r)) 0 = sq)
        by (rewrite Hcl, Nat.eqb_refl, nth_vset, Nat.eqb_refl; reflexivity).
      assert (Htk : forall o, nth o (upd (tok X) s t' s) 0 = if Nat.eqb o r then sq else nth o (tok X s) 0)
        by (intros o; rewrite upd_same, Ht, nth_vset; reflexivity).
      assert (Hbr : forall o, nth o (tok X s) 0 <= nth o t' 0).
      { intros o; rewrite Ht, nth_vset; destruct (Nat.eqb_spec o r); [subst; specialize (Htok s r); lia|lia]. }
      constructor; simpl.
      - now rewrite Hnext.
      - intros w [<-|Hw]; simpl; [lia|apply Hidlt in Hw; lia].
      - constructor; auto. intros Hi; apply ids_in in Hi as [w [Hw E]]; apply Hidlt in Hw; lia.
      - intros w [<-|Hw]; simpl; [lia|auto].
      - intros w [<-|Hw]; simpl; [rewrite Hrr; lia|].
        specialize (Hbound w Hw); specialize (Hdiag (worig w)); lia.
      - intros w w' [<-|Hw] [<-|Hw'] E; auto.
        + destruct (Hwf w' Hw') as [E1 _]; rewrite <- E in E1; simpl in E1.
          specialize (Hbound w' Hw'); rewrite <- E, <- E1 in Hbound; simpl in Hbound; lia.
        + destruct (Hwf w Hw) as [E1 _]; rewrite E in E1; simpl in E1.
          specialize (Hbound w Hw); rewrite E, <- E1 in Hbound; simpl in Hbound; lia.
      - intros j w; unfold upd; destruct (Nat.eqb_spec j r); [subst j|]; eauto.
        intros [<-|Hw]; eauto.
      - intros s0 w; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|]; eauto.
        intros [<-|Hw]; eauto.
      - eauto.
      - intros j Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst; reflexivity|auto].
      - intros j k' Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto]. rewrite Hst; simpl.
        rewrite R.find_add by first [exact Hko | apply Hrep]. rewrite Hstore by exact Hr.
        destruct (keqb k k'); simpl; congruence.
      - intros j w Hj [<-|Hw].
        + simpl; rewrite Hcl; unfold upd; destruct (Nat.eqb_spec j r).
          * subst; rewrite nth_vset, Nat.eqb_refl; simpl; split; auto; lia.
          * split; [intros Hi; apply Happ in Hi; contradiction|].
            specialize (Hahead j r Hj); lia.
        + rewrite Hcl; unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto].
          rewrite nth_vset; simpl.
          rewrite (Hfifo r w Hr Hw).
          destruct (Nat.eqb_spec (worig w) r); [|split; [intros [E|Hi]; [exfalso; eapply Hne; eauto|auto]|auto]].
          specialize (Hbound w Hw); rewrite e in Hbound.
          split; [intros _; lia|intros _; right; rewrite ?e; lia].
      - intros j o Hj; rewrite !Hcl.
        destruct (Nat.eqb_spec j r), (Nat.eqb_spec o r); subst; rewrite ?nth_vset, ?Nat.eqb_refl; auto.
        + destruct (Nat.eqb_spec o r); [contradiction|auto].
        + specialize (Hahead j r Hj); lia.
      - intros o Ho; unfold upd; destruct (Nat.eqb_spec o r); [lia|auto].
      - intros o x Ho Hx; rewrite Hcl in Hx; destruct (Nat.eqb_spec o r).
        + subst o; rewrite nth_vset, Nat.eqb_refl in Hx.
          destruct (Nat.eq_dec x sq); [subst; exists w0; simpl; auto|].
          destruct (Hdense r x Hr) as [w [Hw E]]; [unfold sq in *; lia|]. eauto.
        + destruct (Hdense o x Ho Hx) as [w [Hw E]]; eauto.
      - intros s0 o; unfold upd at 1; destruct (Nat.eqb_spec s0 s).
        + subst s0; rewrite Ht, nth_vset; destruct (Nat.eqb_spec o r); [subst; lia|].
          specialize (Htok s o); specialize (Hdiag o); lia.
        + specialize (Htok s0 o); specialize (Hdiag o); lia.
      - intros s0 w; destruct (Nat.eqb_spec s0 s) as [->|Hs]; [rewrite !upd_same|rewrite !upd_other by exact Hs; auto].
        intros [<-|Hw]; [simpl; rewrite Ht, nth_vset, Nat.eqb_refl; lia|].
        specialize (Htiss s w Hw); specialize (Hbr (worig w)); lia.
      - intros Hgm s0 w Hw; destruct (Nat.eqb_spec s0 s) as [->|Hs]; [rewrite !upd_same|rewrite !upd_other by exact Hs; auto].
        specialize (Htobs Hgm s w Hw); specialize (Hbr (worig w)); lia.
      - intros j m0 Hin; apply in_app_iff in Hin as [Hin|Hin].
        + destruct (Hnet j m0 Hin) as (Hj & Hjo & w & Hw & E1 & E2 & E3 & Hna).
          split; [auto|split; [auto|]]. exists w; split; [auto|]. repeat split; auto.
          unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto].
          intros [E|Hi]; [eapply Hne; eauto|contradiction].
        + unfold broadcast in Hin; apply in_map_iff in Hin as [j' [E Hj']].
          injection E as <- <-. apply filter_In in Hj' as [Hj' Hjr].
          apply in_seq in Hj'. apply negb_true_iff, Nat.eqb_neq in Hjr.
          rewrite Hm; simpl. split; [lia|split; [auto|]].
          exists w0; split; [auto|]. simpl; repeat split; try congruence.
          unfold upd; destruct (Nat.eqb_spec j' r); [contradiction|].
          intros Hi; apply Happ in Hi; contradiction.
      - unfold broadcast; rewrite map_app, map_map; simpl.
        apply NoDup_app'; auto.
        + apply NoDup_map_pair, NoDup_filter, seq_NoDup.
        + intros x Hx Hx'. apply in_map_iff in Hx as [[j1 m1] [<- Hin]].
          apply in_map_iff in Hx' as [j2 [E _]]. simpl in E. injection E as _ E.
          destruct (Hnet j1 m1 Hin) as (_ & _ & w & Hw & E1 & _).
          apply Hidlt in Hw. rewrite Hm in E; simpl in E. lia.
      - intros w j [<-|Hw] Hj Hna.
        + unfold upd in Hna; destruct (Nat.eqb_spec j r); [subst; exfalso; apply Hna; simpl; auto|].
          exists m; split; [apply in_app_iff; right|rewrite Hm; simpl; congruence].
          unfold broadcast; apply in_map_iff; exists j; split; auto.
          apply filter_In; split; [apply in_seq; lia|apply negb_true_iff, Nat.eqb_neq; auto].
        + destruct (Hcomp w j Hw Hj) as [m1 [Hin E]].
          * unfold upd in Hna; destruct (Nat.eqb_spec j r); [subst; intros Hi; apply Hna; simpl; auto|auto].
          * exists m1; split; auto; apply in_app_iff; auto.
      - intros x; unfold upd; destruct (Nat.eqb_spec x r); [subst x; rewrite Hst; simpl; apply R.ok_add; auto|auto].
    Qed.

    Lemma sv_ob_deliver : ob_deliver K kcmp n sv_rel sv_msg_id.
    Proof.
      intros X Ab l1 l2 j m H Hnet' Hdel.
      inv_names H.
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (Hnet j m Hinm) as (Hj & Hjo & w & Hw & Ei & Ek & Es & Hna).
      destruct (Hwf w Hw) as (Eo & H1 & Hon).
      rewrite Es in Eo; simpl in Eo.
      unfold Alg.deliverable in Hdel; apply Nat.eqb_eq in Hdel.
      exists w; split; [unfold sv_msg_id; rewrite <- Ei; now apply find_write_of|].
      split; [exact Hj|split].
      { intros Hi; apply ids_in in Hi as [w' [Hw' E]]. apply Hna.
        replace w with w'; auto. eapply wid_inj; eauto. }
      set (st' := Alg.apply kcmp (rst X j) m).
      assert (Hcl : forall x, Alg.clock (upd (rst X) j st' x) =
                if Nat.eqb x j then vset (Alg.clock (rst X j)) (Alg.morig m) (Alg.mseq m)
                else Alg.clock (rst X x))
        by (intros x; unfold upd; destruct (Nat.eqb x j); reflexivity).
      assert (Hdiag : forall o, nth o (Alg.clock (upd (rst X) j st' o)) 0 = nth o (Alg.clock (rst X o)) 0).
      { intros o; rewrite Hcl; destruct (Nat.eqb_spec o j); [subst; rewrite nth_vset;
          destruct (Nat.eqb_spec j (Alg.morig m)); [contradiction|auto]|auto]. }
      unfold after_apply; constructor; simpl; try assumption.
      - intros w'; rewrite Hdiag; auto.
      - intros r w'; unfold upd; destruct (Nat.eqb_spec r j); [subst r|eauto]. intros [<-|Hi]; eauto.
      - intros x Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x; apply Hme; auto|auto].
      - intros x k' Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x|auto].
        unfold st', Alg.apply; simpl.
        rewrite R.find_add by first [exact Hko | apply Hrep]. rewrite Hstore by exact Hj.
        rewrite Ek; destruct (keqb (Alg.mkey m) k'); simpl; congruence.
      - intros x w' Hx Hw'; rewrite Hcl; unfold upd; destruct (Nat.eqb_spec x j); [subst x|auto].
        rewrite nth_vset. simpl.
        destruct (Nat.eqb_spec (worig w') (Alg.morig m)).
        + rewrite (Hfifo j w' Hj Hw'), e. split.
          * intros [<-|Hi]; [rewrite Es; simpl; lia|lia].
          * intros Hle. destruct (Nat.eq_dec (fst (wstamp w')) (Alg.mseq m)); [left|right; lia].
            apply Huniq; auto. rewrite Es.
            destruct (Hwf w' Hw') as (Eo' & _).
            apply injective_projections; simpl; congruence.
        + rewrite (Hfifo j w' Hj Hw'). split; [intros [<-|Hi]; [congruence|auto]|intros Hi; right; exact Hi].
      - intros x o Hx; rewrite Hdiag, Hcl; destruct (Nat.eqb_spec x j); [subst x|auto].
        rewrite nth_vset; destruct (Nat.eqb_spec o (Alg.morig m)); [|auto].
        subst o. specialize (Hbound w Hw). rewrite Es in Hbound; simpl in Hbound.
        rewrite Eo; lia.
      - intros o Ho; unfold upd; destruct (Nat.eqb_spec o j); [lia|auto].
      - intros o x Ho Hx; rewrite Hdiag in Hx; auto.
      - intros s o; rewrite Hdiag; auto.
      - intros j' m' Hin.
        assert (Hin' : In (j', m') (net X))
          by (rewrite Hnet'; apply in_app_iff in Hin as [?|?]; apply in_or_app; simpl; auto).
        destruct (Hnet j' m' Hin') as (Hj' & Hjo' & w' & Hw' & Ei' & Ek' & Es' & Hna').
        split; [auto|split; [auto|exists w'; repeat split; auto]].
        unfold upd; destruct (Nat.eqb_spec j' j); [subst j'|auto].
        intros [E|Hi]; [|contradiction].
        subst w'.
        pose proof Hnnd as Hnd. rewrite Hnet', map_app in Hnd. simpl in Hnd.
        apply NoDup_remove_2 in Hnd. apply Hnd. rewrite <- map_app. apply in_map_iff.
        exists (j, m'); split; auto. simpl. congruence.
      - rewrite Hnet', !map_app in Hnnd; rewrite map_app; simpl in Hnnd.
        eapply NoDup_remove_1; exact Hnnd.
      - intros w' x Hw' Hx Hna'.
        assert (Hna0 : ~ In w' (applied Ab x))
          by (intros Hi; apply Hna'; unfold upd; destruct (Nat.eqb_spec x j); subst; simpl; auto).
        destruct (Hcomp w' x Hw' Hx Hna0) as [m' [Hin E]].
        exists m'; split; auto.
        rewrite Hnet' in Hin. apply in_app_iff in Hin as [Hin|[Hin|Hin]];
          try (apply in_or_app; simpl; auto; fail).
        injection Hin as E1 E2; subst.
        exfalso; apply Hna'; unfold upd; rewrite Nat.eqb_refl; left.
        eapply wid_inj; eauto. congruence.
      - intros x; unfold upd; destruct (Nat.eqb_spec x j); [subst x; unfold st', Alg.apply; simpl; apply R.ok_add; auto|auto].
    Qed.

    Lemma sv_base_simulation : base_simulation K kcmp n sv_rel sv_stamp sv_msg_id.
    Proof.
      split; [exact sv_ob_init|split; [exact sv_ob_put|split; [exact sv_ob_get|exact sv_ob_deliver]]].
    Qed.

    Lemma sv_progress_deliver : progress_deliver K sv_rel.
    Proof.
      intros X Ab H Hne. inv_names H.
      assert (Hex : exists j m, In (j, m) (net X))
        by (destruct (net X) as [|[j m] l]; [congruence|exists j, m; simpl; auto]).
      destruct Hex as [j [m Hin]].
      destruct (Hnet j m Hin) as (Hj & Hjo & w & Hw & Ei & Ek & Es & Hna).
      destruct (Hwf w Hw) as (Eo & H1 & Hon). rewrite Es in Eo; simpl in Eo.
      set (o := Alg.morig m) in *.
      assert (Hlt : nth o (Alg.clock (rst X j)) 0 < Alg.mseq m).
      { destruct (Nat.lt_ge_cases (nth o (Alg.clock (rst X j)) 0) (Alg.mseq m)) as [?|Hge]; auto.
        exfalso; apply Hna, (Hfifo j w Hj Hw). rewrite Es, <- Eo; simpl; lia. }
      specialize (Hbound w Hw). rewrite Es, <- Eo in Hbound; simpl in Hbound.
      destruct (Hdense o (S (nth o (Alg.clock (rst X j)) 0))) as [w2 [Hw2 Es2]]; [lia|lia|].
      destruct (Hwf w2 Hw2) as (Eo2 & _). rewrite Es2 in Eo2; simpl in Eo2.
      assert (Hna2 : ~ In w2 (applied Ab j)).
      { intros Hi; apply (Hfifo j w2 Hj Hw2) in Hi; rewrite Es2, <- Eo2 in Hi; simpl in Hi; lia. }
      destruct (Hcomp w2 j Hw2 Hj Hna2) as [m2 [Hin2 E2]].
      destruct (Hnet j m2 Hin2) as (_ & _ & w3 & Hw3 & Ei3 & _ & Es3 & _).
      assert (w3 = w2) by (eapply wid_inj; eauto; congruence). subst w3.
      rewrite Es2 in Es3; injection Es3 as Eq1 Eq2.
      apply in_split in Hin2 as [l1 [l2 E]].
      exists l1, j, m2, l2; split; auto.
      unfold Alg.deliverable. apply Nat.eqb_eq. rewrite <- Eq2, <- Eq1. reflexivity.
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
