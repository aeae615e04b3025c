//! Client library: a session against a cluster of replicas.
//!
//! A [`Client`] carries the session token transparently from one operation
//! to the next. Operations go to the *current* replica; when it answers
//! `UNAVAILABLE` (unreachable, shutting down, or not caught up with the
//! session before the deadline) or does not answer before the deadline
//! (`DEADLINE_EXCEEDED`/`CANCELLED`), the client tries the next replica, and
//! the first one that answers becomes current.

use crate::channel::{lazy_channel, GrpcChannel};
use crate::ops::{Bytes, Op, OpResult};
use crate::proto::{self, kv_client::KvClient};
use crate::security::ClientTls;
use std::time::Duration;

pub use crate::pipeline::{Completion, Pipeline};
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
    /// The TLS settings (CA, client certificate or key) were refused.
    #[error("TLS client configuration refused (CA, client certificate or key): {0}")]
    Tls(String),
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
    pub(crate) replicas: Vec<KvClient<GrpcChannel>>,
    current: usize,
    failover: bool,
    pub(crate) timeout: Duration,
    token: Bytes,
    /// Whether the connections use TLS (for error explanations).
    tls: bool,
}

impl Client {
    /// A fresh session against `addrs` (`host:port` or `http://host:port`).
    /// Connections are opened lazily (one HTTP/2 connection per replica,
    /// shared by the clones of this client). Must be called inside a Tokio runtime.
    pub fn connect<A: AsRef<str>>(addrs: &[A]) -> Result<Client, ClientError> {
        Self::connect_with(addrs, None)
    }

    /// Like [`Client::connect`], over TLS when `tls` is given (servers are
    /// verified against its CA).
    pub fn connect_with<A: AsRef<str>>(
        addrs: &[A],
        tls: Option<&ClientTls>,
    ) -> Result<Client, ClientError> {
        if addrs.is_empty() {
            return Err(ClientError::NoReplicas);
        }
        if let Some(t) = tls {
            // Built once here so that a bad certificate or key is reported
            // as such, not as a bad address.
            tonic::transport::Endpoint::from_static("https://localhost")
                .tls_config(t.tonic_config())
                .map_err(|e| ClientError::Tls(error_chain(&e)))?;
        }
        let mut replicas = Vec::new();
        for a in addrs {
            let ch = lazy_channel(a.as_ref(), tls).map_err(|source| ClientError::BadAddress {
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
            tls: tls.is_some(),
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
        let mut req = Some(proto::PutRequest {
            key: key.into(),
            value: value.into(),
            token: Vec::new(),
        });
        let reply = self
            .call(|mut c, token, timeout, last| {
                let mut r = take_or_clone(&mut req, last);
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
        let mut req = Some(proto::GetRequest {
            key: key.into(),
            token: Vec::new(),
        });
        let reply = self
            .call(|mut c, token, timeout, last| {
                let mut r = take_or_clone(&mut req, last);
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
        let (req, is_put) = encode_batch(ops);
        let mut req = Some(req);
        let reply = self
            .call(|mut c, token, timeout, last| {
                let mut r = take_or_clone(&mut req, last);
                r.token = token;
                async move {
                    let mut r = tonic::Request::new(r);
                    r.set_timeout(timeout);
                    c.batch(r).await.map(|x| x.into_inner())
                }
            })
            .await?;
        let results = decode_results(&is_put, reply.results)?;
        self.token = reply.token;
        Ok(results)
    }

    /// The error for `status` from replica `replica` (over TLS, with the
    /// transport failure explained).
    pub(crate) fn status_error(&self, replica: usize, status: Status) -> ClientError {
        let status = if self.tls {
            explain_tls_failure(status)
        } else {
            status
        };
        ClientError::Status {
            replica,
            addr: self.addrs[replica].clone(),
            status: Box::new(status),
        }
    }

    /// Call `f` at the current replica, failing over on `UNAVAILABLE`; `f`
    /// is told whether its attempt is the last one (so the request need not
    /// be copied for a later attempt).
    async fn call<T, F, Fut>(&mut self, mut f: F) -> Result<T, ClientError>
    where
        F: FnMut(KvClient<GrpcChannel>, Bytes, Duration, bool) -> Fut,
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
            let final_attempt = k + 1 == attempts;
            match f(
                self.replicas[i].clone(),
                self.token.clone(),
                self.timeout,
                final_attempt,
            )
            .await
            {
                Ok(t) => {
                    self.current = i;
                    return Ok(t);
                }
                Err(status) => {
                    let e = self.status_error(i, status);
                    let retry = matches!(
                        e.code(),
                        Some(Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled)
                    );
                    if retry {
                        tracing::debug!(replica = i, error = %e, "replica unavailable");
                    }
                    last = Some(e);
                    if !retry {
                        break;
                    }
                }
            }
        }
        Err(last.expect("at least one attempt"))
    }
}

/// The request of an attempt: moved out of `slot` for the last attempt,
/// copied for the others.
fn take_or_clone<T: Clone>(slot: &mut Option<T>, last: bool) -> T {
    let r = if last { slot.take() } else { slot.clone() };
    r.expect("no attempt after the last one")
}

/// The wire form of `ops` (with an empty token), and which of them are puts.
pub(crate) fn encode_batch(ops: Vec<Op>) -> (proto::BatchRequest, Vec<bool>) {
    let mut is_put = Vec::with_capacity(ops.len());
    let ops = ops
        .into_iter()
        .map(|op| {
            is_put.push(matches!(op, Op::Put { .. }));
            proto::Op {
                op: Some(match op {
                    Op::Put { key, value } => proto::op::Op::Put(proto::PutOp { key, value }),
                    Op::Get { key } => proto::op::Op::Get(proto::GetOp { key }),
                }),
            }
        })
        .collect();
    (
        proto::BatchRequest {
            ops,
            token: Vec::new(),
        },
        is_put,
    )
}

/// The results of a batch whose operations were puts or gets as `is_put` says.
pub(crate) fn decode_results(
    is_put: &[bool],
    results: Vec<proto::OpResult>,
) -> Result<Vec<OpResult>, ClientError> {
    if results.len() != is_put.len() {
        return Err(ClientError::Protocol(format!(
            "batch of {} operations answered with {} results",
            is_put.len(),
            results.len()
        )));
    }
    Ok(is_put
        .iter()
        .zip(results)
        .map(|(&put, r)| {
            if put {
                OpResult::Put
            } else {
                OpResult::Get(r.found.then_some(r.value))
            }
        })
        .collect())
}

/// `e` and its causes, separated by `: `.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// A transport failure over TLS: name its causes (rustls' reason when the
/// client refused the server's certificate) and, when the replica closed
/// the connection, hint at mutual TLS (a replica refuses a client
/// certificate it cannot verify by closing the connection in the handshake).
fn explain_tls_failure(status: Status) -> Status {
    let Some(source) = std::error::Error::source(&status) else {
        return status;
    };
    let chain = format!(": {}", error_chain(source));
    let closed = [
        "connection closed",
        "fatal alert",
        "reset by peer",
        "broken pipe",
    ];
    let hint = if closed.iter().any(|c| chain.to_lowercase().contains(c)) {
        " (over TLS, the replica closing the connection or sending an alert usually means it refused this \
         client's certificate: not signed by its --tls-client-ca, or not valid for client \
         authentication)"
    } else {
        ""
    };
    Status::new(status.code(), format!("{}{chain}{hint}", status.message()))
}
