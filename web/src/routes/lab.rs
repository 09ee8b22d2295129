//! `/lab`: the consensus lab. Pick a bundled example subnet, move kappa, the bonds settings, the
//! Yuma version or liquid alpha, and every input event reruns one Yuma epoch in the page with
//! `yuma::fixed` (the chain's own arithmetic), then redraws the ranking table and the incentive
//! chart. The kappa sweep ([`sweep`]) and the stress panel ([`stress`]) run batches of `f32`
//! epochs on the batch engine (WebGPU, or the CPU when there is no adapter, and the page says
//! which); the table never does.
//!
//! The case in memory is only replaced by one that loaded and parsed, so a failed fetch or a bad
//! file shows an error panel above figures that stay as they were. One epoch only: multi-epoch
//! replays (bonds carried over) come with a later issue.
//!
//! `#/lab?netuid=N` opens a real subnet's last epoch instead: the inputs its replay read from the
//! chain (through the dashboard's source), with the runtime's own rules, added to the list as
//! "netuid N at block B".

mod stress;
mod sweep;

pub use sweep::kappa_points;

use leptos::prelude::*;
use leptos::task::spawn_local;
use yuma::{EpochInput, EpochOutput, EpochParams, LiquidAlpha, YumaVersion};

use crate::EngineBadge;
use crate::api::{self, CaseEntry, LoadError};
use crate::chart::{Bar, BarChart};
use crate::i18n::{Lang, Text, use_i18n};

