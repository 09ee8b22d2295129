//! The stress panel: 128 synthetic 256-uid subnets (`yuma::synthetic::subnet`, the classic
//! shape, seeds 0..128) in one batch on the batch engine at the slider's kappa, rerun on every
//! kappa change while it is switched on, with the time it took and whether that fits in one
//! 16 ms frame.
//!
//! Off by default: on the CPU fallback one batch is 128 full epochs. Events that arrive while a
//! batch runs are coalesced into one more batch at the latest kappa, never queued one by one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use yuma::EpochInput;
use yuma::synthetic::{Shape, subnet};

use super::format_ms;
use crate::engine::{BatchEngine, run_jobs, use_batch};
use crate::i18n::use_i18n;

/// Subnets in the batch.
pub(super) const SUBNETS: u64 = 128;
/// One frame at 60 Hz.
const FRAME_MS: f64 = 16.0;

/// One finished batch.
#[derive(Clone, Debug, PartialEq)]
struct StressRun {
    kappa: u16,
    ms: f64,
    engine: &'static str,
    /// Sum of incentive over all subnets (each sums to 1 when a subnet pays out): a check that
    /// the batch really ran.
    incentive_total: f64,
}

/// The 128 subnets, built once.
pub(super) fn stress_subnets() -> Vec<EpochInput> {
    (0..SUBNETS)
        .map(|seed| subnet(&Shape::classic(), seed))
        .collect()
}

/// The stress card.
#[component]
pub(super) fn Stress(kappa: Memo<Option<u16>>) -> impl IntoView {
    let i18n = use_i18n();
    let batch = use_batch();
    let enabled = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let pending = StoredValue::new(false);
    let result = RwSignal::new(None::<StressRun>);
    let error = RwSignal::new(None::<String>);
    let subnets = StoredValue::new(None::<Vec<EpochInput>>);

    let run = move || {
        spawn_local(async move {
            loop {
                pending.set_value(false);
                let Some(k) = kappa.get_untracked() else {
                    break;
                };
                let Some(selection) = batch.engine() else {
                    break;
                };
                if subnets.with_value(Option::is_none) {
                    subnets.set_value(Some(stress_subnets()));
                }
                let inputs = subnets.with_value(|s| s.clone().unwrap_or_default());
                let jobs: Vec<_> = inputs
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let mut p = s.params().clone();
                        p.kappa = k;
                        (i, p)
                    })
                    .collect();
                match run_jobs(&selection, &inputs, &jobs, || true).await {
                    Ok(t) => {
                        let incentive_total = t
                            .outputs
                            .iter()
                            .map(|o| o.floats.incentive.iter().sum::<f64>())
                            .sum();
                        result.try_set(Some(StressRun {
                            kappa: k,
                            ms: t.ms,
                            engine: t.engine,
                            incentive_total,
                        }));
                        error.try_set(None);
                    }
                    Err(e) => {
                        error.try_set(Some(e.to_string()));
                    }
                }
                if !pending.try_get_value().unwrap_or(false) || !enabled.get_untracked() {
                    break;
                }
            }
            busy.try_set(false);
        });
    };

    Effect::new(move |_| {
        let _ = kappa.get();
        let ready = batch.state.with(|s| !matches!(s, BatchEngine::Detecting));
        if !enabled.get() || !ready {
            return;
        }
        if busy.get_untracked() {
            pending.set_value(true);
        } else {
            busy.set(true);
            run();
        }
    });

    view! {
        <div
            class="card stress-card"
            id="stress"
            data-engine=move || result.with(|r| r.as_ref().map(|r| r.engine))
            data-kappa=move || result.with(|r| r.as_ref().map(|r| r.kappa))
            data-ms=move || result.with(|r| r.as_ref().map(|r| r.ms.to_string()))
            data-incentive-total=move || result.with(|r| r.as_ref().map(|r| r.incentive_total.to_string()))
        >
            <div class="card-head">
                <h2>{move || i18n.t().stress_title}</h2>
                <label class="toggle">
                    <input
                        id="stress-toggle"
                        type="checkbox"
                        prop:checked=move || enabled.get()
                        on:change=move |ev| enabled.set(event_target_checked(&ev))
                    />
                    <span>{move || i18n.t().stress_toggle}</span>
                </label>
            </div>
            <p class="help muted">{move || i18n.t().stress_help}</p>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <div class="error-panel" role="alert">
                                <strong>{i18n.t().sweep_error}</strong>
                                <ul>
                                    <li class="error-detail">{e}</li>
                                </ul>
                            </div>
                        }
                    })
            }}
            <div class="stress-result" hidden=move || result.with(Option::is_none)>
                {move || {
                    result
                        .get()
                        .map(|r| {
                            let fits = r.ms <= FRAME_MS;
                            view! {
                                <span class="stress-time" id="stress-time">{format_ms(r.ms)}</span>
                                <span class="frame" class:fits=fits class:over=!fits data-fits=fits.to_string()>
                                    {if fits { i18n.t().stress_fits } else { i18n.t().stress_over }}
                                </span>
                                <span class="muted">
                                    {(i18n.t().stress_detail)(SUBNETS as usize, r.kappa)}
                                </span>
                            }
                        })
                }}
                <span class="muted">{move || busy.get().then(|| i18n.t().sweep_busy)}</span>
            </div>
        </div>
    }
}
