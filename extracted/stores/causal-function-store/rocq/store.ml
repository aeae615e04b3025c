
type bool =
| True
| False

(** val negb : bool -> bool **)

let negb = function
| True -> False
| False -> True

type nat =
| O
| S of nat

type 'a option =
| Some of 'a
| None

type ('a, 'b) prod =
| Pair of 'a * 'b

type 'a list =
| Nil
| Cons of 'a * 'a list

type comparison =
| Eq
| Lt
| Gt

module Nat =
 struct
  (** val eqb : nat -> nat -> bool **)

  let rec eqb n m =
    match n with
    | O -> (match m with
            | O -> True
            | S _ -> False)
    | S n' -> (match m with
               | O -> False
               | S m' -> eqb n' m')

  (** val leb : nat -> nat -> bool **)

  let rec leb n m =
    match n with
    | O -> True
    | S n' -> (match m with
               | O -> False
               | S m' -> leb n' m')

  (** val max : nat -> nat -> nat **)

  let rec max n m =
    match n with
    | O -> m
    | S n' -> (match m with
               | O -> n
               | S m' -> S (max n' m'))
 end

(** val nth : nat -> 'a1 list -> 'a1 -> 'a1 **)

let rec nth n l default =
  match n with
  | O -> (match l with
          | Nil -> default
          | Cons (x, _) -> x)
  | S m -> (match l with
            | Nil -> default
            | Cons (_, t0) -> nth m t0 default)

(** val map : ('a1 -> 'a2) -> 'a1 list -> 'a2 list **)

let rec map f = function
| Nil -> Nil
| Cons (a, t0) -> Cons ((f a), (map f t0))

(** val filter : ('a1 -> bool) -> 'a1 list -> 'a1 list **)

let rec filter f = function
| Nil -> Nil
| Cons (x, l0) ->
  (match f x with
   | True -> Cons (x, (filter f l0))
   | False -> filter f l0)

(** val find : ('a1 -> bool) -> 'a1 list -> 'a1 option **)

let rec find f = function
| Nil -> None
| Cons (x, tl) -> (match f x with
                   | True -> Some x
                   | False -> find f tl)

(** val seq : nat -> nat -> nat list **)

let rec seq start = function
| O -> Nil
| S len0 -> Cons (start, (seq (S start) len0))

(** val keq : ('a1 -> 'a1 -> comparison) -> 'a1 -> 'a1 -> bool **)

let keq kcmp a b =
  match kcmp a b with
  | Eq -> True
  | _ -> False

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

module Concrete =
 functor (A:ALGORITHM) ->
 struct
  type 'k sys = { rst : (nat -> ('k, nat) A.state); tok : (nat -> A.token);
                  net : (nat, ('k, nat) A.msg) prod list; nextv : nat }

  (** val rst : 'a1 sys -> nat -> ('a1, nat) A.state **)

  let rst s =
    s.rst

  (** val tok : 'a1 sys -> nat -> A.token **)

  let tok s =
    s.tok

  (** val net : 'a1 sys -> (nat, ('a1, nat) A.msg) prod list **)

  let net s =
    s.net

  (** val nextv : 'a1 sys -> nat **)

  let nextv s =
    s.nextv

  (** val sys0 : nat -> 'a1 sys **)

  let sys0 n =
    { rst = (fun r -> A.init n r); tok = (fun _ -> A.token0 n); net = Nil;
      nextv = O }

  (** val broadcast :
      nat -> nat -> ('a1, nat) A.msg -> (nat, ('a1, nat) A.msg) prod list **)

  let broadcast n r m =
    map (fun j -> Pair (j, m))
      (filter (fun j -> negb (Nat.eqb j r)) (seq O n))
 end

module Refinement =
 functor (A:ALGORITHM) ->
 struct
  module C = Concrete(A)

  (** val find_write : 'a1 astate -> nat -> 'a1 write option **)

  let find_write ab i =
    find (fun w -> Nat.eqb w.wid i) ab.allw

  (** val res_write : 'a1 astate -> nat option -> 'a1 write option **)

  let res_write ab = function
  | Some i -> find_write ab i
  | None -> None
 end

module type REP =
 sig
  type ('x0, 'x) t

  val empty : ('a1, 'a2) t

  val find : ('a1 -> 'a1 -> comparison) -> 'a1 -> ('a1, 'a2) t -> 'a2 option

  val add :
    ('a1 -> 'a1 -> comparison) -> 'a1 -> 'a2 -> ('a1, 'a2) t -> ('a1, 'a2) t
 end

module FunctionStore =
 struct
  type ('k, 'v) t = 'k -> 'v option

  (** val empty : ('a1, 'a2) t **)

  let empty _ =
    None

  (** val find :
      ('a1 -> 'a1 -> comparison) -> 'a1 -> ('a1, 'a2) t -> 'a2 option **)

  let find _ k s =
    s k

  (** val add :
      ('a1 -> 'a1 -> comparison) -> 'a1 -> 'a2 -> ('a1, 'a2) t -> ('a1, 'a2) t **)

  let add kcmp k v s k' =
    match keq kcmp k k' with
    | True -> Some v
    | False -> s k'
 end

(** val vset : nat list -> nat -> nat -> nat list **)

let rec vset v i x =
  match i with
  | O -> (match v with
          | Nil -> Cons (x, Nil)
          | Cons (_, t0) -> Cons (x, t0))
  | S i' ->
    (match v with
     | Nil -> Cons (O, (vset Nil i' x))
     | Cons (h, t0) -> Cons (h, (vset t0 i' x)))

(** val vle : nat list -> nat list -> bool **)

let rec vle a b =
  match a with
  | Nil -> True
  | Cons (x, a') ->
    (match b with
     | Nil -> (match Nat.eqb x O with
               | True -> vle a' Nil
               | False -> False)
     | Cons (y, b') ->
       (match Nat.leb x y with
        | True -> vle a' b'
        | False -> False))

(** val vmax : nat list -> nat list -> nat list **)

let rec vmax a b =
  match a with
  | Nil -> b
  | Cons (x, a') ->
    (match b with
     | Nil -> a
     | Cons (y, b') -> Cons ((Nat.max x y), (vmax a' b')))

(** val vjoin : nat list -> nat list -> nat list **)

let vjoin a b =
  match vle a b with
  | True -> b
  | False -> vmax a b

module type CV_POLICY =
 sig
  val get_merge : bool

  val put_guard : bool
 end

module CausalVectors =
 functor (R:REP) ->
 functor (P:CV_POLICY) ->
 struct
  type ('k, 'v) state' = { me : nat; clock : nat list; store : ('k, 'v) R.t }

  (** val me : ('a1, 'a2) state' -> nat **)

  let me s =
    s.me

  (** val clock : ('a1, 'a2) state' -> nat list **)

  let clock s =
    s.clock

  (** val store : ('a1, 'a2) state' -> ('a1, 'a2) R.t **)

  let store s =
    s.store

  type ('k, 'v) state = ('k, 'v) state'

  type token = nat list

  type ('k, 'v) msg' = { morig : nat; mseq : nat; mdeps : nat list;
                         mkey : 'k; mval : 'v }

  (** val morig : ('a1, 'a2) msg' -> nat **)

  let morig m =
    m.morig

  (** val mseq : ('a1, 'a2) msg' -> nat **)

  let mseq m =
    m.mseq

  (** val mdeps : ('a1, 'a2) msg' -> nat list **)

  let mdeps m =
    m.mdeps

  (** val mkey : ('a1, 'a2) msg' -> 'a1 **)

  let mkey m =
    m.mkey

  (** val mval : ('a1, 'a2) msg' -> 'a2 **)

  let mval m =
    m.mval

  type ('k, 'v) msg = ('k, 'v) msg'

  (** val init : nat -> nat -> ('a1, 'a2) state **)

  let init _ r =
    { me = r; clock = Nil; store = R.empty }

  (** val token0 : nat -> token **)

  let token0 _ =
    Nil

  (** val put :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> 'a2
      -> ((('a1, 'a2) state, token) prod, ('a1, 'a2) msg) prod option **)

  let put kcmp st tk k v =
    match match P.put_guard with
          | True -> negb (vle tk (clock st))
          | False -> False with
    | True -> None
    | False ->
      let sq = S (nth (me st) (clock st) O) in
      Some (Pair ((Pair ({ me = (me st); clock =
      (vset (clock st) (me st) sq); store = (R.add kcmp k v (store st)) },
      (vset tk (me st) sq))), { morig = (me st); mseq = sq; mdeps =
      (clock st); mkey = k; mval = v }))

  (** val get :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> ('a2
      option, token) prod option **)

  let get kcmp st tk k =
    match vle tk (clock st) with
    | True ->
      Some (Pair ((R.find kcmp k (store st)),
        (match P.get_merge with
         | True -> vjoin tk (clock st)
         | False -> tk)))
    | False -> None

  (** val deliverable : ('a1, 'a2) state -> ('a1, 'a2) msg -> bool **)

  let deliverable st m =
    match Nat.eqb (S (nth (morig m) (clock st) O)) (mseq m) with
    | True -> vle (vset (mdeps m) (morig m) O) (clock st)
    | False -> False

  (** val apply :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> ('a1, 'a2) msg ->
      ('a1, 'a2) state **)

  let apply kcmp st m =
    { me = (me st); clock = (vset (clock st) (morig m) (mseq m)); store =
      (R.add kcmp (mkey m) (mval m) (store st)) }
 end

module CausalVectorsProofs =
 functor (R:REP) ->
 functor (P:CV_POLICY) ->
 struct
  module Alg = CausalVectors(R)(P)

  module Ref = Refinement(Alg)

  (** val cv_stamp : 'a1 Ref.C.sys -> nat -> stamp **)

  let cv_stamp x r =
    Pair ((S (nth r (Alg.clock (Ref.C.rst x r)) O)), r)

  (** val cv_msg_id : ('a1, nat) Alg.msg -> nat **)

  let cv_msg_id =
    Alg.mval
 end

module Policy =
 struct
  (** val get_merge : bool **)

  let get_merge =
    True

  (** val put_guard : bool **)

  let put_guard =
    True
 end

module Proofs = CausalVectorsProofs(FunctionStore)(Policy)
