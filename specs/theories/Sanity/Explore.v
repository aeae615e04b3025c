(** * Sanity: every bounded execution of an algorithm, by computation.

    [Explore A] runs [ConcreteRun]'s [cexec] on every script of at most
    [fuel] actions (puts, gets, deliveries of any in-flight message) with
    [n] replicas, at most [ns] sessions and [nk] keys (keys and values
    [nat], keys compared by [Nat.compare]) and collects the observable
    traces in a trie (silent deliveries merged away).  A step that blocks
    ([None]) ends its branch.

    Symmetry pruning (first use): a script only uses session [us] (resp.
    key, replica) if sessions [0 .. us-1] were used before; a get only reads
    a key some put wrote.  Each edge of the trie is a [cexec] step, which
    [ConcreteRun.cexec_step] proves is a [cstep]: every trace in the trie is
    a concrete trace of the algorithm (by construction; not restated as a
    lemma about [explore]), so a trace a spec rejects refutes the algorithm.

    [traces] flattens the trie into printable strings for the
    synthesizer's counterexample stage ([synth/src/cex.rs]); see [ser] and
    [encode] for the format. *)
From Coq Require Import Arith List String Ascii.
From KV Require Import Framework.Prelude Framework.Events Framework.Algorithm
  Framework.Concrete Sanity.ConcreteRun.
Import ListNotations.

(** A trie of observable traces, oldest event first. *)
Inductive ttrie : Type := TNode (kids : list (event nat * ttrie)).

Definition event_eqb (a b : event nat) : bool :=
  match a, b with
  | EPut s r k v, EPut s' r' k' v' =>
      Nat.eqb s s' && Nat.eqb r r' && Nat.eqb k k' && Nat.eqb v v'
  | EGet s r k None, EGet s' r' k' None => Nat.eqb s s' && Nat.eqb r r' && Nat.eqb k k'
  | EGet s r k (Some v), EGet s' r' k' (Some v') =>
      Nat.eqb s s' && Nat.eqb r r' && Nat.eqb k k' && Nat.eqb v v'
  | _, _ => false
  end.

(** Merging two tries (by structural recursion on the first). *)
Fixpoint tmerge (a b : ttrie) {struct a} : ttrie :=
  let '(TNode ka) := a in
  let '(TNode kb) := b in
  TNode ((fix go (ka kb : list (event nat * ttrie)) {struct ka} :=
    match ka with
    | [] => kb
    | (e, t) :: ka' =>
        go ka' ((fix ins (l : list (event nat * ttrie)) :=
                   match l with
                   | [] => [(e, t)]
                   | (e', t') :: l' =>
                       if event_eqb e e' then (e', tmerge t t') :: l'
                       else (e', t') :: ins l'
                   end) kb)
    end) ka kb).

(** An event as one number, given the bounds: [ns] sessions, [n] replicas,
    [nk] keys, [nv] values; [tag] is 0 for a put of value [v], 1 for a get
    returning nothing, 2 for a get returning [v]. *)
Definition ev_code (ns n nk nv : nat) (e : event nat) : nat :=
  let code tag s r k v := v + nv * (k + nk * (r + n * (s + ns * tag))) in
  match e with
  | EPut s r k v => code 0 s r k v
  | EGet s r k None => code 1 s r k 0
  | EGet s r k (Some v) => code 2 s r k v
  end.

(** Preorder: each child is its event's code followed by its subtrie, and
    a node's children end with [close] (tail-friendly: [ser t acc] is the
    serialization of [t] followed by [acc]). *)
Section Serialize.
  Variable code : event nat -> nat.
  Variable close : nat.
  Fixpoint ser (t : ttrie) (acc : list nat) : list nat :=
    let '(TNode kids) := t in
    (fix go (l : list (event nat * ttrie)) :=
       match l with
       | [] => close :: acc
       | (e, t') :: l' => code e :: ser t' (go l')
       end) kids.
End Serialize.

(** The serialization as printable strings (one character per number,
    ['0' + x], [x < 79]), in chunks of at most 2048 characters: reading
    back and printing a few string literals is much faster than a list of
    numbers (and a very long literal overflows the printer's stack). *)
Definition encode (l : list nat) : list string :=
  let '(cur, _, chunks) :=
    fold_left (fun '(cur, room, chunks) x =>
      let c := ascii_of_nat (48 + x) in
      match room with
      | 0 => (String c EmptyString, 2047, cur :: chunks)
      | Datatypes.S m => (String c cur, m, chunks)
      end) (rev' l) (EmptyString, 2048, []) in
  cur :: chunks.

Module Explore (A : ALGORITHM).
Module R := ConcreteRun A.
Import R.

Section Explore.
  Variable n ns nk : nat.

  (** The actions allowed after [us] sessions, [ur] replicas and [uk] keys
      were used, with [m] messages in flight. *)
  Definition actions (us ur uk m : nat) : list (caction nat) :=
    let S := seq 0 (Nat.min (Datatypes.S us) ns) in
    let Rs := seq 0 (Nat.min (Datatypes.S ur) n) in
    flat_map (fun s => flat_map (fun r =>
      map (fun k => CDoPut s r k) (seq 0 (Nat.min (Datatypes.S uk) nk)) ++
      map (fun k => CDoGet s r k) (seq 0 uk)) Rs) S ++
    map CDoDeliver (seq 0 m).

  Definition bump (used x : nat) : nat := if Nat.ltb x used then used else Datatypes.S x.

  (** [ops] more puts or gets, [dels] more deliveries. *)
  Fixpoint explore (fuel ops puts dels : nat) (X : sys nat) (us ur uk : nat) : ttrie :=
    match fuel with
    | 0 => TNode []
    | Datatypes.S f =>
        fold_left (fun acc a =>
          let budget :=
            match a with
            | CDoDeliver _ =>
                match dels with 0 => None | Datatypes.S d => Some (ops, puts, d) end
            | CDoPut _ _ _ =>
                match ops, puts with
                | 0, _ | 1, _ | _, 0 => None
                | Datatypes.S o, Datatypes.S p => Some (o, p, dels)
                end
            | CDoGet _ _ _ =>
                match ops with 0 => None | Datatypes.S o => Some (o, puts, dels) end
            end in
          match budget with
          | None => acc
          | Some (o, p, d) =>
          match cexec nat Nat.compare n X a with
          | None => acc
          | Some (None, X') => tmerge (explore f o p d X' us ur uk) acc
          | Some (Some e, X') =>
              let '(us', ur', uk') :=
                match a with
                | CDoPut s r k => (bump us s, bump ur r, bump uk k)
                | CDoGet s r _ => (bump us s, bump ur r, uk)
                | CDoDeliver _ => (us, ur, uk)
                end in
              tmerge (TNode [(e, explore f o p d X' us' ur' uk')]) acc
          end
          end) (actions us ur uk (List.length (net X))) (TNode [])
    end.

  (** The serialized trie of every script of at most [ops] puts and gets,
      among them at most [puts] puts, and [dels] deliveries.  A put is only
      taken when a get can still follow it: only a get can expose a
      violation of a spec whose guards are monotone (all built-in ones). *)
  Definition traces (ops puts dels : nat) : list string :=
    encode (ser (ev_code ns n nk puts) 78
              (explore (ops + dels) ops puts dels (sys0 nat n) 0 0 0) []).
End Explore.
End Explore.
