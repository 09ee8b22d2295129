//! Stage 1, `prep`: activity, validator permits (incoming and newly granted), active stake,
//! the masked weights' row sums and the median's compacted stake vector (see `prep/prep.wgsl`).
//! It mirrors the start of `yuma::epoch::run` up to `weighted_median_col_sparse`'s set-up.

/// The stage's WGSL, with the shared declarations in front.
pub(super) const SOURCE: &str =
    concat!(include_str!("common.wgsl"), include_str!("prep/prep.wgsl"));
