//! The async shell around [`crate::rpc::Rpc`]: a [`Client`] that adds chains to smoldot-light
//! and a [`Chain`] handle with typed requests and a follow stream.
//!
//! The shell owns no executor. It needs only a [`PlatformRef`]: one background task per chain
//! (spawned on the platform) moves smoldot-light's replies into the state machine, and request
//! timeouts use the platform's timer. The same code therefore runs natively, in a browser tab
//! and in a Web Worker. Replies travel through `futures-channel` oneshots, which are `Send`, as
//! the platform requires of every task.
//!
//! Left out: `chainHead_v1_body`, parachains (a spec with a relay chain is refused by smoldot
//! since no relay chain is passed), and persisting the database between runs.

use core::num::NonZero;
use core::pin::pin;
use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use futures_channel::{mpsc, oneshot};
use futures_util::future::{Either, select};
use serde_json::Value;
use smoldot_light::platform::PlatformRef;
use smoldot_light::{AddChainConfig, AddChainConfigJsonRpc, ChainId};

use crate::error::{LightError, ReplyError};
use crate::rpc::{
    BlockHash, BlockRef, FollowEvent, Inclusion, MAX_ITEMS_PER_OPERATION, Reply, Rpc, StorageKind,
    TransactionEvent, WatchId,
};
use crate::spec;

/// How long a request waits for its reply unless [`Client::with_request_timeout`] says
/// otherwise. Generous: right after start the client may still be downloading the runtime.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Most subscriptions one chain may hold in smoldot: our follow plus a few for
/// [`Chain::request`] callers.
const MAX_SUBSCRIPTIONS: u32 = 16;

/// A smoldot light client: holds the network service shared by its chains.
pub struct Client<P: PlatformRef> {
    inner: Arc<Mutex<smoldot_light::Client<P>>>,
    platform: P,
    request_timeout: Duration,
}

impl<P: PlatformRef> Client<P> {
    /// A client on `platform` (see [`crate::native`] and, on wasm32, `BrowserPlatform`).
    pub fn new(platform: P) -> Self {
        Client {
            inner: Arc::new(Mutex::new(smoldot_light::Client::new(platform.clone()))),
            platform,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// Sets how long requests of chains added afterwards wait for a reply.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Adds a chain from its JSON chain spec and starts following it.
    ///
    /// Returns as soon as smoldot accepted the spec; connecting and syncing go on in the
    /// background (watch [`Chain::follow`] and [`Chain::health`]).
    ///
    /// # Errors
    ///
    /// [`LightError::ChainSpec`] for a malformed or truncated spec; [`LightError::NoBootNodes`],
    /// [`LightError::BootNode`] and [`LightError::NoUsableBootNode`] for boot nodes this
    /// client could never reach; [`LightError::AddChain`] if smoldot refuses it otherwise.
    pub fn add_chain(&self, chain_spec: &str) -> Result<Chain<P>, LightError> {
        self.add_chain_at(chain_spec, "")
    }

    /// [`Client::add_chain`] starting at the finalized block `database_content` holds (from
    /// [`crate::start::database_content`]: a trusted checkpoint) instead of the spec's genesis.
    /// A spec whose genesis is only a state root hash works this way too: nothing of the
    /// genesis state is needed.
    ///
    /// # Errors
    ///
    /// As [`Client::add_chain`].
    pub fn add_chain_at(
        &self,
        chain_spec: &str,
        database_content: &str,
    ) -> Result<Chain<P>, LightError> {
        let chain_spec = spec::without_foreign_fields(chain_spec);
        let info = spec::check(&chain_spec, &self.platform)?;
        let added = lock(&self.inner).add_chain(AddChainConfig {
            user_data: (),
            specification: &chain_spec,
            database_content,
            potential_relay_chains: core::iter::empty(),
            json_rpc: AddChainConfigJsonRpc::Enabled {
                // Only this crate talks to the chain, so its queue needs no cap; the
                // state machine has at most a handful of requests in flight per caller.
                max_pending_requests: NonZero::<u32>::MAX,
                max_subscriptions: MAX_SUBSCRIPTIONS,
            },
            statement_protocol_config: None,
        })?;
        let Some(mut responses) = added.json_rpc_responses else {
            // smoldot documents `Some` whenever JSON-RPC is enabled, as it is above.
            return Err(LightError::ChainRemoved);
        };
        let shared = Arc::new(Shared {
            client: self.inner.clone(),
            id: added.chain_id,
            timeout: self.request_timeout,
            platform: self.platform.clone(),
            state: Mutex::new(State {
                rpc: Rpc::new(info.block_number_bytes),
                subscribers: Vec::new(),
                watchers: HashMap::new(),
            }),
        });
        // The task holds a weak reference so that dropping the last `Chain` removes the chain,
        // which ends `responses` and with it the task.
        let weak: Weak<Shared<P>> = Arc::downgrade(&shared);
        self.platform
            .spawn_task("light-json-rpc".into(), async move {
                while let Some(text) = responses.next().await {
                    let Some(shared) = weak.upgrade() else { break };
                    shared.with_rpc(|rpc| rpc.inject(&text));
                }
            });
        shared.with_rpc(Rpc::start_follow);
        Ok(Chain { shared })
    }
}

/// A chain added to a [`Client`]. Clones share it; dropping the last one removes the chain
/// from smoldot and fails its pending requests with [`LightError::ChainRemoved`].
pub struct Chain<P: PlatformRef> {
    shared: Arc<Shared<P>>,
}

impl<P: PlatformRef> Clone for Chain<P> {
    fn clone(&self) -> Self {
        Chain {
            shared: self.shared.clone(),
        }
    }
}

/// The latest finalized and best blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heads {
    /// The latest finalized block.
    pub finalized: BlockRef,
    /// The best block (a descendant of, or equal to, `finalized`).
    pub best: BlockRef,
}

/// `system_health`: what the client knows about its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Connected full-node peers for this chain.
    pub peers: u64,
    /// Whether the client is still catching up with the network.
    pub is_syncing: bool,
    /// Whether the spec's `chainType` expects a live network (`Live`, `Local`; not
    /// `Development`).
    pub should_have_peers: bool,
}

