//! Keys and values against finney's metadata: keys equal the ones finney's own clients sent,
//! values decode to the numbers finney answered (recorded in tests/data).

use super::*;
use crate::metadata::Metadata;

fn finney() -> Metadata {
    let bytes = include_bytes!("../../tests/data/finney-metadata-v15-spec343.option.scale");
    Metadata::decode_option_opaque(bytes).unwrap()
}

#[test]
fn keys_match_what_finney_clients_read() {
    let meta = finney();
    // `SubtensorModule.NetworksAdded[1]` and `SubnetworkN[1]`, as recorded from bittensor's
    // own client (state_getStorageAt).
    let added = meta.item("SubtensorModule", "NetworksAdded").unwrap();
    assert_eq!(
        hex::encode(meta.key(added, &[&1u16.to_le_bytes()]).unwrap()),
        "658faa385070e074c85bf6b568cf05550e30450fc4d507a846032a7fa65d9a430100"
    );
    let n = meta.item("SubtensorModule", "SubnetworkN").unwrap();
    assert_eq!(
        hex::encode(meta.key(n, &[&1u16.to_le_bytes()]).unwrap()),
        "658faa385070e074c85bf6b568cf0555a1048e9d244171852dfe8db314dc68ca0100"
    );
    let value: u16 = meta.decode_stored(n, Some(&[0x00, 0x04])).unwrap().unwrap();
    assert_eq!(value, 1024);
}

#[test]
fn keys_of_the_wrong_type_are_refused() {
    let meta = finney();
    let n = meta.item("SubtensorModule", "SubnetworkN").unwrap();
    assert!(matches!(
        meta.key(n, &[&1u32.to_le_bytes()]),
        Err(DecodeError::Encode { .. })
    ));
    assert!(matches!(
        meta.key(n, &[&[1][..]]),
        Err(DecodeError::Encode { .. })
    ));
    assert!(matches!(
        meta.key(n, &[&[1, 0][..], &[1, 0][..]]),
        Err(DecodeError::Encode { .. })
    ));
    assert!(matches!(
        meta.item("SubtensorModule", "NoSuchItem"),
        Err(DecodeError::NotAvailable(_))
    ));
}

#[test]
fn map_keys_read_back_from_full_keys() {
    let meta = finney();
    let keys = meta.item("SubtensorModule", "Keys").unwrap();
    let full = meta
        .key(keys, &[&7u16.to_le_bytes(), &300u16.to_le_bytes()])
        .unwrap();
    let parts = meta.key_parts(keys, &full).unwrap();
    assert_eq!(
        parts,
        vec![7u16.to_le_bytes().to_vec(), 300u16.to_le_bytes().to_vec()]
    );
    assert!(meta.key_parts(keys, &full[..full.len() - 1]).is_err());
}

#[test]
fn absent_values_read_as_the_default_or_none() {
    let meta = finney();
    let tempo = meta.item("SubtensorModule", "Tempo").unwrap();
    let default: u16 = meta.decode_stored(tempo, None).unwrap().unwrap();
    assert_eq!(default, 360);
    // Bytes left over or too few are errors, not numbers.
    assert!(meta.decode_stored::<u16>(tempo, Some(&[1, 0, 0])).is_err());
    assert!(meta.decode_stored::<u16>(tempo, Some(&[1])).is_err());
}
