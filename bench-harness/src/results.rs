//! The results file schema (`results/bench*.json`, `results/<store>.json`).
//!
//! Every figure of a run is reported as `{min, median, max}` over the
//! repetitions ([`Stat`]), next to the per-repetition values, the full
//! workload and the provenance (command, revision, machine, date).

use crate::load::{new_histogram, round, Measurement};
use crate::provenance::{Machine, Provenance};
use crate::workload::Workload;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Version tag of the schema written by this crate.
pub const SCHEMA: &str = "kvstore-bench/v2";

/// Minimum, median and maximum of one figure over the repetitions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Smallest value.
    pub min: f64,
    /// Median (mean of the two middle values for an even count).
    pub median: f64,
    /// Largest value.
    pub max: f64,
}

impl Stat {
    /// The statistics of `xs`, rounded to 4 decimals (all zero for an empty
    /// slice; NaNs sort last).
    pub fn of(xs: &[f64]) -> Stat {
        if xs.is_empty() {
            return Stat {
                min: 0.0,
                median: 0.0,
                max: 0.0,
            };
        }
        let mut v = xs.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Stat {
            min: round(v[0], 4),
            median: round(median, 4),
            max: round(v[n - 1], 4),
        }
    }
}

/// The figures of one repetition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepFigures {
    /// Successful operations per second over the measured phase.
    pub ops_per_s: f64,
    /// Mean latency, ms.
    pub mean_ms: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 90th percentile latency, ms.
    pub p90_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// 99.9th percentile latency, ms.
    pub p999_ms: f64,
    /// Largest latency, ms.
    pub max_ms: f64,
    /// Successful measured operations (warm-up excluded).
    pub ops: u64,
    /// Failed measured operations (not in the latencies).
    pub errors: u64,
    /// Length of the measured phase, s.
    pub seconds: f64,
}

/// Every figure as min/median/max over the repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Operations per second.
    pub ops_per_s: Stat,
    /// Mean latency, ms.
    pub mean_ms: Stat,
    /// Median latency, ms.
    pub p50_ms: Stat,
    /// 90th percentile latency, ms.
    pub p90_ms: Stat,
    /// 99th percentile latency, ms.
    pub p99_ms: Stat,
    /// 99.9th percentile latency, ms.
    pub p999_ms: Stat,
    /// Largest latency, ms.
    pub max_ms: Stat,
    /// Successful operations.
    pub ops: Stat,
    /// Failed operations.
    pub errors: Stat,
    /// Measured phase length, s.
    pub seconds: Stat,
}

impl Figures {
    /// Summarise repetitions.
    pub fn of(reps: &[RepFigures]) -> Figures {
        let s = |f: fn(&RepFigures) -> f64| Stat::of(&reps.iter().map(f).collect::<Vec<_>>());
        Figures {
            ops_per_s: s(|r| r.ops_per_s),
            mean_ms: s(|r| r.mean_ms),
            p50_ms: s(|r| r.p50_ms),
            p90_ms: s(|r| r.p90_ms),
            p99_ms: s(|r| r.p99_ms),
            p999_ms: s(|r| r.p999_ms),
            max_ms: s(|r| r.max_ms),
            ops: s(|r| r.ops as f64),
            errors: s(|r| r.errors as f64),
            seconds: s(|r| r.seconds),
        }
    }
}

/// Quantiles at which the latency CDF is recorded.
pub const CDF_QUANTILES: &[f64] = &[
    0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8,
    0.85, 0.9, 0.925, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9995, 0.9999, 1.0,
];

/// One store measured under one workload, repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreRun {
    /// Store name.
    pub store: String,
    /// Number of replicas.
    pub replicas: usize,
    /// Workload name ([`Workload::name`]).
    pub workload_name: String,
    /// Workload spec string ([`Workload::to_spec`]).
    pub workload_spec: String,
    /// The full workload.
    pub workload: Workload,
    /// Every figure, min/median/max over the repetitions.
    pub figures: Figures,
    /// Per-repetition figures, in run order.
    pub repetitions: Vec<RepFigures>,
    /// Latency CDF over all repetitions together: `[quantile, ms]` at [`CDF_QUANTILES`].
    pub latency_cdf_ms: Vec<[f64; 2]>,
    /// First error message seen, if any operation failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

