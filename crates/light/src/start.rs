//! Where the p2p light client starts when not from genesis: a trusted checkpoint (finney's
//! chain-spec `grandpaWarpSyncCheckpoint`, or the devnode's `--checkpoint-out`) turned into the
//! finalized-block record smoldot-light resumes from (its "database"; vendor/README.md,
//! smoldot-light 2). A client started this way verifies everything after the checkpoint with
//! the checkpoint's GRANDPA set, and never needs the chain's history or its genesis state.
//!
//! What the record needs beyond the checkpoint's header and GRANDPA set: the Aura authorities
//! that author the block's children and Aura's slot duration. The authorities come from the
//! header's own Aura `AuthoritiesChange` digest when it has one (finney's checkpoint block
//! does), else from the checkpoint's `auraAuthorities`; the slot duration from its
//! `auraSlotDurationMs` (neither GRANDPA nor the header says it). A header that hands GRANDPA
//! over to a new set (delay 0) starts the client with that set, as finney's checkpoint does.

use core::num::NonZero;
use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;
use smoldot::chain::chain_information::{
    ChainInformation, ChainInformationConsensus, ChainInformationFinality, ValidChainInformation,
};
use smoldot::header::{self, AuraConsensusLogRef, DigestItemRef};

use crate::finality;
use crate::finality::VerifyError;
use crate::verified::Checkpoint;

/// The checkpoint as smoldot-light's database text (`AddChainConfig::database_content`), for
/// a chain whose block numbers take `block_number_bytes`.
///
/// # Errors
///
/// [`VerifyError::Malformed`] naming what the checkpoint lacks or what does not fit together
/// (no genesis hash, no slot duration, no Aura authorities, a delayed set change).
pub fn database_content(
    checkpoint_json: &str,
    block_number_bytes: usize,
) -> Result<String, VerifyError> {
    let bad = |what: String| VerifyError::Malformed(format!("checkpoint: {what}"));
    let checkpoint = Checkpoint::from_json(checkpoint_json)?;
    let value: Value = serde_json::from_str(checkpoint_json).map_err(|e| bad(e.to_string()))?;
    let genesis = checkpoint.genesis.ok_or_else(|| {
        bad("no `genesisHash`: the light client must know which chain it is".into())
    })?;
    let slot_duration = value
        .get("auraSlotDurationMs")
        .and_then(Value::as_u64)
        .and_then(NonZero::new)
        .ok_or_else(|| bad("no `auraSlotDurationMs` (a positive whole number)".into()))?;

    let decoded = header::decode(&checkpoint.header, block_number_bytes)
        .map_err(|e| bad(format!("finalizedBlockHeader does not decode ({e})")))?;
    let mut aura: Option<Vec<[u8; 32]>> = None;
    for log in decoded.digest.logs() {
        if let DigestItemRef::AuraConsensus(AuraConsensusLogRef::AuthoritiesChange(list)) = log {
            aura = Some(list.map(|a| *a.public_key).collect());
        }
    }
    let aura = match aura {
        Some(list) => list,
        None => hex_keys(&value, "auraAuthorities").map_err(bad)?,
    };
    if aura.is_empty() {
        return Err(bad("no Aura authority to author the next block".into()));
    }
    let after = finality::scheduled_change(&decoded, &checkpoint.set)?
        .unwrap_or_else(|| checkpoint.set.clone());

    let information = ChainInformation {
        finalized_block_header: Box::new(decoded.into()),
        consensus: ChainInformationConsensus::Aura {
            finalized_authorities_list: aura
                .into_iter()
                .map(|public_key| header::AuraAuthority { public_key })
                .collect(),
            slot_duration,
        },
        finality: ChainInformationFinality::Grandpa {
            after_finalized_block_authorities_set_id: after.set_id,
            finalized_triggered_authorities: after
                .authorities
                .iter()
                .map(|public_key| header::GrandpaAuthority {
                    public_key: *public_key,
                    weight: NonZero::<u64>::MIN,
                })
                .collect(),
            finalized_scheduled_change: None,
        },
    };
    let information = ValidChainInformation::try_from(information)
        .map_err(|e| bad(format!("does not make a consistent start ({e})")))?;
    let chain =
        smoldot::database::finalized_serialize::encode_chain(&information, block_number_bytes);
    let chain: Value = serde_json::from_str(&chain).map_err(|e| bad(e.to_string()))?;
    Ok(serde_json::json!({
        "genesisHash": hex::encode(genesis),
        "chain": chain,
        "nodes": {},
    })
    .to_string())
}

