//! GRANDPA justifications signed by the node's single voter.
//!
//! With one authority, one precommit is a supermajority, so a justification is: the round, the
//! target block, one signed precommit for that same block and no ancestry headers. The voting
//! protocol itself (prevotes, rounds over the network, neighbor packets) is left to the
//! networking layer: a lone voter has nobody to vote with, and clients only ever check
//! justifications and commit messages.
//!
//! Authority-set changes: [`schedule_change`] has the runtime itself announce one, to the same
//! key with delay 0, so that the set id moves past 0 as finney's has while this node stays the
//! only voter; [`crate::Chain::finalize`] then signs with the next set id after that block.

use crate::Chain;
use crate::extrinsic::{ExtrinsicError, Extrinsics, Value};
use crate::keys::DevKeys;

/// A signed `Sudo.sudo(System.set_storage([(Grandpa.PendingChange, change)]))` from the node's
/// key (the devnet's sudo key) that makes block `at` announce a standard change to this node's
/// key with delay 0: pallet_grandpa's `on_finalize` deposits the `ScheduledChange` digest in the
/// block whose number is the change's `scheduled_at` and enacts it there (delay 0).
///
/// Why storage and not a call: the runtimes the devnode runs (spec 293/300) have no
/// `AdminUtils.schedule_grandpa_change` (newer subtensor runtimes do), and pallet_grandpa's
/// `note_stalled` waits for a session change, which subtensor has none of.
/// `StoredPendingChange` is `{ scheduled_at: u32, delay: u32, next_authorities:
/// Vec<(ed25519 key, u64 weight)>, forced: Option<u32> }`, unchanged in pallet_grandpa for years.
///
/// # Errors
///
/// [`ExtrinsicError`] when the runtime's metadata lacks the calls.
pub fn schedule_change(chain: &mut Chain, at: u32) -> Result<Vec<u8>, ExtrinsicError> {
    let keys = chain.keys().clone();
    let mut change = Vec::with_capacity(4 + 4 + 1 + 40 + 1);
    change.extend_from_slice(&at.to_le_bytes());
    change.extend_from_slice(&0u32.to_le_bytes());
    change.extend_from_slice(&crate::scale::compact(1));
    change.extend_from_slice(&keys.grandpa_public());
    change.extend_from_slice(&1u64.to_le_bytes());
    change.push(0);
    let key = crate::spec::storage_value_key("Grandpa", "PendingChange").to_vec();

    let mut tx = Extrinsics::from_chain(chain)?;
    let item = Value::Seq(vec![Value::Bytes(key), Value::Bytes(change)]);
    let inner = tx.call("System", "set_storage", vec![Value::Seq(vec![item])])?;
    let call = tx.call("Sudo", "sudo", vec![Value::Encoded(inner)])?;
    tx.sign(chain, &keys, &call)
}

/// SCALE-encoded `GrandpaJustification` for block `(hash, number)` in `round` of set `set_id`,
/// signed by `keys`. `None` when `number` does not fit `block_number_bytes`.
pub fn justification(
    keys: &DevKeys,
    set_id: u64,
    round: u64,
    hash: &[u8; 32],
    number: u64,
    block_number_bytes: usize,
) -> Option<Vec<u8>> {
    let number_bytes = encode_number(number, block_number_bytes)?;

    // The signed payload is `(Message::Precommit(target), round, set_id)`; the enum index of
    // `Precommit` is 1.
    let mut message = Vec::with_capacity(1 + 32 + number_bytes.len() + 16);
    message.push(1);
    message.extend_from_slice(hash);
    message.extend_from_slice(&number_bytes);
    message.extend_from_slice(&round.to_le_bytes());
    message.extend_from_slice(&set_id.to_le_bytes());
    let signature = keys.sign_ed25519(&message);

    let mut out = Vec::with_capacity(8 + 2 * (32 + number_bytes.len()) + 64 + 32 + 2);
    out.extend_from_slice(&round.to_le_bytes());
    // Commit: target, then the signed precommits.
    out.extend_from_slice(hash);
    out.extend_from_slice(&number_bytes);
    out.extend_from_slice(&crate::scale::compact(1));
    out.extend_from_slice(hash);
    out.extend_from_slice(&number_bytes);
    out.extend_from_slice(&signature);
    out.extend_from_slice(&keys.grandpa_public());
    // Votes ancestries: none, the precommit targets the block itself.
    out.extend_from_slice(&crate::scale::compact(0));
    Some(out)
}

