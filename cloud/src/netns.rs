//! Clusters in Linux network namespaces, with network faults between replicas.
//!
//! Layout for a cluster named `NAME` with `N` replicas (all addresses live
//! inside the namespaces only; the root namespace gets no address and no route):
//!
//! * `NAME-hub`: a bridge `br0`, one port `hI` per replica plus `hc` for the client;
//! * `NAME-rI` (`I` in `0..N`): `eth0` = `SUBNET.(I+1)/24`, runs
//!   `kvstore serve --listen SUBNET.(I+1):PORT` (started with `ip netns exec`);
//! * `NAME-client`: `eth0` = `SUBNET.200/24`, where benchmarks and tests run
//!   clients ([`in_netns`], `cloud netns exec`).
//!
//! Faults between replicas (the client namespace is never affected):
//!
//! * partitions: `blackhole` routes for the peers' `/32` addresses in both
//!   directions (plain `ip route`, no firewall needed);
//! * delay and loss: an HTB root qdisc on every replica's `eth0` with one
//!   class and one `u32` destination filter per peer (created at `up`); a
//!   rule replaces that class's leaf with `netem delay .. loss ..`;
//! * without `sch_netem` (probed once at `up`, recorded as
//!   [`NetnsFile::netem`], logged, and shown by `cloud netns status`):
//!   loss is an `iptables` `statistic` drop rule, and delay/jitter go
//!   through userspace delay relays ([`crate::relay`]). For every replica
//!   pair `{a, b}` with a delay in either direction, namespace `NAME-ra`
//!   runs `cloud relay` on `SUBNET.(a+1):RELAY_PORT_BASE+b` forwarding to
//!   `b`'s replica address (forward delay `a -> b`, backward delay
//!   `b -> a`), and the same in `NAME-rb` towards `a`. An `iptables -t nat
//!   OUTPUT` DNAT rule steers the replica's connections to the peer into
//!   the relay, so replicas keep their configured peer addresses; a filter
//!   rule resets connections that still go to the peer directly (opened
//!   before the rule), and the relay's own connections carry `SO_MARK`
//!   [`RELAY_MARK`], which both rules skip. Delays and relay pids live in
//!   `DIR/relays.json` ([`RelayState`]). Delay applies per chunk of TCP
//!   stream data (delay `+-` uniform jitter, order kept), not per packet;
//! * heal: every leaf back to `pfifo`, blackholes, drop rules, DNAT rules
//!   and relays removed.
//!
//! The cluster is described by `DIR/netns.json` ([`NetnsFile`]) and, while
//! relays run, `DIR/relays.json`.

use crate::health::wait_healthy;
use crate::process::{self, Stopped};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// File name of the namespace cluster file inside the cluster directory.
pub const NETNS_FILE: &str = "netns.json";

/// Errors of namespace cluster operations.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// `ip netns` cannot be used here.
    #[error("network namespaces are unavailable: {0} (needs root and iproute2: apt-get install -y iproute2)")]
    Unavailable(String),
    /// A command failed.
    #[error("`{cmd}` failed: {stderr}")]
    Command {
        /// The command line.
        cmd: String,
        /// Its standard error.
        stderr: String,
    },
    /// A namespace of that name already exists.
    #[error("namespace {0} already exists; run `cloud netns down --name ...` first")]
    Exists(String),
    /// Bad arguments.
    #[error("{0}")]
    Invalid(String),
    /// The kernel lacks a feature.
    #[error("{0}")]
    Unsupported(String),
    /// A replica did not become healthy.
    #[error("replica {id} did not become healthy: {reason}\nlast lines of {log}:\n{tail}")]
    Unhealthy {
        /// Replica id.
        id: u64,
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

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> NetnsError {
    let what = what.into();
    move |source| NetnsError::Io { what, source }
}

/// Run a command, returning its standard output or its standard error as the error.
fn run(program: &str, args: &[&str]) -> Result<String, NetnsError> {
    let cmd = format!("{program} {}", args.join(" "));
    tracing::debug!(%cmd, "running");
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(io(format!("running {cmd}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(NetnsError::Command {
            cmd,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

fn ip(args: &[&str]) -> Result<String, NetnsError> {
    run("ip", args)
}

/// Whether this process can create network namespaces (root, `ip netns` works).
pub fn available() -> Result<(), NetnsError> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(NetnsError::Unavailable("not running as root".into()));
    }
    ip(&["netns", "list"])
        .map(|_| ())
        .map_err(|e| NetnsError::Unavailable(e.to_string()))
}

/// Names of the existing network namespaces.
pub fn list_namespaces() -> Result<Vec<String>, NetnsError> {
    Ok(ip(&["netns", "list"])?
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect())
}

/// Run `f` on a thread that has entered network namespace `ns` (sockets it
/// opens live there). Use a current-thread Tokio runtime inside `f` for
/// async work.
pub fn in_netns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, NetnsError> {
    let path = format!("/var/run/netns/{ns}");
    let file = std::fs::File::open(&path).map_err(io(format!("opening {path}")))?;
    std::thread::spawn(move || {
        use std::os::fd::AsRawFd;
        // SAFETY: setns(2) on a valid namespace fd affects only this thread.
        if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(io("entering the namespace")(std::io::Error::last_os_error()));
        }
        Ok(f())
    })
    .join()
    .map_err(|_| NetnsError::Invalid("the namespace thread panicked".into()))?
}

/// One replica of a namespace cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetnsReplica {
    /// Replica id.
    pub id: u64,
    /// Its namespace.
    pub ns: String,
    /// `ip:port` it serves on (inside the namespaces).
    pub addr: String,
    /// Process id (of `ip netns exec`, which execs `kvstore`).
    pub pid: u32,
    /// Its log file.
    pub log: PathBuf,
}

/// Contents of `netns.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetnsFile {
    /// Cluster name (namespace prefix).
    pub name: String,
    /// Served store.
    pub store: String,
    /// First three octets of the /24 used inside the namespaces.
    pub subnet: String,
    /// The hub namespace (bridge).
    pub hub_ns: String,
    /// The client namespace.
    pub client_ns: String,
    /// Replicas in id order.
    pub replicas: Vec<NetnsReplica>,
    /// Whether per-peer HTB classes and filters were installed at `up`.
    pub shaping: bool,
    /// Whether the kernel has the netem qdisc (probed at `up`): delay and
    /// loss use netem; otherwise delay uses relays and loss iptables.
    #[serde(default)]
    pub netem: bool,
    /// The cluster directory (`relays.json` lives there).
    #[serde(default)]
    pub dir: PathBuf,
    /// The `cloud` binary that runs delay relays (`cloud relay`).
    #[serde(default)]
    pub cloud_bin: Option<PathBuf>,
}

