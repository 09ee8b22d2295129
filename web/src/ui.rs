//! Pieces every dashboard page uses: the provenance badge, progress and error boxes, number
//! formats, and [`DataTable`] — a sortable, filterable, exportable table whose view (sort column
//! and direction) lives in the address, so a copied link reopens the same view.
//!
//! Tables are real `<table>`s with a caption, column headers with `scope` and `aria-sort`, and
//! sort controls that are buttons, so keyboards and screen readers use them as they use any
//! table; on a phone the table scrolls inside a focusable region instead of squeezing columns.

use chain::{BlockRef, Provenance, ss58};
use leptos::prelude::*;
use serde::Serialize;

use crate::dash::{DashState, Origin, use_dash};
use crate::i18n::{DashText, use_i18n};
use crate::route::use_router;

/// TAO with up to `decimals` decimals, from rao (`1.2346 τ`).
pub fn tao(rao: u64, decimals: usize) -> String {
    format!("{:.decimals$}", rao as f64 / 1e9)
}

/// A u16 proportion as a decimal (`0.5000`).
pub fn prop(v: u16) -> String {
    format!("{:.4}", f64::from(v) / 65_535.0)
}

/// A share as a percentage (`12.50%`).
pub fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

/// An SS58 address shortened for a table cell (`5Grwva…utQY`).
pub fn short_address(account: &[u8; 32]) -> String {
    let a = ss58::encode(account);
    format!("{}…{}", &a[..6], &a[a.len() - 4..])
}

/// A whole number with thousands separators (`12,345`).
pub fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in words, coarse (`3 d 4 h`, `12 min`, `45 s`).
pub fn duration(seconds: u64) -> String {
    let (d, h, m) = (
        seconds / 86_400,
        seconds % 86_400 / 3_600,
        seconds % 3_600 / 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) if d < 365 => format!("{d} d {h} h"),
        (d, _, _) => format!("{:.1} y", d as f64 / 365.25),
    }
}

/// Where a figure came from: "verified · light client · #123", or "snapshot · #123".
#[component]
pub fn Provenance(
    /// The block the figure was read at.
    block: BlockRef,
    /// How it was read.
    provenance: Provenance,
) -> impl IntoView {
    let i18n = use_i18n();
    let dash = use_dash();
    let detail = move || match dash.state.get() {
        DashState::Ready(Origin::Snapshot {
            file,
            recorded_at,
            recorded_from,
        }) => {
            let when = recorded_at.map(|t| {
                let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t as f64 * 1000.0));
                String::from(date.to_iso_string())
            });
            // How the values were read when recorded (light client, verified RPC …).
            format!(
                "{file}{} · {}",
                when.map(|w| format!(" · {w}")).unwrap_or_default(),
                recorded_from.id()
            )
        }
        _ => String::new(),
    };
    view! {
        <span
            class="source-badge"
            data-source=provenance.id()
            data-block=block.number
            title=move || format!("{} {}", chain::hexser::to_hex(&block.hash), detail())
        >
            {move || match provenance {
                Provenance::LightClient => i18n.d().badge_light,
                Provenance::VerifiedRpc => i18n.d().badge_verified_rpc,
                Provenance::TrustedRpc => i18n.d().badge_trusted_rpc,
                Provenance::Snapshot => i18n.d().badge_snapshot,
                _ => i18n.d().badge_local,
            }}
            " · #"
            {block.number}
        </span>
    }
}

/// Shown while a page reads the chain: what is happening and how many requests are out.
#[component]
pub fn Reading(
    /// What is being read, in words.
    #[prop(into)]
    what: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let dash = use_dash();
    view! {
        <p class="reading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {move || what.get()}
            {move || {
                let n = dash.in_flight();
                (n > 0).then(|| format!(" — {} {n}", i18n.d().requests_in_flight))
            }}
        </p>
    }
}

/// An error on a page; the rest of the page keeps working.
#[component]
pub fn ErrorBox(
    /// The message.
    #[prop(into)]
    message: String,
) -> impl IntoView {
    view! {
        <p class="error" role="alert">
            {message}
        </p>
    }
}

