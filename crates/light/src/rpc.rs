//! The JSON-RPC conversation with smoldot-light as a sans-I/O state machine: it writes request
//! texts, reads reply texts, and keeps one `chainHead_v1_follow` subscription alive.
//!
//! # Overview
//!
//! [`Rpc`] never touches a socket, a clock or a channel. The caller feeds every text that
//! smoldot-light produces into [`Rpc::inject`] and then drains three queues:
//!
//! - [`Rpc::next_outgoing`]: request texts to hand to smoldot-light, in order;
//! - [`Rpc::next_event`]: follow events (or errors) for subscribers;
//! - [`Rpc::next_done`]: finished caller requests, each with the caller's own data `T`
//!   (a reply channel in the async shell, a plain number in tests).
//!
//! The follow subscription is the spine: block numbers come from one header (the finalized
//! block at initialization, checked against its hash) and then from parent links, so every
//! number and hash reported was verified by smoldot. The last [`RETAINED_FINALIZED`] finalized
//! blocks stay pinned, so reads can target a recent block (a subnet's epoch replay reads the
//! block before the epoch and the epoch block); older ones and pruned forks are unpinned, except
//! while an operation (a storage read or a runtime call) uses them. When smoldot sends `stop`, or when a follow event breaks the protocol, the
//! machine follows again and re-issues the operations that were running. Operations start only
//! while smoldot-light's operation slots have room (the rest wait, first come first started);
//! one the server refused anyway (`limitReached`) is tried again at the next finalized block, a
//! few times.
//!
//! Transactions ride beside the follow subscription: [`Rpc::submit_and_watch`] starts a
//! `transactionWatch_v1` subscription whose events come out of [`Rpc::next_watch_event`].
//!
//! Left out: `chainHead_v1_body` (not needed by taoscope yet), child tries, and storage
//! queries for hashes or closest-descendant Merkle values.
//!
//! # Usage
//!
//! ```
//! # use light::__doc_rpc as rpc;
//! let mut machine = rpc::Rpc::<u32>::new(4);
//! machine.start_follow();
//! let request = machine.next_outgoing().unwrap();
//! assert!(request.contains("chainHead_v1_follow"));
//! ```

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{Map, Value, json};

use crate::error::{LightError, ReplyError};

mod watch;
pub use watch::{Inclusion, TransactionEvent, WatchId};

/// A block hash (blake2b-256 of the SCALE-encoded header).
pub type BlockHash = [u8; 32];

/// A block as the follow stream reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockRef {
    /// Height of the block; genesis is 0.
    pub number: u64,
    /// Hash of the block's header.
    pub hash: BlockHash,
}

/// The runtime of a block, as `chainHead_v1_follow` with `withRuntime: true` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// smoldot compiled the runtime and read its version.
    Valid {
        /// `specName`, e.g. `node-subtensor`.
        spec_name: String,
        /// `specVersion`, bumped on every runtime upgrade.
        spec_version: u32,
    },
    /// smoldot could not use the runtime; the text says why.
    Invalid(String),
}

/// One item of the follow stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FollowEvent {
    /// Following (re)started at this finalized block; best is the same block until a
    /// [`FollowEvent::BestBlock`] says otherwise.
    Initialized {
        /// The finalized block.
        finalized: BlockRef,
        /// Its runtime, when the subscription started.
        runtime: Option<Runtime>,
    },
    /// A new block was verified and imported (not necessarily best).
    NewBlock {
        /// The block.
        block: BlockRef,
        /// Its parent's hash.
        parent: BlockHash,
        /// Set when this block changes the runtime.
        new_runtime: Option<Runtime>,
    },
    /// The best block changed.
    BestBlock(BlockRef),
    /// A new block was finalized (its ancestors too).
    Finalized(BlockRef),
    /// smoldot stopped the subscription (it fell too far behind); following restarts by
    /// itself and an [`FollowEvent::Initialized`] follows.
    Stopped,
}

/// A caller request that finished: what the async shell hands back.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// The `result` of a plain request.
    Value(Value),
    /// The value of a storage read: `None` if the key has no value.
    Storage(Option<Vec<u8>>),
    /// The entries a multi-item storage query found, in the order smoldot reported them.
    StorageItems(Vec<(Vec<u8>, Vec<u8>)>),
    /// The SCALE output of a runtime call.
    Call(Vec<u8>),
}

/// What a storage item of a query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// The value at exactly this key.
    Value,
    /// Every key under this prefix, with its value.
    DescendantsValues,
}

impl StorageKind {
    fn json(self) -> &'static str {
        match self {
            StorageKind::Value => "value",
            StorageKind::DescendantsValues => "descendantsValues",
        }
    }
}

/// smoldot-light's operation slots per follow subscription (one per storage item, one per
/// call). Operations wait here rather than being sent beyond it: a refused one is only tried
/// again at the next finalized block, and a page reading a metagraph while replaying an epoch
/// asks for far more at once than the slots hold.
const OPERATION_SLOTS: usize = 32;
/// How many times an operation is started before [`LightError::GaveUp`].
const OPERATION_ATTEMPTS: u32 = 3;
/// How many recently finalized blocks [`Rpc::finalized_block`] remembers after unpinning them.
const FINALIZED_HISTORY: usize = 1024;
/// How many of the latest finalized blocks stay pinned for reads at them. smoldot-light allows
/// 32 pinned blocks per follow subscription, unfinalized ones included; 20 leaves room for a
/// live chain's best branch and covers an epoch of tempo 18 (epoch block and the one before).
pub const RETAINED_FINALIZED: usize = 20;
/// Most items one `chainHead_v1_storage` operation takes: smoldot-light has 32 operation slots
/// per subscription, one per item, so two such operations and a call can run side by side.
pub const MAX_ITEMS_PER_OPERATION: usize = 15;
/// How many retired follow subscription ids are remembered, to drop their late events.
const RETIRED_SUBSCRIPTIONS: usize = 8;

const FOLLOW_EVENT: &str = "chainHead_v1_followEvent";
const STORAGE: &str = "chainHead_v1_storage";
const CALL: &str = "chainHead_v1_call";
const SUBMIT_AND_WATCH: &str = "transactionWatch_v1_submitAndWatch";
const WATCH_EVENT: &str = "transactionWatch_v1_watchEvent";

/// The JSON-RPC state machine; `T` is the caller's data for each request.
pub struct Rpc<T> {
    block_number_bytes: usize,
    next_id: u64,
    pending: HashMap<u64, Pending<T>>,
    follow: Follow<T>,
    retired: VecDeque<String>,
    waiting: VecDeque<Operation<T>>,
    /// Operations the server refused with `limitReached`, tried again at the next finalized
    /// block (or the next subscription's first one).
    deferred: Vec<Operation<T>>,
    outbox: VecDeque<String>,
    events: VecDeque<Result<FollowEvent, LightError>>,
    done: VecDeque<(T, Result<Reply, LightError>)>,
    /// Blocks finalized while following, newest last, at most [`FINALIZED_HISTORY`]; they
    /// stay finalized across subscriptions.
    finalized_history: VecDeque<BlockRef>,
    next_watch: WatchId,
    /// Live transaction watches by subscription id.
    watches: HashMap<String, WatchId>,
    /// Watches given up before smoldot named their subscription.
    unwatch_on_reply: HashSet<WatchId>,
    watch_events: VecDeque<(WatchId, Result<TransactionEvent, LightError>)>,
}

