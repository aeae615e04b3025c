//! Starting a loopback cluster of `kvstore serve` processes and stopping it.

use crate::health::wait_healthy;
use crate::manifest::{ClusterFile, ReplicaEntry};
use crate::process::{self, Stopped};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Errors of cluster operations.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    /// The `kvstore` binary was not found.
    #[error("kvstore binary not found at {0} (build it with `cargo build -p kvstore-runtime --bin kvstore`, or pass its path)")]
    MissingBinary(PathBuf),
    /// A live cluster already uses the directory.
    #[error(
        "{dir} already holds a running cluster (pids {pids:?}); run `cloud down --dir {dir}` first"
    )]
    AlreadyRunning {
        /// The directory.
        dir: String,
        /// Live pids.
        pids: Vec<u32>,
    },
    /// No free port could be found.
    #[error("cannot pick a free port: {0}")]
    Port(std::io::Error),
    /// A replica did not become healthy.
    #[error(
        "replica {id} at {addr} did not become healthy: {reason}\nlast lines of {log}:\n{tail}"
    )]
    Unhealthy {
        /// Replica id.
        id: u64,
        /// Address.
        addr: String,
        /// Why.
        reason: String,
        /// Log file.
        log: String,
        /// Its last lines.
        tail: String,
    },
    /// An I/O error, with what was being done.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Cause.
        source: std::io::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> CloudError {
    let what = what.into();
    move |source| CloudError::Io { what, source }
}

/// What cluster to start.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Registered store name.
    pub store: String,
    /// Number of replicas.
    pub replicas: usize,
    /// First port (replica `i` listens on `base_port + i`); `None`: free ports
    /// (below the kernel's ephemeral range).
    pub base_port: Option<u16>,
    /// Directory for the cluster file and logs (created if missing).
    pub dir: PathBuf,
    /// The `kvstore` binary; `None`: `kvstore` next to the current executable.
    pub kvstore_bin: Option<PathBuf>,
    /// Extra arguments for every `kvstore serve`.
    pub extra_args: Vec<String>,
    /// How long each replica may take to become healthy.
    pub health_timeout: Duration,
}

impl UpOptions {
    /// Defaults: ephemeral ports, `kvstore` next to the current executable, 20 s health timeout.
    pub fn new(store: impl Into<String>, replicas: usize, dir: impl Into<PathBuf>) -> Self {
        UpOptions {
            store: store.into(),
            replicas,
            base_port: None,
            dir: dir.into(),
            kvstore_bin: None,
            extra_args: Vec::new(),
            health_timeout: Duration::from_secs(20),
        }
    }
}

/// The `kvstore` binary next to the current executable (for tests: in the
/// target profile directory, one level above `deps/`).
pub fn default_kvstore_bin() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let next = dir.join("kvstore");
    if !next.exists() && dir.file_name().is_some_and(|n| n == "deps") {
        if let Some(up) = dir.parent() {
            return Ok(up.join("kvstore"));
        }
    }
    Ok(next)
}

/// A loopback port nothing listens on, below the kernel's ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`) when there is room for one.
/// A port of that range may become the source port of an outgoing
/// connection before the replica binds it; a peer dialling it could even
/// connect to itself (TCP simultaneous open) and hold it, and the replica
/// would fail to listen.
fn free_port() -> std::io::Result<u16> {
    use std::hash::{BuildHasher, Hasher};
    const LOWEST: u16 = 10_000;
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    if ephemeral_low > LOWEST + 1000 {
        let span = u64::from(ephemeral_low - LOWEST);
        let mut x = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            | 1;
        for _ in 0..256 {
            // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let port = LOWEST + (x % span) as u16;
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return Ok(port);
            }
        }
    }
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A running cluster started by this process. Dropping it stops the
/// replicas (unless [`Cluster::detach`]ed).
#[derive(Debug)]
pub struct Cluster {
    file: ClusterFile,
    dir: PathBuf,
    children: Vec<Child>,
}

