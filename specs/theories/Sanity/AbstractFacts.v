(** * Sanity: facts about every abstract execution producing a given trace.

    Refuting a trace means reasoning over every abstract execution producing
    it, with any number of silent [AApply] steps anywhere.  This file gives
    the generic library the refutations use:
    - the *ghost* of a trace ([ghost_of]): everything of the abstract state
      the trace determines (the writes up to their stamps, per session the
      ids issued and read and the causal past), computed by folding the
      trace; [areachable_inv] proves that every reachable state agrees with
      it, plus structural facts (applied writes are issued writes, a write is
      applied at its origin, stamps carry their origin, ids are unique);
    - [areach_nth]: the state just before the [i]-th newest event of the
      trace, which took that event's step, and whose applied writes stay
      applied ([grows]) in every later state;
    - [closed_applied]: a constraint guarding puts and applies with a field
      of the write (session writes, reads, causal dependencies) keeps that
      field applied wherever the write is applied;
    - facts on the read rules ([latest], [arb_max]);
    - tactics: [at_get] (the guards of a get of the trace, split per
      constraint) and [write_fields] (a write's fields from the ghost). *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude Framework.Events Framework.Abstract
  Specs.ReadRules Specs.SessionGuarantees Specs.CausalConstraint.
Import ListNotations.

Section Facts.
  Variable K : Type.
  Variable n : nat.

  (** ** The ghost of a trace *)
  Record ghost := mkG {
    g_allw : list (write K);        (** writes, stamps erased to (0, 0) *)
    g_issued : nat -> list nat;
    g_observed : nat -> list nat;
    g_cpast : nat -> list nat;
    g_next : nat }.

  Definition g0 : ghost := mkG [] (fun _ => []) (fun _ => []) (fun _ => []) 0.

  Definition erase (w : write K) : write K :=
    mkW (wid w) (wkey w) (worig w) (wsess w) (0, 0) (wsessw w) (wobs w) (wdeps w).

  Definition glookup (l : list (write K)) (i : nat) : option (write K) :=
    find (fun w => Nat.eqb (wid w) i) l.

  Definition gstep (e : event K) (G : ghost) : ghost :=
    match e with
    | EPut s r k _ =>
        mkG (mkW (g_next G) k r s (0, 0) (g_issued G s) (g_observed G s) (g_cpast G s)
               :: g_allw G)
            (upd (g_issued G) s (g_next G :: g_issued G s)) (g_observed G)
            (upd (g_cpast G) s (g_next G :: g_cpast G s)) (S (g_next G))
    | EGet _ _ _ None => G
    | EGet s _ _ (Some v) =>
        let deps := match glookup (g_allw G) v with Some w => wdeps w | None => [] end in
        mkG (g_allw G) (g_issued G) (upd (g_observed G) s (v :: g_observed G s))
            (upd (g_cpast G) s (v :: deps ++ g_cpast G s)) (g_next G)
    end.

  (** Traces are newest first: fold from the oldest event. *)
  Definition ghost_of (tr : list (event K)) : ghost := fold_right gstep g0 tr.

  (** ** The invariant of reachable states *)
  Record inv (tr : list (event K)) (A : astate K) : Prop := {
    inv_next : anext A = g_next (ghost_of tr);
    inv_allw : map erase (allw A) = g_allw (ghost_of tr);
    inv_issued : forall s, ids (issued A s) = g_issued (ghost_of tr) s;
    inv_observed : forall s, ids (observed A s) = g_observed (ghost_of tr) s;
    inv_cpast : forall s, cpast A s = g_cpast (ghost_of tr) s;
    inv_fresh : forall w, In w (allw A) -> wid w < anext A;
    inv_nodup : NoDup (ids (allw A));
    inv_applied : forall r w, In w (applied A r) -> In w (allw A);
    inv_origin : forall w, In w (allw A) -> In w (applied A (worig w));
    inv_stamp : forall w, In w (allw A) -> snd (wstamp w) = worig w }.

  Lemma glookup_erase : forall l w, NoDup (ids l) -> In w l ->
    glookup (map erase l) (wid w) = Some (erase w).
  Proof.
    induction l as [|x l IH]; intros w Hnd Hin; [destruct Hin|].
    inversion Hnd as [|? ? Hx Hnd']; subst.
    simpl; destruct Hin as [<-|Hin].
    - now rewrite Nat.eqb_refl.
    - destruct (Nat.eqb_spec (wid x) (wid w)) as [E|_]; [|now apply IH].
      exfalso; apply Hx; rewrite E; now apply in_map.
  Qed.

  Lemma ids_upd : forall (f : nat -> list (write K)) s l s',
    ids (upd f s l s') = if Nat.eqb s' s then ids l else ids (f s').
  Proof. intros; unfold upd; now destruct (Nat.eqb s' s). Qed.

  Theorem areachable_inv : forall sp tr A, areachable K n sp tr A -> inv tr A.
  Proof.
    intros sp tr A H; induction H as [|tr A e A' H IH Hs].
    - constructor; simpl; try tauto; intros; try reflexivity; try constructor.
    - destruct IH as [Hn Ha Hi Ho Hc Hf Hd Hap Hor Hst].
      destruct Hs as [A s r k st Hr Hsnd Hg|A s r k res Hr Hrc Hg|A r w Hr Hw Hni Hg].
      + (* put *)
        constructor; simpl; unfold new_write in *.
        * now rewrite Hn.
        * rewrite Ha, Hi, Ho, Hc, Hn; reflexivity.
        * intros s'; rewrite ids_upd; unfold upd; destruct (Nat.eqb s' s);
            simpl; now rewrite ?Hi, ?Hn.
        * exact Ho.
        * intros s'; unfold upd; destruct (Nat.eqb s' s); simpl; now rewrite ?Hc, ?Hn.
        * intros w [<-|Hw]; simpl; [lia|]; specialize (Hf w Hw); lia.
        * constructor; [|exact Hd].
          intros Hin; apply in_map_iff in Hin as (w & Hw & Hw').
          specialize (Hf w Hw'); simpl in *; lia.
        * intros r' w Hw; unfold upd in Hw; destruct (Nat.eqb r' r);
            [destruct Hw as [<-|Hw]; [now left|]|]; right; eapply Hap; eauto.
        * intros w [<-|Hw]; unfold upd; simpl.
          -- rewrite Nat.eqb_refl; now left.
          -- destruct (Nat.eqb_spec (worig w) r) as [<-|]; [right|]; now apply Hor.
        * intros w [<-|Hw]; simpl; [exact Hsnd|now apply Hst].
      + (* get *)
        assert (Hgl : forall w, res = Some w ->
                  glookup (g_allw (ghost_of tr)) (wid w) = Some (erase w)).
        { intros w ->; rewrite <- Ha; apply glookup_erase; [exact Hd|].
          apply (Hap r); now destruct Hrc. }
        destruct res as [w|]; simpl.
        * constructor; simpl; auto.
          -- intros s'; rewrite ids_upd; unfold upd; destruct (Nat.eqb s' s); simpl;
               now rewrite ?Ho.
          -- intros s'; unfold upd; destruct (Nat.eqb s' s); simpl; [|apply Hc].
             rewrite (Hgl w eq_refl), Hc; reflexivity.
        * constructor; simpl; auto.
          -- intros s'; rewrite ids_upd; unfold upd; destruct (Nat.eqb_spec s' s);
               simpl; subst; now rewrite ?Ho.
          -- intros s'; unfold upd; destruct (Nat.eqb_spec s' s); subst; apply Hc.
      + (* silent apply *)
        constructor; simpl; auto.
        * intros r' w' Hw'; unfold upd in Hw'; destruct (Nat.eqb r' r);
            [destruct Hw' as [<-|Hw']; [exact Hw|]|]; eapply Hap; eauto.
        * intros w' Hw'; unfold upd; destruct (Nat.eqb_spec (worig w') r) as [<-|];
            [right|]; now apply Hor.
  Qed.

  (** A write's fields (all but its stamp) are the ghost's. *)
  Lemma inv_lookup : forall tr A w, inv tr A -> In w (allw A) ->
    glookup (g_allw (ghost_of tr)) (wid w) = Some (erase w).
  Proof.
    intros tr A w I Hw; rewrite <- (inv_allw _ _ I).
    now apply glookup_erase; [apply (inv_nodup _ _ I)|].
  Qed.

  Lemma inv_fields : forall tr A w g, inv tr A -> In w (allw A) ->
    glookup (g_allw (ghost_of tr)) (wid w) = Some g ->
    wkey w = wkey g /\ worig w = worig g /\ wsess w = wsess g /\
    wsessw w = wsessw g /\ wobs w = wobs g /\ wdeps w = wdeps g.
  Proof.
    intros tr A w g I Hw E; rewrite (inv_lookup _ _ _ I Hw) in E.
    injection E as <-; simpl; tauto.
  Qed.

  (** Every write the ghost knows exists in the state. *)
  Lemma inv_exists : forall tr A i g, inv tr A ->
    glookup (g_allw (ghost_of tr)) i = Some g ->
    exists w, In w (allw A) /\ wid w = i.
  Proof.
    intros tr A i g I E; apply find_some in E as [Hg Hid].
    rewrite <- (inv_allw _ _ I) in Hg; apply in_map_iff in Hg as (w & <- & Hw).
    exists w; split; [exact Hw|]; now apply Nat.eqb_eq in Hid.
  Qed.

  (** Write identifiers are unique. *)
  Lemma inv_same : forall tr A w w', inv tr A -> In w (allw A) -> In w' (allw A) ->
    wid w = wid w' -> w = w'.
  Proof.
    intros tr A w w' I; pose proof (inv_nodup _ _ I) as Hd; revert Hd.
    unfold ids; generalize (allw A) as l; induction l as [|x l IH]; intros Hd Hw Hw' E;
      [destruct Hw|].
    inversion Hd as [|? ? Hx Hd']; subst.
    destruct Hw as [<-|Hw], Hw' as [<-|Hw']; auto.
    - exfalso; apply Hx; rewrite E; now apply in_map.
    - exfalso; apply Hx; rewrite <- E; now apply in_map.
  Qed.

  (** ** The state before an event of the trace *)
  Definition grows (A B : astate K) : Prop :=
    (forall r, incl (applied A r) (applied B r)) /\ incl (allw A) (allw B).

  Lemma grows_refl : forall A, grows A A.
  Proof. intros; split; [intros r|]; apply incl_refl. Qed.

  Lemma grows_trans : forall A B C, grows A B -> grows B C -> grows A C.
  Proof.
    intros A B C [H1 H2] [H3 H4]; split; [intros r|]; eapply incl_tran; eauto.
  Qed.

  Lemma astep_grows : forall sp A e B, astep K n sp A e B -> grows A B.
  Proof.
    assert (U : forall (f : nat -> list (write K)) r x r', incl (f r') (upd f r (x :: f r) r'))
      by (intros f r x r' y Hy; unfold upd; destruct (Nat.eqb_spec r' r); subst; simpl; auto).
    intros sp A e B Hs; destruct Hs; split; simpl; auto using incl_refl;
      intros y Hy; simpl; auto.
  Qed.

  Lemma areach_last : forall sp e tr B, areachable K n sp (e :: tr) B ->
    exists A A', areachable K n sp tr A /\ astep K n sp A (Some e) A' /\ grows A B.
  Proof.
    intros sp e tr B H; remember (e :: tr) as t eqn:Et; revert e tr Et.
    induction H as [|t0 A0 e0 B H IH Hs]; intros e tr Et; [discriminate|].
    destruct e0 as [e0|]; simpl in Et.
    - injection Et as -> ->; exists A0, B; repeat split; auto.
      + now apply astep_grows in Hs as [].
      + now apply astep_grows in Hs as [].
    - destruct (IH e tr Et) as (A & A' & HA & HS & HG).
      exists A, A'; repeat split; auto; eapply grows_trans; eauto using astep_grows.
  Qed.

  (** [areach_nth i]: the state before the event at position [i] (newest
      first), which took that event's step and only grows afterwards. *)
  Theorem areach_nth : forall sp i tr e B, areachable K n sp tr B ->
    nth_error tr i = Some e ->
    exists A A', areachable K n sp (skipn (S i) tr) A /\ astep K n sp A (Some e) A' /\
      grows A B.
  Proof.
    intros sp i; induction i as [|i IH]; intros [|e0 tr] e B H E; try discriminate;
      simpl in E.
    - injection E as ->; now apply areach_last.
    - destruct (areach_last _ _ _ _ H) as (A0 & A0' & H0 & _ & G0).
      destruct (IH _ _ _ H0 E) as (A & A' & HA & HS & G).
      exists A, A'; repeat split; auto; eapply grows_trans; eauto.
  Qed.

  Lemma astep_get_some : forall sp A s r k i A',
    astep K n sp A (Some (EGet s r k (Some i))) A' ->
    exists w, wid w = i /\ In w (applied A r) /\ wkey w = k /\
      (forall c, In c sp -> c_get c A s r k (Some w)).
  Proof.
    intros sp A s r k i A' Hs; inversion Hs as [|? ? ? ? res Hr Hrc Hg|]; subst.
    match goal with E : option_map wid res = Some i |- _ => rename E into Ei end.
    destruct res as [w|]; [|discriminate]; injection Ei as <-.
    destruct Hrc; exists w; auto.
  Qed.

  Lemma astep_get_none : forall sp A s r k A',
    astep K n sp A (Some (EGet s r k None)) A' ->
    forall c, In c sp -> c_get c A s r k None.
  Proof.
    intros sp A s r k A' Hs; inversion Hs as [|? ? ? ? res Hr Hrc Hg|]; subst.
    match goal with E : option_map wid res = None |- _ => rename E into Ei end.
    destruct res; [discriminate|exact Hg].
  Qed.

  Lemma guards_cons : forall (P : constraint K -> Prop) x l,
    (forall c, In c (x :: l) -> P c) -> P x /\ (forall c, In c l -> P c).
  Proof. intros P x l H; split; [apply H; now left|intros; apply H; now right]. Qed.

  (** ** Constraints that keep a field of applied writes applied *)
  Theorem closed_applied : forall sp (f : write K -> list nat) c, In c sp ->
    (forall A s r k st, c_put c A s r k st -> sub (f (new_write A s r k st)) (ids (applied A r))) ->
    (forall A r w, c_apply c A r w -> sub (f w) (ids (applied A r))) ->
    forall tr A, areachable K n sp tr A ->
    forall r w, In w (applied A r) -> sub (f w) (ids (applied A r)).
  Proof.
    intros sp f c Hc Hput Happ tr A H; induction H as [|tr A e A' H IH Hs];
      intros r' w' Hw'; [destruct Hw'|].
    assert (Wk : forall (l : list (write K)) x, sub (f w') (ids l) -> sub (f w') (ids (x :: l)))
      by (intros l x Hl i Hi; right; now apply Hl).
    destruct Hs as [A s r k st Hr Hsnd Hg|A s r k res Hr Hrc Hg|A r w Hr Hw Hni Hg]; simpl in *.
    - unfold upd in *; destruct (Nat.eqb r' r) eqn:E; [apply Nat.eqb_eq in E; subst r'|].
      + destruct Hw' as [<-|Hw']; [|apply Wk; now apply IH].
        intros i Hi; right; exact (Hput _ _ _ _ _ (Hg c Hc) i Hi).
      + now apply IH.
    - now apply IH.
    - unfold upd in *; destruct (Nat.eqb r' r) eqn:E; [apply Nat.eqb_eq in E; subst r'|].
      + destruct Hw' as [<-|Hw']; [|apply Wk; now apply IH].
        intros i Hi; right; exact (Happ _ _ _ (Hg c Hc) i Hi).
      + now apply IH.
  Qed.

  Corollary mw_closed : forall sp tr A r w, In c_monotonic_writes sp ->
    areachable K n sp tr A -> In w (applied A r) -> sub (wsessw w) (ids (applied A r)).
  Proof.
    intros sp tr A r w Hc H; eapply (closed_applied sp wsessw); eauto; now simpl.
  Qed.

  Corollary wfr_closed : forall sp tr A r w, In c_writes_follow_reads sp ->
    areachable K n sp tr A -> In w (applied A r) -> sub (wobs w) (ids (applied A r)).
  Proof.
    intros sp tr A r w Hc H; eapply (closed_applied sp wobs); eauto; now simpl.
  Qed.

  Corollary causal_closed : forall sp tr A r w, In c_causal sp ->
    areachable K n sp tr A -> In w (applied A r) -> sub (wdeps w) (ids (applied A r)).
  Proof.
    intros sp tr A r w Hc H; eapply (closed_applied sp wdeps); eauto; now simpl.
  Qed.

  (** ** Ids and read rules *)
  Lemma sub_ids : forall L (l : list (write K)) i, sub L (ids l) -> In i L -> exists w, In w l /\ wid w = i.
  Proof.
    intros L l i H Hi; apply H, in_map_iff in Hi as (w & <- & Hw); now exists w.
  Qed.

  Lemma latest_none : forall (keqb : K -> K -> bool) k l w, None = latest keqb k l -> In w l ->
    keqb (wkey w) k = false.
  Proof.
    intros keqb k l w H Hw; induction l as [|x l IH]; [destruct Hw|]; simpl in H.
    destruct (keqb (wkey x) k) eqn:E; [discriminate|].
    destruct Hw as [<-|Hw]; auto.
  Qed.

  Lemma arb_max_none : forall (keqb : K -> K -> bool) k l w, None = arb_max keqb k l -> In w l ->
    keqb (wkey w) k = false.
  Proof.
    intros keqb k l w H Hw; induction l as [|x l IH]; [destruct Hw|]; simpl in H.
    destruct (keqb (wkey x) k) eqn:E;
      [destruct (arb_max keqb k l) as [y|]; [destruct (stamp_ltb _ _)|]; discriminate|].
    destruct Hw as [<-|Hw]; auto.
  Qed.

  Lemma stamp_ltb_spec : forall a b,
    stamp_ltb a b = true <-> fst a < fst b \/ (fst a = fst b /\ snd a < snd b).
  Proof.
    intros [a1 a2] [b1 b2]; unfold stamp_ltb; simpl.
    rewrite Bool.orb_true_iff, Bool.andb_true_iff, Nat.ltb_lt, Nat.eqb_eq, Nat.ltb_lt.
    tauto.
  Qed.

  Lemma stamp_ltb_false : forall a b,
    stamp_ltb a b = false <-> fst b < fst a \/ (fst a = fst b /\ snd b <= snd a).
  Proof.
    intros a b; rewrite <- Bool.not_true_iff_false, stamp_ltb_spec; lia.
  Qed.

  (** The write [arb_max] returns has a stamp no smaller than any applied
      write to the key. *)
  Lemma arb_max_greatest : forall (keqb : K -> K -> bool) k l w, Some w = arb_max keqb k l ->
    forall w', In w' l -> keqb (wkey w') k = true -> stamp_ltb (wstamp w) (wstamp w') = false.
  Proof.
    intros keqb k l; induction l as [|x l IH]; intros w H w' Hw' Ek; [destruct Hw'|].
    simpl in H; destruct (keqb (wkey x) k) eqn:Ex.
    - destruct (arb_max keqb k l) as [y|] eqn:Ey.
      + destruct (stamp_ltb (wstamp x) (wstamp y)) eqn:Lxy; injection H as <-.
        * destruct Hw' as [<-|Hw']; [|now apply IH].
          apply stamp_ltb_spec in Lxy; apply stamp_ltb_false; lia.
        * destruct Hw' as [<-|Hw']; [apply stamp_ltb_false; lia|].
          specialize (IH y eq_refl w' Hw' Ek).
          apply stamp_ltb_false in IH; apply stamp_ltb_false in Lxy; apply stamp_ltb_false; lia.
      + injection H as <-; destruct Hw' as [<-|Hw']; [apply stamp_ltb_false; lia|].
        pose proof (arb_max_none keqb k l w' (eq_sym Ey) Hw'); congruence.
    - destruct Hw' as [<-|Hw']; [congruence|now apply IH].
  Qed.

  (** ** The same facts, with the write's fields read off the ghost *)
  Lemma key_ghost : forall sp tr A r w g, areachable K n sp tr A -> In w (applied A r) ->
    glookup (g_allw (ghost_of tr)) (wid w) = Some g -> wkey w = wkey g.
  Proof.
    intros sp tr A r w g H Hw E; pose proof (areachable_inv _ _ _ H) as I.
    now apply (inv_fields _ _ _ _ I (inv_applied _ _ I r w Hw)) in E.
  Qed.

  Lemma closed_ghost : forall (f : write K -> list nat) sp tr A r w g,
    (forall w, f (erase w) = f w) ->
    (forall r w, In w (applied A r) -> sub (f w) (ids (applied A r))) ->
    areachable K n sp tr A -> In w (applied A r) ->
    glookup (g_allw (ghost_of tr)) (wid w) = Some g -> sub (f g) (ids (applied A r)).
  Proof.
    intros f sp tr A r w g Hf Hc H Hw E; pose proof (areachable_inv _ _ _ H) as I.
    rewrite (inv_lookup _ _ _ I (inv_applied _ _ I r w Hw)) in E.
    injection E as <-; rewrite Hf; now apply Hc.
  Qed.

  Corollary mw_closed_ghost : forall sp tr A r w g,
    areachable K n sp tr A -> In w (applied A r) ->
    glookup (g_allw (ghost_of tr)) (wid w) = Some g -> In c_monotonic_writes sp ->
    sub (wsessw g) (ids (applied A r)).
  Proof.
    intros sp tr A r w g H Hw E Hc; revert Hw E; apply (closed_ghost wsessw sp tr); auto.
    intros; eapply mw_closed; eauto.
  Qed.

  Corollary wfr_closed_ghost : forall sp tr A r w g,
    areachable K n sp tr A -> In w (applied A r) ->
    glookup (g_allw (ghost_of tr)) (wid w) = Some g -> In c_writes_follow_reads sp ->
    sub (wobs g) (ids (applied A r)).
  Proof.
    intros sp tr A r w g H Hw E Hc; revert Hw E; apply (closed_ghost wobs sp tr); auto.
    intros; eapply wfr_closed; eauto.
  Qed.

  Corollary causal_closed_ghost : forall sp tr A r w g,
    areachable K n sp tr A -> In w (applied A r) ->
    glookup (g_allw (ghost_of tr)) (wid w) = Some g -> In c_causal sp ->
    sub (wdeps g) (ids (applied A r)).
  Proof.
    intros sp tr A r w g H Hw E Hc; revert Hw E; apply (closed_ghost wdeps sp tr); auto.
    intros; eapply causal_closed; eauto.
  Qed.

  (** A write the ghost knows is applied at its origin, and its stamp names
      that origin. *)
  Lemma origin_ghost : forall sp tr A i g, areachable K n sp tr A ->
    glookup (g_allw (ghost_of tr)) i = Some g ->
    exists w, wid w = i /\ In w (applied A (worig g)) /\ snd (wstamp w) = worig g /\
      wkey w = wkey g.
  Proof.
    intros sp tr A i g H E; pose proof (areachable_inv _ _ _ H) as I.
    destruct (inv_exists _ _ _ _ I E) as (w & Hw & <-).
    destruct (inv_fields _ _ _ _ I Hw E) as (Hk & Ho & _).
    exists w; rewrite <- Ho; repeat split; auto.
    - now apply (inv_origin _ _ I).
    - now apply (inv_stamp _ _ I).
  Qed.
End Facts.

Arguments erase {K}.
Arguments ghost_of {K}.
Arguments glookup {K}.
Arguments g_allw {K}.
Arguments g_issued {K}.
Arguments g_observed {K}.
Arguments g_cpast {K}.
Arguments inv {K}.
Arguments grows {K}.
Arguments areachable_inv {K n sp tr A}.
Arguments inv_fields {K tr A w g}.
Arguments inv_exists {K tr A i g}.
Arguments inv_same {K tr A w w'}.
Arguments areach_nth {K n sp} i {tr e B}.
Arguments astep_get_some {K n sp A s r k i A'}.
Arguments astep_get_none {K n sp A s r k A'}.
Arguments key_ghost {K n sp tr A r w g}.
Arguments mw_closed_ghost {K n sp tr A r w g}.
Arguments wfr_closed_ghost {K n sp tr A r w g}.
Arguments causal_closed_ghost {K n sp tr A r w g}.
Arguments origin_ghost {K n sp tr A i g}.

(** ** Tactics *)

(** Split [H : forall c, In c [c1; ...; cm] -> P c] into [P c1], ...,
    [P cm], each simplified (the spec must be unfolded to a list literal). *)
Ltac split_guards H :=
  lazymatch type of H with
  | forall c, In c (?x :: ?l) -> @?P c =>
      let G := fresh "G" in let H' := fresh "Hg" in
      destruct (guards_cons _ P x l H) as [G H']; clear H; cbn beta in G; simpl in G;
      try lazymatch type of G with True => clear G end;
      split_guards H'
  | forall c, In c [] -> _ => clear H
  end.

(** Prove [glookup (g_allw (ghost_of tr)) (wid w) = Some ?g] from [Hid : wid w = i]
    by computing the ghost of the literal trace [tr]. *)
Ltac ghost_lookup Hid := rewrite Hid; reflexivity.

(** [at_get_none i H A HR HG]: with [H : areachable _ _ sp tr B], the state
    [A] before the get at position [i] of [tr] (newest first) that returned
    nothing: [HR] its reachability, [HG : grows A B], and its guards split. *)
Ltac at_get_none i H A HR HG :=
  let A' := fresh "A'" in let HS := fresh "HS" in let Hg := fresh "Hg" in
  destruct (areach_nth i H eq_refl) as (A & A' & HR & HS & HG);
  cbn [skipn] in HR;
  pose proof (astep_get_none HS) as Hg; clear HS; split_guards Hg.

(** [at_get_some i H A HR HG w Hid Hw]: the same for a get that returned the
    write [w] ([Hid : wid w = _], [Hw : In w (applied A r)]). *)
Ltac at_get_some i H A HR HG w Hid Hw :=
  let A' := fresh "A'" in let HS := fresh "HS" in let Hg := fresh "Hg" in
  let Hk := fresh "Hkey" in
  destruct (areach_nth i H eq_refl) as (A & A' & HR & HS & HG);
  cbn [skipn] in HR;
  destruct (astep_get_some HS) as (w & Hid & Hw & Hk & Hg); clear HS; split_guards Hg.

(** Rewrite the session fields of state [A] (issued, observed, causal past)
    in the guards into the literal lists of the ghost ([HR] reaches [A]). *)
Ltac ghostify HR :=
  let I := fresh "I" in pose proof (areachable_inv HR) as I;
  lazymatch type of HR with
  | areachable _ _ _ _ ?A =>
      repeat match goal with
      | G : context [ids (issued A ?s)] |- _ =>
          rewrite (inv_issued _ _ _ I s) in G; simpl in G
      | G : context [ids (observed A ?s)] |- _ =>
          rewrite (inv_observed _ _ _ I s) in G; simpl in G
      | G : context [cpast A ?s] |- _ =>
          rewrite (inv_cpast _ _ _ I s) in G; simpl in G
      end
  end; clear I.

(** Membership in a literal list. *)
Ltac in_list := simpl; repeat (first [now left | right]).

(** [witness i A r w Hw Hid]: from a hypothesis [sub L (ids (applied A r))]
    with [i] in the literal list [L], the applied write [w] with id [i]. *)
Ltac witness i A r w Hw Hid :=
  match goal with
  | G : sub ?L (ids (applied A r)) |- _ =>
      destruct (sub_ids _ L (applied A r) i G ltac:(in_list)) as (w & Hw & Hid)
  end.

(** [closed lem HR Hw Hid]: the closure fact [lem] (e.g. [mw_closed_ghost])
    for the applied write [w], with its field computed from the ghost. *)
Ltac closed lem HR Hw Hid :=
  let C := fresh "C" in
  pose proof (lem _ _ _ _ _ _ _ _ HR Hw ltac:(ghost_lookup Hid) ltac:(in_list)) as C;
  simpl in C.

(** [absent]: closes the goal when a get returned nothing although a write
    to its key was applied at its replica before it. *)
Ltac absent :=
  match goal with
  | G : None = ?rule ?keqb ?k (applied ?A ?r), Hw : In ?w (applied ?A ?r),
    HR : areachable _ _ _ _ ?A, Hid : wid ?w = _ |- _ =>
      let X := fresh "X" in
      first [ pose proof (latest_none _ keqb k _ w G Hw) as X
            | pose proof (arb_max_none _ keqb k _ w G Hw) as X ];
      rewrite (key_ghost HR Hw ltac:(ghost_lookup Hid)) in X; simpl in X;
      discriminate X
  end.
