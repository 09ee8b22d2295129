//! The light client seen from the page: it runs in a Web Worker (`bin/light_worker.rs`) so that
//! compiling the runtime and checking proofs never block the page, and talks to the page with
//! JSON messages defined here, one small vocabulary both sides share.
//!
//! [`SyncState`] is what the sync panel shows. It only ever gains information: a lost peer
//! marks it disconnected but keeps the last verified heads and values on screen, with the time
//! since the last block, so nothing already shown disappears while smoldot reconnects.
//!
//! The page also asks the worker for verified reads ([`ToWorker`]: storage at a block, entries
//! under a prefix, runtime calls, which blocks are still readable); each request carries an id
//! and gets one [`FromWorker::Reply`]. That is all the page's `chain::Source` needs: the
//! dashboard's model runs in the page, the worker only proves what it reads.
//!
//! The worker reads either through smoldot-light (a chain spec) or through a JSON-RPC endpoint
//! (`light::verified`: verified from a checkpoint, or trusted when the user says so);
//! [`FromWorker::Mode`] tells the page which, so every badge says it.
//!
//! Left out: several chains at once, and finney over p2p (smoldot refuses its spec; see
//! shared/bittensor-facts.md): the page reads finney through verified RPC.

use serde_json::{Value, json};

/// Chain spec the page loads when the URL names none (`?spec=` overrides it).
pub const DEFAULT_SPEC_PATH: &str = "chainspecs/devnet.json";

/// The default chain's spec with only its genesis state root, and a checkpoint of it (both
/// written by `cargo xtask demo`'s devnode): when both are served, the default start is from
/// the checkpoint, without fetching or hashing the genesis state (issue #12: 0.66× the time to
/// the first finalized header in `cargo xtask bench light`). Otherwise the start is from
/// [`DEFAULT_SPEC_PATH`].
pub const DEFAULT_LIGHT_SPEC_PATH: &str = "chainspecs/devnet.light.json";
/// See [`DEFAULT_LIGHT_SPEC_PATH`].
pub const DEFAULT_CHECKPOINT_PATH: &str = "chainspecs/devnet.checkpoint.json";

/// The light client worker's loader (Trunk's output), relative to the app's base.
pub const WORKER_LOADER_PATH: &str = "light_worker_loader.js";

/// `index.html` starts the worker and fetches the default start's two files before the app
/// loads, and leaves them on `window` under these names for the app to adopt
/// (`host::early_worker`, `host::quick_text`); it repeats the paths above, which a test checks.
pub const EARLY_WORKER_GLOBAL: &str = "taoscopeEarlyWorker";
/// See [`EARLY_WORKER_GLOBAL`].
pub const EARLY_FETCH_GLOBAL: &str = "taoscopeEarlyFetch";

/// A block as the panel shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Height.
    pub number: u64,
    /// Header hash.
    pub hash: [u8; 32],
}

impl Head {
    /// `0x1234…abcd`, enough to compare by eye.
    pub fn short_hash(&self) -> String {
        let h = hex_lower(&self.hash);
        format!("0x{}…{}", &h[..8], &h[56..])
    }
}

/// A message from the worker.
#[derive(Debug, Clone, PartialEq)]
pub enum FromWorker {
    /// The worker's code is loaded and listening: the page may send the chain spec now (a
    /// message sent earlier would be dropped while the worker's wasm still compiles).
    Ready,
    /// The client accepted the chain spec and starts syncing.
    Started {
        /// The chain's name from the spec.
        chain: String,
    },
    /// How the worker reads the chain, for the badge: `light-client`, `verified-rpc` or
    /// `trusted-rpc` (a [`chain::Provenance`] id), and in words what was verified last.
    Mode {
        /// The provenance id.
        provenance: String,
        /// What was verified, and how (the proven block, the GRANDPA set, the endpoint).
        detail: String,
    },
    /// New best and finalized blocks (verified headers; finality by GRANDPA justification).
    Heads {
        /// Best block.
        best: Head,
        /// Finalized block.
        finalized: Head,
    },
    /// Peers and sync status.
    Health {
        /// Connected peers.
        peers: u64,
        /// Whether smoldot is still catching up.
        syncing: bool,
    },
    /// The runtime of the finalized block.
    Runtime {
        /// `specName`.
        spec_name: String,
        /// `specVersion`.
        spec_version: u32,
    },
    /// A storage value read through a Merkle proof at `block`.
    Storage {
        /// Which value (`SubtensorModule.TotalNetworks`, ...).
        name: String,
        /// Block the proof was checked against.
        block: u64,
        /// The SCALE-encoded value; `None` when the key is empty.
        value: Option<Vec<u8>>,
    },
    /// Something failed; `fatal` when the client cannot go on (a bad chain spec).
    Error {
        /// What failed, for the reader.
        message: String,
        /// Whether the client stopped.
        fatal: bool,
    },
    /// The client's record of finalized block `number` is saved in this browser: the next
    /// visit with the same spec and checkpoint starts there.
    Saved {
        /// The saved block's number.
        number: u64,
    },
    /// A step of the transaction sent by [`ToWorker::Submit`] `id`, before its final
    /// [`FromWorker::Reply`]: `{"kind": "validated" | "broadcast" | "in-block" | "retracted",
    /// "block": "0x…", "index": n, "peers": n}`.
    Tx {
        /// The submit request's id.
        id: u64,
        /// The step.
        event: Value,
    },
    /// The answer to request `id` ([`ToWorker`]): its result, or why it failed.
    Reply {
        /// The request's id.
        id: u64,
        /// The result (shape per request), or the error in words.
        result: Result<Value, String>,
        /// Whether the error is a block the client no longer keeps.
        unavailable: bool,
    },
}

