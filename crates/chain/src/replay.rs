//! Replays: does `yuma::fixed`, given only what the chain held before an epoch, reproduce what
//! the chain stored at it?
//!
//! A subnet's epoch runs inside the initialization of block `E` (`LastMechansimStepBlock`),
//! after that block's emission injection and before its extrinsics. So the inputs are read at
//! `E − 1` (weights, stake, bonds, permits, last updates, registrations, hyperparameters) and
//! the outputs at `E` (consensus, incentive, dividends, validator trust, rank, permits, active,
//! bonds, emission). [`read_last_epoch`] gathers both into an [`EpochRecord`], which carries
//! the inputs as a `yuma` case (the JSON the lab and `taoscope yuma` read), so the same record
//! can be replayed here, in the page, or opened in the lab. [`replay`] runs it and compares
//! field by field.
//!
//! What is compared, and how:
//! - `Consensus`, `Incentive`, `Dividends`, `ValidatorTrust` (u16), `Rank` (the runtime stores
//!   the normalised ranks, which are the incentive), `ValidatorPermit`, `Active`: exactly.
//! - `Bonds`: exactly, for the rows the epoch writes (uids holding a permit after it); other
//!   rows are left as they were by the runtime.
//! - `Emission`: the runtime splits an amount it does not store (the subnet's pending emission
//!   plus the block's injection), so the recomputed split uses the stored total and each uid
//!   must match within the truncation of the split (one rao per uid).
//!
//! Not recomputed: `Trust` and `PruningScores` (not in the engine's output). Not replayable,
//! reported as `unsupported` with the reason: runtimes the engine has no rules for, commit-reveal
//! subnets (weights revealed inside block `E`), child keys (inherited stake), and liquid alpha
//! over weight rows stored out of uid order.

use futures_util::try_join;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::error::ChainError;
use crate::rules::{self, Evidence};
use crate::source::{BlockRef, Source};
use crate::view::{KeyParts, MetadataCache, View, key_account, key_u16};

const SUBTENSOR: &str = "SubtensorModule";

/// What the chain stored at the epoch block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredOutputs {
    /// `Consensus`.
    pub consensus: Vec<u16>,
    /// `Incentive`.
    pub incentive: Vec<u16>,
    /// `Dividends`.
    pub dividends: Vec<u16>,
    /// `ValidatorTrust`.
    pub validator_trust: Vec<u16>,
    /// `Rank`, where the runtime stores it.
    pub rank: Option<Vec<u16>>,
    /// `ValidatorPermit`.
    pub validator_permits: Vec<bool>,
    /// `Active`.
    pub active: Vec<bool>,
    /// `Emission` (alpha rao per epoch).
    pub emission: Vec<u64>,
    /// `Bonds` rows, one per uid.
    pub bonds: Vec<Vec<(u16, u16)>>,
}

/// One epoch of one subnet as the chain ran it: inputs and outputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// The subnet.
    pub netuid: u16,
    /// `node-subtensor`.
    pub spec_name: String,
    /// The runtime that ran it.
    pub spec_version: u32,
    /// The block the inputs were read at (`E − 1`).
    pub input_block: BlockRef,
    /// The block the epoch ran in (`E`).
    pub epoch_block: BlockRef,
    /// The inputs as a `yuma` case (the JSON `taoscope yuma` and the lab read), with the
    /// runtime's rules.
    pub case: Json,
    /// The outputs.
    pub stored: StoredOutputs,
    /// Why the epoch cannot be replayed, when it cannot (decided while reading).
    pub unsupported: Option<String>,
}

/// The verdict of a replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every compared field equals the chain's.
    Exact,
    /// Some field differs; see the mismatches.
    Differs,
    /// The engine lacks a rule this epoch needs.
    Unsupported,
}

/// One value that differs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    /// `Dividends`, `Bonds`, ...
    pub field: String,
    /// The uid (the row, for bonds).
    pub uid: u16,
    /// What the chain stored, as text.
    pub stored: String,
    /// What the engine computed, as text.
    pub computed: String,
}

