//! Errors of the oracle itself (as opposed to errors Rocq reports about a
//! checked development, which are data in a [`Verdict`](super::Verdict)).

use super::verdict::RocqError;

/// Failure of the oracle machinery, or a check whose result cannot be used.
///
/// Cloneable so that one failed run can be reported to every identical job of
/// a [`check_many`](super::Rocq::check_many) batch.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OracleError {
    /// Neither `rocq` nor `coqc` was found on `PATH`.
    #[error("Rocq/Coq not found: install Debian's coq (`apt-get install coq`) or put `rocq`/`coqc` on PATH")]
    NotFound,
    /// The binary exists but `--version` could not be run or understood.
    #[error("cannot determine the Rocq/Coq version of {program}: {reason}")]
    Version {
        /// Program that was asked.
        program: String,
        /// What went wrong.
        reason: String,
    },
    /// An I/O operation of the oracle failed (temp files, spawning coqc...).
    #[error("oracle I/O error while {context}: {message}")]
    Io {
        /// What the oracle was doing.
        context: String,
        /// The underlying error, rendered.
        message: String,
    },
    /// A file or module name that Rocq would not accept as a module name.
    #[error(
        "invalid Rocq module name {0:?}: use letters, digits, `_` and `'`, starting with a letter"
    )]
    InvalidName(String),
    /// The check ran out of time.
    #[error("Rocq check timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// Rocq rejected a source that had to be accepted for the request to make
    /// sense (e.g. the tactics before the goal of [`goal_at`](super::Rocq::goal_at)).
    #[error("Rocq rejected the source: {}", first_message(.0))]
    Rejected(Vec<RocqError>),
    /// Rocq accepted the source but its output could not be parsed.
    #[error("cannot parse Rocq output: {0}")]
    Parse(String),
}

fn first_message(errors: &[RocqError]) -> String {
    errors
        .first()
        .map(|e| format!("line {}: {}", e.line, e.message))
        .unwrap_or_else(|| "no error message".to_string())
}

impl OracleError {
    /// Wraps an [`std::io::Error`] with what the oracle was doing.
    pub(crate) fn io(context: impl Into<String>, err: std::io::Error) -> Self {
        OracleError::Io {
            context: context.into(),
            message: err.to_string(),
        }
    }
}

/// Result type of the oracle.
pub type Result<T, E = OracleError> = std::result::Result<T, E>;
