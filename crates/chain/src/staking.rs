//! Stake moves as a staker asks for them, turned into the runtime's own calls, and the signed
//! payload read back into what the review screen shows.
//!
//! The page never builds bytes from its form directly: an [`Action`] (what the user typed,
//! already checked) becomes a call through the metadata's argument *names*, so a runtime that
//! reorders or renames arguments makes the call fail loudly instead of staking on the wrong
//! subnet. What the user reviews is not the form either: it is [`Review::of`] the exact bytes
//! handed to the extension, decoded again through the metadata. A test signs those bytes and
//! checks the review against the action, for every call the page can build.
//!
//! Every stake move that swaps through a pool carries a limit price (the runtime's `*_limit`
//! calls): add and remove take one, a move between subnets is `swap_stake_limit`. Moving alpha
//! to another hotkey on the same subnet swaps nothing, so `move_stake` needs no limit; moving to
//! another hotkey *and* subnet at once has no limited call, and is refused with the two steps
//! that do the same thing safely.

use scale_value::{Composite, Value, ValueDef};

use crate::error::DecodeError;
use crate::metadata::Metadata;
use crate::ss58;

mod prepare;
pub use prepare::{
    EventLine, MORTAL_PERIOD, Outcome, Quote, Signer, explain_refusal, outcome, quote, read_signer,
    shortfall_bps, tx_params,
};

/// Rao in one TAO (and alpha units in one alpha: both have nine decimals).
pub const UNIT: u64 = 1_000_000_000;

/// Why an amount typed by the user is not one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Nothing typed.
    #[error("enter an amount")]
    Empty,
    /// Not a decimal number (`abc`, `1,5`, `-2`, `1e3`).
    #[error("“{0}” is not an amount: use digits and at most one “.”")]
    NotANumber(String),
    /// Zero: the chain would refuse it and charge the fee anyway.
    #[error("the amount must be more than zero")]
    Zero,
    /// Finer than one rao.
    #[error("at most 9 decimals: 0.000000001 is the smallest unit")]
    TooManyDecimals,
    /// More than fits in 64 bits of rao.
    #[error("the amount is too large")]
    TooLarge,
    /// More than the account holds.
    #[error("{wanted} is more than the {available} available")]
    AboveBalance {
        /// What was asked, in units.
        wanted: String,
        /// What there is, in units.
        available: String,
    },
}

/// Reads a decimal amount (`1.5`, `0.000000001`, `12`) into the smallest units (rao or alpha
/// units), refusing anything that is not exactly one.
///
/// # Errors
///
/// An [`AmountError`] saying what to fix.
pub fn parse_amount(text: &str) -> Result<u64, AmountError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    let not_a_number = || AmountError::NotANumber(text.to_owned());
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(not_a_number());
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 9 {
        return Err(AmountError::TooManyDecimals);
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| AmountError::TooLarge)?
    };
    let fraction: u64 = format!("{fraction:0<9}")
        .parse()
        .map_err(|_| not_a_number())?;
    let units = whole
        .checked_mul(UNIT)
        .and_then(|w| w.checked_add(fraction))
        .ok_or(AmountError::TooLarge)?;
    if units == 0 {
        return Err(AmountError::Zero);
    }
    Ok(units)
}

/// Checks `units` against what the account holds.
///
/// # Errors
///
/// [`AmountError::AboveBalance`].
pub fn within(units: u64, available: u64) -> Result<u64, AmountError> {
    if units > available {
        return Err(AmountError::AboveBalance {
            wanted: format_units(units),
            available: format_units(available),
        });
    }
    Ok(units)
}

