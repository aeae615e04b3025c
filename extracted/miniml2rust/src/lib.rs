//! miniml2rust (being written).
