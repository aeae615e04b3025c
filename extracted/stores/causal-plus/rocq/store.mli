
type bool =
| True
| False

val negb : bool -> bool

type nat =
| O
| S of nat

type 'a option =
| Some of 'a
| None

val option_map : ('a1 -> 'a2) -> 'a1 option -> 'a2 option

type ('a, 'b) prod =
| Pair of 'a * 'b

val fst : ('a1, 'a2) prod -> 'a1

val snd : ('a1, 'a2) prod -> 'a2

type 'a list =
| Nil
| Cons of 'a * 'a list

type comparison =
| Eq
| Lt
| Gt

val leb : nat -> nat -> bool

val ltb : nat -> nat -> bool

val max : nat -> nat -> nat

module Nat :
 sig
  val eqb : nat -> nat -> bool

  val leb : nat -> nat -> bool

  val ltb : nat -> nat -> bool

  val max : nat -> nat -> nat
 end

val nth : nat -> 'a1 list -> 'a1 -> 'a1

val map : ('a1 -> 'a2) -> 'a1 list -> 'a2 list

val filter : ('a1 -> bool) -> 'a1 list -> 'a1 list

val find : ('a1 -> bool) -> 'a1 list -> 'a1 option

val seq : nat -> nat -> nat list

type stamp = (nat, nat) prod

type 'k write = { wid : nat; wkey : 'k; worig : nat; wsess : nat;
                  wstamp : stamp; wsessw : nat list; wobs : nat list;
                  wdeps : nat list }

type 'k astate = { applied : (nat -> 'k write list);
                   issued : (nat -> 'k write list);
                   observed : (nat -> 'k write list);
                   cpast : (nat -> nat list); allw : 'k write list;
                   anext : nat }

module type ALGORITHM =
 sig
  type ('x0, 'x) state

  type token

  type ('x0, 'x) msg

  val init : nat -> nat -> ('a1, 'a2) state

  val token0 : nat -> token

  val put :
    ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> 'a2 ->
    ((('a1, 'a2) state, token) prod, ('a1, 'a2) msg) prod option

  val get :
    ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> ('a2
    option, token) prod option

  val deliverable : ('a1, 'a2) state -> ('a1, 'a2) msg -> bool

  val apply :
    ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> ('a1, 'a2) msg -> ('a1,
    'a2) state
 end

module Concrete :
 functor (A:ALGORITHM) ->
 sig
  type 'k sys = { rst : (nat -> ('k, nat) A.state); tok : (nat -> A.token);
                  net : (nat, ('k, nat) A.msg) prod list; nextv : nat }

  val rst : 'a1 sys -> nat -> ('a1, nat) A.state

  val tok : 'a1 sys -> nat -> A.token

  val net : 'a1 sys -> (nat, ('a1, nat) A.msg) prod list

  val nextv : 'a1 sys -> nat

  val sys0 : nat -> 'a1 sys

  val broadcast :
    nat -> nat -> ('a1, nat) A.msg -> (nat, ('a1, nat) A.msg) prod list
 end

module Refinement :
 functor (A:ALGORITHM) ->
 sig
  module C :
   sig
    type 'k sys = { rst : (nat -> ('k, nat) A.state); tok : (nat -> A.token);
                    net : (nat, ('k, nat) A.msg) prod list; nextv : nat }

    val rst : 'a1 sys -> nat -> ('a1, nat) A.state

    val tok : 'a1 sys -> nat -> A.token

    val net : 'a1 sys -> (nat, ('a1, nat) A.msg) prod list

    val nextv : 'a1 sys -> nat

    val sys0 : nat -> 'a1 sys

    val broadcast :
      nat -> nat -> ('a1, nat) A.msg -> (nat, ('a1, nat) A.msg) prod list
   end

  val find_write : 'a1 astate -> nat -> 'a1 write option

  val res_write : 'a1 astate -> nat option -> 'a1 write option
 end

module type REP =
 sig
  type ('x0, 'x) t

  val empty : ('a1, 'a2) t

  val find : ('a1 -> 'a1 -> comparison) -> 'a1 -> ('a1, 'a2) t -> 'a2 option

  val add :
    ('a1 -> 'a1 -> comparison) -> 'a1 -> 'a2 -> ('a1, 'a2) t -> ('a1, 'a2) t
 end

