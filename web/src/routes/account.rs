//! `#/account/SS58`: one coldkey — free TAO, stake per subnet and hotkey with its value at the
//! pool price, and the total. A malformed address is refused with the reason (a typo fails the
//! checksum), before anything is read.

use leptos::prelude::*;

use chain::model::{self, Account, Position};
use chain::ss58;

use crate::dash::{StaleNote, live_read};
use crate::i18n::use_i18n;
use crate::route::Route;
use crate::ui::{
    Column, DataTable, ErrorBox, Provenance, Reading, SortKey, SourceState, short_address, tao,
};

fn columns() -> Vec<Column<Position>> {
    vec![
        Column {
            id: "netuid",
            label: |d| d.col_netuid,
            sort: |p| SortKey::Num(Some(f64::from(p.netuid))),
            cell: |p| view! { <a href=Route::Subnet(p.netuid).href()>{p.netuid}</a> }.into_any(),
            export: |p| p.netuid.to_string(),
            numeric: true,
        },
        Column {
            id: "hotkey",
            label: |d| d.col_hotkey,
            sort: |p| SortKey::Text(ss58::encode(&p.hotkey)),
            cell: |p| {
                view! { <code title=ss58::encode(&p.hotkey)>{short_address(&p.hotkey)}</code> }
                    .into_any()
            },
            export: |p| ss58::encode(&p.hotkey),
            numeric: false,
        },
        Column {
            id: "alpha",
            label: |d| d.col_alpha,
            sort: |p| SortKey::Num(Some(p.alpha as f64)),
            cell: |p| tao(p.alpha, 4).into_any(),
            export: |p| tao(p.alpha, 9),
            numeric: true,
        },
        Column {
            id: "price",
            label: |d| d.col_price,
            sort: |p| SortKey::Num(p.price.map(|v| v as f64)),
            cell: |p| p.price.map_or("—".into(), |v| tao(v, 6)).into_any(),
            export: |p| p.price.map_or(String::new(), |v| tao(v, 9)),
            numeric: true,
        },
        Column {
            id: "value",
            label: |d| d.col_value,
            sort: |p| SortKey::Num(p.tao_value.map(|v| v as f64)),
            cell: |p| p.tao_value.map_or("—".into(), |v| tao(v, 4)).into_any(),
            export: |p| p.tao_value.map_or(String::new(), |v| tao(v, 9)),
            numeric: true,
        },
    ]
}

/// The account page.
#[component]
pub fn AccountPage(address: String) -> impl IntoView {
    let i18n = use_i18n();
    let coldkey = match ss58::decode(&address) {
        Ok(c) => c,
        Err(e) => {
            return view! {
                <section class="page narrow">
                    <h1>{move || i18n.d().account_title}</h1>
                    <ErrorBox message=format!("{address}: {e}") />
                </section>
            }
            .into_any();
        }
    };
    // The staking panel bumps this after a finalized stake move: the positions read again.
    provide_context(crate::dash::ReadAgain(RwSignal::new(0)));
    let (shown, stale) = live_read(async move |view| model::read_account(view, coldkey).await);
    let body = move || match shown() {
        None => view! { <Reading what=i18n.d().reading_account.to_string() /> }.into_any(),
        Some(Err(e)) if e.is_empty() => ().into_any(),
        Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
        Some(Ok(a)) => view! { <AccountBody a=a /> }.into_any(),
    };
    // Staking signs through browser extensions, which only exist in the browser build.
    #[cfg(target_arch = "wasm32")]
    let stake = view! { <crate::routes::stake::StakePanel coldkey=coldkey /> }.into_any();
    #[cfg(not(target_arch = "wasm32"))]
    let stake = ().into_any();
    view! {
        <section class="page" data-account=address.clone()>
            <h1>{move || i18n.d().account_title}</h1>
            <p><code class="address">{address.clone()}</code></p>
            <SourceState />
            <StaleNote stale=stale />
            {body}
            {stake}
        </section>
    }
    .into_any()
}

#[component]
fn AccountBody(a: Account) -> impl IntoView {
    let i18n = use_i18n();
    let positions = a.positions.clone();
    let block = a.block;
    let total = a.free.unwrap_or(0).saturating_add(a.staked_value);
    let short = short_address(&a.coldkey);
    view! {
        <p class="provenance-line"><Provenance block=a.block provenance=a.provenance /></p>
        <dl class="facts">
            <div><dt>{move || i18n.d().free_balance}</dt><dd class="num" data-free=a.free>{a.free.map_or("—".into(), |f| format!("{} τ", tao(f, 4)))}</dd></div>
            <div><dt>{move || i18n.d().staked_value}</dt><dd class="num" data-staked=a.staked_value>{tao(a.staked_value, 4)} " τ"</dd></div>
            <div><dt>{move || i18n.d().total_value}</dt><dd class="num">{tao(total, 4)} " τ"</dd></div>
            <div><dt>{move || i18n.d().owned_hotkeys}</dt><dd class="num">{a.owned_hotkeys.len()}</dd></div>
        </dl>
        <DataTable
            rows=Signal::derive(move || positions.clone())
            columns=columns()
            caption=Signal::derive(move || i18n.d().positions_caption(block.number))
            prefix="p"
            default_sort=("value", true)
            row_ids=|p: &Position| (Some(p.netuid), None)
            export_name=Signal::derive(move || format!("stake-{short}-{}", block.number))
        />
        <p class="muted">{move || i18n.d().value_note}</p>
    }
}
