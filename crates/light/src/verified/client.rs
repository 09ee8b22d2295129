//! The verified RPC client: a trust root (a checkpoint), finality carried forward by GRANDPA
//! justifications fetched from the endpoint, and every read checked against a proven state
//! root before it reaches the model.
//!
//! How a recent block becomes trusted, with an endpoint that serves no `grandpa_*` methods
//! (finney's): the endpoint's finalized head and the `Grandpa.CurrentSetId` it reports along
//! the way are *hints*. When the set id moved since the last proven block, a binary search over
//! the hints finds the first block of the new set; that block's justification (substrate keeps
//! one at every change) must verify with the old set and its digest names the new one. When
//! the set did not move, a justification is looked for at the head and then at the multiples
//! of the justification period (512 on substrate chains) below it. A hint that lies can only
//! make a check fail, never make a block trusted.
//!
//! Older blocks (a replay reads the block before an epoch) are proven by walking parent hashes
//! down from a proven block. Newer blocks than the last justification are not readable: the
//! badge says which block was proven and how.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use chain::{BlockRef, Provenance, Source, SourceError};
use serde_json::{Value, json};
use smoldot::executor::{self, host::HostVmPrototype, runtime_call};

use super::wire::{self, WireError};
use crate::finality::{self, AuthoritySet, Proof, VerifyError};

/// Sends JSON-RPC requests somewhere: a WebSocket natively or in a browser, or a test's table.
/// Sans-I/O on this side: the client above never knows which.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Where requests go, for messages.
    fn endpoint(&self) -> String;

    /// The endpoint in use served data that failed verification: leave it for the rest of
    /// this session and go on with the next one. `false` when no other is left (the default:
    /// a transport of one endpoint).
    fn distrust(&self) -> bool {
        false
    }

    /// One call; the answer's `result`.
    ///
    /// # Errors
    /// [`TransportError`] when the endpoint cannot be reached or answers with an error.
    async fn request(&self, method: &str, params: Value) -> Result<Value, TransportError>;

    /// Several calls, answered in order: side by side by default (a browser socket carries
    /// them at once), or one JSON-RPC batch where the transport sends one (a round trip for
    /// a window of headers instead of one per header).
    async fn request_batch(
        &self,
        calls: Vec<(&'static str, Value)>,
    ) -> Vec<Result<Value, TransportError>> {
        futures_util::future::join_all(
            calls
                .into_iter()
                .map(|(method, params)| self.request(method, params)),
        )
        .await
    }
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection, or it broke.
    #[error("cannot reach {endpoint}: {reason}")]
    Unreachable {
        /// The endpoint.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// A JSON-RPC error object.
    #[error("{endpoint} answered {method} with error {code}: {message}")]
    Remote {
        /// The endpoint.
        endpoint: String,
        /// The method.
        method: String,
        /// JSON-RPC error code.
        code: i64,
        /// Its message.
        message: String,
    },
    /// Not a JSON-RPC answer at all.
    #[error("{endpoint} answered {method} with something that is not JSON-RPC: {what}")]
    Garbage {
        /// The endpoint.
        endpoint: String,
        /// The method.
        method: String,
        /// What was wrong.
        what: String,
    },
}

/// A JSON-RPC answer object as its `result`, or its `error` as a [`TransportError`]; the
/// transports share it so that every endpoint's errors read the same.
pub(crate) fn answer_of(
    endpoint: &str,
    method: &str,
    answer: &Value,
) -> Result<Value, TransportError> {
    if let Some(error) = answer.get("error") {
        return Err(TransportError::Remote {
            endpoint: endpoint.to_owned(),
            method: method.to_owned(),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
                .to_owned(),
        });
    }
    answer
        .get("result")
        .cloned()
        .ok_or_else(|| TransportError::Garbage {
            endpoint: endpoint.to_owned(),
            method: method.to_owned(),
            what: "neither `result` nor `error`".into(),
        })
}

/// Why a verified read failed. A failed check names the endpoint: it served data that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RpcError {
    /// The request got no answer.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The answer is not substrate's shape.
    #[error("{endpoint} answered {source}")]
    Wire {
        /// The endpoint.
        endpoint: String,
        /// What was malformed.
        source: WireError,
    },
    /// The endpoint's data failed verification: it is lying or broken. Nothing of it is shown.
    #[error("{endpoint} served {what} that does not verify: {source}")]
    Refused {
        /// The endpoint.
        endpoint: String,
        /// What was served.
        what: String,
        /// The failed check.
        source: VerifyError,
    },
    /// The endpoint's answer contradicts what was asked or what is proven.
    #[error("{endpoint} served {what}")]
    Mismatch {
        /// The endpoint.
        endpoint: String,
        /// What does not fit.
        #[source]
        what: MismatchError,
    },
    /// The endpoint lacks something verification needs.
    #[error("{endpoint} {what}")]
    Missing {
        /// The endpoint.
        endpoint: String,
        /// What it lacks, as a predicate ("has no justification for #9,183,744").
        what: String,
    },
    /// A block newer than the newest proven final one, or older than the walk allows.
    #[error("#{number} cannot be read verified: {reason}")]
    Unprovable {
        /// The block.
        number: u64,
        /// Why.
        reason: String,
    },
    /// The runtime failed while answering a call on proven state.
    #[error("the runtime's {function} failed on proven state: {reason}")]
    Runtime {
        /// The entry point.
        function: String,
        /// Why.
        reason: String,
    },
}

