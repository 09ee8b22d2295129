//! Where the dashboard's numbers come from: the page's `chain::Source`, and the context the
//! pages read it through.
//!
//! The model (`chain`) runs here, in the page. Its source is either the light client in the
//! Web Worker ([`PageSource::Worker`]: every read a request the worker answers with values it
//! verified) or a snapshot file ([`PageSource::Snapshot`]: recorded earlier, labelled as such,
//! nothing re-verified). `?snapshot=FILE` in the address (relative to the app) picks a snapshot;
//! the default is the light client on the devnet's chain spec. [`Dash`] is provided once; the
//! worker starts the first time a page needs chain data, so the lab never loads it.
//!
//! Pages read at the latest finalized block through [`Dash::view`] and keep what they read:
//! they refresh when asked, or every [`REFRESH_BLOCKS`] blocks while following the chain.

use std::rc::Rc;

use chain::snapshot::Snapshot;
use chain::{BlockRef, ChainError, MetadataCache, Provenance, Source, SourceError, View};
use leptos::prelude::*;

use crate::BasePath;

/// Live pages re-read their data after this many finalized blocks.
pub const REFRESH_BLOCKS: u64 = 12;

/// The page's source of chain state.
pub enum PageSource {
    /// The light client in the worker.
    #[cfg(target_arch = "wasm32")]
    Worker(crate::light::host::LightCtx),
    /// A recorded snapshot, and where it was loaded from.
    Snapshot(Snapshot, String),
}

#[cfg(target_arch = "wasm32")]
fn unavailable(number: u64, reason: String) -> SourceError {
    SourceError::BlockUnavailable { number, reason }
}

#[cfg(target_arch = "wasm32")]
mod worker_source {
    //! The light client's answers, through the worker's request protocol.

    use chain::{BlockRef, SourceError};
    use leptos::prelude::*;
    use serde_json::Value;

    use crate::light::ToWorker;
    use crate::light::host::{Answer, LightCtx};

    fn parse_hex(v: &Value, what: &str) -> Result<Vec<u8>, SourceError> {
        v.as_str()
            .and_then(|s| chain::hexser::parse(s).ok())
            .ok_or_else(|| SourceError::BadAnswer(format!("{what} is not hex")))
    }

    fn answer(a: Answer, number: u64) -> Result<Value, SourceError> {
        a.map_err(|(e, unavailable)| {
            if unavailable {
                super::unavailable(number, e)
            } else {
                SourceError::Failed(e)
            }
        })
    }

    pub async fn finalized(ctx: &LightCtx) -> Result<BlockRef, SourceError> {
        loop {
            if let Some(f) = ctx.state.with_untracked(|s| s.finalized) {
                return Ok(BlockRef {
                    number: f.number,
                    hash: f.hash,
                });
            }
            if let Some(e) = ctx.state.with_untracked(|s| {
                (s.phase == crate::light::Phase::Failed)
                    .then(|| s.error.clone())
                    .flatten()
            }) {
                return Err(SourceError::Failed(e));
            }
            crate::engine::sleep_ms(100).await;
        }
    }

    pub async fn block(ctx: &LightCtx, number: u64) -> Result<BlockRef, SourceError> {
        let v = answer(
            ctx.request(|id| ToWorker::Block { id, number }).await,
            number,
        )?;
        let hash = parse_hex(&v["hash"], "block hash")?;
        Ok(BlockRef {
            number,
            hash: hash
                .try_into()
                .map_err(|_| SourceError::BadAnswer("block hash is not 32 bytes".into()))?,
        })
    }

    pub async fn storage(
        ctx: &LightCtx,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        let v = answer(
            ctx.request(|id| ToWorker::Storage {
                id,
                block: at.hash,
                keys: keys.to_vec(),
            })
            .await,
            at.number,
        )?;
        let values = v["values"]
            .as_array()
            .ok_or_else(|| SourceError::BadAnswer("no values".into()))?;
        values
            .iter()
            .map(|v| match v {
                Value::Null => Ok(None),
                v => parse_hex(v, "value").map(Some),
            })
            .collect()
    }

