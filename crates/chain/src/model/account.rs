//! One coldkey's holdings: free TAO and stake per hotkey and subnet, valued at pool prices.
//!
//! Stake is kept in shares of each hotkey's pool on each subnet (`Alpha`, `U64F64` shares),
//! so an amount is `shares × TotalHotkeyAlpha / TotalHotkeyShares`, as the runtime's share pool
//! computes it; the hotkeys come from the coldkey's `StakingHotkeys`. The TAO value is the
//! amount times the subnet's price: what the position is worth at the margin, not what
//! unstaking it would return after slippage. Both are display figures computed in `f64` (15
//! significant digits), not the runtime's exact arithmetic.

use serde::{Deserialize, Serialize};

use super::{FixedBits, SUBTENSOR, Subnets, read_subnets};
use crate::error::ChainError;
use crate::source::{BlockRef, Provenance, Source};
use crate::tokenomics::RAO_PER_TAO;
use crate::view::{View, key_account, key_u16};

/// Stake of one coldkey on one hotkey in one subnet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// The hotkey staked on.
    #[serde(with = "crate::ss58::account")]
    pub hotkey: [u8; 32],
    /// The subnet.
    pub netuid: u16,
    /// Alpha (rao of the subnet's token; TAO on root).
    pub alpha: u64,
    /// Its value at the subnet's price (rao of TAO).
    pub tao_value: Option<u64>,
    /// The price used (rao per alpha).
    pub price: Option<u64>,
}

impl Account {
    /// The alpha staked to `hotkey` on `netuid` (0 when there is no such position).
    pub fn alpha_on(&self, hotkey: &[u8; 32], netuid: u16) -> u64 {
        self.positions
            .iter()
            .find(|p| p.hotkey == *hotkey && p.netuid == netuid)
            .map_or(0, |p| p.alpha)
    }
}

/// A coldkey's holdings at a block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The coldkey.
    #[serde(with = "crate::ss58::account")]
    pub coldkey: [u8; 32],
    /// The block read.
    pub block: BlockRef,
    /// How it was read.
    pub provenance: Provenance,
    /// Free balance (rao).
    pub free: Option<u64>,
    /// Hotkeys the coldkey owns.
    #[serde(with = "crate::ss58::accounts")]
    pub owned_hotkeys: Vec<[u8; 32]>,
    /// Stake positions, by subnet then hotkey.
    pub positions: Vec<Position>,
    /// Sum of the positions' TAO values (rao).
    pub staked_value: u64,
    /// Items this runtime lacks.
    pub unavailable: Vec<String>,
}

/// Reads `coldkey`'s holdings.
///
/// # Errors
///
/// [`ChainError`] when the source fails or a value does not decode.
pub async fn read_account<S: Source>(
    view: &View<'_, S>,
    coldkey: [u8; 32],
) -> Result<Account, ChainError> {
    let subnets = read_subnets(view).await?;
    read_account_priced(view, coldkey, &subnets).await
}

/// [`read_account`] with the subnets (their pool prices) already read: reading many accounts
/// (a snapshot records every coldkey's) reads the subnets once, not once per account.
///
/// # Errors
///
/// [`ChainError`] when the source fails or a value does not decode.
pub async fn read_account_priced<S: Source>(
    view: &View<'_, S>,
    coldkey: [u8; 32],
    subnets: &Subnets,
) -> Result<Account, ChainError> {
    let meta = view.metadata();
    let ck = key_account(&coldkey);
    // `System.Account`: nonce, counters, then `data: { free, reserved, frozen, flags }`.
    let free = match meta.item("System", "Account") {
        Ok(item) => {
            let key = meta.key(item, &[&ck])?;
            let raw = view.source().storage(&view.at(), &[key]).await?;
            match raw.first().cloned().flatten() {
                None => Some(0),
                Some(bytes) => {
                    let v = meta.decode_value(item.entry.value_type, &bytes, "System.Account")?;
                    use scale_value::At as _;
                    v.at("data")
                        .and_then(|d| d.at("free"))
                        .and_then(|f| f.as_u128())
                        .and_then(|f| u64::try_from(f).ok())
                }
            }
        }
        Err(_) => None,
    };
    let owned_hotkeys: Vec<[u8; 32]> = view
        .value(SUBTENSOR, "OwnedHotkeys", vec![ck.clone()])
        .await?
        .unwrap_or_default();
    let staking: Vec<[u8; 32]> = view
        .value(SUBTENSOR, "StakingHotkeys", vec![ck.clone()])
        .await?
        .unwrap_or_default();
    let price_of = |netuid: u16| {
        subnets
            .subnets
            .iter()
            .find(|s| s.netuid == netuid)
            .and_then(|s| s.price)
    };
    let netuid_ty = meta
        .item(SUBTENSOR, "Alpha")?
        .entry
        .key_types
        .get(2)
        .copied();
    let mut positions = Vec::new();
    for hotkey in &staking {
        let hk = key_account(hotkey);
        let shares = view
            .entries::<FixedBits>(SUBTENSOR, "Alpha", vec![hk.clone(), ck.clone()])
            .await?
            .unwrap_or_default();
        for (parts, share) in shares {
            let (Some(ty), Some(part)) = (netuid_ty, parts.first()) else {
                continue;
            };
            let netuid: u16 = meta.decode_as(ty, part, "Alpha key")?;
            if share.bits == 0 {
                continue;
            }
            let total: u64 = view
                .value(
                    SUBTENSOR,
                    "TotalHotkeyAlpha",
                    vec![hk.clone(), key_u16(netuid)],
                )
                .await?
                .unwrap_or(0);
            let total_shares: Option<FixedBits> = view
                .value(
                    SUBTENSOR,
                    "TotalHotkeyShares",
                    vec![hk.clone(), key_u16(netuid)],
                )
                .await?;
            // value = shares × total / total_shares (both shares U64F64: the scale cancels).
            let alpha = match total_shares.map(|t| t.bits).filter(|t| *t > 0) {
                Some(ts) => (share.bits as f64 / ts as f64 * total as f64) as u64,
                None => 0,
            };
            let price = price_of(netuid);
            positions.push(Position {
                hotkey: *hotkey,
                netuid,
                alpha,
                tao_value: price
                    .map(|p| (u128::from(alpha) * u128::from(p) / u128::from(RAO_PER_TAO)) as u64),
                price,
            });
        }
    }
    positions.sort_by_key(|p| (p.netuid, p.hotkey));
    let staked_value = positions.iter().filter_map(|p| p.tao_value).sum();
    Ok(Account {
        coldkey,
        block: view.at(),
        provenance: view.provenance(),
        free,
        owned_hotkeys,
        positions,
        staked_value,
        unavailable: view.unavailable(),
    })
}
