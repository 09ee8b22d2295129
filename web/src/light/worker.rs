//! The light-client worker: smoldot-light (through `light`'s typed client on its browser
//! platform) syncing the chain named by the spec the page sends, or `light::verified` reading
//! a JSON-RPC endpoint from a checkpoint (or trusting it, when the page says so); reporting
//! heads, peers, the runtime and one verified SubtensorModule value back as [`FromWorker`]
//! messages, and answering the page's reads ([`ToWorker`]) through whichever `chain::Source`
//! it runs, at the blocks that source can read.
//!
//! Runs in a dedicated Web Worker (Trunk builds `bin/light_worker.rs` with a loader shim), so
//! runtime compilation and proof checks never block the page.

use std::cell::Cell;
use std::rc::Rc;

use chain::{BlockRef, Provenance, Source, SourceError};
use light::verified::{BrowserWs, Checkpoint, Config, Step, TrustedRpc, VerifiedRpc};
use light::{BrowserPlatform, FollowEvent};
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::{FromWorker, Head, TOTAL_NETWORKS, TOTAL_NETWORKS_KEY, ToWorker};

/// What the worker reads through.
#[derive(Clone)]
enum WorkerSource {
    /// smoldot-light following a chain spec.
    Light(Rc<light::LightSource<BrowserPlatform>>),
    /// A JSON-RPC endpoint, verified from a checkpoint.
    Verified(Rc<VerifiedRpc<BrowserWs>>),
    /// A JSON-RPC endpoint, believed.
    Trusted(Rc<TrustedRpc<BrowserWs>>),
}

thread_local! {
    /// The source, once started; requests read through it.
    static SOURCE: std::cell::RefCell<Option<WorkerSource>> =
        const { std::cell::RefCell::new(None) };
}

/// How often the verified RPC client looks for a newer justification (finney: a block every
/// 12 s, a justification every 512 blocks and at set changes).
const RPC_SYNC_PERIOD_MS: i32 = 6000;

/// How often peers and sync status are polled.
const HEALTH_PERIOD_MS: i32 = 1000;

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// A `performance.mark` on the worker's clock, for `cargo xtask bench light`'s breakdown of a
/// start (the page cannot see inside the worker).
fn mark(name: &str) {
    if let Ok(performance) = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        && let Ok(performance) = performance.dyn_into::<web_sys::Performance>()
    {
        let _ = performance.mark(name);
    }
}

