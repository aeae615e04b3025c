//! Process helpers: liveness, identity and signals (Linux).

use std::time::{Duration, Instant};

/// Whether `pid` is a live (not zombie) process.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X']))
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// The command line of `pid`, arguments separated by spaces.
pub fn cmdline(pid: u32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Send `signal` to `pid`.
pub fn signal(pid: u32, signal: i32) -> std::io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    // SAFETY: kill(2) has no memory-safety preconditions.
    if unsafe { libc::kill(pid, signal) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// How a process was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It exited after SIGTERM.
    Terminated,
    /// It needed SIGKILL.
    Killed,
    /// It was not running (or the pid now belongs to another program).
    NotRunning,
}

/// Stop `pid` if its command line contains `expect`: SIGTERM, wait up to
/// `grace`, then SIGKILL.
pub fn stop(pid: u32, expect: &str, grace: Duration) -> std::io::Result<Stopped> {
    if !alive(pid) || !cmdline(pid).is_some_and(|c| c.contains(expect)) {
        return Ok(Stopped::NotRunning);
    }
    signal(pid, libc::SIGTERM)?;
    let start = Instant::now();
    while start.elapsed() < grace {
        if !alive(pid) {
            return Ok(Stopped::Terminated);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if alive(pid) {
        signal(pid, libc::SIGKILL)?;
        Ok(Stopped::Killed)
    } else {
        Ok(Stopped::Terminated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_named() {
        let me = std::process::id();
        assert!(alive(me));
        assert!(cmdline(me).is_some());
        assert!(!alive(u32::MAX - 1));
    }

    #[test]
    fn stop_refuses_a_foreign_process() {
        let me = std::process::id();
        assert_eq!(
            stop(me, "certainly-not-in-my-cmdline", Duration::ZERO).unwrap(),
            Stopped::NotRunning
        );
    }

    #[test]
    fn stop_terminates_a_child() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        // Between fork and exec the child still shows the test's command line.
        let start = Instant::now();
        while !cmdline(pid).is_some_and(|c| c.contains("sleep")) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "sleep never started"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let stopper =
            std::thread::spawn(move || stop(pid, "sleep", Duration::from_secs(5)).unwrap());
        child.wait().unwrap();
        assert_eq!(stopper.join().unwrap(), Stopped::Terminated);
    }
}
