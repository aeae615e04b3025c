//! The outer loop's measurement: every closed candidate is extracted and
//! translated to Rust (a store crate), and its throughput steers which
//! candidate is shipped. Two ways to measure it:
//!
//! * [`HarnessBench`] (`synth run --measure`, the default): builds a server
//!   binary for the candidate ([`build_server`]: the `kvstore` CLI with the
//!   candidate registered under its own name) and measures it through the
//!   benchmark harness on a 3-replica loopback cluster with the harness's
//!   short fixed workload ([`bench_harness::feedback::short_fixed_workload`]),
//!   the median of a few repetitions;
//! * [`CrateBench`] (`--measure in-process`): compiles the candidate with a
//!   fixed in-process workload (3 replicas, sessions switching replicas,
//!   every message delivered once its guard holds), no network.

use crate::engine::{extract, Closed, PerfHook};
use crate::oracle::Rocq;
use anyhow::{bail, Context, Result};
use bench_harness::feedback::{measure_store_with, short_fixed_workload, MeasureOptions};
use bench_harness::workload::Workload;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How `synth run --measure` measures closed candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureMode {
    /// Through the benchmark harness: a server binary per candidate on a
    /// loopback cluster ([`HarnessBench`]).
    Harness,
    /// A compiled in-process workload ([`CrateBench`]).
    InProcess,
}

/// Extracts a closed candidate and translates it into a store crate under
/// `work/measure/<id>/store`; returns the id, its folder and the crate.
fn candidate_crate(
    rocq: &Rocq,
    root: &Path,
    work: &Path,
    c: &Closed,
) -> Result<(String, PathBuf, PathBuf)> {
    let id = c.development.candidate.name().replace('/', "_");
    let dir = work.join("measure").join(&id);
    let rocq_dir = dir.join("rocq");
    std::fs::create_dir_all(&rocq_dir)?;
    let dev = rocq_dir.join("Development.v");
    std::fs::write(&dev, &c.source)?;
    extract(rocq, &dev, &rocq_dir)?;
    let json = std::fs::read_to_string(rocq_dir.join("store.json"))?;
    let store_dir = dir.join("store");
    let deps = miniml2rust::gen::Deps::Standalone {
        store_api: root.join("kvstore-runtime/store-api"),
    };
    let (out, label) = (store_dir.clone(), format!("candidate {id}"));
    miniml2rust::with_big_stack(move || {
        miniml2rust::gen::generate_store_crate(&json, &label, "candidate", &out, &deps)
    })
    .map_err(|e| anyhow::anyhow!("translating candidate {id}: {e}"))?;
    Ok((id, dir, store_dir))
}

/// `[a-z0-9-]` only: a store name, package name and file name at once.
pub fn store_name_for(candidate: &str) -> String {
    let mut s: String = candidate
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    s.trim_matches('-').to_string()
}

/// The package name in a crate's `Cargo.toml` (first `name = "..."`).
fn package_name(store_crate: &Path) -> Result<String> {
    let manifest = store_crate.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    text.lines()
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == "name").then(|| v.trim().trim_matches('"').to_string())
        })
        .with_context(|| format!("no package name in {}", manifest.display()))
}

