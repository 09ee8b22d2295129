//! `#/subnet/N`: one subnet — its metagraph (every uid, sortable, rows with `data-uid`), why
//! each permit holder holds one, how its emission splits, its hyperparameters, validator
//! returns estimated from its own dividends, and the replay of its last epoch with a verdict
//! and a per-uid diff.

use leptos::prelude::*;

use chain::model::{self, Hyperparam, Metagraph, Neuron, Overview, Subnet};
use chain::replay::{self, EpochRecord, Replay, Verdict};
use chain::ss58;

use crate::dash::{Dash, PageSource, StaleNote, live_read, refresh_tick, use_dash};
use crate::i18n::use_i18n;
use crate::route::{Route, use_router};
use crate::ui::{
    Column, DataTable, ErrorBox, Provenance, Reading, SortKey, SourceState, int, percent, prop,
    short_address, tao,
};

/// Everything the page reads at one block.
#[derive(Clone)]
struct SubnetData {
    subnet: Subnet,
    metagraph: Metagraph,
    params: Vec<Hyperparam>,
    overview: Overview,
}

/// A metagraph row: the neuron and its subnet (for links).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
struct NeuronRow {
    netuid: u16,
    #[serde(flatten)]
    n: Neuron,
}

fn metagraph_columns() -> Vec<Column<NeuronRow>> {
    vec![
        Column {
            id: "uid",
            label: |d| d.col_uid,
            sort: |r| SortKey::Num(Some(f64::from(r.n.uid))),
            cell: |r| {
                view! { <a href=Route::Neuron(r.netuid, r.n.uid).href()>{r.n.uid}</a> }.into_any()
            },
            export: |r| r.n.uid.to_string(),
            numeric: true,
        },
        Column {
            id: "hotkey",
            label: |d| d.col_hotkey,
            sort: |r| SortKey::Text(ss58::encode(&r.n.hotkey)),
            cell: |r| {
                view! { <code title=ss58::encode(&r.n.hotkey)>{short_address(&r.n.hotkey)}</code> }
                    .into_any()
            },
            export: |r| ss58::encode(&r.n.hotkey),
            numeric: false,
        },
        Column {
            id: "coldkey",
            label: |d| d.col_coldkey,
            sort: |r| SortKey::Text(r.n.coldkey.map(|c| ss58::encode(&c)).unwrap_or_default()),
            cell: |r| match r.n.coldkey {
                Some(c) => view! {
                    <a href=Route::Account(ss58::encode(&c)).href() title=ss58::encode(&c)>
                        <code>{short_address(&c)}</code>
                    </a>
                }
                .into_any(),
                None => "—".into_any(),
            },
            export: |r| r.n.coldkey.map(|c| ss58::encode(&c)).unwrap_or_default(),
            numeric: false,
        },
        Column {
            id: "stake",
            label: |d| d.col_stake,
            sort: |r| SortKey::Num(Some(r.n.stake as f64)),
            cell: |r| tao(r.n.stake, 2).into_any(),
            export: |r| tao(r.n.stake, 9),
            numeric: true,
        },
        Column {
            id: "root_stake",
            label: |d| d.col_root_stake,
            sort: |r| SortKey::Num(Some(r.n.root_stake as f64)),
            cell: |r| tao(r.n.root_stake, 2).into_any(),
            export: |r| tao(r.n.root_stake, 9),
            numeric: true,
        },
        Column {
            id: "permit",
            label: |d| d.col_permit,
            sort: |r| SortKey::Num(Some(f64::from(u8::from(r.n.validator_permit)))),
            cell: |r| (if r.n.validator_permit { "✓" } else { "" }).into_any(),
            export: |r| r.n.validator_permit.to_string(),
            numeric: false,
        },
        Column {
            id: "active",
            label: |d| d.col_active,
            sort: |r| SortKey::Num(Some(f64::from(u8::from(r.n.active)))),
            cell: |r| (if r.n.active { "●" } else { "○" }).into_any(),
            export: |r| r.n.active.to_string(),
            numeric: false,
        },
        Column {
            id: "consensus",
            label: |d| d.col_consensus,
            sort: |r| SortKey::Num(Some(f64::from(r.n.consensus))),
            cell: |r| prop(r.n.consensus).into_any(),
            export: |r| prop(r.n.consensus),
            numeric: true,
        },
        Column {
            id: "incentive",
            label: |d| d.col_incentive,
            sort: |r| SortKey::Num(Some(f64::from(r.n.incentive))),
            cell: |r| prop(r.n.incentive).into_any(),
            export: |r| prop(r.n.incentive),
            numeric: true,
        },
        Column {
            id: "dividends",
            label: |d| d.col_dividends,
            sort: |r| SortKey::Num(Some(f64::from(r.n.dividends))),
            cell: |r| prop(r.n.dividends).into_any(),
            export: |r| prop(r.n.dividends),
            numeric: true,
        },
        Column {
            id: "vtrust",
            label: |d| d.col_vtrust,
            sort: |r| SortKey::Num(Some(f64::from(r.n.validator_trust))),
            cell: |r| prop(r.n.validator_trust).into_any(),
            export: |r| prop(r.n.validator_trust),
            numeric: true,
        },
        Column {
            id: "emission",
            label: |d| d.col_emission,
            sort: |r| SortKey::Num(Some(r.n.emission as f64)),
            cell: |r| tao(r.n.emission, 4).into_any(),
            export: |r| tao(r.n.emission, 9),
            numeric: true,
        },
        Column {
            id: "registered",
            label: |d| d.col_registered,
            sort: |r| SortKey::Num(Some(r.n.registered_at as f64)),
            cell: |r| {
                let i18n = use_i18n();
                let immune = r
                    .n
                    .immune
                    .then(|| view! { <span class="tag immune">{move || i18n.d().immune}</span> });
                view! { {format!("#{}", int(r.n.registered_at))} {immune} }.into_any()
            },
            export: |r| r.n.registered_at.to_string(),
            numeric: true,
        },
        Column {
            id: "last_update",
            label: |d| d.col_last_update,
            sort: |r| SortKey::Num(Some(r.n.last_update as f64)),
            cell: |r| format!("#{}", int(r.n.last_update)).into_any(),
            export: |r| r.n.last_update.to_string(),
            numeric: true,
        },
    ]
}

