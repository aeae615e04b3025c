//! TLS for client and replica links with a certificate made in the test,
//! the replica secret on the replication service, and the metrics endpoint.

mod common;

use common::{http_get, sample, Cluster};
use kvstore_runtime::proto::{replication_client::ReplicationClient, DeliverRequest, Envelope};
use kvstore_runtime::security::REPLICA_SECRET_HEADER;
use kvstore_runtime::{Client, ClientTls, FsyncPolicy, WalOptions};
use std::time::{Duration, Instant};
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};
use tonic::Code;

const SECRET: &str = "cluster-secret-1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_cluster_replicates_and_the_replica_secret_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    let (cert2, key2) = (cert.clone(), key.clone());
    c.customize = Box::new(move |_, cfg| {
        cfg.tls.cert = Some(cert2.clone());
        cfg.tls.key = Some(key2.clone());
        cfg.tls.ca = Some(cert2.clone());
        cfg.replica_secret = Some(SECRET.into());
    });
    c.start_all().await;
    let tls = ClientTls::new(ck.cert.pem());
    let mut s = Client::connect_with(&c.addrs, Some(&tls))
        .unwrap()
        .with_failover(false);
    s.put("k", "over-tls").await.unwrap();
    // Replicated over the TLS links with the secret.
    s.set_replica(2);
    assert_eq!(s.get("k").await.unwrap(), Some(b"over-tls".to_vec()));

    // A plain-text client cannot talk to a TLS replica.
    let mut plain = c.pinned(0).with_timeout(Duration::from_millis(500));
    assert!(plain.get("k").await.is_err());

    // A client that speaks TLS but has no (or a wrong) secret cannot inject messages.
    let ep = Endpoint::from_shared(format!("https://{}", c.addrs[1]))
        .unwrap()
        .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ck.cert.pem())))
        .unwrap();
    let mut repl = ReplicationClient::new(ep.connect().await.unwrap());
    let forged = || DeliverRequest {
        origin: 0,
        incarnation: 1,
        target: 1,
        messages: vec![Envelope {
            seq: 1,
            payload: vec![0u8; 8].into(),
        }],
    };
    let e = repl.deliver(forged()).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
    assert!(e.message().contains(REPLICA_SECRET_HEADER), "{e:?}");
    let mut req = tonic::Request::new(forged());
    req.metadata_mut()
        .insert(REPLICA_SECRET_HEADER, "guess".parse().unwrap());
    let e = repl.deliver(req).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    // Nothing was delivered: the replicas still agree.
    s.set_replica(1);
    assert_eq!(s.get("k").await.unwrap(), Some(b"over-tls".to_vec()));
    c.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_endpoint_counters_move() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    let d = dir.path().to_path_buf();
    c.customize = Box::new(move |i, cfg| {
        cfg.metrics = Some("127.0.0.1:0".parse().unwrap());
        if i == 0 {
            cfg.wal = Some(WalOptions {
                dir: d.join("wal0"),
                fsync: FsyncPolicy::Batch,
            });
        }
    });
    c.start_all().await;
    let m0 = c.replica(0).metrics_addr().unwrap();
    let m1 = c.replica(1).metrics_addr().unwrap();
    let before = http_get(m0, "/metrics").await;
    assert!(before.starts_with("HTTP/1.1 200 OK"), "{before}");
    let put_ok = "kvstore_ops_total{replica=\"0\",kind=\"put\",outcome=\"ok\"}";
    let get_ok = "kvstore_ops_total{replica=\"0\",kind=\"get\",outcome=\"ok\"}";
    assert_eq!(sample(&before, put_ok), 0.0);
    let wal_before = sample(&before, "kvstore_wal_bytes");

    let mut s = c.pinned(0);
    for i in 0..20 {
        s.put(format!("k{i}"), "v").await.unwrap();
    }
    for i in 0..5 {
        s.get(format!("k{i}")).await.unwrap();
    }
    s.set_token(vec![1]);
    assert!(s.get("k").await.is_err());
    let after = http_get(m0, "/metrics").await;
    assert_eq!(sample(&after, put_ok), 20.0);
    assert_eq!(sample(&after, get_ok), 5.0);
    assert_eq!(
        sample(
            &after,
            "kvstore_ops_total{replica=\"0\",kind=\"get\",outcome=\"invalid\"}"
        ),
        1.0
    );
    assert_eq!(
        sample(
            &after,
            "kvstore_request_duration_seconds_count{replica=\"0\",method=\"put\"}"
        ),
        20.0
    );
    assert!(sample(&after, "kvstore_wal_bytes") > wal_before);
    assert_eq!(sample(&after, "kvstore_messages_produced_total"), 20.0);
    assert!(after.contains("kvstore_outgoing_unacked{replica=\"0\",peer=\"1\"}"));
    assert!(after.contains("kvstore_pending_messages{replica=\"0\"}"));
    // The peers receive and apply the 20 messages (bounded wait, no timing assertion).
    let t = Instant::now();
    loop {
        let m = http_get(m1, "/metrics").await;
        if sample(&m, "kvstore_messages_applied_total") >= 20.0 {
            assert_eq!(sample(&m, "kvstore_messages_received_total"), 20.0);
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "{m}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(http_get(m0, "/other").await.starts_with("HTTP/1.1 404"));
    c.stop_all().await;
}
