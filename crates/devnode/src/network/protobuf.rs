//! The few protobuf pieces of the `/light/2` protocol, by hand: varints and length-delimited
//! fields. smoldot's own protobuf helpers are crate-private and only build requests and decode
//! responses; the devnode needs the opposite direction. Unknown fields are skipped as the
//! protobuf rules require, anything malformed is an error (the bytes come from the network).

/// A light-client request the devnode can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LightRequest {
    /// `RemoteReadRequest`: storage proof of `keys` at `block`.
    Read { block: Vec<u8>, keys: Vec<Vec<u8>> },
    /// `RemoteCallRequest`: call proof of `method(data)` at `block`.
    Call {
        block: Vec<u8>,
        method: String,
        data: Vec<u8>,
    },
    /// A request kind the devnode does not serve (child-trie reads, header requests).
    Unsupported(u64),
}

/// Why a request could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtobufError {
    /// The buffer ended inside a field.
    #[error("truncated protobuf message")]
    Truncated,
    /// A varint longer than 10 bytes.
    #[error("varint overflow")]
    VarintOverflow,
    /// A wire type protobuf does not define (or groups, which nobody uses).
    #[error("unsupported wire type {0}")]
    WireType(u8),
    /// The request carries no request variant.
    #[error("empty light-client request")]
    Empty,
    /// The method name is not UTF-8.
    #[error("method name is not UTF-8")]
    Utf8,
}

fn varint(input: &mut &[u8]) -> Result<u64, ProtobufError> {
    let mut value = 0u64;
    for i in 0..10 {
        let (&byte, rest) = input.split_first().ok_or(ProtobufError::Truncated)?;
        *input = rest;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(ProtobufError::VarintOverflow)
}

/// One field: its number and, for length-delimited fields, the payload.
fn field<'a>(input: &mut &'a [u8]) -> Result<(u64, Option<&'a [u8]>), ProtobufError> {
    let tag = varint(input)?;
    let number = tag >> 3;
    match (tag & 7) as u8 {
        0 => {
            varint(input)?;
            Ok((number, None))
        }
        1 | 5 => {
            let len = if tag & 7 == 1 { 8 } else { 4 };
            if input.len() < len {
                return Err(ProtobufError::Truncated);
            }
            *input = &input[len..];
            Ok((number, None))
        }
        2 => {
            let len = usize::try_from(varint(input)?).map_err(|_| ProtobufError::Truncated)?;
            if input.len() < len {
                return Err(ProtobufError::Truncated);
            }
            let (payload, rest) = input.split_at(len);
            *input = rest;
            Ok((number, Some(payload)))
        }
        other => Err(ProtobufError::WireType(other)),
    }
}

/// Decodes a `light.v1.Request`.
pub fn decode_light_request(mut input: &[u8]) -> Result<LightRequest, ProtobufError> {
    let mut found = None;
    while !input.is_empty() {
        let (number, payload) = field(&mut input)?;
        if let Some(payload) = payload {
            found = Some((number, payload));
        }
    }
    let (kind, mut body) = found.ok_or(ProtobufError::Empty)?;
    let (mut block, mut keys, mut method, mut data) = (Vec::new(), Vec::new(), None, Vec::new());
    while !body.is_empty() {
        match field(&mut body)? {
            (2, Some(v)) => block = v.to_vec(),
            (3, Some(v)) if kind == 1 => {
                method = Some(String::from_utf8(v.to_vec()).map_err(|_| ProtobufError::Utf8)?)
            }
            (3, Some(v)) if kind == 2 => keys.push(v.to_vec()),
            (4, Some(v)) if kind == 1 => data = v.to_vec(),
            _ => {}
        }
    }
    Ok(match kind {
        1 => LightRequest::Call {
            block,
            method: method.unwrap_or_default(),
            data,
        },
        2 => LightRequest::Read { block, keys },
        other => LightRequest::Unsupported(other),
    })
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_bytes(out: &mut Vec<u8>, number: u64, payload: &[u8]) {
    put_varint(out, (number << 3) | 2);
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

/// Encodes a `light.v1.Response` carrying `proof`: field 1 (`RemoteCallResponse`) for call
/// proofs, field 2 (`RemoteReadResponse`) for storage proofs; the proof is field 2 inside.
pub fn encode_light_response(is_call: bool, proof: &[u8]) -> Vec<u8> {
    let mut inner = Vec::with_capacity(proof.len() + 8);
    put_bytes(&mut inner, 2, proof);
    let mut out = Vec::with_capacity(inner.len() + 8);
    put_bytes(&mut out, if is_call { 1 } else { 2 }, &inner);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::network::concat;
    use smoldot::network::codec;

    #[test]
    fn decodes_what_smoldot_builds() {
        let read = concat(codec::build_storage_proof_request(
            codec::StorageProofRequestConfig {
                block_hash: [7; 32],
                keys: [b"abc".to_vec(), vec![0; 40]].into_iter(),
            },
        ));
        assert_eq!(
            decode_light_request(&read).unwrap(),
            LightRequest::Read {
                block: vec![7; 32],
                keys: vec![b"abc".to_vec(), vec![0; 40]],
            }
        );
        let call = concat(codec::build_call_proof_request(
            codec::CallProofRequestConfig {
                block_hash: [9; 32],
                method: "Core_version".into(),
                parameter_vectored: [vec![1u8, 2], vec![3]].into_iter(),
            },
        ));
        assert_eq!(
            decode_light_request(&call).unwrap(),
            LightRequest::Call {
                block: vec![9; 32],
                method: "Core_version".into(),
                data: vec![1, 2, 3],
            }
        );
    }

    #[test]
    fn smoldot_decodes_what_we_encode() {
        let proof = vec![5u8; 300];
        for (is_call, ty) in [
            (true, codec::StorageOrCallProof::CallProof),
            (false, codec::StorageOrCallProof::StorageProof),
        ] {
            let bytes = encode_light_response(is_call, &proof);
            let decoded = codec::decode_storage_or_call_proof_response(ty, &bytes).unwrap();
            assert_eq!(decoded, Some(&proof[..]));
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(decode_light_request(&[]), Err(ProtobufError::Empty));
        assert_eq!(
            decode_light_request(&[0x12, 0x05, 1]),
            Err(ProtobufError::Truncated)
        );
        assert_eq!(
            decode_light_request(&[0x0b]),
            Err(ProtobufError::WireType(3))
        );
        assert_eq!(
            decode_light_request(&[0xff; 12]),
            Err(ProtobufError::VarintOverflow)
        );
    }
}
