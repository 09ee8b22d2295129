//! SS58 addresses: how Substrate chains write a 32-byte public key for people (`5Grw…`).
//!
//! The address is base58 of `prefix ++ key ++ checksum`, the checksum being the first two
//! bytes of blake2b-512 over `"SS58PRE" ++ prefix ++ key`. Bittensor uses the generic
//! Substrate prefix 42, so its addresses start with `5`.

use crate::codec::blake2;

/// Bittensor's (and generic Substrate's) address prefix.
pub const BITTENSOR_PREFIX: u16 = 42;

/// Why text is not an address this app takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Ss58Error {
    /// Not base58.
    #[error("not a base58 address")]
    Base58,
    /// The decoded length is not that of a 32-byte account with a one-byte prefix.
    #[error("an address of {0} bytes is not a 32-byte account address")]
    Length(usize),
    /// The checksum does not match: a typo.
    #[error("the address checksum does not match (a typo?)")]
    Checksum,
    /// Another network's prefix.
    #[error("the address is for network prefix {0}, not Bittensor's 42")]
    Prefix(u16),
}

fn checksum(body: &[u8]) -> [u8; 2] {
    let mut data = b"SS58PRE".to_vec();
    data.extend_from_slice(body);
    let hash = blake2(64, &data);
    [hash[0], hash[1]]
}

/// The SS58 address of `account` with prefix 42.
pub fn encode(account: &[u8; 32]) -> String {
    let mut body = vec![BITTENSOR_PREFIX as u8];
    body.extend_from_slice(account);
    let sum = checksum(&body);
    body.extend_from_slice(&sum);
    bs58::encode(body).into_string()
}

/// The account of an SS58 address with prefix 42.
///
/// # Errors
///
/// [`Ss58Error`] naming what is wrong.
pub fn decode(address: &str) -> Result<[u8; 32], Ss58Error> {
    let bytes = bs58::decode(address.trim())
        .into_vec()
        .map_err(|_| Ss58Error::Base58)?;
    if bytes.len() != 35 {
        return Err(Ss58Error::Length(bytes.len()));
    }
    if bytes[0] >= 64 {
        return Err(Ss58Error::Length(bytes.len()));
    }
    let (body, sum) = bytes.split_at(33);
    if checksum(body) != sum {
        return Err(Ss58Error::Checksum);
    }
    if u16::from(bytes[0]) != BITTENSOR_PREFIX {
        return Err(Ss58Error::Prefix(bytes[0].into()));
    }
    let mut out = [0; 32];
    out.copy_from_slice(&bytes[1..33]);
    Ok(out)
}

/// Serde as an SS58 address: `#[serde(with = "ss58::account")]` on a `[u8; 32]`.
pub mod account {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes the address.
    pub fn serialize<S: Serializer>(a: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::encode(a))
    }

    /// Reads an address.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        super::decode(&String::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// Serde for `Option<[u8; 32]>` as an SS58 address or `null`.
pub mod option_account {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes the address or `null`.
    pub fn serialize<S: Serializer>(a: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_str(&super::encode(a)),
            None => s.serialize_none(),
        }
    }

    /// Reads an address or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| super::decode(&t).map_err(D::Error::custom))
            .transpose()
    }
}

/// Serde for `Vec<[u8; 32]>` as a list of SS58 addresses.
pub mod accounts {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes the addresses.
    pub fn serialize<S: Serializer>(a: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(a.iter().map(super::encode))
    }

    /// Reads addresses.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| super::decode(t).map_err(D::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Alice of Substrate's development keys, as every Substrate tool prints her.
    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const ALICE_HEX: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    #[test]
    fn alice_round_trips() {
        let key: [u8; 32] = hex::decode(ALICE_HEX).unwrap().try_into().unwrap();
        assert_eq!(encode(&key), ALICE);
        assert_eq!(decode(ALICE).unwrap(), key);
    }

    #[test]
    fn typos_and_other_networks_are_refused() {
        let mut typo = ALICE.to_owned();
        typo.replace_range(10..11, "z");
        assert_eq!(decode(&typo), Err(Ss58Error::Checksum));
        assert_eq!(decode("0x1234"), Err(Ss58Error::Base58));
        assert_eq!(decode("5Grw"), Err(Ss58Error::Length(3)));
        // Polkadot's Alice (prefix 0).
        assert_eq!(
            decode("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"),
            Err(Ss58Error::Prefix(0))
        );
    }
}