enum Pending<T> {
    /// A caller's plain request.
    User { method: String, user: T },
    /// `chainHead_v1_follow`.
    Follow,
    /// `chainHead_v1_header` of the finalized block at initialization.
    Header { sub: String, hash: BlockHash },
    /// unpin, continue, unfollow: the reply must be `null`.
    Chore { method: &'static str },
    /// `chainHead_v1_storage` or `chainHead_v1_call`, waiting for `started`.
    Operation {
        sub: String,
        hash: BlockHash,
        read: Operation<T>,
    },
    /// `transactionWatch_v1_submitAndWatch`, waiting for the subscription id.
    Submit(WatchId),
    /// `transactionWatch_v1_unwatch`; an error only means the watch had already ended.
    Unwatch,
}

/// What an operation asks of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    /// Values under keys (or prefixes) of the main trie; `single` when the caller asked for one
    /// value and wants it back as [`Reply::Storage`].
    Storage {
        items: Vec<(Vec<u8>, StorageKind)>,
        single: bool,
    },
    /// A runtime API call, e.g. `Core_version`, with SCALE parameters.
    Call { function: String, params: Vec<u8> },
}

impl Query {
    fn method(&self) -> &'static str {
        match self {
            Query::Storage { .. } => STORAGE,
            Query::Call { .. } => CALL,
        }
    }

    /// The operation slots smoldot-light takes for this operation: one per storage item, one
    /// per call.
    fn slots(&self) -> usize {
        match self {
            Query::Storage { items, .. } => items.len(),
            Query::Call { .. } => 1,
        }
    }
}

struct Operation<T> {
    query: Query,
    user: T,
    attempts: u32,
    /// The block to run at; `None` for the latest finalized block when it starts.
    at: Option<BlockHash>,
}

struct RunningOp<T> {
    read: Operation<T>,
    hash: BlockHash,
    items: Vec<(Vec<u8>, Vec<u8>)>,
}

enum Follow<T> {
    /// Not following: before [`Rpc::start_follow`] or after the follow request failed.
    Idle,
    /// `chainHead_v1_follow` sent, no reply yet.
    Subscribing,
    /// Following under this subscription.
    Active(Box<Subscription<T>>),
}

struct Subscription<T> {
    id: String,
    stage: Stage,
    /// Numbers of the pinned blocks.
    numbers: HashMap<BlockHash, u64>,
    finalized: Option<BlockRef>,
    best: Option<BlockRef>,
    runtime: Option<Runtime>,
    /// Finalized blocks kept pinned for reads, oldest first (the latest finalized last).
    retained: VecDeque<BlockRef>,
    /// Finalized blocks that left `retained` while held or read: readable until released.
    lingering: Vec<BlockRef>,
    /// Pinned blocks used by running operations, with a count.
    in_use: HashMap<BlockHash, u32>,
    /// Blocks to unpin once no operation uses them.
    unpin_later: HashSet<BlockHash>,
    /// Running operations by operation id.
    ops: HashMap<String, RunningOp<T>>,
}

impl<T> Subscription<T> {
    /// Whether reads may start at `hash`: it is pinned, and either not due to be unpinned or
    /// still in use (held, or read by a running operation).
    fn readable(&self, hash: &BlockHash) -> bool {
        self.numbers.contains_key(hash)
            && (!self.unpin_later.contains(hash) || self.in_use.contains_key(hash))
    }
}

enum Stage {
    /// Waiting for `initialized`.
    Starting,
    /// `initialized` came; waiting for the finalized block's header to learn its number.
    /// Events that arrive meanwhile are kept in order.
    Numbering {
        finalized: BlockHash,
        backlog: Vec<Parsed>,
    },
    /// Numbers are known; events are handled as they come.
    Ready,
}

/// A follow event, parsed but not yet applied.
enum Parsed {
    Initialized {
        finalized: Vec<BlockHash>,
        runtime: Option<Runtime>,
    },
    NewBlock {
        hash: BlockHash,
        parent: BlockHash,
        runtime: Option<Runtime>,
    },
    Best(BlockHash),
    Finalized {
        finalized: Vec<BlockHash>,
        pruned: Vec<BlockHash>,
    },
    StorageItems {
        op: String,
        items: Vec<(Vec<u8>, Vec<u8>)>,
    },
    StorageDone(String),
    CallDone {
        op: String,
        output: Vec<u8>,
    },
    OperationError {
        op: String,
        message: String,
    },
    Inaccessible(String),
    WaitingForContinue(String),
    /// Body results: this machine never starts that operation.
    OtherDone(String),
    Stop,
}

impl<T> Rpc<T> {
    /// A machine for a chain whose headers encode block numbers in `block_number_bytes` bytes
    /// (the chain spec's `blockNumberBytes`, 4 for Substrate chains).
    pub fn new(block_number_bytes: usize) -> Self {
        Rpc {
            block_number_bytes,
            next_id: 1,
            pending: HashMap::new(),
            follow: Follow::Idle,
            retired: VecDeque::new(),
            waiting: VecDeque::new(),
            deferred: Vec::new(),
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            done: VecDeque::new(),
            finalized_history: VecDeque::new(),
            next_watch: WatchId(0),
            watches: HashMap::new(),
            unwatch_on_reply: HashSet::new(),
            watch_events: VecDeque::new(),
        }
    }

    /// Starts `chainHead_v1_follow` (with runtime) unless already following.
    pub fn start_follow(&mut self) {
        if matches!(self.follow, Follow::Idle) {
            self.follow = Follow::Subscribing;
            self.send("chainHead_v1_follow", json!([true]), Pending::Follow);
        }
    }

    /// Queues a plain request; its `result` comes back through [`Rpc::next_done`].
    ///
    /// # Errors
    ///
    /// [`LightError::BadRequest`] if `params` is neither an array nor an object.
    pub fn request(&mut self, method: &str, params: Value, user: T) -> Result<(), LightError> {
        if !(params.is_array() || params.is_object()) {
            return Err(LightError::BadRequest {
                method: method.into(),
                reason: "params must be a JSON array or object",
            });
        }
        let method_owned = method.to_owned();
        self.send(
            method,
            params,
            Pending::User {
                method: method_owned,
                user,
            },
        );
        Ok(())
    }

    /// Queues a read of `key` in the main trie at the current finalized block (the one known
    /// when the read starts; a read started before initialization waits for it).
    pub fn storage(&mut self, key: Vec<u8>, user: T) {
        let query = Query::Storage {
            items: vec![(key, StorageKind::Value)],
            single: true,
        };
        self.operate(query, user, None);
    }