/// The text of a [`RpcError::Mismatch`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MismatchError(pub String);

impl From<RpcError> for SourceError {
    fn from(e: RpcError) -> Self {
        match e {
            RpcError::Unprovable { number, reason } => {
                SourceError::BlockUnavailable { number, reason }
            }
            other => SourceError::Failed(other.to_string()),
        }
    }
}

/// Where trust starts: a finalized header shipped with the app and the GRANDPA set that
/// finalized it (finney's chain spec field `grandpaWarpSyncCheckpoint`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The SCALE header.
    pub header: Vec<u8>,
    /// The set that finalized it.
    pub set: AuthoritySet,
    /// The chain's genesis hash, when the checkpoint names it: an endpoint of another chain
    /// is then told apart before anything else is asked.
    pub genesis: Option<[u8; 32]>,
    /// How often the endpoints this checkpoint is shipped for keep a justification, when the
    /// file says (`justificationPeriod`; a devnode serving as finney does with a shorter
    /// period). Without it, substrate's 512. A client that looks at the wrong multiples finds
    /// a justification only when the endpoint's finalized head happens to carry one.
    pub justification_period: Option<u64>,
}

impl Checkpoint {
    /// From the JSON taoscope ships (`public/chainspecs/finney.checkpoint.json`, and the
    /// devnode's `--checkpoint-out`): `finalizedBlockHeader` (hex SCALE header) and
    /// `grandpaAuthoritySet` (hex SCALE `(set_id, Vec<(key, weight)>)`); optional
    /// `genesisHash` and `justificationPeriod`.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] naming the field.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let bad = |what: String| VerifyError::Malformed(format!("checkpoint: {what}"));
        let value: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
        let field = |name: &'static str| {
            value
                .get(name)
                .ok_or_else(|| bad(format!("no `{name}` field")))
                .and_then(|v| {
                    wire::hex_bytes("checkpoint", name, v).map_err(|e| bad(e.what.clone()))
                })
        };
        let header = field("finalizedBlockHeader")?;
        finality::decode_header(&header)?;
        let set = AuthoritySet::decode(&field("grandpaAuthoritySet")?)?;
        let genesis = match value.get("genesisHash") {
            None => None,
            Some(v) => {
                Some(wire::hash("checkpoint", "genesisHash", v).map_err(|e| bad(e.what.clone()))?)
            }
        };
        let justification_period =
            match value.get("justificationPeriod") {
                None => None,
                Some(v) => Some(v.as_u64().filter(|&n| n > 0).ok_or_else(|| {
                    bad("`justificationPeriod` is not a positive integer".into())
                })?),
            };
        Ok(Checkpoint {
            header,
            set,
            genesis,
            justification_period,
        })
    }

    /// The JSON [`Checkpoint::from_json`] reads.
    pub fn to_json(&self) -> String {
        use codec::Encode;
        let weighted: Vec<([u8; 32], u64)> = self.set.authorities.iter().map(|k| (*k, 1)).collect();
        let (number, hash) = finality::decode_header(&self.header)
            .map(|(h, hash)| (h.number, hash))
            .unwrap_or_default();
        let mut out = json!({
            "blockNumber": number,
            "blockHash": wire::to_hex(&hash),
            "finalizedBlockHeader": wire::to_hex(&self.header),
            "grandpaAuthoritySet": wire::to_hex(&(self.set.set_id, weighted).encode()),
        });
        // Absent rather than null: `from_json` reads a present `genesisHash` as a hash.
        if let Some(genesis) = self.genesis {
            out["genesisHash"] = json!(wire::to_hex(&genesis));
        }
        if let Some(period) = self.justification_period {
            out["justificationPeriod"] = json!(period);
        }
        out.to_string()
    }
}

/// A block whose finality is proven (by the checkpoint, a justification, or a parent-hash walk
/// down from one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proven {
    /// Height.
    pub number: u64,
    /// Hash.
    pub hash: [u8; 32],
    /// What read proofs at it must lead to.
    pub state_root: [u8; 32],
    /// Parent hash, for walking down.
    pub parent_hash: [u8; 32],
    /// The header says the runtime (code or heap pages) changed in this block: the state after
    /// it runs another runtime than its parent's.
    pub runtime_updated: bool,
}

