//! The default scenario seeded into a fresh development chain through signed extrinsics, then
//! read back from storage with keys built from the runtime's metadata: subnets, neurons,
//! stakes, weight rows, and what the runtime's epoch wrote.
//!
//! The raonet runtime (spec_version 218) runs `epoch_mock` (see the `devnode::scenario` module
//! docs): it writes stake-proportional `Emission` and `StakeWeight` and zero `Incentive` and
//! `Dividends`. The test checks exactly that, so a runtime with a real Yuma epoch makes it fail
//! here and the expectations must move with it.

#![allow(clippy::unwrap_used)]

#[path = "support/storage.rs"]
mod storage;

use core::time::Duration;

use devnode::extrinsic::{Extrinsics, Value};
use devnode::scenario::{Scenario, ScenarioError, neuron_keys};
use devnode::{Chain, DevKeys, DevSpec};
use storage::Read;

fn chain() -> Chain {
    let alice = DevKeys::alice();
    Chain::new(&DevSpec::raonet(&alice).unwrap(), alice).unwrap()
}

struct Storage<'a> {
    chain: &'a Chain,
    tx: &'a Extrinsics,
}

impl Storage<'_> {
    fn get(&self, item: &str, keys: &[Value]) -> Option<&[u8]> {
        let key = self.tx.storage_key("SubtensorModule", item, keys).unwrap();
        self.chain.storage(&key)
    }
    fn of(&self, item: &str, netuid: u16) -> Read<'_> {
        Read(
            self.get(item, &[Value::Uint(netuid.into())])
                .unwrap_or_else(|| panic!("{item}({netuid}) is empty")),
        )
    }
    fn u16_of(&self, item: &str, keys: &[Value]) -> u16 {
        u16::from_le_bytes(self.get(item, keys).unwrap().try_into().unwrap())
    }
    fn u64_of(&self, item: &str, keys: &[Value]) -> u64 {
        self.get(item, keys)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap()))
    }
}