    pub async fn prefix(
        ctx: &LightCtx,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        let v = answer(
            ctx.request(|id| ToWorker::Prefix {
                id,
                block: at.hash,
                prefix: prefix.to_vec(),
            })
            .await,
            at.number,
        )?;
        v["entries"]
            .as_array()
            .ok_or_else(|| SourceError::BadAnswer("no entries".into()))?
            .iter()
            .map(|e| Ok((parse_hex(&e[0], "key")?, parse_hex(&e[1], "value")?)))
            .collect()
    }

    pub async fn call(
        ctx: &LightCtx,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        let v = answer(
            ctx.request(|id| ToWorker::Call {
                id,
                block: at.hash,
                function: function.to_owned(),
                params: params.to_vec(),
            })
            .await,
            at.number,
        )?;
        parse_hex(&v["output"], "call output")
    }
}

impl Source for PageSource {
    fn provenance(&self) -> Provenance {
        match self {
            #[cfg(target_arch = "wasm32")]
            PageSource::Worker(ctx) => ctx.provenance,
            PageSource::Snapshot(..) => Provenance::Snapshot,
        }
    }

    async fn finalized(&self) -> Result<BlockRef, SourceError> {
        match self {
            #[cfg(target_arch = "wasm32")]
            PageSource::Worker(ctx) => worker_source::finalized(ctx).await,
            PageSource::Snapshot(s, _) => s.finalized().await,
        }
    }

    async fn block(&self, number: u64) -> Result<BlockRef, SourceError> {
        match self {
            #[cfg(target_arch = "wasm32")]
            PageSource::Worker(ctx) => worker_source::block(ctx, number).await,
            PageSource::Snapshot(s, _) => s.block(number).await,
        }
    }

    fn hold(&self, blocks: &[BlockRef]) -> Result<(), SourceError> {
        match self {
            #[cfg(target_arch = "wasm32")]
            PageSource::Worker(ctx) => {
                ctx.tell(&crate::light::ToWorker::Hold {
                    blocks: blocks.iter().map(|b| b.hash).collect(),
                });
                Ok(())
            }
            PageSource::Snapshot(..) => {
                let _ = blocks;
                Ok(())
            }
        }
    }

    fn unhold(&self, blocks: &[BlockRef]) {
        match self {
            #[cfg(target_arch = "wasm32")]
            PageSource::Worker(ctx) => ctx.tell(&crate::light::ToWorker::Unhold {
                blocks: blocks.iter().map(|b| b.hash).collect(),
            }),
            PageSource::Snapshot(..) => {
                let _ = blocks;
            }
        }
    }

    async fn storage(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        match self {
            #[cfg(target_arch = "wasm32")]
            PageSource::Worker(ctx) => worker_source::storage(ctx, at, keys).await,
            PageSource::Snapshot(s, _) => s.storage(at, keys).await,
        }
    }

    async fn storage_prefix(
        &self,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        match self {
            #[cfg(target_arch = "wasm32")]
            PageSource::Worker(ctx) => worker_source::prefix(ctx, at, prefix).await,
            PageSource::Snapshot(s, _) => s.storage_prefix(at, prefix).await,
        }
    }

    async fn call(
        &self,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        match self {
            #[cfg(target_arch = "wasm32")]
            PageSource::Worker(ctx) => worker_source::call(ctx, at, function, params).await,
            PageSource::Snapshot(s, _) => s.call(at, function, params).await,
        }
    }
}

/// What the badge next to every figure says about its origin.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Verified in this page by the light client.
    LightClient,
    /// A JSON-RPC endpoint: verified in this page from a checkpoint, or trusted.
    Rpc {
        /// Whether answers are verified (otherwise believed).
        verified: bool,
        /// The endpoints, in failover order.
        endpoints: Vec<String>,
    },
    /// A snapshot: its file, the block it presents, how it was recorded and when.
    Snapshot {
        /// Where it was loaded from.
        file: String,
        /// Recorded from (light client, local node).
        recorded_from: Provenance,
        /// Seconds since 1970, if known.
        recorded_at: Option<u64>,
    },
}

/// Why the dashboard has no source.
#[derive(Clone, Debug, PartialEq)]
pub enum DashState {
    /// Loading the snapshot or starting the worker.
    Loading,
    /// Ready.
    Ready(Origin),
    /// The snapshot or the worker failed; the message says how.
    Failed(String),
}

