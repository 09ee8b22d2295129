//! The dashboard's model: what the pages and the command line show, read from one block.
//!
//! Every reader takes a [`View`] (the chain at a block, through its runtime's metadata) and
//! returns plain serializable values: [`Overview`] (chain totals and tokenomics), [`Subnet`]
//! (one row of the subnets table), [`Metagraph`] (all uids of one subnet), [`Account`] (one
//! coldkey's stake) and [`Hyperparam`]s. Amounts stay integers in rao; prices are rao per
//! alpha (1e9 = one TAO per alpha). A figure this runtime does not store is `None`, and the item
//! is listed in `unavailable`, so a page says "not available on this runtime" rather than 0.
//!
//! Storage is read, not runtime APIs: every value then comes with a Merkle proof from a light
//! client, a snapshot can replay it, and the same reads serve the replay of an epoch, which
//! needs storage at the block before it anyway. Runtime APIs are used where they are the only
//! truth: none of the figures here needs one.

pub mod account;
pub mod metagraph;

use scale_value::At as _;
use serde::{Deserialize, Serialize};

pub use account::{Account, Position, read_account, read_account_priced};
pub use metagraph::{Metagraph, Neuron, Rows, read_all_rows, read_metagraph, read_rows};

use crate::error::ChainError;
use crate::registration::LockCost;
use crate::source::{BlockRef, Provenance, Source};
use crate::tokenomics::{self, Halving};
use crate::view::{KeyParts, RuntimeInfo, View, key_u16};

pub(crate) const SUBTENSOR: &str = "SubtensorModule";

/// Chain totals and tokenomics at a block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// The block read.
    pub block: BlockRef,
    /// How it was read.
    pub provenance: Provenance,
    /// The runtime.
    pub runtime: RuntimeInfo,
    /// Milliseconds per block (the Aura slot).
    pub block_time_ms: Option<u64>,
    /// `SubtensorModule.TotalIssuance`: TAO issued so far (rao), what halvings follow.
    pub total_issuance: Option<u64>,
    /// `SubtensorModule.TotalStake` (rao).
    pub total_stake: Option<u64>,
    /// The block reward now (rao): `BlockEmission` as stored, else from the issuance.
    pub block_emission: Option<u64>,
    /// TAO issued per day at that reward and block time (rao).
    pub daily_emission: Option<u64>,
    /// The next halving.
    pub next_halving: Option<Halving>,
    /// Subnets including root (`TotalNetworks`).
    pub total_networks: Option<u16>,
    /// The owner's share of a subnet's emission (`SubnetOwnerCut`, u16 proportion).
    pub owner_cut: Option<u16>,
    /// `TaoWeight`, u64 proportion: how much root stake counts on every subnet.
    pub tao_weight: Option<u64>,
    /// What registering a subnet locks now (rao).
    pub lock_cost: Option<u64>,
    /// The lock cost's inputs, for the decay plot.
    pub lock: Option<LockCost>,
    /// Blocks a new subnet is immune from pruning (`NetworkImmunityPeriod`).
    pub network_immunity_period: Option<u64>,
    /// `SubnetLimit`, where the runtime has one (it prunes when full).
    pub subnet_limit: Option<u16>,
    /// Items this runtime lacks.
    pub unavailable: Vec<String>,
}

