// Smoldot
// Copyright (C) 2019-2022  Parity Technologies (UK) Ltd.
// SPDX-License-Identifier: GPL-3.0-or-later WITH Classpath-exception-2.0

// This program is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.

// This program is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.

// You should have received a copy of the GNU General Public License
// along with this program.  If not, see <http://www.gnu.org/licenses/>.

use super::{
    BlockNotification, FinalizedBlockRuntime, Notification, SubscribeAll, ToBackground, paraheads,
};
use crate::{log, network_service, platform::PlatformRef, runtime_service, util};

use alloc::{
    borrow::Cow, boxed::Box, collections::VecDeque, format, string::String, sync::Arc, vec::Vec,
};
use core::{cmp, iter, num::NonZero, pin::Pin, time::Duration};
use futures_channel::oneshot;
use futures_lite::FutureExt as _;
use futures_util::{StreamExt as _, future, stream};
use hashbrown::HashMap;
use smoldot::{
    chain, executor, header,
    informant::HashDisplay,
    libp2p,
    network::{self, codec},
    sync::{all, para},
    trie,
};

/// Starts a sync service background task to synchronize a parachain.
///
/// This implementation uses AllSync for block sync with Aura consensus verification,
/// and the paraheads service for relay-chain-based finalization.
pub(super) async fn start_parachain<TPlat: PlatformRef>(
    log_target: String,
    platform: TPlat,
    block_number_bytes: usize,
    relay_chain_sync: Arc<runtime_service::RuntimeService<TPlat>>,
    parachain_id: u32,
    mut from_foreground: Pin<Box<async_channel::Receiver<ToBackground>>>,
    network_service: Arc<network_service::NetworkServiceChain<TPlat>>,
    metrics: Arc<crate::metrics::ChainMetrics>,
) {
    // Phase 1: Fetch the current finalized parachain head from the relay chain.
    let effective_chain_info = fetch_parachain_head_from_relay(
        &log_target,
        &platform,
        &relay_chain_sync,
        parachain_id,
        block_number_bytes,
    )
    .await;

    log!(
        &platform,
        Info,
        &log_target,
        format!(
            "Fetched parachain finalized head from relay chain at block #{}",
            effective_chain_info.as_ref().finalized_block_header.number
        )
    );

    // Phase 2: Download the parachain runtime from a P2P peer and determine Aura
    // consensus parameters. Retries indefinitely until successful.
    let (effective_chain_info, finalized_runtime) = loop {
        match bootstrap_parachain_consensus(
            &log_target,
            &platform,
            &network_service,
            &effective_chain_info,
            block_number_bytes,
            &metrics,
        )
        .await
        {
            Ok(b) => break (b.chain_info, b.finalized_runtime),
            Err(err) => {
                log!(
                    &platform,
                    Warn,
                    &log_target,
                    format!("Failed to bootstrap parachain consensus: {err}. Retrying in 5s...")
                );
                platform.sleep(Duration::from_secs(5)).await;
            }
        }
    };

    // Phase 3: Spawn the paraheads background service that tracks relay chain
    // finalization and reports finalized parachain blocks.
    let (to_paraheads, from_paraheads) = async_channel::bounded(16);
    let from_paraheads = Box::pin(from_paraheads);

    let paraheads_log_target = format!("{log_target}-paraheads");
    platform.spawn_task(paraheads_log_target.clone().into(), {
        let platform = platform.clone();
        let relay_chain_sync = relay_chain_sync.clone();
        let finalized_header = effective_chain_info
            .as_ref()
            .finalized_block_header
            .scale_encoding_vec(block_number_bytes);
        let task = paraheads::start_paraheads(
            paraheads_log_target.clone(),
            platform.clone(),
            finalized_header,
            relay_chain_sync,
            parachain_id,
            from_paraheads,
        );

        async move {
            task.await;
            log!(
                &platform,
                Debug,
                &paraheads_log_target,
                "paraheads-shutdown"
            );
        }
    });

    // Set up the initial paraheads subscription future.
    let paraheads_subscribe_future: Option<future::BoxFuture<'static, super::SubscribeAll>> = {
        let to_paraheads = to_paraheads.clone();
        Some(Box::pin(async move {
            let (send_back, sub_rx) = oneshot::channel();
            let _ = to_paraheads
                .send(super::ToBackground::SubscribeAll {
                    send_back,
                    buffer_size: 32,
                    runtime_interest: false,
                })
                .await;
            sub_rx.await.unwrap()
        })
            as future::BoxFuture<'static, super::SubscribeAll>)
    };

    // Phase 4: Create AllSync with Aura consensus from the bootstrapped chain information.
    let mut task = Task {
        metrics,
        sync: Some(all::AllSync::new(all::Config {
            chain_information: effective_chain_info,
            block_number_bytes,
            // Parachain blocks include cumulus-specific seals that are
            // not known to smoldot's consensus verification.
            allow_unknown_consensus_engines: true,
            sources_capacity: 32,
            blocks_capacity: {
                // Maximum number of blocks between two finalizations.
                1024
            },
            max_disjoint_headers: 1024,
            max_requests_per_block: NonZero::<u32>::new(3).unwrap(),
            download_ahead_blocks: { NonZero::<u32>::new(5000).unwrap() },
            download_bodies: false,
            download_all_chain_information_storage_proofs: false,
            code_trie_node_hint: None,
        })),
        paraheads: to_paraheads,
        paraheads_subscribe_future,
        paraheads_notifications: None,
        pending_parachain_finalization: None,
        network_up_to_date_best: true,
        known_finalized_runtime: Some(finalized_runtime),
        pending_requests: stream::FuturesUnordered::new(),
        all_notifications: Vec::<async_channel::Sender<Notification>>::new(),
        pending_subscriptions: VecDeque::new(),
        bootstrap_complete: false,
        sync_status_subscribers: Vec::new(),
        log_target,
        from_network_service: None,
        network_service,
        peers_source_id_map: HashMap::with_capacity_and_hasher(
            0,
            util::SipHasherBuild::new({
                let mut seed = [0; 16];
                platform.fill_random_bytes(&mut seed);
                seed
            }),
        ),
        platform,
    };

    // The gauges are otherwise only refreshed when the best or finalized block changes, which
    // waits for the relay chain to be synced.
    {
        let sync = task.sync.as_ref().unwrap_or_else(|| unreachable!());
        task.metrics
            .sync_best_block_height
            .set(sync.best_block_number());
        task.metrics
            .sync_finalized_block_height
            .set(sync.finalized_block_number());
    }

    // Phase 5: Main sync loop.
    loop {
        // Yield at every loop in order to provide better tasks granularity.
        futures_lite::future::yield_now().await;

        enum WakeUpReason {
            SyncProcess(all::ProcessOne<future::AbortHandle, (libp2p::PeerId, codec::Role), ()>),
            MustUpdateNetworkWithBestBlock,
            MustSubscribeNetworkEvents,
            NetworkEvent(network_service::Event),
            ForegroundMessage(ToBackground),
            ForegroundClosed,
            StartRequest(all::SourceId, all::DesiredRequest),
            ObsoleteRequest(all::RequestId),
            RequestFinished(all::RequestId, Result<RequestOutcome, future::Aborted>),
            ParaheadSubscribed(super::SubscribeAll),
            ParaheadNotification(super::Notification),
            ParaheadSubscriptionDead,
        }

        let wake_up_reason = {
            async {
                if let Some(from_network_service) = task.from_network_service.as_mut() {
                    match from_network_service.next().await {
                        Some(ev) => WakeUpReason::NetworkEvent(ev),
                        None => {
                            task.from_network_service = None;
                            WakeUpReason::MustSubscribeNetworkEvents
                        }
                    }
                } else {
                    WakeUpReason::MustSubscribeNetworkEvents
                }
            }
            .or(async {
                from_foreground.next().await.map_or(
                    WakeUpReason::ForegroundClosed,
                    WakeUpReason::ForegroundMessage,
                )
            })
            .or(async {
                if task.pending_requests.is_empty() {
                    future::pending::<()>().await
                }
                let (request_id, result) = task.pending_requests.select_next_some().await;
                WakeUpReason::RequestFinished(request_id, result)
            })
            .or(async { future::pending().await })
            .or(async {
                if !task.network_up_to_date_best {
                    WakeUpReason::MustUpdateNetworkWithBestBlock
                } else {
                    future::pending().await
                }
            })
            .or(async {
                if let Some(subscribe_future) = task.paraheads_subscribe_future.as_mut() {
                    WakeUpReason::ParaheadSubscribed(subscribe_future.await)
                } else {
                    future::pending().await
                }
            })
            .or(async {
                if let Some(notifications) = task.paraheads_notifications.as_mut() {
                    match notifications.recv().await {
                        Ok(notif) => WakeUpReason::ParaheadNotification(notif),
                        Err(_) => WakeUpReason::ParaheadSubscriptionDead,
                    }
                } else {
                    future::pending().await
                }
            })
            .or({
                let sync = &mut task.sync;
                async move {
                    let Some(s) = &sync else { unreachable!() };
                    if let Some((source_id, _, request_detail)) = s
                        .desired_requests()
                        .find(|(source_id, _, _)| s.source_num_ongoing_requests(*source_id) == 0)
                    {
                        return WakeUpReason::StartRequest(source_id, request_detail);
                    }

                    if let Some(request_id) = s.obsolete_requests().next() {
                        return WakeUpReason::ObsoleteRequest(request_id);
                    }

                    // TODO: eventually, process_one() shouldn't take ownership of the AllForks
                    match sync.take().unwrap_or_else(|| unreachable!()).process_one() {
                        all::ProcessOne::AllSync(idle) => {
                            *sync = Some(idle);
                            future::pending().await
                        }
                        other => WakeUpReason::SyncProcess(other),
                    }
                }
            })
            .await
        };

        match wake_up_reason {
            WakeUpReason::SyncProcess(all::ProcessOne::VerifyBlock(verify)) => {
                let verified_hash = verify.hash();
                match verify.verify_header(task.platform.now_from_unix_epoch()) {
                    all::HeaderVerifyOutcome::Success {
                        success,
                        is_new_best,
                        ..
                    } => {
                        let sync = task.sync.insert(success.finish(()));

                        log!(
                            &task.platform,
                            Debug,
                            &task.log_target,
                            "header-verify-success",
                            hash = HashDisplay(&verified_hash),
                            is_new_best = if is_new_best { "yes" } else { "no" }
                        );
                        task.metrics.sync_blocks_verified.inc();

                        if is_new_best {
                            task.network_up_to_date_best = false;
                        }

                        let (parent_hash, scale_encoded_header) = {
                            // TODO: the code below is `O(n)` complexity
                            let header = sync
                                .non_finalized_blocks_unordered()
                                .find(|h| h.hash(sync.block_number_bytes()) == verified_hash)
                                .unwrap();
                            (
                                *header.parent_hash,
                                header.scale_encoding_vec(sync.block_number_bytes()),
                            )
                        };

                        task.dispatch_all_subscribers({
                            Notification::Block(BlockNotification {
                                is_new_best,
                                scale_encoded_header,
                                parent_hash,
                            })
                        });

                        // After verifying a new block, try to apply any pending
                        // parachain finalization from the relay chain.
                        if let Some(pending_hash) = task.pending_parachain_finalization {
                            let sync = task.sync.as_mut().unwrap();
                            if let Ok(result) = sync.set_finalized_block(&pending_hash) {
                                task.pending_parachain_finalization = None;
                                task.metrics
                                    .sync_finalized_block_height
                                    .set(sync.finalized_block_number());
                                if result.updates_best_block {
                                    task.network_up_to_date_best = false;
                                }
                                if result.finalized_blocks.iter().any(|b| {
                                    header::decode(&b.header, sync.block_number_bytes())
                                        .map(|h| h.digest.has_runtime_environment_updated())
                                        .unwrap_or(false)
                                }) {
                                    task.known_finalized_runtime = None;
                                }
                                task.dispatch_all_subscribers(Notification::Finalized {
                                    finalized_blocks_hashes: result
                                        .finalized_blocks
                                        .iter()
                                        .rev()
                                        .map(|b| b.block_hash)
                                        .collect(),
                                    best_block_hash_if_changed: if result.updates_best_block {
                                        Some(*task.sync.as_ref().unwrap().best_block_hash())
                                    } else {
                                        None
                                    },
                                    pruned_blocks: result.pruned_blocks,
                                });
                            }
                        }
                    }

                    all::HeaderVerifyOutcome::Error { sync, error, .. } => {
                        task.sync = Some(sync);

                        log!(
                            &task.platform,
                            Debug,
                            &task.log_target,
                            "header-verify-error",
                            hash = HashDisplay(&verified_hash),
                            ?error
                        );
                        task.metrics.sync_block_verify_errors.inc();

                        log!(
                            &task.platform,
                            Warn,
                            &task.log_target,
                            format!(
                                "Error while verifying header {}: {}",
                                HashDisplay(&verified_hash),
                                error
                            )
                        );
                    }
                }
            }

            WakeUpReason::NetworkEvent(network_service::Event::Connected {
                peer_id,
                role,
                best_block_number,
                best_block_hash,
            }) => {
                task.peers_source_id_map.insert(
                    peer_id.clone(),
                    task.sync
                        .as_mut()
                        .unwrap_or_else(|| unreachable!())
                        .prepare_add_source(best_block_number, best_block_hash)
                        .add_source((peer_id, role), ()),
                );
            }

            WakeUpReason::NetworkEvent(network_service::Event::Disconnected { peer_id }) => {
                let sync_source_id = task.peers_source_id_map.remove(&peer_id).unwrap();
                let (_, requests) = task
                    .sync
                    .as_mut()
                    .unwrap_or_else(|| unreachable!())
                    .remove_source(sync_source_id);

                for (_, abort) in requests {
                    abort.abort();
                }
            }

            WakeUpReason::NetworkEvent(network_service::Event::BlockAnnounce {
                peer_id,
                announce,
            }) => {
                let sync_source_id = *task.peers_source_id_map.get(&peer_id).unwrap();
                let decoded = announce.decode();

                match task
                    .sync
                    .as_mut()
                    .unwrap_or_else(|| unreachable!())
                    .block_announce(
                        sync_source_id,
                        decoded.scale_encoded_header.to_vec(),
                        decoded.is_best,
                    ) {
                    all::BlockAnnounceOutcome::TooOld {
                        announce_block_height,
                        ..
                    } => {
                        log!(
                            &task.platform,
                            Debug,
                            &task.log_target,
                            "block-announce",
                            sender = peer_id,
                            hash = HashDisplay(&header::hash_from_scale_encoded_header(
                                decoded.scale_encoded_header
                            )),
                            height = announce_block_height,
                            is_best = decoded.is_best,
                            outcome = "older-than-finalized-block",
                        );
                    }
                    all::BlockAnnounceOutcome::AlreadyVerified(known) => {
                        log!(
                            &task.platform,
                            Debug,
                            &task.log_target,
                            "block-announce",
                            sender = peer_id,
                            hash = HashDisplay(known.hash()),
                            height = known.height(),
                            parent_hash = HashDisplay(known.parent_hash()),
                            is_best = decoded.is_best,
                            outcome = "already-verified",
                        );
                        known.update_source_and_block();
                    }
                    all::BlockAnnounceOutcome::AlreadyPending(known) => {
                        log!(
                            &task.platform,
                            Debug,
                            &task.log_target,
                            "block-announce",
                            sender = peer_id,
                            hash = HashDisplay(known.hash()),
                            height = known.height(),
                            parent_hash = HashDisplay(known.parent_hash()),
                            is_best = decoded.is_best,
                            outcome = "already-pending",
                        );
                        known.update_source_and_block();
                    }
                    all::BlockAnnounceOutcome::Unknown(unknown) => {
                        log!(
                            &task.platform,
                            Debug,
                            &task.log_target,
                            "block-announce",
                            sender = peer_id,
                            hash = HashDisplay(unknown.hash()),
                            height = unknown.height(),
                            parent_hash = HashDisplay(unknown.parent_hash()),
                            is_best = decoded.is_best,
                            outcome = "previously-unknown",
                        );
                        unknown.insert_and_update_source(());
                    }
                    all::BlockAnnounceOutcome::InvalidHeader(error) => {
                        log!(
                            &task.platform,
                            Debug,
                            &task.log_target,
                            "block-announce",
                            sender = peer_id,
                            hash = HashDisplay(&header::hash_from_scale_encoded_header(
                                decoded.scale_encoded_header
                            )),
                            is_best = decoded.is_best,
                            outcome = "invalid-header",
                            ?error,
                        );
                        task.network_service
                            .ban_and_disconnect(
                                peer_id,
                                network_service::BanSeverity::High,
                                network_service::BanReason::BadBlockAnnounce,
                            )
                            .await;
                    }
                }
            }

            WakeUpReason::MustSubscribeNetworkEvents => {
                debug_assert!(task.from_network_service.is_none());
                for (_, sync_source_id) in task.peers_source_id_map.drain() {
                    let (_, requests) = task
                        .sync
                        .as_mut()
                        .unwrap_or_else(|| unreachable!())
                        .remove_source(sync_source_id);
                    for (_, abort) in requests {
                        abort.abort();
                    }
                }
                task.from_network_service = Some(Box::pin(task.network_service.subscribe().await));
            }

            WakeUpReason::MustUpdateNetworkWithBestBlock => {
                let Some(sync) = &task.sync else {
                    unreachable!()
                };
                task.metrics
                    .sync_best_block_height
                    .set(sync.best_block_number());
                task.network_service
                    .set_local_best_block(*sync.best_block_hash(), sync.best_block_number())
                    .await;
                task.network_up_to_date_best = true;
            }

            WakeUpReason::ForegroundMessage(ToBackground::IsNearHeadOfChainHeuristic {
                send_back,
            }) => {
                let _ = send_back.send(
                    task.sync
                        .as_ref()
                        .unwrap_or_else(|| unreachable!())
                        .is_near_head_of_chain_heuristic(),
                );
            }

            WakeUpReason::ForegroundMessage(ToBackground::SubscribeAll {
                send_back,
                buffer_size,
                runtime_interest,
            }) => {
                if task.bootstrap_complete {
                    respond_subscribe_all(&mut task, send_back, buffer_size, runtime_interest);
                } else {
                    task.pending_subscriptions.push_back(PendingSubscribeAll {
                        send_back,
                        buffer_size,
                        runtime_interest,
                    });
                }
            }

            WakeUpReason::ForegroundMessage(ToBackground::PeersAssumedKnowBlock {
                send_back,
                block_number,
                block_hash,
            }) => {
                let Some(sync) = &task.sync else {
                    unreachable!()
                };

                let outcome = if block_number <= sync.finalized_block_number() {
                    sync.sources()
                        .filter(|source_id| {
                            let source_best = sync.source_best_block(*source_id);
                            source_best.0 > block_number
                                || (source_best.0 == block_number && *source_best.1 == block_hash)
                        })
                        .map(|id| sync[id].0.clone())
                        .collect()
                } else {
                    sync.knows_non_finalized_block(block_number, &block_hash)
                        .map(|id| sync[id].0.clone())
                        .collect()
                };

                let _ = send_back.send(outcome);
            }

            WakeUpReason::ForegroundMessage(ToBackground::SyncingPeers { send_back }) => {
                let Some(sync) = &task.sync else {
                    unreachable!()
                };

                let out = sync
                    .sources()
                    .map(|src| {
                        let (peer_id, role) = sync[src].clone();
                        let (height, hash) = sync.source_best_block(src);
                        (peer_id, role, height, *hash)
                    })
                    .collect::<Vec<_>>();

                let _ = send_back.send(out);
            }

            WakeUpReason::ForegroundMessage(ToBackground::SubscribeSyncStatus { send_back }) => {
                // Parachains never warp sync, so the only item ever sent is `Ready`.
                let (tx, rx) = async_channel::unbounded();
                if task.bootstrap_complete {
                    let _ = tx.try_send(super::SyncStatus::Ready);
                } else {
                    task.sync_status_subscribers.push(tx);
                }
                let _ = send_back.send(rx);
            }

            WakeUpReason::ForegroundMessage(ToBackground::SerializeChainInformation {
                send_back,
            }) => {
                let _ = send_back.send(Some(
                    task.sync
                        .as_ref()
                        .unwrap_or_else(|| unreachable!())
                        .as_chain_information()
                        .into(),
                ));
            }

            WakeUpReason::ForegroundClosed => {
                return;
            }

            WakeUpReason::RequestFinished(_, Err(_)) => {
                // A request has been cancelled. Nothing to do.
            }

            WakeUpReason::RequestFinished(request_id, Ok(RequestOutcome::Block(Ok(v)))) => {
                task.sync
                    .as_mut()
                    .unwrap_or_else(|| unreachable!())
                    .blocks_request_response(
                        request_id,
                        v.into_iter().filter_map(|block| {
                            Some(all::BlockRequestSuccessBlock {
                                scale_encoded_header: block.header?,
                                scale_encoded_justifications: Vec::new(),
                                scale_encoded_extrinsics: Vec::new(),
                                user_data: (),
                            })
                        }),
                    );
            }

            WakeUpReason::RequestFinished(request_id, Ok(RequestOutcome::Block(Err(_)))) => {
                let Some(sync) = &mut task.sync else {
                    unreachable!()
                };

                let source_peer_id = sync[sync.request_source_id(request_id)].0.clone();

                task.network_service
                    .ban_and_disconnect(
                        source_peer_id,
                        network_service::BanSeverity::Low,
                        network_service::BanReason::BlocksRequestFailed,
                    )
                    .await;

                sync.remove_request(request_id);
            }

            WakeUpReason::RequestFinished(request_id, Ok(RequestOutcome::Storage(Ok(r)))) => {
                let Some(sync) = &mut task.sync else {
                    unreachable!()
                };
                sync.storage_get_response(request_id, r);
            }

            WakeUpReason::RequestFinished(request_id, Ok(RequestOutcome::Storage(Err(_)))) => {
                let Some(sync) = &mut task.sync else {
                    unreachable!()
                };

                task.network_service
                    .ban_and_disconnect(
                        sync[sync.request_source_id(request_id)].0.clone(),
                        network_service::BanSeverity::Low,
                        network_service::BanReason::StorageRequestFailed,
                    )
                    .await;

                sync.remove_request(request_id);
            }

            WakeUpReason::RequestFinished(request_id, Ok(RequestOutcome::CallProof(Ok(r)))) => {
                task.sync
                    .as_mut()
                    .unwrap_or_else(|| unreachable!())
                    .call_proof_response(request_id, r.decode().to_vec());
            }

            WakeUpReason::RequestFinished(request_id, Ok(RequestOutcome::CallProof(Err(_)))) => {
                let Some(sync) = &mut task.sync else {
                    unreachable!()
                };

                task.network_service
                    .ban_and_disconnect(
                        sync[sync.request_source_id(request_id)].0.clone(),
                        network_service::BanSeverity::Low,
                        network_service::BanReason::CallProofRequestFailed,
                    )
                    .await;

                sync.remove_request(request_id);
            }

            WakeUpReason::ObsoleteRequest(request_id) => {
                let Some(sync) = &mut task.sync else {
                    unreachable!()
                };
                let abort_handle = sync.remove_request(request_id);
                abort_handle.abort();
            }

            WakeUpReason::StartRequest(
                source_id,
                all::DesiredRequest::BlocksRequest {
                    first_block_hash,
                    first_block_height,
                    num_blocks,
                    request_headers,
                    request_bodies,
                    request_justification: _,
                },
            ) => {
                let Some(sync) = &mut task.sync else {
                    unreachable!()
                };

                let num_blocks = NonZero::<u64>::new(cmp::min(64, num_blocks.get())).unwrap();
                let peer_id = sync[source_id].0.clone();

                let block_request = task.network_service.clone().blocks_request(
                    peer_id,
                    network::codec::BlocksRequestConfig {
                        start: network::codec::BlocksRequestConfigStart::Hash(first_block_hash),
                        desired_count: NonZero::<u32>::new(
                            u32::try_from(num_blocks.get()).unwrap_or(u32::MAX),
                        )
                        .unwrap(),
                        direction: network::codec::BlocksRequestDirection::Descending,
                        fields: network::codec::BlocksRequestFields {
                            header: request_headers,
                            body: request_bodies,
                            justifications: false,
                        },
                    },
                    Duration::from_secs(10),
                );

                let (block_request, abort) = future::abortable(block_request);
                let request_id = sync.add_request(
                    source_id,
                    all::RequestDetail::BlocksRequest {
                        first_block_hash,
                        first_block_height,
                        num_blocks,
                        request_headers,
                        request_bodies,
                        request_justification: false,
                    },
                    abort,
                );

                task.pending_requests.push(Box::pin(async move {
                    (request_id, block_request.await.map(RequestOutcome::Block))
                }));
            }

            WakeUpReason::StartRequest(
                source_id,
                all::DesiredRequest::StorageGetMerkleProof {
                    block_hash, keys, ..
                },
            ) => {
                let Some(sync) = &mut task.sync else {
                    unreachable!()
                };

                let peer_id = sync[source_id].0.clone();

                let storage_request = task.network_service.clone().storage_proof_request(
                    peer_id,
                    network::codec::StorageProofRequestConfig {
                        block_hash,
                        keys: keys.clone().into_iter(),
                    },
                    Duration::from_secs(16),
                );

                let storage_request = async move {
                    if let Ok(outcome) = storage_request.await {
                        Ok(outcome.decode().to_vec())
                    } else {
                        Err(())
                    }
                };

                let (storage_request, abort) = future::abortable(storage_request);
                let request_id = sync.add_request(
                    source_id,
                    all::RequestDetail::StorageGet { block_hash, keys },
                    abort,
                );

                task.pending_requests.push(Box::pin(async move {
                    (
                        request_id,
                        storage_request.await.map(RequestOutcome::Storage),
                    )
                }));
            }

            WakeUpReason::StartRequest(
                source_id,
                all::DesiredRequest::RuntimeCallMerkleProof {
                    block_hash,
                    function_name,
                    parameter_vectored,
                },
            ) => {
                let Some(sync) = &mut task.sync else {
                    unreachable!()
                };

                let peer_id = sync[source_id].0.clone();

                let call_proof_request = {
                    let network_service = task.network_service.clone();
                    let parameter_vectored = parameter_vectored.clone();
                    let function_name = function_name.clone();
                    async move {
                        let rq = network_service.call_proof_request(
                            peer_id,
                            network::codec::CallProofRequestConfig {
                                block_hash,
                                method: Cow::Borrowed(&*function_name),
                                parameter_vectored: iter::once(&parameter_vectored),
                            },
                            Duration::from_secs(16),
                        );

                        match rq.await {
                            Ok(p) => Ok(p),
                            Err(_) => Err(()),
                        }
                    }
                };

                let (call_proof_request, abort) = future::abortable(call_proof_request);
                let request_id = sync.add_request(
                    source_id,
                    all::RequestDetail::RuntimeCallMerkleProof {
                        block_hash,
                        function_name,
                        parameter_vectored,
                    },
                    abort,
                );

                task.pending_requests.push(Box::pin(async move {
                    (
                        request_id,
                        call_proof_request.await.map(RequestOutcome::CallProof),
                    )
                }));
            }

            // Paraheads integration: relay chain finalization
            WakeUpReason::ParaheadSubscribed(subscribe_all) => {
                task.paraheads_subscribe_future = None;

                log!(
                    &task.platform,
                    Debug,
                    &task.log_target,
                    "paraheads-subscribed",
                    finalized_hash = HashDisplay(&header::hash_from_scale_encoded_header(
                        &subscribe_all.finalized_block_scale_encoded_header
                    )),
                );

                // Try to apply the initial finalized parachain head.
                let finalized_hash = header::hash_from_scale_encoded_header(
                    &subscribe_all.finalized_block_scale_encoded_header,
                );
                let sync = task.sync.as_mut().unwrap();
                match sync.set_finalized_block(&finalized_hash) {
                    Ok(result) => {
                        task.pending_parachain_finalization = None;
                        task.metrics
                            .sync_finalized_block_height
                            .set(sync.finalized_block_number());
                        if result.updates_best_block {
                            task.network_up_to_date_best = false;
                        }
                        if result.finalized_blocks.iter().any(|b| {
                            header::decode(&b.header, sync.block_number_bytes())
                                .map(|h| h.digest.has_runtime_environment_updated())
                                .unwrap_or(false)
                        }) {
                            task.known_finalized_runtime = None;
                        }
                        task.dispatch_all_subscribers(Notification::Finalized {
                            finalized_blocks_hashes: result
                                .finalized_blocks
                                .iter()
                                .rev()
                                .map(|b| b.block_hash)
                                .collect(),
                            best_block_hash_if_changed: if result.updates_best_block {
                                Some(*task.sync.as_ref().unwrap().best_block_hash())
                            } else {
                                None
                            },
                            pruned_blocks: result.pruned_blocks,
                        });
                    }
                    Err(_) => {
                        // Block not yet synced — store as pending.
                        task.pending_parachain_finalization = Some(finalized_hash);
                    }
                }

                task.paraheads_notifications = Some(subscribe_all.new_blocks);

                if !task.bootstrap_complete {
                    drain_pending_subscriptions(&mut task);
                    task.bootstrap_complete = true;
                    for tx in task.sync_status_subscribers.drain(..) {
                        let _ = tx.try_send(super::SyncStatus::Ready);
                    }
                }
            }

            WakeUpReason::ParaheadNotification(Notification::Finalized {
                finalized_blocks_hashes,
                best_block_hash_if_changed: _,
                pruned_blocks: _,
            }) => {
                let hash = *finalized_blocks_hashes.last().unwrap();
                log!(
                    &task.platform,
                    Debug,
                    &task.log_target,
                    "paraheads-finalized",
                    hash = HashDisplay(&hash),
                );

                let sync = task.sync.as_mut().unwrap();
                match sync.set_finalized_block(&hash) {
                    Ok(result) => {
                        task.pending_parachain_finalization = None;
                        task.metrics
                            .sync_finalized_block_height
                            .set(sync.finalized_block_number());
                        if result.updates_best_block {
                            task.network_up_to_date_best = false;
                        }
                        if result.finalized_blocks.iter().any(|b| {
                            header::decode(&b.header, sync.block_number_bytes())
                                .map(|h| h.digest.has_runtime_environment_updated())
                                .unwrap_or(false)
                        }) {
                            task.known_finalized_runtime = None;
                        }
                        task.dispatch_all_subscribers(Notification::Finalized {
                            finalized_blocks_hashes: result
                                .finalized_blocks
                                .iter()
                                .rev()
                                .map(|b| b.block_hash)
                                .collect(),
                            best_block_hash_if_changed: if result.updates_best_block {
                                Some(*task.sync.as_ref().unwrap().best_block_hash())
                            } else {
                                None
                            },
                            pruned_blocks: result.pruned_blocks,
                        });
                    }
                    Err(_) => {
                        // Block not yet synced — store as pending.
                        task.pending_parachain_finalization = Some(hash);
                    }
                }
            }

            WakeUpReason::ParaheadNotification(
                Notification::Block(_) | Notification::BestBlockChanged { .. },
            ) => {
                // AllSync discovers blocks through the P2P network, not from
                // paraheads. We only use paraheads for finalization.
            }

            WakeUpReason::ParaheadSubscriptionDead => {
                log!(
                    &task.platform,
                    Debug,
                    &task.log_target,
                    "paraheads-subscription-reset"
                );
                task.paraheads_notifications = None;
                let to_paraheads = task.paraheads.clone();
                task.paraheads_subscribe_future = Some(Box::pin(async move {
                    let (send_back, sub_rx) = oneshot::channel();
                    let _ = to_paraheads
                        .send(super::ToBackground::SubscribeAll {
                            send_back,
                            buffer_size: 32,
                            runtime_interest: false,
                        })
                        .await;
                    sub_rx.await.unwrap()
                }));
            }

            // Unreachable variants - parachains don't use warp sync, finality proofs, or Grandpa
            WakeUpReason::NetworkEvent(
                network_service::Event::GrandpaNeighborPacket { .. }
                | network_service::Event::GrandpaCommitMessage { .. },
            )
            | WakeUpReason::SyncProcess(
                all::ProcessOne::AllSync(_)
                | all::ProcessOne::WarpSyncBuildRuntime(_)
                | all::ProcessOne::WarpSyncBuildChainInformation(_)
                | all::ProcessOne::WarpSyncFinished { .. }
                | all::ProcessOne::VerifyWarpSyncFragment(_)
                | all::ProcessOne::VerifyFinalityProof(_),
            )
            | WakeUpReason::StartRequest(_, all::DesiredRequest::WarpSync { .. }) => {
                unreachable!()
            }
        }
    }
}

