//! bench-harness (being written).
