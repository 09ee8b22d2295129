//! The pure parts of the model: epoch schedule and pruning choice.

use super::metagraph::{Neuron, next_pruned};
use super::*;

#[test]
fn epochs_run_where_the_runtime_schedules_them() {
    // (b + netuid + 1) % (tempo + 1) == 0.
    assert_eq!(next_epoch(1, 10, 0), Some(9));
    assert_eq!(next_epoch(1, 10, 9), Some(20));
    assert_eq!(next_epoch(1, 10, 10), Some(20));
    assert_eq!(next_epoch(3, 360, 1_000), Some(1_079));
    assert_eq!((1_079 + 3 + 1) % 361, 0);
    assert_eq!(next_epoch(1, 0, 5), None);
}

fn neuron(uid: u16, score: u16, registered_at: u64, immune: bool) -> Neuron {
    Neuron {
        uid,
        hotkey: [uid as u8; 32],
        coldkey: None,
        stake: 0,
        root_stake: 0,
        stake_weight: None,
        stake_rank: None,
        validator_permit: false,
        active: true,
        consensus: 0,
        incentive: 0,
        dividends: 0,
        trust: None,
        validator_trust: 0,
        rank: None,
        pruning_score: Some(score),
        emission: 0,
        alpha_dividends: None,
        last_update: 0,
        registered_at,
        immune,
        take: None,
        axon: None,
    }
}

#[test]
fn pruning_takes_the_lowest_score_outside_immunity_never_the_owner() {
    let neurons = vec![
        neuron(0, 0, 1, false),
        neuron(1, 10, 5, false),
        neuron(2, 10, 3, false),
        neuron(3, 1, 9, true),
    ];
    // uid 0 is the owner; uids 1 and 2 tie and the earlier registration goes.
    assert_eq!(next_pruned(&neurons, Some([0; 32])), Some(2));
    assert_eq!(next_pruned(&neurons, None), Some(0));
    // All immune: the immune ones are candidates.
    let immune: Vec<Neuron> = (1..3).map(|u| neuron(u, u, 0, true)).collect();
    assert_eq!(next_pruned(&immune, None), Some(1));
}