struct Task<TPlat: PlatformRef> {
    log_target: String,
    platform: TPlat,

    /// Main syncing state machine. Always `Some`, except for temporary extraction.
    sync: Option<all::AllSync<future::AbortHandle, (libp2p::PeerId, codec::Role), ()>>,

    /// If `Some`, contains the runtime of the current finalized block.
    known_finalized_runtime: Option<FinalizedBlockRuntime>,

    /// For each networking peer, the index of the corresponding peer within the sync.
    peers_source_id_map: HashMap<libp2p::PeerId, all::SourceId, util::SipHasherBuild>,

    network_up_to_date_best: bool,

    /// Metrics of the chain.
    metrics: Arc<crate::metrics::ChainMetrics>,

    /// Channel to the paraheads background service.
    paraheads: async_channel::Sender<super::ToBackground>,
    /// Future for subscribing to paraheads. `None` if already subscribed.
    paraheads_subscribe_future: Option<future::BoxFuture<'static, super::SubscribeAll>>,
    /// Notification stream from the paraheads service. `None` if not subscribed yet.
    paraheads_notifications: Option<async_channel::Receiver<super::Notification>>,
    /// Pending finalized parachain block hash from relay chain that hasn't been
    /// applied yet because the block wasn't synced at the time.
    pending_parachain_finalization: Option<[u8; 32]>,

