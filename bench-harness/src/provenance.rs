//! Where a measurement comes from: the exact command, the git revision and
//! the machine. Every results file embeds a [`Provenance`].
//!
//! ```no_run
//! let argv: Vec<String> = std::env::args().collect();
//! let p = bench_harness::provenance::Provenance::capture(&argv);
//! println!("{}", serde_json::to_string_pretty(&p).unwrap());
//! ```

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

/// The machine a measurement ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub cpus: usize,
    /// Total memory in GiB (two decimals).
    pub mem_gib: f64,
    /// Operating system (`PRETTY_NAME` of `/etc/os-release`).
    pub os: String,
    /// Kernel release.
    pub kernel: String,
    /// 1-minute load average when the measurement started (other work on
    /// the machine competes with the benchmark; `0` if unknown).
    #[serde(default)]
    pub loadavg_1m: f64,
}

/// Command, revision, machine and date of a measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The exact command line (shell-quoted where needed).
    pub command: String,
    /// `git rev-parse HEAD`, with `-dirty` if the working tree has changes
    /// (`unknown` outside a git checkout).
    pub revision: String,
    /// The machine.
    pub machine: Machine,
    /// UTC date and time, RFC 3339.
    pub date: String,
}

impl Provenance {
    /// Capture the provenance of the current process run as `argv`, using the
    /// git checkout containing the current directory.
    pub fn capture(argv: &[String]) -> Provenance {
        Provenance {
            command: shell_join(argv),
            revision: git_revision(Path::new(".")),
            machine: Machine::capture(),
            date: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        }
    }
}

impl Machine {
    /// Describe this machine (fields that cannot be read are `0` / `"unknown"`).
    pub fn capture() -> Machine {
        let mem_kib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse::<f64>().ok())
            })
            .unwrap_or(0.0);
        let os = std::fs::read_to_string("/etc/os-release")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim_matches('"').to_string())
            })
            .unwrap_or_else(|| std::env::consts::OS.to_string());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let loadavg_1m = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|t| t.split_whitespace().next().and_then(|x| x.parse().ok()))
            .unwrap_or(0.0);
        Machine {
            loadavg_1m,
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            mem_gib: (mem_kib / (1024.0 * 1024.0) * 100.0).round() / 100.0,
            os,
            kernel,
        }
    }
}

/// `git rev-parse HEAD` in `dir`, plus `-dirty` if `git status --porcelain`
/// reports changes outside `results/`; `unknown` if git fails.
pub fn git_revision(dir: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "HEAD"]) {
        // Files under `results/` do not count: a script that writes several
        // results files in a row would otherwise mark all but the first dirty.
        Some(rev) if !rev.is_empty() => {
            match git(&["status", "--porcelain", "--", ":/", ":(top,exclude)results"]) {
                Some(s) if s.is_empty() => rev,
                _ => format!("{rev}-dirty"),
            }
        }
        _ => "unknown".into(),
    }
}

/// Join arguments into one shell command line, quoting where needed.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_join_quotes_only_when_needed() {
        let a: Vec<String> = ["bench", "run", "--out", "results/x.json", "a b", "it's", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            shell_join(&a),
            r#"bench run --out results/x.json 'a b' 'it'\''s' ''"#
        );
    }

    #[test]
    fn capture_describes_this_machine_and_checkout() {
        let p = Provenance::capture(&["bench".to_string()]);
        assert_eq!(p.command, "bench");
        assert!(p.machine.cpus >= 1);
        assert!(p.machine.mem_gib > 0.0);
        assert!(!p.machine.kernel.is_empty());
        // Tests run inside the repository's checkout.
        let rev = p.revision.trim_end_matches("-dirty");
        assert_eq!(rev.len(), 40, "{}", p.revision);
        assert!(rev.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(p.date.ends_with('Z') && p.date.contains('T'), "{}", p.date);
    }

    #[test]
    fn results_files_do_not_make_the_revision_dirty_but_sources_do() {
        let d = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                .args(args)
                .current_dir(d.path())
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        std::fs::create_dir_all(d.path().join("results")).unwrap();
        std::fs::write(d.path().join("src.rs"), "a").unwrap();
        std::fs::write(d.path().join("results/r.json"), "{}").unwrap();
        git(&["add", "."]);
        git(&["commit", "-qm", "x"]);
        let clean = git_revision(d.path());
        assert_eq!(clean.len(), 40, "{clean}");
        std::fs::write(d.path().join("results/r.json"), "{\"new\": 1}").unwrap();
        std::fs::write(d.path().join("results/other.json"), "{}").unwrap();
        assert_eq!(git_revision(d.path()), clean, "results/ alone");
        std::fs::write(d.path().join("src.rs"), "b").unwrap();
        assert_eq!(
            git_revision(d.path()),
            format!("{clean}-dirty"),
            "a source change"
        );
    }

    #[test]
    fn outside_git_the_revision_is_unknown() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(git_revision(d.path()), "unknown");
    }
}
