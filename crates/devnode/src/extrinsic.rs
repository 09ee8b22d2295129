//! Signed extrinsics built from the runtime's own metadata, the way a wallet builds them.
//!
//! # Overview
//!
//! [`Extrinsics::from_chain`] asks the runtime for its metadata (the newest of V16, V15 and
//! V14 it offers) and version, and everything after that comes from the `chain` crate, the
//! project's one reader of metadata: call and pallet indices and argument types looked up by
//! name ([`Extrinsics::call`], a runtime that renames or retypes a call fails with an error
//! naming it), the signing payload with every transaction extension the runtime lists
//! (`chain::extrinsic`), storage keys with the declared hashers ([`Extrinsics::storage_key`]),
//! and runtime errors named from the metadata ([`Extrinsics::describe_dispatch_error`]). What
//! stays here is the node's side: development keys sign, nonces are counted per signer.
//!
//! Extrinsics are immortal, with no tip and the metadata-hash check disabled; the devnode has
//! no use for the others, which `chain::extrinsic` builds for wallets.
//!
//! # Usage
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use devnode::extrinsic::{Extrinsics, Value};
//! use devnode::{Chain, DevKeys, DevSpec};
//! let alice = DevKeys::alice();
//! let mut chain = Chain::new(&DevSpec::aura_dev(&alice)?, alice.clone())?;
//! let mut tx = Extrinsics::from_chain(&mut chain)?;
//! let inner = tx.call("AdminUtils", "sudo_set_network_rate_limit", vec![Value::Uint(0)])?;
//! let call = tx.call("Sudo", "sudo", vec![Value::Encoded(inner)])?;
//! let extrinsic = tx.sign(&chain, &alice, &call)?;
//! chain.submit_transaction(extrinsic);
//! # Ok(()) }
//! ```

use std::collections::HashMap;

use chain::extrinsic::{Era, TxParams};
pub use chain::{DecodeError, Metadata, MetadataError};

use crate::chain::Chain;
use crate::keys::DevKeys;
use crate::runtime::CallError;

