//! Merkle proofs of a [`State`], in the form light clients take them: the SCALE-encoded list
//! of trie node values that `light/2` `RemoteReadResponse` and `RemoteCallResponse` carry.
//!
//! A light client knows only a block's state root (from the header it verified). To trust a
//! storage value it needs every trie node on the path from the root to the key: each node's
//! value holds the Merkle values of its children, so hashing back up ends at the root. An
//! absent key is proven the same way, by the node where the key leaves the trie.
//!
//! [`State`] keeps only each node's Merkle value, so node values are rebuilt on demand: the
//! partial key follows from the closest ancestor node, the children from the closest node below
//! each of the 16 child positions, the storage value from the storage. Each rebuilt value is
//! checked against the cached Merkle value, so a proof that leaves here matches the root.
//!
//! For a runtime call, the accesses recorded while it ran ([`Access`]) are turned into the
//! paths the light client's re-execution walks (smoldot's `proof_decode` answers value reads,
//! next-key searches and closest-descendant Merkle values by descending from the root), and the
//! proof covers them all. Left out: child tries (subtensor has none) and compact proofs (light
//! clients ask for plain ones).

use std::collections::BTreeMap;

use smoldot::executor::{host::HostVmPrototype, storage_diff::TrieDiff};
use smoldot::trie::{self, TrieEntryVersion, proof_encode::ProofBuilder, trie_node};

use crate::runtime::{self, Access, CallError, State};

/// Why a proof could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// No block with that hash is known.
    #[error("block 0x{} is unknown", hex::encode(.0))]
    UnknownBlock([u8; 32]),
    /// The block is known but its state is no longer kept.
    #[error(
        "the state of block {number} is no longer kept (best block {best}; states of the {kept} \
         blocks below it are kept)"
    )]
    Pruned {
        /// Height of the requested block.
        number: u64,
        /// Height of the best block.
        best: u64,
        /// How many blocks below the best keep their state.
        kept: usize,
    },
    /// The runtime call failed, so there is nothing to prove.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The runtime of an older block (before an upgrade) does not load.
    #[error("runtime of block {number} does not load: {reason}")]
    Runtime {
        /// Height of the requested block.
        number: u64,
        /// smoldot's reason.
        reason: String,
    },
    /// The node cache disagrees with the storage: a devnode bug, not a bad request.
    #[error("trie node 0x{key} is inconsistent: {reason}")]
    Inconsistent {
        /// The node's key, one hex digit per nibble.
        key: String,
        /// What did not match.
        reason: &'static str,
    },
}

/// Proof of the value (or absence) of every key in `keys` in `state`.
///
/// # Errors
///
/// [`ProofError::Inconsistent`] if the node cache does not match the storage.
pub fn storage_proof(state: &State, keys: &[Vec<u8>]) -> Result<Vec<u8>, ProofError> {
    let accesses: Vec<Access> = keys
        .iter()
        .map(|key| Access::Value(to_nibbles(key)))
        .collect();
    proof_of_accesses(state, &accesses)
}

/// Runs `function(parameter)` on `state` and proves every storage access it made, plus
/// `:heappages`. Returns the prototype in every case.
///
/// A Substrate node's execution proof also carries `:code`, the whole runtime (about 800 KB
/// for subtensor). Light clients download the runtime once, through a storage proof, and never
/// read it from a call proof, so it is left out here: with it, proofs took 0.7–3 s to serve
/// and check on a debug build, longer than a devnet block, and smoldot-light restarted
/// transaction validation on every new best block without ever finishing.
pub fn call_proof(
    state: &State,
    runtime: HostVmPrototype,
    function: &str,
    parameter: &[u8],
) -> (HostVmPrototype, Result<Vec<u8>, ProofError>) {
    let mut accesses = vec![Access::Value(to_nibbles(b":heappages"))];
    let (runtime, result) = state.call_recorded(
        runtime,
        function,
        parameter,
        TrieDiff::empty(),
        false,
        Some(&mut accesses),
    );
    let result = result
        .map_err(ProofError::from)
        .and_then(|_| proof_of_accesses(state, &accesses));
    (runtime, result)
}

/// Proof that answers every access in `accesses` from `state`, always with the root node.
///
/// # Errors
///
/// [`ProofError::Inconsistent`] if the node cache does not match the storage.
pub fn proof_of_accesses(state: &State, accesses: &[Access]) -> Result<Vec<u8>, ProofError> {
    let mut paths = Paths {
        state,
        nodes: BTreeMap::new(),
    };
    paths.add(&[], false);
    for access in accesses {
        match access {
            Access::Value(key) => paths.add(key, true),
            Access::ClosestDescendant(key) => paths.add(key, false),
            Access::NextKey {
                key,
                or_equal,
                prefix,
                branch_nodes,
                found,
            } => {
                paths.add(key, false);
                paths.add(prefix, false);
                if let Some(found) = found {
                    paths.add(found, false);
                }
                // Without a match under `prefix`, the client still walks towards the next key
                // in the whole trie until it sees that key leave the prefix.
                if !prefix.is_empty() {
                    let next = if *branch_nodes {
                        runtime::first_key_from(state.nodes(), key.clone(), *or_equal, &[]).cloned()
                    } else {
                        runtime::next_storage_key(
                            state.storage(),
                            runtime::u8_to_nibbles(key),
                            *or_equal,
                            Vec::new(),
                        )
                        .map(|k| k.into_iter().map(u8::from).collect())
                    };
                    if let Some(next) = next {
                        paths.add(&next, false);
                    }
                }
            }
        }
    }
    paths.build()
}

