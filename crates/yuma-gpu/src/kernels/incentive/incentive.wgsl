// Stage 3: clipping, validator trust and incentive, then the weights for bonds. Clipped
// weights (col_clip_sparse against consensus) are computed per entry; validator trust is each
// row's sum of clipped weights, ranks are the active-stake-weighted column sums (matmul_sparse,
// rows in order), and incentive is the ranks normalised. Last, each row of the matrix is
// overwritten with interpolate_sparse(weights, clipped, bonds_penalty), which the bonds stage
// reads.

// `consensus`, `active_stake` and `total` are declared in tail.wgsl (shared by stages 3-5).
var<workgroup> ranks: array<f32, 256>;

// col_clip_sparse: an entry above its column's threshold becomes the threshold, or is dropped
// when the threshold is not positive.
fn clip(w: Entry, threshold: f32) -> Entry {
    if !w.present {
        return w;
    }
    if threshold < w.value {
        if threshold > 0.0 {
            return Entry(threshold, true);
        }
        return Entry(0.0, false);
    }
    return w;
}

// interpolate_sparse(weights, clipped, bonds_penalty): ratio 0 and 1 return an operand as is
// (present zeros included); otherwise the dense interpolation keeps positive results.
fn weight_for_bonds(job: Job, w: Entry, c: Entry) -> Entry {
    let ratio = job.bonds_penalty;
    if ratio == 0.0 {
        return w;
    }
    if ratio == 1.0 {
        return c;
    }
    let x = w.value + ratio * (c.value - w.value);
    if 0.0 < x {
        return Entry(x, true);
    }
    return Entry(0.0, false);
}

// Stage 3 on its own: the epoch as run before the stages were merged (`tail.wgsl`).
@compute @workgroup_size(256)
fn incentive_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    incentive_stage(wid.x, t);
}

// Every invocation of the job's workgroup calls this (it has barriers).
fn incentive_stage(w: u32, t: u32) {
    let job = jobs[w];
    let n = job.n;
    if t < n {
        consensus[t] = out_f(job, O_CONSENSUS, t);
        active_stake[t] = scratch_f(job, S_ACTIVE_STAKE, t);
    }
    load_live_rows(job, t);
    workgroupBarrier();

    // Rows that are not live hold no weight: their trust is zero and they add nothing to a
    // rank (see common.wgsl).
    let live = t < n && row_live(job, t);
    if t < n {
        var trust = 0.0;
        if live {
            for (var j = 0u; j < n; j++) {
                let c = clip(entry(job, t, j), consensus[j]);
                if c.present {
                    trust = trust + c.value;
                }
            }
        }
        outv[out_at(job, O_TRUST, t)] = bitcast<u32>(trust);

        var rank = 0.0;
        for (var r = 0u; r < live_count; r++) {
            let i = live_rows[r];
            let c = clip(entry(job, i, t), consensus[t]);
            if c.present {
                rank = rank + active_stake[i] * c.value;
            }
        }
        ranks[t] = rank;
    }
    // Every column read is done before rows are overwritten.
    sync_storage();

    if live {
        for (var j = 0u; j < n; j++) {
            let w = entry(job, t, j);
            set_entry(job, t, j, weight_for_bonds(job, w, clip(w, consensus[j])));
        }
    }
    if t == 0u {
        var sum = 0.0;
        for (var k = 0u; k < n; k++) {
            sum = sum + ranks[k];
        }
        total = sum;
    }
    workgroupBarrier();

    if t < n {
        var incentive = ranks[t];
        if total != 0.0 {
            incentive = incentive / total;
        }
        outv[out_at(job, O_INCENTIVE, t)] = bitcast<u32>(incentive);
    }
}
