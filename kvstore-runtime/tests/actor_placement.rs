//! Replicas whose actor runs inline (the whole replica on one thread), and
//! the replication linger that coalesces rounds into one delivery.

mod common;

use common::{sample, Cluster};
use kvstore_runtime::{run_single_threaded, ActorPlacement, FsyncPolicy, ServerConfig, WalOptions};
use std::time::Duration;

/// Deliveries replica `at` has served (from any peer).
fn deliveries(c: &Cluster, at: usize) -> f64 {
    let text = c.replica(at).metrics().render();
    sample(
        &text,
        &format!("kvstore_request_duration_seconds_count{{replica=\"{at}\",method=\"deliver\"}}"),
    )
}

/// Three inline replicas on ONE thread ([`run_single_threaded`]): sessions keep their
/// guarantees across replicas, a read at a replica that started late waits
/// for retransmission, and shutdown stops every actor task.
#[test]
fn inline_replicas_on_one_thread_replicate_and_keep_sessions() {
    run_single_threaded(|| async {
        let mut c = Cluster::reserve("causal", 3).await;
        c.customize = Box::new(|_, cfg: &mut ServerConfig| cfg.actor = ActorPlacement::Inline);
        c.start(0).await;
        c.start(2).await;
        let mut s = c.pinned(0);
        for i in 0..20 {
            s.put(format!("k{i}"), format!("v{i}")).await.unwrap();
        }
        c.start(1).await;
        s.set_replica(1);
        assert_eq!(s.get("k19").await.unwrap(), Some(b"v19".to_vec()));
        s.put("k0", "again").await.unwrap();
        s.set_replica(2);
        assert_eq!(s.get("k0").await.unwrap(), Some(b"again".to_vec()));
        assert_eq!(s.get("k7").await.unwrap(), Some(b"v7".to_vec()));
        // Concurrent sessions at every replica, served by the same thread.
        let mut tasks = Vec::new();
        for r in 0..3 {
            let mut t = c.pinned(r);
            tasks.push(tokio::task::spawn_local(async move {
                for i in 0..30 {
                    t.put(format!("s{r}-{i}"), "x").await.unwrap();
                    assert_eq!(
                        t.get(format!("s{r}-{i}")).await.unwrap(),
                        Some(b"x".to_vec())
                    );
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        c.stop_all().await;
    })
    .unwrap();
}

/// An inline replica replays its write-ahead log on its own thread: after
/// a restart it serves every acknowledged write and keeps replicating.
#[test]
fn inline_replica_recovers_from_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let wal = dir.path().to_path_buf();
    run_single_threaded(move || async move {
        let mut c = Cluster::reserve("causal", 2).await;
        c.customize = Box::new(move |i, cfg: &mut ServerConfig| {
            cfg.actor = ActorPlacement::Inline;
            cfg.wal = Some(WalOptions {
                dir: wal.join(format!("wal{i}")),
                fsync: FsyncPolicy::Always,
            });
        });
        c.start_all().await;
        let mut s = c.pinned(0);
        for i in 0..10 {
            s.put(format!("k{i}"), format!("v{i}")).await.unwrap();
        }
        c.stop(0).await;
        c.start(0).await;
        for i in 0..10 {
            assert_eq!(
                s.get(format!("k{i}")).await.unwrap(),
                Some(format!("v{i}").into_bytes())
            );
        }
        s.put("after", "restart").await.unwrap();
        s.set_replica(1);
        assert_eq!(s.get("after").await.unwrap(), Some(b"restart".to_vec()));
        c.stop_all().await;
    })
    .unwrap();
}

const LINGER: Duration = Duration::from_millis(500);

/// With a long linger, many consecutive rounds of a replica reach a peer
/// in very few deliveries, and every message still arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linger_coalesces_rounds_into_few_deliveries() {
    let mut c = Cluster::reserve("causal", 2).await;
    c.customize = Box::new(|_, cfg: &mut ServerConfig| {
        cfg.replication_linger = LINGER;
    });
    c.start_all().await;
    let mut s = c.pinned(0);
    // A first write and its delivery start the linger period.
    s.put("first", "1").await.unwrap();
    s.set_replica(1);
    assert_eq!(s.get("first").await.unwrap(), Some(b"1".to_vec()));
    let before = deliveries(&c, 1);
    s.set_replica(0);
    let t = std::time::Instant::now();
    for i in 0..20 {
        s.put(format!("k{i}"), "v").await.unwrap();
    }
    // One delivery may start at once, then at most one per linger period.
    let allowed = 2.0 + (t.elapsed().as_secs_f64() / LINGER.as_secs_f64()).floor();
    s.set_replica(1);
    assert_eq!(s.get("k19").await.unwrap(), Some(b"v".to_vec()));
    let after = deliveries(&c, 1);
    assert!(
        after - before <= allowed,
        "20 rounds in {:?} took {} deliveries (linger {LINGER:?})",
        t.elapsed(),
        after - before
    );
    c.stop_all().await;
}
