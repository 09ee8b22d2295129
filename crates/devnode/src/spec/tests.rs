//! The patched keys are the FRAME keys they claim to be, the patch lands in genesis storage, and
//! it changes the genesis hash away from the runtime's own; non-raw specs are built by their
//! runtime.

#![allow(clippy::unwrap_used)]

use super::*;

fn hex_key(key: [u8; 32]) -> String {
    format!("0x{}", hex::encode(key))
}

#[test]
fn hard_coded_keys_are_the_frame_keys() {
    assert_eq!(
        hex_key(storage_value_key("Aura", "Authorities")),
        AURA_AUTHORITIES_KEY
    );
    assert_eq!(
        hex_key(storage_value_key("Grandpa", "Authorities")),
        GRANDPA_AUTHORITIES_KEY
    );
    assert_eq!(
        hex_key(storage_value_key("Grandpa", "CurrentSetId")),
        GRANDPA_CURRENT_SET_ID_KEY
    );
    assert_eq!(hex_key(storage_value_key("Sudo", "Key")), SUDO_KEY_KEY);
    assert_eq!(
        hex_key(storage_value_key("Balances", "TotalIssuance")),
        BALANCES_TOTAL_ISSUANCE_KEY
    );
}

#[test]
fn patch_writes_dev_keys_and_changes_genesis() {
    // A key the upstream genesis does not endow (it endows Alice to Ferdie).
    let bob = DevKeys::from_secret_uri("//Zed").unwrap();
    let spec = DevSpec::aura_dev(&bob).unwrap();
    let storage = spec
        .chain_spec()
        .genesis_storage()
        .into_genesis_items()
        .unwrap();
    let value = |key: &str| {
        storage
            .value(&hex::decode(&key[2..]).unwrap())
            .unwrap()
            .to_vec()
    };

    let mut aura = vec![0x04];
    aura.extend_from_slice(&bob.aura_public());
    assert_eq!(value(AURA_AUTHORITIES_KEY), aura);
    let mut grandpa = vec![0x04];
    grandpa.extend_from_slice(&bob.grandpa_public());
    grandpa.extend_from_slice(&1u64.to_le_bytes());
    assert_eq!(value(GRANDPA_AUTHORITIES_KEY), grandpa);
    assert_eq!(value(GRANDPA_CURRENT_SET_ID_KEY), 0u64.to_le_bytes());
    assert_eq!(value(SUDO_KEY_KEY), bob.account_id());
    // The sudo account is endowed and the issuance includes it.
    let mut account_key = storage_value_key("System", "Account").to_vec();
    account_key
        .extend_from_slice(blake2_rfc::blake2b::blake2b(16, &[], &bob.account_id()).as_bytes());
    account_key.extend_from_slice(&bob.account_id());
    let info = storage.value(&account_key).unwrap();
    assert_eq!(info[16..24], SUDO_ENDOWMENT.to_le_bytes());
    let upstream =
        smoldot::chain_spec::ChainSpec::from_json_bytes(aura_dev_raw_json().unwrap()).unwrap();
    let issuance_key = hex::decode(&BALANCES_TOTAL_ISSUANCE_KEY[2..]).unwrap();
    let issuance = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().unwrap());
    let before = issuance(
        upstream
            .genesis_storage()
            .into_genesis_items()
            .unwrap()
            .value(&issuance_key)
            .unwrap(),
    );
    assert_eq!(
        issuance(&value(BALANCES_TOTAL_ISSUANCE_KEY)),
        before + SUDO_ENDOWMENT
    );
    assert_eq!(spec.chain_spec().id(), DEV_CHAIN_ID);

    // The JSON round-trips through smoldot's parser.
    let reparsed = smoldot::chain_spec::ChainSpec::from_json_bytes(spec.json()).unwrap();
    assert_eq!(reparsed.name(), DEV_CHAIN_NAME);
}

#[test]
fn genesis_differs_from_the_upstream_one() {
    let upstream =
        smoldot::chain_spec::ChainSpec::from_json_bytes(aura_dev_raw_json().unwrap()).unwrap();
    let dev = DevSpec::aura_dev(&DevKeys::from_secret_uri("//Bob").unwrap()).unwrap();
    let root = |spec: &smoldot::chain_spec::ChainSpec| {
        let (info, _) = spec.to_chain_information().unwrap();
        info.as_ref().finalized_block_header.hash(4)
    };
    assert_ne!(root(&upstream), root(dev.chain_spec()));
}

#[test]
fn the_runtime_builds_the_genesis_of_a_non_raw_spec() {
    let raw: serde_json::Value = serde_json::from_slice(&aura_dev_raw_json().unwrap()).unwrap();
    let top = raw["genesis"]["raw"]["top"].as_object().unwrap();
    // `:code` and the pallets' genesis: Aura's authority from the spec's patch (Alice).
    assert!(top.contains_key(&format!("0x{}", hex::encode(b":code"))));
    let mut alice = vec![0x04];
    alice.extend_from_slice(&DevKeys::alice().aura_public());
    assert_eq!(
        top[AURA_AUTHORITIES_KEY].as_str().unwrap(),
        format!("0x{}", hex::encode(alice))
    );
    assert!(top.len() > 100, "{} keys", top.len());
    // The same spec builds the same genesis.
    assert_eq!(aura_dev_raw_json().unwrap(), aura_dev_raw_json().unwrap());
}

#[test]
fn broken_genesis_configs_are_errors() {
    assert!(matches!(
        raw_from_genesis_config(br#"{"genesis":{"raw":{}}}"#),
        Err(SpecError::Shape(_))
    ));
    assert!(matches!(
        raw_from_genesis_config(br#"{"genesis":{"runtimeGenesis":{"code":"0x0061736d"}}}"#),
        Err(SpecError::Genesis(_))
    ));
    let upstream: serde_json::Value =
        serde_json::from_slice(&inflate(AURA_DEV_GZ).unwrap()).unwrap();
    let mut bad = upstream.clone();
    bad["genesis"]["runtimeGenesis"]["patch"]["balances"] = serde_json::json!("lots");
    let error = raw_from_genesis_config(&serde_json::to_vec(&bad).unwrap()).unwrap_err();
    assert!(matches!(error, SpecError::Genesis(_)), "{error}");
}

#[test]
fn non_raw_specs_are_errors() {
    assert!(matches!(
        DevSpec::patch(br#"{"genesis":{"runtime":{}}}"#, &DevKeys::alice()),
        Err(SpecError::Shape(_))
    ));
    assert!(matches!(
        DevSpec::patch(b"not json", &DevKeys::alice()),
        Err(SpecError::Json(_))
    ));
}