/// Smallest units as a decimal with every significant digit and no trailing zeros
/// (`1500000000` → `1.5`): what the review shows, so nothing is rounded away.
pub fn format_units(units: u64) -> String {
    let whole = units / UNIT;
    let fraction = units % UNIT;
    if fraction == 0 {
        return whole.to_string();
    }
    let fraction = format!("{fraction:09}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// A limit price and what to do when the pool cannot fill the whole amount within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Rao per alpha (×1e9), as the runtime's `limit_price`: the highest price an add stake
    /// pays, the lowest a remove accepts.
    pub price: u64,
    /// Fill what fits within the limit instead of failing.
    pub allow_partial: bool,
}

impl Limit {
    /// The limit `tolerance_bps` (basis points) away from `price` in the user's disfavour:
    /// above it when buying alpha, below it when selling.
    pub fn from_price(price: u64, tolerance_bps: u32, buying: bool, allow_partial: bool) -> Self {
        let delta = u128::from(price) * u128::from(tolerance_bps) / 10_000;
        let price = if buying {
            u128::from(price) + delta
        } else {
            u128::from(price).saturating_sub(delta)
        };
        Limit {
            price: u64::try_from(price).unwrap_or(u64::MAX),
            allow_partial,
        }
    }
}

/// One thing a staker asks for, with amounts already in smallest units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Buy alpha on `netuid` with `tao` rao, staked to `hotkey`.
    AddStake {
        /// The validator's hotkey.
        hotkey: [u8; 32],
        /// Subnet.
        netuid: u16,
        /// Rao spent.
        tao: u64,
        /// Highest price paid.
        limit: Limit,
    },
    /// Sell `alpha` units staked to `hotkey` on `netuid` for TAO.
    RemoveStake {
        /// The validator's hotkey.
        hotkey: [u8; 32],
        /// Subnet.
        netuid: u16,
        /// Alpha units sold.
        alpha: u64,
        /// Lowest price accepted.
        limit: Limit,
    },
    /// Move `alpha` units from one hotkey to another on the same subnet (no swap).
    MoveStake {
        /// Where the stake is.
        origin_hotkey: [u8; 32],
        /// Where it goes.
        destination_hotkey: [u8; 32],
        /// The subnet, on both sides.
        netuid: u16,
        /// Alpha units moved.
        alpha: u64,
    },
    /// Move `alpha` units staked to `hotkey` from one subnet to another, through both pools.
    SwapStake {
        /// The hotkey, on both sides.
        hotkey: [u8; 32],
        /// Subnet sold.
        origin_netuid: u16,
        /// Subnet bought.
        destination_netuid: u16,
        /// Alpha units of the origin subnet.
        alpha: u64,
        /// Lowest accepted price of origin alpha in destination alpha (×1e9): the origin's
        /// price over the destination's, as subtensor's `get_max_amount_move` reads it.
        limit: Limit,
    },
    /// Send `tao` rao of free balance to `dest`, never killing the sender's account.
    Transfer {
        /// Recipient.
        dest: [u8; 32],
        /// Rao sent.
        tao: u64,
    },
}

/// Why a move is refused before anything is built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// Another hotkey and another subnet at once: the runtime has no limited call for it.
    #[error(
        "moving to another hotkey and another subnet at once has no price limit on chain; \
         move to the new hotkey first (no swap), then swap subnets with a limit"
    )]
    UnlimitedMove,
    /// Same hotkey, same subnet.
    #[error("origin and destination are the same")]
    NothingToMove,
}

impl Action {
    /// A move from (`origin_hotkey`, `origin_netuid`) to (`destination_hotkey`,
    /// `destination_netuid`): [`Action::MoveStake`] on one subnet, [`Action::SwapStake`] between
    /// subnets of one hotkey; refused otherwise (see the module header).
    ///
    /// # Errors
    ///
    /// [`ActionError`].
    pub fn relocate(
        origin_hotkey: [u8; 32],
        origin_netuid: u16,
        destination_hotkey: [u8; 32],
        destination_netuid: u16,
        alpha: u64,
        limit: Limit,
    ) -> Result<Action, ActionError> {
        match (
            origin_hotkey == destination_hotkey,
            origin_netuid == destination_netuid,
        ) {
            (true, true) => Err(ActionError::NothingToMove),
            (false, true) => Ok(Action::MoveStake {
                origin_hotkey,
                destination_hotkey,
                netuid: origin_netuid,
                alpha,
            }),
            (true, false) => Ok(Action::SwapStake {
                hotkey: origin_hotkey,
                origin_netuid,
                destination_netuid,
                alpha,
                limit,
            }),
            (false, false) => Err(ActionError::UnlimitedMove),
        }
    }