/// The strings of a JSON array (the page's boot nodes, endpoints); anything else is none.
fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|l| {
            l.iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn post(message: &FromWorker) {
    let _ = scope().post_message(&JsValue::from_str(&message.encode()));
}

fn error(message: String, fatal: bool) {
    post(&FromWorker::Error { message, fatal });
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Installs the message handler; the client starts on the page's `start` message.
pub fn start() {
    let started = Rc::new(Cell::new(false));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let text = event.data().as_string().unwrap_or_default();
            let message: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            match ToWorker::decode(&message) {
                Ok(Some(request)) => {
                    wasm_bindgen_futures::spawn_local(answer(request));
                    return;
                }
                Ok(None) => {}
                Err(e) => return error(format!("request from the page: {e}"), false),
            }
            let is_start = message["type"].as_str() == Some("start");
            match (message["spec"].as_str(), message.get("rpc")) {
                _ if is_start && started.get() => {
                    error("the client is already running".into(), false)
                }
                (Some(spec), _) if is_start => {
                    started.set(true);
                    let checkpoint = message["checkpoint"].as_str().map(str::to_owned);
                    let boot_nodes = strings(&message["bootNodes"]);
                    wasm_bindgen_futures::spawn_local(run(spec.to_owned(), checkpoint, boot_nodes));
                }
                (None, Some(rpc)) if is_start => {
                    started.set(true);
                    wasm_bindgen_futures::spawn_local(run_rpc(rpc.clone()));
                }
                _ => error(
                    format!("unexpected message from the page: {text:.80}"),
                    false,
                ),
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    mark("worker: listening");
    post(&FromWorker::Ready);
}

/// Answers one request of the page through the worker's source.
async fn answer(request: ToWorker) {
    let Some(source) = SOURCE.with(|c| c.borrow().clone()) else {
        if let Some(id) = request_id(&request) {
            post(&FromWorker::Reply {
                id,
                result: Err("the light client has not started yet".into()),
                unavailable: false,
            });
        }
        return;
    };
    if let ToWorker::Submit { id, extrinsic } = request {
        let result = match &source {
            WorkerSource::Light(s) => submit(s.chain(), id, &extrinsic).await,
            // Verified RPC reads through proofs; sending through an endpoint and proving the
            // inclusion is not built yet, and a trusted endpoint must not be asked to relay a
            // signed stake move silently.
            WorkerSource::Verified(_) | WorkerSource::Trusted(_) => Err(
                "sending a transaction needs the light-client source; this page reads through \
                 JSON-RPC"
                    .to_owned(),
            ),
        };
        post(&FromWorker::Reply {
            id,
            result,
            unavailable: false,
        });
        return;
    }
    match source {
        WorkerSource::Light(s) => answer_with(&*s, request).await,
        WorkerSource::Verified(s) => answer_with(&*s, request).await,
        WorkerSource::Trusted(s) => answer_with(&*s, request).await,
    }
}

/// Answers `request` through `source`; a block it can no longer read is flagged as such.
async fn answer_with<S: Source>(source: &S, request: ToWorker) {
    let hex = |b: &[u8]| format!("0x{}", super::hex_lower(b));
    let reply = |id: u64, result: Result<Value, SourceError>| {
        let unavailable = matches!(result, Err(SourceError::BlockUnavailable { .. }));
        post(&FromWorker::Reply {
            id,
            result: result.map_err(|e| match e {
                // The page adds the block's number itself.
                SourceError::BlockUnavailable { reason, .. } => reason,
                other => other.to_string(),
            }),
            unavailable,
        });
    };
    // Only the hash is needed to read at a block; the number is the source's to check.
    let at = |hash: [u8; 32]| BlockRef { number: 0, hash };
    match request {
        ToWorker::Storage { id, block, keys } => {
            let result = source.storage(&at(block), &keys).await.map(|values| {
                let values: Vec<Value> = values
                    .iter()
                    .map(|v| v.as_deref().map_or(Value::Null, |v| hex(v).into()))
                    .collect();
                serde_json::json!({ "values": values })
            });
            reply(id, result);
        }
        ToWorker::Prefix { id, block, prefix } => {
            let result = source
                .storage_prefix(&at(block), &prefix)
                .await
                .map(|entries| {
                    let entries: Vec<Value> = entries
                        .iter()
                        .map(|(k, v)| serde_json::json!([hex(k), hex(v)]))
                        .collect();
                    serde_json::json!({ "entries": entries })
                });
            reply(id, result);
        }
        ToWorker::Call {
            id,
            block,
            function,
            params,
        } => {
            let result = source
                .call(&at(block), &function, &params)
                .await
                .map(|out| serde_json::json!({ "output": hex(&out) }));
            reply(id, result);
        }
        ToWorker::Block { id, number } => {
            let result = source
                .block(number)
                .await
                .map(|b| serde_json::json!({ "number": b.number, "hash": hex(&b.hash) }));
            reply(id, result);
        }
        ToWorker::Hold { blocks } => {
            let _ = source.hold(&blocks.into_iter().map(at).collect::<Vec<_>>());
        }
        ToWorker::Unhold { blocks } => {
            source.unhold(&blocks.into_iter().map(at).collect::<Vec<_>>());
        }
        // Answered by `answer` before any source read.
        ToWorker::Submit { .. } => {}
    }
}

/// Sends `extrinsic` through smoldot-light and reports each step as [`FromWorker::Tx`]; the
/// result is its finalized block (number and hash, once the follow subscription has it, so the
/// page can read its events there) and index, or why it was not included.
async fn submit(
    chain: &light::Chain<BrowserPlatform>,
    id: u64,
    extrinsic: &[u8],
) -> Result<Value, String> {
    use light::TransactionEvent as E;
    let hex = |b: &[u8]| format!("0x{}", super::hex_lower(b));
    let step = |event: Value| post(&FromWorker::Tx { id, event });
    let inclusion = chain
        .submit_and_watch(extrinsic)
        .finalized(|event| match event {
            E::Validated => step(serde_json::json!({ "kind": "validated" })),
            E::Broadcasted { peers } => {
                step(serde_json::json!({ "kind": "broadcast", "peers": peers }))
            }
            E::BestChainBlockIncluded(Some(at)) => step(serde_json::json!({
                "kind": "in-block", "block": hex(&at.block), "index": at.index
            })),
            E::BestChainBlockIncluded(None) => step(serde_json::json!({ "kind": "retracted" })),
            _ => {}
        })
        .await
        .map_err(|e| e.to_string())?;
    let block = chain
        .until_finalized(inclusion.block)
        .await
        .map_err(|e| e.to_string())?;
    Ok(serde_json::json!({
        "block": hex(&block.hash), "number": block.number, "index": inclusion.index
    }))
}

fn request_id(request: &ToWorker) -> Option<u64> {
    match request {
        ToWorker::Submit { id, .. }
        | ToWorker::Storage { id, .. }
        | ToWorker::Prefix { id, .. }
        | ToWorker::Call { id, .. }
        | ToWorker::Block { id, .. } => Some(*id),
        ToWorker::Hold { .. } | ToWorker::Unhold { .. } => None,
    }
}

fn head(b: light::BlockRef) -> Head {
    Head {
        number: b.number,
        hash: b.hash,
    }
}

async fn run(spec: String, checkpoint: Option<String>, boot_nodes: Vec<String>) {
    mark("worker: start received");
    let client = light::Client::new(BrowserPlatform::new());
    let spec = match light::with_boot_nodes(&spec, &boot_nodes) {
        Ok(spec) => spec,
        Err(e) => return error(format!("chain spec rejected: {e}"), true),
    };
    let resume_key =
        super::resume::available().then(|| super::resume::key(&spec, checkpoint.as_deref()));
    let saved = match &resume_key {
        Some(key) => super::resume::load(key).await,
        None => None,
    };
    let point = match light::start::start_point(&spec, checkpoint.as_deref(), saved.as_deref()) {
        Ok(point) => point,
        Err(e) if checkpoint.is_some() => return error(format!("checkpoint: {e}"), true),
        Err(e) => return error(format!("chain spec rejected: {e}"), true),
    };
    let detail = match (point.number, point.resumed) {
        (Some(number), true) => format!(
            "smoldot-light from block #{number}, saved in this browser by an earlier visit that \
             verified it from the same {}: headers, GRANDPA finality and Merkle proofs checked \
             from its authority set on",
            if checkpoint.is_some() {
                "checkpoint"
            } else {
                "chain spec"
            }
        ),
        (Some(number), false) => format!(
            "smoldot-light from the checkpoint #{number}: headers, GRANDPA finality and Merkle \
             proofs checked from its authority set on"
        ),
        (None, _) => {
            "smoldot-light: headers, GRANDPA finality and Merkle proofs checked from the chain spec"
                .to_owned()
        }
    };
    mark("worker: start point chosen");
    let chain = match client.add_chain_at(&spec, &point.database) {
        Ok(chain) => chain,
        Err(e) => return error(format!("chain spec rejected: {e}"), true),
    };
    mark("worker: chain added");
    SOURCE.with(|c| {
        *c.borrow_mut() = Some(WorkerSource::Light(Rc::new(light::LightSource::new(
            chain.clone(),
        ))));
    });
    post(&FromWorker::Mode {
        provenance: Provenance::LightClient.id().into(),
        detail,
    });
    let name = serde_json::from_str::<Value>(&spec)
        .ok()
        .and_then(|v| v["name"].as_str().map(str::to_owned))
        .unwrap_or_default();
    post(&FromWorker::Started { chain: name });

    let health_chain = chain.clone();
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            match health_chain.health().await {
                Ok(h) => post(&FromWorker::Health {
                    peers: h.peers,
                    syncing: h.is_syncing,
                }),
                Err(e) => error(format!("system_health: {e}"), false),
            }
            sleep(HEALTH_PERIOD_MS).await;
        }
    });

    let Some(key) = hex_decode(TOTAL_NETWORKS_KEY) else {
        return error("internal: bad storage key".into(), true);
    };
    let reading = Rc::new(Cell::new(false));
    let saver = Rc::new(Saver {
        key: resume_key,
        block_number_bytes: point.block_number_bytes,
        start: point.number.unwrap_or(0),
        saving: Cell::new(false),
        last_ms: Cell::new(None),
        moved: Cell::new(false),
    });
    if point.resumed {
        wasm_bindgen_futures::spawn_local(saver.clone().watch_resumed(chain.clone()));
    }
    let mut events = chain.follow();
    while let Some(event) = events.next().await {
        let finalized = match event {
            Ok(FollowEvent::Initialized { finalized, runtime }) => {
                mark("worker: follow initialized");
                if let Some(light::Runtime::Valid {
                    spec_name,
                    spec_version,
                }) = runtime
                {
                    post(&FromWorker::Runtime {
                        spec_name,
                        spec_version,
                    });
                }
                Some(finalized)
            }
            Ok(FollowEvent::Finalized(b)) => Some(b),
            Ok(FollowEvent::NewBlock {
                new_runtime:
                    Some(light::Runtime::Valid {
                        spec_name,
                        spec_version,
                    }),
                ..
            }) => {
                post(&FromWorker::Runtime {
                    spec_name,
                    spec_version,
                });
                None
            }
            Ok(_) => None,
            Err(e) => {
                error(format!("follow: {e}"), false);
                None
            }
        };
        if let Some(heads) = chain.heads() {
            post(&FromWorker::Heads {
                best: head(heads.best),
                finalized: head(heads.finalized),
            });
        }
        if let Some(block) = finalized {
            saver.consider(&chain, block.number);
        }
        if let Some(block) = finalized.filter(|_| !reading.get()) {
            reading.set(true);
            let (chain, key, reading) = (chain.clone(), key.clone(), reading.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match chain.storage(&key).await {
                    Ok(value) => post(&FromWorker::Storage {
                        name: TOTAL_NETWORKS.into(),
                        block: block.number,
                        value,
                    }),
                    Err(e) => error(format!("{TOTAL_NETWORKS}: {e}"), false),
                }
                reading.set(false);
            });
        }
    }
}

