//! Runtime metadata, read once into the few questions taoscope asks of it.
//!
//! A Substrate runtime describes itself: every pallet's storage items (with the hashers that
//! build their keys and the types of keys and values), calls, errors and constants, the runtime
//! APIs with their argument and return types, and the extrinsic format. Everything is typed
//! through one registry of type ids. Runtimes change this description at every upgrade, which is
//! why the dashboard decodes nothing from a frozen layout: a storage item that moved, retyped or
//! disappeared is found here or reported missing.
//!
//! [`Metadata::decode`] reads versions 14, 15 and 16 (what subtensor's runtimes have offered
//! from 2022 to today) with `frame-metadata` and folds them into one shape. Version 14 has no
//! runtime API section and names the address and signature types only as parameters of the
//! extrinsic type; both gaps are handled here so callers never look at versions.

use std::collections::HashMap;

use codec::Decode as _;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed, v14, v15, v16};
use scale_info::{PortableRegistry, TypeDef, form::PortableForm};

use crate::error::MetadataError;

/// How a storage map hashes one key part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hasher {
    /// blake2b-128 of the key.
    Blake2_128,
    /// blake2b-256 of the key.
    Blake2_256,
    /// blake2b-128 of the key, then the key itself (so the key can be read back).
    Blake2_128Concat,
    /// xxHash 128.
    Twox128,
    /// xxHash 256.
    Twox256,
    /// xxHash 64, then the key itself.
    Twox64Concat,
    /// The key itself.
    Identity,
}

impl Hasher {
    fn from_frame(h: &v14::StorageHasher) -> Self {
        match h {
            v14::StorageHasher::Blake2_128 => Hasher::Blake2_128,
            v14::StorageHasher::Blake2_256 => Hasher::Blake2_256,
            v14::StorageHasher::Blake2_128Concat => Hasher::Blake2_128Concat,
            v14::StorageHasher::Twox128 => Hasher::Twox128,
            v14::StorageHasher::Twox256 => Hasher::Twox256,
            v14::StorageHasher::Twox64Concat => Hasher::Twox64Concat,
            v14::StorageHasher::Identity => Hasher::Identity,
        }
    }

    /// Bytes of hash written before the key itself, for hashers that keep the key; `None` for
    /// hashers that do not (the key cannot be read back from storage keys).
    pub fn concat_prefix_len(self) -> Option<usize> {
        match self {
            Hasher::Blake2_128Concat => Some(16),
            Hasher::Twox64Concat => Some(8),
            Hasher::Identity => Some(0),
            Hasher::Blake2_128 | Hasher::Blake2_256 | Hasher::Twox128 | Hasher::Twox256 => None,
        }
    }
}

/// One storage item of a pallet.
#[derive(Clone, Debug)]
pub struct StorageItem {
    /// Item name (`TotalIssuance`).
    pub name: String,
    /// `true` for `Option` items (absent means none), `false` for items with a default.
    pub optional: bool,
    /// One hasher per key part; empty for a plain value.
    pub hashers: Vec<Hasher>,
    /// The type of each key part, in order.
    pub key_types: Vec<u32>,
    /// The value's type.
    pub value_type: u32,
    /// SCALE bytes of the value an absent key reads as (for `Default` items).
    pub default: Vec<u8>,
}

/// A constant of a pallet.
#[derive(Clone, Debug)]
pub struct Constant {
    /// Name (`Version`).
    pub name: String,
    /// Its type.
    pub ty: u32,
    /// Its SCALE bytes.
    pub value: Vec<u8>,
}

/// One pallet: where its storage lives and which types its calls and errors use.
#[derive(Clone, Debug)]
pub struct Pallet {
    /// Name (`SubtensorModule`).
    pub name: String,
    /// The index calls, events and errors carry.
    pub index: u8,
    /// The storage prefix (usually the name).
    pub storage_prefix: String,
    /// Storage items.
    pub storage: Vec<StorageItem>,
    /// The enum type of its calls.
    pub calls: Option<u32>,
    /// The enum type of its errors.
    pub errors: Option<u32>,
    /// The enum type of its events.
    pub events: Option<u32>,
    /// Constants.
    pub constants: Vec<Constant>,
}

