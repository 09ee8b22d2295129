//! Storage and call proofs checked the way a smoldot light client checks them: decoded and
//! verified by `trie::proof_decode` against the state root of the block's header, runtime
//! calls re-executed with smoldot's executor reading nothing but the call proof and the
//! runtime (taken, as smoldot-light does, from a separate storage proof of `:code`), and
//! storage maps listed with
//! `trie::prefix_proof`, one storage proof per trie level, as smoldot-light iterates them.
//!
//! Values are compared with what the full node holds; a tampered proof and a pruned block must
//! fail, so a check that accepts anything would not pass.

#![allow(clippy::unwrap_used)]

use core::time::Duration;

use devnode::runtime::Access;
use devnode::spec::storage_value_key;
use devnode::{Chain, DevKeys, DevSpec, ProofError, proof};
use smoldot::executor::{self, host::HostVmPrototype, runtime_call};
use smoldot::header;
use smoldot::trie::proof_decode::{self, DecodedTrieProof};
use smoldot::trie::{self, Nibble, prefix_proof};

fn chain() -> Chain {
    let keys = DevKeys::alice();
    let spec = DevSpec::aura_dev(&keys).unwrap();
    Chain::new(&spec, keys).unwrap()
}

fn state_root(chain: &Chain, hash: &[u8; 32]) -> [u8; 32] {
    let block = chain.block_by_hash(hash).unwrap();
    *header::decode(&block.header, chain.block_number_bytes())
        .unwrap()
        .state_root
}

fn verify(proof: &[u8]) -> DecodedTrieProof<&[u8]> {
    proof_decode::decode_and_verify_proof(proof_decode::Config { proof }).unwrap()
}

/// Keys every check reads: a genesis value, one the runtime rewrites every block, the
/// runtime (stored as a hash in trie v1), and one that does not exist.
fn keys() -> Vec<Vec<u8>> {
    vec![
        storage_value_key("SubtensorModule", "TotalNetworks").to_vec(),
        storage_value_key("System", "Number").to_vec(),
        b":code".to_vec(),
        storage_value_key("SubtensorModule", "NoSuchItem").to_vec(),
    ]
}

#[test]
fn storage_proofs_verify_against_header_state_roots() {
    let mut chain = chain();
    chain.keep_states(2);
    let genesis = chain.genesis_hash();
    let first = chain.produce_block(Duration::ZERO).unwrap().hash;
    let values_at_first: Vec<Option<Vec<u8>>> = keys()
        .iter()
        .map(|k| chain.storage(k).map(<[u8]>::to_vec))
        .collect();
    for _ in 0..2 {
        chain.produce_block(Duration::ZERO).unwrap();
    }
    let best = chain.best_block().hash;
    let values_at_best: Vec<Option<Vec<u8>>> = keys()
        .iter()
        .map(|k| chain.storage(k).map(<[u8]>::to_vec))
        .collect();
    assert!(values_at_best[0].is_some() && values_at_best[2].is_some());
    assert!(values_at_best[3].is_none());
    assert_ne!(
        values_at_first[1], values_at_best[1],
        "System.Number moved on"
    );

    for (at, expected) in [(best, &values_at_best), (first, &values_at_first)] {
        let root = state_root(&chain, &at);
        let proof = chain.storage_proof(&at, &keys()).unwrap();
        let decoded = verify(&proof);
        for (key, expected) in keys().iter().zip(expected) {
            let proven = decoded.storage_value(&root, key).unwrap();
            assert_eq!(
                proven.map(|(v, _)| v),
                expected.as_deref(),
                "key 0x{}",
                hex::encode(key)
            );
        }
    }

    let code_proof = chain.storage_proof(&best, &[b":code".to_vec()]).unwrap();
    let code_len = chain.storage(b":code").unwrap().len();
    eprintln!(
        "storage proof of :code: {} bytes (:code is {code_len} bytes)",
        code_proof.len()
    );
    assert!(code_proof.len() > code_len);

    // Genesis is three blocks below the best, one more than kept.
    assert!(matches!(
        chain.storage_proof(&genesis, &keys()),
        Err(ProofError::Pruned {
            number: 0,
            best: 3,
            kept: 2
        })
    ));
    assert!(matches!(
        chain.storage_proof(&[7; 32], &keys()),
        Err(ProofError::UnknownBlock(_))
    ));

    // Flipping any one byte of a node breaks the chain of hashes up to the root: either the
    // proof no longer decodes or it no longer proves the values.
    let root = state_root(&chain, &best);
    let proof = chain.storage_proof(&best, &keys()[..2]).unwrap();
    for position in [proof.len() / 3, proof.len() / 2, proof.len() - 1] {
        let mut tampered = proof.clone();
        tampered[position] ^= 1;
        let still_proves = proof_decode::decode_and_verify_proof(proof_decode::Config {
            proof: &tampered[..],
        })
        .is_ok_and(|decoded| {
            keys()[..2]
                .iter()
                .zip(&values_at_best)
                .all(|(key, expected)| {
                    decoded
                        .storage_value(&root, key)
                        .is_ok_and(|v| v.map(|(v, _)| v) == expected.as_deref())
                })
        });
        assert!(!still_proves, "byte {position} flipped");
    }
}

