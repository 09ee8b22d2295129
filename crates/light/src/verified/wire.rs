//! The JSON shapes of substrate's legacy JSON-RPC answers, read strictly, into the bytes the
//! verifier checks.
//!
//! Nothing here is believed: a header is turned back into its SCALE bytes so that its hash can
//! be recomputed (and compared with the hash asked for), a justification is handed to the
//! GRANDPA check as bytes, proof nodes to the trie check. A field of the wrong shape is a
//! [`WireError`] naming the method and the field, never a panic: the endpoint is anyone's.
//!
//! Shapes follow substrate's serde encodings: a header's `number` is a hex `U256`-style string,
//! `digest.logs` a list of hex SCALE digest items; `chain_getBlock`'s `justifications` is
//! `Option<Vec<([u8; 4], Vec<u8>)>>`, so arrays of numbers, not hex; `state_getReadProof` gives
//! `{ "at": hash, "proof": [hex node, …] }`.

use codec::{Compact, Encode};
use serde_json::Value;

/// GRANDPA's consensus engine id in `justifications`.
pub const GRANDPA_ENGINE: [u8; 4] = *b"FRNK";

/// An answer that is not the shape its method promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{method}: {what}")]
pub struct WireError {
    /// The method whose answer it was.
    pub method: &'static str,
    /// What was wrong, naming the field.
    pub what: String,
}

fn wrong(method: &'static str, what: impl Into<String>) -> WireError {
    WireError {
        method,
        what: what.into(),
    }
}

/// `0x`-prefixed hex as bytes.
///
/// # Errors
/// When `value` is not a string of `0x` and an even number of hex digits.
pub fn hex_bytes(method: &'static str, field: &str, value: &Value) -> Result<Vec<u8>, WireError> {
    let text = value
        .as_str()
        .ok_or_else(|| wrong(method, format!("`{field}` is not a string")))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| wrong(method, format!("`{field}` does not start with 0x")))?;
    hex::decode(digits).map_err(|_| wrong(method, format!("`{field}` is not hex")))
}

/// A 32-byte hash in hex.
///
/// # Errors
/// As [`hex_bytes`], and when the length is not 32 bytes.
pub fn hash(method: &'static str, field: &str, value: &Value) -> Result<[u8; 32], WireError> {
    let bytes = hex_bytes(method, field, value)?;
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| wrong(method, format!("`{field}` has {len} bytes, a hash has 32")))
}

/// The hex form of `bytes`, as requests carry them.
pub fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// A header as `chain_getHeader` (and `chain_getBlock`'s `block.header`) give it, SCALE-encoded
/// again: parent hash, compact number, state root, extrinsics root, compact count of digest
/// items, the items' own bytes. Its blake2-256 is the block hash.
///
/// # Errors
/// [`WireError`] naming the field that is missing or malformed.
pub fn header_scale(method: &'static str, header: &Value) -> Result<Vec<u8>, WireError> {
    let field = |name: &str| {
        header
            .get(name)
            .ok_or_else(|| wrong(method, format!("the header has no `{name}`")))
    };
    let number_text = field("number")?
        .as_str()
        .ok_or_else(|| wrong(method, "the header's `number` is not a string"))?;
    let number = number_text
        .strip_prefix("0x")
        .and_then(|digits| u32::from_str_radix(digits, 16).ok())
        .ok_or_else(|| {
            wrong(
                method,
                format!("the header's `number` {number_text:?} is not a hex u32"),
            )
        })?;
    let mut out = hash(method, "parentHash", field("parentHash")?)?.to_vec();
    Compact(number).encode_to(&mut out);
    out.extend_from_slice(&hash(method, "stateRoot", field("stateRoot")?)?);
    out.extend_from_slice(&hash(method, "extrinsicsRoot", field("extrinsicsRoot")?)?);
    let logs = field("digest")?
        .get("logs")
        .and_then(Value::as_array)
        .ok_or_else(|| wrong(method, "the header's `digest.logs` is not a list"))?;
    Compact(u32::try_from(logs.len()).unwrap_or(u32::MAX)).encode_to(&mut out);
    for log in logs {
        out.extend(hex_bytes(method, "digest.logs[]", log)?);
    }
    Ok(out)
}