impl NetnsFile {
    /// Replica addresses in id order.
    pub fn addrs(&self) -> Vec<String> {
        self.replicas.iter().map(|r| r.addr.clone()).collect()
    }

    /// Path of the file in `dir`.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(NETNS_FILE)
    }

    /// Write into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(Self::path_in(dir), json + "\n")
    }

    /// Read from `dir`.
    pub fn read(dir: &Path) -> std::io::Result<NetnsFile> {
        let text = std::fs::read_to_string(Self::path_in(dir))?;
        serde_json::from_str(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// How delay is emulated in this cluster.
    pub fn delay_mechanism(&self) -> &'static str {
        if self.netem && self.shaping {
            "tc netem"
        } else {
            "userspace delay relay (the kernel has no netem qdisc)"
        }
    }

    fn state_dir(&self) -> PathBuf {
        if !self.dir.as_os_str().is_empty() {
            return self.dir.clone();
        }
        self.replicas
            .first()
            .and_then(|r| r.log.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    fn port(&self) -> &str {
        self.replicas
            .first()
            .and_then(|r| r.addr.rsplit_once(':'))
            .map(|(_, p)| p)
            .unwrap_or("")
    }

    fn ip_of(&self, id: usize) -> Result<&str, NetnsError> {
        self.replicas
            .get(id)
            .map(|r| r.addr.split(':').next().unwrap_or(""))
            .ok_or_else(|| {
                NetnsError::Invalid(format!(
                    "no replica {id} (the cluster has {})",
                    self.replicas.len()
                ))
            })
    }
}

/// What namespace cluster to start.
#[derive(Debug, Clone)]
pub struct NetnsOptions {
    /// Cluster name: namespace prefix (short: interface names derive from it).
    pub name: String,
    /// Registered store name.
    pub store: String,
    /// Number of replicas (at most 100).
    pub replicas: usize,
    /// First three octets of a private /24 used inside the namespaces only.
    pub subnet: String,
    /// Port every replica listens on.
    pub port: u16,
    /// Directory for `netns.json` and the logs.
    pub dir: PathBuf,
    /// The `kvstore` binary (`None`: next to the current executable).
    pub kvstore_bin: Option<PathBuf>,
    /// Extra arguments for every `kvstore serve`.
    pub extra_args: Vec<String>,
    /// How long each replica may take to become healthy.
    pub health_timeout: Duration,
    /// The `cloud` binary used for delay relays (`None`: this executable if
    /// it is `cloud`, else `cloud` next to the kvstore binary).
    pub cloud_bin: Option<PathBuf>,
}

impl NetnsOptions {
    /// Defaults: subnet `10.77.0`, port 7000, 20 s health timeout.
    pub fn new(
        name: impl Into<String>,
        store: impl Into<String>,
        replicas: usize,
        dir: impl Into<PathBuf>,
    ) -> Self {
        NetnsOptions {
            name: name.into(),
            store: store.into(),
            replicas,
            subnet: "10.77.0".into(),
            port: 7000,
            dir: dir.into(),
            kvstore_bin: None,
            extra_args: Vec::new(),
            health_timeout: Duration::from_secs(20),
            cloud_bin: None,
        }
    }
}

const CLIENT_HOST: u8 = 200;

fn replica_ns(name: &str, i: usize) -> String {
    format!("{name}-r{i}")
}

/// Class id (hex minor) of the HTB class for peer `j`.
fn class_of(j: usize) -> String {
    format!("{:x}", 0x10 + j)
}

/// Create the namespaces, links and addresses, start the replicas, wait
/// until each is healthy (checked from the client namespace) and write
/// `netns.json`. On failure everything created is removed again.
pub async fn up(opts: &NetnsOptions) -> Result<NetnsFile, NetnsError> {
    available()?;
    if opts.replicas == 0 || opts.replicas > 100 {
        return Err(NetnsError::Invalid("between 1 and 100 replicas".into()));
    }
    if opts.name.is_empty()
        || opts.name.len() > 10
        || !opts.name.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(NetnsError::Invalid(format!(
            "cluster name {:?}: 1 to 10 ASCII letters or digits",
            opts.name
        )));
    }
    let octets: Vec<&str> = opts.subnet.split('.').collect();
    if octets.len() != 3 || octets.iter().any(|o| o.parse::<u8>().is_err()) {
        return Err(NetnsError::Invalid(format!(
            "subnet {:?}: three octets, e.g. 10.77.0",
            opts.subnet
        )));
    }
    let bin = match &opts.kvstore_bin {
        Some(b) => b.clone(),
        None => crate::default_kvstore_bin().map_err(io("locating the current executable"))?,
    };
    if !bin.is_file() {
        return Err(NetnsError::Invalid(format!(
            "kvstore binary not found at {}",
            bin.display()
        )));
    }
    if (RELAY_PORT_BASE..RELAY_PORT_BASE + 100).contains(&opts.port) {
        return Err(NetnsError::Invalid(format!(
            "port {}: ports {RELAY_PORT_BASE}..{} are reserved for delay relays",
            opts.port,
            RELAY_PORT_BASE + 100
        )));
    }
    let cloud_bin = match &opts.cloud_bin {
        Some(b) => Some(b.clone()),
        None => {
            let exe = std::env::current_exe().ok();
            match exe {
                Some(e) if e.file_stem().is_some_and(|s| s == "cloud") => Some(e),
                _ => bin.parent().map(|d| d.join("cloud")),
            }
        }
    };
    let existing = list_namespaces()?;
    let hub = format!("{}-hub", opts.name);
    let client = format!("{}-client", opts.name);
    let mut all = vec![hub.clone(), client.clone()];
    all.extend((0..opts.replicas).map(|i| replica_ns(&opts.name, i)));
    if let Some(e) = all.iter().find(|n| existing.contains(n)) {
        return Err(NetnsError::Exists(e.clone()));
    }
    std::fs::create_dir_all(&opts.dir).map_err(io(format!("creating {}", opts.dir.display())))?;
    let dir = opts
        .dir
        .canonicalize()
        .map_err(io(format!("resolving {}", opts.dir.display())))?;
    let mut file = NetnsFile {
        name: opts.name.clone(),
        store: opts.store.clone(),
        subnet: opts.subnet.clone(),
        hub_ns: hub.clone(),
        client_ns: client.clone(),
        replicas: Vec::new(),
        shaping: false,
        netem: false,
        dir: dir.clone(),
        cloud_bin,
    };
    match build(opts, &bin, &dir, &mut file).await {
        Ok(()) => {
            file.write(&dir).map_err(io(format!(
                "writing {}",
                NetnsFile::path_in(&dir).display()
            )))?;
            tracing::info!(name = %opts.name, replicas = opts.replicas, "namespace cluster healthy");
            Ok(file)
        }
        Err(e) => {
            let _ = teardown(&file.name, &file.replicas);
            Err(e)
        }
    }
}

async fn build(
    opts: &NetnsOptions,
    bin: &Path,
    dir: &Path,
    file: &mut NetnsFile,
) -> Result<(), NetnsError> {
    let hub = file.hub_ns.clone();
    ip(&["netns", "add", &hub])?;
    ip(&["-n", &hub, "link", "add", "br0", "type", "bridge"])?;
    ip(&["-n", &hub, "link", "set", "br0", "up"])?;
    ip(&["-n", &hub, "link", "set", "lo", "up"])?;
    let attach = |ns: &str, port: &str, host: u8| -> Result<(), NetnsError> {
        ip(&["netns", "add", ns])?;
        ip(&[
            "-n", &hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns,
        ])?;
        ip(&["-n", &hub, "link", "set", port, "master", "br0"])?;
        ip(&["-n", &hub, "link", "set", port, "up"])?;
        let addr = format!("{}.{host}/24", opts.subnet);
        ip(&["-n", ns, "addr", "add", &addr, "dev", "eth0"])?;
        ip(&["-n", ns, "link", "set", "eth0", "up"])?;
        ip(&["-n", ns, "link", "set", "lo", "up"])?;
        Ok(())
    };
    attach(&file.client_ns, "hc", CLIENT_HOST)?;
    let addrs: Vec<String> = (0..opts.replicas)
        .map(|i| format!("{}.{}:{}", opts.subnet, i + 1, opts.port))
        .collect();
    for i in 0..opts.replicas {
        attach(&replica_ns(&opts.name, i), &format!("h{i}"), (i + 1) as u8)?;
    }
    // Probe netem once (on `lo` of the first replica namespace).
    let probe_ns = replica_ns(&opts.name, 0);
    file.netem = run(
        "tc",
        &[
            "-n", &probe_ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms",
        ],
    )
    .is_ok();
    if file.netem {
        let _ = run(
            "tc",
            &["-n", &probe_ns, "qdisc", "del", "dev", "lo", "root"],
        );
    }
    tracing::info!(
        netem = file.netem,
        "delay mechanism: {}",
        if file.netem {
            "tc netem"
        } else {
            "userspace delay relay (no netem qdisc in this kernel)"
        }
    );
    // Per-peer shaping classes (HTB + u32); optional: some kernels lack them.
    file.shaping = match install_shaping(opts) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "no per-peer traffic shaping (delay/loss need HTB and u32)");
            false
        }
    };
    for (i, addr) in addrs.iter().enumerate() {
        let ns = replica_ns(&opts.name, i);
        let log = dir.join(format!("replica-{i}.log"));
        let out = std::fs::File::create(&log).map_err(io(format!("creating {}", log.display())))?;
        let err = out.try_clone().map_err(io("duplicating the log handle"))?;
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &ns])
            .arg(bin)
            .args([
                "serve",
                "--store",
                &opts.store,
                "--id",
                &i.to_string(),
                "--listen",
                addr,
                "--peers",
                &addrs.join(","),
            ])
            .args(&opts.extra_args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd
            .spawn()
            .map_err(io(format!("starting a replica in {ns}")))?;
        tracing::info!(id = i, %ns, %addr, pid = child.id(), "replica started");
        file.replicas.push(NetnsReplica {
            id: i as u64,
            ns,
            addr: addr.clone(),
            pid: child.id(),
            log,
        });
        // Dropping the handle does not stop the child; `down` stops and reaps it
        // (or init does, after this process exits).
        drop(child);
    }
    for r in file.replicas.clone() {
        let (addr, timeout, pid) = (r.addr.clone(), opts.health_timeout, r.pid);
        let healthy = in_netns(&file.client_ns, move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?
                .block_on(wait_healthy(&addr, timeout, || process::alive(pid)))
        })?;
        if let Err(reason) = healthy {
            return Err(NetnsError::Unhealthy {
                id: r.id,
                reason,
                log: r.log.display().to_string(),
                tail: crate::log_tail(&r.log, 20),
            });
        }
    }
    Ok(())
}

