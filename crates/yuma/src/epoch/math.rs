//! Vector and sparse-matrix steps of the epoch, generic over [`Scalar`].
//!
//! Names and semantics follow subtensor's `epoch/math.rs` function by function (which sum
//! saturates and which does not, where zero rows are skipped, which entries a sparse result
//! keeps), because bit-exactness depends on those details. Only the sparse variants the
//! chain's `epoch_mechanism` calls are here; the dense test-only variants are not.

use crate::scalar::Scalar;

/// Sparse matrix rows: `(column, value)` sorted by column.
pub type Sparse<S> = Vec<Vec<(u16, S)>>;

/// `Iterator::sum` as the chain uses it: plain (non-saturating) addition from zero.
pub fn sum<S: Scalar>(x: &[S]) -> S {
    x.iter().fold(S::ZERO, |acc, &v| acc.plain_add(v))
}

/// True when the vector sums to zero.
pub fn is_zero<S: Scalar>(x: &[S]) -> bool {
    sum(x) == S::ZERO
}

/// Normalises to sum 1 in place; an all-zero vector is left as is.
pub fn inplace_normalize<S: Scalar>(x: &mut [S]) {
    let total = sum(x);
    inplace_normalize_using_sum(x, total);
}

/// Divides every entry by `total` unless `total` is zero.
pub fn inplace_normalize_using_sum<S: Scalar>(x: &mut [S], total: S) {
    if total == S::ZERO {
        return;
    }
    for v in x.iter_mut() {
        *v = v.safe_div(total);
    }
}

/// Marks the `k` largest entries that are non-zero; ties broken by a stable ascending sort,
/// so among equal values the lower uids lose their place first.
pub fn is_topk_nonzero<S: Scalar>(x: &[S], k: usize) -> Vec<bool> {
    let n = x.len();
    let mut result: Vec<bool> = x.iter().map(|&v| v != S::ZERO).collect();
    if n < k {
        return result;
    }
    let mut idxs: Vec<usize> = (0..n).collect();
    idxs.sort_by(|&a, &b| x[a].cmp_total(&x[b]));
    for &i in idxs.iter().take(n.saturating_sub(k)) {
        result[i] = false;
    }
    result
}

/// Sets entries to zero where `mask` is true.
pub fn inplace_mask_vector<S: Scalar>(mask: &[bool], x: &mut [S]) {
    for (v, &m) in x.iter_mut().zip(mask) {
        if m {
            *v = S::ZERO;
        }
    }
}

/// Empties the rows where `mask` is true.
pub fn mask_rows_sparse<S: Scalar>(mask: &[bool], m: &Sparse<S>) -> Sparse<S> {
    m.iter()
        .zip(mask)
        .map(|(row, &masked)| if masked { Vec::new() } else { row.clone() })
        .collect()
}

/// The entries of `row` that `f` gives a value for, in a row allocated once at the input's
/// length: collecting a filter grows a vector step by step, and an epoch builds thousands of
/// rows.
pub(crate) fn filter_row<S: Scalar, T>(
    row: &[(u16, T)],
    mut f: impl FnMut(u16, T) -> Option<S>,
) -> Vec<(u16, S)>
where
    T: Copy,
{
    let mut out = Vec::with_capacity(row.len());
    out.extend(row.iter().filter_map(|&(j, v)| f(j, v).map(|x| (j, x))));
    out
}

/// Drops diagonal entries, except the one at `except` (the subnet owner may weight itself).
pub fn mask_diag_sparse<S: Scalar>(m: &Sparse<S>, except: Option<u16>) -> Sparse<S> {
    m.iter()
        .enumerate()
        .map(|(i, row)| {
            filter_row(row, |j, v| {
                (usize::from(j) != i || except == Some(j)).then_some(v)
            })
        })
        .collect()
}