/// A `chain_getBlock` answer: the SCALE header and the GRANDPA justification, if the node kept
/// one for this block (substrate keeps them at authority-set changes and every 512 blocks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBlock {
    /// The SCALE header.
    pub header: Vec<u8>,
    /// The `FRNK` justification's bytes.
    pub grandpa_justification: Option<Vec<u8>>,
}

/// Reads a `chain_getBlock` answer (`null` for a block the node does not have is `Ok(None)`).
///
/// # Errors
/// [`WireError`] when the answer or its `justifications` are not substrate's shape.
pub fn signed_block(answer: &Value) -> Result<Option<SignedBlock>, WireError> {
    const M: &str = "chain_getBlock";
    if answer.is_null() {
        return Ok(None);
    }
    let header = answer
        .get("block")
        .and_then(|b| b.get("header"))
        .ok_or_else(|| wrong(M, "the answer has no `block.header`"))?;
    let header = header_scale(M, header)?;
    let mut grandpa_justification = None;
    match answer.get("justifications") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for entry in list {
                let (engine, bytes) = match entry.as_array().map(Vec::as_slice) {
                    Some([engine, bytes]) => (byte_array(engine)?, byte_array(bytes)?),
                    _ => return Err(wrong(M, "a `justifications` entry is not [engine, bytes]")),
                };
                if engine == GRANDPA_ENGINE {
                    grandpa_justification = Some(bytes);
                }
            }
        }
        Some(_) => return Err(wrong(M, "`justifications` is neither null nor a list")),
    }
    Ok(Some(SignedBlock {
        header,
        grandpa_justification,
    }))
}

/// serde's `Vec<u8>` / `[u8; N]`: a JSON array of numbers 0–255.
fn byte_array(value: &Value) -> Result<Vec<u8>, WireError> {
    let not = || wrong("chain_getBlock", "a justification is not an array of bytes");
    value
        .as_array()
        .ok_or_else(not)?
        .iter()
        .map(|n| {
            n.as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(not)
        })
        .collect()
}

/// A `state_getReadProof` answer: the block it claims and the trie nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProof {
    /// The block the proof says it is for (checked against the one asked for).
    pub at: [u8; 32],
    /// The nodes, each SCALE-encoded as the trie stores it.
    pub nodes: Vec<Vec<u8>>,
}

/// Reads a `state_getReadProof` answer.
///
/// # Errors
/// [`WireError`] when it is not `{ at, proof: [hex, …] }`.
pub fn read_proof(answer: &Value) -> Result<ReadProof, WireError> {
    const M: &str = "state_getReadProof";
    let at = hash(
        M,
        "at",
        answer
            .get("at")
            .ok_or_else(|| wrong(M, "the answer has no `at`"))?,
    )?;
    let nodes = answer
        .get("proof")
        .and_then(Value::as_array)
        .ok_or_else(|| wrong(M, "`proof` is not a list"))?
        .iter()
        .map(|node| hex_bytes(M, "proof[]", node))
        .collect::<Result<_, _>>()?;
    Ok(ReadProof { at, nodes })
}

/// Reads a list of hex keys (`state_getKeysPaged`).
///
/// # Errors
/// [`WireError`] when it is not a list of hex strings.
pub fn keys(answer: &Value) -> Result<Vec<Vec<u8>>, WireError> {
    const M: &str = "state_getKeysPaged";
    answer
        .as_array()
        .ok_or_else(|| wrong(M, "the answer is not a list"))?
        .iter()
        .map(|key| hex_bytes(M, "keys[]", key))
        .collect()
}

#[cfg(test)]
mod tests;
