//! The outer loop's measurement: every closed candidate is extracted,
//! translated to Rust, compiled with a fixed in-process workload (3 replicas,
//! sessions switching replicas, every message delivered once its guard
//! holds), and its throughput steers which candidate is shipped.

use crate::engine::{extract, Closed, PerfHook};
use crate::oracle::Rocq;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixed workload, as the `main.rs` of the measuring crate. It is
/// generic over any `kv_store_api::Store<u64, u64>`.
const DRIVER: &str = r#"
use kv_store_api::Store;
use std::collections::VecDeque;
use std::time::Instant;

fn main() {
    run(STORE);
}

fn run<S: Store<u64, u64>>(store: S) {
    let n: u64 = 3;
    let ops: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let keys: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let mut reps: Vec<_> = (0..n).map(|r| store.init(n, r)).collect();
    let mut toks: Vec<_> = (0..4).map(|_| store.initial_token(n)).collect();
    let mut inbox: Vec<VecDeque<_>> = (0..n).map(|_| VecDeque::new()).collect();
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut next = || { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; seed };
    let deliver = |reps: &mut Vec<S::State>, inbox: &mut Vec<VecDeque<S::Msg>>| {
        for j in 0..reps.len() {
            let mut progress = true;
            while progress {
                progress = false;
                for _ in 0..inbox[j].len() {
                    let m = inbox[j].pop_front().unwrap();
                    if store.deliverable(&reps[j], &m) { store.apply(&mut reps[j], m); progress = true; }
                    else { inbox[j].push_back(m); }
                }
            }
        }
    };
    let start = Instant::now();
    let mut done = 0u64;
    let mut value = 0u64;
    while done < ops {
        let x = next();
        let s = (x % 4) as usize;
        let r = ((x >> 8) % n) as usize;
        let k = (x >> 16) % keys;
        let is_put = (x >> 32) % 2 == 0;
        loop {
            if is_put {
                value += 1;
                if let Some((t, m)) = store.put(&mut reps[r], &toks[s], k, value) {
                    toks[s] = t;
                    for j in 0..n as usize { if j != r { inbox[j].push_back(m.clone()); } }
                    break;
                }
            } else if let Some((v, t)) = store.get(&reps[r], &toks[s], &k) {
                toks[s] = t;
                std::hint::black_box(v);
                break;
            }
            deliver(&mut reps, &mut inbox);
        }
        done += 1;
        if done % 64 == 0 { deliver(&mut reps, &mut inbox); }
    }
    deliver(&mut reps, &mut inbox);
    let secs = start.elapsed().as_secs_f64();
    println!("ops_per_s {}", ops as f64 / secs);
}
"#;

/// Measures closed candidates by compiling them with the fixed workload.
pub struct CrateBench {
    rocq: Rocq,
    root: PathBuf,
    work: PathBuf,
    ops: u64,
    keys: u64,
}

impl CrateBench {
    /// `root`: the project root; `work`: scratch folder; the workload runs
    /// `ops` operations (half puts) over `keys` uniform keys.
    pub fn new(rocq: Rocq, root: &Path, work: &Path, ops: u64, keys: u64) -> CrateBench {
        CrateBench {
            rocq,
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            work: work.to_path_buf(),
            ops,
            keys,
        }
    }

    fn try_measure(&self, c: &Closed) -> Result<f64> {
        let id = c.development.candidate.name().replace('/', "_");
        let dir = self.work.join("measure").join(&id);
        let rocq_dir = dir.join("rocq");
        std::fs::create_dir_all(&rocq_dir)?;
        let dev = rocq_dir.join("Development.v");
        std::fs::write(&dev, &c.source)?;
        extract(&self.rocq, &dev, &rocq_dir)?;
        let json = std::fs::read_to_string(rocq_dir.join("store.json"))?;
        let store_dir = dir.join("store");
        let api = self.root.join("kvstore-runtime/store-api");
        let deps = miniml2rust::gen::Deps::Standalone {
            store_api: api.clone(),
        };
        let (out, label) = (store_dir.clone(), format!("candidate {id}"));
        miniml2rust::with_big_stack(move || {
            miniml2rust::gen::generate_store_crate(&json, &label, "candidate", &out, &deps)
        })
        .map_err(|e| anyhow::anyhow!("translating candidate {id}: {e}"))?;
        let driver = dir.join("driver");
        std::fs::create_dir_all(driver.join("src"))?;
        std::fs::write(
            driver.join("Cargo.toml"),
            format!(
                "[package]\nname = \"synth-measure\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nstore-candidate = {{ path = {:?} }}\nkv-store-api = {{ path = {:?} }}\n\n[workspace]\n",
                store_dir, api
            ),
        )?;
        std::fs::write(
            driver.join("src/main.rs"),
            DRIVER.replace("STORE", "store_candidate::Algorithm"),
        )?;
        let target = self.root.join("target/synth-measure");
        let out = Command::new("cargo")
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(driver.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .context("running cargo")?;
        if !out.status.success() {
            bail!(
                "building candidate {id}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let run = Command::new(target.join("release/synth-measure"))
            .arg(self.ops.to_string())
            .arg(self.keys.to_string())
            .output()
            .context("running the measuring binary")?;
        let text = String::from_utf8_lossy(&run.stdout);
        text.lines()
            .find_map(|l| {
                l.strip_prefix("ops_per_s ")
                    .and_then(|x| x.trim().parse().ok())
            })
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "candidate {id} printed no measurement: {text} {}",
                    String::from_utf8_lossy(&run.stderr)
                )
            })
    }
}

impl PerfHook for CrateBench {
    fn measure(&mut self, c: &Closed) -> Option<f64> {
        match self.try_measure(c) {
            Ok(x) => Some(x),
            Err(e) => {
                tracing::warn!(
                    "could not measure {}: {e:#}",
                    c.development.candidate.name()
                );
                None
            }
        }
    }
}