impl Cluster {
    /// Start `opts.replicas` replicas on loopback, wait until each is
    /// healthy, and write the cluster file. On failure every started
    /// replica is stopped again.
    pub async fn up(opts: &UpOptions) -> Result<Cluster, CloudError> {
        let bin = match &opts.kvstore_bin {
            Some(b) => b.clone(),
            None => default_kvstore_bin().map_err(io("locating the current executable"))?,
        };
        if !bin.is_file() {
            return Err(CloudError::MissingBinary(bin));
        }
        std::fs::create_dir_all(&opts.dir)
            .map_err(io(format!("creating {}", opts.dir.display())))?;
        let dir = opts
            .dir
            .canonicalize()
            .map_err(io(format!("resolving {}", opts.dir.display())))?;
        if let Ok(old) = ClusterFile::read(&dir) {
            let pids: Vec<u32> = old
                .replicas
                .iter()
                .map(|r| r.pid)
                .filter(|p| process::alive(*p))
                .collect();
            if !pids.is_empty() {
                return Err(CloudError::AlreadyRunning {
                    dir: dir.display().to_string(),
                    pids,
                });
            }
        }
        let mut addrs = Vec::new();
        for i in 0..opts.replicas {
            let port = match opts.base_port {
                Some(p) => p + i as u16,
                None => free_port().map_err(CloudError::Port)?,
            };
            addrs.push(format!("127.0.0.1:{port}"));
        }
        let mut cluster = Cluster {
            file: ClusterFile {
                store: opts.store.clone(),
                kvstore_bin: bin.clone(),
                replicas: Vec::new(),
                started_unix_s: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
            },
            dir: dir.clone(),
            children: Vec::new(),
        };
        for (id, addr) in addrs.iter().enumerate() {
            let log = dir.join(format!("replica-{id}.log"));
            let out =
                std::fs::File::create(&log).map_err(io(format!("creating {}", log.display())))?;
            let err = out.try_clone().map_err(io("duplicating the log handle"))?;
            let mut cmd = Command::new(&bin);
            cmd.args([
                "serve",
                "--store",
                &opts.store,
                "--id",
                &id.to_string(),
                "--listen",
                addr,
            ])
            .arg("--peers")
            .arg(addrs.join(","))
            .args(&opts.extra_args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
            // Own process group: a Ctrl-C aimed at the launcher does not reach the replicas.
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            let child = cmd
                .spawn()
                .map_err(io(format!("starting {}", bin.display())))?;
            tracing::info!(id, addr = %addr, pid = child.id(), log = %log.display(), "replica started");
            cluster.file.replicas.push(ReplicaEntry {
                id: id as u64,
                addr: addr.clone(),
                pid: child.id(),
                log,
            });
            cluster.children.push(child);
        }
        cluster
            .file
            .write(&dir)
            .map_err(io(format!("writing the cluster file in {}", dir.display())))?;
        for i in 0..cluster.children.len() {
            let entry = cluster.file.replicas[i].clone();
            let child = &mut cluster.children[i];
            let healthy = wait_healthy(&entry.addr, opts.health_timeout, || {
                matches!(child.try_wait(), Ok(None))
            })
            .await;
            if let Err(reason) = healthy {
                let tail = log_tail(&entry.log, 20);
                cluster.stop();
                return Err(CloudError::Unhealthy {
                    id: entry.id,
                    addr: entry.addr,
                    reason,
                    log: entry.log.display().to_string(),
                    tail,
                });
            }
        }
        tracing::info!(store = %opts.store, replicas = opts.replicas, dir = %dir.display(), "cluster healthy");
        Ok(cluster)
    }

    /// The cluster description.
    pub fn file(&self) -> &ClusterFile {
        &self.file
    }

    /// Replica addresses in id order.
    pub fn addrs(&self) -> Vec<String> {
        self.file.addrs()
    }

    /// The cluster directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Leave the replicas running after this handle is dropped (stop them
    /// later with [`down`]).
    pub fn detach(mut self) -> ClusterFile {
        self.children.clear();
        self.file.clone()
    }

    /// Stop the replicas (SIGTERM, then SIGKILL after 5 s) and remove the cluster file.
    pub fn down(mut self) -> Vec<(u64, Stopped)> {
        self.stop()
    }

    fn stop(&mut self) -> Vec<(u64, Stopped)> {
        let mut report = Vec::new();
        for (i, mut child) in std::mem::take(&mut self.children).into_iter().enumerate() {
            let how = match child.try_wait() {
                Ok(Some(_)) => Stopped::NotRunning,
                _ => {
                    let _ = process::signal(child.id(), libc::SIGTERM);
                    let start = std::time::Instant::now();
                    loop {
                        if let Ok(Some(_)) = child.try_wait() {
                            break Stopped::Terminated;
                        }
                        if start.elapsed() > Duration::from_secs(5) {
                            let _ = child.kill();
                            let _ = child.wait();
                            break Stopped::Killed;
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            };
            report.push((i as u64, how));
        }
        let _ = std::fs::remove_file(ClusterFile::path_in(&self.dir));
        report
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if !self.children.is_empty() {
            self.stop();
        }
    }
}

/// Stop the cluster described by `dir/cluster.json` (possibly started by
/// another process), remove the cluster file and keep the logs.
pub fn down(dir: &Path) -> Result<Vec<(ReplicaEntry, Stopped)>, CloudError> {
    let file = ClusterFile::read(dir).map_err(io(format!(
        "reading {}",
        ClusterFile::path_in(dir).display()
    )))?;
    let mut report = Vec::new();
    for r in &file.replicas {
        // Only signal the pid if it still runs our replica (pids are reused).
        let expect = format!("--listen {}", r.addr);
        let how = process::stop(r.pid, &expect, Duration::from_secs(5))
            .map_err(io(format!("stopping pid {}", r.pid)))?;
        tracing::info!(id = r.id, pid = r.pid, ?how, "replica stopped");
        report.push((r.clone(), how));
    }
    std::fs::remove_file(ClusterFile::path_in(dir)).map_err(io("removing the cluster file"))?;
    Ok(report)
}

/// The last `n` lines of a log file (empty if unreadable).
pub fn log_tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_bindable_and_below_the_ephemeral_range() {
        let low: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(32768);
        // The port is free when it is drawn; another process on the
        // machine may take it before the check binds it again (seen once in
        // CI), so one such draw of 20 is tolerated, never more.
        let mut taken = Vec::new();
        for _ in 0..20 {
            let p = free_port().unwrap();
            if low > 11_000 {
                assert!((10_000..low).contains(&p), "port {p}, ephemeral from {low}");
            }
            match std::net::TcpListener::bind(("127.0.0.1", p)) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => taken.push(p),
                Err(e) => panic!("binding port {p}: {e}"),
            }
        }
        assert!(
            taken.len() <= 1,
            "ports drawn as free but in use: {taken:?}"
        );
    }
}
