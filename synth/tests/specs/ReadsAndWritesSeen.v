(** A user-style spec the catalog never names: read-your-writes and
    monotonic reads together, written as specs/README.md teaches. *)
From KV Require Import Framework.Abstract Specs.ReadRules Specs.SessionGuarantees.
From Coq Require Import List.
Import ListNotations.

Definition reads_and_writes_seen {K : Type} (keqb : K -> K -> bool) : spec K :=
  [c_monotonic_reads; read_latest keqb; c_read_your_writes].
