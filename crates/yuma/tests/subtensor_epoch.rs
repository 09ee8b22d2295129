//! Subtensor's own epoch tests (pallets/subtensor/src/tests/epoch.rs at 14bc6f9), replayed on
//! `yuma::fixed` with the values those tests assert.
//!
//! Hand-built scenarios live as JSON step lists in `tests/data/subtensor/`, one file per
//! subtensor test and named after it; generated ones (the 512-uid graphs, the permit matrix)
//! are built in Rust below. Both drive `support::Subnet`, a stand-in for the storage the
//! runtime's epoch reads. Not here: subtensor tests of extrinsics, storage or helpers rather
//! than of the epoch's outputs, and `test_512_graph_random_weights`, which compares the
//! chain's dense and sparse epochs with each other and asserts no values of its own.
#![allow(clippy::unwrap_used)]

#[path = "support/subnet.rs"]
mod support;

use support::{Subnet, Tally, replay};

fn replay_file(name: &str) -> Tally {
    let path = format!(
        "{}/tests/data/subtensor/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc["subtensor_test"], name,
        "{path} names another subtensor test"
    );
    let tally = replay(name, &text);
    println!(
        "{name}: {} asserted values, {} traced values",
        tally.asserted, tally.traced
    );
    assert!(
        tally.asserted > 0,
        "{name} checked nothing the subtensor test asserts"
    );
    tally
}

macro_rules! replayed {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            replay_file(stringify!($name));
        }
    )*};
}

replayed!(
    test_1_graph,
    test_10_graph,
    test_bonds,
    test_active_stake,
    test_outdated_weights,
    test_zero_weights,
    test_deregistered_miner_bonds,
    test_can_set_self_weight_as_subnet_owner,
    test_epoch_outputs_single_staker_registered_no_weights,
    test_yuma_3_kappa_moves_first,
    test_yuma_3_kappa_moves_second,
    test_yuma_3_kappa_moves_last,
    test_yuma_3_one_epoch_switch,
    test_yuma_3_liquid_alpha_disabled,
    test_yuma_3_stable_miner,
    test_yuma_3_bonds_reset,
);

/// Every JSON scenario is wired to a test above (a file nobody runs proves nothing).
#[test]
fn every_scenario_file_is_replayed() {
    let dir = format!("{}/tests/data/subtensor", env!("CARGO_MANIFEST_DIR"));
    let listed = [
        "test_1_graph",
        "test_10_graph",
        "test_bonds",
        "test_active_stake",
        "test_outdated_weights",
        "test_zero_weights",
        "test_deregistered_miner_bonds",
        "test_can_set_self_weight_as_subnet_owner",
        "test_epoch_outputs_single_staker_registered_no_weights",
        "test_yuma_3_kappa_moves_first",
        "test_yuma_3_kappa_moves_second",
        "test_yuma_3_kappa_moves_last",
        "test_yuma_3_one_epoch_switch",
        "test_yuma_3_liquid_alpha_disabled",
        "test_yuma_3_stable_miner",
        "test_yuma_3_bonds_reset",
    ];
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|f| f.strip_suffix(".json").map(str::to_owned))
        .collect();
    files.sort();
    let mut want: Vec<String> = listed.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    assert_eq!(files, want);
}

/// subtensor's `distribute_nodes`: validators and servers blockwise (0), regularly interleaved
/// (1) or randomly interleaved (2). The chain test draws case 2 from the thread RNG, so it is
/// not one fixed graph; here it is a fixed shuffle per `seed` (outputs follow uids, so any
/// permutation exercises the same assertion).
fn distribute_nodes(
    validators_n: usize,
    network_n: usize,
    interleave: usize,
    seed: u64,
) -> (Vec<u16>, Vec<u16>) {
    let all: Vec<u16> = (0..network_n as u16).collect();
    match interleave {
        0 => (all[..validators_n].to_vec(), all[validators_n..].to_vec()),
        1 => all
            .iter()
            .partition(|&&i| usize::from(i) % (network_n / validators_n) == 0),
        _ => {
            let mut permuted = all;
            let mut state = seed;
            for i in (1..network_n).rev() {
                // splitmix64
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                permuted.swap(i, (z % (i as u64 + 1)) as usize);
            }
            (
                permuted[..validators_n].to_vec(),
                permuted[validators_n..].to_vec(),
            )
        }
    }
}

