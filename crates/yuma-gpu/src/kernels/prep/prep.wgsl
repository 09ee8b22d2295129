// Stage 1 of the epoch: activity, validator permits, active stake, the masked and
// row-normalised weights, and the compacted stake vector the weighted median reads. Mirrors
// the start of yuma::epoch::run: inactive = last_update + activity_cutoff < current_block;
// permits going in are last epoch's (owner forced on); new permits are is_topk_nonzero(stake)
// plus the owner; active stake = stake masked by inactivity and missing permits, normalised;
// weights keep permitted rows, drop the diagonal except the owner's and weights set before
// their target (re)registered, and rows with a positive sum are normalised.

var<workgroup> active_stake: array<f32, 256>;
var<workgroup> compact: array<f32, 256>;
var<workgroup> stakes: array<f32, 256>;
var<workgroup> registered_lo: array<u32, 256>;
var<workgroup> registered_hi: array<u32, 256>;
var<workgroup> total: f32;
var<workgroup> live_flag: array<u32, 256>;

// Whether row t may have a stored bond going into the epoch: before the first epoch the host
// marks rows with bonds (bit 1 of the permits word), after it the presence bits the bonds
// stage wrote. A present bond may be zero; the row is then live for nothing, which is safe.
fn has_old_bonds(job: Job, first: bool, t: u32) -> bool {
    if first {
        return (data[job.permits_off + t] & PERMITS_HAS_BONDS) != 0u;
    }
    let q = bit_words(job.n);
    for (var w = 0u; w < q; w++) {
        if state[state_presence(job) + t * q + w] != 0u {
            return true;
        }
    }
    return false;
}

