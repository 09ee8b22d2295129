//! The development chain as a state machine: it authors blocks with the real runtime, seals them
//! with Aura, and finalizes them with GRANDPA justifications. No I/O, no clock, no threads.
//!
//! # Overview
//!
//! [`Chain`] holds the genesis information, one linear chain of [`Block`]s and the storage of
//! the best block. [`Chain::produce_block`] takes the current time as a parameter (the caller
//! owns the clock, which may be synthetic) and runs the four block-building entry points of the
//! runtime directly:
//!
//! 1. `Core_initialize_block` with a header prototype carrying the Aura pre-runtime digest;
//! 2. `BlockBuilder_inherent_extrinsics` with the timestamp inherent, whose value must be
//!    exactly `slot * slot_duration` (the timestamp pallet checks it against Aura's slot);
//! 3. `BlockBuilder_apply_extrinsic` for every inherent, then every pooled transaction;
//! 4. `BlockBuilder_finalize_block`, which returns the header with the state and extrinsics
//!    roots the runtime computed.
//!
//! The header is then sealed with an sr25519 signature of its hash. smoldot's own
//! `author::runtime::build_block` cannot be used for this runtime: it rejects the
//! `ExtrinsicInclusionMode` that `Core_initialize_block` returns from Core API v5 on.
//!
//! Only one fork exists (the node is the only author), and only the best block's storage is
//! kept in full. For the last [`KEPT_STATES`] blocks the chain also keeps what each one
//! overwrote, so the state after any of them is rebuilt by undoing the blocks above it when a
//! light client asks for a proof there ([`Chain::storage_proof`], [`Chain::call_proof`]).
//! GRANDPA authority-set changes are refused rather than handled: the development runtime
//! never schedules one.
//!
//! # Usage
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use devnode::{Chain, DevKeys, DevSpec};
//! let keys = DevKeys::alice();
//! let spec = DevSpec::aura_dev(&keys)?;
//! let mut chain = Chain::new(&spec, keys)?;
//! let now = std::time::Duration::ZERO; // a synthetic clock: one slot per call
//! let number = chain.produce_block(now)?.number;
//! let justification = chain.finalize(number)?;
//! # let _ = justification; Ok(()) }
//! ```

use core::num::NonZero;
use core::time::Duration;
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

use smoldot::chain::chain_information::{
    ChainInformationConsensusRef, ChainInformationFinalityRef, ValidChainInformation,
};
use smoldot::executor::{self, host::HostVmPrototype, storage_diff::TrieDiff};
use smoldot::header;
use smoldot::trie::TrieEntryVersion;

use crate::keys::DevKeys;
use crate::proof::{self, ProofError};
use crate::runtime::{self, CallError, Changes, State, Storage};
use crate::scale;
use crate::spec::DevSpec;

/// A produced block.
#[derive(Debug, Clone)]
pub struct Block {
    /// Height; the genesis block is 0.
    pub number: u64,
    /// blake2-256 of the SCALE-encoded header.
    pub hash: [u8; 32],
    /// SCALE-encoded header, sealed (empty digest for the genesis block).
    pub header: Vec<u8>,
    /// Extrinsics, each SCALE-encoded with its length prefix (as in a block body).
    pub body: Vec<Vec<u8>>,
    /// Aura slot claimed by the block; 0 for the genesis block.
    pub slot: u64,
    /// GRANDPA justification, once this block has been finalized explicitly.
    pub justification: Option<Vec<u8>>,
    /// Storage writes and trie node updates of the block, sorted by key.
    pub changes: Changes,
}

/// Why the chain could not be set up from a spec.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The spec has no genesis storage items (only a root hash).
    #[error("chain spec has no genesis storage items")]
    NoGenesisStorage,
    /// smoldot could not derive the chain information (runtime missing or failing).
    #[error("genesis chain information: {0}")]
    Genesis(#[source] smoldot::chain_spec::FromGenesisStorageError),
    /// The chain does not use Aura block production.
    #[error("the chain does not use Aura")]
    NotAura,
    /// The chain does not use GRANDPA finality.
    #[error("the chain does not use GRANDPA")]
    NotGrandpa,
    /// The keys are not in the genesis Aura authority list.
    #[error("the Aura key {0} is not a genesis authority")]
    NotAuraAuthority(String),
    /// The keys are not in the genesis GRANDPA authority list.
    #[error("the GRANDPA key {0} is not a genesis authority")]
    NotGrandpaAuthority(String),
}

