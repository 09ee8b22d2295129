//! A [`View`]: the chain at one block, read through its own runtime's metadata.
//!
//! Opening a view asks the source for the runtime's version (`Core_version`) and, once per
//! runtime version, its metadata (the newest of V16, V15, V14 the runtime offers). Every read
//! after that names a storage item (`SubtensorModule.Tempo`), builds keys with the item's
//! declared hashers and decodes values against the declared types. An item this runtime does not
//! have is recorded in [`View::unavailable`] and reads as `None`, so a page can say "not
//! available on this runtime" next to the figure instead of showing a wrong one.
//!
//! Reads are batched: one `storage` question to the source per item and per group of keys,
//! which matters for a light client where every question is a network round trip.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use codec::Encode as _;
use scale_decode::DecodeAsType;
use serde::{Deserialize, Serialize};

use crate::error::{ChainError, DecodeError, MetadataError, SourceError};
use crate::metadata::Metadata;
use crate::source::{BlockRef, Provenance, Source};

/// The runtime of a block, from `Core_version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeInfo {
    /// `node-subtensor`.
    pub spec_name: String,
    /// Bumped at every runtime upgrade; decides which Yuma rules run.
    pub spec_version: u32,
    /// Bumped when extrinsics change shape.
    pub transaction_version: u32,
    /// The metadata version read (14, 15 or 16).
    pub metadata_version: u32,
}

/// A runtime: spec name and spec version.
type RuntimeKey = (String, u32);

/// Metadata already read, by runtime (spec name and version), shared by views of one source.
#[derive(Clone, Default)]
pub struct MetadataCache {
    inner: Rc<RefCell<HashMap<RuntimeKey, Rc<Metadata>>>>,
}

impl core::fmt::Debug for MetadataCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MetadataCache")
            .field("runtimes", &self.inner.borrow().len())
            .finish()
    }
}

/// The chain at one block. See the module documentation.
pub struct View<'s, S> {
    source: &'s S,
    at: BlockRef,
    meta: Rc<Metadata>,
    runtime: RuntimeInfo,
    unavailable: RefCell<BTreeSet<String>>,
}

impl<S> core::fmt::Debug for View<'_, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("View")
            .field("at", &self.at)
            .field("runtime", &self.runtime)
            .finish()
    }
}

/// Keys of one map item: each entry is the SCALE-encoded key parts of one key.
pub type KeyParts = Vec<Vec<u8>>;

/// Largest number of keys sent in one storage question.
const BATCH: usize = 512;

/// Decodes `Core_version`'s answer into spec name, spec version and transaction version (it
/// also holds the impl name and version, the API list and the state version, unread here).
///
/// # Errors
///
/// [`DecodeError::Bytes`] when the bytes are not a runtime version.
pub fn decode_version(bytes: &[u8]) -> Result<(String, u32, u32), DecodeError> {
    use codec::{Compact, Decode};
    let bad = |reason: String| DecodeError::Bytes {
        at: "Core_version".into(),
        reason,
    };
    let mut input = bytes;
    let spec_name = String::decode(&mut input).map_err(|e| bad(e.to_string()))?;
    let _impl_name = String::decode(&mut input).map_err(|e| bad(e.to_string()))?;
    let _authoring = u32::decode(&mut input).map_err(|e| bad(e.to_string()))?;
    let spec_version = u32::decode(&mut input).map_err(|e| bad(e.to_string()))?;
    let _impl_version = u32::decode(&mut input).map_err(|e| bad(e.to_string()))?;
    let apis = Compact::<u32>::decode(&mut input).map_err(|e| bad(e.to_string()))?;
    for _ in 0..apis.0 {
        <([u8; 8], u32)>::decode(&mut input).map_err(|e| bad(e.to_string()))?;
    }
    let transaction_version = u32::decode(&mut input).map_err(|e| bad(e.to_string()))?;
    Ok((spec_name, spec_version, transaction_version))
}