    all_notifications: Vec<async_channel::Sender<Notification>>,

    /// `SubscribeAll` requests received before the initial paraheads subscription resolved.
    /// Drained in the `ParaheadSubscribed` arm so the very first response a client sees
    /// carries the authoritative relay-derived finalized parahead, never a transient
    /// pre-bootstrap one.
    pending_subscriptions: VecDeque<PendingSubscribeAll>,

    /// `false` until the first drain runs. Once `true`, subsequent `SubscribeAll` requests
    /// get the current finalized synchronously.
    bootstrap_complete: bool,

    /// Subscribers of [`super::SyncService::subscribe_sync_status`] waiting for the initial
    /// bootstrap to complete. Drained, with a `Ready`, at the same time as
    /// [`Task::pending_subscriptions`].
    sync_status_subscribers: Vec<async_channel::Sender<super::SyncStatus>>,

    network_service: Arc<network_service::NetworkServiceChain<TPlat>>,
    from_network_service: Option<Pin<Box<async_channel::Receiver<network_service::Event>>>>,

    pending_requests: stream::FuturesUnordered<
        future::BoxFuture<'static, (all::RequestId, Result<RequestOutcome, future::Aborted>)>,
    >,
}

enum RequestOutcome {
    Block(Result<Vec<codec::BlockData>, network_service::BlocksRequestError>),
    Storage(Result<Vec<u8>, ()>),
    CallProof(Result<network::service::EncodedMerkleProof, ()>),
}

