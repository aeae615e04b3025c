(* Script interpreter over Rocq's own OCaml extraction of a store (the
   reference for the differential test of the Rust extraction).

   Generic over stores: [Run] takes any module of type [STORE], which a
   per-store shim (generated from the store's store.mli by extraction-check,
   see src/ocaml.rs) builds from the extracted entry points, instantiated
   with keys = values = OCaml [int] and the key comparison on [int].

   The system follows specs/theories/Framework/Concrete.v exactly, as
   src/sim.rs does in Rust:
   - replicas 0..n-1, each with its state; a session's first operation uses
     [token0 n];
   - the network is a list of (destination, message): a put at replica r
     appends one copy for each other replica, destinations in increasing
     order; [deliver i] removes the i-th element (0-based) and applies it at
     its destination, but only if [deliverable] holds;
   - a put or get answering "not yet" changes nothing.

   Input: one operation per line ([reset n], [put r s k v], [get r s k],
   [deliver i]); output: one line per input line, in the format documented
   in src/script.rs. *)

module type STORE = sig
  type state
  type token
  type msg

  val init : int -> int -> state
  val token0 : int -> token
  val put : state -> token -> int -> int -> (state * token * msg) option
  val get : state -> token -> int -> (int option * token) option
  val deliverable : state -> msg -> bool
  val apply : state -> msg -> state
end

module Run (S : STORE) = struct
  type sys = {
    n : int;
    rst : S.state array;
    tok : (int, S.token) Hashtbl.t;
    mutable net : (int * S.msg) list;
  }

  let fresh n =
    { n; rst = Array.init n (fun r -> S.init n r); tok = Hashtbl.create 8;
      net = [] }

  let token x s =
    match Hashtbl.find_opt x.tok s with Some t -> t | None -> S.token0 x.n

  let broadcast n r m =
    List.map (fun j -> (j, m)) (List.filter (fun j -> j <> r) (List.init n (fun j -> j)))

  let rec take i = function
    | [] -> None
    | x :: l ->
        if i = 0 then Some (x, l)
        else (match take (i - 1) l with None -> None | Some (y, l') -> Some (y, x :: l'))

  let step out x line =
    let say s = Buffer.add_string out s; Buffer.add_char out '\n' in
    let num = int_of_string in
    match List.filter (fun w -> w <> "") (String.split_on_char ' ' line) with
    | [] -> x
    | [ "reset"; n ] -> say ("reset " ^ n); fresh (num n)
    | [ "put"; r; s; k; v ] ->
        let r = num r and s = num s in
        if r < 0 || r >= x.n then (say "invalid"; x)
        else (
          match S.put x.rst.(r) (token x s) (num k) (num v) with
          | None -> say "put blocked"; x
          | Some (st, t, m) ->
              x.rst.(r) <- st;
              Hashtbl.replace x.tok s t;
              x.net <- x.net @ broadcast x.n r m;
              say "put ok"; x)
    | [ "get"; r; s; k ] ->
        let r = num r and s = num s in
        if r < 0 || r >= x.n then (say "invalid"; x)
        else (
          match S.get x.rst.(r) (token x s) (num k) with
          | None -> say "get blocked"; x
          | Some (v, t) ->
              Hashtbl.replace x.tok s t;
              (match v with
               | None -> say "get none"
               | Some v -> say ("get value " ^ string_of_int v));
              x)
    | [ "deliver"; i ] -> (
        match take (num i) x.net with
        | None -> say "deliver absent"; x
        | Some ((j, m), rest) ->
            if S.deliverable x.rst.(j) m then (
              x.net <- rest;
              x.rst.(j) <- S.apply x.rst.(j) m;
              say "deliver applied")
            else say "deliver blocked";
            x)
    | _ -> failwith ("cannot parse: " ^ line)

  let main () =
    let out = Buffer.create 65536 in
    let x = ref (fresh 3) in
    (try
       while true do
         x := step out !x (input_line stdin);
         if Buffer.length out > 60000 then (
           print_string (Buffer.contents out);
           Buffer.clear out)
       done
     with End_of_file -> ());
    print_string (Buffer.contents out);
    flush stdout
end
