//! A stand-in for the slice of subtensor's storage that `epoch_mechanism` reads, driven by the
//! same calls subtensor's epoch tests make (`register`, stake, `set_weights`, `epoch`), and a
//! replayer for the JSON scenarios in `tests/data/subtensor/`.
//!
//! It reproduces only what reaches the epoch: registration blocks, `LastUpdate`, stored
//! (max-upscaled) weights, `Bonds` and `ValidatorPermit` written back by each epoch, the
//! `Emission` vector (which decides who is pruned), alpha stake, and the hyperparameters.
//! Balances, the AMM, coinbase and commit-reveal are left out: none of them changes an epoch
//! input in the scenarios replayed here (each test disables commit-reveal or never commits, and
//! keeps automatic epochs off with a high tempo while stepping blocks).

use serde_json::Value;
use substrate_fixed::types::I32F32;
use yuma::{EpochInput, EpochInputParts, EpochOutput, EpochParams, LiquidAlpha, SparseRow};

/// subtensor's `INITIAL_ACTIVITY_CUTOFF_FACTOR_MILLI`: since "Dynamic tempo" (d30a76f) the epoch
/// reads its activity cutoff as `max(1, factor × tempo / 1000)` blocks
/// (`get_activity_cutoff_blocks`), not the deprecated `ActivityCutoff` item.
pub const ACTIVITY_CUTOFF_FACTOR_MILLI: u64 = 13_889;

/// The storage one subnet's epoch reads, as the mock runtime holds it.
#[derive(Clone, Debug)]
pub struct Subnet {
    /// `System::block_number()`.
    pub block: u64,
    /// `Tempo`.
    pub tempo: u16,
    /// Hyperparameters other than tempo and activity cutoff (derived at epoch time).
    pub params: EpochParams,
    /// Alpha stake per uid (of the hotkey currently holding the uid).
    pub stakes: Vec<u64>,
    /// `Weights` rows as stored: in the order `set_weights` was given, max-upscaled.
    pub weights: Vec<SparseRow>,
    /// `Bonds` rows as stored.
    pub bonds: Vec<SparseRow>,
    /// `ValidatorPermit` (false for a new uid, as `append_neuron` pushes).
    pub permits: Vec<bool>,
    /// `LastUpdate`.
    pub last_update: Vec<u64>,
    /// `BlockAtRegistration`.
    pub block_at_registration: Vec<u64>,
    /// `Emission` as the last epoch stored it (drives `get_neuron_to_prune`).
    pub emission: Vec<u64>,
    /// The subnet owner's uid when `SubnetOwnerHotkey` is registered.
    pub owner_uid: Option<u16>,
    /// `LiquidAlphaOn`.
    pub liquid_alpha_on: bool,
    /// `BondsResetOn`.
    pub bonds_reset_on: bool,
    /// `AlphaValues` and `AlphaSigmoidSteepness`, kept in storage whether or not liquid alpha
    /// is on.
    pub alpha: LiquidAlpha,
}

impl Subnet {
    /// `add_network_disable_commit_reveal(netuid, tempo)` at `block`: Yuma1, the mock runtime's
    /// initial hyperparameters, and `init_new_network`'s explicit `MaxAllowedValidators` 64.
    pub fn new(block: u64, tempo: u16) -> Self {
        Subnet {
            block,
            tempo,
            params: EpochParams {
                max_allowed_validators: 64,
                ..EpochParams::default()
            },
            stakes: Vec::new(),
            weights: Vec::new(),
            bonds: Vec::new(),
            permits: Vec::new(),
            last_update: Vec::new(),
            block_at_registration: Vec::new(),
            emission: Vec::new(),
            owner_uid: None,
            liquid_alpha_on: false,
            bonds_reset_on: false,
            // The mock's InitialAlphaLow/High (0.7, 0.9) and InitialAlphaSigmoidSteepness.
            alpha: LiquidAlpha::default(),
        }
    }

    /// Number of uids (`SubnetworkN`).
    pub fn n(&self) -> usize {
        self.stakes.len()
    }