fn install_shaping(opts: &NetnsOptions) -> Result<(), NetnsError> {
    for i in 0..opts.replicas {
        let ns = replica_ns(&opts.name, i);
        let tc = |args: &[&str]| {
            let mut a = vec!["-n", ns.as_str()];
            a.extend_from_slice(args);
            run("tc", &a)
        };
        tc(&[
            "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "htb", "default", "1",
        ])?;
        tc(&[
            "class", "add", "dev", "eth0", "parent", "1:", "classid", "1:1", "htb", "rate",
            "10gbit",
        ])?;
        for j in (0..opts.replicas).filter(|j| *j != i) {
            let c = class_of(j);
            let classid = format!("1:{c}");
            tc(&[
                "class", "add", "dev", "eth0", "parent", "1:", "classid", &classid, "htb", "rate",
                "10gbit",
            ])?;
            let dst = format!("{}.{}/32", opts.subnet, j + 1);
            tc(&[
                "filter", "add", "dev", "eth0", "parent", "1:", "protocol", "ip", "prio", "1",
                "u32", "match", "ip", "dst", &dst, "flowid", &classid,
            ])?;
            leaf(&ns, j, &["pfifo"])?;
        }
    }
    Ok(())
}

/// Replace the leaf qdisc of peer `j`'s class in namespace `ns` (the old
/// leaf is deleted first: `tc qdisc replace` cannot change a qdisc's kind).
fn leaf(ns: &str, j: usize, qdisc: &[&str]) -> Result<(), NetnsError> {
    let c = class_of(j);
    let parent = format!("1:{c}");
    let handle = format!("{c}:");
    let _ = run(
        "tc",
        &[
            "-n", ns, "qdisc", "del", "dev", "eth0", "parent", &parent, "handle", &handle,
        ],
    );
    let mut a = vec![
        "-n", ns, "qdisc", "add", "dev", "eth0", "parent", &parent, "handle", &handle,
    ];
    a.extend_from_slice(qdisc);
    match run("tc", &a) {
        Ok(_) => Ok(()),
        Err(e) => {
            // Leave a working leaf behind.
            if qdisc != ["pfifo"] {
                let _ = leaf(ns, j, &["pfifo"]);
            }
            Err(e)
        }
    }
}

