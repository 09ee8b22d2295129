//! Signed extrinsics built from the runtime's own metadata, the way a wallet builds them.
//!
//! # Overview
//!
//! [`Extrinsics::from_chain`] asks the runtime for its metadata (V15, or V14 from runtimes
//! that predate it) and version, so call
//! and pallet indices, argument types and the list of signed extensions are looked up by name
//! rather than hard-coded; a runtime that renames or retypes a call fails with an error naming
//! it. [`Extrinsics::call`] encodes a call from [`Value`]s checked against the argument types,
//! and [`Extrinsics::sign`] wraps it in a version 4 extrinsic: `MultiAddress::Id` signer,
//! sr25519 `MultiSignature`, immortal era, tip 0, the signer's next nonce, and each extension's
//! additional signed data (spec and transaction versions, genesis hash, no metadata hash).
//!
//! The module also turns what the runtime reports back into words:
//! [`Extrinsics::describe_dispatch_error`] names a `DispatchError`
//! (`SubtensorModule.NotEnoughBalanceToStake`), [`Extrinsics::describe_invalid`] an invalid
//! transaction; and [`Extrinsics::storage_key`] builds map keys with the hashers the metadata
//! declares.
//!
//! Left out: mortal eras, tips, the metadata-hash mode (`CheckMetadataHash` is sent disabled),
//! and unknown signed extensions that carry data (they are refused, not guessed).
//!
//! # Usage
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use devnode::extrinsic::{Extrinsics, Value};
//! use devnode::{Chain, DevKeys, DevSpec};
//! let alice = DevKeys::alice();
//! let mut chain = Chain::new(&DevSpec::raonet(&alice)?, alice.clone())?;
//! let mut tx = Extrinsics::from_chain(&mut chain)?;
//! let inner = tx.call("AdminUtils", "sudo_set_network_rate_limit", vec![Value::Uint(0)])?;
//! let call = tx.call("Sudo", "sudo", vec![Value::Encoded(inner)])?;
//! let extrinsic = tx.sign(&chain, &alice, &call)?;
//! chain.submit_transaction(extrinsic);
//! # Ok(()) }
//! ```

pub mod metadata;

use std::collections::HashMap;

use crate::chain::Chain;
use crate::keys::DevKeys;
use crate::runtime::CallError;
use crate::scale;
use crate::spec::storage_value_key;

use metadata::{Field, Primitive, TypeDef};
pub use metadata::{Hasher, Metadata, MetadataError};

/// Why an extrinsic could not be built or a reply could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtrinsicError {
    /// A runtime API call failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The runtime offers no metadata this builder reads.
    #[error("the runtime offers no V14 or V15 metadata")]
    NoMetadata,
    /// The metadata does not decode.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// `Core_version` returned something that is not a runtime version.
    #[error("Core_version output is not a runtime version")]
    Version,
    /// The runtime has no pallet of that name.
    #[error("the runtime has no pallet {0}")]
    NoPallet(String),
    /// The pallet has no call of that name.
    #[error("pallet {pallet} has no call {call}")]
    NoCall {
        /// Pallet name.
        pallet: String,
        /// Call name.
        call: String,
    },
    /// The pallet has no storage item of that name.
    #[error("pallet {pallet} has no storage item {item}")]
    NoStorage {
        /// Pallet name.
        pallet: String,
        /// Item name.
        item: String,
    },
    /// A value does not fit the type the metadata declares at `at`.
    #[error("{at}: cannot encode {value} as {expected}")]
    Mismatch {
        /// Where: `Pallet.call.argument`, `signed extension X`, ...
        at: String,
        /// The type the metadata wants, in words.
        expected: String,
        /// The value given, in words.
        value: String,
    },
    /// The extrinsic format is not version 4.
    #[error("extrinsic version {0} is not supported (expected 4)")]
    ExtrinsicVersion(u8),
    /// A signed extension carries data this builder does not know how to fill.
    #[error("signed extension {0} carries data this builder does not know")]
    UnknownExtension(String),
    /// The signer's `System.Account` entry does not decode.
    #[error("System.Account of 0x{0} does not decode")]
    AccountInfo(String),
}

