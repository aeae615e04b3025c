(** A user-style spec needing no session metadata: only the read rule
    [read_latest] (a get returns the latest write to the key applied at the
    serving replica), written as specs/README.md teaches.  The catalog's
    [none] mechanism (no metadata at all) meets it. *)
From KV Require Import Framework.Abstract Specs.ReadRules.
From Coq Require Import List.
Import ListNotations.

Definition latest_reads {K : Type} (keqb : K -> K -> bool) : spec K :=
  [read_latest keqb].