    /// `append_neuron(netuid, hotkey, block)`: a new uid registered at `block`.
    pub fn append(&mut self, block: u64) -> u16 {
        let uid = self.n() as u16;
        self.stakes.push(0);
        self.weights.push(Vec::new());
        self.bonds.push(Vec::new());
        self.permits.push(false);
        self.last_update.push(block);
        self.block_at_registration.push(block);
        self.emission.push(0);
        uid
    }

    /// `register` / `burned_register` at the current block.
    pub fn register(&mut self) -> u16 {
        self.append(self.block)
    }

    /// The uid `get_neuron_to_prune` picks when every uid is immune (all scenarios here register
    /// within the immunity period): least emission, then earliest registration, then lowest uid.
    pub fn neuron_to_prune(&self) -> u16 {
        (0..self.n())
            .min_by_key(|&uid| (self.emission[uid], self.block_at_registration[uid], uid))
            .map_or(0, |uid| uid as u16)
    }

    /// `replace_neuron(netuid, uid, new_hotkey, block)` at the current block, with
    /// `clear_neuron`: the new hotkey has no stake, its own weights and bonds rows are removed,
    /// weights others set on it become 0 (the entries stay), and its permit is cleared.
    pub fn replace(&mut self, uid: u16) {
        let u = usize::from(uid);
        self.block_at_registration[u] = self.block;
        self.last_update[u] = self.block;
        self.stakes[u] = 0;
        self.emission[u] = 0;
        self.bonds[u].clear();
        self.weights[u].clear();
        for row in &mut self.weights {
            for (j, w) in row.iter_mut() {
                if *j == uid {
                    *w = 0;
                }
            }
        }
        self.permits[u] = false;
    }

    /// `do_reset_bonds` for the hotkey at `uid`: with `BondsResetOn`, every validator's bond on
    /// that uid is removed; without it, nothing happens.
    pub fn reset_bonds(&mut self, uid: u16) {
        if !self.bonds_reset_on {
            return;
        }
        for row in &mut self.bonds {
            row.retain(|&(j, _)| j != uid);
        }
    }

    /// `set_weights` from `uid` with commit-reveal off: checks the permit rule the extrinsic
    /// applies (a scenario that the chain would refuse is a transcription error), stores the
    /// max-upscaled values in the given order and stamps `LastUpdate`.
    pub fn set_weights(&mut self, uid: u16, dests: &[u16], values: &[u16]) {
        assert_eq!(
            dests.len(),
            values.len(),
            "set_weights: uids and values differ in length"
        );
        let self_weight = values.len() == 1 && dests.first() == Some(&uid);
        assert!(
            self_weight || self.owner_uid == Some(uid) || self.permits[usize::from(uid)],
            "set_weights from uid {uid} would fail on chain: NeuronNoValidatorPermit"
        );
        let stored = vec_u16_max_upscale_to_u16(values);
        self.weights[usize::from(uid)] = dests.iter().copied().zip(stored).collect();
        self.last_update[usize::from(uid)] = self.block;
    }

    /// The epoch input the runtime would read now (`SubtensorModule::epoch` called directly, so
    /// `LastMechansimStepBlock` is 0).
    pub fn input(&self, rao_emission: u64) -> EpochInput {
        let n = self.n();
        let mut params = self.params.clone();
        params.tempo = self.tempo;
        params.liquid_alpha = self.liquid_alpha_on.then_some(self.alpha);
        params.activity_cutoff =
            (ACTIVITY_CUTOFF_FACTOR_MILLI * u64::from(self.tempo) / 1000).max(1);
        // get_weights_sparse drops targets at or beyond n.
        let weights = self
            .weights
            .iter()
            .map(|row| {
                row.iter()
                    .copied()
                    .filter(|&(j, _)| usize::from(j) < n)
                    .collect()
            })
            .collect();
        EpochInput::new(EpochInputParts {
            weights,
            bonds: self.bonds.clone(),
            alpha_stakes: self.stakes.clone(),
            tao_stakes: vec![0; n],
            validator_permits: self.permits.clone(),
            last_update: self.last_update.clone(),
            block_at_registration: self.block_at_registration.clone(),
            owner_uid: self.owner_uid,
            current_block: self.block,
            last_mechanism_step_block: 0,
            rao_emission,
            params,
        })
        .expect("the mock subnet is always consistent")
    }