/// The subnet page.
#[component]
pub fn SubnetPage(netuid: u16) -> impl IntoView {
    let i18n = use_i18n();
    let (shown, stale) = live_read(async move |view| {
        let subnets = model::read_subnets(view).await?;
        let subnet = subnets
            .subnets
            .into_iter()
            .find(|s| s.netuid == netuid)
            .ok_or_else(|| {
                chain::ChainError::NotFound(format!("netuid {netuid} does not exist"))
            })?;
        Ok(SubnetData {
            subnet,
            metagraph: model::read_metagraph(view, netuid).await?,
            params: model::read_hyperparams(view, netuid).await?,
            overview: model::read_overview(view).await?,
        })
    });
    let body = move || match shown() {
        None => view! { <Reading what=i18n.d().reading_subnet(netuid) /> }.into_any(),
        Some(Err(e)) if e.is_empty() => ().into_any(),
        Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
        Some(Ok(d)) => view! { <SubnetBody data=d /> }.into_any(),
    };
    view! {
        <section class="page" data-netuid=netuid>
            <p class="breadcrumb">
                <a href=Route::Subnets.href()>{move || i18n.d().nav_subnets}</a>
                " / netuid "
                {netuid}
            </p>
            <SourceState />
            <StaleNote stale=stale />
            {body}
            {(netuid != 0).then(|| view! { <ReplayPanel netuid=netuid /> })}
        </section>
    }
}