    /// Queues one storage operation of several items (at most [`MAX_ITEMS_PER_OPERATION`]) at
    /// block `at`, a pinned block (see [`Rpc::retained_block`]), or the current finalized block
    /// for `None`. The entries found come back as [`Reply::StorageItems`]; a key with no value
    /// is simply absent.
    ///
    /// # Errors
    ///
    /// [`LightError::BadRequest`] for no items or too many.
    pub fn storage_items(
        &mut self,
        at: Option<BlockHash>,
        items: Vec<(Vec<u8>, StorageKind)>,
        user: T,
    ) -> Result<(), LightError> {
        if items.is_empty() || items.len() > MAX_ITEMS_PER_OPERATION {
            return Err(LightError::BadRequest {
                method: STORAGE.into(),
                reason: "a storage operation takes 1 to MAX_ITEMS_PER_OPERATION items",
            });
        }
        let query = Query::Storage {
            items,
            single: false,
        };
        self.operate(query, user, at);
        Ok(())
    }

    /// Queues a runtime call, `function` (e.g. `Core_version`) with SCALE `params`, at the
    /// current finalized block; smoldot executes it against a call proof it checked, and the
    /// output comes back as [`Reply::Call`].
    pub fn call(&mut self, function: &str, params: Vec<u8>, user: T) {
        self.call_at(None, function, params, user);
    }

    /// [`Rpc::call`] at block `at` (a pinned block), or the current finalized block for `None`.
    pub fn call_at(&mut self, at: Option<BlockHash>, function: &str, params: Vec<u8>, user: T) {
        let function = function.to_owned();
        self.operate(Query::Call { function, params }, user, at);
    }

    /// The finalized block `number`, if it is still pinned for reads (one of the last
    /// [`RETAINED_FINALIZED`] finalized blocks of the current follow subscription).
    pub fn retained_block(&self, number: u64) -> Option<BlockRef> {
        match &self.follow {
            Follow::Active(sub) => sub
                .retained
                .iter()
                .chain(&sub.lingering)
                .find(|b| b.number == number)
                .copied(),
            _ => None,
        }
    }

    /// Keeps block `hash` pinned until [`Rpc::unhold`], even once it leaves the retained
    /// finalized blocks (so a caller reading several blocks in turn does not lose the first).
    /// Returns `false` if the block is not pinned now.
    pub fn hold(&mut self, hash: BlockHash) -> bool {
        let Follow::Active(sub) = &mut self.follow else {
            return false;
        };
        if !sub.readable(&hash) {
            return false;
        }
        *sub.in_use.entry(hash).or_default() += 1;
        true
    }

    /// Ends a [`Rpc::hold`]: the block is unpinned if nothing else keeps it.
    pub fn unhold(&mut self, hash: BlockHash) {
        self.release(hash);
    }

    fn operate(&mut self, query: Query, user: T, at: Option<BlockHash>) {
        self.waiting.push_back(Operation {
            query,
            user,
            attempts: 0,
            at,
        });
        if matches!(self.follow, Follow::Idle) {
            self.start_follow();
        }
        self.pump_operations();
    }

    /// Drops operations that have not started yet and whose caller gave up.
    pub fn retain_waiting(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.waiting.retain(|read| keep(&read.user));
        self.deferred.retain(|read| keep(&read.user));
    }

    /// Submits a SCALE-encoded extrinsic (smoldot validates it against the best block, then
    /// gossips it) and watches it: its events come out of [`Rpc::next_watch_event`] under the
    /// returned id, ending with a terminal one ([`TransactionEvent::is_terminal`]) or an error.
    pub fn submit_and_watch(&mut self, extrinsic: &[u8]) -> WatchId {
        let id = self.next_watch;
        self.next_watch = WatchId(id.0 + 1);
        self.send(
            SUBMIT_AND_WATCH,
            json!([hex0x(extrinsic)]),
            Pending::Submit(id),
        );
        id
    }

    /// Stops watching a transaction whose watcher went away (smoldot keeps gossiping it). No
    /// more events come out for `id`, even if its subscription is not confirmed yet.
    pub fn unwatch(&mut self, id: WatchId) {
        let subscription = self
            .watches
            .iter()
            .find(|&(_, &w)| w == id)
            .map(|(sub, _)| sub.clone());
        match subscription {
            Some(subscription) => {
                self.watches.remove(&subscription);
                self.send_unwatch(subscription);
            }
            None => {
                let submitted = self
                    .pending
                    .values()
                    .any(|p| matches!(p, Pending::Submit(w) if *w == id));
                if submitted {
                    self.unwatch_on_reply.insert(id);
                }
            }
        }
        self.watch_events.retain(|(w, _)| *w != id);
    }

    fn send_unwatch(&mut self, subscription: String) {
        self.send(
            "transactionWatch_v1_unwatch",
            json!([subscription]),
            Pending::Unwatch,
        );
    }

    /// The next event of a transaction watch.
    pub fn next_watch_event(&mut self) -> Option<(WatchId, Result<TransactionEvent, LightError>)> {
        self.watch_events.pop_front()
    }

    /// `hash` with its number if it is one of the last [`FINALIZED_HISTORY`] blocks this
    /// machine saw finalized (reads at the finalized block then see its effects).
    pub fn finalized_block(&self, hash: &BlockHash) -> Option<BlockRef> {
        self.finalized_history
            .iter()
            .rev()
            .find(|b| b.hash == *hash)
            .copied()
    }

    fn remember_finalized(&mut self, block: BlockRef) {
        if self.finalized_history.len() == FINALIZED_HISTORY {
            self.finalized_history.pop_front();
        }
        self.finalized_history.push_back(block);
    }

    /// The latest finalized and best blocks, once known.
    pub fn heads(&self) -> Option<(BlockRef, BlockRef, Option<Runtime>)> {
        match &self.follow {
            Follow::Active(sub) => Some((sub.finalized?, sub.best?, sub.runtime.clone())),
            _ => None,
        }
    }

    /// The next request text to hand to smoldot-light.
    pub fn next_outgoing(&mut self) -> Option<String> {
        self.outbox.pop_front()
    }

    /// The next follow event or error for subscribers.
    pub fn next_event(&mut self) -> Option<Result<FollowEvent, LightError>> {
        self.events.pop_front()
    }

    /// The next finished caller request.
    pub fn next_done(&mut self) -> Option<(T, Result<Reply, LightError>)> {
        self.done.pop_front()
    }