/// Why a block could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProduceError {
    /// A runtime entry point failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// `BlockBuilder_inherent_extrinsics` returned something that is not a list of extrinsics.
    #[error("inherent extrinsics output is not a SCALE list of opaque extrinsics")]
    BadInherents,
    /// An inherent was rejected or failed; the block would be invalid.
    #[error("inherent #{index} failed: apply result 0x{result}")]
    InherentFailed {
        /// Position among the inherents.
        index: usize,
        /// The SCALE `ApplyExtrinsicResult`, hex.
        result: String,
    },
    /// `BlockBuilder_finalize_block` returned something that is not a header.
    #[error("finalize_block output is not a header: {0}")]
    BadHeader(#[source] header::Error),
    /// The block height or slot does not fit its encoding.
    #[error("block number or slot overflow")]
    Overflow,
    /// The set change this block was to schedule could not be built.
    #[error("scheduling a GRANDPA set change: {0}")]
    SetChange(String),
    /// The block changed `:code` or `:heappages` and the new runtime does not load.
    #[error("runtime upgrade in block {number} does not load: {reason}")]
    Upgrade {
        /// Block that carried the upgrade.
        number: u64,
        /// smoldot's reason.
        reason: String,
    },
}

/// Why a block could not be finalized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FinalizeError {
    /// No block with that number exists yet.
    #[error("block {0} does not exist")]
    Unknown(u64),
    /// The block is already finalized.
    #[error("block {0} is already final")]
    AlreadyFinal(u64),
    /// A block on the way schedules a GRANDPA authority-set change this node cannot follow:
    /// a delay other than 0, a forced change, or authorities other than its own key.
    #[error(
        "block {0} changes the GRANDPA authority set in a way this node cannot follow \
         (only a change with delay 0 to its own key)"
    )]
    AuthoritySetChange(u64),
    /// The block number does not fit the header's number encoding.
    #[error("block number overflow")]
    Overflow,
}

/// Outcome of a pooled transaction in the last produced block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionOutcome {
    /// Included; the call succeeded.
    Success,
    /// Included; the call failed (fees were still charged). Holds the SCALE `DispatchError`.
    DispatchFailed(Vec<u8>),
    /// Not included: invalid for this block. Holds the SCALE `ApplyExtrinsicResult`.
    Invalid(Vec<u8>),
    /// Not included: the runtime trapped on it (typically bytes that are not an extrinsic).
    Rejected(String),
}

/// How many blocks below the best keep a provable state by default: light clients ask at
/// their finalized block, which trails the best block by a few blocks at most.
pub const KEPT_STATES: usize = 64;

/// What undoes one block: the previous values of what it changed.
struct Undo {
    changes: Changes,
    /// Trie version before the block (a runtime upgrade may change it).
    version: TrieEntryVersion,
}

/// The development chain. See the module documentation.
pub struct Chain {
    keys: DevKeys,
    block_number_bytes: usize,
    /// Always `Some` between calls; taken while a runtime call runs.
    runtime: Option<HostVmPrototype>,
    /// Storage and trie nodes of the best block.
    state: State,
    genesis_information: ValidChainInformation,
    slot_duration: NonZero<u64>,
    aura_authorities: Vec<[u8; 32]>,
    grandpa_set_id: u64,
    grandpa_round: u64,
    /// See [`Chain::set_changes`].
    set_changes: Vec<u64>,
    /// See [`Chain::change_set_every`].
    change_set_every: Option<NonZero<u64>>,
    blocks: Vec<Block>,
    /// Block number by hash.
    by_hash: HashMap<[u8; 32], u64>,
    /// Undo records of the last `kept_states` blocks, oldest first, the best block's last.
    undo: VecDeque<Undo>,
    kept_states: usize,
    finalized: u64,
    pool: Vec<Vec<u8>>,
    last_outcomes: Vec<TransactionOutcome>,
}

impl core::fmt::Debug for Chain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chain")
            .field("best", &self.best_block().number)
            .field("finalized", &self.finalized)
            .field("keys", &self.keys)
            .finish()
    }
}

