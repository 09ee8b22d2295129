//! The development chain specification: subtensor's `aura-dev` chain (runtime spec_version 293,
//! the real Yuma epoch) with its authorities and sudo key replaced by development keys, which
//! gives a new chain with its own genesis hash.
//!
//! `aura-dev.json` (subtensor's node-decentralization branch) is not a raw spec: its genesis is
//! the runtime's code and a JSON patch. [`build_genesis`] has the runtime build its own genesis
//! storage (`GenesisBuilder`), as a Substrate node does, which takes about a second; the
//! development patch then writes SCALE-encoded values at fixed storage keys. Those keys are
//! `twox128(pallet) ++ twox128(item)` of FRAME storage values and never change for these items;
//! they are written out here rather than hashed so that a reader can grep them in the spec. The
//! spec is shipped gzip-compressed (1.6 MB) and inflated once at start.
//!
//! [`DevRuntime::Spec300`] swaps in subtensor's `babe-npos.wasm` (spec 300, same branch and
//! commit, sha256 6c0a6f0b…ac0e8) under the same spec and patch: the runtime advertises AuraApi
//! and BabeApi, as finney's does, while the devnode authors with Aura; its genesis is built the
//! same way (128 keys) and the default scenario seeds and runs real epochs on it unchanged.

use std::io::Read as _;

use smoldot::executor::{self, host::HostVmPrototype, runtime_call::TrieEntryVersion};

use crate::keys::DevKeys;
use crate::runtime::{State, Storage};

/// subtensor's `aura-dev` spec (`chainspecs/aura-dev.json` of the node-decentralization branch,
/// gzip -9): runtime spec_version 293 with the real epoch, not raw. Its genesis is the
/// runtime's own default preset with the spec's patch on top, built by [`build_genesis`].
const AURA_DEV_GZ: &[u8] = include_bytes!("../specs/aura-dev-spec293.json.gz");

/// subtensor's `babe-npos.wasm` (same branch and commit as [`AURA_DEV_GZ`], zstd-compressed as
/// upstream ships it): runtime spec_version 300, which advertises both AuraApi and BabeApi while
/// blocks carry Aura's digest, as finney's runtime does.
const BABE_NPOS_SPEC300: &[u8] = include_bytes!("../specs/babe-npos-spec300.wasm");

/// Which subtensor runtime the development chain runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DevRuntime {
    /// spec_version 293 (`aura-dev`): Aura only. The default.
    #[default]
    Spec293,
    /// spec_version 300 (`babe-npos`): advertises Aura and BABE, like finney's runtime, the case
    /// stock smoldot refuses (see vendor/README.md, smoldot 3).
    Spec300,
}

impl DevRuntime {
    /// From the spec version a user names (`293`, `300`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "293" => Some(DevRuntime::Spec293),
            "300" => Some(DevRuntime::Spec300),
            _ => None,
        }
    }
}

/// `Aura.Authorities`: `BoundedVec<sr25519::Public>`.
pub const AURA_AUTHORITIES_KEY: &str =
    "0x57f8dc2f5ab09467896f47300f0424385e0621c4869aa60c02be9adcc98a0d1d";
/// `Grandpa.Authorities`: `BoundedVec<(ed25519::Public, u64 weight)>`.
pub const GRANDPA_AUTHORITIES_KEY: &str =
    "0x5f9cc45b7a00c5899361e1c6099678dc5e0621c4869aa60c02be9adcc98a0d1d";
/// `Grandpa.CurrentSetId`: `u64`.
pub const GRANDPA_CURRENT_SET_ID_KEY: &str =
    "0x5f9cc45b7a00c5899361e1c6099678dc8a2d09463effcc78a22d75b9cb87dffc";
/// `Sudo.Key`: `AccountId32`.
pub const SUDO_KEY_KEY: &str = "0x5c0d1176a568c1f92944340dbfed9e9c530ebca703c85910e7164cb7d1c9e47b";

/// `Balances.TotalIssuance`: `u64`.
pub const BALANCES_TOTAL_ISSUANCE_KEY: &str =
    "0xc2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80";
