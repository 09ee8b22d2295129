//! A line chart as plain SVG: one series of `(x, y)` points with `x` in `0..=1` (a proportion
//! such as kappa), and a marker at one `x` (the slider's current value).
//!
//! Same approach as the bar chart: geometry from a pure function ([`line_layout`], unit-tested)
//! rendered as a `<path>`. No zoom, no second series: the sweep view plots one output of one uid.

use leptos::prelude::*;

use super::{Tick, nice_ticks, y_grid};

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

/// The chart's geometry in SVG user units.
#[derive(Clone, Debug, PartialEq)]
pub struct LineLayout {
    /// The series as a path (`M x y L x y ...`), empty without points.
    pub line: String,
    /// The same path closed along the x axis, for the shaded area under it.
    pub area: String,
    /// Horizontal grid lines with value labels.
    pub y_ticks: Vec<Tick>,
    /// Labels along the x axis (0, 0.25, ..., 1).
    pub x_ticks: Vec<Tick>,
    /// The marker: x and y in user units, when one is given.
    pub marker: Option<(f64, f64)>,
    /// Bottom of the plot (the x axis), in user units.
    pub axis_y: f64,
}

fn x_at(x: f64) -> f64 {
    LEFT + x.clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
}

/// Lays out `points` (x in `0..=1`, y ≥ 0, in x order) and a marker at `marker = (x, y)`.
/// Non-finite values are drawn as zero.
pub fn line_layout(points: &[(f64, f64)], marker: Option<(f64, f64)>) -> LineLayout {
    let clean = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let plot_h = HEIGHT - TOP - BOTTOM;
    let axis_y = TOP + plot_h;
    let max = points
        .iter()
        .map(|p| clean(p.1))
        .chain(marker.map(|m| clean(m.1)))
        .fold(0.0, f64::max);
    let (step, intervals) = nice_ticks(max);
    let top = step * f64::from(intervals);
    let y_at = |y: f64| axis_y - (clean(y) / top).min(1.0) * plot_h;
    let mut line = String::with_capacity(points.len() * 16);
    for (i, &(x, y)) in points.iter().enumerate() {
        let cmd = if i == 0 { 'M' } else { 'L' };
        line.push_str(&format!("{cmd}{:.2} {:.2} ", x_at(x), y_at(y)));
    }
    let area = match (points.first(), points.last()) {
        (Some(first), Some(last)) => format!(
            "{line}L{:.2} {axis_y:.2} L{:.2} {axis_y:.2} Z",
            x_at(last.0),
            x_at(first.0)
        ),
        _ => String::new(),
    };
    // Enough decimals to show the step exactly (0.25 needs two, 0.2 one).
    let decimals = (0..6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(6) as usize;
    let y_ticks = (0..=intervals)
        .map(|k| {
            let v = step * f64::from(k);
            Tick {
                at: y_at(v),
                label: format!("{v:.decimals$}"),
            }
        })
        .collect();
    let x_ticks = (0..=4)
        .map(|k| {
            let v = f64::from(k) / 4.0;
            Tick {
                at: x_at(v),
                label: format!("{v}"),
            }
        })
        .collect();
    LineLayout {
        line: line.trim_end().to_owned(),
        area,
        y_ticks,
        x_ticks,
        marker: marker.map(|(x, y)| (x_at(x), y_at(y))),
        axis_y,
    }
}

/// The chart. `title` and `desc` label it for screen readers; `marker_label` is the marker's
/// tooltip.
#[component]
pub fn LineChart(
    /// The series, x in `0..=1`.
    #[prop(into)]
    points: Signal<Vec<(f64, f64)>>,
    /// Where the marker sits, if anywhere.
    #[prop(into)]
    marker: Signal<Option<(f64, f64)>>,
    /// Accessible title.
    #[prop(into)]
    title: Signal<String>,
    /// Accessible description.
    #[prop(into)]
    desc: Signal<String>,
    /// Tooltip of the marker.
    #[prop(into)]
    marker_label: Signal<String>,
    /// The x axis' name.
    #[prop(into)]
    x_label: Signal<String>,
    /// Labels for the five x ticks (at 0, ¼, ½, ¾, 1) instead of the proportions.
    #[prop(optional, into)]
    x_labels: Option<Signal<Vec<String>>>,
) -> impl IntoView {
    let geometry = Memo::new(move |_| points.with(|p| line_layout(p, marker.get())));
    view! {
        <svg
            class="line-chart"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-label=move || title.get()
        >
            <desc>{move || desc.get()}</desc>
            <g class="grid">{move || y_grid(&geometry.read().y_ticks, LEFT, WIDTH - RIGHT)}</g>
            <path class="area" d=move || geometry.read().area.clone()></path>
            <path class="series" d=move || geometry.read().line.clone()></path>
            <line class="axis" x1=LEFT x2=WIDTH - RIGHT y1=move || geometry.read().axis_y y2=move || geometry.read().axis_y></line>
            <g class="x-labels">
                {move || {
                    geometry
                        .read()
                        .x_ticks
                        .iter()
                        .enumerate()
                        .map(|(i, t)| {
                            let label = x_labels
                                .and_then(|l| l.with(|l| l.get(i).cloned()))
                                .unwrap_or_else(|| t.label.clone());
                            view! {
                                <text x=t.at y=HEIGHT - 16.0 text-anchor="middle">
                                    {label}
                                </text>
                            }
                        })
                        .collect_view()
                }}
                <text class="x-name" x=WIDTH - RIGHT y=HEIGHT - 2.0 text-anchor="end">
                    {move || x_label.get()}
                </text>
            </g>
            {move || {
                geometry
                    .read()
                    .marker
                    .map(|(x, y)| {
                        view! {
                            <g class="marker">
                                <line x1=x x2=x y1=TOP y2=geometry.read_untracked().axis_y></line>
                                <circle cx=x cy=y r="5">
                                    <title>{marker_label.get()}</title>
                                </circle>
                            </g>
                        }
                    })
            }}
        </svg>
    }
}

#[cfg(test)]
mod tests;