impl Chain {
    /// Builds the genesis block of `spec` and prepares to author on it with `keys`.
    ///
    /// # Errors
    ///
    /// [`ChainError`] if the genesis does not load or `keys` are not its sole authority.
    pub fn new(spec: &DevSpec, keys: DevKeys) -> Result<Self, ChainError> {
        let chain_spec = spec.chain_spec();
        let storage: Storage = chain_spec
            .genesis_storage()
            .into_genesis_items()
            .ok_or(ChainError::NoGenesisStorage)?
            .iter()
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect();
        let (genesis_information, runtime) = chain_spec
            .to_chain_information()
            .map_err(ChainError::Genesis)?;
        let block_number_bytes = usize::from(chain_spec.block_number_bytes());

        let info = genesis_information.as_ref();
        let (slot_duration, aura_authorities) = match info.consensus {
            ChainInformationConsensusRef::Aura {
                finalized_authorities_list,
                slot_duration,
            } => (
                slot_duration,
                finalized_authorities_list
                    .map(|a| *a.public_key)
                    .collect::<Vec<_>>(),
            ),
            _ => return Err(ChainError::NotAura),
        };
        let (grandpa_set_id, grandpa_authorities) = match info.finality {
            ChainInformationFinalityRef::Grandpa {
                after_finalized_block_authorities_set_id,
                finalized_triggered_authorities,
                ..
            } => (
                after_finalized_block_authorities_set_id,
                finalized_triggered_authorities
                    .iter()
                    .map(|a| a.public_key)
                    .collect::<Vec<_>>(),
            ),
            ChainInformationFinalityRef::Outsourced => return Err(ChainError::NotGrandpa),
        };
        if !aura_authorities.contains(&keys.aura_public()) {
            return Err(ChainError::NotAuraAuthority(hex::encode(
                keys.aura_public(),
            )));
        }
        // A justification needs more than two thirds of the voters; this node only speaks for
        // itself, so it must be the only one.
        if grandpa_authorities != [keys.grandpa_public()] {
            return Err(ChainError::NotGrandpaAuthority(hex::encode(
                keys.grandpa_public(),
            )));
        }

        let genesis_header = info
            .finalized_block_header
            .scale_encoding_vec(block_number_bytes);
        let genesis = Block {
            number: 0,
            hash: header::hash_from_scale_encoded_header(&genesis_header),
            header: genesis_header,
            body: Vec::new(),
            slot: 0,
            justification: None,
            changes: Changes::default(),
        };
        let state = State::new(storage, runtime_state_version(&runtime));

        Ok(Chain {
            keys,
            block_number_bytes,
            runtime: Some(runtime),
            state,
            genesis_information,
            slot_duration,
            aura_authorities,
            grandpa_set_id,
            grandpa_round: 0,
            set_changes: Vec::new(),
            change_set_every: None,
            by_hash: HashMap::from([(genesis.hash, 0)]),
            blocks: vec![genesis],
            undo: VecDeque::new(),
            kept_states: KEPT_STATES,
            finalized: 0,
            pool: Vec::new(),
            last_outcomes: Vec::new(),
        })
    }

    /// The chain information of the genesis block, what a light client starts from.
    pub fn genesis_information(&self) -> &ValidChainInformation {
        &self.genesis_information
    }

    /// Hash of block 0.
    pub fn genesis_hash(&self) -> [u8; 32] {
        self.blocks[0].hash
    }

    /// Bytes used to encode block numbers in headers (4 for subtensor).
    pub fn block_number_bytes(&self) -> usize {
        self.block_number_bytes
    }

    /// Aura slot duration in milliseconds.
    pub fn slot_duration(&self) -> NonZero<u64> {
        self.slot_duration
    }

    /// GRANDPA authority set id the justifications are signed for.
    pub fn grandpa_set_id(&self) -> u64 {
        self.grandpa_set_id
    }

    /// The keys this node authors and votes with.
    pub fn keys(&self) -> &DevKeys {
        &self.keys
    }

    /// The highest block.
    pub fn best_block(&self) -> &Block {
        // `blocks` starts with the genesis block and only grows.
        &self.blocks[self.blocks.len() - 1]
    }

    /// The highest finalized block.
    pub fn finalized_block(&self) -> &Block {
        &self.blocks[self.finalized as usize]
    }

    /// Block at `number`, if produced.
    pub fn block(&self, number: u64) -> Option<&Block> {
        self.blocks.get(usize::try_from(number).ok()?)
    }

