//! A reader for the parts of runtime metadata (V14 and V15) that building and reading extrinsics
//! needs:
//! the type registry, each pallet's calls, storage entries and errors, and the extrinsic format
//! (address, signature and signed-extension types).
//!
//! Hand-written rather than `frame-metadata` + `scale-info`: the layout is small and stable, the
//! node already frames SCALE by hand, and two cores compile it faster than a derive-heavy
//! dependency tree. Everything after the extrinsic section (runtime APIs, outer enums, custom
//! values) is left unread because nothing here uses it. Malformed input is an error, never a
//! panic: the bytes come from a runtime, which is external input.

use crate::scale;

/// Why metadata bytes could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The bytes do not start with the `meta` magic number.
    #[error("metadata does not start with the 'meta' magic")]
    Magic,
    /// The metadata is neither version 14 nor 15.
    #[error("metadata version {0} is not supported (expected 14 or 15)")]
    Version(u8),
    /// The bytes end or break inside the named structure.
    #[error("metadata is truncated or malformed in {0}")]
    Malformed(&'static str),
    /// A type id points outside the registry.
    #[error("metadata refers to unknown type id {0}")]
    UnknownType(u32),
}

/// A primitive type of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Primitive {
    /// `bool`.
    Bool,
    /// `char`.
    Char,
    /// `str`.
    Str,
    /// Unsigned integer of this many bytes (1, 2, 4, 8, 16 or 32).
    Unsigned(u8),
    /// Signed integer of this many bytes.
    Signed(u8),
}

/// A field of a composite type or of an enum variant.
#[derive(Debug, Clone)]
pub struct Field {
    /// Field name; `None` for tuple-like fields.
    pub name: Option<String>,
    /// Type id.
    pub ty: u32,
}

/// A variant of an enum type.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Variant name (for a call enum, the call's name).
    pub name: String,
    /// Its fields (for a call, the arguments).
    pub fields: Vec<Field>,
    /// The byte that encodes it.
    pub index: u8,
}

/// How a type is built.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TypeDef {
    /// A struct.
    Composite(Vec<Field>),
    /// An enum.
    Variant(Vec<Variant>),
    /// `Vec<T>`.
    Sequence(u32),
    /// `[T; len]`.
    Array {
        /// Number of items.
        len: u32,
        /// Item type.
        ty: u32,
    },
    /// A tuple of the listed types.
    Tuple(Vec<u32>),
    /// A primitive.
    Primitive(Primitive),
    /// `Compact<T>`.
    Compact(u32),
    /// A bit sequence (unused by the calls built here).
    BitSequence,
}

/// A type of the registry.
#[derive(Debug, Clone)]
pub struct Type {
    /// Rust path segments, e.g. `["sp_runtime", "multiaddress", "MultiAddress"]`.
    pub path: Vec<String>,
    /// Generic parameters: name and, when known, type id.
    pub params: Vec<(String, Option<u32>)>,
    /// Its definition.
    pub def: TypeDef,
}

/// How a storage map hashes one key part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hasher {
    /// blake2b-128 of the key.
    Blake2_128,
    /// blake2b-256 of the key.
    Blake2_256,
    /// blake2b-128 of the key followed by the key.
    Blake2_128Concat,
    /// xxHash 128 of the key.
    Twox128,
    /// xxHash 256 of the key.
    Twox256,
    /// xxHash 64 of the key followed by the key.
    Twox64Concat,
    /// The key itself.
    Identity,
}

/// A storage item of a pallet.
#[derive(Debug, Clone)]
pub struct StorageEntry {
    /// Item name, e.g. `Weights`.
    pub name: String,
    /// Hashers of the key parts; empty for a plain value.
    pub hashers: Vec<Hasher>,
    /// Key type (a tuple when there are several hashers); `None` for a plain value.
    pub key_ty: Option<u32>,
    /// Value type.
    pub value_ty: u32,
    /// Encoded value returned when the key is absent (for `ValueQuery` items).
    pub default: Vec<u8>,
}

/// A pallet of the runtime.
#[derive(Debug, Clone)]
pub struct Pallet {
    /// Pallet name, e.g. `SubtensorModule`.
    pub name: String,
    /// Storage prefix (usually the pallet name).
    pub storage_prefix: String,
    /// Storage items.
    pub storage: Vec<StorageEntry>,
    /// Type id of the pallet's call enum.
    pub calls: Option<u32>,
    /// Type id of the pallet's error enum.
    pub errors: Option<u32>,
    /// The byte that selects the pallet in a call or an error.
    pub index: u8,
}

