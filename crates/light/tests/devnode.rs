//! The light client syncs from an in-process devnode over a real libp2p connection
//! (WebSocket on 127.0.0.1): best and finalized reach a few blocks, and a storage value read
//! through a Merkle proof equals the node's own. Then the write path: a signed transfer
//! submitted through the light client is validated by it, gossiped to the node, included in a
//! block, reported finalized, and its effect read back through verified storage and runtime
//! calls.
//!
//! The timeouts below are hang guards, not speed assertions.
//!
//! And the dashboard's read path: the `chain` model (subnets, metagraphs) and every subnet's
//! epoch replay through the light client's verified reads, equal to what the node's own state
//! gives at the same block.
//!
//! Run with `LIGHT_LOG=debug` to see both sides' logs. These tests found four bugs on their way
//! to green (a panic on `NotificationsOutReset`, short responses lost to smoldot's data+FIN
//! frames, refused pings that made the client redial and ban the node, and smoldot-light's
//! leaked storage operation slots — see vendor/README.md).

#![allow(clippy::unwrap_used)]

mod support;

use devnode::extrinsic::{Extrinsics, Value};
use std::time::Duration;

use devnode::DevKeys;
use futures_util::future::{Either, select};
use light::{Client, FollowEvent, Runtime, TransactionEvent, native};
use support::{BLOCKS, GUARD, Node, init_log};