    /// Feeds one text produced by smoldot-light (a reply or a notification).
    ///
    /// Anything malformed becomes an `Err` in [`Rpc::next_event`] (or the reply of the request
    /// concerned); the machine never panics on input.
    pub fn inject(&mut self, text: &str) {
        match parse_message(text) {
            Ok(Message::Reply { id, outcome }) => {
                self.on_reply(id, outcome);
                // A refused or failed start frees slots for the operations waiting.
                self.pump_operations();
            }
            Ok(Message::Notification { method, params }) => {
                if method == FOLLOW_EVENT {
                    self.on_follow_notification(params);
                    // An operation that ended frees its slots.
                    self.pump_operations();
                } else if method == WATCH_EVENT {
                    self.on_watch_notification(params);
                } else {
                    self.protocol_error(method.clone(), ReplyError::UnexpectedNotification(method));
                }
            }
            Err(source) => self.protocol_error("(reply)".into(), source),
        }
    }

    fn send(&mut self, method: &str, params: Value, pending: Pending<T>) {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, pending);
        self.outbox.push_back(
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
    }

    fn protocol_error(&mut self, method: String, source: ReplyError) {
        self.events
            .push_back(Err(LightError::Reply { method, source }));
    }

    fn on_reply(&mut self, id: RawId, outcome: Result<Value, RpcFailure>) {
        let pending = match id {
            RawId::Number(n) => self.pending.remove(&n),
            RawId::Other(_) => None,
        };
        let Some(pending) = pending else {
            // smoldot answers a request it cannot parse with `"id": null` and an error.
            let what = match (&id, &outcome) {
                (RawId::Other(text), Err(e)) if text == "null" => {
                    ReplyError::UnknownId(format!("null (error {}: {})", e.code, e.message))
                }
                (RawId::Number(n), _) => ReplyError::UnknownId(n.to_string()),
                (RawId::Other(text), _) => ReplyError::UnknownId(text.clone()),
            };
            self.protocol_error("(reply)".into(), what);
            return;
        };
        match pending {
            Pending::User { method, user } => {
                let result = outcome.map(Reply::Value).map_err(|e| e.into_error(method));
                self.done.push_back((user, result));
            }
            Pending::Follow => self.on_follow_reply(outcome),
            Pending::Header { sub, hash } => self.on_header_reply(&sub, hash, outcome),
            Pending::Chore { method } => match outcome {
                Ok(Value::Null) => {}
                Ok(_) => self.protocol_error(
                    method.into(),
                    ReplyError::WrongType {
                        field: "result",
                        expected: "null",
                    },
                ),
                Err(e) => self.events.push_back(Err(e.into_error(method.into()))),
            },
            Pending::Operation { sub, hash, read } => {
                self.on_operation_reply(&sub, hash, read, outcome)
            }
            Pending::Submit(id) if self.unwatch_on_reply.remove(&id) => {
                if let Ok(Value::String(subscription)) = outcome {
                    self.send_unwatch(subscription);
                }
            }
            Pending::Submit(id) => match outcome {
                Ok(Value::String(subscription)) => {
                    self.watches.insert(subscription, id);
                }
                Ok(_) => self.watch_events.push_back((
                    id,
                    Err(LightError::Reply {
                        method: SUBMIT_AND_WATCH.into(),
                        source: ReplyError::WrongType {
                            field: "result",
                            expected: "a subscription id string",
                        },
                    }),
                )),
                Err(e) => self
                    .watch_events
                    .push_back((id, Err(e.into_error(SUBMIT_AND_WATCH.into())))),
            },
            Pending::Unwatch => {}
        }
    }

    fn on_watch_notification(&mut self, params: Value) {
        let (subscription, event) = match watch::parse_params(params) {
            Ok(parsed) => parsed,
            Err(source) => {
                self.protocol_error(WATCH_EVENT.into(), source);
                return;
            }
        };
        let Some(&id) = self.watches.get(&subscription) else {
            // Late events of a watch given up with `unwatch` are expected; others are not, but
            // no caller is waiting for them either.
            return;
        };
        let ended = event.as_ref().is_ok_and(TransactionEvent::is_terminal) || event.is_err();
        if ended {
            self.watches.remove(&subscription);
        }
        if event.is_err() {
            // A broken event ends the watch here; smoldot's side would stay open without this.
            self.send_unwatch(subscription);
        }
        let event = event.map_err(|source| LightError::Reply {
            method: WATCH_EVENT.into(),
            source,
        });
        self.watch_events.push_back((id, event));
    }

    fn on_follow_reply(&mut self, outcome: Result<Value, RpcFailure>) {
        let id = match outcome {
            Ok(Value::String(id)) => id,
            Ok(_) => {
                self.follow = Follow::Idle;
                self.protocol_error(
                    "chainHead_v1_follow".into(),
                    ReplyError::WrongType {
                        field: "result",
                        expected: "a subscription id string",
                    },
                );
                self.fail_waiting("chainHead_v1_follow returned no subscription");
                return;
            }
            Err(e) => {
                self.follow = Follow::Idle;
                let message = format!("error {}: {}", e.code, e.message);
                self.events
                    .push_back(Err(LightError::Follow(message.clone())));
                self.fail_waiting(&message);
                return;
            }
        };
        self.follow = Follow::Active(Box::new(Subscription {
            id,
            stage: Stage::Starting,
            numbers: HashMap::new(),
            finalized: None,
            best: None,
            runtime: None,
            retained: VecDeque::new(),
            lingering: Vec::new(),
            in_use: HashMap::new(),
            unpin_later: HashSet::new(),
            ops: HashMap::new(),
        }));
    }

    fn fail_waiting(&mut self, message: &str) {
        for read in core::mem::take(&mut self.waiting) {
            self.done
                .push_back((read.user, Err(LightError::Follow(message.to_owned()))));
        }
    }

    fn on_header_reply(
        &mut self,
        sub_id: &str,
        hash: BlockHash,
        outcome: Result<Value, RpcFailure>,
    ) {
        if self.current_sub_id() != Some(sub_id) {
            return; // The subscription was replaced meanwhile; its header no longer matters.
        }
        let number = match outcome {
            Ok(value) => {
                decode_header_number(&value, hash, self.block_number_bytes).map_err(|source| {
                    LightError::Reply {
                        method: "chainHead_v1_header".into(),
                        source,
                    }
                })
            }
            Err(e) => Err(e.into_error("chainHead_v1_header".into())),
        };
        let number = match number {
            Ok(number) => number,
            Err(error) => {
                self.events.push_back(Err(error));
                self.refollow();
                return;
            }
        };
        let Follow::Active(sub) = &mut self.follow else {
            return;
        };
        let Stage::Numbering { finalized, backlog } =
            core::mem::replace(&mut sub.stage, Stage::Ready)
        else {
            // A second header reply for one subscription: only one was ever requested.
            self.protocol_error(
                "chainHead_v1_header".into(),
                ReplyError::OutOfOrder("header"),
            );
            return;
        };
        let block = BlockRef {
            number,
            hash: finalized,
        };
        sub.numbers.insert(finalized, number);
        sub.finalized = Some(block);
        sub.best = Some(block);
        sub.retained.push_back(block);
        let runtime = sub.runtime.clone();
        self.events.push_back(Ok(FollowEvent::Initialized {
            finalized: block,
            runtime,
        }));
        self.remember_finalized(block);
        for event in backlog {
            if !self.apply(event) {
                return;
            }
        }
        self.undefer();
    }

