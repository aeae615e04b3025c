//! The load generator against an in-process cluster, and the demo against a
//! loopback cluster of `kvstore` processes.

use bench_harness::demo::{demo, DemoOptions};
use bench_harness::load::run_load;
use bench_harness::provenance::Provenance;
use bench_harness::results::ResultsFile;
use bench_harness::workload::{Length, Workload};
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
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_run_measures_every_operation() {
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
    let w = workload(401);
    let m = run_load(&addrs, &w, false).await.unwrap();
    assert_eq!(m.ops, 401);
    assert_eq!(m.errors, 0);
    assert_eq!(m.latency_us.len(), 401);
    assert!(m.seconds > 0.0 && m.ops_per_s() > 0.0);
    let run = m.to_run("handwritten-vc", &w, 3);
    assert!(run.p50_ms > 0.0 && run.p50_ms <= run.p99_ms && run.p99_ms <= run.p999_ms);
    assert_eq!(run.workload, "uniform-r50-k50-v16-c4");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/r.json");
    let file = ResultsFile::new(
        vec![run],
        Provenance::capture(&["bench".into(), "run".into()]),
    );
    file.write(&path).unwrap();
    assert_eq!(ResultsFile::read(&path).unwrap(), file);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for k in ["runs", "command", "revision", "machine", "date"] {
        assert!(json.get(k).is_some(), "missing {k}");
    }
    for k in [
        "store",
        "workload",
        "replicas",
        "ops_per_s",
        "p50_ms",
        "p99_ms",
        "p999_ms",
    ] {
        assert!(json["runs"][0].get(k).is_some(), "missing runs[0].{k}");
    }
    for k in ["cpus", "mem_gib", "os", "kernel"] {
        assert!(json["machine"].get(k).is_some(), "missing machine.{k}");
    }
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
        out: dir.path().join("results/handwritten-vc.json"),
        cluster_dir: dir.path().join("cluster"),
        kvstore_bin: Some(bin),
        progress: false,
        argv: vec!["bench".into(), "demo".into()],
    };
    let r = demo(&opts).await.unwrap();
    assert_eq!(r.runs.len(), 1);
    assert_eq!(r.runs[0].ops, 300);
    assert_eq!(r.runs[0].replicas, 3);
    assert_eq!(ResultsFile::read(&opts.out).unwrap(), r);
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