    /// Every block from genesis to best.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Any block by hash (the node keeps every block, genesis included).
    pub fn block_by_hash(&self, hash: &[u8; 32]) -> Option<&Block> {
        self.block(*self.by_hash.get(hash)?)
    }

    /// Sets how many blocks below the best keep a provable state ([`KEPT_STATES`] by default;
    /// each costs the previous values of what its block changed). Lowering it forgets the
    /// oldest at once.
    pub fn keep_states(&mut self, blocks: usize) {
        self.kept_states = blocks;
        while self.undo.len() > blocks {
            self.undo.pop_front();
        }
    }

    /// Proof of the value (or absence) of every key of `keys` in the state after block `at`:
    /// the `proof` field of a `light/2` `RemoteReadResponse` (a SCALE list of trie node values,
    /// as smoldot's `proof_decode::decode_and_verify_proof` takes it).
    ///
    /// # Errors
    ///
    /// [`ProofError::UnknownBlock`] or [`ProofError::Pruned`] if that state is not available.
    pub fn storage_proof(&self, at: &[u8; 32], keys: &[Vec<u8>]) -> Result<Vec<u8>, ProofError> {
        let (_, state) = self.state_at(at)?;
        proof::storage_proof(&state, keys)
    }

    /// Runs `method(parameter)` on the state after block `at` and proves every trie node the
    /// call read, plus `:heappages`: the `proof` field of a `light/2` `RemoteCallResponse`,
    /// enough for a light client that holds the block's runtime to re-execute the call
    /// (`:code` is left out; see [`proof::call_proof`]).
    ///
    /// # Errors
    ///
    /// [`ProofError::UnknownBlock`] or [`ProofError::Pruned`] if that state is not available,
    /// [`ProofError::Call`] if the call fails.
    pub fn call_proof(
        &mut self,
        at: &[u8; 32],
        method: &str,
        parameter: &[u8],
    ) -> Result<Vec<u8>, ProofError> {
        // `runtime` is `Some` outside calls; this one puts it back before returning.
        let Some(proto) = self.runtime.take() else {
            unreachable!("runtime taken while no call is running")
        };
        let (proto, result) = self.call_proof_with(proto, at, method, parameter);
        self.runtime = Some(proto);
        result
    }

    fn call_proof_with(
        &self,
        proto: HostVmPrototype,
        at: &[u8; 32],
        method: &str,
        parameter: &[u8],
    ) -> (HostVmPrototype, Result<Vec<u8>, ProofError>) {
        let (number, state) = match self.state_at(at) {
            Ok(found) => found,
            Err(error) => return (proto, Err(error)),
        };
        let same_runtime = state.get(b":code") == self.state.get(b":code")
            && state.get(b":heappages") == self.state.get(b":heappages");
        if same_runtime {
            return proof::call_proof(&state, proto, method, parameter);
        }
        // Before a runtime upgrade: that block's own runtime answers.
        match load_runtime(state.get(b":code"), state.get(b":heappages")) {
            Ok(old) => (proto, proof::call_proof(&state, old, method, parameter).1),
            Err(reason) => (proto, Err(ProofError::Runtime { number, reason })),
        }
    }

    /// Runs the read-only entry point `method(parameter)` on the state after block `at`, with
    /// that block's runtime; writes are discarded.
    ///
    /// # Errors
    ///
    /// As [`Chain::call_proof`].
    pub fn call_at(
        &mut self,
        at: &[u8; 32],
        method: &str,
        parameter: &[u8],
    ) -> Result<Vec<u8>, ProofError> {
        // `runtime` is `Some` outside calls; this one puts it back before returning.
        let Some(proto) = self.runtime.take() else {
            unreachable!("runtime taken while no call is running")
        };
        let (proto, result) = match self.state_at(at) {
            Err(error) => (proto, Err(error)),
            Ok((number, state)) => {
                let same_runtime = state.get(b":code") == self.state.get(b":code")
                    && state.get(b":heappages") == self.state.get(b":heappages");
                if same_runtime {
                    let (proto, out) =
                        state.call(proto, method, parameter, TrieDiff::empty(), false);
                    (proto, out.map(|o| o.output).map_err(ProofError::from))
                } else {
                    match load_runtime(state.get(b":code"), state.get(b":heappages")) {
                        Ok(old) => {
                            let (_, out) =
                                state.call(old, method, parameter, TrieDiff::empty(), false);
                            (proto, out.map(|o| o.output).map_err(ProofError::from))
                        }
                        Err(reason) => (proto, Err(ProofError::Runtime { number, reason })),
                    }
                }
            }
        };
        self.runtime = Some(proto);
        result
    }

