//! What a stake move needs from the chain before it is signed, and what it did after: the
//! signer's nonce and free balance, the runtime's versions and the genesis hash (all read at a
//! verified block), the pool price, the runtime's own swap simulation and fee estimate; then
//! the events the included extrinsic emitted, put into words.
//!
//! Everything here is optional where the runtime is: a runtime without `SwapRuntimeApi` gets
//! no simulation (and the page says so), never a number made up in its place.

use scale_value::{At as _, Value, ValueDef};

use super::{Action, uint};
use crate::error::ChainError;
use crate::extrinsic::{Era, TxParams};
use crate::source::Source;
use crate::view::{View, key_account, key_u16};

/// How many blocks a transaction signed here stays valid: long enough for a slow extension
/// dialog (~13 minutes on finney), short enough that a forgotten one dies.
pub const MORTAL_PERIOD: u64 = 64;

/// The signer's side of a transaction at one verified block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// The account's next nonce (`System.Account.nonce`).
    pub nonce: u32,
    /// Free balance, rao.
    pub free: u64,
}

/// Reads the signer's nonce and free balance.
///
/// # Errors
///
/// [`ChainError`] when the read fails or `System.Account` does not decode.
pub async fn read_signer<S: Source>(
    view: &View<'_, S>,
    account: &[u8; 32],
) -> Result<Signer, ChainError> {
    let value: Option<Value<()>> = view
        .value("System", "Account", vec![key_account(account)])
        .await?;
    let value = value.map(typed);
    let Some(value) = value else {
        return Ok(Signer { nonce: 0, free: 0 });
    };
    let nonce = value.at("nonce").and_then(uint).unwrap_or(0);
    let free = value
        .at("data")
        .and_then(|d| d.at("free"))
        .and_then(uint)
        .unwrap_or(0);
    Ok(Signer {
        nonce: u32::try_from(nonce).unwrap_or(u32::MAX),
        free: u64::try_from(free).unwrap_or(u64::MAX),
    })
}

/// The transaction parameters at the view's block: the signer's nonce, the runtime's versions,
/// the genesis hash (`System.BlockHash[0]`, read through the proof like anything else), a
/// mortal era of [`MORTAL_PERIOD`] blocks from this block, no tip, and the metadata-hash check
/// disabled (mode 0: this client does not compute the merkleized metadata hash yet).
///
/// # Errors
///
/// [`ChainError`] when a read fails, or the genesis hash is missing.
pub async fn tx_params<S: Source>(view: &View<'_, S>, nonce: u32) -> Result<TxParams, ChainError> {
    let genesis: Option<[u8; 32]> = view
        .value("System", "BlockHash", vec![codec::Encode::encode(&0u32)])
        .await?;
    let genesis_hash = genesis.ok_or_else(|| {
        ChainError::Decode(crate::DecodeError::NotAvailable(
            "System.BlockHash[0] (the genesis hash)".into(),
        ))
    })?;
    let at = view.at();
    let runtime = view.runtime();
    Ok(TxParams {
        nonce,
        tip: 0,
        era: Era::Mortal {
            period: MORTAL_PERIOD,
            birth: at.number,
            birth_hash: at.hash,
        },
        spec_version: runtime.spec_version,
        transaction_version: runtime.transaction_version,
        genesis_hash,
        metadata_hash: None,
    })
}

/// The pool price and the runtime's own simulation of an action, where it offers them.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quote {
    /// Rao per alpha (×1e9) on the subnet bought or sold (`SwapRuntimeApi.current_alpha_price`);
    /// for a swap between subnets, the origin's price over the destination's (×1e9).
    pub price: Option<u64>,
    /// What the swap gives back: alpha units for an add, rao for a remove
    /// (`sim_swap_tao_for_alpha` / `sim_swap_alpha_for_tao`).
    pub expected_out: Option<u64>,
    /// The swap's own fee, in the units paid in.
    pub swap_fee: Option<u64>,
    /// The transaction fee estimate, rao (`TransactionPaymentCallApi.query_call_info`).
    pub fee: Option<u64>,
}

/// The helpers of the review read values with type ids; decoded storage has none.
fn typed(value: Value<()>) -> Value<u32> {
    value.map_context(|()| 0)
}

fn field(value: &Value<u32>, name: &str) -> Option<u64> {
    value
        .at(name)
        .and_then(uint)
        .and_then(|n| u64::try_from(n).ok())
}

