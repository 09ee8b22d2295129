//! GRANDPA justifications signed by the node's single voter.
//!
//! With one authority, one precommit is a supermajority, so a justification is: the round, the
//! target block, one signed precommit for that same block and no ancestry headers. The voting
//! protocol itself (prevotes, rounds over the network, neighbor packets) is left to the
//! networking layer: a lone voter has nobody to vote with, and clients only ever check
//! justifications and commit messages.

use crate::keys::DevKeys;

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

/// `number` little-endian on `len` bytes, `None` if it does not fit.
fn encode_number(number: u64, len: usize) -> Option<Vec<u8>> {
    let bytes = number.to_le_bytes();
    if len > bytes.len() || bytes[len..].iter().any(|b| *b != 0) {
        return None;
    }
    Some(bytes[..len].to_vec())
}