struct PendingSubscribeAll {
    send_back: oneshot::Sender<SubscribeAll>,
    buffer_size: usize,
    runtime_interest: bool,
}

fn respond_subscribe_all<TPlat: PlatformRef>(
    task: &mut Task<TPlat>,
    send_back: oneshot::Sender<SubscribeAll>,
    buffer_size: usize,
    runtime_interest: bool,
) {
    let Some(sync) = &task.sync else {
        unreachable!()
    };

    let (tx, new_blocks) = async_channel::bounded(buffer_size.saturating_sub(1));
    task.all_notifications.push(tx);

    let non_finalized_blocks_ancestry_order = sync
        .non_finalized_blocks_ancestry_order()
        .map(|h| {
            let scale_encoding = h.scale_encoding_vec(sync.block_number_bytes());
            BlockNotification {
                is_new_best: header::hash_from_scale_encoded_header(&scale_encoding)
                    == *sync.best_block_hash(),
                scale_encoded_header: scale_encoding,
                parent_hash: *h.parent_hash,
            }
        })
        .collect();

    let _ = send_back.send(SubscribeAll {
        finalized_block_scale_encoded_header: sync.finalized_block_header().to_vec(),
        finalized_block_runtime: if runtime_interest {
            task.known_finalized_runtime.take()
        } else {
            None
        },
        non_finalized_blocks_ancestry_order,
        new_blocks,
    });
}