/// Which directed replica pairs a fault applies to: `from`/`to` `None` = all.
fn pairs(n: usize, from: Option<usize>, to: Option<usize>) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    for a in 0..n {
        for b in 0..n {
            if a != b && from.is_none_or(|f| f == a) && to.is_none_or(|t| t == b) {
                v.push((a, b));
            }
        }
    }
    v
}

/// A network condition between replicas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairment {
    /// Added one-way delay, ms.
    pub delay_ms: f64,
    /// Delay jitter, ms.
    pub jitter_ms: f64,
    /// Packet loss, percent.
    pub loss_percent: f64,
}

/// Apply `imp` to traffic from replica `from` to replica `to` (`None` =
/// every replica). Replaces earlier delay/loss on those pairs. Uses netem
/// where the kernel has it ([`NetnsFile::netem`]); otherwise delay and
/// jitter go through userspace relays and loss through iptables (see the
/// module docs).
pub fn impair(
    file: &NetnsFile,
    from: Option<usize>,
    to: Option<usize>,
    imp: Impairment,
) -> Result<(), NetnsError> {
    let n = file.replicas.len();
    for x in [from, to].into_iter().flatten() {
        file.ip_of(x)?;
    }
    if !(0.0..=100.0).contains(&imp.loss_percent) || imp.delay_ms < 0.0 || imp.jitter_ms < 0.0 {
        return Err(NetnsError::Invalid(
            "delay and jitter must be >= 0 and loss in [0, 100]".into(),
        ));
    }
    if !(file.netem && file.shaping) {
        // No netem: delay through relays, loss through iptables.
        let ps = pairs(n, from, to);
        for (a, b) in &ps {
            iptables_loss(&file.replicas[*a].ns, file.ip_of(*b)?, imp.loss_percent)?;
        }
        return set_relay_delays(file, &ps, imp.delay_ms, imp.jitter_ms);
    }
    for (a, b) in pairs(n, from, to) {
        let ns = &file.replicas[a].ns;
        let delay = format!("{}ms", imp.delay_ms);
        let jitter = format!("{}ms", imp.jitter_ms);
        let loss = format!("{}%", imp.loss_percent);
        let mut q = vec!["netem", "delay", delay.as_str()];
        if imp.jitter_ms > 0.0 {
            q.push(&jitter);
        }
        if imp.loss_percent > 0.0 {
            q.extend(["loss", loss.as_str()]);
        }
        leaf(ns, b, &q)?;
    }
    Ok(())
}