/// A read the page asks of the worker; the answer is a [`FromWorker::Reply`] with the same id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToWorker {
    /// Values at keys at a block: reply `{"values": ["0x…" | null, …]}`.
    Storage {
        /// Request id.
        id: u64,
        /// Block hash.
        block: [u8; 32],
        /// Keys.
        keys: Vec<Vec<u8>>,
    },
    /// Entries under a prefix: reply `{"entries": [["0xkey", "0xvalue"], …]}`.
    Prefix {
        /// Request id.
        id: u64,
        /// Block hash.
        block: [u8; 32],
        /// The prefix.
        prefix: Vec<u8>,
    },
    /// A runtime call: reply `{"output": "0x…"}`.
    Call {
        /// Request id.
        id: u64,
        /// Block hash.
        block: [u8; 32],
        /// Entry point (`Core_version`).
        function: String,
        /// SCALE parameters.
        params: Vec<u8>,
    },
    /// The finalized block at a height, if still readable: reply `{"number": n, "hash": "0x…"}`.
    Block {
        /// Request id.
        id: u64,
        /// Height.
        number: u64,
    },
    /// Keep blocks readable until released (no reply).
    Hold {
        /// Block hashes.
        blocks: Vec<[u8; 32]>,
    },
    /// Release held blocks (no reply).
    Unhold {
        /// Block hashes.
        blocks: Vec<[u8; 32]>,
    },
    /// Send a signed extrinsic and watch it: [`FromWorker::Tx`] steps, then a reply
    /// `{"block": "0x…", "number": n, "index": n}` once finalized, or the refusal in words.
    Submit {
        /// Request id.
        id: u64,
        /// The signed extrinsic, length prefix included.
        extrinsic: Vec<u8>,
    },
}

fn hex_list(items: &[Vec<u8>]) -> Value {
    items
        .iter()
        .map(|k| Value::from(format!("0x{}", hex_lower(k))))
        .collect()
}

fn hash_list(items: &[[u8; 32]]) -> Value {
    items
        .iter()
        .map(|k| Value::from(format!("0x{}", hex_lower(k))))
        .collect()
}

impl ToWorker {
    /// The message as JSON text for `postMessage`.
    pub fn encode(&self) -> String {
        let h = |b: &[u8]| format!("0x{}", hex_lower(b));
        let value = match self {
            ToWorker::Storage { id, block, keys } => {
                json!({"type": "storage", "id": id, "block": h(block), "keys": hex_list(keys)})
            }
            ToWorker::Prefix { id, block, prefix } => {
                json!({"type": "prefix", "id": id, "block": h(block), "prefix": h(prefix)})
            }
            ToWorker::Call {
                id,
                block,
                function,
                params,
            } => json!({"type": "call", "id": id, "block": h(block), "function": function,
                        "params": h(params)}),
            ToWorker::Block { id, number } => json!({"type": "block", "id": id, "number": number}),
            ToWorker::Hold { blocks } => json!({"type": "hold", "blocks": hash_list(blocks)}),
            ToWorker::Unhold { blocks } => json!({"type": "unhold", "blocks": hash_list(blocks)}),
            ToWorker::Submit { id, extrinsic } => {
                json!({"type": "submit", "id": id, "extrinsic": h(extrinsic)})
            }
        };
        value.to_string()
    }

