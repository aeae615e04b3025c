(** * Read rules: which applied write a get returns.

    - [read_latest]: the latest write to the key in the serving replica's
      application order (a replica behaves as a sequence of applied writes;
      Terry et al., PDIS 1994, Sec. 2: a read returns the value of the last
      write to the item in the server's write order).
    - [read_arbitrated]: the applied write to the key with the greatest
      arbitration stamp, with stamps chosen as Lamport clocks (logical time
      greater than every write the replica has applied, ties broken by the
      origin replica).  This is the last-writer-wins rule of causal+
      (Lloyd et al., COPS, SOSP 2011, Sec. 3.4; the arbitration order "ar"
      of Viotti and Vukolic, ACM CSUR 2016, Sec. 3): two replicas that
      applied the same writes return the same value (convergence). *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude Framework.Abstract.
Import ListNotations.

Section ReadRules.
  Variable K : Type.
  Variable keqb : K -> K -> bool.

  Definition read_latest : constraint K := {|
    c_put := fun _ _ _ _ _ => True;
    c_get := fun A _ r k res => res = latest keqb k (applied A r);
    c_apply := fun _ _ _ => True |}.

  (** Strict lexicographic order on stamps. *)
  Definition stamp_ltb (a b : stamp) : bool :=
    Nat.ltb (fst a) (fst b) || (Nat.eqb (fst a) (fst b) && Nat.ltb (snd a) (snd b)).

  (** The applied write to [k] with the greatest stamp. *)
  Fixpoint arb_max (k : K) (l : list (write K)) : option (write K) :=
    match l with
    | [] => None
    | w :: l' =>
        let rest := arb_max k l' in
        if keqb (wkey w) k then
          match rest with
          | Some w' => if stamp_ltb (wstamp w) (wstamp w') then Some w' else Some w
          | None => Some w
          end
        else rest
    end.

  Definition read_arbitrated : constraint K := {|
    c_put := fun A _ r _ st => forall w, In w (applied A r) -> fst (wstamp w) < fst st;
    c_get := fun A _ r k res => res = arb_max k (applied A r);
    c_apply := fun _ _ _ => True |}.
End ReadRules.

Arguments read_latest {K}.
Arguments read_arbitrated {K}.
Arguments arb_max {K}.
