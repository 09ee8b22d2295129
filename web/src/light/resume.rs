//! Where the worker keeps smoldot-light's record of its last finalized block between visits
//! (issue #12, goal 3): the browser's Cache Storage, from the worker itself (no `localStorage`
//! there, and a record with the runtime code is megabytes the page's thread should never
//! copy).
//!
//! A record is keyed by the blake2 hash of the chain spec and the checkpoint the client
//! started from, so that only a run of the very same start resumes from it: a devnode
//! restarted with the same genesis and another history writes another checkpoint, and its
//! visitors never resume at a block that chain does not have. The record itself is checked
//! again before use (`light::start::start_point`), and anything wrong with it means a start
//! from the checkpoint, as on a first visit.
//!
//! The cache's name does not start with `taoscope-`: a release's service worker clears those
//! when a new release installs, and a new release does not make a saved block less verified.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Cache Storage name.
const CACHE: &str = "light-resume";

/// The record's key for a start from `spec` and `checkpoint`: a URL, as Cache Storage wants
/// one; never fetched.
pub fn key(spec: &str, checkpoint: Option<&str>) -> String {
    let mut both = spec.as_bytes().to_vec();
    both.push(0);
    both.extend_from_slice(checkpoint.unwrap_or_default().as_bytes());
    let hash = chain::codec::blake2(32, &both);
    format!(
        "https://resume.taoscope.invalid/{}",
        super::hex_lower(&hash)
    )
}

/// Whether this worker has Cache Storage: only a secure context does (https, or a page on
/// `127.0.0.1`/`localhost`); elsewhere every visit starts from the checkpoint, without a word.
pub fn available() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"caches".into())
        .is_ok_and(|caches| !caches.is_undefined() && !caches.is_null())
}

async fn open() -> Result<web_sys::Cache, String> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let caches = scope
        .caches()
        .map_err(|e| format!("no Cache Storage here: {e:?}"))?;
    JsFuture::from(caches.open(CACHE))
        .await
        .map(JsCast::unchecked_into)
        .map_err(|e| format!("Cache Storage refused to open: {e:?}"))
}

/// The record saved under `key`, if any (and if Cache Storage is there: a page that is not a
/// secure context has none, and starts from the checkpoint every time).
pub async fn load(key: &str) -> Option<String> {
    let cache = open().await.ok()?;
    let found = JsFuture::from(cache.match_with_str(key)).await.ok()?;
    let response: web_sys::Response = found.dyn_into().ok()?;
    let text = JsFuture::from(response.text().ok()?).await.ok()?;
    text.as_string()
}

/// Deletes the record under `key` (one the chain's peers do not continue).
pub async fn forget(key: &str) {
    if let Ok(cache) = open().await {
        let _ = JsFuture::from(cache.delete_with_str(key)).await;
    }
}

/// Saves `record` under `key`, replacing the one there.
pub async fn save(key: &str, record: &str) -> Result<(), String> {
    let cache = open().await?;
    let response = web_sys::Response::new_with_opt_str(Some(record))
        .map_err(|e| format!("cannot wrap the record: {e:?}"))?;
    JsFuture::from(cache.put_with_str(key, &response))
        .await
        .map(|_| ())
        .map_err(|e| format!("Cache Storage refused the record: {e:?}"))
}