    /// Reads a request (in the worker); `None` for text that is not one (such as `start`).
    ///
    /// # Errors
    ///
    /// [`MessageError`] naming the field of a malformed request.
    pub fn decode(value: &Value) -> Result<Option<Self>, MessageError> {
        let kind = value["type"].as_str().unwrap_or_default().to_owned();
        let bad = |field| MessageError::Field {
            kind: kind.clone(),
            field,
        };
        let id = || value["id"].as_u64().ok_or_else(|| bad("id"));
        let bytes = |field: &'static str| {
            value[field]
                .as_str()
                .and_then(from_hex)
                .ok_or_else(|| bad(field))
        };
        let hash = |field: &'static str| {
            bytes(field).and_then(|b| <[u8; 32]>::try_from(b).map_err(|_| bad(field)))
        };
        let hashes = |field: &'static str| -> Result<Vec<[u8; 32]>, MessageError> {
            value[field]
                .as_array()
                .ok_or_else(|| bad(field))?
                .iter()
                .map(|v| {
                    v.as_str()
                        .and_then(from_hex)
                        .and_then(|b| <[u8; 32]>::try_from(b).ok())
                        .ok_or_else(|| bad(field))
                })
                .collect()
        };
        Ok(Some(match kind.as_str() {
            "storage" => ToWorker::Storage {
                id: id()?,
                block: hash("block")?,
                keys: value["keys"]
                    .as_array()
                    .ok_or_else(|| bad("keys"))?
                    .iter()
                    .map(|k| k.as_str().and_then(from_hex).ok_or_else(|| bad("keys")))
                    .collect::<Result<_, _>>()?,
            },
            "prefix" => ToWorker::Prefix {
                id: id()?,
                block: hash("block")?,
                prefix: bytes("prefix")?,
            },
            "call" => ToWorker::Call {
                id: id()?,
                block: hash("block")?,
                function: value["function"]
                    .as_str()
                    .ok_or_else(|| bad("function"))?
                    .to_owned(),
                params: bytes("params")?,
            },
            "block" => ToWorker::Block {
                id: id()?,
                number: value["number"].as_u64().ok_or_else(|| bad("number"))?,
            },
            "hold" => ToWorker::Hold {
                blocks: hashes("blocks")?,
            },
            "unhold" => ToWorker::Unhold {
                blocks: hashes("blocks")?,
            },
            "submit" => ToWorker::Submit {
                id: id()?,
                extrinsic: bytes("extrinsic")?,
            },
            _ => return Ok(None),
        }))
    }
}

/// Why a worker message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Not JSON.
    #[error("worker message is not JSON: {0}")]
    Json(String),
    /// A field is missing or has the wrong type.
    #[error("worker message {kind}: bad or missing field `{field}`")]
    Field {
        /// Message type.
        kind: String,
        /// Field name.
        field: &'static str,
    },
    /// An unknown `type`.
    #[error("unknown worker message type `{0}`")]
    Kind(String),
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.strip_prefix("0x")?;
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn head_json(head: &Head) -> Value {
    json!({ "number": head.number, "hash": format!("0x{}", hex_lower(&head.hash)) })
}

impl FromWorker {
    /// The message as JSON text for `postMessage`.
    pub fn encode(&self) -> String {
        let value = match self {
            FromWorker::Ready => json!({ "type": "ready" }),
            FromWorker::Started { chain } => json!({ "type": "started", "chain": chain }),
            FromWorker::Mode { provenance, detail } => {
                json!({ "type": "mode", "provenance": provenance, "detail": detail })
            }
            FromWorker::Heads { best, finalized } => json!({
                "type": "heads", "best": head_json(best), "finalized": head_json(finalized)
            }),
            FromWorker::Health { peers, syncing } => {
                json!({ "type": "health", "peers": peers, "syncing": syncing })
            }
            FromWorker::Runtime {
                spec_name,
                spec_version,
            } => json!({ "type": "runtime", "specName": spec_name, "specVersion": spec_version }),
            FromWorker::Storage { name, block, value } => json!({
                "type": "storage", "name": name, "block": block,
                "value": value.as_ref().map(|v| format!("0x{}", hex_lower(v))),
            }),
            FromWorker::Error { message, fatal } => {
                json!({ "type": "error", "message": message, "fatal": fatal })
            }
            FromWorker::Saved { number } => json!({ "type": "saved", "number": number }),
            FromWorker::Tx { id, event } => json!({ "type": "tx", "id": id, "event": event }),
            FromWorker::Reply {
                id,
                result,
                unavailable,
            } => match result {
                Ok(value) => json!({ "type": "reply", "id": id, "ok": value }),
                Err(e) => {
                    json!({ "type": "reply", "id": id, "error": e, "unavailable": unavailable })
                }
            },
        };
        value.to_string()
    }

