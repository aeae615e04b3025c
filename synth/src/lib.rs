//! synth (being written).
pub mod oracle;
