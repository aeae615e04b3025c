//! Client operations and their results, shared by the server and the client library.

/// Byte strings (keys, values, encoded tokens and messages).
pub type Bytes = Vec<u8>;

/// One client operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Write `value` at `key`.
    Put {
        /// Key.
        key: Bytes,
        /// Value.
        value: Bytes,
    },
    /// Read `key`.
    Get {
        /// Key.
        key: Bytes,
    },
}

/// The result of one [`Op`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// The put took effect.
    Put,
    /// The value visible to the session, `None` if no write to the key is visible.
    Get(Option<Bytes>),
}