/// Where the client starts: smoldot-light's database text, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartPoint {
    /// `AddChainConfig::database_content` (empty: the spec's genesis).
    pub database: String,
    /// The finalized block the client starts at; `None` for genesis.
    pub number: Option<u64>,
    /// Whether `database` is the record this client saved on an earlier run
    /// (`chainHead_unstable_finalizedDatabase`) rather than the checkpoint or genesis.
    pub resumed: bool,
    /// The chain's block number width, to read a later record ([`record_number`]).
    pub block_number_bytes: usize,
}

/// Where a client of `chain_spec` starts: from `saved` (the record an earlier run of the same
/// spec and checkpoint saved) when it decodes, is of the checkpoint's chain and is not older
/// than the checkpoint; else from `checkpoint_json`; else from genesis. A saved record that does
/// not qualify is passed over, not an error: it was only a shortcut.
///
/// The saved record is as trustworthy as the client that wrote it: it holds a block that client
/// verified (from the same checkpoint or genesis), its GRANDPA and Aura sets then, and the
/// runtime code it checked against that block's state, so a second visit verifies nothing
/// before that block again. (smoldot-light 3 uses the saved runtime code only after a warp
/// sync; following blocks from there, it downloads the code once more.) Whoever stores it must
/// key it by spec and checkpoint, so that another chain's (or another run's) record is never
/// offered.
///
/// # Errors
///
/// As [`database_content`] for the checkpoint; [`VerifyError::Malformed`] when the spec does
/// not parse.
pub fn start_point(
    chain_spec: &str,
    checkpoint_json: Option<&str>,
    saved: Option<&str>,
) -> Result<StartPoint, VerifyError> {
    let spec = smoldot::chain_spec::ChainSpec::from_json_bytes(chain_spec)
        .map_err(|e| VerifyError::Malformed(format!("chain spec: {e}")))?;
    let bytes = usize::from(spec.block_number_bytes());
    let checkpoint = match checkpoint_json {
        Some(json) => {
            let database = database_content(json, bytes)?;
            let (genesis, number) = record_block(&database, bytes).ok_or_else(|| {
                VerifyError::Malformed("checkpoint: its record does not decode".into())
            })?;
            Some((database, genesis, number))
        }
        None => None,
    };
    let saved = saved.and_then(|text| Some((text, record_block(text, bytes)?)));
    Ok(match (checkpoint, saved) {
        (Some((_, genesis, number)), Some((text, (saved_genesis, saved_number))))
            if saved_genesis == genesis && saved_number >= number =>
        {
            resumed(text, saved_number, bytes)
        }
        (Some((database, _, number)), _) => StartPoint {
            database,
            number: Some(number),
            resumed: false,
            block_number_bytes: bytes,
        },
        // smoldot itself passes over a record whose genesis is not the spec's.
        (None, Some((text, (_, number)))) => resumed(text, number, bytes),
        (None, None) => StartPoint {
            database: String::new(),
            number: None,
            resumed: false,
            block_number_bytes: bytes,
        },
    })
}

fn resumed(text: &str, number: u64, block_number_bytes: usize) -> StartPoint {
    StartPoint {
        database: text.to_owned(),
        number: Some(number),
        resumed: true,
        block_number_bytes,
    }
}

/// The finalized block number a database record holds, if it decodes.
pub fn record_number(text: &str, block_number_bytes: usize) -> Option<u64> {
    record_block(text, block_number_bytes).map(|(_, number)| number)
}

/// The genesis hash and finalized block number of a database record, if it decodes.
fn record_block(text: &str, block_number_bytes: usize) -> Option<([u8; 32], u64)> {
    // The two fields read, borrowed from the text: the record's runtime code (megabytes) is
    // neither copied into a JSON tree nor written out again for smoldot to read.
    let fields: BTreeMap<&str, &RawValue> = serde_json::from_str(text).ok()?;
    let genesis: &str = serde_json::from_str(fields.get("genesisHash")?.get()).ok()?;
    let genesis = hex::decode(genesis).ok()?;
    let decoded = smoldot::database::finalized_serialize::decode_chain(
        fields.get("chain")?.get(),
        block_number_bytes,
    )
    .ok()?;
    let number = decoded
        .chain_information
        .as_ref()
        .finalized_block_header
        .number;
    Some((genesis.try_into().ok()?, number))
}

