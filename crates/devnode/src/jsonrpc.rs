//! The devnode as a JSON-RPC endpoint that answers like finney's public ones (issue #10): the
//! legacy `chain_*` and `state_*` methods with substrate's JSON shapes, so that the verified
//! RPC client is tested against the answers it will get from finney, not against guesses.
//!
//! What it serves and what it leaves out, as finney's endpoints do: justifications in
//! `chain_getBlock` only every `justification_period` blocks (substrate keeps one every 512
//! and at set changes), read proofs (`state_getReadProof`), key listings, runtime calls, and
//! no `grandpa_*` methods. Sans-I/O: [`answer`] turns one request text into one answer text;
//! the socket side lives in [`crate::net_io`].

use codec::Decode;
use serde_json::{Value, json};
use smoldot::header;

use crate::chain::Chain;
use crate::proof::ProofError;

/// How the endpoint behaves where substrate nodes differ by configuration.
#[derive(Clone, Copy, Debug)]
pub struct RpcConfig {
    /// A block's justification is served when its number is a multiple of this (1: every
    /// finalized block; finney's nodes: 512).
    pub justification_period: u64,
    /// Serve damaged data on purpose, for tests of the clients that must catch it.
    pub forge: Option<Forge>,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            justification_period: 1,
            forge: None,
        }
    }
}

/// What a lying endpoint damages (`--rpc-forge`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forge {
    /// The last byte of every node of every read proof.
    Proof,
    /// A precommit signature byte of every justification.
    Justification,
}

impl Forge {
    /// From the flag's value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "proof" => Some(Forge::Proof),
            "justification" => Some(Forge::Justification),
            _ => None,
        }
    }
}

/// The methods [`answer`] knows, as `rpc_methods` lists them.
pub const METHODS: &[&str] = &[
    "chain_getBlock",
    "chain_getBlockHash",
    "chain_getFinalizedHead",
    "chain_getHeader",
    "rpc_methods",
    "state_call",
    "state_getKeysPaged",
    "state_getMetadata",
    "state_getReadProof",
    "state_getRuntimeVersion",
    "state_getStorage",
    "state_queryStorageAt",
    "system_chain",
];

/// A JSON-RPC error: code and message.
struct Fail(i64, String);

fn invalid(message: impl Into<String>) -> Fail {
    Fail(-32602, message.into())
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Answers one JSON-RPC request text: a call, or a batch (a list of calls, answered by a list
/// in the same order, as substrate's server does).
pub fn answer(chain: &mut Chain, request: &str, config: &RpcConfig) -> String {
    let Ok(request) = serde_json::from_str::<Value>(request) else {
        return json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "parse error"}})
            .to_string();
    };
    match request {
        Value::Array(calls) if !calls.is_empty() => Value::Array(
            calls
                .iter()
                .map(|call| answer_call(chain, call, config))
                .collect(),
        )
        .to_string(),
        call => answer_call(chain, &call, config).to_string(),
    }
}

fn answer_call(chain: &mut Chain, request: &Value, config: &RpcConfig) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str).unwrap_or("");
    let params = match request.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list.clone(),
        Some(_) => {
            return reply(id, Err(invalid("params must be a list")));
        }
    };
    reply(id, dispatch(chain, method, &params, config))
}

fn reply(id: Value, result: Result<Value, Fail>) -> Value {
    match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(Fail(code, message)) => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
        }
    }
}

fn param_bytes(params: &[Value], index: usize, what: &str) -> Result<Option<Vec<u8>>, Fail> {
    match params.get(index) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s
            .strip_prefix("0x")
            .and_then(|d| hex::decode(d).ok())
            .map(Some)
            .ok_or_else(|| invalid(format!("{what} is not 0x-prefixed hex"))),
        Some(_) => Err(invalid(format!("{what} is not a string"))),
    }
}

/// The block `params[index]` names (a hash), or `default` when absent.
fn block_at(
    chain: &Chain,
    params: &[Value],
    index: usize,
    default: [u8; 32],
) -> Result<[u8; 32], Fail> {
    match param_bytes(params, index, "block hash")? {
        None => Ok(default),
        Some(bytes) => {
            let hash: [u8; 32] = bytes
                .try_into()
                .map_err(|_| invalid("block hash is not 32 bytes"))?;
            chain
                .block_by_hash(&hash)
                .map(|b| b.hash)
                .ok_or_else(|| Fail(-32000, format!("unknown block {}", hex(&hash))))
        }
    }
}

fn proof_failed(e: ProofError) -> Fail {
    Fail(-32000, e.to_string())
}