/// The dashboard's source failed or has not started: say which, once, at the top of a page.
#[component]
pub fn SourceState() -> impl IntoView {
    let i18n = use_i18n();
    let dash = use_dash();
    move || match dash.state.get() {
        DashState::Failed(e) => Some(
            view! {
                <p class="error" role="alert" data-error="source">
                    {i18n.d().source_failed}
                    " "
                    {e}
                </p>
            }
            .into_any(),
        ),
        DashState::Loading => {
            Some(view! { <Reading what=i18n.d().source_loading.to_string() /> }.into_any())
        }
        DashState::Ready(_) => None,
    }
}

/// How a column sorts.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
pub enum SortKey {
    /// By number (missing values last).
    Num(Option<f64>),
    /// By text.
    Text(String),
}

/// One column of a [`DataTable`].
pub struct Column<R: 'static> {
    /// Stable id: `?sort=`, the CSV header.
    pub id: &'static str,
    /// Its heading.
    pub label: fn(&DashText) -> &'static str,
    /// Sort key of a row.
    pub sort: fn(&R) -> SortKey,
    /// The cell.
    pub cell: fn(&R) -> AnyView,
    /// The cell's value in exports.
    pub export: fn(&R) -> String,
    /// Right-aligned (numbers).
    pub numeric: bool,
}

