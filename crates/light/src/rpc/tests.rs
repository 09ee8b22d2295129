//! Tests of the JSON-RPC state machine: scripted conversations in the shape smoldot-light
//! produces (checked against smoldot 5.0.0's `json_rpc::methods`), including broken ones.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use super::*;

/// A SCALE header with `number` (compact) and otherwise fixed fields, and its hash.
fn header(number: u8, parent: BlockHash) -> (Vec<u8>, BlockHash) {
    assert!(number < 64, "single-byte compact only");
    let mut bytes = parent.to_vec();
    bytes.push(number << 2);
    bytes.extend([7u8; 32]); // state root
    bytes.extend([9u8; 32]); // extrinsics root
    bytes.push(0); // empty digest
    let hash = smoldot::header::hash_from_scale_encoded_header(&bytes);
    (bytes, hash)
}

fn h(byte: u8) -> BlockHash {
    [byte; 32]
}

/// The `i`-th block of a long run of finalized blocks (distinct from every `h`).
fn run_hash(i: usize) -> BlockHash {
    let mut hash = [0xee; 32];
    hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
    hash
}

/// Finalizes `count` blocks one after the other on top of `parent`, hashed `run_hash(from..)`;
/// returns the last one.
fn finalize_run(
    rpc: &mut Rpc<u32>,
    sub: &str,
    parent: BlockHash,
    from: usize,
    count: usize,
) -> BlockHash {
    let mut parent = parent;
    for i in from..from + count {
        let child = run_hash(i);
        finalize_next_on(rpc, sub, parent, child);
        parent = child;
    }
    parent
}

/// Whether one of the outgoing requests (all drained) unpins `hash`.
fn unpins(rpc: &mut Rpc<u32>, hash: &BlockHash) -> bool {
    core::iter::from_fn(|| rpc.next_outgoing())
        .any(|text| text.contains("chainHead_v1_unpin") && text.contains(&hx(hash)))
}

fn hx(hash: &BlockHash) -> String {
    format!("0x{}", hex::encode(hash))
}

/// Pops the next outgoing request: (id, method, params).
fn out(rpc: &mut Rpc<u32>) -> (u64, String, Value) {
    let text = rpc.next_outgoing().expect("an outgoing request");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["jsonrpc"], "2.0");
    (
        v["id"].as_u64().unwrap(),
        v["method"].as_str().unwrap().to_owned(),
        v["params"].clone(),
    )
}

fn reply(rpc: &mut Rpc<u32>, id: u64, result: Value) {
    rpc.inject(&json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string());
}

fn notify(rpc: &mut Rpc<u32>, sub: &str, event: Value) {
    rpc.inject(
        &json!({"jsonrpc": "2.0", "method": "chainHead_v1_followEvent",
                "params": {"subscription": sub, "result": event}})
        .to_string(),
    );
}

fn events(rpc: &mut Rpc<u32>) -> Vec<Result<FollowEvent, LightError>> {
    core::iter::from_fn(|| rpc.next_event()).collect()
}

fn ok_events(rpc: &mut Rpc<u32>) -> Vec<FollowEvent> {
    events(rpc)
        .into_iter()
        .map(|e| e.unwrap_or_else(|e| panic!("unexpected error event: {e}")))
        .collect()
}

fn runtime_json() -> Value {
    json!({"type": "valid", "spec": {"specName": "node-subtensor", "implName": "node-subtensor",
        "specVersion": 218, "implVersion": 1, "transactionVersion": 1, "apis": {}}})
}

/// Follows up to `initialized` with finalized blocks [genesis-ish g, f] where f is #5.
/// Returns the machine, the subscription id and f's hash.
fn initialized() -> (Rpc<u32>, BlockHash) {
    let mut rpc = Rpc::new(4);
    rpc.start_follow();
    let (id, method, params) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_follow");
    assert_eq!(params, json!([true]));
    reply(&mut rpc, id, json!("sub1"));
    let (bytes, f) = header(5, h(4));
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "initialized", "finalizedBlockHashes": [hx(&h(4)), hx(&f)],
               "finalizedBlockRuntime": runtime_json()}),
    );
    let (_, method, params) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_unpin");
    assert_eq!(params, json!(["sub1", [hx(&h(4))]]));
    let (id, method, params) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_header");
    assert_eq!(params, json!(["sub1", hx(&f)]));
    assert!(rpc.heads().is_none(), "no heads before the number is known");
    reply(&mut rpc, id, json!(format!("0x{}", hex::encode(bytes))));
    (rpc, f)
}

