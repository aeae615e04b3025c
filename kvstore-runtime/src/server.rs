//! Starting and stopping a replica server for any [`Store`].

use crate::actor::{self, Command, Setup, WalConfig};
use crate::config::{ActorPlacement, ServerConfig};
use crate::metrics::Metrics;
use crate::ops::Bytes;
use crate::proto::{kv_server::KvServer, replication_server::ReplicationServer};
use crate::replication::{self, Link};
use crate::service::{KvService, Limits, ReplicationService};
use kv_store_api::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Errors starting or running a replica server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Binding or inspecting the listening socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// Address.
        addr: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The replica thread could not be started.
    #[error("cannot start the replica thread: {0}")]
    Thread(std::io::Error),
    /// Building the reflection service failed.
    #[error("cannot build the reflection service: {0}")]
    Reflection(String),
    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The server task panicked or was cancelled.
    #[error("server task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// No store of this name is registered.
    #[error(transparent)]
    UnknownStore(#[from] crate::registry::UnknownStore),
    /// The write-ahead log cannot be opened or replayed.
    #[error(transparent)]
    Wal(#[from] crate::wal::WalError),
    /// TLS cannot be set up.
    #[error(transparent)]
    Security(#[from] crate::security::SecurityError),
}

/// A running replica. Dropping it without [`ReplicaHandle::shutdown`]
/// leaves the server running until the runtime stops.
pub struct ReplicaHandle {
    id: u64,
    store: &'static str,
    local_addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    metrics: Arc<Metrics>,
    metrics_server: Option<JoinHandle<()>>,
    stop_server: Option<oneshot::Sender<()>>,
    /// Tells the open `BatchStream` calls to finish (graceful shutdown
    /// waits for every HTTP/2 stream, and those last as long as the client
    /// keeps them open).
    stopping: watch::Sender<bool>,
    server: JoinHandle<Result<(), tonic::transport::Error>>,
    links: Vec<JoinHandle<()>>,
    actor_tx: mpsc::Sender<Command>,
    actor: Option<ActorHandle>,
}

/// The running actor: its own thread, or a task of the serving thread.
enum ActorHandle {
    Thread(std::thread::JoinHandle<()>),
    Task(JoinHandle<()>),
}

impl ActorHandle {
    /// Wait until the actor has stopped.
    async fn join(self) {
        match self {
            ActorHandle::Thread(t) => {
                let _ = tokio::task::spawn_blocking(move || t.join()).await;
            }
            ActorHandle::Task(t) => {
                let _ = t.await;
            }
        }
    }
}

impl std::fmt::Debug for ReplicaHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaHandle")
            .field("id", &self.id)
            .field("store", &self.store)
            .field("local_addr", &self.local_addr)
            .finish()
    }
}

impl ReplicaHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address of the metrics endpoint, if one was configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The replica's metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// This replica's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Name of the served store.
    pub fn store_name(&self) -> &'static str {
        self.store
    }

    /// Wait until the server stops on its own (i.e. fails).
    pub async fn wait(mut self) -> Result<(), ServeError> {
        let r = (&mut self.server).await;
        self.stop_rest().await;
        r??;
        Ok(())
    }

    /// Stop serving: close the listener, finish in-flight requests (for at
    /// most a few seconds), stop replication links and the replica thread.
    /// Unacknowledged outgoing messages are lost unless the replica has a
    /// write-ahead log (a restart with the same log retransmits them).
    pub async fn shutdown(mut self) -> Result<(), ServeError> {
        let _ = self.stopping.send(true);
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        let r = match tokio::time::timeout(Duration::from_secs(5), &mut self.server).await {
            Ok(r) => r
                .map_err(ServeError::from)
                .and_then(|r| r.map_err(ServeError::from)),
            Err(_) => {
                tracing::warn!(replica = self.id, "graceful shutdown timed out; aborting");
                self.server.abort();
                Ok(())
            }
        };
        self.stop_rest().await;
        tracing::info!(replica = self.id, addr = %self.local_addr, "replica stopped");
        r
    }

    async fn stop_rest(&mut self) {
        for l in &self.links {
            l.abort();
        }
        if let Some(m) = self.metrics_server.take() {
            m.abort();
        }
        let _ = self.actor_tx.send(Command::Stop).await;
        if let Some(a) = self.actor.take() {
            a.join().await;
        }
    }
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

