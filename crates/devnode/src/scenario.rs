//! A Bittensor scenario seeded into the development chain through ordinary signed extrinsics:
//! subnets registered and started by their owners, neurons registered by burning TAO,
//! validators staking into the subnets' pools and setting weights, so the runtime itself
//! computes each subnet's epochs.
//!
//! # Overview
//!
//! A [`Scenario`] is read from JSON (`tests/scenarios/*.json` at the repository root; the
//! default one is embedded, see [`Scenario::default_scenario`]). [`Scenario::seed`] then
//! drives a [`Chain`] block by block, one Aura slot per block:
//!
//! 1. `//Alice` (the sudo key) funds every coldkey and validator hotkey
//!    (`Balances.force_set_balance`), lifts the subnet registration rate limit, sets the tempo
//!    of the genesis's own subnets (`genesis_subnet_tempo`) and, when a subnet stakes on root,
//!    enables staking there (`sudo_set_subtoken_enabled(0)`);
//! 2. each subnet's owner coldkey calls `SubtensorModule.register_network` with its hotkey,
//!    which becomes uid 0 (registering locks at least 1,000 TAO, doubling per registration);
//! 3. `//Alice` sets the subnet's knobs through `AdminUtils` (tempo, registration limits,
//!    weights rate limit 0, commit-reveal off, validator count, immunity, uid slots, Yuma3,
//!    liquid alpha), the owner sets its liquid-alpha bounds (the runtime accepts them from the
//!    owner only), and the other neurons call `burned_register`;
//! 4. once `DurationOfStartCall` blocks have passed since registration, each owner calls
//!    `start_call`: without it a subnet gets no emission and refuses stake;
//! 5. validators call `add_stake`, into the subnet's own pool (`"stake_on": "subnet"`, so the
//!    subnet's price and alpha move) or on root;
//! 6. an epoch passes on every subnet, which gives the staked validators their permits
//!    (`set_weights` needs one), then validator hotkeys call `set_weights` on the miners;
//! 7. blocks are produced until every subnet has run an epoch after the weights;
//! 8. subnets with `extra_registrations` register that many more neurons than they have uid
//!    slots: each new hotkey takes the slot of the lowest pruning score outside immunity, the
//!    pruning a dashboard shows; then one more epoch runs on each of those subnets.
//!
//! Every extrinsic goes through the runtime's own validation; one that fails stops seeding
//! with an error naming it and the runtime's reason (`SubtensorModule.NotEnoughBalanceToStake`).
//! Calls that do not fit in a block (`ExhaustsResources`) move to the next one.
//!
//! Keys are derived from the development phrase by hard junctions: neuron `uid` of the
//! scenario's subnet `s` (its position in the file) has coldkey `//coldkey//s//uid` and hotkey
//! `//hotkey//s//uid` ([`neuron_keys`]); the extra registrations continue the numbering past
//! `neurons`. Uids `0..validators` are validators, uid 0 owns the subnet, the rest are miners.
//!
//! # The runtime (spec_version 293)
//!
//! subtensor's `aura-dev` build of July 2025: dTAO subnet pools (TAO in, alpha in and out, a
//! swap pool whose price moves with every stake), the real epoch with Yuma3 and liquid alpha as
//! per-subnet switches (liquid alpha only acts on Yuma3 subnets), a `fast-runtime` build (1 s
//! blocks, `DurationOfStartCall` 10 blocks). The seeding needs nothing else from it.
//!
//! Left out: commit-reveal weights, child keys, delegation by nominators, axon serving.

use core::time::Duration;
use std::collections::VecDeque;

use serde_json::{Map, Value as Json};

use crate::chain::{Chain, ProduceError, TransactionOutcome};
use crate::extrinsic::{ExtrinsicError, Extrinsics, Value};
use crate::keys::{DevKeys, KeyError};

/// The secret seed of Substrate's development phrase (`bottom drive obey ...`). URIs built on it
/// derive the same keys as `//coldkey//...` on the phrase, without the phrase's 2,048 PBKDF2
/// rounds per key (a quarter of a second each in a debug build).
pub const DEV_SEED: &str = "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e";

/// One TAO in rao.
pub const RAO_PER_TAO: u64 = 1_000_000_000;

/// Extrinsics offered to one block; more wait for the next (the block's weight limit, not
/// this number, usually decides how many fit).
const MAX_PER_BLOCK: usize = 64;

/// The scenario embedded in the binary, `tests/scenarios/default.json` at the repository root.
const DEFAULT_JSON: &str = include_str!("../../../tests/scenarios/default.json");

