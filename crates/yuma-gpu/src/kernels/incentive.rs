//! Stage 3, `incentive`: weights clipped to consensus, validator trust (row sums of clipped
//! weights), ranks (active-stake-weighted column sums) and incentive (ranks normalised); see
//! `incentive/incentive.wgsl`.

/// The stage's WGSL, with the shared declarations in front.
pub(super) const SOURCE: &str = concat!(
    include_str!("common.wgsl"),
    include_str!("incentive/incentive.wgsl")
);