    fn on_operation_reply(
        &mut self,
        sub_id: &str,
        hash: BlockHash,
        read: Operation<T>,
        outcome: Result<Value, RpcFailure>,
    ) {
        if self.current_sub_id() != Some(sub_id) {
            // The subscription stopped in between: whatever the answer, start again.
            self.retry(read);
            return;
        }
        let method = read.query.method();
        let started = match outcome {
            Ok(value) => parse_started(&value, matches!(read.query, Query::Storage { .. })),
            Err(e) => {
                self.release(hash);
                self.done
                    .push_back((read.user, Err(e.into_error(method.into()))));
                return;
            }
        };
        match started {
            Ok(Some(op)) => {
                if let Follow::Active(sub) = &mut self.follow {
                    sub.ops.insert(
                        op,
                        RunningOp {
                            read,
                            hash,
                            items: Vec::new(),
                        },
                    );
                }
            }
            Ok(None) => {
                // Too many operations, or (for calls) a subscription smoldot is about to stop:
                // try again at the next finalized block, a few times.
                self.release(hash);
                let mut read = read;
                read.attempts += 1;
                if read.attempts >= OPERATION_ATTEMPTS {
                    self.done
                        .push_back((read.user, Err(LightError::LimitReached { method })));
                } else {
                    self.deferred.push(read);
                }
            }
            Err(source) => {
                self.release(hash);
                self.done.push_back((
                    read.user,
                    Err(LightError::Reply {
                        method: method.into(),
                        source,
                    }),
                ));
            }
        }
    }

    fn current_sub_id(&self) -> Option<&str> {
        match &self.follow {
            Follow::Active(sub) => Some(&sub.id),
            _ => None,
        }
    }

    fn on_follow_notification(&mut self, params: Value) {
        let (sub_id, parsed) = match parse_follow_params(params) {
            Ok(x) => x,
            Err(source) => {
                self.protocol_error(FOLLOW_EVENT.into(), source);
                return;
            }
        };
        let parsed = match parsed {
            Ok(parsed) => parsed,
            // An event of the current subscription was lost: its block tracking can no
            // longer be trusted, so start over.
            Err(source) if self.current_sub_id() == Some(sub_id.as_str()) => {
                self.follow_broken(source);
                return;
            }
            Err(source) => {
                self.protocol_error(FOLLOW_EVENT.into(), source);
                return;
            }
        };
        if self.current_sub_id() != Some(sub_id.as_str()) {
            if !self.retired.contains(&sub_id) {
                self.protocol_error(
                    FOLLOW_EVENT.into(),
                    ReplyError::UnknownOperation(format!("subscription {sub_id}")),
                );
            }
            return;
        }
        let Follow::Active(sub) = &mut self.follow else {
            return;
        };
        match &mut sub.stage {
            Stage::Starting => match parsed {
                Parsed::Initialized { finalized, runtime } => {
                    let Some((&last, older)) = finalized.split_last() else {
                        self.follow_broken(ReplyError::Empty("finalizedBlockHashes"));
                        return;
                    };
                    sub.runtime = runtime;
                    sub.stage = Stage::Numbering {
                        finalized: last,
                        backlog: Vec::new(),
                    };
                    let sub_id = sub.id.clone();
                    if !older.is_empty() {
                        let older = hashes_json(older);
                        self.unpin_json(&sub_id, older);
                    }
                    self.send(
                        "chainHead_v1_header",
                        json!([sub_id.clone(), hex0x(&last)]),
                        Pending::Header {
                            sub: sub_id,
                            hash: last,
                        },
                    );
                }
                Parsed::Stop => self.on_stop(),
                _ => self.follow_broken(ReplyError::OutOfOrder("event before initialized")),
            },
            Stage::Numbering { backlog, .. } => match parsed {
                Parsed::Initialized { .. } => {
                    self.follow_broken(ReplyError::OutOfOrder("initialized"));
                }
                Parsed::Stop => self.on_stop(),
                other => backlog.push(other),
            },
            Stage::Ready => {
                self.apply(parsed);
            }
        }
    }

