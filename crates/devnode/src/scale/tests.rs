//! Compact integers round-trip at every width boundary; framing errors are `None`, not panics.

#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn compact_round_trips_at_boundaries() {
    for v in [
        0,
        1,
        63,
        64,
        16_383,
        16_384,
        (1 << 30) - 1,
        1 << 30,
        u64::from(u32::MAX),
        u64::MAX,
    ] {
        let mut out = Vec::new();
        put_compact(&mut out, v);
        let (back, rest) = take_compact(&out).unwrap();
        assert_eq!(back, v);
        assert!(rest.is_empty());
    }
    // Known encodings from the SCALE documentation.
    assert_eq!(compact(1), [0x04]);
    assert_eq!(compact(64), [0x01, 0x01]);
    assert_eq!(compact(1 << 30), [0x03, 0x00, 0x00, 0x00, 0x40]);
}

#[test]
fn split_keeps_prefixes_and_rejects_truncation() {
    let items = split_prefixed_items(&[0x08, 0x04, 0xaa, 0x00]).unwrap();
    assert_eq!(items, vec![vec![0x04, 0xaa], vec![0x00]]);
    assert!(split_prefixed_items(&[0x08, 0x04]).is_none());
    assert!(split_prefixed_items(&[0x04, 0x00, 0xff]).is_none());
    assert!(split_prefixed_items(&[]).is_none());
}
