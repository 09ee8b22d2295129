//! Checks on a chain spec before smoldot-light sees it: smoldot silently skips boot nodes it
//! cannot parse and accepts a spec without any, which leaves a client that never finds a peer
//! and never says why. Here each of those cases is an error that names the entry.
//!
//! One field is taken out rather than refused: finney's official spec carries a
//! `grandpaWarpSyncCheckpoint` that smoldot rejects as unknown ([`without_foreign_fields`]);
//! its content is what `--checkpoint` / [`crate::start`] take instead.
//!
//! Left out: checks smoldot already makes (genesis storage, checkpoints, relay chains); its own
//! parse errors come back unchanged as [`LightError::ChainSpec`].

use smoldot::chain_spec::{Bootnode, ChainSpec};
use smoldot::libp2p::{multiaddr::Multiaddr, peer_id::PeerId};
use smoldot_light::platform::{
    ConnectionType, PlatformRef,
    address_parse::{AddressOrMultiStreamAddress, multiaddr_to_address},
};

use crate::error::LightError;

/// What the rest of the crate needs from a checked spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpecInfo {
    /// Bytes used to encode a block number in headers (4 for Substrate chains).
    pub block_number_bytes: usize,
}

/// Top-level fields of Substrate chain specs that smoldot rejects as unknown although nothing
/// in them changes what it checks: subtensor's `grandpaWarpSyncCheckpoint` (read by its own
/// node only).
const FOREIGN_FIELDS: &[&str] = &["grandpaWarpSyncCheckpoint"];

/// `spec` without [`FOREIGN_FIELDS`]; unchanged (not even parsed) when it names none.
pub(crate) fn without_foreign_fields(spec: &str) -> std::borrow::Cow<'_, str> {
    if !FOREIGN_FIELDS.iter().any(|f| spec.contains(f)) {
        return spec.into();
    }
    match serde_json::from_str::<serde_json::Value>(spec) {
        Ok(serde_json::Value::Object(mut map)) => {
            for field in FOREIGN_FIELDS {
                map.remove(*field);
            }
            serde_json::Value::Object(map).to_string().into()
        }
        // Not JSON: smoldot's own parse error says so.
        _ => spec.into(),
    }
}

/// `spec` with its boot nodes replaced by `boot_nodes` (multiaddrs ending in `/p2p/<peer id>`):
/// how a user points the client at a node the spec does not name (a local node, finney's
/// `/ws` boot node from a local page). An empty list leaves the spec's own. The entries are
/// checked when the chain is added, as the spec's own are.
///
/// # Errors
///
/// A sentence when `spec` is not a JSON object.
pub fn with_boot_nodes(spec: &str, boot_nodes: &[String]) -> Result<String, String> {
    if boot_nodes.is_empty() {
        return Ok(spec.to_owned());
    }
    let mut value: serde_json::Value =
        serde_json::from_str(spec).map_err(|e| format!("the chain spec is not JSON: {e}"))?;
    let Some(map) = value.as_object_mut() else {
        return Err("the chain spec is not a JSON object".into());
    };
    map.insert("bootNodes".into(), boot_nodes.into());
    Ok(value.to_string())
}

/// Parses `spec` and checks its boot nodes against what `platform` can dial.
///
/// # Errors
///
/// [`LightError::ChainSpec`] if smoldot cannot parse the spec, [`LightError::NoBootNodes`] if
/// it lists none, [`LightError::BootNode`] for an entry that is not `<multiaddr>/p2p/<peer id>`,
/// [`LightError::NoUsableBootNode`] if the platform supports none of their transports.
pub(crate) fn check<P: PlatformRef>(spec: &str, platform: &P) -> Result<SpecInfo, LightError> {
    let parsed = ChainSpec::from_json_bytes(spec).map_err(LightError::ChainSpec)?;
    if parsed.boot_nodes().len() == 0 {
        return Err(LightError::NoBootNodes);
    }
    let mut entries = Vec::new();
    let mut usable = 0usize;
    for node in parsed.boot_nodes() {
        let (multiaddr, peer_id) = match node {
            Bootnode::Parsed { multiaddr, peer_id } => (multiaddr, peer_id),
            Bootnode::UnrecognizedFormat(entry) => {
                return Err(LightError::BootNode {
                    entry: entry.to_owned(),
                });
            }
        };
        let peer = PeerId::from_bytes(peer_id).map(|p| p.to_string());
        let entry = format!("{multiaddr}/p2p/{}", peer.as_deref().unwrap_or("?"));
        let Ok(address) = multiaddr.parse::<Multiaddr>() else {
            return Err(LightError::BootNode { entry });
        };
        let supported = match multiaddr_to_address(&address) {
            Ok(AddressOrMultiStreamAddress::Address(a)) => {
                platform.supports_connection_type(ConnectionType::from(&a))
            }
            Ok(AddressOrMultiStreamAddress::MultiStreamAddress(a)) => {
                platform.supports_connection_type(ConnectionType::from(&a))
            }
            // A valid multiaddress with a protocol stack smoldot cannot dial (e.g. QUIC).
            Err(_) => false,
        };
        usable += usize::from(supported);
        entries.push(entry);
    }
    if usable == 0 {
        return Err(LightError::NoUsableBootNode {
            entries,
            supported: describe_support(platform),
        });
    }
    Ok(SpecInfo {
        block_number_bytes: usize::from(parsed.block_number_bytes()),
    })
}

/// The transports `platform` accepts, in words, for [`LightError::NoUsableBootNode`].
fn describe_support<P: PlatformRef>(platform: &P) -> String {
    let probes = [
        (ConnectionType::TcpIpv4, "tcp"),
        (
            ConnectionType::WebSocketIpv4 {
                remote_is_localhost: false,
            },
            "ws",
        ),
        (
            ConnectionType::WebSocketIpv4 {
                remote_is_localhost: true,
            },
            "ws to localhost",
        ),
        (
            ConnectionType::WebSocketDns {
                secure: true,
                remote_is_localhost: false,
            },
            "wss",
        ),
        (ConnectionType::WebRtcIpv4, "webrtc"),
    ];
    let names: Vec<&str> = probes
        .iter()
        .filter(|(ty, _)| platform.supports_connection_type(*ty))
        .map(|(_, name)| *name)
        .collect();
    if names.is_empty() {
        "no transport".into()
    } else {
        names.join(", ")
    }
}
