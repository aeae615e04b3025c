//! Workload description (YCSB-style read/write mix over uniform keys).

use std::time::Duration;

/// How long the measured phase runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Length {
    /// A total number of operations, split over the clients.
    Ops(u64),
    /// A wall-clock duration.
    Duration(Duration),
}

/// A closed-loop workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Measured phase length.
    pub length: Length,
    /// Concurrent sessions, each one closed-loop client.
    pub clients: usize,
    /// Fraction of gets, in `[0, 1]`.
    pub read_ratio: f64,
    /// Number of distinct keys (chosen uniformly).
    pub keys: u64,
    /// Size of written values in bytes.
    pub value_bytes: usize,
    /// Unmeasured operations per client before the measured phase.
    pub warmup_ops_per_client: u64,
    /// Random seed (client `c` uses `seed + c`).
    pub seed: u64,
}

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
        match self.length {
            Length::Ops(n) if n < self.clients as u64 => Err(format!(
                "{n} operations cannot be split over {} clients",
                self.clients
            )),
            Length::Duration(d) if d.is_zero() => Err("the duration must be positive".into()),
            _ => Ok(()),
        }
    }

    /// A short name, e.g. `uniform-r50-k1000-v100-c8`.
    pub fn name(&self) -> String {
        format!(
            "uniform-r{}-k{}-v{}-c{}",
            (self.read_ratio * 100.0).round() as u64,
            self.keys,
            self.value_bytes,
            self.clients
        )
    }

    /// Measured operations of client `c` (for [`Length::Ops`]).
    pub fn ops_of_client(&self, c: usize) -> u64 {
        match self.length {
            Length::Ops(n) => {
                let k = self.clients as u64;
                n / k + u64::from((c as u64) < n % k)
            }
            Length::Duration(_) => u64::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w() -> Workload {
        Workload {
            length: Length::Ops(10),
            clients: 3,
            read_ratio: 0.5,
            keys: 100,
            value_bytes: 8,
            warmup_ops_per_client: 0,
            seed: 1,
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
    }
}