/// First port of the delay relays: in replica `a`'s namespace the relay
/// towards peer `b` listens on `RELAY_PORT_BASE + b`.
pub const RELAY_PORT_BASE: u16 = 29000;

/// Firewall mark (`SO_MARK`) of the relays' own connections.
pub const RELAY_MARK: u32 = 0x4b56;

/// iptables comment of the relay rules.
const RELAY_COMMENT: &str = "kvstore-relay";

/// File name of the relay state inside the cluster directory.
pub const RELAYS_FILE: &str = "relays.json";

/// Delay of one directed replica pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairDelay {
    /// Source replica.
    pub from: usize,
    /// Destination replica.
    pub to: usize,
    /// One-way delay, ms.
    pub delay_ms: f64,
    /// Jitter, ms.
    pub jitter_ms: f64,
}

/// One running relay: in `from`'s namespace, for connections to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayProc {
    /// Replica whose outgoing connections it carries.
    pub from: usize,
    /// Peer they go to.
    pub to: usize,
    /// Namespace it runs in.
    pub ns: String,
    /// Its listening address.
    pub listen: String,
    /// The peer's replica address.
    pub target: String,
    /// Process id.
    pub pid: u32,
    /// Its log file.
    pub log: PathBuf,
}

/// Contents of `relays.json`: configured delays and running relays.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelayState {
    /// Non-zero delays by directed pair.
    pub delays: Vec<PairDelay>,
    /// Running relays.
    pub relays: Vec<RelayProc>,
}

impl RelayState {
    /// Read from `dir` (empty when missing).
    pub fn read(dir: &Path) -> RelayState {
        std::fs::read_to_string(dir.join(RELAYS_FILE))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    fn write(&self, dir: &Path) -> Result<(), NetnsError> {
        let path = dir.join(RELAYS_FILE);
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other);
        json.and_then(|j| std::fs::write(&path, j + "\n"))
            .map_err(io(format!("writing {}", path.display())))
    }