module AvlTree :
 sig
  type ('k, 'v) tree =
  | Leaf
  | Node of ('k, 'v) tree * 'k * 'v * ('k, 'v) tree * nat

  val tree_rect :
    'a3 -> (('a1, 'a2) tree -> 'a3 -> 'a1 -> 'a2 -> ('a1, 'a2) tree -> 'a3 ->
    nat -> 'a3) -> ('a1, 'a2) tree -> 'a3

  val tree_rec :
    'a3 -> (('a1, 'a2) tree -> 'a3 -> 'a1 -> 'a2 -> ('a1, 'a2) tree -> 'a3 ->
    nat -> 'a3) -> ('a1, 'a2) tree -> 'a3

  type ('k, 'v) t = ('k, 'v) tree

  val empty : ('a1, 'a2) t

  val height : ('a1, 'a2) tree -> nat

  val create :
    ('a1, 'a2) tree -> 'a1 -> 'a2 -> ('a1, 'a2) tree -> ('a1, 'a2) tree

  val bal :
    ('a1, 'a2) tree -> 'a1 -> 'a2 -> ('a1, 'a2) tree -> ('a1, 'a2) tree

  val find : ('a1 -> 'a1 -> comparison) -> 'a1 -> ('a1, 'a2) t -> 'a2 option

  val add :
    ('a1 -> 'a1 -> comparison) -> 'a1 -> 'a2 -> ('a1, 'a2) t -> ('a1, 'a2) t
 end

val stamp_ltb : stamp -> stamp -> bool

val vset : nat list -> nat -> nat -> nat list

val vle : nat list -> nat list -> bool

val vmax : nat list -> nat list -> nat list

val vjoin : nat list -> nat list -> nat list

module type LWW_POLICY =
 sig
  val get_merge : bool

  val put_guard : bool
 end

