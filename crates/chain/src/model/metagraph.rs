//! A subnet's metagraph: every uid with its keys, stake, permit and the last epoch's outputs.
//!
//! Per-uid vectors (`Incentive`, `Dividends`, ...) are one storage value each; keys, stake,
//! registration blocks and axons are one value per uid, read in batches. Permits are explained
//! from the same numbers the epoch used: each uid's stake weight (`StakeWeight`), its rank
//! among the non-zero ones, and the permit slots (`MaxAllowedValidators`).

use scale_value::At as _;
use serde::{Deserialize, Serialize};

use super::{SUBTENSOR, subnet_exists};
use crate::error::ChainError;
use crate::source::{BlockRef, Provenance, Source};
use crate::view::{KeyParts, View, key_account, key_u16};

/// A neuron's axon (where its miner or validator serves), when it published one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axon {
    /// IPv4 or IPv6 address, as text.
    pub ip: String,
    /// Port.
    pub port: u16,
    /// Block it was last set.
    pub block: u64,
}

/// One uid of a subnet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neuron {
    /// Its position.
    pub uid: u16,
    /// Its hotkey.
    #[serde(with = "crate::ss58::account")]
    pub hotkey: [u8; 32],
    /// The coldkey owning the hotkey (`Owner`).
    #[serde(with = "crate::ss58::option_account")]
    pub coldkey: Option<[u8; 32]>,
    /// Alpha staked on the hotkey in this subnet (rao of alpha).
    pub stake: u64,
    /// TAO staked on the hotkey on root (rao), which counts here through `TaoWeight`.
    pub root_stake: u64,
    /// Stake weight the last epoch used (u16 proportion).
    pub stake_weight: Option<u16>,
    /// Position by stake weight among uids with any (1 = largest), for the permit explanation.
    pub stake_rank: Option<u16>,
    /// Holds a validator permit.
    pub validator_permit: bool,
    /// Set weights within the activity cutoff.
    pub active: bool,
    /// Stake-weighted median of the weights it received (u16 proportion).
    pub consensus: u16,
    /// Share of miner emission (u16 proportion).
    pub incentive: u16,
    /// Share of validator emission (u16 proportion).
    pub dividends: u16,
    /// `Trust`, where stored.
    pub trust: Option<u16>,
    /// How much of its weight survived clipping (u16 proportion).
    pub validator_trust: u16,
    /// `Rank`, where stored.
    pub rank: Option<u16>,
    /// `PruningScores`, where stored: the lowest outside immunity is replaced next.
    pub pruning_score: Option<u16>,
    /// Alpha emitted to it in the last epoch (rao).
    pub emission: u64,
    /// Alpha dividends paid to the hotkey in the last epoch, after its take (rao).
    pub alpha_dividends: Option<u64>,
    /// Block it last set weights.
    pub last_update: u64,
    /// Block it registered.
    pub registered_at: u64,
    /// Within `ImmunityPeriod` of its registration: cannot be pruned yet.
    pub immune: bool,
    /// Its validator take (`Delegates`, u16 proportion), where set.
    pub take: Option<u16>,
    /// Its axon, where published.
    pub axon: Option<Axon>,
}

/// Every uid of a subnet at a block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metagraph {
    /// The subnet.
    pub netuid: u16,
    /// The block read.
    pub block: BlockRef,
    /// How it was read.
    pub provenance: Provenance,
    /// Validator permit slots.
    pub max_validators: Option<u16>,
    /// Uid slots.
    pub max_neurons: Option<u16>,
    /// Blocks a new neuron is immune.
    pub immunity_period: Option<u16>,
    /// Blocks between epochs.
    pub tempo: Option<u16>,
    /// The subnet owner's hotkey.
    #[serde(with = "crate::ss58::option_account")]
    pub owner_hotkey: Option<[u8; 32]>,
    /// The uid the next registration replaces, as the runtime picks it: the lowest pruning
    /// score outside immunity (ties to the earliest registration), never the owner.
    pub next_pruned: Option<u16>,
    /// The neurons, by uid.
    pub neurons: Vec<Neuron>,
    /// Items this runtime lacks.
    pub unavailable: Vec<String>,
}

