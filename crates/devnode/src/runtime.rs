//! Runs one runtime entry point against an in-memory state: the loop that answers smoldot's
//! executor (storage reads, next-key searches, Merkle values, signature checks) until the call
//! finishes.
//!
//! [`State`] is one block's storage plus the Merkle value of every node of its trie. The call's
//! own writes ride in the `TrieDiff` passed in and returned, so consecutive calls of one block
//! (initialize, inherents, extrinsics, finalize) see each other's writes without touching the
//! state. When the runtime asks for the state root, smoldot recomputes only the nodes above
//! changed keys and takes every untouched subtree's Merkle value from the node cache; with
//! `track_nodes` the call reports the new and removed nodes, which [`State::apply`] folds in.
//! [`State::call_recorded`] also lists the storage questions a call asks ([`Access`]), which
//! [`crate::proof`] turns into the proof a light client re-executes the call with.
//! Without the cache each block rehashed the whole state (the 0.8 MB runtime included): 15,000
//! next-key requests per block. Child tries are not supported (subtensor's runtime has none).

use std::collections::BTreeMap;
use std::ops::Bound;

use smoldot::executor::{
    self, host::HostVmPrototype, runtime_call, runtime_call::TrieEntryVersion,
    storage_diff::TrieDiff, trie_root_calculator,
};
use smoldot::trie::{self, branch_search};

/// A block's storage: key to value, sorted as the trie orders keys.
pub type Storage = BTreeMap<Vec<u8>, Vec<u8>>;

/// Why a runtime call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The virtual machine did not start (unknown entry point, bad parameters).
    #[error("runtime call {function} did not start: {source}")]
    Start {
        /// Entry point that was called.
        function: String,
        /// smoldot's reason.
        #[source]
        source: executor::host::StartErr,
    },
    /// The runtime trapped or misbehaved; `logs` holds what it printed before.
    #[error("runtime call {function} failed: {source}{}", fmt_logs(.logs))]
    Runtime {
        /// Entry point that was called.
        function: String,
        /// smoldot's reason (a trap carries the runtime's panic message).
        #[source]
        source: runtime_call::ErrorDetail,
        /// Runtime log lines emitted during the call.
        logs: Vec<String>,
    },
    /// The runtime touched a child trie, which this node does not store.
    #[error("runtime call {function} used child tries, which the devnode does not support")]
    ChildTrie {
        /// Entry point that was called.
        function: String,
    },
    /// The runtime called an offchain-worker-only host function during a block call.
    #[error("runtime call {function} used an offchain-worker host function")]
    Offchain {
        /// Entry point that was called.
        function: String,
    },
}

fn fmt_logs(logs: &[String]) -> String {
    if logs.is_empty() {
        String::new()
    } else {
        format!(" (runtime logs: {})", logs.join(" | "))
    }
}

/// Output of a successful call.
pub struct CallOutput {
    /// The SCALE-encoded return value.
    pub output: Vec<u8>,
    /// The diff passed in, with this call's writes on top.
    pub diff: TrieDiff,
    /// Trie nodes changed by the diff (key in nibbles, new Merkle value or `None` if removed);
    /// filled only when the call tracked nodes and the runtime computed the state root.
    pub node_changes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

/// What a block changed: storage entries and trie nodes, each sorted by key.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Storage writes (`None` deletes the key).
    pub storage: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// Trie node updates, keys in nibbles (`None` removes the node).
    pub nodes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

/// One storage question a runtime call asked, kept so that a proof can cover its answer.
/// Keys are in nibbles (one per byte), as the executor asks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The value at a key (even number of nibbles).
    Value(Vec<u8>),
    /// The first key after `key` (or at it) under `prefix`; with `branch_nodes`, branch nodes
    /// count as keys. `found` is the answer given.
    NextKey {
        /// Key the search starts from.
        key: Vec<u8>,
        /// Whether `key` itself may be the answer.
        or_equal: bool,
        /// Prefix the answer must start with.
        prefix: Vec<u8>,
        /// Whether branch nodes count.
        branch_nodes: bool,
        /// The answer.
        found: Option<Vec<u8>>,
    },
    /// The Merkle value of the closest node at or below a key.
    ClosestDescendant(Vec<u8>),
}