#[test]
fn follow_reports_numbers_from_header_and_parent_links() {
    let (mut rpc, f) = initialized();
    let f5 = BlockRef { number: 5, hash: f };
    assert_eq!(
        ok_events(&mut rpc),
        vec![FollowEvent::Initialized {
            finalized: f5,
            runtime: Some(Runtime::Valid {
                spec_name: "node-subtensor".into(),
                spec_version: 218
            }),
        }]
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "newBlock", "blockHash": hx(&h(6)), "parentBlockHash": hx(&f),
               "newRuntime": null}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "bestBlockChanged", "bestBlockHash": hx(&h(6))}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "finalized", "finalizedBlockHashes": [hx(&h(6))], "prunedBlockHashes": []}),
    );
    let b6 = BlockRef {
        number: 6,
        hash: h(6),
    };
    assert_eq!(
        ok_events(&mut rpc),
        vec![
            FollowEvent::NewBlock {
                block: b6,
                parent: f,
                new_runtime: None
            },
            FollowEvent::BestBlock(b6),
            FollowEvent::Finalized(b6),
        ]
    );
    assert_eq!(
        rpc.heads().map(|(fin, best, _)| (fin, best)),
        Some((b6, b6))
    );
    // The superseded finalized block stays pinned for reads at it, among the retained ones,
    // until it is the oldest beyond the limit.
    assert!(!unpins(&mut rpc, &f));
    assert_eq!(rpc.retained_block(5), Some(BlockRef { number: 5, hash: f }));
    let last = finalize_run(&mut rpc, "sub1", h(6), 0, RETAINED_FINALIZED - 2);
    assert!(!unpins(&mut rpc, &f), "still {RETAINED_FINALIZED} retained");
    finalize_run(&mut rpc, "sub1", last, RETAINED_FINALIZED - 2, 1);
    assert!(unpins(&mut rpc, &f));
    assert_eq!(rpc.retained_block(5), None);
    assert!(rpc.retained_block(6).is_some());
}

#[test]
fn events_before_the_header_reply_wait_for_it() {
    let mut rpc = Rpc::<u32>::new(4);
    rpc.start_follow();
    let (id, ..) = out(&mut rpc);
    reply(&mut rpc, id, json!("s"));
    let (bytes, f) = header(3, h(2));
    notify(
        &mut rpc,
        "s",
        json!({"event": "initialized", "finalizedBlockHashes": [hx(&f)]}),
    );
    let (header_id, method, _) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_header");
    notify(
        &mut rpc,
        "s",
        json!({"event": "newBlock", "blockHash": hx(&h(8)), "parentBlockHash": hx(&f), "newRuntime": null}),
    );
    notify(
        &mut rpc,
        "s",
        json!({"event": "bestBlockChanged", "bestBlockHash": hx(&h(8))}),
    );
    assert!(events(&mut rpc).is_empty());
    reply(
        &mut rpc,
        header_id,
        json!(format!("0x{}", hex::encode(bytes))),
    );
    let got = ok_events(&mut rpc);
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[2],
        FollowEvent::BestBlock(BlockRef {
            number: 4,
            hash: h(8)
        })
    );
}

#[test]
fn storage_waits_for_finalized_block_then_reads_value() {
    let mut rpc = Rpc::<u32>::new(4);
    rpc.storage(vec![0xaa, 0xbb], 42); // before following: starts the follow itself
    let (id, method, _) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_follow");
    reply(&mut rpc, id, json!("sub1"));
    let (bytes, f) = header(5, h(4));
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "initialized", "finalizedBlockHashes": [hx(&f)]}),
    );
    let (id, ..) = out(&mut rpc);
    reply(&mut rpc, id, json!(format!("0x{}", hex::encode(bytes))));
    let (id, method, params) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_storage");
    assert_eq!(
        params,
        json!(["sub1", hx(&f), [{"key": "0xaabb", "type": "value"}], null])
    );
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "op1", "discardedItems": 0}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageItems", "operationId": "op1",
               "items": [{"key": "0xaabb", "value": "0x0102"}]}),
    );
    assert!(rpc.next_done().is_none());
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageDone", "operationId": "op1"}),
    );
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 42);
    assert_eq!(result.unwrap(), Reply::Storage(Some(vec![1, 2])));
}

