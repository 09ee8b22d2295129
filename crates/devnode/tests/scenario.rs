//! The default scenario seeded into a fresh development chain through signed extrinsics, then
//! read back from storage with keys built from the runtime's metadata: subnets, neurons,
//! stakes, weight rows, and what the runtime's epoch wrote.
//!
//! The devnet's runtime (spec_version 293) runs the real Yuma epoch: after the weights, miners
//! earn incentive and consensus, validators dividends and bonds, each subnet under the rule the
//! scenario chose (Yuma1, Yuma3, Yuma3 with liquid alpha). Whether those numbers are exactly
//! Yuma's is `chain`'s replay test; this one checks that the scenario happened.

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
    Chain::new(&DevSpec::aura_dev(&alice).unwrap(), alice).unwrap()
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

    // The genesis has the root network and one subnet; the scenario adds its own.
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
    let sum = |f: fn(&devnode::scenario::SubnetPlan) -> u16| -> usize {
        scenario.subnets.iter().map(|p| usize::from(f(p))).sum()
    };
    let subnets = scenario.subnets.len();
    let neurons = sum(|p| p.neurons);
    let extra = sum(|p| p.extra_registrations);
    let validators = sum(|p| p.validators);
    let on_root = scenario
        .subnets
        .iter()
        .any(|p| p.stake_on == devnode::scenario::StakeOn::Root);
    let liquid = scenario
        .subnets
        .iter()
        .filter(|p| p.liquid_alpha.is_some())
        .count();
    let genesis_tempo = usize::from(scenario.genesis_subnet_tempo.is_some()); // netuid 1
    let expected = 1 + usize::from(on_root) + genesis_tempo // rate limit, root staking, tempo
        + neurons + extra + validators // funding: coldkeys, validator hotkeys
        + subnets // register_network
        + 10 * subnets + liquid // subnet knobs, the owners' liquid-alpha bounds
        + neurons - subnets + extra // burned_register
        + subnets // start_call
        + 2 * validators; // add_stake, set_weights
    assert_eq!(report.extrinsics, expected);

    for (i, (plan, netuid)) in scenario.subnets.iter().zip(&report.netuids).enumerate() {
        let netuid = *netuid;
        let n = usize::from(plan.neurons);
        let v = usize::from(plan.validators);
        let nid = Value::Uint(netuid.into());
        let one = std::slice::from_ref(&nid);
        assert_eq!(s.u16_of("SubnetworkN", one), plan.neurons);
        assert_eq!(s.u16_of("MaxAllowedUids", one), plan.max_uids);
        assert_eq!(s.u16_of("Tempo", one), plan.tempo);
        assert_eq!(s.get("CommitRevealWeightsEnabled", one), Some(&[0][..]));
        assert_eq!(
            s.get("Yuma3On", one).unwrap_or(&[0]),
            &[u8::from(plan.yuma3)][..]
        );
        assert_eq!(
            s.get("LiquidAlphaOn", one).unwrap_or(&[0]),
            &[u8::from(plan.liquid_alpha.is_some())][..]
        );
        if let Some((low, high)) = plan.liquid_alpha {
            let mut values = low.to_le_bytes().to_vec();
            values.extend_from_slice(&high.to_le_bytes());
            assert_eq!(s.get("AlphaValues", one), Some(&values[..]));
        }
        // Started: emission began the block after `start_call`.
        assert!(s.get("FirstEmissionBlockNumber", one).is_some());

        // Each uid holds the hotkey the scenario derived for it, except the miners the extra
        // registrations pruned: those uids now hold the extra hotkeys.
        let hotkeys: Vec<[u8; 32]> = (0..plan.neurons)
            .map(|uid| {
                s.get("Keys", &[nid.clone(), Value::Uint(uid.into())])
                    .unwrap()
                    .try_into()
                    .unwrap()
            })
            .collect();
        let mut replaced = 0;
        for uid in 0..plan.neurons {
            let (coldkey, hotkey) = neuron_keys(i, uid).unwrap();
            if hotkeys[usize::from(uid)] == hotkey.account_id() {
                let owner = s.get("Owner", &[Value::account(hotkey.account_id())]);
                assert_eq!(owner, Some(&coldkey.account_id()[..]));
            } else {
                assert!(usize::from(uid) >= v, "validator uid {uid} was pruned");
                replaced += 1;
            }
        }
        assert_eq!(replaced, plan.extra_registrations);
        for extra in plan.neurons..plan.neurons + plan.extra_registrations {
            let (_, hotkey) = neuron_keys(i, extra).unwrap();
            assert!(
                hotkeys.contains(&hotkey.account_id()),
                "extra {extra} is registered"
            );
        }
        let (_, owner_hotkey) = neuron_keys(i, 0).unwrap();
        assert_eq!(
            s.get("SubnetOwnerHotkey", one),
            Some(&owner_hotkey.account_id()[..])
        );

        // Validators' stake: alpha in the subnet's pool, or TAO on root (emission only adds).
        for (uid, staked) in plan.validator_stakes.iter().enumerate() {
            let (_, hotkey) = neuron_keys(i, uid as u16).unwrap();
            let stake_netuid = match plan.stake_on {
                devnode::scenario::StakeOn::Root => 0,
                _ => netuid,
            };
            let stake = s.u64_of(
                "TotalHotkeyAlpha",
                &[
                    Value::account(hotkey.account_id()),
                    Value::Uint(stake_netuid.into()),
                ],
            );
            if stake_netuid == 0 {
                assert!(stake >= *staked, "uid {uid}: {stake} < {staked}");
            } else {
                // Alpha bought through the pool: less than the TAO spent once the price rose.
                assert!(
                    stake > 0 && stake < *staked,
                    "uid {uid}: {stake} alpha for {staked}"
                );
            }
        }
        if plan.stake_on == devnode::scenario::StakeOn::Subnet {
            // The pool holds the lock's TAO plus what was staked.
            let tao_in = s.u64_of("SubnetTAO", one);
            let staked: u64 = plan.validator_stakes.iter().sum();
            assert!(tao_in > staked, "{tao_in} <= {staked}");
        }

        // Weight rows: one per validator, over all original miners, max-upscaled.
        for uid in 0..v {
            let row = Read(
                s.get("Weights", &[nid.clone(), Value::Uint(uid as u128)])
                    .unwrap(),
            )
            .pairs();
            let dests: Vec<u16> = row.iter().map(|(d, _)| *d).collect();
            assert_eq!(dests, (plan.validators..plan.neurons).collect::<Vec<_>>());
            assert_eq!(row.iter().map(|(_, w)| *w).max(), Some(u16::MAX));
        }
        let last_update = s.of("LastUpdate", netuid).u64s();
        assert_eq!(last_update.len(), n);
        assert!(last_update[..v].iter().all(|b| *b == report.weights_block));

        // What the real epoch wrote: permits for the staked validators, incentive and
        // consensus for miners, dividends for validators (each vector a u16 share summing to
        // about 65535), bonds held by validators.
        let permits = s.of("ValidatorPermit", netuid).bools();
        assert_eq!(permits.len(), n);
        assert!(permits[..v].iter().all(|p| *p), "{permits:?}");
        assert!(permits[v..].iter().all(|p| !*p), "{permits:?}");
        let incentive = s.of("Incentive", netuid).u16s();
        let dividends = s.of("Dividends", netuid).u16s();
        let consensus = s.of("Consensus", netuid).u16s();
        for (name, values) in [("Incentive", &incentive), ("Dividends", &dividends)] {
            let total: u32 = values.iter().map(|x| u32::from(*x)).sum();
            assert!(
                (65_535 - n as u32..=65_535).contains(&total),
                "{name}({netuid}) sums to {total}: {values:?}"
            );
        }
        assert!(incentive[..v].iter().all(|x| *x == 0), "{incentive:?}");
        assert!(dividends[v..].iter().all(|x| *x == 0), "{dividends:?}");
        assert!(consensus[v..].iter().any(|x| *x > 0), "{consensus:?}");
        for uid in 0..v {
            let bonds = s.get("Bonds", &[nid.clone(), Value::Uint(uid as u128)]);
            assert!(bonds.is_some_and(|b| b.len() > 1), "uid {uid} holds bonds");
        }
        let emission = s.of("Emission", netuid).u64s();
        assert!(emission.iter().any(|e| *e > 0), "{emission:?}");
    }
}

#[test]
fn a_failing_extrinsic_is_named() {
    // With no funding a miner cannot pay the burn of `burned_register` (the call is fee-free,
    // so it reaches the pallet, which refuses it); the owner has its stake, enough to lock.
    let mut chain = chain();
    let scenario = Scenario::parse(
        r#"{"funding_tao": 0, "subnets":[{"tempo":5,"neurons":2,"validators":1,"validator_stake_tao":[2000]}]}"#,
    )
    .unwrap();
    let error = scenario.seed(&mut chain, Duration::ZERO).unwrap_err();
    match &error {
        ScenarioError::Failed { label, reason, .. } => {
            assert_eq!(label, "subnet 0: SubtensorModule.burned_register neuron 1");
            assert_eq!(reason, "SubtensorModule.NotEnoughBalanceToStake");
            assert!(
                error.to_string().starts_with(
                    "extrinsic subnet 0: SubtensorModule.burned_register neuron 1 failed in block "
                ),
                "{error}"
            );
        }
        other => panic!("unexpected error {other}"),
    }
}
