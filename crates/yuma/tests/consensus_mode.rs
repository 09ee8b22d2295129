//! Liquid alpha's consensus modes (runtime 446): which consensus the per-bond sigmoid reads.
//!
//! A two-epoch Yuma3 subnet whose miner consensus moves between epochs: with `Previous` (or
//! `Auto` at full bonds penalty) the second epoch's liquid alphas must come from the first
//! epoch's stored consensus, so its bonds differ from `Current`; without a stored consensus every
//! mode falls back to the current one; and the liquid-alpha on/off gate reads the current
//! consensus only.
#![allow(clippy::unwrap_used)]

use yuma::{ConsensusMode, EpochInput};

fn subnet(bonds_penalty: u16) -> EpochInput {
    yuma::case::parse(&format!(
        r#"{{
        "layout": "vm",
        "weights": [[65535, 10000, 0], [20000, 65535, 5000], [65535, 30000, 60000]],
        "stakes": [500, 300, 200],
        "yuma3": true, "liquid_alpha": true, "bonds_penalty": {bonds_penalty},
        "alpha_low": 0.1, "alpha_high": 0.9, "alpha_sigmoid_steepness": 1000,
        "bonds_sparse": [[[3, 40000], [4, 20000]], [[3, 30000], [4, 50000]], [[5, 10000]], [], [], []]
    }}"#
    ))
    .unwrap()
    .input
}

fn bonds(input: &EpochInput) -> Vec<Vec<(u16, u16)>> {
    yuma::fixed::epoch(input).bonds
}

#[test]
fn previous_consensus_changes_liquid_alpha_bonds() {
    let mut base = subnet(u16::MAX);
    base.set_liquid_alpha_consensus(ConsensusMode::Current, None);
    let current = bonds(&base);

    // At full bonds penalty the weights are clipped to this epoch's consensus, so against it
    // no weight is "above consensus"; a lower stored consensus makes every weight a buy signal.
    let stored = Some(vec![0, 0, 0, 1000, 1000, 1000]);
    let mut previous = base.clone();
    previous.set_liquid_alpha_consensus(ConsensusMode::Previous, stored.clone());
    let mut auto = base.clone();
    auto.set_liquid_alpha_consensus(ConsensusMode::Auto, stored.clone());
    assert_ne!(
        bonds(&previous),
        current,
        "Previous must read the stored consensus"
    );
    assert_eq!(
        bonds(&auto),
        bonds(&previous),
        "Auto at bonds_penalty 65535 is Previous"
    );

    // Below full penalty, Auto reads the current consensus.
    let mut partial = subnet(30000);
    partial.set_liquid_alpha_consensus(ConsensusMode::Current, None);
    let partial_current = bonds(&partial);
    partial.set_liquid_alpha_consensus(ConsensusMode::Auto, stored);
    assert_eq!(bonds(&partial), partial_current);
}

#[test]
fn every_mode_falls_back_to_current_without_a_stored_consensus() {
    let mut input = subnet(u16::MAX);
    input.set_liquid_alpha_consensus(ConsensusMode::Current, None);
    let current = bonds(&input);
    for mode in [ConsensusMode::Previous, ConsensusMode::Auto] {
        input.set_liquid_alpha_consensus(mode, None);
        assert_eq!(bonds(&input), current, "{mode:?}");
        input.set_liquid_alpha_consensus(mode, Some(Vec::new()));
        assert_eq!(
            bonds(&input),
            current,
            "{mode:?} with an empty stored vector"
        );
    }
}

#[test]
fn multi_epoch_runs_carry_the_stored_consensus() {
    let mut input = subnet(u16::MAX);
    let first = yuma::fixed::epoch(&input);
    input.carry(&first);
    assert_eq!(
        input.previous_consensus(),
        Some(first.consensus_u16.as_slice())
    );
    // Running two epochs through the engine equals carrying by hand.
    let two = yuma::fixed::epochs(&subnet(u16::MAX), 2);
    assert_eq!(two, yuma::fixed::epoch(&input));
}
