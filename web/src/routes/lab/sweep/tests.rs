//! Unit tests for the sweep's kappa grid.

use super::kappa_points;

#[test]
fn kappa_points_span_zero_to_one_evenly() {
    let k = kappa_points(256);
    assert_eq!(k.len(), 256);
    assert_eq!((k[0], k[255]), (0, 65535));
    assert_eq!(k[1], 257); // 65535 / 255 is exactly 257.
    assert!(k.windows(2).all(|w| w[0] < w[1]));
    let k = kappa_points(1000);
    assert_eq!((k.len(), k[0], k[999]), (1000, 0, 65535));
    assert_eq!(k[500], 32800); // 500 * 65535 / 999 = 32800.3
    assert_eq!(kappa_points(0), vec![0, 65535]);
}
