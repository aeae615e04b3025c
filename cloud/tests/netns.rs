//! Clusters in network namespaces: replication across the bridge, a
//! partition blocks it, heal restores it, down removes everything; a 50 ms
//! delay between two replicas (tc netem, or the userspace relay where the
//! kernel has no netem) delays replication by at least 50 ms.
//! Skipped (with a notice) when not root or when `ip netns` is unusable.

use cloud::netns::{self, in_netns, NetnsFile, NetnsOptions};
use kvstore_runtime::Client;
use std::process::Command;
use std::time::Duration;

fn kvstore_bin() -> std::path::PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let bin = cloud::default_kvstore_bin().unwrap();
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-q", "-p", "kvstore-runtime", "--bin", "kvstore"]);
    if bin.components().any(|c| c.as_os_str() == "release") {
        cmd.arg("--release");
    }
    assert!(cmd.status().unwrap().success(), "building kvstore failed");
    bin
}

/// Run `f` with a client session in the cluster's client namespace.
fn client<T: Send + 'static>(
    f: &NetnsFile,
    op: impl FnOnce(Client) -> std::pin::Pin<Box<dyn std::future::Future<Output = T>>> + Send + 'static,
) -> T {
    let addrs = f.addrs();
    in_netns(&f.client_ns, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            // Channels need the runtime: connect inside it.
            let c = Client::connect(&addrs)
                .unwrap()
                .with_failover(false)
                .with_timeout(Duration::from_secs(2));
            op(c).await
        })
    })
    .unwrap()
}

/// Fresh-session read of `key` at replica `r`.
fn read_at(f: &NetnsFile, r: usize, key: &'static str) -> Option<Vec<u8>> {
    client(f, move |mut c| {
        Box::pin(async move {
            c.set_replica(r);
            c.get(key).await.ok().flatten()
        })
    })
}

fn put_at(f: &NetnsFile, r: usize, key: &'static str, value: &'static str) {
    client(f, move |mut c| {
        Box::pin(async move {
            c.set_replica(r);
            c.put(key, value).await.unwrap();
        })
    })
}

