//! The replica actor: one dedicated thread owns the store state (which is
//! not `Send`) and serves commands arriving through a channel.
//!
//! * Commands are handled in *rounds*: the thread takes every command that
//!   is waiting (up to [`MAX_ROUND`]), then ends the round: retries parked
//!   client jobs once if the state changed, commits the write-ahead log
//!   (one `fsync` per round with `--fsync always`), and only then sends the
//!   round's replies and hands the round's new messages to the peer links
//!   (one batch per peer). Nothing is acknowledged, to a client or a peer,
//!   before the log holds it.
//! * Client operations whose store answer is "not yet" are parked and
//!   retried after every round that changed the state; the gRPC handler
//!   enforces the deadline and drops its reply channel, which discards the
//!   parked job.
//! * Replicated messages are de-duplicated by per-origin sequence number,
//!   buffered ([`crate::pending`]), and applied once the store's
//!   `deliverable` guard holds: after every delivery, and after a local put
//!   when it unblocked the oldest waiting message of some origin, or else
//!   at intervals that grow with the number of waiting messages.
//! * Every local `put` produces one message, numbered with this replica's
//!   next sequence number and handed to every peer link.
//! * With a write-ahead log, every local put and every received delivery is
//!   logged in the order it changed the state; on start the log is replayed
//!   through the same code paths ([`crate::wal`]), which rebuilds the same
//!   state, sequence numbers, per-origin receive positions and the messages
//!   peers have not acknowledged, under the same incarnation.
//! * Once the log reaches the compaction threshold, the actor snapshots its
//!   whole state and starts a new log ([`Actor::compact`], format in
//!   [`crate::wal`]); recovery then loads the snapshot and replays the
//!   records logged after it. For this the actor keeps its own messages
//!   until every peer acknowledged them.

use crate::metrics::Metrics;
use crate::ops::{Bytes, Op, OpResult};
use crate::pending::Pending;
use crate::proto::Envelope;
use crate::wal::snapshot::{self, OriginSnapshot, Snapshot};
use crate::wal::{FsyncPolicy, Identity, Record, Wal, WalError};
use kv_store_api::{ReplicaId, Store};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most commands handled in one round.
pub(crate) const MAX_ROUND: usize = 1024;

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
         received {received} of its messages; a restart without its write-ahead log loses \
         state and is not supported (restart it with its --wal directory)"
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

type ClientReply = oneshot::Sender<Result<ClientAnswer, ClientRejection>>;
type DeliverReply = oneshot::Sender<Result<u64, DeliverRejection>>;

/// A command for the actor.
pub(crate) enum Command {
    /// Execute `ops` in order for the session holding `token`.
    Client {
        token: Bytes,
        ops: Vec<Op>,
        reply: ClientReply,
    },
    /// Messages of `origin` (sequence-numbered, in order); the reply is the
    /// highest sequence number up to which everything has been received.
    Deliver {
        origin: u64,
        incarnation: u64,
        messages: Vec<(u64, bytes::Bytes)>,
        reply: DeliverReply,
    },
    /// Peer `peer` acknowledged this replica's messages up to `upto` (logged
    /// so that a restart retransmits less).
    Acked { peer: u64, upto: u64 },
    /// Stop the actor.
    Stop,
}

/// What the actor hands a peer link after a round: new messages in sequence order.
pub(crate) type Outgoing = Vec<Envelope>;

/// A reply held back until the end of the round (after the log commit).
enum Reply {
    Client(ClientReply, Result<ClientAnswer, ClientRejection>),
    Deliver(DeliverReply, Result<u64, DeliverRejection>),
}

/// A client job in progress (possibly parked).
struct Job<S: Store<Bytes, Bytes>> {
    token: S::Token,
    ops: VecDeque<Op>,
    results: Vec<OpResult>,
    reply: ClientReply,
}

/// Per-origin receive state.
#[derive(Clone, Copy, Default)]
struct OriginState {
    incarnation: Option<u64>,
    received_upto: u64,
}

/// Where and how to keep the write-ahead log.
#[derive(Debug, Clone)]
pub(crate) struct WalConfig {
    pub dir: PathBuf,
    pub fsync: FsyncPolicy,
    /// Compact the log once it is this large (0: never).
    pub compact_bytes: u64,
}

/// Everything the actor thread needs.
pub(crate) struct Setup<S> {
    pub store: S,
    pub replicas: u64,
    pub me: ReplicaId,
    /// Peer id and link of every other replica.
    pub links: Vec<(u64, mpsc::UnboundedSender<Outgoing>)>,
    pub wal: Option<WalConfig>,
    pub metrics: Arc<Metrics>,
}

struct Actor<S: Store<Bytes, Bytes>> {
    store: S,
    state: S::State,
    me: ReplicaId,
    replicas: u64,
    next_seq: u64,
    links: Vec<(u64, mpsc::UnboundedSender<Outgoing>)>,
    origins: Vec<OriginState>,
    buffer: Pending<S::Msg>,
    parked: Vec<Job<S>>,
    /// Replies of this round (sent after the log commit).
    replies: Vec<Reply>,
    /// Messages produced this round (sent after the log commit).
    outgoing: Vec<Envelope>,
    /// Whether the state changed this round.
    changed: bool,
    wal: Option<Wal>,
    /// Highest acknowledgement logged per peer.
    acked_logged: Vec<u64>,
    /// True while replaying the log (nothing is logged or replied).
    replaying: bool,
    /// Log size that triggers compaction (0: never).
    compact_bytes: u64,
    /// Log size at which the next compaction is tried.
    compact_at: u64,
    /// Incarnation of this replica.
    incarnation: u64,
    /// Whether the store can encode its state (else: never compact).
    can_snapshot: bool,
    /// Own messages some peer has not acknowledged (kept for snapshots,
    /// only while compaction is on).
    retained: VecDeque<Envelope>,
    metrics: Arc<Metrics>,
}

/// Reports the incarnation once the log is replayed (or why it could not be).
pub(crate) type Ready = oneshot::Receiver<Result<u64, WalError>>;

/// Stack reserved for a replica's thread (1 GiB of address space).
pub(crate) const REPLICA_STACK_BYTES: usize = 1 << 30;

