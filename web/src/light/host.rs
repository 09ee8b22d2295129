//! The page's side of the light client: starts the worker, hands it the chain spec (or the RPC
//! endpoints and checkpoint, [`WorkerStart`]), folds its messages into a [`SyncState`]
//! signal, and sends it read requests ([`LightCtx::request`]),
//! matching each reply to its request by id. A worker that fails to load or posts garbage
//! becomes an error on screen, never a silently frozen panel, and fails the requests waiting.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use leptos::prelude::*;
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::{FromWorker, SyncState, ToWorker};
use crate::engine::now_ms;

/// In a release folder (`cargo xtask dist`) the page carries the worker's boot script
/// (`#taoscope-worker-boot`), which fetches the worker's script and wasm held to their
/// integrity; the worker starts from it as a blob, so nothing the worker runs escapes the check
/// (a `Worker` URL cannot carry an integrity of its own). `None` in a development build, whose
/// worker starts from Trunk's loader.
fn release_worker_url() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let boot = document
        .get_element_by_id("taoscope-worker-boot")?
        .text_content()?;
    // A blob worker resolves nothing against the page: it gets the page's base explicitly.
    let base = document.base_uri().ok().flatten()?;
    let base = serde_json::to_string(&base).ok()?;
    let text = format!("const TAOSCOPE_BASE = {base};\n{boot}");
    let parts = js_sys::Array::of1(&JsValue::from_str(&text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// What the worker posted before the app took it over: a message's text, or a load error.
enum Early {
    Message(String),
    Error(String),
}

/// The worker `index.html` started before the app loaded (`window.taoscopeEarlyWorker`: the
/// worker and what it posted meanwhile), taken so that nothing else adopts it; `None` when the
/// page started none (the lab, a snapshot) or it was taken already.
fn early_worker() -> Option<(web_sys::Worker, Vec<Early>)> {
    let window = web_sys::window()?;
    let key = JsValue::from_str(super::EARLY_WORKER_GLOBAL);
    let early = js_sys::Reflect::get(&window, &key).ok()?;
    if early.is_undefined() || early.is_null() {
        return None;
    }
    let _ = js_sys::Reflect::delete_property(&window, &key);
    let worker: web_sys::Worker = js_sys::Reflect::get(&early, &"worker".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let posted: js_sys::Array = js_sys::Reflect::get(&early, &"early".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let field = |item: &JsValue, name: &str| {
        js_sys::Reflect::get(item, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let posted = posted
        .iter()
        .filter_map(|item| match (field(&item, "data"), field(&item, "error")) {
            (Some(text), _) => Some(Early::Message(text)),
            (None, Some(error)) => Some(Early::Error(error)),
            (None, None) => None,
        })
        .collect();
    Some((worker, posted))
}

/// A request's answer: the result, or the error and whether it is a block no longer kept.
pub type Answer = Result<Value, (String, bool)>;

/// What a sent transaction's steps are handed to.
type OnStep = Box<dyn Fn(Value)>;

/// Requests sent to the worker and not yet answered.
#[derive(Default)]
struct Pending {
    next_id: Cell<u64>,
    waiting: RefCell<HashMap<u64, oneshot::Sender<Answer>>>,
    /// Sent transactions' step handlers, until their reply.
    watching: RefCell<HashMap<u64, OnStep>>,
}

/// The worker and its waiting requests: browser objects, kept in the page's thread.
struct Link {
    worker: Option<web_sys::Worker>,
    pending: Rc<Pending>,
}

/// The running worker and the state it feeds; shared through context so the panel survives
/// route changes without restarting the client.
#[derive(Clone, Copy)]
pub struct LightCtx {
    /// What the panel shows.
    pub state: RwSignal<SyncState>,
    /// Requests in flight, for the progress indicator.
    pub in_flight: RwSignal<u32>,
    /// How the worker reads the chain, for every figure's badge.
    pub provenance: chain::Provenance,
    link: StoredValue<Link, LocalStorage>,
}

fn fail(state: RwSignal<SyncState>, message: String) {
    state.update(|s| {
        s.apply(
            FromWorker::Error {
                message,
                fatal: true,
            },
            now_ms(),
        )
    });
}

/// What the worker reads through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkerStart {
    /// smoldot-light on the chain spec at `spec_url`, from the checkpoint at `checkpoint_url`
    /// when there is one.
    Spec {
        /// Same-origin URL of the chain spec.
        spec_url: String,
        /// Same-origin URL of a checkpoint JSON.
        checkpoint_url: Option<String>,
        /// Boot nodes replacing the spec's (empty: the spec's own).
        boot_nodes: Vec<String>,
        /// A light spec and a checkpoint of the same chain to start from instead, when both
        /// can be fetched (the default devnet's, see `DEFAULT_LIGHT_SPEC_PATH`).
        quick_start: Option<(String, String)>,
    },
    /// A JSON-RPC endpoint (failover in order), verified from the checkpoint at this URL.
    Verified {
        /// `wss://…` (or `ws://127.0.0.1…` from a local page).
        endpoints: Vec<String>,
        /// Same-origin URL of the checkpoint JSON.
        checkpoint_url: String,
    },
    /// A JSON-RPC endpoint, believed.
    Trusted(Vec<String>),
}

/// The light spec and checkpoint at these URLs, when both are served and the checkpoint names
/// the light spec's chain (same genesis hash: a pair from another run is not used). `None`
/// otherwise, and the start falls back to the full spec.
async fn quick_start(light_url: &str, checkpoint_url: &str) -> Option<(String, String)> {
    // Side by side: two small files, one round trip (or none: `index.html` asked already).
    let (spec, checkpoint) =
        futures_util::future::join(quick_text(light_url), quick_text(checkpoint_url)).await;
    let (spec, checkpoint) = (spec?, checkpoint?);
    same_chain(&spec, &checkpoint).then_some((spec, checkpoint))
}

/// The text at `url`: what `index.html` already fetched for it before the app loaded
/// (`window.taoscopeEarlyFetch`, absolute URL → promise of the text or null), else fetched now.
async fn quick_text(url: &str) -> Option<String> {
    let early = web_sys::window().and_then(|window| {
        let map = js_sys::Reflect::get(&window, &super::EARLY_FETCH_GLOBAL.into()).ok()?;
        let base = window.document()?.base_uri().ok()??;
        let absolute = web_sys::Url::new_with_base(url, &base).ok()?.href();
        let promise = js_sys::Reflect::get(&map, &absolute.into()).ok()?;
        promise.dyn_into::<js_sys::Promise>().ok()
    });
    match early {
        Some(promise) => wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()?
            .as_string(),
        None => crate::api::fetch_text(url).await.ok(),
    }
}

/// Whether the checkpoint's `genesisHash` is the hash of the genesis header whose state root
/// the light spec gives (`genesis.stateRootHash`): the header is the zero parent, number 0,
/// that root, the empty extrinsics trie and no digest. Computed here with the app's own
/// blake2 rather than through the light client's spec parser, which the page does not carry.
fn same_chain(light_spec: &str, checkpoint: &str) -> bool {
    /// Merkle value of an empty trie: blake2-256 of the empty node `0x00`.
    const EMPTY_TRIE_ROOT: &str =
        "0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314";
    let hex_of = |v: &Value| {
        v.as_str()
            .and_then(|s| chain::hexser::parse(s).ok())
            .filter(|b| b.len() == 32)
    };
    let (Ok(spec), Ok(checkpoint)) = (
        serde_json::from_str::<Value>(light_spec),
        serde_json::from_str::<Value>(checkpoint),
    ) else {
        return false;
    };
    let (Some(root), Some(genesis), Ok(empty)) = (
        hex_of(&spec["genesis"]["stateRootHash"]),
        hex_of(&checkpoint["genesisHash"]),
        chain::hexser::parse(EMPTY_TRIE_ROOT),
    ) else {
        return false;
    };
    let mut header = vec![0u8; 32];
    header.push(0); // compact number 0
    header.extend_from_slice(&root);
    header.extend_from_slice(&empty);
    header.push(0); // no digest items
    chain::codec::blake2(32, &header) == genesis
}

/// What the page waits for before starting the client.
#[derive(Default)]
struct Handshake {
    ready: bool,
    /// The `start` message, once its file (spec or checkpoint) is fetched.
    start: Option<String>,
}

fn send_spec(
    worker: &web_sys::Worker,
    handshake: &Rc<RefCell<Handshake>>,
    state: RwSignal<SyncState>,
) {
    let mut h = handshake.borrow_mut();
    if !h.ready {
        return;
    }
    let Some(message) = h.start.take() else {
        return;
    };
    if let Err(e) = worker.post_message(&JsValue::from_str(&message)) {
        fail(state, format!("cannot reach the worker: {e:?}"));
    }
}

impl LightCtx {
    /// Sends a read to the worker and waits for its reply.
    pub async fn request(&self, make: impl FnOnce(u64) -> ToWorker) -> Answer {
        self.request_watching(make, None).await
    }

    /// Sends a signed extrinsic; `on_step` sees each step (validated, broadcast, in a block)
    /// until the reply: its finalized block, or why it was not included.
    pub async fn submit(&self, extrinsic: Vec<u8>, on_step: impl Fn(Value) + 'static) -> Answer {
        self.request_watching(
            move |id| ToWorker::Submit { id, extrinsic },
            Some(Box::new(on_step)),
        )
        .await
    }

    async fn request_watching(
        &self,
        make: impl FnOnce(u64) -> ToWorker,
        on_step: Option<OnStep>,
    ) -> Answer {
        let (worker, pending) = self
            .link
            .with_value(|l| (l.worker.clone(), l.pending.clone()));
        let Some(worker) = worker else {
            return Err(("the light-client worker did not start".into(), false));
        };
        let id = pending.next_id.get() + 1;
        pending.next_id.set(id);
        let (tx, rx) = oneshot::channel();
        pending.waiting.borrow_mut().insert(id, tx);
        if let Some(on_step) = on_step {
            pending.watching.borrow_mut().insert(id, on_step);
        }
        if let Err(e) = worker.post_message(&JsValue::from_str(&make(id).encode())) {
            pending.waiting.borrow_mut().remove(&id);
            pending.watching.borrow_mut().remove(&id);
            return Err((format!("cannot reach the worker: {e:?}"), false));
        }
        self.in_flight.update(|n| *n += 1);
        let answer = rx
            .await
            .unwrap_or_else(|_| Err(("the light-client worker stopped".into(), false)));
        self.in_flight.update(|n| *n = n.saturating_sub(1));
        answer
    }

    /// Sends a message that has no reply (holds).
    pub fn tell(&self, message: &ToWorker) {
        self.link.with_value(|l| {
            if let Some(worker) = &l.worker {
                // A lost hold only makes a later read fail as unavailable, which it reports.
                let _ = worker.post_message(&JsValue::from_str(&message.encode()));
            }
        });
    }

    /// Starts the worker at `worker_url` reading through `start` (its spec or checkpoint
    /// fetched first), once per page load; later calls return the running one.
    pub fn start(worker_url: &str, start: WorkerStart) -> Self {
        if let Some(ctx) = use_context::<LightCtx>() {
            return ctx;
        }
        let state = RwSignal::new(SyncState::default());
        let pending = Rc::new(Pending::default());
        let provenance = match &start {
            WorkerStart::Spec { .. } => chain::Provenance::LightClient,
            WorkerStart::Verified { .. } => chain::Provenance::VerifiedRpc,
            WorkerStart::Trusted(_) => chain::Provenance::TrustedRpc,
        };
        let (worker, posted) = match early_worker() {
            Some((worker, posted)) => (Ok(worker), posted),
            None => (
                release_worker_url().map_or_else(
                    || web_sys::Worker::new(worker_url),
                    |u| web_sys::Worker::new(&u),
                ),
                Vec::new(),
            ),
        };
        let worker = match worker {
            Ok(w) => w,
            Err(e) => {
                fail(
                    state,
                    format!("cannot start the light-client worker: {e:?}"),
                );
                let ctx = LightCtx {
                    state,
                    in_flight: RwSignal::new(0),
                    provenance,
                    link: StoredValue::new_local(Link {
                        worker: None,
                        pending,
                    }),
                };
                provide_context(ctx);
                return ctx;
            }
        };
        let ctx = LightCtx {
            state,
            in_flight: RwSignal::new(0),
            provenance,
            link: StoredValue::new_local(Link {
                worker: Some(worker.clone()),
                pending: pending.clone(),
            }),
        };
        provide_context(ctx);
        // The spec goes out once both the worker is ready and the spec is fetched, whichever
        // comes last.
        let handshake = Rc::new(RefCell::new(Handshake::default()));
        let on_text = Rc::new({
            let (worker, handshake, pending) = (worker.clone(), handshake.clone(), pending.clone());
            move |text: String| match FromWorker::decode(&text) {
                Ok(FromWorker::Ready) => {
                    handshake.borrow_mut().ready = true;
                    send_spec(&worker, &handshake, state);
                }
                Ok(FromWorker::Reply {
                    id,
                    result,
                    unavailable,
                }) => {
                    pending.watching.borrow_mut().remove(&id);
                    if let Some(tx) = pending.waiting.borrow_mut().remove(&id) {
                        let _ = tx.send(result.map_err(|e| (e, unavailable)));
                    }
                }
                Ok(FromWorker::Tx { id, event }) => {
                    if let Some(on_step) = pending.watching.borrow().get(&id) {
                        on_step(event);
                    }
                }
                Ok(message) => state.update(|s| s.apply(message, now_ms())),
                Err(e) => state.update(|s| s.error = Some(e.to_string())),
            }
        });
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new({
            let on_text = on_text.clone();
            move |event: web_sys::MessageEvent| {
                on_text(event.data().as_string().unwrap_or_default());
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_failure = Rc::new({
            let pending = pending.clone();
            move |message: String| {
                let why = if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                };
                fail(
                    state,
                    format!("the light-client worker crashed or failed to load{why}"),
                );
                // Nobody will answer what is waiting.
                pending.waiting.borrow_mut().clear();
                pending.watching.borrow_mut().clear();
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new({
            let on_failure = on_failure.clone();
            move |event: web_sys::Event| {
                // A release's boot script reports a refused file through this event.
                on_failure(
                    event
                        .dyn_ref::<web_sys::ErrorEvent>()
                        .map(|e| e.message())
                        .unwrap_or_default(),
                );
            }
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        // What an early worker posted before the page took it over, in order.
        for item in posted {
            match item {
                Early::Message(text) => on_text(text),
                Early::Error(message) => on_failure(message),
            }
        }

        // The page keeps its worker for its whole life; no handle owns it otherwise.
        std::mem::forget(worker.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let message = match start {
                WorkerStart::Spec {
                    quick_start: Some((light_url, checkpoint_url)),
                    boot_nodes,
                    ..
                } if let Some((spec, checkpoint)) =
                    quick_start(&light_url, &checkpoint_url).await =>
                {
                    Ok(
                        serde_json::json!({ "type": "start", "spec": spec, "checkpoint": checkpoint,
                                           "bootNodes": boot_nodes }),
                    )
                }
                WorkerStart::Spec {
                    spec_url,
                    checkpoint_url,
                    boot_nodes,
                    ..
                } => match crate::api::fetch_text(&spec_url).await {
                    Err(e) => Err(format!("chain spec {spec_url}: {e}")),
                    Ok(spec) => {
                        let start = serde_json::json!({ "type": "start", "spec": spec,
                                                        "bootNodes": boot_nodes });
                        match checkpoint_url {
                            None => Ok(start),
                            Some(url) => crate::api::fetch_text(&url)
                                .await
                                .map(|checkpoint| {
                                    let mut start = start;
                                    start["checkpoint"] = checkpoint.into();
                                    start
                                })
                                .map_err(|e| format!("checkpoint {url}: {e}")),
                        }
                    }
                },
                WorkerStart::Verified {
                    endpoints,
                    checkpoint_url,
                } => crate::api::fetch_text(&checkpoint_url)
                    .await
                    .map(|checkpoint| {
                        serde_json::json!({ "type": "start", "rpc": {
                            "endpoints": endpoints, "checkpoint": checkpoint } })
                    })
                    .map_err(|e| format!("checkpoint {checkpoint_url}: {e}")),
                WorkerStart::Trusted(endpoints) => {
                    Ok(serde_json::json!({ "type": "start", "rpc": {
                    "endpoints": endpoints, "trusted": true } }))
                }
            };
            match message {
                Ok(message) => {
                    handshake.borrow_mut().start = Some(message.to_string());
                    send_spec(&worker, &handshake, state);
                }
                Err(e) => fail(state, e),
            }
        });
        ctx
    }
}
