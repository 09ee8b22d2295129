//! The taoscope web app: a Leptos client-side app that Trunk builds into static files.
//!
//! Everything the page shows is computed in the page. The dashboard (overview, subnets,
//! metagraphs, accounts, the audit) runs the `chain` crate's model here, on state the light
//! client in a Web Worker verified ([`dash`]), or on a recorded snapshot; every figure carries
//! the block and source it was read from. Replays run `yuma`'s bit-exact fixed-point epoch in
//! WebAssembly; batches of `f32` epochs (the audit's rankings, the lab's sweeps) run on WebGPU
//! through `yuma-gpu`, or on the CPU when the browser has no adapter ([`engine`] picks and says
//! which). This file holds the root component, the layout every page shares (header,
//! navigation, language switch, footer with the engine badges) and the app-wide context; each
//! page is one file under `routes/`, addressed by a hash route ([`route`] says why). There is no
//! server side: no SSR, no hydration, no API, so the `dist/` folder can be served by any static
//! host, at its root or under a sub-path (`trunk build --public-url`).
#![cfg_attr(test, allow(clippy::unwrap_used))]

use leptos::prelude::*;

pub mod api;
pub mod bench;
pub mod chart;
pub mod dash;
pub mod engine;
pub mod i18n;
pub mod light;
pub mod route;
pub mod routes;
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod wallet;

use i18n::{I18n, Lang, use_i18n};
use route::{Route, RouterCtx};

/// Which engine computed the exact figures on the page (the ranking table), for the badge in
/// the footer and the lab. Batches of `f32` epochs have their own engine and badge
/// ([`engine::BatchEngine`]): the table never runs on the GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EngineKind {
    /// `yuma::fixed` in WebAssembly: the chain's own arithmetic.
    #[default]
    CpuFixed,
}

impl EngineKind {
    /// Stable name for `data-engine` attributes and tests.
    pub fn id(self) -> &'static str {
        match self {
            EngineKind::CpuFixed => "cpu-fixed",
        }
    }

    /// The badge text in the current language.
    pub fn label(self, t: &i18n::Text) -> &'static str {
        match self {
            EngineKind::CpuFixed => t.engine_cpu_fixed,
        }
    }
}

/// The engine in use, shared through context.
#[derive(Clone, Copy)]
pub struct EngineCtx(pub RwSignal<EngineKind>);

/// The path the app is served under (`""` at the root, `"/sub"` under a sub-path), taken from
/// the document's base URL, which Trunk writes from `--public-url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasePath(pub String);