/// A value to encode against a metadata type; see [`Extrinsics::call`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// An unsigned integer, plain or compact.
    Uint(u128),
    /// A boolean.
    Bool(bool),
    /// Bytes for `[u8; N]` or `Vec<u8>`, or for a newtype around one (`AccountId32`).
    Bytes(Vec<u8>),
    /// Items of a sequence, fields of a struct or items of a tuple, in order.
    Seq(Vec<Value>),
    /// An enum variant by name, with its fields.
    Variant(String, Vec<Value>),
    /// Bytes already encoded for this type (a nested call for `Box<RuntimeCall>`).
    Encoded(Vec<u8>),
}

impl Value {
    /// An account id.
    pub fn account(id: [u8; 32]) -> Self {
        Value::Bytes(id.to_vec())
    }

    /// A `Vec<u16>` such as the uids or weights of `set_weights`.
    pub fn u16s(values: &[u16]) -> Self {
        Value::Seq(values.iter().map(|v| Value::Uint(u128::from(*v))).collect())
    }

    fn describe(&self) -> String {
        match self {
            Value::Uint(v) => format!("the integer {v}"),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Bytes(b) => format!("{} bytes", b.len()),
            Value::Seq(items) => format!("a list of {} items", items.len()),
            Value::Variant(name, _) => format!("the variant {name}"),
            Value::Encoded(b) => format!("{} encoded bytes", b.len()),
        }
    }
}

/// The runtime's version numbers that a signature commits to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeVersion {
    /// `spec_version` (218 for raonet's runtime).
    pub spec_version: u32,
    /// `transaction_version`.
    pub transaction_version: u32,
}

/// Builds and signs extrinsics for one chain. See the module documentation.
#[derive(Debug, Clone)]
pub struct Extrinsics {
    metadata: Metadata,
    version: RuntimeVersion,
    genesis_hash: [u8; 32],
    /// Next nonce per account, once read from storage or advanced by `sign`.
    nonces: HashMap<[u8; 32], u32>,
}

impl Extrinsics {
    /// Reads the metadata and version of the best block's runtime.
    ///
    /// # Errors
    ///
    /// [`ExtrinsicError`] when the runtime calls fail or return something unreadable, or the
    /// extrinsic format is not version 4.
    pub fn from_chain(chain: &mut Chain) -> Result<Self, ExtrinsicError> {
        // V15 where the runtime offers it (`Option<OpaqueMetadata>`), else the runtime's only
        // metadata (V14 for the runtimes of 2023).
        let raw = match chain.call("Metadata_metadata_at_version", &15u32.to_le_bytes()) {
            Ok(raw) => match raw.split_first() {
                Some((1, rest)) => rest.to_vec(),
                _ => return Err(ExtrinsicError::NoMetadata),
            },
            Err(CallError::Start { .. }) => chain.call("Metadata_metadata", &[])?,
            Err(other) => return Err(other.into()),
        };
        let (len, rest) =
            scale::take_compact(&raw).ok_or(MetadataError::Malformed("opaque length"))?;
        let bytes = rest
            .get(..usize::try_from(len).map_err(|_| ExtrinsicError::NoMetadata)?)
            .ok_or(MetadataError::Malformed("opaque length"))?;
        let metadata = Metadata::decode(bytes)?;
        let version = decode_version(&chain.call("Core_version", &[])?)?;
        Self::new(metadata, version, chain.genesis_hash())
    }

    /// Builds from metadata and version already at hand.
    ///
    /// # Errors
    ///
    /// [`ExtrinsicError::ExtrinsicVersion`] when the format is not version 4.
    pub fn new(
        metadata: Metadata,
        version: RuntimeVersion,
        genesis_hash: [u8; 32],
    ) -> Result<Self, ExtrinsicError> {
        if metadata.extrinsic.version != 4 {
            return Err(ExtrinsicError::ExtrinsicVersion(metadata.extrinsic.version));
        }
        Ok(Extrinsics {
            metadata,
            version,
            genesis_hash,
            nonces: HashMap::new(),
        })
    }

    /// The decoded metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The runtime version signatures commit to.
    pub fn version(&self) -> RuntimeVersion {
        self.version
    }

