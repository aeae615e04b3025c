//! The load generator against an in-process cluster, and the demo against a
//! loopback cluster of `kvstore` processes.

use bench_harness::demo::{demo, DemoOptions};
use bench_harness::load::{run_load, run_repeated};
use bench_harness::provenance::Provenance;
use bench_harness::results::{ResultsFile, StoreRun};
use bench_harness::workload::{Arrival, KeyDist, Length, Workload};
use kvstore_runtime::{run_store_by_name_on, ServerConfig};
use std::path::PathBuf;
use std::process::Command;
use tokio::net::TcpListener;

fn workload(ops: u64) -> Workload {
    Workload {
        length: Length::Ops(ops),
        clients: 4,
        read_ratio: 0.5,
        keys: 50,
        value_bytes: 16,
        warmup_ops_per_client: 10,
        seed: 7,
        ..Workload::default()
    }
}

async fn in_process_cluster() -> (Vec<String>, Vec<kvstore_runtime::ReplicaHandle>) {
    let mut listeners = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..3 {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        addrs.push(l.local_addr().unwrap().to_string());
        listeners.push(l);
    }
    let mut handles = Vec::new();
    for (i, l) in listeners.into_iter().enumerate() {
        let c = ServerConfig::new(i as u64, addrs[i].parse().unwrap(), addrs.clone());
        handles.push(run_store_by_name_on("handwritten-vc", c, l).await.unwrap());
    }
    (addrs, handles)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_run_measures_every_operation() {
    let (addrs, handles) = in_process_cluster().await;
    let w = workload(401);
    let m = run_load(&addrs, &w, false).await.unwrap();
    assert_eq!(m.ops, 401);
    assert_eq!(m.errors, 0);
    assert_eq!(m.latency_us.len(), 401);
    assert!(m.seconds > 0.0 && m.ops_per_s() > 0.0);

    // Three repetitions, zipfian keys: every figure has min <= median <= max.
    let wz = Workload {
        key_dist: KeyDist::Zipfian { theta: 0.99 },
        ..workload(120)
    };
    let ms = run_repeated(&addrs, &wz, 3, false).await.unwrap();
    assert_eq!(ms.len(), 3);
    let run = StoreRun::new("handwritten-vc", 3, &wz, &ms);
    assert_eq!(run.repetitions.len(), 3);
    assert_eq!(run.workload_name, "zipfian-r50-k50-v16-c4");
    let f = &run.figures;
    for s in [f.ops_per_s, f.p50_ms, f.p99_ms, f.max_ms, f.ops] {
        assert!(s.min <= s.median && s.median <= s.max, "{s:?}");
    }
    assert_eq!(f.ops.min, 120.0);
    assert!(f.p50_ms.median > 0.0 && f.p50_ms.median <= f.p99_ms.median);
    // The CDF is non-decreasing and ends at the largest latency.
    let cdf = &run.latency_cdf_ms;
    assert!(cdf
        .windows(2)
        .all(|p| p[0][0] < p[1][0] && p[0][1] <= p[1][1]));
    assert_eq!(cdf.last().unwrap()[0], 1.0);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/r.json");
    let file = ResultsFile::new(
        vec![run],
        Provenance::capture(&["bench".into(), "run".into()]),
    );
    file.write(&path).unwrap();
    assert_eq!(
        serde_json::to_value(ResultsFile::read(&path).unwrap()).unwrap(),
        serde_json::to_value(&file).unwrap()
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for k in [
        "schema", "runs", "command", "revision", "machine", "date", "ratios",
    ] {
        assert!(json.get(k).is_some(), "missing {k}");
    }
    for k in [
        "store",
        "workload",
        "workload_name",
        "replicas",
        "figures",
        "repetitions",
    ] {
        assert!(json["runs"][0].get(k).is_some(), "missing runs[0].{k}");
    }
    for k in ["min", "median", "max"] {
        assert!(json["runs"][0]["figures"]["p99_ms"].get(k).is_some());
    }
    for k in ["cpus", "mem_gib", "os", "kernel"] {
        assert!(json["machine"].get(k).is_some(), "missing machine.{k}");
    }
    for h in handles {
        h.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_charges_queueing_to_latency() {
    let (addrs, handles) = in_process_cluster().await;
    // A target far above what one closed-loop session can do: the schedule
    // falls behind, and latency measured from the intended send time grows
    // well beyond the service time (which closed-loop latency reports).
    let closed = Workload {
        clients: 1,
        warmup_ops_per_client: 20,
        ..workload(300)
    };
    let open = Workload {
        arrival: Arrival::Open {
            rate_per_s: 10_000_000.0,
        },
        ..closed.clone()
    };
    let mc = run_load(&addrs, &closed, false).await.unwrap();
    let mo = run_load(&addrs, &open, false).await.unwrap();
    assert_eq!(mo.ops, 300);
    // One closed-loop session: latencies are disjoint intervals of the run,
    // so they add up to at most its length (HDR values are within 0.1%).
    let total = |m: &bench_harness::load::Measurement| m.latency_us.mean() * m.ops as f64;
    assert!(total(&mc) <= 1.002 * mc.seconds * 1e6 + 300.0);
    // Open loop: all 300 operations are due within the first 30 µs, so
    // operation k waited for the k before it; the last one's latency is
    // about the whole run, and the latencies add up to ~150 runs.
    assert!(mo.latency_us.max() as f64 >= 0.99 * mo.seconds * 1e6 - 100.0);
    assert!(total(&mo) > 10.0 * mo.seconds * 1e6);
    for h in handles {
        h.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn load_against_nothing_fails_clearly() {
    // A port that was just free: connections are refused.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let err = run_load(&[addr], &workload(8), false).await.unwrap_err();
    assert!(err.to_string().contains("no operation succeeded"), "{err}");
}

/// Build (if needed) and locate the `kvstore` binary of this target profile.
fn kvstore_bin() -> PathBuf {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_writes_results_and_stops_the_cluster() {
    let bin = kvstore_bin();
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        store: "handwritten-vc".into(),
        replicas: 3,
        workload: workload(300),
        repetitions: 2,
        out: dir.path().join("results/handwritten-vc.json"),
        cluster_dir: dir.path().join("cluster"),
        kvstore_bin: Some(bin),
        progress: false,
        argv: vec!["bench".into(), "demo".into()],
    };
    let r = demo(&opts).await.unwrap();
    assert_eq!(r.runs.len(), 1);
    assert_eq!(r.runs[0].repetitions.len(), 2);
    assert_eq!(r.runs[0].figures.ops.min, 300.0);
    assert_eq!(r.runs[0].replicas, 3);
    let same = |a: &ResultsFile, b: &ResultsFile| {
        serde_json::to_value(a).unwrap() == serde_json::to_value(b).unwrap()
    };
    assert!(same(&ResultsFile::read(&opts.out).unwrap(), &r));
    // The cluster is gone (cluster file removed), its logs remain.
    assert!(!cloud::ClusterFile::path_in(&opts.cluster_dir).exists());
    assert!(opts.cluster_dir.join("replica-0.log").exists());

    // An unknown store fails and leaves nothing running.
    let bad = DemoOptions {
        store: "no-such-store".into(),
        out: dir.path().join("results/bad.json"),
        ..opts.clone()
    };
    let err = format!("{:#}", demo(&bad).await.unwrap_err());
    assert!(err.contains("unknown store"), "{err}");
    assert!(!bad.out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_takes_its_headline_ratio_from_interleaved_rounds() {
    use bench_harness::compare::{compare, CompareOptions, CAUSAL, HANDWRITTEN};
    let bin = kvstore_bin();
    let dir = tempfile::tempdir().unwrap();
    let mut o = CompareOptions::new(vec!["bench".into(), "compare".into()]);
    o.stores = vec![CAUSAL.into(), HANDWRITTEN.into()];
    o.workloads = vec![workload(200)];
    o.repetitions = 1;
    o.history_stores = Vec::new();
    o.paired_stores = vec![CAUSAL.into(), HANDWRITTEN.into(), "no-such-store".into()];
    o.paired_rounds = 3;
    o.cluster_root = dir.path().join("clusters");
    o.kvstore_bin = Some(bin);
    o.out = dir.path().join("bench.json");
    o.plots_dir = None;
    o.progress = false;
    let r = compare(&o).await.unwrap();
    let p = r.paired.as_ref().expect("a paired phase");
    // Unregistered stores are left out of the rounds; each round measures
    // every other store once, in a rotated order.
    assert_eq!(p.stores, [CAUSAL, HANDWRITTEN]);
    assert_eq!(p.rounds.len(), 3);
    assert_eq!(p.rounds[0].order[0], CAUSAL);
    assert_eq!(p.rounds[1].order[0], HANDWRITTEN);
    for round in &p.rounds {
        assert_eq!(round.ops_per_s.len(), 2);
        assert!(round.ops_per_s.values().all(|x| *x > 0.0), "{round:?}");
    }
    let pr = &p.ratios["verified_vs_handwritten"];
    assert_eq!(pr.per_round.len(), 3);
    assert_eq!(
        r.ratios.verified_vs_handwritten,
        Some((pr.stat.median * 1000.0).round() / 1000.0)
    );
    assert!(r
        .ratio_details
        .contains_key("verified_vs_handwritten:sequential"));
    // Every paired cluster was stopped.
    for s in [CAUSAL, HANDWRITTEN] {
        let d = o.cluster_root.join(format!("{s}-paired"));
        assert!(!cloud::ClusterFile::path_in(&d).exists(), "{s} still up");
    }
}
