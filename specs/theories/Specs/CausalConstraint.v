(** * Causal visibility, as a constraint on the abstract store.

    Causal consistency as in Chapar (Lesani, Bell, Chlipala, POPL 2016,
    Sec. 3: the abstract causal store) and Ahamad et al. (Distributed
    Computing 1995): the causal past of a session is what it wrote, what it
    read, and (transitively) what those writes depended on; a replica serves
    a session only if it applied the session's causal past, and applies a
    write only after every write in the causal past of its put. *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude Framework.Abstract.
Import ListNotations.

Section CausalConstraint.
  Variable K : Type.

  Definition c_causal : constraint K := {|
    c_put := fun A s r _ _ => sub (cpast A s) (ids (applied A r));
    c_get := fun A s r _ _ => sub (cpast A s) (ids (applied A r));
    c_apply := fun A r w => sub (wdeps w) (ids (applied A r)) |}.
End CausalConstraint.

Arguments c_causal {K}.
