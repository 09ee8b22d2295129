//! taoscope's light client: a small typed API over smoldot-light's JSON-RPC that runs natively
//! and in the browser.
//!
//! A *light client* follows a chain without storing it: it downloads block headers from full
//! nodes (peers), checks their signatures and finality proofs (GRANDPA justifications), and
//! reads storage through Merkle proofs checked against a finalized block's state root. So the
//! dashboard's numbers (subnets, stakes, weights) are verified in the page instead of trusted
//! from an RPC server. smoldot-light 3.0.0 does the verifying; this crate adds:
//!
//! - [`Client`] / [`Chain`]: add a chain from its chain spec, follow best and finalized blocks
//!   ([`Chain::follow`]), read verified storage ([`Chain::storage`]), ask peers and sync status
//!   ([`Chain::health`]), or send any JSON-RPC request ([`Chain::request`]).
//! - [`rpc::Rpc`]: the JSON-RPC conversation as a sans-I/O state machine, strict about every
//!   reply (an unexpected reply is a [`ReplyError`] naming the field).
//! - Platforms: with feature `native`, smoldot-light's own `DefaultPlatform` ([`native`]);
//!   with feature `web` on wasm32, `BrowserPlatform` (WebSocket, `setTimeout`,
//!   `performance.now`, `crypto.getRandomValues` from the JS global scope, so it also runs in
//!   a Web Worker).
//!
//! Exactly one of `native` and `web` must be enabled.
//!
//! # Usage
//!
//! ```no_run
//! # #[cfg(feature = "native")]
//! # fn main() -> Result<(), light::LightError> {
//! let spec = std::fs::read_to_string("dev.json").expect("spec file");
//! let client = light::Client::new(light::native::platform());
//! let chain = client.add_chain(&spec)?;
//! let mut events = chain.follow();
//! light::native::block_on(async {
//!     while let Some(event) = events.next().await {
//!         println!("{event:?}");
//!     }
//! });
//! # Ok(()) }
//! # #[cfg(not(feature = "native"))] fn main() {}
//! ```
//!
//! - [`LightSource`]: the chain as a `chain::Source`, so the dashboard's model reads verified
//!   state at any retained finalized block.
//!
//! Left out: parachains, and persisting the sync state.

#![deny(missing_docs, rustdoc::broken_intra_doc_links)]

#[cfg(all(feature = "native", feature = "web"))]
compile_error!(
    "features `native` and `web` are exclusive: build with `--no-default-features --features web` for the browser"
);
#[cfg(not(any(feature = "native", feature = "web")))]
compile_error!("enable one of the features `native` (default) or `web`");
#[cfg(all(feature = "web", not(target_arch = "wasm32")))]
compile_error!("feature `web` targets wasm32-unknown-unknown");

mod client;
mod error;
pub mod finality;
pub mod rpc;
mod source;
mod spec;
pub mod start;
pub mod verified;

#[cfg(all(feature = "web", target_arch = "wasm32"))]
mod browser;

pub use client::{
    Chain, Client, DEFAULT_REQUEST_TIMEOUT, FollowStream, Heads, Health, TransactionWatch,
};
pub use error::{LightError, ReplyError};
pub use rpc::{
    BlockHash, BlockRef, FollowEvent, Inclusion, MAX_ITEMS_PER_OPERATION, RETAINED_FINALIZED,
    Runtime, StorageKind, TransactionEvent, WatchId,
};
pub use source::LightSource;
pub use spec::with_boot_nodes;

#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub use browser::{BrowserPlatform, Delay, ReadWriteAccess, Stream, StreamError};
/// smoldot's log levels, for [`BrowserPlatform::with_log_level`].
#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub use smoldot_light::platform::LogLevel;

#[doc(hidden)]
pub use rpc as __doc_rpc;

/// The native platform: smoldot-light's `DefaultPlatform` (a smol executor on one thread per
/// core, TCP and `ws://` connections).
#[cfg(feature = "native")]
pub mod native {
    use std::sync::Arc;

    pub use smol::block_on;
    use smoldot_light::platform::DefaultPlatform;

    /// The platform type [`platform`] returns.
    pub type NativePlatform = Arc<DefaultPlatform>;

    /// A new native platform, named after this crate in peers' identify requests.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to start the executor threads.
    pub fn platform() -> NativePlatform {
        DefaultPlatform::new(
            env!("CARGO_PKG_NAME").into(),
            env!("CARGO_PKG_VERSION").into(),
        )
    }
}