#[test]
fn storage_of_absent_key_is_none_and_errors_are_reported() {
    let (mut rpc, _) = initialized();
    events(&mut rpc);
    rpc.storage(vec![1], 1);
    let (id, ..) = out(&mut rpc);
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "a", "discardedItems": 0}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageDone", "operationId": "a"}),
    );
    assert_eq!(rpc.next_done().unwrap().1.unwrap(), Reply::Storage(None));

    rpc.storage(vec![2], 2);
    let (id, ..) = out(&mut rpc);
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "b", "discardedItems": 0}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationError", "operationId": "b", "error": "no peer answered"}),
    );
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 2);
    assert!(
        matches!(result, Err(LightError::Operation { message, .. }) if message == "no peer answered")
    );
}

/// Pops outgoing requests until one of `method`; returns its id and params.
fn out_of(rpc: &mut Rpc<u32>, method: &str) -> (u64, Value) {
    loop {
        let (id, m, params) = out(rpc);
        if m == method {
            return (id, params);
        }
    }
}

/// Announces `child` on top of `parent` and finalizes it, on the first subscription.
fn finalize_next(rpc: &mut Rpc<u32>, parent: BlockHash, child: BlockHash) {
    finalize_next_on(rpc, "sub1", parent, child);
}

#[test]
fn limit_reached_is_tried_again_at_the_next_finalized_blocks_then_reported() {
    let (mut rpc, f) = initialized();
    events(&mut rpc);
    rpc.storage(vec![3], 3);
    let (id, _) = out_of(&mut rpc, "chainHead_v1_storage");
    reply(&mut rpc, id, json!({"result": "limitReached"}));
    assert!(rpc.next_done().is_none());
    assert!(rpc.next_outgoing().is_none(), "no retry before a new block");

    let mut parent = f;
    for attempt in 2..=3u8 {
        let child = h(0x60 + attempt);
        finalize_next(&mut rpc, parent, child);
        let (id, params) = out_of(&mut rpc, "chainHead_v1_storage");
        assert_eq!(
            params[1],
            json!(hx(&child)),
            "attempt {attempt} at the new block"
        );
        reply(&mut rpc, id, json!({"result": "limitReached"}));
        parent = child;
    }
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 3);
    assert!(matches!(
        result,
        Err(LightError::LimitReached {
            method: "chainHead_v1_storage"
        })
    ));
}

#[test]
fn a_running_call_pins_its_block_and_is_sent_again_after_stop() {
    let (mut rpc, f) = initialized();
    events(&mut rpc);
    rpc.call("AccountNonceApi_account_nonce", vec![7; 32], 5);
    let (id, params) = out_of(&mut rpc, "chainHead_v1_call");
    assert_eq!(params[1], json!(hx(&f)));
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "c"}),
    );

    // A newer finalized block: f stays pinned while the call runs.
    finalize_next(&mut rpc, f, h(6));
    assert!(
        core::iter::from_fn(|| rpc.next_outgoing()).all(|text| !text.contains("unpin")),
        "the call's block must stay pinned"
    );

    // smoldot stops the subscription: the call starts again, same function and parameters.
    notify(&mut rpc, "sub1", json!({"event": "stop"}));
    let (id, _) = out_of(&mut rpc, "chainHead_v1_follow");
    reply(&mut rpc, id, json!("sub2"));
    let (bytes, g) = header(9, h(8));
    rpc.inject(
        &json!({"jsonrpc": "2.0", "method": "chainHead_v1_followEvent",
                "params": {"subscription": "sub2",
                           "result": {"event": "initialized", "finalizedBlockHashes": [hx(&g)]}}})
        .to_string(),
    );
    let (id, _) = out_of(&mut rpc, "chainHead_v1_header");
    reply(&mut rpc, id, json!(format!("0x{}", hex::encode(bytes))));
    let (id, params) = out_of(&mut rpc, "chainHead_v1_call");
    assert_eq!(
        params,
        json!([
            "sub2",
            hx(&g),
            "AccountNonceApi_account_nonce",
            format!("0x{}", "07".repeat(32))
        ])
    );
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "c2"}),
    );
    rpc.inject(
        &json!({"jsonrpc": "2.0", "method": "chainHead_v1_followEvent",
                "params": {"subscription": "sub2",
                           "result": {"event": "operationCallDone", "operationId": "c2",
                                      "output": "0x01000000"}}})
        .to_string(),
    );
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!((user, result.unwrap()), (5, Reply::Call(vec![1, 0, 0, 0])));
    // Done with g: once it leaves the retained blocks, it is unpinned.
    finalize_run(&mut rpc, "sub2", g, 0, RETAINED_FINALIZED);
    assert!(unpins(&mut rpc, &g));
}