/// Free balance given to the sudo account in genesis: 1,000,000 TAO, in rao. Without one the
/// sudo key cannot pay the fee of its own `Sudo.sudo` extrinsics (a `--key` other than Alice
/// has none in the upstream genesis).
pub const SUDO_ENDOWMENT: u64 = 1_000_000 * 1_000_000_000;

/// Name, id and chain type written into the development spec.
pub const DEV_CHAIN_NAME: &str = "Bittensor devnode";
/// See [`DEV_CHAIN_NAME`]. Distinct from subtensor's `bittensor` so that a client keeps them
/// apart.
pub const DEV_CHAIN_ID: &str = "taoscope_devnode";

/// Why the development spec could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The embedded spec did not inflate.
    #[error("embedded chain spec is not valid gzip: {0}")]
    Inflate(#[from] std::io::Error),
    /// The spec is not JSON, or lacks `genesis.raw.top`.
    #[error("chain spec JSON has an unexpected shape: {0}")]
    Shape(&'static str),
    /// The JSON did not parse.
    #[error("chain spec is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// smoldot rejected the patched spec.
    #[error("smoldot rejected the chain spec: {0}")]
    Smoldot(String),
    /// The runtime could not build its genesis state.
    #[error("building the genesis state: {0}")]
    Genesis(String),
}

/// Inflates an embedded gzip file.
fn inflate(gz: &[u8]) -> Result<Vec<u8>, SpecError> {
    let mut out = Vec::with_capacity(gz.len() * 2);
    flate2::read::GzDecoder::new(gz).read_to_end(&mut out)?;
    Ok(out)
}

/// The raw form of subtensor's `aura-dev` spec (runtime spec_version 293): its genesis
/// built by the runtime itself, see [`build_genesis`].
///
/// # Errors
///
/// [`SpecError`] if the embedded spec is damaged or the runtime fails to build its genesis.
pub fn aura_dev_raw_json() -> Result<Vec<u8>, SpecError> {
    raw_from_genesis_config(&inflate(AURA_DEV_GZ)?)
}

/// subtensor's `aura-dev` spec with its runtime replaced by spec 300 (`babe-npos`) and the
/// genesis that runtime builds from the same patch.
///
/// # Errors
///
/// [`SpecError`] if the embedded files are damaged or the runtime fails to build genesis.
pub fn babe_npos_raw_json() -> Result<Vec<u8>, SpecError> {
    let mut spec: serde_json::Value = serde_json::from_slice(&inflate(AURA_DEV_GZ)?)?;
    let genesis = spec
        .get_mut("genesis")
        .and_then(|g| g.get_mut("runtimeGenesis"))
        .ok_or(SpecError::Shape("missing genesis.runtimeGenesis"))?;
    genesis["code"] = format!("0x{}", hex::encode(BABE_NPOS_SPEC300)).into();
    raw_from_genesis_config(&serde_json::to_vec(&spec)?)
}

/// Turns a spec whose genesis is `runtimeGenesis: {code, patch}` into a raw spec: the same
/// fields with `genesis.raw.top` holding the storage [`build_genesis`] produces.
///
/// # Errors
///
/// [`SpecError`] for another genesis shape or a runtime that fails to build.
pub fn raw_from_genesis_config(spec_json: &[u8]) -> Result<Vec<u8>, SpecError> {
    let mut spec: serde_json::Value = serde_json::from_slice(spec_json)?;
    let genesis = spec
        .get("genesis")
        .and_then(|g| g.get("runtimeGenesis"))
        .ok_or(SpecError::Shape("missing genesis.runtimeGenesis"))?;
    let code = genesis
        .get("code")
        .and_then(|c| c.as_str())
        .and_then(|c| hex::decode(c.trim_start_matches("0x")).ok())
        .ok_or(SpecError::Shape("genesis.runtimeGenesis.code is not hex"))?;
    let patch = genesis
        .get("patch")
        .cloned()
        .unwrap_or(serde_json::Value::Object(Default::default()));
    let storage = build_genesis(&code, &patch)?;
    let top: serde_json::Map<String, serde_json::Value> = storage
        .iter()
        .map(|(k, v)| {
            (
                format!("0x{}", hex::encode(k)),
                format!("0x{}", hex::encode(v)).into(),
            )
        })
        .collect();
    spec["genesis"] = serde_json::json!({ "raw": { "top": top, "childrenDefault": {} } });
    Ok(serde_json::to_vec(&spec)?)
}

/// The genesis storage a runtime builds for `patch` (a genesis config in JSON, as the chain
/// spec's `patch`), `:code` included.
///
/// `GenesisBuilder_build_state` fills every pallet from the JSON it is given and fails on a
/// missing pallet (`missing field 'system'`), so the patch is merged into the runtime's default
/// preset (`GenesisBuilder_get_preset(None)`), as Substrate's node does for a spec patch.
///
/// # Errors
///
/// [`SpecError::Genesis`] when the runtime does not load or either call fails.
pub fn build_genesis(code: &[u8], patch: &serde_json::Value) -> Result<Storage, SpecError> {
    let fail = |what: &str, e: &dyn core::fmt::Display| SpecError::Genesis(format!("{what}: {e}"));
    let runtime = HostVmPrototype::new(executor::host::Config {
        module: code,
        heap_pages: executor::DEFAULT_HEAP_PAGES,
        exec_hint: executor::vm::ExecHint::ValidateAndExecuteOnce,
        allow_unresolved_imports: true,
    })
    .map_err(|e| fail("loading the runtime", &e))?;
    let empty = State::new(Storage::new(), TrieEntryVersion::V1);

    // `Option<PresetId>::None`: the default preset, answered as `Option<Vec<u8>>` (JSON).
    let (runtime, preset) = empty.call(
        runtime,
        "GenesisBuilder_get_preset",
        &[0],
        executor::storage_diff::TrieDiff::empty(),
        false,
    );
    let preset = preset
        .map_err(|e| fail("GenesisBuilder_get_preset", &e))?
        .output;
    let json = match preset.split_first() {
        Some((1, rest)) => crate::scale::take_compact(rest)
            .and_then(|(len, json)| json.get(..usize::try_from(len).ok()?))
            .ok_or_else(|| fail("GenesisBuilder_get_preset", &"malformed answer"))?
            .to_vec(),
        _ => return Err(fail("GenesisBuilder_get_preset", &"no default preset")),
    };
    let mut config: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| fail("the default preset", &e))?;
    merge_json(&mut config, patch);

    // `build_state(json: Vec<u8>) -> Result<(), String>`.
    let config = serde_json::to_vec(&config)?;
    let mut param = crate::scale::compact(config.len());
    param.extend_from_slice(&config);
    let (_, built) = empty.call(
        runtime,
        "GenesisBuilder_build_state",
        &param,
        executor::storage_diff::TrieDiff::empty(),
        false,
    );
    let built = built.map_err(|e| fail("GenesisBuilder_build_state", &e))?;
    if built.output.first() != Some(&0) {
        let reason = String::from_utf8_lossy(built.output.get(2..).unwrap_or_default());
        return Err(fail("GenesisBuilder_build_state", &reason));
    }
    let mut storage: Storage = built
        .diff
        .diff_into_iter_unordered()
        .filter_map(|(k, v, ())| Some((k, v?)))
        .collect();
    storage.insert(b":code".to_vec(), code.to_vec());
    Ok(storage)
}