    /// Reads a message from the worker; strict, since a broken worker must not look synced.
    ///
    /// # Errors
    ///
    /// [`MessageError`] naming the field.
    pub fn decode(text: &str) -> Result<Self, MessageError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| MessageError::Json(e.to_string()))?;
        let kind = value["type"].as_str().unwrap_or_default().to_owned();
        let bad = |field| MessageError::Field {
            kind: kind.clone(),
            field,
        };
        let string = |field: &'static str| {
            value[field]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad(field))
        };
        let head = |field: &'static str| -> Result<Head, MessageError> {
            let number = value[field]["number"].as_u64().ok_or_else(|| bad(field))?;
            let hash = value[field]["hash"]
                .as_str()
                .and_then(from_hex)
                .and_then(|h| <[u8; 32]>::try_from(h).ok())
                .ok_or_else(|| bad(field))?;
            Ok(Head { number, hash })
        };
        Ok(match kind.as_str() {
            "ready" => FromWorker::Ready,
            "started" => FromWorker::Started {
                chain: string("chain")?,
            },
            "mode" => FromWorker::Mode {
                provenance: string("provenance")?,
                detail: string("detail")?,
            },
            "heads" => FromWorker::Heads {
                best: head("best")?,
                finalized: head("finalized")?,
            },
            "health" => FromWorker::Health {
                peers: value["peers"].as_u64().ok_or_else(|| bad("peers"))?,
                syncing: value["syncing"].as_bool().ok_or_else(|| bad("syncing"))?,
            },
            "runtime" => FromWorker::Runtime {
                spec_name: string("specName")?,
                spec_version: value["specVersion"]
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| bad("specVersion"))?,
            },
            "storage" => FromWorker::Storage {
                name: string("name")?,
                block: value["block"].as_u64().ok_or_else(|| bad("block"))?,
                value: match &value["value"] {
                    Value::Null => None,
                    Value::String(s) => Some(from_hex(s).ok_or_else(|| bad("value"))?),
                    _ => return Err(bad("value")),
                },
            },
            "error" => FromWorker::Error {
                message: string("message")?,
                fatal: value["fatal"].as_bool().ok_or_else(|| bad("fatal"))?,
            },
            "saved" => FromWorker::Saved {
                number: value["number"].as_u64().ok_or_else(|| bad("number"))?,
            },
            "tx" => FromWorker::Tx {
                id: value["id"].as_u64().ok_or_else(|| bad("id"))?,
                event: value.get("event").cloned().ok_or_else(|| bad("event"))?,
            },
            "reply" => FromWorker::Reply {
                id: value["id"].as_u64().ok_or_else(|| bad("id"))?,
                result: match (value.get("ok"), value.get("error")) {
                    (Some(ok), None) => Ok(ok.clone()),
                    (None, Some(Value::String(e))) => Err(e.clone()),
                    _ => return Err(bad("ok")),
                },
                unavailable: value["unavailable"].as_bool().unwrap_or(false),
            },
            _ => return Err(MessageError::Kind(kind)),
        })
    }
}

/// Where the panel stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Loading the spec or waiting for the first peer.
    #[default]
    Connecting,
    /// Peers connected, catching up.
    Syncing,
    /// Following the chain head.
    Synced,
    /// Had peers, has none now; smoldot keeps dialing the boot nodes.
    Disconnected,
    /// The client stopped (bad spec, worker failure).
    Failed,
}

impl Phase {
    /// Stable name for `data-phase` attributes and tests.
    pub fn id(self) -> &'static str {
        match self {
            Phase::Connecting => "connecting",
            Phase::Syncing => "syncing",
            Phase::Synced => "synced",
            Phase::Disconnected => "disconnected",
            Phase::Failed => "failed",
        }
    }
}

