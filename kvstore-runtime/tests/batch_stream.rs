//! `Kv/BatchStream` and [`Pipeline::streaming`] against in-process
//! 3-replica clusters: session guarantees across replicas, errors of single
//! requests, deadlines, and a replica stopped and restarted under an open stream.

mod common;

use common::Cluster;
use kvstore_runtime::proto::{
    self, kv_client::KvClient, kv_server::Kv, kv_server::KvServer, tagged_batch_reply::Outcome,
};
use kvstore_runtime::{Client, Op, OpResult, Pipeline};
use std::collections::BTreeMap;
use std::pin::Pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_stream::{Stream, StreamExt};
use tonic::{Code, Request, Response, Status, Streaming};

fn put(k: &str, v: &str) -> Op {
    Op::Put {
        key: k.into(),
        value: v.into(),
    }
}

fn get(k: &str) -> Op {
    Op::Get { key: k.into() }
}

/// Every session writes a key at one replica and reads it back at the
/// next one, round after round: the session tokens carried by the
/// streaming pipeline make every read see the session's own write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_sessions_read_their_writes_at_every_replica() {
    let mut c = Cluster::reserve("causal", 3).await;
    c.start_all().await;
    let client = Client::connect(&c.addrs).unwrap();
    let mut p = Pipeline::streaming(&client, 6);
    let key = |round: u32, t: u64| format!("k{round}-{t}");
    for round in 0..5u32 {
        for t in 0..6 {
            let ops = vec![
                put(&key(round, t), &format!("v{round}")),
                get(&key(round, t)),
            ];
            assert!(p.submit_tagged(ops, t).await.is_none(), "a session is idle");
        }
        // Which session wrote which key.
        let mut wrote = BTreeMap::new();
        for d in p.drain().await {
            let r = d.result.unwrap();
            let want = OpResult::Get(Some(format!("v{round}").into_bytes()));
            assert_eq!(r, vec![OpResult::Put, want], "session {}", d.session);
            wrote.insert(d.session, d.tag);
        }
        assert_eq!(wrote.len(), 6);
        // Read-your-writes at the next replica, where the writes may not
        // have arrived yet: the replica waits for them. Every session reads
        // every key of the round; its own must be there.
        for s in p.idle_sessions() {
            let next = s.replica() + 1;
            s.set_replica(next);
        }
        for t in 0..6 {
            let gets = (0..6).map(|u| get(&key(round, u))).collect();
            assert!(p.submit_tagged(gets, t).await.is_none());
        }
        for d in p.drain().await {
            let own = wrote[&d.session] as usize;
            let want = OpResult::Get(Some(format!("v{round}").into_bytes()));
            assert_eq!(d.result.unwrap()[own], want, "session {}", d.session);
        }
    }
    assert_eq!(p.in_flight(), 0);
    drop(p);
    c.stop_all().await;
}

/// A bad request on a stream is answered with its own error and the
/// stream goes on; replies carry the tags of their requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_request_on_a_stream_fails_alone() {
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    c.customize = Box::new(|_, cfg| cfg.max_value_bytes = 10);
    c.start_all().await;

    // Through the pipeline: an oversized value, then a good request.
    let mut p = Pipeline::streaming(&c.pinned(0), 1);
    p.submit(vec![put("k", "much too long a value")]).await;
    let e = p.next().await.unwrap().result.unwrap_err();
    assert_eq!(e.code(), Some(Code::InvalidArgument), "{e}");
    assert!(
        e.to_string().contains("exceeds the limit of 10 bytes"),
        "{e}"
    );
    p.submit(vec![put("k", "short"), get("k")]).await;
    let r = p.next().await.unwrap().result.unwrap();
    assert_eq!(r[1], OpResult::Get(Some(b"short".to_vec())));

    // On the wire: a request without a batch, one with an empty operation,
    // and a good one, all on one stream.
    let mut kv = KvClient::connect(format!("http://{}", c.addrs[1]))
        .await
        .unwrap();
    let good = proto::BatchRequest {
        ops: vec![proto::Op {
            op: Some(proto::op::Op::Get(proto::GetOp { key: b"k".to_vec() })),
        }],
        token: Vec::new(),
    };
    let requests = vec![
        proto::TaggedBatchRequest {
            tag: 7,
            batch: None,
            wait_ms: 0,
        },
        proto::TaggedBatchRequest {
            tag: 8,
            batch: Some(proto::BatchRequest {
                ops: vec![proto::Op { op: None }],
                token: Vec::new(),
            }),
            wait_ms: 0,
        },
        proto::TaggedBatchRequest {
            tag: 9,
            batch: Some(good),
            wait_ms: 100,
        },
    ];
    let replies: Vec<_> = kv
        .batch_stream(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner()
        .collect::<Result<_, _>>()
        .await
        .unwrap();
    let by_tag: BTreeMap<u64, Outcome> = replies
        .into_iter()
        .map(|r| (r.tag, r.outcome.unwrap()))
        .collect();
    assert_eq!(by_tag.keys().copied().collect::<Vec<_>>(), vec![7, 8, 9]);
    match &by_tag[&7] {
        Outcome::Error(e) => {
            assert_eq!(e.code, Code::InvalidArgument as i32);
            assert!(
                e.message.contains("request 7 carries no batch"),
                "{}",
                e.message
            );
        }
        o => panic!("{o:?}"),
    }
    match &by_tag[&8] {
        Outcome::Error(e) => assert!(e.message.contains("empty operation"), "{}", e.message),
        o => panic!("{o:?}"),
    }
    match &by_tag[&9] {
        Outcome::Ok(b) => assert_eq!(b.results.len(), 1),
        o => panic!("{o:?}"),
    }
    drop(p);
    c.stop_all().await;
}

