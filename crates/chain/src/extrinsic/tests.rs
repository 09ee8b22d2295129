//! Payloads built from finney's own metadata (spec 343, V15): call indices and argument types
//! from the metadata, every transaction extension filled, and the signed bytes decode back to
//! exactly the values given.

use super::*;

fn finney() -> Metadata {
    let bytes = include_bytes!("../../tests/data/finney-metadata-v15-spec343.option.scale");
    Metadata::decode_option_opaque(bytes).unwrap()
}

fn params(metadata_hash: Option<[u8; 32]>, era: Era) -> TxParams {
    TxParams {
        nonce: 7,
        tip: 0,
        era,
        spec_version: 343,
        transaction_version: 1,
        genesis_hash: [0x2f; 32],
        metadata_hash,
    }
}

#[test]
fn add_stake_limit_encodes_from_the_metadata() {
    let meta = finney();
    let hotkey = [9u8; 32];
    let call = meta
        .encode_call(
            "SubtensorModule",
            "add_stake_limit",
            &[
                Value::from_bytes(hotkey),
                Value::u128(3),
                Value::u128(5_000_000_000),
                Value::u128(123_456_789),
                Value::bool(true),
            ],
        )
        .unwrap();
    assert_eq!(call[0], 7, "SubtensorModule is pallet 7");
    let (_, variant) = meta.call("SubtensorModule", "add_stake_limit").unwrap();
    assert_eq!(call[1], variant.index);
    let mut expected = call[..2].to_vec();
    expected.extend_from_slice(&hotkey);
    expected.extend_from_slice(&3u16.to_le_bytes());
    expected.extend_from_slice(&5_000_000_000u64.to_le_bytes());
    expected.extend_from_slice(&123_456_789u64.to_le_bytes());
    expected.push(1);
    assert_eq!(call, expected);
    // And back: the decoded call names the pallet, the call and every argument.
    let decoded = meta.decode_call(&call).unwrap().to_string();
    assert!(decoded.contains("SubtensorModule"), "{decoded}");
    assert!(decoded.contains("add_stake_limit"), "{decoded}");
    assert!(decoded.contains("5000000000"), "{decoded}");
}

#[test]
fn wrong_arguments_are_named() {
    let meta = finney();
    let err = meta
        .encode_call("SubtensorModule", "add_stake", &[Value::u128(1)])
        .unwrap_err();
    assert!(
        err.to_string().contains("takes 3 arguments, 1 given"),
        "{err}"
    );
    let err = meta
        .encode_call(
            "SubtensorModule",
            "add_stake",
            &[
                Value::from_bytes([1u8; 32]),
                Value::u128(70_000),
                Value::u128(1),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("add_stake.netuid"), "{err}");
    assert!(matches!(
        meta.encode_call("SubtensorModule", "no_such_call", &[]),
        Err(DecodeError::NotAvailable(_))
    ));
}

#[test]
fn every_extension_of_finney_is_filled() {
    let meta = finney();
    let call = meta
        .encode_call("System", "remark", &[Value::from_bytes(b"hi")])
        .unwrap();
    let disabled = meta
        .signing_payload(call.clone(), &params(None, Era::Immortal))
        .unwrap();
    let enabled = meta
        .signing_payload(call.clone(), &params(Some([5; 32]), Era::Immortal))
        .unwrap();
    // The mode byte in extra, and `Some(hash)` instead of `None` in additional.
    assert_eq!(enabled.extra.len(), disabled.extra.len());
    assert_ne!(enabled.extra, disabled.extra);
    assert_eq!(enabled.additional.len(), disabled.additional.len() + 32);
    // Additional: spec version, tx version, genesis, era block (genesis when immortal),
    // metadata hash option: 4 + 4 + 32 + 32 + 1.
    assert_eq!(disabled.additional.len(), 73);
    assert_eq!(&disabled.additional[..4], &343u32.to_le_bytes());
    // Immortal era is one zero byte; the nonce is compact (7 → 0x1c).
    assert!(
        disabled.extra.starts_with(&[0x00, 0x1c]),
        "{:?}",
        disabled.extra
    );
    assert_eq!(
        disabled.bytes().len(),
        call.len() + disabled.extra.len() + 73
    );

    let mortal = meta
        .signing_payload(
            call,
            &params(
                None,
                Era::Mortal {
                    period: 64,
                    birth: 1_000,
                    birth_hash: [8; 32],
                },
            ),
        )
        .unwrap();
    // Substrate's own encoding of a 64-block era born at 1000: period 64 → 5, phase 40.
    assert_eq!(&mortal.extra[..2], &((40u16 << 4) | 5).to_le_bytes());
    assert_eq!(&mortal.additional[40..72], &[8; 32]);
}

#[test]
fn long_payloads_are_signed_by_hash() {
    let meta = finney();
    let call = meta
        .encode_call("System", "remark", &[Value::from_bytes([0u8; 300])])
        .unwrap();
    let payload = meta
        .signing_payload(call, &params(None, Era::Immortal))
        .unwrap();
    assert_eq!(payload.to_sign().len(), 32);
    assert_eq!(
        payload.to_sign(),
        crate::codec::blake2(32, &payload.bytes())
    );
}

#[test]
fn signed_extrinsics_carry_address_signature_extra_and_call() {
    let meta = finney();
    let call = meta
        .encode_call("System", "remark", &[Value::from_bytes(b"hi")])
        .unwrap();
    let payload = meta
        .signing_payload(call.clone(), &params(None, Era::Immortal))
        .unwrap();
    let xt = meta.signed_extrinsic(&payload, &[1; 32], &[2; 64]).unwrap();
    // Length prefix, version byte, MultiAddress::Id, MultiSignature::Sr25519.
    let mut input = &xt[..];
    let len = <codec::Compact<u32> as codec::Decode>::decode(&mut input)
        .unwrap()
        .0;
    let body = input;
    assert_eq!(len as usize, body.len());
    assert_eq!(body[0], 0x84);
    assert_eq!(body[1], 0);
    assert_eq!(&body[2..34], &[1; 32]);
    assert_eq!(body[34], 1);
    assert_eq!(&body[35..99], &[2; 64]);
    assert!(body.ends_with(&call));
    assert_eq!(&body[99..99 + payload.extra.len()], &payload.extra[..]);
}
