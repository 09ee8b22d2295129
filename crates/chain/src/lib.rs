//! The Bittensor model: subnets, neurons, stake, tokenomics and epoch replays, decoded from a
//! chain's state through its own runtime metadata.
//!
//! Bittensor's chain (subtensor) keeps everything a dashboard shows in storage of its
//! `SubtensorModule` pallet: which subnets exist (`NetworksAdded`, keyed by *netuid*; netuid 0
//! is the root network), each subnet's neurons (uids 0..n, each a *hotkey* owned by a
//! *coldkey*), their stake in the subnet's own token (*alpha*) and in TAO on root, the weights
//! validators set and the outputs of the last *epoch* (consensus, incentive, dividends), which
//! runs every *tempo* blocks. Amounts are integers in *rao* (1 TAO = 1e9 rao).
//!
//! This crate turns that state into typed values and does no I/O of its own:
//!
//! - [`Source`] is the one question-and-answer trait the model reads through (values at keys,
//!   entries under a prefix, runtime calls, at a block). The light client implements it in the
//!   `light` crate; [`snapshot::Snapshot`] implements it from a recorded file; tests implement
//!   it on recorded bytes or an in-process devnode.
//! - [`Metadata`] reads runtime metadata V14–V16; [`View`] reads storage through it, with keys
//!   built from the declared hashers and values decoded against the declared types. An item a
//!   runtime lacks reads as "not available", never as a wrong number.
//! - [`model`] is the dashboard's model: chain totals and tokenomics, subnets, metagraphs,
//!   hyperparameters and accounts. [`tokenomics`] and [`registration`] are the pure formulas.
//! - [`replay`] reads a subnet's last epoch (inputs at the block before it ran, outputs at the
//!   block it ran) and recomputes it with `yuma::fixed`; [`rules`] says, in one place, which
//!   Yuma rules a runtime version runs.
//! - [`ss58`] writes and reads addresses.
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod codec;
pub mod error;
pub mod extrinsic;
pub mod hexser;
pub mod metadata;
pub mod model;
pub mod registration;
pub mod replay;
pub mod rules;
pub mod snapshot;
pub mod source;
pub mod ss58;
pub mod staking;
pub mod tokenomics;
pub mod view;

pub use error::{ChainError, DecodeError, MetadataError, SourceError};
pub use metadata::Metadata;
pub use source::{BlockRef, Provenance, Source};
pub use view::{MetadataCache, RuntimeInfo, View};

/// A subnet id. 0 is the root network.
pub type NetUid = u16;
/// A neuron's position in a subnet (0..n).
pub type Uid = u16;
/// A 32-byte account (hotkey or coldkey).
pub type AccountId = [u8; 32];
