//! Unit checks of the state machine that need no second verifier: slot choice, finality
//! bookkeeping and the state root the runtime writes into headers.

#![allow(clippy::unwrap_used)]

use super::*;

fn chain() -> Chain {
    let keys = DevKeys::alice();
    let spec = DevSpec::aura_dev(&keys).unwrap();
    Chain::new(&spec, keys).unwrap()
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