/// Why a scenario could not be read or seeded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The scenario file could not be read.
    #[error("scenario file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("scenario is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field is missing, unknown, or out of range.
    #[error("scenario field `{field}`: {reason}")]
    Field {
        /// Path of the field, e.g. `subnets[1].validators`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A development key could not be derived.
    #[error("key {uri}: {source}")]
    Key {
        /// The secret URI.
        uri: String,
        /// Why.
        #[source]
        source: KeyError,
    },
    /// An extrinsic could not be built, or the runtime metadata could not be read.
    #[error(transparent)]
    Extrinsic(#[from] ExtrinsicError),
    /// A block could not be produced.
    #[error(transparent)]
    Produce(#[from] ProduceError),
    /// The runtime refused or failed an extrinsic.
    #[error("extrinsic {label} failed in block {block}: {reason}")]
    Failed {
        /// Which extrinsic (`subnet 1: SubtensorModule.burned_register uid 3`).
        label: String,
        /// Block that carried or refused it.
        block: u64,
        /// The runtime's reason, named from the metadata.
        reason: String,
    },
    /// No queued extrinsic fitted in an otherwise empty block.
    #[error("extrinsic {0} does not fit in a block")]
    TooHeavy(String),
    /// A registered subnet could not be found in storage afterwards.
    #[error("subnet {0} of the scenario was registered but its netuid was not found")]
    NetuidNotFound(usize),
    /// A storage value the seeding reads does not decode.
    #[error("storage {0} does not decode")]
    Storage(String),
    /// No epoch ran on a subnet within the expected number of blocks.
    #[error("no epoch ran on netuid {netuid} within {blocks} blocks after the weights")]
    NoEpoch {
        /// The subnet.
        netuid: u16,
        /// Blocks waited.
        blocks: u64,
    },
}

/// How validators spread their weights over the miners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeightPattern {
    /// Every miner gets the same weight.
    Uniform,
    /// Every validator draws independent weights.
    Random,
    /// Miners have a hidden quality; each validator sees it with `noise_percent` of noise, so
    /// validators mostly agree (the case Yuma consensus is built for).
    NoisyQuality {
        /// Maximum relative error of a validator's view, in percent (0..=100).
        noise_percent: u8,
    },
}

/// Where validators put their stake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StakeOn {
    /// The root network (netuid 0): TAO stake that counts on every subnet through `TaoWeight`.
    Root,
    /// The subnet itself: TAO swapped into the subnet's alpha through its pool.
    Subnet,
}

/// One subnet of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetPlan {
    /// Blocks between epochs.
    pub tempo: u16,
    /// Neurons, the owner included (2..=256).
    pub neurons: u16,
    /// Validators: uids `0..validators`, uid 0 being the owner.
    pub validators: u16,
    /// Stake of each validator, in rao.
    pub validator_stakes: Vec<u64>,
    /// Where the stake goes.
    pub stake_on: StakeOn,
    /// How validators weigh miners.
    pub weights: WeightPattern,
    /// `Yuma3On`: bonds as per-validator proportions instead of the original EMA.
    pub yuma3: bool,
    /// `LiquidAlphaOn` with the owner's `(alpha_low, alpha_high)` (u16 proportions), or off.
    pub liquid_alpha: Option<(u16, u16)>,
    /// `MaxAllowedUids`: uid slots (at least `neurons`).
    pub max_uids: u16,
    /// Neurons registered after the weights, beyond the slots: each prunes one.
    pub extra_registrations: u16,
    /// `ImmunityPeriod` in blocks, for new neurons.
    pub immunity_period: u16,
}

/// A scenario: subnets to create and a seed for the random parts. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Seed of the weights' randomness.
    pub seed: u64,
    /// Free balance given to every coldkey, in rao.
    pub funding: u64,
    /// The subnets, in registration order.
    pub subnets: Vec<SubnetPlan>,
    /// Tempo for the subnets the genesis already has (netuid 1 on the devnet: tempo 100), so
    /// that their epochs come as often as the scenario's; `None` leaves them as they are.
    pub genesis_subnet_tempo: Option<u16>,
}

/// What [`Scenario::seed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Netuid of each scenario subnet, in file order.
    pub netuids: Vec<u16>,
    /// Extrinsics included, all successful.
    pub extrinsics: usize,
    /// First block produced by the seeding.
    pub first_block: u64,
    /// Last block produced by the seeding.
    pub last_block: u64,
    /// Block that included the last weights.
    pub weights_block: u64,
    /// Per subnet, the block of the first epoch after the weights.
    pub epoch_blocks: Vec<u64>,
    /// Clock value for the next block (one slot after the last one produced).
    pub next_time: Duration,
}

/// Coldkey and hotkey of neuron `uid` of the scenario's subnet `subnet` (its position in the
/// file): `//coldkey//subnet//uid` and `//hotkey//subnet//uid`.
///
/// # Errors
///
/// [`ScenarioError::Key`] if derivation fails (it does not for these URIs).
pub fn neuron_keys(subnet: usize, uid: u16) -> Result<(DevKeys, DevKeys), ScenarioError> {
    Ok((
        keys(&format!("{DEV_SEED}//coldkey//{subnet}//{uid}"))?,
        keys(&format!("{DEV_SEED}//hotkey//{subnet}//{uid}"))?,
    ))
}

fn keys(uri: &str) -> Result<DevKeys, ScenarioError> {
    DevKeys::from_secret_uri(uri).map_err(|source| ScenarioError::Key {
        uri: uri.into(),
        source,
    })
}