/// Reads the newest metadata the runtime offers at `at`.
///
/// # Errors
///
/// [`ChainError`] when no version can be read.
pub async fn read_metadata<S: Source>(source: &S, at: &BlockRef) -> Result<Metadata, ChainError> {
    for version in [16u32, 15] {
        match source
            .call(at, "Metadata_metadata_at_version", &version.encode())
            .await
        {
            Ok(bytes) => match Metadata::decode_option_opaque(&bytes) {
                Ok(meta) => return Ok(meta),
                Err(MetadataError::NotOffered) => continue,
                Err(e) => return Err(e.into()),
            },
            // Runtimes before the Metadata API v2 have no `metadata_at_version`.
            Err(SourceError::Failed(_)) => break,
            Err(e) => return Err(e.into()),
        }
    }
    let bytes = source.call(at, "Metadata_metadata", &[]).await?;
    Ok(Metadata::decode_opaque(&bytes)?)
}

impl<'s, S: Source> View<'s, S> {
    /// The chain at `at`: reads the runtime version and (unless `cache` has it) the metadata.
    ///
    /// # Errors
    ///
    /// [`ChainError`] when the source cannot read the block or the metadata is unreadable.
    pub async fn open(
        source: &'s S,
        at: BlockRef,
        cache: &MetadataCache,
    ) -> Result<Self, ChainError> {
        let version = source.call(&at, "Core_version", &[]).await?;
        let (spec_name, spec_version, transaction_version) = decode_version(&version)?;
        let key = (spec_name.clone(), spec_version);
        let cached = cache.inner.borrow().get(&key).cloned();
        let meta = match cached {
            Some(meta) => meta,
            None => {
                let meta = Rc::new(read_metadata(source, &at).await?);
                cache.inner.borrow_mut().insert(key, meta.clone());
                meta
            }
        };
        let runtime = RuntimeInfo {
            spec_name,
            spec_version,
            transaction_version,
            metadata_version: meta.version(),
        };
        Ok(View {
            source,
            at,
            meta,
            runtime,
            unavailable: RefCell::new(BTreeSet::new()),
        })
    }

    /// The block this view reads.
    pub fn at(&self) -> BlockRef {
        self.at
    }

    /// The source's provenance label.
    pub fn provenance(&self) -> Provenance {
        self.source.provenance()
    }