impl Proven {
    fn of(header: &smoldot::header::HeaderRef<'_>, hash: [u8; 32]) -> Self {
        Proven {
            number: header.number,
            hash,
            state_root: *header.state_root,
            parent_hash: *header.parent_hash,
            runtime_updated: header.digest.has_runtime_environment_updated(),
        }
    }
}

/// One link of the chain of trust from the checkpoint to the newest proven block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Trusted as shipped.
    Checkpoint {
        /// Its block.
        number: u64,
        /// The set that finalized it.
        set_id: u64,
    },
    /// A justification verified with `set_id`.
    Justified {
        /// The block.
        number: u64,
        /// The set whose votes it carries.
        set_id: u64,
        /// The set this block hands over to, when it enacts a change.
        new_set: Option<u64>,
    },
}

/// What `taoscope head` prints: the newest proven final block and how it was proven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The block.
    pub block: Proven,
    /// The set that votes on blocks after it.
    pub set_id: u64,
    /// The endpoint's claimed finalized head (not proven when newer than `block`).
    pub endpoint_finalized: u64,
    /// The chain of trust, checkpoint first.
    pub steps: Vec<Step>,
    /// The endpoint.
    pub endpoint: String,
    /// Endpoints left for this session because they served data that failed a check, each
    /// with the check (see [`Transport::distrust`]); the endpoint above answered instead.
    pub distrusted: Vec<String>,
}

/// Tuning that depends on the chain, not on the endpoint.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Substrate keeps a justification every this many blocks (`GRANDPA_JUSTIFICATION_PERIOD`).
    pub justification_period: u64,
    /// How far below a proven block a parent-hash walk may go (one request per header).
    pub max_walk: u64,
    /// Keys per `state_getKeysPaged` page and per read-proof request.
    pub page: usize,
}

impl Config {
    /// The default tuning, with the justification period the checkpoint names.
    pub fn for_checkpoint(checkpoint: &Checkpoint) -> Self {
        let default = Config::default();
        Config {
            justification_period: checkpoint
                .justification_period
                .unwrap_or(default.justification_period),
            ..default
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            justification_period: 512,
            max_walk: 4096,
            page: 1000,
        }
    }
}

/// Headers requested at once when walking down from a proven block.
const WALK_WINDOW: u64 = 32;

/// A runtime call: block hash, entry point, SCALE parameters.
type CallKey = ([u8; 32], String, Vec<u8>);

struct Trust {
    /// The checkpoint's genesis hash, until the endpoint's was compared with it.
    genesis_unchecked: Option<[u8; 32]>,
    finalized: Proven,
    /// The set that votes on blocks after `finalized`.
    set: AuthoritySet,
    by_number: BTreeMap<u64, Proven>,
    steps: Vec<Step>,
    endpoint_finalized: u64,
}

/// A `chain::Source` over JSON-RPC in which nothing the endpoint says is believed unchecked.
/// See the module documentation.
pub struct VerifiedRpc<T> {
    transport: T,
    config: Config,
    trust: RefCell<Trust>,
    /// The compiled runtime: the blake2-256 of its code, and a block it was read at.
    runtime: RefCell<Option<([u8; 32], HostVmPrototype, u64)>>,
    /// Runtime call answers, by block, function and parameters (metadata is read more than once).
    calls: RefCell<HashMap<CallKey, Vec<u8>>>,
    /// See [`Head::distrusted`].
    distrusted: RefCell<Vec<String>>,
}

/// Grandpa's `CurrentSetId` key: twox128("Grandpa") ++ twox128("CurrentSetId"). Only ever used
/// to ask where to look; what is found there is verified by signatures.
fn current_set_id_key() -> Vec<u8> {
    let mut key = chain::codec::twox128(b"Grandpa").to_vec();
    key.extend_from_slice(&chain::codec::twox128(b"CurrentSetId"));
    key
}

