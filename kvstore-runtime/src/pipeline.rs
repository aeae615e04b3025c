//! [`Pipeline`]: many batch requests of independent sessions in flight
//! over the same connections, either as separate `Batch` calls or over one
//! long-lived `BatchStream` call per replica.

use crate::client::{Client, ClientError};
use crate::ops::{Op, OpResult};
use crate::pipeline_stream::StreamEngine;
use std::time::Instant;

/// The outcome of one request of a [`Pipeline`].
#[derive(Debug)]
pub struct Completion {
    /// Index of the session (`0..depth`) that ran the request.
    pub session: usize,
    /// The tag given to [`Pipeline::submit_tagged`] (0 for [`Pipeline::submit`]).
    pub tag: u64,
    /// Number of operations in the request.
    pub ops: usize,
    /// The results, or why the request failed.
    pub result: Result<Vec<OpResult>, ClientError>,
    /// When the request was sent.
    pub sent: Instant,
    /// When its answer arrived.
    pub done: Instant,
}

/// A session of a pipeline: its index and its client.
pub(crate) type Session = (usize, Client);

/// Many requests in flight over the same connections: `depth` independent
/// sessions (clones of one [`Client`], so they share its HTTP/2
/// connections), each running at most one batch request at a time.
/// Session `i` starts at replica `client.replica() + i` (mod the number of
/// replicas).
///
/// This is how a load generator reaches high throughput: e.g. 16 sessions
/// each sending batches of 32 operations keep 512 operations in flight on
/// one connection per replica.
///
/// Two ways to send the requests:
/// - [`Pipeline::new`]: each request is a [`Client::batch`] call (its own
///   HTTP/2 stream, failing over to other replicas as the client is set to).
/// - [`Pipeline::streaming`]: the requests to a replica share one
///   long-lived `BatchStream` call, opened at the first request to that
///   replica and reopened after it breaks. This saves the headers and
///   stream set-up of every call (less CPU on both sides). A request that
///   fails (an error answer, no answer within the client's timeout, or the
///   stream breaking) completes with its error; there is no failover, the
///   session stays at its replica (move it with [`Pipeline::idle_sessions`]).
///
/// ```no_run
/// # async fn f() -> Result<(), kvstore_runtime::ClientError> {
/// use kvstore_runtime::{client::Pipeline, Client, Op};
/// let client = Client::connect(&["127.0.0.1:7000", "127.0.0.1:7001"])?;
/// let mut p = Pipeline::streaming(&client, 16);
/// for i in 0..1000u32 {
///     let ops = vec![Op::Put { key: i.to_be_bytes().to_vec(), value: b"v".to_vec() }];
///     if let Some(done) = p.submit(ops).await {
///         done.result?; // a completion of an earlier request
///     }
/// }
/// for done in p.drain().await {
///     done.result?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Pipeline {
    idle: Vec<Session>,
    engine: Engine,
    depth: usize,
}

#[derive(Debug)]
enum Engine {
    /// One `Batch` call (task) per request.
    Calls(tokio::task::JoinSet<(Session, Completion)>),
    /// One `BatchStream` call per replica.
    Stream(Box<StreamEngine>),
}

impl Pipeline {
    /// `depth` fresh sessions cloned from `client` (at least one), each
    /// request a separate `Batch` call.
    pub fn new(client: &Client, depth: usize) -> Pipeline {
        Self::with_engine(client, depth, Engine::Calls(tokio::task::JoinSet::new()))
    }

    /// `depth` fresh sessions cloned from `client` (at least one), the
    /// requests to each replica sent over one `BatchStream` call.
    pub fn streaming(client: &Client, depth: usize) -> Pipeline {
        let engine = Engine::Stream(Box::new(StreamEngine::new(client.replicas())));
        Self::with_engine(client, depth, engine)
    }

    fn with_engine(client: &Client, depth: usize, engine: Engine) -> Pipeline {
        let depth = depth.max(1);
        let idle = (0..depth)
            .rev()
            .map(|i| {
                let mut c = client.clone();
                c.new_session();
                c.set_replica(client.replica() + i);
                (i, c)
            })
            .collect();
        Pipeline {
            idle,
            engine,
            depth,
        }
    }

    /// Number of sessions.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> usize {
        self.depth - self.idle.len()
    }

    /// Access the idle sessions (e.g. to move them to other replicas
    /// between requests with [`Client::set_replica`]).
    pub fn idle_sessions(&mut self) -> impl Iterator<Item = &mut Client> {
        self.idle.iter_mut().map(|(_, c)| c)
    }

    /// Send `ops` as one request of an idle session. When every session is
    /// busy, first waits for one request to complete and returns its completion.
    pub async fn submit(&mut self, ops: Vec<Op>) -> Option<Completion> {
        self.submit_tagged(ops, 0).await
    }

    /// [`Pipeline::submit`] with a tag returned in the completion.
    pub async fn submit_tagged(&mut self, ops: Vec<Op>, tag: u64) -> Option<Completion> {
        let mut earlier = None;
        if self.idle.is_empty() {
            earlier = self.next().await;
        }
        let session = self.idle.pop().expect("a session is idle");
        match &mut self.engine {
            Engine::Calls(running) => {
                running.spawn(async move {
                    let (index, mut client) = session;
                    let n = ops.len();
                    let sent = Instant::now();
                    let result = client.batch(ops).await;
                    let c = Completion {
                        session: index,
                        tag,
                        ops: n,
                        result,
                        sent,
                        done: Instant::now(),
                    };
                    ((index, client), c)
                });
            }
            Engine::Stream(engine) => engine.submit(session, ops, tag).await,
        }
        earlier
    }

    /// Wait for the next completion (`None` when nothing is in flight).
    pub async fn next(&mut self) -> Option<Completion> {
        let (session, c) = match &mut self.engine {
            Engine::Calls(running) => loop {
                match running.join_next().await? {
                    Ok(done) => break done,
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    // Cancelled: only when the pipeline is dropped.
                    Err(_) => continue,
                }
            },
            Engine::Stream(engine) => engine.next().await?,
        };
        self.idle.push(session);
        Some(c)
    }

    /// Wait for every request in flight.
    pub async fn drain(&mut self) -> Vec<Completion> {
        let mut out = Vec::new();
        while let Some(c) = self.next().await {
            out.push(c);
        }
        out
    }
}