    fn delay(&self, from: usize, to: usize) -> crate::relay::Delay {
        self.delays
            .iter()
            .find(|d| d.from == from && d.to == to)
            .map(|d| crate::relay::Delay::from_ms(d.delay_ms, d.jitter_ms))
            .unwrap_or_default()
    }
}

/// Set the relay delay of directed pairs `ps` and start, restart or stop
/// the relays of every replica pair touched.
fn set_relay_delays(
    file: &NetnsFile,
    ps: &[(usize, usize)],
    delay_ms: f64,
    jitter_ms: f64,
) -> Result<(), NetnsError> {
    let dir = file.state_dir();
    let mut state = RelayState::read(&dir);
    state.delays.retain(|d| !ps.contains(&(d.from, d.to)));
    if delay_ms > 0.0 || jitter_ms > 0.0 {
        state.delays.extend(ps.iter().map(|&(from, to)| PairDelay {
            from,
            to,
            delay_ms,
            jitter_ms,
        }));
    }
    let mut touched: Vec<(usize, usize)> = Vec::new();
    for &(a, b) in ps {
        for p in [(a, b), (b, a)] {
            if !touched.contains(&p) {
                touched.push(p);
            }
        }
    }
    let result = touched
        .iter()
        .try_for_each(|&(x, y)| place_relay(file, &mut state, x, y));
    state.write(&dir)?;
    result
}

/// Make the relay in `x`'s namespace towards `y` match the delays of
/// `x -> y` (forward) and `y -> x` (backward): none when both are zero.
fn place_relay(
    file: &NetnsFile,
    state: &mut RelayState,
    x: usize,
    y: usize,
) -> Result<(), NetnsError> {
    let (fwd, back) = (state.delay(x, y), state.delay(y, x));
    if let Some(pos) = state.relays.iter().position(|r| r.from == x && r.to == y) {
        let old = state.relays.remove(pos);
        if fwd.is_zero() && back.is_zero() {
            relay_rules(file, x, y, false)?;
        }
        stop_relay(&old);
    }
    if fwd.is_zero() && back.is_zero() {
        return Ok(());
    }
    let r = start_relay(file, x, y, fwd, back)?;
    tracing::info!(from = x, to = y, listen = %r.listen, pid = r.pid, ?fwd, ?back, "delay relay started");
    state.relays.push(r);
    relay_rules(file, x, y, true)
}

fn ms(d: Duration) -> String {
    format!("{}", d.as_secs_f64() * 1000.0)
}

