//! Three replicas of `handwritten-vc` on 127.0.0.1 ephemeral ports, in one process.

use kvstore_runtime::{run_store_by_name_on, Client, Op, OpResult, ReplicaHandle, ServerConfig};
use std::time::Duration;
use tokio::net::TcpListener;
use tonic::Code;

const STORE: &str = "handwritten-vc";

/// Reserved (bound, not yet served) addresses of a cluster.
struct Cluster {
    addrs: Vec<String>,
    listeners: Vec<Option<TcpListener>>,
    replicas: Vec<Option<ReplicaHandle>>,
}

impl Cluster {
    async fn reserve(n: usize) -> Cluster {
        let mut listeners = Vec::new();
        let mut addrs = Vec::new();
        for _ in 0..n {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            addrs.push(l.local_addr().unwrap().to_string());
            listeners.push(Some(l));
        }
        Cluster {
            addrs,
            listeners,
            replicas: (0..n).map(|_| None).collect(),
        }
    }

    fn config(&self, i: usize) -> ServerConfig {
        let mut c = ServerConfig::new(i as u64, self.addrs[i].parse().unwrap(), self.addrs.clone());
        c.retry_max = Duration::from_millis(200);
        c.max_value_bytes = 1000;
        c
    }

    /// Start replica `i` (on its reserved listener, or re-binding its address).
    async fn start(&mut self, i: usize) {
        let listener = match self.listeners[i].take() {
            Some(l) => l,
            None => TcpListener::bind(&self.addrs[i]).await.unwrap(),
        };
        let h = run_store_by_name_on(STORE, self.config(i), listener)
            .await
            .unwrap();
        assert_eq!(h.local_addr().to_string(), self.addrs[i]);
        self.replicas[i] = Some(h);
    }

    async fn start_all(n: usize) -> Cluster {
        let mut c = Cluster::reserve(n).await;
        for i in 0..n {
            c.start(i).await;
        }
        c
    }

    /// Close the reserved port of a replica that never started (connections are refused).
    fn release(&mut self, i: usize) {
        self.listeners[i] = None;
    }

    async fn stop(&mut self, i: usize) {
        self.replicas[i].take().unwrap().shutdown().await.unwrap();
    }

    async fn stop_all(mut self) {
        for i in 0..self.replicas.len() {
            if self.replicas[i].is_some() {
                self.stop(i).await;
            }
        }
    }