/// How often the client's record is saved for the next visit, after the first save (which
/// comes as soon as finality moves past the start: a visitor who leaves early still resumes).
const SAVE_PERIOD_MS: f64 = 30_000.0;
/// Largest record asked for: subtensor's runtime code (1.7 MiB, about 2.3 MB in base64) fits
/// many times over.
const MAX_RECORD_BYTES: u64 = 32 << 20;

/// Saves smoldot-light's record of its finalized block in this browser (`super::resume`), now
/// and then, one save at a time.
struct Saver {
    /// Where the record goes; `None` without Cache Storage.
    key: Option<String>,
    block_number_bytes: usize,
    /// The block the client started at: a record of it would gain nothing.
    start: u64,
    saving: Cell<bool>,
    /// Worker time of the last save.
    last_ms: Cell<Option<f64>>,
    /// Whether finality has moved past the start.
    moved: Cell<bool>,
}

/// How long a client resumed from a saved block may have peers without finality moving past
/// that block before the record is taken for one the peers' chain does not continue.
const RESUMED_STALL_MS: i32 = 30_000;

impl Saver {
    /// For a client resumed from a saved block: when, with peers, finality has not moved past it
    /// in [`RESUMED_STALL_MS`], the peers follow another history (a devnet restarted with the
    /// same genesis and spec). The record is deleted and the page told to reload, which starts
    /// from the spec's checkpoint or genesis.
    async fn watch_resumed(self: Rc<Self>, chain: light::Chain<BrowserPlatform>) {
        sleep(RESUMED_STALL_MS).await;
        let peers = chain.health().await.map(|h| h.peers).unwrap_or(0);
        if self.moved.get() || peers == 0 {
            return;
        }
        if let Some(key) = &self.key {
            super::resume::forget(key).await;
        }
        error(
            format!(
                "this page resumed from block #{} saved by an earlier visit, and its {peers} \
                 peer(s) have not finalized past it in {} s: their chain may not contain it (a \
                 restarted devnet). The saved block is deleted; reload to start from the \
                 checkpoint or the chain spec's genesis.",
                self.start,
                RESUMED_STALL_MS / 1000,
            ),
            false,
        );
    }