impl<T: Transport> VerifiedRpc<T> {
    /// Starts from `checkpoint`, reading through `transport`. Nothing is requested yet.
    ///
    /// # Errors
    /// [`VerifyError`] when the checkpoint's header does not decode or schedules a change this
    /// client does not follow.
    pub fn new(transport: T, checkpoint: &Checkpoint, config: Config) -> Result<Self, VerifyError> {
        let (header, hash) = finality::decode_header(&checkpoint.header)?;
        let proven = Proven::of(&header, hash);
        let set = finality::scheduled_change(&header, &checkpoint.set)?
            .unwrap_or_else(|| checkpoint.set.clone());
        Ok(VerifiedRpc {
            transport,
            config,
            trust: RefCell::new(Trust {
                genesis_unchecked: checkpoint.genesis,
                finalized: proven,
                set,
                by_number: BTreeMap::from([(proven.number, proven)]),
                steps: vec![Step::Checkpoint {
                    number: proven.number,
                    set_id: checkpoint.set.set_id,
                }],
                endpoint_finalized: proven.number,
            }),
            runtime: RefCell::new(None),
            calls: RefCell::new(HashMap::new()),
            distrusted: RefCell::new(Vec::new()),
        })
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The newest proven block and how it was proven, without asking the endpoint.
    pub fn head(&self) -> Head {
        let trust = self.trust.borrow();
        Head {
            block: trust.finalized,
            set_id: trust.set.set_id,
            endpoint_finalized: trust.endpoint_finalized,
            steps: trust.steps.clone(),
            endpoint: self.transport.endpoint(),
            distrusted: self.distrusted.borrow().clone(),
        }
    }

    /// Runs `attempt`; when it fails because the endpoint served data that fails a check
    /// (another chain, a malformed answer, a proof or justification that does not verify), that
    /// endpoint is left for the session and `attempt` runs again on the next one, until one
    /// answers or none is left (then the last error stands). What was proven before stays
    /// proven: it was checked, whoever served it.
    async fn failing_over<R>(
        &self,
        attempt: impl AsyncFn() -> Result<R, RpcError>,
    ) -> Result<R, RpcError> {
        loop {
            match attempt().await {
                Err(
                    e @ (RpcError::Mismatch { .. }
                    | RpcError::Refused { .. }
                    | RpcError::Wire { .. }),
                ) if self.transport.distrust() => {
                    self.distrusted.borrow_mut().push(e.to_string());
                }
                other => return other,
            }
        }
    }

    fn wire(&self, source: WireError) -> RpcError {
        RpcError::Wire {
            endpoint: self.transport.endpoint(),
            source,
        }
    }

    fn mismatch(&self, what: String) -> RpcError {
        RpcError::Mismatch {
            endpoint: self.transport.endpoint(),
            what: MismatchError(what),
        }
    }

    fn refused(&self, what: String, source: VerifyError) -> RpcError {
        RpcError::Refused {
            endpoint: self.transport.endpoint(),
            what,
            source,
        }
    }

    async fn request(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        Ok(self.transport.request(method, params).await?)
    }

    async fn block_hash(&self, number: u64) -> Result<[u8; 32], RpcError> {
        let answer = self.request("chain_getBlockHash", json!([number])).await?;
        if answer.is_null() {
            return Err(RpcError::Missing {
                endpoint: self.transport.endpoint(),
                what: format!("has no block #{number}"),
            });
        }
        wire::hash("chain_getBlockHash", "result", &answer).map_err(|e| self.wire(e))
    }

    /// The header with `hash`, checked to hash to it (so it is the block asked for; whether
    /// that block is final is proven elsewhere).
    async fn header(&self, hash: &[u8; 32]) -> Result<Vec<u8>, RpcError> {
        let answer = self
            .request("chain_getHeader", json!([wire::to_hex(hash)]))
            .await?;
        let scale = wire::header_scale("chain_getHeader", &answer).map_err(|e| self.wire(e))?;
        self.check_hash(&scale, hash)?;
        Ok(scale)
    }

    fn check_hash(&self, scale: &[u8], hash: &[u8; 32]) -> Result<(), RpcError> {
        let (_, actual) = finality::decode_header(scale)
            .map_err(|e| self.refused(format!("the header of {}", wire::to_hex(hash)), e))?;
        if actual != *hash {
            return Err(self.mismatch(format!(
                "a header that hashes to {}, not the {} asked for",
                wire::to_hex(&actual),
                wire::to_hex(hash)
            )));
        }
        Ok(())
    }

    /// The set id the endpoint reports at `hash` (a hint).
    async fn claimed_set_id(&self, hash: &[u8; 32]) -> Result<u64, RpcError> {
        let answer = self
            .request(
                "state_getStorage",
                json!([wire::to_hex(&current_set_id_key()), wire::to_hex(hash)]),
            )
            .await?;
        if answer.is_null() {
            return Ok(0);
        }
        let bytes =
            wire::hex_bytes("state_getStorage", "result", &answer).map_err(|e| self.wire(e))?;
        let bytes: [u8; 8] = bytes.try_into().map_err(|_| {
            self.wire(WireError {
                method: "state_getStorage",
                what: "Grandpa.CurrentSetId is not a u64".into(),
            })
        })?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Verifies `number`'s justification with the current set and makes it the newest proven
    /// block. `Ok(false)` when the endpoint kept no justification for it.
    async fn justify(&self, number: u64, required: bool) -> Result<bool, RpcError> {
        let hash = self.block_hash(number).await?;
        let answer = self
            .request("chain_getBlock", json!([wire::to_hex(&hash)]))
            .await?;
        let block = wire::signed_block(&answer)
            .map_err(|e| self.wire(e))?
            .ok_or_else(|| RpcError::Missing {
                endpoint: self.transport.endpoint(),
                what: format!("has no block {} (#{number})", wire::to_hex(&hash)),
            })?;
        self.check_hash(&block.header, &hash)?;
        let Some(justification) = block.grandpa_justification else {
            return if required {
                Err(RpcError::Missing {
                    endpoint: self.transport.endpoint(),
                    what: format!(
                        "has no GRANDPA justification for #{number}, where the set id changes"
                    ),
                })
            } else {
                Ok(false)
            };
        };
        let set = self.trust.borrow().set.clone();
        let finalized = finality::verify_finality(&block.header, &justification, &set)
            .map_err(|e| self.refused(format!("the justification of #{number}"), e))?;
        if finalized.number != number {
            return Err(self.mismatch(format!(
                "block #{} when #{number} was asked for",
                finalized.number
            )));
        }
        let proven = finality::decode_header(&block.header)
            .map(|(header, hash)| Proven::of(&header, hash))
            .map_err(|e| self.refused(format!("the header of #{number}"), e))?;
        let mut trust = self.trust.borrow_mut();
        trust.steps.push(Step::Justified {
            number,
            set_id: set.set_id,
            new_set: finalized.next_set.as_ref().map(|s| s.set_id),
        });
        trust.finalized = proven;
        trust.by_number.insert(number, proven);
        if let Some(next) = finalized.next_set {
            trust.set = next;
        }
        Ok(true)
    }

    /// Brings the newest proven block as close to the endpoint's finalized head as its
    /// justifications allow, following every authority-set change on the way. An endpoint
    /// whose data fails a check is left for the next one (see [`Head::distrusted`]).
    ///
    /// # Errors
    /// [`RpcError`]: no endpoint is reachable, or the last one left answers malformed data or
    /// serves data that fails a check (then nothing it served is trusted, and the proven block
    /// stays).
    pub async fn sync(&self) -> Result<Head, RpcError> {
        self.failing_over(async || self.sync_once().await).await
    }

    /// [`VerifiedRpc::sync`] on the endpoint in use.
    async fn sync_once(&self) -> Result<Head, RpcError> {
        let genesis = self.trust.borrow().genesis_unchecked;
        if let Some(expected) = genesis {
            let served = self.block_hash(0).await?;
            if served != expected {
                return Err(self.mismatch(format!(
                    "another chain: its genesis is {}, the checkpoint's chain has {}",
                    wire::to_hex(&served),
                    wire::to_hex(&expected)
                )));
            }
            self.trust.borrow_mut().genesis_unchecked = None;
        }
        let head_hash = {
            let answer = self.request("chain_getFinalizedHead", json!([])).await?;
            wire::hash("chain_getFinalizedHead", "result", &answer).map_err(|e| self.wire(e))?
        };
        let head_scale = self.header(&head_hash).await?;
        let head_number = finality::decode_header(&head_scale)
            .map_err(|e| self.refused("the finalized head".into(), e))?
            .0
            .number;
        self.trust.borrow_mut().endpoint_finalized = head_number;
        let checkpoint = match self.trust.borrow().steps.first() {
            Some(Step::Checkpoint { number, .. }) => *number,
            _ => 0,
        };
        if head_number < checkpoint {
            return Err(self.mismatch(format!(
                "a finalized head #{head_number} below the checkpoint #{checkpoint}: another chain, or a node not synced"
            )));
        }
        loop {
            let (proven, set_id) = {
                let t = self.trust.borrow();
                (t.finalized.number, t.set.set_id)
            };
            if head_number <= proven {
                break;
            }
            let head_set = self.claimed_set_id(&head_hash).await?;
            if head_set > set_id {
                // The first block whose state reports a newer set enacted the change.
                let (mut low, mut high) = (proven + 1, head_number);
                while low < high {
                    let mid = low + (high - low) / 2;
                    let mid_hash = self.block_hash(mid).await?;
                    if self.claimed_set_id(&mid_hash).await? > set_id {
                        high = mid;
                    } else {
                        low = mid + 1;
                    }
                }
                self.justify(low, true).await?;
                if self.trust.borrow().set.set_id == set_id {
                    return Err(self.mismatch(format!(
                        "a set id above {set_id} from #{low} on, but #{low}'s header schedules no change"
                    )));
                }
                continue;
            }
            // Same set: the head, or the nearest multiples of the period below it.
            let period = self.config.justification_period.max(1);
            let mut candidates = vec![head_number];
            let mut multiple = head_number - head_number % period;
            while candidates.len() < 4 && multiple > proven {
                if multiple != head_number {
                    candidates.push(multiple);
                }
                multiple = multiple.saturating_sub(period);
            }
            for candidate in candidates {
                if self.justify(candidate, false).await? {
                    break;
                }
            }
            break;
        }
        Ok(self.head())
    }

    /// The proven block with `hash`, walking parent hashes down from a proven block when needed.
    fn proven_by_hash(&self, at: &BlockRef) -> Result<Proven, RpcError> {
        // By hash: the page's requests name blocks by hash alone. Recent blocks first, which
        // is what is read.
        self.trust
            .borrow()
            .by_number
            .values()
            .rev()
            .find(|p| p.hash == at.hash)
            .copied()
            .ok_or_else(|| RpcError::Unprovable {
                number: at.number,
                reason: format!(
                    "{} is not a block this client proved final",
                    wire::to_hex(&at.hash)
                ),
            })
    }

    /// Proves block `number` (at most the newest proven) by walking parent hashes down.
    async fn prove_number(&self, number: u64) -> Result<Proven, RpcError> {
        let (start, newest) = {
            let t = self.trust.borrow();
            if let Some(p) = t.by_number.get(&number) {
                return Ok(*p);
            }
            let newest = t.finalized.number;
            (t.by_number.range(number..).next().map(|(_, p)| *p), newest)
        };
        let Some(mut above) = start else {
            return Err(RpcError::Unprovable {
                number,
                reason: format!(
                    "the newest block proven final is #{newest}; a newer one needs a justification the endpoint has not served yet"
                ),
            });
        };
        if above.number - number > self.config.max_walk {
            return Err(RpcError::Unprovable {
                number,
                reason: format!(
                    "it is {} blocks below the nearest proven block #{}, more than {} headers to walk",
                    above.number - number,
                    above.number,
                    self.config.max_walk
                ),
            });
        }
        while above.number > number {
            // A window of headers asked for at once (a browser socket carries them side by
            // side), then checked link by link from the proven block down.
            let low = number.max(above.number.saturating_sub(WALK_WINDOW));
            let fetched = self.headers_at(low, above.number).await;
            for scale in fetched {
                let scale = scale?;
                let (header, hash) = finality::decode_header(&scale)
                    .map_err(|e| self.refused(format!("the header of #{}", above.number - 1), e))?;
                if hash != above.parent_hash || header.number + 1 != above.number {
                    return Err(self.mismatch(format!(
                        "as #{} a header that is not #{}'s parent ({})",
                        above.number - 1,
                        above.number,
                        wire::to_hex(&above.parent_hash)
                    )));
                }
                above = Proven::of(&header, hash);
                self.trust
                    .borrow_mut()
                    .by_number
                    .insert(above.number, above);
            }
        }
        Ok(above)
    }

    /// The headers the endpoint has at heights `high - 1` down to `low`, each checked to hash to
    /// the hash the endpoint gave for its height (the caller's walk checks the links): two
    /// batches, hashes then headers.
    async fn headers_at(&self, low: u64, high: u64) -> Vec<Result<Vec<u8>, RpcError>> {
        let numbers: Vec<u64> = (low..high).rev().collect();
        let hashes = self
            .transport
            .request_batch(
                numbers
                    .iter()
                    .map(|n| ("chain_getBlockHash", json!([n])))
                    .collect(),
            )
            .await;
        let hashes: Vec<Result<[u8; 32], RpcError>> = hashes
            .into_iter()
            .zip(&numbers)
            .map(|(answer, n)| {
                let answer = answer?;
                if answer.is_null() {
                    return Err(RpcError::Missing {
                        endpoint: self.transport.endpoint(),
                        what: format!("has no block #{n}"),
                    });
                }
                wire::hash("chain_getBlockHash", "result", &answer).map_err(|e| self.wire(e))
            })
            .collect();
        let asked: Vec<(&'static str, Value)> = hashes
            .iter()
            .flatten()
            .map(|h| ("chain_getHeader", json!([wire::to_hex(h)])))
            .collect();
        let mut headers = self.transport.request_batch(asked).await.into_iter();
        hashes
            .into_iter()
            .map(|hash| {
                let hash = hash?;
                let answer = headers.next().ok_or_else(|| RpcError::Missing {
                    endpoint: self.transport.endpoint(),
                    what: "answered a batch with fewer answers than calls".into(),
                })??;
                let scale =
                    wire::header_scale("chain_getHeader", &answer).map_err(|e| self.wire(e))?;
                self.check_hash(&scale, &hash)?;
                Ok(scale)
            })
            .collect()
    }

    /// Whether blocks `a` and `b` run the same runtime: every block between them is proven and
    /// none says its runtime changed (so `:code` need not be read again).
    fn same_runtime(&self, a: u64, b: u64) -> bool {
        let (low, high) = (a.min(b), a.max(b));
        if low == high {
            return true;
        }
        let trust = self.trust.borrow();
        let between: Vec<&Proven> = trust
            .by_number
            .range(low + 1..=high)
            .map(|(_, p)| p)
            .collect();
        between.len() as u64 == high - low && between.iter().all(|p| !p.runtime_updated)
    }

    /// Proven values at `keys`, in batches of [`Config::page`].
    async fn proven_values(
        &self,
        at: &Proven,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, RpcError> {
        let mut out = Vec::with_capacity(keys.len());
        for batch in keys.chunks(self.config.page.max(1)) {
            let proof = self.proof(at, batch).await?;
            for key in batch {
                out.push(
                    proof
                        .value(&at.state_root, key)
                        .map_err(|e| self.refused(format!("a read proof at #{}", at.number), e))?,
                );
            }
        }
        Ok(out)
    }

    async fn proof_nodes(&self, at: &Proven, keys: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, RpcError> {
        let hex_keys: Vec<String> = keys.iter().map(|k| wire::to_hex(k)).collect();
        let answer = self
            .request(
                "state_getReadProof",
                json!([hex_keys, wire::to_hex(&at.hash)]),
            )
            .await?;
        let proof = wire::read_proof(&answer).map_err(|e| self.wire(e))?;
        if proof.at != at.hash {
            return Err(self.mismatch(format!(
                "a read proof for {}, not for #{} {}",
                wire::to_hex(&proof.at),
                at.number,
                wire::to_hex(&at.hash)
            )));
        }
        Ok(proof.nodes)
    }

    async fn proof(&self, at: &Proven, keys: &[Vec<u8>]) -> Result<Proof, RpcError> {
        let nodes = self.proof_nodes(at, keys).await?;
        Proof::decode(nodes).map_err(|e| self.refused(format!("a read proof at #{}", at.number), e))
    }

    /// Every entry under `prefix`, proven complete: the endpoint lists the keys, one pooled
    /// proof covers them and the prefix itself, and the walk of that proof must find exactly
    /// them (a key left out leaves a node the walk cannot open).
    async fn proven_prefix(
        &self,
        at: &Proven,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, RpcError> {
        let page = self.config.page.max(1);
        let mut listed: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut params = vec![json!(wire::to_hex(prefix)), json!(page)];
            params.push(
                listed
                    .last()
                    .map_or(Value::Null, |k| json!(wire::to_hex(k))),
            );
            params.push(json!(wire::to_hex(&at.hash)));
            let answer = self
                .request("state_getKeysPaged", Value::Array(params))
                .await?;
            let keys = wire::keys(&answer).map_err(|e| self.wire(e))?;
            let full = keys.len() >= page;
            if keys.iter().any(|k| !k.starts_with(prefix)) {
                return Err(self.mismatch(format!(
                    "keys outside the prefix {} asked for",
                    wire::to_hex(prefix)
                )));
            }
            listed.extend(keys);
            if !full {
                break;
            }
        }
        let mut nodes = self.proof_nodes(at, &[prefix.to_vec()]).await?;
        for batch in listed.chunks(page) {
            nodes.extend(self.proof_nodes(at, batch).await?);
        }
        let what = || {
            format!(
                "the entries under {} at #{}",
                wire::to_hex(prefix),
                at.number
            )
        };
        let proof = Proof::decode(nodes).map_err(|e| self.refused(what(), e))?;
        let keys = proof
            .keys_under(&at.state_root, prefix)
            .map_err(|e| self.refused(what(), e))?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let value = proof
                .value(&at.state_root, &key)
                .map_err(|e| self.refused(what(), e))?
                .ok_or_else(|| self.mismatch(format!("{} without a value", what())))?;
            out.push((key, value));
        }
        Ok(out)
    }

    /// Runs `function` of the runtime stored at `at` (its code read through a proof) with
    /// every storage value it asks for read through a proof too.
    async fn proven_call(
        &self,
        at: &Proven,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, RpcError> {
        let cache_key = (at.hash, function.to_owned(), params.to_vec());
        if let Some(out) = self.calls.borrow().get(&cache_key) {
            return Ok(out.clone());
        }
        let runtime = self.runtime_at(at).await?;
        let failed = |reason: String| RpcError::Runtime {
            function: function.to_owned(),
            reason,
        };
        let mut call = runtime_call::run(runtime_call::Config {
            virtual_machine: runtime,
            function_to_call: function,
            parameter: core::iter::once(params),
            storage_main_trie_changes: Default::default(),
            storage_proof_size_behavior: runtime_call::StorageProofSizeBehavior::Unimplemented,
            max_log_level: 0,
            calculate_trie_changes: false,
        })
        .map_err(|(e, _)| failed(e.to_string()))?;
        let output = loop {
            call = match call {
                runtime_call::RuntimeCall::Finished(Ok(success)) => {
                    break success.virtual_machine.value().as_ref().to_vec();
                }
                runtime_call::RuntimeCall::Finished(Err(e)) => {
                    return Err(failed(e.detail.to_string()));
                }
                runtime_call::RuntimeCall::StorageGet(get) => {
                    if get.child_trie().is_some() {
                        return Err(failed("it read a child trie".into()));
                    }
                    let key = get.key().as_ref().to_vec();
                    let value = self.proven_values(at, &[key]).await?.remove(0);
                    get.inject_value(
                        value.as_ref().map(|v| {
                            (core::iter::once(&v[..]), runtime_call::TrieEntryVersion::V1)
                        }),
                    )
                }
                runtime_call::RuntimeCall::ClosestDescendantMerkleValue(req) => {
                    req.resume_unknown()
                }
                runtime_call::RuntimeCall::NextKey(_) => {
                    return Err(failed(
                        "it walked storage keys, which this client does not prove for calls yet"
                            .into(),
                    ));
                }
                runtime_call::RuntimeCall::SignatureVerification(req) => req.verify_and_resume(),
                runtime_call::RuntimeCall::LogEmit(req) => req.resume(),
                runtime_call::RuntimeCall::OffchainStorageSet(req) => req.resume(),
                runtime_call::RuntimeCall::Offchain(_) => {
                    return Err(failed("it asked for off-chain context".into()));
                }
            };
        };
        self.calls.borrow_mut().insert(cache_key, output.clone());
        Ok(output)
    }

    /// The runtime stored at `at`, compiled once per distinct code.
    async fn runtime_at(&self, at: &Proven) -> Result<HostVmPrototype, RpcError> {
        let cached = self
            .runtime
            .borrow()
            .as_ref()
            .map(|(_, proto, number)| (proto.clone(), *number));
        if let Some((proto, number)) = cached
            && self.same_runtime(number, at.number)
        {
            return Ok(proto);
        }
        let mut values = self
            .proven_values(at, &[b":code".to_vec(), b":heappages".to_vec()])
            .await?;
        let heap_pages = values.pop().flatten();
        let code = values.pop().flatten().ok_or_else(|| RpcError::Runtime {
            function: "(load)".into(),
            reason: format!("no :code in the state of #{}", at.number),
        })?;
        // blake2b-256 of the bytes, which is all this function does with them.
        let code_hash = smoldot::header::hash_from_scale_encoded_header(&code);
        if let Some((hash, proto, _)) = self.runtime.borrow().as_ref()
            && *hash == code_hash
        {
            return Ok(proto.clone());
        }
        let failed = |reason: String| RpcError::Runtime {
            function: "(load)".into(),
            reason,
        };
        let heap_pages = executor::storage_heap_pages_to_value(heap_pages.as_deref())
            .map_err(|e| failed(e.to_string()))?;
        let proto = HostVmPrototype::new(executor::host::Config {
            module: &code,
            heap_pages,
            exec_hint: executor::vm::ExecHint::ValidateAndCompile,
            allow_unresolved_imports: true,
        })
        .map_err(|e| failed(e.to_string()))?;
        *self.runtime.borrow_mut() = Some((code_hash, proto.clone(), at.number));
        Ok(proto)
    }
}

impl<T: Transport> Source for VerifiedRpc<T> {
    fn provenance(&self) -> Provenance {
        Provenance::VerifiedRpc
    }

    async fn finalized(&self) -> Result<BlockRef, SourceError> {
        let head = self.head();
        Ok(BlockRef {
            number: head.block.number,
            hash: head.block.hash,
        })
    }

    async fn block(&self, number: u64) -> Result<BlockRef, SourceError> {
        let p = self
            .failing_over(async || self.prove_number(number).await)
            .await?;
        Ok(BlockRef {
            number: p.number,
            hash: p.hash,
        })
    }

    async fn storage(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        let at = self.proven_by_hash(at)?;
        Ok(self
            .failing_over(async || self.proven_values(&at, keys).await)
            .await?)
    }

    async fn storage_prefix(
        &self,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        let at = self.proven_by_hash(at)?;
        Ok(self
            .failing_over(async || self.proven_prefix(&at, prefix).await)
            .await?)
    }

    async fn call(
        &self,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        let at = self.proven_by_hash(at)?;
        Ok(self
            .failing_over(async || self.proven_call(&at, function, params).await)
            .await?)
    }
}