    /// Encodes `pallet.call(args)`: pallet index, call index, then each argument checked
    /// against its declared type.
    ///
    /// # Errors
    ///
    /// [`ExtrinsicError`] when the pallet or call does not exist, the number of arguments
    /// differs, or an argument does not fit its type.
    pub fn call(
        &self,
        pallet: &str,
        call: &str,
        args: Vec<Value>,
    ) -> Result<Vec<u8>, ExtrinsicError> {
        let p = self
            .metadata
            .pallet(pallet)
            .ok_or_else(|| ExtrinsicError::NoPallet(pallet.into()))?;
        let no_call = || ExtrinsicError::NoCall {
            pallet: pallet.into(),
            call: call.into(),
        };
        let variant = p
            .calls
            .map(|ty| self.metadata.variants(ty))
            .unwrap_or_default()
            .iter()
            .find(|v| v.name == call)
            .ok_or_else(no_call)?;
        let at = format!("{pallet}.{call}");
        if variant.fields.len() != args.len() {
            return Err(ExtrinsicError::Mismatch {
                at,
                expected: format!("{} arguments", variant.fields.len()),
                value: format!("{} arguments", args.len()),
            });
        }
        let mut out = vec![p.index, variant.index];
        for (field, arg) in variant.fields.iter().zip(&args) {
            let at = format!("{at}.{}", field.name.as_deref().unwrap_or("_"));
            self.encode(field.ty, arg, &at, &mut out)?;
        }
        Ok(out)
    }

    /// Signs `call` as `signer` with its next nonce and returns the extrinsic, length prefix
    /// included (what [`Chain::submit_transaction`] takes). The nonce is read from the best
    /// block's `System.Account` the first time a signer is seen, then counted here; call
    /// [`forget_nonces`](Self::forget_nonces) when a signed extrinsic did not make it in.
    ///
    /// # Errors
    ///
    /// [`ExtrinsicError`] when a signed extension cannot be filled or the account entry does
    /// not decode.
    pub fn sign(
        &mut self,
        chain: &Chain,
        signer: &DevKeys,
        call: &[u8],
    ) -> Result<Vec<u8>, ExtrinsicError> {
        let account = signer.account_id();
        let nonce = match self.nonces.get(&account) {
            Some(nonce) => *nonce,
            None => self.stored_nonce(chain, &account)?,
        };
        let mut extra = Vec::new();
        let mut additional = Vec::new();
        for ext in &self.metadata.extrinsic.signed_extensions {
            let at = format!("signed extension {}", ext.identifier);
            match ext.identifier.as_str() {
                "CheckNonce" => {
                    self.encode(ext.ty, &Value::Uint(u128::from(nonce)), &at, &mut extra)?;
                }
                // Immortal era (variant 0), tip 0, metadata-hash mode disabled (variant 0).
                "CheckMortality"
                | "CheckEra"
                | "ChargeTransactionPayment"
                | "CheckMetadataHash" => self.encode_zero(ext.ty, &at, &mut extra)?,
                _ if self.is_empty(ext.ty) => {}
                other => return Err(ExtrinsicError::UnknownExtension(other.into())),
            }
            match ext.identifier.as_str() {
                "CheckSpecVersion" => self.encode(
                    ext.additional_signed,
                    &Value::Uint(self.version.spec_version.into()),
                    &at,
                    &mut additional,
                )?,
                "CheckTxVersion" => self.encode(
                    ext.additional_signed,
                    &Value::Uint(self.version.transaction_version.into()),
                    &at,
                    &mut additional,
                )?,
                // An immortal era commits to the genesis hash, like CheckGenesis.
                "CheckGenesis" | "CheckMortality" | "CheckEra" => self.encode(
                    ext.additional_signed,
                    &Value::Bytes(self.genesis_hash.to_vec()),
                    &at,
                    &mut additional,
                )?,
                // `Option<[u8; 32]>::None`: no metadata hash.
                "CheckMetadataHash" => {
                    self.encode_zero(ext.additional_signed, &at, &mut additional)?
                }
                _ if self.is_empty(ext.additional_signed) => {}
                other => return Err(ExtrinsicError::UnknownExtension(other.into())),
            }
        }

        let mut payload = Vec::with_capacity(call.len() + extra.len() + additional.len());
        payload.extend_from_slice(call);
        payload.extend_from_slice(&extra);
        payload.extend_from_slice(&additional);
        // Substrate signs long payloads by their hash.
        let signature = if payload.len() > 256 {
            signer.sign_sr25519(blake2_rfc::blake2b::blake2b(32, &[], &payload).as_bytes())
        } else {
            signer.sign_sr25519(&payload)
        };

        let format = &self.metadata.extrinsic;
        let mut body = vec![0b1000_0000 | format.version];
        self.encode(
            format.address_ty,
            &Value::Variant("Id".into(), vec![Value::account(account)]),
            "extrinsic address",
            &mut body,
        )?;
        self.encode(
            format.signature_ty,
            &Value::Variant("Sr25519".into(), vec![Value::Bytes(signature.to_vec())]),
            "extrinsic signature",
            &mut body,
        )?;
        body.extend_from_slice(&extra);
        body.extend_from_slice(call);

        let mut out = scale::compact(body.len());
        out.extend_from_slice(&body);
        self.nonces.insert(account, nonce.wrapping_add(1));
        Ok(out)
    }

