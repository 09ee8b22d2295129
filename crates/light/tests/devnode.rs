//! The light client syncs from an in-process devnode over a real libp2p connection
//! (WebSocket on 127.0.0.1): best and finalized reach a few blocks, and a storage value read
//! through a Merkle proof equals the node's own.
//!
//! The timeout below is a hang guard, not a speed assertion.
//!
//! Run with `LIGHT_LOG=debug` to see both sides' logs. This test found three devnode bugs on
//! its way to green (a panic on `NotificationsOutReset`, short responses lost to smoldot's
//! data+FIN frames — see crates/smoldot/TAOSCOPE-PATCH.md — and refused pings that made the
//! client redial and ban the node).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use devnode::net_io::{Listener, ServeConfig, serve};
use devnode::network::Network;
use devnode::{Chain, DevKeys, DevSpec};
use futures_util::future::{Either, select};
use light::{Client, FollowEvent, native};

/// Blocks that best and finalized must both reach.
const BLOCKS: u64 = 3;
/// Hang guard for the whole sync.
const GUARD: Duration = Duration::from_secs(120);
/// 2026-01-01T00:00:00Z: the devnode binary's default chain clock, safely in the past.
const CLOCK_START: Duration = Duration::from_secs(1_767_225_600);

/// A devnode serving on a free port, stopped and joined on drop.
struct Node {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<(Result<(), String>, Chain)>>,
    spec: String,
}

impl Node {
    fn start() -> (Node, Chain) {
        let keys = DevKeys::from_secret_uri("//Alice").unwrap();
        let spec = DevSpec::raonet(&keys).unwrap();
        let chain = Chain::new(&spec, keys.clone()).unwrap();
        // A second copy of the genesis state to read the expected values from while the first
        // one serves.
        let reference = Chain::new(&spec, keys).unwrap();
        let listener = Listener::bind(0).unwrap();
        let mut network = Network::new(&chain, *b"taoscope light integration test!", &[]);
        let boot_nodes = listener.multiaddrs(&network.peer_id()).unwrap();
        network.set_listen_addrs(&boot_nodes);
        // WebSocket only, as in the browser.
        let spec = spec.with_boot_nodes(&boot_nodes[..1]).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = stop.clone();
            let mut chain = chain;
            move || {
                let config = ServeConfig {
                    block_interval: Duration::from_millis(500),
                    clock: CLOCK_START,
                    max_blocks: None,
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
        };
        (node, reference)
    }

    fn stop(mut self) -> Chain {
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

fn init_log() {
    let level = std::env::var("LIGHT_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(log::LevelFilter::Off);
    if log::set_logger(Box::leak(Box::new(StderrLog(level)))).is_ok() {
        log::set_max_level(level);
    }
}

#[test]
fn syncs_from_devnode_and_reads_verified_storage() {
    init_log();
    let (node, reference) = Node::start();
    let platform = native::platform();
    let client = Client::new(platform.clone()).with_request_timeout(GUARD);
    let chain = client.add_chain(&node.spec).unwrap();
    let mut events = chain.follow();

    let (mut best, mut finalized) = (0u64, 0u64);
    let mut log = Vec::new();
    native::block_on(async {
        let guard = std::pin::pin!(smol::Timer::after(GUARD));
        let mut guard = guard;
        while best < BLOCKS || finalized < BLOCKS {
            let next = std::pin::pin!(events.next());
            match select(next, guard.as_mut()).await {
                Either::Left((Some(Ok(event)), _)) => {
                    match &event {
                        FollowEvent::Initialized { finalized: f, .. } => {
                            finalized = f.number;
                            best = best.max(f.number);
                        }
                        FollowEvent::BestBlock(b) => best = b.number,
                        FollowEvent::Finalized(f) => finalized = f.number,
                        _ => {}
                    }
                    log.push(format!("{event:?}"));
                }
                Either::Left((Some(Err(e)), _)) => panic!("follow error: {e}; events: {log:#?}"),
                Either::Left((None, _)) => panic!("follow stream ended; events: {log:#?}"),
                Either::Right(_) => {
                    panic!("best #{best} finalized #{finalized} after {GUARD:?}; events: {log:#?}")
                }
            }
        }
    });
    let heads = chain.heads().unwrap();
    assert!(heads.finalized.number >= BLOCKS && heads.best.number >= heads.finalized.number);

    let health = native::block_on(chain.health()).unwrap();
    assert_eq!(health.peers, 1);

    let key = devnode::spec::storage_value_key("SubtensorModule", "TotalNetworks");
    let expected = reference.storage(&key).map(<[u8]>::to_vec);
    assert!(expected.is_some(), "raonet genesis has TotalNetworks");
    let read = native::block_on(chain.storage(&key)).unwrap();
    assert_eq!(read, expected);

    // No block changes TotalNetworks (they carry only inherents): the serving node agrees.
    let served = node.stop();
    assert_eq!(served.storage(&key).map(<[u8]>::to_vec), expected);
}
