//! Zipfian key ranks (Gray et al., "Quickly generating billion-record
//! synthetic databases", SIGMOD 1994; the generator YCSB uses): rank `i` in
//! `0..n` is drawn with probability `1/(i+1)^theta / zeta(n, theta)`.
//! Set-up is `O(n)` (the zeta sum), each draw `O(1)`.

use rand::Rng;

/// A zipfian distribution over `0..n`.
#[derive(Debug, Clone)]
pub struct Zipfian {
    n: u64,
    theta: f64,
    zetan: f64,
    alpha: f64,
    eta: f64,
    half_pow_theta: f64,
}

/// `sum_{i=1..n} 1/i^theta`.
fn zeta(n: u64, theta: f64) -> f64 {
    (1..=n).map(|i| (i as f64).powf(-theta)).sum()
}

impl Zipfian {
    /// The distribution over `0..n` (`n >= 1`) with skew `theta` in `(0, 1)`.
    pub fn new(n: u64, theta: f64) -> Zipfian {
        assert!(n >= 1, "zipfian over an empty range");
        assert!(
            theta > 0.0 && theta < 1.0,
            "zipfian theta must be in (0, 1)"
        );
        let zetan = zeta(n, theta);
        let zeta2 = zeta(2.min(n), theta);
        let eta = if n > 2 {
            (1.0 - (2.0 / n as f64).powf(1.0 - theta)) / (1.0 - zeta2 / zetan)
        } else {
            0.0
        };
        Zipfian {
            n,
            theta,
            zetan,
            alpha: 1.0 / (1.0 - theta),
            eta,
            half_pow_theta: 0.5f64.powf(theta),
        }
    }

    /// Probability of rank `i`.
    pub fn probability(&self, i: u64) -> f64 {
        if i >= self.n {
            0.0
        } else {
            ((i + 1) as f64).powf(-self.theta) / self.zetan
        }
    }

    /// Draw a rank.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let u: f64 = rng.gen();
        let uz = u * self.zetan;
        if uz < 1.0 || self.n == 1 {
            return 0;
        }
        if uz < 1.0 + self.half_pow_theta || self.n == 2 {
            return 1;
        }
        let r = (self.n as f64 * (self.eta * u - self.eta + 1.0).powf(self.alpha)) as u64;
        r.min(self.n - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn frequencies_follow_the_zipf_law() {
        let z = Zipfian::new(1000, 0.99);
        let mut rng = StdRng::seed_from_u64(3);
        let draws = 200_000;
        let mut counts = vec![0u64; 1000];
        for _ in 0..draws {
            counts[z.sample(&mut rng) as usize] += 1;
        }
        // Rank 0 and rank 1 are exact in the algorithm: within 5% of expectation.
        for i in [0u64, 1] {
            let expect = z.probability(i) * draws as f64;
            let got = counts[i as usize] as f64;
            assert!(
                (got - expect).abs() < 0.05 * expect,
                "rank {i}: {got} vs {expect}"
            );
        }
        // Heavily skewed: the top 10% of keys get most of the draws, and
        // hotter ranks are drawn more often.
        let top: u64 = counts[..100].iter().sum();
        assert!(top as f64 > 0.6 * draws as f64, "top 10%: {top}");
        assert!(counts[0] > counts[9] && counts[9] > counts[99] && counts[99] > counts[999]);
        assert_eq!(counts.iter().sum::<u64>(), draws);
    }

    #[test]
    fn tiny_ranges_stay_in_range() {
        let mut rng = StdRng::seed_from_u64(1);
        for n in [1u64, 2, 3] {
            let z = Zipfian::new(n, 0.5);
            for _ in 0..1000 {
                assert!(z.sample(&mut rng) < n);
            }
        }
    }
}
