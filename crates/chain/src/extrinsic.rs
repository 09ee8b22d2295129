//! Extrinsics the way a wallet builds them, from the runtime's metadata and nothing else.
//!
//! A signed extrinsic (version 4) is `address ++ signature ++ extra ++ call`, where the
//! signature covers `call ++ extra ++ additional`: *extra* is what each transaction extension
//! carries in the extrinsic (nonce, era, tip, metadata-hash mode) and *additional* what it only
//! signs (spec and transaction versions, genesis hash, the era's block hash, the metadata hash).
//! Which extensions exist, in which order and with which types, is the runtime's to say: this
//! module reads it from the metadata, fills the extensions it knows from [`TxParams`], accepts
//! extensions that carry nothing, and refuses one that carries data it does not know rather
//! than guess (a guess is a transaction the chain rejects, or worse, one it reads differently).
//!
//! [`SigningPayload`] is the whole signed payload; the devnode signs it with development keys,
//! the browser hands it to the user's extension. Nothing here sees a key.

use scale_value::Value;

use crate::error::DecodeError;
use crate::metadata::Metadata;

/// How long a transaction stays valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// Forever (signs the genesis hash).
    Immortal,
    /// For `period` blocks (a power of two, 4..=65536) from the block `birth` (whose hash is
    /// signed).
    Mortal {
        /// Validity period in blocks.
        period: u64,
        /// The block the era starts from.
        birth: u64,
        /// That block's hash.
        birth_hash: [u8; 32],
    },
}

impl Era {
    /// The era's two SCALE bytes (`Mortal`), as Substrate encodes them: the period's log2 − 1
    /// in the low four bits, the quantized phase in the high twelve.
    pub fn mortal_bytes(period: u64, birth: u64) -> [u8; 2] {
        let period = period.clamp(4, 1 << 16).next_power_of_two();
        let phase = birth % period;
        let quantize_factor = (period >> 12).max(1);
        let quantized_phase = phase / quantize_factor * quantize_factor;
        let encoded = (period.trailing_zeros() - 1).clamp(1, 15) as u16
            | ((quantized_phase / quantize_factor) << 4) as u16;
        encoded.to_le_bytes()
    }
}

/// What a transaction's extensions carry and sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxParams {
    /// The signer's next nonce.
    pub nonce: u32,
    /// Tip to the block author (rao).
    pub tip: u64,
    /// Validity.
    pub era: Era,
    /// `spec_version` of the runtime the transaction is for.
    pub spec_version: u32,
    /// `transaction_version` of that runtime.
    pub transaction_version: u32,
    /// The chain's genesis hash.
    pub genesis_hash: [u8; 32],
    /// `CheckMetadataHash`: the metadata hash when the signer checks it (mode enabled), `None`
    /// for the disabled mode.
    pub metadata_hash: Option<[u8; 32]>,
}

/// Everything a signature covers, kept in parts so each can be shown and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningPayload {
    /// The call (pallet index, call index, arguments).
    pub call: Vec<u8>,
    /// What the extensions carry in the extrinsic.
    pub extra: Vec<u8>,
    /// What the extensions only sign.
    pub additional: Vec<u8>,
}

impl SigningPayload {
    /// `call ++ extra ++ additional`.
    pub fn bytes(&self) -> Vec<u8> {
        [&self.call[..], &self.extra, &self.additional].concat()
    }

    /// What the signer signs: the payload, or its blake2b-256 when longer than 256 bytes.
    pub fn to_sign(&self) -> Vec<u8> {
        let bytes = self.bytes();
        if bytes.len() > 256 {
            crate::codec::blake2(32, &bytes)
        } else {
            bytes
        }
    }
}

fn bad(at: &str, reason: impl Into<String>) -> DecodeError {
    DecodeError::Encode {
        at: at.to_owned(),
        reason: reason.into(),
    }
}

