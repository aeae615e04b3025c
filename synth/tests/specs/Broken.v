From KV Require Import Framework.Abstract.
Definition broken {K : Type} (keqb : K -> K -> bool) : spec K := [undefined_constraint].