    /// `SubtensorModule::epoch(netuid, rao_emission)`: runs the fixed-point epoch and persists
    /// what the runtime persists (bonds of every uid, permits, emission).
    pub fn epoch(&mut self, rao_emission: u64) -> EpochOutput {
        let out = yuma::fixed::epoch(&self.input(rao_emission));
        self.bonds.clone_from(&out.bonds);
        self.permits.clone_from(&out.validator_permits);
        self.emission.clone_from(&out.emission);
        out
    }

    /// `get_bonds`: stored bonds as a dense matrix of u16 (absent entries are 0).
    pub fn dense_bonds(&self) -> Vec<Vec<u16>> {
        let n = self.n();
        self.bonds
            .iter()
            .map(|row| {
                let mut dense = vec![0u16; n];
                for &(j, v) in row {
                    if let Some(cell) = dense.get_mut(usize::from(j)) {
                        *cell = v;
                    }
                }
                dense
            })
            .collect()
    }
}

/// `vec_u16_max_upscale_to_u16` (subtensor math.rs): scales so the largest value is 65535,
/// rounding half away from zero in `I32F32`, with the same two code paths around 32768.
pub fn vec_u16_max_upscale_to_u16(values: &[u16]) -> Vec<u16> {
    let vec: Vec<I32F32> = values
        .iter()
        .map(|&v| I32F32::saturating_from_num(v))
        .collect();
    let u16_max = I32F32::saturating_from_num(u16::MAX);
    let threshold = I32F32::saturating_from_num(32768);
    let Some(&max) = vec.iter().max() else {
        return Vec::new();
    };
    if max == I32F32::from_num(0) {
        return vec
            .iter()
            .map(|e| e.saturating_mul(u16_max).saturating_to_num::<u16>())
            .collect();
    }
    if max > threshold {
        let scale = u16_max.checked_div(max).unwrap_or_default();
        return vec
            .iter()
            .map(|e| e.saturating_mul(scale).round().saturating_to_num::<u16>())
            .collect();
    }
    vec.iter()
        .map(|e| {
            e.saturating_mul(u16_max)
                .checked_div(max)
                .unwrap_or_default()
                .round()
                .saturating_to_num::<u16>()
        })
        .collect()
}

/// `set_alpha_values_32(low, high)`: proportions given as `I32F32::from_num(f64)`, stored as
/// `(x × 65535)` truncated to u16.
pub fn alpha_values_32(low: f64, high: f64) -> (u16, u16) {
    let to_u16 = |x: f64| {
        I32F32::from_num(x)
            .saturating_mul(I32F32::saturating_from_num(u16::MAX))
            .saturating_to_num::<u16>()
    };
    (to_u16(low), to_u16(high))
}

/// Number of individual values a replay compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Values the subtensor test itself asserts (`assert_eq!`, `assert_approx_eq`, `assert!`).
    pub asserted: usize,
    /// Values only printed in the test's trace comments (`E: [...]`), checked as well.
    pub traced: usize,
}

impl core::ops::AddAssign for Tally {
    fn add_assign(&mut self, rhs: Self) {
        self.asserted += rhs.asserted;
        self.traced += rhs.traced;
    }
}