/// One subnet, as a row of the subnets table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subnet {
    /// The subnet.
    pub netuid: u16,
    /// Its name from the owner's identity, if set.
    pub name: Option<String>,
    /// The alpha token's symbol (`TokenSymbol`).
    pub symbol: Option<String>,
    /// Owner coldkey.
    #[serde(with = "crate::ss58::option_account")]
    pub owner_coldkey: Option<[u8; 32]>,
    /// Owner hotkey (uid 0 at registration).
    #[serde(with = "crate::ss58::option_account")]
    pub owner_hotkey: Option<[u8; 32]>,
    /// Block the subnet was registered in.
    pub registered_at: Option<u64>,
    /// Blocks between epochs.
    pub tempo: Option<u16>,
    /// Registered uids.
    pub neurons: Option<u16>,
    /// Uid slots.
    pub max_neurons: Option<u16>,
    /// Validator permit slots.
    pub max_validators: Option<u16>,
    /// Price, rao per alpha (1e9 = 1 TAO): the swap pool's, else the reserves' ratio.
    pub price: Option<u64>,
    /// `SubnetMovingPrice` (TAO per alpha, an EMA), which weighs emission between subnets.
    pub moving_price: Option<f64>,
    /// TAO in the pool (`SubnetTAO`, rao).
    pub tao_in: Option<u64>,
    /// Alpha in the pool (`SubnetAlphaIn`).
    pub alpha_in: Option<u64>,
    /// Alpha held as stake (`SubnetAlphaOut`).
    pub alpha_out: Option<u64>,
    /// TAO injected into the pool in the last block (`SubnetTaoInEmission`, rao).
    pub tao_in_emission: Option<u64>,
    /// Alpha emitted to participants in the last block (`SubnetAlphaOutEmission`).
    pub alpha_out_emission: Option<u64>,
    /// Share of the TAO all subnets received in the last block (0..1).
    pub emission_share: Option<f64>,
    /// What registering a neuron burns now (`Burn`, rao of TAO).
    pub burn: Option<u64>,
    /// Block emission started (`FirstEmissionBlockNumber`); `None` before `start_call`.
    pub first_emission: Option<u64>,
    /// The last epoch's block.
    pub last_epoch: Option<u64>,
    /// The next epoch's block.
    pub next_epoch: Option<u64>,
    /// `Yuma3On`.
    pub yuma3: Option<bool>,
    /// `LiquidAlphaOn`.
    pub liquid_alpha: Option<bool>,
    /// Last block of network immunity (registered + `NetworkImmunityPeriod`).
    pub immune_until: Option<u64>,
    /// Whether the subnet is still immune at the block read.
    pub immune: bool,
}

/// The subnets table, with the pruning order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subnets {
    /// The block read.
    pub block: BlockRef,
    /// How it was read.
    pub provenance: Provenance,
    /// Every subnet (root first).
    pub subnets: Vec<Subnet>,
    /// Non-immune subnets ordered by moving price, lowest first: the next to be pruned when
    /// registrations exceed the limit, on runtimes that prune.
    pub pruning_order: Vec<u16>,
    /// Whether this runtime prunes subnets at all (it has `SubnetLimit`).
    pub prunes: bool,
    /// Items this runtime lacks.
    pub unavailable: Vec<String>,
}

/// One hyperparameter as the chain stores it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hyperparam {
    /// The storage item (`Kappa`).
    pub name: String,
    /// The value as the chain stores it, in words (`32767`, `(45875, 58982)`).
    pub value: Option<String>,
}

/// Per-subnet storage items shown as hyperparameters, in the order shown.
pub const HYPERPARAMS: &[&str] = &[
    "Tempo",
    "Kappa",
    "Rho",
    "ActivityCutoff",
    "ImmunityPeriod",
    "MaxAllowedUids",
    "MaxAllowedValidators",
    "MinAllowedWeights",
    "MaxWeightsLimit",
    "WeightsVersionKey",
    "WeightsSetRateLimit",
    "AdjustmentInterval",
    "AdjustmentAlpha",
    "TargetRegistrationsPerInterval",
    "MaxRegistrationsPerBlock",
    "NetworkRegistrationAllowed",
    "NetworkPowRegistrationAllowed",
    "Burn",
    "MinBurn",
    "MaxBurn",
    "Difficulty",
    "BondsMovingAverage",
    "BondsPenalty",
    "BondsResetOn",
    "Yuma3On",
    "LiquidAlphaOn",
    "AlphaValues",
    "AlphaSigmoidSteepness",
    "CommitRevealWeightsEnabled",
    "RevealPeriodEpochs",
    "ServingRateLimit",
    "SubtokenEnabled",
    "TransferToggle",
];

