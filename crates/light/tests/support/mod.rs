//! What the integration tests against an in-process devnode share: the node, served on free
//! ports from its own thread (libp2p and, when asked, JSON-RPC), and smoldot's log on stderr.

// Each test binary uses a different part of this module.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use devnode::cli::{Options, Prepared, prepare};
use devnode::jsonrpc::RpcConfig;
use devnode::net_io::{Listener, RpcServe, ServeConfig, serve};
use devnode::network::Network;
use devnode::{Chain, DevRuntime};

/// Blocks that best and finalized must both reach.
pub const BLOCKS: u64 = 3;
/// Hang guard for each wait (sync, a request, a transaction). Generous: on a 2-core machine
/// busy building other crates, both tests together took 64 s.
pub const GUARD: Duration = Duration::from_secs(300);
/// Time between the node's blocks: short, so the waits below are.
pub const BLOCK_INTERVAL: Duration = Duration::from_millis(500);
/// 2026-01-01T00:00:00Z: the devnode binary's default chain clock, safely in the past.
pub const CLOCK_START: Duration = Duration::from_secs(1_767_225_600);

/// A devnode serving on a free port, stopped and joined on drop.
pub struct Node {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<(Result<(), String>, Chain)>>,
    /// The chain spec, with the node's WebSocket boot node.
    pub spec: String,
    /// The same spec with its genesis as a state root hash only (see
    /// `DevSpec::with_state_root_only`): usable with [`Node::checkpoint`] alone.
    pub light_spec: String,
    /// The checkpoint at the finalized block when serving began (`Chain::checkpoint`).
    pub checkpoint: String,
    /// `ws://127.0.0.1:<port>` when JSON-RPC is served.
    pub rpc: Option<String>,
}

impl Node {
    pub fn start() -> (Node, Chain) {
        Self::start_with(false)
    }

    /// With `seeded`, the default scenario is seeded (and finalized) before serving, and the
    /// reference chain is a fresh genesis all the same (the seeded one is returned by `stop`).
    pub fn start_with(seeded: bool) -> (Node, Chain) {
        Self::start_serving(seeded, None)
    }

    /// [`Node::start_with`], also serving JSON-RPC with `rpc` when given.
    pub fn start_serving(seeded: bool, rpc: Option<RpcConfig>) -> (Node, Chain) {
        let mut options = Options::new();
        options.clock_start = CLOCK_START;
        if !seeded {
            options.scenario = None;
        }
        Self::start_options(&options, rpc)
    }

    /// A devnet shaped like finney where a light client may stumble: runtime spec 300
    /// (AuraApi and BabeApi both advertised, Aura seals), `set_changes` GRANDPA set changes
    /// before the checkpoint and one every `change_every` blocks while serving. The node's
    /// [`Node::checkpoint`] is at the last seeded block.
    pub fn start_finney_like(set_changes: u64, change_every: u64) -> (Node, Chain) {
        let mut options = Options::new();
        options.clock_start = CLOCK_START;
        options.runtime = DevRuntime::Spec300;
        options.set_changes = set_changes;
        options.set_change_every = core::num::NonZero::new(change_every);
        Self::start_options(&options, None)
    }

    /// The node as `taoscope devnode` builds it with `options` (genesis, seeding, set changes),
    /// served from its own thread.
    pub fn start_options(options: &Options, rpc: Option<RpcConfig>) -> (Node, Chain) {
        let Prepared {
            spec, chain, clock, ..
        } = prepare(options, |_| {}).unwrap();
        // A second copy of the genesis state to read the expected values from while the first
        // one serves.
        let reference = Chain::new(&spec, options.keys.clone()).unwrap();
        let checkpoint = chain.checkpoint().to_string();
        let state_root = *reference
            .genesis_information()
            .as_ref()
            .finalized_block_header
            .state_root;
        let listener = Listener::bind(0).unwrap();
        let mut network = Network::new(&chain, *b"taoscope light integration test!", &[]);
        let boot_nodes = listener.multiaddrs(&network.peer_id()).unwrap();
        network.set_listen_addrs(&boot_nodes);
        // WebSocket only, as in the browser.
        let spec = spec.with_boot_nodes(&boot_nodes[..1]).unwrap();
        let light_spec = spec.with_state_root_only(&state_root).unwrap();
        let rpc = rpc.map(|config| RpcServe {
            listener: Listener::bind(0).unwrap(),
            config,
        });
        let rpc_url = rpc
            .as_ref()
            .map(|r| format!("ws://127.0.0.1:{}", r.listener.port().unwrap()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = stop.clone();
            let mut chain = chain;
            move || {
                let config = ServeConfig {
                    block_interval: BLOCK_INTERVAL,
                    clock,
                    max_blocks: None,
                    rpc,
                };
                let verbose = std::env::var_os("LIGHT_LOG").is_some();
                let result = serve(&mut chain, &mut network, listener, config, stop, |line| {
                    if verbose {
                        eprintln!("[devnode] {line}");
                    }
                });
                (result, chain)
            }
        });
        let node = Node {
            stop,
            thread: Some(thread),
            spec: spec.json().to_owned(),
            light_spec: light_spec.json().to_owned(),
            checkpoint,
            rpc: rpc_url,
        };
        (node, reference)
    }

