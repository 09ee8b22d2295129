//! `/lab`: the consensus lab. Pick a bundled example subnet, move kappa, and every input event
//! reruns one Yuma epoch in the page with `yuma::fixed` (the chain's own arithmetic), then redraws
//! the ranking table and the incentive chart.
//!
//! The case in memory is only replaced by one that loaded and parsed, so a failed fetch or a bad
//! file shows an error panel above figures that stay as they were. One epoch only: multi-epoch
//! replays (bonds carried over) and the GPU engine come with later issues.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use yuma::{EpochInput, EpochOutput, YumaVersion};

use crate::EngineBadge;
use crate::api::{self, CaseEntry, LoadError};
use crate::chart::{Bar, BarChart};
use crate::i18n::{Lang, Text, use_i18n};

/// A case that loaded, with the kappa it came with.
#[derive(Clone, Debug, PartialEq)]
struct Loaded {
    entry: CaseEntry,
    description: Option<String>,
    input: EpochInput,
    case_kappa: u16,
}

/// One epoch's output and how long it took.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    out: EpochOutput,
    /// Mean wall time of one epoch, in milliseconds.
    ms: f64,
    /// How many epochs the mean is over.
    runs: u32,
}

/// `performance.now()` is coarsened (to 0.1 ms or more), so a small subnet is rerun until this
/// much time has passed and the mean is shown instead of a rounding artefact.
const MIN_TIMING_MS: f64 = 2.0;
const MAX_TIMING_RUNS: u32 = 1000;

fn timed_epoch(input: &EpochInput) -> Run {
    let performance = window().performance();
    let now = || performance.as_ref().map_or(0.0, web_sys::Performance::now);
    let start = now();
    let out = yuma::fixed::epoch(input);
    let mut elapsed = now() - start;
    let mut runs = 1;
    while elapsed < MIN_TIMING_MS && runs < MAX_TIMING_RUNS {
        std::hint::black_box(yuma::fixed::epoch(std::hint::black_box(input)));
        runs += 1;
        elapsed = now() - start;
    }
    Run {
        out,
        ms: elapsed / f64::from(runs),
        runs,
    }
}

/// One table row, with every figure at full precision.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    rank: usize,
    uid: u16,
    stake: f64,
    consensus: f64,
    incentive: f64,
    incentive_u16: u16,
    dividends: f64,
    validator_trust: f64,
    permit: bool,
    active: bool,
    /// Incentive relative to the largest, 0..=1, for the bar behind the number.
    bar: f64,
}

impl Row {
    /// Identity for keyed rendering: a row is reused only when nothing in it changed.
    fn key(&self) -> (usize, u16, [u64; 6], bool, bool) {
        (
            self.rank,
            self.uid,
            [
                self.bar.to_bits(),
                self.stake.to_bits(),
                self.consensus.to_bits(),
                self.incentive.to_bits(),
                self.dividends.to_bits(),
                self.validator_trust.to_bits(),
            ],
            self.permit,
            self.active,
        )
    }
}

fn rows(out: &EpochOutput) -> Vec<Row> {
    let f = &out.floats;
    let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or_default();
    let max = f.incentive.iter().copied().fold(0.0, f64::max);
    out.ranking()
        .into_iter()
        .enumerate()
        .map(|(rank, uid)| {
            let i = usize::from(uid);
            Row {
                rank: rank + 1,
                uid,
                stake: at(&f.stake, i),
                consensus: at(&f.consensus, i),
                incentive: at(&f.incentive, i),
                incentive_u16: out.incentive_u16.get(i).copied().unwrap_or_default(),
                dividends: at(&f.dividends, i),
                validator_trust: at(&f.validator_trust, i),
                permit: out.validator_permits.get(i).copied().unwrap_or_default(),
                active: out.active.get(i).copied().unwrap_or_default(),
                bar: if max > 0.0 {
                    at(&f.incentive, i) / max
                } else {
                    0.0
                },
            }
        })
        .collect()
}

/// A proportion for the table: five decimals, or a lone `0` so that zeros stand back.
fn figure(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else {
        format!("{v:.5}")
    }
}