/// The next epoch of `netuid` after block `now`, as the runtime schedules it: epochs run in
/// blocks `b` with `(b + netuid + 1) % (tempo + 1) == 0`; tempo 0 never runs one.
pub fn next_epoch(netuid: u16, tempo: u16, now: u64) -> Option<u64> {
    if tempo == 0 {
        return None;
    }
    let period = u64::from(tempo) + 1;
    let phase = (now + u64::from(netuid) + 1) % period;
    Some(now + if phase == 0 { period } else { period - phase })
}

/// Reads chain totals and tokenomics.
///
/// # Errors
///
/// [`ChainError`] when the source fails or a value does not decode.
pub async fn read_overview<S: Source>(view: &View<'_, S>) -> Result<Overview, ChainError> {
    let at = view.at();
    let g = |item: &'static str| async move { view.value::<u64>(SUBTENSOR, item, vec![]).await };
    let total_issuance = g("TotalIssuance").await?;
    let total_stake = g("TotalStake").await?;
    let stored_emission = g("BlockEmission").await?;
    let block_emission = stored_emission
        .filter(|e| *e > 0)
        .or(total_issuance.map(tokenomics::block_emission));
    let block_time_ms: Option<u64> = view.constant("Aura", "SlotDuration")?;
    let next_halving = match (total_issuance, block_time_ms) {
        (Some(issuance), Some(ms)) => tokenomics::next_halving(issuance, at.number, ms),
        _ => None,
    };
    let lock = match (
        g("NetworkLastLockCost").await?,
        g("NetworkMinLockCost").await?,
        g("NetworkLastRegistered").await?,
        g("NetworkLockReductionInterval").await?,
        block_emission,
    ) {
        (Some(last), Some(min), Some(registered), Some(interval), Some(emission)) => {
            Some(LockCost::new(last, min, registered, interval, emission))
        }
        _ => None,
    };
    Ok(Overview {
        block: at,
        provenance: view.provenance(),
        runtime: view.runtime().clone(),
        block_time_ms,
        total_issuance,
        total_stake,
        block_emission,
        daily_emission: block_emission
            .zip(block_time_ms)
            .map(|(e, ms)| tokenomics::daily_emission(e, ms)),
        next_halving,
        total_networks: view.value(SUBTENSOR, "TotalNetworks", vec![]).await?,
        owner_cut: view.value(SUBTENSOR, "SubnetOwnerCut", vec![]).await?,
        tao_weight: g("TaoWeight").await?,
        lock_cost: lock.map(|l| l.at(at.number)),
        lock,
        network_immunity_period: g("NetworkImmunityPeriod").await?,
        subnet_limit: view.value(SUBTENSOR, "SubnetLimit", vec![]).await?,
        unavailable: view.unavailable(),
    })
}