/// `test_512_graph`: 64 validators with 328,125 TAO each weight all 448 servers equally, with
/// server self-weights off and on, for each interleaving; `init_run_epochs` then runs three
/// epochs in the registration block's successor (tempo 65534 puts `last_tempo` at 0, so bonds
/// are masked and rebuilt each epoch).
#[test]
fn test_512_graph() {
    let network_n: u16 = 512;
    let validators_n: u16 = 64;
    let max_stake_per_validator: u64 = 328_125_000_000_000;
    let mut asserted = 0usize;
    for interleave in 0..3 {
        for server_self in [false, true] {
            let (validators, servers) = distribute_nodes(
                usize::from(validators_n),
                usize::from(network_n),
                interleave,
                0,
            );
            let server = usize::from(servers[0]);
            let validator = usize::from(validators[0]);
            let mut net = Subnet::new(1, u16::MAX - 1);
            net.params.bonds_penalty = u16::MAX;
            for key in 0..network_n {
                net.append(0);
                if validators.contains(&key) {
                    net.stakes[usize::from(key)] = max_stake_per_validator;
                }
            }
            net.params.max_allowed_validators = validators_n;
            net.epoch(1_000_000_000);
            let weights = vec![u16::MAX / network_n; servers.len()];
            for &uid in &validators {
                net.set_weights(uid, &servers, &weights);
            }
            if server_self {
                for &uid in &servers {
                    net.set_weights(uid, &[uid], &[u16::MAX]);
                }
            }
            let mut out = net.epoch(1_000_000_000);
            for _ in 1..3 {
                out = net.epoch(1_000_000_000);
            }
            let bonds = net.dense_bonds();
            let case = format!("interleave {interleave}, server_self {server_self}");
            for &uid in &validators {
                let u = usize::from(uid);
                assert_eq!(out.consensus_u16[u], 0, "{case}: consensus[{uid}]");
                assert_eq!(out.incentive_u16[u], 0, "{case}: incentive[{uid}]");
                assert_eq!(out.dividends_u16[u], 1023, "{case}: dividends[{uid}]");
                assert_eq!(out.emission[u], 7_812_500, "{case}: emission[{uid}]");
                assert_eq!(bonds[u][validator], 0, "{case}: bonds[{uid}][{validator}]");
                assert_eq!(bonds[u][server], 65_535, "{case}: bonds[{uid}][{server}]");
                asserted += 6;
            }
            for &uid in &servers {
                let u = usize::from(uid);
                assert_eq!(out.consensus_u16[u], 146, "{case}: consensus[{uid}]");
                assert_eq!(out.incentive_u16[u], 146, "{case}: incentive[{uid}]");
                assert_eq!(out.dividends_u16[u], 0, "{case}: dividends[{uid}]");
                assert_eq!(out.emission[u], 1_116_071, "{case}: emission[{uid}]");
                assert_eq!(bonds[u][validator], 0, "{case}: bonds[{uid}][{validator}]");
                assert_eq!(bonds[u][server], 0, "{case}: bonds[{uid}][{server}]");
                asserted += 6;
            }
        }
    }
    println!("test_512_graph: {asserted} asserted values");
}

/// `test_validator_permits`: permits go to the top-k stakes above the stake threshold, for three
/// interleavings, three network sizes and two stake assignments; raising server stakes moves
/// the permits to the servers at the next epoch.
#[test]
fn test_validator_permits() {
    let mut asserted = 0usize;
    for interleave in 0..3 {
        for (network_n, validators_n) in [(2usize, 1usize), (4, 2), (8, 4)] {
            let min_stake = validators_n as u64;
            for assignment in 0..=1 {
                let (validators, servers) =
                    distribute_nodes(validators_n, network_n, interleave, 7);
                let mut stake = vec![0u64; network_n];
                for &v in &validators {
                    stake[usize::from(v)] = if assignment == 1 {
                        u64::from(v) + network_n as u64
                    } else {
                        1
                    };
                }
                for &s in &servers {
                    stake[usize::from(s)] = if assignment == 1 { u64::from(s) } else { 0 };
                }
                // add_network: Yuma3 on; permits do not depend on it.
                let mut net = Subnet::new(1, u16::MAX - 1);
                net.params.yuma = yuma::YumaVersion::Yuma3;
                net.params.stake_threshold = min_stake;
                for &s in &stake {
                    let uid = net.register();
                    net.stakes[usize::from(uid)] = s;
                }
                net.params.max_allowed_validators = validators_n as u16;
                let out = net.epoch(1_000_000_000);
                let case =
                    format!("interleave {interleave}, n {network_n}, assignment {assignment}");
                for &v in &validators {
                    let v = usize::from(v);
                    assert_eq!(
                        out.validator_permits[v],
                        stake[v] >= min_stake,
                        "{case}: uid {v}"
                    );
                    asserted += 1;
                }
                for &s in &servers {
                    assert!(!out.validator_permits[usize::from(s)], "{case}: server {s}");
                    asserted += 1;
                }
                for &s in &servers {
                    net.stakes[usize::from(s)] += 2 * network_n as u64;
                }
                let out = net.epoch(1_000_000_000);
                for &v in &validators {
                    assert!(
                        !out.validator_permits[usize::from(v)],
                        "{case}: validator {v} kept its permit"
                    );
                    asserted += 1;
                }
                for &s in &servers {
                    let s = usize::from(s);
                    let expected = stake[s] + 2 * network_n as u64 >= min_stake;
                    assert_eq!(out.validator_permits[s], expected, "{case}: server {s}");
                    asserted += 1;
                }
            }
        }
    }
    println!("test_validator_permits: {asserted} asserted values");
}