/// One runtime API method (`SubnetInfoRuntimeApi_get_all_dynamic_info` when called).
#[derive(Clone, Debug)]
pub struct ApiMethod {
    /// Method name.
    pub name: String,
    /// Named parameters with their types, in order.
    pub inputs: Vec<(String, u32)>,
    /// The type of the answer.
    pub output: u32,
}

/// A runtime API trait.
#[derive(Clone, Debug)]
pub struct RuntimeApi {
    /// Trait name (`SubnetInfoRuntimeApi`).
    pub name: String,
    /// Its methods.
    pub methods: Vec<ApiMethod>,
}

/// A transaction (signed) extension: data in the extrinsic and data only signed.
#[derive(Clone, Debug)]
pub struct Extension {
    /// Identifier (`CheckNonce`, `CheckMetadataHash`).
    pub identifier: String,
    /// Type of the data carried in the extrinsic.
    pub ty: u32,
    /// Type of the data signed but not carried ("additional signed" or "implicit").
    pub additional: u32,
}

/// The extrinsic format.
#[derive(Clone, Debug)]
pub struct ExtrinsicFormat {
    /// The signed extrinsic version this builder uses (4).
    pub version: u8,
    /// Type of the signer's address (`MultiAddress`).
    pub address_type: u32,
    /// Type of the call (`RuntimeCall`).
    pub call_type: u32,
    /// Type of the signature (`MultiSignature`).
    pub signature_type: u32,
    /// Extensions of that version, in order.
    pub extensions: Vec<Extension>,
}

/// A runtime's metadata in one shape whatever its version. See the module documentation.
#[derive(Clone, Debug)]
pub struct Metadata {
    version: u32,
    types: PortableRegistry,
    pallets: Vec<Pallet>,
    by_name: HashMap<String, usize>,
    apis: Vec<RuntimeApi>,
    extrinsic: ExtrinsicFormat,
}

