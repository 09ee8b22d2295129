//! Snapshots: what a source answered, recorded, so a static host without a node can still
//! show a real dashboard and tests can run on real bytes.
//!
//! A snapshot is not a second data model. [`Recorder`] wraps any [`Source`] and writes down
//! every question and answer (values at keys, entries under prefixes, runtime calls) per block;
//! [`Snapshot`] is that record as JSON, and it is itself a [`Source`] that answers the same
//! questions again. So the dashboard decodes a snapshot through exactly the code that decoded
//! the live chain, and anything it did not record is an error ("not in this snapshot"), never a
//! guess. Values are not re-verified when read back: the page labels them `snapshot`, with the
//! block and the source they were recorded from.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::SourceError;
use crate::hexser;
use crate::source::{BlockRef, Provenance, Source};

/// The format tag written into every snapshot; a file without it is refused.
pub const FORMAT: &str = "taoscope-snapshot/1";

/// What was read at one block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockRecord {
    /// Values by key (hex); `null` for a key that held nothing.
    #[serde(default)]
    pub storage: BTreeMap<String, Option<String>>,
    /// Entries under each prefix (hex), as `[key, value]` pairs.
    #[serde(default)]
    pub prefixes: BTreeMap<String, Vec<(String, String)>>,
    /// Runtime call outputs by `function:params-hex`.
    #[serde(default)]
    pub calls: BTreeMap<String, String>,
}

/// A recorded snapshot. See the module documentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`FORMAT`].
    pub format: String,
    /// The chain's name from its spec (`Bittensor devnode`).
    pub chain: String,
    /// Genesis hash, so a snapshot of one chain is never shown as another.
    #[serde(with = "hexser::array")]
    pub genesis_hash: [u8; 32],
    /// How the recorded answers were obtained when recorded.
    pub recorded_from: Provenance,
    /// When it was recorded (seconds since 1970), if the recorder knew.
    #[serde(default)]
    pub recorded_at: Option<u64>,
    /// The finalized block the snapshot presents as current.
    pub finalized: BlockRef,
    /// Blocks by number.
    pub blocks: BTreeMap<u64, (BlockRef, BlockRecord)>,
}

/// Why a snapshot file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not JSON, or not this shape.
    #[error("not a taoscope snapshot: {0}")]
    Shape(String),
    /// Another format version.
    #[error("snapshot format `{0}` is not `{FORMAT}`")]
    Format(String),
    /// A hex field does not parse.
    #[error("snapshot block #{block}: {reason}")]
    Hex {
        /// The block whose record is bad.
        block: u64,
        /// Why.
        reason: String,
    },
    /// The finalized block is not among the recorded blocks.
    #[error("snapshot's finalized block #{0} has no record")]
    NoFinalized(u64),
}

impl Snapshot {
    /// Reads and checks a snapshot file's text: the format tag, every hex field, and that the
    /// finalized block is recorded. A damaged file is refused whole rather than half-shown.
    ///
    /// # Errors
    ///
    /// [`SnapshotError`] naming what is wrong.
    pub fn from_json(text: &str) -> Result<Self, SnapshotError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SnapshotError::Shape(e.to_string()))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => return Err(SnapshotError::Format(other.to_owned())),
            None => return Err(SnapshotError::Shape("no `format` field".into())),
        }
        let snapshot: Snapshot =
            serde_json::from_value(value).map_err(|e| SnapshotError::Shape(e.to_string()))?;
        for (number, (block, record)) in &snapshot.blocks {
            let bad = |reason: String| SnapshotError::Hex {
                block: *number,
                reason,
            };
            if block.number != *number {
                return Err(bad(format!(
                    "recorded under #{number} but is #{}",
                    block.number
                )));
            }
            for (k, v) in &record.storage {
                hexser::parse(k).map_err(bad)?;
                if let Some(v) = v {
                    hexser::parse(v).map_err(bad)?;
                }
            }
            for (p, entries) in &record.prefixes {
                hexser::parse(p).map_err(bad)?;
                for (k, v) in entries {
                    hexser::parse(k).map_err(bad)?;
                    hexser::parse(v).map_err(bad)?;
                }
            }
            for (c, out) in &record.calls {
                let (_, params) = c
                    .split_once(':')
                    .ok_or_else(|| bad(format!("call key `{c}`")))?;
                hexser::parse(params).map_err(bad)?;
                hexser::parse(out).map_err(bad)?;
            }
        }
        match snapshot.blocks.get(&snapshot.finalized.number) {
            Some((b, _)) if *b == snapshot.finalized => Ok(snapshot),
            _ => Err(SnapshotError::NoFinalized(snapshot.finalized.number)),
        }
    }

    /// The snapshot as JSON text.
    pub fn to_json(&self) -> String {
        // Serializing plain maps of strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    fn record(&self, at: &BlockRef) -> Result<&BlockRecord, SourceError> {
        match self.blocks.get(&at.number) {
            Some((b, r)) if b.hash == at.hash => Ok(r),
            _ => Err(SourceError::BlockUnavailable {
                number: at.number,
                reason: "not in this snapshot".into(),
            }),
        }
    }
}