/// Builds a server binary for the store crate `store_crate`: the `kvstore`
/// command line ([`kvstore_runtime::extra_store::run_with_store`]) with its
/// `Algorithm` served as `--store <name>`. The binary's crate is written to
/// `dir` (path dependencies into the workspace at `root`, the workspace's
/// `Cargo.lock`) and built in the workspace's `target/` (release or dev
/// profile), so dependencies already built there are reused. Returns the
/// binary's path.
pub fn build_server(
    root: &Path,
    store_crate: &Path,
    name: &str,
    dir: &Path,
    release: bool,
) -> Result<PathBuf> {
    anyhow::ensure!(
        !name.is_empty() && name == store_name_for(name),
        "store name {name:?}: use lower-case letters, digits and '-'"
    );
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let store_crate = store_crate
        .canonicalize()
        .with_context(|| format!("store crate {}", store_crate.display()))?;
    let package = package_name(&store_crate)?;
    let bin = format!("kvstore-{name}");
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = {bin:?}\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nstore = {{ package = {package:?}, path = {:?} }}\n\
             kvstore-runtime = {{ path = {:?} }}\n\n[workspace]\n",
            store_crate,
            root.join("kvstore-runtime"),
        ),
    )?;
    std::fs::write(
        dir.join("src/main.rs"),
        format!(
            "//! `kvstore` with the store {package} served as `--store {name}`.\n\
             fn main() {{\n    \
             if let Err(e) = kvstore_runtime::extra_store::run_with_store({name:?}, store::Algorithm) {{\n        \
             eprintln!(\"error: {{e:#}}\");\n        std::process::exit(1);\n    }}\n}}\n"
        ),
    )?;
    // The workspace's versions: nothing new to resolve or download.
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        std::fs::write(dir.join("Cargo.lock"), lock)?;
    }
    let target = root.join("target");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target);
    if release {
        cmd.arg("--release");
    }
    let out = cmd.output().context("running cargo")?;
    if !out.status.success() {
        bail!(
            "building the server for {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let path = target
        .join(if release { "release" } else { "debug" })
        .join(&bin);
    anyhow::ensure!(path.exists(), "cargo built no {}", path.display());
    Ok(path)
}

/// One candidate's measurements through the harness.
#[derive(Debug, Clone, Serialize)]
pub struct HarnessMeasurement {
    /// Catalog name of the candidate.
    pub candidate: String,
    /// The store name its server binary serves.
    pub store: String,
    /// Median ops/s over the repetitions (`None`: not measured).
    pub ops_per_s: Option<f64>,
    /// Every repetition's ops/s.
    pub repetitions: Vec<f64>,
    /// Why it could not be measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Measures closed candidates through the benchmark harness: a server
/// binary per candidate ([`build_server`]), a fresh 3-replica loopback
/// cluster per repetition, the short fixed workload, `repetitions` times,
/// candidates interleaved ([`HarnessBench::measure_all`]); the figure is
/// the median.
pub struct HarnessBench {
    rocq: Rocq,
    root: PathBuf,
    work: PathBuf,
    /// The workload (default: the harness's short fixed workload).
    pub workload: Workload,
    /// Repetitions per candidate (default 5).
    pub repetitions: usize,
    /// Build the servers with the release profile (default true).
    pub release: bool,
    /// Every measured candidate, in measuring order.
    pub measured: Vec<HarnessMeasurement>,
}

impl HarnessBench {
    /// `root`: the project root; `work`: scratch folder.
    pub fn new(rocq: Rocq, root: &Path, work: &Path) -> HarnessBench {
        HarnessBench {
            rocq,
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            work: work.to_path_buf(),
            workload: short_fixed_workload(),
            repetitions: 5,
            release: true,
            measured: Vec::new(),
        }
    }

    fn build(&self, c: &Closed, name: &str) -> Result<PathBuf> {
        let (_, dir, store_dir) = candidate_crate(&self.rocq, &self.root, &self.work, c)?;
        build_server(
            &self.root,
            &store_dir,
            name,
            &dir.join("server"),
            self.release,
        )
    }

    /// Builds every candidate's server, then measures them round-robin
    /// (repetition 1 of each, then repetition 2, ...), so that other load
    /// on the machine drifting during the measurement touches every
    /// candidate alike. [`PerfHook::measure`] then answers from these
    /// figures.
    pub fn measure_all(&mut self, closed: &[Closed]) {
        let mut runs: Vec<(HarnessMeasurement, Option<PathBuf>)> = closed
            .iter()
            .map(|c| {
                let candidate = c.development.candidate.name();
                let store = store_name_for(&format!("synth-{candidate}"));
                let (bin, error) = match self.build(c, &store) {
                    Ok(b) => (Some(b), None),
                    Err(e) => {
                        tracing::warn!("could not build {candidate}: {e:#}");
                        (None, Some(format!("{e:#}")))
                    }
                };
                let m = HarnessMeasurement {
                    candidate,
                    store,
                    ops_per_s: None,
                    repetitions: Vec::new(),
                    error,
                };
                (m, bin)
            })
            .collect();
        for _ in 0..self.repetitions.max(1) {
            for (m, bin) in runs.iter_mut() {
                let Some(bin) = bin else { continue };
                match measure_server(bin, &m.store, &self.workload, 1) {
                    Ok(r) => m.repetitions.extend(r),
                    Err(e) => {
                        tracing::warn!("measuring {}: {e:#}", m.candidate);
                        m.error = Some(format!("{e:#}"));
                    }
                }
            }
        }
        for (mut m, _) in runs {
            m.ops_per_s = median(&m.repetitions);
            self.measured.retain(|x| x.candidate != m.candidate);
            self.measured.push(m);
        }
    }
}

/// Runs `workload` `repetitions` times against fresh loopback clusters of
/// the server binary `bin` serving `name`; every repetition's ops/s.
pub fn measure_server(
    bin: &Path,
    name: &str,
    workload: &Workload,
    repetitions: usize,
) -> Result<Vec<f64>> {
    let opts = MeasureOptions {
        kvstore_bin: Some(bin.to_path_buf()),
        ..MeasureOptions::default()
    };
    (0..repetitions.max(1))
        .map(|_| measure_store_with(name, workload, &opts))
        .collect()
}

/// The median of `xs` (`None` when empty).
pub fn median(xs: &[f64]) -> Option<f64> {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

impl PerfHook for HarnessBench {
    /// The figure of [`HarnessBench::measure_all`], or measures `c` alone.
    fn measure(&mut self, c: &Closed) -> Option<f64> {
        let candidate = c.development.candidate.name();
        if !self.measured.iter().any(|m| m.candidate == candidate) {
            self.measure_all(std::slice::from_ref(c));
        }
        self.measured
            .iter()
            .find(|m| m.candidate == candidate)
            .and_then(|m| m.ops_per_s)
    }
}

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
        let (id, dir, store_dir) = candidate_crate(&self.rocq, &self.root, &self.work, c)?;
        let api = self.root.join("kvstore-runtime/store-api");
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