/// Drops entries `(i, j)` where `mask_fn(first[i], second[j])` holds.
pub fn vec_mask_sparse_matrix<S: Scalar>(
    m: &Sparse<S>,
    first: &[u64],
    second: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> Sparse<S> {
    m.iter()
        .zip(first)
        .map(|(row, &f)| {
            filter_row(row, |j, v| {
                (!mask_fn(f, second[usize::from(j)])).then_some(v)
            })
        })
        .collect()
}

/// Drops entries `(i, j)` where `mask_fn(scalar, vector[j])` holds.
pub fn scalar_vec_mask_sparse_matrix<S: Scalar>(
    m: &Sparse<S>,
    scalar: u64,
    vector: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> Sparse<S> {
    m.iter()
        .map(|row| {
            filter_row(row, |j, v| {
                (!mask_fn(scalar, vector[usize::from(j)])).then_some(v)
            })
        })
        .collect()
}

/// Normalises each row with a positive sum to sum 1.
pub fn inplace_row_normalize_sparse<S: Scalar>(m: &mut Sparse<S>) {
    for row in m.iter_mut() {
        let total = row.iter().fold(S::ZERO, |acc, &(_, v)| acc.plain_add(v));
        if total > S::ZERO {
            for (_, v) in row.iter_mut() {
                *v = v.safe_div(total);
            }
        }
    }
}

/// Sum of each row.
pub fn row_sum_sparse<S: Scalar>(m: &Sparse<S>) -> Vec<S> {
    m.iter()
        .map(|row| row.iter().fold(S::ZERO, |acc, &(_, v)| acc.plain_add(v)))
        .collect()
}

/// Normalises each column with a non-zero (saturating) sum to sum 1.
pub fn inplace_col_normalize_sparse<S: Scalar>(m: &mut Sparse<S>, columns: u16) {
    let mut col_sum = vec![S::ZERO; usize::from(columns)];
    for row in m.iter() {
        for &(j, v) in row {
            let c = &mut col_sum[usize::from(j)];
            *c = c.sat_add(v);
        }
    }
    divide_columns(m, &col_sum);
}

/// Scales each column so its largest entry is 1 (how Yuma1 stores bonds).
pub fn inplace_col_max_upscale_sparse<S: Scalar>(m: &mut Sparse<S>, columns: u16) {
    let mut col_max = vec![S::ZERO; usize::from(columns)];
    for row in m.iter() {
        for &(j, v) in row {
            let c = &mut col_max[usize::from(j)];
            if *c < v {
                *c = v;
            }
        }
    }
    divide_columns(m, &col_max);
}

/// Divides each entry by its column's divisor, leaving columns whose divisor is zero.
fn divide_columns<S: Scalar>(m: &mut Sparse<S>, divisor: &[S]) {
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let d = divisor[usize::from(*j)];
            if d != S::ZERO {
                *v = v.safe_div(d);
            }
        }
    }
}

/// Clips each entry to its column's threshold; an entry above a non-positive threshold is
/// dropped.
pub fn col_clip_sparse<S: Scalar>(m: &Sparse<S>, threshold: &[S]) -> Sparse<S> {
    m.iter()
        .map(|row| {
            filter_row(row, |j, v| {
                let th = threshold[usize::from(j)];
                if th < v {
                    (th > S::ZERO).then_some(th)
                } else {
                    Some(v)
                }
            })
        })
        .collect()
}

/// `result_j = Σ_i vector_i · m_ij` (saturating), e.g. ranks from clipped weights and stake.
pub fn matmul_sparse<S: Scalar>(m: &Sparse<S>, vector: &[S], columns: u16) -> Vec<S> {
    let mut result = vec![S::ZERO; usize::from(columns)];
    for (row, &scale) in m.iter().zip(vector) {
        for &(j, v) in row {
            let r = &mut result[usize::from(j)];
            *r = r.sat_add(scale.sat_mul(v));
        }
    }
    result
}

/// `result_i = Σ_j vector_j · m_ij` (saturating), e.g. Yuma1 dividends from bonds.
pub fn matmul_transpose_sparse<S: Scalar>(m: &Sparse<S>, vector: &[S]) -> Vec<S> {
    m.iter()
        .map(|row| {
            row.iter().fold(S::ZERO, |acc, &(j, v)| {
                acc.sat_add(vector[usize::from(j)].sat_mul(v))
            })
        })
        .collect()
}