/// Poll until replica `r` shows `value` at `key` (bounded: 200 polls).
fn eventually_reads(f: &NetnsFile, r: usize, key: &'static str, value: &str) -> bool {
    for _ in 0..200 {
        if read_at(f, r, key).as_deref() == Some(value.as_bytes()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_blocks_replication_and_heal_restores_it() {
    if let Err(e) = netns::available() {
        eprintln!("SKIPPED partition_blocks_replication_and_heal_restores_it: {e}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let name = format!("kvt{}", std::process::id() % 100_000);
    let mut opts = NetnsOptions::new(&name, "handwritten-vc", 3, dir.path());
    opts.kvstore_bin = Some(kvstore_bin());
    opts.cloud_bin = Some(env!("CARGO_BIN_EXE_cloud").into());
    opts.subnet = "10.78.0".into();
    let f = netns::up(&opts).await.unwrap();
    assert_eq!(NetnsFile::read(dir.path()).unwrap(), f);
    let names = netns::list_namespaces().unwrap();
    for ns in [&f.hub_ns, &f.client_ns, &f.replicas[2].ns] {
        assert!(names.contains(ns), "{ns} missing");
    }
    // Addresses exist inside the namespaces only.
    let root = Command::new("ip").args(["-4", "addr"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&root.stdout).contains("10.78.0."));

    let outcome = std::panic::catch_unwind(|| {
        // Replication across the bridge.
        put_at(&f, 0, "a", "1");
        assert!(eventually_reads(&f, 1, "a", "1"));
        assert!(eventually_reads(&f, 2, "a", "1"));

        // Partition {0} | {1, 2}: a write at 0 does not reach 1 or 2, while
        // 1 and 2 still replicate to each other.
        netns::partition(&f, &[0], &[1, 2]).unwrap();
        put_at(&f, 0, "b", "2");
        put_at(&f, 1, "c", "3");
        assert!(eventually_reads(&f, 2, "c", "3"));
        assert_eq!(read_at(&f, 0, "b").as_deref(), Some(&b"2"[..]));
        assert_eq!(read_at(&f, 1, "b"), None, "the write crossed the partition");
        assert_eq!(read_at(&f, 2, "b"), None, "the write crossed the partition");
        assert_eq!(read_at(&f, 0, "c"), None, "the write crossed the partition");

        // Loss between replicas: netem, or iptables where netem is missing.
        match netns::impair(
            &f,
            Some(1),
            Some(2),
            netns::Impairment {
                delay_ms: 0.0,
                jitter_ms: 0.0,
                loss_percent: 10.0,
            },
        ) {
            Ok(()) => eprintln!("NOTICE 10% loss applied from replica 1 to replica 2"),
            Err(e) => eprintln!("NOTICE loss not applied here: {e}"),
        }
        // Delay: netem, or relays where netem is missing.
        netns::impair(
            &f,
            None,
            None,
            netns::Impairment {
                delay_ms: 5.0,
                jitter_ms: 1.0,
                loss_percent: 0.0,
            },
        )
        .unwrap();
        eprintln!("NOTICE delay applied with {}", f.delay_mechanism());

        // Heal: both writes reach everyone.
        netns::heal(&f).unwrap();
        assert!(netns::RelayState::read(dir.path()).relays.is_empty());
        for r in 0..3 {
            assert!(eventually_reads(&f, r, "b", "2"), "replica {r} missed b");
            assert!(eventually_reads(&f, r, "c", "3"), "replica {r} missed c");
        }
    });

    let report = netns::down(dir.path(), None).unwrap();
    assert_eq!(report.len(), 3);
    let names = netns::list_namespaces().unwrap();
    assert!(
        !names.iter().any(|n| n.starts_with(&format!("{name}-"))),
        "{names:?}"
    );
    for r in &f.replicas {
        assert!(!cloud::process::alive(r.pid), "replica {} still runs", r.id);
    }
    assert!(!NetnsFile::path_in(dir.path()).exists());
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// Milliseconds from a put at replica `from` until a reader at replica
/// `to` sees it (polling every millisecond; at most 10 s), `n` times.
fn visibility_ms(f: &NetnsFile, from: usize, to: usize, tag: &'static str, n: usize) -> Vec<f64> {
    let addrs = f.addrs();
    in_netns(&f.client_ns, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut samples = Vec::new();
            for i in 0..n {
                let connect = |r| {
                    let mut c = Client::connect(&addrs)
                        .unwrap()
                        .with_failover(false)
                        .with_timeout(Duration::from_secs(2));
                    c.set_replica(r);
                    c
                };
                let (mut w, mut r) = (connect(from), connect(to));
                let key = format!("{tag}-{i}");
                // Warm both channels up first.
                let _ = w.get("warm").await;
                let _ = r.get("warm").await;
                let t0 = std::time::Instant::now();
                w.put(key.clone(), "v").await.unwrap();
                loop {
                    if r.get(key.clone()).await.ok().flatten().is_some() {
                        break;
                    }
                    assert!(
                        t0.elapsed() < Duration::from_secs(10),
                        "{key} never arrived"
                    );
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                samples.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
            samples
        })
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_between_two_replicas_delays_replication() {
    if let Err(e) = netns::available() {
        eprintln!("SKIPPED delay_between_two_replicas_delays_replication: {e}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let name = format!("kvd{}", std::process::id() % 100_000);
    let mut opts = NetnsOptions::new(&name, "handwritten-vc", 3, dir.path());
    opts.kvstore_bin = Some(kvstore_bin());
    opts.cloud_bin = Some(env!("CARGO_BIN_EXE_cloud").into());
    opts.subnet = "10.79.0".into();
    let f = netns::up(&opts).await.unwrap();
    eprintln!("NOTICE delay mechanism: {}", f.delay_mechanism());

    let outcome = std::panic::catch_unwind(|| {
        let fast = visibility_ms(&f, 0, 1, "before", 5);
        eprintln!("NOTICE 0 -> 1 without delay: {fast:?} ms");
        let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(
            min(&fast) < 40.0,
            "replication is slow without delay: {fast:?}"
        );

        // 50 ms one way, 0 -> 1 only.
        netns::impair(
            &f,
            Some(0),
            Some(1),
            netns::Impairment {
                delay_ms: 50.0,
                jitter_ms: 0.0,
                loss_percent: 0.0,
            },
        )
        .unwrap();
        if !f.netem {
            let state = netns::RelayState::read(dir.path());
            assert_eq!(state.delays.len(), 1, "{state:?}");
            // One relay each way for the pair {0, 1}; none for replica 2.
            assert_eq!(state.relays.len(), 2, "{state:?}");
            assert!(state.relays.iter().all(|r| cloud::process::alive(r.pid)));
        }
        // Let the replication link reconnect (through the relay), then measure.
        put_at(&f, 0, "warmup", "1");
        assert!(eventually_reads(&f, 1, "warmup", "1"));
        let slow = visibility_ms(&f, 0, 1, "delayed", 5);
        eprintln!("NOTICE 0 -> 1 with 50 ms delay: {slow:?} ms");
        for s in &slow {
            assert!(
                *s >= 49.0,
                "a write crossed a 50 ms link in {s} ms: {slow:?}"
            );
            assert!(*s < 2000.0, "{slow:?}");
        }
        // The other direction and other pairs stay fast.
        let other = visibility_ms(&f, 0, 2, "other", 3);
        eprintln!("NOTICE 0 -> 2 (not delayed): {other:?} ms");
        assert!(min(&other) < 40.0, "{other:?}");

        // Heal: fast again, relays gone.
        netns::heal(&f).unwrap();
        let state = netns::RelayState::read(dir.path());
        assert!(
            state.relays.is_empty() && state.delays.is_empty(),
            "{state:?}"
        );
        put_at(&f, 0, "healed", "1");
        assert!(eventually_reads(&f, 1, "healed", "1"));
        let after = visibility_ms(&f, 0, 1, "after", 5);
        eprintln!("NOTICE 0 -> 1 after heal: {after:?} ms");
        assert!(min(&after) < 40.0, "{after:?}");
    });

    netns::down(dir.path(), None).unwrap();
    assert!(!netns::list_namespaces()
        .unwrap()
        .iter()
        .any(|n| n.starts_with(&format!("{name}-"))));
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}
