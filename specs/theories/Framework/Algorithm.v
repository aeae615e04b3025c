(** * The algorithm interface every store implements.

    A store is polymorphic in its keys [K] and values [V]: it only ever
    returns values it was given (the framework instantiates [V] with unique
    write identifiers, which makes every history differentiated) and it may
    only compare keys with the key comparison [kcmp] it is passed (a total
    order, see [Framework.KeyOrder]; equality-only stores use [keq kcmp]).

    - [state K V]: the state of one replica;
    - [token]: the client-side session metadata, carried between calls;
    - [msg K V]: an update message, sent by [put] to every other replica;
    - [put] and [get] run at a replica with the caller's token; [None] means
      "not yet": the replica must catch up first (the caller waits);
    - [deliverable] guards [apply] of an update message at a replica.

    The network is asynchronous: each message is delivered exactly once to
    each other replica, in any order, once its guard holds (see
    [Framework.Concrete]).  The Rust runtime's [Store] trait
    (kvstore-runtime/store-api) mirrors this module type one to one. *)
From Coq Require Import List.

Module Type ALGORITHM.
  Parameter state : Type -> Type -> Type.
  Parameter token : Type.
  Parameter msg : Type -> Type -> Type.
  (** [init n r]: replica [r] of a cluster of [n]. *)
  Parameter init : forall {K V : Type}, nat -> nat -> state K V.
  (** [token0 n]: the token of a fresh session in a cluster of [n]. *)
  Parameter token0 : nat -> token.
  Parameter put : forall {K V : Type}, (K -> K -> comparison) ->
    state K V -> token -> K -> V -> option (state K V * token * msg K V).
  Parameter get : forall {K V : Type}, (K -> K -> comparison) ->
    state K V -> token -> K -> option (option V * token).
  Parameter deliverable : forall {K V : Type}, state K V -> msg K V -> bool.
  Parameter apply : forall {K V : Type}, (K -> K -> comparison) ->
    state K V -> msg K V -> state K V.
End ALGORITHM.