    /// Applies an event to a numbered subscription. Returns `false` if the subscription was
    /// dropped (stop or protocol error), so a backlog must not continue.
    fn apply(&mut self, event: Parsed) -> bool {
        let Follow::Active(sub) = &mut self.follow else {
            return false;
        };
        match event {
            Parsed::Initialized { .. } => {
                self.follow_broken(ReplyError::OutOfOrder("initialized"));
                return false;
            }
            Parsed::NewBlock {
                hash,
                parent,
                runtime,
            } => {
                let Some(&parent_number) = sub.numbers.get(&parent) else {
                    self.follow_broken(ReplyError::UnknownBlock(parent));
                    return false;
                };
                let block = BlockRef {
                    number: parent_number + 1,
                    hash,
                };
                sub.numbers.insert(hash, block.number);
                self.events.push_back(Ok(FollowEvent::NewBlock {
                    block,
                    parent,
                    new_runtime: runtime,
                }));
            }
            Parsed::Best(hash) => {
                let Some(&number) = sub.numbers.get(&hash) else {
                    self.follow_broken(ReplyError::UnknownBlock(hash));
                    return false;
                };
                let block = BlockRef { number, hash };
                sub.best = Some(block);
                self.events.push_back(Ok(FollowEvent::BestBlock(block)));
            }
            Parsed::Finalized { finalized, pruned } => {
                let Some(&last) = finalized.last() else {
                    self.follow_broken(ReplyError::Empty("finalizedBlockHashes"));
                    return false;
                };
                if let Some(unknown) = finalized
                    .iter()
                    .chain(&pruned)
                    .find(|h| !sub.numbers.contains_key(*h))
                {
                    let unknown = *unknown;
                    self.follow_broken(ReplyError::UnknownBlock(unknown));
                    return false;
                }
                let newly: Vec<BlockRef> = finalized
                    .iter()
                    .map(|&hash| BlockRef {
                        number: sub.numbers.get(&hash).copied().unwrap_or_default(),
                        hash,
                    })
                    .collect();
                let block = newly[newly.len() - 1];
                sub.finalized = Some(block);
                // The newly finalized blocks join the retained ones; the oldest beyond the
                // limit and the pruned forks will never be asked about again.
                for b in &newly {
                    if !sub.retained.contains(b) {
                        sub.retained.push_back(*b);
                    }
                }
                let mut unpin: Vec<BlockHash> = pruned;
                while sub.retained.len() > RETAINED_FINALIZED {
                    if let Some(old) = sub.retained.pop_front() {
                        if sub.in_use.contains_key(&old.hash) {
                            sub.lingering.push(old);
                        }
                        unpin.push(old.hash);
                    }
                }
                debug_assert!(!unpin.contains(&last));
                let sub_id = sub.id.clone();
                let mut now = Vec::new();
                for hash in unpin {
                    if sub.in_use.contains_key(&hash) {
                        sub.unpin_later.insert(hash);
                    } else {
                        sub.numbers.remove(&hash);
                        now.push(hash);
                    }
                }
                if !now.is_empty() {
                    self.unpin_json(&sub_id, hashes_json(&now));
                }
                self.events.push_back(Ok(FollowEvent::Finalized(block)));
                for block in newly {
                    self.remember_finalized(block);
                }
                self.undefer();
            }
            Parsed::StorageItems { op, items } => {
                let Some(running) = sub.ops.get_mut(&op) else {
                    self.protocol_error(FOLLOW_EVENT.into(), ReplyError::UnknownOperation(op));
                    return true;
                };
                let mut unexpected = None;
                for (key, value) in items {
                    // Each item must answer what was asked: an asked key, once, or a key
                    // under an asked prefix.
                    let asked = match &running.read.query {
                        Query::Storage { items: asked, .. } => {
                            asked.iter().any(|(k, kind)| match kind {
                                StorageKind::Value => *k == key,
                                StorageKind::DescendantsValues => key.starts_with(k),
                            })
                        }
                        Query::Call { .. } => false,
                    };
                    if !asked || running.items.iter().any(|(k, _)| *k == key) {
                        unexpected = Some(key);
                        break;
                    }
                    running.items.push((key, value));
                }
                if let Some(key) = unexpected {
                    self.protocol_error(FOLLOW_EVENT.into(), ReplyError::UnexpectedItem(key));
                }
            }
            Parsed::StorageDone(op) => self.finish(op, None),
            Parsed::CallDone { op, output } => self.finish(op, Some(output)),
            Parsed::OperationError { op, message } => {
                let Some(failed) = sub.ops.remove(&op) else {
                    self.protocol_error(FOLLOW_EVENT.into(), ReplyError::UnknownOperation(op));
                    return true;
                };
                self.release(failed.hash);
                let method = failed.read.query.method();
                self.done.push_back((
                    failed.read.user,
                    Err(LightError::Operation { method, message }),
                ));
            }
            Parsed::Inaccessible(op) => {
                let Some(failed) = sub.ops.remove(&op) else {
                    self.protocol_error(FOLLOW_EVENT.into(), ReplyError::UnknownOperation(op));
                    return true;
                };
                self.release(failed.hash);
                self.retry(failed.read);
            }
            Parsed::WaitingForContinue(op) => {
                if !sub.ops.contains_key(&op) {
                    self.protocol_error(FOLLOW_EVENT.into(), ReplyError::UnknownOperation(op));
                    return true;
                }
                let sub_id = sub.id.clone();
                self.send(
                    "chainHead_v1_continue",
                    json!([sub_id, op]),
                    Pending::Chore {
                        method: "chainHead_v1_continue",
                    },
                );
            }
            Parsed::OtherDone(op) => {
                self.protocol_error(FOLLOW_EVENT.into(), ReplyError::UnknownOperation(op));
            }
            Parsed::Stop => {
                self.on_stop();
                return false;
            }
        }
        true
    }

    /// An operation reported its end: `call_output` is `Some` for `operationCallDone`.
    fn finish(&mut self, op: String, call_output: Option<Vec<u8>>) {
        let Follow::Active(sub) = &mut self.follow else {
            return;
        };
        let Some(finished) = sub.ops.remove(&op) else {
            self.protocol_error(FOLLOW_EVENT.into(), ReplyError::UnknownOperation(op));
            return;
        };
        self.release(finished.hash);
        let method = finished.read.query.method();
        let reply = match (&finished.read.query, call_output) {
            (Query::Call { .. }, Some(output)) => Ok(Reply::Call(output)),
            (Query::Storage { single: true, .. }, None) => Ok(Reply::Storage(
                finished.items.into_iter().next().map(|(_, value)| value),
            )),
            (Query::Storage { single: false, .. }, None) => Ok(Reply::StorageItems(finished.items)),
            // smoldot forgets an operation once it reported its end, whatever the kind, so
            // the caller hears of it now rather than at its timeout.
            _ => Err(LightError::Reply {
                method: method.into(),
                source: ReplyError::OutOfOrder("an end of the other kind of operation"),
            }),
        };
        self.done.push_back((finished.read.user, reply));
    }

    fn unpin_json(&mut self, sub_id: &str, hashes: Value) {
        self.send(
            "chainHead_v1_unpin",
            json!([sub_id, hashes]),
            Pending::Chore {
                method: "chainHead_v1_unpin",
            },
        );
    }

    /// An operation no longer uses `hash`; unpin it if it was waiting for that.
    fn release(&mut self, hash: BlockHash) {
        let Follow::Active(sub) = &mut self.follow else {
            return;
        };
        let Some(count) = sub.in_use.get_mut(&hash) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            sub.in_use.remove(&hash);
            if sub.unpin_later.remove(&hash) {
                sub.numbers.remove(&hash);
                sub.lingering.retain(|b| b.hash != hash);
                let sub_id = sub.id.clone();
                self.unpin_json(&sub_id, json!(hex0x(&hash)));
            }
        }
    }

    fn retry(&mut self, mut read: Operation<T>) {
        read.attempts += 1;
        if read.attempts >= OPERATION_ATTEMPTS {
            self.done.push_back((
                read.user,
                Err(LightError::GaveUp {
                    method: read.query.method(),
                    attempts: read.attempts,
                }),
            ));
        } else {
            self.waiting.push_front(read);
            self.pump_operations();
        }
    }

    /// Queues the deferred operations again (ahead of newer ones) and starts what can start.
    fn undefer(&mut self) {
        for read in self.deferred.drain(..).rev() {
            self.waiting.push_front(read);
        }
        self.pump_operations();
    }

    /// Starts the waiting operations if the finalized block is known. An operation for a
    /// block that is no longer pinned fails with [`LightError::BlockNotPinned`].
    fn pump_operations(&mut self) {
        let Follow::Active(sub) = &mut self.follow else {
            return;
        };
        let (Stage::Ready, Some(finalized)) = (&sub.stage, sub.finalized) else {
            return;
        };
        let sub_id = sub.id.clone();
        let mut in_use = self.slots_in_use();
        while let Some(read) = self.waiting.pop_front() {
            // First come, first started; one operation always may start, whatever its size.
            let slots = read.query.slots();
            if in_use > 0 && in_use + slots > OPERATION_SLOTS {
                self.waiting.push_front(read);
                return;
            }
            let Follow::Active(sub) = &mut self.follow else {
                return;
            };
            let hash = read.at.unwrap_or(finalized.hash);
            if !sub.readable(&hash) {
                self.done.push_back((
                    read.user,
                    Err(LightError::BlockNotPinned {
                        method: read.query.method(),
                        hash,
                    }),
                ));
                continue;
            }
            *sub.in_use.entry(hash).or_default() += 1;
            in_use += slots;
            let params = match &read.query {
                Query::Storage { items, .. } => json!([
                    sub_id.clone(),
                    hex0x(&hash),
                    items
                        .iter()
                        .map(|(key, kind)| json!({"key": hex0x(key), "type": kind.json()}))
                        .collect::<Vec<_>>(),
                    null
                ]),
                Query::Call { function, params } => {
                    json!([sub_id.clone(), hex0x(&hash), function, hex0x(params)])
                }
            };
            self.send(
                read.query.method(),
                params,
                Pending::Operation {
                    sub: sub_id.clone(),
                    hash,
                    read,
                },
            );
        }
    }

    /// Operation slots taken by operations sent and not yet started, and by running ones.
    fn slots_in_use(&self) -> usize {
        let starting: usize = self
            .pending
            .values()
            .map(|p| match p {
                Pending::Operation { read, .. } => read.query.slots(),
                _ => 0,
            })
            .sum();
        let running: usize = match &self.follow {
            Follow::Active(sub) => sub.ops.values().map(|op| op.read.query.slots()).sum(),
            _ => 0,
        };
        starting + running
    }

    /// smoldot sent `stop`: follow again and restart the operations that were running.
    fn on_stop(&mut self) {
        self.events.push_back(Ok(FollowEvent::Stopped));
        self.retire_and_refollow(false);
    }

    /// A follow event broke the protocol: report it, drop the subscription and follow again.
    fn follow_broken(&mut self, source: ReplyError) {
        self.protocol_error(FOLLOW_EVENT.into(), source);
        self.refollow();
    }

    fn refollow(&mut self) {
        self.retire_and_refollow(true);
    }

    fn retire_and_refollow(&mut self, unfollow: bool) {
        let Follow::Active(sub) = core::mem::replace(&mut self.follow, Follow::Idle) else {
            return;
        };
        let sub = *sub;
        if unfollow {
            self.send(
                "chainHead_v1_unfollow",
                json!([sub.id.clone()]),
                Pending::Chore {
                    method: "chainHead_v1_unfollow",
                },
            );
        }
        if self.retired.len() == RETIRED_SUBSCRIPTIONS {
            self.retired.pop_front();
        }
        self.retired.push_back(sub.id.clone());
        self.start_follow();
        // The operations that were running start again on the new subscription.
        for (_, op) in sub.ops {
            self.retry(op.read);
        }
    }
}