impl Metadata {
    /// Reads metadata bytes as `Metadata_metadata_at_version` carries them inside its option:
    /// the `meta` magic number, then the version and its body.
    ///
    /// # Errors
    ///
    /// [`MetadataError`] for a missing magic, a version other than 14–16, or malformed bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, MetadataError> {
        if bytes.get(..4) != Some(b"meta") {
            return Err(MetadataError::Magic);
        }
        let version = bytes.get(4).copied().ok_or(MetadataError::Truncated)?;
        if !(14..=16).contains(&version) {
            return Err(MetadataError::Version(version));
        }
        let mut input = bytes;
        let prefixed = RuntimeMetadataPrefixed::decode(&mut input)
            .map_err(|e| MetadataError::Malformed(e.to_string()))?;
        if !input.is_empty() {
            return Err(MetadataError::Malformed(format!(
                "{} bytes left after the metadata",
                input.len()
            )));
        }
        let meta = match prefixed.1 {
            RuntimeMetadata::V14(m) => from_v14(m)?,
            RuntimeMetadata::V15(m) => from_v15(m)?,
            RuntimeMetadata::V16(m) => from_v16(m)?,
            other => return Err(MetadataError::Version(other.version() as u8)),
        };
        meta.check()?;
        Ok(meta)
    }

    /// Reads the answer of the runtime call `Metadata_metadata_at_version`: SCALE
    /// `Option<OpaqueMetadata>` (`OpaqueMetadata` is a length-prefixed byte vector).
    ///
    /// # Errors
    ///
    /// [`MetadataError::NotOffered`] for `None`; otherwise as [`Metadata::decode`].
    pub fn decode_option_opaque(bytes: &[u8]) -> Result<Self, MetadataError> {
        match bytes.split_first() {
            Some((0, [])) => Err(MetadataError::NotOffered),
            Some((1, rest)) => Self::decode_opaque(rest),
            _ => Err(MetadataError::Malformed(
                "Option<OpaqueMetadata> is neither None nor Some".into(),
            )),
        }
    }

    /// Reads `Metadata_metadata`'s answer: a length-prefixed byte vector.
    ///
    /// # Errors
    ///
    /// As [`Metadata::decode`], or [`MetadataError::Malformed`] if the length is wrong.
    pub fn decode_opaque(bytes: &[u8]) -> Result<Self, MetadataError> {
        let mut input = bytes;
        let inner = Vec::<u8>::decode(&mut input)
            .map_err(|e| MetadataError::Malformed(format!("opaque metadata: {e}")))?;
        if !input.is_empty() {
            return Err(MetadataError::Malformed(
                "bytes left after the opaque metadata".into(),
            ));
        }
        Self::decode(&inner)
    }

    /// Every type id the folded metadata names must exist in the registry, so later lookups
    /// can treat a missing type as corruption only.
    fn check(&self) -> Result<(), MetadataError> {
        let known = |id: u32| {
            if self.types.resolve(id).is_some() {
                Ok(())
            } else {
                Err(MetadataError::UnknownType(id))
            }
        };
        for p in &self.pallets {
            for s in &p.storage {
                known(s.value_type)?;
                s.key_types.iter().try_for_each(|t| known(*t))?;
            }
            for ty in [p.calls, p.errors, p.events].into_iter().flatten() {
                known(ty)?;
            }
            p.constants.iter().try_for_each(|c| known(c.ty))?;
        }
        for api in &self.apis {
            for m in &api.methods {
                known(m.output)?;
                m.inputs.iter().try_for_each(|(_, t)| known(*t))?;
            }
        }
        let x = &self.extrinsic;
        for ty in [x.address_type, x.call_type, x.signature_type] {
            known(ty)?;
        }
        x.extensions
            .iter()
            .try_for_each(|e| known(e.ty).and_then(|()| known(e.additional)))
    }

    /// The metadata version the runtime offered (14, 15 or 16).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The type registry every type id refers to.
    pub fn types(&self) -> &PortableRegistry {
        &self.types
    }

    /// All pallets in runtime order.
    pub fn pallets(&self) -> &[Pallet] {
        &self.pallets
    }

    /// A pallet by name.
    pub fn pallet(&self, name: &str) -> Option<&Pallet> {
        self.by_name.get(name).map(|i| &self.pallets[*i])
    }

    /// A pallet by the index calls and errors carry.
    pub fn pallet_by_index(&self, index: u8) -> Option<&Pallet> {
        self.pallets.iter().find(|p| p.index == index)
    }

    /// A storage item, or `None` when this runtime has no such item.
    pub fn storage(&self, pallet: &str, item: &str) -> Option<(&Pallet, &StorageItem)> {
        let p = self.pallet(pallet)?;
        p.storage.iter().find(|s| s.name == item).map(|s| (p, s))
    }

    /// A constant's type and bytes.
    pub fn constant(&self, pallet: &str, name: &str) -> Option<&Constant> {
        self.pallet(pallet)?
            .constants
            .iter()
            .find(|c| c.name == name)
    }

    /// Runtime API traits (empty for V14 metadata, which does not describe them).
    pub fn apis(&self) -> &[RuntimeApi] {
        &self.apis
    }

    /// A runtime API method.
    pub fn api_method(&self, api: &str, method: &str) -> Option<&ApiMethod> {
        self.apis
            .iter()
            .find(|a| a.name == api)?
            .methods
            .iter()
            .find(|m| m.name == method)
    }

    /// The extrinsic format.
    pub fn extrinsic(&self) -> &ExtrinsicFormat {
        &self.extrinsic
    }

    /// The variants of an enum type (a pallet's calls or errors); empty for other types.
    pub fn variants(&self, ty: u32) -> &[scale_info::Variant<PortableForm>] {
        match self.types.resolve(ty).map(|t| &t.type_def) {
            Some(TypeDef::Variant(v)) => &v.variants,
            _ => &[],
        }
    }

    /// A call of a pallet: the pallet index, the call's variant and its fields.
    pub fn call(
        &self,
        pallet: &str,
        call: &str,
    ) -> Option<(&Pallet, &scale_info::Variant<PortableForm>)> {
        let p = self.pallet(pallet)?;
        let v = self.variants(p.calls?).iter().find(|v| v.name == call)?;
        Some((p, v))
    }

    /// Names a module error (`SubtensorModule.NotEnoughBalanceToStake`) from its pallet index
    /// and first error byte.
    pub fn error_name(&self, pallet_index: u8, error_index: u8) -> Option<String> {
        let p = self.pallet_by_index(pallet_index)?;
        let v = self
            .variants(p.errors?)
            .iter()
            .find(|v| v.index == error_index)?;
        Some(format!("{}.{}", p.name, v.name))
    }

    /// A short name of a type for messages: its path (`sp_core::crypto::AccountId32`), or its
    /// shape (`u16`, `Vec<u16>`, `(u16, u16)`).
    pub fn type_name(&self, ty: u32) -> String {
        self.type_name_depth(ty, 0)
    }

    fn type_name_depth(&self, ty: u32, depth: u8) -> String {
        use scale_info::TypeDefPrimitive as P;
        let Some(t) = self.types.resolve(ty) else {
            return format!("unknown type {ty}");
        };
        if !t.path.segments.is_empty() {
            return t.path.segments.join("::");
        }
        if depth > 4 {
            return "…".into();
        }
        let inner = |id: u32| self.type_name_depth(id, depth + 1);
        match &t.type_def {
            TypeDef::Primitive(p) => match p {
                P::Bool => "bool",
                P::Char => "char",
                P::Str => "str",
                P::U8 => "u8",
                P::U16 => "u16",
                P::U32 => "u32",
                P::U64 => "u64",
                P::U128 => "u128",
                P::U256 => "u256",
                P::I8 => "i8",
                P::I16 => "i16",
                P::I32 => "i32",
                P::I64 => "i64",
                P::I128 => "i128",
                P::I256 => "i256",
            }
            .into(),
            TypeDef::Sequence(s) => format!("Vec<{}>", inner(s.type_param.id)),
            TypeDef::Array(a) => format!("[{}; {}]", inner(a.type_param.id), a.len),
            TypeDef::Compact(c) => format!("Compact<{}>", inner(c.type_param.id)),
            TypeDef::Tuple(t) => format!(
                "({})",
                t.fields
                    .iter()
                    .map(|f| inner(f.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TypeDef::BitSequence(_) => "BitVec".into(),
            TypeDef::Composite(_) => "struct".into(),
            TypeDef::Variant(_) => "enum".into(),
        }
    }
}

fn entry_from(
    e: &v14::StorageEntryMetadata<PortableForm>,
    types: &PortableRegistry,
) -> Result<StorageItem, MetadataError> {
    let optional = matches!(e.modifier, v14::StorageEntryModifier::Optional);
    let (hashers, key_types, value_type) = match &e.ty {
        v14::StorageEntryType::Plain(ty) => (Vec::new(), Vec::new(), ty.id),
        v14::StorageEntryType::Map {
            hashers,
            key,
            value,
        } => {
            let hashers: Vec<Hasher> = hashers.iter().map(Hasher::from_frame).collect();
            let key_types = if hashers.len() == 1 {
                vec![key.id]
            } else {
                match types.resolve(key.id).map(|t| &t.type_def) {
                    Some(TypeDef::Tuple(t)) if t.fields.len() == hashers.len() => {
                        t.fields.iter().map(|f| f.id).collect()
                    }
                    _ => {
                        return Err(MetadataError::Malformed(format!(
                            "storage item {}: {} hashers but the key is not a tuple of as many",
                            e.name,
                            hashers.len()
                        )));
                    }
                }
            };
            (hashers, key_types, value.id)
        }
    };
    Ok(StorageItem {
        name: e.name.clone(),
        optional,
        hashers,
        key_types,
        value_type,
        default: e.default.clone(),
    })
}

fn storage_from(
    s: Option<&v14::PalletStorageMetadata<PortableForm>>,
    name: &str,
    types: &PortableRegistry,
) -> Result<(String, Vec<StorageItem>), MetadataError> {
    match s {
        None => Ok((name.to_owned(), Vec::new())),
        Some(s) => Ok((
            s.prefix.clone(),
            s.entries
                .iter()
                .map(|e| entry_from(e, types))
                .collect::<Result<_, _>>()?,
        )),
    }
}

fn constants_from(c: &[v14::PalletConstantMetadata<PortableForm>]) -> Vec<Constant> {
    c.iter()
        .map(|c| Constant {
            name: c.name.clone(),
            ty: c.ty.id,
            value: c.value.clone(),
        })
        .collect()
}

fn finish(
    version: u32,
    types: PortableRegistry,
    pallets: Vec<Pallet>,
    apis: Vec<RuntimeApi>,
    extrinsic: ExtrinsicFormat,
) -> Metadata {
    let by_name = pallets
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), i))
        .collect();
    Metadata {
        version,
        types,
        pallets,
        by_name,
        apis,
        extrinsic,
    }
}