fn weight_raw(job: Job, i: u32, j: u32) -> f32 {
    let h = half_words(job.n);
    return f32(half_of(data[job.weights_off + i * h + j / 2u], j));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let job = jobs[wid.x];
    let n = job.n;
    let first = state[job.state_off + ST_EPOCHS] == 0u;
    if t < n {
        stakes[t] = stake(job, t);
        let r = registered(job, t);
        registered_lo[t] = r.x;
        registered_hi[t] = r.y;
    }
    workgroupBarrier();

    if t < n {
        let s = stakes[t];
        let updated = last_update(job, t);
        let cutoff = vec2<u32>(job.activity_cutoff_lo, job.activity_cutoff_hi);
        let current = vec2<u32>(job.current_block_lo, job.current_block_hi);
        let inactive = lt64(add64_sat(updated, cutoff), current);
        var previous = 0u;
        if first {
            previous = data[job.permits_off + t] & 1u;
        } else {
            previous = state[job.state_off + ST_PERMITS + t];
        }
        let permit = previous != 0u || job.owner == t;

        // is_topk_nonzero: a stable ascending sort drops the first n - k; uid t's place in
        // that order is the count of smaller stakes plus equal stakes at lower uids.
        var new_permit = s != 0.0;
        if n >= job.max_validators {
            var place = 0u;
            for (var j = 0u; j < n; j++) {
                let o = stakes[j];
                if o < s || (o == s && j < t) {
                    place += 1u;
                }
            }
            if place < n - job.max_validators {
                new_permit = false;
            }
        }
        new_permit = new_permit || job.owner == t;

        var flags = 0u;
        if inactive {
            flags |= U_INACTIVE;
        }
        if permit {
            flags |= U_PERMIT;
        }
        if new_permit {
            flags |= U_NEW_PERMIT;
        }
        let live = permit || (job.flags & FLAG_EVERY_ROW) != 0u || has_old_bonds(job, first, t);
        if live {
            flags |= U_LIVE;
        }
        live_flag[t] = select(0u, 1u, live);
        scratch[scratch_at(job, S_FLAGS, t)] = flags;
        active_stake[t] = select(0.0, s, !inactive && permit);

        // Row t of the weights: masked entries become ABSENT, kept ones their u16 value,
        // summed in column order (integers below 2^24: exact), then normalised.
        // Only live rows: nothing reads the others (see common.wgsl).
        if live {
            let q = bit_words(n);
            var row = 0.0;
            for (var j = 0u; j < n; j++) {
                let bits = data[job.present_off + t * q + j / 32u];
                let stored = ((bits >> (j % 32u)) & 1u) == 1u;
                let diagonal_ok = t != j || job.owner == j;
                let fresh = !le64(updated, vec2<u32>(registered_lo[j], registered_hi[j]));
                if stored && permit && diagonal_ok && fresh {
                    let w = weight_raw(job, t, j);
                    row = row + w;
                    set_entry(job, t, j, Entry(w, true));
                } else {
                    set_entry(job, t, j, Entry(0.0, false));
                }
            }
            if row > 0.0 {
                for (var j = 0u; j < n; j++) {
                    let e = entry(job, t, j);
                    if e.present {
                        set_entry(job, t, j, Entry(e.value / row, true));
                    }
                }
            }
        }
    }
    workgroupBarrier();

    if t == 0u {
        var sum = 0.0;
        for (var k = 0u; k < n; k++) {
            sum = sum + active_stake[k];
        }
        total = sum;
    }
    workgroupBarrier();

    if t < n {
        var a = active_stake[t];
        if total != 0.0 {
            a = a / total;
        }
        active_stake[t] = a;
        scratch[scratch_at(job, S_ACTIVE_STAKE, t)] = bitcast<u32>(a);
    }
    workgroupBarrier();

    // weighted_median_col_sparse's set-up: positive stakes in uid order, normalised again,
    // their sum, and minority = sum - kappa. One invocation, in order, as on the CPU.
    if t == 0u {
        var m = 0u;
        for (var k = 0u; k < n; k++) {
            if active_stake[k] > 0.0 {
                compact[m] = active_stake[k];
                scratch[scratch_at(job, S_USE_INDEX, m)] = k;
                m += 1u;
            }
        }
        var sum = 0.0;
        for (var k = 0u; k < m; k++) {
            sum = sum + compact[k];
        }
        var stake_sum = 0.0;
        for (var k = 0u; k < m; k++) {
            var v = compact[k];
            if sum != 0.0 {
                v = v / sum;
            }
            scratch[scratch_at(job, S_USE_STAKE, k)] = bitcast<u32>(v);
            stake_sum = stake_sum + v;
        }
        scratch[scratch_at(job, S_HEADER, H_M)] = m;
        var live = 0u;
        for (var k = 0u; k < n; k++) {
            if live_flag[k] != 0u {
                scratch[scratch_at(job, S_LIVE_INDEX, live)] = k;
                live += 1u;
            }
        }
        scratch[scratch_at(job, S_HEADER, H_LIVE)] = live;
        scratch[scratch_at(job, S_HEADER, H_STAKE_SUM)] = bitcast<u32>(stake_sum);
        scratch[scratch_at(job, S_HEADER, H_MINORITY)] = bitcast<u32>(stake_sum - job.kappa);

        // The bonds mask's block: current_block - tempo before any epoch, else the block after.
        var lmsb = vec2<u32>(job.lmsb_lo, job.lmsb_hi);
        if !first {
            lmsb = vec2<u32>(state[job.state_off + ST_LMSB], state[job.state_off + ST_LMSB + 1u]);
        }
        var tempo_block = vec2<u32>(0u, 0u);
        if lmsb.x == 0u && lmsb.y == 0u {
            let current = vec2<u32>(job.current_block_lo, job.current_block_hi);
            tempo_block = sub64_sat(current, vec2<u32>(job.tempo, 0u));
        } else {
            tempo_block = add64_sat(lmsb, vec2<u32>(1u, 0u));
        }
        scratch[scratch_at(job, S_HEADER, H_LAST_TEMPO)] = tempo_block.x;
        scratch[scratch_at(job, S_HEADER, H_LAST_TEMPO + 1u)] = tempo_block.y;
    }
}
