//! Helpers shared by the integration tests: clusters of in-process
//! replicas on 127.0.0.1 ephemeral ports.
#![allow(dead_code)]

use kvstore_runtime::{run_store_by_name_on, Client, ReplicaHandle, ServeError, ServerConfig};
use std::time::Duration;
use tokio::net::TcpListener;

/// Adjusts replica `i`'s configuration before it starts.
pub type Customize = Box<dyn Fn(usize, &mut ServerConfig) + Send>;

/// Reserved addresses of a cluster and its running replicas.
pub struct Cluster {
    pub store: &'static str,
    pub addrs: Vec<String>,
    pub listeners: Vec<Option<TcpListener>>,
    pub replicas: Vec<Option<ReplicaHandle>>,
    /// Applied to every replica's configuration before it starts.
    pub customize: Customize,
}

impl Cluster {
    pub async fn reserve(store: &'static str, n: usize) -> Cluster {
        let mut listeners = Vec::new();
        let mut addrs = Vec::new();
        for _ in 0..n {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            addrs.push(l.local_addr().unwrap().to_string());
            listeners.push(Some(l));
        }
        Cluster {
            store,
            addrs,
            listeners,
            replicas: (0..n).map(|_| None).collect(),
            customize: Box::new(|_, _| {}),
        }
    }

    pub fn config(&self, i: usize) -> ServerConfig {
        let mut c = ServerConfig::new(i as u64, self.addrs[i].parse().unwrap(), self.addrs.clone());
        c.retry_max = Duration::from_millis(200);
        (self.customize)(i, &mut c);
        c
    }

    /// Try to start replica `i` (on its reserved listener, or re-binding its address).
    pub async fn try_start(&mut self, i: usize) -> Result<(), ServeError> {
        let listener = match self.listeners[i].take() {
            Some(l) => l,
            None => TcpListener::bind(&self.addrs[i]).await.unwrap(),
        };
        let h = run_store_by_name_on(self.store, self.config(i), listener).await?;
        self.replicas[i] = Some(h);
        Ok(())
    }

    pub async fn start(&mut self, i: usize) {
        self.try_start(i).await.unwrap()
    }

    pub async fn start_all(&mut self) {
        for i in 0..self.addrs.len() {
            self.start(i).await;
        }
    }

    pub fn replica(&self, i: usize) -> &ReplicaHandle {
        self.replicas[i].as_ref().unwrap()
    }

    pub async fn stop(&mut self, i: usize) {
        self.replicas[i].take().unwrap().shutdown().await.unwrap();
    }

    pub async fn stop_all(mut self) {
        for i in 0..self.replicas.len() {
            if self.replicas[i].is_some() {
                self.stop(i).await;
            }
        }
    }

    /// A session pinned to replica `i` (no failover).
    pub fn pinned(&self, i: usize) -> Client {
        let mut c = Client::connect(&self.addrs).unwrap().with_failover(false);
        c.set_replica(i);
        c
    }
}

/// `GET path` over plain HTTP; returns the whole response.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// The value of the first sample line of `text` starting with `prefix`.
pub fn sample(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no sample {prefix} in\n{text}"))
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}
