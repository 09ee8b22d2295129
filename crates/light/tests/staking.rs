//! Staking the way the page does it, natively: an add stake with a limit price built from the
//! devnode runtime's metadata, its review decoded from the signed payload, signed by a
//! development key (the test extension's job in the browser), sent through the light client,
//! followed to finality, and its outcome read from the block's events and the account's
//! verified stake. Then a remove whose limit the pool cannot meet: the chain refuses it and the
//! outcome names the reason. Then a swap of half the stake to another subnet, limited by the
//! ratio of the two pools' prices.
//!
//! The timeouts are hang guards, not speed assertions.

#![allow(clippy::unwrap_used)]

mod support;

use chain::staking::{self, Action, Limit, Review, Shown};
use chain::{MetadataCache, Source, View, model};
use devnode::DevKeys;
use futures_util::future::{Either, select};
use light::{Client, native};
use support::{GUARD, Node, init_log};

/// Sends `extrinsic`, waits for its finalized block, and returns (block, index in it), or the
/// light client's account of why it was not included.
fn send<P: smoldot_light::platform::PlatformRef>(
    chain: &light::Chain<P>,
    extrinsic: &[u8],
) -> Result<(chain::BlockRef, u32), String> {
    native::block_on(async {
        let watch = chain.submit_and_watch(extrinsic);
        let finalized = std::pin::pin!(watch.finalized(|_| {}));
        let inclusion = match select(finalized, std::pin::pin!(smol::Timer::after(GUARD))).await {
            Either::Left((result, _)) => result.map_err(|e| e.to_string())?,
            Either::Right(_) => panic!("not finalized after {GUARD:?}"),
        };
        let block = chain.until_finalized(inclusion.block).await.unwrap();
        Ok((
            chain::BlockRef {
                number: block.number,
                hash: block.hash,
            },
            inclusion.index,
        ))
    })
}