/// Replays one JSON scenario file; panics with the step and field on the first mismatch.
pub fn replay(file: &str, text: &str) -> Tally {
    let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
    known_keys(
        file,
        doc.as_object()
            .unwrap_or_else(|| panic!("{file}: not an object")),
        &[
            "subtensor_test",
            "source",
            "description",
            "network",
            "steps",
        ],
    );
    let network = doc.get("network").cloned().unwrap_or(Value::Null);
    let mut net = Subnet::new(
        get_u64(&network, "block").unwrap_or(1),
        get_u64(&network, "tempo").map_or(360, |t| t as u16),
    );
    apply_params(&mut net, &network);
    let steps = doc
        .get("steps")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{file}: `steps` must be an array"));
    let mut tally = Tally::default();
    let mut remembered: std::collections::BTreeMap<String, Vec<Vec<u16>>> = Default::default();
    let mut epoch_index = 0usize;
    for (k, step) in steps.iter().enumerate() {
        let at = format!("{file} step {k}");
        let obj = step
            .as_object()
            .unwrap_or_else(|| panic!("{at}: not an object"));
        known_keys(&at, obj, STEP_KEYS);
        if let Some(e) = obj.get("epoch").and_then(Value::as_object) {
            known_keys(&at, e, EPOCH_KEYS);
        }
        if let Some(b) = get_u64(step, "block") {
            assert!(b >= net.block, "{at}: blocks only move forward");
            net.block = b;
        }
        match step.get("register") {
            None => {}
            // `append_neuron(netuid, hotkey, block)` called directly with an explicit block.
            Some(Value::Object(r)) => {
                let count = r.get("count").and_then(Value::as_u64).unwrap_or(1);
                let block = r
                    .get("at_block")
                    .and_then(Value::as_u64)
                    .unwrap_or_else(|| panic!("{at}: register.at_block"));
                for _ in 0..count {
                    net.append(block);
                }
            }
            Some(v) => {
                for _ in 0..v.as_u64().unwrap_or_else(|| panic!("{at}: register count")) {
                    net.register();
                }
            }
        }
        if let Some(stakes) = step.get("stake") {
            for (uid, s) in u64s(stakes, &at).into_iter().enumerate() {
                net.stakes[uid] += s;
            }
        }
        if let Some(p) = step.get("set") {
            apply_params(&mut net, p);
        }
        if let Some(st) = step.get("storage") {
            write_storage(&mut net, st, &at);
        }
        if let Some(list) = step.get("set_weights") {
            for call in list
                .as_array()
                .unwrap_or_else(|| panic!("{at}: set_weights is a list"))
            {
                let dests: Vec<u16> = u64s(&call["dests"], &at)
                    .iter()
                    .map(|&x| x as u16)
                    .collect();
                let values: Vec<u16> = u64s(&call["values"], &at)
                    .iter()
                    .map(|&x| x as u16)
                    .collect();
                let uids: Vec<u64> = match call.get("uid") {
                    Some(u) => vec![u.as_u64().unwrap_or_else(|| panic!("{at}: uid"))],
                    None => u64s(&call["uids"], &at),
                };
                for uid in uids {
                    net.set_weights(uid as u16, &dests, &values);
                }
            }
        }
        if let Some(r) = step.get("replace") {
            let uid = get_u64(r, "uid").unwrap_or_else(|| panic!("{at}: replace.uid")) as u16;
            assert_eq!(
                net.neuron_to_prune(),
                uid,
                "{at}: the chain would prune another uid"
            );
            net.replace(uid);
        }
        if let Some(r) = step.get("reset_bonds") {
            let uid = get_u64(r, "uid").unwrap_or_else(|| panic!("{at}: reset_bonds.uid")) as u16;
            net.reset_bonds(uid);
        }
        if let Some(e) = obj.get("epoch") {
            let rao = get_u64(e, "rao_emission").unwrap_or(1_000_000_000);
            let out = net.epoch(rao);
            let at = format!("{at} (epoch {epoch_index} at block {})", net.block);
            let bonds = net.dense_bonds();
            if let Some(exp) = e.get("expect") {
                tally.asserted += check_exact(&at, exp, &out, &bonds);
            }
            if let Some(exp) = e.get("trace") {
                tally.traced += check_exact(&at, exp, &out, &bonds);
            }
            if let Some(exp) = e.get("expect_approx") {
                tally.asserted += check_approx(&at, exp, &out, &bonds);
            }
            if let Some(list) = e.get("expect_relations") {
                tally.asserted += check_relations(&at, list, &out, &bonds, &remembered);
            }
            if let Some(exp) = e.get("intended_bonds") {
                tally.traced += check_approx(&at, exp, &out, &bonds);
            }
            if let Some(exp) = e.get("expect_total_emission") {
                let total: u64 = out
                    .server_emission
                    .iter()
                    .chain(&out.validator_emission)
                    .sum();
                let want = get_u64(exp, "value").unwrap_or_else(|| panic!("{at}: value"));
                let tol = get_u64(exp, "tolerance").unwrap_or(0);
                assert!(
                    total.abs_diff(want) <= tol,
                    "{at}: incentive + dividend emission {total}, expected {want} ± {tol}"
                );
                tally.asserted += 1;
            }
            if let Some(name) = e.get("remember_bonds").and_then(Value::as_str) {
                remembered.insert(name.to_owned(), bonds);
            }
            epoch_index += 1;
        }
    }
    tally
}