/// A replay's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    /// The subnet.
    pub netuid: u16,
    /// The epoch block.
    pub block: u64,
    /// The runtime's spec version.
    pub spec_version: u32,
    /// The rule set used (`july-2025`).
    pub rule: String,
    /// Whether that rule set was verified against this runtime or assumed.
    pub rule_evidence: Option<Evidence>,
    /// The engine that recomputed it.
    pub engine: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Fields compared (with how many values each).
    pub compared: Vec<(String, usize)>,
    /// Values that differ (at most 50 are kept; `mismatch_count` has them all).
    pub mismatches: Vec<Mismatch>,
    /// How many values differ in all.
    pub mismatch_count: usize,
    /// Why it is unsupported, or the likely reason for differences.
    pub reason: Option<String>,
    /// Uid ranking by recomputed incentive, best first.
    pub ranking: Vec<u16>,
}

/// The blocks a subnet's most recent epoch (as of the view's block) is read at: the block
/// before it (the epoch's inputs) and the block that ran it (its outputs). A caller reading
/// many subnets can [`Source::hold`] them all first, so none ages out while the others are read.
///
/// # Errors
///
/// [`ChainError::NotFound`] for a netuid that is not a subnet with epochs (root included),
/// [`ChainError::NoEpochYet`], or the source's error for blocks it cannot name.
pub async fn last_epoch_blocks<S: Source>(
    view: &View<'_, S>,
    netuid: u16,
) -> Result<[BlockRef; 2], ChainError> {
    let source = view.source();
    let exists: Option<bool> = view
        .value(SUBTENSOR, "NetworksAdded", vec![key_u16(netuid)])
        .await?;
    if exists != Some(true) || netuid == 0 {
        return Err(ChainError::NotFound(format!(
            "netuid {netuid} is not a subnet with epochs"
        )));
    }
    let last: u64 = view
        .value(SUBTENSOR, "LastMechansimStepBlock", vec![key_u16(netuid)])
        .await?
        .unwrap_or(0);
    if last == 0 {
        return Err(ChainError::NoEpochYet { netuid });
    }
    let epoch_block = source.block(last).await?;
    let input_block = source.block(last - 1).await?;
    Ok([input_block, epoch_block])
}

/// Reads a subnet's most recent epoch as of the view's block.
///
/// # Errors
///
/// [`ChainError`] when the source cannot read the epoch's blocks (a light client keeps only
/// recent ones; a snapshot only what it recorded), the subnet does not exist, or storage does
/// not decode.
pub async fn read_last_epoch<S: Source>(
    view: &View<'_, S>,
    netuid: u16,
    cache: &MetadataCache,
) -> Result<EpochRecord, ChainError> {
    let source = view.source();
    let blocks = last_epoch_blocks(view, netuid).await?;
    let [input_block, epoch_block] = blocks;
    source.hold(&blocks)?;
    let read = async {
        let before = View::open(source, input_block, cache).await?;
        let after = View::open(source, epoch_block, cache).await?;
        read_epoch(&before, &after, netuid).await
    }
    .await;
    source.unhold(&blocks);
    read
}

/// [`read_last_epoch`] at the source's latest finalized block, waiting for the subnet's next
/// epoch when the last one can no longer be read (a light client keeps only recent blocks):
/// `wait_until(b)` must return once block `b` is finalized. Tries `attempts` epochs at most.
///
/// # Errors
///
/// As [`read_last_epoch`], with the last attempt's error.
pub async fn read_last_epoch_waiting<S, W, F>(
    source: &S,
    netuid: u16,
    cache: &MetadataCache,
    attempts: u32,
    wait_until: W,
) -> Result<EpochRecord, ChainError>
where
    S: Source,
    W: Fn(u64) -> F,
    F: core::future::Future<Output = ()>,
{
    let mut tries = 0;
    loop {
        let at = source.finalized().await?;
        let view = View::open(source, at, cache).await?;
        match read_last_epoch(&view, netuid, cache).await {
            Err(ChainError::Source(crate::SourceError::BlockUnavailable { .. }))
                if tries + 1 < attempts =>
            {
                tries += 1;
                let tempo: u16 = view
                    .value(SUBTENSOR, "Tempo", vec![key_u16(netuid)])
                    .await?
                    .unwrap_or(360);
                let next =
                    crate::model::next_epoch(netuid, tempo, at.number).unwrap_or(at.number + 1);
                wait_until(next).await;
            }
            other => return other,
        }
    }
}

fn u16_key(netuid: u16) -> KeyParts {
    vec![key_u16(netuid)]
}

fn uid_keys(netuid: u16, n: u16) -> Vec<KeyParts> {
    (0..n)
        .map(|uid| vec![key_u16(netuid), key_u16(uid)])
        .collect()
}

