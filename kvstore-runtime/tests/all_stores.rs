//! Every registered store (verified ones included) served by 3 replicas:
//! sessions read their writes at other replicas, a replica that was down
//! gets every message by retransmission, garbage tokens are refused.

use kvstore_runtime::{run_store_by_name_on, Client, ReplicaHandle, ServerConfig, STORE_NAMES};
use std::time::Duration;
use tokio::net::TcpListener;
use tonic::Code;

async fn reserve(n: usize) -> (Vec<String>, Vec<TcpListener>) {
    let mut ls = Vec::new();
    for _ in 0..n {
        ls.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    (
        ls.iter()
            .map(|l| l.local_addr().unwrap().to_string())
            .collect(),
        ls,
    )
}

async fn start(store: &str, addrs: &[String], i: usize, l: Option<TcpListener>) -> ReplicaHandle {
    let l = match l {
        Some(l) => l,
        None => TcpListener::bind(&addrs[i]).await.unwrap(),
    };
    let mut c = ServerConfig::new(i as u64, addrs[i].parse().unwrap(), addrs.to_vec());
    c.retry_max = Duration::from_millis(200);
    run_store_by_name_on(store, c, l).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_store_replicates_and_serves_sessions() {
    for store in STORE_NAMES {
        let (addrs, ls) = reserve(3).await;
        let mut ls: Vec<Option<TcpListener>> = ls.into_iter().map(Some).collect();
        let mut h0 = Some(start(store, &addrs, 0, ls[0].take()).await);
        let h2 = start(store, &addrs, 2, ls[2].take()).await;
        // Replica 2 goes down before the writes; replica 1 is not up yet.
        h2.shutdown().await.unwrap();

        let mut s = Client::connect(&addrs).unwrap().with_failover(false);
        for i in 0..10 {
            s.put(format!("k{i}"), format!("v{i}")).await.unwrap();
        }
        let h1 = start(store, &addrs, 1, ls[1].take()).await;
        let h2 = start(store, &addrs, 2, None).await;
        for r in [1, 2] {
            s.set_replica(r);
            for i in 0..10 {
                let got = s.get(format!("k{i}")).await.unwrap();
                assert_eq!(
                    got,
                    Some(format!("v{i}").into_bytes()),
                    "store {store}, replica {r}, key k{i}"
                );
            }
        }
        // Writes at replica 2 reach replica 0.
        s.set_replica(2);
        s.put("k0", "new").await.unwrap();
        s.set_replica(0);
        assert_eq!(
            s.get("k0").await.unwrap(),
            Some(b"new".to_vec()),
            "store {store}"
        );

        // Garbage tokens are refused, not fatal.
        let mut bad = Client::connect(&addrs).unwrap().with_failover(false);
        bad.set_token(vec![0xff; 7]);
        let err = bad.get("k0").await.unwrap_err();
        assert_eq!(
            err.code(),
            Some(Code::InvalidArgument),
            "store {store}: {err}"
        );
        let mut fresh = Client::connect(&addrs).unwrap().with_failover(false);
        fresh.get("k0").await.unwrap();

        for h in [h0.take().unwrap(), h1, h2] {
            h.shutdown().await.unwrap();
        }
    }
}