/// A JSON-RPC error object from the server.
#[derive(Debug)]
struct RpcFailure {
    code: i64,
    message: String,
}

impl RpcFailure {
    fn into_error(self, method: String) -> LightError {
        LightError::Rpc {
            method,
            code: self.code,
            message: self.message,
        }
    }
}

/// The `id` of a reply: this machine only issues numbers; anything else is kept as text for
/// the error message.
#[derive(Debug)]
enum RawId {
    Number(u64),
    Other(String),
}

enum Message {
    Reply {
        id: RawId,
        outcome: Result<Value, RpcFailure>,
    },
    Notification {
        method: String,
        params: Value,
    },
}

/// Splits a text into a reply or a notification, checking the JSON-RPC 2.0 envelope.
fn parse_message(text: &str) -> Result<Message, ReplyError> {
    let Value::Object(mut object) = serde_json::from_str::<Value>(text)? else {
        return Err(ReplyError::NotJsonRpc);
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(ReplyError::NotJsonRpc);
    }
    if let Some(id) = object.remove("id") {
        let id = match id.as_u64() {
            Some(n) => RawId::Number(n),
            None => RawId::Other(id.to_string()),
        };
        let outcome = match (object.remove("result"), object.remove("error")) {
            (Some(result), None) => Ok(result),
            (None, Some(error)) => Err(parse_failure(error)?),
            (None, None) => return Err(ReplyError::Missing("result")),
            (Some(_), Some(_)) => {
                return Err(ReplyError::WrongType {
                    field: "error",
                    expected: "absent when result is present",
                });
            }
        };
        return Ok(Message::Reply { id, outcome });
    }
    let method = match object.remove("method") {
        Some(Value::String(method)) => method,
        Some(_) => {
            return Err(ReplyError::WrongType {
                field: "method",
                expected: "a string",
            });
        }
        None => return Err(ReplyError::Missing("id")),
    };
    let params = object
        .remove("params")
        .ok_or(ReplyError::Missing("params"))?;
    Ok(Message::Notification { method, params })
}

fn parse_failure(error: Value) -> Result<RpcFailure, ReplyError> {
    let Value::Object(error) = error else {
        return Err(ReplyError::WrongType {
            field: "error",
            expected: "an object",
        });
    };
    let code = error
        .get("code")
        .ok_or(ReplyError::Missing("error.code"))?
        .as_i64()
        .ok_or(ReplyError::WrongType {
            field: "error.code",
            expected: "an integer",
        })?;
    let message = str_field(&error, "error.message", "message")?.to_owned();
    Ok(RpcFailure { code, message })
}

fn str_field<'a>(
    object: &'a Map<String, Value>,
    field: &'static str,
    key: &str,
) -> Result<&'a str, ReplyError> {
    object
        .get(key)
        .ok_or(ReplyError::Missing(field))?
        .as_str()
        .ok_or(ReplyError::WrongType {
            field,
            expected: "a string",
        })
}

/// A `u32` field of `object`, required.
fn u32_field(
    object: &Map<String, Value>,
    field: &'static str,
    key: &str,
) -> Result<u32, ReplyError> {
    object
        .get(key)
        .ok_or(ReplyError::Missing(field))?
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(ReplyError::WrongType {
            field,
            expected: "a u32",
        })
}

