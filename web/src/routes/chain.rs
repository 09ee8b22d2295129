//! `/chain`: the light client's sync panel — peers, best and finalized blocks, time since the
//! last block, the runtime, and one SubtensorModule value, each figure badged with where it
//! came from. Everything here was verified in the page's worker by smoldot-light; the badge says
//! so, and later sources (an RPC fallback) will carry their own badge.
//!
//! `?spec=PATH` loads another chain spec (same origin); the default is the devnet's.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::BasePath;
use crate::engine::now_ms;
use crate::i18n::use_i18n;
use crate::light::{DEFAULT_SPEC_PATH, Head, Phase, SyncState};

/// The sync panel page.
#[component]
pub fn Chain() -> impl IntoView {
    let i18n = use_i18n();
    let state = start_client();
    let tick = RwSignal::new(0.0f64);
    // Re-render "seconds since the last block" once a second.
    if let Ok(handle) = set_interval_with_handle(
        move || tick.set(now_ms()),
        std::time::Duration::from_millis(1000),
    ) {
        on_cleanup(move || handle.clear());
    }
    let phase = move || state.with(|s| s.phase);
    let head_view = move |pick: fn(&SyncState) -> Option<Head>| {
        move || match state.with(pick) {
            Some(h) => view! {
                <span class="num" data-number=h.number>"#"{h.number}</span>
                " "
                <code class="hash">{h.short_hash()}</code>
            }
            .into_any(),
            None => view! { <span class="muted">"—"</span> }.into_any(),
        }
    };
    view! {
        <section class="page narrow sync-panel" data-phase=move || phase().id()>
            <h1>{move || i18n.t().chain_title}</h1>
            <p class="lead">{move || i18n.t().chain_intro}</p>
            <p class="sync-status">
                <span class="phase-badge" data-phase=move || phase().id()>
                    {move || phase_label(phase(), i18n.t())}
                </span>
                " "
                <span class="muted">{move || state.with(|s| s.chain.clone().unwrap_or_default())}</span>
            </p>
            {move || {
                state
                    .with(|s| s.error.clone())
                    .map(|e| view! { <p class="error" role="alert" data-error="light">{e}</p> })
            }}
            <table class="sync-table">
                <tbody>
                    <tr data-field="peers">
                        <th>{move || i18n.t().chain_peers}</th>
                        <td class="num">{move || state.with(|s| s.peers)}</td>
                        <td></td>
                    </tr>
                    <tr data-field="best">
                        <th>{move || i18n.t().chain_best}</th>
                        <td>{head_view(|s| s.best)}</td>
                        <td>
                            <SourceBadge />
                        </td>
                    </tr>
                    <tr data-field="finalized">
                        <th>{move || i18n.t().chain_finalized}</th>
                        <td>{head_view(|s| s.finalized)}</td>
                        <td>
                            <SourceBadge />
                        </td>
                    </tr>
                    <tr data-field="since">
                        <th>{move || i18n.t().chain_since}</th>
                        <td class="num">
                            {move || {
                                let now = tick.get().max(now_ms());
                                state
                                    .with(|s| s.last_block_ms)
                                    .map(|t| format!("{:.0} s", ((now - t) / 1000.0).max(0.0)))
                                    .unwrap_or_else(|| "—".into())
                            }}
                        </td>
                        <td></td>
                    </tr>
                    <tr data-field="runtime">
                        <th>{move || i18n.t().chain_runtime}</th>
                        <td>
                            {move || {
                                state
                                    .with(|s| s.runtime.clone())
                                    .map(|(name, v)| format!("{name} {v}"))
                                    .unwrap_or_else(|| "—".into())
                            }}
                        </td>
                        <td>
                            <SourceBadge />
                        </td>
                    </tr>
                    <tr data-field="total-networks">
                        <th>{move || i18n.t().chain_total_networks}</th>
                        <td>
                            {move || match state.with(|s| s.total_networks) {
                                Some((n, block)) => view! {
                                    <span class="num" data-value=n>{n}</span>
                                    " "
                                    <span class="muted">"@#"{block}</span>
                                }
                                .into_any(),
                                None => view! { <span class="muted">"—"</span> }.into_any(),
                            }}
                        </td>
                        <td>
                            <SourceBadge />
                        </td>
                    </tr>
                </tbody>
            </table>
            <p class="muted">{move || i18n.t().chain_note}</p>
        </section>
    }
}

/// "Verified by the light client": the only source so far.
#[component]
fn SourceBadge() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class="source-badge" data-source="light-client">
            {move || i18n.t().chain_source_light}
        </span>
    }
}

fn phase_label(phase: Phase, t: &crate::i18n::Text) -> &'static str {
    match phase {
        Phase::Connecting => t.chain_connecting,
        Phase::Syncing => t.chain_syncing,
        Phase::Synced => t.chain_synced,
        Phase::Disconnected => t.chain_disconnected,
        Phase::Failed => t.chain_failed,
    }
}

/// The running client's state: the worker in the browser; natively (unit tests) an idle one.
fn start_client() -> RwSignal<SyncState> {
    let query = use_query_map();
    let spec = query
        .with_untracked(|q| q.get("spec"))
        .filter(|s| !s.contains("://") && !s.starts_with("//"))
        .unwrap_or_else(|| DEFAULT_SPEC_PATH.to_owned());
    let base = expect_context::<BasePath>();
    let spec_url = base.href(&format!("/{}", spec.trim_start_matches('/')));
    #[cfg(target_arch = "wasm32")]
    {
        let worker_url = base.href("/light_worker_loader.js");
        crate::light::host::LightCtx::start(&worker_url, &spec_url).state
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = spec_url;
        RwSignal::new(SyncState::default())
    }
}