fn missing(what: String) -> SourceError {
    SourceError::Failed(format!("{what} is not in this snapshot"))
}

fn call_key(function: &str, params: &[u8]) -> String {
    format!("{function}:{}", hexser::to_hex(params))
}

/// Hex fields were checked by [`Snapshot::from_json`]; a hand-built snapshot with bad hex
/// reads as a failure, not a panic.
fn unhex(text: &str) -> Result<Vec<u8>, SourceError> {
    hexser::parse(text).map_err(SourceError::BadAnswer)
}

impl Source for Snapshot {
    fn provenance(&self) -> Provenance {
        Provenance::Snapshot
    }

    async fn finalized(&self) -> Result<BlockRef, SourceError> {
        Ok(self.finalized)
    }

    async fn block(&self, number: u64) -> Result<BlockRef, SourceError> {
        self.blocks
            .get(&number)
            .map(|(b, _)| *b)
            .ok_or_else(|| SourceError::BlockUnavailable {
                number,
                reason: "not in this snapshot".into(),
            })
    }

    async fn storage(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        let record = self.record(at)?;
        keys.iter()
            .map(|k| {
                let key = hexser::to_hex(k);
                match record.storage.get(&key) {
                    Some(Some(v)) => unhex(v).map(Some),
                    Some(None) => Ok(None),
                    None => Err(missing(format!("key {key:.24}… at #{}", at.number))),
                }
            })
            .collect()
    }

    async fn storage_prefix(
        &self,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        let record = self.record(at)?;
        let key = hexser::to_hex(prefix);
        record
            .prefixes
            .get(&key)
            .ok_or_else(|| missing(format!("prefix {key:.24}… at #{}", at.number)))?
            .iter()
            .map(|(k, v)| Ok((unhex(k)?, unhex(v)?)))
            .collect()
    }

    async fn call(
        &self,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        let record = self.record(at)?;
        record
            .calls
            .get(&call_key(function, params))
            .ok_or_else(|| missing(format!("call {function} at #{}", at.number)))
            .and_then(|v| unhex(v))
    }
}

/// A [`Source`] that writes down every answer of the source it wraps.
#[derive(Debug)]
pub struct Recorder<S> {
    inner: S,
    blocks: RefCell<BTreeMap<u64, (BlockRef, BlockRecord)>>,
}

impl<S: Source> Recorder<S> {
    /// Records what `inner` answers from now on.
    pub fn new(inner: S) -> Self {
        Recorder {
            inner,
            blocks: RefCell::new(BTreeMap::new()),
        }
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn with_record(&self, at: &BlockRef, f: impl FnOnce(&mut BlockRecord)) {
        let mut blocks = self.blocks.borrow_mut();
        let entry = blocks
            .entry(at.number)
            .or_insert_with(|| (*at, BlockRecord::default()));
        f(&mut entry.1);
    }

    /// The snapshot of everything recorded, presenting `finalized` as current.
    pub fn snapshot(
        &self,
        chain: &str,
        genesis_hash: [u8; 32],
        finalized: BlockRef,
        recorded_at: Option<u64>,
    ) -> Snapshot {
        let mut blocks = self.blocks.borrow().clone();
        blocks
            .entry(finalized.number)
            .or_insert_with(|| (finalized, BlockRecord::default()));
        Snapshot {
            format: FORMAT.into(),
            chain: chain.into(),
            genesis_hash,
            recorded_from: self.inner.provenance(),
            recorded_at,
            finalized,
            blocks,
        }
    }
}

impl<S: Source> Source for Recorder<S> {
    fn provenance(&self) -> Provenance {
        self.inner.provenance()
    }

    async fn finalized(&self) -> Result<BlockRef, SourceError> {
        self.inner.finalized().await
    }

    async fn block(&self, number: u64) -> Result<BlockRef, SourceError> {
        self.inner.block(number).await
    }

    fn hold(&self, blocks: &[BlockRef]) -> Result<(), SourceError> {
        self.inner.hold(blocks)
    }

    fn unhold(&self, blocks: &[BlockRef]) {
        self.inner.unhold(blocks);
    }

    async fn storage(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        let values = self.inner.storage(at, keys).await?;
        self.with_record(at, |r| {
            for (k, v) in keys.iter().zip(&values) {
                r.storage
                    .insert(hexser::to_hex(k), v.as_deref().map(hexser::to_hex));
            }
        });
        Ok(values)
    }

    async fn storage_prefix(
        &self,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        let entries = self.inner.storage_prefix(at, prefix).await?;
        self.with_record(at, |r| {
            r.prefixes.insert(
                hexser::to_hex(prefix),
                entries
                    .iter()
                    .map(|(k, v)| (hexser::to_hex(k), hexser::to_hex(v)))
                    .collect(),
            );
        });
        Ok(entries)
    }

    async fn call(
        &self,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        let out = self.inner.call(at, function, params).await?;
        self.with_record(at, |r| {
            r.calls
                .insert(call_key(function, params), hexser::to_hex(&out));
        });
        Ok(out)
    }
}
