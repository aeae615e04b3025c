(** A spec that does not compile: it names a constraint nobody defined. *)
From KV Require Import Framework.Abstract.
From Coq Require Import List.
Import ListNotations.
Definition broken {K : Type} (keqb : K -> K -> bool) : spec K := [undefined_constraint].