fn axon_of(v: &scale_value::Value<u32>) -> Option<Axon> {
    let ip = v.at("ip")?.as_u128()?;
    let port = u16::try_from(v.at("port")?.as_u128()?).ok()?;
    let block = u64::try_from(v.at("block")?.as_u128()?).ok()?;
    let ip_type = v.at("ip_type").and_then(|t| t.as_u128()).unwrap_or(4);
    let ip = if ip_type == 6 {
        std::net::Ipv6Addr::from(ip).to_string()
    } else {
        std::net::Ipv4Addr::from(u32::try_from(ip).ok()?).to_string()
    };
    Some(Axon { ip, port, block })
}

/// Reads the metagraph of `netuid`.
///
/// # Errors
///
/// [`ChainError::NotFound`] for a netuid that does not exist; otherwise when the source fails
/// or a value does not decode.
pub async fn read_metagraph<S: Source>(
    view: &View<'_, S>,
    netuid: u16,
) -> Result<Metagraph, ChainError> {
    if !subnet_exists(view, netuid).await? {
        return Err(ChainError::NotFound(format!(
            "netuid {netuid} does not exist"
        )));
    }
    let key = vec![key_u16(netuid)];
    let n: u16 = view
        .value(SUBTENSOR, "SubnetworkN", key.clone())
        .await?
        .unwrap_or(0);
    let nu = usize::from(n);
    let uid_keys: Vec<KeyParts> = (0..n).map(|u| vec![key_u16(netuid), key_u16(u)]).collect();
    let hotkeys: Vec<[u8; 32]> = view
        .values::<[u8; 32]>(SUBTENSOR, "Keys", &uid_keys)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(|k| k.unwrap_or([0; 32]))
        .collect();
    let per_hotkey =
        |f: &dyn Fn(&[u8; 32]) -> KeyParts| -> Vec<KeyParts> { hotkeys.iter().map(f).collect() };
    let coldkeys: Vec<Option<[u8; 32]>> = view
        .values(SUBTENSOR, "Owner", &per_hotkey(&|h| vec![key_account(h)]))
        .await?
        .unwrap_or_else(|| vec![None; nu]);
    let stake: Vec<Option<u64>> = view
        .values(
            SUBTENSOR,
            "TotalHotkeyAlpha",
            &per_hotkey(&|h| vec![key_account(h), key_u16(netuid)]),
        )
        .await?
        .unwrap_or_else(|| vec![None; nu]);
    let root_stake: Vec<Option<u64>> = view
        .values(
            SUBTENSOR,
            "TotalHotkeyAlpha",
            &per_hotkey(&|h| vec![key_account(h), key_u16(0)]),
        )
        .await?
        .unwrap_or_else(|| vec![None; nu]);
    let registered: Vec<Option<u64>> = view
        .values(SUBTENSOR, "BlockAtRegistration", &uid_keys)
        .await?
        .unwrap_or_else(|| vec![None; nu]);
    let takes: Vec<Option<u16>> = view
        .values(
            SUBTENSOR,
            "Delegates",
            &per_hotkey(&|h| vec![key_account(h)]),
        )
        .await?
        .unwrap_or_else(|| vec![None; nu]);
    let alpha_dividends: Option<Vec<Option<u64>>> = view
        .values(
            SUBTENSOR,
            "AlphaDividendsPerSubnet",
            &per_hotkey(&|h| vec![key_u16(netuid), key_account(h)]),
        )
        .await?;
    let axons = read_axons(view, netuid, &hotkeys).await?;

    let vec_u16 = |item: &'static str| {
        let key = key.clone();
        async move { view.value::<Vec<u16>>(SUBTENSOR, item, key).await }
    };
    let consensus = vec_u16("Consensus").await?.unwrap_or_default();
    let incentive = vec_u16("Incentive").await?.unwrap_or_default();
    let dividends = vec_u16("Dividends").await?.unwrap_or_default();
    let validator_trust = vec_u16("ValidatorTrust").await?.unwrap_or_default();
    let trust = vec_u16("Trust").await?;
    let rank = vec_u16("Rank").await?;
    let pruning = vec_u16("PruningScores").await?;
    let stake_weight = vec_u16("StakeWeight").await?;
    let permits: Vec<bool> = view
        .value(SUBTENSOR, "ValidatorPermit", key.clone())
        .await?
        .unwrap_or_default();
    let active: Vec<bool> = view
        .value(SUBTENSOR, "Active", key.clone())
        .await?
        .unwrap_or_default();
    let emission: Vec<u64> = view
        .value(SUBTENSOR, "Emission", key.clone())
        .await?
        .unwrap_or_default();
    let last_update: Vec<u64> = view
        .value(SUBTENSOR, "LastUpdate", key.clone())
        .await?
        .unwrap_or_default();
    let immunity_period: Option<u16> = view.value(SUBTENSOR, "ImmunityPeriod", key.clone()).await?;
    let owner_hotkey: Option<[u8; 32]> = view
        .value(SUBTENSOR, "SubnetOwnerHotkey", key.clone())
        .await?;

    // Stake rank among uids with stake weight, as the permit top-k sees them.
    let stake_rank: Vec<Option<u16>> = match &stake_weight {
        Some(w) => {
            let mut order: Vec<usize> = (0..w.len()).filter(|i| w[*i] > 0).collect();
            order.sort_by(|a, b| w[*b].cmp(&w[*a]).then(a.cmp(b)));
            let mut rank = vec![None; nu];
            for (pos, uid) in order.into_iter().enumerate() {
                if uid < nu {
                    rank[uid] = Some(pos as u16 + 1);
                }
            }
            rank
        }
        None => vec![None; nu],
    };
    let at = view.at().number;
    let at_u16 = |v: &[u16], i: usize| v.get(i).copied().unwrap_or(0);
    let neurons: Vec<Neuron> = (0..nu)
        .map(|i| {
            let reg = registered[i].unwrap_or(0);
            Neuron {
                uid: i as u16,
                hotkey: hotkeys[i],
                coldkey: coldkeys[i],
                stake: stake[i].unwrap_or(0),
                root_stake: root_stake[i].unwrap_or(0),
                stake_weight: stake_weight.as_ref().map(|w| at_u16(w, i)),
                stake_rank: stake_rank[i],
                validator_permit: permits.get(i).copied().unwrap_or(false),
                active: active.get(i).copied().unwrap_or(false),
                consensus: at_u16(&consensus, i),
                incentive: at_u16(&incentive, i),
                dividends: at_u16(&dividends, i),
                trust: trust.as_ref().map(|v| at_u16(v, i)),
                validator_trust: at_u16(&validator_trust, i),
                rank: rank.as_ref().map(|v| at_u16(v, i)),
                pruning_score: pruning.as_ref().map(|v| at_u16(v, i)),
                emission: emission.get(i).copied().unwrap_or(0),
                alpha_dividends: alpha_dividends.as_ref().map(|v| v[i].unwrap_or(0)),
                last_update: last_update.get(i).copied().unwrap_or(0),
                registered_at: reg,
                immune: immunity_period.is_some_and(|p| at.saturating_sub(reg) < u64::from(p)),
                take: takes[i],
                axon: axons[i].clone(),
            }
        })
        .collect();
    let next_pruned = next_pruned(&neurons, owner_hotkey);
    Ok(Metagraph {
        netuid,
        block: view.at(),
        provenance: view.provenance(),
        max_validators: view
            .value(SUBTENSOR, "MaxAllowedValidators", key.clone())
            .await?,
        max_neurons: view.value(SUBTENSOR, "MaxAllowedUids", key.clone()).await?,
        immunity_period,
        tempo: view.value(SUBTENSOR, "Tempo", key.clone()).await?,
        owner_hotkey,
        next_pruned,
        neurons,
        unavailable: view.unavailable(),
    })
}