/// Scales row `i` by `vector[i]`.
pub fn row_hadamard_sparse<S: Scalar>(m: &Sparse<S>, vector: &[S]) -> Sparse<S> {
    m.iter()
        .zip(vector)
        .map(|(row, &scale)| row.iter().map(|&(j, v)| (j, v.sat_mul(scale))).collect())
        .collect()
}

/// Scales column `j` by `vector[j]`, keeping non-zero products.
pub fn mat_vec_mul_sparse<S: Scalar>(m: &Sparse<S>, vector: &[S]) -> Sparse<S> {
    m.iter()
        .map(|row| {
            filter_row(row, |j, v: S| {
                let p = v.sat_mul(vector[usize::from(j)]);
                (p != S::ZERO).then_some(p)
            })
        })
        .collect()
}

/// Element-wise product; an overflowing product is zero, as on chain.
pub fn vec_mul<S: Scalar>(a: &[S], b: &[S]) -> Vec<S> {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| x.checked_mul_or_zero(y))
        .collect()
}

/// `A + ratio · (B − A)` element-wise, keeping positive results. `ratio` 0 gives `A` and 1 gives
/// `B` unchanged (no arithmetic), as on chain.
///
/// Subtensor densifies each row; merging the sorted rows computes the same value at every column
/// where either side has an entry, and elsewhere the chain's value is `0 + ratio · 0 = 0`, which
/// it drops, so the results are identical at a fraction of the work for sparse subnets.
pub fn interpolate_sparse<S: Scalar>(a: &Sparse<S>, b: &Sparse<S>, ratio: S) -> Sparse<S> {
    if ratio == S::ZERO {
        return a.clone();
    }
    if ratio == S::ONE {
        return b.clone();
    }
    a.iter()
        .zip(b)
        .map(|(ra, rb)| merge_positive(ra, rb, |v1, v2| v1.sat_add(ratio.sat_mul(v2.sat_sub(v1)))))
        .collect()
}

/// Merges two rows sorted by column, applying `f(a_j, b_j)` (absent entries as zero) where
/// either row has an entry, and keeps the positive results.
fn merge_positive<S: Scalar>(
    a: &[(u16, S)],
    b: &[(u16, S)],
    f: impl Fn(S, S) -> S,
) -> Vec<(u16, S)> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut k) = (0, 0);
    while i < a.len() || k < b.len() {
        let ja = a.get(i).map_or(u16::MAX as u32 + 1, |e| u32::from(e.0));
        let jb = b.get(k).map_or(u16::MAX as u32 + 1, |e| u32::from(e.0));
        let (j, va, vb) = if ja == jb {
            i += 1;
            k += 1;
            (ja, a[i - 1].1, b[k - 1].1)
        } else if ja < jb {
            i += 1;
            (ja, a[i - 1].1, S::ZERO)
        } else {
            k += 1;
            (jb, S::ZERO, b[k - 1].1)
        };
        let v = f(va, vb);
        if v > S::ZERO {
            out.push((j as u16, v));
        }
    }
    out
}

/// Stake-weighted median by mid-pivot partitioning, exactly as subtensor's `weighted_median`:
/// returns the score `v` where the stake below `v` does not exceed `minority` but the stake at
/// or below it does. The pivot is the middle of the current partition (deterministic).
pub fn weighted_median<S: Scalar>(
    stake: &[S],
    score: &[S],
    partition: &[usize],
    minority: S,
    lo: S,
    hi: S,
) -> S {
    let mut scratch = MedianScratch::default();
    weighted_median_in(stake, score, partition, minority, lo, hi, &mut scratch)
}

/// The partitions [`weighted_median`] moves between, kept across the columns of one consensus
/// so that 256 medians do not allocate their lists again and again.
#[derive(Default)]
struct MedianScratch {
    current: Vec<usize>,
    lower: Vec<usize>,
    upper: Vec<usize>,
}