/// A session whose token the replica cannot catch up with gets
/// `UNAVAILABLE` on the stream, after waiting as long as its timeout allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_request_that_cannot_catch_up_is_unavailable() {
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    c.start(0).await;
    let mut s = c.pinned(0);
    s.put("k", "v").await.unwrap();
    // Replica 0 goes down before replica 1 ever runs.
    c.stop(0).await;
    c.start(1).await;
    let client = c.pinned(1).with_timeout(Duration::from_millis(400));
    let mut p = Pipeline::streaming(&client, 1);
    for session in p.idle_sessions() {
        session.set_token(s.token().to_vec());
    }
    p.submit(vec![get("k")]).await;
    let e = p.next().await.unwrap().result.unwrap_err();
    assert_eq!(e.code(), Some(Code::Unavailable), "{e}");
    assert!(
        e.to_string().contains("catch up with the session token"),
        "{e}"
    );
    drop(p);
    c.stop_all().await;
}

/// A `Kv` service that reads stream requests and never answers them.
struct Silent;

type Replies = Pin<Box<dyn Stream<Item = Result<proto::TaggedBatchReply, Status>> + Send>>;

#[tonic::async_trait]
impl Kv for Silent {
    async fn put(
        &self,
        _: Request<proto::PutRequest>,
    ) -> Result<Response<proto::PutReply>, Status> {
        Err(Status::unimplemented("silent"))
    }
    async fn get(
        &self,
        _: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetReply>, Status> {
        Err(Status::unimplemented("silent"))
    }
    async fn batch(
        &self,
        _: Request<proto::BatchRequest>,
    ) -> Result<Response<proto::BatchReply>, Status> {
        Err(Status::unimplemented("silent"))
    }
    type BatchStreamStream = Replies;
    async fn batch_stream(
        &self,
        r: Request<Streaming<proto::TaggedBatchRequest>>,
    ) -> Result<Response<Replies>, Status> {
        let mut requests = r.into_inner();
        tokio::spawn(async move { while let Ok(Some(_)) = requests.message().await {} });
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }
}

/// Requests a server does not answer complete with `DEADLINE_EXCEEDED` at
/// the client's timeout, and so does opening a stream to a peer that
/// accepts connections but never speaks HTTP/2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_requests_expire_at_the_client_timeout() {
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(KvServer::new(Silent))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(silent)),
    );
    let mute = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mute_addr = mute.local_addr().unwrap().to_string();
    let _mute = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = mute.accept().await {
            held.push(conn);
        }
    });

    let client = Client::connect(&[&silent_addr, &mute_addr])
        .unwrap()
        .with_failover(false)
        .with_timeout(Duration::from_millis(300));
    let mut p = Pipeline::streaming(&client, 2);
    p.submit_tagged(vec![get("k")], 1).await;
    p.submit_tagged(vec![get("k")], 2).await;
    let mut done: Vec<_> = p.drain().await;
    done.sort_by_key(|d| d.tag);
    let e = done[0].result.as_ref().unwrap_err();
    assert_eq!(e.code(), Some(Code::DeadlineExceeded), "{e}");
    assert!(
        e.to_string()
            .contains("no answer within the timeout of 300 ms"),
        "{e}"
    );
    // Session 1 started at replica 1, the mute one.
    let e = done[1].result.as_ref().unwrap_err();
    assert_eq!(e.code(), Some(Code::DeadlineExceeded), "{e}");
    assert!(
        e.to_string()
            .contains("opening the batch stream took longer"),
        "{e}"
    );
}

/// Three puts, one per session, and their completions.
async fn round(p: &mut Pipeline) -> Vec<kvstore_runtime::Completion> {
    for i in 0..3u64 {
        assert!(p.submit_tagged(vec![put("k", "v")], i).await.is_none());
    }
    p.drain().await
}

/// A replica that shuts down answers what it has read and ends its
/// streams with `UNAVAILABLE`; once it is back, the pipeline's next
/// request to it opens a new stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_replica_gets_a_new_stream() {
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    c.start_all().await;
    let mut p = Pipeline::streaming(&c.pinned(0), 3);
    for s in p.idle_sessions() {
        s.set_replica(0);
    }
    for d in round(&mut p).await {
        d.result.unwrap();
    }
    // Shutdown does not wait for the client to close its stream.
    tokio::time::timeout(Duration::from_secs(3), c.stop(0))
        .await
        .expect("shutdown with an open stream is prompt");
    let failed = round(&mut p).await;
    assert_eq!(failed.len(), 3);
    for d in failed {
        let e = d.result.unwrap_err();
        assert_eq!(e.code(), Some(Code::Unavailable), "{e}");
    }
    c.start(0).await;
    // The restarted replica has a new state: start fresh sessions.
    for s in p.idle_sessions() {
        s.new_session();
    }
    for d in round(&mut p).await {
        d.result.unwrap();
    }
    drop(p);
    c.stop_all().await;
}
