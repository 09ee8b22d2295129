//! Stage 5, `emission`: server, validator and combined emission shares with the zero-sum
//! fallback to active stake (or stake), output flags, and the carry of permits and the epoch's
//! block into the state the next epoch reads; see `emission/emission.wgsl`.

/// The stage's WGSL, with the shared declarations in front.
pub(super) const SOURCE: &str = concat!(
    include_str!("common.wgsl"),
    include_str!("emission/emission.wgsl")
);
