//! The devnode's libp2p side, sans I/O: smoldot's connection collection (noise, yamux,
//! multistream-select, ping) plus the Substrate protocols a light client uses, answered from a
//! [`Backend`]. Sockets, threads and clocks live in [`crate::net_io`].
//!
//! Why not smoldot's `ChainNetwork`: it refuses inbound light-client (`/light/2`) and warp-sync
//! requests, and a light client cannot sync without both. The collection underneath it is public
//! and protocol-agnostic, so this module keeps its own small protocol table on top of it.
//!
//! Left out: Kademlia (the light client finds the devnode from the spec's boot nodes), state
//! requests (full-node sync), block-announce validation of other peers' blocks (the devnode is
//! the only author), and GRANDPA votes (one voter; its justifications are final).

mod backend;
pub mod protobuf;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use smoldot::libp2p::collection::{self, ConnectionId, SubstreamId};
use smoldot::libp2p::connection::NoiseKey;
use smoldot::libp2p::peer_id::{PeerId, PublicKey};
use smoldot::network::codec;

pub use smoldot::libp2p::collection::{
    ConnectionToCoordinator, CoordinatorToConnection, SingleStreamConnectionTask,
};

use self::protobuf::LightRequest;

/// A block as the network serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockData {
    /// SCALE-encoded header.
    pub header: Vec<u8>,
    /// Extrinsics, each with its length prefix.
    pub body: Vec<Vec<u8>>,
    /// GRANDPA justification, when the block was finalized explicitly.
    pub justification: Option<Vec<u8>>,
}

/// What the network needs from the chain. Implemented by [`crate::Chain`]; tests may fake it.
pub trait Backend {
    /// Hash of block 0.
    fn genesis_hash(&self) -> [u8; 32];
    /// Bytes of a block number in headers (4 for subtensor).
    fn block_number_bytes(&self) -> usize;
    /// Number and hash of the best block.
    fn best(&self) -> (u64, [u8; 32]);
    /// Number and hash of the finalized block.
    fn finalized(&self) -> (u64, [u8; 32]);
    /// GRANDPA authority set id.
    fn grandpa_set_id(&self) -> u64;
    /// Blocks that enacted an authority-set change, in order (see `Chain::set_changes`).
    fn set_changes(&self) -> Vec<u64>;
    /// The id of the set whose votes finalize block `number` (a change block's is the set it
    /// ends; see `Chain::set_id_finalizing`).
    fn set_id_finalizing(&self, number: u64) -> u64;
    /// Number of a known block.
    fn number_of(&self, hash: &[u8; 32]) -> Option<u64>;
    /// Header, body and GRANDPA justification of the block at `number`.
    fn block_data(&self, number: u64) -> Option<BlockData>;
    /// Storage proof of `keys` at `block`.
    fn storage_proof(&self, block: &[u8; 32], keys: &[Vec<u8>]) -> Result<Vec<u8>, String>;
    /// Call proof of `method(parameter)` at `block`.
    fn call_proof(
        &mut self,
        block: &[u8; 32],
        method: &str,
        parameter: &[u8],
    ) -> Result<Vec<u8>, String>;
    /// Queue a transaction gossiped by a peer for the next block.
    fn submit_transaction(&mut self, extrinsic: Vec<u8>);
}

/// Most blocks one block request is answered with (Substrate's own cap is 128).
const MAX_BLOCKS_PER_RESPONSE: u64 = 128;
/// Largest notification accepted from a peer.
const MAX_NOTIFICATION_SIZE: usize = 1024 * 1024;
/// libp2p's ping protocol.
const PING_PROTOCOL: &str = "/ipfs/ping/1.0.0";
/// GRANDPA round reported in neighbor packets; the devnode's single voter never needs another.
const GRANDPA_ROUND: u64 = 1;

/// Protocols the devnode serves on a substream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Protocol {
    Identify,
    BlockAnnounces,
    Transactions,
    Grandpa,
    Sync,
    Light,
    Warp,
}

impl Protocol {
    fn notifications(self) -> bool {
        matches!(
            self,
            Protocol::BlockAnnounces | Protocol::Transactions | Protocol::Grandpa
        )
    }
}

/// State of one connection.
#[derive(Debug, Default)]
struct Peer {
    peer_id: Option<PeerId>,
    /// Our outbound notification substreams, with whether the remote accepted them yet.
    out: HashMap<Protocol, (SubstreamId, bool)>,
}

