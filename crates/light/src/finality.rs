//! The trust root of a chain read over plain JSON-RPC (issue #10's verified RPC mode): a
//! checkpoint (a finalized header and the GRANDPA authority set that signed it, shipped with the
//! app), justifications that carry finality forward through authority-set changes, and read
//! proofs checked against a verified state root. All checks are the smoldot library's own; this
//! module only strings them together and turns their errors into sentences.
//!
//! Sans-I/O: bytes in, verdicts out. Whoever fetched the bytes (an RPC endpoint the user picked)
//! is trusted for nothing: a header is believed when a supermajority of the current set signed
//! it, and a value when its proof leads to that header's state root.

use codec::{DecodeAll, Encode};
use smoldot::finality::{decode as justification, verify};
use smoldot::header::{self, DigestItemRef, GrandpaConsensusLogRef};
use smoldot::trie::proof_decode;

/// finney, like every Substrate chain we read, numbers blocks with `u32`.
pub const BLOCK_NUMBER_BYTES: usize = 4;

/// A GRANDPA authority set: its id and its ed25519 keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthoritySet {
    /// Increments at every change; signed into every vote, so a vote of another set never
    /// verifies under this one.
    pub set_id: u64,
    /// The voters' keys; GRANDPA needs more than two thirds of them.
    pub authorities: Vec<[u8; 32]>,
}

impl AuthoritySet {
    /// From the SCALE `(set_id u64, Vec<(ed25519 key, u64 weight)>)` a chain spec's
    /// `grandpaWarpSyncCheckpoint` (and `../checkpoint.json`) carries.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] when the bytes are not that.
    pub fn decode(scale: &[u8]) -> Result<Self, VerifyError> {
        // All of it: a byte too many or too few shifts every key, which must not decode.
        let (set_id, list) =
            <(u64, Vec<([u8; 32], u64)>)>::decode_all(&mut &scale[..]).map_err(|_| {
                VerifyError::Malformed(
                    "authority set: not a SCALE (u64 set id, list of (32-byte key, u64 weight))"
                        .into(),
                )
            })?;
        Ok(Self::from_weighted(set_id, list))
    }

    /// From a set id and the SCALE `Vec<(ed25519 key, u64 weight)>` of its authorities.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] when the bytes are not that list.
    pub fn decode_list(set_id: u64, scale: &[u8]) -> Result<Self, VerifyError> {
        let list = <Vec<([u8; 32], u64)>>::decode_all(&mut &scale[..]).map_err(|_| {
            VerifyError::Malformed(
                "authority list: not a SCALE list of (32-byte key, u64 weight)".into(),
            )
        })?;
        Ok(Self::from_weighted(set_id, list))
    }

    fn from_weighted(set_id: u64, list: Vec<([u8; 32], u64)>) -> Self {
        // smoldot counts voters, not weights; finney's weights are all 1.
        AuthoritySet {
            set_id,
            authorities: list.into_iter().map(|(key, _)| key).collect(),
        }
    }
}

/// A header whose finality a justification proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalizedHeader {
    /// Block number.
    pub number: u64,
    /// blake2-256 of the SCALE header.
    pub hash: [u8; 32],
    /// The parent's hash.
    pub parent_hash: [u8; 32],
    /// What read proofs at this block must lead to.
    pub state_root: [u8; 32],
    /// The set whose votes finalized it.
    pub finalized_by: u64,
    /// The set that takes over from this block on, when its digest schedules one with no delay
    /// (finney's changes: `ScheduledChange` with delay 0 at the block that enacts them).
    pub next_set: Option<AuthoritySet>,
}

/// Why bytes were not believed. Each message names the block, set or key it is about.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The bytes do not decode as what they claim to be.
    #[error("{0}")]
    Malformed(String),
    /// The justification finalizes another block than the header given.
    #[error(
        "the justification finalizes #{claimed_number} {claimed}, not this header (#{number} {hash})"
    )]
    TargetMismatch {
        /// The header's number.
        number: u64,
        /// The header's hash (hex).
        hash: String,
        /// The number the justification finalizes.
        claimed_number: u64,
        /// The hash it finalizes (hex).
        claimed: String,
    },
    /// smoldot refused the justification.
    #[error("the justification of #{number} does not verify with GRANDPA set {set_id}: {reason}")]
    Justification {
        /// The header's number.
        number: u64,
        /// The set it was checked against.
        set_id: u64,
        /// smoldot's reason (a bad signature, too few votes, a voter outside the set …).
        reason: String,
    },
    /// A scheduled change with a delay, or a forced change: not followed yet, said rather than
    /// guessed.
    #[error("#{number} carries a GRANDPA {what}, which this client does not follow yet")]
    UnsupportedChange {
        /// The header's number.
        number: u64,
        /// Which change.
        what: String,
    },
    /// The proof does not decode or holds nodes that hang from nothing.
    #[error("the read proof is not valid: {0}")]
    BadProof(String),
    /// The proof does not reach the key under this root (another block's proof, or cut short).
    #[error("the read proof does not cover key 0x{key} under state root 0x{root}")]
    ProofIncomplete {
        /// The key (hex).
        key: String,
        /// The state root (hex).
        root: String,
    },
}