    /// The state after block `at` and its height: the best state itself, or a copy of it with
    /// the undo records of the blocks above `at` applied.
    ///
    /// # Errors
    ///
    /// [`ProofError::UnknownBlock`] or [`ProofError::Pruned`] if that state is not available.
    pub fn state_at(&self, at: &[u8; 32]) -> Result<(u64, Cow<'_, State>), ProofError> {
        let number = *self.by_hash.get(at).ok_or(ProofError::UnknownBlock(*at))?;
        let best = self.best_block().number;
        let back = usize::try_from(best - number).unwrap_or(usize::MAX);
        if back == 0 {
            return Ok((number, Cow::Borrowed(&self.state)));
        }
        if back > self.undo.len() {
            return Err(ProofError::Pruned {
                number,
                best,
                kept: self.kept_states,
            });
        }
        let mut state = self.state.clone();
        for undo in self.undo.iter().rev().take(back) {
            state.apply(&undo.changes);
            state.set_version(undo.version);
        }
        Ok((number, Cow::Owned(state)))
    }

    /// Storage value at `key` in the best block.
    pub fn storage(&self, key: &[u8]) -> Option<&[u8]> {
        self.state.get(key)
    }

    /// Storage and trie nodes of the best block.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Queues an extrinsic (SCALE-encoded, with its length prefix) for the next block.
    pub fn submit_transaction(&mut self, extrinsic: Vec<u8>) {
        self.pool.push(extrinsic);
    }

    /// What happened to each pooled transaction in the last produced block, in pool order.
    pub fn last_transaction_outcomes(&self) -> &[TransactionOutcome] {
        &self.last_outcomes
    }

    /// Calls a runtime API on the best block's state, discarding any writes (like `state_call`).
    ///
    /// # Errors
    ///
    /// [`CallError`] if the entry point does not exist or traps.
    pub fn call(&mut self, function: &str, parameter: &[u8]) -> Result<Vec<u8>, CallError> {
        self.run(function, parameter, TrieDiff::empty(), false)
            .map(|out| out.output)
    }

    /// The slot the next block will claim at time `now`: the current slot of `now`, but at
    /// least one after the best block's and one this node's key owns.
    pub fn next_slot(&self, now: Duration) -> Option<u64> {
        let by_clock =
            u64::try_from(now.as_millis() / u128::from(self.slot_duration.get())).ok()?;
        let mut slot = by_clock.max(self.best_block().slot.checked_add(1)?);
        let n = self.aura_authorities.len() as u64;
        // `new` checked that our key is in the list, so one of the next `n` slots is ours.
        for _ in 0..n {
            let index = (slot % n) as usize;
            if self.aura_authorities[index] == self.keys.aura_public() {
                return Some(slot);
            }
            slot = slot.checked_add(1)?;
        }
        None
    }