/// The dashboard's source and caches, shared through context.
#[derive(Clone, Copy)]
pub struct Dash {
    source: RwSignal<Option<Rc<PageSource>>, LocalStorage>,
    /// Loading, ready, or failed.
    pub state: RwSignal<DashState>,
    /// Metadata read so far, by runtime (kept in the page's thread).
    cache: StoredValue<MetadataCache, LocalStorage>,
    /// Epoch records read by replays, by netuid: the lab opens them.
    pub records: RwSignal<std::collections::HashMap<u16, chain::replay::EpochRecord>>,
    /// Replays waiting for a subnet's next epoch, by netuid: the block they wait for. A light
    /// client reads only blocks it has followed, so an epoch that ran before it started cannot
    /// be replayed; the page says so instead of a bare "reading".
    pub epoch_waits: RwSignal<std::collections::HashMap<u16, u64>>,
    /// The app root's owner. The source starts from whichever page is opened first; its
    /// signals must outlive that page, so they are created under the root, not the page.
    root: StoredValue<Owner, LocalStorage>,
}

impl Dash {
    /// Provides the (not yet started) dashboard context.
    pub fn provide() -> Dash {
        let dash = Dash {
            source: RwSignal::new_local(None),
            state: RwSignal::new(DashState::Loading),
            cache: StoredValue::new_local(MetadataCache::default()),
            records: RwSignal::new(std::collections::HashMap::new()),
            epoch_waits: RwSignal::new(std::collections::HashMap::new()),
            root: StoredValue::new_local(Owner::current().unwrap_or_default()),
        };
        provide_context(dash);
        dash
    }

    /// The metadata cache shared by every read.
    pub fn cache(&self) -> MetadataCache {
        self.cache.get_value()
    }

    /// Starts the source the address asks for, once: a snapshot (`?snapshot=FILE`, relative to
    /// the app) or the light client.
    pub fn start(&self) {
        if self.source.with_untracked(Option::is_some)
            || !matches!(self.state.get_untracked(), DashState::Loading)
        {
            return;
        }
        let base = expect_context::<BasePath>();
        let snapshot = file_param("snapshot");
        match snapshot {
            Some(file) => {
                let url = base.href(&format!("/{}", file.trim_start_matches('/')));
                let dash = *self;
                leptos::task::spawn_local(async move {
                    match crate::api::fetch_text(&url).await {
                        Ok(text) => dash.use_snapshot_text(&text, &file),
                        Err(e) => dash
                            .state
                            .set(DashState::Failed(format!("snapshot {url}: {e}"))),
                    }
                });
            }
            None => self.start_light(&base),
        }
    }

    /// Switches to a snapshot read from `text` (a file the user picked, or a fetched one).
    pub fn use_snapshot_text(&self, text: &str, file: &str) {
        match Snapshot::from_json(text) {
            Ok(s) => {
                let origin = Origin::Snapshot {
                    file: file.to_owned(),
                    recorded_from: s.recorded_from,
                    recorded_at: s.recorded_at,
                };
                self.source
                    .set(Some(Rc::new(PageSource::Snapshot(s, file.to_owned()))));
                self.state.set(DashState::Ready(origin));
            }
            Err(e) => self.state.set(DashState::Failed(format!("{file}: {e}"))),
        }
    }

    fn start_light(&self, base: &BasePath) {
        #[cfg(target_arch = "wasm32")]
        {
            use crate::light::host::WorkerStart;
            let href = |path: &str| base.href(&format!("/{}", path.trim_start_matches('/')));
            let (start, origin) = match SourceChoice::current() {
                SourceChoice::Light {
                    spec,
                    checkpoint,
                    boot_nodes,
                } => (
                    WorkerStart::Spec {
                        // Only for the default (nothing chosen): a spec someone names is
                        // the one used.
                        quick_start: SourceChoice::chosen().is_none().then(|| {
                            (
                                href(crate::light::DEFAULT_LIGHT_SPEC_PATH),
                                href(crate::light::DEFAULT_CHECKPOINT_PATH),
                            )
                        }),
                        spec_url: href(&spec),
                        checkpoint_url: checkpoint.as_deref().map(href),
                        boot_nodes,
                    },
                    Origin::LightClient,
                ),
                SourceChoice::Verified {
                    endpoints,
                    checkpoint,
                } => (
                    WorkerStart::Verified {
                        endpoints: endpoints.clone(),
                        checkpoint_url: href(&checkpoint),
                    },
                    Origin::Rpc {
                        verified: true,
                        endpoints,
                    },
                ),
                SourceChoice::Trusted { endpoints } => (
                    WorkerStart::Trusted(endpoints.clone()),
                    Origin::Rpc {
                        verified: false,
                        endpoints,
                    },
                ),
            };
            let worker_url = base.href(&format!("/{}", crate::light::WORKER_LOADER_PATH));
            let ctx = self
                .root
                .get_value()
                .with(|| crate::light::host::LightCtx::start(&worker_url, start));
            self.source.set(Some(Rc::new(PageSource::Worker(ctx))));
            self.state.set(DashState::Ready(origin));
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = (base, self.root);
            self.state.set(DashState::Failed(
                "no light client outside the browser".into(),
            ));
        }
    }