/// Milliseconds with about three significant digits.
fn format_ms(ms: f64) -> String {
    if ms < 0.1 {
        format!("{ms:.3} ms")
    } else if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// A stake share as a percentage, `0` for none.
fn percent(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if v < 0.0001 {
        "<0.01%".to_owned()
    } else {
        format!("{:.2}%", v * 100.0)
    }
}

fn kappa_proportion(kappa: u16) -> f64 {
    f64::from(kappa) / f64::from(u16::MAX)
}

fn variant_label(input: &EpochInput, t: &Text) -> String {
    let params = input.params();
    let yuma = match params.yuma {
        YumaVersion::Yuma1 => "Yuma1",
        YumaVersion::Yuma3 => "Yuma3",
    };
    match params.liquid_alpha {
        Some(_) => format!("{yuma} + {}", t.liquid_alpha),
        None => yuma.to_owned(),
    }
}

/// The lab page.
#[component]
pub fn Lab() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let index = RwSignal::new(Vec::<CaseEntry>::new());
    let selected = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(None::<Loaded>);
    let error = RwSignal::new(None::<LoadError>);
    let loading = RwSignal::new(true);
    // Bumped on every pick, so a slow answer for an older pick cannot overwrite a newer one.
    let generation = StoredValue::new(0u64);

    spawn_local(async move {
        match api::load_index().await {
            Ok(list) => {
                let wanted = query.with_untracked(|q| q.get("case"));
                let first = wanted
                    .filter(|w| list.iter().any(|c| &c.id == w))
                    .or_else(|| list.first().map(|c| c.id.clone()));
                index.try_set(list);
                selected.try_set(first);
            }
            Err(e) => {
                error.try_set(Some(e));
                loading.try_set(false);
            }
        }
    });

    Effect::new(move |_| {
        let Some(id) = selected.get() else { return };
        let Some(entry) = index.with_untracked(|l| l.iter().find(|c| c.id == id).cloned()) else {
            return;
        };
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        loading.set(true);
        spawn_local(async move {
            let result = api::load_case(&entry).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            loading.try_set(false);
            match result {
                Ok(case) => {
                    // One untimed epoch first: the browser compiles wasm functions lazily on
                    // their first call, and that belongs to loading, not to the epoch time.
                    std::hint::black_box(yuma::fixed::epoch(&case.input));
                    let case_kappa = case.input.params().kappa;
                    loaded.try_set(Some(Loaded {
                        entry,
                        description: case.description,
                        input: case.input,
                        case_kappa,
                    }));
                    error.try_set(None);
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    });

    let kappa = Memo::new(move |_| loaded.with(|l| l.as_ref().map(|l| l.input.params().kappa)));
    let set_kappa = move |k: u16| {
        loaded.update(|l| {
            if let Some(l) = l {
                l.input.params_mut().kappa = k;
            }
        });
    };
    let run = Memo::new(move |_| loaded.with(|l| l.as_ref().map(|l| timed_epoch(&l.input))));
    let table_rows =
        Memo::new(move |_| run.with(|r| r.as_ref().map(|r| rows(&r.out)).unwrap_or_default()));
    let bars = Signal::derive(move || {
        run.with(|r| {
            r.as_ref().map_or_else(Vec::new, |r| {
                let f = &r.out.floats;
                f.incentive
                    .iter()
                    .enumerate()
                    .map(|(i, &value)| Bar {
                        uid: i as u16,
                        value,
                        validator: r.out.validator_permits.get(i).copied().unwrap_or_default(),
                    })
                    .collect()
            })
        })
    });

    view! {
        <section class="page lab">
            <header class="page-head">
                <div>
                    <h1>{move || i18n.t().lab_title}</h1>
                    <p class="lead">{move || i18n.t().lab_intro}</p>
                </div>
                <EngineBadge />
            </header>

            <div class="controls card">
                <div class="control">
                    <label for="case-select">{move || i18n.t().lab_case}</label>
                    <select
                        id="case-select"
                        on:change=move |ev| selected.set(Some(event_target_value(&ev)))
                    >
                        <For
                            each=move || index.get()
                            key=|c| c.id.clone()
                            children=move |c| {
                                let id = c.id.clone();
                                let name = c.clone();
                                view! {
                                    <option
                                        value=c.id.clone()
                                        prop:selected=move || {
                                            selected.with(|s| s.as_deref() == Some(id.as_str()))
                                        }
                                    >
                                        {move || name.name(i18n.lang()).to_owned()}
                                    </option>
                                }
                            }
                        />
                    </select>
                    <span class="loading" aria-live="polite">
                        {move || loading.get().then(|| i18n.t().lab_loading)}
                    </span>
                </div>
                <div class="control kappa">
                    <label for="kappa">{move || i18n.t().lab_kappa}</label>
                    <input
                        id="kappa"
                        type="range"
                        min="0"
                        max="65535"
                        step="1"
                        disabled=move || kappa.get().is_none()
                        prop:value=move || kappa.get().unwrap_or(32767).to_string()
                        aria-valuetext=move || {
                            format!("{:.4}", kappa_proportion(kappa.get().unwrap_or(32767)))
                        }
                        on:input=move |ev| {
                            if let Ok(k) = event_target_value(&ev).parse::<u16>() {
                                set_kappa(k);
                            }
                        }
                    />
                    <output for="kappa" class="kappa-value">
                        {move || {
                            kappa
                                .get()
                                .map(|k| format!("{:.4}", kappa_proportion(k)))
                                .unwrap_or_default()
                        }}
                        <span class="muted">
                            {move || kappa.get().map(|k| format!(" ({k}/65535)")).unwrap_or_default()}
                        </span>
                    </output>
                    <button
                        type="button"
                        class="button small"
                        disabled=move || {
                            loaded.with(|l| l.as_ref().is_none_or(|l| l.input.params().kappa == l.case_kappa))
                        }
                        on:click=move |_| {
                            if let Some(k) = loaded.with_untracked(|l| l.as_ref().map(|l| l.case_kappa)) {
                                set_kappa(k);
                            }
                        }
                    >
                        {move || i18n.t().lab_kappa_reset}
                    </button>
                </div>
                <p class="help muted">{move || i18n.t().lab_kappa_help}</p>
            </div>

            <ErrorBoundary fallback=move |errors| {
                view! {
                    <div class="error-panel" role="alert" data-testid="lab-error">
                        <strong>{move || i18n.t().error_title}</strong>
                        <ul>
                            {move || {
                                errors
                                    .get()
                                    .into_iter()
                                    .map(|(_, e)| view! { <li class="error-detail">{e.to_string()}</li> })
                                    .collect_view()
                            }}
                        </ul>
                        <p>
                            {move || {
                                if loaded.with(Option::is_some) {
                                    i18n.t().error_kept
                                } else {
                                    i18n.t().error_none_yet
                                }
                            }}
                        </p>
                    </div>
                }
            }>{move || error.get().map_or(Ok(()), Err)}</ErrorBoundary>

            <div
                id="results"
                class="results"
                data-case=move || loaded.with(|l| l.as_ref().map(|l| l.entry.id.clone()))
                data-kappa=move || kappa.get().map(|k| k.to_string())
                data-epoch-ms=move || run.with(|r| r.as_ref().map(|r| r.ms.to_string()))
                hidden=move || loaded.with(Option::is_none)
            >
                <div class="results-head">
                    <h2 class="case-name">
                        {move || {
                            loaded.with(|l| l.as_ref().map(|l| l.entry.name(i18n.lang()).to_owned()))
                        }}
                    </h2>
                    <p class="case-summary">
                        {move || {
                            loaded
                                .with(|l| {
                                    l.as_ref()
                                        .map(|l| match (i18n.lang(), &l.description) {
                                            (Lang::En, Some(d)) => d.clone(),
                                            (lang, _) => l.entry.summary(lang).to_owned(),
                                        })
                                })
                        }}
                    </p>
                </div>
                <dl class="stats">
                    <div>
                        <dt>{move || i18n.t().lab_uids}</dt>
                        <dd>{move || loaded.with(|l| l.as_ref().map(|l| l.input.n()))}</dd>
                    </div>
                    <div>
                        <dt>{move || i18n.t().lab_validators}</dt>
                        <dd>
                            {move || run.with(|r| r.as_ref().map(|r| r.out.validator_permits.iter().filter(|&&p| p).count()))}
                        </dd>
                    </div>
                    <div>
                        <dt>{move || i18n.t().lab_active}</dt>
                        <dd>
                            {move || run.with(|r| r.as_ref().map(|r| r.out.active.iter().filter(|&&a| a).count()))}
                        </dd>
                    </div>
                    <div>
                        <dt>{move || i18n.t().lab_variant}</dt>
                        <dd>
                            {move || loaded.with(|l| l.as_ref().map(|l| variant_label(&l.input, i18n.t())))}
                        </dd>
                    </div>
                    <div>
                        <dt>{move || i18n.t().lab_epoch_time}</dt>
                        <dd id="epoch-time">
                            {move || run.with(|r| r.as_ref().map(|r| format_ms(r.ms)))}
                            <small class="muted">
                                {move || run.with(|r| r.as_ref().map(|r| (i18n.t().lab_epoch_runs)(r.runs)))}
                            </small>
                        </dd>
                    </div>
                </dl>

                <div class="card chart-card">
                    <div class="card-head">
                        <h2>{move || i18n.t().lab_chart_title}</h2>
                        <div class="legend">
                            <span class="swatch miner"></span>
                            {move || i18n.t().lab_legend_miner}
                            <span class="swatch validator"></span>
                            {move || i18n.t().lab_legend_validator}
                        </div>
                    </div>
                    <BarChart
                        bars=bars
                        title=Signal::derive(move || i18n.t().lab_chart_title.to_owned())
                        desc=Signal::derive(move || i18n.t().lab_chart_desc.to_owned())
                    />
                </div>

                <div class="card table-card">
                    <div class="card-head">
                        <h2>{move || i18n.t().lab_table_title}</h2>
                    </div>
                    <div class="table-scroll">
                        <table class="ranking" id="ranking">
                            <thead>
                                <tr>
                                    <th class="num">{move || i18n.t().col_rank}</th>
                                    <th class="num">{move || i18n.t().col_uid}</th>
                                    <th class="num">{move || i18n.t().col_stake}</th>
                                    <th class="num">{move || i18n.t().col_consensus}</th>
                                    <th class="num incentive-col">{move || i18n.t().col_incentive}</th>
                                    <th class="num">{move || i18n.t().col_dividends}</th>
                                    <th class="num">{move || i18n.t().col_vtrust}</th>
                                    <th>{move || i18n.t().col_permit}</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || table_rows.get()
                                    key=Row::key
                                    children=move |row| {
                                        let share = row.bar * 100.0;
                                        view! {
                                            <tr
                                                class:inactive=row.permit && !row.active
                                                class:validator=row.permit
                                                data-rank=row.rank
                                                data-uid=row.uid
                                                data-stake=row.stake.to_string()
                                                data-consensus=row.consensus.to_string()
                                                data-incentive=row.incentive.to_string()
                                                data-incentive-u16=row.incentive_u16
                                                data-dividends=row.dividends.to_string()
                                                data-validator-trust=row.validator_trust.to_string()
                                                data-permit=row.permit.to_string()
                                                data-active=row.active.to_string()
                                            >
                                                <td class="num rank">{row.rank}</td>
                                                <td class="num uid">
                                                    {row.uid}
                                                    {(row.permit && !row.active)
                                                        .then(|| {
                                                            view! {
                                                                <span class="tag">{move || i18n.t().inactive}</span>
                                                            }
                                                        })}
                                                </td>
                                                <td class="num" class:zero=row.stake == 0.0>{percent(row.stake)}</td>
                                                <td class="num" class:zero=row.consensus == 0.0>{figure(row.consensus)}</td>
                                                <td
                                                    class="num incentive-col"
                                                    class:zero=row.incentive == 0.0
                                                    style=format!("--share: {share:.2}%")
                                                >
                                                    {figure(row.incentive)}
                                                </td>
                                                <td class="num" class:zero=row.dividends == 0.0>{figure(row.dividends)}</td>
                                                <td class="num" class:zero=row.validator_trust == 0.0>{figure(row.validator_trust)}</td>
                                                <td>
                                                    {row
                                                        .permit
                                                        .then(|| {
                                                            view! {
                                                                <span class="permit">{move || i18n.t().permit_yes}</span>
                                                            }
                                                        })}
                                                </td>
                                            </tr>
                                        }
                                    }
                                />
                            </tbody>
                        </table>
                    </div>
                </div>
            </div>
        </section>
    }
}
