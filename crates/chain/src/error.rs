//! The errors of this crate, one enum per kind of failure, each variant saying what to fix or
//! where the bad bytes came from.

/// Why runtime metadata could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The bytes do not start with the `meta` magic number.
    #[error("metadata does not start with the 'meta' magic number")]
    Magic,
    /// The bytes end before the version byte.
    #[error("metadata is truncated before its version")]
    Truncated,
    /// A version this reader does not know (14, 15 and 16 are read).
    #[error("metadata version {0} is not supported (14, 15 and 16 are)")]
    Version(u8),
    /// The runtime answered `None` for the version asked.
    #[error("the runtime does not offer metadata at that version")]
    NotOffered,
    /// The bytes do not decode as metadata of their version.
    #[error("metadata is malformed: {0}")]
    Malformed(String),
    /// A type id points outside the registry.
    #[error("metadata refers to unknown type id {0}")]
    UnknownType(u32),
}

/// Why bytes read from the chain could not be turned into a value, or a value into bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The runtime has no such storage item, constant, call or API method.
    #[error("{0} is not available on this runtime")]
    NotAvailable(String),
    /// The bytes do not decode as the type the metadata declares (or as the Rust type asked).
    #[error("{at}: {reason}")]
    Bytes {
        /// What was being decoded (`SubtensorModule.Tempo[3]`).
        at: String,
        /// Why.
        reason: String,
    },
    /// A key part or argument does not fit its declared type.
    #[error("{at}: {reason}")]
    Encode {
        /// What was being encoded.
        at: String,
        /// Why.
        reason: String,
    },
}

/// Why a [`crate::Source`] could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The block asked for cannot be read from this source (unpinned, pruned, or not recorded
    /// in a snapshot).
    #[error("block #{number} cannot be read from this source: {reason}")]
    BlockUnavailable {
        /// Its number.
        number: u64,
        /// Why.
        reason: String,
    },
    /// The source failed (network, light client, refused proof); the text says how.
    #[error("{0}")]
    Failed(String),
    /// The source answered something that does not fit the question.
    #[error("the source answered badly: {0}")]
    BadAnswer(String),
}

/// Any failure of a model read: the source, or the bytes it gave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The source could not answer.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The metadata could not be read.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// An answer did not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// An argument is out of range (an unknown netuid or uid).
    #[error("{0}")]
    NotFound(String),
    /// The subnet exists but has not run an epoch yet, so there is nothing to replay.
    #[error("netuid {netuid} has not run an epoch yet")]
    NoEpochYet {
        /// The subnet.
        netuid: u16,
    },
}
