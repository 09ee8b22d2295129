// Stage 4: bonds and dividends, then the stored bonds (the state the next epoch reads).
//
// Yuma1: old bonds (u16 as whole numbers, masked where the target registered after the last
// epoch) column-normalised; dB = weights_for_bonds * active stake per row, column-normalised;
// EMA with the constant bonds alpha, positives kept, column-normalised; dividends = B . I
// normalised; stored bonds are the normalised EMA scaled so each column's largest is 1.
// Yuma3: old bonds are u16 / 65535; the EMA uses the constant alpha, or with liquid alpha on
// and some consensus non-zero a per-bond alpha from alpha_sigmoid (mat_ema_alpha_sparse: only
// entries present in weights_for_bonds survive); the sigmoid compares weights with this
// epoch's consensus or, by the consensus mode, the u16 one the previous epoch stored; dividends = rowsum(colnorm(B) * I) * active
// stake, normalised; stored bonds are the EMA itself.
//
// The matrix holds the weights for bonds on entry; a column pass replaces each entry with its
// EMA bond. Column passes (invocation = column) build the sums, row passes (invocation = row)
// the dividends and the stored row. Both visit only live rows (common.wgsl).

// `consensus`, `active_stake` and `total` are declared in tail.wgsl (shared by stages 3-5).
var<workgroup> sigmoid_consensus: array<f32, 256>;
var<workgroup> incentive: array<f32, 256>;
var<workgroup> bond_kept: array<u32, 256>;
var<workgroup> col_bonds: array<f32, 256>;
var<workgroup> col_delta: array<f32, 256>;
var<workgroup> col_ema: array<f32, 256>;
var<workgroup> col_max: array<f32, 256>;
var<workgroup> dividends: array<f32, 256>;
var<workgroup> liquid_on: u32;

struct Ctx {
    first: bool,
    yuma3: bool,
    liquid: bool,
}

// Old bond (i, j) as the CPU path reads it: zero where scalar_vec_mask_sparse_matrix drops it
// (the target registered at or after the last epoch's block).
fn old_bond(job: Job, ctx: Ctx, i: u32, j: u32) -> f32 {
    if bond_kept[j] == 0u {
        return 0.0;
    }
    let at = i * half_words(job.n) + j / 2u;
    var word = 0u;
    if ctx.first {
        word = data[job.bonds_off + at];
    } else {
        word = state[state_bonds(job) + at];
    }
    let raw = f32(half_of(word, j));
    if ctx.yuma3 {
        return raw / 65535.0;
    }
    return raw;
}

// mat_ema_sparse for one entry: alpha * new (if present) then + (1 - alpha) * old; positives.
fn ema_constant(job: Job, new_entry: Entry, old: f32) -> Entry {
    var acc = 0.0;
    if new_entry.present {
        acc = acc + job.bonds_alpha * new_entry.value;
    }
    acc = acc + (1.0 - job.bonds_alpha) * old;
    if acc > 0.0 {
        return Entry(acc, true);
    }
    return Entry(0.0, false);
}

fn clamp_value(v: f32, low: f32, high: f32) -> f32 {
    var x = v;
    if high < x {
        x = high;
    }
    if low > x {
        x = low;
    }
    return x;
}

// yuma::epoch::math::alpha_sigmoid, step for step.
fn alpha_sigmoid(job: Job, c: f32, weight: f32, bond: f32) -> f32 {
    let diff_buy = clamp_value(weight - c, 0.0, 1.0);
    let diff_sell = clamp_value(bond - weight, 0.0, 1.0);
    var combined = diff_sell;
    if weight >= bond {
        combined = diff_buy;
    }
    let exponent = job.steepness_div * (combined - 0.5);
    let sigmoid = 1.0 / (1.0 + exp(clamp(exponent, -20.0, 20.0)));
    let alpha = job.alpha_low + sigmoid * (job.alpha_high - job.alpha_low);
    return clamp_value(alpha, job.alpha_low, job.alpha_high);
}