/// Maximum log level passed to the runtime: warnings and errors only, so that a failing block
/// explains itself without slowing every call down with debug formatting.
const MAX_LOG_LEVEL: u32 = 2;

/// One block's storage and the Merkle values of its trie nodes.
#[derive(Clone)]
pub struct State {
    storage: Storage,
    /// Every trie node, storage and branch nodes alike: nibbles (one per byte) to Merkle value.
    nodes: BTreeMap<Vec<u8>, Vec<u8>>,
    version: TrieEntryVersion,
}

impl core::fmt::Debug for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("State")
            .field("keys", &self.storage.len())
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

impl State {
    /// Builds the node cache of `storage` (one full trie computation).
    pub fn new(storage: Storage, version: TrieEntryVersion) -> Self {
        let mut diff = TrieDiff::empty();
        for (key, value) in &storage {
            diff.diff_insert(key.clone(), value.clone(), ());
        }
        let mut nodes = BTreeMap::new();
        // Everything is an insertion over an empty base trie, so every node is reported.
        let mut calc = trie_root_calculator::trie_root_calculator(trie_root_calculator::Config {
            diff,
            diff_trie_entries_version: version,
            max_trie_recalculation_depth_hint: 16,
        });
        loop {
            calc = match calc {
                trie_root_calculator::InProgress::Finished { .. } => break,
                trie_root_calculator::InProgress::ClosestDescendant(req) => {
                    req.inject(None::<core::iter::Empty<trie::Nibble>>)
                }
                trie_root_calculator::InProgress::StorageValue(req) => req.inject_value(None),
                trie_root_calculator::InProgress::ClosestDescendantMerkleValue(req) => {
                    req.resume_unknown()
                }
                trie_root_calculator::InProgress::TrieNodeInsertUpdateEvent(ev) => {
                    nodes.insert(nibbles_to_u8(ev.key_as_vec()), ev.merkle_value().to_vec());
                    ev.resume()
                }
                trie_root_calculator::InProgress::TrieNodeRemoveEvent(ev) => {
                    nodes.remove(&nibbles_to_u8(ev.key_as_vec()));
                    ev.resume()
                }
            };
        }
        State {
            storage,
            nodes,
            version,
        }
    }

