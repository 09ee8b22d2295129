//! Metadata-driven encoding and signing checked against the real runtime: indices and types
//! come from its metadata, signatures are accepted by its own validation, and tampered ones
//! are not.

#![allow(clippy::unwrap_used)]

use core::time::Duration;

use super::*;
use crate::TransactionOutcome;
use crate::spec::DevSpec;

fn setup() -> (Chain, Extrinsics) {
    let alice = DevKeys::alice();
    let mut chain = Chain::new(&DevSpec::aura_dev(&alice).unwrap(), alice).unwrap();
    let tx = Extrinsics::from_chain(&mut chain).unwrap();
    (chain, tx)
}

#[test]
fn metadata_gives_indices_types_and_extensions() {
    let (_, tx) = setup();
    assert_eq!(tx.version().spec_version, 293);
    let identifiers: Vec<&str> = tx
        .metadata()
        .extrinsic()
        .extensions
        .iter()
        .map(|e| e.identifier.as_str())
        .collect();
    for expected in [
        "CheckSpecVersion",
        "CheckGenesis",
        "CheckNonce",
        "CheckMetadataHash",
    ] {
        assert!(identifiers.contains(&expected), "{identifiers:?}");
    }
    // SubtensorModule is pallet 7 and `add_stake` its call 2 (`#[pallet::call_index(2)]`).
    let hotkey = [9u8; 32];
    let call = tx
        .call(
            "SubtensorModule",
            "add_stake",
            vec![Value::account(hotkey), Value::Uint(3), Value::Uint(500)],
        )
        .unwrap();
    let mut expected = vec![7, 2];
    expected.extend_from_slice(&hotkey);
    expected.extend_from_slice(&3u16.to_le_bytes());
    expected.extend_from_slice(&500u64.to_le_bytes());
    assert_eq!(call, expected);
    // `Compact<u64>` balances and `MultiAddress::Id` (variant 0).
    let call = tx
        .call(
            "Balances",
            "force_set_balance",
            vec![
                Value::Variant("Id".into(), vec![Value::account(hotkey)]),
                Value::Uint(1 << 40),
            ],
        )
        .unwrap();
    assert_eq!(call[..3], [5, 8, 0]);
    // 2^40 takes six bytes: prefix (6 - 4) << 2 | 0b11.
    assert_eq!(call[35..], [0x0b, 0, 0, 0, 0, 0, 1]);
}

#[test]
fn values_that_do_not_fit_are_named() {
    let (_, tx) = setup();
    let error = tx
        .call(
            "SubtensorModule",
            "set_weights",
            vec![
                Value::Uint(70_000),
                Value::u16s(&[1]),
                Value::u16s(&[1]),
                Value::Uint(0),
            ],
        )
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("SubtensorModule.set_weights.netuid: as u16"),
        "{error}"
    );
    assert!(matches!(
        tx.call("SubtensorModule", "set_weights", vec![]),
        Err(ExtrinsicError::Encode(DecodeError::Encode { .. }))
    ));
    assert!(matches!(
        tx.call("SubtensorModule", "fly", vec![]),
        Err(ExtrinsicError::Encode(DecodeError::NotAvailable(_)))
    ));
    assert!(matches!(
        tx.storage_key(
            "SubtensorModule",
            "Weights",
            &[Value::Uint(1), Value::Uint(2), Value::Uint(3)]
        ),
        Err(ExtrinsicError::Encode(DecodeError::Encode { .. }))
    ));
}

#[test]
fn storage_keys_follow_the_declared_hashers() {
    let (chain, tx) = setup();
    // `System.Account` is Blake2_128Concat over the account id.
    let id = DevKeys::alice().account_id();
    let mut expected = chain::codec::item_prefix("System", "Account").to_vec();
    expected.extend_from_slice(blake2_rfc::blake2b::blake2b(16, &[], &id).as_bytes());
    expected.extend_from_slice(&id);
    assert_eq!(
        tx.storage_key("System", "Account", &[Value::account(id)])
            .unwrap(),
        expected
    );
    // The genesis endowment of the sudo key is there, so the key is right.
    assert!(chain.storage(&expected).is_some());
    // `SubtensorModule.Keys` is Identity, Identity over (netuid, uid).
    let mut expected = chain::codec::item_prefix("SubtensorModule", "Keys").to_vec();
    expected.extend_from_slice(&[1, 0, 0, 0]);
    assert_eq!(
        tx.storage_key("SubtensorModule", "Keys", &[Value::Uint(1), Value::Uint(0)])
            .unwrap(),
        expected
    );
}

#[test]
fn signed_extrinsics_pass_the_runtime_and_tampering_does_not() {
    let (mut chain, mut tx) = setup();
    let alice = DevKeys::alice();
    let remark = tx
        .call("System", "remark", vec![Value::Bytes(b"taoscope".to_vec())])
        .unwrap();
    let good = tx.sign(&chain, &alice, &remark).unwrap();
    // A second one with the next nonce, and a copy of it with a flipped signature bit.
    let next = tx.sign(&chain, &alice, &remark).unwrap();
    let mut tampered = next.clone();
    tampered[40] ^= 1;
    chain.submit_transaction(good);
    chain.submit_transaction(tampered);
    chain.submit_transaction(next);
    chain.produce_block(Duration::ZERO).unwrap();
    let outcomes = chain.last_transaction_outcomes().to_vec();
    assert_eq!(outcomes[0], TransactionOutcome::Success);
    match &outcomes[1] {
        TransactionOutcome::Invalid(result) => {
            assert_eq!(Extrinsics::describe_invalid(result), "invalid: BadProof");
        }
        other => panic!("tampered extrinsic: {other:?}"),
    }
    assert_eq!(outcomes[2], TransactionOutcome::Success);
    // The nonce moved on chain; a fresh builder reads it from storage. A payload over 256
    // bytes is signed by its blake2-256 hash.
    let mut fresh = Extrinsics::from_chain(&mut chain).unwrap();
    let long = fresh
        .call("System", "remark", vec![Value::Bytes(vec![7; 300])])
        .unwrap();
    chain.submit_transaction(fresh.sign(&chain, &alice, &long).unwrap());
    chain.produce_block(Duration::ZERO).unwrap();
    assert_eq!(
        chain.last_transaction_outcomes(),
        [TransactionOutcome::Success]
    );
}

#[test]
fn dispatch_errors_are_named_from_metadata() {
    let (_, tx) = setup();
    // `DispatchError::Module { index: 7, error: [n, 0, 0, 0] }`.
    let variants = tx.metadata().variants(
        tx.metadata()
            .pallet("SubtensorModule")
            .unwrap()
            .errors
            .unwrap(),
    );
    let not_enough = variants
        .iter()
        .find(|v| v.name == "NotEnoughBalanceToStake")
        .unwrap();
    assert_eq!(
        tx.describe_dispatch_error(&[3, 7, not_enough.index, 0, 0, 0]),
        "SubtensorModule.NotEnoughBalanceToStake"
    );
    assert_eq!(tx.describe_dispatch_error(&[2]), "BadOrigin (0x02)");
}