/// Reads one epoch: inputs from `before` (block `E − 1`), outputs from `after` (block `E`).
///
/// # Errors
///
/// As [`read_last_epoch`].
pub async fn read_epoch<S: Source>(
    before: &View<'_, S>,
    after: &View<'_, S>,
    netuid: u16,
) -> Result<EpochRecord, ChainError> {
    let runtime = after.runtime().clone();
    let mut unsupported = rules::for_runtime(&runtime.spec_name, runtime.spec_version)
        .err()
        .map(|u| u.rule);
    let key = u16_key(netuid);

    // == Inputs, at E − 1 ==
    // The reads are independent once the subnet's size is known, so they all go out at once: a
    // light client answers each after a network round trip, and one after the other a 256-uid
    // subnet took some forty of them.
    let n: u16 = before
        .value(SUBTENSOR, "SubnetworkN", key.clone())
        .await?
        .unwrap_or(0);
    let uids = uid_keys(netuid, n);
    let p_u16 = |item: &'static str| {
        let key = key.clone();
        async move { before.value::<u16>(SUBTENSOR, item, key).await }
    };
    let plain =
        |item: &'static str| async move { before.value::<u64>(SUBTENSOR, item, vec![]).await };
    let (
        hotkeys,
        permits,
        last_update,
        registered,
        weights,
        bonds,
        owner_hotkey,
        previous_consensus,
    ) = try_join!(
        before.values::<[u8; 32]>(SUBTENSOR, "Keys", &uids),
        before.value::<Vec<bool>>(SUBTENSOR, "ValidatorPermit", key.clone()),
        before.value::<Vec<u64>>(SUBTENSOR, "LastUpdate", key.clone()),
        before.values::<u64>(SUBTENSOR, "BlockAtRegistration", &uids),
        before.values::<Vec<(u16, u16)>>(SUBTENSOR, "Weights", &uids),
        before.values::<Vec<(u16, u16)>>(SUBTENSOR, "Bonds", &uids),
        before.value::<[u8; 32]>(SUBTENSOR, "SubnetOwnerHotkey", key.clone()),
        before.value::<Vec<u16>>(SUBTENSOR, "Consensus", key.clone()),
    )?;
    let (kappa, bonds_penalty, max_validators, activity_cutoff, tempo, stake_threshold, tao_weight) =
        try_join!(
            p_u16("Kappa"),
            p_u16("BondsPenalty"),
            p_u16("MaxAllowedValidators"),
            p_u16("ActivityCutoff"),
            p_u16("Tempo"),
            plain("StakeThreshold"),
            plain("TaoWeight"),
        )?;
    let (bonds_ma, yuma3, liquid, alpha_values, steepness, commit_reveal, last_step) = try_join!(
        before.value::<u64>(SUBTENSOR, "BondsMovingAverage", key.clone()),
        before.value::<bool>(SUBTENSOR, "Yuma3On", key.clone()),
        before.value::<bool>(SUBTENSOR, "LiquidAlphaOn", key.clone()),
        before.value::<(u16, u16)>(SUBTENSOR, "AlphaValues", key.clone()),
        before.value::<i16>(SUBTENSOR, "AlphaSigmoidSteepness", key.clone()),
        before.value::<bool>(SUBTENSOR, "CommitRevealWeightsEnabled", key.clone()),
        before.value::<u64>(SUBTENSOR, "LastMechansimStepBlock", key.clone()),
    )?;
    let hotkeys: Vec<[u8; 32]> = hotkeys
        .unwrap_or_default()
        .into_iter()
        .map(|k| k.unwrap_or([0; 32]))
        .collect();
    let permits: Vec<bool> = permits.unwrap_or_default();
    let last_update: Vec<u64> = last_update.unwrap_or_default();
    let registered: Vec<u64> = flat(registered, n);
    let weights: Vec<Vec<(u16, u16)>> = flat(weights, n);
    let bonds: Vec<Vec<(u16, u16)>> = flat(bonds, n);
    let kappa = kappa.unwrap_or(32_767);
    let bonds_penalty = bonds_penalty.unwrap_or(u16::MAX);
    let max_validators = max_validators.unwrap_or(128);
    let tempo = tempo.unwrap_or(360);
    let stake_threshold = stake_threshold.unwrap_or(0);
    let tao_weight = tao_weight.unwrap_or(0);
    let bonds_ma = bonds_ma.unwrap_or(900_000);
    let yuma3 = yuma3.unwrap_or(false);
    let liquid = liquid.unwrap_or(false);
    let (alpha_low, alpha_high) = alpha_values.unwrap_or((45_875, 58_982));
    let steepness = steepness.unwrap_or(1000);
    let commit_reveal = commit_reveal.unwrap_or(false);
    let last_step = last_step.unwrap_or(0);

    // Stake and the owner's uid are keyed by hotkey.
    let stake_keys = |on: u16| -> Vec<KeyParts> {
        hotkeys
            .iter()
            .map(|hk| vec![key_account(hk), key_u16(on)])
            .collect()
    };
    let owner_uid = async {
        match owner_hotkey {
            Some(hk) => {
                before
                    .value::<u16>(SUBTENSOR, "Uids", vec![key_u16(netuid), key_account(&hk)])
                    .await
            }
            None => Ok(None),
        }
    };
    let (on_subnet, on_root) = (stake_keys(netuid), stake_keys(0));
    let (alpha, tao, children, parents, owner_uid) = try_join!(
        before.values::<u64>(SUBTENSOR, "TotalHotkeyAlpha", &on_subnet),
        before.values::<u64>(SUBTENSOR, "TotalHotkeyAlpha", &on_root),
        before.values::<Vec<(u64, [u8; 32])>>(SUBTENSOR, "ChildKeys", &on_subnet),
        before.values::<Vec<(u64, [u8; 32])>>(SUBTENSOR, "ParentKeys", &on_subnet),
        owner_uid,
    )?;
    let alpha: Vec<u64> = flat(alpha, n);
    let tao: Vec<u64> = flat(tao, n);
    let children: Vec<Vec<(u64, [u8; 32])>> = flat(children, n);
    let parents: Vec<Vec<(u64, [u8; 32])>> = flat(parents, n);
    if children.iter().chain(&parents).any(|c| !c.is_empty()) {
        unsupported.get_or_insert_with(|| {
            "child keys: stake inherited through ChildKeys/ParentKeys is not modelled".into()
        });
    }
    if commit_reveal {
        unsupported.get_or_insert_with(|| {
            "commit-reveal weights: revealed inside the epoch block, after the inputs were read"
                .into()
        });
    }
    if activity_cutoff.is_none() {
        unsupported.get_or_insert_with(|| {
            "ActivityCutoff is not stored by this runtime (the cutoff is derived)".into()
        });
    }
    // Rows as stored; the runtime drops targets outside the subnet.
    let weights: Vec<Vec<(u16, u16)>> = weights
        .into_iter()
        .map(|row| row.into_iter().filter(|(j, _)| *j < n).collect())
        .collect();
    let unsorted =
        |rows: &[Vec<(u16, u16)>]| rows.iter().any(|r| r.windows(2).any(|w| w[0].0 > w[1].0));
    if yuma3 && liquid && (unsorted(&weights) || unsorted(&bonds)) {
        unsupported.get_or_insert_with(|| {
            "liquid alpha over weight rows stored out of uid order (the runtime's walk reads them as zero)".into()
        });
    }

    // == Outputs, at E ==
    let o_u16 = |item: &'static str| async move {
        after
            .value::<Vec<u16>>(SUBTENSOR, item, u16_key(netuid))
            .await
            .map(Option::unwrap_or_default)
    };
    let (consensus, incentive, dividends, validator_trust, rank) = try_join!(
        o_u16("Consensus"),
        o_u16("Incentive"),
        o_u16("Dividends"),
        o_u16("ValidatorTrust"),
        after.value::<Vec<u16>>(SUBTENSOR, "Rank", key.clone()),
    )?;
    let (n_after, validator_permits, active, emission, stored_bonds, registered_after) = try_join!(
        after.value::<u16>(SUBTENSOR, "SubnetworkN", key.clone()),
        after.value::<Vec<bool>>(SUBTENSOR, "ValidatorPermit", key.clone()),
        after.value::<Vec<bool>>(SUBTENSOR, "Active", key.clone()),
        after.value::<Vec<u64>>(SUBTENSOR, "Emission", key.clone()),
        after.values::<Vec<(u16, u16)>>(SUBTENSOR, "Bonds", &uids),
        after.values::<u64>(SUBTENSOR, "BlockAtRegistration", &uids),
    )?;
    let n_after = n_after.unwrap_or(0);
    let stored = StoredOutputs {
        consensus,
        incentive,
        dividends,
        validator_trust,
        rank,
        validator_permits: validator_permits.unwrap_or_default(),
        active: active.unwrap_or_default(),
        emission: emission.unwrap_or_default(),
        bonds: flat(stored_bonds, n),
    };
    if n_after != n {
        unsupported.get_or_insert_with(|| {
            format!("the subnet grew from {n} to {n_after} uids in the epoch block")
        });
    }
    let registered_after: Vec<u64> = flat(registered_after, n);
    if registered_after != registered {
        unsupported.get_or_insert_with(|| {
            "a uid was re-registered in the epoch block, which resets its outputs".into()
        });
    }

    let ruleset = rules::for_runtime(&runtime.spec_name, runtime.spec_version).ok();
    let rao_emission: u64 = stored.emission.iter().sum();
    let sparse = |rows: &[Vec<(u16, u16)>]| -> Json {
        rows.iter()
            .map(|r| r.iter().map(|(j, v)| json!([j, v])).collect::<Vec<_>>())
            .collect::<Vec<_>>()
            .into()
    };
    let case = json!({
        "name": format!("netuid {netuid} at block {}", after.at().number),
        "description": format!(
            "Epoch of netuid {netuid} in block #{}, inputs read at #{} (runtime {} {}).",
            after.at().number, before.at().number, runtime.spec_name, runtime.spec_version
        ),
        "layout": "full",
        "weights_sparse": sparse(&weights),
        "bonds_sparse": sparse(&bonds),
        "stakes": alpha,
        "tao_stakes": tao,
        "tao_weight": tao_weight,
        "stake_threshold": stake_threshold,
        "owner_uid": owner_uid,
        "validator_permits": permits,
        "max_allowed_validators": max_validators,
        "current_block": after.at().number,
        "activity_cutoff": activity_cutoff.unwrap_or(5000),
        "last_update": last_update,
        "block_at_registration": registered,
        "last_tempo": last_step,
        "tempo": tempo,
        "kappa": kappa,
        "bonds_penalty": bonds_penalty,
        "bonds_moving_average": bonds_ma,
        "yuma3": yuma3,
        "liquid_alpha": liquid,
        "alpha_low": alpha_low,
        "alpha_high": alpha_high,
        "alpha_sigmoid_steepness": steepness,
        "liquid_alpha_consensus_mode": match ruleset.map(|r| r.consensus_mode) {
            Some(yuma::ConsensusMode::Previous) => "previous",
            Some(yuma::ConsensusMode::Auto) => "auto",
            _ => "current",
        },
        "previous_consensus": previous_consensus,
        "rules": match ruleset.map(|r| r.rules) {
            Some(r) if r == yuma::Rules::CURRENT => "current",
            _ => "july-2025",
        },
        "rao_emission": rao_emission,
    });
    Ok(EpochRecord {
        netuid,
        spec_name: runtime.spec_name,
        spec_version: runtime.spec_version,
        input_block: before.at(),
        epoch_block: after.at(),
        case,
        stored,
        unsupported,
    })
}