/// The runtime's choice of uid to replace: lowest pruning score among non-immune uids (all
/// uids when every one is immune), ties to the earliest registration, never the owner's.
pub fn next_pruned(neurons: &[Neuron], owner_hotkey: Option<[u8; 32]>) -> Option<u16> {
    let candidates = |immune: bool| {
        neurons
            .iter()
            .filter(move |n| Some(n.hotkey) != owner_hotkey && n.immune == immune)
            .filter_map(|n| Some((n.pruning_score?, n.registered_at, n.uid)))
            .min()
            .map(|(_, _, uid)| uid)
    };
    candidates(false).or_else(|| candidates(true))
}

async fn read_axons<S: Source>(
    view: &View<'_, S>,
    netuid: u16,
    hotkeys: &[[u8; 32]],
) -> Result<Vec<Option<Axon>>, ChainError> {
    let meta = view.metadata();
    let Ok(item) = meta.item(SUBTENSOR, "Axons") else {
        return Ok(vec![None; hotkeys.len()]);
    };
    let keys: Vec<Vec<u8>> = hotkeys
        .iter()
        .map(|h| meta.key(item, &[&key_u16(netuid), &key_account(h)]))
        .collect::<Result<_, _>>()?;
    let raw = view.source().storage(&view.at(), &keys).await?;
    raw.iter()
        .map(|bytes| match bytes {
            None => Ok(None),
            Some(b) => Ok(axon_of(&meta.decode_value(
                item.entry.value_type,
                b,
                "Axons",
            )?)),
        })
        .collect()
}