impl<P: PlatformRef> Chain<P> {
    /// Sends any JSON-RPC request and returns its `result`; an escape hatch for methods this
    /// crate does not type. Not for subscriptions: their notifications would show up as
    /// [`ReplyError::UnexpectedNotification`] errors in the follow streams.
    ///
    /// # Errors
    ///
    /// [`LightError::BadRequest`] if `params` is not an array or object, [`LightError::Rpc`]
    /// for an error reply, [`LightError::Timeout`], [`LightError::ChainRemoved`].
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, LightError> {
        let (tx, rx) = oneshot::channel();
        self.shared
            .with_rpc(|rpc| rpc.request(method, params, tx))?;
        match self.shared.wait(method, rx).await? {
            Reply::Value(value) => Ok(value),
            Reply::Storage(_) | Reply::StorageItems(_) | Reply::Call(_) => {
                Err(unexpected(method, "a plain result"))
            }
        }
    }

    /// `chainHead_unstable_finalizedDatabase`: smoldot's record of the finalized block (its
    /// header, GRANDPA and Aura sets, the runtime code when it fits in `max_bytes`, known
    /// peers), to start a later client there ([`crate::start::start_point`]'s `saved`).
    ///
    /// # Errors
    ///
    /// As [`Chain::request`]; [`LightError::Reply`] when the result is not a string, or smoldot
    /// could not fit even the block's record in `max_bytes`.
    pub async fn finalized_database(&self, max_bytes: u64) -> Result<String, LightError> {
        const METHOD: &str = "chainHead_unstable_finalizedDatabase";
        let value = self.request(METHOD, serde_json::json!([max_bytes])).await?;
        match value.as_str() {
            Some(text) if text.starts_with('{') => Ok(text.to_owned()),
            _ => Err(unexpected(METHOD, "a database record")),
        }
    }

    /// `system_health`: peers and sync status.
    ///
    /// # Errors
    ///
    /// As [`Chain::request`], and [`LightError::Reply`] if the reply lacks a field.
    pub async fn health(&self) -> Result<Health, LightError> {
        const METHOD: &str = "system_health";
        let value = self.request(METHOD, Value::Array(Vec::new())).await?;
        parse_health(&value).map_err(|source| LightError::Reply {
            method: METHOD.into(),
            source,
        })
    }

