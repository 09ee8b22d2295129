//! Unit tests for the chart geometry.

use super::{Bar, layout, nice_ticks};

fn bars(values: &[f64]) -> Vec<Bar> {
    values
        .iter()
        .enumerate()
        .map(|(i, &value)| Bar {
            uid: i as u16,
            value,
            validator: i == 0,
        })
        .collect()
}

#[test]
fn ticks_are_short_round_numbers() {
    assert_eq!(nice_ticks(0.0573), (0.02, 3));
    assert_eq!(nice_ticks(0.5), (0.2, 3));
    assert_eq!(nice_ticks(0.4), (0.1, 4));
    assert_eq!(nice_ticks(1.0), (0.5, 2));
    assert_eq!(nice_ticks(0.0), (0.25, 4));
    assert_eq!(nice_ticks(f64::NAN), (0.25, 4));
}

#[test]
fn bar_heights_are_proportional_and_zero_bars_are_skipped() {
    let l = layout(&bars(&[0.0, 0.25, 0.5]));
    assert_eq!(l.bars.len(), 2);
    let (a, b) = (&l.bars[0], &l.bars[1]);
    assert_eq!((a.uid, b.uid), (1, 2));
    assert!((b.h - 2.0 * a.h).abs() < 1e-9);
    // Both stand on the same baseline, left to right.
    assert!((a.y + a.h - (b.y + b.h)).abs() < 1e-9);
    assert!(a.x < b.x);
    let labels: Vec<&str> = l.y_ticks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6"]);
}

#[test]
fn uid_labels_thin_out_for_large_subnets() {
    let l = layout(&bars(&vec![0.001; 256]));
    assert!(l.x_ticks.len() <= 16);
    assert_eq!(l.x_ticks[0].label, "0");
    assert_eq!(l.x_ticks[1].label, "16");
    assert_eq!(layout(&bars(&[0.1; 6])).x_ticks.len(), 6);
}
