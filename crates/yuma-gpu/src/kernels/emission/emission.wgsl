// Stage 5: the emission split and the carry. Server emission is incentive over the sum of
// incentive plus dividends, validator emission dividends over it, combined emission their sum
// normalised; when that sum is zero, validator and combined emission follow active stake (or
// stake, when no validator is active). Then the state the next epoch reads: new permits, the
// stored u16 consensus and LastMechansimStepBlock = current block. Activity and permits go out as flags.

// `active_stake` is declared in tail.wgsl (shared by stages 3-5).
var<workgroup> incentive_plus_dividends: array<f32, 256>;
var<workgroup> sums: vec2<f32>;

// Stage 5 on its own: the epoch as run before the stages were merged (`tail.wgsl`).
@compute @workgroup_size(256)
fn emission_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    emission_stage(wid.x, t);
}

// Every invocation of the job's workgroup calls this (it has barriers).
fn emission_stage(w: u32, t: u32) {
    let job = jobs[w];
    let n = job.n;
    if t < n {
        incentive_plus_dividends[t] = out_f(job, O_INCENTIVE, t) + out_f(job, O_DIVIDENDS, t);
        active_stake[t] = scratch_f(job, S_ACTIVE_STAKE, t);
    }
    workgroupBarrier();

    if t == 0u {
        var emission_sum = 0.0;
        var active_sum = 0.0;
        for (var k = 0u; k < n; k++) {
            emission_sum = emission_sum + incentive_plus_dividends[k];
            active_sum = active_sum + active_stake[k];
        }
        sums = vec2<f32>(emission_sum, active_sum);
    }
    workgroupBarrier();

    if t < n {
        var server = out_f(job, O_INCENTIVE, t);
        var validator = out_f(job, O_DIVIDENDS, t);
        var share = incentive_plus_dividends[t];
        let emission_sum = sums.x;
        if emission_sum != 0.0 {
            server = server / emission_sum;
            validator = validator / emission_sum;
            share = share / emission_sum;
        } else {
            var fallback = active_stake[t];
            if sums.y == 0.0 {
                fallback = stake(job, t);
            }
            validator = fallback;
            share = fallback;
        }
        outv[out_at(job, O_SERVER, t)] = bitcast<u32>(server);
        outv[out_at(job, O_VALIDATOR, t)] = bitcast<u32>(validator);
        outv[out_at(job, O_COMBINED, t)] = bitcast<u32>(share);

        let flags = scratch[scratch_at(job, S_FLAGS, t)];
        let new_permit = (flags & U_NEW_PERMIT) != 0u;
        var out_flags = 0u;
        if (flags & U_INACTIVE) == 0u {
            out_flags |= 1u;
        }
        if new_permit {
            out_flags |= 2u;
        }
        outv[out_at(job, O_FLAGS, t)] = out_flags;
        state[job.state_off + ST_PERMITS + t] = select(0u, 1u, new_permit);
        state[state_consensus(job) + t] = to_u16(out_f(job, O_CONSENSUS, t));
    }
    if t == 0u {
        state[job.state_off + ST_LMSB] = job.current_block_lo;
        state[job.state_off + ST_LMSB + 1u] = job.current_block_hi;
        state[job.state_off + ST_EPOCHS] = state[job.state_off + ST_EPOCHS] + 1u;
    }
}