fn finalize_next_on(rpc: &mut Rpc<u32>, sub: &str, parent: BlockHash, child: BlockHash) {
    notify(
        rpc,
        sub,
        json!({"event": "newBlock", "blockHash": hx(&child), "parentBlockHash": hx(&parent),
               "newRuntime": null}),
    );
    notify(
        rpc,
        sub,
        json!({"event": "finalized", "finalizedBlockHashes": [hx(&child)], "prunedBlockHashes": []}),
    );
}

#[test]
fn block_used_by_a_read_is_unpinned_only_after_it() {
    let (mut rpc, f) = initialized();
    events(&mut rpc);
    rpc.storage(vec![1], 7);
    let (id, ..) = out(&mut rpc);
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "op", "discardedItems": 0}),
    );
    // f leaves the retained blocks while the read runs: it stays pinned, and readable.
    finalize_run(&mut rpc, "sub1", f, 0, RETAINED_FINALIZED);
    assert!(!unpins(&mut rpc, &f), "f is still read from");
    assert!(rpc.retained_block(5).is_some(), "readable while in use");
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageDone", "operationId": "op"}),
    );
    let (_, method, params) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_unpin");
    assert_eq!(params, json!(["sub1", hx(&f)]));
    assert_eq!(rpc.retained_block(5), None);
}

#[test]
fn held_blocks_stay_readable_until_released() {
    let (mut rpc, f) = initialized();
    events(&mut rpc);
    assert!(rpc.hold(f));
    assert!(!rpc.hold(h(0x77)), "an unknown block cannot be held");
    let last = finalize_run(&mut rpc, "sub1", f, 0, RETAINED_FINALIZED + 3);
    assert!(!unpins(&mut rpc, &f));
    // A read at the held block starts there.
    rpc.storage_items(Some(f), vec![(vec![1], StorageKind::Value)], 1)
        .unwrap();
    let (id, params) = out_of(&mut rpc, "chainHead_v1_storage");
    assert_eq!(params[1], json!(hx(&f)));
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "o", "discardedItems": 0}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageDone", "operationId": "o"}),
    );
    assert_eq!(
        rpc.next_done().unwrap().1.unwrap(),
        Reply::StorageItems(vec![])
    );
    rpc.unhold(f);
    assert!(unpins(&mut rpc, &f));
    // Now gone: a read there fails at once.
    rpc.storage_items(Some(f), vec![(vec![1], StorageKind::Value)], 2)
        .unwrap();
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 2);
    assert!(matches!(result, Err(LightError::BlockNotPinned { hash, .. }) if hash == f));
    assert!(rpc.retained_block(5).is_none());
    assert!(rpc.hold(last));
}