/// Merges `patch` into `base` as Substrate merges a genesis patch: objects key by key,
/// anything else replaced.
fn merge_json(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                merge_json(b.entry(k.clone()).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// The development spec: its JSON text and smoldot's parsed form.
#[derive(Clone)]
pub struct DevSpec {
    json: String,
    parsed: smoldot::chain_spec::ChainSpec,
}

impl core::fmt::Debug for DevSpec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DevSpec")
            .field("id", &self.parsed.id())
            .field("json_bytes", &self.json.len())
            .finish()
    }
}

impl DevSpec {
    /// subtensor's `aura-dev` chain (runtime spec_version 293, the real epoch) with `keys` as
    /// the only Aura and GRANDPA authority (set id 0) and as sudo.
    ///
    /// # Errors
    ///
    /// [`SpecError`] if the embedded spec is damaged or its runtime fails to build genesis.
    pub fn aura_dev(keys: &DevKeys) -> Result<Self, SpecError> {
        Self::patch(&aura_dev_raw_json()?, keys)
    }

    /// The development chain on `runtime`, patched as [`DevSpec::aura_dev`].
    ///
    /// # Errors
    ///
    /// [`SpecError`] if the embedded files are damaged or the runtime fails to build genesis.
    pub fn of(runtime: DevRuntime, keys: &DevKeys) -> Result<Self, SpecError> {
        match runtime {
            DevRuntime::Spec293 => Self::aura_dev(keys),
            DevRuntime::Spec300 => Self::patch(&babe_npos_raw_json()?, keys),
        }
    }

