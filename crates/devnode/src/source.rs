//! The devnode's own state as a `chain::Source`, so the dashboard's model and replays run on
//! it directly in tests, with no network and no light client in between.
//!
//! Reads go to the state after any block the node still keeps ([`Chain::keep_states`]); a
//! block it no longer keeps is `BlockUnavailable`, as it is for a light client. Answers are
//! labelled [`Provenance::Local`]: nothing was verified, they are the node's own.

use std::cell::RefCell;
use std::ops::Bound;

use chain::{BlockRef, Provenance, Source, SourceError};

use crate::chain::Chain;
use crate::proof::ProofError;

/// A [`Source`] reading an in-process [`Chain`]. See the module documentation.
pub struct LocalSource<'c> {
    chain: RefCell<&'c mut Chain>,
}

impl core::fmt::Debug for LocalSource<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalSource").finish_non_exhaustive()
    }
}

impl<'c> LocalSource<'c> {
    /// Reads `chain` (mutably borrowed: runtime calls need its executor).
    pub fn new(chain: &'c mut Chain) -> Self {
        LocalSource {
            chain: RefCell::new(chain),
        }
    }
}

fn unavailable(error: ProofError, number: u64) -> SourceError {
    match error {
        ProofError::UnknownBlock(_) | ProofError::Pruned { .. } => SourceError::BlockUnavailable {
            number,
            reason: error.to_string(),
        },
        other => SourceError::Failed(other.to_string()),
    }
}

impl Source for LocalSource<'_> {
    fn provenance(&self) -> Provenance {
        Provenance::Local
    }

    async fn finalized(&self) -> Result<BlockRef, SourceError> {
        let chain = self.chain.borrow();
        let b = chain.finalized_block();
        Ok(BlockRef {
            number: b.number,
            hash: b.hash,
        })
    }

    async fn block(&self, number: u64) -> Result<BlockRef, SourceError> {
        let chain = self.chain.borrow();
        let b = chain.block(number).ok_or(SourceError::BlockUnavailable {
            number,
            reason: "no such block".into(),
        })?;
        let hash = b.hash;
        chain.state_at(&hash).map_err(|e| unavailable(e, number))?;
        Ok(BlockRef { number, hash })
    }

    async fn storage(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        let chain = self.chain.borrow();
        let (_, state) = chain
            .state_at(&at.hash)
            .map_err(|e| unavailable(e, at.number))?;
        Ok(keys
            .iter()
            .map(|k| state.get(k).map(<[u8]>::to_vec))
            .collect())
    }

    async fn storage_prefix(
        &self,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        let chain = self.chain.borrow();
        let (_, state) = chain
            .state_at(&at.hash)
            .map_err(|e| unavailable(e, at.number))?;
        Ok(state
            .storage()
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn call(
        &self,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        self.chain
            .borrow_mut()
            .call_at(&at.hash, function, params)
            .map_err(|e| unavailable(e, at.number))
    }
}