    fn consider(self: &Rc<Self>, chain: &light::Chain<BrowserPlatform>, finalized: u64) {
        if finalized > self.start {
            self.moved.set(true);
        }
        let now = js_sys::Date::now();
        let due = self.last_ms.get().is_none_or(|t| now - t >= SAVE_PERIOD_MS);
        let Some(key) = self.key.clone() else { return };
        if self.saving.get() || !due || finalized <= self.start {
            return;
        }
        self.saving.set(true);
        let (me, chain) = (self.clone(), chain.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let saved = async {
                let record = chain
                    .finalized_database(MAX_RECORD_BYTES)
                    .await
                    .map_err(|e| e.to_string())?;
                let number = light::start::record_number(&record, me.block_number_bytes)
                    .ok_or("smoldot's record does not decode")?;
                super::resume::save(&key, &record).await?;
                Ok::<u64, String>(number)
            };
            match saved.await {
                Ok(number) => post(&FromWorker::Saved { number }),
                // Not fatal, nor worth a retry storm: the next visit starts from the checkpoint.
                Err(e) => error(
                    format!("saving the finalized block for the next visit: {e}"),
                    false,
                ),
            }
            me.last_ms.set(Some(js_sys::Date::now()));
            me.saving.set(false);
        });
    }
}

/// Reads a JSON-RPC endpoint: `{"endpoints": [...], "checkpoint": "<checkpoint JSON>"}`
/// verified from that checkpoint, or `{"endpoints": [...], "trusted": true}` believed.
async fn run_rpc(rpc: Value) {
    let endpoints = strings(&rpc["endpoints"]);
    if endpoints.is_empty() {
        return error("no JSON-RPC endpoint given".into(), true);
    }
    let transport = BrowserWs::new(endpoints.clone());
    let names = endpoints.join(", ");
    if rpc["trusted"].as_bool() == Some(true) {
        let source = Rc::new(TrustedRpc::new(transport));
        SOURCE.with(|c| *c.borrow_mut() = Some(WorkerSource::Trusted(source.clone())));
        post(&FromWorker::Started {
            chain: format!("trusted RPC · {names}"),
        });
        post(&FromWorker::Mode {
            provenance: Provenance::TrustedRpc.id().into(),
            detail: format!("not verified: believed as {names} answers"),
        });
        loop {
            match source.finalized().await {
                Ok(b) => on_rpc_head(&*source, b).await,
                Err(e) => rpc_down(e.to_string()),
            }
            sleep(RPC_SYNC_PERIOD_MS).await;
        }
    }
    let checkpoint = match Checkpoint::from_json(rpc["checkpoint"].as_str().unwrap_or_default()) {
        Ok(c) => c,
        Err(e) => return error(format!("checkpoint: {e}"), true),
    };
    let source = match VerifiedRpc::new(transport, &checkpoint, Config::for_checkpoint(&checkpoint))
    {
        Ok(s) => Rc::new(s),
        Err(e) => return error(format!("checkpoint: {e}"), true),
    };
    SOURCE.with(|c| *c.borrow_mut() = Some(WorkerSource::Verified(source.clone())));
    post(&FromWorker::Started {
        chain: format!("verified RPC · {names}"),
    });
    loop {
        match source.sync().await {
            Ok(head) => {
                let detail = match head.steps.last() {
                    Some(Step::Justified { number, set_id, .. }) => format!(
                        "#{number} proven final by a GRANDPA justification of set {set_id}, \
                         {} justification(s) from the checkpoint #{}; endpoint {} (its finalized \
                         head #{}); every value by a read proof",
                        head.steps.len() - 1,
                        checkpoint_number(&head.steps),
                        head.endpoint,
                        head.endpoint_finalized
                    ),
                    _ => format!(
                        "the checkpoint #{}: {} has served no newer justification yet",
                        head.block.number, head.endpoint
                    ),
                };
                // An endpoint left for serving data that failed a check is said, every time.
                let detail = if head.distrusted.is_empty() {
                    detail
                } else {
                    format!(
                        "{detail}. Left for this session: {}",
                        head.distrusted.join("; ")
                    )
                };
                post(&FromWorker::Mode {
                    provenance: Provenance::VerifiedRpc.id().into(),
                    detail,
                });
                let block = BlockRef {
                    number: head.block.number,
                    hash: head.block.hash,
                };
                on_rpc_head(&*source, block).await;
            }
            // Nothing the endpoint served is shown; what was proven stays.
            Err(e) => rpc_down(e.to_string()),
        }
        sleep(RPC_SYNC_PERIOD_MS).await;
    }
}