/// The trie nodes a proof must hold (keys in nibbles), each with whether the client needs its
/// storage value itself (only matters for values stored as a hash).
struct Paths<'a> {
    state: &'a State,
    nodes: BTreeMap<Vec<u8>, bool>,
}

impl Paths<'_> {
    /// Adds the nodes a client walks through to look `key` up: every node whose key is a
    /// prefix of `key`, then the node where `key` leaves the trie, if it does.
    fn add(&mut self, key: &[u8], with_value: bool) {
        let nodes = self.state.nodes();
        let mut deepest = None;
        for len in 0..=key.len() {
            if nodes.contains_key(&key[..len]) {
                self.nodes.entry(key[..len].to_vec()).or_insert(false);
                deepest = Some(len);
            }
        }
        if deepest == Some(key.len()) {
            if let Some(needed) = self.nodes.get_mut(key) {
                *needed |= with_value;
            }
            return;
        }
        // The topmost node under the position where `key` branches off its deepest ancestor
        // (the root itself if no node is an ancestor): its partial key shows where they differ.
        let below = match deepest {
            Some(len) => &key[..=len],
            None => &[][..],
        };
        if let Some(node) = self.state.closest_descendant(below) {
            self.nodes.entry(node.clone()).or_insert(false);
        }
    }

    fn build(self) -> Result<Vec<u8>, ProofError> {
        let mut builder = ProofBuilder::with_nodes_capacity(self.nodes.len());
        let mut root = None;
        for (key, with_value) in &self.nodes {
            let node = node_value(self.state, key)?;
            if node.is_root {
                root = Some(blake2_256(&node.value));
            }
            let unhashed = if *with_value { node.hashed_value } else { None };
            builder.set_node_value(&runtime::u8_to_nibbles(key), &node.value, unhashed);
        }
        if let Some(missing) = builder.missing_node_values().next() {
            return Err(ProofError::Inconsistent {
                key: nibbles_hex(missing.iter().map(|n| u8::from(*n))),
                reason: "a node between proven nodes is missing from the node cache",
            });
        }
        if builder.trie_root_hash() != root {
            return Err(ProofError::Inconsistent {
                key: String::new(),
                reason: "the proof's root is not the state's root",
            });
        }
        Ok(builder.build_to_vec())
    }
}

/// A rebuilt node value.
struct NodeValue<'a> {
    value: Vec<u8>,
    /// The storage value, when the node value holds only its hash.
    hashed_value: Option<&'a [u8]>,
    is_root: bool,
}

/// Rebuilds the value of the node at `key` (nibbles) and checks it against the cache.
fn node_value<'a>(state: &'a State, key: &[u8]) -> Result<NodeValue<'a>, ProofError> {
    let inconsistent = |reason| ProofError::Inconsistent {
        key: nibbles_hex(key.iter().copied()),
        reason,
    };
    let nodes = state.nodes();
    let cached = nodes.get(key).ok_or_else(|| inconsistent("not a node"))?;
    let parent_len = (0..key.len())
        .rev()
        .find(|len| nodes.contains_key(&key[..*len]));
    let partial_key = match parent_len {
        Some(len) => &key[len + 1..],
        None => key,
    };
    let mut children: [Option<&[u8]>; 16] = [None; 16];
    let mut child_key = key.to_vec();
    for (nibble, child) in (0u8..).zip(children.iter_mut()) {
        child_key.push(nibble);
        *child = state
            .closest_descendant(&child_key)
            .and_then(|k| nodes.get(k))
            .map(Vec::as_slice);
        child_key.pop();
    }
    // Only keys of whole bytes hold values.
    let stored = if key.len().is_multiple_of(2) {
        let bytes: Vec<u8> = key.chunks(2).map(|pair| (pair[0] << 4) | pair[1]).collect();
        state.get(&bytes)
    } else {
        None
    };
    let hash;
    let (storage_value, hashed_value) = match stored {
        None => (trie_node::StorageValue::None, None),
        // Trie v1 stores values of 33 bytes or more as their hash.
        Some(v) if state.version() == TrieEntryVersion::V1 && v.len() >= 33 => {
            hash = blake2_256(v);
            (trie_node::StorageValue::Hashed(&hash), Some(v))
        }
        Some(v) => (trie_node::StorageValue::Unhashed(v), None),
    };
    let value = trie_node::encode_to_vec(trie_node::Decoded {
        partial_key: runtime::u8_to_nibbles(partial_key).into_iter(),
        children,
        storage_value,
    })
    .map_err(|_| inconsistent("neither children nor a value"))?;
    let is_root = parent_len.is_none();
    // The root is always hashed; other nodes under 32 bytes are their own Merkle value.
    let merkle_matches = if is_root || value.len() >= 32 {
        cached[..] == blake2_256(&value)
    } else {
        *cached == value
    };
    if !merkle_matches {
        return Err(inconsistent(
            "rebuilt node value does not match its Merkle value",
        ));
    }
    Ok(NodeValue {
        value,
        hashed_value,
        is_root,
    })
}

fn blake2_256(data: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(blake2_rfc::blake2b::blake2b(32, &[], data).as_bytes());
    out
}

fn to_nibbles(bytes: &[u8]) -> Vec<u8> {
    trie::bytes_to_nibbles(bytes.iter().copied())
        .map(u8::from)
        .collect()
}

fn nibbles_hex(nibbles: impl Iterator<Item = u8>) -> String {
    nibbles
        .map(|n| char::from_digit(u32::from(n), 16).unwrap_or('?'))
        .collect()
}