fn drain_pending_subscriptions<TPlat: PlatformRef>(task: &mut Task<TPlat>) {
    while let Some(pending) = task.pending_subscriptions.pop_front() {
        respond_subscribe_all(
            task,
            pending.send_back,
            pending.buffer_size,
            pending.runtime_interest,
        );
    }
}

impl<TPlat: PlatformRef> Task<TPlat> {
    /// Sends a notification to all the notification receivers.
    fn dispatch_all_subscribers(&mut self, notification: Notification) {
        // Elements in `all_notifications` are removed one by one and inserted back if the
        // channel is still open and not full.
        for index in (0..self.all_notifications.len()).rev() {
            let subscription = self.all_notifications.swap_remove(index);
            // try_send can fail for two reasons: the receiver was dropped (closed), or its buffer is full.
            // Drop the subscriber in both cases: a closed one is already dead, and
            // keeping a full one would skip this notification, causing a gap in the stream.
            if subscription.try_send(notification.clone()).is_err() {
                continue;
            }

            self.all_notifications.push(subscription);
        }
    }
}

// Fetch the included parachain head from a finalized relay chain block.
async fn fetch_parachain_head_from_relay<TPlat: PlatformRef>(
    log_target: &str,
    platform: &TPlat,
    relay_chain_sync: &Arc<runtime_service::RuntimeService<TPlat>>,
    para_id: u32,
    block_number_bytes: usize,
) -> chain::chain_information::ValidChainInformation {
    let mut subscription = relay_chain_sync
        .subscribe_all(32, NonZero::<usize>::new(usize::MAX).unwrap())
        .await;

    // sync_service withholds the response until the bootstrap mode is committed, so the
    // initial finalized header is authoritative and safe to use directly.
    let mut next_finalized_hash = Some(header::hash_from_scale_encoded_header(
        &subscription.finalized_block_scale_encoded_header,
    ));

    loop {
        let finalized_hash = if let Some(h) = next_finalized_hash.take() {
            h
        } else {
            loop {
                match subscription.new_blocks.next().await {
                    Some(runtime_service::Notification::Finalized { hash, .. }) => {
                        break hash;
                    }
                    Some(_) => continue,
                    None => {
                        // Subscription died. Re-subscribe.
                        subscription = relay_chain_sync
                            .subscribe_all(32, NonZero::<usize>::new(usize::MAX).unwrap())
                            .await;
                        break header::hash_from_scale_encoded_header(
                            &subscription.finalized_block_scale_encoded_header,
                        );
                    }
                }
            }
        };

        log!(
            platform,
            Debug,
            log_target,
            format!(
                "Trying to fetch parachain head from relay block {}",
                HashDisplay(&finalized_hash)
            )
        );

        let pinned = relay_chain_sync
            .pin_pinned_block_runtime(subscription.new_blocks.id(), finalized_hash)
            .await;
        let (pinned_runtime, block_state_trie_root, block_number) = match pinned {
            Ok(v) => v,
            Err(_) => continue,
        };

        let call_result = relay_chain_sync
            .runtime_call(
                pinned_runtime,
                finalized_hash,
                block_number,
                block_state_trie_root,
                String::from(para::PERSISTED_VALIDATION_FUNCTION_NAME),
                None,
                para::persisted_validation_data_parameters(
                    para_id,
                    para::OccupiedCoreAssumption::TimedOut,
                )
                .fold(Vec::new(), |mut a, b| {
                    a.extend_from_slice(b.as_ref());
                    a
                }),
                6,
                Duration::from_secs(20),
                NonZero::<u32>::new(2).unwrap(),
            )
            .await;
        let success = match call_result {
            Ok(s) => s,
            Err(_) => continue,
        };

        let pvd = match para::decode_persisted_validation_data_return_value(
            &success.output,
            relay_chain_sync.block_number_bytes(),
        ) {
            Ok(Some(pvd)) => pvd,
            _ => continue,
        };

        let parachain_header_bytes = pvd.parent_head.to_vec();
        // `parent_head` is documented as opaque data, but for chains built on Cumulus (the vast
        // majority) it is a SCALE-encoded block header.
        let decoded_header = match header::decode(&parachain_header_bytes, block_number_bytes) {
            Ok(h) => h,
            Err(_) => continue,
        };

        log!(
            platform,
            Info,
            log_target,
            format!(
                "Got parachain head from relay chain: block #{}, hash {}",
                decoded_header.number,
                HashDisplay(&header::hash_from_scale_encoded_header(
                    &parachain_header_bytes
                ))
            )
        );

        let chain_info = chain::chain_information::ChainInformation {
            finalized_block_header: Box::new(decoded_header.into()),
            consensus: chain::chain_information::ChainInformationConsensus::Unknown,
            finality: chain::chain_information::ChainInformationFinality::Outsourced,
        };

        return chain::chain_information::ValidChainInformation::try_from(chain_info)
            .expect("parachain head from relay chain must be valid");
    }
}

