//! The replica actor: one dedicated thread owns the store state (which is
//! not `Send`) and serves commands arriving through a channel.
//!
//! * Client operations whose store answer is "not yet" are parked and
//!   retried after every state change; the gRPC handler enforces the
//!   deadline and drops its reply channel, which discards the parked job.
//! * Replicated messages are de-duplicated by per-origin sequence number,
//!   buffered, and applied as soon as the store's `deliverable` guard holds.
//! * Every local `put` produces one message, numbered with this replica's
//!   next sequence number and handed to every peer link.

use crate::ops::{Bytes, Op, OpResult};
use kv_store_api::{ReplicaId, Store};
use std::collections::VecDeque;
use tokio::sync::{mpsc, oneshot};

/// The successful answer to a client command.
#[derive(Debug)]
pub(crate) struct ClientAnswer {
    pub results: Vec<OpResult>,
    pub token: Bytes,
}

/// Why a client command was refused (nothing was applied).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientRejection {
    #[error("{0}")]
    MalformedToken(String),
}

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeliverRejection {
    #[error("origin {origin} is not a peer of replica {me} (cluster of {replicas})")]
    BadOrigin { origin: u64, me: u64, replicas: u64 },
    #[error(
        "origin {origin} restarted (incarnation {old:#x} -> {new:#x}) after this replica \
         received {received} of its messages; a restart without a write-ahead log loses \
         state and is not supported"
    )]
    OriginRestarted {
        origin: u64,
        old: u64,
        new: u64,
        received: u64,
    },
    #[error("message {seq} of origin {origin} is malformed: {reason}")]
    MalformedMessage {
        origin: u64,
        seq: u64,
        reason: String,
    },
}

/// A command for the actor.
pub(crate) enum Command {
    /// Execute `ops` in order for the session holding `token`.
    Client {
        token: Bytes,
        ops: Vec<Op>,
        reply: oneshot::Sender<Result<ClientAnswer, ClientRejection>>,
    },
    /// Messages of `origin` (sequence-numbered, in order); the reply is the
    /// highest sequence number up to which everything has been received.
    Deliver {
        origin: u64,
        incarnation: u64,
        messages: Vec<(u64, Bytes)>,
        reply: oneshot::Sender<Result<u64, DeliverRejection>>,
    },
    /// Stop the actor.
    Stop,
}

/// A message for a peer link: sequence number and encoded store message.
pub(crate) type Outgoing = (u64, Bytes);

/// A client job in progress (possibly parked).
struct Job<S: Store<Bytes, Bytes>> {
    token: S::Token,
    ops: VecDeque<Op>,
    results: Vec<OpResult>,
    reply: oneshot::Sender<Result<ClientAnswer, ClientRejection>>,
}

/// Per-origin receive state.
#[derive(Clone, Copy, Default)]
struct OriginState {
    incarnation: Option<u64>,
    received_upto: u64,
}

struct Actor<S: Store<Bytes, Bytes>> {
    store: S,
    state: S::State,
    me: ReplicaId,
    replicas: u64,
    next_seq: u64,
    links: Vec<mpsc::UnboundedSender<Outgoing>>,
    origins: Vec<OriginState>,
    buffer: Vec<S::Msg>,
    parked: Vec<Job<S>>,
}

/// Start the actor thread for replica `me` of `replicas`. `links` receive
/// every message this replica produces.
pub(crate) fn spawn<S: Store<Bytes, Bytes>>(
    store: S,
    replicas: u64,
    me: ReplicaId,
    links: Vec<mpsc::UnboundedSender<Outgoing>>,
    mut commands: mpsc::Receiver<Command>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("replica-{me}"))
        .spawn(move || {
            let mut actor = Actor::new(store, replicas, me, links);
            while let Some(cmd) = commands.blocking_recv() {
                // A panicking store must not take the replica down: the
                // command's reply channel is dropped (the client sees an
                // error) and the actor goes on.
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| actor.handle(cmd))) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(_) => {
                        tracing::error!(replica = me, "the store panicked while handling a command")
                    }
                }
            }
            tracing::debug!(replica = me, "replica actor stopped");
        })
}

