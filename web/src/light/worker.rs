//! The light-client worker: smoldot-light (through `light`'s typed client on its browser
//! platform) syncing the chain named by the spec the page sends, reporting heads, peers, the
//! runtime and one verified SubtensorModule value back as [`FromWorker`] messages, and
//! answering the page's verified reads ([`ToWorker`]) at the blocks it keeps.
//!
//! Runs in a dedicated Web Worker (Trunk builds `bin/light_worker.rs` with a loader shim), so
//! runtime compilation and proof checks never block the page.

use std::cell::Cell;
use std::rc::Rc;

use light::{BrowserPlatform, FollowEvent};
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::{FromWorker, Head, TOTAL_NETWORKS, TOTAL_NETWORKS_KEY, ToWorker};

thread_local! {
    /// The chain being followed, once the spec is accepted; requests read through it.
    static CHAIN: std::cell::RefCell<Option<light::Chain<BrowserPlatform>>> =
        const { std::cell::RefCell::new(None) };
}

/// How often peers and sync status are polled.
const HEALTH_PERIOD_MS: i32 = 1000;

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
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
            match (message["type"].as_str(), message["spec"].as_str()) {
                (Some("start"), Some(spec)) if !started.get() => {
                    started.set(true);
                    wasm_bindgen_futures::spawn_local(run(spec.to_owned()));
                }
                (Some("start"), Some(_)) => error("the client is already running".into(), false),
                _ => error(
                    format!("unexpected message from the page: {text:.80}"),
                    false,
                ),
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromWorker::Ready);
}

/// Answers one request of the page through the followed chain.
async fn answer(request: ToWorker) {
    let Some(chain) = CHAIN.with(|c| c.borrow().clone()) else {
        if let Some(id) = request_id(&request) {
            post(&FromWorker::Reply {
                id,
                result: Err("the light client has not started yet".into()),
                unavailable: false,
            });
        }
        return;
    };
    let hex = |b: &[u8]| format!("0x{}", super::hex_lower(b));
    let reply = |id: u64, result: Result<Value, light::LightError>| {
        let unavailable = matches!(result, Err(light::LightError::BlockNotPinned { .. }));
        post(&FromWorker::Reply {
            id,
            result: result.map_err(|e| e.to_string()),
            unavailable,
        });
    };
    match request {
        ToWorker::Storage { id, block, keys } => {
            let result = chain.storage_at(Some(block), &keys).await.map(|values| {
                let values: Vec<Value> = values
                    .iter()
                    .map(|v| v.as_deref().map_or(Value::Null, |v| hex(v).into()))
                    .collect();
                serde_json::json!({ "values": values })
            });
            reply(id, result);
        }
        ToWorker::Prefix { id, block, prefix } => {
            let result = chain
                .storage_prefix_at(Some(block), &prefix)
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
            let result = chain
                .call_at(Some(block), &function, &params)
                .await
                .map(|out| serde_json::json!({ "output": hex(&out) }));
            reply(id, result);
        }
        ToWorker::Block { id, number } => match chain.retained_block(number) {
            Some(b) => post(&FromWorker::Reply {
                id,
                result: Ok(serde_json::json!({ "number": b.number, "hash": hex(&b.hash) })),
                unavailable: false,
            }),
            None => post(&FromWorker::Reply {
                id,
                result: Err(format!(
                    "block #{number} is not among the {} finalized blocks the light client keeps",
                    light::RETAINED_FINALIZED
                )),
                unavailable: true,
            }),
        },
        ToWorker::Hold { blocks } => {
            for b in blocks {
                chain.hold(b);
            }
        }
        ToWorker::Unhold { blocks } => {
            for b in blocks {
                chain.unhold(b);
            }
        }
    }
}

fn request_id(request: &ToWorker) -> Option<u64> {
    match request {
        ToWorker::Storage { id, .. }
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

async fn run(spec: String) {
    let client = light::Client::new(BrowserPlatform::new());
    let chain = match client.add_chain(&spec) {
        Ok(chain) => chain,
        Err(e) => return error(format!("chain spec rejected: {e}"), true),
    };
    CHAIN.with(|c| *c.borrow_mut() = Some(chain.clone()));
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
    let mut events = chain.follow();
    while let Some(event) = events.next().await {
        let finalized = match event {
            Ok(FollowEvent::Initialized { finalized, runtime }) => {
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

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    super::from_hex(&format!("0x{text}"))
}
