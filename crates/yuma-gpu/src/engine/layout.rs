//! The host side of the kernels' buffer layout: packing jobs and subnets into words, splitting
//! a batch into chunks that fit the device's buffer limits, and turning read-back words into
//! `yuma::EpochOutput`s.
//!
//! The layout itself is documented in `kernels/common.wgsl`; [`JOB_FIELDS`] names the `Job`
//! struct's fields in order, and a test checks it against the WGSL. Stake normalisation and the
//! `u16`/rao conversions of results use `<f32 as yuma::Scalar>`'s functions, exactly as
//! `yuma::float` does. No GPU is needed here, so all of it is unit-tested without an adapter.

use yuma::{
    ConsensusMode, EpochInput, EpochOutput, EpochParams, FloatViews, Scalar, SparseRow, YumaVersion,
};

/// The `Job` struct's fields in `common.wgsl`, in order; [`JobWords::encode`] writes them so.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const JOB_FIELDS: [&str; JOB_WORDS] = [
    "n",
    "owner",
    "flags",
    "max_validators",
    "weights_off",
    "present_off",
    "last_update_off",
    "registered_off",
    "permits_off",
    "bonds_off",
    "stake_off",
    "state_off",
    "scratch_off",
    "out_off",
    "kappa",
    "bonds_penalty",
    "bonds_alpha",
    "alpha_low",
    "alpha_high",
    "steepness_div",
    "activity_cutoff_lo",
    "activity_cutoff_hi",
    "current_block_lo",
    "current_block_hi",
    "lmsb_lo",
    "lmsb_hi",
    "tempo",
    "previous_consensus_off",
];

/// Words per job record.
pub(crate) const JOB_WORDS: usize = 28;
/// The `flags` word's place in a job record.
pub(crate) const FLAGS_WORD: usize = 2;

const NO_OWNER: u32 = u32::MAX;
/// Job flags and the permits word's bonds bit (`FLAG_*`, `PERMITS_HAS_BONDS` in
/// `common.wgsl`, checked against it by a test).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const FLAGS: [(&str, u32); 6] = [
    ("FLAG_YUMA3", FLAG_YUMA3),
    ("FLAG_LIQUID_ALPHA", FLAG_LIQUID_ALPHA),
    ("FLAG_PREVIOUS_CONSENSUS", FLAG_PREVIOUS_CONSENSUS),
    ("FLAG_HAS_PREVIOUS", FLAG_HAS_PREVIOUS),
    ("FLAG_EVERY_ROW", FLAG_EVERY_ROW),
    ("PERMITS_HAS_BONDS", PERMITS_HAS_BONDS),
];
const FLAG_YUMA3: u32 = 1;
const FLAG_LIQUID_ALPHA: u32 = 2;
const FLAG_PREVIOUS_CONSENSUS: u32 = 4;
const FLAG_HAS_PREVIOUS: u32 = 8;
/// Every row visited, as before the kernels skipped rows that hold nothing (the benchmark's
/// baseline; see `common.wgsl`).
const FLAG_EVERY_ROW: u32 = 16;
const PERMITS_HAS_BONDS: u32 = 2;

/// Output vectors per job, `n` words each (`O_*` in `common.wgsl`).
const OUT_VECTORS: usize = 8;
/// Scratch vectors per job before the header (`S_*`), and the header's words (`HEADER_WORDS`);
/// the n × n matrix follows.
pub(crate) const SCRATCH_VECTORS: usize = 5;
const SCRATCH_HEADER: usize = 8;
/// State header words: epochs done, last epoch block (two words). Permits and the stored u16
/// consensus (n words each) follow, then bonds and their presence bits.
const STATE_HEADER: usize = 3;

fn half_words(n: usize) -> usize {
    n.div_ceil(2)
}

fn bit_words(n: usize) -> usize {
    n.div_ceil(32)
}

/// Words of one job's carried state.
pub(crate) fn state_words(n: usize) -> usize {
    STATE_HEADER + 2 * n + n * half_words(n) + n * bit_words(n)
}

fn scratch_words(n: usize) -> usize {
    SCRATCH_VECTORS * n + SCRATCH_HEADER + n * n
}

fn out_words(n: usize) -> usize {
    OUT_VECTORS * n
}