/// [`weighted_median`] on reused lists. Partitions keep the order of `partition` (the pivot is
/// the middle of the current list, so that order decides which score is tried first).
///
/// Each entry is written to both sides and only the side it belongs to advances, and the stake
/// of the other side is added as zero (an identity for both number types, the sums start at
/// +0): the same partitions and sums as the chain's branching loop, without a mispredicted
/// branch per weight.
fn weighted_median_in<S: Scalar>(
    stake: &[S],
    score: &[S],
    partition: &[usize],
    minority: S,
    mut lo: S,
    mut hi: S,
    scratch: &mut MedianScratch,
) -> S {
    let limit = partition.len();
    let MedianScratch {
        current,
        lower,
        upper,
    } = scratch;
    current.clear();
    current.extend_from_slice(partition);
    lower.clear();
    lower.resize(limit, 0);
    upper.clear();
    upper.resize(limit, 0);
    let mut n = limit;
    let mut iterations = 0usize;
    loop {
        if n == 0 {
            return S::ZERO;
        }
        if n == 1 {
            return score[current[0]];
        }
        let pivot = score[current[n / 2]];
        let mut lo_stake = S::ZERO;
        let mut hi_stake = S::ZERO;
        let (mut below_n, mut above_n) = (0usize, 0usize);
        for &idx in &current[..n] {
            let s = score[idx];
            let w = stake[idx];
            // As the chain: equal to the pivot is dropped, below goes low, anything else high.
            let below = s < pivot;
            let above = !below && s != pivot;
            lower[below_n] = idx;
            upper[above_n] = idx;
            below_n += usize::from(below);
            above_n += usize::from(above);
            lo_stake = lo_stake.sat_add(if below { w } else { S::ZERO });
            hi_stake = hi_stake.sat_add(if above { w } else { S::ZERO });
        }
        if minority < lo.sat_add(lo_stake) && below_n != 0 {
            core::mem::swap(current, lower);
            n = below_n;
            hi = lo.sat_add(lo_stake);
        } else if hi.sat_sub(hi_stake) <= minority && above_n != 0 {
            core::mem::swap(current, upper);
            n = above_n;
            lo = hi.sat_sub(hi_stake);
        } else {
            return pivot;
        }
        iterations += 1;
        if iterations > limit {
            return S::ZERO;
        }
    }
}

/// Consensus: per column, the stake-weighted median of the weights of rows with positive stake
/// (absent weights count as zero), with `majority` = kappa.
///
/// A column no staked row has an entry in is all zeros, and the median of zeros is zero: such
/// columns (every validator's, most of a sparse subnet) skip the partitioning. Where addition
/// is exact (fixed point) the median is found by a selection on each column's non-zero weights
/// instead, which gives the chain's answer because that answer does not depend on the order
/// the partitioning visits weights in (see [`exact_median`]).
pub fn weighted_median_col_sparse<S: Scalar>(
    stake: &[S],
    score: &Sparse<S>,
    columns: u16,
    majority: S,
) -> Vec<S> {
    let mut use_stake: Vec<S> = stake.iter().copied().filter(|&s| s > S::ZERO).collect();
    inplace_normalize(&mut use_stake);
    let stake_sum = sum(&use_stake);
    let minority = stake_sum.sat_sub(majority);
    if S::EXACT_ADDITION && sums_are_exact(&use_stake) {
        return exact_median_cols(stake, &use_stake, score, columns, minority, stake_sum);
    }
    let rows = use_stake.len();
    let columns = usize::from(columns);
    // Column-major, one column's scores contiguous.
    let mut use_score = vec![S::ZERO; columns * rows];
    let mut touched = vec![false; columns];
    let mut k = 0usize;
    for (&s, row) in stake.iter().zip(score) {
        if s > S::ZERO {
            for &(c, v) in row {
                let c = usize::from(c);
                use_score[c * rows + k] = v;
                touched[c] = true;
            }
            k += 1;
        }
    }
    let idx: Vec<usize> = (0..rows).collect();
    let mut scratch = MedianScratch::default();
    (0..columns)
        .map(|c| {
            if touched[c] {
                let col = &use_score[c * rows..(c + 1) * rows];
                weighted_median_in(
                    &use_stake,
                    col,
                    &idx,
                    minority,
                    S::ZERO,
                    stake_sum,
                    &mut scratch,
                )
            } else {
                S::ZERO
            }
        })
        .collect()
}