/// A signed extension: what it adds to the extrinsic and to the signed payload.
#[derive(Debug, Clone)]
pub struct SignedExtension {
    /// Its identifier, e.g. `CheckNonce`.
    pub identifier: String,
    /// Type of the bytes carried in the extrinsic.
    pub ty: u32,
    /// Type of the bytes only signed (spec version, genesis hash, ...).
    pub additional_signed: u32,
}

/// The extrinsic format.
#[derive(Debug, Clone)]
pub struct ExtrinsicFormat {
    /// Metadata version it was read from (14 or 15).
    pub metadata_version: u8,
    /// Extrinsic version (4 for these runtimes).
    pub version: u8,
    /// Type of the signer's address (`MultiAddress`).
    pub address_ty: u32,
    /// Type of the outer call enum (`RuntimeCall`).
    pub call_ty: u32,
    /// Type of the signature (`MultiSignature`).
    pub signature_ty: u32,
    /// Signed extensions, in order.
    pub signed_extensions: Vec<SignedExtension>,
}

/// Decoded metadata: registry, pallets, extrinsic format.
#[derive(Debug, Clone)]
pub struct Metadata {
    types: Vec<Type>,
    /// Pallets, in declaration order.
    pub pallets: Vec<Pallet>,
    /// The extrinsic format.
    pub extrinsic: ExtrinsicFormat,
}

impl Metadata {
    /// Decodes `RuntimeMetadataPrefixed` bytes (`meta` magic, version 14 or 15).
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the bytes are not V14/V15 metadata or are malformed.
    pub fn decode(bytes: &[u8]) -> Result<Self, MetadataError> {
        let mut r = Reader(bytes);
        if r.take(4, "magic")? != b"meta" {
            return Err(MetadataError::Magic);
        }
        let version = r.u8("version")?;
        if version != 14 && version != 15 {
            return Err(MetadataError::Version(version));
        }
        let types = r.registry()?;
        let pallets = r.list("pallets", |r| r.pallet(version))?;
        let extrinsic = if version == 15 {
            r.extrinsic()?
        } else {
            r.extrinsic_v14(&types)?
        };
        let metadata = Metadata {
            types,
            pallets,
            extrinsic,
        };
        // Check every id the rest of the crate follows once, so lookups can trust them.
        for ty in &metadata.types {
            match &ty.def {
                TypeDef::Composite(fields) => metadata.check_fields(fields)?,
                TypeDef::Variant(variants) => {
                    for v in variants {
                        metadata.check_fields(&v.fields)?;
                    }
                }
                TypeDef::Sequence(t) | TypeDef::Compact(t) | TypeDef::Array { ty: t, .. } => {
                    metadata.ty(*t)?;
                }
                TypeDef::Tuple(ts) => {
                    for t in ts {
                        metadata.ty(*t)?;
                    }
                }
                TypeDef::Primitive(_) | TypeDef::BitSequence => {}
            }
        }
        Ok(metadata)
    }

    fn check_fields(&self, fields: &[Field]) -> Result<(), MetadataError> {
        fields.iter().try_for_each(|f| self.ty(f.ty).map(|_| ()))
    }

    /// The type with id `id`.
    ///
    /// # Errors
    ///
    /// [`MetadataError::UnknownType`] when the id is outside the registry.
    pub fn ty(&self, id: u32) -> Result<&Type, MetadataError> {
        self.types
            .get(id as usize)
            .ok_or(MetadataError::UnknownType(id))
    }

    /// The pallet named `name`.
    pub fn pallet(&self, name: &str) -> Option<&Pallet> {
        self.pallets.iter().find(|p| p.name == name)
    }

    /// The pallet whose index is `index`.
    pub fn pallet_by_index(&self, index: u8) -> Option<&Pallet> {
        self.pallets.iter().find(|p| p.index == index)
    }

    /// The variants of an enum type; empty for other types.
    pub fn variants(&self, id: u32) -> &[Variant] {
        match self.ty(id).map(|t| &t.def) {
            Ok(TypeDef::Variant(variants)) => variants,
            _ => &[],
        }
    }
}