/// [`read_rows`] for every uid in `uids` at once, in batched reads (a 256-uid subnet is two
/// batches per item, not 512 reads): what a snapshot records so that any neuron page opens.
///
/// # Errors
///
/// [`ChainError`] when the source fails or a value does not decode.
pub async fn read_all_rows<S: Source>(
    view: &View<'_, S>,
    netuid: u16,
    uids: &[u16],
) -> Result<Vec<Rows>, ChainError> {
    let keys: Vec<KeyParts> = uids
        .iter()
        .map(|u| vec![key_u16(netuid), key_u16(*u)])
        .collect();
    let weights = view
        .values::<Vec<(u16, u16)>>(SUBTENSOR, "Weights", &keys)
        .await?
        .unwrap_or_default();
    let bonds = view
        .values::<Vec<(u16, u16)>>(SUBTENSOR, "Bonds", &keys)
        .await?
        .unwrap_or_default();
    let mut rows = Vec::with_capacity(uids.len());
    for i in 0..uids.len() {
        let of = |v: &Vec<Option<Vec<(u16, u16)>>>| v.get(i).cloned().flatten().unwrap_or_default();
        rows.push((of(&weights), of(&bonds)));
    }
    Ok(rows)
}

/// One uid's weights set and bonds held: `(target uid, u16)` pairs as stored.
pub type Rows = (Vec<(u16, u16)>, Vec<(u16, u16)>);

/// The weights uid `uid` set and the bonds it holds, as stored (`(target uid, u16)` pairs).
///
/// # Errors
///
/// [`ChainError`] when the source fails or a value does not decode.
pub async fn read_rows<S: Source>(
    view: &View<'_, S>,
    netuid: u16,
    uid: u16,
) -> Result<Rows, ChainError> {
    // One uid is a batch of one: the keys and items are read in one place.
    Ok(read_all_rows(view, netuid, &[uid])
        .await?
        .pop()
        .unwrap_or_default())
}