/// Something worth printing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetEvent {
    /// A connection finished its noise/yamux handshake.
    Connected(String),
    /// A connection is gone.
    Disconnected(String),
    /// A request was answered or refused.
    Served {
        /// Protocol name in short.
        protocol: &'static str,
        /// What was asked, in short.
        what: String,
        /// `Err` with the reason when refused.
        outcome: Result<usize, String>,
    },
    /// A peer sent something malformed; the connection stays up.
    Garbage(String),
}

/// The sans-I/O network state machine.
pub struct Network {
    inner: collection::Network<Peer, Instant>,
    noise_key: NoiseKey,
    peer_id: PeerId,
    genesis: [u8; 32],
    block_number_bytes: usize,
    listen_addrs: Vec<Vec<u8>>,
    /// Protocol of every accepted inbound substream.
    substreams: HashMap<SubstreamId, (ConnectionId, Protocol)>,
    /// Our outbound substreams, to their connection and protocol.
    outbound: HashMap<SubstreamId, (ConnectionId, Protocol)>,
    established: HashSet<ConnectionId>,
}

impl core::fmt::Debug for Network {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Network")
            .field("peer_id", &self.peer_id.to_base58())
            .field("connections", &self.inner.len())
            .finish()
    }
}

impl Network {
    /// A network with the node identity derived from `identity_seed` (stable peer id across
    /// restarts, so the boot node written into the chain spec stays valid).
    pub fn new(backend: &dyn Backend, identity_seed: [u8; 32], listen_addrs: &[String]) -> Self {
        let libp2p_secret = blake2(b"taoscope devnode libp2p", &identity_seed);
        let noise_secret = blake2(b"taoscope devnode noise", &identity_seed);
        let noise_key = NoiseKey::new(&libp2p_secret, &noise_secret);
        let peer_id =
            PeerId::from_public_key(&PublicKey::Ed25519(*noise_key.libp2p_public_ed25519_key()));
        let mut network = Network {
            inner: collection::Network::new(collection::Config {
                randomness_seed: blake2(b"taoscope devnode rng", &identity_seed),
                capacity: 16,
                max_inbound_substreams: 64,
                max_protocol_name_len: 128,
                handshake_timeout: Duration::from_secs(10),
                ping_protocol: PING_PROTOCOL.into(),
            }),
            noise_key,
            peer_id,
            genesis: backend.genesis_hash(),
            block_number_bytes: backend.block_number_bytes(),
            listen_addrs: Vec::new(),
            substreams: HashMap::new(),
            outbound: HashMap::new(),
            established: HashSet::new(),
        };
        network.set_listen_addrs(listen_addrs);
        network
    }

    /// The node's peer id, for `/p2p/<peer id>` in boot node addresses.
    pub fn peer_id(&self) -> String {
        self.peer_id.to_base58()
    }

    /// Addresses reported to peers by identify: the boot nodes without their `/p2p/<peer id>`
    /// suffix (a peer that keeps the suffixed form as a dialable address drops it later and
    /// then disconnects for lack of an address).
    pub fn set_listen_addrs(&mut self, listen_addrs: &[String]) {
        self.listen_addrs = listen_addrs
            .iter()
            .map(|a| a.split("/p2p/").next().unwrap_or(a))
            .filter_map(|a| a.parse::<smoldot::libp2p::Multiaddr>().ok())
            .map(|a| a.as_ref().to_vec())
            .collect();
    }

    /// Number of connections whose handshake finished.
    pub fn peer_count(&self) -> usize {
        self.established.len()
    }

    /// Registers an inbound connection; the returned task runs its I/O (see `net_io`).
    pub fn add_inbound(
        &mut self,
        now: Instant,
    ) -> (ConnectionId, SingleStreamConnectionTask<Instant>) {
        self.inner.insert_single_stream(
            now,
            collection::SingleStreamHandshakeKind::MultistreamSelectNoiseYamux {
                is_initiator: false,
                noise_key: &self.noise_key,
            },
            32,
            Peer::default(),
        )
    }

    /// Hands a message from a connection task to the state machine.
    pub fn inject(&mut self, id: ConnectionId, message: ConnectionToCoordinator) {
        self.inner.inject_connection_message(id, message);
    }