/// The netuids that exist (`NetworksAdded`), ascending.
///
/// # Errors
///
/// [`ChainError`] when the source fails or the map cannot be iterated.
pub async fn netuids<S: Source>(view: &View<'_, S>) -> Result<Vec<u16>, ChainError> {
    let entries = view
        .entries::<bool>(SUBTENSOR, "NetworksAdded", vec![])
        .await?
        .unwrap_or_default();
    let mut out = Vec::with_capacity(entries.len());
    for (parts, added) in entries {
        let netuid: u16 = view.metadata().decode_as(
            view.metadata()
                .item(SUBTENSOR, "NetworksAdded")?
                .entry
                .key_types[0],
            parts.first().map_or(&[][..], Vec::as_slice),
            "NetworksAdded key",
        )?;
        if added {
            out.push(netuid);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Text from bytes a user wrote (identities, symbols): UTF-8, lossy, trimmed.
pub(crate) fn text(bytes: &[u8]) -> Option<String> {
    let t = String::from_utf8_lossy(bytes).trim().to_owned();
    (!t.is_empty()).then_some(t)
}

/// Bytes of a dynamic value that holds a byte sequence, through newtypes around it
/// (`AccountId32([u8; 32])`, `H256`).
pub(crate) fn value_bytes(v: &scale_value::Value<u32>) -> Option<Vec<u8>> {
    match &v.value {
        scale_value::ValueDef::Composite(c)
            if c.len() == 1
                && matches!(
                    c.values().next().map(|x| &x.value),
                    Some(scale_value::ValueDef::Composite(_))
                ) =>
        {
            c.values().next().and_then(value_bytes)
        }
        scale_value::ValueDef::Composite(c) => c
            .values()
            .map(|x| x.as_u128().and_then(|b| u8::try_from(b).ok()))
            .collect(),
        _ => None,
    }
}

/// A fixed-point value's bits (`FixedU128`/`FixedI128` keep them in a field `bits`).
#[derive(Clone, Copy, Debug, Default, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub(crate) struct FixedBits {
    pub(crate) bits: u128,
}

/// A signed fixed-point value's bits.
#[derive(Clone, Copy, Debug, Default, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub(crate) struct SignedFixedBits {
    pub(crate) bits: i128,
}

/// Per-netuid values of one item for `netuids`.
async fn per_subnet<S: Source, T: scale_decode::DecodeAsType>(
    view: &View<'_, S>,
    item: &str,
    netuids: &[u16],
) -> Result<Vec<Option<T>>, ChainError> {
    let keys: Vec<KeyParts> = netuids.iter().map(|n| vec![key_u16(*n)]).collect();
    Ok(view
        .values::<T>(SUBTENSOR, item, &keys)
        .await?
        .unwrap_or_else(|| netuids.iter().map(|_| None).collect()))
}

/// Reads every subnet: the subnets table.
///
/// # Errors
///
/// [`ChainError`] when the source fails or a value does not decode.
pub async fn read_subnets<S: Source>(view: &View<'_, S>) -> Result<Subnets, ChainError> {
    let at = view.at();
    let ids = netuids(view).await?;
    let tempo: Vec<Option<u16>> = per_subnet(view, "Tempo", &ids).await?;
    let n: Vec<Option<u16>> = per_subnet(view, "SubnetworkN", &ids).await?;
    let max_n: Vec<Option<u16>> = per_subnet(view, "MaxAllowedUids", &ids).await?;
    let max_v: Vec<Option<u16>> = per_subnet(view, "MaxAllowedValidators", &ids).await?;
    let owner: Vec<Option<[u8; 32]>> = per_subnet(view, "SubnetOwner", &ids).await?;
    let owner_hot: Vec<Option<[u8; 32]>> = per_subnet(view, "SubnetOwnerHotkey", &ids).await?;
    let registered: Vec<Option<u64>> = per_subnet(view, "NetworkRegisteredAt", &ids).await?;
    let tao_in: Vec<Option<u64>> = per_subnet(view, "SubnetTAO", &ids).await?;
    let alpha_in: Vec<Option<u64>> = per_subnet(view, "SubnetAlphaIn", &ids).await?;
    let alpha_out: Vec<Option<u64>> = per_subnet(view, "SubnetAlphaOut", &ids).await?;
    let tao_emission: Vec<Option<u64>> = per_subnet(view, "SubnetTaoInEmission", &ids).await?;
    let alpha_emission: Vec<Option<u64>> = per_subnet(view, "SubnetAlphaOutEmission", &ids).await?;
    let moving: Vec<Option<SignedFixedBits>> = per_subnet(view, "SubnetMovingPrice", &ids).await?;
    let burn: Vec<Option<u64>> = per_subnet(view, "Burn", &ids).await?;
    let first: Vec<Option<u64>> = per_subnet(view, "FirstEmissionBlockNumber", &ids).await?;
    let last_step: Vec<Option<u64>> = per_subnet(view, "LastMechansimStepBlock", &ids).await?;
    let yuma3: Vec<Option<bool>> = per_subnet(view, "Yuma3On", &ids).await?;
    let liquid: Vec<Option<bool>> = per_subnet(view, "LiquidAlphaOn", &ids).await?;
    let symbol: Vec<Option<Vec<u8>>> = per_subnet(view, "TokenSymbol", &ids).await?;
    let mechanism: Vec<Option<u16>> = per_subnet(view, "SubnetMechanism", &ids).await?;
    let identity = read_identities(view, &ids).await?;
    let prices = read_prices(view, &ids, &tao_in, &alpha_in, &mechanism).await?;
    let immunity: Option<u64> = view
        .value(SUBTENSOR, "NetworkImmunityPeriod", vec![])
        .await?;
    let limit: Option<u16> = view.value(SUBTENSOR, "SubnetLimit", vec![]).await?;
    let total_tao_emission: u64 = tao_emission.iter().flatten().sum();

    let subnets: Vec<Subnet> = ids
        .iter()
        .enumerate()
        .map(|(i, &netuid)| {
            let immune_until = registered[i]
                .zip(immunity)
                .map(|(r, p)| r.saturating_add(p));
            Subnet {
                netuid,
                name: identity[i].clone(),
                symbol: symbol[i].as_deref().and_then(text),
                owner_coldkey: owner[i],
                owner_hotkey: owner_hot[i],
                registered_at: registered[i],
                tempo: tempo[i],
                neurons: n[i],
                max_neurons: max_n[i],
                max_validators: max_v[i],
                price: prices[i],
                moving_price: moving[i].map(|m| m.bits as f64 / 4_294_967_296.0),
                tao_in: tao_in[i],
                alpha_in: alpha_in[i],
                alpha_out: alpha_out[i],
                tao_in_emission: tao_emission[i],
                alpha_out_emission: alpha_emission[i],
                emission_share: tao_emission[i]
                    .filter(|_| total_tao_emission > 0)
                    .map(|e| e as f64 / total_tao_emission as f64),
                burn: burn[i],
                first_emission: first[i],
                last_epoch: last_step[i],
                next_epoch: tempo[i].and_then(|t| next_epoch(netuid, t, at.number)),
                yuma3: yuma3[i],
                liquid_alpha: liquid[i],
                immune: netuid == 0 || immune_until.is_some_and(|u| at.number < u),
                immune_until,
            }
        })
        .collect();
    let mut pruning_order: Vec<&Subnet> = subnets
        .iter()
        .filter(|s| s.netuid != 0 && !s.immune)
        .collect();
    pruning_order.sort_by(|a, b| {
        a.moving_price
            .unwrap_or(0.0)
            .partial_cmp(&b.moving_price.unwrap_or(0.0))
            .unwrap_or(core::cmp::Ordering::Equal)
            .then(a.netuid.cmp(&b.netuid))
    });
    Ok(Subnets {
        block: at,
        provenance: view.provenance(),
        pruning_order: pruning_order.iter().map(|s| s.netuid).collect(),
        subnets,
        prunes: limit.is_some(),
        unavailable: view.unavailable(),
    })
}

/// Subnet names from the owners' identities (`SubnetIdentitiesV3`, or older versions).
async fn read_identities<S: Source>(
    view: &View<'_, S>,
    ids: &[u16],
) -> Result<Vec<Option<String>>, ChainError> {
    let item = [
        "SubnetIdentitiesV3",
        "SubnetIdentitiesV2",
        "SubnetIdentities",
    ]
    .into_iter()
    .find(|i| view.metadata().storage(SUBTENSOR, i).is_some());
    let Some(item) = item else {
        return Ok(ids.iter().map(|_| None).collect());
    };
    let keys: Vec<KeyParts> = ids.iter().map(|n| vec![key_u16(*n)]).collect();
    let found = view.metadata().item(SUBTENSOR, item)?;
    let full: Vec<Vec<u8>> = keys
        .iter()
        .map(|k| view.metadata().key(found, &[k[0].as_slice()]))
        .collect::<Result<_, _>>()?;
    let raw = view.source().storage(&view.at(), &full).await?;
    raw.iter()
        .map(|bytes| {
            let Some(bytes) = bytes else { return Ok(None) };
            let value = view.metadata().decode_value(
                found.entry.value_type,
                bytes,
                &format!("{SUBTENSOR}.{item}"),
            )?;
            Ok(value
                .at("subnet_name")
                .and_then(value_bytes)
                .and_then(|b| text(&b)))
        })
        .collect()
}

/// Prices in rao per alpha: the swap pool's (`AlphaSqrtPrice²` once initialized), else the
/// reserves' ratio; the root network's is one TAO.
async fn read_prices<S: Source>(
    view: &View<'_, S>,
    ids: &[u16],
    tao_in: &[Option<u64>],
    alpha_in: &[Option<u64>],
    mechanism: &[Option<u16>],
) -> Result<Vec<Option<u64>>, ChainError> {
    let keys: Vec<KeyParts> = ids.iter().map(|n| vec![key_u16(*n)]).collect();
    let initialized = view
        .values::<bool>("Swap", "SwapV3Initialized", &keys)
        .await?;
    let sqrt = view
        .values::<FixedBits>("Swap", "AlphaSqrtPrice", &keys)
        .await?;
    Ok(ids
        .iter()
        .enumerate()
        .map(|(i, netuid)| {
            if *netuid == 0 || mechanism[i] == Some(0) {
                return Some(tokenomics::RAO_PER_TAO);
            }
            let pool = initialized
                .as_ref()
                .and_then(|v| v[i])
                .unwrap_or(false)
                .then(|| sqrt.as_ref().and_then(|v| v[i]))
                .flatten();
            match pool {
                Some(s) => {
                    // sqrt price in U64F64; price = sqrt² in rao per alpha.
                    let root = s.bits as f64 / 18_446_744_073_709_551_616.0;
                    Some((root * root * tokenomics::RAO_PER_TAO as f64) as u64)
                }
                None => match (tao_in[i], alpha_in[i]) {
                    (Some(t), Some(a)) if a > 0 => Some(
                        (u128::from(t) * u128::from(tokenomics::RAO_PER_TAO) / u128::from(a))
                            as u64,
                    ),
                    _ => None,
                },
            }
        })
        .collect())
}

/// Reads the hyperparameters of `netuid` as the chain stores them.
///
/// # Errors
///
/// [`ChainError`] when the source fails or a value does not decode.
pub async fn read_hyperparams<S: Source>(
    view: &View<'_, S>,
    netuid: u16,
) -> Result<Vec<Hyperparam>, ChainError> {
    let meta = view.metadata();
    let mut keys = Vec::new();
    let mut found = Vec::new();
    for name in HYPERPARAMS {
        if let Ok(item) = meta.item(SUBTENSOR, name)
            && item.entry.key_types.len() == 1
        {
            keys.push(meta.key(item, &[&key_u16(netuid)])?);
            found.push(Some(item));
            continue;
        }
        found.push(None);
    }
    let raw = view.source().storage(&view.at(), &keys).await?;
    let mut raw = raw.into_iter();
    let mut out = Vec::with_capacity(HYPERPARAMS.len());
    for (name, item) in HYPERPARAMS.iter().zip(found) {
        let value = match item {
            None => None,
            Some(item) => {
                let bytes = raw.next().flatten();
                let bytes = bytes.as_deref().unwrap_or(&item.entry.default);
                Some(
                    meta.decode_value(item.entry.value_type, bytes, &item.name())?
                        .to_string(),
                )
            }
        };
        out.push(Hyperparam {
            name: (*name).into(),
            value,
        });
    }
    Ok(out)
}

/// Whether `netuid` exists.
///
/// # Errors
///
/// [`ChainError`] when the source fails.
pub async fn subnet_exists<S: Source>(view: &View<'_, S>, netuid: u16) -> Result<bool, ChainError> {
    Ok(view
        .value::<bool>(SUBTENSOR, "NetworksAdded", vec![key_u16(netuid)])
        .await?
        .unwrap_or(false))
}

#[cfg(test)]
mod tests;