/// A list of 32-byte keys in hex under `name`.
fn hex_keys(value: &Value, name: &str) -> Result<Vec<[u8; 32]>, String> {
    let list = value
        .get(name)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("no `{name}`, and the header names no Aura authorities"))?;
    list.iter()
        .map(|item| {
            item.as_str()
                .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| format!("`{name}` holds something other than 32-byte hex keys"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const FINNEY: &str = include_str!("../../../public/chainspecs/finney.checkpoint.json");

    fn decoded(text: &str) -> ValidChainInformation {
        let db: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            db["genesisHash"],
            "2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03"
        );
        smoldot::database::finalized_serialize::decode_chain(&db["chain"].to_string(), 4)
            .unwrap()
            .chain_information
    }

    /// finney's checkpoint block is finalized by set 5 and hands over to set 6 (20 keys); its
    /// own digest names the Aura authorities. The record starts the client with set 6.
    #[test]
    fn finney_checkpoint_starts_with_set_6_and_the_digests_aura_authorities() {
        let info = decoded(&database_content(FINNEY, 4).unwrap());
        let info = info.as_ref();
        assert_eq!(info.finalized_block_header.number, 8_867_448);
        match info.finality {
            smoldot::chain::chain_information::ChainInformationFinalityRef::Grandpa {
                after_finalized_block_authorities_set_id,
                finalized_triggered_authorities,
                ..
            } => {
                assert_eq!(after_finalized_block_authorities_set_id, 6);
                assert_eq!(finalized_triggered_authorities.len(), 20);
            }
            _ => panic!("not GRANDPA"),
        }
        match info.consensus {
            smoldot::chain::chain_information::ChainInformationConsensusRef::Aura {
                finalized_authorities_list,
                slot_duration,
            } => {
                assert_eq!(slot_duration.get(), 12_000);
                assert!(finalized_authorities_list.len() > 0);
            }
            _ => panic!("not Aura"),
        }
    }

    fn without(field: &str) -> String {
        let mut value: Value = serde_json::from_str(FINNEY).unwrap();
        value.as_object_mut().unwrap().remove(field);
        value.to_string()
    }

    #[test]
    fn what_a_checkpoint_lacks_is_named() {
        let err = |text: &str| database_content(text, 4).unwrap_err().to_string();
        assert!(err(&without("genesisHash")).contains("genesisHash"));
        assert!(err(&without("auraSlotDurationMs")).contains("auraSlotDurationMs"));
        assert!(err(&without("finalizedBlockHeader")).contains("finalizedBlockHeader"));
        assert!(err("{").contains("not JSON"));
        let zero = FINNEY.replace("\"auraSlotDurationMs\": 12000", "\"auraSlotDurationMs\": 0");
        assert!(err(&zero).contains("auraSlotDurationMs"));
    }

    /// A header without an Aura digest takes the checkpoint's `auraAuthorities`, and says so
    /// when they are missing or not keys.
    #[test]
    fn aura_authorities_from_the_checkpoint_when_the_header_has_none() {
        // A header (#1) with an Aura slot claim and seal and no authority change, finalized by a
        // one-key set 3.
        let claim = [
            header::DigestItem::AuraPreDigest(header::AuraPreDigest { slot_number: 5 }),
            header::DigestItem::AuraSeal([0; 64]),
        ];
        let header = header::HeaderRef {
            parent_hash: &[1; 32],
            number: 1,
            state_root: &[2; 32],
            extrinsics_root: &[3; 32],
            digest: header::DigestRef::from_slice(&claim).unwrap(),
        }
        .scale_encoding_vec(4);
        let mut set = 3u64.to_le_bytes().to_vec();
        set.extend_from_slice(&[4]); // compact(1)
        set.extend_from_slice(&[7; 32]);
        set.extend_from_slice(&1u64.to_le_bytes());
        let base = serde_json::json!({
            "genesisHash": format!("0x{}", "2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03"),
            "finalizedBlockHeader": format!("0x{}", hex::encode(&header)),
            "grandpaAuthoritySet": format!("0x{}", hex::encode(&set)),
            "auraSlotDurationMs": 1000,
        });
        let missing = database_content(&base.to_string(), 4)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("auraAuthorities"), "{missing}");
        let mut bad = base.clone();
        bad["auraAuthorities"] = serde_json::json!(["0x1234"]);
        let bad = database_content(&bad.to_string(), 4)
            .unwrap_err()
            .to_string();
        assert!(bad.contains("32-byte"), "{bad}");
        let mut good = base;
        good["auraAuthorities"] = serde_json::json!([format!("0x{}", hex::encode([9u8; 32]))]);
        let info = decoded(&database_content(&good.to_string(), 4).unwrap());
        match info.as_ref().finality {
            smoldot::chain::chain_information::ChainInformationFinalityRef::Grandpa {
                after_finalized_block_authorities_set_id,
                ..
            } => assert_eq!(after_finalized_block_authorities_set_id, 3),
            _ => panic!("not GRANDPA"),
        }
    }
}