/// Follows `chain` until best and finalized both reach [`BLOCKS`]; returns the runtime the
/// follow reported. Panics with the events seen after [`GUARD`].
fn sync<P: smoldot_light::platform::PlatformRef>(chain: &light::Chain<P>) -> Option<Runtime> {
    let mut events = chain.follow();
    let (mut best, mut finalized) = (0u64, 0u64);
    let mut runtime = None;
    let mut log = Vec::new();
    native::block_on(async {
        let guard = std::pin::pin!(smol::Timer::after(GUARD));
        let mut guard = guard;
        while best < BLOCKS || finalized < BLOCKS {
            let next = std::pin::pin!(events.next());
            match select(next, guard.as_mut()).await {
                Either::Left((Some(Ok(event)), _)) => {
                    match &event {
                        FollowEvent::Initialized {
                            finalized: f,
                            runtime: r,
                        } => {
                            finalized = f.number;
                            best = best.max(f.number);
                            runtime.clone_from(r);
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
    runtime
}

#[test]
fn syncs_from_devnode_and_reads_verified_storage() {
    init_log();
    let (node, reference) = Node::start();
    let platform = native::platform();
    let client = Client::new(platform.clone()).with_request_timeout(GUARD);
    let chain = client.add_chain(&node.spec).unwrap();
    sync(&chain);
    let heads = chain.heads().unwrap();
    assert!(heads.finalized.number >= BLOCKS && heads.best.number >= heads.finalized.number);

    let health = native::block_on(chain.health()).unwrap();
    assert_eq!(health.peers, 1);

    let key = devnode::spec::storage_value_key("SubtensorModule", "TotalNetworks");
    let expected = reference.storage(&key).map(<[u8]>::to_vec);
    assert!(expected.is_some(), "the genesis has TotalNetworks");
    let read = native::block_on(chain.storage(&key)).unwrap();
    assert_eq!(read, expected);

    // No block changes TotalNetworks (they carry only inherents): the serving node agrees.
    let served = node.stop();
    assert_eq!(served.storage(&key).map(<[u8]>::to_vec), expected);
}

/// `AccountInfo.data.free` (u64 on subtensor) from a `System.Account` value: nonce, consumers,
/// providers and sufficients (u32 each) come first. An absent account holds nothing.
fn free_balance(account: Option<&[u8]>) -> u64 {
    account.map_or(0, |bytes| {
        u64::from_le_bytes(bytes[16..24].try_into().unwrap())
    })
}

#[test]
fn submits_a_transfer_watches_it_finalize_and_reads_its_effect() {
    init_log();
    let (node, mut reference) = Node::start();
    let alice = DevKeys::alice();
    let bob = DevKeys::from_secret_uri("//Bob").unwrap().account_id();
    let amount: u64 = 1_234_567_890; // 1.23456789 TAO in rao
    // The transfer is built from the genesis state, which the serving node shares.
    let mut tx = Extrinsics::from_chain(&mut reference).unwrap();
    let call = tx
        .call(
            "Balances",
            "transfer_keep_alive",
            vec![
                Value::Variant("Id".into(), vec![Value::account(bob)]),
                Value::Uint(amount.into()),
            ],
        )
        .unwrap();
    let extrinsic = tx.sign(&reference, &alice, &call).unwrap();
    let bob_key = tx
        .storage_key("System", "Account", &[Value::account(bob)])
        .unwrap();
    let before = free_balance(reference.storage(&bob_key));

    let client = Client::new(native::platform()).with_request_timeout(GUARD);
    let chain = client.add_chain(&node.spec).unwrap();
    let runtime = sync(&chain);

    // A runtime call through a verified call proof: the version the follow reported.
    let version = native::block_on(chain.call("Core_version", &[])).unwrap();
    let Some(Runtime::Valid { spec_version, .. }) = runtime else {
        panic!("no valid runtime reported: {runtime:?}");
    };
    assert_eq!(spec_version, tx.version().spec_version);
    // RuntimeVersion: spec_name and impl_name (SCALE strings), authoring_version, spec_version.
    let (name_len, rest) = (usize::from(version[0] >> 2), &version[1..]);
    assert_eq!(&rest[..name_len], b"node-subtensor");
    let rest = &rest[name_len..];
    let impl_len = usize::from(rest[0] >> 2);
    let rest = &rest[1 + impl_len + 4..];
    assert_eq!(
        u32::from_le_bytes(rest[..4].try_into().unwrap()),
        spec_version
    );

    let seen = std::cell::RefCell::new(Vec::new());
    let inclusion = native::block_on(async {
        let watch = chain.submit_and_watch(&extrinsic);
        let finalized =
            std::pin::pin!(watch.finalized(|event| seen.borrow_mut().push(event.clone())));
        match select(finalized, std::pin::pin!(smol::Timer::after(GUARD))).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => {
                panic!("not finalized after {GUARD:?}; events: {:?}", seen.borrow())
            }
        }
    })
    .unwrap_or_else(|e| panic!("{e}; events: {:?}", seen.borrow()));
    let seen = seen.into_inner();
    assert_eq!(seen.first(), Some(&TransactionEvent::Validated));
    assert!(
        seen.iter()
            .any(|e| matches!(e, TransactionEvent::Broadcasted { peers: 1 })),
        "{seen:?}"
    );
    // Blocks open with their inherents (the timestamp at least), so a transaction is never
    // at index 0.
    assert!(inclusion.index >= 1, "{inclusion:?}");
    // Reads run at the follow's finalized block, which may not have reached it yet. Waiting a
    // few blocks first makes the other case certain too: the follow finalized (and unpinned)
    // the block long before we ask, which once hung this wait.
    native::block_on(smol::Timer::after(Duration::from_secs(2)));
    let included = native::block_on(chain.until_finalized(inclusion.block)).unwrap();
    assert!(chain.heads().unwrap().finalized.number >= included.number);

    // Its effect, read through proofs at the (now later) finalized block.
    let after = native::block_on(chain.storage(&bob_key)).unwrap();
    assert_eq!(free_balance(after.as_deref()) - before, amount);
    let alice_id = alice.account_id();
    let nonce = native::block_on(chain.call("AccountNonceApi_account_nonce", &alice_id)).unwrap();
    assert_eq!(nonce, 1u32.to_le_bytes());

    // The serving node agrees, and the block the watch named holds the transfer at that index.
    let served = node.stop();
    assert_eq!(served.storage(&bob_key).map(<[u8]>::to_vec), after);
    let block = served.block_by_hash(&inclusion.block).unwrap();
    assert_eq!(block.body.get(inclusion.index as usize), Some(&extrinsic));
}

/// Waits until the finalized block is at least `number`.
fn finalized_at_least<P: smoldot_light::platform::PlatformRef>(
    chain: &light::Chain<P>,
    number: u64,
) {
    let mut events = chain.follow();
    native::block_on(async {
        let mut guard = std::pin::pin!(smol::Timer::after(GUARD));
        while chain.heads().is_none_or(|h| h.finalized.number < number) {
            let next = std::pin::pin!(events.next());
            if let Either::Right(_) = select(next, guard.as_mut()).await {
                panic!(
                    "finalized {:?} after {GUARD:?}, waiting for #{number}",
                    chain.heads()
                );
            }
        }
    });
}

#[test]
fn the_dashboard_model_and_replays_read_verified_state() {
    use chain::Source;

    init_log();
    let (node, _) = Node::start_with(true);
    let client = Client::new(native::platform()).with_request_timeout(GUARD);
    let chain = client.add_chain(&node.spec).unwrap();
    let source = light::LightSource::new(chain.clone());
    let first = native::block_on(source.finalized()).unwrap();
    // Every subnet (tempo 15 at most) has run an epoch since the client started following, so
    // its epoch block and the one before are among the retained finalized blocks.
    finalized_at_least(&chain, first.number + 18);
    let (at, subnets, metagraphs) = support::read_and_replay(&source);
    assert_eq!(metagraphs.len(), 3);
    assert!(
        metagraphs
            .iter()
            .all(|m| m.provenance == chain::Provenance::LightClient)
    );

    // The node's own state at the same block gives the same values.
    support::assert_node_agrees(node.stop(), at, &subnets, &metagraphs);
}