    /// Drops the counted nonces, so the next signature of each account reads its nonce from
    /// storage again (after a block left some extrinsics out).
    pub fn forget_nonces(&mut self) {
        self.nonces.clear();
    }

    /// The storage key of `pallet.item` at `keys` (none for a plain value; one per hasher
    /// for a map, or fewer for a prefix of a multi-key map).
    ///
    /// # Errors
    ///
    /// [`ExtrinsicError`] when the item does not exist, too many keys are given, or a key does
    /// not fit its type.
    pub fn storage_key(
        &self,
        pallet: &str,
        item: &str,
        keys: &[Value],
    ) -> Result<Vec<u8>, ExtrinsicError> {
        let p = self
            .metadata
            .pallet(pallet)
            .ok_or_else(|| ExtrinsicError::NoPallet(pallet.into()))?;
        let entry =
            p.storage
                .iter()
                .find(|e| e.name == item)
                .ok_or_else(|| ExtrinsicError::NoStorage {
                    pallet: pallet.into(),
                    item: item.into(),
                })?;
        let at = format!("{pallet}.{item}");
        if keys.len() > entry.hashers.len() {
            return Err(ExtrinsicError::Mismatch {
                at,
                expected: format!("at most {} keys", entry.hashers.len()),
                value: format!("{} keys", keys.len()),
            });
        }
        let key_types: Vec<u32> = match (entry.key_ty, entry.hashers.len()) {
            (None, _) => Vec::new(),
            (Some(ty), 1) => vec![ty],
            (Some(ty), _) => match &self.metadata.ty(ty)?.def {
                TypeDef::Tuple(items) if items.len() == entry.hashers.len() => items.clone(),
                _ => {
                    return Err(ExtrinsicError::Metadata(MetadataError::Malformed(
                        "storage key tuple",
                    )));
                }
            },
        };
        let mut out = storage_value_key(&p.storage_prefix, item).to_vec();
        for ((key, ty), hasher) in keys.iter().zip(key_types).zip(&entry.hashers) {
            let mut encoded = Vec::new();
            self.encode(ty, key, &at, &mut encoded)?;
            hash_key(*hasher, &encoded, &mut out);
        }
        Ok(out)
    }

    /// Names a SCALE `DispatchError` from [`TransactionOutcome::DispatchFailed`]
    /// (`SubtensorModule.HotKeyAlreadyRegisteredInSubNet`), or shows it in hex when it is not
    /// a module error.
    ///
    /// [`TransactionOutcome::DispatchFailed`]: crate::TransactionOutcome::DispatchFailed
    pub fn describe_dispatch_error(&self, error: &[u8]) -> String {
        // `DispatchError::Module(ModuleError { index, error: [u8; 4] })` is variant 3.
        if let [3, pallet_index, error_index, ..] = error
            && let Some(pallet) = self.metadata.pallet_by_index(*pallet_index)
        {
            let name = pallet
                .errors
                .map(|ty| self.metadata.variants(ty))
                .unwrap_or_default()
                .iter()
                .find(|v| v.index == *error_index)
                .map_or_else(|| format!("error #{error_index}"), |v| v.name.clone());
            return format!("{}.{name}", pallet.name);
        }
        let kinds = [
            "Other",
            "CannotLookup",
            "BadOrigin",
            "Module",
            "ConsumerRemaining",
            "NoProviders",
            "TooManyConsumers",
            "Token",
            "Arithmetic",
            "Transactional",
            "Exhausted",
            "Corruption",
            "Unavailable",
            "RootNotAllowed",
        ];
        match error.first().and_then(|k| kinds.get(usize::from(*k))) {
            Some(kind) => format!("{kind} (0x{})", hex::encode(error)),
            None => format!("0x{}", hex::encode(error)),
        }
    }

