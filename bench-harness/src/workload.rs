//! Workload description: a YCSB-style read/write mix over uniform or
//! zipfian keys, run by closed-loop or open-loop (fixed target rate) clients.
//!
//! A workload can be written as a compact spec string (used by
//! `bench compare --workload` and recorded in results), e.g.
//! `dist=zipfian,read=0.95,keys=1000,value=100,clients=8,seconds=2` or
//! `dist=uniform,read=0.5,rate=2000,ops=10000`. See [`Workload::from_spec`].

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long the measured phase runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    /// A total number of operations, split over the clients.
    Ops(u64),
    /// A wall-clock duration in seconds.
    Seconds(f64),
}

/// How keys are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum KeyDist {
    /// Every key equally likely.
    Uniform,
    /// Zipfian over key ranks (key 0 hottest), `P(rank i) ∝ 1/(i+1)^theta`
    /// (YCSB uses `theta = 0.99`).
    Zipfian {
        /// Skew exponent, in `(0, 1)`.
        theta: f64,
    },
}

/// When clients send.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Arrival {
    /// Each client sends its next operation as soon as the previous one answered.
    Closed,
    /// Operations are *scheduled* at a fixed total rate (spread evenly over
    /// the clients); latency is measured from the intended send time, so a
    /// slow answer also charges the operations queued behind it (no
    /// coordinated omission).
    Open {
        /// Target operations per second, all clients together.
        rate_per_s: f64,
    },
}

/// A workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    /// Measured phase length.
    pub length: Length,
    /// Concurrent sessions (one client each).
    pub clients: usize,
    /// Fraction of gets, in `[0, 1]`.
    pub read_ratio: f64,
    /// Number of distinct keys.
    pub keys: u64,
    /// Key distribution.
    pub key_dist: KeyDist,
    /// Size of written values in bytes.
    pub value_bytes: usize,
    /// Unmeasured operations per client before the measured phase.
    pub warmup_ops_per_client: u64,
    /// Closed or open loop.
    pub arrival: Arrival,
    /// Random seed (client `c` uses `seed + c`).
    pub seed: u64,
}

impl Default for Workload {
    /// 10,000 operations, 8 closed-loop clients, 50% reads, 1,000 uniform
    /// keys, 100-byte values, 100 warm-up operations per client, seed 1.
    fn default() -> Self {
        Workload {
            length: Length::Ops(10_000),
            clients: 8,
            read_ratio: 0.5,
            keys: 1000,
            key_dist: KeyDist::Uniform,
            value_bytes: 100,
            warmup_ops_per_client: 100,
            arrival: Arrival::Closed,
            seed: 1,
        }
    }
}

/// YCSB's zipfian constant.
pub const YCSB_THETA: f64 = 0.99;

impl Workload {
    /// Check the parameters.
    pub fn validate(&self) -> Result<(), String> {
        if self.clients == 0 {
            return Err("at least one client is needed".into());
        }
        if !(0.0..=1.0).contains(&self.read_ratio) {
            return Err(format!("read ratio {} is not in [0, 1]", self.read_ratio));
        }
        if self.keys == 0 {
            return Err("at least one key is needed".into());
        }
        if let KeyDist::Zipfian { theta } = self.key_dist {
            if !(theta > 0.0 && theta < 1.0) {
                return Err(format!("zipfian theta {theta} is not in (0, 1)"));
            }
        }
        if let Arrival::Open { rate_per_s } = self.arrival {
            if !(rate_per_s.is_finite() && rate_per_s > 0.0) {
                return Err(format!("target rate {rate_per_s} must be positive"));
            }
        }
        match self.length {
            Length::Ops(n) if n < self.clients as u64 => Err(format!(
                "{n} operations cannot be split over {} clients",
                self.clients
            )),
            Length::Seconds(s) if !(s.is_finite() && s > 0.0) => {
                Err("the duration must be positive".into())
            }
            _ => Ok(()),
        }
    }

    /// A short name, e.g. `uniform-r50-k1000-v100-c8` or
    /// `zipfian-r95-k1000-v100-c8-open2000`.
    pub fn name(&self) -> String {
        let dist = match self.key_dist {
            KeyDist::Uniform => "uniform".to_string(),
            KeyDist::Zipfian { theta } if theta == YCSB_THETA => "zipfian".to_string(),
            KeyDist::Zipfian { theta } => format!("zipfian{theta}"),
        };
        let mut n = format!(
            "{dist}-r{}-k{}-v{}-c{}",
            (self.read_ratio * 100.0).round() as u64,
            self.keys,
            self.value_bytes,
            self.clients
        );
        if let Arrival::Open { rate_per_s } = self.arrival {
            n.push_str(&format!("-open{}", rate_per_s.round() as u64));
        }
        n
    }

    /// The duration of the measured phase, for [`Length::Seconds`].
    pub fn duration(&self) -> Option<Duration> {
        match self.length {
            Length::Seconds(s) => Some(Duration::from_secs_f64(s)),
            Length::Ops(_) => None,
        }
    }

