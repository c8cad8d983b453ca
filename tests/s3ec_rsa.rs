//! S3EC RSA-OAEP-SHA1 objects built from the Java client's rules by an independent
//! implementation (`tests/data/s3ec_rsa.json`: Python `cryptography` for RSA-OAEP and
//! AES-GCM, the S3EC Python client's HKDF for V3). Every case: a valid one decrypts to its
//! plaintext (and unwraps to its data key), an invalid one is refused at any stage.
#![cfg(all(feature = "cse", feature = "aws-lc"))]

use s3crypt::cse::s3ec::{
    self, CommitmentPolicy, ContentMetadata, Keyring, ReadOptions, RsaPrivateKey,
};
use serde_json::Value;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn rsa_oaep_sha1_objects_built_from_the_format_rules() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/s3ec_rsa.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let key = RsaPrivateKey::from_pkcs8_der(&unhex(doc["private_key_pkcs8_hex"].as_str().unwrap()))
        .unwrap();
    assert_eq!(
        key.public_key_der(),
        unhex(doc["public_key_spki_hex"].as_str().unwrap())
    );
    let keyring = Keyring::rsa(&key);
    let opts = ReadOptions::default()
        .commitment(CommitmentPolicy::ForbidEncryptAllowDecrypt)
        .legacy_cbc(true);
    let cases = doc["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let meta: Vec<(String, String)> = c["metadata"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let body = unhex(c["body_hex"].as_str().unwrap());
        let read = ContentMetadata::from_object(meta.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .and_then(|m| m.ok_or(s3ec::S3ecError::Metadata("none")))
            .and_then(|md| {
                let dek = s3ec::unwrap_data_key(&md, &keyring, &opts)?;
                let pt = s3ec::decrypt(&md, &keyring, &opts, &body)?;
                Ok((dek, pt))
            });
        match c["result"].as_str().unwrap() {
            "valid" => {
                let (dek, pt) = read.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    dek.expose_secret()[..],
                    unhex(c["data_key_hex"].as_str().unwrap()),
                    "{name}"
                );
                assert_eq!(pt, unhex(c["plaintext_hex"].as_str().unwrap()), "{name}");
            }
            "invalid" => assert!(read.is_err(), "{name}: accepted"),
            r => panic!("{name}: unknown result {r}"),
        }
    }
    eprintln!("tests/data/s3ec_rsa.json: {} cases checked", cases.len());
}
