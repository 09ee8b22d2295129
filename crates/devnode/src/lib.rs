//! A local Bittensor chain for tests and the offline demo, built on the smoldot library.
//!
//! Bittensor's chain (subtensor) is a Substrate chain: blocks are authored in turns by the Aura
//! authorities, one per slot (1 s on the devnet's fast-runtime build, 12 s on finney), and made final by GRANDPA votes
//! of the finality authorities. Everything a block does is decided by the *runtime*, a
//! WebAssembly program stored in the chain's own state at `:code`; a node only hosts it.
//!
//! This crate hosts subtensor's real runtime with smoldot's executor (the wasmi interpreter) and
//! plays both authorities with development keys, so it produces a genuine chain that any
//! Substrate client verifies: real headers, real storage, real signatures, a new genesis.
//!
//! - [`DevKeys`]: keys derived from a secret URI (`//Alice`).
//! - [`DevSpec`]: subtensor's `aura-dev` chain (runtime spec_version 293, real Yuma epochs),
//!   genesis built by its own runtime, with authorities and sudo key replaced, which changes the
//!   genesis hash.
//! - [`Chain`]: the sans-I/O state machine: `produce_block(now)`, `finalize(number)`, storage
//!   reads, read-only runtime calls, and storage and call proofs ([`proof`]) for light clients.
//! - [`network`]: the libp2p protocols a light client needs (block requests, warp sync,
//!   `/light/2` proofs, block announces, GRANDPA neighbor packets), sans I/O; [`net_io`] is
//!   its thread-per-connection shell (TCP and WebSocket on one port).
//! - [`extrinsic::Extrinsics`]: signed extrinsics built from the runtime's own metadata (call
//!   indices, argument types, signed extensions), and storage keys from its declared hashers.
//! - [`cli`]: the `devnode` command line (also `taoscope devnode`): flags, seeding, run loop.
//! - [`source::LocalSource`]: the node's state as a `chain::Source`, for the dashboard's model
//!   and replays in tests.
//! - [`scenario::Scenario`]: subnets, neurons, stakes and weights seeded through ordinary
//!   signed extrinsics (`tests/scenarios/default.json` is embedded).
//!
//! Runtimes: subtensor's spec 293 (the default) or, with `--runtime 300`, spec 300, which
//! advertises both AuraApi and BabeApi as finney's runtime does ([`DevRuntime`]). GRANDPA
//! authority-set changes (to the node's own key, delay 0) move the set id past 0 as finney's
//! has ([`grandpa::schedule_change`], [`Chain::change_set_every`]).
//!
//! Left out: a transaction pool with validation, forks, changes to other authorities, and peer
//! discovery (light clients find the node through the spec's boot nodes).

pub mod chain;
pub mod cli;
pub mod extrinsic;
pub mod grandpa;
pub mod jsonrpc;
pub mod keys;
pub mod net_io;
pub mod network;
pub mod proof;
pub mod runtime;
mod scale;
pub mod scenario;
pub mod source;
pub mod spec;

pub use chain::{Block, Chain, ChainError, FinalizeError, ProduceError, TransactionOutcome};
pub use keys::{DevKeys, KeyError};
pub use proof::ProofError;
pub use runtime::CallError;
pub use spec::{DevRuntime, DevSpec, SpecError};