/// What a step may do, in the order it is done: move to a block, register, stake, change
/// settings, write storage directly, set weights, replace a uid, reset bonds, run the epoch.
const STEP_KEYS: &[&str] = &[
    "block",
    "register",
    "stake",
    "set",
    "storage",
    "set_weights",
    "replace",
    "reset_bonds",
    "epoch",
    "note",
];

/// What an epoch step may check.
const EPOCH_KEYS: &[&str] = &[
    "rao_emission",
    "expect",
    "trace",
    "expect_approx",
    "intended_bonds",
    "expect_relations",
    "expect_total_emission",
    "remember_bonds",
];

/// A misspelt key would silently skip a check, so every key must be known.
fn known_keys(at: &str, obj: &serde_json::Map<String, Value>, known: &[&str]) {
    for key in obj.keys() {
        assert!(known.contains(&key.as_str()), "{at}: unknown key `{key}`");
    }
}

fn apply_params(net: &mut Subnet, p: &Value) {
    let Some(obj) = p.as_object() else { return };
    for (key, v) in obj {
        let num = || {
            v.as_u64()
                .unwrap_or_else(|| panic!("`{key}` must be a whole number"))
        };
        match key.as_str() {
            "block" => {}
            "tempo" => net.tempo = num() as u16,
            "kappa" => net.params.kappa = num() as u16,
            "bonds_penalty" => net.params.bonds_penalty = num() as u16,
            "bonds_moving_average" => net.params.bonds_moving_average = num(),
            "max_allowed_validators" => net.params.max_allowed_validators = num() as u16,
            "stake_threshold" => net.params.stake_threshold = num(),
            "owner_uid" => net.owner_uid = Some(num() as u16),
            "yuma3" => {
                net.params.yuma = if v.as_bool() == Some(true) {
                    yuma::YumaVersion::Yuma3
                } else {
                    yuma::YumaVersion::Yuma1
                }
            }
            "liquid_alpha" => net.liquid_alpha_on = v.as_bool() == Some(true),
            "bonds_reset" => net.bonds_reset_on = v.as_bool() == Some(true),
            "alpha_values_32" => {
                let pair: Vec<f64> = v
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default();
                assert_eq!(pair.len(), 2, "alpha_values_32 is [low, high]");
                (net.alpha.alpha_low, net.alpha.alpha_high) = alpha_values_32(pair[0], pair[1]);
            }
            "alpha_sigmoid_steepness" => {
                net.alpha.sigmoid_steepness =
                    v.as_i64().unwrap_or_else(|| panic!("steepness")) as i16;
            }
            other => panic!("unknown network setting `{other}`"),
        }
    }
}