fn dispatch(
    chain: &mut Chain,
    method: &str,
    params: &[Value],
    config: &RpcConfig,
) -> Result<Value, Fail> {
    let best = chain.best_block().hash;
    match method {
        "rpc_methods" => Ok(json!({"methods": METHODS})),
        "system_chain" => Ok(json!("Development")),
        "chain_getFinalizedHead" => Ok(json!(hex(&chain.finalized_block().hash))),
        "chain_getBlockHash" => {
            let number = match params.first() {
                None | Some(Value::Null) => chain.best_block().number,
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| invalid("block number is not a whole number"))?,
            };
            Ok(chain
                .block(number)
                .map_or(Value::Null, |b| json!(hex(&b.hash))))
        }
        "chain_getHeader" => {
            let at = block_at(chain, params, 0, best)?;
            let block = chain.block_by_hash(&at).map(|b| b.header.clone());
            block.map_or(Ok(Value::Null), |h| {
                header_json(&h, chain.block_number_bytes())
            })
        }
        "chain_getBlock" => {
            let at = block_at(chain, params, 0, best)?;
            let Some(block) = chain.block_by_hash(&at) else {
                return Ok(Value::Null);
            };
            // As substrate keeps them: every period, and at every authority-set change.
            let served = block.number % config.justification_period.max(1) == 0
                || chain.set_changes().contains(&block.number);
            let justifications = match &block.justification {
                Some(j) if served => {
                    let mut j = j.clone();
                    // round (8), target (32 + 4), precommit count (1), precommit target
                    // (32 + 4): then the first signature.
                    if config.forge == Some(Forge::Justification)
                        && let Some(byte) = j.get_mut(8 + 36 + 1 + 36)
                    {
                        *byte ^= 1;
                    }
                    json!([[b"FRNK".to_vec(), j]])
                }
                _ => Value::Null,
            };
            let extrinsics: Vec<String> = block.body.iter().map(|x| hex(x)).collect();
            Ok(json!({
                "block": {
                    "header": header_json(&block.header, chain.block_number_bytes())?,
                    "extrinsics": extrinsics,
                },
                "justifications": justifications,
            }))
        }
        "state_getReadProof" => {
            let listed = params
                .first()
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("keys must be a list"))?;
            let keys = (0..listed.len())
                .map(|i| param_bytes(listed, i, "key").map(Option::unwrap_or_default))
                .collect::<Result<Vec<_>, _>>()?;
            let at = block_at(chain, params, 1, best)?;
            let proof = chain.storage_proof(&at, &keys).map_err(proof_failed)?;
            let nodes = <Vec<Vec<u8>>>::decode(&mut &proof[..])
                .map_err(|e| Fail(-32000, format!("proof does not decode: {e}")))?;
            let forge = config.forge == Some(Forge::Proof);
            let nodes: Vec<String> = nodes
                .into_iter()
                .map(|mut n| {
                    if let Some(last) = n.last_mut().filter(|_| forge) {
                        *last ^= 1;
                    }
                    hex(&n)
                })
                .collect();
            Ok(json!({"at": hex(&at), "proof": nodes}))
        }
        "state_getStorage" => {
            let key = param_bytes(params, 0, "key")?.ok_or_else(|| invalid("no key"))?;
            let at = block_at(chain, params, 1, best)?;
            let (_, state) = chain.state_at(&at).map_err(proof_failed)?;
            Ok(state.get(&key).map_or(Value::Null, |v| json!(hex(v))))
        }
        "state_queryStorageAt" => {
            let listed = params
                .first()
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("keys must be a list"))?;
            let at = block_at(chain, params, 1, best)?;
            let (_, state) = chain.state_at(&at).map_err(proof_failed)?;
            let mut changes = Vec::new();
            for i in 0..listed.len() {
                let key = param_bytes(listed, i, "key")?.unwrap_or_default();
                let value = state.get(&key).map_or(Value::Null, |v| json!(hex(v)));
                changes.push(json!([hex(&key), value]));
            }
            Ok(json!([{"block": hex(&at), "changes": changes}]))
        }
        "state_getKeysPaged" => {
            let prefix = param_bytes(params, 0, "prefix")?.unwrap_or_default();
            let count = params
                .get(1)
                .and_then(Value::as_u64)
                .ok_or_else(|| invalid("count is not a whole number"))?
                .min(1000) as usize;
            let start = param_bytes(params, 2, "start key")?;
            let at = block_at(chain, params, 3, best)?;
            let (_, state) = chain.state_at(&at).map_err(proof_failed)?;
            let keys: Vec<String> = state
                .storage()
                .range(prefix.clone()..)
                .map(|(k, _)| k)
                .take_while(|k| k.starts_with(&prefix))
                .filter(|k| start.as_ref().is_none_or(|s| *k > s))
                .take(count)
                .map(|k| hex(k))
                .collect();
            Ok(json!(keys))
        }
        "state_call" => {
            let function = params
                .first()
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("method name is not a string"))?
                .to_owned();
            let data = param_bytes(params, 1, "data")?.unwrap_or_default();
            let at = block_at(chain, params, 2, best)?;
            let out = chain.call_at(&at, &function, &data).map_err(proof_failed)?;
            Ok(json!(hex(&out)))
        }
        "state_getMetadata" => {
            let at = block_at(chain, params, 0, best)?;
            let out = chain
                .call_at(&at, "Metadata_metadata", &[])
                .map_err(proof_failed)?;
            // `OpaqueMetadata` is a SCALE `Vec<u8>`; the method answers its bytes.
            let inner = <Vec<u8>>::decode(&mut &out[..])
                .map_err(|e| Fail(-32000, format!("metadata does not decode: {e}")))?;
            Ok(json!(hex(&inner)))
        }
        "state_getRuntimeVersion" => {
            let at = block_at(chain, params, 0, best)?;
            let out = chain
                .call_at(&at, "Core_version", &[])
                .map_err(proof_failed)?;
            Ok(json!(hex(&out)))
        }
        other => Err(Fail(-32601, format!("method not found: {other}"))),
    }
}

/// A SCALE header as substrate's JSON (`chain_getHeader`).
fn header_json(scale: &[u8], block_number_bytes: usize) -> Result<Value, Fail> {
    let h = header::decode(scale, block_number_bytes)
        .map_err(|e| Fail(-32000, format!("stored header does not decode: {e}")))?;
    let logs: Vec<String> = h
        .digest
        .logs()
        .map(|log| {
            let bytes: Vec<u8> = log
                .scale_encoding(block_number_bytes)
                .flat_map(|chunk| chunk.as_ref().to_vec())
                .collect();
            hex(&bytes)
        })
        .collect();
    Ok(json!({
        "parentHash": hex(h.parent_hash),
        "number": format!("0x{:x}", h.number),
        "stateRoot": hex(h.state_root),
        "extrinsicsRoot": hex(h.extrinsics_root),
        "digest": {"logs": logs},
    }))
}

#[cfg(test)]
mod tests;
