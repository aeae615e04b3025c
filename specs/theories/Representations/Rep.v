(** * The interface of a key-value representation, and its laws.

    A representation is a finite map from keys to values, polymorphic in
    both, that may only use the key comparison it is given (see
    [Framework.KeyOrder]).  It may keep an internal invariant [ok] (a search
    tree's ordering, say), which holds of [empty] and is kept by [add].  The
    laws [find_empty] and [find_add] (on [ok] maps, for a [key_order]) are
    all the mechanism proofs use. *)
From KV Require Import Framework.KeyOrder.

Module Type REP.
  Parameter t : Type -> Type -> Type.
  Parameter empty : forall {K V : Type}, t K V.
  Parameter find : forall {K V : Type}, (K -> K -> comparison) -> K -> t K V -> option V.
  Parameter add : forall {K V : Type}, (K -> K -> comparison) -> K -> V -> t K V -> t K V.
  Parameter ok : forall {K V : Type}, (K -> K -> comparison) -> t K V -> Prop.

  Parameter ok_empty : forall K V (kcmp : K -> K -> comparison), @ok K V kcmp (@empty K V).
  Parameter ok_add : forall K V (kcmp : K -> K -> comparison), key_order kcmp ->
    forall k (v : V) (s : t K V), ok kcmp s -> ok kcmp (add kcmp k v s).
  Parameter find_empty : forall K V (kcmp : K -> K -> comparison) k,
    @find K V kcmp k (@empty K V) = None.
  Parameter find_add : forall K V (kcmp : K -> K -> comparison), key_order kcmp ->
    forall k (v : V) (s : t K V) k', ok kcmp s ->
    find kcmp k' (add kcmp k v s) = if keq kcmp k k' then Some v else find kcmp k' s.
End REP.
