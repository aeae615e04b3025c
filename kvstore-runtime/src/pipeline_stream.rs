//! The streaming engine of [`Pipeline::streaming`](crate::Pipeline::streaming):
//! the requests of the pipeline's sessions to each replica go over one
//! `BatchStream` call, tagged, and the replies are matched to them by tag.
//!
//! Every request has a deadline (its session's client timeout): the
//! replica is asked to answer before it (`wait_ms`, with the same margin as
//! a `Batch` call's `grpc-timeout`), and a request still unanswered at its
//! deadline completes with `DEADLINE_EXCEEDED` (a late reply is ignored).
//! When a replica's stream breaks or ends, every request in flight on it
//! completes with that error and the next request to it opens a new stream.
//!
//! Each stream's replies are read by a task of its own, which notes when
//! each arrived: completions carry the time of the answer, not the time the
//! pipeline got round to looking at it, and the HTTP/2 stream is drained
//! while the caller is busy elsewhere.

use crate::client::{decode_results, encode_batch, Client};
use crate::deadline::budget_within;
use crate::ops::Op;
use crate::pipeline::{Completion, Session};
use crate::proto::{self, tagged_batch_reply::Outcome};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::{Code, Status, Streaming};

/// An open `BatchStream` call to one replica.
#[derive(Debug)]
struct Link {
    /// Which of the streams opened to this replica it is.
    generation: u64,
    requests: mpsc::UnboundedSender<proto::TaggedBatchRequest>,
    /// The task reading the replies.
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// What a link's reader task reports.
#[derive(Debug)]
enum LinkEvent {
    /// A reply and when it arrived.
    Reply(proto::TaggedBatchReply, Instant),
    /// Link `(replica, generation)` broke (`Some`) or ended (`None`).
    Closed(usize, u64, Option<Status>),
}

/// Forward the replies of `replies` to `events` until the stream is over.
async fn read_replies(
    mut replies: Streaming<proto::TaggedBatchReply>,
    replica: usize,
    generation: u64,
    events: mpsc::UnboundedSender<LinkEvent>,
) {
    loop {
        let event = match replies.message().await {
            Ok(Some(reply)) => LinkEvent::Reply(reply, Instant::now()),
            Ok(None) => LinkEvent::Closed(replica, generation, None),
            Err(status) => LinkEvent::Closed(replica, generation, Some(status)),
        };
        let closed = matches!(event, LinkEvent::Closed(..));
        if events.send(event).is_err() || closed {
            return;
        }
    }
}

/// A request waiting for its reply.
#[derive(Debug)]
struct InFlight {
    replica: usize,
    /// The generation of the link it was sent on.
    generation: u64,
    session: Session,
    /// The caller's tag.
    tag: u64,
    is_put: Vec<bool>,
    sent: Instant,
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct StreamEngine {
    links: Vec<Option<Link>>,
    /// Links opened so far (the next one's generation).
    opened: u64,
    /// The reports of every link's reader.
    events: mpsc::UnboundedReceiver<LinkEvent>,
    events_tx: mpsc::UnboundedSender<LinkEvent>,
    in_flight: HashMap<u64, InFlight>,
    /// Deadlines in sending order (every session has the same timeout, so
    /// this is also deadline order), entries of answered requests dropped lazily.
    deadlines: VecDeque<(Instant, u64)>,
    /// Requests completed without a reply (failed to send).
    ready: VecDeque<(Session, Completion)>,
    next_tag: u64,
}

/// How long the replica may wait for catch-up: what a `Batch` call with
/// `timeout` as its `grpc-timeout` would get, in whole milliseconds (at least 1).
fn wait_ms(timeout: Duration) -> u32 {
    budget_within(timeout)
        .as_millis()
        .clamp(1, u32::MAX as u128) as u32
}

impl StreamEngine {
    pub(crate) fn new(replicas: usize) -> StreamEngine {
        let (events_tx, events) = mpsc::unbounded_channel();
        StreamEngine {
            links: (0..replicas).map(|_| None).collect(),
            opened: 0,
            events,
            events_tx,
            in_flight: HashMap::new(),
            deadlines: VecDeque::new(),
            ready: VecDeque::new(),
            next_tag: 1,
        }
    }

    /// Open a stream to `replica` with `client`'s connection.
    async fn open(&mut self, client: &Client, replica: usize) -> Result<Link, Status> {
        let (requests, rx) = mpsc::unbounded_channel();
        let mut kv = client.replicas[replica].clone();
        let call = kv.batch_stream(UnboundedReceiverStream::new(rx));
        match tokio::time::timeout(client.timeout, call).await {
            Ok(Ok(reply)) => {
                let generation = self.opened;
                self.opened += 1;
                let events = self.events_tx.clone();
                let reader = tokio::spawn(read_replies(
                    reply.into_inner(),
                    replica,
                    generation,
                    events,
                ));
                Ok(Link {
                    generation,
                    requests,
                    reader,
                })
            }
            Ok(Err(status)) => Err(status),
            Err(_) => Err(Status::deadline_exceeded(format!(
                "opening the batch stream took longer than the timeout of {} ms",
                client.timeout.as_millis()
            ))),
        }
    }