    /// The source once it is ready (after [`Dash::start`], which needs the component's context):
    /// for a read done once (the lab opening a subnet), which cannot wait on a signal like a
    /// page's resource does. A direct load of `#/lab?netuid=N` with `?snapshot=` asks before
    /// the snapshot has arrived.
    pub async fn ready_source(&self) -> Result<Rc<PageSource>, String> {
        loop {
            if let Some(source) = self.source.get_untracked() {
                return Ok(source);
            }
            if let DashState::Failed(e) = self.state.get_untracked() {
                return Err(e);
            }
            crate::engine::sleep_ms(50).await;
        }
    }

    /// The source, once started (tracked).
    pub fn source(&self) -> Option<Rc<PageSource>> {
        self.source.get()
    }

    /// Requests in flight to the light client, for the progress indicator (tracked).
    pub fn in_flight(&self) -> u32 {
        #[cfg(target_arch = "wasm32")]
        if let Some(source) = self.source.get()
            && let PageSource::Worker(ctx) = &*source
        {
            return ctx.in_flight.get();
        }
        0
    }

    /// The latest finalized block number the page knows (tracked), to refresh live pages.
    pub fn finalized_number(&self) -> Option<u64> {
        #[cfg(target_arch = "wasm32")]
        if let Some(source) = self.source.get()
            && let PageSource::Worker(ctx) = &*source
        {
            return ctx.state.with(|s| s.finalized.map(|f| f.number));
        }
        self.source.with(|s| match s.as_deref() {
            Some(PageSource::Snapshot(snap, _)) => Some(snap.finalized.number),
            _ => None,
        })
    }

    /// [`Dash::finalized_number`], untracked (for polling loops).
    pub fn finalized_number_untracked(&self) -> Option<u64> {
        untrack(|| self.finalized_number())
    }

    /// The light client's sync state, when it is the source.
    #[cfg(target_arch = "wasm32")]
    pub fn light(&self) -> Option<crate::light::host::LightCtx> {
        self.source.with_untracked(|s| match s.as_deref() {
            Some(PageSource::Worker(ctx)) => Some(*ctx),
            _ => None,
        })
    }
}

/// A same-origin file named by `?key=FILE`, in the query before the hash or in the hash's
/// query (other origins are refused: the app loads nothing from third parties).
/// Where the browser key of the saved source choice lives.
pub const SOURCE_KEY: &str = "taoscope.source";

/// finney's checkpoint, shipped with the app: the verified RPC mode's default trust root.
pub const FINNEY_CHECKPOINT: &str = "chainspecs/finney.checkpoint.json";

/// finney's public JSON-RPC endpoints, in failover order.
pub const FINNEY_ENDPOINTS: [&str; 2] = [
    "wss://entrypoint-finney.opentensor.ai:443",
    "wss://archive.chain.opentensor.ai:443",
];

/// What the worker reads through, as the user chose it: in the address (`?rpc=`, `?spec=`,
/// which win), else saved in this browser by the chain page's settings, else the devnet's light
/// client. Trusting an endpoint is only ever the user's own setting: a link cannot make the
/// page believe an endpoint (it can only name one to verify).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceChoice {
    /// smoldot-light on a chain spec (same-origin path).
    Light {
        /// The spec's path.
        spec: String,
        /// A checkpoint's same-origin path: the client starts at its block, verified from its
        /// GRANDPA set, instead of at the spec's genesis (a spec with only a genesis state
        /// root needs one).
        checkpoint: Option<String>,
        /// Boot nodes to dial instead of the spec's (empty: the spec's own).
        boot_nodes: Vec<String>,
    },
    /// Verified RPC.
    Verified {
        /// `ws://` or `wss://` endpoints.
        endpoints: Vec<String>,
        /// The checkpoint's same-origin path.
        checkpoint: String,
    },
    /// Trusted RPC.
    Trusted {
        /// `ws://` or `wss://` endpoints.
        endpoints: Vec<String>,
    },
}

