//! `cloud`: start and stop clusters of kvstore replicas (loopback, network
//! namespaces) and render Kubernetes manifests.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Start and stop loopback clusters of kvstore replicas.
#[derive(Debug, Parser)]
#[command(name = "cloud", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Start N replicas on 127.0.0.1, wait until healthy, write DIR/cluster.json.
    Up {
        /// Registered store name (see `kvstore stores`).
        #[arg(long)]
        store: String,
        /// Number of replicas.
        #[arg(long, default_value_t = 3)]
        replicas: usize,
        /// First port (replica i listens on P+i); default: free ports below the kernel's ephemeral range.
        #[arg(long)]
        base_port: Option<u16>,
        /// Cluster directory (cluster file and logs).
        #[arg(long, default_value = "cluster")]
        dir: PathBuf,
        /// The kvstore binary (default: next to this executable).
        #[arg(long)]
        kvstore_bin: Option<PathBuf>,
        /// Seconds each replica may take to become healthy.
        #[arg(long, default_value_t = 20)]
        health_timeout_s: u64,
        /// Extra arguments passed to every `kvstore serve` (after `--`).
        #[arg(last = true)]
        extra: Vec<String>,
    },
    /// Stop the cluster described by DIR/cluster.json (logs are kept).
    Down {
        /// Cluster directory.
        #[arg(long, default_value = "cluster")]
        dir: PathBuf,
    },
    /// Print DIR/cluster.json and the health of each replica.
    Status {
        /// Cluster directory.
        #[arg(long, default_value = "cluster")]
        dir: PathBuf,
    },
    /// Clusters in network namespaces (root, iproute2).
    Netns {
        #[command(subcommand)]
        command: NetnsCmd,
    },
    /// Run a TCP delay relay (used by `netns delay` on kernels without netem):
    /// accept on LISTEN, forward each connection to TO, holding data for the delay.
    Relay {
        /// Listening address.
        #[arg(long)]
        listen: std::net::SocketAddr,
        /// Target address.
        #[arg(long)]
        to: std::net::SocketAddr,
        /// Delay towards TO, ms.
        #[arg(long, default_value_t = 0.0)]
        delay_ms: f64,
        /// Jitter towards TO (uniform +-), ms.
        #[arg(long, default_value_t = 0.0)]
        jitter_ms: f64,
        /// Delay back from TO, ms.
        #[arg(long, default_value_t = 0.0)]
        back_delay_ms: f64,
        /// Jitter back from TO, ms.
        #[arg(long, default_value_t = 0.0)]
        back_jitter_ms: f64,
        /// SO_MARK of outgoing connections (root).
        #[arg(long)]
        mark: Option<u32>,
    },
    /// Kubernetes manifests.
    K8s {
        #[command(subcommand)]
        command: K8sCmd,
    },
}