/// Start the actor thread. It first opens and replays the write-ahead log,
/// if any, and reports the incarnation to use (kept from the log, or fresh)
/// through the returned receiver, then serves `commands` until
/// [`Command::Stop`] or until every sender is gone.
pub(crate) fn spawn<S: Store<Bytes, Bytes>>(
    setup: Setup<S>,
    mut commands: mpsc::Receiver<Command>,
) -> std::io::Result<(std::thread::JoinHandle<()>, Ready)> {
    let (ready_tx, ready_rx) = oneshot::channel();
    let me = setup.me;
    let thread = std::thread::Builder::new()
        .name(format!("replica-{me}"))
        // Extracted code recurses over its data (e.g. an association list
        // with one entry per key): give it room. Only touched pages are
        // committed, so a large reservation costs nothing until used.
        .stack_size(REPLICA_STACK_BYTES)
        .spawn(move || {
            let Some(mut actor) = start(setup, ready_tx) else {
                return;
            };
            actor.serve(&mut commands);
            tracing::debug!(replica = me, "replica actor stopped");
        })?;
    Ok((thread, ready_rx))
}

/// Start the actor as a task of the current thread's
/// [`tokio::task::LocalSet`] (it panics outside one), like [`spawn`] but
/// without a thread of its own: commands and replies then never cross
/// threads. The log is replayed on this thread before the task serves, and
/// the thread's stack must be large enough for the store (see
/// [`REPLICA_STACK_BYTES`]).
pub(crate) fn spawn_local<S: Store<Bytes, Bytes>>(
    setup: Setup<S>,
    mut commands: mpsc::Receiver<Command>,
) -> (tokio::task::JoinHandle<()>, Ready) {
    let (ready_tx, ready_rx) = oneshot::channel();
    let me = setup.me;
    let task = tokio::task::spawn_local(async move {
        let Some(mut actor) = start(setup, ready_tx) else {
            return;
        };
        actor.serve_async(&mut commands).await;
        tracing::debug!(replica = me, "replica actor stopped");
    });
    (task, ready_rx)
}

/// Build the actor, replay its log (if any) and report the incarnation, or
/// why the log could not be replayed (then `None`).
fn start<S: Store<Bytes, Bytes>>(
    setup: Setup<S>,
    ready: oneshot::Sender<Result<u64, WalError>>,
) -> Option<Actor<S>> {
    let wal = setup.wal.clone();
    let mut actor = Actor::new(setup);
    let incarnation = match wal {
        None => {
            actor.incarnation = rand::random();
            Ok(actor.incarnation)
        }
        Some(w) => actor.recover(&w),
    };
    let ok = incarnation.is_ok();
    let _ = ready.send(incarnation);
    ok.then_some(actor)
}

/// Whether the local put numbered `seq` drains the `waiting` buffered
/// messages although the oldest message of every origin is still blocked
/// (a put whose new state unblocks one of those always drains). A drain
/// evaluates the guard of every waiting message, so draining after every
/// put would make each put cost as much as the buffer is long, just when a
/// replica that fell behind needs its time to catch up. With `waiting`
/// messages, a put drains once `seq` is a multiple of `waiting` rounded up
/// to a power of two: at most one more guard evaluation per put on
/// average. A message that a put made deliverable while an older one of
/// its origin stays blocked (only possible with a guard that lets an
/// origin's messages overtake each other) thus waits at most `2 * waiting`
/// puts, or until the next delivery, which always drains. The choice
/// depends only on state the log and snapshots restore, so a replay drains
/// at the same points as the original run.
fn drains_after_put(seq: u64, waiting: usize) -> bool {
    waiting > 0 && seq.is_multiple_of((waiting as u64).next_power_of_two())
}

/// Run `f`, turning a panic of the store into an error log.
fn guarded<T>(me: u64, what: &str, f: impl FnOnce() -> T) -> Option<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(t) => Some(t),
        Err(_) => {
            tracing::error!(replica = me, "the store panicked while {what}");
            None
        }
    }
}

impl<S: Store<Bytes, Bytes>> Actor<S> {
    fn new(setup: Setup<S>) -> Self {
        let state = setup.store.init(setup.replicas, setup.me);
        Actor {
            store: setup.store,
            state,
            me: setup.me,
            replicas: setup.replicas,
            next_seq: 0,
            links: setup.links,
            origins: vec![OriginState::default(); setup.replicas as usize],
            buffer: Pending::new(setup.replicas as usize),
            parked: Vec::new(),
            replies: Vec::new(),
            outgoing: Vec::new(),
            changed: false,
            wal: None,
            acked_logged: vec![0; setup.replicas as usize],
            replaying: false,
            compact_bytes: 0,
            compact_at: 0,
            incarnation: 0,
            can_snapshot: false,
            retained: VecDeque::new(),
            metrics: setup.metrics,
        }
    }

    /// Serve commands in rounds until stopped (on the actor's own thread).
    fn serve(&mut self, commands: &mut mpsc::Receiver<Command>) {
        while let Some(first) = commands.blocking_recv() {
            if !self.round(first, commands) {
                return;
            }
        }
    }

    /// Serve commands in rounds until stopped, as a task of the calling
    /// thread (see [`spawn_local`]).
    async fn serve_async(&mut self, commands: &mut mpsc::Receiver<Command>) {
        while let Some(first) = commands.recv().await {
            if !self.round(first, commands) {
                return;
            }
            // Let the connections of this thread run before the next round.
            tokio::task::yield_now().await;
        }
    }

    /// One round: `first` and every command already waiting (up to
    /// [`MAX_ROUND`]), then [`Actor::end_round`]. `false` means stop.
    fn round(&mut self, first: Command, commands: &mut mpsc::Receiver<Command>) -> bool {
        // A panicking store must not take the replica down: the
        // command's reply channel is dropped (the client sees an
        // error) and the actor goes on.
        let mut run = guarded(self.me, "handling a command", || self.handle(first)).unwrap_or(true);
        let mut n = 1;
        while run && n < MAX_ROUND {
            match commands.try_recv() {
                Ok(cmd) => {
                    run =
                        guarded(self.me, "handling a command", || self.handle(cmd)).unwrap_or(true);
                    n += 1;
                }
                Err(_) => break,
            }
        }
        self.metrics.round(n as u64);
        if let Err(e) = self.end_round() {
            tracing::error!(replica = self.me, error = %e,
                "the write-ahead log cannot be written; stopping the replica (nothing of this round was acknowledged)");
            return false;
        }
        run
    }