    /// Value at `key`.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.storage.get(key).map(Vec::as_slice)
    }

    /// All entries, sorted by key.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Number of trie nodes (storage and branch nodes).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Every trie node, keys in nibbles (one per byte), to its Merkle value.
    pub fn nodes(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.nodes
    }

    /// Trie entry version values are stored with.
    pub fn version(&self) -> TrieEntryVersion {
        self.version
    }

    /// Sets the version for later writes (after a runtime upgrade changes it).
    pub fn set_version(&mut self, version: TrieEntryVersion) {
        self.version = version;
    }

    /// The state root, from the node cache.
    pub fn root(&self) -> [u8; 32] {
        let mut calc = trie_root_calculator::trie_root_calculator(trie_root_calculator::Config {
            diff: TrieDiff::empty(),
            diff_trie_entries_version: self.version,
            max_trie_recalculation_depth_hint: 1,
        });
        loop {
            calc = match calc {
                trie_root_calculator::InProgress::Finished { trie_root_hash } => {
                    return trie_root_hash;
                }
                trie_root_calculator::InProgress::ClosestDescendant(req) => {
                    let found = self.closest_descendant(&nibbles_to_u8(req.key_as_vec()));
                    req.inject(found.map(|k| u8_to_nibbles(k).into_iter()))
                }
                trie_root_calculator::InProgress::StorageValue(req) => {
                    let key = req.key_as_vec();
                    let bytes: Vec<u8> =
                        trie::nibbles_to_bytes_suffix_extend(key.into_iter()).collect();
                    let value = self.storage.get(&bytes).map(|v| (&v[..], self.version));
                    req.inject_value(value)
                }
                trie_root_calculator::InProgress::ClosestDescendantMerkleValue(req) => {
                    let key = nibbles_to_u8(req.key_as_vec());
                    match self
                        .closest_descendant(&key)
                        .and_then(|k| self.nodes.get(k))
                    {
                        Some(mv) => req.inject_merkle_value(mv),
                        None => req.resume_unknown(),
                    }
                }
                trie_root_calculator::InProgress::TrieNodeInsertUpdateEvent(ev) => ev.resume(),
                trie_root_calculator::InProgress::TrieNodeRemoveEvent(ev) => ev.resume(),
            };
        }
    }

    /// Key (nibbles) of the first node at or below `key`: since a key sorts before its
    /// extensions, it is the first node not smaller than `key`, if it starts with `key`.
    pub fn closest_descendant(&self, key: &[u8]) -> Option<&Vec<u8>> {
        self.nodes
            .range::<[u8], _>((Bound::Included(key), Bound::Unbounded))
            .next()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with(key))
    }

    /// The changes that undo `changes` once they are applied: the current value (or absence)
    /// of every storage entry and trie node they touch.
    pub fn undo_of(&self, changes: &Changes) -> Changes {
        Changes {
            storage: changes
                .storage
                .iter()
                .map(|(key, _)| (key.clone(), self.storage.get(key).cloned()))
                .collect(),
            nodes: changes
                .nodes
                .iter()
                .map(|(key, _)| (key.clone(), self.nodes.get(key).cloned()))
                .collect(),
        }
    }

    /// Applies a block's changes (its storage writes and the trie nodes they touched).
    pub fn apply(&mut self, changes: &Changes) {
        for (key, value) in &changes.storage {
            match value {
                Some(v) => self.storage.insert(key.clone(), v.clone()),
                None => self.storage.remove(key),
            };
        }
        for (key, value) in &changes.nodes {
            match value {
                Some(v) => self.nodes.insert(key.clone(), v.clone()),
                None => self.nodes.remove(key),
            };
        }
    }

    /// Calls `function` with `parameter` on `runtime`, reading this state below `diff`. With
    /// `track_nodes`, the output lists the trie nodes the diff changes (needed to
    /// [`apply`](Self::apply) a block; costs nothing extra when the runtime computes the root
    /// itself, as `finalize_block` and `execute_block` do).
    ///
    /// Returns the prototype in every case so the caller can keep using it.
    pub fn call(
        &self,
        runtime: HostVmPrototype,
        function: &str,
        parameter: &[u8],
        diff: TrieDiff,
        track_nodes: bool,
    ) -> (HostVmPrototype, Result<CallOutput, CallError>) {
        self.call_recorded(runtime, function, parameter, diff, track_nodes, None)
    }

    /// [`call`](Self::call) that also appends every storage question the state answers to
    /// `accesses`, when given: what a proof of the call must cover. Questions that `diff`
    /// answers by itself never reach the state and are not recorded (proofs use an empty diff).
    pub fn call_recorded(
        &self,
        runtime: HostVmPrototype,
        function: &str,
        parameter: &[u8],
        diff: TrieDiff,
        track_nodes: bool,
        mut accesses: Option<&mut Vec<Access>>,
    ) -> (HostVmPrototype, Result<CallOutput, CallError>) {
        let mut logs = Vec::new();
        let mut call = match runtime_call::run(runtime_call::Config {
            virtual_machine: runtime,
            function_to_call: function,
            parameter: core::iter::once(parameter),
            storage_main_trie_changes: diff,
            storage_proof_size_behavior: runtime_call::StorageProofSizeBehavior::Unimplemented,
            max_log_level: MAX_LOG_LEVEL,
            calculate_trie_changes: track_nodes,
        }) {
            Ok(call) => call,
            Err((source, proto)) => {
                let function = function.to_owned();
                return (proto, Err(CallError::Start { function, source }));
            }
        };

        loop {
            call = match call {
                runtime_call::RuntimeCall::Finished(Ok(success)) => {
                    let output = success.virtual_machine.value().as_ref().to_vec();
                    let proto = success.virtual_machine.into_prototype();
                    let changes = success.storage_changes;
                    if changes
                        .tries_with_storage_changes_unordered()
                        .next()
                        .is_some()
                    {
                        let function = function.to_owned();
                        return (proto, Err(CallError::ChildTrie { function }));
                    }
                    let node_changes = changes
                        .trie_changes_iter_ordered()
                        .into_iter()
                        .flatten()
                        .filter(|(child, _, _)| child.is_none())
                        .map(|(_, key, change)| {
                            let key = key.iter().map(|n| u8::from(*n)).collect();
                            match change {
                                runtime_call::TrieChange::Remove => (key, None),
                                runtime_call::TrieChange::InsertUpdate {
                                    new_merkle_value, ..
                                } => (key, Some(new_merkle_value.to_vec())),
                            }
                        })
                        .collect();
                    let diff = changes.into_main_trie_diff();
                    return (
                        proto,
                        Ok(CallOutput {
                            output,
                            diff,
                            node_changes,
                        }),
                    );
                }
                runtime_call::RuntimeCall::Finished(Err(err)) => {
                    let function = function.to_owned();
                    let error = CallError::Runtime {
                        function,
                        source: err.detail,
                        logs,
                    };
                    return (err.prototype, Err(error));
                }
                runtime_call::RuntimeCall::StorageGet(get) => {
                    if get.child_trie().is_some() {
                        let function = function.to_owned();
                        let proto = runtime_call::RuntimeCall::StorageGet(get).into_prototype();
                        return (proto, Err(CallError::ChildTrie { function }));
                    }
                    if let Some(accesses) = accesses.as_deref_mut() {
                        let key = get.key();
                        let nibbles = trie::bytes_to_nibbles(key.as_ref().iter().copied());
                        accesses.push(Access::Value(nibbles.map(u8::from).collect()));
                    }
                    let value = self.storage.get(get.key().as_ref());
                    get.inject_value(value.map(|v| (core::iter::once(&v[..]), self.version)))
                }
                runtime_call::RuntimeCall::ClosestDescendantMerkleValue(req) => {
                    if req.child_trie().is_some() {
                        let function = function.to_owned();
                        let proto = runtime_call::RuntimeCall::ClosestDescendantMerkleValue(req)
                            .into_prototype();
                        return (proto, Err(CallError::ChildTrie { function }));
                    }
                    let key: Vec<u8> = req.key().map(u8::from).collect();
                    if let Some(accesses) = accesses.as_deref_mut() {
                        accesses.push(Access::ClosestDescendant(key.clone()));
                    }
                    match self
                        .closest_descendant(&key)
                        .and_then(|k| self.nodes.get(k))
                    {
                        Some(mv) => req.inject_merkle_value(Some(mv)),
                        None => req.resume_unknown(),
                    }
                }
                runtime_call::RuntimeCall::NextKey(req) => {
                    if req.child_trie().is_some() {
                        let function = function.to_owned();
                        let proto = runtime_call::RuntimeCall::NextKey(req).into_prototype();
                        return (proto, Err(CallError::ChildTrie { function }));
                    }
                    let next = if req.branch_nodes() {
                        self.next_node(
                            req.key().map(u8::from).collect(),
                            req.or_equal(),
                            req.prefix().map(u8::from).collect(),
                        )
                    } else {
                        next_storage_key(
                            &self.storage,
                            req.key().collect(),
                            req.or_equal(),
                            req.prefix().collect(),
                        )
                    };
                    if let Some(accesses) = accesses.as_deref_mut() {
                        accesses.push(Access::NextKey {
                            key: req.key().map(u8::from).collect(),
                            or_equal: req.or_equal(),
                            prefix: req.prefix().map(u8::from).collect(),
                            branch_nodes: req.branch_nodes(),
                            found: next
                                .as_ref()
                                .map(|k| k.iter().map(|n| u8::from(*n)).collect()),
                        });
                    }
                    req.inject_key(next.map(Vec::into_iter))
                }
                runtime_call::RuntimeCall::SignatureVerification(req) => req.verify_and_resume(),
                runtime_call::RuntimeCall::LogEmit(req) => {
                    if let executor::host::LogEmitInfo::Log {
                        log_level,
                        target,
                        message,
                    } = req.info()
                    {
                        logs.push(format!("[{log_level}] {target}: {message}"));
                    }
                    req.resume()
                }
                runtime_call::RuntimeCall::OffchainStorageSet(req) => req.resume(),
                runtime_call::RuntimeCall::Offchain(ctx) => {
                    let function = function.to_owned();
                    return (ctx.into_prototype(), Err(CallError::Offchain { function }));
                }
            };
        }
    }

    /// First trie node (branch nodes included) after `key` (or at it, per `or_equal`) that
    /// starts with `prefix`, all in nibbles.
    fn next_node(
        &self,
        key: Vec<u8>,
        or_equal: bool,
        prefix: Vec<u8>,
    ) -> Option<Vec<trie::Nibble>> {
        first_key_from(&self.nodes, key, or_equal, &prefix).map(|k| u8_to_nibbles(k))
    }
}

