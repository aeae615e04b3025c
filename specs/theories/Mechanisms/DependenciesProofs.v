(** * Proofs for the explicit-dependency mechanism: base simulation,
    progress and the guard lemmas used to discharge the session-guarantee
    and causal constraints.

    The invariant is the shared replica and network part
    ([FifoReplicas.clocks_inv], [FifoReplicas.net_inv]: per-origin FIFO
    counts, dense sequence numbers, exactly-once delivery), the store (each
    key holds the latest applied write with its [dep]), and explicit
    dependency lists in tokens and messages, read transitively (COPS,
    Lloyd et al., SOSP 2011, Sec. 4.2):
    - [sdep Ab s] is what the session must see (its causal past with
      [P.get_track], its own writes without) and [wdep w] what a write
      must follow (the causal past of its put, resp. its session's writes);
    - [dcovers aw l is]: every identifier of [is] is a write covered by an
      entry of [l] (same origin, sequence number at most the entry's), or
      a [wdep] of such a write;
    - [i_app_deps]: a replica that applied a write applied its [wdep]
      (causal closure), so a list whose entries are applied at a replica
      makes everything it [dcovers] applied there; this is why a token can
      collapse to the new write after a put;
    - every entry of a token or message names an existing write, older than
      the message's write ([ents_ok]); with sequence numbers growing with
      identifiers per origin, a blocked message waits for an older write,
      which gives progress ([FifoReplicas.some_deliverable]). *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.Prelude Framework.KeyOrder Framework.Tactics Framework.Events
  Framework.Algorithm Framework.Concrete Framework.Abstract Framework.Refinement
  Representations.Rep Mechanisms.VectorClock Mechanisms.Dependencies
  Mechanisms.WriteFacts Mechanisms.FifoReplicas.
Import ListNotations.

(** ** Dependency lists *)
Lemma deps_applied_spec : forall c l,
  deps_applied c l = true <-> forall d, In d l -> snd d <= nth (fst d) c 0.
Proof.
  intros c l; unfold deps_applied, dep_applied; rewrite forallb_forall.
  split; intros H d Hd; specialize (H d Hd); apply Nat.leb_le; auto.
Qed.

Lemma deps_applied_false : forall c l,
  deps_applied c l = false -> exists d, In d l /\ nth (fst d) c 0 < snd d.
Proof.
  induction l as [|d l IH]; simpl; intros H; [discriminate|].
  apply andb_false_iff in H as [H|H].
  - exists d; split; [left; auto|]. unfold dep_applied in H; apply Nat.leb_gt in H; exact H.
  - destruct (IH H) as [d' [Hd Hl]]; exists d'; auto.
Qed.

Lemma dep_add_in : forall d l x, In x (dep_add d l) -> In x (d :: l).
Proof.
  induction l as [|e l IH]; simpl; intros x H; [exact H|].
  destruct (Nat.eqb_spec (fst e) (fst d)) as [E|E].
  - destruct H as [<-|H]; [|right; right; exact H].
    destruct (Nat.max_spec (snd e) (snd d)) as [[_ ->]|[_ ->]].
    + left; destruct d; simpl in *; congruence.
    + right; left; destruct e; reflexivity.
  - destruct H as [<-|H]; [right; left; auto|].
    apply IH in H as [H|H]; [left; auto|right; right; auto].
Qed.

Lemma dep_add_covers : forall d l x, In x (d :: l) ->
  exists y, In y (dep_add d l) /\ fst y = fst x /\ snd x <= snd y.
Proof.
  induction l as [|e l IH]; simpl; intros x H.
  - destruct H as [E|[]]; subst; exists x; auto.
  - destruct (Nat.eqb_spec (fst e) (fst d)) as [E|E].
    + destruct H as [Ex|[Ex|H]]; subst.
      * exists (fst e, Nat.max (snd e) (snd x)); simpl; split; [auto|split; [congruence|lia]].
      * exists (fst x, Nat.max (snd x) (snd d)); simpl; split; [auto|split; [auto|lia]].
      * exists x; simpl; auto.
    + destruct H as [Ex|[Ex|H]]; subst.
      * destruct (IH x (or_introl eq_refl)) as [y (Hy & Ey & Ly)]; exists y; simpl; auto.
      * exists x; simpl; auto.
      * destruct (IH x (or_intror H)) as [y (Hy & Ey & Ly)]; exists y; simpl; auto.
Qed.

Module DependenciesProofs (R : REP) (P : DP_POLICY).
  Module Alg := Dependencies R P.
  Module Ref := Refinement Alg.
  Import Ref.

  Lemma put_spec : forall K V (kcmp : K -> K -> comparison) st tk k (v : V) st' t' m,
    Alg.put kcmp st tk k v = Some (st', t', m) ->
    deps_applied (Alg.clock st) tk = true /\
    st' = Alg.mkSt (Alg.me st) (vset (Alg.clock st) (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)))
            (R.add kcmp k (v, (Alg.me st, S (nth (Alg.me st) (Alg.clock st) 0))) (Alg.store st)) /\
    t' = [(Alg.me st, S (nth (Alg.me st) (Alg.clock st) 0))] /\
    m = Alg.mkMsg (Alg.me st) (S (nth (Alg.me st) (Alg.clock st) 0)) tk k v.
  Proof.
    unfold Alg.put; intros K V kcmp st tk k v st' t' m H.
    destruct (deps_applied (Alg.clock st) tk); simpl in H; inv_some; auto.
  Qed.

  Lemma get_spec : forall K V (kcmp : K -> K -> comparison) st tk k (res : option V) t',
    Alg.get kcmp st tk k = Some (res, t') ->
    deps_applied (Alg.clock st) tk = true /\
    res = option_map fst (R.find kcmp k (Alg.store st)) /\
    t' = match R.find kcmp k (Alg.store st) with
         | Some (_, d) => if P.get_track then dep_add d tk else tk
         | None => tk
         end.
  Proof.
    unfold Alg.get; intros K V kcmp st tk k res t' H.
    destruct (deps_applied (Alg.clock st) tk); [|discriminate].
    destruct (R.find kcmp k (Alg.store st)) as [[v d]|]; inv_some; auto.
  Qed.

  Lemma deliverable_spec : forall K V (st : Alg.state K V) m,
    Alg.deliverable st m = true <->
    S (nth (Alg.morig m) (Alg.clock st) 0) = Alg.mseq m /\
    forall d, In d (Alg.mdeps m) -> snd d <= nth (fst d) (Alg.clock st) 0.
  Proof.
    intros; unfold Alg.deliverable; rewrite andb_true_iff, Nat.eqb_eq, deps_applied_spec; tauto.
  Qed.

  Section Proofs.
    Variable K : Type.
    Variable kcmp : K -> K -> comparison.
    Hypothesis Hko : key_order kcmp.
    Local Notation keqb := (keq kcmp).
    Lemma keqb_spec : forall a b, keqb a b = true <-> a = b.
    Proof. exact (keq_spec kcmp Hko). Qed.
    Variable n : nat.

    Definition dp_stamp (X : sys K) (r : nat) : stamp := (S (nth r (Alg.clock (rst X r)) 0), r).
    Definition dp_msg_id (m : Alg.msg K nat) : nat := Alg.mval m.

    (** The [dep] naming an abstract write. *)
    Definition wname (w : write K) : dep := (worig w, fst (wstamp w)).

    (** What a session must see, and what a write must follow. *)
    Definition sdep (Ab : astate K) (s : nat) : list nat :=
      if P.get_track then cpast Ab s else ids (issued Ab s).
    Definition wdep (w : write K) : list nat := if P.get_track then wdeps w else wsessw w.

    (** [w] is covered by an entry of [l]. *)
    Definition dcov (l : list dep) (w : write K) : Prop :=
      exists e, In e l /\ fst e = worig w /\ fst (wstamp w) <= snd e.

    Definition dcovers (aw : list (write K)) (l : list dep) (is : list nat) : Prop :=
      forall i, In i is -> exists w, In w aw /\ dcov l w /\ (wid w = i \/ In i (wdep w)).

    (** Every entry of [l] names a write of [aw] with identifier below [b]. *)
    Definition ents_ok (aw : list (write K)) (l : list dep) (b : nat) : Prop :=
      forall e, In e l -> exists w, In w aw /\ wname w = e /\ wid w < b.

    Record msg_ok (aw : list (write K)) (m : Alg.msg K nat) (w : write K) : Prop := {
      d_ents : ents_ok aw (Alg.mdeps m) (wid w);
      d_deps : dcovers aw (Alg.mdeps m) (wdep w)
    }.

    Lemma dcov_dep_add : forall d l w, dcov l w -> dcov (dep_add d l) w.
    Proof.
      intros d l w [e (He & Eo & Le)].
      destruct (dep_add_covers d l e (or_intror He)) as [y (Hy & Ey & Ly)].
      exists y; split; [auto|split; lia].
    Qed.

    Lemma dcov_dep_add_self : forall l w, dcov (dep_add (wname w) l) w.
    Proof.
      intros l w. destruct (dep_add_covers (wname w) l (wname w) (or_introl eq_refl)) as [y (Hy & Ey & Ly)].
      exists y; unfold wname in *; simpl in *; split; [auto|split; lia].
    Qed.

    Lemma dcovers_mono : forall aw aw' l is, dcovers aw l is ->
      (forall x, In x aw -> In x aw') -> dcovers aw' l is.
    Proof.
      intros aw aw' l is H Ha i Hi; destruct (H i Hi) as [w (Hw & Hc & He)]; exists w; auto.
    Qed.

    Lemma ents_ok_mono : forall aw aw' l b b', ents_ok aw l b ->
      (forall x, In x aw -> In x aw') -> b <= b' -> ents_ok aw' l b'.
    Proof.
      intros aw aw' l b b' H Ha Hb e He; destruct (H e He) as [w (Hw & E & Hl)].
      exists w; split; [auto|split; [auto|lia]].
    Qed.

    Lemma msg_ok_mono : forall aw aw' m w, msg_ok aw m w ->
      (forall x, In x aw -> In x aw') -> msg_ok aw' m w.
    Proof.
      intros aw aw' m w [H1 H2] Ha; constructor; [eapply ents_ok_mono|eapply dcovers_mono]; eauto.
    Qed.

    Lemma sub_cons : forall l (x : write K) l2, sub l (ids l2) -> sub l (ids (x :: l2)).
    Proof. intros l x l2 H i Hi; simpl; right; auto. Qed.

    (** The stamp [(sequence number, origin)] a message carries. *)
    Definition dp_mstamp (m : Alg.msg K nat) : stamp := (Alg.mseq m, Alg.morig m).

    Record dp_inv (X : sys K) (Ab : astate K) : Prop := {
      i_clocks : clocks_inv n (fun j => Alg.clock (rst X j)) Ab;
      i_network : net_inv n Alg.mval dp_mstamp Alg.mkey (net X) Ab;
      i_next : nextv X = anext Ab;
      i_me : forall j, j < n -> Alg.me (rst X j) = j;
      i_store : forall j k, j < n ->
        R.find kcmp k (Alg.store (rst X j)) =
          option_map (fun w => (wid w, wname w)) (latest keqb k (applied Ab j));
      i_iss_cp : forall s, sub (ids (issued Ab s)) (cpast Ab s);
      i_obs_cp : forall s, sub (ids (observed Ab s)) (cpast Ab s);
      i_w_sub : forall w, In w (allw Ab) -> sub (wsessw w) (wdeps w) /\ sub (wobs w) (wdeps w);
      i_tok_ents : forall s, ents_ok (allw Ab) (tok X s) (anext Ab);
      i_tok_deps : forall s, dcovers (allw Ab) (tok X s) (sdep Ab s);
      i_app_deps : forall r w, r < n -> In w (applied Ab r) -> sub (wdep w) (ids (applied Ab r));
      i_msgs : forall j m w, In (j, m) (net X) -> In w (allw Ab) -> wid w = Alg.mval m ->
        msg_ok (allw Ab) m w;
      i_ok : forall j, R.ok kcmp (Alg.store (rst X j))
    }.

    Definition dp_rel : sys K -> astate K -> Prop := dp_inv.

    Ltac inv_names H :=
      let H0 := fresh in pose proof H as H0;
      destruct H0 as [HC HN Hnext Hme Hstore Hisscp Hobscp Hwsub Htents Htdeps Hadeps Hmsgs Hrep];
      let H1 := fresh in pose proof HC as H1;
      destruct H1 as [Hidlt Hnodup Hwf Hbound Huniq Hsmono Happ Hiss Hobs Hfifo Hahead Hdense];
      let H2 := fresh in pose proof HN as H2;
      destruct H2 as [Hnet Hnnd Hcomp].

    Lemma res_write_latest : forall X Ab r k, dp_inv X Ab ->
      res_write K Ab (option_map wid (latest keqb k (applied Ab r))) = latest keqb k (applied Ab r).
    Proof.
      intros X Ab r k H; pose proof (i_clocks _ _ H) as HC.
      apply res_write_of; [exact (f_nodup _ _ _ _ HC)|].
      intros w E; apply latest_in in E as [Hi _]; exact (f_app_all _ _ _ _ HC r w Hi).
    Qed.

    (** A list whose entries are applied at [r] makes what it covers applied. *)
    Lemma dcovers_applied : forall X Ab r l is, dp_inv X Ab -> r < n ->
      (forall d, In d l -> snd d <= nth (fst d) (Alg.clock (rst X r)) 0) ->
      dcovers (allw Ab) l is -> sub is (ids (applied Ab r)).
    Proof.
      intros X Ab r l is H Hr Hl Hc i Hi.
      destruct (Hc i Hi) as [w (Hw & [e (He & Eo & Le)] & Hd)].
      assert (Ha : In w (applied Ab r)).
      { apply (f_fifo _ _ _ _ (i_clocks _ _ H) r w Hr Hw). specialize (Hl e He). rewrite Eo in Hl. lia. }
      destruct Hd as [<-|Hd]; [now apply in_ids|]. eapply i_app_deps; eauto.
    Qed.

    Lemma sdep_issued : forall X Ab s, dp_inv X Ab -> sub (ids (issued Ab s)) (sdep Ab s).
    Proof.
      intros X Ab s H; unfold sdep; destruct P.get_track; [apply (i_iss_cp _ _ H)|intros i Hi; exact Hi].
    Qed.

    Lemma sdep_observed : P.get_track = true ->
      forall X Ab s, dp_inv X Ab -> sub (ids (observed Ab s)) (sdep Ab s).
    Proof. intros Ht X Ab s H; unfold sdep; rewrite Ht; apply (i_obs_cp _ _ H). Qed.

    Lemma wdep_sessw : forall X Ab w, dp_inv X Ab -> In w (allw Ab) -> sub (wsessw w) (wdep w).
    Proof.
      intros X Ab w H Hw; unfold wdep; destruct P.get_track;
        [apply (i_w_sub _ _ H w Hw)|intros i Hi; exact Hi].
    Qed.

    Lemma wdep_obs : P.get_track = true ->
      forall X Ab w, dp_inv X Ab -> In w (allw Ab) -> sub (wobs w) (wdep w).
    Proof. intros Ht X Ab w H Hw; unfold wdep; rewrite Ht; apply (i_w_sub _ _ H w Hw). Qed.

    Lemma sub_trans_ids : forall a b c : list nat, sub a b -> sub b c -> sub a c.
    Proof. unfold sub; auto. Qed.

    (** ** Gets *)
    Lemma dp_get_returns_latest : forall X Ab s r k res t', dp_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        res_write K Ab res = latest keqb k (applied Ab r).
    Proof.
      intros X Ab s r k res t' H Hr Hg.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (_ & -> & _).
      rewrite (i_store _ _ H r k Hr).
      replace (option_map fst (option_map (fun w => (wid w, wname w)) (latest keqb k (applied Ab r))))
        with (option_map wid (latest keqb k (applied Ab r)))
        by (destruct (latest keqb k (applied Ab r)); reflexivity).
      now apply (res_write_latest X).
    Qed.

    Lemma dp_get_sees_deps : forall X Ab s r k res t', dp_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (sdep Ab s) (ids (applied Ab r)).
    Proof.
      intros X Ab s r k res t' H Hr Hg.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & _ & _).
      eapply dcovers_applied; eauto; [apply deps_applied_spec, Hv|apply (i_tok_deps _ _ H)].
    Qed.

    Lemma dp_get_sees_issued : forall X Ab s r k res t', dp_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (ids (issued Ab s)) (ids (applied Ab r)).
    Proof.
      intros; eapply sub_trans_ids; [eapply sdep_issued; eauto|eapply dp_get_sees_deps; eauto].
    Qed.

    Lemma dp_get_sees_observed : P.get_track = true ->
        forall X Ab s r k res t', dp_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (ids (observed Ab s)) (ids (applied Ab r)).
    Proof.
      intros; eapply sub_trans_ids; [eapply sdep_observed; eauto|eapply dp_get_sees_deps; eauto].
    Qed.

    Lemma dp_get_sees_causal_past : P.get_track = true ->
        forall X Ab s r k res t', dp_rel X Ab -> r < n ->
        Alg.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
        sub (cpast Ab s) (ids (applied Ab r)).
    Proof.
      intros Ht; intros. replace (cpast Ab s) with (sdep Ab s) by (unfold sdep; now rewrite Ht).
      eapply dp_get_sees_deps; eauto.
    Qed.

    (** ** Puts *)
    Lemma dp_put_sees_deps : forall X Ab s r k st' t' m, dp_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (sdep Ab s) (ids (applied Ab r)).
    Proof.
      intros X Ab s r k st' t' m H Hr Hp.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & _).
      eapply dcovers_applied; eauto; [apply deps_applied_spec, Hv|apply (i_tok_deps _ _ H)].
    Qed.

    Lemma dp_put_sees_issued : forall X Ab s r k st' t' m, dp_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (ids (issued Ab s)) (ids (applied Ab r)).
    Proof.
      intros; eapply sub_trans_ids; [eapply sdep_issued; eauto|eapply dp_put_sees_deps; eauto].
    Qed.

    Lemma dp_put_sees_observed : P.get_track = true ->
        forall X Ab s r k st' t' m, dp_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (ids (observed Ab s)) (ids (applied Ab r)).
    Proof.
      intros; eapply sub_trans_ids; [eapply sdep_observed; eauto|eapply dp_put_sees_deps; eauto].
    Qed.

    Lemma dp_put_sees_causal_past : P.get_track = true ->
        forall X Ab s r k st' t' m, dp_rel X Ab -> r < n ->
        Alg.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
        sub (cpast Ab s) (ids (applied Ab r)).
    Proof.
      intros Ht; intros. replace (cpast Ab s) with (sdep Ab s) by (unfold sdep; now rewrite Ht).
      eapply dp_put_sees_deps; eauto.
    Qed.

    (** ** Applies *)
    Lemma msg_write : forall X Ab l1 l2 j m w, dp_inv X Ab -> net X = l1 ++ (j, m) :: l2 ->
      find_write K Ab (dp_msg_id m) = Some w ->
      j < n /\ In w (allw Ab) /\ msg_ok (allw Ab) m w.
    Proof.
      intros X Ab l1 l2 j m w H Hnet' Hf.
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (find_write_in _ _ _ _ Hf) as [Hw Ew].
      destruct (net_msg_write _ _ _ _ _ _ _ _ _ _ _ _ (i_clocks _ _ H) (i_network _ _ H) Hinm Hw Ew) as (Hj & _).
      split; [exact Hj|split; [exact Hw|]]. eapply (i_msgs _ _ H); eauto.
    Qed.

    Lemma dp_apply_after_deps : forall X Ab l1 l2 j m w, dp_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (dp_msg_id m) = Some w ->
        sub (wdep w) (ids (applied Ab j)).
    Proof.
      intros X Ab l1 l2 j m w H Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      apply deliverable_spec in Hd as [_ Hd].
      eapply dcovers_applied; eauto. apply (d_deps _ _ _ Hok).
    Qed.

    Lemma dp_apply_after_session_writes : forall X Ab l1 l2 j m w, dp_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (dp_msg_id m) = Some w ->
        sub (wsessw w) (ids (applied Ab j)).
    Proof.
      intros X Ab l1 l2 j m w H Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      eapply sub_trans_ids; [eapply wdep_sessw; eauto|eapply dp_apply_after_deps; eauto].
    Qed.

    Lemma dp_apply_after_observed : P.get_track = true ->
      forall X Ab l1 l2 j m w, dp_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (dp_msg_id m) = Some w ->
        sub (wobs w) (ids (applied Ab j)).
    Proof.
      intros Ht X Ab l1 l2 j m w H Hnet' Hd Hf.
      destruct (msg_write _ _ _ _ _ _ _ H Hnet' Hf) as (Hj & Hw & Hok).
      eapply sub_trans_ids; [eapply wdep_obs; eauto|eapply dp_apply_after_deps; eauto].
    Qed.

    Lemma dp_apply_after_causal_past : P.get_track = true ->
      forall X Ab l1 l2 j m w, dp_rel X Ab -> net X = l1 ++ (j, m) :: l2 ->
        Alg.deliverable (rst X j) m = true ->
        find_write K Ab (dp_msg_id m) = Some w ->
        sub (wdeps w) (ids (applied Ab j)).
    Proof.
      intros Ht; intros. replace (wdeps w) with (wdep w) by (unfold wdep; now rewrite Ht).
      eapply dp_apply_after_deps; eauto.
    Qed.

    (** ** Base simulation *)
    Lemma dp_ob_init : ob_init K n dp_rel.
    Proof.
      unfold ob_init, dp_rel, sys0; constructor.
      1: apply clocks_inv_init; reflexivity.
      1: apply net_inv_init.
      all: simpl; intros; unfold Alg.init in *; simpl in *; try contradiction; auto.
      - exact (R.find_empty _ _ _ _).
      - intros i [].
      - intros i [].
      - intros e [].
      - unfold sdep; destruct P.get_track; intros i [].
      - apply R.ok_empty.
    Qed.

    Lemma dp_ob_get : ob_get K kcmp n dp_rel.
    Proof.
      intros X Ab s r k res t' H Hr Hg.
      pose proof (dp_get_returns_latest X Ab s r k res t' H Hr Hg) as Hl.
      destruct (get_spec _ _ _ _ _ _ _ _ Hg) as (Hv & Hres & Ht).
      inv_names H.
      rewrite (Hstore r k Hr) in Hres, Ht.
      assert (Hres' : res = option_map wid (latest keqb k (applied Ab r)))
        by (rewrite Hres; destruct (latest keqb k (applied Ab r)); reflexivity).
      assert (Hin : forall w, latest keqb k (applied Ab r) = Some w -> In w (allw Ab))
        by (intros w E; apply latest_in in E as [Hi _]; eauto).
      rewrite Hl. split; [|split].
      - destruct (latest keqb k (applied Ab r)) as [w|] eqn:E; simpl; auto.
        apply latest_in in E as [Hi Hk]; split; auto; now apply keqb_spec.
      - now rewrite Hres'.
      - constructor.
        1: apply clocks_inv_get; auto.
        1: apply net_inv_get; auto.
        all: unfold after_get; simpl; try assumption.
        + intros s0 i Hi; apply Hisscp in Hi; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          destruct (latest keqb k (applied Ab r)) as [w'|]; simpl; [|auto].
          right; apply in_or_app; right; auto.
        + intros s0 i Hi; unfold upd in *; destruct (Nat.eqb_spec s0 s); [subst s0|apply Hobscp; auto].
          destruct (latest keqb k (applied Ab r)) as [w'|]; simpl in *; [|apply Hobscp; auto].
          destruct Hi as [<-|Hi]; [left; auto|right; apply in_or_app; right; apply Hobscp; auto].
        + intros s0; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|auto].
          subst t'. destruct (latest keqb k (applied Ab r)) as [w'|] eqn:E; simpl; [|auto].
          destruct P.get_track; [|auto].
          intros e He; apply dep_add_in in He as [<-|He]; [|apply (Htents s e He)].
          exists w'; split; [eauto|split; [auto|]]. apply Hidlt; eauto.
        + intros s0; unfold sdep; simpl; unfold upd; cbv beta;
            destruct (Nat.eqb_spec s0 s); [subst s0|apply (Htdeps s0)].
          subst t'. pose proof (Htdeps s) as Hd; unfold sdep in Hd.
          destruct (latest keqb k (applied Ab r)) as [w'|] eqn:E; simpl; [|auto].
          destruct P.get_track eqn:Htr; [|auto].
          pose proof (Hin w' eq_refl) as Hw'.
          intros i [<-|Hi']; [|apply in_app_iff in Hi' as [Hi'|Hi']].
          * exists w'; split; [auto|split; [apply dcov_dep_add_self|auto]].
          * exists w'; split; [auto|split; [apply dcov_dep_add_self|]].
            right; unfold wdep; rewrite Htr; exact Hi'.
          * destruct (Hd i Hi') as [w (Hw & Hc & He)].
            exists w; split; [auto|split; [apply dcov_dep_add; auto|auto]].
    Qed.

    Lemma dp_ob_put : ob_put K kcmp n dp_rel dp_stamp.
    Proof.
      intros X Ab s r k st' t' m H Hr Hp.
      pose proof (dp_put_sees_deps X Ab s r k st' t' m H Hr Hp) as Hsd.
      destruct (put_spec _ _ _ _ _ _ _ _ _ _ Hp) as (Hv & Hst & Ht & Hm).
      inv_names H.
      rewrite (Hme r Hr) in Hst, Ht, Hm.
      set (sq := S (nth r (Alg.clock (rst X r)) 0)) in *.
      assert (Hsq : dp_stamp X r = (sq, r)) by reflexivity.
      split; [reflexivity|split; [exact Hnext|]].
      rewrite Hsq.
      assert (Hcl : forall j, Alg.clock (upd (rst X) r st' j) =
                if Nat.eqb j r then vset (Alg.clock (rst X r)) r sq else Alg.clock (rst X j))
        by (intros j; unfold upd; destruct (Nat.eqb j r); subst; reflexivity).
      assert (HC' := clocks_inv_put K n _ _ Ab s r k HC Hr Hcl).
      assert (HN' : net_inv n Alg.mval dp_mstamp Alg.mkey (net X ++ broadcast K n r m)
                      (after_put Ab s r k (sq, r)))
        by (apply (net_inv_put _ _ _ _ _ _ _ _ _ _ _ _ _ HC HN Hr); rewrite Hm; unfold dp_mstamp; simpl; first [reflexivity | congruence]).
      unfold after_put, new_write in *; simpl in *.
      set (w0 := mkW (anext Ab) k r s (sq, r) (ids (issued Ab s)) (ids (observed Ab s)) (cpast Ab s)) in *.
      assert (Hsub : forall x, In x (allw Ab) -> In x (w0 :: allw Ab)) by (simpl; auto).
      assert (Hwd0 : wdep w0 = sdep Ab s) by reflexivity.
      constructor; simpl; try assumption.
      - now rewrite Hnext.
      - intros j Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst; reflexivity|auto].
      - intros j k' Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto]. rewrite Hst; simpl.
        rewrite R.find_add by first [exact Hko | apply Hrep]. rewrite Hstore by exact Hr.
        rewrite Hnext. destruct (keqb k k'); simpl; reflexivity.
      - intros s0 i; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|apply Hisscp].
        intros [<-|Hi]; [left; reflexivity|right; apply Hisscp; exact Hi].
      - intros s0 i Hi; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0; right|]; apply Hobscp; exact Hi.
      - intros w [<-|Hw]; [simpl; split; [apply Hisscp|apply Hobscp]|auto].
      - intros s0; unfold upd; cbv beta; destruct (Nat.eqb_spec s0 s) as [->|Hs0].
        + rewrite Ht; intros e [<-|[]]. exists w0; simpl; split; [auto|split; [reflexivity|lia]].
        + eapply ents_ok_mono; [apply Htents|exact Hsub|lia].
      - intros s0; unfold sdep; simpl; unfold upd; cbv beta; destruct (Nat.eqb_spec s0 s) as [->|Hs0].
        + rewrite Ht.
          assert (G : forall i, In i (anext Ab :: sdep Ab s) ->
            exists w, In w (w0 :: allw Ab) /\ dcov [(r, sq)] w /\ (wid w = i \/ In i (wdep w))).
          { intros i [<-|Hi]; exists w0; (split; [left; auto|split; [exists (r, sq); simpl; split; auto|]]);
              [left; auto|right; rewrite Hwd0; exact Hi]. }
          unfold sdep in G; destruct P.get_track; exact G.
        + eapply dcovers_mono; [apply (Htdeps s0)|exact Hsub].
      - intros j w Hj; unfold upd; destruct (Nat.eqb_spec j r); [subst j|eauto].
        intros [<-|Hw]; apply sub_cons; [rewrite Hwd0; exact Hsd|eauto].
      - intros j m0 w Hin Hw Ei; apply in_app_iff in Hin as [Hin|Hin].
        + destruct Hw as [<-|Hw].
          * destruct (Hnet j m0 Hin) as (_ & _ & w & Hw & E1 & _).
            apply Hidlt in Hw; simpl in Ei; lia.
          * eapply msg_ok_mono; [eapply Hmsgs; eauto|exact Hsub].
        + unfold broadcast in Hin; apply in_map_iff in Hin as [j' [E _]].
          injection E as <- <-.
          destruct Hw as [<-|Hw].
          * rewrite Hm; constructor; simpl.
            -- eapply ents_ok_mono; [apply Htents|exact Hsub|]. simpl; lia.
            -- rewrite Hwd0; eapply dcovers_mono; [apply Htdeps|exact Hsub].
          * apply Hidlt in Hw; rewrite Hm in Ei; simpl in Ei; lia.
      - intros x; unfold upd; destruct (Nat.eqb_spec x r); [subst x; rewrite Hst; simpl; apply R.ok_add; auto|auto].
    Qed.

    Lemma dp_ob_deliver : ob_deliver K kcmp n dp_rel dp_msg_id.
    Proof.
      intros X Ab l1 l2 j m H Hnet' Hdel.
      pose proof (dp_apply_after_deps X Ab l1 l2 j m) as Had.
      pose proof Hdel as Hdel0.
      inv_names H.
      assert (Hinm : In (j, m) (net X)) by (rewrite Hnet'; apply in_or_app; simpl; auto).
      destruct (Hnet j m Hinm) as (Hj & Hjo & w & Hw & Ei & Ek & Es & Hna).
      destruct (Hwf w Hw) as (Eo & H1 & Hon).
      unfold dp_mstamp in Es, Hjo; simpl in Hjo. rewrite Es in Eo; simpl in Eo.
      apply deliverable_spec in Hdel as [Hdel _].
      assert (Hf : find_write K Ab (dp_msg_id m) = Some w)
        by (unfold dp_msg_id; rewrite <- Ei; now apply find_write_of).
      exists w; split; [exact Hf|].
      split; [exact Hj|split].
      { intros Hi; apply ids_in in Hi as [w' [Hw' E]]. apply Hna.
        replace w with w'; auto. eapply wid_inj; eauto. }
      set (st' := Alg.apply kcmp (rst X j) m).
      assert (Hcl : forall x, Alg.clock (upd (rst X) j st' x) =
                if Nat.eqb x j then vset (Alg.clock (rst X j)) (worig w) (fst (wstamp w))
                else Alg.clock (rst X x))
        by (intros x; unfold upd; rewrite Es, <- Eo; destruct (Nat.eqb x j); reflexivity).
      assert (HC' := clocks_inv_apply _ _ _ _ _ _ _ HC Hj Hw Hna ltac:(congruence)
                       ltac:(rewrite Es, <- Eo; exact Hdel) Hcl).
      rewrite Hnet' in HN.
      assert (HN' := net_inv_deliver _ _ _ _ _ _ _ _ _ _ _ _ _ HC HN Hw Ei).
      unfold after_apply in *; constructor; simpl; try assumption.
      - intros x Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x; apply Hme; auto|auto].
      - intros x k' Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x|auto].
        unfold st', Alg.apply; simpl.
        rewrite R.find_add by first [exact Hko | apply Hrep]. rewrite Hstore by exact Hj.
        rewrite Ek; destruct (keqb (Alg.mkey m) k'); simpl; [|reflexivity].
        unfold wname; rewrite Ei, Es; simpl; rewrite Eo; reflexivity.
      - intros x w' Hx; unfold upd; destruct (Nat.eqb_spec x j); [subst x|eauto].
        intros [<-|Hi]; apply sub_cons; [|eauto].
        eapply Had; eauto.
      - intros j' m' w' Hin Hw' Ei'. apply (Hmsgs j' m' w'); [|exact Hw'|exact Ei'].
        rewrite Hnet'; apply in_app_iff in Hin as [?|?]; apply in_or_app; simpl; auto.
      - intros x; unfold upd; destruct (Nat.eqb_spec x j); [subst x; unfold st', Alg.apply; simpl; apply R.ok_add; auto|auto].
    Qed.

    Lemma dp_base_simulation : base_simulation K kcmp n dp_rel dp_stamp dp_msg_id.
    Proof.
      split; [exact dp_ob_init|split; [exact dp_ob_put|split; [exact dp_ob_get|exact dp_ob_deliver]]].
    Qed.

    (** ** Progress *)

    (** An in-flight message to [j] that is not deliverable waits for an
        older write not applied at [j]: the previous one of its origin, or
        one its dependency list names. *)
    Lemma blocked_message_waits_for_older_write : forall X Ab j m, dp_inv X Ab -> In (j, m) (net X) ->
      Alg.deliverable (rst X j) m = false ->
      exists w2, In w2 (allw Ab) /\ ~ In w2 (applied Ab j) /\ wid w2 < Alg.mval m.
    Proof.
      intros X Ab j m H Hin Hd.
      inv_names H.
      destruct (Hnet j m Hin) as (Hj & _ & w & Hw & Ei & _ & Es & Hna).
      pose proof (Hmsgs j m w Hin Hw Ei) as Hok. rewrite <- Ei.
      unfold dp_mstamp in Es.
      destruct (Hwf w Hw) as (Eo & H1 & Hon). rewrite Es in Eo, H1; simpl in Eo, H1.
      unfold Alg.deliverable in Hd; apply andb_false_iff in Hd as [Hd|Hd].
      - apply Nat.eqb_neq in Hd.
        apply (out_of_order_waits_for_older_write _ _ _ _ _ _ HC Hj Hw Hna).
        rewrite Es, <- Eo; simpl; exact Hd.
      - apply deps_applied_false in Hd as [d [Hd Hlt]].
        destruct (d_ents _ _ _ Hok d Hd) as [w' (Hw' & Ed & Hlt')].
        destruct (behind_replica_misses_next_write _ _ _ _ _ _ HC Hj Hw') as [w2 (Hw2 & Hna2 & Hle)].
        { rewrite <- Ed in Hlt; unfold wname in Hlt; simpl in Hlt; exact Hlt. }
        exists w2; split; [auto|split; [auto|lia]].
    Qed.

    Lemma dp_progress_deliver : progress_deliver K dp_rel.
    Proof.
      intros X Ab H Hne.
      apply (some_deliverable _ _ _ _ _ _ _ _ _ (fun j m => Alg.deliverable (rst X j) m)
               (i_clocks _ _ H) (i_network _ _ H) Hne).
      intros j m Hin Hd; eapply blocked_message_waits_for_older_write; eauto.
    Qed.

    Lemma dp_progress_ops : progress_ops K kcmp n dp_rel.
    Proof.
      intros X Ab s r k v H Hnil Hr. inv_names H.
      assert (Hv : deps_applied (Alg.clock (rst X r)) (tok X s) = true).
      { apply deps_applied_spec; intros d Hd.
        destruct (Htents s d Hd) as [w (Hw & <- & _)]; unfold wname; simpl.
        rewrite Hnil in HN.
        apply (Hfifo r w Hr Hw), (quiet_all_applied _ _ _ _ _ _ _ _ _ _ HC HN Hw Hr). }
      split.
      - unfold Alg.put; rewrite Hv; simpl. eauto.
      - unfold Alg.get; rewrite Hv. destruct (R.find kcmp k (Alg.store (rst X r))) as [[x d]|]; eauto.
    Qed.
  End Proofs.
End DependenciesProofs.