/// Run `make()`'s future to completion with the whole replica on one
/// thread: a new thread (with the stack extracted stores need, see
/// [`crate::actor`]) running a current-thread Tokio runtime and a
/// [`tokio::task::LocalSet`], as [`ActorPlacement::Inline`] requires.
/// Returns the future's output, or why the thread or runtime could not run.
pub fn run_single_threaded<F, Fut, T>(make: F) -> std::io::Result<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T>,
    T: Send + 'static,
{
    std::thread::Builder::new()
        .name("replica".into())
        .stack_size(actor::REPLICA_STACK_BYTES)
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let local = tokio::task::LocalSet::new();
            Ok(local.block_on(&rt, make()))
        })?
        .join()
        .map_err(|_| std::io::Error::other("the replica thread panicked"))?
}

/// Bind `config.listen` and serve `store` there (see [`serve_with_listener`]).
pub async fn serve<S: Store<Bytes, Bytes>>(
    store: S,
    config: ServerConfig,
) -> Result<ReplicaHandle, ServeError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.listen.to_string(),
            source,
        })?;
    serve_with_listener(store, config, listener).await
}

/// Serve `store` as replica `config.id` on an already bound listener:
/// the `kvstore.v1.Kv` and `kvstore.v1.Replication` services, gRPC health
/// (`grpc.health.v1`) and reflection. Returns once the server accepts
/// connections; it runs in the background until [`ReplicaHandle::shutdown`].
pub async fn serve_with_listener<S: Store<Bytes, Bytes>>(
    store: S,
    config: ServerConfig,
    listener: TcpListener,
) -> Result<ReplicaHandle, ServeError> {
    config.validate().map_err(ServeError::Config)?;
    let local_addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: config.listen.to_string(),
        source,
    })?;
    let name = store.name();
    let replicas = config.replicas();
    let server_tls = config.tls.server()?;
    let link_tls = config.tls.links()?;
    if server_tls.is_some()
        && config.replica_secret.is_none()
        && !config.tls.replication_needs_cert()
    {
        tracing::warn!(
            replica = config.id,
            "TLS is on but no --replica-secret is set: any client can deliver replication messages"
        );
    }
    let metrics = Arc::new(Metrics::new(config.id, replicas));
    let metrics_listener = match config.metrics {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .map_err(|source| ServeError::Listen {
                    addr: addr.to_string(),
                    source,
                })?,
        ),
        None => None,
    };

    // The actor first (it replays the log and decides the incarnation),
    // then the replication links.
    let mut link_txs = Vec::new();
    let mut link_rxs = Vec::new();
    for target in 0..replicas {
        if target != config.id {
            let (tx, rx) = mpsc::unbounded_channel();
            link_txs.push((target, tx));
            link_rxs.push((target, rx));
        }
    }
    let (actor_tx, actor_rx) = mpsc::channel(8192);
    let setup = Setup {
        store,
        replicas,
        me: config.id,
        links: link_txs,
        wal: config.wal.as_ref().map(|w| WalConfig {
            dir: w.dir.clone(),
            fsync: w.fsync,
            compact_bytes: config.wal_compact_bytes,
        }),
        metrics: metrics.clone(),
    };
    let (actor, ready) = match config.actor {
        ActorPlacement::Thread => {
            let (t, ready) = actor::spawn(setup, actor_rx).map_err(ServeError::Thread)?;
            (ActorHandle::Thread(t), ready)
        }
        ActorPlacement::Inline => {
            let (t, ready) = actor::spawn_local(setup, actor_rx);
            (ActorHandle::Task(t), ready)
        }
    };
    let incarnation = match ready.await {
        Ok(Ok(i)) => i,
        Ok(Err(e)) => {
            actor.join().await;
            return Err(e.into());
        }
        Err(_) => {
            return Err(ServeError::Thread(std::io::Error::other(
                "the replica thread stopped while starting (see the log)",
            )))
        }
    };
    let mut links = Vec::new();
    for (target, rx) in link_rxs {
        let link = Link {
            origin: config.id,
            incarnation,
            target,
            addr: config.peers[target as usize].clone(),
            retry_min: config.retry_min,
            retry_max: config.retry_max,
            max_batch: config.max_messages_per_delivery,
            tls: link_tls.clone(),
            secret: config.replica_secret.clone(),
            linger: config.replication_linger,
        };
        let acks = config.wal.is_some().then(|| actor_tx.clone());
        links.push(tokio::spawn(replication::run(
            link,
            rx,
            acks,
            metrics.clone(),
        )));
    }

    let (stopping, stopping_rx) = watch::channel(false);
    let kv = KvService {
        id: config.id,
        tx: actor_tx.clone(),
        limits: Limits {
            max_key_bytes: config.max_key_bytes,
            max_value_bytes: config.max_value_bytes,
            max_batch_ops: config.max_batch_ops,
        },
        default_wait: config.default_wait,
        metrics: metrics.clone(),
        stopping: stopping_rx,
    };
    let repl = ReplicationService {
        id: config.id,
        tx: actor_tx.clone(),
        secret: config.replica_secret.clone().map(Arc::from),
        require_cert: config.tls.replication_needs_cert(),
        metrics: metrics.clone(),
    };
    let (mut health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<KvServer<KvService>>().await;
    health
        .set_serving::<ReplicationServer<ReplicationService>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;

    let max_msg = config
        .max_value_bytes
        .saturating_add(config.max_key_bytes)
        .saturating_add(1 << 16);
    let max_msg = max_msg.max(4 << 20);
    let (stop_server, stop_rx) = oneshot::channel::<()>();
    // `Server::tcp_nodelay` only applies to listeners tonic binds itself: set
    // it on every accepted socket, or Nagle's algorithm meets the peer's
    // delayed ACK and multi-segment replies wait ~40 ms.
    let incoming = tokio_stream::StreamExt::map(
        tokio_stream::wrappers::TcpListenerStream::new(listener),
        |s| {
            s.inspect(|s| {
                if let Err(e) = s.set_nodelay(true) {
                    tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                }
            })
        },
    );
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = server_tls {
        builder = builder.tls_config(tls).map_err(|e| {
            crate::security::SecurityError::Options(format!(
                "cannot set up TLS with --tls-cert {:?}, --tls-key {:?}{}: {} \
                 (does the key belong to the certificate?)",
                config
                    .tls
                    .cert
                    .as_deref()
                    .unwrap_or(std::path::Path::new("")),
                config
                    .tls
                    .key
                    .as_deref()
                    .unwrap_or(std::path::Path::new("")),
                match &config.tls.client_ca {
                    Some(ca) => format!(", --tls-client-ca {ca:?}"),
                    None => String::new(),
                },
                error_chain(&e)
            ))
        })?;
    }
    // Mutual TLS in mode `all`: every call of every service needs a client
    // certificate (the TLS layer verifies those presented).
    let require_cert = config.tls.client_ca.is_some()
        && config.tls.client_auth == crate::security::ClientAuth::All;
    let router = builder
        .layer(tonic::service::interceptor(
            crate::security::RequireClientCert(require_cert),
        ))
        .tcp_nodelay(true)
        // Large windows: pipelined clients and replication batches of
        // hundreds of KiB must not stall on HTTP/2 flow control.
        .initial_stream_window_size(Some(4 << 20))
        .initial_connection_window_size(Some(16 << 20))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(KvServer::new(kv).max_decoding_message_size(max_msg.saturating_mul(16)))
        .add_service(ReplicationServer::new(repl).max_decoding_message_size(usize::MAX));
    let server = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
        let _ = stop_rx.await;
    }));
    let metrics_addr = metrics_listener.as_ref().and_then(|l| l.local_addr().ok());
    let metrics_server =
        metrics_listener.map(|l| tokio::spawn(crate::metrics::serve_http(l, metrics.clone())));
    tracing::info!(replica = config.id, store = name, addr = %local_addr, replicas, peers = ?config.peers,
        tls = config.tls.enabled(), mtls = ?config.tls.client_ca.as_ref().map(|_| config.tls.client_auth), wal = ?config.wal.as_ref().map(|w| &w.dir), metrics = ?metrics_addr,
        incarnation = format_args!("{incarnation:#x}"), "replica serving");
    Ok(ReplicaHandle {
        id: config.id,
        store: name,
        local_addr,
        metrics_addr,
        metrics,
        metrics_server,
        stop_server: Some(stop_server),
        stopping,
        server,
        links,
        actor_tx,
        actor: Some(actor),
    })
}
