(** A user-style spec the catalog never names, written as specs/README.md
    teaches, with a per-session guarantee: session 0 (say, an operator's
    session) reads its own writes (Terry et al., PDIS 1994, Sec. 3.1); every
    other session only gets the read rule.

    The guard is an [if] on the session: no library lemma concludes it, and
    the portfolio's case split followed by [eauto] cannot close the branch
    that needs a lemma, so the engine closes the get obligation by a case
    split into helper lemmas (synth/src/decompose.rs), one per branch. *)
From KV Require Import Framework.Prelude Framework.Abstract Specs.ReadRules.
From Coq Require Import Arith List.
Import ListNotations.

Definition c_operator_reads_own_writes {K : Type} : constraint K := {|
  c_put := fun _ _ _ _ _ => True;
  c_get := fun A s r _ _ =>
    if Nat.eqb s 0 then sub (ids (issued A s)) (ids (applied A r)) else True;
  c_apply := fun _ _ _ => True |}.

Definition admin_session {K : Type} (keqb : K -> K -> bool) : spec K :=
  [read_latest keqb; c_operator_reads_own_writes].
