(** * The abstract replicated store, constraints, and spec machines.

    The abstract store records, per replica, the writes it has applied and
    their order (newest first), and per session the writes it issued and the
    writes it read (the write whose value a read returned: the "reads-from"
    relation of Chapar (Lesani, Bell, Chlipala, POPL 2016) and COPS (Lloyd et
    al., SOSP 2011); Terry et al.'s (PDIS 1994) "relevant writes" of a read,
    taken minimally).  Each write remembers what its session had issued, read
    and causally depended on when it was issued.

    The base machine lets any replica serve any put or get and apply any
    issued write it has not applied yet; a get may return any applied write
    to its key, or nothing.  A *spec* is the base machine plus a list of
    [constraint]s: guards on when a replica may serve a put (and with which
    arbitration stamp), serve a get (and with which result) or apply a write.
    The read rule itself ("return the latest applied write", or "the write
    with the greatest arbitration stamp") is a constraint, so specs choose it.

    Visibility in the sense of Viotti and Vukolic (ACM CSUR 2016): a write is
    visible to an operation served at replica [r] iff it was applied at [r]
    before the operation. *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude Framework.Events.
Import ListNotations.

Section Abstract.
  Variable K : Type.
  Variable n : nat.

  (** An arbitration stamp: a (logical time, origin replica) pair. *)
  Definition stamp := (nat * nat)%type.

  Record write := mkW {
    wid : nat;            (** the unique value written *)
    wkey : K;
    worig : nat;          (** replica that served the put *)
    wsess : nat;          (** session that issued it *)
    wstamp : stamp;       (** arbitration stamp chosen at the put *)
    wsessw : list nat;    (** ids the session had issued before *)
    wobs : list nat;      (** ids the session had read before *)
    wdeps : list nat      (** ids in the session's causal past *)
  }.

  Record astate := mkA {
    applied : nat -> list write;   (** per replica, newest first *)
    issued : nat -> list write;    (** per session, newest first *)
    observed : nat -> list write;  (** per session: writes it read *)
    cpast : nat -> list nat;       (** per session: causal past (ids) *)
    allw : list write;             (** every write issued so far *)
    anext : nat                    (** next write identifier *)
  }.

  Definition astate0 : astate :=
    mkA (fun _ => []) (fun _ => []) (fun _ => []) (fun _ => []) [] 0.

  Definition ids (l : list write) : list nat := map wid l.

  (** A guard on each kind of step. *)
  Record constraint := {
    c_put : astate -> nat (* session *) -> nat (* replica *) -> K -> stamp -> Prop;
    c_get : astate -> nat -> nat -> K -> option write -> Prop;
    c_apply : astate -> nat (* replica *) -> write -> Prop
  }.

  Definition spec := list constraint.

  (** The constraint that allows everything (neutral element of specs). *)
  Definition no_constraint : constraint := {|
    c_put := fun _ _ _ _ _ => True;
    c_get := fun _ _ _ _ _ => True;
    c_apply := fun _ _ _ => True |}.

  (** The [i]-th constraint of a spec: obligations are indexed this way so a
      spec is handled without parsing its text. *)
  Definition nth_constraint (sp : spec) (i : nat) : constraint :=
    nth i sp no_constraint.

  Definition new_write (A : astate) s r k st : write :=
    mkW (anext A) k r s st (ids (issued A s)) (ids (observed A s)) (cpast A s).

  (** What a session adds to its causal past by reading [res]. *)
  Definition cp_read (res : option write) (cp : list nat) : list nat :=
    match res with Some w => wid w :: wdeps w ++ cp | None => cp end.

  Definition obs_read (res : option write) (o : list write) : list write :=
    match res with Some w => w :: o | None => o end.

  (** A get at a replica may return any applied write to its key, or none
      (a read rule constraint narrows this down). *)
  Definition read_candidate (l : list write) (k : K) (res : option write) : Prop :=
    match res with None => True | Some w => In w l /\ wkey w = k end.

  Definition after_put (A : astate) s r k st : astate :=
    let w := new_write A s r k st in
    mkA (upd (applied A) r (w :: applied A r)) (upd (issued A) s (w :: issued A s))
        (observed A) (upd (cpast A) s (wid w :: cpast A s))
        (w :: allw A) (S (anext A)).

  Definition after_get (A : astate) s (res : option write) : astate :=
    mkA (applied A) (issued A) (upd (observed A) s (obs_read res (observed A s)))
        (upd (cpast A) s (cp_read res (cpast A s))) (allw A) (anext A).

  Definition after_apply (A : astate) r (w : write) : astate :=
    mkA (upd (applied A) r (w :: applied A r)) (issued A) (observed A) (cpast A)
        (allw A) (anext A).

  Inductive astep (sp : spec) : astate -> option (event K) -> astate -> Prop :=
  | APut : forall A s r k st,
      r < n -> snd st = r ->
      (forall c, In c sp -> c_put c A s r k st) ->
      astep sp A (Some (EPut s r k (anext A))) (after_put A s r k st)
  | AGet : forall A s r k res,
      r < n -> read_candidate (applied A r) k res ->
      (forall c, In c sp -> c_get c A s r k res) ->
      astep sp A (Some (EGet s r k (option_map wid res))) (after_get A s res)
  | AApply : forall A r w,
      r < n -> In w (allw A) -> ~ In (wid w) (ids (applied A r)) ->
      (forall c, In c sp -> c_apply c A r w) ->
      astep sp A None (after_apply A r w).

  Inductive areachable (sp : spec) : list (event K) -> astate -> Prop :=
  | AR0 : areachable sp [] astate0
  | ARstep : forall tr A e A',
      areachable sp tr A -> astep sp A e A' -> areachable sp (ocons e tr) A'.

  (** The observable traces the spec allows. *)
  Definition atrace (sp : spec) (tr : list (event K)) : Prop :=
    exists A, areachable sp tr A.

  (** ** Read rules and helpers used by the specs *)

  (** The latest applied write to [k] in a replica's application order. *)
  Fixpoint latest (keqb : K -> K -> bool) (k : K) (l : list write) : option write :=
    match l with
    | [] => None
    | w :: l' => if keqb (wkey w) k then Some w else latest keqb k l'
    end.

  (** [sub l1 l2]: every identifier of [l1] is in [l2]. *)
  Definition sub (l1 l2 : list nat) : Prop := forall i, In i l1 -> In i l2.
End Abstract.

Arguments mkW {K}.
Arguments wid {K}.
Arguments wkey {K}.
Arguments worig {K}.
Arguments wsess {K}.
Arguments wstamp {K}.
Arguments wsessw {K}.
Arguments wobs {K}.
Arguments wdeps {K}.
Arguments mkA {K}.
Arguments applied {K}.
Arguments issued {K}.
Arguments observed {K}.
Arguments cpast {K}.
Arguments allw {K}.
Arguments anext {K}.
Arguments astate0 {K}.
Arguments ids {K}.
Arguments Build_constraint {K}.
Arguments no_constraint {K}.
Arguments nth_constraint {K}.
Arguments c_put {K}.
Arguments c_get {K}.
Arguments c_apply {K}.
Arguments new_write {K}.
Arguments after_put {K}.
Arguments after_get {K}.
Arguments after_apply {K}.
Arguments read_candidate {K}.
Arguments latest {K}.
Arguments cp_read {K}.
Arguments obs_read {K}.
