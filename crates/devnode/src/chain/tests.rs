//! Unit checks of the state machine that need no second verifier: slot choice, finality
//! bookkeeping and the state root the runtime writes into headers.

#![allow(clippy::unwrap_used)]

use super::*;

fn chain() -> Chain {
    let keys = DevKeys::alice();
    let spec = DevSpec::aura_dev(&keys).unwrap();
    Chain::new(&spec, keys).unwrap()
}

/// A chain of runtime 300 that schedules an authority-set change every `every` blocks.
fn changing_sets(every: u64) -> Chain {
    let keys = DevKeys::alice();
    let spec = DevSpec::of(crate::DevRuntime::Spec300, &keys).unwrap();
    let mut chain = Chain::new(&spec, keys).unwrap();
    chain.change_set_every(NonZero::new(every));
    chain
}

#[test]
fn header_state_root_matches_an_independent_computation() {
    let mut chain = chain();
    let genesis_root = *header::decode(&chain.blocks()[0].header, 4)
        .unwrap()
        .state_root;
    assert_eq!(
        runtime::state_root(chain.state().storage(), chain.state().version()),
        genesis_root
    );
    for _ in 0..2 {
        chain.produce_block(Duration::ZERO).unwrap();
        let best = chain.best_block();
        let in_header = *header::decode(&best.header, 4).unwrap().state_root;
        assert_eq!(
            runtime::state_root(chain.state().storage(), chain.state().version()),
            in_header
        );
        // The node cache agrees with the from-scratch computation.
        assert_eq!(chain.state().root(), in_header);
    }
}

#[test]
fn slots_follow_the_clock_but_always_advance() {
    let mut chain = chain();
    assert_eq!(chain.next_slot(Duration::ZERO), Some(1));
    let slot_ms = chain.slot_duration().get();
    let later = Duration::from_millis(slot_ms * 1_000 + 5);
    assert_eq!(chain.next_slot(later), Some(1_000));
    chain.produce_block(later).unwrap();
    assert_eq!(chain.best_block().slot, 1_000);
    // A clock that lags behind the chain still gets the next slot.
    assert_eq!(chain.next_slot(Duration::ZERO), Some(1_001));
}

#[test]
fn finality_bookkeeping() {
    let mut chain = chain();
    assert!(matches!(
        chain.finalize(0),
        Err(FinalizeError::AlreadyFinal(0))
    ));
    assert!(matches!(chain.finalize(1), Err(FinalizeError::Unknown(1))));
    chain.produce_block(Duration::ZERO).unwrap();
    chain.produce_block(Duration::ZERO).unwrap();
    let justification = chain.finalize(2).unwrap();
    assert_eq!(chain.finalized_block().number, 2);
    assert_eq!(
        chain.block(2).unwrap().justification.as_ref(),
        Some(&justification)
    );
    assert!(chain.block(1).unwrap().justification.is_none());
    assert!(matches!(
        chain.finalize(1),
        Err(FinalizeError::AlreadyFinal(1))
    ));
}

#[test]
fn keys_must_be_the_genesis_authorities() {
    let spec = DevSpec::aura_dev(&DevKeys::from_secret_uri("//Bob").unwrap()).unwrap();
    assert!(matches!(
        Chain::new(&spec, DevKeys::alice()),
        Err(ChainError::NotAuraAuthority(_))
    ));
}

/// On spec 300 (Aura and BABE advertised, as finney's runtime), the runtime itself announces
/// each set change: the change block is finalized by the set it ends, later blocks by the next,
/// and a JSON-RPC endpoint keeps the change blocks' justifications as substrate does.
#[test]
fn set_changes_move_the_set_id_and_keep_their_justifications() {
    let mut chain = changing_sets(3);
    for _ in 0..7 {
        chain.produce_block(Duration::ZERO).unwrap();
    }
    chain.finalize(7).unwrap();
    assert_eq!(chain.set_changes(), &[3, 6]);
    assert_eq!(chain.grandpa_set_id(), 2);
    let finalizing: Vec<u64> = (1..=7).map(|n| chain.set_id_finalizing(n)).collect();
    assert_eq!(finalizing, [0, 0, 0, 1, 1, 1, 2]);
    for number in 1..=7u64 {
        let block = chain.block(number).unwrap();
        let decoded = header::decode(&block.header, 4).unwrap();
        let announces = decoded.digest.logs().any(|log| {
            matches!(
                log,
                header::DigestItemRef::GrandpaConsensus(
                    header::GrandpaConsensusLogRef::ScheduledChange(_)
                )
            )
        });
        assert_eq!(announces, number % 3 == 0, "#{number}");
        assert!(decoded.digest.aura_pre_runtime().is_some() && !decoded.digest.has_any_babe());
        // Only the change blocks and the target carry their own justification.
        assert_eq!(
            block.justification.is_some(),
            matches!(number, 3 | 6 | 7),
            "#{number}"
        );
    }
    // Substrate keeps a justification every 512 blocks and at every change.
    let config = crate::jsonrpc::RpcConfig {
        justification_period: 512,
        ..Default::default()
    };
    let justified: Vec<u64> = (1..=7u64)
        .filter(|n| {
            let hash = hex::encode(chain.block(*n).unwrap().hash);
            let request = format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"chain_getBlock","params":["0x{hash}"]}}"#
            );
            let answer: serde_json::Value =
                serde_json::from_str(&crate::jsonrpc::answer(&mut chain, &request, &config))
                    .unwrap();
            !answer["result"]["justifications"].is_null()
        })
        .collect();
    assert_eq!(justified, [3, 6]);
}

/// A block that fails to be made leaves nothing behind: the retry carries one set change, not
/// the failed attempt's as well.
#[test]
fn a_failed_block_leaves_no_set_change_behind() {
    let mut chain = changing_sets(1);
    // A clock past any slot number: the block is refused after its set change was signed.
    assert!(matches!(
        chain.produce_block(Duration::MAX),
        Err(ProduceError::Overflow)
    ));
    assert_eq!(chain.best_block().number, 0);
    chain.produce_block(Duration::ZERO).unwrap();
    assert_eq!(
        chain.last_transaction_outcomes(),
        &[TransactionOutcome::Success],
        "the set change alone"
    );
    chain.finalize(1).unwrap();
    assert_eq!(chain.set_changes(), &[1]);
    assert_eq!(chain.grandpa_set_id(), 1);
}
