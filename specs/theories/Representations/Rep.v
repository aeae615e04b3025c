(** * The interface of a key-value representation, and its laws.

    A representation is a finite map from keys to values, polymorphic in
    both, that compares keys only with the equality it is given.  Its two
    laws are all the mechanism proofs use. *)
Module Type REP.
  Parameter t : Type -> Type -> Type.
  Parameter empty : forall {K V : Type}, t K V.
  Parameter find : forall {K V : Type}, (K -> K -> bool) -> K -> t K V -> option V.
  Parameter add : forall {K V : Type}, (K -> K -> bool) -> K -> V -> t K V -> t K V.

  Parameter find_empty : forall K V (eqb : K -> K -> bool) k,
    @find K V eqb k (@empty K V) = None.
  Parameter find_add : forall K V (eqb : K -> K -> bool),
    (forall a b, eqb a b = true <-> a = b) ->
    forall k (v : V) (s : t K V) k', find eqb k' (add eqb k v s) = if eqb k k' then Some v else find eqb k' s.
End REP.