    /// Handle one command; `false` means stop.
    fn handle(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Stop => return false,
            Command::Client { token, ops, reply } => self.client(token, ops, reply),
            Command::Deliver {
                origin,
                incarnation,
                messages,
                reply,
            } => {
                let result = self.deliver(origin, incarnation, messages);
                if let Err(e) = &result {
                    self.metrics.refused();
                    tracing::error!(replica = self.me, origin, error = %e, "delivery refused");
                }
                self.replies.push(Reply::Deliver(reply, result));
            }
            Command::Acked { peer, upto } => {
                if let (Some(wal), Some(logged)) =
                    (&mut self.wal, self.acked_logged.get_mut(peer as usize))
                {
                    if upto > *logged {
                        *logged = upto;
                        wal.append(&Record::Acked { peer, upto });
                        self.trim_retained();
                    }
                }
            }
        }
        true
    }

    /// End a round: retry parked jobs, commit the log, send replies and
    /// new messages.
    fn end_round(&mut self) -> Result<(), WalError> {
        if std::mem::take(&mut self.changed) {
            guarded(self.me, "retrying waiting requests", || self.retry_parked());
        } else if !self.parked.is_empty() {
            // Forget jobs whose client gave up.
            self.parked.retain(|j| !j.reply.is_closed());
        }
        if let Some(wal) = &mut self.wal {
            let synced = wal.commit()?;
            self.metrics.wal(wal.len(), synced);
        }
        if self.compacting() {
            self.retained.extend(self.outgoing.iter().cloned());
        }
        for r in self.replies.drain(..) {
            match r {
                Reply::Client(tx, r) => {
                    let _ = tx.send(r);
                }
                Reply::Deliver(tx, r) => {
                    let _ = tx.send(r);
                }
            }
        }
        if !self.outgoing.is_empty() {
            self.metrics.produced(self.outgoing.len() as u64);
            let batch = std::mem::take(&mut self.outgoing);
            if let Some(((_, last), rest)) = self.links.split_last() {
                for (_, link) in rest {
                    // A closed link means the server is shutting down.
                    let _ = link.send(batch.clone());
                }
                let _ = last.send(batch);
            }
        }
        self.metrics
            .set_pending(self.buffer.len(), self.parked.len());
        if self.compacting()
            && self
                .wal
                .as_ref()
                .is_some_and(|w| w.len() >= self.compact_at)
        {
            self.compact()?;
        }
        Ok(())
    }

    /// Whether the log is compacted (a log, a threshold, an encodable state).
    fn compacting(&self) -> bool {
        self.wal.is_some() && self.compact_bytes > 0 && self.can_snapshot
    }

    /// Forget retained messages every peer acknowledged.
    fn trim_retained(&mut self) {
        let all = self
            .links
            .iter()
            .map(|(p, _)| self.acked_logged.get(*p as usize).copied().unwrap_or(0))
            .min()
            .unwrap_or(u64::MAX);
        while self.retained.front().is_some_and(|e| e.seq <= all) {
            self.retained.pop_front();
        }
    }

    /// Compact the log: force it to disk, write a snapshot of the whole
    /// replica state at the log's current LSN, then replace the log by an
    /// empty one starting at that LSN. Returns whether it compacted (not if
    /// the store cannot encode its state, or writing the snapshot failed:
    /// the log is then kept whole). An error means the log itself could not
    /// be written or replaced (the replica must stop).
    fn compact(&mut self) -> Result<bool, WalError> {
        let Some(wal) = &mut self.wal else {
            return Ok(false);
        };
        wal.sync()?;
        let state = match guarded(self.me, "encoding its state", || {
            self.store.encode_state(&self.state)
        }) {
            Some(Some(s)) => s,
            Some(None) => {
                tracing::info!(replica = self.me, store = self.store.name(),
                    "the store cannot encode its state (it holds closures); the write-ahead log is not compacted");
                self.can_snapshot = false;
                self.retained.clear();
                return Ok(false);
            }
            None => {
                self.can_snapshot = false;
                self.retained.clear();
                return Ok(false);
            }
        };
        let Some(wal) = &mut self.wal else {
            return Ok(false);
        };
        let incarnation = self.incarnation;
        let snap = Snapshot {
            store: self.store.name().to_string(),
            replicas: self.replicas,
            id: self.me,
            incarnation,
            lsn: wal.lsn(),
            state,
            next_seq: self.next_seq,
            origins: self
                .origins
                .iter()
                .map(|o| OriginSnapshot {
                    incarnation: o.incarnation,
                    received_upto: o.received_upto,
                })
                .collect(),
            pending: self
                .buffer
                .iter()
                .map(|(origin, m)| (origin, self.store.encode_msg(m)))
                .collect(),
            acked: self.acked_logged.clone(),
            unacked: self
                .retained
                .iter()
                .map(|e| (e.seq, e.payload.to_vec()))
                .collect(),
        };
        let before = wal.len();
        let bytes = match snapshot::write(wal.dir(), &snap) {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(replica = self.me, error = %e,
                    "writing a snapshot failed; keeping the whole write-ahead log (retrying once it grew by the threshold again)");
                self.compact_at = before.saturating_add(self.compact_bytes);
                return Ok(false);
            }
        };
        wal.rotate(snap.lsn)?;
        self.compact_at = self.compact_bytes;
        self.metrics.wal(wal.len(), true);
        tracing::info!(
            replica = self.me,
            lsn = snap.lsn,
            log_bytes_before = before,
            log_bytes = wal.len(),
            snapshot_bytes = bytes,
            unacked = snap.unacked.len(),
            pending = snap.pending.len(),
            "compacted the write-ahead log into a snapshot"
        );
        Ok(true)
    }

    /// Start a client job.
    fn client(&mut self, token: Bytes, ops: Vec<Op>, reply: ClientReply) {
        let token = match self.store.decode_token(self.replicas, &token) {
            Ok(t) => t,
            Err(e) => {
                let e = ClientRejection::MalformedToken(e.to_string());
                self.replies.push(Reply::Client(reply, Err(e)));
                return;
            }
        };
        let mut job = Job {
            token,
            results: Vec::with_capacity(ops.len()),
            ops: ops.into(),
            reply,
        };
        if self.run(&mut job) {
            self.finish(job);
        } else {
            self.parked.push(job);
        }
    }

    /// Run a job's operations until done or "not yet"; returns whether it is done.
    fn run(&mut self, job: &mut Job<S>) -> bool {
        while let Some(op) = job.ops.pop_front() {
            match op {
                Op::Put { key, value } => {
                    match self
                        .store
                        .put(&mut self.state, &job.token, key.clone(), value.clone())
                    {
                        Some((tok, msg)) => {
                            let payload = self.store.encode_msg(&msg);
                            let payload = match &mut self.wal {
                                Some(wal) if !self.replaying => {
                                    let rec = Record::Put {
                                        token: self.store.encode_token(&job.token),
                                        key,
                                        value,
                                        payload,
                                    };
                                    wal.append(&rec);
                                    match rec {
                                        Record::Put { payload, .. } => payload,
                                        _ => unreachable!("built above"),
                                    }
                                }
                                _ => payload,
                            };
                            job.token = tok;
                            job.results.push(OpResult::Put);
                            self.produced(payload);
                        }
                        None => {
                            job.ops.push_front(Op::Put { key, value });
                            return false;
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
                        return false;
                    }
                },
            }
        }
        true
    }

    /// A local put produced `payload`: number it, queue it for the peers,
    /// and apply buffered messages the new state made deliverable when the
    /// oldest of some origin is one of them, else now and then (see
    /// [`drains_after_put`]).
    fn produced(&mut self, payload: Bytes) {
        self.next_seq += 1;
        self.changed = true;
        self.outgoing.push(Envelope {
            seq: self.next_seq,
            payload: payload.into(),
        });
        let store = &self.store;
        if self
            .buffer
            .some_oldest_deliverable(&self.state, |st, m| store.deliverable(st, m))
            || drains_after_put(self.next_seq, self.buffer.len())
        {
            self.apply_deliverable();
        }
    }

    fn finish(&mut self, job: Job<S>) {
        let token = self.store.encode_token(&job.token);
        let answer = ClientAnswer {
            results: job.results,
            token,
        };
        self.replies.push(Reply::Client(job.reply, Ok(answer)));
    }

    /// Retry parked jobs until none makes progress.
    fn retry_parked(&mut self) {
        loop {
            let mut progress = false;
            let before_seq = self.next_seq;
            for mut job in std::mem::take(&mut self.parked) {
                if job.reply.is_closed() {
                    continue;
                }
                let before = job.results.len();
                let done = self.run(&mut job);
                progress |= job.results.len() > before;
                if done {
                    self.finish(job);
                } else {
                    self.parked.push(job);
                }
            }
            // Only puts change the state here; another pass can only help then.
            if !progress || self.next_seq == before_seq || self.parked.is_empty() {
                return;
            }
        }
    }

    /// Receive messages of `origin`; returns the acknowledgement.
    fn deliver(
        &mut self,
        origin: u64,
        incarnation: u64,
        messages: Vec<(u64, bytes::Bytes)>,
    ) -> Result<u64, DeliverRejection> {
        if origin >= self.replicas || origin == self.me {
            return Err(DeliverRejection::BadOrigin {
                origin,
                me: self.me,
                replicas: self.replicas,
            });
        }
        let o = &mut self.origins[origin as usize];
        match o.incarnation {
            Some(old) if old != incarnation => {
                if o.received_upto > 0 {
                    return Err(DeliverRejection::OriginRestarted {
                        origin,
                        old,
                        new: incarnation,
                        received: o.received_upto,
                    });
                }
                o.incarnation = Some(incarnation);
            }
            Some(_) => {}
            None => o.incarnation = Some(incarnation),
        }
        let logging = self.wal.is_some() && !self.replaying;
        let mut logged: Vec<Vec<u8>> = Vec::new();
        let mut first_seq = 0;
        let mut result = Ok(());
        let mut received = 0u64;
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
                    self.buffer.push(Some(origin), m);
                    if received == 0 {
                        first_seq = seq;
                    }
                    received += 1;
                    if logging {
                        logged.push(payload.to_vec());
                    }
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
        if received > 0 {
            if let Some(wal) = self.wal.as_mut().filter(|_| logging) {
                wal.append(&Record::Deliver {
                    origin,
                    incarnation,
                    first_seq,
                    payloads: logged,
                });
            }
            self.metrics.received(received);
            self.apply_deliverable();
        }
        let upto = self.origins[origin as usize].received_upto;
        result.map(|()| upto)
    }

    /// Apply buffered messages whose guard holds, until none does.
    fn apply_deliverable(&mut self) {
        let store = &self.store;
        let applied = self.buffer.drain(
            &mut self.state,
            |st, m| store.deliverable(st, m),
            |st, m| store.apply(st, m),
        );
        if applied > 0 {
            self.changed = true;
            self.metrics.applied(applied);
        }
    }

    /// Open the log, load the snapshot if there is one, replay the log
    /// records after it, and queue the messages peers may not have
    /// received; returns the incarnation.
    fn recover(&mut self, cfg: &WalConfig) -> Result<u64, WalError> {
        let me = Identity {
            store: self.store.name().to_string(),
            replicas: self.replicas,
            id: self.me,
        };
        let opened = Wal::open(&cfg.dir, &me, cfg.fsync)?;
        let path = opened.wal.path().to_path_buf();
        let n = opened.records.len();
        let end_lsn = opened.first_lsn + n as u64;
        let mut acked = vec![0u64; self.replicas as usize];
        let mut own = Vec::new();
        let snap_path = snapshot::path(&cfg.dir);
        let snap = snapshot::read(&cfg.dir)?;
        let skip_below = match &snap {
            Some(s) => {
                self.restore(s, &mut acked, &mut own, opened.incarnation)
                    .map_err(|reason| WalError::Snapshot {
                        path: snap_path.clone(),
                        reason,
                    })?;
                if opened.first_lsn > s.lsn {
                    return Err(WalError::Snapshot {
                        path: snap_path,
                        reason: format!(
                            "it ends at log record {} but the log {} starts at record {}: \
                             records in between are missing",
                            s.lsn,
                            path.display(),
                            opened.first_lsn
                        ),
                    });
                }
                s.lsn
            }
            None if opened.first_lsn > 0 => {
                return Err(WalError::Snapshot {
                    path: snap_path,
                    reason: format!(
                        "it is missing, but the log {} was compacted (it starts at record {})",
                        path.display(),
                        opened.first_lsn
                    ),
                });
            }
            None => 0,
        };
        self.replaying = true;
        let mut replayed = 0;
        for (i, (offset, rec)) in opened.records.into_iter().enumerate() {
            if opened.first_lsn + (i as u64) < skip_below {
                continue; // already in the snapshot
            }
            replayed += 1;
            let r = guarded(self.me, "replaying the write-ahead log", || {
                self.replay(rec, &mut acked)
            })
            .unwrap_or_else(|| Err("the store panicked".into()));
            if let Err(reason) = r {
                return Err(WalError::Replay {
                    path,
                    offset,
                    reason,
                });
            }
            own.append(&mut self.outgoing);
        }
        self.replaying = false;
        self.changed = false;
        self.acked_logged = acked.clone();
        self.incarnation = opened.incarnation;
        let mut requeued = 0;
        for (peer, link) in &self.links {
            let from = acked[*peer as usize];
            let msgs: Vec<Envelope> = own.iter().filter(|e| e.seq > from).cloned().collect();
            requeued = requeued.max(msgs.len());
            if !msgs.is_empty() {
                let _ = link.send(msgs);
            }
        }
        let mut wal = opened.wal;
        if skip_below > end_lsn {
            // The snapshot holds records the log lost (it cannot happen as
            // the log is forced to disk first, but LSNs must stay unique).
            tracing::warn!(replica = self.me, path = %path.display(), snapshot_lsn = skip_below, log_end = end_lsn,
                "the log ends before the snapshot; starting a new log after the snapshot");
            wal.rotate(skip_below)?;
        }
        self.compact_bytes = cfg.compact_bytes;
        self.compact_at = cfg.compact_bytes;
        self.can_snapshot = false;
        if cfg.compact_bytes > 0 {
            // Whether the store encodes states at all (a fresh one is cheap).
            match guarded(self.me, "encoding its state", || {
                let fresh = self.store.init(self.replicas, self.me);
                self.store.encode_state(&fresh)
            }) {
                Some(Some(_)) => self.can_snapshot = true,
                _ => tracing::info!(replica = self.me, store = self.store.name(),
                    "the store cannot encode its state (it holds closures): the write-ahead log is never compacted"),
            }
        }
        if self.can_snapshot {
            self.retained = own.into();
            self.trim_retained();
        }
        self.metrics.set_pending(self.buffer.len(), 0);
        self.metrics.wal(wal.len(), false);
        let wal_len = wal.len();
        self.wal = Some(wal);
        tracing::info!(replica = self.me, path = %path.display(), snapshot = snap.as_ref().map(|s| s.lsn), records = replayed,
            puts = self.next_seq, received = ?self.origins.iter().map(|o| o.received_upto).collect::<Vec<_>>(),
            retransmitting = requeued, "replayed the write-ahead log");
        if self.compacting() && wal_len >= self.compact_at {
            self.compact()?;
        }
        Ok(self.incarnation)
    }

    /// Restore the state a snapshot holds (before replaying the log after
    /// it): store state, sequence numbers, receive positions, buffered
    /// messages, acknowledgements and own unacknowledged messages.
    fn restore(
        &mut self,
        s: &Snapshot,
        acked: &mut [u64],
        own: &mut Vec<Envelope>,
        incarnation: u64,
    ) -> Result<(), String> {
        let theirs = (s.store.as_str(), s.replicas, s.id, s.incarnation);
        let ours = (self.store.name(), self.replicas, self.me, incarnation);
        if theirs != ours {
            return Err(format!(
                "it is of replica {} of {} of store {:?} (incarnation {:#x}), \
                 but this replica is {} of {} of store {:?} with a log of incarnation {:#x}",
                s.id,
                s.replicas,
                s.store,
                s.incarnation,
                self.me,
                self.replicas,
                ours.0,
                incarnation
            ));
        }
        let n = self.replicas as usize;
        if s.origins.len() != n || s.acked.len() != n {
            return Err("its per-replica tables do not match the cluster size".into());
        }
        self.state = guarded(self.me, "decoding its state", || {
            self.store.decode_state(self.replicas, self.me, &s.state)
        })
        .ok_or("the store panicked decoding the state")?
        .map_err(|e| e.to_string())?;
        self.next_seq = s.next_seq;
        for (o, so) in self.origins.iter_mut().zip(&s.origins) {
            o.incarnation = so.incarnation;
            o.received_upto = so.received_upto;
        }
        self.buffer = Pending::new(n);
        for (origin, p) in &s.pending {
            if origin.is_some_and(|o| o >= self.replicas || o == self.me) {
                return Err(format!(
                    "a buffered message has origin {}, not a peer of replica {} of {}",
                    origin.unwrap_or_default(),
                    self.me,
                    self.replicas
                ));
            }
            let m = self
                .store
                .decode_msg(p)
                .map_err(|e| format!("a buffered message: {e}"))?;
            self.buffer.push(*origin, m);
        }
        acked.copy_from_slice(&s.acked);
        own.extend(s.unacked.iter().map(|(seq, p)| Envelope {
            seq: *seq,
            payload: p.clone().into(),
        }));
        Ok(())
    }

    /// Replay one record through the live code paths.
    fn replay(&mut self, rec: Record, acked: &mut [u64]) -> Result<(), String> {
        match rec {
            Record::Header { .. } => Err("a second header".into()),
            Record::Rotated { .. } => Err("a rotation marker inside the log".into()),
            Record::Put {
                token,
                key,
                value,
                payload,
            } => {
                let tok = self
                    .store
                    .decode_token(self.replicas, &token)
                    .map_err(|e| e.to_string())?;
                let (_, msg) = self
                    .store
                    .put(&mut self.state, &tok, key, value)
                    .ok_or("the store answered \"not yet\" to a put it had accepted")?;
                let again = self.store.encode_msg(&msg);
                if again != payload {
                    return Err("the store produced another message than the logged one \
                                (not deterministic, or the log was written by another \
                                version of the store)"
                        .into());
                }
                self.produced(again);
                Ok(())
            }
            Record::Deliver {
                origin,
                incarnation,
                first_seq,
                payloads,
            } => {
                let n = payloads.len() as u64;
                let msgs = payloads
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| (first_seq + i as u64, bytes::Bytes::from(p)))
                    .collect();
                let upto = self
                    .deliver(origin, incarnation, msgs)
                    .map_err(|e| e.to_string())?;
                if n == 0 || upto != first_seq + n - 1 {
                    return Err(format!(
                        "messages {first_seq}..{} of origin {origin} were not all accepted again",
                        first_seq + n
                    ));
                }
                Ok(())
            }
            Record::Acked { peer, upto } => {
                if let Some(a) = acked.get_mut(peer as usize) {
                    *a = (*a).max(upto);
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::{HandwrittenVc, VcMsg};
    use crate::wal::FsyncPolicy;
    use kv_store_api::DecodeError;

    type A = Actor<HandwrittenVc>;

    fn msg(origin: u64, seq: u64, k: &str, v: &str) -> (u64, bytes::Bytes) {
        let m = VcMsg {
            origin,
            seq,
            key: k.as_bytes().to_vec(),
            value: v.as_bytes().to_vec(),
        };
        (
            seq,
            Store::<Bytes, Bytes>::encode_msg(&HandwrittenVc, &m).into(),
        )
    }

    fn setup<S>(store: S, me: u64) -> (Setup<S>, Vec<mpsc::UnboundedReceiver<Outgoing>>) {
        let mut links = Vec::new();
        let mut rxs = Vec::new();
        for p in (0..3).filter(|&p| p != me) {
            let (t, r) = mpsc::unbounded_channel();
            links.push((p, t));
            rxs.push(r);
        }
        let setup = Setup {
            store,
            replicas: 3,
            me,
            links,
            wal: None,
            metrics: Arc::new(Metrics::new(me, 3)),
        };
        (setup, rxs)
    }

    fn actor(me: u64) -> (A, Vec<mpsc::UnboundedReceiver<Outgoing>>) {
        let (s, rxs) = setup(HandwrittenVc, me);
        (Actor::new(s), rxs)
    }

    /// Handle one command as a round of its own.
    fn round(a: &mut A, cmd: Command) {
        assert!(a.handle(cmd));
        a.end_round().unwrap();
    }

    fn client(
        a: &mut A,
        token: Bytes,
        ops: Vec<Op>,
    ) -> oneshot::Receiver<Result<ClientAnswer, ClientRejection>> {
        let (reply, rx) = oneshot::channel();
        round(a, Command::Client { token, ops, reply });
        rx
    }

    fn deliver(
        a: &mut A,
        origin: u64,
        inc: u64,
        msgs: Vec<(u64, bytes::Bytes)>,
    ) -> Result<u64, DeliverRejection> {
        let (reply, mut rx) = oneshot::channel();
        round(
            a,
            Command::Deliver {
                origin,
                incarnation: inc,
                messages: msgs,
                reply,
            },
        );
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
        assert_eq!(a.buffer.len(), 0);
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
        let bad = (2, bytes::Bytes::from_static(&[1, 2]));
        let e = deliver(&mut a, 2, 1, vec![msg(2, 1, "k", "a"), bad]).unwrap_err();
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
            assert_eq!(link.try_recv().unwrap()[0].seq, 1);
            let e = link.try_recv().unwrap().pop().unwrap();
            assert_eq!(e.seq, 2);
            let m: VcMsg<Bytes, Bytes> =
                Store::<Bytes, Bytes>::decode_msg(&HandwrittenVc, &e.payload).unwrap();
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
        fn encode_state(&self, st: &u64) -> Option<Bytes> {
            Some(st.to_le_bytes().to_vec())
        }
        fn decode_state(&self, _: u64, _: ReplicaId, b: &[u8]) -> Result<u64, DecodeError> {
            Ok(u64::from_le_bytes(b.try_into().map_err(|_| {
                DecodeError {
                    what: "state",
                    reason: "not 8 bytes".into(),
                }
            })?))
        }
    }

    /// [`TotalOrder`], counting guard evaluations.
    struct Counting(std::sync::atomic::AtomicU64);
    impl Counting {
        fn evaluated(&self) -> u64 {
            self.0.load(std::sync::atomic::Ordering::Relaxed)
        }
    }
    impl Store<Bytes, Bytes> for Counting {
        type State = u64;
        type Token = u64;
        type Msg = u64;
        fn name(&self) -> &'static str {
            "counting"
        }
        fn init(&self, n: u64, me: ReplicaId) -> u64 {
            Store::<Bytes, Bytes>::init(&TotalOrder, n, me)
        }
        fn initial_token(&self, n: u64) -> u64 {
            Store::<Bytes, Bytes>::initial_token(&TotalOrder, n)
        }
        fn put(&self, st: &mut u64, t: &u64, k: Bytes, v: Bytes) -> Option<(u64, u64)> {
            TotalOrder.put(st, t, k, v)
        }
        fn get(&self, st: &u64, t: &u64, k: &Bytes) -> Option<(Option<Bytes>, u64)> {
            TotalOrder.get(st, t, k)
        }
        fn deliverable(&self, st: &u64, m: &u64) -> bool {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Store::<Bytes, Bytes>::deliverable(&TotalOrder, st, m)
        }
        fn apply(&self, st: &mut u64, m: u64) {
            Store::<Bytes, Bytes>::apply(&TotalOrder, st, m)
        }
    }

    #[test]
    fn puts_of_a_replica_that_fell_behind_do_not_reevaluate_every_waiting_message() {
        let (s, _rxs) = setup(Counting(Default::default()), 1);
        let mut a = Actor::new(s);
        let enc = |m: u64| Store::<Bytes, Bytes>::encode_msg(&TotalOrder, &m).into();
        // 1000 messages of origin 0 that no state reached here unblocks.
        let waiting = 1000u64;
        let (reply, _r) = oneshot::channel();
        a.handle(Command::Deliver {
            origin: 0,
            incarnation: 1,
            messages: (1..=waiting).map(|i| (i, enc(1_000_000 + i))).collect(),
            reply,
        });
        assert_eq!(a.buffer.len(), waiting as usize);
        let before = a.store.evaluated();
        let puts = 1000u64;
        for _ in 0..puts {
            let _r = send_put(&mut a);
        }
        a.end_round().unwrap();
        let per_put = (a.store.evaluated() - before) as f64 / puts as f64;
        // Draining after every put would evaluate all 1000 each time.
        assert!(per_put < 3.0, "{per_put} guard evaluations per put");
        assert_eq!((a.state, a.buffer.len()), (puts, waiting as usize));
    }

    #[test]
    fn a_put_that_unblocks_an_origins_oldest_message_drains() {
        let (s, _rxs) = setup(TotalOrder, 1);
        let mut a = Actor::new(s);
        let enc = |m: u64| Store::<Bytes, Bytes>::encode_msg(&TotalOrder, &m).into();
        // Origin 0: message 5 (far ahead); origin 2: messages 1 and 2.
        for (origin, msgs) in [(0, vec![(1, enc(5))]), (2, vec![(1, enc(1)), (2, enc(2))])] {
            let (reply, _r) = oneshot::channel();
            a.handle(Command::Deliver {
                origin,
                incarnation: 1,
                messages: msgs,
                reply,
            });
        }
        assert_eq!((a.state, a.buffer.len()), (0, 3));
        // The put takes the state to 1: origin 2's oldest, then its next.
        let _r = send_put(&mut a);
        assert_eq!((a.state, a.buffer.len()), (3, 1));
    }

    #[test]
    fn a_snapshot_restores_waiting_messages_by_origin_and_refuses_a_bad_origin() {
        let enc = |m: u64| Store::<Bytes, Bytes>::encode_msg(&TotalOrder, &m);
        let snap = |pending: Vec<(Option<u64>, Vec<u8>)>| Snapshot {
            store: "total-order".into(),
            replicas: 3,
            id: 1,
            incarnation: 7,
            lsn: 0,
            state: 0u64.to_le_bytes().to_vec(),
            next_seq: 0,
            origins: vec![OriginSnapshot::default(); 3],
            pending,
            acked: vec![0; 3],
            unacked: Vec::new(),
        };
        let restore = |s: &Snapshot| {
            let mut a = Actor::new(setup(TotalOrder, 1).0);
            let (mut acked, mut own) = (vec![0; 3], Vec::new());
            a.restore(s, &mut acked, &mut own, 7).map(|()| a)
        };
        let a = restore(&snap(vec![
            (Some(2), enc(4)),
            (None, enc(5)),
            (Some(0), enc(3)),
        ]))
        .unwrap();
        let waiting: Vec<_> = a.buffer.iter().map(|(o, m)| (o, *m)).collect();
        assert_eq!(waiting, vec![(Some(0), 3), (Some(2), 4), (None, 5)]);
        for bad in [1, 3] {
            let e = restore(&snap(vec![(Some(bad), enc(4))])).err().unwrap();
            assert!(e.contains(&format!("origin {bad}")), "{e}");
        }
    }

    #[test]
    fn put_drains_grow_apart_with_the_number_of_waiting_messages() {
        assert!(!drains_after_put(4, 0));
        assert!((1..=10).all(|seq| drains_after_put(seq, 1)));
        assert_eq!(
            (1..=64).filter(|&seq| drains_after_put(seq, 5)).count(),
            8,
            "5 waiting: every 8th put"
        );
        assert!(drains_after_put(1024, 1000) && !drains_after_put(1000, 1000));
    }

    #[test]
    fn undeliverable_messages_wait_in_the_buffer_until_their_guard_holds() {
        let mut a = Actor::new(setup(TotalOrder, 1).0);
        let enc = |m: u64| Store::<Bytes, Bytes>::encode_msg(&TotalOrder, &m).into();
        let d = |a: &mut Actor<TotalOrder>, origin: u64, msgs: Vec<(u64, bytes::Bytes)>| {
            let (reply, mut rx) = oneshot::channel();
            a.handle(Command::Deliver {
                origin,
                incarnation: 1,
                messages: msgs,
                reply,
            });
            a.end_round().unwrap();
            rx.try_recv().unwrap().unwrap()
        };
        // Origin 0 sends the messages that come 2nd and 3rd in the total order.
        assert_eq!(d(&mut a, 0, vec![(1, enc(1)), (2, enc(2))]), 2);
        assert_eq!((a.state, a.buffer.len()), (0, 2));
        // Origin 2 sends the 1st: everything becomes deliverable.
        assert_eq!(d(&mut a, 2, vec![(1, enc(0))]), 1);
        assert_eq!(a.state, 3);
        assert_eq!(a.buffer.len(), 0);
    }

    #[test]
    fn replaying_the_log_restores_state_buffer_positions_and_unacked_messages() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = WalConfig {
            dir: dir.path().to_path_buf(),
            fsync: FsyncPolicy::Never,
            compact_bytes: 0,
        };
        let enc = |m: u64| Store::<Bytes, Bytes>::encode_msg(&TotalOrder, &m).into();
        let start = |cfg: &WalConfig| {
            let (s, rxs) = setup(TotalOrder, 1);
            let mut a = Actor::new(s);
            let inc = a.recover(cfg).unwrap();
            (a, rxs, inc)
        };
        let (mut a, _rxs, inc) = start(&cfg);
        // Two messages of origin 0 that are not deliverable yet, then a local put.
        let (reply, _r) = oneshot::channel();
        a.handle(Command::Deliver {
            origin: 0,
            incarnation: 5,
            messages: vec![(1, enc(1)), (2, enc(2))],
            reply,
        });
        let mut put = send_put(&mut a);
        // Peer 2 acknowledged our message 1 (peer 0 did not).
        a.handle(Command::Acked { peer: 2, upto: 1 });
        a.end_round().unwrap();
        assert!(put.try_recv().unwrap().is_ok());
        // The put made message 1 of origin 0 deliverable: state 0 -> 1 (put) -> 3.
        assert_eq!((a.state, a.buffer.len()), (3, 0));
        drop(a);

        let (mut b, mut rxs, inc2) = start(&cfg);
        assert_eq!(inc2, inc);
        assert_eq!((b.state, b.next_seq), (3, 1));
        assert_eq!(b.origins[0].received_upto, 2);
        assert_eq!(b.origins[0].incarnation, Some(5));
        // Unacknowledged: requeued for peer 0 only.
        assert_eq!(rxs[0].try_recv().unwrap()[0].seq, 1);
        assert!(rxs[1].try_recv().is_err());
        // Live traffic continues where the log ended: a duplicate is ignored.
        let (reply, mut r) = oneshot::channel();
        b.handle(Command::Deliver {
            origin: 0,
            incarnation: 5,
            messages: vec![(2, enc(2)), (3, enc(3))],
            reply,
        });
        b.end_round().unwrap();
        assert_eq!(r.try_recv().unwrap().unwrap(), 3);
        assert_eq!(b.state, 4);
    }

    fn enc(m: u64) -> bytes::Bytes {
        Store::<Bytes, Bytes>::encode_msg(&TotalOrder, &m).into()
    }

    fn start_total(cfg: &WalConfig) -> (Actor<TotalOrder>, Vec<mpsc::UnboundedReceiver<Outgoing>>) {
        let (s, rxs) = setup(TotalOrder, 1);
        let mut a = Actor::new(s);
        a.recover(cfg).unwrap();
        (a, rxs)
    }

    /// Hand `a` one put of a fresh session (the round is not ended).
    fn send_put<S: Store<Bytes, Bytes>>(
        a: &mut Actor<S>,
    ) -> oneshot::Receiver<Result<ClientAnswer, ClientRejection>> {
        let (reply, r) = oneshot::channel();
        a.handle(Command::Client {
            token: Vec::new(),
            ops: vec![Op::Put {
                key: b"k".to_vec(),
                value: b"v".to_vec(),
            }],
            reply,
        });
        r
    }

    fn put_total(a: &mut Actor<TotalOrder>) {
        let mut r = send_put(a);
        a.end_round().unwrap();
        assert!(r.try_recv().unwrap().is_ok());
    }

    /// Replica 1 receives origin 0's message 1 (2nd in the total order, so
    /// buffered), makes one put (message 1, acknowledged by peer 2 only).
    fn before_compaction(a: &mut Actor<TotalOrder>) {
        let (reply, _r) = oneshot::channel();
        a.handle(Command::Deliver {
            origin: 0,
            incarnation: 5,
            messages: vec![(1, enc(2))],
            reply,
        });
        a.end_round().unwrap();
        put_total(a);
        a.handle(Command::Acked { peer: 2, upto: 1 });
        a.end_round().unwrap();
        assert_eq!((a.state, a.buffer.len(), a.next_seq), (1, 1, 1));
    }

    fn big_threshold(dir: &std::path::Path) -> WalConfig {
        WalConfig {
            dir: dir.to_path_buf(),
            fsync: FsyncPolicy::Never,
            compact_bytes: 1 << 40,
        }
    }

    #[test]
    fn compaction_snapshots_everything_and_recovery_replays_only_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = big_threshold(dir.path());
        let (mut a, _rx) = start_total(&cfg);
        let inc = a.incarnation;
        before_compaction(&mut a);
        let log = dir.path().join(crate::wal::FILE_NAME);
        let before = std::fs::metadata(&log).unwrap().len();
        assert!(a.compact().unwrap());
        assert!(std::fs::metadata(&log).unwrap().len() < before);
        assert_eq!(a.wal.as_ref().unwrap().lsn(), 3);
        // After the snapshot: a second put makes origin 0's message deliverable.
        put_total(&mut a);
        assert_eq!((a.state, a.buffer.len()), (3, 0));
        drop(a);

        let (b, mut rxs) = start_total(&cfg);
        assert_eq!(b.incarnation, inc);
        assert_eq!((b.state, b.next_seq, b.buffer.len()), (3, 2, 0));
        assert_eq!(
            (b.origins[0].incarnation, b.origins[0].received_upto),
            (Some(5), 1)
        );
        assert_eq!(b.acked_logged, vec![0, 0, 1]);
        // Peer 0 acknowledged nothing: both messages; peer 2 only the second.
        let seqs = |r: &mut mpsc::UnboundedReceiver<Outgoing>| {
            r.try_recv()
                .unwrap()
                .iter()
                .map(|e| e.seq)
                .collect::<Vec<_>>()
        };
        assert_eq!(seqs(&mut rxs[0]), vec![1, 2]);
        assert_eq!(seqs(&mut rxs[1]), vec![2]);
        assert_eq!(
            b.retained.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }

    #[test]
    fn a_crash_between_snapshot_and_log_rotation_skips_what_the_snapshot_holds() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = big_threshold(dir.path());
        let (mut a, _rx) = start_total(&cfg);
        before_compaction(&mut a);
        let log = dir.path().join(crate::wal::FILE_NAME);
        let old = std::fs::read(&log).unwrap();
        assert!(a.compact().unwrap());
        drop(a);
        // The old log comes back, as if the rename of the new one never happened.
        std::fs::write(&log, &old).unwrap();
        let (mut b, mut rxs) = start_total(&cfg);
        // Nothing was applied twice.
        assert_eq!((b.state, b.next_seq, b.buffer.len()), (1, 1, 1));
        assert_eq!(b.origins[0].received_upto, 1);
        assert_eq!(rxs[0].try_recv().unwrap()[0].seq, 1);
        assert!(rxs[1].try_recv().is_err());
        // Appending continues with LSNs after the snapshot's.
        put_total(&mut b);
        assert_eq!(b.state, 3);
        drop(b);
        let (c, _rxs) = start_total(&cfg);
        assert_eq!((c.state, c.next_seq), (3, 2));
    }

    #[test]
    fn automatic_compaction_at_the_threshold_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = WalConfig {
            compact_bytes: 1,
            ..big_threshold(dir.path())
        };
        let (mut a, _rx) = start_total(&cfg);
        before_compaction(&mut a);
        assert_eq!(a.wal.as_ref().unwrap().lsn(), 3);
        let log = dir.path().join(crate::wal::FILE_NAME);
        let snap = snapshot::path(dir.path());
        assert!(snap.exists());
        drop(a);
        let (b, _rx) = start_total(&cfg);
        assert_eq!((b.state, b.buffer.len()), (1, 1));
        drop(b);
        // A compacted log without its snapshot is refused.
        let saved = std::fs::read(&snap).unwrap();
        std::fs::remove_file(&snap).unwrap();
        let (s, _rx) = setup(TotalOrder, 1);
        let e = Actor::new(s).recover(&cfg).unwrap_err().to_string();
        assert!(e.contains("snapshot.bin") && e.contains("missing"), "{e}");
        // A corrupt one too, naming it.
        let mut bad = saved.clone();
        bad.truncate(bad.len() - 2);
        std::fs::write(&snap, &bad).unwrap();
        let (s, _rx) = setup(TotalOrder, 1);
        let e = Actor::new(s).recover(&cfg).unwrap_err().to_string();
        assert!(
            e.contains(&snap.display().to_string()) && e.contains("truncated"),
            "{e}"
        );
        // Put back, it is used again.
        std::fs::write(&snap, &saved).unwrap();
        assert!(log.exists());
        let (b, _rx) = start_total(&cfg);
        assert_eq!((b.state, b.buffer.len()), (1, 1));
    }
}