fn start_relay(
    file: &NetnsFile,
    x: usize,
    y: usize,
    fwd: crate::relay::Delay,
    back: crate::relay::Delay,
) -> Result<RelayProc, NetnsError> {
    use std::io::BufRead;
    let bin = file
        .cloud_bin
        .clone()
        .filter(|b| b.is_file())
        .ok_or_else(|| {
            NetnsError::Unsupported(format!(
                "no netem qdisc, and the `cloud` binary that runs delay relays was not found ({:?})",
                file.cloud_bin
            ))
        })?;
    let ns = file.replicas[x].ns.clone();
    let listen = format!("{}:{}", file.ip_of(x)?, RELAY_PORT_BASE + y as u16);
    let target = file.replicas[y].addr.clone();
    let log = file.state_dir().join(format!("relay-{x}-{y}.log"));
    let err = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(io(format!("opening {}", log.display())))?;
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns])
        .arg(&bin)
        .args(["relay", "--listen", &listen, "--to", &target])
        .args(["--delay-ms", &ms(fwd.delay), "--jitter-ms", &ms(fwd.jitter)])
        .args(["--back-delay-ms", &ms(back.delay)])
        .args(["--back-jitter-ms", &ms(back.jitter)])
        .args(["--mark", &RELAY_MARK.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(err);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .spawn()
        .map_err(io(format!("starting a relay in {ns}")))?;
    let pid = child.id();
    // The relay prints one line once it listens (or exits on failure).
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped stdout");
    let _ = std::io::BufReader::new(stdout).read_line(&mut line);
    if !line.starts_with("listening") {
        let _ = child.kill();
        let _ = child.wait();
        return Err(NetnsError::Command {
            cmd: format!("cloud relay --listen {listen} --to {target} (in {ns})"),
            stderr: crate::log_tail(&log, 10),
        });
    }
    drop(child);
    Ok(RelayProc {
        from: x,
        to: y,
        ns,
        listen,
        target,
        pid,
        log,
    })
}

fn stop_relay(r: &RelayProc) {
    let _ = process::stop(
        r.pid,
        &format!("--listen {}", r.listen),
        Duration::from_secs(2),
    );
    // SAFETY: waitpid with WNOHANG on a pid has no memory-safety preconditions.
    unsafe {
        libc::waitpid(r.pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG);
    }
}

/// Add (`on`) or remove the DNAT and reset rules steering `x`'s
/// connections to `y` into the relay.
fn relay_rules(file: &NetnsFile, x: usize, y: usize, on: bool) -> Result<(), NetnsError> {
    let ns = &file.replicas[x].ns;
    let (peer, port) = (file.ip_of(y)?, file.port());
    let to = format!("{}:{}", file.ip_of(x)?, RELAY_PORT_BASE + y as u16);
    let mark = format!("{RELAY_MARK:#x}");
    let op = if on { "-A" } else { "-D" };
    let matches = [
        "-p",
        "tcp",
        "-d",
        peer,
        "--dport",
        port,
        "-m",
        "mark",
        "!",
        "--mark",
        &mark,
        "-m",
        "comment",
        "--comment",
        RELAY_COMMENT,
    ];
    let ipt = |table: &str, target: &[&str]| {
        let mut a = vec![
            "netns", "exec", ns, "iptables", "-w", "-t", table, op, "OUTPUT",
        ];
        a.extend_from_slice(&matches);
        a.extend_from_slice(target);
        ip(&a)
    };
    let present = ip(&["netns", "exec", ns, "iptables", "-w", "-t", "nat", "-S", "OUTPUT"])
        .map_err(|e| {
            NetnsError::Unsupported(format!(
                "no netem qdisc, and iptables (nat table) is unusable for delay relays ({e}); apt-get install -y iptables"
            ))
        })?
        .lines()
        .any(|l| l.contains(RELAY_COMMENT) && l.contains(&format!("-d {peer}/32")));
    if present == on {
        return Ok(());
    }
    ipt("nat", &["-j", "DNAT", "--to-destination", &to])?;
    // Connections opened before the DNAT rule still go to the peer directly: reset them.
    ipt("filter", &["-j", "REJECT", "--reject-with", "tcp-reset"])?;
    Ok(())
}

/// Stop every relay of the cluster and remove its rules; forget the delays.
fn clear_relays(file: &NetnsFile) -> Result<(), NetnsError> {
    let dir = file.state_dir();
    let state = RelayState::read(&dir);
    for r in &state.relays {
        relay_rules(file, r.from, r.to, false)?;
        stop_relay(r);
    }
    if dir.join(RELAYS_FILE).exists() {
        RelayState::default().write(&dir)?;
    }
    Ok(())
}

/// Loss without netem: an iptables `statistic` DROP rule in `ns` for
/// packets to `dst` (previous rule for `dst` replaced).
fn iptables_loss(ns: &str, dst: &str, percent: f64) -> Result<(), NetnsError> {
    let ipt = |args: &[&str]| {
        let mut a = vec!["netns", "exec", ns, "iptables"];
        a.extend_from_slice(args);
        ip(&a)
    };
    ipt(&["-w", "-L", "OUTPUT", "-n"]).map_err(|e| {
        NetnsError::Unsupported(format!(
            "the kernel has no netem qdisc and iptables is unusable ({e}); apt-get install -y iptables"
        ))
    })?;
    clear_iptables_for(ns, Some(dst))?;
    if percent > 0.0 {
        let p = format!("{}", percent / 100.0);
        ipt(&[
            "-w",
            "-A",
            "OUTPUT",
            "-d",
            dst,
            "-m",
            "statistic",
            "--mode",
            "random",
            "--probability",
            &p,
            "-m",
            "comment",
            "--comment",
            "kvstore-netns",
            "-j",
            "DROP",
        ])?;
    }
    Ok(())
}

/// Remove our iptables rules in `ns` (those for `dst` only, if given).
fn clear_iptables_for(ns: &str, dst: Option<&str>) -> Result<(), NetnsError> {
    let Ok(rules) = ip(&["netns", "exec", ns, "iptables", "-w", "-S", "OUTPUT"]) else {
        return Ok(()); // no iptables: nothing of ours to remove
    };
    for rule in rules.lines().filter(|l| l.contains("kvstore-netns")) {
        if let Some(d) = dst {
            if !rule.contains(&format!("-d {d}/32")) {
                continue;
            }
        }
        let del = rule.replacen("-A OUTPUT", "-D OUTPUT", 1);
        let mut args = vec!["netns", "exec", ns, "iptables", "-w"];
        let parts: Vec<String> = shell_words(&del);
        args.extend(parts.iter().map(String::as_str));
        ip(&args)?;
    }
    Ok(())
}

/// Split an `iptables -S` line into words (double quotes group).
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Cut every link between a replica of `a` and a replica of `b` (both
/// directions) with blackhole routes. Other links are unchanged.
pub fn partition(file: &NetnsFile, a: &[usize], b: &[usize]) -> Result<(), NetnsError> {
    if a.iter().any(|x| b.contains(x)) {
        return Err(NetnsError::Invalid(
            "a replica cannot be on both sides of a partition".into(),
        ));
    }
    for (x, y) in a.iter().flat_map(|x| b.iter().map(move |y| (*x, *y))) {
        for (from, to) in [(x, y), (y, x)] {
            let dst = format!("{}/32", file.ip_of(to)?);
            let ns = &file.replicas[file.ip_of(from).map(|_| from)?].ns;
            ip(&["-n", ns, "route", "replace", "blackhole", &dst])?;
        }
    }
    Ok(())
}

/// Parse `0/1,2` (groups separated by `/`, replicas by `,`) into two sides.
pub fn parse_groups(s: &str) -> Result<(Vec<usize>, Vec<usize>), NetnsError> {
    let side = |t: &str| -> Result<Vec<usize>, NetnsError> {
        t.split(',')
            .map(|x| {
                x.trim()
                    .parse::<usize>()
                    .map_err(|e| NetnsError::Invalid(format!("replica {x:?}: {e}")))
            })
            .collect()
    };
    match s.split_once('/') {
        Some((a, b)) => Ok((side(a)?, side(b)?)),
        None => Err(NetnsError::Invalid(format!(
            "groups {s:?}: expected e.g. 0/1,2"
        ))),
    }
}

/// Remove every fault: blackhole routes, delay/loss leaves, drop rules.
pub fn heal(file: &NetnsFile) -> Result<(), NetnsError> {
    let n = file.replicas.len();
    for r in &file.replicas {
        ip(&["-n", &r.ns, "route", "flush", "type", "blackhole"])?;
        if file.shaping {
            for j in (0..n).filter(|j| *j as u64 != r.id) {
                leaf(&r.ns, j, &["pfifo"])?;
            }
        }
        clear_iptables_for(&r.ns, None)?;
    }
    clear_relays(file)
}

/// Stop the replicas and delete the namespaces of the cluster in `dir`
/// (namespaces named `NAME-*` are deleted even if `netns.json` is gone: pass
/// the name). Returns how each replica was stopped.
pub fn down(dir: &Path, name: Option<&str>) -> Result<Vec<(u64, Stopped)>, NetnsError> {
    let file = NetnsFile::read(dir).ok();
    let name = match (name, &file) {
        (Some(n), _) => n.to_string(),
        (None, Some(f)) => f.name.clone(),
        (None, None) => {
            return Err(NetnsError::Invalid(format!(
                "no {} in {} and no --name given",
                NETNS_FILE,
                dir.display()
            )))
        }
    };
    // Relays would keep their (deleted) namespaces alive: stop them first.
    for r in RelayState::read(dir).relays {
        stop_relay(&r);
    }
    let _ = std::fs::remove_file(dir.join(RELAYS_FILE));
    let replicas = file.map(|f| f.replicas).unwrap_or_default();
    let report = teardown(&name, &replicas)?;
    let _ = std::fs::remove_file(NetnsFile::path_in(dir));
    Ok(report)
}

fn teardown(name: &str, replicas: &[NetnsReplica]) -> Result<Vec<(u64, Stopped)>, NetnsError> {
    let mut report = Vec::new();
    for r in replicas {
        let how = process::stop(
            r.pid,
            &format!("--listen {}", r.addr),
            Duration::from_secs(5),
        )
        .map_err(io(format!("stopping pid {}", r.pid)))?;
        // Reap it if it is our child (ignore otherwise).
        // SAFETY: waitpid with WNOHANG on a pid has no memory-safety preconditions.
        unsafe {
            libc::waitpid(r.pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG);
        }
        report.push((r.id, how));
    }
    let prefix = format!("{name}-");
    for ns in list_namespaces()?.into_iter().filter(|n| {
        n.strip_prefix(&prefix)
            .is_some_and(|rest| rest == "hub" || rest == "client" || rest.starts_with('r'))
    }) {
        ip(&["netns", "del", &ns])?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_groups() {
        assert_eq!(pairs(3, None, None).len(), 6);
        assert_eq!(pairs(3, Some(0), None), vec![(0, 1), (0, 2)]);
        assert_eq!(pairs(3, None, Some(2)), vec![(0, 2), (1, 2)]);
        assert_eq!(pairs(3, Some(1), Some(1)), vec![]);
        assert_eq!(parse_groups("0/1,2").unwrap(), (vec![0], vec![1, 2]));
        assert!(parse_groups("0,1").is_err());
        assert!(parse_groups("a/1").is_err());
        assert_eq!(class_of(0), "10");
        assert_eq!(class_of(9), "19");
    }

    #[test]
    fn iptables_lines_split_into_words() {
        assert_eq!(
            shell_words(r#"-D OUTPUT -d 10.0.0.2/32 -m comment --comment "kvstore netns" -j DROP"#),
            vec![
                "-D",
                "OUTPUT",
                "-d",
                "10.0.0.2/32",
                "-m",
                "comment",
                "--comment",
                "kvstore netns",
                "-j",
                "DROP"
            ]
        );
    }
}
