//! [`Backend`] for the in-memory [`Chain`]: the network reads blocks, proofs and the pool
//! straight from it.

use crate::Chain;
use crate::network::{Backend, BlockData};

impl Backend for Chain {
    fn genesis_hash(&self) -> [u8; 32] {
        Chain::genesis_hash(self)
    }

    fn block_number_bytes(&self) -> usize {
        Chain::block_number_bytes(self)
    }

    fn best(&self) -> (u64, [u8; 32]) {
        let best = self.best_block();
        (best.number, best.hash)
    }

    fn finalized(&self) -> (u64, [u8; 32]) {
        let finalized = self.finalized_block();
        (finalized.number, finalized.hash)
    }

    fn grandpa_set_id(&self) -> u64 {
        Chain::grandpa_set_id(self)
    }

    fn set_changes(&self) -> Vec<u64> {
        Chain::set_changes(self).to_vec()
    }

    fn set_id_finalizing(&self, number: u64) -> u64 {
        Chain::set_id_finalizing(self, number)
    }

    fn number_of(&self, hash: &[u8; 32]) -> Option<u64> {
        self.blocks()
            .iter()
            .rev()
            .find(|b| b.hash == *hash)
            .map(|b| b.number)
    }

    fn block_data(&self, number: u64) -> Option<BlockData> {
        self.block(number).map(|b| BlockData {
            header: b.header.clone(),
            body: b.body.clone(),
            justification: b.justification.clone(),
        })
    }

    fn storage_proof(&self, block: &[u8; 32], keys: &[Vec<u8>]) -> Result<Vec<u8>, String> {
        Chain::storage_proof(self, block, keys).map_err(|e| e.to_string())
    }

    fn call_proof(
        &mut self,
        block: &[u8; 32],
        method: &str,
        parameter: &[u8],
    ) -> Result<Vec<u8>, String> {
        Chain::call_proof(self, block, method, parameter).map_err(|e| e.to_string())
    }

    fn submit_transaction(&mut self, extrinsic: Vec<u8>) {
        Chain::submit_transaction(self, extrinsic);
    }
}
