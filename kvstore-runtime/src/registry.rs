//! The registry of servable stores: the **one place** that maps store names
//! to store types.
//!
//! To register a generated store `foo` (crate under `extracted/stores/foo`),
//! add its crate as a dependency, add `"foo"` to [`STORE_NAMES`], and add one
//! arm to the `match` in [`with_store_by_name`]:
//! `"foo" => Ok(visitor.visit(foo::Foo)),`. The test below checks that every
//! listed name resolves.

use crate::baseline::{HandwrittenVc, HANDWRITTEN_VC};
use crate::config::ServerConfig;
use crate::ops::Bytes;
use crate::server::{serve, serve_with_listener, ReplicaHandle, ServeError};
use kv_store_api::Store;
use std::future::Future;
use std::pin::Pin;
use tokio::net::TcpListener;

/// Name of the verified store extracted from the read-your-writes spec.
pub const READ_YOUR_WRITES: &str = "read-your-writes";

/// Names of all registered stores.
pub const STORE_NAMES: &[&str] = &[
    HANDWRITTEN_VC,
    READ_YOUR_WRITES,
    "monotonic-reads",
    "monotonic-writes",
    "writes-follow-reads",
    "pram",
    "causal",
    "causal-plus",
    "causal-function-store",
];

/// A store name that is not registered.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown store {name:?}; known stores: {}", known.join(", "))]
pub struct UnknownStore {
    /// The requested name.
    pub name: String,
    /// The registered names.
    pub known: Vec<&'static str>,
}

/// Something to do with a store whose type is chosen at run time.
pub trait StoreVisitor {
    /// What the visit produces.
    type Output;
    /// Do it with `store`.
    fn visit<S: Store<Bytes, Bytes>>(self, store: S) -> Self::Output;
}

/// Resolve `name` to its store type and hand the store to `visitor`.
pub fn with_store_by_name<V: StoreVisitor>(
    name: &str,
    visitor: V,
) -> Result<V::Output, UnknownStore> {
    match name {
        HANDWRITTEN_VC => Ok(visitor.visit(HandwrittenVc)),
        // Generated (verified) stores, from extracted/stores/<name>.
        READ_YOUR_WRITES => Ok(visitor.visit(store_read_your_writes::Algorithm)),
        "monotonic-reads" => Ok(visitor.visit(store_monotonic_reads::Algorithm)),
        "monotonic-writes" => Ok(visitor.visit(store_monotonic_writes::Algorithm)),
        "writes-follow-reads" => Ok(visitor.visit(store_writes_follow_reads::Algorithm)),
        "pram" => Ok(visitor.visit(store_pram::Algorithm)),
        "causal" => Ok(visitor.visit(store_causal::Algorithm)),
        "causal-plus" => Ok(visitor.visit(store_causal_plus::Algorithm)),
        // The Chapar-style reference: causal vectors over Chapar's function
        // store (a closure chain), verified through the same pipeline.
        "causal-function-store" => Ok(visitor.visit(store_causal_function_store::Algorithm)),
        _ => Err(UnknownStore {
            name: name.to_string(),
            known: STORE_NAMES.to_vec(),
        }),
    }
}

type ServeFuture = Pin<Box<dyn Future<Output = Result<ReplicaHandle, ServeError>> + Send>>;

struct ServeVisitor {
    config: ServerConfig,
    listener: Option<TcpListener>,
}

impl StoreVisitor for ServeVisitor {
    type Output = ServeFuture;
    fn visit<S: Store<Bytes, Bytes>>(self, store: S) -> ServeFuture {
        match self.listener {
            Some(l) => Box::pin(serve_with_listener(store, self.config, l)),
            None => Box::pin(serve(store, self.config)),
        }
    }
}

/// Start serving the store registered as `name` (binding `config.listen`).
/// The server runs in the background; use the returned handle to stop it.
pub async fn run_store_by_name(
    name: &str,
    config: ServerConfig,
) -> Result<ReplicaHandle, ServeError> {
    with_store_by_name(
        name,
        ServeVisitor {
            config,
            listener: None,
        },
    )?
    .await
}

/// Like [`run_store_by_name`], on an already bound listener (tests use
/// ephemeral ports this way).
pub async fn run_store_by_name_on(
    name: &str,
    config: ServerConfig,
    listener: TcpListener,
) -> Result<ReplicaHandle, ServeError> {
    with_store_by_name(
        name,
        ServeVisitor {
            config,
            listener: Some(listener),
        },
    )?
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NameOf;
    impl StoreVisitor for NameOf {
        type Output = &'static str;
        fn visit<S: Store<Bytes, Bytes>>(self, store: S) -> &'static str {
            store.name()
        }
    }

    #[test]
    fn every_listed_store_resolves_to_itself() {
        for name in STORE_NAMES {
            assert_eq!(with_store_by_name(name, NameOf).unwrap(), *name);
        }
    }

    #[test]
    fn unknown_store_lists_known_names() {
        let e = with_store_by_name("nope", NameOf).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("\"nope\""), "{msg}");
        assert!(msg.contains(HANDWRITTEN_VC), "{msg}");
    }
}
