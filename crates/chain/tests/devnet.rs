//! The model and the replay against a real subtensor runtime: the devnet (runtime spec 293)
//! seeded with the default scenario, read through its own state.

#![allow(clippy::unwrap_used)]

use core::time::Duration;

use chain::replay::{self, Verdict};
use chain::{MetadataCache, Source, View, model};
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

#[test]
fn the_model_reads_what_the_runtime_holds() {
    let (mut chain, netuids) = seeded();
    let source = LocalSource::new(&mut chain);
    let cache = MetadataCache::default();
    pollster::block_on(async {
        let at = source.finalized().await.unwrap();
        let view = View::open(&source, at, &cache).await.unwrap();

        let overview = model::read_overview(&view).await.unwrap();
        assert_eq!(overview.block, at);
        assert_eq!(overview.block_time_ms, Some(1_000), "fast-runtime build");
        assert_eq!(overview.total_networks, Some(2 + netuids.len() as u16));
        // 1 TAO per block before the first halving, as the runtime stores it.
        assert_eq!(overview.block_emission, Some(1_000_000_000));
        let issuance = overview.total_issuance.unwrap();
        assert!(issuance > 0);
        let halving = overview.next_halving.unwrap();
        assert_eq!(halving.number, 1);
        assert_eq!(
            halving.blocks,
            (10_500_000_000_000_000 - issuance).div_ceil(1_000_000_000)
        );
        // The lock cost equals the runtime's own answer.
        let api: u64 = view
            .api(
                "SubnetRegistrationRuntimeApi",
                "get_network_registration_cost",
                &[],
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(overview.lock_cost, Some(api));
        assert!(
            overview
                .unavailable
                .iter()
                .any(|u| u == "SubtensorModule.SubnetLimit")
        );

        let subnets = model::read_subnets(&view).await.unwrap();
        let ids: Vec<u16> = subnets.subnets.iter().map(|s| s.netuid).collect();
        assert_eq!(ids[0], 0);
        for netuid in &netuids {
            assert!(ids.contains(netuid));
        }
        assert!(!subnets.prunes, "spec 293 has no subnet limit");
        let shares: f64 = subnets
            .subnets
            .iter()
            .filter_map(|s| s.emission_share)
            .sum();
        assert!((shares - 1.0).abs() < 1e-9, "{shares}");
        for s in subnets
            .subnets
            .iter()
            .filter(|s| netuids.contains(&s.netuid))
        {
            // The price equals the runtime's swap API (rao per alpha), to the rao.
            let api: u64 = view
                .api(
                    "SwapRuntimeApi",
                    "current_alpha_price",
                    &s.netuid.to_le_bytes(),
                )
                .await
                .unwrap()
                .unwrap();
            let price = s.price.unwrap();
            assert!(
                price.abs_diff(api) <= 1,
                "netuid {}: {price} vs {api}",
                s.netuid
            );
            assert!(s.first_emission.is_some() && s.tao_in.unwrap() > 0);
            assert!(s.immune, "registered moments ago");
            let next = s.next_epoch.unwrap();
            assert!(next > at.number && next <= at.number + u64::from(s.tempo.unwrap()) + 1);
        }

        for (i, netuid) in netuids.iter().enumerate() {
            let metagraph = model::read_metagraph(&view, *netuid).await.unwrap();
            let record = replay::read_last_epoch(&view, *netuid, &cache)
                .await
                .unwrap();
            let plan = &Scenario::default_scenario().subnets[i];
            assert_eq!(metagraph.neurons.len(), usize::from(plan.neurons));
            let incentive: Vec<u16> = metagraph.neurons.iter().map(|n| n.incentive).collect();
            assert_eq!(incentive, record.stored.incentive);
            // The batched rows (what a snapshot records) equal the one-uid reads.
            let uids: Vec<u16> = metagraph.neurons.iter().map(|n| n.uid).collect();
            let all = model::read_all_rows(&view, *netuid, &uids).await.unwrap();
            for (uid, rows) in uids.iter().zip(&all) {
                assert_eq!(rows, &model::read_rows(&view, *netuid, *uid).await.unwrap());
            }
            assert!(
                all.iter().any(|(w, _)| !w.is_empty()),
                "validators set weights"
            );
            for n in &metagraph.neurons[..usize::from(plan.validators)] {
                assert!(n.validator_permit && n.coldkey.is_some());
                assert!(n.stake_rank.unwrap() <= plan.validators);
                assert!(n.alpha_dividends.is_some());
            }
            if plan.extra_registrations > 0 {
                // The pruned slots hold the newest registrations; the next to go is a miner.
                let newest = metagraph
                    .neurons
                    .iter()
                    .map(|n| n.registered_at)
                    .max()
                    .unwrap();
                let fresh = metagraph
                    .neurons
                    .iter()
                    .filter(|n| n.registered_at == newest)
                    .count();
                assert_eq!(fresh, usize::from(plan.extra_registrations));
                let next = metagraph.next_pruned.unwrap();
                assert!(
                    next >= plan.validators,
                    "validator {next} next to be pruned"
                );
            }
            let params = model::read_hyperparams(&view, *netuid).await.unwrap();
            let tempo = params.iter().find(|p| p.name == "Tempo").unwrap();
            assert_eq!(
                tempo.value.as_deref(),
                Some(plan.tempo.to_string().as_str())
            );
        }

        // A validator's coldkey holds alpha on its subnet's pool.
        let (coldkey, hotkey) = devnode::scenario::neuron_keys(0, 1).unwrap();
        let account = model::read_account(&view, coldkey.account_id())
            .await
            .unwrap();
        assert!(account.free.unwrap() > 0);
        let position = account
            .positions
            .iter()
            .find(|p| p.hotkey == hotkey.account_id() && p.netuid == netuids[0])
            .unwrap();
        assert!(position.alpha > 0 && position.tao_value.unwrap() > 0);
        let total: u64 = view
            .value(
                "SubtensorModule",
                "TotalHotkeyAlpha",
                vec![
                    hotkey.account_id().to_vec(),
                    netuids[0].to_le_bytes().to_vec(),
                ],
            )
            .await
            .unwrap()
            .unwrap();
        // The coldkey is the hotkey's only staker, so its shares are the whole pool.
        assert!(
            position.alpha.abs_diff(total) <= 1,
            "{} vs {total}",
            position.alpha
        );
    });
}