    /// Measured operations of client `c` (for [`Length::Ops`]; unbounded otherwise).
    pub fn ops_of_client(&self, c: usize) -> u64 {
        match self.length {
            Length::Ops(n) => {
                let k = self.clients as u64;
                n / k + u64::from((c as u64) < n % k)
            }
            Length::Seconds(_) => u64::MAX,
        }
    }

    /// Parse a spec string: comma-separated `key=value` pairs over defaults
    /// ([`Workload::default`]). Keys: `dist` (`uniform`|`zipfian`),
    /// `theta`, `read` (fraction of gets), `keys`, `value` (bytes),
    /// `clients`, `ops` or `seconds`, `warmup` (per client), `rate`
    /// (open loop, ops/s; absent: closed loop), `seed`.
    pub fn from_spec(spec: &str) -> Result<Workload, String> {
        let mut w = Workload::default();
        let mut theta = YCSB_THETA;
        let mut zipf = false;
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not key=value"))?;
            let num = |what: &str| -> Result<f64, String> {
                v.parse::<f64>().map_err(|e| format!("{what}={v:?}: {e}"))
            };
            let int = |what: &str| -> Result<u64, String> {
                v.parse::<u64>().map_err(|e| format!("{what}={v:?}: {e}"))
            };
            match k {
                "dist" => {
                    zipf = match v {
                        "uniform" => false,
                        "zipfian" | "zipf" => true,
                        _ => return Err(format!("unknown key distribution {v:?}")),
                    }
                }
                "theta" => theta = num(k)?,
                "read" => w.read_ratio = num(k)?,
                "keys" => w.keys = int(k)?,
                "value" => w.value_bytes = int(k)? as usize,
                "clients" => w.clients = int(k)? as usize,
                "ops" => w.length = Length::Ops(int(k)?),
                "seconds" => w.length = Length::Seconds(num(k)?),
                "warmup" => w.warmup_ops_per_client = int(k)?,
                "rate" => {
                    w.arrival = Arrival::Open {
                        rate_per_s: num(k)?,
                    }
                }
                "seed" => w.seed = int(k)?,
                _ => return Err(format!("unknown workload key {k:?}")),
            }
        }
        if zipf {
            w.key_dist = KeyDist::Zipfian { theta };
        }
        w.validate()?;
        Ok(w)
    }

    /// The spec string of this workload (inverse of [`Workload::from_spec`]).
    pub fn to_spec(&self) -> String {
        let mut s = match self.key_dist {
            KeyDist::Uniform => "dist=uniform".to_string(),
            KeyDist::Zipfian { theta } => format!("dist=zipfian,theta={theta}"),
        };
        s.push_str(&format!(
            ",read={},keys={},value={},clients={}",
            self.read_ratio, self.keys, self.value_bytes, self.clients
        ));
        match self.length {
            Length::Ops(n) => s.push_str(&format!(",ops={n}")),
            Length::Seconds(x) => s.push_str(&format!(",seconds={x}")),
        }
        s.push_str(&format!(",warmup={}", self.warmup_ops_per_client));
        if let Arrival::Open { rate_per_s } = self.arrival {
            s.push_str(&format!(",rate={rate_per_s}"));
        }
        s.push_str(&format!(",seed={}", self.seed));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w() -> Workload {
        Workload {
            length: Length::Ops(10),
            clients: 3,
            keys: 100,
            value_bytes: 8,
            warmup_ops_per_client: 0,
            ..Workload::default()
        }
    }

    #[test]
    fn ops_are_split_exactly() {
        let w = w();
        assert_eq!((0..3).map(|c| w.ops_of_client(c)).sum::<u64>(), 10);
        assert_eq!(w.name(), "uniform-r50-k100-v8-c3");
    }

    #[test]
    fn invalid_workloads_are_rejected() {
        assert!(w().validate().is_ok());
        assert!(Workload {
            read_ratio: 1.5,
            ..w()
        }
        .validate()
        .is_err());
        assert!(Workload { clients: 0, ..w() }.validate().is_err());
        assert!(Workload {
            length: Length::Ops(2),
            ..w()
        }
        .validate()
        .is_err());
        assert!(Workload {
            key_dist: KeyDist::Zipfian { theta: 1.0 },
            ..w()
        }
        .validate()
        .is_err());
        assert!(Workload {
            arrival: Arrival::Open { rate_per_s: 0.0 },
            ..w()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn specs_parse_and_round_trip() {
        let w = Workload::from_spec("dist=zipfian,read=0.95,keys=500,rate=1000,seconds=2").unwrap();
        assert_eq!(w.key_dist, KeyDist::Zipfian { theta: YCSB_THETA });
        assert_eq!(w.read_ratio, 0.95);
        assert_eq!(w.keys, 500);
        assert_eq!(w.arrival, Arrival::Open { rate_per_s: 1000.0 });
        assert_eq!(w.length, Length::Seconds(2.0));
        assert_eq!(w.name(), "zipfian-r95-k500-v100-c8-open1000");
        assert_eq!(Workload::from_spec(&w.to_spec()).unwrap(), w);
        assert_eq!(Workload::from_spec("").unwrap(), Workload::default());
        for bad in ["dist=pareto", "read", "nope=1", "keys=-3", "read=2"] {
            assert!(Workload::from_spec(bad).is_err(), "{bad}");
        }
    }
}
