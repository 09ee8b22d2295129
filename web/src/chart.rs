//! A bar chart as plain SVG: one bar per uid, in uid order, validators in a second colour.
//!
//! No chart library and no script: the geometry is computed here ([`layout`], a pure function
//! with unit tests) and rendered as `<rect>`s. It draws values in `0..=max`; negative values do
//! not occur in Yuma's outputs and are drawn as zero.

use leptos::prelude::*;

pub mod line;

/// One bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The uid, shown on the x axis.
    pub uid: u16,
    /// The value, a proportion.
    pub value: f64,
    /// Drawn in the validator colour.
    pub validator: bool,
}

/// Size of the drawing in SVG user units (it scales to the container's width).
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// Positions of one bar, in user units.
#[derive(Clone, Debug, PartialEq)]
pub struct BarRect {
    /// The uid.
    pub uid: u16,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// The value drawn.
    pub value: f64,
    /// Validator colour.
    pub validator: bool,
}

/// An axis tick: where it sits and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// Position along its axis, in user units.
    pub at: f64,
    /// The label.
    pub label: String,
}

/// The chart's geometry: bars, y ticks (values) and x ticks (uids).
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// One rectangle per bar with a value above zero.
    pub bars: Vec<BarRect>,
    /// Horizontal grid lines with value labels.
    pub y_ticks: Vec<Tick>,
    /// Uid labels under the axis.
    pub x_ticks: Vec<Tick>,
}

/// Grid spacing for values up to `max`: 1, 2 or 5 times a power of ten, about four intervals,
/// so labels stay short (`0.02`, not `0.025`). Returns `(step, intervals)`.
pub fn nice_ticks(max: f64) -> (f64, u32) {
    if !(max.is_finite() && max > 0.0) {
        return (0.25, 4);
    }
    let rough = max / 4.0;
    let magnitude = 10f64.powi(rough.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= rough * (1.0 - 1e-12))
        .unwrap_or(10.0 * magnitude);
    let intervals = (max / step - 1e-9).ceil().max(1.0) as u32;
    (step, intervals)
}

/// Lays out `bars` (in the order given) in the fixed drawing area.
pub fn layout(bars: &[Bar]) -> Layout {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let (step, intervals) = nice_ticks(max);
    let top = step * f64::from(intervals);
    let n = bars.len().max(1) as f64;
    let slot = plot_w / n;
    let gap = if slot > 4.0 { slot * 0.2 } else { 0.0 };
    let rects = bars
        .iter()
        .enumerate()
        .filter(|(_, b)| b.value > 0.0)
        .map(|(i, b)| {
            let h = (b.value / top).min(1.0) * plot_h;
            BarRect {
                uid: b.uid,
                x: LEFT + i as f64 * slot + gap / 2.0,
                y: TOP + plot_h - h,
                w: (slot - gap).max(0.5),
                h,
                value: b.value,
                validator: b.validator,
            }
        })
        .collect();
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let y_ticks = (0..=intervals)
        .map(|k| {
            let v = step * f64::from(k);
            Tick {
                at: TOP + plot_h - plot_h * v / top,
                label: format!("{v:.decimals$}"),
            }
        })
        .collect();
    // About a dozen uid labels at most, on round steps.
    let step = [1usize, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        .into_iter()
        .find(|&s| bars.len().div_ceil(s) <= 16)
        .unwrap_or(4096);
    let x_ticks = bars
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0)
        .map(|(i, b)| Tick {
            at: LEFT + (i as f64 + 0.5) * slot,
            label: b.uid.to_string(),
        })
        .collect();
    Layout {
        bars: rects,
        y_ticks,
        x_ticks,
    }
}

/// The chart. `title` and `desc` label it for screen readers; each bar has a tooltip.
/// Horizontal grid lines from `left` to `right` with their value labels left of the plot;
/// shared by the bar and line charts, each with its own margins.
pub(crate) fn y_grid(ticks: &[Tick], left: f64, right: f64) -> impl IntoView + use<> {
    ticks
        .iter()
        .map(|t| {
            view! {
                <line x1=left x2=right y1=t.at y2=t.at></line>
                <text class="y-label" x=left - 6.0 y=t.at + 4.0 text-anchor="end">
                    {t.label.clone()}
                </text>
            }
        })
        .collect_view()
}

#[component]
pub fn BarChart(
    /// The bars, in the order to draw them.
    #[prop(into)]
    bars: Signal<Vec<Bar>>,
    /// Accessible title.
    #[prop(into)]
    title: Signal<String>,
    /// Accessible description.
    #[prop(into)]
    desc: Signal<String>,
) -> impl IntoView {
    let geometry = Memo::new(move |_| bars.with(|b| layout(b)));
    let axis_y = HEIGHT - BOTTOM;
    view! {
        <svg
            class="bar-chart"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-label=move || title.get()
        >
            <desc>{move || desc.get()}</desc>
            <g class="grid">{move || y_grid(&geometry.read().y_ticks, LEFT, WIDTH - RIGHT)}</g>
            <g class="bars">
                {move || {
                    geometry
                        .read()
                        .bars
                        .iter()
                        .map(|b| {
                            let class = if b.validator { "bar validator" } else { "bar miner" };
                            view! {
                                <rect class=class data-uid=b.uid x=b.x y=b.y width=b.w height=b.h>
                                    <title>{format!("uid {}: {:.6}", b.uid, b.value)}</title>
                                </rect>
                            }
                        })
                        .collect_view()
                }}
            </g>
            <line class="axis" x1=LEFT x2=WIDTH - RIGHT y1=axis_y y2=axis_y></line>
            <g class="x-labels">
                {move || {
                    geometry
                        .read()
                        .x_ticks
                        .iter()
                        .map(|t| {
                            view! {
                                <text x=t.at y=HEIGHT - 8.0 text-anchor="middle">
                                    {t.label.clone()}
                                </text>
                            }
                        })
                        .collect_view()
                }}
            </g>
        </svg>
    }
}

#[cfg(test)]
mod tests;
