//! `/`: a short overview of what taoscope does and a way into the lab. Live-subnet pages are
//! added here as later issues land; this page makes no network requests.

use leptos::prelude::*;

use crate::BasePath;
use crate::i18n::use_i18n;

/// The overview page.
#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let base = expect_context::<BasePath>();
    view! {
        <section class="page hero">
            <h1>{move || i18n.t().home_title}</h1>
            {move || {
                i18n.t().home_intro.iter().map(|p| view! { <p class="lead">{*p}</p> }).collect_view()
            }}
        </section>
        <section class="page cards">
            <article class="card">
                <h2>{move || i18n.t().home_lab_title}</h2>
                <p>{move || i18n.t().home_lab_text}</p>
                <a class="button primary" href=base.href("/lab")>
                    {move || i18n.t().home_lab_link}
                    " →"
                </a>
            </article>
            <article class="card muted-card">
                <p>{move || i18n.t().home_later}</p>
            </article>
        </section>
    }
}
