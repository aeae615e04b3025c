//! The pipelined load generator (`kvstore load`) against an in-process
//! 3-replica cluster: closed loop, and open loop at a target rate paced by
//! `kvstore_runtime::pacer`.

mod common;

use common::Cluster;
use kvstore_runtime::loadgen::{run, LoadSpec};
use std::time::Duration;

fn spec(addrs: Vec<String>, rate: Option<f64>) -> LoadSpec {
    LoadSpec {
        replicas: addrs,
        tls: None,
        duration: Duration::from_millis(600),
        warmup: Duration::from_millis(100),
        connections: 2,
        depth: 4,
        batch: 8,
        read_ratio: 0.5,
        keys: 50,
        value_bytes: 16,
        rate,
        rotate: false,
        stream: false,
        pace_tick: Duration::ZERO,
        seed: 3,
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_runs_at_the_target_rate_and_closed_loop_as_fast_as_it_can() {
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    c.start_all().await;
    let addrs = c.addrs.clone();

    // 4,000 ops/s in batches of 8 over 2 connections: one request every
    // 4 ms per connection. The whole schedule (100 ms warm-up + 600 ms)
    // has 2 x 175 requests = 2,800 operations, of which those answered in
    // the measured phase count (2,400 sent in it, plus warm-up requests
    // answered late on a busy machine): never more than the schedule, and
    // without pacing a closed loop would do many times that.
    let open = run(&spec(addrs.clone(), Some(4000.0))).await.unwrap();
    assert_eq!(open.errors, 0, "{:?}", open.first_error);
    assert_eq!(open.target_ops_per_s, Some(4000.0));
    assert!(open.ops % 8 == 0, "whole batches: {}", open.ops);
    assert!(
        (1200..=2800).contains(&open.ops),
        "an open loop at 4,000 ops/s measured {} ops in 0.6 s",
        open.ops
    );
    assert!(open.p50_ms > 0.0 && open.p50_ms <= open.p99_ms);

    let closed = run(&spec(addrs.clone(), None)).await.unwrap();
    assert_eq!(closed.errors, 0, "{:?}", closed.first_error);
    assert!(closed.ops > 0 && closed.target_ops_per_s.is_none());
    assert_eq!(closed.transport, "batch-calls");

    // The same over one `BatchStream` call per replica, open and closed loop.
    for rate in [Some(4000.0), None] {
        let streamed = run(&LoadSpec {
            stream: true,
            ..spec(addrs.clone(), rate)
        })
        .await
        .unwrap();
        assert_eq!(streamed.errors, 0, "{:?}", streamed.first_error);
        assert_eq!(streamed.transport, "batch-stream");
        assert!(
            streamed.ops > 0 && streamed.ops % 8 == 0,
            "{}",
            streamed.ops
        );
        if rate.is_some() {
            assert!(streamed.ops <= 2800, "{}", streamed.ops);
        }
    }

    // Released on a 20 ms grid, the requests (one every 4 ms per
    // connection) leave in groups of 5 and wait 0-18 ms for their grid
    // point; that wait is charged to them, latency being from each
    // request's intended time (sent at once, the median is under 1 ms).
    let gridded = run(&LoadSpec {
        stream: true,
        pace_tick: Duration::from_millis(20),
        ..spec(addrs.clone(), Some(4000.0))
    })
    .await
    .unwrap();
    assert_eq!(gridded.errors, 0, "{:?}", gridded.first_error);
    assert!(
        (1200..=2800).contains(&gridded.ops),
        "{} ops on a 20 ms grid",
        gridded.ops
    );
    assert!(
        gridded.p50_ms >= 4.0,
        "the wait for the grid is not in the latency: p50 {} ms",
        gridded.p50_ms
    );

    // Bad input is refused before anything is sent.
    let mut bad = spec(c.addrs.clone(), Some(-1.0));
    let e = run(&bad).await.unwrap_err().to_string();
    assert!(e.contains("rate must be positive"), "{e}");
    bad.rate = None;
    bad.batch = 0;
    let e = run(&bad).await.unwrap_err().to_string();
    assert!(e.contains("must be positive"), "{e}");
    c.stop_all().await;
}

/// `kvstore load` as users run it: on one thread (the default) and on a
/// multi-threaded runtime, open loop; `--threads 0` is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_command_runs_on_one_thread_or_many() {
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    c.start_all().await;
    let replicas = c.addrs.join(",");
    let load = |threads: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kvstore"))
            .args(["load", "--replicas", &replicas, "--threads", threads])
            .args(["--seconds", "0.5", "--warmup", "0.1", "--rate", "4000"])
            .args(["--connections", "2", "--depth", "4", "--batch", "8"])
            .output()
            .expect("kvstore runs")
    };
    for threads in ["1", "2"] {
        let out = tokio::task::block_in_place(|| load(threads));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "--threads {threads}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(report["errors"], 0, "--threads {threads}: {stdout}");
        let ops = report["ops"].as_u64().unwrap();
        // 4,000 ops/s for 0.5 s (plus warm-up requests answered late):
        // never more than the 2,400 operations of the whole schedule.
        assert!(
            (800..=2400).contains(&ops),
            "--threads {threads}: {ops} ops"
        );
    }
    let out = tokio::task::block_in_place(|| load("0"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--threads must be positive"), "{err}");
    c.stop_all().await;
}
