//! Client library: a session against a cluster of replicas.
//!
//! A [`Client`] carries the session token transparently from one operation
//! to the next. Operations go to the *current* replica; when it answers
//! `UNAVAILABLE` (unreachable, shutting down, or not caught up with the
//! session before the deadline) or does not answer before the deadline
//! (`DEADLINE_EXCEEDED`/`CANCELLED`), the client tries the next replica, and
//! the first one that answers becomes current.

use crate::ops::{Bytes, Op, OpResult};
use crate::proto::{self, kv_client::KvClient};
use crate::replication::lazy_channel;
use std::time::Duration;
use tonic::transport::Channel;
use tonic::{Code, Status};

/// Errors of client operations.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No replica addresses were given.
    #[error("no replica addresses given")]
    NoReplicas,
    /// A replica address is not a valid URI.
    #[error("invalid replica address {addr:?}: {source}")]
    BadAddress {
        /// The address.
        addr: String,
        /// Cause.
        source: tonic::transport::Error,
    },
    /// A replica answered with an error status (the last one tried, when failing over).
    #[error("replica {replica} ({addr}): {code:?}: {message}", code = status.code(), message = status.message())]
    Status {
        /// Index of the replica.
        replica: usize,
        /// Its address.
        addr: String,
        /// The status (boxed: it is large).
        status: Box<Status>,
    },
    /// The reply did not match the request.
    #[error("protocol error: {0}")]
    Protocol(String),
}

impl ClientError {
    /// The gRPC code, for status errors.
    pub fn code(&self) -> Option<Code> {
        match self {
            ClientError::Status { status, .. } => Some(status.code()),
            _ => None,
        }
    }
}

/// A session against a cluster. Not shared between tasks: each concurrent
/// session has its own `Client` (cloning one starts a copy of the session).
#[derive(Debug, Clone)]
pub struct Client {
    addrs: Vec<String>,
    replicas: Vec<KvClient<Channel>>,
    current: usize,
    failover: bool,
    timeout: Duration,
    token: Bytes,
}

impl Client {
    /// A fresh session against `addrs` (`host:port` or `http://host:port`).
    /// Connections are opened lazily.
    pub fn connect<A: AsRef<str>>(addrs: &[A]) -> Result<Client, ClientError> {
        if addrs.is_empty() {
            return Err(ClientError::NoReplicas);
        }
        let mut replicas = Vec::new();
        for a in addrs {
            let ch = lazy_channel(a.as_ref()).map_err(|source| ClientError::BadAddress {
                addr: a.as_ref().to_string(),
                source,
            })?;
            replicas.push(KvClient::new(ch).max_decoding_message_size(usize::MAX));
        }
        Ok(Client {
            addrs: addrs.iter().map(|a| a.as_ref().to_string()).collect(),
            replicas,
            current: 0,
            failover: true,
            timeout: Duration::from_secs(2),
            token: Vec::new(),
        })
    }

    /// Deadline of each request (the server waits for catch-up until shortly before it).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether to try other replicas on `UNAVAILABLE` (default: yes).
    pub fn with_failover(mut self, failover: bool) -> Self {
        self.failover = failover;
        self
    }

    /// Send the next operations to replica `i` (modulo the number of replicas).
    pub fn set_replica(&mut self, i: usize) {
        self.current = i % self.replicas.len();
    }

    /// The replica the next operation goes to.
    pub fn replica(&self) -> usize {
        self.current
    }

    /// Number of replicas.
    pub fn replicas(&self) -> usize {
        self.replicas.len()
    }

    /// The session token (empty for a fresh session).
    pub fn token(&self) -> &[u8] {
        &self.token
    }

    /// Continue the session of `token` (e.g. from another process).
    pub fn set_token(&mut self, token: Bytes) {
        self.token = token;
    }

    /// Forget the session and start a fresh one.
    pub fn new_session(&mut self) {
        self.token.clear();
    }