/// Why an extrinsic could not be built or a reply could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtrinsicError {
    /// A runtime API call failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The metadata does not decode.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// `Core_version` returned something that is not a runtime version.
    #[error("Core_version output is not a runtime version")]
    Version,
    /// A pallet, call or storage item is missing, or a value does not fit its declared type.
    #[error(transparent)]
    Encode(#[from] DecodeError),
    /// The extrinsic format is not version 4.
    #[error("extrinsic version {0} is not supported (expected 4)")]
    ExtrinsicVersion(u8),
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
    /// An encoded call, for an argument of the runtime's call type (`Sudo.sudo`'s `call`).
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

    /// The dynamic value `chain` encodes; an encoded call is decoded against the runtime's
    /// call type first, which also checks it.
    fn to_scale(&self, meta: &Metadata) -> Result<scale_value::Value, DecodeError> {
        Ok(match self {
            Value::Uint(v) => scale_value::Value::u128(*v),
            Value::Bool(b) => scale_value::Value::bool(*b),
            Value::Bytes(b) => scale_value::Value::from_bytes(b),
            Value::Seq(items) => scale_value::Value::unnamed_composite(
                items
                    .iter()
                    .map(|v| v.to_scale(meta))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Value::Variant(name, items) => scale_value::Value::unnamed_variant(
                name.clone(),
                items
                    .iter()
                    .map(|v| v.to_scale(meta))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Value::Encoded(call) => meta.decode_call(call)?.remove_context(),
        })
    }
}

/// The runtime's version numbers that a signature commits to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeVersion {
    /// `spec_version` (293 for the devnet's runtime).
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
        let mut metadata = None;
        for version in [16u32, 15] {
            match chain.call("Metadata_metadata_at_version", &version.to_le_bytes()) {
                Ok(raw) => match Metadata::decode_option_opaque(&raw) {
                    Ok(m) => {
                        metadata = Some(m);
                        break;
                    }
                    Err(MetadataError::NotOffered) => {}
                    Err(e) => return Err(e.into()),
                },
                // Runtimes of 2023 have no `metadata_at_version`: V14 is their only metadata.
                Err(CallError::Start { .. }) => break,
                Err(other) => return Err(other.into()),
            }
        }
        let metadata = match metadata {
            Some(m) => m,
            None => Metadata::decode_opaque(&chain.call("Metadata_metadata", &[])?)?,
        };
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
        if metadata.extrinsic().version != 4 {
            return Err(ExtrinsicError::ExtrinsicVersion(
                metadata.extrinsic().version,
            ));
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
    /// [`ExtrinsicError::Encode`] when the pallet or call does not exist, the number of
    /// arguments differs, or an argument does not fit its type.
    pub fn call(
        &self,
        pallet: &str,
        call: &str,
        args: Vec<Value>,
    ) -> Result<Vec<u8>, ExtrinsicError> {
        let args = args
            .iter()
            .map(|a| a.to_scale(&self.metadata))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.metadata.encode_call(pallet, call, &args)?)
    }

    /// Signs `call` as `signer` with its next nonce and returns the extrinsic, length prefix
    /// included (what [`Chain::submit_transaction`] takes). The nonce is read from the best
    /// block's `System.Account` the first time a signer is seen, then counted here; call
    /// [`forget_nonces`](Self::forget_nonces) when a signed extrinsic did not make it in.
    ///
    /// # Errors
    ///
    /// [`ExtrinsicError`] when an extension cannot be filled or the account entry does not
    /// decode.
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
        let params = TxParams {
            nonce,
            tip: 0,
            era: Era::Immortal,
            spec_version: self.version.spec_version,
            transaction_version: self.version.transaction_version,
            genesis_hash: self.genesis_hash,
            metadata_hash: None,
        };
        let payload = self.metadata.signing_payload(call.to_vec(), &params)?;
        let signature = signer.sign_sr25519(&payload.to_sign());
        let out = self
            .metadata
            .signed_extrinsic(&payload, &account, &signature)?;
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
    /// [`ExtrinsicError::Encode`] when the item does not exist, too many keys are given, or a
    /// key does not fit its type.
    pub fn storage_key(
        &self,
        pallet: &str,
        item: &str,
        keys: &[Value],
    ) -> Result<Vec<u8>, ExtrinsicError> {
        let found = self.metadata.item(pallet, item)?;
        let encoded = keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let ty = *found
                    .entry
                    .key_types
                    .get(i)
                    .ok_or_else(|| DecodeError::Encode {
                        at: found.name(),
                        reason: format!(
                            "{} key parts for a map of {}",
                            keys.len(),
                            found.entry.key_types.len()
                        ),
                    })?;
                let mut out = Vec::new();
                self.metadata.encode_value(
                    ty,
                    &key.to_scale(&self.metadata)?,
                    &format!("{} key {i}", found.name()),
                    &mut out,
                )?;
                Ok(out)
            })
            .collect::<Result<Vec<_>, DecodeError>>()?;
        let parts: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
        Ok(self.metadata.key(found, &parts)?)
    }

    /// Names a SCALE `DispatchError` from [`TransactionOutcome::DispatchFailed`]
    /// (`SubtensorModule.HotKeyAlreadyRegisteredInSubNet`), or shows it in hex when it is not
    /// a module error.
    ///
    /// [`TransactionOutcome::DispatchFailed`]: crate::TransactionOutcome::DispatchFailed
    pub fn describe_dispatch_error(&self, error: &[u8]) -> String {
        self.metadata.describe_dispatch_error(error)
    }

    /// Puts an `ApplyExtrinsicResult` that reports an invalid transaction
    /// ([`TransactionOutcome::Invalid`]) into words, e.g. `invalid: Payment`.
    ///
    /// [`TransactionOutcome::Invalid`]: crate::TransactionOutcome::Invalid
    pub fn describe_invalid(result: &[u8]) -> String {
        chain::extrinsic::describe_invalid(result)
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
}

/// Reads `spec_version` and `transaction_version` from a SCALE `RuntimeVersion`.
fn decode_version(bytes: &[u8]) -> Result<RuntimeVersion, ExtrinsicError> {
    let (_, spec_version, transaction_version) =
        chain::view::decode_version(bytes).map_err(|_| ExtrinsicError::Version)?;
    Ok(RuntimeVersion {
        spec_version,
        transaction_version,
    })
}

#[cfg(test)]
mod tests;
