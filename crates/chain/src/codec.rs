//! Storage keys and SCALE values, both through the metadata's declared types.
//!
//! A storage key is `twox128(pallet prefix) ++ twox128(item)` followed by one hashed part per
//! map key, each hashed as the metadata says. Every key part taoscope builds is first checked to
//! decode completely as the declared key type, so a runtime that retypes a key (a `u16` netuid
//! becoming a `NetUid` newtype is fine, a `u16` becoming a `u32` is not) fails loudly instead of
//! reading a key that does not exist.
//!
//! Values decode with `scale-decode` into Rust types, checked against the declared type: numbers
//! may widen, structs match by field name, so a value the runtime moved or retyped is an error,
//! never a wrong number. [`Metadata::decode_value`] gives a dynamic `scale-value` for what has
//! no Rust type here (hyperparameters shown as the chain has them).

use scale_decode::DecodeAsType;
use scale_decode::visitor::{IgnoreVisitor, decode_with_visitor};

use crate::error::DecodeError;
use crate::metadata::{Hasher, Metadata, StorageItem};

/// Substrate's `twox_128`: two xxHash64 (seeds 0 and 1), little-endian, concatenated.
pub fn twox128(data: &[u8]) -> [u8; 16] {
    let mut out = [0; 16];
    out[..8].copy_from_slice(&twox_hash::XxHash64::oneshot(0, data).to_le_bytes());
    out[8..].copy_from_slice(&twox_hash::XxHash64::oneshot(1, data).to_le_bytes());
    out
}

/// blake2b with a `len`-byte output.
pub fn blake2(len: usize, data: &[u8]) -> Vec<u8> {
    blake2_rfc::blake2b::blake2b(len, &[], data)
        .as_bytes()
        .to_vec()
}

/// The 32-byte prefix of every key of a storage item.
pub fn item_prefix(pallet_prefix: &str, item: &str) -> [u8; 32] {
    let mut key = [0; 32];
    key[..16].copy_from_slice(&twox128(pallet_prefix.as_bytes()));
    key[16..].copy_from_slice(&twox128(item.as_bytes()));
    key
}

/// Appends one key part hashed with `hasher`.
pub fn hash_key_part(hasher: Hasher, encoded: &[u8], out: &mut Vec<u8>) {
    match hasher {
        Hasher::Blake2_128 => out.extend_from_slice(&blake2(16, encoded)),
        Hasher::Blake2_256 => out.extend_from_slice(&blake2(32, encoded)),
        Hasher::Blake2_128Concat => {
            out.extend_from_slice(&blake2(16, encoded));
            out.extend_from_slice(encoded);
        }
        Hasher::Twox128 => out.extend_from_slice(&twox128(encoded)),
        Hasher::Twox256 => {
            out.extend_from_slice(&twox128(encoded));
            let mut second = [0; 16];
            second[..8].copy_from_slice(&twox_hash::XxHash64::oneshot(2, encoded).to_le_bytes());
            second[8..].copy_from_slice(&twox_hash::XxHash64::oneshot(3, encoded).to_le_bytes());
            out.extend_from_slice(&second);
        }
        Hasher::Twox64Concat => {
            out.extend_from_slice(&twox_hash::XxHash64::oneshot(0, encoded).to_le_bytes());
            out.extend_from_slice(encoded);
        }
        Hasher::Identity => out.extend_from_slice(encoded),
    }
}

/// A storage item found in the metadata, with its name for messages.
#[derive(Clone, Copy, Debug)]
pub struct Item<'m> {
    /// `Pallet.Item`, for messages.
    pub pallet: &'m str,
    /// The pallet's storage prefix.
    pub prefix: &'m str,
    /// The item.
    pub entry: &'m StorageItem,
}

impl Item<'_> {
    /// `Pallet.Item`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.pallet, self.entry.name)
    }
}

