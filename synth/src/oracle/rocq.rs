//! The handle on a Rocq installation: detection, load paths, configuration.

use super::error::{OracleError, Result};
use super::run::Memo;
use super::stats::{EventLogger, OracleEvent, OracleStats};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which command-line interface the checker binary has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `coqc file.v` (Coq up to 8.20, Debian's `coq` package).
    Coqc,
    /// `rocq compile file.v` (Rocq 9 and later).
    RocqCompile,
}

/// A `-Q physical logical` mapping given to every checker call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadPath {
    /// Logical prefix, e.g. `KV` (may be empty for top-level modules).
    pub logical: String,
    /// Directory holding the compiled `.vo` files.
    pub physical: PathBuf,
}

/// Default per-call time budget.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Counters and memo table shared by a [`Rocq`] and its clones.
#[derive(Default)]
pub(crate) struct Shared {
    pub memo: Mutex<Memo>,
    pub stats: Mutex<OracleStats>,
}

/// Driver of a Rocq (or Coq) checker. Cheap to clone; clones share the memo
/// table and the [`OracleStats`]. All methods take `&self` and are thread-safe.
#[derive(Clone)]
pub struct Rocq {
    pub(crate) program: PathBuf,
    pub(crate) flavor: Flavor,
    pub(crate) version: String,
    pub(crate) load_paths: Vec<LoadPath>,
    pub(crate) default_timeout: Duration,
    pub(crate) parallelism: usize,
    pub(crate) work_root: Option<PathBuf>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) logger: Option<EventLogger>,
}

impl std::fmt::Debug for Rocq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rocq")
            .field("program", &self.program)
            .field("flavor", &self.flavor)
            .field("version", &self.version)
            .field("load_paths", &self.load_paths)
            .field("default_timeout", &self.default_timeout)
            .field("parallelism", &self.parallelism)
            .finish_non_exhaustive()
    }
}

impl Rocq {
    /// Finds a checker on `PATH`: `rocq` (used as `rocq compile`) if present,
    /// else `coqc`. Fails with [`OracleError::NotFound`] when neither exists.
    pub fn detect() -> Result<Rocq> {
        let found = find_on_path("rocq")
            .map(|p| (p, Flavor::RocqCompile))
            .or_else(|| find_on_path("coqc").map(|p| (p, Flavor::Coqc)));
        let (program, flavor) = found.ok_or(OracleError::NotFound)?;
        Rocq::with_program(program, flavor)
    }

    /// Uses the given checker binary, asking it for its version.
    pub fn with_program(program: impl Into<PathBuf>, flavor: Flavor) -> Result<Rocq> {
        let program = program.into();
        let version = query_version(&program)?;
        tracing::info!(program = %program.display(), %version, ?flavor, "Rocq checker found");
        Ok(Rocq {
            program,
            flavor,
            version,
            load_paths: Vec::new(),
            default_timeout: DEFAULT_TIMEOUT,
            parallelism: std::thread::available_parallelism().map_or(1, |n| n.get()),
            work_root: None,
            shared: Arc::default(),
            logger: None,
        })
    }

    /// Adds `-Q physical logical`, so checked sources can
    /// `Require Import logical.Module`. A relative `physical` is resolved
    /// against the current directory now (checks run in scratch directories).
    pub fn with_load_path(mut self, logical: &str, physical: &Path) -> Rocq {
        let physical = std::path::absolute(physical).unwrap_or_else(|_| physical.to_path_buf());
        self.load_paths.push(LoadPath {
            logical: logical.to_string(),
            physical,
        });
        self
    }

    /// Sets the time budget of calls that do not give their own.
    pub fn with_timeout(mut self, timeout: Duration) -> Rocq {
        self.default_timeout = timeout;
        self
    }

    /// Sets how many checker processes [`Rocq::check_many`] runs at once
    /// (default: number of cores; at least 1).
    pub fn with_parallelism(mut self, jobs: usize) -> Rocq {
        self.parallelism = jobs.max(1);
        self
    }

    /// Creates the per-call scratch directories under `dir` instead of the
    /// system temporary directory.
    pub fn with_work_dir(mut self, dir: &Path) -> Rocq {
        self.work_root = Some(dir.to_path_buf());
        self
    }

    /// Calls `logger` after every request (cache hits included).
    pub fn with_logger(mut self, logger: impl Fn(&OracleEvent) + Send + Sync + 'static) -> Rocq {
        self.logger = Some(Arc::new(logger));
        self
    }

    /// Version string reported by the checker, e.g. `8.16.1`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Path of the checker binary.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Command-line flavour of the checker.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The `-Q` mappings passed to every call.
    pub fn load_paths(&self) -> &[LoadPath] {
        &self.load_paths
    }

    /// Snapshot of the shared counters.
    pub fn stats(&self) -> OracleStats {
        *self.shared.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets every memoised result (the counters are kept).
    pub fn clear_cache(&self) {
        self.shared
            .memo
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The command prefix (`coqc` or `rocq compile`) plus `-q` and the load paths.
    pub(crate) fn command(&self, extra_paths: &[LoadPath]) -> Command {
        let mut cmd = Command::new(&self.program);
        if self.flavor == Flavor::RocqCompile {
            cmd.arg("compile");
        }
        cmd.arg("-q");
        for lp in self.load_paths.iter().chain(extra_paths) {
            cmd.arg("-Q").arg(&lp.physical).arg(&lp.logical);
        }
        cmd
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn query_version(program: &Path) -> Result<String> {
    let err = |reason: String| OracleError::Version {
        program: program.display().to_string(),
        reason,
    };
    let out = Command::new(program)
        .arg("--version")
        .output()
        .map_err(|e| err(e.to_string()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_version(&text).ok_or_else(|| err(format!("unexpected output {:?}", text.trim())))
}

/// Extracts `8.16.1` from `The Coq Proof Assistant, version 8.16.1 ...`.
fn parse_version(text: &str) -> Option<String> {
    let (_, rest) = text.lines().next()?.split_once("version ")?;
    let v = rest.split_whitespace().next()?;
    Some(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(
            parse_version("The Coq Proof Assistant, version 8.16.1\ncompiled with OCaml 4.13.1\n"),
            Some("8.16.1".to_string())
        );
        assert_eq!(
            parse_version("The Rocq Prover, version 9.0.0\n"),
            Some("9.0.0".to_string())
        );
        assert_eq!(parse_version("garbage"), None);
    }

    #[test]
    fn detect_reports_version_when_installed() {
        match Rocq::detect() {
            Ok(r) => {
                assert!(r.version().chars().next().unwrap().is_ascii_digit());
                assert!(r.parallelism >= 1);
                let r = r.with_load_path("KV", Path::new("rel/theories"));
                let lp = &r.load_paths()[0];
                assert!(lp.physical.is_absolute() && lp.physical.ends_with("rel/theories"));
            }
            Err(e) => {
                assert!(matches!(e, OracleError::NotFound), "{e}");
                eprintln!("notice: no Rocq/Coq installed, skipping: {e}");
            }
        }
    }
}
