//! Development keys: the block author (Aura, sr25519), the finality voter (GRANDPA, ed25519) and
//! the sudo account, all derived from one secret URI such as `//Alice`.
//!
//! The derivation is smoldot's (`identity::seed_phrase`), which follows Substrate's: the public
//! keys of `//Alice` are the well-known ones every Substrate tool ships. Soft junctions (`/x`)
//! are refused because smoldot does not implement them. Signatures are deterministic: the
//! sr25519 nonce comes from the secret nonce and the message only, so producing the same chain
//! twice gives the same block hashes.

use rand_chacha::rand_core::SeedableRng as _;
use smoldot::identity::seed_phrase;

/// Signing context of Substrate sr25519 signatures (Aura seals, extrinsics).
const SR25519_CONTEXT: &[u8] = b"substrate";

/// A development identity: one secret URI, its Aura key and its GRANDPA key.
#[derive(Clone)]
pub struct DevKeys {
    /// sr25519 key pair that seals blocks; its public key is also the sudo account id.
    aura: schnorrkel::Keypair,
    /// ed25519 key that signs GRANDPA precommits.
    grandpa: ed25519_zebra::SigningKey,
}

impl core::fmt::Debug for DevKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DevKeys")
            .field("aura", &hex::encode(self.aura_public()))
            .field("grandpa", &hex::encode(self.grandpa_public()))
            .finish()
    }
}

/// Why a secret URI could not be turned into keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The URI is neither a BIP39 phrase nor 32 bytes of hexadecimal, or its path is malformed.
    #[error("secret URI is not a seed phrase or hex seed followed by //junctions")]
    InvalidFormat,
    /// The URI uses a soft junction (`/name`), which smoldot cannot derive.
    #[error("soft derivation (`/junction`) is not supported; use hard junctions (`//junction`)")]
    SoftJunction,
    /// The derived sr25519 secret was rejected by schnorrkel.
    #[error("derived sr25519 secret key is invalid")]
    Sr25519,
}

impl DevKeys {
    /// Derives the keys of a secret URI: an optional BIP39 phrase or `0x` seed (Substrate's
    /// public development phrase when absent) followed by hard junctions, e.g. `//Alice`.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the URI does not parse or uses soft junctions.
    pub fn from_secret_uri(uri: &str) -> Result<Self, KeyError> {
        let parsed = seed_phrase::parse_private_key(uri).map_err(|_| KeyError::InvalidFormat)?;
        // smoldot panics (`todo!`) on soft junctions: reject them before deriving.
        if parsed
            .path
            .iter()
            .any(|j| matches!(j, seed_phrase::DeriveJunction::Soft(_)))
        {
            return Err(KeyError::SoftJunction);
        }
        let sr =
            seed_phrase::decode_sr25519_private_key(uri).map_err(|_| KeyError::InvalidFormat)?;
        let ed =
            seed_phrase::decode_ed25519_private_key(uri).map_err(|_| KeyError::InvalidFormat)?;
        let secret = schnorrkel::SecretKey::from_bytes(&sr[..]).map_err(|_| KeyError::Sr25519)?;
        Ok(DevKeys {
            aura: secret.to_keypair(),
            grandpa: ed25519_zebra::SigningKey::from(*ed),
        })
    }

    /// The keys of `//Alice`, the usual single authority of a development chain.
    pub fn alice() -> Self {
        // The URI is a constant that parses (checked by the `alice_keys_are_the_known_ones`
        // test), so this cannot fail.
        Self::from_secret_uri("//Alice").expect("//Alice is a valid secret URI")
    }

    /// The sr25519 public key that seals blocks (the Aura authority).
    pub fn aura_public(&self) -> [u8; 32] {
        self.aura.public.to_bytes()
    }

    /// The ed25519 public key that signs precommits (the GRANDPA authority).
    pub fn grandpa_public(&self) -> [u8; 32] {
        <[u8; 32]>::from(ed25519_zebra::VerificationKey::from(&self.grandpa))
    }

    /// The account id given the sudo key: the sr25519 public key, as Substrate tools use.
    pub fn account_id(&self) -> [u8; 32] {
        self.aura_public()
    }

    /// Signs `message` with the sr25519 key in Substrate's signing context. Deterministic: the
    /// extra randomness is seeded by the message (schnorrkel also mixes in the secret nonce).
    pub fn sign_sr25519(&self, message: &[u8]) -> [u8; 64] {
        let seed: [u8; 32] = blake2_rfc::blake2b::blake2b(32, b"taoscope-devnode", message)
            .as_bytes()
            .try_into()
            .unwrap_or([0; 32]);
        let rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        let transcript = schnorrkel::context::attach_rng(
            schnorrkel::signing_context(SR25519_CONTEXT).bytes(message),
            rng,
        );
        self.aura.sign(transcript).to_bytes()
    }

    /// Signs `message` with the ed25519 GRANDPA key (ed25519 is deterministic by design).
    pub fn sign_ed25519(&self, message: &[u8]) -> [u8; 64] {
        self.grandpa.sign(message).into()
    }
}

#[cfg(test)]
mod tests;
