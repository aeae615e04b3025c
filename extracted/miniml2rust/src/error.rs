//! Errors of the translator.

use thiserror::Error;

/// Why a translation failed.
#[derive(Debug, Error)]
pub enum Error {
    /// The input is not valid extraction JSON.
    #[error("cannot parse extraction JSON: {0}")]
    Parse(#[from] serde_json::Error),
    /// A construct the translator refuses (it never guesses).
    #[error("unsupported construct in `{decl}` at {path}: {what}")]
    Unsupported {
        /// Declaration being translated.
        decl: String,
        /// Path inside the term (`/`-separated, `.` at the root).
        path: String,
        /// What was refused, and why.
        what: String,
    },
    /// The extracted program is ill-formed or ill-typed as MiniML.
    #[error("ill-formed program in `{decl}` at {path}: {what}")]
    IllFormed {
        /// Declaration being translated.
        decl: String,
        /// Path inside the term.
        path: String,
        /// The problem.
        what: String,
    },
    /// The module does not follow the store convention (`ALGORITHM`).
    #[error("not a store module: {0}")]
    NotAStore(String),
}

/// Result with the translator's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Where we are while walking a declaration, for error messages.
#[derive(Debug, Clone, Default)]
pub struct Loc {
    /// Declaration name.
    pub decl: String,
    /// Path segments inside the term.
    pub path: Vec<String>,
}

impl Loc {
    /// Location at the root of `decl`.
    pub fn new(decl: &str) -> Self {
        Loc {
            decl: decl.to_string(),
            path: Vec::new(),
        }
    }

    /// The path as text.
    pub fn path_text(&self) -> String {
        if self.path.is_empty() {
            ".".to_string()
        } else {
            self.path.join("/")
        }
    }

    /// An [`Error::Unsupported`] at this location.
    pub fn unsupported(&self, what: impl Into<String>) -> Error {
        Error::Unsupported {
            decl: self.decl.clone(),
            path: self.path_text(),
            what: what.into(),
        }
    }

    /// An [`Error::IllFormed`] at this location.
    pub fn ill_formed(&self, what: impl Into<String>) -> Error {
        Error::IllFormed {
            decl: self.decl.clone(),
            path: self.path_text(),
            what: what.into(),
        }
    }
}
