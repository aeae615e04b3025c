
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

(** val option_map : ('a1 -> 'a2) -> 'a1 option -> 'a2 option **)

let option_map f = function
| Some a -> Some (f a)
| None -> None

type ('a, 'b) prod =
| Pair of 'a * 'b

(** val fst : ('a1, 'a2) prod -> 'a1 **)

let fst = function
| Pair (x, _) -> x

(** val snd : ('a1, 'a2) prod -> 'a2 **)

let snd = function
| Pair (_, y) -> y

type 'a list =
| Nil
| Cons of 'a * 'a list

type comparison =
| Eq
| Lt
| Gt

(** val leb : nat -> nat -> bool **)

let rec leb n m =
  match n with
  | O -> True
  | S n' -> (match m with
             | O -> False
             | S m' -> leb n' m')

(** val ltb : nat -> nat -> bool **)

let ltb n m =
  leb (S n) m

(** val max : nat -> nat -> nat **)

let rec max n m =
  match n with
  | O -> m
  | S n' -> (match m with
             | O -> n
             | S m' -> S (max n' m'))

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

  (** val ltb : nat -> nat -> bool **)

  let ltb n m =
    leb (S n) m

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

module AvlTree =
 struct
  type ('k, 'v) tree =
  | Leaf
  | Node of ('k, 'v) tree * 'k * 'v * ('k, 'v) tree * nat

  (** val tree_rect :
      'a3 -> (('a1, 'a2) tree -> 'a3 -> 'a1 -> 'a2 -> ('a1, 'a2) tree -> 'a3
      -> nat -> 'a3) -> ('a1, 'a2) tree -> 'a3 **)

  let rec tree_rect f f0 = function
  | Leaf -> f
  | Node (t1, y, y0, t2, n) ->
    f0 t1 (tree_rect f f0 t1) y y0 t2 (tree_rect f f0 t2) n

  (** val tree_rec :
      'a3 -> (('a1, 'a2) tree -> 'a3 -> 'a1 -> 'a2 -> ('a1, 'a2) tree -> 'a3
      -> nat -> 'a3) -> ('a1, 'a2) tree -> 'a3 **)

  let rec tree_rec f f0 = function
  | Leaf -> f
  | Node (t1, y, y0, t2, n) ->
    f0 t1 (tree_rec f f0 t1) y y0 t2 (tree_rec f f0 t2) n

  type ('k, 'v) t = ('k, 'v) tree

  (** val empty : ('a1, 'a2) t **)

  let empty =
    Leaf

  (** val height : ('a1, 'a2) tree -> nat **)

  let height = function
  | Leaf -> O
  | Node (_, _, _, _, h) -> h

  (** val create :
      ('a1, 'a2) tree -> 'a1 -> 'a2 -> ('a1, 'a2) tree -> ('a1, 'a2) tree **)

  let create l k v r =
    Node (l, k, v, r, (S (max (height l) (height r))))

  (** val bal :
      ('a1, 'a2) tree -> 'a1 -> 'a2 -> ('a1, 'a2) tree -> ('a1, 'a2) tree **)

  let bal l k v r =
    match ltb (S (height r)) (height l) with
    | True ->
      (match l with
       | Leaf -> create l k v r
       | Node (ll, lk, lv, lr, _) ->
         (match leb (height lr) (height ll) with
          | True -> create ll lk lv (create lr k v r)
          | False ->
            (match lr with
             | Leaf -> create l k v r
             | Node (lrl, lrk, lrv, lrr, _) ->
               create (create ll lk lv lrl) lrk lrv (create lrr k v r))))
    | False ->
      (match ltb (S (height l)) (height r) with
       | True ->
         (match r with
          | Leaf -> create l k v r
          | Node (rl, rk, rv, rr, _) ->
            (match leb (height rl) (height rr) with
             | True -> create (create l k v rl) rk rv rr
             | False ->
               (match rl with
                | Leaf -> create l k v r
                | Node (rll, rlk, rlv, rlr, _) ->
                  create (create l k v rll) rlk rlv (create rlr rk rv rr))))
       | False -> create l k v r)

  (** val find :
      ('a1 -> 'a1 -> comparison) -> 'a1 -> ('a1, 'a2) t -> 'a2 option **)

  let rec find kcmp k = function
  | Leaf -> None
  | Node (l, x, v, r, _) ->
    (match kcmp k x with
     | Eq -> Some v
     | Lt -> find kcmp k l
     | Gt -> find kcmp k r)

  (** val add :
      ('a1 -> 'a1 -> comparison) -> 'a1 -> 'a2 -> ('a1, 'a2) t -> ('a1, 'a2) t **)

  let rec add kcmp k v = function
  | Leaf -> Node (Leaf, k, v, Leaf, (S O))
  | Node (l, x, y, r, h) ->
    (match kcmp k x with
     | Eq -> Node (l, x, v, r, h)
     | Lt -> bal (add kcmp k v l) x y r
     | Gt -> bal l x y (add kcmp k v r))
 end

(** val stamp_ltb : stamp -> stamp -> bool **)

let stamp_ltb a b =
  match Nat.ltb (fst a) (fst b) with
  | True -> True
  | False ->
    (match Nat.eqb (fst a) (fst b) with
     | True -> Nat.ltb (snd a) (snd b)
     | False -> False)

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

module type LWW_POLICY =
 sig
  val get_merge : bool

  val put_guard : bool
 end

module CausalLww =
 functor (R:REP) ->
 functor (P:LWW_POLICY) ->
 struct
  type ('k, 'v) state' = { me : nat; clock : nat list; lt : nat;
                           store : ('k, ((nat, nat) prod, 'v) prod) R.t }

  (** val me : ('a1, 'a2) state' -> nat **)

  let me s =
    s.me

  (** val clock : ('a1, 'a2) state' -> nat list **)

  let clock s =
    s.clock

  (** val lt : ('a1, 'a2) state' -> nat **)

  let lt s =
    s.lt

  (** val store :
      ('a1, 'a2) state' -> ('a1, ((nat, nat) prod, 'a2) prod) R.t **)

  let store s =
    s.store

  type ('k, 'v) state = ('k, 'v) state'

  type token = nat list

  type ('k, 'v) msg' = { morig : nat; mseq : nat; mdeps : nat list;
                         mkey : 'k; mval : 'v; mstamp : (nat, nat) prod }

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

  (** val mstamp : ('a1, 'a2) msg' -> (nat, nat) prod **)

  let mstamp m =
    m.mstamp

  type ('k, 'v) msg = ('k, 'v) msg'

  (** val init : nat -> nat -> ('a1, 'a2) state **)

  let init _ r =
    { me = r; clock = Nil; lt = O; store = R.empty }

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
      let ts = Pair ((S (lt st)), (me st)) in
      Some (Pair ((Pair ({ me = (me st); clock =
      (vset (clock st) (me st) sq); lt = (S (lt st)); store =
      (R.add kcmp k (Pair (ts, v)) (store st)) }, (vset tk (me st) sq))),
      { morig = (me st); mseq = sq; mdeps = (clock st); mkey = k; mval = v;
      mstamp = ts }))

  (** val get :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> token -> 'a1 -> ('a2
      option, token) prod option **)

  let get kcmp st tk k =
    match vle tk (clock st) with
    | True ->
      Some (Pair ((option_map snd (R.find kcmp k (store st))),
        (match P.get_merge with
         | True -> vjoin tk (clock st)
         | False -> tk)))
    | False -> None

  (** val deliverable : ('a1, 'a2) state -> ('a1, 'a2) msg -> bool **)

  let deliverable st m =
    match Nat.eqb (S (nth (morig m) (clock st) O)) (mseq m) with
    | True -> vle (vset (mdeps m) (morig m) O) (clock st)
    | False -> False

  (** val newer :
      (nat, nat) prod -> ((nat, nat) prod, 'a1) prod option -> bool **)

  let newer ts = function
  | Some p -> let Pair (ts', _) = p in stamp_ltb ts' ts
  | None -> True

  (** val apply :
      ('a1 -> 'a1 -> comparison) -> ('a1, 'a2) state -> ('a1, 'a2) msg ->
      ('a1, 'a2) state **)

  let apply kcmp st m =
    { me = (me st); clock = (vset (clock st) (morig m) (mseq m)); lt =
      (Nat.max (lt st) (fst (mstamp m))); store =
      (match newer (mstamp m) (R.find kcmp (mkey m) (store st)) with
       | True -> R.add kcmp (mkey m) (Pair ((mstamp m), (mval m))) (store st)
       | False -> store st) }
 end

module CausalLwwProofs =
 functor (R:REP) ->
 functor (P:LWW_POLICY) ->
 struct
  module Alg = CausalLww(R)(P)

  module Ref = Refinement(Alg)

  (** val lww_stamp : 'a1 Ref.C.sys -> nat -> stamp **)

  let lww_stamp x r =
    Pair ((S (Alg.lt (Ref.C.rst x r))), r)

  (** val lww_msg_id : ('a1, nat) Alg.msg -> nat **)

  let lww_msg_id =
    Alg.mval

  (** val entry : 'a1 write -> ((nat, nat) prod, nat) prod **)

  let entry w =
    Pair (w.wstamp, w.wid)
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

module Proofs = CausalLwwProofs(AvlTree)(Policy)
