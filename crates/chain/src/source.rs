//! Where chain state comes from: the one trait the model reads through.
//!
//! The model never talks to a network. A [`Source`] answers four questions at a block: values
//! at keys, the entries under a key prefix, a runtime call, and which blocks it can read. The
//! light client (verified by smoldot), a verified or trusted RPC endpoint, a recorded snapshot and the
//! in-process devnode in tests each implement it, so the same decoding runs on all of them and
//! tests run on recorded bytes. Each source says how its answers were obtained
//! ([`Provenance`]), and every figure the model returns carries that label.
//!
//! Methods are `async` because the live sources are; a snapshot answers at once.

use serde::{Deserialize, Serialize};

use crate::error::SourceError;

/// A block: height and header hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockRef {
    /// Height; genesis is 0.
    pub number: u64,
    /// blake2b-256 of the SCALE header.
    #[serde(with = "crate::hexser::array")]
    pub hash: [u8; 32],
}

/// How a source's answers were obtained, for the badge next to every figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Provenance {
    /// A light client checked headers, finality and Merkle proofs against the chain spec.
    LightClient,
    /// A JSON-RPC endpoint's answers, each checked: finality by GRANDPA justifications from a
    /// shipped checkpoint, values by read proofs against a proven state root.
    VerifiedRpc,
    /// A JSON-RPC endpoint's answers, believed as given (the user chose to trust it).
    TrustedRpc,
    /// Values recorded earlier into a snapshot file; not verified when read back.
    Snapshot,
    /// Read from a node's own state in the same process (tests and the devnode).
    Local,
}

impl Provenance {
    /// A stable id (`light-client`), for attributes and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Provenance::LightClient => "light-client",
            Provenance::VerifiedRpc => "verified-rpc",
            Provenance::TrustedRpc => "trusted-rpc",
            Provenance::Snapshot => "snapshot",
            Provenance::Local => "local",
        }
    }
}

/// Chain state at blocks. See the module documentation.
#[allow(async_fn_in_trait)]
pub trait Source {
    /// How this source's answers were obtained.
    fn provenance(&self) -> Provenance;

    /// The newest finalized block this source can read.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the source has no finalized block yet or failed.
    async fn finalized(&self) -> Result<BlockRef, SourceError>;

    /// The finalized block at `number`, if this source can still read it (a light client
    /// reads only recent blocks it kept pinned; a snapshot only those it recorded).
    ///
    /// # Errors
    ///
    /// [`SourceError::BlockUnavailable`] when it cannot.
    async fn block(&self, number: u64) -> Result<BlockRef, SourceError>;

    /// Keeps `blocks` readable until [`Source::unhold`] (a light client otherwise lets old
    /// blocks go as new ones are finalized). Sources that keep what they have need nothing.
    ///
    /// # Errors
    ///
    /// [`SourceError::BlockUnavailable`] when one can no longer be read; none is held then.
    fn hold(&self, blocks: &[BlockRef]) -> Result<(), SourceError> {
        let _ = blocks;
        Ok(())
    }

    /// Ends a [`Source::hold`].
    fn unhold(&self, blocks: &[BlockRef]) {
        let _ = blocks;
    }

    /// The values at `keys` (in order; `None` where a key holds nothing).
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the block cannot be read or the source fails.
    async fn storage(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError>;

    /// Every entry whose key starts with `prefix`, sorted by key.
    ///
    /// # Errors
    ///
    /// As [`Source::storage`].
    async fn storage_prefix(
        &self,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError>;

    /// The SCALE output of runtime entry point `function` (`Core_version`) with SCALE `params`.
    ///
    /// # Errors
    ///
    /// As [`Source::storage`]; also when the runtime refuses the call.
    async fn call(
        &self,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError>;
}

/// A reference reads as what it points to (a [`crate::snapshot::Recorder`] can wrap a
/// borrowed source).
impl<S: Source> Source for &S {
    fn provenance(&self) -> Provenance {
        (**self).provenance()
    }

    async fn finalized(&self) -> Result<BlockRef, SourceError> {
        (**self).finalized().await
    }

    async fn block(&self, number: u64) -> Result<BlockRef, SourceError> {
        (**self).block(number).await
    }

    fn hold(&self, blocks: &[BlockRef]) -> Result<(), SourceError> {
        (**self).hold(blocks)
    }

    fn unhold(&self, blocks: &[BlockRef]) {
        (**self).unhold(blocks);
    }

    async fn storage(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        (**self).storage(at, keys).await
    }

    async fn storage_prefix(
        &self,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        (**self).storage_prefix(at, prefix).await
    }

    async fn call(
        &self,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        (**self).call(at, function, params).await
    }
}