    /// A message for a connection task, if any is queued.
    pub fn pull_message(&mut self) -> Option<(ConnectionId, CoordinatorToConnection)> {
        self.inner.pull_message_to_connection()
    }

    fn protocol_name(&self, protocol: Protocol) -> String {
        let genesis_hash = self.genesis;
        let name = match protocol {
            Protocol::Identify => codec::ProtocolName::Identify,
            Protocol::BlockAnnounces => codec::ProtocolName::BlockAnnounces {
                genesis_hash,
                fork_id: None,
            },
            Protocol::Transactions => codec::ProtocolName::Transactions {
                genesis_hash,
                fork_id: None,
            },
            Protocol::Grandpa => codec::ProtocolName::Grandpa {
                genesis_hash,
                fork_id: None,
            },
            Protocol::Sync => codec::ProtocolName::Sync {
                genesis_hash,
                fork_id: None,
            },
            Protocol::Light => codec::ProtocolName::Light {
                genesis_hash,
                fork_id: None,
            },
            Protocol::Warp => codec::ProtocolName::SyncWarp {
                genesis_hash,
                fork_id: None,
            },
        };
        codec::encode_protocol_name_string(name)
    }

    fn parse_protocol(&self, name: &str) -> Option<Protocol> {
        let ours = |g: [u8; 32], fork: Option<&str>| g == self.genesis && fork.is_none();
        Some(match codec::decode_protocol_name(name).ok()? {
            codec::ProtocolName::Identify => Protocol::Identify,
            codec::ProtocolName::BlockAnnounces {
                genesis_hash,
                fork_id,
            } if ours(genesis_hash, fork_id) => Protocol::BlockAnnounces,
            codec::ProtocolName::Transactions {
                genesis_hash,
                fork_id,
            } if ours(genesis_hash, fork_id) => Protocol::Transactions,
            codec::ProtocolName::Grandpa {
                genesis_hash,
                fork_id,
            } if ours(genesis_hash, fork_id) => Protocol::Grandpa,
            codec::ProtocolName::Sync {
                genesis_hash,
                fork_id,
            } if ours(genesis_hash, fork_id) => Protocol::Sync,
            codec::ProtocolName::Light {
                genesis_hash,
                fork_id,
            } if ours(genesis_hash, fork_id) => Protocol::Light,
            codec::ProtocolName::SyncWarp {
                genesis_hash,
                fork_id,
            } if ours(genesis_hash, fork_id) => Protocol::Warp,
            _ => return None,
        })
    }

    fn handshake(&self, backend: &dyn Backend, protocol: Protocol) -> Vec<u8> {
        match protocol {
            Protocol::BlockAnnounces => {
                let (best_number, best_hash) = backend.best();
                concat(codec::encode_block_announces_handshake(
                    codec::BlockAnnouncesHandshakeRef {
                        best_hash: &best_hash,
                        best_number,
                        role: codec::Role::Authority,
                        genesis_hash: &self.genesis,
                    },
                    self.block_number_bytes,
                ))
            }
            _ => codec::Role::Authority.scale_encoding().to_vec(),
        }
    }

