// Stage 2: consensus, the stake-weighted median of each miner's column of normalised weights
// (the matrix prep wrote) over the validators with positive active stake (absent weights
// count as zero), with majority kappa. One invocation per (job, miner) runs subtensor's
// mid-pivot partition loop (yuma::epoch::math::weighted_median) on private arrays: the same
// pivots, the same stake sums in the same order, so the same answer as the CPU path given the
// same weights.

var<workgroup> use_stake: array<f32, 256>;
var<workgroup> use_index: array<u32, 256>;

// Indices into `use_stake` live in `idx`: the current partition at [cur, cur + len), the
// spare half at the other 256. Lower elements go to the spare half in order; upper elements
// are compacted in place (never ahead of the read position), so both keep their order.
fn weighted_median(score: ptr<function, array<f32, 256>>, m: u32, minority: f32, stake_sum: f32) -> f32 {
    var idx: array<u32, 512>;
    for (var k = 0u; k < m; k++) {
        idx[k] = k;
    }
    var cur = 0u;
    var len = m;
    var lo = 0.0;
    var hi = stake_sum;
    var iterations = 0u;
    loop {
        if len == 0u {
            return 0.0;
        }
        if len == 1u {
            return (*score)[idx[cur]];
        }
        let pivot = (*score)[idx[cur + len / 2u]];
        let spare = 256u - cur;
        var lo_stake = 0.0;
        var hi_stake = 0.0;
        var lower = 0u;
        var upper = 0u;
        for (var p = 0u; p < len; p++) {
            let k = idx[cur + p];
            let s = (*score)[k];
            if s == pivot {
                continue;
            }
            if s < pivot {
                lo_stake = lo_stake + use_stake[k];
                idx[spare + lower] = k;
                lower += 1u;
            } else {
                hi_stake = hi_stake + use_stake[k];
                idx[cur + upper] = k;
                upper += 1u;
            }
        }
        if minority < lo + lo_stake && lower > 0u {
            hi = lo + lo_stake;
            cur = spare;
            len = lower;
        } else if hi - hi_stake <= minority && upper > 0u {
            lo = hi - hi_stake;
            len = upper;
        } else {
            return pivot;
        }
        iterations += 1u;
        if iterations > m {
            return 0.0;
        }
    }
    // Not reached (the loop only returns), but WGSL wants a final return.
    return 0.0;
}

// Miners per workgroup: a subnet's columns are spread over several workgroups (the host
// dispatches CONSENSUS_SLICES per job along y), so that one subnet alone still keeps several
// compute units busy; each workgroup steps by the whole dispatch's width.
const SLICE: u32 = 64u;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) l: u32,
) {
    let job = jobs[wid.x];
    let n = job.n;
    let m = scratch[scratch_at(job, S_HEADER, H_M)];
    for (var k = l; k < m; k += SLICE) {
        use_stake[k] = scratch_f(job, S_USE_STAKE, k);
        use_index[k] = scratch[scratch_at(job, S_USE_INDEX, k)];
    }
    workgroupBarrier();

    let minority = scratch_f(job, S_HEADER, H_MINORITY);
    let stake_sum = scratch_f(job, S_HEADER, H_STAKE_SUM);
    for (var t = wid.y * SLICE + l; t < n; t += groups.y * SLICE) {
        var score: array<f32, 256>;
        for (var k = 0u; k < m; k++) {
            score[k] = entry(job, use_index[k], t).value;
        }
        let consensus = weighted_median(&score, m, minority, stake_sum);
        outv[out_at(job, O_CONSENSUS, t)] = bitcast<u32>(consensus);
    }
}