impl<S: Store<Bytes, Bytes>> Actor<S> {
    fn new(
        store: S,
        replicas: u64,
        me: ReplicaId,
        links: Vec<mpsc::UnboundedSender<Outgoing>>,
    ) -> Self {
        let state = store.init(replicas, me);
        Actor {
            store,
            state,
            me,
            replicas,
            next_seq: 0,
            links,
            origins: vec![OriginState::default(); replicas as usize],
            buffer: Vec::new(),
            parked: Vec::new(),
        }
    }

    /// Handle one command; `false` means stop.
    fn handle(&mut self, cmd: Command) -> bool {
        let changed = match cmd {
            Command::Stop => return false,
            Command::Client { token, ops, reply } => self.client(token, ops, reply),
            Command::Deliver {
                origin,
                incarnation,
                messages,
                reply,
            } => {
                let (result, changed) = self.deliver(origin, incarnation, messages);
                if let Err(e) = &result {
                    tracing::error!(replica = self.me, origin, error = %e, "delivery refused");
                }
                let _ = reply.send(result);
                changed
            }
        };
        if changed {
            self.retry_parked();
        } else {
            // Forget jobs whose client gave up.
            self.parked.retain(|j| !j.reply.is_closed());
        }
        true
    }

    /// Start a client job; returns whether the state changed.
    fn client(
        &mut self,
        token: Bytes,
        ops: Vec<Op>,
        reply: oneshot::Sender<Result<ClientAnswer, ClientRejection>>,
    ) -> bool {
        let token = match self.store.decode_token(self.replicas, &token) {
            Ok(t) => t,
            Err(e) => {
                let _ = reply.send(Err(ClientRejection::MalformedToken(e.to_string())));
                return false;
            }
        };
        let mut job = Job {
            token,
            results: Vec::with_capacity(ops.len()),
            ops: ops.into(),
            reply,
        };
        let (done, changed) = self.run(&mut job);
        if done {
            self.finish(job);
        } else {
            self.parked.push(job);
        }
        changed
    }

    /// Run a job's operations until done or "not yet": (done, state changed).
    fn run(&mut self, job: &mut Job<S>) -> (bool, bool) {
        let mut changed = false;
        while let Some(op) = job.ops.pop_front() {
            match op {
                Op::Put { key, value } => {
                    match self
                        .store
                        .put(&mut self.state, &job.token, key.clone(), value.clone())
                    {
                        Some((tok, msg)) => {
                            job.token = tok;
                            job.results.push(OpResult::Put);
                            self.broadcast(&msg);
                            changed = true;
                        }
                        None => {
                            job.ops.push_front(Op::Put { key, value });
                            return (false, changed);
                        }
                    }
                }
                Op::Get { key } => match self.store.get(&self.state, &job.token, &key) {
                    Some((val, tok)) => {
                        job.token = tok;
                        job.results.push(OpResult::Get(val));
                    }
                    None => {
                        job.ops.push_front(Op::Get { key });
                        return (false, changed);
                    }
                },
            }
        }
        (true, changed)
    }

    fn finish(&self, job: Job<S>) {
        let token = self.store.encode_token(&job.token);
        let _ = job.reply.send(Ok(ClientAnswer {
            results: job.results,
            token,
        }));
    }

    /// Retry parked jobs until none makes progress.
    fn retry_parked(&mut self) {
        loop {
            let mut progress = false;
            let mut changed = false;
            for mut job in std::mem::take(&mut self.parked) {
                if job.reply.is_closed() {
                    continue;
                }
                let before = job.results.len();
                let (done, ch) = self.run(&mut job);
                changed |= ch;
                progress |= job.results.len() > before;
                if done {
                    self.finish(job);
                } else {
                    self.parked.push(job);
                }
            }
            if !progress || !changed || self.parked.is_empty() {
                return;
            }
        }
    }

