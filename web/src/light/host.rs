//! The page's side of the light client: starts the worker, hands it the chain spec, and folds
//! its messages into a [`SyncState`] signal. A worker that fails to load or posts garbage
//! becomes an error on screen, never a silently frozen panel.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::{FromWorker, SyncState};
use crate::engine::now_ms;

/// The running worker and the state it feeds; shared through context so the panel survives
/// route changes without restarting the client.
#[derive(Clone, Copy)]
pub struct LightCtx {
    /// What the panel shows.
    pub state: RwSignal<SyncState>,
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

/// What the page waits for before starting the client.
#[derive(Default)]
struct Handshake {
    ready: bool,
    spec: Option<String>,
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
    let Some(spec) = h.spec.take() else {
        return;
    };
    let message = serde_json::json!({ "type": "start", "spec": spec });
    if let Err(e) = worker.post_message(&JsValue::from_str(&message.to_string())) {
        fail(state, format!("cannot reach the worker: {e:?}"));
    }
}

impl LightCtx {
    /// Starts the worker at `worker_url` with the chain spec fetched from `spec_url`, once per
    /// page load; later calls return the running one.
    pub fn start(worker_url: &str, spec_url: &str) -> Self {
        if let Some(ctx) = use_context::<LightCtx>() {
            return ctx;
        }
        let ctx = LightCtx {
            state: RwSignal::new(SyncState::default()),
        };
        provide_context(ctx);
        let state = ctx.state;
        let worker = match web_sys::Worker::new(worker_url) {
            Ok(w) => w,
            Err(e) => {
                fail(
                    state,
                    format!("cannot start the light-client worker: {e:?}"),
                );
                return ctx;
            }
        };
        // The spec goes out once both the worker is ready and the spec is fetched, whichever
        // comes last.
        let handshake = Rc::new(RefCell::new(Handshake::default()));
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new({
            let (worker, handshake) = (worker.clone(), handshake.clone());
            move |event: web_sys::MessageEvent| {
                let text = event.data().as_string().unwrap_or_default();
                match FromWorker::decode(&text) {
                    Ok(FromWorker::Ready) => {
                        handshake.borrow_mut().ready = true;
                        send_spec(&worker, &handshake, state);
                    }
                    Ok(message) => state.update(|s| s.apply(message, now_ms())),
                    Err(e) => state.update(|s| s.error = Some(e.to_string())),
                }
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
            fail(
                state,
                "the light-client worker crashed or failed to load".into(),
            );
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();

        // The page keeps its worker for its whole life; no handle owns it otherwise.
        std::mem::forget(worker.clone());
        let spec_url = spec_url.to_owned();
        wasm_bindgen_futures::spawn_local(async move {
            match crate::api::fetch_text(&spec_url).await {
                Ok(spec) => {
                    handshake.borrow_mut().spec = Some(spec);
                    send_spec(&worker, &handshake, state);
                }
                Err(e) => fail(state, format!("chain spec {spec_url}: {e}")),
            }
        });
        ctx
    }
}
