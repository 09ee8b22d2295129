//! Verified RPC against the devnode's JSON-RPC endpoint, which answers like finney's public
//! ones (justifications only every few blocks, read proofs, no `grandpa_*`): the client starts
//! from a checkpoint past genesis, proves a recent block by its justification, and the
//! dashboard's model (subnets, metagraphs, epoch replays) read through it equals the node's own
//! state at the same block. Then a man in the middle alters one thing at a time (a proof node,
//! a justification, a key list, a header, a value) and each is refused with a message that
//! names the endpoint and what failed, while the proven block stays where it was.
//!
//! The timeouts are hang guards, not speed assertions.

#![allow(clippy::unwrap_used)]

mod support;

use std::cell::Cell;
use std::time::{Duration, Instant};

use chain::replay::{self, Verdict};
use chain::{MetadataCache, Provenance, Source, View, model};
use devnode::jsonrpc::RpcConfig;
use light::native;
use light::verified::ws::WsTransport;
use light::verified::{Checkpoint, Config, Step, Transport, TransportError, VerifiedRpc};
use serde_json::Value;
use support::{GUARD, Node, init_log};

/// Justifications every this many blocks on the node, which its checkpoint says (as
/// `devnode --checkpoint-out` does with `--rpc-port`) and the client takes from it.
const PERIOD: u64 = 4;

/// The node's finalized block after seeding, with the set (0, Alice's GRANDPA key) that
/// finalized it, read from the JSON `devnode --checkpoint-out` writes.
fn checkpoint(chain: &devnode::Chain) -> Checkpoint {
    Checkpoint::from_json(&chain.checkpoint().to_string()).unwrap()
}

/// Seeds a chain like the node's (same keys, same clock: the same blocks) to read the
/// checkpoint from before the node serves.
fn seeded_checkpoint() -> Checkpoint {
    let keys = devnode::DevKeys::from_secret_uri("//Alice").unwrap();
    let spec = devnode::DevSpec::aura_dev(&keys).unwrap();
    let mut chain = devnode::Chain::new(&spec, keys).unwrap();
    devnode::scenario::Scenario::default_scenario()
        .seed(&mut chain, support::CLOCK_START)
        .unwrap();
    chain.finalize(chain.best_block().number).unwrap();
    Checkpoint {
        justification_period: Some(PERIOD),
        ..checkpoint(&chain)
    }
}

/// A seeded node serving JSON-RPC with justifications every [`PERIOD`] blocks, the
/// checkpoint after its seeding, and its endpoint.
fn serving() -> (Node, Checkpoint, String) {
    init_log();
    let checkpoint = seeded_checkpoint();
    let rpc = RpcConfig {
        justification_period: PERIOD,
        forge: None,
    };
    let (node, _) = Node::start_serving(true, Some(rpc));
    let url = node.rpc.clone().unwrap();
    (node, checkpoint, url)
}

