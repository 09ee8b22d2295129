//! The JSON shapes against real finney answers (recorded by bittensor's own tests) and against
//! damaged ones.

use serde_json::{Value, json};

use super::*;

fn recorded() -> Value {
    let text = include_str!("../../../tests/data/finney/rpc-headers.json");
    serde_json::from_str(text).unwrap_or(Value::Null)
}

#[test]
fn finney_headers_hash_to_the_hash_they_were_asked_by() {
    let headers = recorded();
    let list = headers.as_object().map(|m| m.len()).unwrap_or(0);
    assert!(list >= 3, "the recorded headers are there");
    for (hash_hex, header) in headers.as_object().into_iter().flatten() {
        let scale = header_scale("chain_getHeader", header).unwrap_or_default();
        let hash = smoldot::header::hash_from_scale_encoded_header(&scale);
        assert_eq!(to_hex(&hash), *hash_hex);
    }
}

#[test]
fn justifications_are_read_in_serdes_shape() {
    let header = json!({
        "parentHash": format!("0x{}", "11".repeat(32)),
        "number": "0x2a",
        "stateRoot": format!("0x{}", "22".repeat(32)),
        "extrinsicsRoot": format!("0x{}", "33".repeat(32)),
        "digest": {"logs": []},
    });
    let answer = json!({
        "block": {"header": header, "extrinsics": []},
        "justifications": [[[66, 69, 69, 70], [9]], [[70, 82, 78, 75], [1, 2, 3]]],
    });
    let block = signed_block(&answer).ok().flatten();
    assert_eq!(
        block.as_ref().and_then(|b| b.grandpa_justification.clone()),
        Some(vec![1, 2, 3])
    );
    assert_eq!(block.map(|b| b.header.len()), Some(32 + 1 + 64 + 1));

    let none = json!({"block": {"header": header, "extrinsics": []}, "justifications": null});
    assert_eq!(
        signed_block(&none)
            .ok()
            .flatten()
            .and_then(|b| b.grandpa_justification),
        None
    );
    assert_eq!(signed_block(&Value::Null), Ok(None));

    for bad in [
        json!({"block": {"header": header}, "justifications": [[[70, 82, 78, 75], "0x010203"]]}),
        json!({"block": {"header": header}, "justifications": [[[70, 82, 78, 75], [256]]]}),
        json!({"block": {"header": header}, "justifications": [[[70, 82, 78, 75]]]}),
        json!({"block": {"header": header}, "justifications": "FRNK"}),
        json!({"block": {}}),
    ] {
        let e = signed_block(&bad).err();
        assert!(e.is_some(), "{bad} is refused");
        assert_eq!(e.map(|e| e.method), Some("chain_getBlock"));
    }
}

#[test]
fn malformed_headers_name_the_field() {
    let good = json!({
        "parentHash": format!("0x{}", "11".repeat(32)),
        "number": "0x2a",
        "stateRoot": format!("0x{}", "22".repeat(32)),
        "extrinsicsRoot": format!("0x{}", "33".repeat(32)),
        "digest": {"logs": ["0x0401"]},
    });
    assert!(header_scale("chain_getHeader", &good).is_ok());
    let cases = [
        ("number", json!(42), "`number` is not a string"),
        ("number", json!("0x1ffffffff"), "is not a hex u32"),
        ("parentHash", json!("0x1122"), "has 2 bytes"),
        ("stateRoot", json!("22"), "does not start with 0x"),
        ("extrinsicsRoot", json!("0xzz"), "is not hex"),
        (
            "digest",
            json!({"logs": "0x00"}),
            "`digest.logs` is not a list",
        ),
    ];
    for (field, value, says) in cases {
        let mut bad = good.clone();
        bad[field] = value;
        let e = header_scale("chain_getHeader", &bad)
            .err()
            .map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|e| e.contains(says)),
            "{field}: {e:?}"
        );
    }
}

#[test]
fn read_proofs_and_keys() {
    let at = format!("0x{}", "ab".repeat(32));
    let proof = read_proof(&json!({"at": at, "proof": ["0x00", "0x0102"]}));
    assert_eq!(proof.map(|p| p.nodes), Ok(vec![vec![0], vec![1, 2]]));
    assert!(read_proof(&json!({"at": at, "proof": "0x00"})).is_err());
    assert!(read_proof(&json!({"proof": []})).is_err());
    assert_eq!(
        keys(&json!(["0x01", "0x0203"])),
        Ok(vec![vec![1], vec![2, 3]])
    );
    assert!(keys(&json!({"keys": []})).is_err());
}
