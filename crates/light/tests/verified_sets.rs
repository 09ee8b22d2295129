//! Following GRANDPA authority-set changes over JSON-RPC, the way finney changes sets (a
//! `ScheduledChange` with delay 0 in the block that enacts it, that block justified by the old
//! set): a hand-built chain of headers whose justifications are really signed (the devnode's
//! GRANDPA signer, Alice for set 0 and Bob for set 1), served by a table. The client must find
//! the change block by the endpoint's hints, verify it with the old set, take the new set from
//! its digest and verify the head with it; and when the hints lie, or a justification is signed
//! by the wrong set, it must refuse with a message that says so and keep its proven block.

#![allow(clippy::unwrap_used)]

use std::cell::Cell;

use codec::{Compact, Encode};
use devnode::DevKeys;
use light::finality::AuthoritySet;
use light::native;
use light::verified::{Checkpoint, Config, Step, Transport, TransportError, VerifiedRpc};
use serde_json::{Value, json};

/// Blocks 0..=HEAD; the set changes at CHANGE.
const HEAD: u64 = 12;
const CHANGE: u64 = 5;

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

struct Block {
    hash: [u8; 32],
    json: Value,
    justification: Option<Vec<u8>>,
}

/// What the table lies about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lie {
    None,
    /// `CurrentSetId` moves at block 3, where nothing changes.
    EarlyHint,
    /// `CurrentSetId` never moves.
    NoHint,
    /// The change block's justification is signed by the new set instead of the old.
    WrongSigner,
}

struct Table {
    blocks: Vec<Block>,
    forged_change: Vec<u8>,
    lie: Cell<Lie>,
    requests: Cell<u32>,
}

fn keys(uri: &str) -> DevKeys {
    DevKeys::from_secret_uri(uri).unwrap()
}

/// `Consensus(FRNK, ScheduledChange { next_authorities: [(key, 1)], delay: 0 })`.
fn scheduled_change(key: [u8; 32]) -> Vec<u8> {
    let mut data = vec![1u8];
    vec![(key, 1u64)].encode_to(&mut data);
    0u32.encode_to(&mut data);
    let mut item = vec![4u8];
    item.extend_from_slice(b"FRNK");
    data.encode_to(&mut item);
    item
}

fn build() -> Table {
    let (alice, bob) = (keys("//Alice"), keys("//Bob"));
    let mut blocks: Vec<Block> = Vec::new();
    let mut forged_change = Vec::new();
    for number in 0..=HEAD {
        let parent = blocks.last().map_or([0; 32], |b| b.hash);
        let logs: Vec<Vec<u8>> = if number == CHANGE {
            vec![scheduled_change(bob.grandpa_public())]
        } else {
            Vec::new()
        };
        let mut scale = parent.to_vec();
        Compact(number as u32).encode_to(&mut scale);
        scale.extend_from_slice(&[number as u8; 32]);
        scale.extend_from_slice(&[0xee; 32]);
        Compact(logs.len() as u32).encode_to(&mut scale);
        for log in &logs {
            scale.extend_from_slice(log);
        }
        let hash = smoldot::header::hash_from_scale_encoded_header(&scale);
        let sign = |k: &DevKeys, set| {
            devnode::grandpa::justification(k, set, number + 100, &hash, number, 4).unwrap()
        };
        // As substrate keeps them: at the change, and every 4 blocks here (512 on finney).
        let justification = if number == CHANGE {
            forged_change = sign(&bob, 1);
            Some(sign(&alice, 0))
        } else if number > 0 && number % 4 == 0 {
            Some(if number > CHANGE {
                sign(&bob, 1)
            } else {
                sign(&alice, 0)
            })
        } else {
            None
        };
        let json = json!({
            "parentHash": hex(&parent),
            "number": format!("0x{number:x}"),
            "stateRoot": hex(&[number as u8; 32]),
            "extrinsicsRoot": hex(&[0xee; 32]),
            "digest": {"logs": logs.iter().map(|l| hex(l)).collect::<Vec<_>>()},
        });
        blocks.push(Block {
            hash,
            json,
            justification,
        });
    }
    Table {
        blocks,
        forged_change,
        lie: Cell::new(Lie::None),
        requests: Cell::new(0),
    }
}

impl Table {
    fn by_hash(&self, v: &Value) -> Option<(u64, &Block)> {
        let wanted = v.as_str()?;
        self.blocks
            .iter()
            .enumerate()
            .find(|(_, b)| hex(&b.hash) == wanted)
            .map(|(n, b)| (n as u64, b))
    }

    fn set_id_at(&self, number: u64) -> u64 {
        match self.lie.get() {
            Lie::EarlyHint => u64::from(number >= 3),
            Lie::NoHint => 0,
            _ => u64::from(number >= CHANGE),
        }
    }
}

impl Transport for Table {
    fn endpoint(&self) -> String {
        "table://sets".into()
    }