/// Per-uid values of a map read for every uid: absent entries as the type's default, and a
/// runtime without the item as all defaults (the caller decides whether that matters).
fn flat<T: Default + Clone>(values: Option<Vec<Option<T>>>, n: u16) -> Vec<T> {
    match values {
        Some(v) => v.into_iter().map(Option::unwrap_or_default).collect(),
        None => vec![T::default(); usize::from(n)],
    }
}

/// At most this many mismatches are listed; the count has them all.
const MAX_LISTED: usize = 50;

/// Replays `record` with `yuma::fixed` and compares. See the module documentation.
pub fn replay(record: &EpochRecord) -> Replay {
    let ruleset = rules::for_runtime(&record.spec_name, record.spec_version).ok();
    let mut out = Replay {
        netuid: record.netuid,
        block: record.epoch_block.number,
        spec_version: record.spec_version,
        rule: ruleset.map_or("none".into(), |r| r.name.into()),
        rule_evidence: ruleset.map(|r| r.evidence),
        engine: yuma::Engine::Fixed.name().into(),
        verdict: Verdict::Unsupported,
        compared: Vec::new(),
        mismatches: Vec::new(),
        mismatch_count: 0,
        reason: record.unsupported.clone(),
        ranking: Vec::new(),
    };
    if record.unsupported.is_some() {
        return out;
    }
    let case = match yuma::case::from_value(&record.case) {
        Ok(case) => case,
        Err(e) => {
            out.reason = Some(format!("the inputs do not form an epoch: {e}"));
            return out;
        }
    };
    let computed = yuma::fixed::epoch(&case.input);
    out.ranking = computed.ranking();
    let s = &record.stored;
    let mut compare = |field: &str, stored: Vec<String>, mine: Vec<String>| {
        out.compared
            .push((field.into(), stored.len().max(mine.len())));
        for uid in 0..stored.len().max(mine.len()) {
            let a = stored.get(uid).cloned().unwrap_or_else(|| "—".into());
            let b = mine.get(uid).cloned().unwrap_or_else(|| "—".into());
            if a != b {
                out.mismatch_count += 1;
                if out.mismatches.len() < MAX_LISTED {
                    out.mismatches.push(Mismatch {
                        field: field.into(),
                        uid: uid as u16,
                        stored: a,
                        computed: b,
                    });
                }
            }
        }
    };
    let text = |v: &[u16]| v.iter().map(u16::to_string).collect::<Vec<_>>();
    let bools = |v: &[bool]| v.iter().map(bool::to_string).collect::<Vec<_>>();
    compare(
        "Consensus",
        text(&s.consensus),
        text(&computed.consensus_u16),
    );
    compare(
        "Incentive",
        text(&s.incentive),
        text(&computed.incentive_u16),
    );
    compare(
        "Dividends",
        text(&s.dividends),
        text(&computed.dividends_u16),
    );
    compare(
        "ValidatorTrust",
        text(&s.validator_trust),
        text(&computed.validator_trust_u16),
    );
    if let Some(rank) = &s.rank {
        compare("Rank", text(rank), text(&computed.incentive_u16));
    }
    compare(
        "ValidatorPermit",
        bools(&s.validator_permits),
        bools(&computed.validator_permits),
    );
    compare("Active", bools(&s.active), bools(&computed.active));
    // Rows the epoch writes: those of uids with a permit after it.
    let row = |r: &[(u16, u16)]| format!("{r:?}");
    let (stored_rows, mine_rows): (Vec<String>, Vec<String>) = computed
        .validator_permits
        .iter()
        .enumerate()
        .map(|(uid, permit)| {
            if *permit {
                (
                    s.bonds.get(uid).map_or_else(String::new, |r| row(r)),
                    row(&computed.bonds[uid]),
                )
            } else {
                (String::new(), String::new())
            }
        })
        .unzip();
    compare("Bonds", stored_rows, mine_rows);
    // Emission: the recomputed split of the stored total, within one rao per uid.
    let tolerance = s.emission.len() as u64;
    let emission_mine: Vec<String> = computed
        .emission
        .iter()
        .zip(&s.emission)
        .map(|(m, st)| {
            if m.abs_diff(*st) <= tolerance {
                st.to_string()
            } else {
                m.to_string()
            }
        })
        .collect();
    compare(
        "Emission",
        s.emission.iter().map(u64::to_string).collect(),
        emission_mine,
    );
    out.verdict = if out.mismatch_count == 0 {
        Verdict::Exact
    } else {
        Verdict::Differs
    };
    if out.verdict == Verdict::Differs {
        out.reason = Some(likely_reason(&out, ruleset.map(|r| r.evidence)));
    }
    out
}

/// A guess at why values differ, from which fields do.
fn likely_reason(replay: &Replay, evidence: Option<Evidence>) -> String {
    let fields: std::collections::BTreeSet<&str> =
        replay.mismatches.iter().map(|m| m.field.as_str()).collect();
    let assumed = matches!(evidence, Some(Evidence::Assumed));
    let mut reason = if fields.iter().all(|f| *f == "Bonds") {
        "only bonds differ: the bonds rule (Yuma3, liquid alpha) of this runtime".to_string()
    } else if fields.contains("ValidatorPermit") {
        "validator permits differ: how this runtime picks permits (stake threshold, owner)".into()
    } else if fields.iter().all(|f| *f == "Emission") {
        "only the emission split differs".into()
    } else {
        format!(
            "{} differ",
            fields.into_iter().collect::<Vec<_>>().join(", ")
        )
    };
    if assumed {
        reason.push_str("; the rules for this runtime are assumed, not verified");
    }
    reason
}
