//! Prometheus metrics of one replica (lock-free counters, gauges and
//! fixed-bucket histograms) and a tiny plain-HTTP endpoint serving them in
//! the text exposition format (`GET /metrics`).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Kind of a client operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// A put.
    Put = 0,
    /// A get.
    Get = 1,
}

const KINDS: [&str; 2] = ["put", "get"];

/// Outcome of a client request (every operation of a request shares it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered.
    Ok = 0,
    /// Refused as malformed or oversized (`INVALID_ARGUMENT`).
    Invalid = 1,
    /// Not caught up before the deadline, or shutting down (`UNAVAILABLE`).
    Unavailable = 2,
    /// Any other failure.
    Error = 3,
}

const OUTCOMES: [&str; 4] = ["ok", "invalid", "unavailable", "error"];

/// Client-facing RPC methods with a latency histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `Kv/Put`.
    Put = 0,
    /// `Kv/Get`.
    Get = 1,
    /// `Kv/Batch`.
    Batch = 2,
    /// `Replication/Deliver` (server side).
    Deliver = 3,
    /// One request of a `Kv/BatchStream` stream.
    BatchStream = 4,
}

const METHODS: [&str; 5] = ["put", "get", "batch", "deliver", "batch_stream"];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 16] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0,
];

/// A fixed-bucket latency histogram.
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_ns: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        let i = BUCKETS
            .iter()
            .position(|&b| s <= b)
            .unwrap_or(BUCKETS.len());
        self.buckets[i].fetch_add(1, Relaxed);
        self.sum_ns.fetch_add(d.as_nanos() as u64, Relaxed);
    }
}

/// Metrics of one replica.
#[derive(Debug)]
pub struct Metrics {
    replica: u64,
    ops: [[AtomicU64; 4]; 2],
    latency: [Histogram; METHODS.len()],
    pending_messages: AtomicU64,
    parked_requests: AtomicU64,
    unacked: Vec<AtomicU64>,
    delivery_failures: Vec<AtomicU64>,
    messages_produced: AtomicU64,
    messages_received: AtomicU64,
    messages_applied: AtomicU64,
    deliveries_refused: AtomicU64,
    wal_bytes: AtomicU64,
    wal_fsyncs: AtomicU64,
    rounds: AtomicU64,
    round_commands: AtomicU64,
}

impl Metrics {
    /// Metrics of replica `replica` in a cluster of `replicas`.
    pub fn new(replica: u64, replicas: u64) -> Self {
        Metrics {
            replica,
            ops: Default::default(),
            latency: Default::default(),
            pending_messages: AtomicU64::new(0),
            parked_requests: AtomicU64::new(0),
            unacked: (0..replicas).map(|_| AtomicU64::new(0)).collect(),
            delivery_failures: (0..replicas).map(|_| AtomicU64::new(0)).collect(),
            messages_produced: AtomicU64::new(0),
            messages_received: AtomicU64::new(0),
            messages_applied: AtomicU64::new(0),
            deliveries_refused: AtomicU64::new(0),
            wal_bytes: AtomicU64::new(0),
            wal_fsyncs: AtomicU64::new(0),
            rounds: AtomicU64::new(0),
            round_commands: AtomicU64::new(0),
        }
    }

    /// Count `n` operations of `kind` with `outcome`.
    pub fn ops(&self, kind: OpKind, outcome: Outcome, n: u64) {
        self.ops[kind as usize][outcome as usize].fetch_add(n, Relaxed);
    }

    /// Number of operations of `kind` with `outcome` so far.
    pub fn ops_count(&self, kind: OpKind, outcome: Outcome) -> u64 {
        self.ops[kind as usize][outcome as usize].load(Relaxed)
    }

    /// Record the latency of one request of `method`.
    pub fn latency(&self, method: Method, d: Duration) {
        self.latency[method as usize].observe(d);
    }

    pub(crate) fn set_pending(&self, messages: usize, parked: usize) {
        self.pending_messages.store(messages as u64, Relaxed);
        self.parked_requests.store(parked as u64, Relaxed);
    }

    pub(crate) fn set_unacked(&self, peer: u64, n: usize) {
        if let Some(g) = self.unacked.get(peer as usize) {
            g.store(n as u64, Relaxed);
        }
    }