    /// Send `ops` for `session` (at its client's current replica).
    pub(crate) async fn submit(&mut self, session: Session, ops: Vec<Op>, tag: u64) {
        let client = &session.1;
        let replica = client.replica();
        let n = ops.len();
        let sent = Instant::now();
        let fail = |session: Session, status: Status| {
            let c = Completion {
                session: session.0,
                tag,
                ops: n,
                result: Err(session.1.status_error(replica, status)),
                sent,
                done: Instant::now(),
            };
            (session, c)
        };
        if self.links[replica].is_none() {
            match self.open(client, replica).await {
                Ok(link) => self.links[replica] = Some(link),
                Err(status) => {
                    self.ready.push_back(fail(session, status));
                    return;
                }
            }
        }
        let (mut batch, is_put) = encode_batch(ops);
        batch.token = client.token().to_vec();
        let wire_tag = self.next_tag;
        self.next_tag += 1;
        let request = proto::TaggedBatchRequest {
            tag: wire_tag,
            batch: Some(batch),
            wait_ms: wait_ms(client.timeout),
        };
        let link = self.links[replica].as_ref().expect("opened above");
        if link.requests.send(request).is_err() {
            // The call is over (its end, and the error of the requests in
            // flight on it, is still to come from its reader): the next
            // request opens a new one.
            self.links[replica] = None;
            self.ready.push_back(fail(
                session,
                Status::unavailable("the batch stream to the replica has ended"),
            ));
            return;
        }
        let generation = link.generation;
        self.deadlines.push_back((sent + client.timeout, wire_tag));
        self.in_flight.insert(
            wire_tag,
            InFlight {
                replica,
                generation,
                session,
                tag,
                is_put,
                sent,
            },
        );
    }

    /// The next completed request (`None` when nothing is in flight).
    pub(crate) async fn next(&mut self) -> Option<(Session, Completion)> {
        loop {
            if let Some(done) = self.ready.pop_front() {
                return Some(done);
            }
            while let Some(&(_, t)) = self.deadlines.front() {
                if self.in_flight.contains_key(&t) {
                    break;
                }
                self.deadlines.pop_front();
            }
            let &(deadline, _) = self.deadlines.front()?;
            let event = tokio::select! {
                biased;
                e = self.events.recv() => e.expect("the engine holds a sender"),
                _ = tokio::time::sleep_until(deadline.into()) => {
                    let (_, t) = self.deadlines.pop_front().expect("a deadline");
                    let f = self.in_flight.remove(&t).expect("in flight");
                    let status = Status::deadline_exceeded(format!(
                        "no answer within the timeout of {} ms",
                        f.session.1.timeout.as_millis()
                    ));
                    return Some(Self::complete(f, Err(status), Instant::now()));
                }
            };
            match event {
                LinkEvent::Reply(reply, at) => {
                    if let Some(done) = self.answer(reply, at) {
                        return Some(done);
                    }
                }
                LinkEvent::Closed(replica, generation, status) => {
                    self.close(replica, generation, status)
                }
            }
        }
    }

    /// Complete the request `reply` answers (`None` for a reply to a
    /// request that already expired).
    fn answer(
        &mut self,
        reply: proto::TaggedBatchReply,
        at: Instant,
    ) -> Option<(Session, Completion)> {
        let f = self.in_flight.remove(&reply.tag)?;
        let result = match reply.outcome {
            Some(Outcome::Ok(b)) => Ok(b),
            Some(Outcome::Error(e)) => Err(Status::new(Code::from(e.code), e.message)),
            None => Err(Status::internal(format!(
                "the replica answered request {} with neither results nor an error",
                reply.tag
            ))),
        };
        Some(Self::complete(f, result, at))
    }

    /// Link `generation` to `replica` is over: fail what is in flight on it.
    fn close(&mut self, replica: usize, generation: u64, status: Option<Status>) {
        if self.links[replica]
            .as_ref()
            .is_some_and(|l| l.generation == generation)
        {
            self.links[replica] = None;
        }
        let mut tags: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.replica == replica && f.generation == generation)
            .map(|(&t, _)| t)
            .collect();
        tags.sort_unstable();
        let unanswered = tags.len();
        let now = Instant::now();
        for t in tags {
            let f = self.in_flight.remove(&t).expect("in flight");
            let status = match &status {
                Some(s) => Status::new(
                    s.code(),
                    format!("the batch stream to the replica broke: {}", s.message()),
                ),
                None => Status::unavailable(format!(
                    "the replica ended the batch stream with {unanswered} requests unanswered"
                )),
            };
            self.ready.push_back(Self::complete(f, Err(status), now));
        }
    }

    fn complete(
        f: InFlight,
        result: Result<proto::BatchReply, Status>,
        done: Instant,
    ) -> (Session, Completion) {
        let (index, mut client) = f.session;
        let result = match result {
            Ok(b) => decode_results(&f.is_put, b.results).inspect(|_| client.set_token(b.token)),
            Err(status) => Err(client.status_error(f.replica, status)),
        };
        let c = Completion {
            session: index,
            tag: f.tag,
            ops: f.is_put.len(),
            result,
            sent: f.sent,
            done,
        };
        ((index, client), c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_leaves_the_margin_of_a_batch_call() {
        assert_eq!(wait_ms(Duration::from_secs(2)), 1950);
        assert_eq!(wait_ms(Duration::from_millis(100)), 90);
        assert_eq!(wait_ms(Duration::ZERO), 1);
    }
}
