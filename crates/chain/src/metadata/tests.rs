//! Metadata of real runtimes: finney at spec 343 (V15) and 393 (V16), read into one shape.

use super::*;

fn finney_v15() -> Metadata {
    let bytes = include_bytes!("../../tests/data/finney-metadata-v15-spec343.option.scale");
    Metadata::decode_option_opaque(bytes).unwrap()
}

fn finney_v16() -> Metadata {
    let bytes = include_bytes!("../../tests/data/finney-metadata-v16-spec393.scale");
    Metadata::decode(bytes).unwrap()
}

#[test]
fn finney_v15_and_v16_fold_into_one_shape() {
    for (meta, version) in [(finney_v15(), 15), (finney_v16(), 16)] {
        assert_eq!(meta.version(), version);
        let subtensor = meta.pallet("SubtensorModule").unwrap();
        assert_eq!(subtensor.index, 7);
        let (_, tempo) = meta.storage("SubtensorModule", "Tempo").unwrap();
        assert_eq!(tempo.hashers.len(), 1);
        let (_, keys) = meta.storage("SubtensorModule", "Keys").unwrap();
        assert_eq!(keys.hashers.len(), 2);
        assert_eq!(keys.key_types.len(), 2);
        assert!(meta.call("SubtensorModule", "add_stake_limit").is_some());
        assert!(
            meta.api_method("SubnetInfoRuntimeApi", "get_all_dynamic_info")
                .is_some()
        );
        assert_eq!(meta.extrinsic().version, 4);
        let ids: Vec<&str> = meta
            .extrinsic()
            .extensions
            .iter()
            .map(|e| e.identifier.as_str())
            .collect();
        assert!(ids.contains(&"CheckMetadataHash"), "{ids:?}");
        assert!(ids.contains(&"CheckNonce"), "{ids:?}");
    }
}

#[test]
fn errors_are_named_from_the_metadata() {
    let meta = finney_v15();
    let (p, _) = meta.storage("SubtensorModule", "Tempo").unwrap();
    let first = meta.variants(p.errors.unwrap())[0].clone();
    assert_eq!(
        meta.error_name(7, first.index),
        Some(format!("SubtensorModule.{}", first.name))
    );
    assert_eq!(meta.error_name(250, 0), None);
}

#[test]
fn bad_metadata_is_refused_with_a_reason() {
    assert_eq!(
        Metadata::decode(b"mota\x0f").err(),
        Some(MetadataError::Magic)
    );
    assert_eq!(
        Metadata::decode(b"meta").err(),
        Some(MetadataError::Truncated)
    );
    assert_eq!(
        Metadata::decode(b"meta\x0d").err(),
        Some(MetadataError::Version(13))
    );
    assert_eq!(
        Metadata::decode_option_opaque(&[0]).err(),
        Some(MetadataError::NotOffered)
    );
    let bytes = include_bytes!("../../tests/data/finney-metadata-v16-spec393.scale");
    for cut in [5, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            matches!(
                Metadata::decode(&bytes[..cut]),
                Err(MetadataError::Malformed(_))
            ),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.to_vec();
    longer.push(0);
    assert!(matches!(
        Metadata::decode(&longer),
        Err(MetadataError::Malformed(_))
    ));
}
