//! Start and stop a 3-replica loopback cluster of `handwritten-vc`.

use cloud::{Cluster, ClusterFile, Stopped, UpOptions};
use kvstore_runtime::Client;
use std::path::PathBuf;
use std::process::Command;

/// Build (if needed) and locate the `kvstore` binary of this target profile.
fn kvstore_bin() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let bin = cloud::default_kvstore_bin().unwrap();
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-q", "-p", "kvstore-runtime", "--bin", "kvstore"]);
    if bin.components().any(|c| c.as_os_str() == "release") {
        cmd.arg("--release");
    }
    let status = cmd.status().expect("running cargo build");
    assert!(status.success(), "building kvstore failed");
    assert!(bin.is_file(), "{} missing after build", bin.display());
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_serves_and_down_stops_three_replicas() {
    let bin = kvstore_bin();
    let dir = tempfile::tempdir().unwrap();
    let mut opts = UpOptions::new("handwritten-vc", 3, dir.path());
    opts.kvstore_bin = Some(bin);
    let cluster = Cluster::up(&opts).await.unwrap();
    let file = ClusterFile::read(dir.path()).unwrap();
    assert_eq!(&file, cluster.file());
    assert_eq!(file.replicas.len(), 3);
    for r in &file.replicas {
        assert!(cloud::process::alive(r.pid));
        assert!(cloud::health::check(&r.addr).await.unwrap());
    }
    // The replicas replicate: a session writes at 0 and reads at 2.
    let mut s = Client::connect(&cluster.addrs())
        .unwrap()
        .with_failover(false);
    s.put("k", "v").await.unwrap();
    s.set_replica(2);
    assert_eq!(s.get("k").await.unwrap(), Some(b"v".to_vec()));

    // A second `up` in the same directory is refused while the cluster runs.
    let err = Cluster::up(&opts).await.unwrap_err();
    assert!(
        err.to_string().contains("already holds a running cluster"),
        "{err}"
    );

    // Stop through the cluster file, as `cloud down` does from another process.
    let file = cluster.detach();
    let report = tokio::task::spawn_blocking({
        let d = dir.path().to_path_buf();
        move || cloud::down(&d).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(report.len(), 3);
    for (r, how) in &report {
        assert_ne!(
            *how,
            Stopped::NotRunning,
            "replica {} was not running",
            r.id
        );
    }
    for r in &file.replicas {
        // Children of this process stay zombies until reaped; `alive` ignores zombies.
        assert!(!cloud::process::alive(r.pid), "pid {} still alive", r.pid);
        let log = std::fs::read_to_string(&r.log).unwrap();
        assert!(log.contains("replica serving"), "{log}");
    }
    assert!(!ClusterFile::path_in(dir.path()).exists());
}

#[tokio::test]
async fn unknown_store_fails_with_the_log_tail() {
    let bin = kvstore_bin();
    let dir = tempfile::tempdir().unwrap();
    let mut opts = UpOptions::new("no-such-store", 1, dir.path());
    opts.kvstore_bin = Some(bin);
    let err = Cluster::up(&opts).await.unwrap_err().to_string();
    assert!(err.contains("did not become healthy"), "{err}");
    assert!(err.contains("unknown store"), "{err}");
}

#[test]
fn cli_up_then_down() {
    let bin = kvstore_bin();
    let dir = tempfile::tempdir().unwrap();
    let cloud = env!("CARGO_BIN_EXE_cloud");
    let out = Command::new(cloud)
        .args([
            "up",
            "--store",
            "handwritten-vc",
            "--replicas",
            "3",
            "--dir",
        ])
        .arg(dir.path())
        .arg("--kvstore-bin")
        .arg(&bin)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let addrs = String::from_utf8(out.stdout).unwrap();
    assert_eq!(addrs.trim().split(',').count(), 3);
    let file = ClusterFile::read(dir.path()).unwrap();
    let out = Command::new(cloud)
        .args(["down", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(!text.contains("NotRunning"), "{text}");
    for r in &file.replicas {
        assert!(!cloud::process::alive(r.pid));
    }
}