#[test]
fn multi_item_reads_return_what_was_asked_and_nothing_else() {
    let (mut rpc, f) = initialized();
    events(&mut rpc);
    rpc.storage_items(
        None,
        vec![
            (vec![0xaa], StorageKind::Value),
            (vec![0xbb], StorageKind::Value),
            (vec![0xcc], StorageKind::DescendantsValues),
        ],
        3,
    )
    .unwrap();
    let (id, params) = out_of(&mut rpc, "chainHead_v1_storage");
    assert_eq!(
        params,
        json!(["sub1", hx(&f), [
            {"key": "0xaa", "type": "value"},
            {"key": "0xbb", "type": "value"},
            {"key": "0xcc", "type": "descendantsValues"}
        ], null])
    );
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "m", "discardedItems": 0}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageItems", "operationId": "m",
               "items": [{"key": "0xaa", "value": "0x01"}, {"key": "0xcc01", "value": "0x02"},
                         {"key": "0xcc02", "value": "0x03"}]}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageDone", "operationId": "m"}),
    );
    assert_eq!(
        rpc.next_done().unwrap().1.unwrap(),
        Reply::StorageItems(vec![
            (vec![0xaa], vec![1]),
            (vec![0xcc, 1], vec![2]),
            (vec![0xcc, 2], vec![3]),
        ])
    );
    // A key nobody asked for, or one reported twice, is a protocol error.
    rpc.storage_items(None, vec![(vec![0xaa], StorageKind::Value)], 4)
        .unwrap();
    let (id, _) = out_of(&mut rpc, "chainHead_v1_storage");
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "n", "discardedItems": 0}),
    );
    events(&mut rpc);
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageItems", "operationId": "n",
               "items": [{"key": "0xab", "value": "0x01"}]}),
    );
    assert!(matches!(
        events(&mut rpc).as_slice(),
        [Err(LightError::Reply { source: ReplyError::UnexpectedItem(k), .. })] if *k == vec![0xab]
    ));
    // Too many or no items are refused before anything is sent.
    let many = (0..=MAX_ITEMS_PER_OPERATION)
        .map(|i| (vec![i as u8], StorageKind::Value))
        .collect();
    assert!(matches!(
        rpc.storage_items(None, many, 5),
        Err(LightError::BadRequest { .. })
    ));
    assert!(rpc.storage_items(None, vec![], 6).is_err());
}

#[test]
fn stop_refollows_and_restarts_running_reads() {
    let (mut rpc, _) = initialized();
    events(&mut rpc);
    rpc.storage(vec![5], 9);
    let (id, ..) = out(&mut rpc);
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "op", "discardedItems": 0}),
    );
    notify(&mut rpc, "sub1", json!({"event": "stop"}));
    assert_eq!(ok_events(&mut rpc), vec![FollowEvent::Stopped]);
    let (id, method, _) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_follow");
    // Late events of the old subscription are dropped silently.
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageDone", "operationId": "op"}),
    );
    assert!(events(&mut rpc).is_empty());
    assert!(rpc.next_done().is_none());
    reply(&mut rpc, id, json!("sub2"));
    let (bytes, f) = header(9, h(1));
    notify(
        &mut rpc,
        "sub2",
        json!({"event": "initialized", "finalizedBlockHashes": [hx(&f)]}),
    );
    let (id, ..) = out(&mut rpc);
    reply(&mut rpc, id, json!(format!("0x{}", hex::encode(bytes))));
    let (_, method, params) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_storage");
    assert_eq!(params[0], "sub2");
    assert_eq!(params[1], json!(hx(&f)));
}

#[test]
fn unknown_parent_is_an_error_and_follow_restarts() {
    let (mut rpc, _) = initialized();
    events(&mut rpc);
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "newBlock", "blockHash": hx(&h(6)), "parentBlockHash": hx(&h(0xee)), "newRuntime": null}),
    );
    let got = events(&mut rpc);
    assert_eq!(got.len(), 1);
    let error = got.into_iter().next().unwrap().unwrap_err();
    assert!(matches!(
        &error,
        LightError::Reply { source: ReplyError::UnknownBlock(b), .. } if *b == h(0xee)
    ));
    assert!(error.to_string().contains(&hex::encode(h(0xee))));
    let (_, method, params) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_unfollow");
    assert_eq!(params, json!(["sub1"]));
    let (_, method, _) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_follow");
}

#[test]
fn header_that_does_not_hash_to_the_block_is_rejected() {
    let mut rpc = Rpc::<u32>::new(4);
    rpc.start_follow();
    let (id, ..) = out(&mut rpc);
    reply(&mut rpc, id, json!("s"));
    let (bytes, _) = header(3, h(2));
    notify(
        &mut rpc,
        "s",
        json!({"event": "initialized", "finalizedBlockHashes": [hx(&h(3))]}),
    );
    let (id, ..) = out(&mut rpc);
    reply(&mut rpc, id, json!(format!("0x{}", hex::encode(bytes))));
    let error = events(&mut rpc).pop().unwrap().unwrap_err();
    assert!(matches!(
        error,
        LightError::Reply { source: ReplyError::HeaderHash(b), .. } if b == h(3)
    ));
    assert!(rpc.heads().is_none());
}

