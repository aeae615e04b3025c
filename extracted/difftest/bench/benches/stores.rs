//! Criterion benches: per-operation cost at one replica of every extracted
//! store, the hand-written `HandwrittenVc` and the Chapar-style function
//! store.
//!
//! * `put_get_mix/<store>/<keys>`: one put then one get (uniform keys) after
//!   100,000 puts at uniform keys over 50, 1,000 or 100,000 keys;
//! * `get_after_history/<store>/<puts>`: one get (1,000 uniform keys) after
//!   1k, 10k and 100k puts.
//!
//! Each state is prepared only when its bench is selected (criterion
//! filters), on a thread with a large stack (extracted code recurses per
//! list element or per closure).

use criterion::{BenchmarkId, Criterion, Throughput};
use extraction_check::gen::Rng;
use extraction_check::measure::{grow, with_big_stack, OneReplica, Target};
use std::hint::black_box;
use std::time::Duration;

const HISTORY: usize = 100_000;

fn prepared(t: &dyn Target, puts: usize, keys: u64, seed: u64) -> (Box<dyn OneReplica>, Rng, u64) {
    let mut rng = Rng::new(seed);
    let mut rep = t.fresh();
    let mut v = 0;
    grow(rep.as_mut(), puts, keys, &mut rng, &mut v);
    (rep, rng, v)
}

fn put_get_mix(c: &mut Criterion, targets: &[Box<dyn Target>]) {
    let mut g = c.benchmark_group("put_get_mix");
    // One iteration is two operations (a put and a get).
    g.throughput(Throughput::Elements(2));
    for t in targets {
        for keys in [50u64, 1_000, 100_000] {
            let mut state = None;
            g.bench_function(BenchmarkId::new(t.name(), keys), |b| {
                let (rep, rng, v) =
                    state.get_or_insert_with(|| prepared(t.as_ref(), HISTORY, keys, keys));
                b.iter(|| {
                    *v += 1;
                    black_box(rep.put(rng.below(keys), *v));
                    black_box(rep.get(rng.below(keys)))
                })
            });
        }
    }
    g.finish();
}

fn get_after_history(c: &mut Criterion, targets: &[Box<dyn Target>]) {
    let mut g = c.benchmark_group("get_after_history");
    for t in targets {
        for puts in [1_000usize, 10_000, 100_000] {
            let mut state = None;
            g.bench_function(BenchmarkId::new(t.name(), puts), |b| {
                let (rep, rng, _) =
                    state.get_or_insert_with(|| prepared(t.as_ref(), puts, 1_000, 7));
                b.iter(|| black_box(rep.get(rng.below(1_000))))
            });
        }
    }
    g.finish();
}

fn main() {
    with_big_stack(|| {
        let targets = extraction_bench::targets();
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .configure_from_args();
        put_get_mix(&mut c, &targets);
        get_after_history(&mut c, &targets);
        c.final_summary();
    });
}