impl Scenario {
    /// Reads a scenario from JSON. Unknown fields are refused so typos do not pass silently.
    ///
    /// ```json
    /// { "seed": 7, "funding_tao": 100000,
    ///   "subnets": [ { "tempo": 10, "neurons": 16, "validators": 4,
    ///                  "validator_stake_tao": [4000, 2000, 1000, 500],
    ///                  "stake_on": "root",
    ///                  "weights": { "pattern": "noisy_quality", "noise_percent": 20 } } ] }
    /// ```
    ///
    /// `seed` (default 0), `funding_tao` (default 100,000), `stake_on` (default `root`) and
    /// `weights` (default `noisy_quality` with 20% noise) may be left out. Patterns: `uniform`,
    /// `random`, `noisy_quality`.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Json`] for bad JSON, [`ScenarioError::Field`] naming the field
    /// otherwise.
    pub fn parse(json: &str) -> Result<Scenario, ScenarioError> {
        let root: Json = serde_json::from_str(json)?;
        let obj = object(&root, "")?;
        known_fields(
            obj,
            "",
            &["seed", "funding_tao", "subnets", "genesis_subnet_tempo"],
        )?;
        let genesis_subnet_tempo = match optional_u64(obj, "", "genesis_subnet_tempo")? {
            None => None,
            Some(_) => Some(required_range(
                obj,
                "",
                "genesis_subnet_tempo",
                1..=u64::from(u16::MAX),
            )?),
        };
        let seed = optional_u64(obj, "", "seed")?.unwrap_or(0);
        let funding_tao = optional_u64(obj, "", "funding_tao")?.unwrap_or(100_000);
        let funding = tao_to_rao(funding_tao, "funding_tao")?;
        let subnets = match obj.get("subnets") {
            Some(Json::Array(items)) if !items.is_empty() => items
                .iter()
                .enumerate()
                .map(|(i, item)| subnet_plan(item, &format!("subnets[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            Some(Json::Array(_)) => return Err(field("subnets", "needs at least one subnet")),
            Some(_) => return Err(field("subnets", "expected an array")),
            None => return Err(field("subnets", "missing")),
        };
        if subnets.len() > 32 {
            return Err(field("subnets", "at most 32 subnets"));
        }
        Ok(Scenario {
            seed,
            funding,
            subnets,
            genesis_subnet_tempo,
        })
    }

    /// Reads and parses a scenario file (what a `--scenario PATH` flag takes).
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Io`] naming the path when it cannot be read, otherwise as
    /// [`parse`](Self::parse).
    pub fn from_file(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// The scenario in `tests/scenarios/default.json`, embedded at build time: three subnets
    /// of 16, 24 and 32 neurons with four to six validators and tempos of 10 to 20 blocks.
    pub fn default_scenario() -> Scenario {
        // The embedded file is parsed by the `default_scenario_parses` test, so this holds.
        #[allow(clippy::expect_used)]
        Self::parse(DEFAULT_JSON).expect("tests/scenarios/default.json is a valid scenario")
    }

    /// Seeds the scenario into `chain`: produces blocks, the first at `start` and then one
    /// slot later each, until every extrinsic is in and an epoch ran on each new subnet after
    /// the weights were set. See the module documentation for the steps.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] when the runtime rejects an extrinsic (the error names it and the
    /// runtime's reason), a block cannot be produced, or no epoch runs in time.
    pub fn seed(&self, chain: &mut Chain, start: Duration) -> Result<SeedReport, ScenarioError> {
        let mut run = Run {
            tx: Extrinsics::from_chain(chain)?,
            clock: start,
            slot: Duration::from_millis(chain.slot_duration().get()),
            first_block: chain.best_block().number + 1,
            included: 0,
        };
        let alice = chain.keys().clone();
        // Every neuron's keys, the extra registrations last.
        let neurons: Vec<Vec<(DevKeys, DevKeys)>> = self
            .subnets
            .iter()
            .enumerate()
            .map(|(s, plan)| {
                (0..plan.neurons + plan.extra_registrations)
                    .map(|uid| neuron_keys(s, uid))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<_, _>>()?;

        // 1. Funding and the global knobs.
        let mut jobs = vec![run.sudo(
            "AdminUtils",
            "sudo_set_network_rate_limit",
            vec![Value::Uint(0)],
            &alice,
        )?];
        if let Some(tempo) = self.genesis_subnet_tempo {
            for netuid in run.existing_subnets(chain)? {
                jobs.push(run.sudo(
                    "AdminUtils",
                    "sudo_set_tempo",
                    vec![Value::Uint(netuid.into()), Value::Uint(tempo.into())],
                    &alice,
                )?);
            }
        }
        if self.subnets.iter().any(|p| p.stake_on == StakeOn::Root) {
            jobs.push(run.sudo(
                "AdminUtils",
                "sudo_set_subtoken_enabled",
                vec![Value::Uint(0), Value::Bool(true)],
                &alice,
            )?);
        }
        for (s, plan) in self.subnets.iter().enumerate() {
            for (uid, (coldkey, hotkey)) in neurons[s].iter().enumerate() {
                let stake = plan.validator_stakes.get(uid).copied().unwrap_or(0);
                jobs.push(run.fund(&alice, coldkey, self.funding.saturating_add(stake), s, uid)?);
                if uid < usize::from(plan.validators) {
                    // Hotkeys sign `set_weights`; an account without balance cannot sign.
                    jobs.push(run.fund(&alice, hotkey, RAO_PER_TAO, s, uid)?);
                }
            }
        }
        run.execute(chain, jobs)?;

        // 2. Subnets, each by its owner (uid 0).
        let mut jobs = Vec::new();
        for (s, keys) in neurons.iter().enumerate() {
            let (owner_cold, owner_hot) = &keys[0];
            let call = run.tx.call(
                "SubtensorModule",
                "register_network",
                vec![Value::account(owner_hot.account_id())],
            )?;
            jobs.push(Job::new(
                format!("subnet {s}: SubtensorModule.register_network"),
                owner_cold,
                call,
            ));
        }
        let registered_at = run.execute(chain, jobs)?;
        let netuids = neurons
            .iter()
            .enumerate()
            .map(|(s, keys)| run.find_netuid(chain, s, &keys[0].1))
            .collect::<Result<Vec<u16>, _>>()?;

        // 3. Knobs and registrations: one queue, split over blocks by weight.
        let mut jobs = Vec::new();
        for (s, plan) in self.subnets.iter().enumerate() {
            let netuid = Value::Uint(netuids[s].into());
            let knobs: [(&str, Vec<Value>); 10] = [
                ("sudo_set_tempo", vec![Value::Uint(plan.tempo.into())]),
                (
                    "sudo_set_max_registrations_per_block",
                    vec![Value::Uint(
                        (plan.neurons + plan.extra_registrations).into(),
                    )],
                ),
                (
                    "sudo_set_target_registrations_per_interval",
                    vec![Value::Uint(
                        (plan.neurons + plan.extra_registrations).into(),
                    )],
                ),
                ("sudo_set_weights_set_rate_limit", vec![Value::Uint(0)]),
                (
                    "sudo_set_commit_reveal_weights_enabled",
                    vec![Value::Bool(false)],
                ),
                (
                    "sudo_set_max_allowed_validators",
                    vec![Value::Uint(plan.validators.into())],
                ),
                (
                    "sudo_set_max_allowed_uids",
                    vec![Value::Uint(plan.max_uids.into())],
                ),
                (
                    "sudo_set_immunity_period",
                    vec![Value::Uint(plan.immunity_period.into())],
                ),
                ("sudo_set_yuma3_enabled", vec![Value::Bool(plan.yuma3)]),
                (
                    "sudo_set_liquid_alpha_enabled",
                    vec![Value::Bool(plan.liquid_alpha.is_some())],
                ),
            ];
            for (name, args) in knobs {
                let mut all = vec![netuid.clone()];
                all.extend(args);
                let mut job = run.sudo("AdminUtils", name, all, &alice)?;
                job.label = format!("subnet {s}: {}", job.label);
                jobs.push(job);
            }
        }
        for (s, keys) in neurons.iter().enumerate() {
            let plan = &self.subnets[s];
            for (uid, (coldkey, hotkey)) in
                keys.iter().enumerate().take(plan.neurons.into()).skip(1)
            {
                jobs.push(run.register(netuids[s], s, uid, coldkey, hotkey)?);
            }
        }
        run.execute(chain, jobs)?;

        // The owner's liquid-alpha bounds (only the owner may set them, once it is on).
        let mut jobs = Vec::new();
        for (s, plan) in self.subnets.iter().enumerate() {
            if let Some((low, high)) = plan.liquid_alpha {
                let call = run.tx.call(
                    "AdminUtils",
                    "sudo_set_alpha_values",
                    vec![
                        Value::Uint(netuids[s].into()),
                        Value::Uint(low.into()),
                        Value::Uint(high.into()),
                    ],
                )?;
                jobs.push(Job::new(
                    format!("subnet {s}: AdminUtils.sudo_set_alpha_values"),
                    &neurons[s][0].0,
                    call,
                ));
            }
        }
        run.execute(chain, jobs)?;

        // 4. `start_call` once the runtime allows it.
        let start_after = registered_at + run.duration_of_start_call()?;
        while chain.best_block().number < start_after {
            run.produce(chain)?;
        }
        let mut jobs = Vec::new();
        for (s, keys) in neurons.iter().enumerate() {
            let call = run.tx.call(
                "SubtensorModule",
                "start_call",
                vec![Value::Uint(netuids[s].into())],
            )?;
            jobs.push(Job::new(
                format!("subnet {s}: SubtensorModule.start_call"),
                &keys[0].0,
                call,
            ));
        }
        run.execute(chain, jobs)?;

        // 5. Stakes.
        let mut jobs = Vec::new();
        for (s, plan) in self.subnets.iter().enumerate() {
            let stake_netuid = match plan.stake_on {
                StakeOn::Root => 0,
                StakeOn::Subnet => netuids[s],
            };
            for (uid, stake) in plan.validator_stakes.iter().enumerate() {
                let (coldkey, hotkey) = &neurons[s][uid];
                let call = run.tx.call(
                    "SubtensorModule",
                    "add_stake",
                    vec![
                        Value::account(hotkey.account_id()),
                        Value::Uint(stake_netuid.into()),
                        Value::Uint(u128::from(*stake)),
                    ],
                )?;
                jobs.push(Job::new(
                    format!("subnet {s}: SubtensorModule.add_stake uid {uid}"),
                    coldkey,
                    call,
                ));
            }
        }
        let staked = run.execute(chain, jobs)?;

        // 6. Permits come from an epoch after the stakes.
        run.until_epochs(chain, &netuids, &self.subnets, staked)?;

        // 4. Weights, from every validator onto the miners.
        let mut jobs = Vec::new();
        for (s, plan) in self.subnets.iter().enumerate() {
            let miners: Vec<u16> = (plan.validators..plan.neurons).collect();
            let weights = plan.weight_rows(self.seed, s, miners.len());
            for (uid, row) in weights.iter().enumerate() {
                let call = run.tx.call(
                    "SubtensorModule",
                    "set_weights",
                    vec![
                        Value::Uint(netuids[s].into()),
                        Value::u16s(&miners),
                        Value::u16s(row),
                        Value::Uint(0),
                    ],
                )?;
                jobs.push(Job::new(
                    format!("subnet {s}: SubtensorModule.set_weights uid {uid}"),
                    &neurons[s][uid].1,
                    call,
                ));
            }
        }
        let weights_block = run.execute(chain, jobs)?;

        // 7. An epoch on every subnet after the weights.
        let mut epoch_blocks = run.until_epochs(chain, &netuids, &self.subnets, weights_block)?;

        // 8. Registrations beyond the slots prune, then each such subnet runs one more epoch.
        let mut jobs = Vec::new();
        let mut pruned = Vec::new();
        for (s, plan) in self.subnets.iter().enumerate() {
            for uid in plan.neurons..plan.neurons + plan.extra_registrations {
                let (coldkey, hotkey) = &neurons[s][usize::from(uid)];
                jobs.push(run.register(netuids[s], s, usize::from(uid), coldkey, hotkey)?);
            }
            if plan.extra_registrations > 0 {
                pruned.push(s);
            }
        }
        if !jobs.is_empty() {
            let registered = run.execute(chain, jobs)?;
            let again: Vec<u16> = pruned.iter().map(|s| netuids[*s]).collect();
            let plans: Vec<SubnetPlan> = pruned.iter().map(|s| self.subnets[*s].clone()).collect();
            let blocks = run.until_epochs(chain, &again, &plans, registered)?;
            for (s, block) in pruned.iter().zip(blocks) {
                epoch_blocks[*s] = block;
            }
        }

        Ok(SeedReport {
            netuids,
            extrinsics: run.included,
            first_block: run.first_block,
            last_block: chain.best_block().number,
            weights_block,
            epoch_blocks,
            next_time: run.clock,
        })
    }
}

impl SubnetPlan {
    /// One weight row per validator over `miners` miners, deterministic in `seed`.
    fn weight_rows(&self, seed: u64, subnet: usize, miners: usize) -> Vec<Vec<u16>> {
        let mut rng = SplitMix(seed ^ (subnet as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        // Hidden quality of each miner, 100..=1000 (‰).
        let quality: Vec<u64> = (0..miners).map(|_| 100 + rng.below(901)).collect();
        (0..self.validators)
            .map(|_| {
                quality
                    .iter()
                    .map(|q| match self.weights {
                        WeightPattern::Uniform => u16::MAX,
                        WeightPattern::Random => 1 + rng.below(u64::from(u16::MAX)) as u16,
                        WeightPattern::NoisyQuality { noise_percent } => {
                            let noise = u64::from(noise_percent);
                            // quality × (1 ± noise), in ‰ of 65 (so 1000 ‰ ≈ 65,000).
                            let factor = 100 - noise + rng.below(2 * noise + 1);
                            (q * factor * 65 / 100).clamp(1, u64::from(u16::MAX)) as u16
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// A queued extrinsic: what it is, who signs it, the encoded call.
struct Job {
    label: String,
    signer: DevKeys,
    call: Vec<u8>,
}

impl Job {
    fn new(label: String, signer: &DevKeys, call: Vec<u8>) -> Self {
        Job {
            label,
            signer: signer.clone(),
            call,
        }
    }
}

/// The seeding's running state: extrinsic builder and clock.
struct Run {
    tx: Extrinsics,
    clock: Duration,
    slot: Duration,
    first_block: u64,
    included: usize,
}

impl Run {
    fn sudo(
        &self,
        pallet: &str,
        call: &str,
        args: Vec<Value>,
        alice: &DevKeys,
    ) -> Result<Job, ScenarioError> {
        let inner = self.tx.call(pallet, call, args)?;
        let outer = self.tx.call("Sudo", "sudo", vec![Value::Encoded(inner)])?;
        Ok(Job::new(
            format!("Sudo.sudo({pallet}.{call})"),
            alice,
            outer,
        ))
    }

    fn fund(
        &self,
        alice: &DevKeys,
        who: &DevKeys,
        amount: u64,
        subnet: usize,
        uid: usize,
    ) -> Result<Job, ScenarioError> {
        let address = Value::Variant("Id".into(), vec![Value::account(who.account_id())]);
        let mut job = self.sudo(
            "Balances",
            "force_set_balance",
            vec![address, Value::Uint(amount.into())],
            alice,
        )?;
        job.label = format!("subnet {subnet} uid {uid}: {}", job.label);
        Ok(job)
    }

    fn register(
        &self,
        netuid: u16,
        subnet: usize,
        uid: usize,
        coldkey: &DevKeys,
        hotkey: &DevKeys,
    ) -> Result<Job, ScenarioError> {
        let call = self.tx.call(
            "SubtensorModule",
            "burned_register",
            vec![
                Value::Uint(netuid.into()),
                Value::account(hotkey.account_id()),
            ],
        )?;
        Ok(Job::new(
            format!("subnet {subnet}: SubtensorModule.burned_register neuron {uid}"),
            coldkey,
            call,
        ))
    }

    /// `DurationOfStartCall`: blocks between registering a subnet and `start_call`.
    fn duration_of_start_call(&self) -> Result<u64, ScenarioError> {
        let constant = self
            .tx
            .metadata()
            .constant("SubtensorModule", "DurationOfStartCall")
            .ok_or_else(|| ScenarioError::Storage("constant DurationOfStartCall".into()))?;
        <[u8; 8]>::try_from(&constant.value[..])
            .map(u64::from_le_bytes)
            .map_err(|_| ScenarioError::Storage("constant DurationOfStartCall".into()))
    }

    /// Produces blocks until each of `netuids` has run an epoch after block `after`; returns
    /// the block of each one's epoch.
    fn until_epochs(
        &mut self,
        chain: &mut Chain,
        netuids: &[u16],
        plans: &[SubnetPlan],
        after: u64,
    ) -> Result<Vec<u64>, ScenarioError> {
        let mut epoch_blocks = vec![None; netuids.len()];
        let longest_tempo = plans.iter().map(|p| u64::from(p.tempo)).max();
        let limit = longest_tempo.unwrap_or(0) + 2;
        for waited in 1..=limit {
            self.produce(chain)?;
            let best = chain.best_block().number;
            for (i, netuid) in netuids.iter().enumerate() {
                if epoch_blocks[i].is_none() && self.last_epoch(chain, *netuid)? > after {
                    epoch_blocks[i] = Some(best);
                }
            }
            if epoch_blocks.iter().all(Option::is_some) {
                break;
            }
            if waited == limit {
                let i = epoch_blocks.iter().position(Option::is_none).unwrap_or(0);
                return Err(ScenarioError::NoEpoch {
                    netuid: netuids[i],
                    blocks: limit,
                });
            }
        }
        Ok(epoch_blocks.into_iter().flatten().collect())
    }

    fn produce(&mut self, chain: &mut Chain) -> Result<(), ScenarioError> {
        chain.produce_block(self.clock)?;
        self.clock += self.slot;
        Ok(())
    }

    /// Includes every job, in order, over as many blocks as needed; returns the last block.
    fn execute(&mut self, chain: &mut Chain, jobs: Vec<Job>) -> Result<u64, ScenarioError> {
        let mut queue: VecDeque<Job> = jobs.into();
        while !queue.is_empty() {
            // Nonces come from storage each block, so extrinsics left out are simply re-signed.
            self.tx.forget_nonces();
            let batch: Vec<Job> = queue.drain(..queue.len().min(MAX_PER_BLOCK)).collect();
            for job in &batch {
                chain.submit_transaction(self.tx.sign(chain, &job.signer, &job.call)?);
            }
            self.produce(chain)?;
            let block = chain.best_block().number;
            let outcomes = chain.last_transaction_outcomes().to_vec();
            let mut retry = Vec::new();
            let mut included = 0;
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let reason = match &outcome {
                    TransactionOutcome::Success => {
                        included += 1;
                        continue;
                    }
                    TransactionOutcome::DispatchFailed(error) => {
                        self.tx.describe_dispatch_error(error)
                    }
                    // Block full (ExhaustsResources), or a nonce gap left by such a one
                    // (Future): the next block takes it.
                    TransactionOutcome::Invalid(result) if matches!(result[..], [1, 0, 6 | 2]) => {
                        retry.push(job);
                        continue;
                    }
                    TransactionOutcome::Invalid(result) => Extrinsics::describe_invalid(result),
                    TransactionOutcome::Rejected(why) => why.clone(),
                };
                return Err(ScenarioError::Failed {
                    label: job.label,
                    block,
                    reason,
                });
            }
            self.included += included;
            if let Some(first) = retry.first()
                && included == 0
            {
                return Err(ScenarioError::TooHeavy(first.label.clone()));
            }
            for job in retry.into_iter().rev() {
                queue.push_front(job);
            }
        }
        Ok(chain.best_block().number)
    }

    /// The subnets (netuids above 0) the chain has before seeding.
    fn existing_subnets(&self, chain: &Chain) -> Result<Vec<u16>, ScenarioError> {
        let mut out = Vec::new();
        for netuid in 1..=u16::from(u8::MAX) {
            let key = self.tx.storage_key(
                "SubtensorModule",
                "NetworksAdded",
                &[Value::Uint(netuid.into())],
            )?;
            if chain.storage(&key) == Some(&[1][..]) {
                out.push(netuid);
            }
        }
        Ok(out)
    }

    /// The netuid whose owner hotkey is `owner_hotkey`.
    fn find_netuid(
        &self,
        chain: &Chain,
        subnet: usize,
        owner_hotkey: &DevKeys,
    ) -> Result<u16, ScenarioError> {
        let account = owner_hotkey.account_id();
        for netuid in 1..=u16::from(u8::MAX) {
            let key = self.tx.storage_key(
                "SubtensorModule",
                "SubnetOwnerHotkey",
                &[Value::Uint(netuid.into())],
            )?;
            if chain.storage(&key) == Some(&account[..]) {
                return Ok(netuid);
            }
        }
        Err(ScenarioError::NetuidNotFound(subnet))
    }

    /// Block of the last epoch of `netuid` (`LastMechansimStepBlock`, spelled as the runtime
    /// spells it).
    fn last_epoch(&self, chain: &Chain, netuid: u16) -> Result<u64, ScenarioError> {
        let key = self.tx.storage_key(
            "SubtensorModule",
            "LastMechansimStepBlock",
            &[Value::Uint(netuid.into())],
        )?;
        match chain.storage(&key) {
            None => Ok(0),
            Some(bytes) => <[u8; 8]>::try_from(bytes)
                .map(u64::from_le_bytes)
                .map_err(|_| ScenarioError::Storage(format!("LastMechansimStepBlock({netuid})"))),
        }
    }
}

/// A small deterministic generator (SplitMix64); the weights only need to look varied.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-enough in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn field(field: &str, reason: impl Into<String>) -> ScenarioError {
    ScenarioError::Field {
        field: field.into(),
        reason: reason.into(),
    }
}

fn path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.into()
    } else {
        format!("{prefix}.{name}")
    }
}

fn object<'a>(value: &'a Json, at: &str) -> Result<&'a Map<String, Json>, ScenarioError> {
    value.as_object().ok_or_else(|| {
        field(
            if at.is_empty() { "(top level)" } else { at },
            "expected an object",
        )
    })
}

fn known_fields(obj: &Map<String, Json>, at: &str, known: &[&str]) -> Result<(), ScenarioError> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(field(
            &path(at, unknown),
            format!("unknown field (expected one of: {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

fn optional_u64(
    obj: &Map<String, Json>,
    at: &str,
    name: &str,
) -> Result<Option<u64>, ScenarioError> {
    match obj.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| field(&path(at, name), "expected a non-negative integer")),
    }
}

fn required_range(
    obj: &Map<String, Json>,
    at: &str,
    name: &str,
    range: core::ops::RangeInclusive<u64>,
) -> Result<u16, ScenarioError> {
    let value = optional_u64(obj, at, name)?.ok_or_else(|| field(&path(at, name), "missing"))?;
    if !range.contains(&value) {
        return Err(field(
            &path(at, name),
            format!(
                "{value} is out of range {}..={}",
                range.start(),
                range.end()
            ),
        ));
    }
    u16::try_from(value).map_err(|_| field(&path(at, name), "does not fit 16 bits"))
}

fn tao_to_rao(tao: u64, at: &str) -> Result<u64, ScenarioError> {
    tao.checked_mul(RAO_PER_TAO)
        .ok_or_else(|| field(at, format!("{tao} TAO does not fit in u64 rao")))
}

fn subnet_plan(value: &Json, at: &str) -> Result<SubnetPlan, ScenarioError> {
    let obj = object(value, at)?;
    known_fields(
        obj,
        at,
        &[
            "tempo",
            "neurons",
            "validators",
            "validator_stake_tao",
            "stake_on",
            "weights",
            "yuma",
            "liquid_alpha",
            "max_uids",
            "extra_registrations",
            "immunity_period",
        ],
    )?;
    let tempo = required_range(obj, at, "tempo", 1..=u64::from(u16::MAX))?;
    let neurons = required_range(obj, at, "neurons", 2..=256)?;
    let validators = required_range(obj, at, "validators", 1..=u64::from(neurons - 1))?;
    let stakes_at = path(at, "validator_stake_tao");
    let validator_stakes = match obj.get("validator_stake_tao") {
        Some(Json::Array(items)) => {
            if items.len() != usize::from(validators) {
                return Err(field(
                    &stakes_at,
                    format!(
                        "expected {validators} values (one per validator), got {}",
                        items.len()
                    ),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let at = format!("{stakes_at}[{i}]");
                    match v.as_u64() {
                        Some(tao) if tao > 0 => tao_to_rao(tao, &at),
                        _ => Err(field(&at, "expected a positive integer (TAO)")),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        Some(_) => return Err(field(&stakes_at, "expected an array of TAO amounts")),
        None => return Err(field(&stakes_at, "missing")),
    };
    let stake_on = match obj.get("stake_on").map(|v| v.as_str()) {
        None | Some(Some("root")) => StakeOn::Root,
        Some(Some("subnet")) => StakeOn::Subnet,
        Some(_) => {
            return Err(field(
                &path(at, "stake_on"),
                "expected \"root\" or \"subnet\"",
            ));
        }
    };
    let weights = match obj.get("weights") {
        None => WeightPattern::NoisyQuality { noise_percent: 20 },
        Some(value) => weight_pattern(value, &path(at, "weights"))?,
    };
    let yuma3 = match obj.get("yuma").map(|v| v.as_str()) {
        None | Some(Some("yuma1")) => false,
        Some(Some("yuma3")) => true,
        Some(_) => return Err(field(&path(at, "yuma"), "expected \"yuma1\" or \"yuma3\"")),
    };
    let la_at = path(at, "liquid_alpha");
    let liquid_alpha = match obj.get("liquid_alpha") {
        None | Some(Json::Bool(false)) => None,
        // The runtime's defaults, 0.7 and 0.9 as u16 proportions.
        Some(Json::Bool(true)) => Some((45_875, 58_982)),
        Some(value @ Json::Object(_)) => {
            let o = object(value, &la_at)?;
            known_fields(o, &la_at, &["alpha_low", "alpha_high"])?;
            // The runtime's bounds: 1638 <= low <= high.
            let low = required_range(o, &la_at, "alpha_low", 1638..=u64::from(u16::MAX))?;
            let high = required_range(
                o,
                &la_at,
                "alpha_high",
                u64::from(low)..=u64::from(u16::MAX),
            )?;
            Some((low, high))
        }
        Some(_) => {
            return Err(field(
                &la_at,
                "expected true, false or {alpha_low, alpha_high}",
            ));
        }
    };
    if liquid_alpha.is_some() && !yuma3 {
        return Err(field(
            &la_at,
            "liquid alpha only acts on Yuma3 subnets: add \"yuma\": \"yuma3\"",
        ));
    }
    let max_uids = match optional_u64(obj, at, "max_uids")? {
        None => 256,
        Some(_) => required_range(obj, at, "max_uids", u64::from(neurons)..=256)?,
    };
    let extra_registrations = match optional_u64(obj, at, "extra_registrations")? {
        None => 0,
        Some(_) => required_range(
            obj,
            at,
            "extra_registrations",
            0..=u64::from(max_uids - validators - 1),
        )?,
    };
    if extra_registrations > 0 && max_uids != neurons {
        return Err(field(
            &path(at, "extra_registrations"),
            "registrations prune only when the slots are full: set max_uids to neurons",
        ));
    }
    let immunity_period = match optional_u64(obj, at, "immunity_period")? {
        None => 5000,
        Some(_) => required_range(obj, at, "immunity_period", 0..=u64::from(u16::MAX))?,
    };
    Ok(SubnetPlan {
        tempo,
        neurons,
        validators,
        validator_stakes,
        stake_on,
        weights,
        yuma3,
        liquid_alpha,
        max_uids,
        extra_registrations,
        immunity_period,
    })
}

fn weight_pattern(value: &Json, at: &str) -> Result<WeightPattern, ScenarioError> {
    let obj = object(value, at)?;
    let pattern_at = path(at, "pattern");
    match obj.get("pattern").map(|v| v.as_str()) {
        Some(Some("uniform")) => {
            known_fields(obj, at, &["pattern"])?;
            Ok(WeightPattern::Uniform)
        }
        Some(Some("random")) => {
            known_fields(obj, at, &["pattern"])?;
            Ok(WeightPattern::Random)
        }
        Some(Some("noisy_quality")) => {
            known_fields(obj, at, &["pattern", "noise_percent"])?;
            let noise = optional_u64(obj, at, "noise_percent")?.unwrap_or(20);
            let noise_percent =
                u8::try_from(noise)
                    .ok()
                    .filter(|n| *n <= 100)
                    .ok_or_else(|| {
                        field(
                            &path(at, "noise_percent"),
                            format!("{noise} is out of range 0..=100"),
                        )
                    })?;
            Ok(WeightPattern::NoisyQuality { noise_percent })
        }
        Some(_) => Err(field(
            &pattern_at,
            "expected \"uniform\", \"random\" or \"noisy_quality\"",
        )),
        None => Err(field(&pattern_at, "missing")),
    }
}

#[cfg(test)]
mod tests;