fn subnet_words(n: usize) -> usize {
    // weights, presence, last_update, block_at_registration, permits, bonds, previous consensus
    n * half_words(n) + n * bit_words(n) + 2 * n + 2 * n + n + n * half_words(n) + n
}

/// One job as the kernels read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct JobWords {
    n: u32,
    owner: u32,
    flags: u32,
    max_validators: u32,
    weights_off: u32,
    present_off: u32,
    last_update_off: u32,
    registered_off: u32,
    permits_off: u32,
    bonds_off: u32,
    stake_off: u32,
    state_off: u32,
    scratch_off: u32,
    out_off: u32,
    kappa: f32,
    bonds_penalty: f32,
    bonds_alpha: f32,
    alpha_low: f32,
    alpha_high: f32,
    steepness_div: f32,
    activity_cutoff: u64,
    current_block: u64,
    lmsb: u64,
    tempo: u32,
    previous_consensus_off: u32,
}

impl JobWords {
    /// The record in [`JOB_FIELDS`] order.
    pub(crate) fn encode(&self) -> [u32; JOB_WORDS] {
        let lo = |x: u64| x as u32;
        let hi = |x: u64| (x >> 32) as u32;
        [
            self.n,
            self.owner,
            self.flags,
            self.max_validators,
            self.weights_off,
            self.present_off,
            self.last_update_off,
            self.registered_off,
            self.permits_off,
            self.bonds_off,
            self.stake_off,
            self.state_off,
            self.scratch_off,
            self.out_off,
            self.kappa.to_bits(),
            self.bonds_penalty.to_bits(),
            self.bonds_alpha.to_bits(),
            self.alpha_low.to_bits(),
            self.alpha_high.to_bits(),
            self.steepness_div.to_bits(),
            lo(self.activity_cutoff),
            hi(self.activity_cutoff),
            lo(self.current_block),
            hi(self.current_block),
            lo(self.lmsb),
            hi(self.lmsb),
            self.tempo,
            self.previous_consensus_off,
        ]
    }

    /// Hyperparameters converted as `yuma::epoch::run::<f32>` converts them, and the liquid
    /// alpha consensus mode resolved for them (`Auto` reads the stored consensus when
    /// `bonds_penalty` is 65535).
    fn set_params(&mut self, p: &EpochParams, input: &EpochInput) {
        self.max_validators = u32::from(p.max_allowed_validators);
        self.kappa = f32::from_u16_proportion(p.kappa);
        self.bonds_penalty = f32::from_u16_proportion(p.bonds_penalty);
        self.bonds_alpha = f32::bonds_alpha(p.bonds_moving_average);
        self.flags = 0;
        if p.yuma == YumaVersion::Yuma3 {
            self.flags |= FLAG_YUMA3;
        }
        if let Some(la) = p.liquid_alpha {
            self.flags |= FLAG_LIQUID_ALPHA;
            self.alpha_low = f32::from_u16_proportion(la.alpha_low);
            self.alpha_high = f32::from_u16_proportion(la.alpha_high);
            self.steepness_div =
                f32::from_int(i64::from(la.sigmoid_steepness)).sat_div(f32::from_int(-100));
        }
        let previous = match input.consensus_mode() {
            ConsensusMode::Current => false,
            ConsensusMode::Previous => true,
            ConsensusMode::Auto => p.bonds_penalty == u16::MAX,
        };
        if previous {
            self.flags |= FLAG_PREVIOUS_CONSENSUS;
        }
        if input.previous_consensus().is_some_and(|c| !c.is_empty()) {
            self.flags |= FLAG_HAS_PREVIOUS;
        }
        self.activity_cutoff = p.activity_cutoff;
        self.tempo = u32::from(p.tempo);
    }
}

/// Normalised stake for one (subnet, tao weight, threshold), as `yuma::float` computes it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stake {
    subnet: usize,
    tao_weight: u64,
    threshold: u64,
    /// Normalised stake weights (what the GPU receives).
    pub(crate) weights: Vec<f32>,
    /// Total stake per uid, rounded down to rao.
    pub(crate) rao: Vec<u64>,
}

/// One job on the host: which subnet, which parameters, which stake entry.
#[derive(Clone, Debug)]
pub(crate) struct HostJob<'a> {
    pub(crate) subnet: usize,
    pub(crate) input: &'a EpochInput,
    pub(crate) params: &'a EpochParams,
    pub(crate) stake: usize,
}