#[test]
fn malformed_texts_name_what_is_wrong() {
    let mut rpc = Rpc::<u32>::new(4);
    let cases: &[(&str, &str)] = &[
        ("{not json", "not JSON"),
        (r#"{"id": 1, "result": null}"#, "JSON-RPC 2.0"),
        (
            r#"{"jsonrpc": "2.0", "id": 77, "result": null}"#,
            "reply id 77",
        ),
        (r#"{"jsonrpc": "2.0", "id": 1}"#, r#""result" is missing"#),
        (
            r#"{"jsonrpc": "2.0", "method": "state_storage", "params": {}}"#,
            "unexpected notification \"state_storage\"",
        ),
        (
            r#"{"jsonrpc": "2.0", "method": "chainHead_v1_followEvent", "params": {"subscription": "x", "result": {"event": "warp"}}}"#,
            "unknown follow event \"warp\"",
        ),
    ];
    for (text, expected) in cases {
        rpc.inject(text);
        let error = rpc.next_event().unwrap().unwrap_err().to_string();
        assert!(error.contains(expected), "{text}: {error}");
    }

    // A bad hash inside a follow event names the field.
    rpc.start_follow();
    let (id, ..) = out(&mut rpc);
    reply(&mut rpc, id, json!("s"));
    notify(
        &mut rpc,
        "s",
        json!({"event": "initialized", "finalizedBlockHashes": ["0x1234"]}),
    );
    let error = rpc.next_event().unwrap().unwrap_err().to_string();
    assert!(
        error.contains("finalizedBlockHashes") && error.contains("32 bytes"),
        "{error}"
    );
    notify(
        &mut rpc,
        "s",
        json!({"event": "initialized", "finalizedBlockHashes": ["abcd"]}),
    );
    let error = rpc.next_event().unwrap().unwrap_err().to_string();
    assert!(error.contains("0x-prefixed"), "{error}");
}

#[test]
fn plain_requests_return_result_or_error() {
    let mut rpc = Rpc::<u32>::new(4);
    rpc.request("system_name", json!([]), 1).unwrap();
    let (id, method, _) = out(&mut rpc);
    assert_eq!(method, "system_name");
    reply(&mut rpc, id, json!("smoldot-light"));
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 1);
    assert_eq!(result.unwrap(), Reply::Value(json!("smoldot-light")));

    rpc.request("no_such_method", json!({}), 2).unwrap();
    let (id, ..) = out(&mut rpc);
    rpc.inject(
        &json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}})
            .to_string(),
    );
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 2);
    assert!(matches!(
        result,
        Err(LightError::Rpc { method, code: -32601, message }) if method == "no_such_method" && message == "Method not found"
    ));

    assert!(matches!(
        rpc.request("x", json!(3), 3),
        Err(LightError::BadRequest { .. })
    ));
}

#[test]
fn call_runs_at_the_finalized_block_and_returns_its_output() {
    let (mut rpc, f) = initialized();
    events(&mut rpc);
    rpc.call("Core_version", vec![], 7);
    let (id, method, params) = out(&mut rpc);
    assert_eq!(method, "chainHead_v1_call");
    assert_eq!(params, json!(["sub1", hx(&f), "Core_version", "0x"]));
    // chainHead_v1_call's `started` carries no discardedItems.
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "c1"}),
    );
    assert!(rpc.next_done().is_none());
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationCallDone", "operationId": "c1", "output": "0x0a0b"}),
    );
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!((user, result.unwrap()), (7, Reply::Call(vec![10, 11])));

    // A runtime that traps: the error names the call's method, not storage's.
    rpc.call("SubnetInfoRuntimeApi_get_subnet_info", vec![1, 0], 8);
    let (id, ..) = out(&mut rpc);
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "c2"}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationError", "operationId": "c2", "error": "wasm trap"}),
    );
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 8);
    assert!(matches!(
        result,
        Err(LightError::Operation { method: "chainHead_v1_call", ref message }) if message == "wasm trap"
    ));
}

