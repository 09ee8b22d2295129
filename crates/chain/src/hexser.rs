//! Serde helpers that write bytes as `0x`-prefixed lowercase hex, the way Substrate's JSON-RPC
//! and chain specs do, so snapshots and JSON output read like the chain's own tools.

/// `[u8; 32]` and other fixed arrays.
pub mod array {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes `0x…`.
    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    /// Reads `0x…` of exactly `N` bytes.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = super::parse(&text).map_err(D::Error::custom)?;
        <[u8; N]>::try_from(bytes)
            .map_err(|b| D::Error::custom(format!("expected {N} bytes, got {}", b.len())))
    }
}

/// `Vec<u8>`.
pub mod vec {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes `0x…`.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    /// Reads `0x…`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse(&text).map_err(D::Error::custom)
    }
}

/// Parses `0x`-prefixed hex.
///
/// # Errors
///
/// A message when the prefix is missing or a digit is not hex.
pub fn parse(text: &str) -> Result<Vec<u8>, String> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("`{text:.20}` is not 0x-prefixed hex"))?;
    hex::decode(digits).map_err(|e| format!("`{text:.20}`: {e}"))
}

/// `0x…` of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}
