//! Verified RPC (issue #10): the chain read over plain JSON-RPC from an endpoint that is
//! trusted for nothing, so that a page on any https host can read finney, whose only boot node
//! a secure page may not dial.
//!
//! The trust root is a checkpoint shipped with the app; GRANDPA justifications carry it to a
//! recent block; every value comes with a read proof checked against that block's state root;
//! runtime calls run the runtime (itself read through a proof) on proven values. All checks
//! are the smoldot library's ([`crate::finality`]); this module decides what to ask for.
//!
//! - [`wire`]: substrate's JSON answers, strictly read back into bytes;
//! - [`VerifiedRpc`]: the client and its `chain::Source`, over any [`Transport`];
//! - [`TrustedRpc`]: the same methods believed as answered, for a user who chooses to;
//! - `ws` (feature `native`) and `BrowserWs` (feature `web`): WebSocket [`Transport`]s with
//!   endpoint failover.

#[cfg(all(feature = "web", target_arch = "wasm32"))]
mod browser_ws;
mod client;
mod ring;
mod trusted;
pub mod wire;
#[cfg(feature = "native")]
pub mod ws;

use client::answer_of;
pub use client::{
    Checkpoint, Config, Head, MismatchError, Proven, RpcError, Step, Transport, TransportError,
    VerifiedRpc,
};
pub use trusted::TrustedRpc;

#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub use browser_ws::BrowserWs;