#[test]
fn add_stake_with_a_limit_is_reviewed_signed_finalized_and_seen() {
    init_log();
    let (node, _) = Node::start_with(true);
    let alice = DevKeys::alice();
    let coldkey = alice.account_id();
    let client = Client::new(native::platform()).with_request_timeout(GUARD);
    let chain = client.add_chain(&node.spec).unwrap();
    let source = light::LightSource::new(chain.clone());
    let cache = MetadataCache::default();

    let (action, payload, meta, quote, before, stake_before) = native::block_on(async {
        let at = source.finalized().await.unwrap();
        let view = View::open(&source, at, &cache).await.unwrap();
        // A subnet with a pool and a registered hotkey to stake to.
        let netuid = model::netuids(&view)
            .await
            .unwrap()
            .into_iter()
            .find(|n| *n >= 2)
            .unwrap();
        let metagraph = model::read_metagraph(&view, netuid).await.unwrap();
        let hotkey = metagraph.neurons[0].hotkey;
        let signer = staking::read_signer(&view, &coldkey).await.unwrap();
        assert!(signer.free > 10 * staking::UNIT, "{signer:?}");
        let params = staking::tx_params(&view, signer.nonce).await.unwrap();
        let amount = staking::within(staking::parse_amount("2.5").unwrap(), signer.free).unwrap();
        // The quote's price, 5% of tolerance.
        let price_probe = Action::AddStake {
            hotkey,
            netuid,
            tao: amount,
            limit: Limit {
                price: 0,
                allow_partial: false,
            },
        };
        let probe_call = price_probe.encode(view.metadata()).unwrap();
        let quote = staking::quote(&view, &price_probe, &probe_call)
            .await
            .unwrap();
        let price = quote.price.expect("the devnet runtime prices its pools");
        let action = Action::AddStake {
            hotkey,
            netuid,
            tao: amount,
            limit: Limit::from_price(price, 500, true, false),
        };
        let call = action.encode(view.metadata()).unwrap();
        let payload = view.metadata().signing_payload(call, &params).unwrap();
        let account = model::read_account(&view, coldkey).await.unwrap();
        let stake_before = account.alpha_on(&hotkey, netuid);
        (
            action,
            payload,
            view.metadata().clone(),
            quote,
            signer,
            stake_before,
        )
    });
    let Action::AddStake {
        hotkey,
        netuid,
        tao,
        limit,
    } = action
    else {
        unreachable!()
    };

    // What the reviewer sees is the payload, decoded.
    let review = Review::of(&meta, &payload.bytes()).unwrap();
    assert_eq!(review.call, "add_stake_limit");
    assert_eq!(
        review.arg("amount_staked").unwrap().shown,
        Shown::Tao("2.5".into())
    );
    assert_eq!(review.arg("netuid").unwrap().shown, Shown::Netuid(netuid));
    assert_eq!(review.nonce, u64::from(before.nonce));
    assert!(
        review.era.starts_with("mortal: 64 blocks"),
        "{}",
        review.era
    );

    let signature = alice.sign_sr25519(&payload.to_sign());
    let extrinsic = meta
        .signed_extrinsic(&payload, &coldkey, &signature)
        .unwrap();
    let (block, index) = send(&chain, &extrinsic).unwrap();

    let (greedy, stake) = native::block_on(async {
        let view = View::open(&source, block, &cache).await.unwrap();
        let outcome = staking::outcome(&view, index).await.unwrap();
        assert!(outcome.success, "{outcome:?}");
        assert_eq!(outcome.error, None);
        let (spent, alpha) = outcome.swapped.expect("a StakeAdded event");
        assert!(spent <= tao, "{outcome:?}");
        assert!(alpha > 0);
        // Within the limit: alpha bought at no more than the limit price.
        assert!(
            u128::from(spent) * u128::from(staking::UNIT)
                <= u128::from(alpha) * u128::from(limit.price) + u128::from(staking::UNIT),
            "paid above the limit: {outcome:?} {limit:?}"
        );
        // This runtime prices its pools but offers no swap simulation: no number is made up.
        assert_eq!(quote.expected_out, None);
        assert_eq!(outcome.fee_paid, quote.fee);
        let after = staking::read_signer(&view, &coldkey).await.unwrap();
        assert_eq!(after.nonce, before.nonce + 1);
        assert!(after.free <= before.free - tao, "{before:?} → {after:?}");
        let account = model::read_account(&view, coldkey).await.unwrap();
        let stake = account.alpha_on(&hotkey, netuid);
        // Alpha stake rounds through shares: within a unit or two of what the event says.
        assert!(
            stake.abs_diff(stake_before + alpha) <= 2,
            "{stake_before} + {alpha} ≠ {stake}"
        );

        // A remove whose lowest accepted price is far above the pool's: refused on chain.
        let signer = staking::read_signer(&view, &coldkey).await.unwrap();
        let params = staking::tx_params(&view, signer.nonce).await.unwrap();
        let greedy = Action::RemoveStake {
            hotkey,
            netuid,
            alpha: stake / 2,
            limit: Limit {
                price: quote.price.unwrap().saturating_mul(100),
                allow_partial: false,
            },
        };
        let call = greedy.encode(view.metadata()).unwrap();
        let payload = view.metadata().signing_payload(call, &params).unwrap();
        let signature = alice.sign_sr25519(&payload.to_sign());
        let extrinsic = view
            .metadata()
            .signed_extrinsic(&payload, &coldkey, &signature)
            .unwrap();
        (extrinsic, stake)
    });
    // Refused when validated (subtensor checks the limit before the transaction enters a
    // block: `Custom(14)`, ZeroMaxAmount), or, on a runtime that checks only when dispatching,
    // included with `ExtrinsicFailed`: both name the reason.
    match send(&chain, &greedy) {
        Err(refused) => {
            let explained = staking::explain_refusal(&refused);
            assert!(explained.contains("ZeroMaxAmount"), "{explained}");
        }
        Ok((block, index)) => native::block_on(async {
            let view = View::open(&source, block, &cache).await.unwrap();
            let outcome = staking::outcome(&view, index).await.unwrap();
            assert!(!outcome.success, "{outcome:?}");
            let error = outcome.error.unwrap();
            assert!(
                error.contains("Slippage") || error.contains("Price"),
                "{error}"
            );
            let account = model::read_account(&view, coldkey).await.unwrap();
            let left = account.alpha_on(&hotkey, netuid);
            assert_eq!(left, stake, "a refused remove moved stake");
        }),
    }

    // Swap half the stake to another subnet, limited by the origin's price over the
    // destination's (subtensor's reading of `swap_stake_limit`'s limit), 5% below it.
    let (swap, destination) = native::block_on(async {
        let at = source.finalized().await.unwrap();
        let view = View::open(&source, at, &cache).await.unwrap();
        let destination = model::netuids(&view)
            .await
            .unwrap()
            .into_iter()
            .find(|n| *n >= 2 && *n != netuid)
            .unwrap();
        let mut action = Action::relocate(
            hotkey,
            netuid,
            hotkey,
            destination,
            stake / 2,
            Limit {
                price: 0,
                allow_partial: false,
            },
        )
        .unwrap();
        let probe = action.encode(view.metadata()).unwrap();
        let quote = staking::quote(&view, &action, &probe).await.unwrap();
        let relative = quote.price.expect("both pools priced");
        let (limit, buying) = action.limit_mut().unwrap();
        assert!(!buying, "a swap sells the origin's alpha");
        *limit = Limit::from_price(relative, 500, false, false);
        let review_limit = limit.price;
        let signer = staking::read_signer(&view, &coldkey).await.unwrap();
        let params = staking::tx_params(&view, signer.nonce).await.unwrap();
        let call = action.encode(view.metadata()).unwrap();
        let payload = view.metadata().signing_payload(call, &params).unwrap();
        let review = Review::of(view.metadata(), &payload.bytes()).unwrap();
        assert_eq!(review.call, "swap_stake_limit");
        assert_eq!(
            review.arg("limit_price").unwrap().shown,
            Shown::Ratio(staking::format_units(review_limit))
        );
        let signature = alice.sign_sr25519(&payload.to_sign());
        let extrinsic = view
            .metadata()
            .signed_extrinsic(&payload, &coldkey, &signature)
            .unwrap();
        (extrinsic, destination)
    });
    let (block, index) = send(&chain, &swap).unwrap();
    native::block_on(async {
        let view = View::open(&source, block, &cache).await.unwrap();
        let outcome = staking::outcome(&view, index).await.unwrap();
        assert!(outcome.success, "{outcome:?}");
        let account = model::read_account(&view, coldkey).await.unwrap();
        assert!(account.alpha_on(&hotkey, destination) > 0, "{account:?}");
        assert!(account.alpha_on(&hotkey, netuid) < stake, "{account:?}");
    });
}
