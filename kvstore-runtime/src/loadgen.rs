//! Pipelined load generator (`kvstore load`): YCSB-like read/write mixes
//! over uniform keys, many batch requests in flight per connection (see
//! [`Pipeline`]), closed loop (as fast as possible) or at a target rate.
//!
//! Latency is per operation: the time from the request's *intended* send
//! time (at a target rate; the actual send time otherwise) to its answer,
//! recorded for every operation of the request, so queueing behind a full
//! pipeline counts (no coordinated omission). At a target rate the
//! intended times are released by a [`Pacer`] (a high-resolution timer in
//! the runtime's own event loop), so Tokio's 1 ms timer ticks neither delay
//! nor bunch the requests; optionally ([`LoadSpec::pace_tick`]) the requests
//! due are released together on a coarser grid, which saves the generator a
//! wake-up per request, their latencies still charged from their own
//! intended times.

use crate::client::{Client, ClientError, Completion, Pipeline};
use crate::ops::Op;
use crate::pacer::{Pacer, Schedule};
use crate::security::ClientTls;
use hdrhistogram::Histogram;
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::Serialize;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// Replica addresses.
    pub replicas: Vec<String>,
    /// TLS for the connections.
    pub tls: Option<ClientTls>,
    /// Measured phase.
    pub duration: Duration,
    /// Unmeasured phase before it.
    pub warmup: Duration,
    /// Independent clients, each with its own connections to every replica.
    pub connections: usize,
    /// Requests in flight per connection (sessions per client).
    pub depth: usize,
    /// Operations per request.
    pub batch: usize,
    /// Fraction of gets.
    pub read_ratio: f64,
    /// Distinct keys (uniform).
    pub keys: u64,
    /// Value size.
    pub value_bytes: usize,
    /// Target rate in operations per second over all connections (`None`: as fast as possible).
    pub rate: Option<f64>,
    /// Send each request of a session to the next replica (sessions then
    /// wait for replication; default: sessions stay at one replica).
    pub rotate: bool,
    /// Send each replica's requests over one `BatchStream` call
    /// ([`Pipeline::streaming`]) instead of one `Batch` call per request.
    pub stream: bool,
    /// At a target rate, release the requests on a grid of this period
    /// ([`Pacer::with_tick`]; zero: each at its own intended time).
    pub pace_tick: Duration,
    /// Random seed.
    pub seed: u64,
    /// Request deadline.
    pub timeout: Duration,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// Successful operations in the measured phase.
    pub ops: u64,
    /// Failed operations in the measured phase.
    pub errors: u64,
    /// First error, if any.
    pub first_error: Option<String>,
    /// Length of the measured phase, s.
    pub seconds: f64,
    /// Throughput, operations per second.
    pub ops_per_s: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// 99.9th percentile, ms.
    pub p999_ms: f64,
    /// Largest latency, ms.
    pub max_ms: f64,
    /// Target rate, if any.
    pub target_ops_per_s: Option<f64>,
    /// How requests were sent: `batch-calls` (one `Batch` call each) or
    /// `batch-stream` (one `BatchStream` call per replica).
    pub transport: &'static str,
}

struct Part {
    ops: u64,
    errors: u64,
    first_error: Option<String>,
    hist: Histogram<u64>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds")
}

/// Run the load and measure it.
pub async fn run(spec: &LoadSpec) -> Result<LoadReport, ClientError> {
    anyhow_like_check(spec)?;
    let t0 = Instant::now() + Duration::from_millis(20);
    let measure_from = t0 + spec.warmup;
    let end = measure_from + spec.duration;
    let mut tasks = Vec::new();
    for c in 0..spec.connections {
        let mut client = Client::connect_with(&spec.replicas, spec.tls.as_ref())?
            .with_failover(false)
            .with_timeout(spec.timeout);
        client.set_replica(c);
        let spec = spec.clone();
        tasks.push(tokio::spawn(async move {
            connection(c, client, spec, t0, measure_from, end).await
        }));
    }
    let mut total = Part {
        ops: 0,
        errors: 0,
        first_error: None,
        hist: histogram(),
    };
    for t in tasks {
        let p = t.await.map_err(|e| ClientError::Protocol(e.to_string()))?;
        total.ops += p.ops;
        total.errors += p.errors;
        if total.first_error.is_none() {
            total.first_error = p.first_error;
        }
        total.hist.add(&p.hist).expect("same bounds");
    }
    let secs = spec.duration.as_secs_f64();
    let q = |x: f64| total.hist.value_at_quantile(x) as f64 / 1000.0;
    Ok(LoadReport {
        ops: total.ops,
        errors: total.errors,
        first_error: total.first_error,
        seconds: secs,
        ops_per_s: (total.ops as f64 / secs).round(),
        p50_ms: q(0.5),
        p99_ms: q(0.99),
        p999_ms: q(0.999),
        max_ms: total.hist.max() as f64 / 1000.0,
        target_ops_per_s: spec.rate,
        transport: if spec.stream {
            "batch-stream"
        } else {
            "batch-calls"
        },
    })
}

