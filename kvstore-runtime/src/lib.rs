//! gRPC replica runtime for any store implementing [`kv_store_api::Store`],
//! plus the client library and the `kvstore` command line.
//!
//! * [`serve`] / [`serve_with_listener`]: run one replica of a store;
//! * [`run_store_by_name`]: the same for a store chosen by name (the
//!   [registry](registry) of servable stores);
//! * [`Client`]: a session against a cluster;
//! * [`baseline::HandwrittenVc`]: the hand-written, unverified baseline store.
//!
//! Each replica's state is owned by one actor ([`actor`](crate::actor) is
//! private), on a dedicated thread or, with [`ActorPlacement::Inline`], as a
//! task of the single thread that runs the whole replica; replication between replicas is sequence-numbered,
//! acknowledged, retransmitted and de-duplicated so that every message is
//! applied exactly once everywhere.
#![warn(missing_docs)]

mod actor;
pub mod baseline;
mod batch_stream;
pub mod channel;
pub mod cli;
pub mod client;
pub mod config;
pub mod deadline;
pub mod extra_store;
pub mod hrtimer;
pub mod loadgen;
pub mod metrics;
pub mod ops;
pub mod pacer;
mod pending;
pub mod pipeline;
mod pipeline_stream;
pub mod proto;
pub mod registry;
mod replication;
pub mod security;
pub mod server;
mod service;
pub mod wal;

pub use client::{Client, ClientError, Completion, Pipeline};
pub use config::{ActorPlacement, FileConfig, ServerConfig, WalOptions};
pub use ops::{Bytes, Op, OpResult};
pub use registry::{
    run_store_by_name, run_store_by_name_on, with_store_by_name, StoreVisitor, UnknownStore,
    STORE_NAMES,
};
pub use security::{ClientTls, TlsFiles};
pub use server::{run_single_threaded, serve, serve_with_listener, ReplicaHandle, ServeError};
pub use wal::FsyncPolicy;