    /// Stops the node and hands back its chain (to read the expected values from).
    pub fn stop(mut self) -> Chain {
        self.stop.store(true, Ordering::Relaxed);
        let (result, chain) = self.thread.take().unwrap().join().unwrap();
        result.unwrap();
        chain
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Prints smoldot's log lines up to the level in `LIGHT_LOG` (error, warn, info, debug, trace)
/// on stderr; quiet when unset. For diagnosing a failed sync.
struct StderrLog(log::LevelFilter);

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.0
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("[{} {}] {}", record.level(), record.target(), record.args());
        }
    }
    fn flush(&self) {}
}

/// The blocks in `(after, up_to]` at which the node's GRANDPA set changed.
pub fn set_changes_between(chain: &Chain, after: u64, up_to: u64) -> Vec<u64> {
    chain
        .set_changes()
        .iter()
        .copied()
        .filter(|n| *n > after && *n <= up_to)
        .collect()
}

pub fn init_log() {
    let level = std::env::var("LIGHT_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(log::LevelFilter::Off);
    if log::set_logger(Box::leak(Box::new(StderrLog(level)))).is_ok() {
        log::set_max_level(level);
    }
}

/// The dashboard's model read from the node's own state at `at` equals what a client read
/// there (`subnets`, `metagraphs`), provenance aside.
pub fn assert_node_agrees(
    mut served: Chain,
    at: chain::BlockRef,
    subnets: &chain::model::Subnets,
    metagraphs: &[chain::model::Metagraph],
) {
    use chain::{MetadataCache, View, model};
    let local = devnode::source::LocalSource::new(&mut served);
    let cache = MetadataCache::default();
    light::native::block_on(async {
        let view = View::open(&local, at, &cache).await.unwrap();
        let mut expected = model::read_subnets(&view).await.unwrap();
        expected.provenance = subnets.provenance;
        assert_eq!(*subnets, expected);
        for m in metagraphs {
            let mut expected = model::read_metagraph(&view, m.netuid).await.unwrap();
            expected.provenance = m.provenance;
            assert_eq!(*m, expected);
        }
    });
}

/// The dashboard's reads through a light client's `source` at its finalized block: every
/// scenario subnet's last epoch replayed (exact, asserted), then the subnets and those subnets'
/// metagraphs. Each subnet's epoch block and the one before must be among the client's retained
/// finalized blocks (wait for a tempo past the client's first block).
pub fn read_and_replay<P: smoldot_light::platform::PlatformRef>(
    source: &light::LightSource<P>,
) -> (
    chain::BlockRef,
    chain::model::Subnets,
    Vec<chain::model::Metagraph>,
) {
    use chain::replay::{self, Verdict};
    use chain::{MetadataCache, Source, View, model};
    let cache = MetadataCache::default();
    light::native::block_on(async {
        let at = source.finalized().await.unwrap();
        // Everything below reads at `at` for longer than the retained window lasts on a devnet
        // of 500 ms blocks (20 blocks, 10 s; a slower machine's debug build takes longer), so
        // it is held to the end, as a reader of many values at one block must.
        source.hold(&[at]).unwrap();
        let view = View::open(source, at, &cache).await.unwrap();
        // The epoch blocks first, all held, before reading any: they leave the retained window
        // as the chain moves on.
        let netuids: Vec<u16> = model::netuids(&view)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| *n >= 2) // root and the genesis subnet run no scenario epochs
            .collect();
        let mut held = Vec::new();
        for netuid in &netuids {
            let last: u64 = view
                .value(
                    "SubtensorModule",
                    "LastMechansimStepBlock",
                    vec![netuid.to_le_bytes().to_vec()],
                )
                .await
                .unwrap()
                .unwrap();
            let blocks = [
                source.block(last - 1).await.unwrap(),
                source.block(last).await.unwrap(),
            ];
            source.hold(&blocks).unwrap();
            held.extend(blocks);
        }
        for netuid in &netuids {
            let record = replay::read_last_epoch(&view, *netuid, &cache)
                .await
                .unwrap();
            let result = replay::replay(&record);
            assert_eq!(
                result.verdict,
                Verdict::Exact,
                "netuid {netuid}: {result:?}"
            );
        }
        source.unhold(&held);
        let subnets = model::read_subnets(&view).await.unwrap();
        let mut metagraphs = Vec::new();
        for netuid in &netuids {
            metagraphs.push(model::read_metagraph(&view, *netuid).await.unwrap());
        }
        source.unhold(&[at]);
        (at, subnets, metagraphs)
    })
}
