//! Loopback clusters of `kvstore serve` processes.
//!
//! * [`Cluster::up`]: start N replicas of a store, wait until each reports
//!   `SERVING` on the gRPC health service, write `cluster.json` (addresses,
//!   pids, logs) into the cluster directory;
//! * [`Cluster::down`] / dropping the [`Cluster`]: stop them;
//! * [`down`]: stop a cluster described by a directory's `cluster.json`
//!   (e.g. started by `cloud up` in another process);
//! * [`netns`]: clusters in network namespaces with delay, loss and
//!   partitions between replicas;
//! * [`relay`]: a userspace TCP delay relay (delay without `sch_netem`);
//! * [`k8s`]: Kubernetes manifests (StatefulSet, headless Service, ConfigMap).
#![warn(missing_docs)]

pub mod health;
pub mod k8s;
pub mod launch;
pub mod manifest;
pub mod netns;
pub mod process;
pub mod relay;

pub use launch::{default_kvstore_bin, down, log_tail, CloudError, Cluster, UpOptions};
pub use manifest::{ClusterFile, ReplicaEntry, CLUSTER_FILE};
pub use process::Stopped;
