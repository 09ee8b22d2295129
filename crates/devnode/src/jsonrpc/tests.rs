//! The endpoint's answers in substrate's shapes, without a socket: batches answered in order,
//! justifications only at the period (and forged when asked), read proofs that decode, errors
//! as JSON-RPC error objects.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::{DevKeys, DevSpec};

/// A chain with blocks 1 and 2 produced and finalized.
fn chain() -> Chain {
    let keys = DevKeys::alice();
    let spec = DevSpec::aura_dev(&keys).unwrap();
    let mut chain = Chain::new(&spec, keys).unwrap();
    for n in 1..=2u64 {
        chain.produce_block(Duration::from_secs(n)).unwrap();
        chain.finalize(n).unwrap();
    }
    chain
}

fn call(chain: &mut Chain, config: &RpcConfig, method: &str, params: Value) -> Value {
    let request = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let answer: Value = serde_json::from_str(&answer(chain, &request.to_string(), config)).unwrap();
    assert_eq!(answer["id"], 7);
    answer
}

#[test]
fn a_batch_is_answered_in_order_with_errors_in_place() {
    let mut chain = chain();
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "chain_getBlockHash", "params": [2]},
        {"jsonrpc": "2.0", "id": 2, "method": "grandpa_proveFinality", "params": [2]},
        {"jsonrpc": "2.0", "id": 3, "method": "chain_getBlockHash", "params": [9]},
    ]);
    let answers: Value = serde_json::from_str(&answer(
        &mut chain,
        &batch.to_string(),
        &RpcConfig::default(),
    ))
    .unwrap();
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 3);
    let hash2 = format!("0x{}", hex::encode(chain.block(2).unwrap().hash));
    assert_eq!(answers[0]["result"], hash2.as_str());
    // No grandpa_* methods, as on finney's endpoints.
    assert_eq!(answers[1]["error"]["code"], -32601);
    assert_eq!(answers[2]["result"], Value::Null);
    let garbage: Value =
        serde_json::from_str(&answer(&mut chain, "{", &RpcConfig::default())).unwrap();
    assert_eq!(garbage["error"]["code"], -32700);
}

#[test]
fn justifications_come_at_the_period_and_forged_when_asked() {
    let mut chain = chain();
    let hash = |chain: &Chain, n: u64| format!("0x{}", hex::encode(chain.block(n).unwrap().hash));
    let every_block = RpcConfig::default();
    let (h1, h2) = (hash(&chain, 1), hash(&chain, 2));
    let block = call(&mut chain, &every_block, "chain_getBlock", json!([h1]));
    let served: Vec<u8> =
        serde_json::from_value(block["result"]["justifications"][0][1].clone()).unwrap();
    assert_eq!(
        block["result"]["justifications"][0][0],
        json!([70, 82, 78, 75])
    );
    assert_eq!(
        Some(&served),
        chain.block(1).unwrap().justification.as_ref()
    );

    let every_second = RpcConfig {
        justification_period: 2,
        forge: None,
    };
    let odd = call(&mut chain, &every_second, "chain_getBlock", json!([h1]));
    assert_eq!(odd["result"]["justifications"], Value::Null);
    let even = call(&mut chain, &every_second, "chain_getBlock", json!([h2]));
    assert!(even["result"]["justifications"].is_array());

    let lying = RpcConfig {
        justification_period: 1,
        forge: Some(Forge::Justification),
    };
    let forged = call(&mut chain, &lying, "chain_getBlock", json!([h1]));
    let forged: Vec<u8> =
        serde_json::from_value(forged["result"]["justifications"][0][1].clone()).unwrap();
    assert_eq!(forged.len(), served.len());
    assert_eq!(
        forged.iter().zip(&served).filter(|(a, b)| a != b).count(),
        1
    );
}

#[test]
fn read_proofs_and_key_pages_answer_at_the_block_asked() {
    let mut chain = chain();
    let at = format!("0x{}", hex::encode(chain.block(1).unwrap().hash));
    let key = format!("0x{}", hex::encode(b":code"));
    let proof = call(
        &mut chain,
        &RpcConfig::default(),
        "state_getReadProof",
        json!([[key], at]),
    );
    assert_eq!(proof["result"]["at"], at.as_str());
    assert!(proof["result"]["proof"].as_array().unwrap().len() >= 2);
    let keys = call(
        &mut chain,
        &RpcConfig::default(),
        "state_getKeysPaged",
        json!(["0x3a", 1, null, at]),
    );
    assert_eq!(keys["result"].as_array().unwrap().len(), 1);
    let unknown = call(
        &mut chain,
        &RpcConfig::default(),
        "state_getStorage",
        json!([key, format!("0x{}", "00".repeat(32))]),
    );
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown block")
    );
}