/// Syncs until the proven block is at least `number`.
fn sync_to<T: Transport>(client: &VerifiedRpc<T>, number: u64) {
    let started = Instant::now();
    loop {
        let head = native::block_on(client.sync()).unwrap();
        if head.block.number >= number {
            return;
        }
        assert!(
            started.elapsed() < GUARD,
            "proven #{} after {GUARD:?}, waiting for #{number}",
            head.block.number
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_dashboard_model_reads_the_same_through_verified_rpc() {
    let (node, checkpoint, url) = serving();
    let client = VerifiedRpc::new(
        WsTransport::new(vec![url]),
        &checkpoint,
        Config::for_checkpoint(&checkpoint),
    )
    .unwrap();
    let start = client.head().block.number;
    // Every subnet (tempo 15 at most) has run an epoch since the checkpoint.
    sync_to(&client, start + 18);
    let head = client.head();
    assert_eq!(
        head.block.number % PERIOD,
        0,
        "proven by a periodic justification"
    );
    assert!(matches!(head.steps[0], Step::Checkpoint { number, set_id: 0 } if number == start));
    assert!(head.steps[1..].iter().all(|s| matches!(
        s,
        Step::Justified {
            set_id: 0,
            new_set: None,
            ..
        }
    )));
    assert_eq!(client.provenance(), Provenance::VerifiedRpc);

    let cache = MetadataCache::default();
    let (at, subnets, metagraphs) = native::block_on(async {
        let at = client.finalized().await.unwrap();
        let view = View::open(&client, at, &cache).await.unwrap();
        let netuids: Vec<u16> = model::netuids(&view)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| *n >= 2)
            .collect();
        for netuid in &netuids {
            // The epoch block and the one before are proven by walking parent hashes down.
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
        let subnets = model::read_subnets(&view).await.unwrap();
        let mut metagraphs = Vec::new();
        for netuid in &netuids {
            metagraphs.push(model::read_metagraph(&view, *netuid).await.unwrap());
        }
        (at, subnets, metagraphs)
    });
    assert_eq!(metagraphs.len(), 3);
    assert!(
        metagraphs
            .iter()
            .all(|m| m.provenance == Provenance::VerifiedRpc)
    );
    assert!(metagraphs.iter().all(|m| !m.neurons.is_empty()));

    support::assert_node_agrees(node.stop(), at, &subnets, &metagraphs);
}

/// What the man in the middle alters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Forgery {
    None,
    /// One byte of each proof node.
    ProofNode,
    /// One byte of a precommit signature in every justification.
    Justification,
    /// Drops a key from every key listing.
    KeyList,
    /// Answers every `chain_getHeader` with the parent's header.
    Header,
    /// Serves proofs for the parent block (another state root).
    ProofOfAnotherBlock,
}

/// A transport that forwards to the node and alters its answers.
struct ManInTheMiddle {
    inner: WsTransport,
    forgery: Cell<Forgery>,
    /// Read proofs asked for `:code` (the runtime, about 1.6 MB here).
    code_reads: Cell<u32>,
}

impl Transport for ManInTheMiddle {
    fn endpoint(&self) -> String {
        self.inner.endpoint()
    }

    async fn request(&self, method: &str, mut params: Value) -> Result<Value, TransportError> {
        let forgery = self.forgery.get();
        if method == "state_getReadProof" && params[0].to_string().contains("0x3a636f6465") {
            self.code_reads.set(self.code_reads.get() + 1);
        }
        if forgery == Forgery::ProofOfAnotherBlock && method == "state_getReadProof" {
            let at = params[1].as_str().unwrap().to_owned();
            let header = self
                .inner
                .request("chain_getHeader", serde_json::json!([at]))
                .await?;
            params[1] = header["parentHash"].clone();
            let mut answer = self.inner.request(method, params).await?;
            // Claim the block asked for, so only the state root can give it away.
            answer["at"] = Value::String(at);
            return Ok(answer);
        }
        let mut answer = self.inner.request(method, params).await?;
        match (forgery, method) {
            (Forgery::ProofNode, "state_getReadProof") => {
                // Every node: a prefix read pools several answers, and an honest copy of a
                // node in one of them would stand in for a forged copy in another (the
                // forged one then hangs from nothing and is never read).
                for node in answer["proof"].as_array_mut().unwrap() {
                    let mut bytes = hex::decode(&node.as_str().unwrap()[2..]).unwrap();
                    let last = bytes.len() - 1;
                    bytes[last] ^= 1;
                    *node = Value::String(format!("0x{}", hex::encode(bytes)));
                }
            }
            (Forgery::Justification, "chain_getBlock") => {
                if let Some(j) = answer["justifications"][0][1].as_array_mut() {
                    // round (8) + target (32 + 4) + count (1) + precommit target (36), then
                    // the signature: flip its first byte.
                    let at = 8 + 36 + 1 + 36;
                    let byte = j[at].as_u64().unwrap() ^ 1;
                    j[at] = Value::from(byte);
                }
            }
            (Forgery::KeyList, "state_getKeysPaged") => {
                if let Some(keys) = answer.as_array_mut()
                    && keys.len() > 1
                {
                    keys.remove(keys.len() / 2);
                }
            }
            (Forgery::Header, "chain_getHeader") => {
                let parent = answer["parentHash"].clone();
                answer = self
                    .inner
                    .request("chain_getHeader", serde_json::json!([parent]))
                    .await?;
            }
            _ => {}
        }
        Ok(answer)
    }
}

#[test]
fn a_man_in_the_middle_is_caught() {
    let (node, checkpoint, url) = serving();
    let mitm = ManInTheMiddle {
        inner: WsTransport::new(vec![url.clone()]),
        forgery: Cell::new(Forgery::Justification),
        code_reads: Cell::new(0),
    };
    let client = VerifiedRpc::new(mitm, &checkpoint, Config::for_checkpoint(&checkpoint)).unwrap();
    let start = client.head().block.number;

    // A forged justification: refused, and nothing past the checkpoint is trusted.
    std::thread::sleep(Duration::from_secs(3));
    let e = native::block_on(client.sync()).unwrap_err().to_string();
    assert!(
        e.contains(&url) && e.contains("does not verify with GRANDPA set 0"),
        "{e}"
    );
    assert_eq!(client.head().block.number, start);

    client.transport().forgery.set(Forgery::None);
    sync_to(&client, start + PERIOD);
    let at = native::block_on(client.finalized()).unwrap();
    let cache = MetadataCache::default();
    // The metadata (a runtime call on proven state) is read honestly once, and cached.
    let view = native::block_on(View::open(&client, at, &cache)).unwrap();
    let netuid_prefix = chain::codec::item_prefix("SubtensorModule", "NetworksAdded").to_vec();
    // 32-byte values: each entry is its own hashed trie node, not inlined in its parent.
    let owner_prefix = chain::codec::item_prefix("SubtensorModule", "SubnetOwner").to_vec();
    let honest = native::block_on(client.storage_prefix(&at, &owner_prefix)).unwrap();
    assert!(honest.len() >= 3, "{} subnet owners", honest.len());

    let cases = [
        (Forgery::ProofNode, "does not verify"),
        (Forgery::ProofOfAnotherBlock, "does not cover key"),
        (Forgery::KeyList, "the entries under"),
    ];
    for (forgery, says) in cases {
        client.transport().forgery.set(forgery);
        let e = native::block_on(client.storage_prefix(&at, &owner_prefix))
            .map(|entries| format!("{forgery:?} was accepted: {} entries", entries.len()))
            .unwrap_or_else(|e| e.to_string());
        assert!(e.contains(&url) && e.contains(says), "{forgery:?}: {e}");
    }
    // A key left out of a listing whose entries are small enough to sit inside their parent
    // node: the proof of the others carries it, and the walk finds it all the same.
    client.transport().forgery.set(Forgery::KeyList);
    let short_listed = native::block_on(client.storage_prefix(&at, &netuid_prefix)).unwrap();
    client.transport().forgery.set(Forgery::None);
    let listed = native::block_on(client.storage_prefix(&at, &netuid_prefix)).unwrap();
    assert!(listed.len() >= 3, "{} subnets", listed.len());
    assert_eq!(short_listed, listed);
    client.transport().forgery.set(Forgery::ProofNode);
    let e = native::block_on(model::read_subnets(&view))
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not verify"), "{e}");

    // A header that is not the one asked for, while walking down to an older block.
    client.transport().forgery.set(Forgery::Header);
    let e = native::block_on(client.block(at.number - 2))
        .unwrap_err()
        .to_string();
    assert!(e.contains("hashes to") && e.contains("not the"), "{e}");

    // Honest again: the same reads succeed (nothing was cached from the forged answers).
    client.transport().forgery.set(Forgery::None);
    // A block walked down to from a proven one, with no runtime change in between, runs the
    // runtime already read: its version comes without reading `:code` again.
    let older = native::block_on(client.block(at.number - 3)).unwrap();
    let reads = client.transport().code_reads.get();
    let version = native::block_on(client.call(&older, "Core_version", &[])).unwrap();
    assert!(!version.is_empty());
    assert_eq!(client.transport().code_reads.get(), reads);
    client.transport().forgery.set(Forgery::None);
    let entries = native::block_on(client.storage_prefix(&at, &owner_prefix)).unwrap();
    assert_eq!(entries, honest);
    assert!(native::block_on(client.block(at.number - 2)).is_ok());
    drop(node);
}

/// Two endpoints of the same chain, the first serving damaged read proofs: the first read
/// that fails a check leaves it for the session, the second answers the same read, the values
/// are the node's, and the head names the endpoint left and what failed.
#[test]
fn an_endpoint_that_lies_is_left_for_the_next() {
    init_log();
    let checkpoint = seeded_checkpoint();
    let rpc = |forge| RpcConfig {
        justification_period: PERIOD,
        forge,
    };
    // The honest node first: it is then ahead (each node seeds before it serves), so it knows
    // every block the liar's justifications prove.
    let (honest, _) = Node::start_serving(true, Some(rpc(None)));
    let (liar, _) = Node::start_serving(true, Some(rpc(Some(devnode::jsonrpc::Forge::Proof))));
    let (liar_url, honest_url) = (liar.rpc.clone().unwrap(), honest.rpc.clone().unwrap());
    let transport = WsTransport::new(vec![liar_url.clone(), honest_url.clone()]);
    let client =
        VerifiedRpc::new(transport, &checkpoint, Config::for_checkpoint(&checkpoint)).unwrap();
    let start = client.head().block.number;
    sync_to(&client, start + PERIOD);
    let cache = MetadataCache::default();
    let (at, subnets) = native::block_on(async {
        let at = client.finalized().await.unwrap();
        let view = View::open(&client, at, &cache).await.unwrap();
        (at, model::read_subnets(&view).await.unwrap())
    });
    let head = client.head();
    assert_eq!(head.endpoint, honest_url);
    assert_eq!(head.distrusted.len(), 1, "{:?}", head.distrusted);
    assert!(
        head.distrusted[0].contains(&liar_url) && head.distrusted[0].contains("does not verify"),
        "{}",
        head.distrusted[0]
    );
    assert_eq!(subnets.provenance, Provenance::VerifiedRpc);
    drop(liar);
    support::assert_node_agrees(honest.stop(), at, &subnets, &[]);
}