    /// The action's limit, if it swaps through a pool, and whether it buys (the limit is then
    /// a highest price) or sells (a lowest one).
    pub fn limit_mut(&mut self) -> Option<(&mut Limit, bool)> {
        match self {
            Action::AddStake { limit, .. } => Some((limit, true)),
            Action::RemoveStake { limit, .. } | Action::SwapStake { limit, .. } => {
                Some((limit, false))
            }
            Action::MoveStake { .. } | Action::Transfer { .. } => None,
        }
    }

    /// The runtime call this action is, with its arguments by the names the runtime gives them.
    pub fn call(&self) -> (&'static str, &'static str, Vec<(&'static str, Value)>) {
        let account = |a: &[u8; 32]| Value::from_bytes(a);
        let n = |v: u64| Value::u128(v.into());
        match self {
            Action::AddStake {
                hotkey,
                netuid,
                tao,
                limit,
            } => (
                "SubtensorModule",
                "add_stake_limit",
                vec![
                    ("hotkey", account(hotkey)),
                    ("netuid", n((*netuid).into())),
                    ("amount_staked", n(*tao)),
                    ("limit_price", n(limit.price)),
                    ("allow_partial", Value::bool(limit.allow_partial)),
                ],
            ),
            Action::RemoveStake {
                hotkey,
                netuid,
                alpha,
                limit,
            } => (
                "SubtensorModule",
                "remove_stake_limit",
                vec![
                    ("hotkey", account(hotkey)),
                    ("netuid", n((*netuid).into())),
                    ("amount_unstaked", n(*alpha)),
                    ("limit_price", n(limit.price)),
                    ("allow_partial", Value::bool(limit.allow_partial)),
                ],
            ),
            Action::MoveStake {
                origin_hotkey,
                destination_hotkey,
                netuid,
                alpha,
            } => (
                "SubtensorModule",
                "move_stake",
                vec![
                    ("origin_hotkey", account(origin_hotkey)),
                    ("destination_hotkey", account(destination_hotkey)),
                    ("origin_netuid", n((*netuid).into())),
                    ("destination_netuid", n((*netuid).into())),
                    ("alpha_amount", n(*alpha)),
                ],
            ),
            Action::SwapStake {
                hotkey,
                origin_netuid,
                destination_netuid,
                alpha,
                limit,
            } => (
                "SubtensorModule",
                "swap_stake_limit",
                vec![
                    ("hotkey", account(hotkey)),
                    ("origin_netuid", n((*origin_netuid).into())),
                    ("destination_netuid", n((*destination_netuid).into())),
                    ("alpha_amount", n(*alpha)),
                    ("limit_price", n(limit.price)),
                    ("allow_partial", Value::bool(limit.allow_partial)),
                ],
            ),
            Action::Transfer { dest, tao } => (
                "Balances",
                "transfer_keep_alive",
                vec![
                    ("dest", Value::unnamed_variant("Id", [account(dest)])),
                    ("value", n(*tao)),
                ],
            ),
        }
    }

    /// The call's bytes, each argument placed where the runtime's metadata says by its name.
    ///
    /// # Errors
    ///
    /// [`DecodeError::NotAvailable`] when the runtime lacks the call; [`DecodeError::Encode`]
    /// when it wants an argument this action does not have (or not one it has), or a value
    /// does not fit.
    pub fn encode(&self, meta: &Metadata) -> Result<Vec<u8>, DecodeError> {
        let (pallet, call, mut named) = self.call();
        let (_, variant) = meta
            .call(pallet, call)
            .ok_or_else(|| DecodeError::NotAvailable(format!("call {pallet}.{call}")))?;
        let mut args = Vec::with_capacity(variant.fields.len());
        for field in &variant.fields {
            let name = field.name.as_deref().unwrap_or("_");
            let at =
                named
                    .iter()
                    .position(|(n, _)| *n == name)
                    .ok_or_else(|| DecodeError::Encode {
                        at: format!("{pallet}.{call}"),
                        reason: format!(
                            "this runtime wants an argument “{name}” that this version of \
                         taoscope does not know how to fill"
                        ),
                    })?;
            args.push(named.swap_remove(at).1);
        }
        if let Some((name, _)) = named.first() {
            return Err(DecodeError::Encode {
                at: format!("{pallet}.{call}"),
                reason: format!("this runtime has no argument “{name}”"),
            });
        }
        meta.encode_call(pallet, call, &args)
    }
}

/// How a review shows one argument.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Shown {
    /// An account, as SS58 (prefix 42).
    Account(String),
    /// A subnet id.
    Netuid(u16),
    /// TAO, as a decimal with every digit.
    Tao(String),
    /// Alpha, as a decimal with every digit.
    Alpha(String),
    /// A price in TAO per alpha, every digit.
    Price(String),
    /// A swap's limit: origin alpha in destination alpha, every digit.
    Ratio(String),
    /// Yes or no.
    Flag(bool),
    /// Anything else, as the decoder writes it.
    Other(String),
}

