//! Unit tests for the line chart geometry.

use super::{HEIGHT, LEFT, RIGHT, WIDTH, line_layout};

#[test]
fn points_span_the_plot_and_the_marker_sits_on_the_scale() {
    let points = [(0.0, 0.0), (0.5, 0.2), (1.0, 0.1)];
    let l = line_layout(&points, Some((0.5, 0.2)));
    assert!(l.line.starts_with(&format!("M{LEFT:.2} ")), "{}", l.line);
    assert_eq!(l.line.matches('L').count(), 2);
    assert!(l.area.ends_with('Z'));
    // 0.2 rounds up to a top tick of 0.2 (nice_ticks(0.2) = (0.05, 4)), so the marker is at the top.
    let (mx, my) = l.marker.unwrap();
    assert!((mx - (LEFT + 0.5 * (WIDTH - LEFT - RIGHT))).abs() < 1e-9);
    assert!((my - 14.0).abs() < 1e-9, "{my}");
    assert_eq!(l.y_ticks.len(), 5);
    assert_eq!(l.y_ticks.last().unwrap().label, "0.20");
    assert_eq!(l.x_ticks.len(), 5);
    assert_eq!(l.x_ticks[2].label, "0.5");
    assert!(l.axis_y < HEIGHT);
}

#[test]
fn empty_and_non_finite_inputs_draw_nothing_odd() {
    let l = line_layout(&[], None);
    assert!(l.line.is_empty() && l.area.is_empty() && l.marker.is_none());
    let l = line_layout(&[(0.0, f64::NAN), (2.0, -1.0)], None);
    assert!(!l.line.contains("NaN"), "{}", l.line);
    // x beyond 1 is clamped to the right edge.
    assert!(
        l.line.contains(&format!("L{:.2} ", WIDTH - RIGHT)),
        "{}",
        l.line
    );
}

#[test]
fn a_flat_zero_series_gets_exact_tick_labels() {
    let l = line_layout(&[(0.0, 0.0), (1.0, 0.0)], None);
    let labels: Vec<_> = l.y_ticks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["0.00", "0.25", "0.50", "0.75", "1.00"]);
}
