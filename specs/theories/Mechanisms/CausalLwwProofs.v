(** * Proofs for the causal+ mechanism (causal delivery, Lamport clocks,
    last-writer-wins): base simulation, progress, the guard lemmas of the
    session-guarantee and causal constraints, and the read rule
    [read_arbitrated].

    The invariant is the one of [CausalVectorsProofs.cv_inv] where the
    per-origin sequence number of an abstract write, which no longer is the
    logical time of its stamp, is given by a map [sq] from write identifiers
    (the relation quantifies over it), plus:
    - [i_lt]: the Lamport time of a replica is at least the time of every
      write it applied (so a put's stamp is greater than all of them);
    - [i_stamp_uniq]: abstract stamps are unique (the origin's Lamport time
      strictly increases at each of its puts);
    - [i_store]: the entry a replica stores for a key is the stamp and value
      of [arb_max] of the writes to that key it applied. *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.Prelude Framework.KeyOrder Framework.Tactics Framework.Events
  Framework.Algorithm Framework.Concrete Framework.Abstract Framework.Refinement
  Specs.ReadRules Representations.Rep Mechanisms.VectorClock Mechanisms.CausalLww
  Mechanisms.SessionVectorsProofs Mechanisms.CausalVectorsProofs.
Import ListNotations.

(** ** The lexicographic order on stamps *)
Lemma stamp_ltb_asym : forall a b, stamp_ltb a b = true -> stamp_ltb b a = false.
Proof.
  intros [a1 a2] [b1 b2]; unfold stamp_ltb; simpl.
  destruct (Nat.ltb_spec a1 b1), (Nat.ltb_spec b1 a1), (Nat.eqb_spec a1 b1), (Nat.eqb_spec b1 a1),
    (Nat.ltb_spec a2 b2), (Nat.ltb_spec b2 a2); simpl; intros; try lia; auto.
Qed.

Lemma stamp_ltb_total : forall a b, a <> b -> stamp_ltb a b = false -> stamp_ltb b a = true.
Proof.
  intros [a1 a2] [b1 b2] Hne; unfold stamp_ltb; simpl.
  destruct (Nat.ltb_spec a1 b1), (Nat.ltb_spec b1 a1), (Nat.eqb_spec a1 b1), (Nat.eqb_spec b1 a1),
    (Nat.ltb_spec a2 b2), (Nat.ltb_spec b2 a2); simpl; intros; try lia; auto.
  all: exfalso; apply Hne; f_equal; lia.
Qed.

Lemma stamp_ltb_fst : forall a b, fst b < fst a -> stamp_ltb a b = false.
Proof.
  intros [a1 a2] [b1 b2]; unfold stamp_ltb; simpl; intros.
  destruct (Nat.ltb_spec a1 b1), (Nat.eqb_spec a1 b1); simpl; auto; lia.
Qed.

Lemma arb_max_in : forall K keqb (k : K) l w,
  arb_max keqb k l = Some w -> In w l /\ keqb (wkey w) k = true.
Proof.
  induction l as [|a l IH]; simpl; intros w H; [discriminate|].
  destruct (keqb (wkey a) k) eqn:E.
  - destruct (arb_max keqb k l) as [w'|] eqn:E'.
    + destruct (stamp_ltb (wstamp a) (wstamp w')); injection H as <-; auto.
      destruct (IH w' eq_refl); auto.
    + injection H as <-; auto.
  - destruct (IH _ H); auto.
Qed.

Module CausalLwwProofs (R : REP) (P : LWW_POLICY).
  Module Alg := CausalLww R P.
  Module Ref := Refinement Alg.
  Import Ref.

  Lemma put_spec : forall K V (kcmp : K -> K -> comparison) st tk k (v : V) st' t' m,
    Alg.put kcmp st tk k v = Some (st', t', m) ->
    (P.put_guard = true -> vle tk (Alg.clock st) = true) /\
    st' = Alg.mkSt (Alg.me st) (vset (Alg.clock st) (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)))
                   (S (Alg.lt st)) (R.add kcmp k ((S (Alg.lt st), Alg.me st), v) (Alg.store st)) /\
    t' = vset tk (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)) /\
    m = Alg.mkMsg (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)) (Alg.clock st) k v
                  (S (Alg.lt st), Alg.me st).
  Proof.
    unfold Alg.put; intros K V kcmp st tk k v st' t' m H.
    destruct P.put_guard; simpl in H.
    - destruct (vle tk (Alg.clock st)); simpl in H; inv_some; auto.
    - inv_some; split; auto; discriminate.
  Qed.

  Lemma get_spec : forall K V (kcmp : K -> K -> comparison) st tk k (res : option V) t',
    Alg.get kcmp st tk k = Some (res, t') ->
    vle tk (Alg.clock st) = true /\ res = option_map snd (R.find kcmp k (Alg.store st)) /\
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

    (** The abstract write's stamp is the Lamport stamp of the put. *)
    Definition lww_stamp (X : sys K) (r : nat) : stamp := (S (Alg.lt (rst X r)), r).
    Definition lww_msg_id (m : Alg.msg K nat) : nat := Alg.mval m.

    (** What a replica stores for a write. *)
    Definition entry (w : write K) : nat * nat * nat := (wstamp w, wid w).

    (** [covers sq aw v l]: every identifier of [l] is a write of [aw] whose
        sequence number is at most [v] at its origin. *)
    Definition covers (sq : nat -> nat) (aw : list (write K)) (v : list nat) (l : list nat) : Prop :=
      forall i, In i l -> exists w, In w aw /\ wid w = i /\ sq (wid w) <= nth (worig w) v 0.

    Lemma covers_mono' : forall sq sq' aw aw' v v' l, covers sq aw v l ->
      (forall x, In x aw -> In x aw') -> (forall o, nth o v 0 <= nth o v' 0) ->
      (forall x, In x aw -> sq' (wid x) = sq (wid x)) ->
      covers sq' aw' v' l.
    Proof.
      intros sq sq' aw aw' v v' l H Ha Hv Hq i Hi; destruct (H i Hi) as [w (Hw & E & Hs)].
      exists w; split; [auto|split; [auto|]]. rewrite (Hq w Hw). specialize (Hv (worig w)); lia.
    Qed.

    Lemma covers_mono : forall sq aw aw' v v' l, covers sq aw v l ->
      (forall x, In x aw -> In x aw') -> (forall o, nth o v 0 <= nth o v' 0) ->
      covers sq aw' v' l.
    Proof. intros; eapply covers_mono'; eauto. Qed.

    Lemma covers_sub : forall sq aw v l L,
      (forall w, In w aw -> sq (wid w) <= nth (worig w) v 0 -> In (wid w) L) ->
      covers sq aw v l -> sub l L.
    Proof.
      intros sq aw v l L H Hc i Hi; destruct (Hc i Hi) as [w (Hw & <- & Hs)]; auto.
    Qed.

    Lemma sub_cons : forall l (x : write K) l2, sub l (ids l2) -> sub l (ids (x :: l2)).
    Proof. intros l x l2 H i Hi; simpl; right; auto. Qed.

    (** What an in-flight message [m] of write [w] depends on. *)
    Record msg_ok (sq : nat -> nat) (aw : list (write K)) (rs : nat -> Alg.state K nat)
        (m : Alg.msg K nat) (w : write K) : Prop := {
      d_orig : S (nth (Alg.morig m) (Alg.mdeps m) 0) = Alg.mseq m;
      d_le : forall o, nth o (Alg.mdeps m) 0 <= nth o (Alg.clock (rs o)) 0;
      d_lt : forall w', In w' aw -> sq (wid w') <= nth (worig w') (Alg.mdeps m) 0 ->
        wid w' < wid w;
      d_sessw : P.put_guard = true -> covers sq aw (Alg.mdeps m) (wsessw w);
      d_obs : P.put_guard = true -> P.get_merge = true -> covers sq aw (Alg.mdeps m) (wobs w);
      d_deps : P.put_guard = true -> P.get_merge = true -> covers sq aw (Alg.mdeps m) (wdeps w)
    }.

    Lemma msg_ok_mono : forall sq sq' aw aw' rs rs' m w, msg_ok sq aw rs m w ->
      (forall x, In x aw -> In x aw') ->
      (forall o, nth o (Alg.clock (rs o)) 0 <= nth o (Alg.clock (rs' o)) 0) ->
      (forall x, In x aw -> sq' (wid x) = sq (wid x)) ->
      (forall x, In x aw' -> In x aw \/ nth (worig x) (Alg.mdeps m) 0 < sq' (wid x)) ->
      msg_ok sq' aw' rs' m w.
    Proof.
      intros sq sq' aw aw' rs rs' m w [H1 H2 H3 H4 H5 H6] Ha Hd Hq Hn; constructor; auto.
      - intros o; specialize (H2 o); specialize (Hd o); lia.
      - intros w' Hw' Hs; destruct (Hn w' Hw') as [Hi|Hi]; [rewrite (Hq w' Hi) in Hs; auto|lia].
      - intros Hp; eapply covers_mono'; eauto.
      - intros Hp Hg; eapply covers_mono'; eauto.
      - intros Hp Hg; eapply covers_mono'; eauto.
    Qed.

    Record lww_inv (sq : nat -> nat) (X : sys K) (Ab : astate K) : Prop := {
      i_next : nextv X = anext Ab;
      i_idlt : forall w, In w (allw Ab) -> wid w < anext Ab;
      i_nodup : NoDup (ids (allw Ab));
      i_wf : forall w, In w (allw Ab) -> snd (wstamp w) = worig w /\ 1 <= sq (wid w) /\ worig w < n;
      i_bound : forall w, In w (allw Ab) ->
        sq (wid w) <= nth (worig w) (Alg.clock (rst X (worig w))) 0;
      i_seq_uniq : forall w w', In w (allw Ab) -> In w' (allw Ab) -> worig w = worig w' ->
        sq (wid w) = sq (wid w') -> w = w';
      i_stamp_uniq : forall w w', In w (allw Ab) -> In w' (allw Ab) -> wstamp w = wstamp w' -> w = w';
      i_lt : forall j w, j < n -> In w (applied Ab j) -> fst (wstamp w) <= Alg.lt (rst X j);
      i_app_all : forall r w, In w (applied Ab r) -> In w (allw Ab);
      i_iss_all : forall s w, In w (issued Ab s) -> In w (allw Ab);
      i_obs_all : forall s w, In w (observed Ab s) -> In w (allw Ab);
      i_me : forall j, j < n -> Alg.me (rst X j) = j;
      i_store : forall j k, j < n ->
        R.find kcmp k (Alg.store (rst X j)) = option_map entry (arb_max keqb k (applied Ab j));
      i_fifo : forall j w, j < n -> In w (allw Ab) ->
        (In w (applied Ab j) <-> sq (wid w) <= nth (worig w) (Alg.clock (rst X j)) 0);
      i_ahead : forall j o, j < n ->
        nth o (Alg.clock (rst X j)) 0 <= nth o (Alg.clock (rst X o)) 0;
      i_out : forall o, n <= o -> rst X o = Alg.init n o;
      i_dense : forall o x, o < n -> 1 <= x <= nth o (Alg.clock (rst X o)) 0 ->
        exists w, In w (allw Ab) /\ worig w = o /\ sq (wid w) = x;
      i_tok : forall s o, nth o (tok X s) 0 <= nth o (Alg.clock (rst X o)) 0;
      i_tok_iss : forall s w, In w (issued Ab s) -> sq (wid w) <= nth (worig w) (tok X s) 0;
      i_tok_obs : P.get_merge = true -> forall s w, In w (observed Ab s) ->
        sq (wid w) <= nth (worig w) (tok X s) 0;
      i_tok_cp : P.put_guard = true -> P.get_merge = true -> forall s,
        covers sq (allw Ab) (tok X s) (cpast Ab s);
      i_app_deps : P.put_guard = true -> P.get_merge = true -> forall r w, r < n ->
        In w (applied Ab r) -> sub (wdeps w) (ids (applied Ab r));
      i_net : forall j m, In (j, m) (net X) -> j < n /\ j <> Alg.morig m /\
        exists w, In w (allw Ab) /\ wid w = Alg.mval m /\ wkey w = Alg.mkey m /\
          wstamp w = Alg.mstamp m /\ worig w = Alg.morig m /\ sq (wid w) = Alg.mseq m /\
          ~ In w (applied Ab j) /\ msg_ok sq (allw Ab) (rst X) m w;
      i_net_nodup : NoDup (map (fun p => (fst p, Alg.mval (snd p))) (net X));
      i_complete : forall w j, In w (allw Ab) -> j < n -> ~ In w (applied Ab j) ->
        exists m, In (j, m) (net X) /\ Alg.mval m = wid w;
      i_ok : forall j, R.ok kcmp (Alg.store (rst X j))
    }.

    Definition lww_rel (X : sys K) (Ab : astate K) : Prop := exists sq, lww_inv sq X Ab.

    Lemma res_write_arb : forall sq X Ab r k, lww_inv sq X Ab ->
      res_write K Ab (option_map wid (arb_max keqb k (applied Ab r))) = arb_max keqb k (applied Ab r).
    Proof.
      intros sq X Ab r k H.
      destruct (arb_max keqb k (applied Ab r)) as [w|] eqn:E; simpl; auto.
      apply arb_max_in in E as [Hi _].
      apply find_write_of; [apply (i_nodup _ _ _ H)|]. eapply i_app_all; eauto.
    Qed.

    Lemma get_res : forall sq X Ab s r k res t', lww_inv sq X Ab -> r < n ->
      Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
      res = option_map wid (arb_max keqb k (applied Ab r)).
    Proof.
      intros sq X Ab s r k res t' H Hr Hg.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (_ & -> & _).
      rewrite (i_store _ _ _ H r k Hr).
      destruct (arb_max keqb k (applied Ab r)); reflexivity.
    Qed.

    Lemma covered_applied : forall sq X Ab r tk w, lww_inv sq X Ab -> r < n ->
      vle tk (Alg.clock (rst X r)) = true -> In w (allw Ab) ->
      sq (wid w) <= nth (worig w) tk 0 -> In (wid w) (ids (applied Ab r)).
    Proof.
      intros sq X Ab r tk w H Hr Hv Hw Hs.
      apply in_ids. apply (i_fifo _ _ _ H r w Hr Hw).
      apply vle_spec with (i := worig w) in Hv; lia.
    Qed.

    Ltac inv_names H :=
      let H0 := fresh in pose proof H as H0;
      destruct H0 as [Hnext Hidlt Hnodup Hwf Hbound Hsuniq Huniq Hlt Happ Hiss Hobs Hme Hstore
                      Hfifo Hahead Hout Hdense Htok Htiss Htobs Htcp Hadeps Hnet Hnnd Hcomp Hrep].

    (** ** Gets *)
    Lemma lww_get_returns_arbitrated : forall X Ab s r k res t', lww_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        res_write K Ab res = arb_max keqb k (applied Ab r).
    Proof.
      intros X Ab s r k res t' [sq H] Hr Hg.
      rewrite (get_res _ _ _ _ _ _ _ _ H Hr Hg). now apply (res_write_arb sq X).
    Qed.

    Lemma lww_get_sees_issued : forall X Ab s r k res t', lww_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (ids (issued Ab s)) (ids (applied Ab r)).
    Proof.
      intros X Ab s r k res t' [sq H] Hr Hg i Hi.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_iss_all|eapply i_tok_iss]; eauto.
    Qed.

    Lemma lww_get_sees_observed : P.get_merge = true -> forall X Ab s r k res t', lww_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (ids (observed Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hgm X Ab s r k res t' [sq H] Hr Hg i Hi.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_obs_all|eapply i_tok_obs]; eauto.
    Qed.

    Lemma lww_get_sees_causal_past : P.put_guard = true -> P.get_merge = true ->
        forall X Ab s r k res t', lww_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (cpast Ab s) (ids (applied Ab r)).
    Proof.
      intros Hpg Hgm X Ab s r k res t' [sq H] Hr Hg.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      eapply covers_sub; [|apply (i_tok_cp _ _ _ H Hpg Hgm s)].
      intros w Hw Hs; eapply covered_applied; eauto.
    Qed.

    (** ** Puts *)
    Lemma lww_put_stamp_is_newest : forall X Ab s r k st' t' m, lww_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        forall w, In w (applied Ab r) -> fst (wstamp w) < fst (lww_stamp X r).
    Proof.
      intros X Ab s r k st' t' m [sq H] Hr _ w Hw.
      unfold lww_stamp; simpl. pose proof (i_lt _ _ _ H r w Hr Hw); lia.
    Qed.

    Lemma lww_put_sees_issued : P.put_guard = true -> forall X Ab s r k st' t' m, lww_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (ids (issued Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hpg X Ab s r k st' t' m [sq H] Hr Hp i Hi.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_iss_all|eapply i_tok_iss]; eauto.
    Qed.

    Lemma lww_put_sees_observed : P.put_guard = true -> P.get_merge = true ->
        forall X Ab s r k st' t' m, lww_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (ids (observed Ab s)) (ids (applied Ab r)).
    Proof.
      intros Hpg Hgm X Ab s r k st' t' m [sq H] Hr Hp i Hi.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      apply ids_in in Hi as [w [Hw <-]].
      eapply covered_applied; eauto; [eapply i_obs_all|eapply i_tok_obs]; eauto.
    Qed.

    Lemma lww_put_sees_causal_past : P.put_guard = true -> P.get_merge = true ->
        forall X Ab s r k st' t' m, lww_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (cpast Ab s) (ids (applied Ab r)).
    Proof.
      intros Hpg Hgm X Ab s r k st' t' m [sq H] Hr Hp.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      eapply covers_sub; [|apply (i_tok_cp _ _ _ H Hpg Hgm s)].
      intros w Hw Hs; eapply covered_applied; eauto.
    Qed.

    (** ** Applies *)
    Lemma msg_write : forall sq X Ab l1 l2 j m w, lww_inv sq X Ab -> net X = l1 ++ (j, m) :: l2 ->
      find_write K Ab (lww_msg_id m) = Some w ->
      j < n /\ In w (allw Ab) /\ msg_ok sq (allw Ab) (rst X) m w.
    Proof.
      intros sq X Ab l1 l2 j m w H Hnet' Hf.
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (i_net _ _ _ H j m Hinm) as (Hj & _ & w' & Hw' & Ei & _ & _ & _ & _ & _ & Hok).
      destruct (find_write_in _ _ _ _ Hf) as [Hw Ew].
      assert (w' = w) by (eapply wid_inj; eauto; [apply (i_nodup _ _ _ H)|unfold lww_msg_id in Ew; congruence]).
      subst w'; auto.
    Qed.

    Lemma deliv_covered : forall sq X Ab j m w w', lww_inv sq X Ab -> j < n ->
      msg_ok sq (allw Ab) (rst X) m w ->
      Alg.deliverable (rst X j) m = true -> In w' (allw Ab) ->
      sq (wid w') <= nth (worig w') (Alg.mdeps m) 0 -> In (wid w') (ids (applied Ab j)).
    Proof.
      intros sq X Ab j m w w' H Hj Hok Hd Hw' Hs.
      apply deliverable_spec in Hd as [Hd1 Hd2].
      apply in_ids, (i_fifo _ _ _ H j w' Hj Hw').
      destruct (Nat.eq_dec (worig w') (Alg.morig m)) as [E|E].
      - pose proof (d_orig _ _ _ _ _ Hok) as Ho. rewrite E in *; lia.
      - specialize (Hd2 _ E); lia.
    Qed.

    Lemma lww_apply_after_session_writes : P.put_guard = true ->
      forall X Ab l1 l2 j m w, lww_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (lww_msg_id m) = Some w ->
        sub (wsessw w) (ids (applied Ab j)).
    Proof.
      intros Hpg X Ab l1 l2 j m w [sq H] Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      eapply covers_sub; [|apply (d_sessw _ _ _ _ _ Hok Hpg)].
      intros; eapply deliv_covered; eauto.
    Qed.

    Lemma lww_apply_after_observed : P.put_guard = true -> P.get_merge = true ->
      forall X Ab l1 l2 j m w, lww_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (lww_msg_id m) = Some w ->
        sub (wobs w) (ids (applied Ab j)).
    Proof.
      intros Hpg Hgm X Ab l1 l2 j m w [sq H] Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      eapply covers_sub; [|apply (d_obs _ _ _ _ _ Hok Hpg Hgm)].
      intros; eapply deliv_covered; eauto.
    Qed.

    Lemma lww_apply_after_causal_past : P.put_guard = true -> P.get_merge = true ->
      forall X Ab l1 l2 j m w, lww_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (lww_msg_id m) = Some w ->
        sub (wdeps w) (ids (applied Ab j)).
    Proof.
      intros Hpg Hgm X Ab l1 l2 j m w [sq H] Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      eapply covers_sub; [|apply (d_deps _ _ _ _ _ Hok Hpg Hgm)].
      intros; eapply deliv_covered; eauto.
    Qed.

    (** ** Base simulation *)
    Lemma lww_ob_init : ob_init K n lww_rel.
    Proof.
      unfold ob_init, lww_rel, sys0; exists (fun _ => 0); constructor; simpl; intros;
        try apply R.ok_empty;
        unfold Alg.init in *; simpl in *; try contradiction; auto;
        try constructor; try (rewrite ?nth_nil0 in *; lia).
      now rewrite R.find_empty.
      exfalso; destruct o; simpl in *; lia.
      intros i Hi; destruct Hi.
    Qed.

    Lemma lww_ob_get : ob_get K kcmp n lww_rel.
    Proof.
      intros X Ab s r k res t' [sq H] Hr Hg.
      pose proof (lww_get_returns_arbitrated X Ab s r k res t' (ex_intro _ sq H) Hr Hg) as Hl.
      pose proof (get_res _ _ _ _ _ _ _ _ H Hr Hg) as Hres'.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & Ht).
      assert (Hmono : forall o, nth o (tok X s) 0 <= nth o t' 0).
      { intros o; subst t'; destruct P.get_merge; auto. rewrite nth_vjoin; lia. }
      inv_names H.
      rewrite Hl. split; [|split].
      - destruct (arb_max keqb k (applied Ab r)) as [w|] eqn:E; simpl; auto.
        apply arb_max_in in E as [Hi Hk]; split; auto; now apply keqb_spec.
      - now rewrite Hres'.
      - exists sq; unfold after_get; constructor; simpl; try assumption.
        + intros s0 w; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|apply Hobs].
          destruct (arb_max keqb k (applied Ab r)) as [w'|] eqn:E; simpl; [|apply Hobs].
          intros [<-|Hi]; [|eapply Hobs; eauto].
          apply arb_max_in in E as [Hi _]; eauto.
        + intros s0 o; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|apply Htok].
          subst t'; destruct P.get_merge; [|apply Htok].
          rewrite nth_vjoin; specialize (Htok s o); specialize (Hahead r o Hr); lia.
        + intros s0 w Hw; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          specialize (Htiss s w Hw); specialize (Hmono (worig w)); lia.
        + intros Hgm s0 w Hw; unfold upd in *; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          rewrite Hgm in Ht; subst t'.
          destruct (arb_max keqb k (applied Ab r)) as [w'|] eqn:E; simpl in Hw;
            [destruct Hw as [<-|Hw]|].
          * apply arb_max_in in E as [Hi _].
            apply (Hfifo r w' Hr (Happ _ _ Hi)) in Hi. rewrite nth_vjoin; lia.
          * specialize (Htobs Hgm s w Hw); rewrite nth_vjoin; lia.
          * specialize (Htobs Hgm s w Hw); rewrite nth_vjoin; lia.
        + intros Hpg Hgm s0; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          rewrite Hgm in Ht; subst t'.
          assert (Hc : forall w, In w (applied Ab r) ->
            exists w0, In w0 (allw Ab) /\ wid w0 = wid w /\
              sq (wid w0) <= nth (worig w0) (vjoin (tok X s) (Alg.clock (rst X r))) 0).
          { intros w Hw; exists w; split; [eauto|split; [auto|]].
            apply (Hfifo r w Hr (Happ _ _ Hw)) in Hw. rewrite nth_vjoin; lia. }
          destruct (arb_max keqb k (applied Ab r)) as [w'|] eqn:E; simpl.
          * apply arb_max_in in E as [Hi _].
            intros i [<-|Hi']; [now apply Hc|].
            apply in_app_iff in Hi' as [Hi'|Hi'].
            -- apply (Hadeps Hpg Hgm r w' Hr Hi), ids_in in Hi' as [w2 [Hw2 <-]]; now apply Hc.
            -- eapply covers_mono; [apply (Htcp Hpg Hgm s)|auto| |exact Hi'].
               intros o; rewrite nth_vjoin; lia.
          * eapply covers_mono; [apply (Htcp Hpg Hgm s)|auto|].
            intros o; rewrite nth_vjoin; lia.
    Qed.

    Lemma lww_ob_put : ob_put K kcmp n lww_rel lww_stamp.
    Proof.
      intros X Ab s r k st' t' m [sq H] Hr Hp.
      pose proof (lww_put_sees_causal_past) as Hcp.
      pose proof (ex_intro _ sq H : lww_rel X Ab) as Hrel.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & Hst & Ht & Hm).
      inv_names H.
      rewrite (Hme r Hr) in Hst, Ht, Hm.
      set (sqn := S (nth r (Alg.clock (rst X r)) 0)) in *.
      set (tn := S (Alg.lt (rst X r))) in *.
      assert (Hsq : lww_stamp X r = (tn, r)) by reflexivity.
      split; [reflexivity|split; [exact Hnext|]].
      rewrite Hsq; unfold after_put, new_write; simpl.
      set (w0 := mkW (anext Ab) k r s (tn, r) (ids (issued Ab s)) (ids (observed Ab s)) (cpast Ab s)).
      assert (Hw0 : ~ In w0 (allw Ab)) by (intros Hi; apply Hidlt in Hi; simpl in Hi; lia).
      assert (Hne : forall w, In w (allw Ab) -> w <> w0) by (intros w Hw E; subst; contradiction).
      assert (Hsq' : exists sq' : nat -> nat,
        (forall w, In w (allw Ab) -> sq' (wid w) = sq (wid w)) /\ sq' (anext Ab) = sqn).
      { exists (fun i => if Nat.eqb i (anext Ab) then sqn else sq i); split.
        - intros w Hw; apply Hidlt in Hw; destruct (Nat.eqb_spec (wid w) (anext Ab)); [lia|auto].
        - now rewrite Nat.eqb_refl. }
      destruct Hsq' as [sq' [Hq Hq0]].
      exists sq'.
      assert (Hcl : forall j, Alg.clock (upd (rst X) r st' j) =
                if Nat.eqb j r then vset (Alg.clock (rst X r)) r sqn else Alg.clock (rst X j))
        by (intros j; unfold upd; destruct (Nat.eqb j r); subst; reflexivity).
      assert (Hdiag : forall o, nth o (Alg.clock (rst X o)) 0 <= nth o (Alg.clock (upd (rst X) r st' o)) 0).
      { intros o; rewrite Hcl; destruct (Nat.eqb_spec o r); [subst; rewrite nth_vset, Nat.eqb_refl; lia|lia]. }
      assert (Hrr : nth r (Alg.clock (upd (rst X) r st' r)) 0 = sqn)
        by (rewrite Hcl, Nat.eqb_refl, nth_vset, Nat.eqb_refl; reflexivity).
      assert (Hbr : forall o, nth o (tok X s) 0 <= nth o t' 0).
      { intros o; rewrite Ht, nth_vset; destruct (Nat.eqb_spec o r); [subst; specialize (Htok s r); lia|lia]. }
      assert (Hsub : forall x, In x (allw Ab) -> In x (w0 :: allw Ab)) by (simpl; auto).
      assert (Hnew : forall v x, nth r v 0 <= nth r (Alg.clock (rst X r)) 0 ->
                In x (w0 :: allw Ab) -> In x (allw Ab) \/ nth (worig x) v 0 < sq' (wid x)).
      { intros v x Hle [<-|Hx]; [right; simpl; rewrite Hq0; unfold sqn; lia|auto]. }
      assert (Hatr : forall w, In w (allw Ab) -> worig w = r -> In w (applied Ab r)).
      { intros w Hw Eo; apply (Hfifo r w Hr Hw). specialize (Hbound w Hw); rewrite Eo in Hbound; rewrite Eo; lia. }
      constructor; simpl.
      - now rewrite Hnext.
      - intros w [<-|Hw]; simpl; [lia|apply Hidlt in Hw; lia].
      - constructor; auto. intros Hi; apply ids_in in Hi as [w [Hw E]]; apply Hidlt in Hw; lia.
      - intros w [<-|Hw]; simpl; [rewrite Hq0; unfold sqn; lia|rewrite (Hq w Hw); auto].
      - intros w [<-|Hw]; simpl; [rewrite Hq0, Hrr; lia|rewrite (Hq w Hw)].
        specialize (Hbound w Hw); specialize (Hdiag (worig w)); lia.
      - intros w w' [<-|Hw] [<-|Hw'] Eo E; auto.
        + simpl in Eo, E; rewrite Hq0, (Hq w' Hw') in E.
          specialize (Hbound w' Hw'); rewrite <- Eo in Hbound; unfold sqn in E; lia.
        + simpl in Eo, E; rewrite Hq0, (Hq w Hw) in E.
          specialize (Hbound w Hw); rewrite Eo in Hbound; unfold sqn in E; lia.
        + rewrite (Hq w Hw), (Hq w' Hw') in E; auto.
      - intros w w' [<-|Hw] [<-|Hw'] E; auto.
        + exfalso. destruct (Hwf w' Hw') as [E1 _]; rewrite <- E in E1; simpl in E1.
          pose proof (Hlt r w' Hr (Hatr w' Hw' (eq_sym E1))) as Hl.
          rewrite <- E in Hl; simpl in Hl; unfold tn in Hl; lia.
        + exfalso. destruct (Hwf w Hw) as [E1 _]; rewrite E in E1; simpl in E1.
          pose proof (Hlt r w Hr (Hatr w Hw (eq_sym E1))) as Hl.
          rewrite E in Hl; simpl in Hl; unfold tn in Hl; lia.
      - intros j w Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst j|eauto].
        rewrite Hst; simpl. intros [<-|Hw]; simpl; [lia|].
        specialize (Hlt r w Hr Hw); unfold tn; lia.
      - intros j w; unfold upd; destruct (Nat.eqb_spec j r); [subst j|]; eauto.
        intros [<-|Hw]; eauto.
      - intros s0 w; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|]; eauto.
        intros [<-|Hw]; eauto.
      - eauto.
      - intros j Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst; reflexivity|auto].
      - intros j k' Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto]. rewrite Hst; simpl.
        rewrite R.find_add by first [exact Hko | apply Hrep]. rewrite Hstore by exact Hr.
        destruct (keqb k k') eqn:Ek; [|reflexivity].
        destruct (arb_max keqb k' (applied Ab r)) as [w'|] eqn:Ea; [|simpl; unfold entry; simpl; rewrite Hnext; reflexivity].
        apply arb_max_in in Ea as [Hi _].
        rewrite stamp_ltb_fst; [simpl; unfold entry; simpl; rewrite Hnext; reflexivity|].
        specialize (Hlt r w' Hr Hi); simpl; unfold tn; lia.
      - intros j w Hj [<-|Hw].
        + simpl; rewrite Hq0, Hcl; unfold upd; destruct (Nat.eqb_spec j r).
          * subst; rewrite nth_vset, Nat.eqb_refl; simpl; split; auto; lia.
          * split; [intros Hi; apply Happ in Hi; contradiction|].
            specialize (Hahead j r Hj); unfold sqn; lia.
        + rewrite (Hq w Hw), Hcl; unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto].
          rewrite nth_vset; simpl.
          rewrite (Hfifo r w Hr Hw).
          destruct (Nat.eqb_spec (worig w) r); [|split; [intros [E|Hi]; [exfalso; eapply Hne; eauto|auto]|auto]].
          specialize (Hbound w Hw); rewrite e in Hbound.
          split; [intros _; unfold sqn; lia|intros _; right; rewrite ?e; lia].
      - intros j o Hj; rewrite !Hcl.
        destruct (Nat.eqb_spec j r), (Nat.eqb_spec o r); subst; rewrite ?nth_vset, ?Nat.eqb_refl; auto.
        + destruct (Nat.eqb_spec o r); [contradiction|auto].
        + specialize (Hahead j r Hj); unfold sqn; lia.
      - intros o Ho; unfold upd; destruct (Nat.eqb_spec o r); [lia|auto].
      - intros o x Ho Hx; rewrite Hcl in Hx; destruct (Nat.eqb_spec o r).
        + subst o; rewrite nth_vset, Nat.eqb_refl in Hx.
          destruct (Nat.eq_dec x sqn); [subst; exists w0; simpl; auto|].
          destruct (Hdense r x Hr) as [w [Hw [Eo Ex]]]; [unfold sqn in *; lia|].
          exists w; rewrite (Hq w Hw); auto.
        + destruct (Hdense o x Ho Hx) as [w [Hw [Eo Ex]]]; exists w; rewrite (Hq w Hw); auto.
      - intros s0 o; unfold upd at 1; destruct (Nat.eqb_spec s0 s).
        + subst s0; rewrite Ht, nth_vset; destruct (Nat.eqb_spec o r); [subst; lia|].
          specialize (Htok s o); specialize (Hdiag o); lia.
        + specialize (Htok s0 o); specialize (Hdiag o); lia.
      - intros s0 w; destruct (Nat.eqb_spec s0 s) as [->|Hs]; [rewrite !upd_same|rewrite !upd_other by exact Hs].
        + intros [<-|Hw]; [simpl; rewrite Hq0, Ht, nth_vset, Nat.eqb_refl; lia|].
          rewrite (Hq w (Hiss _ _ Hw)).
          specialize (Htiss s w Hw); specialize (Hbr (worig w)); lia.
        + intros Hw; rewrite (Hq w (Hiss _ _ Hw)); auto.
      - intros Hgm s0 w Hw; rewrite (Hq w (Hobs _ _ Hw)).
        destruct (Nat.eqb_spec s0 s) as [->|Hs]; [rewrite !upd_same|rewrite !upd_other by exact Hs; auto].
        specialize (Htobs Hgm s w Hw); specialize (Hbr (worig w)); lia.
      - intros Hpg Hgm s0; destruct (Nat.eqb_spec s0 s) as [->|Hs]; [rewrite !upd_same|rewrite !upd_other by exact Hs].
        + intros i [<-|Hi].
          * exists w0; simpl; split; auto; split; auto. rewrite Hq0, Ht, nth_vset, Nat.eqb_refl; lia.
          * eapply covers_mono'; [apply (Htcp Hpg Hgm s)|exact Hsub|exact Hbr|exact Hq|exact Hi].
        + eapply covers_mono'; [apply (Htcp Hpg Hgm s0)|exact Hsub|auto|exact Hq].
      - intros Hpg Hgm j w Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst j|eauto].
        intros [<-|Hw]; apply sub_cons; [|eauto].
        simpl; eapply Hcp; eauto.
      - intros j m0 Hin; apply in_app_iff in Hin as [Hin|Hin].
        + destruct (Hnet j m0 Hin) as (Hj & Hjo & w & Hw & E1 & E2 & E3 & E4 & E5 & Hna & Hok).
          split; [auto|split; [auto|]]. exists w; split; [auto|].
          split; [auto|split; [auto|split; [auto|split; [auto|split; [rewrite (Hq w Hw); auto|split]]]]].
          * unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto].
            intros [E|Hi]; [eapply Hne; eauto|contradiction].
          * eapply msg_ok_mono; [exact Hok|exact Hsub|exact Hdiag|exact Hq|].
            intros x Hx; apply (Hnew (Alg.mdeps m0) x); [|exact Hx]. pose proof (d_le _ _ _ _ _ Hok r); lia.
        + unfold broadcast in Hin; apply in_map_iff in Hin as [j' [E Hj']].
          injection E as <- <-. apply filter_In in Hj' as [Hj' Hjr].
          apply in_seq in Hj'. apply negb_true_iff, Nat.eqb_neq in Hjr.
          rewrite Hm; simpl. split; [lia|split; [auto|]].
          exists w0; split; [auto|]. simpl; split; [congruence|split; [reflexivity|split; [reflexivity|split; [reflexivity|split; [exact Hq0|split]]]]].
          * unfold upd; destruct (Nat.eqb_spec j' r); [contradiction|].
            intros Hi; apply Happ in Hi; contradiction.
          * constructor; simpl.
            -- reflexivity.
            -- intros o; specialize (Hahead r o Hr); specialize (Hdiag o); lia.
            -- intros w' [<-|Hw'] Hs; [simpl in Hs; rewrite Hq0 in Hs; unfold sqn in Hs; lia|].
               apply Hidlt in Hw'; exact Hw'.
            -- intros Hpg i Hi. apply ids_in in Hi as [w [Hw <-]].
               exists w; split; [right; eauto|split; [auto|]].
               rewrite (Hq w (Hiss _ _ Hw)).
               specialize (Htiss s w Hw); apply vle_spec with (i := worig w) in Hv; auto; lia.
            -- intros Hpg Hgm i Hi. apply ids_in in Hi as [w [Hw <-]].
               exists w; split; [right; eauto|split; [auto|]].
               rewrite (Hq w (Hobs _ _ Hw)).
               specialize (Htobs Hgm s w Hw); apply vle_spec with (i := worig w) in Hv; auto; lia.
            -- intros Hpg Hgm. eapply covers_mono'; [apply (Htcp Hpg Hgm s)|exact Hsub| |exact Hq].
               apply vle_spec, Hv, Hpg.
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

    Lemma lww_ob_deliver : ob_deliver K kcmp n lww_rel lww_msg_id.
    Proof.
      intros X Ab l1 l2 j m [sq H] Hnet' Hdel.
      pose proof lww_apply_after_causal_past as Hcp.
      pose proof (ex_intro _ sq H : lww_rel X Ab) as Hrel.
      pose proof Hdel as Hdel0.
      inv_names H.
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (Hnet j m Hinm) as (Hj & Hjo & w & Hw & Ei & Ek & Es & Eo & Eq & Hna & Hok).
      apply deliverable_spec in Hdel as [Hdel _].
      assert (Hf : find_write K Ab (lww_msg_id m) = Some w)
        by (unfold lww_msg_id; rewrite <- Ei; now apply find_write_of).
      exists w; split; [exact Hf|].
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
      exists sq; unfold after_apply; constructor; simpl; try assumption.
      - intros w'; rewrite Hdiag; auto.
      - intros x w' Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x|eauto].
        unfold st', Alg.apply; simpl. intros [<-|Hi]; [rewrite Es; lia|].
        specialize (Hlt j w' Hj Hi); lia.
      - intros r w'; unfold upd; destruct (Nat.eqb_spec r j); [subst r|eauto]. intros [<-|Hi]; eauto.
      - intros x Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x; apply Hme; auto|auto].
      - intros x k' Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x|auto].
        unfold st', Alg.apply; simpl.
        rewrite (Hstore j (Alg.mkey m) Hj).
        destruct (keqb (Alg.mkey m) k') eqn:Ek'.
        + apply keqb_spec in Ek' as E'; subst k'.
          rewrite Ek, Ek'.
          destruct (arb_max keqb (Alg.mkey m) (applied Ab j)) as [w'|] eqn:Ea; simpl.
          * pose proof (arb_max_in _ _ _ _ _ Ea) as [Hi _].
            unfold entry; simpl; rewrite <- Es.
            destruct (stamp_ltb (wstamp w') (wstamp w)) eqn:Elt.
            -- rewrite (stamp_ltb_asym _ _ Elt), R.find_add, Ek' by first [exact Hko | apply Hrep].
               unfold entry; simpl; rewrite <- Ei; reflexivity.
            -- rewrite (stamp_ltb_total (wstamp w') (wstamp w)); [|intros E; apply Hna|exact Elt].
               ++ rewrite (Hstore j _ Hj), Ea; reflexivity.
               ++ rewrite <- (Huniq w' w (Happ _ _ Hi) Hw E); exact Hi.
          * rewrite R.find_add, Ek' by first [exact Hko | apply Hrep]. unfold entry; simpl; rewrite <- Ei, <- Es; reflexivity.
        + rewrite Ek, Ek'.
          destruct (Alg.newer _ _); [rewrite R.find_add, Ek' by first [exact Hko | apply Hrep]|]; apply Hstore; auto.
      - intros x w' Hx Hw'; rewrite Hcl; unfold upd; destruct (Nat.eqb_spec x j); [subst x|auto].
        rewrite nth_vset. simpl.
        destruct (Nat.eqb_spec (worig w') (Alg.morig m)).
        + rewrite (Hfifo j w' Hj Hw'), e. split.
          * intros [<-|Hi]; [lia|lia].
          * intros Hle. destruct (Nat.eq_dec (sq (wid w')) (Alg.mseq m)); [left|right; lia].
            apply Hsuniq; auto; congruence.
        + rewrite (Hfifo j w' Hj Hw'). split; [intros [<-|Hi]; [congruence|auto]|intros Hi; right; exact Hi].
      - intros x o Hx; rewrite Hdiag, Hcl; destruct (Nat.eqb_spec x j); [subst x|auto].
        rewrite nth_vset; destruct (Nat.eqb_spec o (Alg.morig m)); [|auto].
        subst o. specialize (Hbound w Hw). rewrite Eo, Eq in Hbound; lia.
      - intros o Ho; unfold upd; destruct (Nat.eqb_spec o j); [lia|auto].
      - intros o x Ho Hx; rewrite Hdiag in Hx; auto.
      - intros s o; rewrite Hdiag; auto.
      - intros Hpg Hgm x w' Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x|eauto].
        intros [<-|Hi]; apply sub_cons; [|eauto].
        eapply Hcp; eauto.
      - intros j' m' Hin.
        assert (Hin' : In (j', m') (net X))
          by (rewrite Hnet'; apply in_app_iff in Hin as [?|?]; apply in_or_app; simpl; auto).
        destruct (Hnet j' m' Hin') as (Hj' & Hjo' & w' & Hw' & Ei' & Ek'' & Es' & Eo' & Eq' & Hna' & Hok').
        split; [auto|split; [auto|exists w'; split; [auto|split; [auto|split; [auto|split; [auto|split; [auto|split; [auto|split]]]]]]]].
        + unfold upd; destruct (Nat.eqb_spec j' j); [subst j'|auto].
          intros [E|Hi]; [|contradiction].
          subst w'.
          pose proof Hnnd as Hnd. rewrite Hnet', map_app in Hnd. simpl in Hnd.
          apply NoDup_remove_2 in Hnd. apply Hnd. rewrite <- map_app. apply in_map_iff.
          exists (j, m'); split; auto. simpl. congruence.
        + eapply msg_ok_mono; [exact Hok'|auto|intros o; rewrite Hdiag; auto|auto|auto].
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
      - intros x; unfold upd; destruct (Nat.eqb_spec x j); [subst x; unfold st', Alg.apply; simpl; destruct (Alg.newer _ _); [apply R.ok_add|]; auto|auto].
    Qed.

    Lemma lww_base_simulation : base_simulation K kcmp n lww_rel lww_stamp lww_msg_id.
    Proof.
      split; [exact lww_ob_init|split; [exact lww_ob_put|split; [exact lww_ob_get|exact lww_ob_deliver]]].
    Qed.

    (** ** Progress *)

    (** An in-flight message to [j] that is not deliverable depends on an
        older write not applied at [j] (which is then in flight to [j]). *)
    Lemma blocked_dep : forall sq X Ab j m w, lww_inv sq X Ab -> j < n -> In w (allw Ab) ->
      worig w = Alg.morig m -> sq (wid w) = Alg.mseq m -> ~ In w (applied Ab j) ->
      msg_ok sq (allw Ab) (rst X) m w ->
      Alg.deliverable (rst X j) m = false ->
      exists w2, In w2 (allw Ab) /\ ~ In w2 (applied Ab j) /\ wid w2 < wid w.
    Proof.
      intros sq X Ab j m w H Hj Hw Eo Eq Hna Hok Hd.
      inv_names H.
      destruct (Hwf w Hw) as (_ & H1 & Hon). rewrite Eq in H1.
      set (o := Alg.morig m) in *.
      assert (G : forall i, i < n -> nth i (Alg.clock (rst X j)) 0 < nth i (Alg.mdeps m) 0 ->
        exists w2, In w2 (allw Ab) /\ ~ In w2 (applied Ab j) /\ wid w2 < wid w).
      { intros i Hi Hlt'.
        pose proof (d_le _ _ _ _ _ Hok i) as Hle.
        destruct (Hdense i (S (nth i (Alg.clock (rst X j)) 0)) Hi) as [w2 [Hw2 [Eo2 Es2]]]; [lia|].
        exists w2; split; [exact Hw2|split].
        - intros Hi2; apply (Hfifo j w2 Hj Hw2) in Hi2. rewrite Es2, Eo2 in Hi2; lia.
        - apply (d_lt _ _ _ _ _ Hok w2 Hw2). rewrite Es2, Eo2; lia. }
      unfold Alg.deliverable in Hd; apply andb_false_iff in Hd as [Hd|Hd].
      - apply Nat.eqb_neq in Hd. fold o in Hd. apply (G o); [rewrite <- Eo; exact Hon|].
        pose proof (d_orig _ _ _ _ _ Hok) as Ho.
        assert (nth o (Alg.clock (rst X j)) 0 < Alg.mseq m); [|fold o in Ho; lia].
        destruct (Nat.lt_ge_cases (nth o (Alg.clock (rst X j)) 0) (Alg.mseq m)) as [?|Hge]; auto.
        exfalso; apply Hna, (Hfifo j w Hj Hw). rewrite Eq, Eo; lia.
      - apply vle_false in Hd as [i Hi]. rewrite nth_vset in Hi. fold o in Hi.
        destruct (Nat.eqb_spec i o); [lia|].
        destruct (Nat.lt_ge_cases i n) as [Hin|Hin]; [exact (G i Hin Hi)|].
        pose proof (d_le _ _ _ _ _ Hok i) as Hle.
        rewrite (Hout i Hin) in Hle; unfold Alg.init in Hle; simpl in Hle; rewrite ?nth_nil0 in Hle; destruct i; simpl in Hle; lia.
    Qed.

    Lemma lww_progress_deliver : progress_deliver K lww_rel.
    Proof.
      intros X Ab [sq H] Hne.
      assert (Hex : exists j m, In (j, m) (net X))
        by (destruct (net X) as [|[j m] l]; [congruence|exists j, m; simpl; auto]).
      destruct Hex as [j [m Hin]].
      assert (G : forall x m, In (j, m) (net X) -> Alg.mval m = x ->
        exists l1 j' m' l2, net X = l1 ++ (j', m') :: l2 /\ Alg.deliverable (rst X j') m' = true).
      { intros x; induction x as [x IH] using lt_wf_ind; intros m0 Hin0 Ex.
        destruct (Alg.deliverable (rst X j) m0) eqn:Hd.
        { apply in_split in Hin0 as [l1 [l2 E]]; exists l1, j, m0, l2; auto. }
        destruct (i_net _ _ _ H j m0 Hin0) as (Hj & _ & w & Hw & Ei & _ & _ & Eo & Eq & Hna & Hok).
        destruct (blocked_dep sq X Ab j m0 w H Hj Hw Eo Eq Hna Hok Hd) as [w2 (Hw2 & Hna2 & Hlt')].
        destruct (i_complete _ _ _ H w2 j Hw2 Hj Hna2) as [m2 [Hin2 E2]].
        apply (IH (Alg.mval m2)) with (m := m2); auto. rewrite E2, <- Ex, <- Ei; exact Hlt'. }
      eapply G; eauto.
    Qed.

    Lemma lww_progress_ops : progress_ops K kcmp n lww_rel.
    Proof.
      intros X Ab s r k v [sq H] Hnil Hr. inv_names H.
      assert (Hv : vle (tok X s) (Alg.clock (rst X r)) = true).
      { apply vle_spec; intros o. specialize (Htok s o).
        destruct (Nat.lt_ge_cases o n) as [Ho|Ho].
        - destruct (nth o (Alg.clock (rst X o)) 0) as [|c] eqn:Ec; [lia|].
          destruct (Hdense o (S c) Ho) as [w [Hw [Eo Es]]]; [lia|].
          destruct (Nat.le_gt_cases (sq (wid w)) (nth (worig w) (Alg.clock (rst X r)) 0)) as [Hle|Hgt].
          + rewrite Es, Eo in Hle; lia.
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
End CausalLwwProofs.
