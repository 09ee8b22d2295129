//! `#/`: the overview. What Bittensor is, told with the chain's own live numbers (supply,
//! block reward, daily emission, the halving countdown, subnets and their split), each badged
//! with the block and the source it was read from, and the ways into the rest of the app.

use leptos::prelude::*;

use chain::model::{self, Overview};
use chain::tokenomics;

use crate::chart::line::LineChart;
use crate::dash::{StaleNote, live_read};
use crate::i18n::use_i18n;
use crate::route::Route;
use crate::ui::{ErrorBox, Provenance, Reading, SourceState, duration, int, percent, tao};

/// Daily emission (TAO/day) from now over the next `years`, stepping at each halving: `(x in
/// 0..=1, TAO per day)` points for the chart, and the halving years for the caption.
pub fn emission_schedule(o: &Overview, years: f64) -> Vec<(f64, f64)> {
    let (Some(issuance), Some(ms)) = (o.total_issuance, o.block_time_ms) else {
        return Vec::new();
    };
    let blocks_per_year = 365.25 * 86_400_000.0 / ms as f64;
    let horizon = (blocks_per_year * years) as u64;
    let mut points = Vec::new();
    let mut at = 0u64;
    let mut issued = issuance;
    let per_day = |reward: u64| tokenomics::daily_emission(reward, ms) as f64 / 1e9;
    while at < horizon {
        let reward = tokenomics::block_emission(issued);
        points.push((at as f64 / horizon as f64, per_day(reward)));
        let Some(next) = tokenomics::next_halving(issued, 0, ms) else {
            break;
        };
        let step = next.blocks.min(horizon - at);
        at += step;
        issued = issued.saturating_add(step.saturating_mul(reward));
        points.push(((at.min(horizon)) as f64 / horizon as f64, per_day(reward)));
    }
    points
}

/// The overview page.
#[component]
pub fn Overview() -> impl IntoView {
    let i18n = use_i18n();
    let (shown, stale) = live_read(async move |view| model::read_overview(view).await);
    let body = move || match shown() {
        None => view! { <Reading what=i18n.d().reading_overview.to_string() /> }.into_any(),
        Some(Err(e)) if e.is_empty() => ().into_any(),
        Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
        Some(Ok(o)) => view! { <OverviewBody o=o /> }.into_any(),
    };
    view! {
        <section class="page hero">
            <h1>{move || i18n.d().overview_title}</h1>
            <p class="lead">{move || i18n.d().overview_lead}</p>
        </section>
        <section class="page">
            <SourceState />
            <StaleNote stale=stale />
            {body}
        </section>
        <section class="page cards">
            <a class="card link-card" href=Route::Subnets.href()>
                <h2>{move || i18n.d().nav_subnets}</h2>
                <p>{move || i18n.d().card_subnets}</p>
            </a>
            <a class="card link-card" href=Route::Audit.href()>
                <h2>{move || i18n.d().nav_audit}</h2>
                <p>{move || i18n.d().card_audit}</p>
            </a>
            <a class="card link-card" href=Route::Lab.href()>
                <h2>{move || i18n.t().nav_lab}</h2>
                <p>{move || i18n.t().home_lab_text}</p>
            </a>
            <a class="card link-card" href=Route::Chain.href()>
                <h2>{move || i18n.t().nav_chain}</h2>
                <p>{move || i18n.d().card_chain}</p>
            </a>
        </section>
    }
}

