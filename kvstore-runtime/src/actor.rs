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
            let state = store.init(replicas, me);
            let mut actor = Actor {
                store,
                state,
                me,
                replicas,
                next_seq: 0,
                links,
                origins: vec![OriginState::default(); replicas as usize],
                buffer: Vec::new(),
                parked: Vec::new(),
            };
            while let Some(cmd) = commands.blocking_recv() {
                if !actor.handle(cmd) {
                    break;
                }
            }
            tracing::debug!(replica = me, "replica actor stopped");
        })
}

impl<S: Store<Bytes, Bytes>> Actor<S> {
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