    /// A session pinned to replica `i` (no failover).
    fn pinned(&self, i: usize) -> Client {
        let mut c = Client::connect(&self.addrs).unwrap().with_failover(false);
        c.set_replica(i);
        c
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_reads_its_write_at_another_replica() {
    let mut cluster = Cluster::reserve(3).await;
    cluster.start(0).await;
    cluster.start(2).await;
    let mut s = cluster.pinned(0);
    s.put("k", "v1").await.unwrap();
    assert!(!s.token().is_empty());
    // Replica 1 starts only now, so it has certainly not applied the write:
    // the read must wait for retransmission from replica 0.
    cluster.start(1).await;
    s.set_replica(1);
    assert_eq!(s.get("k").await.unwrap(), Some(b"v1".to_vec()));
    // A fresh session at replica 2 may read before or after; once its token
    // covers the write at 0, it must see it. Writes in the same session are ordered.
    s.put("k", "v2").await.unwrap();
    s.set_replica(2);
    assert_eq!(s.get("k").await.unwrap(), Some(b"v2".to_vec()));
    assert_eq!(s.get("missing").await.unwrap(), None);
    cluster.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_that_cannot_catch_up_is_unavailable_with_a_clear_message() {
    let mut cluster = Cluster::reserve(3).await;
    cluster.start(0).await;
    let mut s = cluster.pinned(0).with_timeout(Duration::from_millis(400));
    s.put("k", "v").await.unwrap();
    // Replica 0 goes down before replicas 1 and 2 ever run: nobody can
    // bring replica 1 the write the session has seen.
    cluster.stop(0).await;
    cluster.start(1).await;
    s.set_replica(1);
    let err = s.get("k").await.unwrap_err();
    assert_eq!(err.code(), Some(Code::Unavailable), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("catch up with the session token"), "{msg}");
    // A fresh session is served at once (and does not see the write).
    let mut fresh = cluster.pinned(1);
    assert_eq!(fresh.get("k").await.unwrap(), None);
    // With failover, the client tries every replica and reports the last failure.
    cluster.release(2);
    let mut f = Client::connect(&cluster.addrs)
        .unwrap()
        .with_timeout(Duration::from_millis(400));
    f.set_token(s.token().to_vec());
    f.set_replica(1);
    let err = f.get("k").await.unwrap_err();
    assert_eq!(err.code(), Some(Code::Unavailable), "{err}");
    cluster.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_token_is_invalid_argument_and_changes_nothing() {
    let cluster = Cluster::start_all(3).await;
    let mut s = cluster.pinned(0);
    s.set_token(vec![1, 2, 3]);
    let err = s.put("k", "v").await.unwrap_err();
    assert_eq!(err.code(), Some(Code::InvalidArgument), "{err}");
    assert!(err.to_string().contains("malformed token"), "{err}");
    // A token of a different cluster size is named as such.
    s.set_token(bincode::serialize(&vec![0u64, 0]).unwrap());
    let err = s.get("k").await.unwrap_err();
    assert_eq!(err.code(), Some(Code::InvalidArgument), "{err}");
    assert!(err.to_string().contains("3 replicas"), "{err}");
    let mut fresh = cluster.pinned(0);
    assert_eq!(fresh.get("k").await.unwrap(), None);
    assert_eq!(
        fresh.token(),
        bincode::serialize(&vec![0u64, 0, 0]).unwrap()
    );
    cluster.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_rejected_and_change_nothing() {
    let cluster = Cluster::start_all(3).await;
    let mut s = cluster.pinned(0);
    let err = s.put("k", vec![7u8; 1001]).await.unwrap_err();
    assert_eq!(err.code(), Some(Code::InvalidArgument), "{err}");
    assert!(
        err.to_string().contains("exceeds the limit of 1000 bytes"),
        "{err}"
    );
    let err = s.put(vec![1u8; 1025], "v").await.unwrap_err();
    assert_eq!(err.code(), Some(Code::InvalidArgument), "{err}");
    // A batch with one oversized operation runs none of them.
    let err = s
        .batch(vec![
            Op::Put {
                key: b"a".to_vec(),
                value: b"1".to_vec(),
            },
            Op::Put {
                key: b"b".to_vec(),
                value: vec![0; 5000],
            },
        ])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("operation 1"), "{err}");
    assert_eq!(s.get("k").await.unwrap(), None);
    assert_eq!(s.get("a").await.unwrap(), None);
    s.put("k", vec![7u8; 1000]).await.unwrap();
    assert_eq!(s.get("k").await.unwrap(), Some(vec![7u8; 1000]));
    cluster.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_runs_in_order_for_one_session() {
    let cluster = Cluster::start_all(3).await;
    let mut s = cluster.pinned(1);
    let r = s
        .batch(vec![
            Op::Get { key: b"x".to_vec() },
            Op::Put {
                key: b"x".to_vec(),
                value: b"1".to_vec(),
            },
            Op::Get { key: b"x".to_vec() },
            Op::Put {
                key: b"x".to_vec(),
                value: b"2".to_vec(),
            },
            Op::Get { key: b"x".to_vec() },
        ])
        .await
        .unwrap();
    assert_eq!(
        r,
        vec![
            OpResult::Get(None),
            OpResult::Put,
            OpResult::Get(Some(b"1".to_vec())),
            OpResult::Put,
            OpResult::Get(Some(b"2".to_vec())),
        ]
    );
    s.set_replica(2);
    assert_eq!(s.get("x").await.unwrap(), Some(b"2".to_vec()));
    cluster.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_replica_receives_every_message_by_retransmission() {
    let mut cluster = Cluster::start_all(3).await;
    // Replica 2 goes down before any write exists.
    cluster.stop(2).await;
    let mut s = cluster.pinned(0);
    for i in 0..20 {
        s.put(format!("a{i}"), format!("{i}")).await.unwrap();
    }
    s.set_replica(1);
    for i in 0..10 {
        s.put(format!("b{i}"), format!("{i}")).await.unwrap();
    }
    // A new server for replica 2 at the same port.
    cluster.start(2).await;
    s.set_replica(2);
    for i in 0..20 {
        assert_eq!(
            s.get(format!("a{i}")).await.unwrap(),
            Some(format!("{i}").into_bytes())
        );
    }
    for i in 0..10 {
        assert_eq!(
            s.get(format!("b{i}")).await.unwrap(),
            Some(format!("{i}").into_bytes())
        );
    }
    // Its own writes flow back to the others.
    s.put("c", "from-2").await.unwrap();
    s.set_replica(0);
    assert_eq!(s.get("c").await.unwrap(), Some(b"from-2".to_vec()));
    cluster.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sessions_keep_read_your_writes_across_replicas() {
    let cluster = Cluster::start_all(3).await;
    let mut tasks = Vec::new();
    for c in 0..4usize {
        let mut s = Client::connect(&cluster.addrs)
            .unwrap()
            .with_failover(false);
        tasks.push(tokio::spawn(async move {
            for i in 0..60usize {
                s.set_replica(c + i);
                let key = format!("s{c}-k{}", i % 5);
                s.put(key.clone(), format!("{i}")).await.unwrap();
                s.set_replica(c + i + 1);
                assert_eq!(s.get(key).await.unwrap(), Some(format!("{i}").into_bytes()));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    cluster.stop_all().await;
}

#[tokio::test]
async fn unknown_store_names_the_known_ones() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    let err = run_store_by_name_on(
        "no-such-store",
        ServerConfig::new(0, a, vec![a.to_string()]),
        l,
    )
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("no-such-store") && msg.contains(STORE),
        "{msg}"
    );
}