#[test]
fn a_call_reported_as_storage_fails_the_call_and_releases_its_block() {
    let (mut rpc, f) = initialized();
    events(&mut rpc);
    rpc.call("Core_version", vec![], 1);
    let (id, ..) = out(&mut rpc);
    reply(
        &mut rpc,
        id,
        json!({"result": "started", "operationId": "c"}),
    );
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageDone", "operationId": "c"}),
    );
    // smoldot forgets an operation at its end, whatever the kind: the caller hears now.
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 1);
    assert!(matches!(
        result,
        Err(LightError::Reply { source: ReplyError::OutOfOrder(_), ref method }) if method == "chainHead_v1_call"
    ));
    // Its block is free: once it leaves the retained blocks, it is unpinned.
    finalize_run(&mut rpc, "sub1", f, 0, RETAINED_FINALIZED);
    assert!(unpins(&mut rpc, &f));
    // A second end of the same operation is a protocol error.
    events(&mut rpc);
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationCallDone", "operationId": "c", "output": "0x"}),
    );
    assert!(matches!(
        events(&mut rpc).as_slice(),
        [Err(LightError::Reply { source: ReplyError::UnknownOperation(op), .. })] if op == "c"
    ));
}

fn watch_notify(rpc: &mut Rpc<u32>, sub: &str, event: Value) {
    rpc.inject(
        &json!({"jsonrpc": "2.0", "method": "transactionWatch_v1_watchEvent",
                "params": {"subscription": sub, "result": event}})
        .to_string(),
    );
}

fn watch_events(rpc: &mut Rpc<u32>) -> Vec<(WatchId, Result<TransactionEvent, LightError>)> {
    core::iter::from_fn(|| rpc.next_watch_event()).collect()
}

fn ok_watch_events(rpc: &mut Rpc<u32>) -> Vec<(WatchId, TransactionEvent)> {
    watch_events(rpc)
        .into_iter()
        .map(|(w, e)| (w, e.unwrap_or_else(|e| panic!("unexpected error: {e}"))))
        .collect()
}

#[test]
fn a_watched_transaction_reports_each_step_until_finalized() {
    let mut rpc = Rpc::<u32>::new(4);
    let first = rpc.submit_and_watch(&[0x01, 0x02]);
    let second = rpc.submit_and_watch(&[0x03]);
    assert_ne!(first, second);
    let (id1, method, params) = out(&mut rpc);
    assert_eq!(method, "transactionWatch_v1_submitAndWatch");
    assert_eq!(params, json!(["0x0102"]));
    let (id2, ..) = out(&mut rpc);
    reply(&mut rpc, id1, json!("w1"));
    reply(&mut rpc, id2, json!("w2"));
    let block = format!("0x{}", "cd".repeat(32));
    watch_notify(&mut rpc, "w1", json!({"event": "validated"}));
    watch_notify(
        &mut rpc,
        "w2",
        json!({"event": "invalid", "error": "stale nonce"}),
    );
    watch_notify(
        &mut rpc,
        "w1",
        json!({"event": "broadcasted", "numPeers": 1}),
    );
    watch_notify(
        &mut rpc,
        "w1",
        json!({"event": "finalized", "block": {"hash": block, "index": 2}}),
    );
    let inclusion = Inclusion {
        block: [0xcd; 32],
        index: 2,
    };
    assert_eq!(
        ok_watch_events(&mut rpc),
        vec![
            (first, TransactionEvent::Validated),
            (second, TransactionEvent::Invalid("stale nonce".into())),
            (first, TransactionEvent::Broadcasted { peers: 1 }),
            (first, TransactionEvent::Finalized(inclusion)),
        ]
    );
    // Both watches ended: later events for them are dropped quietly, nothing is left open.
    watch_notify(&mut rpc, "w1", json!({"event": "validated"}));
    assert!(watch_events(&mut rpc).is_empty());
    assert!(events(&mut rpc).is_empty());
    rpc.unwatch(first);
    assert!(
        rpc.next_outgoing().is_none(),
        "an ended watch needs no unwatch"
    );
}

#[test]
fn refused_submissions_and_broken_events_end_the_watch_with_an_error() {
    let mut rpc = Rpc::<u32>::new(4);
    let refused = rpc.submit_and_watch(&[0xff]);
    let (id, ..) = out(&mut rpc);
    rpc.inject(
        &json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32602, "message": "bad hex"}})
            .to_string(),
    );
    assert!(matches!(
        watch_events(&mut rpc).as_slice(),
        [(w, Err(LightError::Rpc { code: -32602, .. }))] if *w == refused
    ));

    let broken = rpc.submit_and_watch(&[0x01]);
    let (id, ..) = out(&mut rpc);
    reply(&mut rpc, id, json!("w9"));
    watch_notify(&mut rpc, "w9", json!({"event": "finalized", "block": null}));
    assert!(matches!(
        watch_events(&mut rpc).as_slice(),
        [(w, Err(LightError::Reply { .. }))] if *w == broken
    ));
    // The broken watch is closed on smoldot's side too.
    let (_, method, params) = out(&mut rpc);
    assert_eq!(method, "transactionWatch_v1_unwatch");
    assert_eq!(params, json!(["w9"]));

    let abandoned = rpc.submit_and_watch(&[0x02]);
    let (id, ..) = out(&mut rpc);
    reply(&mut rpc, id, json!("w10"));
    rpc.unwatch(abandoned);
    let (_, method, params) = out(&mut rpc);
    assert_eq!(method, "transactionWatch_v1_unwatch");
    assert_eq!(params, json!(["w10"]));
}