/// Runs `function` like smoldot-light's `runtime_call_single_attempt`: the runtime comes from
/// `code_proof` (a storage proof of `:code`), every storage question from the call proof, and
/// one the call proof cannot answer fails the call.
fn execute_from_proof(
    code_proof: &[u8],
    proof: &[u8],
    root: &[u8; 32],
    function: &str,
    parameter: &[u8],
) -> Vec<u8> {
    let code_proof = verify(code_proof);
    let code = code_proof.storage_value(root, b":code").unwrap().unwrap().0;
    let decoded = verify(proof);
    let heap_pages = decoded
        .storage_value(root, b":heappages")
        .unwrap()
        .map(|(v, _)| v);
    let runtime = HostVmPrototype::new(executor::host::Config {
        module: code,
        heap_pages: executor::storage_heap_pages_to_value(heap_pages).unwrap(),
        exec_hint: executor::vm::ExecHint::ValidateAndCompile,
        allow_unresolved_imports: true,
    })
    .unwrap();
    let mut call = runtime_call::run(runtime_call::Config {
        virtual_machine: runtime,
        function_to_call: function,
        parameter: core::iter::once(parameter),
        storage_proof_size_behavior:
            runtime_call::StorageProofSizeBehavior::proof_recording_disabled(),
        storage_main_trie_changes: Default::default(),
        max_log_level: 0,
        calculate_trie_changes: false,
    })
    .map_err(|(e, _)| e)
    .unwrap();
    loop {
        call = match call {
            runtime_call::RuntimeCall::Finished(result) => {
                let success = result.map_err(|e| e.detail).unwrap();
                return success.virtual_machine.value().as_ref().to_vec();
            }
            runtime_call::RuntimeCall::StorageGet(get) => {
                assert!(get.child_trie().is_none());
                let value = decoded
                    .storage_value(root, get.key().as_ref())
                    .unwrap_or_else(|_| panic!("{function}: proof lacks a value"));
                get.inject_value(value.map(|(v, version)| (core::iter::once(v), version)))
            }
            runtime_call::RuntimeCall::ClosestDescendantMerkleValue(req) => {
                let value = decoded
                    .closest_descendant_merkle_value(root, req.key())
                    .unwrap_or_else(|_| panic!("{function}: proof lacks a Merkle value"));
                req.inject_merkle_value(value)
            }
            runtime_call::RuntimeCall::NextKey(req) => {
                let next = decoded
                    .next_key(
                        root,
                        req.key(),
                        req.or_equal(),
                        req.prefix(),
                        req.branch_nodes(),
                    )
                    .unwrap_or_else(|_| panic!("{function}: proof lacks a next key"));
                req.inject_key(next)
            }
            runtime_call::RuntimeCall::SignatureVerification(req) => req.verify_and_resume(),
            runtime_call::RuntimeCall::LogEmit(req) => req.resume(),
            runtime_call::RuntimeCall::OffchainStorageSet(req) => req.resume(),
            runtime_call::RuntimeCall::Offchain(_) => panic!("{function}: offchain call"),
        };
    }
}