#[derive(Debug, Subcommand)]
enum K8sCmd {
    /// Render a StatefulSet, a headless Service and a ConfigMap.
    Render {
        /// Registered store name.
        #[arg(long)]
        store: String,
        /// Number of replicas.
        #[arg(long, default_value_t = 3)]
        replicas: usize,
        /// Container image with `kvstore` on its PATH.
        #[arg(long)]
        image: String,
        /// Object name (default kvstore-<store>).
        #[arg(long)]
        name: Option<String>,
        /// Kubernetes namespace.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// gRPC port.
        #[arg(long, default_value_t = 7000)]
        port: u16,
        /// Write one file per object into this directory instead of stdout.
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct NetnsDir {
    /// Cluster directory (netns.json and logs).
    #[arg(long, default_value = "netns-cluster")]
    dir: PathBuf,
}

#[derive(Debug, clap::Args)]
struct Pair {
    /// Only traffic from this replica (default: every replica).
    #[arg(long)]
    from: Option<usize>,
    /// Only traffic to this replica (default: every replica).
    #[arg(long)]
    to: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum NetnsCmd {
    /// Create NAME-hub (bridge), NAME-r<i> (one per replica), NAME-client; start the replicas.
    Up {
        /// Registered store name.
        #[arg(long)]
        store: String,
        /// Number of replicas.
        #[arg(long, default_value_t = 3)]
        replicas: usize,
        /// Cluster name (namespace prefix, 1-10 letters/digits).
        #[arg(long, default_value = "kv")]
        name: String,
        /// First three octets of the private /24 used inside the namespaces.
        #[arg(long, default_value = "10.77.0")]
        subnet: String,
        /// Port of every replica.
        #[arg(long, default_value_t = 7000)]
        port: u16,
        #[command(flatten)]
        dir: NetnsDir,
        /// The kvstore binary (default: next to this executable).
        #[arg(long)]
        kvstore_bin: Option<PathBuf>,
        /// Extra arguments passed to every `kvstore serve` (after `--`).
        #[arg(last = true)]
        extra: Vec<String>,
    },
    /// Print the cluster and the health of each replica (checked from the client namespace).
    Status {
        #[command(flatten)]
        dir: NetnsDir,
    },
    /// Add one-way delay between replicas (tc netem; userspace relays without netem).
    Delay {
        /// Delay, ms.
        #[arg(long)]
        ms: f64,
        /// Jitter, ms.
        #[arg(long, default_value_t = 0.0)]
        jitter_ms: f64,
        #[command(flatten)]
        pair: Pair,
        #[command(flatten)]
        dir: NetnsDir,
    },
    /// Drop a fraction of packets between replicas (tc netem, or iptables without netem).
    Loss {
        /// Loss, percent.
        #[arg(long)]
        percent: f64,
        #[command(flatten)]
        pair: Pair,
        #[command(flatten)]
        dir: NetnsDir,
    },
    /// Cut the links between two groups of replicas, e.g. --groups 0/1,2.
    Partition {
        /// Two groups separated by '/', replicas by ','.
        #[arg(long)]
        groups: String,
        #[command(flatten)]
        dir: NetnsDir,
    },
    /// Remove every partition, delay and loss.
    Heal {
        #[command(flatten)]
        dir: NetnsDir,
    },
    /// Run a command in the client namespace, e.g. `-- kvstore get --replicas ... k`.
    Exec {
        #[command(flatten)]
        dir: NetnsDir,
        /// The command.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Stop the replicas and delete the namespaces.
    Down {
        #[command(flatten)]
        dir: NetnsDir,
        /// Cluster name (when netns.json is gone).
        #[arg(long)]
        name: Option<String>,
    },
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn k8s(cmd: K8sCmd) -> anyhow::Result<()> {
    let K8sCmd::Render {
        store,
        replicas,
        image,
        name,
        namespace,
        port,
        out_dir,
    } = cmd;
    let mut o = cloud::k8s::K8sOptions::new(store, replicas, image);
    o.name = name;
    o.namespace = namespace;
    o.port = port;
    let ms = cloud::k8s::render(&o)?;
    match out_dir {
        None => print!("{}", cloud::k8s::to_stream(&ms)),
        Some(d) => {
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
            for m in &ms {
                let p = d.join(&m.file);
                std::fs::write(&p, &m.yaml).with_context(|| format!("writing {}", p.display()))?;
                println!("wrote {}", p.display());
            }
        }
    }
    Ok(())
}

async fn netns(cmd: NetnsCmd) -> anyhow::Result<()> {
    use cloud::netns::{self, Impairment, NetnsFile};
    let read = |d: &NetnsDir| {
        NetnsFile::read(&d.dir)
            .with_context(|| format!("reading {}", NetnsFile::path_in(&d.dir).display()))
    };
    match cmd {
        NetnsCmd::Up {
            store,
            replicas,
            name,
            subnet,
            port,
            dir,
            kvstore_bin,
            extra,
        } => {
            let mut o = netns::NetnsOptions::new(name, store, replicas, dir.dir);
            o.subnet = subnet;
            o.port = port;
            o.kvstore_bin = kvstore_bin;
            o.extra_args = extra;
            let f = netns::up(&o).await?;
            println!("{}", f.addrs().join(","));
            eprintln!(
                "client namespace: {} (cloud netns exec -- CMD)",
                f.client_ns
            );
        }
        NetnsCmd::Status { dir } => {
            let f = read(&dir)?;
            println!("delay: {}", f.delay_mechanism());
            let state = netns::RelayState::read(&dir.dir);
            for d in &state.delays {
                println!(
                    "delay {} -> {}: {} ms +- {} ms (relay)",
                    d.from, d.to, d.delay_ms, d.jitter_ms
                );
            }
            for r in &state.relays {
                println!(
                    "relay {} -> {} in {} on {} to {} pid {}",
                    r.from, r.to, r.ns, r.listen, r.target, r.pid
                );
            }
            for r in &f.replicas {
                let addr = r.addr.clone();
                let health = netns::in_netns(&f.client_ns, move || {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| e.to_string())
                        .and_then(|rt| rt.block_on(cloud::health::check(&addr)))
                })?;
                let h = match health {
                    Ok(true) => "SERVING".to_string(),
                    Ok(false) => "NOT_SERVING".to_string(),
                    Err(e) => format!("unreachable ({e})"),
                };
                println!("replica {} {} {} pid {} {h}", r.id, r.ns, r.addr, r.pid);
            }
        }
        NetnsCmd::Delay {
            ms,
            jitter_ms,
            pair,
            dir,
        } => {
            let imp = Impairment {
                delay_ms: ms,
                jitter_ms,
                loss_percent: 0.0,
            };
            netns::impair(&read(&dir)?, pair.from, pair.to, imp)?;
        }
        NetnsCmd::Loss { percent, pair, dir } => {
            let imp = Impairment {
                delay_ms: 0.0,
                jitter_ms: 0.0,
                loss_percent: percent,
            };
            netns::impair(&read(&dir)?, pair.from, pair.to, imp)?;
        }
        NetnsCmd::Partition { groups, dir } => {
            let (a, b) = netns::parse_groups(&groups)?;
            netns::partition(&read(&dir)?, &a, &b)?;
        }
        NetnsCmd::Heal { dir } => netns::heal(&read(&dir)?)?,
        NetnsCmd::Exec { dir, command } => {
            let f = read(&dir)?;
            let status = std::process::Command::new("ip")
                .args(["netns", "exec", &f.client_ns])
                .args(&command)
                .status()
                .context("running ip netns exec")?;
            anyhow::ensure!(
                status.success(),
                "{} exited with {status}",
                command.join(" ")
            );
        }
        NetnsCmd::Down { dir, name } => {
            for (id, how) in netns::down(&dir.dir, name.as_deref())? {
                println!("replica {id}: {how:?}");
            }
        }
    }
    Ok(())
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    kvstore_runtime::cli::init_logging();
    let cli = match cli.command {
        Cmd::K8s { command } => return k8s(command),
        other => Cli { command: other },
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match cli.command {
            Cmd::Up {
                store,
                replicas,
                base_port,
                dir,
                kvstore_bin,
                health_timeout_s,
                extra,
            } => {
                let mut opts = cloud::UpOptions::new(store, replicas, dir);
                opts.base_port = base_port;
                opts.kvstore_bin = kvstore_bin;
                opts.extra_args = extra;
                opts.health_timeout = Duration::from_secs(health_timeout_s);
                let cluster = cloud::Cluster::up(&opts).await?;
                let dir = cluster.dir().to_path_buf();
                let file = cluster.detach();
                println!("{}", file.addrs().join(","));
                eprintln!(
                    "cluster file: {}",
                    cloud::ClusterFile::path_in(&dir).display()
                );
                Ok(())
            }
            Cmd::Down { dir } => {
                for (r, how) in cloud::down(&dir)? {
                    println!("replica {} pid {}: {:?}", r.id, r.pid, how);
                }
                Ok(())
            }
            Cmd::Netns { command } => netns(command).await,
            Cmd::Relay {
                listen,
                to,
                delay_ms,
                jitter_ms,
                back_delay_ms,
                back_jitter_ms,
                mark,
            } => {
                use cloud::relay::{Delay, RelayConfig};
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                let cfg = RelayConfig {
                    target: to,
                    forward: Delay::from_ms(delay_ms, jitter_ms),
                    backward: Delay::from_ms(back_delay_ms, back_jitter_ms),
                    mark,
                };
                tracing::info!(%listen, %to, ?cfg, "relay listening");
                // One line for whoever started us; nothing else goes to stdout.
                println!("listening {}", listener.local_addr()?);
                cloud::relay::serve(listener, cfg).await?;
                Ok(())
            }
            Cmd::K8s { .. } => unreachable!("handled above"),
            Cmd::Status { dir } => {
                let file = cloud::ClusterFile::read(&dir)
                    .with_context(|| format!("reading the cluster file in {}", dir.display()))?;
                for r in &file.replicas {
                    let health = match cloud::health::check(&r.addr).await {
                        Ok(true) => "SERVING".to_string(),
                        Ok(false) => "NOT_SERVING".to_string(),
                        Err(e) => format!("unreachable ({e})"),
                    };
                    println!("replica {} {} pid {} {}", r.id, r.addr, r.pid, health);
                }
                Ok(())
            }
        }
    })
}
