//! The errors of this crate: [`LightError`] for every public operation and [`ReplyError`] for a
//! JSON-RPC reply whose shape is not what the method promises.
//!
//! The split exists because a malformed reply is a bug (in smoldot or here) while the other
//! variants are conditions a caller can act on (fix the spec, retry later, find peers). Reply
//! errors always name the field or event that was wrong so that a log line is enough to act.

use core::time::Duration;

/// Why a light-client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LightError {
    /// The chain spec is not valid JSON or lacks what smoldot needs (genesis, id, ...).
    #[error("chain spec rejected: {0}")]
    ChainSpec(#[source] smoldot::chain_spec::ParseError),
    /// A `bootNodes` entry is not a multiaddress ending in `/p2p/<peer id>`.
    #[error("chain spec boot node {entry:?} is not a multiaddress ending in /p2p/<peer id>")]
    BootNode {
        /// The entry as written in the spec.
        entry: String,
    },
    /// The spec lists no boot nodes, so the client could never find a peer.
    #[error("chain spec lists no boot nodes; the light client could never find a peer")]
    NoBootNodes,
    /// No boot node uses a transport this platform can open (a browser cannot dial plain TCP).
    #[error(
        "no boot node is reachable from this platform (it supports {supported}); entries: {entries:?}"
    )]
    NoUsableBootNode {
        /// The boot node entries from the spec.
        entries: Vec<String>,
        /// The transports the platform supports, in words.
        supported: String,
    },
    /// smoldot-light refused the chain after the checks above passed.
    #[error("smoldot-light could not add the chain: {0}")]
    AddChain(#[from] smoldot_light::AddChainError),
    /// smoldot-light's request queue for this chain is full.
    #[error("too many JSON-RPC requests queued for this chain")]
    TooManyRequests,
    /// The request could not be turned into JSON (raw requests only).
    #[error("request for {method} has invalid params: {reason}")]
    BadRequest {
        /// The method that was called.
        method: String,
        /// What is wrong with the params.
        reason: &'static str,
    },
    /// The server answered with a JSON-RPC error object.
    #[error("{method} failed with JSON-RPC error {code}: {message}")]
    Rpc {
        /// The method that was called.
        method: String,
        /// The JSON-RPC error code.
        code: i64,
        /// The error message from the server.
        message: String,
    },
    /// A reply or notification did not have the shape the method promises.
    #[error("unexpected reply to {method}: {source}")]
    Reply {
        /// The method (or notification) concerned.
        method: String,
        /// What was wrong with it.
        #[source]
        source: ReplyError,
    },
    /// A `chainHead_v1` operation reported an error (for storage: no peer gave a valid proof).
    #[error("{method} operation failed: {message}")]
    Operation {
        /// The method that started the operation.
        method: &'static str,
        /// The message from the server.
        message: String,
    },
    /// The server refused to start a `chainHead_v1` operation because too many are running.
    #[error("{method}: the server's operation limit is reached, try again later")]
    LimitReached {
        /// The method that was refused.
        method: &'static str,
    },
    /// A read asked for a block that is no longer pinned: older than the retained finalized
    /// blocks, or from a follow subscription that has since restarted.
    #[error("{method}: block 0x{} is no longer pinned for reads", hex::encode(.hash))]
    BlockNotPinned {
        /// The method that was asked.
        method: &'static str,
        /// The block.
        hash: [u8; 32],
    },
    /// The block became inaccessible (or the follow subscription stopped) too many times in a row.
    #[error("{method}: gave up after {attempts} attempts (block inaccessible or follow stopped)")]
    GaveUp {
        /// The method that was retried.
        method: &'static str,
        /// How many times it was tried.
        attempts: u32,
    },
    /// A watched transaction ended without reaching a finalized block: refused by the runtime
    /// (`invalid: ...`), dropped by the client, or lost track of (`error: ...`).
    #[error("transaction not finalized: {0}")]
    Transaction(String),
    /// `chainHead_v1_follow` failed, so block-based requests cannot be made.
    #[error("chainHead_v1_follow failed: {0}")]
    Follow(String),
    /// No reply came in time; the server may still be waiting for peers or data.
    #[error("{method} got no reply within {after:?}")]
    Timeout {
        /// The method that was called.
        method: String,
        /// The time waited.
        after: Duration,
    },
    /// The chain was removed (its [`crate::Chain`] dropped) before the reply arrived.
    #[error("the chain was removed before the reply arrived")]
    ChainRemoved,
}

/// What was wrong with a JSON-RPC reply or notification.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The text is not JSON.
    #[error("not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// The JSON is not an object with `"jsonrpc": "2.0"`.
    #[error("not a JSON-RPC 2.0 object")]
    NotJsonRpc,
    /// A required field is absent.
    #[error("field {0:?} is missing")]
    Missing(&'static str),
    /// A field has the wrong JSON type or an out-of-range value.
    #[error("field {field:?} is not {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it should have been.
        expected: &'static str,
    },
    /// A field is not `0x`-prefixed hex of the right length.
    #[error("field {field:?} is not 0x-prefixed hex{len}", len = expected_len.map(|n| format!(" of {n} bytes")).unwrap_or_default())]
    BadHex {
        /// The field.
        field: &'static str,
        /// The byte length it must have, if fixed.
        expected_len: Option<usize>,
    },
    /// A reply carries an id that no request used (or that was already answered).
    #[error("reply id {0} matches no pending request")]
    UnknownId(String),
    /// A notification for a method this client never subscribed to.
    #[error("unexpected notification {0:?}")]
    UnexpectedNotification(String),
    /// A follow event whose `event` tag is unknown.
    #[error("unknown follow event {0:?}")]
    UnknownEvent(String),
    /// A follow event arrived out of order: before `initialized`, `initialized` twice, or an
    /// operation ended with the other kind of end (a storage read reported as a call).
    #[error("follow event {0:?} out of order")]
    OutOfOrder(&'static str),
    /// A follow event names a block that was never announced (or was already unpinned).
    #[error("follow event names unknown block 0x{}", hex::encode(.0))]
    UnknownBlock([u8; 32]),
    /// A follow event lists no block where at least one is required.
    #[error("field {0:?} is an empty list")]
    Empty(&'static str),
    /// A header does not hash to the block hash it was requested for.
    #[error("header does not hash to the requested block 0x{}", hex::encode(.0))]
    HeaderHash([u8; 32]),
    /// A header is not valid SCALE.
    #[error("header does not decode: {0}")]
    Header(String),
    /// A `chainHead_v1_storage` notification names an operation that is not running.
    #[error("unknown operation id {0:?}")]
    UnknownOperation(String),
    /// A storage item for a key that was not asked for, or a second value for the same key.
    #[error("storage item for key 0x{} was not expected", hex::encode(.0))]
    UnexpectedItem(Vec<u8>),
    /// The `result` tag of a `chainHead_v1_storage` reply is unknown.
    #[error("unknown storage result {0:?}")]
    UnknownResult(String),
}