/// Decodes a SCALE header (4-byte block numbers) and returns it with its hash.
///
/// # Errors
/// [`VerifyError::Malformed`] when the bytes are not a header.
pub fn decode_header(scale: &[u8]) -> Result<(header::HeaderRef<'_>, [u8; 32]), VerifyError> {
    let decoded = header::decode(scale, BLOCK_NUMBER_BYTES)
        .map_err(|e| VerifyError::Malformed(format!("not a SCALE block header ({e})")))?;
    let hash = header::hash_from_scale_encoded_header(scale);
    Ok((decoded, hash))
}

/// Checks that `justification` (SCALE, as `chain_getBlock`'s `justifications` carry under
/// `FRNK`) finalizes the header `header_scale` with votes of `set`, and reads the set change the
/// header enacts, if any.
///
/// # Errors
/// [`VerifyError`] saying what failed: the header or justification bytes, the target, the
/// signatures (smoldot's reason), or a change this client does not follow.
pub fn verify_finality(
    header_scale: &[u8],
    justification: &[u8],
    set: &AuthoritySet,
) -> Result<FinalizedHeader, VerifyError> {
    let (header, hash) = decode_header(header_scale)?;
    let claimed = justification::decode_grandpa_justification(justification, BLOCK_NUMBER_BYTES)
        .map_err(|e| {
            VerifyError::Malformed(format!(
                "justification: not a GRANDPA justification (round, target, precommits, \
                 ancestry headers) for 4-byte block numbers ({e})"
            ))
        })?;
    if *claimed.target_hash != hash || claimed.target_number != header.number {
        return Err(VerifyError::TargetMismatch {
            number: header.number,
            hash: hex::encode(hash),
            claimed_number: claimed.target_number,
            claimed: hex::encode(claimed.target_hash),
        });
    }
    verify::verify_justification(verify::JustificationVerifyConfig {
        justification,
        block_number_bytes: BLOCK_NUMBER_BYTES,
        authorities_set_id: set.set_id,
        authorities_list: set.authorities.iter().map(|k| &k[..]),
        // Only orders smoldot's internal hashing; the verdict does not depend on it.
        randomness_seed: [0; 32],
    })
    .map_err(|e| VerifyError::Justification {
        number: header.number,
        set_id: set.set_id,
        reason: justification_reason(&e),
    })?;
    let next_set = scheduled_change(&header, set)?;
    Ok(FinalizedHeader {
        number: header.number,
        hash,
        parent_hash: *header.parent_hash,
        state_root: *header.state_root,
        finalized_by: set.set_id,
        next_set,
    })
}

/// The set that takes over after `header` when its digest schedules a change with no delay
/// (finney's changes: `ScheduledChange` with delay 0 at the block that enacts them), given
/// that `set` finalized it. A checkpoint header is read the same way: finney's chain spec
/// ships the rotation block #8,867,448 with set 5, and set 6 follows from its digest.
///
/// # Errors
/// [`VerifyError::UnsupportedChange`] for a delayed or forced change.
pub fn scheduled_change(
    header: &header::HeaderRef<'_>,
    set: &AuthoritySet,
) -> Result<Option<AuthoritySet>, VerifyError> {
    let mut next_set = None;
    for log in header.digest.logs() {
        let DigestItemRef::GrandpaConsensus(change) = log else {
            continue;
        };
        match change {
            GrandpaConsensusLogRef::ScheduledChange(change) if change.delay == 0 => {
                let set_id = set.set_id.checked_add(1).ok_or_else(|| {
                    VerifyError::Malformed(format!(
                        "#{} hands over from set id {}, the last there is",
                        header.number, set.set_id
                    ))
                })?;
                next_set = Some(AuthoritySet {
                    set_id,
                    authorities: change.next_authorities.map(|a| *a.public_key).collect(),
                });
            }
            GrandpaConsensusLogRef::ScheduledChange(change) => {
                return Err(VerifyError::UnsupportedChange {
                    number: header.number,
                    what: format!("change scheduled {} blocks ahead", change.delay),
                });
            }
            GrandpaConsensusLogRef::ForcedChange { .. } => {
                return Err(VerifyError::UnsupportedChange {
                    number: header.number,
                    what: "forced change".into(),
                });
            }
            _ => {}
        }
    }
    Ok(next_set)
}

