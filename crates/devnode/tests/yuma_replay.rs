//! The product's claim checked against a real runtime: `yuma::fixed::epoch`, fed only with what
//! chain storage held before an epoch, reproduces the `Incentive`, `Dividends` and `Consensus`
//! vectors the runtime itself stored.
//!
//! The devnet's own runtime (spec 293) is replayed through the `chain` crate's model in
//! `crates/chain/tests/devnet.rs`; this test keeps the oldest real epoch covered. Subtensor's
//! testnet genesis,
//! `chainspecs/raw_spec_testfinney.json` (`specs/testfinney.json.gz` here, gzip -9), carries a
//! spec_version 103 runtime from 2023 whose epoch is real Yuma. The chain is set up through
//! sudo extrinsics that runtime offers (`sudo_add_network`, `sudo_register` with stake), and
//! validators set their weights through signed `set_weights`; several epochs are compared, so
//! bonds carried from one epoch to the next are exercised.
//!
//! Known difference, not compared: spec 103 stores `Bonds` column-normalised, while the
//! `yuma` crate stores them column max-upscaled as current runtimes do. The next epoch reads
//! them back either way, which is why the dividends still match epoch after epoch.

#![allow(clippy::unwrap_used)]

#[path = "support/storage.rs"]
mod storage;

use core::time::Duration;
use std::io::Read as _;

use devnode::extrinsic::{Extrinsics, Value};
use devnode::scenario::DEV_SEED;
use devnode::{Chain, DevKeys, DevSpec, TransactionOutcome};
use storage::Read;

const TESTFINNEY_GZ: &[u8] = include_bytes!("../specs/testfinney.json.gz");
/// `:grandpa_authorities`, where runtimes of that age keep the GRANDPA set.
const GRANDPA_AUTHORITIES_WELL_KNOWN: &str = "0x3a6772616e6470615f617574686f726974696573";

const NETUID: u16 = 5;
const NEURONS: u16 = 12;
const VALIDATORS: u16 = 4;
const TEMPO: u16 = 5;
const EPOCHS: usize = 3;

/// testfinney's genesis with `alice` as authority and sudo. The devnode's patch writes the
/// GRANDPA set where current runtimes keep it; this runtime reads `:grandpa_authorities`
/// (`VersionedAuthorityList`: version 1, then the list), so that key is patched here too.
fn testfinney(alice: &DevKeys) -> Chain {
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(TESTFINNEY_GZ)
        .read_to_end(&mut json)
        .unwrap();
    let mut spec: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let mut authorities = vec![1, 4];
    authorities.extend_from_slice(&alice.grandpa_public());
    authorities.extend_from_slice(&1u64.to_le_bytes());
    spec["genesis"]["raw"]["top"][GRANDPA_AUTHORITIES_WELL_KNOWN] =
        format!("0x{}", hex::encode(authorities)).into();
    // Substitutes for testfinney's own history; this is a new chain.
    spec.as_object_mut().unwrap().remove("codeSubstitutes");
    let spec = DevSpec::patch(&serde_json::to_vec(&spec).unwrap(), alice).unwrap();
    Chain::new(&spec, alice.clone()).unwrap()
}

struct Node {
    chain: Chain,
    tx: Extrinsics,
}

