//! A second run of the p2p light client resumes where the first left off (issue #12, goal 3:
//! the page's second visit): the first client, started from a checkpoint, saves smoldot's
//! record of its finalized block (`chainHead_unstable_finalizedDatabase`, runtime code
//! included); a second client given that record and the same checkpoint starts at the saved
//! block, not the checkpoint, verifies finality on from there across GRANDPA set changes the
//! first never saw, and reads the same state the node holds.
//!
//! Also: what makes a saved record unusable (another chain's, garbage) falls back to the
//! checkpoint rather than failing the start.
//!
//! The timeouts are hang guards, not speed assertions.

#![allow(clippy::unwrap_used)]

mod support;

use futures_util::future::{Either, select};
use light::start::start_point;
use light::{Chain, Client, FollowEvent, LightSource, native};
use support::{GUARD, Node, init_log};

/// Set changes before the checkpoint, and one every this many blocks while serving.
const CHANGES_BEFORE: u64 = 1;
const CHANGE_EVERY: u64 = 3;
/// Finalized blocks the first client sees past the checkpoint.
const FOLLOW: u64 = 8;
/// ... and the second past the saved block: every subnet (tempo 15 at most) must have run an
/// epoch since, so that a replay finds the epoch block among the retained ones.
const FOLLOW_TO_REPLAY: u64 = 18;
/// As the page asks: room for a runtime several times subtensor's.
const MAX_RECORD: u64 = 32 << 20;

/// Follows `chain` until its finalized block is `past` blocks beyond the first it reports;
/// returns that first block's number and the last finalized number.
fn follow(chain: &Chain<native::NativePlatform>, past: u64) -> (u64, u64) {
    let mut events = chain.follow();
    let mut first = None;
    let mut finalized = 0;
    native::block_on(async {
        let mut guard = std::pin::pin!(smol::Timer::after(GUARD));
        while first.is_none_or(|n| finalized < n + past) {
            let next = std::pin::pin!(events.next());
            match select(next, guard.as_mut()).await {
                Either::Left((Some(Ok(FollowEvent::Initialized { finalized: f, .. })), _)) => {
                    first.get_or_insert(f.number);
                    finalized = f.number;
                }
                Either::Left((Some(Ok(FollowEvent::Finalized(f))), _)) => finalized = f.number,
                Either::Left((Some(Ok(_)), _)) => {}
                Either::Left((Some(Err(e)), _)) => panic!("follow error: {e}"),
                Either::Left((None, _)) => panic!("follow stream ended"),
                Either::Right(_) => panic!("finalized #{finalized} after {GUARD:?}"),
            }
        }
    });
    (first.unwrap(), finalized)
}

#[test]
fn a_second_client_resumes_from_the_record_the_first_saved() {
    init_log();
    let (node, _) = Node::start_finney_like(CHANGES_BEFORE, CHANGE_EVERY);
    let checkpoint: serde_json::Value = serde_json::from_str(&node.checkpoint).unwrap();
    let start = checkpoint["blockNumber"].as_u64().unwrap();

    // First visit: from the checkpoint, nothing saved yet.
    let first = start_point(&node.light_spec, Some(&node.checkpoint), None).unwrap();
    assert!(!first.resumed);
    assert_eq!(first.number, Some(start));
    let client = Client::new(native::platform()).with_request_timeout(GUARD);
    let chain = client
        .add_chain_at(&node.light_spec, &first.database)
        .unwrap();
    let (_, reached) = follow(&chain, FOLLOW);
    let saved = native::block_on(chain.finalized_database(MAX_RECORD)).unwrap();
    drop(chain);
    let record: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let saved_number = light::start::record_number(&saved, first.block_number_bytes).unwrap();
    assert!(
        saved_number >= reached,
        "saved #{saved_number}, reached #{reached}"
    );
    assert!(
        record["runtimeCode"]
            .as_str()
            .is_some_and(|c| c.len() > 100_000),
        "the record keeps the runtime code: {}",
        &saved[..saved.len().min(300)]
    );

    // Second visit: the saved record wins over the older checkpoint.
    let second = start_point(&node.light_spec, Some(&node.checkpoint), Some(&saved)).unwrap();
    assert!(second.resumed);
    let resumed_at = second.number.unwrap();
    assert_eq!(resumed_at, saved_number);
    assert!(
        resumed_at >= reached && resumed_at > start,
        "resumed at #{resumed_at}; the first client reached #{reached}, checkpoint #{start}"
    );
    let client = Client::new(native::platform()).with_request_timeout(GUARD);
    let chain = client
        .add_chain_at(&node.light_spec, &second.database)
        .unwrap();
    let (first_reported, finalized) = follow(&chain, FOLLOW_TO_REPLAY);
    // It reports nothing before the saved block: the checkpoint's blocks are not fetched again.
    assert!(
        first_reported >= resumed_at,
        "first reported #{first_reported}, saved #{resumed_at}"
    );
    assert!(finalized >= resumed_at + FOLLOW_TO_REPLAY);

    // What it reads from there is the node's state.
    let source = LightSource::new(chain.clone());
    let (at, subnets, metagraphs) = support::read_and_replay(&source);
    let (light_spec, checkpoint_json) = (node.light_spec.clone(), node.checkpoint.clone());
    let served = node.stop();
    let changes = support::set_changes_between(&served, resumed_at, at.number);
    assert!(
        changes.len() >= 2,
        "set changes after the saved block: {changes:?}"
    );
    support::assert_node_agrees(served, at, &subnets, &metagraphs);

    // A record that cannot serve is passed over for the checkpoint.
    let other_chain = saved.replacen(record["genesisHash"].as_str().unwrap(), &"11".repeat(32), 1);
    for (what, text) in [
        ("another chain's", other_chain.as_str()),
        ("garbage", "{\"genesisHash\": 7"),
        ("empty", ""),
    ] {
        let point = start_point(&light_spec, Some(&checkpoint_json), Some(text)).unwrap();
        assert!(!point.resumed, "{what} record was used");
        assert_eq!(point, first, "{what} record");
    }
}

/// Without a checkpoint, a record is used as it is (smoldot compares its genesis hash with the
/// spec's); without either, the start is the spec's genesis.
#[test]
fn a_spec_alone_starts_at_genesis_or_the_saved_record() {
    let (node, _) = Node::start();
    let genesis = start_point(&node.spec, None, None).unwrap();
    assert_eq!(
        genesis,
        light::start::StartPoint {
            database: String::new(),
            number: None,
            resumed: false,
            block_number_bytes: 4,
        }
    );
    let from_checkpoint = start_point(&node.spec, Some(&node.checkpoint), None).unwrap();
    let record = start_point(&node.spec, None, Some(&from_checkpoint.database)).unwrap();
    assert!(record.resumed);
    assert_eq!(record.number, from_checkpoint.number);
    assert!(start_point("{", None, None).is_err());
}