/// A case that loaded, with the parameters it came with.
#[derive(Clone, Debug, PartialEq)]
struct Loaded {
    entry: CaseEntry,
    description: Option<String>,
    input: EpochInput,
    /// The case's own parameters, for the reset buttons.
    case_params: EpochParams,
    /// Counts loads, so that views keyed on the case see a reload of the same case.
    serial: u64,
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
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
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

/// Parameter of a proportion slider shown as `0.9000 (900000/1000000)`.
fn ratio_text(value: u64, max: u64) -> String {
    let p = if max == 0 {
        0.0
    } else {
        value as f64 / max as f64
    };
    format!("{p:.4} ({value}/{max})")
}

/// Sliders and toggles for the parameters besides kappa: bonds moving average, bonds penalty,
/// Yuma version, liquid alpha. Each input event writes the parameter into the case in memory,
/// which reruns the epoch (the table) and, debounced, the sweep.
#[component]
fn ParamControls(
    loaded: RwSignal<Option<Loaded>>,
    params: Memo<Option<EpochParams>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let set_param = move |f: &dyn Fn(&mut EpochParams)| {
        loaded.update(|l| {
            if let Some(l) = l {
                f(l.input.params_mut());
            }
        });
    };
    let get = move |f: fn(&EpochParams) -> u64| params.with(|p| p.as_ref().map(f));
    let disabled = move || params.with(Option::is_none);
    let yuma3 = move || params.with(|p| p.as_ref().is_some_and(|p| p.yuma == YumaVersion::Yuma3));
    let liquid = move || params.with(|p| p.as_ref().is_some_and(|p| p.liquid_alpha.is_some()));
    let changed = move || {
        loaded.with(|l| {
            l.as_ref()
                .is_some_and(|l| *l.input.params() != l.case_params)
        })
    };
    view! {
        <div class="param-grid">
            <div class="field">
                <label for="bonds-ma">{move || i18n.t().lab_bonds_ma}</label>
                <input
                    id="bonds-ma"
                    type="range"
                    min="0"
                    max="1000000"
                    step="1"
                    disabled=disabled
                    prop:value=move || get(|p| p.bonds_moving_average).unwrap_or(900_000).to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<u64>() {
                            set_param(&|p| p.bonds_moving_average = v.min(1_000_000));
                        }
                    }
                />
                <output for="bonds-ma" class="param-value" id="bonds-ma-value">
                    {move || get(|p| p.bonds_moving_average).map(|v| ratio_text(v, 1_000_000))}
                </output>
            </div>
            <div class="field">
                <label for="bonds-penalty">{move || i18n.t().lab_bonds_penalty}</label>
                <input
                    id="bonds-penalty"
                    type="range"
                    min="0"
                    max="65535"
                    step="1"
                    disabled=disabled
                    prop:value=move || get(|p| u64::from(p.bonds_penalty)).unwrap_or(65535).to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<u16>() {
                            set_param(&|p| p.bonds_penalty = v);
                        }
                    }
                />
                <output for="bonds-penalty" class="param-value" id="bonds-penalty-value">
                    {move || get(|p| u64::from(p.bonds_penalty)).map(|v| ratio_text(v, 65535))}
                </output>
            </div>
            <div class="field">
                <span class="field-label" id="yuma-label">{move || i18n.t().lab_yuma_version}</span>
                <div class="segmented" role="radiogroup" aria-labelledby="yuma-label">
                    {[(YumaVersion::Yuma1, "yuma1", "Yuma1"), (YumaVersion::Yuma3, "yuma3", "Yuma3")]
                        .into_iter()
                        .map(|(version, id, name)| {
                            view! {
                                <label class="segment">
                                    <input
                                        type="radio"
                                        name="yuma"
                                        id=id
                                        value=id
                                        disabled=disabled
                                        prop:checked=move || {
                                            params.with(|p| p.as_ref().is_some_and(|p| p.yuma == version))
                                        }
                                        on:change=move |_| set_param(&|p| p.yuma = version)
                                    />
                                    <span>{name}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </div>
            <div class="field">
                <label class="toggle" for="liquid-alpha">
                    <input
                        id="liquid-alpha"
                        type="checkbox"
                        disabled=disabled
                        prop:checked=liquid
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let case_alpha = loaded
                                .with_untracked(|l| l.as_ref().and_then(|l| l.case_params.liquid_alpha));
                            set_param(&|p| {
                                p.liquid_alpha = on.then(|| case_alpha.unwrap_or_else(LiquidAlpha::default));
                            });
                        }
                    />
                    <span>{move || i18n.t().lab_liquid_alpha}</span>
                </label>
                <span class="hint muted">
                    {move || if yuma3() { i18n.t().lab_liquid_alpha_on3 } else { i18n.t().lab_liquid_alpha_yuma1 }}
                </span>
            </div>
            <div class="field reset-field">
                <button
                    type="button"
                    id="reset-params"
                    class="button small"
                    disabled=move || !changed()
                    on:click=move |_| {
                        loaded.update(|l| {
                            if let Some(l) = l {
                                *l.input.params_mut() = l.case_params.clone();
                            }
                        });
                    }
                >
                    {move || i18n.t().lab_reset_all}
                </button>
            </div>
        </div>
    }
}

/// The lab page.
#[component]
pub fn Lab() -> impl IntoView {
    let i18n = use_i18n();
    let router = crate::route::use_router();
    let wanted_case = untrack(|| router.query("case"));
    let live_netuid = untrack(|| router.query("netuid")).and_then(|n| n.parse::<u16>().ok());
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
                let first = wanted_case
                    .filter(|w| list.iter().any(|c| &c.id == w))
                    .or_else(|| list.first().map(|c| c.id.clone()));
                index.update(|l| l.extend(list));
                if live_netuid.is_none() {
                    selected.try_set(first);
                }
            }
            Err(e) => {
                error.try_set(Some(e));
                loading.try_set(false);
            }
        }
    });

    if let Some(netuid) = live_netuid {
        let dash = crate::dash::use_dash();
        dash.start();
        spawn_local(async move {
            let result = crate::routes::subnet::read_record(&dash, netuid).await;
            loading.try_set(false);
            let record = match result {
                Ok(r) => r,
                Err(e) => {
                    error.try_set(Some(LoadError::Fetch {
                        url: format!("netuid {netuid}"),
                        message: e,
                    }));
                    return;
                }
            };
            match yuma::case::from_value(&record.case) {
                Ok(case) => {
                    let name = format!("netuid {netuid} @ #{}", record.epoch_block.number);
                    let entry = CaseEntry {
                        id: format!("live-{netuid}"),
                        file: String::new(),
                        name_en: name.clone(),
                        name_ja: name,
                        summary_en: case.description.clone().unwrap_or_default(),
                        summary_ja: case.description.clone().unwrap_or_default(),
                    };
                    index.update(|l| l.insert(0, entry.clone()));
                    let case_params = case.input.params().clone();
                    loaded.try_set(Some(Loaded {
                        entry: entry.clone(),
                        description: case.description,
                        input: case.input,
                        case_params,
                        serial: u64::MAX - u64::from(netuid),
                    }));
                    selected.try_set(Some(entry.id));
                }
                Err(e) => {
                    error.try_set(Some(LoadError::Case {
                        url: format!("netuid {netuid}"),
                        source: e,
                    }));
                }
            }
        });
    }

    Effect::new(move |_| {
        let Some(id) = selected.get() else { return };
        // A live subnet's case is loaded above, not fetched.
        if id.starts_with("live-") {
            return;
        }
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
                    let case_params = case.input.params().clone();
                    loaded.try_set(Some(Loaded {
                        entry,
                        description: case.description,
                        input: case.input,
                        case_params,
                        serial: mine,
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
    let params = Memo::new(move |_| loaded.with(|l| l.as_ref().map(|l| l.input.params().clone())));
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
                            loaded.with(|l| l.as_ref().is_none_or(|l| l.input.params().kappa == l.case_params.kappa))
                        }
                        on:click=move |_| {
                            if let Some(k) = loaded.with_untracked(|l| l.as_ref().map(|l| l.case_params.kappa)) {
                                set_kappa(k);
                            }
                        }
                    >
                        {move || i18n.t().lab_kappa_reset}
                    </button>
                </div>
                <p class="help muted">{move || i18n.t().lab_kappa_help}</p>
                <ParamControls loaded=loaded params=params />
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

                <sweep::Sweep loaded=loaded fixed=run />

                <div class="card table-card">
                    <div class="card-head">
                        <h2>{move || i18n.t().lab_table_title}</h2>
                        <span class="exact-tag" id="table-engine" data-engine="cpu-fixed">
                            {move || i18n.t().lab_table_exact}
                        </span>
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
                <stress::Stress kappa=kappa />
            </div>
        </section>
    }
}