/// One argument of the reviewed call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Arg {
    /// The runtime's name for it (`amount_staked`).
    pub name: String,
    /// In human units.
    pub shown: Shown,
    /// The value as decoded, unconverted (`5000000000`, the account's hex).
    pub raw: String,
}

/// Everything the signature covers, decoded from the signed payload itself.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Review {
    /// Pallet (`SubtensorModule`).
    pub pallet: String,
    /// Call (`add_stake_limit`).
    pub call: String,
    /// Its arguments, in the call's order.
    pub args: Vec<Arg>,
    /// Account nonce.
    pub nonce: u64,
    /// Tip, in rao.
    pub tip: u64,
    /// `immortal`, or `mortal: 64 blocks from #1234`-style period and phase.
    pub era: String,
    /// Runtime spec version the signature is for.
    pub spec_version: u32,
    /// Transaction version.
    pub transaction_version: u32,
    /// Genesis hash signed.
    pub genesis_hash: String,
    /// The block the era counts from (the genesis for an immortal transaction).
    pub era_block_hash: String,
    /// `CheckMetadataHash`: the hash the signer checked, `None` when disabled or absent.
    pub metadata_hash: Option<String>,
    /// The whole payload, hex: exactly what the extension is asked to sign.
    pub payload_hex: String,
}

fn bytes_of(value: &Value<u32>) -> Option<Vec<u8>> {
    crate::model::value_bytes(value)
}

fn uint(value: &Value<u32>) -> Option<u128> {
    match &value.value {
        ValueDef::Primitive(scale_value::Primitive::U128(n)) => Some(*n),
        // Newtypes (`NetUid(u16)`, `TaoCurrency(u64)`) and compact wrappers: the one field.
        ValueDef::Composite(Composite::Unnamed(v)) if v.len() == 1 => uint(&v[0]),
        ValueDef::Composite(Composite::Named(v)) if v.len() == 1 => uint(&v[0].1),
        _ => None,
    }
}

fn account_of(value: &Value<u32>) -> Option<[u8; 32]> {
    if let ValueDef::Variant(v) = &value.value {
        // `MultiAddress::Id(AccountId32)`.
        let fields: Vec<&Value<u32>> = v.values.values().collect();
        return match (v.name.as_str(), fields.as_slice()) {
            ("Id", [inner]) => account_of(inner),
            _ => None,
        };
    }
    bytes_of(value).and_then(|b| b.try_into().ok())
}

fn show(call: &str, name: &str, value: &Value<u32>) -> Shown {
    let units = |n: u128| u64::try_from(n).map(format_units).ok();
    let text = value.to_string();
    let shown = if name.contains("hotkey") || name.contains("coldkey") || name == "dest" {
        account_of(value).map(|a| Shown::Account(ss58::encode(&a)))
    } else if name.contains("netuid") {
        uint(value)
            .and_then(|n| u16::try_from(n).ok())
            .map(Shown::Netuid)
    } else if name == "limit_price" && call == "swap_stake_limit" {
        uint(value).and_then(units).map(Shown::Ratio)
    } else if name == "limit_price" {
        uint(value).and_then(units).map(Shown::Price)
    } else if name == "amount_staked" || name == "value" {
        uint(value).and_then(units).map(Shown::Tao)
    } else if name.contains("alpha") || name == "amount_unstaked" {
        uint(value).and_then(units).map(Shown::Alpha)
    } else if let ValueDef::Primitive(scale_value::Primitive::Bool(b)) = value.value {
        Some(Shown::Flag(b))
    } else {
        None
    };
    shown.unwrap_or(Shown::Other(text))
}

