//! `#/audit`: every subnet's last epoch replayed. Two engines, each named next to what it
//! computed: all subnets run as one batch on the batch engine (WebGPU, or `f32` on the CPU
//! without an adapter) for the rankings, then each on `yuma::fixed`, the chain's own arithmetic,
//! for the verdict. The `f32` ranking is compared with the fixed one, not bit for bit.

use leptos::prelude::*;

use chain::model;
use chain::replay::{self, EpochRecord, Replay, Verdict};

use crate::dash::use_dash;
use crate::engine::{BatchEngine, use_batch};
use crate::i18n::use_i18n;
use crate::route::Route;
use crate::routes::subnet::read_record;
use crate::ui::{ErrorBox, Reading, SourceState, int};

/// One subnet's outcome.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    netuid: u16,
    record: Option<EpochRecord>,
    replay: Option<Replay>,
    error: Option<String>,
    /// Whether the batch engine ranked the uids as the fixed path did.
    batch_ranking: Option<bool>,
}

/// The audit page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let dash = use_dash();
    let batch = use_batch();
    let rows = RwSignal::new(Vec::<Row>::new());
    let total = RwSignal::new(None::<usize>);
    let batch_note = RwSignal::new(None::<String>);
    let run = LocalResource::new({
        move || {
            let source = dash.source();
            async move {
                let source = source.ok_or_else(String::new)?;
                let netuids = crate::dash::read_at_finalized(source, dash.cache(), async |view| {
                    model::netuids(view).await
                })
                .await?;
                let netuids: Vec<u16> = netuids.into_iter().filter(|n| *n != 0).collect();
                total.set(Some(netuids.len()));
                rows.set(Vec::new());
                for netuid in netuids {
                    let row = match read_record(&dash, netuid).await {
                        Ok(record) => {
                            let r = replay::replay(&record);
                            Row {
                                netuid,
                                record: Some(record),
                                replay: Some(r),
                                error: None,
                                batch_ranking: None,
                            }
                        }
                        Err(e) => Row {
                            netuid,
                            record: None,
                            replay: None,
                            error: Some(e),
                            batch_ranking: None,
                        },
                    };
                    rows.update(|rs| rs.push(row));
                }
                Ok::<_, String>(())
            }
        }
    });
    // Once every subnet is read: one batch of all of them on the batch engine.
    Effect::new(move |_| {
        let (Some(n), done) = (total.get(), rows.with(Vec::len)) else {
            return;
        };
        if n != done || batch_note.get_untracked().is_some() {
            return;
        }
        let Some(selection) = batch.engine() else {
            return;
        };
        let inputs: Vec<(usize, yuma::EpochInput, Vec<u16>)> = rows.with_untracked(|rs| {
            rs.iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let case = yuma::case::from_value(&r.record.as_ref()?.case).ok()?;
                    Some((i, case.input, r.replay.as_ref()?.ranking.clone()))
                })
                .collect()
        });
        if inputs.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let subnets: Vec<yuma::EpochInput> =
                inputs.iter().map(|(_, input, _)| input.clone()).collect();
            let jobs: Vec<(usize, yuma::EpochParams)> = subnets
                .iter()
                .enumerate()
                .map(|(i, s)| (i, s.params().clone()))
                .collect();
            match crate::engine::run_jobs(&selection, &subnets, &jobs, || true).await {
                Ok(timed) => {
                    rows.update(|rs| {
                        for ((i, _, fixed_ranking), out) in inputs.iter().zip(&timed.outputs) {
                            if let Some(r) = rs.get_mut(*i) {
                                r.batch_ranking = Some(out.ranking() == *fixed_ranking);
                            }
                        }
                    });
                    batch_note.set(Some(format!(
                        "{} · {} {} · {:.1} ms",
                        timed.engine,
                        timed.outputs.len(),
                        "subnets",
                        timed.ms
                    )));
                }
                Err(e) => batch_note.set(Some(e.to_string())),
            }
        });
    });
    let table = move || {
        rows.get()
            .into_iter()
            .map(|r| {
                let verdict = r.replay.as_ref().map(|x| match x.verdict {
                    Verdict::Exact => "exact",
                    Verdict::Differs => "differs",
                    Verdict::Unsupported => "unsupported",
                });
                view! {
                    <tr data-netuid=r.netuid data-verdict=verdict.unwrap_or("error")>
                        <td class="num"><a href=format!("{}#replay", Route::Subnet(r.netuid).href())>{r.netuid}</a></td>
                        <td class="num">{r.record.as_ref().map(|x| format!("#{}", int(x.epoch_block.number)))}</td>
                        <td>
                            {match verdict {
                                Some(v) => view! { <span class="verdict" data-verdict=v>{move || i18n.d().verdict(v)}</span> }.into_any(),
                                None => view! { <span class="error">{r.error.clone()}</span> }.into_any(),
                            }}
                        </td>
                        <td>{r.replay.as_ref().map(|x| x.rule.clone())}</td>
                        <td class="num">{r.replay.as_ref().map(|x| x.mismatch_count)}</td>
                        <td data-batch=r.batch_ranking.map(|b| b.to_string())>
                            {move || match r.batch_ranking {
                                Some(true) => i18n.d().ranking_same,
                                Some(false) => i18n.d().ranking_differs,
                                None => "…",
                            }}
                        </td>
                        <td>
                            {r.record.is_some().then(|| view! {
                                <a href=crate::route::link(&format!("#/lab?netuid={}", r.netuid))>{move || i18n.d().open_in_lab}</a>
                            })}
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    let progress = move || {
        let done = rows.with(Vec::len);
        match total.get() {
            Some(n) if done < n => {
                Some(view! { <Reading what=i18n.d().audit_progress(done, n) /> })
            }
            None => Some(view! { <Reading what=i18n.d().reading_subnets.to_string() /> }),
            _ => None,
        }
    };
    view! {
        <section class="page" data-page="audit">
            <h1>{move || i18n.d().audit_title}</h1>
            <p class="lead">{move || i18n.d().audit_lead}</p>
            <SourceState />
            {move || match run.get() {
                Some(Err(e)) if !e.is_empty() => Some(view! { <ErrorBox message=e /> }),
                _ => None,
            }}
            {progress}
            <p class="engines">
                <span class="engine-badge" data-engine="cpu-fixed">{move || i18n.t().engine_cpu_fixed}</span>
                " "
                <span class="muted">{move || i18n.d().audit_fixed_note}</span>
                <br />
                <crate::engine::BatchBadge />
                " "
                <span class="muted" data-batch-note="">
                    {move || batch_note.get().unwrap_or_else(|| match batch.state.get() {
                        BatchEngine::Detecting => String::new(),
                        _ => i18n.d().audit_batch_note.to_string(),
                    })}
                </span>
            </p>
            <div class="table-wrap" role="region" tabindex="0" aria-label=move || i18n.d().audit_caption>
                <table class="data-table audit">
                    <caption>{move || i18n.d().audit_caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{move || i18n.d().col_netuid}</th>
                            <th scope="col">{move || i18n.d().col_epoch_block}</th>
                            <th scope="col">{move || i18n.d().col_verdict}</th>
                            <th scope="col">{move || i18n.d().col_rule}</th>
                            <th scope="col">{move || i18n.d().col_mismatches}</th>
                            <th scope="col">{move || i18n.d().col_batch_ranking}</th>
                            <th scope="col">{move || i18n.d().col_lab}</th>
                        </tr>
                    </thead>
                    <tbody>{table}</tbody>
                </table>
            </div>
        </section>
    }
}
