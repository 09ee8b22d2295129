//! What the integration tests against an in-process devnode share: the node, served on free
//! ports from its own thread (libp2p and, when asked, JSON-RPC), and smoldot's log on stderr.

// Each test binary uses a different part of this module.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use devnode::jsonrpc::RpcConfig;
use devnode::net_io::{Listener, RpcServe, ServeConfig, serve};
use devnode::network::Network;
use devnode::{Chain, DevKeys, DevSpec};

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
        let keys = DevKeys::from_secret_uri("//Alice").unwrap();
        let spec = DevSpec::aura_dev(&keys).unwrap();
        let mut chain = Chain::new(&spec, keys.clone()).unwrap();
        let mut clock = CLOCK_START;
        if seeded {
            let report = devnode::scenario::Scenario::default_scenario()
                .seed(&mut chain, CLOCK_START)
                .unwrap();
            chain.finalize(chain.best_block().number).unwrap();
            clock = report.next_time;
        }
        // A second copy of the genesis state to read the expected values from while the first
        // one serves.
        let reference = Chain::new(&spec, keys).unwrap();
        let listener = Listener::bind(0).unwrap();
        let mut network = Network::new(&chain, *b"taoscope light integration test!", &[]);
        let boot_nodes = listener.multiaddrs(&network.peer_id()).unwrap();
        network.set_listen_addrs(&boot_nodes);
        // WebSocket only, as in the browser.
        let spec = spec.with_boot_nodes(&boot_nodes[..1]).unwrap();
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