#[test]
fn default_scenario_seeds_subnets_stakes_and_weights() {
    let mut chain = chain();
    let scenario = Scenario::default_scenario();
    let started = std::time::Instant::now();
    let report = scenario.seed(&mut chain, Duration::ZERO).unwrap();
    eprintln!(
        "seeded in {:.1} s: blocks {}..={}, {} extrinsics, weights in block {}, epochs at {:?}, netuids {:?}",
        started.elapsed().as_secs_f64(),
        report.first_block,
        report.last_block,
        report.extrinsics,
        report.weights_block,
        report.epoch_blocks,
        report.netuids,
    );

    let tx = Extrinsics::from_chain(&mut chain).unwrap();
    let s = Storage {
        chain: &chain,
        tx: &tx,
    };

    // raonet's genesis has the root network and one subnet; the scenario adds its own.
    let genesis_networks = 2;
    assert_eq!(
        s.u16_of("TotalNetworks", &[]),
        genesis_networks + scenario.subnets.len() as u16
    );
    let mut sorted = report.netuids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), scenario.subnets.len());

    // Every extrinsic of the plan made it in, each successful.
    let neurons: usize = scenario
        .subnets
        .iter()
        .map(|p| usize::from(p.neurons))
        .sum();
    let validators: usize = scenario
        .subnets
        .iter()
        .map(|p| usize::from(p.validators))
        .sum();
    let expected = 1 // network rate limit
        + neurons + validators // funding: coldkeys, validator hotkeys
        + scenario.subnets.len() // register_network
        + 6 * scenario.subnets.len() // subnet knobs
        + neurons - scenario.subnets.len() // burned_register
        + 2 * validators; // add_stake, set_weights
    assert_eq!(report.extrinsics, expected);

    for (i, (plan, netuid)) in scenario.subnets.iter().zip(&report.netuids).enumerate() {
        let netuid = *netuid;
        let n = usize::from(plan.neurons);
        let v = usize::from(plan.validators);
        let nid = Value::Uint(netuid.into());
        assert_eq!(
            s.u16_of("SubnetworkN", std::slice::from_ref(&nid)),
            plan.neurons
        );
        assert_eq!(s.u16_of("Tempo", std::slice::from_ref(&nid)), plan.tempo);
        assert_eq!(
            s.get("CommitRevealWeightsEnabled", std::slice::from_ref(&nid)),
            Some(&[0][..])
        );

        // Each uid holds the hotkey the scenario derived for it.
        for uid in 0..plan.neurons {
            let (coldkey, hotkey) = neuron_keys(i, uid).unwrap();
            let key = [nid.clone(), Value::Uint(uid.into())];
            assert_eq!(s.get("Keys", &key), Some(&hotkey.account_id()[..]));
            let owner = s.get("Owner", &[Value::account(hotkey.account_id())]);
            assert_eq!(owner, Some(&coldkey.account_id()[..]));
        }
        let (_, owner_hotkey) = neuron_keys(i, 0).unwrap();
        assert_eq!(
            s.get("SubnetOwnerHotkey", std::slice::from_ref(&nid)),
            Some(&owner_hotkey.account_id()[..])
        );

        // Validators' stake sits on the root network, at least what they staked (root
        // dividends only add to it).
        for (uid, staked) in plan.validator_stakes.iter().enumerate() {
            let (_, hotkey) = neuron_keys(i, uid as u16).unwrap();
            let on_root = s.u64_of(
                "TotalHotkeyAlpha",
                &[Value::account(hotkey.account_id()), Value::Uint(0)],
            );
            assert!(on_root >= *staked, "uid {uid}: {on_root} < {staked}");
        }

        // Weight rows: one per validator, over all miners, max-upscaled by the runtime.
        for uid in 0..v {
            let row = Read(
                s.get("Weights", &[nid.clone(), Value::Uint(uid as u128)])
                    .unwrap(),
            )
            .pairs();
            let dests: Vec<u16> = row.iter().map(|(d, _)| *d).collect();
            assert_eq!(dests, (plan.validators..plan.neurons).collect::<Vec<_>>());
            assert_eq!(row.iter().map(|(_, w)| *w).max(), Some(u16::MAX));
            assert!(row.iter().all(|(_, w)| *w > 0));
        }
        for uid in v..n {
            assert!(
                s.get("Weights", &[nid.clone(), Value::Uint(uid as u128)])
                    .is_none()
            );
        }
        let last_update = s.of("LastUpdate", netuid).u64s();
        assert_eq!(last_update.len(), n);
        assert!(last_update[..v].iter().all(|b| *b == report.weights_block));

        // What the epoch wrote after the weights. Stake weights: u16 proportions of the
        // stake, summing to about 65535, largest for the largest stake.
        let stake_weight = s.of("StakeWeight", netuid).u16s();
        assert_eq!(stake_weight.len(), n);
        let total: u32 = stake_weight.iter().map(|w| u32::from(*w)).sum();
        assert!(
            (65_535 - 2 * n as u32..=65_535).contains(&total),
            "sum {total}"
        );
        // Among validators, more root stake gives more weight; uid 0 also holds the owner's
        // cut of every block's emission. Miners have no stake.
        for a in 1..v {
            for b in 1..v {
                if plan.validator_stakes[a] > plan.validator_stakes[b] {
                    assert!(stake_weight[a] > stake_weight[b], "{stake_weight:?}");
                }
            }
        }
        assert!(stake_weight[0] > 0);
        assert!(
            stake_weight[v..].iter().all(|w| *w == 0),
            "{stake_weight:?}"
        );
        let emission = s.of("Emission", netuid).u64s();
        assert_eq!(emission.len(), n);
        // Emission follows the stake weights: zero exactly where they are zero.
        for (e, w) in emission.iter().zip(&stake_weight) {
            assert_eq!(*e == 0, *w == 0, "{emission:?} vs {stake_weight:?}");
        }
        let permits = s.of("ValidatorPermit", netuid).bools();
        assert_eq!(permits.len(), n);
        assert!(permits[..v].iter().all(|p| *p));

        // raonet's mock epoch: no consensus, so these stay zero (see the file header).
        for item in ["Incentive", "Dividends", "Consensus"] {
            let values = s.of(item, netuid).u16s();
            assert_eq!(values, vec![0; n], "{item}({netuid})");
        }
        assert!(s.get("Bonds", &[nid.clone(), Value::Uint(0)]).is_none());
    }
}

#[test]
fn a_failing_extrinsic_is_named() {
    // With no funding a miner cannot pay the 1 TAO burn of `burned_register` (the call is
    // fee-free, so it reaches the pallet, which refuses it).
    let mut chain = chain();
    let scenario = Scenario::parse(
        r#"{"funding_tao": 0, "subnets":[{"tempo":5,"neurons":2,"validators":1,"validator_stake_tao":[1]}]}"#,
    )
    .unwrap();
    let error = scenario.seed(&mut chain, Duration::ZERO).unwrap_err();
    match &error {
        ScenarioError::Failed { label, reason, .. } => {
            assert_eq!(label, "subnet 0: SubtensorModule.burned_register uid 1");
            assert_eq!(reason, "SubtensorModule.NotEnoughBalanceToStake");
            assert!(
                error.to_string().starts_with(
                    "extrinsic subnet 0: SubtensorModule.burned_register uid 1 failed in block "
                ),
                "{error}"
            );
        }
        other => panic!("unexpected error {other}"),
    }
}
