//! The kappa sweep: one batched run of N kappa values from 0 to 1 on the current case, with the
//! other settings as the sliders have them, on the batch engine (WebGPU, or the CPU `f32` path
//! when there is no adapter), plotted as one uid's incentive, dividends or consensus against
//! kappa, with a marker at the slider's kappa.
//!
//! The sweep is `f32` and the marker's value comes from the table's fixed-point run, so the two
//! can be compared by eye; tests compare the sweep with the CLI's `f32` engine. A change of case
//! or of a setting other than kappa reruns it after a short pause (a drag of the bonds slider is
//! one run, not hundreds); moving kappa only moves the marker. A run that a newer one replaced is
//! dropped. Every sweep value is in the DOM (`data-values`) for the browser tests.

use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;
use yuma::EpochParams;

use super::{Loaded, Run, format_ms, kappa_proportion};
use crate::chart::line::LineChart;
use crate::engine::{BatchBadge, BatchEngine, BatchError, run_jobs, use_batch};
use crate::i18n::use_i18n;

/// Which output the chart plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Incentive,
    Dividends,
    Consensus,
}

impl Output {
    const ALL: [Output; 3] = [Output::Incentive, Output::Dividends, Output::Consensus];

    fn id(self) -> &'static str {
        match self {
            Output::Incentive => "incentive",
            Output::Dividends => "dividends",
            Output::Consensus => "consensus",
        }
    }

    fn from_id(id: &str) -> Option<Output> {
        Output::ALL.into_iter().find(|o| o.id() == id)
    }
}

/// Sweep sizes offered; the default is the second.
const SIZES: [usize; 3] = [64, 256, 1000];

/// Kappa values (stored u16) for `n` points evenly spread over 0..=65535, rounded.
pub fn kappa_points(n: usize) -> Vec<u16> {
    let n = n.max(2) as u64;
    (0..n)
        .map(|i| ((i * 65535 + (n - 1) / 2) / (n - 1)) as u16)
        .collect()
}

/// One finished sweep.
#[derive(Clone, Debug, PartialEq)]
struct SweepData {
    case: String,
    kappas: Vec<u16>,
    /// `[point][uid]`, as `EpochOutput::floats` has them.
    incentive: Vec<Vec<f64>>,
    dividends: Vec<Vec<f64>>,
    consensus: Vec<Vec<f64>>,
    ms: f64,
    engine: &'static str,
}

impl SweepData {
    fn series(&self, output: Output, uid: usize) -> Vec<f64> {
        let table = match output {
            Output::Incentive => &self.incentive,
            Output::Dividends => &self.dividends,
            Output::Consensus => &self.consensus,
        };
        table
            .iter()
            .map(|row| row.get(uid).copied().unwrap_or_default())
            .collect()
    }
}

/// What a sweep depends on: a change reruns it.
#[derive(Clone, Debug, PartialEq)]
struct Key {
    case: String,
    serial: u64,
    /// The case's parameters with kappa zeroed (kappa is the sweep's axis).
    params: EpochParams,
    points: usize,
    engine: BatchEngine,
}