#[component]
fn SubnetBody(data: SubnetData) -> impl IntoView {
    let i18n = use_i18n();
    let router = use_router();
    let s = data.subnet.clone();
    let m = data.metagraph.clone();
    let netuid = s.netuid;
    let block = m.block;
    let title = s.name.clone().unwrap_or_else(|| format!("netuid {netuid}"));
    let neurons = m.neurons.clone();
    let role = move || router.query("role").unwrap_or_else(|| "all".into());
    let rows = Signal::derive(move || {
        let role = role();
        neurons
            .iter()
            .filter(|n| match role.as_str() {
                "validators" => n.validator_permit,
                "miners" => !n.validator_permit,
                "active" => n.active,
                _ => true,
            })
            .map(|n| NeuronRow {
                netuid,
                n: n.clone(),
            })
            .collect::<Vec<_>>()
    });
    let roles = ["all", "validators", "miners", "active"];
    let facts = view! {
        <dl class="facts">
            <div><dt>{move || i18n.d().col_neurons}</dt><dd class="num" data-fact="neurons">{format!("{}/{}", s.neurons.unwrap_or(0), s.max_neurons.unwrap_or(0))}</dd></div>
            <div><dt>{move || i18n.d().col_tempo}</dt><dd class="num">{s.tempo.map(|t| t.to_string())}</dd></div>
            <div><dt>{move || i18n.d().col_next_epoch}</dt><dd class="num">{s.next_epoch.map(|b| format!("#{}", int(b)))}</dd></div>
            <div><dt>{move || i18n.d().col_price}</dt><dd class="num" data-fact="price">{s.price.map(|p| format!("{} τ/α", tao(p, 6)))}</dd></div>
            <div><dt>{move || i18n.d().col_emission_share}</dt><dd class="num">{s.emission_share.map(percent)}</dd></div>
            <div><dt>{move || i18n.d().col_rule}</dt><dd>{match (s.yuma3, s.liquid_alpha) { (Some(true), Some(true)) => "Yuma3 + liquid α", (Some(true), _) => "Yuma3", _ => "Yuma1" }}</dd></div>
            <div><dt>{move || i18n.d().col_owner}</dt><dd>{s.owner_coldkey.map(|c| view! { <a href=Route::Account(ss58::encode(&c)).href()><code>{short_address(&c)}</code></a> })}</dd></div>
            <div><dt>{move || i18n.d().col_registered}</dt><dd class="num">{s.registered_at.map(|b| format!("#{}", int(b)))}{s.immune.then(|| view! { <span class="tag immune">{move || i18n.d().immune}</span> })}</dd></div>
        </dl>
    };
    view! {
        <h1>{title} " " <span class="muted symbol">{s.symbol.clone()}</span></h1>
        <p class="provenance-line"><Provenance block=block provenance=m.provenance /></p>
        {facts}
        <section data-panel="metagraph">
        <h2 id="metagraph">{move || i18n.d().metagraph_title}</h2>
        <div class="role-filter" role="group" aria-label=move || i18n.d().role_label>
            {roles
                .into_iter()
                .map(|r| {
                    view! {
                        <button
                            type="button"
                            data-role=r
                            aria-pressed=move || (role() == r).to_string()
                            on:click=move |_| router.set_query(&[("role", (r != "all").then(|| r.to_owned()))])
                        >
                            {move || i18n.d().role_name(r)}
                        </button>
                    }
                })
                .collect_view()}
        </div>
        <DataTable
            rows=rows
            columns=metagraph_columns()
            caption=Signal::derive(move || i18n.d().metagraph_caption(netuid, block.number))
            prefix="m"
            default_sort=("uid", false)
            row_ids=|r: &NeuronRow| (None, Some(r.n.uid))
            export_name=Signal::derive(move || format!("metagraph-{netuid}-{}", block.number))
        />
        </section>
        <div class="two-col">
            <Permits metagraph=m.clone() />
            <EmissionSplit metagraph=m.clone() overview=data.overview.clone() />
        </div>
        <Returns metagraph=m.clone() overview=data.overview.clone() tempo=s.tempo.unwrap_or(360) />
        <section class="panel" data-panel="hyperparams">
            <h2>{move || i18n.d().hyperparams_title}</h2>
            <table class="kv">
                <tbody>
                    {data
                        .params
                        .iter()
                        .map(|p| {
                            let value = p.value.clone();
                            view! {
                                <tr data-param=p.name.clone()>
                                    <th scope="row">{p.name.clone()}</th>
                                    <td>{move || value.clone().unwrap_or_else(|| i18n.d().not_available.into())}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Why each permit holder holds one: its stake rank against the permit slots.
#[component]
fn Permits(metagraph: Metagraph) -> impl IntoView {
    let i18n = use_i18n();
    let slots = metagraph.max_validators;
    let mut ranked: Vec<Neuron> = metagraph
        .neurons
        .iter()
        .filter(|n| n.stake_rank.is_some())
        .cloned()
        .collect();
    ranked.sort_by_key(|n| n.stake_rank);
    let shown: Vec<Neuron> = ranked
        .into_iter()
        .take(usize::from(slots.unwrap_or(64)) + 2)
        .collect();
    view! {
        <section class="panel" data-panel="permits">
            <h2>{move || i18n.d().permits_title}</h2>
            <p>{move || i18n.d().permits_rule(slots)}</p>
            <table class="compact">
                <thead>
                    <tr>
                        <th scope="col">{move || i18n.d().col_rank}</th>
                        <th scope="col">{move || i18n.d().col_uid}</th>
                        <th scope="col" class="num">{move || i18n.d().col_stake_weight}</th>
                        <th scope="col">{move || i18n.d().col_permit}</th>
                    </tr>
                </thead>
                <tbody>
                    {shown
                        .iter()
                        .map(|n| {
                            view! {
                                <tr data-uid=n.uid>
                                    <td class="num">{n.stake_rank}</td>
                                    <td class="num">{n.uid}</td>
                                    <td class="num">{n.stake_weight.map(prop)}</td>
                                    <td>{if n.validator_permit { "✓" } else { "" }}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The subnet's emission split as the runtime makes it: the owner's cut (`SubnetOwnerCut`),
/// then the last epoch's own split of the rest between miners and validators.
#[component]
fn EmissionSplit(metagraph: Metagraph, overview: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let owner = overview.owner_cut.map(|c| f64::from(c) / 65_535.0);
    let (mut miners, mut validators) = (0f64, 0f64);
    for n in &metagraph.neurons {
        let (inc, div) = (f64::from(n.incentive), f64::from(n.dividends));
        if inc + div > 0.0 {
            miners += n.emission as f64 * inc / (inc + div);
            validators += n.emission as f64 * div / (inc + div);
        }
    }
    let total = miners + validators;
    let rest = 1.0 - owner.unwrap_or(0.0);
    let split = (total > 0.0).then(|| (rest * miners / total, rest * validators / total));
    view! {
        <section class="panel" data-panel="split">
            <h2>{move || i18n.d().split_title}</h2>
            <ul class="split">
                <li data-share="owner">{move || i18n.d().split_owner} " " <strong>{owner.map(percent)}</strong></li>
                <li data-share="miners">{move || i18n.d().split_miners} " " <strong>{split.map(|s| percent(s.0))}</strong></li>
                <li data-share="validators">{move || i18n.d().split_validators} " " <strong>{split.map(|s| percent(s.1))}</strong></li>
            </ul>
            <p class="muted">{move || i18n.d().split_note}</p>
        </section>
    }
}

/// Validator returns estimated from the chain's own figures, with the formula shown.
#[component]
fn Returns(metagraph: Metagraph, overview: Overview, tempo: u16) -> impl IntoView {
    let i18n = use_i18n();
    let block_s = overview.block_time_ms.unwrap_or(12_000) as f64 / 1000.0;
    let epochs_per_year = 365.25 * 86_400.0 / (block_s * (f64::from(tempo) + 1.0));
    let rows: Vec<(u16, u64, u64, f64)> = metagraph
        .neurons
        .iter()
        .filter(|n| n.validator_permit && n.stake > 0)
        .filter_map(|n| {
            let div = n.alpha_dividends?;
            Some((
                n.uid,
                n.stake,
                div,
                div as f64 / n.stake as f64 * epochs_per_year,
            ))
        })
        .collect();
    view! {
        <section class="panel" data-panel="returns">
            <h2>{move || i18n.d().returns_title}</h2>
            <p class="formula"><code>"APR ≈ AlphaDividendsPerSubnet ÷ TotalHotkeyAlpha × epochs/year"</code></p>
            <p class="muted">{move || i18n.d().returns_note(epochs_per_year, tempo, block_s)}</p>
            <table class="compact">
                <thead>
                    <tr>
                        <th scope="col">{move || i18n.d().col_uid}</th>
                        <th scope="col" class="num">{move || i18n.d().col_stake}</th>
                        <th scope="col" class="num">{move || i18n.d().col_dividends_paid}</th>
                        <th scope="col" class="num">"APR"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .iter()
                        .map(|(uid, stake, div, apr)| {
                            view! {
                                <tr data-uid=*uid>
                                    <td class="num">{*uid}</td>
                                    <td class="num">{tao(*stake, 2)}</td>
                                    <td class="num">{tao(*div, 6)}</td>
                                    <td class="num" data-apr=*apr>{percent(*apr)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Reads the subnet's last epoch, waiting for its next one while the light client no longer
/// keeps the last (a snapshot has what it recorded, or nothing).
pub async fn read_record(dash: &Dash, netuid: u16) -> Result<EpochRecord, String> {
    if let Some(r) = dash.records.with_untracked(|r| r.get(&netuid).cloned()) {
        return Ok(r);
    }
    let source = dash.ready_source().await?;
    let attempts = match &*source {
        PageSource::Snapshot(..) => 1,
        #[allow(unreachable_patterns)]
        _ => 3,
    };
    let dash = *dash;
    let record = replay::read_last_epoch_waiting(
        &*source,
        netuid,
        &dash.cache(),
        attempts,
        |b| async move {
            dash.epoch_waits.update(|w| {
                w.insert(netuid, b);
            });
            while dash.finalized_number_untracked().unwrap_or(0) < b {
                crate::engine::sleep_ms(400).await;
            }
            dash.epoch_waits.update(|w| {
                w.remove(&netuid);
            });
        },
    )
    .await;
    dash.epoch_waits.update(|w| {
        w.remove(&netuid);
    });
    let record = record.map_err(|e| e.to_string())?;
    dash.records.update(|r| {
        r.insert(netuid, record.clone());
    });
    Ok(record)
}

/// The replay of the subnet's last epoch: verdict, rule, and what differs.
#[component]
fn ReplayPanel(netuid: u16) -> impl IntoView {
    let i18n = use_i18n();
    let dash = use_dash();
    let tick = refresh_tick(&dash);
    let result = LocalResource::new({
        move || {
            tick.track();
            dash.source();
            async move {
                dash.records.update(|r| {
                    r.remove(&netuid);
                });
                let record = read_record(&dash, netuid).await?;
                let replay = replay::replay(&record);
                Ok::<_, String>((record, replay))
            }
        }
    });
    let body = move || match result.get() {
        None => {
            let what =
                Signal::derive(
                    move || match dash.epoch_waits.with(|w| w.get(&netuid).copied()) {
                        Some(b) => i18n
                            .d()
                            .waiting_epoch(b, dash.finalized_number().unwrap_or(0)),
                        None => i18n.d().reading_replay.to_string(),
                    },
                );
            view! { <Reading what=what /> }.into_any()
        }
        Some(Err(e)) if e.is_empty() => ().into_any(),
        Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
        Some(Ok((record, r))) => view! { <ReplayView record=record replay=r /> }.into_any(),
    };
    view! {
        <section class="panel replay" id="replay" data-panel="replay">
            <h2>{move || i18n.d().replay_title}</h2>
            <p class="muted">{move || i18n.d().replay_lead}</p>
            {body}
        </section>
    }
}

/// A verdict with its engine and rule, and the mismatches.
#[component]
pub fn ReplayView(record: EpochRecord, replay: Replay) -> impl IntoView {
    let i18n = use_i18n();
    let verdict = match replay.verdict {
        Verdict::Exact => "exact",
        Verdict::Differs => "differs",
        Verdict::Unsupported => "unsupported",
    };
    let evidence = replay.rule_evidence;
    let compared: Vec<String> = replay
        .compared
        .iter()
        .map(|(f, n)| format!("{f} ({n})"))
        .collect();
    let mismatches = replay.mismatches.clone();
    let netuid = record.netuid;
    let provenance = use_dash()
        .source()
        .map_or(chain::Provenance::LightClient, |s| {
            chain::Source::provenance(&*s)
        });
    view! {
        <p class="verdict-line">
            <span class="verdict" data-verdict=verdict>{move || i18n.d().verdict(verdict)}</span>
            " "
            <span class="engine-badge" data-engine="cpu-fixed">{move || i18n.t().engine_cpu_fixed}</span>
            " "
            <Provenance block=record.epoch_block provenance=provenance />
        </p>
        <p>
            {move || i18n.d().replay_blocks(record.input_block.number, record.epoch_block.number, record.spec_version)}
            " · "
            {move || i18n.d().rule_line(&replay.rule, evidence)}
        </p>
        {replay.reason.clone().map(|r| view! { <p class="reason" data-reason="">{r}</p> })}
        <p class="muted">{move || i18n.d().compared} " " {compared.join(", ")}</p>
        {(!mismatches.is_empty())
            .then(|| {
                view! {
                    <div class="table-wrap" role="region" tabindex="0">
                        <table class="compact mismatches">
                            <caption>{move || i18n.d().mismatches_caption(replay.mismatch_count)}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{move || i18n.d().col_uid}</th>
                                    <th scope="col">{move || i18n.d().col_field}</th>
                                    <th scope="col">{move || i18n.d().col_chain}</th>
                                    <th scope="col">{move || i18n.d().col_replay}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {mismatches
                                    .iter()
                                    .map(|m| view! {
                                        <tr data-uid=m.uid data-field=m.field.clone()>
                                            <td class="num">{m.uid}</td>
                                            <td>{m.field.clone()}</td>
                                            <td><code>{m.stored.clone()}</code></td>
                                            <td><code>{m.computed.clone()}</code></td>
                                        </tr>
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            })}
        <p>
            <a class="button" href=crate::route::link(&format!("#/lab?netuid={netuid}")) data-open-lab=netuid>
                {move || i18n.d().open_in_lab}
            </a>
        </p>
    }
}