    /// Hand a freshly produced message to every peer link.
    fn broadcast(&mut self, msg: &S::Msg) {
        self.next_seq += 1;
        let payload = self.store.encode_msg(msg);
        for link in &self.links {
            // A closed link means the server is shutting down.
            let _ = link.send((self.next_seq, payload.clone()));
        }
    }

    /// Receive messages of `origin`; returns the acknowledgement and whether the state changed.
    fn deliver(
        &mut self,
        origin: u64,
        incarnation: u64,
        messages: Vec<(u64, Bytes)>,
    ) -> (Result<u64, DeliverRejection>, bool) {
        if origin >= self.replicas || origin == self.me {
            let e = DeliverRejection::BadOrigin {
                origin,
                me: self.me,
                replicas: self.replicas,
            };
            return (Err(e), false);
        }
        let o = &mut self.origins[origin as usize];
        match o.incarnation {
            Some(old) if old != incarnation => {
                if o.received_upto > 0 {
                    let e = DeliverRejection::OriginRestarted {
                        origin,
                        old,
                        new: incarnation,
                        received: o.received_upto,
                    };
                    return (Err(e), false);
                }
                o.incarnation = Some(incarnation);
            }
            Some(_) => {}
            None => o.incarnation = Some(incarnation),
        }
        let mut result = Ok(());
        let mut received = 0usize;
        for (seq, payload) in messages {
            let o = &mut self.origins[origin as usize];
            if seq <= o.received_upto {
                continue; // duplicate (retransmission)
            }
            if seq != o.received_upto + 1 {
                break; // gap: the acknowledgement tells the sender where to resume
            }
            match self.store.decode_msg(&payload) {
                Ok(m) => {
                    o.received_upto = seq;
                    self.buffer.push(m);
                    received += 1;
                }
                Err(e) => {
                    result = Err(DeliverRejection::MalformedMessage {
                        origin,
                        seq,
                        reason: e.to_string(),
                    });
                    break;
                }
            }
        }
        let changed = received > 0 && self.apply_deliverable();
        let upto = self.origins[origin as usize].received_upto;
        (result.map(|()| upto), changed)
    }