/// Computes each distinct stake vector once (a sweep over kappa shares one) and ties jobs to
/// them.
pub(crate) fn host_jobs<'a>(
    subnets: &[&'a EpochInput],
    jobs: &'a [(usize, EpochParams)],
) -> (Vec<HostJob<'a>>, Vec<Stake>) {
    let mut stakes: Vec<Stake> = Vec::new();
    let mut out = Vec::with_capacity(jobs.len());
    for (subnet, params) in jobs {
        let input = subnets[*subnet];
        let found = stakes.iter().position(|s| {
            s.subnet == *subnet
                && s.tao_weight == params.tao_weight
                && s.threshold == params.stake_threshold
        });
        let stake = match found {
            Some(i) => i,
            None => {
                let (weights, rao) = f32::stake_weights(
                    input.alpha_stakes(),
                    input.tao_stakes(),
                    params.tao_weight,
                    params.stake_threshold,
                    input.owner_uid(),
                );
                stakes.push(Stake {
                    subnet: *subnet,
                    tao_weight: params.tao_weight,
                    threshold: params.stake_threshold,
                    weights,
                    rao,
                });
                stakes.len() - 1
            }
        };
        out.push(HostJob {
            subnet: *subnet,
            input,
            params,
            stake,
        });
    }
    (out, stakes)
}

/// Where one job's results are inside its chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Member {
    /// The job's position in the batch.
    pub(crate) job: usize,
    pub(crate) n: usize,
    pub(crate) state_off: usize,
    pub(crate) out_off: usize,
}

/// A set of jobs whose buffers each fit the device's limits, with their packed inputs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Chunk {
    /// Job records, [`JOB_WORDS`] each.
    pub(crate) jobs: Vec<u32>,
    /// Subnet data and stake vectors.
    pub(crate) data: Vec<u32>,
    pub(crate) state_words: usize,
    pub(crate) scratch_words: usize,
    pub(crate) out_words: usize,
    pub(crate) members: Vec<Member>,
    /// Subnet index → offset of its data in this chunk.
    subnet_offsets: Vec<(usize, usize)>,
    /// Stake index → offset of its vector in this chunk.
    stake_offsets: Vec<(usize, usize)>,
}

/// How large a chunk may grow.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkLimits {
    /// Words in any one buffer (binding size and buffer size).
    pub(crate) buffer_words: usize,
    /// Words in the read-back buffer (out plus state).
    pub(crate) staging_words: usize,
    /// Jobs per dispatch (workgroups per dimension).
    pub(crate) jobs: usize,
}

impl Chunk {
    /// Sets [`FLAG_EVERY_ROW`] on every job.
    pub(crate) fn visit_every_row(&mut self) {
        for job in self.jobs.chunks_exact_mut(JOB_WORDS) {
            job[FLAGS_WORD] |= FLAG_EVERY_ROW;
        }
    }
}

