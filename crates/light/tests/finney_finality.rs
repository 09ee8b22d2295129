//! finney's own finality, checked with `light::finality` on recorded data (tests/data/finney,
//! see its SOURCES.md): the chain spec's checkpoint header, set 5's justification of the
//! rotation block #8,867,448, set 6 read from that block's scheduled change, set 6's
//! justification of #9,183,744, and read proofs against both state roots. Then the same data
//! damaged one way at a time, each refused with a message that says what failed.

// Test fixtures are ours: a missing or malformed one should stop the test where it is.
#![allow(clippy::unwrap_used)]

use codec::{Compact, Encode};
use light::finality::{self, AuthoritySet, VerifyError};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/finney/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn unhex(v: &Value) -> Vec<u8> {
    let s = v.as_str().expect("a hex string");
    hex::decode(s.trim_start_matches("0x")).expect("hex")
}

fn hash32(v: &Value) -> [u8; 32] {
    unhex(v).try_into().expect("32 bytes")
}

/// A header as the JSON-RPC gives it (`chain_getHeader`'s shape), SCALE-encoded.
fn header_scale(h: &Value) -> Vec<u8> {
    let number =
        u32::from_str_radix(h["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let mut out = unhex(&h["parentHash"]);
    Compact(number).encode_to(&mut out);
    out.extend(unhex(&h["stateRoot"]));
    out.extend(unhex(&h["extrinsicsRoot"]));
    let logs = h["digest"]["logs"].as_array().unwrap();
    Compact(logs.len() as u32).encode_to(&mut out);
    for log in logs {
        out.extend(unhex(log));
    }
    out
}

fn nodes(proof: &Value) -> Vec<Vec<u8>> {
    proof.as_array().unwrap().iter().map(unhex).collect()
}

struct Finney {
    set5: AuthoritySet,
    rotation_header: Vec<u8>,
    rotation_justification: Vec<u8>,
    rotation_proof: Vec<Vec<u8>>,
    typical_header: Vec<u8>,
    typical_justification: Vec<u8>,
    typical_set: AuthoritySet,
    typical_proof: Vec<Vec<u8>>,
    contract: Vec<u8>,
    slots: Vec<Vec<u8>>,
}

fn finney() -> Finney {
    let checkpoint = load("checkpoint.json");
    let live = load("grandpa-live-finney.json");
    let (rotation, typical) = (&live["rotation"], &live["typical"]);
    let set5 = AuthoritySet::decode(&unhex(&checkpoint["grandpaAuthoritySet"])).unwrap();
    Finney {
        set5,
        rotation_header: header_scale(&rotation["block"]["header"]),
        rotation_justification: unhex(&rotation["block"]["justification"]),
        rotation_proof: nodes(&rotation["stateProof"]),
        typical_header: header_scale(&typical["block"]["header"]),
        typical_justification: unhex(&typical["block"]["justification"]),
        typical_set: AuthoritySet::decode_list(6, &unhex(&typical["authorities"])).unwrap(),
        typical_proof: nodes(&typical["stateProof"]),
        contract: unhex(&live["contract"]),
        slots: typical["realSlots"]
            .as_array()
            .unwrap()
            .iter()
            .map(unhex)
            .collect(),
    }
}

/// `EVM.AccountStorages(contract, slot)`: both keys `Blake2_128Concat`.
fn evm_storage_key(contract: &[u8], slot: &[u8]) -> Vec<u8> {
    let mut key = chain::codec::item_prefix("EVM", "AccountStorages").to_vec();
    for part in [contract, slot] {
        key.extend(chain::codec::blake2(16, part));
        key.extend(part);
    }
    key
}

/// Reads `key` through a proof that must be refused as not a proof, or not one reaching `key`.
fn refused_proof(root: &[u8; 32], proof: &[Vec<u8>], key: &[u8]) {
    let err = finality::read_proof(root, proof, key).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::ProofIncomplete { .. } | VerifyError::BadProof(_)
        ),
        "{err}"
    );
    eprintln!("refused: {err}");
}

#[test]
fn the_checkpoint_header_is_the_rotation_block() {
    let checkpoint = load("checkpoint.json");
    let scale = unhex(&checkpoint["finalizedBlockHeader"]);
    let (header, hash) = finality::decode_header(&scale).unwrap();
    assert_eq!(header.number, 8_867_448);
    assert_eq!(hash, hash32(&checkpoint["blockHash"]));
    let f = finney();
    assert_eq!(
        scale, f.rotation_header,
        "the RPC's JSON header encodes to the spec's bytes"
    );
    assert_eq!(f.set5.set_id, 5);
    assert_eq!(f.set5.authorities.len(), 20);
    let live = load("grandpa-live-finney.json");
    assert_eq!(
        AuthoritySet::decode_list(5, &unhex(&live["rotation"]["authoritiesBefore"])).unwrap(),
        f.set5,
        "the recorded set 5 is the spec's"
    );
}

#[test]
fn set_5_finalizes_the_rotation_and_set_6_the_next_blocks() {
    let f = finney();
    let rotation =
        finality::verify_finality(&f.rotation_header, &f.rotation_justification, &f.set5).unwrap();
    assert_eq!(rotation.number, 8_867_448);
    assert_eq!(rotation.finalized_by, 5);
    let set6 = rotation.next_set.expect("the rotation block enacts set 6");
    assert_eq!(
        set6, f.typical_set,
        "set 6 as read from the digest is the recorded one"
    );

    let typical =
        finality::verify_finality(&f.typical_header, &f.typical_justification, &set6).unwrap();
    assert_eq!(typical.number, 9_183_744);
    assert_eq!(typical.finalized_by, 6);
    assert_eq!(typical.next_set, None);
    let live = load("grandpa-live-finney.json");
    assert_eq!(typical.hash, hash32(&live["typical"]["block"]["hash"]));
    assert_eq!(
        typical.state_root,
        hash32(&live["typical"]["block"]["header"]["stateRoot"])
    );
}