module CausalLww :
 functor (R:REP) ->
 functor (P:LWW_POLICY) ->
 sig
  type ('k, 'v) state' = { me : nat; clock : nat list; lt : nat;
                           store : ('k, ((nat, nat) prod, 'v) prod) R.t }

  val me : ('a1, 'a2) state' -> nat

  val clock : ('a1, 'a2) state' -> nat list

  val lt : ('a1, 'a2) state' -> nat

  val store : ('a1, 'a2) state' -> ('a1, ((nat, nat) prod, 'a2) prod) R.t

  type ('k, 'v) state = ('k, 'v) state'

  type token = nat list

  type ('k, 'v) msg' = { morig : nat; mseq : nat; mdeps : nat list;
                         mkey : 'k; mval : 'v; mstamp : (nat, nat) prod }

  val morig : ('a1, 'a2) msg' -> nat

  val mseq : ('a1, 'a2) msg' -> nat

  val mdeps : ('a1, 'a2) msg' -> nat list

  val mkey : ('a1, 'a2) msg' -> 'a1

  val mval : ('a1, 'a2) msg' -> 'a2

  val mstamp : ('a1, 'a2) msg' -> (nat, nat) prod

  type ('k, 'v) msg = ('k, 'v) msg'

  val init : nat -> nat -> ('a1, 'a2) state

  val token0 : nat -> token

  val put :
    ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> 'a2 ->
    ((('a1, 'a2) state, token) prod, ('a1, 'a2) msg) prod option

  val get :
    ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> ('a2
    option, token) prod option

  val deliverable : ('a1, 'a2) state -> ('a1, 'a2) msg -> bool

  val newer : (nat, nat) prod -> ((nat, nat) prod, 'a1) prod option -> bool

  val apply :
    ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> ('a1, 'a2) msg -> ('a1,
    'a2) state
 end

module CausalLwwProofs :
 functor (R:REP) ->
 functor (P:LWW_POLICY) ->
 sig
  module Alg :
   sig
    type ('k, 'v) state' = { me : nat; clock : nat list; lt : nat;
                             store : ('k, ((nat, nat) prod, 'v) prod) R.t }

    val me : ('a1, 'a2) state' -> nat

    val clock : ('a1, 'a2) state' -> nat list

    val lt : ('a1, 'a2) state' -> nat

    val store : ('a1, 'a2) state' -> ('a1, ((nat, nat) prod, 'a2) prod) R.t

    type ('k, 'v) state = ('k, 'v) state'

    type token = nat list

    type ('k, 'v) msg' = { morig : nat; mseq : nat; mdeps : nat list;
                           mkey : 'k; mval : 'v; mstamp : (nat, nat) prod }

    val morig : ('a1, 'a2) msg' -> nat

    val mseq : ('a1, 'a2) msg' -> nat

    val mdeps : ('a1, 'a2) msg' -> nat list

    val mkey : ('a1, 'a2) msg' -> 'a1

    val mval : ('a1, 'a2) msg' -> 'a2

    val mstamp : ('a1, 'a2) msg' -> (nat, nat) prod

    type ('k, 'v) msg = ('k, 'v) msg'

    val init : nat -> nat -> ('a1, 'a2) state

    val token0 : nat -> token

    val put :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> 'a2
      -> ((('a1, 'a2) state, token) prod, ('a1, 'a2) msg) prod option

    val get :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> ('a2
      option, token) prod option

    val deliverable : ('a1, 'a2) state -> ('a1, 'a2) msg -> bool

    val newer : (nat, nat) prod -> ((nat, nat) prod, 'a1) prod option -> bool

    val apply :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> ('a1, 'a2) msg ->
      ('a1, 'a2) state
   end

  module Ref :
   sig
    module C :
     sig
      type 'k sys = { rst : (nat -> ('k, nat) Alg.state);
                      tok : (nat -> Alg.token);
                      net : (nat, ('k, nat) Alg.msg) prod list; nextv : 
                      nat }

      val rst : 'a1 sys -> nat -> ('a1, nat) Alg.state

      val tok : 'a1 sys -> nat -> Alg.token

      val net : 'a1 sys -> (nat, ('a1, nat) Alg.msg) prod list

      val nextv : 'a1 sys -> nat

      val sys0 : nat -> 'a1 sys

      val broadcast :
        nat -> nat -> ('a1, nat) Alg.msg -> (nat, ('a1, nat) Alg.msg) prod
        list
     end

    val find_write : 'a1 astate -> nat -> 'a1 write option

    val res_write : 'a1 astate -> nat option -> 'a1 write option
   end

  val lww_stamp : 'a1 Ref.C.sys -> nat -> stamp

  val lww_msg_id : ('a1, nat) Alg.msg -> nat

  val entry : 'a1 write -> ((nat, nat) prod, nat) prod
 end

module Policy :
 sig
  val get_merge : bool

  val put_guard : bool
 end

module Proofs :
 sig
  module Alg :
   sig
    type ('k, 'v) state' = { me : nat; clock : nat list; lt : nat;
                             store : ('k, ((nat, nat) prod, 'v) prod)
                                     AvlTree.t }

    val me : ('a1, 'a2) state' -> nat

    val clock : ('a1, 'a2) state' -> nat list

    val lt : ('a1, 'a2) state' -> nat

    val store :
      ('a1, 'a2) state' -> ('a1, ((nat, nat) prod, 'a2) prod) AvlTree.t

    type ('k, 'v) state = ('k, 'v) state'

    type token = nat list

    type ('k, 'v) msg' = { morig : nat; mseq : nat; mdeps : nat list;
                           mkey : 'k; mval : 'v; mstamp : (nat, nat) prod }

    val morig : ('a1, 'a2) msg' -> nat

    val mseq : ('a1, 'a2) msg' -> nat

    val mdeps : ('a1, 'a2) msg' -> nat list

    val mkey : ('a1, 'a2) msg' -> 'a1

    val mval : ('a1, 'a2) msg' -> 'a2

    val mstamp : ('a1, 'a2) msg' -> (nat, nat) prod

    type ('k, 'v) msg = ('k, 'v) msg'

    val init : nat -> nat -> ('a1, 'a2) state

    val token0 : nat -> token

    val put :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> 'a2
      -> ((('a1, 'a2) state, token) prod, ('a1, 'a2) msg) prod option

    val get :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> ('a2
      option, token) prod option

    val deliverable : ('a1, 'a2) state -> ('a1, 'a2) msg -> bool

    val newer : (nat, nat) prod -> ((nat, nat) prod, 'a1) prod option -> bool

    val apply :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> ('a1, 'a2) msg ->
      ('a1, 'a2) state
   end

  module Ref :
   sig
    module C :
     sig
      type 'k sys = { rst : (nat -> ('k, nat) Alg.state);
                      tok : (nat -> Alg.token);
                      net : (nat, ('k, nat) Alg.msg) prod list; nextv : 
                      nat }

      val rst : 'a1 sys -> nat -> ('a1, nat) Alg.state

      val tok : 'a1 sys -> nat -> Alg.token

      val net : 'a1 sys -> (nat, ('a1, nat) Alg.msg) prod list

      val nextv : 'a1 sys -> nat

      val sys0 : nat -> 'a1 sys

      val broadcast :
        nat -> nat -> ('a1, nat) Alg.msg -> (nat, ('a1, nat) Alg.msg) prod
        list
     end

    val find_write : 'a1 astate -> nat -> 'a1 write option

    val res_write : 'a1 astate -> nat option -> 'a1 write option
   end

  val lww_stamp : 'a1 Ref.C.sys -> nat -> stamp

  val lww_msg_id : ('a1, nat) Alg.msg -> nat

  val entry : 'a1 write -> ((nat, nat) prod, nat) prod
 end
