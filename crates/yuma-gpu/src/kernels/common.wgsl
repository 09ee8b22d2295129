// Declarations shared by every stage of the epoch; the host prepends this file to each stage's
// source (WGSL has no includes). One workgroup of 256 invocations runs one job: a subnet of
// n <= 256 uids with one set of hyperparameters. Invocation t stands for uid t: it owns row t
// in row passes and column t in column passes. Everything that the CPU path sums in order is
// summed here in the same order by one invocation, so that rounding matches yuma::float.
//
// Each job has one dense n x n f32 matrix in scratch that the stages rewrite in place as the
// epoch proceeds: the masked, row-normalised weights (prep), then the weights for bonds
// (incentive), then the EMA bonds (bonds). An entry the CPU path's sparse rows do not have is
// stored as ABSENT (negative), because a present zero and an absent entry differ in places
// (interpolate with ratio 0 or 1, mat_ema_alpha_sparse).
//
// Only live rows are visited: a row is live when its uid holds a permit going into the epoch
// (only those rows keep weights) or has a stored bond (an entry, even a zero one). Every other
// row holds nothing in any matrix of the epoch (no weight, so no clipped weight, weight for
// bonds or delta; no old bond, so no EMA bond either), so it adds nothing to a column sum and
// its own row sums are zero: skipping it gives the same values in the same order. Prep lists
// the live rows in S_LIVE_INDEX (ascending) and does not write the others' matrix rows, which
// nothing reads; their stored bonds stay the zeros they are. FLAG_EVERY_ROW makes every row
// live: the kernels' work as it was before the skipping, kept for the benchmark's
// side-by-side.

const FLAG_YUMA3: u32 = 1u;
const FLAG_LIQUID_ALPHA: u32 = 2u;
// Liquid alpha's sigmoid reads the previous epoch's stored consensus (ConsensusMode resolved).
const FLAG_PREVIOUS_CONSENSUS: u32 = 4u;
// The input carries a previous consensus (later epochs always have the one carried).
const FLAG_HAS_PREVIOUS: u32 = 8u;
const FLAG_EVERY_ROW: u32 = 16u;
// In a permits word of `data`: the uid's bonds row is not empty.
const PERMITS_HAS_BONDS: u32 = 2u;
const NO_OWNER: u32 = 0xffffffffu;

// One job's parameters, written by the host (engine/layout.rs, `JobWords`), in this order.
struct Job {
    n: u32,
    owner: u32,
    flags: u32,
    max_validators: u32,
    // Offsets into `data` (words).
    weights_off: u32,   // n rows of ceil(n/2) words: u16 weights, even column in the low half
    present_off: u32,   // n rows of ceil(n/32) words: bit j set where row i has an entry for j
    last_update_off: u32, // n pairs (lo, hi) of u64 blocks
    registered_off: u32,  // n pairs: block_at_registration
    permits_off: u32,   // n words: bit 0 the permit before the first epoch, bit 1 a bonds row
    bonds_off: u32,     // n rows of ceil(n/2) words: u16 bonds before the first epoch
    stake_off: u32,     // n f32: normalised stake weights (host, f64, as yuma::float)
    // Offsets into the per-job regions.
    state_off: u32,
    scratch_off: u32,
    out_off: u32,
    // Hyperparameters as the CPU f32 path converts them (converted on the host, bit-identical).
    kappa: f32,
    bonds_penalty: f32,
    bonds_alpha: f32,
    alpha_low: f32,
    alpha_high: f32,
    steepness_div: f32, // sigmoid steepness / -100
    activity_cutoff_lo: u32,
    activity_cutoff_hi: u32,
    current_block_lo: u32,
    current_block_hi: u32,
    lmsb_lo: u32,       // LastMechansimStepBlock before the first epoch
    lmsb_hi: u32,
    tempo: u32,
    previous_consensus_off: u32, // data: n words, u16 Consensus stored before the first epoch
}

@group(0) @binding(0) var<storage, read> jobs: array<Job>;
@group(0) @binding(1) var<storage, read> data: array<u32>;
// Per job, carried between epochs: [epochs done, lmsb lo, lmsb hi], permits (n words), stored
// u16 consensus (n words), stored bonds (n rows of ceil(n/2) words of u16), their presence bits
// (n rows of ceil(n/32)).
@group(0) @binding(2) var<storage, read_write> state: array<u32>;
// Per job, within one epoch: vectors of n words at multiples of n, a header, the matrix.
@group(0) @binding(3) var<storage, read_write> scratch: array<u32>;
// Per job, the epoch's results: vectors of n words at multiples of n.
@group(0) @binding(4) var<storage, read_write> outv: array<u32>;

const ST_EPOCHS: u32 = 0u;
const ST_LMSB: u32 = 1u;
const ST_PERMITS: u32 = 3u;

fn state_consensus(job: Job) -> u32 {
    return job.state_off + ST_PERMITS + job.n;
}

const S_ACTIVE_STAKE: u32 = 0u;
const S_USE_STAKE: u32 = 1u;
const S_USE_INDEX: u32 = 2u;
const S_FLAGS: u32 = 3u;
const S_LIVE_INDEX: u32 = 4u; // the live rows, ascending
const S_HEADER: u32 = 5u;
const HEADER_WORDS: u32 = 8u;
const H_M: u32 = 0u;          // validators with positive active stake
const H_MINORITY: u32 = 1u;
const H_STAKE_SUM: u32 = 2u;
const H_LAST_TEMPO: u32 = 3u; // two words
const H_LIVE: u32 = 5u;       // live rows