/// A boolean field of `object`, required.
pub(crate) fn bool_field(
    object: &Map<String, Value>,
    field: &'static str,
    key: &str,
) -> Result<bool, ReplyError> {
    object
        .get(key)
        .ok_or(ReplyError::Missing(field))?
        .as_bool()
        .ok_or(ReplyError::WrongType {
            field,
            expected: "a boolean",
        })
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn hashes_json(hashes: &[BlockHash]) -> Value {
    Value::Array(hashes.iter().map(|h| Value::String(hex0x(h))).collect())
}

fn decode_hex(value: &Value, field: &'static str) -> Result<Vec<u8>, ReplyError> {
    let bad = ReplyError::BadHex {
        field,
        expected_len: None,
    };
    let text = value.as_str().ok_or(ReplyError::WrongType {
        field,
        expected: "a hex string",
    })?;
    let digits = text.strip_prefix("0x").ok_or(bad)?;
    hex::decode(digits).map_err(|_| ReplyError::BadHex {
        field,
        expected_len: None,
    })
}

fn decode_hash(value: &Value, field: &'static str) -> Result<BlockHash, ReplyError> {
    let bytes = decode_hex(value, field)?;
    BlockHash::try_from(bytes.as_slice()).map_err(|_| ReplyError::BadHex {
        field,
        expected_len: Some(32),
    })
}

fn hash_at(object: &Map<String, Value>, field: &'static str) -> Result<BlockHash, ReplyError> {
    decode_hash(object.get(field).ok_or(ReplyError::Missing(field))?, field)
}

fn hash_list(
    object: &Map<String, Value>,
    field: &'static str,
) -> Result<Vec<BlockHash>, ReplyError> {
    object
        .get(field)
        .ok_or(ReplyError::Missing(field))?
        .as_array()
        .ok_or(ReplyError::WrongType {
            field,
            expected: "an array of block hashes",
        })?
        .iter()
        .map(|v| decode_hash(v, field))
        .collect()
}

fn parse_runtime(
    value: Option<&Value>,
    field: &'static str,
) -> Result<Option<Runtime>, ReplyError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(object)) => object,
        Some(_) => {
            return Err(ReplyError::WrongType {
                field,
                expected: "an object or null",
            });
        }
    };
    match str_field(object, field, "type")? {
        "valid" => {
            let spec = object
                .get("spec")
                .and_then(Value::as_object)
                .ok_or(ReplyError::Missing("spec"))?;
            let spec_name = str_field(spec, "spec.specName", "specName")?.to_owned();
            let spec_version = u32_field(spec, "spec.specVersion", "specVersion")?;
            Ok(Some(Runtime::Valid {
                spec_name,
                spec_version,
            }))
        }
        "invalid" => Ok(Some(Runtime::Invalid(
            str_field(object, "error", "error")?.to_owned(),
        ))),
        _ => Err(ReplyError::WrongType {
            field,
            expected: "of type valid or invalid",
        }),
    }
}

/// Parses the `params` of a `chainHead_v1_followEvent` notification: the subscription id, then
/// the event (its own `Result`, so that a broken event can be charged to its subscription).
#[allow(clippy::type_complexity)]
fn parse_follow_params(params: Value) -> Result<(String, Result<Parsed, ReplyError>), ReplyError> {
    let Value::Object(mut params) = params else {
        return Err(ReplyError::WrongType {
            field: "params",
            expected: "an object",
        });
    };
    let sub = match params.remove("subscription") {
        Some(Value::String(sub)) => sub,
        Some(_) => {
            return Err(ReplyError::WrongType {
                field: "subscription",
                expected: "a string",
            });
        }
        None => return Err(ReplyError::Missing("subscription")),
    };
    let event = match params.remove("result") {
        Some(Value::Object(event)) => parse_follow_event(&event),
        _ => Err(ReplyError::Missing("result")),
    };
    Ok((sub, event))
}

fn parse_follow_event(event: &Map<String, Value>) -> Result<Parsed, ReplyError> {
    let op = |event: &Map<String, Value>| -> Result<String, ReplyError> {
        Ok(str_field(event, "operationId", "operationId")?.to_owned())
    };
    let parsed = match str_field(event, "event", "event")? {
        "initialized" => Parsed::Initialized {
            finalized: hash_list(event, "finalizedBlockHashes")?,
            runtime: parse_runtime(event.get("finalizedBlockRuntime"), "finalizedBlockRuntime")?,
        },
        "newBlock" => Parsed::NewBlock {
            hash: hash_at(event, "blockHash")?,
            parent: hash_at(event, "parentBlockHash")?,
            runtime: parse_runtime(event.get("newRuntime"), "newRuntime")?,
        },
        "bestBlockChanged" => Parsed::Best(hash_at(event, "bestBlockHash")?),
        "finalized" => Parsed::Finalized {
            finalized: hash_list(event, "finalizedBlockHashes")?,
            pruned: hash_list(event, "prunedBlockHashes")?,
        },
        "operationStorageItems" => {
            let items = event
                .get("items")
                .ok_or(ReplyError::Missing("items"))?
                .as_array()
                .ok_or(ReplyError::WrongType {
                    field: "items",
                    expected: "an array",
                })?
                .iter()
                .map(|item| {
                    let item = item.as_object().ok_or(ReplyError::WrongType {
                        field: "items",
                        expected: "an array of objects",
                    })?;
                    let key =
                        decode_hex(item.get("key").ok_or(ReplyError::Missing("key"))?, "key")?;
                    let value = decode_hex(
                        item.get("value").ok_or(ReplyError::Missing("value"))?,
                        "value",
                    )?;
                    Ok((key, value))
                })
                .collect::<Result<_, ReplyError>>()?;
            Parsed::StorageItems {
                op: op(event)?,
                items,
            }
        }
        "operationStorageDone" => Parsed::StorageDone(op(event)?),
        "operationError" => Parsed::OperationError {
            op: op(event)?,
            message: str_field(event, "error", "error")?.to_owned(),
        },
        "operationInaccessible" => Parsed::Inaccessible(op(event)?),
        "operationWaitingForContinue" => Parsed::WaitingForContinue(op(event)?),
        "operationCallDone" => Parsed::CallDone {
            op: op(event)?,
            output: decode_hex(
                event.get("output").ok_or(ReplyError::Missing("output"))?,
                "output",
            )?,
        },
        "operationBodyDone" => Parsed::OtherDone(op(event)?),
        "stop" => Parsed::Stop,
        other => return Err(ReplyError::UnknownEvent(other.to_owned())),
    };
    Ok(parsed)
}

/// Parses the reply to `chainHead_v1_storage` (`with_items`) or `chainHead_v1_call`:
/// `Some(operation id)` if started, `None` if the server's operation limit is reached.
fn parse_started(value: &Value, with_items: bool) -> Result<Option<String>, ReplyError> {
    let object = value.as_object().ok_or(ReplyError::WrongType {
        field: "result",
        expected: "an object",
    })?;
    match str_field(object, "result.result", "result")? {
        "started" => {
            let op = str_field(object, "operationId", "operationId")?.to_owned();
            if !with_items {
                return Ok(Some(op));
            }
            // A started operation that discarded some items would never report them: the whole
            // operation is tried again, like a refused one.
            match object.get("discardedItems").and_then(Value::as_u64) {
                Some(0) => Ok(Some(op)),
                Some(_) => Ok(None),
                None => Err(ReplyError::WrongType {
                    field: "discardedItems",
                    expected: "an unsigned integer",
                }),
            }
        }
        "limitReached" => Ok(None),
        other => Err(ReplyError::UnknownResult(other.to_owned())),
    }
}

/// Reads the block number out of a `chainHead_v1_header` result after checking that the header
/// hashes to `hash`.
fn decode_header_number(
    value: &Value,
    hash: BlockHash,
    block_number_bytes: usize,
) -> Result<u64, ReplyError> {
    if value.is_null() {
        return Err(ReplyError::UnknownBlock(hash));
    }
    let header = decode_hex(value, "result")?;
    if smoldot::header::hash_from_scale_encoded_header(&header) != hash {
        return Err(ReplyError::HeaderHash(hash));
    }
    smoldot::header::decode(&header, block_number_bytes)
        .map(|decoded| decoded.number)
        .map_err(|e| ReplyError::Header(e.to_string()))
}

#[cfg(test)]
mod tests;