    /// Applies the development patch to any raw spec whose runtime keeps Aura, GRANDPA and
    /// Sudo at the standard storage keys.
    ///
    /// # Errors
    ///
    /// [`SpecError`] if `raw_spec` is not a raw spec or smoldot rejects the result.
    pub fn patch(raw_spec: &[u8], keys: &DevKeys) -> Result<Self, SpecError> {
        let mut spec: serde_json::Value = serde_json::from_slice(raw_spec)?;
        let root = spec
            .as_object_mut()
            .ok_or(SpecError::Shape("not an object"))?;
        root.insert("name".into(), DEV_CHAIN_NAME.into());
        root.insert("id".into(), DEV_CHAIN_ID.into());
        root.insert("chainType".into(), "Development".into());
        root.insert("protocolId".into(), DEV_CHAIN_ID.into());
        root.insert("bootNodes".into(), serde_json::Value::Array(Vec::new()));
        // The upstream chain's bad blocks are not this chain's.
        root.remove("badBlocks");
        let top = root
            .get_mut("genesis")
            .and_then(|g| g.get_mut("raw"))
            .and_then(|r| r.get_mut("top"))
            .and_then(|t| t.as_object_mut())
            .ok_or(SpecError::Shape("missing genesis.raw.top"))?;

        let mut put = |key: &str, value: Vec<u8>| {
            top.insert(key.to_owned(), format!("0x{}", hex::encode(value)).into());
        };
        put(
            AURA_AUTHORITIES_KEY,
            aura_authorities(&[keys.aura_public()]),
        );
        put(
            GRANDPA_AUTHORITIES_KEY,
            grandpa_authorities(&[keys.grandpa_public()]),
        );
        put(GRANDPA_CURRENT_SET_ID_KEY, 0u64.to_le_bytes().to_vec());
        put(SUDO_KEY_KEY, keys.account_id().to_vec());

        // The sudo account's `System.Account` entry, and the issuance that includes it.
        let account = keys.account_id();
        let mut account_key = storage_value_key("System", "Account").to_vec();
        account_key.extend_from_slice(blake2_rfc::blake2b::blake2b(16, &[], &account).as_bytes());
        account_key.extend_from_slice(&account);
        let issuance = top
            .get(BALANCES_TOTAL_ISSUANCE_KEY)
            .and_then(|v| v.as_str())
            .and_then(|v| hex::decode(v.trim_start_matches("0x")).ok())
            .and_then(|v| <[u8; 8]>::try_from(v).ok())
            .map_or(0, u64::from_le_bytes);
        let previous = top
            .get(&format!("0x{}", hex::encode(&account_key)))
            .and_then(|v| v.as_str())
            .and_then(|v| hex::decode(v.trim_start_matches("0x")).ok())
            .and_then(|v| {
                v.get(16..24)
                    .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            })
            .unwrap_or(0);
        let issuance = issuance
            .saturating_sub(previous)
            .saturating_add(SUDO_ENDOWMENT);
        let mut put = |key: &str, value: Vec<u8>| {
            top.insert(key.to_owned(), format!("0x{}", hex::encode(value)).into());
        };
        put(
            &format!("0x{}", hex::encode(&account_key)),
            account_info(SUDO_ENDOWMENT),
        );
        put(BALANCES_TOTAL_ISSUANCE_KEY, issuance.to_le_bytes().to_vec());

        let json = serde_json::to_string(&spec)?;
        let parsed = smoldot::chain_spec::ChainSpec::from_json_bytes(json.as_bytes())
            .map_err(|e| SpecError::Smoldot(e.to_string()))?;
        Ok(DevSpec { json, parsed })
    }