/// The type parameter named `name` of type `ty` (V14 extrinsics name their address, call and
/// signature types only as parameters of `UncheckedExtrinsic`).
fn type_param(types: &PortableRegistry, ty: u32, name: &str) -> Result<u32, MetadataError> {
    types
        .resolve(ty)
        .and_then(|t| t.type_params.iter().find(|p| p.name == name))
        .and_then(|p| p.ty.map(|t| t.id))
        .ok_or_else(|| {
            MetadataError::Malformed(format!("the extrinsic type has no `{name}` parameter"))
        })
}

fn from_v14(m: v14::RuntimeMetadataV14) -> Result<Metadata, MetadataError> {
    let types = m.types;
    let pallets = m
        .pallets
        .iter()
        .map(|p| {
            let (storage_prefix, storage) = storage_from(p.storage.as_ref(), &p.name, &types)?;
            Ok(Pallet {
                name: p.name.clone(),
                index: p.index,
                storage_prefix,
                storage,
                calls: p.calls.as_ref().map(|c| c.ty.id),
                errors: p.error.as_ref().map(|c| c.ty.id),
                events: p.event.as_ref().map(|c| c.ty.id),
                constants: constants_from(&p.constants),
            })
        })
        .collect::<Result<Vec<_>, MetadataError>>()?;
    let x = &m.extrinsic;
    let extrinsic = ExtrinsicFormat {
        version: x.version,
        address_type: type_param(&types, x.ty.id, "Address")?,
        call_type: type_param(&types, x.ty.id, "Call")?,
        signature_type: type_param(&types, x.ty.id, "Signature")?,
        extensions: x
            .signed_extensions
            .iter()
            .map(|e| Extension {
                identifier: e.identifier.clone(),
                ty: e.ty.id,
                additional: e.additional_signed.id,
            })
            .collect(),
    };
    Ok(finish(14, types, pallets, Vec::new(), extrinsic))
}

