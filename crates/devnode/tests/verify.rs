//! The produced chain checked the way its clients check it, with smoldot's own verifiers and
//! nothing from the producer's side but bytes:
//!
//! - headers: `chain::blocks_tree::NonFinalizedTree`, started from the chain information that
//!   smoldot derives from the spec's genesis (Aura seal, slot order, parent links), as a light
//!   client does;
//! - bodies: every block re-executed with `Core_execute_block` on an independent replica of the
//!   state (the runtime itself checks the state root, extrinsics root and digests), as a full
//!   node does, and the replica's changes compared with the producer's;
//! - finality: GRANDPA justifications through `finality::verify::verify_justification` and
//!   through the tree, which then moves its finalized block;
//! - storage: values the runtime writes every block (System.Number, Timestamp.Now) and genesis
//!   values it must keep (SubtensorModule.TotalNetworks).
//!
//! Tampered seals and justifications must fail, so a verifier that accepts anything would not
//! pass.

#![allow(clippy::unwrap_used)]

use core::time::Duration;

use devnode::runtime::{self, State};
use devnode::spec::storage_value_key;
use devnode::{Chain, DevKeys, DevSpec};
use smoldot::chain::blocks_tree::{self, HeaderVerifySuccess, NonFinalizedTree};
use smoldot::chain::chain_information::ChainInformationFinalityRef;
use smoldot::executor::storage_diff::TrieDiff;
use smoldot::header;
use smoldot::verify::body_only;

/// Blocks produced; each one is re-executed too, so this bounds the test's run time.
const BLOCKS: u64 = 6;

