//! `#/subnets`: every subnet in one sortable, filterable table (rows carry `data-netuid`),
//! what registering one costs now and how that cost decays, and who is at risk of pruning.

use leptos::prelude::*;

use chain::model::{self, Overview, Subnet, Subnets};

use crate::chart::line::LineChart;
use crate::dash::{StaleNote, live_read};
use crate::i18n::use_i18n;
use crate::route::Route;
use crate::ui::{
    Column, DataTable, ErrorBox, Provenance, Reading, SortKey, SourceState, int, percent, tao,
};

fn name(s: &Subnet) -> String {
    s.name.clone().unwrap_or_default()
}

fn rule(s: &Subnet) -> &'static str {
    match (s.yuma3, s.liquid_alpha) {
        (Some(true), Some(true)) => "Yuma3 + liquid α",
        (Some(true), _) => "Yuma3",
        (Some(false), _) => "Yuma1",
        _ => "—",
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "—".into(), |v| v.to_string())
}

/// The table's columns.
pub fn columns() -> Vec<Column<Subnet>> {
    vec![
        Column {
            id: "netuid",
            label: |d| d.col_netuid,
            sort: |s| SortKey::Num(Some(f64::from(s.netuid))),
            cell: |s| view! { <a href=Route::Subnet(s.netuid).href()>{s.netuid}</a> }.into_any(),
            export: |s| s.netuid.to_string(),
            numeric: true,
        },
        Column {
            id: "name",
            label: |d| d.col_name,
            sort: |s| SortKey::Text(name(s).to_lowercase()),
            cell: |s| {
                let (n, sym) = (name(s), s.symbol.clone().unwrap_or_default());
                view! {
                    <a href=Route::Subnet(s.netuid).href()>{n}</a>
                    " "
                    <span class="muted symbol">{sym}</span>
                }
                .into_any()
            },
            export: name,
            numeric: false,
        },
        Column {
            id: "neurons",
            label: |d| d.col_neurons,
            sort: |s| SortKey::Num(s.neurons.map(f64::from)),
            cell: |s| format!("{}/{}", opt(s.neurons), opt(s.max_neurons)).into_any(),
            export: |s| opt(s.neurons),
            numeric: true,
        },
        Column {
            id: "tempo",
            label: |d| d.col_tempo,
            sort: |s| SortKey::Num(s.tempo.map(f64::from)),
            cell: |s| opt(s.tempo).into_any(),
            export: |s| opt(s.tempo),
            numeric: true,
        },
        Column {
            id: "price",
            label: |d| d.col_price,
            sort: |s| SortKey::Num(s.price.map(|p| p as f64)),
            cell: |s| s.price.map_or("—".into(), |p| tao(p, 6)).into_any(),
            export: |s| s.price.map_or(String::new(), |p| tao(p, 9)),
            numeric: true,
        },
        Column {
            id: "emission",
            label: |d| d.col_emission_share,
            sort: |s| SortKey::Num(s.emission_share),
            cell: |s| s.emission_share.map_or("—".into(), percent).into_any(),
            export: |s| {
                s.emission_share
                    .map_or(String::new(), |e| format!("{e:.6}"))
            },
            numeric: true,
        },
        Column {
            id: "tao_in",
            label: |d| d.col_tao_in,
            sort: |s| SortKey::Num(s.tao_in.map(|v| v as f64)),
            cell: |s| s.tao_in.map_or("—".into(), |v| tao(v, 2)).into_any(),
            export: |s| s.tao_in.map_or(String::new(), |v| tao(v, 9)),
            numeric: true,
        },
        Column {
            id: "alpha_in",
            label: |d| d.col_alpha_in,
            sort: |s| SortKey::Num(s.alpha_in.map(|v| v as f64)),
            cell: |s| s.alpha_in.map_or("—".into(), |v| tao(v, 2)).into_any(),
            export: |s| s.alpha_in.map_or(String::new(), |v| tao(v, 9)),
            numeric: true,
        },
        Column {
            id: "alpha_out",
            label: |d| d.col_alpha_out,
            sort: |s| SortKey::Num(s.alpha_out.map(|v| v as f64)),
            cell: |s| s.alpha_out.map_or("—".into(), |v| tao(v, 2)).into_any(),
            export: |s| s.alpha_out.map_or(String::new(), |v| tao(v, 9)),
            numeric: true,
        },
        Column {
            id: "burn",
            label: |d| d.col_burn,
            sort: |s| SortKey::Num(s.burn.map(|v| v as f64)),
            cell: |s| s.burn.map_or("—".into(), |v| tao(v, 4)).into_any(),
            export: |s| s.burn.map_or(String::new(), |v| tao(v, 9)),
            numeric: true,
        },
        Column {
            id: "rule",
            label: |d| d.col_rule,
            sort: |s| SortKey::Text(rule(s).into()),
            cell: |s| rule(s).into_any(),
            export: |s| rule(s).into(),
            numeric: false,
        },
        Column {
            id: "next_epoch",
            label: |d| d.col_next_epoch,
            sort: |s| SortKey::Num(s.next_epoch.map(|v| v as f64)),
            cell: |s| {
                s.next_epoch
                    .map_or("—".into(), |b| format!("#{}", int(b)))
                    .into_any()
            },
            export: |s| opt(s.next_epoch),
            numeric: true,
        },
        Column {
            id: "registered",
            label: |d| d.col_registered,
            sort: |s| SortKey::Num(s.registered_at.map(|v| v as f64)),
            cell: |s| {
                let i18n = use_i18n();
                let immune = s.immune.then(|| {
                    view! {
                        <span class="tag immune" title=s.immune_until.map(|u| format!("→ #{u}"))>
                            {move || i18n.d().immune}
                        </span>
                    }
                });
                view! {
                    {s.registered_at.map_or("—".into(), |b| format!("#{}", int(b)))}
                    {immune}
                }
                .into_any()
            },
            export: |s| opt(s.registered_at),
            numeric: true,
        },
    ]
}