fn ema_yuma3(job: Job, ctx: Ctx, f: Entry, b: f32, c: f32) -> Entry {
    if ctx.liquid {
        // mat_ema_alpha_sparse: entries absent from the new weights are dropped.
        if !f.present {
            return Entry(0.0, false);
        }
        let a = alpha_sigmoid(job, c, f.value, b);
        let decayed = (1.0 - a) * b;
        var grow = a * f.value;
        if 0.0 > grow {
            grow = 0.0;
        }
        var v = decayed + grow;
        if 1.0 < v {
            v = 1.0;
        }
        if v > 0.0 {
            return Entry(v, true);
        }
        return Entry(0.0, false);
    }
    return ema_constant(job, f, b);
}

// The column-normalised EMA entry (zero where absent).
fn ema_normalised(job: Job, i: u32, j: u32) -> Entry {
    var e = entry(job, i, j);
    if e.present && col_ema[j] != 0.0 {
        e.value = e.value / col_ema[j];
    }
    return e;
}

// The stored value of bond (i, j): Yuma1's EMA normalised by column sum, then by column max;
// Yuma3's EMA as it is.
fn stored_bond(job: Job, ctx: Ctx, i: u32, j: u32) -> Entry {
    var e = entry(job, i, j);
    if e.present && !ctx.yuma3 {
        if col_ema[j] != 0.0 {
            e.value = e.value / col_ema[j];
        }
        if col_max[j] != 0.0 {
            e.value = e.value / col_max[j];
        }
    }
    return e;
}

// Stage 4 on its own: the epoch as run before the stages were merged (`tail.wgsl`).
@compute @workgroup_size(256)
fn bonds_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    bonds_stage(wid.x, t);
}

