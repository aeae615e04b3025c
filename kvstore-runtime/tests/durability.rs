//! Write-ahead log: a killed replica recovers every acknowledged write and
//! keeps replicating; torn tails are truncated; corruption refuses to start;
//! a restart without the log after sending messages is refused by the peers.

mod common;

use common::Cluster;
use kvstore_runtime::{Client, FsyncPolicy, WalOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tonic::Code;

/// A free 127.0.0.1 port (bound then released).
fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// `kvstore serve` of `store` as replica `id`, with a log in `wal` and
/// `extra` flags.
fn spawn_replica(store: &str, id: usize, addrs: &[String], wal: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_kvstore"))
        .args(["serve", "--store", store, "--id", &id.to_string()])
        .args(extra)
        .args(["--listen", &addrs[id], "--peers", &addrs.join(",")])
        .arg("--wal")
        .arg(wal)
        .args(["--fsync", "always"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Wait (at most 10 s) until replica `i` answers a fresh read.
async fn wait_up(addrs: &[String], i: usize) {
    let mut c = Client::connect(addrs)
        .unwrap()
        .with_failover(false)
        .with_timeout(Duration::from_millis(500));
    c.set_replica(i);
    let t = Instant::now();
    while c.get("probe").await.is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "replica {i} did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        c.new_session();
    }
}

struct Procs(Vec<Option<Child>>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().flatten() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_replica_recovers_acknowledged_writes_and_keeps_replicating() {
    killed_replica_recovers("handwritten-vc", &[]).await;
}

/// The same with the whole replica on one thread (`--actor inline`) and a
/// verified store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_single_threaded_replica_recovers_acknowledged_writes() {
    killed_replica_recovers("causal", &["--actor", "inline"]).await;
}

async fn killed_replica_recovers(store: &str, extra: &[&str]) {
    let spawn_replica =
        |i: usize, addrs: &[String], wal: &Path| spawn_replica(store, i, addrs, wal, extra);
    let dir = tempfile::tempdir().unwrap();
    let addrs: Vec<String> = (0..3).map(|_| free_addr()).collect();
    let wal = |i: usize| dir.path().join(format!("wal{i}"));
    let mut procs = Procs(
        (0..3)
            .map(|i| Some(spawn_replica(i, &addrs, &wal(i))))
            .collect(),
    );
    for i in 0..3 {
        wait_up(&addrs, i).await;
    }
    let mut s = Client::connect(&addrs).unwrap().with_failover(false);
    s.set_replica(1);
    for i in 0..30 {
        s.put(format!("k{i}"), format!("v{i}")).await.unwrap();
    }
    // SIGKILL: no graceful shutdown, whatever was acknowledged must be in the log.
    let mut victim = procs.0[1].take().unwrap();
    victim.kill().unwrap();
    victim.wait().unwrap();
    procs.0[1] = Some(spawn_replica(1, &addrs, &wal(1)));
    wait_up(&addrs, 1).await;
    // The session's token covers all 30 writes: served at once by the
    // recovered replica (the peers cannot give it its own writes back).
    for i in 0..30 {
        assert_eq!(
            s.get(format!("k{i}")).await.unwrap(),
            Some(format!("v{i}").into_bytes())
        );
    }
    // Its new writes are accepted by the peers (same incarnation, next sequence numbers).
    s.put("after", "restart").await.unwrap();
    s.set_replica(0);
    assert_eq!(s.get("after").await.unwrap(), Some(b"restart".to_vec()));
    assert_eq!(s.get("k29").await.unwrap(), Some(b"v29".to_vec()));
    // And it still receives the peers' new writes.
    let mut t = Client::connect(&addrs).unwrap().with_failover(false);
    t.set_replica(2);
    t.put("from2", "x").await.unwrap();
    t.set_replica(1);
    assert_eq!(t.get("from2").await.unwrap(), Some(b"x".to_vec()));
}

/// Give replica `i` the log directory `dir/wal<i>`.
fn wal_cluster(dir: &Path) -> impl Fn(usize, &mut kvstore_runtime::ServerConfig) + Send {
    let dir: PathBuf = dir.to_path_buf();
    move |i, c| {
        c.wal = Some(WalOptions {
            dir: dir.join(format!("wal{i}")),
            fsync: FsyncPolicy::Always,
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torn_wal_tail_is_truncated_and_earlier_writes_survive() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cluster::reserve("handwritten-vc", 1).await;
    c.customize = Box::new(wal_cluster(dir.path()));
    c.start(0).await;
    let mut s = c.pinned(0);
    for i in 0..10 {
        s.put(format!("k{i}"), format!("v{i}")).await.unwrap();
    }
    c.stop(0).await;
    // A crash in the middle of writing the last record.
    let file = dir.path().join("wal0").join("wal.log");
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    c.start(0).await;
    let mut fresh = c.pinned(0);
    for i in 0..9 {
        assert_eq!(
            fresh.get(format!("k{i}")).await.unwrap(),
            Some(format!("v{i}").into_bytes())
        );
    }
    assert_eq!(fresh.get("k9").await.unwrap(), None);
    fresh.put("k9", "again").await.unwrap();
    c.stop(0).await;
    c.start(0).await;
    let mut again = c.pinned(0);
    assert_eq!(again.get("k9").await.unwrap(), Some(b"again".to_vec()));
    c.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_wal_in_the_middle_refuses_to_start_naming_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cluster::reserve("handwritten-vc", 1).await;
    c.customize = Box::new(wal_cluster(dir.path()));
    c.start(0).await;
    let mut s = c.pinned(0);
    for i in 0..10 {
        s.put(format!("k{i}"), format!("value-{i}")).await.unwrap();
    }
    c.stop(0).await;
    let file = dir.path().join("wal0").join("wal.log");
    let mut data = std::fs::read(&file).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0x55;
    std::fs::write(&file, &data).unwrap();
    let err = c.try_start(0).await.unwrap_err().to_string();
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("corrupt at offset"), "{err}");
    // Nothing was truncated or rewritten.
    assert_eq!(std::fs::read(&file).unwrap(), data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_without_the_log_after_sending_is_refused_by_the_peers() {
    let mut c = Cluster::reserve("handwritten-vc", 2).await;
    c.start_all().await;
    let mut s = c.pinned(1);
    s.put("a", "1").await.unwrap();
    s.set_replica(0);
    assert_eq!(s.get("a").await.unwrap(), Some(b"1".to_vec()));
    // Replica 1 comes back without a log: a new incarnation with sequence numbers from 1.
    c.stop(1).await;
    c.start(1).await;
    let mut t = c.pinned(1).with_timeout(Duration::from_millis(600));
    t.put("b", "2").await.unwrap();
    t.put("c", "3").await.unwrap();
    t.set_replica(0);
    let err = t.get("b").await.unwrap_err();
    assert_eq!(err.code(), Some(Code::Unavailable), "{err}");
    let refused = c
        .replica(0)
        .metrics()
        .render()
        .lines()
        .find(|l| l.starts_with("kvstore_deliveries_refused_total"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .unwrap();
    assert!(refused > 0);
    c.stop_all().await;
}