fn u64_le(bytes: &[u8]) -> u64 {
    let mut le = [0u8; 8];
    le[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(le)
}

#[test]
fn produced_chain_verifies_like_a_client_sees_it() {
    let keys = DevKeys::alice();
    let spec = DevSpec::aura_dev(&keys).unwrap();
    let mut chain = Chain::new(&spec, keys.clone()).unwrap();

    // The client side, built from the spec only.
    let (genesis_information, client_runtime) = spec.chain_spec().to_chain_information().unwrap();
    let genesis_header = genesis_information
        .as_ref()
        .finalized_block_header
        .scale_encoding_vec(4);
    assert_eq!(
        header::hash_from_scale_encoded_header(&genesis_header),
        chain.genesis_hash()
    );
    let grandpa_authorities: Vec<[u8; 32]> = match genesis_information.as_ref().finality {
        ChainInformationFinalityRef::Grandpa {
            finalized_triggered_authorities,
            ..
        } => finalized_triggered_authorities
            .iter()
            .map(|a| a.public_key)
            .collect(),
        ChainInformationFinalityRef::Outsourced => panic!("the devnet uses GRANDPA"),
    };
    assert_eq!(grandpa_authorities, vec![keys.grandpa_public()]);
    let mut tree = NonFinalizedTree::<()>::new(blocks_tree::Config {
        chain_information: genesis_information,
        block_number_bytes: 4,
        blocks_capacity: 16,
        // Frontier (the EVM pallet) puts a `fron` consensus log in every header; smoldot
        // ignores engines it does not know only when told to, as its light client is.
        allow_unknown_consensus_engines: true,
    });
    let genesis_storage: runtime::Storage = spec
        .chain_spec()
        .genesis_storage()
        .into_genesis_items()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect();
    let mut replica = State::new(genesis_storage, chain.state().version());
    let mut replica_runtime = Some(client_runtime);

    let slot_ms = chain.slot_duration().get();
    for expected_number in 1..=BLOCKS {
        let block = chain.produce_block(Duration::ZERO).unwrap().clone();
        assert_eq!(block.number, expected_number);
        let decoded = header::decode(&block.header, 4).unwrap();
        let now = Duration::from_millis(block.slot * slot_ms);

        // Header, as a light client verifies it.
        match tree.verify_header(block.header.clone(), now).unwrap() {
            HeaderVerifySuccess::Verified {
                verified_header,
                is_new_best,
            } => {
                assert!(is_new_best);
                tree.insert_verified_header(verified_header, ());
            }
            HeaderVerifySuccess::Duplicate => panic!("block {expected_number} seen twice"),
        }
        assert_eq!(tree.best_block_hash(), &block.hash);

        // Body, as a full node imports it: the runtime re-executes the block without its seal
        // and checks the roots and digests itself.
        let mut unsealed = decoded.clone();
        assert!(matches!(
            unsealed.digest.pop_seal(),
            Some(header::Seal::Aura(_))
        ));
        let parameter: Vec<u8> = body_only::execute_block_parameter(
            &unsealed.scale_encoding_vec(4),
            4,
            block.body.iter(),
        )
        .unwrap()
        .fold(Vec::new(), |mut out, chunk| {
            out.extend_from_slice(chunk.as_ref());
            out
        });
        let (proto, executed) = replica.call(
            replica_runtime.take().unwrap(),
            body_only::EXECUTE_BLOCK_FUNCTION_NAME,
            &parameter,
            TrieDiff::empty(),
            true,
        );
        replica_runtime = Some(proto);
        let executed = executed.unwrap();
        body_only::check_execute_block_output(&executed.output).unwrap();
        let replica_changes = runtime::changes(executed.diff, executed.node_changes);
        assert_eq!(replica_changes.storage, block.changes.storage);
        replica.apply(&replica_changes);
        assert_eq!(replica.root(), *decoded.state_root);
        assert_eq!(
            runtime::state_root(replica.storage(), replica.version()),
            *decoded.state_root
        );

        // Storage the runtime writes every block.
        let number = chain
            .storage(&storage_value_key("System", "Number"))
            .unwrap();
        assert_eq!(u64_le(number), expected_number);
        let timestamp = chain
            .storage(&storage_value_key("Timestamp", "Now"))
            .unwrap();
        assert_eq!(u64_le(timestamp), block.slot * slot_ms);

        // Finalize every other block, so some justifications cover two blocks at once.
        if expected_number % 2 == 0 {
            let justification = chain.finalize(expected_number).unwrap();
            smoldot::finality::verify::verify_justification(
                smoldot::finality::verify::JustificationVerifyConfig {
                    justification: &justification,
                    block_number_bytes: 4,
                    authorities_set_id: chain.grandpa_set_id(),
                    authorities_list: grandpa_authorities.iter().map(|a| &a[..]),
                    randomness_seed: [7; 32],
                },
            )
            .unwrap();
            tree.verify_justification(*b"FRNK", &justification, [7; 32])
                .unwrap()
                .apply()
                .for_each(drop);
            assert_eq!(tree.finalized_block_hash(), &block.hash);
            assert_eq!(tree.finalized_block_height(), expected_number);
        }
    }
    assert_eq!(chain.finalized_block().number, BLOCKS);

    // A genesis value the runtime must keep: the genesis subnet count.
    let key = storage_value_key("SubtensorModule", "TotalNetworks");
    let at_genesis = spec
        .chain_spec()
        .genesis_storage()
        .into_genesis_items()
        .unwrap()
        .value(&key)
        .unwrap()
        .to_vec();
    assert_eq!(
        u64_le(&at_genesis),
        2,
        "the genesis has the root network and one subnet"
    );
    assert_eq!(chain.storage(&key), Some(&at_genesis[..]));
}

#[test]
fn tampering_is_detected() {
    let keys = DevKeys::alice();
    let spec = DevSpec::aura_dev(&keys).unwrap();
    let mut chain = Chain::new(&spec, keys).unwrap();
    let block = chain.produce_block(Duration::ZERO).unwrap().clone();
    let justification = chain.finalize(1).unwrap();
    let (info, _) = spec.chain_spec().to_chain_information().unwrap();
    let mut tree = NonFinalizedTree::<()>::new(blocks_tree::Config {
        chain_information: info,
        block_number_bytes: 4,
        blocks_capacity: 4,
        allow_unknown_consensus_engines: true,
    });
    let now = Duration::from_millis(block.slot * chain.slot_duration().get());

    // The seal is the last 64 bytes of the header.
    let mut forged = block.header.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert!(tree.verify_header(forged, now).is_err());

    // A header signed by another key.
    let bob = DevKeys::from_secret_uri("//Bob").unwrap();
    let decoded = header::decode(&block.header, 4).unwrap();
    let mut unsealed = decoded.clone();
    unsealed.digest.pop_seal();
    let seal = bob.sign_sr25519(&unsealed.hash(4));
    let resealed: Vec<u8> = unsealed
        .scale_encoding_with_extra_digest_item(4, header::DigestItemRef::AuraSeal(&seal))
        .fold(Vec::new(), |mut out, chunk| {
            out.extend_from_slice(chunk.as_ref());
            out
        });
    assert!(tree.verify_header(resealed, now).is_err());

    // The genuine header passes; a justification with a flipped signature bit does not.
    match tree.verify_header(block.header.clone(), now).unwrap() {
        HeaderVerifySuccess::Verified {
            verified_header, ..
        } => tree.insert_verified_header(verified_header, ()),
        HeaderVerifySuccess::Duplicate => panic!("first sight"),
    }
    let mut bad = justification.clone();
    // Layout: round (8), target (32 + 4), count (1), precommit target (32 + 4), signature.
    bad[8 + 36 + 1 + 36] ^= 1;
    assert!(tree.verify_justification(*b"FRNK", &bad, [0; 32]).is_err());
    assert!(
        tree.verify_justification(*b"FRNK", &justification, [0; 32])
            .is_ok()
    );
}

#[test]
fn bad_transactions_are_dropped_not_fatal() {
    let keys = DevKeys::alice();
    let spec = DevSpec::aura_dev(&keys).unwrap();
    let mut chain = Chain::new(&spec, keys).unwrap();
    chain.submit_transaction(vec![0x0c, 0xde, 0xad, 0xbe]);
    let block = chain.produce_block(Duration::ZERO).unwrap();
    assert_eq!(block.body.len(), 1, "only the timestamp inherent");
    assert_eq!(chain.last_transaction_outcomes().len(), 1);
    assert!(!matches!(
        chain.last_transaction_outcomes()[0],
        devnode::TransactionOutcome::Success | devnode::TransactionOutcome::DispatchFailed(_)
    ));
    // The pool is emptied and the next block is fine.
    chain.produce_block(Duration::ZERO).unwrap();
    assert!(chain.last_transaction_outcomes().is_empty());
}