/// libp2p multiaddrs (starting with `/`) from a comma-separated list; others are dropped. The
/// light client checks each when the chain is added and names one it cannot dial.
pub fn boot_nodes_from(list: &str) -> Vec<String> {
    list.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|e| e.starts_with('/'))
        .map(str::to_owned)
        .collect()
}

/// `ws://` or `wss://` URLs from a comma-separated list; others are dropped.
pub fn endpoints_from(list: &str) -> Vec<String> {
    list.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|e| e.starts_with("ws://") || e.starts_with("wss://"))
        .map(str::to_owned)
        .collect()
}

impl SourceChoice {
    /// The choice in force for this page load.
    pub fn current() -> Self {
        Self::chosen().unwrap_or_else(|| SourceChoice::Light {
            spec: crate::light::DEFAULT_SPEC_PATH.into(),
            checkpoint: None,
            boot_nodes: Vec::new(),
        })
    }

    /// The choice the address or this browser's settings make, if any (`None`: the default).
    pub fn chosen() -> Option<Self> {
        use crate::i18n::location_param;
        if let Some(list) = location_param("rpc") {
            let endpoints = endpoints_from(&list);
            if !endpoints.is_empty() {
                return Some(SourceChoice::Verified {
                    endpoints,
                    checkpoint: file_param("checkpoint")
                        .unwrap_or_else(|| FINNEY_CHECKPOINT.into()),
                });
            }
        }
        let boot_nodes = location_param("bootnode")
            .map(|list| boot_nodes_from(&list))
            .unwrap_or_default();
        if let Some(spec) = file_param("spec") {
            return Some(SourceChoice::Light {
                spec,
                checkpoint: file_param("checkpoint"),
                boot_nodes,
            });
        }
        if !boot_nodes.is_empty() {
            return Some(SourceChoice::Light {
                spec: crate::light::DEFAULT_SPEC_PATH.into(),
                checkpoint: None,
                boot_nodes,
            });
        }
        Self::saved()
    }

    /// The choice saved in this browser, if any (and readable).
    pub fn saved() -> Option<Self> {
        let text = crate::i18n::local_get(SOURCE_KEY)?;
        Self::from_json(&serde_json::from_str(&text).ok()?)
    }

    /// Saves the choice in this browser (applied on the next load).
    pub fn save(&self) {
        crate::i18n::local_set(SOURCE_KEY, &self.to_json().to_string());
    }

    /// Forgets the saved choice.
    pub fn forget() {
        crate::i18n::local_remove(SOURCE_KEY);
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            SourceChoice::Light {
                spec,
                checkpoint,
                boot_nodes,
            } => serde_json::json!({ "kind": "light", "spec": spec, "checkpoint": checkpoint,
                                     "bootNodes": boot_nodes }),
            SourceChoice::Verified {
                endpoints,
                checkpoint,
            } => serde_json::json!({ "kind": "verified-rpc", "endpoints": endpoints,
                                     "checkpoint": checkpoint }),
            SourceChoice::Trusted { endpoints } => {
                serde_json::json!({ "kind": "trusted-rpc", "endpoints": endpoints })
            }
        }
    }

    fn from_json(v: &serde_json::Value) -> Option<Self> {
        let endpoints = || {
            let list: Vec<&str> = v["endpoints"]
                .as_array()?
                .iter()
                .filter_map(|e| e.as_str())
                .collect();
            let endpoints = endpoints_from(&list.join(","));
            (!endpoints.is_empty()).then_some(endpoints)
        };
        let path = |key: &str| {
            v[key]
                .as_str()
                .filter(|f| !f.contains("://") && !f.starts_with("//") && !f.is_empty())
                .map(str::to_owned)
        };
        match v["kind"].as_str()? {
            "light" => Some(SourceChoice::Light {
                spec: path("spec")?,
                checkpoint: path("checkpoint"),
                boot_nodes: v["bootNodes"]
                    .as_array()
                    .map(|list| {
                        let list: Vec<&str> = list.iter().filter_map(|e| e.as_str()).collect();
                        boot_nodes_from(&list.join(","))
                    })
                    .unwrap_or_default(),
            }),
            "verified-rpc" => Some(SourceChoice::Verified {
                endpoints: endpoints()?,
                checkpoint: path("checkpoint")?,
            }),
            "trusted-rpc" => Some(SourceChoice::Trusted {
                endpoints: endpoints()?,
            }),
            _ => None,
        }
    }
}

