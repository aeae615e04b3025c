//! Generated gRPC code (`proto/kvstore.proto`).
#![allow(missing_docs, clippy::all)]

tonic::include_proto!("kvstore.v1");

/// Encoded file descriptor set, for the reflection service.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("kvstore_descriptor");
