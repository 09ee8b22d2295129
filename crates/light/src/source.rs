//! The light client as a `chain::Source`: every storage value the dashboard's model reads comes
//! with a Merkle proof smoldot checked against a block whose header and finality it verified,
//! and every runtime call runs on a call proof. Reads go to a retained finalized block
//! ([`crate::RETAINED_FINALIZED`] of them stay pinned), which is what lets a replay read the
//! block before a subnet's epoch and the epoch block.

use chain::{BlockRef as ModelBlock, Provenance, Source, SourceError};
use smoldot_light::platform::PlatformRef;

use crate::client::Chain;
use crate::error::LightError;
use crate::rpc::{BlockRef, FollowEvent};

/// A [`Source`] reading through a followed [`Chain`].
pub struct LightSource<P: PlatformRef> {
    chain: Chain<P>,
}

impl<P: PlatformRef> LightSource<P> {
    /// Reads through `chain`.
    pub fn new(chain: Chain<P>) -> Self {
        LightSource { chain }
    }

    /// The chain read through.
    pub fn chain(&self) -> &Chain<P> {
        &self.chain
    }

    /// Returns once block `number` (or a later one) is finalized, or when the chain is removed.
    pub async fn wait_finalized(&self, number: u64) {
        let mut events = self.chain.follow();
        while self
            .chain
            .heads()
            .is_none_or(|h| h.finalized.number < number)
        {
            if events.next().await.is_none() {
                return;
            }
        }
    }
}

fn failed(e: LightError) -> SourceError {
    match e {
        LightError::BlockNotPinned { .. } => SourceError::BlockUnavailable {
            number: 0,
            reason: e.to_string(),
        },
        other => SourceError::Failed(other.to_string()),
    }
}

fn model(b: BlockRef) -> ModelBlock {
    ModelBlock {
        number: b.number,
        hash: b.hash,
    }
}

impl<P: PlatformRef> Source for LightSource<P> {
    fn provenance(&self) -> Provenance {
        Provenance::LightClient
    }

    async fn finalized(&self) -> Result<ModelBlock, SourceError> {
        if let Some(heads) = self.chain.heads() {
            return Ok(model(heads.finalized));
        }
        // Not initialized yet: the first follow event names the finalized block.
        let mut events = self.chain.follow();
        while let Some(event) = events.next().await {
            match event {
                Ok(FollowEvent::Initialized { finalized, .. }) => return Ok(model(finalized)),
                Ok(_) => {}
                Err(e) => return Err(SourceError::Failed(e.to_string())),
            }
        }
        Err(SourceError::Failed("the chain was removed".into()))
    }

    async fn block(&self, number: u64) -> Result<ModelBlock, SourceError> {
        self.chain
            .retained_block(number)
            .map(model)
            .ok_or_else(|| SourceError::BlockUnavailable {
                number,
                reason: format!(
                    "the light client keeps only the last {} finalized blocks",
                    crate::RETAINED_FINALIZED
                ),
            })
    }

    fn hold(&self, blocks: &[ModelBlock]) -> Result<(), SourceError> {
        for (i, b) in blocks.iter().enumerate() {
            if !self.chain.hold(b.hash) {
                for held in &blocks[..i] {
                    self.chain.unhold(held.hash);
                }
                return Err(SourceError::BlockUnavailable {
                    number: b.number,
                    reason: "no longer pinned by the light client".into(),
                });
            }
        }
        Ok(())
    }

    fn unhold(&self, blocks: &[ModelBlock]) {
        for b in blocks {
            self.chain.unhold(b.hash);
        }
    }

    async fn storage(
        &self,
        at: &ModelBlock,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        self.chain
            .storage_at(Some(at.hash), keys)
            .await
            .map_err(failed)
    }

    async fn storage_prefix(
        &self,
        at: &ModelBlock,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        self.chain
            .storage_prefix_at(Some(at.hash), prefix)
            .await
            .map_err(failed)
    }

    async fn call(
        &self,
        at: &ModelBlock,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        self.chain
            .call_at(Some(at.hash), function, params)
            .await
            .map_err(failed)
    }
}