#[component]
fn OverviewBody(o: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let badge = view! { <Provenance block=o.block provenance=o.provenance /> };
    let issuance = o.total_issuance;
    let supply_share = issuance.map(|i| i as f64 / tokenomics::TOTAL_SUPPLY as f64);
    let reward = o.block_emission;
    let halving = o.next_halving;
    let block_s = o.block_time_ms.map(|ms| ms as f64 / 1000.0);
    let owner_cut = o.owner_cut.map(|c| f64::from(c) / 65_535.0);
    let schedule = emission_schedule(&o, 16.0);
    let now_ms = js_sys::Date::now();
    let halving_date = halving.map(|h| {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            now_ms + h.seconds as f64 * 1000.0,
        ));
        String::from(date.to_iso_string())
            .chars()
            .take(10)
            .collect::<String>()
    });
    let na = move || i18n.d().not_available;
    let networks = o.total_networks;
    let unavailable = o.unavailable.clone();
    view! {
        <div class="stat-grid" data-view="tokenomics">
            <article class="stat" data-stat="issuance">
                <h2>{move || i18n.d().stat_issuance}</h2>
                <p class="big num">
                    {move || issuance.map_or(na().to_string(), |i| format!("{} τ", tao(i, 2)))}
                </p>
                <p class="muted">
                    {move || supply_share.map(|s| format!("{} {}", percent(s), i18n.d().of_cap))}
                </p>
                <div class="bar" aria-hidden="true">
                    <span style=move || format!("width:{:.2}%", supply_share.unwrap_or(0.0) * 100.0)></span>
                </div>
            </article>
            <article class="stat" data-stat="reward">
                <h2>{move || i18n.d().stat_reward}</h2>
                <p class="big num" data-value=reward>
                    {move || reward.map_or(na().to_string(), |r| format!("{} τ", tao(r, 4)))}
                </p>
                <p class="muted">
                    {move || {
                        o.daily_emission
                            .map(|d| format!("{} τ {}", int(d / 1_000_000_000), i18n.d().per_day))
                    }}
                </p>
            </article>
            <article class="stat" data-stat="halving">
                <h2>{move || i18n.d().stat_halving}</h2>
                {match halving {
                    Some(h) => view! {
                        <p class="big num" data-blocks=h.blocks>
                            {int(h.blocks)} " " {move || i18n.d().blocks}
                        </p>
                        <p class="muted">
                            {move || format!(
                                "#{} · {} {} τ · ≈ {} ({})",
                                int(h.block),
                                i18n.d().halving_at,
                                int(h.at_issuance / 1_000_000_000),
                                halving_date.clone().unwrap_or_default(),
                                duration(h.seconds),
                            )}
                        </p>
                    }
                    .into_any(),
                    None => view! { <p class="big">{move || na()}</p> }.into_any(),
                }}
            </article>
            <article class="stat" data-stat="subnets">
                <h2>{move || i18n.d().stat_subnets}</h2>
                <p class="big num" data-value=networks>
                    {move || networks.map_or(na().to_string(), |n| n.to_string())}
                </p>
                <p class="muted">{move || i18n.d().subnets_note}</p>
            </article>
        </div>
        <p class="provenance-line">{badge}</p>
        <figure class="chart-figure">
            <LineChart
                points=Signal::derive(move || schedule.clone())
                marker=Signal::derive(move || None)
                title=Signal::derive(move || i18n.d().chart_emission_title.to_string())
                desc=Signal::derive(move || i18n.d().chart_emission_desc.to_string())
                marker_label=Signal::derive(String::new)
                x_label=Signal::derive(move || i18n.d().chart_emission_x.to_string())
                x_labels=Signal::derive(|| vec!["0".into(), "4".into(), "8".into(), "12".into(), "16".into()])
            />
            <figcaption>{move || i18n.d().chart_emission_desc}</figcaption>
        </figure>
        <article class="story">
            <h2>{move || i18n.d().story_title}</h2>
            <p>{move || i18n.d().story_supply(reward, block_s)}</p>
            <p>{move || i18n.d().story_subnets(networks, owner_cut)}</p>
            <p>{move || i18n.d().story_yuma}</p>
            <p>{move || i18n.d().story_trust}</p>
        </article>
        {(!unavailable.is_empty())
            .then(|| {
                view! {
                    <p class="muted" data-unavailable="overview">
                        {move || i18n.d().unavailable_items}
                        " "
                        {unavailable.join(", ")}
                    </p>
                }
            })}
    }
}