    /// Authors, seals and appends a block on top of the best block, claiming
    /// [`next_slot(now)`](Self::next_slot). Pooled transactions are applied after the
    /// inherents; see [`last_transaction_outcomes`](Self::last_transaction_outcomes).
    ///
    /// # Errors
    ///
    /// [`ProduceError`] if the runtime rejects the block. The chain is unchanged then, and the
    /// pool is kept.
    pub fn produce_block(&mut self, now: Duration) -> Result<&Block, ProduceError> {
        let next = self.best_block().number.saturating_add(1);
        // This block's authority-set change goes after the pooled transactions but not into the
        // pool: a block that fails leaves the pool as it was, and the retry signs its own.
        let mut scheduled = None;
        if self
            .change_set_every
            .is_some_and(|every| next.is_multiple_of(every.get()))
        {
            let at = u32::try_from(next).map_err(|_| ProduceError::Overflow)?;
            let extrinsic = crate::grandpa::schedule_change(self, at)
                .map_err(|e| ProduceError::SetChange(e.to_string()))?;
            scheduled = Some(extrinsic);
        }
        let slot = self.next_slot(now).ok_or(ProduceError::Overflow)?;
        let timestamp = slot
            .checked_mul(self.slot_duration.get())
            .ok_or(ProduceError::Overflow)?;
        let parent = self.best_block();
        let parent_hash = parent.hash;
        let number = parent.number.checked_add(1).ok_or(ProduceError::Overflow)?;

        // 1. Initialize with a header prototype that claims the slot.
        let pre_digest = [header::DigestItem::AuraPreDigest(header::AuraPreDigest {
            slot_number: slot,
        })];
        let digest = header::DigestRef::from_slice(&pre_digest).map_err(ProduceError::BadHeader)?;
        let prototype = header::HeaderRef {
            parent_hash: &parent_hash,
            number,
            extrinsics_root: &[0; 32],
            state_root: &[0; 32],
            digest,
        }
        .scale_encoding_vec(self.block_number_bytes);
        let init = self.run(
            "Core_initialize_block",
            &prototype,
            TrieDiff::empty(),
            false,
        )?;
        // Core v5+: `ExtrinsicInclusionMode`, 1 = only inherents (e.g. during a migration).
        let only_inherents = init.output.first() == Some(&1);
        let mut diff = init.diff;

        // 2. Inherents: the timestamp, which the runtime checks against the claimed slot.
        let mut inherent_data = scale::compact(1);
        inherent_data.extend_from_slice(b"timstap0");
        inherent_data.extend_from_slice(&scale::compact(8));
        inherent_data.extend_from_slice(&timestamp.to_le_bytes());
        let inherents = self.run(
            "BlockBuilder_inherent_extrinsics",
            &inherent_data,
            diff,
            false,
        )?;
        diff = inherents.diff;
        let inherents =
            scale::split_prefixed_items(&inherents.output).ok_or(ProduceError::BadInherents)?;

        // 3. Apply inherents (all must succeed), then transactions.
        let mut body = Vec::with_capacity(inherents.len() + self.pool.len());
        for (index, extrinsic) in inherents.into_iter().enumerate() {
            let applied = self.run("BlockBuilder_apply_extrinsic", &extrinsic, diff, false)?;
            if applied.output.get(..2) != Some(&[0, 0]) {
                return Err(ProduceError::InherentFailed {
                    index,
                    result: hex::encode(&applied.output),
                });
            }
            diff = applied.diff;
            body.push(extrinsic);
        }
        let mut outcomes = Vec::new();
        if !only_inherents {
            let transactions: Vec<Vec<u8>> = self.pool.iter().cloned().chain(scheduled).collect();
            for extrinsic in transactions {
                let before = diff.clone();
                let applied =
                    match self.run("BlockBuilder_apply_extrinsic", &extrinsic, diff, false) {
                        Ok(applied) => applied,
                        Err(error) => {
                            // Undecodable input traps the runtime; drop it, keep the block.
                            diff = before;
                            outcomes.push(TransactionOutcome::Rejected(error.to_string()));
                            continue;
                        }
                    };
                let outcome = match applied.output.split_first() {
                    Some((0, [0])) => TransactionOutcome::Success,
                    Some((0, [1, error @ ..])) => {
                        TransactionOutcome::DispatchFailed(error.to_vec())
                    }
                    _ => TransactionOutcome::Invalid(applied.output.clone()),
                };
                // An invalid transaction leaves no trace in the block.
                diff = if matches!(outcome, TransactionOutcome::Invalid(_)) {
                    before
                } else {
                    body.push(extrinsic);
                    applied.diff
                };
                outcomes.push(outcome);
            }
        }

        // 4. Finalize: the runtime computes the roots and returns the unsealed header.
        let finalized = self.run("BlockBuilder_finalize_block", &[], diff, true)?;
        let unsealed = finalized.output;
        let decoded =
            header::decode(&unsealed, self.block_number_bytes).map_err(ProduceError::BadHeader)?;
        let pre_seal_hash = decoded.hash(self.block_number_bytes);
        let seal = self.keys.sign_sr25519(&pre_seal_hash);
        let sealed: Vec<u8> = decoded
            .scale_encoding_with_extra_digest_item(
                self.block_number_bytes,
                header::DigestItemRef::AuraSeal(&seal),
            )
            .fold(Vec::with_capacity(unsealed.len() + 70), |mut out, chunk| {
                out.extend_from_slice(chunk.as_ref());
                out
            });

        // A runtime upgrade must load before the block is accepted.
        let code = finalized.diff.diff_get(b":code").map(|(v, ())| v);
        let heap_pages = finalized.diff.diff_get(b":heappages").map(|(v, ())| v);
        let upgraded = if code.is_some() || heap_pages.is_some() {
            let code = code.unwrap_or(self.state.get(b":code"));
            let heap_pages = heap_pages.unwrap_or(self.state.get(b":heappages"));
            Some(
                load_runtime(code, heap_pages)
                    .map_err(|reason| ProduceError::Upgrade { number, reason })?,
            )
        } else {
            None
        };
        let changes = runtime::changes(finalized.diff, finalized.node_changes);
        if self.kept_states > 0 {
            if self.undo.len() == self.kept_states {
                self.undo.pop_front();
            }
            self.undo.push_back(Undo {
                changes: self.state.undo_of(&changes),
                version: self.state.version(),
            });
        }
        self.state.apply(&changes);
        if let Some(proto) = upgraded {
            self.state.set_version(runtime_state_version(&proto));
            self.runtime = Some(proto);
        }
        self.pool.clear();
        self.last_outcomes = outcomes;
        let hash = header::hash_from_scale_encoded_header(&sealed);
        self.by_hash.insert(hash, number);
        self.blocks.push(Block {
            number,
            hash,
            header: sealed,
            body,
            slot,
            justification: None,
            changes,
        });
        Ok(self.best_block())
    }