    /// Reads `key` from the main storage trie at the latest finalized block, through
    /// `chainHead_v1_storage`: smoldot fetched the value with a Merkle proof and checked it
    /// against the block's state root. `None` means the key has no value.
    ///
    /// A read asked for before the client knows a finalized block waits for one (within the
    /// request timeout).
    ///
    /// # Errors
    ///
    /// [`LightError::Operation`] if no peer returned a valid proof, [`LightError::GaveUp`]
    /// after repeated interruptions, [`LightError::LimitReached`], [`LightError::Timeout`],
    /// [`LightError::Follow`], [`LightError::ChainRemoved`].
    pub async fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, LightError> {
        const METHOD: &str = "chainHead_v1_storage";
        let reply = self.operation(METHOD, |rpc, tx| rpc.storage(key.to_vec(), tx));
        match reply.await? {
            Reply::Storage(value) => Ok(value),
            Reply::Value(_) | Reply::StorageItems(_) | Reply::Call(_) => {
                Err(unexpected(METHOD, "a storage value"))
            }
        }
    }

    /// Calls runtime API `function` (e.g. `Core_version`, or a subtensor runtime API) with
    /// SCALE `params` at the latest finalized block, through `chainHead_v1_call`: smoldot runs
    /// the runtime itself on a call proof it checked against the block's state root, so the
    /// SCALE output is as trustworthy as the block.
    ///
    /// # Errors
    ///
    /// As [`Chain::storage`]; [`LightError::Operation`] also when the runtime call fails.
    pub async fn call(&self, function: &str, params: &[u8]) -> Result<Vec<u8>, LightError> {
        self.call_at(None, function, params).await
    }

