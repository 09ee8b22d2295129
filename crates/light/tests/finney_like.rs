//! The p2p light client on a devnet shaped like finney where stock smoldot stumbles (issue
//! #10): subtensor runtime spec 300, which advertises both AuraApi and BabeApi while its blocks
//! carry Aura seals (stock smoldot 5 refuses it with `MultipleConsensusAlgorithms`: at genesis,
//! and after every warp sync); a GRANDPA set id past 0 when the client joins; set changes
//! while it follows; and a start from a checkpoint with a chain spec that holds only the
//! genesis state root, so nothing before the checkpoint is downloaded or trusted.
//!
//! On it, the dashboard's model (subnets, metagraphs) and every subnet's epoch replay (exact)
//! equal what the node's own state gives.
//!
//! The timeouts are hang guards, not speed assertions. `LIGHT_LOG=debug` shows both sides.

#![allow(clippy::unwrap_used)]

mod support;

use futures_util::future::{Either, select};
use light::{Client, FollowEvent, LightSource, native};
use support::{GUARD, Node, init_log};

/// Set changes before the checkpoint: the client joins at set id 2.
const CHANGES_BEFORE: u64 = 2;
/// While serving, every this many blocks schedules another set change.
const CHANGE_EVERY: u64 = 4;
/// Finalized blocks past the checkpoint the client must see: three set changes at least.
const PAST_CHECKPOINT: u64 = 14;

#[test]
fn follows_spec300_from_a_checkpoint_across_set_changes() {
    init_log();
    let (node, _) = Node::start_finney_like(CHANGES_BEFORE, CHANGE_EVERY);
    let checkpoint: serde_json::Value = serde_json::from_str(&node.checkpoint).unwrap();
    let start = checkpoint["blockNumber"].as_u64().unwrap();
    let start_hash = checkpoint["blockHash"].as_str().unwrap().to_owned();
    // The checkpoint block is the second set change itself: finalized by set 1, handing over
    // to set 2 (as finney's #8,867,448 hands set 5 over to 6).
    let set = checkpoint["grandpaAuthoritySet"].as_str().unwrap();
    assert!(set.starts_with("0x0100000000000000"), "set id 1: {set}");

    let database = light::start::database_content(&node.checkpoint, 4).unwrap();
    let client = Client::new(native::platform()).with_request_timeout(GUARD);
    // The spec has no genesis state: without the checkpoint, smoldot-light refuses it.
    assert!(client.add_chain(&node.light_spec).is_err());
    let chain = client.add_chain_at(&node.light_spec, &database).unwrap();

    // The client reports nothing before the checkpoint; then finality moves
    // on across the set changes, each justification checked against the set it names.
    let mut events = chain.follow();
    let mut first = None;
    let mut finalized = 0u64;
    let mut log = Vec::new();
    native::block_on(async {
        let mut guard = std::pin::pin!(smol::Timer::after(GUARD));
        // Every subnet (tempo 15 at most) must also have run an epoch since the client's first
        // block, so that a replay finds the epoch block among the retained ones.
        while first.is_none_or(|(n, _)| finalized < (start + PAST_CHECKPOINT).max(n + 18)) {
            let next = std::pin::pin!(events.next());
            match select(next, guard.as_mut()).await {
                Either::Left((Some(Ok(event)), _)) => {
                    match &event {
                        FollowEvent::Initialized { finalized: f, .. } => {
                            first.get_or_insert((f.number, f.hash));
                            finalized = f.number;
                        }
                        FollowEvent::Finalized(f) => finalized = f.number,
                        _ => {}
                    }
                    log.push(format!("{event:?}"));
                }
                Either::Left((Some(Err(e)), _)) => panic!("follow error: {e}; events: {log:#?}"),
                Either::Left((None, _)) => panic!("follow stream ended; events: {log:#?}"),
                Either::Right(_) => panic!("finalized #{finalized} after {GUARD:?}: {log:#?}"),
            }
        }
    });
    // smoldot-light reports the block it has warp-synced to from the checkpoint (the node is
    // ahead by then), never one before it: it holds nothing older.
    let (first_number, first_hash) = first.unwrap();
    assert!(
        first_number >= start,
        "first #{first_number}, checkpoint #{start}"
    );
    if first_number == start {
        assert_eq!(format!("0x{}", hex::encode(first_hash)), start_hash);
    }

    // The dashboard's model and every subnet's epoch replay (exact) read through this client
    // as through any other.
    let source = LightSource::new(chain.clone());
    let (at, subnets, metagraphs) = support::read_and_replay(&source);
    assert!(at.number >= start + PAST_CHECKPOINT);
    assert_eq!(
        metagraphs.iter().map(|m| m.neurons.len()).sum::<usize>(),
        16 + 24 + 32
    );
    let served = node.stop();
    let changes_after = support::set_changes_between(&served, start, at.number);
    assert!(
        changes_after.len() >= 3,
        "set changes crossed: {changes_after:?}"
    );
    support::assert_node_agrees(served, at, &subnets, &metagraphs);
}