/// Prices, simulates and estimates the fee of `action` (its encoded `call`) at the view's block.
///
/// # Errors
///
/// [`ChainError`] when a runtime call fails or its answer does not decode.
pub async fn quote<S: Source>(
    view: &View<'_, S>,
    action: &Action,
    call: &[u8],
) -> Result<Quote, ChainError> {
    let mut quote = Quote::default();
    let swap = match action {
        Action::AddStake { netuid, tao, .. } => Some((*netuid, "sim_swap_tao_for_alpha", *tao)),
        Action::RemoveStake { netuid, alpha, .. } => {
            Some((*netuid, "sim_swap_alpha_for_tao", *alpha))
        }
        Action::SwapStake {
            origin_netuid,
            destination_netuid,
            ..
        } => {
            // The limit of a swap is the origin's price over the destination's (×1e9).
            let origin: Option<u64> = view
                .api(
                    "SwapRuntimeApi",
                    "current_alpha_price",
                    &key_u16(*origin_netuid),
                )
                .await?;
            let destination: Option<u64> = view
                .api(
                    "SwapRuntimeApi",
                    "current_alpha_price",
                    &key_u16(*destination_netuid),
                )
                .await?;
            quote.price = match (origin, destination) {
                (Some(o), Some(d)) if d > 0 => {
                    u64::try_from(u128::from(o) * u128::from(super::UNIT) / u128::from(d)).ok()
                }
                _ => None,
            };
            None
        }
        Action::MoveStake { .. } | Action::Transfer { .. } => None,
    };
    if let Some((netuid, sim, amount)) = swap {
        quote.price = view
            .api("SwapRuntimeApi", "current_alpha_price", &key_u16(netuid))
            .await?;
        let mut params = key_u16(netuid);
        params.extend(codec::Encode::encode(&amount));
        let result: Option<Value<()>> = view.api("SwapRuntimeApi", sim, &params).await?;
        if let Some(result) = result.map(typed) {
            let (out, fee) = if sim == "sim_swap_tao_for_alpha" {
                ("alpha_amount", "tao_fee")
            } else {
                ("tao_amount", "alpha_fee")
            };
            quote.expected_out = field(&result, out);
            quote.swap_fee = field(&result, fee);
        }
    }
    // The fee depends on the extrinsic's length: a signed extrinsic adds ~110 bytes (address,
    // signature, extensions) to the call.
    let mut params = call.to_vec();
    params.extend(codec::Encode::encode(&(call.len() as u32 + 110)));
    let info: Option<Value<()>> = view
        .api("TransactionPaymentCallApi", "query_call_info", &params)
        .await?;
    let info = info.map(typed);
    quote.fee = info.as_ref().and_then(|i| field(i, "partial_fee"));
    Ok(quote)
}

/// One event of the included extrinsic.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventLine {
    /// `SubtensorModule.StakeAdded`.
    pub name: String,
    /// Its fields, as the decoder writes them.
    pub fields: String,
}

/// What an included extrinsic did, from the block's `System.Events`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// `System.ExtrinsicSuccess` was emitted.
    pub success: bool,
    /// The dispatch error in words (`SubtensorModule.SlippageTooHigh`) when it failed.
    pub error: Option<String>,
    /// Every event of the extrinsic, in order.
    pub events: Vec<EventLine>,
    /// The fee actually paid (`TransactionPayment.TransactionFeePaid`), rao.
    pub fee_paid: Option<u64>,
    /// TAO and alpha of a `StakeAdded`/`StakeRemoved` event: (rao, alpha units).
    pub swapped: Option<(u64, u64)>,
}