/// The GRANDPA gossip `Commit` notification carrying the same proof as `justification` (a
/// justification of this module's shape: one round, one target, signed precommits, no
/// ancestries). Light clients finalize on it at once instead of asking for justifications.
/// `None` when `justification` is not of that shape.
pub fn commit_notification(
    justification: &[u8],
    set_id: u64,
    block_number_bytes: usize,
) -> Option<Vec<u8>> {
    let precommit_len = 32 + block_number_bytes + 64 + 32;
    let (round, rest) = justification.split_at_checked(8)?;
    let (target, rest) = rest.split_at_checked(32 + block_number_bytes)?;
    let (count, mut rest) = crate::scale::take_compact(rest)?;
    let count = usize::try_from(count).ok()?;
    let mut precommits = Vec::with_capacity(count);
    for _ in 0..count {
        let (precommit, after) = rest.split_at_checked(precommit_len)?;
        precommits.push(precommit);
        rest = after;
    }
    // No ancestries are expected, and nothing after them.
    if rest != crate::scale::compact(0).as_slice() {
        return None;
    }
    let mut out = Vec::with_capacity(1 + 16 + target.len() + count * precommit_len + 4);
    out.push(1); // `GossipMessage::Commit`
    out.extend_from_slice(round);
    out.extend_from_slice(&set_id.to_le_bytes());
    out.extend_from_slice(target);
    out.extend_from_slice(&crate::scale::compact(count));
    for p in &precommits {
        out.extend_from_slice(&p[..32 + block_number_bytes]);
    }
    out.extend_from_slice(&crate::scale::compact(count));
    for p in &precommits {
        out.extend_from_slice(&p[32 + block_number_bytes..]);
    }
    Some(out)
}

/// `number` little-endian on `len` bytes, `None` if it does not fit.
fn encode_number(number: u64, len: usize) -> Option<Vec<u8>> {
    let bytes = number.to_le_bytes();
    if len > bytes.len() || bytes[len..].iter().any(|b| *b != 0) {
        return None;
    }
    Some(bytes[..len].to_vec())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn commit_carries_the_justification_and_smoldot_reads_it() {
        let keys = DevKeys::alice();
        let hash = [7u8; 32];
        let j = justification(&keys, 3, 1, &hash, 42, 4).unwrap();
        let bytes = commit_notification(&j, 3, 4).unwrap();
        assert_eq!(bytes[0], 1);
        let commit = smoldot::finality::decode::decode_grandpa_commit(&bytes[1..], 4).unwrap();
        assert_eq!((commit.round_number, commit.set_id), (1, 3));
        assert_eq!((*commit.target_hash, commit.target_number), (hash, 42));
        assert_eq!(commit.precommits.len(), 1);
        assert_eq!(commit.auth_data.len(), 1);
        assert_eq!(*commit.auth_data[0].1, keys.grandpa_public());
        // The signature is the justification's own.
        assert_eq!(
            commit.auth_data[0].0[..],
            j[8 + 36 + 1 + 36..8 + 36 + 1 + 36 + 64]
        );
    }

    #[test]
    fn other_shapes_are_refused() {
        assert_eq!(commit_notification(&[0; 10], 0, 4), None);
        let keys = DevKeys::alice();
        let mut j = justification(&keys, 0, 1, &[1; 32], 5, 4).unwrap();
        j.push(0);
        assert_eq!(commit_notification(&j, 0, 4), None);
    }
}