/// The first key of a sorted map after `before` (or at it, with `or_equal`) that starts with
/// `prefix`: the one question every trie walk here (node cache, branch search, root
/// calculation) asks of the storage it walks.
pub(crate) fn first_key_from<'a, V>(
    map: &'a BTreeMap<Vec<u8>, V>,
    before: Vec<u8>,
    or_equal: bool,
    prefix: &[u8],
) -> Option<&'a Vec<u8>> {
    let lower = if or_equal {
        Bound::Included(before)
    } else {
        Bound::Excluded(before)
    };
    map.range((lower, Bound::Unbounded))
        .next()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with(prefix))
}

/// The first storage key after `key` (or at it) under `prefix`, in nibbles; only keys with a
/// value count. smoldot's branch search handles keys with an odd number of nibbles.
pub(crate) fn next_storage_key(
    storage: &Storage,
    key: Vec<trie::Nibble>,
    or_equal: bool,
    prefix: Vec<trie::Nibble>,
) -> Option<Vec<trie::Nibble>> {
    let mut search = branch_search::start_branch_search(branch_search::Config {
        key_before: key.into_iter(),
        or_equal,
        prefix: prefix.into_iter(),
        no_branch_search: true,
    });
    loop {
        let prefix: Vec<u8> = search.prefix().collect();
        let found = first_key_from(
            storage,
            search.key_before().collect(),
            search.or_equal(),
            &prefix,
        );
        match search.inject(found.map(|k| k.iter().copied())) {
            branch_search::BranchSearch::NextKey(next) => search = next,
            branch_search::BranchSearch::Found {
                branch_trie_node_key,
            } => return branch_trie_node_key.map(Iterator::collect),
        }
    }
}