fn from_v15(m: v15::RuntimeMetadataV15) -> Result<Metadata, MetadataError> {
    let types = m.types;
    let pallets = m
        .pallets
        .iter()
        .map(|p| {
            let (storage_prefix, storage) = storage_from(p.storage.as_ref(), &p.name, &types)?;
            Ok(Pallet {
                name: p.name.clone(),
                index: p.index,
                storage_prefix,
                storage,
                calls: p.calls.as_ref().map(|c| c.ty.id),
                errors: p.error.as_ref().map(|c| c.ty.id),
                events: p.event.as_ref().map(|c| c.ty.id),
                constants: constants_from(&p.constants),
            })
        })
        .collect::<Result<Vec<_>, MetadataError>>()?;
    let apis = m
        .apis
        .iter()
        .map(|a| RuntimeApi {
            name: a.name.clone(),
            methods: a
                .methods
                .iter()
                .map(|mm| ApiMethod {
                    name: mm.name.clone(),
                    inputs: mm
                        .inputs
                        .iter()
                        .map(|i| (i.name.clone(), i.ty.id))
                        .collect(),
                    output: mm.output.id,
                })
                .collect(),
        })
        .collect();
    let x = &m.extrinsic;
    let extrinsic = ExtrinsicFormat {
        version: x.version,
        address_type: x.address_ty.id,
        call_type: x.call_ty.id,
        signature_type: x.signature_ty.id,
        extensions: x
            .signed_extensions
            .iter()
            .map(|e| Extension {
                identifier: e.identifier.clone(),
                ty: e.ty.id,
                additional: e.additional_signed.id,
            })
            .collect(),
    };
    Ok(finish(15, types, pallets, apis, extrinsic))
}