#[test]
fn read_proofs_give_values_under_verified_state_roots() {
    let f = finney();
    let rotation =
        finality::verify_finality(&f.rotation_header, &f.rotation_justification, &f.set5).unwrap();
    // Aura.Authorities at the rotation block: the 20 sr25519 keys its digest announces.
    let aura = load("aura-authorities-proof-8867448.json");
    let item = &aura["items"][0];
    let value = finality::read_proof(
        &rotation.state_root,
        &nodes(&aura["proof"]),
        &unhex(&item["key"]),
    )
    .unwrap()
    .expect("Aura.Authorities is set");
    assert_eq!(value, unhex(&item["value"]));
    assert_eq!(value.len(), 1 + 20 * 32);

    // The contract's storage slots at #9,183,744, under set 6's verified header.
    let set6 = rotation.next_set.unwrap();
    let typical =
        finality::verify_finality(&f.typical_header, &f.typical_justification, &set6).unwrap();
    for slot in &f.slots {
        let key = evm_storage_key(&f.contract, slot);
        let value = finality::read_proof(&typical.state_root, &f.typical_proof, &key).unwrap();
        assert!(
            value.is_some_and(|v| v.len() == 32),
            "slot 0x{} holds a word",
            hex::encode(slot)
        );
    }
    // A key the proof shows absent reads as absent, not as an error.
    let mut absent = evm_storage_key(&f.contract, &f.slots[0]);
    let last = absent.len() - 1;
    absent[last] ^= 1;
    assert!(matches!(
        finality::read_proof(&typical.state_root, &f.typical_proof, &absent),
        Ok(None) | Err(VerifyError::ProofIncomplete { .. })
    ));
    // The rotation block's proof also decodes under its own root.
    assert!(!f.rotation_proof.is_empty());
}

#[test]
fn a_changed_signature_byte_is_refused() {
    let f = finney();
    let mut justification = f.rotation_justification.clone();
    // round (8) + target hash (32) + number (4) + precommit count (1) + the first precommit's
    // target (36): its signature starts here.
    justification[81] ^= 0x01;
    let err = finality::verify_finality(&f.rotation_header, &justification, &f.set5).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Justification {
                number: 8_867_448,
                set_id: 5,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("does not verify with GRANDPA set 5"),
        "{err}"
    );
    eprintln!("refused: {err}");
}

#[test]
fn a_wrong_set_id_is_refused() {
    let f = finney();
    // Set 6's keys under another id: the id is signed into every vote.
    let wrong = AuthoritySet {
        set_id: 7,
        authorities: f.typical_set.authorities.clone(),
    };
    let err =
        finality::verify_finality(&f.typical_header, &f.typical_justification, &wrong).unwrap_err();
    assert!(
        matches!(err, VerifyError::Justification { set_id: 7, .. }),
        "{err}"
    );
    eprintln!("refused: {err}");
    // And set 5 cannot finalize a block of set 6's time.
    let err = finality::verify_finality(&f.typical_header, &f.typical_justification, &f.set5)
        .unwrap_err();
    assert!(err.to_string().contains("set 5"), "{err}");
    eprintln!("refused: {err}");
}

#[test]
fn a_justification_for_another_header_is_refused() {
    let f = finney();
    let err =
        finality::verify_finality(&f.rotation_header, &f.typical_justification, &f.typical_set)
            .unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::TargetMismatch {
                number: 8_867_448,
                claimed_number: 9_183_744,
                ..
            }
        ),
        "{err}"
    );
    eprintln!("refused: {err}");
    let err =
        finality::verify_finality(&f.rotation_header[..40], &f.rotation_justification, &f.set5)
            .unwrap_err();
    assert!(
        matches!(err, VerifyError::Malformed(ref m) if m.starts_with("not a SCALE block header")),
        "{err}"
    );
    eprintln!("refused: {err}");
}

#[test]
fn proofs_for_another_root_truncated_or_damaged_are_refused() {
    let aura = load("aura-authorities-proof-8867448.json");
    let key = unhex(&aura["items"][0]["key"]);
    let proof = nodes(&aura["proof"]);
    let rotation_root = hash32(&aura["state_root"]);
    assert!(
        finality::read_proof(&rotation_root, &proof, &key)
            .unwrap()
            .is_some()
    );

    // Another block's state root.
    let live = load("grandpa-live-finney.json");
    let typical_root = hash32(&live["typical"]["block"]["header"]["stateRoot"]);
    let err = finality::read_proof(&typical_root, &proof, &key).unwrap_err();
    assert!(matches!(err, VerifyError::ProofIncomplete { .. }), "{err}");
    assert!(
        err.to_string().contains(&hex::encode(typical_root)),
        "{err}"
    );
    eprintln!("refused: {err}");

    // Cut short: without the node holding the value, the key is not covered.
    refused_proof(&rotation_root, &proof[..proof.len() - 1], &key);

    // A node changed by one byte no longer hangs from the root.
    let mut damaged = proof.clone();
    let node = damaged.len() - 1;
    let at = damaged[node].len() / 2;
    damaged[node][at] ^= 0x01;
    refused_proof(&rotation_root, &damaged, &key);

    // Not a proof at all.
    refused_proof(&rotation_root, &[vec![0xff; 3]], &key);
}