    pub(crate) fn delivery_failed(&self, peer: u64) {
        if let Some(c) = self.delivery_failures.get(peer as usize) {
            c.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn produced(&self, n: u64) {
        self.messages_produced.fetch_add(n, Relaxed);
    }

    pub(crate) fn received(&self, n: u64) {
        self.messages_received.fetch_add(n, Relaxed);
    }

    pub(crate) fn applied(&self, n: u64) {
        self.messages_applied.fetch_add(n, Relaxed);
    }

    pub(crate) fn refused(&self) {
        self.deliveries_refused.fetch_add(1, Relaxed);
    }

    pub(crate) fn wal(&self, bytes: u64, fsynced: bool) {
        self.wal_bytes.store(bytes, Relaxed);
        if fsynced {
            self.wal_fsyncs.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn round(&self, commands: u64) {
        self.rounds.fetch_add(1, Relaxed);
        self.round_commands.fetch_add(commands, Relaxed);
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut o = String::with_capacity(8192);
        let r = self.replica;
        let _ = writeln!(
            o,
            "# HELP kvstore_ops_total Client operations by kind and outcome.\n# TYPE kvstore_ops_total counter"
        );
        for (k, kind) in KINDS.iter().enumerate() {
            for (i, outcome) in OUTCOMES.iter().enumerate() {
                let _ = writeln!(
                    o,
                    "kvstore_ops_total{{replica=\"{r}\",kind=\"{kind}\",outcome=\"{outcome}\"}} {}",
                    self.ops[k][i].load(Relaxed)
                );
            }
        }
        let _ = writeln!(
            o,
            "# HELP kvstore_request_duration_seconds Latency of requests served by this replica.\n# TYPE kvstore_request_duration_seconds histogram"
        );
        for (m, method) in METHODS.iter().enumerate() {
            let h = &self.latency[m];
            let mut cum = 0;
            for (i, b) in BUCKETS.iter().enumerate() {
                cum += h.buckets[i].load(Relaxed);
                let _ = writeln!(
                    o,
                    "kvstore_request_duration_seconds_bucket{{replica=\"{r}\",method=\"{method}\",le=\"{b}\"}} {cum}"
                );
            }
            cum += h.buckets[BUCKETS.len()].load(Relaxed);
            let _ = writeln!(
                o,
                "kvstore_request_duration_seconds_bucket{{replica=\"{r}\",method=\"{method}\",le=\"+Inf\"}} {cum}"
            );
            let _ = writeln!(
                o,
                "kvstore_request_duration_seconds_sum{{replica=\"{r}\",method=\"{method}\"}} {}",
                h.sum_ns.load(Relaxed) as f64 / 1e9
            );
            let _ = writeln!(
                o,
                "kvstore_request_duration_seconds_count{{replica=\"{r}\",method=\"{method}\"}} {cum}"
            );
        }
        let gauge = |o: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                o,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{replica=\"{r}\"}} {v}"
            );
        };
        let counter = |o: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                o,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name}{{replica=\"{r}\"}} {v}"
            );
        };
        gauge(
            &mut o,
            "kvstore_pending_messages",
            "Received messages not yet deliverable (buffered).",
            self.pending_messages.load(Relaxed),
        );
        gauge(
            &mut o,
            "kvstore_parked_requests",
            "Client requests waiting for the replica to catch up.",
            self.parked_requests.load(Relaxed),
        );
        let _ = writeln!(
            o,
            "# HELP kvstore_outgoing_unacked Messages of this replica not yet acknowledged by a peer.\n# TYPE kvstore_outgoing_unacked gauge"
        );
        for (p, g) in self.unacked.iter().enumerate() {
            if p as u64 != r {
                let _ = writeln!(
                    o,
                    "kvstore_outgoing_unacked{{replica=\"{r}\",peer=\"{p}\"}} {}",
                    g.load(Relaxed)
                );
            }
        }
        let _ = writeln!(
            o,
            "# HELP kvstore_delivery_failures_total Failed deliveries to a peer (retried).\n# TYPE kvstore_delivery_failures_total counter"
        );
        for (p, g) in self.delivery_failures.iter().enumerate() {
            if p as u64 != r {
                let _ = writeln!(
                    o,
                    "kvstore_delivery_failures_total{{replica=\"{r}\",peer=\"{p}\"}} {}",
                    g.load(Relaxed)
                );
            }
        }
        counter(
            &mut o,
            "kvstore_messages_produced_total",
            "Messages produced by local puts.",
            self.messages_produced.load(Relaxed),
        );
        counter(
            &mut o,
            "kvstore_messages_received_total",
            "Messages of other replicas received (duplicates excluded).",
            self.messages_received.load(Relaxed),
        );
        counter(
            &mut o,
            "kvstore_messages_applied_total",
            "Messages of other replicas applied.",
            self.messages_applied.load(Relaxed),
        );
        counter(
            &mut o,
            "kvstore_deliveries_refused_total",
            "Deliveries refused (bad origin, restarted origin, malformed message).",
            self.deliveries_refused.load(Relaxed),
        );
        gauge(
            &mut o,
            "kvstore_wal_bytes",
            "Size of the write-ahead log in bytes (0 without a log).",
            self.wal_bytes.load(Relaxed),
        );
        counter(
            &mut o,
            "kvstore_wal_fsyncs_total",
            "fsync calls on the write-ahead log by the replica thread.",
            self.wal_fsyncs.load(Relaxed),
        );
        counter(
            &mut o,
            "kvstore_actor_rounds_total",
            "Rounds of the replica thread (commands handled together, one log commit each).",
            self.rounds.load(Relaxed),
        );
        counter(
            &mut o,
            "kvstore_actor_commands_total",
            "Commands handled by the replica thread.",
            self.round_commands.load(Relaxed),
        );
        o
    }
}

/// Serve `GET /metrics` on `listener` until the task is aborted.
pub async fn serve_http(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let (mut sock, _) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "metrics endpoint: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut req = Vec::with_capacity(1024);
            let mut buf = [0u8; 1024];
            // Read the request head (at most 8 KiB, 5 s).
            let head = tokio::time::timeout(Duration::from_secs(5), async {
                loop {
                    let n = sock.read(&mut buf).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    req.extend_from_slice(&buf[..n]);
                    if req.windows(4).any(|w| w == b"\r\n\r\n") || req.len() > 8192 {
                        return Some(());
                    }
                }
            })
            .await;
            if !matches!(head, Ok(Some(()))) {
                return;
            }
            let line = req.split(|&b| b == b'\r').next().unwrap_or_default();
            let line = String::from_utf8_lossy(line);
            let mut parts = line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let (status, ctype, body) = match (method, path) {
                ("GET", "/metrics") | ("GET", "/") => (
                    "200 OK",
                    "text/plain; version=0.0.4; charset=utf-8",
                    metrics.render(),
                ),
                ("GET", _) => (
                    "404 Not Found",
                    "text/plain",
                    "not found; try /metrics\n".to_string(),
                ),
                _ => (
                    "405 Method Not Allowed",
                    "text/plain",
                    "only GET is supported\n".to_string(),
                ),
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = sock.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_has_counters_gauges_and_cumulative_buckets() {
        let m = Metrics::new(1, 3);
        m.ops(OpKind::Put, Outcome::Ok, 5);
        m.latency(Method::Batch, Duration::from_micros(30));
        m.latency(Method::Batch, Duration::from_millis(3));
        m.set_unacked(2, 7);
        let t = m.render();
        assert!(
            t.contains("kvstore_ops_total{replica=\"1\",kind=\"put\",outcome=\"ok\"} 5"),
            "{t}"
        );
        assert!(t.contains("kvstore_request_duration_seconds_bucket{replica=\"1\",method=\"batch\",le=\"0.00005\"} 1"));
        assert!(t.contains("kvstore_request_duration_seconds_bucket{replica=\"1\",method=\"batch\",le=\"0.005\"} 2"));
        assert!(
            t.contains("kvstore_request_duration_seconds_count{replica=\"1\",method=\"batch\"} 2")
        );
        assert!(t.contains("kvstore_outgoing_unacked{replica=\"1\",peer=\"2\"} 7"));
        assert!(!t.contains("peer=\"1\""));
    }

    #[tokio::test]
    async fn http_endpoint_serves_metrics_and_404() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let m = Arc::new(Metrics::new(0, 1));
        m.ops(OpKind::Get, Outcome::Ok, 2);
        let task = tokio::spawn(serve_http(l, m));
        let get = |path: &'static str| async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        };
        let ok = get("/metrics").await;
        assert!(ok.starts_with("HTTP/1.1 200 OK"), "{ok}");
        assert!(ok.contains("kind=\"get\",outcome=\"ok\"} 2"), "{ok}");
        assert!(get("/nope").await.starts_with("HTTP/1.1 404"));
        task.abort();
    }
}