fn raw(value: &Value<u32>) -> String {
    if let Some(n) = uint(value) {
        return n.to_string();
    }
    if let Some(a) = account_of(value) {
        return format!("0x{}", hex::encode(a));
    }
    value.to_string()
}

fn take(meta: &Metadata, ty: u32, input: &mut &[u8], at: &str) -> Result<Value<u32>, DecodeError> {
    scale_value::scale::decode_as_type(input, ty, meta.types()).map_err(|e| DecodeError::Bytes {
        at: at.to_owned(),
        reason: format!("as {}: {e}", meta.type_name(ty)),
    })
}

impl Review {
    /// Decodes a signing payload (`call ++ extra ++ additional`, before any hashing) through
    /// the metadata: the call with every argument, then each transaction extension's carried
    /// and signed values in the runtime's order. Every byte must be accounted for.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Bytes`] when the payload is not one call followed by exactly what the
    /// runtime's extensions declare.
    pub fn of(meta: &Metadata, payload: &[u8]) -> Result<Review, DecodeError> {
        let mut input = payload;
        let call = take(meta, meta.extrinsic().call_type, &mut input, "signed call")?;
        let ValueDef::Variant(pallet) = &call.value else {
            return Err(DecodeError::Bytes {
                at: "signed call".into(),
                reason: "not a call".into(),
            });
        };
        let inner = pallet.values.values().next();
        let Some(ValueDef::Variant(variant)) = inner.map(|v| &v.value) else {
            return Err(DecodeError::Bytes {
                at: "signed call".into(),
                reason: "not a call".into(),
            });
        };
        let args = match &variant.values {
            Composite::Named(fields) => fields
                .iter()
                .map(|(name, v)| Arg {
                    name: name.clone(),
                    shown: show(&variant.name, name, v),
                    raw: raw(v),
                })
                .collect(),
            Composite::Unnamed(fields) => fields
                .iter()
                .enumerate()
                .map(|(i, v)| Arg {
                    name: i.to_string(),
                    shown: Shown::Other(v.to_string()),
                    raw: raw(v),
                })
                .collect(),
        };
        let mut review = Review {
            pallet: pallet.name.clone(),
            call: variant.name.clone(),
            args,
            nonce: 0,
            tip: 0,
            era: String::new(),
            spec_version: 0,
            transaction_version: 0,
            genesis_hash: String::new(),
            era_block_hash: String::new(),
            metadata_hash: None,
            payload_hex: format!("0x{}", hex::encode(payload)),
        };
        let extensions = &meta.extrinsic().extensions;
        for ext in extensions {
            let at = format!("extension {}", ext.identifier);
            if ext.identifier == "CheckMortality" || ext.identifier == "CheckEra" {
                // The era's own encoding: 0 for immortal, else two bytes.
                review.era = match input {
                    [0, rest @ ..] => {
                        input = rest;
                        "immortal".into()
                    }
                    [a, b, rest @ ..] => {
                        input = rest;
                        let encoded = u16::from_le_bytes([*a, *b]);
                        let period = 2u64 << (encoded % (1 << 4));
                        let quantize = (period >> 12).max(1);
                        let phase = u64::from(encoded >> 4) * quantize;
                        format!("mortal: {period} blocks, phase {phase}")
                    }
                    _ => {
                        return Err(DecodeError::Bytes {
                            at,
                            reason: "ends inside the era".into(),
                        });
                    }
                };
                continue;
            }
            let value = take(meta, ext.ty, &mut input, &at)?;
            match ext.identifier.as_str() {
                "CheckNonce" => review.nonce = uint(&value).unwrap_or(0) as u64,
                "ChargeTransactionPayment" | "ChargeAssetTxPayment" => {
                    review.tip = uint(&value).unwrap_or(0) as u64
                }
                _ => {}
            }
        }
        for ext in extensions {
            let at = format!("extension {} (signed)", ext.identifier);
            let value = take(meta, ext.additional, &mut input, &at)?;
            let hash = || bytes_of(&value).map(|b| format!("0x{}", hex::encode(b)));
            match ext.identifier.as_str() {
                "CheckSpecVersion" => review.spec_version = uint(&value).unwrap_or(0) as u32,
                "CheckTxVersion" => review.transaction_version = uint(&value).unwrap_or(0) as u32,
                "CheckGenesis" => review.genesis_hash = hash().unwrap_or_default(),
                "CheckMortality" | "CheckEra" => review.era_block_hash = hash().unwrap_or_default(),
                "CheckMetadataHash" => {
                    review.metadata_hash = match &value.value {
                        ValueDef::Variant(v) if v.name == "Some" => {
                            v.values.values().next().and_then(bytes_of).map(hex::encode)
                        }
                        _ => None,
                    }
                    .map(|h| format!("0x{h}"))
                }
                _ => {}
            }
        }
        if !input.is_empty() {
            return Err(DecodeError::Bytes {
                at: "signed payload".into(),
                reason: format!("{} bytes left after the last extension", input.len()),
            });
        }
        Ok(review)
    }