impl Metadata {
    /// The storage item `pallet.item`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::NotAvailable`] when this runtime has no such item.
    pub fn item(&self, pallet: &str, item: &str) -> Result<Item<'_>, DecodeError> {
        let (p, entry) = self
            .storage(pallet, item)
            .ok_or_else(|| DecodeError::NotAvailable(format!("{pallet}.{item}")))?;
        Ok(Item {
            pallet: &p.name,
            prefix: &p.storage_prefix,
            entry,
        })
    }

    /// Checks that `encoded` is exactly one value of type `ty`.
    fn check_encoded(&self, ty: u32, encoded: &[u8], at: &str) -> Result<(), DecodeError> {
        let mut input = encoded;
        decode_with_visitor(&mut input, ty, self.types(), IgnoreVisitor::new()).map_err(|e| {
            DecodeError::Encode {
                at: at.to_owned(),
                reason: format!("does not fit {}: {e}", self.type_name(ty)),
            }
        })?;
        if !input.is_empty() {
            return Err(DecodeError::Encode {
                at: at.to_owned(),
                reason: format!("{} bytes too long for {}", input.len(), self.type_name(ty)),
            });
        }
        Ok(())
    }

    /// The storage key of `item` at `keys` (SCALE-encoded key parts; fewer parts than the map
    /// has give the prefix under which the remaining parts' entries lie).
    ///
    /// # Errors
    ///
    /// [`DecodeError::Encode`] when there are too many parts or one does not fit its type.
    pub fn key(&self, item: Item<'_>, keys: &[&[u8]]) -> Result<Vec<u8>, DecodeError> {
        let e = item.entry;
        if keys.len() > e.hashers.len() {
            return Err(DecodeError::Encode {
                at: item.name(),
                reason: format!("{} key parts for a map of {}", keys.len(), e.hashers.len()),
            });
        }
        let mut out = item_prefix(item.prefix, &e.name).to_vec();
        for (i, part) in keys.iter().enumerate() {
            self.check_encoded(e.key_types[i], part, &format!("{} key {i}", item.name()))?;
            hash_key_part(e.hashers[i], part, &mut out);
        }
        Ok(out)
    }

    /// The key parts after `skip` already-known parts, read back from a full storage key of
    /// `item` (for iterated maps). Each part is returned SCALE-encoded.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Bytes`] when the key is not one of `item`'s, or a hasher does not keep
    /// its key.
    pub fn key_parts(&self, item: Item<'_>, full_key: &[u8]) -> Result<Vec<Vec<u8>>, DecodeError> {
        let e = item.entry;
        let bad = |reason: String| DecodeError::Bytes {
            at: format!("{} key 0x{}", item.name(), hex::encode(full_key)),
            reason,
        };
        let prefix = item_prefix(item.prefix, &e.name);
        let mut rest = full_key
            .strip_prefix(&prefix[..])
            .ok_or_else(|| bad("not a key of this item".into()))?;
        let mut parts = Vec::with_capacity(e.hashers.len());
        for (hasher, ty) in e.hashers.iter().zip(&e.key_types) {
            let skip = hasher
                .concat_prefix_len()
                .ok_or_else(|| bad(format!("{hasher:?} does not keep the key")))?;
            let after_hash = rest
                .get(skip..)
                .ok_or_else(|| bad("key ends inside a hash".into()))?;
            let mut input = after_hash;
            decode_with_visitor(&mut input, *ty, self.types(), IgnoreVisitor::new())
                .map_err(|err| bad(err.to_string()))?;
            let used = after_hash.len() - input.len();
            parts.push(after_hash[..used].to_vec());
            rest = input;
        }
        if !rest.is_empty() {
            return Err(bad(format!(
                "{} bytes left after the key parts",
                rest.len()
            )));
        }
        Ok(parts)
    }

    /// Decodes a stored value of `item` as `T`. An absent key reads as the item's default
    /// (`Default` items) or `None` (`Option` items).
    ///
    /// # Errors
    ///
    /// [`DecodeError::Bytes`] when the bytes do not decode as the declared type into `T`.
    pub fn decode_stored<T: DecodeAsType>(
        &self,
        item: Item<'_>,
        bytes: Option<&[u8]>,
    ) -> Result<Option<T>, DecodeError> {
        match bytes {
            Some(bytes) => self
                .decode_as(item.entry.value_type, bytes, &item.name())
                .map(Some),
            None if item.entry.optional => Ok(None),
            None => self
                .decode_as(item.entry.value_type, &item.entry.default, &item.name())
                .map(Some),
        }
    }

    /// Decodes `bytes` (all of them) as type `ty` into `T`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Bytes`] naming `at` when they do not.
    pub fn decode_as<T: DecodeAsType>(
        &self,
        ty: u32,
        bytes: &[u8],
        at: &str,
    ) -> Result<T, DecodeError> {
        let mut input = bytes;
        let value =
            T::decode_as_type(&mut input, ty, self.types()).map_err(|e| DecodeError::Bytes {
                at: at.to_owned(),
                reason: format!("as {}: {e}", self.type_name(ty)),
            })?;
        if !input.is_empty() {
            return Err(DecodeError::Bytes {
                at: at.to_owned(),
                reason: format!("{} bytes left after {}", input.len(), self.type_name(ty)),
            });
        }
        Ok(value)
    }

    /// Decodes `bytes` as type `ty` into a dynamic value.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Bytes`] naming `at`.
    pub fn decode_value(
        &self,
        ty: u32,
        bytes: &[u8],
        at: &str,
    ) -> Result<scale_value::Value<u32>, DecodeError> {
        let mut input = bytes;
        let value =
            scale_value::scale::decode_as_type(&mut input, ty, self.types()).map_err(|e| {
                DecodeError::Bytes {
                    at: at.to_owned(),
                    reason: format!("as {}: {e}", self.type_name(ty)),
                }
            })?;
        if !input.is_empty() {
            return Err(DecodeError::Bytes {
                at: at.to_owned(),
                reason: format!("{} bytes left after {}", input.len(), self.type_name(ty)),
            });
        }
        Ok(value)
    }

    /// Encodes a dynamic value as type `ty`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Encode`] naming `at` when the value does not fit.
    pub fn encode_value<C>(
        &self,
        ty: u32,
        value: &scale_value::Value<C>,
        at: &str,
        out: &mut Vec<u8>,
    ) -> Result<(), DecodeError> {
        scale_value::scale::encode_as_type(value, ty, self.types(), out).map_err(|e| {
            DecodeError::Encode {
                at: at.to_owned(),
                reason: format!("as {}: {e}", self.type_name(ty)),
            }
        })
    }
}

#[cfg(test)]
mod tests;