struct BootstrappedParachain {
    chain_info: chain::chain_information::ValidChainInformation,
    finalized_runtime: FinalizedBlockRuntime,
}

/// Downloads the parachain runtime and determines Aura consensus parameters, trying each
/// connected peer in turn and rotating past any that fails. See issue #3290.
async fn bootstrap_parachain_consensus<TPlat: PlatformRef>(
    log_target: &str,
    platform: &TPlat,
    network_service: &Arc<network_service::NetworkServiceChain<TPlat>>,
    chain_info: &chain::chain_information::ValidChainInformation,
    block_number_bytes: usize,
    metrics: &Arc<crate::metrics::ChainMetrics>,
) -> Result<BootstrappedParachain, String> {
    let ci_ref = chain_info.as_ref();
    let block_hash = ci_ref.finalized_block_header.hash(block_number_bytes);

    log!(
        platform,
        Info,
        log_target,
        format!(
            "Bootstrapping parachain consensus from block #{} ({})",
            ci_ref.finalized_block_header.number,
            HashDisplay(&block_hash)
        )
    );

    let peers = connected_peers_or_wait(network_service).await;

    log!(
        platform,
        Trace,
        log_target,
        format!(
            "Attempting parachain runtime download from {} connected peer(s)",
            peers.len()
        )
    );

    first_successful_peer(peers, |peer_id| {
        attempt_bootstrap_with_peer(
            log_target,
            platform,
            network_service,
            chain_info,
            block_number_bytes,
            peer_id,
            metrics,
        )
    })
    .await
}