/// Reads the events the extrinsic at `index` of the view's block emitted.
///
/// # Errors
///
/// [`ChainError`] when the read fails or the events do not decode.
pub async fn outcome<S: Source>(view: &View<'_, S>, index: u32) -> Result<Outcome, ChainError> {
    let records: Option<Value<()>> = view.value("System", "Events", vec![]).await?;
    let records = records.map(typed);
    let mut out = Outcome {
        success: false,
        error: None,
        events: Vec::new(),
        fee_paid: None,
        swapped: None,
    };
    let Some(records) = records else {
        return Ok(out);
    };
    let ValueDef::Composite(records) = &records.value else {
        return Ok(out);
    };
    for record in records.values() {
        let phase_matches = match record.at("phase").map(|p| &p.value) {
            Some(ValueDef::Variant(v)) if v.name == "ApplyExtrinsic" => {
                v.values.values().next().and_then(uint) == Some(u128::from(index))
            }
            _ => false,
        };
        if !phase_matches {
            continue;
        }
        let Some(ValueDef::Variant(pallet)) = record.at("event").map(|e| &e.value) else {
            continue;
        };
        let Some(ValueDef::Variant(event)) = pallet.values.values().next().map(|e| &e.value) else {
            continue;
        };
        let name = format!("{}.{}", pallet.name, event.name);
        let fields: Vec<&Value<u32>> = event.values.values().collect();
        match name.as_str() {
            "System.ExtrinsicSuccess" => out.success = true,
            "System.ExtrinsicFailed" => {
                out.error = Some(
                    fields
                        .first()
                        .map(|e| describe_error(view, e))
                        .unwrap_or_default(),
                );
            }
            "TransactionPayment.TransactionFeePaid" => {
                out.fee_paid = event
                    .values
                    .values()
                    .nth(1)
                    .and_then(uint)
                    .and_then(|n| u64::try_from(n).ok());
            }
            // (coldkey, hotkey, tao, alpha, netuid, ...) for both.
            "SubtensorModule.StakeAdded" | "SubtensorModule.StakeRemoved" => {
                let n = |i: usize| {
                    fields
                        .get(i)
                        .and_then(|v| uint(v))
                        .and_then(|n| u64::try_from(n).ok())
                };
                if let (Some(tao), Some(alpha)) = (n(2), n(3)) {
                    out.swapped = Some((tao, alpha));
                }
            }
            _ => {}
        }
        out.events.push(EventLine {
            name,
            fields: fields
                .iter()
                .map(|f| super::raw(f))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(out)
}

/// A `DispatchError` value in words: the module error's name from the metadata.
fn describe_error<S: Source>(view: &View<'_, S>, error: &Value<u32>) -> String {
    if let ValueDef::Variant(v) = &error.value
        && v.name == "Module"
        && let Some(module) = v.values.values().next()
    {
        let index = module.at("index").and_then(uint);
        let code = module.at("error").and_then(|e| match &e.value {
            ValueDef::Composite(c) => c.values().next().and_then(uint),
            _ => None,
        });
        if let (Some(index), Some(code)) = (index, code)
            && let (Ok(index), Ok(code)) = (u8::try_from(index), u8::try_from(code))
            && let Some(name) = view.metadata().error_name(index, code)
        {
            return name;
        }
    }
    match &error.value {
        ValueDef::Variant(v) => v.name.clone(),
        _ => error.to_string(),
    }
}

/// How far the outcome was from the quote, in basis points of the expected amount (positive
/// when the staker got less than simulated).
pub fn shortfall_bps(expected: u64, got: u64) -> i64 {
    if expected == 0 {
        return 0;
    }
    let diff = i128::from(expected) - i128::from(got);
    i64::try_from(diff * 10_000 / i128::from(expected)).unwrap_or(i64::MAX)
}

/// subtensor's `CustomTransactionError` codes (`common/src/transaction_error.rs`), which
/// metadata does not describe: a refused stake move reports only `Custom(n)`.
const CUSTOM_REFUSALS: [(u8, &str, &str); 16] = [
    (
        1,
        "StakeAmountTooLow",
        "the amount is below the minimum stake",
    ),
    (
        2,
        "BalanceTooLow",
        "the free balance does not cover the amount and the fee",
    ),
    (3, "SubnetNotExists", "the subnet does not exist"),
    (
        4,
        "HotkeyAccountDoesntExist",
        "the hotkey is not registered",
    ),
    (
        5,
        "NotEnoughStakeToWithdraw",
        "there is not that much stake to remove or move",
    ),
    (
        6,
        "RateLimitExceeded",
        "too soon after the last stake move on this hotkey and subnet",
    ),
    (
        7,
        "InsufficientLiquidity",
        "the pool cannot take that amount",
    ),
    (
        8,
        "SlippageTooHigh",
        "the pool's price moved past the limit",
    ),
    (
        9,
        "TransferDisallowed",
        "the subnet does not allow transferring stake",
    ),
    (
        10,
        "HotKeyNotRegisteredInNetwork",
        "the hotkey is not registered on that subnet",
    ),
    (
        14,
        "ZeroMaxAmount",
        "nothing can be swapped within the limit price: the pool's price is past it",
    ),
    (19, "UidNotFound", "the hotkey has no uid on that subnet"),
    (
        21,
        "ColdkeySwapDisputed",
        "this coldkey has a disputed swap",
    ),
    (
        25,
        "NonAssociatedColdKey",
        "the coldkey is not associated with that hotkey",
    ),
    (
        26,
        "DelegateTakeTooLow",
        "the delegate take is below the minimum",
    ),
    (
        27,
        "DelegateTakeTooHigh",
        "the delegate take is above the maximum",
    ),
];

/// A refusal from the light client (`invalid: … Other reason (code: 14)` or `Custom(14)`) with
/// subtensor's name and meaning for the code appended where it is one of its own.
pub fn explain_refusal(text: &str) -> String {
    let code = ["code: ", "Custom("]
        .iter()
        .filter_map(|marker| text.find(marker).map(|at| &text[at + marker.len()..]))
        .find_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u8>().ok()
        });
    match code.and_then(|c| CUSTOM_REFUSALS.iter().find(|(n, ..)| *n == c)) {
        Some((_, name, meaning)) => format!("{text} — {name}: {meaning}"),
        None => text.to_owned(),
    }
}