fn nibbles_to_u8(nibbles: Vec<trie::Nibble>) -> Vec<u8> {
    nibbles.into_iter().map(u8::from).collect()
}

pub(crate) fn u8_to_nibbles(nibbles: &[u8]) -> Vec<trie::Nibble> {
    // The cache only holds keys built from `Nibble`s, so every byte is below 16.
    nibbles
        .iter()
        .filter_map(|n| trie::Nibble::try_from(*n).ok())
        .collect()
}

/// The Merkle root of `storage` (blake2 trie, every value at `version`), computed from scratch
/// without any cache. An independent check of the roots the runtime writes into headers.
pub fn state_root(storage: &Storage, version: TrieEntryVersion) -> [u8; 32] {
    let mut calc = trie::calculate_root::root_merkle_value(trie::HashFunction::Blake2);
    loop {
        match calc {
            trie::calculate_root::RootMerkleValueCalculation::Finished { hash, .. } => {
                return hash;
            }
            trie::calculate_root::RootMerkleValueCalculation::NextKey(req) => {
                let prefix: Vec<u8> = req.prefix().collect();
                let found =
                    first_key_from(storage, req.key_before().collect(), req.or_equal(), &prefix);
                calc = req.inject_key(found.map(|k| k.iter().copied()));
            }
            trie::calculate_root::RootMerkleValueCalculation::StorageValue(req) => {
                let key: Vec<u8> = req.key().collect();
                let value = storage.get(&key).map(|v| (&v[..], version));
                calc = req.inject(value);
            }
        }
    }
}

/// Turns a block's final diff and node changes into sorted [`Changes`].
pub fn changes(diff: TrieDiff, mut nodes: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Changes {
    let mut storage: Vec<(Vec<u8>, Option<Vec<u8>>)> = diff
        .diff_into_iter_unordered()
        .map(|(k, v, ())| (k, v))
        .collect();
    storage.sort_by(|a, b| a.0.cmp(&b.0));
    nodes.sort_by(|a, b| a.0.cmp(&b.0));
    Changes { storage, nodes }
}
