//! `transactionWatch_v1` events: what smoldot-light reports about a submitted extrinsic, from
//! validation against the best block to inclusion in a finalized one.
//!
//! Parsing is strict (every field with its type) because a staking page shows these states to
//! the person who signed: "included in block N" must not come from a reply we half understood.

use serde_json::{Map, Value};

use super::{BlockHash, bool_field, decode_hash, str_field, u32_field};
use crate::error::ReplyError;

/// Names one [`super::Rpc::submit_and_watch`] call; ids are never reused by one machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WatchId(pub u64);

/// One step of a watched transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionEvent {
    /// The runtime of the best block accepted it (`TaggedTransactionQueue_validate_transaction`
    /// run on a verified call proof).
    Validated,
    /// Gossiped to this many peers.
    Broadcasted {
        /// Peers it was sent to.
        peers: u32,
    },
    /// In the best chain at this block and body index; `None` when a reorg took it out again.
    BestChainBlockIncluded(Option<Inclusion>),
    /// In a finalized block: the end of a successful watch.
    Finalized(Inclusion),
    /// The runtime refused it (bad signature, nonce, fees, a failing check); the text is
    /// smoldot's account of the runtime's reason. Terminal.
    Invalid(String),
    /// smoldot stopped tracking it (e.g. too many transactions); `broadcasted` says whether it
    /// had left this client. Terminal.
    Dropped {
        /// Whether peers received it before it was dropped.
        broadcasted: bool,
        /// Why.
        error: String,
    },
    /// The client could not tell what happened (e.g. the runtime could not be fetched).
    /// Terminal.
    Error(String),
}

/// Where a transaction landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inclusion {
    /// The block's hash.
    pub block: BlockHash,
    /// The extrinsic's index in the block body.
    pub index: u32,
}

impl TransactionEvent {
    /// Whether the watch ends with this event.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TransactionEvent::Finalized(_)
                | TransactionEvent::Invalid(_)
                | TransactionEvent::Dropped { .. }
                | TransactionEvent::Error(_)
        )
    }
}

/// Splits the `params` of a `transactionWatch_v1_watchEvent` notification into the
/// subscription id and its event (its own `Result`, so a malformed event can be charged to its
/// watch).
#[allow(clippy::type_complexity)]
pub(super) fn parse_params(
    params: Value,
) -> Result<(String, Result<TransactionEvent, ReplyError>), ReplyError> {
    let Value::Object(params) = params else {
        return Err(ReplyError::WrongType {
            field: "params",
            expected: "an object",
        });
    };
    let subscription = str_field(&params, "subscription", "subscription")?.to_owned();
    let event = match params.get("result") {
        Some(Value::Object(event)) => parse_event(event),
        Some(_) => Err(ReplyError::WrongType {
            field: "result",
            expected: "an object",
        }),
        None => Err(ReplyError::Missing("result")),
    };
    Ok((subscription, event))
}

fn parse_event(event: &Map<String, Value>) -> Result<TransactionEvent, ReplyError> {
    let text = |field: &'static str| str_field(event, field, field).map(str::to_owned);
    Ok(match str_field(event, "event", "event")? {
        "validated" => TransactionEvent::Validated,
        "broadcasted" => TransactionEvent::Broadcasted {
            peers: u32_field(event, "numPeers", "numPeers")?,
        },
        "bestChainBlockIncluded" => match event.get("block") {
            None | Some(Value::Null) => TransactionEvent::BestChainBlockIncluded(None),
            Some(block) => TransactionEvent::BestChainBlockIncluded(Some(parse_block(block)?)),
        },
        "finalized" => TransactionEvent::Finalized(parse_block(
            event.get("block").ok_or(ReplyError::Missing("block"))?,
        )?),
        "invalid" => TransactionEvent::Invalid(text("error")?),
        "dropped" => TransactionEvent::Dropped {
            broadcasted: bool_field(event, "broadcasted", "broadcasted")?,
            error: text("error")?,
        },
        "error" => TransactionEvent::Error(text("error")?),
        other => return Err(ReplyError::UnknownEvent(other.to_owned())),
    })
}

fn parse_block(block: &Value) -> Result<Inclusion, ReplyError> {
    let block = block.as_object().ok_or(ReplyError::WrongType {
        field: "block",
        expected: "an object",
    })?;
    Ok(Inclusion {
        block: decode_hash(
            block.get("hash").ok_or(ReplyError::Missing("block.hash"))?,
            "block.hash",
        )?,
        index: u32_field(block, "block.index", "index")?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(result: Value) -> Result<TransactionEvent, ReplyError> {
        let (sub, event) = parse_params(json!({"subscription": "7", "result": result})).unwrap();
        assert_eq!(sub, "7");
        event
    }

    #[test]
    fn every_event_smoldot_sends_is_read() {
        let hash = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            parse(json!({"event": "validated"})).unwrap(),
            TransactionEvent::Validated
        );
        assert_eq!(
            parse(json!({"event": "broadcasted", "numPeers": 2})).unwrap(),
            TransactionEvent::Broadcasted { peers: 2 }
        );
        let inclusion = Inclusion {
            block: [0xab; 32],
            index: 1,
        };
        assert_eq!(
            parse(json!({"event": "bestChainBlockIncluded", "block": {"hash": hash, "index": 1}}))
                .unwrap(),
            TransactionEvent::BestChainBlockIncluded(Some(inclusion))
        );
        assert_eq!(
            parse(json!({"event": "bestChainBlockIncluded", "block": null})).unwrap(),
            TransactionEvent::BestChainBlockIncluded(None)
        );
        let finalized =
            parse(json!({"event": "finalized", "block": {"hash": hash, "index": 1}})).unwrap();
        assert_eq!(finalized, TransactionEvent::Finalized(inclusion));
        assert!(finalized.is_terminal());
        assert_eq!(
            parse(json!({"event": "invalid", "error": "bad proof"})).unwrap(),
            TransactionEvent::Invalid("bad proof".into())
        );
        assert_eq!(
            parse(json!({"event": "dropped", "broadcasted": false, "error": "full"})).unwrap(),
            TransactionEvent::Dropped {
                broadcasted: false,
                error: "full".into()
            }
        );
        assert!(
            parse(json!({"event": "error", "error": "no runtime"}))
                .unwrap()
                .is_terminal()
        );
        assert!(!TransactionEvent::Validated.is_terminal());
    }

    #[test]
    fn malformed_events_are_errors_not_guesses() {
        assert!(matches!(
            parse(json!({"event": "finalized"})),
            Err(ReplyError::Missing("block"))
        ));
        assert!(matches!(
            parse(json!({"event": "finalized", "block": {"hash": "0x12", "index": 0}})),
            Err(ReplyError::BadHex { .. })
        ));
        assert!(matches!(
            parse(json!({"event": "broadcasted", "numPeers": -1})),
            Err(ReplyError::WrongType { .. })
        ));
        assert!(matches!(
            parse(json!({"event": "teleported"})),
            Err(ReplyError::UnknownEvent(e)) if e == "teleported"
        ));
        assert!(parse_params(json!([1, 2])).is_err());
        assert!(parse_params(json!({"result": {}})).is_err());
    }
}
