(** * The four session guarantees, as constraints on the abstract store.

    Terry, Demers, Petersen, Spreitzer, Theimer, Welch: "Session Guarantees
    for Weakly Consistent Replicated Data", PDIS 1994, Sec. 3; Viotti and
    Vukolic, "Consistency in Non-Transactional Distributed Storage Systems",
    ACM CSUR 2016, Sec. 3.3.  A write is visible at a replica iff the replica
    applied it; the writes relevant to a read are the write it returned. *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude Framework.Abstract.
Import ListNotations.

Section SessionGuarantees.
  Variable K : Type.

  (** Read your writes (Terry Sec. 3.1; V&V: [a ->so b => a ->vis b] for a
      write [a] and a read [b]): a replica serves a session's read only if it
      applied every write the session issued before. *)
  Definition c_read_your_writes : constraint K := {|
    c_put := fun _ _ _ _ _ => True;
    c_get := fun A s r _ _ => sub (ids (issued A s)) (ids (applied A r));
    c_apply := fun _ _ _ => True |}.

  (** Monotonic reads (Terry Sec. 3.2; V&V: [a ->vis b /\ b ->so c =>
      a ->vis c] for reads [b], [c]): a replica serves a session's read only
      if it applied every write the session read before. *)
  Definition c_monotonic_reads : constraint K := {|
    c_put := fun _ _ _ _ _ => True;
    c_get := fun A s r _ _ => sub (ids (observed A s)) (ids (applied A r));
    c_apply := fun _ _ _ => True |}.

  (** Monotonic writes (Terry Sec. 3.4; V&V: [a ->so b => a ->ar b] for
      writes): if [W1] precedes [W2] in a session, any replica applies [W1]
      before [W2].  Guards both the put (the serving replica applies the new
      write now) and every later apply. *)
  Definition c_monotonic_writes : constraint K := {|
    c_put := fun A s r _ _ => sub (ids (issued A s)) (ids (applied A r));
    c_get := fun _ _ _ _ _ => True;
    c_apply := fun A r w => sub (wsessw w) (ids (applied A r)) |}.

  (** Writes follow reads (Terry Sec. 3.3; V&V: [a ->vis b /\ b ->so c =>
      a ->ar c]): a write is applied at a replica only after the writes its
      session had read before issuing it. *)
  Definition c_writes_follow_reads : constraint K := {|
    c_put := fun A s r _ _ => sub (ids (observed A s)) (ids (applied A r));
    c_get := fun _ _ _ _ _ => True;
    c_apply := fun A r w => sub (wobs w) (ids (applied A r)) |}.
End SessionGuarantees.

Arguments c_read_your_writes {K}.
Arguments c_monotonic_reads {K}.
Arguments c_monotonic_writes {K}.
Arguments c_writes_follow_reads {K}.
