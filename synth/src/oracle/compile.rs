//! Compiling a development prefix to a `.vo` so later checks can `Require` it.

use super::error::{OracleError, Result};
use super::process;
use super::rocq::{LoadPath, Rocq};
use super::run::{validate_name, verdict_from, CheckOptions};
use super::stats::CallKind;
use super::verdict::Verdict;
use std::path::{Path, PathBuf};

/// A compiled module.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Rocq's verdict on the file; the `.vo` exists only when `verdict.ok`.
    pub verdict: Verdict,
    /// Path of the produced `.vo`.
    pub vo: PathBuf,
    /// Directory holding it (give it to [`Rocq::with_load_path`] with `logical`).
    pub dir: PathBuf,
    /// Logical prefix it was compiled under.
    pub logical: String,
    /// Full module name to `Require`, e.g. `Dev.Prefix`.
    pub module: String,
}

impl Rocq {
    /// Compiles the `.v` file at `source_path` into `out_dir` under the logical
    /// prefix `logical` (the file is copied there first when it lives
    /// elsewhere). Afterwards, a checker made with
    /// `rocq.clone().with_load_path(logical, out_dir)` can
    /// `Require Import <logical>.<Stem>.` Compilations are never memoised, but
    /// the memo keys of later checks include the `.vo` files of their load
    /// paths, so recompiling invalidates stale entries.
    pub fn compile_to(
        &self,
        source_path: &Path,
        out_dir: &Path,
        logical: &str,
    ) -> Result<Compiled> {
        let stem = source_path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| OracleError::InvalidName(source_path.display().to_string()))?;
        let stem = validate_name(stem)?.to_string();
        let source = std::fs::read_to_string(source_path)
            .map_err(|e| OracleError::io(format!("reading {}", source_path.display()), e))?;
        self.compile_source_to(&stem, &source, out_dir, logical)
    }

    /// Writes `source` to `out_dir/<name>.v` and compiles it as
    /// [`Rocq::compile_to`] does.
    pub fn compile_source_to(
        &self,
        name: &str,
        source: &str,
        out_dir: &Path,
        logical: &str,
    ) -> Result<Compiled> {
        validate_name(name)?;
        std::fs::create_dir_all(out_dir)
            .map_err(|e| OracleError::io(format!("creating {}", out_dir.display()), e))?;
        let out_dir = out_dir
            .canonicalize()
            .map_err(|e| OracleError::io(format!("resolving {}", out_dir.display()), e))?;
        let file = format!("{name}.v");
        std::fs::write(out_dir.join(&file), source)
            .map_err(|e| OracleError::io("writing the source to compile", e))?;
        let own = LoadPath {
            logical: logical.to_string(),
            physical: out_dir.clone(),
        };
        let extra: Vec<LoadPath> = if self.load_paths.contains(&own) {
            vec![]
        } else {
            vec![own]
        };
        let mut cmd = self.command(&extra);
        cmd.arg(&file);
        let capture = self.scratch_dir()?;
        tracing::debug!(%name, dir = %out_dir.display(), "compiling");
        let output = process::run(cmd, &out_dir, capture.path(), self.default_timeout)?;
        let verdict = verdict_from(&output, source);
        let key = self.cache_key(source, &CheckOptions::named(name));
        self.record(CallKind::Compile, name, &key, &verdict, false);
        let module = if logical.is_empty() {
            name.to_string()
        } else {
            format!("{logical}.{name}")
        };
        Ok(Compiled {
            verdict,
            vo: out_dir.join(format!("{name}.vo")),
            dir: out_dir,
            logical: logical.to_string(),
            module,
        })
    }
}