impl Metadata {
    /// Encodes `pallet.call(args)`: pallet index, call index, then each argument encoded as the
    /// type the metadata declares for it.
    ///
    /// # Errors
    ///
    /// [`DecodeError::NotAvailable`] for an unknown pallet or call; [`DecodeError::Encode`]
    /// naming the argument when the count differs or a value does not fit.
    pub fn encode_call(
        &self,
        pallet: &str,
        call: &str,
        args: &[Value],
    ) -> Result<Vec<u8>, DecodeError> {
        let (p, variant) = self
            .call(pallet, call)
            .ok_or_else(|| DecodeError::NotAvailable(format!("call {pallet}.{call}")))?;
        let at = format!("{pallet}.{call}");
        if variant.fields.len() != args.len() {
            return Err(bad(
                &at,
                format!(
                    "takes {} arguments, {} given",
                    variant.fields.len(),
                    args.len()
                ),
            ));
        }
        let mut out = vec![p.index, variant.index];
        for (field, arg) in variant.fields.iter().zip(args) {
            let at = format!("{at}.{}", field.name.as_deref().unwrap_or("_"));
            self.encode_value(field.ty.id, arg, &at, &mut out)?;
        }
        Ok(out)
    }

    /// Decodes an encoded call into a value of the runtime's call type (to nest it in another
    /// call, such as `Sudo.sudo`, or to show it for review).
    ///
    /// # Errors
    ///
    /// [`DecodeError::Bytes`] when the bytes are not one call.
    pub fn decode_call(&self, call: &[u8]) -> Result<Value<u32>, DecodeError> {
        self.decode_value(self.extrinsic().call_type, call, "call")
    }

    /// Whether values of type `ty` take no bytes (`()`, `PhantomData`, empty structs).
    pub fn is_empty_type(&self, ty: u32) -> bool {
        use scale_info::TypeDef;
        match self.types().resolve(ty).map(|t| &t.type_def) {
            Some(TypeDef::Composite(c)) => c.fields.iter().all(|f| self.is_empty_type(f.ty.id)),
            Some(TypeDef::Tuple(t)) => t.fields.iter().all(|f| self.is_empty_type(f.id)),
            Some(TypeDef::Array(a)) => a.len == 0 || self.is_empty_type(a.type_param.id),
            _ => false,
        }
    }

    /// The signing payload of `call` with `params`, filling each extension the runtime lists.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Encode`] when an extension carries data this builder does not know, or a
    /// value does not fit the extension's declared type.
    pub fn signing_payload(
        &self,
        call: Vec<u8>,
        params: &TxParams,
    ) -> Result<SigningPayload, DecodeError> {
        let mut extra = Vec::new();
        let mut additional = Vec::new();
        for ext in &self.extrinsic().extensions {
            let at = format!("transaction extension {}", ext.identifier);
            // What the extension carries in the extrinsic.
            match ext.identifier.as_str() {
                "CheckNonce" => {
                    self.encode_value(ext.ty, &Value::u128(params.nonce.into()), &at, &mut extra)?
                }
                "CheckMortality" | "CheckEra" => match params.era {
                    Era::Immortal => self.encode_value(
                        ext.ty,
                        &Value::unnamed_variant("Immortal", []),
                        &at,
                        &mut extra,
                    )?,
                    Era::Mortal { period, birth, .. } => {
                        // The era type's variants are the encoding's first byte; Substrate
                        // names them `Mortal{first byte}` with the second byte as field.
                        let [first, second] = Era::mortal_bytes(period, birth);
                        self.encode_value(
                            ext.ty,
                            &Value::unnamed_variant(
                                format!("Mortal{first}"),
                                [Value::u128(second.into())],
                            ),
                            &at,
                            &mut extra,
                        )?
                    }
                },
                "ChargeTransactionPayment" | "ChargeAssetTxPayment" => {
                    self.encode_value(ext.ty, &Value::u128(params.tip.into()), &at, &mut extra)?
                }
                "CheckMetadataHash" => {
                    let mode = if params.metadata_hash.is_some() {
                        "Enabled"
                    } else {
                        "Disabled"
                    };
                    self.encode_value(
                        ext.ty,
                        &Value::named_composite([("mode", Value::unnamed_variant(mode, []))]),
                        &at,
                        &mut extra,
                    )?
                }
                _ if self.is_empty_type(ext.ty) => {}
                other => {
                    return Err(bad(
                        &at,
                        format!("{other} carries data this builder does not know"),
                    ));
                }
            }
            // What it signs without carrying.
            match ext.identifier.as_str() {
                "CheckSpecVersion" => self.encode_value(
                    ext.additional,
                    &Value::u128(params.spec_version.into()),
                    &at,
                    &mut additional,
                )?,
                "CheckTxVersion" => self.encode_value(
                    ext.additional,
                    &Value::u128(params.transaction_version.into()),
                    &at,
                    &mut additional,
                )?,
                "CheckGenesis" => self.encode_value(
                    ext.additional,
                    &Value::from_bytes(params.genesis_hash),
                    &at,
                    &mut additional,
                )?,
                "CheckMortality" | "CheckEra" => {
                    let hash = match params.era {
                        Era::Immortal => params.genesis_hash,
                        Era::Mortal { birth_hash, .. } => birth_hash,
                    };
                    self.encode_value(
                        ext.additional,
                        &Value::from_bytes(hash),
                        &at,
                        &mut additional,
                    )?
                }
                "CheckMetadataHash" => {
                    let value = match params.metadata_hash {
                        Some(h) => Value::unnamed_variant("Some", [Value::from_bytes(h)]),
                        None => Value::unnamed_variant("None", []),
                    };
                    self.encode_value(ext.additional, &value, &at, &mut additional)?
                }
                _ if self.is_empty_type(ext.additional) => {}
                other => {
                    return Err(bad(
                        &at,
                        format!("{other} signs data this builder does not know"),
                    ));
                }
            }
        }
        Ok(SigningPayload {
            call,
            extra,
            additional,
        })
    }

