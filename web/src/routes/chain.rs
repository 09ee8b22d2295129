//! `/chain`: the light client's sync panel — peers, best and finalized blocks, time since the
//! last block, the runtime, and one SubtensorModule value, each figure badged with where it
//! came from: verified in the page's worker by smoldot-light, by the verified RPC client
//! (checkpoint, justifications, proofs), or believed from a trusted RPC endpoint. The source
//! settings below choose among them (kept in this browser; `?rpc=` and `?spec=` in the
//! address win; trusting an endpoint is only ever this setting, never a link).
//!
//! `?spec=PATH` loads another chain spec (same origin); the default is the devnet's. The page
//! also picks the dashboard's source: the light client, or a snapshot file (loaded from disk
//! here, or named with `?snapshot=FILE`), whose badge then says "snapshot" on every figure.

use leptos::prelude::*;

use crate::dash::{DashState, Origin, use_dash};
use crate::engine::now_ms;
use crate::i18n::use_i18n;
use crate::light::{Head, Phase, SyncState};

/// The sync panel page.
#[component]
pub fn Chain() -> impl IntoView {
    let i18n = use_i18n();
    let state = client_state();
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
            <p class="lead">
                {move || match state.with(|s| s.mode.as_ref().map(|m| m.0.clone())).as_deref() {
                    Some("verified-rpc") => i18n.t().chain_intro_verified_rpc,
                    Some("trusted-rpc") => i18n.t().chain_intro_trusted_rpc,
                    _ => i18n.t().chain_intro,
                }}
            </p>
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
                    {move || {
                        state
                            .with(|s| s.saved)
                            .map(|n| {
                                view! {
                                    <tr data-field="saved">
                                        <th>{move || i18n.t().chain_saved}</th>
                                        <td>
                                            <span class="num" data-number=n>"#"{n}</span>
                                        </td>
                                        <td class="muted">{move || i18n.t().chain_saved_note}</td>
                                    </tr>
                                }
                            })
                    }}
                </tbody>
            </table>
            <p class="muted">{move || i18n.t().chain_note}</p>
        </section>
        <SourcePicker />
    }
}

/// Where the dashboard reads from, and a way to load a snapshot file instead.
#[component]
fn SourcePicker() -> impl IntoView {
    let i18n = use_i18n();
    let dash = use_dash();
    let current = {
        move || match dash.state.get() {
            DashState::Ready(Origin::LightClient) => i18n.d().source_is_light.to_string(),
            DashState::Ready(Origin::Rpc {
                verified,
                endpoints,
            }) => {
                let lead = if verified {
                    i18n.d().source_is_verified_rpc
                } else {
                    i18n.d().source_is_trusted_rpc
                };
                format!("{lead} {}", endpoints.join(", "))
            }
            DashState::Ready(Origin::Snapshot { file, .. }) => {
                format!("{} {file}", i18n.d().source_is_snapshot)
            }
            DashState::Loading => i18n.d().source_loading.to_string(),
            DashState::Failed(e) => format!("{} {e}", i18n.d().source_failed),
        }
    };
    let on_file = {
        move |ev: leptos::ev::Event| {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            leptos::task::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(text) => {
                        dash.use_snapshot_text(&text.as_string().unwrap_or_default(), &name)
                    }
                    Err(e) => dash.state.set(DashState::Failed(format!("{name}: {e:?}"))),
                }
            });
        }
    };
    view! {
        <section class="page narrow panel" data-panel="source">
            <h2>{move || i18n.d().source_title}</h2>
            <p data-source-state="">{current}</p>
            <p class="muted">{move || i18n.d().source_help}</p>
            <label class="file">
                <span>{move || i18n.d().source_load_snapshot}</span>
                <input type="file" accept=".json,application/json" on:change=on_file data-snapshot-input="" />
            </label>
            <SourceSettings />
        </section>
    }
}