    /// Processes everything the connections reported; answers requests from `backend`.
    pub fn process(&mut self, backend: &mut dyn Backend) -> Vec<NetEvent> {
        let mut events = Vec::new();
        let trace = std::env::var_os("DEVNODE_TRACE").is_some();
        while let Some(event) = self.inner.next_event() {
            if trace {
                let text = format!("{event:?}");
                eprintln!("[net] {}", &text[..text.len().min(200)]);
            }
            match event {
                collection::Event::HandshakeFinished { id, peer_id } => {
                    events.push(NetEvent::Connected(peer_id.to_base58()));
                    self.inner[id].peer_id = Some(peer_id);
                    self.established.insert(id);
                }
                collection::Event::StartShutdown { .. } => {}
                collection::Event::Shutdown { id, user_data, .. } => {
                    self.established.remove(&id);
                    self.substreams.retain(|_, (c, _)| *c != id);
                    self.outbound.retain(|_, (c, _)| *c != id);
                    if let Some(peer) = user_data.peer_id {
                        events.push(NetEvent::Disconnected(peer.to_base58()));
                    }
                }
                collection::Event::InboundError { error, .. } => {
                    events.push(NetEvent::Garbage(error.to_string()));
                }
                collection::Event::InboundNegotiated {
                    substream_id,
                    protocol_name,
                    ..
                } if protocol_name == PING_PROTOCOL => {
                    // Peers ping every few seconds and give up on a connection whose pings
                    // fail; the connection task answers them itself once accepted.
                    self.inner
                        .accept_inbound(substream_id, collection::InboundTy::Ping);
                }
                collection::Event::InboundNegotiated {
                    substream_id,
                    protocol_name,
                    ..
                } if protocol_name.starts_with("/ipfs/bitswap/") => {
                    // Accepted and left idle: smoldot-light opens Bitswap on every peer, and a
                    // refusal makes it redial later, find the address already in use, and ban
                    // the peer for ten seconds. The devnode has no content to offer.
                    self.inner
                        .accept_inbound(substream_id, collection::InboundTy::Bitswap);
                }
                collection::Event::InboundNegotiated {
                    id,
                    substream_id,
                    protocol_name,
                } => match self.parse_protocol(&protocol_name) {
                    Some(protocol) => {
                        let ty = match protocol {
                            Protocol::Identify => collection::InboundTy::Request {
                                request_max_size: None,
                            },
                            p if p.notifications() => collection::InboundTy::Notifications {
                                max_handshake_size: 64 * 1024,
                            },
                            _ => collection::InboundTy::Request {
                                request_max_size: Some(64 * 1024),
                            },
                        };
                        self.inner.accept_inbound(substream_id, ty);
                        self.substreams.insert(substream_id, (id, protocol));
                    }
                    None => self.inner.reject_inbound(substream_id),
                },
                collection::Event::InboundNegotiatedCancel { substream_id }
                | collection::Event::InboundAcceptedCancel { substream_id }
                | collection::Event::RequestInCancel { substream_id }
                | collection::Event::NotificationsInOpenCancel { substream_id } => {
                    self.substreams.remove(&substream_id);
                }
                collection::Event::RequestIn {
                    substream_id,
                    request_payload,
                } => {
                    let Some(&(_, protocol)) = self.substreams.get(&substream_id) else {
                        continue;
                    };
                    let (name, what, response) = self.answer(backend, protocol, &request_payload);
                    events.push(NetEvent::Served {
                        protocol: name,
                        what,
                        outcome: response.as_ref().map(Vec::len).map_err(Clone::clone),
                    });
                    self.inner
                        .respond_in_request(substream_id, response.map_err(|_| ()));
                    self.substreams.remove(&substream_id);
                }
                collection::Event::NotificationsInOpen {
                    substream_id,
                    remote_handshake,
                } => {
                    let Some(&(id, protocol)) = self.substreams.get(&substream_id) else {
                        continue;
                    };
                    if protocol == Protocol::BlockAnnounces
                        && codec::decode_block_announces_handshake(
                            self.block_number_bytes,
                            &remote_handshake,
                        )
                        .map_or(true, |h| *h.genesis_hash != self.genesis)
                    {
                        events.push(NetEvent::Garbage("bad block-announces handshake".into()));
                        self.inner.reject_in_notifications(substream_id);
                        self.substreams.remove(&substream_id);
                        continue;
                    }
                    let handshake = self.handshake(backend, protocol);
                    self.inner.accept_in_notifications(
                        substream_id,
                        handshake,
                        MAX_NOTIFICATION_SIZE,
                    );
                    self.open_out(backend, id, protocol);
                }
                collection::Event::NotificationsIn {
                    substream_id,
                    notification,
                } => {
                    if let Some(&(_, Protocol::Transactions)) = self.substreams.get(&substream_id) {
                        match decode_transactions(&notification) {
                            Some(list) => list
                                .into_iter()
                                .for_each(|tx| backend.submit_transaction(tx)),
                            None => events.push(NetEvent::Garbage(
                                "undecodable transactions notification".into(),
                            )),
                        }
                    }
                }
                collection::Event::NotificationsInClose { substream_id, .. } => {
                    self.substreams.remove(&substream_id);
                }
                collection::Event::NotificationsOutResult {
                    substream_id,
                    result,
                } => {
                    let Some(&(id, protocol)) = self.outbound.get(&substream_id) else {
                        continue;
                    };
                    if result.is_ok() {
                        if let Some(slot) = self.inner[id].out.get_mut(&protocol) {
                            slot.1 = true;
                        }
                        if protocol == Protocol::Grandpa {
                            self.send_neighbor(backend, substream_id);
                        }
                    } else {
                        self.outbound.remove(&substream_id);
                        self.inner[id].out.remove(&protocol);
                    }
                }
                collection::Event::NotificationsOutCloseDemanded { substream_id } => {
                    // The remote wants our substream closed; it is still ours to close.
                    if let Some((id, protocol)) = self.outbound.remove(&substream_id) {
                        self.inner[id].out.remove(&protocol);
                        self.inner.close_out_notifications(substream_id);
                    }
                }
                collection::Event::NotificationsOutReset { substream_id } => {
                    // Already gone: only forget it.
                    if let Some((id, protocol)) = self.outbound.remove(&substream_id) {
                        self.inner[id].out.remove(&protocol);
                    }
                }
                collection::Event::Response { .. }
                | collection::Event::BitswapInOpen { .. }
                | collection::Event::BitswapIn { .. }
                | collection::Event::BitswapInClose { .. }
                | collection::Event::BitswapOutOpenResult { .. }
                | collection::Event::BitswapOutClose { .. }
                | collection::Event::PingOutSuccess { .. }
                | collection::Event::PingOutFailed { .. } => {}
            }
        }
        events
    }

