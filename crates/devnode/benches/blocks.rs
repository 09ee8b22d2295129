//! Times the devnode's work per block: genesis load, block production, finalization, and the
//! three client-side checks (header verification, justification verification, re-execution).
//!
//! A plain `main` (no bench harness dependency): it prints one line per measurement, averaged
//! over `DEVNODE_BENCH_BLOCKS` blocks (default 20). Run with `cargo bench -p devnode`.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use devnode::runtime::{self, State};
use devnode::{Chain, DevKeys, DevSpec};
use smoldot::chain::blocks_tree::{self, HeaderVerifySuccess, NonFinalizedTree};
use smoldot::executor::storage_diff::TrieDiff;
use smoldot::header;
use smoldot::verify::body_only;

fn report(what: &str, total: Duration, count: u64) {
    let per = total / u32::try_from(count.max(1)).unwrap();
    println!(
        "{what:<28} {:>9.3} ms per block ({count} blocks)",
        per.as_secs_f64() * 1e3
    );
}

fn main() {
    let blocks: u64 = std::env::var("DEVNODE_BENCH_BLOCKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);

    let t = Instant::now();
    let keys = DevKeys::alice();
    let spec = DevSpec::aura_dev(&keys).unwrap();
    let spec_time = t.elapsed();
    let t = Instant::now();
    let mut chain = Chain::new(&spec, keys).unwrap();
    let genesis_time = t.elapsed();
    println!(
        "spec patch {:.1} ms, genesis (runtime compile + chain info + node cache) {:.1} ms",
        spec_time.as_secs_f64() * 1e3,
        genesis_time.as_secs_f64() * 1e3
    );

    let (info, client_runtime) = spec.chain_spec().to_chain_information().unwrap();
    let mut tree = NonFinalizedTree::<()>::new(blocks_tree::Config {
        chain_information: info,
        block_number_bytes: 4,
        blocks_capacity: 64,
        allow_unknown_consensus_engines: true,
    });
    let storage: runtime::Storage = spec
        .chain_spec()
        .genesis_storage()
        .into_genesis_items()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect();
    let mut replica = State::new(storage, chain.state().version());
    let mut replica_runtime = Some(client_runtime);

    let (mut produce, mut finalize, mut verify_header, mut verify_just, mut execute) =
        Default::default();
    let slot_ms = chain.slot_duration().get();
    for _ in 0..blocks {
        let t = Instant::now();
        let block = chain.produce_block(Duration::ZERO).unwrap().clone();
        produce += t.elapsed();
        let t = Instant::now();
        let justification = chain.finalize(block.number).unwrap();
        finalize += t.elapsed();

        let t = Instant::now();
        let now = Duration::from_millis(block.slot * slot_ms);
        match tree.verify_header(block.header.clone(), now).unwrap() {
            HeaderVerifySuccess::Verified {
                verified_header, ..
            } => tree.insert_verified_header(verified_header, ()),
            HeaderVerifySuccess::Duplicate => unreachable!(),
        }
        verify_header += t.elapsed();

        let t = Instant::now();
        tree.verify_justification(*b"FRNK", &justification, [0; 32])
            .unwrap()
            .apply()
            .for_each(drop);
        verify_just += t.elapsed();

        let t = Instant::now();
        let mut unsealed = header::decode(&block.header, 4).unwrap();
        unsealed.digest.pop_seal();
        let parameter: Vec<u8> = body_only::execute_block_parameter(
            &unsealed.scale_encoding_vec(4),
            4,
            block.body.iter(),
        )
        .unwrap()
        .fold(Vec::new(), |mut out, chunk| {
            out.extend_from_slice(chunk.as_ref());
            out
        });
        let (proto, out) = replica.call(
            replica_runtime.take().unwrap(),
            body_only::EXECUTE_BLOCK_FUNCTION_NAME,
            &parameter,
            TrieDiff::empty(),
            true,
        );
        replica_runtime = Some(proto);
        let out = out.unwrap();
        replica.apply(&runtime::changes(out.diff, out.node_changes));
        execute += t.elapsed();
    }
    report("produce_block", produce, blocks);
    report("finalize (sign)", finalize, blocks);
    report("verify header (Aura)", verify_header, blocks);
    report("verify justification", verify_just, blocks);
    report("re-execute block", execute, blocks);
    println!("state after: {:?}", chain.state());
}
