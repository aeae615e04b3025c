//! Differential testing: the same scripts through the Rust crate and the
//! OCaml reference, outputs compared line by line.

use crate::gen::{GenConfig, Rng};
use crate::ocaml::OcamlDriver;
use crate::registry::Runner;
use crate::script::{print_batch, render_into, render_outcomes, split_output, Op, Script};
use anyhow::Result;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A script on which the two extractions disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// Store name.
    pub store: String,
    /// The script.
    pub script: Script,
    /// Output lines of the Rust interpreter.
    pub rust: Vec<String>,
    /// Output lines of the OCaml driver (missing lines are absent).
    pub ocaml: Vec<String>,
}

impl Divergence {
    /// Index of the first differing output line (0 is the `reset` echo).
    pub fn first_difference(&self) -> usize {
        (0..self.rust.len().max(self.ocaml.len()))
            .find(|&i| self.rust.get(i) != self.ocaml.get(i))
            .unwrap_or(0)
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.first_difference();
        writeln!(
            f,
            "store {}: Rust and OCaml extractions diverge at output line {d} of this {}-op script:",
            self.store,
            self.script.ops.len()
        )?;
        let input: Vec<String> = self
            .script
            .to_string()
            .lines()
            .map(str::to_string)
            .collect();
        for i in 0..input.len().max(self.rust.len()).max(self.ocaml.len()) {
            let get = |v: &Vec<String>| v.get(i).cloned().unwrap_or_else(|| "<missing>".into());
            let mark = if self.rust.get(i) != self.ocaml.get(i) {
                "  <-- differs"
            } else {
                ""
            };
            writeln!(
                f,
                "  {:<18} | rust: {:<18} | ocaml: {}{mark}",
                get(&input),
                get(&self.rust),
                get(&self.ocaml)
            )?;
        }
        Ok(())
    }
}

/// Compare the Rust outputs of `scripts` with the OCaml driver's `ocaml_out`
/// (the text it printed for the whole batch). Returns every divergence.
pub fn compare(
    store: &str,
    scripts: &[Script],
    rust: &[Vec<String>],
    ocaml_out: &str,
) -> Vec<Divergence> {
    let ocaml = split_output(ocaml_out);
    let mut divs = Vec::new();
    for (i, sc) in scripts.iter().enumerate() {
        let o = ocaml.get(i).cloned().unwrap_or_default();
        if rust[i] != o {
            divs.push(Divergence {
                store: store.to_string(),
                script: sc.clone(),
                rust: rust[i].clone(),
                ocaml: o,
            });
        }
    }
    // Extra OCaml output (more scripts than sent) is a divergence too.
    if ocaml.len() > scripts.len() {
        divs.push(Divergence {
            store: store.to_string(),
            script: Script {
                replicas: 0,
                ops: Vec::new(),
            },
            rust: Vec::new(),
            ocaml: ocaml[scripts.len()..].concat(),
        });
    }
    divs
}

/// [`compare`] for a Rust output given as one text (as printed by the
/// `run` command): equal texts are accepted without splitting them.
pub fn compare_text(
    store: &str,
    scripts: &[Script],
    rust: &str,
    ocaml_out: &str,
) -> Vec<Divergence> {
    if rust == ocaml_out {
        return Vec::new();
    }
    compare(store, scripts, &split_output(rust), ocaml_out)
}

/// The divergence with the shortest script.
pub fn shortest(divs: &[Divergence]) -> Option<&Divergence> {
    divs.iter()
        .min_by_key(|d| (d.script.ops.len(), d.first_difference()))
}

/// Run `scripts` through both sides; the divergences.
pub fn check_batch(
    runner: &dyn Runner,
    driver: &OcamlDriver,
    scripts: &[Script],
) -> Result<Vec<Divergence>> {
    let rust: Vec<Vec<String>> = scripts
        .iter()
        .map(|s| render_outcomes(s.replicas, &runner.run(s)))
        .collect();
    let out = driver.run(&print_batch(scripts))?;
    Ok(compare(runner.name(), scripts, &rust, &out))
}

/// Shrink a diverging script: repeatedly drop single operations (all
/// one-op-shorter variants are checked in one OCaml run) while the two
/// sides still disagree. Returns the smallest diverging script found.
pub fn shrink(runner: &dyn Runner, driver: &OcamlDriver, div: Divergence) -> Result<Divergence> {
    let mut best = div;
    loop {
        let ops: &[Op] = &best.script.ops;
        let variants: Vec<Script> = (0..ops.len())
            .map(|i| Script {
                replicas: best.script.replicas,
                ops: ops
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, o)| *o)
                    .collect(),
            })
            .collect();
        if variants.is_empty() {
            return Ok(best);
        }
        match shortest(&check_batch(runner, driver, &variants)?) {
            Some(d) if d.script.ops.len() < best.script.ops.len() => best = d.clone(),
            _ => return Ok(best),
        }
    }
}

/// Settings of a differential run.
#[derive(Debug, Clone)]
pub struct DiffConfig {
    /// Scripts per store.
    pub scripts_per_store: usize,
    /// Scripts per OCaml process.
    pub batch: usize,
    /// Base seed (batch `b` of store `s` uses a seed derived from it).
    pub seed: u64,
    /// Worker threads (each runs one batch at a time: Rust, then OCaml).
    pub threads: usize,
    /// Script generator settings.
    pub gen: GenConfig,
}

impl Default for DiffConfig {
    fn default() -> Self {
        DiffConfig {
            scripts_per_store: 100_000,
            batch: 5_000,
            seed: 0x5eed,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            gen: GenConfig::default(),
        }
    }
}

