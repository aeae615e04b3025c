//! Running one checker process with a wall-clock budget.

use super::error::{OracleError, Result};
use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// What a finished (or killed) process left behind.
#[derive(Debug, Clone)]
pub(crate) struct ProcessOutput {
    pub stdout: String,
    pub stderr: String,
    /// Exit code; `None` when killed by a signal (including our timeout).
    pub code: Option<i32>,
    pub timed_out: bool,
    pub elapsed: Duration,
}

/// Runs `cmd` in `cwd`, capturing its output in files of `capture` (no pipe
/// can fill up), and kills it when it runs longer than `timeout`.
pub(crate) fn run(
    mut cmd: Command,
    cwd: &Path,
    capture: &Path,
    timeout: Duration,
) -> Result<ProcessOutput> {
    let out_path = capture.join("oracle.stdout");
    let err_path = capture.join("oracle.stderr");
    let out = File::create(&out_path).map_err(|e| OracleError::io("creating stdout file", e))?;
    let err = File::create(&err_path).map_err(|e| OracleError::io("creating stderr file", e))?;
    cmd.current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| OracleError::io(format!("spawning {:?}", cmd.get_program()), e))?;
    let mut pause = Duration::from_millis(2);
    let (code, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (status.code(), false),
            Ok(None) => {}
            Err(e) => return Err(OracleError::io("waiting for the checker", e)),
        }
        let spent = started.elapsed();
        if spent >= timeout {
            tracing::debug!(?timeout, "checker over its budget, killing it");
            // Ignore "already exited" races: wait() below reaps it either way.
            let _ = child.kill();
            child
                .wait()
                .map_err(|e| OracleError::io("reaping the killed checker", e))?;
            break (None, true);
        }
        std::thread::sleep(pause.min(timeout - spent));
        pause = (pause * 2).min(Duration::from_millis(25));
    };
    let elapsed = started.elapsed();
    let read = |p: &Path| -> Result<String> {
        let bytes = std::fs::read(p).map_err(|e| OracleError::io("reading checker output", e))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    Ok(ProcessOutput {
        stdout: read(&out_path)?,
        stderr: read(&err_path)?,
        code,
        timed_out,
        elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_and_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let o = run(cmd, dir.path(), dir.path(), Duration::from_secs(10)).unwrap();
        assert_eq!((o.stdout.as_str(), o.stderr.as_str()), ("out\n", "err\n"));
        assert_eq!(o.code, Some(3));
        assert!(!o.timed_out);
    }

    #[test]
    fn kills_on_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let o = run(cmd, dir.path(), dir.path(), Duration::from_millis(200)).unwrap();
        assert!(o.timed_out);
        assert!(o.elapsed < Duration::from_secs(5));
    }
}
