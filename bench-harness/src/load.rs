//! Load generator: each client is one session spreading its operations
//! round-robin over the replicas.
//!
//! * closed loop ([`Arrival::Closed`]): the next operation goes out as soon
//!   as the previous one answered; latency = answer - send;
//! * open loop ([`Arrival::Open`]): operation `i` of client `c` is *scheduled*
//!   at `start + (c / clients + i) * clients / rate`; the client waits for
//!   that instant (released by a [`kvstore_runtime::pacer::Pacer`], a
//!   high-resolution timer with sub-millisecond precision; or sends at once
//!   when it is behind) and latency = answer -
//!   scheduled instant, so time spent queued behind a slow answer is counted
//!   (no coordinated omission, as in wrk2).

use crate::results::RepFigures;
use crate::workload::{Arrival, KeyDist, Length, Workload};
use crate::zipf::Zipfian;
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use kvstore_runtime::pacer::{Pacer, Schedule};
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

    /// The figures of this measurement (one repetition).
    pub fn figures(&self) -> RepFigures {
        let h = &self.latency_us;
        let ms = |us: u64| us as f64 / 1000.0;
        RepFigures {
            ops_per_s: round(self.ops_per_s(), 1),
            mean_ms: round(h.mean() / 1000.0, 4),
            p50_ms: ms(h.value_at_quantile(0.5)),
            p90_ms: ms(h.value_at_quantile(0.9)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            ops: self.ops,
            errors: self.errors,
            seconds: round(self.seconds, 3),
        }
    }
}

/// `x` rounded to `digits` decimals.
pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

struct ClientOutcome {
    start: Instant,
    end: Instant,
    ops: u64,
    errors: u64,
    first_error: Option<String>,
    hist: Histogram<u64>,
}

/// An empty latency histogram: 1 µs .. 60 s, 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
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
        Length::Seconds(_) => {
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
    let keys = Arc::new(KeyGen::new(workload));
    let barrier = Arc::new(Barrier::new(workload.clients));
    let pb = progress_bar(workload, show_progress);
    let mut tasks = Vec::new();
    for c in 0..workload.clients {
        let mut client = template.clone();
        client.new_session();
        let w = workload.clone();
        let barrier = barrier.clone();
        let pb = pb.clone();
        let keys = keys.clone();
        tasks.push(tokio::spawn(async move {
            client_loop(c, client, w, keys, barrier, pb).await
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

/// Run `workload` `repetitions` times against the same replicas (repetition
/// `r` uses seed `workload.seed + 7919 r`) and return every measurement.
pub async fn run_repeated(
    addrs: &[String],
    workload: &Workload,
    repetitions: usize,
    show_progress: bool,
) -> Result<Vec<Measurement>, LoadError> {
    let mut out = Vec::new();
    for r in 0..repetitions.max(1) {
        let w = Workload {
            seed: workload.seed.wrapping_add(7919 * r as u64),
            ..workload.clone()
        };
        out.push(run_load(addrs, &w, show_progress).await?);
    }
    Ok(out)
}

async fn client_loop(
    c: usize,
    mut client: Client,
    w: Workload,
    keys: Arc<KeyGen>,
    barrier: Arc<Barrier>,
    pb: ProgressBar,
) -> ClientOutcome {
    let mut rng = StdRng::seed_from_u64(w.seed.wrapping_add(c as u64));
    let value: Vec<u8> = (0..w.value_bytes)
        .map(|_| rng.gen_range(b'a'..=b'z'))
        .collect();
    let mut gen = OpGen {
        client: c,
        next: 0,
        keys,
    };
    // Warm-up (errors ignored, not measured).
    for _ in 0..w.warmup_ops_per_client {
        let (read, key) = gen.next(&mut rng, &w, &mut client);
        let _ = do_op(&mut client, read, key, &value).await;
    }
    barrier.wait().await;
    let start = Instant::now();
    let deadline = w.duration().map(|d| start + d);
    let mut out = ClientOutcome {
        start,
        end: start,
        ops: 0,
        errors: 0,
        first_error: None,
        hist: new_histogram(),
    };
    // Open loop: this client's schedule, released by a pacer
    // (sub-millisecond precision, see `kvstore_runtime::pacer`). Without a
    // time limit the schedule ends with the client's quota.
    let mut pacer = match w.arrival {
        Arrival::Closed => None,
        Arrival::Open { rate_per_s } => {
            let schedule = Schedule {
                start,
                interval: Duration::from_secs_f64(w.clients as f64 / rate_per_s),
                phase: c as f64 / w.clients as f64,
                end: deadline.unwrap_or(start + Duration::from_secs(365 * 86_400)),
            };
            match Pacer::start(schedule) {
                Ok(p) => Some(p),
                Err(e) => {
                    out.errors = 1;
                    out.first_error = Some(format!("starting the pacing timer: {e}"));
                    return out;
                }
            }
        }
    };
    let quota = w.ops_of_client(c);
    while out.ops + out.errors < quota {
        let t = match &mut pacer {
            None => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                Instant::now()
            }
            Some(p) => match p.next().await {
                Some(intended) => intended,
                None => break,
            },
        };
        let (read, key) = gen.next(&mut rng, &w, &mut client);
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

/// Draws key indices for a workload.
#[derive(Debug)]
enum KeyGen {
    Uniform(u64),
    Zipfian(Zipfian),
}

impl KeyGen {
    fn new(w: &Workload) -> KeyGen {
        match w.key_dist {
            KeyDist::Uniform => KeyGen::Uniform(w.keys),
            KeyDist::Zipfian { theta } => KeyGen::Zipfian(Zipfian::new(w.keys, theta)),
        }
    }

    fn sample(&self, rng: &mut StdRng) -> u64 {
        match self {
            KeyGen::Uniform(n) => rng.gen_range(0..*n),
            KeyGen::Zipfian(z) => z.sample(rng),
        }
    }
}

/// The key of index `i` (`key<i>`), shared by workloads and preloads.
pub fn key_of(i: u64) -> Vec<u8> {
    format!("key{i}").into_bytes()
}

/// Chooses each operation: the replica (round-robin, starting at the
/// client's index), read or write, and a key from the workload's distribution.
struct OpGen {
    client: usize,
    next: usize,
    keys: Arc<KeyGen>,
}

impl OpGen {
    fn next(&mut self, rng: &mut StdRng, w: &Workload, client: &mut Client) -> (bool, Vec<u8>) {
        client.set_replica(self.client + self.next);
        self.next += 1;
        let key = key_of(self.keys.sample(rng));
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