/// Saves `text` as a file named `name` through a temporary object URL.
pub fn download(name: &str, mime: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = document()
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// A CSV field, quoted when it must be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The rows as CSV with a header of column ids.
pub fn to_csv<R>(columns: &[Column<R>], rows: &[R]) -> String {
    let mut out = columns.iter().map(|c| c.id).collect::<Vec<_>>().join(",");
    out.push('\n');
    for r in rows {
        let line: Vec<String> = columns.iter().map(|c| csv_field(&(c.export)(r))).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Sorts `rows` by the column `sort` in direction `desc`, ties by the first column.
pub fn sort_rows<R>(columns: &[Column<R>], rows: &mut [R], sort: &str, desc: bool) {
    let Some(col) = columns.iter().find(|c| c.id == sort) else {
        return;
    };
    rows.sort_by(|a, b| {
        let (ka, kb) = ((col.sort)(a), (col.sort)(b));
        let order = match (&ka, &kb) {
            // Missing numbers go last whichever the direction.
            (SortKey::Num(None), SortKey::Num(Some(_))) => return core::cmp::Ordering::Greater,
            (SortKey::Num(Some(_)), SortKey::Num(None)) => return core::cmp::Ordering::Less,
            _ => ka.partial_cmp(&kb).unwrap_or(core::cmp::Ordering::Equal),
        };
        if desc { order.reverse() } else { order }
    });
}

/// A sortable, filterable, exportable table. Sort state is in the address under
/// `{prefix}sort` and `{prefix}dir`; rows matching `filter` (case-insensitive, against the
/// export text of every column) are shown.
#[component]
pub fn DataTable<R>(
    /// The rows.
    #[prop(into)]
    rows: Signal<Vec<R>>,
    /// The columns.
    columns: Vec<Column<R>>,
    /// The caption (what the table is).
    #[prop(into)]
    caption: Signal<String>,
    /// Query-key prefix, so two tables on a page keep separate views.
    prefix: &'static str,
    /// Default sort column and direction.
    default_sort: (&'static str, bool),
    /// `data-netuid` / `data-uid` of a row.
    row_ids: fn(&R) -> (Option<u16>, Option<u16>),
    /// File name (without extension) of exports.
    export_name: Signal<String>,
) -> impl IntoView
where
    R: Clone + PartialEq + Serialize + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let router = use_router();
    let sort_key = format!("{prefix}sort");
    let dir_key = format!("{prefix}dir");
    let filter_key = format!("{prefix}q");
    let columns = StoredValue::new(columns);
    let sort = {
        let sort_key = sort_key.clone();
        move || {
            router
                .query(&sort_key)
                .unwrap_or_else(|| default_sort.0.to_owned())
        }
    };
    let desc = {
        let dir_key = dir_key.clone();
        move || match router.query(&dir_key).as_deref() {
            Some("asc") => false,
            Some("desc") => true,
            _ => default_sort.1,
        }
    };
    let filter = {
        let filter_key = filter_key.clone();
        move || router.query(&filter_key).unwrap_or_default()
    };
    let shown = {
        let (sort, desc, filter) = (sort.clone(), desc.clone(), filter.clone());
        Memo::new(move |_| {
            let needle = filter().to_lowercase();
            let mut rows: Vec<R> = rows.get();
            columns.with_value(|cols| {
                if !needle.is_empty() {
                    rows.retain(|r| {
                        cols.iter()
                            .any(|c| (c.export)(r).to_lowercase().contains(&needle))
                    });
                }
                sort_rows(cols, &mut rows, &sort(), desc());
            });
            rows
        })
    };
    let header = {
        let (sort, desc) = (sort.clone(), desc.clone());
        let (sort_key, dir_key) = (sort_key.clone(), dir_key.clone());
        move || {
            columns.with_value(|cols| {
                cols.iter()
                    .map(|c| {
                        let id = c.id;
                        let label = c.label;
                        let active = sort() == id;
                        let aria = if active {
                            if desc() { "descending" } else { "ascending" }
                        } else {
                            "none"
                        };
                        let (sort_key, dir_key) = (sort_key.clone(), dir_key.clone());
                        let next_desc = if active { !desc() } else { c.numeric };
                        view! {
                            <th scope="col" aria-sort=aria class:num=c.numeric data-col=id>
                                <button
                                    type="button"
                                    class="sort"
                                    on:click=move |_| {
                                        router.set_query(&[
                                            (sort_key.as_str(), Some(id.to_owned())),
                                            (dir_key.as_str(), Some(if next_desc { "desc" } else { "asc" }.to_owned())),
                                        ])
                                    }
                                >
                                    {move || label(i18n.d())}
                                    <span class="sort-mark" aria-hidden="true">
                                        {match aria {
                                            "ascending" => "▲",
                                            "descending" => "▼",
                                            _ => "",
                                        }}
                                    </span>
                                </button>
                            </th>
                        }
                    })
                    .collect_view()
            })
        }
    };
    let body = move || {
        let rows = shown.get();
        columns.with_value(|cols| {
            rows.iter()
                .map(|r| {
                    let (netuid, uid) = row_ids(r);
                    let cells = cols
                        .iter()
                        .map(|c| view! { <td class:num=c.numeric data-col=c.id>{(c.cell)(r)}</td> })
                        .collect_view();
                    view! { <tr data-netuid=netuid data-uid=uid>{cells}</tr> }
                })
                .collect_view()
        })
    };
    let export_csv = move |_| {
        let csv = columns.with_value(|cols| to_csv(cols, &shown.get_untracked()));
        download(
            &format!("{}.csv", export_name.get_untracked()),
            "text/csv",
            &csv,
        );
    };
    let export_json = move |_| {
        let json = serde_json::to_string_pretty(&shown.get_untracked()).unwrap_or_default();
        download(
            &format!("{}.json", export_name.get_untracked()),
            "application/json",
            &json,
        );
    };
    let filter_input = {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            router.set_query(&[(filter_key.as_str(), (!v.is_empty()).then_some(v))]);
        }
    };
    view! {
        <div class="table-tools">
            <label class="filter">
                <span>{move || i18n.d().filter}</span>
                <input type="search" prop:value=filter.clone() on:input=filter_input data-filter=prefix />
            </label>
            <span class="muted count">
                {move || format!("{} / {}", shown.with(Vec::len), rows.with(Vec::len))}
            </span>
            <button type="button" class="button small" data-export="csv" on:click=export_csv>
                {move || i18n.d().export_csv}
            </button>
            <button type="button" class="button small" data-export="json" on:click=export_json>
                {move || i18n.d().export_json}
            </button>
        </div>
        <div class="table-wrap" role="region" tabindex="0" aria-label=move || caption.get()>
            <table class="data-table">
                <caption>{move || caption.get()}</caption>
                <thead>
                    <tr>{header}</tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests;
