//! Stages 3–5, compiled as one WGSL module with four entry points: `tail_main` runs the
//! three in one dispatch (what the engine records), and `incentive_main`, `bonds_main` and
//! `emission_main` run one each (the engine as it ran before, `GpuEngine::run_as_before`).
//!
//! - Stage 3, `incentive`: weights clipped to consensus, validator trust (row sums of clipped
//!   weights), ranks (active-stake-weighted column sums), incentive (ranks normalised) and the
//!   weights for bonds (`incentive/incentive.wgsl`).
//! - Stage 4, `bonds`: Yuma1 (column-normalised EMA, column-max upscaled for storage) or Yuma3
//!   (u16/65535 bonds, constant or liquid alpha), dividends, and the stored `u16` bonds written
//!   over the carried state in place (`bonds/bonds.wgsl`).
//! - Stage 5, `emission`: server, validator and combined emission shares with the zero-sum
//!   fallback to active stake (or stake), output flags, and the carry of permits and the
//!   epoch's block into the state the next epoch reads (`emission/emission.wgsl`).
//!
//! `tail/tail.wgsl` holds the workgroup memory the three share and the merged entry point.

/// The three stages' WGSL and the merged entry point, with the shared declarations in front.
pub(super) const SOURCE: &str = concat!(
    include_str!("common.wgsl"),
    include_str!("incentive/incentive.wgsl"),
    include_str!("bonds/bonds.wgsl"),
    include_str!("emission/emission.wgsl"),
    include_str!("tail/tail.wgsl")
);