    /// Puts an `ApplyExtrinsicResult` that reports an invalid transaction
    /// ([`TransactionOutcome::Invalid`]) into words, e.g. `invalid: Payment`.
    ///
    /// [`TransactionOutcome::Invalid`]: crate::TransactionOutcome::Invalid
    pub fn describe_invalid(result: &[u8]) -> String {
        const INVALID: [&str; 11] = [
            "Call",
            "Payment",
            "Future",
            "Stale",
            "BadProof",
            "AncientBirthBlock",
            "ExhaustsResources",
            "Custom",
            "BadMandatory",
            "MandatoryValidation",
            "BadSigner",
        ];
        const UNKNOWN: [&str; 3] = ["CannotLookup", "NoUnsignedValidator", "Custom"];
        let name = |names: &[&str], kind: u8, custom: Option<&u8>| {
            let base = names.get(usize::from(kind)).copied().unwrap_or("?");
            match (base, custom) {
                ("Custom", Some(code)) => format!("Custom({code})"),
                _ => base.to_string(),
            }
        };
        match result {
            [1, 0, kind, rest @ ..] => format!("invalid: {}", name(&INVALID, *kind, rest.first())),
            [1, 1, kind, rest @ ..] => {
                format!("unknown validity: {}", name(&UNKNOWN, *kind, rest.first()))
            }
            _ => format!("invalid (0x{})", hex::encode(result)),
        }
    }

    fn stored_nonce(&self, chain: &Chain, account: &[u8; 32]) -> Result<u32, ExtrinsicError> {
        let key = self.storage_key("System", "Account", &[Value::account(*account)])?;
        match chain.storage(&key) {
            None => Ok(0),
            // `AccountInfo` starts with the nonce (u32).
            Some(info) => info
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .ok_or_else(|| ExtrinsicError::AccountInfo(hex::encode(account))),
        }
    }

    /// Whether values of type `ty` encode to no bytes at all (`()`, `PhantomData`).
    fn is_empty(&self, ty: u32) -> bool {
        match self.metadata.ty(ty).map(|t| &t.def) {
            Ok(TypeDef::Composite(fields)) => fields.iter().all(|f| self.is_empty(f.ty)),
            Ok(TypeDef::Tuple(items)) => items.iter().all(|t| self.is_empty(*t)),
            Ok(TypeDef::Array { len, ty }) => *len == 0 || self.is_empty(*ty),
            _ => false,
        }
    }

    /// Encodes the "nothing" value of `ty`: zero numbers, the variant with index 0 (`None`,
    /// an immortal era, a disabled mode), empty sequences.
    fn encode_zero(&self, ty: u32, at: &str, out: &mut Vec<u8>) -> Result<(), ExtrinsicError> {
        match &self.metadata.ty(ty)?.def {
            TypeDef::Composite(fields) => {
                for f in fields {
                    self.encode_zero(f.ty, at, out)?;
                }
            }
            TypeDef::Variant(variants) => match variants.iter().find(|v| v.index == 0) {
                Some(v) => {
                    out.push(0);
                    for f in &v.fields {
                        self.encode_zero(f.ty, at, out)?;
                    }
                }
                None => {
                    return Err(ExtrinsicError::Mismatch {
                        at: at.into(),
                        expected: "an enum with a variant 0".into(),
                        value: "a default value".into(),
                    });
                }
            },
            TypeDef::Sequence(_) | TypeDef::Compact(_) => out.push(0),
            TypeDef::Array { len, ty } => {
                for _ in 0..*len {
                    self.encode_zero(*ty, at, out)?;
                }
            }
            TypeDef::Tuple(items) => {
                for t in items {
                    self.encode_zero(*t, at, out)?;
                }
            }
            TypeDef::Primitive(Primitive::Bool) => out.push(0),
            TypeDef::Primitive(Primitive::Unsigned(n) | Primitive::Signed(n)) => {
                out.extend(std::iter::repeat_n(0, usize::from(*n)));
            }
            TypeDef::Primitive(Primitive::Str) => out.push(0),
            TypeDef::Primitive(Primitive::Char) | TypeDef::BitSequence => {
                return Err(ExtrinsicError::Mismatch {
                    at: at.into(),
                    expected: "a type with a default value".into(),
                    value: "a default value".into(),
                });
            }
        }
        Ok(())
    }