fn file_param(key: &str) -> Option<String> {
    crate::i18n::location_param(key)
        .filter(|f| !f.contains("://") && !f.starts_with("//") && !f.is_empty())
}

/// The [`Dash`] provided by the app root, started.
pub fn use_dash() -> Dash {
    let dash = expect_context::<Dash>();
    dash.start();
    dash
}

/// Provided by a page whose own action changed the chain (a stake move): bumping it makes the
/// page's [`live_read`]s read again at once instead of at the next refresh tick.
#[derive(Clone, Copy)]
pub struct ReadAgain(pub RwSignal<u64>);

/// A live page's data: `read` at the source's latest finalized block, again every
/// [`REFRESH_BLOCKS`] blocks while following the chain, kept across a failed refresh. `shown`
/// gives the last good read in place of a later error (a first read that fails is still the
/// error; before a source is ready, an empty error, which pages show as nothing); `stale` gives
/// the error of a refresh that failed while older numbers stay on screen. Losing a table
/// because one refresh met a busy light client would throw away verified data for nothing.
pub fn live_read<T, F>(
    read: F,
) -> (
    impl Fn() -> Option<Result<T, String>> + Copy,
    impl Fn() -> Option<String> + Copy,
)
where
    T: Clone + 'static,
    F: AsyncFn(&View<'_, PageSource>) -> Result<T, ChainError> + Clone + 'static,
{
    let dash = use_dash();
    let tick = refresh_tick(&dash);
    let now = use_context::<ReadAgain>();
    let data = LocalResource::new(move || {
        tick.track();
        if let Some(ReadAgain(n)) = now {
            n.track();
        }
        let (source, cache, read) = (dash.source(), dash.cache(), read.clone());
        async move {
            let source = source.ok_or_else(String::new)?;
            read_at_finalized(source, cache, read).await
        }
    });
    let last = StoredValue::new_local(None::<T>);
    let shown = move || match data.get() {
        Some(Ok(t)) => {
            last.set_value(Some(t.clone()));
            Some(Ok(t))
        }
        Some(Err(e)) if !e.is_empty() => Some(last.get_value().ok_or(e)),
        other => other,
    };
    let stale = move || match data.get() {
        Some(Err(e)) if !e.is_empty() && last.with_value(Option::is_some) => Some(e),
        _ => None,
    };
    (shown, stale)
}

/// Above a page's numbers when its latest refresh failed: says so, and why.
#[component]
pub fn StaleNote(stale: impl Fn() -> Option<String> + Send + Sync + 'static) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    move || {
        stale().map(|e| {
            view! {
                <p class="stale" role="status">
                    {i18n.d().refresh_failed}
                    " "
                    <code>{e}</code>
                </p>
            }
        })
    }
}

/// A tick that changes every [`REFRESH_BLOCKS`] finalized blocks (tracked): live pages key
/// their data on it.
pub fn refresh_tick(dash: &Dash) -> Memo<u64> {
    let dash = *dash;
    Memo::new(move |_| dash.finalized_number().unwrap_or(0) / REFRESH_BLOCKS)
}

/// Runs `read` on a view at the source's latest finalized block.
///
/// # Errors
///
/// When there is no source yet, or the read fails.
pub async fn read_at_finalized<T, F>(
    source: Rc<PageSource>,
    cache: MetadataCache,
    read: F,
) -> Result<T, String>
where
    F: AsyncFnOnce(&View<'_, PageSource>) -> Result<T, ChainError>,
{
    let at = source.finalized().await.map_err(|e| e.to_string())?;
    let view = View::open(&*source, at, &cache)
        .await
        .map_err(|e| e.to_string())?;
    read(&view).await.map_err(|e| e.to_string())
}

/// The source's unavailable-block error, for the pages that wait for an epoch.
pub fn is_unavailable(e: &ChainError) -> bool {
    matches!(e, ChainError::Source(SourceError::BlockUnavailable { .. }))
}
