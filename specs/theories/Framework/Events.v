(** * Client-observable events.

    An event records the session, the replica that served the operation, the
    operation, its key and its value.  Values are write identifiers (the
    framework's instantiation of the store's value type), so histories are
    differentiated: every put writes a value never written before. *)
Section Events.
  Variable K : Type.

  Inductive event : Type :=
  | EPut (s r : nat) (k : K) (v : nat)
  | EGet (s r : nat) (k : K) (res : option nat).
End Events.

Arguments EPut {K} s r k v.
Arguments EGet {K} s r k res.
