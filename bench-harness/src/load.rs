//! Closed-loop load generator: each client is one session that issues its
//! next operation as soon as the previous one answered, spreading its
//! operations round-robin over the replicas.

use crate::results::Run;
use crate::workload::{Length, Workload};
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use kvstore_runtime::Client;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

/// Errors of a load run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The workload is invalid.
    #[error("invalid workload: {0}")]
    Workload(String),
    /// The replica list is unusable.
    #[error(transparent)]
    Client(#[from] kvstore_runtime::ClientError),
    /// Every measured operation failed.
    #[error("no operation succeeded ({errors} errors; first: {first})")]
    NothingSucceeded {
        /// Number of errors.
        errors: u64,
        /// The first error.
        first: String,
    },
    /// A client task failed.
    #[error("client task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// What a load run measured.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Successful measured operations.
    pub ops: u64,
    /// Failed measured operations.
    pub errors: u64,
    /// First error message, if any.
    pub first_error: Option<String>,
    /// Length of the measured phase (first client start to last client end), s.
    pub seconds: f64,
    /// Latencies of successful operations, in microseconds.
    pub latency_us: Histogram<u64>,
}

impl Measurement {
    /// Operations per second.
    pub fn ops_per_s(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ops as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// Latency quantile in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64 / 1000.0
    }

    /// This measurement as a results-file run.
    pub fn to_run(&self, store: &str, workload: &Workload, replicas: usize) -> Run {
        Run {
            store: store.to_string(),
            workload: workload.name(),
            replicas,
            ops_per_s: (self.ops_per_s() * 10.0).round() / 10.0,
            p50_ms: self.quantile_ms(0.5),
            p99_ms: self.quantile_ms(0.99),
            p999_ms: self.quantile_ms(0.999),
            ops: self.ops,
            errors: self.errors,
            clients: workload.clients,
            seconds: (self.seconds * 1000.0).round() / 1000.0,
        }
    }
}

struct ClientOutcome {
    start: Instant,
    end: Instant,
    ops: u64,
    errors: u64,
    first_error: Option<String>,
    hist: Histogram<u64>,
}

fn new_histogram() -> Histogram<u64> {
    // 1 us .. 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

fn progress_bar(w: &Workload, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    match w.length {
        Length::Ops(n) => {
            let pb = ProgressBar::new(n);
            pb.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} ops {per_sec} eta {eta}")
                    .expect("valid template"),
            );
            pb
        }
        Length::Duration(_) => {
            let pb = ProgressBar::new_spinner();
            pb.set_style(
                ProgressStyle::with_template("{spinner} {pos} ops {per_sec} {elapsed}")
                    .expect("valid template"),
            );
            pb.enable_steady_tick(Duration::from_millis(200));
            pb
        }
    }
}

/// Run `workload` against the replicas at `addrs` and measure it.
pub async fn run_load(
    addrs: &[String],
    workload: &Workload,
    show_progress: bool,
) -> Result<Measurement, LoadError> {
    workload.validate().map_err(LoadError::Workload)?;
    let template = Client::connect(addrs)?;
    let barrier = Arc::new(Barrier::new(workload.clients));
    let pb = progress_bar(workload, show_progress);
    let mut tasks = Vec::new();
    for c in 0..workload.clients {
        let mut client = template.clone();
        client.new_session();
        let w = workload.clone();
        let barrier = barrier.clone();
        let pb = pb.clone();
        tasks.push(tokio::spawn(async move {
            client_loop(c, client, w, barrier, pb).await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await?);
    }
    pb.finish_and_clear();
    let start = outcomes
        .iter()
        .map(|o| o.start)
        .min()
        .expect("at least one client");
    let end = outcomes
        .iter()
        .map(|o| o.end)
        .max()
        .expect("at least one client");
    let mut m = Measurement {
        ops: 0,
        errors: 0,
        first_error: None,
        seconds: end.duration_since(start).as_secs_f64(),
        latency_us: new_histogram(),
    };
    for o in outcomes {
        m.ops += o.ops;
        m.errors += o.errors;
        if m.first_error.is_none() {
            m.first_error = o.first_error;
        }
        m.latency_us.add(&o.hist).expect("same histogram bounds");
    }
    if m.ops == 0 {
        return Err(LoadError::NothingSucceeded {
            errors: m.errors,
            first: m.first_error.unwrap_or_default(),
        });
    }
    Ok(m)
}

async fn client_loop(
    c: usize,
    mut client: Client,
    w: Workload,
    barrier: Arc<Barrier>,
    pb: ProgressBar,
) -> ClientOutcome {
    let mut rng = StdRng::seed_from_u64(w.seed.wrapping_add(c as u64));
    let value: Vec<u8> = (0..w.value_bytes)
        .map(|_| rng.gen_range(b'a'..=b'z'))
        .collect();
    let mut gen = OpGen { client: c, next: 0 };
    // Warm-up (errors ignored, not measured).
    for _ in 0..w.warmup_ops_per_client {
        let (read, key) = gen.next(&mut rng, &w, &mut client);
        let _ = do_op(&mut client, read, key, &value).await;
    }
    barrier.wait().await;
    let start = Instant::now();
    let deadline = match w.length {
        Length::Duration(d) => Some(start + d),
        Length::Ops(_) => None,
    };
    let mut out = ClientOutcome {
        start,
        end: start,
        ops: 0,
        errors: 0,
        first_error: None,
        hist: new_histogram(),
    };
    let quota = w.ops_of_client(c);
    while out.ops + out.errors < quota && deadline.is_none_or(|d| Instant::now() < d) {
        let (read, key) = gen.next(&mut rng, &w, &mut client);
        let t = Instant::now();
        match do_op(&mut client, read, key, &value).await {
            Ok(()) => {
                out.hist
                    .saturating_record(t.elapsed().as_micros().max(1) as u64);
                out.ops += 1;
            }
            Err(e) => {
                out.errors += 1;
                if out.first_error.is_none() {
                    tracing::warn!(client = c, error = %e, "operation failed");
                    out.first_error = Some(e.to_string());
                }
            }
        }
        pb.inc(1);
    }
    out.end = Instant::now();
    out
}

/// Chooses each operation: the replica (round-robin, starting at the
/// client's index), read or write, and a uniform key.
struct OpGen {
    client: usize,
    next: usize,
}

impl OpGen {
    fn next(&mut self, rng: &mut StdRng, w: &Workload, client: &mut Client) -> (bool, Vec<u8>) {
        client.set_replica(self.client + self.next);
        self.next += 1;
        let key = format!("key{}", rng.gen_range(0..w.keys)).into_bytes();
        (rng.gen_bool(w.read_ratio), key)
    }
}

async fn do_op(
    client: &mut Client,
    read: bool,
    key: Vec<u8>,
    value: &[u8],
) -> Result<(), kvstore_runtime::ClientError> {
    if read {
        client.get(key).await.map(|_| ())
    } else {
        client.put(key, value.to_vec()).await
    }
}