#[test]
fn call_proofs_reexecute_on_the_proof_alone() {
    let mut chain = chain();
    let first = chain.produce_block(Duration::ZERO).unwrap().hash;
    let authorities_at_first = chain.call("AuraApi_authorities", &[]).unwrap();
    chain.produce_block(Duration::ZERO).unwrap();
    let best = chain.best_block().hash;
    let root = state_root(&chain, &best);

    // An unsigned System.remark(""): the runtime rejects it, reading state on the way.
    let remark = [0x10, 0x04, 0x00, 0x00, 0x00];
    let mut validate = vec![2]; // TransactionSource::External
    validate.extend_from_slice(&remark);
    validate.extend_from_slice(&best);
    let alice = chain.keys().account_id();
    let calls: [(&str, Vec<u8>); 9] = [
        ("Core_version", vec![]),
        ("Metadata_metadata_versions", vec![]),
        ("Metadata_metadata_at_version", 15u32.to_le_bytes().to_vec()),
        ("AuraApi_slot_duration", vec![]),
        ("AuraApi_authorities", vec![]),
        ("GrandpaApi_grandpa_authorities", vec![]),
        ("GrandpaApi_current_set_id", vec![]),
        ("AccountNonceApi_account_nonce", alice.to_vec()),
        ("TaggedTransactionQueue_validate_transaction", validate),
    ];
    let code_proof = chain.storage_proof(&best, &[b":code".to_vec()]).unwrap();
    let code_len = chain.storage(b":code").unwrap().len();
    for (function, parameter) in &calls {
        let expected = chain.call(function, parameter).unwrap();
        let proof = chain.call_proof(&best, function, parameter).unwrap();
        let output = execute_from_proof(&code_proof, &proof, &root, function, parameter);
        assert_eq!(output, expected, "{function}");
        assert!(
            proof.len() < code_len / 4,
            "{function}: the runtime is not in the proof"
        );
        eprintln!(
            "call proof of {function}: {} bytes (output {} bytes)",
            proof.len(),
            output.len()
        );
    }

    // At an older kept block, against that block's root.
    let proof = chain
        .call_proof(&first, "AuraApi_authorities", &[])
        .unwrap();
    let first_code = chain.storage_proof(&first, &[b":code".to_vec()]).unwrap();
    let output = execute_from_proof(
        &first_code,
        &proof,
        &state_root(&chain, &first),
        "AuraApi_authorities",
        &[],
    );
    assert_eq!(output, authorities_at_first);

    assert!(matches!(
        chain.call_proof(&best, "NoSuchApi_nothing", &[]),
        Err(ProofError::Call(_))
    ));
}

fn nibbles(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|b| [b >> 4, b & 0xf]).collect()
}

fn to_nibble_iter(nibbles: &[u8]) -> impl Iterator<Item = Nibble> + '_ {
    nibbles.iter().map(|n| Nibble::try_from(*n).unwrap())
}

