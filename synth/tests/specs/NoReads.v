(** An unsatisfiable user spec: no replica may ever serve a read.  No store
    with progress can meet it; the engine must say so, with reasons. *)
From KV Require Import Framework.Abstract Specs.ReadRules.
From Coq Require Import List.
Import ListNotations.

Definition c_never_read {K : Type} : constraint K := {|
  c_put := fun _ _ _ _ _ => True;
  c_get := fun _ _ _ _ _ => False;
  c_apply := fun _ _ _ => True |}.

Definition no_reads {K : Type} (keqb : K -> K -> bool) : spec K :=
  [read_latest keqb; c_never_read].