    /// The argument named `name`.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|a| a.name == name)
    }
}

/// The signing request in the shape browser extensions take (`SignerPayloadJSON` of the
/// `injectedWeb3` interface): the extension rebuilds the bytes it signs from these fields, so
/// each is filled from the very [`SigningPayload`](crate::extrinsic::SigningPayload) the review
/// decodes. The tests rebuild the bytes from these fields the way an extension does, without
/// the metadata, and find the reviewed payload byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionPayload {
    /// Signer, SS58.
    pub address: String,
    /// The era's birth block hash (the genesis hash when immortal).
    pub block_hash: String,
    /// The era's birth block number, hex.
    pub block_number: String,
    /// The era's SCALE bytes, hex.
    pub era: String,
    /// Genesis hash.
    pub genesis_hash: String,
    /// The call, hex.
    pub method: String,
    /// Nonce, hex.
    pub nonce: String,
    /// The runtime's transaction extensions, in its order.
    pub signed_extensions: Vec<String>,
    /// Spec version, hex.
    pub spec_version: String,
    /// Tip in rao, hex.
    pub tip: String,
    /// Transaction version, hex.
    pub transaction_version: String,
    /// Extrinsic format version.
    pub version: u8,
    /// `CheckMetadataHash` mode: 1 when a metadata hash is signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u8>,
    /// The metadata hash signed, when `mode` is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_hash: Option<String>,
}

fn hex32(n: u64, width: usize) -> String {
    format!("0x{n:0width$x}")
}

impl ExtensionPayload {
    /// The request for signing `call` with `params` by `signer`.
    pub fn new(
        meta: &Metadata,
        call: &[u8],
        params: &crate::extrinsic::TxParams,
        signer: &[u8; 32],
    ) -> Self {
        use crate::extrinsic::Era;
        let (era, birth, birth_hash) = match params.era {
            Era::Immortal => (vec![0], 0, params.genesis_hash),
            Era::Mortal {
                period,
                birth,
                birth_hash,
            } => (Era::mortal_bytes(period, birth).to_vec(), birth, birth_hash),
        };
        ExtensionPayload {
            address: ss58::encode(signer),
            block_hash: format!("0x{}", hex::encode(birth_hash)),
            block_number: hex32(birth, 8),
            era: format!("0x{}", hex::encode(era)),
            genesis_hash: format!("0x{}", hex::encode(params.genesis_hash)),
            method: format!("0x{}", hex::encode(call)),
            nonce: hex32(params.nonce.into(), 8),
            signed_extensions: meta
                .extrinsic()
                .extensions
                .iter()
                .map(|e| e.identifier.clone())
                .collect(),
            spec_version: hex32(params.spec_version.into(), 8),
            tip: format!("0x{:032x}", params.tip),
            transaction_version: hex32(params.transaction_version.into(), 8),
            version: meta.extrinsic().version,
            mode: params.metadata_hash.map(|_| 1),
            metadata_hash: params
                .metadata_hash
                .map(|h| format!("0x{}", hex::encode(h))),
        }
    }
}

#[cfg(test)]
mod tests;