/// True when no stake is negative and their running sum never wraps: then every sum of a
/// subset of them, in any order, is exact and at most the total, so no saturating addition
/// or subtraction in the median saturates.
fn sums_are_exact<S: Scalar>(stake: &[S]) -> bool {
    let mut acc = S::ZERO;
    for &s in stake {
        let next = acc.plain_add(s);
        if s < S::ZERO || next < acc {
            return false;
        }
        acc = next;
    }
    true
}

/// [`weighted_median_col_sparse`] by [`exact_median`], per column of the staked rows.
fn exact_median_cols<S: Scalar>(
    stake: &[S],
    use_stake: &[S],
    score: &Sparse<S>,
    columns: u16,
    minority: S,
    stake_sum: S,
) -> Vec<S> {
    let columns = usize::from(columns);
    let rows = use_stake.len();
    if rows == 0 {
        // The chain's median of an empty partition.
        return vec![S::ZERO; columns];
    }
    // Each column's non-zero (score, stake) pairs, contiguous (compressed sparse columns).
    let mut start = vec![0usize; columns + 1];
    for (&s, row) in stake.iter().zip(score) {
        if s > S::ZERO {
            for &(c, v) in row {
                if v != S::ZERO {
                    start[usize::from(c) + 1] += 1;
                }
            }
        }
    }
    for c in 0..columns {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut pairs = vec![(S::ZERO, S::ZERO); start[columns]];
    let mut k = 0usize;
    for (&s, row) in stake.iter().zip(score) {
        if s > S::ZERO {
            for &(c, v) in row {
                if v != S::ZERO {
                    let at = &mut fill[usize::from(c)];
                    pairs[*at] = (v, use_stake[k]);
                    *at += 1;
                }
            }
            k += 1;
        }
    }
    (0..columns)
        .map(|c| {
            let col = &mut pairs[start[c]..start[c + 1]];
            exact_median(col, rows - col.len(), stake_sum, minority)
        })
        .collect()
}

/// The chain's `weighted_median` of one column, given its non-zero `(score, stake)` pairs and
/// how many staked rows score zero, when every stake sum is exact (see [`sums_are_exact`]).
///
/// Why this is the chain's answer: with exact sums, the chain's partitioning keeps `lo` equal
/// to the stake of all scores below the current partition and `hi` to that of all scores up to
/// its top, so at pivot `p` it compares `minority` with the stake scoring below `p` and with
/// the stake scoring at most `p`. It stops at the `p` where the first is at most `minority` and
/// the second exceeds it: the smallest score whose stake at-or-below exceeds `minority`,
/// whichever pivots it tried on the way. When no score qualifies (kappa zero) it climbs to the
/// largest score, and when `minority` is negative it descends to the smallest, which the
/// smallest qualifying score already is. A single row is its own median, as the chain's
/// shortcut says. That score is found here by selection on the pairs (any pivot serves, the
/// answer is the same), with the zero scores as one more pair.
fn exact_median<S: Scalar>(pairs: &mut [(S, S)], zero_rows: usize, stake_sum: S, minority: S) -> S {
    let mut zero = zero_rows > 0;
    let (zero_stake, positive) = if zero {
        let (nonzero, positive) = pairs.iter().fold((S::ZERO, true), |(acc, positive), p| {
            (acc.sat_add(p.1), positive && p.0 > S::ZERO)
        });
        (stake_sum.sat_sub(nonzero), positive)
    } else {
        (S::ZERO, false)
    };
    if zero && positive && minority < zero_stake {
        // Zero is the smallest score and its stake alone exceeds `minority`: the answer
        // without a selection (a column most stake leaves unweighted; with kappa ½ that is
        // every column fewer than half the stake scores).
        return S::ZERO;
    }
    // Stake of the scores below every candidate left.
    let mut below_all = S::ZERO;
    let mut live = pairs;
    loop {
        let pivot = match live.get(live.len() / 2) {
            Some(p) => p.0,
            None if zero => S::ZERO,
            // Only reachable with no rows at all, which the caller answers itself.
            None => return S::ZERO,
        };
        let (mut below, mut at, mut n_below, mut n_above) = (S::ZERO, S::ZERO, 0usize, 0usize);
        for &(v, w) in live.iter() {
            let lt = v < pivot;
            let gt = pivot < v;
            // Exact sums never overflow, so the plain addition is the saturating one.
            below = below.plain_add(if lt { w } else { S::ZERO });
            at = at.plain_add(if !lt && !gt { w } else { S::ZERO });
            n_below += usize::from(lt);
            n_above += usize::from(gt);
        }
        // The zero group counts like one more pair.
        if zero {
            if S::ZERO < pivot {
                below = below.sat_add(zero_stake);
                n_below += 1;
            } else if pivot < S::ZERO {
                n_above += 1;
            } else {
                at = at.sat_add(zero_stake);
            }
        }
        let to_pivot = below_all.sat_add(below);
        let through_pivot = to_pivot.sat_add(at);
        let keep_below = if n_below > 0 && minority < to_pivot {
            true
        } else if minority < through_pivot || n_above == 0 {
            return pivot;
        } else {
            below_all = through_pivot;
            false
        };
        // Keep one side, in place (each pair is read before its slot is written).
        let mut k = 0;
        for i in 0..live.len() {
            let pair = live[i];
            live[k] = pair;
            let side = if keep_below {
                pair.0 < pivot
            } else {
                pivot < pair.0
            };
            k += usize::from(side);
        }
        zero = zero
            && if keep_below {
                S::ZERO < pivot
            } else {
                pivot < S::ZERO
            };
        live = &mut live[..k];
    }
}

/// Constant-alpha EMA `alpha · new + (1 − alpha) · old`, positives kept. Subtensor accumulates
/// into a dense row (`0 + alpha·new`, then `+ (1 − alpha)·old`); the merge below performs the same
/// additions in the same order wherever either side has an entry (see [`interpolate_sparse`]).
pub fn mat_ema_sparse<S: Scalar>(new: &Sparse<S>, old: &Sparse<S>, alpha: S) -> Sparse<S> {
    let one_minus_alpha = S::ONE.sat_sub(alpha);
    new.iter()
        .zip(old)
        .map(|(new_row, old_row)| {
            merge_positive(new_row, old_row, |n, o| {
                S::ZERO
                    .sat_add(alpha.sat_mul(n))
                    .sat_add(one_minus_alpha.sat_mul(o))
            })
        })
        .collect()
}

/// Per-bond-alpha EMA (liquid alpha). As on chain, only entries present in `new` are emitted:
/// an old bond with no current weight is dropped, not decayed.
pub fn mat_ema_alpha_sparse<S: Scalar>(
    new: &Sparse<S>,
    old: &Sparse<S>,
    alpha: &[Vec<S>],
) -> Sparse<S> {
    new.iter()
        .zip(old)
        .zip(alpha)
        .map(|((new_row, old_row), alpha_row)| {
            let mut decayed = vec![S::ZERO; alpha_row.len()];
            for &(j, v) in old_row {
                let j = usize::from(j);
                if let (Some(&a), Some(c)) = (alpha_row.get(j), decayed.get_mut(j)) {
                    *c = S::ONE.sat_sub(a).sat_mul(v);
                }
            }
            new_row
                .iter()
                .filter_map(|&(j, v)| {
                    let ju = usize::from(j);
                    let (&a, &d) = (alpha_row.get(ju)?, decayed.get(ju)?);
                    let inc = a.sat_mul(v).max_of(S::ZERO);
                    let val = d.sat_add(inc).min_of(S::ONE);
                    (val > S::ZERO).then_some((j, val))
                })
                .collect()
        })
        .collect()
}

/// [`mat_ema_alpha_sparse`] of the alphas [`compute_liquid_alpha_values_sparse`] gives for
/// `new` and `old`, without the dense matrix: the EMA reads an alpha only where `new` has an
/// entry, so only those are computed (one sigmoid, with an `exp`, per current weight instead of
/// one per validator and uid). Same values, same order of operations at every entry the EMA
/// keeps; a test compares it with the two chain steps bit for bit.
pub fn mat_ema_liquid_alpha_sparse<S: Scalar>(
    new: &Sparse<S>,
    old: &Sparse<S>,
    consensus: &[S],
    sigmoid: &Sigmoid<S>,
) -> Sparse<S> {
    // The shared value for an entry with neither weight nor bond, as the dense step has it.
    let idle = sigmoid.alpha(S::ZERO, S::ZERO, S::ZERO);
    new.iter()
        .zip(old)
        .map(|(new_row, old_row)| {
            let mut old_at = old_row.iter().peekable();
            let mut out = Vec::with_capacity(new_row.len());
            for &(j, v) in new_row {
                let Some(&c) = consensus.get(usize::from(j)) else {
                    continue;
                };
                // The old bond at `j`, if stored (rows are sorted by column).
                while old_at.next_if(|&&(k, _)| k < j).is_some() {}
                let bond = old_at.next_if(|&&(k, _)| k == j).map(|&(_, b)| b);
                let b = bond.unwrap_or(S::ZERO);
                let a = if v == S::ZERO && b == S::ZERO {
                    idle
                } else {
                    sigmoid.alpha(c, v, b)
                };
                let decayed = bond.map_or(S::ZERO, |b| S::ONE.sat_sub(a).sat_mul(b));
                let inc = a.sat_mul(v).max_of(S::ZERO);
                let val = decayed.sat_add(inc).min_of(S::ONE);
                if val > S::ZERO {
                    out.push((j, val));
                }
            }
            out
        })
        .collect()
}

/// Clamps `value` into `[low, high]` (min first, then max, as on chain).
pub fn clamp_value<S: Scalar>(value: S, low: S, high: S) -> S {
    value.min_of(high).max_of(low)
}

/// Liquid alpha for one bond: a sigmoid of how far the weight is above consensus (buying) or
/// below the bond (selling), mapped into `[alpha_low, alpha_high]`.
///
/// `clamped` picks the `exp`: clamped to ±20 (`exp_safe`) or unclamped with zero on overflow
/// (`safe_exp`, July 2025 runtimes); they differ only when `|steepness| > 4000`.
pub fn alpha_sigmoid<S: Scalar>(
    consensus: S,
    weight: S,
    bond: S,
    alpha_low: S,
    alpha_high: S,
    steepness: S,
    clamped: bool,
) -> S {
    // One alpha: no use computing the distance-zero one as well.
    let sigmoid = Sigmoid::settings(alpha_low, alpha_high, steepness, clamped);
    sigmoid.of_distance(Sigmoid::distance(consensus, weight, bond))
}

/// [`alpha_sigmoid`] with the parts that do not depend on the bond computed once: the chain
/// divides the steepness by -100 and one by two for every bond, and the results are the same
/// each time. The alpha is a function of one number, how far the weight is from consensus or
/// bond; that is zero for every weight at or below consensus and at or above its bond (most of
/// an honest subnet's), so that alpha, with its `exp`, is computed once too.
#[derive(Clone, Copy)]
pub struct Sigmoid<S> {
    low: S,
    high: S,
    /// `steepness / -100`.
    slope: S,
    half: S,
    clamped: bool,
    /// The alpha at distance zero.
    at_zero: S,
}

impl<S: Scalar> Sigmoid<S> {
    /// The sigmoid for one epoch's liquid-alpha settings.
    pub fn new(alpha_low: S, alpha_high: S, steepness: S, clamped: bool) -> Self {
        let mut sigmoid = Self::settings(alpha_low, alpha_high, steepness, clamped);
        sigmoid.at_zero = sigmoid.of_distance(S::ZERO);
        sigmoid
    }

    /// The settings without the distance-zero alpha (for [`Sigmoid::of_distance`] alone).
    fn settings(alpha_low: S, alpha_high: S, steepness: S, clamped: bool) -> Self {
        Sigmoid {
            low: alpha_low,
            high: alpha_high,
            slope: steepness.sat_div(S::from_int(-100)),
            half: S::ONE.safe_div(S::from_int(2)),
            clamped,
            at_zero: S::ZERO,
        }
    }

    /// How far the weight is above consensus (buying) or below the bond (selling).
    fn distance(consensus: S, weight: S, bond: S) -> S {
        let diff_buy = clamp_value(weight.sat_sub(consensus), S::ZERO, S::ONE);
        let diff_sell = clamp_value(bond.sat_sub(weight), S::ZERO, S::ONE);
        if weight >= bond { diff_buy } else { diff_sell }
    }

    /// The alpha of one bond.
    pub fn alpha(&self, consensus: S, weight: S, bond: S) -> S {
        let combined = Self::distance(consensus, weight, bond);
        if combined == S::ZERO {
            // For f32 a -0 also lands here: -0 - 1/2 and +0 - 1/2 are the same number.
            self.at_zero
        } else {
            self.of_distance(combined)
        }
    }

    fn of_distance(&self, combined: S) -> S {
        let exponent = self.slope.sat_mul(combined.sat_sub(self.half));
        let exp = if self.clamped {
            exponent.exp_safe()
        } else {
            exponent.exp_or_zero()
        };
        let sigmoid = S::ONE.sat_div(S::ONE.sat_add(exp));
        let alpha = self
            .low
            .sat_add(sigmoid.sat_mul(self.high.sat_sub(self.low)));
        clamp_value(alpha, self.low, self.high)
    }
}

/// Dense matrix of liquid alphas, one per (validator, miner), from sparse weights and bonds.
pub fn compute_liquid_alpha_values_sparse<S: Scalar>(
    weights: &Sparse<S>,
    bonds: &Sparse<S>,
    consensus: &[S],
    alpha_low: S,
    alpha_high: S,
    steepness: S,
    clamped: bool,
) -> Vec<Vec<S>> {
    // With no weight and no bond the sigmoid's input is 0 whatever the consensus (weight ≥ bond
    // and weight − consensus clamps to 0), so that common value is computed once; `exp` on the
    // fixed path is costly and the chain's result is the same either way.
    let sigmoid = Sigmoid::new(alpha_low, alpha_high, steepness, clamped);
    let idle = sigmoid.alpha(S::ZERO, S::ZERO, S::ZERO);
    weights
        .iter()
        .zip(bonds)
        .map(|(w_row, b_row)| {
            let mut w = w_row.iter().peekable();
            let mut b = b_row.iter().peekable();
            consensus
                .iter()
                .enumerate()
                .map(|(j, &c)| {
                    let j = j as u16;
                    let weight = take_at(&mut w, j);
                    let bond = take_at(&mut b, j);
                    if weight == S::ZERO && bond == S::ZERO {
                        idle
                    } else {
                        sigmoid.alpha(c, weight, bond)
                    }
                })
                .collect()
        })
        .collect()
}

/// Advances a sorted sparse row to column `j` and returns its value there (zero if absent).
fn take_at<'a, S: Scalar>(
    it: &mut core::iter::Peekable<impl Iterator<Item = &'a (u16, S)>>,
    j: u16,
) -> S {
    while let Some(&&(i, v)) = it.peek() {
        if i < j {
            it.next();
        } else {
            return if i == j { v } else { S::ZERO };
        }
    }
    S::ZERO
}

#[cfg(test)]
mod tests;