    /// The signed extrinsic, length prefix included: version 4 with the signed bit, the signer
    /// as `MultiAddress::Id`, the signature as `MultiSignature::Sr25519`, then extra and call.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Encode`] when the runtime's address or signature types differ.
    pub fn signed_extrinsic(
        &self,
        payload: &SigningPayload,
        signer: &[u8; 32],
        sr25519_signature: &[u8; 64],
    ) -> Result<Vec<u8>, DecodeError> {
        let format = self.extrinsic();
        let mut body = vec![0b1000_0000 | format.version];
        self.encode_value(
            format.address_type,
            &Value::unnamed_variant("Id", [Value::from_bytes(signer)]),
            "extrinsic address",
            &mut body,
        )?;
        self.encode_value(
            format.signature_type,
            &Value::unnamed_variant("Sr25519", [Value::from_bytes(sr25519_signature)]),
            "extrinsic signature",
            &mut body,
        )?;
        body.extend_from_slice(&payload.extra);
        body.extend_from_slice(&payload.call);
        let mut out = codec::Encode::encode(&codec::Compact(body.len() as u32));
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Names a SCALE `DispatchError` (`SubtensorModule.NotEnoughBalanceToStake`), or shows its
    /// kind and bytes when it is not a module error.
    pub fn describe_dispatch_error(&self, error: &[u8]) -> String {
        // `DispatchError::Module(ModuleError { index, error: [u8; 4] })` is variant 3.
        if let [3, pallet, index, ..] = error {
            return self
                .error_name(*pallet, *index)
                .unwrap_or_else(|| format!("module {pallet} error {index}"));
        }
        const KINDS: [&str; 14] = [
            "Other",
            "CannotLookup",
            "BadOrigin",
            "Module",
            "ConsumerRemaining",
            "NoProviders",
            "TooManyConsumers",
            "Token",
            "Arithmetic",
            "Transactional",
            "Exhausted",
            "Corruption",
            "Unavailable",
            "RootNotAllowed",
        ];
        match error.first().and_then(|k| KINDS.get(usize::from(*k))) {
            Some(kind) => format!("{kind} (0x{})", hex::encode(error)),
            None => format!("0x{}", hex::encode(error)),
        }
    }
}

/// Puts an `ApplyExtrinsicResult` reporting an invalid transaction into words
/// (`invalid: Payment`).
pub fn describe_invalid(result: &[u8]) -> String {
    const INVALID: [&str; 11] = [
        "Call",
        "Payment",
        "Future",
        "Stale",
        "BadProof",
        "AncientBirthBlock",
        "ExhaustsResources",
        "Custom",
        "BadMandatory",
        "MandatoryValidation",
        "BadSigner",
    ];
    const UNKNOWN: [&str; 3] = ["CannotLookup", "NoUnsignedValidator", "Custom"];
    let name = |names: &[&str], kind: u8, custom: Option<&u8>| {
        let base = names.get(usize::from(kind)).copied().unwrap_or("?");
        match (base, custom) {
            ("Custom", Some(code)) => format!("Custom({code})"),
            _ => base.to_string(),
        }
    };
    match result {
        [1, 0, kind, rest @ ..] => format!("invalid: {}", name(&INVALID, *kind, rest.first())),
        [1, 1, kind, rest @ ..] => {
            format!("unknown validity: {}", name(&UNKNOWN, *kind, rest.first()))
        }
        _ => format!("invalid (0x{})", hex::encode(result)),
    }
}

#[cfg(test)]
mod tests;