const U_INACTIVE: u32 = 1u;
const U_PERMIT: u32 = 2u;     // permit going into the epoch (owner included): rows kept
const U_NEW_PERMIT: u32 = 4u; // permit the epoch grants: stored bonds kept
const U_LIVE: u32 = 8u;       // a live row (see the top of this file)

const O_CONSENSUS: u32 = 0u;
const O_TRUST: u32 = 1u;
const O_INCENTIVE: u32 = 2u;
const O_DIVIDENDS: u32 = 3u;
const O_SERVER: u32 = 4u;
const O_VALIDATOR: u32 = 5u;
const O_COMBINED: u32 = 6u;
const O_FLAGS: u32 = 7u;      // bit 0 active, bit 1 new validator permit

fn half_words(n: u32) -> u32 {
    return (n + 1u) / 2u;
}

fn bit_words(n: u32) -> u32 {
    return (n + 31u) / 32u;
}

fn scratch_at(job: Job, vector: u32, i: u32) -> u32 {
    return job.scratch_off + vector * job.n + i;
}

fn out_at(job: Job, vector: u32, i: u32) -> u32 {
    return job.out_off + vector * job.n + i;
}

fn state_bonds(job: Job) -> u32 {
    return job.state_off + ST_PERMITS + 2u * job.n;
}

fn state_presence(job: Job) -> u32 {
    return state_bonds(job) + job.n * half_words(job.n);
}

fn scratch_f(job: Job, vector: u32, i: u32) -> f32 {
    return bitcast<f32>(scratch[scratch_at(job, vector, i)]);
}

fn out_f(job: Job, vector: u32, i: u32) -> f32 {
    return bitcast<f32>(outv[out_at(job, vector, i)]);
}

fn stake(job: Job, i: u32) -> f32 {
    return bitcast<f32>(data[job.stake_off + i]);
}

fn half_of(word: u32, j: u32) -> u32 {
    return (word >> ((j & 1u) * 16u)) & 0xffffu;
}

// ---- u64 block numbers as (lo, hi) pairs ----

fn lt64(a: vec2<u32>, b: vec2<u32>) -> bool {
    return a.y < b.y || (a.y == b.y && a.x < b.x);
}

fn le64(a: vec2<u32>, b: vec2<u32>) -> bool {
    return a.y < b.y || (a.y == b.y && a.x <= b.x);
}

fn add64_sat(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    let carry = select(0u, 1u, lo < a.x);
    let hi = a.y + b.y;
    let hi_c = hi + carry;
    if hi < a.y || hi_c < hi {
        return vec2<u32>(0xffffffffu, 0xffffffffu);
    }
    return vec2<u32>(lo, hi_c);
}

fn sub64_sat(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    if lt64(a, b) {
        return vec2<u32>(0u, 0u);
    }
    let borrow = select(0u, 1u, a.x < b.x);
    return vec2<u32>(a.x - b.x, a.y - b.y - borrow);
}

fn last_update(job: Job, i: u32) -> vec2<u32> {
    let at = job.last_update_off + 2u * i;
    return vec2<u32>(data[at], data[at + 1u]);
}

fn registered(job: Job, j: u32) -> vec2<u32> {
    let at = job.registered_off + 2u * j;
    return vec2<u32>(data[at], data[at + 1u]);
}

fn last_tempo(job: Job) -> vec2<u32> {
    let at = scratch_at(job, S_HEADER, H_LAST_TEMPO);
    return vec2<u32>(scratch[at], scratch[at + 1u]);
}

// fixed_proportion_to_u16 as yuma's f32 path does it: x * 65535, saturated, truncated.
fn to_u16(v: f32) -> u32 {
    let x = v * 65535.0;
    if x <= 0.0 {
        return 0u;
    }
    if x >= 65535.0 {
        return 65535u;
    }
    return u32(x);
}

// ---- the per-job matrix ----

struct Entry {
    value: f32,
    present: bool,
}

const ABSENT: f32 = -1.0;

fn matrix_at(job: Job, i: u32, j: u32) -> u32 {
    return job.scratch_off + S_HEADER * job.n + HEADER_WORDS + i * job.n + j;
}

fn entry(job: Job, i: u32, j: u32) -> Entry {
    let x = bitcast<f32>(scratch[matrix_at(job, i, j)]);
    if x >= 0.0 {
        return Entry(x, true);
    }
    return Entry(0.0, false);
}

fn set_entry(job: Job, i: u32, j: u32, e: Entry) {
    scratch[matrix_at(job, i, j)] = bitcast<u32>(select(ABSENT, e.value, e.present));
}

// The live rows prep listed, for the stages after it: every invocation calls this, and a
// workgroupBarrier must follow before live_rows or live_count is read.
var<workgroup> live_rows: array<u32, 256>;
var<workgroup> live_count: u32;

fn load_live_rows(job: Job, t: u32) {
    if t == 0u {
        live_count = scratch[scratch_at(job, S_HEADER, H_LIVE)];
    }
    if t < job.n {
        live_rows[t] = scratch[scratch_at(job, S_LIVE_INDEX, t)];
    }
}

fn row_live(job: Job, t: u32) -> bool {
    return (scratch[scratch_at(job, S_FLAGS, t)] & U_LIVE) != 0u;
}

// Orders this invocation's storage writes before other invocations' reads (and the reverse)
// across the workgroup; workgroupBarrier alone covers workgroup memory only.
fn sync_storage() {
    storageBarrier();
    workgroupBarrier();
}
