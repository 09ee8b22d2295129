//! Unit tests for the epoch's control flow on tiny subnets: the emission fallback, permit and
//! diagonal masks, and the bonds mask after `LastMechansimStepBlock`. Values from the chain's
//! own tests are in `crates/yuma/tests/subtensor_epoch.rs`.

use substrate_fixed::types::I32F32;

use super::*;
use crate::{EpochInputParts, EpochParams, SparseRow};

fn parts(weights: Vec<SparseRow>, stakes: Vec<u64>, permits: Vec<bool>) -> EpochInputParts {
    let n = weights.len();
    EpochInputParts {
        weights,
        bonds: vec![Vec::new(); n],
        alpha_stakes: stakes,
        tao_stakes: vec![0; n],
        validator_permits: permits,
        last_update: vec![10; n],
        block_at_registration: vec![0; n],
        owner_uid: None,
        current_block: 10,
        last_mechanism_step_block: 0,
        rao_emission: 1_000_000,
        params: EpochParams::default(),
    }
}

fn run_fixed(p: EpochInputParts) -> (EpochOutput, Intermediates<I32F32>) {
    run::<I32F32>(&EpochInput::new(p).unwrap())
}

#[test]
fn without_usable_weights_emission_follows_active_stake() {
    // Uid 1 last set weights 6000 blocks ago, past the 5000-block activity cutoff.
    let mut p = parts(
        vec![Vec::new(); 3],
        vec![300, 100, 0],
        vec![true, true, false],
    );
    p.current_block = 6000;
    p.last_update = vec![6000, 0, 6000];
    let (out, _) = run_fixed(p);
    assert_eq!(out.emission, [1_000_000, 0, 0]);
    assert_eq!(out.validator_emission, [1_000_000, 0, 0]);
    assert_eq!(out.server_emission, [0, 0, 0]);
}

#[test]
fn without_active_stake_emission_follows_stake() {
    // Nobody held a permit before this epoch, so no stake is active.
    let p = parts(vec![Vec::new(); 2], vec![300, 100], vec![false, false]);
    let (out, inter) = run_fixed(p);
    assert!(inter.active_stake.iter().all(|&s| s == I32F32::ZERO));
    assert_eq!(out.emission, [750_000, 250_000]);
    // ... and the new permits go to the staked uids.
    assert_eq!(out.validator_permits, [true, true]);
}

#[test]
fn rows_without_a_permit_and_self_weights_do_not_count() {
    let weights = vec![
        vec![(2, 100)],
        vec![(2, 100), (3, 100)],
        vec![(2, 100)],
        Vec::new(),
    ];
    let (_, inter) = run_fixed(parts(
        weights.clone(),
        vec![1, 1, 1, 0],
        vec![true, false, true, false],
    ));
    // Uid 1 has no permit; uid 2's only weight is on itself.
    assert_eq!(inter.weights[1], []);
    assert_eq!(inter.weights[2], []);
    assert_eq!(inter.weights[0], [(2, I32F32::ONE)]);
    // The subnet owner keeps its self-weight.
    let mut p = parts(weights, vec![1, 1, 1, 0], vec![true, false, true, false]);
    p.owner_uid = Some(2);
    let (_, inter) = run_fixed(p);
    assert_eq!(inter.weights[2], [(2, I32F32::ONE)]);
}

#[test]
fn weights_set_before_a_target_registered_are_dropped() {
    let mut p = parts(
        vec![vec![(1, 100), (2, 100)], Vec::new(), Vec::new()],
        vec![1, 0, 0],
        vec![true; 3],
    );
    p.last_update = vec![5, 0, 0];
    p.block_at_registration = vec![0, 5, 4];
    let (_, inter) = run_fixed(p);
    // Uid 1 registered in the very block of the update: outdated. Uid 2 before it: kept.
    assert_eq!(inter.weights[0], [(2, I32F32::ONE)]);
}

/// Yuma3 reads stored bonds as proportions; with no weights the EMA only decays them, unless the
/// bonded uid registered at or after `last_tempo`.
fn decayed_bonds(last_mechanism_step_block: u64, tempo: u16) -> SparseRow {
    let mut p = parts(vec![Vec::new(); 3], vec![1, 0, 0], vec![true, false, false]);
    p.params.yuma = crate::YumaVersion::Yuma3;
    p.params.tempo = tempo;
    p.bonds = vec![vec![(1, 65535), (2, 65535)], Vec::new(), Vec::new()];
    p.block_at_registration = vec![0, 5, 6];
    p.current_block = 10;
    p.last_mechanism_step_block = last_mechanism_step_block;
    run_fixed(p).0.bonds[0].clone()
}

#[test]
fn bonds_on_uids_registered_since_the_last_epoch_are_dropped() {
    // LastMechansimStepBlock 5: last_tempo = 6, so uid 2 (registered at 6) loses its bond and
    // uid 1 (at 5) keeps 90% of it (bonds moving average 0.9).
    assert_eq!(decayed_bonds(5, 360), [(1, 58981)]);
    // LastMechansimStepBlock 4: last_tempo = 5, both are new.
    assert_eq!(decayed_bonds(4, 360), []);
    // No previous epoch recorded: last_tempo = current_block − tempo = 10 − 4 = 6.
    assert_eq!(decayed_bonds(0, 4), [(1, 58981)]);
    assert_eq!(decayed_bonds(0, 3), [(1, 58981), (2, 58981)]);
}
