(** A second user-style spec the catalog never names: a session reads its
    own writes, and every replica applies a session's writes in the order
    the session issued them. *)
From KV Require Import Framework.Abstract Specs.ReadRules Specs.SessionGuarantees.
From Coq Require Import List.
Import ListNotations.

Definition ordered_session_writes {K : Type} (keqb : K -> K -> bool) : spec K :=
  [read_latest keqb; c_read_your_writes; c_monotonic_writes].
