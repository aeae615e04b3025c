(** A user-style spec the catalog never names, written as specs/README.md
    teaches, with its whole read guard in one constraint: a get returns the
    latest write the serving replica applied, and that replica has applied
    every write the session issued (read your writes) and every write it read
    before (monotonic reads), Terry et al., PDIS 1994, Sec. 3.1-3.2.

    No library lemma concludes this conjunction, so no single tactic script
    closes the get obligation: the engine closes it by decomposition into
    helper lemmas (synth/src/decompose.rs), one library lemma each. *)
From KV Require Import Framework.Prelude Framework.Abstract.
From Coq Require Import List.
Import ListNotations.

Definition c_session_reads {K : Type} (keqb : K -> K -> bool) : constraint K := {|
  c_put := fun _ _ _ _ _ => True;
  c_get := fun A s r k res =>
    res = latest keqb k (applied A r) /\
    sub (ids (issued A s)) (ids (applied A r)) /\
    sub (ids (observed A s)) (ids (applied A r));
  c_apply := fun _ _ _ => True |}.

Definition session_reads {K : Type} (keqb : K -> K -> bool) : spec K :=
  [c_session_reads keqb].