/// smoldot's verdict as a sentence (some of its errors display as bare variant names).
fn justification_reason(e: &verify::JustificationVerifyError) -> String {
    use verify::JustificationVerifyError as E;
    match e {
        E::InvalidFormat => "it does not decode".into(),
        E::BadPublicKey => "a signer's key is not a valid ed25519 key".into(),
        E::BadSignature => {
            "a precommit's signature does not match its signer, this block and this set id".into()
        }
        E::NotEnoughSignatures => "fewer than two thirds of the set signed it".into(),
        E::BadAncestry => "a precommit's block does not descend from the target".into(),
        E::TargetMismatch => "its precommits finalize another block".into(),
        E::NotAuthority { authority_key } => format!(
            "a precommit is signed by 0x{}, which is not in this set",
            hex::encode(authority_key)
        ),
        E::DuplicateSignature { authority_key } => {
            format!("0x{} signed twice", hex::encode(authority_key))
        }
        other => other.to_string(),
    }
}

/// The value at `key` under `state_root`, read from `proof` (the trie nodes
/// `state_getReadProof` returns): `Ok(None)` when the proof shows the key is absent.
///
/// # Errors
/// [`VerifyError::BadProof`] when the nodes do not form a proof, [`VerifyError::ProofIncomplete`]
/// when they do not reach `key` from `state_root`.
pub fn read_proof(
    state_root: &[u8; 32],
    proof: &[Vec<u8>],
    key: &[u8],
) -> Result<Option<Vec<u8>>, VerifyError> {
    Proof::decode(proof.to_vec())?.value(state_root, key)
}

/// Trie nodes decoded once and read many times: one `state_getReadProof` answer covers a batch
/// of keys, and the nodes of several answers for one block can be pooled (duplicates dropped),
/// so that a whole prefix can be walked in one proof.
pub struct Proof {
    decoded: proof_decode::DecodedTrieProof<Vec<u8>>,
}

impl Proof {
    /// Decodes `nodes` (any order; duplicates are dropped).
    ///
    /// # Errors
    /// [`VerifyError::BadProof`] when a node does not decode or hangs from no other node.
    pub fn decode(mut nodes: Vec<Vec<u8>>) -> Result<Self, VerifyError> {
        nodes.sort_unstable();
        nodes.dedup();
        // smoldot takes the nodes as one SCALE `Vec<Vec<u8>>`.
        let decoded = proof_decode::decode_and_verify_proof(proof_decode::Config {
            proof: nodes.encode(),
        })
        .map_err(|e| {
            VerifyError::BadProof(match e {
                proof_decode::Error::UnusedProofEntry => {
                    "a node hangs from no other node (damaged, or from another trie)".into()
                }
                proof_decode::Error::DuplicateProofEntry => "a node is listed twice".into(),
                proof_decode::Error::InvalidFormat(_) => {
                    "a node does not decode as a trie node".into()
                }
            })
        })?;
        Ok(Proof { decoded })
    }

    /// The value at `key` under `state_root` (`Ok(None)`: the proof shows it absent).
    ///
    /// # Errors
    /// [`VerifyError::ProofIncomplete`] when the nodes do not reach `key` from `state_root`.
    pub fn value(&self, state_root: &[u8; 32], key: &[u8]) -> Result<Option<Vec<u8>>, VerifyError> {
        self.decoded
            .storage_value(state_root, key)
            .map(|value| value.map(|(v, _)| v.to_vec()))
            .map_err(|_| VerifyError::ProofIncomplete {
                key: hex::encode(key),
                root: hex::encode(state_root),
            })
    }

    /// Every key under `prefix` in the trie of `state_root`, in order. The walk needs every
    /// node under the prefix: a key the server left out of the proof leaves a node it cannot
    /// open, which is an error, so a complete list is proven complete.
    ///
    /// # Errors
    /// [`VerifyError::ProofIncomplete`] naming the prefix when a node under it is missing.
    pub fn keys_under(
        &self,
        state_root: &[u8; 32],
        prefix: &[u8],
    ) -> Result<Vec<Vec<u8>>, VerifyError> {
        use smoldot::trie::{self, Nibble};
        let incomplete = || VerifyError::ProofIncomplete {
            key: format!("{}… (the entries under it)", hex::encode(prefix)),
            root: hex::encode(state_root),
        };
        let prefix_nibbles: Vec<Nibble> = trie::bytes_to_nibbles(prefix.iter().copied()).collect();
        let mut keys = Vec::new();
        let mut after: Vec<Nibble> = prefix_nibbles.clone();
        let mut or_equal = true;
        loop {
            let next = self
                .decoded
                .next_key(
                    state_root,
                    after.iter().copied(),
                    or_equal,
                    prefix_nibbles.iter().copied(),
                    false,
                )
                .map_err(|_| incomplete())?;
            let Some(found) = next else {
                return Ok(keys);
            };
            after = found.collect();
            or_equal = false;
            // Storage keys are whole bytes; an odd nibble count would be a trie node, not a key.
            if after.len().is_multiple_of(2) {
                keys.push(trie::nibbles_to_bytes_suffix_extend(after.iter().copied()).collect());
            }
        }
    }
}
