//! A minimal browser (or Web Worker) embedding of the light client: a `Light` class for JS
//! with `follow(callback)`, `health()` and `storage(keyHex)`. Built as a cdylib, it measures
//! what the client costs in wasm and drives a manual check in Chromium against a devnode:
//!
//! ```text
//! cargo build -p light --example browser --target wasm32-unknown-unknown \
//!     --no-default-features --features web --profile wasm-release
//! wasm-bindgen --target web --out-dir pkg target/wasm32-unknown-unknown/wasm-release/examples/browser.wasm
//! ```
//!
//! Left out: a UI (the dashboard is the Leptos app in `web/`) and a Web Worker wrapper.

use light::{BrowserPlatform, Chain, Client, LogLevel};
use wasm_bindgen::prelude::*;

/// One chain followed by a light client in this page.
#[wasm_bindgen]
pub struct Light {
    chain: Chain<BrowserPlatform>,
}

#[wasm_bindgen]
impl Light {
    /// Adds the chain from its JSON spec; throws a readable error for a bad spec. With
    /// `verbose`, smoldot's debug lines go to the console.
    #[wasm_bindgen(constructor)]
    pub fn new(spec: &str, verbose: bool) -> Result<Light, JsError> {
        let platform = if verbose {
            BrowserPlatform::with_log_level(LogLevel::Debug)
        } else {
            BrowserPlatform::new()
        };
        let client = Client::new(platform);
        let chain = client
            .add_chain(spec)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Light { chain })
    }

    /// Calls `on_event` with a text line for every follow event.
    pub fn follow(&self, on_event: js_sys::Function) {
        let mut events = self.chain.follow();
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(event) = events.next().await {
                let line = match event {
                    Ok(event) => format!("{event:?}"),
                    Err(error) => format!("error: {error}"),
                };
                let _ = on_event.call1(&JsValue::NULL, &JsValue::from_str(&line));
            }
        });
    }

    /// `system_health` as `{peers, isSyncing}`.
    pub fn health(&self) -> js_sys::Promise {
        let chain = self.chain.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let health = chain
                .health()
                .await
                .map_err(|e| JsError::new(&e.to_string()))?;
            let object = js_sys::Object::new();
            js_sys::Reflect::set(&object, &"peers".into(), &(health.peers as f64).into())?;
            js_sys::Reflect::set(&object, &"isSyncing".into(), &health.is_syncing.into())?;
            Ok(object.into())
        })
    }

    /// The verified value at `key_hex` (0x-prefixed) in the finalized block, as hex or null.
    pub fn storage(&self, key_hex: String) -> js_sys::Promise {
        let chain = self.chain.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let key = hex::decode(key_hex.trim_start_matches("0x"))
                .map_err(|e| JsError::new(&format!("key: {e}")))?;
            let value = chain
                .storage(&key)
                .await
                .map_err(|e| JsError::new(&e.to_string()))?;
            Ok(value
                .map(|v| JsValue::from_str(&format!("0x{}", hex::encode(v))))
                .unwrap_or(JsValue::NULL))
        })
    }
}
