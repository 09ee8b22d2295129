//! Real finney answers, recorded by opentensor/bittensor's test suite (blocks 6.5M–6.85M,
//! runtime specs 315–343; see tests/data and shared SOURCES), decoded through finney's own
//! metadata at spec 343: every storage value under the item its key names, every runtime API
//! answer under its method's declared output type, each consuming exactly its bytes.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Read as _;

use chain::Metadata;
use chain::codec::item_prefix;
use scale_value::At as _;
use serde_json::Value;

fn metadata() -> Metadata {
    let bytes = include_bytes!("data/finney-metadata-v15-spec343.option.scale");
    Metadata::decode_option_opaque(bytes).unwrap()
}

fn recorded() -> Value {
    let gz = include_bytes!("data/finney-rpc-recorded.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text.trim_start_matches("0x")).unwrap()
}

/// Every storage item of the metadata by its 32-byte key prefix.
fn items(meta: &Metadata) -> BTreeMap<Vec<u8>, (String, String)> {
    let mut out = BTreeMap::new();
    for p in meta.pallets() {
        for s in &p.storage {
            out.insert(
                item_prefix(&p.storage_prefix, &s.name).to_vec(),
                (p.name.clone(), s.name.clone()),
            );
        }
    }
    out
}

/// The answers recorded for `method` in every test, as (params, result) pairs.
fn answers<'a>(all: &'a Value, method: &str) -> Vec<(Value, &'a Value)> {
    let mut out = Vec::new();
    for test in all.as_object().unwrap().values() {
        let Some(calls) = test.get(method).and_then(Value::as_object) else {
            continue;
        };
        for (params, answer) in calls {
            let params: Value = serde_json::from_str(params).unwrap();
            for a in answer
                .as_array()
                .map_or(vec![answer], |v| v.iter().collect())
            {
                if let Some(result) = a.get("result") {
                    out.push((params.clone(), result));
                }
            }
        }
    }
    out
}

/// Decodes a storage entry, key parts and value, under the item its key names.
fn decode_entry(
    meta: &Metadata,
    prefixes: &BTreeMap<Vec<u8>, (String, String)>,
    key: &[u8],
    value: &[u8],
) -> String {
    let (pallet, name) = prefixes
        .get(&key[..32])
        .unwrap_or_else(|| panic!("no item for key 0x{}", hex::encode(key)));
    let item = meta.item(pallet, name).unwrap();
    if item
        .entry
        .hashers
        .iter()
        .all(|h| h.concat_prefix_len().is_some())
    {
        let parts = meta.key_parts(item, key).unwrap();
        assert_eq!(parts.len(), item.entry.hashers.len());
    }
    meta.decode_value(item.entry.value_type, value, &item.name())
        .unwrap_or_else(|e| panic!("{pallet}.{name}: {e}"));
    format!("{pallet}.{name}")
}

#[test]
fn every_recorded_storage_value_decodes() {
    let meta = metadata();
    let prefixes = items(&meta);
    let all = recorded();
    let mut decoded = Vec::new();
    for (params, result) in answers(&all, "state_getStorageAt") {
        let key = unhex(params[0].as_str().unwrap());
        if let Some(value) = result.as_str() {
            decoded.push(decode_entry(&meta, &prefixes, &key, &unhex(value)));
        }
    }
    for (_, result) in answers(&all, "state_queryStorageAt") {
        for set in result.as_array().unwrap() {
            for change in set["changes"].as_array().unwrap() {
                let key = unhex(change[0].as_str().unwrap());
                if let Some(value) = change[1].as_str() {
                    decoded.push(decode_entry(&meta, &prefixes, &key, &unhex(value)));
                }
            }
        }
    }
    decoded.sort();
    decoded.dedup();
    eprintln!("decoded {decoded:?}");
    assert!(decoded.len() >= 4, "{decoded:?}");
    assert!(decoded.contains(&"SubtensorModule.SubnetworkN".to_string()));
}

#[test]
fn every_recorded_runtime_api_answer_decodes() {
    let meta = metadata();
    let all = recorded();
    let mut decoded = Vec::new();
    for (params, result) in answers(&all, "state_call") {
        let function = params[0].as_str().unwrap();
        let (api, method) = function.split_once('_').unwrap();
        let m = meta
            .api_method(api, method)
            .unwrap_or_else(|| panic!("{function} is not in the metadata"));
        let bytes = unhex(result.as_str().unwrap());
        let value = meta
            .decode_value(m.output, &bytes, function)
            .unwrap_or_else(|e| panic!("{function}: {e}"));
        decoded.push((function.to_owned(), value));
    }
    let names: Vec<&str> = decoded.iter().map(|(f, _)| f.as_str()).collect();
    for expected in [
        "NeuronInfoRuntimeApi_get_neurons_lite",
        "NeuronInfoRuntimeApi_get_neuron",
        "SubnetInfoRuntimeApi_get_subnets_info_v2",
        "SubnetInfoRuntimeApi_get_subnet_state",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    // `get_neurons_lite(1)`: one neuron per uid, numbered from 0, each with its netuid.
    let (_, neurons) = decoded
        .iter()
        .find(|(f, _)| f == "NeuronInfoRuntimeApi_get_neurons_lite")
        .unwrap();
    let list: Vec<&scale_value::Value<u32>> = match &neurons.value {
        scale_value::ValueDef::Composite(c) => c.values().collect(),
        other => panic!("not a list: {other:?}"),
    };
    assert!(list.len() > 10, "{} neurons", list.len());
    for (i, neuron) in list.iter().enumerate() {
        let uid = neuron.at("uid").unwrap();
        let uid = uid.at(0).unwrap_or(uid).as_u128().unwrap();
        assert_eq!(uid, i as u128);
        let netuid = neuron.at("netuid").unwrap();
        assert_eq!(netuid.at(0).unwrap_or(netuid).as_u128(), Some(1));
    }
}
