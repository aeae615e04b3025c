//! The core request: check one source (memoised, timed, counted, logged).

use super::error::{OracleError, Result};
use super::process::{self, ProcessOutput};
use super::rocq::Rocq;
use super::sentences::admitted_names;
use super::stats::{CallKind, OracleEvent};
use super::verdict::{parse_errors, RocqError, Verdict};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

/// Options of one [`Rocq::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// Module (file) name, e.g. `Candidate`; by default derived from the hash.
    /// Must be a valid Rocq module name: `[A-Za-z][A-Za-z0-9_]*`.
    pub name: Option<String>,
    /// Time budget; by default the [`Rocq`]'s (see [`Rocq::with_timeout`]).
    pub timeout: Option<Duration>,
    /// Answer from / store into the memo table (default true). Timed-out runs
    /// are never stored.
    pub use_cache: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            name: None,
            timeout: None,
            use_cache: true,
        }
    }
}

impl CheckOptions {
    /// Options with the given module name.
    pub fn named(name: &str) -> CheckOptions {
        CheckOptions {
            name: Some(name.to_string()),
            ..CheckOptions::default()
        }
    }

    /// The same options with a time budget.
    pub fn timeout(mut self, timeout: Duration) -> CheckOptions {
        self.timeout = Some(timeout);
        self
    }
}

/// A finished run: the verdict plus the files written by `Redirect "x" ...`.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub verdict: Verdict,
    /// `x` -> contents of `x.out`, for the redirect names asked for.
    pub redirects: BTreeMap<String, String>,
}

/// Memo table: request key -> finished run.
pub(crate) type Memo = HashMap<String, Run>;

/// An internal request.
pub(crate) struct Request<'a> {
    pub kind: CallKind,
    pub source: &'a str,
    pub options: &'a CheckOptions,
    /// Names `x` of `Redirect "x"` commands whose output must be collected.
    pub redirects: &'a [String],
}

impl Rocq {
    /// Checks `source` with the configured load paths and returns Rocq's
    /// verdict. A rejection by Rocq is an `Ok` verdict with `ok == false`; `Err`
    /// means the oracle itself failed (I/O, invalid module name).
    pub fn check(&self, source: &str, opts: &CheckOptions) -> Result<Verdict> {
        let req = Request {
            kind: CallKind::Check,
            source,
            options: opts,
            redirects: &[],
        };
        Ok(self.run_request(&req)?.verdict)
    }

    /// Memo key of `source` checked under `opts` with the current load paths
    /// (hex sha256 over checker, module name, load paths with the size and
    /// modification time of their `.vo` files, and the source).
    pub fn cache_key(&self, source: &str, opts: &CheckOptions) -> String {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(self.program.as_os_str().as_encoded_bytes());
        field(self.version.as_bytes());
        field(opts.name.as_deref().unwrap_or("").as_bytes());
        for lp in &self.load_paths {
            field(lp.logical.as_bytes());
            field(lp.physical.as_os_str().as_encoded_bytes());
            field(vo_fingerprint(&lp.physical).as_bytes());
        }
        field(source.as_bytes());
        hex(&h.finalize())
    }