    /// Opens our side of a notification protocol the remote opened, once per connection.
    fn open_out(&mut self, backend: &dyn Backend, id: ConnectionId, protocol: Protocol) {
        if !self.established.contains(&id) || self.inner[id].out.contains_key(&protocol) {
            return;
        }
        let name = self.protocol_name(protocol);
        let handshake = self.handshake(backend, protocol);
        let substream = self.inner.open_out_notifications(
            id,
            name,
            Duration::from_secs(10),
            handshake,
            64 * 1024,
        );
        self.inner[id].out.insert(protocol, (substream, false));
        self.outbound.insert(substream, (id, protocol));
    }

    fn send_neighbor(&mut self, backend: &dyn Backend, substream: SubstreamId) {
        let packet = codec::GrandpaNotificationRef::Neighbor(codec::NeighborPacket {
            round_number: GRANDPA_ROUND,
            set_id: backend.grandpa_set_id(),
            commit_finalized_height: backend.finalized().0,
        });
        let bytes = concat(packet.scale_encoding(self.block_number_bytes));
        // A full queue only delays the news until the next block.
        let _ = self.inner.queue_notification(substream, bytes);
    }

    /// Tells every peer about a new best block, the finalized height (neighbor packet) and the
    /// finalized block's commit, which light clients verify and finalize on at once.
    pub fn announce(&mut self, backend: &dyn Backend, header: &[u8]) {
        let announce = concat(codec::encode_block_announce(codec::BlockAnnounceRef {
            scale_encoded_header: header,
            is_best: true,
        }));
        let open: Vec<(Protocol, SubstreamId)> = self
            .outbound
            .iter()
            .map(|(&s, &(id, p))| (id, p, s))
            .filter(|(id, p, _)| self.inner[*id].out.get(p).is_some_and(|o| o.1))
            .map(|(_, p, s)| (p, s))
            .collect();
        let (finalized, _) = backend.finalized();
        let commit = backend
            .block_data(finalized)
            .and_then(|b| b.justification)
            .and_then(|j| {
                crate::grandpa::commit_notification(
                    &j,
                    backend.set_id_finalizing(finalized),
                    self.block_number_bytes,
                )
            });
        for (protocol, substream) in open {
            match protocol {
                Protocol::BlockAnnounces => {
                    let _ = self.inner.queue_notification(substream, announce.clone());
                }
                Protocol::Grandpa => {
                    self.send_neighbor(backend, substream);
                    if let Some(commit) = &commit {
                        let _ = self.inner.queue_notification(substream, commit.clone());
                    }
                }
                _ => {}
            }
        }
    }