impl StoreRun {
    /// Summarise the measurements of the repetitions of `workload` on `store`.
    pub fn new(store: &str, replicas: usize, workload: &Workload, ms: &[Measurement]) -> StoreRun {
        let reps: Vec<RepFigures> = ms.iter().map(Measurement::figures).collect();
        let mut all = new_histogram();
        for m in ms {
            all.add(&m.latency_us).expect("same histogram bounds");
        }
        let latency_cdf_ms = if all.is_empty() {
            Vec::new()
        } else {
            CDF_QUANTILES
                .iter()
                .map(|q| [*q, round(all.value_at_quantile(*q) as f64 / 1000.0, 4)])
                .collect()
        };
        StoreRun {
            store: store.to_string(),
            replicas,
            workload_name: workload.name(),
            workload_spec: workload.to_spec(),
            workload: workload.clone(),
            figures: Figures::of(&reps),
            repetitions: reps,
            latency_cdf_ms,
            first_error: ms.iter().find_map(|m| m.first_error.clone()),
        }
    }
}

/// Throughput and latency of a store after a preload of `history_puts` puts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    /// Store name.
    pub store: String,
    /// Puts issued before the measurement (one per key, `key0..key<N-1>`).
    pub history_puts: u64,
    /// Preload wall-clock time, s (until every replica had applied every put).
    pub preload_seconds: f64,
    /// The measured workload after the preload (`None` if the preload failed).
    pub run: Option<StoreRun>,
    /// Why there is no measurement, if there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A store that was asked for but not measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// Store name.
    pub store: String,
    /// Why.
    pub reason: String,
}

/// The headline ratios (median ops/s over median ops/s, same run, primary
/// workload); `null` when a side was not measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ratios {
    /// `causal` throughput / `causal-function-store` (Chapar-style) throughput.
    pub causal_vs_chapar_style: Option<f64>,
    /// Verified store throughput / `handwritten-vc` throughput (see the details
    /// for which verified store).
    pub verified_vs_handwritten: Option<f64>,
}

/// How a ratio was computed, or why it is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatioDetail {
    /// The ratio (`null` if a side is missing).
    pub value: Option<f64>,
    /// Numerator store.
    pub numerator: String,
    /// Denominator store.
    pub denominator: String,
    /// Workload both sides ran.
    pub workload: String,
    /// Median ops/s of the numerator, if measured.
    pub numerator_ops_per_s: Option<f64>,
    /// Median ops/s of the denominator, if measured.
    pub denominator_ops_per_s: Option<f64>,
    /// Explanation.
    pub note: String,
}

/// A results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    /// Schema tag ([`SCHEMA`]).
    pub schema: String,
    /// Measured runs (store x workload).
    pub runs: Vec<StoreRun>,
    /// History-length scaling points.
    #[serde(default)]
    pub history: Vec<HistoryPoint>,
    /// Stores asked for but not measured.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// Headline ratios.
    #[serde(default)]
    pub ratios: Ratios,
    /// How each ratio was computed (keys: ratio names, plus per-store
    /// `verified_vs_handwritten:<store>` entries).
    #[serde(default)]
    pub ratio_details: BTreeMap<String, RatioDetail>,
    /// Plot files written with these results.
    #[serde(default)]
    pub plots: Vec<String>,
    /// The paired phase of `bench compare` (interleaved rounds), when run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired: Option<crate::paired::Paired>,
    /// Exact command line.
    pub command: String,
    /// Git revision (`-dirty` if the tree had changes).
    pub revision: String,
    /// Machine description.
    pub machine: Machine,
    /// UTC date, RFC 3339.
    pub date: String,
}

impl ResultsFile {
    /// Runs with the given provenance (no history, no ratios).
    pub fn new(runs: Vec<StoreRun>, p: Provenance) -> ResultsFile {
        ResultsFile {
            schema: SCHEMA.to_string(),
            runs,
            history: Vec::new(),
            skipped: Vec::new(),
            ratios: Ratios::default(),
            ratio_details: BTreeMap::new(),
            plots: Vec::new(),
            paired: None,
            command: p.command,
            revision: p.revision,
            machine: p.machine,
            date: p.date,
        }
    }

    /// The run of `store` under the workload named `workload`.
    pub fn run(&self, store: &str, workload: &str) -> Option<&StoreRun> {
        self.runs
            .iter()
            .find(|r| r.store == store && r.workload_name == workload)
    }

    /// Write as pretty JSON, creating parent directories.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, json + "\n")
    }

    /// Read a results file.
    pub fn read(path: &Path) -> std::io::Result<ResultsFile> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_is_min_median_max() {
        let s = Stat::of(&[3.0, 1.0, 2.0]);
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
        let s = Stat::of(&[4.0, 1.0, 2.0, 10.0]);
        assert_eq!((s.min, s.median, s.max), (1.0, 3.0, 10.0));
        assert_eq!(Stat::of(&[]).median, 0.0);
    }
}
