//! kvstore-runtime (being written).