/// Everything the sync panel shows, folded from worker messages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncState {
    /// Current phase.
    pub phase: Phase,
    /// Chain name from the spec.
    pub chain: Option<String>,
    /// Connected peers.
    pub peers: u64,
    /// Latest best block.
    pub best: Option<Head>,
    /// Latest finalized block.
    pub finalized: Option<Head>,
    /// Page time (ms) when the best block last changed.
    pub last_block_ms: Option<f64>,
    /// Runtime name and version.
    pub runtime: Option<(String, u32)>,
    /// `SubtensorModule.TotalNetworks` and the block it was proven at.
    pub total_networks: Option<(u16, u64)>,
    /// The latest error (kept until something good replaces it).
    pub error: Option<String>,
    /// How the worker reads the chain (provenance id) and what it verified last.
    pub mode: Option<(String, String)>,
    /// The finalized block saved in this browser for the next visit's start.
    pub saved: Option<u64>,
}

impl SyncState {
    /// Applies one message; `now_ms` stamps new blocks.
    pub fn apply(&mut self, message: FromWorker, now_ms: f64) {
        match message {
            FromWorker::Ready => {}
            FromWorker::Started { chain } => self.chain = Some(chain),
            FromWorker::Mode { provenance, detail } => self.mode = Some((provenance, detail)),
            FromWorker::Heads { best, finalized } => {
                if self.best != Some(best) {
                    self.last_block_ms = Some(now_ms);
                }
                self.best = Some(best);
                self.finalized = Some(finalized);
                if self.phase != Phase::Failed && self.peers > 0 {
                    self.phase = Phase::Synced;
                }
            }
            FromWorker::Health { peers, syncing } => {
                let had_peers = self.peers > 0 || self.best.is_some_and(|b| b.number > 0);
                self.peers = peers;
                if self.phase != Phase::Failed {
                    self.phase = match (peers, syncing) {
                        (0, _) if had_peers => Phase::Disconnected,
                        (0, _) => Phase::Connecting,
                        (_, true) => Phase::Syncing,
                        (_, false) => Phase::Synced,
                    };
                }
            }
            FromWorker::Runtime {
                spec_name,
                spec_version,
            } => self.runtime = Some((spec_name, spec_version)),
            FromWorker::Storage { name, block, value } => {
                if name == TOTAL_NETWORKS {
                    match value.as_deref() {
                        Some([lo, hi]) => {
                            self.total_networks = Some((u16::from_le_bytes([*lo, *hi]), block));
                        }
                        // An absent key means the default: no subnets.
                        None => self.total_networks = Some((0, block)),
                        Some(other) => {
                            self.error = Some(format!(
                                "{TOTAL_NETWORKS}: expected a u16, got {} bytes",
                                other.len()
                            ));
                        }
                    }
                }
            }
            FromWorker::Error { message, fatal } => {
                self.error = Some(message);
                if fatal {
                    self.phase = Phase::Failed;
                }
            }
            FromWorker::Saved { number } => self.saved = Some(number),
            // Replies go to the request that asked, not into the panel.
            FromWorker::Reply { .. } | FromWorker::Tx { .. } => {}
        }
    }
}

/// Name of the storage value the panel reads.
pub const TOTAL_NETWORKS: &str = "SubtensorModule.TotalNetworks";

/// `twox128("SubtensorModule") ++ twox128("TotalNetworks")`, the storage key of the number of
/// subnets (a `u16`).
pub const TOTAL_NETWORKS_KEY: &str =
    "658faa385070e074c85bf6b568cf05555f3bb7bcd0a076a48abf8c256d221721";

