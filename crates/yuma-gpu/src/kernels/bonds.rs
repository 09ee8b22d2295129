//! Stage 4, `bonds`: Yuma1 (column-normalised EMA, column-max upscaled for storage) or Yuma3
//! (u16/65535 bonds, constant or liquid alpha), dividends, and the stored `u16` bonds written
//! over the carried state in place; see `bonds/bonds.wgsl`.

/// The stage's WGSL, with the shared declarations in front.
pub(super) const SOURCE: &str = concat!(
    include_str!("common.wgsl"),
    include_str!("bonds/bonds.wgsl")
);