impl Node {
    fn get(&self, item: &str, keys: &[Value]) -> Option<&[u8]> {
        let key = self.tx.storage_key("SubtensorModule", item, keys).unwrap();
        self.chain.storage(&key)
    }
    fn netuid_item(&self, item: &str) -> Option<&[u8]> {
        self.get(item, &[Value::Uint(NETUID.into())])
    }
    fn uid_item(&self, item: &str, uid: u16) -> Option<&[u8]> {
        self.get(item, &[Value::Uint(NETUID.into()), Value::Uint(uid.into())])
    }
    fn u64_of(bytes: Option<&[u8]>) -> u64 {
        bytes.map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap()))
    }
    fn last_epoch(&self) -> u64 {
        Self::u64_of(self.netuid_item("LastMechansimStepBlock"))
    }

    /// Submits `calls` signed by their signers, produces a block, requires success.
    fn include(&mut self, calls: Vec<(DevKeys, Vec<u8>)>) {
        for (signer, call) in &calls {
            let extrinsic = self.tx.sign(&self.chain, signer, call).unwrap();
            self.chain.submit_transaction(extrinsic);
        }
        self.chain.produce_block(Duration::ZERO).unwrap();
        for (i, outcome) in self.chain.last_transaction_outcomes().iter().enumerate() {
            assert_eq!(*outcome, TransactionOutcome::Success, "extrinsic {i}");
        }
    }

    /// What the next epoch reads: the state after the parent of the block that runs it.
    fn epoch_input(&self) -> yuma::EpochInput {
        let uids = 0..NEURONS;
        let stakes = uids
            .clone()
            .map(|uid| {
                let hotkey = self.uid_item("Keys", uid).unwrap().to_vec();
                Self::u64_of(self.get("TotalHotkeyStake", &[Value::Bytes(hotkey)]))
            })
            .collect();
        let rows = |item: &str| {
            uids.clone()
                .map(|uid| {
                    self.uid_item(item, uid)
                        .map_or(Vec::new(), |b| Read(b).pairs())
                })
                .collect()
        };
        let u16_param =
            |item: &str| u16::from_le_bytes(self.netuid_item(item).unwrap().try_into().unwrap());
        let params = yuma::EpochParams {
            kappa: u16_param("Kappa"),
            // Not stored for this subnet: the runtime's initial value applies.
            bonds_moving_average: self
                .netuid_item("BondsMovingAverage")
                .map_or(900_000, |b| Self::u64_of(Some(b))),
            max_allowed_validators: u16_param("MaxAllowedValidators"),
            activity_cutoff: u64::from(u16_param("ActivityCutoff")),
            tempo: u16_param("Tempo"),
            ..yuma::EpochParams::default()
        };
        yuma::EpochInput::new(yuma::EpochInputParts {
            weights: rows("Weights"),
            bonds: rows("Bonds"),
            alpha_stakes: stakes,
            tao_stakes: vec![0; usize::from(NEURONS)],
            validator_permits: Read(self.netuid_item("ValidatorPermit").unwrap()).bools(),
            last_update: Read(self.netuid_item("LastUpdate").unwrap()).u64s(),
            block_at_registration: uids
                .clone()
                .map(|uid| Self::u64_of(self.uid_item("BlockAtRegistration", uid)))
                .collect(),
            owner_uid: None,
            current_block: self.chain.best_block().number + 1,
            last_mechanism_step_block: self.last_epoch(),
            rao_emission: 0,
            params,
        })
        .unwrap()
    }
}

fn key(name: &str) -> DevKeys {
    DevKeys::from_secret_uri(&format!("{DEV_SEED}//replay//{name}")).unwrap()
}