    async fn request(&self, method: &str, params: Value) -> Result<Value, TransportError> {
        self.requests.set(self.requests.get() + 1);
        let head = &self.blocks[HEAD as usize];
        Ok(match method {
            "chain_getFinalizedHead" => json!(hex(&head.hash)),
            "chain_getBlockHash" => {
                let n = params[0].as_u64().unwrap() as usize;
                self.blocks
                    .get(n)
                    .map_or(Value::Null, |b| json!(hex(&b.hash)))
            }
            "chain_getHeader" => self
                .by_hash(&params[0])
                .map_or(Value::Null, |(_, b)| b.json.clone()),
            "chain_getBlock" => match self.by_hash(&params[0]) {
                None => Value::Null,
                Some((number, b)) => {
                    let justification = if number == CHANGE && self.lie.get() == Lie::WrongSigner {
                        Some(self.forged_change.clone())
                    } else {
                        b.justification.clone()
                    };
                    json!({
                        "block": {"header": b.json, "extrinsics": []},
                        "justifications": justification.map(|j| json!([[b"FRNK".to_vec(), j]])),
                    })
                }
            },
            "state_getStorage" => {
                let (number, _) = self.by_hash(&params[1]).unwrap();
                json!(hex(&self.set_id_at(number).to_le_bytes()))
            }
            other => {
                return Err(TransportError::Remote {
                    endpoint: self.endpoint(),
                    method: other.into(),
                    code: -32601,
                    message: "not in the table".into(),
                });
            }
        })
    }
}

fn client(table: Table) -> VerifiedRpc<Table> {
    let genesis = table.blocks[0].json.clone();
    let header = light::verified::wire::header_scale("test", &genesis).unwrap();
    let checkpoint = Checkpoint {
        header,
        set: AuthoritySet {
            set_id: 0,
            authorities: vec![keys("//Alice").grandpa_public()],
        },
        genesis: None,
        justification_period: None,
    };
    let config = Config {
        justification_period: 4,
        ..Config::default()
    };
    VerifiedRpc::new(table, &checkpoint, config).unwrap()
}

#[test]
fn a_set_change_is_found_verified_with_the_old_set_and_followed() {
    let client = client(build());
    let head = native::block_on(client.sync()).unwrap();
    assert_eq!(head.block.number, HEAD);
    assert_eq!(head.set_id, 1);
    assert_eq!(
        head.steps,
        vec![
            Step::Checkpoint {
                number: 0,
                set_id: 0
            },
            Step::Justified {
                number: CHANGE,
                set_id: 0,
                new_set: Some(1)
            },
            Step::Justified {
                number: HEAD,
                set_id: 1,
                new_set: None
            },
        ]
    );
    // The binary search asks a handful of hints, not one per block.
    assert!(
        client.transport().requests.get() < 30,
        "{} requests",
        client.transport().requests.get()
    );

    // Older blocks are proven by walking parent hashes down from a proven one.
    let nine = native::block_on(chain::Source::block(&client, 9)).unwrap();
    assert_eq!(nine.hash, client.transport().blocks[9].hash);
    let e = native::block_on(chain::Source::block(&client, HEAD + 1)).unwrap_err();
    assert!(
        e.to_string().contains("newest block proven final is #12"),
        "{e}"
    );
}

#[test]
fn lying_hints_and_wrong_signers_are_refused() {
    let cases = [
        (
            Lie::EarlyHint,
            "has no GRANDPA justification for #3, where the set id changes",
        ),
        (Lie::NoHint, "does not verify with GRANDPA set 0"),
        (
            Lie::WrongSigner,
            "justification of #5 does not verify with GRANDPA set 0: a precommit is signed by 0x",
        ),
    ];
    for (lie, says) in cases {
        let table = build();
        table.lie.set(lie);
        let client = client(table);
        let e = native::block_on(client.sync()).unwrap_err().to_string();
        assert!(
            e.contains("table://sets") && e.contains(says),
            "{lie:?}: {e}"
        );
        assert_eq!(
            client.head().block.number,
            0,
            "{lie:?}: nothing past the checkpoint"
        );
        assert_eq!(client.head().set_id, 0);
    }
}

#[test]
fn finneys_checkpoint_hands_over_to_set_six() {
    let text = std::fs::read_to_string(format!(
        "{}/../../public/chainspecs/finney.checkpoint.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let checkpoint = Checkpoint::from_json(&text).unwrap();
    assert_eq!(checkpoint.set.set_id, 5);
    assert_eq!(checkpoint.set.authorities.len(), 20);
    assert_eq!(
        checkpoint.genesis.map(|g| hex(&g)).as_deref(),
        Some("0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03")
    );
    let client = VerifiedRpc::new(build(), &checkpoint, Config::default()).unwrap();
    let head = client.head();
    assert_eq!(head.block.number, 8_867_448);
    assert_eq!(
        hex(&head.block.hash),
        "0x511948e96e1d479d0a92d89bb976638780f2c65a93a5d5be710f22ee15c60200"
    );
    // The checkpoint block enacts set 6 (its ScheduledChange, delay 0).
    assert_eq!(head.set_id, 6);
    // An endpoint of another chain (the table) is told apart by its genesis.
    let e = native::block_on(client.sync()).unwrap_err().to_string();
    assert!(e.contains("another chain: its genesis is"), "{e}");
    // Damaged checkpoints: each refused naming what is wrong.
    for (damaged, says) in [
        (
            text.replace("finalizedBlockHeader", "header"),
            "no `finalizedBlockHeader`",
        ),
        (
            text.replace(
                "\"grandpaAuthoritySet\": \"0x05",
                "\"grandpaAuthoritySet\": \"0x",
            ),
            "authority set",
        ),
        ("{".into(), "not JSON"),
    ] {
        let e = Checkpoint::from_json(&damaged).unwrap_err().to_string();
        assert!(e.contains(says), "{says}: {e}");
    }
}
