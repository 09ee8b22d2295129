//! Packing and chunking without a GPU: offsets, u16 pairs and presence bits, stake sharing,
//! chunk limits, and decoding stored bonds.

use super::*;
use yuma::synthetic::{Shape, subnet};

fn synthetic(n: u16, seed: u64) -> EpochInput {
    let shape = Shape {
        n,
        validators: (n / 4).max(1),
        ..Shape::classic()
    };
    subnet(&shape, seed)
}

fn limits(buffer_words: usize) -> ChunkLimits {
    ChunkLimits {
        buffer_words,
        staging_words: buffer_words,
        jobs: 65_535,
    }
}

#[test]
fn job_record_has_one_word_per_field() {
    let words = JobWords {
        n: 7,
        current_block: (3 << 32) | 5,
        ..JobWords::default()
    }
    .encode();
    assert_eq!(words[0], 7);
    let at = |name: &str| {
        JOB_FIELDS
            .iter()
            .position(|&f| f == name)
            .unwrap_or(usize::MAX)
    };
    assert_eq!(words[at("current_block_lo")], 5);
    assert_eq!(words[at("current_block_hi")], 3);
}

#[test]
fn subnet_packs_weights_presence_and_blocks() {
    let input = synthetic(37, 5);
    let subnets = [&input];
    let jobs_in = vec![(0usize, input.params().clone())];
    let (jobs, stakes) = host_jobs(&subnets, &jobs_in);
    let chunks = plan(&jobs, &stakes, limits(1 << 24));
    assert_eq!(chunks.len(), 1);
    let data = &chunks[0].data;
    let n = 37;
    let (h, q) = (half_words(n), bit_words(n));
    for (i, row) in input.weights().iter().enumerate() {
        for j in 0..n {
            let stored = row.iter().find(|&&(t, _)| usize::from(t) == j);
            let word = data[i * h + j / 2] >> (16 * (j % 2)) & 0xffff;
            let bit = data[n * h + i * q + j / 32] >> (j % 32) & 1;
            assert_eq!(word, stored.map_or(0, |&(_, w)| u32::from(w)));
            assert_eq!(bit == 1, stored.is_some());
        }
    }
    let lu = n * h + n * q;
    for (i, &b) in input.last_update().iter().enumerate() {
        assert_eq!(
            u64::from(data[lu + 2 * i]) | u64::from(data[lu + 2 * i + 1]) << 32,
            b
        );
    }
    assert_eq!(
        data.len(),
        subnet_words(n) + n,
        "subnet data plus one stake vector"
    );
}

#[test]
fn sweep_shares_subnet_and_stake() {
    let input = synthetic(64, 9);
    let subnets = [&input];
    let jobs_in: Vec<(usize, EpochParams)> = (0..10)
        .map(|k| {
            let mut p = input.params().clone();
            p.kappa = 1000 * k;
            (0, p)
        })
        .collect();
    let (jobs, stakes) = host_jobs(&subnets, &jobs_in);
    assert_eq!(stakes.len(), 1);
    let chunks = plan(&jobs, &stakes, limits(1 << 24));
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].data.len(), subnet_words(64) + 64);
    assert_eq!(chunks[0].members.len(), 10);
}

#[test]
fn chunks_respect_the_buffer_limit() {
    let input = synthetic(256, 1);
    let subnets = [&input];
    let jobs_in: Vec<(usize, EpochParams)> = (0..10).map(|_| (0, input.params().clone())).collect();
    let (jobs, stakes) = host_jobs(&subnets, &jobs_in);
    let cap = 3 * state_words(256) + 100;
    let chunks = plan(&jobs, &stakes, limits(cap));
    // out + state must fit the staging limit too: two jobs per chunk here.
    assert!(chunks.len() >= 4);
    let mut seen: Vec<usize> = chunks
        .iter()
        .flat_map(|c| c.members.iter().map(|m| m.job))
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
    for c in &chunks {
        assert!(c.state_words + c.out_words <= cap);
        assert!(c.data.len() <= cap);
    }
}

#[test]
fn stored_bonds_decode_by_presence() {
    let n = 3;
    let mut state = vec![0u32; state_words(n)];
    let h = half_words(n);
    // Row 1: (0, 7) present, (2, 0) present as an explicit zero, (1, 9) absent.
    state[STATE_HEADER + 2 * n + h] = 7 | 9 << 16;
    state[STATE_HEADER + 2 * n + n * h + 1] = 0b101;
    let rows = decode_bonds(n, &state);
    assert_eq!(rows, vec![vec![], vec![(0, 7), (2, 0)], vec![]]);

    // Past the first presence word: n = 40, row 0 has (1, 5), (33, 6) and (39, 8).
    let n = 40;
    let (h, q) = (half_words(n), bit_words(n));
    let mut state = vec![0u32; state_words(n)];
    let values = STATE_HEADER + 2 * n;
    state[values] = 5 << 16;
    state[values + 16] = 6 << 16;
    state[values + 19] = 8 << 16;
    state[values + n * h] = 1 << 1;
    state[values + n * h + 1] = 1 << 1 | 1 << 7;
    let rows = decode_bonds(n, &state);
    assert_eq!(rows[0], vec![(1, 5), (33, 6), (39, 8)]);
    assert!(rows[1..].iter().all(Vec::is_empty));
    assert_eq!(q, 2);
}
