//! gRPC service implementations: they validate requests, forward them to
//! the replica actor and translate its answers into gRPC statuses.

// `tonic::Status` is large, and it is what handlers return.
#![allow(clippy::result_large_err)]

use crate::actor::{ClientAnswer, ClientRejection, Command};
use crate::batch_stream::BatchStreamReplies;
use crate::deadline::wait_budget;
use crate::metrics::{Method, Metrics, OpKind, Outcome};
use crate::ops::{Bytes, Op, OpResult};
use crate::proto::{self, kv_server::Kv, replication_server::Replication};
use crate::security::{check_peer_cert, check_secret};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};
use tonic::{Request, Response, Status};

/// Size limits applied before anything reaches the store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_key_bytes: usize,
    pub max_value_bytes: usize,
    pub max_batch_ops: usize,
}

impl Limits {
    fn check(&self, i: usize, op: &Op) -> Result<(), Status> {
        let (key, value) = match op {
            Op::Put { key, value } => (key, Some(value)),
            Op::Get { key } => (key, None),
        };
        if key.len() > self.max_key_bytes {
            return Err(Status::invalid_argument(format!(
                "operation {i}: key of {} bytes exceeds the limit of {} bytes",
                key.len(),
                self.max_key_bytes
            )));
        }
        if let Some(v) = value {
            if v.len() > self.max_value_bytes {
                return Err(Status::invalid_argument(format!(
                    "operation {i}: value of {} bytes exceeds the limit of {} bytes",
                    v.len(),
                    self.max_value_bytes
                )));
            }
        }
        Ok(())
    }
}

/// The client-facing `Kv` service of one replica.
#[derive(Clone)]
pub(crate) struct KvService {
    pub id: u64,
    pub tx: mpsc::Sender<Command>,
    pub limits: Limits,
    pub default_wait: Duration,
    pub metrics: Arc<Metrics>,
    /// Turns true when the replica starts shutting down.
    pub stopping: watch::Receiver<bool>,
}

fn dropped(id: u64) -> Status {
    Status::unavailable(format!(
        "replica {id} did not answer: it is shutting down or failed on this request (see its log)"
    ))
}

pub(crate) fn stopped(id: u64) -> Status {
    Status::unavailable(format!("replica {id} is shutting down"))
}

impl KvService {
    /// [`KvService::run`] with metrics: operations by kind and outcome,
    /// request latency by method.
    async fn execute(
        &self,
        method: Method,
        budget: Duration,
        token: Bytes,
        ops: Vec<Op>,
    ) -> Result<ClientAnswer, Status> {
        let start = Instant::now();
        let puts = ops.iter().filter(|o| matches!(o, Op::Put { .. })).count() as u64;
        let gets = ops.len() as u64 - puts;
        let r = self.run(budget, token, ops).await;
        let outcome = match &r {
            Ok(_) => Outcome::Ok,
            Err(s) => match s.code() {
                tonic::Code::InvalidArgument => Outcome::Invalid,
                tonic::Code::Unavailable => Outcome::Unavailable,
                _ => Outcome::Error,
            },
        };
        self.metrics.ops(OpKind::Put, outcome, puts);
        self.metrics.ops(OpKind::Get, outcome, gets);
        self.metrics.latency(method, start.elapsed());
        r
    }

    /// Validate, run `ops` for the session `token`, wait at most `budget`
    /// for catch-up.
    async fn run(
        &self,
        budget: Duration,
        token: Bytes,
        ops: Vec<Op>,
    ) -> Result<ClientAnswer, Status> {
        if ops.len() > self.limits.max_batch_ops {
            return Err(Status::invalid_argument(format!(
                "batch of {} operations exceeds the limit of {}",
                ops.len(),
                self.limits.max_batch_ops
            )));
        }
        for (i, op) in ops.iter().enumerate() {
            self.limits.check(i, op)?;
        }
        let n = ops.len();
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Client { token, ops, reply })
            .await
            .map_err(|_| stopped(self.id))?;
        match tokio::time::timeout(budget, rx).await {
            Ok(Ok(Ok(answer))) => Ok(answer),
            Ok(Ok(Err(ClientRejection::MalformedToken(m)))) => Err(Status::invalid_argument(m)),
            Ok(Err(_)) => Err(dropped(self.id)),
            Err(_) => {
                tracing::debug!(
                    replica = self.id,
                    ops = n,
                    waited_ms = budget.as_millis() as u64,
                    "request timed out waiting for catch-up"
                );
                Err(Status::unavailable(format!(
                    "replica {} is waiting for the replica to catch up with the session token: \
                     after {} ms it has not yet applied the writes the session has seen; \
                     retry later or at another replica (operations of a batch before the \
                     waiting one may have taken effect)",
                    self.id,
                    budget.as_millis()
                )))
            }
        }
    }

    /// One batch request (of `Batch` or of a stream, `method`).
    async fn batch_ops(
        &self,
        method: Method,
        budget: Duration,
        r: proto::BatchRequest,
    ) -> Result<proto::BatchReply, Status> {
        let ops = match r.ops.into_iter().map(op_from_proto).collect() {
            Ok(ops) => ops,
            Err(e) => {
                self.metrics.latency(method, Duration::ZERO);
                return Err(e);
            }
        };
        let a = self.execute(method, budget, r.token, ops).await?;
        let results = a
            .results
            .into_iter()
            .map(|r| match r {
                OpResult::Put => proto::OpResult::default(),
                OpResult::Get(v) => proto::OpResult {
                    found: v.is_some(),
                    value: v.unwrap_or_default(),
                },
            })
            .collect();
        Ok(proto::BatchReply {
            results,
            token: a.token,
        })
    }

    /// One request of a `BatchStream` stream, answered with its tag.
    pub(crate) async fn tagged(&self, r: proto::TaggedBatchRequest) -> proto::TaggedBatchReply {
        use proto::tagged_batch_reply::Outcome as O;
        let budget = match r.wait_ms {
            0 => self.default_wait,
            ms => Duration::from_millis(ms.into()),
        };
        let outcome = match r.batch {
            Some(b) => self.batch_ops(Method::BatchStream, budget, b).await,
            None => Err(Status::invalid_argument(format!(
                "stream request {} carries no batch",
                r.tag
            ))),
        };
        proto::TaggedBatchReply {
            tag: r.tag,
            outcome: Some(match outcome {
                Ok(reply) => O::Ok(reply),
                Err(s) => O::Error(proto::RequestError {
                    code: s.code() as i32,
                    message: s.message().to_string(),
                }),
            }),
        }
    }
}