/// The executor's other two questions, which none of the calls above happen to ask: the next
/// key (storage iteration, prefix clearing, root calculation) and the Merkle value below a key.
/// Each answer, computed here by scanning every key, gets its own proof, and the proof alone
/// must give the same answer back.
#[test]
fn next_key_and_merkle_value_proofs_answer_like_the_state() {
    let chain = chain();
    let state = chain.state();
    let root = state_root(&chain, &chain.genesis_hash());
    let storage_keys: Vec<Vec<u8>> = state.storage().keys().map(|k| nibbles(k)).collect();
    let node_keys: Vec<&Vec<u8>> = state.nodes().keys().collect();
    let next = |key: &[u8], or_equal: bool, prefix: &[u8], branch_nodes: bool| {
        let after = |c: &&Vec<u8>| c.as_slice() > key || (or_equal && c.as_slice() == key);
        let found = if branch_nodes {
            node_keys.iter().copied().find(after)
        } else {
            storage_keys.iter().find(after)
        };
        found.filter(|c| c.starts_with(prefix)).cloned()
    };

    let step = storage_keys.len() / 40;
    let mut asked = 0;
    for key in storage_keys.iter().step_by(step) {
        let pallet = &key[..key.len().min(32)];
        let short = &key[..key.len() - 1];
        let mut beyond = key.clone();
        beyond.extend([0xf, 0xf]);
        let queries: [(&[u8], bool, &[u8]); 5] = [
            (key, true, pallet),
            (key, false, pallet),
            (short, false, &[]),
            (short, true, short),
            (&beyond, false, key),
        ];
        for (key, or_equal, prefix) in queries {
            for branch_nodes in [false, true] {
                let found = next(key, or_equal, prefix, branch_nodes);
                let access = Access::NextKey {
                    key: key.to_vec(),
                    or_equal,
                    prefix: prefix.to_vec(),
                    branch_nodes,
                    found: found.clone(),
                };
                let proof = proof::proof_of_accesses(state, &[access]).unwrap();
                let proven = verify(&proof)
                    .next_key(
                        &root,
                        to_nibble_iter(key),
                        or_equal,
                        to_nibble_iter(prefix),
                        branch_nodes,
                    )
                    .unwrap()
                    .map(|k| k.map(u8::from).collect::<Vec<u8>>());
                assert_eq!(proven, found, "next key after {key:?} under {prefix:?}");
                asked += 1;
            }
        }
        for len in [key.len(), key.len() - 1, pallet.len(), 3] {
            let below = &key[..len];
            let expected = node_keys
                .iter()
                .find(|k| k.as_slice() >= below)
                .filter(|k| k.starts_with(below))
                .map(|k| state.nodes()[*k].clone());
            let access = Access::ClosestDescendant(below.to_vec());
            let proof = proof::proof_of_accesses(state, &[access]).unwrap();
            let decoded = verify(&proof);
            let proven = decoded
                .closest_descendant_merkle_value(&root, to_nibble_iter(below))
                .unwrap();
            assert_eq!(proven, expected.as_deref(), "Merkle value below {below:?}");
        }
    }
    assert!(asked >= 400);
}

/// Storage queries the way smoldot-light's sync service makes them from storage proofs:
/// a prefix scan (`trie::prefix_proof`, one proof per trie level, as for iterating a storage
/// map) and the Merkle value of `:code` (asked through its parent key `:cod`, which the light
/// client uses to notice runtime changes).
#[test]
fn prefix_scans_and_merkle_values_through_storage_proofs() {
    let chain = chain();
    let at = chain.genesis_hash();
    let root = state_root(&chain, &at);
    let pallet = &storage_value_key("SubtensorModule", "")[..16];
    let expected: Vec<(Vec<u8>, Vec<u8>)> = chain
        .state()
        .storage()
        .iter()
        .filter(|(k, _)| k.starts_with(pallet))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert!(expected.len() > 10);

    let mut scan = prefix_proof::prefix_scan(prefix_proof::Config {
        prefix: pallet,
        trie_root_hash: root,
        full_storage_values_required: true,
    });
    let mut rounds = 0;
    let mut entries = loop {
        let keys: Vec<Vec<u8>> = scan
            .requested_keys()
            .map(|k| trie::nibbles_to_bytes_suffix_extend(k).collect())
            .collect();
        let proof = chain.storage_proof(&at, &keys).unwrap();
        rounds += 1;
        match scan.resume_all_keys(&proof).map_err(|(_, e)| e).unwrap() {
            prefix_proof::ResumeOutcome::InProgress(next) => scan = next,
            prefix_proof::ResumeOutcome::Success { entries, .. } => break entries,
        }
    };
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let entries: Vec<(Vec<u8>, Vec<u8>)> = entries
        .into_iter()
        .map(|(k, v)| match v {
            prefix_proof::StorageValue::Value(v) => (k, v),
            prefix_proof::StorageValue::Hash(_) => panic!("value required"),
        })
        .collect();
    assert_eq!(entries, expected);
    eprintln!(
        "prefix scan of SubtensorModule: {} entries in {rounds} proofs",
        entries.len()
    );

    let proof = chain.storage_proof(&at, &[b":cod".to_vec()]).unwrap();
    let decoded = verify(&proof);
    let code = nibbles(b":code");
    let proven = decoded
        .closest_descendant_merkle_value(&root, to_nibble_iter(&code))
        .unwrap();
    assert_eq!(proven, chain.state().nodes().get(&code).map(Vec::as_slice));
    assert!(proven.is_some());
}
