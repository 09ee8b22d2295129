//! `#/subnet/N/uid/U`: one neuron — its keys, stake and permit (with why), the last epoch's
//! outputs for it, the weights it set and the bonds it holds, its axon, and what the replay
//! found for it. An unknown uid says so; the rest of the app keeps working.

use leptos::prelude::*;

use chain::model::{self, Metagraph, Neuron};
use chain::ss58;

use crate::dash::{StaleNote, live_read};
use crate::i18n::use_i18n;
use crate::route::Route;
use crate::ui::{ErrorBox, Provenance, Reading, SourceState, int, prop, tao};

/// The neuron page.
#[component]
pub fn NeuronPage(netuid: u16, uid: u16) -> impl IntoView {
    let i18n = use_i18n();
    let (shown, stale) = live_read(async move |view| {
        let m = model::read_metagraph(view, netuid).await?;
        if usize::from(uid) >= m.neurons.len() {
            return Err(chain::ChainError::NotFound(format!(
                "uid {uid} does not exist on netuid {netuid} ({} uids)",
                m.neurons.len()
            )));
        }
        let rows = model::read_rows(view, netuid, uid).await?;
        Ok((m, rows))
    });
    let body = move || match shown() {
        None => view! { <Reading what=i18n.d().reading_subnet(netuid) /> }.into_any(),
        Some(Err(e)) if e.is_empty() => ().into_any(),
        Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
        Some(Ok((m, (weights, bonds)))) => {
            view! { <NeuronBody m=m uid=uid weights=weights bonds=bonds /> }.into_any()
        }
    };
    view! {
        <section class="page" data-netuid=netuid data-uid=uid>
            <p class="breadcrumb">
                <a href=Route::Subnets.href()>{move || i18n.d().nav_subnets}</a>
                " / "
                <a href=Route::Subnet(netuid).href()>"netuid " {netuid}</a>
                " / uid "
                {uid}
            </p>
            <SourceState />
            <StaleNote stale=stale />
            {body}
        </section>
    }
}

#[component]
fn NeuronBody(
    m: Metagraph,
    uid: u16,
    weights: Vec<(u16, u16)>,
    bonds: Vec<(u16, u16)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let n: Neuron = m.neurons[usize::from(uid)].clone();
    let netuid = m.netuid;
    let hotkey = ss58::encode(&n.hotkey);
    let coldkey = n.coldkey.map(|c| ss58::encode(&c));
    let permit_reason = i18n_permit(&n, m.max_validators);
    let rows = |items: &[(u16, u16)]| {
        items
            .iter()
            .map(|(j, v)| {
                view! {
                    <tr data-target=*j>
                        <td class="num"><a href=Route::Neuron(netuid, *j).href()>{*j}</a></td>
                        <td class="num">{*v}</td>
                        <td class="num">{prop(*v)}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let (w_rows, b_rows) = (rows(&weights), rows(&bonds));
    let (w_len, b_len) = (weights.len(), bonds.len());
    view! {
        <h1>"uid " {uid} " · netuid " {netuid}</h1>
        <p class="provenance-line"><Provenance block=m.block provenance=m.provenance /></p>
        <dl class="facts">
            <div><dt>{move || i18n.d().col_hotkey}</dt><dd><code data-hotkey=hotkey.clone()>{hotkey.clone()}</code></dd></div>
            <div>
                <dt>{move || i18n.d().col_coldkey}</dt>
                <dd>
                    {coldkey.clone().map(|c| view! { <a href=Route::Account(c.clone()).href()><code>{c.clone()}</code></a> })}
                </dd>
            </div>
            <div><dt>{move || i18n.d().col_stake}</dt><dd class="num">{tao(n.stake, 4)} " α"</dd></div>
            <div><dt>{move || i18n.d().col_root_stake}</dt><dd class="num">{tao(n.root_stake, 4)} " τ"</dd></div>
            <div><dt>{move || i18n.d().col_permit}</dt><dd data-permit=n.validator_permit.to_string()>{move || permit_reason(i18n.d())}</dd></div>
            <div><dt>{move || i18n.d().col_active}</dt><dd>{n.active.to_string()}</dd></div>
            <div><dt>{move || i18n.d().col_consensus}</dt><dd class="num" data-output="consensus">{prop(n.consensus)}</dd></div>
            <div><dt>{move || i18n.d().col_incentive}</dt><dd class="num" data-output="incentive">{prop(n.incentive)}</dd></div>
            <div><dt>{move || i18n.d().col_dividends}</dt><dd class="num" data-output="dividends">{prop(n.dividends)}</dd></div>
            <div><dt>{move || i18n.d().col_vtrust}</dt><dd class="num">{prop(n.validator_trust)}</dd></div>
            <div><dt>"Rank"</dt><dd class="num">{n.rank.map(prop).unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Trust"</dt><dd class="num">{n.trust.map(prop).unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>{move || i18n.d().col_pruning}</dt><dd class="num">{n.pruning_score.map(prop).unwrap_or_else(|| "—".into())}{(m.next_pruned == Some(uid)).then(|| view! { <span class="tag next-pruned">{move || i18n.d().next_pruned}</span> })}</dd></div>
            <div><dt>{move || i18n.d().col_emission}</dt><dd class="num">{tao(n.emission, 6)} " α"</dd></div>
            <div><dt>{move || i18n.d().col_last_update}</dt><dd class="num">"#" {int(n.last_update)}</dd></div>
            <div><dt>{move || i18n.d().col_registered}</dt><dd class="num">"#" {int(n.registered_at)} {n.immune.then(|| view! { <span class="tag immune">{move || i18n.d().immune}</span> })}</dd></div>
            <div><dt>{move || i18n.d().col_take}</dt><dd class="num">{n.take.map(prop).unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Axon"</dt><dd>{n.axon.as_ref().map_or("—".into(), |a| format!("{}:{} (#{})", a.ip, a.port, a.block))}</dd></div>
        </dl>
        <div class="two-col">
            <section class="panel" data-panel="weights">
                <h2>{move || i18n.d().weights_title(w_len)}</h2>
                <table class="compact">
                    <thead><tr><th scope="col">{move || i18n.d().col_uid}</th><th scope="col" class="num">"u16"</th><th scope="col" class="num">"≈"</th></tr></thead>
                    <tbody>{w_rows}</tbody>
                </table>
            </section>
            <section class="panel" data-panel="bonds">
                <h2>{move || i18n.d().bonds_title(b_len)}</h2>
                <table class="compact">
                    <thead><tr><th scope="col">{move || i18n.d().col_uid}</th><th scope="col" class="num">"u16"</th><th scope="col" class="num">"≈"</th></tr></thead>
                    <tbody>{b_rows}</tbody>
                </table>
            </section>
        </div>
    }
}

/// Why this uid holds a permit or not, in the page's language.
fn i18n_permit(
    n: &Neuron,
    slots: Option<u16>,
) -> impl Fn(&crate::i18n::DashText) -> String + use<> {
    let (permit, rank, weight) = (n.validator_permit, n.stake_rank, n.stake_weight);
    move |d| d.permit_reason(permit, rank, weight.map(prop), slots)
}