/// A cursor over metadata bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], MetadataError> {
        if self.0.len() < n {
            return Err(MetadataError::Malformed(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, MetadataError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, MetadataError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn compact(&mut self, what: &'static str) -> Result<u64, MetadataError> {
        let (value, rest) = scale::take_compact(self.0).ok_or(MetadataError::Malformed(what))?;
        self.0 = rest;
        Ok(value)
    }

    fn len(&mut self, what: &'static str) -> Result<usize, MetadataError> {
        let len =
            usize::try_from(self.compact(what)?).map_err(|_| MetadataError::Malformed(what))?;
        // Every item takes at least one byte: a longer count is corrupt and must not allocate.
        if len > self.0.len() {
            return Err(MetadataError::Malformed(what));
        }
        Ok(len)
    }

    fn type_id(&mut self, what: &'static str) -> Result<u32, MetadataError> {
        u32::try_from(self.compact(what)?).map_err(|_| MetadataError::Malformed(what))
    }

    fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], MetadataError> {
        let len = self.len(what)?;
        self.take(len, what)
    }

    fn string(&mut self, what: &'static str) -> Result<String, MetadataError> {
        let bytes = self.bytes(what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| MetadataError::Malformed(what))
    }

    fn option<T>(
        &mut self,
        what: &'static str,
        item: impl FnOnce(&mut Self) -> Result<T, MetadataError>,
    ) -> Result<Option<T>, MetadataError> {
        match self.u8(what)? {
            0 => Ok(None),
            1 => item(self).map(Some),
            _ => Err(MetadataError::Malformed(what)),
        }
    }

    fn list<T>(
        &mut self,
        what: &'static str,
        mut item: impl FnMut(&mut Self) -> Result<T, MetadataError>,
    ) -> Result<Vec<T>, MetadataError> {
        let len = self.len(what)?;
        (0..len).map(|_| item(self)).collect()
    }

    fn docs(&mut self) -> Result<(), MetadataError> {
        self.list("docs", |r| r.bytes("docs").map(|_| ()))?;
        Ok(())
    }

    fn registry(&mut self) -> Result<Vec<Type>, MetadataError> {
        let entries = self.list("type registry", |r| {
            let id = r.type_id("type id")?;
            let path = r.list("type path", |r| r.string("type path"))?;
            let params = r.list("type parameters", |r| {
                let name = r.string("type parameter name")?;
                Ok((
                    name,
                    r.option("type parameter", |r| r.type_id("type parameter"))?,
                ))
            })?;
            let def = r.type_def()?;
            r.docs()?;
            Ok((id, Type { path, params, def }))
        })?;
        // Ids are the positions in the registry; a registry that says otherwise is corrupt.
        entries
            .into_iter()
            .enumerate()
            .map(|(position, (id, ty))| {
                if id as usize == position {
                    Ok(ty)
                } else {
                    Err(MetadataError::Malformed("type ids out of order"))
                }
            })
            .collect()
    }

    fn fields(&mut self) -> Result<Vec<Field>, MetadataError> {
        self.list("fields", |r| {
            let name = r.option("field name", |r| r.string("field name"))?;
            let ty = r.type_id("field type")?;
            r.option("field type name", |r| {
                r.bytes("field type name").map(|_| ())
            })?;
            r.docs()?;
            Ok(Field { name, ty })
        })
    }

    fn type_def(&mut self) -> Result<TypeDef, MetadataError> {
        Ok(match self.u8("type definition")? {
            0 => TypeDef::Composite(self.fields()?),
            1 => TypeDef::Variant(self.list("variants", |r| {
                let name = r.string("variant name")?;
                let fields = r.fields()?;
                let index = r.u8("variant index")?;
                r.docs()?;
                Ok(Variant {
                    name,
                    fields,
                    index,
                })
            })?),
            2 => TypeDef::Sequence(self.type_id("sequence")?),
            3 => {
                let len = self.u32("array length")?;
                let ty = self.type_id("array item")?;
                TypeDef::Array { len, ty }
            }
            4 => TypeDef::Tuple(self.list("tuple", |r| r.type_id("tuple item"))?),
            5 => TypeDef::Primitive(match self.u8("primitive")? {
                0 => Primitive::Bool,
                1 => Primitive::Char,
                2 => Primitive::Str,
                n @ 3..=8 => Primitive::Unsigned(1 << (n - 3)),
                n @ 9..=14 => Primitive::Signed(1 << (n - 9)),
                _ => return Err(MetadataError::Malformed("primitive")),
            }),
            6 => TypeDef::Compact(self.type_id("compact")?),
            7 => {
                self.type_id("bit sequence store")?;
                self.type_id("bit sequence order")?;
                TypeDef::BitSequence
            }
            _ => return Err(MetadataError::Malformed("type definition")),
        })
    }

    fn pallet(&mut self, version: u8) -> Result<Pallet, MetadataError> {
        let name = self.string("pallet name")?;
        let storage = self.option("pallet storage", |r| {
            let prefix = r.string("storage prefix")?;
            let entries = r.list("storage entries", Reader::storage_entry)?;
            Ok((prefix, entries))
        })?;
        let calls = self.option("pallet calls", |r| r.type_id("pallet calls"))?;
        self.option("pallet events", |r| r.type_id("pallet events"))?;
        self.list("pallet constants", |r| {
            r.bytes("constant name")?;
            r.type_id("constant type")?;
            r.bytes("constant value")?;
            r.docs()
        })?;
        let errors = self.option("pallet errors", |r| r.type_id("pallet errors"))?;
        let index = self.u8("pallet index")?;
        if version >= 15 {
            self.docs()?;
        }
        let (storage_prefix, storage) = storage.unwrap_or_else(|| (name.clone(), Vec::new()));
        Ok(Pallet {
            name,
            storage_prefix,
            storage,
            calls,
            errors,
            index,
        })
    }

    fn storage_entry(&mut self) -> Result<StorageEntry, MetadataError> {
        let name = self.string("storage entry name")?;
        self.u8("storage modifier")?;
        let (hashers, key_ty, value_ty) = match self.u8("storage entry type")? {
            0 => (Vec::new(), None, self.type_id("storage value type")?),
            1 => {
                let hashers = self.list("storage hashers", |r| {
                    Ok(match r.u8("storage hasher")? {
                        0 => Hasher::Blake2_128,
                        1 => Hasher::Blake2_256,
                        2 => Hasher::Blake2_128Concat,
                        3 => Hasher::Twox128,
                        4 => Hasher::Twox256,
                        5 => Hasher::Twox64Concat,
                        6 => Hasher::Identity,
                        _ => return Err(MetadataError::Malformed("storage hasher")),
                    })
                })?;
                let key = self.type_id("storage key type")?;
                let value = self.type_id("storage value type")?;
                (hashers, Some(key), value)
            }
            _ => return Err(MetadataError::Malformed("storage entry type")),
        };
        let default = self.bytes("storage default")?.to_vec();
        self.docs()?;
        Ok(StorageEntry {
            name,
            hashers,
            key_ty,
            value_ty,
            default,
        })
    }

    fn extrinsic(&mut self) -> Result<ExtrinsicFormat, MetadataError> {
        let version = self.u8("extrinsic version")?;
        let address_ty = self.type_id("address type")?;
        let call_ty = self.type_id("call type")?;
        let signature_ty = self.type_id("signature type")?;
        self.type_id("extra type")?;
        let signed_extensions = self.list("signed extensions", |r| {
            Ok(SignedExtension {
                identifier: r.string("signed extension identifier")?,
                ty: r.type_id("signed extension type")?,
                additional_signed: r.type_id("signed extension additional type")?,
            })
        })?;
        Ok(ExtrinsicFormat {
            metadata_version: 15,
            version,
            address_ty,
            call_ty,
            signature_ty,
            signed_extensions,
        })
    }

    /// V14 names only the extrinsic type; address, call and signature types are its generic
    /// parameters (`UncheckedExtrinsic<Address, Call, Signature, Extra>`).
    fn extrinsic_v14(&mut self, types: &[Type]) -> Result<ExtrinsicFormat, MetadataError> {
        let ty = self.type_id("extrinsic type")?;
        let version = self.u8("extrinsic version")?;
        let signed_extensions = self.list("signed extensions", |r| {
            Ok(SignedExtension {
                identifier: r.string("signed extension identifier")?,
                ty: r.type_id("signed extension type")?,
                additional_signed: r.type_id("signed extension additional type")?,
            })
        })?;
        let params = &types
            .get(ty as usize)
            .ok_or(MetadataError::UnknownType(ty))?
            .params;
        let param = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, ty)| *ty)
                .ok_or(MetadataError::Malformed("extrinsic type parameters"))
        };
        Ok(ExtrinsicFormat {
            metadata_version: 14,
            version,
            address_ty: param("Address")?,
            call_ty: param("Call")?,
            signature_ty: param("Signature")?,
            signed_extensions,
        })
    }
}
