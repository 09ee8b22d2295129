//! Tests of the shell's own parsing (`system_health`); the conversation itself is tested in
//! `rpc/tests.rs` and against a node in `tests/`.

#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::{Health, parse_health};
use crate::ReplyError;

#[test]
fn health_is_parsed_strictly() {
    let health = parse_health(&json!({"peers": 3, "isSyncing": false, "shouldHavePeers": true}));
    assert_eq!(
        health.unwrap(),
        Health {
            peers: 3,
            is_syncing: false,
            should_have_peers: true
        }
    );
    assert!(matches!(
        parse_health(&json!({"isSyncing": false, "shouldHavePeers": true})),
        Err(ReplyError::Missing("peers"))
    ));
    assert!(matches!(
        parse_health(&json!({"peers": -1, "isSyncing": false, "shouldHavePeers": true})),
        Err(ReplyError::WrongType { field: "peers", .. })
    ));
    assert!(matches!(
        parse_health(&json!({"peers": 1, "isSyncing": "no", "shouldHavePeers": true})),
        Err(ReplyError::WrongType {
            field: "isSyncing",
            ..
        })
    ));
    assert!(matches!(
        parse_health(&json!([1, false, true])),
        Err(ReplyError::WrongType {
            field: "result",
            ..
        })
    ));
}