fn get_u64(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

fn u64s(v: &Value, at: &str) -> Vec<u64> {
    v.as_array()
        .unwrap_or_else(|| panic!("{at}: expected an array, got {v}"))
        .iter()
        .map(|x| {
            x.as_u64()
                .unwrap_or_else(|| panic!("{at}: {x} is not a whole number"))
        })
        .collect()
}

/// Exact checks: per-uid vectors (null entries are not checked) and `[i, j, value]` bonds.
fn check_exact(at: &str, exp: &Value, out: &EpochOutput, bonds: &[Vec<u16>]) -> usize {
    let mut count = 0;
    let obj = exp
        .as_object()
        .unwrap_or_else(|| panic!("{at}: expectations must be an object"));
    for (key, want) in obj {
        if key == "bonds" {
            for cell in want
                .as_array()
                .unwrap_or_else(|| panic!("{at}: bonds is a list"))
            {
                let c = u64s(cell, at);
                let (i, j, v) = (c[0] as usize, c[1] as usize, c[2]);
                assert_eq!(u64::from(bonds[i][j]), v, "{at}: bonds[{i}][{j}]");
                count += 1;
            }
            continue;
        }
        let got: Vec<u64> = match key.as_str() {
            "emission" => out.emission.clone(),
            "server_emission" => out.server_emission.clone(),
            "validator_emission" => out.validator_emission.clone(),
            "dividends_u16" => out.dividends_u16.iter().map(|&x| u64::from(x)).collect(),
            "incentive_u16" => out.incentive_u16.iter().map(|&x| u64::from(x)).collect(),
            "consensus_u16" => out.consensus_u16.iter().map(|&x| u64::from(x)).collect(),
            "validator_trust_u16" => out
                .validator_trust_u16
                .iter()
                .map(|&x| u64::from(x))
                .collect(),
            "stake_weight_u16" => out.stake_weight_u16.iter().map(|&x| u64::from(x)).collect(),
            "validator_permits" => out
                .validator_permits
                .iter()
                .map(|&x| u64::from(x))
                .collect(),
            "active" => out.active.iter().map(|&x| u64::from(x)).collect(),
            other => panic!("{at}: unknown expectation `{other}`"),
        };
        let want = want
            .as_array()
            .unwrap_or_else(|| panic!("{at}: `{key}` is a list"));
        assert_eq!(want.len(), got.len(), "{at}: `{key}` has one entry per uid");
        for (uid, (w, g)) in want.iter().zip(&got).enumerate() {
            let w = match w {
                Value::Null => continue,
                Value::Bool(b) => u64::from(*b),
                other => other
                    .as_u64()
                    .unwrap_or_else(|| panic!("{at}: `{key}`[{uid}]")),
            };
            assert_eq!(*g, w, "{at}: `{key}`[{uid}]");
            count += 1;
        }
    }
    count
}

/// Tolerance checks done as subtensor's `assert_approx_eq` does them: in `I32F32`, the target
/// an `f32` literal converted with `fixed()`, the stored values converted with
/// `u16_proportion_to_fixed` / `fixed_to_fixed_u16_proportion`.
fn check_approx(at: &str, exp: &Value, out: &EpochOutput, bonds: &[Vec<u16>]) -> usize {
    let eps = I32F32::from_num(
        exp["tolerance"]
            .as_f64()
            .unwrap_or_else(|| panic!("{at}: tolerance")),
    );
    let u16_max = I32F32::saturating_from_num(u16::MAX);
    let close = |got: u16, want: &Value, what: String| {
        let want = want
            .as_f64()
            .unwrap_or_else(|| panic!("{at}: {what} target")) as f32;
        let got_f = I32F32::saturating_from_num(got)
            .checked_div(u16_max)
            .unwrap_or_default();
        let want_f = I32F32::saturating_from_num(want);
        assert!(
            (got_f - want_f).abs() <= eps,
            "{at}: {what} = {got_f} (stored {got}), expected {want} ± {eps}"
        );
    };
    let mut count = 0;
    if let Some(divs) = exp.get("dividends").and_then(Value::as_array) {
        for (uid, want) in divs.iter().enumerate() {
            close(out.dividends_u16[uid], want, format!("dividends[{uid}]"));
            count += 1;
        }
    }
    if let Some(b) = exp.get("bonds") {
        let col0 = get_u64(b, "first_column").unwrap_or(0) as usize;
        let rows = b["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("{at}: bonds.rows"));
        for (i, row) in rows.iter().enumerate() {
            for (k, want) in row.as_array().into_iter().flatten().enumerate() {
                close(
                    bonds[i][col0 + k],
                    want,
                    format!("bonds[{i}][{}]", col0 + k),
                );
                count += 1;
            }
        }
    }
    count
}

/// Relations between outputs, stored bonds, bonds remembered from an earlier epoch and
/// numbers: `{"left": ["bonds", i, j], "op": ">=", "right": ["bonds@name", i, j]}`,
/// `{"left": ["server_emission", 0], "op": "==", "right": ["server_emission", 1]}`,
/// `{"left": ["bonds", 0, 2], "op": ">", "right": 0}`.
fn check_relations(
    at: &str,
    list: &Value,
    out: &EpochOutput,
    bonds: &[Vec<u16>],
    remembered: &std::collections::BTreeMap<String, Vec<Vec<u16>>>,
) -> usize {
    let operand = |v: &Value| -> u64 {
        if let Some(x) = v.as_u64() {
            return x;
        }
        let parts = v.as_array().unwrap_or_else(|| panic!("{at}: operand {v}"));
        let name = parts[0]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: operand {v}"));
        let idx = |k: usize| parts[k].as_u64().unwrap_or_else(|| panic!("{at}: {v}")) as usize;
        if let Some(saved) = name.strip_prefix("bonds@") {
            let m = remembered
                .get(saved)
                .unwrap_or_else(|| panic!("{at}: no bonds@{saved}"));
            return u64::from(m[idx(1)][idx(2)]);
        }
        match name {
            "bonds" => u64::from(bonds[idx(1)][idx(2)]),
            "emission" => out.emission[idx(1)],
            "server_emission" => out.server_emission[idx(1)],
            "validator_emission" => out.validator_emission[idx(1)],
            "incentive_u16" => u64::from(out.incentive_u16[idx(1)]),
            "dividends_u16" => u64::from(out.dividends_u16[idx(1)]),
            other => panic!("{at}: unknown operand `{other}`"),
        }
    };
    let mut count = 0;
    for rel in list
        .as_array()
        .unwrap_or_else(|| panic!("{at}: relations are a list"))
    {
        let (l, r) = (operand(&rel["left"]), operand(&rel["right"]));
        let op = rel["op"].as_str().unwrap_or_else(|| panic!("{at}: op"));
        let holds = match op {
            ">" => l > r,
            ">=" => l >= r,
            "<" => l < r,
            "<=" => l <= r,
            "==" => l == r,
            _ => panic!("{at}: unknown op {op}"),
        };
        assert!(
            holds,
            "{at}: {} = {l} is not {op} {} = {r}",
            rel["left"], rel["right"]
        );
        count += 1;
    }
    count
}

/// Direct storage writes a test makes (`Weights::insert`, `LastUpdate::insert`,
/// `ValidatorPermit::insert`): no upscaling, no side effects.
fn write_storage(net: &mut Subnet, st: &Value, at: &str) {
    if let Some(rows) = st.get("weights").and_then(Value::as_object) {
        for (uid, row) in rows {
            let uid: usize = uid
                .parse()
                .unwrap_or_else(|_| panic!("{at}: weights key {uid}"));
            net.weights[uid] = row
                .as_array()
                .unwrap_or_else(|| panic!("{at}: weights row"))
                .iter()
                .map(|pair| {
                    let p = u64s(pair, at);
                    (p[0] as u16, p[1] as u16)
                })
                .collect();
        }
    }
    if let Some(v) = st.get("last_update") {
        net.last_update = u64s(v, at);
    }
    if let Some(v) = st.get("validator_permits") {
        net.permits = v
            .as_array()
            .unwrap_or_else(|| panic!("{at}: validator_permits"))
            .iter()
            .map(|b| b.as_bool().unwrap_or_else(|| panic!("{at}: permit {b}")))
            .collect();
    }
}
