//! The model and the replay against a real subtensor runtime: the devnet (runtime spec 293)
//! seeded with the default scenario, read through its own state.

#![allow(clippy::unwrap_used)]

use core::time::Duration;

use chain::replay::{self, Verdict};
use chain::{MetadataCache, Source, View};
use devnode::scenario::Scenario;
use devnode::source::LocalSource;
use devnode::{Chain, DevKeys, DevSpec};

fn seeded() -> (Chain, Vec<u16>) {
    let alice = DevKeys::alice();
    let mut chain = Chain::new(&DevSpec::aura_dev(&alice).unwrap(), alice).unwrap();
    chain.keep_states(64);
    let report = Scenario::default_scenario()
        .seed(&mut chain, Duration::ZERO)
        .unwrap();
    let best = chain.best_block().number;
    chain.finalize(best).unwrap();
    (chain, report.netuids)
}

#[test]
fn every_devnet_subnet_replays_exactly() {
    let (mut chain, netuids) = seeded();
    let source = LocalSource::new(&mut chain);
    let cache = MetadataCache::default();
    pollster::block_on(async {
        let at = source.finalized().await.unwrap();
        let view = View::open(&source, at, &cache).await.unwrap();
        assert_eq!(view.runtime().spec_version, 293);
        for netuid in netuids {
            let record = replay::read_last_epoch(&view, netuid, &cache)
                .await
                .unwrap();
            let result = replay::replay(&record);
            eprintln!(
                "netuid {netuid}: {:?} ({} mismatches) {:?} {:?}",
                result.verdict,
                result.mismatch_count,
                result.reason,
                result.mismatches.iter().take(8).collect::<Vec<_>>()
            );
            assert_eq!(
                result.verdict,
                Verdict::Exact,
                "netuid {netuid}: {result:?}"
            );
            assert_eq!(result.rule, "july-2025");
            // Not vacuous: every field was compared over the whole subnet, and the chain's
            // outputs are real (non-zero dividends and bonds).
            let n = record.stored.incentive.len();
            assert!(n >= 16, "{n} uids");
            for field in [
                "Consensus",
                "Incentive",
                "Dividends",
                "ValidatorTrust",
                "Rank",
                "ValidatorPermit",
                "Active",
                "Bonds",
                "Emission",
            ] {
                assert!(
                    result
                        .compared
                        .iter()
                        .any(|(f, count)| f == field && *count == n),
                    "{field} not compared over {n} uids: {:?}",
                    result.compared
                );
            }
            assert!(record.stored.dividends.iter().any(|d| *d > 0));
            assert!(record.stored.bonds.iter().any(|r| !r.is_empty()));
            assert_eq!(record.epoch_block.number, record.input_block.number + 1);

            // One validator's stake taken away is caught.
            let mut tampered = record.clone();
            tampered.case["stakes"][1] = serde_json::json!(0);
            tampered.case["tao_stakes"][1] = serde_json::json!(0);
            let result = replay::replay(&tampered);
            assert_eq!(result.verdict, Verdict::Differs, "netuid {netuid}");
            assert!(result.mismatch_count > 0 && result.reason.is_some());
        }
    });
}