fn op_from_proto(op: proto::Op) -> Result<Op, Status> {
    match op.op {
        Some(proto::op::Op::Put(p)) => Ok(Op::Put {
            key: p.key,
            value: p.value,
        }),
        Some(proto::op::Op::Get(g)) => Ok(Op::Get { key: g.key }),
        None => Err(Status::invalid_argument(
            "batch contains an empty operation",
        )),
    }
}

#[tonic::async_trait]
impl Kv for KvService {
    async fn put(
        &self,
        req: Request<proto::PutRequest>,
    ) -> Result<Response<proto::PutReply>, Status> {
        let (meta, _, r) = req.into_parts();
        let budget = wait_budget(&meta, self.default_wait);
        let op = Op::Put {
            key: r.key,
            value: r.value,
        };
        let a = self.execute(Method::Put, budget, r.token, vec![op]).await?;
        Ok(Response::new(proto::PutReply { token: a.token }))
    }

    async fn get(
        &self,
        req: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetReply>, Status> {
        let (meta, _, r) = req.into_parts();
        let budget = wait_budget(&meta, self.default_wait);
        let a = self
            .execute(Method::Get, budget, r.token, vec![Op::Get { key: r.key }])
            .await?;
        let (found, value) = match a.results.into_iter().next() {
            Some(OpResult::Get(Some(v))) => (true, v),
            _ => (false, Vec::new()),
        };
        Ok(Response::new(proto::GetReply {
            found,
            value,
            token: a.token,
        }))
    }

    async fn batch(
        &self,
        req: Request<proto::BatchRequest>,
    ) -> Result<Response<proto::BatchReply>, Status> {
        let (meta, _, r) = req.into_parts();
        let budget = wait_budget(&meta, self.default_wait);
        Ok(Response::new(
            self.batch_ops(Method::Batch, budget, r).await?,
        ))
    }

    type BatchStreamStream = BatchStreamReplies;

    async fn batch_stream(
        &self,
        req: Request<tonic::Streaming<proto::TaggedBatchRequest>>,
    ) -> Result<Response<BatchStreamReplies>, Status> {
        Ok(Response::new(BatchStreamReplies::new(
            self.clone(),
            req.into_inner(),
        )))
    }
}

/// The replica-facing `Replication` service.
#[derive(Clone)]
pub(crate) struct ReplicationService {
    pub id: u64,
    pub tx: mpsc::Sender<Command>,
    /// The shared replica secret, if required.
    pub secret: Option<Arc<str>>,
    /// Whether calls need a verified client certificate (mutual TLS).
    pub require_cert: bool,
    pub metrics: Arc<Metrics>,
}

#[tonic::async_trait]
impl Replication for ReplicationService {
    async fn deliver(
        &self,
        req: Request<proto::DeliverRequest>,
    ) -> Result<Response<proto::DeliverReply>, Status> {
        let start = Instant::now();
        check_peer_cert(&req, self.require_cert, "replication calls")?;
        let (meta, _, r) = req.into_parts();
        check_secret(&meta, self.secret.as_deref())?;
        if r.target != self.id {
            return Err(Status::failed_precondition(format!(
                "replica {} received messages meant for replica {}: the peer lists disagree",
                self.id, r.target
            )));
        }
        let (reply, rx) = oneshot::channel();
        let messages = r.messages.into_iter().map(|e| (e.seq, e.payload)).collect();
        self.tx
            .send(Command::Deliver {
                origin: r.origin,
                incarnation: r.incarnation,
                messages,
                reply,
            })
            .await
            .map_err(|_| stopped(self.id))?;
        let r = rx.await;
        self.metrics.latency(Method::Deliver, start.elapsed());
        match r {
            Ok(Ok(upto)) => Ok(Response::new(proto::DeliverReply {
                received_upto: upto,
            })),
            Ok(Err(e)) => Err(Status::failed_precondition(e.to_string())),
            Err(_) => Err(dropped(self.id)),
        }
    }
}