/// Splits `jobs` into chunks and packs each chunk's inputs.
#[cfg(test)]
pub(crate) fn plan(jobs: &[HostJob<'_>], stakes: &[Stake], limits: ChunkLimits) -> Vec<Chunk> {
    plan_into(jobs, stakes, limits, &mut Vec::new())
}

/// [`plan`], packing into vectors from `spare` (a run's leftovers: memory already touched)
/// before allocating.
pub(crate) fn plan_into(
    jobs: &[HostJob<'_>],
    stakes: &[Stake],
    limits: ChunkLimits,
    spare: &mut Vec<Vec<u32>>,
) -> Vec<Chunk> {
    // Every distinct subnet's data and stake vector is the most one chunk's data holds:
    // reserved once, a batch of full subnets (tens of megabytes) is not copied over and over
    // as its buffer grows. What is reserved and never written costs no memory.
    let mut seen = std::collections::BTreeSet::new();
    let data_words: usize = jobs
        .iter()
        .filter(|job| seen.insert(job.subnet))
        .map(|job| subnet_words(usize::from(job.input.n())))
        .chain(stakes.iter().map(|s| s.weights.len()))
        .sum();
    let mut new_chunk = || {
        let mut data = spare.pop().unwrap_or_default();
        data.clear();
        data.reserve(data_words.min(limits.buffer_words));
        Chunk {
            data,
            ..Chunk::default()
        }
    };
    let mut chunks = Vec::new();
    let mut chunk = new_chunk();
    for (index, job) in jobs.iter().enumerate() {
        if !chunk.members.is_empty() && !fits(&chunk, job, limits) {
            chunks.push(core::mem::replace(&mut chunk, new_chunk()));
        }
        add(&mut chunk, index, job, &stakes[job.stake]);
    }
    if !chunk.members.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

fn fits(chunk: &Chunk, job: &HostJob<'_>, limits: ChunkLimits) -> bool {
    let n = usize::from(job.input.n());
    let new_subnet = !chunk.subnet_offsets.iter().any(|&(s, _)| s == job.subnet);
    let new_stake = !chunk.stake_offsets.iter().any(|&(s, _)| s == job.stake);
    let data = chunk.data.len()
        + if new_subnet { subnet_words(n) } else { 0 }
        + if new_stake { n } else { 0 };
    let state = chunk.state_words + state_words(n);
    let out = chunk.out_words + out_words(n);
    chunk.members.len() < limits.jobs
        && (chunk.members.len() + 1) * JOB_WORDS <= limits.buffer_words
        && data <= limits.buffer_words
        && state <= limits.buffer_words
        && chunk.scratch_words + scratch_words(n) <= limits.buffer_words
        && out + state <= limits.staging_words
}

fn to_u32(x: usize) -> u32 {
    // Chunks stay below the device's buffer limits, far below 2^32 words.
    x as u32
}

fn add(chunk: &mut Chunk, index: usize, job: &HostJob<'_>, stake: &Stake) {
    let input = job.input;
    let n = usize::from(input.n());
    let subnet_off = match chunk.subnet_offsets.iter().find(|&&(s, _)| s == job.subnet) {
        Some(&(_, off)) => off,
        None => {
            let off = chunk.data.len();
            pack_subnet(&mut chunk.data, input);
            chunk.subnet_offsets.push((job.subnet, off));
            off
        }
    };
    let stake_off = match chunk.stake_offsets.iter().find(|&&(s, _)| s == job.stake) {
        Some(&(_, off)) => off,
        None => {
            let off = chunk.data.len();
            chunk.data.extend(stake.weights.iter().map(|w| w.to_bits()));
            chunk.stake_offsets.push((job.stake, off));
            off
        }
    };
    let h = half_words(n);
    let q = bit_words(n);
    let weights_off = subnet_off;
    let present_off = weights_off + n * h;
    let last_update_off = present_off + n * q;
    let registered_off = last_update_off + 2 * n;
    let permits_off = registered_off + 2 * n;
    let bonds_off = permits_off + n;
    let previous_consensus_off = bonds_off + n * h;

    let mut words = JobWords {
        n: to_u32(n),
        owner: input.owner_uid().map_or(NO_OWNER, u32::from),
        weights_off: to_u32(weights_off),
        present_off: to_u32(present_off),
        last_update_off: to_u32(last_update_off),
        registered_off: to_u32(registered_off),
        permits_off: to_u32(permits_off),
        bonds_off: to_u32(bonds_off),
        previous_consensus_off: to_u32(previous_consensus_off),
        stake_off: to_u32(stake_off),
        state_off: to_u32(chunk.state_words),
        scratch_off: to_u32(chunk.scratch_words),
        out_off: to_u32(chunk.out_words),
        current_block: input.current_block(),
        lmsb: input.last_mechanism_step_block(),
        ..JobWords::default()
    };
    words.set_params(job.params, input);
    chunk.jobs.extend_from_slice(&words.encode());
    chunk.members.push(Member {
        job: index,
        n,
        state_off: chunk.state_words,
        out_off: chunk.out_words,
    });
    chunk.state_words += state_words(n);
    chunk.scratch_words += scratch_words(n);
    chunk.out_words += out_words(n);
}

/// Appends one subnet's inputs: u16 weights in pairs, presence bits, blocks as (lo, hi),
/// incoming permits, u16 bonds in pairs, the stored u16 consensus (missing uids as 0, as
/// `yuma` reads a short vector).
fn pack_subnet(data: &mut Vec<u32>, input: &EpochInput) {
    let n = usize::from(input.n());
    let h = half_words(n);
    let q = bit_words(n);
    let pairs = |data: &mut Vec<u32>, rows: &[SparseRow]| {
        for row in rows {
            let start = data.len();
            data.resize(start + h, 0);
            for &(j, v) in row {
                let j = usize::from(j);
                data[start + j / 2] |= u32::from(v) << (16 * (j % 2));
            }
        }
    };
    pairs(data, input.weights());
    for row in input.weights() {
        let start = data.len();
        data.resize(start + q, 0);
        for &(j, _) in row {
            let j = usize::from(j);
            data[start + j / 32] |= 1 << (j % 32);
        }
    }
    for blocks in [input.last_update(), input.block_at_registration()] {
        for &b in blocks {
            data.push(b as u32);
            data.push((b >> 32) as u32);
        }
    }
    // Bit 0 the permit, bit 1 a bonds row that is not empty (`PERMITS_HAS_BONDS`).
    data.extend(
        input
            .validator_permits()
            .iter()
            .zip(input.bonds())
            .map(|(&p, row)| u32::from(p) | if row.is_empty() { 0 } else { PERMITS_HAS_BONDS }),
    );
    pairs(data, input.bonds());
    let previous = input.previous_consensus().unwrap_or(&[]);
    data.extend((0..n).map(|j| previous.get(j).map_or(0, |&c| u32::from(c))));
}

/// Builds one job's `EpochOutput` from its chunk's read-back words: `out` is the chunk's output
/// buffer, `state` its state buffer when bonds were read back.
pub(crate) fn decode(
    job: &HostJob<'_>,
    stake: &Stake,
    member: &Member,
    out: &[u32],
    state: Option<&[u32]>,
) -> EpochOutput {
    let n = member.n;
    let vector = |k: usize| -> Vec<f32> {
        out[member.out_off + k * n..member.out_off + (k + 1) * n]
            .iter()
            .map(|&w| f32::from_bits(w))
            .collect()
    };
    let [
        consensus,
        trust,
        incentive,
        dividends,
        server,
        validator,
        combined,
    ] = [0, 1, 2, 3, 4, 5, 6].map(vector);
    let flags = &out[member.out_off + 7 * n..member.out_off + 8 * n];
    let rao = job.input.rao_emission();
    let to_rao = |v: &[f32]| -> Vec<u64> { v.iter().map(|x| x.times_rao(rao)).collect() };
    let to_u16 = |v: &[f32]| -> Vec<u16> { v.iter().map(|x| x.to_u16_proportion()).collect() };
    let to_f64 = |v: &[f32]| -> Vec<f64> { v.iter().map(|&x| f64::from(x)).collect() };
    let bonds =
        state.map(|s| decode_bonds(n, &s[member.state_off..member.state_off + state_words(n)]));
    EpochOutput {
        active: flags.iter().map(|f| f & 1 != 0).collect(),
        validator_permits: flags.iter().map(|f| f & 2 != 0).collect(),
        stake_weight_u16: to_u16(&stake.weights),
        consensus_u16: to_u16(&consensus),
        incentive_u16: to_u16(&incentive),
        dividends_u16: to_u16(&dividends),
        validator_trust_u16: to_u16(&trust),
        bonds: bonds.unwrap_or_default(),
        server_emission: to_rao(&server),
        validator_emission: to_rao(&validator),
        emission: to_rao(&combined),
        stake_rao: stake.rao.clone(),
        floats: FloatViews {
            stake: to_f64(&stake.weights),
            consensus: to_f64(&consensus),
            incentive: to_f64(&incentive),
            dividends: to_f64(&dividends),
            validator_trust: to_f64(&trust),
        },
    }
}

/// Sparse stored bonds from one job's state: the entries whose presence bit is set.
fn decode_bonds(n: usize, state: &[u32]) -> Vec<SparseRow> {
    let h = half_words(n);
    let q = bit_words(n);
    let bonds = STATE_HEADER + 2 * n;
    let values = &state[bonds..bonds + n * h];
    let presence = &state[bonds + n * h..];
    (0..n)
        .map(|i| {
            let mut row = Vec::new();
            // Set bits only: most rows (every uid without a permit) have none.
            for (w, &word) in presence[i * q..(i + 1) * q].iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let j = w * 32 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let v = values[i * h + j / 2] >> (16 * (j % 2)) & 0xffff;
                    row.push((j as u16, v as u16));
                }
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests;
