//! Paired, interleaved measurement of the headline ratios.
//!
//! On a small shared machine the throughput of a loopback cluster drifts by
//! tens of percent over a few minutes (other work, CPU frequency, page
//! cache). Measuring store A for a minute and then store B for a minute
//! turns that drift into a fake difference between A and B. The paired
//! phase removes it: the clusters of all compared stores are up at the same
//! time (idle ones use no CPU), and every *round* runs the workload once on
//! each store, back to back, in an order rotated from round to round (so no
//! store is always first). A ratio is then computed *within* each round,
//! where the machine's state is the same for both stores, and the reported
//! figure is the median of the per-round ratios (with min and max).

use crate::load::{round, run_load};
use crate::results::Stat;
use crate::workload::Workload;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One round: each store measured once, in `order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedRound {
    /// Round number, from 0.
    pub round: usize,
    /// The order in which the stores ran in this round.
    pub order: Vec<String>,
    /// Operations per second of each store in this round.
    pub ops_per_s: BTreeMap<String, f64>,
}

/// A ratio computed within each round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedRatio {
    /// Store in the numerator.
    pub numerator: String,
    /// Store in the denominator.
    pub denominator: String,
    /// `numerator / denominator` of each round where both were measured.
    pub per_round: Vec<f64>,
    /// Min, median and max of `per_round`.
    pub stat: Stat,
}

/// The paired phase of one `bench compare` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    /// Name of the workload (the primary workload of the run).
    pub workload_name: String,
    /// Its full spec.
    pub workload_spec: String,
    /// The stores measured in every round.
    pub stores: Vec<String>,
    /// Every round.
    pub rounds: Vec<PairedRound>,
    /// Min/median/max ops/s of each store over the rounds.
    pub ops_per_s: BTreeMap<String, Stat>,
    /// Ratios keyed by name (e.g. `verified_vs_handwritten`).
    pub ratios: BTreeMap<String, PairedRatio>,
}

/// The order of `stores` in round `r`: rotated left by `r`.
pub fn rotation(stores: &[String], r: usize) -> Vec<String> {
    let mut v = stores.to_vec();
    if !v.is_empty() {
        let k = r % v.len();
        v.rotate_left(k);
    }
    v
}

/// The per-round ratio `num / den` over `rounds` (rounds where either is
/// missing or the denominator is zero are left out); `None` if no round
/// has both.
pub fn paired_ratio(rounds: &[PairedRound], num: &str, den: &str) -> Option<PairedRatio> {
    let per_round: Vec<f64> = rounds
        .iter()
        .filter_map(|r| match (r.ops_per_s.get(num), r.ops_per_s.get(den)) {
            (Some(a), Some(b)) if *b > 0.0 => Some(round(a / b, 4)),
            _ => None,
        })
        .collect();
    if per_round.is_empty() {
        return None;
    }
    Some(PairedRatio {
        numerator: num.to_string(),
        denominator: den.to_string(),
        stat: Stat::of(&per_round),
        per_round,
    })
}

/// Min/median/max ops/s of each store over `rounds`.
pub fn per_store(rounds: &[PairedRound]) -> BTreeMap<String, Stat> {
    let mut all: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in rounds {
        for (s, x) in &r.ops_per_s {
            all.entry(s.clone()).or_default().push(*x);
        }
    }
    all.into_iter().map(|(s, xs)| (s, Stat::of(&xs))).collect()
}

/// Run `rounds` rounds of `workload` over `clusters` (store name and the
/// addresses of its running replicas). Round `r` uses seed
/// `workload.seed + 7919 r` for every store, so that within a round all
/// stores see the same operations.
pub async fn run_rounds(
    clusters: &[(String, Vec<String>)],
    workload: &Workload,
    rounds: usize,
    mut on_round: impl FnMut(&PairedRound),
) -> anyhow::Result<Vec<PairedRound>> {
    let names: Vec<String> = clusters.iter().map(|(s, _)| s.clone()).collect();
    let mut out = Vec::new();
    for r in 0..rounds {
        let w = Workload {
            seed: workload.seed.wrapping_add(7919 * r as u64),
            ..workload.clone()
        };
        let order = rotation(&names, r);
        let mut ops = BTreeMap::new();
        for store in &order {
            let addrs = &clusters
                .iter()
                .find(|(s, _)| s == store)
                .expect("order is a rotation of the cluster names")
                .1;
            let m = run_load(addrs, &w, false)
                .await
                .map_err(|e| anyhow::anyhow!("paired round {r}, store {store}: {e}"))?;
            ops.insert(store.clone(), round(m.ops_per_s(), 1));
        }
        let pr = PairedRound {
            round: r,
            order,
            ops_per_s: ops,
        };
        on_round(&pr);
        out.push(pr);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rnd(r: usize, xs: &[(&str, f64)]) -> PairedRound {
        PairedRound {
            round: r,
            order: xs.iter().map(|(s, _)| s.to_string()).collect(),
            ops_per_s: xs.iter().map(|(s, x)| (s.to_string(), *x)).collect(),
        }
    }

    #[test]
    fn rotation_puts_every_store_first_once() {
        let s: Vec<String> = ["a", "b", "c"].iter().map(|x| x.to_string()).collect();
        let firsts: Vec<String> = (0..3).map(|r| rotation(&s, r)[0].clone()).collect();
        assert_eq!(firsts, ["a", "b", "c"]);
        assert_eq!(rotation(&s, 4), ["b", "c", "a"]);
        assert!(rotation(&[], 3).is_empty());
    }

    #[test]
    fn ratios_are_taken_within_rounds() {
        // A drift that doubles the machine's speed between rounds cancels
        // out within each round: the per-round ratio stays 0.5.
        let rounds = vec![
            rnd(0, &[("v", 5.0), ("h", 10.0)]),
            rnd(1, &[("v", 10.0), ("h", 20.0)]),
            rnd(2, &[("v", 20.0), ("h", 40.0)]),
        ];
        let r = paired_ratio(&rounds, "v", "h").expect("both measured");
        assert_eq!(r.per_round, [0.5, 0.5, 0.5]);
        assert_eq!(r.stat.median, 0.5);
        // Whereas the ratio of the medians of separate runs would not be
        // robust to the order of measurement; per-store stats still exist.
        let s = per_store(&rounds);
        assert_eq!(s["v"].median, 10.0);
        assert_eq!(s["h"].max, 40.0);
    }

    #[test]
    fn rounds_missing_a_store_or_with_zero_are_left_out() {
        let rounds = vec![
            rnd(0, &[("v", 5.0)]),
            rnd(1, &[("v", 6.0), ("h", 0.0)]),
            rnd(2, &[("v", 9.0), ("h", 10.0)]),
        ];
        let r = paired_ratio(&rounds, "v", "h").expect("one round has both");
        assert_eq!(r.per_round, [0.9]);
        assert!(paired_ratio(&rounds[..2], "v", "h").is_none());
        assert!(paired_ratio(&rounds, "v", "nobody").is_none());
    }
}