    /// Finalizes block `number` and everything below it: signs a GRANDPA precommit for it
    /// with this node's key and returns the justification (also kept in the block).
    ///
    /// # Errors
    ///
    /// [`FinalizeError`] if the block does not exist or is already final.
    pub fn finalize(&mut self, number: u64) -> Result<Vec<u8>, FinalizeError> {
        if number <= self.finalized {
            return Err(FinalizeError::AlreadyFinal(number));
        }
        self.block(number).ok_or(FinalizeError::Unknown(number))?;
        // A block that signals an authority-set change is finalized by the set before the
        // change, and everything after it by the next set; so such a block on the way is
        // finalized first, on its own, as a GRANDPA voter would.
        for candidate in self.finalized + 1..number {
            if self.set_change(candidate)? {
                self.finalize_one(candidate)?;
            }
        }
        self.finalize_one(number)
    }

    /// Signs the justification of `number` with the current set and enacts the set change
    /// the block signals, if any.
    fn finalize_one(&mut self, number: u64) -> Result<Vec<u8>, FinalizeError> {
        let change = self.set_change(number)?;
        let block = self.block(number).ok_or(FinalizeError::Unknown(number))?;
        let round = self.grandpa_round + 1;
        let justification = crate::grandpa::justification(
            &self.keys,
            self.grandpa_set_id,
            round,
            &block.hash,
            number,
            self.block_number_bytes,
        )
        .ok_or(FinalizeError::Overflow)?;
        self.grandpa_round = round;
        self.finalized = number;
        self.blocks[number as usize].justification = Some(justification.clone());
        if change {
            // Clients count set ids themselves: one more per enacted change, whatever the
            // runtime's `Grandpa.CurrentSetId` says (finney's lags behind, see the checkpoint).
            self.grandpa_set_id += 1;
            self.set_changes.push(number);
        }
        Ok(justification)
    }

    /// Whether block `number` signals a GRANDPA authority-set change: `true` for a standard
    /// change with delay 0 to this node's own key (the only kind this node can follow, since it
    /// must remain the only voter), an error for any other change.
    fn set_change(&self, number: u64) -> Result<bool, FinalizeError> {
        let block = self.block(number).ok_or(FinalizeError::Unknown(number))?;
        let Ok(decoded) = header::decode(&block.header, self.block_number_bytes) else {
            return Ok(false);
        };
        let mut found = false;
        for log in decoded.digest.logs() {
            match log {
                header::DigestItemRef::GrandpaConsensus(
                    header::GrandpaConsensusLogRef::ScheduledChange(change),
                ) => {
                    let ours = change.delay == 0
                        && change
                            .next_authorities
                            .map(|a| *a.public_key)
                            .eq([self.keys.grandpa_public()]);
                    if !ours {
                        return Err(FinalizeError::AuthoritySetChange(number));
                    }
                    found = true;
                }
                header::DigestItemRef::GrandpaConsensus(
                    header::GrandpaConsensusLogRef::ForcedChange { .. },
                ) => return Err(FinalizeError::AuthoritySetChange(number)),
                _ => {}
            }
        }
        Ok(found)
    }