// Every invocation of the job's workgroup calls this (it has barriers).
fn bonds_stage(w: u32, t: u32) {
    let job = jobs[w];
    let n = job.n;
    if t < n {
        consensus[t] = out_f(job, O_CONSENSUS, t);
        active_stake[t] = scratch_f(job, S_ACTIVE_STAKE, t);
        incentive[t] = out_f(job, O_INCENTIVE, t);
        bond_kept[t] = select(1u, 0u, le64(last_tempo(job), registered(job, t)));

        // liquid_alpha_consensus: the stored consensus when the mode asks for it and one exists.
        let first = state[job.state_off + ST_EPOCHS] == 0u;
        let has_previous = !first || (job.flags & FLAG_HAS_PREVIOUS) != 0u;
        var c = consensus[t];
        if (job.flags & FLAG_PREVIOUS_CONSENSUS) != 0u && has_previous {
            var stored = 0u;
            if first {
                stored = data[job.previous_consensus_off + t];
            } else {
                stored = state[state_consensus(job) + t];
            }
            c = f32(stored) / 65535.0;
        }
        sigmoid_consensus[t] = c;
    }
    load_live_rows(job, t);
    workgroupBarrier();
    if t == 0u {
        var nonzero = 0u;
        for (var j = 0u; j < n; j++) {
            if consensus[j] != 0.0 {
                nonzero = 1u;
            }
        }
        liquid_on = select(0u, nonzero, (job.flags & FLAG_LIQUID_ALPHA) != 0u);
    }
    workgroupBarrier();

    let ctx = Ctx(
        state[job.state_off + ST_EPOCHS] == 0u,
        (job.flags & FLAG_YUMA3) != 0u,
        liquid_on != 0u,
    );

    // Column pass 1. Yuma3: the EMA, written over the weights for bonds, and its column sums.
    // Yuma1: column sums of the old bonds and of the bonds delta.
    if t < n {
        if ctx.yuma3 {
            var sum = 0.0;
            for (var r = 0u; r < live_count; r++) {
                let i = live_rows[r];
                let e = ema_yuma3(
                    job,
                    ctx,
                    entry(job, i, t),
                    old_bond(job, ctx, i, t),
                    sigmoid_consensus[t],
                );
                set_entry(job, i, t, e);
                if e.present {
                    sum = sum + e.value;
                }
            }
            col_ema[t] = sum;
        } else {
            var bonds_sum = 0.0;
            var delta_sum = 0.0;
            for (var r = 0u; r < live_count; r++) {
                let i = live_rows[r];
                bonds_sum = bonds_sum + old_bond(job, ctx, i, t);
                let f = entry(job, i, t);
                if f.present {
                    delta_sum = delta_sum + f.value * active_stake[i];
                }
            }
            col_bonds[t] = bonds_sum;
            col_delta[t] = delta_sum;
        }
    }
    workgroupBarrier();

    // Column pass 2 (Yuma1): the EMA of the normalised matrices, written over the weights for
    // bonds, and its column sums.
    if t < n && !ctx.yuma3 {
        var sum = 0.0;
        for (var r = 0u; r < live_count; r++) {
            let i = live_rows[r];
            let f = entry(job, i, t);
            var d = Entry(f.value * active_stake[i], f.present);
            if col_delta[t] != 0.0 {
                d.value = d.value / col_delta[t];
            }
            var b = old_bond(job, ctx, i, t);
            if col_bonds[t] != 0.0 {
                b = b / col_bonds[t];
            }
            let e = ema_constant(job, d, b);
            set_entry(job, i, t, e);
            if e.present {
                sum = sum + e.value;
            }
        }
        col_ema[t] = sum;
    }
    sync_storage();

    // Each row's dividend before normalising, and (Yuma1) each column's largest normalised bond.
    let live = t < n && row_live(job, t);
    if t < n {
        if ctx.yuma3 {
            var per_validator = 0.0;
            for (var j = 0u; j < n && live; j++) {
                let e = ema_normalised(job, t, j);
                let p = e.value * incentive[j];
                if e.present && p != 0.0 {
                    per_validator = per_validator + p;
                }
            }
            dividends[t] = per_validator * active_stake[t];
        } else {
            var largest = 0.0;
            for (var r = 0u; r < live_count; r++) {
                let i = live_rows[r];
                let e = ema_normalised(job, i, t);
                if e.present && largest < e.value {
                    largest = e.value;
                }
            }
            col_max[t] = largest;
            var d = 0.0;
            for (var j = 0u; j < n && live; j++) {
                let e = ema_normalised(job, t, j);
                if e.present {
                    d = d + incentive[j] * e.value;
                }
            }
            dividends[t] = d;
        }
    }
    workgroupBarrier();

    if t == 0u {
        var sum = 0.0;
        for (var k = 0u; k < n; k++) {
            sum = sum + dividends[k];
        }
        total = sum;
    }
    // Every read of the old bonds is done before any row of them is overwritten.
    sync_storage();

    if t < n {
        var d = dividends[t];
        if total != 0.0 {
            d = d / total;
        }
        outv[out_at(job, O_DIVIDENDS, t)] = bitcast<u32>(d);

        // The stored bonds of row t (emptied unless uid t holds a new permit). A row that is
        // not live had no stored bond going in, so its stored row is all zeros already (the
        // state starts cleared, and the last epoch wrote zeros to any row it emptied): it is
        // left as it is.
        if live {
            let keep = (scratch[scratch_at(job, S_FLAGS, t)] & U_NEW_PERMIT) != 0u;
            let h = half_words(n);
            let q = bit_words(n);
            var bits = 0u;
            for (var w = 0u; w < h; w++) {
                var word = 0u;
                let c0 = 2u * w;
                let c1 = c0 + 1u;
                if keep {
                    let e0 = stored_bond(job, ctx, t, c0);
                    if e0.present {
                        bits |= 1u << (c0 % 32u);
                        word = to_u16(e0.value);
                    }
                    if c1 < n {
                        let e1 = stored_bond(job, ctx, t, c1);
                        if e1.present {
                            bits |= 1u << (c1 % 32u);
                            word |= to_u16(e1.value) << 16u;
                        }
                    }
                }
                state[state_bonds(job) + t * h + w] = word;
                // Presence bits go out a word (32 columns) at a time, and at the row's end.
                if c1 % 32u == 31u || c1 + 1u >= n {
                    state[state_presence(job) + t * q + c0 / 32u] = bits;
                    bits = 0u;
                }
            }
        }
    }
}
