//! Checking many sources at once, at most `parallelism` checkers at a time.

use super::error::Result;
use super::rocq::Rocq;
use super::run::CheckOptions;
use super::verdict::Verdict;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One source to check in a [`Rocq::check_many`] batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The Rocq source.
    pub source: String,
    /// Its options (name, timeout, caching).
    pub options: CheckOptions,
}

impl Job {
    /// A job with default options.
    pub fn new(source: impl Into<String>) -> Job {
        Job {
            source: source.into(),
            options: CheckOptions::default(),
        }
    }
}

impl Rocq {
    /// Checks every job, running at most [`Rocq::with_parallelism`] checkers
    /// at once (default: number of cores). Results are in input order.
    /// Identical cacheable jobs of the batch run once; the repeats are counted
    /// as cache hits.
    pub fn check_many(&self, jobs: Vec<Job>) -> Vec<Result<Verdict>> {
        // Deduplicate identical cacheable jobs: `first[k]` is the job that runs.
        let mut first: HashMap<String, usize> = HashMap::new();
        let mut runs: Vec<usize> = Vec::new();
        let mut origin: Vec<usize> = Vec::with_capacity(jobs.len());
        for (i, job) in jobs.iter().enumerate() {
            if job.options.use_cache {
                let key = self.cache_key(&job.source, &job.options);
                let owner = *first.entry(key).or_insert(i);
                if owner == i {
                    runs.push(i);
                }
                origin.push(owner);
            } else {
                runs.push(i);
                origin.push(i);
            }
        }
        let results: Mutex<Vec<Option<Result<Verdict>>>> =
            Mutex::new((0..jobs.len()).map(|_| None).collect());
        let next = AtomicUsize::new(0);
        let workers = self.parallelism.min(runs.len());
        tracing::debug!(
            jobs = jobs.len(),
            distinct = runs.len(),
            workers,
            "check_many"
        );
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&i) = runs.get(n) else { break };
                    let verdict = self.check(&jobs[i].source, &jobs[i].options);
                    results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(verdict);
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        for (i, &owner) in origin.iter().enumerate() {
            if owner == i {
                continue;
            }
            // Identical to job `owner`: a successful run is in the memo table
            // (the hit is counted and logged); a timeout or oracle failure,
            // which is never memoised, is reported as is.
            results[i] = match &results[owner] {
                Some(Ok(v)) if !v.timed_out => Some(self.check(&jobs[i].source, &jobs[i].options)),
                other => other.clone(),
            };
        }
        results
            .into_iter()
            .map(|r| r.expect("every job has a result"))
            .collect()
    }
}