/// The saved choice of how the worker reads the chain: the light client on a spec, verified
/// RPC from a checkpoint, or trusted RPC. Applied on reload, since the worker runs one source
/// for its life.
#[component]
fn SourceSettings() -> impl IntoView {
    use crate::dash::{
        FINNEY_CHECKPOINT, FINNEY_ENDPOINTS, SourceChoice, boot_nodes_from, endpoints_from,
    };
    let i18n = use_i18n();
    let shown = SourceChoice::current();
    let kind = RwSignal::new(match &shown {
        SourceChoice::Light { .. } => "light",
        SourceChoice::Verified { .. } => "verified-rpc",
        SourceChoice::Trusted { .. } => "trusted-rpc",
    });
    let spec = RwSignal::new(match &shown {
        SourceChoice::Light { spec, .. } => spec.clone(),
        _ => crate::light::DEFAULT_SPEC_PATH.to_owned(),
    });
    let boot_nodes = RwSignal::new(match &shown {
        SourceChoice::Light { boot_nodes, .. } => boot_nodes.join(", "),
        _ => String::new(),
    });
    let light_checkpoint = RwSignal::new(match &shown {
        SourceChoice::Light {
            checkpoint: Some(c),
            ..
        } => c.clone(),
        _ => String::new(),
    });
    let endpoints = RwSignal::new(match &shown {
        SourceChoice::Verified { endpoints, .. } | SourceChoice::Trusted { endpoints } => {
            endpoints.join(", ")
        }
        SourceChoice::Light { .. } => FINNEY_ENDPOINTS.join(", "),
    });
    let checkpoint = RwSignal::new(match &shown {
        SourceChoice::Verified { checkpoint, .. } => checkpoint.clone(),
        _ => FINNEY_CHECKPOINT.to_owned(),
    });
    let problem = RwSignal::new(None::<&'static str>);
    let reload = || {
        let _ = window().location().reload();
    };
    let save = move |_| {
        let list = endpoints_from(&endpoints.get_untracked());
        let choice = match kind.get_untracked() {
            "light" => SourceChoice::Light {
                spec: spec.get_untracked(),
                checkpoint: Some(light_checkpoint.get_untracked().trim().to_owned())
                    .filter(|c| !c.is_empty()),
                boot_nodes: boot_nodes_from(&boot_nodes.get_untracked()),
            },
            _ if list.is_empty() => return problem.set(Some(i18n.d().source_bad_endpoints)),
            "verified-rpc" => SourceChoice::Verified {
                endpoints: list,
                checkpoint: checkpoint.get_untracked(),
            },
            _ => SourceChoice::Trusted { endpoints: list },
        };
        choice.save();
        reload();
    };
    let reset = move |_| {
        SourceChoice::forget();
        reload();
    };
    let option = move |value: &'static str, label: fn(&crate::i18n::DashText) -> &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="source-kind"
                    value=value
                    data-source-kind=value
                    prop:checked=move || kind.get() == value
                    on:change=move |_| kind.set(value)
                />
                {move || label(i18n.d())}
            </label>
        }
    };
    view! {
        <form class="source-settings" data-source-settings="" on:submit=|ev| ev.prevent_default()>
            <h3>{move || i18n.d().source_settings}</h3>
            {option("light", |d| d.source_kind_light)}
            {option("verified-rpc", |d| d.source_kind_verified)}
            {option("trusted-rpc", |d| d.source_kind_trusted)}
            <label class="field" hidden=move || kind.get() != "light">
                <span>{move || i18n.d().source_spec}</span>
                <input type="text" data-source-spec="" bind:value=spec />
            </label>
            <label class="field" hidden=move || kind.get() != "light">
                <span>{move || i18n.d().source_light_checkpoint}</span>
                <input type="text" data-source-light-checkpoint="" bind:value=light_checkpoint />
            </label>
            <label class="field" hidden=move || kind.get() != "light">
                <span>{move || i18n.d().source_boot_nodes}</span>
                <input type="text" data-source-boot-nodes="" bind:value=boot_nodes />
            </label>
            <label class="field" hidden=move || kind.get() == "light">
                <span>{move || i18n.d().source_endpoints}</span>
                <input type="text" data-source-endpoints="" bind:value=endpoints />
            </label>
            <label class="field" hidden=move || kind.get() != "verified-rpc">
                <span>{move || i18n.d().source_checkpoint}</span>
                <input type="text" data-source-checkpoint="" bind:value=checkpoint />
            </label>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <p>
                <button type="button" data-source-save="" on:click=save>
                    {move || i18n.d().source_save}
                </button>
                " "
                <button type="button" data-source-reset="" on:click=reset>
                    {move || i18n.d().source_reset}
                </button>
            </p>
            <p class="muted">{move || i18n.d().source_settings_note}</p>
        </form>
    }
}

/// How the panel's figures were obtained: the worker's mode (light client, verified or
/// trusted RPC), with what it verified last in the tooltip.
#[component]
fn SourceBadge() -> impl IntoView {
    let i18n = use_i18n();
    let state = client_state();
    let mode = move || {
        state.with(|s| {
            s.mode
                .clone()
                .unwrap_or_else(|| ("light-client".into(), String::new()))
        })
    };
    view! {
        <span class="source-badge" data-source=move || mode().0 title=move || mode().1>
            {move || match mode().0.as_str() {
                "verified-rpc" => i18n.d().badge_verified_rpc,
                "trusted-rpc" => i18n.d().badge_trusted_rpc,
                _ => i18n.t().chain_source_light,
            }}
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

/// The light client's state when it is the dashboard's source; an idle one otherwise (a
/// snapshot, or natively in unit tests).
fn client_state() -> RwSignal<SyncState> {
    let dash = use_dash();
    #[cfg(target_arch = "wasm32")]
    if let Some(ctx) = dash.light() {
        return ctx.state;
    }
    let _ = dash;
    RwSignal::new(SyncState::default())
}