/// Per-store summary of a differential run.
#[derive(Debug, Clone)]
pub struct StoreReport {
    /// Store name.
    pub store: String,
    /// Scripts run through both sides.
    pub scripts: usize,
    /// Operations in those scripts.
    pub ops: usize,
    /// Divergences found (the shortest script first, shrunk).
    pub divergences: Vec<Divergence>,
}

/// Seed of batch `b` of the store at position `s`.
pub fn batch_seed(base: u64, s: usize, b: usize) -> u64 {
    let mut r = Rng::new(base ^ ((s as u64) << 32) ^ b as u64);
    r.next_u64()
}

/// Generate `count` scripts for `runner` from `seed`: the scripts and the
/// Rust output of the whole batch.
pub fn generate_batch(
    runner: &dyn Runner,
    cfg: &DiffConfig,
    seed: u64,
    count: usize,
) -> (Vec<Script>, String) {
    let mut rng = Rng::new(seed);
    let mut text = String::new();
    let scripts = (0..count)
        .map(|_| {
            let (s, o) = runner.generate(&cfg.gen, &mut rng);
            render_into(&mut text, s.replicas, &o);
            s
        })
        .collect();
    (scripts, text)
}

/// Run the differential test on every `(runner, driver)` pair. Batches are
/// spread over `cfg.threads` workers; the first divergence of a store
/// stops that store's remaining batches and is shrunk.
pub fn run(
    pairs: &[(&dyn Runner, &OcamlDriver)],
    cfg: &DiffConfig,
) -> Result<(Vec<StoreReport>, Duration)> {
    let t0 = Instant::now();
    let per_store = cfg.scripts_per_store.div_ceil(cfg.batch.max(1));
    let jobs: Vec<(usize, usize)> = (0..per_store)
        .flat_map(|b| (0..pairs.len()).map(move |s| (s, b)))
        .collect();
    let next = AtomicUsize::new(0);
    let reports: Vec<Mutex<StoreReport>> = pairs
        .iter()
        .map(|(r, _)| {
            Mutex::new(StoreReport {
                store: r.name().to_string(),
                scripts: 0,
                ops: 0,
                divergences: Vec::new(),
            })
        })
        .collect();
    let error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|sc| {
        for _ in 0..cfg.threads.max(1) {
            sc.spawn(|| loop {
                let j = next.fetch_add(1, Ordering::SeqCst);
                let Some(&(s, b)) = jobs.get(j) else { break };
                if error.lock().expect("no panics while locked").is_some() {
                    break;
                }
                if !reports[s]
                    .lock()
                    .expect("no panics while locked")
                    .divergences
                    .is_empty()
                {
                    continue;
                }
                let (runner, driver) = pairs[s];
                let count = cfg.batch.min(cfg.scripts_per_store - b * cfg.batch);
                let (scripts, rust) =
                    generate_batch(runner, cfg, batch_seed(cfg.seed, s, b), count);
                let result = driver
                    .run(&print_batch(&scripts))
                    .map(|out| compare_text(runner.name(), &scripts, &rust, &out));
                match result {
                    Err(e) => {
                        *error.lock().expect("no panics while locked") = Some(e);
                        break;
                    }
                    Ok(divs) => {
                        let mut rep = reports[s].lock().expect("no panics while locked");
                        rep.scripts += count;
                        rep.ops += scripts.iter().map(|s| s.ops.len()).sum::<usize>();
                        if let Some(d) = shortest(&divs) {
                            let d = shrink(runner, driver, d.clone()).unwrap_or_else(|_| d.clone());
                            rep.divergences.push(d);
                            rep.divergences.extend(divs);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().expect("no panics while locked") {
        return Err(e);
    }
    let reports = reports
        .into_iter()
        .map(|m| m.into_inner().expect("no panics while locked"))
        .collect();
    Ok((reports, t0.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{Op, Outcome};

    fn script(n: usize) -> Script {
        Script {
            replicas: 3,
            ops: (0..n)
                .map(|i| Op::Get {
                    replica: 0,
                    session: 0,
                    key: i as u64,
                })
                .collect(),
        }
    }

    #[test]
    fn identical_outputs_have_no_divergence_and_altered_ones_do() {
        let scripts = vec![script(3), script(1), script(2)];
        let rust: Vec<Vec<String>> = scripts
            .iter()
            .map(|s| render_outcomes(3, &vec![Outcome::Get(Some(None)); s.ops.len()]))
            .collect();
        let same = rust.concat().join("\n") + "\n";
        assert!(compare("x", &scripts, &rust, &same).is_empty());
        assert!(compare_text("x", &scripts, &same, &same).is_empty());

        // Alter one line of the first and of the third script.
        let altered = same.replacen("get none", "get value 1", 1).replace(
            "reset 3\nget none\nget none\n",
            "reset 3\nget none\nget blocked\n",
        );
        let divs = compare("x", &scripts, &rust, &altered);
        assert_eq!(divs.len(), 2, "{altered}");
        assert_eq!(compare_text("x", &scripts, &same, &altered), divs);
        let s = shortest(&divs).unwrap();
        assert_eq!(s.script.ops.len(), 2);
        assert_eq!(s.first_difference(), 2);
        assert!(s.to_string().contains("<-- differs"));

        // Truncated OCaml output: the missing scripts diverge.
        let cut: String = same.lines().take(4).map(|l| format!("{l}\n")).collect();
        assert_eq!(compare("x", &scripts, &rust, &cut).len(), 2);
        // Extra OCaml output diverges too.
        let extra = format!("{same}reset 3\n");
        assert_eq!(compare("x", &scripts, &rust, &extra).len(), 1);
    }
}