#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
mod resume;
#[cfg(target_arch = "wasm32")]
pub mod worker;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn head(n: u64) -> Head {
        Head {
            number: n,
            hash: [n as u8; 32],
        }
    }

    #[test]
    fn messages_round_trip() {
        let messages = [
            FromWorker::Ready,
            FromWorker::Started {
                chain: "taoscope devnet".into(),
            },
            FromWorker::Mode {
                provenance: "verified-rpc".into(),
                detail: "GRANDPA justification of #8 by set 0".into(),
            },
            FromWorker::Heads {
                best: head(7),
                finalized: head(6),
            },
            FromWorker::Health {
                peers: 1,
                syncing: false,
            },
            FromWorker::Runtime {
                spec_name: "node-subtensor".into(),
                spec_version: 218,
            },
            FromWorker::Storage {
                name: TOTAL_NETWORKS.into(),
                block: 6,
                value: Some(vec![3, 0]),
            },
            FromWorker::Storage {
                name: TOTAL_NETWORKS.into(),
                block: 6,
                value: None,
            },
            FromWorker::Error {
                message: "bad spec".into(),
                fatal: true,
            },
            FromWorker::Saved { number: 41 },
            FromWorker::Reply {
                id: 9,
                result: Ok(json!({"values": ["0x01", null]})),
                unavailable: false,
            },
            FromWorker::Reply {
                id: 10,
                result: Err("block #5 is no longer pinned".into()),
                unavailable: true,
            },
        ];
        for m in messages {
            assert_eq!(FromWorker::decode(&m.encode()).unwrap(), m);
        }
    }

    #[test]
    fn requests_round_trip_and_malformed_ones_name_the_field() {
        let requests = [
            ToWorker::Storage {
                id: 1,
                block: [3; 32],
                keys: vec![vec![1, 2], vec![]],
            },
            ToWorker::Prefix {
                id: 2,
                block: [4; 32],
                prefix: vec![0xaa],
            },
            ToWorker::Call {
                id: 3,
                block: [5; 32],
                function: "Core_version".into(),
                params: vec![],
            },
            ToWorker::Block { id: 4, number: 77 },
            ToWorker::Hold {
                blocks: vec![[6; 32]],
            },
            ToWorker::Unhold {
                blocks: vec![[6; 32], [7; 32]],
            },
        ];
        for r in requests {
            let value: Value = serde_json::from_str(&r.encode()).unwrap();
            assert_eq!(ToWorker::decode(&value).unwrap(), Some(r));
        }
        let start = json!({"type": "start", "spec": "{}"});
        assert_eq!(ToWorker::decode(&start).unwrap(), None);
        let bad = json!({"type": "storage", "id": 1, "block": "0x12", "keys": []});
        assert_eq!(
            ToWorker::decode(&bad),
            Err(MessageError::Field {
                kind: "storage".into(),
                field: "block"
            })
        );
    }

    #[test]
    fn malformed_messages_name_the_field() {
        assert!(matches!(
            FromWorker::decode("nope"),
            Err(MessageError::Json(_))
        ));
        assert_eq!(
            FromWorker::decode(r#"{"type":"heads","best":{"number":1,"hash":"0x12"}}"#),
            Err(MessageError::Field {
                kind: "heads".into(),
                field: "best"
            })
        );
        assert_eq!(
            FromWorker::decode(r#"{"type":"bogus"}"#),
            Err(MessageError::Kind("bogus".into()))
        );
    }

    #[test]
    fn losing_the_peer_keeps_what_was_shown() {
        let mut s = SyncState::default();
        s.apply(
            FromWorker::Health {
                peers: 1,
                syncing: true,
            },
            0.0,
        );
        assert_eq!(s.phase, Phase::Syncing);
        s.apply(
            FromWorker::Heads {
                best: head(5),
                finalized: head(4),
            },
            10.0,
        );
        s.apply(
            FromWorker::Storage {
                name: TOTAL_NETWORKS.into(),
                block: 4,
                value: Some(vec![3, 0]),
            },
            11.0,
        );
        assert_eq!(s.phase, Phase::Synced);
        s.apply(
            FromWorker::Health {
                peers: 0,
                syncing: true,
            },
            20.0,
        );
        assert_eq!(s.phase, Phase::Disconnected);
        assert_eq!(s.best, Some(head(5)));
        assert_eq!(s.total_networks, Some((3, 4)));
        assert_eq!(s.last_block_ms, Some(10.0));
        s.apply(
            FromWorker::Health {
                peers: 1,
                syncing: false,
            },
            30.0,
        );
        assert_eq!(s.phase, Phase::Synced);
    }

    #[test]
    fn a_fatal_error_sticks() {
        let mut s = SyncState::default();
        s.apply(
            FromWorker::Error {
                message: "chain spec: expected value at line 1".into(),
                fatal: true,
            },
            0.0,
        );
        s.apply(
            FromWorker::Health {
                peers: 0,
                syncing: true,
            },
            1.0,
        );
        assert_eq!(s.phase, Phase::Failed);
        assert!(s.error.as_deref().unwrap().contains("chain spec"));
    }

    #[test]
    fn the_total_networks_key_is_the_storage_key() {
        let twox128 = |data: &[u8]| {
            let mut out = twox_hash::XxHash64::oneshot(0, data).to_le_bytes().to_vec();
            out.extend(twox_hash::XxHash64::oneshot(1, data).to_le_bytes());
            out
        };
        let mut key = twox128(b"SubtensorModule");
        key.extend(twox128(b"TotalNetworks"));
        assert_eq!(hex_lower(&key), TOTAL_NETWORKS_KEY);
    }
}