#[test]
fn yuma_reproduces_a_real_runtimes_epochs() {
    let alice = DevKeys::alice();
    let mut chain = testfinney(&alice);
    let tx = Extrinsics::from_chain(&mut chain).unwrap();
    assert_eq!(tx.version().spec_version, 103);
    let mut node = Node { chain, tx };

    let hotkeys: Vec<DevKeys> = (0..NEURONS)
        .map(|uid| key(&format!("hotkey{uid}")))
        .collect();
    let coldkey = key("coldkey");
    let sudo = |node: &Node, call: &str, args: Vec<Value>| {
        let inner = node.tx.call("SubtensorModule", call, args).unwrap();
        let outer = node
            .tx
            .call("Sudo", "sudo", vec![Value::Encoded(inner)])
            .unwrap();
        (alice.clone(), outer)
    };
    let netuid = || Value::Uint(NETUID.into());
    let mut calls = vec![sudo(
        &node,
        "sudo_add_network",
        vec![netuid(), Value::Uint(TEMPO.into()), Value::Uint(0)],
    )];
    for (knob, value) in [
        ("sudo_set_max_registrations_per_block", u128::from(NEURONS)),
        (
            "sudo_set_target_registrations_per_interval",
            u128::from(NEURONS),
        ),
        ("sudo_set_weights_set_rate_limit", 0),
        ("sudo_set_min_allowed_weights", 1),
        ("sudo_set_max_weight_limit", u128::from(u16::MAX)),
        ("sudo_set_max_allowed_validators", u128::from(VALIDATORS)),
    ] {
        calls.push(sudo(&node, knob, vec![netuid(), Value::Uint(value)]));
    }
    for (uid, hotkey) in hotkeys.iter().enumerate() {
        // Validators 5, 4, 3, 2 thousand TAO; miners none.
        let stake = match u16::try_from(uid).unwrap() {
            uid if uid < VALIDATORS => u128::from(5 - uid) * 1_000_000_000_000,
            _ => 0,
        };
        calls.push(sudo(
            &node,
            "sudo_register",
            vec![
                netuid(),
                Value::account(hotkey.account_id()),
                Value::account(coldkey.account_id()),
                Value::Uint(stake),
                Value::Uint(1_000_000_000_000),
            ],
        ));
    }
    node.include(calls);

    let miners: Vec<u16> = (VALIDATORS..NEURONS).collect();
    let mut rng = 0x5eed_u64;
    let mut compared = 0;
    let mut last_weights_epoch = 0;
    while compared < EPOCHS {
        assert!(node.chain.best_block().number < 100, "epochs did not run");
        // After each epoch (permits exist from the first one), validators send fresh weights:
        // every miner's true worth plus per-validator noise.
        let epoch = node.last_epoch();
        if epoch > last_weights_epoch {
            last_weights_epoch = epoch;
            let calls = hotkeys[..usize::from(VALIDATORS)]
                .iter()
                .map(|hotkey| {
                    let weights: Vec<u16> = miners
                        .iter()
                        .map(|m| {
                            rng = rng
                                .wrapping_mul(6_364_136_223_846_793_005)
                                .wrapping_add(1_442_695_040_888_963_407);
                            m * 100 + (rng >> 55) as u16
                        })
                        .collect();
                    let call = node
                        .tx
                        .call(
                            "SubtensorModule",
                            "set_weights",
                            vec![
                                netuid(),
                                Value::u16s(&miners),
                                Value::u16s(&weights),
                                Value::Uint(0),
                            ],
                        )
                        .unwrap();
                    (hotkey.clone(), call)
                })
                .collect();
            node.include(calls);
            continue;
        }

        let input = node.epoch_input();
        node.chain.produce_block(Duration::ZERO).unwrap();
        if node.last_epoch() != node.chain.best_block().number {
            continue;
        }
        let any_weights = input.weights().iter().any(|row| !row.is_empty());
        if !any_weights {
            continue;
        }
        let out = yuma::fixed::epoch(&input);
        let stored = |item: &str| Read(node.netuid_item(item).unwrap()).u16s();
        let block = node.chain.best_block().number;
        assert_eq!(
            stored("Incentive"),
            out.incentive_u16,
            "Incentive at {block}"
        );
        assert_eq!(
            stored("Dividends"),
            out.dividends_u16,
            "Dividends at {block}"
        );
        assert_eq!(
            stored("Consensus"),
            out.consensus_u16,
            "Consensus at {block}"
        );
        assert_eq!(
            Read(node.netuid_item("ValidatorPermit").unwrap()).bools(),
            out.validator_permits,
            "ValidatorPermit at {block}"
        );
        // Not trivially equal: miners are paid, validators earn dividends.
        assert!(
            out.incentive_u16[usize::from(VALIDATORS)..]
                .iter()
                .all(|i| *i > 0)
        );
        assert!(
            out.dividends_u16[..usize::from(VALIDATORS)]
                .iter()
                .all(|d| *d > 0)
        );
        eprintln!(
            "epoch at block {block}: incentive {:?}, dividends {:?}",
            out.incentive_u16, out.dividends_u16
        );
        compared += 1;
    }
}