    /// Answers one request; returns the protocol's short name, what was asked and the response.
    fn answer(
        &self,
        backend: &mut dyn Backend,
        protocol: Protocol,
        payload: &[u8],
    ) -> (&'static str, String, Result<Vec<u8>, String>) {
        match protocol {
            Protocol::Identify => ("identify", String::new(), Ok(self.identify())),
            Protocol::Sync => {
                let (what, response) =
                    match codec::decode_block_request(self.block_number_bytes, payload) {
                        Ok(request) => (
                            describe_start(&request.start),
                            self.blocks(backend, &request),
                        ),
                        Err(e) => (String::new(), Err(format!("bad block request: {e}"))),
                    };
                ("sync", what, response)
            }
            Protocol::Warp => {
                let what = hex::encode(payload.get(..4).unwrap_or(payload));
                ("warp", what, self.warp(backend, payload))
            }
            Protocol::Light => match protobuf::decode_light_request(payload) {
                Ok(LightRequest::Read { block, keys }) => {
                    let what = format!("read {} keys", keys.len());
                    let proof = hash32(&block)
                        .and_then(|b| backend.storage_proof(&b, &keys))
                        .map(|p| protobuf::encode_light_response(false, &p));
                    ("light", what, proof)
                }
                Ok(LightRequest::Call {
                    block,
                    method,
                    data,
                }) => {
                    let proof = hash32(&block)
                        .and_then(|b| backend.call_proof(&b, &method, &data))
                        .map(|p| protobuf::encode_light_response(true, &p));
                    ("light", format!("call {method}"), proof)
                }
                Ok(LightRequest::Unsupported(kind)) => (
                    "light",
                    format!("request kind {kind}"),
                    Err("not served".into()),
                ),
                Err(e) => ("light", String::new(), Err(e.to_string())),
            },
            Protocol::BlockAnnounces | Protocol::Transactions | Protocol::Grandpa => {
                ("?", String::new(), Err("not a request protocol".into()))
            }
        }
    }

    fn identify(&self) -> Vec<u8> {
        let protocols: Vec<String> = [
            Protocol::BlockAnnounces,
            Protocol::Transactions,
            Protocol::Grandpa,
            Protocol::Sync,
            Protocol::Light,
            Protocol::Warp,
        ]
        .into_iter()
        .map(|p| self.protocol_name(p))
        .collect();
        concat(codec::build_identify_response(codec::IdentifyResponse {
            protocol_version: "/substrate/1.0",
            agent_version: concat!("taoscope-devnode/", env!("CARGO_PKG_VERSION")),
            ed25519_public_key: *self.noise_key.libp2p_public_ed25519_key(),
            listen_addrs: self.listen_addrs.iter().map(Vec::as_slice),
            observed_addr: &[],
            protocols: protocols.iter().map(String::as_str),
        }))
    }

    fn blocks(
        &self,
        backend: &dyn Backend,
        request: &codec::BlocksRequestConfig,
    ) -> Result<Vec<u8>, String> {
        let first = match &request.start {
            codec::BlocksRequestConfigStart::Number(n) => *n,
            codec::BlocksRequestConfigStart::Hash(h) => {
                backend.number_of(h).ok_or("unknown block hash")?
            }
        };
        let count = u64::from(request.desired_count.get()).min(MAX_BLOCKS_PER_RESPONSE);
        let numbers: Vec<u64> = match request.direction {
            codec::BlocksRequestDirection::Ascending => {
                (first..first.saturating_add(count)).collect()
            }
            codec::BlocksRequestDirection::Descending => {
                (first.saturating_sub(count - 1)..=first).rev().collect()
            }
        };
        let mut out = Vec::new();
        for number in numbers {
            let Some(BlockData {
                header,
                body,
                justification,
            }) = backend.block_data(number)
            else {
                break;
            };
            let hash = smoldot::header::hash_from_scale_encoded_header(&header);
            out.push(codec::BlockData {
                hash,
                header: request.fields.header.then_some(header),
                body: request.fields.body.then_some(body),
                justifications: request.fields.justifications.then(|| {
                    justification
                        .map(|j| codec::Justification {
                            engine_id: *b"FRNK",
                            justification: j,
                        })
                        .into_iter()
                        .collect()
                }),
            });
        }
        if out.is_empty() {
            return Err("no such block".into());
        }
        Ok(concat(codec::build_block_response(out)))
    }