    /// Encodes `value` as type `ty`; `at` names the place for errors.
    fn encode(
        &self,
        ty: u32,
        value: &Value,
        at: &str,
        out: &mut Vec<u8>,
    ) -> Result<(), ExtrinsicError> {
        let def = &self.metadata.ty(ty)?.def;
        let mismatch = |expected: &str| ExtrinsicError::Mismatch {
            at: at.into(),
            expected: expected.into(),
            value: value.describe(),
        };
        if let Value::Encoded(bytes) = value {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        match (def, value) {
            (TypeDef::Primitive(Primitive::Unsigned(n)), Value::Uint(v)) => {
                let n = usize::from(*n);
                let bytes = v.to_le_bytes();
                // Values wider than the type (or than u128) do not fit.
                if n < 16 && *v >> (8 * n) != 0 || n > 16 {
                    return Err(mismatch(&format!("u{}", 8 * n)));
                }
                out.extend_from_slice(&bytes[..n]);
            }
            (TypeDef::Primitive(Primitive::Bool), Value::Bool(b)) => out.push(u8::from(*b)),
            (TypeDef::Compact(inner), Value::Uint(v)) => {
                if !matches!(
                    self.metadata.ty(*inner)?.def,
                    TypeDef::Primitive(Primitive::Unsigned(_))
                ) {
                    return Err(mismatch("a compact unsigned integer"));
                }
                put_compact_u128(out, *v);
            }
            (TypeDef::Sequence(item), Value::Bytes(bytes)) if self.is_u8(*item) => {
                out.extend_from_slice(&scale::compact(bytes.len()));
                out.extend_from_slice(bytes);
            }
            (TypeDef::Sequence(item), Value::Seq(items)) => {
                out.extend_from_slice(&scale::compact(items.len()));
                for v in items {
                    self.encode(*item, v, at, out)?;
                }
            }
            (TypeDef::Array { len, ty: item }, Value::Bytes(bytes))
                if self.is_u8(*item) && bytes.len() == *len as usize =>
            {
                out.extend_from_slice(bytes);
            }
            (TypeDef::Array { len, ty: item }, Value::Seq(items))
                if items.len() == *len as usize =>
            {
                for v in items {
                    self.encode(*item, v, at, out)?;
                }
            }
            (TypeDef::Tuple(types), Value::Seq(items)) if types.len() == items.len() => {
                for (t, v) in types.iter().zip(items) {
                    self.encode(*t, v, at, out)?;
                }
            }
            (TypeDef::Composite(fields), Value::Seq(items)) if fields.len() == items.len() => {
                self.encode_fields(fields, items, at, out)?;
            }
            // A newtype (`AccountId32([u8; 32])`) takes its only field's value directly.
            (TypeDef::Composite(fields), _) if fields.len() == 1 => {
                self.encode(fields[0].ty, value, at, out)?;
            }
            (TypeDef::Variant(variants), Value::Variant(name, items)) => {
                let variant = variants
                    .iter()
                    .find(|v| v.name == *name)
                    .ok_or_else(|| mismatch(&format!("one of {}", names(variants))))?;
                if variant.fields.len() != items.len() {
                    return Err(mismatch(&format!(
                        "{name} with {} fields",
                        variant.fields.len()
                    )));
                }
                out.push(variant.index);
                self.encode_fields(&variant.fields, items, at, out)?;
            }
            _ => return Err(mismatch(&self.type_name(ty))),
        }
        Ok(())
    }

    fn encode_fields(
        &self,
        fields: &[Field],
        items: &[Value],
        at: &str,
        out: &mut Vec<u8>,
    ) -> Result<(), ExtrinsicError> {
        for (f, v) in fields.iter().zip(items) {
            self.encode(f.ty, v, at, out)?;
        }
        Ok(())
    }

    fn is_u8(&self, ty: u32) -> bool {
        matches!(
            self.metadata.ty(ty).map(|t| &t.def),
            Ok(TypeDef::Primitive(Primitive::Unsigned(1)))
        )
    }

    /// A short name of a type for error messages.
    fn type_name(&self, ty: u32) -> String {
        match self.metadata.ty(ty) {
            Ok(t) if !t.path.is_empty() => t.path.join("::"),
            Ok(t) => format!("{:?}", t.def),
            Err(_) => format!("type #{ty}"),
        }
    }
}

fn names(variants: &[metadata::Variant]) -> String {
    variants
        .iter()
        .map(|v| v.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Appends `encoded` hashed as a storage map key part.
fn hash_key(hasher: Hasher, encoded: &[u8], out: &mut Vec<u8>) {
    let blake2 = |len: usize| blake2_rfc::blake2b::blake2b(len, &[], encoded);
    let twox = |seeds: u64| {
        (0..seeds)
            .flat_map(|seed| twox_hash::XxHash64::oneshot(seed, encoded).to_le_bytes())
            .collect::<Vec<u8>>()
    };
    match hasher {
        Hasher::Blake2_128 => out.extend_from_slice(blake2(16).as_bytes()),
        Hasher::Blake2_256 => out.extend_from_slice(blake2(32).as_bytes()),
        Hasher::Blake2_128Concat => {
            out.extend_from_slice(blake2(16).as_bytes());
            out.extend_from_slice(encoded);
        }
        Hasher::Twox128 => out.extend_from_slice(&twox(2)),
        Hasher::Twox256 => out.extend_from_slice(&twox(4)),
        Hasher::Twox64Concat => {
            out.extend_from_slice(&twox(1));
            out.extend_from_slice(encoded);
        }
        Hasher::Identity => out.extend_from_slice(encoded),
    }
}

/// SCALE compact encoding of a `u128` (balances are `Compact<u128>`).
fn put_compact_u128(out: &mut Vec<u8>, value: u128) {
    match u64::try_from(value) {
        Ok(small) => scale::put_compact(out, small),
        Err(_) => {
            let bytes = value.to_le_bytes();
            let len = 16 - (value.leading_zeros() / 8) as usize;
            out.push((((len - 4) as u8) << 2) | 0b11);
            out.extend_from_slice(&bytes[..len]);
        }
    }
}

/// Reads `spec_version` and `transaction_version` from a SCALE `RuntimeVersion`.
fn decode_version(bytes: &[u8]) -> Result<RuntimeVersion, ExtrinsicError> {
    fn skip_string(input: &[u8]) -> Option<&[u8]> {
        let (len, rest) = scale::take_compact(input)?;
        rest.get(usize::try_from(len).ok()?..)
    }
    fn u32_at(input: &[u8]) -> Option<(u32, &[u8])> {
        let b = input.get(..4)?;
        Some((u32::from_le_bytes([b[0], b[1], b[2], b[3]]), &input[4..]))
    }
    let parse = || {
        let rest = skip_string(bytes)?; // spec_name
        let rest = skip_string(rest)?; // impl_name
        let (_authoring, rest) = u32_at(rest)?;
        let (spec_version, rest) = u32_at(rest)?;
        let (_impl_version, rest) = u32_at(rest)?;
        let (apis, rest) = scale::take_compact(rest)?;
        // Each API is an 8-byte id and a u32 version.
        let rest = rest.get(usize::try_from(apis).ok()?.checked_mul(12)?..)?;
        let (transaction_version, _) = u32_at(rest)?;
        Some(RuntimeVersion {
            spec_version,
            transaction_version,
        })
    };
    parse().ok_or(ExtrinsicError::Version)
}

#[cfg(test)]
mod tests;
