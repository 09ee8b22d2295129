//! smoldot's secp256k1 tables, built on first use since taoscope's vendor patch (smoldot 4 in
//! vendor/README.md: the 1 MB precomputed tables are no longer compiled into the browser's
//! light client). The ECDSA host functions sign with one table and recover with the other; both
//! must give secp256k1's own answers.

#![allow(clippy::unwrap_used)]

use libsecp256k1::{Message, PublicKey, SecretKey, recover_with_context, sign_with_context};
use smoldot::executor::host::secp256k1::{context, gen_context};

/// secp256k1's generator G, compressed (SEC 2): the public key of the secret key 1.
const GENERATOR: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

fn secret(byte: u8) -> SecretKey {
    let mut bytes = [0u8; 32];
    bytes[31] = byte;
    SecretKey::parse(&bytes).unwrap()
}

#[test]
fn the_signing_table_gives_the_generator_for_key_one() {
    let public = PublicKey::from_secret_key_with_context(&secret(1), gen_context());
    assert_eq!(hex::encode(public.serialize_compressed()), GENERATOR);
}

/// A signature made with the signing table recovers, through the other table, to the signer's
/// key; another message recovers to another key; both tables are built once.
#[test]
fn what_one_table_signs_the_other_recovers() {
    for key in [1u8, 2, 7, 255] {
        let secret = secret(key);
        let public = PublicKey::from_secret_key_with_context(&secret, gen_context());
        let message = Message::parse(&[key ^ 0x5a; 32]);
        let (signature, id) = sign_with_context(&message, &secret, gen_context());
        let recovered = recover_with_context(&message, &signature, &id, context()).unwrap();
        assert_eq!(recovered, public, "key {key}");
        let other = Message::parse(&[key ^ 0xa5; 32]);
        let wrong = recover_with_context(&other, &signature, &id, context());
        assert!(!wrong.is_ok_and(|k| k == public), "key {key}");
    }
    assert!(core::ptr::eq(context(), context()));
    assert!(core::ptr::eq(gen_context(), gen_context()));
}