/// Returns a snapshot of the currently-connected peers, waiting for at least one if none yet.
async fn connected_peers_or_wait<TPlat: PlatformRef>(
    network_service: &Arc<network_service::NetworkServiceChain<TPlat>>,
) -> Vec<libp2p::PeerId> {
    // Subscribe before listing so a peer connecting in between isn't missed.
    let mut from_network = Box::pin(network_service.subscribe().await);

    let current = network_service.peers_list().await.collect::<Vec<_>>();
    if !current.is_empty() {
        return current;
    }

    loop {
        match from_network.next().await {
            Some(network_service::Event::Connected { .. }) => {
                return network_service.peers_list().await.collect();
            }
            Some(_) => continue,
            None => {
                from_network = Box::pin(network_service.subscribe().await);
            }
        }
    }
}

/// Tries `attempt` on each peer in turn, returning the first `Ok`; errors only once all fail.
async fn first_successful_peer<T, F, Fut>(
    peers: impl IntoIterator<Item = libp2p::PeerId>,
    mut attempt: F,
) -> Result<T, String>
where
    F: FnMut(libp2p::PeerId) -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let mut last_err = None;
    for peer in peers {
        match attempt(peer).await {
            Ok(value) => return Ok(value),
            Err(err) => last_err = Some(err),
        }
    }
    Err(last_err.unwrap_or_else(|| String::from("no peers connected")))
}

/// Downloads the parachain runtime from a single peer and determines Aura consensus parameters.
async fn attempt_bootstrap_with_peer<TPlat: PlatformRef>(
    log_target: &str,
    platform: &TPlat,
    network_service: &Arc<network_service::NetworkServiceChain<TPlat>>,
    chain_info: &chain::chain_information::ValidChainInformation,
    block_number_bytes: usize,
    peer_id: libp2p::PeerId,
    metrics: &Arc<crate::metrics::ChainMetrics>,
) -> Result<BootstrappedParachain, String> {
    let ci_ref = chain_info.as_ref();
    let state_root = *ci_ref.finalized_block_header.state_root;
    let block_hash = ci_ref.finalized_block_header.hash(block_number_bytes);

    log!(
        platform,
        Info,
        log_target,
        format!("Downloading parachain runtime from peer {peer_id}")
    );

    // Download :code and :heappages.
    let proof = network_service
        .clone()
        .storage_proof_request(
            peer_id.clone(),
            codec::StorageProofRequestConfig {
                block_hash,
                keys: [&b":code"[..], &b":heappages"[..]].into_iter(),
            },
            Duration::from_secs(60),
        )
        .await
        .map_err(|e| format!("Storage proof request failed: {e}"))?;

    let decoded_proof = trie::proof_decode::decode_and_verify_proof(trie::proof_decode::Config {
        proof: proof.decode().to_vec(),
    })
    .map_err(|e| format!("Failed to decode storage proof: {e}"))?;

    let code = decoded_proof
        .storage_value(&state_root, b":code")
        .map_err(|_| String::from("Proof doesn't contain :code"))?
        .ok_or_else(|| String::from("Runtime :code not found in storage"))?
        .0
        .to_vec();

    let heap_pages_raw = decoded_proof
        .storage_value(&state_root, b":heappages")
        .map_err(|_| String::from("Proof doesn't contain :heappages"))?;

    let storage_heap_pages = heap_pages_raw.map(|(v, _)| v.to_vec());

    let heap_pages = executor::storage_heap_pages_to_value(storage_heap_pages.as_deref())
        .map_err(|e| format!("Invalid :heappages value: {e}"))?;

    log!(
        platform,
        Info,
        log_target,
        format!(
            "Downloaded parachain runtime ({} bytes), compiling...",
            code.len()
        )
    );

    let before_compilation = platform.now();
    let vm = executor::host::HostVmPrototype::new(executor::host::Config {
        module: &code,
        heap_pages,
        exec_hint: executor::vm::ExecHint::CompileWithNonDeterministicValidation,
        allow_unresolved_imports: true,
    });
    metrics.observe_runtime_compilation(platform.now() - before_compilation, vm.is_ok());
    let vm = vm.map_err(|e| format!("Failed to compile runtime: {e}"))?;

    // AuraApi_slot_duration
    let (slot_duration, vm) = {
        let call_proof = network_service
            .clone()
            .call_proof_request(
                peer_id.clone(),
                codec::CallProofRequestConfig {
                    block_hash,
                    method: Cow::Borrowed("AuraApi_slot_duration"),
                    parameter_vectored: iter::empty::<Vec<u8>>(),
                },
                Duration::from_secs(16),
            )
            .await
            .map_err(|e| format!("AuraApi_slot_duration call proof request failed: {e}"))?;

        let decoded_call_proof =
            trie::proof_decode::decode_and_verify_proof(trie::proof_decode::Config {
                proof: call_proof.decode().to_vec(),
            })
            .map_err(|e| format!("Failed to decode slot_duration call proof: {e}"))?;

        let (output, vm) = run_single_runtime_call(
            vm,
            "AuraApi_slot_duration",
            &decoded_call_proof,
            &state_root,
        )?;

        let duration = <[u8; 8]>::try_from(output.as_slice())
            .ok()
            .and_then(|b| NonZero::<u64>::new(u64::from_le_bytes(b)))
            .ok_or_else(|| String::from("Failed to decode AuraApi_slot_duration output"))?;
        (duration, vm)
    };

    // AuraApi_authorities
    let (authorities, vm) = {
        let call_proof = network_service
            .clone()
            .call_proof_request(
                peer_id,
                codec::CallProofRequestConfig {
                    block_hash,
                    method: Cow::Borrowed("AuraApi_authorities"),
                    parameter_vectored: iter::empty::<Vec<u8>>(),
                },
                Duration::from_secs(16),
            )
            .await
            .map_err(|e| format!("AuraApi_authorities call proof request failed: {e}"))?;

        let decoded_call_proof =
            trie::proof_decode::decode_and_verify_proof(trie::proof_decode::Config {
                proof: call_proof.decode().to_vec(),
            })
            .map_err(|e| format!("Failed to decode authorities call proof: {e}"))?;

        let (output, vm) =
            run_single_runtime_call(vm, "AuraApi_authorities", &decoded_call_proof, &state_root)?;

        let auths = header::AuraAuthoritiesIter::decode(&output)
            .map_err(|_| String::from("Failed to decode AuraApi_authorities output"))?
            .map(header::AuraAuthority::from)
            .collect::<Vec<_>>();
        (auths, vm)
    };

    log!(
        platform,
        Info,
        log_target,
        format!(
            "Parachain uses Aura consensus (slot_duration={}ms, authorities={})",
            slot_duration,
            authorities.len()
        )
    );

    let new_chain_info = chain::chain_information::ChainInformation {
        finalized_block_header: Box::new(ci_ref.finalized_block_header.into()),
        consensus: chain::chain_information::ChainInformationConsensus::Aura {
            finalized_authorities_list: authorities,
            slot_duration,
        },
        finality: chain::chain_information::ChainInformationFinality::Outsourced,
    };

    let chain_info = chain::chain_information::ValidChainInformation::try_from(new_chain_info)
        .map_err(|e| format!("Invalid chain information: {e}"))?;

    Ok(BootstrappedParachain {
        chain_info,
        finalized_runtime: FinalizedBlockRuntime {
            virtual_machine: vm,
            storage_code: Some(code),
            storage_heap_pages,
            // Only consumed by the warp-sync fast path (relay chains); the parachain
            // sync path has no hint field and drops it. Can be extracted from
            // `decoded_proof` via `closest_descendant_merkle_value` if ever needed.
            code_merkle_value: None,
            closest_ancestor_excluding: None,
        },
    })
}