impl BasePath {
    /// An app path (`"/lab"`) as an absolute href under the base.
    pub fn href(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// The path part of a URL without its trailing slash (`https://h/sub/` → `/sub`).
pub fn base_path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    // The base names a folder; a file name after the last slash is not part of it.
    let folder = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    folder.to_owned()
}

fn document_base_path() -> BasePath {
    let uri = document().base_uri().ok().flatten().unwrap_or_default();
    BasePath(base_path_of(&uri))
}

/// The root component: context, router and layout.
#[component]
pub fn App() -> impl IntoView {
    I18n::provide();
    provide_context(EngineCtx(RwSignal::new(EngineKind::default())));
    engine::BatchCtx::provide();
    bench::install();
    let base = document_base_path();
    provide_context(base.clone());
    let router = RouterCtx::provide(&base.0);
    dash::Dash::provide();
    // A page is mounted once per route: a table's sort or filter in the query keeps it. The lab
    // reads its case and subnet once, so a new one in the address is a new lab.
    let route = Memo::new(move |_| {
        let route = router.route();
        let lab = (route == Route::Lab).then(|| (router.query("case"), router.query("netuid")));
        (route, lab)
    });
    let page = move || match route.get().0 {
        Route::Home => view! { <routes::overview::Overview /> }.into_any(),
        Route::Subnets => view! { <routes::subnets::SubnetsPage /> }.into_any(),
        Route::Subnet(n) => view! { <routes::subnet::SubnetPage netuid=n /> }.into_any(),
        Route::Neuron(n, u) => view! { <routes::neuron::NeuronPage netuid=n uid=u /> }.into_any(),
        Route::Account(a) => view! { <routes::account::AccountPage address=a /> }.into_any(),
        Route::Audit => view! { <routes::audit::AuditPage /> }.into_any(),
        Route::Lab => view! { <routes::lab::Lab /> }.into_any(),
        Route::Chain => view! { <routes::chain::Chain /> }.into_any(),
        Route::NotFound(path) => view! { <NotFound path=path /> }.into_any(),
    };
    view! { <Layout>{page}</Layout> }
}

/// Header, navigation, language switch and footer around the current route.
#[component]
fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let router = route::use_router();
    let section = move || router.route().section();
    let entry = move |route: Route, label: fn(&i18n::Text, &i18n::DashText) -> &'static str| {
        let id = route.section();
        view! {
            <a
                href=route.href()
                aria-current=move || (section() == id).then_some("page")
                data-nav=id
            >
                {move || label(i18n.t(), i18n.d())}
            </a>
        }
    };
    view! {
        <div class="app">
            // Not a `#main` link: the hash is the route here, so the skip link moves focus
            // itself instead of navigating.
            <a
                class="skip"
                href="#main"
                on:click=|ev: leptos::ev::MouseEvent| {
                    ev.prevent_default();
                    if let Some(main) = document()
                        .get_element_by_id("main")
                        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
                    {
                        let _ = main.focus();
                    }
                }
            >
                {move || i18n.d().skip_to_content}
            </a>
            <header class="site-header">
                <div class="header-inner">
                    <a class="brand" href=Route::Home.href()>
                        <span class="brand-mark" aria-hidden="true">"τ"</span>
                        <span class="brand-name">"taoscope"</span>
                    </a>
                    <span class="tagline">{move || i18n.t().tagline}</span>
                    <nav class="site-nav" aria-label=move || i18n.d().nav_label>
                        {entry(Route::Home, |t, _| t.nav_home)}
                        {entry(Route::Subnets, |_, d| d.nav_subnets)}
                        {entry(Route::Audit, |_, d| d.nav_audit)}
                        {entry(Route::Lab, |t, _| t.nav_lab)}
                        {entry(Route::Chain, |t, _| t.nav_chain)}
                    </nav>
                    <LangSwitch />
                </div>
            </header>
            <main class="site-main" id="main" tabindex="-1">{children()}</main>
            <footer class="site-footer">
                <p>
                    {move || i18n.t().footer_engine} " " <EngineBadge /> " "
                    {move || i18n.t().footer_batch} " " <engine::BatchBadge /> " " <engine::GpuAnyway />
                </p>
                <p class="muted">{move || i18n.t().footer_trust}</p>
            </footer>
        </div>
    }
}

/// Buttons for each language; the pressed one is current.
#[component]
fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="lang-switch" role="group" aria-label=move || i18n.t().language>
            {Lang::ALL
                .into_iter()
                .map(|lang| {
                    view! {
                        <button
                            type="button"
                            lang=lang.code()
                            data-lang=lang.code()
                            aria-pressed=move || (i18n.lang() == lang).to_string()
                            on:click=move |_| i18n.set(lang)
                        >
                            {lang.native_name()}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// The badge naming the engine that computed the figures.
#[component]
pub fn EngineBadge() -> impl IntoView {
    let i18n = use_i18n();
    let EngineCtx(engine) = expect_context::<EngineCtx>();
    view! {
        <span class="engine-badge" data-engine=move || engine.get().id()>
            {move || engine.get().label(i18n.t())}
        </span>
    }
}

/// Shown for addresses no page matches.
#[component]
fn NotFound(path: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page narrow" data-page="not-found">
            <h1>"404"</h1>
            <p>{move || i18n.t().not_found} " " <code>{path.clone()}</code></p>
            <p>
                <a href=Route::Home.href()>{move || i18n.t().nav_home}</a>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests;