/// The sweep card.
#[component]
pub(super) fn Sweep(loaded: RwSignal<Option<Loaded>>, fixed: Memo<Option<Run>>) -> impl IntoView {
    let i18n = use_i18n();
    let batch = use_batch();
    let points = RwSignal::new(SIZES[1]);
    let uid = RwSignal::new(None::<usize>);
    let output = RwSignal::new(Output::Incentive);
    let data = RwSignal::new(None::<SweepData>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let generation = StoredValue::new(0u64);
    let timer = StoredValue::new(None::<TimeoutHandle>);

    let key = Memo::new(move |_| {
        let engine = batch.state.get();
        loaded.with(|l| {
            l.as_ref().map(|l| {
                let mut params = l.input.params().clone();
                params.kappa = 0;
                Key {
                    case: l.entry.id.clone(),
                    serial: l.serial,
                    params,
                    points: points.get(),
                    engine: engine.clone(),
                }
            })
        })
    });

    // A newly loaded case starts on its top-ranked uid (the table's first row).
    let serial = Memo::new(move |_| loaded.with(|l| l.as_ref().map(|l| l.serial)));
    Effect::new(move |_| {
        if serial.get().is_none() {
            return;
        }
        let top =
            fixed.with_untracked(|r| r.as_ref().and_then(|r| r.out.ranking().first().copied()));
        uid.set(Some(top.map_or(0, usize::from)));
    });

    // One sweep in flight at a time: requests that arrive meanwhile set `pending`, and the
    // loop runs once more with the newest settings (a slow adapter is never handed a queue).
    let in_flight = StoredValue::new(false);
    let pending = StoredValue::new(false);
    let kick = move || {
        if in_flight.get_value() {
            pending.set_value(true);
            return;
        }
        in_flight.set_value(true);
        spawn_local(async move {
            loop {
                pending.set_value(false);
                let mine = generation.get_value();
                let current = move || generation.try_get_value() == Some(mine);
                let Some(key) = key.get_untracked() else {
                    break;
                };
                let Some(selection) = batch.engine() else {
                    break;
                };
                let Some(input) = loaded.with_untracked(|l| l.as_ref().map(|l| l.input.clone()))
                else {
                    break;
                };
                let kappas = kappa_points(key.points);
                let jobs: Vec<(usize, EpochParams)> = kappas
                    .iter()
                    .map(|&k| {
                        let mut p = key.params.clone();
                        p.kappa = k;
                        (0, p)
                    })
                    .collect();
                let result =
                    run_jobs(&selection, std::slice::from_ref(&input), &jobs, current).await;
                if current() {
                    busy.try_set(false);
                    match result {
                        Ok(timed) => {
                            let mut d = SweepData {
                                case: key.case.clone(),
                                kappas,
                                incentive: Vec::with_capacity(timed.outputs.len()),
                                dividends: Vec::with_capacity(timed.outputs.len()),
                                consensus: Vec::with_capacity(timed.outputs.len()),
                                ms: timed.ms,
                                engine: timed.engine,
                            };
                            for out in timed.outputs {
                                d.incentive.push(out.floats.incentive);
                                d.dividends.push(out.floats.dividends);
                                d.consensus.push(out.floats.consensus);
                            }
                            data.try_set(Some(d));
                            error.try_set(None);
                        }
                        Err(BatchError::Superseded) => {}
                        Err(e) => {
                            error.try_set(Some(e.to_string()));
                        }
                    }
                }
                if !pending.try_get_value().unwrap_or(false) {
                    break;
                }
            }
            in_flight.try_set_value(false);
        });
    };

    Effect::new(move |_| {
        let Some(key) = key.get() else { return };
        if matches!(key.engine, BatchEngine::Detecting) {
            return;
        }
        generation.update_value(|g| *g += 1);
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        busy.set(true);
        // The first sweep of a case runs at once; later changes (a drag) wait for a pause.
        let first = data.with_untracked(|d| d.as_ref().is_none_or(|d| d.case != key.case));
        if first {
            kick();
        } else {
            timer.set_value(set_timeout_with_handle(kick, Duration::from_millis(120)).ok());
        }
    });

    let series = Memo::new(move |_| {
        let (Some(u), o) = (uid.get(), output.get()) else {
            return Vec::new();
        };
        data.with(|d| d.as_ref().map(|d| d.series(o, u)).unwrap_or_default())
    });
    let chart_points = Signal::derive(move || {
        data.with(|d| {
            d.as_ref().map_or_else(Vec::new, |d| {
                series.with(|s| {
                    d.kappas
                        .iter()
                        .zip(s)
                        .map(|(&k, &v)| (kappa_proportion(k), v))
                        .collect()
                })
            })
        })
    });
    // The marker: the fixed-point value at the slider's kappa (the table's run).
    let marker_value = Memo::new(move |_| {
        let (Some(u), o) = (uid.get(), output.get()) else {
            return None;
        };
        fixed.with(|r| {
            r.as_ref().and_then(|r| {
                let f = &r.out.floats;
                let v = match o {
                    Output::Incentive => &f.incentive,
                    Output::Dividends => &f.dividends,
                    Output::Consensus => &f.consensus,
                };
                v.get(u).copied()
            })
        })
    });
    let kappa_now = Memo::new(move |_| loaded.with(|l| l.as_ref().map(|l| l.input.params().kappa)));
    let marker = Signal::derive(move || {
        kappa_now
            .get()
            .zip(marker_value.get())
            .map(|(k, v)| (kappa_proportion(k), v))
    });
    let n_uids =
        Memo::new(move |_| loaded.with(|l| l.as_ref().map_or(0, |l| usize::from(l.input.n()))));
    let permits = Memo::new(move |_| {
        fixed.with(|r| {
            r.as_ref()
                .map(|r| r.out.validator_permits.clone())
                .unwrap_or_default()
        })
    });

    view! {
        <div
            class="card sweep-card"
            id="sweep"
            data-engine=move || data.with(|d| d.as_ref().map(|d| d.engine))
            data-case=move || data.with(|d| d.as_ref().map(|d| d.case.clone()))
            data-points=move || data.with(|d| d.as_ref().map(|d| d.kappas.len()))
            data-uid=move || uid.get()
            data-output=move || output.get().id()
            data-busy=move || busy.get().to_string()
            data-ms=move || data.with(|d| d.as_ref().map(|d| d.ms.to_string()))
            data-kappas=move || {
                data.with(|d| {
                    d.as_ref().map(|d| d.kappas.iter().map(u16::to_string).collect::<Vec<_>>().join(","))
                })
            }
            data-values=move || series.with(|s| s.iter().map(f64::to_string).collect::<Vec<_>>().join(","))
        >
            <div class="card-head">
                <h2>{move || i18n.t().sweep_title}</h2>
                <BatchBadge />
                <crate::engine::GpuAnyway />
            </div>
            <p class="help muted">{move || i18n.t().sweep_help}</p>
            <div class="sweep-controls">
                <label>
                    <span>{move || i18n.t().sweep_uid}</span>
                    <select
                        id="sweep-uid"
                        on:change=move |ev| uid.set(event_target_value(&ev).parse().ok())
                    >
                        {move || {
                            let p = permits.get();
                            (0..n_uids.get())
                                .map(|u| {
                                    let v = p.get(u).copied().unwrap_or_default();
                                    view! {
                                        <option value=u prop:selected=move || uid.get() == Some(u)>
                                            {format!("uid {u}")}
                                            {v.then(|| format!(" · {}", i18n.t().permit_yes))}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label>
                    <span>{move || i18n.t().sweep_output}</span>
                    <select
                        id="sweep-output"
                        on:change=move |ev| {
                            if let Some(o) = Output::from_id(&event_target_value(&ev)) {
                                output.set(o);
                            }
                        }
                    >
                        {Output::ALL
                            .into_iter()
                            .map(|o| {
                                view! {
                                    <option value=o.id() prop:selected=move || output.get() == o>
                                        {move || match o {
                                            Output::Incentive => i18n.t().col_incentive,
                                            Output::Dividends => i18n.t().col_dividends,
                                            Output::Consensus => i18n.t().col_consensus,
                                        }}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>{move || i18n.t().sweep_points}</span>
                    <select
                        id="sweep-points"
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                                points.set(n.clamp(2, 4096));
                            }
                        }
                    >
                        {SIZES
                            .into_iter()
                            .map(|n| {
                                view! {
                                    <option value=n prop:selected=move || points.get() == n>
                                        {n.to_string()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <p class="sweep-time" id="sweep-time" aria-live="polite">
                    {move || {
                        data.with(|d| {
                            d.as_ref()
                                .map(|d| {
                                    (i18n.t().sweep_time)(d.kappas.len(), &format_ms(d.ms))
                                })
                        })
                    }}
                    <span class="muted">{move || busy.get().then(|| i18n.t().sweep_busy)}</span>
                </p>
            </div>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <div class="error-panel" role="alert" data-testid="sweep-error">
                                <strong>{i18n.t().sweep_error}</strong>
                                <ul>
                                    <li class="error-detail">{e}</li>
                                </ul>
                            </div>
                        }
                    })
            }}
            <LineChart
                points=chart_points
                marker=marker
                title=Signal::derive(move || i18n.t().sweep_title.to_owned())
                desc=Signal::derive(move || i18n.t().sweep_desc.to_owned())
                marker_label=Signal::derive(move || {
                    marker
                        .get()
                        .map(|(k, v)| format!("kappa {k:.4}: {v:.6} ({})", i18n.t().sweep_marker))
                        .unwrap_or_default()
                })
                x_label=Signal::derive(|| "kappa".to_owned())
            />
            <div class="legend sweep-legend">
                <span class="swatch line"></span>
                {move || i18n.t().sweep_legend_line}
                <span class="swatch dot"></span>
                {move || i18n.t().sweep_marker}
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests;