    /// The fragments from `start` to the finalized block: each authority-set change block
    /// after `start` with its justification (signed by the set it ends), then the finalized
    /// block, so that a client that knows the set at `start` can verify every step.
    fn warp(&self, backend: &dyn Backend, payload: &[u8]) -> Result<Vec<u8>, String> {
        let start = hash32(payload)?;
        let start_number = backend
            .number_of(&start)
            .ok_or("unknown warp start block")?;
        let (finalized, _) = backend.finalized();
        let mut steps: Vec<u64> = backend
            .set_changes()
            .into_iter()
            .filter(|&n| n > start_number && n <= finalized)
            .collect();
        if finalized > start_number && steps.last() != Some(&finalized) {
            steps.push(finalized);
        }
        let fragments: Vec<(Vec<u8>, Vec<u8>)> = steps
            .into_iter()
            .filter_map(|n| {
                let block = backend.block_data(n)?;
                Some((block.header, block.justification?))
            })
            .collect();
        let mut out = crate::scale::compact(fragments.len());
        for (header, justification) in fragments {
            out.extend(header);
            out.extend(justification);
        }
        // `is_finished`: every fragment up to the finalized block is in this answer.
        out.push(1);
        Ok(out)
    }
}

fn describe_start(start: &codec::BlocksRequestConfigStart) -> String {
    match start {
        codec::BlocksRequestConfigStart::Number(n) => format!("from #{n}"),
        codec::BlocksRequestConfigStart::Hash(h) => format!("from 0x{}", hex::encode(&h[..4])),
    }
}

fn hash32(bytes: &[u8]) -> Result<[u8; 32], String> {
    <[u8; 32]>::try_from(bytes).map_err(|_| format!("block hash of {} bytes", bytes.len()))
}

fn concat(parts: impl Iterator<Item = impl AsRef<[u8]>>) -> Vec<u8> {
    parts.fold(Vec::new(), |mut a, b| {
        a.extend_from_slice(b.as_ref());
        a
    })
}

fn blake2(context: &[u8], seed: &[u8; 32]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(blake2_rfc::blake2b::blake2b(32, context, seed).as_bytes());
    out
}

/// A transactions notification: SCALE `Vec<Extrinsic>`, each extrinsic itself a length-prefixed
/// byte string, kept with its prefix as block bodies keep them.
fn decode_transactions(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (count, mut rest) = crate::scale::take_compact(bytes)?;
    let mut out = Vec::new();
    for _ in 0..count {
        let (len, after) = crate::scale::take_compact(rest)?;
        let len = usize::try_from(len).ok()?;
        let prefix = rest.len() - after.len();
        let item = rest.get(..prefix + len)?;
        out.push(item.to_vec());
        rest = &rest[prefix + len..];
    }
    rest.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A transactions notification as Substrate encodes it: a SCALE list of extrinsics, each
    /// extrinsic itself length-prefixed.
    fn notification(extrinsics: &[Vec<u8>]) -> Vec<u8> {
        let mut out = crate::scale::compact(extrinsics.len());
        for x in extrinsics {
            out.extend(crate::scale::compact(x.len()));
            out.extend(x);
        }
        out
    }

    #[test]
    fn gossiped_transactions_keep_their_length_prefix() {
        let long = vec![7u8; 300];
        let bytes = notification(&[vec![1, 2, 3], long.clone()]);
        let decoded = decode_transactions(&bytes).unwrap();
        assert_eq!(decoded.len(), 2);
        // As block bodies keep them: prefix included.
        assert_eq!(decoded[0], [vec![3 << 2], vec![1, 2, 3]].concat());
        assert_eq!(decoded[1][2..], long[..]);
        assert_eq!(decoded[1].len(), 302);
    }

    #[test]
    fn malformed_transaction_notifications_are_refused() {
        let bytes = notification(&[vec![1, 2, 3]]);
        assert_eq!(decode_transactions(&bytes[..bytes.len() - 1]), None);
        assert_eq!(
            decode_transactions(&[bytes.clone(), vec![0]].concat()),
            None
        );
        assert_eq!(decode_transactions(&[]), None);
        assert_eq!(decode_transactions(&[0]), Some(Vec::new()));
    }

    #[test]
    fn block_request_starts_are_described_briefly() {
        assert_eq!(
            describe_start(&codec::BlocksRequestConfigStart::Number(12)),
            "from #12"
        );
        assert_eq!(
            describe_start(&codec::BlocksRequestConfigStart::Hash([0xab; 32])),
            "from 0xabababab"
        );
    }
}
