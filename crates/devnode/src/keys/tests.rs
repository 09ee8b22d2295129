//! Checks the key derivation against the public keys every Substrate tool prints for `//Alice`,
//! and that both signatures verify with the libraries smoldot itself verifies with.

#![allow(clippy::unwrap_used)]

use super::*;

/// `subkey inspect //Alice` (sr25519) and `subkey inspect --scheme ed25519 //Alice`; subtensor's
/// `aura-dev` genesis lists the same keys as its Aura and GRANDPA authorities.
const ALICE_SR25519: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
const ALICE_ED25519: &str = "88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee";

#[test]
fn alice_keys_are_the_known_ones() {
    let alice = DevKeys::alice();
    assert_eq!(hex::encode(alice.aura_public()), ALICE_SR25519);
    assert_eq!(hex::encode(alice.grandpa_public()), ALICE_ED25519);
    assert_eq!(alice.account_id(), alice.aura_public());
}

#[test]
fn bob_differs_from_alice() {
    let bob = DevKeys::from_secret_uri("//Bob").unwrap();
    assert_eq!(
        hex::encode(bob.aura_public()),
        "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"
    );
    assert_ne!(bob.grandpa_public(), DevKeys::alice().grandpa_public());
}

#[test]
fn soft_junctions_and_garbage_are_errors() {
    assert!(matches!(
        DevKeys::from_secret_uri("//Alice/soft"),
        Err(KeyError::SoftJunction)
    ));
    assert!(matches!(
        DevKeys::from_secret_uri("not a phrase at all"),
        Err(KeyError::InvalidFormat)
    ));
}

#[test]
fn signatures_verify_and_are_deterministic() {
    let alice = DevKeys::alice();
    let message = b"a block hash stand-in, 32 bytes.";
    let sr = alice.sign_sr25519(message);
    assert_eq!(sr, alice.sign_sr25519(message));
    schnorrkel::PublicKey::from_bytes(&alice.aura_public())
        .unwrap()
        .verify_simple(
            SR25519_CONTEXT,
            message,
            &schnorrkel::Signature::from_bytes(&sr).unwrap(),
        )
        .unwrap();

    let ed = alice.sign_ed25519(message);
    ed25519_zebra::VerificationKey::try_from(alice.grandpa_public())
        .unwrap()
        .verify(&ed25519_zebra::Signature::from(ed), message)
        .unwrap();
}