    pub(crate) fn run_request(&self, req: &Request<'_>) -> Result<Run> {
        let key = self.cache_key(req.source, req.options);
        let name = match &req.options.name {
            Some(n) => validate_name(n)?.to_string(),
            None => format!("Synth_{}", &key[..16]),
        };
        if req.options.use_cache {
            let hit = self
                .shared
                .memo
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .cloned();
            if let Some(run) = hit {
                tracing::debug!(%name, %key, "oracle cache hit");
                self.record(req.kind, &name, &key, &run.verdict, true);
                return Ok(run);
            }
        }
        let dir = self.scratch_dir()?;
        let file = format!("{name}.v");
        std::fs::write(dir.path().join(&file), req.source)
            .map_err(|e| OracleError::io("writing the source to check", e))?;
        let mut cmd = self.command(&[]);
        cmd.arg(&file);
        let timeout = req.options.timeout.unwrap_or(self.default_timeout);
        tracing::debug!(%name, ?timeout, "running the checker");
        let output = process::run(cmd, dir.path(), dir.path(), timeout)?;
        let verdict = verdict_from(&output, req.source);
        let mut redirects = BTreeMap::new();
        for r in req.redirects {
            if let Ok(text) = std::fs::read_to_string(dir.path().join(format!("{r}.out"))) {
                redirects.insert(r.clone(), text);
            }
        }
        let run = Run { verdict, redirects };
        if req.options.use_cache && !run.verdict.timed_out {
            self.shared
                .memo
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key.clone(), run.clone());
        }
        self.record(req.kind, &name, &key, &run.verdict, false);
        Ok(run)
    }

    pub(crate) fn scratch_dir(&self) -> Result<tempfile::TempDir> {
        let mut b = tempfile::Builder::new();
        b.prefix("synth-oracle-");
        match &self.work_root {
            Some(root) => {
                std::fs::create_dir_all(root)
                    .map_err(|e| OracleError::io("creating the oracle work directory", e))?;
                b.tempdir_in(root)
            }
            None => b.tempdir(),
        }
        .map_err(|e| OracleError::io("creating a scratch directory", e))
    }

    /// Updates the counters and calls the logger.
    pub(crate) fn record(&self, kind: CallKind, name: &str, key: &str, v: &Verdict, cached: bool) {
        {
            let mut s = self.shared.stats.lock().unwrap_or_else(|p| p.into_inner());
            s.calls += 1;
            if cached {
                s.cache_hits += 1;
            } else {
                s.total_time += v.elapsed;
                if v.timed_out {
                    s.timeouts += 1;
                }
            }
        }
        if let Some(log) = &self.logger {
            log(&OracleEvent {
                kind,
                name: name.to_string(),
                key: key.to_string(),
                cached,
                ok: v.ok,
                timed_out: v.timed_out,
                errors: v.errors.len(),
                admitted: v.admitted.len(),
                elapsed_ms: if cached {
                    0
                } else {
                    v.elapsed.as_millis() as u64
                },
            });
        }
    }
}

/// Builds the verdict of a finished checker process on `source`.
pub(crate) fn verdict_from(output: &ProcessOutput, source: &str) -> Verdict {
    let ok = output.code == Some(0) && !output.timed_out;
    let mut errors = parse_errors(&output.stderr, source);
    if errors.is_empty() && !ok && !output.timed_out {
        errors = parse_errors(&output.stdout, source);
    }
    if errors.is_empty() && !ok && !output.timed_out {
        // Rejected without a parsable report: keep what it said.
        let tail: Vec<&str> = output.stderr.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        errors.push(RocqError {
            line: 0,
            char_start: 0,
            char_end: 0,
            message: format!("checker exited with {:?}: {}", output.code, tail.join("\n")),
            snippet: String::new(),
        });
    }
    Verdict {
        ok,
        timed_out: output.timed_out,
        errors,
        admitted: admitted_names(source),
        stdout: output.stdout.clone(),
        stderr: output.stderr.clone(),
        elapsed: output.elapsed,
    }
}

/// Accepts `[A-Za-z][A-Za-z0-9_]*` (a valid module and file name).
pub(crate) fn validate_name(name: &str) -> Result<&str> {
    let mut chars = name.chars();
    let good = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if good {
        Ok(name)
    } else {
        Err(OracleError::InvalidName(name.to_string()))
    }
}

/// Sizes and modification times of the `.vo` files under `dir`, so that a
/// recompiled dependency changes the memo key.
fn vo_fingerprint(dir: &Path) -> String {
    let mut entries = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in read.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "vo") {
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                entries.push(format!("{}:{}:{}", path.display(), meta.len(), mtime));
            }
        }
    }
    entries.sort();
    entries.join("\n")
}

/// Lower-case hex encoding.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert!(validate_name("Candidate_3").is_ok());
        assert!(validate_name("3x").is_err());
        assert!(validate_name("a-b").is_err());
        assert!(validate_name("").is_err());
    }

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