    /// From now on, every block whose number is a multiple of `every` schedules a GRANDPA
    /// authority-set change (to this node's key, delay 0: see [`crate::grandpa`]), so that
    /// clients meet set changes as finney's do. `None` stops it. The change is a sudo
    /// transaction from this node's key, placed in the pool before the block is built.
    pub fn change_set_every(&mut self, every: Option<NonZero<u64>>) {
        self.change_set_every = every;
    }

    /// A checkpoint at the finalized block, the JSON `taoscope head --checkpoint` and the light
    /// client's checkpoint start read: the header, the GRANDPA set that finalized it (SCALE
    /// `(set_id u64, Vec<(ed25519, u64)>)`), the genesis hash, and Aura's authorities and slot
    /// duration (what a p2p client needs to check the next block's author).
    pub fn checkpoint(&self) -> serde_json::Value {
        use codec::Encode;
        let block = self.finalized_block();
        let set = (
            self.set_id_finalizing(block.number),
            vec![(self.keys.grandpa_public(), 1u64)],
        )
            .encode();
        let aura: Vec<String> = self
            .aura_authorities
            .iter()
            .map(|k| format!("0x{}", hex::encode(k)))
            .collect();
        serde_json::json!({
            "description": "devnode checkpoint: a finalized header and the GRANDPA set (set_id u64, Vec<(ed25519, u64)>) that finalized it; Aura's authorities and slot duration for a p2p client",
            "genesisHash": format!("0x{}", hex::encode(self.genesis_hash())),
            "blockNumber": block.number,
            "blockHash": format!("0x{}", hex::encode(block.hash)),
            "finalizedBlockHeader": format!("0x{}", hex::encode(&block.header)),
            "grandpaAuthoritySet": format!("0x{}", hex::encode(set)),
            "auraAuthorities": aura,
            "auraSlotDurationMs": self.slot_duration.get(),
        })
    }

    /// The id of the GRANDPA set whose votes finalize block `number`: a change block is still
    /// finalized by the set it ends.
    pub fn set_id_finalizing(&self, number: u64) -> u64 {
        let later = self.set_changes.iter().filter(|&&c| c >= number).count();
        self.grandpa_set_id - later as u64
    }

    /// Blocks that enacted a GRANDPA authority-set change, in order: each one's justification
    /// is signed by the set before it (what a warp-sync proof lists).
    pub fn set_changes(&self) -> &[u64] {
        &self.set_changes
    }

    /// Runs an entry point on the best block's storage under `diff`.
    fn run(
        &mut self,
        function: &str,
        parameter: &[u8],
        diff: TrieDiff,
        track_nodes: bool,
    ) -> Result<runtime::CallOutput, CallError> {
        // `runtime` is `Some` outside this function, which always puts it back.
        let Some(proto) = self.runtime.take() else {
            unreachable!("runtime taken while no call is running")
        };
        let (proto, result) = self
            .state
            .call(proto, function, parameter, diff, track_nodes);
        self.runtime = Some(proto);
        result
    }
}

/// Compiles a runtime for repeated execution.
fn load_runtime(code: Option<&[u8]>, heap_pages: Option<&[u8]>) -> Result<HostVmPrototype, String> {
    let code = code.ok_or("no :code in storage")?;
    let heap_pages =
        executor::storage_heap_pages_to_value(heap_pages).map_err(|e| e.to_string())?;
    HostVmPrototype::new(executor::host::Config {
        module: code,
        heap_pages,
        exec_hint: executor::vm::ExecHint::ValidateAndCompile,
        allow_unresolved_imports: true,
    })
    .map_err(|e| e.to_string())
}

/// The trie version a runtime stores values with (V0 when it does not say).
fn runtime_state_version(runtime: &HostVmPrototype) -> TrieEntryVersion {
    runtime
        .runtime_version()
        .decode()
        .state_version
        .unwrap_or(TrieEntryVersion::V0)
}

#[cfg(test)]
mod tests;
