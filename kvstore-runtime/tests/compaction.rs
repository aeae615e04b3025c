//! Write-ahead log compaction: a replica with a tiny threshold snapshots its
//! state and starts new logs, and a restart recovers every acknowledged
//! write and its replication state; a crash between the snapshot and the
//! log rotation recovers; a corrupt snapshot is refused; a store whose
//! state holds closures is never compacted and recovers from its log.

mod common;

use common::Cluster;
use kvstore_runtime::{FsyncPolicy, WalOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Give replica `i` the log directory `dir/wal<i>` and the compaction
/// threshold `compact` (bytes, 0 = never).
fn wal_cluster(
    dir: &Path,
    compact: u64,
) -> impl Fn(usize, &mut kvstore_runtime::ServerConfig) + Send {
    let dir: PathBuf = dir.to_path_buf();
    move |i, c| {
        c.wal = Some(WalOptions {
            dir: dir.join(format!("wal{i}")),
            fsync: FsyncPolicy::Always,
        });
        c.wal_compact_bytes = compact;
    }
}

fn log_len(dir: &Path, i: usize) -> u64 {
    std::fs::metadata(dir.join(format!("wal{i}")).join("wal.log"))
        .unwrap()
        .len()
}

fn snapshot_file(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("wal{i}")).join("snapshot.bin")
}

const VALUE: usize = 100;

fn value(i: usize) -> String {
    format!("{i:0>width$}", width = VALUE)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacted_replica_recovers_writes_tokens_and_replication_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    c.customize = Box::new(wal_cluster(dir.path(), 2048));
    // Replica 2 is down: replica 1's messages to it stay unacknowledged.
    c.listeners[2] = None;
    c.start(0).await;
    c.start(1).await;
    let mut s = c.pinned(1);
    for i in 0..40 {
        s.put(format!("k{i}"), value(i)).await.unwrap();
    }
    let mut t = c.pinned(0);
    for i in 0..10 {
        t.put(format!("p{i}"), format!("from0-{i}")).await.unwrap();
    }
    // Replica 1 received replica 0's writes (t's token waits for them).
    t.set_replica(1);
    assert_eq!(t.get("p9").await.unwrap(), Some(b"from0-9".to_vec()));
    // The log was compacted: far smaller than what was written to it.
    assert!(snapshot_file(dir.path(), 1).exists());
    let len = log_len(dir.path(), 1);
    assert!(
        len < 4096,
        "log of {len} bytes after 50 writes of 100 bytes"
    );

    c.stop(1).await;
    c.start(1).await;
    // The sessions' tokens are served at once (nothing to wait for).
    let mut s = s.with_timeout(Duration::from_millis(500));
    for i in 0..40 {
        assert_eq!(
            s.get(format!("k{i}")).await.unwrap(),
            Some(value(i).into_bytes())
        );
    }
    assert_eq!(t.get("p0").await.unwrap(), Some(b"from0-0".to_vec()));
    // Replica 0's receive position was restored: its next message (seq 11)
    // is applied, not taken for a gap or a duplicate.
    t.set_replica(0);
    t.put("p10", "after").await.unwrap();
    t.set_replica(1);
    assert_eq!(t.get("p10").await.unwrap(), Some(b"after".to_vec()));
    // Replica 1's own unacknowledged messages are still retransmitted: the
    // late replica 2 gets all of them.
    c.start(2).await;
    let mut s2 = s.clone().with_timeout(Duration::from_secs(20));
    s2.set_replica(2);
    assert_eq!(s2.get("k39").await.unwrap(), Some(value(39).into_bytes()));
    assert_eq!(s2.get("k0").await.unwrap(), Some(value(0).into_bytes()));
    // New writes at the recovered replica continue its sequence numbers.
    s.put("k40", "new").await.unwrap();
    s.set_replica(0);
    assert_eq!(s.get("k40").await.unwrap(), Some(b"new".to_vec()));
    c.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_between_snapshot_and_log_rotation_recovers_without_reapplying() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cluster::reserve("handwritten-vc", 1).await;
    c.customize = Box::new(wal_cluster(dir.path(), 0));
    c.start(0).await;
    let mut s = c.pinned(0);
    for i in 0..20 {
        s.put(format!("k{i}"), value(i)).await.unwrap();
    }
    c.stop(0).await;
    let log = dir.path().join("wal0").join("wal.log");
    let old = std::fs::read(&log).unwrap();
    // With a tiny threshold, the replica compacts right after recovery.
    c.customize = Box::new(wal_cluster(dir.path(), 1));
    c.start(0).await;
    c.stop(0).await;
    assert!(snapshot_file(dir.path(), 0).exists());
    assert!(log_len(dir.path(), 0) < old.len() as u64);
    // The crash: the snapshot is written, the log is still the old one.
    std::fs::write(&log, &old).unwrap();
    c.customize = Box::new(wal_cluster(dir.path(), 0));
    // Replaying a put the snapshot holds would produce another message than
    // the logged one and refuse to start: starting proves they are skipped.
    c.start(0).await;
    let mut s = s.with_timeout(Duration::from_millis(500));
    for i in 0..20 {
        assert_eq!(
            s.get(format!("k{i}")).await.unwrap(),
            Some(value(i).into_bytes())
        );
    }
    s.put("k20", "after").await.unwrap();
    c.stop(0).await;
    c.start(0).await;
    assert_eq!(s.get("k20").await.unwrap(), Some(b"after".to_vec()));
    assert_eq!(s.get("k3").await.unwrap(), Some(value(3).into_bytes()));
    c.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_snapshot_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cluster::reserve("handwritten-vc", 1).await;
    c.customize = Box::new(wal_cluster(dir.path(), 512));
    c.start(0).await;
    let mut s = c.pinned(0);
    for i in 0..10 {
        s.put(format!("k{i}"), value(i)).await.unwrap();
    }
    c.stop(0).await;
    let file = snapshot_file(dir.path(), 0);
    let mut data = std::fs::read(&file).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0x55;
    std::fs::write(&file, &data).unwrap();
    let err = c.try_start(0).await.unwrap_err().to_string();
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("checksum mismatch"), "{err}");
    assert!(err.contains("refusing to start"), "{err}");
    // Truncated: refused too; nothing was rewritten.
    std::fs::write(&file, &data[..data.len() / 3]).unwrap();
    let err = c.try_start(0).await.unwrap_err().to_string();
    assert!(err.contains("truncated"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), &data[..data.len() / 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_store_is_never_compacted_and_recovers_from_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cluster::reserve("causal-function-store", 1).await;
    c.customize = Box::new(wal_cluster(dir.path(), 256));
    c.start(0).await;
    let mut s = c.pinned(0);
    for i in 0..10 {
        s.put(format!("k{i}"), value(i)).await.unwrap();
    }
    assert!(!snapshot_file(dir.path(), 0).exists());
    assert!(log_len(dir.path(), 0) > 10 * VALUE as u64);
    c.stop(0).await;
    c.start(0).await;
    let mut s = s.with_timeout(Duration::from_millis(500));
    for i in 0..10 {
        assert_eq!(
            s.get(format!("k{i}")).await.unwrap(),
            Some(value(i).into_bytes())
        );
    }
    c.stop_all().await;
}
