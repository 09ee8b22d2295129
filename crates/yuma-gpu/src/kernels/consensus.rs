//! Stage 2, `consensus`: the stake-weighted median of each miner's weights with majority
//! kappa, one invocation per (subnet, miner) running `yuma::epoch::math::weighted_median`'s
//! mid-pivot partition loop on private arrays of 256 (see `consensus/consensus.wgsl`).

/// The stage's WGSL, with the shared declarations in front.
pub(super) const SOURCE: &str = concat!(
    include_str!("common.wgsl"),
    include_str!("consensus/consensus.wgsl")
);