fn anyhow_like_check(spec: &LoadSpec) -> Result<(), ClientError> {
    let bad = |m: &str| Err(ClientError::Protocol(format!("invalid load: {m}")));
    if spec.connections == 0 || spec.depth == 0 || spec.batch == 0 || spec.keys == 0 {
        return bad("connections, depth, batch and keys must be positive");
    }
    if !(0.0..=1.0).contains(&spec.read_ratio) {
        return bad("the read ratio must be in [0, 1]");
    }
    if spec.duration.is_zero() {
        return bad("the duration must be positive");
    }
    if spec.rate.is_some_and(|r| r <= 0.0) {
        return bad("the rate must be positive");
    }
    Ok(())
}

fn record(p: &mut Part, c: Completion, t0: Instant, measure_from: Instant, end: Instant) {
    let intended = t0 + Duration::from_nanos(c.tag);
    let start = if c.tag == 0 { c.sent } else { intended };
    if c.done < measure_from || c.done > end {
        return;
    }
    match c.result {
        Ok(_) => {
            let us = c.done.saturating_duration_since(start).as_micros().max(1) as u64;
            let _ = p.hist.record_n(us.min(60_000_000), c.ops as u64);
            p.ops += c.ops as u64;
        }
        Err(e) => {
            p.errors += c.ops as u64;
            if p.first_error.is_none() {
                p.first_error = Some(e.to_string());
            }
        }
    }
}

async fn connection(
    c: usize,
    client: Client,
    spec: LoadSpec,
    t0: Instant,
    measure_from: Instant,
    end: Instant,
) -> Part {
    let mut rng = StdRng::seed_from_u64(spec.seed.wrapping_add(c as u64 * 7919));
    let value: Vec<u8> = (0..spec.value_bytes)
        .map(|_| rng.gen_range(b'a'..=b'z'))
        .collect();
    let keys: Vec<Vec<u8>> = (0..spec.keys)
        .map(|k| format!("key{k}").into_bytes())
        .collect();
    let mut pipeline = if spec.stream {
        Pipeline::streaming(&client, spec.depth)
    } else {
        Pipeline::new(&client, spec.depth)
    };
    let mut part = Part {
        ops: 0,
        errors: 0,
        first_error: None,
        hist: histogram(),
    };
    // At a target rate, this connection's requests are released by a
    // pacer (sub-millisecond precision), the connections' schedules spread
    // over one interval.
    let mut pacer = match spec.rate {
        Some(r) => match Pacer::start(Schedule {
            start: t0,
            interval: Duration::from_secs_f64(spec.batch as f64 * spec.connections as f64 / r),
            phase: c as f64 / spec.connections as f64,
            end,
        }) {
            Ok(p) => Some(p.with_tick(spec.pace_tick)),
            Err(e) => {
                part.errors += 1;
                part.first_error = Some(format!("starting the pacing timer: {e}"));
                return part;
            }
        },
        None => None,
    };
    tokio::time::sleep_until(t0.into()).await;
    let mut rotation = 0usize;
    loop {
        let intended = match &mut pacer {
            Some(p) => match p.next().await {
                Some(at) => Some(at),
                None => break,
            },
            None => {
                if Instant::now() >= end {
                    break;
                }
                None
            }
        };
        let ops: Vec<Op> = (0..spec.batch)
            .map(|_| {
                let key = keys[rng.gen_range(0..keys.len())].clone();
                if rng.gen_bool(spec.read_ratio) {
                    Op::Get { key }
                } else {
                    Op::Put {
                        key,
                        value: value.clone(),
                    }
                }
            })
            .collect();
        if spec.rotate {
            rotation += 1;
            for s in pipeline.idle_sessions() {
                s.set_replica(c + rotation);
            }
        }
        let tag = intended.map_or(0, |at| at.duration_since(t0).as_nanos().max(1) as u64);
        if let Some(done) = pipeline.submit_tagged(ops, tag).await {
            record(&mut part, done, t0, measure_from, end);
        }
    }
    for done in pipeline.drain().await {
        record(&mut part, done, t0, measure_from, end);
    }
    part
}
