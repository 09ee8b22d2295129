//! `add_chain` on bad chain specs: each mistake is its own `LightError`, never a panic or a
//! hang; and a spec whose only boot node is unreachable is accepted and reports zero peers.
//!
//! The valid base spec is the devnode's (subtensor's aura-dev genesis with development keys); nothing here
//! needs a running node.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use light::{Client, LightError, native};
use serde_json::Value;

/// A well-formed peer id (ed25519) that no process on this machine owns.
const PEER: &str = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";

fn dev_spec() -> String {
    let keys = devnode::DevKeys::from_secret_uri("//Alice").unwrap();
    devnode::DevSpec::aura_dev(&keys).unwrap().json().to_owned()
}

fn with_boot_nodes(spec: &str, nodes: &[&str]) -> String {
    let mut json: Value = serde_json::from_str(spec).unwrap();
    json["bootNodes"] = nodes.iter().map(|n| Value::from(*n)).collect();
    json.to_string()
}

#[test]
fn bad_specs_are_clear_errors() {
    let client = Client::new(native::platform());
    let spec = dev_spec();

    let not_json = client.add_chain("{ this is not json").err().unwrap();
    assert!(matches!(not_json, LightError::ChainSpec(_)), "{not_json}");

    let truncated = client.add_chain(&spec[..spec.len() / 2]).err().unwrap();
    assert!(matches!(truncated, LightError::ChainSpec(_)), "{truncated}");

    let none = client
        .add_chain(&with_boot_nodes(&spec, &[]))
        .err()
        .unwrap();
    assert!(matches!(none, LightError::NoBootNodes), "{none}");

    let garbage = "/ip4/127.0.0.1/tcp/notaport/ws";
    let bad = client
        .add_chain(&with_boot_nodes(&spec, &[garbage]))
        .err()
        .unwrap();
    assert!(
        matches!(&bad, LightError::BootNode { entry } if entry == garbage),
        "{bad}"
    );

    let no_peer_id = "/ip4/127.0.0.1/tcp/30333/ws";
    let bad = client
        .add_chain(&with_boot_nodes(&spec, &[no_peer_id]))
        .err()
        .unwrap();
    assert!(matches!(bad, LightError::BootNode { .. }), "{bad}");

    // Natively, secure WebSocket is not supported by smoldot's DefaultPlatform.
    let wss = format!("/dns/example.invalid/tcp/443/wss/p2p/{PEER}");
    let unusable = client
        .add_chain(&with_boot_nodes(&spec, &[&wss]))
        .err()
        .unwrap();
    assert!(
        matches!(&unusable, LightError::NoUsableBootNode { entries, .. } if entries.as_slice() == std::slice::from_ref(&wss)),
        "{unusable}"
    );
    assert!(unusable.to_string().contains("tcp"), "{unusable}");
}

#[test]
fn unreachable_boot_node_gives_zero_peers() {
    let spec = with_boot_nodes(
        &dev_spec(),
        &[&format!("/ip4/127.0.0.1/tcp/1/ws/p2p/{PEER}")],
    );
    let client = Client::new(native::platform()).with_request_timeout(Duration::from_secs(60));
    let chain = client.add_chain(&spec).unwrap();
    let health = native::block_on(chain.health()).unwrap();
    assert_eq!(health.peers, 0);
    // The devnode spec's chainType is Development, for which smoldot expects no live network.
    assert!(!health.should_have_peers);
    assert!(
        chain.heads().is_none(),
        "nothing can be finalized without peers"
    );
    // A request that needs the network fails with a timeout instead of hanging.
    let client = Client::new(native::platform()).with_request_timeout(Duration::from_secs(2));
    let chain = client.add_chain(&spec).unwrap();
    let read = native::block_on(chain.storage(b"any key")).err().unwrap();
    assert!(matches!(read, LightError::Timeout { .. }), "{read}");
}

/// finney's official spec carries `grandpaWarpSyncCheckpoint`, which smoldot alone rejects as
/// an unknown field; the client takes it out (its content is what `--checkpoint` takes), and
/// any other unknown field is still smoldot's error.
#[test]
fn finneys_checkpoint_field_is_taken_out_other_unknown_fields_are_refused() {
    let client = Client::new(native::platform());
    let base = with_boot_nodes(
        &dev_spec(),
        &[&format!("/ip4/127.0.0.1/tcp/9/ws/p2p/{PEER}")],
    );
    let mut json: Value = serde_json::from_str(&base).unwrap();
    json["grandpaWarpSyncCheckpoint"] = serde_json::json!({ "block": 8867448, "setId": 5 });
    assert!(client.add_chain(&json.to_string()).is_ok());
    json["somethingElse"] = Value::from(1);
    let refused = client.add_chain(&json.to_string()).err().unwrap();
    assert!(matches!(refused, LightError::ChainSpec(_)), "{refused}");
}

/// A user's boot nodes replace the spec's (a node the spec does not name); their entries are
/// checked as the spec's own are, and none given keeps the spec's.
#[test]
fn boot_nodes_given_by_the_user_replace_the_specs() {
    let client = Client::new(native::platform());
    let bare = with_boot_nodes(&dev_spec(), &[]);
    assert!(matches!(
        client.add_chain(&bare).err().unwrap(),
        LightError::NoBootNodes
    ));
    let address = format!("/ip4/127.0.0.1/tcp/9/ws/p2p/{PEER}");
    let given = light::with_boot_nodes(&bare, std::slice::from_ref(&address)).unwrap();
    let json: Value = serde_json::from_str(&given).unwrap();
    assert_eq!(json["bootNodes"], serde_json::json!([address]));
    assert!(client.add_chain(&given).is_ok());
    let garbage = light::with_boot_nodes(&bare, &["/ip4/nowhere".to_owned()]).unwrap();
    assert!(matches!(
        client.add_chain(&garbage).err().unwrap(),
        LightError::BootNode { .. }
    ));
    assert_eq!(light::with_boot_nodes(&bare, &[]).unwrap(), bare);
    assert!(light::with_boot_nodes("[1]", &[address]).is_err());
}