    /// [`Chain::call`] at block `at`: one of the retained finalized blocks
    /// ([`Chain::retained_block`]), or the latest finalized block for `None`.
    ///
    /// # Errors
    ///
    /// As [`Chain::call`], and [`LightError::BlockNotPinned`] when `at` is no longer pinned.
    pub async fn call_at(
        &self,
        at: Option<BlockHash>,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, LightError> {
        const METHOD: &str = "chainHead_v1_call";
        let reply = self.operation(METHOD, |rpc, tx| {
            rpc.call_at(at, function, params.to_vec(), tx);
        });
        match reply.await? {
            Reply::Call(output) => Ok(output),
            Reply::Value(_) | Reply::Storage(_) | Reply::StorageItems(_) => {
                Err(unexpected(METHOD, "a call output"))
            }
        }
    }

    /// The values at `keys` at block `at` (see [`Chain::call_at`]), each checked against the
    /// block's state root by smoldot, in the order asked; `None` where a key has no value.
    /// Keys go in operations of [`MAX_ITEMS_PER_OPERATION`], all queued at once: the machine
    /// starts them as smoldot-light's operation slots free up, so the slots stay full.
    ///
    /// # Errors
    ///
    /// As [`Chain::call_at`].
    pub async fn storage_at(
        &self,
        at: Option<BlockHash>,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, LightError> {
        let items: Vec<(Vec<u8>, StorageKind)> = keys
            .iter()
            .map(|k| (k.clone(), StorageKind::Value))
            .collect();
        let mut found: HashMap<Vec<u8>, Vec<u8>> = HashMap::with_capacity(keys.len());
        let replies = futures_util::future::join_all(
            items
                .chunks(MAX_ITEMS_PER_OPERATION)
                .map(|chunk| self.storage_items(at, chunk.to_vec())),
        )
        .await;
        for reply in replies {
            found.extend(reply?);
        }
        Ok(keys.iter().map(|k| found.remove(k)).collect())
    }

    /// Every entry under `prefix` at block `at` (see [`Chain::call_at`]), sorted by key; smoldot
    /// walks the trie below the prefix with proofs from its peers.
    ///
    /// # Errors
    ///
    /// As [`Chain::call_at`].
    pub async fn storage_prefix_at(
        &self,
        at: Option<BlockHash>,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, LightError> {
        let mut entries = self
            .storage_items(at, vec![(prefix.to_vec(), StorageKind::DescendantsValues)])
            .await?;
        entries.sort();
        Ok(entries)
    }

    async fn storage_items(
        &self,
        at: Option<BlockHash>,
        items: Vec<(Vec<u8>, StorageKind)>,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, LightError> {
        const METHOD: &str = "chainHead_v1_storage";
        let (tx, rx) = oneshot::channel();
        self.shared.with_rpc(|rpc| {
            rpc.retain_waiting(|tx| !tx.is_canceled());
            rpc.storage_items(at, items, tx)
        })?;
        match self.shared.wait(METHOD, rx).await? {
            Reply::StorageItems(entries) => Ok(entries),
            Reply::Value(_) | Reply::Storage(_) | Reply::Call(_) => {
                Err(unexpected(METHOD, "storage items"))
            }
        }
    }

    /// The finalized block `number` if it is still pinned for reads at it: one of the last
    /// [`crate::RETAINED_FINALIZED`] finalized blocks.
    pub fn retained_block(&self, number: u64) -> Option<BlockRef> {
        lock(&self.shared.state).rpc.retained_block(number)
    }

    /// Keeps `block` pinned for reads until [`Chain::unhold`]; `false` if it is not pinned
    /// now. Reads of several blocks in turn hold them first, so that the oldest does not leave
    /// the retained window half-way.
    pub fn hold(&self, block: BlockHash) -> bool {
        self.shared.with_rpc(|rpc| rpc.hold(block))
    }

    /// Ends a [`Chain::hold`].
    pub fn unhold(&self, block: BlockHash) {
        self.shared.with_rpc(|rpc| rpc.unhold(block));
    }

    /// Starts a block operation with `start` and waits for its reply, first dropping queued
    /// operations whose callers timed out.
    async fn operation(
        &self,
        method: &str,
        start: impl FnOnce(&mut Rpc<ReplyTx>, ReplyTx),
    ) -> Result<Reply, LightError> {
        let (tx, rx) = oneshot::channel();
        self.shared.with_rpc(|rpc| {
            rpc.retain_waiting(|tx| !tx.is_canceled());
            start(rpc, tx);
        });
        self.shared.wait(method, rx).await
    }

    /// Submits a signed, SCALE-encoded extrinsic and watches it
    /// (`transactionWatch_v1_submitAndWatch`). smoldot validates it against the best block's
    /// runtime before gossiping it to peers. Once the watch is dropped, its next event
    /// unsubscribes it (the transaction itself cannot be recalled).
    pub fn submit_and_watch(&self, extrinsic: &[u8]) -> TransactionWatch {
        let (tx, rx) = mpsc::unbounded();
        self.shared.with_state(|state| {
            let id = state.rpc.submit_and_watch(extrinsic);
            state.watchers.insert(id, tx);
        });
        TransactionWatch { rx }
    }

    /// Waits until `block` is finalized on this chain's follow subscription, within the
    /// request timeout, and returns it with its number. Reads ([`Chain::storage`],
    /// [`Chain::call`]) run at the finalized block the follow subscription knows, which can
    /// lag behind a [`TransactionWatch`]'s `finalized` event (smoldot's transaction service
    /// follows blocks on its own): wait here before reading a transaction's effects. A block
    /// finalized long ago (more than the last 1,024 finalized) is not recognised and times out.
    ///
    /// # Errors
    ///
    /// [`LightError::Timeout`], [`LightError::ChainRemoved`].
    pub async fn until_finalized(&self, block: BlockHash) -> Result<BlockRef, LightError> {
        // Subscribe first: a finalization after the check below still wakes the loop.
        let mut events = self.follow();
        let timer = pin!(self.shared.platform.sleep(self.shared.timeout));
        let mut timer = timer;
        loop {
            if let Some(found) = lock(&self.shared.state).rpc.finalized_block(&block) {
                return Ok(found);
            }
            let next = pin!(events.next());
            match select(next, timer.as_mut()).await {
                // Any event (protocol errors included) may have moved finalization: look again.
                Either::Left((Some(_), _)) => {}
                Either::Left((None, _)) => return Err(LightError::ChainRemoved),
                Either::Right(((), _)) => {
                    return Err(LightError::Timeout {
                        method: "waiting for a finalized block".into(),
                        after: self.shared.timeout,
                    });
                }
            }
        }
    }

    /// The latest finalized and best blocks, once the follow subscription is initialized.
    pub fn heads(&self) -> Option<Heads> {
        let state = lock(&self.shared.state);
        state
            .rpc
            .heads()
            .map(|(finalized, best, _)| Heads { finalized, best })
    }

    /// A stream of follow events. If the chain is already followed, the stream starts with an
    /// [`FollowEvent::Initialized`] for the current finalized block (and a
    /// [`FollowEvent::BestBlock`] if best differs), then continues live.
    ///
    /// Errors in the stream are protocol errors (a malformed event) or a failed follow; the
    /// stream goes on after them, since the client follows again by itself.
    pub fn follow(&self) -> FollowStream {
        let (tx, rx) = mpsc::unbounded();
        let mut state = lock(&self.shared.state);
        if let Some((finalized, best, runtime)) = state.rpc.heads() {
            let _ = tx.unbounded_send(Ok(FollowEvent::Initialized { finalized, runtime }));
            if best != finalized {
                let _ = tx.unbounded_send(Ok(FollowEvent::BestBlock(best)));
            }
        }
        state.subscribers.push(tx);
        FollowStream { rx }
    }
}

/// Follow events of one subscriber; see [`Chain::follow`]. Errors are shared between
/// subscribers, hence the `Arc`.
pub struct FollowStream {
    rx: mpsc::UnboundedReceiver<Result<FollowEvent, Arc<LightError>>>,
}

impl FollowStream {
    /// The next event; `None` once the chain is removed.
    pub async fn next(&mut self) -> Option<Result<FollowEvent, Arc<LightError>>> {
        futures_util::StreamExt::next(&mut self.rx).await
    }
}

impl futures_util::Stream for FollowStream {
    type Item = Result<FollowEvent, Arc<LightError>>;

    fn poll_next(
        mut self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Option<Self::Item>> {
        core::pin::Pin::new(&mut self.rx).poll_next(cx)
    }
}

/// Events of one submitted transaction; see [`Chain::submit_and_watch`]. The stream ends after
/// a terminal event ([`TransactionEvent::is_terminal`]) or an error.
pub struct TransactionWatch {
    rx: mpsc::UnboundedReceiver<Result<TransactionEvent, LightError>>,
}

impl TransactionWatch {
    /// The next event; `None` after the last one or once the chain is removed.
    pub async fn next(&mut self) -> Option<Result<TransactionEvent, LightError>> {
        futures_util::StreamExt::next(&mut self.rx).await
    }

    /// Waits for the transaction's finalized block, passing every event on the way to `seen`
    /// (a page shows them as they come). No timeout of its own: a transaction that is never
    /// included waits for the caller to give up. Before reading the transaction's effects, let
    /// [`Chain::until_finalized`] catch the chain's reads up with the returned block.
    ///
    /// # Errors
    ///
    /// [`LightError::Transaction`] when the watch ends otherwise (invalid, dropped, error),
    /// the watch's own reply errors, and [`LightError::ChainRemoved`].
    pub async fn finalized(
        mut self,
        mut seen: impl FnMut(&TransactionEvent),
    ) -> Result<Inclusion, LightError> {
        while let Some(event) = self.next().await {
            let event = event?;
            seen(&event);
            match event {
                TransactionEvent::Finalized(inclusion) => return Ok(inclusion),
                TransactionEvent::Invalid(reason) => {
                    return Err(LightError::Transaction(format!("invalid: {reason}")));
                }
                TransactionEvent::Dropped { error, .. } => {
                    return Err(LightError::Transaction(format!("dropped: {error}")));
                }
                TransactionEvent::Error(error) => {
                    return Err(LightError::Transaction(format!("error: {error}")));
                }
                _ => {}
            }
        }
        Err(LightError::ChainRemoved)
    }
}

impl futures_util::Stream for TransactionWatch {
    type Item = Result<TransactionEvent, LightError>;

    fn poll_next(
        mut self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Option<Self::Item>> {
        core::pin::Pin::new(&mut self.rx).poll_next(cx)
    }
}

type ReplyTx = oneshot::Sender<Result<Reply, LightError>>;
type WatchTx = mpsc::UnboundedSender<Result<TransactionEvent, LightError>>;

struct Shared<P: PlatformRef> {
    client: Arc<Mutex<smoldot_light::Client<P>>>,
    id: ChainId,
    platform: P,
    timeout: Duration,
    state: Mutex<State>,
}

struct State {
    rpc: Rpc<ReplyTx>,
    subscribers: Vec<mpsc::UnboundedSender<Result<FollowEvent, Arc<LightError>>>>,
    watchers: HashMap<WatchId, WatchTx>,
}

impl<P: PlatformRef> Shared<P> {
    /// Runs `f` on the state machine, then hands its requests to smoldot, its finished
    /// requests to their callers and its events to the subscribers.
    ///
    /// Lock order: state, then client (never the reverse), so requests reach smoldot in the
    /// order the machine wrote them.
    fn with_rpc<R>(&self, f: impl FnOnce(&mut Rpc<ReplyTx>) -> R) -> R {
        self.with_state(|state| f(&mut state.rpc))
    }

    /// [`Shared::with_rpc`] with the whole state, for callers that register a receiver in the
    /// same step as the request (so no event can slip between the two).
    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = lock(&self.state);
        let result = f(&mut state);
        // Watch events first: a watcher that went away is unwatched in this same pass.
        let State { rpc, watchers, .. } = &mut *state;
        while let Some((id, event)) = rpc.next_watch_event() {
            let ends = event.as_ref().map_or(true, TransactionEvent::is_terminal);
            let delivered = watchers
                .get(&id)
                .is_some_and(|tx| tx.unbounded_send(event).is_ok());
            if ends || !delivered {
                watchers.remove(&id);
                if !ends {
                    rpc.unwatch(id);
                }
            }
        }
        let mut refused = Vec::new();
        if let Some(first) = state.rpc.next_outgoing() {
            let mut client = lock(&self.client);
            let mut next = Some(first);
            while let Some(text) = next {
                if client.json_rpc_request(text, self.id).is_err() {
                    refused.push(LightError::TooManyRequests);
                }
                next = state.rpc.next_outgoing();
            }
        }
        let State {
            rpc, subscribers, ..
        } = &mut *state;
        while let Some((tx, reply)) = rpc.next_done() {
            // The caller may have timed out and gone; nothing to do then.
            let _ = tx.send(reply);
        }
        let events = core::iter::from_fn(|| rpc.next_event()).chain(refused.into_iter().map(Err));
        for event in events {
            let event = event.map_err(Arc::new);
            subscribers.retain(|tx| tx.unbounded_send(event.clone()).is_ok());
        }
        result
    }

    async fn wait(
        &self,
        method: &str,
        rx: oneshot::Receiver<Result<Reply, LightError>>,
    ) -> Result<Reply, LightError> {
        let timer = pin!(self.platform.sleep(self.timeout));
        match select(rx, timer).await {
            Either::Left((Ok(reply), _)) => reply,
            Either::Left((Err(oneshot::Canceled), _)) => Err(LightError::ChainRemoved),
            Either::Right(((), _)) => Err(LightError::Timeout {
                method: method.into(),
                after: self.timeout,
            }),
        }
    }
}

impl<P: PlatformRef> Drop for Shared<P> {
    fn drop(&mut self) {
        let () = lock(&self.client).remove_chain(self.id);
    }
}

/// Locks `mutex`, ignoring poisoning: a panic elsewhere leaves the machine's queues
/// consistent (each method finishes its update before pushing), so the data stays usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The machine finished a request with the other kind of reply (a bug in this crate).
fn unexpected(method: &str, expected: &'static str) -> LightError {
    LightError::Reply {
        method: method.into(),
        source: ReplyError::WrongType {
            field: "result",
            expected,
        },
    }
}

/// Parses a `system_health` result strictly: all three fields, with their types.
pub(crate) fn parse_health(value: &Value) -> Result<Health, ReplyError> {
    let object = value.as_object().ok_or(ReplyError::WrongType {
        field: "result",
        expected: "an object",
    })?;
    let flag = |field: &'static str| crate::rpc::bool_field(object, field, field);
    Ok(Health {
        peers: object
            .get("peers")
            .ok_or(ReplyError::Missing("peers"))?
            .as_u64()
            .ok_or(ReplyError::WrongType {
                field: "peers",
                expected: "an unsigned integer",
            })?,
        is_syncing: flag("isSyncing")?,
        should_have_peers: flag("shouldHavePeers")?,
    })
}

#[cfg(test)]
mod tests;