    /// The source.
    pub fn source(&self) -> &'s S {
        self.source
    }

    /// The runtime.
    pub fn runtime(&self) -> &RuntimeInfo {
        &self.runtime
    }

    /// The metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// Items asked for that this runtime does not have (`SubtensorModule.Rank`), so far.
    pub fn unavailable(&self) -> Vec<String> {
        self.unavailable.borrow().iter().cloned().collect()
    }

    fn missing(&self, what: String) {
        self.unavailable.borrow_mut().insert(what);
    }

    /// `pallet.item` at each of `keys`, decoded as `T`. `Ok(None)` when the runtime has no such
    /// item; inside, `None` for an absent `Option` item.
    ///
    /// # Errors
    ///
    /// [`ChainError`] when the source fails or a value does not decode.
    pub async fn values<T: DecodeAsType>(
        &self,
        pallet: &str,
        item: &str,
        keys: &[KeyParts],
    ) -> Result<Option<Vec<Option<T>>>, ChainError> {
        let Ok(found) = self.meta.item(pallet, item) else {
            self.missing(format!("{pallet}.{item}"));
            return Ok(None);
        };
        let full: Vec<Vec<u8>> = keys
            .iter()
            .map(|parts| {
                let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                self.meta.key(found, &parts)
            })
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(full.len());
        for chunk in full.chunks(BATCH) {
            let raw = self.source.storage(&self.at, chunk).await?;
            if raw.len() != chunk.len() {
                return Err(SourceError::BadAnswer(format!(
                    "{} values for {} keys",
                    raw.len(),
                    chunk.len()
                ))
                .into());
            }
            for bytes in &raw {
                out.push(self.meta.decode_stored::<T>(found, bytes.as_deref())?);
            }
        }
        Ok(Some(out))
    }

    /// One value: `pallet.item` at `key` (empty for a plain value).
    ///
    /// # Errors
    ///
    /// As [`View::values`].
    pub async fn value<T: DecodeAsType>(
        &self,
        pallet: &str,
        item: &str,
        key: KeyParts,
    ) -> Result<Option<T>, ChainError> {
        Ok(self
            .values::<T>(pallet, item, &[key])
            .await?
            .and_then(|mut v| v.pop().flatten()))
    }

    /// Every entry of `pallet.item` under the key parts `prefix`: the remaining key parts
    /// (SCALE) and the value. `Ok(None)` when the runtime has no such item.
    ///
    /// # Errors
    ///
    /// As [`View::values`]; also when a key cannot be read back (a hasher that does not keep
    /// its key).
    pub async fn entries<T: DecodeAsType>(
        &self,
        pallet: &str,
        item: &str,
        prefix: KeyParts,
    ) -> Result<Option<Vec<(KeyParts, T)>>, ChainError> {
        let Ok(found) = self.meta.item(pallet, item) else {
            self.missing(format!("{pallet}.{item}"));
            return Ok(None);
        };
        let parts: Vec<&[u8]> = prefix.iter().map(Vec::as_slice).collect();
        let key = self.meta.key(found, &parts)?;
        let raw = self.source.storage_prefix(&self.at, &key).await?;
        let mut out = Vec::with_capacity(raw.len());
        for (k, v) in raw {
            let mut parts = self.meta.key_parts(found, &k)?;
            let rest = parts.split_off(prefix.len().min(parts.len()));
            let value = self
                .meta
                .decode_stored::<T>(found, Some(&v))?
                .ok_or_else(|| DecodeError::Bytes {
                    at: found.name(),
                    reason: "a stored value decoded as absent".into(),
                })?;
            out.push((rest, value));
        }
        Ok(Some(out))
    }

    /// A constant of the runtime, decoded as `T`; `None` when the runtime has no such constant.
    ///
    /// # Errors
    ///
    /// [`ChainError::Decode`] when it does not decode.
    pub fn constant<T: DecodeAsType>(
        &self,
        pallet: &str,
        name: &str,
    ) -> Result<Option<T>, ChainError> {
        match self.meta.constant(pallet, name) {
            Some(c) => Ok(Some(self.meta.decode_as(
                c.ty,
                &c.value,
                &format!("{pallet}.{name}"),
            )?)),
            None => {
                self.missing(format!("{pallet}.{name}"));
                Ok(None)
            }
        }
    }

    /// Calls runtime API `api.method` with SCALE `params` and decodes the answer as `T`, through
    /// the method's declared output type. `None` when the runtime has no such method.
    ///
    /// # Errors
    ///
    /// [`ChainError`] when the call fails or the answer does not decode.
    pub async fn api<T: DecodeAsType>(
        &self,
        api: &str,
        method: &str,
        params: &[u8],
    ) -> Result<Option<T>, ChainError> {
        let Some(m) = self.meta.api_method(api, method) else {
            self.missing(format!("{api}.{method}"));
            return Ok(None);
        };
        let output = m.output;
        let bytes = self
            .source
            .call(&self.at, &format!("{api}_{method}"), params)
            .await?;
        Ok(Some(self.meta.decode_as(
            output,
            &bytes,
            &format!("{api}.{method}"),
        )?))
    }
}

/// SCALE of a `u16` netuid or uid, as a key part.
pub fn key_u16(v: u16) -> Vec<u8> {
    v.encode()
}

/// An account id as a key part.
pub fn key_account(a: &[u8; 32]) -> Vec<u8> {
    a.to_vec()
}