fn from_v16(m: v16::RuntimeMetadataV16) -> Result<Metadata, MetadataError> {
    let types = m.types;
    let pallets = m
        .pallets
        .iter()
        .map(|p| {
            let (storage_prefix, storage) = match &p.storage {
                None => (p.name.clone(), Vec::new()),
                Some(s) => (
                    s.prefix.clone(),
                    s.entries
                        .iter()
                        .map(|e| {
                            entry_from(
                                &v14::StorageEntryMetadata {
                                    name: e.name.clone(),
                                    modifier: e.modifier.clone(),
                                    ty: e.ty.clone(),
                                    default: Vec::new(),
                                    docs: Vec::new(),
                                },
                                &types,
                            )
                            .map(|mut item| {
                                item.default = e.default.clone();
                                item
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
            };
            Ok(Pallet {
                name: p.name.clone(),
                index: p.index,
                storage_prefix,
                storage,
                calls: p.calls.as_ref().map(|c| c.ty.id),
                errors: p.error.as_ref().map(|c| c.ty.id),
                events: p.event.as_ref().map(|c| c.ty.id),
                constants: p
                    .constants
                    .iter()
                    .map(|c| Constant {
                        name: c.name.clone(),
                        ty: c.ty.id,
                        value: c.value.clone(),
                    })
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>, MetadataError>>()?;
    let apis = m
        .apis
        .iter()
        .map(|a| RuntimeApi {
            name: a.name.clone(),
            methods: a
                .methods
                .iter()
                .map(|mm| ApiMethod {
                    name: mm.name.clone(),
                    inputs: mm
                        .inputs
                        .iter()
                        .map(|i| (i.name.clone(), i.ty.id))
                        .collect(),
                    output: mm.output.id,
                })
                .collect(),
        })
        .collect();
    let x = &m.extrinsic;
    // V16 lists several extrinsic versions; signed extrinsics of version 4 use the extensions
    // listed for extension version 0.
    let version = if x.versions.contains(&4) {
        4
    } else {
        x.versions.iter().copied().max().unwrap_or(0)
    };
    let by_version = x
        .transaction_extensions_by_version
        .get(&0)
        .map(|ids| ids.iter().map(|c| c.0 as usize).collect::<Vec<_>>())
        .unwrap_or_else(|| (0..x.transaction_extensions.len()).collect());
    let extensions = by_version
        .into_iter()
        .map(|i| {
            x.transaction_extensions
                .get(i)
                .map(|e| Extension {
                    identifier: e.identifier.clone(),
                    ty: e.ty.id,
                    additional: e.implicit.id,
                })
                .ok_or_else(|| {
                    MetadataError::Malformed(format!(
                        "transaction extension index {i} out of range"
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    let extrinsic = ExtrinsicFormat {
        version,
        address_type: x.address_ty.id,
        call_type: x.call_ty.id,
        signature_type: x.signature_ty.id,
        extensions,
    };
    Ok(finish(16, types, pallets, apis, extrinsic))
}

#[cfg(test)]
mod tests;
