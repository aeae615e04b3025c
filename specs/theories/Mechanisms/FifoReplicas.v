(** * Replicas with per-origin FIFO counts, and the network between them.

    The part of a simulation invariant that every mechanism whose replicas
    count, per origin, the writes they applied (in FIFO order per origin)
    shares, stated over the replicas' counts [clk] (one vector per replica)
    and the abstract store, so that a mechanism's invariant is this part
    plus its own facts about tokens, messages and the store:
    - [clocks_inv clk Ab]: every abstract write is named by its stamp
      [(sequence number, origin)], sequence numbers are dense per origin
      and grow with write identifiers; a replica applied a write iff its
      count for the write's origin reached the write's sequence number;
    - [net_inv net Ab]: every in-flight message carries a write not yet
      applied at its destination, at most once per destination, and every
      write not applied at a replica is in flight to it (delivery exactly
      once, eventually).
    Preservation lemmas for each step of the concrete system ([put]
    increments the origin's own count, [apply] sets the count of the
    write's origin to its sequence number), and the two progress
    arguments: a network where every blocked message waits for an older
    write always has a deliverable message; a quiet network means every
    replica applied every write; [covered_applied_of]: a replica whose
    count covers a vector covering a write applied it.  Used by [SessionVectorsProofs],
    [CausalVectorsProofs] and [DependenciesProofs]; [CausalLwwProofs]
    keeps its own version (its stamps are Lamport times, not per-origin
    sequence numbers). *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.Prelude Framework.Abstract Mechanisms.VectorClock
  Mechanisms.WriteFacts.
Import ListNotations.

Section FifoReplicas.
  Variable K : Type.
  Variable n : nat.

  Record clocks_inv (clk : nat -> list nat) (Ab : astate K) : Prop := {
    f_idlt : forall w, In w (allw Ab) -> wid w < anext Ab;
    f_nodup : NoDup (ids (allw Ab));
    f_wf : forall w, In w (allw Ab) -> snd (wstamp w) = worig w /\ 1 <= fst (wstamp w) /\ worig w < n;
    f_bound : forall w, In w (allw Ab) -> fst (wstamp w) <= nth (worig w) (clk (worig w)) 0;
    f_stamp_uniq : forall w w', In w (allw Ab) -> In w' (allw Ab) -> wstamp w = wstamp w' -> w = w';
    f_seq_mono : forall w w', In w (allw Ab) -> In w' (allw Ab) -> worig w = worig w' ->
      fst (wstamp w) < fst (wstamp w') -> wid w < wid w';
    f_app_all : forall r w, In w (applied Ab r) -> In w (allw Ab);
    f_iss_all : forall s w, In w (issued Ab s) -> In w (allw Ab);
    f_obs_all : forall s w, In w (observed Ab s) -> In w (allw Ab);
    f_fifo : forall j w, j < n -> In w (allw Ab) ->
      (In w (applied Ab j) <-> fst (wstamp w) <= nth (worig w) (clk j) 0);
    f_ahead : forall j o, j < n -> nth o (clk j) 0 <= nth o (clk o) 0;
    f_dense : forall o x, o < n -> 1 <= x <= nth o (clk o) 0 ->
      exists w, In w (allw Ab) /\ wstamp w = (x, o)
  }.

  Lemma clocks_inv_init : forall clk, (forall j, clk j = []) -> clocks_inv clk astate0.
  Proof.
    intros clk H0; constructor; simpl; intros; rewrite ?H0 in *; rewrite ?nth_nil0 in *;
      try contradiction; try constructor; try lia.
  Qed.

  Lemma clocks_inv_put : forall clk clk' Ab s r k, clocks_inv clk Ab -> r < n ->
    (forall j, clk' j = if Nat.eqb j r then vset (clk r) r (S (nth r (clk r) 0)) else clk j) ->
    clocks_inv clk' (after_put Ab s r k (S (nth r (clk r) 0), r)).
  Proof.
    intros clk clk' Ab s r k H Hr Hcl.
    destruct H as [Hidlt Hnodup Hwf Hbound Huniq Hsmono Happ Hiss Hobs Hfifo Hahead Hdense].
    set (sq := S (nth r (clk r) 0)) in *.
    unfold after_put, new_write; simpl.
    set (w0 := mkW (anext Ab) k r s (sq, r) (ids (issued Ab s)) (ids (observed Ab s)) (cpast Ab s)).
    assert (Hw0 : ~ In w0 (allw Ab)) by (intros Hi; apply Hidlt in Hi; simpl in Hi; lia).
    assert (Hne : forall w, In w (allw Ab) -> w <> w0) by (intros w Hw E; subst; contradiction).
    assert (Hdiag : forall o, nth o (clk o) 0 <= nth o (clk' o) 0).
    { intros o; rewrite Hcl; destruct (Nat.eqb_spec o r); [subst; rewrite nth_vset, Nat.eqb_refl; unfold sq; lia|lia]. }
    assert (Hrr : nth r (clk' r) 0 = sq) by (rewrite Hcl, Nat.eqb_refl, nth_vset, Nat.eqb_refl; reflexivity).
    assert (Hold : forall w, In w (allw Ab) -> worig w = r -> fst (wstamp w) < sq).
    { intros w Hw E; specialize (Hbound w Hw); rewrite E in Hbound; unfold sq; lia. }
    constructor; simpl.
    - intros w [<-|Hw]; simpl; [lia|apply Hidlt in Hw; lia].
    - constructor; auto. intros Hi; apply ids_in in Hi as [w [Hw E]]; apply Hidlt in Hw; lia.
    - intros w [<-|Hw]; simpl; [lia|auto].
    - intros w [<-|Hw]; simpl; [rewrite Hrr; lia|].
      specialize (Hbound w Hw); specialize (Hdiag (worig w)); lia.
    - intros w w' [<-|Hw] [<-|Hw'] E; auto.
      + destruct (Hwf w' Hw') as [E1 _]; rewrite <- E in E1; simpl in E1.
        specialize (Hold w' Hw' (eq_sym E1)); rewrite <- E in Hold; simpl in Hold; lia.
      + destruct (Hwf w Hw) as [E1 _]; rewrite E in E1; simpl in E1.
        specialize (Hold w Hw (eq_sym E1)); rewrite E in Hold; simpl in Hold; lia.
    - intros w w' [<-|Hw] [<-|Hw'] Eo Hlt; simpl in *; try lia.
      + specialize (Hold w' Hw' (eq_sym Eo)); lia.
      + apply Hidlt in Hw; lia.
      + eauto.
    - intros j w; unfold upd; destruct (Nat.eqb_spec j r); [subst j|]; eauto.
      intros [<-|Hw]; eauto.
    - intros s0 w; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|]; eauto.
      intros [<-|Hw]; eauto.
    - eauto.
    - intros j w Hj [<-|Hw].
      + simpl; rewrite Hcl; unfold upd; destruct (Nat.eqb_spec j r).
        * subst; rewrite nth_vset, Nat.eqb_refl; simpl; split; auto; lia.
        * split; [intros Hi; apply Happ in Hi; contradiction|].
          specialize (Hahead j r Hj); unfold sq; lia.
      + rewrite Hcl; unfold upd; destruct (Nat.eqb_spec j r) as [->|Hjr]; [|auto].
        rewrite nth_vset; simpl.
        rewrite (Hfifo r w Hr Hw).
        destruct (Nat.eqb_spec (worig w) r) as [E|E];
          [|split; [intros [E'|Hi]; [exfalso; eapply Hne; eauto|auto]|auto]].
        specialize (Hbound w Hw); rewrite E in Hbound.
        split; [intros _; unfold sq; lia|intros _; right; rewrite E; lia].
    - intros j o Hj; rewrite !Hcl.
      destruct (Nat.eqb_spec j r), (Nat.eqb_spec o r); subst; rewrite ?nth_vset, ?Nat.eqb_refl; auto.
      + destruct (Nat.eqb_spec o r); [contradiction|auto].
      + specialize (Hahead j r Hj); unfold sq; lia.
    - intros o x Ho Hx; rewrite Hcl in Hx; destruct (Nat.eqb_spec o r).
      + subst o; rewrite nth_vset, Nat.eqb_refl in Hx.
        destruct (Nat.eq_dec x sq); [subst; exists w0; simpl; auto|].
        destruct (Hdense r x Hr) as [w [Hw E]]; [unfold sq in *; lia|]. eauto.
      + destruct (Hdense o x Ho Hx) as [w [Hw E]]; eauto.
  Qed.

  Lemma clocks_inv_get : forall clk Ab s res, clocks_inv clk Ab ->
    (forall w, res = Some w -> In w (allw Ab)) -> clocks_inv clk (after_get Ab s res).
  Proof.
    intros clk Ab s res H Hres; destruct H; constructor; simpl; auto.
    intros s0 w; unfold upd; destruct (Nat.eqb_spec s0 s); [subst s0|eauto].
    destruct res as [w'|]; simpl; [|eauto]. intros [<-|Hi]; eauto.
  Qed.

  Lemma clocks_inv_apply : forall clk clk' Ab j w, clocks_inv clk Ab -> j < n -> In w (allw Ab) ->
    ~ In w (applied Ab j) -> worig w <> j -> S (nth (worig w) (clk j) 0) = fst (wstamp w) ->
    (forall x, clk' x = if Nat.eqb x j then vset (clk j) (worig w) (fst (wstamp w)) else clk x) ->
    clocks_inv clk' (after_apply Ab j w).
  Proof.
    intros clk clk' Ab j w H Hj Hw Hna Hjo Hdel Hcl.
    destruct H as [Hidlt Hnodup Hwf Hbound Huniq Hsmono Happ Hiss Hobs Hfifo Hahead Hdense].
    assert (Hdiag : forall o, nth o (clk' o) 0 = nth o (clk o) 0).
    { intros o; rewrite Hcl; destruct (Nat.eqb_spec o j); [subst; rewrite nth_vset;
        destruct (Nat.eqb_spec j (worig w)); [congruence|auto]|auto]. }
    unfold after_apply; constructor; simpl; try assumption.
    - intros w'; rewrite Hdiag; auto.
    - intros r w'; unfold upd; destruct (Nat.eqb_spec r j); [subst r|eauto]. intros [<-|Hi]; eauto.
    - intros x w' Hx Hw'; rewrite Hcl; unfold upd; destruct (Nat.eqb_spec x j); [subst x|auto].
      rewrite nth_vset. simpl.
      destruct (Nat.eqb_spec (worig w') (worig w)) as [E|E].
      + rewrite (Hfifo j w' Hj Hw'), E. split.
        * intros [<-|Hi]; lia.
        * intros Hle. destruct (Nat.eq_dec (fst (wstamp w')) (fst (wstamp w))) as [E'|E']; [left|right; lia].
          apply Huniq; auto.
          destruct (Hwf w' Hw') as (Eo' & _). destruct (Hwf w Hw) as (Eo & _).
          apply injective_projections; congruence.
      + rewrite (Hfifo j w' Hj Hw'). split; [intros [<-|Hi]; [congruence|auto]|intros Hi; right; exact Hi].
    - intros x o Hx; rewrite Hdiag, Hcl; destruct (Nat.eqb_spec x j); [subst x|auto].
      rewrite nth_vset; destruct (Nat.eqb_spec o (worig w)) as [->|]; [|auto].
      specialize (Hbound w Hw); lia.
    - intros o x Ho Hx; rewrite Hdiag in Hx; auto.
  Qed.

  (** A replica behind a write of some origin has not applied the next write
      of that origin, which is not younger. *)
  Lemma behind_replica_misses_next_write : forall clk Ab j w', clocks_inv clk Ab -> j < n -> In w' (allw Ab) ->
    nth (worig w') (clk j) 0 < fst (wstamp w') ->
    exists w2, In w2 (allw Ab) /\ ~ In w2 (applied Ab j) /\ wid w2 <= wid w'.
  Proof.
    intros clk Ab j w' H Hj Hw' Hlt.
    destruct H as [Hidlt Hnodup Hwf Hbound Huniq Hsmono Happ Hiss Hobs Hfifo Hahead Hdense].
    destruct (Hwf w' Hw') as (Eo & H1 & Hon).
    destruct (Hdense (worig w') (S (nth (worig w') (clk j) 0)) Hon) as [w2 [Hw2 Es2]].
    { specialize (Hbound w' Hw'); lia. }
    destruct (Hwf w2 Hw2) as (Eo2 & _). rewrite Es2 in Eo2; simpl in Eo2.
    exists w2; split; [exact Hw2|split].
    - intros Hi2; apply (Hfifo j w2 Hj Hw2) in Hi2. rewrite Es2, <- Eo2 in Hi2; simpl in Hi2; lia.
    - destruct (Nat.eq_dec (S (nth (worig w') (clk j) 0)) (fst (wstamp w'))) as [E|E].
      + assert (w2 = w') as ->; [|lia].
        apply Huniq; auto. rewrite Es2, E. apply injective_projections; simpl; congruence.
      + apply Nat.lt_le_incl, Hsmono; [exact Hw2|exact Hw'|congruence|rewrite Es2; simpl; lia].
  Qed.

  (** A write a replica has not applied, and is not the next one of its
      origin there, waits for an older write the replica has not applied
      either (the next one of that origin). *)
  Lemma out_of_order_waits_for_older_write : forall clk Ab j w, clocks_inv clk Ab -> j < n ->
    In w (allw Ab) -> ~ In w (applied Ab j) -> S (nth (worig w) (clk j) 0) <> fst (wstamp w) ->
    exists w2, In w2 (allw Ab) /\ ~ In w2 (applied Ab j) /\ wid w2 < wid w.
  Proof.
    intros clk Ab j w H Hj Hw Hna Hd.
    pose proof H as [Hidlt Hnodup Hwf Hbound Huniq Hsmono Happ Hiss Hobs Hfifo Hahead Hdense].
    destruct (Hwf w Hw) as (Eo & H1 & Hon).
    assert (Hbehind : nth (worig w) (clk j) 0 < fst (wstamp w)).
    { destruct (Nat.lt_ge_cases (nth (worig w) (clk j) 0) (fst (wstamp w))) as [?|Hge]; auto.
      exfalso; apply Hna, (Hfifo j w Hj Hw); lia. }
    destruct (Hdense (worig w) (fst (wstamp w) - 1)) as [w' [Hw' Es']]; [exact Hon| |].
    { split; [lia|]. specialize (Hbound w Hw); lia. }
    destruct (Hwf w' Hw') as (Eo' & _). rewrite Es' in Eo'; simpl in Eo'.
    destruct (behind_replica_misses_next_write _ _ _ _ H Hj Hw') as [w2 (Hw2 & Hna2 & Hle)].
    { rewrite Es', <- Eo'; simpl; lia. }
    exists w2; split; [auto|split; [auto|]].
    assert (wid w' < wid w); [|lia].
    apply Hsmono; [exact Hw'|exact Hw|congruence|rewrite Es'; simpl; lia].
  Qed.

  (** A write is applied at [r] as soon as [r]'s count covers a vector
      that covers the write. *)
  Lemma covered_applied_of : forall clk Ab r tk w, clocks_inv clk Ab -> r < n ->
    vle tk (clk r) = true -> In w (allw Ab) ->
    fst (wstamp w) <= nth (worig w) tk 0 -> In (wid w) (ids (applied Ab r)).
  Proof.
    intros clk Ab r tk w H Hr Hv Hw Hs.
    apply in_ids. apply (f_fifo _ _ H r w Hr Hw).
    apply vle_spec with (i := worig w) in Hv; lia.
  Qed.

  Section Network.
    Variable M : Type.
    (** The write identifier, stamp [(sequence number, origin)] and key a
        message carries. *)
    Variable mid : M -> nat.
    Variable mstamp : M -> stamp.
    Variable mkey : M -> K.

    (** What [Concrete.broadcast] sends: one copy to each other replica. *)
    Definition bcast (r : nat) (m : M) : list (nat * M) :=
      map (fun j => (j, m)) (filter (fun j => negb (Nat.eqb j r)) (seq 0 n)).

    Record net_inv (net : list (nat * M)) (Ab : astate K) : Prop := {
      n_msg : forall j m, In (j, m) net -> j < n /\ j <> snd (mstamp m) /\
        exists w, In w (allw Ab) /\ wid w = mid m /\ wkey w = mkey m /\ wstamp w = mstamp m /\
          ~ In w (applied Ab j);
      n_nodup : NoDup (map (fun p => (fst p, mid (snd p))) net);
      n_complete : forall w j, In w (allw Ab) -> j < n -> ~ In w (applied Ab j) ->
        exists m, In (j, m) net /\ mid m = wid w
    }.

    Lemma net_inv_init : net_inv [] astate0.
    Proof. constructor; simpl; try contradiction; try constructor. Qed.

    Lemma net_inv_put : forall clk Ab s r k m net, clocks_inv clk Ab -> net_inv net Ab -> r < n ->
      mid m = anext Ab -> mstamp m = (S (nth r (clk r) 0), r) -> mkey m = k ->
      net_inv (net ++ bcast r m) (after_put Ab s r k (S (nth r (clk r) 0), r)).
    Proof.
      intros clk Ab s r k m net Hc [Hmsg Hnnd Hcomp] Hr Hid Hst Hk.
      pose proof (f_idlt _ _ Hc) as Hidlt.
      unfold after_put, new_write; simpl.
      set (w0 := mkW (anext Ab) k r s (S (nth r (clk r) 0), r) (ids (issued Ab s))
                   (ids (observed Ab s)) (cpast Ab s)).
      assert (Hne : forall w, In w (allw Ab) -> w <> w0)
        by (intros w Hw E; apply Hidlt in Hw; subst; simpl in Hw; lia).
      constructor; simpl.
      - intros j m0 Hin; apply in_app_iff in Hin as [Hin|Hin].
        + destruct (Hmsg j m0 Hin) as (Hj & Hjo & w & Hw & E1 & E2 & E3 & Hna).
          split; [auto|split; [auto|]]. exists w; split; [simpl; auto|].
          split; [auto|split; [auto|split; [auto|]]].
          unfold upd; destruct (Nat.eqb_spec j r); [subst j|auto].
          intros [E|Hi]; [eapply Hne; eauto|contradiction].
        + unfold bcast in Hin; apply in_map_iff in Hin as [j' [E Hj']].
          injection E as <- <-. apply filter_In in Hj' as [Hj' Hjr].
          apply in_seq in Hj'. apply negb_true_iff, Nat.eqb_neq in Hjr.
          rewrite Hst; simpl. split; [lia|split; [auto|]].
          exists w0; split; [simpl; auto|]. simpl; split; [congruence|split; [congruence|split; [auto|]]].
          unfold upd; destruct (Nat.eqb_spec j' r); [contradiction|].
          intros Hi; apply (f_app_all _ _ Hc) in Hi. apply Hidlt in Hi; simpl in Hi; lia.
      - unfold bcast; rewrite map_app, map_map; simpl.
        apply NoDup_app'; auto.
        + apply NoDup_map_pair, NoDup_filter, seq_NoDup.
        + intros x Hx Hx'. apply in_map_iff in Hx as [[j1 m1] [<- Hin]].
          apply in_map_iff in Hx' as [j2 [E _]]. simpl in E. injection E as _ E.
          destruct (Hmsg j1 m1 Hin) as (_ & _ & w & Hw & E1 & _).
          apply Hidlt in Hw. lia.
      - intros w j [<-|Hw] Hj Hna.
        + unfold upd in Hna; destruct (Nat.eqb_spec j r); [subst; exfalso; apply Hna; simpl; auto|].
          exists m; split; [apply in_app_iff; right|simpl; congruence].
          unfold bcast; apply in_map_iff; exists j; split; auto.
          apply filter_In; split; [apply in_seq; lia|apply negb_true_iff, Nat.eqb_neq; auto].
        + destruct (Hcomp w j Hw Hj) as [m1 [Hin E]].
          * unfold upd in Hna; destruct (Nat.eqb_spec j r); [subst; intros Hi; apply Hna; simpl; auto|auto].
          * exists m1; split; auto; apply in_app_iff; auto.
    Qed.

    Lemma net_inv_get : forall net Ab s res, net_inv net Ab -> net_inv net (after_get Ab s res).
    Proof. intros net Ab s res [H1 H2 H3]; constructor; simpl; auto. Qed.

    (** The write an in-flight message carries. *)
    Lemma net_msg_write : forall clk net Ab j m w, clocks_inv clk Ab -> net_inv net Ab ->
      In (j, m) net -> In w (allw Ab) -> wid w = mid m ->
      j < n /\ j <> worig w /\ wkey w = mkey m /\ wstamp w = mstamp m /\ ~ In w (applied Ab j).
    Proof.
      intros clk net Ab j m w Hc Hn Hin Hw Ei.
      destruct (n_msg _ _ Hn j m Hin) as (Hj & Hjo & w' & Hw' & Ei' & Ek & Es & Hna).
      assert (w' = w) as -> by (eapply wid_inj; eauto; [apply (f_nodup _ _ Hc)|congruence]).
      destruct (f_wf _ _ Hc w Hw) as (Eo & _). rewrite Es in Eo.
      repeat split; auto; congruence.
    Qed.

    Lemma net_inv_deliver : forall clk Ab l1 l2 j m w, clocks_inv clk Ab ->
      net_inv (l1 ++ (j, m) :: l2) Ab -> In w (allw Ab) -> wid w = mid m ->
      net_inv (l1 ++ l2) (after_apply Ab j w).
    Proof.
      intros clk Ab l1 l2 j m w Hc Hn Hw Ei.
      pose proof Hn as [Hmsg Hnnd Hcomp].
      constructor; simpl.
      - intros j' m' Hin.
        assert (Hin' : In (j', m') (l1 ++ (j, m) :: l2))
          by (apply in_app_iff in Hin as [?|?]; apply in_or_app; simpl; auto).
        destruct (Hmsg j' m' Hin') as (Hj' & Hjo' & w' & Hw' & Ei' & Ek' & Es' & Hna').
        split; [auto|split; [auto|exists w'; split; [auto|split; [auto|split; [auto|split; [auto|]]]]]].
        unfold upd; destruct (Nat.eqb_spec j' j); [subst j'|auto].
        intros [E|Hi]; [|contradiction].
        subst w'.
        pose proof Hnnd as Hnd. rewrite map_app in Hnd. simpl in Hnd.
        apply NoDup_remove_2 in Hnd. apply Hnd. rewrite <- map_app. apply in_map_iff.
        exists (j, m'); split; auto. simpl. congruence.
      - rewrite !map_app in Hnnd; rewrite map_app; simpl in Hnnd.
        eapply NoDup_remove_1; exact Hnnd.
      - intros w' x Hw' Hx Hna'.
        assert (Hna0 : ~ In w' (applied Ab x))
          by (intros Hi; apply Hna'; unfold upd; destruct (Nat.eqb_spec x j); subst; simpl; auto).
        destruct (Hcomp w' x Hw' Hx Hna0) as [m' [Hin E]].
        exists m'; split; auto.
        apply in_app_iff in Hin as [Hin|[Hin|Hin]]; try (apply in_or_app; simpl; auto; fail).
        injection Hin as E1 E2; subst.
        exfalso; apply Hna'; unfold upd; rewrite Nat.eqb_refl; left.
        eapply wid_inj; eauto; [apply (f_nodup _ _ Hc)|congruence].
    Qed.

    (** No deadlock: if every message that is not deliverable waits for an
        older write not applied at its destination, some message is
        deliverable (the oldest one waited for is in flight). *)
    Lemma some_deliverable : forall clk Ab net (deliv : nat -> M -> bool),
      clocks_inv clk Ab -> net_inv net Ab -> net <> [] ->
      (forall j m, In (j, m) net -> deliv j m = false ->
         exists w2, In w2 (allw Ab) /\ ~ In w2 (applied Ab j) /\ wid w2 < mid m) ->
      exists l1 j m l2, net = l1 ++ (j, m) :: l2 /\ deliv j m = true.
    Proof.
      intros clk Ab net deliv Hc Hn Hne Hblk.
      assert (Hex : exists j m, In (j, m) net)
        by (destruct net as [|[j m] l]; [congruence|exists j, m; simpl; auto]).
      destruct Hex as [j [m Hin]].
      assert (G : forall x j m, In (j, m) net -> mid m = x ->
        exists l1 j' m' l2, net = l1 ++ (j', m') :: l2 /\ deliv j' m' = true).
      { intros x; induction x as [x IH] using lt_wf_ind; intros j0 m0 Hin0 Ex.
        destruct (deliv j0 m0) eqn:Hd.
        { apply in_split in Hin0 as [l1 [l2 E]]; exists l1, j0, m0, l2; auto. }
        destruct (Hblk j0 m0 Hin0 Hd) as [w2 (Hw2 & Hna2 & Hlt)].
        destruct (n_msg _ _ Hn j0 m0 Hin0) as (Hj & _).
        destruct (n_complete _ _ Hn w2 j0 Hw2 Hj Hna2) as [m2 [Hin2 E2]].
        apply (IH (mid m2)) with (j := j0) (m := m2); auto. lia. }
      eapply G; eauto.
    Qed.

    (** A quiet network: every replica applied every write. *)
    Lemma quiet_all_applied : forall clk Ab w j, clocks_inv clk Ab -> net_inv [] Ab ->
      In w (allw Ab) -> j < n -> In w (applied Ab j).
    Proof.
      intros clk Ab w j Hc Hn Hw Hj. apply (f_fifo _ _ Hc j w Hj Hw).
      destruct (Nat.le_gt_cases (fst (wstamp w)) (nth (worig w) (clk j) 0)) as [Hle|Hgt]; [exact Hle|].
      exfalso. destruct (n_complete _ _ Hn w j Hw Hj) as [m [[] _]].
      intros Hi; apply (f_fifo _ _ Hc j w Hj Hw) in Hi; lia.
    Qed.
  End Network.
End FifoReplicas.

Arguments clocks_inv {K} n clk Ab.
Arguments net_inv {K} n {M} mid mstamp mkey net Ab.
Arguments bcast n {M} r m.