    /// Write `value` at `key`.
    pub async fn put(
        &mut self,
        key: impl Into<Bytes>,
        value: impl Into<Bytes>,
    ) -> Result<(), ClientError> {
        let req = proto::PutRequest {
            key: key.into(),
            value: value.into(),
            token: Vec::new(),
        };
        let reply = self
            .call(|mut c, token, timeout| {
                let mut r = req.clone();
                r.token = token;
                async move {
                    let mut r = tonic::Request::new(r);
                    r.set_timeout(timeout);
                    c.put(r).await.map(|x| x.into_inner())
                }
            })
            .await?;
        self.token = reply.token;
        Ok(())
    }

    /// Read `key`: the value visible to this session, if any.
    pub async fn get(&mut self, key: impl Into<Bytes>) -> Result<Option<Bytes>, ClientError> {
        let req = proto::GetRequest {
            key: key.into(),
            token: Vec::new(),
        };
        let reply = self
            .call(|mut c, token, timeout| {
                let mut r = req.clone();
                r.token = token;
                async move {
                    let mut r = tonic::Request::new(r);
                    r.set_timeout(timeout);
                    c.get(r).await.map(|x| x.into_inner())
                }
            })
            .await?;
        self.token = reply.token;
        Ok(reply.found.then_some(reply.value))
    }

    /// Run `ops` in order at one replica, as one request.
    pub async fn batch(&mut self, ops: Vec<Op>) -> Result<Vec<OpResult>, ClientError> {
        let n = ops.len();
        let req = proto::BatchRequest {
            ops: ops
                .iter()
                .map(|op| proto::Op {
                    op: Some(match op {
                        Op::Put { key, value } => proto::op::Op::Put(proto::PutOp {
                            key: key.clone(),
                            value: value.clone(),
                        }),
                        Op::Get { key } => proto::op::Op::Get(proto::GetOp { key: key.clone() }),
                    }),
                })
                .collect(),
            token: Vec::new(),
        };
        let reply = self
            .call(|mut c, token, timeout| {
                let mut r = req.clone();
                r.token = token;
                async move {
                    let mut r = tonic::Request::new(r);
                    r.set_timeout(timeout);
                    c.batch(r).await.map(|x| x.into_inner())
                }
            })
            .await?;
        if reply.results.len() != n {
            return Err(ClientError::Protocol(format!(
                "batch of {n} operations answered with {} results",
                reply.results.len()
            )));
        }
        self.token = reply.token;
        Ok(ops
            .iter()
            .zip(reply.results)
            .map(|(op, r)| match op {
                Op::Put { .. } => OpResult::Put,
                Op::Get { .. } => OpResult::Get(r.found.then_some(r.value)),
            })
            .collect())
    }

    /// Call `f` at the current replica, failing over on `UNAVAILABLE`.
    async fn call<T, F, Fut>(&mut self, f: F) -> Result<T, ClientError>
    where
        F: Fn(KvClient<Channel>, Bytes, Duration) -> Fut,
        Fut: std::future::Future<Output = Result<T, Status>>,
    {
        let attempts = if self.failover {
            self.replicas.len()
        } else {
            1
        };
        let mut last = None;
        for k in 0..attempts {
            let i = (self.current + k) % self.replicas.len();
            match f(self.replicas[i].clone(), self.token.clone(), self.timeout).await {
                Ok(t) => {
                    self.current = i;
                    return Ok(t);
                }
                Err(status) => {
                    let retry = matches!(
                        status.code(),
                        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled
                    );
                    if retry {
                        tracing::debug!(replica = i, addr = %self.addrs[i], error = %status.message(), "replica unavailable");
                    }
                    last = Some(ClientError::Status {
                        replica: i,
                        addr: self.addrs[i].clone(),
                        status: Box::new(status),
                    });
                    if !retry {
                        break;
                    }
                }
            }
        }
        Err(last.expect("at least one attempt"))
    }
}