/// Runs a single runtime call, serving storage reads from the given proof.
/// Returns the call output and the VM prototype, which can be reused for subsequent calls.
fn run_single_runtime_call(
    vm: executor::host::HostVmPrototype,
    function_name: &str,
    proof: &trie::proof_decode::DecodedTrieProof<Vec<u8>>,
    state_root: &[u8; 32],
) -> Result<(Vec<u8>, executor::host::HostVmPrototype), String> {
    let mut call = executor::runtime_call::run(executor::runtime_call::Config {
        virtual_machine: vm,
        function_to_call: function_name,
        parameter: iter::empty::<Vec<u8>>(),
        storage_main_trie_changes: Default::default(),
        storage_proof_size_behavior:
            executor::runtime_call::StorageProofSizeBehavior::proof_recording_disabled(),
        max_log_level: 0,
        calculate_trie_changes: false,
    })
    .map_err(|(err, _)| format!("Failed to start {function_name}: {err}"))?;

    loop {
        match call {
            executor::runtime_call::RuntimeCall::Finished(Ok(success)) => {
                let output = success.virtual_machine.value().as_ref().to_vec();
                let vm = success.virtual_machine.into_prototype();
                return Ok((output, vm));
            }
            executor::runtime_call::RuntimeCall::Finished(Err(err)) => {
                return Err(format!("{function_name} execution error: {}", err.detail));
            }
            executor::runtime_call::RuntimeCall::StorageGet(get) => {
                let child_trie = get.child_trie().map(|c| c.as_ref().to_vec());
                let trie_root = if let Some(child_trie) = &child_trie {
                    let key = smoldot::trie::default_child_trie_root_key(child_trie);
                    match proof.storage_value(state_root, &key) {
                        Ok(Some((value, _))) => match <&[u8; 32]>::try_from(value) {
                            Ok(hash) => Some(*hash),
                            Err(_) => {
                                return Err(format!("{function_name}: invalid child trie root"));
                            }
                        },
                        Ok(None) => None,
                        Err(_) => {
                            return Err(format!("{function_name}: proof missing child trie root"));
                        }
                    }
                } else {
                    Some(*state_root)
                };

                let storage_value = if let Some(trie_root) = &trie_root {
                    proof.storage_value(trie_root, get.key().as_ref())
                } else {
                    Ok(None)
                };
                let Ok(storage_value) = storage_value else {
                    return Err(format!("{function_name}: proof missing entry for key"));
                };
                call = get.inject_value(storage_value.map(|(val, vers)| (iter::once(val), vers)));
            }
            executor::runtime_call::RuntimeCall::ClosestDescendantMerkleValue(mv) => {
                let merkle_value = proof.closest_descendant_merkle_value(state_root, mv.key());
                let Ok(merkle_value) = merkle_value else {
                    return Err(format!("{function_name}: proof missing merkle value"));
                };
                call = mv.inject_merkle_value(merkle_value);
            }
            executor::runtime_call::RuntimeCall::NextKey(nk) => {
                let next_key = proof.next_key(
                    state_root,
                    nk.key(),
                    nk.or_equal(),
                    nk.prefix(),
                    nk.branch_nodes(),
                );
                let Ok(next_key) = next_key else {
                    return Err(format!("{function_name}: proof missing next key"));
                };
                call = nk.inject_key(next_key);
            }
            executor::runtime_call::RuntimeCall::SignatureVerification(sig) => {
                call = sig.verify_and_resume();
            }
            executor::runtime_call::RuntimeCall::LogEmit(log) => {
                call = log.resume();
            }
            executor::runtime_call::RuntimeCall::OffchainStorageSet(req) => {
                call = req.resume();
            }
            executor::runtime_call::RuntimeCall::Offchain(_) => {
                return Err(format!("{function_name}: forbidden offchain host function"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Peer-rotation driver tests for the #3290 regression.

    use super::first_successful_peer;
    use alloc::{string::String, vec, vec::Vec};
    use core::cell::RefCell;
    use futures_lite::future::block_on;
    use smoldot::libp2p::peer_id::PeerId;

    // Two distinct, valid PeerIds.
    const PEER_A: &str = "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
    const PEER_B: &str = "12D3KooWQk1yQtG1YugyKjiQf6KNk8VjGGAT5xy1FWcnRKN4yXYJ";

    fn peer(s: &str) -> PeerId {
        PeerId::from_bytes(bs58::decode(s).into_vec().unwrap()).unwrap()
    }

    // Reproduces #3290: first peer fails, driver must rotate to the next and succeed.
    #[test]
    fn rotates_past_peer_that_cannot_answer() {
        let a = peer(PEER_A);
        let b = peer(PEER_B);
        let failing = a.clone();
        let tried = RefCell::new(Vec::new());

        let result = block_on(first_successful_peer([a.clone(), b.clone()], |peer_id| {
            let tried = &tried;
            let failing = &failing;
            async move {
                tried.borrow_mut().push(peer_id.clone());
                if peer_id == *failing {
                    Err(String::from(
                        "Storage proof request failed: RemoteCouldntAnswer",
                    ))
                } else {
                    Ok(peer_id)
                }
            }
        }));

        assert_eq!(result, Ok(b.clone()));
        assert_eq!(*tried.borrow(), vec![a, b]);
    }

    // Every peer fails: driver errors (letting the caller retry later) after trying each once.
    #[test]
    fn errors_after_trying_every_peer() {
        let a = peer(PEER_A);
        let b = peer(PEER_B);
        let tried = RefCell::new(Vec::new());

        let result: Result<PeerId, String> = block_on(first_successful_peer([a, b], |peer_id| {
            let tried = &tried;
            async move {
                tried.borrow_mut().push(peer_id);
                Err(String::from("RemoteCouldntAnswer"))
            }
        }));

        assert!(result.is_err());
        assert_eq!(tried.borrow().len(), 2);
    }

    // No peers: driver errors without invoking the attempt.
    #[test]
    fn errors_when_no_peers() {
        let result: Result<PeerId, String> = block_on(first_successful_peer(
            core::iter::empty(),
            |peer_id| async move { Ok(peer_id) },
        ));
        assert!(result.is_err());
    }

    // Happy path: first peer answers, so only one attempt is made.
    #[test]
    fn uses_first_peer_when_it_succeeds() {
        let a = peer(PEER_A);
        let b = peer(PEER_B);
        let attempts = RefCell::new(0usize);

        let result = block_on(first_successful_peer([a.clone(), b], |peer_id| {
            let attempts = &attempts;
            async move {
                *attempts.borrow_mut() += 1;
                Ok(peer_id)
            }
        }));

        assert_eq!(result, Ok(a));
        assert_eq!(*attempts.borrow(), 1);
    }
}