fn checkpoint_number(steps: &[Step]) -> u64 {
    match steps.first() {
        Some(Step::Checkpoint { number, .. }) => *number,
        _ => 0,
    }
}

fn rpc_down(message: String) {
    post(&FromWorker::Health {
        peers: 0,
        syncing: false,
    });
    error(message, false);
}

/// The panel's figures at a new head of an RPC source: heads, the runtime, the subnet count.
async fn on_rpc_head<S: Source>(source: &S, block: BlockRef) {
    let h = head(light::BlockRef {
        number: block.number,
        hash: block.hash,
    });
    post(&FromWorker::Health {
        peers: 1,
        syncing: false,
    });
    post(&FromWorker::Heads {
        best: h,
        finalized: h,
    });
    if let Ok(version) = source.call(&block, "Core_version", &[]).await
        && let Ok((spec_name, spec_version, _)) = chain::view::decode_version(&version)
    {
        post(&FromWorker::Runtime {
            spec_name,
            spec_version,
        });
    }
    let Some(key) = hex_decode(TOTAL_NETWORKS_KEY) else {
        return;
    };
    match source.storage(&block, &[key]).await {
        Ok(mut values) => post(&FromWorker::Storage {
            name: TOTAL_NETWORKS.into(),
            block: block.number,
            value: values.pop().flatten(),
        }),
        Err(e) => error(format!("{TOTAL_NETWORKS}: {e}"), false),
    }
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    super::from_hex(&format!("0x{text}"))
}