/// The subnets page.
#[component]
pub fn SubnetsPage() -> impl IntoView {
    let i18n = use_i18n();
    let (shown, stale) = live_read(async move |view| {
        Ok((
            model::read_subnets(view).await?,
            model::read_overview(view).await?,
        ))
    });
    let body = move || match shown() {
        None => view! { <Reading what=i18n.d().reading_subnets.to_string() /> }.into_any(),
        Some(Err(e)) if e.is_empty() => ().into_any(),
        Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
        Some(Ok((subnets, overview))) => {
            view! { <SubnetsBody subnets=subnets overview=overview /> }.into_any()
        }
    };
    view! {
        <section class="page">
            <h1>{move || i18n.d().subnets_title}</h1>
            <p class="lead">{move || i18n.d().subnets_lead}</p>
            <SourceState />
            <StaleNote stale=stale />
            {body}
        </section>
    }
}

#[component]
fn SubnetsBody(subnets: Subnets, overview: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let block = subnets.block;
    let rows = subnets.subnets.clone();
    let at_risk: Vec<u16> = subnets.pruning_order.iter().take(3).copied().collect();
    let prunes = subnets.prunes;
    view! {
        <p class="provenance-line">
            <Provenance block=block provenance=subnets.provenance />
        </p>
        <DataTable
            rows=Signal::derive(move || rows.clone())
            columns=columns()
            caption=Signal::derive(move || i18n.d().subnets_caption(block.number))
            prefix=""
            default_sort=("netuid", false)
            row_ids=|s: &Subnet| (Some(s.netuid), None)
            export_name=Signal::derive(move || format!("subnets-{}", block.number))
        />
        <div class="two-col">
            <section class="panel" data-panel="registration">
                <h2>{move || i18n.d().registration_title}</h2>
                <RegistrationCost overview=overview.clone() />
            </section>
            <section class="panel" data-panel="pruning">
                <h2>{move || i18n.d().pruning_title}</h2>
                <p>
                    {move || {
                        if prunes { i18n.d().pruning_active } else { i18n.d().pruning_none }
                    }}
                </p>
                {at_risk.is_empty().then(|| view! { <p class="muted">{move || i18n.d().none_at_risk}</p> })}
                <ol class="at-risk" data-at-risk=at_risk.len()>
                    {at_risk
                        .iter()
                        .map(|n| view! { <li><a href=Route::Subnet(*n).href()>"netuid " {*n}</a></li> })
                        .collect_view()}
                </ol>
                <p class="muted">{move || i18n.d().pruning_rule}</p>
            </section>
        </div>
    }
}

/// The lock a registration pays now, and its decay toward the minimum as a chart.
#[component]
pub fn RegistrationCost(overview: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let Some(lock) = overview.lock else {
        return view! { <p class="muted">{move || i18n.d().not_available}</p> }.into_any();
    };
    let now = overview.block.number;
    let block_ms = overview.block_time_ms.unwrap_or(12_000);
    let horizon = 30 * 86_400_000 / block_ms;
    let curve: Vec<(u64, u64)> = lock.curve(now, horizon, 48);
    let span = curve
        .last()
        .map_or(1, |(b, _)| b.saturating_sub(now).max(1));
    let points: Vec<(f64, f64)> = curve
        .iter()
        .map(|(b, c)| ((b - now) as f64 / span as f64, *c as f64 / 1e9))
        .collect();
    let floor = lock.floor_block(now);
    let cost = lock.at(now);
    let days = move |blocks: u64| blocks as f64 * block_ms as f64 / 86_400_000.0;
    let labels: Vec<String> = (0..5)
        .map(|k| format!("{:.1} d", days(span * k / 4)))
        .collect();
    view! {
        <p class="big num" data-lock-cost=cost>{tao(cost, 2)} " τ"</p>
        <p class="muted">
            {move || i18n.d().lock_detail(
                tao(lock.min_lock, 0),
                floor.map(|f| (int(f), days(f.saturating_sub(now)))),
            )}
        </p>
        <LineChart
            points=Signal::derive(move || points.clone())
            marker=Signal::derive(move || Some((0.0, cost as f64 / 1e9)))
            title=Signal::derive(move || i18n.d().lock_chart_title.to_string())
            desc=Signal::derive(move || i18n.d().lock_chart_desc.to_string())
            marker_label=Signal::derive(move || format!("{} τ", tao(cost, 2)))
            x_label=Signal::derive(move || i18n.d().lock_chart_x.to_string())
            x_labels=Signal::derive(move || labels.clone())
        />
    }
    .into_any()
}