    /// The same spec listing `boot_nodes` (multiaddrs ending in `/p2p/<peer id>`), which is
    /// how a light client finds the devnode.
    ///
    /// # Errors
    ///
    /// [`SpecError`] if smoldot rejects an address.
    pub fn with_boot_nodes(&self, boot_nodes: &[String]) -> Result<Self, SpecError> {
        let mut spec: serde_json::Value = serde_json::from_str(&self.json)?;
        let root = spec
            .as_object_mut()
            .ok_or(SpecError::Shape("not an object"))?;
        root.insert("bootNodes".into(), boot_nodes.into());
        let json = serde_json::to_string(&spec)?;
        let parsed = smoldot::chain_spec::ChainSpec::from_json_bytes(json.as_bytes())
            .map_err(|e| SpecError::Smoldot(e.to_string()))?;
        Ok(DevSpec { json, parsed })
    }

    /// The same spec with its genesis given only as the state root hash (`stateRootHash`): a
    /// few hundred bytes instead of the whole genesis state. A light client can start from it
    /// only together with a checkpoint (it has no genesis state to start from).
    ///
    /// # Errors
    ///
    /// [`SpecError`] if smoldot rejects the result.
    pub fn with_state_root_only(&self, state_root: &[u8; 32]) -> Result<Self, SpecError> {
        let mut spec: serde_json::Value = serde_json::from_str(&self.json)?;
        spec["genesis"] =
            serde_json::json!({ "stateRootHash": format!("0x{}", hex::encode(state_root)) });
        let json = serde_json::to_string(&spec)?;
        let parsed = smoldot::chain_spec::ChainSpec::from_json_bytes(json.as_bytes())
            .map_err(|e| SpecError::Smoldot(e.to_string()))?;
        Ok(DevSpec { json, parsed })
    }

    /// The spec as JSON, ready for a light client (`addChain`) or a Substrate node.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// smoldot's view of the spec.
    pub fn chain_spec(&self) -> &smoldot::chain_spec::ChainSpec {
        &self.parsed
    }
}

/// Storage key of a FRAME storage value: `twox128(pallet) ++ twox128(item)`.
pub fn storage_value_key(pallet: &str, item: &str) -> [u8; 32] {
    let mut key = [0; 32];
    key[..16].copy_from_slice(&twox128(pallet.as_bytes()));
    key[16..].copy_from_slice(&twox128(item.as_bytes()));
    key
}

/// Substrate's `twox_128`: two xxHash64 with seeds 0 and 1, little-endian, concatenated.
fn twox128(data: &[u8]) -> [u8; 16] {
    let mut out = [0; 16];
    out[..8].copy_from_slice(&twox_hash::XxHash64::oneshot(0, data).to_le_bytes());
    out[8..].copy_from_slice(&twox_hash::XxHash64::oneshot(1, data).to_le_bytes());
    out
}

/// SCALE `frame_system::AccountInfo` of an account holding `free` rao and nothing else:
/// nonce, consumers, providers (1: the balance), sufficients, then the balances pallet's
/// `AccountData` (free, reserved, frozen as `u64`, and `ExtraFlags` with the "new logic" bit).
fn account_info(free: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(56);
    for counter in [0u32, 0, 1, 0] {
        out.extend_from_slice(&counter.to_le_bytes());
    }
    out.extend_from_slice(&free.to_le_bytes());
    out.extend_from_slice(&[0; 16]);
    out.extend_from_slice(&(1u128 << 127).to_le_bytes());
    out
}

/// SCALE `Vec<[u8; 32]>`.
fn aura_authorities(keys: &[[u8; 32]]) -> Vec<u8> {
    let mut out = crate::scale::compact(keys.len());
    for key in keys {
        out.extend_from_slice(key);
    }
    out
}

/// SCALE `Vec<([u8; 32], u64)>`, every authority with weight 1.
fn grandpa_authorities(keys: &[[u8; 32]]) -> Vec<u8> {
    let mut out = crate::scale::compact(keys.len());
    for key in keys {
        out.extend_from_slice(key);
        out.extend_from_slice(&1u64.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests;