#[test]
fn a_watch_given_up_before_its_subscription_is_named_is_unwatched_on_the_reply() {
    let mut rpc = Rpc::<u32>::new(4);
    let early = rpc.submit_and_watch(&[0x05]);
    let (id, ..) = out(&mut rpc);
    rpc.unwatch(early);
    assert!(
        rpc.next_outgoing().is_none(),
        "nothing to unwatch until smoldot names it"
    );
    reply(&mut rpc, id, json!("w11"));
    let (_, method, params) = out(&mut rpc);
    assert_eq!(method, "transactionWatch_v1_unwatch");
    assert_eq!(params, json!(["w11"]));
    watch_notify(&mut rpc, "w11", json!({"event": "validated"}));
    assert!(
        watch_events(&mut rpc).is_empty(),
        "no events for an abandoned watch"
    );
}

#[test]
fn finalized_blocks_are_remembered_after_unpinning_and_across_subscriptions() {
    let (mut rpc, f) = initialized();
    events(&mut rpc);
    finalize_next(&mut rpc, f, h(6));
    finalize_next(&mut rpc, h(6), h(7));
    assert_eq!(
        rpc.finalized_block(&h(6)),
        Some(BlockRef {
            number: 6,
            hash: h(6)
        })
    );
    assert_eq!(rpc.finalized_block(&f).map(|b| b.number), Some(5));
    // Announced but never finalized, or unknown: not finalized.
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "newBlock", "blockHash": hx(&h(8)), "parentBlockHash": hx(&h(7)),
               "newRuntime": null}),
    );
    assert_eq!(rpc.finalized_block(&h(8)), None);
    assert_eq!(rpc.finalized_block(&h(0x99)), None);
    // smoldot stops the subscription: what was finalized stays finalized.
    notify(&mut rpc, "sub1", json!({"event": "stop"}));
    assert_eq!(rpc.finalized_block(&h(7)).map(|b| b.number), Some(7));
}

#[test]
fn operations_wait_for_free_slots_instead_of_being_refused() {
    let (mut rpc, _) = initialized();
    events(&mut rpc);
    // Three operations of 15 items need 45 slots; smoldot-light has 32 per subscription.
    let items = |tag: u8| {
        (0..15u8)
            .map(|i| (vec![tag, i], StorageKind::Value))
            .collect()
    };
    for user in 1..=3u32 {
        rpc.storage_items(None, items(user as u8), user).unwrap();
    }
    let sent = |rpc: &mut Rpc<u32>| {
        core::iter::from_fn(|| rpc.next_outgoing())
            .filter_map(|text| {
                let v: Value = serde_json::from_str(&text).unwrap();
                (v["method"] == "chainHead_v1_storage").then(|| v["id"].as_u64().unwrap())
            })
            .collect::<Vec<_>>()
    };
    let first = sent(&mut rpc);
    assert_eq!(
        first.len(),
        2,
        "two operations (30 slots) fit, the third waits"
    );
    for (id, op) in first.iter().zip(["a", "b"]) {
        reply(
            &mut rpc,
            *id,
            json!({"result": "started", "operationId": op, "discardedItems": 0}),
        );
    }
    assert!(sent(&mut rpc).is_empty(), "still no room while both run");
    notify(
        &mut rpc,
        "sub1",
        json!({"event": "operationStorageDone", "operationId": "a"}),
    );
    let (user, result) = rpc.next_done().unwrap();
    assert_eq!(user, 1);
    assert!(matches!(result, Ok(Reply::StorageItems(ref found)) if found.is_empty()));
    assert_eq!(
        sent(&mut rpc).len(),
        1,
        "the third starts once the first ended"
    );
}