    /// Apply buffered messages whose guard holds, until none does; returns
    /// whether anything was applied.
    fn apply_deliverable(&mut self) -> bool {
        let mut any = false;
        loop {
            let mut progress = false;
            let pending = std::mem::take(&mut self.buffer);
            let mut keep = Vec::with_capacity(pending.len());
            for m in pending {
                if self.store.deliverable(&self.state, &m) {
                    self.store.apply(&mut self.state, m);
                    progress = true;
                } else {
                    keep.push(m);
                }
            }
            self.buffer = keep;
            any |= progress;
            if !progress || self.buffer.is_empty() {
                return any;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::{HandwrittenVc, VcMsg};

    type A = Actor<HandwrittenVc>;

    fn msg(origin: u64, seq: u64, k: &str, v: &str) -> (u64, Bytes) {
        let m = VcMsg {
            origin,
            seq,
            key: k.as_bytes().to_vec(),
            value: v.as_bytes().to_vec(),
        };
        (seq, Store::<Bytes, Bytes>::encode_msg(&HandwrittenVc, &m))
    }

    fn actor(me: u64) -> (A, Vec<mpsc::UnboundedReceiver<Outgoing>>) {
        let mut txs = Vec::new();
        let mut rxs = Vec::new();
        for _ in 0..2 {
            let (t, r) = mpsc::unbounded_channel();
            txs.push(t);
            rxs.push(r);
        }
        (Actor::new(HandwrittenVc, 3, me, txs), rxs)
    }

    fn client(
        a: &mut A,
        token: Bytes,
        ops: Vec<Op>,
    ) -> oneshot::Receiver<Result<ClientAnswer, ClientRejection>> {
        let (reply, rx) = oneshot::channel();
        a.handle(Command::Client { token, ops, reply });
        rx
    }

    fn deliver(
        a: &mut A,
        origin: u64,
        inc: u64,
        msgs: Vec<(u64, Bytes)>,
    ) -> Result<u64, DeliverRejection> {
        let (reply, mut rx) = oneshot::channel();
        a.handle(Command::Deliver {
            origin,
            incarnation: inc,
            messages: msgs,
            reply,
        });
        rx.try_recv().unwrap()
    }

    fn token(clock: &[u64]) -> Bytes {
        bincode::serialize(&clock.to_vec()).unwrap()
    }

    #[test]
    fn duplicates_are_dropped_and_gaps_wait_for_retransmission() {
        let (mut a, _rx) = actor(1);
        // Gap: message 2 before 1 is not accepted.
        assert_eq!(deliver(&mut a, 0, 9, vec![msg(0, 2, "k", "b")]).unwrap(), 0);
        assert_eq!(
            deliver(&mut a, 0, 9, vec![msg(0, 1, "k", "a"), msg(0, 2, "k", "b")]).unwrap(),
            2
        );
        // Retransmission of 1..2 plus a new 3: only 3 is applied.
        let again = vec![
            msg(0, 1, "k", "a"),
            msg(0, 2, "k", "b"),
            msg(0, 3, "k", "c"),
        ];
        assert_eq!(deliver(&mut a, 0, 9, again).unwrap(), 3);
        assert_eq!(a.state.clock(), &[3, 0, 0]);
        assert!(a.buffer.is_empty());
    }

    #[test]
    fn origin_restart_is_refused_once_messages_were_received() {
        let (mut a, _rx) = actor(1);
        // A new incarnation before anything was received is fine.
        assert_eq!(deliver(&mut a, 0, 1, vec![]).unwrap(), 0);
        assert_eq!(deliver(&mut a, 0, 2, vec![msg(0, 1, "k", "a")]).unwrap(), 1);
        let e = deliver(&mut a, 0, 3, vec![msg(0, 1, "k", "z")]).unwrap_err();
        assert!(e.to_string().contains("restarted"), "{e}");
        assert!(matches!(
            deliver(&mut a, 1, 2, vec![]),
            Err(DeliverRejection::BadOrigin { .. })
        ));
        assert!(matches!(
            deliver(&mut a, 7, 2, vec![]),
            Err(DeliverRejection::BadOrigin { .. })
        ));
    }

    #[test]
    fn malformed_message_is_refused_and_not_acknowledged() {
        let (mut a, _rx) = actor(1);
        let e = deliver(&mut a, 2, 1, vec![msg(2, 1, "k", "a"), (2, vec![1, 2])]).unwrap_err();
        assert!(
            matches!(e, DeliverRejection::MalformedMessage { seq: 2, .. }),
            "{e}"
        );
        assert_eq!(a.origins[2].received_upto, 1);
        assert_eq!(a.state.clock(), &[0, 0, 1]);
    }

    #[test]
    fn waiting_reads_complete_after_delivery_and_abandoned_ones_are_dropped() {
        let (mut a, _rx) = actor(1);
        let get = || vec![Op::Get { key: b"k".to_vec() }];
        let mut waiting = client(&mut a, token(&[1, 0, 0]), get());
        let abandoned = client(&mut a, token(&[1, 0, 0]), get());
        drop(abandoned);
        assert!(waiting.try_recv().is_err());
        assert_eq!(a.parked.len(), 2);
        deliver(&mut a, 0, 1, vec![msg(0, 1, "k", "v")]).unwrap();
        let answer = waiting.try_recv().unwrap().unwrap();
        assert_eq!(answer.results, vec![OpResult::Get(Some(b"v".to_vec()))]);
        assert_eq!(answer.token, token(&[1, 0, 0]));
        assert!(a.parked.is_empty());
    }

    #[test]
    fn puts_are_numbered_and_sent_to_every_peer() {
        let (mut a, mut rx) = actor(2);
        let put = |v: &str| {
            vec![Op::Put {
                key: b"k".to_vec(),
                value: v.as_bytes().to_vec(),
            }]
        };
        let mut r = client(&mut a, Vec::new(), put("a"));
        let t = r.try_recv().unwrap().unwrap().token;
        let mut r = client(&mut a, t, put("b"));
        assert_eq!(r.try_recv().unwrap().unwrap().token, token(&[0, 0, 2]));
        for link in &mut rx {
            assert_eq!(link.try_recv().unwrap().0, 1);
            let (seq, payload) = link.try_recv().unwrap();
            assert_eq!(seq, 2);
            let m: VcMsg<Bytes, Bytes> =
                Store::<Bytes, Bytes>::decode_msg(&HandwrittenVc, &payload).unwrap();
            assert_eq!((m.origin, m.seq, m.value), (2, 2, b"b".to_vec()));
        }
    }

    #[test]
    fn malformed_token_changes_nothing() {
        let (mut a, mut rx) = actor(0);
        let ops = vec![Op::Put {
            key: b"k".to_vec(),
            value: b"v".to_vec(),
        }];
        let mut r = client(&mut a, vec![9, 9], ops);
        assert!(matches!(
            r.try_recv().unwrap(),
            Err(ClientRejection::MalformedToken(_))
        ));
        assert_eq!(a.state.clock(), &[0, 0, 0]);
        assert!(rx[0].try_recv().is_err());
    }

    /// A test store with a total order on messages: message `n` is
    /// deliverable once exactly `n` messages were applied.
    struct TotalOrder;
    impl Store<Bytes, Bytes> for TotalOrder {
        type State = u64;
        type Token = u64;
        type Msg = u64;
        fn name(&self) -> &'static str {
            "total-order"
        }
        fn init(&self, _: u64, _: ReplicaId) -> u64 {
            0
        }
        fn initial_token(&self, _: u64) -> u64 {
            0
        }
        fn put(&self, st: &mut u64, _: &u64, _: Bytes, _: Bytes) -> Option<(u64, u64)> {
            *st += 1;
            Some((*st, *st - 1))
        }
        fn get(&self, st: &u64, tok: &u64, _: &Bytes) -> Option<(Option<Bytes>, u64)> {
            (tok <= st).then_some((None, *st))
        }
        fn deliverable(&self, st: &u64, m: &u64) -> bool {
            st == m
        }
        fn apply(&self, st: &mut u64, _: u64) {
            *st += 1
        }
    }

    #[test]
    fn undeliverable_messages_wait_in_the_buffer_until_their_guard_holds() {
        let mut a = Actor::new(TotalOrder, 3, 1, Vec::new());
        let enc = |m: u64| Store::<Bytes, Bytes>::encode_msg(&TotalOrder, &m);
        let d = |a: &mut Actor<TotalOrder>, origin: u64, msgs: Vec<(u64, Bytes)>| {
            let (reply, mut rx) = oneshot::channel();
            a.handle(Command::Deliver {
                origin,
                incarnation: 1,
                messages: msgs,
                reply,
            });
            rx.try_recv().unwrap().unwrap()
        };
        // Origin 0 sends the messages that come 2nd and 3rd in the total order.
        assert_eq!(d(&mut a, 0, vec![(1, enc(1)), (2, enc(2))]), 2);
        assert_eq!((a.state, a.buffer.len()), (0, 2));
        // Origin 2 sends the 1st: everything becomes deliverable.
        assert_eq!(d(&mut a, 2, vec![(1, enc(0))]), 1);
        assert_eq!(a.state, 3);
        assert!(a.buffer.is_empty());
    }
}
